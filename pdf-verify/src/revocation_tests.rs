//! Revocation: CRLs from the central server and from the PDF's /DSS, each counting only
//! when the issuer on the validated path signed it.

use std::time::Duration;

use super::test_pki::{Pki, append_dss_crls, now};
use super::{RevocationSet, RevocationStatus, SignerPolicy, TrustAnchors, Verdict, verify, verify_with};

/// A CRL current at [`now`] (2026-06-01): issued 2026-05-25, next update 2026-06-08.
const THIS: (i32, u8, u8) = (2026, 5, 25);
const NEXT: (i32, u8, u8) = (2026, 6, 8);
/// Revoked well before the validation time.
const EARLIER: (i32, u8, u8) = (2026, 1, 15);

fn set(crls: &[&[u8]]) -> RevocationSet {
    let mut s = RevocationSet::default();
    for c in crls {
        s.add(c).expect("CRL parses");
    }
    s
}

#[test]
fn a_signer_revoked_on_the_servers_crl_is_untrusted() {
    let pki = Pki::new();
    let leaf = pki.signer(10, |_| {});
    let pdf = pki.sign(&leaf);
    let crl = pki.inter.crl(&[&leaf.serial], EARLIER, THIS, NEXT);
    let r = verify_with(&pdf, None, &pki.anchors(), &set(&[&crl]), now());
    assert_eq!(r.verdict, Verdict::Untrusted, "{}", r.reason);
    assert!(r.reason.contains("revoked"), "{}", r.reason);
    // Without the CRL the same file is valid, its revocation status unknown.
    let r = verify(&pdf, None, &pki.anchors(), now());
    assert_eq!((r.verdict, r.revocation), (Verdict::Valid, RevocationStatus::Unknown), "{}", r.reason);
}

#[test]
fn a_signer_revoked_on_a_crl_in_the_dss_is_untrusted() {
    let pki = Pki::new();
    let leaf = pki.signer(11, |_| {});
    let revoked = pki.inter.crl(&[&leaf.serial], EARLIER, THIS, NEXT);
    let pdf = append_dss_crls(&pki.sign(&leaf), &[revoked]);
    let r = verify(&pdf, None, &pki.anchors(), now());
    assert_eq!(r.verdict, Verdict::Untrusted, "{}", r.reason);
    assert!(r.reason.contains("revoked"), "{}", r.reason);
    // The same B-LT augmentation with CRLs that do not list it: valid, status good.
    let clean = [pki.inter.crl(&[&[0x10, 0x99]], EARLIER, THIS, NEXT), pki.root.crl(&[], EARLIER, THIS, NEXT)];
    let r = verify(&append_dss_crls(&pki.sign(&leaf), &clean), None, &pki.anchors(), now());
    assert_eq!((r.verdict, r.revocation), (Verdict::Valid, RevocationStatus::Good), "{}", r.reason);
}

#[test]
fn a_revoked_intermediate_is_untrusted() {
    let pki = Pki::new();
    let pdf = pki.sign(&pki.signer(12, |_| {}));
    let crl = pki.root.crl(&[&[0x10, 0x02]], EARLIER, THIS, NEXT);
    let r = verify_with(&pdf, None, &pki.anchors(), &set(&[&crl]), now());
    assert_eq!(r.verdict, Verdict::Untrusted, "{}", r.reason);
    assert!(r.reason.contains("Test Document CA"), "{}", r.reason);
}

#[test]
fn a_crl_signed_by_the_wrong_key_is_ignored() {
    let pki = Pki::new();
    let leaf = pki.signer(13, |_| {});
    let pdf = pki.sign(&leaf);
    // Same names, other keys: a forged "Test Document CA" revoking and vouching.
    let impostor = Pki::new();
    let forged = impostor.inter.crl(&[&leaf.serial], EARLIER, THIS, NEXT);
    let r = verify_with(&pdf, None, &pki.anchors(), &set(&[&forged]), now());
    assert_eq!((r.verdict, r.revocation), (Verdict::Valid, RevocationStatus::Unknown), "{}", r.reason);
    let forged_clean = impostor.inter.crl(&[], EARLIER, THIS, NEXT);
    let r = verify(&append_dss_crls(&pdf, &[forged_clean]), None, &pki.anchors(), now());
    assert_eq!((r.verdict, r.revocation), (Verdict::Valid, RevocationStatus::Unknown), "{}", r.reason);
}

#[test]
fn a_revocation_after_the_validation_time_does_not_count() {
    let pki = Pki::new();
    let leaf = pki.signer(14, |_| {});
    let crl = pki.inter.crl(&[&leaf.serial], (2026, 6, 5), THIS, NEXT);
    let r = verify_with(&pki.sign(&leaf), None, &pki.anchors(), &set(&[&crl]), now());
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.reason);
}

