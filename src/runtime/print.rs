//! One print run: for each chosen document, download → check → print → report, in
//! order, telling the session what happens to each.
//!
//! Rules that protect the citizen's entitlement:
//! * a document is printed only after `document::check` passed for THIS citizen;
//! * a print is reported to the server (which counts entitlements) only when the
//!   printer confirmed every page;
//! * when the printer stops (paper out, jam, …), the remaining documents are not
//!   attempted: they are shown as not printed, and their entitlement stays untouched;
//! * a retry (the citizen's explicit decision, once an officer fixed the printer) starts
//!   each stopped document at its first page that did not come out.

use std::sync::Arc;
use std::sync::mpsc::Sender;

use adm_a4::{A4Printer, Attention, JobProgress, PrintError, PrintJob};

use crate::central::{Central, CentralError, Citizen, DocumentMeta, PdfBytes, PrintReport, SessionToken};
use crate::devices::{Shared, lock};
use crate::document::RevocationStatus;
use crate::session::{Event, JobStatus, PrintOrder, PrinterProblem, Refusal};

pub(super) struct PrintRun {
    pub session: u64,
    pub token: SessionToken,
    pub citizen: Citizen,
    pub orders: Vec<PrintOrder>,
    pub central: Arc<dyn Central>,
    pub a4: Shared<dyn A4Printer>,
    pub tx: Sender<Event>,
    pub metrics: Arc<crate::telemetry::metrics::Metrics>,
    pub trust: Arc<crate::document::TrustAnchors>,
    pub crls: super::revocation::SharedCrls,
    pub clock: Arc<crate::clock_floor::ClockFloor>,
    pub paper: Arc<crate::devices::paper::PaperCounter>,
}

impl PrintRun {
    /// Sheets that came out in this run: the fleet's page metric and the paper counter.
    fn sheets_out(&self, sheets: u32) {
        self.metrics.pages_printed(sheets);
        self.paper.add(sheets);
    }

    fn update(&self, index: usize, status: JobStatus) {
        let _ = self.tx.send(Event::JobUpdate { session: self.session, index, status });
    }

    pub async fn run(self) {
        for order in &self.orders {
            let (index, doc) = (order.index, &order.doc);
            self.update(index, JobStatus::Checking);
            let pdf = match self.central.download(&self.token, doc).await {
                Ok(pdf) => pdf,
                Err(e) => {
                    // Replaced since the list was made (acceptance 5 of #19): the server
                    // reserved nothing, and the citizen is told why, not "download failed".
                    let refusal =
                        if e == CentralError::DocumentInactive { Refusal::Inactive } else { Refusal::Download };
                    tracing::warn!(document = %doc.id, error = %e, "download failed");
                    self.metrics.document_refused(refusal.into());
                    self.update(index, JobStatus::Refused(refusal));
                    continue;
                }
            };
            // Verified at trusted kiosk time, right before printing, for THIS citizen.
            let checked = {
                let crls = super::revocation::read(&self.crls);
                crate::document::check(&pdf, doc, &self.citizen, &self.trust, &crls, self.clock.now())
            };
            if let Ok(report) = &checked
                && matches!(report.revocation, RevocationStatus::Stale | RevocationStatus::Unknown)
            {
                // Accepted (a missing CRL is not a revocation), but counted for the fleet.
                let status = report.revocation.as_str();
                tracing::warn!(document = %doc.id, revocation = status, "signer revocation not confirmed by a current CRL");
                self.metrics.revocation_unconfirmed();
            }
            if let Err(refused) = checked {
                tracing::warn!(document = %doc.id, label = refused.label, reason = %refused.reason, "document refused");
                self.metrics.document_refused(refused.refusal.into());
                self.update(index, JobStatus::Refused(refused.refusal));
                continue;
            }
            self.update(index, JobStatus::Sending);
            let job = print_job(order, pdf);
            // Pages that came out in an earlier attempt.
            let earlier = job.skipped();
            let a4 = self.a4.clone();
            let tx = self.tx.clone();
            let session = self.session;
            let printed = tokio::task::spawn_blocking(move || {
                lock(&a4).print(&job, &mut |p| {
                    if let JobProgress::Printed { done, total } = p {
                        let _ =
                            tx.send(Event::JobUpdate { session, index, status: JobStatus::Printing { done, total } });
                    }
                })
            })
            .await
            .unwrap_or_else(|e| Err(PrintError::Io(format!("print worker: {e}"))));
            match printed {
                Ok(pages) => {
                    self.sheets_out(pages.saturating_sub(earlier));
                    self.metrics.document_printed();
                    self.update(index, JobStatus::Done { pages });
                    self.report(doc, pages).await;
                }
                Err(e) => {
                    tracing::warn!(document = %doc.id, error = %e, "printer stopped");
                    // Never fewer than before: a printer that had to start over and failed
                    // early does not un-print the earlier pages.
                    let done = e.pages_done().max(earlier);
                    self.sheets_out(e.pages_done().saturating_sub(earlier));
                    self.update(index, JobStatus::Stopped { problem: problem_of(&e), done });
                    break;
                }
            }
        }
        let _ = self.tx.send(Event::PrintingDone { session: self.session });
    }

