//! Transitions of the citizen journey.

use std::mem;

use adm_central_client::api::shape;
use zeroize::Zeroizing;

use super::Millis;
use super::event::{AuditEvent, Command, EndReason, Event, PrintOrder, ReceiptLine, ReceiptRequest, SignInError};
use super::state::{
    Availability, Display, Failure, Job, JobStatus, Language, PinProblem, ReceiptOutcome, SignInMethod, State,
};
use crate::nik::Nik;

mod check;
mod services;
mod status;

pub(crate) use status::print_selection;

pub const NIK_DIGITS: usize = 16;
/// How long the camera looks for a QR before the screen offers to try again or type the
/// code; it closes before the idle warning appears, so the citizen sees this first.
pub const SCAN_WINDOW_MS: Millis = 45_000;
/// In voice guidance the citizen's idle timeout and the warning's lead time are this many
/// times longer. WCAG 2.2.1 (Timing Adjustable) asks that a time limit fit the person: a
/// blind citizen hears each screen read out before acting, finds the keys by touch and
/// hears the warning only once it is spoken, so the sighted timing would end sessions of
/// people who are still working. The absolute session limit does not change: it bounds
/// how long a kiosk can be left signed in, whoever used it.
pub const VOICE_TIME_FACTOR: u64 = 2;

/// Session timing, from the kiosk configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Inactivity after which a session ends.
    pub idle_ms: Millis,
    /// How long before the idle end the warning appears. WCAG 2.2.1 asks for at least
    /// 20 s to react; the config refuses less.
    pub warning_ms: Millis,
    /// Absolute limit of one session, whatever the activity (a kiosk left signed in is a
    /// privacy risk). Never interrupts printing.
    pub session_limit_ms: Millis,
    /// How long the goodbye screen stays.
    pub goodbye_ms: Millis,
    /// PIN length printed on the SIAK notice.
    pub pin_len: usize,
    /// Inactivity after which the technician console (its PIN screen too) closes: an
    /// abandoned console would let anyone reboot the kiosk, change its server or watch
    /// the camera. Same warning as for citizens.
    pub technician_idle_ms: Millis,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            idle_ms: 90_000,
            warning_ms: 30_000,
            session_limit_ms: 600_000,
            goodbye_ms: 8_000,
            pin_len: 6,
            technician_idle_ms: 120_000,
        }
    }
}

/// The timeout warning currently shown, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Warning {
    pub seconds_left: u64,
    /// False for the absolute session limit, which cannot be extended.
    pub extendable: bool,
}

#[derive(Debug)]
pub struct Machine {
    timing: Timing,
    state: State,
    language: Language,
    default_language: Language,
    /// The citizen's display modes (see `Display` for when they reset).
    display: Display,
    /// Voice guidance (issue #18): on by the help key or headphones plugged in. It resets
    /// wherever `display` does, but to `headphones`, not to off: a citizen still wearing
    /// the headphones keeps hearing the kiosk, and the next one who plugs in gets it.
    voice: bool,
    /// Whether headphones are in the jack, as last reported (`Event::Headphones`).
    headphones: bool,
    availability: Availability,
    /// Id of the current (or last) session; answers for other ids are stale.
    session: u64,
    idle_deadline: Millis,
    session_deadline: Millis,
    goodbye_deadline: Millis,
    scan_deadline: Millis,
    now: Millis,
}

impl Machine {
    pub fn new(timing: Timing) -> Self {
        Machine {
            timing,
            state: State::Attract,
            language: Language::default(),
            default_language: Language::default(),
            display: Display::default(),
            voice: false,
            headphones: false,
            availability: Availability::Ready,
            session: 0,
            idle_deadline: 0,
            session_deadline: 0,
            goodbye_deadline: 0,
            scan_deadline: 0,
            now: 0,
        }
    }

    pub fn state(&self) -> &State {
        &self.state
    }
    pub fn language(&self) -> Language {
        self.language
    }
    pub fn display(&self) -> Display {
        self.display
    }
    /// Whether the kiosk speaks (voice guidance on).
    pub fn voice(&self) -> bool {
        self.voice
    }
    /// Whether headphones are plugged in, as last reported.
    pub fn headphones(&self) -> bool {
        self.headphones
    }
    pub fn availability(&self) -> Availability {
        self.availability
    }
    pub fn session_id(&self) -> u64 {
        self.session
    }
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// New settings from the technician console; they apply from the next session.
    pub fn configure(&mut self, timing: Timing, default_language: Language) {
        self.timing = timing;
        self.default_language = default_language;
        if matches!(self.state, State::Attract) {
            self.language = default_language;
        }
    }

