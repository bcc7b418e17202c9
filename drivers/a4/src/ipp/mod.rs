//! IPP backend: network IPP printers, CUPS queues, and USB printers that speak
//! IPP-over-USB (reached through Debian's `ipp-usb` daemon on loopback).
//!
//! Print flow: Get-Printer-Attributes (refuse early on a standing fault) → Validate-Job →
//! Print-Job (`media=iso_a4_210x297mm`, `print-scaling` as configured) → poll
//! Get-Job-Attributes and `printer-state-reasons` until a final state or one of the
//! driver's deadlines ([`Deadlines`]); a job given up on is cancelled.

pub mod attrs;
mod info;
mod link;
pub mod monitor;

use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ::ipp::prelude::*;

use info::PRINTER_ATTRS;
// Public so the fuzz targets (`fuzz/`) read printers' answers exactly as the driver does.
pub use info::{PrinterInfo, info_from, poll_from};
use link::{Link, attr};
pub use link::{LinkError, parse_answer};
pub use monitor::{Deadlines, JobMonitor, JobPoll, JobState, Step};

use crate::raster::{RasterFormat, RasterStream, Rasterizer};
use crate::reasons::attention_among;
use crate::{A4Printer, JobProgress, PrintError, PrintJob, PrinterState, PrinterStatus};

pub const A4_MEDIA: &str = "iso_a4_210x297mm";

/// `print-scaling` (PWG 5100.16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scaling {
    /// True scale: signed documents are already A4.
    #[default]
    None,
    /// Shrink/grow to the printable area.
    Fit,
}

impl Scaling {
    pub fn keyword(self) -> &'static str {
        match self {
            Scaling::None => "none",
            Scaling::Fit => "fit",
        }
    }
}

#[derive(Clone)]
pub struct IppConfig {
    pub scaling: Scaling,
    /// Time between job polls.
    pub poll_interval: Duration,
    /// Timeout of one status/poll/cancel request.
    pub request_timeout: Duration,
    /// Timeout of the Print-Job request, document upload included. A USB printer with
    /// a small buffer takes data only as fast as it prints.
    pub send_timeout: Duration,
    pub deadlines: Deadlines,
    /// `requesting-user-name`; never the citizen's name.
    pub user_name: String,
    /// Used when the printer takes no PDF (PWG raster or URF instead).
    pub rasterizer: Option<Arc<dyn Rasterizer>>,
    pub raster_dpi: u32,
}

impl Default for IppConfig {
    fn default() -> Self {
        IppConfig {
            scaling: Scaling::None,
            poll_interval: Duration::from_secs(1),
            request_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(180),
            deadlines: Deadlines {
                attention_grace: Duration::from_secs(15),
                stall_timeout: Duration::from_secs(180),
                disconnect_grace: Duration::from_secs(20),
            },
            user_name: "adm-kiosk".into(),
            rasterizer: None,
            raster_dpi: 300,
        }
    }
}

impl std::fmt::Debug for IppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IppConfig")
            .field("scaling", &self.scaling)
            .field("poll_interval", &self.poll_interval)
            .field("deadlines", &self.deadlines)
            .field("rasterizer", &self.rasterizer.is_some())
            .finish_non_exhaustive()
    }
}

/// Which document goes to the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Payload {
    Pdf,
    Raster(RasterFormat),
}

pub struct IppBackend {
    link: Link,
    config: IppConfig,
    last_job: Option<i32>,
}

static SUBMISSIONS: AtomicU32 = AtomicU32::new(0);

impl IppBackend {
    /// `uri`: `ipp://`, `ipps://` (feature `tls`), or `http://` as ipp-usb serves it.
    pub fn new(uri: &str, config: IppConfig) -> Result<Self, PrintError> {
        let uri: Uri = uri.parse().map_err(|e| PrintError::Rejected(format!("bad printer URI {uri:?}: {e}")))?;
        let user_name = config.user_name.clone();
        Ok(IppBackend { link: Link { uri, user_name }, config, last_job: None })
    }

    pub fn uri(&self) -> String {
        self.link.uri.to_string()
    }

    /// `job-id` of the last job this backend submitted (for technicians and tests).
    pub fn last_job_id(&self) -> Option<i32> {
        self.last_job
    }

    pub fn config(&self) -> &IppConfig {
        &self.config
    }

