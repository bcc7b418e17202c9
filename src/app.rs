//! Wiring: configuration → devices → session runtime → UI.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use adm_a4::A4Printer;
use adm_a4::sim::SimA4Printer;
use adm_camera::replay::ReplaySource;
use adm_camera::{CameraError, FrameSource, GreyFrame};
use adm_thermal::sim::SimReceiptPrinter;
use adm_thermal::{PaperWidth, ReceiptPrinter};
use slint::ComponentHandle;

use crate::central::Central;
use crate::central::remote::RemoteCentral;
use crate::config::Config;
use crate::devices::paper::PaperCounter;
use crate::devices::{Devices, shared};
use crate::maintenance::console::{Console, Page};
use crate::runtime::clock::{Clock, SystemClock};
use crate::runtime::maintenance::Power;
use crate::runtime::{KioskInfo, Runtime};
use crate::scan::bounded::{Bounded, DEFAULT_DEADLINE};
use crate::scan::timed::Timed;
use crate::scan::zxing::ZxingDecoder;
use crate::session::Event;
use crate::telemetry::metrics::Metrics;
use crate::telemetry::vitals::{self, CertSource, Vitals};
use crate::telemetry::watchdog::Liveness;
use crate::ui::AppWindow;
use crate::ui_bridge;
use crate::ui_bridge::maintenance::MaintenanceCall;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot create the output folder {path}: {source}")]
    Output { path: PathBuf, source: std::io::Error },
    #[error("cannot start worker threads: {0}")]
    Workers(std::io::Error),
    #[error("device: {0}")]
    Device(String),
    #[error("central server: {0}")]
    Central(String),
    #[error("UI: {0}")]
    Ui(#[from] slint::PlatformError),
}

/// Handles to the simulated devices, so the demo script and tests can inject faults.
#[derive(Clone, Default)]
pub struct SimHandles {
    pub a4: Option<adm_a4::sim::SimControl>,
    pub receipt: Option<adm_thermal::sim::SimControl>,
}

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
    _state: Option<tempfile::TempDir>,
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
            _state: None,
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
        let demo = adm_central::demo::spawn(adm_central::demo::DemoOptions::default())
            .map_err(|e| SetupError::Central(e.to_string()))?;
        // Demo state (the outbox) lives in a temporary folder, gone with the demo.
        let state = tempfile::Builder::new()
            .prefix("adm-kiosk-demo-")
            .tempdir()
            .map_err(|e| SetupError::Central(e.to_string()))?;
        let mut client = demo.client_config();
        client.observer = Some(metrics.clone());
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
            _state: Some(state),
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

/// Builds the devices named in the configuration.
pub fn build_devices(
    config: &Config,
    backend: &Backend,
    page_time: Duration,
) -> Result<(Devices, SimHandles), SetupError> {
    let out = match &config.sim_output {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| SetupError::Output { path: dir.clone(), source })?;
            Some(dir.clone())
        }
        None => None,
    };
    let mut handles = SimHandles::default();
    let a4: Box<dyn A4Printer> = if config.printers.a4.is_sim() {
        let a4 = SimA4Printer::new(out.clone(), page_time);
        handles.a4 = Some(a4.control());
        Box::new(a4)
    } else {
        adm_a4::open(config.printers.a4.as_str(), &a4_options(config))
            .map_err(|e| SetupError::Device(format!("printers.a4 = {}: {e}", config.printers.a4)))?
    };
    let width = if config.printers.receipt_width_mm == 58 { PaperWidth::Mm58 } else { PaperWidth::Mm80 };
    let receipt: Box<dyn ReceiptPrinter> = if config.printers.receipt.is_sim() {
        let receipt = SimReceiptPrinter::new(out, width);
        handles.receipt = Some(receipt.control());
        Box::new(receipt)
    } else {
        let (vid, pid) = usb_ids(config.printers.receipt.as_str())
            .ok_or_else(|| SetupError::Device(format!("printers.receipt = {}", config.printers.receipt)))?;
        let device = adm_thermal::device::DeviceConfig { width, ..Default::default() };
        Box::new(adm_thermal::usb::usb_printer(adm_thermal::usb::UsbConfig { vid: Some(vid), pid: Some(pid) }, device))
    };
    let camera: Box<dyn FrameSource> = if config.camera.device.is_sim() {
        let notice = backend.demo_notice().unwrap_or("0000000000000000");
        Box::new(demo_camera(&backend.public_host, notice))
    } else {
        let (camera, problem) = v4l_camera(config.camera.device.as_str())?;
        if let Some(problem) = problem {
            // Not fatal: NIK sign-in needs no camera. The readiness check shows it, and
            // the camera is picked up as soon as it answers.
            tracing::warn!(camera = %config.camera.device, error = %problem, "camera not usable at start; starting without it");
        }
        camera
    };
    let devices = Devices {
        central: backend.central.clone(),
        a4: shared(a4),
        receipt: shared(receipt),
        receipt_width: width,
        camera: shared(camera),
        // zxing-cpp finds far more codes than rqrr on real photos (see benches/qr.rs); the
        // deadline keeps a pathological frame from stalling the scanner.
        decoder: Arc::new(Timed::new(Bounded::new(ZxingDecoder, DEFAULT_DEADLINE), backend.metrics.clone())),
        sim_a4: handles.a4.clone(),
        trust: Arc::new(backend.trust_anchors(config.documents.signer_policy())?),
        crls: Arc::default(),
        paper: Arc::new(PaperCounter::load(backend.state_dir.as_ref().map(|d| d.join("a4-sheets-since-paper-loaded")))),
    };
    Ok((devices, handles))
}

