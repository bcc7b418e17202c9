//! Certificate revocation lists (RFC 5280 §5) and the revocation check of a validated
//! certification path.
//!
//! Kiosks have no internet, so CRLs come from two places: the central server (fetched by
//! the runtime into a [`RevocationSet`]) and the `/DSS /CRLs` of the PDF itself. Both are
//! untrusted input until checked here: a CRL counts for a certificate only when the next
//! certificate on a path that already reaches a configured anchor — the certificate's
//! issuer — signed it, and that issuer may sign CRLs.
//!
//! Policy, per certificate on the path (the anchor itself is not checked):
//! - listed on a usable CRL with a revocation (or invalidity) date at or before the
//!   validation time (the signature timestamp, else trusted kiosk time) → revoked. A
//!   revocation is final, so a listing counts even on a stale CRL; only a
//!   `certificateHold` listing counts just on the newest CRL (a hold can be released).
//! - not listed, newest CRL still current → `good`; past its nextUpdate but within the
//!   configured grace → `stale`; no CRL, or past the grace → `unknown`. `stale` and
//!   `unknown` do not refuse the document: a missing CRL is never read as "revoked",
//!   because the CRL comes from the same server as the document and an outage of its
//!   CRL job must not stop every kiosk; the status is reported so it is logged and
//!   counted, and an alert can follow it.

use std::time::{Duration, SystemTime};

use der::Decode;
use serde::Serialize;
use thiserror::Error;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::{BasicConstraints, CrlReason, IssuingDistributionPoint, KeyUsage};

use super::asn1::{self, Asn1Error};
use super::cert::{self, Cert};

/// A CRL issued a little in the future (server clock ahead of the kiosk's) is still used.
const CLOCK_SKEW: Duration = Duration::from_secs(300);
/// Upper bound on CRLs held or read from one PDF (hostile input).
pub const MAX_CRLS: usize = 64;

const EXT_CRL_NUMBER: &str = "2.5.29.20";
const EXT_AKI: &str = "2.5.29.35";
const EXT_IDP: &str = "2.5.29.28";
const ENTRY_REASON: &str = "2.5.29.21";
const ENTRY_INVALIDITY_DATE: &str = "2.5.29.24";

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CrlError {
    #[error("not a CRL: {0}")]
    Malformed(String),
    #[error("CRL has an unsupported critical extension {0}")]
    UnknownCritical(String),
    #[error("CRL scope not supported ({0})")]
    Scope(&'static str),
    #[error("no CRL in the PEM data")]
    Empty,
    #[error("more than {MAX_CRLS} CRLs")]
    TooMany,
}

impl From<Asn1Error> for CrlError {
    fn from(e: Asn1Error) -> Self {
        CrlError::Malformed(e.to_string())
    }
}

/// Which certificates a CRL speaks about (issuingDistributionPoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    All,
    EndEntities,
    Cas,
}

#[derive(Debug, Clone)]
struct Entry {
    serial: Vec<u8>,
    /// The earlier of revocationDate and invalidityDate.
    since: SystemTime,
    hold: bool,
}

/// A parsed CRL. Its signature is checked only against a path's issuer, at use.
#[derive(Debug, Clone)]
pub struct Crl {
    tbs: Vec<u8>,
    sig_alg: Vec<u8>,
    signature: Vec<u8>,
    /// Raw encoding of the issuer name, compared byte for byte with certificates' issuer.
    issuer: Vec<u8>,
    issuer_text: String,
    this_update: SystemTime,
    next_update: Option<SystemTime>,
    scope: Scope,
    entries: Vec<Entry>,
}

