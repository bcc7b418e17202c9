//! Print grants: the server's side of "this citizen may print this document N times"
//! when several kiosks act at once.
//!
//! A download reserves one print: a *grant* bound to the kiosk, the citizen session and
//! the document, whose *lease* counts against the print limit while it is live (until
//! the session signs out or the lease expires, whichever comes first). The download
//! answer carries the grant id; the kiosk's print report names it and *consumes* it.
//! The grant row itself outlives the session and the lease, because a report may come
//! out of a kiosk outbox long after the citizen left.
//!
//! Reports that do not match a grant, reuse one, or would go beyond the limit are kept
//! but *flagged* (they do not count against the citizen): a print that physically
//! happened must stay on record for investigation, and refusing the report would only
//! leave it stuck in the kiosk outbox, retried forever. The flag is counted in
//! `adm_central_reports_flagged_total` and alerted on.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{DbError, Upsert};
use crate::metrics::FlagReason;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS print_grants (
    grant_id    TEXT PRIMARY KEY,
    kiosk_id    TEXT NOT NULL,
    -- SHA-256 (hex) of the session token: the table never holds a usable token.
    session_key TEXT NOT NULL,
    document_id TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    released_at INTEGER,
    consumed_by TEXT
);
CREATE INDEX IF NOT EXISTS print_grants_doc ON print_grants(document_id);
CREATE INDEX IF NOT EXISTS print_grants_session ON print_grants(session_key);
";

/// Creates the grant table and adds the report columns to databases of earlier versions.
pub fn migrate(conn: &Connection) -> Result<(), DbError> {
    conn.execute_batch(SCHEMA)?;
    add_column_if_missing(conn, "print_reports", "grant_id", "TEXT")?;
    // NULL: a report that counts; otherwise a `FlagReason` and it does not.
    add_column_if_missing(conn, "print_reports", "flag", "TEXT")?;
    Ok(())
}

pub(crate) fn add_column_if_missing(conn: &Connection, table: &str, column: &str, decl: &str) -> Result<(), DbError> {
    let mut stmt = conn.prepare(&format!("SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"))?;
    if !stmt.exists(params![column])? {
        conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))?;
    }
    Ok(())
}

/// Outcome of asking for a print at download time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The grant id (new, or the one this session already holds for the document).
    Granted(String),
    /// Prints used plus live leases of other sessions already reach the limit.
    NoPrintsLeft,
}

/// Who asks for a print.
pub struct Holder<'a> {
    pub kiosk_id: &'a str,
    pub session_key: &'a str,
}

/// Reserves a print of `document_id` for a session, atomically across kiosks. A session
/// that already holds a live lease for the document gets the same grant again (a
/// download retried after a network error does not cost a second print).
pub fn reserve(
    conn: &mut Connection,
    document_id: &str,
    holder: &Holder<'_>,
    now: i64,
    lease_secs: i64,
) -> Result<Reservation, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let held: Option<String> = tx
        .query_row(
            "SELECT grant_id FROM print_grants
              WHERE session_key = ?1 AND document_id = ?2 AND kiosk_id = ?3
                AND consumed_by IS NULL AND released_at IS NULL AND expires_at > ?4
              LIMIT 1",
            params![holder.session_key, document_id, holder.kiosk_id, now],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = held {
        return Ok(Reservation::Granted(id));
    }
    let allowed = allowance_of(&tx, document_id)?;
    let used = prints_counted(&tx, document_id)?;
    let leased: u32 = tx.query_row(
        "SELECT COUNT(*) FROM print_grants
          WHERE document_id = ?1 AND consumed_by IS NULL AND released_at IS NULL AND expires_at > ?2",
        params![document_id, now],
        |r| r.get(0),
    )?;
    if used.saturating_add(leased) >= allowed {
        return Ok(Reservation::NoPrintsLeft);
    }
    let id = hex::encode(crate::secrets::random_bytes::<16>().map_err(|e| DbError::Invalid(e.to_string()))?);
    tx.execute(
        "INSERT INTO print_grants (grant_id, kiosk_id, session_key, document_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, holder.kiosk_id, holder.session_key, document_id, now, now.saturating_add(lease_secs)],
    )?;
    tx.commit()?;
    Ok(Reservation::Granted(id))
}

/// Prints of a document allowed under the server's reprint policy (read in the same
/// transaction, so a policy change applies from the next download on).
fn allowance_of(conn: &Connection, document_id: &str) -> Result<u32, DbError> {
    let issued_with: u32 =
        conn.query_row("SELECT prints_allowed FROM documents WHERE id = ?1", params![document_id], |r| r.get(0))?;
    Ok(super::reprints::allowance(super::reprints::get(conn)?, issued_with))
}

/// Records a print report of a TIDAK AKTIF document without counting it (flag
/// `document_inactive`): the print happened and stays on record for investigation, but
/// the kiosk is told it was refused. A retry of the same id changes nothing.
pub fn record_inactive(conn: &Connection, r: &NewReport<'_>) -> Result<(), DbError> {
    conn.execute(
        "INSERT OR IGNORE INTO print_reports (report_id, kiosk_id, document_id, pages_printed, completed, at, grant_id, flag)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'document_inactive')",
        params![r.report_id, r.kiosk_id, r.document_id, r.pages_printed, r.completed, r.at, r.grant_id],
    )?;
    Ok(())
}

