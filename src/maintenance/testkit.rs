//! Test-only kiosk parts for the maintenance checks: simulated devices and a central
//! server whose health can be set.

use std::sync::Arc;
use std::time::Duration;

use adm_a4::sim::{SimA4Printer, SimControl};
use adm_camera::GreyFrame;
use adm_camera::replay::ReplaySource;
use adm_thermal::PaperWidth;
use adm_thermal::sim::SimReceiptPrinter;

use super::checks::{CheckContext, ClientCert, ClockCheck};
use crate::central::{Central, CentralError, Citizen, DocumentMeta, PdfBytes, PrintReport, SessionToken};
use crate::devices::shared;
use crate::nik::Nik;

/// A central server that only answers health checks, with a fixed answer.
pub struct FakeCentral(pub Result<Duration, CentralError>);

#[async_trait::async_trait]
impl Central for FakeCentral {
    async fn sign_in_nik(&self, _: &Nik, _: &str) -> Result<(SessionToken, Citizen), CentralError> {
        Err(CentralError::Unreachable)
    }
    async fn sign_in_notice(&self, _: &str, _: &str) -> Result<(SessionToken, Citizen), CentralError> {
        Err(CentralError::Unreachable)
    }
    async fn list_documents(&self, _: &SessionToken) -> Result<Vec<DocumentMeta>, CentralError> {
        Err(CentralError::Unreachable)
    }
    async fn download(&self, _: &SessionToken, _: &DocumentMeta) -> Result<PdfBytes, CentralError> {
        Err(CentralError::Unreachable)
    }
    fn record_print(&self, _: &PrintReport) -> Result<(), CentralError> {
        Err(CentralError::Unreachable)
    }
    fn record_audit(&self, _: &str, _: &str) -> Result<(), CentralError> {
        Ok(())
    }
    async fn deliver_pending(&self) -> (u64, f64) {
        (0, 0.0)
    }
    async fn sign_out(&self, _: &SessionToken) {}
    async fn health(&self) -> Result<Duration, CentralError> {
        self.0.clone()
    }
}

/// Handles to steer the simulated devices of [`kiosk`].
pub struct Controls {
    pub a4: SimControl,
    pub receipt: adm_thermal::sim::SimControl,
}

/// A healthy simulated kiosk (camera with one frame, or none: disconnected).
pub fn kiosk(central: Arc<dyn Central>, camera_connected: bool) -> (CheckContext, Controls) {
    let a4 = SimA4Printer::new(None, Duration::ZERO);
    let receipt = SimReceiptPrinter::new(None, PaperWidth::Mm80);
    let controls = Controls { a4: a4.control(), receipt: receipt.control() };
    let frames = if camera_connected { vec![GreyFrame { width: 4, height: 2, data: vec![0; 8] }] } else { vec![] };
    let ctx = CheckContext {
        central,
        a4: shared(Box::new(a4)),
        receipt: shared(Box::new(receipt)),
        camera: shared(Box::new(ReplaySource::new(frames, Duration::ZERO))),
        client_cert: ClientCert::Demo,
        disk_path: std::env::temp_dir(),
        disk_reading: |_| Ok((50_000_000_000, 100_000_000_000)),
        clock_check: ClockCheck::Skip,
        device_deadline: Duration::from_secs(5),
        network_deadline: Duration::from_secs(5),
    };
    (ctx, controls)
}

pub fn healthy_central() -> Arc<dyn Central> {
    Arc::new(FakeCentral(Ok(Duration::from_millis(12))))
}
