//! The device layer: typed status, job sending, print confirmation, reconnect. Works over any
//! [`Transport`], so the simulated printer runs exactly this code.

use std::time::{Duration, Instant};

use crate::status::{PrinterStatus, is_status_byte, request};
use crate::transport::{Transport, TransportError};
use crate::{PaperWidth, ReceiptPrinter, ReceiptStatus, ThermalError};

/// Whether to ask the printer to confirm each job with `GS ( H` fn 48.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfirmMode {
    /// Probe once per connection; confirm if the printer answers.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceConfig {
    pub width: PaperWidth,
    pub confirm: ConfirmMode,
    /// For status and identity answers, which come back within milliseconds.
    pub io_timeout: Duration,
    /// For one bulk write. While the head prints, the printer's buffer fills and USB NAKs:
    /// this must cover a few lines of printing.
    pub write_timeout: Duration,
    /// From the end of sending until the printer confirms the job was printed.
    pub print_timeout: Duration,
    /// Bytes per write call: bounds how much one stalled transfer can hold up.
    pub chunk: usize,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        DeviceConfig {
            width: PaperWidth::default(),
            confirm: ConfirmMode::default(),
            io_timeout: Duration::from_millis(500),
            write_timeout: Duration::from_secs(5),
            print_timeout: Duration::from_secs(20),
            chunk: 4096,
        }
    }
}

/// What the printer told us about itself (`GS I`, `GS ( H` probe).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capabilities {
    pub model: Option<String>,
    pub firmware: Option<String>,
    /// Answers `GS ( H` fn 48 (print confirmation).
    pub process_id: bool,
}

/// Counters for the technician test page and the metrics layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    pub jobs_printed: u64,
    pub jobs_failed: u64,
    pub bytes_sent: u64,
    pub reconnects: u64,
    pub paper_out_events: u64,
}

/// Called once per status change: (previous, new).
pub type StatusObserver = Box<dyn FnMut(Option<ReceiptStatus>, ReceiptStatus) + Send>;

pub struct EscPosPrinter<T: Transport> {
    transport: T,
    cfg: DeviceConfig,
    connected: bool,
    ever_connected: bool,
    caps: Option<Capabilities>,
    last: Option<ReceiptStatus>,
    last_detail: Option<PrinterStatus>,
    next_id: u16,
    counters: Counters,
    observer: Option<StatusObserver>,
}

const PROCESS_ID_HEADER: [u8; 2] = [0x37, 0x22];

impl<T: Transport> EscPosPrinter<T> {
    /// The transport is opened on first use (and reopened after an unplug).
    pub fn new(transport: T, cfg: DeviceConfig) -> Self {
        EscPosPrinter {
            transport,
            cfg,
            connected: false,
            ever_connected: false,
            caps: None,
            last: None,
            last_detail: None,
            next_id: 0,
            counters: Counters::default(),
            observer: None,
        }
    }

