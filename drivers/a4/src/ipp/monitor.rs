//! Deciding, poll by poll, whether an IPP job is done, still going, or must be given up.
//!
//! Pure logic (time is passed in), so every branch is unit-tested without a printer and
//! without sleeping.

use std::time::{Duration, Instant};

use crate::reasons::{attention_among, attention_of};
use crate::{Attention, PrintError};

/// IPP `job-state` (RFC 8011 §5.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Pending,
    Held,
    Processing,
    Stopped,
    Canceled,
    Aborted,
    Completed,
}

impl JobState {
    pub fn from_ipp(v: i32) -> Option<JobState> {
        Some(match v {
            3 => JobState::Pending,
            4 => JobState::Held,
            5 => JobState::Processing,
            6 => JobState::Stopped,
            7 => JobState::Canceled,
            8 => JobState::Aborted,
            9 => JobState::Completed,
            _ => return None,
        })
    }
    pub fn is_final(self) -> bool {
        matches!(self, JobState::Canceled | JobState::Aborted | JobState::Completed)
    }
}

/// What one Get-Job-Attributes poll found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobPoll {
    Seen {
        state: JobState,
        reasons: Vec<String>,
        impressions: Option<u32>,
    },
    /// The printer answered but no longer knows the job (it restarted).
    Gone,
    Unreachable,
}

/// The driver's own deadlines: a printer may wait forever (ippeveprinter holds a job
/// in `processing` for as long as `media-empty` stands), a citizen cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// A blocking fault (paper out, jam, cover open) that lasts this long without a page
    /// coming out ends the job: it is cancelled and reported as `NeedsAttention`.
    pub attention_grace: Duration,
    /// No page for this long, and no fault reported: cancelled, `Stalled`.
    pub stall_timeout: Duration,
    /// The printer does not answer for this long: `Disconnected`.
    pub disconnect_grace: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Wait,
    /// Final answer; the job needs nothing more.
    Finish(Result<u32, PrintError>),
    /// Give up: cancel the job at the printer, then report this.
    Cancel(PrintError),
}

#[derive(Debug)]
pub struct JobMonitor {
    total: u32,
    deadlines: Deadlines,
    pages_done: u32,
    last_progress: Instant,
    last_contact: Instant,
    attention_since: Option<Instant>,
}

impl JobMonitor {
    pub fn new(total: u32, deadlines: Deadlines, now: Instant) -> Self {
        JobMonitor { total, deadlines, pages_done: 0, last_progress: now, last_contact: now, attention_since: None }
    }

    pub fn pages_done(&self) -> u32 {
        self.pages_done
    }

    /// Latest count, e.g. read once more after a cancel (a page in the paper path still
    /// comes out). Never goes down.
    pub fn note_pages(&mut self, impressions: u32) {
        self.pages_done = self.pages_done.max(impressions.min(self.total));
    }

