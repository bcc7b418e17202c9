//! The demo PKI, created on first start and kept in `<state>/pki/`:
//!
//! - a TLS CA that signs the server certificate and every kiosk's client certificate
//!   (the kiosk pins it; the server trusts only it for client certificates);
//! - a document chain "ADM Demo Root CA" → "BSrE demo" → document signer, used for the
//!   PAdES signatures (kiosks configure the root as their trust anchor).
//!
//! Every key is ECDSA P-256. Nothing here is secret beyond a demo: it is regenerated
//! whenever the state directory is new.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificate generation: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}: not a PEM certificate")]
    BadPem(PathBuf),
    #[error("random source: {0}")]
    Random(String),
    /// The PKI already exists and its server certificate was made for other names: the
    /// names are fixed when the PKI is created (a new state directory makes a new one).
    #[error(
        "the existing server certificate in {dir} is not valid for {missing:?} (names are set when the PKI is created: use a new state directory)"
    )]
    ServerNamesMissing { dir: PathBuf, missing: Vec<String> },
}

/// A freshly issued kiosk identity.
pub struct IssuedCert {
    pub cert_pem: String,
    pub key_pem: String,
    /// Lower-case hex SHA-256 of the certificate DER: how the server recognises the kiosk.
    pub fingerprint: String,
}

pub struct Pki {
    dir: PathBuf,
    pub tls_ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
    pub doc_root_pem: String,
    pub doc_intermediate_pem: String,
    pub doc_intermediate_der: Vec<u8>,
    pub signer_cert_der: Vec<u8>,
    pub signer_key_pkcs8: Vec<u8>,
}

const FILES: [&str; 10] = [
    "tls-ca.crt",
    "tls-ca.key",
    "server.crt",
    "server.key",
    "doc-root.crt",
    "doc-root.key",
    "bsre-demo.crt",
    "bsre-demo.key",
    "signer.crt",
    "signer.key",
];

impl Pki {
    /// Loads the PKI from `dir`, creating it first if it does not exist yet.
    /// `server_names` go into the server certificate (IP addresses or DNS names).
    /// An existing PKI whose server certificate lacks one of `server_names` is an error,
    /// not silently served: a kiosk connecting by that name would fail its TLS check.
    pub fn load_or_create(dir: &Path, server_names: &[String]) -> Result<Pki, PkiError> {
        if !dir.join("tls-ca.crt").exists() {
            create(dir, server_names)?;
        }
        let read = |name: &str| fs::read_to_string(dir.join(name)).map_err(|e| PkiError::Io(dir.join(name), e));
        let server_cert_pem = read("server.crt")?;
        let have = server_cert_names(&server_cert_pem).ok_or_else(|| PkiError::BadPem(dir.join("server.crt")))?;
        let missing: Vec<String> =
            server_names.iter().filter(|n| !have.iter().any(|h| same_name(h, n))).cloned().collect();
        if !missing.is_empty() {
            return Err(PkiError::ServerNamesMissing { dir: dir.to_owned(), missing });
        }
        let doc_intermediate_pem = read("bsre-demo.crt")?;
        let signer_pem = read("signer.crt")?;
        let signer_key = KeyPair::from_pem(&read("signer.key")?)?;
        Ok(Pki {
            dir: dir.to_owned(),
            tls_ca_pem: read("tls-ca.crt")?,
            server_cert_pem,
            server_key_pem: read("server.key")?,
            doc_root_pem: read("doc-root.crt")?,
            doc_intermediate_der: pem_to_der(&doc_intermediate_pem)
                .ok_or_else(|| PkiError::BadPem(dir.join("bsre-demo.crt")))?,
            doc_intermediate_pem,
            signer_cert_der: pem_to_der(&signer_pem).ok_or_else(|| PkiError::BadPem(dir.join("signer.crt")))?,
            signer_key_pkcs8: signer_key.serialize_der(),
        })
    }

    /// Issues a client certificate for a kiosk (CN = kiosk id), signed by the TLS CA.
    pub fn issue_kiosk(&self, kiosk_id: &str) -> Result<IssuedCert, PkiError> {
        issue_kiosk_cert(&self.kiosk_issuer()?, kiosk_id)
    }

    /// Client certificates for many kiosks at once (a province's roll-out, the fleet load
    /// bench): the CA key is read once, each kiosk gets its own ECDSA P-256 key.
    pub fn issue_kiosks(&self, kiosk_ids: &[&str]) -> Result<Vec<IssuedCert>, PkiError> {
        let issuer = self.kiosk_issuer()?;
        kiosk_ids.iter().map(|id| issue_kiosk_cert(&issuer, id)).collect()
    }

    fn kiosk_issuer(&self) -> Result<Issuer<'static, KeyPair>, PkiError> {
        let ca_key = KeyPair::from_pem(
            &fs::read_to_string(self.dir.join("tls-ca.key"))
                .map_err(|e| PkiError::Io(self.dir.join("tls-ca.key"), e))?,
        )?;
        Ok(Issuer::new(tls_ca_params()?, ca_key))
    }
}