    pub fn config(&self) -> &DeviceConfig {
        &self.cfg
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub fn capabilities(&self) -> Option<&Capabilities> {
        self.caps.as_ref()
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Last summary seen by [`ReceiptPrinter::status`] (None before the first poll).
    pub fn last_status(&self) -> Option<ReceiptStatus> {
        self.last
    }

    /// Last detailed status read from the printer (for the maintenance menu).
    pub fn last_detail(&self) -> Option<PrinterStatus> {
        self.last_detail
    }

    /// Registers the hook the metrics layer uses; called once per change, not per poll.
    pub fn set_observer(&mut self, observer: StatusObserver) {
        self.observer = Some(observer);
    }

    fn ensure_connected(&mut self) -> bool {
        if self.connected {
            return true;
        }
        match self.transport.reconnect() {
            Ok(()) => {
                if self.ever_connected {
                    self.counters.reconnects += 1;
                }
                tracing::info!(printer = %self.transport.describe(), "receipt printer connected");
                self.connected = true;
                self.ever_connected = true;
                self.caps = None;
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "receipt printer not reachable");
                false
            }
        }
    }

    /// Maps a transport error; a disconnect is remembered so the next poll reconnects.
    fn io_err(&mut self, e: TransportError, what: &str) -> ThermalError {
        match e {
            TransportError::Disconnected | TransportError::NotFound(_) => {
                self.connected = false;
                ThermalError::NotReady(ReceiptStatus::Disconnected)
            }
            TransportError::Timeout => ThermalError::Timeout(what.to_owned()),
            TransportError::Io(msg) => ThermalError::Io(format!("{what}: {msg}")),
        }
    }

    /// Logs (once) and reports a status change.
    fn record(&mut self, new: ReceiptStatus) -> ReceiptStatus {
        if self.last == Some(new) {
            return new;
        }
        let previous = self.last;
        match new {
            ReceiptStatus::Ready => tracing::info!(?previous, "receipt printer ready"),
            ReceiptStatus::PaperNearEnd => {
                tracing::warn!(?previous, "receipt paper near end: technician should replace the roll")
            }
            ReceiptStatus::PaperOut => {
                self.counters.paper_out_events += 1;
                tracing::error!(?previous, "receipt paper out: receipts stop, A4 printing continues")
            }
            ReceiptStatus::CoverOpen => tracing::error!(?previous, "receipt printer cover open"),
            ReceiptStatus::Error => {
                tracing::error!(?previous, detail = ?self.last_detail, "receipt printer error")
            }
            ReceiptStatus::Disconnected => tracing::warn!(?previous, "receipt printer disconnected"),
        }
        self.last = Some(new);
        if let Some(observer) = self.observer.as_mut() {
            observer(previous, new);
        }
        new
    }

    /// Polls `DLE EOT 1..4`. `Ok(None)`: no printer connected.
    pub fn poll(&mut self) -> Result<Option<PrinterStatus>, ThermalError> {
        if !self.ensure_connected() {
            self.record(ReceiptStatus::Disconnected);
            return Ok(None);
        }
        match self.query_status() {
            Ok(status) => {
                self.last_detail = Some(status);
                self.record(status.summary());
                Ok(Some(status))
            }
            Err(ThermalError::NotReady(ReceiptStatus::Disconnected)) => {
                self.record(ReceiptStatus::Disconnected);
                Ok(None)
            }
            Err(e) => {
                self.record(ReceiptStatus::Error);
                Err(e)
            }
        }
    }

    fn query_status(&mut self) -> Result<PrinterStatus, ThermalError> {
        self.drain()?;
        let mut answers = [0u8; 4];
        for (i, answer) in answers.iter_mut().enumerate() {
            let n = i as u8 + 1;
            self.write_all(&request(n), self.cfg.io_timeout)?;
            *answer = self.read_status_byte(n)?;
        }
        PrinterStatus::from_bytes(answers).map_err(|e| ThermalError::Io(e.to_string()))
    }

    /// Reads until a byte with the status pattern arrives; anything else is a stale answer to
    /// an earlier request and is skipped.
    fn read_status_byte(&mut self, n: u8) -> Result<u8, ThermalError> {
        let deadline = Instant::now() + self.cfg.io_timeout;
        let mut buf = [0u8; 64];
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let got = match self.transport.read(&mut buf[..1], remaining.max(Duration::from_millis(1))) {
                Ok(got) => got,
                Err(e) => return Err(self.io_err(e, &format!("no answer to DLE EOT {n}"))),
            };
            if let Some(&byte) = buf[..got].first() {
                if is_status_byte(byte) {
                    return Ok(byte);
                }
                tracing::debug!(byte, "skipping non-status byte from the printer");
            }
            if remaining.is_zero() {
                return Err(ThermalError::Timeout(format!("no answer to DLE EOT {n}")));
            }
        }
    }

    /// Throws away bytes left in the IN pipe (late answers, automatic status).
    fn drain(&mut self) -> Result<(), ThermalError> {
        let mut buf = [0u8; 64];
        for _ in 0..16 {
            match self.transport.read(&mut buf, Duration::from_millis(1)) {
                Ok(0) | Err(TransportError::Timeout) => return Ok(()),
                Ok(n) => tracing::debug!(bytes = ?&buf[..n], "drained stale printer output"),
                Err(e) => return Err(self.io_err(e, "drain")),
            }
        }
        Ok(())
    }

    /// Sends all of `data`, handling partial writes.
    fn write_all(&mut self, data: &[u8], timeout: Duration) -> Result<(), ThermalError> {
        let mut sent = 0;
        let mut stalls = 0;
        while sent < data.len() {
            let end = (sent + self.cfg.chunk.max(1)).min(data.len());
            match self.transport.write(&data[sent..end], timeout) {
                Ok(0) => {
                    stalls += 1;
                    if stalls > 3 {
                        return Err(ThermalError::Timeout(format!("printer accepted {sent} of {} bytes", data.len())));
                    }
                }
                Ok(n) => {
                    sent += n;
                    self.counters.bytes_sent += n as u64;
                    stalls = 0;
                }
                Err(TransportError::Timeout) => {
                    return Err(ThermalError::Timeout(format!("printer accepted {sent} of {} bytes", data.len())));
                }
                Err(e) => return Err(self.io_err(e, &format!("write after {sent} of {} bytes", data.len()))),
            }
        }
        Ok(())
    }

