//! Legacy USB printers (printer class 7/1/2, 7/1/1): the document goes down the bulk
//! pipe as PDF (when `CMD:` lists it) or rasterised to PWG raster / URF / PCL.
//!
//! Such printers say little. Page-complete detection here is a documented heuristic:
//! * the bulk pipe is flow-controlled — a printer takes data only as fast as its buffer
//!   drains — so a page whose last byte was accepted has at least reached the printer;
//! * GET_PORT_STATUS (paper empty / error / not selected) is checked whenever the pipe
//!   stalls and after every page;
//! * a page counts as *done* once the data of `in_flight_pages` further pages has also
//!   been accepted with clean port status, and the last pages once the status stayed
//!   clean for `settle` after the final byte. On a fault the count is therefore
//!   conservative (a page may have come out that is not counted; none is counted that
//!   did not) — the kiosk may reprint a page, it never claims one that is missing.
//! * PDF direct has no page boundaries in the stream: it is all or nothing.
//!
//! An unplugged printer is found again (see [`link`]) at the next status poll or job,
//! never in the middle of one: the job cut off reports the pages it had confirmed, and
//! its retry sends only the others.

mod link;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::raster::{
    PclOptions, RasterFormat, Rasterizer, encode_pcl_page, encode_raster_page, pcl_job_end, pcl_job_start,
    raster_file_header, render_a4,
};
use crate::usb::{DeviceId, Pdl, RawPath, UsbError, UsbTransport, get_device_id, get_port_status, soft_reset};
use crate::{A4Printer, Attention, JobProgress, PrintError, PrintJob, PrinterState, PrinterStatus};
use link::Link;
pub use link::Reopen;

#[derive(Clone)]
pub struct RawConfig {
    pub rasterizer: Option<Arc<dyn Rasterizer>>,
    pub dpi: u32,
    pub pcl: PclOptions,
    /// Bytes per bulk write.
    pub chunk: usize,
    /// Timeout of one bulk write; on expiry the port status is read.
    pub write_timeout: Duration,
    /// A fault on the port lines that lasts this long ends the job.
    pub attention_grace: Duration,
    /// No byte accepted for this long, and no fault: `Stalled`.
    pub stall_timeout: Duration,
    /// After the last byte: how long the port status must stay clean.
    pub settle: Duration,
    pub in_flight_pages: u32,
    /// Some devices hard-wire the port status lines to nonsense (0x00): set false to
    /// ignore them.
    pub trust_port_status: bool,
}

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            rasterizer: None,
            dpi: 300,
            pcl: PclOptions::default(),
            chunk: 16 * 1024,
            write_timeout: Duration::from_secs(2),
            attention_grace: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(120),
            settle: Duration::from_secs(8),
            in_flight_pages: 1,
            trust_port_status: true,
        }
    }
}

/// Why sending stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SendFail {
    Gone,
    Attention(Attention),
    Stalled,
    Io(String),
}

pub struct RawBackend {
    transport: Link,
    config: RawConfig,
    device_id: Option<DeviceId>,
    /// Bytes of the last job that reached the printer, and when the first did (bench).
    pub last_bytes_sent: u64,
    pub last_first_byte: Option<Instant>,
    pub last_page_bytes: Vec<u64>,
}

impl RawBackend {
    pub fn new(transport: Box<dyn UsbTransport>, config: RawConfig) -> Self {
        RawBackend {
            transport: Link::new(transport),
            config,
            device_id: None,
            last_bytes_sent: 0,
            last_first_byte: None,
            last_page_bytes: Vec::new(),
        }
    }

    /// How to find the printer again after it was unplugged. Without it, an unplugged
    /// printer stays disconnected for this backend's life.
    pub fn with_reopen(mut self, reopen: Reopen) -> Self {
        self.transport.set_reopen(reopen);
        self
    }

