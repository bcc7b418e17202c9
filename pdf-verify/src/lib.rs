//! TTE (PAdES/CMS) signature verification of Dukcapil PDFs. No device code, no clock:
//! the caller passes trusted kiosk time.
//!
//! Its own crate (re-exported by the kiosk as `adm_kiosk::document::verify`) so that the
//! fuzz targets (`fuzz/`) can build the verifier without the kiosk and its UI toolkit.

pub mod algo;
pub mod asn1;
pub mod byterange;
pub mod cert;
pub mod chain;
pub mod cms;
pub mod crl;
pub mod info;
pub mod pdf;
pub mod revisions;
#[cfg(test)]
mod revocation_tests;
#[cfg(test)]
mod signer_tests;
/// The test PKI, also for the kiosk's own tests (feature `test-pki`).
#[cfg(any(test, feature = "test-pki"))]
pub mod test_pki;
pub mod tsp;

use std::time::SystemTime;

use serde::Serialize;

pub use chain::{AnchorError, DEFAULT_CRL_GRACE, DEFAULT_SIGNER_EKU, SignerPolicy, TrustAnchors};
pub use crl::{Crl, CrlError, RevocationSet, RevocationStatus};
pub use info::DocInfo;

use byterange::SignedRange;

/// The pyHanko corpus (made by tests/fixtures/pdf/make-corpus.py), for unit tests.
/// Integration tests have their own copy in tests/common/mod.rs.
#[cfg(test)]
pub(crate) fn fixtures_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/pdf")
}
use chain::Purpose;
use cms::CmsError;
use crl::RevocationCheck;

/// The outcome for a document (or one signature), worst first in [`Verdict::rank`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Signed, intact, unmodified, chains to a configured anchor.
    Valid,
    /// Signature or digest wrong.
    Invalid,
    /// Changed after signing (or bytes outside the signed ranges).
    Modified,
    /// Chain does not reach a configured anchor, a certificate is not valid in time or
    /// was revoked, or the signer is not a document signer (CA, wrong key usage or EKU).
    Untrusted,
    /// No signature at all.
    Unsigned,
    /// Not a PDF we can read (including a missing/wrong password).
    Malformed,
}

