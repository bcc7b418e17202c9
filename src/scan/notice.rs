//! The QR on a Dukcapil notice (e-mail / SMS link), as defined in the API spec:
//! `https://<central-host>/n/<code>`, code = 16 characters of Crockford base32.
//!
//! The kiosk never opens the URL and never acts on another host: a QR code is only a
//! carrier for the code, and anything else is refused.

use zeroize::Zeroizing;

pub const CODE_LEN: usize = 16;
const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("not a Dukcapil notice QR")]
    NotANotice,
}

/// Extracts the notice code from a scanned payload, if it is a notice of `central_host`.
pub fn parse(payload: &str, central_host: &str) -> Result<Zeroizing<String>, NoticeError> {
    let rest = payload.strip_prefix("https://").ok_or(NoticeError::NotANotice)?;
    let (host, path) = rest.split_once('/').ok_or(NoticeError::NotANotice)?;
    if !host.eq_ignore_ascii_case(central_host) {
        return Err(NoticeError::NotANotice);
    }
    let code = path.strip_prefix("n/").ok_or(NoticeError::NotANotice)?;
    if code.len() != CODE_LEN || !code.chars().all(|c| CROCKFORD.contains(c.to_ascii_uppercase())) {
        return Err(NoticeError::NotANotice);
    }
    Ok(Zeroizing::new(code.to_ascii_uppercase()))
}

/// The payload of a notice QR (for the demo's simulated camera and tests).
pub fn payload(central_host: &str, code: &str) -> String {
    format!("https://{central_host}/n/{code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "siak.example.go.id";

    #[test]
    fn accepts_a_notice_of_the_configured_server() {
        let code = parse("https://siak.example.go.id/n/7Q2K9M4T1V8X3Z6B", HOST).expect("notice");
        assert_eq!(code.as_str(), "7Q2K9M4T1V8X3Z6B");
        assert_eq!(
            parse("https://SIAK.example.go.id/n/7q2k9m4t1v8x3z6b", HOST).map(|c| c.to_string()),
            Ok(code.to_string())
        );
    }

    #[test]
    fn refuses_everything_else() {
        for p in [
            "",
            "7Q2K9M4T1V8X3Z6B",
            "http://siak.example.go.id/n/7Q2K9M4T1V8X3Z6B",
            "https://evil.example.com/n/7Q2K9M4T1V8X3Z6B",
            "https://siak.example.go.id.evil.com/n/7Q2K9M4T1V8X3Z6B",
            "https://siak.example.go.id@evil.com/n/7Q2K9M4T1V8X3Z6B",
            "https://siak.example.go.id/x/7Q2K9M4T1V8X3Z6B",
            "https://siak.example.go.id/n/7Q2K9M4T1V8X3Z6",
            "https://siak.example.go.id/n/7Q2K9M4T1V8X3Z6BU",
            "https://siak.example.go.id/n/7Q2K9M4T1V8X3Z6U",
            "https://siak.example.go.id/n/7Q2K9M4T1V8X3Z6B?x=1",
            "WIFI:S:free;;",
        ] {
            assert_eq!(parse(p, HOST), Err(NoticeError::NotANotice), "{p}");
        }
    }
}
