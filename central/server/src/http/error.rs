//! Every non-2xx answer: a JSON `ApiError` with the right status.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use adm_central_client::api::{ApiError, ErrorCode};

use crate::db::DbError;

#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    body: ApiError,
    retry_after: Option<u64>,
}

impl Failure {
    pub fn new(status: StatusCode, error: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            status,
            body: ApiError { error, message: message.into(), attempts_left: None, retry_after: None },
            retry_after: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Failure::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }
    pub fn not_found() -> Self {
        Failure::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "not found")
    }
    pub fn session_expired() -> Self {
        Failure::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::SessionExpired,
            "session missing, expired or not valid on this kiosk",
        )
    }
    pub fn kiosk_refused() -> Self {
        Failure::new(StatusCode::FORBIDDEN, ErrorCode::KioskRefused, "kiosk certificate unknown or revoked")
    }
    /// Too many wrong PINs for this NIK (known or not: the answer is the same). Refused
    /// for `retry_after` seconds, said in the body and in `Retry-After`.
    pub fn locked(retry_after: u64) -> Self {
        let mut f = Failure::new(
            StatusCode::LOCKED,
            ErrorCode::Locked,
            "too many wrong PINs for this NIK; try again after retry_after seconds, or ask an officer",
        );
        f.body.retry_after = Some(retry_after);
        f.retry_after = Some(retry_after);
        f
    }
    pub fn wrong_pin(attempts_left: u32) -> Self {
        let mut f = Failure::new(StatusCode::UNAUTHORIZED, ErrorCode::WrongPin, "wrong PIN");
        f.body.attempts_left = Some(attempts_left);
        f
    }
    pub fn rate_limited(retry_after: u64) -> Self {
        let mut f =
            Failure::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, "too many requests from this kiosk");
        f.body.retry_after = Some(retry_after);
        f.retry_after = Some(retry_after);
        f
    }
    pub fn internal(what: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "{what}");
        Failure::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "internal error")
    }
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        Failure::internal("database", e)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
