//! Demo mode (the `demo` cargo feature): the whole kiosk on embedded defaults, with the
//! reference central server in-process and the simulated printers and camera. With a
//! display it opens the kiosk window; `--headless` plays a scripted citizen journey and
//! writes a PNG of every screen plus the printed outputs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::app::{AppError, Backend, Kiosk, SetupError, SimHandles, build_devices};
use crate::config::Config;
use crate::headless::{self, HeadlessError, shows, snapshot, tap, type_digits, wait_for};
use crate::runtime::clock::{ManualClock, SystemClock};
use crate::session::{Event, State};
use slint::ComponentHandle as _;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Headless(#[from] HeadlessError),
    #[error("demo script: {0}")]
    Script(String),
}

/// Demo citizen of the reference server (see central/README.md): Budi Santoso.
pub const DEMO_NIK: &str = "3201011505800001";
pub const DEMO_PIN: &str = "123456";
/// Budi's wife, who mistypes her PIN in the demo.
const SECOND_NIK: &str = "3201016208830002";
/// The technician of the headless demo (8-12 digits, as every technician PIN). The VM lab
/// suite provisions its kiosk with the same PIN to replay the demo's console touches.
pub const DEMO_TECHNICIAN_PIN: &str = "24681357";

/// Opens the demo kiosk window and runs until it is closed.
pub fn run_window(config: Config) -> Result<(), DemoError> {
    if config.server.url.is_demo() {
        tracing::info!(nik = DEMO_NIK, pin = DEMO_PIN, "demo kiosk running (see central/README.md for more citizens)");
    }
    Ok(crate::app::run(config, None)?)
}

/// What the headless demo wrote.
#[derive(Debug)]
pub struct DemoReport {
    pub screens: Vec<PathBuf>,
    /// The same screens at the other panel sizes, `screens/<W>x<H>/` (issue #18).
    pub sized_screens: Vec<PathBuf>,
    /// What [`headless::layout_problems`] found on any screen at any size.
    pub layout_problems: Vec<String>,
    pub printed: Vec<PathBuf>,
    /// Every citizen screen again in each display mode (issue #18), 1080×1920, in
    /// `screens/<mode>/` ([`DISPLAY_MODES`]).
    pub mode_screens: Vec<PathBuf>,
    /// Measured on every citizen screen at 1080×1920, default mode and each display mode:
    /// a text under its mode's contrast minimum, a touch target under 9 mm, in low reach a
    /// control above the reach band.
    pub accessibility_problems: Vec<String>,
    /// The lowest text contrast measured in each mode (`default` and [`DISPLAY_MODES`]),
    /// and where.
    pub lowest_contrast: Vec<(String, f64, String)>,
    /// The journey by keys only with voice guidance: what was said, `speech/NN-<screen>.wav`.
    pub speech: voice::Speech,
}

/// The display modes every citizen screen is also shown in, by the folder they go to. Each
/// alone: what a citizen who needs one switches on.
pub const DISPLAY_MODES: [(&str, crate::session::Display); 3] = [
    ("high-contrast", crate::session::Display { high_contrast: true, large_text: false, low_reach: false }),
    ("large-text", crate::session::Display { high_contrast: false, large_text: true, low_reach: false }),
    ("low-reach", crate::session::Display { high_contrast: false, large_text: false, low_reach: true }),
];

/// The least text contrast of a mode: 7:1 in high contrast (WCAG 1.4.6, AAA), 4.5:1 in the
/// others, whose palette is the default one (WCAG 1.4.3, AA).
pub fn least_contrast(display: crate::session::Display) -> f64 {
    if display.high_contrast { 7.0 } else { 4.5 }
}

mod check;
mod services;
mod status;
pub mod voice;
pub use check::{AKTIF_KK_CODE, FORGED_CODE, GARBAGE_QR, REPLACED_KK_CODE};
pub use services::KK_BARU_GUIDE;

const WAIT: Duration = Duration::from_secs(20);

