//! The citizen's door: session state → Slint `Kiosk` global properties, and Slint
//! callbacks → session events. The UI never sees a PIN (only its length), never a
//! device, and is reset to blank values whenever no session is open.

use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{grey_image, service_view, status_view};
use crate::central::{DocKind, DocumentStatus};
use crate::nik::NikError;
use crate::session::{
    Availability, CheckResult, DisplayOption, Event, Failure, JobStatus, Language, Machine, PinProblem, PrinterProblem,
    ReceiptOutcome, Refusal, ScanHint, ScanProblem, State,
};
use crate::ui::{self, AppWindow, BusyKind, DocRow, JobRow, JobState, Kiosk, NikProblem, ReceiptState, Screen};

/// Wires every UI intent to `sink`.
pub fn connect(app: &AppWindow, sink: Rc<dyn Fn(Event)>) {
    let k = app.global::<Kiosk>();
    let s = sink.clone();
    k.on_start(move || s(Event::Start));
    let s = sink.clone();
    k.on_choose_nik(move || s(Event::ChooseNik));
    let s = sink.clone();
    k.on_choose_qr(move || s(Event::ChooseQr));
    let s = sink.clone();
    k.on_type_code(move || s(Event::TypeCode));
    let s = sink.clone();
    k.on_code_char(move |c| {
        if let Some(&b) = c.as_bytes().first() {
            s(Event::CodeChar(b))
        }
    });
    let s = sink.clone();
    k.on_digit(move |d| {
        if let Ok(d) = u8::try_from(d) {
            s(Event::Digit(d))
        }
    });
    let s = sink.clone();
    k.on_backspace(move || s(Event::Backspace));
    let s = sink.clone();
    k.on_clear(move || s(Event::Clear));
    let s = sink.clone();
    k.on_submit(move || s(Event::Submit));
    let s = sink.clone();
    k.on_back(move || s(Event::Back));
    let s = sink.clone();
    k.on_cancel(move || s(Event::Cancel));
    let s = sink.clone();
    k.on_extend(move || s(Event::ExtendTime));
    let s = sink.clone();
    k.on_toggle_document(move |i| {
        if let Ok(i) = usize::try_from(i) {
            s(Event::ToggleDocument(i))
        }
    });
    let s = sink.clone();
    k.on_proceed(move || s(Event::Proceed));
    let s = sink.clone();
    k.on_confirm_print(move || s(Event::ConfirmPrint));
    let s = sink.clone();
    k.on_retry_print(move || s(Event::RetryPrint));
    let s = sink.clone();
    k.on_finish(move || s(Event::Finish));
    let s = sink.clone();
    k.on_check_document(move || s(Event::CheckDocument));
    let s = sink.clone();
    k.on_open_applications(move || s(Event::OpenApplications));
    let s = sink.clone();
    k.on_open_application(move |i| {
        if let Ok(i) = usize::try_from(i) {
            s(Event::OpenApplication(i))
        }
    });
    let s = sink.clone();
    k.on_print_now(move || s(Event::PrintNow));
    let s = sink.clone();
    k.on_print_slip(move || s(Event::PrintSlip));
    let s = sink.clone();
    k.on_open_services(move || s(Event::OpenServices));
    let s = sink.clone();
    k.on_open_service(move |i| {
        if let Ok(i) = usize::try_from(i) {
            s(Event::OpenService(i))
        }
    });
    let s = sink.clone();
    k.on_print_checklist(move || s(Event::PrintChecklist));
    let s = sink.clone();
    k.on_print_service_files(move || s(Event::PrintServiceFiles));
    let s = sink.clone();
    k.on_toggle_display(move |option| {
        s(Event::ToggleDisplay(match option {
            ui::DisplayOption::HighContrast => DisplayOption::HighContrast,
            ui::DisplayOption::LargeText => DisplayOption::LargeText,
            ui::DisplayOption::LowReach => DisplayOption::LowReach,
        }))
    });
    let s = sink;
    k.on_set_language(move |l| {
        s(Event::SetLanguage(match l {
            ui::Language::Id => Language::Id,
            ui::Language::En => Language::En,
        }))
    });
}

