//! The kiosk's one client module for the central server (SIAK Terpusat).
//!
//! - [`answer`]: the server's answers read from bytes (pure, fuzzed);
//! - [`api`]: wire types of `central/openapi.yaml` (the reference server reuses them);
//! - [`backoff`]: jittered retry delays, so a fleet does not retry in lockstep;
//! - [`client`]: mTLS HTTPS client with timeouts, bounded retries and size limits;
//! - [`outbox`]: durable queue for print reports and audit events;
//! - [`notice`]: parsing of the notice QR payload.
//!
//! Adapting the kiosk to the real central API means changing this crate only.

pub mod answer;
pub mod api;
pub mod backoff;
#[cfg(feature = "client")]
mod body;
#[cfg(feature = "client")]
pub mod client;
pub mod error;
pub mod notice;
pub mod observe;
#[cfg(feature = "client")]
pub mod outbox;
#[cfg(feature = "client")]
pub mod time_floor;

#[cfg(feature = "client")]
pub use client::{CentralClient, ClientConfig, Download, UpdateDownloadError};
pub use error::ClientError;
pub use notice::{NoticeParseError, parse_notice_payload};
pub use observe::RequestObserver;
#[cfg(feature = "client")]
pub use outbox::{Backlog, DeliveryReport, LocalPrintRecord, Outbox, OutboxError};
