//! `printer-state-reasons` keywords (RFC 8011 §5.4.12) → what the kiosk must do.
//!
//! Keywords may carry a `-report`, `-warning` or `-error` suffix; RFC 8011 says a
//! keyword without a suffix is an error. The suffix is deliberately *not* used to decide
//! whether a hard fault blocks printing: ippeveprinter (and some real printers) report
//! `media-empty-report` while idle and `-warning` while processing, yet a job submitted
//! then waits forever. For a one-tray kiosk printer any hard fault stops the citizen.

use crate::Attention;

/// The keywords (stems) a kiosk tells apart, e.g. as metric labels: every one that
/// [`attention_of`] acts on, the warnings worth watching before they stop a citizen
/// (supplies running low, offline, paused), and `other` — RFC 8011's own catch-all, and
/// what any keyword not listed here counts as. `other` stays last.
pub const KNOWN: &[&str] = &[
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

/// The keyword without its `-report`/`-warning`/`-error` suffix.
pub fn stem(reason: &str) -> &str {
    let r = reason.trim();
    for suffix in ["-report", "-warning", "-error"] {
        if let Some(s) = r.strip_suffix(suffix) {
            return s;
        }
    }
    r
}

/// The fault a single reason keyword stands for, if it stops printing.
pub fn attention_of(reason: &str) -> Option<Attention> {
    match stem(reason) {
        "media-empty" | "media-needed" | "input-tray-missing" => Some(Attention::MediaEmpty),
        "media-jam" | "output-area-full" => Some(Attention::MediaJam),
        "cover-open" | "door-open" | "interlock-open" => Some(Attention::CoverOpen),
        "marker-supply-empty" | "toner-empty" | "marker-waste-full" => Some(Attention::MarkerEmpty),
        _ => None,
    }
}

/// The most urgent fault among `reasons` (a jam beats an open cover beats paper-out beats
/// supplies), or `None` when nothing blocks printing. `other-error`/`stopped` style
/// reasons count only with an explicit `-error` suffix.
pub fn attention_among<S: AsRef<str>>(reasons: &[S]) -> Option<Attention> {
    let rank = |a: Attention| match a {
        Attention::MediaJam => 0,
        Attention::CoverOpen => 1,
        Attention::MediaEmpty => 2,
        Attention::MarkerEmpty => 3,
        Attention::Other => 4,
    };
    let mut found: Option<Attention> = None;
    for r in reasons {
        let r = r.as_ref();
        let a = attention_of(r).or_else(|| {
            (r.ends_with("-error") && !matches!(stem(r), "none" | "media-low" | "toner-low" | "marker-supply-low"))
                .then_some(Attention::Other)
        });
        if let Some(a) = a
            && found.is_none_or(|f| rank(a) < rank(f))
        {
            found = Some(a);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_stripped_and_hard_faults_found() {
        assert_eq!(stem("media-empty-warning"), "media-empty");
        assert_eq!(stem("cover-open"), "cover-open");
        assert_eq!(attention_among(&["none"]), None);
        assert_eq!(attention_among(&["media-low-report", "toner-low-warning"]), None);
        assert_eq!(attention_among(&["media-empty-report"]), Some(Attention::MediaEmpty));
        assert_eq!(attention_among(&["media-empty-error", "media-jam-warning"]), Some(Attention::MediaJam));
        assert_eq!(attention_among(&["toner-empty-error"]), Some(Attention::MarkerEmpty));
        assert_eq!(attention_among(&["spool-area-full-error"]), Some(Attention::Other));
        assert_eq!(attention_among(&["moving-to-paused-report"]), None);
    }

    #[test]
    fn every_keyword_that_stops_printing_is_known() {
        for k in KNOWN {
            assert_eq!(stem(k), *k, "known keywords are stems");
        }
        assert_eq!(KNOWN.last(), Some(&"other"));
        let acted_on = [
            "media-empty",
            "media-needed",
            "input-tray-missing",
            "media-jam",
            "output-area-full",
            "cover-open",
            "door-open",
            "interlock-open",
            "marker-supply-empty",
            "toner-empty",
            "marker-waste-full",
        ];
        for k in acted_on {
            assert!(attention_of(k).is_some(), "{k}");
            assert!(KNOWN.contains(&k), "{k}");
        }
    }
}
