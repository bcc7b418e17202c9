//! The headless demo's document check ("cek dokumen", issue #19): a passer-by holds
//! printed documents up to the simulated camera, without signing in — one AKTIF, one
//! replaced (TIDAK AKTIF), a forged one (TIDAK VALID) and a QR that is no document code
//! at all — in Bahasa Indonesia, then in English with the code typed by hand. Then a
//! citizen whose KK is replaced between choosing and printing: refused, the rest prints.

use super::{DemoError, Shots, WAIT, expect};
use crate::app::{Backend, Kiosk, SimHandles, qr_camera};
use crate::devices::lock;
use crate::headless::{shows, sign_in_with_nik, tap, wait_for};
use crate::runtime::clock::ManualClock;
use crate::scan::document;
use crate::session::{ReceiptOutcome, State};

/// Verification codes printed on the reference server's demo documents
/// (`central/server/src/seed.rs`): Budi's Kartu Keluarga, and the one it replaced.
pub const AKTIF_KK_CODE: &str = "3QF8ZK2M7T4WXN9A";
pub const REPLACED_KK_CODE: &str = "8H2K6RZQ4V9MXT3C";
/// A well-formed code no server issued: a forged paper.
pub const FORGED_CODE: &str = "FRGD0000FRGD0000";
/// What a damaged or foreign QR may read as: no document code.
pub const GARBAGE_QR: &str = "%PDF?\u{1}#garbled~QR";
/// DEWI LESTARI (central/README.md) and her Kartu Keluarga, replaced while she prints.
const DEWI_NIK: &str = "3374024911750001";
const DEWI_PIN: &str = "246810";
const DEWI_KK_ID: &str = "doc-demo-0008";

pub(super) fn script(
    kiosk: &Kiosk,
    clock: &ManualClock,
    sim: &SimHandles,
    backend: &Backend,
    shots: &mut Shots,
) -> Result<(), DemoError> {
    let host = backend.public_host.as_str();
    // A real camera has nothing the script can hold up to it.
    let Some(camera) = &sim.camera else { return Ok(()) };
    let hold = |payload: &str| *lock(camera) = Box::new(qr_camera(payload));
    let app = &kiosk.app;
    let result = |kiosk: &Kiosk| wait_for(kiosk, WAIT, |s| matches!(s, State::CheckResult { .. }));
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;

    // 8. Cek dokumen, in Bahasa Indonesia: the current KK, the old one, a forgery, garbage.
    hold(&document::payload(host, AKTIF_KK_CODE));
    tap(app, "Cek status dokumen")?;
    wait_for(kiosk, WAIT, |_| kiosk.runtime.borrow().preview().lock().map(|p| p.is_some()).unwrap_or(false))?;
    shots.take(kiosk, "check-scan")?;
    result(kiosk)?;
    expect(shows(app, "AKTIF") && shows(app, "Jenis dokumen: Kartu Keluarga (KK)"), "check: AKTIF")?;
    shots.take(kiosk, "check-aktif")?;
    for (payload, name, status) in [
        (document::payload(host, REPLACED_KK_CODE), "check-tidak-aktif", "TIDAK AKTIF"),
        (document::payload(host, FORGED_CODE), "check-tidak-valid", "TIDAK VALID"),
        (GARBAGE_QR.to_owned(), "check-unreadable", "TIDAK VALID"),
    ] {
        hold(&payload);
        tap(app, "Periksa dokumen lain")?;
        result(kiosk)?;
        expect(shows(app, status), name)?;
        shots.take(kiosk, name)?;
    }
    tap(app, "Selesai")?;
    clock.advance(10_000);
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;

    // 9. The same in English; the last code is typed (its QR would not scan).
    tap(app, "English")?;
    hold(&document::payload(host, AKTIF_KK_CODE));
    tap(app, "Check a document's status")?;
    result(kiosk)?;
    shots.take(kiosk, "check-aktif-english")?;
    for (payload, name) in [
        (document::payload(host, REPLACED_KK_CODE), "check-tidak-aktif-english"),
        (document::payload(host, FORGED_CODE), "check-tidak-valid-english"),
        (GARBAGE_QR.to_owned(), "check-unreadable-english"),
    ] {
        hold(&payload);
        tap(app, "Check another document")?;
        result(kiosk)?;
        shots.take(kiosk, name)?;
    }
    hold("");
    tap(app, "Check another document")?;
    tap(app, "Type the code instead")?;
    for c in REPLACED_KK_CODE.chars() {
        tap(app, &c.to_string())?;
    }
    shots.take(kiosk, "check-code-english")?;
    tap(app, "Next")?;
    result(kiosk)?;
    expect(shows(app, "TIDAK AKTIF"), "typed code: TIDAK AKTIF")?;
    tap(app, "Done")?;
    clock.advance(10_000);
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;

    // 10. Dewi chooses her KK and her husband's death certificate; at the office a new KK
    //     replaces hers before she prints: it is refused (TIDAK AKTIF), the other prints.
    let Some(server) = &backend.demo else { return Ok(()) };
    sign_in_with_nik(app, DEWI_NIK, DEWI_PIN)?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Documents { .. }))?;
    tap(app, "Lanjut dengan 2 dokumen")?;
    server.admin().supersede_document(DEWI_KK_ID).map_err(|e| DemoError::Script(format!("supersede: {e}")))?;
    tap(app, "Cetak sekarang")?;
    wait_for(kiosk, WAIT, |s| matches!(s, State::Collect { receipt, .. } if *receipt != ReceiptOutcome::Pending))?;
    expect(
        shows(
            app,
            "Tidak dicetak: dokumen ini sudah diganti yang baru (TIDAK AKTIF). Mintalah dokumen terbaru ke Dukcapil.",
        ),
        "replaced KK refused",
    )?;
    shots.take(kiosk, "print-refused-inactive")?;
    tap(app, "English")?;
    shots.take(kiosk, "print-refused-inactive-english")?;
    tap(app, "Done")?;
    clock.advance(10_000);
    wait_for(kiosk, WAIT, |s| matches!(s, State::Attract))?;
    Ok(())
}