    pub fn printer_info(&self) -> Result<PrinterInfo, LinkError> {
        let resp = self.link.get_printer_attributes(PRINTER_ATTRS, self.config.request_timeout)?;
        Ok(info_from(&resp))
    }

    /// `(job-state, job-state-reasons, pages done)` of job `id`.
    pub fn job_attributes(&self, id: i32) -> Result<(JobState, Vec<String>, Option<u32>), LinkError> {
        let resp = self.link.get_job_attributes(id, self.config.request_timeout)?;
        match poll_from(&resp) {
            JobPoll::Seen { state, reasons, impressions } => Ok((state, reasons, impressions)),
            _ => Err(LinkError::Protocol("job-state missing".into())),
        }
    }

    fn poll_job(&self, id: i32) -> JobPoll {
        match self.link.get_job_attributes(id, self.config.request_timeout) {
            Ok(resp) => poll_from(&resp),
            Err(LinkError::Status { code: StatusCode::ClientErrorNotFound, .. }) => JobPoll::Gone,
            Err(e) => {
                tracing::debug!(error = %e, "job poll failed");
                JobPoll::Unreachable
            }
        }
    }

    fn printer_reasons(&self) -> Option<Vec<String>> {
        self.link
            .get_printer_attributes(&["printer-state", "printer-state-reasons"], self.config.request_timeout)
            .ok()
            .map(|r| attrs::strings(&r, DelimiterTag::PrinterAttributes, "printer-state-reasons"))
    }

    fn cancel(&self, id: i32) {
        match self.link.cancel_job(id, self.config.request_timeout) {
            Ok(()) => tracing::info!(job = id, "job cancelled"),
            Err(e) => tracing::warn!(job = id, error = %e, "cancel failed"),
        }
    }

    fn choose_payload(&self, info: &PrinterInfo) -> Result<Payload, PrintError> {
        let has = |f: &str| info.formats.iter().any(|x| x.eq_ignore_ascii_case(f));
        // A printer that lists nothing is assumed to take PDF (CUPS queues always do).
        if info.formats.is_empty() || has("application/pdf") {
            return Ok(Payload::Pdf);
        }
        if self.config.rasterizer.is_some() {
            if has("image/pwg-raster") {
                return Ok(Payload::Raster(RasterFormat::Pwg));
            }
            if has("image/urf") {
                return Ok(Payload::Raster(RasterFormat::Urf));
            }
        }
        Err(PrintError::Rejected(format!("printer takes none of PDF/PWG raster/URF: {}", info.formats.join(", "))))
    }

    fn job_template(
        &self,
        info: &PrinterInfo,
        payload: Payload,
        range: Option<(u32, u32)>,
    ) -> Result<Vec<IppAttribute>, LinkError> {
        let mut v =
            vec![attr("media", IppValue::new_keyword(A4_MEDIA).map_err(|e| LinkError::Protocol(e.to_string()))?)?];
        if let Some((first, last)) = range {
            let page = |n: u32| i32::try_from(n).map_err(|_| LinkError::Protocol(format!("page {n}")));
            v.push(attr("page-ranges", IppValue::RangeOfInteger { min: page(first)?, max: page(last)? })?);
        }
        let scaling = self.config.scaling.keyword();
        if info.scaling_supported.iter().any(|s| s == scaling) {
            v.push(attr(
                "print-scaling",
                IppValue::new_keyword(scaling).map_err(|e| LinkError::Protocol(e.to_string()))?,
            )?);
        } else if !info.scaling_supported.is_empty() {
            tracing::warn!(scaling, supported = ?info.scaling_supported, "print-scaling not supported; printer default");
        }
        if let Some(orientation) = orientation_for(payload, &info.orientation_supported) {
            v.push(attr("orientation-requested", IppValue::Enum(orientation))?);
        }
        v.push(attr("copies", IppValue::Integer(1))?);
        Ok(v)
    }

