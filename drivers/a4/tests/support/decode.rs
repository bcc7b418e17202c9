//! Independent decoders for what the driver sends: PWG raster, URF, PCL raster.
//! Strict: anything unexpected is an error, so a malformed stream fails the test.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayPage {
    pub width: u32,
    pub height: u32,
    pub dpi: (u32, u32),
    /// PWG PageSize in points (URF has none: 0, 0).
    pub page_size_pt: (u32, u32),
    pub page_size_name: String,
    pub pixels: Vec<u8>,
}

fn be32(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]])).ok_or_else(|| "truncated".to_string())
}

/// Line-repeat + PackBits-like pixel runs (PWG 5102.4 §4.3.5), 1 byte per pixel.
fn decode_lines(data: &[u8], mut at: usize, width: usize, height: usize) -> Result<(Vec<u8>, usize), String> {
    let mut px = Vec::with_capacity(width * height);
    let mut rows = 0;
    while rows < height {
        let repeat = usize::from(*data.get(at).ok_or("truncated line")?) + 1;
        at += 1;
        let mut line = Vec::with_capacity(width);
        while line.len() < width {
            let c = *data.get(at).ok_or("truncated run")?;
            at += 1;
            match c {
                0..=127 => {
                    let v = *data.get(at).ok_or("truncated repeat")?;
                    at += 1;
                    line.extend(std::iter::repeat_n(v, usize::from(c) + 1));
                }
                128 => line.resize(width, 255),
                _ => {
                    let n = 257 - usize::from(c);
                    line.extend_from_slice(data.get(at..at + n).ok_or("truncated literal")?);
                    at += n;
                }
            }
        }
        if line.len() != width {
            return Err(format!("line overruns width: {} > {width}", line.len()));
        }
        for _ in 0..repeat.min(height - rows) {
            px.extend_from_slice(&line);
        }
        rows += repeat;
    }
    if rows != height {
        return Err("line repeat overruns page".into());
    }
    Ok((px, at))
}

pub fn decode_pwg(data: &[u8]) -> Result<Vec<GrayPage>, String> {
    if !data.starts_with(b"RaS2") {
        return Err("no RaS2 sync word".into());
    }
    let mut at = 4;
    let mut pages = Vec::new();
    while at < data.len() {
        let h = data.get(at..at + 1796).ok_or("truncated header")?;
        if !h.starts_with(b"PwgRaster\0") {
            return Err("header does not start with PwgRaster".into());
        }
        let (bpc, bpp, bpl, cs) = (be32(h, 384)?, be32(h, 388)?, be32(h, 392)?, be32(h, 400)?);
        let (width, height) = (be32(h, 372)?, be32(h, 376)?);
        if (bpc, bpp, cs) != (8, 8, 18) || bpl != width {
            return Err(format!("not sgray_8: bpc {bpc} bpp {bpp} bpl {bpl} cs {cs}"));
        }
        let name_bytes = &h[1732..1796];
        let name = String::from_utf8_lossy(name_bytes.split(|b| *b == 0).next().unwrap_or_default()).to_string();
        let (pixels, next) = decode_lines(data, at + 1796, width as usize, height as usize)?;
        pages.push(GrayPage {
            width,
            height,
            dpi: (be32(h, 276)?, be32(h, 280)?),
            page_size_pt: (be32(h, 352)?, be32(h, 356)?),
            page_size_name: name,
            pixels,
        });
        at = next;
    }
    Ok(pages)
}

pub fn decode_urf(data: &[u8]) -> Result<Vec<GrayPage>, String> {
    if !data.starts_with(b"UNIRAST\0") {
        return Err("no UNIRAST header".into());
    }
    let count = be32(data, 8)?;
    let mut at = 12;
    let mut pages = Vec::new();
    for _ in 0..count {
        let h = data.get(at..at + 32).ok_or("truncated page header")?;
        if (h[0], h[1]) != (8, 0) {
            return Err(format!("not W8: bpp {} cs {}", h[0], h[1]));
        }
        let (width, height, dpi) = (be32(h, 12)?, be32(h, 16)?, be32(h, 20)?);
        let (pixels, next) = decode_lines(data, at + 32, width as usize, height as usize)?;
        pages.push(GrayPage {
            width,
            height,
            dpi: (dpi, dpi),
            page_size_pt: (0, 0),
            page_size_name: String::new(),
            pixels,
        });
        at = next;
    }
    if at != data.len() {
        return Err(format!("{} trailing bytes", data.len() - at));
    }
    Ok(pages)
}

/// One PCL page as 1-bit dots on a `width` × `height` canvas at the raster resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitPage {
    pub dpi: u32,
    pub width: u32,
    pub height: u32,
    /// true = black
    pub dots: Vec<bool>,
    pub page_size_code: Option<i32>,
}

impl BitPage {
    pub fn get(&self, x: u32, y: u32) -> bool {
        x < self.width && y < self.height && self.dots[(y * self.width + x) as usize]
    }
}

