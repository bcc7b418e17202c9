//! The bounded label values of the kiosk's metrics, and the rules that fold anything a
//! printer or a caller says onto them. Every label value comes from a fixed list here;
//! anything else is `"other"`, so no label can ever carry personal data or grow the
//! series count.

use prometheus_client::encoding::EncodeLabelSet;

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

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct StateLabel {
    pub(super) state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct ReasonLabel {
    pub(super) reason: &'static str,
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

/// The entry of `allowed` that `value` names (`-` and `_` are the same), else `"other"`
/// (every bounded list has it). Label values are always one of the static strings, so a
/// caller's typo can never create a new series.
pub(super) fn bounded(value: &str, allowed: &[&'static str]) -> &'static str {
    let found = allowed.iter().copied().find(|a| same_code(a, value));
    // A typo in the runtime shows up in debug builds and tests; a release kiosk goes on.
    debug_assert!(found.is_some(), "metrics: label value {value:?} is not in the bounded set");
    found.unwrap_or("other")
}

/// `wrong_pin` == `wrong-pin`: the session machine's codes use hyphens, labels underscores.
pub(super) fn same_code(label: &str, code: &str) -> bool {
    label.len() == code.len() && label.bytes().zip(code.bytes()).all(|(l, c)| l == c || (l == b'_' && c == b'-'))
}

/// An IPP reason keyword without its `-report`/`-warning`/`-error` suffix, lowercased.
pub(super) fn reason_stem(reason: &str) -> String {
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