    /// Whole seconds left in the scan window (0 once it ran out or outside scanning).
    pub fn scan_seconds_left(&self) -> u64 {
        match self.state {
            State::ScanQr { expired: false, .. } | State::CheckScan { expired: false, .. } => {
                self.scan_deadline.saturating_sub(self.now).div_ceil(1000)
            }
            _ => 0,
        }
    }

    pub fn scan_window_ms(&self) -> Millis {
        // 10 s before the idle warning, so "scan again" can be touched without it. The
        // citizen's timing as it is now (longer in voice guidance), as the idle clock the
        // window must close before.
        let before_warning = self.citizen_idle_ms().saturating_sub(self.warning_lead_ms()).saturating_sub(10_000);
        SCAN_WINDOW_MS.min(before_warning).max(5_000)
    }

    /// The factor voice guidance puts on a citizen's timing (1 without it).
    fn time_factor(&self) -> u64 {
        if self.voice { VOICE_TIME_FACTOR } else { 1 }
    }

    /// A citizen's idle timeout, longer in voice guidance.
    fn citizen_idle_ms(&self) -> Millis {
        self.timing.idle_ms.saturating_mul(self.time_factor())
    }

    /// How long before its end a timeout warning appears: longer for a citizen in voice
    /// guidance (the warning has to be spoken and understood), never on the technician
    /// console, which is not spoken.
    fn warning_lead_ms(&self) -> Millis {
        match self.state {
            State::Maintenance => self.timing.warning_ms,
            _ => self.timing.warning_ms.saturating_mul(self.time_factor()),
        }
    }

    /// Scanning (again): the camera starts and the window opens.
    fn start_scan(&mut self, out: &mut Vec<Command>) {
        self.state = State::ScanQr { problem: None, hint: None, expired: false };
        self.scan_deadline = self.now + self.scan_window_ms();
        out.push(Command::StartScanner { session: self.session });
    }

    /// The warning to show at the last time the machine was told.
    pub fn warning(&self) -> Option<Warning> {
        if !self.state.idle_applies() {
            return None;
        }
        let lead = self.warning_lead_ms();
        let limit_warning = self.session_deadline.saturating_sub(lead);
        // The technician console has no absolute limit (and `session_deadline` is the
        // last citizen's): only inactivity ends it.
        if self.state.in_session() && self.now >= limit_warning && self.session_deadline <= self.idle_deadline {
            return Some(Warning {
                seconds_left: self.session_deadline.saturating_sub(self.now).div_ceil(1000),
                extendable: false,
            });
        }
        let idle_warning = self.idle_deadline.saturating_sub(lead);
        (self.now >= idle_warning).then(|| Warning {
            seconds_left: self.idle_deadline.saturating_sub(self.now).div_ceil(1000),
            extendable: true,
        })
    }

    /// Feeds one event in at monotonic time `now` and returns what must be done.
    pub fn handle(&mut self, now: Millis, event: Event) -> Vec<Command> {
        self.now = now.max(self.now);
        let mut out = Vec::new();
        if let Event::SetLanguage(language) = event {
            self.language = language;
            self.touch();
            return out;
        }
        if let Event::ToggleDisplay(option) = event {
            // Like the language: any screen, the warning's included (it restarts the idle
            // time like any touch).
            self.display = self.display.toggled(option);
            self.touch();
            return out;
        }
        if let Event::Availability(availability) = event {
            self.availability = availability;
            return out;
        }
        if let Event::HelpKey = event {
            // Voice on, from any screen. On the warning it only makes the kiosk speak:
            // the warning stays modal, so more time is "more time" (or cancel), as for
            // everyone; the spoken warning then tells the citizen so. Anywhere else it is
            // a touch, and the idle clock restarts with the voice-guidance time.
            let modal = self.warning().is_some();
            self.voice = true;
            if !modal {
                self.touch();
            }
            return out;
        }
        if let Event::Headphones(plugged) = event {
            self.headphones_changed(plugged);
            return out;
        }
        if event.is_intent() {
            if let Some(warning) = self.warning() {
                // The warning is modal: only "more time" and "cancel" do anything.
                match event {
                    Event::ExtendTime if warning.extendable => self.touch(),
                    Event::Cancel => self.cancel(&mut out),
                    _ => {}
                }
                return out;
            }
            self.touch();
        }
        match event {
            Event::Tick => self.tick(&mut out),
            Event::Cancel => self.cancel(&mut out),
            ev => self.step(ev, &mut out),
        }
        out
    }