/// Shows the machine's state. Cheap enough to call after every event.
pub fn render(app: &AppWindow, m: &Machine) {
    let k = app.global::<Kiosk>();
    let language = match m.language() {
        Language::Id => ui::Language::Id,
        Language::En => ui::Language::En,
    };
    if k.get_language() != language {
        k.set_language(language);
        // Switching the bundled translation re-evaluates every @tr() string.
        let _ = slint::select_bundled_translation(m.language().code());
    }
    // The display modes: only the machine decides when they go (see session::Display).
    let display = m.display();
    let d = app.global::<ui::Display>();
    d.set_high_contrast(display.high_contrast);
    d.set_large_text(display.large_text);
    d.set_low_reach(display.low_reach);
    k.set_availability(match m.availability() {
        Availability::Ready => ui::Availability::Ready,
        Availability::OutOfService => ui::Availability::OutOfService,
        Availability::PrinterUnavailable => ui::Availability::PrinterUnavailable,
    });
    k.set_pin_length(m.timing().pin_len as i32);
    match m.warning() {
        Some(w) => {
            k.set_warning_visible(true);
            k.set_warning_extendable(w.extendable);
            k.set_warning_seconds(w.seconds_left as i32);
        }
        None => k.set_warning_visible(false),
    }

    // Start from blank: whatever the previous screen showed is gone.
    let mut nik_display = String::new();
    let mut nik_count = 0;
    let mut nik_problem = NikProblem::None;
    let mut pin_count = 0;
    let mut attempts_left = -1;
    let mut scan_not_a_notice = false;
    let mut scan_hint = ui::ScanHint::None;
    let mut scan_expired = false;
    let mut code_display = String::new();
    let mut code_count = 0;
    let mut citizen_name = SharedString::new();
    let mut docs: Vec<DocRow> = vec![];
    let mut jobs: Vec<JobRow> = vec![];
    let mut receipt = ReceiptState::Pending;
    let mut busy_kind = BusyKind::SigningIn;
    let mut failure = ui::Failure::ServerError;
    let mut locked_wait = (-1, false);
    let mut check = CheckView::default();
    let mut status = status_view::StatusView::default();
    let mut services = service_view::ServiceView::default();

    let screen = match m.state() {
        State::Attract => Screen::Attract,
        State::ChooseMethod => Screen::ChooseMethod,
        State::EnterNik { digits, error } => {
            nik_display = group_digits(digits);
            nik_count = digits.len() as i32;
            nik_problem = error.map(nik_problem_of).unwrap_or(NikProblem::None);
            Screen::EnterNik
        }
        State::EnterPin { pin, problem, .. } | State::EnterNoticePin { pin, problem, .. } => {
            pin_count = pin.len() as i32;
            if let Some(PinProblem::WrongPin { attempts_left: n }) = problem {
                attempts_left = *n as i32;
            }
            if matches!(m.state(), State::EnterPin { .. }) { Screen::EnterPin } else { Screen::EnterNoticePin }
        }
        State::ScanQr { problem, hint, expired } => {
            scan_not_a_notice = *problem == Some(ScanProblem::NotANotice);
            scan_hint = scan_hint_of(*hint);
            scan_expired = *expired;
            Screen::ScanQr
        }
        State::EnterNoticeCode { code } => {
            // Grouped in fours, as printed on the notice.
            code_display = group_digits(code);
            code_count = code.len() as i32;
            Screen::EnterNoticeCode
        }
        State::SigningIn { .. } => Screen::Busy,
        State::LoadingDocuments { .. } => {
            busy_kind = BusyKind::LoadingDocuments;
            Screen::Busy
        }
        State::Documents { ctx, docs: list, selected } | State::Confirm { ctx, docs: list, selected } => {
            citizen_name = ctx.citizen.name.as_str().into();
            docs = list
                .iter()
                .zip(selected)
                .map(|(d, s)| DocRow {
                    kind: kind_of(d.kind),
                    number: d.number.as_str().into(),
                    issued: format_date(&d.issued).into(),
                    pages: d.pages as i32,
                    prints_left: d.prints_left as i32,
                    prints_unlimited: d.reprint_unlimited,
                    selected: *s,
                })
                .collect();
            if matches!(m.state(), State::Documents { .. }) { Screen::Documents } else { Screen::Confirm }
        }
        State::Printing { jobs: list, .. } => {
            jobs = list.iter().map(job_row).collect();
            Screen::Printing
        }
        State::PrintStopped { jobs: list, .. } => {
            jobs = list.iter().map(job_row).collect();
            Screen::PrintStopped
        }
        State::Collect { jobs: list, receipt: r } => {
            jobs = list.iter().map(job_row).collect();
            receipt = match r {
                ReceiptOutcome::Pending => ReceiptState::Pending,
                ReceiptOutcome::Printed => ReceiptState::Printed,
                ReceiptOutcome::Unavailable => ReceiptState::Unavailable,
            };
            Screen::Collect
        }
        State::Goodbye => Screen::Goodbye,
        State::Failure { failure: f } => {
            failure = failure_of(*f);
            if let Failure::Locked { retry_after_secs: Some(secs) } = f {
                locked_wait = locked_wait_of(*secs);
            }
            Screen::Failure
        }
        State::CheckScan { hint, expired } => {
            scan_hint = scan_hint_of(*hint);
            scan_expired = *expired;
            Screen::CheckScan
        }
        State::CheckCode { code } => {
            code_display = group_digits(code);
            code_count = code.len() as i32;
            Screen::CheckCode
        }
        State::Checking => {
            busy_kind = BusyKind::CheckingDocument;
            Screen::Busy
        }
        State::CheckResult { result } => {
            check = CheckView::of(result);
            Screen::CheckResult
        }
        State::LoadingApplications { .. } => {
            busy_kind = BusyKind::LoadingApplications;
            Screen::Busy
        }
        State::Applications { desk } => {
            status = status_view::StatusView::of(desk, m.language());
            if desk.open.is_some() { Screen::Application } else { Screen::Applications }
        }
        State::LoadingServices => {
            busy_kind = BusyKind::LoadingServices;
            Screen::Busy
        }
        State::Services { desk } => {
            services = service_view::ServiceView::of(desk, m.language());
            if desk.open.is_some() { Screen::Service } else { Screen::Services }
        }
        State::Maintenance => Screen::Maintenance,
    };
    k.set_screen(screen);
    k.set_nik_display(nik_display.into());
    k.set_nik_count(nik_count);
    k.set_nik_problem(nik_problem);
    k.set_pin_count(pin_count);
    k.set_attempts_left(attempts_left);
    k.set_scan_not_a_notice(scan_not_a_notice);
    k.set_scan_hint(scan_hint);
    k.set_scan_expired(scan_expired);
    k.set_scan_seconds(m.scan_seconds_left() as i32);
    k.set_code_display(code_display.into());
    k.set_code_count(code_count);
    k.set_citizen_name(citizen_name);
    k.set_busy_kind(busy_kind);
    k.set_failure(failure);
    k.set_locked_wait(locked_wait.0);
    k.set_locked_wait_in_hours(locked_wait.1);
    k.set_selected_count(docs.iter().filter(|d| d.selected).count() as i32);
    k.set_selected_pages(docs.iter().filter(|d| d.selected).map(|d| d.pages).sum());
    k.set_jobs_done(jobs.iter().filter(|j| j.state == JobState::Done).count() as i32);
    k.set_some_not_printed(
        matches!(m.state(), State::Collect { .. } | State::PrintStopped { .. })
            && jobs.iter().any(|j| j.state != JobState::Done),
    );
    k.set_receipt(receipt);
    k.set_check_status(check.status);
    k.set_check_unreadable(check.unreadable);
    k.set_check_details(check.details);
    k.set_check_kind(check.kind);
    k.set_check_title(check.title.into());
    k.set_check_number(check.number.into());
    k.set_check_issued(check.issued.into());
    status.show(&k);
    services.show(&k);
    k.set_documents(ModelRc::new(VecModel::from(docs)));
    k.set_jobs(ModelRc::new(VecModel::from(jobs)));
    if screen != Screen::ScanQr && screen != Screen::CheckScan {
        k.set_camera_frame(slint::Image::default());
    }
}

