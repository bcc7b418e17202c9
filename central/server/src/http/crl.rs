//! `GET /v1/crl`: the document CAs' CRLs for kiosks (see `crate::revocation`).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::error::Failure;
use super::{AppState, Kiosk};

pub async fn crl(State(state): State<AppState>, _kiosk: Kiosk) -> Result<Response, Failure> {
    let issuer = state.crl.clone();
    let pem = tokio::task::spawn_blocking(move || issuer.pem())
        .await
        .map_err(|e| Failure::internal("CRL worker", e))?
        .map_err(|e| Failure::internal("CRL", e))?;
    let mut resp = pem.into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-pem-file"));
    // Each answer is signed afresh; a cache would only serve older CRLs.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
