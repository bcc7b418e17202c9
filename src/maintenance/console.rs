//! The maintenance console's pure state: PIN entry, the open page, and the catalogue of
//! what a technician can ask for ([`Action`]) and be told ([`Feedback`]). Pure, like the
//! session machine: the runtime (`runtime::maintenance`) performs the actions and feeds
//! results back; PIN checking itself is `maintenance::auth::Authenticator`.
//!
//! The console can only be opened from the attract screen (the session machine is in
//! `State::Maintenance` meanwhile), so a citizen session and a technician session can
//! never be open at the same time.

use zeroize::Zeroizing;

use crate::session::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    Overview,
    A4,
    Receipt,
    Camera,
    Network,
    Events,
    Settings,
    Power,
}

impl Page {
    pub const ALL: [Page; 8] = [
        Page::Overview,
        Page::A4,
        Page::Receipt,
        Page::Camera,
        Page::Network,
        Page::Events,
        Page::Settings,
        Page::Power,
    ];
}

/// What a technician can ask for with one tap. The UI's `MaintenanceAction` has the same
/// variants; [`Action::code`] is how the audit log names each (`maintenance.action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    RunChecks,
    PrintReadiness,
    A4TestPage,
    PaperLoaded,
    ReceiptTestPage,
    OutOfService,
    InService,
    RestartApp,
    Reboot,
    Shutdown,
    /// Ask the central server for an OS update now.
    CheckUpdate,
}

impl Action {
    /// The audit log's name of the action.
    pub fn code(self) -> &'static str {
        match self {
            Action::RunChecks => "run-checks",
            Action::PrintReadiness => "print-readiness",
            Action::A4TestPage => "a4-test-page",
            Action::PaperLoaded => "paper-loaded",
            Action::ReceiptTestPage => "receipt-test-page",
            Action::OutOfService => "out-of-service",
            Action::InService => "in-service",
            Action::RestartApp => "restart-app",
            Action::Reboot => "reboot",
            Action::Shutdown => "shutdown",
            Action::CheckUpdate => "check-update",
        }
    }
}

/// The outcome of the last action, shown under the page (the UI's `MaintenanceFeedback`
/// has the same variants and owns the translated texts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Feedback {
    #[default]
    None,
    A4TestOk,
    A4TestFailed,
    PaperLoaded,
    ReceiptTestOk,
    ReceiptTestFailed,
    OutOfService,
    InService,
    /// Demo mode: power actions are only recorded.
    PowerSimulated,
    PowerRequested,
    PowerFailed,
    /// Asked the central server for an update.
    UpdateChecking,
    /// Not a kiosk image (or the demo): there is nothing to update.
    UpdateUnavailable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Console {
    /// Technician PIN entry. `wait_until`: backoff after wrong PINs.
    Login {
        pin: Zeroizing<String>,
        wrong: bool,
        wait_until: Option<Millis>,
    },
    Open {
        technician: String,
        page: Page,
    },
}

/// The console's keypad takes what a technician PIN may be (8-12 digits): a shorter PIN
/// is not even submitted.
pub const MIN_PIN: usize = super::auth::PIN_MIN_DIGITS;
pub const MAX_PIN: usize = super::auth::PIN_MAX_DIGITS;

impl Console {
    pub fn new() -> Console {
        Console::Login { pin: Zeroizing::default(), wrong: false, wait_until: None }
    }

    pub fn digit(&mut self, d: u8) {
        if let Console::Login { pin, .. } = self
            && d <= 9
            && pin.len() < MAX_PIN
        {
            pin.push(char::from(b'0' + d));
        }
    }

    pub fn backspace(&mut self) {
        if let Console::Login { pin, .. } = self {
            pin.pop();
        }
    }

    /// The PIN to check, unless the backoff still runs.
    pub fn submit(&mut self, now: Millis) -> Option<Zeroizing<String>> {
        match self {
            Console::Login { pin, wait_until, .. } if pin.len() >= MIN_PIN && wait_until.is_none_or(|t| now >= t) => {
                Some(std::mem::take(pin))
            }
            _ => None,
        }
    }

    pub fn granted(&mut self, technician: String) {
        *self = Console::Open { technician, page: Page::Overview };
    }

    pub fn refused(&mut self, wait_until: Millis) {
        *self = Console::Login { pin: Zeroizing::default(), wrong: true, wait_until: Some(wait_until) };
    }

    pub fn open(&mut self, target: Page) {
        if let Console::Open { page, .. } = self {
            *page = target;
        }
    }

    /// Seconds of backoff left at `now` (0 when a PIN may be tried).
    pub fn wait_seconds(&self, now: Millis) -> u64 {
        match self {
            Console::Login { wait_until: Some(t), .. } => t.saturating_sub(now).div_ceil(1000),
            _ => 0,
        }
    }

    pub fn technician(&self) -> Option<&str> {
        match self {
            Console::Open { technician, .. } => Some(technician),
            Console::Login { .. } => None,
        }
    }
}

impl Default for Console {
    fn default() -> Self {
        Console::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_is_submitted_only_when_long_enough_and_not_waiting() {
        let mut c = Console::new();
        for d in [1, 2, 3, 4, 5, 6, 7] {
            c.digit(d);
        }
        assert_eq!(c.submit(0), None, "7 digits are not a technician PIN");
        c.digit(8);
        assert!(matches!(c.submit(0), Some(pin) if pin.as_str() == "12345678"));
        for _ in 0..13 {
            c.digit(4);
        }
        assert!(matches!(c.submit(0), Some(pin) if pin.len() == 12), "at most 12 digits");
        c.refused(5_000);
        assert_eq!(c.wait_seconds(1_000), 4);
        for _ in 0..8 {
            c.digit(9);
        }
        assert_eq!(c.submit(1_000), None, "backoff still running");
        assert!(c.submit(5_000).is_some());
    }

    #[test]
    fn pages_open_only_after_sign_in() {
        let mut c = Console::new();
        c.open(Page::Settings);
        assert!(matches!(c, Console::Login { .. }));
        c.granted("tek01".into());
        c.open(Page::Settings);
        assert_eq!(c, Console::Open { technician: "tek01".into(), page: Page::Settings });
        c.backspace();
        c.digit(1);
        assert_eq!(c.technician(), Some("tek01"));
    }
}
