//! PIN hashing, random tokens and codes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use adm_central_client::api::shape::CROCKFORD;

/// Argon2id costs for citizen PINs: OWASP's first recommendation (19 MiB, 2 passes, one
/// lane). A 4-8 digit PIN cannot be made strong by hashing — the lockout and the per-NIK
/// rate limit are the protection against online guessing — but a copied database must
/// not give every PIN away in minutes: at these costs each guess costs 19 MiB and tens
/// of milliseconds (measured in `secrets::tests::pin_hash_cost`), so trying all 10^6
/// PINs of one citizen takes hours of a core, for each citizen separately (salted).
/// One hash per sign-in attempt is what the server pays; the demo seed pays a handful at
/// first start.
pub const PIN_HASH_M_COST_KIB: u32 = 19 * 1024;
pub const PIN_HASH_T_COST: u32 = 2;
pub const PIN_HASH_P_COST: u32 = 1;

/// What an unknown NIK's PIN is checked against, so that its answer takes as long as a
/// known one's: an argon2id hash with the costs above of a random PIN nobody kept.
/// Precomputed rather than hashed at every server start (~0.1 s natively, seconds on a
/// slow kiosk test VM); nothing signs in with it, since an unknown NIK has no citizen.
pub const DUMMY_PIN_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$expDP+uq58BrGn0QID7ikQ$mCXe/JqiUN9J5CaxL/tsIBZcxhdcKp97TYjAQDVpUTw";

/// Stored hashes asking for more than this are refused instead of computed: a tampered
/// row must not make one sign-in take the server's memory.
const MAX_M_COST_KIB: u32 = 256 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 8;

/// The random source or the PIN hash failed (both are fatal for the operation at hand).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RandomError(String);

pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| RandomError(format!("random source unavailable: {e}")))?;
    Ok(b)
}

fn argon2() -> Result<Argon2<'static>, RandomError> {
    let params = Params::new(PIN_HASH_M_COST_KIB, PIN_HASH_T_COST, PIN_HASH_P_COST, None)
        .map_err(|e| RandomError(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// An argon2id PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
pub fn hash_pin(pin: &str) -> Result<String, RandomError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| RandomError(format!("salt: {e}")))?;
    argon2()?
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| RandomError(format!("argon2 hash: {e}")))
}

/// Whether `pin` matches a stored argon2id hash (argon2's own constant-time comparison).
/// Anything else — the PBKDF2 hashes of earlier versions included — never matches: the
/// demo database is seeded fresh, and an officer resets a PIN with `reset-pin`.
pub fn verify_pin(pin: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    if parsed.algorithm != argon2::ARGON2ID_IDENT {
        return false;
    }
    match Params::try_from(&parsed) {
        Ok(p) if p.m_cost() <= MAX_M_COST_KIB && p.t_cost() <= MAX_T_COST && p.p_cost() <= MAX_P_COST => {}
        _ => return false,
    }
    // The hash carries its own parameters; the engine's are not used for verifying.
    Argon2::default().verify_password(pin.as_bytes(), &parsed).is_ok()
}

/// 16 characters of Crockford base32 (80 bits): notice and verification codes.
pub fn random_code() -> Result<String, RandomError> {
    let bytes = random_bytes::<16>()?;
    Ok(bytes.iter().map(|b| CROCKFORD[(b & 31) as usize] as char).collect())
}

/// Session token: 256 random bits, hex.
pub fn random_token() -> Result<String, RandomError> {
    Ok(hex::encode(random_bytes::<32>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_hashes_are_argon2id_with_the_chosen_costs() {
        let h = hash_pin("123456").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_ne!(h, hash_pin("123456").unwrap(), "salted");
        // An earlier version's PBKDF2 hash of 123456 no longer opens anything.
        assert!(!verify_pin("123456", "pbkdf2-sha256$10000$00$00"));
    }

    /// Prints the time per hash (`cargo test -p adm-central --lib pin_hash_cost -- --nocapture`).
    #[test]
    fn pin_hash_cost() {
        let h = hash_pin("123456").unwrap();
        let started = std::time::Instant::now();
        for _ in 0..5 {
            assert!(verify_pin("123456", &h));
        }
        eprintln!(
            "argon2id m={PIN_HASH_M_COST_KIB} KiB t={PIN_HASH_T_COST} p={PIN_HASH_P_COST}: {:?} per hash",
            started.elapsed() / 5
        );
    }

    #[test]
    fn pin_hash_round_trip() {
        let h = hash_pin("123456").unwrap();
        assert!(verify_pin("123456", &h));
        assert!(!verify_pin("123457", &h));
        assert!(!verify_pin("123456", "garbage"));
        assert!(adm_central_client::api::shape::is_code(&random_code().unwrap()));
    }
}