fn scan_hint_of(hint: Option<ScanHint>) -> ui::ScanHint {
    match hint {
        Some(ScanHint::Glare) => ui::ScanHint::Glare,
        Some(ScanHint::Closer) => ui::ScanHint::Closer,
        Some(ScanHint::NoCamera) => ui::ScanHint::NoCamera,
        None => ui::ScanHint::None,
    }
}

/// A document check's answer as the result screen shows it (blank outside it).
struct CheckView {
    status: ui::CheckStatus,
    unreadable: bool,
    details: bool,
    kind: ui::DocKind,
    title: String,
    number: String,
    issued: String,
}

impl Default for CheckView {
    fn default() -> Self {
        CheckView {
            status: ui::CheckStatus::TidakValid,
            unreadable: false,
            details: false,
            kind: ui::DocKind::Other,
            title: String::new(),
            number: String::new(),
            issued: String::new(),
        }
    }
}

impl CheckView {
    fn of(result: &CheckResult) -> CheckView {
        let CheckResult::Answered(c) = result else {
            return CheckView { unreadable: true, ..CheckView::default() };
        };
        let status = match c.status {
            DocumentStatus::Aktif => ui::CheckStatus::Aktif,
            DocumentStatus::TidakAktif => ui::CheckStatus::TidakAktif,
            DocumentStatus::TidakValid => return CheckView::default(),
        };
        CheckView {
            status,
            unreadable: false,
            details: c.kind.is_some() || c.title.is_some(),
            kind: c.kind.map(kind_of).unwrap_or(ui::DocKind::Other),
            title: c.title.clone().unwrap_or_default(),
            number: c.number.clone().unwrap_or_default(),
            issued: c.issued.as_deref().map(format_date).unwrap_or_default(),
        }
    }
}

