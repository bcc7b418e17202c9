//! Trust anchors and certification-path building.
//!
//! Trust only configured anchors: the CMS may embed a look-alike root with identical
//! names. A path ends only where an *anchor's key* verifies the last certificate's
//! signature (or the certificate is byte-identical to an anchor); names merely select
//! candidates.
//!
//! Not every certificate under an anchor may sign documents: the same hierarchy issues
//! TSA, TLS and CA certificates. A document signer must be an end-entity certificate
//! with keyUsage digitalSignature or nonRepudiation and, if it names extended key
//! usages, one of the configured document-signing purposes ([`SignerPolicy`]).

use std::time::{Duration, SystemTime};

use der::Decode;
use thiserror::Error;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage};

use super::cert::Cert;
use super::crl::{RevocationCheck, RevocationStatus};

/// How long a path may be (leaf + intermediates), guards against loops in hostile pools.
const MAX_PATH: usize = 8;

const KNOWN_EXTENSIONS: &[&str] = &[
    "2.5.29.14",         // subjectKeyIdentifier
    "2.5.29.15",         // keyUsage
    "2.5.29.17",         // subjectAltName
    "2.5.29.19",         // basicConstraints
    "2.5.29.31",         // cRLDistributionPoints
    "2.5.29.32",         // certificatePolicies (accepted: no policy is required here)
    "2.5.29.35",         // authorityKeyIdentifier
    "2.5.29.37",         // extKeyUsage
    "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
    "1.3.6.1.5.5.7.1.3", // qcStatements
];
const EKU_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";

/// Extended key usages that make a certificate a document signer by default:
/// emailProtection (S/MIME signers, which many national CAs issue for PDF signing),
/// Adobe authentic documents, id-kp-documentSigning (RFC 9336) and Microsoft document
/// signing.
pub const DEFAULT_SIGNER_EKU: [&str; 4] =
    ["1.3.6.1.5.5.7.3.4", "1.2.840.113583.1.1.5", "1.3.6.1.5.5.7.3.36", "1.3.6.1.4.1.311.10.3.12"];

/// How long after its nextUpdate a CRL still counts as current by default. Kiosks get
/// CRLs from the central server hourly; a week covers a long weekend of a broken CRL job.
pub const DEFAULT_CRL_GRACE: Duration = Duration::from_secs(7 * 24 * 3600);

/// What, beyond a path to an anchor, a document signer needs (from configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerPolicy {
    /// Dotted OIDs; a signer with an extendedKeyUsage extension needs one of them. A
    /// signer without the extension is accepted. Empty: only signers without it — an
    /// empty list can narrow the rule, never switch it off.
    pub eku: Vec<String>,
    /// See [`DEFAULT_CRL_GRACE`] and `crl.rs` for what a stale CRL means.
    pub crl_grace: Duration,
}

impl Default for SignerPolicy {
    fn default() -> Self {
        SignerPolicy { eku: DEFAULT_SIGNER_EKU.iter().map(|s| (*s).to_owned()).collect(), crl_grace: DEFAULT_CRL_GRACE }
    }
}

#[derive(Debug, Error)]
pub enum AnchorError {
    #[error("no certificate in the trust anchor PEM")]
    Empty,
    #[error("trust anchor PEM unreadable: {0}")]
    Pem(String),
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ChainError {
    #[error("no path to a configured trust anchor for {0}")]
    NoPath(String),
    #[error("certificate {0} is not valid at the validation time")]
    Expired(String),
    #[error("certificate {0} has an unknown critical extension {1}")]
    UnknownCritical(String, String),
    #[error("certificate {0} is not a CA (basicConstraints)")]
    NotCa(String),
    #[error("certificate {0} may not sign certificates (keyUsage)")]
    KeyUsage(String),
    #[error("path too long for pathLenConstraint of {0}")]
    PathLen(String),
    #[error("signer certificate {0} not allowed to sign documents (keyUsage)")]
    LeafUsage(String),
    #[error("signer certificate {0} has no keyUsage extension (digitalSignature or nonRepudiation required)")]
    NoKeyUsage(String),
    #[error("signer certificate {0} is a CA certificate, not an end-entity signer")]
    NotEndEntity(String),
    #[error("signer certificate {0} has no document-signing extended key usage (has {1})")]
    SignerEku(String, String),
    #[error("certificate {0} revoked since {1}")]
    Revoked(String, String),
    #[error("certificate {0} lacks the timeStamping extended key usage")]
    NotTsa(String),
    #[error("certificate {0} has a malformed extension")]
    BadExtension(String),
}

/// What the end-entity certificate is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    DocumentSigning,
    TimeStamping,
}