    /// Reads one `GS I` answer (`_` ... NUL).
    fn printer_info(&mut self, n: u8) -> Option<String> {
        self.drain().ok()?;
        self.write_all(&[0x1d, b'I', n], self.cfg.io_timeout).ok()?;
        let mut answer = Vec::new();
        let deadline = Instant::now() + self.cfg.io_timeout;
        let mut buf = [0u8; 64];
        while !answer.ends_with(&[0]) {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return None;
            }
            let got = self.transport.read(&mut buf, remaining).ok()?;
            answer.extend_from_slice(&buf[..got]);
        }
        let start = answer.iter().position(|&b| b == 0x5f)?;
        let text: String = answer[start + 1..answer.len() - 1].iter().map(|&b| char::from(b)).collect();
        Some(text.trim().to_owned())
    }

    fn next_process_id(&mut self) -> [u8; 4] {
        // Epson accepts digits only ("0000".."9999").
        self.next_id = (self.next_id + 1) % 10_000;
        let digits = format!("{:04}", self.next_id);
        let b = digits.as_bytes();
        [b[0], b[1], b[2], b[3]]
    }

    fn wait_process_id(&mut self, id: [u8; 4], timeout: Duration) -> Result<bool, ThermalError> {
        let mut expected = PROCESS_ID_HEADER.to_vec();
        expected.extend_from_slice(&id);
        expected.push(0);
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        let mut buf = [0u8; 64];
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Ok(false);
            }
            match self.transport.read(&mut buf, remaining) {
                Ok(n) => seen.extend_from_slice(&buf[..n]),
                Err(TransportError::Timeout) => return Ok(false),
                Err(e) => return Err(self.io_err(e, "waiting for print confirmation")),
            }
            if seen.windows(expected.len()).any(|w| w == expected.as_slice()) {
                return Ok(true);
            }
        }
    }

    /// Connects if needed and identifies the printer (`GS I`, the `GS ( H` probe) as the
    /// first job would: a technician's test page names the model it prints on.
    pub fn identify(&mut self) -> Result<Capabilities, ThermalError> {
        if self.poll()?.is_none() {
            return Err(ThermalError::NotReady(ReceiptStatus::Disconnected));
        }
        self.ensure_capabilities()?;
        Ok(self.caps.clone().unwrap_or_default())
    }

    /// Identifies the printer once per connection: model, firmware, `GS ( H` support.
    fn ensure_capabilities(&mut self) -> Result<(), ThermalError> {
        if self.caps.is_some() {
            return Ok(());
        }
        let model = self.printer_info(67);
        let firmware = self.printer_info(65);
        let process_id = match self.cfg.confirm {
            ConfirmMode::Always => true,
            ConfirmMode::Never => false,
            ConfirmMode::Auto => {
                let id = self.next_process_id();
                let mut probe = vec![0x1d, b'(', b'H', 6, 0, 48, 48];
                probe.extend_from_slice(&id);
                self.drain()?;
                self.write_all(&probe, self.cfg.io_timeout)?;
                self.wait_process_id(id, self.cfg.io_timeout)?
            }
        };
        tracing::info!(?model, ?firmware, process_id, "receipt printer identified");
        self.caps = Some(Capabilities { model, firmware, process_id });
        Ok(())
    }

    fn send_job(&mut self, escpos: &[u8]) -> Result<(), ThermalError> {
        self.ensure_capabilities()?;
        let confirm = self.caps.as_ref().is_some_and(|c| c.process_id);
        let mut job = escpos.to_vec();
        let id = self.next_process_id();
        if confirm {
            job.extend_from_slice(&[0x1d, b'(', b'H', 6, 0, 48, 48]);
            job.extend_from_slice(&id);
        }
        self.drain()?;
        self.write_all(&job, self.cfg.write_timeout)?;
        if confirm && !self.wait_process_id(id, self.cfg.print_timeout)? {
            return Err(ThermalError::Unconfirmed(format!("no GS ( H answer within {:?}", self.cfg.print_timeout)));
        }
        Ok(())
    }
}

impl<T: Transport> ReceiptPrinter for EscPosPrinter<T> {
    fn status(&mut self) -> Result<ReceiptStatus, ThermalError> {
        self.poll()?;
        Ok(self.last.unwrap_or(ReceiptStatus::Disconnected))
    }

    fn print(&mut self, escpos: &[u8]) -> Result<(), ThermalError> {
        let before = self.status()?;
        if !before.can_print() {
            return Err(ThermalError::NotReady(before));
        }
        match self.send_job(escpos) {
            Ok(()) => {
                self.counters.jobs_printed += 1;
                Ok(())
            }
            Err(e) => {
                self.counters.jobs_failed += 1;
                // A stalled or unconfirmed job usually means the paper ran out or the cover
                // was opened while printing: report that rather than a bare timeout.
                match self.status() {
                    Ok(after) if !after.can_print() => Err(ThermalError::NotReady(after)),
                    _ => Err(e),
                }
            }
        }
    }
}