/// Shows the newest camera frame on the scan screen.
pub fn show_frame(app: &AppWindow, frame: &adm_camera::GreyFrame) {
    app.global::<Kiosk>().set_camera_frame(grey_image(frame));
}

/// "3201011505800001" → "3201 0115 0580 0001": easier to compare with the card (and a
/// notice code with the notice).
fn group_digits(d: &str) -> String {
    d.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// ISO date → Indonesian style dd-mm-yyyy.
pub(super) fn format_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => format!("{d}-{m}-{y}"),
        _ => iso.to_owned(),
    }
}

fn nik_problem_of(e: NikError) -> NikProblem {
    match e {
        NikError::Length => NikProblem::Length,
        NikError::NotDigits => NikProblem::NotDigits,
        NikError::Region => NikProblem::Region,
        NikError::Day => NikProblem::Day,
        NikError::Month => NikProblem::Month,
        NikError::Serial => NikProblem::Serial,
    }
}

/// How long a locked NIK must wait, as the citizen reads it: whole minutes up to two hours,
/// then whole hours (`true`). Rounded up and never below 2, so the text is never "1
/// minutes" and never tells anyone to come back before the server would listen.
fn locked_wait_of(secs: u64) -> (i32, bool) {
    let minutes = secs.div_ceil(60).max(2);
    if minutes < 120 { (minutes as i32, false) } else { (i32::try_from(secs.div_ceil(3600)).unwrap_or(i32::MAX), true) }
}

