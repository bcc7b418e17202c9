//! What goes into the session machine, and what comes out.

use zeroize::Zeroizing;

use super::state::{
    Availability, DisplayOption, Failure, FilesOutcome, JobStatus, Language, PinProblem, ScanHint, ScanProblem,
    SessionCtx,
};
use crate::central::{Citizen, DocumentMeta, SessionToken};
use crate::nik::Nik;

/// Everything that can happen to a session. `session` fields carry the id of the
/// session a command was issued for: answers that arrive after that session ended are
/// dropped, so one citizen's data can never land in the next citizen's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Time passed (the runtime ticks a few times a second).
    Tick,
    // --- citizen intents (from the UI) ---
    Start,
    ChooseNik,
    ChooseQr,
    /// On the scan screen: type the notice code instead.
    TypeCode,
    /// One character of a notice code (Crockford base32, upper case).
    CodeChar(u8),
    Digit(u8),
    Backspace,
    Clear,
    Submit,
    Back,
    Cancel,
    ExtendTime,
    ToggleDocument(usize),
    Proceed,
    ConfirmPrint,
    /// After the printer stopped and an officer fixed it: print what did not come out.
    RetryPrint,
    Finish,
    SetLanguage(Language),
    /// A display mode switched on or off (high contrast, large text, low reach).
    ToggleDisplay(DisplayOption),
    /// "Cek dokumen" on the attract screen (no sign-in), or "check another document".
    CheckDocument,
    /// "Status pengajuan" on the documents screen: the citizen's applications.
    OpenApplications,
    /// One application of the list, by index: its timeline and next step.
    OpenApplication(usize),
    /// "Cetak sekarang" on a finished application: its documents into the print flow.
    PrintNow,
    /// The pickup slip or the address label of the open application, on the receipt
    /// printer.
    PrintSlip,
    /// "Daftar layanan" on the attract screen (no sign-in): the service catalogue.
    OpenServices,
    /// One service of the list, by index: its requirements, procedure, time and fee.
    OpenService(usize),
    /// The open service's requirement checklist, on the receipt printer.
    PrintChecklist,
    /// The open service's guide and blank forms, on the A4 printer.
    PrintServiceFiles,
    /// The technician gesture: only honoured on the attract screen.
    EnterMaintenance,
    ExitMaintenance,
    /// A tap on the technician console (key, page, action): keeps it open.
    TechnicianActivity,
    /// The help key on the keypad: voice guidance on (issue #18). An intent like any key:
    /// it restarts the idle time, with the longer voice-guidance time. On the timeout
    /// warning it only turns the voice on; the warning stays until "more time" or
    /// "cancel".
    HelpKey,
    // --- from the kiosk's own sensors ---
    /// The headphone jack switched: plugged in (true) turns voice guidance on, pulled out
    /// turns it off. Not an intent, but in a session someone handled the cable, so the
    /// idle time restarts.
    Headphones(bool),
    // --- answers from the runtime ---
    QrScanned {
        session: u64,
        result: Result<Zeroizing<String>, ScanProblem>,
    },
    ScanHint {
        session: u64,
        hint: Option<ScanHint>,
    },
    SignedIn {
        session: u64,
        result: Result<SessionCtx, SignInError>,
    },
    DocumentsListed {
        session: u64,
        result: Result<Vec<DocumentMeta>, Failure>,
    },
    JobUpdate {
        session: u64,
        index: usize,
        status: JobStatus,
    },
    PrintingDone {
        session: u64,
    },
    ReceiptDone {
        session: u64,
        printed: bool,
    },
    Availability(Availability),
    /// The camera read a QR during a document check: its verification code, or None when
    /// it is not a document code of this kiosk's central server.
    DocumentScanned {
        session: u64,
        code: Option<Zeroizing<String>>,
    },
    DocumentChecked {
        session: u64,
        result: Result<crate::central::DocumentCheck, Failure>,
    },
    ApplicationsListed {
        session: u64,
        result: Result<Vec<crate::central::Application>, Failure>,
    },
    SlipDone {
        session: u64,
        printed: bool,
    },
    ServicesListed {
        session: u64,
        result: Result<Vec<crate::central::Service>, Failure>,
    },
    ChecklistDone {
        session: u64,
        printed: bool,
    },
    ServiceFilesDone {
        session: u64,
        outcome: FilesOutcome,
    },
}

