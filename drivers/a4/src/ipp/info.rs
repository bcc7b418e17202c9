//! Get-Printer-Attributes and Get-Job-Attributes answers, read into kiosk terms.

use ::ipp::prelude::*;

use super::attrs;
use super::monitor::{JobPoll, JobState};
use crate::reasons::attention_among;
use crate::{Attention, PrinterState, PrinterStatus};

/// What Get-Printer-Attributes told us, beyond [`PrinterStatus`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterInfo {
    pub status: PrinterStatus,
    /// IPP `printer-state`: 3 idle, 4 processing, 5 stopped.
    pub printer_state: i32,
    pub accepting_jobs: bool,
    pub formats: Vec<String>,
    pub media_supported: Vec<String>,
    pub media_ready: Vec<String>,
    pub scaling_supported: Vec<String>,
    /// `orientation-requested-supported` (enums: 3 portrait … 7 none).
    pub orientation_supported: Vec<i32>,
    /// `page-ranges-supported`: the printer can print part of a PDF (used to resume).
    pub page_ranges: bool,
    /// IEEE 1284 device ID as the printer reports it (`MFG:…;MDL:…;CMD:…;`).
    pub device_id: Option<String>,
    pub uuid: Option<String>,
}

pub(super) const PRINTER_ATTRS: &[&str] = &[
    "printer-state",
    "printer-state-reasons",
    "printer-make-and-model",
    "printer-is-accepting-jobs",
    "document-format-supported",
    "media-supported",
    "media-ready",
    "print-scaling-supported",
    "orientation-requested-supported",
    "page-ranges-supported",
    "printer-device-id",
    "printer-uuid",
    "marker-names",
    "marker-types",
    "marker-colors",
    "marker-levels",
    "marker-low-levels",
];

/// A Get-Printer-Attributes answer in kiosk terms (missing attributes get safe defaults).
pub fn info_from(resp: &IppRequestResponse) -> PrinterInfo {
    let t = DelimiterTag::PrinterAttributes;
    let reasons = attrs::strings(resp, t, "printer-state-reasons");
    let printer_state = attrs::integer(resp, t, "printer-state").unwrap_or(3);
    let state = match (attention_among(&reasons), printer_state) {
        (Some(a), _) => PrinterState::NeedsAttention(a),
        (None, 5) => PrinterState::NeedsAttention(Attention::Other),
        (None, 4) => PrinterState::Busy,
        _ => PrinterState::Idle,
    };
    let model = attrs::strings(resp, t, "printer-make-and-model").into_iter().next().unwrap_or_default();
    PrinterInfo {
        status: PrinterStatus { state, reasons, model, markers: attrs::markers(resp) },
        printer_state,
        accepting_jobs: attrs::boolean(resp, t, "printer-is-accepting-jobs").unwrap_or(true),
        formats: attrs::strings(resp, t, "document-format-supported"),
        media_supported: attrs::strings(resp, t, "media-supported"),
        media_ready: attrs::strings(resp, t, "media-ready"),
        scaling_supported: attrs::strings(resp, t, "print-scaling-supported"),
        orientation_supported: attrs::integers(resp, t, "orientation-requested-supported"),
        page_ranges: attrs::boolean(resp, t, "page-ranges-supported").unwrap_or(false),
        device_id: attrs::strings(resp, t, "printer-device-id").into_iter().next(),
        uuid: attrs::strings(resp, t, "printer-uuid").into_iter().next(),
    }
}

/// A Get-Job-Attributes answer: the job's state, reasons and pages done.
pub fn poll_from(resp: &IppRequestResponse) -> JobPoll {
    let t = DelimiterTag::JobAttributes;
    let Some(state) = attrs::integer(resp, t, "job-state").and_then(JobState::from_ipp) else {
        return JobPoll::Unreachable;
    };
    let count = |name| attrs::integer(resp, t, name).filter(|n| *n >= 0).map(|n| n as u32);
    // Impressions are pages (sides); sheets or CUPS's pages are the fallback.
    let impressions = count("job-impressions-completed")
        .filter(|n| *n > 0)
        .or_else(|| count("job-media-sheets-completed").filter(|n| *n > 0))
        .or_else(|| count("job-pages-completed"))
        .or_else(|| count("job-impressions-completed"));
    JobPoll::Seen { state, reasons: attrs::strings(resp, t, "job-state-reasons"), impressions }
}
