//! Demo mode keeps its state (the kiosk's outbox; the in-process reference server's
//! database and test PKI) in temporary folders that `Drop` removes. A demo ended by a
//! signal never runs `Drop`: Ctrl+C in a terminal, a test script's `kill`, a service
//! manager stopping it. Every such run used to leave both folders in the temporary
//! directory, private keys included.
//!
//! A thread waits for SIGINT, SIGTERM and SIGHUP, removes the folders registered here,
//! then lets the signal's default action end the process, so that the exit status still
//! names the signal. Only demo mode registers folders: the kiosk proper keeps its state on
//! the data partition, where a signal must not delete anything, and never starts the
//! thread.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, Once, PoisonError};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

static FOLDERS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static WATCH: Once = Once::new();

/// `path` is removed if a termination signal ends the process while this lives. Dropped
/// (with the `TempDir` beside it, which removes the folder itself), it forgets the path.
#[must_use = "the folder is forgotten when this is dropped"]
pub struct RemoveOnSignal(PathBuf);

impl RemoveOnSignal {
    pub fn new(path: PathBuf) -> RemoveOnSignal {
        WATCH.call_once(start_watch);
        folders().push(path.clone());
        RemoveOnSignal(path)
    }
}

impl Drop for RemoveOnSignal {
    fn drop(&mut self) {
        let mut folders = folders();
        if let Some(i) = folders.iter().position(|p| *p == self.0) {
            folders.swap_remove(i);
        }
    }
}

/// The registry stays usable even if a thread panicked while holding it: a list of paths
/// has no invariant a panic could break.
fn folders() -> MutexGuard<'static, Vec<PathBuf>> {
    FOLDERS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The handlers are registered inside the thread: if the thread could not start, no
/// handler stands in the way of a signal's default action.
fn start_watch() {
    let watch = std::thread::Builder::new().name("demo-signals".into()).spawn(|| {
        let mut signals = match Signals::new([SIGINT, SIGTERM, SIGHUP]) {
            Ok(signals) => signals,
            Err(e) => {
                tracing::warn!(error = %e, "demo: no signal handler; a kill leaves the temporary folders behind");
                return;
            }
        };
        if let Some(signal) = signals.forever().next() {
            for path in folders().drain(..) {
                if let Err(e) = std::fs::remove_dir_all(&path) {
                    tracing::warn!(path = %path.display(), error = %e, "demo: temporary folder not removed");
                }
            }
            // Ends the process as the signal would have; exit() only if that returned.
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            std::process::exit(128 + signal);
        }
    });
    if let Err(e) = watch {
        tracing::warn!(error = %e, "demo: no signal thread; a kill leaves the temporary folders behind");
    }
}
