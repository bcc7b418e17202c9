//! Wiring: configuration → devices → session runtime → UI.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use adm_a4::sim::SimA4Printer;
use adm_camera::replay::ReplaySource;
use adm_camera::{FrameSource, GreyFrame};
use adm_thermal::PaperWidth;
use adm_thermal::sim::SimReceiptPrinter;
use slint::ComponentHandle;

use crate::AppWindow;
use crate::central::Central;
use crate::config::Config;
use crate::runtime::clock::Clock;
use crate::runtime::devices::{Devices, shared};
use crate::runtime::{KioskInfo, Runtime};
use crate::scan::decoder::RqrrDecoder;
use crate::session::{Event, Warning};
use crate::ui_bridge;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0} is not supported by this build yet (use \"sim\")")]
    Unsupported(String),
    #[error("cannot create the output folder {path}: {source}")]
    Output { path: PathBuf, source: std::io::Error },
    #[error("cannot start worker threads: {0}")]
    Workers(std::io::Error),
    #[error("UI: {0}")]
    Ui(#[from] slint::PlatformError),
}

/// Handles to the simulated devices, so the demo script and tests can inject faults.
#[derive(Clone, Default)]
pub struct SimHandles {
    pub a4: Option<adm_a4::sim::SimControl>,
    pub receipt: Option<adm_thermal::sim::SimControl>,
}

/// Builds the devices named in the configuration.
pub fn build_devices(
    config: &Config,
    central: Arc<dyn Central>,
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
    if config.printers.a4 != "sim" {
        return Err(SetupError::Unsupported(format!("printers.a4 = {}", config.printers.a4)));
    }
    let a4 = SimA4Printer::new(out.clone(), page_time);
    handles.a4 = Some(a4.control());
    let width = if config.printers.receipt_width_mm == 58 { PaperWidth::Mm58 } else { PaperWidth::Mm80 };
    if config.printers.receipt != "sim" {
        return Err(SetupError::Unsupported(format!("printers.receipt = {}", config.printers.receipt)));
    }
    let receipt = SimReceiptPrinter::new(out, width);
    handles.receipt = Some(receipt.control());
    if config.camera.device != "sim" {
        return Err(SetupError::Unsupported(format!("camera.device = {}", config.camera.device)));
    }
    let camera: Box<dyn FrameSource> = Box::new(demo_camera(&central_host(config), crate::central::sim::DEMO_NOTICE));
    let devices = Devices {
        central,
        a4: shared(Box::new(a4)),
        receipt: shared(Box::new(receipt)),
        receipt_width: width,
        camera: shared(camera),
        decoder: Arc::new(RqrrDecoder),
    };
    Ok((devices, handles))
}

/// Host of the central server named in the configuration (the demo's is loopback).
pub fn central_host(config: &Config) -> String {
    url::Url::parse(&config.server.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "127.0.0.1".into())
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
}

impl Kiosk {
    pub fn new(config: &Config, clock: Box<dyn Clock>, devices: Devices) -> Result<Kiosk, SetupError> {
        let info = KioskInfo {
            kiosk_id: config.kiosk_id.clone(),
            site: config.site.clone(),
            central_host: central_host(config),
        };
        let runtime = Runtime::new(config.timing(), clock, devices, info).map_err(SetupError::Workers)?;
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
        if config.language == "en" {
            runtime.borrow_mut().dispatch(Event::SetLanguage(crate::session::Language::En));
        }
        ui_bridge::render(&app, runtime.borrow().machine());
        Ok(Kiosk { app, runtime, timer: slint::Timer::default() })
    }

    /// Lets answers and time reach the session and refreshes the screen if needed.
    pub fn pump(&self) {
        let view = |rt: &Runtime| -> (std::mem::Discriminant<crate::session::State>, Option<Warning>) {
            (std::mem::discriminant(rt.machine().state()), rt.machine().warning())
        };
        let before = view(&self.runtime.borrow());
        let arrived = self.runtime.borrow_mut().pump();
        let rt = self.runtime.borrow();
        let after = view(&rt);
        if arrived || before != after || after.1.is_some() {
            ui_bridge::render(&self.app, rt.machine());
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
