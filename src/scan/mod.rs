//! QR sign-in and document check: frame → grey → decoder → notice payload, or the
//! verification code of a printed document.

pub mod document;
pub mod hints;
pub mod notice;
pub mod probe;
pub mod scanner;
pub mod timed;

// The decoding itself, a crate of its own (`qr/`): measured in release without the UI.
pub use adm_qr::{bounded, cli, deblur, decoder, enhance, held, pipeline, zxing};
