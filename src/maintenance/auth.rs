//! Technician PINs: hashing (for provisioning) and the entry gate with exponential
//! backoff, kept across restarts.
//!
//! [`Gate`] is a pure state machine like the session machine: time comes in as
//! `now_ms`, nothing here reads a clock. [`Authenticator`] is the gate plus the small
//! file on the data partition that keeps its failure count across a reboot. Checking a
//! PIN is deliberately slow (argon2id, a few hundred milliseconds per technician), so
//! call [`Authenticator::attempt`] from a worker thread, never from the UI thread.

use std::path::{Path, PathBuf};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};

pub use crate::config::Technician;

/// Technician PINs are longer than citizens' notice PINs: they open every kiosk a
/// technician is provisioned on, and the hash travels with the configuration file, so
/// its cost per guess (see [`hash_pin`]) times 10^8 PINs is what an offline search costs.
pub const PIN_MIN_DIGITS: usize = 8;
pub const PIN_MAX_DIGITS: usize = 12;

/// Longest wait the gate imposes, however many failures (5 minutes): long enough to
/// make guessing 10^8 PINs at the screen take centuries (at most 288 tries a day once
/// the cap is reached, and a reboot does not reset it), short enough that a technician
/// who fat-fingered a few times is not sent home.
pub const MAX_WAIT_MS: u64 = 300_000;

/// argon2id costs for new technician PIN hashes: 64 MiB, 3 passes, 1 lane. About 4x
/// the memory and 1.5x the passes of the crate's default (OWASP's minimum, 19 MiB x 2),
/// i.e. roughly 0.2-0.3 s per guess on kiosk-class x86 (measured by
/// `tests::prints_the_time_per_guess`), while a kiosk still has memory to spare.
pub const M_COST_KIB: u32 = 64 * 1024;
pub const T_COST: u32 = 3;
pub const P_COST: u32 = 1;

/// The file next to the outbox that keeps the failure count (one number, no PIN).
pub const BACKOFF_FILE: &str = "technician-pin-backoff";

/// Hashes with costs above these are refused instead of computed: a hash in the
/// configuration asking for gigabytes of memory would otherwise take the kiosk down at
/// the PIN screen.
const MAX_M_COST_KIB: u32 = 256 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("a technician PIN is {PIN_MIN_DIGITS}-{PIN_MAX_DIGITS} digits (shorter PINs are refused)")]
    PinShape,
    #[error("cannot hash the PIN: {0}")]
    Hash(String),
}

/// Whether `pin` has the shape of a technician PIN (8-12 ASCII digits).
pub fn pin_shape_ok(pin: &str) -> bool {
    (PIN_MIN_DIGITS..=PIN_MAX_DIGITS).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// Hashes a technician PIN for the configuration file: argon2id with [`M_COST_KIB`],
/// [`T_COST`], [`P_COST`] and a fresh random salt, as a PHC string. Refuses PINs
/// shorter than [`PIN_MIN_DIGITS`] (the hash would not show the length later).
pub fn hash_pin(pin: &str) -> Result<String, AuthError> {
    hash_pin_with(&tuned(), pin)
}

fn tuned() -> Argon2<'static> {
    match Params::new(M_COST_KIB, T_COST, P_COST, None) {
        Ok(params) => Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params),
        // The constants are valid; should a future argon2 refuse them, its default is
        // still argon2id with OWASP's minimum costs.
        Err(_) => Argon2::default(),
    }
}

fn hash_pin_with(argon2: &Argon2<'_>, pin: &str) -> Result<String, AuthError> {
    if !pin_shape_ok(pin) {
        return Err(AuthError::PinShape);
    }
    let salt = SaltString::generate(&mut OsRng);
    argon2.hash_password(pin.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| AuthError::Hash(e.to_string()))
}

/// Finds the technician whose hash matches `pin`.
///
/// Every technician's hash is checked, even after a match, so the time taken does not
/// tell which entry (or whether an early one) matched; each comparison is argon2's own
/// constant-time one. A hash that does not parse, is not argon2id or asks for absurd
/// costs never matches (and is logged by id only).
pub fn verify_pin<'a>(pin: &str, technicians: &'a [Technician]) -> Option<&'a Technician> {
    let mut found = None;
    for t in technicians {
        if hash_matches(pin, t) && found.is_none() {
            found = Some(t);
        }
    }
    found
}

