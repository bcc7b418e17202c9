//! PCL raster graphics, the subset HP's PCL 3 (DeskJet) and PCL 5 (LaserJet) printers
//! share: 300 dpi monochrome raster, TIFF PackBits rows (`ESC*b2M`), blank rows skipped
//! with `ESC*b#Y`.

use super::RasterPage;

const ESC: u8 = 0x1B;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PclOptions {
    /// PCL places its *logical page* a little inside the sheet (commonly about 6 mm,
    /// 71–75 dots at 300 dpi, for A4 portrait) and clips anything left of it; cursor
    /// positions cannot go negative. To keep true scale the raster's first
    /// `left_offset_dots` columns (inside the unprintable margin anyway) are dropped, so
    /// column `left_offset_dots` lands where it belongs. Calibrate per model with a
    /// ruler test page.
    pub left_offset_dots: u32,
    /// Wrap the job in PJL (`@PJL JOB` … `@PJL EOJ`, Universal Exit Language) when the
    /// device ID lists PJL.
    pub pjl: bool,
}

impl Default for PclOptions {
    fn default() -> Self {
        PclOptions { left_offset_dots: 71, pjl: false }
    }
}

fn cmd(out: &mut Vec<u8>, s: &str) {
    out.push(ESC);
    out.extend_from_slice(s.as_bytes());
}

/// Job prologue: reset, A4, portrait, one copy, no top margin.
pub fn pcl_job_start(opts: &PclOptions, job_name: &str, out: &mut Vec<u8>) {
    if opts.pjl {
        let name: String = job_name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect();
        cmd(out, "%-12345X");
        out.extend_from_slice(format!("@PJL JOB NAME=\"{name}\"\r\n@PJL ENTER LANGUAGE=PCL\r\n").as_bytes());
    }
    cmd(out, "E");
    cmd(out, "&l26A"); // page size: A4
    cmd(out, "&l0O"); // portrait
    cmd(out, "&l1X"); // one copy
    cmd(out, "&l0E"); // top margin 0
    cmd(out, "&u300D"); // PCL unit = 1/300 in (ignored by PCL 3, where it already is)
}

/// Job epilogue: reset (ejects nothing more), and PJL end of job.
pub fn pcl_job_end(opts: &PclOptions, job_name: &str, out: &mut Vec<u8>) {
    cmd(out, "E");
    if opts.pjl {
        let name: String = job_name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect();
        cmd(out, "%-12345X");
        out.extend_from_slice(format!("@PJL EOJ NAME=\"{name}\"\r\n").as_bytes());
        cmd(out, "%-12345X");
    }
}

/// One page: raster graphics at the page's resolution, then form feed.
pub fn encode_pcl_page(page: &RasterPage, opts: &PclOptions, out: &mut Vec<u8>) {
    let off = opts.left_offset_dots.min(page.width);
    let width = page.width - off;
    let row_bytes = width.div_ceil(8) as usize;
    cmd(out, &format!("*t{}R", page.dpi));
    cmd(out, "*r0F"); // raster follows the page orientation
    cmd(out, &format!("*p{off}x0Y"));
    cmd(out, &format!("*r{width}S"));
    cmd(out, &format!("*r{}T", page.height));
    cmd(out, "*r1A"); // start raster at the cursor
    cmd(out, "*b2M"); // TIFF PackBits rows
    let mut blank = 0u32;
    let mut row = vec![0u8; row_bytes];
    let mut packed = Vec::with_capacity(row_bytes + row_bytes / 64 + 2);
    for y in 0..page.height {
        page.bilevel_row(y, off, &mut row);
        let used = row.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        if used == 0 {
            blank += 1;
            continue;
        }
        if blank > 0 {
            cmd(out, &format!("*b{blank}Y"));
            blank = 0;
        }
        packed.clear();
        packbits(&row[..used], &mut packed);
        cmd(out, &format!("*b{}W", packed.len()));
        out.extend_from_slice(&packed);
    }
    cmd(out, "*rC"); // end raster
    out.push(0x0C); // form feed: eject the page
}

/// TIFF PackBits: n in 0..=127 → n+1 literal bytes; n in 129..=255 → next byte 257-n times.
fn packbits(data: &[u8], out: &mut Vec<u8>) {
    let n = data.len();
    let mut i = 0;
    while i < n {
        let mut run = 1;
        while i + run < n && run < 128 && data[i + run] == data[i] {
            run += 1;
        }
        if run >= 3 || (run == 2 && i + run == n) {
            out.push((257 - run) as u8);
            out.push(data[i]);
            i += run;
            continue;
        }
        let start = i;
        while i < n && i - start < 128 {
            if i + 2 < n && data[i] == data[i + 1] && data[i] == data[i + 2] {
                break;
            }
            i += 1;
        }
        out.push((i - start - 1) as u8);
        out.extend_from_slice(&data[start..i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unpack(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < data.len() {
            let c = data[i];
            i += 1;
            if c < 128 {
                out.extend_from_slice(&data[i..i + c as usize + 1]);
                i += c as usize + 1;
            } else if c > 128 {
                out.extend(std::iter::repeat_n(data[i], 257 - c as usize));
                i += 1;
            }
        }
        out
    }

    #[test]
    fn packbits_round_trips() {
        let cases: [Vec<u8>; 5] =
            [vec![1, 2, 3], vec![0xFF; 400], vec![5, 5], vec![1, 1, 2, 2, 2, 2, 3, 4, 4], (0..=255u8).collect()];
        for c in cases {
            let mut p = Vec::new();
            packbits(&c, &mut p);
            assert_eq!(unpack(&p), c);
        }
    }

    #[test]
    fn a_blank_page_is_small_and_ejected() {
        let page = RasterPage::blank(2480, 3508, 300);
        let mut out = Vec::new();
        encode_pcl_page(&page, &PclOptions::default(), &mut out);
        assert!(out.len() < 100, "{}", out.len());
        assert_eq!(out.last(), Some(&0x0C));
        assert!(out.windows(8).any(|w| w == b"\x1b*r2409S"), "width after the 71-dot offset");
    }
}
