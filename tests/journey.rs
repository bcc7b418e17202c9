//! End-to-end citizen journeys, driven headless through the real UI by accessible
//! labels (as a screen reader or a finger would), with simulated printers and camera.
//! Labels are in Bahasa Indonesia: the kiosk's primary language.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use adm_kiosk::app::{Backend, Kiosk, SimHandles, build_devices};
use adm_kiosk::config::Config;
use adm_kiosk::demo::{DEMO_NIK, DEMO_PIN};
use adm_kiosk::headless::{self, can_tap, shows, tap, type_digits, wait_for};
use adm_kiosk::runtime::clock::ManualClock;
use adm_kiosk::session::{JobStatus, ReceiptOutcome, State};
use slint::ComponentHandle;

// The document check and the status pages by keys only (a test module, not a test binary
// of its own: each binary links the whole UI again, a cost paid on every CI run).
#[path = "journey/keys.rs"]
mod keys;

const WAIT: Duration = Duration::from_secs(20);

/// The kiosk with simulated printers and camera, talking over real mutual TLS to the
/// reference central server on loopback.
struct Harness {
    kiosk: Kiosk,
    clock: ManualClock,
    backend: Backend,
    sim: SimHandles,
}

fn kiosk() -> Harness {
    kiosk_with(|_| {})
}

/// A camera that never sees a QR code: an empty grey scene.
fn blank_camera(devices: &mut adm_kiosk::devices::Devices) {
    let empty = adm_camera::GreyFrame { width: 640, height: 480, data: vec![150; 640 * 480] };
    let source = adm_camera::replay::ReplaySource::new(vec![empty], Duration::from_millis(100));
    devices.camera = adm_kiosk::devices::shared(Box::new(source));
}

fn kiosk_with(adjust: impl FnOnce(&mut adm_kiosk::devices::Devices)) -> Harness {
    kiosk_from(Config::default(), adjust)
}

fn kiosk_from(config: Config, adjust: impl FnOnce(&mut adm_kiosk::devices::Devices)) -> Harness {
    headless::init().expect("headless platform");
    let backend = Backend::connect(&config).expect("reference server");
    let (mut devices, sim) = build_devices(&config, &backend, Duration::ZERO).expect("devices");
    adjust(&mut devices);
    let clock = ManualClock::default();
    let kiosk = Kiosk::new(&config, None, &backend, Box::new(clock.clone()), devices).expect("kiosk");
    headless::show(&kiosk.app).expect("show");
    wait_for(&kiosk, WAIT, |s| matches!(s, State::Attract)).expect("attract");
    Harness { kiosk, clock, backend, sim }
}

impl Harness {
    fn server(&self) -> &adm_central::demo::DemoServer {
        self.backend.demo.as_ref().expect("reference server")
    }
    fn reports_at_server(&self) -> u64 {
        self.server().admin().print_report_count().expect("count")
    }
    fn app(&self) -> &adm_kiosk::ui::AppWindow {
        &self.kiosk.app
    }
    fn wait(&self, done: impl Fn(&State) -> bool) {
        wait_for(&self.kiosk, WAIT, done).expect("kiosk reached the expected state");
    }
    fn sign_in_with_nik(&self, nik: &str, pin: &str) {
        headless::sign_in_with_nik(self.app(), nik, pin).expect("sign in");
    }
    /// Nothing of the last citizen is left in the UI or the session.
    fn assert_wiped(&self) {
        let k = self.app().global::<adm_kiosk::ui::Kiosk>();
        assert!(matches!(self.kiosk.runtime.borrow().machine().state(), State::Attract | State::Goodbye));
        assert_eq!(k.get_citizen_name(), "");
        assert_eq!(k.get_nik_display(), "");
        assert_eq!(k.get_pin_count(), 0);
        assert_eq!(slint::Model::row_count(&k.get_documents()), 0);
        assert_eq!(slint::Model::row_count(&k.get_jobs()), 0);
        assert!(!shows(self.app(), "Halo, BUDI SANTOSO"));
    }
}

