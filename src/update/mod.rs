//! The kiosk's own OS update path (the fleet path): the operator publishes a signed
//! RAUC bundle on the central server (`adm-central publish-update`); the kiosk asks at
//! start and then every `[update] check_every_secs` whether the version on offer differs
//! from the image it runs, downloads it over its mTLS connection into its state folder
//! (checking size and SHA-256), and hands it over to the root helper of the image:
//!
//! ```text
//! kiosk (unprivileged)                          root (kiosk-image/files)
//! <dir>/bundle.raucb, then <dir>/ready   ──►  adm-kiosk-update.path → .service:
//!                                               `rauc install`, writes <status_file>
//! status "installed" in this boot and the
//! attract screen is showing: <dir>/reboot ──►  adm-kiosk-update-reboot.path → reboot
//! ```
//!
//! The kiosk runs under a hardened unit without any privilege, so it never installs or
//! reboots itself; the helper trusts nothing the kiosk wrote but the bundle's path (RAUC
//! checks the signature against the keyring on the verified root). The reboot waits for
//! the attract screen (no citizen session): the UI pump calls [`UpdateHandle::on_idle`];
//! the session machine knows nothing of updates. After the reboot, [`status::judge`]
//! tells an update that came up from one that was rolled back by the boot counting.
//!
//! `image.rs` reads what runs, `status.rs` the helper's record and its judgement.

pub mod image;
pub mod status;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use adm_central_client::CentralClient;
use adm_central_client::api::UpdateOffer;

use crate::telemetry::metrics::{Metrics, UpdateFailure};
use image::Image;
use status::{InstallRecord, Outcome};

/// How often the install's progress is looked at while the root helper works.
const HELPER_POLL: Duration = Duration::from_secs(5);

/// Where the image keeps what the updater reads and writes.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The kiosk's update folder (on the data partition: the bundle is ~340 MB).
    pub dir: PathBuf,
    /// The root helper's record of the last install.
    pub status: PathBuf,
    /// `IMAGE_VERSION` of the running image.
    pub os_release: PathBuf,
    /// Boot id and slot, written by the root side at every boot.
    pub booted: PathBuf,
}

impl Paths {
    /// The kiosk image's places (kiosk-image/files/usr/lib/adm-kiosk/update).
    pub fn on_image(dir: PathBuf, status: PathBuf) -> Paths {
        Paths {
            dir,
            status,
            os_release: PathBuf::from("/etc/os-release"),
            booted: PathBuf::from("/run/adm-kiosk-update/booted"),
        }
    }
    fn bundle(&self) -> PathBuf {
        self.dir.join("bundle.raucb")
    }
    fn partial(&self) -> PathBuf {
        self.dir.join("bundle.partial")
    }
    /// Handing over to the root helper: its path unit starts the install when this exists.
    pub fn ready(&self) -> PathBuf {
        self.dir.join("ready")
    }
    /// Asking the root helper to reboot into the installed slot.
    pub fn reboot(&self) -> PathBuf {
        self.dir.join("reboot")
    }
}

/// What the kiosk is doing about updates right now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Activity {
    #[default]
    Idle,
    Downloading {
        version: String,
    },
    /// The last download did not arrive whole or could not be stored; tried again at the
    /// next check.
    DownloadFailed {
        version: String,
    },
}

/// What the maintenance page and the metrics show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateView {
    pub image: Image,
    pub outcome: Outcome,
    pub activity: Activity,
    /// The last question to the central server failed (unreachable, refused).
    pub check_failed: bool,
}

impl Default for UpdateView {
    fn default() -> Self {
        UpdateView { image: Image::default(), outcome: Outcome::Nothing, activity: Activity::Idle, check_failed: false }
    }
}

impl UpdateView {
    /// How the last update failed, if it did (the `kiosk_update_failed` series).
    pub fn failure(&self) -> Option<UpdateFailure> {
        if matches!(self.activity, Activity::DownloadFailed { .. }) {
            return Some(UpdateFailure::Download);
        }
        match self.outcome {
            Outcome::InstallFailed { .. } | Outcome::Interrupted { .. } => Some(UpdateFailure::Install),
            Outcome::RolledBack { .. } => Some(UpdateFailure::Rollback),
            _ => None,
        }
    }
}