    /// Before a job or a status: the printer still answers, or it is found again.
    /// A replug between two jobs leaves a handle that only a request shows is dead,
    /// hence the probe; its answer itself does not matter (a stall is an answer).
    fn ensure_link(&mut self) -> Result<(), UsbError> {
        if !self.transport.lost() {
            let iface = self.transport.interface();
            match get_port_status(&mut self.transport, &iface) {
                Err(UsbError::NoDevice) => {}
                _ => return Ok(()),
            }
        }
        self.transport.reconnect()?;
        // It may be another unit with the same IDs: ask again what it speaks.
        self.device_id = None;
        tracing::info!("A4 printer reconnected");
        Ok(())
    }

    pub fn device_id(&mut self) -> Result<DeviceId, UsbError> {
        if let Some(id) = &self.device_id {
            return Ok(id.clone());
        }
        let iface = self.transport.interface();
        let id = get_device_id(&mut self.transport, &iface)?;
        self.device_id = Some(id.clone());
        Ok(id)
    }

    fn port_attention(&mut self) -> Result<Option<Attention>, UsbError> {
        if !self.config.trust_port_status {
            return Ok(None);
        }
        let iface = self.transport.interface();
        Ok(get_port_status(&mut self.transport, &iface)?.attention())
    }

    /// Flushes whatever the printer still holds of an abandoned job, so it is not
    /// printed later for nobody.
    fn abandon(&mut self) {
        let iface = self.transport.interface();
        if let Err(e) = soft_reset(&mut self.transport, &iface) {
            tracing::warn!(error = %e, "soft reset failed");
        }
    }

    /// Writes all of `data`, riding out short stalls. Bounded: every iteration either
    /// advances or spends at least one write timeout, within the stall timeout.
    fn send(&mut self, data: &[u8]) -> Result<(), SendFail> {
        let mut off = 0;
        let mut last_progress = Instant::now();
        let mut attention_since: Option<Instant> = None;
        let wt = self.config.write_timeout.max(Duration::from_millis(1));
        let max_idle_rounds =
            ((self.config.stall_timeout + self.config.attention_grace).as_millis() / wt.as_millis()) as usize + 2;
        let mut idle_rounds = 0;
        while off < data.len() {
            let end = (off + self.config.chunk.max(1)).min(data.len());
            let t0 = Instant::now();
            match self.transport.write_bulk(&data[off..end], wt) {
                Ok(n) if n > 0 => {
                    if self.last_first_byte.is_none() {
                        self.last_first_byte = Some(Instant::now());
                    }
                    off += n;
                    self.last_bytes_sent += n as u64;
                    last_progress = Instant::now();
                    attention_since = None;
                    idle_rounds = 0;
                    continue;
                }
                Ok(_) | Err(UsbError::Timeout) => {}
                Err(UsbError::NoDevice) => return Err(SendFail::Gone),
                // A stalled endpoint is how some printers refuse data on a fault.
                Err(UsbError::Stall) => {}
                Err(e) => return Err(SendFail::Io(e.to_string())),
            }
            idle_rounds += 1;
            // A halted endpoint (and some devices' NAK handling) fails at once, not after
            // the timeout: pause so this loop does not spin against the device.
            if let Some(rest) = wt.checked_sub(t0.elapsed()) {
                std::thread::sleep(rest);
            }
            match self.port_attention() {
                Err(UsbError::NoDevice) => return Err(SendFail::Gone),
                Ok(Some(a)) => {
                    let since = *attention_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= self.config.attention_grace {
                        return Err(SendFail::Attention(a));
                    }
                }
                _ => attention_since = None,
            }
            if last_progress.elapsed() >= self.config.stall_timeout || idle_rounds > max_idle_rounds {
                return Err(SendFail::Stalled);
            }
        }
        Ok(())
    }

