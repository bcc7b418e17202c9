//! The effects half of the kiosk: performs what the session machine asks for, on
//! worker threads, and feeds the answers back as events.
//!
//! Nothing here blocks the UI thread: the UI calls [`Runtime::dispatch`] for intents
//! and [`Runtime::pump`] a few times a second; both only move events.

pub mod clock;
pub mod devices;
mod print;
mod receipt;

use std::collections::VecDeque;
use std::sync::mpsc;

use crate::central::{CentralError, SessionToken};
use crate::scan::scanner::{Preview, Scanner};
use crate::session::event::SignInError;
use crate::session::{
    AuditEvent, Availability, Command, Event, Failure, Machine, Millis, PinProblem, SessionCtx, Timing,
};
use clock::Clock;
use devices::{Devices, lock};

/// Facts about this kiosk that end up on paper or in reports.
#[derive(Debug, Clone)]
pub struct KioskInfo {
    pub kiosk_id: String,
    pub site: String,
    /// Host of the central server: the only host a notice QR may name.
    pub central_host: String,
}

/// How often the printers are checked while nobody is using the kiosk.
const HEALTH_EVERY_MS: Millis = 5_000;
/// Audit events kept in memory for the maintenance screen.
const AUDIT_KEPT: usize = 200;

pub struct Runtime {
    machine: Machine,
    clock: Box<dyn Clock>,
    tx: mpsc::Sender<Event>,
    rx: mpsc::Receiver<Event>,
    tokio: tokio::runtime::Runtime,
    devices: Devices,
    info: KioskInfo,
    scanner: Option<Scanner>,
    preview: Preview,
    audit: VecDeque<AuditEvent>,
    out_of_service: bool,
    last_health: Option<Millis>,
}

