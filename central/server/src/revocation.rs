//! Revocation of document-signing certificates: the CRLs of the demo document CAs,
//! served to kiosks at `GET /v1/crl` (kiosks have no internet of their own, so the
//! central server is where they learn of revocations), and the operator's list of
//! revoked signers, `<state>/pki/revoked-signers.txt` (one `<serial hex> <unix time>`
//! per line, appended by `adm-central revoke-signer`).
//!
//! Two CRLs go out, newest each time: the root's (covering "BSrE demo") and "BSrE
//! demo"'s (covering document signers). Both are signed afresh on every request with
//! nextUpdate one day ahead; signing two small CRLs costs well under a millisecond and
//! kiosks ask hourly.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rcgen::{
    CertificateRevocationListParams, Issuer, KeyIdMethod, KeyPair, RevocationReason, RevokedCertParams, SerialNumber,
};

use crate::pki::{self, PkiError};

/// How far ahead a CRL's nextUpdate lies.
const CRL_VALIDITY: time::Duration = time::Duration::days(1);
const REVOKED_FILE: &str = "revoked-signers.txt";

#[derive(Debug, thiserror::Error)]
pub enum RevocationError {
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error("CRL: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}")]
    Invalid(String),
}

/// Issues the CRLs from the PKI directory (keys and revocation list read per call, so an
/// operator's `revoke-signer` takes effect on the next request without a restart).
#[derive(Debug, Clone)]
pub struct CrlIssuer {
    dir: PathBuf,
}

impl CrlIssuer {
    pub fn new(pki_dir: impl Into<PathBuf>) -> Self {
        CrlIssuer { dir: pki_dir.into() }
    }

    /// Both CRLs, PEM.
    pub fn pem(&self) -> Result<String, RevocationError> {
        let now = time::OffsetDateTime::now_utc();
        let revoked = read_revoked(&self.dir)?;
        let (root, inter) = pki::document_ca_issuers(&self.dir)?;
        // Revocations of the intermediate would go on the root's CRL; the demo has none.
        let root_crl = crl(&root, &[], now)?;
        let inter_crl = crl(&inter, &revoked, now)?;
        Ok(format!("{root_crl}{inter_crl}"))
    }
}

fn crl(
    issuer: &Issuer<'static, KeyPair>,
    revoked: &[(Vec<u8>, i64)],
    now: time::OffsetDateTime,
) -> Result<String, RevocationError> {
    let revoked_certs = revoked
        .iter()
        .map(|(serial, at)| {
            Ok(RevokedCertParams {
                serial_number: SerialNumber::from_slice(serial),
                revocation_time: time::OffsetDateTime::from_unix_timestamp(*at)
                    .map_err(|e| RevocationError::Invalid(format!("revocation time: {e}")))?,
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
        })
        .collect::<Result<Vec<_>, RevocationError>>()?;
    let params = CertificateRevocationListParams {
        this_update: now,
        next_update: now + CRL_VALIDITY,
        // Monotonic across requests (one per second at most matters to nobody).
        crl_number: SerialNumber::from_slice(&now.unix_timestamp().max(1).to_be_bytes()),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: KeyIdMethod::Sha256,
    };
    Ok(params.signed_by(issuer)?.pem()?)
}

/// Revokes a document signer: `serial_hex`, or (None) the current demo signer. Takes
/// effect on the next `GET /v1/crl`. Returns the revoked serial (hex).
pub fn revoke_signer(pki_dir: &Path, serial_hex: Option<&str>) -> Result<String, RevocationError> {
    let serial = match serial_hex {
        Some(h) => {
            let h = h.trim().trim_start_matches("0x").to_ascii_lowercase();
            let bytes = hex::decode(&h).map_err(|_| RevocationError::Invalid("serial must be hex".into()))?;
            if bytes.is_empty() || bytes.len() > 20 {
                return Err(RevocationError::Invalid("serial must be 1-20 bytes".into()));
            }
            bytes
        }
        None => pki::signer_serial(pki_dir)?,
    };
    let path = pki_dir.join(REVOKED_FILE);
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| RevocationError::Io(path.clone(), e))?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    writeln!(f, "{} {now}", hex::encode(&serial)).map_err(|e| RevocationError::Io(path, e))?;
    Ok(hex::encode(serial))
}

fn read_revoked(dir: &Path) -> Result<Vec<(Vec<u8>, i64)>, RevocationError> {
    let path = dir.join(REVOKED_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(RevocationError::Io(path, e)),
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.split_whitespace();
            let serial = parts.next().and_then(|s| hex::decode(s).ok());
            let at = parts.next().and_then(|t| t.parse::<i64>().ok());
            match (serial, at) {
                (Some(s), Some(t)) if !s.is_empty() => Ok((s, t)),
                _ => Err(RevocationError::Invalid(format!("{}: bad line {l:?}", path.display()))),
            }
        })
        .collect()
}
