//! Loading PDFs with lopdf (optionally with the notice PIN as user password) and
//! finding signature dictionaries and document information.

use lopdf::{Dictionary, Document, Object, ObjectId};
use thiserror::Error;

/// Per-stream decompression bound while loading (decompression bombs).
const MAX_STREAM: usize = 64 << 20;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PdfError {
    #[error("not a readable PDF: {0}")]
    Unreadable(String),
    #[error("PDF cross-reference data is damaged (would need repair)")]
    Repaired,
    #[error("PDF is encrypted and the password is missing or wrong")]
    Password,
}

pub fn load(bytes: &[u8], password: Option<&str>) -> Result<Document, PdfError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(PdfError::Unreadable("no %PDF- header".into()));
    }
    let opts = lopdf::LoadOptions {
        password: password.map(str::to_owned),
        max_decompressed_size: Some(MAX_STREAM),
        ..Default::default()
    };
    let doc = Document::load_mem_with_options(bytes, opts).map_err(|e| match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => PdfError::Password,
        other => Unreadable(other.to_string()),
    })?;
    if doc.xref_recovery.is_some() {
        return Err(PdfError::Repaired);
    }
    if doc.is_encrypted() && doc.encryption_state.is_none() {
        return Err(PdfError::Password);
    }
    Ok(doc)
}
use PdfError::Unreadable;

/// Follows references (bounded) to the object.
pub fn resolve<'a>(doc: &'a Document, mut obj: &'a Object) -> Option<&'a Object> {
    for _ in 0..32 {
        match obj {
            Object::Reference(id) => obj = doc.objects.get(id)?,
            other => return Some(other),
        }
    }
    None
}

pub fn dict_of<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Dictionary> {
    match resolve(doc, obj)? {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

pub fn get<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    resolve(doc, d.get(key).ok()?)
}

pub fn name_is(doc: &Document, d: &Dictionary, key: &[u8], value: &[u8]) -> bool {
    matches!(get(doc, d, key), Some(Object::Name(n)) if n == value)
}

/// The DER of every stream in the catalog's `/DSS /CRLs` (PAdES B-LT), at most
/// [`super::crl::MAX_CRLS`]; streams that cannot be decoded are skipped.
pub fn dss_crls(doc: &Document) -> Vec<Vec<u8>> {
    let Ok(cat) = doc.catalog() else { return Vec::new() };
    let Some(dss) = get(doc, cat, b"DSS").and_then(|d| dict_of(doc, d)) else { return Vec::new() };
    let Some(Object::Array(crls)) = get(doc, dss, b"CRLs") else { return Vec::new() };
    crls.iter()
        .take(super::crl::MAX_CRLS)
        .filter_map(|c| match resolve(doc, c)? {
            Object::Stream(s) if s.dict.has(b"Filter") => s.decompressed_content().ok(),
            Object::Stream(s) => Some(s.content.clone()),
            _ => None,
        })
        .collect()
}

/// A signature (or document timestamp) dictionary found in the document.
pub struct SigDict<'a> {
    pub id: ObjectId,
    pub dict: &'a Dictionary,
    pub field_name: Option<String>,
}

/// Every indirect dictionary carrying /ByteRange, in object order, with its field name
/// when a signature field points to it.
pub fn signature_dicts(doc: &Document) -> Vec<SigDict<'_>> {
    let mut names = std::collections::HashMap::new();
    if let Ok(cat) = doc.catalog()
        && let Some(af) = get(doc, cat, b"AcroForm").and_then(|a| dict_of(doc, a))
        && let Some(Object::Array(fields)) = get(doc, af, b"Fields")
    {
        collect_field_names(doc, fields, "", &mut names, 0);
    }
    doc.objects
        .iter()
        .filter_map(|(id, obj)| match obj {
            Object::Dictionary(d) if d.has(b"ByteRange") => {
                Some(SigDict { id: *id, dict: d, field_name: names.get(id).cloned() })
            }
            _ => None,
        })
        .collect()
}

fn collect_field_names(
    doc: &Document,
    fields: &[Object],
    prefix: &str,
    out: &mut std::collections::HashMap<ObjectId, String>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    for f in fields {
        let Some(d) = dict_of(doc, f) else { continue };
        let t = get(doc, d, b"T").and_then(text_string).unwrap_or_default();
        let full = if prefix.is_empty() { t } else { format!("{prefix}.{t}") };
        if let Ok(Object::Reference(v)) = d.get(b"V") {
            out.insert(*v, full.clone());
        }
        if let Some(Object::Array(kids)) = get(doc, d, b"Kids") {
            collect_field_names(doc, kids, &full, out, depth + 1);
        }
    }
}

/// PDF text string: UTF-16BE with BOM, UTF-8 with BOM, or PDFDocEncoding (~Latin-1).
pub fn text_string(obj: &Object) -> Option<String> {
    let Object::String(b, _) = obj else { return None };
    if let Some(rest) = b.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        return Some(String::from_utf16_lossy(&units));
    }
    if let Some(rest) = b.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Some(String::from_utf8_lossy(rest).into_owned());
    }
    Some(b.iter().map(|c| char::from(*c)).collect())
}
