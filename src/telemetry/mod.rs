//! Logging and metrics. Personal data never reaches a log line unmasked: identifier
//! numbers go through `adm_text::mask` first.

pub mod log;
pub mod metrics;
pub mod vitals;
pub mod watchdog;

/// Exports the A4 printer's state (None: it did not answer).
pub fn report_a4(metrics: &metrics::Metrics, status: Option<&adm_a4::PrinterStatus>) {
    let Some(status) = status else {
        metrics.set_a4_state(metrics::A4State::Disconnected, &[]);
        return;
    };
    metrics.set_a4_state((&status.state).into(), &status.reasons);
    for m in &status.markers {
        if let Some(level) = m.level_percent {
            metrics.set_marker_level(&m.color, level);
        }
    }
}

/// Exports the receipt printer's state (None: it did not answer).
pub fn report_receipt(metrics: &metrics::Metrics, status: Option<adm_thermal::ReceiptStatus>) {
    metrics.set_receipt_state(status.into());
}
