//! Maintenance in the runtime: performs what the console asks for (PIN check, readiness
//! checks, test pages, settings, power) on worker threads and keeps what the maintenance
//! screens show. Every step is an audit event.

use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use adm_a4::{JobProgress, PrintJob, PrinterStatus};
use adm_thermal::ReceiptStatus;

use super::Runtime;
use crate::config::Config;
use crate::devices::lock;
use crate::maintenance::auth::{AuthOutcome, Authenticator, BACKOFF_FILE, Technician};
use crate::maintenance::checks::{self, CheckContext, CheckResult};
use crate::maintenance::console::{Action, Console, Feedback, Page};
use crate::maintenance::report::{SlipHeader, readiness_slip};
use crate::maintenance::settings::{self, Settings};
use crate::session::{AuditEvent, Event, State};

/// What the maintenance screens can ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum MaintenanceIntent {
    Digit(u8),
    Backspace,
    Submit,
    Open(Page),
    /// One of the console's named actions.
    Action(Action),
    SaveSettings(Settings),
    Exit,
}

/// Answers from the workers.
#[derive(Debug)]
pub enum MaintenanceUpdate {
    Auth(AuthOutcome),
    Checks(Vec<CheckResult>),
    A4(Option<PrinterStatus>),
    Receipt(Option<ReceiptStatus>),
    Feedback(Feedback),
}

/// How power actions are carried out: for real under systemd, only reported in the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    Systemd,
    Simulated,
}

pub struct Maintenance {
    pub console: Console,
    gate: Arc<Mutex<Authenticator>>,
    technicians: Arc<Vec<Technician>>,
    pub checks: Vec<CheckResult>,
    pub a4: Option<PrinterStatus>,
    pub receipt: Option<ReceiptStatus>,
    /// The last action's outcome (the UI owns its text).
    pub feedback: Feedback,
    /// Why the last save was refused: its field (or "file" when the file could not be
    /// written), which the screen words in the technician's language, and the English
    /// reason (logged; the tests print it).
    pub settings_refused: Option<settings::SettingsError>,
    pub settings_saved: bool,
    pub config: Config,
    config_path: Option<PathBuf>,
    pub power: Power,
    pub(super) tx: Sender<MaintenanceUpdate>,
}

impl Maintenance {
    /// `now`: the runtime clock at start, from which a remembered backoff runs again.
    pub(super) fn new(
        config: Config,
        config_path: Option<PathBuf>,
        power: Power,
        tx: Sender<MaintenanceUpdate>,
        now: crate::session::Millis,
    ) -> Maintenance {
        // On the data partition next to the outbox, like the paper counter: a reboot must
        // not reset the backoff.
        let backoff_file = config.outbox.parent().map(|dir| dir.join(BACKOFF_FILE));
        Maintenance {
            console: Console::new(),
            gate: Arc::new(Mutex::new(Authenticator::open(backoff_file, now))),
            technicians: Arc::new(config.technicians.clone()),
            checks: vec![],
            a4: None,
            receipt: None,
            feedback: Feedback::None,
            settings_refused: None,
            settings_saved: false,
            config,
            config_path,
            power,
            tx,
        }
    }
}

impl Runtime {
    /// The hidden gesture on the attract screen.
    pub fn maintenance_gesture(&mut self) {
        if !matches!(self.machine().state(), State::Attract) {
            return;
        }
        self.dispatch(Event::EnterMaintenance);
        self.maintenance.console = Console::new();
        self.maintenance.feedback = Feedback::None;
        self.audit(AuditEvent::TechnicianGesture);
    }

