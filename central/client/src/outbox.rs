//! Durable outbox for print reports and audit events.
//!
//! A print report is written in the same SQLite transaction as the kiosk's local print
//! record, so the two can never disagree after a crash or power cut. Records are sent
//! oldest first, each under its own idempotency key (the report or event id, identical on
//! every retry), and marked sent only after a 2xx; the server upserts on the key, so a
//! record whose 2xx was lost is counted once however often it is re-sent.
//!
//! `synchronous=FULL` is deliberate: with NORMAL, a power-cut test lost confirmed records.

use std::future::Future;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, Transaction, params};

pub use rusqlite;

use crate::api::{AuditEventBody, PrintReportBody, shape};
use crate::client::CentralClient;
use crate::error::ClientError;

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("outbox database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("a record with key {0} is already in the outbox")]
    Duplicate(String),
    #[error("invalid record: {0}")]
    Invalid(&'static str),
}

/// What the kiosk keeps locally about one print (no personal data: no NIK, no name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPrintRecord {
    /// Document kind code (`kk`, `akta-kelahiran`, …), for local statistics.
    pub doc_kind: String,
    /// Which printer produced it.
    pub printer: String,
    /// Short outcome text for the technician (e.g. `ok`, `media-jam after page 1`).
    pub outcome: String,
}

/// One queued record, as handed to the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxPayload {
    Print(PrintReportBody),
    Audit(AuditEventBody),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Idempotency key: the report id or the event id.
    pub key: String,
    pub payload: OutboxPayload,
}

/// Something that can deliver outbox items (the real client, or a test double).
pub trait OutboxTransport {
    fn deliver(&self, item: &OutboxItem) -> impl Future<Output = Result<(), ClientError>> + Send;
}

impl OutboxTransport for CentralClient {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), ClientError> {
        match &item.payload {
            OutboxPayload::Print(body) => self.report_print(&item.key, body).await.map(|_| ()),
            OutboxPayload::Audit(body) => self.send_audit(&item.key, body).await.map(|_| ()),
        }
    }
}

/// Result of one delivery run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Records the server refused as malformed: set aside, never retried.
    pub rejected: usize,
    /// Why the run stopped early (a transient failure: the rest waits for the next run).
    pub stopped_by: Option<ClientError>,
}

/// How much is waiting (for the fleet dashboard and the maintenance menu).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backlog {
    pub count: u64,
    pub oldest_age: Option<Duration>,
    pub rejected: u64,
}

pub struct Outbox {
    conn: Mutex<Connection>,
}

/// Most records handed to the transport in one run, so one call stays bounded in time.
const MAX_PER_RUN: usize = 500;
const BATCH: usize = 50;

/// Most memory the outbox's page cache may hold, in KiB. A page cache fills up to its
/// bound as the file grows (every print adds rows, and `print_log` keeps them), so with
/// SQLite's default (2,000 KiB a connection) a kiosk's memory would creep up for weeks
/// before it stops: in the soak (issue #17) the page caches were the growth RSS showed,
/// some 2 KiB a session. The outbox's work touches the newest rows and their indexes,
/// which a small cache holds many times over; a page not cached is read back from the
/// OS's page cache.
pub const CACHE_KIB: u32 = 512;

