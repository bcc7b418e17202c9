//! Citizen services of issue #19 at the kiosk, end to end: the document check ("cek
//! dokumen", no sign-in) with the document held up to the (simulated) camera or its code
//! typed, and a replaced (TIDAK AKTIF) document refused at print time. Driven headless
//! through the real UI by accessible labels, against the reference central server over
//! mutual TLS; the texts asserted are the exact Bahasa Indonesia a citizen reads.

use std::time::Duration;

use adm_kiosk::app::{Backend, Kiosk, build_devices, qr_camera};
use adm_kiosk::config::Config;
use adm_kiosk::demo::{AKTIF_KK_CODE, DEMO_NIK, DEMO_PIN, FORGED_CODE, GARBAGE_QR, REPLACED_KK_CODE};
use adm_kiosk::devices::{Devices, lock};
use adm_kiosk::headless::{self, can_tap, shows, tap, wait_for};
use adm_kiosk::runtime::clock::ManualClock;
use adm_kiosk::scan::document;
use adm_kiosk::session::{JobStatus, ReceiptOutcome, Refusal, State};
use slint::ComponentHandle;

const WAIT: Duration = Duration::from_secs(20);

struct Harness {
    kiosk: Kiosk,
    clock: ManualClock,
    backend: Backend,
    devices: Devices,
}

fn kiosk() -> Harness {
    headless::init().expect("headless platform");
    let config = Config::default();
    let backend = Backend::connect(&config).expect("reference server");
    let (devices, _sim) = build_devices(&config, &backend, Duration::ZERO).expect("devices");
    let clock = ManualClock::default();
    let kiosk = Kiosk::new(&config, None, &backend, Box::new(clock.clone()), devices.clone()).expect("kiosk");
    headless::show(&kiosk.app).expect("show");
    wait_for(&kiosk, WAIT, |s| matches!(s, State::Attract)).expect("attract");
    Harness { kiosk, clock, backend, devices }
}

impl Harness {
    fn app(&self) -> &adm_kiosk::ui::AppWindow {
        &self.kiosk.app
    }
    fn wait(&self, done: impl Fn(&State) -> bool) {
        wait_for(&self.kiosk, WAIT, done).expect("kiosk reached the expected state");
    }
    /// The camera sees `payload` as a QR code (after a moment of empty scene).
    fn hold_up(&self, payload: &str) {
        *lock(&self.devices.camera) = Box::new(qr_camera(payload));
    }
    fn document_qr(&self, code: &str) -> String {
        document::payload(&self.backend.public_host, code)
    }
    /// From the attract screen: "Cek status dokumen" with `payload` in front of the camera.
    fn check(&self, payload: &str) {
        self.hold_up(payload);
        tap(self.app(), "Cek status dokumen").expect("check button on the attract screen");
        self.wait(|s| matches!(s, State::CheckResult { .. }));
    }
    fn shows_all(&self, texts: &[&str]) {
        for t in texts {
            assert!(shows(self.app(), t), "{t:?} is not on screen");
        }
    }
    fn finish_and_check_wiped(&self) {
        tap(self.app(), "Selesai").expect("done");
        self.wait(|s| matches!(s, State::Goodbye));
        self.clock.advance(10_000);
        self.wait(|s| matches!(s, State::Attract));
        let k = self.app().global::<adm_kiosk::ui::Kiosk>();
        assert_eq!(k.get_check_number(), "");
        assert_eq!(k.get_check_issued(), "");
        assert!(!k.get_check_details());
        assert!(shows(self.app(), "Selamat datang"));
    }
}

const PAPER_ONLY: &str = "Hanya yang tercetak pada dokumen yang ditampilkan. Tidak ada yang disimpan di anjungan ini.";
const ADVICE_NOT_VALID: &str = "Jika ragu, mintalah file PDF dokumen tersebut dan periksa tanda tangan elektroniknya, atau tanyakan kepada petugas.";

