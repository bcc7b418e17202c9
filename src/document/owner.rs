//! Ownership: a document may be printed only for the citizen it is about, or — for the
//! Kartu Keluarga only, the one family document — for any member of that family.
//!
//! Japan's convenience-store kiosks once printed *another person's* certificate under
//! near-simultaneous requests. So two independent sources must agree: the server's
//! metadata for the document, and the NIK/KK inside the signed PDF (read by
//! [`super::verify`] from the signed revision). The rule is the central server's
//! (`belongs_to`: own NIK, or a KK of the citizen's KK number): another family member's
//! akta or biodata is theirs alone. On error the kiosk blocks printing, writes an audit
//! event and increments an alert metric labelled with [`OwnershipError::metric_label`].

use thiserror::Error;

use super::verify::DocInfo;
use crate::central::DocKind;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum OwnershipError {
    #[error("NIK/KK is not 16 digits")]
    BadNumber,
    #[error("server metadata names a citizen outside the signed-in family")]
    MetadataNotCitizen,
    #[error("the signed PDF carries no NIK or KK")]
    NoIdentityInPdf,
    #[error("NIK in the signed PDF differs from the server metadata")]
    PdfNikMismatch,
    #[error("KK in the signed PDF differs from the server metadata")]
    PdfKkMismatch,
    #[error("the signed PDF belongs to a citizen outside the signed-in family")]
    PdfNotCitizen,
    #[error("another family member's document that is not a KK (only the KK is a family document)")]
    NotFamilyDocument,
    #[error("document type in the signed PDF differs from the server metadata")]
    PdfKindMismatch,
}

impl OwnershipError {
    /// Stable label for the audit event and the alert metric.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Self::BadNumber => "bad_number",
            Self::MetadataNotCitizen => "metadata_not_citizen",
            Self::NoIdentityInPdf => "no_identity_in_pdf",
            Self::PdfNikMismatch => "pdf_nik_mismatch",
            Self::PdfKkMismatch => "pdf_kk_mismatch",
            Self::PdfNotCitizen => "pdf_not_citizen",
            Self::NotFamilyDocument => "not_family_document",
            Self::PdfKindMismatch => "pdf_kind_mismatch",
        }
    }
}

/// Digits only (NIKs are often written with spaces or dots); must be 16 of them.
fn norm(s: &str) -> Result<String, OwnershipError> {
    let d: String = s.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
    if d.len() == 16 && d.bytes().all(|b| b.is_ascii_digit()) { Ok(d) } else { Err(OwnershipError::BadNumber) }
}

fn norm_opt(s: Option<&str>) -> Result<Option<String>, OwnershipError> {
    s.map(norm).transpose()
}

