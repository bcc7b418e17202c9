//! `/ByteRange` shape and coverage.
//!
//! Pitfalls: the range must start at 0; its gap must be exactly this
//! signature's `/Contents` hex string (checked against the signature object's own bytes,
//! located through the cross-reference table); it must end at the end of a revision
//! (`%%EOF`). Whether it reaches the end of the file is decided by the caller, since
//! later `/DSS`/document-timestamp revisions are legitimate.

use lopdf::{Dictionary, Document, Object, ObjectId};
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RangeError {
    #[error("/ByteRange is not four non-negative integers")]
    Shape,
    #[error("/ByteRange does not start at 0")]
    NotFromStart,
    #[error("/ByteRange reaches past the end of the file")]
    PastEnd,
    #[error("/ByteRange gap is not this signature's /Contents")]
    GapNotContents,
    #[error("/Contents is not a hex string")]
    ContentsNotHex,
    #[error("/ByteRange does not end at the end of a revision (%%EOF)")]
    NotRevisionEnd,
}

impl RangeError {
    /// Shape problems are "malformed"; ranges that leave bytes unsigned are "modified".
    pub fn is_malformed(&self) -> bool {
        matches!(self, Self::Shape | Self::ContentsNotHex)
    }
}

/// A checked signature range: signed = `[0, gap_start) ∪ [gap_end, end)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRange {
    pub gap_start: usize,
    pub gap_end: usize,
    pub end: usize,
    /// The decoded `/Contents` (CMS plus zero padding).
    pub contents: Vec<u8>,
}

impl SignedRange {
    /// The two signed slices.
    pub fn parts<'a>(&self, pdf: &'a [u8]) -> [&'a [u8]; 2] {
        [pdf.get(..self.gap_start).unwrap_or(&[]), pdf.get(self.gap_end..self.end).unwrap_or(&[])]
    }
}

fn usize_of(o: &Object) -> Result<usize, RangeError> {
    match o {
        Object::Integer(i) => usize::try_from(*i).map_err(|_| RangeError::Shape),
        _ => Err(RangeError::Shape),
    }
}

pub fn check(pdf: &[u8], doc: &Document, id: ObjectId, sig: &Dictionary) -> Result<SignedRange, RangeError> {
    let Ok(Object::Array(br)) = sig.get(b"ByteRange") else { return Err(RangeError::Shape) };
    let [a, b, c, d] = br.as_slice() else { return Err(RangeError::Shape) };
    let (a, b, c, d) = (usize_of(a)?, usize_of(b)?, usize_of(c)?, usize_of(d)?);
    if a != 0 {
        return Err(RangeError::NotFromStart);
    }
    let end = c.checked_add(d).ok_or(RangeError::Shape)?;
    if c <= b || b < 2 {
        return Err(RangeError::Shape);
    }
    if end > pdf.len() {
        return Err(RangeError::PastEnd);
    }
    let gap = pdf.get(b..c).ok_or(RangeError::PastEnd)?;
    let hex = gap.strip_prefix(b"<").and_then(|g| g.strip_suffix(b">")).ok_or(RangeError::GapNotContents)?;
    let contents = decode_hex(hex)?;
    gap_is_contents_of(pdf, doc, id, b)?;
    // lopdf leaves a signature's /Contents unencrypted, as the standard says.
    match sig.get(b"Contents") {
        Ok(Object::String(s, _)) if *s == contents => {}
        _ => return Err(RangeError::GapNotContents),
    }
    if !is_revision_end(pdf, end) {
        return Err(RangeError::NotRevisionEnd);
    }
    Ok(SignedRange { gap_start: b, gap_end: c, end, contents })
}

/// The gap must sit inside this signature object's own bytes, right after `/Contents`.
fn gap_is_contents_of(pdf: &[u8], doc: &Document, id: ObjectId, gap_start: usize) -> Result<(), RangeError> {
    let Some(lopdf::xref::XrefEntry::Normal { offset, .. }) = doc.reference_table.get(id.0) else {
        return Err(RangeError::GapNotContents);
    };
    let offset = usize::try_from(*offset).map_err(|_| RangeError::GapNotContents)?;
    let before = pdf.get(offset..gap_start).ok_or(RangeError::GapNotContents)?;
    let header = format!("{} {} obj", id.0, id.1);
    if !before.starts_with(header.as_bytes()) || find(before, b"endobj").is_some() || find(before, b"stream").is_some()
    {
        return Err(RangeError::GapNotContents);
    }
    if !before.trim_ascii_end().ends_with(b"/Contents") {
        return Err(RangeError::GapNotContents);
    }
    Ok(())
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn decode_hex(hex: &[u8]) -> Result<Vec<u8>, RangeError> {
    if !hex.len().is_multiple_of(2) {
        return Err(RangeError::ContentsNotHex);
    }
    let nib = |c: u8| -> Result<u8, RangeError> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(RangeError::ContentsNotHex),
        }
    };
    hex.chunks_exact(2).map(|p| Ok((nib(p[0])? << 4) | nib(p[1])?)).collect()
}

/// `pdf[..end]` ends with `%%EOF` and at most one end-of-line.
pub fn is_revision_end(pdf: &[u8], end: usize) -> bool {
    let Some(head) = pdf.get(..end) else { return false };
    let head = head.strip_suffix(b"\n").unwrap_or(head);
    let head = head.strip_suffix(b"\r").unwrap_or(head);
    head.ends_with(b"%%EOF")
}

/// The offset named by the last `startxref` in `pdf`, i.e. the xref section a reader uses.
pub fn last_startxref(pdf: &[u8]) -> Option<usize> {
    let tail_from = pdf.len().saturating_sub(1024);
    let tail = pdf.get(tail_from..)?;
    let pos = tail.windows(9).rposition(|w| w == b"startxref")?;
    let digits = tail.get(pos + 9..)?.trim_ascii_start();
    let n: String = digits.iter().take_while(|c| c.is_ascii_digit()).map(|c| char::from(*c)).collect();
    n.parse().ok()
}
