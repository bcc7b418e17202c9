//! Fleet metrics: what operators see of this kiosk without visiting it.
//!
//! The kiosk exposes OpenMetrics text on a loopback address only; a Prometheus in agent
//! mode on the same machine scrapes it and remote-writes outbound to the fleet (kiosks
//! sit behind NAT, so nothing ever connects *in*). See `fleet/README.md`.
//!
//! Rules this module keeps:
//! * **No personal data in any label, ever.** Every label value comes from a fixed list
//!   in `labels.rs` (`A4State`, `SignInFailure`, …); anything else is folded
//!   into `"other"`. The only free-text labels are the build's version and commit, which
//!   are sanitised and length-capped.
//! * **No per-kiosk labels in the app.** `kiosk_id` and `site` are added by the agent as
//!   external labels, so the same binary runs everywhere and cannot lie about who it is
//!   in more than one place.
//! * **Every bounded series exists from the start** (counters at 0, state sets with one
//!   state at 1): `increase()` then sees the first event, and an alert never misses the
//!   first ownership mismatch because its series appeared with the value 1. Measured
//!   values (outbox, certificate expiry, disk free) appear only once measured: an
//!   unknown must not read as 0.
//!
//! `labels.rs` holds the bounded label sets, `server.rs` the loopback endpoint.

mod labels;
mod server;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

pub use labels::{
    A4_REASONS, A4State, CENTRAL_ENDPOINTS, MARKER_COLORS, ReceiptState, RefusalReason, SessionEnd, SignInFailure,
    UpdateFailure,
};
use labels::{
    A4StateLabel, BuildLabels, ColorLabel, EndpointLabel, ImageLabels, ReasonLabel, ReceiptStateLabel, RefusalLabel,
    SessionEndLabel, SignInLabel, UpdateFailureLabel, bounded, marker_color, reason_stem, sanitize_build_label,
};
pub use server::{DEFAULT_PORT, OPENMETRICS_CONTENT_TYPE, ServerHandle, serve};

/// QR decode latency buckets: a good decode takes milliseconds, rqrr's worst cases seconds.
const QR_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
/// Central-server latency buckets, up to the client's own timeouts.
const CENTRAL_BUCKETS: [f64; 11] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0];
/// The reasons of `kiosk_clock_wrong` (`clock_floor::ClockWrong::label`).
const CLOCK_WRONG: &[&str] = &["behind", "ahead"];

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// A gauge without labels that is not exposed until first set: "unknown" must not read
/// as 0 (a certificate expiring in 1970, a full disk, an empty outbox).
type LateGauge<N = i64, A = AtomicI64> = Family<NoLabels, Gauge<N, A>>;
type NoLabels = [(&'static str, &'static str); 0];

fn central_histogram() -> Histogram {
    Histogram::new(CENTRAL_BUCKETS)
}

