//! A printer whose cable is being pulled in the middle of a job (`receipt hold-after N`):
//! it takes at most N more bytes from the host, then processes and answers nothing more,
//! so the test can unplug it with a job provably cut at a known place. A whole receipt
//! crosses USB in one burst, faster than anything outside could pull the cable in its
//! middle: the printer itself has to stop there.
//!
//! What comes after the N bytes is still read from the printer node, and dropped: the
//! kernel's usb_f_printer must never be left holding a partly read transfer across an
//! unplug (Linux 6.1 hands it to the next session and then corrupts its request list,
//! a kernel BUG in setup_rx_reqs).

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldAfter {
    limit: u64,
    captured: u64,
    dropped: u64,
    /// The device's byte count when the hold was set: where its capture starts.
    from: u64,
}

impl HoldAfter {
    pub fn new(limit: u64, from: u64) -> HoldAfter {
        HoldAfter { limit, captured: 0, dropped: 0, from }
    }

    /// `n` bytes were read from the host: how many of them the printer still takes (the
    /// first ones); the rest is dropped.
    pub fn take(&mut self, n: usize) -> usize {
        let left = self.limit.saturating_sub(self.captured);
        let keep = usize::try_from(left).map_or(n, |left| left.min(n));
        self.captured += keep as u64;
        self.dropped += (n - keep) as u64;
        keep
    }

    pub fn holding(&self) -> bool {
        self.captured >= self.limit
    }

    pub fn json(&self) -> Value {
        json!({
            "after": self.limit,
            "captured": self.captured,
            "dropped": self.dropped,
            "from": self.from,
            "holding": self.holding(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_at_most_the_limit_then_drops_everything() {
        let mut h = HoldAfter::new(64, 1000);
        assert_eq!(h.take(12), 12);
        assert!(!h.holding());
        assert_eq!(h.take(700), 52, "the first 52 bytes of the burst");
        assert!(h.holding());
        assert_eq!(h.take(11), 0);
        assert_eq!(h.json(), json!({ "after": 64, "captured": 64, "dropped": 659, "from": 1000, "holding": true }));
    }

    #[test]
    fn hold_after_zero_takes_nothing() {
        let mut h = HoldAfter::new(0, 0);
        assert!(h.holding());
        assert_eq!(h.take(512), 0);
    }
}
