//! Identity data in the PDF for the ownership check: `/NIK`, `/KK`, `/DocNumber`,
//! `/DocType` in the document information dictionary, else labelled numbers in the
//! page text. Revisions after signing cannot change these without the verdict
//! becoming "modified" (see `revisions`).

use lopdf::Document;
use serde::Serialize;

use super::pdf::{dict_of, get, text_string};

/// Upper bound on decoded text searched (hostile content streams).
const MAX_TEXT: usize = 1 << 20;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DocInfo {
    pub nik: Option<String>,
    pub kk: Option<String>,
    pub doc_number: Option<String>,
    pub doc_type: Option<String>,
    pub title: Option<String>,
}

pub fn extract(doc: &Document) -> DocInfo {
    let mut out = DocInfo::default();
    if let Some(info) = doc.trailer.get(b"Info").ok().and_then(|i| dict_of(doc, i)) {
        let field =
            |k: &[u8]| get(doc, info, k).and_then(text_string).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        out.nik = field(b"NIK").filter(|s| is_16_digits(s));
        out.kk = field(b"KK").filter(|s| is_16_digits(s));
        out.doc_number = field(b"DocNumber");
        out.doc_type = field(b"DocType");
        out.title = field(b"Title");
    }
    if out.nik.is_none() || out.kk.is_none() {
        let pages: Vec<u32> = doc.get_pages().into_keys().take(4).collect();
        if let Ok(text) = doc.extract_text_with_limit(&pages, MAX_TEXT) {
            out.nik = out.nik.or_else(|| labelled_number(&text, &["NIK"]));
            out.kk = out.kk.or_else(|| labelled_number(&text, &["No. KK", "Nomor KK", "KK", "No."]));
        }
    }
    out
}

fn is_16_digits(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The first 16-digit number following one of `labels` (only separators in between).
fn labelled_number(text: &str, labels: &[&str]) -> Option<String> {
    for label in labels {
        for (pos, _) in text.match_indices(label) {
            let rest = text.get(pos + label.len()..)?;
            let rest = rest.trim_start_matches([' ', ':', '.', '\t', '\u{a0}']);
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if digits.len() == 16 {
                return Some(digits);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_labelled_numbers() {
        let t = "KARTU KELUARGA No. 3174050101120007\nNIK: 3174055708900003";
        assert_eq!(labelled_number(t, &["NIK"]).as_deref(), Some("3174055708900003"));
        assert_eq!(labelled_number(t, &["No."]).as_deref(), Some("3174050101120007"));
        assert_eq!(labelled_number("NIK: 12345", &["NIK"]), None);
    }
}
