//! `adm-kiosk verify-pdf --trust <anchor.pem>... [--password <pin>] <file.pdf>...` for
//! technicians and tests: one JSON line per file, true only if every file is valid.

use std::io::Write;
use std::path::PathBuf;
use std::time::SystemTime;

use serde::Serialize;

use super::verify::{TrustAnchors, Verdict, verify};

#[derive(Serialize)]
struct Line<'a> {
    file: String,
    verdict: Verdict,
    signer: Option<&'a str>,
    reason: &'a str,
}

/// Verifies each file at the machine's current time. Unreadable anchors make every file
/// "untrusted" (and are reported on each line) rather than aborting.
pub fn verify_cli(trust: &[PathBuf], password: Option<&str>, files: &[PathBuf], out: &mut impl Write) -> bool {
    verify_cli_at(trust, password, files, SystemTime::now(), out)
}

/// As [`verify_cli`] with an explicit time (tests).
pub fn verify_cli_at(
    trust: &[PathBuf],
    password: Option<&str>,
    files: &[PathBuf],
    now: SystemTime,
    out: &mut impl Write,
) -> bool {
    let mut anchors = TrustAnchors::default();
    let mut anchor_problem = None;
    for p in trust {
        match std::fs::read(p).map_err(|e| e.to_string()).and_then(|b| anchors.add_pem(&b).map_err(|e| e.to_string())) {
            Ok(()) => {}
            Err(e) => anchor_problem = Some(format!("trust anchor {}: {e}", p.display())),
        }
    }
    if anchors.is_empty() && anchor_problem.is_none() {
        anchor_problem = Some("no trust anchor given (--trust)".into());
    }
    let mut all_valid = !files.is_empty();
    for f in files {
        let file = f.display().to_string();
        let line = match (std::fs::read(f), &anchor_problem) {
            (_, Some(problem)) => (Verdict::Untrusted, None, problem.clone()),
            (Err(e), None) => (Verdict::Malformed, None, format!("cannot read file: {e}")),
            (Ok(bytes), None) => {
                let r = verify(&bytes, password, &anchors, now);
                (r.verdict, r.signer, r.reason)
            }
        };
        all_valid &= line.0 == Verdict::Valid;
        let json = Line { file, verdict: line.0, signer: line.1.as_deref(), reason: &line.2 };
        let ok = serde_json::to_string(&json).map(|s| writeln!(out, "{s}"));
        if !matches!(ok, Ok(Ok(()))) {
            all_valid = false;
        }
    }
    all_valid
}
