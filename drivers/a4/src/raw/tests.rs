//! The raw (legacy USB) backend against the fake transport.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::raster::{RasterPage, a4_dots};
use crate::usb::fake::{FakeEvent, FakeHandle, FakeTransport};

const PCL_PRINTER: &str = "MFG:Hewlett-Packard;MDL:HP LaserJet 400 M401dn;CMD:PJL,PCL,POSTSCRIPT;";
const PDF_PRINTER: &str = "MFG:OKI DATA c332.js-CORP;CMD:PCL,XPS,POSTSCRIPT,PDF,PCLXL,URF;MDL:C332;CLS:PRINTER;";
const GDI_PRINTER: &str = "MFG:Hewlett-Packard;MDL:HP LaserJet 1020;CMD:ACL;CLS:PRINTER;DES:HP LaserJet 1020;";

fn quick() -> RawConfig {
    let r = |_: &[u8], i: u32, dpi: u32| -> Result<RasterPage, String> {
        let (w, h) = a4_dots(dpi);
        let mut p = RasterPage::blank(w, h, dpi);
        // a black bar whose height grows with the page number: every page differs
        let rows = 50 * (i as usize + 1);
        p.pixels[(w as usize) * 200..(w as usize) * (200 + rows)].fill(0);
        Ok(p)
    };
    RawConfig {
        rasterizer: Some(Arc::new(r)),
        dpi: 100,
        write_timeout: Duration::from_millis(1),
        attention_grace: Duration::from_millis(20),
        stall_timeout: Duration::from_millis(60),
        settle: Duration::ZERO,
        ..RawConfig::default()
    }
}

fn backend(id: &str) -> (RawBackend, FakeHandle) {
    let (t, h) = FakeTransport::new(id);
    (RawBackend::new(Box::new(t), quick()), h)
}

fn job(pages: u32) -> PrintJob {
    PrintJob::new("KK-1", b"%PDF-1.7\nfake\n%%EOF\n".to_vec(), pages)
}

#[test]
fn pdf_direct_sends_the_document_unchanged() {
    let (mut b, h) = backend(PDF_PRINTER);
    h.lock().keep_data = true;
    h.lock().max_write = 7; // partial writes
    let mut seen = vec![];
    assert_eq!(b.print(&job(2), &mut |p| seen.push(p)), Ok(2));
    assert_eq!(h.lock().data, job(2).pdf.to_vec());
    assert_eq!(seen, vec![JobProgress::Sending, JobProgress::Printed { done: 2, total: 2 }]);
}

#[test]
fn pcl_pages_are_counted_conservatively() {
    let (mut b, h) = backend(PCL_PRINTER);
    h.lock().keep_data = true;
    let mut seen = vec![];
    assert_eq!(b.print(&job(3), &mut |p| seen.push(p)), Ok(3));
    let done: Vec<u32> = seen
        .iter()
        .filter_map(|p| if let JobProgress::Printed { done, .. } = p { Some(*done) } else { None })
        .collect();
    assert_eq!(done, vec![1, 2, 3]);
    let data = h.lock().data.clone();
    assert!(data.starts_with(b"\x1b%-12345X@PJL JOB"), "PJL wrapper when CMD lists PJL");
    assert_eq!(data.iter().filter(|b| **b == 0x0C).count(), 3, "three form feeds");
    assert_eq!(b.last_page_bytes.len(), 3);
}

#[test]
fn paper_out_before_printing_sends_nothing() {
    let (mut b, h) = backend(PCL_PRINTER);
    h.lock().port_status = 0x38;
    let r = b.print(&job(1), &mut |_| {});
    assert_eq!(r, Err(PrintError::NeedsAttention { attention: Attention::MediaEmpty, pages_done: 0 }));
    assert_eq!(h.lock().bytes, 0);
    assert_eq!(b.status().expect("status").state, PrinterState::NeedsAttention(Attention::MediaEmpty));
}

