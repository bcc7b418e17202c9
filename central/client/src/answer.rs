//! Reading the central server's answers: pure functions over the received bytes, used by
//! the client and, with nothing else of it, by the fuzz targets (`fuzz/`), so that every
//! byte a server (or whoever answers in its place) sends goes through code that is fuzzed.

use serde::de::DeserializeOwned;

use crate::api::{self, shape};
use crate::error::ClientError;

/// A 2xx JSON answer as `T`; anything else is the server's fault, never a panic.
pub fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(bytes).map_err(|_| ClientError::Server("unexpected answer from the central server".into()))
}

/// The error an unsuccessful answer stands for, from its status and its JSON error body
/// (which may be anything, or nothing).
pub fn refusal(status: u16, body: &[u8]) -> ClientError {
    ClientError::from_status(status, serde_json::from_slice::<api::ApiError>(body).ok())
}

/// The answer to `GET /v1/update`: empty (204) when nothing is published, otherwise an
/// offer whose digest and version have their wire shapes.
pub fn update_offer(bytes: &[u8]) -> Result<Option<api::UpdateOffer>, ClientError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let offer: api::UpdateOffer = json(bytes)?;
    if !shape::is_sha256(&offer.sha256) || !shape::is_version(&offer.version) {
        return Err(ClientError::Server("malformed update offer".into()));
    }
    Ok(Some(offer))
}
