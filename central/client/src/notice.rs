//! The notice QR: `https://<central-host>/n/<code>` with `code` = 16 characters of
//! Crockford base32. The kiosk accepts only its own configured central host, so a QR
//! pointing anywhere else (a phishing notice) is refused before any network traffic.

use crate::api::shape;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeParseError {
    #[error("not a notice QR")]
    NotANotice,
    #[error("notice is for another central server")]
    WrongHost,
    #[error("malformed notice code")]
    BadCode,
}

/// Extracts the notice code from a scanned QR payload.
///
/// Lower-case letters are accepted and upper-cased (people may type the code by hand);
/// Crockford's look-alikes (I, L, O) are *not* silently mapped, because a wrong guess
/// would burn one of the citizen's three PIN attempts on someone else's notice.
pub fn parse_notice_payload(payload: &str, expected_host: &str) -> Result<String, NoticeParseError> {
    let rest = payload.trim().strip_prefix("https://").ok_or(NoticeParseError::NotANotice)?;
    let (host, path) = rest.split_once('/').ok_or(NoticeParseError::NotANotice)?;
    if !host.eq_ignore_ascii_case(expected_host) {
        return Err(NoticeParseError::WrongHost);
    }
    let code = path.strip_prefix("n/").ok_or(NoticeParseError::NotANotice)?;
    let code = code.to_ascii_uppercase();
    if !shape::is_code(&code) {
        return Err(NoticeParseError::BadCode);
    }
    Ok(code)
}

/// Extracts the verification code from the QR printed on a document
/// (`https://<host>/v/<code>`, see [`verify_payload`]), with the same rules as a notice:
/// only the configured central host, a 16-character Crockford code, lower case accepted.
/// The kiosk's document check (no sign-in) asks the server about nothing else.
pub fn parse_verify_payload(payload: &str, expected_host: &str) -> Result<String, NoticeParseError> {
    let rest = payload.trim().strip_prefix("https://").ok_or(NoticeParseError::NotANotice)?;
    let (host, path) = rest.split_once('/').ok_or(NoticeParseError::NotANotice)?;
    if !host.eq_ignore_ascii_case(expected_host) {
        return Err(NoticeParseError::WrongHost);
    }
    let code = path.strip_prefix("v/").ok_or(NoticeParseError::NotANotice)?.to_ascii_uppercase();
    if !shape::is_code(&code) {
        return Err(NoticeParseError::BadCode);
    }
    Ok(code)
}

/// The payload of the notice QR for `code` (used by the server and in tests).
pub fn notice_payload(host: &str, code: &str) -> String {
    format!("https://{host}/n/{code}")
}

/// The payload of the verification QR printed on every document.
pub fn verify_payload(host: &str, code: &str) -> String {
    format!("https://{host}/v/{code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "siak.demo.invalid";

    #[test]
    fn a_document_qr_gives_its_verification_code_for_the_own_host_only() {
        let host = HOST;
        let code = "3QF8ZK2M7T4WXN9A";
        assert_eq!(parse_verify_payload(&verify_payload(host, code), host).as_deref(), Ok(code));
        assert_eq!(parse_verify_payload("https://SIAK.demo.invalid/v/3qf8zk2m7t4wxn9a\n", host).as_deref(), Ok(code));
        for (payload, err) in [
            ("https://evil.example/v/3QF8ZK2M7T4WXN9A", NoticeParseError::WrongHost),
            ("https://siak.demo.invalid@evil.example/v/3QF8ZK2M7T4WXN9A", NoticeParseError::WrongHost),
            ("https://siak.demo.invalid/n/3QF8ZK2M7T4WXN9A", NoticeParseError::NotANotice),
            ("http://siak.demo.invalid/v/3QF8ZK2M7T4WXN9A", NoticeParseError::NotANotice),
            ("3QF8ZK2M7T4WXN9A", NoticeParseError::NotANotice),
            ("https://siak.demo.invalid/v/3QF8ZK2M7T4WXN9", NoticeParseError::BadCode),
            ("https://siak.demo.invalid/v/3QF8ZK2M7T4WXN9O", NoticeParseError::BadCode),
            ("https://siak.demo.invalid/v/3QF8ZK2M7T4WXN9A?x=1", NoticeParseError::BadCode),
        ] {
            assert_eq!(parse_verify_payload(payload, host), Err(err), "{payload}");
        }
    }

    #[test]
    fn accepts_own_host_only() {
        assert_eq!(
            parse_notice_payload("https://siak.demo.invalid/n/7QK3M9ZT4HX2WD8R", HOST).as_deref(),
            Ok("7QK3M9ZT4HX2WD8R")
        );
        assert_eq!(
            parse_notice_payload("https://SIAK.demo.invalid/n/7qk3m9zt4hx2wd8r\n", HOST).as_deref(),
            Ok("7QK3M9ZT4HX2WD8R")
        );
        assert_eq!(
            parse_notice_payload("https://evil.example/n/7QK3M9ZT4HX2WD8R", HOST),
            Err(NoticeParseError::WrongHost)
        );
        assert_eq!(
            parse_notice_payload("https://siak.demo.invalid.evil.example/n/7QK3M9ZT4HX2WD8R", HOST),
            Err(NoticeParseError::WrongHost)
        );
        assert_eq!(
            parse_notice_payload("https://user@siak.demo.invalid/n/7QK3M9ZT4HX2WD8R", HOST),
            Err(NoticeParseError::WrongHost)
        );
        assert_eq!(
            parse_notice_payload("http://siak.demo.invalid/n/7QK3M9ZT4HX2WD8R", HOST),
            Err(NoticeParseError::NotANotice)
        );
        assert_eq!(
            parse_notice_payload("https://siak.demo.invalid/v/7QK3M9ZT4HX2WD8R", HOST),
            Err(NoticeParseError::NotANotice)
        );
        assert_eq!(
            parse_notice_payload("https://siak.demo.invalid/n/7QK3M9ZT4HX2WD8", HOST),
            Err(NoticeParseError::BadCode)
        );
        assert_eq!(
            parse_notice_payload("https://siak.demo.invalid/n/7QK3M9ZT4HX2WD8R?x=1", HOST),
            Err(NoticeParseError::BadCode)
        );
        assert_eq!(
            parse_notice_payload("https://siak.demo.invalid/n/7QK3M9ZT4HX2WD8O", HOST),
            Err(NoticeParseError::BadCode)
        );
    }
}
