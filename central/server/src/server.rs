//! Putting it together: state directory → TLS config + router → listening server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::admin::server_names;
use crate::clock::Clock;
use crate::db::pinguard::PinPolicy;
use crate::db::{self, Db};
use crate::http::{self, AppInner, AppState};
use crate::metrics::Metrics;
use crate::ratelimit::{Limits, RateLimiter};
use crate::secrets;
use crate::sessions::Sessions;
use crate::state::{StateDir, StateError};
use crate::tls::{self, TlsError};

/// A print reserved at download stays reserved this long without a report: longer than a
/// session (10 min), so a slow print run keeps its reservation to the end.
pub const DEFAULT_PRINT_LEASE: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Seed demo citizens and write the demo kiosk identity on first start.
    pub demo: bool,
    pub session_ttl: Duration,
    pub limits: Limits,
    /// Wrong-PIN lockout: cool-downs and the per-NIK hourly ceiling.
    pub pins: PinPolicy,
    /// Time for cool-downs; tests pass a manual clock.
    pub clock: Clock,
    /// How long a download reserves a print that has not been reported (a session
    /// signing out gives it back earlier).
    pub print_lease: Duration,
    /// Longest a notice may be valid, enforced at issuance (the admin CLI reads it from
    /// the database) and at every sign-in.
    pub notice_max_validity: Duration,
    /// How often an AKTIF document may be printed (`serve --reprints`), kept in the
    /// database so the admin CLI and the server agree.
    pub reprints: adm_central_client::api::ReprintPolicy,
    /// Names the server certificate carries besides the defaults (loopback, demo host):
    /// used only when the PKI is created; an existing PKI lacking one is an error.
    pub extra_server_names: Vec<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            demo: true,
            session_ttl: Duration::from_secs(600),
            limits: Limits::default(),
            pins: PinPolicy::default(),
            clock: Clock::system(),
            print_lease: DEFAULT_PRINT_LEASE,
            notice_max_validity: crate::db::notices::DEFAULT_MAX_VALIDITY,
            reprints: adm_central_client::api::ReprintPolicy::AsIssued,
            extra_server_names: Vec::new(),
        }
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
    #[error(transparent)]
    Random(#[from] secrets::RandomError),
    #[error("service catalogue: {0}")]
    Catalogue(#[from] crate::catalogue::PublishError),
    #[error("listening socket: {0}")]
    Io(#[from] std::io::Error),
}

/// Everything needed to serve, prepared synchronously (PKI, database, demo data).
pub struct Prepared {
    tls: Arc<rustls::ServerConfig>,
    app: axum::Router,
    metrics: Arc<Metrics>,
}

impl Prepared {
    /// The server's metrics (serve them with [`crate::metrics::serve`]).
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }
}

pub fn prepare(state: &StateDir, opts: &ServerOptions) -> Result<Prepared, ServerError> {
    let pki = state.init(&server_names(&opts.extra_server_names), opts.demo)?;
    let tls = tls::server_config(&pki)?;
    let conn = db::open(&state.db())?;
    crate::db::notices::set_max_validity(&conn, opts.notice_max_validity)?;
    crate::db::reprints::set(&conn, opts.reprints)?;
    // The catalogue's guides and forms, signed once and re-signed only when changed.
    crate::catalogue::publish(&conn, &pki)?;
    let metrics = Arc::new(Metrics::new());
    let app_state = AppState(Arc::new(AppInner {
        crl: crate::revocation::CrlIssuer::new(state.pki()),
        db: Db::new(conn),
        sessions: Sessions::new(opts.session_ttl),
        limiter: RateLimiter::new(opts.limits),
        metrics: metrics.clone(),
        clock: opts.clock.clone(),
        pins: opts.pins.clone(),
        dummy_pin_hash: secrets::DUMMY_PIN_HASH.to_owned(),
        print_lease_secs: i64::try_from(opts.print_lease.as_secs()).unwrap_or(i64::MAX / 4),
        notice_max_validity: opts.notice_max_validity,
        updates: crate::updates::UpdateStore::new(state.updates()),
    }));
    Ok(Prepared { tls, app: http::router(app_state), metrics })
}

/// Serves on an already bound listener until `shutdown` turns true.
pub async fn run(prepared: Prepared, listener: TcpListener, shutdown: watch::Receiver<bool>) {
    crate::serve::serve(listener, prepared.tls, prepared.app, prepared.metrics, shutdown).await;
}

pub fn base_url(addr: SocketAddr) -> String {
    format!("https://{addr}")
}
