//! A4 printer faults seen by the whole kiosk: the real UI (headless, driven by its
//! accessible labels), session machine, runtime and outbox — over mutual TLS to the
//! reference central server — printing on a real IPP Everywhere printer (`ippeveprinter`
//! from Debian's `cups-ipp-utils`) whose job script injects faults.
//!
//! Each fault must end in the right state, the right words on the citizen's screen, and
//! the right outbox content at the server: a print report only for a document the
//! printer confirmed, a `printer.stopped.*` audit event otherwise. Budi prints his KK
//! (2 pages) alone, so "some pages done" means page 1 of 2.

#[path = "../drivers/a4/tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use adm_a4::A4Printer;
use adm_a4::ipp::{IppBackend, IppConfig};
use adm_a4::raster::a4_dots;
use adm_kiosk::app::{Backend, Kiosk, build_devices};
use adm_kiosk::config::Config;
use adm_kiosk::demo::{DEMO_NIK, DEMO_PIN};
use adm_kiosk::headless::{self, can_tap, shows, tap, wait_for};
use adm_kiosk::runtime::clock::ManualClock;
use adm_kiosk::session::{Availability, JobStatus, PrinterProblem, ReceiptOutcome, State};
use support::{IppEve, Options};

const WAIT: Duration = Duration::from_secs(30);
const KK_PAGES: u32 = 2;

/// The kiosk's IPP driver with its renderer, and deadlines short enough for a test (a
/// real kiosk waits 15 s for a fault to clear and 3 min for a silent printer).
fn driver_config() -> IppConfig {
    IppConfig { rasterizer: Some(Arc::new(adm_kiosk::document::render::HayroRasterizer)), ..support::quick_ipp() }
}

struct Harness {
    kiosk: Kiosk,
    clock: ManualClock,
    backend: Backend,
    printer: IppEve,
}

fn kiosk_with(o: Options<'_>) -> Harness {
    let printer = IppEve::start_with(o);
    headless::init().expect("headless platform");
    let config = Config::default();
    let backend = Backend::connect(&config).expect("reference server");
    let (mut devices, _sim) = build_devices(&config, &backend, Duration::ZERO).expect("devices");
    let a4: Box<dyn A4Printer> = Box::new(IppBackend::new(&printer.uri(), driver_config()).expect("IPP backend"));
    devices.a4 = adm_kiosk::devices::shared(a4);
    let clock = ManualClock::default();
    let kiosk = Kiosk::new(&config, None, &backend, Box::new(clock.clone()), devices).expect("kiosk");
    headless::show(&kiosk.app).expect("show");
    let h = Harness { kiosk, clock, backend, printer };
    h.wait(|_| h.availability() == Availability::Ready);
    h
}

fn kiosk(scenario: &str) -> Harness {
    kiosk_with(Options { scenario, pages: KK_PAGES, formats: "application/pdf" })
}

impl Harness {
    fn app(&self) -> &adm_kiosk::ui::AppWindow {
        &self.kiosk.app
    }
    fn server(&self) -> &adm_central::demo::DemoServer {
        self.backend.demo.as_ref().expect("reference server")
    }
    fn availability(&self) -> Availability {
        self.kiosk.runtime.borrow().machine().availability()
    }
    fn wait(&self, done: impl Fn(&State) -> bool) {
        wait_for(&self.kiosk, WAIT, done).expect("kiosk reached the expected state");
    }
    /// The id of the document being printed (Budi's current KK).
    fn printed_id(&self) -> String {
        let rt = self.kiosk.runtime.borrow();
        match rt.machine().state() {
            State::Printing { jobs, .. } | State::PrintStopped { jobs, .. } | State::Collect { jobs, .. } => {
                jobs[0].doc.id.clone()
            }
            other => panic!("{other:?}"),
        }
    }