    pub fn maintenance_intent(&mut self, intent: MaintenanceIntent) {
        if !matches!(self.machine().state(), State::Maintenance) {
            return;
        }
        // Every tap keeps the console open (the machine times it out when idle).
        self.dispatch(Event::TechnicianActivity);
        let now = self.now();
        match intent {
            MaintenanceIntent::Digit(d) => self.maintenance.console.digit(d),
            MaintenanceIntent::Backspace => self.maintenance.console.backspace(),
            MaintenanceIntent::Submit => {
                if let Some(pin) = self.maintenance.console.submit(now) {
                    let (gate, technicians, tx) = (
                        self.maintenance.gate.clone(),
                        self.maintenance.technicians.clone(),
                        self.maintenance.tx.clone(),
                    );
                    // Argon2 is deliberately slow: never on the UI thread.
                    self.tokio().spawn_blocking(move || {
                        let outcome = gate.lock().unwrap_or_else(|e| e.into_inner()).attempt(now, &pin, &technicians);
                        let _ = tx.send(MaintenanceUpdate::Auth(outcome));
                    });
                }
            }
            MaintenanceIntent::Open(page) => {
                if self.maintenance.console.technician().is_some() {
                    self.maintenance.console.open(page);
                    self.maintenance.settings_saved = false;
                    self.maintenance.settings_refused = None;
                    // The camera runs only while its page is open.
                    self.stop_scanner();
                    match page {
                        Page::Overview | Page::Network => self.run_checks(),
                        Page::A4 | Page::Receipt => self.refresh_printers(),
                        Page::Camera => self.start_probe(),
                        _ => {}
                    }
                }
            }
            MaintenanceIntent::Action(action) => {
                if self.maintenance.console.technician().is_some() {
                    self.audit(AuditEvent::TechnicianAction { action: action.code() });
                    self.maintenance_action(action);
                }
            }
            MaintenanceIntent::SaveSettings(s) => {
                if self.maintenance.console.technician().is_some() {
                    self.save_settings(s);
                }
            }
            MaintenanceIntent::Exit => {
                self.end_console();
                self.audit(AuditEvent::TechnicianExit);
                self.dispatch(Event::ExitMaintenance);
            }
        }
    }

    /// The console closes (exit, or the machine's idle timeout): camera off, back to
    /// the PIN screen for whoever opens it next.
    pub(super) fn end_console(&mut self) {
        self.stop_scanner();
        self.maintenance.console = Console::new();
        self.maintenance.feedback = Feedback::None;
    }

    pub(super) fn apply_maintenance_update(&mut self, update: MaintenanceUpdate) {
        match update {
            MaintenanceUpdate::Auth(AuthOutcome::Granted { technician_id }) => {
                self.audit(AuditEvent::TechnicianSignedIn { technician: technician_id.clone() });
                self.maintenance.console.granted(technician_id);
                self.run_checks();
            }
            MaintenanceUpdate::Auth(AuthOutcome::Wrong { wait_ms }) => {
                self.audit(AuditEvent::TechnicianPinRefused { wait_seconds: wait_ms.div_ceil(1000) });
                let until = self.now() + wait_ms;
                self.maintenance.console.refused(until);
            }
            // Tapped during the backoff: not another attempt, so not another audit event.
            MaintenanceUpdate::Auth(AuthOutcome::MustWait { remaining_ms }) => {
                let until = self.now() + remaining_ms;
                self.maintenance.console.refused(until);
            }
            MaintenanceUpdate::Checks(results) => self.maintenance.checks = results,
            MaintenanceUpdate::A4(s) => self.maintenance.a4 = s,
            MaintenanceUpdate::Receipt(s) => self.maintenance.receipt = s,
            MaintenanceUpdate::Feedback(code) => self.maintenance.feedback = code,
        }
    }

    fn check_context(&self) -> CheckContext {
        // From the configuration: a real kiosk whose certificate file is unreadable must
        // fail the certificate check, not pass as "demo".
        CheckContext::from_config(&self.maintenance.config, &self.devices)
    }

    fn run_checks(&mut self) {
        let ctx = self.check_context();
        let tx = self.maintenance.tx.clone();
        self.tokio().spawn(async move {
            let results = checks::run_all(&ctx).await;
            let _ = tx.send(MaintenanceUpdate::Checks(results));
        });
    }

    fn refresh_printers(&mut self) {
        let (a4, receipt, tx) = (self.devices.a4.clone(), self.devices.receipt.clone(), self.maintenance.tx.clone());
        self.tokio().spawn_blocking(move || {
            let _ = tx.send(MaintenanceUpdate::A4(lock(&a4).status().ok()));
            let _ = tx.send(MaintenanceUpdate::Receipt(lock(&receipt).status().ok()));
        });
    }

