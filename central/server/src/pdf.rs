//! Minimal PDF writer for signed documents: one revision, standard fonts, a signature
//! field whose `/Contents` is reserved up front so the CMS can be embedded afterwards.
//!
//! Written by hand (rather than with lopdf) because a signature needs exact control of
//! byte offsets: `/ByteRange` must cover the whole file except the `/Contents` hex string.

use std::fmt::Write as _;

/// Bytes reserved for the DER CMS (hex-encoded in the file, so twice as many characters).
pub const SIGNATURE_CAPACITY: usize = 8192;

/// Width of the `/ByteRange` array as written before the offsets are known.
const BYTE_RANGE_PLACEHOLDER: &str = "[0 0000000000 0000000000 0000000000]";

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("signature of {0} bytes does not fit the reserved space")]
    SignatureTooLarge(usize),
}

/// What goes into the document information dictionary (standard and custom keys).
pub struct InfoEntry {
    pub key: &'static str,
    pub value: String,
}

pub struct SignatureFields {
    pub name: String,
    pub reason: String,
    pub location: String,
    /// PDF date, e.g. `D:20250131091500+07'00'`.
    pub signing_date: String,
}

/// A PDF with a reserved, zero-filled `/Contents`; `byte_range` already final.
pub struct Prepared {
    pub bytes: Vec<u8>,
    /// Offset of `<` of the `/Contents` hex string.
    contents_start: usize,
    /// Offset just after `>`.
    contents_end: usize,
}

impl Prepared {
    /// The two signed spans: everything except the `/Contents` hex string.
    pub fn signed_parts(&self) -> [&[u8]; 2] {
        [&self.bytes[..self.contents_start], &self.bytes[self.contents_end..]]
    }

    /// Writes the DER signature into the reserved space (hex, zero-padded).
    pub fn embed(mut self, der: &[u8]) -> Result<Vec<u8>, PdfError> {
        if der.len() > SIGNATURE_CAPACITY {
            return Err(PdfError::SignatureTooLarge(der.len()));
        }
        let hex = hex::encode_upper(der);
        let start = self.contents_start + 1;
        self.bytes[start..start + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(self.bytes)
    }
}

/// Escapes a PDF literal string; anything outside printable ASCII becomes `?` (the
/// standard fonts use WinAnsi, and demo data is ASCII anyway).
pub fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('(');
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push(')');
    out
}

/// A4 in PostScript points, width × height.
pub const A4_PORTRAIT: (u32, u32) = (595, 842);
/// A4 turned: a Kartu Keluarga is printed on A4 landscape.
pub const A4_LANDSCAPE: (u32, u32) = (842, 595);

/// One page: its size in points (the MediaBox) and its content stream.
pub struct PageContent {
    pub size: (u32, u32),
    pub content: Vec<u8>,
}

/// Builds the file: catalog, pages, fonts, info, signature field and dictionary.
pub fn prepare(pages: &[PageContent], info: &[InfoEntry], sig: &SignatureFields, file_id: &[u8; 16]) -> Prepared {
    const CATALOG: usize = 1;
    const PAGES: usize = 2;
    const FONT: usize = 3;
    const FONT_BOLD: usize = 4;
    const INFO: usize = 5;
    const FIELD: usize = 6;
    const SIG: usize = 7;
    let page_obj = |i: usize| 8 + 2 * i;
    let content_obj = |i: usize| 9 + 2 * i;
    let count = 7 + 2 * pages.len();

    let mut out: Vec<u8> = Vec::new();
    let mut offsets = vec![0usize; count + 1];
    out.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");

    fn obj(out: &mut Vec<u8>, offsets: &mut [usize], n: usize, body: &[u8]) {
        offsets[n] = out.len();
        out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }

    obj(
        &mut out,
        &mut offsets,
        CATALOG,
        format!("<< /Type /Catalog /Pages {PAGES} 0 R /AcroForm << /Fields [{FIELD} 0 R] /SigFlags 3 >> >>").as_bytes(),
    );
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", page_obj(i))).collect();
    obj(
        &mut out,
        &mut offsets,
        PAGES,
        format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()).as_bytes(),
    );
    obj(
        &mut out,
        &mut offsets,
        FONT,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    );
    obj(
        &mut out,
        &mut offsets,
        FONT_BOLD,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    );
    let mut info_dict = String::from("<<");
    for e in info {
        let _ = write!(info_dict, " /{} {}", e.key, literal(&e.value));
    }
    info_dict.push_str(" >>");
    obj(&mut out, &mut offsets, INFO, info_dict.as_bytes());
    // Invisible widget: the signature is shown by the page content (QR and text).
    obj(
        &mut out,
        &mut offsets,
        FIELD,
        format!(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T (TTE Dukcapil) /V {SIG} 0 R /Rect [0 0 0 0] /F 132 /P {} 0 R >>",
            page_obj(0)
        )
        .as_bytes(),
    );

    // Signature dictionary with placeholders; offsets are patched once the file is whole.
    offsets[SIG] = out.len();
    out.extend_from_slice(
        format!("{SIG} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange ")
            .as_bytes(),
    );
    let byte_range_at = out.len();
    out.extend_from_slice(BYTE_RANGE_PLACEHOLDER.as_bytes());
    out.extend_from_slice(b" /Contents ");
    let contents_start = out.len();
    out.push(b'<');
    out.extend(std::iter::repeat_n(b'0', SIGNATURE_CAPACITY * 2));
    out.push(b'>');
    let contents_end = out.len();
    out.extend_from_slice(
        format!(
            " /M {} /Name {} /Reason {} /Location {} >>\nendobj\n",
            literal(&sig.signing_date),
            literal(&sig.name),
            literal(&sig.reason),
            literal(&sig.location)
        )
        .as_bytes(),
    );

    for (i, page) in pages.iter().enumerate() {
        let annots = if i == 0 { format!(" /Annots [{FIELD} 0 R]") } else { String::new() };
        let (w, h) = page.size;
        let content = &page.content;
        obj(
            &mut out,
            &mut offsets,
            page_obj(i),
            format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {w} {h}] /Resources << /Font << /F1 {FONT} 0 R /F2 {FONT_BOLD} 0 R >> >> /Contents {} 0 R{annots} >>",
                content_obj(i)
            )
            .as_bytes(),
        );
        let mut body = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(b"\nendstream");
        obj(&mut out, &mut offsets, content_obj(i), &body);
    }

    let id = hex::encode_upper(file_id);
    let objects: Vec<(u32, usize)> = (1..).zip(offsets[1..].iter().copied()).collect();
    adm_pdf_xref::finish(&mut out, &objects, &format!("/Root {CATALOG} 0 R /Info {INFO} 0 R /ID [<{id}> <{id}>]"));

    let len = out.len();
    let range = format!("[0 {} {} {}]", contents_start, contents_end, len - contents_end);
    let padded = format!("{range:<width$}", width = BYTE_RANGE_PLACEHOLDER.len());
    out[byte_range_at..byte_range_at + padded.len()].copy_from_slice(padded.as_bytes());

    Prepared { bytes: out, contents_start, contents_end }
}

