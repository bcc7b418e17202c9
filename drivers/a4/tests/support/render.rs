//! A hayro-backed `Rasterizer`, as the kiosk's document module provides one.

use std::sync::Arc;

use adm_a4::raster::RasterPage;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::util::TransformExt;
use hayro::hayro_syntax::Pdf;
use hayro::kurbo::Affine;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{RenderCache, RenderSettings, render_into};

/// Renders page `index` at `dpi`, 8-bit gray on white. The canvas is sized by rounding
/// (A4 at 300 dpi is 2480 × 3508); `hayro::render` truncates to 3507 rows.
pub fn hayro_render(pdf: &[u8], index: u32, dpi: u32) -> Result<RasterPage, String> {
    let doc = Pdf::new(Arc::new(pdf.to_vec())).map_err(|e| format!("{e:?}"))?;
    let pages = doc.pages();
    let page = pages.get(index as usize).ok_or_else(|| format!("no page {index}"))?;
    let (w_pt, h_pt) = page.render_dimensions();
    let scale = f64::from(dpi) / 72.0;
    let w = (f64::from(w_pt) * scale).round() as u16;
    let h = (f64::from(h_pt) * scale).round() as u16;
    let mut ctx = RenderContext::new(w, h);
    let transform = Affine::scale(scale) * page.initial_transform(true).to_kurbo();
    let cache = RenderCache::new();
    render_into(page, &cache, &InterpreterSettings::default(), &RenderSettings::default(), &mut ctx, transform);
    ctx.flush();
    let mut pixmap = Pixmap::new(w, h);
    ctx.render_with(
        &mut pixmap,
        &mut Resources::default(),
        RasterizerSettings { target_init: TargetInit::Clear(WHITE), ..Default::default() },
    );
    let rgba = pixmap.data_as_u8_slice();
    let pixels = rgba
        .chunks_exact(4)
        .map(|p| ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8)
        .collect();
    Ok(RasterPage { width: u32::from(w), height: u32::from(h), dpi, pixels })
}