#[test]
fn nik_and_pin_to_printed_documents_and_receipt_then_wiped() {
    let h = kiosk();
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Documents { .. }));
    assert!(shows(h.app(), "Halo, BUDI SANTOSO"));
    // Everything printable starts selected; a touch unselects and selects again.
    assert!(can_tap(h.app(), "Lanjut dengan 3 dokumen"));
    tap(h.app(), "Akta Kelahiran").expect("tile");
    assert!(can_tap(h.app(), "Lanjut dengan 2 dokumen"));
    tap(h.app(), "Akta Kelahiran").expect("tile");
    tap(h.app(), "Lanjut dengan 3 dokumen").expect("proceed");
    let pages: u32 = match h.kiosk.runtime.borrow().machine().state() {
        State::Confirm { docs, .. } => docs.iter().map(|d| d.pages).sum(),
        other => panic!("{other:?}"),
    };
    assert!(shows(h.app(), &format!("Jumlah: {pages} halaman")));
    tap(h.app(), "Cetak sekarang").expect("print");
    h.wait(|s| matches!(s, State::Collect { receipt, .. } if *receipt != ReceiptOutcome::Pending));
    {
        let rt = h.kiosk.runtime.borrow();
        let State::Collect { jobs, receipt } = rt.machine().state() else { panic!() };
        assert!(jobs.iter().all(|j| matches!(j.status, JobStatus::Done { .. })), "{jobs:?}");
        assert_eq!(*receipt, ReceiptOutcome::Printed);
    }
    assert!(shows(h.app(), "Struk Anda sudah dicetak."));
    assert_eq!(h.sim.a4.as_ref().expect("sim").pages_printed(), pages);
    assert_eq!(h.sim.receipt.as_ref().expect("sim").printed(), 1);
    h.wait(|_| h.reports_at_server() == 3);
    tap(h.app(), "Selesai").expect("done");
    assert!(shows(h.app(), "Sesi Anda telah berakhir dan data Anda sudah dihapus dari anjungan ini."));
    h.assert_wiped();
    h.clock.advance(10_000);
    h.wait(|s| matches!(s, State::Attract));
    h.assert_wiped();

    // The server counted the prints: the biodata (1 print allowed) is now used up.
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Documents { .. }));
    assert!(shows(h.app(), "Kuota cetak dokumen ini sudah habis"));
    assert!(can_tap(h.app(), "Lanjut dengan 2 dokumen"));
    tap(h.app(), "Biodata Penduduk").expect("tile");
    assert!(can_tap(h.app(), "Lanjut dengan 2 dokumen"), "a used-up document cannot be selected");
}

#[test]
fn wrong_pin_shows_the_message_and_attempts_left() {
    let h = kiosk();
    h.sign_in_with_nik(DEMO_NIK, "999999");
    h.wait(|s| matches!(s, State::EnterPin { problem: Some(_), .. }));
    assert!(shows(h.app(), "NIK atau PIN salah. Sisa percobaan sebelum dikunci sementara: 2"));
    type_digits(h.app(), "999999").expect("PIN");
    tap(h.app(), "Masuk").expect("sign in");
    h.wait(|s| matches!(s, State::EnterPin { problem: Some(_), .. }));
    assert!(shows(h.app(), "NIK atau PIN salah. Sisa percobaan sebelum dikunci sementara: 1"));
    type_digits(h.app(), "999999").expect("PIN");
    tap(h.app(), "Masuk").expect("sign in");
    h.wait(|s| matches!(s, State::Failure { .. }));
    // A cool-down, not a permanent lock: the citizen is told when to come back.
    assert!(shows(h.app(), "Masuk dikunci sementara"));
    assert!(shows(
        h.app(),
        "NIK atau PIN salah dimasukkan terlalu sering. Demi keamanan, silakan coba lagi dalam 15 menit, atau minta petugas Dukcapil membukanya sekarang."
    ));
    tap(h.app(), "Kembali ke awal").expect("back");
    h.assert_wiped();
    // Locked also with the right PIN now.
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Failure { .. }));
    assert!(shows(h.app(), "Masuk dikunci sementara"));
    // English too.
    tap(h.app(), "English").expect("language");
    assert!(shows(
        h.app(),
        "The NIK or PIN was typed wrongly too many times. For your safety, please try again in 15 minutes, or ask a Dukcapil officer to unlock it now."
    ));
    tap(h.app(), "Back to start").expect("back");
    // The officer unlocks: the right PIN works at once.
    h.server().admin().unlock(DEMO_NIK).expect("unlock");
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Documents { .. }));
}

