//! What the session machine remembers. Everything personal in here is wiped from memory
//! when it is dropped (`Zeroizing`, `ZeroizeOnDrop`), and the machine drops it the
//! moment a session ends.

use zeroize::Zeroizing;

use crate::central::{Application, CentralError, Citizen, DocumentCheck, DocumentMeta, Service, SessionToken};
use crate::nik::{Nik, NikError};

/// The session's language: Bahasa Indonesia by default, restored for every new citizen.
pub use adm_text::Language;

/// One of the display modes a citizen can switch on any citizen screen (issue #18: Korea's
/// 2021 unmanned-kiosk standard asks for magnification, high contrast and an operating
/// height ≤ 1,220 mm; WCAG 2.2 1.4.6 for 7:1 contrast, 1.4.4 for text scaled without loss).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayOption {
    /// Light text and outlines on black, every text at ≥ 7:1.
    HighContrast,
    /// Text about 1.4 times larger; what no longer fits scrolls.
    LargeText,
    /// The whole kiosk lowered into the band a seated citizen reaches (≤ 1,220 mm).
    LowReach,
}

/// The display modes switched on. A citizen's own need, so it never outlives them: back to
/// all off whenever a session ends or is cancelled, when the kiosk returns to the attract
/// screen after the goodbye, when the technician console opens, and when a choice made on
/// the attract screen is left untouched for the idle timeout (see `Machine::tick`).
/// Voice guidance resets at the same moments (it is not in here: it is not drawn), to on
/// only while headphones are still plugged in (`Machine::voice`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Display {
    pub high_contrast: bool,
    pub large_text: bool,
    pub low_reach: bool,
}

impl Display {
    /// The same with `option` switched the other way.
    pub fn toggled(self, option: DisplayOption) -> Display {
        let mut d = self;
        match option {
            DisplayOption::HighContrast => d.high_contrast = !d.high_contrast,
            DisplayOption::LargeText => d.large_text = !d.large_text,
            DisplayOption::LowReach => d.low_reach = !d.low_reach,
        }
        d
    }
}

/// Whether the kiosk can serve a citizen right now (shown on the attract screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Availability {
    #[default]
    Ready,
    /// A technician switched the kiosk out of service.
    OutOfService,
    /// The A4 printer cannot print: a session would end in disappointment.
    PrinterUnavailable,
}

/// A signed-in citizen and the server session that goes with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCtx {
    pub token: SessionToken,
    pub citizen: Citizen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInMethod {
    Nik(Nik),
    Notice(Zeroizing<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinProblem {
    WrongPin { attempts_left: u32 },
}

impl PinProblem {
    /// How the audit log names the problem.
    pub fn code(self) -> &'static str {
        match self {
            PinProblem::WrongPin { .. } => "wrong-pin",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanProblem {
    /// A QR code that is not a Dukcapil notice for this kiosk's central server.
    NotANotice,
}

/// Advice while scanning, from what the camera sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanHint {
    /// Much of the picture is burnt white: a phone screen at full brightness, or a
    /// glossy notice under the lamp.
    Glare,
    /// Nothing readable for a while: hold the QR closer, inside the frame.
    Closer,
    /// The camera gives no pictures at all (unplugged, broken, never found): typing the
    /// code is the way on.
    NoCamera,
}

/// Why a session could not go on. Each has its own screen text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Unreachable,
    /// Too many wrong PINs for this NIK (or notice): the screen says when to try again.
    Locked {
        retry_after_secs: Option<u64>,
    },
    /// "NIK or PIN is wrong": the same words whether or not the NIK is registered.
    UnknownCitizen,
    UnknownNotice,
    SessionExpired,
    KioskRefused,
    RateLimited,
    ServerError,
}

/// Every central-server error as a reason the citizen screen can explain.
impl From<CentralError> for Failure {
    fn from(e: CentralError) -> Failure {
        match e {
            CentralError::Unreachable => Failure::Unreachable,
            CentralError::Locked { retry_after_secs } => Failure::Locked { retry_after_secs },
            CentralError::WrongPin { .. } | CentralError::UnknownCitizen => Failure::UnknownCitizen,
            CentralError::UnknownNotice => Failure::UnknownNotice,
            CentralError::SessionExpired => Failure::SessionExpired,
            CentralError::KioskRefused => Failure::KioskRefused,
            CentralError::RateLimited => Failure::RateLimited,
            // Only a download answers this, and a print run shows it per document.
            CentralError::DocumentInactive
            | CentralError::IntegrityMismatch
            | CentralError::Server(_)
            | CentralError::Storage(_) => Failure::ServerError,
        }
    }
}

impl Failure {
    /// How the audit log names the failure (kebab-case, like every audit code). The
    /// metrics' label for it is `telemetry::metrics::SignInFailure`.
    pub fn code(self) -> &'static str {
        match self {
            Failure::Unreachable => "unreachable",
            Failure::Locked { .. } => "locked",
            Failure::UnknownCitizen => "unknown-citizen",
            Failure::UnknownNotice => "unknown-notice",
            Failure::SessionExpired => "session-expired",
            Failure::KioskRefused => "kiosk-refused",
            Failure::RateLimited => "rate-limited",
            Failure::ServerError => "server-error",
        }
    }
}

/// Why a document was refused before printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Download failed or did not match the announced size/checksum.
    Download,
    /// The electronic signature (TTE) is not valid, not trusted, or the file was changed.
    Signature,
    /// The document does not belong to the signed-in citizen or their family.
    Ownership,
    /// The server refused it as TIDAK AKTIF: replaced (e.g. by a new KK) after the list
    /// the citizen chose from was made. Never printed; the others still are.
    Inactive,
}

