//! Page layouts of the demo documents (A4, Helvetica). Deliberately plain: what matters
//! for the kiosk is that each page carries the owner's NIK and KK number, the document
//! number, and the verification QR, and that everything is covered by the signature.
//! A Kartu Keluarga is A4 landscape, as the real one is printed (the kiosk's printers
//! must turn it onto the portrait sheet); the other documents are A4 portrait.

use crate::db::CitizenRow;
use crate::pdf::{A4_LANDSCAPE, A4_PORTRAIT, Canvas, PageContent};

pub struct DocContent<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub number: &'a str,
    pub issued: &'a str,
    pub owner: &'a CitizenRow,
    /// Family members (for a KK).
    pub members: &'a [CitizenRow],
    /// Kind-specific lines (label, value).
    pub extra: &'a [(String, String)],
    pub verify_url: &'a str,
    pub verify_code: &'a str,
}

/// Human title of a kind code, as printed on the document.
pub fn title_of(kind: &str) -> &'static str {
    match kind {
        "kk" => "KARTU KELUARGA",
        "akta-kelahiran" => "KUTIPAN AKTA KELAHIRAN",
        "akta-kematian" => "KUTIPAN AKTA KEMATIAN",
        "akta-perkawinan" => "KUTIPAN AKTA PERKAWINAN",
        "akta-perceraian" => "KUTIPAN AKTA PERCERAIAN",
        "skpwni" => "SURAT KETERANGAN PINDAH WNI",
        "biodata" => "BIODATA PENDUDUK WNI",
        _ => "DOKUMEN KEPENDUDUKAN",
    }
}

pub const KINDS: [&str; 7] =
    ["kk", "akta-kelahiran", "akta-kematian", "akta-perkawinan", "akta-perceraian", "skpwni", "biodata"];

fn sex_label(sex: &str) -> &'static str {
    if sex == "P" { "PEREMPUAN" } else { "LAKI-LAKI" }
}

const LEFT: f32 = 56.0;

/// Width and height of a page in points, for placing things from its right and top.
fn extent(size: (u32, u32)) -> (f32, f32) {
    (size.0 as f32, size.1 as f32) // A4 in points: exact in f32
}

fn header(c: &mut Canvas, doc: &DocContent<'_>, size: (u32, u32)) {
    let (w, h) = extent(size);
    c.text(LEFT, h - 42.0, true, 11.0, "REPUBLIK INDONESIA");
    c.text(LEFT, h - 56.0, false, 9.0, "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KABUPATEN DEMO");
    c.text(w - 235.0, h - 42.0, true, 9.0, "DOKUMEN DEMO - BUKAN DOKUMEN RESMI");
    c.line(LEFT, h - 64.0, w - LEFT, h - 64.0);
    c.text(LEFT, h - 92.0, true, 16.0, doc.title);
    c.text(LEFT, h - 110.0, false, 11.0, &format!("Nomor: {}", doc.number));
}

/// Where the first field line goes, below the header.
fn body_top(size: (u32, u32)) -> f32 {
    extent(size).1 - 142.0
}

fn footer(c: &mut Canvas, doc: &DocContent<'_>, page: usize, pages: usize, size: (u32, u32)) {
    let (w, _) = extent(size);
    c.line(LEFT, 60.0, w - LEFT, 60.0);
    c.text(
        LEFT,
        46.0,
        false,
        8.0,
        &format!("NIK: {}   No. KK: {}   Kode verifikasi: {}", doc.owner.nik, doc.owner.kk, doc.verify_code),
    );
    c.text(w - 115.0, 46.0, false, 8.0, &format!("Hal. {page}/{pages}"));
}

fn fields(c: &mut Canvas, mut y: f32, lines: &[(String, String)]) -> f32 {
    for (label, value) in lines {
        c.text(LEFT, y, false, 10.5, label);
        for (i, part) in wrap(value, 56).iter().enumerate() {
            let prefix = if i == 0 { ": " } else { "  " };
            c.text(LEFT + 170.0, y, false, 10.5, &format!("{prefix}{part}"));
            y -= 14.0;
        }
        y -= 4.0;
    }
    y
}

