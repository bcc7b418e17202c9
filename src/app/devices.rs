//! The devices named in the configuration: real printers and camera, or the simulated
//! ones of the demo and the tests.

use std::sync::Arc;
use std::time::Duration;

use adm_a4::A4Printer;
use adm_a4::sim::SimA4Printer;
use adm_camera::replay::ReplaySource;
use adm_camera::{CameraError, FrameSource, GreyFrame};
use adm_thermal::sim::SimReceiptPrinter;
use adm_thermal::{PaperWidth, ReceiptPrinter};

use crate::config::Config;
use crate::devices::paper::PaperCounter;
use crate::devices::{Devices, shared};
use crate::scan::bounded::{Bounded, DEFAULT_DEADLINE};
use crate::scan::pipeline::Pipeline;
use crate::scan::timed::Timed;

use super::{Backend, SetupError};

/// Handles to the simulated devices, so the demo script and tests can inject faults.
#[derive(Clone, Default)]
pub struct SimHandles {
    pub a4: Option<adm_a4::sim::SimControl>,
    pub receipt: Option<adm_thermal::sim::SimControl>,
    /// The simulated camera: the demo script puts another paper in front of it (a
    /// document's QR for the document check) by replacing its source.
    pub camera: Option<crate::devices::Shared<dyn FrameSource>>,
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
        let (a4, problem) = adm_a4::open_or_wait(config.printers.a4.as_str(), &a4_options(config))
            .map_err(|e| SetupError::Device(format!("printers.a4 = {}: {e}", config.printers.a4)))?;
        if let Some(problem) = problem {
            // Not fatal, as for the camera: a kiosk whose printer cable was pulled must
            // still come up (and say the printer is missing), and pick the printer up
            // once it is back. Its health poll and readiness checks show it meanwhile.
            tracing::warn!(printer = %config.printers.a4, error = %problem, "A4 printer not usable at start; starting without it");
        }
        a4
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
    let camera = shared(camera);
    if config.camera.device.is_sim() {
        handles.camera = Some(camera.clone());
    }
    let devices = Devices {
        central: backend.central.clone(),
        a4: shared(a4),
        receipt: shared(receipt),
        receipt_width: width,
        camera,
        // zxing-cpp, plus enhanced passes within the frame budget when its plain pass reads
        // nothing (qr/src/pipeline.rs, measured by qr/benches/qr.rs); the deadline keeps a
        // pathological frame from stalling the scanner.
        decoder: Arc::new(Timed::new(Bounded::new(Pipeline::default(), DEFAULT_DEADLINE), backend.metrics.clone())),
        sim_a4: handles.a4.clone(),
        trust: Arc::new(backend.trust_anchors(config.documents.signer_policy())?),
        crls: Arc::default(),
        clock_floor: backend.clock_floor.clone(),
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
/// thread and hands out only the newest frame, never blocking longer than 500 ms (a
/// stalled camera read takes up to 2 s before the driver gives up on it).
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

/// The simulated camera: an empty scene for a moment, then a citizen holding up the
/// notice QR.
pub fn demo_camera(host: &str, code: &str) -> ReplaySource {
    qr_camera(&crate::scan::notice::payload(host, code))
}

/// A simulated camera that sees an empty scene for a moment, then a QR code of `payload`
/// (a notice, a document's verification QR, or anything else a citizen may hold up).
pub fn qr_camera(payload: &str) -> ReplaySource {
    let (w, h) = (640u32, 480u32);
    let empty = GreyFrame { width: w, height: h, data: vec![150; (w * h) as usize] };
    let mut scene = image::GrayImage::from_pixel(w, h, image::Luma([150]));
    if let Ok(code) = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M) {
        let qr = code.render::<image::Luma<u8>>().module_dimensions(6, 6).quiet_zone(true).build();
        let x = (w.saturating_sub(qr.width())) / 2;
        let y = (h.saturating_sub(qr.height())) / 2;
        image::imageops::overlay(&mut scene, &qr, i64::from(x), i64::from(y));
    }
    let held = GreyFrame::from_image(&scene);
    ReplaySource::new(vec![empty.clone(), empty, held.clone(), held], Duration::from_millis(400))
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
