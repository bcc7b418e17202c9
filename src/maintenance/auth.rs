//! Technician PINs: hashing (for provisioning) and the entry gate with exponential
//! backoff.
//!
//! [`Gate`] is a pure state machine like the session machine: time comes in as
//! `now_ms`, nothing here reads a clock. Checking a PIN is deliberately slow (argon2id,
//! tens of milliseconds per technician), so call [`Gate::attempt`] from a worker thread,
//! never from the UI thread.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};

pub use crate::config::Technician;

/// Technician PINs are longer than citizens' notice PINs: they open every kiosk a
/// technician is provisioned on.
pub const PIN_MIN_DIGITS: usize = 6;
pub const PIN_MAX_DIGITS: usize = 8;

/// Longest wait the gate imposes, however many failures (5 minutes): long enough to
/// make guessing 10^6 PINs take years, short enough that a technician who fat-fingered
/// a few times is not sent home.
pub const MAX_WAIT_MS: u64 = 300_000;

/// Hashes with costs above these are refused instead of computed: a hash in the
/// configuration asking for gigabytes of memory would otherwise take the kiosk down at
/// the PIN screen.
const MAX_M_COST_KIB: u32 = 256 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("a technician PIN is {PIN_MIN_DIGITS}-{PIN_MAX_DIGITS} digits")]
    PinShape,
    #[error("cannot hash the PIN: {0}")]
    Hash(String),
}

/// Whether `pin` has the shape of a technician PIN (6-8 ASCII digits).
pub fn pin_shape_ok(pin: &str) -> bool {
    (PIN_MIN_DIGITS..=PIN_MAX_DIGITS).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// Hashes a technician PIN for the configuration file: argon2id with the crate's
/// default (OWASP-recommended) costs and a fresh random salt, as a PHC string.
pub fn hash_pin(pin: &str) -> Result<String, AuthError> {
    hash_pin_with(&Argon2::default(), pin)
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
/// attempt for min(2^(k-1) s, 5 min); a success resets it.
///
/// Kept in memory only: a reboot resets it, but a reboot takes longer than the early
/// waits and is itself visible (and audited) at the central server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gate {
    failures: u32,
    closed_until_ms: u64,
}

impl Gate {
    pub fn new() -> Self {
        Gate::default()
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
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
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
        let a = cheap_technician("a", "123456");
        let b = cheap_technician("b", "123456");
        assert_ne!(a.pin_hash, b.pin_hash);
    }

    #[test]
    fn refuses_to_hash_a_malformed_pin() {
        for pin in ["12345", "123456789", "12345a", "", "１２３４５６"] {
            assert_eq!(hash_pin(pin), Err(AuthError::PinShape), "{pin}");
        }
    }

    #[test]
    fn finds_the_right_technician_among_several() {
        let techs = [cheap_technician("T1", "111111"), cheap_technician("T2", "22222222")];
        assert_eq!(verify_pin("22222222", &techs).map(|t| t.id.as_str()), Some("T2"));
        assert_eq!(verify_pin("111111", &techs).map(|t| t.id.as_str()), Some("T1"));
        assert!(verify_pin("333333", &techs).is_none());
    }

    #[test]
    fn broken_or_foreign_hashes_never_match() {
        let good = cheap_technician("T1", "111111");
        let argon2i = {
            let params = Params::new(256, 1, 1, None).expect("params");
            let a = Argon2::new(argon2::Algorithm::Argon2i, argon2::Version::V0x13, params);
            hash_pin_with(&a, "111111").expect("hash")
        };
        let greedy = good.pin_hash.replace("m=256", "m=4194304");
        for pin_hash in ["111111".to_string(), "$argon2id$garbage".into(), argon2i, greedy] {
            let t = Technician { pin_hash, ..good.clone() };
            assert!(verify_pin("111111", &[t]).is_none());
        }
    }

    #[test]
    fn debug_does_not_show_the_hash() {
        let t = cheap_technician("T1", "111111");
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
        let techs = [cheap_technician("T1", "135790")];
        let mut gate = Gate::new();
        assert_eq!(gate.attempt(10_000, "000000", &techs), AuthOutcome::Wrong { wait_ms: 1_000 });
        // Even the right PIN is not looked at while the gate is closed.
        assert_eq!(gate.attempt(10_500, "135790", &techs), AuthOutcome::MustWait { remaining_ms: 500 });
        assert_eq!(gate.attempt(11_000, "000001", &techs), AuthOutcome::Wrong { wait_ms: 2_000 });
        assert_eq!(gate.attempt(12_999, "135790", &techs), AuthOutcome::MustWait { remaining_ms: 1 });
        assert_eq!(gate.failures(), 2);
        // A malformed PIN counts as a failure too.
        assert_eq!(gate.attempt(13_000, "12", &techs), AuthOutcome::Wrong { wait_ms: 4_000 });
        assert_eq!(gate.remaining_ms(15_000), 2_000);
        assert_eq!(gate.attempt(17_000, "135790", &techs), AuthOutcome::Granted { technician_id: "T1".into() });
        assert_eq!((gate.failures(), gate.remaining_ms(17_000)), (0, 0));
        assert_eq!(gate.attempt(17_001, "000000", &techs), AuthOutcome::Wrong { wait_ms: 1_000 });
    }

    #[test]
    fn without_technicians_nobody_gets_in() {
        let mut gate = Gate::new();
        assert_eq!(gate.attempt(0, "123456", &[]), AuthOutcome::Wrong { wait_ms: 1_000 });
    }
}
