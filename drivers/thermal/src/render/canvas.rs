//! The paper: a growing grayscale picture, and the glyphs drawn on it.

use image::GrayImage;
use noto_sans_mono_bitmap::{FontWeight, RasterHeight, get_raster};

pub const WHITE: u8 = 255;
pub const BLACK: u8 = 0;

/// Character cell of a font, in dots (Epson font A 12×24, font B 9×17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub width: u32,
    pub height: u32,
}

pub fn cell(font: u8) -> Cell {
    if font == 1 { Cell { width: 9, height: 17 } } else { Cell { width: 12, height: 24 } }
}

pub struct Canvas {
    width: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    pub fn new(width: u32) -> Self {
        Canvas { width, pixels: Vec::new() }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    fn height(&self) -> u32 {
        (self.pixels.len() / self.width as usize) as u32
    }

    /// Makes sure rows up to `height` exist (paper is fed even where nothing is printed).
    pub fn grow_to(&mut self, height: u32) {
        if height > self.height() {
            self.pixels.resize((height * self.width) as usize, WHITE);
        }
    }

    pub fn set(&mut self, x: u32, y: u32, value: u8) {
        if x >= self.width {
            return;
        }
        self.grow_to(y + 1);
        self.pixels[(y * self.width + x) as usize] = value;
    }

    pub fn fill(&mut self, x: u32, y: u32, w: u32, h: u32, value: u8) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.set(xx, yy, value);
            }
        }
    }

    /// Draws `c` in a `cell` scaled by (sw, sh), top-left at (x, y).
    pub fn glyph(&mut self, c: char, x: u32, y: u32, font: u8, bold: bool, scale: (u32, u32)) {
        let cell = cell(font);
        let size = if font == 1 { RasterHeight::Size16 } else { RasterHeight::Size24 };
        let weight = if bold { FontWeight::Bold } else { FontWeight::Regular };
        let (sw, sh) = scale;
        if c == ' ' {
            return;
        }
        let Some(raster) = get_raster(c, weight, size) else {
            // No glyph in the font: a hollow box, as printers do for undefined characters.
            let (w, h) = (cell.width * sw, cell.height * sh);
            self.fill(x + 1, y + 2, w - 2, 1, BLACK);
            self.fill(x + 1, y + h - 2, w - 2, 1, BLACK);
            self.fill(x + 1, y + 2, 1, h - 3, BLACK);
            self.fill(x + w - 2, y + 2, 1, h - 3, BLACK);
            return;
        };
        let rw = raster.width() as u32;
        let dx = cell.width.saturating_sub(rw) / 2;
        for (ry, row) in raster.rows().enumerate() {
            for (rx, &intensity) in row.iter().enumerate() {
                let (rx, ry) = (rx as u32, ry as u32);
                // Thermal dots are on or off: threshold the anti-aliased glyph.
                if intensity < 110 || dx + rx >= cell.width || ry >= cell.height {
                    continue;
                }
                self.fill(x + (dx + rx) * sw, y + ry * sh, sw, sh, BLACK);
            }
        }
    }

    pub fn into_image(mut self, min_height: u32) -> GrayImage {
        self.grow_to(min_height.max(1));
        let height = self.height();
        GrayImage::from_raw(self.width, height, self.pixels).unwrap_or_else(|| GrayImage::new(1, 1))
    }
}
