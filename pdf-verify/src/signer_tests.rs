//! Who may sign a document: end-entity certificates with digitalSignature or
//! nonRepudiation and, when they carry an extended key usage, a document-signing one.

use rcgen::{BasicConstraints, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose};

use super::test_pki::{Pki, now, sign_with};
use super::{SignerPolicy, Verdict, verify};

fn verdict(pki: &Pki, pdf: &[u8]) -> (Verdict, String) {
    let r = verify(pdf, None, &pki.anchors(), now());
    (r.verdict, r.reason)
}

#[test]
fn the_reference_signer_shape_is_valid() {
    let pki = Pki::new();
    let (v, why) = verdict(&pki, &pki.sign(&pki.signer(1, |_| {})));
    assert_eq!(v, Verdict::Valid, "{why}");
}

#[test]
fn a_signer_with_an_allowed_eku_is_valid() {
    let pki = Pki::new();
    for eku in [
        ExtendedKeyUsagePurpose::EmailProtection,
        ExtendedKeyUsagePurpose::Other(vec![1, 3, 6, 1, 5, 5, 7, 3, 36]),
        ExtendedKeyUsagePurpose::Other(vec![1, 2, 840, 113_583, 1, 1, 5]),
        ExtendedKeyUsagePurpose::Other(vec![1, 3, 6, 1, 4, 1, 311, 10, 3, 12]),
    ] {
        let leaf = pki.signer(2, |p| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, eku.clone()]);
        let (v, why) = verdict(&pki, &pki.sign(&leaf));
        assert_eq!(v, Verdict::Valid, "{eku:?}: {why}");
    }
}

#[test]
fn the_tsa_certificate_cannot_sign_documents() {
    let pki = Pki::new();
    let tsa = pki.signer(3, |p| {
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::TimeStamping];
    });
    let (v, why) = verdict(&pki, &pki.sign(&tsa));
    assert_eq!(v, Verdict::Untrusted, "{why}");
    assert!(why.contains("extended key usage"), "{why}");
}

#[test]
fn a_tls_server_certificate_cannot_sign_documents() {
    let pki = Pki::new();
    let tls = pki.signer(4, |p| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth]);
    let (v, why) = verdict(&pki, &pki.sign(&tls));
    assert_eq!(v, Verdict::Untrusted, "{why}");
    assert!(why.contains("extended key usage"), "{why}");
}

#[test]
fn a_ca_certificate_cannot_sign_documents() {
    let pki = Pki::new();
    let ca = pki.signer(5, |p| {
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    });
    let (v, why) = verdict(&pki, &pki.sign(&ca));
    assert_eq!(v, Verdict::Untrusted, "{why}");
    assert!(why.contains("end-entity"), "{why}");
    // The document CA itself, signing with its own key.
    let pdf = sign_with(&pki.inter.key_pkcs8, &pki.inter.der, &[]);
    assert_eq!(verdict(&pki, &pdf).0, Verdict::Untrusted);
}

#[test]
fn a_signer_without_signing_key_usage_is_untrusted() {
    let pki = Pki::new();
    let encipher = pki.signer(6, |p| p.key_usages = vec![KeyUsagePurpose::KeyEncipherment]);
    assert_eq!(verdict(&pki, &pki.sign(&encipher)).0, Verdict::Untrusted);
    // No keyUsage extension at all: RFC 5280 would allow any use; a document signer
    // must say it signs.
    let none = pki.signer(7, |p| p.key_usages = vec![]);
    let (v, why) = verdict(&pki, &pki.sign(&none));
    assert_eq!(v, Verdict::Untrusted, "{why}");
    assert!(why.contains("keyUsage"), "{why}");
}

#[test]
fn an_empty_allow_list_admits_only_signers_without_eku() {
    let pki = Pki::new();
    let mut anchors = pki.anchors();
    anchors.set_policy(SignerPolicy { eku: vec![], ..SignerPolicy::default() });
    let with_eku = pki.signer(8, |p| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection]);
    assert_eq!(verify(&pki.sign(&with_eku), None, &anchors, now()).verdict, Verdict::Untrusted);
    let without = pki.signer(9, |_| {});
    assert_eq!(verify(&pki.sign(&without), None, &anchors, now()).verdict, Verdict::Valid);
}
