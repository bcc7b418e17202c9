//! What sits behind each printer function: the bytes the host sent go in, the answers the
//! printer would send come out.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use adm_thermal::fake::{FakeConfig, FakeControl, FakeTransport};
use adm_thermal::transport::{Transport, TransportError};

pub trait PrinterBrain: Send {
    /// A new USB session (the host configured the device after a plug-in).
    fn session_start(&mut self);
    /// Bytes from bulk OUT; returns what to queue on bulk IN.
    fn receive(&mut self, data: &[u8]) -> Vec<u8>;
}

/// Appends everything the host sends to one capture file: a laser printer over the
/// legacy printer class answers nothing on bulk IN (status is the port lines).
pub struct Capture {
    path: PathBuf,
    file: File,
}

impl Capture {
    pub fn open(path: &Path) -> io::Result<Capture> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Capture { path: path.to_path_buf(), file })
    }

    pub fn append(&mut self, data: &[u8]) {
        if let Err(e) = self.file.write_all(data) {
            tracing::error!(path = %self.path.display(), error = %e, "cannot write the capture");
        }
    }
}

impl PrinterBrain for Capture {
    fn session_start(&mut self) {}

    fn receive(&mut self, data: &[u8]) -> Vec<u8> {
        self.append(data);
        Vec::new()
    }
}

/// An Epson TM-T20III: the thermal driver's simulated printer (its strict tokenizer and
/// status model) answering over the real USB path; raw bytes also captured whole.
pub struct EscPos {
    capture: Capture,
    transport: FakeTransport,
    control: FakeControl,
}

impl EscPos {
    /// `jobs_dir`: each job up to its cut as `receipt-NNN.bin` and its rendering `.png`.
    pub fn new(capture: &Path, jobs_dir: &Path) -> io::Result<EscPos> {
        std::fs::create_dir_all(jobs_dir)?;
        let cfg = FakeConfig {
            out_dir: Some(jobs_dir.to_path_buf()),
            model: "TM-T20III".to_owned(),
            firmware: "1.02 ESC/POS".to_owned(),
            ..FakeConfig::default()
        };
        let (transport, control) = FakeTransport::new(cfg);
        Ok(EscPos { capture: Capture::open(capture)?, transport, control })
    }

    pub fn control(&self) -> FakeControl {
        self.control.clone()
    }
}

impl PrinterBrain for EscPos {
    fn session_start(&mut self) {
        // A new USB session: whatever was half-received before is gone.
        self.control.plug();
        if let Err(e) = self.transport.reconnect() {
            tracing::error!(error = %e, "simulated receipt printer did not reconnect");
        }
    }

    fn receive(&mut self, data: &[u8]) -> Vec<u8> {
        self.capture.append(data);
        let mut rest = data;
        while !rest.is_empty() {
            match self.transport.write(rest, Duration::ZERO) {
                Ok(n) => rest = &rest[n..],
                Err(e) => {
                    tracing::error!(error = %e, "simulated receipt printer refused bytes");
                    break;
                }
            }
        }
        let mut reply = Vec::new();
        let mut buf = [0u8; 256];
        loop {
            match self.transport.read(&mut buf, Duration::ZERO) {
                Ok(n) => reply.extend_from_slice(&buf[..n]),
                Err(TransportError::Timeout) => break,
                Err(e) => {
                    tracing::error!(error = %e, "simulated receipt printer did not answer");
                    break;
                }
            }
        }
        reply
    }
}

#[cfg(test)]
mod tests {
    use adm_thermal::fake::PaperLevel;

    use super::*;

    #[test]
    fn the_receipt_printer_answers_status_identity_and_confirmation_requests() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut p = EscPos::new(&dir.path().join("receipt.bin"), &dir.path().join("jobs")).expect("printer");
        p.session_start();
        // DLE EOT 1..4 of an idle printer with paper.
        assert_eq!(p.receive(b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"), [0x12, 0x12, 0x12, 0x12]);
        // GS I 67: the model, as `_TM-T20III\0`.
        assert_eq!(p.receive(b"\x1dI\x43"), b"_TM-T20III\0");
        // Paper near end, then out; the cover.
        p.control().set_paper(PaperLevel::NearEnd);
        assert_eq!(p.receive(b"\x10\x04\x04"), [0x1e]);
        p.control().set_paper(PaperLevel::Out);
        assert_eq!(p.receive(b"\x10\x04\x02\x10\x04\x04"), [0x32, 0x7e]);
        p.control().set_paper(PaperLevel::Ok);
        p.control().set_cover_open(true);
        assert_eq!(p.receive(b"\x10\x04\x02"), [0x16]);
        p.control().set_cover_open(false);
        // A job split across USB packets, then its confirmation request (GS ( H fn 48).
        let job = adm_thermal::samples::sample(adm_thermal::samples::SampleKind::Test, adm_thermal::PaperWidth::Mm80);
        let (a, b) = job.split_at(job.len() / 2);
        assert!(p.receive(a).is_empty());
        assert!(p.receive(b).is_empty());
        let confirm = p.receive(b"\x1d(H\x06\x00\x30\x30ABCD");
        assert_eq!(confirm, b"\x37\x22ABCD\0");
        assert_eq!(p.control().printed(), 1);
        assert!(dir.path().join("jobs/receipt-001.bin").exists());
        let captured = std::fs::read(dir.path().join("receipt.bin")).expect("captured");
        assert!(captured.windows(job.len()).any(|w| w == job.as_slice()), "everything is captured");
    }

    #[test]
    fn a_new_session_forgets_a_half_received_command() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut p = EscPos::new(&dir.path().join("r.bin"), &dir.path().join("jobs")).expect("printer");
        p.session_start();
        assert!(p.receive(b"\x10\x04").is_empty());
        p.session_start();
        assert_eq!(p.receive(b"\x10\x04\x01"), [0x12]);
    }

    #[test]
    fn the_laser_captures_and_answers_nothing() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("a4.bin");
        let mut c = Capture::open(&path).expect("capture");
        assert!(c.receive(b"\x1b%-12345X@PJL").is_empty());
        assert!(c.receive(b" JOB\r\n").is_empty());
        assert_eq!(std::fs::read(&path).expect("read"), b"\x1b%-12345X@PJL JOB\r\n");
    }
}
