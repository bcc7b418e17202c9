//! The effects half of the kiosk: performs what the session machine asks for, on
//! worker threads, and feeds the answers back as events.
//!
//! Nothing here blocks the UI thread: the UI calls [`Runtime::dispatch`] for intents
//! and [`Runtime::pump`] a few times a second; both only move events.

mod audit;
pub mod clock;
pub mod health;
pub mod maintenance;
mod outbox;
mod print;
mod receipt;
pub mod revocation;
mod service_files;
#[cfg(feature = "demo")]
mod sim_fault;
mod slip;

pub use audit::AuditKind;
#[cfg(feature = "demo")]
pub use sim_fault::SIM_FAULT_FILE;

use std::collections::VecDeque;
use std::sync::mpsc;

use crate::central::{CentralError, SessionToken};
use crate::scan::scanner::{Preview, ScanSetup, Scanner};
use crate::session::event::SignInError;
use crate::session::{AuditEvent, Command, Event, Failure, Machine, Millis, PinProblem, SessionCtx};
use std::sync::Arc;

use crate::config::{Config, SessionTiming};
use crate::devices::{Devices, lock};
use crate::telemetry::metrics::Metrics;
use clock::Clock;
use maintenance::{Maintenance, MaintenanceUpdate, Power};

/// Facts about this kiosk that end up on paper or in reports.
#[derive(Debug, Clone)]
pub struct KioskInfo {
    pub kiosk_id: String,
    pub site: String,
    /// Host of the central server: the only host a notice QR may name.
    pub central_host: String,
}

pub struct Runtime {
    machine: Machine,
    clock: Box<dyn Clock>,
    tx: mpsc::Sender<Event>,
    rx: mpsc::Receiver<Event>,
    tokio: tokio::runtime::Runtime,
    devices: Devices,
    info: KioskInfo,
    scanner: Option<Scanner>,
    probe: Option<crate::scan::probe::CameraProbe>,
    probe_stats: crate::scan::probe::SharedStats,
    preview: Preview,
    audit: VecDeque<audit::Recorded>,
    out_of_service: bool,
    /// The folder of the kiosk's state (outbox): its filesystem's free space is checked
    /// with the printers (None: not checked, tests without one).
    state_dir: Option<std::path::PathBuf>,
    /// Whether it was too full at the last check (to log the change, not every check).
    disk_full: Arc<std::sync::atomic::AtomicBool>,
    /// Whether the clock was judged wrong at the last check (likewise).
    clock_wrong: Arc<std::sync::atomic::AtomicBool>,
    last_health: Option<Millis>,
    /// When the outbox is delivered next (`outbox.rs`).
    delivery: outbox::Delivery,
    last_crl_fetch: Option<Millis>,
    pub maintenance: Maintenance,
    maintenance_rx: mpsc::Receiver<MaintenanceUpdate>,
    metrics: Arc<Metrics>,
    /// The OS update worker's handle (a real kiosk on the kiosk image only).
    updater: Option<crate::update::UpdateHandle>,
}

