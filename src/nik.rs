//! NIK (Nomor Induk Kependudukan) shape validation, done before any network call.
//!
//! A NIK is 16 digits `PP KK CC DDMMYY SSSS`: province, regency, district (where the
//! person was first registered), birth date with 40 added to the day for women, and a
//! serial. There is no checksum, and the NIK is not reissued when a birth date or sex is
//! corrected — so anything beyond these shape rules must NOT be rejected (no calendar
//! check: 31-02 stays acceptable; no check that the region still exists).

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Why a typed NIK was refused. Each has its own message on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NikError {
    /// Fewer or more than 16 digits.
    Length,
    /// Something other than a digit.
    NotDigits,
    /// Province code 00, regency code 00, or district code 00.
    Region,
    /// Day of birth not 01–31 (men) or 41–71 (women).
    Day,
    /// Month of birth not 01–12.
    Month,
    /// Serial 0000.
    Serial,
}

impl NikError {
    /// Stable code shared with the UI, which owns the translated message.
    pub fn code(self) -> i32 {
        match self {
            NikError::Length => 1,
            NikError::NotDigits => 2,
            NikError::Region => 3,
            NikError::Day => 4,
            NikError::Month => 5,
            NikError::Serial => 6,
        }
    }
}

/// A NIK whose shape has been checked. Wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Nik(String);

impl Nik {
    pub fn parse(input: &str) -> Result<Nik, NikError> {
        if !input.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NikError::NotDigits);
        }
        if input.len() != 16 {
            return Err(NikError::Length);
        }
        let d = input.as_bytes();
        let two = |i: usize| u32::from(d[i] - b'0') * 10 + u32::from(d[i + 1] - b'0');
        // Province codes start at 11 (Aceh); 00 can never be a region. Regency and
        // district codes are numbered from 01 within their parent.
        if two(0) < 11 || two(2) == 0 || two(4) == 0 {
            return Err(NikError::Region);
        }
        let day = two(6);
        if !((1..=31).contains(&day) || (41..=71).contains(&day)) {
            return Err(NikError::Day);
        }
        if !(1..=12).contains(&two(8)) {
            return Err(NikError::Month);
        }
        if &input[12..] == "0000" {
            return Err(NikError::Serial);
        }
        Ok(Nik(input.to_owned()))
    }

    pub fn digits(&self) -> &str {
        &self.0
    }

    /// `3201********0123`: what logs and receipts show.
    pub fn masked(&self) -> String {
        adm_text::mask::id_number(&self.0)
    }
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_men_and_women() {
        assert!(Nik::parse("3201011505800001").is_ok());
        // Women: day + 40.
        assert!(Nik::parse("3201015505800002").is_ok());
        assert!(Nik::parse("3201017112999999").is_ok());
    }

    #[test]
    fn does_not_reject_beyond_the_shape_rules() {
        // 31 February: the NIK is not reissued when a birth date is corrected.
        assert!(Nik::parse("3201013102800001").is_ok());
        // 71 = 31 + 40 for a woman, in a 30-day month.
        assert!(Nik::parse("3201017104800001").is_ok());
    }

    #[test]
    fn refuses_each_shape_problem_with_its_reason() {
        let cases = [
            ("320101150580000", NikError::Length),
            ("32010115058000011", NikError::Length),
            ("", NikError::Length),
            ("32010115058O0001", NikError::NotDigits),
            ("3201 11505800001", NikError::NotDigits),
            ("0001011505800001", NikError::Region),
            ("1001011505800001", NikError::Region),
            ("3200011505800001", NikError::Region),
            ("3201001505800001", NikError::Region),
            ("3201010005800001", NikError::Day),
            ("3201013205800001", NikError::Day),
            ("3201014005800001", NikError::Day),
            ("3201017205800001", NikError::Day),
            ("3201011500800001", NikError::Month),
            ("3201011513800001", NikError::Month),
            ("3201011505800000", NikError::Serial),
        ];
        for (input, want) in cases {
            assert_eq!(Nik::parse(input), Err(want), "{input}");
        }
    }

    #[test]
    fn debug_output_is_masked() {
        let nik = Nik::parse("3201011505800001").expect("valid");
        assert_eq!(format!("{nik:?}"), "Nik(3201********0001)");
    }
}
