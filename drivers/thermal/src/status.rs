//! Real-time status (`DLE EOT n`, n = 1..4) as typed values.
//!
//! Each answer is one byte of the form `0xx1xx10b` (bit 1 set, bits 0, 4 and 7 clear); a byte
//! that does not match is not a status answer (e.g. a late `GS ( H` response still in the pipe)
//! and is rejected rather than misread.

use crate::ReceiptStatus;

/// `DLE EOT n` request bytes.
pub fn request(n: u8) -> [u8; 3] {
    [0x10, 0x04, n]
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a DLE EOT {request} status byte: {byte:#04x}")]
pub struct BadStatusByte {
    pub request: u8,
    pub byte: u8,
}

/// Whether `byte` has the fixed bits of a real-time status answer.
pub fn is_status_byte(byte: u8) -> bool {
    byte & 0b1001_0011 == 0b0001_0010
}

/// The four real-time status answers combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterStatus {
    /// n = 1, bit 3.
    pub offline: bool,
    /// n = 1, bit 5: waiting for online recovery (after an error or cover close).
    pub waiting_recovery: bool,
    /// n = 2, bit 2.
    pub cover_open: bool,
    /// n = 2, bit 3: paper is being fed with the FEED button.
    pub feed_button: bool,
    /// n = 2, bit 5: printing stopped because the paper ran out.
    pub stopped_paper_end: bool,
    /// n = 2, bit 6.
    pub error: bool,
    /// n = 3, bit 2 (recoverable, e.g. head overheated on some models).
    pub recoverable_error: bool,
    /// n = 3, bit 3.
    pub autocutter_error: bool,
    /// n = 3, bit 5.
    pub unrecoverable_error: bool,
    /// n = 3, bit 6 (e.g. head too hot; clears by itself).
    pub auto_recoverable_error: bool,
    /// n = 4, bits 2-3: the near-end sensor sees little paper left.
    pub paper_near_end: bool,
    /// n = 4, bits 5-6: the paper-end sensor sees no paper.
    pub paper_out: bool,
}

impl PrinterStatus {
    /// Builds the status from the answers to `DLE EOT 1`, `2`, `3`, `4`, in that order.
    pub fn from_bytes(answers: [u8; 4]) -> Result<Self, BadStatusByte> {
        for (i, &byte) in answers.iter().enumerate() {
            if !is_status_byte(byte) {
                return Err(BadStatusByte { request: i as u8 + 1, byte });
            }
        }
        let [printer, offline, error, paper] = answers;
        let bit = |b: u8, n: u8| b & (1 << n) != 0;
        Ok(PrinterStatus {
            offline: bit(printer, 3),
            waiting_recovery: bit(printer, 5),
            cover_open: bit(offline, 2),
            feed_button: bit(offline, 3),
            stopped_paper_end: bit(offline, 5),
            error: bit(offline, 6),
            recoverable_error: bit(error, 2),
            autocutter_error: bit(error, 3),
            unrecoverable_error: bit(error, 5),
            auto_recoverable_error: bit(error, 6),
            // Epson sets both bits of a pair; clones sometimes only one: either counts.
            paper_near_end: paper & 0b0000_1100 != 0,
            paper_out: paper & 0b0110_0000 != 0,
        })
    }

    /// The summary the kiosk acts on, most serious first.
    pub fn summary(&self) -> ReceiptStatus {
        if self.cover_open {
            ReceiptStatus::CoverOpen
        } else if self.paper_out || self.stopped_paper_end {
            ReceiptStatus::PaperOut
        } else if self.error || self.autocutter_error || self.unrecoverable_error || self.recoverable_error {
            ReceiptStatus::Error
        } else if self.offline && !self.feed_button {
            // Offline without a known cause: not safe to print into.
            ReceiptStatus::Error
        } else if self.paper_near_end {
            ReceiptStatus::PaperNearEnd
        } else {
            ReceiptStatus::Ready
        }
    }
}

/// Status bytes an Epson TM-T20-class printer sends, recorded per condition (`DLE EOT 1..4`).
/// Used by the fake transport and the tests.
pub mod recorded {
    /// Online, cover closed, no error, paper adequate.
    pub const READY: [u8; 4] = [0x12, 0x12, 0x12, 0x12];
    /// Near-end sensor triggered; still online.
    pub const PAPER_NEAR_END: [u8; 4] = [0x12, 0x12, 0x12, 0x1e];
    /// Paper end: offline, printing stopped, both sensors triggered.
    pub const PAPER_OUT: [u8; 4] = [0x1a, 0x32, 0x12, 0x7e];
    /// Cover open: offline, cover bit set (paper sensors read "present").
    pub const COVER_OPEN: [u8; 4] = [0x1a, 0x16, 0x12, 0x12];
    /// Autocutter jammed: offline, error occurred, autocutter error.
    pub const CUTTER_ERROR: [u8; 4] = [0x3a, 0x52, 0x1a, 0x12];
    /// Head overheated: offline, error, auto-recoverable error.
    pub const HEAD_HOT: [u8; 4] = [0x1a, 0x52, 0x52, 0x12];
    /// FEED button held: offline only because paper is being fed.
    pub const FEEDING: [u8; 4] = [0x1a, 0x1a, 0x12, 0x12];
}
