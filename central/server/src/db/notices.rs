//! Notices (QR code + PIN on a letter from the civil registry) as limited credentials:
//! good for a limited number of sign-ins (default one), revocable by an officer, never
//! valid longer than the server's maximum (checked at issuance *and* at every sign-in,
//! so a notice issued under a looser setting, or edited in the database, is bounded
//! too), and opening only the documents it was issued for.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;
use super::grants::add_column_if_missing;

/// Sign-ins a notice allows unless the officer says otherwise.
pub const DEFAULT_USES: u32 = 1;
/// Longest a notice may be valid unless the server is configured otherwise
/// (`adm-central serve --notice-max-valid-days`).
pub const DEFAULT_MAX_VALIDITY: Duration = Duration::from_secs(30 * 24 * 3600);
/// Upper bound on uses of one notice: a notice is a letter to one citizen.
pub const MAX_USES: u32 = 100;
/// Where the serving server records its maximum, so the admin CLI (a separate process on
/// the same database) enforces the same one at issuance.
const META_MAX_VALIDITY: &str = "notice_max_validity_secs";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS notice_documents (
    code        TEXT NOT NULL REFERENCES notices(code),
    document_id TEXT NOT NULL REFERENCES documents(id),
    PRIMARY KEY (code, document_id)
);
";

/// Adds the limits to the notice table. Notices of earlier versions get `issued_at` 0
/// and no uses left: they were unbounded bearer credentials and are not honoured.
pub fn migrate(conn: &Connection) -> Result<(), DbError> {
    add_column_if_missing(conn, "notices", "issued_at", "INTEGER NOT NULL DEFAULT 0")?;
    add_column_if_missing(conn, "notices", "uses_left", "INTEGER NOT NULL DEFAULT 0")?;
    add_column_if_missing(conn, "notices", "revoked", "INTEGER NOT NULL DEFAULT 0")?;
    conn.execute_batch(SCHEMA)?;
    Ok(())
}

/// The maximum validity in force (the serving server's, or the default).
pub fn max_validity(conn: &Connection) -> Result<Duration, DbError> {
    Ok(super::meta(conn, META_MAX_VALIDITY)?
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(DEFAULT_MAX_VALIDITY, Duration::from_secs))
}

pub fn set_max_validity(conn: &Connection, max: Duration) -> Result<(), DbError> {
    super::set_meta(conn, META_MAX_VALIDITY, &max.as_secs().to_string())
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4)
}

/// What an officer issues.
#[derive(Debug, Clone)]
pub struct NewNotice<'a> {
    pub nik: &'a str,
    pub code: &'a str,
    pub pin_hash: &'a str,
    pub valid_for: Duration,
    pub uses: u32,
    /// Empty: every document the citizen may print at issuance.
    pub documents: &'a [String],
}

#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Invalid(String),
}

impl From<rusqlite::Error> for NoticeError {
    fn from(e: rusqlite::Error) -> Self {
        NoticeError::Db(DbError::Sql(e))
    }
}

/// Stores a notice within the limits; returns the documents it opens.
pub fn issue(conn: &Connection, n: &NewNotice<'_>, now: i64) -> Result<Vec<String>, NoticeError> {
    let max = max_validity(conn)?;
    if n.valid_for.is_zero() || n.valid_for > max {
        return Err(NoticeError::Invalid(format!(
            "a notice is valid for at most {} days (the server's maximum)",
            max.as_secs() / 86_400
        )));
    }
    if !(1..=MAX_USES).contains(&n.uses) {
        return Err(NoticeError::Invalid(format!("a notice allows 1-{MAX_USES} sign-ins")));
    }
    let citizen = super::citizen(conn, n.nik)?.ok_or_else(|| NoticeError::Invalid("citizen not found".into()))?;
    let printable: Vec<String> =
        super::documents_for(conn, &citizen.nik, &citizen.kk)?.into_iter().map(|d| d.id).collect();
    let documents = if n.documents.is_empty() {
        printable
    } else {
        if let Some(other) = n.documents.iter().find(|d| !printable.contains(d)) {
            return Err(NoticeError::Invalid(format!("document {other} is not an active document of this citizen")));
        }
        n.documents.to_vec()
    };
    if documents.is_empty() {
        return Err(NoticeError::Invalid("the citizen has no active document to print".into()));
    }
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO notices (code, nik, pin_hash, expires_at, issued_at, uses_left, revoked)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
        params![n.code, n.nik, n.pin_hash, now.saturating_add(secs(n.valid_for)), now, n.uses],
    )?;
    for d in &documents {
        tx.execute("INSERT INTO notice_documents (code, document_id) VALUES (?1, ?2)", params![n.code, d])?;
    }
    tx.commit()?;
    Ok(documents)
}

/// The notice's citizen and PIN hash, if it may be used now: known, not revoked, uses
/// left, not expired, and within the maximum validity since issuance.
pub fn usable(conn: &Connection, code: &str, now: i64, max: Duration) -> Result<Option<(String, String)>, DbError> {
    Ok(conn
        .query_row(
            "SELECT nik, pin_hash FROM notices
              WHERE code = ?1 AND revoked = 0 AND uses_left > 0 AND expires_at > ?2 AND issued_at + ?3 > ?2",
            params![code, now, secs(max)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Counts one use (a successful sign-in), atomically: of two kiosks racing for the last
/// use, one gets `None`. Returns the documents the notice opens.
pub fn consume(conn: &Connection, code: &str, now: i64, max: Duration) -> Result<Option<Vec<String>>, DbError> {
    let n = conn.execute(
        "UPDATE notices SET uses_left = uses_left - 1
          WHERE code = ?1 AND revoked = 0 AND uses_left > 0 AND expires_at > ?2 AND issued_at + ?3 > ?2",
        params![code, now, secs(max)],
    )?;
    if n == 0 {
        return Ok(None);
    }
    let mut stmt = conn.prepare("SELECT document_id FROM notice_documents WHERE code = ?1 ORDER BY document_id")?;
    let docs = stmt.query_map(params![code], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    Ok(Some(docs))
}

/// Revokes a notice (officer command); false if there is no such notice.
pub fn revoke(conn: &Connection, code: &str) -> Result<bool, DbError> {
    Ok(conn.execute("UPDATE notices SET revoked = 1 WHERE code = ?1", params![code])? == 1)
}

/// Makes the fixed demo notice usable again from now (`uses` sign-ins, the maximum
/// validity): the demo kiosk shows the same notice to every visitor, run after run.
pub fn refresh_demo(conn: &Connection, code: &str, uses: u32, now: i64) -> Result<(), DbError> {
    let max = max_validity(conn)?;
    conn.execute(
        "UPDATE notices SET issued_at = ?2, expires_at = ?3, uses_left = ?4, revoked = 0 WHERE code = ?1",
        params![code, now, now.saturating_add(secs(max)), uses],
    )?;
    Ok(())
}