/// Plays the scripted journeys headless and writes `screens/*.png`, `printed/*` and
/// `touches.json`: every tap of the script (step, screen, label, centre in physical
/// pixels), so the VM tests touch the real kiosk where the demo did.
pub fn run_headless(config: Config, out: &Path) -> Result<DemoReport, DemoError> {
    run_headless_with(config, out, Coverage::Full)
}

/// Which pictures the headless demo makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Every screen at every panel size and in every display mode, each measured.
    Full,
    /// Every screen once, 1080×1920, default display: the VM suites' reference screens
    /// need no more, and the rest is most of the demo's time on a CI run.
    DefaultScreens,
}

/// `run_headless`, with only the pictures `coverage` asks for.
pub fn run_headless_with(config: Config, out: &Path, coverage: Coverage) -> Result<DemoReport, DemoError> {
    let screens_dir = out.join("screens");
    let printed_dir = out.join("printed");
    for d in [&screens_dir, &printed_dir] {
        std::fs::create_dir_all(d).map_err(|e| DemoError::Script(format!("{}: {e}", d.display())))?;
    }
    headless::init()?;
    let mut config = config;
    config.sim_output = Some(printed_dir.clone());
    // A technician, so the script can open the maintenance console and record where its
    // keypad and tabs are (the VM lab suite touches them on the real kiosk).
    let pin_hash = crate::maintenance::auth::hash_pin(DEMO_TECHNICIAN_PIN)
        .map_err(|e| DemoError::Script(format!("technician PIN: {e}")))?;
    config.technicians =
        vec![crate::config::Technician { id: "demo-tech".into(), name: "Teknisi Demo".into(), pin_hash }];
    let backend = Backend::connect(&config)?;
    let (devices, sim) = build_devices(&config, &backend, Duration::from_millis(30))?;
    let clock = ManualClock::default();
    let kiosk = Kiosk::new(&config, None, &backend, Box::new(clock.clone()), devices)?;
    headless::show(&kiosk.app)?;
    let mut shots = Shots {
        dir: screens_dir,
        taken: vec![],
        sized: vec![],
        problems: vec![],
        mode_screens: vec![],
        accessibility: vec![],
        lowest: vec![],
        saving: vec![],
        coverage,
    };
    headless::record_touches();
    script(&kiosk, &clock, &sim, &mut shots)?;
    check::script(&kiosk, &clock, &sim, &backend, &mut shots)?;
    status::script(&kiosk, &clock, &mut shots)?;
    services::script(&kiosk, &clock, &backend, &mut shots)?;
    technician_pages(&kiosk, &mut shots)?;
    let speech = voice::script(&kiosk, &clock, &out.join("speech"))?;
    for saving in shots.saving.drain(..) {
        saving.join().map_err(|_| DemoError::Script("writing a display mode's picture panicked".into()))??;
    }
    let touches = serde_json::to_string_pretty(&headless::recorded_touches())
        .map_err(|e| DemoError::Script(format!("touches: {e}")))?;
    let touches_path = out.join("touches.json");
    std::fs::write(&touches_path, touches)
        .map_err(|e| DemoError::Script(format!("{}: {e}", touches_path.display())))?;
    let mut printed: Vec<PathBuf> = std::fs::read_dir(&printed_dir)
        .map_err(|e| DemoError::Script(e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    printed.sort();
    Ok(DemoReport {
        screens: shots.taken,
        sized_screens: shots.sized,
        layout_problems: shots.problems,
        printed,
        mode_screens: shots.mode_screens,
        accessibility_problems: shots.accessibility,
        lowest_contrast: shots.lowest,
        speech,
    })
}

/// Every page of the technician console not shown yet, signed in through the console's
/// intents rather than taps (the VM suites replay the recorded taps; these add none).
fn technician_pages(kiosk: &Kiosk, shots: &mut Shots) -> Result<(), DemoError> {
    use crate::ui::{Maintenance, MaintenancePage};
    let app = &kiosk.app;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;
    app.global::<crate::ui::Kiosk>().invoke_maintenance_gesture();
    wait_for(kiosk, WAIT, |s| matches!(s, State::Maintenance))?;
    let console = app.global::<Maintenance>();
    for d in DEMO_TECHNICIAN_PIN.chars().filter_map(|c| c.to_digit(10)) {
        console.invoke_digit(d as i32);
    }
    console.invoke_submit();
    wait_for(kiosk, WAIT, |_| {
        let rt = kiosk.runtime.borrow();
        rt.maintenance.console.technician().is_some() && !rt.maintenance.checks.is_empty()
    })?;
    for (page, name) in [
        (MaintenancePage::A4, "maintenance-a4"),
        (MaintenancePage::Camera, "maintenance-camera"),
        (MaintenancePage::Network, "maintenance-network"),
        (MaintenancePage::Events, "maintenance-events"),
        (MaintenancePage::Settings, "maintenance-settings"),
        (MaintenancePage::Power, "maintenance-power"),
    ] {
        console.invoke_open(page);
        shots.take(kiosk, name)?;
        if page == MaintenancePage::Settings {
            // A text field touched: the on-screen keyboard under the fields.
            let url = i_slint_backend_testing::ElementHandle::find_by_accessible_label(app, "URL server")
                .find(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::TextInput))
                .ok_or_else(|| DemoError::Script("no server URL field on the settings page".into()))?;
            url.mock_single_click(slint::platform::PointerEventButton::Left);
            shots.take(kiosk, "maintenance-settings-keyboard")?;
        }
    }
    console.invoke_exit();
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;
    Ok(())
}

struct Shots {
    dir: PathBuf,
    taken: Vec<PathBuf>,
    sized: Vec<PathBuf>,
    problems: Vec<String>,
    mode_screens: Vec<PathBuf>,
    accessibility: Vec<String>,
    /// Lowest contrast per mode so far: mode, ratio, where.
    lowest: Vec<(String, f64, String)>,
    /// The display modes' pictures being written.
    saving: Vec<std::thread::JoinHandle<Result<(), DemoError>>>,
    coverage: Coverage,
}

impl Shots {
    fn take(&mut self, kiosk: &Kiosk, name: &str) -> Result<(), DemoError> {
        kiosk.pump();
        let file = format!("{:02}-{name}.png", self.taken.len() + 1);
        let path = self.dir.join(&file);
        let img = headless::render(&kiosk.app)?;
        img.save(&path).map_err(|e| DemoError::Script(format!("{}: {e}", path.display())))?;
        if self.coverage == Coverage::DefaultScreens {
            self.taken.push(path);
            headless::set_step(name);
            return Ok(());
        }
        self.check(kiosk, &format!("{}x{} {file}", headless::SCREEN.0, headless::SCREEN.1));
        // The technician's pages are shown in the default display only (the console opens
        // in it: session::Display).
        let citizen = !name.starts_with("maintenance");
        if citizen {
            self.measure(kiosk, &img, "default", crate::session::Display::default(), &file);
            for (mode, display) in DISPLAY_MODES {
                headless::set_display(&kiosk.app, display);
                let dir = self.dir.join(mode);
                std::fs::create_dir_all(&dir).map_err(|e| DemoError::Script(format!("{}: {e}", dir.display())))?;
                let shot = dir.join(&file);
                let img = headless::render(&kiosk.app)?;
                self.check(kiosk, &format!("{mode} {file}"));
                self.measure(kiosk, &img, mode, display, &file);
                // Encoded beside the script, which goes on meanwhile.
                let to = shot.clone();
                self.saving.push(std::thread::spawn(move || save_fast(&img, &to)));
                self.mode_screens.push(shot);
                // The other panels in this mode: laid out right too (the check reads the
                // element tree only, no picture).
                for size in headless::OTHER_SCREENS {
                    headless::resize(&kiosk.app, size);
                    self.check(kiosk, &format!("{mode} {}x{} {file}", size.0, size.1));
                }
                headless::resize(&kiosk.app, headless::SCREEN);
            }
            headless::set_display(&kiosk.app, kiosk.runtime.borrow().machine().display());
        }

        // The reference set stays in `screens/`; `screens/1080x1920/` holds the same files
        // so every size has its folder.
        let reference = self.sized_dir(headless::SCREEN)?.join(&file);
        std::fs::copy(&path, &reference).map_err(|e| DemoError::Script(format!("{}: {e}", reference.display())))?;
        self.sized.push(reference);
        for size in headless::OTHER_SCREENS {
            headless::resize(&kiosk.app, size);
            let sized = self.sized_dir(size)?.join(&file);
            snapshot(&kiosk.app, &sized)?;
            self.check(kiosk, &format!("{}x{} {file}", size.0, size.1));
            self.sized.push(sized);
        }
        headless::resize(&kiosk.app, headless::SCREEN);
        self.taken.push(path);
        headless::set_step(name);
        Ok(())
    }
}

impl Shots {
    fn sized_dir(&self, (w, h): (u32, u32)) -> Result<PathBuf, DemoError> {
        let dir = self.dir.join(format!("{w}x{h}"));
        std::fs::create_dir_all(&dir).map_err(|e| DemoError::Script(format!("{}: {e}", dir.display())))?;
        Ok(dir)
    }

    /// Text contrast from the pixels (the default palette and the high-contrast one; large
    /// text and low reach use the default colours), touch target sizes, and in low reach the
    /// band.
    fn measure(
        &mut self,
        kiosk: &Kiosk,
        img: &image::RgbaImage,
        mode: &str,
        display: crate::session::Display,
        file: &str,
    ) {
        let least = least_contrast(display);
        let palette = display == crate::session::Display::default() || display.high_contrast;
        let contrasts = if palette { headless::text_contrasts(&kiosk.app, img) } else { vec![] };
        for c in contrasts {
            if c.ratio < least {
                self.accessibility.push(format!(
                    "{mode} {file}: contrast {:.2} < {least} ({:?} on {:?}): {}",
                    c.ratio, c.text, c.background, c.what
                ));
            }
            match self.lowest.iter_mut().find(|(m, ..)| m == mode) {
                Some(entry) if entry.1 <= c.ratio => {}
                Some(entry) => *entry = (mode.to_owned(), c.ratio, format!("{file}: {}", c.what)),
                None => self.lowest.push((mode.to_owned(), c.ratio, format!("{file}: {}", c.what))),
            }
        }
        let mut found = headless::small_targets(&kiosk.app);
        if display.low_reach {
            found.extend(headless::out_of_reach(&kiosk.app));
        }
        self.accessibility.extend(found.into_iter().map(|p| format!("{mode} {file}: {p}")));
    }

    fn check(&mut self, kiosk: &Kiosk, what: &str) {
        self.problems.extend(headless::layout_problems(&kiosk.app).into_iter().map(|p| format!("{what}: {p}")));
    }
}

/// A PNG written with fast compression: the display modes add three pictures of every
/// citizen screen, and the default ones (which the VM tests compare with) stay as they are.
fn save_fast(img: &image::RgbaImage, path: &Path) -> Result<(), DemoError> {
    use image::ImageEncoder as _;
    let fail = |e: &dyn std::fmt::Display| DemoError::Script(format!("{}: {e}", path.display()));
    let file = std::fs::File::create(path).map_err(|e| fail(&e))?;
    image::codecs::png::PngEncoder::new_with_quality(
        std::io::BufWriter::new(file),
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Sub,
    )
    .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgba8)
    .map_err(|e| fail(&e))
}

