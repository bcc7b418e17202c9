//! The readiness checks: one function runs them all, for the health screen, the
//! printed readiness report and `adm-kiosk doctor`, so the three can never disagree.
//!
//! Every check is bounded in time: a hung USB device or a silent network must turn into
//! a failed check with a reason, never into a frozen maintenance screen.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use adm_a4::{A4Printer, Attention, PrinterState, PrinterStatus};
use adm_camera::{CameraError, FrameSource};
use adm_thermal::{ReceiptPrinter, ReceiptStatus};
use serde::Serialize;

use crate::central::{Central, CentralError};
use crate::config::Config;
use crate::devices::{Devices, Shared, lock};
use crate::telemetry::vitals::{free_space, leaf_not_after};

/// How long a device may take to answer a status request.
pub const DEVICE_DEADLINE: Duration = Duration::from_secs(5);
/// How long the central server may take, all retries included. Longer than one device
/// answer: a TLS handshake over a mobile link can be slow, and the client retries.
pub const NETWORK_DEADLINE: Duration = Duration::from_secs(15);
/// The client certificate must be renewed before it has fewer days left than this: the
/// fleet needs time to reach a kiosk that is offline when renewal is pushed.
pub const CERT_MIN_DAYS: u64 = 30;
/// Free space below either limit fails the disk check: the outbox of print reports and
/// audit events must never be the thing that cannot be written.
pub const DISK_MIN_FREE_BYTES: u64 = 500 * 1000 * 1000;
pub const DISK_MIN_FREE_PERCENT: u64 = 5;

/// Where systemd-timesyncd says "synchronised" (present once NTP has synced).
const TIMESYNC_FLAG: &str = "/run/systemd/timesync/synchronized";

/// Every readiness check. [`CheckId::code`] is stable: `doctor`'s JSON and fleet tooling
/// key on it; the maintenance screen (Slint `CheckId`) and the printed slip name each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckId {
    A4Printer,
    ReceiptPrinter,
    Camera,
    CentralServer,
    TlsCertificate,
    Disk,
    Clock,
    Version,
}

impl CheckId {
    /// Every check, in report order.
    pub const ALL: [CheckId; 8] = [
        CheckId::A4Printer,
        CheckId::ReceiptPrinter,
        CheckId::Camera,
        CheckId::CentralServer,
        CheckId::TlsCertificate,
        CheckId::Disk,
        CheckId::Clock,
        CheckId::Version,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CheckId::A4Printer => "a4_printer",
            CheckId::ReceiptPrinter => "receipt_printer",
            CheckId::Camera => "camera",
            CheckId::CentralServer => "central_server",
            CheckId::TlsCertificate => "tls_certificate",
            CheckId::Disk => "disk",
            CheckId::Clock => "clock",
            CheckId::Version => "version",
        }
    }
}

impl Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// One check's verdict. `detail` is English free text for `doctor`'s JSON, the log and
/// the printed slip (no personal data); the screen words `finding` instead, in the
/// technician's language, so neither English nor a Rust debug name reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    #[serde(rename = "check")]
    pub id: CheckId,
    pub ok: bool,
    pub detail: String,
    /// Not in the JSON: `doctor`'s lines and the tools that read them stay as they were.
    #[serde(skip)]
    pub finding: Finding,
}

impl CheckResult {
    fn new(id: CheckId, ok: bool, finding: Finding, detail: impl Into<String>) -> Self {
        CheckResult { id, ok, detail: detail.into(), finding }
    }
}

/// What a check found, as values only: the UI (`ui_bridge::maintenance` → `@tr()` in the
/// .slint files) puts them into words. Sentences live in the UI, never here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The device or server gave no answer within this deadline.
    NoAnswer(Duration),
    /// The check itself could not run (its worker failed, a reading was unreadable);
    /// `detail` and the log say why.
    Failed,
    /// The device answered its status request with an error; `detail` says which.
    DeviceError,
    /// The A4 printer's state, and everything else it reported worth a technician's eye.
    A4 {
        model: String,
        state: PrinterState,
        notes: Vec<A4Note>,
    },
    Receipt(ReceiptStatus),
    /// The camera gave a frame of this size.
    CameraFrame {
        width: u32,
        height: u32,
    },
    /// No camera there (unplugged, not found).
    CameraMissing,
    /// A camera, but no usable frame within the deadline.
    CameraNoFrame,
    CameraUnsupported,
    Reachable {
        rtt_ms: u64,
    },
    Unreachable,
    /// The server answered but does not accept this kiosk (its certificate).
    KioskRefused,
    /// The server answered with an error; `detail` says which.
    ServerError,
    CertDemo,
    CertMissing,
    CertUnreadable,
    /// `until` is the expiry date as YYYY-MM-DD.
    CertValid {
        until: String,
        days_left: u64,
    },
    CertRenewSoon {
        until: String,
        days_left: u64,
    },
    CertExpired {
        until: String,
    },
    /// Whether it is enough is the result's `ok`.
    Disk {
        free_bytes: u64,
        total_bytes: u64,
        percent: u64,
    },
    ClockNotChecked,
    ClockSynchronised,
    ClockNotSynchronised,
    ClockUnknown,
    Version(String),
}

