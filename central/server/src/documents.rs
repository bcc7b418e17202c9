//! Issuing a document: lay it out, sign it (PAdES), store it with its checksum.

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use adm_central_client::api::shape;
use adm_central_client::notice::verify_payload;

use crate::db::{self, DbError};
use crate::pdf::{self, InfoEntry, SignatureFields};
use crate::pki::Pki;
use crate::render::{self, DocContent};
use crate::secrets;
use crate::sign::{DocumentSigner, SignError};

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Random(#[from] secrets::RandomError),
}

impl From<rusqlite::Error> for IssueError {
    fn from(e: rusqlite::Error) -> Self {
        IssueError::Db(DbError::Sql(e))
    }
}

pub struct NewDocument {
    /// None: a random id.
    pub id: Option<String>,
    pub kind: String,
    pub number: String,
    /// `YYYY-MM-DD`
    pub issued: String,
    pub owner_nik: String,
    pub prints_allowed: u32,
    /// None: a random verification code.
    pub verify_code: Option<String>,
    pub extra: Vec<(String, String)>,
    /// False: issued as superseded (TIDAK AKTIF), for the verification demo.
    pub active: bool,
}

pub fn signer(pki: &Pki) -> Result<DocumentSigner, SignError> {
    DocumentSigner::new(&pki.signer_key_pkcs8, &pki.signer_cert_der, std::slice::from_ref(&pki.doc_intermediate_der))
}

/// Lays out, signs and stores a document; returns its id.
pub fn issue(conn: &Connection, pki: &Pki, notice_host: &str, doc: &NewDocument) -> Result<String, IssueError> {
    if !render::KINDS.contains(&doc.kind.as_str()) {
        return Err(IssueError::Invalid(format!("unknown kind {:?}; one of {}", doc.kind, render::KINDS.join(", "))));
    }
    if !is_date(&doc.issued) {
        return Err(IssueError::Invalid("issued must be YYYY-MM-DD".into()));
    }
    let owner =
        db::citizen(conn, &doc.owner_nik)?.ok_or_else(|| IssueError::Invalid("owner NIK not registered".into()))?;
    let members = if doc.kind == "kk" { db::family(conn, &owner.kk)? } else { Vec::new() };
    let id = match &doc.id {
        Some(id) if shape::is_id(id) => id.clone(),
        Some(_) => return Err(IssueError::Invalid("id must be 8-64 characters [A-Za-z0-9_-]".into())),
        None => format!("doc-{}", secrets::random_code()?.to_ascii_lowercase()),
    };
    let verify_code = match &doc.verify_code {
        Some(c) if shape::is_code(c) => c.clone(),
        Some(_) => return Err(IssueError::Invalid("verify code must be 16 Crockford base32 characters".into())),
        None => secrets::random_code()?,
    };
    let title = render::title_of(&doc.kind);
    let verify_url = verify_payload(notice_host, &verify_code);
    let content = DocContent {
        kind: &doc.kind,
        title,
        number: &doc.number,
        issued: &doc.issued,
        owner: &owner,
        members: &members,
        extra: &doc.extra,
        verify_url: &verify_url,
        verify_code: &verify_code,
    };
    let pages = render::pages(&content);
    let now = chrono::Local::now();
    let info = vec![
        InfoEntry { key: "Title", value: format!("{title} {}", doc.number) },
        InfoEntry { key: "Author", value: "Dinas Dukcapil Kabupaten Demo".into() },
        InfoEntry { key: "Producer", value: "adm-central reference server (DEMO)".into() },
        InfoEntry { key: "CreationDate", value: pdf_date(&now) },
        // Custom keys read by the kiosk's ownership check.
        InfoEntry { key: "NIK", value: owner.nik.clone() },
        InfoEntry { key: "KK", value: owner.kk.clone() },
        InfoEntry { key: "DocNumber", value: doc.number.clone() },
        InfoEntry { key: "DocType", value: doc.kind.clone() },
        InfoEntry { key: "DocId", value: id.clone() },
        InfoEntry { key: "VerifyCode", value: verify_code.clone() },
    ];
    let sig = SignatureFields {
        name: "Kepala Dinas Dukcapil Kabupaten Demo".into(),
        reason: format!("Penerbitan {title} {}", doc.number),
        location: "Kabupaten Demo".into(),
        signing_date: pdf_date(&now),
    };
    let file_id: [u8; 16] = Sha256::digest(id.as_bytes())[..16].try_into().unwrap_or([0; 16]);
    let prepared = pdf::prepare(&pages, &info, &sig, &file_id);
    let bytes = signer(pki)?.sign_pdf(prepared)?;
    let sha = hex::encode(Sha256::digest(&bytes));
    db::documents::insert(
        conn,
        &db::documents::DocumentInsert {
            id: &id,
            kind: &doc.kind,
            title,
            number: &doc.number,
            issued: &doc.issued,
            owner_nik: &owner.nik,
            kk: &owner.kk,
            pages: pages.len() as u32,
            prints_allowed: doc.prints_allowed,
            status: if doc.active { "AKTIF" } else { "TIDAK_AKTIF" },
            verify_code: &verify_code,
            pdf: &bytes,
            sha256: &sha,
        },
    )?;
    Ok(id)
}

/// Alters the signed content of a stored PDF (same length, checksum updated), so that only
/// signature verification can notice: for end-to-end tests of the kiosk's refusal.
pub fn tamper(conn: &Connection, id: &str) -> Result<(), IssueError> {
    let mut pdf = db::document_pdf(conn, id)?.ok_or_else(|| IssueError::Invalid(format!("no document {id}")))?;
    let needle = b"DOKUMEN DEMO";
    let at = pdf
        .windows(needle.len())
        .position(|w| w == needle)
        .ok_or_else(|| IssueError::Invalid("document already tampered".into()))?;
    pdf[at..at + needle.len()].copy_from_slice(b"DOKUMEN ASLI");
    let sha = hex::encode(Sha256::digest(&pdf));
    db::documents::replace_pdf(conn, id, &pdf, &sha)?;
    Ok(())
}

fn pdf_date(t: &chrono::DateTime<chrono::Local>) -> String {
    let offset = t.format("%z").to_string(); // +0700
    let (h, m) = offset.split_at(offset.len().saturating_sub(2));
    format!("D:{}{h}'{m}'", t.format("%Y%m%d%H%M%S"))
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10
}
