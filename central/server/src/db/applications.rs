//! Citizens' applications ("pengajuan") and their status history. Officers move them
//! through Baru → Disetujui → Diproses → Selesai (or Dibatalkan); the reference server
//! only seeds them. What the kiosk offers next is derived from these rows in
//! `crate::applications`.

use rusqlite::{Connection, params};

use super::DbError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS applications (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    nik        TEXT NOT NULL REFERENCES citizens(nik),
    service_id TEXT NOT NULL,
    -- Office where a card is collected (Selesai, KTP-el/KIA).
    office_id  TEXT
);
CREATE INDEX IF NOT EXISTS applications_nik ON applications(nik);
CREATE TABLE IF NOT EXISTS application_events (
    application_id TEXT NOT NULL REFERENCES applications(id),
    seq            INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('BARU', 'DISETUJUI', 'DIPROSES', 'SELESAI', 'DIBATALKAN')),
    at             TEXT NOT NULL,
    note           TEXT,
    PRIMARY KEY (application_id, seq)
);
CREATE TABLE IF NOT EXISTS application_documents (
    application_id TEXT NOT NULL REFERENCES applications(id),
    document_id    TEXT NOT NULL REFERENCES documents(id),
    PRIMARY KEY (application_id, document_id)
);
";

pub fn migrate(conn: &Connection) -> Result<(), DbError> {
    conn.execute_batch(SCHEMA)?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub status: String,
    pub at: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub id: String,
    pub code: String,
    pub service_id: String,
    pub office_id: Option<String>,
    /// Oldest first.
    pub events: Vec<EventRow>,
    /// Documents the finished application produced.
    pub document_ids: Vec<String>,
}

/// A citizen's applications, newest first, with their events and documents.
pub fn for_citizen(conn: &Connection, nik: &str) -> Result<Vec<ApplicationRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT a.id, a.code, a.service_id, a.office_id FROM applications a WHERE a.nik = ?1
          ORDER BY (SELECT MIN(e.at) FROM application_events e WHERE e.application_id = a.id) DESC, a.id",
    )?;
    let heads = stmt
        .query_map(params![nik], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<Vec<(String, String, String, Option<String>)>, _>>()?;
    let mut events =
        conn.prepare("SELECT status, at, note FROM application_events WHERE application_id = ?1 ORDER BY seq")?;
    let mut docs =
        conn.prepare("SELECT document_id FROM application_documents WHERE application_id = ?1 ORDER BY document_id")?;
    let mut out = Vec::with_capacity(heads.len());
    for (id, code, service_id, office_id) in heads {
        let evs = events
            .query_map(params![id], |r| Ok(EventRow { status: r.get(0)?, at: r.get(1)?, note: r.get(2)? }))?
            .collect::<Result<Vec<_>, _>>()?;
        let document_ids = docs.query_map(params![id], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        out.push(ApplicationRow { id, code, service_id, office_id, events: evs, document_ids });
    }
    Ok(out)
}

/// A new application with its history.
pub struct NewApplication<'a> {
    pub id: &'a str,
    pub code: &'a str,
    pub nik: &'a str,
    pub service_id: &'a str,
    pub office_id: Option<&'a str>,
    /// `(status, at, note)`, oldest first.
    pub events: &'a [(&'a str, &'a str, Option<&'a str>)],
    pub document_ids: &'a [&'a str],
}

pub fn insert(conn: &Connection, a: &NewApplication<'_>) -> Result<(), DbError> {
    // Seeding holds a shared connection; the transaction still makes the row whole.
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO applications (id, code, nik, service_id, office_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![a.id, a.code, a.nik, a.service_id, a.office_id],
    )?;
    for (seq, (status, at, note)) in a.events.iter().enumerate() {
        tx.execute(
            "INSERT INTO application_events (application_id, seq, status, at, note) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![a.id, seq as i64, status, at, note],
        )?;
    }
    for doc in a.document_ids {
        tx.execute(
            "INSERT INTO application_documents (application_id, document_id) VALUES (?1, ?2)",
            params![a.id, doc],
        )?;
    }
    tx.commit()?;
    Ok(())
}
