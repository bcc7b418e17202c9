//! `adm-kiosk unprovisioned`: what a kiosk shows before it has been provisioned — no
//! configuration and no kiosk certificate on its data partition yet (the kiosk image's
//! start script runs this instead of `run`). The usual title bar, then a screen that
//! says so in Bahasa Indonesia with the kiosk's version; nothing a citizen can start.
//!
//! It is still a `Type=notify` service with a watchdog: READY=1 once the UI runs,
//! pings only while the UI thread turns. So the image's boot check treats it like the
//! kiosk (a freshly flashed kiosk boots, shows this, and its boot is marked good).

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use slint::ComponentHandle;

use crate::telemetry::watchdog::{self, Liveness, Watchdog};
use crate::ui::{AppWindow, Kiosk, Screen};

#[derive(Debug, thiserror::Error)]
pub enum UnprovisionedError {
    #[error("the screen: {0}")]
    Ui(#[from] slint::PlatformError),
    #[error("the systemd watchdog: {0}")]
    Watchdog(#[from] std::io::Error),
}

/// Puts the unprovisioned screen, in Bahasa Indonesia, on `app`.
pub fn show(app: &AppWindow) {
    // Bundled translations can only be selected once a component exists.
    let _ = slint::select_bundled_translation("id");
    let k = app.global::<Kiosk>();
    k.set_software_version(env!("CARGO_PKG_VERSION").into());
    k.set_screen(Screen::Unprovisioned);
}

/// Shows the screen until the process is stopped.
pub fn run() -> Result<(), UnprovisionedError> {
    let app = AppWindow::new()?;
    show(&app);
    let liveness = Arc::new(Liveness::new(Duration::from_secs(10)));
    let beat = liveness.clone();
    let timer = Rc::new(slint::Timer::default());
    timer.start(slint::TimerMode::Repeated, Duration::from_secs(1), move || beat.beat());
    let _ = watchdog::notify_ready();
    let _ = watchdog::notify_status("not provisioned");
    let _watchdog = Watchdog::from_env().map(|w| w.spawn(move || liveness.is_alive())).transpose()?;
    tracing::warn!("no configuration: showing the unprovisioned screen");
    app.run()?;
    let _ = watchdog::notify_stopping();
    Ok(())
}

/// Renders the screen headless into a PNG (the VM tests' reference screen).
#[cfg(feature = "demo")]
pub fn snapshot(path: &std::path::Path) -> Result<(), crate::headless::HeadlessError> {
    crate::headless::init()?;
    let app = AppWindow::new().map_err(|e| crate::headless::HeadlessError::Platform(e.to_string()))?;
    show(&app);
    crate::headless::show(&app)?;
    crate::headless::snapshot(&app, path)
}
