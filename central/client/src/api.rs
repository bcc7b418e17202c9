//! Wire types of the kiosk ↔ central API, exactly as described in `central/openapi.yaml`.
//!
//! The reference server (`adm-central`) serialises these same types, so the two sides
//! cannot drift apart silently; the OpenAPI check in CI pins both to the document.

use serde::{Deserialize, Serialize};

pub mod applications;
pub mod catalogue;

pub use applications::{
    Application, ApplicationList, ApplicationStatus, NextStep, Pickup, PostalAddress, TimelineEntry,
};
pub use catalogue::{LocalizedText, Service, ServiceFile, ServiceFileKind, ServiceList, ServiceOutput};

/// Every path of the API starts with this prefix.
pub const API_PREFIX: &str = "/v1";

/// `POST /v1/sessions/nik`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NikSignIn {
    /// 16 digits.
    pub nik: String,
    /// 4-8 digits ([`shape::PIN_DIGITS`]). Never logged.
    pub pin: String,
}

/// `POST /v1/sessions/notice`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSignIn {
    /// 16 characters of Crockford base32 (the path segment of the notice QR).
    pub code: String,
    /// 4-8 digits, printed on the notice next to the QR. Never logged.
    pub pin: String,
}

/// The citizen a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenInfo {
    pub name: String,
    /// NIK of the signed-in citizen (also for notice sign-in, where it was never typed).
    pub nik: String,
    /// Family card (KK) number of the citizen.
    pub kk: String,
}

/// Answer to a successful sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionGrant {
    /// Opaque bearer token, valid only over the mTLS identity of the kiosk that signed in.
    pub token: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    pub citizen: CitizenInfo,
}

/// One printable document (`GET /v1/documents`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInfo {
    pub id: String,
    /// Stable kind code: `kk`, `akta-kelahiran`, `akta-kematian`, `akta-perkawinan`,
    /// `akta-perceraian`, `skpwni`, `biodata`; unknown codes may appear.
    pub kind: String,
    /// Human title as printed on the document (Bahasa Indonesia).
    pub title: String,
    /// Document number as printed on it.
    pub number: String,
    /// Issue date, `YYYY-MM-DD`.
    pub issued: String,
    pub pages: u32,
    pub prints_allowed: u32,
    pub prints_left: u32,
    /// Lower-case hex SHA-256 of the PDF.
    pub sha256: String,
    /// Size of the PDF in bytes.
    pub size: u64,
    /// NIK of the citizen entitled to print it (for a KK: the head of family).
    pub owner_nik: String,
    /// KK number the document belongs to.
    pub kk: String,
    /// True under the server's unlimited reprint policy: show "unlimited while AKTIF"
    /// rather than a count (`prints_left` is then only a runaway guard).
    #[serde(default)]
    pub unlimited: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentList {
    pub documents: Vec<DocumentInfo>,
    /// How often a document may be printed, for the kiosk to tell the citizen. Absent
    /// from servers that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reprint_policy: Option<ReprintPolicy>,
}

/// The server's reprint policy. The districts' guides: a document "dapat dicetak
/// berulang-ulang selagi tidak ada perubahan data dan status dokumen masih valid/aktif";
/// a server may also cap prints. A TIDAK AKTIF document is never printable, whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum ReprintPolicy {
    /// Each document's own `prints_allowed`, as issued.
    AsIssued,
    /// Any number of prints while the document is AKTIF.
    Unlimited,
    /// At most `prints` prints of each document.
    AtMost { prints: u32 },
}

/// Response header of `GET /v1/documents/{id}/pdf`: the grant (one reserved print) the
/// download received. The print report names it in [`PrintReportBody::grant_id`].
pub const PRINT_GRANT_HEADER: &str = "print-grant";

/// Body of `PUT /v1/print-reports/{report_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintReportBody {
    pub document_id: String,
    /// The `Print-Grant` of the download this print came from. A report without it, or
    /// with one issued to another kiosk or document, is kept but flagged and does not
    /// count against the citizen's prints. Optional so that reports queued by earlier
    /// kiosk versions still deliver.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present_string")]
    pub grant_id: Option<String>,
    #[serde(deserialize_with = "whole_number")]
    pub pages_printed: u32,
    /// True when every page came out.
    pub completed: bool,
    /// Kiosk time, RFC 3339.
    pub at: String,
}

/// An optional field that, when present, must be a string: `"grant_id": null` is not the
/// document's shape (absent is how "no grant" is said), so it is refused like any other
/// wrong type rather than read as absent.
fn present_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

/// JSON Schema's `integer` includes `3.0`; serde's `u32` does not. Accept whole numbers
/// written either way, refuse fractions and negatives.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    if let Some(v) = n.as_u64() {
        return u32::try_from(v).map_err(|_| serde::de::Error::custom("number out of range"));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) => Ok(f as u32),
        _ => Err(serde::de::Error::custom("expected a whole non-negative number")),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrintReportAck {
    pub report_id: String,
    /// True when the server already had this report (a retry): nothing was counted twice.
    pub duplicate: bool,
    pub prints_left: u32,
}

