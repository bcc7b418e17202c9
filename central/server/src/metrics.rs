//! Server metrics for the fleet Prometheus: OpenMetrics text on a separate, plain-HTTP,
//! loopback-only listener (`GET /metrics`).
//!
//! Why a separate loopback listener and not a path on the kiosk API: the API listener
//! admits only registered kiosk certificates, and giving Prometheus a kiosk certificate
//! would let it sign citizens in. Metrics carry no personal data, so plain HTTP on
//! loopback is enough; a Prometheus (or an agent remote-writing to the fleet one, as the
//! kiosks do) on the same host scrapes it. Nothing off the host can reach it.
//!
//! Rules (as on the kiosk): no personal data in labels — every label value comes from a
//! fixed list in this file — and every bounded series exists from the start at 0, so
//! `increase()` sees the first event.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The content type of the OpenMetrics 1.0 text format.
pub const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Default metrics address (`adm-central serve --metrics-bind`), scraped by
/// `fleet/server/prometheus.yml`. Next to the kiosk agent's 9464.
pub const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9465";

/// Why a print report was accepted but flagged for investigation (see `http::reports`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlagReason {
    /// No grant id, or one the server never issued.
    NoGrant,
    /// The grant was issued to another kiosk or for another document.
    GrantMismatch,
    /// The grant was already consumed by another report.
    GrantReused,
    /// The print would exceed the document's print limit.
    OverLimit,
}

impl FlagReason {
    pub const ALL: [FlagReason; 4] =
        [FlagReason::NoGrant, FlagReason::GrantMismatch, FlagReason::GrantReused, FlagReason::OverLimit];

    pub fn as_str(self) -> &'static str {
        match self {
            FlagReason::NoGrant => "no_grant",
            FlagReason::GrantMismatch => "grant_mismatch",
            FlagReason::GrantReused => "grant_reused",
            FlagReason::OverLimit => "over_limit",
        }
    }

    pub fn parse(s: &str) -> Option<FlagReason> {
        FlagReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Why a connection was dropped before it became an HTTP connection.
/// `handshake_evicted`: the oldest handshake in progress (from the same address, or of
/// all) was dropped to admit a new connection. `server_full`: a kiosk completed its
/// handshake but every authenticated connection place was taken (the first limit the
/// fleet load bench reaches; before it was counted, it showed only in the log).
pub const CONNECTION_DROP_REASONS: &[&str] =
    &["handshake_timeout", "handshake_failed", "handshake_evicted", "server_full"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// Every metric of the server. Shared as `Arc<Metrics>`; methods only touch atomics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    reports_flagged: Family<ReasonLabel, Counter>,
    pin_lockouts: Counter,
    connections_dropped: Family<ReasonLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("adm_central");
        let reports_flagged = Family::<ReasonLabel, Counter>::default();
        let pin_lockouts = Counter::default();
        let connections_dropped = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "reports_flagged",
            "Print reports accepted but flagged: no matching grant, or beyond the print limit",
            reports_flagged.clone(),
        );
        registry.register("pin_lockouts", "Citizens locked out after too many wrong PINs", pin_lockouts.clone());
        registry.register(
            "connections_dropped",
            "Connections closed before the TLS handshake completed",
            connections_dropped.clone(),
        );
        for r in FlagReason::ALL {
            let _ = reports_flagged.get_or_create(&ReasonLabel { reason: r.as_str() });
        }
        for &reason in CONNECTION_DROP_REASONS {
            let _ = connections_dropped.get_or_create(&ReasonLabel { reason });
        }
        Metrics { registry, reports_flagged, pin_lockouts, connections_dropped }
    }

    /// A print report was accepted but flagged.
    pub fn report_flagged(&self, reason: FlagReason) {
        self.reports_flagged.get_or_create(&ReasonLabel { reason: reason.as_str() }).inc();
    }

    /// A citizen was just locked out (counted once per lockout, not per refused attempt).
    pub fn pin_lockout(&self) {
        self.pin_lockouts.inc();
    }

    /// A connection was dropped before it became an HTTP connection; `reason` is one of
    /// [`CONNECTION_DROP_REASONS`] (anything else is not counted).
    pub fn connection_dropped(&self, reason: &'static str) {
        if CONNECTION_DROP_REASONS.contains(&reason) {
            self.connections_dropped.get_or_create(&ReasonLabel { reason }).inc();
        }
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; an empty scrape would show as a gap anyway.
        if let Err(e) = encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "encoding metrics");
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MetricsListenError {
    #[error("metrics listener must be on a loopback address, not {0}")]
    NotLoopback(SocketAddr),
    #[error("metrics listener {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
}

/// Binds the metrics listener; refuses anything but a loopback address (the endpoint has
/// no authentication).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, MetricsListenError> {
    if !addr.ip().is_loopback() {
        return Err(MetricsListenError::NotLoopback(addr));
    }
    TcpListener::bind(addr).await.map_err(|e| MetricsListenError::Bind(addr, e))
}

/// Serves `GET /metrics` until `shutdown` turns true.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>, mut shutdown: watch::Receiver<bool>) {
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let metrics = metrics.clone();
            async move {
                let mut resp = metrics.encode().into_response();
                resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(OPENMETRICS_CONTENT_TYPE));
                resp
            }
        }),
    );
    let stop = async move {
        let _ = shutdown.wait_for(|s| *s).await;
    };
    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
        tracing::error!(error = %e, "metrics listener failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bounded_series_exists_from_the_start() {
        let m = Metrics::new();
        let text = m.encode();
        for r in FlagReason::ALL {
            assert!(
                text.contains(&format!("adm_central_reports_flagged_total{{reason=\"{}\"}} 0", r.as_str())),
                "{text}"
            );
        }
        assert!(text.contains("adm_central_pin_lockouts_total 0"), "{text}");
        m.pin_lockout();
        m.report_flagged(FlagReason::OverLimit);
        let text = m.encode();
        assert!(text.contains("adm_central_pin_lockouts_total 1"), "{text}");
        assert!(text.contains("adm_central_reports_flagged_total{reason=\"over_limit\"} 1"), "{text}");
    }

    #[tokio::test]
    async fn metrics_listener_is_loopback_only() {
        let addr: SocketAddr = "0.0.0.0:0".parse().unwrap();
        assert!(matches!(bind(addr).await, Err(MetricsListenError::NotLoopback(_))));
    }
}
