//! The kiosk's one configuration file (TOML), validated at start.
//!
//! Every key has a default, so an empty file (or none: demo mode) is a valid
//! configuration. Unknown keys are refused: a typo must not silently fall back to a
//! default on a machine in a district office. Nothing here can switch off signature or
//! TLS verification — there is no such key.
//!
//! Its own crate (re-exported by the kiosk as `adm_kiosk::config`) so that the fuzz
//! targets (`fuzz/`) read `kiosk.toml` with exactly this code, without the kiosk and its UI
//! toolkit. The session timing made from it (`timing()`) stays with the kiosk, whose
//! session core owns the `Timing` type.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use adm_pdf_verify::SignerPolicy;
use adm_text::Language;

mod values;

pub use values::{A4Scaling, Device, ServerUrl};

/// Where a real kiosk reads its configuration.
pub const DEFAULT_PATH: &str = "/etc/adm-kiosk/kiosk.toml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Fleet-wide unique id of this kiosk, printed on receipts and used in metrics.
    pub kiosk_id: String,
    /// Where the kiosk stands, printed on receipts ("Kecamatan …", "MPP …").
    pub site: String,
    /// Language a new session starts in: "id" or "en".
    pub language: Language,
    pub server: Server,
    pub timeouts: Timeouts,
    pub printers: Printers,
    pub camera: Camera,
    pub documents: Documents,
    pub pin_length: usize,
    /// Folder for the simulated devices' output (demo only).
    pub sim_output: Option<PathBuf>,
    /// The durable outbox of print reports and audit events (no personal data).
    pub outbox: PathBuf,
    /// Where the OpenMetrics endpoint listens (loopback only; the Prometheus agent on the
    /// kiosk scrapes it). None: no endpoint.
    pub metrics_listen: Option<String>,
    /// The kiosk's own OS updates (on a kiosk image only: `src/update/`).
    pub update: Update,
    /// Who may open the maintenance menu, each with an argon2id hash of their PIN
    /// (written by the local provisioning command or pushed by the central server). No
    /// technicians: the maintenance menu cannot be opened.
    #[serde(default)]
    pub technicians: Vec<Technician>,
}

/// A technician allowed into the maintenance menu.
///
/// Only a hash of the PIN is kept (argon2id PHC string, `$argon2id$v=19$m=…`): the
/// configuration file is readable by whoever images or backs up the kiosk, and a
/// 8-12 digit PIN in clear would be a master key to every kiosk sharing the file.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Technician {
    /// Stable id used in audit events (e.g. an employee number).
    pub id: String,
    pub name: String,
    pub pin_hash: String,
}

impl std::fmt::Debug for Technician {
    // The hash stays out of logs: it is offline-crackable (a PIN has few digits).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Technician").field("id", &self.id).field("name", &self.name).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    /// Base URL of the central server, `https://…`. `demo` starts the reference
    /// server in-process on loopback.
    pub url: ServerUrl,
    /// The CA that signs the central server's TLS certificate (pinned).
    pub ca: Option<PathBuf>,
    /// This kiosk's client certificate and key (mutual TLS).
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Trust anchors for the electronic signatures (TTE) on documents.
    pub signature_anchors: Vec<PathBuf>,
    /// Public host name of the central server, as written in notice QR codes and receipt
    /// links (default: the host of `url`). A notice QR naming any other host is refused.
    pub public_host: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeouts {
    pub idle_seconds: u64,
    /// Inactivity after which the technician console (and its PIN screen) closes, with
    /// the same warning. Longer than a citizen's: a technician waits for test pages and
    /// checks; short enough that an abandoned console is not left open for long.
    pub technician_idle_seconds: u64,
    pub warning_seconds: u64,
    pub session_limit_seconds: u64,
    pub goodbye_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Printers {
    /// `sim`, `ipp://host:port/path`, or `usb://VID:PID[/serial]`.
    pub a4: Device,
    /// `sim` or `usb://VID:PID[/serial]`.
    pub receipt: Device,
    /// Receipt paper width in mm: 58 or 80.
    pub receipt_width_mm: u32,
    /// IPP `print-scaling` for A4 documents: `none` (true scale: signed documents are
    /// A4 already, and a shrunken KK would not match the original) or `fit`, for a
    /// printer whose margins would otherwise cut the page.
    pub a4_scaling: A4Scaling,
}

/// Who may sign documents, beyond a chain to `server.signature_anchors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Documents {
    /// Extended key usages (dotted OIDs) that make a certificate a document signer. A
    /// signer carrying an extendedKeyUsage needs one of these; a signer without that
    /// extension is accepted. An empty list allows only signers without it: the check
    /// cannot be switched off. Default: emailProtection, Adobe authentic documents,
    /// document signing (RFC 9336), Microsoft document signing.
    pub signer_eku: Vec<String>,
    /// Hours a CRL from the central server still counts as current after its
    /// nextUpdate (0-720). Past that, or without any CRL, a signer's revocation status is
    /// "unknown": logged and counted, but the document is not refused for it.
    pub crl_grace_hours: u64,
}

/// OS updates fetched from the central server (`src/update/`). Only a kiosk running
/// from the kiosk image (its os-release names an `IMAGE_VERSION`) looks for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Update {
    /// Seconds between two questions to the central server (60-86400; the first is at
    /// start).
    pub check_every_secs: u64,
    /// Where the bundle is downloaded (the data partition: it is a few hundred MB) and
    /// handed over to the root helper.
    pub dir: PathBuf,
    /// The root helper's record of the last install.
    pub status_file: PathBuf,
}