impl Crl {
    pub fn from_der(der: &[u8]) -> Result<Crl, CrlError> {
        let list = CertificateList::from_der(der).map_err(|e| CrlError::Malformed(e.to_string()))?;
        let (outer, rest) = asn1::parse(der)?;
        if !rest.is_empty() {
            return Err(CrlError::Malformed("trailing data".into()));
        }
        let parts = outer.tagged(asn1::SEQUENCE)?.children()?;
        let [tbs, sig_alg, sig] = parts.as_slice() else { return Err(CrlError::Malformed("structure".into())) };
        let fields = tbs.children()?;
        // version is optional (v1 CRLs); signature, issuer follow positionally.
        let skip = usize::from(fields.first().is_some_and(|f| f.tag == asn1::INTEGER));
        let issuer = fields.get(skip + 1).ok_or(Asn1Error::Missing)?.tagged(asn1::SEQUENCE)?.raw.to_vec();
        let bits = sig.tagged(0x03)?.value;
        let (unused, signature) = bits.split_first().ok_or(Asn1Error::Truncated)?;
        if *unused != 0 {
            return Err(CrlError::Malformed("signature bit string".into()));
        }
        let t = &list.tbs_cert_list;
        let mut scope = Scope::All;
        for e in t.crl_extensions.iter().flatten() {
            let id = e.extn_id.to_string();
            match id.as_str() {
                EXT_CRL_NUMBER | EXT_AKI => {}
                EXT_IDP => scope = idp_scope(e.extn_value.as_bytes())?,
                _ if e.critical => return Err(CrlError::UnknownCritical(id)),
                _ => {}
            }
        }
        let mut entries = Vec::new();
        for r in t.revoked_certificates.iter().flatten() {
            let revoked = r.revocation_date.to_system_time();
            let mut since = revoked;
            let mut hold = false;
            for e in r.crl_entry_extensions.iter().flatten() {
                let id = e.extn_id.to_string();
                match id.as_str() {
                    ENTRY_REASON => {
                        let reason = CrlReason::from_der(e.extn_value.as_bytes())
                            .map_err(|e| CrlError::Malformed(format!("reasonCode: {e}")))?;
                        hold = reason == CrlReason::CertificateHold;
                        if reason == CrlReason::RemoveFromCRL {
                            // Only meaningful in delta CRLs, which are refused above.
                            return Err(CrlError::Scope("removeFromCRL entry"));
                        }
                    }
                    ENTRY_INVALIDITY_DATE => {
                        let d = der::asn1::GeneralizedTime::from_der(e.extn_value.as_bytes())
                            .map_err(|e| CrlError::Malformed(format!("invalidityDate: {e}")))?;
                        since = since.min(d.to_system_time());
                    }
                    _ if e.critical => return Err(CrlError::UnknownCritical(id)),
                    _ => {}
                }
            }
            entries.push(Entry { serial: r.serial_number.as_bytes().to_vec(), since, hold });
        }
        Ok(Crl {
            tbs: tbs.raw.to_vec(),
            sig_alg: sig_alg.raw.to_vec(),
            signature: signature.to_vec(),
            issuer,
            issuer_text: t.issuer.to_string(),
            this_update: t.this_update.to_system_time(),
            next_update: t.next_update.map(|n| n.to_system_time()),
            scope,
            entries,
        })
    }

    /// Subject of the CA that claims to have issued this CRL (unverified).
    pub fn issuer(&self) -> &str {
        &self.issuer_text
    }

    pub fn this_update(&self) -> SystemTime {
        self.this_update
    }

    pub fn next_update(&self) -> Option<SystemTime> {
        self.next_update
    }

    /// Whether this CRL may speak about `subject` (issued by `issuer`, next on the path).
    fn covers(&self, subject: &Cert, issuer: &Cert, now: SystemTime) -> bool {
        if self.issuer != subject.issuer || self.this_update > now + CLOCK_SKEW {
            return false;
        }
        let is_ca = is_ca(subject);
        let in_scope = match self.scope {
            Scope::All => true,
            Scope::EndEntities => !is_ca,
            Scope::Cas => is_ca,
        };
        in_scope
            && may_sign_crls(issuer)
            && cert::verify_signed(&self.tbs, &self.sig_alg, &self.signature, &issuer.spki).is_ok()
    }

    fn entry(&self, serial: &[u8]) -> Option<&Entry> {
        self.entries.iter().find(|e| e.serial == serial)
    }
}

/// Only full CRLs of one issuer: indirect CRLs, reason-partitioned CRLs and attribute
/// certificate CRLs would need more than this kiosk checks, so they are refused.
fn idp_scope(der: &[u8]) -> Result<Scope, CrlError> {
    let idp = IssuingDistributionPoint::from_der(der).map_err(|e| CrlError::Malformed(format!("IDP: {e}")))?;
    if idp.indirect_crl {
        return Err(CrlError::Scope("indirect CRL"));
    }
    if idp.only_some_reasons.is_some() {
        return Err(CrlError::Scope("onlySomeReasons"));
    }
    if idp.only_contains_attribute_certs {
        return Err(CrlError::Scope("attribute certificates"));
    }
    Ok(match (idp.only_contains_user_certs, idp.only_contains_ca_certs) {
        (true, false) => Scope::EndEntities,
        (false, true) => Scope::Cas,
        (false, false) => Scope::All,
        (true, true) => return Err(CrlError::Scope("contradictory IDP")),
    })
}

fn is_ca(c: &Cert) -> bool {
    c.extension("2.5.29.19").and_then(|v| BasicConstraints::from_der(v).ok()).is_some_and(|bc| bc.ca)
}

