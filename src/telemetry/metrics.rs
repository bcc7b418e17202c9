//! Fleet metrics: what operators see of this kiosk without visiting it.
//!
//! The kiosk exposes OpenMetrics text on a loopback address only; a Prometheus in agent
//! mode on the same machine scrapes it and remote-writes outbound to the fleet (kiosks
//! sit behind NAT, so nothing ever connects *in*). See `fleet/README.md`.
//!
//! Rules this module keeps:
//! * **No personal data in any label, ever.** Every label value comes from a fixed list
//!   in this file (`A4_STATES`, `SIGN_IN_FAILURE_REASONS`, …); anything else is folded
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

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The content type of the OpenMetrics 1.0 text format.
pub const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The port the agent config (`fleet/kiosk/prometheus-agent.yml`) scrapes.
pub const DEFAULT_PORT: u16 = 9464;

/// A4 printer states, as a state set: exactly one of them is 1.
pub const A4_STATES: &[&str] =
    &["idle", "busy", "media_empty", "media_jam", "cover_open", "marker_empty", "other", "disconnected"];

/// `printer-state-reasons` keywords (suffix stripped) that are worth a series of their
/// own. Any other keyword is counted as `other`; `none` is no reason at all.
pub const A4_REASONS: &[&str] = &[
    "media-empty",
    "media-needed",
    "media-low",
    "media-jam",
    "input-tray-missing",
    "output-area-full",
    "cover-open",
    "door-open",
    "interlock-open",
    "toner-low",
    "toner-empty",
    "marker-supply-low",
    "marker-supply-empty",
    "marker-waste-almost-full",
    "marker-waste-full",
    "offline",
    "paused",
    "other",
];

/// Toner/ink colours the A4 marker gauge is labelled with.
pub const MARKER_COLORS: &[&str] = &["black", "cyan", "magenta", "yellow", "other"];

/// Receipt (thermal) printer states, as a state set.
pub const RECEIPT_STATES: &[&str] = &["ready", "paper_near_end", "paper_out", "cover_open", "error", "disconnected"];

/// How a citizen session ended.
pub const SESSION_END_REASONS: &[&str] =
    &["completed", "cancelled", "idle_timeout", "session_limit", "failed", "other"];

/// Why a sign-in did not succeed (mirrors `CentralError` plus local refusals).
pub const SIGN_IN_FAILURE_REASONS: &[&str] = &[
    "wrong_pin",
    "locked",
    "unknown_citizen",
    "unknown_notice",
    "invalid_qr",
    "unreachable",
    "kiosk_refused",
    "rate_limited",
    "session_expired",
    "server_error",
    "other",
];

/// Why a downloaded document was refused before printing.
pub const REFUSAL_REASONS: &[&str] = &["download", "integrity", "signature", "ownership", "other"];

/// Central-server calls, by purpose (never by URL: URLs can carry ids).
/// The client's own endpoint labels: every request it makes is observed under one of them.
pub const CENTRAL_ENDPOINTS: &[&str] = &adm_central_client::observe::ENDPOINTS;

