//! The capture loop: its own thread, always the newest frame, decode, hand the notice
//! code to the session. Stops when told or when a notice was found.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use adm_camera::{CameraError, FrameSource, GreyFrame};
use zeroize::Zeroizing;

use super::decoder::QrDecoder;
use super::notice;
use crate::session::{ScanHint, ScanProblem};

/// How long the camera may give no picture before the citizen is told it cannot be used.
const NO_CAMERA_AFTER: Duration = Duration::from_secs(2);

/// What the capture loop reports.
pub type ScanResult = Result<Zeroizing<String>, ScanProblem>;

/// The latest frame, for the preview on the scan screen.
pub type Preview = Arc<Mutex<Option<GreyFrame>>>;

/// A camera loop on its own thread, stopped (and joined) on request. The loop gets the
/// stop flag to poll between frames.
pub(crate) struct CameraThread {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CameraThread {
    pub(crate) fn spawn(name: &str, body: impl FnOnce(Arc<AtomicBool>) + Send + 'static) -> CameraThread {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new().name(name.into()).spawn(move || body(flag)).ok();
        CameraThread { stop, thread }
    }

    pub(crate) fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub struct Scanner(CameraThread);

impl Scanner {
    pub fn start(
        camera: Arc<Mutex<Box<dyn FrameSource>>>,
        decoder: Arc<dyn QrDecoder + Sync>,
        central_host: String,
        preview: Preview,
        report: impl Fn(ScanResult) + Send + 'static,
        hint: impl Fn(Option<ScanHint>) + Send + 'static,
    ) -> Scanner {
        Scanner(CameraThread::spawn("qr-scan", move |flag| {
            let mut last_refused: Option<String> = None;
            // Hints go out when they change, not every frame.
            let mut last_code = Instant::now();
            let mut last_hint: Option<ScanHint> = None;
            let mut last_frame = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                let frame = {
                    let mut cam = camera.lock().unwrap_or_else(|e| e.into_inner());
                    cam.next_frame()
                };
                let frame = match frame {
                    Ok(f) => f,
                    Err(CameraError::Disconnected) => {
                        // Unplugged or never found: say so once it has lasted a moment (a
                        // camera starting up may drop a frame), and keep trying: it may
                        // come back.
                        if last_frame.elapsed() >= NO_CAMERA_AFTER && last_hint != Some(ScanHint::NoCamera) {
                            last_hint = Some(ScanHint::NoCamera);
                            hint(last_hint);
                        }
                        std::thread::sleep(Duration::from_millis(500));
                        continue;
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "camera frame");
                        continue;
                    }
                };
                last_frame = Instant::now();
                let found = decoder.decode(&frame);
                if !found.is_empty() {
                    last_code = Instant::now();
                }
                let now_hint = super::hints::hint_for(&frame, last_code.elapsed());
                if now_hint != last_hint {
                    last_hint = now_hint;
                    hint(now_hint);
                }
                *preview.lock().unwrap_or_else(|e| e.into_inner()) = Some(frame);
                for code in found {
                    match notice::parse(&code.text, &central_host) {
                        Ok(code) => {
                            if !flag.swap(true, Ordering::Relaxed) {
                                report(Ok(code));
                            }
                            return;
                        }
                        // Tell the citizen once per foreign code, not every frame.
                        Err(_) if last_refused.as_deref() != Some(code.text.as_str()) => {
                            last_refused = Some(code.text);
                            report(Err(ScanProblem::NotANotice));
                        }
                        Err(_) => {}
                    }
                }
            }
        }))
    }

    pub fn stop(self) {
        self.0.stop();
    }
}