/// keyUsage cRLSign when the issuer has a keyUsage extension at all.
fn may_sign_crls(issuer: &Cert) -> bool {
    match issuer.extension("2.5.29.15") {
        None => true,
        Some(v) => KeyUsage::from_der(v).is_ok_and(|ku| ku.crl_sign()),
    }
}

/// What is known about the revocation of a signer's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationStatus {
    /// Every certificate on the path is on a current CRL of its issuer, not listed.
    Good,
    /// Not listed, but some CRL is past its nextUpdate (within the grace).
    Stale,
    /// Some certificate has no usable CRL (none delivered, or past the grace).
    Unknown,
    /// Not checked (document timestamps).
    NotChecked,
}

impl RevocationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Stale => "stale",
            Self::Unknown => "unknown",
            Self::NotChecked => "not_checked",
        }
    }

    pub(super) fn rank(self) -> u8 {
        match self {
            Self::Good => 0,
            Self::Stale => 1,
            Self::Unknown => 2,
            Self::NotChecked => 3,
        }
    }
}

/// A certificate on the path is revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub subject: String,
    pub since: SystemTime,
}

/// Inputs of one revocation check: CRLs from every source, kiosk time and the grace.
pub struct RevocationCheck<'a> {
    pub crls: Vec<&'a Crl>,
    pub now: SystemTime,
    pub grace: Duration,
}

impl RevocationCheck<'_> {
    /// Checks `path` (leaf first, anchor last) at validation time `at`.
    pub fn check_path(&self, path: &[&Cert], at: SystemTime) -> Result<RevocationStatus, Revoked> {
        let mut worst = RevocationStatus::Good;
        for pair in path.windows(2) {
            let [subject, issuer] = pair else { continue };
            let usable: Vec<&Crl> = self.crls.iter().copied().filter(|c| c.covers(subject, issuer, self.now)).collect();
            let newest = usable.iter().copied().max_by_key(|c| c.this_update);
            for crl in &usable {
                if let Some(e) = crl.entry(&subject.serial)
                    && e.since <= at
                    && (!e.hold || newest.is_some_and(|n| std::ptr::eq(n, *crl)))
                {
                    return Err(Revoked { subject: subject.subject_string(), since: e.since });
                }
            }
            let status = match newest.map(|c| c.next_update) {
                None | Some(None) => RevocationStatus::Unknown,
                Some(Some(next)) if self.now <= next => RevocationStatus::Good,
                Some(Some(next)) if self.now <= next + self.grace => RevocationStatus::Stale,
                Some(Some(_)) => RevocationStatus::Unknown,
            };
            if status.rank() > worst.rank() {
                worst = status;
            }
        }
        Ok(worst)
    }
}

/// The CRLs the central server delivered (held by the runtime, replaced on each fetch).
#[derive(Debug, Clone, Default)]
pub struct RevocationSet {
    crls: Vec<Crl>,
    /// When the runtime last replaced the set (kiosk time), for logs and metrics.
    pub fetched_at: Option<SystemTime>,
}

impl RevocationSet {
    /// CRLs from PEM (`X509 CRL` blocks) or a single DER CRL.
    pub fn add(&mut self, bytes: &[u8]) -> Result<usize, CrlError> {
        let ders = if find(bytes, b"-----BEGIN").is_some() { pem_blocks(bytes)? } else { vec![bytes.to_vec()] };
        if self.crls.len() + ders.len() > MAX_CRLS {
            return Err(CrlError::TooMany);
        }
        let parsed = ders.iter().map(|d| Crl::from_der(d)).collect::<Result<Vec<_>, _>>()?;
        let n = parsed.len();
        self.crls.extend(parsed);
        Ok(n)
    }

    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    pub fn len(&self) -> usize {
        self.crls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.crls.is_empty()
    }
}

/// Every `-----BEGIN X509 CRL-----` block of a PEM text (at least one).
fn pem_blocks(text: &[u8]) -> Result<Vec<Vec<u8>>, CrlError> {
    const BEGIN: &[u8] = b"-----BEGIN X509 CRL-----";
    const END: &[u8] = b"-----END X509 CRL-----";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find(rest, BEGIN) {
        let block = &rest[start..];
        let end = find(block, END).ok_or_else(|| CrlError::Malformed("PEM block without END".into()))? + END.len();
        let (label, der) = der::pem::decode_vec(&block[..end]).map_err(|e| CrlError::Malformed(format!("PEM: {e}")))?;
        if label != "X509 CRL" {
            return Err(CrlError::Malformed(format!("PEM label {label}")));
        }
        out.push(der);
        rest = &block[end..];
    }
    if out.is_empty() { Err(CrlError::Empty) } else { Ok(out) }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
