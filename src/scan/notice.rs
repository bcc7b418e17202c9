//! The QR on a Dukcapil notice (e-mail / SMS link), as the kiosk reads it.
//!
//! The payload's shape, `https://<central-host>/n/<code>` with a 16-character Crockford
//! base32 code, is a wire shape: `adm_central_client::notice` owns it. What is the
//! kiosk's own here: the code goes straight into a wiped buffer, and every refusal reads
//! the same (the kiosk never opens the URL and never acts on another host: a QR code is
//! only a carrier for the code, and anything else is refused).

use zeroize::Zeroizing;

/// The payload of a notice QR (for the demo's simulated camera and tests).
pub use adm_central_client::notice::notice_payload as payload;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("not a Dukcapil notice QR")]
    NotANotice,
}

/// Extracts the notice code from a scanned payload, if it is a notice of `central_host`.
pub fn parse(payload: &str, central_host: &str) -> Result<Zeroizing<String>, NoticeError> {
    adm_central_client::parse_notice_payload(payload, central_host)
        .map(Zeroizing::new)
        .map_err(|_| NoticeError::NotANotice)
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

    /// The on-screen keyboard (`ui/widgets/code-keyboard.slint`) spells its keys out;
    /// they must be exactly the characters a code can have.
    #[test]
    fn the_code_keyboard_has_exactly_the_code_alphabet() {
        let slint = include_str!("../../ui/widgets/code-keyboard.slint");
        let mut keys: Vec<u8> = slint
            .lines()
            .filter_map(|l| l.trim().strip_prefix("for c in [")?.split_once(']').map(|(k, _)| k))
            .flat_map(|k| k.split(','))
            .map(|k| k.trim().trim_matches('"').as_bytes().to_vec())
            .inspect(|k| assert_eq!(k.len(), 1, "one character per key"))
            .flatten()
            .collect();
        keys.sort_unstable();
        let mut alphabet = adm_central_client::api::shape::CROCKFORD.to_vec();
        alphabet.sort_unstable();
        assert_eq!(keys, alphabet);
    }
}