/// Issue #13, item 6: an unregistered NIK looks exactly like a wrong PIN to whoever
/// types it. (Before, a separate "no documents registered for this NIK" screen told
/// anyone which NIKs exist.)
#[test]
fn unregistered_nik_reads_as_nik_or_pin_wrong() {
    let h = kiosk();
    h.sign_in_with_nik("3201011505800099", "999999");
    h.wait(|s| matches!(s, State::EnterPin { problem: Some(_), .. }));
    assert!(shows(h.app(), "NIK atau PIN salah. Sisa percobaan sebelum dikunci sementara: 2"));
}

/// Issue #13, item 13: `pin_length` accepts what the API accepts (4-8 digits); a kiosk
/// set to 8 signs in a citizen whose PIN has 8 digits.
#[test]
fn eight_digit_pins_sign_in_on_a_kiosk_set_to_eight() {
    let config = Config { pin_length: 8, ..Config::default() };
    let h = kiosk_from(config, |_| {});
    h.server().admin().reset_pin(DEMO_NIK, "24681357").expect("8-digit PIN");
    h.sign_in_with_nik(DEMO_NIK, "24681357");
    h.wait(|s| matches!(s, State::Documents { .. }));
    assert!(shows(h.app(), "Halo, BUDI SANTOSO"));
}

#[test]
fn invalid_nik_shapes_are_refused_with_the_right_message() {
    let h = kiosk();
    tap(h.app(), "Sentuh di sini untuk mulai").expect("start");
    tap(h.app(), "Ketik NIK dan PIN saya").expect("choose NIK");
    assert!(!can_tap(h.app(), "Lanjut"), "Next stays disabled until 16 digits");
    for (nik, message) in [
        ("0001011505800001", "6 angka pertama (kode wilayah) tidak sah. Periksa kembali NIK Anda."),
        ("3201013505800001", "Angka ke-7 dan ke-8 (tanggal lahir) tidak sah. Periksa kembali NIK Anda."),
        ("3201011513800001", "Angka ke-9 dan ke-10 (bulan lahir) tidak sah. Periksa kembali NIK Anda."),
        ("3201011505800000", "4 angka terakhir tidak boleh 0000. Periksa kembali NIK Anda."),
    ] {
        type_digits(h.app(), nik).expect("digits");
        tap(h.app(), "Lanjut").expect("next");
        assert!(shows(h.app(), message), "{nik}");
        assert!(matches!(h.kiosk.runtime.borrow().machine().state(), State::EnterNik { .. }));
        for _ in 0..16 {
            tap(h.app(), "Hapus").expect("delete");
        }
    }
    // A woman's NIK (day + 40) is accepted.
    type_digits(h.app(), "3201015703850002").expect("digits");
    tap(h.app(), "Lanjut").expect("next");
    assert!(matches!(h.kiosk.runtime.borrow().machine().state(), State::EnterPin { .. }));
}

#[test]
fn idle_timeout_warns_can_be_extended_then_wipes() {
    let h = kiosk();
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Documents { .. }));
    let timing = h.kiosk.runtime.borrow().machine().timing();
    h.clock.advance(timing.idle_ms - timing.warning_ms);
    h.kiosk.pump();
    assert!(shows(h.app(), "Apakah Anda masih di sini?"));
    assert!(shows(h.app(), "Demi keamanan data Anda, sesi berakhir dalam 30 detik."));
    tap(h.app(), "Saya perlu waktu tambahan").expect("extend");
    h.kiosk.pump();
    assert!(!shows(h.app(), "Apakah Anda masih di sini?"));
    assert!(shows(h.app(), "Halo, BUDI SANTOSO"));
    h.clock.advance(timing.idle_ms - 1_000);
    h.kiosk.pump();
    assert!(shows(h.app(), "Apakah Anda masih di sini?"));
    h.clock.advance(1_000);
    h.wait(|s| matches!(s, State::Attract));
    h.assert_wiped();
    assert!(shows(h.app(), "Selamat datang"));
}

#[test]
fn language_switch_changes_the_texts_and_resets_for_the_next_citizen() {
    let h = kiosk();
    assert!(shows(h.app(), "Selamat datang"));
    tap(h.app(), "English").expect("english");
    assert!(shows(h.app(), "Welcome"));
    assert!(!shows(h.app(), "Selamat datang"));
    tap(h.app(), "Touch here to start").expect("start");
    assert!(shows(h.app(), "How do you want to sign in?"));
    tap(h.app(), "Bahasa Indonesia").expect("indonesian");
    assert!(shows(h.app(), "Bagaimana Anda ingin masuk?"));
    tap(h.app(), "English").expect("english");
    tap(h.app(), "Cancel").expect("cancel");
    h.kiosk.pump();
    assert!(shows(h.app(), "Selamat datang"), "the next citizen starts in Bahasa Indonesia");
}