fn unpackbits(d: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < d.len() {
        let c = d[i];
        i += 1;
        match c {
            0..=127 => {
                let n = usize::from(c) + 1;
                out.extend_from_slice(d.get(i..i + n).ok_or("packbits literal overrun")?);
                i += n;
            }
            128 => {}
            _ => {
                out.extend(std::iter::repeat_n(*d.get(i).ok_or("packbits repeat overrun")?, 257 - usize::from(c)));
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Decodes the PCL raster subset (plus PJL/UEL wrappers) onto `canvas` sized pages.
pub fn decode_pcl(data: &[u8], canvas: (u32, u32)) -> Result<Vec<BitPage>, String> {
    let (cw, ch) = canvas;
    let blank =
        |dpi, code| BitPage { dpi, width: cw, height: ch, dots: vec![false; (cw * ch) as usize], page_size_code: code };
    let mut pages = Vec::new();
    let mut page = blank(300, None);
    let (mut dpi, mut x, mut y, mut mode, mut width) = (300u32, 0i64, 0i64, 0i64, 0i64);
    let mut row = 0i64;
    let mut in_raster = false;
    let mut touched = false;
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        if b == 0x0C {
            page.dpi = dpi;
            pages.push(std::mem::replace(&mut page, blank(dpi, None)));
            touched = false;
            i += 1;
            continue;
        }
        if b == b'@' && data[i..].starts_with(b"@PJL") {
            // PJL line
            i += data[i..].iter().position(|c| *c == b'\n').ok_or("unterminated PJL")? + 1;
            continue;
        }
        if b != 0x1B {
            return Err(format!("stray byte {b:#x} at {i}"));
        }
        let p = *data.get(i + 1).ok_or("truncated escape")?;
        i += 2;
        if !(0x21..=0x2F).contains(&p) {
            match p {
                b'E' => {
                    in_raster = false;
                    continue;
                }
                _ => return Err(format!("unknown two-character escape {:?}", p as char)),
            }
        }
        let mut group = 0u8;
        if let Some(g) = data.get(i)
            && (0x60..=0x7E).contains(g)
        {
            group = *g;
            i += 1;
        }
        loop {
            let start = i;
            while i < data.len() && (data[i].is_ascii_digit() || data[i] == b'-' || data[i] == b'+' || data[i] == b'.')
            {
                i += 1;
            }
            let value: i64 = std::str::from_utf8(&data[start..i])
                .ok()
                .and_then(|s| s.split('.').next().map(String::from))
                .and_then(|s| if s.is_empty() { Some(0) } else { s.parse().ok() })
                .ok_or("bad number")?;
            let t = *data.get(i).ok_or("truncated parameter")?;
            i += 1;
            let last = t.is_ascii_uppercase();
            match (p, group, t.to_ascii_uppercase()) {
                (b'%', 0, b'X') => {}
                (b'&', b'l', b'A') => page.page_size_code = Some(value as i32),
                (b'&', b'l', b'O' | b'X' | b'E' | b'L' | b'D' | b'S') | (b'&', b'u', b'D') | (b'&', b'k', b'H') => {}
                // decipoint positioning (ippevepcl uses it)
                (b'&', b'a', b'H') => x = value * i64::from(dpi) / 720,
                (b'&', b'a', b'V') => y = value * i64::from(dpi) / 720,
                (b'*', b't', b'R') => dpi = value as u32,
                (b'*', b'r', b'F' | b'T') => {}
                (b'*', b'r', b'S') => width = value,
                (b'*', b'p', b'X') => x = value,
                (b'*', b'p', b'Y') => y = value,
                (b'*', b'r', b'A') => {
                    in_raster = true;
                    row = y;
                }
                (b'*', b'r', b'C' | b'B') => in_raster = false,
                (b'*', b'b', b'M') => mode = value,
                (b'*', b'b', b'Y') => row += value,
                (b'*', b'b', b'W') => {
                    if !in_raster {
                        return Err("raster data outside raster mode".into());
                    }
                    let n = value as usize;
                    let raw = data.get(i..i + n).ok_or("truncated row")?;
                    i += n;
                    let bits = match mode {
                        0 => raw.to_vec(),
                        2 => unpackbits(raw)?,
                        m => return Err(format!("compression mode {m} not expected")),
                    };
                    for (k, byte) in bits.iter().enumerate() {
                        for bit in 0..8 {
                            let col = (k * 8 + bit) as i64;
                            if col >= width {
                                break;
                            }
                            if byte & (0x80 >> bit) != 0 {
                                let (px, py) = (x + col, row);
                                if px < 0 || py < 0 || px >= i64::from(cw) || py >= i64::from(ch) {
                                    return Err(format!("dot off the page at {px},{py}"));
                                }
                                page.dots[(py as u32 * cw + px as u32) as usize] = true;
                                touched = true;
                            }
                        }
                    }
                    row += 1;
                }
                other => {
                    return Err(format!(
                        "unexpected PCL command {:?}",
                        (other.0 as char, other.1 as char, other.2 as char)
                    ));
                }
            }
            if last {
                break;
            }
        }
    }
    if touched {
        return Err("page data after the last form feed".into());
    }
    Ok(pages)
}