impl Default for Update {
    fn default() -> Self {
        Update {
            check_every_secs: 3600,
            dir: PathBuf::from("/var/lib/adm-kiosk/update"),
            status_file: PathBuf::from("/var/lib/adm/update/status"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Camera {
    /// `sim` or a V4L2 device such as `/dev/video0`.
    pub device: Device,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            kiosk_id: "ADM-DEMO-001".into(),
            site: "Kecamatan Demo".into(),
            language: Language::Id,
            server: Server::default(),
            timeouts: Timeouts::default(),
            printers: Printers::default(),
            camera: Camera::default(),
            documents: Documents::default(),
            pin_length: 6,
            sim_output: None,
            outbox: PathBuf::from("/var/lib/adm-kiosk/outbox.sqlite"),
            metrics_listen: None,
            update: Update::default(),
            technicians: vec![],
        }
    }
}

impl Default for Server {
    fn default() -> Self {
        Server {
            url: ServerUrl::Demo,
            ca: None,
            client_cert: None,
            client_key: None,
            signature_anchors: vec![],
            public_host: None,
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            idle_seconds: 90,
            technician_idle_seconds: 120,
            warning_seconds: 30,
            session_limit_seconds: 600,
            goodbye_seconds: 8,
        }
    }
}

impl Default for Printers {
    fn default() -> Self {
        Printers { a4: Device::Sim, receipt: Device::Sim, receipt_width_mm: 80, a4_scaling: A4Scaling::None }
    }
}

impl Default for Documents {
    fn default() -> Self {
        let policy = SignerPolicy::default();
        Documents { signer_eku: policy.eku, crl_grace_hours: policy.crl_grace.as_secs() / 3600 }
    }
}

impl Documents {
    pub fn signer_policy(&self) -> SignerPolicy {
        SignerPolicy {
            eku: self.signer_eku.clone(),
            crl_grace: std::time::Duration::from_secs(self.crl_grace_hours * 3600),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, message: String| Err(ConfigError::Invalid { key, message });
        if self.signer_eku.len() > 32 {
            return invalid("documents.signer_eku", "at most 32 OIDs".into());
        }
        for oid in &self.signer_eku {
            if !arcs_fit(oid) || der::oid::ObjectIdentifier::new(oid).is_err() {
                return invalid(
                    "documents.signer_eku",
                    format!("{oid:?} is not a dotted OID such as 1.3.6.1.5.5.7.3.36"),
                );
            }
        }
        if self.crl_grace_hours > 720 {
            return invalid("documents.crl_grace_hours", "must be 0-720 hours".into());
        }
        Ok(())
    }
}

/// Whether every arc of a dotted OID is a number that fits 32 bits. const-oid 0.9's
/// parser multiplies each arc up without checking (`current_arc * 10 + digit`): a longer
/// arc overflows, which panics where overflow checks are on (the kiosk image's build) and
/// wraps silently elsewhere. Found by the `kiosk_toml` fuzz target; the configuration file
/// is not trusted input, and a typo in it must give a message, not a dead kiosk.
fn arcs_fit(oid: &str) -> bool {
    oid.split('.').all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()) && arc.parse::<u32>().is_ok())
}

impl Default for Camera {
    fn default() -> Self {
        Camera { device: Device::Sim }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid setting `{key}`: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Config::parse(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse { path: path.to_owned(), message },
            other => other,
        })
    }

    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        check_closed_values(text)?;
        let config: Config =
            toml::from_str(text).map_err(|e| ConfigError::Parse { path: PathBuf::new(), message: e.to_string() })?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, message: &str| Err(ConfigError::Invalid { key, message: message.into() });
        let id_ok =
            |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !id_ok(&self.kiosk_id) {
            return invalid("kiosk_id", "1-64 characters: letters, digits and '-'");
        }
        if self.site.trim().is_empty() || self.site.len() > 80 {
            return invalid("site", "must be 1-80 characters");
        }
        if let ServerUrl::Remote(url) = &self.server.url {
            match url::Url::parse(url) {
                Ok(u) if u.scheme() == "https" && u.host().is_some() => {}
                _ => return invalid("server.url", "must be an https:// URL (or \"demo\")"),
            }
            if self.server.ca.is_none() || self.server.client_cert.is_none() || self.server.client_key.is_none() {
                return invalid("server", "a real server needs `ca`, `client_cert` and `client_key` (mutual TLS)");
            }
            if self.server.signature_anchors.is_empty() {
                return invalid("server.signature_anchors", "at least one trust anchor for document signatures");
            }
        }
        let t = &self.timeouts;
        // WCAG 2.2.1: at least 20 s to react to a timeout warning.
        if !(20..=120).contains(&t.warning_seconds) {
            return invalid("timeouts.warning_seconds", "must be 20-120 seconds");
        }
        if t.idle_seconds < t.warning_seconds + 10 || t.idle_seconds > 600 {
            return invalid("timeouts.idle_seconds", "must be at least warning_seconds + 10, at most 600");
        }
        if t.technician_idle_seconds < t.warning_seconds + 10 || t.technician_idle_seconds > 900 {
            return invalid("timeouts.technician_idle_seconds", "must be at least warning_seconds + 10, at most 900");
        }
        if t.session_limit_seconds < t.idle_seconds || t.session_limit_seconds > 3600 {
            return invalid("timeouts.session_limit_seconds", "must be between idle_seconds and 3600");
        }
        if !(2..=60).contains(&t.goodbye_seconds) {
            return invalid("timeouts.goodbye_seconds", "must be 2-60 seconds");
        }
        // Every kiosk of a fleet asks: not more often than once a minute.
        if !(60..=86_400).contains(&self.update.check_every_secs) {
            return invalid("update.check_every_secs", "must be 60-86400 seconds");
        }
        // One rule for kiosk, client and server: the API's PIN shape. Which PIN is right
        // (and so how long the PINs it issues are) is the central server's to decide;
        // this key only says how many digits the keypad waits for.
        if !adm_central_client::api::shape::PIN_DIGITS.contains(&self.pin_length) {
            return invalid("pin_length", "must be 4-8 digits (the PIN length the central server issues)");
        }
        if !valid_device_uri(&self.printers.a4, &["ipp", "ipps", "usb"]) {
            return invalid("printers.a4", "\"sim\", ipp://…, ipps://… or usb://VID:PID[/serial]");
        }
        if !valid_device_uri(&self.printers.receipt, &["usb"]) {
            return invalid("printers.receipt", "\"sim\" or usb://VID:PID[/serial]");
        }
        if let Some(h) = &self.server.public_host
            && (h.is_empty() || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
        {
            return invalid("server.public_host", "a host name such as siak.example.go.id");
        }
        if let Some(addr) = &self.metrics_listen {
            match addr.parse::<std::net::SocketAddr>() {
                Ok(a) if a.ip().is_loopback() => {}
                _ => return invalid("metrics_listen", "a loopback address such as 127.0.0.1:9464"),
            }
        }
        if !matches!(self.printers.receipt_width_mm, 58 | 80) {
            return invalid("printers.receipt_width_mm", "58 or 80");
        }
        // /dev/v4l/by-id/… and the udev link /dev/adm/camera survive unplugging; /dev/videoN
        // numbers may change.
        if let Device::Real(cam) = &self.camera.device
            && !["/dev/video", "/dev/v4l/", "/dev/adm/"].iter().any(|p| cam.starts_with(p))
        {
            return invalid("camera.device", "\"sim\", /dev/videoN, /dev/v4l/by-id/… or /dev/adm/camera");
        }
        self.documents.validate()?;
        validate_technicians(&self.technicians)
    }
}