#[test]
fn paper_out_mid_job_keeps_the_entitlement_and_says_what_to_do() {
    let h = kiosk();
    h.sim.a4.as_ref().expect("sim").inject(adm_a4::sim::SimFault::PaperOutAfter(1));
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Documents { .. }));
    tap(h.app(), "Lanjut dengan 3 dokumen").expect("proceed");
    tap(h.app(), "Cetak sekarang").expect("print");
    h.wait(|s| matches!(s, State::PrintStopped { .. }));
    assert!(shows(h.app(), "Pencetakan berhenti"));
    assert!(shows(h.app(), "Kertas habis, mohon hubungi petugas. Hak cetak Anda tetap ada."));
    assert!(shows(h.app(), "Printer belum siap."));
    assert!(!can_tap(h.app(), "Coba lagi"), "nothing is resent while the printer is out of paper");
    // The citizen does not wait for the officer: finish, keep the right to the rest.
    tap(h.app(), "Selesai tanpa sisanya").expect("finish");
    h.wait(|s| matches!(s, State::Collect { receipt, .. } if *receipt != ReceiptOutcome::Pending));
    assert!(shows(h.app(), "Kertas habis, mohon hubungi petugas. Hak cetak Anda tetap ada."));
    assert!(shows(h.app(), "Tidak dicetak; hak cetak Anda tetap ada."));
    // Only what really came out was reported: the stopped and skipped documents keep
    // their entitlement at the server.
    let done = match h.kiosk.runtime.borrow().machine().state() {
        State::Collect { jobs, .. } => jobs.iter().filter(|j| matches!(j.status, JobStatus::Done { .. })).count(),
        other => panic!("{other:?}"),
    };
    assert!(done < 3, "paper ran out");
    h.wait(|_| h.reports_at_server() == done as u64);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(h.reports_at_server(), done as u64);
}

#[test]
fn after_the_officer_reloads_paper_only_the_rest_is_printed() {
    let h = kiosk();
    let a4 = h.sim.a4.clone().expect("sim");
    a4.inject(adm_a4::sim::SimFault::PaperOutAfter(1));
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Documents { .. }));
    tap(h.app(), "Lanjut dengan 3 dokumen").expect("proceed");
    let pages: u32 = match h.kiosk.runtime.borrow().machine().state() {
        State::Confirm { docs, .. } => docs.iter().map(|d| d.pages).sum(),
        other => panic!("{other:?}"),
    };
    tap(h.app(), "Cetak sekarang").expect("print");
    h.wait(|s| matches!(s, State::PrintStopped { .. }));
    assert_eq!(a4.pages_printed(), 1);
    let complete = match h.kiosk.runtime.borrow().machine().state() {
        State::PrintStopped { jobs, .. } => jobs.iter().filter(|j| matches!(j.status, JobStatus::Done { .. })).count(),
        other => panic!("{other:?}"),
    };
    h.wait(|_| h.reports_at_server() == complete as u64);
    assert!(complete < 3, "only complete documents are reported");
    // The officer reloads paper; within one status read the kiosk offers to go on.
    a4.clear();
    h.clock.advance(5_000);
    h.wait(|_| can_tap(h.app(), "Coba lagi"));
    tap(h.app(), "Coba lagi").expect("retry");
    h.wait(|s| matches!(s, State::Collect { receipt, .. } if *receipt != ReceiptOutcome::Pending));
    {
        let rt = h.kiosk.runtime.borrow();
        let State::Collect { jobs, .. } = rt.machine().state() else { panic!() };
        assert!(jobs.iter().all(|j| matches!(j.status, JobStatus::Done { .. })), "{jobs:?}");
    }
    assert_eq!(a4.pages_printed(), pages, "every page once: the first page was not printed again");
    h.wait(|_| h.reports_at_server() == 3);
    assert!(shows(h.app(), "Struk Anda sudah dicetak."));
}