/// The configured roots (BSrE) and the signer policy. Nothing else is ever trusted.
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors {
    certs: Vec<Cert>,
    policy: SignerPolicy,
}

impl TrustAnchors {
    /// All certificates in a PEM bundle.
    pub fn from_pem(pem: &[u8]) -> Result<Self, AnchorError> {
        let mut a = Self::default();
        a.add_pem(pem)?;
        Ok(a)
    }

    pub fn add_pem(&mut self, pem: &[u8]) -> Result<(), AnchorError> {
        self.certs.extend(certs_from_pem(pem)?);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.certs.len()
    }

    pub fn set_policy(&mut self, policy: SignerPolicy) {
        self.policy = policy;
    }

    pub fn policy(&self) -> &SignerPolicy {
        &self.policy
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

/// Every certificate of a PEM bundle (at least one).
pub fn certs_from_pem(pem: &[u8]) -> Result<Vec<Cert>, AnchorError> {
    let chain = x509_cert::Certificate::load_pem_chain(pem).map_err(|e| AnchorError::Pem(e.to_string()))?;
    if chain.is_empty() {
        return Err(AnchorError::Empty);
    }
    chain
        .iter()
        .map(|c| {
            let der = der::Encode::to_der(c).map_err(|e| AnchorError::Pem(e.to_string()))?;
            Cert::from_der(&der).map_err(|e| AnchorError::Pem(e.to_string()))
        })
        .collect()
}

/// A path that reached an anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated {
    /// Subjects, leaf first, anchor last.
    pub path: Vec<String>,
    pub revocation: RevocationStatus,
}

/// Builds and checks a path from `leaf` through `pool` (certificates from the CMS) to an
/// anchor, with every certificate valid at `at`, then (with `revocation`) that none of
/// them was revoked at `at`.
pub fn validate(
    leaf: &Cert,
    pool: &[Cert],
    anchors: &TrustAnchors,
    at: SystemTime,
    purpose: Purpose,
    revocation: Option<&RevocationCheck<'_>>,
) -> Result<Validated, ChainError> {
    check_leaf(leaf, purpose, &anchors.policy)?;
    let mut path: Vec<&Cert> = vec![leaf];
    let mut last_err = ChainError::NoPath(leaf.subject_string());
    if !extend(&mut path, pool, anchors, at, &mut last_err) {
        return Err(last_err);
    }
    let status = match revocation {
        Some(r) => r.check_path(&path, at).map_err(|rev| {
            ChainError::Revoked(
                rev.subject,
                der::DateTime::from_system_time(rev.since).map_or_else(|_| "?".into(), |d| d.to_string()),
            )
        })?,
        None => RevocationStatus::NotChecked,
    };
    Ok(Validated { path: path.iter().map(|c| c.subject_string()).collect(), revocation: status })
}

/// Depth-first search; on success `path` ends with the anchor.
fn extend<'a>(
    path: &mut Vec<&'a Cert>,
    pool: &'a [Cert],
    anchors: &'a TrustAnchors,
    at: SystemTime,
    err: &mut ChainError,
) -> bool {
    let Some(cur) = path.last().copied() else { return false };
    if let Err(e) = check_common(cur, at) {
        *err = e;
        return false;
    }
    // Reached an anchor itself (e.g. an intermediate configured as anchor).
    if anchors.certs.iter().any(|a| a.der == cur.der) {
        return match check_issuers(path, at) {
            Ok(()) => true,
            Err(e) => {
                *err = e;
                false
            }
        };
    }
    if path.len() > MAX_PATH {
        return false;
    }
    for a in anchors.certs.iter().filter(|a| a.subject == cur.issuer) {
        if cur.signed_by(&a.spki).is_ok() {
            path.push(a);
            match check_issuers(path, at) {
                Ok(()) => return true,
                Err(e) => *err = e,
            }
            path.pop();
        }
    }
    for cand in pool.iter().filter(|c| c.subject == cur.issuer) {
        if path.iter().any(|p| p.der == cand.der) || cur.signed_by(&cand.spki).is_err() {
            continue;
        }
        path.push(cand);
        if extend(path, pool, anchors, at, err) {
            return true;
        }
        path.pop();
    }
    false
}