/// Keys whose value is one of a closed set are typed (`language`, `printers.a4_scaling`);
/// a value outside the set is refused here, before the typed parse, so that the error
/// names the key like every other refusal. (Malformed TOML is the typed parse's to
/// report, with its line.)
fn check_closed_values(text: &str) -> Result<(), ConfigError> {
    let Ok(table) = toml::from_str::<toml::Table>(text) else { return Ok(()) };
    let invalid = |key, message: &str| Err(ConfigError::Invalid { key, message: message.into() });
    if let Some(v) = table.get("language")
        && v.clone().try_into::<Language>().is_err()
    {
        return invalid("language", "must be \"id\" or \"en\"");
    }
    if let Some(v) = table.get("printers").and_then(|p| p.get("a4_scaling"))
        && v.clone().try_into::<A4Scaling>().is_err()
    {
        return invalid("printers.a4_scaling", "\"none\" or \"fit\"");
    }
    Ok(())
}

fn validate_technicians(technicians: &[Technician]) -> Result<(), ConfigError> {
    let invalid = |message: String| Err(ConfigError::Invalid { key: "technicians", message });
    let mut seen = std::collections::HashSet::new();
    for t in technicians {
        let id_ok = !t.id.is_empty()
            && t.id.len() <= 32
            && t.id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !id_ok {
            return invalid(format!("id {:?}: 1-32 characters: letters, digits, '-', '_' and '.'", t.id));
        }
        if !seen.insert(t.id.as_str()) {
            return invalid(format!("id {:?} appears twice", t.id));
        }
        if t.name.trim().is_empty() || t.name.len() > 80 {
            return invalid(format!("{}: name must be 1-80 characters", t.id));
        }
        if !looks_like_argon2id(&t.pin_hash) {
            return invalid(format!("{}: pin_hash must be an argon2id hash ($argon2id$v=19$…)", t.id));
        }
    }
    Ok(())
}

