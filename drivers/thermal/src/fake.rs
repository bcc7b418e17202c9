//! A simulated ESC/POS printer behind the [`Transport`] trait. It parses what it receives with
//! the strict interpreter's tokenizer, answers `DLE EOT`, `GS I` and `GS ( H` like an Epson
//! TM-T20-class printer, and "prints" each job (up to its cut) to PNG. The device layer above
//! it is the real one, so status parsing, confirmation and reconnect run for real in the demo
//! and the tests. It never sleeps: a read with nothing to answer times out at once.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::PaperWidth;
use crate::render::parse::{Command, next_command};
use crate::transport::{Transport, TransportError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaperLevel {
    #[default]
    Ok,
    NearEnd,
    Out,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeConfig {
    pub width: PaperWidth,
    /// Where `receipt-NNN.png` / `.bin` go; None: keep jobs in memory only.
    pub out_dir: Option<PathBuf>,
    /// Answers `GS ( H` fn 48.
    pub process_id: bool,
    /// Answers `GS I` 65/67.
    pub info: bool,
    pub model: String,
    pub firmware: String,
    /// Accept at most this many bytes per write (partial writes, as USB bulk OUT can do).
    pub max_write: Option<usize>,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            width: PaperWidth::default(),
            out_dir: None,
            process_id: true,
            info: true,
            model: "TM-T20III (simulated)".to_owned(),
            firmware: "1.00 ESC/POS".to_owned(),
            max_write: None,
        }
    }
}

#[derive(Debug, Default)]
struct FakeState {
    cfg: FakeConfig,
    plugged: bool,
    connected: bool,
    paper: PaperLevel,
    cover_open: bool,
    error: bool,
    /// Paper runs out in the middle of the next job (it is lost).
    paper_out_next_job: bool,
    rx: Vec<u8>,
    job: Vec<u8>,
    out: VecDeque<u8>,
    jobs: Vec<Vec<u8>>,
    printed: u32,
    lost: u32,
    garbled: u32,
    connects: u32,
}

fn lock(state: &Mutex<FakeState>) -> MutexGuard<'_, FakeState> {
    // A panic elsewhere must not take the simulated printer down with it.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl FakeState {
    fn can_print(&self) -> bool {
        self.paper != PaperLevel::Out && !self.cover_open && !self.error
    }

    /// The `DLE EOT n` answer for the current condition (see `status::recorded`).
    fn status_byte(&self, n: u8) -> u8 {
        let out = self.paper == PaperLevel::Out;
        let offline = out || self.cover_open || self.error;
        let mut b = 0x12;
        match n {
            1 if offline => b |= 0x08,
            2 => {
                if self.cover_open {
                    b |= 0x04;
                }
                if out {
                    b |= 0x20;
                }
                if self.error {
                    b |= 0x40;
                }
            }
            3 if self.error => b |= 0x08,
            4 => match self.paper {
                PaperLevel::Ok => {}
                PaperLevel::NearEnd => b |= 0x0c,
                PaperLevel::Out => b |= 0x6c,
            },
            _ => {}
        }
        b
    }

    fn receive(&mut self, data: &[u8]) {
        self.rx.extend_from_slice(data);
        let rx = std::mem::take(&mut self.rx);
        let mut pos = 0;
        while pos < rx.len() {
            match next_command(&rx[pos..], pos) {
                Ok(Some((cmd, len))) => {
                    self.handle(cmd, &rx[pos..pos + len]);
                    pos += len;
                }
                Ok(None) => break,
                Err(e) => {
                    // A real printer would print garbage here; we count it and skip a byte.
                    tracing::error!(error = %e, "simulated printer received an unknown command");
                    self.garbled += 1;
                    self.job.push(rx[pos]);
                    pos += 1;
                }
            }
        }
        self.rx = rx[pos..].to_vec();
    }

    fn handle(&mut self, cmd: Command<'_>, bytes: &[u8]) {
        match cmd {
            Command::RealtimeStatus(n) => {
                let b = self.status_byte(n);
                self.out.push_back(b);
            }
            Command::PrinterInfo(n) if self.cfg.info => {
                let text = match n {
                    65 => Some(self.cfg.firmware.clone()),
                    67 => Some(self.cfg.model.clone()),
                    _ => None,
                };
                if let Some(text) = text {
                    self.out.push_back(0x5f);
                    self.out.extend(text.bytes());
                    self.out.push_back(0);
                }
            }
            Command::PrinterInfo(_) => {}
            Command::ProcessIdRequest(id) => {
                // Answered only once everything before it has been printed.
                if self.cfg.process_id && self.can_print() && self.job.is_empty() {
                    self.out.extend([0x37, 0x22]);
                    self.out.extend(id);
                    self.out.push_back(0);
                }
            }
            Command::Cut { .. } => {
                self.job.extend_from_slice(bytes);
                self.finish_job();
            }
            _ => self.job.extend_from_slice(bytes),
        }
    }

    fn finish_job(&mut self) {
        let job = std::mem::take(&mut self.job);
        if self.paper_out_next_job {
            self.paper_out_next_job = false;
            self.paper = PaperLevel::Out;
        }
        if !self.can_print() {
            self.lost += 1;
            tracing::warn!("simulated printer lost a job (paper out, cover open or error)");
            return;
        }
        self.printed += 1;
        if let Some(dir) = self.cfg.out_dir.clone() {
            write_files(&dir, self.printed, &job, self.cfg.width);
        }
        self.jobs.push(job);
    }
}