#[test]
fn a_tampered_document_is_refused_and_reported() {
    let h = kiosk();
    // The server now serves a copy with a broken signature (and lists its new checksum,
    // so only the signature check can catch it).
    let akta = h
        .server()
        .admin()
        .documents()
        .expect("documents")
        .into_iter()
        .find(|d| d.owner_nik == DEMO_NIK && d.kind == "akta-kelahiran")
        .expect("Budi's birth certificate");
    h.server().admin().tamper_document(&akta.id).expect("tamper");
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Documents { .. }));
    tap(h.app(), "Lanjut dengan 3 dokumen").expect("proceed");
    tap(h.app(), "Cetak sekarang").expect("print");
    h.wait(|s| matches!(s, State::Collect { receipt, .. } if *receipt != ReceiptOutcome::Pending));
    assert!(shows(
        h.app(),
        "Dokumen tidak dapat dicetak karena tanda tangan elektroniknya (TTE) tidak sah. Mohon hubungi Dukcapil."
    ));
    {
        let rt = h.kiosk.runtime.borrow();
        let State::Collect { jobs, .. } = rt.machine().state() else { panic!() };
        let refused: Vec<_> = jobs.iter().filter(|j| j.doc.id == akta.id).map(|j| j.status).collect();
        assert_eq!(refused, vec![JobStatus::Refused(adm_kiosk::session::Refusal::Signature)]);
        // The others still printed: one bad file does not cost the citizen the rest.
        assert_eq!(jobs.iter().filter(|j| matches!(j.status, JobStatus::Done { .. })).count(), 2);
    }
    // Not a page of it reached the printer, and the refusal reached the central server
    // through the outbox.
    assert_eq!(h.reports_at_server(), 2);
    h.clock.advance(31_000); // the outbox's next delivery round
    h.wait(|_| h.server().admin().audit_events_of_kind("document.refused.signature").unwrap_or(0) == 1);
}

#[test]
fn server_down_gives_a_clear_message() {
    let mut h = kiosk();
    drop(h.backend.demo.take());
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Failure { .. }));
    assert!(shows(
        h.app(),
        "Anjungan tidak dapat terhubung ke server Dukcapil saat ini. Silakan coba lagi beberapa menit lagi atau hubungi petugas."
    ));
}

#[test]
fn notice_qr_from_the_camera_signs_in() {
    let h = kiosk();
    tap(h.app(), "Sentuh di sini untuk mulai").expect("start");
    tap(h.app(), "Pindai kode QR dari notifikasi saya").expect("scan");
    h.wait(|s| matches!(s, State::EnterNoticePin { .. }));
    assert!(shows(h.app(), "Kode QR diterima. Ketik PIN dari notifikasi yang sama"));
    type_digits(h.app(), adm_central::demo::DEMO_NOTICE_PIN).expect("PIN");
    tap(h.app(), "Masuk").expect("sign in");
    h.wait(|s| matches!(s, State::Documents { .. }));
    assert!(shows(h.app(), "Halo, RINA MARLINA"));
}

#[test]
fn a_qr_that_will_not_scan_gets_hints_then_the_code_can_be_typed() {
    let h = kiosk_with(blank_camera);
    tap(h.app(), "Sentuh di sini untuk mulai").expect("start");
    tap(h.app(), "Pindai kode QR dari notifikasi saya").expect("scan");
    assert!(shows(h.app(), "Kamera aktif 45 detik lagi."));
    // Nothing readable for a few seconds: advice, in the citizen's words.
    h.wait(|s| matches!(s, State::ScanQr { hint: Some(adm_kiosk::session::ScanHint::Closer), .. }));
    assert!(shows(h.app(), "Dekatkan QR ke kamera, di dalam kotak."));
    // The window closes: the camera goes off and the screen offers both ways on.
    h.clock.advance(45_000);
    h.wait(|s| matches!(s, State::ScanQr { expired: true, .. }));
    assert!(shows(h.app(), "QR belum terbaca. Pindai lagi, atau ketik kode yang tercetak di bawah QR."));
    assert!(can_tap(h.app(), "Pindai lagi"));
    tap(h.app(), "Ketik kode saja").expect("type the code");
    h.wait(|s| matches!(s, State::EnterNoticeCode { .. }));
    assert!(!can_tap(h.app(), "Lanjut"), "16 characters first");
    for c in adm_central::demo::DEMO_NOTICE_CODE.chars() {
        tap(h.app(), &c.to_string()).expect("key");
    }
    assert_eq!(h.app().global::<adm_kiosk::ui::Kiosk>().get_code_display(), "7QK3 M9ZT 4HX2 WD8R");
    tap(h.app(), "Lanjut").expect("next");
    h.wait(|s| matches!(s, State::EnterNoticePin { .. }));
    type_digits(h.app(), adm_central::demo::DEMO_NOTICE_PIN).expect("PIN");
    tap(h.app(), "Masuk").expect("sign in");
    h.wait(|s| matches!(s, State::Documents { .. }));
    assert!(shows(h.app(), "Halo, RINA MARLINA"));
}

