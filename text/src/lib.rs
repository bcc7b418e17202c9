//! Rules about text that a person reads, shared by everyone who writes it: the receipt
//! driver (`adm-thermal`), the kiosk (screens, receipts, logs) and the reference central
//! server (logs).
//!
//! Why a crate of its own: each rule must have exactly one definition, and its users
//! must not depend on each other for it — a printer driver knows nothing about citizens
//! or servers, and the server must not depend on a printer driver. Nothing in here knows
//! what a NIK *means* (the kiosk's `session::nik` owns that); these rules are about the
//! shape of text only.

pub mod language;
pub mod mask;

pub use language::Language;
