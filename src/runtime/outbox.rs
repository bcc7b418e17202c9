//! Delivery of the outbox (print reports and audit events) to the central server: every
//! 30 s while the server takes them, with a jittered backoff while it does not, and the
//! backlog exported as metrics.
//!
//! Why the backoff: after an outage every kiosk of the province has records waiting. A
//! fixed period from start-up lines kiosks up whenever they started together (a regional
//! power cut), and their retries then reach the recovering server as one burst. After a
//! round that did not get through, the next waits a delay drawn by
//! [`adm_central_client::backoff`] from this kiosk's own seed (its id and a per-process
//! random key): exponential with full jitter, capped at 5 minutes, so a fleet comes back
//! spread over minutes (the fleet simulation is in that module's tests).

use std::sync::{Arc, Mutex};

use adm_central_client::backoff::{self, Backoff};

use super::Runtime;
use crate::session::Millis;

/// How often queued print reports and audit events are sent while the server takes them.
const DELIVER_EVERY_MS: Millis = 30_000;

/// After a round that did not get through: a first retry within 30 s (mean 15 s), the
/// window doubling up to 5 minutes. A report may wait minutes; the server must not get
/// the whole fleet's backlog in the same second.
const RETRY: Backoff =
    Backoff { base: std::time::Duration::from_secs(15), cap: std::time::Duration::from_secs(5 * 60) };

/// When the next delivery round is due.
pub(super) struct Delivery {
    /// Start of the last round.
    last: Option<Millis>,
    /// This kiosk's jitter seed.
    seed: u64,
    /// Written by the round's task when it ends.
    shared: Arc<Mutex<Rounds>>,
}

#[derive(Default)]
struct Rounds {
    in_flight: bool,
    /// Rounds in a row that left records waiting without sending any (0: the server takes them).
    failures: u32,
    /// Records waiting after the last round.
    waiting: Option<u64>,
}

impl Rounds {
    /// A round ended with `waiting` records left: it failed if records are left and none
    /// went out (the count did not shrink), e.g. the server is unreachable.
    fn ended(&mut self, waiting: u64) {
        let progress = self.waiting.is_some_and(|before| waiting < before);
        self.failures = if waiting == 0 || progress { 0 } else { self.failures.saturating_add(1) };
        self.waiting = Some(waiting);
        self.in_flight = false;
    }
}

impl Delivery {
    pub(super) fn new(kiosk_id: &str) -> Self {
        Delivery { last: None, seed: backoff::seed_for(kiosk_id.as_bytes()), shared: Arc::default() }
    }

    /// Time from the start of the last round to the next one.
    fn wait_ms(&self, failures: u32) -> Millis {
        if failures == 0 {
            DELIVER_EVERY_MS
        } else {
            Millis::try_from(RETRY.delay(self.seed, failures).as_millis()).unwrap_or(DELIVER_EVERY_MS)
        }
    }

    /// Whether a round starts now (and then it is marked in flight).
    fn start(&mut self, now: Millis) -> bool {
        let mut rounds = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        // One round at a time: a slow one (timeouts) must not be overtaken by the next.
        if rounds.in_flight || self.last.is_some_and(|t| now < t + self.wait_ms(rounds.failures)) {
            return false;
        }
        rounds.in_flight = true;
        self.last = Some(now);
        true
    }
}

impl Runtime {
    pub(super) fn deliver_outbox(&mut self) {
        if !self.delivery.start(self.clock.now()) {
            return;
        }
        let central = self.devices.central.clone();
        let metrics = self.metrics.clone();
        let shared = self.delivery.shared.clone();
        self.tokio.spawn(async move {
            let (waiting, oldest) = central.deliver_pending().await;
            metrics.set_outbox(waiting, oldest);
            shared.lock().unwrap_or_else(|p| p.into_inner()).ended(waiting);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(d: &Delivery, waiting: u64) {
        d.shared.lock().unwrap().ended(waiting);
    }

    #[test]
    fn every_30_s_while_delivered_jittered_backoff_while_not() {
        let mut d = Delivery::new("ADM-3201-07");
        assert!(d.start(0));
        assert!(!d.start(40_000), "not while the round is in flight");
        ended(&d, 0);
        assert!(!d.start(29_999) && d.start(30_000));
        // The server is gone: records stay.
        ended(&d, 3);
        let first = d.wait_ms(1);
        assert!(first < 30_000, "first retry within 2·15 s: {first}");
        assert!(!d.start(30_000 + first.saturating_sub(1)) || first == 0);
        assert!(d.start(30_000 + first));
        ended(&d, 3);
        assert_eq!(d.shared.lock().unwrap().failures, 2);
        // Windows grow, capped at 5 minutes.
        assert!((1..40).all(|n| d.wait_ms(n) < 300_000));
        // Some records went out: back to the regular period at once.
        let t = 30_000 + first;
        assert!(d.start(t + d.wait_ms(2)));
        ended(&d, 1);
        assert_eq!(d.shared.lock().unwrap().failures, 0);
        assert_eq!(d.wait_ms(0), DELIVER_EVERY_MS);
    }

    #[test]
    fn kiosks_draw_different_delays() {
        let waits: std::collections::HashSet<Millis> =
            (0..50).map(|i| Delivery::new(&format!("ADM-3201-{i:02}")).wait_ms(3)).collect();
        assert!(waits.len() > 45, "{} distinct delays of 50 kiosks", waits.len());
    }
}
