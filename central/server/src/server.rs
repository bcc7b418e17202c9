//! Putting it together: state directory → TLS config + router → listening server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::admin::default_server_names;
use crate::db::{self, Db};
use crate::http::{self, AppInner, AppState};
use crate::ratelimit::{Limits, RateLimiter};
use crate::sessions::Sessions;
use crate::state::{StateDir, StateError};
use crate::tls::{self, TlsError};

#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Seed demo citizens and write the demo kiosk identity on first start.
    pub demo: bool,
    pub session_ttl: Duration,
    pub limits: Limits,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions { demo: true, session_ttl: Duration::from_secs(600), limits: Limits::default() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("listening socket: {0}")]
    Io(#[from] std::io::Error),
}

/// Everything needed to serve, prepared synchronously (PKI, database, demo data).
pub struct Prepared {
    tls: Arc<rustls::ServerConfig>,
    app: axum::Router,
}

pub fn prepare(state: &StateDir, opts: &ServerOptions) -> Result<Prepared, ServerError> {
    let pki = state.init(&default_server_names(), opts.demo)?;
    let tls = tls::server_config(&pki)?;
    let conn = db::open(&state.db())?;
    let app_state = AppState(Arc::new(AppInner {
        db: Db::new(conn),
        sessions: Sessions::new(opts.session_ttl),
        limiter: RateLimiter::new(opts.limits),
    }));
    Ok(Prepared { tls, app: http::router(app_state) })
}

/// Serves on an already bound listener until `shutdown` turns true.
pub async fn run(prepared: Prepared, listener: TcpListener, shutdown: watch::Receiver<bool>) {
    crate::serve::serve(listener, prepared.tls, prepared.app, shutdown).await;
}

pub fn base_url(addr: SocketAddr) -> String {
    format!("https://{addr}")
}
