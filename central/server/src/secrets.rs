//! PIN hashing, random tokens and codes.

use pbkdf2::pbkdf2_hmac;
use sha2::Sha256;

use adm_central_client::api::shape::CROCKFORD;

/// PBKDF2 rounds: a 6-digit PIN cannot be made strong by hashing, so the real protection
/// is the lockout after 3 attempts; the hash only keeps PINs out of plain sight.
const ROUNDS: u32 = 10_000;

#[derive(Debug, thiserror::Error)]
#[error("random source unavailable: {0}")]
pub struct RandomError(String);

pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| RandomError(e.to_string()))?;
    Ok(b)
}

/// `pbkdf2-sha256$<rounds>$<salt hex>$<hash hex>`
pub fn hash_pin(pin: &str) -> Result<String, RandomError> {
    let salt = random_bytes::<16>()?;
    let mut out = [0u8; 32];
    pbkdf2_hmac::<Sha256>(pin.as_bytes(), &salt, ROUNDS, &mut out);
    Ok(format!("pbkdf2-sha256${ROUNDS}${}${}", hex::encode(salt), hex::encode(out)))
}

pub fn verify_pin(pin: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("pbkdf2-sha256"), Some(rounds), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Ok(rounds), Ok(salt), Ok(hash)) = (rounds.parse::<u32>(), hex::decode(salt), hex::decode(hash)) else {
        return false;
    };
    if !(1..=1_000_000).contains(&rounds) || hash.len() != 32 {
        return false;
    }
    let mut out = [0u8; 32];
    pbkdf2_hmac::<Sha256>(pin.as_bytes(), &salt, rounds, &mut out);
    // Constant-time comparison.
    out.iter().zip(&hash).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
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

/// Masks a NIK for logs: `3201********0001`.
pub fn mask_nik(nik: &str) -> String {
    if nik.len() == 16 && nik.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}********{}", &nik[..4], &nik[12..])
    } else {
        "*".repeat(nik.chars().count().min(16))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_hash_round_trip() {
        let h = hash_pin("123456").unwrap();
        assert!(verify_pin("123456", &h));
        assert!(!verify_pin("123457", &h));
        assert!(!verify_pin("123456", "garbage"));
        assert!(adm_central_client::api::shape::is_code(&random_code().unwrap()));
        assert_eq!(mask_nik("3201011505800001"), "3201********0001");
    }
}