    /// Watches the port lines for `settle` after the last byte.
    fn settle(&mut self) -> Result<(), SendFail> {
        let deadline = Instant::now() + self.config.settle;
        let step = Duration::from_millis(250).min(self.config.settle.max(Duration::from_millis(1)));
        let mut attention_since: Option<Instant> = None;
        // Bounded: settle / step iterations, plus the attention grace.
        let rounds = (self.config.settle + self.config.attention_grace).as_millis() / step.as_millis().max(1) + 2;
        for _ in 0..rounds {
            match self.port_attention() {
                Err(UsbError::NoDevice) => return Err(SendFail::Gone),
                Ok(Some(a)) => {
                    let since = *attention_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= self.config.attention_grace {
                        return Err(SendFail::Attention(a));
                    }
                }
                _ => {
                    attention_since = None;
                    if Instant::now() >= deadline {
                        return Ok(());
                    }
                }
            }
            std::thread::sleep(step);
        }
        Ok(())
    }

    fn fail(&mut self, f: SendFail, pages_done: u32) -> PrintError {
        match f {
            SendFail::Gone => PrintError::Disconnected { pages_done },
            SendFail::Attention(attention) => {
                self.abandon();
                PrintError::NeedsAttention { attention, pages_done }
            }
            SendFail::Stalled => {
                self.abandon();
                PrintError::Stalled { pages_done }
            }
            SendFail::Io(m) => {
                self.abandon();
                PrintError::Io(m)
            }
        }
    }

    fn print_pages(
        &mut self,
        job: &PrintJob,
        path: RawPath,
        pjl: bool,
        progress: &mut dyn FnMut(JobProgress),
    ) -> Result<u32, PrintError> {
        // Counts here are of this job's pages; `print` turns them into document pages.
        let skip = job.skipped();
        let total = job.remaining();
        let rasterizer =
            self.config.rasterizer.clone().ok_or_else(|| {
                PrintError::Rejected("printer needs raster data and no rasterizer is configured".into())
            })?;
        let mut buf = Vec::new();
        match path {
            RawPath::Raster(f) => buf.extend_from_slice(&raster_file_header(f, total)),
            _ => pcl_job_start(&PclOptions { pjl, ..self.config.pcl }, &job.job_name, &mut buf),
        }
        let mut confirmed = 0;
        for index in 0..total {
            let page = render_a4(rasterizer.as_ref(), &job.pdf, skip + index, self.config.dpi)
                .map_err(|e| PrintError::Io(e.to_string()))?;
            match path {
                RawPath::Raster(f) => encode_raster_page(f, &page, total, &mut buf),
                _ => encode_pcl_page(&page, &self.config.pcl, &mut buf),
            }
            if index + 1 == total && path == RawPath::Pcl {
                pcl_job_end(&PclOptions { pjl, ..self.config.pcl }, &job.job_name, &mut buf);
            }
            let before = self.last_bytes_sent;
            if let Err(f) = self.send(&buf) {
                return Err(self.fail(f, confirmed));
            }
            self.last_page_bytes.push(self.last_bytes_sent - before);
            buf.clear();
            let accepted = index + 1;
            if let Ok(Some(a)) = self.port_attention() {
                // Give it the grace in settle(); a standing fault ends the job there.
                tracing::debug!(?a, page = accepted, "port status fault after a page");
                if let Err(f) = self.settle_fault() {
                    return Err(self.fail(f, confirmed));
                }
            }
            let now_confirmed = accepted.saturating_sub(self.config.in_flight_pages);
            if now_confirmed > confirmed {
                confirmed = now_confirmed;
                progress(JobProgress::Printed { done: confirmed, total });
            }
        }
        if let Err(f) = self.settle() {
            return Err(self.fail(f, confirmed));
        }
        if confirmed < total {
            progress(JobProgress::Printed { done: total, total });
        }
        Ok(total)
    }

    /// A fault seen between pages: wait out the grace; Ok if it clears.
    fn settle_fault(&mut self) -> Result<(), SendFail> {
        let saved = self.config.settle;
        self.config.settle = Duration::ZERO;
        let r = self.settle();
        self.config.settle = saved;
        r
    }
}

