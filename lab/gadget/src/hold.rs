//! A printer whose cable is being pulled in the middle of a job (`receipt hold-after N`):
//! it takes at most N more bytes from the host, then reads and answers nothing more, so
//! the test can unplug it with a job provably cut at a known place. A whole receipt
//! crosses USB in one burst, faster than anything outside could pull the cable in its
//! middle: the printer itself has to stop there.

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldAfter {
    limit: u64,
    captured: u64,
    /// The device's byte count when the hold was set: where its capture starts.
    from: u64,
}

impl HoldAfter {
    pub fn new(limit: u64, from: u64) -> HoldAfter {
        HoldAfter { limit, captured: 0, from }
    }

    /// How many bytes may be read now into a buffer of `buf_len`: 0 once the limit is
    /// reached (the printer has stopped).
    pub fn allowance(&self, buf_len: usize) -> usize {
        let left = self.limit.saturating_sub(self.captured);
        usize::try_from(left).map_or(buf_len, |left| left.min(buf_len))
    }

    /// `n` bytes were read (and answered) under the hold.
    pub fn took(&mut self, n: usize) {
        self.captured = self.captured.saturating_add(n as u64);
    }

    pub fn holding(&self) -> bool {
        self.captured >= self.limit
    }

    pub fn json(&self) -> Value {
        json!({ "after": self.limit, "captured": self.captured, "from": self.from, "holding": self.holding() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_at_most_the_limit_then_stops() {
        let mut h = HoldAfter::new(64, 1000);
        assert_eq!(h.allowance(16 * 1024), 64);
        h.took(12);
        assert!(!h.holding());
        assert_eq!(h.allowance(16 * 1024), 52);
        assert_eq!(h.allowance(8), 8, "never more than the buffer");
        h.took(52);
        assert!(h.holding());
        assert_eq!(h.allowance(16 * 1024), 0);
        assert_eq!(h.json(), json!({ "after": 64, "captured": 64, "from": 1000, "holding": true }));
    }

    #[test]
    fn hold_after_zero_stops_at_once() {
        let h = HoldAfter::new(0, 0);
        assert!(h.holding());
        assert_eq!(h.allowance(512), 0);
    }
}
