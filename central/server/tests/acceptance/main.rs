//! Acceptance tests of issue #3: the real reference server on loopback TLS and the real
//! kiosk client. One test binary (one link step) with a module per concern.

mod api;
mod citizen_services;
mod common;
mod concurrency;
mod entitlement;
mod jam;
mod lifecycle;
mod lockout;
mod notices;
mod outbox;
mod pades;
mod revocation;
mod secrets_at_rest;
mod security;
mod update;