fn issue_kiosk_cert(issuer: &Issuer<'static, KeyPair>, kiosk_id: &str) -> Result<IssuedCert, PkiError> {
    let key = KeyPair::generate()?;
    let mut params = leaf_params(kiosk_id, "Anjungan Dukcapil Mandiri (DEMO)")?;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, issuer)?;
    Ok(IssuedCert { fingerprint: fingerprint(cert.der()), cert_pem: cert.pem(), key_pem: key.serialize_pem() })
}

/// Lower-case hex SHA-256 of a DER certificate.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    CertificateDer::from_pem_slice(pem.as_bytes()).ok().map(|c| c.to_vec())
}

fn years(from_offset: i32, to_offset: i32) -> (time::OffsetDateTime, time::OffsetDateTime) {
    let year = chrono::Utc::now().year();
    (rcgen::date_time_ymd(year + from_offset, 1, 1), rcgen::date_time_ymd(year + to_offset, 1, 1))
}

fn dn(cn: &str, org: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "ID");
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::CommonName, cn);
    dn
}

fn random_serial() -> Result<SerialNumber, PkiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| PkiError::Random(e.to_string()))?;
    bytes[0] &= 0x7f; // positive INTEGER
    bytes[0] |= 0x01; // and no leading zero byte to strip
    Ok(SerialNumber::from_slice(&bytes))
}

fn ca_params(cn: &str, org: &str, path_len: u8) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn(cn, org);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    (params.not_before, params.not_after) = years(-1, 20);
    params
}

/// Deterministic, so the CA can be re-created as an issuer from its stored key alone.
fn tls_ca_params() -> Result<CertificateParams, PkiError> {
    Ok(ca_params("ADM Demo Kiosk Network CA", "Ditjen Dukcapil (DEMO)", 0))
}

/// Deterministic like [`tls_ca_params`], so the document CAs can sign CRLs later with
/// only their stored keys (rcgen takes the CRL's issuer name from these parameters).
fn doc_root_params() -> CertificateParams {
    ca_params("ADM Demo Root CA (BUKAN RESMI)", "Ditjen Dukcapil (DEMO)", 1)
}

fn doc_intermediate_params() -> CertificateParams {
    ca_params("BSrE demo", "Balai Sertifikasi Elektronik (DEMO)", 0)
}

/// The document root and "BSrE demo" as CRL issuers, from the keys in `dir`.
pub fn document_ca_issuers(dir: &Path) -> Result<(Issuer<'static, KeyPair>, Issuer<'static, KeyPair>), PkiError> {
    let key = |name: &str| -> Result<KeyPair, PkiError> {
        let pem = fs::read_to_string(dir.join(name)).map_err(|e| PkiError::Io(dir.join(name), e))?;
        Ok(KeyPair::from_pem(&pem)?)
    };
    Ok((
        Issuer::new(doc_root_params(), key("doc-root.key")?),
        Issuer::new(doc_intermediate_params(), key("bsre-demo.key")?),
    ))
}

/// The subject alternative names (DNS names and IP addresses, as text) of a PEM
/// certificate; `None` if it does not parse.
pub fn server_cert_names(pem: &str) -> Option<Vec<String>> {
    use der::Decode;
    use x509_cert::ext::pkix::SubjectAltName;
    use x509_cert::ext::pkix::name::GeneralName;
    let cert = x509_cert::Certificate::from_der(&pem_to_der(pem)?).ok()?;
    let Some((_, san)) = cert.tbs_certificate.get::<SubjectAltName>().ok()? else {
        return Some(Vec::new());
    };
    Some(
        san.0
            .iter()
            .filter_map(|name| match name {
                GeneralName::DnsName(dns) => Some(dns.to_string()),
                GeneralName::IpAddress(ip) => match ip.as_bytes() {
                    &[a, b, c, d] => Some(std::net::Ipv4Addr::new(a, b, c, d).to_string()),
                    bytes => <[u8; 16]>::try_from(bytes).ok().map(|v6| std::net::Ipv6Addr::from(v6).to_string()),
                },
                _ => None,
            })
            .collect(),
    )
}

/// Whether two certificate names are the same: IP addresses by value, DNS names without
/// regard to case.
fn same_name(a: &str, b: &str) -> bool {
    match (a.parse::<std::net::IpAddr>(), b.parse::<std::net::IpAddr>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.eq_ignore_ascii_case(b),
    }
}

/// Serial number (big-endian bytes) of the current demo document signer.
pub fn signer_serial(dir: &Path) -> Result<Vec<u8>, PkiError> {
    use der::Decode;
    let path = dir.join("signer.crt");
    let pem = fs::read_to_string(&path).map_err(|e| PkiError::Io(path.clone(), e))?;
    let der = pem_to_der(&pem).ok_or_else(|| PkiError::BadPem(path.clone()))?;
    let cert = x509_cert::Certificate::from_der(&der).map_err(|_| PkiError::BadPem(path))?;
    Ok(cert.tbs_certificate.serial_number.as_bytes().to_vec())
}

