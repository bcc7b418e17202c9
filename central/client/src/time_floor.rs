//! The clock the kiosk's TLS client judges the server's certificate by: the system clock,
//! but never earlier than a floor the kiosk keeps (its firmware's build time, raised by
//! signed evidence as it runs). A clock set back — a dead RTC battery, or on purpose —
//! would otherwise make an expired, possibly compromised, server certificate acceptable
//! again. A clock ahead only makes more certificates look expired: that fails closed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::pki_types::UnixTime;
use rustls::time_provider::TimeProvider;

/// Seconds since the Unix epoch, shared with whoever raises the floor while it runs.
#[derive(Debug, Clone)]
pub struct FloorTime(pub Arc<AtomicU64>);

impl FloorTime {
    /// The clock as certificates are judged: `clock`, or the floor when it is later.
    pub fn at(&self, clock: SystemTime) -> SystemTime {
        clock.max(UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::Relaxed)))
    }
}

impl TimeProvider for FloorTime {
    fn current_time(&self) -> Option<UnixTime> {
        let now = self.at(SystemTime::now());
        Some(UnixTime::since_unix_epoch(now.duration_since(UNIX_EPOCH).ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_behind_the_floor_reads_as_the_floor_and_a_later_one_as_itself() {
        let floor = UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let t = FloorTime(Arc::new(AtomicU64::new(2_000_000_000)));
        assert_eq!(t.at(UNIX_EPOCH + Duration::from_secs(1_000_000_000)), floor);
        let later = floor + Duration::from_secs(60);
        assert_eq!(t.at(later), later);
        // Raised while running: seen at once.
        t.0.store(2_000_000_100, Ordering::Relaxed);
        assert_eq!(t.at(later), UNIX_EPOCH + Duration::from_secs(2_000_000_100));
    }
}
