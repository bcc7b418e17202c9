//! Raster pages and the printer languages they are sent in when a printer cannot take
//! the PDF itself: PWG raster, Apple raster (URF) and PCL raster.
//!
//! This crate does not render PDFs: the kiosk plugs its renderer in as a [`Rasterizer`]
//! (hayro, from its document module).

mod pcl;
mod pwg;
mod stream;

pub use pcl::{PclOptions, encode_pcl_page, pcl_job_end, pcl_job_start};
pub use pwg::{RasterFormat, encode_raster_page, raster_file_header};
pub use stream::RasterStream;

/// One page as 8-bit gray (0 black … 255 white), row-major, no row padding.
#[derive(Clone, PartialEq, Eq)]
pub struct RasterPage {
    pub width: u32,
    pub height: u32,
    /// Dots per inch, both directions.
    pub dpi: u32,
    pub pixels: Vec<u8>,
}

impl std::fmt::Debug for RasterPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RasterPage({}x{} @{}dpi, {} bytes)", self.width, self.height, self.dpi, self.pixels.len())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RasterError {
    #[error("raster has {got} bytes, expected {expected} for {width}x{height}")]
    BadSize { width: u32, height: u32, expected: usize, got: usize },
    #[error("rendering page {page} failed: {message}")]
    Render { page: u32, message: String },
}

/// Width × height in dots of an ISO A4 sheet (210 × 297 mm) at `dpi`, rounded to the
/// nearest dot: 2480 × 3508 at 300 dpi. (Truncating gives 3507 rows and a page 0.08 mm
/// short: renderers that size their canvas with `as u16` do this.)
pub fn a4_dots(dpi: u32) -> (u32, u32) {
    let dots = |mm: f64| (mm / 25.4 * f64::from(dpi)).round() as u32;
    (dots(210.0), dots(297.0))
}

/// A4 in PostScript points (1/72 in), as PWG raster headers want it.
pub const A4_POINTS: (u32, u32) = (595, 842);

impl RasterPage {
    pub fn blank(width: u32, height: u32, dpi: u32) -> Self {
        RasterPage { width, height, dpi, pixels: vec![255; width as usize * height as usize] }
    }

    pub fn check(&self) -> Result<(), RasterError> {
        let expected = self.width as usize * self.height as usize;
        if self.pixels.len() != expected {
            return Err(RasterError::BadSize {
                width: self.width,
                height: self.height,
                expected,
                got: self.pixels.len(),
            });
        }
        Ok(())
    }

    pub fn row(&self, y: u32) -> &[u8] {
        let w = self.width as usize;
        let start = y as usize * w;
        &self.pixels[start..start + w]
    }

    /// The page turned so that it stands on a portrait sheet: a landscape page (wider
    /// than tall as displayed, i.e. after its PDF `/Rotate`: a Kartu Keluarga is printed
    /// on A4 landscape) is rotated 90° counter-clockwise; any other page is returned as
    /// is. No scaling: a 297 × 210 mm page becomes exactly the 210 × 297 mm sheet.
    ///
    /// Counter-clockwise because that is what printers and drivers do with landscape
    /// content: IPP `orientation-requested = landscape (4)` (RFC 8011 §5.2.10) and CUPS'
    /// `-o landscape` are defined as the portrait page rotated 90° counter-clockwise,
    /// as PostScript's landscape always was. The top of the landscape page lies along
    /// the sheet's left edge, so a stack of printed pages reads the same way as one
    /// from an office printer, and a sheet turned clockwise on the desk reads upright.
    pub fn upright(self) -> RasterPage {
        if self.width <= self.height || self.check().is_err() {
            return self;
        }
        let (w, h) = (self.width as usize, self.height as usize);
        // Turned: `h` dots wide, `w` rows. Row `r` of the result is source column
        // `w - 1 - r` read top to bottom (the source's right edge becomes the top).
        let mut pixels = vec![255u8; w * h];
        for (r, dst) in pixels.chunks_exact_mut(h).enumerate() {
            let col = w - 1 - r;
            for (y, d) in dst.iter_mut().enumerate() {
                *d = self.pixels[y * w + col];
            }
        }
        RasterPage { width: self.height, height: self.width, dpi: self.dpi, pixels }
    }

    /// The page placed on an A4 sheet at true scale (`print-scaling=none`): centred,
    /// white around it, cropped if larger. A page that already is A4 is returned as is.
    pub fn onto_a4(self) -> Result<RasterPage, RasterError> {
        self.check()?;
        let (w, h) = a4_dots(self.dpi);
        if (self.width, self.height) == (w, h) {
            return Ok(self);
        }
        let mut out = RasterPage::blank(w, h, self.dpi);
        let dx = (i64::from(w) - i64::from(self.width)) / 2;
        let dy = (i64::from(h) - i64::from(self.height)) / 2;
        for y in 0..self.height {
            let ty = i64::from(y) + dy;
            if !(0..i64::from(h)).contains(&ty) {
                continue;
            }
            for x in 0..self.width {
                let tx = i64::from(x) + dx;
                if (0..i64::from(w)).contains(&tx) {
                    out.pixels[ty as usize * w as usize + tx as usize] = self.pixels[(y * self.width + x) as usize];
                }
            }
        }
        Ok(out)
    }