impl Event {
    /// Citizen intents count as activity and are blocked while the timeout warning is up
    /// (`HelpKey` is one, but `Machine::handle` takes it first: on the warning it still
    /// turns the voice on, without the extension only "more time" gives).
    pub(crate) fn is_intent(&self) -> bool {
        !matches!(
            self,
            Event::Tick
                | Event::QrScanned { .. }
                | Event::ScanHint { .. }
                | Event::SignedIn { .. }
                | Event::DocumentsListed { .. }
                | Event::JobUpdate { .. }
                | Event::PrintingDone { .. }
                | Event::ReceiptDone { .. }
                | Event::Availability(_)
                | Event::Headphones(_)
                | Event::DocumentScanned { .. }
                | Event::DocumentChecked { .. }
                | Event::ApplicationsListed { .. }
                | Event::SlipDone { .. }
                | Event::ServicesListed { .. }
                | Event::ChecklistDone { .. }
                | Event::ServiceFilesDone { .. }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInError {
    Pin(PinProblem),
    Failure(Failure),
}

/// One line of the receipt, without any personal data beyond the document itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    pub kind: crate::central::DocKind,
    pub number: String,
    pub pages: u32,
    pub printed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRequest {
    pub language: Language,
    pub masked_nik: String,
    pub lines: Vec<ReceiptLine>,
}

/// A paper for the receipt printer about an application, with every text already in the
/// session's language. No NIK beyond a masked one; the layouts mask it again anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlipRequest {
    /// Where and when to collect a card (KTP-el, KIA), and what to bring.
    Pickup {
        language: Language,
        masked_nik: String,
        application_code: String,
        /// "KTP-el", "KIA", or the service's title.
        card: String,
        office: String,
        address: String,
        hours: String,
        bring: Vec<String>,
    },
    /// The address label for posting the paper requirements, with their checklist.
    Label {
        language: Language,
        application_code: String,
        recipient: String,
        address: String,
        /// The citizen's name as the sender (their own envelope).
        sender: String,
        checklist: Vec<String>,
    },
}

/// A service's requirement checklist for the receipt printer, every text already in the
/// session's language as the server words it. Nothing about a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistRequest {
    pub language: Language,
    pub service: String,
    pub requirements: Vec<String>,
    pub duration: String,
    pub fee: String,
}

/// Why a session ended (audit, metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Completed,
    Cancelled,
    IdleTimeout,
    SessionLimit,
    Failed(Failure),
}

/// Audit events the session produces. No personal data: at most a masked NIK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditEvent {
    SessionStarted {
        session: u64,
    },
    SignInFailed {
        session: u64,
        reason: &'static str,
    },
    SignedIn {
        session: u64,
        masked_nik: String,
    },
    SessionFailed {
        session: u64,
        reason: &'static str,
    },
    PrintStarted {
        session: u64,
        documents: usize,
    },
    /// The A4 printer stopped in the middle of a document (paper out, jam, …).
    PrintStopped {
        session: u64,
        problem: super::state::PrinterProblem,
        pages_done: u32,
        pages: u32,
    },
    /// The citizen chose to print again what a printer fault stopped.
    PrintRetried {
        session: u64,
        documents: usize,
    },
    /// A document failed its checks before printing (ownership mismatches page the fleet).
    DocumentRefused {
        session: u64,
        refusal: super::state::Refusal,
    },
    SessionEnded {
        session: u64,
        reason: EndReason,
    },
    /// A service's guide and forms went to the A4 printer (no citizen: only the outcome).
    ServiceFiles {
        session: u64,
        service: String,
        outcome: FilesOutcome,
    },
    TechnicianGesture,
    TechnicianSignedIn {
        technician: String,
    },
    TechnicianPinRefused {
        wait_seconds: u64,
    },
    /// `action`: what the audit log calls it (`Action::code` of the maintenance console,
    /// or `settings-saved`).
    TechnicianAction {
        action: &'static str,
    },
    TechnicianExit,
    /// The console closed itself after `technician_idle_seconds` without a tap.
    TechnicianTimedOut,
}

/// One document to print, as a line of the session's job list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintOrder {
    /// Index in the session's job list (what `JobUpdate` answers refer to).
    pub index: usize,
    pub doc: DocumentMeta,
    /// 1 for the whole document; after a fault, the first page that did not come out.
    pub first_page: u32,
}

/// Work the runtime must do for the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    StartScanner {
        session: u64,
    },
    StopScanner,
    SignInNik {
        session: u64,
        nik: Nik,
        pin: Zeroizing<String>,
    },
    SignInNotice {
        session: u64,
        code: Zeroizing<String>,
        pin: Zeroizing<String>,
    },
    ListDocuments {
        session: u64,
        token: SessionToken,
    },
    /// Download, verify, check ownership of, and print each document in order.
    Print {
        session: u64,
        token: SessionToken,
        citizen: Citizen,
        orders: Vec<PrintOrder>,
    },
    PrintReceipt {
        session: u64,
        receipt: ReceiptRequest,
    },
    /// The session is over: sign out (if signed in) and drop every cached byte of it.
    EndSession {
        token: Option<SessionToken>,
    },
    /// The camera looks for a document's QR (document check); stops on the first QR read.
    StartDocumentScanner {
        session: u64,
    },
    /// Ask the central server about a document's verification code (no sign-in).
    CheckDocument {
        session: u64,
        code: Zeroizing<String>,
    },
    /// The signed-in citizen's applications ("status pengajuan").
    ListApplications {
        session: u64,
        token: SessionToken,
    },
    /// A pickup slip or an address label on the receipt printer.
    PrintSlip {
        session: u64,
        slip: SlipRequest,
    },
    /// The service catalogue (no sign-in).
    ListServices {
        session: u64,
    },
    /// A service's requirement checklist on the receipt printer.
    PrintChecklist {
        session: u64,
        checklist: ChecklistRequest,
    },
    /// Download, check (size, SHA-256, signature; no owner) and print on A4 a service's
    /// guide and blank forms, in order; stops at the first that fails.
    PrintServiceFiles {
        session: u64,
        files: Vec<crate::central::ServiceFile>,
    },
    /// The machine closed the technician console (timeout): reset it, camera off.
    EndMaintenance,
    Audit(AuditEvent),
}
