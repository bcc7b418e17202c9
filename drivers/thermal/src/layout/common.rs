//! Pieces shared by the layouts.

use crate::doc::{Align, Doc};
use crate::{Language, PaperWidth};

/// Width of the key column in `key : value` rows.
pub(super) fn key_width(width: PaperWidth) -> usize {
    match width {
        PaperWidth::Mm58 => 10,
        PaperWidth::Mm80 => 14,
    }
}

/// Dots per QR module: ~0.125 mm dots, so 6 dots ≈ 0.75 mm modules on 80 mm paper, which phone
/// cameras read at arm's length; 58 mm paper gets 5.
pub(super) fn qr_module(width: PaperWidth) -> u8 {
    match width {
        PaperWidth::Mm58 => 5,
        PaperWidth::Mm80 => 6,
    }
}

/// Title block: service name in double size, then a subtitle and the site.
pub(super) fn header(doc: &mut Doc, lang: Language, subtitle: &str, site: &str) {
    doc.align(Align::Center);
    doc.bold(true);
    // Double height only: the name fits one line even on 58 mm paper.
    doc.size(1, 2);
    doc.line(lang.pick("ANJUNGAN DUKCAPIL MANDIRI", "ANJUNGAN DUKCAPIL MANDIRI"));
    doc.size(1, 1);
    doc.line(subtitle);
    doc.bold(false);
    if !site.is_empty() {
        doc.line(site);
    }
    doc.align(Align::Left);
    doc.rule(b'-');
}

/// A QR code with a blank line above and below: native QR symbols have no quiet zone of their
/// own, and scanners need white around the code.
pub(super) fn qr_block(doc: &mut Doc, payload: &str, caption: &str) {
    if payload.is_empty() {
        return;
    }
    doc.blank();
    doc.qr(payload, qr_module(doc.width()));
    doc.blank();
    doc.align(Align::Center);
    doc.line(caption);
    doc.align(Align::Left);
}