    fn touch(&mut self) {
        let idle = match self.state {
            State::Maintenance => self.timing.technician_idle_ms,
            _ => self.citizen_idle_ms(),
        };
        self.idle_deadline = self.now + idle;
    }

    /// The jack switched: headphones in turn voice guidance on, out turn it off (speaking
    /// aloud what the citizen chose to hear privately, a PIN prompt say, is not for the
    /// whole queue). A report that changes nothing (the runtime's first reading at start)
    /// does nothing, so it cannot turn off guidance the help key switched on.
    fn headphones_changed(&mut self, plugged: bool) {
        if plugged == self.headphones {
            return;
        }
        self.headphones = plugged;
        self.voice = plugged;
        // Someone is at the kiosk handling the cable: in a session that is activity, and
        // the idle clock restarts with the timing of the new mode. Not an intent: the
        // warning's modal rule is about what the citizen taps, and a citizen who just
        // plugged in has not heard the warning yet.
        if self.state.in_session() {
            self.touch();
        }
    }

    /// Display modes and voice guidance as they are for a citizen arriving: the defaults,
    /// with voice on only while headphones are still in the jack.
    fn reset_modes(&mut self) {
        self.display = Display::default();
        self.voice = self.headphones;
    }

    fn tick(&mut self, out: &mut Vec<Command>) {
        let now = self.now;
        match &self.state {
            State::Goodbye if now >= self.goodbye_deadline => self.after_goodbye(),
            // A mode switched on at the attract screen by someone who then walked away
            // must not greet the next citizen: it goes after the idle time, like a session.
            State::Attract
                if (self.display != Display::default() || self.voice != self.headphones)
                    && now >= self.idle_deadline =>
            {
                self.reset_modes()
            }
            State::Maintenance if now >= self.idle_deadline => {
                self.end_maintenance(AuditEvent::TechnicianTimedOut, out)
            }
            // Printing is never interrupted: the limit is applied once it is done.
            State::Printing { .. } => {}
            State::Services { .. } if self.printing_service_files() => {}
            State::CheckScan { expired: false, .. } if self.check_scan_over() => self.expire_check_scan(out),
            State::ScanQr { expired: false, .. }
                if now >= self.scan_deadline && now < self.idle_deadline && now < self.session_deadline =>
            {
                if let State::ScanQr { expired, hint, .. } = &mut self.state {
                    *expired = true;
                    *hint = None;
                }
                out.push(Command::StopScanner);
            }
            // Pages came out: the citizen gets them listed on the receipt, not a wiped
            // screen. Whatever did not print keeps its entitlement.
            State::PrintStopped { .. } if now >= self.session_deadline || now >= self.idle_deadline => {
                self.collect(out)
            }
            s if s.in_session() && now >= self.session_deadline => self.end(EndReason::SessionLimit, out),
            s if s.idle_applies() && now >= self.idle_deadline => self.end(EndReason::IdleTimeout, out),
            _ => {}
        }
    }

    fn cancel(&mut self, out: &mut Vec<Command>) {
        match self.state {
            // Pages already on their way cannot be recalled, and stopping halfway would
            // cost the citizen an entitlement: printing finishes, then the session ends
            // normally.
            State::Printing { .. } | State::Attract => {}
            State::Services { .. } if self.printing_service_files() => {}
            State::PrintStopped { .. } => self.collect(out),
            State::Goodbye => self.after_goodbye(),
            // "End session" on the console's timeout warning.
            State::Maintenance => self.end_maintenance(AuditEvent::TechnicianExit, out),
            _ => self.end(EndReason::Cancelled, out),
        }
    }

