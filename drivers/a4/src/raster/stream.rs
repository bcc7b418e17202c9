//! A raster document as a byte stream that renders each page only when the sender needs
//! it: the first page goes out while later ones are not rendered yet, and at most one
//! page (~9 MB of gray at 300 dpi) is in memory.

use std::io::{self, Read};
use std::ops::Range;
use std::sync::Arc;

use crate::SharedPdf;

use super::{RasterFormat, Rasterizer, encode_raster_page, raster_file_header, render_a4};

pub struct RasterStream {
    pdf: SharedPdf,
    rasterizer: Arc<dyn Rasterizer>,
    format: RasterFormat,
    dpi: u32,
    /// Page count of the stream (its header says so).
    count: u32,
    next_page: u32,
    end: u32,
    buf: Vec<u8>,
    pos: usize,
}

impl RasterStream {
    /// Streams `pages` (0-based indices into the PDF): all of them for a first attempt,
    /// the rest after a fault for a retry.
    pub fn new(
        pdf: SharedPdf,
        rasterizer: Arc<dyn Rasterizer>,
        format: RasterFormat,
        dpi: u32,
        pages: Range<u32>,
    ) -> Self {
        let count = pages.end.saturating_sub(pages.start);
        let buf = raster_file_header(format, count);
        RasterStream { pdf, rasterizer, format, dpi, count, next_page: pages.start, end: pages.end, buf, pos: 0 }
    }
}

impl Read for RasterStream {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.buf.len() {
            if self.next_page >= self.end {
                return Ok(0);
            }
            let page =
                render_a4(self.rasterizer.as_ref(), &self.pdf, self.next_page, self.dpi).map_err(io::Error::other)?;
            self.buf.clear();
            self.pos = 0;
            encode_raster_page(self.format, &page, self.count, &mut self.buf);
            self.next_page += 1;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
