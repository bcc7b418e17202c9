//! Maintenance (the technician menu), without the screens: who may enter, what is
//! checked, what may be changed, and the `doctor` report. One name for the feature:
//! *maintenance* (the Slint `Maintenance` global, `runtime::maintenance` for its actions,
//! audit ids `maintenance.*`); a *technician* is the person using it.
//!
//! * [`console`] — the console's pure state (PIN entry, pages) and its catalogue of
//!   actions and feedback.
//! * [`auth`] — technician PINs (argon2id hashes in the configuration) and the entry
//!   [`auth::Gate`] with exponential backoff, kept across restarts by
//!   [`auth::Authenticator`].
//! * [`checks`] — every readiness check, bounded in time; shared by the health screen,
//!   the printed report ([`report`]) and `adm-kiosk doctor` ([`doctor`]).
//! * [`settings`] — the closed set of settings a technician may edit, validated and
//!   saved atomically.
//!
//! # Security model
//!
//! The maintenance menu can print test pages, take the kiosk out of service and change
//! where it connects, so it is an attack surface in a public hall. The rules:
//!
//! * **PINs are stored hashed** (argon2id, random salt, memory-hard). The configuration
//!   file travels — images, backups, pushes from the central server — and the same
//!   technician PIN opens every kiosk the technician is provisioned on. PINs are 8-12
//!   digits (`technician-hash` and the console refuse shorter ones), at least 10^8
//!   values, so a fast hash would still fall to a laptop in minutes; argon2id at 64 MiB
//!   and 3 passes per guess makes an offline search cost core-years. The hash never
//!   appears in `Debug` output or logs.
//! * **Wrong PINs back off exponentially** (1 s, 2 s, 4 s, … capped at 5 min after the
//!   k-th consecutive failure), and the count survives a reboot (a file on the data
//!   partition; after a restart the full wait of that count runs again): someone at the
//!   screen can try a few PINs, not a meaningful fraction of 10^8. Idle for
//!   `technician_idle_seconds`, the console (PIN screen included) closes by itself. The
//!   gate refuses attempts while closed without
//!   even looking at the PIN, and checks every technician's hash on each attempt so the
//!   answer time does not reveal which one matched. Every entry, failure and action is
//!   an audit event (emitted by the caller, which knows the session context).
//! * **No setting touches verification.** [`settings::Settings`] has no field for the
//!   server CA, the client certificate and key, or the document trust anchors, refuses
//!   unknown fields, and cannot switch a real kiosk to demo mode (which brings its own
//!   CA and trust anchor). Every change goes through `Config::validate`, so a technician
//!   cannot enter `http://` or a timeout that breaks the WCAG warning rule. Changing
//!   trust is provisioning's job, not something a PIN at the kiosk can do.
//! * **Never during a citizen session.** Entry is only offered from the attract screen;
//!   the caller must refuse it while a session is open (the session state is the
//!   caller's), and a citizen session cannot start while maintenance is open.

pub mod auth;
pub mod checks;
pub mod console;
pub mod doctor;
pub mod report;
pub mod settings;

#[cfg(test)]
mod testkit;
