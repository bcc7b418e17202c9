//! Admission of connections that have not finished their TLS handshake yet.
//!
//! Before the handshake nobody is authenticated, so nothing such a connection does may
//! keep a kiosk out. The rules: a short handshake timeout (`serve.rs`), at most
//! [`PER_ADDRESS`] handshakes in progress per source address and [`TOTAL`] in all, and
//! when either is full the *oldest* handshake in progress is dropped to make room for the
//! new one instead of the new one waiting. A kiosk completes its handshake in
//! milliseconds, so it is never the oldest for long; idle connections always are. This
//! also holds for a kiosk behind the same address (NAT, or loopback in tests) as the
//! idle connections: a per-address limit that refused new connections would lock it out.
//!
//! Authenticated connections are counted separately (`serve.rs`), so pre-handshake
//! traffic can never take their slots.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// Handshakes in progress from one source address.
pub const PER_ADDRESS: usize = 32;
/// Handshakes in progress in all.
pub const TOTAL: usize = 256;

struct Entry {
    ip: IpAddr,
    evict: Arc<Notify>,
}

#[derive(Default)]
struct Table {
    next: u64,
    /// By admission order: the first entry is the oldest handshake.
    entries: BTreeMap<u64, Entry>,
    per_ip: HashMap<IpAddr, usize>,
}

impl Table {
    fn remove(&mut self, seq: u64) -> Option<Entry> {
        let entry = self.entries.remove(&seq)?;
        if let Some(n) = self.per_ip.get_mut(&entry.ip) {
            *n -= 1;
            if *n == 0 {
                self.per_ip.remove(&entry.ip);
            }
        }
        Some(entry)
    }

    fn evict(&mut self, seq: u64) {
        if let Some(e) = self.remove(seq) {
            // `notify_one` keeps a permit: the eviction is seen even if the connection
            // task has not started waiting yet.
            e.evict.notify_one();
        }
    }
}

/// The handshakes in progress, shared by the accept loop and the connection tasks.
#[derive(Clone)]
pub struct Handshakes {
    per_address: usize,
    total: usize,
    table: Arc<Mutex<Table>>,
}

impl Default for Handshakes {
    fn default() -> Self {
        Handshakes::new(PER_ADDRESS, TOTAL)
    }
}

/// Why an admission made room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evicted {
    None,
    /// The oldest handshake from the same address was dropped.
    SameAddress,
    /// The oldest handshake of all was dropped.
    Oldest,
}

impl Handshakes {
    pub fn new(per_address: usize, total: usize) -> Handshakes {
        Handshakes { per_address: per_address.max(1), total: total.max(1), table: Arc::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a new connection from `ip`, dropping the oldest one in its way.
    pub fn admit(&self, ip: IpAddr) -> (Ticket, Evicted) {
        let mut t = self.lock();
        let mut evicted = Evicted::None;
        if t.per_ip.get(&ip).copied().unwrap_or(0) >= self.per_address {
            let oldest = t.entries.iter().find(|(_, e)| e.ip == ip).map(|(seq, _)| *seq);
            if let Some(seq) = oldest {
                t.evict(seq);
                evicted = Evicted::SameAddress;
            }
        }
        if t.entries.len() >= self.total {
            let oldest = t.entries.keys().next().copied();
            if let Some(seq) = oldest {
                t.evict(seq);
                evicted = Evicted::Oldest;
            }
        }
        let seq = t.next;
        t.next += 1;
        let evict = Arc::new(Notify::new());
        t.entries.insert(seq, Entry { ip, evict: evict.clone() });
        *t.per_ip.entry(ip).or_insert(0) += 1;
        (Ticket { seq, evict, handshakes: self.clone() }, evicted)
    }

    /// Handshakes in progress (for tests).
    pub fn in_progress(&self) -> usize {
        self.lock().entries.len()
    }
}

/// One admitted handshake; dropping it (handshake done, failed or evicted) frees its place.
pub struct Ticket {
    seq: u64,
    evict: Arc<Notify>,
    handshakes: Handshakes,
}

impl Ticket {
    /// Resolves when this handshake is dropped to make room for a newer one.
    pub async fn evicted(&self) {
        self.evict.notified().await;
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.handshakes.lock().remove(self.seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_oldest_handshake_makes_room_per_address_and_in_all() {
        let h = Handshakes::new(2, 3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let (a1, e) = h.admit(a);
        assert_eq!(e, Evicted::None);
        let (_a2, _) = h.admit(a);
        let (_a3, e) = h.admit(a);
        assert_eq!(e, Evicted::SameAddress);
        // a1 was told, and its place is free.
        tokio::time::timeout(std::time::Duration::from_secs(1), a1.evicted()).await.unwrap();
        assert_eq!(h.in_progress(), 2);
        let (_b1, e) = h.admit(b);
        assert_eq!(e, Evicted::None);
        let (_b2, e) = h.admit(b);
        assert_eq!(e, Evicted::Oldest);
        assert_eq!(h.in_progress(), 3);
        drop(a1);
        assert_eq!(h.in_progress(), 3, "an evicted ticket frees nothing twice");
    }
}
