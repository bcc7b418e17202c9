//! A simulated A4 printer: the demo's and the tests' stand-in for the USB printer.
//!
//! Its paper tray is a folder (or nothing): each job is written there as the PDF that
//! would have been printed. Demo citizens are fictional, so this is the one place a
//! document touches a disk, and only when a folder is configured.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::{A4Printer, Attention, JobProgress, Marker, PrintError, PrintJob, PrinterState, PrinterStatus};

/// The simulated printer's toner level (it never runs low).
const SIM_TONER_PERCENT: u8 = 80;

/// A fault to inject into the simulated printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimFault {
    /// The printer runs out of paper after this many more pages.
    PaperOutAfter(u32),
    /// The printer jams after this many more pages.
    JamAfter(u32),
    /// Out of paper right now (a standing fault, as a printer reports between jobs).
    PaperOut,
    /// Jammed right now.
    Jam,
    CoverOpen,
    Unplugged,
}

#[derive(Debug, Default)]
struct SimState {
    fault: Option<SimFault>,
    /// A fault that has happened and holds until a technician clears it.
    standing: Option<PrinterState>,
    jobs: u32,
    pages: u32,
}

/// Handle to steer the simulated printer from a test or the demo script.
#[derive(Debug, Clone, Default)]
pub struct SimControl(Arc<Mutex<SimState>>);

impl SimControl {
    fn lock(&self) -> MutexGuard<'_, SimState> {
        // A panic while holding this lock can only come from a test; keep going.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn inject(&self, fault: SimFault) {
        let mut s = self.lock();
        match fault {
            SimFault::PaperOut => s.standing = Some(PrinterState::NeedsAttention(Attention::MediaEmpty)),
            SimFault::Jam => s.standing = Some(PrinterState::NeedsAttention(Attention::MediaJam)),
            SimFault::CoverOpen => s.standing = Some(PrinterState::NeedsAttention(Attention::CoverOpen)),
            SimFault::Unplugged => s.standing = Some(PrinterState::Disconnected),
            _ => s.fault = Some(fault),
        }
    }
    /// What a technician does: reload paper, clear the jam, close the cover, replug.
    pub fn clear(&self) {
        let mut s = self.lock();
        s.fault = None;
        s.standing = None;
    }
    pub fn pages_printed(&self) -> u32 {
        self.lock().pages
    }
    pub fn jobs_printed(&self) -> u32 {
        self.lock().jobs
    }
}

pub struct SimA4Printer {
    tray: Option<PathBuf>,
    control: SimControl,
    page_time: Duration,
}

impl SimA4Printer {
    /// `tray`: folder that receives each printed PDF (demo), or `None` (tests).
    /// `page_time`: how long one page takes, to make progress visible in the demo.
    pub fn new(tray: Option<PathBuf>, page_time: Duration) -> Self {
        SimA4Printer { tray, control: SimControl::default(), page_time }
    }
    pub fn control(&self) -> SimControl {
        self.control.clone()
    }
}

impl A4Printer for SimA4Printer {
    fn status(&mut self) -> Result<PrinterStatus, PrintError> {
        let s = self.control.lock();
        let state = s.standing.clone().unwrap_or(PrinterState::Idle);
        let reasons = match &state {
            PrinterState::NeedsAttention(Attention::MediaEmpty) => vec!["media-empty-error".into()],
            PrinterState::NeedsAttention(Attention::MediaJam) => vec!["media-jam-error".into()],
            PrinterState::NeedsAttention(Attention::CoverOpen) => vec!["cover-open-error".into()],
            PrinterState::NeedsAttention(_) => vec!["other-error".into()],
            PrinterState::Disconnected => vec!["offline-report".into()],
            _ => vec!["none".into()],
        };
        let reachable = state != PrinterState::Disconnected;
        let mut status = PrinterStatus::new(state, reasons, "Simulated A4 printer");
        if reachable {
            // A toner level, as IPP printers report it (`marker-levels`): the demo's
            // dashboard and the toner alerts get a series, like with a real printer.
            status.markers = vec![Marker {
                name: "Black Toner (simulated)".into(),
                kind: "toner".into(),
                color: "#000000".into(),
                level_percent: Some(SIM_TONER_PERCENT),
                low_percent: Some(10),
            }];
        }
        Ok(status)
    }

