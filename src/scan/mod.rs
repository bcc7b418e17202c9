//! QR sign-in: frame → grey → decoder → notice payload.

pub mod bounded;
pub mod cli;
pub mod decoder;
pub mod hints;
pub mod notice;
pub mod probe;
pub mod scanner;
pub mod timed;
pub mod zxing;
