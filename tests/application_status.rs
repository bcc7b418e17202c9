//! "Status pengajuan" (issue #19) end to end: BUDI SANTOSO signs in and opens his
//! applications, one in each status the districts' guides name, against the reference
//! server over mutual TLS, through the real UI by accessible labels. Each next step is
//! asserted in the exact Bahasa Indonesia a citizen reads; the pickup slip and the address
//! label come out of the simulated receipt printer and are read back by the strict ESC/POS
//! interpreter: the right texts, and no NIK that could be rebuilt from them.

use std::time::Duration;

use adm_kiosk::app::{Backend, Kiosk, SimHandles, build_devices};
use adm_kiosk::config::Config;
use adm_kiosk::demo::{DEMO_NIK, DEMO_PIN};
use adm_kiosk::devices::Devices;
use adm_kiosk::headless::{self, can_tap, shows, sign_in_with_nik, tap, wait_for};
use adm_kiosk::runtime::clock::ManualClock;
use adm_kiosk::session::{SlipOutcome, State};
use adm_thermal::render::interpret;
use slint::{ComponentHandle, Model};

const WAIT: Duration = Duration::from_secs(20);

struct Harness {
    kiosk: Kiosk,
    clock: ManualClock,
    sim: SimHandles,
    devices: Devices,
    _backend: Backend,
}

fn signed_in_status() -> Harness {
    let h = signed_in(DEMO_NIK, DEMO_PIN);
    tap(h.app(), "Lihat status pengajuan saya").expect("status button on the documents screen");
    h.wait(|s| matches!(s, State::Applications { .. }));
    h
}

/// Signed in, on the documents screen.
fn signed_in(nik: &str, pin: &str) -> Harness {
    signed_in_with(nik, pin, |_| ())
}

/// Signed in, on the documents screen, the reference server prepared by `prepare` first.
fn signed_in_with(nik: &str, pin: &str, prepare: impl FnOnce(&Backend)) -> Harness {
    headless::init().expect("headless platform");
    let config = Config::default();
    let backend = Backend::connect(&config).expect("reference server");
    prepare(&backend);
    let (devices, sim) = build_devices(&config, &backend, Duration::ZERO).expect("devices");
    let clock = ManualClock::default();
    let kiosk = Kiosk::new(&config, None, &backend, Box::new(clock.clone()), devices.clone()).expect("kiosk");
    headless::show(&kiosk.app).expect("show");
    let h = Harness { kiosk, clock, sim, devices, _backend: backend };
    h.wait(|s| matches!(s, State::Attract));
    sign_in_with_nik(h.app(), nik, pin).expect("sign in");
    h.wait(|s| matches!(s, State::Documents { .. }));
    h
}

impl Harness {
    fn app(&self) -> &adm_kiosk::ui::AppWindow {
        &self.kiosk.app
    }
    fn wait(&self, done: impl Fn(&State) -> bool) {
        wait_for(&self.kiosk, WAIT, done).expect("kiosk reached the expected state");
    }
    fn shows_all(&self, texts: &[&str]) {
        for t in texts {
            assert!(shows(self.app(), t), "{t:?} is not on screen");
        }
    }
    fn open(&self, tile: &str) {
        tap(self.app(), tile).unwrap_or_else(|e| panic!("{tile}: {e}"));
        self.kiosk.pump();
    }
    /// Text lines and QR data of every receipt-printer job so far, through the strict
    /// interpreter.
    fn printed_slips(&self) -> Vec<String> {
        let control = self.sim.receipt.as_ref().expect("simulated receipt printer");
        control
            .hardware()
            .jobs()
            .iter()
            .map(|job| {
                let r = interpret(job, self.devices.receipt_width).expect("strict ESC/POS");
                let mut lines = r.lines;
                lines.extend(r.qr_data.iter().map(|q| String::from_utf8_lossy(q).into_owned()));
                lines.join("\n")
            })
            .collect()
    }
}

const KK_BARU_DONE: &str = "Kartu Keluarga (KK) Baru · PGJ-2024-0318-0001";
const KK_BARU_POST: &str = "Kartu Keluarga (KK) Baru · PGJ-2025-0204-0031";
const KTP_EL: &str = "Penggantian KTP-el (rusak, hilang, perubahan data) · PGJ-2025-0106-0014";
const KIA: &str = "Kartu Identitas Anak (KIA) · PGJ-2025-0203-0022";
const AKTA: &str = "Akta Kelahiran · PGJ-2025-0120-0003";
const PINDAH: &str = "Surat Keterangan Pindah WNI (SKPWNI) · PGJ-2025-0205-0007";