#[test]
fn paper_out_mid_job_blocks_the_pipe_and_is_reported() {
    let (mut b, h) = backend(PCL_PRINTER);
    // Measure one page, then run out of paper in the middle of page 3.
    let mut probe = backend(PCL_PRINTER).0;
    probe.print(&job(2), &mut |_| {}).expect("probe");
    let first_two: u64 = probe.last_page_bytes.iter().sum();
    h.lock().events = vec![(first_two + 10, FakeEvent::PortStatus(0x38)), (first_two + 10, FakeEvent::Block)];
    let r = b.print(&job(3), &mut |_| {});
    // pages 1 and 2 fully accepted; one may still be in the printer → 1 counted
    assert_eq!(r, Err(PrintError::NeedsAttention { attention: Attention::MediaEmpty, pages_done: 1 }));
    assert_eq!(h.lock().soft_resets, 1, "the rest of the job is flushed, never printed later");
}

#[test]
fn unplugged_mid_job_is_disconnected() {
    let (mut b, h) = backend(PDF_PRINTER);
    h.lock().events = vec![(5, FakeEvent::Unplug)];
    assert_eq!(b.print(&job(1), &mut |_| {}), Err(PrintError::Disconnected { pages_done: 0 }));
    assert_eq!(b.status().expect("status").state, PrinterState::Disconnected);
}

#[test]
fn a_pipe_that_stops_without_a_fault_is_a_stall() {
    let (mut b, h) = backend(PDF_PRINTER);
    h.lock().events = vec![(5, FakeEvent::Block)];
    assert_eq!(b.print(&job(1), &mut |_| {}), Err(PrintError::Stalled { pages_done: 0 }));
    assert_eq!(h.lock().soft_resets, 1);
}

#[test]
fn host_based_printers_are_refused() {
    let (mut b, h) = backend(GDI_PRINTER);
    assert!(matches!(b.print(&job(1), &mut |_| {}), Err(PrintError::Rejected(_))));
    assert_eq!(h.lock().bytes, 0);
}

#[test]
fn raster_without_a_rasterizer_is_refused() {
    let (t, _h) = FakeTransport::new(PCL_PRINTER);
    let mut b = RawBackend::new(Box::new(t), RawConfig { rasterizer: None, ..quick() });
    assert!(matches!(b.print(&job(1), &mut |_| {}), Err(PrintError::Rejected(_))));
}

#[test]
fn a_retry_sends_only_the_pages_still_to_print() {
    let (mut b, h) = backend(PCL_PRINTER);
    h.lock().keep_data = true;
    let mut seen = vec![];
    assert_eq!(b.print(&job(3).from_page(3), &mut |p| seen.push(p)), Ok(3));
    // One page went down the pipe, and the counts are pages of the whole document.
    assert_eq!(h.lock().data.iter().filter(|b| **b == 0x0C).count(), 1, "one form feed");
    assert_eq!(b.last_page_bytes.len(), 1);
    assert_eq!(seen, vec![JobProgress::Sending, JobProgress::Printed { done: 3, total: 3 }]);

    // And it was page 3 that was rendered.
    let rendered = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = rendered.clone();
    let r = move |_: &[u8], i: u32, dpi: u32| -> Result<RasterPage, String> {
        log.lock().map_err(|e| e.to_string())?.push(i);
        let (w, h) = a4_dots(dpi);
        Ok(RasterPage::blank(w, h, dpi))
    };
    let (t, _h) = FakeTransport::new(PCL_PRINTER);
    let mut b = RawBackend::new(Box::new(t), RawConfig { rasterizer: Some(Arc::new(r)), ..quick() });
    assert_eq!(b.print(&job(3).from_page(3), &mut |_| {}), Ok(3));
    assert_eq!(*rendered.lock().expect("log"), vec![2], "0-based index of page 3");
}

#[test]
fn a_failed_retry_still_counts_the_pages_from_before() {
    let (mut b, h) = backend(PCL_PRINTER);
    h.lock().port_status = 0x38;
    let r = b.print(&job(3).from_page(2), &mut |_| {});
    assert_eq!(r, Err(PrintError::NeedsAttention { attention: Attention::MediaEmpty, pages_done: 1 }));
    assert_eq!(h.lock().bytes, 0);
}

/// The printer the next reopen finds (None: not plugged in), and how often it was asked.
#[derive(Clone, Default)]
struct Socket(Arc<std::sync::Mutex<(Option<FakeTransport>, u32)>>);

