//! The IPP backend against a real IPP Everywhere printer (ippeveprinter, Debian
//! `cups-ipp-utils`) on 127.0.0.1, with faults injected by its job script.
//! Needs `cups-ipp-utils` and `dbus` installed: the tests fail (not skip) without them.

mod support;

use std::sync::Arc;
use std::time::Duration;

use adm_a4::ipp::{IppBackend, IppConfig, JobState};
use adm_a4::raster::a4_dots;
use adm_a4::usb::ipp_usb::{UsbIdentity, find_ipp_usb_uri};
use adm_a4::{A4Printer, Attention, JobProgress, PrintError, PrintJob, PrinterState};
use support::{IppEve, Options};

fn config() -> IppConfig {
    support::quick_ipp()
}

fn job(pages: u32) -> PrintJob {
    PrintJob::new("KK-TEST", support::pdf::a4_pdf(pages), pages)
}

fn backend(p: &IppEve) -> IppBackend {
    IppBackend::new(&p.uri(), config()).expect("backend")
}

fn assert_cancelled(b: &IppBackend) {
    let id = b.last_job_id().expect("a job was submitted");
    let (state, reasons, _) = b.job_attributes(id).expect("job attributes");
    // ippeveprinter keeps a cancelled job "processing" (with processing-to-stop-point)
    // while its command still runs; real printers move it to canceled.
    assert!(
        state == JobState::Canceled || reasons.iter().any(|r| r == "processing-to-stop-point"),
        "job {id} not cancelled: {state:?} {reasons:?}"
    );
}

#[test]
fn success_prints_every_page_and_the_pdf_arrives_intact() {
    let p = IppEve::start("success", 3);
    let mut b = backend(&p);
    let status = b.status().expect("status");
    assert_eq!(status.state, PrinterState::Idle);
    assert_eq!(status.model, "ADM Test A4");
    let mut seen = vec![];
    let j = job(3);
    assert_eq!(b.print(&j, &mut |e| seen.push(e)), Ok(3));
    assert_eq!(seen.first(), Some(&JobProgress::Sending));
    assert_eq!(seen.last(), Some(&JobProgress::Printed { done: 3, total: 3 }));
    let (state, _, pages) = b.job_attributes(b.last_job_id().expect("job")).expect("job");
    assert_eq!((state, pages), (JobState::Completed, Some(3)));
    assert!(p.spooled().iter().any(|d| d[..] == j.pdf[..]), "the printer received the PDF byte for byte");
}

#[test]
fn media_empty_before_printing_needs_attention_and_nothing_is_queued() {
    let p = IppEve::start("media-empty", 2);
    let mut b = backend(&p);
    let r = b.print(&job(2), &mut |_| {});
    assert_eq!(r, Err(PrintError::NeedsAttention { attention: Attention::MediaEmpty, pages_done: 0 }));
    assert_cancelled(&b);
    let first = b.last_job_id();
    // The fault stands: the next citizen is told at once, and no job is queued that
    // the printer would print later for nobody.
    assert_eq!(b.status().expect("status").state, PrinterState::NeedsAttention(Attention::MediaEmpty));
    let r = b.print(&job(1), &mut |_| {});
    assert_eq!(r, Err(PrintError::NeedsAttention { attention: Attention::MediaEmpty, pages_done: 0 }));
    assert_eq!(b.last_job_id(), first);
}

#[test]
fn media_jam_mid_job_reports_the_pages_that_came_out() {
    let p = IppEve::start("media-jam", 3);
    let mut b = backend(&p);
    let mut seen = vec![];
    let r = b.print(&job(3), &mut |e| seen.push(e));
    assert_eq!(r, Err(PrintError::NeedsAttention { attention: Attention::MediaJam, pages_done: 1 }));
    assert_eq!(b.status().expect("status").state, PrinterState::NeedsAttention(Attention::MediaJam));
}

