//! The catalogue's signed PDFs (guides and blank forms), kept so that their bytes, size
//! and SHA-256 stay the same across restarts: the catalogue a kiosk listed still matches
//! the file it downloads afterwards. Re-signed only when the layout changed.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS service_files (
    id       TEXT PRIMARY KEY,
    doc_type TEXT NOT NULL,
    pages    INTEGER NOT NULL,
    -- SHA-256 of the unsigned layout: a changed text means a new signed copy.
    layout   TEXT NOT NULL,
    pdf      BLOB NOT NULL,
    sha256   TEXT NOT NULL,
    size     INTEGER NOT NULL
);
";

pub fn migrate(conn: &Connection) -> Result<(), DbError> {
    conn.execute_batch(SCHEMA)?;
    Ok(())
}

/// A stored file, without its bytes.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: String,
    pub pages: u32,
    pub sha256: String,
    pub size: u64,
}

/// The layout digest the stored copy was signed from, if any.
pub fn layout_of(conn: &Connection, id: &str) -> Result<Option<String>, DbError> {
    Ok(conn.query_row("SELECT layout FROM service_files WHERE id = ?1", params![id], |r| r.get(0)).optional()?)
}

pub struct NewFile<'a> {
    pub id: &'a str,
    pub doc_type: &'a str,
    pub pages: u32,
    pub layout: &'a str,
    pub pdf: &'a [u8],
    pub sha256: &'a str,
}

pub fn store(conn: &Connection, f: &NewFile<'_>) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO service_files (id, doc_type, pages, layout, pdf, sha256, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET doc_type = excluded.doc_type, pages = excluded.pages, layout = excluded.layout,
             pdf = excluded.pdf, sha256 = excluded.sha256, size = excluded.size",
        params![f.id, f.doc_type, f.pages, f.layout, f.pdf, f.sha256, f.pdf.len() as u64],
    )?;
    Ok(())
}

pub fn all(conn: &Connection) -> Result<Vec<FileRow>, DbError> {
    let mut stmt = conn.prepare("SELECT id, pages, sha256, size FROM service_files ORDER BY id")?;
    let rows = stmt
        .query_map([], |r| Ok(FileRow { id: r.get(0)?, pages: r.get(1)?, sha256: r.get(2)?, size: r.get(3)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn pdf(conn: &Connection, id: &str) -> Result<Option<Vec<u8>>, DbError> {
    Ok(conn.query_row("SELECT pdf FROM service_files WHERE id = ?1", params![id], |r| r.get(0)).optional()?)
}

/// Replaces a file's bytes and its listed SHA-256 (a test's tampered copy): the catalogue
/// lists what is served, so only the signature check can tell.
pub fn replace_pdf(conn: &Connection, id: &str, pdf: &[u8], sha256: &str) -> Result<usize, DbError> {
    Ok(conn.execute(
        "UPDATE service_files SET pdf = ?2, sha256 = ?3, size = ?4 WHERE id = ?1",
        params![id, pdf, sha256, pdf.len() as u64],
    )?)
}