/// The V4L2 camera at `device`, and why it could not be opened now, if it could not.
///
/// It is opened once at start, so a missing or unusable camera is reported right away
/// (`camera not found: …`) instead of surfacing only when a citizen tries to scan; either
/// way the kiosk starts. A camera that is away keeps being retried (at most once a second):
/// one plugged in later is picked up without a restart. `LatestFrame` captures on its own
/// thread and hands out only the newest frame, never blocking longer than 500 ms (nokhwa's
/// read has no timeout).
pub fn v4l_camera(device: &str) -> Result<(Box<dyn FrameSource>, Option<CameraError>), SetupError> {
    const PREFERRED: (u32, u32) = (1280, 720);
    let (cam, problem) = match adm_camera::v4l::V4lCamera::open(device, PREFERRED) {
        Ok(cam) => (cam, None),
        Err(e) => (adm_camera::v4l::V4lCamera::lazy(device, PREFERRED), Some(e)),
    };
    let latest = adm_camera::latest::LatestFrame::start(Box::new(cam), Duration::from_millis(500))
        .map_err(|e| SetupError::Device(format!("camera.device = {device}: {e}")))?;
    Ok((Box::new(latest), problem))
}

/// How real A4 printers are opened: the configured scaling, and the kiosk's own
/// renderer for printers that take no PDF (PWG raster, URF, PCL).
pub fn a4_options(config: &Config) -> adm_a4::OpenOptions {
    let mut o = adm_a4::OpenOptions {
        rasterizer: Some(Arc::new(crate::document::render::HayroRasterizer)),
        ..adm_a4::OpenOptions::default()
    };
    o.ipp.scaling = config.printers.a4_scaling.into();
    o
}

/// `usb://0416:5011[/serial]` → (0x0416, 0x5011).
fn usb_ids(uri: &str) -> Option<(u16, u16)> {
    let ids = uri.strip_prefix("usb://")?.split('/').next()?;
    let (vid, pid) = ids.split_once(':')?;
    Some((u16::from_str_radix(vid, 16).ok()?, u16::from_str_radix(pid, 16).ok()?))
}

fn url_host(url: &str) -> String {
    url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default()
}

/// The simulated camera: an empty scene for a moment, then a citizen holding up the
/// notice QR.
pub fn demo_camera(host: &str, code: &str) -> ReplaySource {
    let (w, h) = (640u32, 480u32);
    let empty = GreyFrame { width: w, height: h, data: vec![150; (w * h) as usize] };
    let mut scene = image::GrayImage::from_pixel(w, h, image::Luma([150]));
    if let Ok(code) =
        qrcode::QrCode::with_error_correction_level(crate::scan::notice::payload(host, code), qrcode::EcLevel::M)
    {
        let qr = code.render::<image::Luma<u8>>().module_dimensions(6, 6).quiet_zone(true).build();
        let x = (w.saturating_sub(qr.width())) / 2;
        let y = (h.saturating_sub(qr.height())) / 2;
        image::imageops::overlay(&mut scene, &qr, i64::from(x), i64::from(y));
    }
    let held = GreyFrame::from_image(&scene);
    ReplaySource::new(vec![empty.clone(), empty, held.clone(), held], Duration::from_millis(400))
}

