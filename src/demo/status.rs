//! The headless demo's "Status pengajuan" (issue #19): BUDI SANTOSO opens his applications
//! from the documents screen — one in each status — and prints the pickup slip of his
//! KTP-el and the address label for posting the papers of his new KK on the receipt
//! printer, in Bahasa Indonesia and in English. Then DEWI LESTARI's finished death
//! certificate goes straight into the print flow ("Cetak sekarang"), and JOKO SUSILO, with
//! nothing to print yet, reaches his cancelled application from the documents screen.

use super::{DEMO_NIK, DEMO_PIN, DemoError, Shots, WAIT, expect};
use crate::app::Kiosk;
use crate::headless::{shows, sign_in_with_nik, tap, wait_for};
use crate::runtime::clock::ManualClock;
use crate::session::{SlipOutcome, State};

/// Budi's applications as the list's tiles name them (title · code), with the screen
/// names of their PNGs.
const BUDI_APPS: [(&str, &str, &str); 6] = [
    ("Surat Keterangan Pindah WNI (SKPWNI)", "PGJ-2025-0205-0007", "status-baru"),
    ("Kartu Keluarga (KK) Baru", "PGJ-2025-0204-0031", "status-send-files"),
    ("Kartu Identitas Anak (KIA)", "PGJ-2025-0203-0022", "status-diproses"),
    ("Akta Kelahiran", "PGJ-2025-0120-0003", "status-dibatalkan"),
    ("Penggantian KTP-el (rusak, hilang, perubahan data)", "PGJ-2025-0106-0014", "status-pickup"),
    ("Kartu Keluarga (KK) Baru", "PGJ-2024-0318-0001", "status-selesai-print"),
];
const BUDI_APPS_EN: [&str; 6] = [
    "Moving Certificate for Indonesian Citizens (SKPWNI)",
    "New Family Card (KK)",
    "Child Identity Card (KIA)",
    "Birth Certificate",
    "Replacement KTP-el (damaged, lost, changed data)",
    "New Family Card (KK)",
];
/// JOKO SUSILO (central/README.md): no document yet, his KK Baru application cancelled.
const JOKO_NIK: &str = "3578010101900007";
const JOKO_PIN: &str = "135790";
/// DEWI LESTARI (central/README.md): her death certificate application is finished.
const DEWI_NIK: &str = "3374024911750001";
const DEWI_PIN: &str = "246810";

pub(super) fn script(kiosk: &Kiosk, clock: &ManualClock, shots: &mut Shots) -> Result<(), DemoError> {
    let app = &kiosk.app;
    let slip_printed = |kiosk: &Kiosk| {
        wait_for(kiosk, WAIT, |s| matches!(s, State::Applications { desk } if desk.slip != SlipOutcome::Printing))
    };
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;

    // 11. Budi, in Bahasa Indonesia: the list, then each application and its next step.
    sign_in_with_nik(app, DEMO_NIK, DEMO_PIN)?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Documents { .. }))?;
    tap(app, "Lihat status pengajuan saya")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Applications { .. }))?;
    shots.take(kiosk, "status-list")?;
    for (title, code, name) in BUDI_APPS {
        tap(app, &format!("{title} · {code}"))?;
        shots.take(kiosk, name)?;
        if name == "status-pickup" {
            tap(app, "Cetak bukti pengambilan")?;
            slip_printed(kiosk)?;
            expect(shows(app, "Sudah dicetak. Silakan ambil kertasnya di tempat keluar struk."), "pickup slip")?;
            shots.take(kiosk, "status-pickup-printed")?;
        }
        if name == "status-send-files" {
            tap(app, "Cetak label alamat")?;
            slip_printed(kiosk)?;
            shots.take(kiosk, "status-label-printed")?;
        }
        tap(app, "Kembali")?;
    }

    // 12. The same in English.
    tap(app, "English")?;
    shots.take(kiosk, "status-list-english")?;
    for ((_, code, name), title) in BUDI_APPS.iter().zip(BUDI_APPS_EN) {
        tap(app, &format!("{title} · {code}"))?;
        shots.take(kiosk, &format!("{name}-english"))?;
        tap(app, "Back")?;
    }
    tap(app, "Back")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Documents { .. }))?;
    tap(app, "Cancel")?;
    clock.advance(10_000);
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;

    // 13. Dewi's death certificate is finished: "Cetak sekarang" opens the confirm screen
    //     with it chosen.
    sign_in_with_nik(app, DEWI_NIK, DEWI_PIN)?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Documents { .. }))?;
    tap(app, "Lihat status pengajuan saya")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Applications { .. }))?;
    tap(app, "Akta Kematian · PGJ-2023-0306-0011")?;
    shots.take(kiosk, "status-print-now")?;
    tap(app, "Cetak sekarang")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Confirm { .. }))?;
    shots.take(kiosk, "status-print-confirm")?;
    tap(app, "Batal")?;
    clock.advance(10_000);
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;

    // 13b. Joko has nothing to print yet (his KK Baru application was cancelled): the
    //      documents screen says so and leads to the status of his applications.
    sign_in_with_nik(app, JOKO_NIK, JOKO_PIN)?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Documents { .. }))?;
    expect(
        shows(
            app,
            "Belum ada dokumen Anda yang siap dicetak. Lihat status pengajuan Anda dan langkah selanjutnya di bawah.",
        ),
        "nothing to print yet",
    )?;
    shots.take(kiosk, "documents-nothing-yet")?;
    tap(app, "English")?;
    shots.take(kiosk, "documents-nothing-yet-english")?;
    tap(app, "See the status of my applications")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Applications { .. }))?;
    expect(shows(app, "Cancelled"), "his cancelled application")?;
    tap(app, "Back")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Documents { .. }))?;
    tap(app, "Cancel")?;
    clock.advance(10_000);
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;
    Ok(())
}
