//! Does a document belong to the citizen who is signed in?

use crate::central::{Citizen, DocumentMeta};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("document does not belong to the signed-in citizen or their family")]
pub struct NotTheirs;

/// A document belongs to the citizen when it is about them (same NIK), or when it is a
/// family document of their family card (same KK number). Empty numbers never match.
pub fn belongs(doc_nik: &str, doc_kk: &str, citizen: &Citizen) -> bool {
    let same = |a: &str, b: &str| !a.is_empty() && a == b;
    same(doc_nik, &citizen.nik) || same(doc_kk, &citizen.kk)
}

/// Checks the server's own metadata. (The NIK/KK inside the signed PDF is checked too,
/// by the signature verifier, so a server that mixes up files is caught as well.)
pub fn check_metadata(meta: &DocumentMeta, citizen: &Citizen) -> Result<(), NotTheirs> {
    if belongs(&meta.owner_nik, &meta.kk, citizen) { Ok(()) } else { Err(NotTheirs) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn citizen() -> Citizen {
        Citizen { name: "A".into(), nik: "3201011505800001".into(), kk: "3201010101090001".into() }
    }

    #[test]
    fn own_document_or_family_document() {
        assert!(belongs("3201011505800001", "", &citizen()));
        assert!(belongs("3201015505820002", "3201010101090001", &citizen()));
    }

    #[test]
    fn someone_elses_document_is_refused() {
        assert!(!belongs("3201015505820002", "3201010101090009", &citizen()));
        assert!(!belongs("", "", &Citizen { name: "B".into(), nik: String::new(), kk: String::new() }));
    }
}
