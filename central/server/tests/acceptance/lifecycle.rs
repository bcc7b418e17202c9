//! Issue #19, document lifecycle: a replaced document is TIDAK AKTIF and never printable,
//! even when a kiosk still holds a list (or a download) from before; the reprint policy
//! is a server setting shown in the documents list.

use adm_central::demo::DemoOptions;
use adm_central::server::ServerOptions;
use adm_central_client::ClientError;
use adm_central_client::api::{PrintReportBody, ReprintPolicy};

use crate::common::*;

#[tokio::test]
async fn a_replaced_document_is_refused_even_from_a_stale_list() {
    let server = server();
    let client = client(&server);
    let grant = client.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    let stale = client.list_documents(&grant.token).await.unwrap();
    let kk = stale.iter().find(|d| d.id == "doc-demo-0001").unwrap();
    let akta = stale.iter().find(|d| d.id == "doc-demo-0002").unwrap();

    // Downloaded while AKTIF, replaced before the print was reported.
    let granted = client.download_granted(&grant.token, akta).await.unwrap();
    server.admin().supersede_document("doc-demo-0001").unwrap();
    server.admin().supersede_document("doc-demo-0002").unwrap();

    // The stale list still offers the KK: the download is refused, no print reserved.
    assert_eq!(client.download_granted(&grant.token, kk).await.err(), Some(ClientError::DocumentInactive));
    // The report of the print is refused, on every retry, and counts nothing.
    let body = PrintReportBody { grant_id: granted.grant_id, ..report_body(&akta.id) };
    assert_eq!(client.report_print("rpt-inactive-01", &body).await.err(), Some(ClientError::DocumentInactive));
    assert_eq!(client.report_print("rpt-inactive-01", &body).await.err(), Some(ClientError::DocumentInactive));
    // ... but stays on record for investigation, flagged.
    let flagged = server.admin().flagged_reports().unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!((flagged[0].report_id.as_str(), flagged[0].flag.as_str()), ("rpt-inactive-01", "document_inactive"));

    // A fresh list no longer has them; another citizen's ids stay "not found".
    let fresh = client.list_documents(&grant.token).await.unwrap();
    assert!(fresh.iter().all(|d| d.id != "doc-demo-0001" && d.id != "doc-demo-0002"));
    let rina = client.sign_in_nik(RINA.0, RINA.1).await.unwrap();
    assert_eq!(client.download_granted(&rina.token, kk).await.err(), Some(ClientError::NotFound));
    // The outbox sets such a report aside rather than retrying it forever.
    assert!(!ClientError::DocumentInactive.is_transient());
}

fn with_reprints(reprints: ReprintPolicy) -> adm_central::demo::DemoServer {
    server_with(DemoOptions {
        server: ServerOptions { reprints, ..ServerOptions::default() },
        ..DemoOptions::default()
    })
}

#[tokio::test]
async fn the_reprint_policy_is_a_server_setting_shown_in_the_list() {
    // As issued (the default): each document's own count.
    let server = server();
    let kiosk = client(&server);
    let grant = kiosk.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    let list = kiosk.document_list(&grant.token).await.unwrap();
    assert_eq!(list.reprint_policy, Some(ReprintPolicy::AsIssued));
    let bio = list.documents.iter().find(|d| d.kind == "biodata").unwrap();
    assert_eq!((bio.prints_allowed, bio.prints_left, bio.unlimited), (1, 1, false));
    drop(server);

    // Unlimited while AKTIF: the one-print biodata prints twice and more.
    let server = with_reprints(ReprintPolicy::Unlimited);
    let kiosk = client(&server);
    let grant = kiosk.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    let list = kiosk.document_list(&grant.token).await.unwrap();
    assert_eq!(list.reprint_policy, Some(ReprintPolicy::Unlimited));
    assert!(list.documents.iter().all(|d| d.unlimited));
    let bio = list.documents.iter().find(|d| d.kind == "biodata").unwrap().clone();
    for n in 0..3 {
        let dl = kiosk.download_granted(&grant.token, &bio).await.unwrap();
        let body = PrintReportBody { grant_id: dl.grant_id, ..report_body(&bio.id) };
        let ack = kiosk.report_print(&format!("rpt-unlimited-{n}"), &body).await.unwrap();
        assert!(ack.prints_left > 1000, "{}", ack.prints_left);
    }
    assert!(server.admin().flagged_reports().unwrap().is_empty(), "every print counted, none flagged");
    drop(server);

    // At most N prints of every document, whatever it was issued with.
    let server = with_reprints(ReprintPolicy::AtMost { prints: 3 });
    let kiosk = client(&server);
    let grant = kiosk.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    let list = kiosk.document_list(&grant.token).await.unwrap();
    assert_eq!(list.reprint_policy, Some(ReprintPolicy::AtMost { prints: 3 }));
    assert!(list.documents.iter().all(|d| d.prints_allowed == 3 && !d.unlimited));
}
