//! Camera pixel formats → 8-bit grey. Pure functions over byte buffers, so they are
//! tested without a camera.
//!
//! QR decoding only needs luminance, so the cheapest path wins: YUYV and NV12 already
//! carry it as the Y samples (taking them is a strided copy, ~0.4 ms at 720p, against
//! several ms for a full YUV→RGB→grey conversion), GREY is copied, only MJPEG needs a
//! real decode.
//!
//! Buffers may be longer than the image (V4L2 hands out whole, page-rounded mmap
//! buffers, and a caller may not trim them to `bytesused`), so only a *short* buffer is an
//! error — it means a truncated transfer (USB hiccup, camera unplugged mid-frame).

use crate::{CameraError, GreyFrame};

/// The camera formats the kiosk can turn into grey. Names follow the V4L2 fourcc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// Packed 4:2:2, `Y0 U Y1 V`: luminance is every even byte.
    Yuyv,
    /// 8-bit luminance only (fourcc `GREY`; some libraries call it `GRAY`).
    Grey,
    /// Planar 4:2:0: a full-resolution Y plane, then interleaved UV at half resolution.
    Nv12,
    /// Motion JPEG: each frame a JPEG.
    Mjpeg,
    /// Packed 24-bit RGB / BGR.
    Rgb24,
    Bgr24,
}

impl PixelFormat {
    /// Bytes per pixel of the (first) plane, `None` for compressed formats.
    pub fn bytes_per_pixel(self) -> Option<u32> {
        match self {
            PixelFormat::Yuyv => Some(2),
            PixelFormat::Grey | PixelFormat::Nv12 => Some(1),
            PixelFormat::Rgb24 | PixelFormat::Bgr24 => Some(3),
            PixelFormat::Mjpeg => None,
        }
    }
}

/// Converts one raw frame to grey. `stride` is bytes per row of the first plane; `None`
/// means tightly packed (what uvcvideo always delivers).
pub fn to_grey(
    format: PixelFormat,
    buf: &[u8],
    width: u32,
    height: u32,
    stride: Option<u32>,
) -> Result<GreyFrame, CameraError> {
    match format {
        PixelFormat::Mjpeg => mjpeg_to_grey(buf),
        PixelFormat::Yuyv => packed(buf, width, height, stride, 2, |px| px[0]),
        PixelFormat::Grey | PixelFormat::Nv12 => packed(buf, width, height, stride, 1, |px| px[0]),
        PixelFormat::Rgb24 => packed(buf, width, height, stride, 3, |px| luma(px[0], px[1], px[2])),
        PixelFormat::Bgr24 => packed(buf, width, height, stride, 3, |px| luma(px[2], px[1], px[0])),
    }
}

/// BT.601 luma in integers (what a camera's own Y would be).
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 128) >> 8) as u8
}

/// Walks `height` rows of `width` pixels of `bpp` bytes, taking one grey byte per pixel.
fn packed(
    buf: &[u8],
    width: u32,
    height: u32,
    stride: Option<u32>,
    bpp: usize,
    grey: impl Fn(&[u8]) -> u8,
) -> Result<GreyFrame, CameraError> {
    let (w, h) = (width as usize, height as usize);
    let row = w.checked_mul(bpp).ok_or_else(|| bad("frame too wide"))?;
    let stride = stride.map_or(row, |s| s as usize);
    if w == 0 || h == 0 || stride < row {
        return Err(bad(format!("bad geometry {width}x{height}, stride {stride}")));
    }
    // The last row needs only `row` bytes, not a full stride.
    let need = (h - 1).checked_mul(stride).and_then(|n| n.checked_add(row)).ok_or_else(|| bad("frame too large"))?;
    if buf.len() < need {
        return Err(bad(format!("short frame: {} of {need} bytes", buf.len())));
    }
    let mut data = Vec::with_capacity(w * h);
    for y in 0..h {
        let line = &buf[y * stride..y * stride + row];
        data.extend(line.chunks_exact(bpp).map(&grey));
    }
    Ok(GreyFrame { width, height, data })
}

