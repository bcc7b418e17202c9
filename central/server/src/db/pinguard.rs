//! Wrong-PIN accounting per NIK, shared by every kiosk (it lives in the central store):
//! the growing cool-down, the per-NIK ceiling on wrong PINs per hour, and the officer's
//! unlock.
//!
//! Everything here is keyed by the NIK *as typed*, whether or not such a citizen exists
//! (or has a kiosk PIN): an unknown NIK counts, locks and cools down exactly like a known
//! one, so no sequence of answers tells a caller which NIKs are registered.
//!
//! Why a cool-down and not a permanent lock: a permanent lock after 3 wrong PINs lets
//! anyone who knows a NIK (it is printed on the KTP, the KK and many photocopies) shut that
//! citizen out of every kiosk until they queue at the Dukcapil office. A cool-down that
//! grows (15 min, 1 h, then 24 h per further 3 wrong PINs) still makes guessing useless:
//! after the first hour at most 3 guesses a day, so a 10^6 PIN space takes centuries,
//! while a citizen who forgot their PIN can come back the same day.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::DbError;

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS pin_guard (
    nik          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL DEFAULT 0,
    lockouts     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    last_failure INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS pin_failures (
    nik TEXT NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pin_failures_nik ON pin_failures(nik, at);
CREATE INDEX IF NOT EXISTS pin_failures_at ON pin_failures(at);
";

/// The window of the per-NIK wrong-PIN ceiling.
const RATE_WINDOW_SECS: i64 = 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinPolicy {
    /// Wrong PINs in a row (NIK or notice, any kiosks) before a cool-down.
    pub attempts: u32,
    /// Cool-down after the 1st, 2nd, … lockout, in seconds; the last one repeats.
    pub cooldowns: Vec<u64>,
    /// At most this many wrong PINs per NIK per rolling hour, across all kiosks, whatever
    /// the lockout counter says (it is reset by a right PIN or an officer; this is not
    /// reset by a right PIN). Over it, every attempt is refused like a lock.
    pub wrong_per_hour: u32,
    /// After this long without a wrong PIN, the cool-down steps back to the first one.
    pub forget_after_secs: u64,
}

impl Default for PinPolicy {
    fn default() -> Self {
        PinPolicy {
            attempts: 3,
            cooldowns: vec![15 * 60, 3600, 24 * 3600],
            // Two full rounds of the first cool-down fit in an hour (3, 15 min, 3), so a
            // citizen following the screen's advice never meets it; it caps guessing
            // when the round counter is reset by an officer or by interleaved right PINs.
            wrong_per_hour: 6,
            forget_after_secs: 30 * 24 * 3600,
        }
    }
}

impl PinPolicy {
    fn cooldown(&self, lockouts: u32) -> u64 {
        let i = (lockouts.max(1) - 1) as usize;
        self.cooldowns.get(i).or(self.cooldowns.last()).copied().unwrap_or(15 * 60)
    }
}

/// Whether a PIN may be checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Locked (cool-down) or over the hourly ceiling; try again in `retry_after` seconds.
    Closed {
        retry_after: u64,
    },
}

/// What a wrong PIN came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrong {
    Counted {
        attempts_left: u32,
    },
    /// Locked now; `new_lock` is false when the NIK was already locked (by a concurrent
    /// attempt on another kiosk), so the lockout is counted once.
    Locked {
        retry_after: u64,
        new_lock: bool,
    },
}

/// What the store knows about one NIK (admin `pin-status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PinStatus {
    pub failures: u32,
    pub lockouts: u32,
    /// Seconds until the cool-down or the hourly ceiling ends (0: not locked).
    pub locked_for: u64,
    pub wrong_last_hour: u32,
}

#[derive(Default)]
struct Row {
    failures: u32,
    lockouts: u32,
    locked_until: i64,
    last_failure: i64,
}

fn row(conn: &Connection, nik: &str) -> Result<Option<Row>, DbError> {
    Ok(conn
        .query_row(
            "SELECT failures, lockouts, locked_until, last_failure FROM pin_guard WHERE nik = ?1",
            params![nik],
            |r| Ok(Row { failures: r.get(0)?, lockouts: r.get(1)?, locked_until: r.get(2)?, last_failure: r.get(3)? }),
        )
        .optional()?)
}