/// Every receipt the simulated receipt printer printed, as text lines and QR data.
fn printed_receipts(h: &Harness) -> Vec<Vec<String>> {
    let width = adm_thermal::PaperWidth::Mm80;
    let sim = h.sim.receipt.as_ref().expect("sim receipt printer");
    sim.hardware()
        .jobs()
        .iter()
        .map(|job| {
            let r = adm_thermal::render::interpret(job, width).expect("strict ESC/POS");
            let mut lines = r.lines;
            lines.extend(r.qr_data.iter().map(|q| String::from_utf8_lossy(q).into_owned()));
            lines
        })
        .collect()
}

fn without_separators(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | ':' | '_')).collect()
}

#[test]
fn the_receipt_shows_no_number_the_nik_can_be_rebuilt_from() {
    let h = kiosk();
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Documents { .. }));
    tap(h.app(), "Lanjut dengan 3 dokumen").expect("proceed");
    tap(h.app(), "Cetak sekarang").expect("print");
    h.wait(|s| matches!(s, State::Collect { receipt, .. } if *receipt == ReceiptOutcome::Printed));
    let receipts = printed_receipts(&h);
    assert_eq!(receipts.len(), 1);
    let lines = &receipts[0];
    let text = lines.join("\n");
    // The demo citizen: NIK 3201011505800001 (region 320101, born 15-05-1980), KK
    // 3201012003150001 (which starts with the same region code).
    let (region, born) = (&DEMO_NIK[..6], &DEMO_NIK[6..12]);
    let forbidden = [region, born, "15051980", "19800515", DEMO_NIK, "3201012003150001"];
    let longest_run = text.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
    assert!(longest_run < 8, "a run of {longest_run} digits is printed:\n{text}");
    let mut chunks: Vec<String> = lines.iter().map(|l| without_separators(l)).collect();
    chunks.extend(lines.windows(2).map(|w| without_separators(&format!("{}{}", w[0], w[1]))));
    for chunk in &chunks {
        for f in forbidden {
            assert!(!chunk.contains(f), "{f:?} can be read off {chunk:?}:\n{text}");
        }
    }
    // What the citizen needs: the masked NIK and, per document, its kind and last characters.
    assert!(lines.iter().any(|l| l.ends_with(": 3201********0001")), "{text}");
    assert!(lines.iter().any(|l| l.contains("Kartu Keluarga")), "{text}");
    assert!(lines.iter().any(|l| l.trim() == "No. ****0001"), "{text}");
    assert!(!text.contains("BUDI") && !text.contains("SANTOSO"), "no name on the receipt:\n{text}");
}

#[test]
fn a_missing_camera_does_not_stop_the_kiosk_and_nik_sign_in_works() {
    let mut config = Config::default();
    config.camera.device = "/dev/video-nonexistent".into();
    let h = kiosk_from(config, |_| {});
    // Scanning says at once that the camera does not work and points to the code.
    tap(h.app(), "Sentuh di sini untuk mulai").expect("start");
    tap(h.app(), "Pindai kode QR dari notifikasi saya").expect("scan");
    h.wait(|s| matches!(s, State::ScanQr { hint: Some(adm_kiosk::session::ScanHint::NoCamera), .. }));
    assert!(shows(h.app(), "Kamera tidak dapat digunakan saat ini. Ketik kode yang tercetak di bawah QR."));
    assert!(can_tap(h.app(), "Ketik kode saja"));
    tap(h.app(), "Batal").expect("cancel");
    h.wait(|s| matches!(s, State::Attract | State::Goodbye));
    h.clock.advance(10_000);
    h.wait(|s| matches!(s, State::Attract));
    // NIK sign-in needs no camera.
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Documents { .. }));
    assert!(shows(h.app(), "Halo, BUDI SANTOSO"));
}

