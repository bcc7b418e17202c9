//! Landscape pages (a Kartu Keluarga is printed on A4 landscape) on the raster paths:
//! a real PDF with a landscape page, a portrait page turned by `/Rotate 90` and a
//! portrait page is rendered by hayro (as the kiosk does), put on the sheet by the
//! driver, encoded as PWG raster, URF and PCL, and decoded back by the independent
//! decoders of `support::decode`. Every page must come out as one portrait A4 sheet,
//! the landscape ones turned 90° counter-clockwise (the displayed top-left corner at the
//! sheet's bottom-left), nothing scaled.

mod support;

use std::io::Read;
use std::sync::Arc;

use adm_a4::raster::{
    PclOptions, RasterFormat, RasterStream, Rasterizer, a4_dots, encode_pcl_page, pcl_job_end, pcl_job_start, render_a4,
};
use support::decode::{decode_pcl, decode_pwg, decode_urf};

/// Bounding box (x0, y0, x1, y1) of the dark dots at least `inset` dots inside every
/// edge (inside the 10 mm frame, so only the 1-inch square).
fn square(w: u32, h: u32, inset: u32, dark: impl Fn(u32, u32) -> bool) -> Option<(u32, u32, u32, u32)> {
    let mut b: Option<(u32, u32, u32, u32)> = None;
    for y in inset..h - inset {
        for x in inset..w - inset {
            if dark(x, y) {
                b = Some(match b {
                    None => (x, y, x, y),
                    Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
                });
            }
        }
    }
    b
}

fn close(a: (u32, u32, u32, u32), b: (u32, u32, u32, u32)) -> bool {
    let d = |p: u32, q: u32| p.abs_diff(q) <= 1;
    d(a.0, b.0) && d(a.1, b.1) && d(a.2, b.2) && d(a.3, b.3)
}

/// Where the 1-inch square of page `index` of `landscape_pdf()` must be on the portrait
/// sheet at `dpi`: 1 inch from the left edge and, for the two landscape pages (turned
/// counter-clockwise, so their top-left corner is at the sheet's bottom-left), 1 inch
/// from the bottom edge; 1 inch from the top for the portrait page.
fn expected_square(index: u32, dpi: u32) -> (u32, u32, u32, u32) {
    let (_, h) = a4_dots(dpi);
    let inch = dpi;
    if index < 2 { (inch, h - 2 * inch, 2 * inch - 1, h - inch - 1) } else { (inch, inch, 2 * inch - 1, 2 * inch - 1) }
}

/// The first dark dot from the left on row `y` (the frame's left side).
fn first_dark(w: u32, y: u32, dark: impl Fn(u32, u32) -> bool) -> Option<u32> {
    (0..w).find(|&x| dark(x, y))
}

fn rasterizer() -> Arc<dyn Rasterizer> {
    Arc::new(support::render::hayro_render)
}

#[test]
fn hayro_shows_the_landscape_pages_landscape() {
    let pdf = support::pdf::landscape_pdf();
    for (i, landscape) in [(0, true), (1, true), (2, false)] {
        let page = support::render::hayro_render(&pdf, i, 100).expect("render");
        assert_eq!(page.width > page.height, landscape, "page {i}: {}x{}", page.width, page.height);
    }
}

#[test]
fn pwg_raster_turns_landscape_pages_onto_the_portrait_sheet() {
    let pdf = support::pdf::landscape_pdf();
    let mut stream = RasterStream::new(pdf.into(), rasterizer(), RasterFormat::Pwg, 300, 0..3);
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).expect("stream");
    let pages = decode_pwg(&bytes).expect("valid PWG raster");
    assert_eq!(pages.len(), 3);
    for (i, p) in pages.iter().enumerate() {
        assert_eq!((p.width, p.height, p.dpi), (2480, 3508, (300, 300)), "page {i}: A4 portrait at 300 dpi");
        assert_eq!((p.page_size_pt, p.page_size_name.as_str()), ((595, 842), "iso_a4_210x297mm"));
        let dark = |x: u32, y: u32| p.pixels[(y * p.width + x) as usize] < 128;
        let b = square(p.width, p.height, 200, dark).expect("the square");
        assert!(close(b, expected_square(i as u32, 300)), "page {i}: square at {b:?}");
        // The frame 10 mm (118 dots) inside the left edge, half-way down: true scale.
        let frame = first_dark(p.width, p.height / 2, dark).expect("the frame");
        assert!(frame.abs_diff(118) <= 3, "page {i}: frame {frame} dots from the left edge");
    }
}

#[test]
fn urf_turns_landscape_pages_onto_the_portrait_sheet() {
    let pdf = support::pdf::landscape_pdf();
    let mut stream = RasterStream::new(pdf.into(), rasterizer(), RasterFormat::Urf, 100, 0..2);
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).expect("stream");
    let pages = decode_urf(&bytes).expect("valid URF");
    assert_eq!(pages.len(), 2);
    for (i, p) in pages.iter().enumerate() {
        assert_eq!((p.width, p.height, p.dpi), (827, 1169, (100, 100)), "page {i}: A4 portrait at 100 dpi");
        let b = square(p.width, p.height, 60, |x, y| p.pixels[(y * p.width + x) as usize] < 128).expect("square");
        assert!(close(b, expected_square(i as u32, 100)), "page {i}: square at {b:?}");
    }
}

#[test]
fn pcl_turns_landscape_pages_onto_the_portrait_sheet() {
    let pdf = support::pdf::landscape_pdf();
    let r = rasterizer();
    let opts = PclOptions { left_offset_dots: 71, pjl: true };
    let mut stream = Vec::new();
    pcl_job_start(&opts, "KK-1", &mut stream);
    for i in 0..3 {
        // What the raw USB backend does for each page.
        let page = render_a4(r.as_ref(), &pdf, i, 300).expect("page");
        assert_eq!((page.width, page.height), a4_dots(300));
        encode_pcl_page(&page, &opts, &mut stream);
    }
    pcl_job_end(&opts, "KK-1", &mut stream);
    assert!(stream.windows(5).any(|w| w == b"\x1b&l0O"), "portrait orientation");
    assert_eq!(stream.windows(8).filter(|w| w == b"\x1b*r2409S").count(), 3, "3 portrait-wide rasters");
    assert_eq!(stream.windows(8).filter(|w| w == b"\x1b*r3508T").count(), 3, "3 portrait-tall rasters");
    let pages = decode_pcl(&stream, a4_dots(300)).expect("decode");
    assert_eq!(pages.len(), 3);
    // The page size is set once for the job (the decoder gives it to the first page).
    assert_eq!(pages[0].page_size_code, Some(26), "A4");
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(p.dpi, 300, "page {i}: 300 dpi");
        let b = square(p.width, p.height, 200, |x, y| p.get(x, y)).expect("square");
        assert!(close(b, expected_square(i as u32, 300)), "page {i}: square at {b:?}");
        let frame = first_dark(p.width, p.height / 2, |x, y| p.get(x, y)).expect("the frame");
        assert!(frame.abs_diff(118) <= 3, "page {i}: frame {frame} dots from the left edge");
    }
}
