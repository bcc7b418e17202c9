//! The HTTP API (see `central/openapi.yaml`): router, kiosk gate, citizen sessions.

mod applications;
mod catalogue;
mod crl;
mod error;
mod extract;
mod handlers;
mod update;
mod verify;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};

use adm_central_client::api::{CitizenInfo, paths};

use crate::clock::Clock;
use crate::db::pinguard::PinPolicy;
use crate::db::{self, Db};
use crate::metrics::Metrics;
use crate::ratelimit::{Class, RateLimiter};
use crate::sessions::Sessions;

pub use error::Failure;

/// Largest request body accepted (all bodies are small JSON objects).
const MAX_BODY: usize = 16 * 1024;

/// Identity of the TLS connection a request came in on, set by the accept loop.
#[derive(Clone, Debug)]
pub struct PeerCert {
    /// SHA-256 of the client certificate DER.
    pub fingerprint: String,
}

/// The registered, non-revoked kiosk a request comes from (set by the kiosk gate).
#[derive(Clone, Debug)]
pub struct Kiosk {
    pub id: String,
    pub fingerprint: String,
}

pub struct AppInner {
    /// Signs the document CAs' CRLs for `GET /v1/crl`.
    pub crl: crate::revocation::CrlIssuer,
    pub db: Db,
    pub sessions: Sessions,
    pub limiter: RateLimiter,
    pub metrics: Arc<Metrics>,
    /// Server time for PIN cool-downs (manual in tests).
    pub clock: Clock,
    pub pins: PinPolicy,
    /// A hash of no one's PIN, checked for unknown NIKs so that they cost the same time
    /// as known ones (same algorithm and cost as real PIN hashes).
    pub dummy_pin_hash: String,
    /// How long a downloaded-but-unreported print stays reserved (`grants`).
    pub print_lease_secs: i64,
    /// Longest a notice is honoured after issuance, whatever its own expiry says.
    pub notice_max_validity: std::time::Duration,
    /// The update bundle published for the kiosks.
    pub updates: crate::updates::UpdateStore,
}

#[derive(Clone)]
pub struct AppState(pub Arc<AppInner>);

impl std::ops::Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(paths::HEALTH, get(handlers::health))
        .route(paths::CRL, get(crl::crl))
        .route(paths::SIGN_IN_NIK, post(handlers::sign_in_nik))
        .route(paths::SIGN_IN_NOTICE, post(handlers::sign_in_notice))
        .route(paths::SESSION, delete(handlers::sign_out))
        .route(paths::DOCUMENTS, get(handlers::list_documents))
        .route("/v1/documents/{id}/pdf", get(handlers::download))
        .route("/v1/print-reports/{report_id}", put(handlers::put_report))
        .route("/v1/audit-events/{event_id}", put(handlers::put_audit))
        .route("/v1/verify/{code}", get(verify::verify))
        .route(paths::APPLICATIONS, get(applications::list))
        .route(paths::SERVICES, get(catalogue::list))
        .route("/v1/service-files/{id}/pdf", get(catalogue::file_pdf))
        .route(paths::UPDATE, get(update::offer))
        .route("/v1/update/bundles/{sha256}", get(update::bundle))
        .fallback(|| async { Failure::not_found() })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(state.clone(), kiosk_gate))
        .with_state(state)
}

/// Every request must come from a registered, non-revoked kiosk certificate, within that
/// kiosk's rate limits. Checked per request (not per connection), so a revocation takes
/// effect immediately, even on kept-alive connections.
async fn kiosk_gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(peer) = req.extensions().get::<PeerCert>().cloned() else {
        return Failure::kiosk_refused().into_response();
    };
    let fp = peer.fingerprint.clone();
    let kiosk = match state.db.run(move |c| db::kiosk_by_fingerprint(c, &fp)).await {
        Ok(Some((id, false))) => id,
        Ok(_) => {
            tracing::warn!(fingerprint = %peer.fingerprint, "request from unknown or revoked kiosk refused");
            return Failure::kiosk_refused().into_response();
        }
        Err(e) => return Failure::from(e).into_response(),
    };
    let path = req.uri().path();
    let class = if path.starts_with("/v1/sessions/") {
        Class::SignIn
    } else if path.starts_with("/v1/verify/") {
        Class::Verify
    } else {
        Class::Other
    };
    if let Err(retry_after) = state.limiter.check(&kiosk, class) {
        tracing::warn!(kiosk = %kiosk, ?class, "rate limited");
        return Failure::rate_limited(retry_after).into_response();
    }
    req.extensions_mut().insert(Kiosk { id: kiosk, fingerprint: peer.fingerprint });
    next.run(req).await
}

/// A live citizen session, presented as `Authorization: Bearer <token>` by the kiosk that
/// created it.
pub struct CitizenSession {
    pub citizen: CitizenInfo,
    pub token: String,
    pub kiosk: Kiosk,
    /// None: every document of the citizen; otherwise only these (a notice's).
    pub scope: Option<Arc<[String]>>,
}

impl CitizenSession {
    /// Whether this session may see and download the document with this id.
    pub fn may_open(&self, document_id: &str) -> bool {
        self.scope.as_ref().is_none_or(|docs| docs.iter().any(|d| d == document_id))
    }
}

impl FromRequestParts<AppState> for CitizenSession {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let kiosk = parts.extensions.get::<Kiosk>().cloned().ok_or_else(Failure::kiosk_refused)?;
        let token = bearer(parts).ok_or_else(Failure::session_expired)?;
        let view = state.sessions.lookup(&token, &kiosk.fingerprint).ok_or_else(Failure::session_expired)?;
        Ok(CitizenSession { citizen: view.citizen, token, kiosk, scope: view.scope })
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| token.to_owned())
}

impl FromRequestParts<AppState> for Kiosk {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Failure> {
        parts.extensions.get::<Kiosk>().cloned().ok_or_else(Failure::kiosk_refused)
    }
}
