//! Acceptance 2: no valid certificate, or a revoked kiosk, is refused. Tokens are bound
//! to the kiosk that signed in.

use std::sync::Arc;

use adm_central_client::{CentralClient, ClientError};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::common::*;

#[tokio::test]
async fn client_without_certificate_is_refused() {
    let server = server();
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(server.ca_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    let result = http.get(format!("{}/v1/health", server.base_url)).send().await;
    assert!(result.is_err(), "the TLS handshake must fail without a client certificate: {result:?}");
}

#[tokio::test]
async fn certificate_from_another_ca_is_refused() {
    let server = server();
    // A self-made "kiosk" certificate that does not chain to the kiosk CA.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec![]).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, "ADM-DEMO-01");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.self_signed(&key).unwrap();
    let client = CentralClient::new(quick(server.client_config_for(&cert.pem(), &key.serialize_pem()))).unwrap();
    assert_eq!(client.health().await.unwrap_err(), ClientError::KioskRefused);
    assert_eq!(client.sign_in_nik(BUDI.0, BUDI.1).await.unwrap_err(), ClientError::KioskRefused);
}

#[tokio::test]
async fn revoked_kiosk_is_refused() {
    let server = server();
    let client = kiosk(&server, "ADM-TEST-REVOKED");
    let grant = client.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    server.admin().revoke_kiosk("ADM-TEST-REVOKED").unwrap();
    // Immediately, even on the kept-alive connection and with a live session.
    assert_eq!(client.list_documents(&grant.token).await.unwrap_err(), ClientError::KioskRefused);
    assert_eq!(client.health().await.unwrap_err(), ClientError::KioskRefused);
    assert_eq!(
        client.report_print("rpt-revoked-01", &report_body("doc-demo-0001")).await.unwrap_err(),
        ClientError::KioskRefused
    );
    // Other kiosks carry on.
    assert!(crate::common::client(&server).health().await.is_ok());
}

#[tokio::test]
async fn a_token_is_useless_on_another_kiosk() {
    let server = server();
    let a = client(&server);
    let b = kiosk(&server, "ADM-TEST-B");
    let grant = a.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    assert_eq!(b.list_documents(&grant.token).await.unwrap_err(), ClientError::SessionExpired);
    let docs = a.list_documents(&grant.token).await.unwrap();
    assert_eq!(b.download(&grant.token, &docs[0]).await.unwrap_err(), ClientError::SessionExpired);
}

#[tokio::test]
async fn client_refuses_a_server_it_does_not_pin() {
    let server = server();
    let other = server_with(Default::default()); // its own, different CA
    let mut cfg = quick(server.client_config());
    cfg.base_url = other.base_url.clone();
    let client = CentralClient::new(cfg).unwrap();
    assert_eq!(client.health().await.unwrap_err(), ClientError::Unreachable);
}