    /// Closes the technician console from the machine's side (timeout, or "end" on its
    /// warning): the runtime resets the console and stops the camera.
    fn end_maintenance(&mut self, audit: AuditEvent, out: &mut Vec<Command>) {
        self.state = State::Attract;
        self.language = self.default_language;
        self.reset_modes();
        out.push(Command::EndMaintenance);
        out.push(Command::Audit(audit));
    }

    /// Ends the session: everything personal is dropped (and thereby zeroized) here.
    fn end(&mut self, reason: EndReason, out: &mut Vec<Command>) {
        let old = mem::replace(&mut self.state, State::Attract);
        let token = match &old {
            State::LoadingDocuments { ctx }
            | State::Documents { ctx, .. }
            | State::Confirm { ctx, .. }
            | State::Printing { ctx, .. }
            | State::PrintStopped { ctx, .. }
            | State::LoadingApplications { ctx, .. } => Some(ctx.token.clone()),
            State::Applications { desk } => Some(desk.ctx.token.clone()),
            _ => None,
        };
        if matches!(old, State::ScanQr { .. } | State::CheckScan { .. }) {
            out.push(Command::StopScanner);
        }
        drop(old);
        if reason == EndReason::Completed {
            self.state = State::Goodbye;
            self.goodbye_deadline = self.now + self.timing.goodbye_ms;
        } else {
            self.reset_modes();
        }
        // The display modes and the voice stay for the goodbye ("your data has been
        // erased"), which the citizen who needed them must be able to read or hear; they
        // go with it (`after_goodbye`).
        self.language = self.default_language;
        out.push(Command::EndSession { token });
        out.push(Command::Audit(AuditEvent::SessionEnded { session: self.session, reason }));
    }

    /// The goodbye is over: the attract screen, in the default display for the next citizen.
    fn after_goodbye(&mut self) {
        self.state = State::Attract;
        self.reset_modes();
    }

    fn fail(&mut self, failure: Failure, out: &mut Vec<Command>) {
        out.push(Command::Audit(AuditEvent::SessionFailed { session: self.session, reason: failure.code() }));
        let token = match mem::replace(&mut self.state, State::Failure { failure }) {
            State::LoadingDocuments { ctx } | State::LoadingApplications { ctx, .. } => Some(ctx.token.clone()),
            _ => None,
        };
        if token.is_some() {
            // The failure screen needs nothing of the citizen: sign out right away.
            out.push(Command::EndSession { token });
        }
    }

