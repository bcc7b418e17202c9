//! How identifier numbers appear on paper and in logs: only what a person needs to tell
//! two papers apart, never enough to rebuild the number.
//!
//! The receipt driver applies these to its identifier fields whatever the caller passes,
//! so a caller that forgets to mask cannot put a full number on a receipt that ends up in
//! a bin; the kiosk and the central server mask their log lines with the same functions,
//! so paper and logs agree. The rules are about the *shape* of a number (keep a few
//! characters at the ends), not about what the number means.

/// Characters kept at the end of a masked number.
const TAIL: usize = 4;

/// An ID number (NIK, KK number: 16 digits) as `3201********0001`: the first four digits
/// (province + regency, printed on the receipt's site line anyway) and the last four
/// (serial) stay; the district and the birth date in between never show. Already masked
/// input comes back unchanged; anything else is masked completely.
pub fn id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let shaped = chars.len() == 16 && chars.iter().all(|c| c.is_ascii_digit() || *c == '*');
    if shaped {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[12..].iter().collect();
        format!("{head}********{tail}")
    } else {
        "*".repeat(chars.len().min(16))
    }
}

/// A document number (KK `3201010101090001`, akta `3201-LT-15051980-0001`) as `****0001`:
/// the last four letters or digits only. The start of such numbers is the region code and
/// the middle often a birth date: with the NIK's last digits, enough to rebuild a NIK.
/// Numbers too short to keep anything safely come out as `****`; already masked input
/// comes back unchanged.
pub fn document_number(number: &str) -> String {
    let kept: Vec<char> = number.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '*').collect();
    if kept.len() < 2 * TAIL {
        return if number.trim().is_empty() { String::new() } else { "*".repeat(TAIL) };
    }
    let tail: String = kept[kept.len() - TAIL..].iter().collect();
    format!("{}{tail}", "*".repeat(TAIL))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_keep_both_ends_only() {
        assert_eq!(id_number("3201011505800001"), "3201********0001");
        assert_eq!(id_number("3201********0001"), "3201********0001");
        assert_eq!(id_number("32010115"), "********");
        assert_eq!(id_number("abcdefghijklmnopqrstu"), "****************");
        assert_eq!(id_number(""), "");
    }

    #[test]
    fn document_numbers_keep_their_last_four_characters() {
        assert_eq!(document_number("3201010101090001"), "****0001");
        assert_eq!(document_number("3201-LT-15051980-0001"), "****0001");
        assert_eq!(document_number("474.1/12345/2019"), "****2019");
        assert_eq!(document_number("****0001"), "****0001");
        assert_eq!(document_number("AB-12"), "****");
        assert_eq!(document_number(""), "");
    }
}