/// No NIK, region code or birth date of BUDI (3201011505800001) on paper, whatever the
/// separators.
fn assert_no_nik(text: &str) {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | ':')).collect();
    for forbidden in [DEMO_NIK, "320101", "150580", "15051980", "19800515"] {
        assert!(!digits.contains(forbidden), "{forbidden} derivable from\n{text}");
    }
}

#[test]
fn every_application_shows_its_status_in_plain_words() {
    let h = signed_in_status();
    h.shows_all(&["Status pengajuan saya", "Sentuh pengajuan untuk melihat langkah selanjutnya."]);
    for tile in [KK_BARU_DONE, KK_BARU_POST, KTP_EL, KIA, AKTA, PINDAH] {
        assert!(can_tap(h.app(), tile), "{tile}");
    }
    h.shows_all(&["Baru", "Disetujui", "Diproses", "Selesai", "Dibatalkan", "Kode PGJ-2025-0120-0003  ·  20-01-2025"]);

    // Diproses: the standard's promise.
    h.open(KIA);
    h.shows_all(&[
        "Kartu Identitas Anak (KIA)",
        "Kode PGJ-2025-0203-0022",
        "Pengajuan Anda sedang diproses.",
        "Paling lambat 1 hari kerja",
        "Riwayat",
        "03-02-2025 08.12  ·  Baru",
        "03-02-2025 09.40  ·  Disetujui",
        "03-02-2025 14.05  ·  Diproses",
    ]);
    assert!(!can_tap(h.app(), "Cetak sekarang"));
    tap(h.app(), "Kembali").unwrap();

    // Baru: waiting for an officer.
    h.open(PINDAH);
    h.shows_all(&["Pengajuan Anda sudah diterima.", "Menunggu verifikasi petugas pada hari dan jam kerja"]);
    tap(h.app(), "Kembali").unwrap();

    // Dibatalkan: the officer's reason as written, and how to apply again.
    h.open(AKTA);
    h.shows_all(&[
        "Petugas membatalkan pengajuan ini. Alasannya:",
        "Foto surat keterangan kelahiran tidak terbaca (blur). Silakan ajukan kembali dengan foto dokumen asli yang jelas.",
        "Anda dapat mengajukan kembali: perbaiki yang diminta petugas, lalu ajukan lagi secara online atau di kantor Dukcapil.",
    ]);
    tap(h.app(), "Kembali").unwrap();
    tap(h.app(), "Kembali").unwrap();
    h.wait(|s| matches!(s, State::Documents { .. }));
    assert!(can_tap(h.app(), "Lanjut dengan 3 dokumen"), "the documents screen as it was");
}

/// JOKO SUSILO (reference server): no document yet, his KK Baru application cancelled.
const JOKO_NIK: &str = "3578010101900007";
const JOKO_PIN: &str = "135790";

#[test]
fn a_citizen_with_nothing_to_print_yet_still_reaches_the_status_of_his_applications() {
    let h = signed_in(JOKO_NIK, JOKO_PIN);
    h.shows_all(&[
        "Belum ada dokumen Anda yang siap dicetak. Lihat status pengajuan Anda dan langkah selanjutnya di bawah.",
    ]);
    assert!(!shows(h.app(), "Lanjut dengan 0 dokumen"), "nothing to continue with");
    tap(h.app(), "Lihat status pengajuan saya").expect("status button on the documents screen");
    h.wait(|s| matches!(s, State::Applications { .. }));
    h.shows_all(&["Status pengajuan saya", "Dibatalkan"]);
    h.open("Kartu Keluarga (KK) Baru · PGJ-2025-0115-0002");
    h.shows_all(&[
        "Petugas membatalkan pengajuan ini. Alasannya:",
        "Kutipan akta perkawinan belum dilegalisir. Silakan ajukan kembali dengan salinan yang dilegalisir.",
    ]);
    tap(h.app(), "Kembali").unwrap();
    tap(h.app(), "Kembali").unwrap();
    h.wait(|s| matches!(s, State::Documents { .. }));
}

#[test]
fn under_an_unlimited_reprint_policy_the_documents_say_so_instead_of_a_count() {
    let h = signed_in_with(DEMO_NIK, DEMO_PIN, |backend| {
        let admin = backend.demo.as_ref().expect("reference server").admin();
        admin.set_reprint_policy(adm_central_client::api::ReprintPolicy::Unlimited).expect("policy");
    });
    h.shows_all(&["1 halaman  ·  dapat dicetak ulang selama AKTIF"]);
    assert!(!shows(h.app(), "1 halaman  ·  sisa cetak: 9999"), "the runaway guard is not shown as a count");
}