impl Verdict {
    /// Severity for combining several signatures: the worst wins.
    fn rank(self) -> u8 {
        match self {
            Self::Valid => 0,
            Self::Untrusted => 1,
            Self::Modified => 2,
            Self::Invalid => 3,
            Self::Unsigned => 4,
            Self::Malformed => 5,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Modified => "modified",
            Self::Untrusted => "untrusted",
            Self::Unsigned => "unsigned",
            Self::Malformed => "malformed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// A CMS signature (`ETSI.CAdES.detached` / `adbe.pkcs7.detached`).
    Signature,
    /// An RFC 3161 document timestamp (`ETSI.RFC3161`, PAdES B-LTA).
    DocTimestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    pub field: Option<String>,
    pub kind: SignatureKind,
    pub verdict: Verdict,
    pub reason: String,
    /// Signer (or TSA) subject, RFC 4514 style.
    pub signer: Option<String>,
    /// Verified RFC 3161 time (seconds since the Unix epoch), if any.
    pub timestamp_unix: Option<u64>,
    /// Byte length of the revision this signature covers.
    pub covers_bytes: usize,
    /// What the CRLs said about the signer's path (when it reached an anchor).
    pub revocation: RevocationStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub verdict: Verdict,
    pub reason: String,
    /// Subject of the first document signature.
    pub signer: Option<String>,
    pub signatures: Vec<SignatureReport>,
    pub info: DocInfo,
    /// The least certain revocation status over the document signatures (for logs and
    /// the `stale`/`unknown` metric; a revoked signer makes the verdict `untrusted`).
    pub revocation: RevocationStatus,
}

impl Report {
    fn document(verdict: Verdict, reason: impl Into<String>) -> Self {
        Self {
            verdict,
            reason: reason.into(),
            signer: None,
            signatures: Vec::new(),
            info: DocInfo::default(),
            revocation: RevocationStatus::NotChecked,
        }
    }

    pub fn is_valid(&self) -> bool {
        self.verdict == Verdict::Valid
    }
}

/// Verifies every signature of `pdf` with only the revocation data inside the PDF
/// (`/DSS`); see [`verify_with`].
pub fn verify(pdf: &[u8], password: Option<&str>, anchors: &TrustAnchors, now: SystemTime) -> Report {
    verify_with(pdf, password, anchors, &RevocationSet::default(), now)
}

/// Verifies every signature of `pdf`. `password` is the notice PIN for encrypted files;
/// `now` is trusted kiosk time (certificates are checked at a verified signature
/// timestamp instead, when there is one). Revocation is checked against `crls` (from
/// the central server) and the CRLs in the PDF's `/DSS`. Never panics on any input.
pub fn verify_with(
    pdf: &[u8],
    password: Option<&str>,
    anchors: &TrustAnchors,
    crls: &RevocationSet,
    now: SystemTime,
) -> Report {
    let doc = match pdf::load(pdf, password) {
        Ok(d) => d,
        Err(e) => return Report::document(Verdict::Malformed, e.to_string()),
    };
    let info = info::extract(&doc);
    // CRLs in the DSS are as untrusted as the rest of the file: each counts only if the
    // issuer on a validated path signed it; unreadable ones are ignored.
    let dss: Vec<Crl> = pdf::dss_crls(&doc).iter().filter_map(|d| Crl::from_der(d).ok()).collect();
    let revocation = RevocationCheck {
        crls: crls.crls().iter().chain(dss.iter()).collect(),
        now,
        grace: anchors.policy().crl_grace,
    };
    let mut sigs = Vec::new();
    for s in pdf::signature_dicts(&doc) {
        let kind = if pdf::name_is(&doc, s.dict, b"SubFilter", b"ETSI.RFC3161") {
            SignatureKind::DocTimestamp
        } else {
            SignatureKind::Signature
        };
        let mut rep = SignatureReport {
            field: s.field_name.clone(),
            kind,
            verdict: Verdict::Valid,
            reason: String::new(),
            signer: None,
            timestamp_unix: None,
            covers_bytes: 0,
            revocation: RevocationStatus::NotChecked,
        };
        match byterange::check(pdf, &doc, s.id, s.dict) {
            Ok(range) => {
                rep.covers_bytes = range.end;
                check_crypto(pdf, &doc, s.dict, &range, anchors, &revocation, &mut rep);
                sigs.push((rep, Some(range)));
            }
            Err(e) => {
                rep.verdict = if e.is_malformed() { Verdict::Malformed } else { Verdict::Modified };
                rep.reason = e.to_string();
                sigs.push((rep, None));
            }
        }
    }
    if sigs.is_empty() {
        return Report { info, ..Report::document(Verdict::Unsigned, "no signature in the document") };
    }
    sigs.sort_by_key(|(r, _)| r.covers_bytes);
    check_revisions(pdf, password, &doc, &mut sigs);
    let signatures: Vec<SignatureReport> = sigs.into_iter().map(|(r, _)| r).collect();
    let mut verdict = Verdict::Valid;
    let mut reason = String::new();
    for s in &signatures {
        if s.verdict.rank() > verdict.rank() {
            verdict = s.verdict;
            reason = match &s.field {
                Some(f) => format!("{f}: {}", s.reason),
                None => s.reason.clone(),
            };
        }
    }
    if let Some(extra) = trailing_problem(pdf, &signatures)
        && verdict.rank() < Verdict::Modified.rank()
    {
        verdict = Verdict::Modified;
        reason = extra;
    }
    if verdict == Verdict::Valid {
        let n = signatures.iter().filter(|s| s.kind == SignatureKind::Signature).count();
        let ts = signatures.len() - n;
        let plural = |k: usize| if k == 1 { "" } else { "s" };
        let ts_text = if ts == 0 { String::new() } else { format!(" and {ts} document timestamp{}", plural(ts)) };
        reason = format!("{n} signature{}{ts_text} valid and trusted, document unchanged since signing", plural(n));
    }
    let signer = signatures.iter().find(|s| s.kind == SignatureKind::Signature).and_then(|s| s.signer.clone());
    let revocation = signatures
        .iter()
        .filter(|s| s.kind == SignatureKind::Signature)
        .map(|s| s.revocation)
        .max_by_key(|r| r.rank())
        .unwrap_or(RevocationStatus::NotChecked);
    Report { verdict, reason, signer, signatures, info, revocation }
}

fn check_crypto(
    pdf: &[u8],
    doc: &lopdf::Document,
    dict: &lopdf::Dictionary,
    range: &SignedRange,
    anchors: &TrustAnchors,
    revocation: &RevocationCheck<'_>,
    rep: &mut SignatureReport,
) {
    let now = revocation.now;
    let der = match cms::normalize_contents(&range.contents) {
        Ok(d) => d,
        Err(e) => return set(rep, Verdict::Malformed, e.to_string()),
    };
    let parts = range.parts(pdf);
    if rep.kind == SignatureKind::DocTimestamp {
        match tsp::verify_token(&der, |alg| alg.digest(&parts), anchors, now) {
            Ok(ts) => {
                rep.signer = Some(ts.tsa);
                rep.timestamp_unix = unix(ts.gen_time);
                rep.reason = "document timestamp valid".into();
            }
            Err(e) => set(rep, tsp_verdict(&e), e.to_string()),
        }
        return;
    }
    let cades = pdf::name_is(doc, dict, b"SubFilter", b"ETSI.CAdES.detached");
    if !cades && !pdf::name_is(doc, dict, b"SubFilter", b"adbe.pkcs7.detached") {
        return set(rep, Verdict::Malformed, "unsupported signature /SubFilter".into());
    }
    let sd = match cms::parse(&der) {
        Ok(sd) => sd,
        Err(e) => return set(rep, cms_verdict(&e), e.to_string()),
    };
    if sd.econtent.is_some() || sd.econtent_type != cms::ID_DATA {
        return set(rep, Verdict::Malformed, "CMS is not a detached signature over data".into());
    }
    let digest = sd.signer.digest.digest(&parts);
    let cert = match sd.verify_signer(&digest, cades) {
        Ok(c) => c,
        Err(e) => return set(rep, cms_verdict(&e), e.to_string()),
    };
    rep.signer = Some(cert.subject_string());
    // A verified signature timestamp moves the validation time back to when it was signed.
    let mut at = now;
    let ts_values: Vec<_> = sd
        .signer
        .unsigned_attrs
        .iter()
        .filter(|a| a.oid == cms::ATTR_SIGNATURE_TIMESTAMP)
        .flat_map(|a| a.values.iter())
        .collect();
    if ts_values.len() > 1 {
        return set(rep, Verdict::Malformed, "more than one signature timestamp".into());
    }
    if let Some(tok) = ts_values.first() {
        match tsp::verify_token(tok.raw, |alg| alg.digest(&[sd.signer.signature]), anchors, now) {
            Ok(ts) => {
                at = ts.gen_time;
                rep.timestamp_unix = unix(ts.gen_time);
            }
            Err(e) => return set(rep, tsp_verdict(&e), format!("signature {e}")),
        }
    }
    match chain::validate(cert, &sd.certs, anchors, at, Purpose::DocumentSigning, Some(revocation)) {
        Ok(valid) => {
            rep.revocation = valid.revocation;
            rep.reason = format!(
                "signature valid, chain to {}{}, revocation {}",
                valid.path.last().map(String::as_str).unwrap_or("?"),
                if rep.timestamp_unix.is_some() { ", checked at the signature timestamp" } else { "" },
                valid.revocation.as_str()
            );
        }
        Err(e) => set(rep, Verdict::Untrusted, e.to_string()),
    }
}

fn set(rep: &mut SignatureReport, v: Verdict, reason: String) {
    rep.verdict = v;
    rep.reason = reason;
}

fn cms_verdict(e: &CmsError) -> Verdict {
    match e {
        CmsError::Structure(_) | CmsError::Malformed(_) | CmsError::TrailingData | CmsError::SignerCount(_) => {
            Verdict::Malformed
        }
        _ => Verdict::Invalid,
    }
}

fn tsp_verdict(e: &tsp::TspError) -> Verdict {
    if e.is_untrusted() {
        Verdict::Untrusted
    } else if e.is_invalid() {
        Verdict::Invalid
    } else if let tsp::TspError::Cms(c) = e {
        cms_verdict(c)
    } else {
        Verdict::Malformed
    }
}

fn unix(t: SystemTime) -> Option<u64> {
    t.duration_since(SystemTime::UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// Compares each signed revision with the next signed one (or the whole file).
fn check_revisions(
    pdf: &[u8],
    password: Option<&str>,
    full: &lopdf::Document,
    sigs: &mut [(SignatureReport, Option<SignedRange>)],
) {
    let ends: Vec<Option<(usize, SignatureKind)>> =
        sigs.iter().map(|(r, range)| range.as_ref().map(|g| (g.end, r.kind))).collect();
    for (i, (rep, range)) in sigs.iter_mut().enumerate() {
        let Some(range) = range else { continue };
        let next = ends.iter().skip(i + 1).flatten().find(|(e, _)| *e > range.end).copied();
        let signed = match pdf.get(..range.end).map(|p| pdf::load(p, password)) {
            Some(Ok(d)) => d,
            _ => {
                set(rep, Verdict::Malformed, "the signed revision cannot be read on its own".into());
                continue;
            }
        };
        let result = match next {
            Some((end, kind)) => match pdf.get(..end).map(|p| pdf::load(p, password)) {
                Some(Ok(later)) => revisions::check(&signed, &later, kind == SignatureKind::Signature),
                _ => Err("a later revision cannot be read".into()),
            },
            None => revisions::check(&signed, full, false),
        };
        if let Err(why) = result
            && rep.verdict.rank() < Verdict::Modified.rank()
        {
            set(rep, Verdict::Modified, format!("modified after signing: {why}"));
        }
    }
}

/// Bytes after the last signed revision must form real incremental updates (checked
/// object by object in [`check_revisions`]); anything else is "modified".
fn trailing_problem(pdf: &[u8], sigs: &[SignatureReport]) -> Option<String> {
    let last = sigs.iter().map(|s| s.covers_bytes).max()?;
    if last == 0 || last == pdf.len() {
        return None;
    }
    let real_update =
        byterange::is_revision_end(pdf, pdf.len()) && byterange::last_startxref(pdf).is_some_and(|x| x >= last);
    if real_update {
        None
    } else {
        Some(format!("{} bytes after the signed data are not a PDF revision", pdf.len() - last))
    }
}