    /// `printer_reasons`: `printer-state-reasons` from the same poll (`None` when that
    /// request failed).
    pub fn observe(&mut self, now: Instant, job: JobPoll, printer_reasons: Option<&[String]>) -> Step {
        let (state, job_reasons, impressions) = match job {
            JobPoll::Seen { state, reasons, impressions } => (state, reasons, impressions),
            JobPoll::Gone => return Step::Finish(Err(PrintError::Disconnected { pages_done: self.pages_done })),
            JobPoll::Unreachable => {
                if printer_reasons.is_some() {
                    self.last_contact = now;
                }
                if now.duration_since(self.last_contact) >= self.deadlines.disconnect_grace {
                    return Step::Finish(Err(PrintError::Disconnected { pages_done: self.pages_done }));
                }
                return self.check_stall(now, None);
            }
        };
        self.last_contact = now;
        let before = self.pages_done;
        if let Some(n) = impressions {
            self.note_pages(n);
        }
        if self.pages_done > before {
            self.last_progress = now;
            self.attention_since = None;
        }
        let printer_reasons = printer_reasons.unwrap_or(&[]);
        // Job reasons only count for hard faults: "document-format-error" is not a person's job.
        let attention = attention_among(printer_reasons).or_else(|| job_reasons.iter().find_map(|r| attention_of(r)));

        match state {
            JobState::Completed => {
                if impressions.is_some_and(|n| n < self.total) {
                    // CUPS queues and some printers count sheets sent, not sheets out, or
                    // nothing at all; "completed" is the printer's own final word.
                    tracing::warn!(reported = ?impressions, total = self.total, "job completed with a short page count");
                }
                self.pages_done = self.total;
                Step::Finish(Ok(self.total))
            }
            JobState::Canceled | JobState::Aborted => {
                let unprintable = job_reasons.iter().any(|r| {
                    matches!(
                        r.as_str(),
                        "document-format-error" | "document-unprintable-error" | "unsupported-document-format"
                    )
                });
                if unprintable && self.pages_done == 0 && attention.is_none() {
                    return Step::Finish(Err(PrintError::Rejected(format!(
                        "printer could not print the document ({})",
                        job_reasons.join(", ")
                    ))));
                }
                Step::Finish(Err(PrintError::NeedsAttention {
                    attention: attention.unwrap_or(Attention::Other),
                    pages_done: self.pages_done,
                }))
            }
            JobState::Stopped => self.check_attention(now, Some(attention.unwrap_or(Attention::Other))),
            JobState::Pending | JobState::Held | JobState::Processing => self.check_attention(now, attention),
        }
    }

    fn check_attention(&mut self, now: Instant, attention: Option<Attention>) -> Step {
        match attention {
            Some(a) => {
                let since = *self.attention_since.get_or_insert(now);
                if now.duration_since(since) >= self.deadlines.attention_grace {
                    return Step::Cancel(PrintError::NeedsAttention { attention: a, pages_done: self.pages_done });
                }
            }
            None => self.attention_since = None,
        }
        self.check_stall(now, attention)
    }

