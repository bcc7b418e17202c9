//! Technician test page: printer identity and counters, code-page sample, a QR code and a
//! dot grid (a dead heating element shows up as a white line through the grid).

use super::common::{header, key_width, qr_block};
use crate::doc::{Align, Doc, LayoutOptions};
use crate::raster::Bitmap;
use crate::{Language, PaperWidth};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestPageData {
    pub lang: Language,
    pub kiosk_id: String,
    pub site: String,
    pub printed_at: String,
    pub model: String,
    pub firmware: String,
    /// (name, value) pairs, e.g. receipts printed, reconnects.
    pub counters: Vec<(String, String)>,
    pub qr_payload: String,
}

pub fn test_page(data: &TestPageData, width: PaperWidth) -> Vec<u8> {
    test_page_with(data, &LayoutOptions::new(width))
}

pub fn test_page_with(data: &TestPageData, opts: &LayoutOptions) -> Vec<u8> {
    let l = data.lang;
    let kw = key_width(opts.width);
    let mut doc = Doc::new(*opts);
    header(&mut doc, l, l.pick("HALAMAN UJI PRINTER", "PRINTER TEST PAGE"), &data.site);
    doc.pair(l.pick("Kios", "Kiosk"), &data.kiosk_id, kw);
    doc.pair(l.pick("Waktu", "Date/time"), &data.printed_at, kw);
    doc.pair(l.pick("Model", "Model"), &data.model, kw);
    doc.pair("Firmware", &data.firmware, kw);
    doc.pair(l.pick("Lebar kertas", "Paper width"), width_label(opts.width), kw);
    doc.pair(l.pick("Mode QR", "QR mode"), qr_label(opts), kw);
    doc.rule(b'-');
    for (name, value) in &data.counters {
        doc.pair(name, value, kw);
    }
    doc.rule(b'-');
    // Digits in two groups: no printout carries a long digit run (see `ruler`).
    doc.line("ABCDEFGHIJKLMNOPQRSTUVWXYZ 01234 56789");
    doc.line("abcdefghijklmnopqrstuvwxyz !\"#$%&'()*+,-./:;<=>?@[]_{|}~");
    doc.line("WPC1252: é è ê ë á à â ä ó ö ú ü ñ ç É Ü");
    doc.line(&ruler(doc.columns()));
    doc.bold(true);
    doc.line(l.pick("Huruf tebal", "Bold text"));
    doc.bold(false);
    doc.size(2, 2);
    doc.line(l.pick("Besar", "Large"));
    doc.size(1, 1);
    qr_block(&mut doc, &data.qr_payload, l.pick("QR uji", "Test QR"));
    doc.blank();
    doc.align(Align::Left);
    doc.image(&grid(opts.width.dots(), 96));
    doc.blank();
    doc.align(Align::Center);
    doc.line(l.pick("-- akhir halaman uji --", "-- end of test page --"));
    doc.align(Align::Left);
    doc.cut();
    doc.finish()
}

/// A column ruler (`----+----1----+----2…`): shows where the line ends like a row of
/// digits would, without printing a long digit run (no printout shows one: that is how
/// identity numbers look, and tests check layouts for them).
fn ruler(columns: usize) -> String {
    (1..=columns)
        .map(|c| match (c % 10, c % 5) {
            (0, _) => char::from_digit(((c / 10) % 10) as u32, 10).unwrap_or('0'),
            (_, 0) => '+',
            _ => '-',
        })
        .collect()
}

fn width_label(width: PaperWidth) -> &'static str {
    match width {
        PaperWidth::Mm58 => "58 mm (384 dots)",
        PaperWidth::Mm80 => "80 mm (576 dots)",
    }
}

fn qr_label(opts: &LayoutOptions) -> &'static str {
    match opts.qr {
        crate::qr::QrMode::Native => "GS ( k",
        crate::qr::QrMode::Raster => "raster",
    }
}

/// Full-width grid: a line every 16 dots both ways, plus a solid bar (head wear test).
fn grid(width: u32, height: u32) -> Bitmap {
    let mut b = Bitmap::new(width, height);
    for y in 0..height {
        for x in 0..width {
            let on_grid = x % 16 == 0 || y % 16 == 0 || x == width - 1 || y == height - 1;
            let bar = y >= height - 16;
            b.set(x, y, on_grid || bar);
        }
    }
    b
}
