//! The headless demo's "Daftar layanan" (issue #19): a passer-by reads the service list
//! without signing in, opens KK Baru, prints its requirement checklist on the receipt
//! printer and its guide and blank forms on A4 — in Bahasa Indonesia, then in English.
//! Then the server serves a guide whose signature no longer holds: refused, nothing
//! printed.

use super::{DemoError, Shots, WAIT, expect};
use crate::app::{Backend, Kiosk};
use crate::headless::{shows, tap, wait_for};
use crate::runtime::clock::ManualClock;
use crate::session::{FilesOutcome, SlipOutcome, State};

/// The guide of KK Baru on the reference server (`central/server/src/catalogue`).
pub const KK_BARU_GUIDE: &str = "kk-baru-petunjuk";

pub(super) fn script(
    kiosk: &Kiosk,
    clock: &ManualClock,
    backend: &Backend,
    shots: &mut Shots,
) -> Result<(), DemoError> {
    let app = &kiosk.app;
    let listed = |kiosk: &Kiosk| wait_for(kiosk, WAIT, |s| matches!(s, State::Services { .. }));
    let checklist_done = |kiosk: &Kiosk| {
        wait_for(kiosk, WAIT, |s| matches!(s, State::Services { desk } if desk.checklist != SlipOutcome::Printing))
    };
    let files_done = |kiosk: &Kiosk| {
        wait_for(kiosk, WAIT, |s| matches!(s, State::Services { desk } if desk.files != FilesOutcome::Printing))
    };
    let home = |kiosk: &Kiosk, done: &str| -> Result<(), DemoError> {
        tap(&kiosk.app, done)?;
        clock.advance(10_000);
        Ok(wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?)
    };
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;

    // 14. Daftar layanan, in Bahasa Indonesia: KK Baru, its checklist, its guide and forms.
    tap(app, "Daftar layanan")?;
    listed(kiosk)?;
    shots.take(kiosk, "services-list")?;
    tap(app, "Kartu Keluarga (KK) Baru")?;
    expect(shows(app, "1 hari kerja") && shows(app, "Tidak dipungut biaya (Gratis)"), "KK Baru: time and fee")?;
    shots.take(kiosk, "service-detail")?;
    tap(app, "Cetak daftar persyaratan")?;
    checklist_done(kiosk)?;
    expect(shows(app, "Sudah dicetak. Silakan ambil kertasnya di tempat keluar struk."), "checklist printed")?;
    shots.take(kiosk, "service-checklist-printed")?;
    tap(app, "Cetak petunjuk dan formulir")?;
    files_done(kiosk)?;
    expect(shows(app, "Petunjuk dan formulir sudah dicetak. Silakan ambil di printer A4."), "guide and forms printed")?;
    shots.take(kiosk, "service-files-printed")?;
    home(kiosk, "Selesai")?;

    // 15. The same in English.
    tap(app, "English")?;
    tap(app, "Service list")?;
    listed(kiosk)?;
    shots.take(kiosk, "services-list-english")?;
    tap(app, "New Family Card (KK)")?;
    shots.take(kiosk, "service-detail-english")?;
    tap(app, "Print the checklist")?;
    checklist_done(kiosk)?;
    tap(app, "Print the guide and forms")?;
    files_done(kiosk)?;
    shots.take(kiosk, "service-files-printed-english")?;
    home(kiosk, "Done")?;

    // 16. The server now serves a guide changed after signing (listed with its new
    //     checksum): the kiosk refuses it and prints nothing of the service's papers.
    let Some(server) = &backend.demo else { return Ok(()) };
    server.admin().tamper_service_file(KK_BARU_GUIDE).map_err(|e| DemoError::Script(format!("tamper: {e}")))?;
    tap(app, "Daftar layanan")?;
    listed(kiosk)?;
    tap(app, "Kartu Keluarga (KK) Baru")?;
    tap(app, "Cetak petunjuk dan formulir")?;
    files_done(kiosk)?;
    expect(
        shows(
            app,
            "Tidak dicetak: tanda tangan elektronik file tidak dapat diverifikasi, jadi file mungkin sudah diubah. Silakan tanyakan kepada petugas.",
        ),
        "tampered guide refused",
    )?;
    shots.take(kiosk, "service-files-refused")?;
    tap(app, "English")?;
    shots.take(kiosk, "service-files-refused-english")?;
    home(kiosk, "Done")?;
    Ok(())
}
