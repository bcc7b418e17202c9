//! Issue #13, item 5: notices are no longer bearer credentials for everything, forever.
//! A notice is good for a limited number of sign-ins (default one), can be revoked by an
//! officer, cannot be valid longer than the server's maximum, and opens only the
//! documents it was issued for.

use std::time::Duration;

use adm_central::admin::NoticeRequest;
use adm_central::clock::Clock;
use adm_central::demo::DemoOptions;
use adm_central::server::ServerOptions;
use adm_central_client::ClientError;

use crate::common::*;

const DAY: u64 = 24 * 3600;

#[tokio::test]
async fn a_notice_signs_in_once() {
    let server = server();
    let client = client(&server);
    let code = server.admin().add_notice(BUDI.0, "777777", None, Duration::from_secs(3600)).unwrap();
    let grant = client.sign_in_notice(&code, "777777").await.expect("first use");
    client.sign_out(&grant.token).await.unwrap();
    assert_eq!(client.sign_in_notice(&code, "777777").await.unwrap_err(), ClientError::UnknownNotice, "second use");
}

#[test]
fn a_notice_cannot_be_issued_for_longer_than_the_maximum() {
    let server = server();
    let year = Duration::from_secs(365 * 24 * 3600);
    assert!(server.admin().add_notice(BUDI.0, "777777", None, year).is_err());
}

#[tokio::test]
async fn a_notice_may_allow_more_sign_ins_when_issued_so() {
    let server = server();
    let client = client(&server);
    let code = server
        .admin()
        .issue_notice(&NoticeRequest {
            nik: BUDI.0,
            pin: "777777",
            code: None,
            valid_for: Duration::from_secs(DAY),
            uses: 2,
            documents: &[],
        })
        .unwrap();
    for _ in 0..2 {
        client.sign_in_notice(&code, "777777").await.expect("within its uses");
    }
    assert_eq!(client.sign_in_notice(&code, "777777").await.unwrap_err(), ClientError::UnknownNotice);
}

#[tokio::test]
async fn a_revoked_notice_no_longer_signs_in() {
    let server = server();
    let client = client(&server);
    let code = server.admin().add_notice(BUDI.0, "777777", None, Duration::from_secs(DAY)).unwrap();
    server.admin().revoke_notice(&code).unwrap();
    assert_eq!(client.sign_in_notice(&code, "777777").await.unwrap_err(), ClientError::UnknownNotice);
    assert!(server.admin().revoke_notice("0000000000000000").is_err(), "unknown codes are reported");
}

#[tokio::test]
async fn the_maximum_validity_also_holds_at_sign_in() {
    // A server whose maximum is 7 days, with a notice stored as valid for 30 (issued
    // under a looser setting): after 8 days it is refused.
    let clock = Clock::manual(Clock::system().now_secs());
    let server = server_with(DemoOptions {
        server: ServerOptions {
            clock: clock.clone(),
            notice_max_validity: Duration::from_secs(7 * DAY),
            ..ServerOptions::default()
        },
        ..DemoOptions::default()
    });
    assert!(server.admin().add_notice(BUDI.0, "777777", None, Duration::from_secs(30 * DAY)).is_err());
    // The demo notice was seeded valid for 30 days before the 7-day maximum was set.
    let client = client(&server);
    clock.advance((8 * DAY) as i64);
    assert_eq!(
        client
            .sign_in_notice(adm_central::demo::DEMO_NOTICE_CODE, adm_central::demo::DEMO_NOTICE_PIN)
            .await
            .unwrap_err(),
        ClientError::UnknownNotice
    );
}

#[tokio::test]
async fn a_notice_opens_only_the_documents_it_was_issued_for() {
    let server = server();
    let client = client(&server);
    let only_akta = ["doc-demo-0002".to_owned()];
    let code = server
        .admin()
        .issue_notice(&NoticeRequest {
            nik: BUDI.0,
            pin: "777777",
            code: None,
            valid_for: Duration::from_secs(DAY),
            uses: 1,
            documents: &only_akta,
        })
        .unwrap();
    let grant = client.sign_in_notice(&code, "777777").await.unwrap();
    let docs = client.list_documents(&grant.token).await.unwrap();
    assert_eq!(docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["doc-demo-0002"]);
    // BUDI's biodata exists, but this notice was not issued for it.
    let mut bio = docs[0].clone();
    bio.id = "doc-demo-0003".into();
    assert_eq!(client.download(&grant.token, &bio).await.unwrap_err(), ClientError::NotFound);
    // Someone else's document cannot be put on a notice.
    let rina = ["doc-demo-0011".to_owned()];
    let other = NoticeRequest {
        nik: BUDI.0,
        pin: "777777",
        code: None,
        valid_for: Duration::from_secs(DAY),
        uses: 1,
        documents: &rina,
    };
    assert!(server.admin().issue_notice(&other).is_err());
    // A NIK sign-in of the same citizen still sees everything.
    let full = client.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    assert_eq!(client.list_documents(&full.token).await.unwrap().len(), 3);
}
