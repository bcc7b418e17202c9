//! Acceptance 2: random byte flips inside the signed ranges never give "valid"; truncated
//! and garbage input never panics. Deterministic (fixed-seed xorshift), bounded.

mod pdf_common;
use pdf_common as common;

use adm_kiosk::document::{Verdict, verify};
use common::*;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).expect("fits")).expect("fits")
    }
}

/// All `/ByteRange [a b c d]` arrays in the file (test-side parsing, independent of tte).
fn signed_ranges(pdf: &[u8]) -> Vec<[usize; 4]> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/ByteRange")
        .filter_map(|(i, _)| {
            let rest = text.get(i..)?;
            let open = rest.find('[')?;
            let close = rest.find(']')?;
            let nums: Vec<usize> =
                rest.get(open + 1..close)?.split_whitespace().filter_map(|n| n.parse().ok()).collect();
            nums.try_into().ok()
        })
        .collect()
}

#[test]
fn flips_inside_signed_ranges_are_never_valid() {
    let anchors = anchors();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for name in [
        "valid-rsa.pdf",
        "valid-p256-sha384.pdf",
        "valid-b-t.pdf",
        "valid-two-signatures.pdf",
        "valid-encrypted-pin.pdf",
    ] {
        let original = read(name);
        let password = if name.contains("encrypted") { Some(pin()) } else { None };
        assert_eq!(verify(&original, password.as_deref(), &anchors, test_now()).verdict, Verdict::Valid, "{name}");
        let ranges = signed_ranges(&original);
        assert!(!ranges.is_empty(), "{name}");
        for _ in 0..20 {
            let [_, b, c, d] = ranges[rng.below(ranges.len())];
            // Pick a byte in [0, b) ∪ [c, c + d).
            let k = rng.below(b + d);
            let pos = if k < b { k } else { c + (k - b) };
            let mut pdf = original.clone();
            let mask = u8::try_from(rng.below(255) + 1).expect("1..=255");
            pdf[pos] ^= mask;
            let r = verify(&pdf, password.as_deref(), &anchors, test_now());
            assert_ne!(r.verdict, Verdict::Valid, "{name}: flip {mask:#04x} at {pos} still valid");
        }
    }
}

#[test]
fn truncated_and_garbage_input_never_panics() {
    let anchors = anchors();
    let mut rng = XorShift(0x0123_4567_89AB_CDEF);
    let original = read("valid-b-lta.pdf");
    for i in 0..60 {
        let cut = original.len() * i / 60 + rng.below(97);
        let r = verify(original.get(..cut).unwrap_or(&original), None, &anchors, test_now());
        assert!(cut >= original.len() || r.verdict != Verdict::Valid, "truncated at {cut} still valid");
    }
    for _ in 0..60 {
        let len = rng.below(4096);
        let mut junk: Vec<u8> = (0..len).map(|_| u8::try_from(rng.below(256)).expect("byte")).collect();
        if rng.below(2) == 0 {
            junk.splice(0..0, b"%PDF-1.7\n".iter().copied());
        }
        assert_ne!(verify(&junk, None, &anchors, test_now()).verdict, Verdict::Valid);
    }
    // Garbage spliced into a real file's structure (xref, CMS, dictionaries).
    for _ in 0..60 {
        let mut pdf = original.clone();
        let at = rng.below(pdf.len());
        let n = rng.below(64) + 1;
        for j in 0..n {
            if let Some(b) = pdf.get_mut(at + j) {
                *b = u8::try_from(rng.below(256)).expect("byte");
            }
        }
        let _ = verify(&pdf, None, &anchors, test_now());
    }
}