    /// 1 bit per dot, 1 = black, rows padded to whole bytes, most significant bit first
    /// (PCL raster). Grays are halftoned with an 8×8 ordered dither: text and QR codes
    /// (pure black on white) stay exactly as rendered.
    pub fn to_bilevel(&self) -> Vec<u8> {
        let row_bytes = self.width.div_ceil(8) as usize;
        let mut out = vec![0u8; row_bytes * self.height as usize];
        for (y, dst) in out.chunks_mut(row_bytes.max(1)).enumerate().take(self.height as usize) {
            self.bilevel_row(y as u32, 0, dst);
        }
        out
    }

    /// Row `y` from column `x0` on, halftoned into `dst` (1 = black, MSB first). The
    /// dither phase follows the page's own columns, so cropping does not shift it.
    pub fn bilevel_row(&self, y: u32, x0: u32, dst: &mut [u8]) {
        dst.fill(0);
        let row = self.row(y);
        for (i, &v) in row.iter().skip(x0 as usize).enumerate().take(dst.len() * 8) {
            if v < bayer_threshold(x0 + i as u32, y) {
                dst[i / 8] |= 0x80 >> (i % 8);
            }
        }
    }
}

/// Threshold in 1..=255 for dot (x, y): values below it print black.
fn bayer_threshold(x: u32, y: u32) -> u8 {
    const B: [[u8; 8]; 8] = [
        [0, 32, 8, 40, 2, 34, 10, 42],
        [48, 16, 56, 24, 50, 18, 58, 26],
        [12, 44, 4, 36, 14, 46, 6, 38],
        [60, 28, 52, 20, 62, 30, 54, 22],
        [3, 35, 11, 43, 1, 33, 9, 41],
        [51, 19, 59, 27, 49, 17, 57, 25],
        [15, 47, 7, 39, 13, 45, 5, 37],
        [63, 31, 55, 23, 61, 29, 53, 21],
    ];
    B[(y % 8) as usize][(x % 8) as usize] * 4 + 2
}

/// Renders PDF pages. The kiosk implements it with hayro; any closure
/// `Fn(&[u8], u32, u32) -> Result<RasterPage, String>` is one.
pub trait Rasterizer: Send + Sync {
    /// Page `index` (0-based) of `pdf`, 8-bit gray, at `dpi`, at true scale: an A4 page
    /// must come back as [`a4_dots`]`(dpi)`.
    fn render(&self, pdf: &[u8], index: u32, dpi: u32) -> Result<RasterPage, String>;
}

impl<F> Rasterizer for F
where
    F: Fn(&[u8], u32, u32) -> Result<RasterPage, String> + Send + Sync,
{
    fn render(&self, pdf: &[u8], index: u32, dpi: u32) -> Result<RasterPage, String> {
        self(pdf, index, dpi)
    }
}

