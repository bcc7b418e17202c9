//! The kiosk's USB camera over V4L2: the `v4l` crate streams, we pick the format and
//! convert.
//!
//! Hardware and library quirks this works around:
//! - Cameras offer many modes; we enumerate them ourselves ([`choose`]) and set an exact
//!   one, because "closest" matching in camera libraries tends to fail when the camera
//!   lacks the requested size.
//! - Every read has a timeout ([`READ_TIMEOUT`]) and a stream that keeps timing out is
//!   closed and opened again ([`Stall`]). A camera can stream without delivering: a USB
//!   camera whose first stream start was lost, or one opened in the moment udev was
//!   still handing its node to the kiosk's group. A read without a timeout (nokhwa's,
//!   which this driver used before) then blocks the capture thread for good and the
//!   kiosk never sees the camera until it restarts — the VM hardware lab met exactly that.
//! - V4L2 hands out whole, page-rounded mmap buffers; only `bytesused` of them is the
//!   frame (MJPEG frames vary in size), and rows may be padded: the stride is read back
//!   from the driver after the format is set.
//! - uvcvideo exposes two nodes per camera (`/dev/videoN` capture, `N+1` metadata); the
//!   metadata node has no formats and is refused as unsupported.
//! - After an unplug the device node disappears and reads fail; the device must be closed
//!   before the replugged camera is usable (the old open file keeps the old node alive).
//!   Reads that fail close it; the next `next_frame` reopens the configured path —
//!   re-resolving symlinks such as `/dev/v4l/by-id/…`, which survive replugging while the
//!   `videoN` number may not.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ::v4l::io::traits::CaptureStream;
use ::v4l::video::Capture;

use crate::pixels::{PixelFormat, to_grey};
use crate::{CameraError, FrameSource, GreyFrame};

/// Below this a YUYV/GREY mode is passed over for a faster one (USB 2 webcams often give
/// uncompressed 1080p at 5 fps only; the citizen's hand shakes in between).
pub const MIN_FPS: u32 = 10;
/// How long one frame may take. UVC cameras stream continuously (10-30 fps), so two
/// seconds without a frame means the stream is stuck, not that the scene is still.
pub const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// Consecutive timed-out reads after which the stream is closed and opened again.
const STALLED_AFTER: u32 = 3;
/// Do not hammer a missing device: at most one reopen attempt per this interval.
const REOPEN_EVERY: Duration = Duration::from_secs(1);

/// One mode the camera offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    /// Highest whole frame rate at this size; 0 if the driver did not say.
    pub fps: u32,
}

/// Picks the mode to stream: the cheapest format to turn into grey (YUYV, GREY, NV12,
/// then MJPEG, then RGB), among modes at least half the preferred width and at
/// [`MIN_FPS`] or faster; within a format the size closest to `preferred`, then the
/// highest frame rate. Falls back to anything convertible.
pub fn choose(offers: &[Offer], preferred: (u32, u32)) -> Option<Offer> {
    let rank = |f: PixelFormat| match f {
        PixelFormat::Yuyv => 0,
        PixelFormat::Grey => 1,
        PixelFormat::Nv12 => 2,
        PixelFormat::Mjpeg => 3,
        PixelFormat::Rgb24 | PixelFormat::Bgr24 => 4,
    };
    let distance = |o: &Offer| {
        let (dx, dy) = (i64::from(o.width) - i64::from(preferred.0), i64::from(o.height) - i64::from(preferred.1));
        dx * dx + dy * dy
    };
    let good = |o: &&Offer| u64::from(o.width) * 2 >= u64::from(preferred.0) && (o.fps == 0 || o.fps >= MIN_FPS);
    let key = |o: &&Offer| (rank(o.format), distance(o), std::cmp::Reverse(o.fps));
    offers
        .iter()
        .filter(good)
        .min_by_key(key)
        .or_else(|| offers.iter().min_by_key(|o| (distance(o), rank(o.format))))
        .copied()
}

fn pixel_format(fourcc: &[u8; 4]) -> Option<PixelFormat> {
    Some(match fourcc {
        b"YUYV" => PixelFormat::Yuyv,
        b"GREY" => PixelFormat::Grey,
        b"NV12" => PixelFormat::Nv12,
        b"MJPG" => PixelFormat::Mjpeg,
        b"RGB3" => PixelFormat::Rgb24,
        b"BGR3" => PixelFormat::Bgr24,
        _ => return None,
    })
}

