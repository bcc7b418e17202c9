//! Pickup slip for KTP-el / KIA: the cards are printed on security blanks by the office, not
//! here; the slip tells the citizen where and when to collect theirs.

use super::common::{header, key_width, qr_block};
use crate::doc::{Align, Doc, LayoutOptions};
use crate::{Language, PaperWidth};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupSlipData {
    pub lang: Language,
    pub kiosk_id: String,
    pub site: String,
    pub printed_at: String,
    /// "KTP-el" or "KIA".
    pub document: String,
    pub application_code: String,
    /// Printed through [`crate::redact::id_number`], like the receipt's.
    pub masked_nik: String,
    /// Where to collect, e.g. "Loket 3, Disdukcapil Kab. Contoh, Jl. ...".
    pub pickup_place: String,
    /// When, e.g. "mulai 12-05-2025, 08.00-15.00 WIB".
    pub pickup_time: String,
    /// Application code or a status URL only: never personal data.
    pub qr_payload: String,
    /// What to bring to the counter, one item each (the office's list).
    pub bring: Vec<String>,
    pub note: Option<String>,
}

pub fn pickup_slip(data: &PickupSlipData, width: PaperWidth) -> Vec<u8> {
    pickup_slip_with(data, &LayoutOptions::new(width))
}

pub fn pickup_slip_with(data: &PickupSlipData, opts: &LayoutOptions) -> Vec<u8> {
    let l = data.lang;
    let kw = key_width(opts.width);
    let mut doc = Doc::new(*opts);
    header(&mut doc, l, l.pick("BUKTI PENGAMBILAN", "PICKUP SLIP"), &data.site);
    doc.align(Align::Center);
    doc.bold(true);
    doc.size(2, 2);
    doc.line(&data.document);
    doc.size(1, 1);
    doc.line(l.pick("Kode Permohonan", "Application code"));
    doc.size(1, 2);
    doc.line(&data.application_code);
    doc.size(1, 1);
    doc.bold(false);
    doc.align(Align::Left);
    doc.rule(b'-');
    doc.pair("NIK", &crate::redact::id_number(&data.masked_nik), kw);
    doc.pair(l.pick("Kios", "Kiosk"), &data.kiosk_id, kw);
    doc.pair(l.pick("Dicetak", "Printed"), &data.printed_at, kw);
    doc.rule(b'-');
    doc.bold(true);
    doc.line(l.pick("Tempat pengambilan:", "Where to collect:"));
    doc.bold(false);
    doc.indented(2, &data.pickup_place);
    doc.bold(true);
    doc.line(l.pick("Waktu pengambilan:", "When to collect:"));
    doc.bold(false);
    doc.indented(2, &data.pickup_time);
    if !data.bring.is_empty() {
        doc.bold(true);
        doc.line(l.pick("Yang perlu dibawa:", "What to bring:"));
        doc.bold(false);
        for item in &data.bring {
            doc.indented(2, &format!("- {item}"));
        }
    }
    doc.rule(b'-');
    doc.line(l.pick(
        "Bawa slip ini dan tunjukkan kepada petugas. Kartu hanya diserahkan kepada pemohon atau \
         orang yang diberi kuasa.",
        "Bring this slip and show it to the staff. The card is handed only to the applicant or \
         an authorised person.",
    ));
    if let Some(note) = data.note.as_deref().filter(|n| !n.trim().is_empty()) {
        doc.line(note);
    }
    qr_block(&mut doc, &data.qr_payload, l.pick("Pindai untuk cek status", "Scan to check the status"));
    doc.cut();
    doc.finish()
}
