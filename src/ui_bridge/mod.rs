//! The UI's only door. Session and maintenance state go into Slint globals; Slint
//! callbacks come back as events and intents.
//!
//! * [`citizen`] — the `Kiosk` global: the citizen journey.
//! * [`maintenance`] — the `Maintenance` global: the technician menu.

pub mod citizen;
pub mod keys;
pub mod maintenance;
mod service_view;
mod status_view;

pub use citizen::{connect, render, show_frame};

/// A grey camera frame as an image Slint can show.
pub(crate) fn grey_image(frame: &adm_camera::GreyFrame) -> slint::Image {
    let mut buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(frame.width, frame.height);
    for (dst, &y) in buf.make_mut_slice().iter_mut().zip(&frame.data) {
        *dst = slint::Rgb8Pixel { r: y, g: y, b: y };
    }
    slint::Image::from_rgb8(buf)
}