/// The running kiosk: the window, the runtime, and the timer that keeps them in step.
pub struct Kiosk {
    pub app: AppWindow,
    pub runtime: Rc<RefCell<Runtime>>,
    timer: slint::Timer,
    metrics: Arc<Metrics>,
    metrics_server: Option<crate::telemetry::metrics::ServerHandle>,
    _vitals: Vitals,
    /// Beaten by every pump: a hung UI thread stops the systemd watchdog pings.
    pub liveness: Arc<Liveness>,
}

impl Kiosk {
    /// `config_path`: where technician settings are saved (None: kept in memory only).
    pub fn new(
        config: &Config,
        config_path: Option<PathBuf>,
        backend: &Backend,
        clock: Box<dyn Clock>,
        devices: Devices,
    ) -> Result<Kiosk, SetupError> {
        let info = KioskInfo {
            kiosk_id: config.kiosk_id.clone(),
            site: config.site.clone(),
            central_host: backend.public_host.clone(),
        };
        // Power actions are real only on a kiosk; the demo just reports them.
        let power = if backend.is_demo() { Power::Simulated } else { Power::Systemd };
        let metrics = backend.metrics.clone();
        metrics.build_info(env!("CARGO_PKG_VERSION"), option_env!("ADM_GIT_COMMIT").unwrap_or("unknown"));
        let metrics_server = match &config.metrics_listen {
            Some(addr) => {
                let addr = addr.parse().map_err(|_| SetupError::Device(format!("metrics_listen = {addr}")))?;
                Some(crate::telemetry::metrics::serve(metrics.clone(), addr).map_err(SetupError::Workers)?)
            }
            None => None,
        };
        // The outbox's filesystem: its free space is what the disk alert is about.
        let disk = backend.state_dir.clone().unwrap_or_else(|| config.outbox.clone());
        let vitals = Vitals::start(metrics.clone(), backend.client_cert.clone(), disk, vitals::REFRESH_EVERY)
            .map_err(SetupError::Workers)?;
        let runtime = Runtime::new(config, config_path, power, clock, devices, info, metrics.clone())
            .map_err(SetupError::Workers)?;
        let app = AppWindow::new()?;
        // Bundled translations can only be selected once a component exists.
        let _ = slint::select_bundled_translation("id");
        let runtime = Rc::new(RefCell::new(runtime));
        let weak = app.as_weak();
        let rt = runtime.clone();
        let sink: Rc<dyn Fn(Event)> = Rc::new(move |event| {
            rt.borrow_mut().dispatch(event);
            if let Some(app) = weak.upgrade() {
                ui_bridge::render(&app, rt.borrow().machine());
            }
        });
        ui_bridge::connect(&app, sink);
        let weak = app.as_weak();
        let rt = runtime.clone();
        let maintenance_sink: Rc<dyn Fn(MaintenanceCall)> = Rc::new(move |call| {
            match call {
                MaintenanceCall::Gesture => rt.borrow_mut().maintenance_gesture(),
                MaintenanceCall::Intent(intent) => rt.borrow_mut().maintenance_intent(intent),
            }
            if let Some(app) = weak.upgrade() {
                ui_bridge::render(&app, rt.borrow().machine());
                ui_bridge::maintenance::render(&app, &rt.borrow());
            }
        });
        ui_bridge::maintenance::connect(&app, maintenance_sink);
        ui_bridge::render(&app, runtime.borrow().machine());
        Ok(Kiosk {
            app,
            runtime,
            timer: slint::Timer::default(),
            metrics,
            metrics_server,
            _vitals: vitals,
            liveness: Arc::new(Liveness::new(Duration::from_secs(10))),
        })
    }

    /// Where the metrics endpoint listens (the bound port when configured with port 0).
    pub fn metrics_addr(&self) -> Option<std::net::SocketAddr> {
        self.metrics_server.as_ref().map(|s| s.local_addr())
    }

    /// Lets answers and time reach the session and refreshes the screen if needed.
    pub fn pump(&self) {
        self.liveness.beat();
        self.metrics.heartbeat(chrono::Utc::now().timestamp());
        // Everything a tick can change without an answer arriving.
        let view = |rt: &Runtime| {
            let m = rt.machine();
            (std::mem::discriminant(m.state()), m.warning(), m.availability(), m.language(), m.scan_seconds_left())
        };
        let before = view(&self.runtime.borrow());
        let arrived = self.runtime.borrow_mut().pump();
        let rt = self.runtime.borrow();
        let after = view(&rt);
        if arrived || before != after || after.1.is_some() {
            ui_bridge::render(&self.app, rt.machine());
        }
        // The console is redrawn on its own intents (see `maintenance_sink`); here only when a
        // worker answered, the screen changed, or on the PIN page (its backoff counts down
        // and ends) — not every 100 ms on every page (it rebuilds the event list). The
        // camera page's live preview alone is redrawn every pump.
        if matches!(rt.machine().state(), crate::session::State::Maintenance) {
            let login = matches!(rt.maintenance.console, Console::Login { .. });
            if arrived || before != after || login {
                ui_bridge::maintenance::render(&self.app, &rt);
            } else if matches!(rt.maintenance.console, Console::Open { page: Page::Camera, .. }) {
                ui_bridge::maintenance::render_camera(&self.app, &rt);
            }
        }
        if matches!(rt.machine().state(), crate::session::State::ScanQr { .. })
            && let Some(frame) = rt.preview().lock().unwrap_or_else(|e| e.into_inner()).as_ref()
        {
            ui_bridge::show_frame(&self.app, frame);
        }
    }