    fn step(&mut self, event: Event, out: &mut Vec<Command>) {
        let session = self.session;
        let pin_len = self.timing.pin_len;
        if let Event::SignedIn { session: s, result: Ok(ctx) } = &event
            && (*s != session || !matches!(self.state, State::SigningIn { .. }))
        {
            // A late sign-in for a session that is gone: close it on the server.
            out.push(Command::EndSession { token: Some(ctx.token.clone()) });
            return;
        }
        match (&mut self.state, event) {
            (State::Attract, Event::Start) if self.availability == Availability::Ready => {
                self.session += 1;
                self.session_deadline = self.now + self.timing.session_limit_ms;
                self.state = State::ChooseMethod;
                out.push(Command::Audit(AuditEvent::SessionStarted { session: self.session }));
            }
            (State::Goodbye, Event::Start | Event::Finish) => self.after_goodbye(),
            (State::Attract, Event::CheckDocument) if self.availability != Availability::OutOfService => {
                self.start_check(out)
            }
            (State::CheckScan { .. } | State::CheckCode { .. } | State::Checking | State::CheckResult { .. }, ev) => {
                self.step_check(ev, out)
            }
            (State::Attract, Event::OpenServices) if self.availability != Availability::OutOfService => {
                self.open_services(out)
            }
            (State::LoadingServices | State::Services { .. }, ev) => self.step_services(ev, out),
            (State::Attract, Event::EnterMaintenance) => {
                // The technician pages are laid out for the default display only.
                self.reset_modes();
                self.state = State::Maintenance;
                self.touch();
            }
            (State::Maintenance, Event::ExitMaintenance) => {
                self.state = State::Attract;
                self.language = self.default_language;
                self.reset_modes();
            }

            (State::ChooseMethod, Event::ChooseNik) => {
                self.state = State::EnterNik { digits: Zeroizing::default(), error: None };
            }
            (State::ChooseMethod, Event::ChooseQr) => self.start_scan(out),
            (State::ChooseMethod, Event::Back) => self.cancel(out),

            (State::EnterNik { digits, error }, ev) => match ev {
                Event::Digit(d) if d <= 9 && digits.len() < NIK_DIGITS => {
                    digits.push(char::from(b'0' + d));
                    *error = None;
                }
                Event::Backspace => {
                    digits.pop();
                    *error = None;
                }
                Event::Clear => {
                    digits.clear();
                    *error = None;
                }
                Event::Submit => match Nik::parse(digits) {
                    Ok(nik) => self.state = State::EnterPin { nik, pin: Zeroizing::default(), problem: None },
                    Err(e) => *error = Some(e),
                },
                Event::Back => self.state = State::ChooseMethod,
                _ => {}
            },

            (State::EnterPin { nik, pin, problem }, ev) => match ev {
                ev @ (Event::Digit(_) | Event::Backspace | Event::Clear) => edit_pin(pin, problem, pin_len, &ev),
                Event::Submit if pin.len() == pin_len => {
                    let (nik, pin) = (nik.clone(), mem::take(pin));
                    out.push(Command::SignInNik { session, nik: nik.clone(), pin });
                    self.state = State::SigningIn { method: SignInMethod::Nik(nik) };
                }
                Event::Back => {
                    let digits = Zeroizing::new(nik.digits().to_owned());
                    self.state = State::EnterNik { digits, error: None };
                }
                _ => {}
            },

            (State::ScanQr { problem, hint, expired }, ev) => match ev {
                Event::QrScanned { session: s, result } if s == session && !*expired => match result {
                    Ok(code) => {
                        out.push(Command::StopScanner);
                        self.state = State::EnterNoticePin { code, pin: Zeroizing::default(), problem: None };
                    }
                    Err(p) => *problem = Some(p),
                },
                Event::ScanHint { session: s, hint: h } if s == session && !*expired => *hint = h,
                // "Scan again" after the window ran out.
                Event::ChooseQr if *expired => self.start_scan(out),
                Event::TypeCode => {
                    out.push(Command::StopScanner);
                    self.state = State::EnterNoticeCode { code: Zeroizing::default() };
                }
                Event::Back => {
                    out.push(Command::StopScanner);
                    self.state = State::ChooseMethod;
                }
                _ => {}
            },

            (State::EnterNoticeCode { code }, ev) => match ev {
                ev @ (Event::CodeChar(_) | Event::Backspace | Event::Clear) => edit_code(code, &ev),
                Event::Submit if code.len() == shape::CODE_LEN => {
                    let code = mem::take(code);
                    self.state = State::EnterNoticePin { code, pin: Zeroizing::default(), problem: None };
                }
                Event::Back => self.start_scan(out),
                _ => {}
            },

            (State::EnterNoticePin { code, pin, problem }, ev) => match ev {
                ev @ (Event::Digit(_) | Event::Backspace | Event::Clear) => edit_pin(pin, problem, pin_len, &ev),
                Event::Submit if pin.len() == pin_len => {
                    let (code, pin) = (code.clone(), mem::take(pin));
                    out.push(Command::SignInNotice { session, code: code.clone(), pin });
                    self.state = State::SigningIn { method: SignInMethod::Notice(code) };
                }
                Event::Back => self.start_scan(out),
                _ => {}
            },

            (State::SigningIn { method }, Event::SignedIn { session: s, result }) if s == session => match result {
                Ok(ctx) => {
                    out.push(Command::Audit(AuditEvent::SignedIn {
                        session,
                        masked_nik: adm_text::mask::id_number(&ctx.citizen.nik),
                    }));
                    out.push(Command::ListDocuments { session, token: ctx.token.clone() });
                    self.state = State::LoadingDocuments { ctx };
                }
                Err(SignInError::Pin(p)) => {
                    out.push(Command::Audit(AuditEvent::SignInFailed { session, reason: p.code() }));
                    let problem = Some(p);
                    self.state = match mem::replace(method, SignInMethod::Notice(Zeroizing::default())) {
                        SignInMethod::Nik(nik) => State::EnterPin { nik, pin: Zeroizing::default(), problem },
                        SignInMethod::Notice(code) => {
                            State::EnterNoticePin { code, pin: Zeroizing::default(), problem }
                        }
                    };
                }
                Err(SignInError::Failure(f)) => self.fail(f, out),
            },

            (State::LoadingDocuments { ctx }, Event::DocumentsListed { session: s, result }) if s == session => {
                match result {
                    // An empty list is no failure: a citizen whose application is still
                    // in progress (or was cancelled) comes exactly to see its status,
                    // which opens from the documents screen.
                    Ok(docs) => {
                        // Everything still printable starts selected: most citizens
                        // come for all of it, and unticking is one tap.
                        let selected = docs.iter().map(|d| d.prints_left > 0).collect();
                        let ctx = ctx.clone();
                        self.state = State::Documents { ctx, docs, selected };
                    }
                    Err(f) => self.fail(f, out),
                }
            }

            (State::Documents { docs, selected, .. }, Event::ToggleDocument(i)) => {
                if let (Some(d), Some(sel)) = (docs.get(i), selected.get_mut(i))
                    && d.prints_left > 0
                {
                    *sel = !*sel;
                }
            }
            (State::Documents { .. }, Event::Proceed) => {
                if let State::Documents { ctx, docs, selected } = mem::replace(&mut self.state, State::Attract) {
                    self.state = if selected.iter().any(|s| *s) {
                        State::Confirm { ctx, docs, selected }
                    } else {
                        State::Documents { ctx, docs, selected }
                    };
                }
            }
            (State::Documents { .. }, Event::Back) => self.cancel(out),
            (State::Documents { .. }, Event::OpenApplications) => self.open_applications(out),
            (State::LoadingApplications { .. } | State::Applications { .. }, ev) => self.step_status(ev, out),

            (State::Confirm { .. }, Event::Back) => {
                if let State::Confirm { ctx, docs, selected } = mem::replace(&mut self.state, State::Attract) {
                    self.state = State::Documents { ctx, docs, selected };
                }
            }
            (State::Confirm { .. }, Event::ConfirmPrint) => {
                if let State::Confirm { ctx, docs, selected } = mem::replace(&mut self.state, State::Attract) {
                    let chosen: Vec<_> = docs.into_iter().zip(selected).filter(|(_, s)| *s).map(|(d, _)| d).collect();
                    out.push(Command::Audit(AuditEvent::PrintStarted { session, documents: chosen.len() }));
                    let orders = chosen
                        .iter()
                        .enumerate()
                        .map(|(index, doc)| PrintOrder { index, doc: doc.clone(), first_page: 1 })
                        .collect();
                    out.push(Command::Print {
                        session,
                        token: ctx.token.clone(),
                        citizen: ctx.citizen.clone(),
                        orders,
                    });
                    let jobs = chosen.into_iter().map(|doc| Job { doc, status: JobStatus::Queued }).collect();
                    self.state = State::Printing { ctx, jobs };
                }
            }

            (State::Printing { jobs, .. }, Event::JobUpdate { session: s, index, status }) if s == session => {
                if let Some(job) = jobs.get_mut(index) {
                    job.status = status;
                    match status {
                        JobStatus::Refused(refusal) => {
                            out.push(Command::Audit(AuditEvent::DocumentRefused { session, refusal }))
                        }
                        JobStatus::Stopped { problem, done } => out.push(Command::Audit(AuditEvent::PrintStopped {
                            session,
                            problem,
                            pages_done: done,
                            pages: job.doc.pages,
                        })),
                        _ => {}
                    }
                }
            }
            (State::Printing { .. }, Event::PrintingDone { session: s }) if s == session => {
                // Waiting for the printer is not idleness: a run longer than the idle
                // timeout (a slow printer, many pages) must leave the citizen the whole
                // idle time to read why it stopped, or to take the papers, instead of
                // ending the session the moment the printer is done.
                self.touch();
                if let State::Printing { ctx, mut jobs } = mem::replace(&mut self.state, State::Attract) {
                    for job in &mut jobs {
                        if !job.status.is_final() {
                            job.status = JobStatus::Skipped;
                        }
                    }
                    let stopped = jobs.iter().any(|j| matches!(j.status, JobStatus::Stopped { .. }));
                    self.state = State::PrintStopped { ctx, jobs };
                    if stopped {
                        // Until a status read says otherwise: it just stopped.
                        self.availability = Availability::PrinterUnavailable;
                    } else {
                        self.collect(out);
                    }
                }
            }

            // The explicit retry decision: only what a fault stopped is sent again, from
            // its first page that did not come out. Nothing is ever resent on its own.
            (State::PrintStopped { .. }, Event::RetryPrint) if self.availability == Availability::Ready => {
                if let State::PrintStopped { ctx, mut jobs } = mem::replace(&mut self.state, State::Attract) {
                    let mut orders = vec![];
                    for (index, job) in jobs.iter_mut().enumerate() {
                        let first_page = match job.status {
                            JobStatus::Stopped { done, .. } => done.min(job.doc.pages.saturating_sub(1)) + 1,
                            JobStatus::Skipped => 1,
                            _ => continue,
                        };
                        orders.push(PrintOrder { index, doc: job.doc.clone(), first_page });
                        job.status = JobStatus::Queued;
                    }
                    out.push(Command::Audit(AuditEvent::PrintRetried { session, documents: orders.len() }));
                    out.push(Command::Print {
                        session,
                        token: ctx.token.clone(),
                        citizen: ctx.citizen.clone(),
                        orders,
                    });
                    self.state = State::Printing { ctx, jobs };
                }
            }
            (State::PrintStopped { .. }, Event::Finish) => self.collect(out),

            (State::Collect { receipt, .. }, Event::ReceiptDone { session: s, printed }) if s == session => {
                *receipt = if printed { ReceiptOutcome::Printed } else { ReceiptOutcome::Unavailable };
            }
            (State::Collect { .. }, Event::Finish) => self.end(EndReason::Completed, out),

            (State::Failure { .. }, Event::Finish | Event::Back) => {
                let failure = match self.state {
                    State::Failure { failure } => failure,
                    _ => Failure::ServerError,
                };
                self.end(EndReason::Failed(failure), out);
            }

            _ => {}
        }
    }

