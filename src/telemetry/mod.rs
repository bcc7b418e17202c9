//! Logging (and, later, metrics). Personal data never reaches a log line unmasked.

pub mod log;
pub mod metrics;
pub mod vitals;
pub mod watchdog;

/// Masks a NIK (or KK number) for logs and receipts: `3201********0123`.
///
/// The first four digits (province + regency) and the last four (serial) are kept so a
/// technician can tell records apart; the birth date in the middle is hidden. Anything
/// that is not 16 digits (or an already masked NIK) is masked completely. The one rule
/// lives in `adm_thermal::redact`, which every receipt layout also applies, so paper and
/// logs always agree.
pub fn mask_nik(nik: &str) -> String {
    adm_thermal::redact::id_number(nik)
}

/// Masks a document number (KK, akta, …) for receipts and logs: `****0001`, the last four
/// characters only. KK numbers start with the region code and akta numbers carry the
/// birth date: printed in full next to a masked NIK they rebuild it.
pub fn mask_document_number(number: &str) -> String {
    adm_thermal::redact::document_number(number)
}

/// Bounded reason label for a failed sign-in.
pub fn reason_of(e: &crate::central::CentralError) -> &'static str {
    use crate::central::CentralError as E;
    match e {
        E::WrongPin { .. } => "wrong_pin",
        E::Locked { .. } => "locked",
        E::UnknownCitizen => "unknown_citizen",
        E::UnknownNotice => "unknown_notice",
        E::Unreachable => "unreachable",
        E::KioskRefused => "kiosk_refused",
        E::RateLimited => "rate_limited",
        E::SessionExpired => "session_expired",
        E::Server(_) | E::Storage(_) => "server_error",
    }
}

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

#[cfg(test)]
mod tests {
    use super::{mask_document_number, mask_nik};

    #[test]
    fn masks_the_middle_of_a_nik() {
        assert_eq!(mask_nik("3201011505800123"), "3201********0123");
    }

    #[test]
    fn masks_anything_else_completely() {
        assert_eq!(mask_nik("32010115"), "********");
        assert_eq!(mask_nik("abcdefghijklmnopqrstu"), "****************");
    }

    #[test]
    fn document_numbers_keep_only_their_last_four_characters() {
        assert_eq!(mask_document_number("3201010101090001"), "****0001");
        assert_eq!(mask_document_number("3201-LT-15051980-0001"), "****0001");
    }
}