fn hash_matches(pin: &str, t: &Technician) -> bool {
    let parsed = match PasswordHash::new(&t.pin_hash) {
        Ok(p) if p.algorithm == argon2::ARGON2ID_IDENT => p,
        _ => {
            tracing::warn!(technician = %t.id, "technician PIN hash is not an argon2id PHC string");
            return false;
        }
    };
    match Params::try_from(&parsed) {
        Ok(p) if p.m_cost() <= MAX_M_COST_KIB && p.t_cost() <= MAX_T_COST && p.p_cost() <= MAX_P_COST => {}
        _ => {
            tracing::warn!(technician = %t.id, "technician PIN hash has unusable cost parameters");
            return false;
        }
    }
    // The hash carries its own parameters; `Argon2::default()` only supplies the engine.
    Argon2::default().verify_password(pin.as_bytes(), &parsed).is_ok()
}

/// What one PIN attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOutcome {
    /// Maintenance mode may open for this technician.
    Granted { technician_id: String },
    /// Wrong PIN (or not a PIN at all); the gate is now closed for `wait_ms`.
    Wrong { wait_ms: u64 },
    /// The gate is still closed from earlier failures; the PIN was not even looked at.
    MustWait { remaining_ms: u64 },
}

/// The maintenance entry gate: after the k-th consecutive failure it refuses every
/// attempt for min(2^(k-1) s, 5 min); a success resets it. [`Authenticator`] keeps the
/// failure count across restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gate {
    failures: u32,
    closed_until_ms: u64,
}

impl Gate {
    pub fn new() -> Self {
        Gate::default()
    }

    /// The gate after a restart with `failures` remembered: closed for the full wait of
    /// that count from `now_ms`, so a reboot never shortens a wait (and needs no wall
    /// clock, which a kiosk without network may not have right).
    pub fn restored(failures: u32, now_ms: u64) -> Self {
        let wait = backoff_ms(failures);
        Gate { failures, closed_until_ms: if wait > 0 { now_ms.saturating_add(wait) } else { 0 } }
    }

    pub fn attempt(&mut self, now_ms: u64, pin: &str, technicians: &[Technician]) -> AuthOutcome {
        let remaining_ms = self.remaining_ms(now_ms);
        if remaining_ms > 0 {
            return AuthOutcome::MustWait { remaining_ms };
        }
        // A malformed PIN is a failure like any other, but is not worth hashing.
        let granted = if pin_shape_ok(pin) { verify_pin(pin, technicians) } else { None };
        match granted {
            Some(t) => {
                *self = Gate::default();
                AuthOutcome::Granted { technician_id: t.id.clone() }
            }
            None => {
                self.failures = self.failures.saturating_add(1);
                let wait_ms = backoff_ms(self.failures);
                self.closed_until_ms = now_ms.saturating_add(wait_ms);
                AuthOutcome::Wrong { wait_ms }
            }
        }
    }

    /// How long until the next attempt is looked at (0: now). For the UI's countdown.
    pub fn remaining_ms(&self, now_ms: u64) -> u64 {
        self.closed_until_ms.saturating_sub(now_ms)
    }

    /// Consecutive failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// The gate plus its failure count on disk (`<data dir>/technician-pin-backoff`, one
/// number, written atomically after every attempt that changed it). Without a file
/// (tests, `doctor`) it is the gate alone.
#[derive(Debug)]
pub struct Authenticator {
    gate: Gate,
    file: Option<PathBuf>,
}

impl Authenticator {
    /// Reads the saved failure count (0 when there is none or it is unreadable: a
    /// missing file must not lock technicians out).
    pub fn open(file: Option<PathBuf>, now_ms: u64) -> Self {
        let failures = file
            .as_deref()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        Authenticator { gate: Gate::restored(failures, now_ms), file }
    }

    pub fn attempt(&mut self, now_ms: u64, pin: &str, technicians: &[Technician]) -> AuthOutcome {
        let before = self.gate.failures();
        let outcome = self.gate.attempt(now_ms, pin, technicians);
        if self.gate.failures() != before
            && let Some(file) = &self.file
            && let Err(e) = save_failures(file, self.gate.failures())
        {
            // Not fatal: the gate still holds in memory until the next restart.
            tracing::warn!(file = %file.display(), error = %e, "technician PIN backoff not saved");
        }
        outcome
    }

