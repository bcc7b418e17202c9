//! "Daftar layanan" (issue #19) end to end, without sign-in: the service list from the
//! reference central server over mutual TLS, KK Baru's requirements, procedure, time and
//! fee exactly as the server words them, its requirement checklist out of the simulated
//! receipt printer (read back by the strict ESC/POS interpreter), and its guide and blank
//! forms verified and printed on the simulated A4 printer; a tampered guide is refused
//! with nothing printed. Driven through the real UI by accessible labels.

use std::time::Duration;

use adm_kiosk::app::{Backend, Kiosk, SimHandles, build_devices};
use adm_kiosk::config::Config;
use adm_kiosk::demo::KK_BARU_GUIDE;
use adm_kiosk::devices::Devices;
use adm_kiosk::headless::{self, can_tap, scroll_lists, shows, tap, wait_for};
use adm_kiosk::runtime::clock::ManualClock;
use adm_kiosk::session::{FilesOutcome, SlipOutcome, State};
use adm_thermal::render::interpret;
use slint::{ComponentHandle, Model};

const WAIT: Duration = Duration::from_secs(20);

struct Harness {
    kiosk: Kiosk,
    clock: ManualClock,
    sim: SimHandles,
    devices: Devices,
    backend: Backend,
}

fn kiosk() -> Harness {
    headless::init().expect("headless platform");
    let config = Config::default();
    let backend = Backend::connect(&config).expect("reference server");
    let (devices, sim) = build_devices(&config, &backend, Duration::ZERO).expect("devices");
    let clock = ManualClock::default();
    let kiosk = Kiosk::new(&config, None, &backend, Box::new(clock.clone()), devices.clone()).expect("kiosk");
    headless::show(&kiosk.app).expect("show");
    let h = Harness { kiosk, clock, sim, devices, backend };
    h.wait(|s| matches!(s, State::Attract));
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
    /// From the attract screen: the service list, then one service.
    fn open(&self, list: &str, service: &str) {
        tap(self.app(), list).expect("service list button on the attract screen");
        self.wait(|s| matches!(s, State::Services { desk } if desk.open.is_none()));
        tap(self.app(), service).unwrap_or_else(|e| panic!("{service}: {e}"));
        self.wait(|s| matches!(s, State::Services { desk } if desk.open.is_some()));
    }
    fn print_checklist(&self, button: &str) {
        tap(self.app(), button).expect("checklist button");
        self.wait(|s| matches!(s, State::Services { desk } if desk.checklist != SlipOutcome::Printing));
    }
    fn print_files(&self, button: &str) -> FilesOutcome {
        tap(self.app(), button).expect("guide and forms button");
        self.wait(|s| matches!(s, State::Services { desk } if desk.files != FilesOutcome::Printing));
        match self.kiosk.runtime.borrow().machine().state() {
            State::Services { desk } => desk.files,
            other => panic!("{other:?}"),
        }
    }
    /// Pages the open service's guide and forms have, as the catalogue lists them.
    fn listed_pages(&self) -> (u32, u32) {
        match self.kiosk.runtime.borrow().machine().state() {
            State::Services { desk } => {
                let service = &desk.services[desk.open.expect("a service is open")];
                (service.files.len() as u32, service.files.iter().map(|f| f.pages).sum())
            }
            other => panic!("{other:?}"),
        }
    }
    fn a4(&self) -> &adm_a4::sim::SimControl {
        self.sim.a4.as_ref().expect("simulated A4 printer")
    }
    /// Text lines of every receipt-printer job so far, through the strict interpreter.
    fn printed_slips(&self) -> Vec<String> {
        let control = self.sim.receipt.as_ref().expect("simulated receipt printer");
        control
            .hardware()
            .jobs()
            .iter()
            .map(|job| {
                let r = interpret(job, self.devices.receipt_width).expect("strict ESC/POS");
                assert!(r.qr_data.is_empty(), "no QR on a checklist");
                assert_eq!(r.auto_wrapped, 0, "a line overflowed the paper:\n{}", r.lines.join("\n"));
                r.lines.join("\n")
            })
            .collect()
    }
    fn finish(&self, done: &str) {
        tap(self.app(), done).expect("done");
        self.wait(|s| matches!(s, State::Goodbye));
        self.clock.advance(10_000);
        self.wait(|s| matches!(s, State::Attract));
        let k = self.app().global::<adm_kiosk::ui::Kiosk>();
        assert_eq!(k.get_services().row_count(), 0, "nothing of the catalogue left on the UI");
        assert_eq!(k.get_service_title(), "");
        assert_eq!(k.get_service_requirements().row_count(), 0);
        assert!(shows(self.app(), "Selamat datang"), "the next person starts in Bahasa Indonesia");
    }
}

