//! Minimal, valid PDFs written by hand (correct xref offsets) for tests.
#![allow(dead_code)] // shared by the tests and the bench; each uses part of it

/// An A4 PDF (595.276 × 841.89 pt) with `pages` pages. On page i (0-based) a black
/// square of exactly 1 inch sits 1 inch from the top-left corner, plus i+1 small
/// 0.1-inch marks along the top so that pages differ.
pub fn a4_pdf(pages: u32) -> Vec<u8> {
    let mut objs: Vec<String> = Vec::new();
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 3 + 2 * i)).collect();
    objs.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    objs.push(format!("<< /Type /Pages /Kids [{}] /Count {pages} >>", kids.join(" ")));
    for i in 0..pages {
        let mut content = String::from("0 g\n72 697.89 72 72 re f\n");
        for m in 0..=i {
            content.push_str(&format!("{} 800 7.2 7.2 re f\n", 216.0 + 21.6 * f64::from(m)));
        }
        objs.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.276 841.89] /Contents {} 0 R /Resources << >> >>",
            4 + 2 * i
        ));
        objs.push(format!("<< /Length {} >>\nstream\n{content}endstream", content.len()));
    }
    assemble(&objs)
}

/// A text-heavy A4 document (like a Kartu Keluarga printout): a title, a ruled table of
/// 10 rows × 6 columns in Helvetica, and a 1-inch square standing in for the QR code.
pub fn document_pdf(pages: u32) -> Vec<u8> {
    let mut objs: Vec<String> = Vec::new();
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    objs.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    objs.push(format!("<< /Type /Pages /Kids [{}] /Count {pages} >>", kids.join(" ")));
    objs.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into());
    for p in 0..pages {
        let mut c = String::from("BT /F1 16 Tf 150 780 Td (KARTU KELUARGA - HALAMAN ");
        c.push_str(&format!("{}) Tj ET\n", p + 1));
        c.push_str("0.5 w\n");
        for r in 0..=10 {
            let y = 700.0 - 24.0 * f64::from(r);
            c.push_str(&format!("40 {y} m 555 {y} l S\n"));
        }
        for r in 0..10 {
            let y = 684.0 - 24.0 * f64::from(r);
            for (k, x) in [45, 75, 200, 300, 380, 470].iter().enumerate() {
                c.push_str(&format!("BT /F1 9 Tf {x} {y} Td (Nama Anggota {r}{k} 3201010101) Tj ET\n"));
            }
        }
        for l in 0..25 {
            let y = 420.0 - 12.0 * f64::from(l);
            c.push_str(&format!("BT /F1 8 Tf 40 {y} Td (Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang diterbitkan BSrE {l}) Tj ET\n"));
        }
        c.push_str("0 g 460 60 72 72 re f\n");
        objs.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.276 841.89] /Contents {} 0 R /Resources << /Font << /F1 3 0 R >> >> >>",
            5 + 2 * p
        ));
        objs.push(format!("<< /Length {} >>\nstream\n{c}endstream", c.len()));
    }
    assemble(&objs)
}

/// A Kartu Keluarga's shape: three pages with a black square of exactly 1 inch whose
/// corner is 1 inch from the top-left corner of the page *as displayed*, and a 1 pt
/// frame 10 mm inside the displayed page's edges:
/// 0. A4 landscape (MediaBox 841.89 × 595.276 pt);
/// 1. an A4 portrait MediaBox with `/Rotate 90`, displayed landscape (its square is
///    drawn so that it is at the displayed top-left);
/// 2. A4 portrait.
pub fn landscape_pdf() -> Vec<u8> {
    let (long, short) = (841.89, 595.276);
    let frame = |w: f64, h: f64| format!("0 G 1 w 28.35 28.35 {:.2} {:.2} re S\n", w - 56.7, h - 56.7);
    let pages: [(f64, f64, u32, String); 3] = [
        (long, short, 0, format!("0 g 72 {:.3} 72 72 re f\n{}", short - 144.0, frame(long, short))),
        // Displayed turned 90° clockwise: the displayed top-left corner is the
        // MediaBox's bottom-left one.
        (short, long, 90, format!("0 g 72 72 72 72 re f\n{}", frame(short, long))),
        (short, long, 0, format!("0 g 72 {:.3} 72 72 re f\n{}", long - 144.0, frame(short, long))),
    ];
    let mut objs: Vec<String> = Vec::new();
    objs.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    objs.push(format!("<< /Type /Pages /Kids [3 0 R 5 0 R 7 0 R] /Count {} >>", pages.len()));
    for (i, (w, h, rotate, content)) in pages.iter().enumerate() {
        objs.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] /Rotate {rotate} /Contents {} 0 R /Resources << >> >>",
            4 + 2 * i
        ));
        objs.push(format!("<< /Length {} >>\nstream\n{content}endstream", content.len()));
    }
    assemble(&objs)
}

/// Objects 1..n (object 1 the catalog) as a PDF file with a correct xref table.
fn assemble(objs: &[String]) -> Vec<u8> {
    adm_pdf_xref::assemble(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", objs)
}
