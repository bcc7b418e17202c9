//! 1-bit pictures and their `GS v 0` encoding (raster bit image), used for the QR fallback on
//! printers without `GS ( k` and for the test page's grid.

/// A black-and-white picture, one bool per dot (true = black).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: u32,
    height: u32,
    dots: Vec<bool>,
}

impl Bitmap {
    pub fn new(width: u32, height: u32) -> Self {
        Bitmap { width, height, dots: vec![false; (width * height) as usize] }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn set(&mut self, x: u32, y: u32, black: bool) {
        if x < self.width && y < self.height {
            self.dots[(y * self.width + x) as usize] = black;
        }
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        x < self.width && y < self.height && self.dots[(y * self.width + x) as usize]
    }

    /// `GS v 0 m xL xH yL yH d1...dk`: m = 0 (normal density), x in bytes (8 dots each, MSB
    /// leftmost), y in dots. Epson prints it only from an empty line buffer, at the current
    /// justification.
    pub fn to_gs_v0(&self) -> Vec<u8> {
        let width_bytes = self.width.div_ceil(8);
        let mut out = Vec::with_capacity(8 + (width_bytes * self.height) as usize);
        out.extend_from_slice(&[0x1d, b'v', b'0', 0]);
        out.extend_from_slice(&(width_bytes as u16).to_le_bytes());
        out.extend_from_slice(&(self.height as u16).to_le_bytes());
        for y in 0..self.height {
            for xb in 0..width_bytes {
                let mut byte = 0u8;
                for bit in 0..8 {
                    if self.get(xb * 8 + bit, y) {
                        byte |= 0x80 >> bit;
                    }
                }
                out.push(byte);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs_v0_packs_msb_first_and_pads_rows() {
        let mut b = Bitmap::new(10, 2);
        b.set(0, 0, true);
        b.set(9, 1, true);
        assert_eq!(b.to_gs_v0(), vec![0x1d, b'v', b'0', 0, 2, 0, 2, 0, 0x80, 0x00, 0x00, 0x40]);
    }
}