/// Something else an A4 printer reported besides its state, for the technician.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum A4Note {
    PaperLow,
    PaperOut,
    PaperJam,
    CoverOpen,
    TonerLow,
    TonerEmpty,
    WasteAlmostFull,
    WasteFull,
    Offline,
    Paused,
    /// A keyword the kiosk does not tell apart, as the printer sent it (without suffix).
    Other(String),
    /// A toner or ink supply's level; `low` when at or below the printer's own "low".
    Supply {
        name: String,
        level_percent: u8,
        low: bool,
    },
}

/// Everything in a printer status besides its state: its reasons (those the state does not
/// already name) and its supply levels. Shared by the readiness row and the A4 page.
pub fn a4_notes(status: &PrinterStatus) -> Vec<A4Note> {
    let named = match &status.state {
        PrinterState::NeedsAttention(a) => Some(*a),
        _ => None,
    };
    let mut notes: Vec<A4Note> = vec![];
    for reason in &status.reasons {
        if named.is_some() && adm_a4::reasons::attention_of(reason) == named {
            continue;
        }
        // The faults that stop printing are grouped by the driver (the same keywords decide
        // the printer's state); only what it does not tell apart is read here.
        let note = match adm_a4::reasons::attention_of(reason) {
            Some(Attention::MediaEmpty) => A4Note::PaperOut,
            Some(Attention::MediaJam) => A4Note::PaperJam,
            Some(Attention::CoverOpen) => A4Note::CoverOpen,
            // Empty toner and a full waste box are one fault to the driver, two jobs to
            // a technician.
            Some(Attention::MarkerEmpty | Attention::Other) | None => match adm_a4::reasons::stem(reason) {
                "none" | "" => continue,
                "media-low" => A4Note::PaperLow,
                "toner-low" | "marker-supply-low" => A4Note::TonerLow,
                "toner-empty" | "marker-supply-empty" => A4Note::TonerEmpty,
                "marker-waste-almost-full" => A4Note::WasteAlmostFull,
                "marker-waste-full" => A4Note::WasteFull,
                "offline" => A4Note::Offline,
                "paused" => A4Note::Paused,
                other => A4Note::Other(other.to_string()),
            },
        };
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    for m in &status.markers {
        if let Some(level) = m.level_percent {
            let low = m.low_percent.is_some_and(|low| level <= low);
            notes.push(A4Note::Supply { name: m.name.clone(), level_percent: level, low });
        }
    }
    notes
}

/// Whether the clock check asks the system. Containers and the demo have no NTP state
/// to read; skipping there keeps the report meaningful instead of always failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockCheck {
    System,
    Skip,
}

/// The kiosk's mTLS client certificate, as far as the checks know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCert {
    /// Demo mode: the reference server's throwaway certificate, nothing to renew.
    Demo,
    Pem(Vec<u8>),
    /// Configured but not readable: the check fails with this reason (never "demo").
    Unreadable(String),
}

/// Everything the checks look at. Holds clones of the device handles, so it can be
/// moved into a task while the runtime keeps using the devices.
#[derive(Clone)]
pub struct CheckContext {
    pub central: Arc<dyn Central>,
    pub a4: Shared<dyn A4Printer>,
    pub receipt: Shared<dyn ReceiptPrinter>,
    pub camera: Shared<dyn FrameSource>,
    pub client_cert: ClientCert,
    /// A path on the disk that holds the outbox (the outbox file or its folder).
    pub disk_path: PathBuf,
    /// Reads (free, total) bytes of the file system holding a path: [`free_space`] on a
    /// kiosk; tests give a fixed reading so that the build machine's own disk being
    /// nearly full cannot fail them.
    pub disk_reading: fn(&Path) -> Result<(u64, u64), String>,
    pub clock_check: ClockCheck,
    pub device_deadline: Duration,
    pub network_deadline: Duration,
}

