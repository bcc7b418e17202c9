//! Server time in whole seconds since the Unix epoch, for everything that expires on the
//! server's own schedule (PIN cool-downs, the per-NIK wrong-PIN window). A manual clock
//! lets tests watch a 24-hour cool-down grow and expire without waiting for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The system clock unless built with [`Clock::manual`]. Clones share the same time.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that stands still at `start` until [`Clock::advance`]d.
    pub fn manual(start: i64) -> Clock {
        Clock { manual: Some(Arc::new(AtomicI64::new(start))) }
    }

    pub fn now_secs(&self) -> i64 {
        match &self.manual {
            Some(t) => t.load(Ordering::SeqCst),
            None => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64),
        }
    }

    /// Moves a manual clock forward; the system clock cannot be moved (no-op).
    pub fn advance(&self, secs: i64) {
        if let Some(t) = &self.manual {
            t.fetch_add(secs, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_is_shared_by_clones_and_system_clock_runs() {
        let c = Clock::manual(1_000);
        let d = c.clone();
        c.advance(900);
        assert_eq!(d.now_secs(), 1_900);
        let s = Clock::system();
        s.advance(1_000_000);
        assert!((s.now_secs() - Clock::system().now_secs()).abs() < 5);
    }
}