    /// Status reads come every 5 s of kiosk time: let time pass, one read at a time,
    /// until the printer is ready again and "try again" can be touched.
    fn wait_until_retry_offered(&self) {
        // The citizen touches the screen while the officer works (any touch is activity),
        // so the idle warning does not cover the button in the meantime.
        self.kiosk.send(adm_kiosk::session::Event::ExtendTime);
        for _ in 0..5 {
            self.clock.advance(5_000);
            let read = std::time::Instant::now();
            while read.elapsed() < Duration::from_secs(5) {
                self.kiosk.pump();
                if can_tap(self.app(), "Coba lagi") {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("the printer never became ready");
    }

    /// Budi signs in and prints his KK, alone.
    fn print_kk(&self) {
        headless::sign_in_with_nik(self.app(), DEMO_NIK, DEMO_PIN).expect("sign in");
        self.wait(|s| matches!(s, State::Documents { .. }));
        tap(self.app(), "Akta Kelahiran").expect("unselect");
        tap(self.app(), "Biodata Penduduk").expect("unselect");
        tap(self.app(), "Lanjut dengan 1 dokumen").expect("proceed");
        tap(self.app(), "Cetak sekarang").expect("print");
    }

    /// Waits for the printer-stopped screen and returns what the kiosk knows.
    fn stopped(&self) -> (PrinterProblem, u32) {
        self.wait(|s| matches!(s, State::PrintStopped { .. }));
        let rt = self.kiosk.runtime.borrow();
        let State::PrintStopped { jobs, .. } = rt.machine().state() else { unreachable!() };
        match jobs[0].status {
            JobStatus::Stopped { problem, done } => (problem, done),
            other => panic!("{other:?}"),
        }
    }

    /// The outbox's next delivery round, then the audit event of `kind` at the server.
    fn assert_delivered(&self, kind: &str) {
        self.clock.advance(31_000);
        let admin = self.server().admin();
        self.wait(|_| admin.audit_events_of_kind(kind).unwrap_or(0) == 1);
    }

    fn reports(&self) -> Vec<(String, u32, bool)> {
        self.server().admin().print_reports().expect("reports")
    }

    /// The citizen on the stopped screen: told what to do, nothing resent on its own.
    fn assert_stopped_screen(&self, message: &str) {
        assert!(shows(self.app(), "Pencetakan berhenti"));
        assert!(shows(self.app(), message), "{message}");
        assert!(shows(self.app(), "Printer belum siap."));
        assert!(!can_tap(self.app(), "Coba lagi"));
        assert!(can_tap(self.app(), "Selesai tanpa sisanya"));
    }

    /// Finish without the rest: the receipt says what did not print, and the server
    /// counted nothing.
    fn finish_without_the_rest(&self) {
        tap(self.app(), "Selesai tanpa sisanya").expect("finish");
        self.wait(|s| matches!(s, State::Collect { receipt, .. } if *receipt != ReceiptOutcome::Pending));
        assert!(shows(
            self.app(),
            "Sebagian dokumen tidak tercetak. Tunjukkan struk Anda kepada petugas; hak cetak Anda untuk dokumen tersebut tidak berkurang."
        ));
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(self.reports(), vec![], "no print report for a document that did not come out whole");
    }
}

#[test]
fn success_is_reported_once_with_every_page() {
    let h = kiosk("success");
    h.print_kk();
    h.wait(|s| matches!(s, State::Collect { receipt, .. } if *receipt != ReceiptOutcome::Pending));
    assert!(shows(h.app(), "Sudah dicetak (2 halaman)"));
    let kk = h.printed_id();
    h.wait(|_| h.reports().len() == 1);
    assert_eq!(h.reports(), vec![(kk, KK_PAGES, true)]);
    assert_eq!(h.printer.jobs(), vec!["range=all pages=2"]);
    // The report names the grant its download received (issue #13, item 4): not flagged.
    assert_eq!(h.server().admin().flagged_reports().expect("flagged").len(), 0);
}

#[test]
fn paper_out_before_printing_stops_keeps_the_entitlement_and_closes_the_kiosk() {
    let h = kiosk("media-empty");
    h.print_kk();
    assert_eq!(h.stopped(), (PrinterProblem::PaperOut, 0));
    h.assert_stopped_screen("Kertas habis, mohon hubungi petugas. Hak cetak Anda tetap ada.");
    h.assert_delivered("printer.stopped.media-empty");
    h.finish_without_the_rest();
    tap(h.app(), "Selesai").expect("done");
    h.clock.advance(10_000);
    h.wait(|s| matches!(s, State::Attract));
    // The paper is still out: the welcome screen says so and no session starts.
    h.clock.advance(5_000);
    h.wait(|_| h.availability() == Availability::PrinterUnavailable);
    h.kiosk.pump();
    assert!(shows(
        h.app(),
        "Printer belum siap, sehingga dokumen belum dapat dicetak saat ini. Mohon hubungi petugas."
    ));
    assert!(!can_tap(h.app(), "Sentuh di sini untuk mulai"));
}

#[test]
fn a_jam_after_page_one_then_try_again_prints_only_page_two() {
    let h = kiosk("jam-until-fixed");
    h.print_kk();
    assert_eq!(h.stopped(), (PrinterProblem::PaperJam, 1));
    h.assert_stopped_screen("Kertas macet. Mohon hubungi petugas. Hak cetak Anda tetap ada.");
    h.assert_delivered("printer.stopped.media-jam");
    assert_eq!(h.reports(), vec![]);
    // The officer clears the jam; within one status read the kiosk offers to go on.
    h.printer.fix();
    h.wait_until_retry_offered();
    assert!(!shows(h.app(), "Printer belum siap."));
    tap(h.app(), "Coba lagi").expect("retry");
    h.wait(|s| matches!(s, State::Collect { receipt, .. } if *receipt != ReceiptOutcome::Pending));
    assert!(shows(h.app(), "Sudah dicetak (2 halaman)"));
    assert_eq!(h.printer.jobs(), vec!["range=all pages=2", "range=2-2 pages=1"], "page 1 was not printed twice");
    let kk = h.printed_id();
    h.wait(|_| h.reports().len() == 1);
    assert_eq!(h.reports(), vec![(kk, KK_PAGES, true)], "one report for the whole document");
    // The retry downloaded again in the same session: the same grant, consumed once.
    assert_eq!(h.server().admin().flagged_reports().expect("flagged").len(), 0);
    h.assert_delivered("print.retried");
}

#[test]
fn cover_open_mid_job_stops_after_the_page_that_came_out() {
    let h = kiosk("cover-open");
    h.print_kk();
    assert_eq!(h.stopped(), (PrinterProblem::CoverOpen, 1));
    h.assert_stopped_screen("Penutup printer terbuka. Mohon hubungi petugas. Hak cetak Anda tetap ada.");
    h.assert_delivered("printer.stopped.cover-open");
    h.finish_without_the_rest();
}

#[test]
fn a_printer_that_disappears_mid_job_is_offline() {
    let mut h = kiosk("disappear");
    h.print_kk();
    h.wait(
        |s| matches!(s, State::Printing { jobs, .. } if matches!(jobs[0].status, JobStatus::Printing { done: 1, .. })),
    );
    h.printer.kill(); // unplugged after the first page
    assert_eq!(h.stopped(), (PrinterProblem::Offline, 1));
    h.assert_stopped_screen("Printer tidak merespons. Mohon hubungi petugas. Hak cetak Anda tetap ada.");
    h.assert_delivered("printer.stopped.offline");
    h.finish_without_the_rest();
}

#[test]
fn a_job_that_never_finishes_is_given_up_and_kept() {
    let h = kiosk("never");
    h.print_kk();
    assert_eq!(h.stopped(), (PrinterProblem::Other, 0));
    h.assert_stopped_screen("Printer melaporkan gangguan. Mohon hubungi petugas. Hak cetak Anda tetap ada.");
    h.assert_delivered("printer.stopped.other");
    h.finish_without_the_rest();
}

#[test]
fn a_printer_without_pdf_gets_true_scale_a4_raster_from_the_kiosk_renderer() {
    let h = kiosk_with(Options { scenario: "success", pages: KK_PAGES, formats: "image/pwg-raster" });
    h.print_kk();
    h.wait(|s| matches!(s, State::Collect { receipt, .. } if *receipt != ReceiptOutcome::Pending));
    assert!(shows(h.app(), "Sudah dicetak (2 halaman)"));
    let docs = h.printer.spooled();
    let sent = docs.iter().find(|d| d.starts_with(b"RaS2")).expect("a PWG raster document was spooled");
    let pages = support::decode::decode_pwg(sent).expect("valid PWG raster");
    assert_eq!(pages.len(), KK_PAGES as usize);
    let (w, h_dots) = a4_dots(300);
    for p in &pages {
        assert_eq!((p.width, p.height, p.dpi), (w, h_dots, (300, 300)));
        assert_eq!(p.page_size_pt, adm_a4::raster::A4_POINTS);
        assert!(p.pixels.iter().filter(|v| **v < 128).count() > 10_000, "the page has content");
    }
    // The demo Kartu Keluarga is A4 landscape, as the real one: turned onto the portrait
    // sheet, its header rule (64 pt below the page's top, 730 pt long) runs down the sheet
    // 64 pt (267 dots) from its left edge, at true scale.
    let first = &pages[0];
    let longest_run = (262..272)
        .map(|x| {
            let (mut best, mut run) = (0u32, 0u32);
            for y in 0..first.height {
                run = if first.pixels[(y * first.width + x) as usize] < 128 { run + 1 } else { 0 };
                best = best.max(run);
            }
            best
        })
        .max()
        .unwrap_or(0);
    assert!(longest_run.abs_diff(3042) <= 12, "the turned header rule is {longest_run} dots long, not 730 pt");
    h.wait(|_| h.reports().len() == 1);
}

/// The technicians' `print-test` command on the same printer: JSON lines of progress and
/// outcome; a printer that is not there is a clear error, not a panic.
#[test]
fn print_test_command_prints_json_lines() {
    let printer = IppEve::start("success", 2);
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = dir.path().join("two-pages.pdf");
    std::fs::write(&pdf, support::pdf::a4_pdf(2)).expect("write PDF");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_adm-kiosk"))
        .args(["print-test", "--printer", &printer.uri()])
        .arg(&pdf)
        .output()
        .expect("run print-test");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines[0]["event"], "status");
    assert_eq!(lines[0]["state"], "idle");
    let last = lines.last().expect("an outcome line");
    assert_eq!(
        (last["event"].as_str(), last["ok"].as_bool(), last["pages"].as_u64()),
        (Some("outcome"), Some(true), Some(2))
    );
    assert_eq!(printer.jobs(), vec!["range=all pages=2"]);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_adm-kiosk"))
        .args(["print-test", "--printer", "usb://ffff:fffe"])
        .output()
        .expect("run print-test");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no USB printer usb://ffff:fffe"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// `adm-kiosk printers` runs the real rusb enumeration: this CI has no USB bus, so it
/// finds nothing and says so.
#[test]
fn printers_command_enumerates_usb() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_adm-kiosk")).arg("printers").output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let last: serde_json::Value = serde_json::from_str(text.lines().last().expect("a line")).expect("JSON");
    assert_eq!(last["event"], "done");
    let found = last["usb_printers"].as_u64().expect("a count");
    assert_eq!(text.lines().count() as u64, found + 1);
}
