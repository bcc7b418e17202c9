//! A configured printer that was not there when the kiosk started (unplugged, switched
//! off, ipp-usb not serving it yet): the kiosk starts anyway, reports it disconnected, and
//! opens it at the first status poll or job that finds it.

use crate::open::{OpenError, OpenOptions, open};
use crate::{A4Printer, JobProgress, PrintError, PrintJob, PrinterState, PrinterStatus};

/// Opens the printer; called again on every poll until it succeeds.
pub type Opener = Box<dyn FnMut() -> Result<Box<dyn A4Printer>, OpenError> + Send>;

pub struct PendingA4Printer {
    name: String,
    opener: Opener,
    printer: Option<Box<dyn A4Printer>>,
    /// The last reason it could not be opened, logged when it changes (a poll every few
    /// seconds would otherwise fill the journal).
    last_error: Option<String>,
}

impl PendingA4Printer {
    pub fn new(name: impl Into<String>, opener: Opener) -> Self {
        PendingA4Printer { name: name.into(), opener, printer: None, last_error: None }
    }

    fn printer(&mut self) -> Option<&mut Box<dyn A4Printer>> {
        if self.printer.is_none() {
            match (self.opener)() {
                Ok(p) => {
                    tracing::info!(printer = %self.name, "A4 printer found");
                    self.printer = Some(p);
                }
                Err(e) => {
                    let e = e.to_string();
                    if self.last_error.as_ref() != Some(&e) {
                        tracing::warn!(printer = %self.name, error = %e, "A4 printer not usable yet");
                        self.last_error = Some(e);
                    }
                }
            }
        }
        self.printer.as_mut()
    }
}

impl A4Printer for PendingA4Printer {
    fn status(&mut self) -> Result<PrinterStatus, PrintError> {
        match self.printer() {
            Some(p) => p.status(),
            None => Ok(PrinterStatus::new(PrinterState::Disconnected, vec!["offline-report".into()], "")),
        }
    }

    fn print(&mut self, job: &PrintJob, progress: &mut dyn FnMut(JobProgress)) -> Result<u32, PrintError> {
        match self.printer() {
            Some(p) => p.print(job, progress),
            None => Err(PrintError::Disconnected { pages_done: job.skipped() }),
        }
    }
}

/// Like [`open`], but a printer that is merely absent now does not stop the kiosk: it
/// gets a printer that keeps looking for it, and the reason it is absent. Only a
/// configuration that can never work (an address it cannot parse) is an error.
pub fn open_or_wait(uri: &str, opts: &OpenOptions) -> Result<(Box<dyn A4Printer>, Option<OpenError>), OpenError> {
    match open(uri, opts) {
        Ok(p) => Ok((p, None)),
        Err(e @ OpenError::Uri(_)) => Err(e),
        Err(e) => {
            let (uri, opts) = (uri.to_string(), opts.clone());
            let opener: Opener = Box::new(move || open(&uri, &opts));
            Ok((Box::new(PendingA4Printer::new(uri_name(&e), opener)), Some(e)))
        }
    }
}

fn uri_name(e: &OpenError) -> String {
    match e {
        OpenError::NotFound(n) | OpenError::IppUsbNotServing(n, _) | OpenError::Usb(n, _) => n.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;
    use crate::sim::SimA4Printer;

    #[test]
    fn an_absent_printer_is_disconnected_until_it_is_found() {
        let present = Arc::new(Mutex::new(false));
        let tries = Arc::new(Mutex::new(0));
        let (p, t) = (present.clone(), tries.clone());
        let mut printer = PendingA4Printer::new(
            "usb://03f0:5c17",
            Box::new(move || {
                *t.lock().expect("tries") += 1;
                if *p.lock().expect("present") {
                    Ok(Box::new(SimA4Printer::new(None, Duration::ZERO)) as Box<dyn A4Printer>)
                } else {
                    Err(OpenError::NotFound("usb://03f0:5c17".into()))
                }
            }),
        );
        assert_eq!(printer.status().expect("status").state, PrinterState::Disconnected);
        let job = PrintJob::new("KK", b"%PDF-1.7\n%%EOF\n".to_vec(), 3).from_page(2);
        assert_eq!(printer.print(&job, &mut |_| {}), Err(PrintError::Disconnected { pages_done: 1 }));
        *present.lock().expect("present") = true;
        assert_eq!(printer.status().expect("status").state, PrinterState::Idle);
        assert_eq!(printer.print(&job, &mut |_| {}), Ok(3));
        assert_eq!(*tries.lock().expect("tries"), 3, "opened once found, not again");
    }

    #[test]
    fn only_an_impossible_address_stops_the_start() {
        assert!(matches!(open_or_wait("lpd://x/y", &OpenOptions::default()), Err(OpenError::Uri(_))));
        let (mut printer, why) = open_or_wait("usb://ffff:fffe", &OpenOptions::default()).expect("waits for it");
        assert!(matches!(why, Some(OpenError::NotFound(_))));
        assert_eq!(printer.status().expect("status").state, PrinterState::Disconnected);
    }
}
