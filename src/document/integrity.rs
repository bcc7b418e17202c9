//! The downloaded bytes are the ones the server listed (size and SHA-256).

use sha2::{Digest, Sha256};

use crate::central::DocumentMeta;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrityError {
    #[error("size {got} differs from the announced {want}")]
    Size { got: u64, want: u64 },
    #[error("SHA-256 differs from the announced one")]
    Digest,
}

pub fn check(pdf: &[u8], meta: &DocumentMeta) -> Result<(), IntegrityError> {
    check_listed(pdf, meta.size, &meta.sha256)
}

/// The bytes have the size and SHA-256 (hex) a listing announced.
pub fn check_listed(pdf: &[u8], size: u64, sha256: &str) -> Result<(), IntegrityError> {
    let got = pdf.len() as u64;
    if got != size {
        return Err(IntegrityError::Size { got, want: size });
    }
    let digest = hex::encode(Sha256::digest(pdf));
    if !digest.eq_ignore_ascii_case(sha256) {
        return Err(IntegrityError::Digest);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::central::DocKind;

    fn meta(pdf: &[u8]) -> DocumentMeta {
        DocumentMeta {
            id: "d".into(),
            kind: DocKind::Biodata,
            number: "1".into(),
            issued: "2024-01-01".into(),
            pages: 1,
            prints_left: 1,
            reprint_unlimited: false,
            sha256: hex::encode(Sha256::digest(pdf)),
            size: pdf.len() as u64,
            owner_nik: String::new(),
            kk: String::new(),
        }
    }

    #[test]
    fn accepts_the_announced_bytes_and_refuses_others() {
        let m = meta(b"%PDF-1.7 hello");
        assert_eq!(check(b"%PDF-1.7 hello", &m), Ok(()));
        assert_eq!(check(b"%PDF-1.7 hellp", &m), Err(IntegrityError::Digest));
        assert!(matches!(check(b"%PDF", &m), Err(IntegrityError::Size { .. })));
    }
}