    /// Records the confirmed print durably (the outbox survives power cuts), then tries
    /// to deliver it right away; undelivered reports go out with the next delivery.
    async fn report(&self, doc: &DocumentMeta, pages: u32) {
        let report = PrintReport {
            report_id: uuid::Uuid::new_v4().simple().to_string(),
            document_id: doc.id.clone(),
            kind: doc.kind,
            pages_printed: pages,
            at: chrono::Utc::now().to_rfc3339(),
        };
        if let Err(e) = self.central.record_print(&report) {
            // The paper is out; losing the report would give the citizen an extra print,
            // never cost them one. Technicians see this in the log and the metrics.
            tracing::error!(report = %report.report_id, error = %e, "print report not recorded");
            return;
        }
        let (waiting, oldest) = self.central.deliver_pending().await;
        self.metrics.set_outbox(waiting, oldest);
        if waiting > 0 {
            tracing::info!(waiting, "print reports queued for delivery");
        }
    }
}

/// The A4 job for one order.
fn print_job(order: &PrintOrder, pdf: PdfBytes) -> PrintJob {
    let name = format!("{}-{}", order.doc.kind.code(), order.index + 1);
    PrintJob::new(name, pdf, order.doc.pages).from_page(order.first_page)
}

fn problem_of(e: &PrintError) -> PrinterProblem {
    match e {
        PrintError::NeedsAttention { attention: Attention::MediaEmpty, .. } => PrinterProblem::PaperOut,
        PrintError::NeedsAttention { attention: Attention::MediaJam, .. } => PrinterProblem::PaperJam,
        PrintError::NeedsAttention { attention: Attention::CoverOpen, .. } => PrinterProblem::CoverOpen,
        PrintError::Disconnected { .. } => PrinterProblem::Offline,
        _ => PrinterProblem::Other,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use zeroize::Zeroizing;

    use super::print_job;
    use crate::central::{DocKind, DocumentMeta, PdfBytes};
    use crate::session::PrintOrder;

    /// The printer gets the downloaded buffer itself, which is wiped when the last holder
    /// drops it, never a copy that is freed unwiped. (What a test can show is that no
    /// copy is made here; that the buffer is zeroized on drop is `Zeroizing`'s contract.)
    #[test]
    fn the_print_job_shares_the_wiped_download_instead_of_copying_it() {
        let pdf: PdfBytes = Arc::new(Zeroizing::new(b"%PDF-1.7\n%%EOF\n".to_vec()));
        let doc = DocumentMeta {
            id: "doc-1".into(),
            kind: DocKind::KartuKeluarga,
            number: "3201010101090001".into(),
            issued: "2024-03-20".into(),
            pages: 2,
            prints_left: 1,
            reprint_unlimited: false,
            sha256: String::new(),
            size: 16,
            owner_nik: "3201011505800001".into(),
            kk: "3201010101090001".into(),
        };
        let order = PrintOrder { index: 0, doc, first_page: 2 };
        let job = print_job(&order, pdf.clone());
        assert!(job.pdf.is(&pdf), "the job holds a copy of the PDF");
        assert_eq!((job.pages, job.first_page, job.job_name.as_str()), (2, 2, "kk-1"));
    }
}