fn secs_until(t: i64, now: i64) -> u64 {
    u64::try_from(t.saturating_sub(now)).unwrap_or(0).max(1)
}

/// The hourly ceiling: `Some(seconds)` until one more wrong PIN is allowed.
fn over_ceiling(conn: &Connection, nik: &str, now: i64, policy: &PinPolicy) -> Result<Option<u64>, DbError> {
    let (count, oldest): (u32, Option<i64>) = conn.query_row(
        "SELECT COUNT(*), MIN(at) FROM pin_failures WHERE nik = ?1 AND at > ?2",
        params![nik, now - RATE_WINDOW_SECS],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if count < policy.wrong_per_hour.max(1) {
        return Ok(None);
    }
    // Exact when the ceiling is reached by one; after a race it may be a little early,
    // which only means the next answer says "wait" again.
    Ok(Some(secs_until(oldest.unwrap_or(now) + RATE_WINDOW_SECS, now)))
}

/// Seconds until a PIN may be checked again (the later of the cool-down and the ceiling).
fn closed(conn: &Connection, nik: &str, now: i64, policy: &PinPolicy) -> Result<Option<u64>, DbError> {
    let lock = row(conn, nik)?.filter(|r| r.locked_until > now).map(|r| secs_until(r.locked_until, now));
    Ok(lock.max(over_ceiling(conn, nik, now, policy)?))
}

/// Before checking a PIN: a locked NIK is refused even with the right PIN.
pub fn gate(conn: &Connection, nik: &str, now: i64, policy: &PinPolicy) -> Result<Gate, DbError> {
    Ok(match closed(conn, nik, now, policy)? {
        Some(retry_after) => Gate::Closed { retry_after },
        None => Gate::Open,
    })
}

/// Counts a wrong PIN, atomically across kiosks (two concurrent attempts cannot both be
/// told "1 left").
pub fn record_wrong(conn: &mut Connection, nik: &str, now: i64, policy: &PinPolicy) -> Result<Wrong, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Housekeeping for every NIK at once (unknown NIKs typed by anyone must not pile up):
    // the hour window, and NIKs quiet for `forget_after_secs` with no running lock.
    let forget = i64::try_from(policy.forget_after_secs).unwrap_or(i64::MAX / 2);
    tx.execute("DELETE FROM pin_failures WHERE at <= ?1", params![now - RATE_WINDOW_SECS])?;
    tx.execute(
        "DELETE FROM pin_guard WHERE last_failure <= ?1 AND locked_until <= ?2",
        params![now.saturating_sub(forget), now],
    )?;
    if let Some(retry_after) = closed(&tx, nik, now, policy)? {
        // Locked by a concurrent attempt between our gate and now: not another guess.
        tx.commit()?;
        return Ok(Wrong::Locked { retry_after, new_lock: false });
    }
    let mut r = row(&tx, nik)?.unwrap_or_default();
    tx.execute("INSERT INTO pin_failures (nik, at) VALUES (?1, ?2)", params![nik, now])?;
    r.failures += 1;
    r.last_failure = now;
    let outcome = if r.failures >= policy.attempts.max(1) {
        r.lockouts = r.lockouts.saturating_add(1);
        r.failures = 0;
        let cooldown = policy.cooldown(r.lockouts);
        r.locked_until = now.saturating_add(i64::try_from(cooldown).unwrap_or(i64::MAX / 2));
        Wrong::Locked { retry_after: cooldown, new_lock: true }
    } else {
        Wrong::Counted { attempts_left: policy.attempts - r.failures }
    };
    tx.execute(
        "INSERT INTO pin_guard (nik, failures, lockouts, locked_until, last_failure) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(nik) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts,
             locked_until = excluded.locked_until, last_failure = excluded.last_failure",
        params![nik, r.failures, r.lockouts, r.locked_until, r.last_failure],
    )?;
    tx.commit()?;
    Ok(outcome)
}

/// After a right PIN: the round and the cool-down level start again (the hourly window
/// stays). `Closed` if the NIK got locked meanwhile by another kiosk.
pub fn record_right(conn: &mut Connection, nik: &str, now: i64, policy: &PinPolicy) -> Result<Gate, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(retry_after) = closed(&tx, nik, now, policy)? {
        tx.commit()?;
        return Ok(Gate::Closed { retry_after });
    }
    tx.execute("DELETE FROM pin_guard WHERE nik = ?1", params![nik])?;
    tx.commit()?;
    Ok(Gate::Open)
}

