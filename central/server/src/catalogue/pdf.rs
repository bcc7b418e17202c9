//! The catalogue's PDFs: each service's guide ("petunjuk") and the blank forms, laid out
//! on A4 portrait and signed (PAdES) by the same signer as every document, so the kiosk
//! verifies them the same way before printing. They name no person: the information
//! dictionary carries `/DocType` (`petunjuk` or `formulir`) and `/DocId`, never `/NIK`.

use sha2::{Digest, Sha256};

use super::{Form, ServiceDef, Text};
use crate::pdf::{self, A4_PORTRAIT, Canvas, InfoEntry, PageContent, SignatureFields};
use crate::render::wrap;
use crate::sign::{DocumentSigner, SignError};

/// `/DocType` of a guide and of a blank form.
pub const DOC_TYPE_GUIDE: &str = "petunjuk";
pub const DOC_TYPE_FORM: &str = "formulir";

const LEFT: f32 = 56.0;
const TOP: f32 = 842.0 - 42.0;
const BOTTOM: f32 = 80.0;
/// Characters per line at 10 pt Helvetica across the text column (about 480 pt).
const WRAP: usize = 92;

/// An unsigned catalogue file: its pages and what identifies it.
pub struct Unsigned {
    pub id: String,
    pub doc_type: &'static str,
    pub title: String,
    pub pages: Vec<PageContent>,
}

impl Unsigned {
    /// SHA-256 of the layout, to tell whether a stored signed copy is still current.
    pub fn layout_digest(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.id.as_bytes());
        for p in &self.pages {
            h.update(p.content.as_slice());
        }
        hex::encode(h.finalize())
    }

    /// Signs the file as the server signs documents.
    pub fn sign(&self, signer: &DocumentSigner) -> Result<Vec<u8>, SignError> {
        let now = chrono::Local::now();
        let date = pdf_date(&now);
        let info = vec![
            InfoEntry { key: "Title", value: self.title.clone() },
            InfoEntry { key: "Author", value: "Dinas Dukcapil Kabupaten Demo".into() },
            InfoEntry { key: "Producer", value: "adm-central reference server (DEMO)".into() },
            InfoEntry { key: "CreationDate", value: date.clone() },
            InfoEntry { key: "DocType", value: self.doc_type.into() },
            InfoEntry { key: "DocId", value: self.id.clone() },
        ];
        let sig = SignatureFields {
            name: "Kepala Dinas Dukcapil Kabupaten Demo".into(),
            reason: format!("Penerbitan {}", self.title),
            location: "Kabupaten Demo".into(),
            signing_date: date,
        };
        let file_id: [u8; 16] = Sha256::digest(self.id.as_bytes())[..16].try_into().unwrap_or([0; 16]);
        signer.sign_pdf(pdf::prepare(&self.pages, &info, &sig, &file_id))
    }
}

/// Writes lines top to bottom, starting a new page when one is full.
struct Pages {
    done: Vec<PageContent>,
    canvas: Canvas,
    y: f32,
    title: String,
}

impl Pages {
    fn new(title: &str) -> Pages {
        let mut p = Pages { done: Vec::new(), canvas: Canvas::default(), y: TOP, title: title.to_owned() };
        p.header();
        p
    }

    fn header(&mut self) {
        self.canvas.text(LEFT, TOP, true, 11.0, "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KABUPATEN DEMO");
        self.canvas.text(360.0, TOP - 14.0, true, 9.0, "DOKUMEN DEMO - BUKAN DOKUMEN RESMI");
        self.canvas.line(LEFT, TOP - 22.0, 539.0, TOP - 22.0);
        self.canvas.text(LEFT, TOP - 48.0, true, 14.0, &self.title);
        self.y = TOP - 76.0;
    }

    fn room(&mut self, needed: f32) {
        if self.y - needed < BOTTOM {
            let full = std::mem::take(&mut self.canvas);
            self.done.push(full.into_page(A4_PORTRAIT));
            self.header();
        }
    }

    fn heading(&mut self, s: &str) {
        self.room(30.0);
        self.y -= 6.0;
        self.canvas.text(LEFT, self.y, true, 11.0, s);
        self.y -= 16.0;
    }

    /// A paragraph, wrapped, with an optional prefix ("1.") hanging left of it.
    fn para(&mut self, prefix: &str, s: &str) {
        for (i, line) in wrap(s, WRAP).iter().enumerate() {
            self.room(14.0);
            if i == 0 && !prefix.is_empty() {
                self.canvas.text(LEFT, self.y, false, 10.0, prefix);
            }
            self.canvas.text(LEFT + 18.0, self.y, false, 10.0, line);
            self.y -= 13.0;
        }
        self.y -= 2.0;
    }

