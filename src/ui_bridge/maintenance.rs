//! The maintenance door: the console's state → the Slint `Maintenance` global, and its
//! callbacks → [`MaintenanceIntent`]s. Technicians see readiness details, never a
//! citizen's data.

use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::grey_image;
use crate::maintenance::checks::{self, A4Note, CheckId, CheckResult, Finding};
use crate::maintenance::console::{Action, Console, Feedback, Page};
use crate::runtime::Runtime;
use crate::runtime::maintenance::MaintenanceIntent;
use crate::scan::probe::LastCode;
use crate::session::Language;
use crate::ui::{
    self, A4Condition, AppWindow, CameraRead, CheckFinding, CheckNote, CheckNoteKind, CheckRow, Kiosk,
    MaintenanceAction, MaintenanceFeedback, MaintenancePage, MaintenanceSettings, ReceiptCondition, SettingsProblem,
    UpdateState,
};

/// What the maintenance screens send.
pub enum MaintenanceCall {
    Gesture,
    Intent(MaintenanceIntent),
}

/// Wires the hidden gesture and the maintenance console to `sink`.
pub fn connect(app: &AppWindow, sink: Rc<dyn Fn(MaintenanceCall)>) {
    let s = sink.clone();
    app.global::<Kiosk>().on_maintenance_gesture(move || s(MaintenanceCall::Gesture));
    let t = app.global::<ui::Maintenance>();
    let s = sink.clone();
    t.on_digit(move |d| {
        if let Ok(d) = u8::try_from(d) {
            s(MaintenanceCall::Intent(MaintenanceIntent::Digit(d)))
        }
    });
    let s = sink.clone();
    t.on_backspace(move || s(MaintenanceCall::Intent(MaintenanceIntent::Backspace)));
    let s = sink.clone();
    t.on_submit(move || s(MaintenanceCall::Intent(MaintenanceIntent::Submit)));
    let s = sink.clone();
    t.on_open(move |p| s(MaintenanceCall::Intent(MaintenanceIntent::Open(page_of(p)))));
    let s = sink.clone();
    t.on_action(move |a| s(MaintenanceCall::Intent(MaintenanceIntent::Action(action_of(a)))));
    let s = sink.clone();
    t.on_save_settings(move |form| {
        let settings = crate::maintenance::settings::Settings {
            kiosk_id: form.kiosk_id.to_string(),
            site: form.site.to_string(),
            server_url: form.server_url.to_string(),
            idle_seconds: u64::try_from(form.idle_seconds).unwrap_or(0),
            warning_seconds: u64::try_from(form.warning_seconds).unwrap_or(0),
            session_limit_seconds: u64::try_from(form.session_limit_seconds).unwrap_or(0),
            language: if form.english_default { Language::En } else { Language::Id }.code().into(),
        };
        s(MaintenanceCall::Intent(MaintenanceIntent::SaveSettings(settings)))
    });
    // The on-screen keyboard types into the focused text field as a keyboard would: the
    // field keeps its cursor and selection, and nothing but the window sees the keys.
    let window = app.as_weak();
    t.on_type_text(move |text| {
        if let Some(app) = window.upgrade() {
            let w = app.window();
            w.dispatch_event(slint::platform::WindowEvent::KeyPressed { text: text.clone() });
            w.dispatch_event(slint::platform::WindowEvent::KeyReleased { text });
        }
    });
    let s = sink;
    t.on_exit(move || s(MaintenanceCall::Intent(MaintenanceIntent::Exit)));
}

fn page_of(p: MaintenancePage) -> Page {
    match p {
        MaintenancePage::Login | MaintenancePage::Overview => Page::Overview,
        MaintenancePage::A4 => Page::A4,
        MaintenancePage::Receipt => Page::Receipt,
        MaintenancePage::Camera => Page::Camera,
        MaintenancePage::Network => Page::Network,
        MaintenancePage::Events => Page::Events,
        MaintenancePage::Settings => Page::Settings,
        MaintenancePage::Power => Page::Power,
    }
}