#[test]
fn an_aktif_kk_shows_its_status_meaning_and_only_what_the_paper_shows() {
    let h = kiosk();
    assert!(shows(
        h.app(),
        "Tanpa masuk: periksa dokumen tercetak lewat kode QR-nya, atau baca persyaratan setiap layanan."
    ));
    h.check(&h.document_qr(AKTIF_KK_CODE));
    h.shows_all(&[
        "Status dokumen",
        "AKTIF",
        "Dokumen ini diterbitkan oleh Dukcapil sesuai prosedur dan sah secara hukum.",
        "Catatan: Kartu Keluarga berstatus AKTIF belum tentu yang terbaru. Jika keluarga pindah atau datanya berubah, mungkin sudah terbit Kartu Keluarga yang baru.",
        "Jenis dokumen: Kartu Keluarga (KK)",
        "Nomor: ****0001",
        "Tanggal terbit: 20-03-2024",
        PAPER_ONLY,
    ]);
    // Nothing personal: no name, no NIK, no whole KK number.
    for t in ["BUDI SANTOSO", "Halo, BUDI SANTOSO", "Nomor: 3201012003150001", DEMO_NIK] {
        assert!(!shows(h.app(), t), "{t}");
    }
    let k = h.app().global::<adm_kiosk::ui::Kiosk>();
    assert_eq!(k.get_citizen_name(), "");
    assert_eq!(k.get_check_number(), "****0001");
    assert!(can_tap(h.app(), "Periksa dokumen lain"));
    h.finish_and_check_wiped();
}

#[test]
fn a_replaced_kk_is_tidak_aktif_with_what_to_do() {
    let h = kiosk();
    h.check(&h.document_qr(REPLACED_KK_CODE));
    h.shows_all(&[
        "TIDAK AKTIF",
        "Dokumen ini sudah tidak berlaku dan tidak dapat digunakan lagi, karena sudah diterbitkan dokumen baru sebagai penggantinya (misalnya Kartu Keluarga baru).",
        "Mintalah dokumen yang terbaru ke Dukcapil.",
        "Jenis dokumen: Kartu Keluarga (KK)",
        "Nomor: ****0005",
        "Tanggal terbit: 10-07-2010",
    ]);
    assert!(!shows(h.app(), "AKTIF"), "only TIDAK AKTIF");
    h.finish_and_check_wiped();
}

#[test]
fn a_forged_document_is_tidak_valid_with_the_seeds_advice_and_no_details() {
    let h = kiosk();
    h.check(&h.document_qr(FORGED_CODE));
    h.shows_all(&[
        "TIDAK VALID",
        "Dokumen ini tidak dikenal oleh Dukcapil. Dokumen mungkin palsu, atau kode QR-nya rusak.",
        ADVICE_NOT_VALID,
    ]);
    assert!(!h.app().global::<adm_kiosk::ui::Kiosk>().get_check_details());
    assert!(!shows(h.app(), "Jenis dokumen: Kartu Keluarga (KK)"));
    h.finish_and_check_wiped();
}

#[test]
fn an_unreadable_or_foreign_qr_is_tidak_valid_never_an_error() {
    let h = kiosk();
    let foreign = [
        GARBAGE_QR.to_owned(),
        // Another host: a look-alike verification site.
        document::payload("verify.example.com", AKTIF_KK_CODE),
        // A notice is no document.
        adm_kiosk::scan::notice::payload(&h.backend.public_host, adm_central::demo::DEMO_NOTICE_CODE),
    ];
    for (i, payload) in foreign.iter().enumerate() {
        if i == 0 {
            h.check(payload);
        } else {
            h.hold_up(payload);
            tap(h.app(), "Periksa dokumen lain").expect("another");
            h.wait(|s| matches!(s, State::CheckResult { .. }));
        }
        h.shows_all(&[
            "TIDAK VALID",
            "Kode QR ini tidak terbaca sebagai kode dokumen Dukcapil. Kode QR mungkin rusak atau tidak jelas, atau dokumen tersebut palsu.",
            ADVICE_NOT_VALID,
        ]);
    }
    // English, on the same screen.
    tap(h.app(), "English").expect("language");
    assert!(shows(
        h.app(),
        "This QR code could not be read as a Dukcapil document code. The QR code may be damaged or unclear, or the document may be forged."
    ));
    tap(h.app(), "Done").expect("done");
    h.clock.advance(10_000);
    h.wait(|s| matches!(s, State::Attract));
    assert!(shows(h.app(), "Selamat datang"), "the next person starts in Bahasa Indonesia");
}

