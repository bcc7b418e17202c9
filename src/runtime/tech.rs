//! The technician side of the runtime: performs what the console asks for (PIN check,
//! readiness checks, test pages, settings, power) on worker threads and keeps what the
//! maintenance screens show. Every step is an audit event.

use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use adm_a4::{JobProgress, PrintJob, PrinterStatus};
use adm_thermal::ReceiptStatus;

use super::Runtime;
use super::devices::lock;
use crate::config::Config;
use crate::console::{Console, Page};
use crate::maintenance::auth::{AuthOutcome, Authenticator, BACKOFF_FILE, Technician};
use crate::maintenance::checks::{self, CheckContext, CheckResult};
use crate::maintenance::report::{SlipHeader, readiness_slip};
use crate::maintenance::settings::{self, Settings};
use crate::session::{AuditEvent, Event, State};

/// What the technician screens can ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum TechIntent {
    Digit(u8),
    Backspace,
    Submit,
    Open(Page),
    /// One of the console's named actions (see [`Runtime::tech`]).
    Action(String),
    SaveSettings(Settings),
    Exit,
}

/// Answers from the workers.
#[derive(Debug)]
pub enum TechUpdate {
    Auth(AuthOutcome),
    Checks(Vec<CheckResult>),
    A4(Option<PrinterStatus>),
    Receipt(Option<ReceiptStatus>),
    Feedback(&'static str),
}

/// How power actions are carried out: for real under systemd, only reported in the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    Systemd,
    Simulated,
}

pub struct Tech {
    pub console: Console,
    gate: Arc<Mutex<Authenticator>>,
    technicians: Arc<Vec<Technician>>,
    pub checks: Vec<CheckResult>,
    pub a4: Option<PrinterStatus>,
    pub receipt: Option<ReceiptStatus>,
    /// Code of the last action's outcome, mapped to text by the UI.
    pub feedback: &'static str,
    pub settings_error: String,
    pub settings_saved: bool,
    pub config: Config,
    config_path: Option<PathBuf>,
    pub power: Power,
    pub(super) tx: Sender<TechUpdate>,
}