/// Page content drawing helpers (PDF operators, in points, origin bottom-left).
#[derive(Default)]
pub struct Canvas {
    ops: String,
}

impl Canvas {
    pub fn text(&mut self, x: f32, y: f32, bold: bool, size: f32, s: &str) {
        let font = if bold { "F2" } else { "F1" };
        let _ = writeln!(self.ops, "BT /{font} {size} Tf {x:.1} {y:.1} Td {} Tj ET", literal(s));
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        let _ = writeln!(self.ops, "0.6 w {x1:.1} {y1:.1} m {x2:.1} {y2:.1} l S");
    }

    /// A QR code with its quiet zone, lower-left corner at (x, y), `module` points per module.
    pub fn qr(&mut self, x: f32, y: f32, module: f32, payload: &str) {
        let Ok(code) = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M) else {
            return;
        };
        let width = code.width();
        let colors = code.to_colors();
        let quiet = 4.0 * module;
        let _ = writeln!(self.ops, "0 g");
        for (i, color) in colors.iter().enumerate() {
            if *color == qrcode::Color::Dark {
                let col = (i % width) as f32;
                let row = (i / width) as f32;
                let px = x + quiet + col * module;
                // Rows run top to bottom; PDF y runs bottom to top.
                let py = y + quiet + (width as f32 - 1.0 - row) * module;
                let _ = writeln!(self.ops, "{px:.2} {py:.2} {module:.2} {module:.2} re");
            }
        }
        let _ = writeln!(self.ops, "f");
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.ops.into_bytes()
    }

    /// The page of `size` points this canvas was drawn for.
    pub fn into_page(self, size: (u32, u32)) -> PageContent {
        PageContent { size, content: self.into_bytes() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_range_covers_everything_but_contents() {
        let mut c = Canvas::default();
        c.text(50.0, 800.0, true, 14.0, "KARTU (KELUARGA)");
        let sig = SignatureFields {
            name: "n".into(),
            reason: "r".into(),
            location: "l".into(),
            signing_date: "D:20250101000000Z".into(),
        };
        let pages = [c.into_page(A4_PORTRAIT), Canvas::default().into_page(A4_LANDSCAPE)];
        let p = prepare(&pages, &[InfoEntry { key: "NIK", value: "3201011505800001".into() }], &sig, &[7; 16]);
        let text = String::from_utf8_lossy(&p.bytes).to_string();
        assert!(text.contains("/MediaBox [0 0 595 842]") && text.contains("/MediaBox [0 0 842 595]"));
        let br_at = text.find("/ByteRange [").unwrap() + "/ByteRange [".len();
        let nums: Vec<usize> =
            text[br_at..].split(']').next().unwrap().split_whitespace().map(|n| n.parse().unwrap()).collect();
        assert_eq!(nums[0], 0);
        assert_eq!(p.bytes[nums[1]], b'<');
        assert_eq!(p.bytes[nums[2] - 1], b'>');
        assert_eq!(nums[2] + nums[3], p.bytes.len());
        let [a, b] = p.signed_parts();
        assert_eq!(a.len() + b.len() + SIGNATURE_CAPACITY * 2 + 2, p.bytes.len());
        let signed = p.embed(&[0xAB; 10]).unwrap();
        assert!(String::from_utf8_lossy(&signed).contains("/Contents <ABABABABABABABABABAB0000"));
    }

    #[test]
    fn literal_escapes() {
        assert_eq!(literal("a(b)c\\é"), "(a\\(b\\)c\\\\?)");
    }
}