#[test]
fn a_retry_after_a_jam_prints_only_the_pages_that_did_not_come_out() {
    let p = IppEve::start("jam-until-fixed", 3);
    let mut b = backend(&p);
    let r = b.print(&job(3), &mut |_| {});
    assert_eq!(r, Err(PrintError::NeedsAttention { attention: Attention::MediaJam, pages_done: 1 }));
    // Still jammed: a retry now is refused before anything is sent, and the page that
    // came out still counts.
    assert_eq!(
        b.print(&job(3).from_page(2), &mut |_| {}),
        Err(PrintError::NeedsAttention { attention: Attention::MediaJam, pages_done: 1 })
    );
    p.fix();
    support::wait_until(Duration::from_secs(10), || b.status().is_ok_and(|s| s.state == PrinterState::Idle));
    let mut seen = vec![];
    assert_eq!(b.print(&job(3).from_page(2), &mut |e| seen.push(e)), Ok(3));
    // Counted in pages of the document: never below the page that already came out.
    // (Which counts in between are seen depends on polling.)
    assert_eq!(seen.first(), Some(&JobProgress::Sending));
    assert_eq!(seen.last(), Some(&JobProgress::Printed { done: 3, total: 3 }));
    assert!(seen.iter().all(|e| !matches!(e, JobProgress::Printed { done, .. } if *done < 2)), "{seen:?}");
    assert_eq!(p.jobs(), vec!["range=all pages=3", "range=2-3 pages=2"], "page 1 was not printed twice");
}

#[test]
fn cover_open_mid_job_is_cancelled_after_the_grace() {
    let p = IppEve::start("cover-open", 2);
    let mut b = backend(&p);
    let r = b.print(&job(2), &mut |_| {});
    assert_eq!(r, Err(PrintError::NeedsAttention { attention: Attention::CoverOpen, pages_done: 1 }));
    assert_cancelled(&b);
}

#[test]
fn printer_disappearing_mid_job_is_disconnected() {
    let mut p = IppEve::start("disappear", 3);
    let mut b = backend(&p);
    let r = b.print(&job(3), &mut |e| {
        if let JobProgress::Printed { done: 1, .. } = e {
            p.kill(); // unplugged after the first page
        }
    });
    assert_eq!(r, Err(PrintError::Disconnected { pages_done: 1 }));
    assert_eq!(b.status().expect("status").state, PrinterState::Disconnected);
    assert_eq!(b.print(&job(1), &mut |_| {}), Err(PrintError::Disconnected { pages_done: 0 }));
}

#[test]
fn a_job_that_never_finishes_stalls_and_is_cancelled() {
    let p = IppEve::start("never", 1);
    let mut b = backend(&p);
    assert_eq!(b.print(&job(1), &mut |_| {}), Err(PrintError::Stalled { pages_done: 0 }));
    assert_cancelled(&b);
}

#[test]
fn a_printer_without_pdf_gets_pwg_raster_from_the_rasterizer() {
    let p = IppEve::start_with(Options { scenario: "success", pages: 2, formats: "image/pwg-raster" });
    let r = |_: &[u8], i: u32, dpi: u32| -> Result<adm_a4::raster::RasterPage, String> {
        let (w, h) = a4_dots(dpi);
        let mut page = adm_a4::raster::RasterPage::blank(w, h, dpi);
        page.pixels[..(w * (10 + i)) as usize].fill(0);
        Ok(page)
    };
    let mut b = IppBackend::new(&p.uri(), IppConfig { rasterizer: Some(Arc::new(r)), raster_dpi: 100, ..config() })
        .expect("backend");
    assert_eq!(b.print(&job(2), &mut |_| {}), Ok(2));
    let docs = p.spooled();
    let sent = docs.iter().find(|d| d.starts_with(b"RaS2")).expect("a PWG raster document was spooled");
    let pages = support::decode::decode_pwg(sent).expect("valid PWG raster");
    assert_eq!(pages.len(), 2);
    assert_eq!((pages[0].width, pages[0].height, pages[0].dpi), (827, 1169, (100, 100)));
    let (w, h) = a4_dots(100);
    assert_eq!((pages[1].width, pages[1].height), (w, h));
    assert_eq!(pages[1].pixels.iter().filter(|v| **v == 0).count(), (w * 11) as usize);

    // A retry from page 2 renders and sends page 2 only.
    assert_eq!(b.print(&job(2).from_page(2), &mut |_| {}), Ok(2));
    let docs = p.spooled();
    let retry = docs.iter().filter(|d| d.starts_with(b"RaS2")).nth(1).expect("a second raster document");
    let pages = support::decode::decode_pwg(retry).expect("valid PWG raster");
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].pixels.iter().filter(|v| **v == 0).count(), (w * 11) as usize, "it is page 2");
}

