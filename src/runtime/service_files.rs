//! A service's guide and blank forms on A4, from the catalogue, for anyone: every file is
//! downloaded and checked first (size and SHA-256 as listed, then the TTE signature
//! against the kiosk's trust anchors, as for a citizen's document, but with no owner and
//! no entitlement: `document::check_public`), and only when all passed do they go to the
//! printer, so a tampered or unsigned file means nothing is printed at all.
//!
//! Nothing here is about a person and nothing is written to disk: the PDFs live in
//! wiped buffers shared with the printer, as a citizen's do.

use std::sync::Arc;
use std::sync::mpsc::Sender;

use adm_a4::{A4Printer, PrintError, PrintJob};

use crate::central::{Central, CentralError, PdfBytes, ServiceFile};
use crate::devices::{Shared, lock};
use crate::session::{Event, FilesOutcome};

pub(super) struct ServiceFilesRun {
    pub session: u64,
    pub files: Vec<ServiceFile>,
    pub central: Arc<dyn Central>,
    pub a4: Shared<dyn A4Printer>,
    pub tx: Sender<Event>,
    pub metrics: Arc<crate::telemetry::metrics::Metrics>,
    pub trust: Arc<crate::document::TrustAnchors>,
    pub crls: super::revocation::SharedCrls,
    pub clock: Arc<crate::clock_floor::ClockFloor>,
    pub paper: Arc<crate::devices::paper::PaperCounter>,
}

impl ServiceFilesRun {
    pub async fn run(self) {
        let outcome = self.print().await;
        let _ = self.tx.send(Event::ServiceFilesDone { session: self.session, outcome });
    }

    /// Sheets that came out: the fleet's page metric and the paper counter, as for a
    /// citizen's documents (`print::PrintRun`).
    fn sheets_out(&self, sheets: u32) {
        self.metrics.pages_printed(sheets);
        self.paper.add(sheets);
    }

    async fn print(&self) -> FilesOutcome {
        let mut checked: Vec<(&ServiceFile, PdfBytes)> = Vec::with_capacity(self.files.len());
        for file in &self.files {
            let pdf = match self.central.service_file(file).await {
                Ok(pdf) => pdf,
                Err(e) => {
                    // The client compares size and SHA-256 already: a mismatch is a
                    // refusal, anything else a server that cannot be reached.
                    tracing::warn!(file = %file.id, error = %e, "service file not downloaded");
                    return if e == CentralError::IntegrityMismatch {
                        FilesOutcome::Refused
                    } else {
                        FilesOutcome::Unavailable
                    };
                }
            };
            let verdict = {
                let crls = super::revocation::read(&self.crls);
                crate::document::check_public(&pdf, file.size, &file.sha256, &self.trust, &crls, self.clock.now())
            };
            if let Err(refused) = verdict {
                tracing::warn!(file = %file.id, label = refused.label, reason = %refused.reason, "service file refused");
                self.metrics.document_refused(refused.refusal.into());
                return FilesOutcome::Refused;
            }
            checked.push((file, pdf));
        }
        for (file, pdf) in checked {
            let job = PrintJob::new(file.id.clone(), pdf, file.pages);
            let a4 = self.a4.clone();
            let printed = tokio::task::spawn_blocking(move || lock(&a4).print(&job, &mut |_| {}))
                .await
                .unwrap_or_else(|e| Err(PrintError::Io(format!("print worker: {e}"))));
            match printed {
                Ok(pages) => self.sheets_out(pages),
                Err(e) => {
                    tracing::warn!(file = %file.id, error = %e, "printer stopped");
                    self.sheets_out(e.pages_done());
                    return FilesOutcome::PrinterStopped;
                }
            }
        }
        FilesOutcome::Printed
    }
}