fn check_common(c: &Cert, at: SystemTime) -> Result<(), ChainError> {
    if !c.valid_at(at) {
        return Err(ChainError::Expired(c.subject_string()));
    }
    for e in c.cert.tbs_certificate.extensions.iter().flatten() {
        let id = e.extn_id.to_string();
        if e.critical && !KNOWN_EXTENSIONS.contains(&id.as_str()) {
            return Err(ChainError::UnknownCritical(c.subject_string(), id));
        }
    }
    Ok(())
}

fn check_leaf(leaf: &Cert, purpose: Purpose, policy: &SignerPolicy) -> Result<(), ChainError> {
    let name = leaf.subject_string();
    if let Some(v) = leaf.extension("2.5.29.19") {
        let bc = BasicConstraints::from_der(v).map_err(|_| ChainError::BadExtension(name.clone()))?;
        if bc.ca {
            return Err(ChainError::NotEndEntity(name));
        }
    }
    match leaf.extension("2.5.29.15") {
        Some(v) => {
            let ku = KeyUsage::from_der(v).map_err(|_| ChainError::BadExtension(name.clone()))?;
            if !(ku.digital_signature() || ku.non_repudiation()) {
                return Err(ChainError::LeafUsage(name));
            }
        }
        // RFC 5280 reads a missing keyUsage as "any use"; a document signer must say it signs.
        None if purpose == Purpose::DocumentSigning => return Err(ChainError::NoKeyUsage(name)),
        None => {}
    }
    let eku = match leaf.extension("2.5.29.37") {
        Some(v) => Some(ExtendedKeyUsage::from_der(v).map_err(|_| ChainError::BadExtension(name.clone()))?),
        None => None,
    };
    let has = |oid: &str| eku.as_ref().is_some_and(|e| e.0.iter().any(|o| o.to_string() == oid));
    match purpose {
        Purpose::TimeStamping if !has(EKU_TIME_STAMPING) => Err(ChainError::NotTsa(name)),
        Purpose::TimeStamping => Ok(()),
        Purpose::DocumentSigning => match &eku {
            Some(e) if !policy.eku.iter().any(|allowed| has(allowed)) => {
                let listed: Vec<String> = e.0.iter().map(ToString::to_string).collect();
                Err(ChainError::SignerEku(name, listed.join(", ")))
            }
            _ => Ok(()),
        },
    }
}

