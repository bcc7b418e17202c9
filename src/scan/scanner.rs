//! The capture loop: its own thread, always the newest frame, decode, hand the notice
//! code (sign-in) or a document's verification code (document check) to the session.
//! Stops when told, or when what it looks for was found.

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

/// What either scanner reads with: the camera, the decoder, the host whose codes count,
/// and where the newest frame goes for the preview.
pub struct ScanSetup {
    pub camera: Arc<Mutex<Box<dyn FrameSource>>>,
    pub decoder: Arc<dyn QrDecoder + Sync>,
    pub central_host: String,
    pub preview: Preview,
}

impl Scanner {
    /// Looks for a notice QR of `central_host`; other codes are reported (once each) and
    /// scanning goes on.
    pub fn start(
        setup: ScanSetup,
        report: impl Fn(ScanResult) + Send + 'static,
        hint: impl Fn(Option<ScanHint>) + Send + 'static,
    ) -> Scanner {
        let ScanSetup { camera, decoder, central_host, preview } = setup;
        Scanner(CameraThread::spawn("qr-scan", move |flag| {
            let mut last_refused: Option<String> = None;
            capture(&camera, decoder.as_ref(), &preview, &hint, &flag, |text| {
                match notice::parse(&text, &central_host) {
                    Ok(code) => {
                        report(Ok(code));
                        true
                    }
                    // Tell the citizen once per foreign code, not every frame.
                    Err(_) => {
                        if last_refused.as_deref() != Some(text.as_str()) {
                            last_refused = Some(text);
                            report(Err(ScanProblem::NotANotice));
                        }
                        false
                    }
                }
            });
        }))
    }

    /// Document check: stops at the first QR read and reports its verification code, or
    /// None when it is not a document code of `central_host` (another host, a notice,
    /// anything else): the citizen is shown TIDAK VALID for it, never an error.
    pub fn start_document(
        setup: ScanSetup,
        report: impl Fn(Option<Zeroizing<String>>) + Send + 'static,
        hint: impl Fn(Option<ScanHint>) + Send + 'static,
    ) -> Scanner {
        let ScanSetup { camera, decoder, central_host, preview } = setup;
        Scanner(CameraThread::spawn("qr-check", move |flag| {
            capture(&camera, decoder.as_ref(), &preview, &hint, &flag, |text| {
                report(super::document::parse(&text, &central_host).ok());
                true
            });
        }))
    }

    pub fn stop(self) {
        self.0.stop();
    }
}

/// The capture loop shared by both scanners: newest frame, decode, hints when they
/// change, preview. Each decoded text goes to `found`; `true` from it ends the loop (once:
/// a stop requested meanwhile wins, so nothing is reported after `stop`).
fn capture(
    camera: &Mutex<Box<dyn FrameSource>>,
    decoder: &(dyn QrDecoder + Sync),
    preview: &Preview,
    hint: &dyn Fn(Option<ScanHint>),
    flag: &AtomicBool,
    mut found: impl FnMut(String) -> bool,
) {
    // What the decoder held of this scan's unread frames goes when the scan ends: the next
    // scan may be another citizen's.
    struct Forget<'a>(&'a (dyn QrDecoder + Sync));
    impl Drop for Forget<'_> {
        fn drop(&mut self) {
            self.0.forget();
        }
    }
    let _forget = Forget(decoder);
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
                // Unplugged or never found: say so once it has lasted a moment (a camera
                // starting up may drop a frame), and keep trying: it may come back.
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
        let seen = decoder.look(&frame);
        if !seen.codes.is_empty() {
            last_code = Instant::now();
        }
        let now_hint = super::hints::hint_for(&frame, last_code.elapsed(), &seen.unreadable);
        if now_hint != last_hint {
            last_hint = now_hint;
            hint(now_hint);
        }
        *preview.lock().unwrap_or_else(|e| e.into_inner()) = Some(frame);
        for code in seen.codes {
            if flag.load(Ordering::Relaxed) {
                return;
            }
            if found(code.text) {
                flag.store(true, Ordering::Relaxed);
                return;
            }
        }
    }
}
