//! Acceptance 1: sign-in, listing, download (sha256 checked), print report, notice sign-in.

use std::time::Duration;

use adm_central::demo::{DEMO_NOTICE_CODE, DEMO_NOTICE_PIN, DemoOptions};
use adm_central::server::ServerOptions;
use adm_central_client::api::DocumentStatus;
use adm_central_client::{ClientError, parse_notice_payload};

use crate::common::*;

#[tokio::test]
async fn sign_in_list_download_report() {
    let server = server();
    let client = client(&server);
    let health = client.health().await.unwrap();
    assert_eq!(health.kiosk_id, "ADM-DEMO-01");

    let grant = client.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    assert_eq!(grant.citizen.nik, BUDI.0);
    assert_eq!(grant.citizen.name, "BUDI SANTOSO");
    assert_eq!(grant.citizen.kk, "3201012003150001");
    assert!(grant.expires_in > 0 && grant.expires_in <= 600);

    let docs = client.list_documents(&grant.token).await.unwrap();
    let mut kinds: Vec<&str> = docs.iter().map(|d| d.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(kinds, ["akta-kelahiran", "biodata", "kk"], "the superseded KK is not listed");
    for doc in &docs {
        let pdf = client.download(&grant.token, doc).await.unwrap();
        assert_eq!(pdf.len() as u64, doc.size);
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(info_value(&pdf, "NIK").as_deref(), Some(doc.owner_nik.as_str()));
        assert_eq!(info_value(&pdf, "KK").as_deref(), Some(doc.kk.as_str()));
        assert_eq!(info_value(&pdf, "DocNumber").as_deref(), Some(doc.number.as_str()));
        assert_eq!(info_value(&pdf, "DocType").as_deref(), Some(doc.kind.as_str()));
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains(&format!("NIK: {}", doc.owner_nik)) && text.contains(&doc.kk),
            "NIK and KK printed as text"
        );
    }

    // Print the biodata (1 print allowed): the report counts once, however often sent.
    let bio = docs.iter().find(|d| d.kind == "biodata").unwrap();
    assert_eq!((bio.prints_allowed, bio.prints_left), (1, 1));
    // The report names the grant its download received (issue #13, item 4).
    let grant_id = client.download_granted(&grant.token, bio).await.unwrap().grant_id;
    assert!(grant_id.is_some(), "a download carries its print grant");
    let body = adm_central_client::api::PrintReportBody { grant_id, ..report_body(&bio.id) };
    let ack = client.report_print("rpt-0000000001", &body).await.unwrap();
    assert!(!ack.duplicate);
    assert_eq!(ack.prints_left, 0);
    let again = client.report_print("rpt-0000000001", &body).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(server.admin().print_report_count().unwrap(), 1);
    assert_eq!(server.admin().print_report_deliveries().unwrap(), 2);
    // Same key, different content: refused, not counted.
    let other = adm_central_client::api::PrintReportBody { pages_printed: 0, ..body };
    assert!(matches!(client.report_print("rpt-0000000001", &other).await, Err(ClientError::Rejected(_))));

    // The entitlement is enforced by the server.
    let docs = client.list_documents(&grant.token).await.unwrap();
    let bio = docs.iter().find(|d| d.kind == "biodata").unwrap();
    assert_eq!(bio.prints_left, 0);
    assert_eq!(client.download(&grant.token, bio).await.unwrap_err(), ClientError::NoPrintsLeft);

    client.sign_out(&grant.token).await.unwrap();
    assert_eq!(client.list_documents(&grant.token).await.unwrap_err(), ClientError::SessionExpired);
}

#[tokio::test]
async fn notice_code_sign_in() {
    let server = server();
    let client = client(&server);
    let code = parse_notice_payload(&server.demo_notice_payload(), &server.notice_host).unwrap();
    assert_eq!(code, DEMO_NOTICE_CODE);
    let grant = client.sign_in_notice(&code, DEMO_NOTICE_PIN).await.unwrap();
    assert_eq!(grant.citizen.nik, RINA.0);
    let docs = client.list_documents(&grant.token).await.unwrap();
    assert_eq!(docs.len(), 2);
    assert!(docs.iter().all(|d| d.owner_nik == RINA.0));
    let pdf = client.download(&grant.token, &docs[0]).await.unwrap();
    assert_eq!(info_value(&pdf, "NIK").as_deref(), Some(RINA.0));

    assert_eq!(
        client.sign_in_notice("7QK3M9ZT4HX2WD8S", DEMO_NOTICE_PIN).await.unwrap_err(),
        ClientError::UnknownNotice
    );
    assert_eq!(
        client.sign_in_notice(DEMO_NOTICE_CODE, "000000").await.unwrap_err(),
        ClientError::WrongPin { attempts_left: 2 }
    );
    // A notice issued by an officer works the same way.
    let new_code = server.admin().add_notice(BUDI.0, "777777", None, Duration::from_secs(3600)).unwrap();
    let grant = client.sign_in_notice(&new_code, "777777").await.unwrap();
    assert_eq!(grant.citizen.nik, BUDI.0);
}