/// Shows the maintenance console.
pub fn render(app: &AppWindow, rt: &Runtime) {
    let t = app.global::<ui::Maintenance>();
    let state = &rt.maintenance;
    let now = rt.now();
    match &state.console {
        Console::Login { pin, wrong, .. } => {
            t.set_page(MaintenancePage::Login);
            t.set_pin_count(pin.len() as i32);
            t.set_wrong(*wrong);
            t.set_wait_seconds(state.console.wait_seconds(now) as i32);
            t.set_technician(SharedString::new());
        }
        Console::Open { technician, page } => {
            t.set_pin_count(0);
            t.set_technician(technician.as_str().into());
            t.set_page(match page {
                Page::Overview => MaintenancePage::Overview,
                Page::A4 => MaintenancePage::A4,
                Page::Receipt => MaintenancePage::Receipt,
                Page::Camera => MaintenancePage::Camera,
                Page::Network => MaintenancePage::Network,
                Page::Events => MaintenancePage::Events,
                Page::Settings => MaintenancePage::Settings,
                Page::Power => MaintenancePage::Power,
            });
        }
    }
    let checks: Vec<CheckRow> = state.checks.iter().map(row_of).collect();
    t.set_checks(ModelRc::new(VecModel::from(checks)));
    match &state.a4 {
        Some(s) => {
            t.set_a4_condition(a4_condition(&s.state));
            t.set_a4_model(s.model.as_str().into());
            t.set_a4_notes(notes_of(&checks::a4_notes(s)));
        }
        None => {
            t.set_a4_condition(A4Condition::Unknown);
            t.set_a4_model(SharedString::new());
            t.set_a4_notes(ModelRc::default());
        }
    }
    t.set_receipt_condition(state.receipt.map_or(ReceiptCondition::Unknown, receipt_condition));
    t.set_network_url(state.config.server.url.as_str().into());
    let central = state.checks.iter().find(|c| c.id == CheckId::CentralServer);
    t.set_network_check(central.map(row_of).unwrap_or_default());
    let events: Vec<SharedString> = rt.recent_events().map(SharedString::from).collect();
    t.set_events(ModelRc::new(VecModel::from(events)));
    if !t.get_settings_saved() && state.settings_refused.is_none() {
        let c = &state.config;
        t.set_settings(MaintenanceSettings {
            kiosk_id: c.kiosk_id.as_str().into(),
            site: c.site.as_str().into(),
            server_url: c.server.url.as_str().into(),
            idle_seconds: c.timeouts.idle_seconds as i32,
            warning_seconds: c.timeouts.warning_seconds as i32,
            session_limit_seconds: c.timeouts.session_limit_seconds as i32,
            english_default: c.language == Language::En,
        });
    }
    t.set_settings_problem(settings_problem(state.settings_refused.as_ref().map(|e| e.field)));
    t.set_settings_saved(state.settings_saved);
    t.set_out_of_service(rt.is_out_of_service());
    render_update(&t, rt.updater().map(|u| u.view()));
    t.set_feedback(feedback_of(state.feedback));
    t.set_paper_sheets(i32::try_from(rt.sheets_since_paper_loaded()).unwrap_or(i32::MAX));
    render_camera(app, rt);
}

/// The camera page's live part (preview and read rates): redrawn on its own every pump
/// while that page is open, without rebuilding the rest of the console.
pub fn render_camera(app: &AppWindow, rt: &Runtime) {
    let t = app.global::<ui::Maintenance>();
    if let Some(frame) = rt.preview().lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        t.set_camera_frame(grey_image(frame));
    }
    let probe = rt.probe_stats();
    t.set_camera_fps(probe.fps() as f32);
    t.set_camera_frames(i32::try_from(probe.frames).unwrap_or(i32::MAX));
    t.set_camera_read_percent(probe.read_percent() as i32);
    t.set_camera_decode_ms(probe.decode_ms() as f32);
    t.set_camera_last(match probe.last {
        LastCode::None => CameraRead::None,
        LastCode::Notice => CameraRead::Notice,
        LastCode::Other => CameraRead::OtherQr,
    });
    t.set_camera_missing(probe.no_camera);
}

