//! In-process reference server for the kiosk's demo mode and for tests: loopback only,
//! OS-assigned port, its own tokio runtime on its own thread (so it works from sync and
//! async callers alike), generated certificates, demo citizens.
//!
//! ```no_run
//! let demo = adm_central::demo::spawn(adm_central::demo::DemoOptions::default())?;
//! let client = adm_central_client::CentralClient::new(demo.client_config())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::watch;

use adm_central_client::ClientConfig;

use crate::admin::{Admin, AdminError};
use crate::metrics::Metrics;
use crate::server::{self, ServerError, ServerOptions};
use crate::state::{self, StateDir};

pub use crate::seed::{DEMO_NOTICE_CODE, DEMO_NOTICE_PIN};

#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// None: a fresh temporary directory, removed when the server is dropped.
    pub state_dir: Option<PathBuf>,
    /// 0: any free port.
    pub port: u16,
    pub server: ServerOptions,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

pub struct DemoServer {
    /// `https://127.0.0.1:PORT`
    pub base_url: String,
    pub addr: SocketAddr,
    /// CA that signed the server certificate (pin it in the kiosk client).
    pub ca_pem: String,
    /// The demo kiosk's client identity (`ADM-DEMO-01`).
    pub kiosk_cert_pem: String,
    pub kiosk_key_pem: String,
    /// Root of the document signatures (the kiosk's PDF trust anchor).
    pub trust_anchor_pem: String,
    /// Host name in notice QR payloads (`https://<notice_host>/n/<code>`).
    pub notice_host: String,
    pub state_dir: PathBuf,
    admin: Admin,
    metrics: Arc<Metrics>,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
    _temp: Option<tempfile::TempDir>,
}

/// Starts the reference server on 127.0.0.1 and returns once it accepts connections.
pub fn spawn(opts: DemoOptions) -> Result<DemoServer, DemoError> {
    let (temp, root) = match &opts.state_dir {
        Some(dir) => (None, dir.clone()),
        None => {
            let t = tempfile::Builder::new().prefix("adm-central-").tempdir()?;
            let p = t.path().to_owned();
            (Some(t), p)
        }
    };
    let state = StateDir::new(root.clone());
    let prepared = server::prepare(&state, &ServerOptions { demo: true, ..opts.server.clone() })?;
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let metrics = prepared.metrics();
    let (tx, rx) = watch::channel(false);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("adm-central")
        .enable_all()
        .build()?;
    let thread = std::thread::Builder::new().name("adm-central".into()).spawn(move || {
        runtime.block_on(async move {
            match tokio::net::TcpListener::from_std(listener) {
                Ok(listener) => server::run(prepared, listener, rx).await,
                Err(e) => tracing::error!(error = %e, "reference server could not listen"),
            }
        });
        runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    })?;
    let read = |p: PathBuf| std::fs::read_to_string(p);
    Ok(DemoServer {
        base_url: server::base_url(addr),
        addr,
        ca_pem: read(state.ca())?,
        kiosk_cert_pem: read(state.kiosk_cert())?,
        kiosk_key_pem: read(state.kiosk_key())?,
        trust_anchor_pem: read(state.trust_anchor())?,
        notice_host: state::DEMO_NOTICE_HOST.to_owned(),
        state_dir: root,
        admin: Admin::open(state)?.with_pins(opts.server.clock.clone(), opts.server.pins.clone()),
        metrics,
        shutdown: tx,
        thread: Some(thread),
        _temp: temp,
    })
}

impl DemoServer {
    /// The temporary folder this server made for its state (database, test PKI), which it
    /// removes when dropped; None when the caller chose the folder (`state_dir`).
    pub fn temporary_dir(&self) -> Option<&std::path::Path> {
        self._temp.as_ref().map(tempfile::TempDir::path)
    }

    /// Officer/operator actions on this server's store (unlock, revoke, tamper, counts…).
    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// The server's metrics, as a scrape would see them.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Client configuration for the demo kiosk identity.
    pub fn client_config(&self) -> ClientConfig {
        ClientConfig::new(
            self.base_url.clone(),
            self.ca_pem.clone().into_bytes(),
            self.kiosk_cert_pem.clone().into_bytes(),
            self.kiosk_key_pem.clone().into_bytes(),
        )
    }

    /// Client configuration for another kiosk identity (see [`Admin::issue_kiosk`]).
    pub fn client_config_for(&self, cert_pem: &str, key_pem: &str) -> ClientConfig {
        ClientConfig::new(
            self.base_url.clone(),
            self.ca_pem.clone().into_bytes(),
            cert_pem.as_bytes().to_vec(),
            key_pem.as_bytes().to_vec(),
        )
    }

    /// QR payload of the fixed demo notice.
    pub fn demo_notice_payload(&self) -> String {
        adm_central_client::notice::notice_payload(&self.notice_host, DEMO_NOTICE_CODE)
    }

    /// Stops the server and waits for it (also done on drop).
    pub fn shutdown(self) {}
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
