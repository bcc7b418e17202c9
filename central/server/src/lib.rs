//! Reference central server for ADM kiosks (stand-in for SIAK Terpusat).
//!
//! Implements `central/openapi.yaml` over mutually authenticated TLS, with demo citizens,
//! families and documents whose PDFs are really signed (PAdES, CMS) by a demo CA created
//! on first start. Used by the kiosk's demo mode and tests ([`demo::spawn`]) and runnable
//! on its own (`adm-central serve`).

pub mod admin;
pub mod applications;
pub mod catalogue;
pub mod clock;
pub mod db;
pub mod demo;
pub mod documents;
pub mod handshakes;
pub mod http;
pub mod metrics;
pub mod pdf;
pub mod pki;
pub mod private_file;
pub mod ratelimit;
pub mod render;
pub mod revocation;
pub mod secrets;
pub mod seed;
pub mod seed_applications;
pub mod serve;
pub mod server;
pub mod sessions;
pub mod sign;
pub mod state;
pub mod tls;
pub mod updates;
