//! Shared by the integration tests: where the corpus is, and how to read its manifest.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use adm_kiosk::document::TrustAnchors;
use serde_json::Value;

/// The pyHanko corpus (tests/fixtures/pdf, made by make-corpus.py). Adjust in one place.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf")
}

pub fn manifest() -> Value {
    let text = std::fs::read_to_string(fixtures_dir().join("manifest.json")).expect("manifest.json readable");
    serde_json::from_str(&text).expect("manifest.json is JSON")
}

pub fn anchors() -> TrustAnchors {
    let pem = std::fs::read(fixtures_dir().join("pki/root.pem")).expect("root.pem readable");
    TrustAnchors::from_pem(&pem).expect("root.pem parses")
}

/// The manifest's fixed "now" (2026-06-01T00:00:00Z).
pub fn test_now() -> SystemTime {
    assert_eq!(manifest()["now"], "2026-06-01T00:00:00Z");
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_272_000)
}

pub fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).expect("fixture readable")
}

pub fn pin() -> String {
    manifest()["pin"].as_str().expect("pin in manifest").to_owned()
}
