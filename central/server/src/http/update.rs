//! `GET /v1/update` and `GET /v1/update/bundles/{sha256}`: the published update bundle
//! (`crate::updates`), for any registered kiosk.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::Failure;
use super::extract::ApiPath;
use super::{AppState, Kiosk};

pub async fn offer(State(state): State<AppState>, kiosk: Kiosk) -> Result<Response, Failure> {
    let Some(offer) = current_offer(&state).await? else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    tracing::debug!(kiosk = %kiosk.id, version = %offer.version, "update offered");
    Ok(Json(offer).into_response())
}

/// Streams the bundle from disk (hundreds of MB: never read into memory). Only the
/// bundle on offer is served; a digest of anything else is "not found".
pub async fn bundle(
    State(state): State<AppState>,
    kiosk: Kiosk,
    ApiPath(sha256): ApiPath,
) -> Result<Response, Failure> {
    let Some(path) = state.updates.bundle_path(&sha256) else {
        return Err(Failure::bad_request("sha256 must be 64 lower-case hex characters"));
    };
    let offered = current_offer(&state).await?;
    if offered.as_ref().is_none_or(|o| o.sha256 != sha256) {
        return Err(Failure::not_found());
    }
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        // Replaced by a newer publication meanwhile.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Failure::not_found()),
        Err(e) => return Err(Failure::internal("update bundle", e)),
    };
    let size = file.metadata().await.map_err(|e| Failure::internal("update bundle", e))?.len();
    tracing::info!(kiosk = %kiosk.id, %sha256, size, "update bundle download");
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024));
    let mut resp = body.into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    Ok(resp)
}

async fn current_offer(state: &AppState) -> Result<Option<adm_central_client::api::UpdateOffer>, Failure> {
    let store = state.updates.clone();
    tokio::task::spawn_blocking(move || store.offer())
        .await
        .map_err(|e| Failure::internal("update offer", e))?
        .map_err(|e| Failure::internal("update offer", e))
}
