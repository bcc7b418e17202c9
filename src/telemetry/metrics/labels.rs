//! The bounded label values of the kiosk's metrics, and the rules that fold anything a
//! printer or a caller says onto them. Every label value comes from a fixed set here:
//! an enum for what the kiosk itself decides (how a session ended, why a sign-in
//! failed, why a document was refused), a list for what devices report (anything else
//! is `"other"`), so no label can ever carry personal data or grow the series count.

use std::fmt::Write;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};

use adm_a4::{Attention, PrinterState};
use adm_thermal::ReceiptStatus;

use crate::session::event::SignInError;
use crate::session::{EndReason, Failure, PinProblem, Refusal};

/// `printer-state-reasons` keywords (suffix stripped) that are worth a series of their
/// own: the A4 driver's list of the keywords a kiosk tells apart. Any other keyword is
/// counted as `other` (the last one); `none` is no reason at all.
pub const A4_REASONS: &[&str] = adm_a4::reasons::KNOWN;

/// Toner/ink colours the A4 marker gauge is labelled with.
pub const MARKER_COLORS: &[&str] = &["black", "cyan", "magenta", "yellow", "other"];

/// A closed set of label values as an enum: `ALL` is the set (every series exists from
/// the start), `label()` the value on the wire.
macro_rules! label_set {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];

            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }
        }

        impl EncodeLabelValue for $name {
            fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
                encoder.write_str(self.label())
            }
        }
    };
}

label_set! {
    /// How the last OS update failed (`kiosk_update_failed`).
    UpdateFailure {
        /// The bundle did not arrive whole or could not be stored.
        Download => "download",
        /// RAUC refused it (another signing key, wrong compatible) or failed writing it.
        Install => "install",
        /// Installed, but its boot never passed the boot check: the previous slot runs.
        Rollback => "rollback",
    }
}

label_set! {
    /// A4 printer states, as a state set: exactly one of them is 1.
    A4State {
        Idle => "idle",
        Busy => "busy",
        MediaEmpty => "media_empty",
        MediaJam => "media_jam",
        CoverOpen => "cover_open",
        MarkerEmpty => "marker_empty",
        Other => "other",
        Disconnected => "disconnected",
    }
}

impl From<&PrinterState> for A4State {
    fn from(state: &PrinterState) -> Self {
        match state {
            PrinterState::Idle => A4State::Idle,
            PrinterState::Busy => A4State::Busy,
            PrinterState::NeedsAttention(Attention::MediaEmpty) => A4State::MediaEmpty,
            PrinterState::NeedsAttention(Attention::MediaJam) => A4State::MediaJam,
            PrinterState::NeedsAttention(Attention::CoverOpen) => A4State::CoverOpen,
            PrinterState::NeedsAttention(Attention::MarkerEmpty) => A4State::MarkerEmpty,
            PrinterState::NeedsAttention(Attention::Other) => A4State::Other,
            PrinterState::Disconnected => A4State::Disconnected,
        }
    }
}

label_set! {
    /// Receipt (thermal) printer states, as a state set.
    ReceiptState {
        Ready => "ready",
        PaperNearEnd => "paper_near_end",
        PaperOut => "paper_out",
        CoverOpen => "cover_open",
        Error => "error",
        Disconnected => "disconnected",
    }
}

/// `None`: the printer did not answer.
impl From<Option<ReceiptStatus>> for ReceiptState {
    fn from(status: Option<ReceiptStatus>) -> Self {
        match status {
            Some(ReceiptStatus::Ready) => ReceiptState::Ready,
            Some(ReceiptStatus::PaperNearEnd) => ReceiptState::PaperNearEnd,
            Some(ReceiptStatus::PaperOut) => ReceiptState::PaperOut,
            Some(ReceiptStatus::CoverOpen) => ReceiptState::CoverOpen,
            Some(ReceiptStatus::Error) => ReceiptState::Error,
            Some(ReceiptStatus::Disconnected) | None => ReceiptState::Disconnected,
        }
    }
}

label_set! {
    /// How a citizen session ended.
    SessionEnd {
        Completed => "completed",
        Cancelled => "cancelled",
        IdleTimeout => "idle_timeout",
        SessionLimit => "session_limit",
        Failed => "failed",
        Other => "other",
    }
}

impl From<EndReason> for SessionEnd {
    fn from(reason: EndReason) -> Self {
        match reason {
            EndReason::Completed => SessionEnd::Completed,
            EndReason::Cancelled => SessionEnd::Cancelled,
            EndReason::IdleTimeout => SessionEnd::IdleTimeout,
            EndReason::SessionLimit => SessionEnd::SessionLimit,
            EndReason::Failed(_) => SessionEnd::Failed,
        }
    }
}

