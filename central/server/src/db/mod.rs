//! The central store (SQLite). Shared by the HTTP server and the admin CLI, which may run
//! at the same time on the same file (WAL, busy timeout), so every piece of state that
//! matters across kiosks — PIN failures, lockouts, revocations, print counts — lives here.
//!
//! All SQL of the server lives under this module: the tables and queries of citizens,
//! documents and kiosks here, the officer's queries in `admin`, document rows in
//! `documents`, and the stores with their transactional rules in `grants` (print
//! entitlements), `notices` (limited notices) and `pinguard` (PIN cool-downs).

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

pub use rusqlite;

pub mod admin;
pub mod applications;
pub mod documents;
pub mod grants;
pub mod notices;
pub mod pinguard;
pub mod reprints;
pub mod service_files;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS citizens (
    nik             TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    kk              TEXT NOT NULL,
    sex             TEXT NOT NULL CHECK (sex IN ('L', 'P')),
    birth_place     TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    address         TEXT NOT NULL,
    relation        TEXT NOT NULL,
    pin_hash        TEXT,
    -- failed_attempts and locked: unused since the per-NIK accounting moved to
    -- pin_guard (pinguard.rs); kept so databases created earlier still open.
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS citizens_kk ON citizens(kk);
CREATE TABLE IF NOT EXISTS notices (
    code       TEXT PRIMARY KEY,
    nik        TEXT NOT NULL REFERENCES citizens(nik),
    pin_hash   TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    number         TEXT NOT NULL,
    issued         TEXT NOT NULL,
    owner_nik      TEXT NOT NULL REFERENCES citizens(nik),
    kk             TEXT NOT NULL,
    pages          INTEGER NOT NULL,
    prints_allowed INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('AKTIF', 'TIDAK_AKTIF')),
    verify_code    TEXT NOT NULL UNIQUE,
    pdf            BLOB NOT NULL,
    sha256         TEXT NOT NULL,
    size           INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_owner ON documents(owner_nik);
CREATE INDEX IF NOT EXISTS documents_kk ON documents(kk);
CREATE TABLE IF NOT EXISTS kiosks (
    kiosk_id    TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    revoked     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS print_reports (
    report_id     TEXT PRIMARY KEY,
    kiosk_id      TEXT NOT NULL,
    document_id   TEXT NOT NULL,
    pages_printed INTEGER NOT NULL,
    completed     INTEGER NOT NULL,
    at            TEXT NOT NULL,
    deliveries    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS print_reports_doc ON print_reports(document_id);
CREATE TABLE IF NOT EXISTS audit_events (
    event_id   TEXT PRIMARY KEY,
    kiosk_id   TEXT NOT NULL,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL,
    deliveries INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// Most memory a connection's page cache may hold, in KiB: about SQLite's default (2,000
/// KiB), set here so the bound is stated and the soak (issue #17) can check the caches
/// against it. A page cache fills up to its bound as the file grows (every session adds
/// grants, print reports and audit events), which reads as memory creeping up, session
/// after session, until the file outgrows the cache.
pub const CACHE_KIB: u32 = 2048;

/// Opens (and migrates) the database file.
pub fn open(path: &Path) -> Result<Connection, DbError> {
    // Citizens, PIN hashes and documents: owner-only from the first byte.
    crate::private_file::create_if_missing(path).map_err(|e| DbError::Invalid(format!("{}: {e}", path.display())))?;
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.execute_batch(&format!("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-{CACHE_KIB};"))?;
    conn.execute_batch(SCHEMA)?;
    grants::migrate(&conn)?;
    notices::migrate(&conn)?;
    conn.execute_batch(pinguard::SCHEMA)?;
    applications::migrate(&conn)?;
    service_files::migrate(&conn)?;
    Ok(conn)
}

/// One connection shared by the server's handlers; every use runs on the blocking pool.
#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

impl Db {
    pub fn new(conn: Connection) -> Db {
        Db(Arc::new(Mutex::new(conn)))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // SQLite rolls back unfinished transactions itself; a poisoned lock is reusable.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` with the connection on tokio's blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || f(&mut db.lock()))
            .await
            .map_err(|e| DbError::Invalid(format!("database task failed: {e}")))?
    }
}

#[derive(Debug, Clone)]
pub struct CitizenRow {
    pub nik: String,
    pub name: String,
    pub kk: String,
    pub sex: String,
    pub birth_place: String,
    pub birth_date: String,
    pub address: String,
    pub relation: String,
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub citizen: CitizenRow,
    pub pin_hash: Option<String>,
}

const CITIZEN_COLS: &str = "nik, name, kk, sex, birth_place, birth_date, address, relation";

fn citizen_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<CitizenRow> {
    Ok(CitizenRow {
        nik: r.get(0)?,
        name: r.get(1)?,
        kk: r.get(2)?,
        sex: r.get(3)?,
        birth_place: r.get(4)?,
        birth_date: r.get(5)?,
        address: r.get(6)?,
        relation: r.get(7)?,
    })
}

pub fn citizen(conn: &Connection, nik: &str) -> Result<Option<CitizenRow>, DbError> {
    Ok(conn
        .query_row(&format!("SELECT {CITIZEN_COLS} FROM citizens WHERE nik = ?1"), params![nik], citizen_from)
        .optional()?)
}

pub fn family(conn: &Connection, kk: &str) -> Result<Vec<CitizenRow>, DbError> {
    let mut stmt = conn.prepare(&format!("SELECT {CITIZEN_COLS} FROM citizens WHERE kk = ?1 ORDER BY rowid"))?;
    let rows = stmt.query_map(params![kk], citizen_from)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn credentials(conn: &Connection, nik: &str) -> Result<Option<Credentials>, DbError> {
    Ok(conn
        .query_row(&format!("SELECT {CITIZEN_COLS}, pin_hash FROM citizens WHERE nik = ?1"), params![nik], |r| {
            Ok(Credentials { citizen: citizen_from(r)?, pin_hash: r.get(8)? })
        })
        .optional()?)
}

#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub number: String,
    pub issued: String,
    pub owner_nik: String,
    pub kk: String,
    pub pages: u32,
    pub prints_allowed: u32,
    pub prints_used: u32,
    pub status: String,
    pub verify_code: String,
    pub sha256: String,
    pub size: u64,
}

const DOC_COLS: &str = "d.id, d.kind, d.title, d.number, d.issued, d.owner_nik, d.kk, d.pages, d.prints_allowed,
    (SELECT COUNT(*) FROM print_reports p WHERE p.document_id = d.id AND p.completed = 1 AND p.flag IS NULL),
    d.status, d.verify_code, d.sha256, d.size";

fn document_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentRow> {
    Ok(DocumentRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        title: r.get(2)?,
        number: r.get(3)?,
        issued: r.get(4)?,
        owner_nik: r.get(5)?,
        kk: r.get(6)?,
        pages: r.get(7)?,
        prints_allowed: r.get(8)?,
        prints_used: r.get(9)?,
        status: r.get(10)?,
        verify_code: r.get(11)?,
        sha256: r.get(12)?,
        size: r.get(13)?,
    })
}

/// Active documents a citizen may print: their own, and the KK of their family.
pub fn documents_for(conn: &Connection, nik: &str, kk: &str) -> Result<Vec<DocumentRow>, DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {DOC_COLS} FROM documents d
          WHERE d.status = 'AKTIF' AND (d.owner_nik = ?1 OR (d.kind = 'kk' AND d.kk = ?2))
          ORDER BY d.issued, d.id"
    ))?;
    let rows = stmt.query_map(params![nik, kk], document_from)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn document(conn: &Connection, id: &str) -> Result<Option<DocumentRow>, DbError> {
    Ok(conn
        .query_row(&format!("SELECT {DOC_COLS} FROM documents d WHERE d.id = ?1"), params![id], document_from)
        .optional()?)
}

pub fn document_by_code(conn: &Connection, code: &str) -> Result<Option<DocumentRow>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {DOC_COLS} FROM documents d WHERE d.verify_code = ?1"),
            params![code],
            document_from,
        )
        .optional()?)
}

