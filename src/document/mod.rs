//! Trust in a document before it is printed. No device code here.
//!
//! A document is printed only if [`check`] passes: the bytes are exactly what the
//! server announced, the electronic signature (TTE) is valid and trusted, and the
//! document belongs to the signed-in citizen or their family. Japan's kiosks once
//! printed another person's certificate under near-simultaneous requests; the ownership
//! check exists so that this kiosk cannot.

pub mod cli;
pub mod integrity;
pub mod names;
pub mod owner;
pub mod render;
pub mod test_page;
/// The TTE verifier, its own crate so the fuzz targets build without the kiosk.
pub use adm_pdf_verify as verify;

pub use verify::{
    DocInfo, Report, RevocationSet, RevocationStatus, SignatureReport, SignerPolicy, TrustAnchors, Verdict, verify,
    verify_with,
};

use std::time::SystemTime;

use crate::central::{Citizen, DocumentMeta};
use crate::session::Refusal;

/// Why a document was refused, with the detail for the log, the audit trail and the
/// alert metric (the citizen only sees the [`Refusal`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub refusal: Refusal,
    /// Stable label: `integrity`, the verdict (`invalid`, `modified`, `untrusted`,
    /// `unsigned`, `malformed`) or the ownership error's label.
    pub label: &'static str,
    pub reason: String,
}

/// Checks everything that must hold before `pdf` may be printed for `citizen`, at
/// trusted kiosk time `now`: the bytes are the ones listed, the TTE signature is valid,
/// made by a document signer and chains to a configured anchor, no certificate on the
/// path was revoked (`crls` from the central server, and the PDF's own `/DSS`), nothing
/// changed after signing, and both the server's metadata and the NIK/KK inside the
/// signed PDF show it is this citizen's own document or their family's KK.
pub fn check(
    pdf: &[u8],
    meta: &DocumentMeta,
    citizen: &Citizen,
    anchors: &TrustAnchors,
    crls: &RevocationSet,
    now: SystemTime,
) -> Result<Report, Refused> {
    integrity::check(pdf, meta).map_err(integrity_refused)?;
    let report = valid_signature(pdf, anchors, crls, now)?;
    owner::check(meta.kind, &meta.owner_nik, Some(&meta.kk), &report.info, &citizen.nik, Some(&citizen.kk))
        .map_err(|e| Refused { refusal: Refusal::Ownership, label: e.metric_label(), reason: e.to_string() })?;
    Ok(report)
}

/// Bytes that are not what the server listed: refused as a bad download.
fn integrity_refused(e: impl std::fmt::Display) -> Refused {
    Refused { refusal: Refusal::Download, label: "integrity", reason: e.to_string() }
}

/// The TTE signature's report when it is valid (signer, chain, revocation, no change
/// after signing); refused otherwise. Shared by citizens' documents and the catalogue's
/// public papers, which differ only in what they check after it.
fn valid_signature(
    pdf: &[u8],
    anchors: &TrustAnchors,
    crls: &RevocationSet,
    now: SystemTime,
) -> Result<Report, Refused> {
    let report = verify_with(pdf, None, anchors, crls, now);
    if report.verdict != Verdict::Valid {
        return Err(Refused { refusal: Refusal::Signature, label: report.verdict.as_str(), reason: report.reason });
    }
    Ok(report)
}

/// `/DocType`s of the papers the service catalogue prints for anyone: a service's guide
/// and its blank forms (the reference server's `catalogue::pdf`).
pub const PUBLIC_DOC_TYPES: [&str; 2] = ["petunjuk", "formulir"];

/// Checks a service's guide or blank form before it is printed for anyone, at trusted
/// kiosk time `now`: the bytes are the ones the catalogue listed, the TTE signature is
/// valid, made by a document signer and chains to a configured anchor, unrevoked and
/// unmodified, exactly as for a citizen's document. There is no owner to check; instead
/// the signed `/DocType` must be a guide or a form and the PDF must name no NIK or KK, so
/// that no citizen's document can ever come out of the catalogue, whatever the server
/// sends.
pub fn check_public(
    pdf: &[u8],
    size: u64,
    sha256: &str,
    anchors: &TrustAnchors,
    crls: &RevocationSet,
    now: SystemTime,
) -> Result<Report, Refused> {
    integrity::check_listed(pdf, size, sha256).map_err(integrity_refused)?;
    let report = valid_signature(pdf, anchors, crls, now)?;
    let public = report.info.doc_type.as_deref().is_some_and(|t| PUBLIC_DOC_TYPES.contains(&t));
    if !public || report.info.nik.is_some() || report.info.kk.is_some() {
        return Err(Refused {
            refusal: Refusal::Ownership,
            label: "not-public",
            reason: format!("not a guide or blank form (DocType {:?})", report.info.doc_type),
        });
    }
    Ok(report)
}

/// Number of pages of a PDF, from its page tree (a technician's test file; the kiosk
/// itself uses the page count the central server announced).
pub fn count_pages(pdf: &[u8]) -> Option<u32> {
    let doc = lopdf::Document::load_mem(pdf).ok()?;
    u32::try_from(doc.get_pages().len()).ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_pages_from_the_page_tree() {
        // The page tree node (/Type /Pages) is not a page.
        assert_eq!(super::count_pages(&super::test_page::pdf()), Some(1));
        assert_eq!(super::count_pages(b"not a pdf"), None);
    }
}
