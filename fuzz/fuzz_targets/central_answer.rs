//! Bytes from the central server (or whoever answers in its place) → the client's reading
//! of them: every JSON answer type, an error status with its body, the update offer. The
//! first two bytes are the HTTP status for the error mapping, the rest the body.
#![no_main]

use adm_central_client::answer;
use adm_central_client::api::{self, applications, catalogue, shape};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [hi, lo, rest @ ..] => (u16::from_be_bytes([*hi, *lo]) % 1000, rest),
        _ => (500, data),
    };
    let _ = answer::json::<api::SessionGrant>(body);
    let _ = answer::json::<api::DocumentList>(body);
    let _ = answer::json::<api::PrintReportAck>(body);
    let _ = answer::json::<api::AuditEventAck>(body);
    let _ = answer::json::<api::VerifyResult>(body);
    let _ = answer::json::<api::Health>(body);
    let _ = answer::json::<applications::ApplicationList>(body);
    let _ = answer::json::<catalogue::ServiceList>(body);
    let _ = answer::refusal(status, body);
    if let Ok(Some(offer)) = answer::update_offer(body) {
        // The kiosk builds a download path from it: only a digest of the right shape.
        assert!(shape::is_sha256(&offer.sha256) && shape::is_version(&offer.version));
    }
});
