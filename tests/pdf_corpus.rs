//! Acceptance 1: every file of the independently signed corpus gets its expected verdict.

mod pdf_common;
use pdf_common as common;

use adm_kiosk::document::{Verdict, verify};
use common::*;

fn verdict_name(v: Verdict) -> &'static str {
    v.as_str()
}

#[test]
fn every_corpus_file_gets_its_expected_verdict() {
    let m = manifest();
    let anchors = anchors();
    let files = m["files"].as_object().expect("files");
    assert!(files.len() >= 20, "corpus too small");
    let mut wrong = Vec::new();
    for (name, spec) in files {
        let pdf = read(name);
        let password = spec["password"].as_str();
        let r = verify(&pdf, password, &anchors, test_now());
        let want = spec["verdict"].as_str().expect("verdict");
        println!("{name}: {} — {}", verdict_name(r.verdict), r.reason);
        if verdict_name(r.verdict) != want {
            wrong.push(format!("{name}: want {want}, got {} ({})", verdict_name(r.verdict), r.reason));
        }
    }
    assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
}

#[test]
fn encrypted_file_without_pin_is_not_valid() {
    let r = verify(&read("valid-encrypted-pin.pdf"), None, &anchors(), test_now());
    assert_eq!(r.verdict, Verdict::Malformed, "{}", r.reason);
    let r = verify(&read("valid-encrypted-pin.pdf"), Some("000000"), &anchors(), test_now());
    assert_eq!(r.verdict, Verdict::Malformed, "{}", r.reason);
}

#[test]
fn nothing_is_valid_without_the_right_anchor() {
    let pem = std::fs::read(fixtures_dir().join("pki/lookalike-root.pem")).expect("lookalike root");
    let lookalike = adm_kiosk::document::TrustAnchors::from_pem(&pem).expect("parses");
    for name in ["valid-rsa.pdf", "valid-p256.pdf", "valid-b-lta.pdf"] {
        let r = verify(&read(name), None, &lookalike, test_now());
        assert_eq!(r.verdict, Verdict::Untrusted, "{name}: {}", r.reason);
    }
}

#[test]
fn expired_signer_is_valid_only_thanks_to_its_timestamp() {
    let r = verify(&read("valid-expired-signer-with-timestamp.pdf"), None, &anchors(), test_now());
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.reason);
    assert!(r.signatures[0].timestamp_unix.is_some());
}

#[test]
fn reports_signer_and_identity() {
    let m = manifest();
    let r = verify(&read("valid-rsa.pdf"), None, &anchors(), test_now());
    assert_eq!(r.verdict, Verdict::Valid);
    let signer = r.signer.expect("signer");
    assert!(signer.starts_with("CN=Pejabat Dukcapil RSA (TEST)"), "{signer}");
    assert_eq!(r.info.nik.as_deref(), m["citizen"]["nik"].as_str());
    assert_eq!(r.info.kk.as_deref(), m["citizen"]["kk"].as_str());
    assert_eq!(r.info.doc_type.as_deref(), Some("KK"));
    let two = verify(&read("valid-two-signatures.pdf"), None, &anchors(), test_now());
    assert_eq!(two.signatures.len(), 2);
    let lta = verify(&read("valid-b-lta.pdf"), None, &anchors(), test_now());
    assert!(lta.signatures.iter().any(|s| s.kind == adm_kiosk::document::verify::SignatureKind::DocTimestamp));
}

#[test]
fn ownership_uses_the_identity_from_the_signed_pdf() {
    let m = manifest();
    let me = m["citizen"]["nik"].as_str().expect("nik");
    let my_kk = m["citizen"]["kk"].as_str();
    let mine = verify(&read("valid-rsa.pdf"), None, &anchors(), test_now());
    // The corpus documents are KKs (`/DocType (KK)`).
    let kk = adm_kiosk::central::DocKind::KartuKeluarga;
    assert_eq!(adm_kiosk::document::owner::check(kk, me, my_kk, &mine.info, me, my_kk), Ok(()));
    let other = verify(&read("valid-other-citizen.pdf"), None, &anchors(), test_now());
    assert_eq!(other.verdict, Verdict::Valid);
    // The server claims the document is mine, but the signed PDF says otherwise.
    assert_eq!(
        adm_kiosk::document::owner::check(kk, me, my_kk, &other.info, me, my_kk),
        Err(adm_kiosk::document::owner::OwnershipError::PdfNikMismatch)
    );
    // Encrypted documents: identity is read after decrypting with the PIN.
    let enc = verify(&read("valid-encrypted-pin.pdf"), Some(&pin()), &anchors(), test_now());
    assert_eq!(enc.info.nik.as_deref(), Some(me));
}