    fn job_request(
        &self,
        op: Operation,
        name: &str,
        payload: Payload,
        info: &PrinterInfo,
        range: Option<(u32, u32)>,
    ) -> Result<IppRequestResponse, LinkError> {
        let mut req = self.link.request(op)?;
        let text = |s: &str| IppValue::new_name_without_language(s).map_err(|e| LinkError::Protocol(e.to_string()));
        req.attributes_mut().add(DelimiterTag::OperationAttributes, attr("job-name", text(name)?)?);
        let mime = match payload {
            Payload::Pdf => "application/pdf",
            Payload::Raster(f) => f.mime(),
        };
        let mime = IppValue::new_mime_media_type(mime).map_err(|e| LinkError::Protocol(e.to_string()))?;
        req.attributes_mut().add(DelimiterTag::OperationAttributes, attr("document-format", mime)?);
        for a in self.job_template(info, payload, range)? {
            req.attributes_mut().add(DelimiterTag::JobAttributes, a);
        }
        Ok(req)
    }

    /// Uploads the document on a helper thread (a blocked upload must not stop us from
    /// watching the printer) and returns the job id. A raster document carries only the
    /// pages after `skip`; a PDF is cut by `range` (IPP `page-ranges`).
    fn submit(
        &self,
        job: &PrintJob,
        name: &str,
        payload: Payload,
        info: &PrinterInfo,
        send: Pages,
    ) -> Result<i32, PrintError> {
        let mut req = self.job_request(Operation::PrintJob, name, payload, info, send.range).map_err(io_err)?;
        *req.payload_mut() = match (payload, &self.config.rasterizer) {
            (Payload::Raster(f), Some(r)) => IppPayload::new(RasterStream::new(
                job.pdf.clone(),
                r.clone(),
                f,
                self.config.raster_dpi,
                send.skip..job.pages,
            )),
            _ => IppPayload::new(Cursor::new(job.pdf.clone())),
        };
        let (tx, rx) = mpsc::channel();
        let link = self.link.clone();
        let timeout = self.config.send_timeout;
        std::thread::Builder::new()
            .name("ipp-upload".into())
            .spawn(move || {
                let _ = tx.send(link.send(req, timeout));
            })
            .map_err(|e| PrintError::Io(format!("upload thread: {e}")))?;

        let d = self.config.deadlines;
        let started = Instant::now();
        let mut attention_since: Option<Instant> = None;
        // Bounded by send_timeout: the upload thread always answers by then.
        let polls = (timeout.as_millis() / self.config.poll_interval.as_millis().max(1)) as u64 + 2;
        for _ in 0..polls {
            match rx.recv_timeout(self.config.poll_interval) {
                Ok(Ok(resp)) => {
                    return attrs::integer(&resp, DelimiterTag::JobAttributes, "job-id")
                        .ok_or_else(|| PrintError::Io("Print-Job answer has no job-id".into()));
                }
                Ok(Err(e)) => return self.after_failed_upload(e, name),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PrintError::Io("upload thread ended without an answer".into()));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            // Still uploading: a printer that stops taking data because it is out of
            // paper keeps the upload open. Watch for that.
            let reasons = self.printer_reasons().unwrap_or_default();
            match attention_among(&reasons) {
                Some(a) => {
                    let since = *attention_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= d.attention_grace {
                        let pages_done = self.cancel_by_name(name);
                        return Err(PrintError::NeedsAttention { attention: a, pages_done });
                    }
                }
                None => attention_since = None,
            }
            if started.elapsed() > timeout + d.disconnect_grace {
                break;
            }
        }
        let pages_done = self.cancel_by_name(name);
        Err(PrintError::Stalled { pages_done })
    }

    /// Cancels the job called `name` if the printer has it; returns its pages done.
    fn cancel_by_name(&self, name: &str) -> u32 {
        let Ok(Some(id)) = self.link.find_job_by_name(name, self.config.request_timeout) else {
            return 0;
        };
        let done = match self.poll_job(id) {
            JobPoll::Seen { impressions, .. } => impressions.unwrap_or(0),
            _ => 0,
        };
        self.cancel(id);
        done
    }

