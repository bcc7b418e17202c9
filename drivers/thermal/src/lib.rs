//! ESC/POS thermal receipt printers for the ADM kiosk.
//!
//! Layers, bottom up (like VotingWorks' thermal printer library):
//! - [`transport::Transport`]: raw bytes out, status bytes in, reconnect. Implemented by
//!   [`usb::UsbTransport`] (rusb) and by [`fake::FakeTransport`] (a simulated printer).
//! - [`device::EscPosPrinter`]: typed status (`DLE EOT 1..4`), job sending with partial-write
//!   handling, print confirmation (`GS ( H` fn 48), reconnect after unplug. Implements
//!   [`ReceiptPrinter`].
//! - [`layout`]: receipts, pickup slips, address labels and the technician test page as
//!   ESC/POS bytes, built with the `escpos` crate and our own text encoding ([`encoding`]).
//! - [`render`]: a strict ESC/POS interpreter that turns bytes back into a picture (tests, the
//!   demo's simulated printer).

pub mod device;
pub mod doc;
pub mod encoding;
pub mod fake;
pub mod layout;
pub mod qr;
pub mod raster;
/// Identifier numbers masked for paper (the rule is shared with the kiosk's and the
/// server's logs, so it lives in `adm-text`).
pub use adm_text::mask as redact;
pub mod render;
pub mod samples;
pub mod sim;
pub mod status;
pub mod transport;
pub mod usb;
pub mod wrap;

/// Language of printed text: the kiosk's one language type.
pub use adm_text::Language;

/// Paper roll width. Both are printed with 203 dpi heads: 58 mm rolls have 384 printable dots
/// (48 mm), 80 mm rolls 576 dots (72 mm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaperWidth {
    Mm58,
    #[default]
    Mm80,
}

impl PaperWidth {
    /// Printable dots per line.
    pub fn dots(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }

    /// Characters per line in font A (12×24 dots) at normal size.
    pub fn columns(self) -> usize {
        (self.dots() / 12) as usize
    }

    /// Parses "58"/"80" (also "58mm", "80mm"), as used in config files and the CLI.
    pub fn from_mm(text: &str) -> Option<Self> {
        match text.trim().trim_end_matches("mm").trim() {
            "58" => Some(PaperWidth::Mm58),
            "80" => Some(PaperWidth::Mm80),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptItem {
    pub title: String,
    /// The document's number; printed masked ([`redact::document_number`]) whatever is
    /// passed here. Callers should pass it masked already (then it also stays out of logs).
    pub number: String,
    pub pages: u32,
    /// `false`: the document was NOT printed (e.g. the A4 printer failed); the receipt says so.
    pub printed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptData {
    pub lang: Language,
    pub kiosk_id: String,
    pub site: String,
    pub printed_at: String,
    pub transaction_id: String,
    /// Printed through [`redact::id_number`]: a full number passed by mistake comes out
    /// masked.
    pub masked_nik: String,
    pub items: Vec<ReceiptItem>,
    /// Transaction id or verification URL only: never personal data.
    pub qr_payload: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptStatus {
    Ready,
    PaperNearEnd,
    PaperOut,
    CoverOpen,
    Error,
    Disconnected,
}

impl ReceiptStatus {
    /// Whether a receipt can be printed now. Paper near end still prints (technicians are
    /// warned); paper out stops receipts but must not block A4 printing (the kiosk tells the
    /// citizen that no receipt is available).
    pub fn can_print(self) -> bool {
        matches!(self, ReceiptStatus::Ready | ReceiptStatus::PaperNearEnd)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThermalError {
    #[error("receipt printer not ready: {0:?}")]
    NotReady(ReceiptStatus),
    #[error("receipt printer I/O: {0}")]
    Io(String),
    #[error("receipt printer did not answer in time: {0}")]
    Timeout(String),
    /// The job was sent but the printer never confirmed that it was printed (`GS ( H` fn 48).
    #[error("receipt printer did not confirm the print: {0}")]
    Unconfirmed(String),
}

pub trait ReceiptPrinter: Send {
    fn status(&mut self) -> Result<ReceiptStatus, ThermalError>;
    fn print(&mut self, escpos: &[u8]) -> Result<(), ThermalError>;
}