fn io_error(path: &Path, e: std::io::Error) -> CameraError {
    match e.kind() {
        std::io::ErrorKind::NotFound => CameraError::NotFound(path.display().to_string()),
        _ => CameraError::Other(format!("{}: {e}", path.display())),
    }
}

/// Every mode of the device, as the driver enumerates it.
fn enumerate(dev: &::v4l::Device, preferred: (u32, u32)) -> std::io::Result<Vec<Offer>> {
    let mut offers = vec![];
    for desc in dev.enum_formats()? {
        let Some(format) = pixel_format(&desc.fourcc.repr) else { continue };
        for size in dev.enum_framesizes(desc.fourcc)? {
            let sizes = match size.size {
                ::v4l::framesize::FrameSizeEnum::Discrete(d) => vec![(d.width, d.height)],
                // Stepwise sizes (some CSI bridges): the preferred size clamped and
                // aligned into the range, and the largest.
                ::v4l::framesize::FrameSizeEnum::Stepwise(s) => {
                    let fit = |want: u32, lo: u32, hi: u32, step: u32| {
                        let v = want.clamp(lo, hi);
                        lo + (v - lo) / step.max(1) * step.max(1)
                    };
                    vec![
                        (
                            fit(preferred.0, s.min_width, s.max_width, s.step_width),
                            fit(preferred.1, s.min_height, s.max_height, s.step_height),
                        ),
                        (s.max_width, s.max_height),
                    ]
                }
            };
            for (width, height) in sizes {
                let fps = dev
                    .enum_frameintervals(desc.fourcc, width, height)
                    .unwrap_or_default()
                    .iter()
                    .map(|i| match &i.interval {
                        ::v4l::frameinterval::FrameIntervalEnum::Discrete(f) => *f,
                        // The shortest interval is the highest rate.
                        ::v4l::frameinterval::FrameIntervalEnum::Stepwise(s) => s.min,
                    })
                    // Whole frame rates only (1/N intervals): what `set_params` asks for.
                    .filter(|f| f.numerator == 1)
                    .map(|f| f.denominator)
                    .max()
                    .unwrap_or(0);
                offers.push(Offer { format, width, height, fps });
            }
        }
    }
    Ok(offers)
}

/// Counts reads that timed out in a row: a stream that stopped delivering is reopened.
#[derive(Debug, Default)]
struct Stall {
    timeouts: u32,
}

impl Stall {
    /// Whether, after this read, the stream should be closed and opened again.
    fn stuck_after(&mut self, read: &Result<GreyFrame, CameraError>) -> bool {
        match read {
            Err(CameraError::Timeout) => {
                self.timeouts += 1;
                self.timeouts >= STALLED_AFTER
            }
            _ => {
                self.timeouts = 0;
                false
            }
        }
    }
}

struct Open {
    stream: ::v4l::io::mmap::Stream<'static>,
    offer: Offer,
    /// Bytes per row as the driver reports it.
    stride: Option<u32>,
}

/// A V4L2 camera. `next_frame` blocks until the camera delivers (see the module notes).
pub struct V4lCamera {
    path: PathBuf,
    preferred: (u32, u32),
    open: Option<Open>,
    last_attempt: Option<Instant>,
    stall: Stall,
}

impl V4lCamera {
    /// Opens the camera at `path` (`/dev/videoN` or a symlink to one) in the mode
    /// [`choose`] picks for the `preferred` size, and starts streaming.
    pub fn open(path: impl AsRef<Path>, preferred: (u32, u32)) -> Result<V4lCamera, CameraError> {
        let mut cam = V4lCamera::lazy(path, preferred);
        cam.reopen()?;
        Ok(cam)
    }

    /// A camera that opens on its first `next_frame` (and keeps retrying, like after an
    /// unplug): the kiosk boots and offers NIK sign-in even when the camera is away.
    pub fn lazy(path: impl AsRef<Path>, preferred: (u32, u32)) -> V4lCamera {
        V4lCamera {
            path: path.as_ref().to_path_buf(),
            preferred,
            open: None,
            last_attempt: None,
            stall: Stall::default(),
        }
    }

    /// The mode streaming now, if open.
    pub fn mode(&self) -> Option<Offer> {
        self.open.as_ref().map(|o| o.offer)
    }

