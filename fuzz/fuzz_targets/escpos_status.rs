//! What a receipt printer sends back → the ESC/POS driver's status and print result. The
//! input is the printer's side of one print (a status poll, identification, the job):
//! after the mode byte, one answer per write of the driver (a length byte, then that many
//! bytes), readable once that write was made; a printer with no more answers is silent.
//! Beyond "no panic": a job counts as printed only if the printer sent the `GS ( H`
//! confirmation (`37 22` + the job's process id + NUL) after the job was sent, and a
//! status that lets a receipt print never contradicts the status bits (cover open, paper
//! out, error).
#![no_main]

use std::time::Duration;

use adm_thermal::ReceiptPrinter;
use adm_thermal::device::{ConfirmMode, DeviceConfig, EscPosPrinter};
use adm_thermal::status::{PrinterStatus, is_status_byte};
use adm_thermal::transport::{Transport, TransportError};
use libfuzzer_sys::fuzz_target;

const JOB: &[u8] = b"\x1b@FUZZ RECEIPT\n";
/// `GS ( H` fn 48 as the driver appends it to a job, before the 4-digit process id.
const CONFIRM_REQUEST: &[u8] = &[0x1d, b'(', b'H', 6, 0, 48, 48];

/// A printer that answers from the fuzz input and never blocks: the driver's loops end
/// when an answer is used up (a timeout), not on the clock, so runs are deterministic.
struct Scripted {
    answers: Vec<u8>,
    next_answer: usize,
    /// Answer bytes not read yet.
    readable: std::collections::VecDeque<u8>,
    /// Every byte the driver read so far, and how many it had read when the job was written.
    read: Vec<u8>,
    read_before_job: Option<usize>,
    written: Vec<u8>,
}

impl Transport for Scripted {
    fn write(&mut self, data: &[u8], _: Duration) -> Result<usize, TransportError> {
        if data.windows(JOB.len()).any(|w| w == JOB) {
            self.read_before_job = Some(self.read.len());
        }
        self.written.extend_from_slice(data);
        if let Some((&len, rest)) = self.answers.get(self.next_answer..).and_then(<[u8]>::split_first) {
            let answer = &rest[..usize::from(len).min(rest.len())];
            self.readable.extend(answer);
            self.next_answer += 1 + answer.len();
        }
        Ok(data.len())
    }

    fn read(&mut self, buf: &mut [u8], _: Duration) -> Result<usize, TransportError> {
        let n = buf.len().min(self.readable.len());
        if n == 0 {
            return Err(TransportError::Timeout);
        }
        for (slot, byte) in buf.iter_mut().zip(self.readable.drain(..n)) {
            *slot = byte;
            self.read.push(byte);
        }
        Ok(n)
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        Ok(())
    }

    fn describe(&self) -> String {
        "fuzz".into()
    }
}

/// The status decoder alone: a summary that lets a receipt print must not contradict the
/// bits of the four answers (DLE EOT 2 bits 2, 5, 6; DLE EOT 3 bits 2, 3, 5; DLE EOT 4
/// bits 5-6).
fn check_decoder(answers: [u8; 4]) {
    let Ok(status) = PrinterStatus::from_bytes(answers) else {
        assert!(!answers.iter().all(|&b| is_status_byte(b)), "valid status bytes refused: {answers:02x?}");
        return;
    };
    if status.summary().can_print() {
        let [_, offline, error, paper] = answers;
        assert_eq!(offline & 0b0110_0100, 0, "printable with cover open, paper end stop or error: {answers:02x?}");
        assert_eq!(error & 0b0010_1100, 0, "printable with an error: {answers:02x?}");
        assert_eq!(paper & 0b0110_0000, 0, "printable with paper out: {answers:02x?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else { return };
    if let [a, b, c, d, ..] = *input {
        check_decoder([a, b, c, d]);
    }
    let confirm = match mode % 3 {
        0 => ConfirmMode::Auto,
        1 => ConfirmMode::Always,
        _ => ConfirmMode::Never,
    };
    // Long timeouts: the scripted printer answers at once or not at all.
    let secs = Duration::from_secs(60);
    let cfg =
        DeviceConfig { confirm, io_timeout: secs, write_timeout: secs, print_timeout: secs, ..DeviceConfig::default() };
    let script = Scripted {
        answers: input.to_vec(),
        next_answer: 0,
        readable: Default::default(),
        read: Vec::new(),
        read_before_job: None,
        written: Vec::new(),
    };
    let mut printer = EscPosPrinter::new(script, cfg);
    let result = printer.print(JOB);
    let confirming = printer.capabilities().is_some_and(|c| c.process_id);
    let t = printer.transport();
    if result.is_ok() {
        let before = t.read_before_job.expect("printed, but the job was never written");
        if confirming {
            // The process id the driver appended to this job.
            let job_at = t.written.windows(JOB.len()).rposition(|w| w == JOB).expect("job written");
            let tail = &t.written[job_at + JOB.len()..];
            assert!(tail.starts_with(CONFIRM_REQUEST), "confirmation asked for but not requested");
            let id = &tail[CONFIRM_REQUEST.len()..CONFIRM_REQUEST.len() + 4];
            let expected = [&[0x37, 0x22], id, &[0]].concat();
            let after = &t.read[before..];
            assert!(
                after.windows(expected.len()).any(|w| w == expected),
                "printed without the confirmation {expected:02x?}; the driver read {after:02x?}"
            );
        } else {
            assert_ne!(confirm, ConfirmMode::Always, "confirmation switched off although always asked for");
        }
    }
});
