//! The kiosk's one client module for the central server (SIAK Terpusat).
//!
//! - [`api`]: wire types of `central/openapi.yaml` (the reference server reuses them);
//! - [`client`]: mTLS HTTPS client with timeouts, bounded retries and size limits;
//! - [`outbox`]: durable queue for print reports and audit events;
//! - [`notice`]: parsing of the notice QR payload.
//!
//! Adapting the kiosk to the real central API means changing this crate only.

pub mod api;
mod body;
pub mod client;
pub mod error;
pub mod notice;
pub mod observe;
pub mod outbox;

pub use client::{CentralClient, ClientConfig, Download, UpdateDownloadError};
pub use error::ClientError;
pub use notice::{NoticeParseError, parse_notice_payload};
pub use observe::RequestObserver;
pub use outbox::{Backlog, DeliveryReport, LocalPrintRecord, Outbox, OutboxError};
