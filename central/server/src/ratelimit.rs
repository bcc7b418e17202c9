//! Per-kiosk rate limits (token buckets), separately for sign-in attempts and for
//! everything else: one kiosk cannot brute-force PINs or starve the others.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Sign-in attempts per kiosk per minute (burst of the same size).
    pub sign_ins_per_minute: u32,
    /// Other requests per kiosk per minute (burst of the same size).
    pub requests_per_minute: u32,
    /// Document checks by printed QR per kiosk per minute (burst of the same size): they
    /// need no sign-in, so they get their own, smaller budget.
    pub verifies_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        // A citizen needs a few attempts a minute at most; a busy kiosk a few dozen calls.
        // A citizen holds up one paper at a time: a check every few seconds at most.
        Limits { sign_ins_per_minute: 30, requests_per_minute: 600, verifies_per_minute: 60 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    SignIn,
    /// `GET /v1/verify/{code}`: open to anyone at the kiosk.
    Verify,
    Other,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

pub struct RateLimiter {
    limits: Limits,
    buckets: Mutex<HashMap<(String, Class), Bucket>>,
}

impl RateLimiter {
    pub fn new(limits: Limits) -> Self {
        RateLimiter { limits, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token; `Err(seconds)` says when to retry.
    pub fn check(&self, kiosk: &str, class: Class) -> Result<(), u64> {
        let per_minute = f64::from(match class {
            Class::SignIn => self.limits.sign_ins_per_minute,
            Class::Verify => self.limits.verifies_per_minute,
            Class::Other => self.limits.requests_per_minute,
        })
        .max(1.0);
        let rate = per_minute / 60.0;
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        // Only registered kiosks reach here, so the map stays as small as the fleet.
        let bucket = map.entry((kiosk.to_owned(), class)).or_insert(Bucket { tokens: per_minute, last: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(per_minute);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refuses() {
        let rl = RateLimiter::new(Limits { sign_ins_per_minute: 3, requests_per_minute: 100, verifies_per_minute: 2 });
        for _ in 0..3 {
            assert!(rl.check("k1", Class::SignIn).is_ok());
        }
        assert!(rl.check("k1", Class::SignIn).is_err());
        assert!(rl.check("k2", Class::SignIn).is_ok(), "kiosks are limited separately");
        assert!(rl.check("k1", Class::Other).is_ok(), "classes are limited separately");
        assert!(rl.check("k1", Class::Verify).is_ok() && rl.check("k1", Class::Verify).is_ok());
        assert!(rl.check("k1", Class::Verify).is_err(), "document checks have their own budget");
    }
}
