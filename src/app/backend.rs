//! The central server as configured: the real one over mTLS, or the in-process
//! reference server of the demo.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::central::Central;
use crate::central::remote::RemoteCentral;
use crate::config::Config;
use crate::telemetry::metrics::Metrics;
use crate::telemetry::vitals::CertSource;

use super::SetupError;

/// The central server as configured: the real one over mTLS, or (`url = "demo"`) the
/// reference server started in-process on loopback with fresh demo certificates —
/// reached through the same client either way.
pub struct Backend {
    pub central: Arc<dyn Central>,
    /// Host named in notice QR codes and receipt links.
    pub public_host: String,
    /// Trust anchors (PEM) for document signatures.
    pub signature_anchors: Vec<Vec<u8>>,
    /// The in-process reference server (demo mode), kept alive with the backend.
    #[cfg(feature = "demo")]
    pub demo: Option<adm_central::demo::DemoServer>,
    /// Where the kiosk keeps its own small state (outbox, paper counter): next to the
    /// configured outbox, or the demo's temporary folder.
    pub state_dir: Option<PathBuf>,
    /// The kiosk's metrics, created with the backend so that every request of the
    /// central-server client is observed (the running kiosk serves these).
    pub metrics: Arc<Metrics>,
    /// The kiosk's TLS client certificate, for its expiry metric.
    pub client_cert: CertSource,
    /// A client of the configured central server for the OS updates (`src/update/`):
    /// the same identity and CA. None in the demo, which has nothing to update.
    pub update_client: Option<adm_central_client::CentralClient>,
    /// The earliest the clock may read, shared by the TLS client and the document checks.
    pub clock_floor: Arc<crate::clock_floor::ClockFloor>,
    _state: Option<tempfile::TempDir>,
    /// Demo mode: its temporary folders are removed if a signal ends the process (the
    /// `TempDir`s above only clean up on a normal exit).
    #[cfg(feature = "demo")]
    _remove_on_signal: Vec<super::signal_cleanup::RemoveOnSignal>,
}

impl Backend {
    pub fn connect(config: &Config) -> Result<Backend, SetupError> {
        let metrics = Arc::new(Metrics::new());
        if config.server.url.is_demo() {
            return Backend::connect_demo(config, metrics);
        }
        let read = |p: &Option<PathBuf>| -> Result<Vec<u8>, SetupError> {
            let p = p.as_ref().ok_or_else(|| SetupError::Central("missing TLS file in [server]".into()))?;
            std::fs::read(p).map_err(|e| SetupError::Central(format!("{}: {e}", p.display())))
        };
        let mut client = adm_central_client::ClientConfig::new(
            config.server.url.as_str().trim_end_matches('/'),
            read(&config.server.ca)?,
            read(&config.server.client_cert)?,
            read(&config.server.client_key)?,
        );
        client.observer = Some(metrics.clone());
        let clock_floor = Arc::new(crate::clock_floor::ClockFloor::load(config.outbox.parent()));
        client.time_floor = Some(clock_floor.for_tls());
        let update_client =
            adm_central_client::CentralClient::new(client.clone()).map_err(|e| SetupError::Central(e.to_string()))?;
        // Read from the file each time: a renewed certificate replaces it in place.
        let client_cert = match &config.server.client_cert {
            Some(path) => CertSource::File(path.clone()),
            None => CertSource::Pem(client.cert_pem.clone()),
        };
        if let Some(dir) = config.outbox.parent() {
            std::fs::create_dir_all(dir).map_err(|source| SetupError::Output { path: dir.to_owned(), source })?;
        }
        let central = RemoteCentral::new(client, &config.outbox).map_err(|e| SetupError::Central(e.to_string()))?;
        let mut signature_anchors = vec![];
        for p in &config.server.signature_anchors {
            signature_anchors.push(read(&Some(p.clone()))?);
        }
        Ok(Backend {
            central: Arc::new(central),
            public_host: config.server.public_host.clone().unwrap_or_else(|| url_host(config.server.url.as_str())),
            signature_anchors,
            #[cfg(feature = "demo")]
            demo: None,
            state_dir: config.outbox.parent().map(Path::to_owned),
            metrics,
            client_cert,
            update_client: Some(update_client),
            clock_floor,
            _state: None,
            #[cfg(feature = "demo")]
            _remove_on_signal: Vec::new(),
        })
    }

