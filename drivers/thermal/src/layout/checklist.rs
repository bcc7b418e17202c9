//! A service's requirement checklist ("Cetak daftar persyaratan", the service catalogue):
//! what to gather before applying, each with a box to tick by hand, and the standard's
//! time and fee. Printed for anyone, without sign-in: nothing about a person is on it.

use super::common::{header, key_width};
use crate::doc::{Doc, LayoutOptions};
use crate::{Language, PaperWidth};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceChecklistData {
    pub lang: Language,
    pub kiosk_id: String,
    pub site: String,
    pub printed_at: String,
    /// The service's title as the catalogue words it ("Kartu Keluarga (KK) Baru").
    pub service: String,
    /// The requirements, in the standard's order and wording.
    pub requirements: Vec<String>,
    /// Service time as the standard words it ("1 hari kerja").
    pub duration: String,
    /// Fee as the standard words it ("Tidak dipungut biaya (Gratis)").
    pub fee: String,
}

pub fn service_checklist(data: &ServiceChecklistData, width: PaperWidth) -> Vec<u8> {
    service_checklist_with(data, &LayoutOptions::new(width))
}

pub fn service_checklist_with(data: &ServiceChecklistData, opts: &LayoutOptions) -> Vec<u8> {
    let l = data.lang;
    let kw = key_width(opts.width);
    let mut doc = Doc::new(*opts);
    header(&mut doc, l, l.pick("DAFTAR PERSYARATAN", "REQUIREMENTS CHECKLIST"), &data.site);
    doc.pair(l.pick("Kios", "Kiosk"), &data.kiosk_id, kw);
    doc.pair(l.pick("Waktu", "Date/time"), &data.printed_at, kw);
    doc.rule(b'-');
    doc.bold(true);
    doc.size(1, 2);
    doc.line(&data.service);
    doc.size(1, 1);
    doc.line(l.pick("Persyaratan:", "Requirements:"));
    doc.bold(false);
    checklist(&mut doc, &data.requirements);
    doc.rule(b'-');
    doc.bold(true);
    doc.line(l.pick("Waktu layanan:", "Service time:"));
    doc.bold(false);
    doc.indented(2, &data.duration);
    doc.bold(true);
    doc.line(l.pick("Biaya:", "Fee:"));
    doc.bold(false);
    doc.indented(2, &data.fee);
    doc.rule(b'-');
    doc.line(
        l.pick("Centang setiap persyaratan yang sudah Anda siapkan.", "Tick each requirement once you have it ready."),
    );
    doc.cut();
    doc.finish()
}

/// Items with a box to tick by hand, continuation lines under the text (shared with the
/// address label's envelope checklist).
pub(super) fn checklist(doc: &mut Doc, items: &[String]) {
    for item in items {
        doc.hanging(2, "[ ] ", item);
    }
}