/// Completed prints that count against the limit (flagged reports do not).
fn prints_counted(conn: &Connection, document_id: &str) -> Result<u32, DbError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM print_reports WHERE document_id = ?1 AND completed = 1 AND flag IS NULL",
        params![document_id],
        |r| r.get(0),
    )?)
}

/// Ends the leases a session still holds (sign-out): unused prints go back to the pool.
/// The grants stay, so a report delivered later still finds its grant.
pub fn release_session(conn: &Connection, session_key: &str, now: i64) -> Result<usize, DbError> {
    Ok(conn.execute(
        "UPDATE print_grants SET released_at = ?2
          WHERE session_key = ?1 AND consumed_by IS NULL AND released_at IS NULL",
        params![session_key, now],
    )?)
}

pub struct NewReport<'a> {
    pub report_id: &'a str,
    pub kiosk_id: &'a str,
    pub document_id: &'a str,
    pub pages_printed: u32,
    pub completed: bool,
    pub at: &'a str,
    pub grant_id: Option<&'a str>,
}

/// What became of a report.
pub struct Recorded {
    pub upsert: Upsert,
    /// Set when a new report was kept but flagged.
    pub flag: Option<FlagReason>,
}

/// Records a print report on its id (a retry only bumps the delivery counter), matching
/// it against its grant, all in one transaction.
pub fn record_report(conn: &mut Connection, r: &NewReport<'_>) -> Result<Recorded, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    type Existing = (String, u32, bool, String, Option<String>);
    let existing: Option<Existing> = tx
        .query_row(
            "SELECT document_id, pages_printed, completed, at, grant_id FROM print_reports WHERE report_id = ?1",
            params![r.report_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get::<_, i64>(2)? != 0, row.get(3)?, row.get(4)?)),
        )
        .optional()?;
    if let Some((doc, pages, completed, at, grant)) = existing {
        let same = doc == r.document_id
            && pages == r.pages_printed
            && completed == r.completed
            && at == r.at
            && grant.as_deref() == r.grant_id;
        let upsert = if same {
            tx.execute(
                "UPDATE print_reports SET deliveries = deliveries + 1 WHERE report_id = ?1",
                params![r.report_id],
            )?;
            Upsert::Duplicate
        } else {
            Upsert::Conflict
        };
        tx.commit()?;
        return Ok(Recorded { upsert, flag: None });
    }
    let mut flag = match r.grant_id {
        None => Some(FlagReason::NoGrant),
        Some(grant_id) => match_grant(&tx, grant_id, r)?,
    };
    if flag.is_none() && r.completed {
        let allowed = allowance_of(&tx, r.document_id)?;
        // A lease that expired or was released before the report came could have let
        // another session take the same print: whoever reaches the limit second is flagged.
        if prints_counted(&tx, r.document_id)? >= allowed {
            flag = Some(FlagReason::OverLimit);
        }
    }
    tx.execute(
        "INSERT INTO print_reports (report_id, kiosk_id, document_id, pages_printed, completed, at, grant_id, flag)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            r.report_id,
            r.kiosk_id,
            r.document_id,
            r.pages_printed,
            r.completed,
            r.at,
            r.grant_id,
            flag.map(FlagReason::as_str)
        ],
    )?;
    tx.commit()?;
    Ok(Recorded { upsert: Upsert::Inserted, flag })
}

/// Consumes the report's grant if it is this kiosk's, for this document, and unused.
fn match_grant(conn: &Connection, grant_id: &str, r: &NewReport<'_>) -> Result<Option<FlagReason>, DbError> {
    let grant: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT kiosk_id, document_id, consumed_by FROM print_grants WHERE grant_id = ?1",
            params![grant_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    Ok(match grant {
        None => Some(FlagReason::NoGrant),
        Some((kiosk, doc, _)) if kiosk != r.kiosk_id || doc != r.document_id => Some(FlagReason::GrantMismatch),
        Some((_, _, Some(_))) => Some(FlagReason::GrantReused),
        Some((_, _, None)) => {
            conn.execute(
                "UPDATE print_grants SET consumed_by = ?2 WHERE grant_id = ?1",
                params![grant_id, r.report_id],
            )?;
            None
        }
    })
}

/// A flagged report, for officers (`adm-central list`).
#[derive(Debug, Clone)]
pub struct FlaggedReport {
    pub report_id: String,
    pub kiosk_id: String,
    pub document_id: String,
    pub at: String,
    pub flag: String,
}

pub fn flagged_reports(conn: &Connection) -> Result<Vec<FlaggedReport>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT report_id, kiosk_id, document_id, at, flag FROM print_reports WHERE flag IS NOT NULL ORDER BY rowid",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(FlaggedReport {
                report_id: r.get(0)?,
                kiosk_id: r.get(1)?,
                document_id: r.get(2)?,
                at: r.get(3)?,
                flag: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
