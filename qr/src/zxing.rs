//! zxing-cpp (C++, built from the bundled sources) behind [`QrDecoder`]: the kiosk's
//! default decoder. On ZXing's 179 black-box photos it reads 92% of the codes against
//! rqrr's 56%, in a tenth of the time (`cargo bench -p adm-qr --bench qr -- <blackbox dir>`);
//! On a larger set (536 real photos plus those 179 test images) it found about
//! 80% of the codes against rqrr's 29%.
//!
//! Choices, and why:
//! - QR only: every other format costs time per frame and could only ever be refused.
//! - `try_invert`: phones in dark mode show light modules on a dark background.
//! - `try_rotate` off: QR detection is rotation-invariant already; in zxing-cpp 2.x only
//!   the 1-D, PDF417 and DataMatrix readers look at it (off says so explicitly).
//! - `try_harder` and `try_downscale` on (library defaults): small codes held far away
//!   and 1080p frames.
//! - Text is taken from the symbol's bytes when they contain NUL: the C API hands text
//!   over as a C string, which would silently cut `https://host/n/CODE\0…` down to an
//!   acceptable-looking notice.
//!
//! The C++ library never unwinds into Rust (its C API catches every exception), and the
//! Rust binding can panic only on impossible C answers; that is still caught here.
//! Wrap it in [`crate::bounded::Bounded`] for a hard deadline.

use std::panic::AssertUnwindSafe;

use adm_camera::GreyFrame;
pub use zxingcpp::Binarizer;
use zxingcpp::{BarcodeFormat, BarcodeReader, ImageFormat, ImageView};

use crate::decoder::{Decoded, QrDecoder};

/// Frames larger than this on a side are refused (a camera frame is at most 4K; the C
/// API counts bytes in a C `int`).
pub const MAX_SIDE: u32 = 8192;

#[derive(Debug, Clone, Copy, Default)]
pub struct ZxingDecoder;

impl ZxingDecoder {
    fn reader(binarizer: Binarizer, errors: bool) -> BarcodeReader {
        // Built per call: `BarcodeReader` wraps a raw C pointer and is neither Send nor
        // Sync, while the decoder is shared across threads. Creating it costs ~1 µs.
        BarcodeReader::new()
            .formats(BarcodeFormat::QRCode)
            .try_invert(true)
            .try_rotate(false)
            .try_harder(true)
            .try_downscale(true)
            .binarizer(binarizer)
            // Codes found but not read come back too (see [`Reading::unreadable`]).
            .return_errors(errors)
    }
}

/// One zxing-cpp pass over a frame: the codes read, and where a code was detected (finder
/// patterns and all) but could not be read — the pipeline zooms in there, and the hints
/// tell a citizen whose code is too small to bring it closer.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reading {
    pub codes: Vec<Decoded>,
    pub unreadable: Vec<[(i32, i32); 4]>,
}

/// One pass with `binarizer` (the default decoder uses `LocalAverage`, zxing-cpp's hybrid
/// binarizer); refuses implausible frames and never panics.
pub fn read_with(frame: &GreyFrame, binarizer: Binarizer) -> Reading {
    if !plausible(frame) {
        return Reading::default();
    }
    std::panic::catch_unwind(AssertUnwindSafe(|| read(frame, binarizer, true))).unwrap_or_default()
}

/// Whether the frame is one the C++ side may be given.
fn plausible(frame: &GreyFrame) -> bool {
    // The buffer must match exactly: the C++ reads `width * height` bytes.
    frame.is_well_formed() && frame.width <= MAX_SIDE && frame.height <= MAX_SIDE
}

fn read(frame: &GreyFrame, binarizer: Binarizer, errors: bool) -> Reading {
    let Ok(view) = ImageView::from_slice(&frame.data, frame.width, frame.height, ImageFormat::Lum) else {
        return Reading::default();
    };
    let Ok(codes) = ZxingDecoder::reader(binarizer, errors).from(view) else { return Reading::default() };
    let mut reading = Reading::default();
    for c in codes {
        let p = c.position();
        let corners = [p.top_left, p.top_right, p.bottom_right, p.bottom_left].map(|q| (q.x, q.y));
        if !c.is_valid() {
            reading.unreadable.push(corners);
            continue;
        }
        let bytes = c.bytes();
        let text = if bytes.contains(&0) { String::from_utf8_lossy(&bytes).into_owned() } else { c.text() };
        reading.codes.push(Decoded { text, corners });
    }
    reading
}

impl QrDecoder for ZxingDecoder {
    fn name(&self) -> &'static str {
        "zxing-cpp"
    }

    fn decode(&self, frame: &GreyFrame) -> Vec<Decoded> {
        // Without the unreadable detections: exactly zxing-cpp's own answer, the baseline
        // the pipeline is measured against.
        if !plausible(frame) {
            return vec![];
        }
        std::panic::catch_unwind(AssertUnwindSafe(|| read(frame, Binarizer::LocalAverage, false).codes))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::qr_frame;

    #[test]
    fn decodes_a_notice_with_corners_in_pixel_coordinates() {
        let text = "https://127.0.0.1/n/7Q2K9M4T1V8X3Z6B";
        let frame = qr_frame(text, 8);
        let found = ZxingDecoder.decode(&frame);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, text);
        // 4-module quiet zone of 8 px: the symbol starts at 32 px; the far corner is
        // the last pixel of the symbol.
        let side = frame.width as i32 - 32;
        let [tl, tr, br, bl] = found[0].corners;
        assert!((tl.0 - 32).abs() <= 1 && (tl.1 - 32).abs() <= 1, "{tl:?}");
        assert!((tr.0 - side).abs() <= 1 && (tr.1 - 32).abs() <= 1, "{tr:?}");
        assert!((br.0 - side).abs() <= 1 && (br.1 - side).abs() <= 1, "{br:?}");
        assert!((bl.0 - 32).abs() <= 1 && (bl.1 - side).abs() <= 1, "{bl:?}");
    }

    #[test]
    fn reads_inverted_codes() {
        let mut frame = qr_frame("https://127.0.0.1/n/0123456789ABCDEF", 6);
        frame.data.iter_mut().for_each(|p| *p = 255 - *p);
        let found = ZxingDecoder.decode(&frame);
        assert_eq!(found.first().map(|c| c.text.as_str()), Some("https://127.0.0.1/n/0123456789ABCDEF"));
    }

    #[test]
    fn a_nul_byte_is_kept_so_the_notice_parser_refuses_it() {
        let payload = b"https://127.0.0.1/n/7Q2K9M4T1V8X3Z6B\0https://evil.example/";
        let code = qrcode::QrCode::new(payload).expect("fits");
        let img = code.render::<image::Luma<u8>>().module_dimensions(6, 6).build();
        let found = ZxingDecoder.decode(&GreyFrame::from_image(&img));
        assert_eq!(found.len(), 1);
        assert!(found[0].text.contains('\0'), "{:?}", found[0].text);
    }

    #[test]
    fn implausible_frames_are_refused_before_the_cpp_side() {
        let d = ZxingDecoder;
        for (w, h, len) in [(0, 0, 0), (0, 10, 0), (10, 0, 0), (10, 10, 99), (10, 10, 101), (9000, 1, 9000)] {
            assert!(d.decode(&GreyFrame { width: w, height: h, data: vec![0; len] }).is_empty(), "{w}x{h}/{len}");
        }
        assert!(d.decode(&GreyFrame { width: u32::MAX, height: u32::MAX, data: vec![] }).is_empty());
    }
}
