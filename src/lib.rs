//! adm-kiosk: firmware for the Anjungan Dukcapil Mandiri (ADM) self-service kiosk.
//!
//! See `ARCHITECTURE.md` at the repository root for the map of this crate.
//!
//! The `demo` feature (on by default) adds what only the demo and the tests need: the
//! reference central server in-process, Slint's testing backend, `demo` and `headless`,
//! and the simulated A4 printer's fault file. The kiosk image is built without it
//! (`--no-default-features --features kms`).

pub mod app;
pub mod atomic_file;
pub mod central;
pub mod clock_floor;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod devices;
pub mod document;
#[cfg(feature = "demo")]
pub mod headless;
pub mod maintenance;
pub mod nik;
pub mod runtime;
pub mod scan;
pub mod session;
pub mod speech;
pub mod telemetry;
pub mod ui_bridge;
pub mod unprovisioned;
pub mod update;

/// The Slint-generated types (the window, the `Kiosk` and `Tech` globals, the UI enums and
/// rows), kept in their own namespace so they never collide with the kiosk's own types
/// (`app::Kiosk`, `session::Failure`, …).
pub mod ui {
    slint::include_modules!();
}
