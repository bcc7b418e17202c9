//! From the citizen's "Cetak sekarang" to the first byte on the A4 printer's USB pipe,
//! through the whole kiosk: the UI tap, the session machine, download over mutual TLS
//! from the reference central server (in-process, loopback), TTE signature and
//! ownership checks, rendering with hayro when the printer takes no PDF, encoding.
//! Also bytes sent per page, for the PDF-direct and the raster paths.
//!
//! The printer is the A4 driver's fake USB transport: it takes data as fast as it is
//! offered, so the numbers are the kiosk's own cost, not a printer's speed.
//! Run: `cargo bench --bench print_path` (the driver alone: `cargo bench -p adm-a4`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use adm_a4::A4Printer;
use adm_a4::raw::{RawBackend, RawConfig};
use adm_a4::usb::fake::{FakeHandle, FakeTransport};
use adm_kiosk::app::{Backend, Kiosk, build_devices};
use adm_kiosk::config::Config;
use adm_kiosk::demo::{DEMO_NIK, DEMO_PIN};
use adm_kiosk::headless::{self, tap, wait_for};
use adm_kiosk::runtime::clock::ManualClock;
use adm_kiosk::session::{JobStatus, State};

const PRINTERS: [(&str, &str); 4] = [
    ("pdf-direct", "MFG:OKI DATA c332.js-CORP;CMD:PCL,POSTSCRIPT,PDF,PCLXL,URF;MDL:C332;CLS:PRINTER;"),
    ("pwg-raster", "MFG:EPSON;CMD:ESCPL2,ESCPR7,PWGRaster,URF;MDL:SC-P900 Series;CLS:PRINTER;"),
    ("urf", "MFG:Brother;CMD:PJL,PCL,PCLXL,URF;MDL:MFC-L2750DW series;CLS:PRINTER;"),
    ("pcl", "MFG:Hewlett-Packard;MDL:HP LaserJet 400 M401dn;CMD:PJL,PCL,POSTSCRIPT;"),
];
const RUNS: usize = 3;
const WAIT: Duration = Duration::from_secs(120);

struct Run {
    first_byte: Duration,
    all_printed: Duration,
    bytes: u64,
    pages: u32,
}

/// One citizen session on a fresh kiosk (a fresh reference server: entitlements used up
/// by one run do not change the next), printing everything Budi has.
fn run(device_id: &str) -> Result<Run, String> {
    let config = Config::default();
    let backend = Backend::connect(&config).map_err(|e| e.to_string())?;
    let (mut devices, _sim) = build_devices(&config, &backend, Duration::ZERO).map_err(|e| e.to_string())?;
    let (transport, handle): (FakeTransport, FakeHandle) = FakeTransport::new(device_id);
    let raw = RawConfig {
        rasterizer: Some(Arc::new(adm_kiosk::document::render::HayroRasterizer)),
        settle: Duration::ZERO,
        ..RawConfig::default()
    };
    let a4: Box<dyn A4Printer> = Box::new(RawBackend::new(Box::new(transport), raw));
    devices.a4 = adm_kiosk::devices::shared(a4);
    let kiosk =
        Kiosk::new(&config, None, &backend, Box::new(ManualClock::default()), devices).map_err(|e| e.to_string())?;
    headless::show(&kiosk.app).map_err(|e| e.to_string())?;
    let app = &kiosk.app;
    let step = |r: Result<(), headless::HeadlessError>| r.map_err(|e| e.to_string());
    step(wait_for(&kiosk, WAIT, |s| matches!(s, State::Attract)))?;
    step(headless::sign_in_with_nik(app, DEMO_NIK, DEMO_PIN))?;
    step(wait_for(&kiosk, WAIT, |s| matches!(s, State::Documents { .. })))?;
    step(tap(app, "Lanjut dengan 3 dokumen"))?;
    let pages = match kiosk.runtime.borrow().machine().state() {
        State::Confirm { docs, .. } => docs.iter().map(|d| d.pages).sum(),
        _ => 0,
    };
    let cetak = Instant::now();
    step(tap(app, "Cetak sekarang"))?;
    step(wait_for(&kiosk, WAIT, |s| matches!(s, State::PrintStopped { .. } | State::Collect { .. })))?;
    let all_printed = cetak.elapsed();
    if let State::Collect { jobs, .. } = kiosk.runtime.borrow().machine().state()
        && !jobs.iter().all(|j| matches!(j.status, JobStatus::Done { .. }))
    {
        return Err(format!("not everything printed: {jobs:?}"));
    }
    let state = handle.lock();
    let first = state.first_write_at.ok_or("nothing reached the printer")?;
    Ok(Run { first_byte: first.duration_since(cetak), all_printed, bytes: state.bytes, pages })
}

fn main() {
    if let Err(e) = headless::init() {
        eprintln!("headless platform: {e}");
        std::process::exit(1);
    }
    println!("Budi's 3 documents (signed PDFs from the reference server), raster at 300 dpi, fake USB printer;");
    println!("median of {RUNS} sessions. ttfb = \"Cetak sekarang\" → first byte on the USB pipe.");
    println!(
        "{:<11} {:>10} {:>12} {:>6} {:>12} {:>12}",
        "path", "ttfb_ms", "all_done_ms", "pages", "bytes", "bytes/page"
    );
    for (name, device_id) in PRINTERS {
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            match run(device_id) {
                Ok(r) => runs.push(r),
                Err(e) => {
                    eprintln!("{name}: {e}");
                    std::process::exit(1);
                }
            }
        }
        runs.sort_by_key(|r| r.first_byte);
        let r = &runs[RUNS / 2];
        println!(
            "{:<11} {:>10.1} {:>12.1} {:>6} {:>12} {:>12}",
            name,
            r.first_byte.as_secs_f64() * 1e3,
            r.all_printed.as_secs_f64() * 1e3,
            r.pages,
            r.bytes,
            r.bytes / u64::from(r.pages.max(1)),
        );
    }
}
