//! The reprint policy (issue #19): how often an AKTIF document may be printed. Kept in the
//! `meta` table so the server and the admin CLI on the same store agree, and read inside
//! the grant transactions (`grants`), so a changed policy applies to the next download.
//!
//! The districts' guides say a document "dapat dicetak berulang-ulang selagi tidak ada
//! perubahan data dan status dokumen masih valid/aktif"; a district may still cap prints.
//! Whatever the policy, a TIDAK AKTIF document is never printable (`http::handlers`).

use rusqlite::Connection;

use adm_central_client::api::ReprintPolicy;

use super::DbError;

const META_KEY: &str = "reprint_policy";

/// What "unlimited" allows per document: a guard against a runaway kiosk, far beyond any
/// citizen's need, so the grant arithmetic stays the same for every policy.
pub const UNLIMITED_PRINTS: u32 = 9_999;

/// Prints of a document allowed under `policy`, given what it was issued with.
pub fn allowance(policy: ReprintPolicy, issued_with: u32) -> u32 {
    match policy {
        ReprintPolicy::AsIssued => issued_with,
        ReprintPolicy::Unlimited => UNLIMITED_PRINTS,
        ReprintPolicy::AtMost { prints } => prints,
    }
}

pub fn get(conn: &Connection) -> Result<ReprintPolicy, DbError> {
    Ok(super::meta(conn, META_KEY)?.and_then(|v| parse(&v).ok()).unwrap_or(ReprintPolicy::AsIssued))
}

pub fn set(conn: &Connection, policy: ReprintPolicy) -> Result<(), DbError> {
    super::set_meta(conn, META_KEY, &render(policy))
}

/// `as-issued`, `unlimited` or a number of prints (`serve --reprints`).
pub fn parse(s: &str) -> Result<ReprintPolicy, String> {
    match s.trim() {
        "as-issued" => Ok(ReprintPolicy::AsIssued),
        "unlimited" => Ok(ReprintPolicy::Unlimited),
        n => n
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=UNLIMITED_PRINTS).contains(n))
            .map(|prints| ReprintPolicy::AtMost { prints })
            .ok_or_else(|| format!("reprints must be as-issued, unlimited or 1-{UNLIMITED_PRINTS}, not {s:?}")),
    }
}

pub fn render(policy: ReprintPolicy) -> String {
    match policy {
        ReprintPolicy::AsIssued => "as-issued".into(),
        ReprintPolicy::Unlimited => "unlimited".into(),
        ReprintPolicy::AtMost { prints } => prints.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_round_trip_and_set_allowances() {
        for p in [ReprintPolicy::AsIssued, ReprintPolicy::Unlimited, ReprintPolicy::AtMost { prints: 3 }] {
            assert_eq!(parse(&render(p)), Ok(p));
        }
        assert!(parse("0").is_err() && parse("many").is_err());
        assert_eq!(allowance(ReprintPolicy::AsIssued, 2), 2);
        assert_eq!(allowance(ReprintPolicy::AtMost { prints: 5 }, 2), 5);
        assert_eq!(allowance(ReprintPolicy::Unlimited, 1), UNLIMITED_PRINTS);
    }
}
