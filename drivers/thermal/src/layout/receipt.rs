//! The print receipt handed to the citizen after a session.

use super::common::{header, key_width, qr_block};
use crate::doc::{Align, Doc, LayoutOptions};
use crate::{PaperWidth, ReceiptData, ReceiptItem};

/// Receipt with a native QR code.
pub fn receipt(data: &ReceiptData, width: PaperWidth) -> Vec<u8> {
    receipt_with(data, &LayoutOptions::new(width))
}

pub fn receipt_with(data: &ReceiptData, opts: &LayoutOptions) -> Vec<u8> {
    let l = data.lang;
    let kw = key_width(opts.width);
    let mut doc = Doc::new(*opts);
    header(&mut doc, l, l.pick("BUKTI CETAK DOKUMEN", "DOCUMENT PRINT RECEIPT"), &data.site);
    doc.pair(l.pick("Kios", "Kiosk"), &data.kiosk_id, kw);
    doc.pair(l.pick("Waktu", "Date/time"), &data.printed_at, kw);
    let trx_key = match opts.width {
        PaperWidth::Mm58 => l.pick("No. Trans.", "Trans. no."),
        PaperWidth::Mm80 => l.pick("No. Transaksi", "Transaction"),
    };
    doc.pair(trx_key, &data.transaction_id, kw);
    doc.pair("NIK", &crate::redact::id_number(&data.masked_nik), kw);
    doc.rule(b'-');
    doc.bold(true);
    doc.line(l.pick("Dokumen:", "Documents:"));
    doc.bold(false);
    if data.items.is_empty() {
        doc.line(l.pick("(tidak ada dokumen)", "(no documents)"));
    }
    for (i, item) in data.items.iter().enumerate() {
        item_block(&mut doc, data, i + 1, item);
    }
    let failed = data.items.iter().filter(|i| !i.printed).count();
    if failed > 0 {
        doc.rule(b'=');
        doc.align(Align::Center);
        doc.bold(true);
        doc.line(l.pick("ADA DOKUMEN YANG TIDAK TERCETAK", "SOME DOCUMENTS WERE NOT PRINTED"));
        doc.bold(false);
        doc.line(l.pick("Tunjukkan bukti ini kepada petugas Disdukcapil.", "Show this receipt to Disdukcapil staff."));
        doc.align(Align::Left);
    }
    doc.rule(b'-');
    if let Some(note) = data.note.as_deref().filter(|n| !n.trim().is_empty()) {
        doc.line(note);
        doc.rule(b'-');
    }
    qr_block(&mut doc, &data.qr_payload, l.pick("Pindai untuk verifikasi", "Scan to verify"));
    doc.align(Align::Center);
    doc.line(&data.transaction_id);
    doc.line(l.pick("Simpan bukti ini. Terima kasih.", "Keep this receipt. Thank you."));
    doc.align(Align::Left);
    doc.cut();
    doc.finish()
}

fn item_block(doc: &mut Doc, data: &ReceiptData, n: usize, item: &ReceiptItem) {
    let l = data.lang;
    doc.line(&format!("{n}. {}", item.title));
    let number = crate::redact::document_number(&item.number);
    if !number.is_empty() {
        doc.indented(3, &format!("No. {number}"));
    }
    let pages = match (l, item.pages) {
        (crate::Language::Id, p) => format!("{p} halaman"),
        (crate::Language::En, 1) => "1 page".to_owned(),
        (crate::Language::En, p) => format!("{p} pages"),
    };
    doc.indented(3, &pages);
    if item.printed {
        doc.indented(3, l.pick("Tercetak", "Printed"));
    } else {
        doc.bold(true);
        doc.indented(3, l.pick("TIDAK TERCETAK — hubungi petugas", "NOT PRINTED — please ask staff"));
        doc.bold(false);
    }
}