/// Decodes a JPEG frame to grey. The JPEG's own size is used: some cameras deliver a
/// different MJPEG size than negotiated.
pub fn mjpeg_to_grey(buf: &[u8]) -> Result<GreyFrame, CameraError> {
    // Cameras pad MJPEG buffers; a JPEG without its start marker is a torn frame.
    if buf.len() < 4 || buf[..2] != [0xFF, 0xD8] {
        return Err(bad("not a JPEG frame"));
    }
    // A frame cut short (USB packet loss, unplug) still decodes to an image with a grey
    // bottom part; without its end marker it is dropped instead.
    if !buf.windows(2).any(|w| w == [0xFF, 0xD9]) {
        return Err(bad("torn MJPEG frame (no end marker)"));
    }
    let img = image::load_from_memory_with_format(buf, image::ImageFormat::Jpeg)
        .map_err(|e| bad(format!("MJPEG frame: {e}")))?;
    Ok(GreyFrame::from_image(&img.to_luma8()))
}

fn bad(why: impl Into<String>) -> CameraError {
    CameraError::BadFrame(why.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuyv_keeps_the_even_bytes() {
        // 2×2: Y0 U Y1 V per pair of pixels.
        let buf = [10, 128, 20, 128, 30, 128, 40, 128];
        let f = to_grey(PixelFormat::Yuyv, &buf, 2, 2, None).expect("frame");
        assert_eq!((f.width, f.height, f.data), (2, 2, vec![10, 20, 30, 40]));
    }

    #[test]
    fn padded_rows_and_long_buffers_are_fine() {
        // Stride 6 for a 2-pixel YUYV row (4 bytes + 2 padding), then mmap slack.
        let buf = [1, 0, 2, 0, 99, 99, 3, 0, 4, 0, 99, 99, 77, 77, 77];
        let f = to_grey(PixelFormat::Yuyv, &buf, 2, 2, Some(6)).expect("frame");
        assert_eq!(f.data, vec![1, 2, 3, 4]);
        // The last row needs no padding after it.
        assert!(to_grey(PixelFormat::Yuyv, &buf[..10], 2, 2, Some(6)).is_ok());
    }

    #[test]
    fn nv12_and_grey_take_the_first_plane() {
        let buf = [5, 6, 7, 8, 200, 201];
        assert_eq!(to_grey(PixelFormat::Nv12, &buf, 2, 2, None).expect("nv12").data, vec![5, 6, 7, 8]);
        assert_eq!(to_grey(PixelFormat::Grey, &buf[..4], 2, 2, None).expect("grey").data, vec![5, 6, 7, 8]);
    }

    #[test]
    fn rgb_and_bgr_give_the_same_luma() {
        let rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];
        let bgr = [0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255];
        let a = to_grey(PixelFormat::Rgb24, &rgb, 4, 1, None).expect("rgb");
        let b = to_grey(PixelFormat::Bgr24, &bgr, 4, 1, None).expect("bgr");
        assert_eq!(a.data, vec![77, 149, 29, 255]);
        assert_eq!(a.data, b.data);
    }

    #[test]
    fn short_or_nonsense_buffers_are_errors_not_panics() {
        for (fmt, len, w, h, stride) in [
            (PixelFormat::Yuyv, 7, 2, 2, None),
            (PixelFormat::Yuyv, 0, 0, 0, None),
            (PixelFormat::Yuyv, 100, 4, 1, Some(3)),
            (PixelFormat::Grey, 10, u32::MAX, u32::MAX, None),
            (PixelFormat::Rgb24, 10, u32::MAX, 1, None),
            (PixelFormat::Nv12, 3, 2, 2, None),
        ] {
            assert!(matches!(to_grey(fmt, &vec![0; len], w, h, stride), Err(CameraError::BadFrame(_))), "{fmt:?}");
        }
    }

    #[test]
    fn mjpeg_decodes_to_grey_and_torn_frames_are_errors() {
        let img = image::GrayImage::from_fn(16, 8, |x, _| image::Luma([if x < 8 { 0 } else { 255 }]));
        let mut jpeg = vec![];
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95).encode_image(&img).expect("encode");
        // Camera buffers carry slack after the JPEG's end marker.
        jpeg.extend([0u8; 64]);
        let f = mjpeg_to_grey(&jpeg).expect("decodes");
        assert_eq!((f.width, f.height), (16, 8));
        assert!(f.data[0] < 30 && f.data[15] > 225, "{:?}", &f.data[..16]);
        assert!(mjpeg_to_grey(&jpeg[..jpeg.len() / 3]).is_err(), "torn frame");
        assert!(mjpeg_to_grey(&[0xFF, 0xD8]).is_err());
        assert!(mjpeg_to_grey(&[0; 1000]).is_err());
    }
}