/// Why one check did not get a bundle handed over (logged; the next check tries again).
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("central server: {0}")]
    Central(#[from] adm_central_client::ClientError),
    #[error("download: {0}")]
    Download(#[from] adm_central_client::UpdateDownloadError),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// The running kiosk's side: its view, "check now", and the idle signal.
#[derive(Clone)]
pub struct UpdateHandle {
    view: Arc<Mutex<UpdateView>>,
    check_now: Arc<tokio::sync::Notify>,
    reboot_requested: Arc<AtomicBool>,
    paths: Arc<Paths>,
}

impl UpdateHandle {
    pub fn view(&self) -> UpdateView {
        self.view.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Asks the central server now instead of at the next interval.
    pub fn check_now(&self) {
        self.check_now.notify_one();
    }

    /// Called by the UI pump while the attract screen shows (no citizen session): if an
    /// update waits for its reboot, asks the root helper for it (once).
    pub fn on_idle(&self) {
        let pending =
            matches!(self.view.lock().unwrap_or_else(|e| e.into_inner()).outcome, Outcome::RebootPending { .. });
        if !pending || self.reboot_requested.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::info!("update installed and no session running: asking for the reboot into the new slot");
        if let Err(e) = crate::atomic_file::write(&self.paths.reboot(), b"reboot\n") {
            tracing::error!(error = %e, "update: cannot ask for the reboot");
            self.reboot_requested.store(false, Ordering::SeqCst);
        }
    }
}

/// The worker that checks, downloads and hands over.
pub struct Updater {
    client: CentralClient,
    paths: Arc<Paths>,
    every: Duration,
    download_timeout: Duration,
    metrics: Arc<Metrics>,
    handle: UpdateHandle,
}

impl Updater {
    pub fn new(client: CentralClient, paths: Paths, every: Duration, metrics: Arc<Metrics>) -> Updater {
        let paths = Arc::new(paths);
        let handle = UpdateHandle {
            view: Arc::default(),
            check_now: Arc::default(),
            reboot_requested: Arc::default(),
            paths: paths.clone(),
        };
        // A bundle of a few hundred MB over a slow office line.
        Updater { client, paths, every, download_timeout: Duration::from_secs(4 * 3600), metrics, handle }
    }

    pub fn handle(&self) -> UpdateHandle {
        self.handle.clone()
    }

    /// Checks at once, then every interval (or when asked to), for as long as the kiosk runs.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.check().await {
                tracing::warn!(error = %e, "update check");
            }
            // While the root helper has the bundle, look again soon: the reboot should
            // follow the install by seconds, not by a whole interval.
            let with_helper =
                self.paths.ready().exists() || matches!(self.handle.view().outcome, Outcome::Installing { .. });
            let wait = if with_helper { self.every.min(HELPER_POLL) } else { self.every };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.handle.check_now.notified() => {}
            }
        }
    }

    /// One check: refresh what runs and the last install's outcome; when the central
    /// server offers another version (not one that already failed here), download it
    /// and hand it over.
    pub async fn check(&self) -> Result<(), UpdateError> {
        let image = Image::read(&self.paths.os_release, &self.paths.booted);
        let record = std::fs::read_to_string(&self.paths.status).ok().and_then(|t| InstallRecord::parse(&t));
        let outcome = status::judge(record.as_ref(), &image);
        self.set_view(|v| {
            v.image = image.clone();
            v.outcome = outcome.clone();
        });
        let Some(running) = image.version else { return Ok(()) };
        // Handed over and not yet picked up, installing, or waiting for the reboot.
        if outcome.busy() || self.paths.ready().exists() {
            return Ok(());
        }
        let offer = match self.client.update_offer().await {
            Ok(offer) => offer,
            Err(e) => {
                self.set_view(|v| v.check_failed = true);
                return Err(e.into());
            }
        };
        self.set_view(|v| v.check_failed = false);
        let Some(offer) = offer else { return Ok(()) };
        if offer.version == running || outcome.failed_sha256() == Some(offer.sha256.as_str()) {
            return Ok(());
        }
        tracing::info!(running = %running, offered = %offer.version, size = offer.size, "update: downloading");
        self.set_view(|v| v.activity = Activity::Downloading { version: offer.version.clone() });
        match self.download(&offer).await {
            Ok(()) => {
                self.set_view(|v| v.activity = Activity::Idle);
                tracing::info!(version = %offer.version, "update: downloaded and checked; handed over for installation");
                Ok(())
            }
            Err(e) => {
                self.set_view(|v| v.activity = Activity::DownloadFailed { version: offer.version.clone() });
                Err(e)
            }
        }
    }

    /// Into `bundle.partial` (never two copies: the data partition has room for one),
    /// renamed once whole and checked, then `ready` for the root helper.
    async fn download(&self, offer: &UpdateOffer) -> Result<(), UpdateError> {
        let io = |p: &Path| {
            let p = p.to_owned();
            move |e| UpdateError::Io(p, e)
        };
        let (partial, bundle) = (self.paths.partial(), self.paths.bundle());
        std::fs::create_dir_all(&self.paths.dir).map_err(io(&self.paths.dir))?;
        for old in [&partial, &bundle] {
            if let Err(e) = std::fs::remove_file(old)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                return Err(UpdateError::Io(old.clone(), e));
            }
        }
        let mut file = std::fs::File::create(&partial).map_err(io(&partial))?;
        // Plain blocking writes of the chunks as they arrive: a local disk takes a
        // chunk in well under a millisecond, and the worker has nothing else to do.
        let result =
            self.client.download_update(offer, self.download_timeout, &mut |chunk| file.write_all(chunk)).await;
        if let Err(e) = result.map_err(UpdateError::from).and_then(|()| file.sync_all().map_err(io(&partial))) {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        drop(file);
        std::fs::rename(&partial, &bundle).map_err(io(&bundle))?;
        let ready = format!("version={}\nsha256={}\n", offer.version, offer.sha256);
        crate::atomic_file::write(&self.paths.ready(), ready.as_bytes()).map_err(io(&self.paths.ready()))
    }

    fn set_view(&self, change: impl FnOnce(&mut UpdateView)) {
        let view = {
            let mut v = self.handle.view.lock().unwrap_or_else(|e| e.into_inner());
            change(&mut v);
            v.clone()
        };
        if let Some(version) = &view.image.version {
            self.metrics.set_image(version, view.image.slot.as_deref().unwrap_or("unknown"));
        }
        self.metrics.set_update_failed(view.failure());
    }
}

/// Written beside, synced, renamed: the root helper never sees half a file.
// End to end against the reference server, which only the demo feature carries.
#[cfg(all(test, feature = "demo"))]
mod tests;
