//! Retry delays that spread a fleet out: exponential, capped, with full jitter.
//!
//! When the central server comes back after an outage, thousands of kiosks have requests
//! and outbox records waiting. If they all retried on the same schedule (a fixed period,
//! or a doubling delay with a jitter taken from the clock's sub-second digits, which are
//! nearly equal for kiosks that noticed the outage at the same instant), the recovery
//! would arrive as one burst and could knock the server over again. Here each retry waits
//! a delay drawn uniformly from `[0, min(cap, base·2^attempt))` ("full jitter"), and the
//! draw is a pure function of a per-kiosk seed and the attempt number: different kiosks
//! get independent delays, tests can replay any kiosk's schedule without sleeping.
//!
//! The seed mixes the kiosk's identity (its id or certificate, different on every kiosk)
//! with a per-process random key (so two processes of one kiosk do not repeat each other
//! either, and nobody can predict a kiosk's schedule from its id).

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// An exponential backoff with full jitter: `base` is the mean of the first retry's delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    /// Longest delay ever drawn (the window stops doubling here).
    pub cap: Duration,
}

impl Backoff {
    /// The window retry `attempt` (1 = the first retry) draws its delay from:
    /// `min(cap, base·2^attempt)`, so the first delay averages `base` and each further
    /// retry's window doubles until the cap.
    pub fn window(&self, attempt: u32) -> Duration {
        // 2^20 · base is past any sensible cap already; stop there so nothing overflows.
        self.base.saturating_mul(1u32 << attempt.clamp(1, 20)).min(self.cap)
    }

    /// The delay before retry `attempt` of the kiosk with this `seed`: uniform in
    /// `[0, window(attempt))`, the same for the same arguments.
    pub fn delay(&self, seed: u64, attempt: u32) -> Duration {
        let window = self.window(attempt).as_nanos().min(u128::from(u64::MAX)) as u64;
        let draw = splitmix64(seed ^ u64::from(attempt).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // Multiply-shift maps the 64-bit draw onto [0, window) without modulo bias worth
        // the name (at most 2^-64 per value).
        Duration::from_nanos(((u128::from(draw) * u128::from(window)) >> 64) as u64)
    }
}

/// The seed of one kiosk: its identity (kiosk id, certificate) mixed with `key`.
/// Deterministic, for tests; the kiosk uses [`seed_for`].
pub fn seed_from(identity: &[u8], key: u64) -> u64 {
    // FNV-1a over the identity, then a full avalanche with the key: ids that differ in
    // one digit (ADM-3201-07, ADM-3201-08) get unrelated seeds.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in identity {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix64(h ^ splitmix64(key))
}

/// The seed of this kiosk in this process: its identity mixed with a random key (std's
/// hasher keys come from the operating system's random source once per process).
pub fn seed_for(identity: &[u8]) -> u64 {
    let key = std::collections::hash_map::RandomState::new().build_hasher().finish();
    seed_from(identity, key)
}

/// SplitMix64's output function: a bijection on u64 with good avalanche, enough to turn
/// (seed, attempt) into an evenly spread draw (nothing here needs to be unpredictable
/// beyond what the seed's random key gives). Also the step of the load bench's and the
/// soak's seeded generators (their state then moves on by the golden ratio).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLEET: usize = 2_000;

    fn fleet_seeds() -> Vec<u64> {
        // Ids as a province rolls them out: consecutive numbers, a fixed key so the test is
        // the same on every run.
        (0..FLEET).map(|i| seed_from(format!("ADM-{:04}-{:02}", 3201 + i / 50, i % 50).as_bytes(), 42)).collect()
    }

    /// The largest share of `times` (ms) falling into one `bucket_ms` bucket.
    fn worst_bucket_share(times: &[u64], bucket_ms: u64) -> f64 {
        let mut counts = std::collections::HashMap::new();
        for t in times {
            *counts.entry(t / bucket_ms).or_insert(0usize) += 1;
        }
        counts.values().copied().max().unwrap_or(0) as f64 / times.len() as f64
    }