impl A4Printer for RawBackend {
    fn status(&mut self) -> Result<PrinterStatus, PrintError> {
        match self.ensure_link() {
            Ok(()) => {}
            Err(UsbError::NoDevice) => {
                let model = self.device_id.as_ref().map(|d| d.make_and_model()).unwrap_or_default();
                return Ok(PrinterStatus::new(PrinterState::Disconnected, vec!["offline-report".into()], model));
            }
            Err(e) => return Err(PrintError::Io(e.to_string())),
        }
        let model = self.device_id().map(|d| d.make_and_model()).unwrap_or_default();
        let iface = self.transport.interface();
        match get_port_status(&mut self.transport, &iface) {
            Ok(ps) => {
                let mut reasons = Vec::new();
                if ps.paper_empty {
                    reasons.push("media-empty-error".to_string());
                }
                if ps.error {
                    reasons.push("other-error".to_string());
                }
                if !ps.selected {
                    reasons.push("offline-report".to_string());
                }
                if reasons.is_empty() {
                    reasons.push("none".to_string());
                }
                let attention = if self.config.trust_port_status { ps.attention() } else { None };
                let state = attention.map_or(PrinterState::Idle, PrinterState::NeedsAttention);
                Ok(PrinterStatus::new(state, reasons, model))
            }
            Err(UsbError::NoDevice) => {
                Ok(PrinterStatus::new(PrinterState::Disconnected, vec!["offline-report".into()], model))
            }
            Err(e) => Err(PrintError::Io(e.to_string())),
        }
    }

    fn print(&mut self, job: &PrintJob, progress: &mut dyn FnMut(JobProgress)) -> Result<u32, PrintError> {
        if job.pages == 0 {
            return Err(PrintError::Rejected("job has no pages".into()));
        }
        self.last_bytes_sent = 0;
        self.last_first_byte = None;
        self.last_page_bytes.clear();
        // Pages that came out in an earlier attempt: still out if this one fails early.
        let earlier = job.skipped();
        match self.ensure_link() {
            Ok(()) => {}
            Err(UsbError::NoDevice) => return Err(PrintError::Disconnected { pages_done: earlier }),
            Err(e) => return Err(PrintError::Io(e.to_string())),
        }
        let id = match self.device_id() {
            Ok(id) => id,
            Err(UsbError::NoDevice) => return Err(PrintError::Disconnected { pages_done: earlier }),
            Err(e) => return Err(PrintError::Io(e.to_string())),
        };
        let path = id.raw_path().ok_or_else(|| {
            PrintError::Rejected(format!(
                "{} speaks none of PDF/PWG/URF/PCL ({})",
                id.make_and_model(),
                id.commands.join(",")
            ))
        })?;
        match self.port_attention() {
            Ok(Some(attention)) => return Err(PrintError::NeedsAttention { attention, pages_done: earlier }),
            Err(UsbError::NoDevice) => return Err(PrintError::Disconnected { pages_done: earlier }),
            _ => {}
        }
        progress(JobProgress::Sending);
        if path == RawPath::PdfDirect {
            // A PDF stream has no page boundaries the printer reports, so a fault never
            // confirms part of it: a retry is always the whole document.
            if job.skipped() > 0 {
                tracing::warn!(first_page = job.first_page, "PDF-direct printer: printing the whole document again");
            }
            if let Err(f) = self.send(&job.pdf) {
                return Err(self.fail(f, 0));
            }
            self.last_page_bytes.push(self.last_bytes_sent);
            if let Err(f) = self.settle() {
                return Err(self.fail(f, 0));
            }
            progress(JobProgress::Printed { done: job.pages, total: job.pages });
            return Ok(job.pages);
        }
        let pjl = id.lists(&Pdl::Pjl);
        let skip = job.skipped();
        let mut progress = crate::in_document(skip, job.pages, progress);
        self.print_pages(job, path, pjl, &mut progress).map(|n| n + skip).map_err(|e| e.after_pages(skip))
    }
}

/// Which format a raw path sends, for logs and the bench.
pub fn path_name(p: RawPath) -> &'static str {
    match p {
        RawPath::PdfDirect => "pdf",
        RawPath::Raster(RasterFormat::Pwg) => "pwg-raster",
        RawPath::Raster(RasterFormat::Urf) => "urf",
        RawPath::Pcl => "pcl",
    }
}

#[cfg(test)]
mod tests;