fn leaf_params(cn: &str, org: &str) -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn(cn, org);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    params.serial_number = Some(random_serial()?);
    (params.not_before, params.not_after) = years(-1, 3);
    Ok(params)
}

fn create(dir: &Path, server_names: &[String]) -> Result<(), PkiError> {
    fs::create_dir_all(dir).map_err(|e| PkiError::Io(dir.to_owned(), e))?;
    let mut out: Vec<(String, String)> = Vec::new();

    // TLS: CA → server certificate.
    let tls_ca_key = KeyPair::generate()?;
    let mut tls_ca = tls_ca_params()?;
    tls_ca.serial_number = Some(random_serial()?);
    let tls_ca_cert = tls_ca.self_signed(&tls_ca_key)?;
    out.push((tls_ca_cert.pem(), tls_ca_key.serialize_pem()));
    let tls_issuer = Issuer::new(tls_ca_params()?, tls_ca_key);

    let server_key = KeyPair::generate()?;
    let mut server = CertificateParams::new(server_names.to_vec())?;
    server.distinguished_name = dn("ADM reference central server", "Ditjen Dukcapil (DEMO)");
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.use_authority_key_identifier_extension = true;
    server.serial_number = Some(random_serial()?);
    (server.not_before, server.not_after) = years(-1, 3);
    let server_cert = server.signed_by(&server_key, &tls_issuer)?;
    out.push((server_cert.pem(), server_key.serialize_pem()));

    // Documents: root → "BSrE demo" → signer.
    let root_key = KeyPair::generate()?;
    let mut root = doc_root_params();
    root.serial_number = Some(random_serial()?);
    let root_cert = root.self_signed(&root_key)?;
    out.push((root_cert.pem(), root_key.serialize_pem()));
    let root_issuer = Issuer::new(root, root_key);

    let inter_key = KeyPair::generate()?;
    let mut inter = doc_intermediate_params();
    inter.serial_number = Some(random_serial()?);
    inter.use_authority_key_identifier_extension = true;
    (inter.not_before, inter.not_after) = years(-1, 10);
    let inter_cert = inter.signed_by(&inter_key, &root_issuer)?;
    out.push((inter_cert.pem(), inter_key.serialize_pem()));
    let inter_issuer = Issuer::new(inter, inter_key);

    let signer_key = KeyPair::generate()?;
    let mut signer =
        leaf_params("Kepala Dinas Dukcapil Kabupaten Demo", "Dinas Kependudukan dan Pencatatan Sipil (DEMO)")?;
    // Non-repudiation (contentCommitment): validators expect it on document signers.
    signer.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
    (signer.not_before, signer.not_after) = years(-1, 5);
    let signer_cert = signer.signed_by(&signer_key, &inter_issuer)?;
    out.push((signer_cert.pem(), signer_key.serialize_pem()));

    for (i, (cert, key)) in out.iter().enumerate() {
        write(dir, FILES[2 * i], cert)?;
        write_private(dir, FILES[2 * i + 1], key)?;
    }
    Ok(())
}

fn write(dir: &Path, name: &str, content: &str) -> Result<(), PkiError> {
    let path = dir.join(name);
    fs::write(&path, content).map_err(|e| PkiError::Io(path, e))
}

fn write_private(dir: &Path, name: &str, content: &str) -> Result<(), PkiError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(name);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| PkiError::Io(path.clone(), e))?;
    f.write_all(content.as_bytes()).map_err(|e| PkiError::Io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_server_certificate_carries_the_requested_names() {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::load_or_create(dir.path(), &names(&["127.0.0.1", "localhost", "10.0.2.100"])).unwrap();
        let have = server_cert_names(&pki.server_cert_pem).unwrap();
        assert_eq!(have, names(&["127.0.0.1", "localhost", "10.0.2.100"]));
        // Loading again with the same (or fewer) names keeps the PKI.
        let again = Pki::load_or_create(dir.path(), &names(&["localhost", "10.0.2.100"])).unwrap();
        assert_eq!(again.server_cert_pem, pki.server_cert_pem);
    }

    #[test]
    fn a_name_the_existing_certificate_lacks_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        Pki::load_or_create(dir.path(), &names(&["127.0.0.1", "localhost"])).unwrap();
        match Pki::load_or_create(dir.path(), &names(&["127.0.0.1", "10.0.2.100"])) {
            Err(PkiError::ServerNamesMissing { missing, .. }) => assert_eq!(missing, names(&["10.0.2.100"])),
            Err(e) => panic!("unexpected error: {e}"),
            Ok(_) => panic!("a missing name was accepted"),
        }
    }

    #[test]
    fn names_compare_by_value() {
        assert!(same_name("LOCALHOST", "localhost"));
        assert!(same_name("::1", "0:0:0:0:0:0:0:1"));
        assert!(!same_name("10.0.2.100", "10.0.2.10"));
    }
}