    /// The upload failed. The job may still exist (the answer was lost): find it by its
    /// unique name rather than submit again — never print twice.
    fn after_failed_upload(&self, e: LinkError, name: &str) -> Result<i32, PrintError> {
        match e {
            LinkError::Status { code: StatusCode::ServerErrorBusy, message } => {
                // Another job (e.g. one cancelled but still draining) holds the printer.
                tracing::warn!(%message, "printer busy");
                Err(PrintError::Stalled { pages_done: 0 })
            }
            LinkError::Status { code, message } => Err(PrintError::Rejected(format!("{code:?}: {message}"))),
            LinkError::Protocol(m) => Err(PrintError::Io(m)),
            LinkError::Unreachable(m) => match self.link.find_job_by_name(name, self.config.request_timeout) {
                Ok(Some(id)) => {
                    tracing::warn!(job = id, error = %m, "upload answer lost; following the job the printer has");
                    Ok(id)
                }
                _ => Err(PrintError::Disconnected { pages_done: 0 }),
            },
        }
    }

    fn follow(&mut self, id: i32, total: u32, progress: &mut dyn FnMut(JobProgress)) -> Result<u32, PrintError> {
        let d = self.config.deadlines;
        let start = Instant::now();
        let mut m = JobMonitor::new(total, d, start);
        // The monitor ends every job by its deadlines; this cap only guards against a
        // clock that does not move. Each page may take up to a full stall timeout.
        let cap = d.stall_timeout * (total + 2) + d.attention_grace + d.disconnect_grace;
        let max_polls = (cap.as_millis() / self.config.poll_interval.as_millis().max(1)) as u64 + 10;
        let mut reported = 0;
        for i in 0..max_polls {
            if i > 0 {
                std::thread::sleep(self.config.poll_interval);
            }
            let job = self.poll_job(id);
            let reasons = self.printer_reasons();
            let step = m.observe(Instant::now(), job, reasons.as_deref());
            if m.pages_done() > reported {
                reported = m.pages_done();
                progress(JobProgress::Printed { done: reported, total });
            }
            match step {
                Step::Wait => {}
                Step::Finish(r) => return r,
                Step::Cancel(err) => {
                    self.cancel(id);
                    // A sheet already in the paper path still comes out: read once more.
                    if let JobPoll::Seen { impressions: Some(n), .. } = self.poll_job(id) {
                        m.note_pages(n);
                    }
                    return Err(with_pages(err, m.pages_done()));
                }
            }
        }
        self.cancel(id);
        Err(PrintError::Stalled { pages_done: m.pages_done() })
    }
}

/// Which pages of the document one submission carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pages {
    /// Pages before the first one sent (they came out in an earlier attempt).
    skip: u32,
    /// IPP `page-ranges` (1-based, inclusive), when the printer cuts the PDF itself.
    range: Option<(u32, u32)>,
}

impl Pages {
    fn of(job: &PrintJob, payload: Payload, info: &PrinterInfo) -> Pages {
        let skip = job.skipped();
        match payload {
            _ if skip == 0 => Pages { skip: 0, range: None },
            // The kiosk renders only the pages still to print.
            Payload::Raster(_) => Pages { skip, range: None },
            Payload::Pdf if info.page_ranges => Pages { skip, range: Some((skip + 1, job.pages)) },
            Payload::Pdf => {
                // The citizen loses nothing this way, the office loses a few sheets.
                tracing::warn!(first_page = job.first_page, "printer cannot print page ranges: whole document again");
                Pages { skip: 0, range: None }
            }
        }
    }
}

/// A request link to `uri` with the default user name (for discovery probes).
/// `orientation-requested` for a job, if the printer lists the value we want.
///
/// A PDF is sent as signed, so a landscape page (a Kartu Keluarga is A4 landscape)
/// reaches the printer as a landscape page and must not be forced into one job-wide
/// orientation: documents mix landscape and portrait pages, and `landscape (4)` would
/// also turn the portrait ones. RFC 8011 §5.2.10 says a format that carries its own
/// orientation, as PDF does per page, is printed in that orientation; PWG 5100.13
/// (IPP Everywhere) adds `none (7)` to say so explicitly, and the printer then turns
/// each landscape page onto the portrait sheet itself. With `print-scaling = none`
/// (sent alongside when supported) the 297 × 210 mm page fills the 210 × 297 mm sheet
/// at true scale. A printer without `none` gets nothing: `portrait (3)` could make it
/// shrink the landscape pages into portrait.
///
/// A raster is laid out by us on the portrait sheet already (landscape pages turned,
/// see `RasterPage::upright`), so it asks for `portrait (3)`: nothing is turned again.
fn orientation_for(payload: Payload, supported: &[i32]) -> Option<i32> {
    const PORTRAIT: i32 = 3;
    const NONE: i32 = 7;
    let want = match payload {
        Payload::Pdf => NONE,
        Payload::Raster(_) => PORTRAIT,
    };
    supported.contains(&want).then_some(want)
}