/// QR decode latency buckets: a good decode takes milliseconds, rqrr's worst cases seconds.
const QR_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
/// Central-server latency buckets, up to the client's own timeouts.
const CENTRAL_BUCKETS: [f64; 11] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ColorLabel {
    color: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabel {
    endpoint: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    commit: String,
}

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

    a4_state: Family<StateLabel, Gauge>,
    a4_reason: Family<ReasonLabel, Gauge>,
    a4_marker_level: Family<ColorLabel, Gauge>,
    a4_pages: Counter,
    documents_printed: Counter,
    receipts_printed: Counter,
    receipt_state: Family<StateLabel, Gauge>,

    sessions_started: Counter,
    sessions_ended: Family<ReasonLabel, Counter>,
    sign_in_failures: Family<ReasonLabel, Counter>,
    documents_refused: Family<ReasonLabel, Counter>,
    revocation_unconfirmed: Counter,

    qr_decode: Histogram,
    central_duration: HistogramFamily<EndpointLabel>,
    central_errors: Family<EndpointLabel, Counter>,

    outbox_backlog: LateGauge,
    outbox_oldest_age: LateGauge<f64, AtomicU64>,
    cert_expiry: LateGauge,
    disk_free: LateGauge,
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

        // Every bounded series exists from the start (see the module comment).
        for &reason in A4_REASONS {
            m.a4_reason.get_or_create(&ReasonLabel { reason }).set(0);
        }
        for &reason in SESSION_END_REASONS {
            let _ = m.sessions_ended.get_or_create(&ReasonLabel { reason });
        }
        for &reason in SIGN_IN_FAILURE_REASONS {
            let _ = m.sign_in_failures.get_or_create(&ReasonLabel { reason });
        }
        for &reason in REFUSAL_REASONS {
            let _ = m.documents_refused.get_or_create(&ReasonLabel { reason });
        }
        for &endpoint in CENTRAL_ENDPOINTS {
            let _ = m.central_duration.get_or_create(&EndpointLabel { endpoint });
            let _ = m.central_errors.get_or_create(&EndpointLabel { endpoint });
        }
        // Until the runtime has talked to a printer, the kiosk cannot print with it.
        set_state_set(&m.a4_state, A4_STATES, "disconnected");
        set_state_set(&m.receipt_state, RECEIPT_STATES, "disconnected");
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

    pub fn session_started(&self) {
        self.sessions_started.inc();
    }

    /// `reason`: completed | cancelled | idle_timeout | session_limit | failed.
    pub fn session_ended(&self, reason: &str) {
        self.sessions_ended.get_or_create(&ReasonLabel { reason: bounded(reason, SESSION_END_REASONS) }).inc();
    }

    /// `reason`: one of [`SIGN_IN_FAILURE_REASONS`]; the session machine's hyphenated
    /// codes (`"wrong-pin"`, `failure_code(..)`) are accepted as they are.
    pub fn sign_in_failed(&self, reason: &str) {
        self.sign_in_failures.get_or_create(&ReasonLabel { reason: bounded(reason, SIGN_IN_FAILURE_REASONS) }).inc();
    }

    /// `reason`: download | integrity | signature | ownership.
    pub fn document_refused(&self, reason: &str) {
        self.documents_refused.get_or_create(&ReasonLabel { reason: bounded(reason, REFUSAL_REASONS) }).inc();
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

    /// A4 printer state (one of [`A4_STATES`]) and its raw `printer-state-reasons`.
    /// Unknown states count as `other`; reasons are reduced to their keyword and unknown
    /// keywords to `other`, so what a printer says can never grow the label set.
    pub fn set_a4_state(&self, state: &str, reasons: &[String]) {
        let state = bounded(state, A4_STATES);
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
        set_state_set(&self.a4_state, A4_STATES, state);
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

    /// Receipt printer state, one of [`RECEIPT_STATES`] (unknown ones count as `error`).
    pub fn set_receipt_state(&self, state: &str) {
        let state = RECEIPT_STATES.iter().copied().find(|s| same_code(s, state)).unwrap_or("error");
        let _g = self.lock();
        set_state_set(&self.receipt_state, RECEIPT_STATES, state);
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
fn set_state_set(family: &Family<StateLabel, Gauge>, all: &[&'static str], state: &'static str) {
    for &s in all {
        family.get_or_create(&StateLabel { state: s }).set(i64::from(s == state));
    }
}

/// The entry of `allowed` that `value` names (`-` and `_` are the same), else `"other"`
/// (every bounded list has it). Label values are always one of the static strings, so a
/// caller's typo can never create a new series.
fn bounded(value: &str, allowed: &[&'static str]) -> &'static str {
    let found = allowed.iter().copied().find(|a| same_code(a, value));
    // A typo in the runtime shows up in debug builds and tests; a release kiosk goes on.
    debug_assert!(found.is_some(), "metrics: label value {value:?} is not in the bounded set");
    found.unwrap_or("other")
}

/// `wrong_pin` == `wrong-pin`: the session machine's codes use hyphens, labels underscores.
fn same_code(label: &str, code: &str) -> bool {
    label.len() == code.len() && label.bytes().zip(code.bytes()).all(|(l, c)| l == c || (l == b'_' && c == b'-'))
}

/// An IPP reason keyword without its `-report`/`-warning`/`-error` suffix, lowercased.
fn reason_stem(reason: &str) -> String {
    let r = reason.trim().to_ascii_lowercase();
    for suffix in ["-report", "-warning", "-error"] {
        if let Some(s) = r.strip_suffix(suffix) {
            return s.to_string();
        }
    }
    r
}

/// IPP `marker-colors` (`#RRGGBB`, sometimes `#RRGGBB#RRGGBB` for multi-colour) or a
/// colour name → one of [`MARKER_COLORS`].
fn marker_color(color: &str) -> &'static str {
    let c = color.trim().to_ascii_lowercase();
    match c.as_str() {
        "black" | "k" | "#000000" | "#000" => "black",
        "cyan" | "c" | "#00ffff" | "#0ff" => "cyan",
        "magenta" | "m" | "#ff00ff" | "#f0f" => "magenta",
        "yellow" | "y" | "#ffff00" | "#ff0" => "yellow",
        _ => {
            // Printers often report near-black or near-cyan shades: go by the dominant channel.
            let hex = c.strip_prefix('#').filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            let Some(hex) = hex else { return "other" };
            let ch = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
            let (r, g, b) = (ch(0), ch(2), ch(4));
            let hi = |v: u8| v >= 0xa0;
            let lo = |v: u8| v <= 0x60;
            match (r, g, b) {
                _ if lo(r) && lo(g) && lo(b) => "black",
                _ if lo(r) && hi(g) && hi(b) => "cyan",
                _ if hi(r) && lo(g) && hi(b) => "magenta",
                _ if hi(r) && hi(g) && lo(b) => "yellow",
                _ => "other",
            }
        }
    }
}

/// Build version/commit as a label: only `[A-Za-z0-9._+-]`, at most 40 characters.
fn sanitize_build_label(s: &str) -> String {
    let clean: String =
        s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-')).take(40).collect();
    if clean.is_empty() { "unknown".into() } else { clean }
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// The /metrics endpoint.

/// How long one scrape connection may take to send its request or read the answer. The
/// server handles one connection at a time (one scraper, on loopback), so a stuck
/// client must not hold it for long.
const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest request head accepted; a scrape's is a few hundred bytes.
const MAX_REQUEST_HEAD: usize = 8 * 1024;

/// A running metrics endpoint. Dropping it (or [`ServerHandle::shutdown`]) stops it.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.stop.store(true, Ordering::SeqCst);
            // Wake the blocking accept() with one last connection.
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(500));
            let _ = thread.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Serves `GET /metrics` on `addr`, which must be a loopback address: the endpoint is for
/// the local agent only, and the kiosk opens no port to the network.
pub fn serve(metrics: Arc<Metrics>, addr: SocketAddr) -> io::Result<ServerHandle> {
    if !addr.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("metrics: refusing to listen on non-loopback address {addr}"),
        ));
    }
    let listener = TcpListener::bind(addr)?;
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = stop.clone();
    let thread = std::thread::Builder::new().name("metrics-http".into()).spawn(move || {
        for conn in listener.incoming() {
            if stop_flag.load(Ordering::SeqCst) {
                break;
            }
            match conn {
                Ok(stream) => {
                    if let Err(e) = handle(&metrics, stream) {
                        tracing::debug!("metrics: connection: {e}");
                    }
                }
                // E.g. EMFILE: back off a little instead of spinning.
                Err(e) => {
                    tracing::warn!("metrics: accept: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    })?;
    tracing::info!("metrics: serving OpenMetrics on http://{addr}/metrics");
    Ok(ServerHandle { addr, stop, thread: Some(thread) })
}

/// One HTTP/1.x exchange, then the connection is closed.
fn handle(metrics: &Metrics, stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?).take(MAX_REQUEST_HEAD as u64);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Read (and ignore) the headers up to the blank line, within the size cap.
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_ascii_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, content_type, body) = match (method, path) {
        ("GET", "/metrics") => ("200 OK", OPENMETRICS_CONTENT_TYPE, metrics.encode()),
        (_, "/metrics") => ("405 Method Not Allowed", "text/plain; charset=utf-8", "only GET\n".to_string()),
        _ => ("404 Not Found", "text/plain; charset=utf-8", "not found: try /metrics\n".to_string()),
    };
    let mut out = stream;
    let allow = if status.starts_with("405") { "Allow: GET\r\n" } else { "" };
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{allow}Connection: close\r\n\r\n",
        body.len()
    )?;
    out.write_all(body.as_bytes())?;
    out.flush()?;
    let _ = out.shutdown(Shutdown::Write);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One sample line: name, labels, value.
    type Sample = (String, Vec<(String, String)>, f64);

    /// Parses `name{labels} value` sample lines (no HELP/TYPE/UNIT/EOF).
    fn samples(text: &str) -> Vec<Sample> {
        let mut out = vec![];
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let (series, value) = line.rsplit_once(' ').expect("sample line has a value");
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => {
                    let body = rest.strip_suffix('}').expect("closing brace");
                    let labels = body
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(|kv| {
                            let (k, v) = kv.split_once('=').expect("k=v");
                            (k.to_string(), v.trim_matches('"').to_string())
                        })
                        .collect();
                    (n.to_string(), labels)
                }
                None => (series.to_string(), vec![]),
            };
            out.push((name, labels, value.parse::<f64>().expect("numeric value")));
        }
        out
    }

    fn value(text: &str, name: &str, label: Option<(&str, &str)>) -> f64 {
        samples(text)
            .into_iter()
            .find(|(n, l, _)| n == name && label.is_none_or(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v)))
            .unwrap_or_else(|| panic!("no sample {name} {label:?} in\n{text}"))
            .2
    }

    fn state_ones(text: &str, name: &str) -> Vec<String> {
        samples(text).into_iter().filter(|(n, _, v)| n == name && *v == 1.0).map(|(_, l, _)| l[0].1.clone()).collect()
    }

    #[test]
    fn exposition_has_every_family_and_ends_with_eof() {
        let m = Metrics::new();
        // Values the kiosk has not measured yet are absent, not 0.
        let text = m.encode();
        for late in
            ["kiosk_outbox_backlog_records", "kiosk_tls_client_cert_expiry_timestamp_seconds", "kiosk_disk_free_bytes"]
        {
            assert!(!text.contains(late), "{late} exposed before it was known");
        }
        m.set_outbox(0, 0.0);
        m.set_cert_expiry(1_800_000_000);
        m.set_disk_free(1 << 30);
        let text = m.encode();
        for family in [
            "kiosk_heartbeat_timestamp_seconds",
            "kiosk_start_timestamp_seconds",
            "kiosk_build_info",
            "kiosk_a4_printer_state",
            "kiosk_a4_printer_state_reason",
            "kiosk_a4_pages_printed",
            "kiosk_documents_printed",
            "kiosk_receipts_printed",
            "kiosk_receipt_printer_state",
            "kiosk_sessions_started",
            "kiosk_sessions_ended",
            "kiosk_sign_in_failures",
            "kiosk_documents_refused",
            "kiosk_qr_decode_duration_seconds",
            "kiosk_central_request_duration_seconds",
            "kiosk_central_request_errors",
            "kiosk_outbox_backlog_records",
            "kiosk_outbox_oldest_age_seconds",
            "kiosk_tls_client_cert_expiry_timestamp_seconds",
            "kiosk_disk_free_bytes",
        ] {
            assert!(text.contains(&format!("# TYPE {family} ")), "missing family {family} in\n{text}");
        }
        // Counters exist at 0 from the start, so the first event is an increase.
        assert_eq!(value(&text, "kiosk_documents_refused_total", Some(("reason", "ownership"))), 0.0);
        assert_eq!(value(&text, "kiosk_sign_in_failures_total", Some(("reason", "wrong_pin"))), 0.0);
        assert!(text.ends_with("# EOF\n"));
        // Every metric of ours carries the kiosk_ prefix.
        assert!(samples(&text).iter().all(|(n, _, _)| n.starts_with("kiosk_")));
    }

    #[test]
    fn methods_move_the_right_series() {
        let m = Metrics::new();
        m.heartbeat(1_700_000_000);
        m.build_info("1.2.3", "abcdef0");
        m.session_started();
        m.session_ended("completed");
        m.session_ended("idle_timeout");
        m.sign_in_failed("wrong_pin");
        m.sign_in_failed("unknown-citizen"); // the session machine's failure_code() form
        m.document_refused("ownership");
        m.pages_printed(3);
        m.document_printed();
        m.receipt_printed();
        m.set_marker_level("#000000", 42);
        m.observe_qr_decode(0.02);
        m.observe_central_request("download", 0.3, true);
        m.observe_central_request("download", 8.0, false);
        m.set_outbox(4, 120.5);
        m.set_cert_expiry(1_800_000_000);
        m.set_disk_free(5_000_000_000);
        let t = m.encode();
        assert_eq!(value(&t, "kiosk_heartbeat_timestamp_seconds", None), 1_700_000_000.0);
        assert_eq!(value(&t, "kiosk_build_info", Some(("version", "1.2.3"))), 1.0);
        assert!(t.contains(r#"kiosk_build_info{version="1.2.3",commit="abcdef0"} 1"#));
        assert_eq!(samples(&t).iter().filter(|(n, _, _)| n == "kiosk_build_info").count(), 1);
        assert_eq!(value(&t, "kiosk_sessions_started_total", None), 1.0);
        assert_eq!(value(&t, "kiosk_sessions_ended_total", Some(("reason", "completed"))), 1.0);
        assert_eq!(value(&t, "kiosk_sessions_ended_total", Some(("reason", "idle_timeout"))), 1.0);
        assert_eq!(value(&t, "kiosk_sign_in_failures_total", Some(("reason", "wrong_pin"))), 1.0);
        assert_eq!(value(&t, "kiosk_sign_in_failures_total", Some(("reason", "unknown_citizen"))), 1.0);
        assert_eq!(value(&t, "kiosk_documents_refused_total", Some(("reason", "ownership"))), 1.0);
        assert_eq!(value(&t, "kiosk_a4_pages_printed_total", None), 3.0);
        assert_eq!(value(&t, "kiosk_documents_printed_total", None), 1.0);
        assert_eq!(value(&t, "kiosk_a4_marker_level_percent", Some(("color", "black"))), 42.0);
        assert_eq!(value(&t, "kiosk_qr_decode_duration_seconds_count", None), 1.0);
        assert_eq!(value(&t, "kiosk_central_request_duration_seconds_count", Some(("endpoint", "download"))), 2.0);
        assert_eq!(value(&t, "kiosk_central_request_errors_total", Some(("endpoint", "download"))), 1.0);
        assert_eq!(value(&t, "kiosk_outbox_backlog_records", None), 4.0);
        assert_eq!(value(&t, "kiosk_outbox_oldest_age_seconds", None), 120.5);
        assert_eq!(value(&t, "kiosk_tls_client_cert_expiry_timestamp_seconds", None), 1_800_000_000.0);
        assert_eq!(value(&t, "kiosk_disk_free_bytes", None), 5_000_000_000.0);
        m.set_outbox(0, 999.0);
        assert_eq!(value(&m.encode(), "kiosk_outbox_oldest_age_seconds", None), 0.0);
    }

    #[test]
    fn state_sets_have_exactly_one_state_and_reasons_are_bounded() {
        let m = Metrics::new();
        let t = m.encode();
        assert_eq!(state_ones(&t, "kiosk_a4_printer_state"), ["disconnected"]);
        assert_eq!(state_ones(&t, "kiosk_receipt_printer_state"), ["disconnected"]);

        let reasons: Vec<String> =
            ["media-empty-error", "toner-low-warning", "vendor-secret-thing-report", "none", "Cover-Open"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        m.set_a4_state("media_empty", &reasons);
        m.set_receipt_state("paper_near_end");
        let t = m.encode();
        assert_eq!(state_ones(&t, "kiosk_a4_printer_state"), ["media_empty"]);
        assert_eq!(state_ones(&t, "kiosk_receipt_printer_state"), ["paper_near_end"]);
        let mut on = state_ones(&t, "kiosk_a4_printer_state_reason");
        on.sort();
        assert_eq!(on, ["cover-open", "media-empty", "other", "toner-low"]);

        // The paper is back: reasons clear, state flips.
        m.set_a4_state("idle", &["none".to_string()]);
        let t = m.encode();
        assert_eq!(state_ones(&t, "kiosk_a4_printer_state"), ["idle"]);
        assert!(state_ones(&t, "kiosk_a4_printer_state_reason").is_empty());
    }

    #[test]
    fn no_label_value_outside_the_bounded_sets() {
        let m = Metrics::new();
        // Whatever the printers say, the label sets stay the same.
        for i in 0..200 {
            let r = vec![format!("vendor-{i}-error"), format!("media-empty-{i}")];
            m.set_a4_state("busy", &r);
            m.set_marker_level(&format!("#{:06x}", i * 77_777), 50);
        }
        m.set_marker_level("Photo Black 3201011505800123", 10);
        let t = m.encode();
        let allowed = |name: &str, key: &str, v: &str| -> bool {
            match (name, key) {
                (n, "state") if n.starts_with("kiosk_a4_printer_state") => A4_STATES.contains(&v),
                (n, "state") if n.starts_with("kiosk_receipt_printer_state") => RECEIPT_STATES.contains(&v),
                ("kiosk_a4_printer_state_reason", "reason") => A4_REASONS.contains(&v),
                ("kiosk_a4_marker_level_percent", "color") => MARKER_COLORS.contains(&v),
                ("kiosk_sessions_ended_total", "reason") => SESSION_END_REASONS.contains(&v),
                ("kiosk_sign_in_failures_total", "reason") => SIGN_IN_FAILURE_REASONS.contains(&v),
                ("kiosk_documents_refused_total", "reason") => REFUSAL_REASONS.contains(&v),
                (n, "endpoint") if n.starts_with("kiosk_central_request") => CENTRAL_ENDPOINTS.contains(&v),
                (n, "le") if n.ends_with("_bucket") => true,
                ("kiosk_build_info", "version" | "commit") => true,
                _ => false,
            }
        };
        let all = samples(&t);
        for (name, labels, _) in &all {
            for (k, v) in labels {
                assert!(allowed(name, k, v), "unexpected label {name}{{{k}={v:?}}}");
                // Nothing that looks like a NIK (16 digits) may ever appear.
                assert!(!(v.len() >= 16 && v.bytes().all(|b| b.is_ascii_digit())), "{name}{{{k}={v}}}");
            }
        }
        let markers = all.iter().filter(|(n, _, _)| n == "kiosk_a4_marker_level_percent").count();
        assert!(markers <= MARKER_COLORS.len());
        // Free text in build info is sanitised and capped.
        m.build_info("1.0\"} evil{x=\"", &"a".repeat(200));
        let t = m.encode();
        assert!(
            t.contains(r#"kiosk_build_info{version="1.0evilx",commit="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} 1"#),
            "{t}"
        );
    }

    #[test]
    fn marker_colours_map_onto_the_fixed_set() {
        assert_eq!(marker_color("#000000"), "black");
        assert_eq!(marker_color("#101010"), "black");
        assert_eq!(marker_color("#00FFFF"), "cyan");
        assert_eq!(marker_color("#FF00FF"), "magenta");
        assert_eq!(marker_color("Yellow"), "yellow");
        assert_eq!(marker_color("#000000#00FFFF"), "other");
        assert_eq!(marker_color(""), "other");
    }

    fn http(addr: SocketAddr, request: &str) -> String {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        s.write_all(request.as_bytes()).expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out
    }

    #[test]
    fn serves_openmetrics_on_loopback_only() {
        let m = Arc::new(Metrics::new());
        m.heartbeat(1_700_000_123);
        let server = serve(m.clone(), "127.0.0.1:0".parse().expect("addr")).expect("serve");
        let addr = server.local_addr();

        let resp = http(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text\r\n\r\n");
        assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
        assert!(resp.contains(&format!("Content-Type: {OPENMETRICS_CONTENT_TYPE}\r\n")));
        let body = resp.split_once("\r\n\r\n").expect("body").1;
        assert!(body.contains("kiosk_heartbeat_timestamp_seconds 1700000123\n"), "{body}");
        assert!(body.ends_with("# EOF\n"));
        let len: usize = resp
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .expect("length")
            .trim()
            .parse()
            .expect("number");
        assert_eq!(len, body.len());

        assert!(http(addr, "GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
        assert!(http(addr, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").starts_with("HTTP/1.1 405"));
        // A client that never finishes its request cannot block the next scrape for long.
        let _silent = TcpStream::connect(addr).expect("connect");
        let t0 = std::time::Instant::now();
        assert!(http(addr, "GET /metrics HTTP/1.0\r\n\r\n").starts_with("HTTP/1.1 200"));
        assert!(t0.elapsed() < IO_TIMEOUT + Duration::from_secs(2));
        server.shutdown();
        assert!(TcpStream::connect(addr).is_err(), "port closed after shutdown");

        let err = serve(m, "0.0.0.0:0".parse().expect("addr")).expect_err("non-loopback refused");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