/// What a document check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckResult {
    /// The server's answer (AKTIF, TIDAK AKTIF, or TIDAK VALID for a code it never issued).
    Answered(DocumentCheck),
    /// The QR read was not a document code of this kiosk's central server (another host,
    /// a notice, anything else): TIDAK VALID without asking anyone, as the paper cannot be
    /// checked.
    NotADocumentCode,
}

/// Printer trouble a citizen can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterProblem {
    PaperOut,
    PaperJam,
    CoverOpen,
    Offline,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Checking,
    Sending,
    Printing {
        done: u32,
        total: u32,
    },
    Done {
        pages: u32,
    },
    Refused(Refusal),
    /// The printer stopped; `done` pages came out. The entitlement is not used up.
    Stopped {
        problem: PrinterProblem,
        done: u32,
    },
    /// Not attempted because an earlier document stopped the printer.
    Skipped,
}

impl JobStatus {
    pub fn is_final(self) -> bool {
        matches!(self, JobStatus::Done { .. } | JobStatus::Refused(_) | JobStatus::Stopped { .. } | JobStatus::Skipped)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub doc: DocumentMeta,
    pub status: JobStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptOutcome {
    Pending,
    Printed,
    /// Receipt printer out of paper or offline: the citizen is told, A4 printing is not
    /// affected.
    Unavailable,
}

/// A pickup slip or address label asked for on the application screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SlipOutcome {
    #[default]
    NotAsked,
    Printing,
    Printed,
    /// The receipt printer could not print it (paper out, offline).
    Unavailable,
}

/// "Status pengajuan": the signed-in citizen's applications, opened from the documents
/// screen, which it keeps (with the choice made there) to go back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDesk {
    pub ctx: SessionCtx,
    pub docs: Vec<DocumentMeta>,
    pub selected: Vec<bool>,
    pub apps: Vec<Application>,
    /// The application shown in detail; None: the list.
    pub open: Option<usize>,
    pub slip: SlipOutcome,
}

/// What became of a service's guide and forms sent to the A4 printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilesOutcome {
    #[default]
    NotAsked,
    Printing,
    /// Every file came out.
    Printed,
    /// A file failed its checks (size, SHA-256, signature): nothing of it was printed.
    Refused,
    /// The A4 printer stopped or cannot print (paper out, jam, offline).
    PrinterStopped,
    /// The server could not be reached or did not send the file.
    Unavailable,
}