    fn print(&mut self, job: &PrintJob, progress: &mut dyn FnMut(JobProgress)) -> Result<u32, PrintError> {
        let earlier = job.skipped();
        match self.control.lock().standing.clone() {
            Some(PrinterState::Disconnected) => return Err(PrintError::Disconnected { pages_done: earlier }),
            Some(PrinterState::NeedsAttention(attention)) => {
                return Err(PrintError::NeedsAttention { attention, pages_done: earlier });
            }
            _ => {}
        }
        progress(JobProgress::Sending);
        // A retry starts after the pages that already came out.
        let mut done = job.skipped();
        while done < job.pages {
            std::thread::sleep(self.page_time);
            let mut s = self.control.lock();
            let attention = match s.fault {
                Some(SimFault::PaperOutAfter(0)) => Some(Attention::MediaEmpty),
                Some(SimFault::JamAfter(0)) => Some(Attention::MediaJam),
                _ => None,
            };
            if let Some(attention) = attention {
                s.fault = None;
                s.standing = Some(PrinterState::NeedsAttention(attention));
                return Err(PrintError::NeedsAttention { attention, pages_done: done });
            }
            s.fault = match s.fault {
                Some(SimFault::PaperOutAfter(n)) => Some(SimFault::PaperOutAfter(n - 1)),
                Some(SimFault::JamAfter(n)) => Some(SimFault::JamAfter(n - 1)),
                other => other,
            };
            s.pages += 1;
            drop(s);
            done += 1;
            progress(JobProgress::Printed { done, total: job.pages });
        }
        let number = {
            let mut s = self.control.lock();
            s.jobs += 1;
            s.jobs
        };
        if let Some(tray) = &self.tray {
            let name: String = job.job_name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
            let from = if job.skipped() > 0 { format!("-from-page-{}", job.skipped() + 1) } else { String::new() };
            let path = tray.join(format!("a4-{number:03}-{name}{from}.pdf"));
            std::fs::write(&path, &job.pdf[..]).map_err(|e| PrintError::Io(e.to_string()))?;
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(pages: u32) -> PrintJob {
        PrintJob::new("KK 1", b"%PDF-1.7\n".to_vec(), pages)
    }

    #[test]
    fn prints_every_page_and_reports_progress() {
        let mut p = SimA4Printer::new(None, Duration::ZERO);
        let mut seen = vec![];
        let pages = p.print(&job(3), &mut |e| seen.push(e)).expect("prints");
        assert_eq!(pages, 3);
        assert_eq!(seen.len(), 4);
        assert_eq!(seen[3], JobProgress::Printed { done: 3, total: 3 });
    }

    #[test]
    fn paper_out_mid_job_reports_pages_done_and_stays_out() {
        let mut p = SimA4Printer::new(None, Duration::ZERO);
        p.control().inject(SimFault::PaperOutAfter(1));
        let err = p.print(&job(3), &mut |_| {}).expect_err("runs out");
        assert_eq!(err, PrintError::NeedsAttention { attention: Attention::MediaEmpty, pages_done: 1 });
        assert!(!p.status().expect("status").can_print());
        p.control().clear();
        assert!(p.status().expect("status").can_print());
    }

    #[test]
    fn a_retry_prints_only_the_pages_that_did_not_come_out() {
        let mut p = SimA4Printer::new(None, Duration::ZERO);
        p.control().inject(SimFault::PaperOutAfter(1));
        let err = p.print(&job(3), &mut |_| {}).expect_err("runs out");
        assert_eq!(err.pages_done(), 1);
        p.control().clear();
        let mut seen = vec![];
        assert_eq!(p.print(&job(3).from_page(2), &mut |e| seen.push(e)), Ok(3));
        assert_eq!(
            seen,
            vec![
                JobProgress::Sending,
                JobProgress::Printed { done: 2, total: 3 },
                JobProgress::Printed { done: 3, total: 3 }
            ]
        );
        assert_eq!(p.control().pages_printed(), 3, "three sheets in all, none twice");
    }

    #[test]
    fn writes_the_pdf_to_the_tray_folder() {
        let dir = std::env::temp_dir().join(format!("adm-a4-sim-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let mut p = SimA4Printer::new(Some(dir.clone()), Duration::ZERO);
        p.print(&job(1), &mut |_| {}).expect("prints");
        assert!(dir.join("a4-001-KK-1.pdf").exists());
        std::fs::remove_dir_all(dir).ok();
    }
}