/// Officer unlock (after checking the citizen's identity in person): clears the lock, the
/// cool-down level and the hourly window.
pub fn unlock(conn: &Connection, nik: &str) -> Result<(), DbError> {
    conn.execute("DELETE FROM pin_guard WHERE nik = ?1", params![nik])?;
    conn.execute("DELETE FROM pin_failures WHERE nik = ?1", params![nik])?;
    Ok(())
}

pub fn status(conn: &Connection, nik: &str, now: i64, policy: &PinPolicy) -> Result<PinStatus, DbError> {
    let r = row(conn, nik)?.unwrap_or_default();
    let wrong_last_hour = conn.query_row(
        "SELECT COUNT(*) FROM pin_failures WHERE nik = ?1 AND at > ?2",
        params![nik, now - RATE_WINDOW_SECS],
        |row| row.get(0),
    )?;
    Ok(PinStatus {
        failures: r.failures,
        lockouts: r.lockouts,
        locked_for: closed(conn, nik, now, policy)?.unwrap_or(0),
        wrong_last_hour,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NIK: &str = "3201011505800001";

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(SCHEMA).unwrap();
        c
    }

    #[test]
    fn cooldown_grows_expires_and_resets_on_success() {
        let mut c = conn();
        let p = PinPolicy::default();
        let mut now = 1_000_000;
        for (round, expect) in [(1, 900), (2, 3600), (3, 86_400), (4, 86_400)] {
            assert_eq!(record_wrong(&mut c, NIK, now, &p).unwrap(), Wrong::Counted { attempts_left: 2 }, "{round}");
            assert_eq!(record_wrong(&mut c, NIK, now, &p).unwrap(), Wrong::Counted { attempts_left: 1 });
            assert_eq!(
                record_wrong(&mut c, NIK, now, &p).unwrap(),
                Wrong::Locked { retry_after: expect, new_lock: true }
            );
            assert_eq!(gate(&c, NIK, now + expect as i64 - 1, &p).unwrap(), Gate::Closed { retry_after: 1 });
            now += expect as i64;
            assert_eq!(gate(&c, NIK, now, &p).unwrap(), Gate::Open, "{round}");
        }
        assert_eq!(record_right(&mut c, NIK, now, &p).unwrap(), Gate::Open);
        assert_eq!(status(&c, NIK, now, &p).unwrap().lockouts, 0);
    }

    #[test]
    fn hourly_ceiling_survives_a_right_pin_but_not_an_officer() {
        let mut c = conn();
        let p = PinPolicy { wrong_per_hour: 4, ..PinPolicy::default() };
        let t0 = 5_000;
        record_wrong(&mut c, NIK, t0, &p).unwrap();
        record_wrong(&mut c, NIK, t0, &p).unwrap();
        assert_eq!(record_right(&mut c, NIK, t0, &p).unwrap(), Gate::Open);
        // The round starts again, the hour does not.
        assert_eq!(record_wrong(&mut c, NIK, t0 + 10, &p).unwrap(), Wrong::Counted { attempts_left: 2 });
        assert_eq!(record_wrong(&mut c, NIK, t0 + 10, &p).unwrap(), Wrong::Counted { attempts_left: 1 });
        assert_eq!(record_right(&mut c, NIK, t0 + 20, &p).unwrap(), Gate::Closed { retry_after: 3580 });
        assert_eq!(gate(&c, NIK, t0 + 100, &p).unwrap(), Gate::Closed { retry_after: 3500 });
        assert_eq!(gate(&c, NIK, t0 + 3600, &p).unwrap(), Gate::Open);
        unlock(&c, NIK).unwrap();
        assert_eq!(gate(&c, NIK, t0 + 100, &p).unwrap(), Gate::Open);
    }

    #[test]
    fn level_is_forgotten_after_a_quiet_month() {
        let mut c = conn();
        let p = PinPolicy::default();
        for _ in 0..3 {
            record_wrong(&mut c, NIK, 0, &p).unwrap();
        }
        let later = p.forget_after_secs as i64;
        // Another NIK's wrong PIN triggers the housekeeping.
        record_wrong(&mut c, "3201011505800002", later, &p).unwrap();
        assert_eq!(status(&c, NIK, later, &p).unwrap(), PinStatus::default());
    }
}