    /// Closes the device (if open) and opens it again from the configured path.
    pub fn reopen(&mut self) -> Result<(), CameraError> {
        // Close first: a replugged camera cannot be opened while the old file is held.
        self.open = None;
        self.last_attempt = Some(Instant::now());
        self.stall = Stall::default();
        let node = std::fs::canonicalize(&self.path).map_err(|e| io_error(&self.path, e))?;
        let dev = ::v4l::Device::with_path(&node).map_err(|e| io_error(&node, e))?;
        let offers = enumerate(&dev, self.preferred).map_err(|e| io_error(&node, e))?;
        let offer = choose(&offers, self.preferred)
            .ok_or_else(|| CameraError::Unsupported(format!("{}: no usable pixel format", node.display())))?;
        let stream = Self::start(&dev, &node, offer)?;
        // Read back what the driver really set: rows may be padded.
        let stride = dev.format().ok().map(|f| f.stride).filter(|&s| s > 0);
        tracing::info!(camera = %node.display(), ?offer, ?stride, "camera streaming");
        self.open = Some(Open { stream, offer, stride });
        Ok(())
    }

    /// Sets `offer` exactly (the driver may not substitute another size or format) and
    /// starts an mmap stream whose reads time out.
    fn start(dev: &::v4l::Device, node: &Path, offer: Offer) -> Result<::v4l::io::mmap::Stream<'static>, CameraError> {
        let fourcc = ::v4l::FourCC::new(fourcc(offer.format));
        let got =
            dev.set_format(&::v4l::Format::new(offer.width, offer.height, fourcc)).map_err(|e| io_error(node, e))?;
        if got.width != offer.width || got.height != offer.height || got.fourcc != fourcc {
            return Err(CameraError::Unsupported(format!(
                "{}: driver refused {} {}x{} (set {} {}x{})",
                node.display(),
                fourcc,
                offer.width,
                offer.height,
                got.fourcc,
                got.width,
                got.height
            )));
        }
        if offer.fps > 0 {
            // Not fatal: some drivers have one fixed rate and refuse to be asked.
            if let Err(e) = dev.set_params(&::v4l::video::capture::Parameters::with_fps(offer.fps)) {
                tracing::debug!(error = %e, fps = offer.fps, "camera keeps its own frame rate");
            }
        }
        let mut stream = ::v4l::io::mmap::Stream::with_buffers(dev, ::v4l::buffer::Type::VideoCapture, 4)
            .map_err(|e| io_error(node, e))?;
        stream.set_timeout(READ_TIMEOUT);
        Ok(stream)
    }

    fn read(open: &mut Open) -> Result<GreyFrame, CameraError> {
        let Offer { format, width, height, .. } = open.offer;
        match open.stream.next() {
            Ok((buf, meta)) => {
                let used = (meta.bytesused as usize).min(buf.len());
                to_grey(format, &buf[..used], width, height, open.stride)
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Err(CameraError::Timeout),
            Err(e) => {
                tracing::warn!(error = %e, "camera read failed");
                Err(CameraError::Disconnected)
            }
        }
    }
}

/// The V4L2 fourcc of a format the kiosk converts.
fn fourcc(f: PixelFormat) -> &'static [u8; 4] {
    match f {
        PixelFormat::Yuyv => b"YUYV",
        PixelFormat::Grey => b"GREY",
        PixelFormat::Nv12 => b"NV12",
        PixelFormat::Mjpeg => b"MJPG",
        PixelFormat::Rgb24 => b"RGB3",
        PixelFormat::Bgr24 => b"BGR3",
    }
}