/// One readiness check as values for the screen, which words them (`finding-text` in
/// ui/globals.slint). `detail` stays off the screen: it is English, for logs and `doctor`.
fn row_of(c: &CheckResult) -> CheckRow {
    let mut row = CheckRow { id: check_of(c.id), ok: c.ok, ..CheckRow::default() };
    let text = |s: &str| SharedString::from(s);
    let number = |n: u64| SharedString::from(n.to_string());
    row.finding = match &c.finding {
        Finding::NoAnswer(deadline) => {
            row.a = checks::seconds(*deadline).into();
            CheckFinding::NoAnswer
        }
        Finding::Failed => CheckFinding::Failed,
        Finding::DeviceError => CheckFinding::DeviceError,
        Finding::A4 { model, state, notes } => {
            row.a = text(model);
            row.a4 = a4_condition(state);
            row.notes = notes_of(notes);
            CheckFinding::A4
        }
        Finding::Receipt(status) => {
            row.receipt = receipt_condition(*status);
            CheckFinding::Receipt
        }
        Finding::CameraFrame { width, height } => {
            (row.a, row.b) = (number(u64::from(*width)), number(u64::from(*height)));
            CheckFinding::CameraFrame
        }
        Finding::CameraMissing => CheckFinding::CameraMissing,
        Finding::CameraNoFrame => CheckFinding::CameraNoFrame,
        Finding::CameraUnsupported => CheckFinding::CameraUnsupported,
        Finding::Reachable { rtt_ms } => {
            row.a = number(*rtt_ms);
            CheckFinding::Reachable
        }
        Finding::Unreachable => CheckFinding::Unreachable,
        Finding::KioskRefused => CheckFinding::KioskRefused,
        Finding::ServerError => CheckFinding::ServerError,
        Finding::CertDemo => CheckFinding::CertDemo,
        Finding::CertMissing => CheckFinding::CertMissing,
        Finding::CertUnreadable => CheckFinding::CertUnreadable,
        Finding::CertValid { until, days_left } => {
            (row.a, row.b) = (text(until), number(*days_left));
            CheckFinding::CertValid
        }
        Finding::CertRenewSoon { until, days_left } => {
            (row.a, row.b) = (text(until), number(*days_left));
            CheckFinding::CertRenewSoon
        }
        Finding::CertExpired { until } => {
            row.a = text(until);
            CheckFinding::CertExpired
        }
        Finding::Disk { free_bytes, total_bytes, percent } => {
            row.a = checks::gb_number(*free_bytes).into();
            row.b = checks::gb_number(*total_bytes).into();
            row.c = number(*percent);
            CheckFinding::Disk
        }
        Finding::ClockNotChecked => CheckFinding::ClockNotChecked,
        Finding::ClockSynchronised => CheckFinding::ClockSynchronised,
        Finding::ClockNotSynchronised => CheckFinding::ClockNotSynchronised,
        Finding::ClockUnknown => CheckFinding::ClockUnknown,
        Finding::Version(v) => {
            row.a = text(v);
            CheckFinding::Version
        }
    };
    row
}

