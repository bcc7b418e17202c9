//! A whole PDF → the verifier's verdict, as `document::check` asks for it (trusted time,
//! configured anchors, no password). Beyond "no panic": a fuzzed PDF is never `valid`
//! unless, for every signature, the bytes it signs are exactly the signed bytes of a
//! revision of one of the valid fixtures. The comparison is textual (the fixtures'
//! `/ByteRange`s, read here from the known-good files), not by the verifier's own
//! byte-range code, so a bug there cannot hide itself.
#![no_main]

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use adm_pdf_verify::{RevocationSet, TrustAnchors, Verdict, verify_with};
use libfuzzer_sys::fuzz_target;

/// The fixtures the verifier finds valid without a password.
const VALID: &[&[u8]] = &[
    include_bytes!("../../tests/fixtures/pdf/valid-b-lta.pdf"),
    include_bytes!("../../tests/fixtures/pdf/valid-b-t.pdf"),
    include_bytes!("../../tests/fixtures/pdf/valid-ber.pdf"),
    include_bytes!("../../tests/fixtures/pdf/valid-dss-update.pdf"),
    include_bytes!("../../tests/fixtures/pdf/valid-expired-signer-with-timestamp.pdf"),
    include_bytes!("../../tests/fixtures/pdf/valid-other-citizen.pdf"),
    include_bytes!("../../tests/fixtures/pdf/valid-p256-sha384.pdf"),
    include_bytes!("../../tests/fixtures/pdf/valid-p256.pdf"),
    include_bytes!("../../tests/fixtures/pdf/valid-p384.pdf"),
    include_bytes!("../../tests/fixtures/pdf/valid-rsa-pss.pdf"),
    include_bytes!("../../tests/fixtures/pdf/valid-rsa.pdf"),
    include_bytes!("../../tests/fixtures/pdf/valid-two-signatures.pdf"),
];

/// The corpus' fixed "now" (manifest.json: 2026-06-01T00:00:00Z).
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_272_000)
}

static ANCHORS: LazyLock<TrustAnchors> = LazyLock::new(|| {
    TrustAnchors::from_pem(include_bytes!("../../tests/fixtures/pdf/pki/root.pem")).expect("fixture root parses")
});

/// One signed revision of a valid fixture: its first `end` bytes, of which
/// `hole` (the `/Contents` value) is not signed.
struct SignedRevision {
    bytes: &'static [u8],
    hole: (usize, usize),
}

impl SignedRevision {
    fn end(&self) -> usize {
        self.bytes.len()
    }

    /// `pdf` carries exactly these signed bytes at the same offsets.
    fn signed_bytes_unchanged(&self, pdf: &[u8]) -> bool {
        let (a, b) = self.hole;
        pdf.len() >= self.end() && pdf[..a] == self.bytes[..a] && pdf[b..self.end()] == self.bytes[b..]
    }
}

/// Every `/ByteRange [a b c d]` of a known-good fixture.
fn byte_ranges(pdf: &'static [u8]) -> Vec<SignedRevision> {
    let key = b"/ByteRange";
    let mut out = Vec::new();
    for at in (0..pdf.len().saturating_sub(key.len())).filter(|&i| pdf[i..].starts_with(key)) {
        let rest = &pdf[at + key.len()..];
        let Some(close) = rest.iter().position(|&c| c == b']') else { continue };
        let text = String::from_utf8_lossy(&rest[..close]);
        let n: Vec<usize> =
            text.trim().trim_start_matches('[').split_whitespace().filter_map(|w| w.parse().ok()).collect();
        if let [0, len1, start2, len2] = n[..] {
            out.push(SignedRevision { bytes: &pdf[..start2 + len2], hole: (len1, start2) });
        }
    }
    out
}

static SIGNED: LazyLock<Vec<SignedRevision>> = LazyLock::new(|| {
    let revisions: Vec<SignedRevision> = VALID.iter().flat_map(|pdf| byte_ranges(pdf)).collect();
    assert!(revisions.len() >= VALID.len(), "every valid fixture has a /ByteRange");
    revisions
});

fuzz_target!(|pdf: &[u8]| {
    let report = verify_with(pdf, None, &ANCHORS, &RevocationSet::default(), now());
    if report.verdict != Verdict::Valid {
        return;
    }
    for sig in &report.signatures {
        let known = SIGNED.iter().any(|r| r.end() == sig.covers_bytes && r.signed_bytes_unchanged(pdf));
        assert!(
            known,
            "valid, but signature {:?} covers {} bytes that no valid fixture signed",
            sig.field, sig.covers_bytes
        );
    }
    assert!(!report.signatures.is_empty(), "valid without a signature");
});