    #[test]
    fn windows_double_up_to_the_cap_and_delays_stay_inside() {
        let b = Backoff { base: Duration::from_millis(300), cap: Duration::from_secs(5) };
        let windows: Vec<u64> = (1..=6).map(|a| b.window(a).as_millis() as u64).collect();
        assert_eq!(windows, vec![600, 1_200, 2_400, 4_800, 5_000, 5_000]);
        assert_eq!(b.window(u32::MAX), b.cap, "no overflow however long the outage");
        for seed in fleet_seeds().into_iter().take(200) {
            for attempt in 1..10 {
                assert!(b.delay(seed, attempt) < b.window(attempt));
            }
        }
        // A pure function: the same kiosk and attempt, the same delay.
        assert_eq!(b.delay(7, 3), b.delay(7, 3));
        assert_ne!(b.delay(7, 3), b.delay(8, 3));
        // The mean of the first delay is `base` (uniform on [0, 2·base)).
        let seeds = fleet_seeds();
        let mean = seeds.iter().map(|s| b.delay(*s, 1).as_secs_f64()).sum::<f64>() / seeds.len() as f64;
        assert!((mean - 0.3).abs() < 0.02, "mean first delay {mean}");
    }

    #[test]
    fn seeds_differ_by_kiosk_and_by_process_key() {
        let seeds = fleet_seeds();
        let distinct: std::collections::HashSet<_> = seeds.iter().collect();
        assert_eq!(distinct.len(), FLEET);
        assert_ne!(seed_from(b"ADM-3201-07", 1), seed_from(b"ADM-3201-07", 2));
        assert_ne!(seed_for(b"ADM-3201-07"), seed_for(b"ADM-3201-07"), "a random key per call");
    }

    /// Requests failing at the same instant (the server restarted and dropped every
    /// connection): the 2,000 first retries are spread over the whole first window, not
    /// sent together, and so are the second ones.
    #[test]
    fn retries_of_a_fleet_after_the_same_failure_spread_over_the_window() {
        let b = Backoff { base: Duration::from_millis(300), cap: Duration::from_secs(5) };
        let seeds = fleet_seeds();
        for attempt in 1..=3 {
            let times: Vec<u64> = seeds.iter().map(|s| b.delay(*s, attempt).as_millis() as u64).collect();
            let window_ms = b.window(attempt).as_millis() as u64;
            let buckets = window_ms / 100;
            // Perfectly even would be 1/buckets in each; 2,000 random draws are not, so
            // allow half as much again (a herd puts 100% in one bucket).
            let worst = worst_bucket_share(&times, 100);
            assert!(worst <= 1.5 / buckets as f64, "attempt {attempt}: {:.1}% in one 100 ms bucket", worst * 100.0);
            // And the spread really covers the window (no clustering at its start).
            let late = times.iter().filter(|t| **t >= window_ms / 2).count();
            assert!((late as f64 / FLEET as f64 - 0.5).abs() < 0.05, "attempt {attempt}: {late} in the later half");
        }
    }

    /// The outbox's case: 2,000 kiosks lose the server at the same instant (all their
    /// deliveries fail together, the worst alignment), keep retrying with the outbox's
    /// backoff through a 20-minute outage, and each one's first try after the server is
    /// back is recorded. They must arrive spread over minutes, not as one burst.
    #[test]
    fn a_fleet_recovering_from_an_outage_does_not_arrive_as_a_herd() {
        let b = Backoff { base: Duration::from_secs(15), cap: Duration::from_secs(300) };
        let outage_ms = 20 * 60 * 1000;
        let arrivals: Vec<u64> = fleet_seeds()
            .iter()
            .map(|seed| {
                let (mut t, mut failures) = (0u64, 0u32);
                while t < outage_ms {
                    failures += 1;
                    t += b.delay(*seed, failures).as_millis() as u64;
                }
                t - outage_ms
            })
            .collect();
        assert!(arrivals.iter().all(|a| *a < b.cap.as_millis() as u64), "every kiosk is back within the cap");
        let worst_100ms = worst_bucket_share(&arrivals, 100);
        let worst_1s = worst_bucket_share(&arrivals, 1_000);
        // 2,000 kiosks over ~300 s: about 0.7 per 100 ms bucket and 7 per second if even.
        assert!(worst_100ms <= 0.005, "{:.2}% of the fleet in one 100 ms bucket", worst_100ms * 100.0);
        assert!(worst_1s <= 0.015, "{:.2}% of the fleet in one second", worst_1s * 100.0);
        // What the same fleet did with a fixed 30 s period: everyone in the same instant.
        let fixed: Vec<u64> = (0..FLEET).map(|_| outage_ms.div_ceil(30_000) * 30_000 - outage_ms).collect();
        assert_eq!(worst_bucket_share(&fixed, 100), 1.0);
    }
}