impl Runtime {
    /// `config_path`: where technician settings are saved (None: not persisted, tests).
    pub fn new(
        config: &Config,
        config_path: Option<std::path::PathBuf>,
        power: Power,
        clock: Box<dyn Clock>,
        devices: Devices,
        info: KioskInfo,
        metrics: Arc<Metrics>,
    ) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let (maintenance_tx, maintenance_rx) = mpsc::channel();
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kiosk-worker")
            .enable_all()
            .build()?;
        let mut machine = Machine::new(config.timing());
        machine.configure(config.timing(), config.language);
        let started = clock.now();
        let delivery = outbox::Delivery::new(&info.kiosk_id);
        Ok(Runtime {
            machine,
            clock,
            tx,
            rx,
            tokio,
            devices,
            info,
            scanner: None,
            probe: None,
            probe_stats: crate::scan::probe::SharedStats::default(),
            preview: Preview::default(),
            audit: VecDeque::new(),
            out_of_service: false,
            state_dir: None,
            disk_full: Arc::default(),
            clock_wrong: Arc::default(),
            last_health: None,
            delivery,
            last_crl_fetch: None,
            maintenance: Maintenance::new(config.clone(), config_path, power, maintenance_tx, started),
            maintenance_rx,
            metrics,
            updater: None,
        })
    }

    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    pub fn preview(&self) -> &Preview {
        &self.preview
    }

    /// Checks the room left on the filesystem of `dir` (the kiosk's state: its outbox)
    /// with the printers: too little and no session starts (see `health::MIN_FREE_BYTES`).
    pub fn watch_state_dir(&mut self, dir: std::path::PathBuf) {
        self.state_dir = Some(dir);
        self.last_health = None;
    }

    pub fn set_updater(&mut self, handle: crate::update::UpdateHandle) {
        self.updater = Some(handle);
    }

    pub fn updater(&self) -> Option<&crate::update::UpdateHandle> {
        self.updater.as_ref()
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    pub fn audit_log(&self) -> impl DoubleEndedIterator<Item = &AuditEvent> {
        self.audit.iter().map(|r| &r.event)
    }

    /// The recent events as the maintenance screen lists them, newest first: local time,
    /// catalogue id, detail (no personal data).
    pub fn recent_events(&self) -> impl Iterator<Item = String> + '_ {
        self.audit.iter().rev().map(audit::Recorded::line)
    }

    /// The tokio runtime the workers use (for adapters that need one).
    pub fn tokio(&self) -> &tokio::runtime::Runtime {
        &self.tokio
    }

    pub fn is_out_of_service(&self) -> bool {
        self.out_of_service
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
        while let Ok(update) = self.maintenance_rx.try_recv() {
            any = true;
            self.apply_maintenance_update(update);
        }
        self.dispatch(Event::Tick);
        self.check_health();
        self.deliver_outbox();
        self.refresh_crls();
        any
    }

    fn perform(&mut self, command: Command) {
        let tx = self.tx.clone();
        let central = self.devices.central.clone();
        match command {
            Command::SignInNik { session, nik, pin } => {
                let metrics = self.metrics.clone();
                self.tokio.spawn(async move {
                    let result = sign_in_result(central.sign_in_nik(&nik, &pin).await);
                    drop(pin);
                    if let Err(e) = &result {
                        metrics.sign_in_failed(e.into());
                    }
                    let _ = tx.send(Event::SignedIn { session, result });
                });
            }
            Command::SignInNotice { session, code, pin } => {
                let metrics = self.metrics.clone();
                self.tokio.spawn(async move {
                    let result = sign_in_result(central.sign_in_notice(&code, &pin).await);
                    drop(pin);
                    if let Err(e) = &result {
                        metrics.sign_in_failed(e.into());
                    }
                    let _ = tx.send(Event::SignedIn { session, result });
                });
            }
            Command::ListDocuments { session, token } => {
                self.tokio.spawn(async move {
                    let result = central.list_documents(&token).await.map_err(Failure::from);
                    let _ = tx.send(Event::DocumentsListed { session, result });
                });
            }
            Command::Print { session, token, citizen, orders } => {
                let job = print::PrintRun {
                    session,
                    token,
                    citizen,
                    orders,
                    central,
                    a4: self.devices.a4.clone(),
                    tx,
                    metrics: self.metrics.clone(),
                    trust: self.devices.trust.clone(),
                    crls: self.devices.crls.clone(),
                    clock: self.devices.clock_floor.clone(),
                    paper: self.devices.paper.clone(),
                };
                self.tokio.spawn(job.run());
            }
            Command::PrintReceipt { session, receipt } => {
                let metrics = self.metrics.clone();
                self.on_receipt_printer(
                    move |printer, width, info| receipt::print(printer, width, info, &receipt),
                    move |printed| {
                        if printed {
                            metrics.receipt_printed();
                        }
                        Event::ReceiptDone { session, printed }
                    },
                );
            }
            Command::StartScanner { session } => {
                self.stop_scanner();
                let (setup, hint) = (self.scan_setup(), self.scan_hints(session));
                let report = move |result| {
                    let _ = tx.send(Event::QrScanned { session, result });
                };
                self.scanner = Some(Scanner::start(setup, report, hint));
            }
            Command::StartDocumentScanner { session } => {
                self.stop_scanner();
                let (setup, hint) = (self.scan_setup(), self.scan_hints(session));
                let report = move |code| {
                    let _ = tx.send(Event::DocumentScanned { session, code });
                };
                self.scanner = Some(Scanner::start_document(setup, report, hint));
            }
            Command::CheckDocument { session, code } => {
                self.tokio.spawn(async move {
                    let result = central.verify_document(&code).await.map_err(Failure::from);
                    drop(code);
                    let _ = tx.send(Event::DocumentChecked { session, result });
                });
            }
            Command::ListApplications { session, token } => {
                self.tokio.spawn(async move {
                    let result = central.applications(&token).await.map_err(Failure::from);
                    let _ = tx.send(Event::ApplicationsListed { session, result });
                });
            }
            Command::PrintSlip { session, slip } => {
                self.on_receipt_printer(
                    move |printer, width, info| slip::print(printer, width, info, &slip),
                    move |printed| Event::SlipDone { session, printed },
                );
            }
            Command::ListServices { session } => {
                self.tokio.spawn(async move {
                    let result = central.services().await.map_err(Failure::from);
                    let _ = tx.send(Event::ServicesListed { session, result });
                });
            }
            Command::PrintChecklist { session, checklist } => {
                self.on_receipt_printer(
                    move |printer, width, info| slip::print_checklist(printer, width, info, &checklist),
                    move |printed| Event::ChecklistDone { session, printed },
                );
            }
            Command::PrintServiceFiles { session, files } => {
                let run = service_files::ServiceFilesRun {
                    session,
                    files,
                    central,
                    a4: self.devices.a4.clone(),
                    tx,
                    metrics: self.metrics.clone(),
                    trust: self.devices.trust.clone(),
                    crls: self.devices.crls.clone(),
                    clock: self.devices.clock_floor.clone(),
                    paper: self.devices.paper.clone(),
                };
                self.tokio.spawn(run.run());
            }
            Command::StopScanner => self.stop_scanner(),
            Command::EndMaintenance => self.end_console(),
            Command::EndSession { token } => {
                self.stop_scanner();
                if let Some(token) = token {
                    self.tokio.spawn(async move { central.sign_out(&token).await });
                }
            }
            Command::Audit(event) => self.record(event),
        }
    }

    /// Turns the camera off: the citizens' scanner or the technicians' probe.
    /// Runs `print` on the receipt printer off the UI thread (receipt, slip, label,
    /// checklist alike), reports the printer's paper state to the fleet, and answers the
    /// session with `done(printed)`.
    fn on_receipt_printer(
        &self,
        print: impl FnOnce(&mut dyn adm_thermal::ReceiptPrinter, adm_thermal::PaperWidth, &KioskInfo) -> bool
        + Send
        + 'static,
        done: impl FnOnce(bool) -> Event + Send + 'static,
    ) {
        let printer = self.devices.receipt.clone();
        let width = self.devices.receipt_width;
        let info = self.info.clone();
        let metrics = self.metrics.clone();
        let tx = self.tx.clone();
        self.tokio.spawn_blocking(move || {
            let printed = print(&mut **lock(&printer), width, &info);
            crate::telemetry::report_receipt(&metrics, lock(&printer).status().ok());
            let _ = tx.send(done(printed));
        });
    }

    /// What a scanner reads with.
    fn scan_setup(&self) -> ScanSetup {
        ScanSetup {
            camera: self.devices.camera.clone(),
            decoder: self.devices.decoder.clone(),
            central_host: self.info.central_host.clone(),
            preview: self.preview.clone(),
        }
    }

    /// Where a scanner's hints go: the session that started it.
    fn scan_hints(&self, session: u64) -> impl Fn(Option<crate::session::ScanHint>) + Send + 'static {
        let tx = self.tx.clone();
        move |hint| {
            let _ = tx.send(Event::ScanHint { session, hint });
        }
    }

    pub(crate) fn stop_scanner(&mut self) {
        if let Some(s) = self.scanner.take() {
            s.stop();
        }
        if let Some(p) = self.probe.take() {
            p.stop();
        }
        *self.preview.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The technicians' camera check (maintenance → Camera).
    pub(crate) fn start_probe(&mut self) {
        self.stop_scanner();
        self.probe = Some(crate::scan::probe::CameraProbe::start(
            self.devices.camera.clone(),
            self.devices.decoder.clone(),
            self.info.central_host.clone(),
            self.preview.clone(),
            self.probe_stats.clone(),
        ));
    }

    pub fn probe_stats(&self) -> crate::scan::probe::ProbeStats {
        self.probe_stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A4 sheets printed since paper was last loaded.
    pub fn sheets_since_paper_loaded(&self) -> u64 {
        self.devices.paper.sheets()
    }

    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// Settings changed by a technician: they apply from the next session.
    pub(crate) fn apply_config(&mut self, config: &Config) {
        self.machine.configure(config.timing(), config.language);
        self.info.kiosk_id = config.kiosk_id.clone();
        self.info.site = config.site.clone();
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
        Err(e) => Err(SignInError::Failure(e.into())),
    }
}