/// Body of `PUT /v1/audit-events/{event_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEventBody {
    /// Kiosk time, RFC 3339.
    pub at: String,
    /// Short machine-readable kind, e.g. `maintenance.login`.
    pub kind: String,
    /// Free text without personal data (mask NIKs).
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEventAck {
    pub event_id: String,
    pub duplicate: bool,
}

/// Status of a document looked up by the code in the QR printed on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocumentStatus {
    #[serde(rename = "AKTIF")]
    Aktif,
    /// Superseded (e.g. a newer KK was issued).
    #[serde(rename = "TIDAK_AKTIF")]
    TidakAktif,
    /// No document with this code: not issued by this central server.
    #[serde(rename = "TIDAK_VALID")]
    TidakValid,
}

/// `GET /v1/verify/{code}` ("cek dokumen"): answered without sign-in, so it carries only
/// what the printed paper itself shows, and the number masked. The details are present
/// only for codes the server issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyResult {
    pub status: DocumentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Title as printed, e.g. "KARTU KELUARGA".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Document number masked as `****0001` (a KK number is the family's identifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
}

/// `GET /v1/health`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    /// Server time, RFC 3339 (kiosks may compare it with their own clock).
    pub time: String,
    /// The kiosk id the server sees for this connection's certificate.
    pub kiosk_id: String,
}

/// `GET /v1/update`: the update bundle (a signed RAUC bundle of the kiosk's OS image)
/// the operator published for kiosks. The kiosk installs it when `version` differs from
/// the image it runs; the bundle's signature, checked by RAUC against the key on the
/// verified root, is what makes it trusted: size and digest only make the download sure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateOffer {
    /// The image version inside (the `IMAGE_VERSION` of its os-release).
    pub version: String,
    /// Size of the bundle in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the bundle; also its name in [`paths::update_bundle`].
    pub sha256: String,
}

/// Machine-readable error codes; the client maps them to citizen-facing reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    WrongPin,
    Locked,
    UnknownCitizen,
    UnknownNotice,
    SessionExpired,
    KioskRefused,
    RateLimited,
    NotFound,
    NoPrintsLeft,
    Conflict,
    PayloadTooLarge,
    /// The document is TIDAK AKTIF (replaced): never downloaded or printed again.
    DocumentInactive,
    Internal,
    /// A code this client version does not know.
    #[serde(other)]
    Unknown,
}

/// Body of every non-2xx answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ErrorCode,
    pub message: String,
    /// Only with `wrong_pin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// With `locked` (and `rate_limited`): seconds until a new attempt is looked at; the
    /// same value as the `Retry-After` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// Path helpers, so client and server spell every route the same way.
pub mod paths {
    pub const SIGN_IN_NIK: &str = "/v1/sessions/nik";
    pub const SIGN_IN_NOTICE: &str = "/v1/sessions/notice";
    pub const SESSION: &str = "/v1/session";
    pub const DOCUMENTS: &str = "/v1/documents";
    pub const HEALTH: &str = "/v1/health";
    /// CRLs of the document-signing CAs (PEM), for the kiosk's revocation check.
    pub const CRL: &str = "/v1/crl";

    pub fn document_pdf(id: &str) -> String {
        format!("/v1/documents/{id}/pdf")
    }
    pub fn print_report(report_id: &str) -> String {
        format!("/v1/print-reports/{report_id}")
    }
    pub fn audit_event(event_id: &str) -> String {
        format!("/v1/audit-events/{event_id}")
    }
    pub fn verify(code: &str) -> String {
        format!("/v1/verify/{code}")
    }
    /// The signed-in citizen's applications.
    pub const APPLICATIONS: &str = "/v1/applications";
    /// The service catalogue (no sign-in).
    pub const SERVICES: &str = "/v1/services";
    /// A service's guide or blank form, signed (no sign-in).
    pub fn service_file_pdf(id: &str) -> String {
        format!("/v1/service-files/{id}/pdf")
    }
    /// The published update bundle (204: none).
    pub const UPDATE: &str = "/v1/update";
    /// The bundle's bytes, named by their SHA-256 so a bundle published meanwhile is never
    /// mixed up with the one the kiosk was offered.
    pub fn update_bundle(sha256: &str) -> String {
        format!("/v1/update/bundles/{sha256}")
    }
}

/// Shape checks shared by both sides (the server answers 400 when they fail; the client
/// refuses to send, so a typo never costs a PIN attempt).
pub mod shape {
    /// Crockford base32 alphabet (no I, L, O, U, so nobody has to tell 0 from O or 1
    /// from I): notice and verification codes, and anything else a person may have to
    /// read out or type (the receipt's transaction id).
    pub const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    /// Characters of a notice or verification code.
    pub const CODE_LEN: usize = 16;