impl Outbox {
    pub fn open(path: &Path) -> Result<Self, OutboxError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // journal_mode answers with a row, so it cannot go through execute_batch.
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode, "outbox database is not in WAL mode");
        }
        conn.execute_batch(&format!("PRAGMA cache_size=-{CACHE_KIB};"))?;
        conn.execute_batch(
            "PRAGMA synchronous=FULL;
             PRAGMA foreign_keys=ON;
             CREATE TABLE IF NOT EXISTS print_log (
                 report_id     TEXT PRIMARY KEY,
                 document_id   TEXT NOT NULL,
                 doc_kind      TEXT NOT NULL,
                 pages_printed INTEGER NOT NULL,
                 completed     INTEGER NOT NULL,
                 at            TEXT NOT NULL,
                 printer       TEXT NOT NULL,
                 outcome       TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS outbox (
                 seq        INTEGER PRIMARY KEY AUTOINCREMENT,
                 kind       TEXT NOT NULL CHECK (kind IN ('print', 'audit')),
                 key        TEXT NOT NULL UNIQUE,
                 payload    TEXT NOT NULL,
                 created_ms INTEGER NOT NULL,
                 attempts   INTEGER NOT NULL DEFAULT 0,
                 last_error TEXT,
                 state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'rejected')),
                 sent_ms    INTEGER
             );
             CREATE INDEX IF NOT EXISTS outbox_state_seq ON outbox(state, seq);",
        )?;
        Ok(Outbox { conn: Mutex::new(conn) })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic elsewhere while holding the lock leaves SQLite consistent (transactions
        // roll back on drop), so the poisoned guard is safe to reuse.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a print locally and queues its report, atomically.
    pub fn record_print(
        &self,
        local: &LocalPrintRecord,
        report_id: &str,
        report: &PrintReportBody,
    ) -> Result<(), OutboxError> {
        self.record_print_with(report_id, report, |tx| {
            tx.execute(
                "INSERT INTO print_log (report_id, document_id, doc_kind, pages_printed, completed, at, printer, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    report_id,
                    report.document_id,
                    local.doc_kind,
                    report.pages_printed,
                    report.completed,
                    report.at,
                    local.printer,
                    local.outcome
                ],
            )?;
            Ok(())
        })
    }

    /// Queues a print report together with whatever local rows `write_local` adds, in one
    /// transaction (for callers that keep their own print table in this database).
    pub fn record_print_with<F>(
        &self,
        report_id: &str,
        report: &PrintReportBody,
        write_local: F,
    ) -> Result<(), OutboxError>
    where
        F: FnOnce(&Transaction<'_>) -> rusqlite::Result<()>,
    {
        if !shape::is_id(report_id) {
            return Err(OutboxError::Invalid("report id must be 8-64 characters [A-Za-z0-9_-]"));
        }
        let payload = serde_json::to_string(report).map_err(|_| OutboxError::Invalid("unserialisable report"))?;
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        write_local(&tx).map_err(|e| duplicate_or(e, report_id))?;
        insert_item(&tx, "print", report_id, &payload)?;
        tx.commit()?;
        Ok(())
    }

    /// Queues an audit event.
    pub fn enqueue_audit(&self, event_id: &str, event: &AuditEventBody) -> Result<(), OutboxError> {
        if !shape::is_id(event_id) {
            return Err(OutboxError::Invalid("event id must be 8-64 characters [A-Za-z0-9_-]"));
        }
        let payload = serde_json::to_string(event).map_err(|_| OutboxError::Invalid("unserialisable event"))?;
        let conn = self.lock();
        insert_item(&conn, "audit", event_id, &payload)
    }

    /// Sends pending records, oldest first, until the queue is empty, a transient failure
    /// stops the run (the rest keeps its order for next time), or `MAX_PER_RUN` were tried.
    pub async fn deliver_pending<T: OutboxTransport>(&self, transport: &T) -> Result<DeliveryReport, OutboxError> {
        let mut report = DeliveryReport::default();
        let mut tried = 0;
        while tried < MAX_PER_RUN {
            let batch = self.pending_batch()?;
            if batch.is_empty() {
                break;
            }
            for (seq, item) in batch {
                tried += 1;
                let item = match item {
                    Some(item) => item,
                    None => {
                        self.mark(seq, Mark::Rejected("unreadable payload"))?;
                        report.rejected += 1;
                        continue;
                    }
                };
                match transport.deliver(&item).await {
                    Ok(()) => {
                        self.mark(seq, Mark::Sent)?;
                        report.sent += 1;
                    }
                    Err(err) if err.is_transient() => {
                        self.mark(seq, Mark::Failed(&err.to_string()))?;
                        report.stopped_by = Some(err);
                        return Ok(report);
                    }
                    Err(err) => {
                        tracing::warn!(key = %item.key, error = %err, "central refused an outbox record; set aside");
                        self.mark(seq, Mark::Rejected(&err.to_string()))?;
                        report.rejected += 1;
                    }
                }
            }
        }
        Ok(report)
    }

    pub fn backlog(&self) -> Result<Backlog, OutboxError> {
        let conn = self.lock();
        let (count, oldest): (u64, Option<i64>) =
            conn.query_row("SELECT COUNT(*), MIN(created_ms) FROM outbox WHERE state = 'pending'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let rejected: u64 = conn.query_row("SELECT COUNT(*) FROM outbox WHERE state = 'rejected'", [], |r| r.get(0))?;
        let oldest_age = oldest.map(|ms| Duration::from_millis(now_ms().saturating_sub(ms).max(0) as u64));
        Ok(Backlog { count, oldest_age, rejected })
    }

    /// Forgets records delivered longer ago than `older_than` (the server has them).
    pub fn prune_sent(&self, older_than: Duration) -> Result<usize, OutboxError> {
        let cutoff = now_ms().saturating_sub(i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX));
        let conn = self.lock();
        Ok(conn.execute("DELETE FROM outbox WHERE state = 'sent' AND sent_ms < ?1", params![cutoff])?)
    }

    /// State of one record (`pending`, `sent`, `rejected`), for tests and diagnostics.
    pub fn state_of(&self, key: &str) -> Result<Option<String>, OutboxError> {
        let conn = self.lock();
        Ok(conn.query_row("SELECT state FROM outbox WHERE key = ?1", params![key], |r| r.get(0)).optional()?)
    }

    fn pending_batch(&self) -> Result<Vec<(i64, Option<OutboxItem>)>, OutboxError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, kind, key, payload FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![BATCH as i64], |r| {
            let seq: i64 = r.get(0)?;
            let kind: String = r.get(1)?;
            let key: String = r.get(2)?;
            let payload: String = r.get(3)?;
            Ok((seq, kind, key, payload))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, kind, key, payload) = row?;
            let payload = match kind.as_str() {
                "print" => serde_json::from_str(&payload).ok().map(OutboxPayload::Print),
                "audit" => serde_json::from_str(&payload).ok().map(OutboxPayload::Audit),
                _ => None,
            };
            out.push((seq, payload.map(|payload| OutboxItem { key, payload })));
        }
        Ok(out)
    }

    fn mark(&self, seq: i64, mark: Mark<'_>) -> Result<(), OutboxError> {
        let conn = self.lock();
        match mark {
            Mark::Sent => conn.execute(
                "UPDATE outbox SET state = 'sent', sent_ms = ?2, attempts = attempts + 1, last_error = NULL WHERE seq = ?1",
                params![seq, now_ms()],
            )?,
            Mark::Failed(why) => conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
                params![seq, why],
            )?,
            Mark::Rejected(why) => conn.execute(
                "UPDATE outbox SET state = 'rejected', attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
                params![seq, why],
            )?,
        };
        Ok(())
    }
}