impl Tech {
    /// `now`: the runtime clock at start, from which a remembered backoff runs again.
    pub(super) fn new(
        config: Config,
        config_path: Option<PathBuf>,
        power: Power,
        tx: Sender<TechUpdate>,
        now: crate::session::Millis,
    ) -> Tech {
        // On the data partition next to the outbox, like the paper counter: a reboot must
        // not reset the backoff.
        let backoff_file = config.outbox.parent().map(|dir| dir.join(BACKOFF_FILE));
        Tech {
            console: Console::new(),
            gate: Arc::new(Mutex::new(Authenticator::open(backoff_file, now))),
            technicians: Arc::new(config.technicians.clone()),
            checks: vec![],
            a4: None,
            receipt: None,
            feedback: "",
            settings_error: String::new(),
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
        self.tech.console = Console::new();
        self.tech.feedback = "";
        self.audit(AuditEvent::TechnicianGesture);
    }

    pub fn tech(&mut self, intent: TechIntent) {
        if !matches!(self.machine().state(), State::Maintenance) {
            return;
        }
        // Every tap keeps the console open (the machine times it out when idle).
        self.dispatch(Event::TechnicianActivity);
        let now = self.now();
        match intent {
            TechIntent::Digit(d) => self.tech.console.digit(d),
            TechIntent::Backspace => self.tech.console.backspace(),
            TechIntent::Submit => {
                if let Some(crate::console::Action::CheckPin { pin }) = self.tech.console.submit(now) {
                    let (gate, technicians, tx) =
                        (self.tech.gate.clone(), self.tech.technicians.clone(), self.tech.tx.clone());
                    // Argon2 is deliberately slow: never on the UI thread.
                    self.tokio().spawn_blocking(move || {
                        let outcome = gate.lock().unwrap_or_else(|e| e.into_inner()).attempt(now, &pin, &technicians);
                        let _ = tx.send(TechUpdate::Auth(outcome));
                    });
                }
            }
            TechIntent::Open(page) => {
                if self.tech.console.technician().is_some() {
                    self.tech.console.open(page);
                    self.tech.settings_saved = false;
                    self.tech.settings_error.clear();
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
            TechIntent::Action(action) => {
                if self.tech.console.technician().is_some() {
                    self.audit(AuditEvent::TechnicianAction { action: action.clone() });
                    self.tech_action(&action);
                }
            }
            TechIntent::SaveSettings(s) => {
                if self.tech.console.technician().is_some() {
                    self.save_settings(s);
                }
            }
            TechIntent::Exit => {
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
        self.tech.console = Console::new();
        self.tech.feedback = "";
    }

    pub(super) fn apply_tech_update(&mut self, update: TechUpdate) {
        match update {
            TechUpdate::Auth(AuthOutcome::Granted { technician_id }) => {
                self.audit(AuditEvent::TechnicianSignedIn { technician: technician_id.clone() });
                self.tech.console.granted(technician_id);
                self.run_checks();
            }
            TechUpdate::Auth(AuthOutcome::Wrong { wait_ms }) => {
                self.audit(AuditEvent::TechnicianPinRefused { wait_seconds: wait_ms.div_ceil(1000) });
                let until = self.now() + wait_ms;
                self.tech.console.refused(until);
            }
            // Tapped during the backoff: not another attempt, so not another audit event.
            TechUpdate::Auth(AuthOutcome::MustWait { remaining_ms }) => {
                let until = self.now() + remaining_ms;
                self.tech.console.refused(until);
            }
            TechUpdate::Checks(results) => self.tech.checks = results,
            TechUpdate::A4(s) => self.tech.a4 = s,
            TechUpdate::Receipt(s) => self.tech.receipt = s,
            TechUpdate::Feedback(code) => self.tech.feedback = code,
        }
    }

    fn check_context(&self) -> CheckContext {
        // From the configuration: a real kiosk whose certificate file is unreadable must
        // fail the certificate check, not pass as "demo".
        CheckContext::from_config(&self.tech.config, &self.devices)
    }

    fn run_checks(&mut self) {
        let ctx = self.check_context();
        let tx = self.tech.tx.clone();
        self.tokio().spawn(async move {
            let results = checks::run_all(&ctx).await;
            let _ = tx.send(TechUpdate::Checks(results));
        });
    }

    fn refresh_printers(&mut self) {
        let (a4, receipt, tx) = (self.devices.a4.clone(), self.devices.receipt.clone(), self.tech.tx.clone());
        self.tokio().spawn_blocking(move || {
            let _ = tx.send(TechUpdate::A4(lock(&a4).status().ok()));
            let _ = tx.send(TechUpdate::Receipt(lock(&receipt).status().ok()));
        });
    }

    fn tech_action(&mut self, action: &str) {
        let tx = self.tech.tx.clone();
        match action {
            "run-checks" => self.run_checks(),
            "a4-test-page" => {
                let (a4, paper) = (self.devices.a4.clone(), self.devices.paper.clone());
                self.tokio().spawn_blocking(move || {
                    let job = PrintJob::new("test-page", crate::document::test_page::pdf(), 1);
                    let printed = lock(&a4).print(&job, &mut |_: JobProgress| {});
                    paper.add(match &printed {
                        Ok(n) => *n,
                        Err(e) => e.pages_done(),
                    });
                    let ok = printed.is_ok();
                    let _ = tx.send(TechUpdate::Feedback(if ok { "a4-test-ok" } else { "a4-test-failed" }));
                    let _ = tx.send(TechUpdate::A4(lock(&a4).status().ok()));
                });
            }
            "paper-loaded" => {
                self.devices.paper.reset();
                self.tech.feedback = "paper-loaded";
                self.refresh_printers();
            }
            "receipt-test-page" | "print-readiness" => {
                let receipt = self.devices.receipt.clone();
                let width = self.devices.receipt_width;
                let header = SlipHeader {
                    lang: adm_text::Language::Id,
                    kiosk_id: self.info.kiosk_id.clone(),
                    site: self.info.site.clone(),
                    printed_at: chrono::Local::now().format("%Y-%m-%d %H:%M").to_string(),
                };
                let bytes = readiness_slip(&self.tech.checks, &header, width);
                self.tokio().spawn_blocking(move || {
                    let ok = lock(&receipt).print(&bytes).is_ok();
                    let _ = tx.send(TechUpdate::Feedback(if ok { "receipt-test-ok" } else { "receipt-test-failed" }));
                    let _ = tx.send(TechUpdate::Receipt(lock(&receipt).status().ok()));
                });
            }
            "out-of-service" => {
                self.set_out_of_service(true);
                self.tech.feedback = "out-of-service";
            }
            "in-service" => {
                self.set_out_of_service(false);
                self.tech.feedback = "in-service";
            }
            "restart-app" | "reboot" | "shutdown" => self.power(action),
            _ => {}
        }
    }

    fn power(&mut self, action: &str) {
        if self.tech.power == Power::Simulated {
            self.tech.feedback = "power-simulated";
            return;
        }
        self.tech.feedback = "power-requested";
        let command = match action {
            // systemd restarts the service (Restart=always).
            "restart-app" => std::process::exit(0),
            "reboot" => "reboot",
            _ => "poweroff",
        };
        if let Err(e) = std::process::Command::new("systemctl").arg(command).spawn() {
            tracing::error!(error = %e, command, "power action");
            self.tech.feedback = "power-failed";
        }
    }

    fn save_settings(&mut self, s: Settings) {
        self.tech.settings_saved = false;
        match settings::apply(&self.tech.config, &s) {
            Ok(config) => {
                if let Some(path) = &self.tech.config_path
                    && let Err(e) = settings::save(path, &config)
                {
                    self.tech.settings_error = format!("{}: {e}", path.display());
                    return;
                }
                self.audit(AuditEvent::TechnicianAction { action: "settings-saved".into() });
                self.apply_config(&config);
                self.tech.config = config;
                self.tech.settings_error.clear();
                self.tech.settings_saved = true;
            }
            Err(e) => self.tech.settings_error = e.to_string(),
        }
    }
}
