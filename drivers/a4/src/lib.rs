//! A4 document printers.
//!
//! This crate knows about printers, pages and jobs — never about citizens. The kiosk
//! hands it a finished, already-verified PDF and gets back, page by page, what the
//! printer says really came out.
//!
//! * [`A4Printer`] is the one trait every backend implements.
//! * [`sim::SimA4Printer`] is the simulated printer used by demo mode and tests: its
//!   "paper tray" is a folder, and faults (paper out, jam, cover open, unplugged) can be
//!   injected while a job runs.
//! * [`ipp::IppBackend`]: network IPP printers, CUPS queues, and IPP-over-USB printers
//!   (7/1/4) through Debian's `ipp-usb` daemon on loopback.
//! * [`raw::RawBackend`]: legacy USB printer-class printers (7/1/2) over rusb — PDF
//!   direct, or rasterised to PWG raster / URF / PCL.
//! * [`open`] turns a printer URI (`ipp://…`, `usb://VID:PID[/serial]`, `sim:`) into a
//!   printer; [`print_test`] is the technicians' test print, as JSON lines.

pub mod ipp;
mod open;
mod pdf;
mod pending;
mod print_test;
pub mod raster;
pub mod raw;
pub mod reasons;
pub mod sim;
pub mod uri;
pub mod usb;

pub use open::{OpenError, OpenOptions, open};
pub use pdf::SharedPdf;
pub use pending::{PendingA4Printer, open_or_wait};
pub use print_test::{outcome_json, print_test};
pub use uri::PrinterUri;

use std::fmt;

/// One document to print. The PDF is shared, not copied: it only ever lives in memory,
/// and is wiped when the last holder drops it.
#[derive(Clone)]
pub struct PrintJob {
    /// Short, non-personal label used as the printer's job name (e.g. "KK-1").
    pub job_name: String,
    pub pdf: SharedPdf,
    /// Page count as announced by the central server and checked by the kiosk.
    pub pages: u32,
    /// First page to print, 1-based: 1 prints the whole document. A retry after a fault
    /// starts after the pages the printer confirmed, so no page comes out twice.
    pub first_page: u32,
}

impl PrintJob {
    /// The whole document.
    pub fn new(job_name: impl Into<String>, pdf: impl Into<SharedPdf>, pages: u32) -> Self {
        PrintJob { job_name: job_name.into(), pdf: pdf.into(), pages, first_page: 1 }
    }

    /// Only pages `first_page..=pages` (1-based), e.g. the rest after a paper jam.
    pub fn from_page(mut self, first_page: u32) -> Self {
        self.first_page = first_page;
        self
    }

    /// Pages before `first_page`: they already came out in an earlier attempt.
    pub fn skipped(&self) -> u32 {
        self.first_page.clamp(1, self.pages.max(1)) - 1
    }

    /// Pages this job prints.
    pub fn remaining(&self) -> u32 {
        self.pages - self.skipped()
    }
}

impl fmt::Debug for PrintJob {
    // Never print document bytes into logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrintJob")
            .field("job_name", &self.job_name)
            .field("bytes", &self.pdf.len())
            .field("pages", &self.pages)
            .field("first_page", &self.first_page)
            .finish()
    }
}

/// Why a printer cannot go on without a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attention {
    MediaEmpty,
    MediaJam,
    CoverOpen,
    MarkerEmpty,
    Other,
}

/// What the kiosk needs to know about a printer, in one small type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterState {
    Idle,
    Busy,
    NeedsAttention(Attention),
    Disconnected,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterStatus {
    pub state: PrinterState,
    /// Raw reasons as the printer words them (IPP `printer-state-reasons` style), for
    /// technicians and metrics.
    pub reasons: Vec<String>,
    pub model: String,
    /// Toner/ink levels, when the printer reports them (IPP `marker-*`). Empty otherwise.
    pub markers: Vec<Marker>,
}

/// One toner/ink supply.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Marker {
    pub name: String,
    /// IPP `marker-types` keyword, e.g. `toner`, `ink-cartridge`.
    pub kind: String,
    /// `#RRGGBB`, when known.
    pub color: String,
    /// 0–100; `None` when the printer does not know.
    pub level_percent: Option<u8>,
    /// The level the printer calls "low".
    pub low_percent: Option<u8>,
}

impl PrinterStatus {
    pub fn new(state: PrinterState, reasons: Vec<String>, model: impl Into<String>) -> Self {
        PrinterStatus { state, reasons, model: model.into(), markers: Vec::new() }
    }

    pub fn can_print(&self) -> bool {
        matches!(self.state, PrinterState::Idle | PrinterState::Busy)
    }
}

/// Progress of one job, reported while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobProgress {
    Sending,
    /// `done` pages have physically left the printer.
    Printed {
        done: u32,
        total: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("printer needs attention ({attention:?}) after {pages_done} page(s)")]
    NeedsAttention { attention: Attention, pages_done: u32 },
    #[error("printer disconnected after {pages_done} page(s)")]
    Disconnected { pages_done: u32 },
    #[error("job stalled after {pages_done} page(s)")]
    Stalled { pages_done: u32 },
    #[error("printer refused the job: {0}")]
    Rejected(String),
    #[error("printer I/O: {0}")]
    Io(String),
}

impl PrintError {
    /// Pages the printer confirmed before the failure.
    pub fn pages_done(&self) -> u32 {
        match self {
            PrintError::NeedsAttention { pages_done, .. }
            | PrintError::Disconnected { pages_done }
            | PrintError::Stalled { pages_done } => *pages_done,
            PrintError::Rejected(_) | PrintError::Io(_) => 0,
        }
    }

    /// The same failure with `earlier` pages (from an earlier attempt) added to the count,
    /// so counts are always in pages of the whole document.
    pub fn after_pages(self, earlier: u32) -> PrintError {
        match self {
            PrintError::NeedsAttention { attention, pages_done } => {
                PrintError::NeedsAttention { attention, pages_done: pages_done + earlier }
            }
            PrintError::Disconnected { pages_done } => PrintError::Disconnected { pages_done: pages_done + earlier },
            PrintError::Stalled { pages_done } => PrintError::Stalled { pages_done: pages_done + earlier },
            other => other,
        }
    }
}

/// Progress of a job that starts after `skip` pages, in pages of the whole document.
pub(crate) fn in_document(
    skip: u32,
    pages: u32,
    progress: &mut dyn FnMut(JobProgress),
) -> impl FnMut(JobProgress) + '_ {
    move |p| {
        progress(match p {
            JobProgress::Printed { done, .. } => JobProgress::Printed { done: done + skip, total: pages },
            other => other,
        })
    }
}

/// An A4 printer. Calls block (USB and IPP polling are blocking by nature); the kiosk
/// runs them on a worker thread.
pub trait A4Printer: Send {
    fn status(&mut self) -> Result<PrinterStatus, PrintError>;

    /// Prints `job`, reporting progress, and returns the number of pages the printer
    /// confirmed. It returns only when the printer says every page came out, or fails
    /// with how many did.
    ///
    /// Page counts (progress, result, errors) are pages of the whole document: a job
    /// from page 3 of 5 reports `Printed { done: 3, total: 5 }` after its first sheet.
    /// A backend that cannot start mid-document prints all of it again and counts from 0.
    fn print(&mut self, job: &PrintJob, progress: &mut dyn FnMut(JobProgress)) -> Result<u32, PrintError>;
}