/// Greedy word wrap to `width` characters (Helvetica 10.5 pt: about 56 fit the value
/// column of a document; the catalogue's guides and forms wrap the same way).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let Some(line) = lines.last_mut() else { break };
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// The signing text right of the page's middle, the verification QR at the left.
fn signature_block(c: &mut Canvas, doc: &DocContent<'_>, top: f32, size: (u32, u32)) {
    let x = extent(size).0 - 295.0;
    c.text(x, top, false, 10.0, &format!("Kabupaten Demo, {}", doc.issued));
    c.text(x, top - 14.0, true, 9.0, "KEPALA DINAS KEPENDUDUKAN DAN");
    c.text(x, top - 26.0, true, 9.0, "PENCATATAN SIPIL KABUPATEN DEMO");
    c.text(x, top - 52.0, false, 8.0, "Ditandatangani secara elektronik menggunakan");
    c.text(x, top - 63.0, false, 8.0, "sertifikat elektronik yang diterbitkan oleh");
    c.text(x, top - 74.0, false, 8.0, "BSrE (DEMO).");
    c.qr(LEFT - 8.0, top - 120.0, 2.2, doc.verify_url);
    c.text(LEFT + 110.0, top - 96.0, false, 7.5, "Pindai untuk memeriksa");
    c.text(LEFT + 110.0, top - 106.0, false, 7.5, "status dokumen:");
    c.text(LEFT + 110.0, top - 116.0, true, 7.5, doc.verify_code);
}

fn person_lines(p: &CitizenRow) -> Vec<(String, String)> {
    vec![
        ("Nama Lengkap".into(), p.name.clone()),
        ("NIK".into(), p.nik.clone()),
        ("No. Kartu Keluarga".into(), p.kk.clone()),
        ("Jenis Kelamin".into(), sex_label(&p.sex).into()),
        ("Tempat, Tanggal Lahir".into(), format!("{}, {}", p.birth_place, p.birth_date)),
        ("Alamat".into(), p.address.clone()),
    ]
}

/// Every page: its size and content stream.
pub fn pages(doc: &DocContent<'_>) -> Vec<PageContent> {
    match doc.kind {
        "kk" => kk_pages(doc),
        "skpwni" => two_page_form(doc),
        _ => one_page_form(doc),
    }
}

fn one_page_form(doc: &DocContent<'_>) -> Vec<PageContent> {
    let size = A4_PORTRAIT;
    let mut c = Canvas::default();
    header(&mut c, doc, size);
    let y = fields(&mut c, body_top(size), &person_lines(doc.owner));
    let y = fields(&mut c, y - 10.0, doc.extra);
    signature_block(&mut c, doc, y.min(420.0) - 20.0, size);
    footer(&mut c, doc, 1, 1, size);
    vec![c.into_page(size)]
}

fn two_page_form(doc: &DocContent<'_>) -> Vec<PageContent> {
    let size = A4_PORTRAIT;
    let mut first = Canvas::default();
    header(&mut first, doc, size);
    fields(&mut first, body_top(size), &person_lines(doc.owner));
    footer(&mut first, doc, 1, 2, size);
    let mut second = Canvas::default();
    header(&mut second, doc, size);
    let y = fields(&mut second, body_top(size), doc.extra);
    signature_block(&mut second, doc, y.min(480.0) - 20.0, size);
    footer(&mut second, doc, 2, 2, size);
    vec![first.into_page(size), second.into_page(size)]
}

/// Two A4 landscape pages: the family table across the long side, then the details and
/// the signature.
fn kk_pages(doc: &DocContent<'_>) -> Vec<PageContent> {
    let size = A4_LANDSCAPE;
    let (w, _) = extent(size);
    let mut first = Canvas::default();
    header(&mut first, doc, size);
    let y = fields(
        &mut first,
        body_top(size),
        &[("Nama Kepala Keluarga".into(), doc.owner.name.clone()), ("Alamat".into(), doc.owner.address.clone())],
    );
    let cols = [LEFT, LEFT + 25.0, LEFT + 200.0, LEFT + 320.0, LEFT + 410.0, LEFT + 520.0, LEFT + 610.0];
    let heads = ["No", "Nama Lengkap", "NIK", "Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir", "Hubungan"];
    let mut y = y - 16.0;
    for (x, h) in cols.iter().zip(heads) {
        first.text(*x, y, true, 9.0, h);
    }
    first.line(LEFT, y - 5.0, w - LEFT, y - 5.0);
    for (i, m) in doc.members.iter().enumerate() {
        y -= 18.0;
        let no = (i + 1).to_string();
        let cells = [
            no.as_str(),
            m.name.as_str(),
            m.nik.as_str(),
            sex_label(&m.sex),
            m.birth_place.as_str(),
            m.birth_date.as_str(),
            m.relation.as_str(),
        ];
        for (x, cell) in cols.iter().zip(cells) {
            first.text(*x, y, false, 9.0, cell);
        }
    }
    footer(&mut first, doc, 1, 2, size);

    let mut second = Canvas::default();
    header(&mut second, doc, size);
    let y = fields(&mut second, body_top(size), doc.extra);
    signature_block(&mut second, doc, y.min(body_top(size) - 140.0) - 20.0, size);
    footer(&mut second, doc, 2, 2, size);
    vec![first.into_page(size), second.into_page(size)]
}