impl Socket {
    fn plug(&self, id: &str) -> FakeHandle {
        let (t, h) = FakeTransport::new(id);
        h.lock().keep_data = true;
        self.0.lock().expect("socket").0 = Some(t);
        h
    }
    fn opens(&self) -> u32 {
        self.0.lock().expect("socket").1
    }
    fn reopen(&self) -> Reopen {
        let socket = self.clone();
        Box::new(move || {
            let mut s = socket.0.lock().map_err(|e| UsbError::Other(e.to_string()))?;
            s.1 += 1;
            s.0.take().map(|t| Box::new(t) as Box<dyn UsbTransport>).ok_or(UsbError::NotFound)
        })
    }
}

fn form_feeds(h: &FakeHandle) -> usize {
    h.lock().data.iter().filter(|b| **b == 0x0C).count()
}

#[test]
fn unplugged_mid_job_and_plugged_back_prints_only_the_missing_pages_without_a_restart() {
    let (t, first) = FakeTransport::new(PCL_PRINTER);
    let socket = Socket::default();
    let mut b = RawBackend::new(Box::new(t), quick()).with_reopen(socket.reopen());
    // The cable is pulled in the middle of page 3 of 3.
    let mut probe = backend(PCL_PRINTER).0;
    probe.print(&job(2), &mut |_| {}).expect("probe");
    let first_two: u64 = probe.last_page_bytes.iter().sum();
    first.lock().events = vec![(first_two + 10, FakeEvent::Unplug)];
    let r = b.print(&job(3), &mut |_| {});
    // Pages 1 and 2 were accepted; page 2 may still have been inside the printer.
    assert_eq!(r, Err(PrintError::Disconnected { pages_done: 1 }));
    assert_eq!(socket.opens(), 0, "never reopened in the middle of the job");

    // Still unplugged: each poll looks for it, and says disconnected.
    assert_eq!(b.status().expect("status").state, PrinterState::Disconnected);
    assert_eq!(b.print(&job(3).from_page(2), &mut |_| {}), Err(PrintError::Disconnected { pages_done: 1 }));
    assert_eq!(socket.opens(), 2);

    // Plugged back: the next health poll finds it, by itself.
    let second = socket.plug(PCL_PRINTER);
    assert_eq!(b.status().expect("status").state, PrinterState::Idle);
    assert_eq!(socket.opens(), 3);
    // The retry sends pages 2 and 3 only, as a whole new PCL job, to the new device.
    let mut seen = vec![];
    assert_eq!(b.print(&job(3).from_page(2), &mut |p| seen.push(p)), Ok(3));
    assert_eq!(form_feeds(&second), 2, "pages 2 and 3, not page 1 again");
    assert!(second.lock().data.starts_with(b"\x1b%-12345X@PJL JOB"), "a whole job, with its header");
    assert_eq!(seen.last(), Some(&JobProgress::Printed { done: 3, total: 3 }));
    assert_eq!(socket.opens(), 3, "one reopen was enough");
}

#[test]
fn a_printer_replugged_between_jobs_is_found_at_the_next_job() {
    let (t, first) = FakeTransport::new(PCL_PRINTER);
    let socket = Socket::default();
    let mut b = RawBackend::new(Box::new(t), quick()).with_reopen(socket.reopen());
    assert_eq!(b.print(&job(1), &mut |_| {}), Ok(1));
    // Unplugged and plugged back while nobody printed: the old handle is dead, and
    // nothing has used it since.
    first.lock().unplugged = true;
    let second = socket.plug(PCL_PRINTER);
    assert_eq!(b.print(&job(2), &mut |_| {}), Ok(2));
    assert_eq!(form_feeds(&second), 2);
    assert_eq!(socket.opens(), 1);
}

#[test]
fn without_a_way_to_reopen_an_unplugged_printer_stays_disconnected() {
    let (mut b, h) = backend(PCL_PRINTER);
    h.lock().unplugged = true;
    assert_eq!(b.status().expect("status").state, PrinterState::Disconnected);
    h.lock().unplugged = false;
    // The handle is dropped at the first NoDevice: a fake cannot come back on it, nor
    // can a real device (it comes back as a new one).
    assert_eq!(b.status().expect("status").state, PrinterState::Disconnected);
}