    fn maintenance_action(&mut self, action: Action) {
        let tx = self.maintenance.tx.clone();
        match action {
            Action::RunChecks => self.run_checks(),
            Action::A4TestPage => {
                let (a4, paper) = (self.devices.a4.clone(), self.devices.paper.clone());
                self.tokio().spawn_blocking(move || {
                    let job = PrintJob::new("test-page", crate::document::test_page::pdf(), 1);
                    let printed = lock(&a4).print(&job, &mut |_: JobProgress| {});
                    paper.add(match &printed {
                        Ok(n) => *n,
                        Err(e) => e.pages_done(),
                    });
                    let ok = printed.is_ok();
                    let _ = tx.send(MaintenanceUpdate::Feedback(if ok {
                        Feedback::A4TestOk
                    } else {
                        Feedback::A4TestFailed
                    }));
                    let _ = tx.send(MaintenanceUpdate::A4(lock(&a4).status().ok()));
                });
            }
            Action::PaperLoaded => {
                self.devices.paper.reset();
                self.maintenance.feedback = Feedback::PaperLoaded;
                self.refresh_printers();
            }
            Action::ReceiptTestPage | Action::PrintReadiness => {
                let receipt = self.devices.receipt.clone();
                let width = self.devices.receipt_width;
                let header = SlipHeader {
                    lang: adm_text::Language::Id,
                    kiosk_id: self.info.kiosk_id.clone(),
                    site: self.info.site.clone(),
                    printed_at: chrono::Local::now().format("%Y-%m-%d %H:%M").to_string(),
                };
                let bytes = readiness_slip(&self.maintenance.checks, &header, width);
                self.tokio().spawn_blocking(move || {
                    let ok = lock(&receipt).print(&bytes).is_ok();
                    let _ = tx.send(MaintenanceUpdate::Feedback(if ok {
                        Feedback::ReceiptTestOk
                    } else {
                        Feedback::ReceiptTestFailed
                    }));
                    let _ = tx.send(MaintenanceUpdate::Receipt(lock(&receipt).status().ok()));
                });
            }
            Action::OutOfService => {
                self.set_out_of_service(true);
                self.maintenance.feedback = Feedback::OutOfService;
            }
            Action::InService => {
                self.set_out_of_service(false);
                self.maintenance.feedback = Feedback::InService;
            }
            Action::RestartApp | Action::Reboot | Action::Shutdown => self.power(action),
            Action::CheckUpdate => {
                self.maintenance.feedback = match self.updater() {
                    Some(update) => {
                        update.check_now();
                        Feedback::UpdateChecking
                    }
                    None => Feedback::UpdateUnavailable,
                };
            }
        }
    }

    fn power(&mut self, action: Action) {
        if self.maintenance.power == Power::Simulated {
            self.maintenance.feedback = Feedback::PowerSimulated;
            return;
        }
        self.maintenance.feedback = Feedback::PowerRequested;
        let command = match action {
            // systemd restarts the service (Restart=always).
            Action::RestartApp => std::process::exit(0),
            Action::Reboot => "reboot",
            _ => "poweroff",
        };
        if let Err(e) = std::process::Command::new("systemctl").arg(command).spawn() {
            tracing::error!(error = %e, command, "power action");
            self.maintenance.feedback = Feedback::PowerFailed;
        }
    }

    fn save_settings(&mut self, s: Settings) {
        self.maintenance.settings_saved = false;
        match settings::apply(&self.maintenance.config, &s) {
            Ok(config) => {
                if let Some(path) = &self.maintenance.config_path
                    && let Err(e) = settings::save(path, &config)
                {
                    tracing::error!(error = %e, path = %path.display(), "settings not saved");
                    self.maintenance.settings_refused =
                        Some(settings::SettingsError { field: "file", message: format!("{}: {e}", path.display()) });
                    return;
                }
                self.audit(AuditEvent::TechnicianAction { action: "settings-saved" });
                self.apply_config(&config);
                self.maintenance.config = config;
                self.maintenance.settings_refused = None;
                self.maintenance.settings_saved = true;
            }
            Err(e) => {
                tracing::warn!(field = e.field, reason = %e.message, "settings refused");
                self.maintenance.settings_refused = Some(e);
            }
        }
    }
}
