//! Camera frame sources for QR sign-in.
//!
//! The kiosk only ever needs grey frames (QR decoding works on luminance), so the
//! frame type is a plain 8-bit grey buffer. [`FrameSource`] is the one trait: the V4L2
//! camera (later, with nokhwa) and [`replay::ReplaySource`] (tests, demo) implement it.

pub mod replay;

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
    #[error("camera: {0}")]
    Other(String),
}

/// Something that produces grey frames, newest first. Blocking; the kiosk calls it from
/// its own capture thread.
pub trait FrameSource: Send {
    fn next_frame(&mut self) -> Result<GreyFrame, CameraError>;
}
