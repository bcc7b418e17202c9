//! Camera frame sources for QR sign-in.
//!
//! The kiosk only ever needs grey frames (QR decoding works on luminance), so the
//! frame type is a plain 8-bit grey buffer. [`FrameSource`] is the one trait: the V4L2
//! camera ([`v4l::V4lCamera`], feature `v4l`), [`replay::ReplaySource`] (tests, demo)
//! and [`latest::LatestFrame`] (runs any source on its own thread, newest frame only)
//! implement it. [`pixels`] turns camera pixel formats into grey.

pub mod latest;
pub mod pixels;
pub mod replay;
#[cfg(feature = "v4l")]
pub mod v4l;

/// One 8-bit grey frame, row-major, `width * height` bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct GreyFrame {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for GreyFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GreyFrame({}x{})", self.width, self.height)
    }
}

impl GreyFrame {
    pub fn from_image(img: &image::GrayImage) -> GreyFrame {
        GreyFrame { width: img.width(), height: img.height(), data: img.as_raw().clone() }
    }

    /// Non-empty, with exactly `width * height` bytes: what every pixel loop indexes on.
    pub fn is_well_formed(&self) -> bool {
        self.width > 0 && self.height > 0 && self.data.len() as u64 == u64::from(self.width) * u64::from(self.height)
    }

    pub fn to_image(&self) -> Option<image::GrayImage> {
        image::GrayImage::from_raw(self.width, self.height, self.data.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    #[error("camera disconnected")]
    Disconnected,
    #[error("no frame within the deadline")]
    Timeout,
    #[error("camera not found: {0}")]
    NotFound(String),
    #[error("camera unsupported: {0}")]
    Unsupported(String),
    /// One unusable frame (truncated, torn JPEG); the next one may be fine.
    #[error("bad camera frame: {0}")]
    BadFrame(String),
    #[error("camera: {0}")]
    Other(String),
}

/// Something that produces grey frames, newest first. Blocking; the kiosk calls it from
/// its own capture thread.
pub trait FrameSource: Send {
    fn next_frame(&mut self) -> Result<GreyFrame, CameraError>;
}
