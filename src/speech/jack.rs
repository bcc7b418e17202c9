//! Headphone jack detection through the kernel's input layer.
//!
//! Sound cards with jack sensing (Intel HDA codecs and most others on a kiosk's board)
//! register an input device whose switch `SW_HEADPHONE_INSERT` follows the jack: the same
//! signal desktop environments use to move sound to headphones. The kiosk asks the device
//! for the switch's current state twice a second (`JackWatch`) rather than reading its
//! events: a poll needs no open file held across unplugged sound cards, needs no event
//! parsing, and a missed event can never leave voice guidance in the wrong state.
//!
//! The kiosk user must be able to read the device (`/dev/input/event*`, group `input` on
//! Debian); without that, or without a jack switch, there is no detection, and the help
//! key remains the way to voice guidance.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use nix::libc;
use nix::request_code_read;
use nix::sys::ioctl::ioctl_num_type;

/// `EV_SW` from `<linux/input-event-codes.h>`: binary switches (lid, jacks, …).
pub const EV_SW: u32 = 0x05;
/// `SW_HEADPHONE_INSERT`: set while a plug is in the headphone jack.
pub const SW_HEADPHONE_INSERT: usize = 0x02;
/// `SW_MAX`: the highest switch code the kernel knows; a bitmap of all switches fits in
/// `SW_MAX + 1` bits, one `unsigned long` on every architecture.
pub const SW_MAX: usize = 0x10;

/// How often `JackWatch` reads the switch: quick enough that guidance starts as the
/// citizen puts the headphones on, and one ioctl on a tiny device is no load.
pub const POLL: Duration = Duration::from_millis(500);
/// How often `JackWatch` looks for a jack again when there is none (none found at start,
/// or the sound card went away): a directory scan is more than one ioctl.
pub const RESCAN: Duration = Duration::from_secs(5);

// The ioctl request numbers are `_IOC(_IOC_READ, 'E', nr, size)` from `<linux/input.h>`;
// nix packs them with each architecture's own field layout (PowerPC, MIPS and SPARC
// differ from x86 and ARM).

/// `EVIOCGBIT(ev, len)` = `_IOC(_IOC_READ, 'E', 0x20 + ev, len)`: which codes of event
/// type `ev` the device supports, as a bitmap of `len` bytes.
pub const fn eviocgbit(ev: u32, len: u32) -> ioctl_num_type {
    request_code_read!(b'E', 0x20 + ev, len)
}

/// `EVIOCGSW(len)` = `_IOC(_IOC_READ, 'E', 0x1b, len)`: the current state of every switch,
/// as a bitmap of `len` bytes.
pub const fn eviocgsw(len: u32) -> ioctl_num_type {
    request_code_read!(b'E', 0x1b, len)
}

/// A switch bitmap as the kernel fills it: an array of `unsigned long`, bit `n` in word
/// `n / BITS` (reading it as bytes would put the bits in the wrong place on big-endian).
type Bitmap = [libc::c_ulong; SW_MAX / libc::c_ulong::BITS as usize + 1];

/// Whether bit `bit` is set in a kernel bitmap of `unsigned long`s.
pub fn test_bit(bits: &[libc::c_ulong], bit: usize) -> bool {
    let width = libc::c_ulong::BITS as usize;
    bits.get(bit / width).is_some_and(|word| (word >> (bit % width)) & 1 == 1)
}

/// Fills `bits` with the bitmap the read-only evdev ioctl `request` (built for exactly
/// `size_of::<Bitmap>()` bytes) returns.
fn read_bitmap(file: &File, request: ioctl_num_type, bits: &mut Bitmap) -> io::Result<()> {
    // SAFETY: `file` is an open descriptor for the whole call. The request is a read
    // ioctl whose size field is `size_of::<Bitmap>()` (see the callers), so the kernel
    // writes at most that many bytes, into `bits`, which is exactly that large, properly
    // aligned and exclusively borrowed. On a file that is not an evdev device the call
    // fails (ENOTTY/EINVAL) without writing.
    let r = unsafe { libc::ioctl(file.as_raw_fd(), request, bits.as_mut_ptr()) };
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

const BITMAP_BYTES: u32 = std::mem::size_of::<Bitmap>() as u32;

/// An input device with a headphone jack switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadphoneJack {
    path: PathBuf,
}

impl HeadphoneJack {
    /// The first device under `/dev/input` with a headphone switch, if any.
    pub fn find() -> Option<HeadphoneJack> {
        Self::find_in(Path::new("/dev/input"))
    }

