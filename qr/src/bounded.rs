//! A deadline for any [`QrDecoder`]: the decode runs on one reusable worker thread and the
//! caller waits at most `deadline` for it.
//!
//! Why a thread and not a check inside the decoder: neither rqrr nor zxing-cpp can be
//! interrupted, and rqrr has spent 53 s on one real photo (a close-up of a monitor). A thread
//! cannot be killed either, so a decode that overruns **keeps running** in the background
//! until it finishes on its own; its result is thrown away. While it runs, further calls
//! return "nothing found" at once instead of queueing behind it — the camera loop simply
//! comes back with a newer frame. So hostile input can never pile threads or frames up:
//! at most one decode is in flight per worker.
//!
//! A decode that never ends (a real infinite loop) would block the worker forever. After
//! `abandon_after` the worker is given up and a fresh one started; at most
//! [`MAX_WORKERS`] workers (stuck ones included) ever exist per wrapper, after which the
//! wrapper reports nothing until one of them finishes.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adm_camera::GreyFrame;

use crate::decoder::{Decoded, QrDecoder, Seen};

/// Upper bound on worker threads per wrapper, stuck ones included.
pub const MAX_WORKERS: usize = 3;

/// Defaults for the kiosk: a camera frame every ~100 ms; a decode that takes longer than
/// this is not going to help the citizen in front of the camera.
pub const DEFAULT_DEADLINE: Duration = Duration::from_millis(400);
pub const DEFAULT_ABANDON_AFTER: Duration = Duration::from_secs(10);

struct Job {
    frame: GreyFrame,
    reply: SyncSender<Seen>,
}

struct Worker {
    jobs: SyncSender<Job>,
    /// True from submission until the worker has finished the job (even a late one).
    busy: Arc<AtomicBool>,
    busy_since: Instant,
}

/// What happened to the decodes so far (for logs and the maintenance screen).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BoundedStats {
    pub completed: u64,
    /// Waited the full deadline and gave up.
    pub timed_out: u64,
    /// Refused at once because an earlier, overrun decode was still running.
    pub skipped_busy: u64,
    /// Workers given up as stuck.
    pub abandoned: u64,
}

pub struct Bounded {
    inner: Arc<dyn QrDecoder + Sync>,
    deadline: Duration,
    abandon_after: Duration,
    worker: Mutex<Option<Worker>>,
    live_workers: Arc<AtomicUsize>,
    completed: AtomicU64,
    timed_out: AtomicU64,
    skipped_busy: AtomicU64,
    abandoned: AtomicU64,
}

impl Bounded {
    pub fn new(inner: impl QrDecoder + Sync + 'static, deadline: Duration) -> Bounded {
        Bounded::with_abandon(Arc::new(inner), deadline, DEFAULT_ABANDON_AFTER.max(deadline))
    }

    pub fn with_abandon(inner: Arc<dyn QrDecoder + Sync>, deadline: Duration, abandon_after: Duration) -> Bounded {
        Bounded {
            inner,
            deadline,
            abandon_after,
            worker: Mutex::new(None),
            live_workers: Arc::new(AtomicUsize::new(0)),
            completed: AtomicU64::new(0),
            timed_out: AtomicU64::new(0),
            skipped_busy: AtomicU64::new(0),
            abandoned: AtomicU64::new(0),
        }
    }

    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    pub fn stats(&self) -> BoundedStats {
        BoundedStats {
            completed: self.completed.load(Ordering::Relaxed),
            timed_out: self.timed_out.load(Ordering::Relaxed),
            skipped_busy: self.skipped_busy.load(Ordering::Relaxed),
            abandoned: self.abandoned.load(Ordering::Relaxed),
        }
    }

    /// Decodes within the deadline; `None` if the decoder did not answer in time (or
    /// could not be started), `Some(codes)` otherwise.
    pub fn try_decode(&self, frame: &GreyFrame) -> Option<Vec<Decoded>> {
        self.try_look(frame).map(|seen| seen.codes)
    }