    pub fn is_nik(s: &str) -> bool {
        s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit())
    }
    /// Digits a citizen PIN (NIK or notice) may have on the wire. The server that issued
    /// the PIN decides whether it is right; a kiosk's keypad length (`pin_length`) must
    /// lie in this range, so kiosk, client and server share one rule.
    pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;

    pub fn is_pin(s: &str) -> bool {
        PIN_DIGITS.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    }
    /// Notice and verification codes: 16 upper-case Crockford base32 characters.
    pub fn is_code(s: &str) -> bool {
        s.len() == CODE_LEN && s.bytes().all(|b| CROCKFORD.contains(&b))
    }
    /// Ids chosen by the kiosk (report and event ids) or the server (document ids).
    pub fn is_id(s: &str) -> bool {
        (8..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }
    /// A lower-case hex SHA-256 digest.
    pub fn is_sha256(s: &str) -> bool {
        s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
    /// An image version: 1-64 characters of `[A-Za-z0-9.+_~-]`, as in os-release.
    pub fn is_version(s: &str) -> bool {
        (1..=64).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'_' | b'~' | b'-'))
    }
    /// RFC 3339 timestamp shape, e.g. `2025-01-31T09:15:00+07:00` (not a calendar check).
    pub fn is_timestamp(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() >= 20
            && b.len() <= 64
            && b[4] == b'-'
            && b[7] == b'-'
            && (b[10] == b'T' || b[10] == b't')
            && b[13] == b':'
            && b[16] == b':'
            && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19].into_iter().all(|r| b[r].iter().all(u8::is_ascii_digit))
            && s.is_ascii()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_round_trip_and_tolerate_new_ones() {
        let e: ApiError = serde_json::from_str(r#"{"error":"wrong_pin","message":"x","attempts_left":2}"#).unwrap();
        assert_eq!(e.error, ErrorCode::WrongPin);
        assert_eq!(e.attempts_left, Some(2));
        let e: ApiError = serde_json::from_str(r#"{"error":"brand_new","message":"x"}"#).unwrap();
        assert_eq!(e.error, ErrorCode::Unknown);
    }

    #[test]
    fn reprint_policy_is_tagged_and_optional_for_older_servers() {
        let p = serde_json::to_value(ReprintPolicy::AtMost { prints: 3 }).unwrap();
        assert_eq!(p, serde_json::json!({ "mode": "at_most", "prints": 3 }));
        let old: DocumentList = serde_json::from_str(r#"{"documents":[]}"#).unwrap();
        assert_eq!(old.reprint_policy, None);
        let e: ApiError = serde_json::from_str(r#"{"error":"document_inactive","message":"x"}"#).unwrap();
        assert_eq!(e.error, ErrorCode::DocumentInactive);
    }

    #[test]
    fn a_grant_is_a_string_or_absent() {
        let base = r#""document_id":"doc-demo-0001","pages_printed":1,"completed":true,"at":"x""#;
        let absent: PrintReportBody = serde_json::from_str(&format!("{{{base}}}")).unwrap();
        assert_eq!(absent.grant_id, None);
        let given: PrintReportBody = serde_json::from_str(&format!(r#"{{{base},"grant_id":"g-12345678"}}"#)).unwrap();
        assert_eq!(given.grant_id.as_deref(), Some("g-12345678"));
        assert!(serde_json::from_str::<PrintReportBody>(&format!(r#"{{{base},"grant_id":null}}"#)).is_err());
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats() {
        let r: PrintReportBody =
            serde_json::from_str(r#"{"document_id":"doc-demo-0001","pages_printed":2.0,"completed":true,"at":"x"}"#)
                .unwrap();
        assert_eq!(r.pages_printed, 2);
        assert!(
            serde_json::from_str::<PrintReportBody>(
                r#"{"document_id":"d","pages_printed":2.5,"completed":true,"at":"x"}"#
            )
            .is_err()
        );
        assert!(
            serde_json::from_str::<PrintReportBody>(
                r#"{"document_id":"d","pages_printed":-1,"completed":true,"at":"x"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn shapes() {
        assert!(shape::is_nik("3201011505800001"));
        assert!(!shape::is_nik("320101150580000"));
        for pin in ["1234", "123456", "12345678"] {
            assert!(shape::is_pin(pin), "{pin}");
        }
        for pin in ["123", "123456789", "12345a", "１２３４５６"] {
            assert!(!shape::is_pin(pin), "{pin}");
        }
        assert!(shape::is_code("7QK3M9ZT4HX2WD8R"));
        assert!(!shape::is_code("7QK3M9ZT4HX2WD8I"));
        assert!(shape::is_timestamp("2025-01-31T09:15:00+07:00"));
        assert!(shape::is_timestamp("2025-01-31T09:15:00Z"));
        assert!(!shape::is_timestamp("yesterday"));
        assert!(!shape::is_timestamp("2025-01-31T09:15:00Zé"));
        assert!(shape::is_sha256(&"ab12".repeat(16)));
        assert!(!shape::is_sha256(&"AB12".repeat(16)));
        assert!(!shape::is_sha256("ab12"));
        assert!(shape::is_version("99.0.0+lab"));
        assert!(shape::is_version("0.1.0+gacffb583de"));
        assert!(!shape::is_version("1.0 beta"));
        assert!(!shape::is_version(""));
    }
}