const KK_REQUIREMENT: &str =
    "Copy surat nikah legalisir/kutipan akta perkawinan atau kutipan akta perceraian (bagi yang sudah menikah)";
const KK_REQUIREMENT_EN: &str =
    "Legalised copy of the marriage certificate, or of the marriage or divorce deed (if married)";

#[test]
fn kk_baru_from_the_list_its_checklist_on_the_receipt_printer_and_its_guide_and_forms_on_a4() {
    let h = kiosk();
    assert!(can_tap(h.app(), "Daftar layanan"), "beside the document check");
    assert!(can_tap(h.app(), "Cek status dokumen"));
    tap(h.app(), "Daftar layanan").expect("service list");
    h.wait(|s| matches!(s, State::Services { .. }));
    h.shows_all(&[
        "Daftar layanan",
        "Sentuh layanan untuk melihat persyaratan, prosedur, waktu, dan biayanya.",
        "Tanpa masuk. Tidak ada data Anda yang diminta atau disimpan.",
    ]);
    for service in [
        "Kartu Keluarga (KK) Baru",
        "Akta Kelahiran",
        "Akta Kematian",
        "Surat Keterangan Pindah WNI (SKPWNI)",
        "Kartu Identitas Anak (KIA)",
    ] {
        assert!(can_tap(h.app(), service), "{service}");
    }
    tap(h.app(), "Kartu Keluarga (KK) Baru").expect("KK Baru");
    h.wait(|s| matches!(s, State::Services { desk } if desk.open.is_some()));
    h.shows_all(&[
        "Kartu Keluarga (KK) Baru",
        "Waktu layanan",
        "1 hari kerja",
        "Biaya",
        "Tidak dipungut biaya (Gratis)",
        "Persyaratan",
        KK_REQUIREMENT,
        "Fotokopi Akta Kelahiran dan Ijazah",
        "Kartu Izin Tinggal Tetap (KITAP) bagi orang asing",
        "Prosedur",
        "Pemohon masuk (login) pada aplikasi layanan daring Dukcapil",
    ]);
    // The rest of the procedure and the papers further down the service's texts.
    scroll_lists(h.app(), -5_000.0);
    h.shows_all(&[
        "KK yang sudah tersertifikasi dicetak di Dinas atau oleh pemohon secara mandiri (ADM atau rumah) pada kertas HVS A4 80 gram",
        "Petunjuk dan formulir (dicetak, lalu diisi dengan tangan)",
        "Petunjuk layanan",
        "Formulir Biodata Keluarga",
        "Formulir Pendaftaran Peristiwa Kependudukan",
    ]);
    assert_eq!(h.app().global::<adm_kiosk::ui::Kiosk>().get_citizen_name(), "");

    // The checklist: the receipt printer gets KK Baru's requirements with a box each.
    h.print_checklist("Cetak daftar persyaratan");
    h.shows_all(&["Sudah dicetak. Silakan ambil kertasnya di tempat keluar struk."]);
    let slips = h.printed_slips();
    assert_eq!(slips.len(), 1, "{slips:?}");
    let slip = &slips[0];
    for expected in [
        "ANJUNGAN DUKCAPIL MANDIRI",
        "DAFTAR PERSYARATAN",
        "Kartu Keluarga (KK) Baru",
        "Persyaratan:",
        "  [ ] Fotokopi Akta Kelahiran dan Ijazah\n",
        "  [ ] Kartu Izin Tinggal Tetap (KITAP) bagi\n      orang asing",
        "Waktu layanan:",
        "1 hari kerja",
        "Biaya:",
        "Tidak dipungut biaya (Gratis)",
    ] {
        assert!(slip.contains(expected), "{expected:?} missing in\n{slip}");
    }
    assert_eq!(slip.matches("[ ] ").count(), 6, "one box per requirement:\n{slip}");
    assert!(!slip.contains("NIK"), "nothing about a person:\n{slip}");
    assert!(h.a4().pages_printed() == 0, "the checklist is not an A4 print");

    // The guide and forms: checked, then printed on A4, every page.
    let (files, pages) = h.listed_pages();
    assert_eq!(files, 3, "the guide and two forms");
    assert_eq!(h.print_files("Cetak petunjuk dan formulir"), FilesOutcome::Printed);
    h.shows_all(&["Petunjuk dan formulir sudah dicetak. Silakan ambil di printer A4."]);
    assert_eq!((h.a4().jobs_printed(), h.a4().pages_printed()), (files, pages));

    tap(h.app(), "Kembali").expect("back to the list");
    h.wait(|s| matches!(s, State::Services { desk } if desk.open.is_none()));
    tap(h.app(), "Kartu Keluarga (KK) Baru").expect("KK Baru again");
    h.finish("Selesai");
}