    /// Sends an intent as if the citizen had touched the screen.
    pub fn send(&self, event: Event) {
        self.runtime.borrow_mut().dispatch(event);
        ui_bridge::render(&self.app, self.runtime.borrow().machine());
    }

    /// Drives the kiosk from the Slint event loop (window mode).
    pub fn start_timer(self: &Rc<Self>) {
        let me = Rc::downgrade(self);
        self.timer.start(slint::TimerMode::Repeated, Duration::from_millis(100), move || {
            if let Some(k) = me.upgrade() {
                k.pump();
            }
        });
    }
}

/// Why the kiosk could not run.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(
        "this build has no display backend: build with `--features display` (desktop window) or \
         `--features kms` (kiosk screen), or use `demo --headless`"
    )]
    NoDisplay,
    #[error(transparent)]
    Setup(#[from] SetupError),
}

/// Runs the kiosk: opens its window on the configured devices and server and runs until
/// the window is closed. `config_path`: where technician settings are saved (None: they
/// cannot be saved, as in the demo).
pub fn run(config: Config, config_path: Option<PathBuf>) -> Result<(), AppError> {
    if !cfg!(any(feature = "display", feature = "kms")) {
        return Err(AppError::NoDisplay);
    }
    let backend = Backend::connect(&config)?;
    let (devices, _sim) = build_devices(&config, &backend, Duration::from_millis(1200))?;
    let kiosk = Rc::new(Kiosk::new(&config, config_path, &backend, Box::new(SystemClock::new()), devices)?);
    kiosk.start_timer();
    // Tell systemd we are up, and keep its watchdog fed while the UI thread is alive.
    let _ = crate::telemetry::watchdog::notify_ready();
    let live = kiosk.liveness.clone();
    let _watchdog = crate::telemetry::watchdog::Watchdog::from_env()
        .map(|w| w.spawn(move || live.is_alive()))
        .transpose()
        .map_err(SetupError::Workers)?;
    kiosk.app.run().map_err(SetupError::Ui)?;
    let _ = crate::telemetry::watchdog::notify_stopping();
    Ok(())
}

/// `adm-kiosk doctor`: connects the configured devices and server, runs every readiness
/// check and prints JSON lines; returns whether the kiosk is ready.
pub fn doctor(config: &Config, out: &mut dyn std::io::Write) -> Result<bool, SetupError> {
    let backend = Backend::connect(config)?;
    let (devices, _sim) = build_devices(config, &backend, Duration::ZERO)?;
    let ctx = crate::maintenance::doctor::context_for(config, &devices).map_err(SetupError::Workers)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(SetupError::Workers)?;
    let ready = runtime.block_on(crate::maintenance::doctor::doctor(&ctx, out)).map_err(SetupError::Workers);
    // A hung device keeps its blocking thread: do not wait for it after the report.
    runtime.shutdown_timeout(Duration::from_secs(1));
    ready
}

#[cfg(test)]
mod tests {
    use adm_camera::CameraError;

    /// The configured device goes to V4L2 (no "not supported by this build"); a missing
    /// one is named at start, and the kiosk gets a camera that keeps looking for it.
    #[test]
    fn a_missing_camera_reaches_the_v4l2_open_and_is_reported_as_not_found() {
        let (mut camera, problem) = super::v4l_camera("/dev/video-nonexistent").expect("starts without it");
        let problem = problem.expect("reported");
        assert_eq!(problem, CameraError::NotFound("/dev/video-nonexistent".into()));
        assert_eq!(problem.to_string(), "camera not found: /dev/video-nonexistent");
        // No frames, and no hang: the scanner waits and retries.
        assert_eq!(camera.next_frame(), Err(CameraError::Disconnected));
    }
}