#[test]
fn a_finished_kk_goes_straight_into_the_print_flow() {
    let h = signed_in_status();
    h.open(KK_BARU_DONE);
    h.shows_all(&[
        "Dokumen Anda sudah selesai dan ditandatangani secara elektronik. Anda dapat mencetaknya sekarang.",
        "20-03-2024 11.40  ·  Selesai",
        "KK sudah ditandatangani secara elektronik (TTE)",
    ]);
    tap(h.app(), "Cetak sekarang").expect("print now");
    h.wait(|s| matches!(s, State::Confirm { .. }));
    match h.kiosk.runtime.borrow().machine().state() {
        State::Confirm { docs, selected, .. } => {
            let chosen: Vec<&str> =
                docs.iter().zip(selected).filter(|(_, s)| **s).map(|(d, _)| d.id.as_str()).collect();
            assert_eq!(chosen, ["doc-demo-0001"], "only the application's KK");
        }
        s => panic!("{s:?}"),
    }
    tap(h.app(), "Cetak sekarang").expect("confirm");
    h.wait(|s| matches!(s, State::Collect { .. }));
}

#[test]
fn a_ktp_el_ready_prints_a_pickup_slip_without_the_nik() {
    let h = signed_in_status();
    h.open(KTP_EL);
    h.shows_all(&[
        "Kartu Anda sudah jadi. Ambil di:",
        "Kantor Kecamatan Cibinong",
        "JL. TEGAR BERIMAN NO. 1, KEC. CIBINONG, KAB. BOGOR",
        "Jam layanan: Senin s.d. Jumat, 08.00-16.00 WIB (hari libur dan cuti bersama tutup)",
        "Yang perlu dibawa:",
        "•  Kode pengajuan (bukti pengajuan)",
        "•  Kartu Keluarga asli",
        "•  KTP-el lama atau surat keterangan kehilangan dari Kepolisian",
    ]);
    let before = h.printed_slips().len();
    tap(h.app(), "Cetak bukti pengambilan").expect("pickup slip button");
    h.wait(|s| matches!(s, State::Applications { desk } if desk.slip == SlipOutcome::Printed));
    h.kiosk.pump();
    h.shows_all(&["Sudah dicetak. Silakan ambil kertasnya di tempat keluar struk."]);
    let slips = h.printed_slips();
    assert_eq!(slips.len(), before + 1);
    let slip = slips.last().unwrap();
    for expected in [
        "BUKTI PENGAMBILAN",
        "KTP-el",
        "PGJ-2025-0106-0014",
        "3201********0001",
        "Kantor Kecamatan Cibinong",
        "Kartu Keluarga asli",
    ] {
        assert!(slip.contains(expected), "{expected} missing from\n{slip}");
    }
    assert_no_nik(slip);
    assert!(!slip.contains("BUDI"), "no name on a slip anyone may find");
}

#[test]
fn files_to_post_print_the_address_label_with_the_checklist_in_english_too() {
    let h = signed_in_status();
    h.open(KK_BARU_POST);
    h.shows_all(&[
        "Pengajuan Anda sudah disetujui. Kirim berkas fisik persyaratan melalui pos ke:",
        "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Demo",
        "JL. PEMUDA NO. 1, KABUPATEN DEMO 16914",
        "Masukkan ke dalam amplop:",
        "•  Fotokopi Akta Kelahiran dan Ijazah",
    ]);
    tap(h.app(), "English").unwrap();
    h.kiosk.pump();
    h.shows_all(&["Put in the envelope:", "•  Photocopy of the birth certificate and of the school diploma"]);
    tap(h.app(), "Print the address label").expect("label button");
    h.wait(|s| matches!(s, State::Applications { desk } if desk.slip == SlipOutcome::Printed));
    let label = h.printed_slips().pop().expect("a label");
    for expected in [
        "ADDRESS LABEL",
        "PGJ-2025-0204-0031",
        "Kependudukan",
        "PEMUDA NO. 1",
        "In the envelope (requirements):",
        "[ ] Photocopy of the birth",
    ] {
        assert!(label.contains(expected), "{expected} missing from\n{label}");
    }
    assert_no_nik(&label);
    // The session ends wiped: nothing of the applications is left on the screen model.
    tap(h.app(), "Cancel").unwrap();
    h.clock.advance(10_000);
    h.wait(|s| matches!(s, State::Attract));
    let k = h.app().global::<adm_kiosk::ui::Kiosk>();
    assert_eq!(k.get_applications().row_count(), 0);
    assert_eq!(k.get_app_place(), "");
}
