//! Writing document rows (issuing, and the tamper hook of the end-to-end tests). Reading
//! them is in `db` itself (`document`, `documents_for`, `document_pdf`).

use rusqlite::{Connection, params};

use super::DbError;

/// A signed document as stored.
pub struct DocumentInsert<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub number: &'a str,
    pub issued: &'a str,
    pub owner_nik: &'a str,
    pub kk: &'a str,
    pub pages: u32,
    pub prints_allowed: u32,
    /// `AKTIF` or `TIDAK_AKTIF`.
    pub status: &'a str,
    pub verify_code: &'a str,
    pub pdf: &'a [u8],
    pub sha256: &'a str,
}

pub fn insert(conn: &Connection, d: &DocumentInsert<'_>) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO documents (id, kind, title, number, issued, owner_nik, kk, pages, prints_allowed, status, verify_code, pdf, sha256, size)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            d.id,
            d.kind,
            d.title,
            d.number,
            d.issued,
            d.owner_nik,
            d.kk,
            d.pages,
            d.prints_allowed,
            d.status,
            d.verify_code,
            d.pdf,
            d.sha256,
            d.pdf.len() as u64
        ],
    )?;
    Ok(())
}

/// Replaces a document's stored PDF and its checksum.
pub fn replace_pdf(conn: &Connection, id: &str, pdf: &[u8], sha256: &str) -> Result<(), DbError> {
    conn.execute("UPDATE documents SET pdf = ?2, sha256 = ?3 WHERE id = ?1", params![id, pdf, sha256])?;
    Ok(())
}