pub fn document_pdf(conn: &Connection, id: &str) -> Result<Option<Vec<u8>>, DbError> {
    Ok(conn.query_row("SELECT pdf FROM documents WHERE id = ?1", params![id], |r| r.get(0)).optional()?)
}

/// `(kiosk_id, revoked)` for a certificate fingerprint.
pub fn kiosk_by_fingerprint(conn: &Connection, fingerprint: &str) -> Result<Option<(String, bool)>, DbError> {
    Ok(conn
        .query_row("SELECT kiosk_id, revoked FROM kiosks WHERE fingerprint = ?1", params![fingerprint], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? != 0))
        })
        .optional()?)
}

pub enum Upsert {
    Inserted,
    Duplicate,
    /// Same key, different content: a kiosk bug, refused.
    Conflict,
}

pub fn upsert_audit(
    conn: &mut Connection,
    event_id: &str,
    kiosk_id: &str,
    at: &str,
    kind: &str,
    detail: &str,
) -> Result<Upsert, DbError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let existing: Option<(String, String, String)> = tx
        .query_row("SELECT at, kind, detail FROM audit_events WHERE event_id = ?1", params![event_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let outcome = match existing {
        None => {
            tx.execute(
                "INSERT INTO audit_events (event_id, kiosk_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![event_id, kiosk_id, at, kind, detail],
            )?;
            Upsert::Inserted
        }
        Some((a, k, d)) if a == at && k == kind && d == detail => {
            tx.execute("UPDATE audit_events SET deliveries = deliveries + 1 WHERE event_id = ?1", params![event_id])?;
            Upsert::Duplicate
        }
        Some(_) => Upsert::Conflict,
    };
    tx.commit()?;
    Ok(outcome)
}

pub fn meta(conn: &Connection, key: &str) -> Result<Option<String>, DbError> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| r.get(0)).optional()?)
}

pub fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let conn = open(&dir.path().join("central.sqlite")).unwrap();
        // A busy site's audit events in one transaction, then every row read back.
        conn.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
             INSERT INTO audit_events (event_id, kiosk_id, at, kind, detail)
             SELECT printf('event-%08d', i), 'KIOSK-0001', '2026-01-01T00:00:00Z', 'session_ended',
                 '{\"reason\":\"done\"}' FROM n;",
        )
        .unwrap();
        let rows: i64 =
            conn.query_row("SELECT count(*) FROM audit_events WHERE length(detail) > 0", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 40000);
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
}
