//! RFC 3161 time-stamp tokens: signature timestamps (PAdES B-T) and document
//! timestamps (B-LTA). A verified token gives the time at which the signer's chain is
//! validated (PAdES has no *signed* signing time: `/M` is only a claim).

use std::time::{Duration, SystemTime};

use thiserror::Error;

use super::algo::DigestAlg;
use super::asn1::{self, Asn1Error};
use super::chain::{self, ChainError, Purpose, TrustAnchors};
use super::cms::{self, CmsError};

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TspError {
    #[error("timestamp token: {0}")]
    Cms(#[from] CmsError),
    #[error("timestamp token: {0}")]
    Asn1(#[from] Asn1Error),
    #[error("timestamp token is not over this data (messageImprint)")]
    Imprint,
    #[error("timestamp token malformed: {0}")]
    Malformed(&'static str),
    #[error("timestamp lies in the future")]
    Future,
    #[error("timestamp authority untrusted: {0}")]
    Chain(#[from] ChainError),
}

impl TspError {
    pub fn is_untrusted(&self) -> bool {
        matches!(self, Self::Chain(_))
    }
    pub fn is_invalid(&self) -> bool {
        matches!(self, Self::Imprint | Self::Future) || matches!(self, Self::Cms(e) if e.is_invalid_signature())
    }
}

#[derive(Debug, Clone)]
pub struct Timestamp {
    pub gen_time: SystemTime,
    pub tsa: String,
}

/// Verifies a DER token over data whose digest `imprint(alg)` computes. The TSA chain is
/// validated at `now` (kiosk time).
pub fn verify_token(
    der: &[u8],
    imprint: impl Fn(DigestAlg) -> Vec<u8>,
    anchors: &TrustAnchors,
    now: SystemTime,
) -> Result<Timestamp, TspError> {
    let sd = cms::parse(der)?;
    if sd.econtent_type != cms::ID_TST_INFO {
        return Err(TspError::Malformed("not a TSTInfo"));
    }
    let tst = sd.econtent.ok_or(TspError::Malformed("no TSTInfo"))?;
    let tsa = sd.verify_signer(&sd.signer.digest.digest(&[tst]), false)?;
    let (info, _) = asn1::parse(tst)?;
    let f = info.tagged(asn1::SEQUENCE)?.children()?;
    // version, policy, messageImprint, serialNumber, genTime
    let mi = f.get(2).ok_or(TspError::Malformed("messageImprint"))?.tagged(asn1::SEQUENCE)?.children()?;
    let [alg, hashed] = mi.as_slice() else { return Err(TspError::Malformed("messageImprint")) };
    let alg = DigestAlg::from_alg_id(*alg).map_err(|_| TspError::Malformed("imprint algorithm"))?;
    if alg == DigestAlg::Sha1 || hashed.tagged(asn1::OCTET_STRING)?.value != imprint(alg).as_slice() {
        return Err(TspError::Imprint);
    }
    let gt = f.get(4).ok_or(TspError::Malformed("genTime"))?.tagged(asn1::GENERALIZED_TIME)?;
    let gen_time = generalized_time(gt.value).ok_or(TspError::Malformed("genTime"))?;
    if gen_time > now {
        return Err(TspError::Future);
    }
    // TSA revocation is not checked: TSA certificates are short-lived and the kiosk's
    // CRLs cover the document-signing hierarchy.
    chain::validate(tsa, &sd.certs, anchors, now, Purpose::TimeStamping, None)?;
    Ok(Timestamp { gen_time, tsa: tsa.subject_string() })
}

/// `YYYYMMDDHHMMSS[.f+]Z` (RFC 3161 allows fractional seconds; `der` does not).
pub fn generalized_time(s: &[u8]) -> Option<SystemTime> {
    let s = std::str::from_utf8(s).ok()?;
    let s = s.strip_suffix('Z')?;
    let (main, frac) = s.split_once('.').unwrap_or((s, ""));
    if main.len() != 14 || !main.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| main.get(r).and_then(|x| x.parse::<u32>().ok());
    let (y, mo, d, h, mi, se) = (n(0..4)?, n(4..6)?, n(6..8)?, n(8..10)?, n(10..12)?, n(12..14)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 || y < 1970 {
        return None;
    }
    let days = days_from_civil(i64::from(y), mo, d);
    let secs = u64::try_from(days).ok()? * 86_400 + u64::from(h) * 3600 + u64::from(mi) * 60 + u64::from(se);
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_generalized_time() {
        let t = generalized_time(b"20230601000000Z").expect("valid");
        assert_eq!(t.duration_since(SystemTime::UNIX_EPOCH).expect("after epoch").as_secs(), 1_685_577_600);
        assert!(generalized_time(b"20230601000000.123Z").is_some());
        assert!(generalized_time(b"2023060100000Z").is_none());
        assert!(generalized_time(b"20231301000000Z").is_none());
    }
}