/// Shape of an argon2id PHC string: `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`. The
/// full parse happens when a PIN is checked; this catches a PIN pasted in clear, or a
/// hash of another algorithm, at start instead of at the first maintenance visit.
fn looks_like_argon2id(hash: &str) -> bool {
    let parts: Vec<&str> = hash.split('$').collect();
    let b64 = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    matches!(parts.as_slice(), ["", "argon2id", v, params, salt, h]
        if v.starts_with("v=") && params.starts_with("m=") && b64(salt) && b64(h))
}

fn valid_device_uri(device: &Device, schemes: &[&str]) -> bool {
    let Device::Real(value) = device else { return true };
    // `usb://VID:PID` is no URL: a URL parser reads the PID as a port number and refuses
    // every hex PID with a letter in it (0416:5011 passed; 04b8:0e28, 03f0:5c17 did not). The
    // drivers' own parser decides.
    if value.get(..6).is_some_and(|s| s.eq_ignore_ascii_case("usb://")) {
        return schemes.contains(&"usb") && matches!(value.parse(), Ok(adm_a4::PrinterUri::Usb { .. }));
    }
    match url::Url::parse(value) {
        Ok(u) if schemes.contains(&u.scheme()) => u.host_str().is_some_and(|h| !h.is_empty()),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
