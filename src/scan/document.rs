//! The QR printed on a document (next to its electronic signature, TTE), as the kiosk's
//! document check reads it.
//!
//! The payload's shape, `https://<central-host>/v/<code>`, is a wire shape:
//! `adm_central_client::notice` owns it. As for a notice, the kiosk never opens the URL
//! and asks only its own central server: a QR naming another host is not a document code
//! this kiosk can check, and every refusal reads the same.

use zeroize::Zeroizing;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DocumentQrError {
    #[error("not the QR of a document of this kiosk's central server")]
    NotADocumentCode,
}

/// The verification code in a scanned payload, if it is a document QR of `central_host`.
pub fn parse(payload: &str, central_host: &str) -> Result<Zeroizing<String>, DocumentQrError> {
    adm_central_client::notice::parse_verify_payload(payload, central_host)
        .map(Zeroizing::new)
        .map_err(|_| DocumentQrError::NotADocumentCode)
}

/// The payload of a document's QR (for the demo's simulated camera and tests).
pub use adm_central_client::notice::verify_payload as payload;

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "siak.example.go.id";

    #[test]
    fn reads_the_code_of_a_document_of_the_configured_server_only() {
        let code = parse(&payload(HOST, "3QF8ZK2M7T4WXN9A"), HOST).expect("document QR");
        assert_eq!(code.as_str(), "3QF8ZK2M7T4WXN9A");
        for p in [
            "",
            "WIFI:S:free;;",
            "3QF8ZK2M7T4WXN9A",
            "https://siak.example.go.id/n/3QF8ZK2M7T4WXN9A",
            "https://verify.example.com/v/3QF8ZK2M7T4WXN9A",
            "https://siak.example.go.id/v/3QF8ZK2M7T4WXN9",
            "\u{0}\u{ff}garbage",
        ] {
            assert_eq!(parse(p, HOST), Err(DocumentQrError::NotADocumentCode), "{p:?}");
        }
    }
}
