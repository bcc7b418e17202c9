//! The officer's queries (admin CLI, tests, demo): citizens, kiosks, documents and the
//! records kiosks sent. The rules around them (PIN shape, kiosk id shape) stay in
//! `crate::admin`.

use rusqlite::{Connection, params};

use super::DbError;

#[derive(Debug, Clone)]
pub struct NewCitizen {
    pub nik: String,
    pub name: String,
    pub kk: String,
    /// `L` or `P`
    pub sex: String,
    pub birth_place: String,
    /// `DD-MM-YYYY` as printed on documents.
    pub birth_date: String,
    pub address: String,
    /// Relation in the family (KEPALA KELUARGA, ISTRI, ANAK, …).
    pub relation: String,
    /// None: the citizen cannot sign in at a kiosk.
    pub pin: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CitizenSummary {
    pub nik: String,
    pub name: String,
    pub kk: String,
    pub locked: bool,
    pub has_pin: bool,
}

#[derive(Debug, Clone)]
pub struct DocumentSummary {
    pub id: String,
    pub kind: String,
    pub number: String,
    pub owner_nik: String,
    pub status: String,
    pub prints_allowed: u32,
    pub verify_code: String,
}

/// What inserting a citizen did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    Yes,
    /// A citizen with this NIK exists already.
    AlreadyExists,
}

pub fn insert_citizen(conn: &Connection, c: &NewCitizen, pin_hash: Option<&str>) -> Result<Inserted, DbError> {
    match conn.execute(
        "INSERT INTO citizens (nik, name, kk, sex, birth_place, birth_date, address, relation, pin_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![c.nik, c.name, c.kk, c.sex, c.birth_place, c.birth_date, c.address, c.relation, pin_hash],
    ) {
        Ok(_) => Ok(Inserted::Yes),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
            Ok(Inserted::AlreadyExists)
        }
        Err(e) => Err(DbError::Sql(e)),
    }
}

/// Rows changed (0: no such citizen).
pub fn set_pin_hash(conn: &Connection, nik: &str, pin_hash: &str) -> Result<usize, DbError> {
    Ok(conn.execute("UPDATE citizens SET pin_hash = ?2 WHERE nik = ?1", params![nik, pin_hash])?)
}

/// Registers a kiosk's certificate (replacing any earlier one, lifting a revocation).
pub fn register_kiosk(conn: &Connection, kiosk_id: &str, fingerprint: &str) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO kiosks (kiosk_id, fingerprint, revoked) VALUES (?1, ?2, 0)
         ON CONFLICT(kiosk_id) DO UPDATE SET fingerprint = excluded.fingerprint, revoked = 0",
        params![kiosk_id, fingerprint],
    )?;
    Ok(())
}

/// Rows changed (0: no such kiosk).
pub fn revoke_kiosk(conn: &Connection, kiosk_id: &str) -> Result<usize, DbError> {
    Ok(conn.execute("UPDATE kiosks SET revoked = 1 WHERE kiosk_id = ?1", params![kiosk_id])?)
}

/// `(kiosk_id, revoked)` for every registered kiosk.
pub fn kiosks(conn: &Connection) -> Result<Vec<(String, bool)>, DbError> {
    let mut stmt = conn.prepare("SELECT kiosk_id, revoked FROM kiosks ORDER BY kiosk_id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Rows changed (0: no such document).
pub fn supersede_document(conn: &Connection, id: &str) -> Result<usize, DbError> {
    Ok(conn.execute("UPDATE documents SET status = 'TIDAK_AKTIF' WHERE id = ?1", params![id])?)
}

pub fn print_report_count(conn: &Connection) -> Result<u64, DbError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM print_reports", [], |r| r.get(0))?)
}

/// (document id, pages printed, completed), oldest first.
pub fn print_reports(conn: &Connection) -> Result<Vec<(String, u32, bool)>, DbError> {
    let mut stmt = conn.prepare("SELECT document_id, pages_printed, completed FROM print_reports ORDER BY rowid")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?, r.get::<_, bool>(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn print_report_deliveries(conn: &Connection) -> Result<u64, DbError> {
    Ok(conn.query_row("SELECT COALESCE(SUM(deliveries), 0) FROM print_reports", [], |r| r.get(0))?)
}

pub fn audit_event_count(conn: &Connection) -> Result<u64, DbError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM audit_events", [], |r| r.get(0))?)
}

pub fn audit_events_of_kind(conn: &Connection, kind: &str) -> Result<u64, DbError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM audit_events WHERE kind = ?1", params![kind], |r| r.get(0))?)
}

/// Every citizen, locked as seen at `now`.
pub fn citizens(conn: &Connection, now: i64) -> Result<Vec<CitizenSummary>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT c.nik, c.name, c.kk, COALESCE(g.locked_until, 0) > ?1, c.pin_hash IS NOT NULL
           FROM citizens c LEFT JOIN pin_guard g ON g.nik = c.nik ORDER BY c.kk, c.rowid",
    )?;
    let rows = stmt
        .query_map(params![now], |r| {
            Ok(CitizenSummary { nik: r.get(0)?, name: r.get(1)?, kk: r.get(2)?, locked: r.get(3)?, has_pin: r.get(4)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Every document.
pub fn documents(conn: &Connection) -> Result<Vec<DocumentSummary>, DbError> {
    let mut stmt =
        conn.prepare("SELECT id, kind, number, owner_nik, status, prints_allowed, verify_code FROM documents ORDER BY owner_nik, issued")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(DocumentSummary {
                id: r.get(0)?,
                kind: r.get(1)?,
                number: r.get(2)?,
                owner_nik: r.get(3)?,
                status: r.get(4)?,
                prints_allowed: r.get(5)?,
                verify_code: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