    /// The configured anchors with the signer policy of `[documents]`.
    pub fn trust_anchors(
        &self,
        policy: crate::document::SignerPolicy,
    ) -> Result<crate::document::TrustAnchors, SetupError> {
        let mut anchors = crate::document::TrustAnchors::default();
        anchors.set_policy(policy);
        for pem in &self.signature_anchors {
            anchors.add_pem(pem).map_err(|e| SetupError::Central(format!("signature trust anchor: {e}")))?;
        }
        Ok(anchors)
    }

    /// `url = "demo"`: the reference server started in-process on loopback.
    #[cfg(feature = "demo")]
    fn connect_demo(config: &Config, metrics: Arc<Metrics>) -> Result<Backend, SetupError> {
        Backend::spawn_demo(config, metrics, adm_central::demo::DemoOptions::default())
    }

    /// The in-process reference server started with `options` instead of the demo's
    /// defaults, whatever `[server] url` says: a test that runs a kiosk for a thousand
    /// sessions needs the server's per-kiosk rate limits and reprint policy set for that
    /// load (`central/README.md`, `serve --sign-ins-per-minute`, `--reprints`), as an
    /// operator would set them for a busy site.
    #[cfg(feature = "demo")]
    pub fn connect_reference(config: &Config, options: adm_central::demo::DemoOptions) -> Result<Backend, SetupError> {
        Backend::spawn_demo(config, Arc::new(Metrics::new()), options)
    }

    #[cfg(feature = "demo")]
    fn spawn_demo(
        config: &Config,
        metrics: Arc<Metrics>,
        options: adm_central::demo::DemoOptions,
    ) -> Result<Backend, SetupError> {
        let demo = adm_central::demo::spawn(options).map_err(|e| SetupError::Central(e.to_string()))?;
        // Demo state (the outbox) lives in a temporary folder, gone with the demo.
        let state = tempfile::Builder::new()
            .prefix("adm-kiosk-demo-")
            .tempdir()
            .map_err(|e| SetupError::Central(e.to_string()))?;
        let _remove_on_signal = std::iter::once(state.path())
            .chain(demo.temporary_dir())
            .map(|dir| super::signal_cleanup::RemoveOnSignal::new(dir.to_owned()))
            .collect();
        let mut client = demo.client_config();
        client.observer = Some(metrics.clone());
        let clock_floor = Arc::new(crate::clock_floor::ClockFloor::load(Some(state.path())));
        client.time_floor = Some(clock_floor.for_tls());
        let client_cert = CertSource::Pem(client.cert_pem.clone());
        let central = RemoteCentral::new(client, &state.path().join("outbox.sqlite"))
            .map_err(|e| SetupError::Central(e.to_string()))?;
        Ok(Backend {
            central: Arc::new(central),
            public_host: config.server.public_host.clone().unwrap_or_else(|| demo.notice_host.clone()),
            signature_anchors: vec![demo.trust_anchor_pem.clone().into_bytes()],
            demo: Some(demo),
            state_dir: Some(state.path().to_owned()),
            metrics,
            client_cert,
            update_client: None,
            clock_floor,
            _state: Some(state),
            _remove_on_signal,
        })
    }

    /// A production build (without the `demo` feature) has no reference server to start.
    #[cfg(not(feature = "demo"))]
    fn connect_demo(_config: &Config, _metrics: Arc<Metrics>) -> Result<Backend, SetupError> {
        Err(SetupError::Central("`url = \"demo\"` needs a build with the `demo` feature".into()))
    }

    /// The demo notice QR's code, when the reference server runs in-process.
    #[cfg(feature = "demo")]
    pub fn demo_notice(&self) -> Option<&'static str> {
        self.demo.as_ref().map(|_| adm_central::demo::DEMO_NOTICE_CODE)
    }

    /// A production build has no reference server, so no demo notice either.
    #[cfg(not(feature = "demo"))]
    pub fn demo_notice(&self) -> Option<&'static str> {
        None
    }

    /// Whether this is the demo: the reference server runs in-process.
    pub fn is_demo(&self) -> bool {
        self.demo_notice().is_some()
    }
}

fn url_host(url: &str) -> String {
    url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default()
}