    /// Printing is over: the receipt lists every document and whether it came out; the
    /// citizen's server session is no longer needed.
    fn collect(&mut self, out: &mut Vec<Command>) {
        if !matches!(self.state, State::PrintStopped { .. }) {
            return;
        }
        let State::PrintStopped { ctx, jobs } = mem::replace(&mut self.state, State::Attract) else { return };
        let lines = jobs
            .iter()
            .map(|j| ReceiptLine {
                kind: j.doc.kind,
                number: j.doc.number.clone(),
                pages: match j.status {
                    JobStatus::Done { pages } => pages,
                    _ => j.doc.pages,
                },
                printed: matches!(j.status, JobStatus::Done { .. }),
            })
            .collect();
        let receipt =
            ReceiptRequest { language: self.language, masked_nik: adm_text::mask::id_number(&ctx.citizen.nik), lines };
        out.push(Command::PrintReceipt { session: self.session, receipt });
        out.push(Command::EndSession { token: Some(ctx.token.clone()) });
        drop(ctx);
        self.state = State::Collect { jobs, receipt: ReceiptOutcome::Pending };
    }
}

/// Keypad editing of a PIN, the same on both PIN screens. Typing hides the last error.
fn edit_pin(pin: &mut Zeroizing<String>, problem: &mut Option<PinProblem>, pin_len: usize, ev: &Event) {
    match *ev {
        Event::Digit(d) if d <= 9 && pin.len() < pin_len => {
            pin.push(char::from(b'0' + d));
            *problem = None;
        }
        Event::Backspace => {
            pin.pop();
        }
        Event::Clear => pin.clear(),
        _ => {}
    }
}

/// One key on the code keyboard (a notice's or a document's 16-character code): only
/// the Crockford characters a code can have, and no more than a code's length.
fn edit_code(code: &mut Zeroizing<String>, ev: &Event) {
    match *ev {
        Event::CodeChar(c) if shape::CROCKFORD.contains(&c) && code.len() < shape::CODE_LEN => {
            code.push(char::from(c));
        }
        Event::Backspace => {
            code.pop();
        }
        Event::Clear => code.clear(),
        _ => {}
    }
}

#[cfg(test)]
#[path = "machine_tests/mod.rs"]
mod tests;