impl CheckContext {
    /// `client_cert_pem`: `None` means demo mode. Prefer [`CheckContext::from_config`],
    /// which also turns an unreadable certificate file into a failing check.
    pub fn new(
        devices: &Devices,
        client_cert_pem: Option<Vec<u8>>,
        disk_path: PathBuf,
        clock_check: ClockCheck,
    ) -> Self {
        let client_cert = client_cert_pem.map_or(ClientCert::Demo, ClientCert::Pem);
        CheckContext {
            central: devices.central.clone(),
            a4: devices.a4.clone(),
            receipt: devices.receipt.clone(),
            camera: devices.camera.clone(),
            client_cert,
            disk_path,
            disk_reading: free_space,
            clock_check,
            device_deadline: DEVICE_DEADLINE,
            network_deadline: NETWORK_DEADLINE,
        }
    }

    /// The context for a configured kiosk: the client certificate it is configured with
    /// (none in demo mode), the outbox's disk, and the system clock unless in demo mode
    /// (the demo runs in containers and on laptops without NTP state to read).
    pub fn from_config(config: &Config, devices: &Devices) -> Self {
        let demo = config.server.url.is_demo();
        let client_cert = match (&config.server.client_cert, demo) {
            (_, true) => ClientCert::Demo,
            (Some(path), false) => std::fs::read(path)
                .map(ClientCert::Pem)
                .unwrap_or_else(|e| ClientCert::Unreadable(format!("{}: {e}", path.display()))),
            (None, false) => ClientCert::Unreadable("no client certificate configured".into()),
        };
        let clock = if demo { ClockCheck::Skip } else { ClockCheck::System };
        let mut ctx = CheckContext::new(devices, None, config.outbox.clone(), clock);
        ctx.client_cert = client_cert;
        ctx
    }
}

/// Runs every check concurrently; results come back in [`CheckId::ALL`] order.
pub async fn run_all(ctx: &CheckContext) -> Vec<CheckResult> {
    let (a4, receipt, camera, central, disk, clock) =
        tokio::join!(a4_printer(ctx), receipt_printer(ctx), camera(ctx), central_server(ctx), disk(ctx), clock(ctx),);
    let cert = tls_certificate(&ctx.client_cert, SystemTime::now());
    let version = env!("CARGO_PKG_VERSION");
    let version = CheckResult::new(CheckId::Version, true, Finding::Version(version.into()), version);
    vec![a4, receipt, camera, central, cert, disk, clock, version]
}

/// Runs a blocking call on the blocking pool, giving up after `deadline`. A device that
/// never answers keeps its worker thread, but not the caller.
async fn bounded<T: Send + 'static>(
    deadline: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, (Finding, String)> {
    match tokio::time::timeout(deadline, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err((Finding::Failed, format!("check failed: {e}"))),
        Err(_) => Err((Finding::NoAnswer(deadline), format!("no answer within {}", seconds(deadline)))),
    }
}

/// A deadline as "5 s" or "200 ms" (units read the same in both languages).
pub fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 { format!("{} s", d.as_secs()) } else { format!("{} ms", d.as_millis()) }
}

async fn a4_printer(ctx: &CheckContext) -> CheckResult {
    let a4 = ctx.a4.clone();
    let id = CheckId::A4Printer;
    match bounded(ctx.device_deadline, move || lock(&a4).status()).await {
        Err((finding, why)) => CheckResult::new(id, false, finding, why),
        Ok(Err(e)) => CheckResult::new(id, false, Finding::DeviceError, e.to_string()),
        Ok(Ok(status)) => {
            // The English detail keeps its old wording (logs and fleet tooling read it).
            let state = match &status.state {
                PrinterState::Idle => "idle".to_string(),
                PrinterState::Busy => "printing".to_string(),
                PrinterState::NeedsAttention(a) => format!("needs attention ({a:?})"),
                PrinterState::Disconnected => "disconnected".to_string(),
            };
            let mut detail = format!("{}: {state}", status.model);
            let reasons: Vec<&str> = status.reasons.iter().map(String::as_str).filter(|r| *r != "none").collect();
            if !reasons.is_empty() {
                detail.push_str(&format!("; {}", reasons.join(", ")));
            }
            for m in &status.markers {
                if let Some(level) = m.level_percent {
                    detail.push_str(&format!("; {} {level} %", m.name));
                }
            }
            let finding =
                Finding::A4 { model: status.model.clone(), state: status.state.clone(), notes: a4_notes(&status) };
            CheckResult::new(id, status.can_print(), finding, detail)
        }
    }
}