#[test]
fn in_english_the_servers_own_translation_on_screen_and_on_paper() {
    let h = kiosk();
    tap(h.app(), "English").expect("language");
    h.open("Service list", "New Family Card (KK)");
    h.shows_all(&[
        "New Family Card (KK)",
        "Service time",
        "1 working day",
        "Fee",
        "No fee (free of charge)",
        "Requirements",
        KK_REQUIREMENT_EN,
        "Procedure",
    ]);
    scroll_lists(h.app(), -5_000.0);
    h.shows_all(&["Guide and forms (print, then fill in by hand)", "Service guide", "Family Biodata Form"]);
    assert!(!shows(h.app(), KK_REQUIREMENT), "one language at a time");
    h.print_checklist("Print the checklist");
    h.shows_all(&["Printed. Please take the paper from the receipt slot."]);
    let slip = h.printed_slips().pop().expect("a checklist");
    for expected in ["REQUIREMENTS CHECKLIST", "New Family Card (KK)", "Service time:", "1 working day", "Fee:"] {
        assert!(slip.contains(expected), "{expected:?} missing in\n{slip}");
    }
    assert_eq!(h.print_files("Print the guide and forms"), FilesOutcome::Printed);
    h.shows_all(&["The guide and forms are printed. Please take them from the A4 printer."]);
    h.finish("Done");
}

#[test]
fn a_tampered_guide_is_refused_and_nothing_is_printed() {
    let h = kiosk();
    let admin = h.backend.demo.as_ref().expect("reference server").admin();
    admin.tamper_service_file(KK_BARU_GUIDE).expect("tamper");
    h.open("Daftar layanan", "Kartu Keluarga (KK) Baru");
    assert_eq!(h.print_files("Cetak petunjuk dan formulir"), FilesOutcome::Refused);
    h.shows_all(&[
        "Tidak dicetak: tanda tangan elektronik file tidak dapat diverifikasi, jadi file mungkin sudah diubah. Silakan tanyakan kepada petugas.",
    ]);
    assert_eq!((h.a4().jobs_printed(), h.a4().pages_printed()), (0, 0), "not even the forms");
    // The refusal reaches the central server through the outbox, without anyone's data.
    h.clock.advance(31_000);
    h.wait(|_| admin.audit_events_of_kind("service_file.refused").unwrap_or(0) == 1);
    h.finish("Selesai");
}

#[test]
fn the_list_needs_no_printer_and_back_leaves_it() {
    let h = kiosk();
    h.a4().inject(adm_a4::sim::SimFault::PaperOut);
    h.clock.advance(10_000);
    h.wait(|_| h.kiosk.runtime.borrow().machine().availability() != adm_kiosk::session::Availability::Ready);
    h.open("Daftar layanan", "Kartu Keluarga (KK) Baru");
    assert!(can_tap(h.app(), "Cetak daftar persyaratan"), "the receipt printer still works");
    assert!(!can_tap(h.app(), "Cetak petunjuk dan formulir"), "no A4 paper");
    tap(h.app(), "Kembali").expect("back");
    h.wait(|s| matches!(s, State::Services { desk } if desk.open.is_none()));
    tap(h.app(), "Kembali").expect("leave");
    h.wait(|s| matches!(s, State::Attract));
}
