//! The screen of a kiosk image booted without configuration or kiosk certificate
//! (`adm-kiosk unprovisioned`, run by the image's start script): it says so in Bahasa
//! Indonesia, with the kiosk's version, under the usual title bar.
#![cfg(feature = "demo")]

use adm_kiosk::headless;
use adm_kiosk::ui::AppWindow;
use slint::ComponentHandle;

#[test]
fn an_unprovisioned_kiosk_says_so_in_bahasa_indonesia_with_its_version() {
    headless::init().expect("headless platform");
    let app = AppWindow::new().expect("window");
    adm_kiosk::unprovisioned::show(&app);
    headless::show(&app).expect("shown");
    assert!(headless::shows(&app, "Kiosk ini belum disiapkan"), "title in Bahasa Indonesia");
    assert!(
        headless::shows(&app, &format!("Versi perangkat lunak {}", env!("CARGO_PKG_VERSION"))),
        "the kiosk's version"
    );
    // Nothing for a citizen to start: no attract-screen button.
    assert!(!headless::shows(&app, "Sentuh di sini untuk mulai"));
    let _ = app.hide();
}
