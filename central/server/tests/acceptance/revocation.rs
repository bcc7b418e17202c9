//! `GET /v1/crl`: the document CAs' CRLs, signed afresh, listing signers an operator
//! revoked; only registered kiosks may fetch them.

use der::Decode;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer};
use x509_cert::crl::CertificateList;

use crate::common::*;

fn crls(pem: &[u8]) -> Vec<CertificateList> {
    CertificateRevocationListDer::pem_slice_iter(pem)
        .map(|der| CertificateList::from_der(&der.expect("PEM block")).expect("CRL"))
        .collect()
}

#[tokio::test]
async fn the_crl_lists_a_revoked_signer_from_the_next_request_on() {
    let server = server();
    let c = client(&server);
    let before = crls(&c.revocation_lists().await.expect("CRLs"));
    assert_eq!(before.len(), 2, "root CRL and BSrE demo CRL");
    let issuers: Vec<String> = before.iter().map(|l| l.tbs_cert_list.issuer.to_string()).collect();
    assert!(issuers.iter().any(|i| i.contains("ADM Demo Root CA")), "{issuers:?}");
    assert!(issuers.iter().any(|i| i.contains("BSrE demo")), "{issuers:?}");
    assert!(before.iter().all(|l| l.tbs_cert_list.revoked_certificates.is_none()));
    for l in &before {
        let (this, next) = (l.tbs_cert_list.this_update.to_system_time(), l.tbs_cert_list.next_update);
        assert!(next.expect("nextUpdate").to_system_time() > this);
    }

    let pki = server.state_dir.join("pki");
    let serial = adm_central::revocation::revoke_signer(&pki, None).expect("revoke");
    let signer_der = CertificateDer::from_pem_file(pki.join("signer.crt")).expect("signer.crt");
    let signer = x509_cert::Certificate::from_der(&signer_der).expect("signer certificate");
    assert_eq!(serial, hex::encode(signer.tbs_certificate.serial_number.as_bytes()));

    let after = crls(&c.revocation_lists().await.expect("CRLs"));
    let inter = after.iter().find(|l| l.tbs_cert_list.issuer.to_string().contains("BSrE demo")).expect("BSrE CRL");
    let listed = inter.tbs_cert_list.revoked_certificates.as_ref().expect("entries");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].serial_number, signer.tbs_certificate.serial_number);
    assert!(adm_central::revocation::revoke_signer(&pki, Some("not hex")).is_err());
}

#[tokio::test]
async fn an_unregistered_kiosk_gets_no_crl() {
    let server = server();
    let c = kiosk(&server, "ADM-CRL-01");
    server.admin().revoke_kiosk("ADM-CRL-01").expect("revoke kiosk");
    assert!(c.revocation_lists().await.is_err());
}
