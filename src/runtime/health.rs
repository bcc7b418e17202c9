//! The printers' health while nobody is using the kiosk: it decides whether the attract
//! screen lets a citizen start.

use super::Runtime;
use crate::devices::lock;
use crate::session::{Availability, Event, Millis, State};

/// How often the printers are checked while nobody is using the kiosk.
const HEALTH_EVERY_MS: Millis = 5_000;

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
        self.tokio.spawn_blocking(move || {
            #[cfg(feature = "demo")]
            if let Some(sim) = &sim_a4 {
                super::sim_fault::apply_from_env(sim);
            }
            let status = lock(&a4).status();
            crate::telemetry::report_a4(&metrics, status.as_ref().ok());
            let ready = status.map(|s| s.can_print()).unwrap_or(false);
            let availability = if ready { Availability::Ready } else { Availability::PrinterUnavailable };
            let _ = tx.send(Event::Availability(availability));
            crate::telemetry::report_receipt(&metrics, lock(&receipt).status().ok());
        });
    }
}