fn failure_of(f: Failure) -> ui::Failure {
    match f {
        Failure::Unreachable => ui::Failure::Unreachable,
        Failure::Locked { .. } => ui::Failure::Locked,
        Failure::UnknownCitizen => ui::Failure::UnknownCitizen,
        Failure::UnknownNotice => ui::Failure::UnknownNotice,
        Failure::SessionExpired => ui::Failure::SessionExpired,
        Failure::KioskRefused => ui::Failure::KioskRefused,
        Failure::RateLimited => ui::Failure::RateLimited,
        Failure::ServerError => ui::Failure::ServerError,
    }
}

fn kind_of(kind: DocKind) -> ui::DocKind {
    match kind {
        DocKind::KartuKeluarga => ui::DocKind::Kk,
        DocKind::AktaKelahiran => ui::DocKind::AktaKelahiran,
        DocKind::AktaKematian => ui::DocKind::AktaKematian,
        DocKind::AktaPerkawinan => ui::DocKind::AktaPerkawinan,
        DocKind::AktaPerceraian => ui::DocKind::AktaPerceraian,
        DocKind::Skpwni => ui::DocKind::Skpwni,
        DocKind::Biodata => ui::DocKind::Biodata,
        DocKind::Other => ui::DocKind::Other,
    }
}

fn job_row(j: &crate::session::Job) -> JobRow {
    let (state, done, total) = match j.status {
        JobStatus::Queued => (JobState::Queued, 0, j.doc.pages),
        JobStatus::Checking => (JobState::Checking, 0, j.doc.pages),
        JobStatus::Sending => (JobState::Sending, 0, j.doc.pages),
        JobStatus::Printing { done, total } => (JobState::Printing, done, total),
        JobStatus::Done { pages } => (JobState::Done, pages, pages),
        JobStatus::Refused(Refusal::Download) => (JobState::RefusedDownload, 0, j.doc.pages),
        JobStatus::Refused(Refusal::Signature) => (JobState::RefusedSignature, 0, j.doc.pages),
        JobStatus::Refused(Refusal::Ownership) => (JobState::RefusedOwnership, 0, j.doc.pages),
        JobStatus::Refused(Refusal::Inactive) => (JobState::RefusedInactive, 0, j.doc.pages),
        JobStatus::Stopped { problem, done } => (
            match problem {
                PrinterProblem::PaperOut => JobState::StoppedPaperOut,
                PrinterProblem::PaperJam => JobState::StoppedJam,
                PrinterProblem::CoverOpen => JobState::StoppedCoverOpen,
                PrinterProblem::Offline => JobState::StoppedOffline,
                PrinterProblem::Other => JobState::StoppedOther,
            },
            done,
            j.doc.pages,
        ),
        JobStatus::Skipped => (JobState::Skipped, 0, j.doc.pages),
    };
    JobRow {
        kind: kind_of(j.doc.kind),
        number: j.doc.number.as_str().into(),
        state,
        done: done as i32,
        total: total as i32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_nik_digits_in_fours() {
        assert_eq!(group_digits("3201011505800001"), "3201 0115 0580 0001");
        assert_eq!(group_digits("32010"), "3201 0");
        assert_eq!(group_digits(""), "");
    }

    #[test]
    fn locked_wait_reads_in_minutes_then_hours() {
        assert_eq!(locked_wait_of(900), (15, false));
        assert_eq!(locked_wait_of(899), (15, false));
        assert_eq!(locked_wait_of(30), (2, false));
        assert_eq!(locked_wait_of(3600), (60, false));
        assert_eq!(locked_wait_of(7200), (2, true));
        assert_eq!(locked_wait_of(86_400), (24, true));
    }

    #[test]
    fn dates_in_indonesian_order() {
        assert_eq!(format_date("2024-03-01"), "01-03-2024");
        assert_eq!(format_date("garbage"), "garbage");
    }
}
