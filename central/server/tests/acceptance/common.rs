//! Shared helpers: a demo server per test (fresh state in a temp dir), clients for it.

use std::sync::Arc;
use std::time::Duration;

use adm_central::demo::{self, DemoOptions, DemoServer};
use adm_central_client::{CentralClient, ClientConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub const BUDI: (&str, &str) = ("3201011505800001", "123456");
pub const SITI: (&str, &str) = ("3201016208830002", "654321");
pub const DEWI: (&str, &str) = ("3374024911750001", "246810");
pub const ANDI: (&str, &str) = ("3374021707990002", "112233");
pub const RINA: (&str, &str) = ("3273017004920005", "975310");
pub const JOKO: (&str, &str) = ("3578010101900007", "135790");

pub fn server() -> DemoServer {
    demo::spawn(DemoOptions::default()).expect("demo server starts")
}

pub fn server_with(opts: DemoOptions) -> DemoServer {
    demo::spawn(opts).expect("demo server starts")
}

/// Short timeouts and retries: tests must end quickly when something is wrong.
pub fn quick(mut cfg: ClientConfig) -> ClientConfig {
    cfg.connect_timeout = Duration::from_secs(3);
    cfg.read_timeout = Duration::from_secs(10);
    cfg.request_timeout = Duration::from_secs(20);
    cfg.backoff = Duration::from_millis(50);
    cfg
}

pub fn client(server: &DemoServer) -> CentralClient {
    CentralClient::new(quick(server.client_config())).expect("client")
}

/// A client with a freshly issued identity for another kiosk.
pub fn kiosk(server: &DemoServer, id: &str) -> CentralClient {
    let issued = server.admin().issue_kiosk(id).expect("issue kiosk");
    CentralClient::new(quick(server.client_config_for(&issued.cert_pem, &issued.key_pem))).expect("client")
}

/// Value of a custom key in the PDF's document information dictionary, e.g. `/NIK (…)`.
pub fn info_value(pdf: &[u8], key: &str) -> Option<String> {
    let needle = format!("/{key} (");
    let text = String::from_utf8_lossy(pdf);
    let start = text.find(&needle)? + needle.len();
    let end = text[start..].find(')')? + start;
    Some(text[start..end].to_owned())
}

pub fn report_body(doc: &str) -> adm_central_client::api::PrintReportBody {
    adm_central_client::api::PrintReportBody {
        document_id: doc.to_owned(),
        grant_id: None,
        pages_printed: 1,
        completed: true,
        at: "2025-01-31T09:15:00+07:00".to_owned(),
    }
}

/// Plain HTTPS with the demo kiosk's identity, to compare answers byte for byte.
pub fn raw_http(server: &DemoServer) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(server.ca_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(server.kiosk_cert_pem.as_bytes()).map(|c| c.unwrap()).collect();
    let key = PrivateKeyDer::from_pem_slice(server.kiosk_key_pem.as_bytes()).unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(certs, key)
        .unwrap();
    reqwest::Client::builder().tls_backend_preconfigured(tls).timeout(Duration::from_secs(20)).build().unwrap()
}