#[test]
fn a_qr_that_will_not_scan_then_the_code_is_typed() {
    let h = kiosk();
    let blank = adm_camera::GreyFrame { width: 640, height: 480, data: vec![150; 640 * 480] };
    *lock(&h.devices.camera) = Box::new(adm_camera::replay::ReplaySource::new(vec![blank], Duration::from_millis(100)));
    tap(h.app(), "Cek status dokumen").expect("check");
    assert!(shows(h.app(), "Tunjukkan kode QR yang tercetak pada dokumen ke kamera"));
    h.wait(|s| matches!(s, State::CheckScan { hint: Some(adm_kiosk::session::ScanHint::Closer), .. }));
    assert!(shows(h.app(), "Dekatkan QR ke kamera, di dalam kotak."));
    h.clock.advance(45_000);
    h.wait(|s| matches!(s, State::CheckScan { expired: true, .. }));
    assert!(shows(h.app(), "QR belum terbaca. Pindai lagi, atau ketik kode verifikasi yang tercetak pada dokumen."));
    assert!(can_tap(h.app(), "Pindai lagi"));
    tap(h.app(), "Ketik kode saja").expect("type");
    h.wait(|s| matches!(s, State::CheckCode { .. }));
    assert!(shows(h.app(), "Ketik kode verifikasi yang tercetak pada dokumen"));
    assert!(!can_tap(h.app(), "Lanjut"), "16 characters first");
    for c in AKTIF_KK_CODE.chars() {
        tap(h.app(), &c.to_string()).expect("key");
    }
    assert_eq!(h.app().global::<adm_kiosk::ui::Kiosk>().get_code_display(), "3QF8 ZK2M 7T4W XN9A");
    tap(h.app(), "Lanjut").expect("next");
    h.wait(|s| matches!(s, State::CheckResult { .. }));
    h.shows_all(&["AKTIF", "Jenis dokumen: Kartu Keluarga (KK)", "Nomor: ****0001"]);
    h.finish_and_check_wiped();
}

/// Acceptance 5 of #19: the citizen's list was made while the KK was AKTIF; it is
/// replaced before printing. The server refuses it, the citizen is told why in both
/// languages, and the other documents still print.
#[test]
fn a_document_replaced_after_the_list_is_refused_at_print_time_and_the_rest_prints() {
    let h = kiosk();
    headless::sign_in_with_nik(h.app(), DEMO_NIK, DEMO_PIN).expect("sign in");
    h.wait(|s| matches!(s, State::Documents { .. }));
    tap(h.app(), "Lanjut dengan 3 dokumen").expect("proceed");
    // Meanwhile at the Dukcapil office, a new KK replaces this one.
    h.backend.demo.as_ref().expect("reference server").admin().supersede_document("doc-demo-0001").expect("supersede");
    tap(h.app(), "Cetak sekarang").expect("print");
    h.wait(|s| matches!(s, State::Collect { receipt, .. } if *receipt != ReceiptOutcome::Pending));
    {
        let rt = h.kiosk.runtime.borrow();
        let State::Collect { jobs, .. } = rt.machine().state() else { panic!() };
        let kk: Vec<_> = jobs.iter().filter(|j| j.doc.id == "doc-demo-0001").map(|j| j.status).collect();
        assert_eq!(kk, vec![JobStatus::Refused(Refusal::Inactive)]);
        assert_eq!(jobs.iter().filter(|j| matches!(j.status, JobStatus::Done { .. })).count(), 2, "{jobs:?}");
    }
    h.shows_all(&[
        "Tidak dicetak: dokumen ini sudah diganti yang baru (TIDAK AKTIF). Mintalah dokumen terbaru ke Dukcapil.",
        "Sebagian dokumen tidak tercetak. Tunjukkan struk Anda kepada petugas; hak cetak Anda untuk dokumen tersebut tidak berkurang.",
    ]);
    tap(h.app(), "English").expect("language");
    assert!(shows(
        h.app(),
        "Not printed: this document was replaced by a newer one (TIDAK AKTIF). Please ask Dukcapil for the current one."
    ));
    // The server counted only the two that came out.
    let admin = h.backend.demo.as_ref().expect("server").admin();
    wait_for(&h.kiosk, WAIT, |_| admin.print_report_count().unwrap_or(0) == 2).expect("two reports");
}
