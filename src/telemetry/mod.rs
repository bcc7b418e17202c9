//! Logging and metrics. Personal data never reaches a log line unmasked: identifier
//! numbers go through `adm_text::mask` first.

pub mod log;
pub mod metrics;
pub mod vitals;
pub mod watchdog;

/// Exports the A4 printer's state (None: it did not answer).
pub fn report_a4(metrics: &metrics::Metrics, status: Option<&adm_a4::PrinterStatus>) {
    use adm_a4::{Attention, PrinterState};
    let Some(status) = status else {
        metrics.set_a4_state("disconnected", &[]);
        return;
    };
    let state = match &status.state {
        PrinterState::Idle => "idle",
        PrinterState::Busy => "busy",
        PrinterState::NeedsAttention(Attention::MediaEmpty) => "media_empty",
        PrinterState::NeedsAttention(Attention::MediaJam) => "media_jam",
        PrinterState::NeedsAttention(Attention::CoverOpen) => "cover_open",
        PrinterState::NeedsAttention(Attention::MarkerEmpty) => "marker_empty",
        PrinterState::NeedsAttention(Attention::Other) => "other",
        PrinterState::Disconnected => "disconnected",
    };
    metrics.set_a4_state(state, &status.reasons);
    for m in &status.markers {
        if let Some(level) = m.level_percent {
            metrics.set_marker_level(&m.color, level);
        }
    }
}

/// Exports the receipt printer's state (None: it did not answer).
pub fn report_receipt(metrics: &metrics::Metrics, status: Option<adm_thermal::ReceiptStatus>) {
    use adm_thermal::ReceiptStatus as R;
    metrics.set_receipt_state(match status {
        Some(R::Ready) => "ready",
        Some(R::PaperNearEnd) => "paper_near_end",
        Some(R::PaperOut) => "paper_out",
        Some(R::CoverOpen) => "cover_open",
        Some(R::Error) => "error",
        Some(R::Disconnected) | None => "disconnected",
    });
}
