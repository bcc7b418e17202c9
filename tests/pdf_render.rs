//! Rendering: preview for the confirm screen and A4 rasters.

mod pdf_common;
use pdf_common as common;

use adm_kiosk::document::render::{a4_pixels, preview, raster_a4};
use common::*;

/// Fraction of clearly dark pixels in an image region.
fn ink(img: &image::GrayImage) -> f64 {
    let dark = img.pixels().filter(|p| p.0[0] < 128).count();
    dark as f64 / (img.width() * img.height()) as f64
}

#[test]
fn a4_raster_at_300_dpi_has_the_text() {
    let pages = raster_a4(&read("valid-rsa.pdf"), None, 300).expect("renders");
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].dimensions(), a4_pixels(300));
    assert_eq!(a4_pixels(300), (2480, 3508));
    let ink = ink(&pages[0]);
    assert!(ink > 0.001 && ink < 0.2, "ink {ink}");
}

#[test]
fn encrypted_document_renders_with_the_pin() {
    let pdf = read("valid-encrypted-pin.pdf");
    assert!(raster_a4(&pdf, Some(&pin()), 150).is_ok());
    assert!(raster_a4(&pdf, None, 150).is_err());
}

#[test]
fn preview_is_small_and_mask_blurs() {
    let pdf = read("valid-rsa.pdf");
    let clear = preview(&pdf, None, 0, 320, false).expect("preview");
    let masked = preview(&pdf, None, 0, 320, true).expect("masked preview");
    assert_eq!(clear.width(), 320);
    assert_eq!(masked.dimensions(), clear.dimensions());
    // Blurring removes the hard black text strokes.
    let darkest = |img: &image::RgbaImage| img.pixels().map(|p| p.0[0]).min().unwrap_or(255);
    assert!(darkest(&clear) < 60);
    assert!(darkest(&masked) > darkest(&clear));
    assert!(preview(&pdf, None, 3, 320, false).is_err());
    assert!(preview(b"not a pdf", None, 0, 320, false).is_err());
}
