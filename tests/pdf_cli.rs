//! The technician CLI: one JSON line per file, success only if every file is valid.

mod pdf_common;
use pdf_common as common;

use adm_kiosk::document::cli::verify_cli_at;
use common::*;

#[test]
fn prints_one_json_line_per_file() {
    let dir = fixtures_dir();
    let trust = [dir.join("pki/root.pem")];
    let files = [dir.join("valid-rsa.pdf"), dir.join("bad-content-swapped.pdf"), dir.join("missing.pdf")];
    let mut out = Vec::new();
    let all_valid = verify_cli_at(&trust, &[], None, &files, test_now(), &mut out);
    assert!(!all_valid);
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["verdict"], "valid");
    assert!(lines[0]["signer"].as_str().expect("signer").starts_with("CN="));
    assert!(lines[0]["file"].as_str().expect("file").ends_with("valid-rsa.pdf"));
    assert_eq!(lines[1]["verdict"], "modified");
    assert_eq!(lines[2]["verdict"], "malformed");
    for l in &lines {
        assert!(l["reason"].as_str().is_some_and(|r| !r.is_empty()));
    }
}

#[test]
fn succeeds_only_when_all_valid() {
    let dir = fixtures_dir();
    let trust = [dir.join("pki/root.pem")];
    let mut out = Vec::new();
    let files = [dir.join("valid-encrypted-pin.pdf")];
    assert!(verify_cli_at(&trust, &[], Some(&pin()), &files, test_now(), &mut out));
    // Without anchors nothing is valid.
    assert!(!verify_cli_at(&[], &[], None, &[dir.join("valid-rsa.pdf")], test_now(), &mut out));
    assert!(!verify_cli_at(&[dir.join("nope.pem")], &[], None, &[dir.join("valid-rsa.pdf")], test_now(), &mut out));
}