impl Runtime {
    pub fn new(timing: Timing, clock: Box<dyn Clock>, devices: Devices, info: KioskInfo) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kiosk-worker")
            .enable_all()
            .build()?;
        Ok(Runtime {
            machine: Machine::new(timing),
            clock,
            tx,
            rx,
            tokio,
            devices,
            info,
            scanner: None,
            preview: Preview::default(),
            audit: VecDeque::new(),
            out_of_service: false,
            last_health: None,
        })
    }

    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    pub fn preview(&self) -> &Preview {
        &self.preview
    }

    pub fn audit_log(&self) -> impl Iterator<Item = &AuditEvent> {
        self.audit.iter()
    }

    /// The tokio runtime the workers use (for adapters that need one).
    pub fn tokio(&self) -> &tokio::runtime::Runtime {
        &self.tokio
    }

    pub fn set_out_of_service(&mut self, out: bool) {
        self.out_of_service = out;
        self.last_health = None;
    }

    /// A citizen intent from the UI.
    pub fn dispatch(&mut self, event: Event) {
        let commands = self.machine.handle(self.clock.now(), event);
        for command in commands {
            self.perform(command);
        }
    }

    /// Applies every answer that arrived, then lets time pass. Returns whether anything
    /// arrived (so the UI knows to refresh).
    pub fn pump(&mut self) -> bool {
        let mut any = false;
        while let Ok(event) = self.rx.try_recv() {
            any = true;
            self.dispatch(event);
        }
        self.dispatch(Event::Tick);
        self.check_health();
        any
    }

    fn check_health(&mut self) {
        let now = self.clock.now();
        if self.machine.state().in_session() || self.last_health.is_some_and(|t| now < t + HEALTH_EVERY_MS) {
            return;
        }
        self.last_health = Some(now);
        if self.out_of_service {
            self.dispatch(Event::Availability(Availability::OutOfService));
            return;
        }
        let a4 = self.devices.a4.clone();
        let tx = self.tx.clone();
        self.tokio.spawn_blocking(move || {
            let ready = lock(&a4).status().map(|s| s.can_print()).unwrap_or(false);
            let availability = if ready { Availability::Ready } else { Availability::PrinterUnavailable };
            let _ = tx.send(Event::Availability(availability));
        });
    }

    fn perform(&mut self, command: Command) {
        let tx = self.tx.clone();
        let central = self.devices.central.clone();
        match command {
            Command::SignInNik { session, nik, pin } => {
                self.tokio.spawn(async move {
                    let result = central.sign_in_nik(&nik, &pin).await;
                    drop(pin);
                    let _ = tx.send(Event::SignedIn { session, result: sign_in_result(result) });
                });
            }
            Command::SignInNotice { session, code, pin } => {
                self.tokio.spawn(async move {
                    let result = central.sign_in_notice(&code, &pin).await;
                    drop(pin);
                    let _ = tx.send(Event::SignedIn { session, result: sign_in_result(result) });
                });
            }
            Command::ListDocuments { session, token } => {
                self.tokio.spawn(async move {
                    let result = central.list_documents(&token).await.map_err(failure_of);
                    let _ = tx.send(Event::DocumentsListed { session, result });
                });
            }
            Command::Print { session, token, citizen, docs } => {
                let job = print::PrintRun { session, token, citizen, docs, central, a4: self.devices.a4.clone(), tx };
                self.tokio.spawn(job.run());
            }
            Command::PrintReceipt { session, receipt } => {
                let printer = self.devices.receipt.clone();
                let width = self.devices.receipt_width;
                let info = self.info.clone();
                self.tokio.spawn_blocking(move || {
                    let printed = receipt::print(&mut **lock(&printer), width, &info, &receipt);
                    let _ = tx.send(Event::ReceiptDone { session, printed });
                });
            }
            Command::StartScanner { session } => {
                self.stop_scanner();
                let report = move |result| {
                    let _ = tx.send(Event::QrScanned { session, result });
                };
                self.scanner = Some(Scanner::start(
                    self.devices.camera.clone(),
                    self.devices.decoder.clone(),
                    self.info.central_host.clone(),
                    self.preview.clone(),
                    report,
                ));
            }
            Command::StopScanner => self.stop_scanner(),
            Command::EndSession { token } => {
                self.stop_scanner();
                if let Some(token) = token {
                    self.tokio.spawn(async move { central.sign_out(&token).await });
                }
            }
            Command::Audit(event) => self.record(event),
        }
    }

    fn stop_scanner(&mut self) {
        if let Some(s) = self.scanner.take() {
            s.stop();
        }
        *self.preview.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn record(&mut self, event: AuditEvent) {
        tracing::info!(kiosk = %self.info.kiosk_id, event = ?event, "audit");
        if self.audit.len() == AUDIT_KEPT {
            self.audit.pop_front();
        }
        self.audit.push_back(event);
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop_scanner();
    }
}

fn sign_in_result(
    result: Result<(SessionToken, crate::central::Citizen), CentralError>,
) -> Result<SessionCtx, SignInError> {
    match result {
        Ok((token, citizen)) => Ok(SessionCtx { token, citizen }),
        Err(CentralError::WrongPin { attempts_left }) => Err(SignInError::Pin(PinProblem::WrongPin { attempts_left })),
        Err(e) => Err(SignInError::Failure(failure_of(e))),
    }
}

/// Maps every central-server error to a reason the citizen screen can explain.
pub(crate) fn failure_of(e: CentralError) -> Failure {
    match e {
        CentralError::Unreachable => Failure::Unreachable,
        CentralError::Locked => Failure::Locked,
        CentralError::WrongPin { .. } | CentralError::UnknownCitizen => Failure::UnknownCitizen,
        CentralError::UnknownNotice => Failure::UnknownNotice,
        CentralError::SessionExpired => Failure::SessionExpired,
        CentralError::KioskRefused => Failure::KioskRefused,
        CentralError::RateLimited => Failure::RateLimited,
        CentralError::Server(_) => Failure::ServerError,
    }
}