/// Checks that the document (server metadata `meta_*`, PDF `pdf_info`) is the signed-in
/// citizen's own, or is the KK of their family (same KK number).
pub fn check(
    meta_kind: DocKind,
    meta_owner_nik: &str,
    meta_kk: Option<&str>,
    pdf_info: &DocInfo,
    signed_in_nik: &str,
    signed_in_kk: Option<&str>,
) -> Result<(), OwnershipError> {
    let (meta_nik, meta_kk) = (norm(meta_owner_nik)?, norm_opt(meta_kk)?);
    let (me, my_kk) = (norm(signed_in_nik)?, norm_opt(signed_in_kk)?);
    let (pdf_nik, pdf_kk) = (norm_opt(pdf_info.nik.as_deref())?, norm_opt(pdf_info.kk.as_deref())?);
    // The signed PDF names its type (`/DocType`, `kk` or `KK`) where the issuer writes it;
    // it must not contradict the server. Without it, the server's kind decides.
    if let Some(t) = &pdf_info.doc_type
        && t.eq_ignore_ascii_case(DocKind::KartuKeluarga.code()) != (meta_kind == DocKind::KartuKeluarga)
    {
        return Err(OwnershipError::PdfKindMismatch);
    }
    let is_kk = meta_kind == DocKind::KartuKeluarga;
    let family = |kk: &Option<String>| is_kk && kk.is_some() && *kk == my_kk;
    if meta_nik != me && !family(&meta_kk) {
        let same_family = meta_kk.is_some() && meta_kk == my_kk;
        return Err(if same_family { OwnershipError::NotFamilyDocument } else { OwnershipError::MetadataNotCitizen });
    }
    if pdf_nik.is_none() && pdf_kk.is_none() {
        return Err(OwnershipError::NoIdentityInPdf);
    }
    if pdf_nik.as_ref().is_some_and(|n| *n != meta_nik) {
        return Err(OwnershipError::PdfNikMismatch);
    }
    if pdf_kk.is_some() && meta_kk.is_some() && pdf_kk != meta_kk {
        return Err(OwnershipError::PdfKkMismatch);
    }
    let pdf_is_mine = pdf_nik.as_ref().is_some_and(|n| *n == me) || family(&pdf_kk);
    if !pdf_is_mine {
        return Err(OwnershipError::PdfNotCitizen);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "3174055708900003";
    const MY_KK: &str = "3174050101120007";
    const CHILD: &str = "3174052005150002";
    const OTHER: &str = "3174051203850001";
    const OTHER_KK: &str = "3174050202150009";

    const KK: DocKind = DocKind::KartuKeluarga;
    const AKTA: DocKind = DocKind::AktaKelahiran;

    fn info(nik: Option<&str>, kk: Option<&str>) -> DocInfo {
        DocInfo { nik: nik.map(Into::into), kk: kk.map(Into::into), ..DocInfo::default() }
    }

    #[test]
    fn own_document_passes() {
        assert_eq!(check(AKTA, ME, Some(MY_KK), &info(Some(ME), Some(MY_KK)), ME, Some(MY_KK)), Ok(()));
        assert_eq!(check(AKTA, "3174 0557 0890 0003", None, &info(Some(ME), None), ME, None), Ok(()));
    }

    /// Was `family_member_document_passes`, which let any family member's document (an
    /// akta too) through; the server only shares the KK within a family.
    #[test]
    fn family_kk_passes() {
        // The KK's owner NIK is the head of family, here the child's record for brevity.
        assert_eq!(check(KK, CHILD, Some(MY_KK), &info(Some(CHILD), Some(MY_KK)), ME, Some(MY_KK)), Ok(()));
        assert_eq!(check(KK, CHILD, Some(MY_KK), &typed("kk", CHILD, MY_KK), ME, Some(MY_KK)), Ok(()));
    }

    #[test]
    fn mismatches_block() {
        use OwnershipError::*;
        assert_eq!(
            check(AKTA, OTHER, Some(OTHER_KK), &info(Some(OTHER), None), ME, Some(MY_KK)),
            Err(MetadataNotCitizen)
        );
        // Server says it is mine, but the PDF is someone else's (the Japanese mix-up).
        assert_eq!(
            check(AKTA, ME, Some(MY_KK), &info(Some(OTHER), Some(OTHER_KK)), ME, Some(MY_KK)),
            Err(PdfNikMismatch)
        );
        assert_eq!(check(AKTA, ME, Some(MY_KK), &info(Some(ME), Some(OTHER_KK)), ME, Some(MY_KK)), Err(PdfKkMismatch));
        assert_eq!(check(AKTA, ME, Some(MY_KK), &info(None, None), ME, Some(MY_KK)), Err(NoIdentityInPdf));
        assert_eq!(check(AKTA, ME, None, &info(Some(ME), None), "123", None), Err(BadNumber));
        // Family via KK claimed, but the signed-in citizen has no KK on record.
        assert_eq!(check(KK, CHILD, Some(MY_KK), &info(Some(CHILD), Some(MY_KK)), ME, None), Err(MetadataNotCitizen));
        // Server metadata and the signed PDF disagree about the type.
        assert_eq!(
            check(KK, ME, Some(MY_KK), &typed("akta-kelahiran", ME, MY_KK), ME, Some(MY_KK)),
            Err(PdfKindMismatch)
        );
        assert_eq!(check(AKTA, ME, Some(MY_KK), &typed("kk", ME, MY_KK), ME, Some(MY_KK)), Err(PdfKindMismatch));
    }

    fn typed(kind: &str, nik: &str, kk: &str) -> DocInfo {
        DocInfo { doc_type: Some(kind.into()), ..info(Some(nik), Some(kk)) }
    }

    #[test]
    fn another_family_members_akta_or_biodata_is_refused() {
        for kind in ["akta-kelahiran", "akta-kematian", "akta-perkawinan", "biodata"] {
            let k = DocKind::from_code(kind);
            let r = check(k, CHILD, Some(MY_KK), &typed(kind, CHILD, MY_KK), ME, Some(MY_KK));
            assert_eq!(r, Err(OwnershipError::NotFamilyDocument), "{kind}");
            // Also when the PDF does not name its type.
            let r = check(k, CHILD, Some(MY_KK), &info(Some(CHILD), Some(MY_KK)), ME, Some(MY_KK));
            assert_eq!(r, Err(OwnershipError::NotFamilyDocument), "{kind}");
        }
        // The server's metadata claims a family KK, but the signed PDF is an akta.
        let r = check(KK, CHILD, Some(MY_KK), &typed("akta-kelahiran", CHILD, MY_KK), ME, Some(MY_KK));
        assert_eq!(r, Err(OwnershipError::PdfKindMismatch));
    }
}
