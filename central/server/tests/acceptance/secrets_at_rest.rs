//! Issue #13, item 3: secrets on the server's disk are readable by their owner only —
//! kiosk private keys (`issue-kiosk`, the demo kiosk), and the database with its WAL
//! files — created that way, so there is no moment they are world-readable.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::common::*;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[tokio::test]
async fn database_and_demo_kiosk_key_are_private() {
    let server = server();
    // A request, so the WAL files exist.
    client(&server).sign_in_nik(JOKO.0, JOKO.1).await.unwrap();
    for name in ["kiosk.key", "central.sqlite", "central.sqlite-wal", "central.sqlite-shm"] {
        assert_eq!(mode(&server.state_dir.join(name)), 0o600, "{name}");
    }
}

#[test]
fn issue_kiosk_writes_a_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_adm-central"))
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .args(["issue-kiosk", "--kiosk-id", "ADM-TEST-K1", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(mode(&out.join("ADM-TEST-K1.key")), 0o600);
    assert_eq!(mode(&dir.path().join("state/central.sqlite")), 0o600);
}
