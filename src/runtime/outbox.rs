//! Delivery of the outbox (print reports and audit events) to the central server: every
//! 30 s, also after an outage, and the backlog exported as metrics.

use super::Runtime;
use crate::session::Millis;

/// How often queued print reports and audit events are sent when the network was down.
const DELIVER_EVERY_MS: Millis = 30_000;

impl Runtime {
    pub(super) fn deliver_outbox(&mut self) {
        let now = self.clock.now();
        if self.last_delivery.is_some_and(|t| now < t + DELIVER_EVERY_MS) {
            return;
        }
        self.last_delivery = Some(now);
        let central = self.devices.central.clone();
        let metrics = self.metrics.clone();
        self.tokio.spawn(async move {
            let (waiting, oldest) = central.deliver_pending().await;
            metrics.set_outbox(waiting, oldest);
        });
    }
}
