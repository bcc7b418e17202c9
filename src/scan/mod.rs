//! QR sign-in and document check: frame → grey → decoder → notice payload, or the
//! verification code of a printed document.

pub mod bounded;
pub mod cli;
pub mod decoder;
pub mod document;
pub mod enhance;
pub mod hints;
pub mod notice;
pub mod pipeline;
pub mod probe;
pub mod scanner;
pub mod timed;
pub mod zxing;