async fn receipt_printer(ctx: &CheckContext) -> CheckResult {
    let receipt = ctx.receipt.clone();
    let id = CheckId::ReceiptPrinter;
    match bounded(ctx.device_deadline, move || lock(&receipt).status()).await {
        Err((finding, why)) => CheckResult::new(id, false, finding, why),
        Ok(Err(e)) => CheckResult::new(id, false, Finding::DeviceError, e.to_string()),
        Ok(Ok(status)) => {
            let detail = match status {
                ReceiptStatus::Ready => "ready",
                // Still prints: a warning for the technician, not a failure.
                ReceiptStatus::PaperNearEnd => "ready, paper near end",
                ReceiptStatus::PaperOut => "paper out",
                ReceiptStatus::CoverOpen => "cover open",
                ReceiptStatus::Error => "printer error",
                ReceiptStatus::Disconnected => "disconnected",
            };
            CheckResult::new(id, status.can_print(), Finding::Receipt(status), detail)
        }
    }
}

async fn camera(ctx: &CheckContext) -> CheckResult {
    let camera = ctx.camera.clone();
    let id = CheckId::Camera;
    // One `next_frame` waits only briefly (the scanner must not stall), and a camera just
    // opened — by `adm-kiosk doctor` itself, or replugged — may take seconds for its first
    // frame (a USB camera under load, a stream reopened after a stall): while it only has
    // no frame yet, keep asking until shortly before the deadline, so "not ready" means no
    // frame for the whole check. A camera that is away says so at once.
    let keep_asking = ctx.device_deadline.saturating_sub(Duration::from_millis(250));
    let read = move || {
        let since = std::time::Instant::now();
        loop {
            match lock(&camera).next_frame() {
                Err(adm_camera::CameraError::Timeout) if since.elapsed() < keep_asking => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                got => return got,
            }
        }
    };
    match bounded(ctx.device_deadline, read).await {
        Err((finding, why)) => CheckResult::new(id, false, finding, why),
        Ok(Err(e)) => {
            let finding = match &e {
                CameraError::Disconnected | CameraError::NotFound(_) => Finding::CameraMissing,
                CameraError::Timeout | CameraError::BadFrame(_) => Finding::CameraNoFrame,
                CameraError::Unsupported(_) => Finding::CameraUnsupported,
                CameraError::Other(_) => Finding::DeviceError,
            };
            CheckResult::new(id, false, finding, e.to_string())
        }
        Ok(Ok(frame)) => {
            let (width, height) = (frame.width, frame.height);
            // "frame WxH": the VM lab's camera suite looks for "640x480" in this detail.
            CheckResult::new(id, true, Finding::CameraFrame { width, height }, format!("frame {width}x{height}"))
        }
    }
}

async fn central_server(ctx: &CheckContext) -> CheckResult {
    let id = CheckId::CentralServer;
    match tokio::time::timeout(ctx.network_deadline, ctx.central.health()).await {
        Err(_) => {
            let why = format!("no answer within {}", seconds(ctx.network_deadline));
            CheckResult::new(id, false, Finding::NoAnswer(ctx.network_deadline), why)
        }
        Ok(Err(e)) => {
            let finding = match &e {
                CentralError::Unreachable => Finding::Unreachable,
                CentralError::KioskRefused => Finding::KioskRefused,
                _ => Finding::ServerError,
            };
            CheckResult::new(id, false, finding, e.to_string())
        }
        Ok(Ok(rtt)) => {
            let rtt_ms = u64::try_from(rtt.as_millis()).unwrap_or(u64::MAX);
            CheckResult::new(id, true, Finding::Reachable { rtt_ms }, format!("reachable over mutual TLS, {rtt_ms} ms"))
        }
    }
}