/// Renders page `index` and puts it on a portrait A4 sheet at true scale: landscape
/// pages turned onto it ([`RasterPage::upright`]), then centred ([`RasterPage::onto_a4`]).
pub fn render_a4(r: &dyn Rasterizer, pdf: &[u8], index: u32, dpi: u32) -> Result<RasterPage, RasterError> {
    let page = r.render(pdf, index, dpi).map_err(|message| RasterError::Render { page: index, message })?;
    if page.dpi != dpi {
        return Err(RasterError::Render { page: index, message: format!("rendered at {} dpi, not {dpi}", page.dpi) });
    }
    page.upright().onto_a4()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a4_at_300_dpi_is_2480_by_3508() {
        assert_eq!(a4_dots(300), (2480, 3508));
        assert_eq!(a4_dots(600), (4961, 7016));
    }

    #[test]
    fn smaller_pages_are_centred_at_true_scale() {
        let mut p = RasterPage::blank(2, 2, 10);
        p.pixels[0] = 0;
        let a4 = p.onto_a4().expect("a4");
        assert_eq!((a4.width, a4.height), a4_dots(10));
        let (w, h) = a4_dots(10);
        let black: Vec<usize> = a4.pixels.iter().enumerate().filter(|(_, v)| **v == 0).map(|(i, _)| i).collect();
        assert_eq!(black, vec![((h - 2) / 2 * w + (w - 2) / 2) as usize]);
    }

    /// A 6 × 4 landscape page with one black dot at `(x, y)`.
    fn landscape_with_dot(x: u32, y: u32) -> RasterPage {
        let mut p = RasterPage::blank(6, 4, 10);
        p.pixels[(y * 6 + x) as usize] = 0;
        p
    }

    fn black_dots(p: &RasterPage) -> Vec<(u32, u32)> {
        (0..p.height)
            .flat_map(|y| (0..p.width).map(move |x| (x, y)))
            .filter(|&(x, y)| p.row(y)[x as usize] == 0)
            .collect()
    }

    #[test]
    fn landscape_pages_turn_counter_clockwise() {
        // Top-left corner of the landscape page → bottom-left of the portrait sheet;
        // top-right → top-left; bottom-left → bottom-right.
        for ((x, y), want) in [((0, 0), (0, 5)), ((5, 0), (0, 0)), ((0, 3), (3, 5)), ((4, 1), (1, 1))] {
            let turned = landscape_with_dot(x, y).upright();
            assert_eq!((turned.width, turned.height, turned.dpi), (4, 6, 10));
            assert_eq!(black_dots(&turned), vec![want], "dot at {:?}", (x, y));
        }
        // Portrait and square pages stand already.
        let mut portrait = RasterPage::blank(4, 6, 10);
        portrait.pixels[1] = 0;
        assert_eq!(portrait.clone().upright(), portrait);
        let square = RasterPage::blank(5, 5, 10);
        assert_eq!(square.clone().upright(), square);
        // A page whose pixels do not match its size is left for `check` to refuse.
        let bad = RasterPage { width: 6, height: 4, dpi: 10, pixels: vec![0; 3] };
        assert_eq!(bad.clone().upright(), bad);
    }

    #[test]
    fn an_a4_landscape_page_fills_the_portrait_sheet_at_true_scale() {
        // An A4 landscape page at 100 dpi (1169 × 827 dots) with a 1 cm mark whose
        // top-left corner is 3 cm from the page's left edge and 2 cm from its top.
        let dpi = 100;
        let (sheet_w, sheet_h) = a4_dots(dpi);
        let cm = |v: f64| (v / 2.54 * f64::from(dpi)).round() as u32;
        let r = move |_: &[u8], _: u32, dpi: u32| -> Result<RasterPage, String> {
            let mut p = RasterPage::blank(sheet_h, sheet_w, dpi);
            for y in cm(2.0)..cm(3.0) {
                for x in cm(3.0)..cm(4.0) {
                    p.pixels[(y * sheet_h + x) as usize] = 0;
                }
            }
            Ok(p)
        };
        let page = render_a4(&r, b"%PDF", 0, dpi).expect("page");
        assert_eq!((page.width, page.height), (sheet_w, sheet_h), "one portrait A4 sheet, nothing scaled");
        let dots = black_dots(&page);
        let (xs, ys): (Vec<u32>, Vec<u32>) = dots.iter().copied().unzip();
        let bbox = (xs.iter().min(), ys.iter().min(), xs.iter().max(), ys.iter().max());
        // Turned counter-clockwise: 2 cm from the sheet's left edge, 3 cm from its bottom,
        // still 1 cm × 1 cm.
        let want = (cm(2.0), sheet_h - cm(4.0), cm(3.0) - 1, sheet_h - 1 - cm(3.0));
        assert_eq!(bbox, (Some(&want.0), Some(&want.1), Some(&want.2), Some(&want.3)));
        assert_eq!(dots.len() as u32, (cm(3.0) - cm(2.0)) * (cm(4.0) - cm(3.0)));
    }

    #[test]
    fn a_landscape_page_not_quite_a4_is_turned_then_centred() {
        // hayro sizes its canvas by truncation: a landscape A4 page may come back a dot
        // short; it still fills the sheet from its top-left corner.
        let r = |_: &[u8], _: u32, dpi: u32| -> Result<RasterPage, String> {
            let (w, h) = a4_dots(dpi);
            let mut p = RasterPage::blank(h - 1, w, dpi);
            p.pixels[(h - 2) as usize] = 0; // top-right corner
            Ok(p)
        };
        let page = render_a4(&r, b"%PDF", 0, 100).expect("page");
        assert_eq!((page.width, page.height), a4_dots(100));
        assert_eq!(black_dots(&page), vec![(0, 0)]);
    }

    #[test]
    fn black_and_white_survive_the_dither() {
        let mut p = RasterPage::blank(16, 2, 300);
        p.pixels[..8].fill(0);
        let bits = p.to_bilevel();
        assert_eq!(bits, vec![0xFF, 0x00, 0x00, 0x00]);
        let mut grey = RasterPage::blank(8, 8, 300);
        grey.pixels.fill(128);
        let ones: u32 = grey.to_bilevel().iter().map(|b| b.count_ones()).sum();
        assert_eq!(ones, 32, "50 % grey is half the dots");
    }

    #[test]
    fn closures_are_rasterizers() {
        let r = |_: &[u8], _: u32, dpi: u32| -> Result<RasterPage, String> {
            let (w, h) = a4_dots(dpi);
            Ok(RasterPage::blank(w, h, dpi))
        };
        let page = render_a4(&r, b"%PDF", 0, 100).expect("page");
        assert_eq!((page.width, page.height), a4_dots(100));
        assert!(render_a4(&r, b"%PDF", 0, 0).is_ok());
    }
}
