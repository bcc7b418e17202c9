//! Ownership: a document may be printed only for the signed-in citizen or their family.
//!
//! MISSION.md: Japan's kiosks once printed *another person's* certificate under
//! near-simultaneous requests. So two independent sources must agree: the server's
//! metadata for the document, and the NIK/KK inside the signed PDF (read by
//! [`super::verify`] from the signed revision). On error the kiosk blocks printing,
//! writes an audit event and increments an alert metric labelled with
//! [`OwnershipError::metric_label`].

use thiserror::Error;

use super::verify::DocInfo;

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

/// Checks that the document (server metadata `meta_*`, PDF `pdf_info`) belongs to the
/// signed-in citizen or to a member of their family (same KK).
pub fn check(
    meta_owner_nik: &str,
    meta_kk: Option<&str>,
    pdf_info: &DocInfo,
    signed_in_nik: &str,
    signed_in_kk: Option<&str>,
) -> Result<(), OwnershipError> {
    let (meta_nik, meta_kk) = (norm(meta_owner_nik)?, norm_opt(meta_kk)?);
    let (me, my_kk) = (norm(signed_in_nik)?, norm_opt(signed_in_kk)?);
    let (pdf_nik, pdf_kk) = (norm_opt(pdf_info.nik.as_deref())?, norm_opt(pdf_info.kk.as_deref())?);
    let family = |kk: &Option<String>| kk.is_some() && *kk == my_kk;
    if meta_nik != me && !family(&meta_kk) {
        return Err(OwnershipError::MetadataNotCitizen);
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

    fn info(nik: Option<&str>, kk: Option<&str>) -> DocInfo {
        DocInfo { nik: nik.map(Into::into), kk: kk.map(Into::into), ..DocInfo::default() }
    }

    #[test]
    fn own_document_passes() {
        assert_eq!(check(ME, Some(MY_KK), &info(Some(ME), Some(MY_KK)), ME, Some(MY_KK)), Ok(()));
        assert_eq!(check("3174 0557 0890 0003", None, &info(Some(ME), None), ME, None), Ok(()));
    }

    #[test]
    fn family_member_document_passes() {
        assert_eq!(check(CHILD, Some(MY_KK), &info(Some(CHILD), Some(MY_KK)), ME, Some(MY_KK)), Ok(()));
    }

    #[test]
    fn mismatches_block() {
        use OwnershipError::*;
        assert_eq!(check(OTHER, Some(OTHER_KK), &info(Some(OTHER), None), ME, Some(MY_KK)), Err(MetadataNotCitizen));
        // Server says it is mine, but the PDF is someone else's (the Japanese mix-up).
        assert_eq!(check(ME, Some(MY_KK), &info(Some(OTHER), Some(OTHER_KK)), ME, Some(MY_KK)), Err(PdfNikMismatch));
        assert_eq!(check(ME, Some(MY_KK), &info(Some(ME), Some(OTHER_KK)), ME, Some(MY_KK)), Err(PdfKkMismatch));
        assert_eq!(check(ME, Some(MY_KK), &info(None, None), ME, Some(MY_KK)), Err(NoIdentityInPdf));
        assert_eq!(check(ME, None, &info(Some(ME), None), "123", None), Err(BadNumber));
        // Family via KK claimed, but the signed-in citizen has no KK on record.
        assert_eq!(check(CHILD, Some(MY_KK), &info(Some(CHILD), Some(MY_KK)), ME, None), Err(MetadataNotCitizen));
    }
}