    /// The first `event*` device in `dir` (by number) with a headphone switch. Devices
    /// that cannot be opened or asked (permissions, a device going away) are skipped.
    pub fn find_in(dir: &Path) -> Option<HeadphoneJack> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                tracing::debug!(dir = %dir.display(), error = %e, "no input devices");
                return None;
            }
        };
        let mut devices: Vec<(u32, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let n = entry.file_name().to_str()?.strip_prefix("event")?.parse().ok()?;
                Some((n, entry.path()))
            })
            .collect();
        // event2 before event10, the order the kernel registered them in.
        devices.sort();
        devices
            .into_iter()
            .map(|(_, path)| path)
            .find(|path| match has_headphone_switch(path) {
                Ok(has) => has,
                Err(e) => {
                    tracing::debug!(device = %path.display(), error = %e, "input device not asked");
                    false
                }
            })
            .map(|path| HeadphoneJack { path })
    }

    /// The device (`/dev/input/eventN`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether headphones are plugged in now. Opens the device each time (microseconds):
    /// a sound card can go away and come back under another number, and a kiosk holding
    /// its old descriptor would read nothing forever.
    pub fn plugged(&self) -> io::Result<bool> {
        let file = File::open(&self.path)?;
        let mut bits: Bitmap = Default::default();
        read_bitmap(&file, eviocgsw(BITMAP_BYTES), &mut bits)?;
        Ok(test_bit(&bits, SW_HEADPHONE_INSERT))
    }
}

/// Whether the input device at `path` reports a headphone switch.
fn has_headphone_switch(path: &Path) -> io::Result<bool> {
    let file = File::open(path)?;
    let mut bits: Bitmap = Default::default();
    read_bitmap(&file, eviocgbit(EV_SW, BITMAP_BYTES), &mut bits)?;
    Ok(test_bit(&bits, SW_HEADPHONE_INSERT))
}

/// `JackWatch::pending` values.
const NO_CHANGE: u8 = 0;
const UNPLUGGED: u8 = 1;
const PLUGGED: u8 = 2;

/// Why the watch could not start.
#[derive(Debug, thiserror::Error)]
pub enum JackError {
    #[error("the headphone jack thread could not be started: {0}")]
    Spawn(#[source] io::Error),
}

/// Reads the jack every `POLL` on its own thread, so the UI thread never touches a device;
/// the kiosk's pump collects changes with `take_change`.
///
/// Starts from "unplugged" (what the session machine assumes at start): headphones already
/// in at boot are reported as the first change. A jack that cannot be read, or a sound card
/// that went away, counts as unplugged (nothing can be heard through it) and is looked for
/// again every `RESCAN`.
#[derive(Debug)]
pub struct JackWatch {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    /// The state read last, if it changed since the last `take_change`.
    pending: AtomicU8,
    stop: AtomicBool,
}

impl JackWatch {
    /// Watches the first headphone jack under `/dev/input`, and keeps looking if there is
    /// none yet.
    pub fn start() -> Result<JackWatch, JackError> {
        let mut jack: Option<HeadphoneJack> = None;
        let mut last_scan: Option<Instant> = None;
        Self::start_with(POLL, move || {
            if jack.is_none() && last_scan.is_none_or(|t| t.elapsed() >= RESCAN) {
                last_scan = Some(Instant::now());
                jack = HeadphoneJack::find();
                if let Some(j) = &jack {
                    tracing::info!(device = %j.path().display(), "headphone jack found");
                }
            }
            let found = jack.as_ref()?;
            match found.plugged() {
                Ok(plugged) => Some(plugged),
                Err(e) => {
                    tracing::info!(device = %found.path().display(), error = %e, "headphone jack lost");
                    jack = None;
                    None
                }
            }
        })
    }

    /// The watch thread around any reading: `probe` returns the jack's state, or None when
    /// there is no jack to read (taken as unplugged).
    fn start_with(
        period: Duration,
        mut probe: impl FnMut() -> Option<bool> + Send + 'static,
    ) -> Result<JackWatch, JackError> {
        let shared = Arc::new(Shared::default());
        let theirs = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("headphone-jack".into())
            .spawn(move || {
                let mut last = false;
                while !theirs.stop.load(Ordering::Acquire) {
                    let plugged = probe().unwrap_or(false);
                    if plugged != last {
                        last = plugged;
                        theirs.pending.store(if plugged { PLUGGED } else { UNPLUGGED }, Ordering::Release);
                    }
                    // Woken early by `Drop`; a spurious wake-up only reads the jack sooner.
                    thread::park_timeout(period);
                }
            })
            .map_err(JackError::Spawn)?;
        Ok(JackWatch { shared, thread: Some(thread) })
    }