label_set! {
    /// Why a sign-in did not succeed. The fleet's alert rules name these values, so the
    /// set is wider than what the session can produce today (`InvalidQr`, `Other`).
    SignInFailure {
        WrongPin => "wrong_pin",
        Locked => "locked",
        UnknownCitizen => "unknown_citizen",
        UnknownNotice => "unknown_notice",
        InvalidQr => "invalid_qr",
        Unreachable => "unreachable",
        KioskRefused => "kiosk_refused",
        RateLimited => "rate_limited",
        SessionExpired => "session_expired",
        ServerError => "server_error",
        Other => "other",
    }
}

impl From<&SignInError> for SignInFailure {
    fn from(error: &SignInError) -> Self {
        match error {
            SignInError::Pin(PinProblem::WrongPin { .. }) => SignInFailure::WrongPin,
            SignInError::Failure(f) => match f {
                Failure::Unreachable => SignInFailure::Unreachable,
                Failure::Locked { .. } => SignInFailure::Locked,
                Failure::UnknownCitizen => SignInFailure::UnknownCitizen,
                Failure::UnknownNotice => SignInFailure::UnknownNotice,
                Failure::SessionExpired => SignInFailure::SessionExpired,
                Failure::KioskRefused => SignInFailure::KioskRefused,
                Failure::RateLimited => SignInFailure::RateLimited,
                Failure::ServerError => SignInFailure::ServerError,
            },
        }
    }
}

label_set! {
    /// Why a downloaded document was refused before printing.
    RefusalReason {
        Download => "download",
        Integrity => "integrity",
        Signature => "signature",
        Ownership => "ownership",
        // Replaced since the list was made: the server's answer, not a kiosk fault.
        Inactive => "inactive",
        Other => "other",
    }
}

impl From<Refusal> for RefusalReason {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Download => RefusalReason::Download,
            Refusal::Signature => RefusalReason::Signature,
            Refusal::Ownership => RefusalReason::Ownership,
            Refusal::Inactive => RefusalReason::Inactive,
        }
    }
}

/// Central-server calls, by purpose (never by URL: URLs can carry ids).
/// The client's own endpoint labels: every request it makes is observed under one of them.
pub const CENTRAL_ENDPOINTS: &[&str] = &adm_central_client::observe::ENDPOINTS;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct A4StateLabel {
    pub(super) state: A4State,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct ReceiptStateLabel {
    pub(super) state: ReceiptState,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct ReasonLabel {
    pub(super) reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct SessionEndLabel {
    pub(super) reason: SessionEnd,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct SignInLabel {
    pub(super) reason: SignInFailure,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct RefusalLabel {
    pub(super) reason: RefusalReason,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct ColorLabel {
    pub(super) color: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct EndpointLabel {
    pub(super) endpoint: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct BuildLabels {
    pub(super) version: String,
    pub(super) commit: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct ImageLabels {
    pub(super) version: String,
    pub(super) slot: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct UpdateFailureLabel {
    pub(super) reason: UpdateFailure,
}

/// The entry of `allowed` that `value` names, else `"other"` (every bounded list has
/// it). Label values are always one of the static strings, so what a printer reports
/// can never create a new series.
pub(super) fn bounded(value: &str, allowed: &[&'static str]) -> &'static str {
    let found = allowed.iter().copied().find(|a| *a == value);
    // A typo in the runtime shows up in debug builds and tests; a release kiosk goes on.
    debug_assert!(found.is_some(), "metrics: label value {value:?} is not in the bounded set");
    found.unwrap_or("other")
}

/// An IPP reason keyword without its suffix (the A4 driver's [`adm_a4::reasons::stem`]),
/// lowercased.
pub(super) fn reason_stem(reason: &str) -> String {
    adm_a4::reasons::stem(&reason.to_ascii_lowercase()).to_owned()
}

/// IPP `marker-colors` (`#RRGGBB`, sometimes `#RRGGBB#RRGGBB` for multi-colour) or a
/// colour name → one of [`MARKER_COLORS`].
pub(super) fn marker_color(color: &str) -> &'static str {
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
pub(super) fn sanitize_build_label(s: &str) -> String {
    let clean: String =
        s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-')).take(40).collect();
    if clean.is_empty() { "unknown".into() } else { clean }
}
