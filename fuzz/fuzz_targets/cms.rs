//! The CMS/DER walker: a signature's `/Contents` (BER or DER, zero padded) → SignedData,
//! the signer's signature over a fixed digest, the certificate path to the fixture root,
//! the same bytes as an RFC 3161 token, a certificate and a CRL. Nothing may panic; a
//! signature over a digest nobody signed must never verify.
#![no_main]

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use adm_pdf_verify::chain::{self, Purpose};
use adm_pdf_verify::{Crl, TrustAnchors, cert::Cert, cms, tsp};
use libfuzzer_sys::fuzz_target;

static ANCHORS: LazyLock<TrustAnchors> = LazyLock::new(|| {
    TrustAnchors::from_pem(include_bytes!("../../tests/fixtures/pdf/pki/root.pem")).expect("fixture root parses")
});

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_272_000)
}

fuzz_target!(|contents: &[u8]| {
    let _ = Cert::from_der(contents);
    let _ = Crl::from_der(contents);
    let Ok(der) = cms::normalize_contents(contents) else { return };
    let _ = tsp::verify_token(&der, |alg| alg.digest(&[b"fuzz".as_slice()]), &ANCHORS, now());
    let Ok(sd) = cms::parse(&der) else { return };
    // No fixture signed this digest (SHA-x of "not signed by anyone"): forging it would
    // take breaking the signature algorithm.
    let digest = sd.signer.digest.digest(&[b"not signed by anyone".as_slice()]);
    for cades in [false, true] {
        if let Ok(cert) = sd.verify_signer(&digest, cades) {
            panic!("a signature over an unsigned digest verified (signer {})", cert.subject_string());
        }
    }
    for leaf in &sd.certs {
        let _ = chain::validate(leaf, &sd.certs, &ANCHORS, now(), Purpose::DocumentSigning, None);
    }
});