/// An A4 printer's other reports, one screen line each.
fn notes_of(notes: &[A4Note]) -> ModelRc<CheckNote> {
    let note = |kind| CheckNote { kind, ..CheckNote::default() };
    let rows: Vec<CheckNote> = notes
        .iter()
        .map(|n| match n {
            A4Note::PaperLow => note(CheckNoteKind::PaperLow),
            A4Note::PaperOut => note(CheckNoteKind::PaperOut),
            A4Note::PaperJam => note(CheckNoteKind::PaperJam),
            A4Note::CoverOpen => note(CheckNoteKind::CoverOpen),
            A4Note::TonerLow => note(CheckNoteKind::TonerLow),
            A4Note::TonerEmpty => note(CheckNoteKind::TonerEmpty),
            A4Note::WasteAlmostFull => note(CheckNoteKind::WasteAlmostFull),
            A4Note::WasteFull => note(CheckNoteKind::WasteFull),
            A4Note::Offline => note(CheckNoteKind::Offline),
            A4Note::Paused => note(CheckNoteKind::Paused),
            A4Note::Other(keyword) => {
                CheckNote { kind: CheckNoteKind::Other, text: keyword.as_str().into(), number: 0 }
            }
            A4Note::Supply { name, level_percent, low } => CheckNote {
                kind: if *low { CheckNoteKind::SupplyLow } else { CheckNoteKind::Supply },
                text: name.as_str().into(),
                number: i32::from(*level_percent),
            },
        })
        .collect();
    ModelRc::new(VecModel::from(rows))
}

fn check_of(id: CheckId) -> ui::CheckId {
    match id {
        CheckId::A4Printer => ui::CheckId::A4Printer,
        CheckId::ReceiptPrinter => ui::CheckId::ReceiptPrinter,
        CheckId::Camera => ui::CheckId::Camera,
        CheckId::CentralServer => ui::CheckId::CentralServer,
        CheckId::TlsCertificate => ui::CheckId::TlsCertificate,
        CheckId::Disk => ui::CheckId::Disk,
        CheckId::Clock => ui::CheckId::Clock,
        CheckId::Version => ui::CheckId::Version,
    }
}

fn action_of(a: MaintenanceAction) -> Action {
    match a {
        MaintenanceAction::RunChecks => Action::RunChecks,
        MaintenanceAction::PrintReadiness => Action::PrintReadiness,
        MaintenanceAction::A4TestPage => Action::A4TestPage,
        MaintenanceAction::PaperLoaded => Action::PaperLoaded,
        MaintenanceAction::ReceiptTestPage => Action::ReceiptTestPage,
        MaintenanceAction::OutOfService => Action::OutOfService,
        MaintenanceAction::InService => Action::InService,
        MaintenanceAction::RestartApp => Action::RestartApp,
        MaintenanceAction::Reboot => Action::Reboot,
        MaintenanceAction::Shutdown => Action::Shutdown,
        MaintenanceAction::CheckUpdate => Action::CheckUpdate,
    }
}

/// The OS image and the last update, as the power page shows them (the UI owns the words).
fn render_update(t: &ui::Maintenance<'_>, view: Option<crate::update::UpdateView>) {
    use crate::update::status::Outcome;
    use crate::update::{Activity, UpdateView};
    let Some(view) = view else {
        t.set_image_version(SharedString::new());
        t.set_update_state(UpdateState::Unavailable);
        t.set_update_version(SharedString::new());
        return;
    };
    let UpdateView { image, outcome, activity, check_failed } = view;
    let running = match (&image.version, &image.slot) {
        (Some(v), Some(slot)) => format!("{v} ({})", slot.to_uppercase()),
        (Some(v), None) => v.clone(),
        (None, _) => String::new(),
    };
    t.set_image_version(running.into());
    let (state, version) = match (&activity, &outcome) {
        (Activity::Downloading { version }, _) => (UpdateState::Downloading, version.clone()),
        (Activity::DownloadFailed { version }, _) => (UpdateState::DownloadFailed, version.clone()),
        (_, Outcome::Installing { version }) => (UpdateState::Installing, version.clone()),
        (_, Outcome::RebootPending { version }) => (UpdateState::RebootPending, version.clone()),
        (_, Outcome::InstallFailed { version, .. } | Outcome::Interrupted { version }) => {
            (UpdateState::InstallFailed, version.clone())
        }
        (_, Outcome::RolledBack { version, .. }) => (UpdateState::RolledBack, version.clone()),
        _ if check_failed => (UpdateState::CheckFailed, String::new()),
        (_, Outcome::Installed { version }) => (UpdateState::Installed, version.clone()),
        (_, Outcome::Nothing) => (UpdateState::None, String::new()),
    };
    t.set_update_state(state);
    t.set_update_version(version.into());
}

