//! Accept loop: TLS handshake (client certificate required), then HTTP/1.1 with the
//! peer certificate's fingerprint attached to every request. axum's own `serve` cannot
//! expose the TLS peer certificate, hence this small loop on tokio-rustls + hyper.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::handshakes::{Evicted, Handshakes, Ticket};
use crate::http::PeerCert;
use crate::metrics::Metrics;
use crate::pki::fingerprint;

/// Simultaneous authenticated (post-handshake) connections. Handshakes in progress are
/// admitted separately (`handshakes.rs`), so unauthenticated connections never take these.
const MAX_CONNECTIONS: usize = 512;
/// A kiosk's TLS 1.3 handshake takes milliseconds, even over a slow mobile link a few
/// round trips: 3 s is plenty, and bounds how long an idle connection holds a place.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(3);
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves until `shutdown` turns true; open connections are then closed too.
///
/// The loop never waits before `accept`: waiting for a free slot there is what let idle
/// connections jam the server (new ones, kiosks included, queued in the kernel backlog).
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    app: Router,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let established = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let handshakes = Handshakes::default();
    loop {
        let (tcp, peer_addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let (ticket, evicted) = handshakes.admit(peer_addr.ip());
        if evicted != Evicted::None {
            metrics.connection_dropped("handshake_evicted");
        }
        let conn = Connection {
            acceptor: acceptor.clone(),
            app: app.clone(),
            established: established.clone(),
            metrics: metrics.clone(),
        };
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = conn.run(tcp, peer_addr, ticket) => {}
                _ = shutdown.changed() => {}
            }
        });
    }
}

struct Connection {
    acceptor: TlsAcceptor,
    app: Router,
    established: Arc<Semaphore>,
    metrics: Arc<Metrics>,
}

impl Connection {
    async fn run(self, tcp: tokio::net::TcpStream, peer_addr: SocketAddr, ticket: Ticket) {
        let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(tcp));
        let tls = tokio::select! {
            done = handshake => match done {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::info!(%peer_addr, error = %e, "TLS handshake refused");
                    self.metrics.connection_dropped("handshake_failed");
                    return;
                }
                Err(_) => {
                    self.metrics.connection_dropped("handshake_timeout");
                    return;
                }
            },
            // Dropped to make room for a newer handshake (counted by the accept loop).
            _ = ticket.evicted() => return,
        };
        drop(ticket);
        let Ok(_permit) = self.established.clone().try_acquire_owned() else {
            tracing::warn!(%peer_addr, "connection refused: {MAX_CONNECTIONS} authenticated connections open");
            self.metrics.connection_dropped("server_full");
            return;
        };
        connection(tls, peer_addr, self.app).await;
    }
}

async fn connection(tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>, peer_addr: SocketAddr, app: Router) {
    // The verifier made a client certificate mandatory; without one we never get here.
    let Some(cert) = tls.get_ref().1.peer_certificates().and_then(|c| c.first()) else {
        return;
    };
    let peer = PeerCert { fingerprint: fingerprint(cert) };
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(peer.clone());
        app.clone().oneshot(req.map(axum::body::Body::new))
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(tls), service);
    if let Err(e) = conn.await {
        tracing::debug!(%peer_addr, error = %e, "connection ended with an error");
    }
}