impl FrameSource for V4lCamera {
    fn next_frame(&mut self) -> Result<GreyFrame, CameraError> {
        if self.open.is_none() {
            if self.last_attempt.is_some_and(|t| t.elapsed() < REOPEN_EVERY) {
                return Err(CameraError::Disconnected);
            }
            if let Err(e) = self.reopen() {
                tracing::debug!(error = %e, camera = %self.path.display(), "camera still away");
                return Err(CameraError::Disconnected);
            }
        }
        let open = self.open.as_mut().ok_or(CameraError::Disconnected)?;
        let got = Self::read(open);
        if got == Err(CameraError::Disconnected) {
            // Release the device so the replugged camera can be opened.
            self.open = None;
        } else if self.stall.stuck_after(&got) {
            tracing::warn!(camera = %self.path.display(), "camera stream stalled; opening it again");
            self.open = None;
            self.last_attempt = None;
        }
        got
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(format: PixelFormat, width: u32, height: u32, fps: u32) -> Offer {
        Offer { format, width, height, fps }
    }

    #[test]
    fn prefers_yuyv_near_the_wanted_size() {
        let offers = [
            offer(PixelFormat::Mjpeg, 1280, 720, 30),
            offer(PixelFormat::Yuyv, 640, 480, 30),
            offer(PixelFormat::Yuyv, 1280, 720, 10),
            offer(PixelFormat::Yuyv, 1920, 1080, 5),
        ];
        assert_eq!(choose(&offers, (1280, 720)), Some(offers[2]));
    }

    #[test]
    fn slow_or_tiny_yuyv_gives_way_to_mjpeg() {
        let offers = [
            offer(PixelFormat::Yuyv, 1920, 1080, 5),
            offer(PixelFormat::Yuyv, 320, 240, 30),
            offer(PixelFormat::Mjpeg, 1920, 1080, 30),
            offer(PixelFormat::Mjpeg, 1280, 720, 30),
        ];
        assert_eq!(choose(&offers, (1280, 720)), Some(offers[3]));
    }

    #[test]
    fn grey_cameras_and_last_resorts() {
        let grey = [offer(PixelFormat::Grey, 1280, 800, 60), offer(PixelFormat::Grey, 640, 400, 60)];
        assert_eq!(choose(&grey, (1280, 720)), Some(grey[0]));
        // Nothing meets the bar: the closest size wins anyway.
        let poor = [offer(PixelFormat::Yuyv, 320, 240, 5), offer(PixelFormat::Rgb24, 352, 288, 5)];
        assert_eq!(choose(&poor, (1280, 720)), Some(poor[1]));
        assert_eq!(choose(&[], (1280, 720)), None);
    }

    #[test]
    fn fourccs_map_including_grey() {
        assert_eq!(pixel_format(b"GREY"), Some(PixelFormat::Grey));
        assert_eq!(pixel_format(b"YUYV"), Some(PixelFormat::Yuyv));
        assert_eq!(pixel_format(b"H264"), None);
        for f in [
            PixelFormat::Yuyv,
            PixelFormat::Grey,
            PixelFormat::Nv12,
            PixelFormat::Mjpeg,
            PixelFormat::Rgb24,
            PixelFormat::Bgr24,
        ] {
            assert_eq!(pixel_format(fourcc(f)), Some(f), "{f:?} round-trips through its fourcc");
        }
    }

    #[test]
    fn a_stream_that_keeps_timing_out_is_reopened() {
        let mut stall = Stall::default();
        let frame = Ok(GreyFrame { width: 1, height: 1, data: vec![0] });
        // A slow frame now and then is no stall.
        for _ in 0..5 {
            assert!(!stall.stuck_after(&Err(CameraError::Timeout)));
            assert!(!stall.stuck_after(&Err(CameraError::Timeout)));
            assert!(!stall.stuck_after(&frame));
        }
        // Nothing for STALLED_AFTER reads in a row: reopen.
        assert!(!stall.stuck_after(&Err(CameraError::Timeout)));
        assert!(!stall.stuck_after(&Err(CameraError::Timeout)));
        assert!(stall.stuck_after(&Err(CameraError::Timeout)));
        // A short or corrupt frame still shows the stream moves.
        let mut stall = Stall::default();
        assert!(!stall.stuck_after(&Err(CameraError::Timeout)));
        assert!(!stall.stuck_after(&Err(CameraError::Other("short frame".into()))));
        assert!(!stall.stuck_after(&Err(CameraError::Timeout)));
    }

    #[test]
    fn opening_a_missing_camera_is_a_clean_error() {
        assert!(matches!(V4lCamera::open("/dev/video-does-not-exist", (1280, 720)), Err(CameraError::NotFound(_))));
        // Not a video node at all.
        assert!(matches!(V4lCamera::open("/dev/null", (1280, 720)), Err(CameraError::Unsupported(_))));
        // A lazy one reports "disconnected" until the camera shows up, retrying at most
        // once per second.
        let mut lazy = V4lCamera::lazy("/dev/video-does-not-exist", (1280, 720));
        assert_eq!(lazy.next_frame(), Err(CameraError::Disconnected));
        assert_eq!(lazy.next_frame(), Err(CameraError::Disconnected));
        assert!(lazy.mode().is_none());
    }
}
