//! A scanned QR payload → the notice code (sign-in by notice) and the document-check
//! code. Beyond "no panic": an accepted code has the code's shape (16 Crockford
//! characters, upper case) and the payload named the configured host, so the kiosk never
//! acts on another server's QR.
#![no_main]

use adm_central_client::api::shape;
use adm_central_client::notice::{notice_payload, parse_notice_payload, parse_verify_payload, verify_payload};
use libfuzzer_sys::fuzz_target;

const HOST: &str = "siak.example.go.id";

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = std::str::from_utf8(data) else { return };
    for (parse, make) in [
        (parse_notice_payload as fn(&str, &str) -> _, notice_payload as fn(&str, &str) -> String),
        (parse_verify_payload, verify_payload),
    ] {
        let Ok(code) = parse(payload, HOST) else { continue };
        assert!(shape::is_code(&code), "accepted a code of the wrong shape: {code:?}");
        assert!(!code.bytes().any(|b| b.is_ascii_lowercase()), "code not upper-cased: {code:?}");
        let host = payload.trim().strip_prefix("https://").and_then(|r| r.split_once('/')).map(|(h, _)| h);
        assert!(host.is_some_and(|h| h.eq_ignore_ascii_case(HOST)), "accepted another host: {payload:?}");
        // What the kiosk accepted is what the server's QR for that code says.
        assert_eq!(parse(&make(HOST, &code), HOST).as_deref(), Ok(code.as_str()));
    }
});
