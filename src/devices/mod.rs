//! The devices one kiosk drives, behind their traits, and the small state that goes with
//! them (`paper.rs`: sheets since paper was loaded). Shared by the runtime, which
//! performs the session's commands, and the technician's readiness checks; neither owns
//! the other.

pub mod paper;

use std::sync::{Arc, Mutex, RwLock};

use adm_a4::A4Printer;
use adm_camera::FrameSource;
use adm_thermal::{PaperWidth, ReceiptPrinter};

use crate::central::Central;
use crate::scan::decoder::QrDecoder;

/// The CRLs document signers are checked against (`runtime::revocation` refreshes them),
/// shared between the refresher and print runs; replaced whole on each good fetch.
pub type SharedCrls = Arc<RwLock<crate::document::RevocationSet>>;

/// Shared handle to a blocking device; only worker threads lock it.
pub type Shared<T> = Arc<Mutex<Box<T>>>;

pub fn shared<T: ?Sized>(device: Box<T>) -> Shared<T> {
    Arc::new(Mutex::new(device))
}

#[derive(Clone)]
pub struct Devices {
    pub central: Arc<dyn Central>,
    pub a4: Shared<dyn A4Printer>,
    pub receipt: Shared<dyn ReceiptPrinter>,
    pub receipt_width: PaperWidth,
    pub camera: Shared<dyn FrameSource>,
    pub decoder: Arc<dyn QrDecoder + Sync>,
    /// Trust anchors for document signatures (TTE).
    pub trust: Arc<crate::document::TrustAnchors>,
    /// CRLs from the central server, refreshed by the runtime.
    pub crls: SharedCrls,
    /// The time certificates are judged at (never before the kiosk's clock floor).
    pub clock_floor: Arc<crate::clock_floor::ClockFloor>,
    /// The simulated A4 printer's fault switch (demo and tests only).
    pub sim_a4: Option<adm_a4::sim::SimControl>,
    /// A4 sheets printed since paper was last loaded.
    pub paper: Arc<paper::PaperCounter>,
}

/// Locks a device mutex; a poisoned lock (a worker panicked) still yields the device,
/// which is in whatever state the hardware is — the next status read tells.
pub fn lock<T: ?Sized>(m: &Mutex<Box<T>>) -> std::sync::MutexGuard<'_, Box<T>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