/// Metric names the alert rules' `expr:`s use (label names such as `kiosk_id` left out).
fn alert_series(rules: &str) -> Vec<String> {
    let mut exprs = String::new();
    let mut block: Option<usize> = None;
    for line in rules.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(at) = block {
            if line.trim().is_empty() || indent > at {
                exprs.push_str(line);
                exprs.push('\n');
                continue;
            }
            block = None;
        }
        if let Some(rest) = line.trim_start().strip_prefix("expr:") {
            if rest.trim() == "|" {
                block = Some(indent);
            } else {
                exprs.push_str(rest);
                exprs.push('\n');
            }
        }
    }
    let mut names: Vec<String> = exprs
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("kiosk_") && *w != "kiosk_id")
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

fn scrape(addr: std::net::SocketAddr) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

#[test]
fn every_series_the_alert_rules_use_is_exported_by_a_running_kiosk() {
    let rules = include_str!("../fleet/server/rules/kiosk-alerts.yml");
    let names = alert_series(rules);
    assert!(names.len() >= 12, "rules parsed: {names:?}");
    let config = Config { metrics_listen: Some("127.0.0.1:0".into()), ..Config::default() };
    let h = kiosk_from(config, |_| {});
    let addr = h.kiosk.metrics_addr().expect("metrics served");
    // One citizen signs in and out: the central-server series get real samples.
    h.sign_in_with_nik(DEMO_NIK, DEMO_PIN);
    h.wait(|s| matches!(s, State::Documents { .. }));
    let deadline = Instant::now() + WAIT;
    loop {
        h.kiosk.pump();
        let body = scrape(addr);
        let missing: Vec<&String> = names
            .iter()
            .filter(|n| !body.lines().any(|l| l.strip_prefix(n.as_str()).is_some_and(|r| r.starts_with([' ', '{']))))
            .collect();
        if missing.is_empty() {
            assert!(
                body.lines()
                    .any(|l| l.starts_with("kiosk_central_request_duration_seconds_count{endpoint=\"sign_in\"} ")
                        && !l.ends_with(" 0")),
                "sign-in requests are timed:\n{body}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "series the alert rules need are not exported: {missing:?}\n{body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Set in the copy of this test binary that runs inside its own mount namespace: a
/// folder with a small tmpfs mounted on it.
const FULL_DISK_DIR: &str = "ADM_FULL_DISK_DIR";
const FULL_DISK_TEST: &str = "a_full_disk_puts_the_kiosk_out_of_service_until_there_is_room";

/// The kiosk's state filesystem full: no session starts (a print could not be
/// recorded), the attract screen says the kiosk is out of service; room again, it is back.
/// A real filesystem fills up: a 40 MiB tmpfs in a private mount namespace (`unshare
/// -Urm`, no privileges needed where user namespaces are allowed), with ballast.
#[test]
fn a_full_disk_puts_the_kiosk_out_of_service_until_there_is_room() {
    let Some(dir) = std::env::var_os(FULL_DISK_DIR) else {
        let dir = tempfile::tempdir().expect("tempdir");
        let exe = std::env::current_exe().expect("test binary");
        let out = std::process::Command::new("unshare")
            .args(["-Urm", "--propagation", "private", "sh", "-c"])
            .arg(r#"mount -t tmpfs -o size=40m adm-state "$1" && exec "$2" --exact "$3" --test-threads 1"#)
            .arg("sh")
            .arg(dir.path())
            .arg(exe)
            .arg(FULL_DISK_TEST)
            .env(FULL_DISK_DIR, dir.path())
            .output()
            .expect("unshare (util-linux) runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success() && text.contains("1 passed"), "inside the namespace:\n{text}");
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let h = kiosk();
    let availability = || h.kiosk.runtime.borrow().machine().availability();
    h.kiosk.runtime.borrow_mut().watch_state_dir(dir.clone());
    h.clock.advance(6_000);
    h.wait(|_| availability() == adm_kiosk::session::Availability::Ready);

    // 20 MiB of ballast leaves less than the 32 MiB a session needs.
    std::fs::write(dir.join("ballast"), vec![0u8; 20 << 20]).expect("ballast");
    h.clock.advance(6_000);
    h.wait(|_| availability() == adm_kiosk::session::Availability::OutOfService);
    assert!(shows(h.app(), "Anjungan sedang tidak dapat digunakan. Mohon hubungi petugas."));
    assert!(!can_tap(h.app(), "Sentuh di sini untuk mulai"));

    std::fs::remove_file(dir.join("ballast")).expect("room again");
    h.clock.advance(6_000);
    h.wait(|_| availability() == adm_kiosk::session::Availability::Ready);
    assert!(can_tap(h.app(), "Sentuh di sini untuk mulai"));
}
