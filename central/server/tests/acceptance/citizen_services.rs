//! Issue #19 at the API: the document check by printed QR (nothing personal, rate
//! limited), the citizen's applications with their next steps, and the service catalogue
//! with its signed guides and forms. The real reference server on loopback TLS, the real
//! kiosk client.

use adm_central::demo::{DEMO_NOTICE_CODE, DEMO_NOTICE_PIN, DemoOptions};
use adm_central::ratelimit::Limits;
use adm_central::server::ServerOptions;
use adm_central_client::ClientError;
use adm_central_client::api::{ApplicationStatus, DocumentStatus, NextStep, ServiceFileKind, ServiceOutput};

use crate::common::*;

/// Every demo citizen's name, NIK, KK number and a piece of each address: none of these
/// may appear in an answer given without sign-in.
const PERSONAL: &[&str] = &[
    "BUDI",
    "SANTOSO",
    "SITI",
    "RIZKY",
    "DEWI",
    "ANDI",
    "RINA",
    "JOKO",
    "3201011505800001",
    "3201016208830002",
    "3201010302120003",
    "3374024911750001",
    "3374021707990002",
    "3273017004920005",
    "3578010101900007",
    "3201012003150001",
    "3374021107180004",
    "3273010506200003",
    "3578011203190009",
    "3201011007100005",
    "MELATI",
    "PANDANARAN",
    "CIHAMPELAS",
    "DARMO",
    "BOGOR",
    "SUPARMAN",
];