#[tokio::test]
async fn citizen_reasons() {
    let server = server();
    let client = client(&server);
    // An unregistered NIK is answered like a wrong PIN (issue #13: the old `UnknownCitizen`
    // answer told anyone which NIKs are registered).
    assert_eq!(
        client.sign_in_nik("3201019999990001", "123456").await.unwrap_err(),
        ClientError::WrongPin { attempts_left: 2 }
    );
    // A child without a kiosk PIN cannot sign in, and is not told apart either.
    assert_eq!(
        client.sign_in_nik("3201010302120003", "123456").await.unwrap_err(),
        ClientError::WrongPin { attempts_left: 2 }
    );
    // A malformed NIK never leaves the kiosk.
    assert_eq!(client.sign_in_nik("320101999999", "123456").await.unwrap_err(), ClientError::UnknownCitizen);
    let grant = client.sign_in_nik(JOKO.0, JOKO.1).await.unwrap();
    assert!(client.list_documents(&grant.token).await.unwrap().is_empty(), "no documents");
    assert_eq!(client.list_documents(&"0".repeat(64)).await.unwrap_err(), ClientError::SessionExpired);
}

#[tokio::test]
async fn verify_by_printed_qr_code() {
    let server = server();
    let client = client(&server);
    assert_eq!(client.verify("3QF8ZK2M7T4WXN9A").await.unwrap().status, DocumentStatus::Aktif);
    assert_eq!(client.verify("8H2K6RZQ4V9MXT3C").await.unwrap().status, DocumentStatus::TidakAktif);
    assert_eq!(client.verify("0000000000000000").await.unwrap().status, DocumentStatus::TidakValid);
    assert_eq!(client.verify("not a code").await.unwrap().status, DocumentStatus::TidakValid);
    server.admin().supersede_document("doc-demo-0001").unwrap();
    assert_eq!(client.verify("3QF8ZK2M7T4WXN9A").await.unwrap().status, DocumentStatus::TidakAktif);
}

#[tokio::test]
async fn sessions_expire() {
    let server = server_with(DemoOptions {
        server: ServerOptions { session_ttl: Duration::from_secs(1), ..ServerOptions::default() },
        ..DemoOptions::default()
    });
    let client = client(&server);
    let grant = client.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    assert!(client.list_documents(&grant.token).await.is_ok());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(client.list_documents(&grant.token).await.unwrap_err(), ClientError::SessionExpired);
}

#[tokio::test]
async fn rate_limited_per_kiosk() {
    let server = server_with(DemoOptions {
        server: ServerOptions {
            limits: adm_central::ratelimit::Limits { sign_ins_per_minute: 3, ..Default::default() },
            ..ServerOptions::default()
        },
        ..DemoOptions::default()
    });
    let a = client(&server);
    for _ in 0..3 {
        a.sign_in_nik(JOKO.0, JOKO.1).await.unwrap();
    }
    assert_eq!(a.sign_in_nik(JOKO.0, JOKO.1).await.unwrap_err(), ClientError::RateLimited);
    let b = kiosk(&server, "ADM-TEST-B");
    assert!(b.sign_in_nik(JOKO.0, JOKO.1).await.is_ok(), "other kiosks are not affected");
}

/// Issue #13, item 13: the API's PIN rule is 4-8 digits (`shape::PIN_DIGITS`), the one
/// rule kiosk configuration, client and server share; which PIN is right is the server's.
#[tokio::test]
async fn pins_of_four_to_eight_digits_sign_in() {
    let server = server();
    let client = client(&server);
    for pin in ["2468", "24681357"] {
        server.admin().reset_pin(JOKO.0, pin).unwrap();
        assert_eq!(client.sign_in_nik(JOKO.0, pin).await.unwrap().citizen.nik, JOKO.0, "{pin}");
    }
    assert!(server.admin().reset_pin(JOKO.0, "123456789").is_err());
    assert!(matches!(client.sign_in_nik(JOKO.0, "123").await.unwrap_err(), ClientError::Rejected(_)));
}