fn write_files(dir: &std::path::Path, n: u32, job: &[u8], width: PaperWidth) {
    let bin = dir.join(format!("receipt-{n:03}.bin"));
    if let Err(e) = std::fs::write(&bin, job) {
        tracing::error!(error = %e, path = %bin.display(), "cannot write simulated receipt");
    }
    let png = dir.join(format!("receipt-{n:03}.png"));
    match crate::render::render(job, width) {
        Ok(image) => {
            if let Err(e) = image.save(&png) {
                tracing::error!(error = %e, path = %png.display(), "cannot write simulated receipt picture");
            }
        }
        Err(e) => tracing::error!(error = %e, "simulated receipt does not render"),
    }
}

/// Test and demo handle on the simulated printer's hardware state.
#[derive(Debug, Clone)]
pub struct FakeControl(Arc<Mutex<FakeState>>);

impl FakeControl {
    pub fn set_paper(&self, level: PaperLevel) {
        lock(&self.0).paper = level;
    }

    pub fn set_cover_open(&self, open: bool) {
        lock(&self.0).cover_open = open;
    }

    pub fn set_error(&self, error: bool) {
        lock(&self.0).error = error;
    }

    /// The paper runs out while the next job prints.
    pub fn paper_out_during_next_job(&self) {
        lock(&self.0).paper_out_next_job = true;
    }

    /// Pulls the cable: every transfer fails until [`Self::plug`] and a reconnect.
    pub fn unplug(&self) {
        let mut s = lock(&self.0);
        s.plugged = false;
        s.connected = false;
    }

    pub fn plug(&self) {
        lock(&self.0).plugged = true;
    }

    /// Puts bytes in the IN pipe as if the printer had sent them unasked.
    pub fn push_unsolicited(&self, bytes: &[u8]) {
        lock(&self.0).out.extend(bytes.iter().copied());
    }

    pub fn printed(&self) -> u32 {
        lock(&self.0).printed
    }

    pub fn lost(&self) -> u32 {
        lock(&self.0).lost
    }

    pub fn garbled(&self) -> u32 {
        lock(&self.0).garbled
    }

    pub fn connects(&self) -> u32 {
        lock(&self.0).connects
    }

    /// The printed jobs' bytes, oldest first.
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        lock(&self.0).jobs.clone()
    }

    /// The printed jobs' bytes, oldest first, handed over: the printer keeps none of them
    /// (a long test takes the paper off the printer instead of letting it pile up).
    pub fn take_jobs(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut lock(&self.0).jobs)
    }
}

pub struct FakeTransport(Arc<Mutex<FakeState>>);

impl FakeTransport {
    /// A plugged-in, idle printer with paper.
    pub fn new(cfg: FakeConfig) -> (FakeTransport, FakeControl) {
        let state = FakeState { cfg, plugged: true, ..FakeState::default() };
        let shared = Arc::new(Mutex::new(state));
        (FakeTransport(shared.clone()), FakeControl(shared))
    }
}

impl Transport for FakeTransport {
    fn write(&mut self, data: &[u8], _timeout: Duration) -> Result<usize, TransportError> {
        let mut s = lock(&self.0);
        if !s.connected {
            return Err(TransportError::Disconnected);
        }
        let n = s.cfg.max_write.map_or(data.len(), |max| data.len().min(max.max(1)));
        s.receive(&data[..n]);
        Ok(n)
    }

    fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize, TransportError> {
        let mut s = lock(&self.0);
        if !s.connected {
            return Err(TransportError::Disconnected);
        }
        if s.out.is_empty() {
            return Err(TransportError::Timeout);
        }
        let n = buf.len().min(s.out.len());
        for (slot, byte) in buf.iter_mut().zip(s.out.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        let mut s = lock(&self.0);
        if !s.plugged {
            s.connected = false;
            return Err(TransportError::NotFound("simulated printer unplugged".to_owned()));
        }
        // A new USB session: whatever was half-received before is gone.
        s.connected = true;
        s.rx.clear();
        s.job.clear();
        s.out.clear();
        s.connects += 1;
        Ok(())
    }

    fn describe(&self) -> String {
        "simulated ESC/POS printer".to_owned()
    }
}