async fn raw_verify(server: &adm_central::demo::DemoServer, code: &str) -> serde_json::Value {
    let resp = raw_http(server).get(format!("{}/v1/verify/{code}", server.base_url)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{code}");
    let body = resp.text().await.unwrap();
    for word in PERSONAL {
        assert!(!body.to_uppercase().contains(word), "{code}: {word} in {body}");
    }
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn document_check_answers_only_what_the_paper_shows() {
    let server = server();
    // Budi's KK (AKTIF) and his old one (TIDAK AKTIF, replaced by it): kind, title, masked
    // number and issue date, nothing else.
    for (code, status, number, issued) in [
        ("3QF8ZK2M7T4WXN9A", "AKTIF", "****0001", "2024-03-20"),
        ("8H2K6RZQ4V9MXT3C", "TIDAK_AKTIF", "****0005", "2010-07-10"),
    ] {
        let v = raw_verify(&server, code).await;
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["issued", "kind", "number", "status", "title"], "{code}");
        assert_eq!(v["status"], status);
        assert_eq!(v["kind"], "kk");
        assert_eq!(v["title"], "KARTU KELUARGA");
        assert_eq!(v["number"], number);
        assert_eq!(v["issued"], issued);
    }
    // Every other demo document: the same, never personal (the akta's numbers embed a
    // birth date; masked they do not).
    for code in ["5R7TKQ2XHM9W4ZB8", "9D3FH6KX2QW8MZ4T", "7M4QZ2HX9KT6WB3D", "8Z5KQ2WT9HX4MB6D", "3X9HT6QZ2KW8MR4B"] {
        let v = raw_verify(&server, code).await;
        assert_eq!(v["status"], "AKTIF", "{code}");
        assert!(v["number"].as_str().unwrap().starts_with("****"), "{code}: {v}");
    }
    // Unknown (forged) code: the status alone.
    let v = raw_verify(&server, "0000000000000000").await;
    assert_eq!(v, serde_json::json!({ "status": "TIDAK_VALID" }));

    // The same through the kiosk client; an unreadable QR never reaches the server.
    let client = client(&server);
    let kk = client.verify("3QF8ZK2M7T4WXN9A").await.unwrap();
    assert_eq!(
        (kk.status, kk.title.as_deref(), kk.number.as_deref()),
        (DocumentStatus::Aktif, Some("KARTU KELUARGA"), Some("****0001"))
    );
    assert_eq!(client.verify("QR TIDAK TERBACA").await.unwrap().status, DocumentStatus::TidakValid);
    // Replacing a document turns its check TIDAK AKTIF at once.
    server.admin().supersede_document("doc-demo-0002").unwrap();
    assert_eq!(client.verify("5R7TKQ2XHM9W4ZB8").await.unwrap().status, DocumentStatus::TidakAktif);
}

#[tokio::test]
async fn document_check_has_its_own_rate_limit() {
    let server = server_with(DemoOptions {
        server: ServerOptions {
            limits: Limits { verifies_per_minute: 3, ..Limits::default() },
            ..ServerOptions::default()
        },
        ..DemoOptions::default()
    });
    let client = client(&server);
    for _ in 0..3 {
        client.verify("3QF8ZK2M7T4WXN9A").await.unwrap();
    }
    assert_eq!(client.verify("3QF8ZK2M7T4WXN9A").await.unwrap_err(), ClientError::RateLimited);
    assert_eq!(client.verify("0000000000000000").await.unwrap_err(), ClientError::RateLimited, "any code");
    // Signing in and printing are not held up by someone scanning papers.
    assert!(client.health().await.is_ok());
    assert!(client.sign_in_nik(BUDI.0, BUDI.1).await.is_ok());
    assert!(kiosk(&server, "ADM-TEST-V").verify("3QF8ZK2M7T4WXN9A").await.is_ok(), "per kiosk");
}

#[tokio::test]
async fn applications_in_every_status_with_their_next_step() {
    let server = server();
    let client = client(&server);
    assert_eq!(client.applications(&"0".repeat(64)).await.unwrap_err(), ClientError::SessionExpired);
    let grant = client.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    let apps = client.applications(&grant.token).await.unwrap();
    let mut statuses: Vec<ApplicationStatus> = apps.iter().map(|a| a.status).collect();
    statuses.sort_by_key(|s| format!("{s:?}"));
    statuses.dedup();
    assert_eq!(statuses.len(), 5, "Baru, Disetujui, Diproses, Selesai, Dibatalkan: {statuses:?}");
    for a in &apps {
        assert_eq!(a.timeline.last().map(|e| e.status), Some(a.status), "{}", a.id);
        assert_eq!(a.timeline.first().map(|e| e.status), Some(ApplicationStatus::Baru), "{}", a.id);
    }
    let by_id = |id: &str| apps.iter().find(|a| a.id == id).unwrap_or_else(|| panic!("{id}"));

    // Selesai, printable: straight into the print flow with documents of the list.
    let kk = by_id("app-demo-0001");
    assert_eq!((kk.status, kk.service_id.as_str()), (ApplicationStatus::Selesai, "kk-baru"));
    assert_eq!(kk.service_title.id, "Kartu Keluarga (KK) Baru");
    assert_eq!(kk.next_step, NextStep::Print { document_ids: vec!["doc-demo-0001".into()] });
    let listed = client.list_documents(&grant.token).await.unwrap();
    assert!(listed.iter().any(|d| d.id == "doc-demo-0001"));

    // Selesai, a card: where, when, what to bring.
    let NextStep::Pickup { pickup } = &by_id("app-demo-0002").next_step else { panic!("KTP-el pickup") };
    assert_eq!(pickup.office, "Kantor Kecamatan Cibinong");
    assert!(pickup.hours.id.contains("Senin s.d. Jumat, 08.00-16.00 WIB"), "{}", pickup.hours.id);
    assert!(pickup.bring.iter().any(|b| b.id.starts_with("KTP-el lama")));

    // Diproses: the standard's promise.
    let NextStep::Wait { promise, working_days } = &by_id("app-demo-0003").next_step else { panic!("wait") };
    assert_eq!((promise.id.as_str(), *working_days), ("Paling lambat 1 hari kerja", Some(1)));
    assert_eq!(promise.en, "Within 1 working day at the latest");

    // Disetujui, a service that asks for the paper files: post them, with the checklist.
    let NextStep::SendFiles { to, checklist } = &by_id("app-demo-0004").next_step else { panic!("send files") };
    assert!(to.name.starts_with("Dinas Kependudukan dan Pencatatan Sipil"));
    assert_eq!(checklist.len(), 6, "the KK Baru requirements");

    // Baru: wait for the officer.
    assert!(matches!(&by_id("app-demo-0005").next_step, NextStep::Wait { working_days: None, .. }));

    // Dibatalkan: the officer's reason, as written.
    let NextStep::Reapply { reason } = &by_id("app-demo-0006").next_step else { panic!("reapply") };
    assert!(reason.contains("Silakan ajukan kembali"), "{reason}");

    // A replaced document is no longer offered by the finished application either.
    server.admin().supersede_document("doc-demo-0001").unwrap();
    let apps = client.applications(&grant.token).await.unwrap();
    let kk = apps.iter().find(|a| a.id == "app-demo-0001").unwrap();
    assert_eq!(kk.next_step, NextStep::Print { document_ids: vec![] });

    // Other citizens see only their own.
    let joko = client.sign_in_nik(JOKO.0, JOKO.1).await.unwrap();
    let apps = client.applications(&joko.token).await.unwrap();
    assert_eq!(apps.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["app-demo-0011"]);
    // A notice opens documents only.
    let notice = client.sign_in_notice(DEMO_NOTICE_CODE, DEMO_NOTICE_PIN).await.unwrap();
    assert!(client.applications(&notice.token).await.unwrap().is_empty());
}

#[tokio::test]
async fn catalogue_without_sign_in_with_signed_guides_and_forms() {
    let server = server();
    let client = client(&server);
    let services = client.services().await.unwrap();
    let ids: Vec<&str> = services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["kk-baru", "akta-kelahiran", "akta-kematian", "pindah", "ktp-el", "kia"]);
    let kk = &services[0];
    assert_eq!(kk.title.id, "Kartu Keluarga (KK) Baru");
    assert_eq!((kk.duration.id.as_str(), kk.working_days), ("1 hari kerja", 1));
    assert_eq!((kk.fee.id.as_str(), kk.fee_rupiah), ("Tidak dipungut biaya (Gratis)", 0));
    assert_eq!(kk.requirements.len(), 6);
    assert!(kk.requirements[0].id.starts_with("Copy surat nikah legalisir"));
    assert!(kk.send_paper_files);
    assert_eq!(kk.output, ServiceOutput::Document);
    assert_eq!(services.iter().find(|s| s.id == "ktp-el").map(|s| s.output), Some(ServiceOutput::Card));

    let mut seen = 0;
    for s in &services {
        assert!(s.requirements.iter().chain(&s.procedure).all(|t| !t.id.is_empty() && !t.en.is_empty()));
        assert_eq!(s.files.iter().filter(|f| f.kind == ServiceFileKind::Guide).count(), 1, "{}", s.id);
        for f in &s.files {
            let pdf = client.service_file(f).await.unwrap();
            assert_eq!(pdf.len() as u64, f.size);
            check_pades_public(&pdf, &server.trust_anchor_pem, f.kind);
            seen += 1;
        }
    }
    assert!(seen >= services.len() + 4, "guides and the four forms");
    let forms: Vec<&str> = kk.files.iter().filter(|f| f.kind == ServiceFileKind::Form).map(|f| f.id.as_str()).collect();
    assert_eq!(forms, ["form-f-1-01", "form-f-1-02"]);
}

/// The catalogue a kiosk listed still matches the files after a restart: the signed
/// copies are kept, not signed afresh (a new signing time would change every digest).
#[tokio::test]
async fn catalogue_files_survive_a_restart_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let opts = || DemoOptions { state_dir: Some(dir.path().to_owned()), ..DemoOptions::default() };
    let first = server_with(opts());
    let before = client(&first).services().await.unwrap();
    first.shutdown();
    let second = server_with(opts());
    let after = client(&second).services().await.unwrap();
    assert_eq!(before, after);
}

/// A catalogue PDF: signed like any document, naming no person.
fn check_pades_public(pdf: &[u8], root_pem: &str, kind: ServiceFileKind) {
    crate::pades::check_pades(pdf, root_pem).unwrap();
    let doc_type = match kind {
        ServiceFileKind::Guide => "petunjuk",
        ServiceFileKind::Form => "formulir",
    };
    assert_eq!(info_value(pdf, "DocType").as_deref(), Some(doc_type));
    assert_eq!(info_value(pdf, "NIK"), None);
    assert_eq!(info_value(pdf, "KK"), None);
}