    fn check_stall(&self, now: Instant, attention: Option<Attention>) -> Step {
        if now.duration_since(self.last_progress) < self.deadlines.stall_timeout {
            return Step::Wait;
        }
        Step::Cancel(match attention {
            Some(attention) => PrintError::NeedsAttention { attention, pages_done: self.pages_done },
            None => PrintError::Stalled { pages_done: self.pages_done },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn monitor(total: u32, t0: Instant) -> JobMonitor {
        JobMonitor::new(
            total,
            Deadlines { attention_grace: 5 * S, stall_timeout: 30 * S, disconnect_grace: 10 * S },
            t0,
        )
    }
    fn seen(state: JobState, impressions: Option<u32>) -> JobPoll {
        JobPoll::Seen { state, reasons: vec![], impressions }
    }
    fn reasons(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn completes_and_counts_pages() {
        let t0 = Instant::now();
        let mut m = monitor(3, t0);
        assert_eq!(m.observe(t0 + S, seen(JobState::Processing, Some(1)), Some(&reasons(&["none"]))), Step::Wait);
        assert_eq!(m.pages_done(), 1);
        // a printer never reports more pages than the job has
        assert_eq!(m.observe(t0 + 2 * S, seen(JobState::Processing, Some(7)), None), Step::Wait);
        assert_eq!(m.pages_done(), 3);
        assert_eq!(m.observe(t0 + 3 * S, seen(JobState::Completed, None), None), Step::Finish(Ok(3)));
    }

    #[test]
    fn paper_out_waits_out_the_grace_then_cancels() {
        let t0 = Instant::now();
        let mut m = monitor(2, t0);
        let r = reasons(&["media-empty-warning"]);
        assert_eq!(m.observe(t0 + S, seen(JobState::Processing, Some(0)), Some(&r)), Step::Wait);
        assert_eq!(m.observe(t0 + 5 * S, seen(JobState::Processing, Some(0)), Some(&r)), Step::Wait);
        assert_eq!(
            m.observe(t0 + 6 * S, seen(JobState::Processing, Some(0)), Some(&r)),
            Step::Cancel(PrintError::NeedsAttention { attention: Attention::MediaEmpty, pages_done: 0 })
        );
    }

    #[test]
    fn a_page_coming_out_restarts_the_attention_grace() {
        let t0 = Instant::now();
        let mut m = monitor(3, t0);
        let r = reasons(&["media-low-report", "cover-open-warning"]);
        assert_eq!(m.observe(t0 + S, seen(JobState::Processing, Some(0)), Some(&r)), Step::Wait);
        assert_eq!(m.observe(t0 + 5 * S, seen(JobState::Processing, Some(1)), Some(&r)), Step::Wait);
        assert_eq!(m.observe(t0 + 9 * S, seen(JobState::Processing, Some(1)), Some(&r)), Step::Wait);
        assert_eq!(
            m.observe(t0 + 10 * S, seen(JobState::Processing, Some(1)), Some(&r)),
            Step::Cancel(PrintError::NeedsAttention { attention: Attention::CoverOpen, pages_done: 1 })
        );
    }

    #[test]
    fn aborted_by_a_jam_reports_pages_done() {
        let t0 = Instant::now();
        let mut m = monitor(3, t0);
        m.observe(t0 + S, seen(JobState::Processing, Some(1)), None);
        assert_eq!(
            m.observe(t0 + 2 * S, seen(JobState::Aborted, Some(1)), Some(&reasons(&["media-jam-report"]))),
            Step::Finish(Err(PrintError::NeedsAttention { attention: Attention::MediaJam, pages_done: 1 }))
        );
    }

    #[test]
    fn unprintable_document_is_rejected() {
        let t0 = Instant::now();
        let mut m = monitor(1, t0);
        let poll = JobPoll::Seen {
            state: JobState::Aborted,
            reasons: reasons(&["document-format-error"]),
            impressions: Some(0),
        };
        assert!(matches!(
            m.observe(t0 + S, poll, Some(&reasons(&["none"]))),
            Step::Finish(Err(PrintError::Rejected(_)))
        ));
    }

    #[test]
    fn silence_becomes_disconnected_after_the_grace() {
        let t0 = Instant::now();
        let mut m = monitor(2, t0);
        m.observe(t0 + S, seen(JobState::Processing, Some(1)), None);
        assert_eq!(m.observe(t0 + 5 * S, JobPoll::Unreachable, None), Step::Wait);
        assert_eq!(
            m.observe(t0 + 11 * S, JobPoll::Unreachable, None),
            Step::Finish(Err(PrintError::Disconnected { pages_done: 1 }))
        );
        let mut m = monitor(2, t0);
        assert_eq!(
            m.observe(t0 + S, JobPoll::Gone, Some(&[])),
            Step::Finish(Err(PrintError::Disconnected { pages_done: 0 }))
        );
    }

    #[test]
    fn no_progress_and_no_reason_is_a_stall() {
        let t0 = Instant::now();
        let mut m = monitor(2, t0);
        assert_eq!(m.observe(t0 + 29 * S, seen(JobState::Processing, None), Some(&reasons(&["none"]))), Step::Wait);
        assert_eq!(
            m.observe(t0 + 30 * S, seen(JobState::Pending, None), Some(&reasons(&["none"]))),
            Step::Cancel(PrintError::Stalled { pages_done: 0 })
        );
    }

    #[test]
    fn stopped_job_without_reason_needs_attention() {
        let t0 = Instant::now();
        let mut m = monitor(1, t0);
        assert_eq!(m.observe(t0, seen(JobState::Stopped, None), None), Step::Wait);
        assert_eq!(
            m.observe(t0 + 5 * S, seen(JobState::Stopped, None), None),
            Step::Cancel(PrintError::NeedsAttention { attention: Attention::Other, pages_done: 0 })
        );
    }
}