fn expect(cond: bool, what: &str) -> Result<(), DemoError> {
    if cond { Ok(()) } else { Err(DemoError::Script(what.into())) }
}

fn script(kiosk: &Kiosk, clock: &ManualClock, sim: &SimHandles, shots: &mut Shots) -> Result<(), DemoError> {
    let app = &kiosk.app;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;
    shots.take(kiosk, "attract")?;

    // 1. A citizen signs in with NIK + PIN, mistypes the NIK and the PIN once.
    tap(app, "Sentuh di sini untuk mulai")?;
    shots.take(kiosk, "choose-method")?;
    tap(app, "Ketik NIK dan PIN saya")?;
    type_digits(app, "3201013505800001")?;
    tap(app, "Lanjut")?;
    expect(shows(app, "Angka ke-7 dan ke-8 (tanggal lahir) tidak sah. Periksa kembali NIK Anda."), "NIK day error")?;
    shots.take(kiosk, "nik-invalid")?;
    for _ in 0..16 {
        tap(app, "Hapus")?;
    }
    type_digits(app, DEMO_NIK)?;
    shots.take(kiosk, "nik-typed")?;
    tap(app, "Lanjut")?;
    type_digits(app, "111111")?;
    tap(app, "Masuk")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::EnterPin { problem: Some(_), .. }))?;
    shots.take(kiosk, "pin-wrong")?;
    type_digits(app, DEMO_PIN)?;
    shots.take(kiosk, "pin-typed")?;
    tap(app, "Masuk")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Documents { .. }))?;
    shots.take(kiosk, "documents")?;
    tap(app, "Lanjut dengan 3 dokumen")?;
    shots.take(kiosk, "confirm")?;
    tap(app, "Cetak sekarang")?;
    wait_for(
        kiosk,
        WAIT,
        |s| matches!(s, State::Printing { jobs, .. } if jobs.iter().any(|j| matches!(j.status, crate::session::JobStatus::Done { .. }))),
    )?;
    shots.take(kiosk, "printing")?;
    wait_for(
        kiosk,
        WAIT,
        |s| matches!(s, State::Collect { receipt, .. } if *receipt != crate::session::ReceiptOutcome::Pending),
    )?;
    shots.take(kiosk, "collect")?;
    tap(app, "Selesai")?;
    shots.take(kiosk, "goodbye")?;
    clock.advance(10_000);
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;

    // 2. The next citizen holds up the notice QR, in English.
    tap(app, "English")?;
    shots.take(kiosk, "attract-english")?;
    tap(app, "Touch here to start")?;
    tap(app, "Scan the QR code from my notice")?;
    wait_for(kiosk, WAIT, |_| kiosk.runtime.borrow().preview().lock().map(|p| p.is_some()).unwrap_or(false))?;
    shots.take(kiosk, "scan-qr")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::EnterNoticePin { .. }))?;
    shots.take(kiosk, "notice-pin")?;
    type_digits(app, adm_central::demo::DEMO_NOTICE_PIN)?;
    tap(app, "Sign in")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Documents { .. }))?;
    shots.take(kiosk, "documents-english")?;

    // 3. ...walks away: the timeout warning, then the session is wiped.
    clock.advance(kiosk.runtime.borrow().machine().timing().idle_ms - 25_000);
    kiosk.pump();
    expect(headless::can_tap(app, "I need more time"), "timeout warning")?;
    shots.take(kiosk, "timeout-warning")?;
    clock.advance(25_000);
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;

    // 4. Paper runs out in the middle of a job.
    if let Some(a4) = &sim.a4 {
        a4.inject(adm_a4::sim::SimFault::PaperOutAfter(1));
    }
    kiosk.send(Event::Start);
    tap(app, "Ketik NIK dan PIN saya")?;
    type_digits(app, DEMO_NIK)?;
    tap(app, "Lanjut")?;
    type_digits(app, DEMO_PIN)?;
    tap(app, "Masuk")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Documents { .. }))?;
    tap(app, "Lanjut dengan 2 dokumen")?;
    // The used-up Biodata is not listed (and leaves no gap in the layout).
    shots.take(kiosk, "confirm-two")?;
    tap(app, "Cetak sekarang")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::PrintStopped { .. }))?;
    shots.take(kiosk, "paper-out")?;
    // An officer reloads paper; the kiosk sees the printer ready again and the citizen
    // prints the rest: only the pages that did not come out.
    if let Some(a4) = &sim.a4 {
        a4.clear();
    }
    clock.advance(10_000);
    wait_for(kiosk, WAIT, |_| kiosk.runtime.borrow().machine().availability() == crate::session::Availability::Ready)?;
    shots.take(kiosk, "paper-reloaded")?;
    tap(app, "Coba lagi")?;
    wait_for(
        kiosk,
        WAIT,
        |s| matches!(s, State::Collect { receipt, .. } if *receipt != crate::session::ReceiptOutcome::Pending),
    )?;
    shots.take(kiosk, "collect-after-retry")?;
    tap(app, "Selesai")?;
    clock.advance(10_000);
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;
    // Out of paper between citizens: the welcome screen says so and no session starts.
    if let Some(a4) = &sim.a4 {
        a4.inject(adm_a4::sim::SimFault::PaperOut);
    }
    clock.advance(10_000);
    kiosk.pump();
    wait_for(kiosk, WAIT, |_| kiosk.runtime.borrow().machine().availability() != crate::session::Availability::Ready)?;
    shots.take(kiosk, "printer-unavailable")?;
    if let Some(a4) = &sim.a4 {
        a4.clear();
    }
    clock.advance(10_000);
    wait_for(kiosk, WAIT, |_| kiosk.runtime.borrow().machine().availability() == crate::session::Availability::Ready)?;

    // 5. Someone guesses a PIN three times: locked.
    tap(app, "Sentuh di sini untuk mulai")?;
    tap(app, "Ketik NIK dan PIN saya")?;
    type_digits(app, SECOND_NIK)?;
    tap(app, "Lanjut")?;
    for _ in 0..3 {
        type_digits(app, "000000")?;
        tap(app, "Masuk")?;
        wait_for(kiosk, WAIT, |s| matches!(s, State::EnterPin { problem: Some(_), .. } | State::Failure { .. }))?;
    }
    shots.take(kiosk, "pin-locked")?;
    tap(app, "Kembali ke awal")?;

    // 6. A notice whose QR will not scan: the code printed under it is typed instead.
    tap(app, "Sentuh di sini untuk mulai")?;
    tap(app, "Pindai kode QR dari notifikasi saya")?;
    tap(app, "Ketik kode saja")?;
    for c in adm_central::demo::DEMO_NOTICE_CODE.chars().take(10) {
        tap(app, &c.to_string())?;
    }
    shots.take(kiosk, "notice-code")?;
    tap(app, "Batal")?;
    clock.advance(10_000);
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;

    // 7. A technician holds the title (the hidden gesture: the demo calls it, the VM lab
    //    suite holds a finger there), signs in and opens the receipt printer's page.
    app.global::<crate::ui::Kiosk>().invoke_maintenance_gesture();
    wait_for(kiosk, WAIT, |s| matches!(s, State::Maintenance))?;
    shots.take(kiosk, "maintenance-login")?;
    type_digits(app, DEMO_TECHNICIAN_PIN)?;
    tap(app, "Masuk")?;
    wait_for(kiosk, WAIT, |_| {
        let rt = kiosk.runtime.borrow();
        rt.maintenance.console.technician().is_some() && !rt.maintenance.checks.is_empty()
    })?;
    shots.take(kiosk, "maintenance-overview")?;
    tap(app, "Printer struk")?;
    shots.take(kiosk, "maintenance-receipt")?;
    tap(app, "Cetak halaman uji")?;
    wait_for(kiosk, WAIT, |_| {
        kiosk.runtime.borrow().maintenance.feedback == crate::maintenance::console::Feedback::ReceiptTestOk
    })?;
    tap(app, "Tutup menu petugas")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;
    Ok(())
}

/// Runs the kiosk headless on the real clock for `seconds`, serving metrics on `metrics`
/// (for the fleet end-to-end test: the Prometheus agent scrapes this process; a simulated
/// A4 fault can be flipped through the file named by `ADM_SIM_A4_FAULT_FILE`).
pub fn run_hold(mut config: Config, metrics: String, seconds: u64) -> Result<(), DemoError> {
    headless::init()?;
    config.metrics_listen = Some(metrics);
    let backend = Backend::connect(&config)?;
    let (devices, _sim) = build_devices(&config, &backend, Duration::from_millis(200))?;
    let kiosk = Kiosk::new(&config, None, &backend, Box::new(SystemClock::new()), devices)?;
    let end = std::time::Instant::now() + Duration::from_secs(seconds);
    while std::time::Instant::now() < end {
        kiosk.pump();
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
