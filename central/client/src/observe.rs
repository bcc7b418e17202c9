//! Who wants to know how requests to the central server go (the kiosk's metrics).

use std::time::Duration;

use crate::api::paths;
use crate::error::ClientError;

/// Told once per request, after its retries: which endpoint (one of [`ENDPOINTS`]), how
/// long it took in all, and whether the *service* answered. A wrong PIN, a locked or
/// unknown citizen, an expired session or a used-up document are answers, not failures.
pub trait RequestObserver: Send + Sync {
    fn request(&self, endpoint: &'static str, elapsed: Duration, ok: bool);
}

/// Every endpoint label [`RequestObserver::request`] is called with.
pub const ENDPOINTS: [&str; 6] = ["sign_in", "list_documents", "download", "report_print", "sign_out", "other"];

/// The endpoint label of a request path (bounded: ids never become labels).
pub fn endpoint_of(path: &str) -> &'static str {
    match path {
        paths::SIGN_IN_NIK | paths::SIGN_IN_NOTICE => "sign_in",
        paths::DOCUMENTS => "list_documents",
        paths::SESSION => "sign_out",
        p if p.starts_with("/v1/documents/") && p.ends_with("/pdf") => "download",
        p if p.starts_with(paths::print_report("").as_str()) => "report_print",
        _ => "other",
    }
}

/// Whether the central server (or the way to it) failed, as opposed to answering.
pub fn is_service_failure(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::Unreachable
            | ClientError::KioskRefused
            | ClientError::RateLimited
            | ClientError::IntegrityMismatch
            | ClientError::TooLarge
            | ClientError::Rejected(_)
            | ClientError::Server(_)
            | ClientError::Config(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_bounded_endpoints() {
        assert_eq!(endpoint_of(paths::SIGN_IN_NIK), "sign_in");
        assert_eq!(endpoint_of(paths::SIGN_IN_NOTICE), "sign_in");
        assert_eq!(endpoint_of(paths::DOCUMENTS), "list_documents");
        assert_eq!(endpoint_of(&paths::document_pdf("doc-1")), "download");
        assert_eq!(endpoint_of(&paths::print_report("r-12345678")), "report_print");
        assert_eq!(endpoint_of(paths::SESSION), "sign_out");
        assert_eq!(endpoint_of(paths::HEALTH), "other");
        assert_eq!(endpoint_of(&paths::audit_event("e-12345678")), "other");
        for p in [paths::SIGN_IN_NIK, paths::HEALTH, "/v1/documents/x/pdf"] {
            assert!(ENDPOINTS.contains(&endpoint_of(p)));
        }
    }

    #[test]
    fn answers_about_the_citizen_are_not_failures() {
        assert!(is_service_failure(&ClientError::Unreachable));
        assert!(is_service_failure(&ClientError::Server("HTTP 500".into())));
        assert!(!is_service_failure(&ClientError::WrongPin { attempts_left: 2 }));
        assert!(!is_service_failure(&ClientError::SessionExpired));
        assert!(!is_service_failure(&ClientError::NoPrintsLeft));
    }
}
