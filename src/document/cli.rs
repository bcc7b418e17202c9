//! `adm-kiosk verify-pdf --trust <anchor.pem>... [--crl <crl>...] [--password <pin>]
//! <file.pdf>...` for technicians and tests: one JSON line per file, true only if every
//! file is valid.

use std::io::Write;
use std::path::PathBuf;
use std::time::SystemTime;

use serde::Serialize;

use super::verify::{RevocationSet, RevocationStatus, TrustAnchors, Verdict, verify_with};

#[derive(Serialize)]
struct Line<'a> {
    file: String,
    verdict: Verdict,
    signer: Option<&'a str>,
    reason: &'a str,
    /// What the CRLs (`--crl` and the PDF's /DSS) said about the signer's path.
    revocation: RevocationStatus,
}

/// Verifies each file at the machine's current time. `crls` are CRL files (PEM or DER),
/// checked like those the central server delivers. Unreadable anchors or CRLs make
/// every file "untrusted" (and are reported on each line) rather than aborting.
pub fn verify_cli(
    trust: &[PathBuf],
    crls: &[PathBuf],
    password: Option<&str>,
    files: &[PathBuf],
    out: &mut impl Write,
) -> bool {
    verify_cli_at(trust, crls, password, files, SystemTime::now(), out)
}

/// As [`verify_cli`] with an explicit time (tests).
pub fn verify_cli_at(
    trust: &[PathBuf],
    crls: &[PathBuf],
    password: Option<&str>,
    files: &[PathBuf],
    now: SystemTime,
    out: &mut impl Write,
) -> bool {
    let mut anchors = TrustAnchors::default();
    let mut problem = None;
    for p in trust {
        match std::fs::read(p).map_err(|e| e.to_string()).and_then(|b| anchors.add_pem(&b).map_err(|e| e.to_string())) {
            Ok(()) => {}
            Err(e) => problem = Some(format!("trust anchor {}: {e}", p.display())),
        }
    }
    if anchors.is_empty() && problem.is_none() {
        problem = Some("no trust anchor given (--trust)".into());
    }
    let mut revocation = RevocationSet::default();
    for p in crls {
        // A CRL the technician named but that cannot be used must not pass silently as
        // "not revoked".
        if let Err(e) =
            std::fs::read(p).map_err(|e| e.to_string()).and_then(|b| revocation.add(&b).map_err(|e| e.to_string()))
        {
            problem = Some(format!("CRL {}: {e}", p.display()));
        }
    }
    let mut all_valid = !files.is_empty();
    for f in files {
        let file = f.display().to_string();
        let line = match (std::fs::read(f), &problem) {
            (_, Some(problem)) => (Verdict::Untrusted, None, problem.clone(), RevocationStatus::NotChecked),
            (Err(e), None) => {
                (Verdict::Malformed, None, format!("cannot read file: {e}"), RevocationStatus::NotChecked)
            }
            (Ok(bytes), None) => {
                let r = verify_with(&bytes, password, &anchors, &revocation, now);
                (r.verdict, r.signer, r.reason, r.revocation)
            }
        };
        all_valid &= line.0 == Verdict::Valid;
        let json = Line { file, verdict: line.0, signer: line.1.as_deref(), reason: &line.2, revocation: line.3 };
        let ok = serde_json::to_string(&json).map(|s| writeln!(out, "{s}"));
        if !matches!(ok, Ok(Ok(()))) {
            all_valid = false;
        }
    }
    all_valid
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::verify::test_pki::{Pki, now};

    fn lines(out: &[u8]) -> Vec<serde_json::Value> {
        String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
    }

    #[test]
    fn crl_files_pem_or_der_make_a_revoked_signer_untrusted() {
        let pki = Pki::new();
        let leaf = pki.signer(20, |_| {});
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).expect("write");
            p
        };
        let root = write("root.pem", pki.root.pem.as_bytes());
        let pdf = write("doc.pdf", &pki.sign(&leaf));
        let der = pki.inter.crl(&[&leaf.serial], (2026, 1, 1), (2026, 5, 25), (2026, 6, 8));
        let crl_der = write("signer.crl", &der);
        let pem = der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, &der).expect("PEM");
        let crl_pem = write("signer.crl.pem", pem.as_bytes());
        let garbage = write("garbage.crl", b"not a CRL");

        let mut out = Vec::new();
        assert!(verify_cli_at(std::slice::from_ref(&root), &[], None, std::slice::from_ref(&pdf), now(), &mut out));
        assert_eq!(lines(&out)[0]["revocation"], "unknown");
        for crl in [&crl_der, &crl_pem] {
            let mut out = Vec::new();
            assert!(!verify_cli_at(
                std::slice::from_ref(&root),
                std::slice::from_ref(crl),
                None,
                std::slice::from_ref(&pdf),
                now(),
                &mut out,
            ));
            let l = &lines(&out)[0];
            assert_eq!(l["verdict"], "untrusted");
            assert!(l["reason"].as_str().is_some_and(|r| r.contains("revoked")), "{l}");
        }
        let mut out = Vec::new();
        assert!(!verify_cli_at(&[root], &[garbage], None, &[pdf], now(), &mut out));
        assert!(lines(&out)[0]["reason"].as_str().is_some_and(|r| r.starts_with("CRL ")));
    }
}