/// The client certificate's expiry, against `now` (passed in for tests).
pub fn tls_certificate(cert: &ClientCert, now: SystemTime) -> CheckResult {
    let id = CheckId::TlsCertificate;
    let pem = match cert {
        ClientCert::Demo => return CheckResult::new(id, true, Finding::CertDemo, "demo certificate"),
        ClientCert::Unreadable(why) => return CheckResult::new(id, false, Finding::CertMissing, why.clone()),
        ClientCert::Pem(pem) => pem,
    };
    let not_after = match leaf_not_after(pem) {
        Ok(t) => t,
        Err(why) => return CheckResult::new(id, false, Finding::CertUnreadable, why),
    };
    let date = not_after.to_date_time();
    let until = format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day());
    let now = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let Some(left) = not_after.to_unix_duration().checked_sub(now) else {
        let detail = format!("expired on {until}");
        return CheckResult::new(id, false, Finding::CertExpired { until }, detail);
    };
    let days = left.as_secs() / 86_400;
    if days < CERT_MIN_DAYS {
        let detail = format!("expires on {until}, {days} day(s) left: renew now");
        CheckResult::new(id, false, Finding::CertRenewSoon { until, days_left: days }, detail)
    } else {
        let detail = format!("valid until {until} ({days} days left)");
        CheckResult::new(id, true, Finding::CertValid { until, days_left: days }, detail)
    }
}

async fn disk(ctx: &CheckContext) -> CheckResult {
    let id = CheckId::Disk;
    let (path, read) = (ctx.disk_path.clone(), ctx.disk_reading);
    match bounded(ctx.device_deadline, move || read(&path)).await {
        Err((finding, why)) => CheckResult::new(id, false, finding, why),
        Ok(Err(e)) => CheckResult::new(id, false, Finding::Failed, e),
        Ok(Ok((free, total))) => disk_verdict(free, total),
    }
}

pub fn disk_verdict(free: u64, total: u64) -> CheckResult {
    let percent = free.saturating_mul(100).checked_div(total).unwrap_or(0);
    let detail = format!("{} free of {} ({percent} %)", gb(free), gb(total));
    let ok = free >= DISK_MIN_FREE_BYTES && percent >= DISK_MIN_FREE_PERCENT;
    let finding = Finding::Disk { free_bytes: free, total_bytes: total, percent };
    CheckResult::new(CheckId::Disk, ok, finding, if ok { detail } else { format!("{detail}: too little free space") })
}

/// Bytes as GB with one decimal, e.g. "67.5 GB" (the detail's wording).
fn gb(bytes: u64) -> String {
    format!("{} GB", gb_number(bytes))
}

/// Bytes as a number of GB with one decimal, rounded down ("67.5"): the screen adds the unit.
pub fn gb_number(bytes: u64) -> String {
    format!("{}.{}", bytes / 1_000_000_000, bytes % 1_000_000_000 / 100_000_000)
}

async fn clock(ctx: &CheckContext) -> CheckResult {
    if ctx.clock_check == ClockCheck::Skip {
        return CheckResult::new(CheckId::Clock, true, Finding::ClockNotChecked, "not checked (demo)");
    }
    let read = || {
        let flag = Path::new(TIMESYNC_FLAG).exists();
        let timedatectl = std::process::Command::new("timedatectl")
            .args(["show", "-p", "NTPSynchronized", "--value"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        clock_verdict(timedatectl.as_deref(), flag)
    };
    bounded(ctx.device_deadline, read)
        .await
        .unwrap_or_else(|(finding, why)| CheckResult::new(CheckId::Clock, false, finding, why))
}

/// `timedatectl`'s answer (None: not installed or failed) and whether timesyncd's flag
/// file exists. Receipts, audit events and certificate checks all need the right time.
pub fn clock_verdict(timedatectl: Option<&str>, timesync_flag: bool) -> CheckResult {
    let (ok, finding, detail) = match (timedatectl, timesync_flag) {
        (Some("yes"), _) => (true, Finding::ClockSynchronised, "synchronised (NTP)"),
        (_, true) => (true, Finding::ClockSynchronised, "synchronised (systemd-timesyncd)"),
        (Some(_), false) => (false, Finding::ClockNotSynchronised, "not synchronised (NTP)"),
        (None, false) => (false, Finding::ClockUnknown, "cannot tell whether the clock is synchronised"),
    };
    CheckResult::new(CheckId::Clock, ok, finding, detail)
}

/// The report as JSON lines, one object per check, for logs and fleet tooling:
/// `{"check":"disk","ok":true,"detail":"…"}`.
pub fn report_json_lines(results: &[CheckResult]) -> String {
    results.iter().map(|r| format!("{}\n", json_line(r))).collect()
}

pub(crate) fn json_line(value: &impl Serialize) -> String {
    // Serialising plain strings and booleans cannot fail; should it ever, the line
    // still says so instead of vanishing from the report.
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()))
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