pub(crate) fn link_for(uri: Uri) -> Link {
    Link { uri, user_name: IppConfig::default().user_name }
}

fn with_pages(err: PrintError, pages: u32) -> PrintError {
    match err {
        PrintError::NeedsAttention { attention, .. } => PrintError::NeedsAttention { attention, pages_done: pages },
        PrintError::Disconnected { .. } => PrintError::Disconnected { pages_done: pages },
        PrintError::Stalled { .. } => PrintError::Stalled { pages_done: pages },
        other => other,
    }
}

fn io_err(e: LinkError) -> PrintError {
    PrintError::Io(e.to_string())
}

fn unique_job_name(base: &str) -> String {
    let n = SUBMISSIONS.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let base: String = base.chars().take(40).collect();
    format!("{base}#{:x}-{:x}-{n}", t % 0xFFFF_FFFF, std::process::id())
}

impl A4Printer for IppBackend {
    fn status(&mut self) -> Result<PrinterStatus, PrintError> {
        match self.printer_info() {
            Ok(info) => Ok(info.status),
            Err(LinkError::Unreachable(m)) => Ok(PrinterStatus {
                state: PrinterState::Disconnected,
                reasons: vec![format!("unreachable: {m}")],
                model: String::new(),
                markers: Vec::new(),
            }),
            Err(e) => Err(PrintError::Io(e.to_string())),
        }
    }

