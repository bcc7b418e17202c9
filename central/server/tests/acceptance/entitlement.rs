//! Issue #13, item 4: print limits hold across concurrent sessions. A download reserves a
//! print (a lease held by the session, released at sign-out or after a while); a report
//! is tied to the grant its download received; reports beyond the limit or without a
//! matching grant are kept but flagged, counted in a metric, and do not use up the
//! citizen's prints.

use adm_central::documents::NewDocument;
use adm_central::metrics::FlagReason;
use adm_central_client::ClientError;
use adm_central_client::api::DocumentInfo;

use crate::common::*;

/// A KK for JOKO (who has no documents in the demo data) that may be printed once.
fn one_print_kk(server: &adm_central::demo::DemoServer) -> String {
    server
        .admin()
        .add_document(&NewDocument {
            id: None,
            kind: "kk".into(),
            number: "3578011203190009".into(),
            issued: "2019-03-12".into(),
            owner_nik: JOKO.0.into(),
            prints_allowed: 1,
            verify_code: None,
            extra: Vec::new(),
            active: true,
        })
        .expect("document")
}

async fn listed(client: &adm_central_client::CentralClient, token: &str, id: &str) -> DocumentInfo {
    client.list_documents(token).await.expect("list").into_iter().find(|d| d.id == id).expect("listed")
}

fn flagged(server: &adm_central::demo::DemoServer, reason: FlagReason) -> bool {
    let needle = format!("adm_central_reports_flagged_total{{reason=\"{}\"}} 1", reason.as_str());
    server.metrics().encode().contains(&needle)
}

#[tokio::test]
async fn the_same_citizen_on_two_kiosks_cannot_both_download_the_last_print() {
    let server = server();
    let id = one_print_kk(&server);
    let (a, b) = (client(&server), kiosk(&server, "ADM-TEST-B"));
    let ga = a.sign_in_nik(JOKO.0, JOKO.1).await.unwrap();
    let gb = b.sign_in_nik(JOKO.0, JOKO.1).await.unwrap();
    let doc = listed(&a, &ga.token, &id).await;
    assert_eq!(doc.prints_left, 1);
    a.download(&ga.token, &doc).await.expect("first kiosk reserves the print");
    assert_eq!(b.download(&gb.token, &doc).await.unwrap_err(), ClientError::NoPrintsLeft, "second kiosk");
    // The session holding the lease may download again (a retry after a network error).
    a.download(&ga.token, &doc).await.expect("same session again");
    // Signing out without printing gives the print back.
    a.sign_out(&ga.token).await.unwrap();
    b.download(&gb.token, &doc).await.expect("released at sign-out");
}

#[tokio::test]
async fn a_report_without_a_download_grant_is_flagged_and_not_counted() {
    let server = server();
    let client = client(&server);
    let grant = client.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    // Nothing was downloaded: a kiosk reports a print of BUDI's biodata anyway.
    let ack = client.report_print("rpt-nogrant-01", &report_body("doc-demo-0003")).await.expect("kept on record");
    assert_eq!(ack.prints_left, 1, "a print nobody was granted does not use up the citizen's print");
    assert_eq!(server.admin().print_report_count().unwrap(), 1, "but it is on record");
    assert!(flagged(&server, FlagReason::NoGrant), "{}", server.metrics().encode());
    assert_eq!(listed(&client, &grant.token, "doc-demo-0003").await.prints_left, 1);
}

#[tokio::test]
async fn a_report_from_another_kiosk_than_the_download_is_flagged() {
    let server = server();
    let (a, b) = (client(&server), kiosk(&server, "ADM-TEST-B"));
    let grant = a.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    let doc = listed(&a, &grant.token, "doc-demo-0003").await;
    a.download(&grant.token, &doc).await.unwrap();
    // Kiosk B never downloaded it: its report is not the one kiosk A's grant is for.
    b.report_print("rpt-otherkiosk-01", &report_body(&doc.id)).await.expect("kept on record");
    assert_eq!(listed(&a, &grant.token, &doc.id).await.prints_left, 1);
    assert!(!flagged(&server, FlagReason::OverLimit));
    assert!(
        flagged(&server, FlagReason::NoGrant) || flagged(&server, FlagReason::GrantMismatch),
        "{}",
        server.metrics().encode()
    );
}

#[tokio::test]
async fn a_report_naming_its_grant_counts_once_and_the_grant_cannot_be_reused() {
    let server = server();
    let (a, b) = (client(&server), kiosk(&server, "ADM-TEST-B"));
    let grant = a.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    let doc = listed(&a, &grant.token, "doc-demo-0002").await;
    assert_eq!(doc.prints_left, 3);
    let g = a.download_granted(&grant.token, &doc).await.unwrap().grant_id;
    let body = adm_central_client::api::PrintReportBody { grant_id: g.clone(), ..report_body(&doc.id) };
    // Kiosk B presents kiosk A's grant: flagged, not counted.
    b.report_print("rpt-stolen-grant", &body).await.unwrap();
    assert!(flagged(&server, FlagReason::GrantMismatch), "{}", server.metrics().encode());
    // Kiosk A's own report counts, after its session ended (from the outbox).
    a.sign_out(&grant.token).await.unwrap();
    let ack = a.report_print("rpt-granted-0001", &body).await.unwrap();
    assert_eq!(ack.prints_left, 2);
    // The same grant once more under a new report id: flagged.
    let ack = a.report_print("rpt-granted-0002", &body).await.unwrap();
    assert_eq!(ack.prints_left, 2);
    assert!(flagged(&server, FlagReason::GrantReused), "{}", server.metrics().encode());
    assert_eq!(server.admin().flagged_reports().unwrap().len(), 2);
}
