//! `GET /v1/update` and `GET /v1/update/bundles/{sha256}`: the bundle an operator
//! published, streamed to a registered kiosk and checked against the offer on the way.

use std::time::Duration;

use adm_central::updates::UpdateStore;
use adm_central_client::{ClientError, UpdateDownloadError};

use crate::common::*;

#[tokio::test]
async fn a_published_bundle_is_offered_and_downloads_whole() {
    let server = server();
    let c = client(&server);
    assert_eq!(c.update_offer().await.expect("offer"), None, "nothing published yet");

    // Larger than one read buffer of the server's stream, not a whole number of them.
    let bundle: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let file = server.state_dir.join("upload.raucb");
    std::fs::write(&file, &bundle).expect("bundle file");
    let store = UpdateStore::new(server.state_dir.join("updates"));
    let published = store.publish(&file, "99.0.0+test").expect("publish");

    let offer = c.update_offer().await.expect("offer").expect("an offer");
    assert_eq!(offer, published);
    assert_eq!(offer.size, bundle.len() as u64);
    let mut got = Vec::new();
    c.download_update(&offer, Duration::from_secs(30), &mut |chunk| {
        got.extend_from_slice(chunk);
        Ok(())
    })
    .await
    .expect("download");
    assert!(got == bundle, "the bundle arrives byte for byte");

    // An offer whose digest is not the published bundle's: not found, nothing written.
    let mut other = offer.clone();
    other.sha256 = "0".repeat(64);
    let mut wrote = 0;
    let err = c
        .download_update(&other, Duration::from_secs(30), &mut |chunk| {
            wrote += chunk.len();
            Ok(())
        })
        .await
        .expect_err("not on offer");
    assert!(matches!(err, UpdateDownloadError::Client(ClientError::NotFound)), "{err:?}");
    assert_eq!(wrote, 0);

    // An offer that lies about the size: the download is refused as not whole.
    let mut short = offer.clone();
    short.size -= 1;
    let err = c.download_update(&short, Duration::from_secs(30), &mut |_| Ok(())).await.expect_err("size");
    assert!(matches!(err, UpdateDownloadError::Client(ClientError::IntegrityMismatch)), "{err:?}");

    // The sink failing (disk full) ends the download with that error.
    let err = c
        .download_update(&offer, Duration::from_secs(30), &mut |_| Err(std::io::Error::other("disk full")))
        .await
        .expect_err("sink");
    assert!(matches!(err, UpdateDownloadError::Sink(_)), "{err:?}");
}
