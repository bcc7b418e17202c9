//! Wiring: configuration → devices → session runtime → UI.
//!
//! `backend.rs` connects the central server, `devices.rs` opens the configured devices;
//! this file holds the running kiosk, `run` and `doctor`.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use slint::ComponentHandle;

use crate::config::Config;
use crate::devices::Devices;
use crate::maintenance::console::{Console, Page};
use crate::runtime::clock::{Clock, SystemClock};
use crate::runtime::maintenance::Power;
use crate::runtime::{KioskInfo, Runtime};
use crate::session::Event;
use crate::speech::espeak::Espeak;
use crate::speech::jack::JackWatch;
use crate::speech::narrator::Narrator;
use crate::telemetry::metrics::Metrics;
use crate::telemetry::vitals::{self, Vitals};
use crate::telemetry::watchdog::Liveness;
use crate::ui::AppWindow;
use crate::ui_bridge;
use crate::ui_bridge::maintenance::MaintenanceCall;

mod backend;
mod devices;
#[cfg(feature = "demo")]
mod signal_cleanup;
mod voice;

pub use backend::Backend;
pub use devices::{SimHandles, a4_options, build_devices, demo_camera, qr_camera, v4l_camera};
pub use voice::screen_name;

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
    /// Voice guidance (issue #18): espeak-ng through ALSA unless replaced (`set_speaker`).
    pub narrator: Rc<RefCell<Narrator>>,
    /// The headphone jack, where the kernel reports one: plugging in starts guidance.
    jack: Option<JackWatch>,
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
        let vitals = Vitals::start(metrics.clone(), backend.client_cert.clone(), disk.clone(), vitals::REFRESH_EVERY)
            .map_err(SetupError::Workers)?;
        let mut runtime = Runtime::new(config, config_path, power, clock, devices, info, metrics.clone())
            .map_err(SetupError::Workers)?;
        runtime.watch_state_dir(disk);
        // OS updates: only a real kiosk (not the demo) on the kiosk image looks for them.
        if let Some(client) = &backend.update_client {
            let paths = crate::update::Paths::on_image(config.update.dir.clone(), config.update.status_file.clone());
            if crate::update::image::Image::read(&paths.os_release, &paths.booted).version.is_some() {
                let every = Duration::from_secs(config.update.check_every_secs);
                let updater = crate::update::Updater::new(client.clone(), paths, every, metrics.clone());
                runtime.set_updater(updater.handle());
                runtime.tokio().spawn(updater.run());
            }
        }
        let app = AppWindow::new()?;
        // Bundled translations can only be selected once a component exists.
        let _ = slint::select_bundled_translation(adm_text::Language::Id.code());
        let runtime = Rc::new(RefCell::new(runtime));
        let narrator = Rc::new(RefCell::new(Narrator::new(Box::new(Espeak::new(None)))));
        // Only a kiosk has a jack to watch; the demo's guidance starts on the help key.
        let jack = if backend.is_demo() {
            None
        } else {
            JackWatch::start().map_err(|e| tracing::warn!(error = %e, "headphone jack not watched")).ok()
        };
        let weak = app.as_weak();
        let rt = runtime.clone();
        let n = narrator.clone();
        let sink: Rc<dyn Fn(Event)> = Rc::new(move |event| {
            let echo = voice::echo_of(rt.borrow().machine().state(), &event);
            rt.borrow_mut().dispatch(event);
            if let Some(app) = weak.upgrade() {
                ui_bridge::render(&app, rt.borrow().machine());
                voice::sync(&app, &n, rt.borrow().machine());
                if let Some(echo) = echo {
                    voice::say_echo(&app, &n, echo);
                }
            }
        });
        voice::connect(&app, runtime.clone(), narrator.clone(), sink.clone());
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
        // The narrator knows the first screen before its texts report themselves.
        voice::sync(&app, &narrator, runtime.borrow().machine());
        Ok(Kiosk {
            app,
            runtime,
            timer: slint::Timer::default(),
            metrics,
            metrics_server,
            _vitals: vitals,
            liveness: Arc::new(Liveness::new(Duration::from_secs(10))),
            narrator,
            jack,
        })
    }

    /// Another voice (the headless demo and the tests say nothing aloud and keep a
    /// transcript instead).
    pub fn set_speaker(&self, speaker: Box<dyn crate::speech::Speaker>) {
        let mut n = self.narrator.borrow_mut();
        n.set_speaker(speaker);
        n.keep_transcript();
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
        if let Some(plugged) = self.jack.as_ref().and_then(JackWatch::take_change) {
            self.send(Event::Headphones(plugged));
        }
        let before = view(&self.runtime.borrow());
        let arrived = self.runtime.borrow_mut().pump();
        let rt = self.runtime.borrow();
        let after = view(&rt);
        // An installed update reboots the kiosk only while nobody is using it.
        if let Some(update) = rt.updater()
            && matches!(rt.machine().state(), crate::session::State::Attract)
        {
            update.on_idle();
        }
        if arrived || before != after || after.1.is_some() {
            ui_bridge::render(&self.app, rt.machine());
        }
        // Every pump, not only after its own render: the technician console's intents
        // change the screen outside it. What the new screen showed is said now, whole.
        voice::sync(&self.app, &self.narrator, rt.machine());
        self.narrator.borrow_mut().flush();
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
        if matches!(
            rt.machine().state(),
            crate::session::State::ScanQr { .. } | crate::session::State::CheckScan { .. }
        ) && let Some(frame) = rt.preview().lock().unwrap_or_else(|e| e.into_inner()).as_ref()
        {
            ui_bridge::show_frame(&self.app, frame);
        }
    }

    /// Sends an intent as if the citizen had touched the screen.
    pub fn send(&self, event: Event) {
        self.runtime.borrow_mut().dispatch(event);
        ui_bridge::render(&self.app, self.runtime.borrow().machine());
        voice::sync(&self.app, &self.narrator, self.runtime.borrow().machine());
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