/// CA rules for every issuer on the path (index ≥ 1): basicConstraints cA, keyUsage
/// keyCertSign, pathLenConstraint (counting intermediates below it), validity.
fn check_issuers(path: &[&Cert], at: SystemTime) -> Result<(), ChainError> {
    for (i, ca) in path.iter().enumerate().skip(1) {
        check_common(ca, at)?;
        let name = ca.subject_string();
        let bc = ca.extension("2.5.29.19").ok_or_else(|| ChainError::NotCa(name.clone()))?;
        let bc = BasicConstraints::from_der(bc).map_err(|_| ChainError::BadExtension(name.clone()))?;
        if !bc.ca {
            return Err(ChainError::NotCa(name));
        }
        if let Some(v) = ca.extension("2.5.29.15") {
            let ku = KeyUsage::from_der(v).map_err(|_| ChainError::BadExtension(name.clone()))?;
            if !ku.key_cert_sign() {
                return Err(ChainError::KeyUsage(name));
            }
        }
        // Intermediate CAs between this CA and the leaf (the leaf itself not counted).
        let below = i.saturating_sub(1);
        if let Some(max) = bc.path_len_constraint
            && below > usize::from(max)
        {
            return Err(ChainError::PathLen(name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Certificates made by make-corpus.py, each breaking one rule.
    fn cert(rel: &str) -> Cert {
        let pem = std::fs::read(crate::fixtures_dir().join("pki").join(rel)).expect("fixture PEM");
        certs_from_pem(&pem).expect("PEM parses").remove(0)
    }

    fn anchors() -> TrustAnchors {
        TrustAnchors { certs: vec![cert("root.pem")], policy: SignerPolicy::default() }
    }

    /// 2026-06-01, as in manifest.json.
    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_272_000)
    }

    fn check(leaf: &str, pool: &[&str], purpose: Purpose) -> Result<Vec<String>, ChainError> {
        let pool: Vec<Cert> = pool.iter().map(|p| cert(p)).collect();
        validate(&cert(leaf), &pool, &anchors(), now(), purpose, None).map(|v| v.path)
    }

    #[test]
    fn good_path_reaches_the_anchor() {
        let path = check("signer-rsa.pem", &["intermediate.pem"], Purpose::DocumentSigning).expect("valid path");
        assert_eq!(path.len(), 3);
        assert!(path[2].starts_with("CN=BSrE Root CA (TEST)"));
        assert!(check("tsa.pem", &["intermediate.pem"], Purpose::TimeStamping).is_ok());
    }

    #[test]
    fn each_broken_rule_is_caught() {
        let ds = Purpose::DocumentSigning;
        let inter = "intermediate.pem";
        assert!(matches!(check("signer-rsa.pem", &[], ds), Err(ChainError::NoPath(_))));
        assert!(matches!(check("signer-expired.pem", &[inter], ds), Err(ChainError::Expired(_))));
        assert!(matches!(check("chain/leaf-not-yet-valid.pem", &[inter], ds), Err(ChainError::Expired(_))));
        assert!(matches!(
            check("chain/leaf-unknown-critical.pem", &[inter], ds),
            Err(ChainError::UnknownCritical(_, oid)) if oid == "1.3.6.1.4.1.55555.1"
        ));
        assert!(matches!(
            check("chain/leaf-under-not-ca.pem", &["chain/inter-not-ca.pem"], ds),
            Err(ChainError::NotCa(_))
        ));
        assert!(matches!(
            check("chain/leaf-under-sub-ca.pem", &["chain/sub-ca.pem", inter], ds),
            Err(ChainError::PathLen(_))
        ));
        assert!(matches!(
            check("chain/leaf-under-no-certsign.pem", &["chain/inter-no-certsign.pem"], ds),
            Err(ChainError::KeyUsage(_))
        ));
        assert!(matches!(check("chain/leaf-encipher-only.pem", &[inter], ds), Err(ChainError::LeafUsage(_))));
        assert!(matches!(check("signer-rsa.pem", &[inter], Purpose::TimeStamping), Err(ChainError::NotTsa(_))));
    }

    #[test]
    fn lookalike_root_in_the_pool_is_not_an_anchor() {
        let r = check("signer-rsa.pem", &["lookalike-root.pem"], Purpose::DocumentSigning);
        assert!(matches!(r, Err(ChainError::NoPath(_))));
        // The look-alike shares the anchor's subject but not its key.
        assert_eq!(cert("lookalike-root.pem").subject, cert("root.pem").subject);
    }
}
