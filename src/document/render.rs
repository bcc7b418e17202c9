//! Rendering with hayro: a small preview for the confirm screen and full A4 rasters for
//! printers that do not take PDF. Call only on documents that [`super::verify`] passed.

use std::sync::Arc;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};
use image::{GrayImage, RgbaImage};
use thiserror::Error;

/// A4 in inches.
const A4_W_IN: f32 = 210.0 / 25.4;
const A4_H_IN: f32 = 297.0 / 25.4;
/// hayro renders into u16-sized pixmaps; stay well inside.
const MAX_SIDE: f32 = 16_000.0;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RenderError {
    #[error("PDF cannot be opened for rendering (damaged, or wrong password)")]
    Open,
    #[error("page {0} does not exist")]
    NoPage(usize),
    #[error("requested size is out of range")]
    Size,
    #[error("the renderer failed on this page")]
    Crashed,
}

fn open(pdf: &[u8], password: Option<&str>) -> Result<Pdf, RenderError> {
    Pdf::new_with_password(Arc::new(pdf.to_vec()), password.unwrap_or("")).map_err(|_| RenderError::Open)
}

/// Renders `page` (0-based) at `scale` px/pt on white; returns RGBA (alpha is 255).
fn render_page(pdf: &Pdf, page: usize, scale_for: impl Fn(f32, f32) -> f32) -> Result<RgbaImage, RenderError> {
    let pages = pdf.pages();
    let p = pages.get(page).ok_or(RenderError::NoPage(page))?;
    let (w, h) = p.render_dimensions();
    let s = scale_for(w, h);
    if !(s.is_finite() && s > 0.0) || w * s > MAX_SIDE || h * s > MAX_SIDE || w * s < 1.0 || h * s < 1.0 {
        return Err(RenderError::Size);
    }
    // Only verified documents get here, but a renderer bug must not take the kiosk down.
    let pix = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let cache = RenderCache::new();
        hayro::render(
            p,
            &cache,
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            &PixmapSettings { x_scale: s, y_scale: s, bg_color: WHITE },
        )
    }))
    .map_err(|_| RenderError::Crashed)?;
    RgbaImage::from_raw(u32::from(pix.width()), u32::from(pix.height()), pix.data_as_u8_slice().to_vec())
        .ok_or(RenderError::Size)
}

/// A low-resolution preview `width_px` wide. With `mask`, the page is blurred so that
/// layout and photo areas are recognisable on a public screen but no digits are legible.
pub fn preview(
    pdf: &[u8],
    password: Option<&str>,
    page: usize,
    width_px: u32,
    mask: bool,
) -> Result<RgbaImage, RenderError> {
    if !(32..=4096).contains(&width_px) {
        return Err(RenderError::Size);
    }
    let doc = open(pdf, password)?;
    let target = width_px as f32; // ≤ 4096: exact in f32
    let img = render_page(&doc, page, |w, _| target / w)?;
    if mask { Ok(image::imageops::fast_blur(&img, target / 90.0)) } else { Ok(img) }
}

/// Pixel size of an A4 sheet at `dpi`.
pub fn a4_pixels(dpi: u32) -> (u32, u32) {
    let d = dpi as f32; // printer resolutions are small integers
    ((A4_W_IN * d).round() as u32, (A4_H_IN * d).round() as u32)
}

/// Page `index` (0-based) at true scale and `dpi`, 8-bit gray on white: what a printer
/// that takes no PDF gets (PWG raster, URF, PCL). The A4 driver puts it on the sheet.
pub fn printer_page(pdf: &[u8], index: u32, dpi: u32) -> Result<adm_a4::raster::RasterPage, RenderError> {
    if !(72..=1200).contains(&dpi) {
        return Err(RenderError::Size);
    }
    let doc = open(pdf, None)?;
    let page = usize::try_from(index).map_err(|_| RenderError::NoPage(usize::MAX))?;
    let scale = dpi as f32 / 72.0; // ≤ 1200: exact in f32
    let rgba = render_page(&doc, page, |_, _| scale)?;
    let pixels = rgba.pixels().map(|p| luma(p.0)).collect();
    Ok(adm_a4::raster::RasterPage { width: rgba.width(), height: rgba.height(), dpi, pixels })
}

/// The kiosk's renderer, plugged into the A4 driver for printers that take no PDF.
#[derive(Debug, Clone, Copy, Default)]
pub struct HayroRasterizer;

impl adm_a4::raster::Rasterizer for HayroRasterizer {
    fn render(&self, pdf: &[u8], index: u32, dpi: u32) -> Result<adm_a4::raster::RasterPage, String> {
        printer_page(pdf, index, dpi).map_err(|e| e.to_string())
    }
}

/// ITU-R BT.601 luma of an opaque pixel (the pixmap has a white background).
fn luma([r, g, b, _]: [u8; 4]) -> u8 {
    let l = (77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b)) >> 8;
    u8::try_from(l).unwrap_or(u8::MAX)
}

/// Every page fitted onto an A4 sheet at `dpi` (8-bit gray, white paper), centred.
pub fn raster_a4(pdf: &[u8], password: Option<&str>, dpi: u32) -> Result<Vec<GrayImage>, RenderError> {
    if !(72..=1200).contains(&dpi) {
        return Err(RenderError::Size);
    }
    let doc = open(pdf, password)?;
    let (sw, sh) = a4_pixels(dpi);
    (0..doc.pages().len())
        .map(|i| {
            let rgba = render_page(&doc, i, |w, h| (sw as f32 / w).min(sh as f32 / h))?;
            let mut sheet = GrayImage::from_pixel(sw, sh, image::Luma([255]));
            // Centre the page; rows are converted in bulk (this is the hot loop at 600 dpi).
            let (ox, oy) = (sw.saturating_sub(rgba.width()) / 2, sh.saturating_sub(rgba.height()) / 2);
            let (src_w, dst_w) = (rgba.width() as usize, sw as usize); // u32 → usize: lossless here
            let cols = src_w.min(dst_w.saturating_sub(ox as usize));
            let rows = rgba.rows().take((sh - oy) as usize);
            let dst = sheet.as_mut();
            for (y, row) in rows.enumerate() {
                let start = (oy as usize + y) * dst_w + ox as usize;
                let Some(out) = dst.get_mut(start..start + cols) else { break };
                for (o, px) in out.iter_mut().zip(row) {
                    *o = luma(px.0);
                }
            }
            Ok(sheet)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_pages_are_true_scale() {
        let pdf = crate::document::test_page::pdf();
        let page = printer_page(&pdf, 0, 100).expect("render");
        let (w, h) = adm_a4::raster::a4_dots(100);
        // hayro sizes its canvas by truncation: at most one dot short, never scaled.
        assert!(w - page.width <= 1 && h - page.height <= 1, "{}x{}", page.width, page.height);
        assert_eq!(page.pixels.len(), (page.width * page.height) as usize);
        // The frame is 10 mm from the left edge: 39.4 dots at 100 dpi.
        let row = page.row(page.height / 2);
        let first_dark = row.iter().position(|v| *v < 128).expect("the frame");
        assert!((38..=41).contains(&first_dark), "frame at {first_dark} dots");
        assert!(matches!(printer_page(&pdf, 1, 100), Err(RenderError::NoPage(1))));
        assert!(matches!(printer_page(b"not a pdf", 0, 100), Err(RenderError::Open)));
    }
}
