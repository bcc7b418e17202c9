//! The outbox on a filesystem that fills up (a kiosk's data partition full): the write
//! that finds no room fails with an error, never a panic, and takes nothing with it; every
//! report queued before is still there and goes out once there is room again.
//!
//! The filesystem is a real one, a 1 MiB tmpfs, mounted in a private mount namespace of
//! its own (`unshare -Urm`: as root, or as any user where user namespaces are allowed),
//! so the test needs no privileges beyond that and leaves no mount behind.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use adm_central_client::api::PrintReportBody;
use adm_central_client::error::ClientError;
use adm_central_client::outbox::{LocalPrintRecord, Outbox, OutboxItem, OutboxTransport};

/// Set in the child that runs inside the namespace: the mounted folder.
const INNER: &str = "ADM_FULL_DISK_DIR";
const TEST: &str = "a_full_filesystem_loses_nothing_already_queued";

#[test]
fn a_full_filesystem_loses_nothing_already_queued() {
    if let Some(dir) = std::env::var_os(INNER) {
        return inside(Path::new(&dir));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new("unshare")
        .args(["-Urm", "--propagation", "private", "sh", "-c"])
        .arg(r#"mount -t tmpfs -o size=1m adm-full-disk "$1" && exec "$2" --exact "$3" --nocapture --test-threads 1"#)
        .arg("sh")
        .arg(dir.path())
        .arg(&exe)
        .arg(TEST)
        .env(INNER, dir.path())
        .output()
        .expect("unshare (util-linux) runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "inside the namespace:\n{text}");
    // The child really ran the test (not zero tests, filtered out by a wrong name).
    assert!(text.contains("1 passed"), "{text}");
    eprintln!("{}", text.lines().find(|l| l.starts_with("refused after")).unwrap_or_default());
}

struct Collect(Mutex<Vec<String>>);

impl OutboxTransport for Collect {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), ClientError> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(item.key.clone());
        Ok(())
    }
}

fn report(i: usize) -> (String, PrintReportBody) {
    let body = PrintReportBody {
        document_id: format!("DOCUMENT{i:02}"),
        grant_id: None,
        pages_printed: 1,
        completed: true,
        at: "2026-12-06T09:15:00+07:00".into(),
    };
    (format!("report-{i:04}"), body)
}

fn inside(dir: &Path) {
    let local = LocalPrintRecord { doc_kind: "kk".into(), printer: "a4".into(), outcome: "ok".into() };
    let path = dir.join("outbox.sqlite");
    let outbox = Outbox::open(&path).expect("outbox on the tmpfs");
    for i in 0..5 {
        let (key, body) = report(i);
        outbox.record_print(&local, &key, &body).expect("room at first");
    }
    // Fill what is left with ballast until the filesystem refuses another byte.
    let ballast = dir.join("ballast");
    let mut file = std::fs::File::create(&ballast).expect("ballast");
    let chunk = vec![0x5au8; 4096];
    while file.write_all(&chunk).and_then(|()| file.flush()).is_ok() {}
    drop(file);

    // Queue more until a write fails: an error, not a panic (SQLite may still have a
    // free page or two for the first ones).
    let mut queued = 5u64;
    let refused = (5..400).find_map(|i| {
        let (key, body) = report(i);
        match outbox.record_print(&local, &key, &body) {
            Ok(()) => {
                queued += 1;
                None
            }
            Err(e) => Some(e),
        }
    });
    let refused = refused.expect("a full filesystem refuses a write");
    eprintln!("refused after {queued} records: {refused}");
    assert_eq!(outbox.backlog().expect("backlog while full").count, queued);
    drop(outbox);

    // Opened again (as after a restart): everything queued before is there.
    let outbox = Outbox::open(&path).expect("reopen while full");
    assert_eq!(outbox.backlog().expect("backlog").count, queued);

    // Room again: new reports are queued, and every one goes out, oldest first.
    std::fs::remove_file(&ballast).expect("remove ballast");
    let (key, body) = report(999);
    outbox.record_print(&local, &key, &body).expect("room again");
    let sent = Collect(Mutex::new(vec![]));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio");
    let run = rt.block_on(outbox.deliver_pending(&sent)).expect("delivery");
    assert_eq!(run.sent as u64, queued + 1);
    let keys = sent.0.into_inner().unwrap_or_else(|e| e.into_inner());
    assert_eq!(keys.first().map(String::as_str), Some("report-0000"));
    assert_eq!(keys.last().map(String::as_str), Some("report-0999"));
    assert_eq!(outbox.backlog().expect("backlog").count, 0);
}