    /// [`Self::try_decode`] with what was detected but not read.
    pub fn try_look(&self, frame: &GreyFrame) -> Option<Seen> {
        let mut slot = self.worker.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = slot.as_ref()
            && w.busy.load(Ordering::Acquire)
        {
            if w.busy_since.elapsed() < self.abandon_after {
                self.skipped_busy.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            // Stuck: drop our end of its queue (it exits once its decode returns, if ever)
            // and start afresh below.
            tracing::warn!(decoder = self.inner.name(), "QR decoder stuck; worker abandoned");
            self.abandoned.fetch_add(1, Ordering::Relaxed);
            *slot = None;
        }
        if slot.is_none() {
            *slot = self.spawn();
        }
        let w = slot.as_mut()?;
        let (reply, answer) = mpsc::sync_channel(1);
        w.busy.store(true, Ordering::Release);
        w.busy_since = Instant::now();
        if w.jobs.send(Job { frame: frame.clone(), reply }).is_err() {
            // The worker is gone (it cannot panic past catch_unwind, but be safe).
            *slot = None;
            return None;
        }
        self.wait(answer)
    }

    fn wait(&self, answer: Receiver<Seen>) -> Option<Seen> {
        match answer.recv_timeout(self.deadline) {
            Ok(codes) => {
                self.completed.fetch_add(1, Ordering::Relaxed);
                Some(codes)
            }
            Err(RecvTimeoutError::Timeout) => {
                self.timed_out.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(decoder = self.inner.name(), ms = self.deadline.as_millis(), "QR decode over deadline");
                None
            }
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    fn spawn(&self) -> Option<Worker> {
        if self.live_workers.load(Ordering::Acquire) >= MAX_WORKERS {
            return None;
        }
        let (jobs, queue) = mpsc::sync_channel::<Job>(1);
        let busy = Arc::new(AtomicBool::new(false));
        let (inner, flag, live) = (self.inner.clone(), busy.clone(), self.live_workers.clone());
        live.fetch_add(1, Ordering::AcqRel);
        let spawned = std::thread::Builder::new().name(format!("qr-{}", self.inner.name())).spawn(move || {
            for job in queue {
                let codes = std::panic::catch_unwind(AssertUnwindSafe(|| inner.look(&job.frame))).unwrap_or_default();
                flag.store(false, Ordering::Release);
                // The caller may have given up already; that is fine.
                let _ = job.reply.send(codes);
            }
            live.fetch_sub(1, Ordering::AcqRel);
        });
        match spawned {
            Ok(_) => Some(Worker { jobs, busy, busy_since: Instant::now() }),
            Err(e) => {
                self.live_workers.fetch_sub(1, Ordering::AcqRel);
                tracing::warn!(error = %e, "cannot start QR decoder thread");
                None
            }
        }
    }
}

impl QrDecoder for Bounded {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn decode(&self, frame: &GreyFrame) -> Vec<Decoded> {
        self.try_decode(frame).unwrap_or_default()
    }

    fn look(&self, frame: &GreyFrame) -> Seen {
        self.try_look(frame).unwrap_or_default()
    }

    fn forget(&self) {
        self.inner.forget();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sleeps as long as the frame's first byte says (in ms), or forever at 255.
    struct Slow;

    impl QrDecoder for Slow {
        fn name(&self) -> &'static str {
            "slow"
        }
        fn decode(&self, frame: &GreyFrame) -> Vec<Decoded> {
            match frame.data.first() {
                Some(255) => loop {
                    std::thread::park();
                },
                Some(&ms) => std::thread::sleep(Duration::from_millis(ms as u64)),
                None => panic!("hostile"),
            }
            vec![Decoded { text: "ok".into(), corners: [(0, 0); 4] }]
        }
    }

    fn frame(b: u8) -> GreyFrame {
        GreyFrame { width: 1, height: 1, data: vec![b] }
    }

    #[test]
    fn answers_within_the_deadline_and_skips_while_an_overrun_runs() {
        let d = Bounded::new(Slow, Duration::from_millis(50));
        assert_eq!(d.decode(&frame(0)).len(), 1);
        assert_eq!(d.try_decode(&frame(200)), None, "over the deadline");
        assert_eq!(d.try_decode(&frame(0)), None, "previous decode still running");
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(d.decode(&frame(0)).len(), 1, "worker reused once free");
        let s = d.stats();
        assert_eq!((s.completed, s.timed_out, s.skipped_busy, s.abandoned), (2, 1, 1, 0));
        assert_eq!(d.live_workers.load(Ordering::Acquire), 1);
    }

    #[test]
    fn a_panicking_decoder_reports_nothing() {
        // A generous deadline: this is about the panic, and printing a panic's backtrace
        // on a loaded machine can take longer than a short one.
        let d = Bounded::new(Slow, Duration::from_secs(10));
        let empty = GreyFrame { width: 0, height: 0, data: vec![] };
        assert_eq!(d.try_decode(&empty), Some(vec![]));
        assert_eq!(d.decode(&frame(0)).len(), 1, "worker survives the panic");
    }

    #[test]
    fn stuck_workers_are_abandoned_but_never_more_than_the_cap() {
        let d = Bounded::with_abandon(Arc::new(Slow), Duration::from_millis(10), Duration::from_millis(20));
        for _ in 0..20 {
            assert_eq!(d.try_decode(&frame(255)), None);
            std::thread::sleep(Duration::from_millis(25));
        }
        assert_eq!(d.live_workers.load(Ordering::Acquire), MAX_WORKERS);
        assert_eq!(d.stats().abandoned, MAX_WORKERS as u64);
    }
}