#[test]
fn a_landscape_page_goes_as_signed_to_a_pdf_printer_and_turned_to_a_raster_one() {
    let pdf = support::pdf::landscape_pdf();
    let job = PrintJob::new("KK-LANDSCAPE", pdf.clone(), 3);
    // PDF direct: the signed bytes, unchanged; the printer turns the page itself.
    let p = IppEve::start("success", 3);
    assert_eq!(backend(&p).print(&job, &mut |_| {}), Ok(3));
    assert!(p.spooled().iter().any(|d| d[..] == pdf[..]), "the PDF arrived byte for byte");
    // PWG raster: one portrait A4 sheet per page, the landscape page turned
    // counter-clockwise (its top-left square now 1 inch from the sheet's bottom-left).
    let p = IppEve::start_with(Options { scenario: "success", pages: 3, formats: "image/pwg-raster" });
    let config = IppConfig { rasterizer: Some(Arc::new(support::render::hayro_render)), raster_dpi: 100, ..config() };
    let mut b = IppBackend::new(&p.uri(), config).expect("backend");
    assert_eq!(b.print(&job, &mut |_| {}), Ok(3));
    let docs = p.spooled();
    let sent = docs.iter().find(|d| d.starts_with(b"RaS2")).expect("a PWG raster document was spooled");
    let pages = support::decode::decode_pwg(sent).expect("valid PWG raster");
    assert_eq!(pages.len(), 3);
    let (w, h) = a4_dots(100);
    for (i, page) in pages.iter().enumerate() {
        assert_eq!((page.width, page.height), (w, h), "page {i}: portrait A4");
    }
    let dark = |x: u32, y: u32| pages[0].pixels[(y * w + x) as usize] < 128;
    assert!(dark(150, h - 150) && !dark(150, 150) && !dark(w - 150, 150) && !dark(w - 150, h - 150));
}

#[test]
fn a_printer_without_pdf_and_no_rasterizer_is_refused_before_sending() {
    let p = IppEve::start_with(Options { scenario: "success", pages: 1, formats: "image/pwg-raster" });
    let mut b = backend(&p);
    assert!(matches!(b.print(&job(1), &mut |_| {}), Err(PrintError::Rejected(_))));
    assert_eq!(b.last_job_id(), None);
}

#[test]
fn print_test_writes_json_lines() {
    let p = IppEve::start("success", 2);
    let mut b = backend(&p);
    let mut out = Vec::new();
    assert!(adm_a4::print_test(&mut b, &job(2), &mut out));
    let text = String::from_utf8(out).expect("utf8");
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(lines[0]["event"], "status");
    assert_eq!(lines[0]["state"], "idle");
    let last = lines.last().expect("outcome");
    assert_eq!(
        (last["event"].as_str(), last["ok"].as_bool(), last["pages"].as_u64()),
        (Some("outcome"), Some(true), Some(2))
    );
}

#[test]
fn open_factory_and_ipp_usb_style_discovery() {
    let p = IppEve::start("success", 1);
    // ipp-usb serves USB printers the same way: find ours among loopback ports.
    let want = UsbIdentity { serial: None, model: Some("Test A4".into()) };
    let found = find_ipp_usb_uri([1, p.port], &want, Duration::from_secs(2));
    assert_eq!(found, Some(format!("http://127.0.0.1:{}/ipp/print", p.port)));
    let other = UsbIdentity { serial: None, model: Some("LaserJet".into()) };
    assert_eq!(find_ipp_usb_uri([p.port], &other, Duration::from_secs(2)), None);

    let opts = adm_a4::OpenOptions { ipp: config(), ..Default::default() };
    let mut printer = adm_a4::open(&found.expect("uri"), &opts).expect("open");
    assert_eq!(printer.print(&job(1), &mut |_| {}), Ok(1));
}