/// "Daftar layanan": the service catalogue as the server sent it, one service open or
/// the list. Nothing in it is about a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDesk {
    pub services: Vec<Service>,
    /// The service shown in detail; None: the list.
    pub open: Option<usize>,
    /// The requirement checklist on the receipt printer.
    pub checklist: SlipOutcome,
    /// The guide and blank forms on the A4 printer.
    pub files: FilesOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Attract,
    ChooseMethod,
    EnterNik {
        digits: Zeroizing<String>,
        error: Option<NikError>,
    },
    EnterPin {
        nik: Nik,
        pin: Zeroizing<String>,
        problem: Option<PinProblem>,
    },
    ScanQr {
        problem: Option<ScanProblem>,
        hint: Option<ScanHint>,
        /// The scan window ran out: the camera is off until the citizen tries again
        /// (or types the code instead).
        expired: bool,
    },
    /// The manual fallback: the code printed under the QR on the notice, typed on an
    /// on-screen keyboard of the 32 characters a notice code can have.
    EnterNoticeCode {
        code: Zeroizing<String>,
    },
    EnterNoticePin {
        code: Zeroizing<String>,
        pin: Zeroizing<String>,
        problem: Option<PinProblem>,
    },
    SigningIn {
        method: SignInMethod,
    },
    LoadingDocuments {
        ctx: SessionCtx,
    },
    Documents {
        ctx: SessionCtx,
        docs: Vec<DocumentMeta>,
        selected: Vec<bool>,
    },
    Confirm {
        ctx: SessionCtx,
        docs: Vec<DocumentMeta>,
        selected: Vec<bool>,
    },
    Printing {
        ctx: SessionCtx,
        jobs: Vec<Job>,
    },
    /// The printer stopped (paper out, jam, …). Nothing more is sent until someone
    /// decides: "try again" once an officer has fixed the printer (only the pages that
    /// did not come out), or "finish" (the rest keeps its entitlement).
    PrintStopped {
        ctx: SessionCtx,
        jobs: Vec<Job>,
    },
    Collect {
        jobs: Vec<Job>,
        receipt: ReceiptOutcome,
    },
    Goodbye,
    Failure {
        failure: Failure,
    },
    /// "Cek dokumen", without sign-in: the camera looks for the QR printed on a document.
    CheckScan {
        hint: Option<ScanHint>,
        /// The scan window ran out: the camera is off until "scan again" or typing.
        expired: bool,
    },
    /// The verification code printed on the document, typed (the QR will not scan).
    CheckCode {
        code: Zeroizing<String>,
    },
    /// The central server is asked about the code.
    Checking,
    /// The document's status, with only what the paper shows.
    CheckResult {
        result: CheckResult,
    },
    /// The applications are asked for; the documents screen is kept to go back to.
    LoadingApplications {
        ctx: SessionCtx,
        docs: Vec<DocumentMeta>,
        selected: Vec<bool>,
    },
    /// The list of applications, or one of them (`desk.open`).
    Applications {
        desk: Box<StatusDesk>,
    },
    /// "Daftar layanan" (no sign-in): the catalogue is asked for.
    LoadingServices,
    /// The list of services, or one of them (`desk.open`).
    Services {
        desk: Box<ServiceDesk>,
    },
    /// A technician has the kiosk (see `console`): no citizen session can start.
    Maintenance,
}

impl State {
    /// Screens where someone (a citizen, or a technician on the console) is expected to
    /// act, so inactivity counts.
    pub(crate) fn idle_applies(&self) -> bool {
        !matches!(
            self,
            State::Attract
                | State::SigningIn { .. }
                | State::Checking
                | State::LoadingDocuments { .. }
                | State::LoadingApplications { .. }
                | State::Printing { .. }
                | State::LoadingServices
                | State::Goodbye
        ) && !matches!(self, State::Services { desk } if desk.files == FilesOutcome::Printing)
    }

    pub fn in_session(&self) -> bool {
        !matches!(self, State::Attract | State::Goodbye | State::Maintenance)
    }
}