    fn print(&mut self, job: &PrintJob, progress: &mut dyn FnMut(JobProgress)) -> Result<u32, PrintError> {
        if job.pages == 0 {
            return Err(PrintError::Rejected("job has no pages".into()));
        }
        // Pages that came out in an earlier attempt: still out if this one fails early.
        let earlier = job.skipped();
        let info = match self.printer_info() {
            Ok(i) => i,
            Err(LinkError::Unreachable(_)) => return Err(PrintError::Disconnected { pages_done: earlier }),
            Err(e) => return Err(PrintError::Io(e.to_string())),
        };
        // A standing fault: do not queue a job the printer would print later, unattended.
        if let PrinterState::NeedsAttention(attention) = info.status.state {
            return Err(PrintError::NeedsAttention { attention, pages_done: earlier });
        }
        if !info.accepting_jobs {
            return Err(PrintError::Rejected("printer is not accepting jobs".into()));
        }
        if !info.media_supported.is_empty() && !info.media_supported.iter().any(|m| m == A4_MEDIA) {
            return Err(PrintError::Rejected(format!("printer does not support {A4_MEDIA}")));
        }
        if !info.media_ready.is_empty() && !info.media_ready.iter().any(|m| m == A4_MEDIA) {
            // Informational: a one-tray printer without a size sensor reports whatever it
            // was configured with. A real mismatch shows up as a media-needed reason.
            tracing::warn!(ready = ?info.media_ready, "media-ready does not list A4");
        }
        let payload = self.choose_payload(&info)?;
        let send = Pages::of(job, payload, &info);
        let name = unique_job_name(&job.job_name);
        let validate = self.job_request(Operation::ValidateJob, &name, payload, &info, send.range).map_err(io_err)?;
        match self.link.send(validate, self.config.request_timeout) {
            Ok(_) => {}
            Err(LinkError::Status { code, message }) => {
                return Err(PrintError::Rejected(format!("Validate-Job: {code:?} {message}")));
            }
            Err(LinkError::Unreachable(_)) => return Err(PrintError::Disconnected { pages_done: earlier }),
            Err(e) => return Err(PrintError::Io(e.to_string())),
        }
        progress(JobProgress::Sending);
        // From here on the printer counts this job's pages; the kiosk counts the document's.
        let skip = send.skip;
        let mut progress = crate::in_document(skip, job.pages, progress);
        let id = self.submit(job, &name, payload, &info, send).map_err(|e| e.after_pages(skip))?;
        self.last_job = Some(id);
        tracing::info!(job = id, name, pages = job.pages, from = skip + 1, ?payload, "job submitted");
        self.follow(id, job.pages - skip, &mut progress).map(|n| n + skip).map_err(|e| e.after_pages(skip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names_are_unique_and_keep_the_label() {
        let a = unique_job_name("KK-1");
        let b = unique_job_name("KK-1");
        assert!(a.starts_with("KK-1#"));
        assert_ne!(a, b);
    }

    #[test]
    fn orientation_follows_the_pages_for_pdf_and_is_portrait_for_raster() {
        let all = [3, 4, 5, 6, 7];
        assert_eq!(orientation_for(Payload::Pdf, &all), Some(7));
        assert_eq!(orientation_for(Payload::Raster(RasterFormat::Pwg), &all), Some(3));
        assert_eq!(orientation_for(Payload::Raster(RasterFormat::Urf), &all), Some(3));
        // ippeveprinter (CUPS 2.4) lists 3..6 for PDF and only 3 for raster: a PDF then
        // goes without the attribute, never forced to one orientation.
        assert_eq!(orientation_for(Payload::Pdf, &[3, 4, 5, 6]), None);
        assert_eq!(orientation_for(Payload::Raster(RasterFormat::Pwg), &[3]), Some(3));
        assert_eq!(orientation_for(Payload::Pdf, &[]), None);
        assert_eq!(orientation_for(Payload::Raster(RasterFormat::Pwg), &[]), None);
    }

    #[test]
    fn requests_carry_a4_and_scaling() {
        let b = IppBackend::new("ipp://127.0.0.1:1/ipp/print", IppConfig::default()).expect("uri");
        let info = PrinterInfo {
            status: PrinterStatus::new(PrinterState::Idle, vec![], ""),
            printer_state: 3,
            accepting_jobs: true,
            formats: vec![],
            media_supported: vec![],
            media_ready: vec![],
            scaling_supported: vec!["none".into(), "fit".into()],
            orientation_supported: vec![3, 4, 5, 6, 7],
            page_ranges: true,
            device_id: None,
            uuid: None,
        };
        let req = b.job_request(Operation::PrintJob, "x", Payload::Pdf, &info, None).expect("request");
        let job = req.attributes().groups_of(DelimiterTag::JobAttributes).next().expect("job group");
        assert_eq!(job.get("media").map(|a| a.value().to_string()), Some(A4_MEDIA.to_string()));
        assert_eq!(job.get("print-scaling").map(|a| a.value().to_string()), Some("none".to_string()));
        assert!(job.get("page-ranges").is_none(), "a first attempt prints everything");
        assert_eq!(
            job.get("orientation-requested").map(|a| a.value().clone()),
            Some(IppValue::Enum(7)),
            "a PDF keeps its pages' own orientation (none)"
        );
        assert!(IppBackend::new("not a uri", IppConfig::default()).is_err());

        let raster = b.job_request(Operation::PrintJob, "x", Payload::Raster(RasterFormat::Pwg), &info, None);
        let raster = raster.expect("request");
        let job = raster.attributes().groups_of(DelimiterTag::JobAttributes).next().expect("job group");
        assert_eq!(
            job.get("orientation-requested").map(|a| a.value().clone()),
            Some(IppValue::Enum(3)),
            "a raster is laid out portrait already"
        );

        // A retry from page 3 of 5: the printer cuts the PDF when it can.
        let retry = PrintJob::new("KK-1", b"%PDF".to_vec(), 5).from_page(3);
        let send = Pages::of(&retry, Payload::Pdf, &info);
        assert_eq!(send, Pages { skip: 2, range: Some((3, 5)) });
        let req = b.job_request(Operation::PrintJob, "x", Payload::Pdf, &info, send.range).expect("request");
        let job = req.attributes().groups_of(DelimiterTag::JobAttributes).next().expect("job group");
        assert_eq!(
            job.get("page-ranges").map(|a| a.value().clone()),
            Some(IppValue::RangeOfInteger { min: 3, max: 5 })
        );
        // Raster: only the pages still to print are rendered and sent.
        assert_eq!(Pages::of(&retry, Payload::Raster(RasterFormat::Pwg), &info), Pages { skip: 2, range: None });
        // No page ranges and PDF only: the whole document again, counted from page 1.
        let plain = PrinterInfo { page_ranges: false, ..info };
        assert_eq!(Pages::of(&retry, Payload::Pdf, &plain), Pages { skip: 0, range: None });
    }
}