    /// The jack's state if it changed since the previous call (the newest state when it
    /// changed more than once: plugged and pulled out again between two calls gives the
    /// state it is in now), else None.
    pub fn take_change(&self) -> Option<bool> {
        match self.shared.pending.swap(NO_CHANGE, Ordering::AcqRel) {
            PLUGGED => Some(true),
            UNPLUGGED => Some(false),
            _ => None,
        }
    }
}

impl Drop for JackWatch {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            // A panic in the watch thread has been reported already; nothing to add.
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    // The kernel's own values (`<linux/input.h>`, generic ioctl layout), as C prints them.
    #[cfg(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64", target_arch = "arm"))]
    #[test]
    fn ioctl_numbers_are_the_kernels() {
        assert_eq!(eviocgsw(8), 0x8008_451b);
        assert_eq!(eviocgsw(4), 0x8004_451b);
        // EVIOCGBIT(EV_SW, 8): nr 0x20 + 5.
        assert_eq!(eviocgbit(EV_SW, 8), 0x8008_4525);
        // EVIOCGBIT(0, 4), the event types, and EVIOCGNAME(256) = _IOC(READ, 'E', 0x06, 256).
        assert_eq!(eviocgbit(0, 4), 0x8004_4520);
        assert_eq!(request_code_read!(b'E', 0x06, 256), 0x8100_4506);
    }

    #[test]
    fn the_bitmap_holds_every_switch() {
        assert!(BITMAP_BYTES as usize * 8 > SW_MAX);
    }

    #[test]
    fn bits_are_found_in_their_word() {
        let width = libc::c_ulong::BITS as usize;
        let bits: [libc::c_ulong; 2] = [0b100, 1];
        assert!(test_bit(&bits, SW_HEADPHONE_INSERT));
        assert!(!test_bit(&bits, 0));
        assert!(!test_bit(&bits, 1));
        assert!(test_bit(&bits, width));
        assert!(!test_bit(&bits, width + 1));
        // Past the end: not set, no panic.
        assert!(!test_bit(&bits, 2 * width));
    }

    #[test]
    fn no_input_devices_no_jack() {
        let dir = tempfile::tempdir().expect("temporary directory");
        assert_eq!(HeadphoneJack::find_in(&dir.path().join("missing")), None);
        // Files named like devices that are not devices are asked and skipped.
        std::fs::write(dir.path().join("event0"), b"").expect("written");
        std::fs::write(dir.path().join("mouse0"), b"").expect("written");
        assert_eq!(HeadphoneJack::find_in(dir.path()), None);
    }

    #[test]
    fn a_file_that_is_no_input_device_is_an_error() {
        let jack = HeadphoneJack { path: PathBuf::from("/dev/null") };
        assert!(jack.plugged().is_err());
        let gone = HeadphoneJack { path: PathBuf::from("/nonexistent/event0") };
        assert_eq!(gone.plugged().map_err(|e| e.kind()), Err(io::ErrorKind::NotFound));
    }

    /// Waits (briefly) for the watch to report something.
    fn next_change(watch: &JackWatch) -> Option<bool> {
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Some(change) = watch.take_change() {
                return Some(change);
            }
            thread::sleep(Duration::from_millis(2));
        }
        None
    }

    #[test]
    fn the_watch_reports_changes_once() {
        let reading = Arc::new(Mutex::new(Some(true)));
        let theirs = Arc::clone(&reading);
        let watch = JackWatch::start_with(Duration::from_millis(1), move || *theirs.lock().expect("not poisoned"))
            .expect("thread started");
        // Plugged in at start: a change from the assumed "unplugged".
        assert_eq!(next_change(&watch), Some(true));
        thread::sleep(Duration::from_millis(20));
        assert_eq!(watch.take_change(), None, "no change, nothing to report");
        // The jack vanished: unplugged.
        *reading.lock().expect("not poisoned") = None;
        assert_eq!(next_change(&watch), Some(false));
        *reading.lock().expect("not poisoned") = Some(true);
        assert_eq!(next_change(&watch), Some(true));
        *reading.lock().expect("not poisoned") = Some(false);
        assert_eq!(next_change(&watch), Some(false));
        drop(watch);
    }

    #[test]
    fn nothing_plugged_nothing_reported() {
        let watch = JackWatch::start_with(Duration::from_millis(1), || Some(false)).expect("thread started");
        thread::sleep(Duration::from_millis(20));
        assert_eq!(watch.take_change(), None);
    }

    #[test]
    fn the_real_watch_starts_and_stops() {
        // Whatever this machine has (usually no readable jack): it starts and stops.
        let watch = JackWatch::start().expect("thread started");
        drop(watch);
    }
}
