//! Logging (and, later, metrics). Personal data never reaches a log line unmasked.

pub mod log;

/// Masks a NIK (or KK number) for logs and receipts: `3201********0123`.
///
/// The first four digits (province + regency) and the last four (serial) are kept so a
/// technician can tell records apart; the birth date in the middle is hidden. Anything
/// that is not exactly 16 ASCII digits is masked completely.
pub fn mask_nik(nik: &str) -> String {
    if nik.len() == 16 && nik.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}********{}", &nik[..4], &nik[12..])
    } else {
        "*".repeat(nik.chars().count().min(16))
    }
}

#[cfg(test)]
mod tests {
    use super::mask_nik;

    #[test]
    fn masks_the_middle_of_a_nik() {
        assert_eq!(mask_nik("3201011505800123"), "3201********0123");
    }

    #[test]
    fn masks_anything_else_completely() {
        assert_eq!(mask_nik("32010115"), "********");
        assert_eq!(mask_nik("abcdefghijklmnopqrstu"), "****************");
    }
}