/// Every metric of the kiosk, with typed methods the runtime calls. Cheap to share
/// (`Arc<Metrics>`); every method takes `&self` and only touches atomics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Held while a state set changes and while encoding, so a scrape never sees two
    /// states at 1 (or none) half-way through an update.
    consistency: Mutex<()>,

    heartbeat: Gauge,
    start_time: Gauge,
    build_info: Family<BuildLabels, Gauge>,
    image_info: Family<ImageLabels, Gauge>,
    update_failed: Family<UpdateFailureLabel, Gauge>,

    a4_state: Family<A4StateLabel, Gauge>,
    a4_reason: Family<ReasonLabel, Gauge>,
    a4_marker_level: Family<ColorLabel, Gauge>,
    a4_pages: Counter,
    documents_printed: Counter,
    receipts_printed: Counter,
    receipt_state: Family<ReceiptStateLabel, Gauge>,

    sessions_started: Counter,
    sessions_ended: Family<SessionEndLabel, Counter>,
    sign_in_failures: Family<SignInLabel, Counter>,
    documents_refused: Family<RefusalLabel, Counter>,
    revocation_unconfirmed: Counter,

    qr_decode: Histogram,
    central_duration: HistogramFamily<EndpointLabel>,
    central_errors: Family<EndpointLabel, Counter>,

    outbox_backlog: LateGauge,
    outbox_oldest_age: LateGauge<f64, AtomicU64>,
    cert_expiry: LateGauge,
    disk_free: LateGauge,
    clock_wrong: Family<ReasonLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut r = Registry::default();
        let m = Metrics {
            registry: Registry::default(),
            consistency: Mutex::new(()),
            heartbeat: Gauge::default(),
            start_time: Gauge::default(),
            build_info: Family::default(),
            image_info: Family::default(),
            update_failed: Family::default(),
            a4_state: Family::default(),
            a4_reason: Family::default(),
            a4_marker_level: Family::default(),
            a4_pages: Counter::default(),
            documents_printed: Counter::default(),
            receipts_printed: Counter::default(),
            receipt_state: Family::default(),
            sessions_started: Counter::default(),
            sessions_ended: Family::default(),
            sign_in_failures: Family::default(),
            documents_refused: Family::default(),
            revocation_unconfirmed: Counter::default(),
            qr_decode: Histogram::new(QR_BUCKETS),
            central_duration: Family::new_with_constructor(central_histogram as fn() -> Histogram),
            central_errors: Family::default(),
            outbox_backlog: Family::default(),
            outbox_oldest_age: Family::default(),
            cert_expiry: Family::default(),
            disk_free: Family::default(),
            clock_wrong: Family::default(),
        };

        r.register_with_unit(
            "kiosk_heartbeat_timestamp",
            "Unix time of the kiosk's last main-loop heartbeat; stops advancing when the kiosk hangs",
            Unit::Seconds,
            m.heartbeat.clone(),
        );
        r.register_with_unit(
            "kiosk_start_timestamp",
            "Unix time this kiosk process started (changes on every restart)",
            Unit::Seconds,
            m.start_time.clone(),
        );
        r.register("kiosk_build_info", "Version and commit of the running firmware (value 1)", m.build_info.clone());
        r.register(
            "kiosk_image_info",
            "Version and A/B slot of the OS image this kiosk booted (value 1; only on a kiosk image)",
            m.image_info.clone(),
        );
        r.register(
            "kiosk_update_failed",
            "Whether the last OS update failed, by how (1) or not (0): download, install (refused or failed), rollback (its boot never passed the boot check)",
            m.update_failed.clone(),
        );
        r.register(
            "kiosk_a4_printer_state",
            "A4 printer state as a state set: exactly one state is 1",
            m.a4_state.clone(),
        );
        r.register(
            "kiosk_a4_printer_state_reason",
            "A4 printer-state-reasons currently reported (1) or not (0); unknown keywords count as other",
            m.a4_reason.clone(),
        );
        r.register_with_unit(
            "kiosk_a4_marker_level",
            "A4 toner/ink level by colour, where the printer reports it",
            Unit::Other("percent".into()),
            m.a4_marker_level.clone(),
        );
        r.register("kiosk_a4_pages_printed", "A4 pages the printer confirmed as printed", m.a4_pages.clone());
        r.register(
            "kiosk_documents_printed",
            "Documents printed completely (every page confirmed)",
            m.documents_printed.clone(),
        );
        r.register("kiosk_receipts_printed", "Receipts printed on the thermal printer", m.receipts_printed.clone());
        r.register(
            "kiosk_receipt_printer_state",
            "Receipt printer state as a state set: exactly one state is 1",
            m.receipt_state.clone(),
        );
        r.register("kiosk_sessions_started", "Citizen sessions started", m.sessions_started.clone());
        r.register("kiosk_sessions_ended", "Citizen sessions ended, by how they ended", m.sessions_ended.clone());
        r.register("kiosk_sign_in_failures", "Sign-in attempts that failed, by reason", m.sign_in_failures.clone());
        r.register(
            "kiosk_documents_refused",
            "Documents refused before printing, by check that failed",
            m.documents_refused.clone(),
        );
        r.register(
            "kiosk_documents_revocation_unconfirmed",
            "Documents accepted although the signer's CRL was stale or missing (revocation not confirmed)",
            m.revocation_unconfirmed.clone(),
        );
        r.register_with_unit(
            "kiosk_qr_decode_duration",
            "Time to decode one camera frame that held a QR code",
            Unit::Seconds,
            m.qr_decode.clone(),
        );
        r.register_with_unit(
            "kiosk_central_request_duration",
            "Central-server request latency, by endpoint",
            Unit::Seconds,
            m.central_duration.clone(),
        );
        r.register(
            "kiosk_central_request_errors",
            "Central-server requests that failed, by endpoint",
            m.central_errors.clone(),
        );
        r.register(
            "kiosk_outbox_backlog_records",
            "Print/audit records waiting in the outbox to reach the central server",
            m.outbox_backlog.clone(),
        );
        r.register_with_unit(
            "kiosk_outbox_oldest_age",
            "Age of the oldest record waiting in the outbox (0 when empty)",
            Unit::Seconds,
            m.outbox_oldest_age.clone(),
        );
        r.register_with_unit(
            "kiosk_tls_client_cert_expiry_timestamp",
            "Unix time the kiosk's TLS client certificate expires (notAfter)",
            Unit::Seconds,
            m.cert_expiry.clone(),
        );
        r.register_with_unit(
            "kiosk_disk_free",
            "Free bytes on the filesystem holding the kiosk's state (outbox)",
            Unit::Bytes,
            m.disk_free.clone(),
        );
        r.register(
            "kiosk_clock_wrong",
            "1 while the kiosk's clock cannot be believed (reason: behind its floor or the \
             signed revocation lists, or far ahead of them): the kiosk is out of service",
            m.clock_wrong.clone(),
        );
        for &reason in CLOCK_WRONG {
            m.clock_wrong.get_or_create(&ReasonLabel { reason }).set(0);
        }

        // Every bounded series exists from the start (see the module comment).
        for &reason in A4_REASONS {
            m.a4_reason.get_or_create(&ReasonLabel { reason }).set(0);
        }
        for &reason in SessionEnd::ALL {
            let _ = m.sessions_ended.get_or_create(&SessionEndLabel { reason });
        }
        for &reason in UpdateFailure::ALL {
            m.update_failed.get_or_create(&UpdateFailureLabel { reason }).set(0);
        }
        for &reason in SignInFailure::ALL {
            let _ = m.sign_in_failures.get_or_create(&SignInLabel { reason });
        }
        for &reason in RefusalReason::ALL {
            let _ = m.documents_refused.get_or_create(&RefusalLabel { reason });
        }
        for &endpoint in CENTRAL_ENDPOINTS {
            let _ = m.central_duration.get_or_create(&EndpointLabel { endpoint });
            let _ = m.central_errors.get_or_create(&EndpointLabel { endpoint });
        }
        // Until the runtime has talked to a printer, the kiosk cannot print with it.
        set_a4_state_set(&m.a4_state, A4State::Disconnected);
        set_receipt_state_set(&m.receipt_state, ReceiptState::Disconnected);
        let now = unix_now();
        m.start_time.set(now);
        m.heartbeat.set(now);
        m.build_info(env!("CARGO_PKG_VERSION"), "unknown");

        Metrics { registry: r, ..m }
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        // The guarded data is `()`: a panic elsewhere cannot leave it inconsistent.
        self.consistency.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The whole exposition, OpenMetrics text ending in `# EOF`.
    pub fn encode(&self) -> String {
        let _g = self.lock();
        let mut out = String::with_capacity(16 * 1024);
        // Writing into a String cannot fail; an encoder bug would show as a short body.
        if encode(&mut out, &self.registry).is_err() {
            tracing::error!("metrics: encoding failed");
        }
        out
    }

    /// The main loop is alive at `now_unix`. Called from the UI pump (the same place that
    /// feeds the watchdog's liveness), so the fleet sees a hung kiosk as offline.
    pub fn heartbeat(&self, now_unix: i64) {
        self.heartbeat.set(now_unix);
    }

    /// Version and commit of this build. Replaces any earlier value (one series only).
    pub fn build_info(&self, version: &str, commit: &str) {
        let labels = BuildLabels { version: sanitize_build_label(version), commit: sanitize_build_label(commit) };
        let _g = self.lock();
        self.build_info.clear();
        self.build_info.get_or_create(&labels).set(1);
    }

    /// The OS image this kiosk booted. Replaces any earlier value (one series only).
    pub fn set_image(&self, version: &str, slot: &str) {
        // From a file the root side writes: anything but a slot name is "unknown".
        let slot = match slot {
            "a" => "a",
            "b" => "b",
            _ => "unknown",
        };
        let labels = ImageLabels { version: sanitize_build_label(version), slot: slot.to_owned() };
        let _g = self.lock();
        if self.image_info.get(&labels).is_none() {
            self.image_info.clear();
        }
        self.image_info.get_or_create(&labels).set(1);
    }

    /// How the last OS update failed (one series at 1), or None (all at 0).
    pub fn set_update_failed(&self, failure: Option<UpdateFailure>) {
        let _g = self.lock();
        for &reason in UpdateFailure::ALL {
            self.update_failed.get_or_create(&UpdateFailureLabel { reason }).set(i64::from(Some(reason) == failure));
        }
    }

    pub fn session_started(&self) {
        self.sessions_started.inc();
    }

    pub fn session_ended(&self, reason: SessionEnd) {
        self.sessions_ended.get_or_create(&SessionEndLabel { reason }).inc();
    }

    pub fn sign_in_failed(&self, reason: SignInFailure) {
        self.sign_in_failures.get_or_create(&SignInLabel { reason }).inc();
    }

    pub fn document_refused(&self, reason: RefusalReason) {
        self.documents_refused.get_or_create(&RefusalLabel { reason }).inc();
    }

    /// A document passed its checks, but no current CRL confirmed its signer unrevoked.
    pub fn revocation_unconfirmed(&self) {
        self.revocation_unconfirmed.inc();
    }

    /// Pages the A4 printer confirmed (also for a run that stopped half-way).
    pub fn pages_printed(&self, n: u32) {
        self.a4_pages.inc_by(u64::from(n));
    }

    /// One document printed completely.
    pub fn document_printed(&self) {
        self.documents_printed.inc();
    }

    pub fn receipt_printed(&self) {
        self.receipts_printed.inc();
    }

    /// A4 printer state and its raw `printer-state-reasons`. Reasons are reduced to
    /// their keyword and unknown keywords to `other`, so what a printer says can never
    /// grow the label set.
    pub fn set_a4_state(&self, state: A4State, reasons: &[String]) {
        let mut present = [false; 32];
        for r in reasons {
            let stem = reason_stem(r);
            if stem.is_empty() || stem == "none" {
                continue;
            }
            let idx = A4_REASONS.iter().position(|k| *k == stem).unwrap_or(A4_REASONS.len() - 1);
            present[idx] = true;
        }
        let _g = self.lock();
        set_a4_state_set(&self.a4_state, state);
        for (i, &reason) in A4_REASONS.iter().enumerate() {
            self.a4_reason.get_or_create(&ReasonLabel { reason }).set(i64::from(present[i]));
        }
    }

    /// Toner/ink level of one supply, 0–100. `color` is what the printer reports
    /// (`#000000`, `black`, `cyan`, …); it is mapped onto [`MARKER_COLORS`].
    pub fn set_marker_level(&self, color: &str, percent: u8) {
        let color = marker_color(color);
        self.a4_marker_level.get_or_create(&ColorLabel { color }).set(i64::from(percent.min(100)));
    }

    pub fn set_receipt_state(&self, state: ReceiptState) {
        let _g = self.lock();
        set_receipt_state_set(&self.receipt_state, state);
    }

    pub fn observe_qr_decode(&self, secs: f64) {
        self.qr_decode.observe(secs.max(0.0));
    }

    /// One central-server request: `endpoint` one of [`CENTRAL_ENDPOINTS`].
    pub fn observe_central_request(&self, endpoint: &str, secs: f64, ok: bool) {
        let label = EndpointLabel { endpoint: bounded(endpoint, CENTRAL_ENDPOINTS) };
        self.central_duration.get_or_create(&label).observe(secs.max(0.0));
        if !ok {
            self.central_errors.get_or_create(&label).inc();
        }
    }

    pub fn set_outbox(&self, backlog: u64, oldest_age_secs: f64) {
        self.outbox_backlog.get_or_create(&[]).set(i64::try_from(backlog).unwrap_or(i64::MAX));
        self.outbox_oldest_age.get_or_create(&[]).set(if backlog == 0 { 0.0 } else { oldest_age_secs.max(0.0) });
    }

    /// notAfter of the kiosk's TLS client certificate, as Unix seconds.
    pub fn set_cert_expiry(&self, unix_secs: i64) {
        self.cert_expiry.get_or_create(&[]).set(unix_secs);
    }

    /// Which way the clock is wrong, if it is (`clock_floor::ClockWrong::label`).
    pub fn set_clock_wrong(&self, reason: Option<&'static str>) {
        let _g = self.lock();
        for &r in CLOCK_WRONG {
            self.clock_wrong.get_or_create(&ReasonLabel { reason: r }).set(i64::from(Some(r) == reason));
        }
    }

    pub fn set_disk_free(&self, bytes: u64) {
        self.disk_free.get_or_create(&[]).set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }
}

/// Every request of the central-server client, retries included, lands here
/// (`kiosk_central_request_*`, the series of the `KioskCentralErrors` alert).
impl adm_central_client::RequestObserver for Metrics {
    fn request(&self, endpoint: &'static str, elapsed: std::time::Duration, ok: bool) {
        self.observe_central_request(endpoint, elapsed.as_secs_f64(), ok);
    }
}

/// Sets one state of a state set to 1 and every other to 0.
fn set_a4_state_set(family: &Family<A4StateLabel, Gauge>, state: A4State) {
    for &s in A4State::ALL {
        family.get_or_create(&A4StateLabel { state: s }).set(i64::from(s == state));
    }
}

fn set_receipt_state_set(family: &Family<ReceiptStateLabel, Gauge>, state: ReceiptState) {
    for &s in ReceiptState::ALL {
        family.get_or_create(&ReceiptStateLabel { state: s }).set(i64::from(s == state));
    }
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)).unwrap_or(0)
}