    /// A label and a dotted line to write on by hand.
    fn field(&mut self, label: &str) {
        self.room(26.0);
        self.canvas.text(LEFT, self.y, false, 10.0, label);
        self.canvas.line(LEFT + 190.0, self.y - 2.0, 539.0, self.y - 2.0);
        self.y -= 26.0;
    }

    fn finish(mut self) -> Vec<PageContent> {
        let total = self.done.len() + 1;
        self.done.push(self.canvas.into_page(A4_PORTRAIT));
        // Page numbers go on at the end, when the count is known: appended operators.
        for (i, page) in self.done.iter_mut().enumerate() {
            let mut footer = Canvas::default();
            footer.line(LEFT, 60.0, 539.0, 60.0);
            footer.text(LEFT, 46.0, false, 8.0, "Ditandatangani secara elektronik (TTE) - dokumen demo");
            footer.text(480.0, 46.0, false, 8.0, &format!("Hal. {}/{total}", i + 1));
            page.content.extend_from_slice(&footer.into_bytes());
        }
        self.done
    }
}

fn numbered(p: &mut Pages, items: &[Text]) {
    for (i, item) in items.iter().enumerate() {
        p.para(&format!("{}.", i + 1), item.id);
    }
}

/// The guide of a service: requirements, procedure, time, fee, forms.
pub fn guide(s: &ServiceDef) -> Unsigned {
    let title = format!("PETUNJUK LAYANAN {}", s.title.id.to_uppercase());
    let mut p = Pages::new(&title);
    p.heading("Persyaratan Pelayanan");
    numbered(&mut p, s.requirements);
    p.heading("Sistem, Mekanisme, dan Prosedur");
    numbered(&mut p, s.procedure);
    p.heading("Jangka Waktu Pelayanan");
    p.para("", s.duration.id);
    p.heading("Biaya/Tarif");
    p.para("", s.fee.id);
    if s.send_paper_files {
        p.heading("Pengiriman Berkas Fisik");
        p.para(
            "",
            "Setelah pengajuan disetujui, kirimkan berkas persyaratan ke Dinas melalui PT. Pos Indonesia dengan label alamat dan checklist persyaratan yang dapat dicetak di ADM.",
        );
    }
    let forms: Vec<&Form> = s.forms.iter().filter_map(|id| super::form(id)).collect();
    if !forms.is_empty() {
        p.heading("Formulir");
        for f in forms {
            p.para("-", &format!("{} {} (unduh, cetak, dan isi)", f.code, f.title.id));
        }
    }
    Unsigned { id: super::guide_id(s.id), doc_type: DOC_TYPE_GUIDE, title, pages: p.finish() }
}

/// A blank form: its fields with lines to write on, and a signature place.
pub fn form(f: &Form) -> Unsigned {
    let title = format!("{} {}", f.code, f.title.id.to_uppercase());
    let mut p = Pages::new(&title);
    p.para("", "Diisi dengan huruf kapital. Tanggal ditulis lengkap, misalnya 01 September 2019.");
    p.y -= 8.0;
    for field in f.fields {
        p.field(field);
    }
    p.room(90.0);
    p.y -= 20.0;
    p.canvas.text(340.0, p.y, false, 10.0, "...................., ....................");
    p.canvas.text(340.0, p.y - 16.0, false, 10.0, "Pemohon,");
    p.canvas.text(340.0, p.y - 76.0, false, 10.0, "(.......................................)");
    Unsigned { id: f.id.to_owned(), doc_type: DOC_TYPE_FORM, title, pages: p.finish() }
}

/// Every file of the catalogue: one guide per service, then the forms.
pub fn all() -> Vec<Unsigned> {
    super::SERVICES.iter().map(guide).chain(super::FORMS.iter().map(form)).collect()
}

fn pdf_date(t: &chrono::DateTime<chrono::Local>) -> String {
    let offset = t.format("%z").to_string();
    let (h, m) = offset.split_at(offset.len().saturating_sub(2));
    format!("D:{}{h}'{m}'", t.format("%Y%m%d%H%M%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_pages_and_names_no_person() {
        let files = all();
        assert_eq!(files.len(), super::super::SERVICES.len() + super::super::FORMS.len());
        for f in &files {
            assert!(!f.pages.is_empty(), "{}", f.id);
            let text = String::from_utf8_lossy(&f.pages[0].content).to_string();
            assert!(text.contains("DOKUMEN DEMO"), "{}", f.id);
        }
        let kk = files.iter().find(|f| f.id == "kk-baru-petunjuk").expect("KK Baru guide");
        let all_text: String = kk.pages.iter().map(|p| String::from_utf8_lossy(&p.content).to_string()).collect();
        assert!(all_text.contains("(1 hari kerja)") && all_text.contains("(Tidak dipungut biaya \\(Gratis\\))"));
    }
}
