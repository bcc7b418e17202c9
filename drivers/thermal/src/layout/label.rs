//! Address label ("Cetak label alamat") for sending physical files, with the application code
//! in large print and as a QR code.

use super::common::{key_width, qr_block};
use crate::doc::{Align, Doc, LayoutOptions};
use crate::{Language, PaperWidth};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressLabelData {
    pub lang: Language,
    pub application_code: String,
    pub recipient: String,
    pub address_lines: Vec<String>,
    /// Sender: the Disdukcapil office.
    pub sender: String,
    pub printed_at: String,
    /// Application code only.
    pub qr_payload: String,
    /// What goes into the envelope (the service's requirements), ticked off by hand
    /// while packing it; empty for a label without one.
    pub checklist: Vec<String>,
}

pub fn address_label(data: &AddressLabelData, width: PaperWidth) -> Vec<u8> {
    address_label_with(data, &LayoutOptions::new(width))
}

pub fn address_label_with(data: &AddressLabelData, opts: &LayoutOptions) -> Vec<u8> {
    let l = data.lang;
    let mut doc = Doc::new(*opts);
    doc.align(Align::Center);
    doc.bold(true);
    doc.line(l.pick("LABEL ALAMAT", "ADDRESS LABEL"));
    doc.size(2, 2);
    doc.line(&data.application_code);
    doc.size(1, 1);
    doc.bold(false);
    doc.align(Align::Left);
    doc.rule(b'=');
    doc.bold(true);
    doc.line(l.pick("Kepada:", "To:"));
    doc.size(1, 2);
    doc.line(&data.recipient);
    doc.size(1, 1);
    doc.bold(false);
    for line in &data.address_lines {
        doc.line(line);
    }
    doc.rule(b'-');
    doc.bold(true);
    doc.line(l.pick("Dari:", "From:"));
    doc.bold(false);
    doc.line(&data.sender);
    doc.pair(l.pick("Dicetak", "Printed"), &data.printed_at, key_width(opts.width));
    if !data.checklist.is_empty() {
        doc.rule(b'-');
        doc.bold(true);
        doc.line(l.pick("Isi amplop (persyaratan):", "In the envelope (requirements):"));
        doc.bold(false);
        super::checklist::checklist(&mut doc, &data.checklist);
    }
    qr_block(&mut doc, &data.qr_payload, &data.application_code);
    doc.cut();
    doc.finish()
}