#[test]
fn current_crls_for_the_whole_path_give_good() {
    let pki = Pki::new();
    let leaf = pki.signer(15, |_| {});
    let crls = [pki.inter.crl(&[], EARLIER, THIS, NEXT), pki.root.crl(&[], EARLIER, THIS, NEXT)];
    let r = verify_with(&pki.sign(&leaf), None, &pki.anchors(), &set(&[&crls[0], &crls[1]]), now());
    assert_eq!((r.verdict, r.revocation), (Verdict::Valid, RevocationStatus::Good), "{}", r.reason);
    // Only the signer's CRL: the intermediate's status is unknown.
    let r = verify_with(&pki.sign(&leaf), None, &pki.anchors(), &set(&[&crls[0]]), now());
    assert_eq!((r.verdict, r.revocation), (Verdict::Valid, RevocationStatus::Unknown), "{}", r.reason);
}

#[test]
fn a_stale_crl_is_current_within_the_grace_and_its_revocations_always_count() {
    let pki = Pki::new();
    let leaf = pki.signer(16, |_| {});
    let pdf = pki.sign(&leaf);
    // nextUpdate 2026-05-20: twelve days before "now".
    let stale = [pki.inter.crl(&[], EARLIER, (2026, 5, 1), (2026, 5, 20)), pki.root.crl(&[], EARLIER, THIS, NEXT)];
    let crls = set(&[&stale[0], &stale[1]]);
    let with_grace = |days: u64| {
        let mut a: TrustAnchors = pki.anchors();
        a.set_policy(SignerPolicy { crl_grace: Duration::from_secs(days * 86_400), ..SignerPolicy::default() });
        a
    };
    let r = verify_with(&pdf, None, &with_grace(30), &crls, now());
    assert_eq!((r.verdict, r.revocation), (Verdict::Valid, RevocationStatus::Stale), "{}", r.reason);
    let r = verify_with(&pdf, None, &with_grace(7), &crls, now());
    assert_eq!((r.verdict, r.revocation), (Verdict::Valid, RevocationStatus::Unknown), "{}", r.reason);
    // A revocation is final: a listing on a CRL past any grace still refuses.
    let revoked = pki.inter.crl(&[&leaf.serial], EARLIER, (2026, 2, 1), (2026, 2, 8));
    let r = verify_with(&pdf, None, &with_grace(0), &set(&[&revoked]), now());
    assert_eq!(r.verdict, Verdict::Untrusted, "{}", r.reason);
}

#[test]
fn crls_load_from_pem_bundles_and_der() {
    let pki = Pki::new();
    let a = pki.inter.crl(&[], EARLIER, THIS, NEXT);
    let b = pki.root.crl(&[], EARLIER, THIS, NEXT);
    let pem = format!("{}{}", pem_of(&a), pem_of(&b));
    let mut s = RevocationSet::default();
    assert_eq!(s.add(pem.as_bytes()), Ok(2));
    assert_eq!(s.add(&a), Ok(1));
    assert!(s.add(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").is_err());
    assert!(s.add(b"\x30\x03\x02\x01\x01").is_err());
    assert_eq!(s.len(), 3);
}

fn pem_of(der: &[u8]) -> String {
    der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, der).expect("PEM")
}

/// Cost of revocation checking, for the record (dev profile numbers are what a test run
/// shows; `cargo bench --bench verify` measures the release build):
/// `cargo test -p adm-kiosk --lib verification_time -- --ignored --nocapture`.
#[test]
#[ignore = "timing, run by hand"]
fn verification_time_with_and_without_revocation() {
    let pki = Pki::new();
    let leaf = pki.signer(17, |_| {});
    let pdf = pki.sign(&leaf);
    let crls = [pki.inter.crl(&[&[0x10, 0x99]], EARLIER, THIS, NEXT), pki.root.crl(&[], EARLIER, THIS, NEXT)];
    let server = set(&[&crls[0], &crls[1]]);
    let with_dss = append_dss_crls(&pdf, &crls);
    let anchors = pki.anchors();
    let time = |label: &str, f: &dyn Fn() -> super::Report| {
        let start = std::time::Instant::now();
        for _ in 0..100 {
            assert_eq!(f().verdict, Verdict::Valid);
        }
        let per = start.elapsed() / 100;
        println!("dev profile, 100 verifications, {label}: {per:?} each");
    };
    let empty = RevocationSet::default();
    time("no CRLs (revocation unknown)", &|| verify_with(&pdf, None, &anchors, &empty, now()));
    time("2 CRLs from the server (good)", &|| verify_with(&pdf, None, &anchors, &server, now()));
    time("2 CRLs in the /DSS (good)", &|| verify_with(&with_dss, None, &anchors, &empty, now()));
}
