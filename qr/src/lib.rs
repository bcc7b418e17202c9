//! QR decoding for the ADM kiosk, from a grey camera frame to the codes in it: nothing
//! here knows what a notice or a citizen is (the kiosk's `scan` module does).
//!
//! - [`decoder`]: the [`decoder::QrDecoder`] trait, and rqrr (pure Rust) behind it.
//! - [`zxing`]: zxing-cpp behind it, the plain pass.
//! - [`pipeline`]: the kiosk's decoder: the plain pass, then enhanced copies of the frame
//!   (see [`enhance`]) while the frame budget lasts, and what consecutive still frames
//!   give together ([`held`]).
//! - [`bounded`]: a hard deadline around any decoder.
//! - [`cli`]: `adm-kiosk qr-decode`.

pub mod bounded;
pub mod cli;
pub mod deblur;
pub mod decoder;
pub mod enhance;
pub mod held;
pub mod pipeline;
#[cfg(test)]
mod testkit;
pub mod zxing;
