//! Every failure of the client, in terms a citizen screen (or the outbox) can act on.

use crate::api::{ApiError, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// No answer: connection refused, DNS, TLS handshake with a server we do not trust,
    /// timeouts. "Layanan sedang tidak tersedia" on the screen.
    #[error("central server unreachable")]
    Unreachable,
    #[error("wrong PIN, {attempts_left} attempt(s) left")]
    WrongPin { attempts_left: u32 },
    /// Too many wrong PINs for this NIK: refused (even with the right PIN) for
    /// `retry_after` seconds, when the server says; an officer can unlock at once.
    #[error("too many wrong PINs; locked for a while")]
    Locked { retry_after: Option<u64> },
    /// A malformed NIK, refused before it is sent. (The reference server never says
    /// "not registered": an unknown NIK gets the same answers as a wrong PIN.)
    #[error("NIK not registered")]
    UnknownCitizen,
    #[error("notice code unknown or expired")]
    UnknownNotice,
    #[error("session expired")]
    SessionExpired,
    /// The server does not accept this kiosk's certificate (unknown or revoked).
    #[error("kiosk not authorised by the central server")]
    KioskRefused,
    #[error("too many requests")]
    RateLimited,
    /// The document (or other resource) does not exist for this session.
    #[error("not found")]
    NotFound,
    /// The server allows no more prints of this document.
    #[error("no prints left for this document")]
    NoPrintsLeft,
    /// The document is TIDAK AKTIF (replaced, e.g. by a newer KK): the server refuses to
    /// hand it out or to count a print of it, even when an older listing offered it.
    #[error("document is no longer active (replaced)")]
    DocumentInactive,
    /// The downloaded PDF did not match the SHA-256 or size announced in the listing.
    #[error("downloaded document does not match its announced checksum")]
    IntegrityMismatch,
    /// An answer larger than this client accepts.
    #[error("response too large")]
    TooLarge,
    /// The server refused the request as malformed or conflicting (4xx): retrying the
    /// same request can never succeed.
    #[error("request rejected by the central server: {0}")]
    Rejected(String),
    /// 5xx, or an answer this client cannot understand.
    #[error("central server error: {0}")]
    Server(String),
    /// Bad local configuration (certificate files, URL).
    #[error("client configuration: {0}")]
    Config(String),
}

impl ClientError {
    /// Whether sending the same thing later may succeed (the outbox keeps such records
    /// queued; anything else is set aside as rejected).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ClientError::Unreachable
                | ClientError::RateLimited
                | ClientError::Server(_)
                | ClientError::KioskRefused
                | ClientError::SessionExpired
                | ClientError::TooLarge
        )
    }

    /// Maps an HTTP error status and its (possibly unparseable) body.
    pub(crate) fn from_status(status: u16, body: Option<ApiError>) -> ClientError {
        if let Some(body) = &body {
            match body.error {
                ErrorCode::WrongPin => {
                    return ClientError::WrongPin { attempts_left: body.attempts_left.unwrap_or(0) };
                }
                ErrorCode::Locked => return ClientError::Locked { retry_after: body.retry_after },
                ErrorCode::UnknownCitizen => return ClientError::UnknownCitizen,
                ErrorCode::UnknownNotice => return ClientError::UnknownNotice,
                ErrorCode::SessionExpired => return ClientError::SessionExpired,
                ErrorCode::KioskRefused => return ClientError::KioskRefused,
                ErrorCode::RateLimited => return ClientError::RateLimited,
                ErrorCode::NotFound => return ClientError::NotFound,
                ErrorCode::NoPrintsLeft => return ClientError::NoPrintsLeft,
                ErrorCode::DocumentInactive => return ClientError::DocumentInactive,
                ErrorCode::BadRequest | ErrorCode::Conflict | ErrorCode::PayloadTooLarge => {
                    return ClientError::Rejected(body.message.clone());
                }
                ErrorCode::Internal | ErrorCode::Unknown => {}
            }
        }
        match status {
            401 => ClientError::SessionExpired,
            403 => ClientError::KioskRefused,
            404 => ClientError::NotFound,
            410 => ClientError::DocumentInactive,
            429 => ClientError::RateLimited,
            400..=499 => ClientError::Rejected(format!("HTTP {status}")),
            _ => ClientError::Server(format!("HTTP {status}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inactive_document_is_its_own_final_answer() {
        let body = ApiError {
            error: ErrorCode::DocumentInactive,
            message: "x".into(),
            attempts_left: None,
            retry_after: None,
        };
        assert_eq!(ClientError::from_status(410, Some(body)), ClientError::DocumentInactive);
        assert_eq!(ClientError::from_status(410, None), ClientError::DocumentInactive);
        assert!(!ClientError::DocumentInactive.is_transient(), "the outbox sets it aside");
        assert!(!crate::observe::is_service_failure(&ClientError::DocumentInactive), "an answer, not a failure");
    }
}
