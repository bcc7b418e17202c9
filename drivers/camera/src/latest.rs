//! Capture on its own thread, hand out only the newest frame.
//!
//! Why: V4L2 queues several buffers. A loop that reads one frame, decodes it for 50 ms
//! and reads again gets the *oldest* queued frame each time — up to the queue length
//! behind what the citizen is holding up now. Here a capture thread drains the camera
//! continuously and keeps just the latest frame (older ones are dropped), so the decoder
//! always works on the present.
//!
//! It also bounds waiting: [`FrameSource::next_frame`] on a `LatestFrame` waits at most
//! `wait` and then reports [`CameraError::Timeout`] (or the camera's last error), even if
//! the camera itself stalls inside a blocking read. Stopping never waits for the capture
//! thread either: it is told to stop and exits after its current read returns.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::{CameraError, FrameSource, GreyFrame};

/// How long the capture thread waits before asking a disconnected camera again (the
/// source reopens the device itself, see `V4lCamera`).
const RETRY_AFTER: Duration = Duration::from_millis(500);

#[derive(Default)]
struct Slot {
    frame: Option<GreyFrame>,
    error: Option<CameraError>,
    /// Frames captured so far (dropped ones included).
    captured: u64,
}

struct Shared {
    slot: Mutex<Slot>,
    fresh: Condvar,
    stop: AtomicBool,
}

pub struct LatestFrame {
    shared: Arc<Shared>,
    wait: Duration,
}

impl LatestFrame {
    /// Starts capturing from `source` on a thread named `camera-capture`.
    pub fn start(mut source: Box<dyn FrameSource>, wait: Duration) -> Result<LatestFrame, CameraError> {
        let shared =
            Arc::new(Shared { slot: Mutex::new(Slot::default()), fresh: Condvar::new(), stop: AtomicBool::new(false) });
        let inner = shared.clone();
        std::thread::Builder::new()
            .name("camera-capture".into())
            .spawn(move || {
                while !inner.stop.load(Ordering::Relaxed) {
                    let got = source.next_frame();
                    let disconnected = matches!(got, Err(CameraError::Disconnected));
                    {
                        let mut slot = inner.slot.lock().unwrap_or_else(|e| e.into_inner());
                        match got {
                            Ok(frame) => {
                                slot.frame = Some(frame);
                                slot.error = None;
                                slot.captured += 1;
                            }
                            Err(e) => slot.error = Some(e),
                        }
                    }
                    inner.fresh.notify_all();
                    if disconnected {
                        std::thread::sleep(RETRY_AFTER);
                    }
                }
            })
            .map_err(|e| CameraError::Other(format!("cannot start capture thread: {e}")))?;
        Ok(LatestFrame { shared, wait })
    }

    /// Frames captured so far, including those nobody looked at.
    pub fn captured(&self) -> u64 {
        self.shared.slot.lock().unwrap_or_else(|e| e.into_inner()).captured
    }
}

impl FrameSource for LatestFrame {
    /// The newest frame not handed out yet; waits up to `wait` for one.
    fn next_frame(&mut self) -> Result<GreyFrame, CameraError> {
        let deadline = Instant::now() + self.wait;
        let mut slot = self.shared.slot.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(frame) = slot.frame.take() {
                return Ok(frame);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(slot.error.clone().unwrap_or(CameraError::Timeout));
            }
            slot = self.shared.fresh.wait_timeout(slot, left).unwrap_or_else(|e| e.into_inner()).0;
        }
    }
}

impl Drop for LatestFrame {
    fn drop(&mut self) {
        // Not joined: the capture thread may sit in a blocking camera read. It sees the
        // flag after that read and ends, dropping (closing) the camera.
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts up one frame per call, every `pace`; stalls forever after `stall_after`.
    struct Counter {
        n: u8,
        pace: Duration,
        stall_after: u8,
    }

    impl FrameSource for Counter {
        fn next_frame(&mut self) -> Result<GreyFrame, CameraError> {
            if self.n >= self.stall_after {
                loop {
                    std::thread::park();
                }
            }
            std::thread::sleep(self.pace);
            self.n += 1;
            Ok(GreyFrame { width: 1, height: 1, data: vec![self.n] })
        }
    }

    #[test]
    fn hands_out_the_newest_frame_and_drops_the_rest() {
        let cam = Counter { n: 0, pace: Duration::from_millis(5), stall_after: u8::MAX };
        let mut latest = LatestFrame::start(Box::new(cam), Duration::from_secs(2)).expect("thread");
        let first = latest.next_frame().expect("frame").data[0];
        std::thread::sleep(Duration::from_millis(100));
        let later = latest.next_frame().expect("frame").data[0];
        assert!(later > first + 5, "{first} then {later}: older frames were dropped");
        assert!(latest.captured() >= u64::from(later));
    }

    #[test]
    fn a_stalled_camera_times_out_instead_of_hanging() {
        let cam = Counter { n: 0, pace: Duration::ZERO, stall_after: 1 };
        let mut latest = LatestFrame::start(Box::new(cam), Duration::from_millis(50)).expect("thread");
        assert_eq!(latest.next_frame().map(|f| f.data[0]), Ok(1));
        assert_eq!(latest.next_frame(), Err(CameraError::Timeout));
    }

    #[test]
    fn a_disconnected_camera_is_reported() {
        let replay = crate::replay::ReplaySource::new(vec![], Duration::ZERO);
        let mut latest = LatestFrame::start(Box::new(replay), Duration::from_millis(50)).expect("thread");
        assert_eq!(latest.next_frame(), Err(CameraError::Disconnected));
    }
}