enum Mark<'a> {
    Sent,
    Failed(&'a str),
    Rejected(&'a str),
}

fn insert_item(conn: &Connection, kind: &str, key: &str, payload: &str) -> Result<(), OutboxError> {
    conn.execute(
        "INSERT INTO outbox (kind, key, payload, created_ms) VALUES (?1, ?2, ?3, ?4)",
        params![kind, key, payload, now_ms()],
    )
    .map_err(|e| duplicate_or(e, key))?;
    Ok(())
}

fn duplicate_or(e: rusqlite::Error, key: &str) -> OutboxError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => OutboxError::Duplicate(key.to_owned()),
        _ => OutboxError::Db(e),
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Fake {
        fail_from: usize,
        calls: AtomicUsize,
        seen: Mutex<Vec<String>>,
        error: ClientError,
    }

    impl OutboxTransport for Fake {
        async fn deliver(&self, item: &OutboxItem) -> Result<(), ClientError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            self.seen.lock().unwrap().push(item.key.clone());
            if n >= self.fail_from { Err(self.error.clone()) } else { Ok(()) }
        }
    }

    fn report(doc: &str) -> PrintReportBody {
        PrintReportBody {
            document_id: doc.into(),
            grant_id: None,
            pages_printed: 1,
            completed: true,
            at: "2025-01-31T09:15:00+07:00".into(),
        }
    }

    fn local() -> LocalPrintRecord {
        LocalPrintRecord { doc_kind: "kk".into(), printer: "a4".into(), outcome: "ok".into() }
    }

    #[tokio::test]
    async fn delivers_oldest_first_and_stops_on_transient_failure() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(&dir.path().join("o.sqlite")).unwrap();
        for i in 0..4 {
            outbox.record_print(&local(), &format!("report-{i:04}"), &report("DOCUMENT01")).unwrap();
        }
        let fake = Fake {
            fail_from: 2,
            calls: AtomicUsize::new(0),
            seen: Mutex::new(vec![]),
            error: ClientError::Unreachable,
        };
        let run = outbox.deliver_pending(&fake).await.unwrap();
        assert_eq!(run.sent, 2);
        assert_eq!(run.stopped_by, Some(ClientError::Unreachable));
        assert_eq!(*fake.seen.lock().unwrap(), vec!["report-0000", "report-0001", "report-0002"]);
        assert_eq!(outbox.backlog().unwrap().count, 2);
        assert_eq!(outbox.state_of("report-0002").unwrap().as_deref(), Some("pending"));
    }

    #[tokio::test]
    async fn permanent_refusals_are_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(&dir.path().join("o.sqlite")).unwrap();
        outbox.record_print(&local(), "report-0001", &report("DOCUMENT01")).unwrap();
        let fake =
            Fake { fail_from: 0, calls: AtomicUsize::new(0), seen: Mutex::new(vec![]), error: ClientError::NotFound };
        let run = outbox.deliver_pending(&fake).await.unwrap();
        assert_eq!((run.sent, run.rejected), (0, 1));
        assert_eq!(outbox.backlog().unwrap(), Backlog { count: 0, oldest_age: None, rejected: 1 });
    }

    /// Bytes the connection's page cache holds now (`SQLITE_DBSTATUS_CACHE_USED`).
    fn cache_used(conn: &Connection) -> i64 {
        let (mut now, mut high) = (0, 0);
        // SAFETY: the handle is live while `conn` is borrowed; the call writes two ints.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_db_status(
                conn.handle(),
                rusqlite::ffi::SQLITE_DBSTATUS_CACHE_USED,
                &mut now,
                &mut high,
                0,
            )
        };
        assert_eq!(rc, rusqlite::ffi::SQLITE_OK);
        i64::from(now)
    }

    #[test]
    fn the_page_cache_stays_within_its_bound_as_the_file_grows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.sqlite");
        let outbox = Outbox::open(&path).unwrap();
        let conn = outbox.lock();
        // Years of prints in one transaction, then every row read back.
        conn.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
             INSERT INTO print_log SELECT printf('report-%08d', i), 'DOCUMENT01', 'KK', 1, 1,
                 '2026-01-01T00:00:00Z', 'simulated', 'printed' FROM n;",
        )
        .unwrap();
        let rows: i64 =
            conn.query_row("SELECT count(*) FROM print_log WHERE length(outcome) > 0", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 20000);
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        // SQLite turns the KiB into a number of pages by the page size plus the pager's
        // own bytes a page; its cache headers (some 200 bytes a page) come on top.
        let bound = i64::from(CACHE_KIB) * 1024 * 17 / 16;
        assert!(pages * page_size > 2 * bound, "the file ({} KiB) must outgrow the cache", pages * page_size / 1024);
        let used = cache_used(&conn);
        assert!(used <= bound, "page cache {used} bytes, bound {bound}");
        assert!(used > bound / 2, "the cache was used ({used} bytes)");
    }

    #[test]
    fn duplicate_keys_are_refused_and_nothing_half_written() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(&dir.path().join("o.sqlite")).unwrap();
        outbox.record_print(&local(), "report-0001", &report("DOCUMENT01")).unwrap();
        assert!(matches!(
            outbox.record_print(&local(), "report-0001", &report("DOCUMENT01")),
            Err(OutboxError::Duplicate(_))
        ));
        // A local write that fails rolls the queued report back with it.
        let err =
            outbox.record_print_with("report-0002", &report("DOCUMENT01"), |_| Err(rusqlite::Error::InvalidQuery));
        assert!(err.is_err());
        assert_eq!(outbox.state_of("report-0002").unwrap(), None);
        assert_eq!(outbox.backlog().unwrap().count, 1);
    }
}
