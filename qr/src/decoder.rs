//! QR decoders behind one trait. `rqrr` (pure Rust) is the decoder today; it is kept
//! on small input, inside `catch_unwind`, because it has panicked and stalled on real
//! photos (53 s on one close-up of a monitor; see `bounded.rs` for the deadline). A stronger decoder (zxing-cpp) plugs in behind the same trait.

use adm_camera::GreyFrame;

/// A decoded code with its corners in the frame's pixel coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub corners: [(i32, i32); 4],
}

/// What one decode saw: the codes read, and the corners of codes detected but not read
/// (for the scan hints: "bring it closer", "too much glare").
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Seen {
    pub codes: Vec<Decoded>,
    pub unreadable: Vec<[(i32, i32); 4]>,
}

/// The longest side, in pixels, of a code's four corners (in order round the code).
pub fn longest_side(q: &[(i32, i32); 4]) -> i32 {
    (0..4)
        .map(|i| {
            let (a, b) = (q[i], q[(i + 1) % 4]);
            (f64::from(a.0 - b.0).hypot(f64::from(a.1 - b.1))) as i32
        })
        .max()
        .unwrap_or(0)
}

pub trait QrDecoder: Send {
    fn name(&self) -> &'static str;
    fn decode(&self, frame: &GreyFrame) -> Vec<Decoded>;
    /// The codes, and what was detected without being read; decoders that cannot tell
    /// report only the codes.
    fn look(&self, frame: &GreyFrame) -> Seen {
        Seen { codes: self.decode(frame), unreadable: vec![] }
    }
    /// Drops whatever the decoder keeps of earlier frames (the scanner stopping: the next
    /// frames are another citizen's). Most decoders keep nothing.
    fn forget(&self) {}
}

/// Largest side given to rqrr; bigger frames are downscaled first.
const RQRR_MAX_SIDE: u32 = 1024;

pub struct RqrrDecoder;

impl QrDecoder for RqrrDecoder {
    fn name(&self) -> &'static str {
        "rqrr"
    }

    fn decode(&self, frame: &GreyFrame) -> Vec<Decoded> {
        let Some(img) = frame.to_image() else { return vec![] };
        let (w, h) = img.dimensions();
        let scale = (w.max(h) as f32 / RQRR_MAX_SIDE as f32).max(1.0);
        let img = if scale > 1.0 {
            image::imageops::resize(
                &img,
                (w as f32 / scale) as u32,
                (h as f32 / scale) as u32,
                image::imageops::FilterType::Triangle,
            )
        } else {
            img
        };
        let result = std::panic::catch_unwind(move || {
            let mut prepared = rqrr::PreparedImage::prepare(img);
            prepared
                .detect_grids()
                .into_iter()
                .filter_map(|g| {
                    let b = g.bounds;
                    g.decode().ok().map(|(_, text)| Decoded {
                        text,
                        corners: b.map(|p| ((p.x as f32 * scale) as i32, (p.y as f32 * scale) as i32)),
                    })
                })
                .collect::<Vec<_>>()
        });
        result.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::qr_frame;

    #[test]
    fn decodes_a_generated_notice_qr() {
        let found = RqrrDecoder.decode(&qr_frame("https://siak.example.go.id/n/7Q2K9M4T1V8X3Z6B", 8));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, "https://siak.example.go.id/n/7Q2K9M4T1V8X3Z6B");
    }

    #[test]
    fn garbage_frames_decode_to_nothing() {
        let noise: Vec<u8> = (0..(320u32 * 240)).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        assert!(RqrrDecoder.decode(&GreyFrame { width: 320, height: 240, data: noise }).is_empty());
        assert!(RqrrDecoder.decode(&GreyFrame { width: 10, height: 10, data: vec![0; 3] }).is_empty());
        assert!(RqrrDecoder.decode(&GreyFrame { width: 0, height: 0, data: vec![] }).is_empty());
    }
}
