//! PWG raster (PWG 5102.4, `image/pwg-raster`) and Apple raster (`image/urf`), both as
//! 8-bit sGray — the one type every IPP Everywhere / AirPrint printer must accept.
//!
//! Both share the line compression: a line-repeat byte, then runs of pixels — a byte
//! 0..=127 repeats the next pixel 1..=128 times, 129..=255 copies 257-n literal pixels.

use super::{A4_POINTS, RasterPage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RasterFormat {
    /// `image/pwg-raster`
    Pwg,
    /// `image/urf` (Apple raster)
    Urf,
}

impl RasterFormat {
    pub fn mime(self) -> &'static str {
        match self {
            RasterFormat::Pwg => "image/pwg-raster",
            RasterFormat::Urf => "image/urf",
        }
    }
}

const PWG_HEADER_LEN: usize = 1796;

/// Bytes at the start of the stream, before the first page.
pub fn raster_file_header(format: RasterFormat, pages: u32) -> Vec<u8> {
    match format {
        RasterFormat::Pwg => b"RaS2".to_vec(),
        RasterFormat::Urf => {
            let mut h = b"UNIRAST\0".to_vec();
            h.extend_from_slice(&pages.to_be_bytes());
            h
        }
    }
}

/// Appends one page (header + compressed lines) to `out`; `pages` is the job's total.
pub fn encode_raster_page(format: RasterFormat, page: &RasterPage, pages: u32, out: &mut Vec<u8>) {
    match format {
        RasterFormat::Pwg => out.extend_from_slice(&pwg_page_header(page, pages)),
        RasterFormat::Urf => out.extend_from_slice(&urf_page_header(page)),
    }
    let mut y = 0;
    // Bounded: every iteration consumes at least one row.
    while y < page.height {
        let row = page.row(y);
        let mut repeat = 1;
        while repeat < 256 && y + repeat < page.height && page.row(y + repeat) == row {
            repeat += 1;
        }
        out.push((repeat - 1) as u8);
        compress_line(row, out);
        y += repeat;
    }
}

fn compress_line(line: &[u8], out: &mut Vec<u8>) {
    let n = line.len();
    let mut i = 0;
    while i < n {
        let mut run = 1;
        while i + run < n && run < 128 && line[i + run] == line[i] {
            run += 1;
        }
        if run >= 2 {
            out.push((run - 1) as u8);
            out.push(line[i]);
            i += run;
            continue;
        }
        let start = i;
        i += 1;
        while i < n && i - start < 128 && !(i + 1 < n && line[i] == line[i + 1]) {
            i += 1;
        }
        let count = i - start;
        if count == 1 {
            out.extend_from_slice(&[0, line[start]]);
        } else {
            out.push((257 - count) as u8);
            out.extend_from_slice(&line[start..i]);
        }
    }
}

fn put_u32(h: &mut [u8], at: usize, v: u32) {
    h[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn put_str(h: &mut [u8], at: usize, s: &str) {
    let b = s.as_bytes();
    let n = b.len().min(63);
    h[at..at + n].copy_from_slice(&b[..n]);
}

/// The 1796-byte PWG page header (the CUPS v2 header layout; PWG 5102.4 §4.3).
fn pwg_page_header(page: &RasterPage, pages: u32) -> [u8; PWG_HEADER_LEN] {
    let mut h = [0u8; PWG_HEADER_LEN];
    put_str(&mut h, 0, "PwgRaster");
    put_u32(&mut h, 276, page.dpi); // HWResolution x
    put_u32(&mut h, 280, page.dpi); // HWResolution y
    put_u32(&mut h, 340, 1); // NumCopies
    // PageSize in points: true size of the sheet the raster was laid out for.
    let pts = |dots: u32| ((f64::from(dots) * 72.0 / f64::from(page.dpi.max(1))).round()) as u32;
    let (w_pt, h_pt) =
        if (pts(page.width), pts(page.height)) == A4_POINTS { A4_POINTS } else { (pts(page.width), pts(page.height)) };
    put_u32(&mut h, 352, w_pt);
    put_u32(&mut h, 356, h_pt);
    put_u32(&mut h, 372, page.width);
    put_u32(&mut h, 376, page.height);
    put_u32(&mut h, 384, 8); // BitsPerColor
    put_u32(&mut h, 388, 8); // BitsPerPixel
    put_u32(&mut h, 392, page.width); // BytesPerLine
    put_u32(&mut h, 396, 0); // ColorOrder: chunky
    put_u32(&mut h, 400, 18); // ColorSpace: sGray
    put_u32(&mut h, 420, 1); // NumColors
    put_u32(&mut h, 452, pages); // TotalPageCount
    put_u32(&mut h, 456, 1); // CrossFeedTransform
    put_u32(&mut h, 460, 1); // FeedTransform
    put_u32(&mut h, 484, 4); // PrintQuality: normal
    if (w_pt, h_pt) == A4_POINTS {
        put_str(&mut h, 1732, "iso_a4_210x297mm");
    }
    h
}

/// The 32-byte URF page header (layout as CUPS writes it, cups/raster-stream.c).
fn urf_page_header(page: &RasterPage) -> [u8; 32] {
    let mut h = [0u8; 32];
    h[0] = 8; // bits per pixel
    h[1] = 0; // colour space: sGray
    h[2] = 1; // one-sided
    h[3] = 4; // quality: normal
    put_u32(&mut h, 12, page.width);
    put_u32(&mut h, 16, page.height);
    put_u32(&mut h, 20, page.dpi);
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decompress_line(data: &[u8], width: usize) -> (Vec<u8>, usize) {
        let mut out = Vec::new();
        let mut i = 0;
        while out.len() < width {
            let c = data[i];
            i += 1;
            if c < 128 {
                out.extend(std::iter::repeat_n(data[i], c as usize + 1));
                i += 1;
            } else {
                let n = 257 - c as usize;
                out.extend_from_slice(&data[i..i + n]);
                i += n;
            }
        }
        (out, i)
    }

    #[test]
    fn lines_round_trip() {
        let lines: [&[u8]; 5] =
            [&[1, 2, 3, 3, 3, 4], &[7; 300], &[9], &[1, 2], &(0..=255u8).chain(0..=255).collect::<Vec<_>>()];
        for line in lines {
            let mut out = Vec::new();
            compress_line(line, &mut out);
            let (back, used) = decompress_line(&out, line.len());
            assert_eq!(back, line);
            assert_eq!(used, out.len());
        }
    }

    #[test]
    fn headers_say_a4_300_dpi_sgray() {
        let page = RasterPage::blank(2480, 3508, 300);
        let h = pwg_page_header(&page, 1);
        let at = |o: usize| u32::from_be_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]);
        assert_eq!((at(276), at(280), at(352), at(356), at(372), at(376)), (300, 300, 595, 842, 2480, 3508));
        assert_eq!(&h[1732..1748], b"iso_a4_210x297mm");
        let u = urf_page_header(&page);
        assert_eq!(&u[12..24], &[0, 0, 9, 0xB0, 0, 0, 0x0D, 0xB4, 0, 0, 1, 0x2C]);
    }
}
