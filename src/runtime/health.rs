//! The printers' health and the room left for the kiosk's records while nobody is using
//! the kiosk: they decide whether the attract screen lets a citizen start.

use std::path::Path;

use super::Runtime;
use crate::clock_floor::ClockWrong;
use crate::devices::lock;
use crate::session::{Availability, Event, Millis, State};

/// How often the printers are checked while nobody is using the kiosk.
const HEALTH_EVERY_MS: Millis = 5_000;

/// Free space below which no session starts on the filesystem of the kiosk's state (the
/// outbox of print reports and audit events). A print that cannot be recorded must not
/// happen: the central server would never learn of it, and the citizen's entitlement
/// count would be wrong. A session writes a few kilobytes, but SQLite's write-ahead log
/// grows by whole pages before a checkpoint and journald shares the partition, so the
/// margin is generous. The fleet alert `KioskDiskFull` uses the same number.
pub const MIN_FREE_BYTES: u64 = 32 * 1024 * 1024;

/// Whether the filesystem holding `dir` has too little room left for the kiosk's
/// records. Unreadable counts as room: statvfs failing says nothing about space, and
/// the outbox's own writes report a real failure.
pub fn too_full(dir: &Path) -> Option<u64> {
    match crate::telemetry::vitals::free_space(dir) {
        Ok((free, _total)) if free < MIN_FREE_BYTES => Some(free),
        Ok(_) => None,
        Err(why) => {
            tracing::warn!(%why, "free space of the kiosk's state not readable");
            None
        }
    }
}

/// What the attract screen offers, from the printers, the room for records and whether
/// the clock can be believed (`clock_floor`: a wrong clock would judge certificates and
/// date receipts and reports wrongly).
pub fn availability(printer_ready: bool, disk_full: bool, clock_wrong: bool) -> Availability {
    match (disk_full || clock_wrong, printer_ready) {
        (true, _) => Availability::OutOfService,
        (false, true) => Availability::Ready,
        (false, false) => Availability::PrinterUnavailable,
    }
}

impl Runtime {
    pub(super) fn check_health(&mut self) {
        let now = self.clock.now();
        // In a session the printer is busy with the citizen's job, except when it stopped:
        // then its status tells the citizen when "try again" can work.
        let busy = self.machine.state().in_session() && !matches!(self.machine.state(), State::PrintStopped { .. });
        if busy || self.last_health.is_some_and(|t| now < t + HEALTH_EVERY_MS) {
            return;
        }
        self.last_health = Some(now);
        if self.out_of_service {
            self.dispatch(Event::Availability(Availability::OutOfService));
            return;
        }
        let (a4, receipt) = (self.devices.a4.clone(), self.devices.receipt.clone());
        #[cfg(feature = "demo")]
        let sim_a4 = self.devices.sim_a4.clone();
        let tx = self.tx.clone();
        let metrics = self.metrics.clone();
        let state_dir = self.state_dir.clone();
        let was_full = self.disk_full.clone();
        let clock = self.devices.clock_floor.clone();
        let was_wrong = self.clock_wrong.clone();
        self.tokio.spawn_blocking(move || {
            let wrong = clock.judge(std::time::SystemTime::now());
            metrics.set_clock_wrong(wrong.map(ClockWrong::label));
            if wrong.is_some() != was_wrong.swap(wrong.is_some(), std::sync::atomic::Ordering::Relaxed) {
                match wrong {
                    Some(w) => tracing::error!(clock = w.label(), floor = ?clock.floor(), "the kiosk's clock is wrong: out of service"),
                    None => tracing::info!("the kiosk's clock is right again: back in service"),
                }
            }
            let full = state_dir.as_deref().and_then(too_full);
            if let Some(free) = full {
                metrics.set_disk_free(free);
            }
            if full.is_some() != was_full.swap(full.is_some(), std::sync::atomic::Ordering::Relaxed) {
                match full {
                    Some(free) => tracing::error!(free, "the kiosk's state filesystem is full: out of service"),
                    None => tracing::info!("room on the kiosk's state filesystem again: back in service"),
                }
            }
            #[cfg(feature = "demo")]
            if let Some(sim) = &sim_a4 {
                super::sim_fault::apply_from_env(sim);
            }
            let status = lock(&a4).status();
            crate::telemetry::report_a4(&metrics, status.as_ref().ok());
            let ready = status.map(|s| s.can_print()).unwrap_or(false);
            let availability = availability(ready, full.is_some(), wrong.is_some());
            let _ = tx.send(Event::Availability(availability));
            crate::telemetry::report_receipt(&metrics, lock(&receipt).status().ok());
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_or_a_wrong_clock_takes_the_kiosk_out_of_service_whatever_the_printers_say() {
        assert_eq!(availability(true, false, false), Availability::Ready);
        assert_eq!(availability(false, false, false), Availability::PrinterUnavailable);
        assert_eq!(availability(true, true, false), Availability::OutOfService);
        assert_eq!(availability(false, true, false), Availability::OutOfService);
        assert_eq!(availability(true, false, true), Availability::OutOfService);
        assert_eq!(availability(false, false, true), Availability::OutOfService);
    }

    #[test]
    fn an_ordinary_folder_has_room() {
        let dir = tempfile::tempdir().expect("tempdir");
        // This machine's temporary folder has more than 32 MiB free; a folder that does
        // not exist yet is judged by its nearest existing ancestor.
        assert_eq!(too_full(dir.path()), None);
        assert_eq!(too_full(&dir.path().join("not/yet")), None);
    }
}