    pub fn remaining_ms(&self, now_ms: u64) -> u64 {
        self.gate.remaining_ms(now_ms)
    }

    pub fn failures(&self) -> u32 {
        self.gate.failures()
    }
}

/// Written whole, synced and renamed: a power cut leaves the old count or the new one.
fn save_failures(file: &Path, failures: u32) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = file.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    writeln!(f, "{failures}")?;
    f.sync_all()?;
    std::fs::rename(&tmp, file)
}

/// The wait after the `failures`-th consecutive failure: 1 s, 2 s, 4 s, … capped at 5 min.
pub fn backoff_ms(failures: u32) -> u64 {
    match failures {
        0 => 0,
        // 2^9 s already exceeds the cap; avoid shifting into overflow.
        k if k > 9 => MAX_WAIT_MS,
        k => (1000u64 << (k - 1)).min(MAX_WAIT_MS),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Hashes with very low costs (256 KiB, one pass) so tests stay fast; the
    /// verification path is the same as for real hashes.
    pub(crate) fn cheap_technician(id: &str, pin: &str) -> Technician {
        let params = Params::new(256, 1, 1, None).expect("valid params");
        let argon2 = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        Technician {
            id: id.into(),
            name: format!("Technician {id}"),
            pin_hash: hash_pin_with(&argon2, pin).expect("hash"),
        }
    }

    #[test]
    fn default_cost_hash_verifies_and_is_argon2id() {
        let hash = hash_pin("24681357").expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"), "{hash}");
        let t = Technician { id: "T1".into(), name: "Budi".into(), pin_hash: hash };
        assert!(verify_pin("24681357", std::slice::from_ref(&t)).is_some());
        assert!(verify_pin("24681358", std::slice::from_ref(&t)).is_none());
        // The hash is also what the configuration accepts.
        let mut config = crate::config::Config::default();
        config.technicians.push(t);
        config.validate().expect("hash_pin output is a valid configuration entry");
    }

    #[test]
    fn salts_are_random() {
        let a = cheap_technician("a", "12345678");
        let b = cheap_technician("b", "12345678");
        assert_ne!(a.pin_hash, b.pin_hash);
    }

    #[test]
    fn refuses_to_hash_a_malformed_pin() {
        // 6 digits (the old minimum) and 7 are refused now, as is anything over 12.
        for pin in ["123456", "1234567", "1234567890123", "1234567a", "", "１２３４５６７８"] {
            assert_eq!(hash_pin(pin), Err(AuthError::PinShape), "{pin}");
        }
    }

    #[test]
    fn finds_the_right_technician_among_several() {
        let techs = [cheap_technician("T1", "11111111"), cheap_technician("T2", "222222222222")];
        assert_eq!(verify_pin("222222222222", &techs).map(|t| t.id.as_str()), Some("T2"));
        assert_eq!(verify_pin("11111111", &techs).map(|t| t.id.as_str()), Some("T1"));
        assert!(verify_pin("33333333", &techs).is_none());
    }

    #[test]
    fn broken_or_foreign_hashes_never_match() {
        let good = cheap_technician("T1", "11111111");
        let argon2i = {
            let params = Params::new(256, 1, 1, None).expect("params");
            let a = Argon2::new(argon2::Algorithm::Argon2i, argon2::Version::V0x13, params);
            hash_pin_with(&a, "11111111").expect("hash")
        };
        let greedy = good.pin_hash.replace("m=256", "m=4194304");
        for pin_hash in ["11111111".to_string(), "$argon2id$garbage".into(), argon2i, greedy] {
            let t = Technician { pin_hash, ..good.clone() };
            assert!(verify_pin("11111111", &[t]).is_none());
        }
    }

    #[test]
    fn debug_does_not_show_the_hash() {
        let t = cheap_technician("T1", "11111111");
        let shown = format!("{t:?}");
        assert!(shown.contains("T1") && !shown.contains("argon2") && !shown.contains(&t.pin_hash), "{shown}");
    }

    #[test]
    fn backoff_doubles_from_one_second_to_five_minutes() {
        let waits: Vec<u64> = (1..=12).map(backoff_ms).collect();
        assert_eq!(
            waits,
            [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000]
        );
        assert_eq!(backoff_ms(u32::MAX), MAX_WAIT_MS);
    }

    #[test]
    fn wrong_pins_close_the_gate_and_a_right_pin_reopens_it() {
        let techs = [cheap_technician("T1", "13579024")];
        let mut gate = Gate::new();
        assert_eq!(gate.attempt(10_000, "00000000", &techs), AuthOutcome::Wrong { wait_ms: 1_000 });
        // Even the right PIN is not looked at while the gate is closed.
        assert_eq!(gate.attempt(10_500, "13579024", &techs), AuthOutcome::MustWait { remaining_ms: 500 });
        assert_eq!(gate.attempt(11_000, "00000001", &techs), AuthOutcome::Wrong { wait_ms: 2_000 });
        assert_eq!(gate.attempt(12_999, "13579024", &techs), AuthOutcome::MustWait { remaining_ms: 1 });
        assert_eq!(gate.failures(), 2);
        // A malformed PIN counts as a failure too.
        assert_eq!(gate.attempt(13_000, "12", &techs), AuthOutcome::Wrong { wait_ms: 4_000 });
        assert_eq!(gate.remaining_ms(15_000), 2_000);
        assert_eq!(gate.attempt(17_000, "13579024", &techs), AuthOutcome::Granted { technician_id: "T1".into() });
        assert_eq!((gate.failures(), gate.remaining_ms(17_000)), (0, 0));
        assert_eq!(gate.attempt(17_001, "00000000", &techs), AuthOutcome::Wrong { wait_ms: 1_000 });
    }

    #[test]
    fn without_technicians_nobody_gets_in() {
        let mut gate = Gate::new();
        assert_eq!(gate.attempt(0, "12345678", &[]), AuthOutcome::Wrong { wait_ms: 1_000 });
    }

    // Issue #13, item 8: a reboot used to reset the backoff.
    #[test]
    fn backoff_survives_a_restart_and_the_file_holds_no_pin() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join(BACKOFF_FILE);
        let techs = [cheap_technician("T1", "13579024")];
        let mut now = 0;
        let mut auth = Authenticator::open(Some(file.clone()), now);
        for k in 1..=5 {
            assert_eq!(auth.attempt(now, "24680135", &techs), AuthOutcome::Wrong { wait_ms: backoff_ms(k) });
            now += backoff_ms(k);
        }
        drop(auth);
        // "Reboot": the runtime clock starts again from 0.
        let mut auth = Authenticator::open(Some(file.clone()), 0);
        assert_eq!(auth.failures(), 5);
        assert_eq!(auth.attempt(0, "13579024", &techs), AuthOutcome::MustWait { remaining_ms: 16_000 });
        assert_eq!(auth.attempt(16_000, "00000000", &techs), AuthOutcome::Wrong { wait_ms: 32_000 });
        let saved = std::fs::read_to_string(&file).expect("saved");
        assert_eq!(saved, "6\n", "a count, nothing else");
        // A right PIN resets it, on disk too.
        assert_eq!(auth.attempt(48_000, "13579024", &techs), AuthOutcome::Granted { technician_id: "T1".into() });
        let auth = Authenticator::open(Some(file.clone()), 0);
        assert_eq!((auth.failures(), auth.remaining_ms(0)), (0, 0));
        // A damaged file does not lock anyone out.
        std::fs::write(&file, "garbage").expect("write");
        assert_eq!(Authenticator::open(Some(file), 0).failures(), 0);
    }

    /// The time one guess costs with the production parameters, on this machine:
    /// `cargo test -p adm-kiosk --lib prints_the_time_per_guess -- --nocapture`.
    /// (Dependencies are built with opt-level 1 in the test profile; a release build is
    /// somewhat faster.)
    #[test]
    fn prints_the_time_per_guess() {
        let t = Technician { id: "T1".into(), name: "Budi".into(), pin_hash: hash_pin("24681357").expect("hash") };
        let started = std::time::Instant::now();
        let rounds = 3;
        for _ in 0..rounds {
            assert!(verify_pin("24681358", std::slice::from_ref(&t)).is_none());
        }
        let per_guess = started.elapsed() / rounds;
        let years = per_guess.as_secs_f64() * 1e8 / (365.25 * 24.0 * 3600.0);
        println!(
            "argon2id m={M_COST_KIB} KiB t={T_COST} p={P_COST}: {per_guess:?} per guess; 10^8 PINs = {years:.1} core-years"
        );
        assert!(per_guess >= std::time::Duration::from_millis(20), "suspiciously cheap: {per_guess:?}");
    }
}