/// Which setting was refused (`settings::SettingsError::field`), for the screen to word.
fn settings_problem(field: Option<&str>) -> SettingsProblem {
    let Some(field) = field else { return SettingsProblem::None };
    match field {
        "kiosk_id" => SettingsProblem::KioskId,
        "site" => SettingsProblem::Site,
        "server_url" => SettingsProblem::ServerUrl,
        "idle_seconds" => SettingsProblem::IdleSeconds,
        "warning_seconds" => SettingsProblem::WarningSeconds,
        "session_limit_seconds" => SettingsProblem::SessionLimitSeconds,
        "language" => SettingsProblem::Language,
        "file" => SettingsProblem::NotSaved,
        _ => SettingsProblem::Other,
    }
}

fn feedback_of(f: Feedback) -> MaintenanceFeedback {
    match f {
        Feedback::None => MaintenanceFeedback::None,
        Feedback::A4TestOk => MaintenanceFeedback::A4TestOk,
        Feedback::A4TestFailed => MaintenanceFeedback::A4TestFailed,
        Feedback::PaperLoaded => MaintenanceFeedback::PaperLoaded,
        Feedback::ReceiptTestOk => MaintenanceFeedback::ReceiptTestOk,
        Feedback::ReceiptTestFailed => MaintenanceFeedback::ReceiptTestFailed,
        Feedback::OutOfService => MaintenanceFeedback::OutOfService,
        Feedback::InService => MaintenanceFeedback::InService,
        Feedback::PowerSimulated => MaintenanceFeedback::PowerSimulated,
        Feedback::PowerRequested => MaintenanceFeedback::PowerRequested,
        Feedback::PowerFailed => MaintenanceFeedback::PowerFailed,
        Feedback::UpdateChecking => MaintenanceFeedback::UpdateChecking,
        Feedback::UpdateUnavailable => MaintenanceFeedback::UpdateUnavailable,
    }
}

/// The A4 printer's state as the maintenance page names it.
fn a4_condition(state: &adm_a4::PrinterState) -> A4Condition {
    use adm_a4::{Attention, PrinterState};
    match state {
        PrinterState::Idle => A4Condition::Idle,
        PrinterState::Busy => A4Condition::Busy,
        PrinterState::NeedsAttention(Attention::MediaEmpty) => A4Condition::PaperOut,
        PrinterState::NeedsAttention(Attention::MediaJam) => A4Condition::PaperJam,
        PrinterState::NeedsAttention(Attention::CoverOpen) => A4Condition::CoverOpen,
        PrinterState::NeedsAttention(Attention::MarkerEmpty) => A4Condition::TonerEmpty,
        PrinterState::NeedsAttention(Attention::Other) => A4Condition::NeedsAttention,
        PrinterState::Disconnected => A4Condition::Disconnected,
    }
}

/// The receipt printer's status as the maintenance page names it.
fn receipt_condition(status: adm_thermal::ReceiptStatus) -> ReceiptCondition {
    use adm_thermal::ReceiptStatus;
    match status {
        ReceiptStatus::Ready => ReceiptCondition::Ready,
        ReceiptStatus::PaperNearEnd => ReceiptCondition::PaperNearEnd,
        ReceiptStatus::PaperOut => ReceiptCondition::PaperOut,
        ReceiptStatus::CoverOpen => ReceiptCondition::CoverOpen,
        ReceiptStatus::Error => ReceiptCondition::Error,
        ReceiptStatus::Disconnected => ReceiptCondition::Disconnected,
    }
}
