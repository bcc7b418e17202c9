//! The kiosk's view of the central server (SIAK Terpusat).
//!
//! Everything else in the kiosk talks to the central server through [`Central`] and the
//! domain types below. Network, TLS, the wire format and the durable outbox live behind
//! it, in [`remote`] on top of the `adm-central-client` crate, so adapting to the real
//! SIAK API touches one place. Demo mode and the tests run the reference server
//! (`central/server`) on loopback and reach it through the very same client.

pub mod remote;

use std::fmt;
use std::sync::Arc;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::nik::Nik;

/// Opaque session token issued by the central server at sign-in. Wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn new(token: String) -> Self {
        SessionToken(token)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

/// The citizen a session belongs to, as the central server identified them.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Citizen {
    pub name: String,
    /// Digits of the NIK the server signed in (also for notice-code sign-in, where the
    /// citizen never typed it). Used for the ownership check before printing.
    pub nik: String,
    /// Family card (KK) number: documents of the family (the KK itself) belong to every
    /// member.
    pub kk: String,
}

impl fmt::Debug for Citizen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Citizen").field("nik", &adm_text::mask::id_number(&self.nik)).finish()
    }
}

/// Kinds of documents the kiosk prints on A4 (Permendagri 109/2019 Pasal 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    KartuKeluarga,
    AktaKelahiran,
    AktaKematian,
    AktaPerkawinan,
    AktaPerceraian,
    Skpwni,
    Biodata,
    /// A kind this kiosk version does not know: still printable, shown generically.
    Other,
}

impl DocKind {
    /// Stable code of the API (the UI has its own `DocKind` enum and owns the translated
    /// names).
    pub fn code(self) -> &'static str {
        match self {
            DocKind::KartuKeluarga => "kk",
            DocKind::AktaKelahiran => "akta-kelahiran",
            DocKind::AktaKematian => "akta-kematian",
            DocKind::AktaPerkawinan => "akta-perkawinan",
            DocKind::AktaPerceraian => "akta-perceraian",
            DocKind::Skpwni => "skpwni",
            DocKind::Biodata => "biodata",
            DocKind::Other => "other",
        }
    }
    pub fn from_code(code: &str) -> DocKind {
        [
            DocKind::KartuKeluarga,
            DocKind::AktaKelahiran,
            DocKind::AktaKematian,
            DocKind::AktaPerkawinan,
            DocKind::AktaPerceraian,
            DocKind::Skpwni,
            DocKind::Biodata,
        ]
        .into_iter()
        .find(|k| k.code() == code)
        .unwrap_or(DocKind::Other)
    }
}

/// One printable document as listed by the central server.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct DocumentMeta {
    pub id: String,
    #[zeroize(skip)]
    pub kind: DocKind,
    /// Document number as printed on it (e.g. the KK number, the akta register number).
    pub number: String,
    /// Issue date, ISO 8601 (YYYY-MM-DD).
    pub issued: String,
    pub pages: u32,
    /// How many more times the server allows this document to be printed.
    pub prints_left: u32,
    /// The server lets an AKTIF document be printed again as often as wanted (the
    /// districts' guides: "dapat dicetak berulang-ulang selagi … masih valid/aktif"): the
    /// citizen is told so instead of a count, which is then only a runaway guard.
    pub reprint_unlimited: bool,
    /// Lower-case hex SHA-256 of the PDF, as announced by the server.
    pub sha256: String,
    pub size: u64,
    /// NIK of the person the document is about (for a KK: the head of family); the
    /// ownership check compares it and `kk` with the signed-in citizen.
    pub owner_nik: String,
    pub kk: String,
}

/// Numbers masked: a document in a log line or a test failure never shows a NIK, a KK
/// number or an akta number in full.
impl fmt::Debug for DocumentMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use adm_text::mask::{document_number as mask_document_number, id_number as mask_nik};
        f.debug_struct("DocumentMeta")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("number", &mask_document_number(&self.number))
            .field("pages", &self.pages)
            .field("prints_left", &self.prints_left)
            .field("owner_nik", &mask_nik(&self.owner_nik))
            .field("kk", &mask_nik(&self.kk))
            .finish_non_exhaustive()
    }
}

/// A signed PDF, held only in memory and wiped when dropped.
pub type PdfBytes = Arc<Zeroizing<Vec<u8>>>;

/// A confirmed print, reported to the central server so that it can count
/// entitlements. Keyed by a kiosk-generated id: retries never double-count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintReport {
    pub report_id: String,
    pub document_id: String,
    pub kind: DocKind,
    pub pages_printed: u32,
    /// Kiosk time, RFC 3339.
    pub at: String,
}

/// A document's status as the central server knows it, by the code in the QR printed on
/// it ("cek dokumen"). The meanings are Dukcapil's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentStatus {
    /// Issued by procedure and legally valid (for a KK: not necessarily the current one).
    Aktif,
    /// Replaced by a newer document (e.g. a new KK): no longer valid.
    TidakAktif,
    /// Not a document the server issued: forged, or not Dukcapil's.
    TidakValid,
}

/// The answer to a document check: only what the printed paper itself shows. Asked
/// without sign-in, so never a name, a NIK or an address; the number comes masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentCheck {
    pub status: DocumentStatus,
    /// The details below are there only for a document the server knows.
    pub kind: Option<DocKind>,
    /// Title as printed (e.g. "KARTU KELUARGA"), for kinds this kiosk has no name for.
    pub title: Option<String>,
    /// Masked as `****0001`.
    pub number: Option<String>,
    /// Issue date, ISO 8601 (YYYY-MM-DD).
    pub issued: Option<String>,
}

impl DocumentCheck {
    /// TIDAK VALID without details: what the kiosk shows for a code nobody issued.
    pub fn not_valid() -> Self {
        DocumentCheck { status: DocumentStatus::TidakValid, kind: None, title: None, number: None, issued: None }
    }
}

/// A text in both kiosk languages, as the central server words it: the Bahasa Indonesia
/// is the district's authoritative wording, the English its own translation (the kiosk
/// never invents legal wording).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Localized {
    pub id: String,
    pub en: String,
}

impl Localized {
    pub fn pick(&self, language: adm_text::Language) -> &str {
        match language {
            adm_text::Language::Id => &self.id,
            adm_text::Language::En => &self.en,
        }
    }
}

/// The status every service shares, as the districts' guides name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationStatus {
    Baru,
    Disetujui,
    Diproses,
    Selesai,
    Dibatalkan,
}

/// One change of status of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub status: ApplicationStatus,
    /// RFC 3339, in the office's time zone.
    pub at: String,
    /// The officer's note as written (Bahasa Indonesia, never translated).
    pub note: Option<String>,
}

/// Where a card (KTP-el, KIA) is collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pickup {
    pub office: String,
    pub address: String,
    pub hours: Localized,
    pub bring: Vec<Localized>,
}

/// What the citizen can do next about an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Selesai, with documents to print: these ids of the session's documents list.
    Print { document_ids: Vec<String> },
    /// Selesai, a card to collect at an office.
    Pickup(Pickup),
    /// Post the paper requirements (`checklist`) to the Dinas at `to_name`, `to_address`.
    SendFiles { to_name: String, to_address: String, checklist: Vec<Localized> },
    /// Dibatalkan: the officer's reason; the citizen may apply again.
    Reapply { reason: String },
    /// Nothing to do but wait; `promise` is the service standard's wording.
    Wait { promise: Localized },
}

/// One application ("pengajuan") of the signed-in citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// The code the citizen quotes to officers (also on slips and labels).
    pub code: String,
    /// Catalogue id of the service (`ktp-el`, `kia`, `kk-baru`, ...).
    pub service_id: String,
    pub title: Localized,
    pub status: ApplicationStatus,
    /// Oldest first.
    pub timeline: Vec<TimelineEntry>,
    pub next_step: NextStep,
}

/// Kind of a service's downloadable paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceFileKind {
    /// The service's guide ("petunjuk").
    Guide,
    /// A blank form to print and fill in by hand ("formulir").
    Form,
}

/// A service's guide or blank form: a PDF the server signed like a document, printed for
/// anyone after its size, SHA-256 and signature are checked (no owner, no entitlement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFile {
    pub id: String,
    pub kind: ServiceFileKind,
    pub title: Localized,
    pub pages: u32,
    /// Lower-case hex SHA-256 of the PDF, as the catalogue lists it.
    pub sha256: String,
    pub size: u64,
}

/// One service of the catalogue ("daftar layanan"), every text as the server words it:
/// the kiosk shows and prints it, never rewords it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Stable code, e.g. `kk-baru`.
    pub id: String,
    pub title: Localized,
    /// Requirements ("persyaratan"), in the standard's order.
    pub requirements: Vec<Localized>,
    /// Procedure, step by step.
    pub procedure: Vec<Localized>,
    /// Service time as the standard words it ("1 hari kerja").
    pub duration: Localized,
    /// Fee as the standard words it ("Tidak dipungut biaya (Gratis)").
    pub fee: Localized,
    pub files: Vec<ServiceFile>,
}

/// What went wrong, in terms the citizen screen can explain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CentralError {
    #[error("central server unreachable")]
    Unreachable,
    #[error("wrong PIN, {attempts_left} attempt(s) left")]
    WrongPin { attempts_left: u32 },
    /// Too many wrong PINs for this NIK: sign-in is refused for a while (`retry_after_secs`
    /// when the server says how long); an officer can unlock at once.
    #[error("too many wrong PINs; locked for a while")]
    Locked { retry_after_secs: Option<u64> },
    /// The server says the NIK is unknown. The reference server never does (an unknown
    /// NIK is answered like a wrong PIN); the citizen is shown the same words either way.
    #[error("NIK not registered or no notice for it")]
    UnknownCitizen,
    #[error("notice code unknown or expired")]
    UnknownNotice,
    #[error("session expired")]
    SessionExpired,
    #[error("kiosk not authorised by the central server")]
    KioskRefused,
    #[error("too many requests")]
    RateLimited,
    /// The document was replaced (TIDAK AKTIF) since it was listed: never printed.
    #[error("document no longer active (replaced)")]
    DocumentInactive,
    /// The download's size or SHA-256 differs from what the listing announced: tampered
    /// on the way, or a server that lists one file and sends another.
    #[error("download does not match its checksum")]
    IntegrityMismatch,
    #[error("central server error: {0}")]
    Server(String),
    #[error("local outbox: {0}")]
    Storage(String),
}

/// The central server as the kiosk uses it.
#[async_trait::async_trait]
pub trait Central: Send + Sync {
    async fn sign_in_nik(&self, nik: &Nik, pin: &str) -> Result<(SessionToken, Citizen), CentralError>;
    async fn sign_in_notice(&self, code: &str, pin: &str) -> Result<(SessionToken, Citizen), CentralError>;
    async fn list_documents(&self, token: &SessionToken) -> Result<Vec<DocumentMeta>, CentralError>;
    /// Downloads a listed document; the bytes are checked against the size and SHA-256
    /// the listing announced.
    async fn download(&self, token: &SessionToken, doc: &DocumentMeta) -> Result<PdfBytes, CentralError>;
    /// Durably records a confirmed print and queues its report in the same transaction
    /// (authenticated later by the kiosk's own identity, not a citizen session: the
    /// outbox may deliver it long after the session ended).
    fn record_print(&self, report: &PrintReport) -> Result<(), CentralError>;
    /// Queues an audit event (no personal data beyond a masked NIK) for the central
    /// server, durably, in the same outbox as print reports.
    fn record_audit(&self, kind: &str, detail: &str) -> Result<(), CentralError>;
    /// Delivers queued reports, oldest first; returns how many are still waiting and the
    /// age in seconds of the oldest.
    async fn deliver_pending(&self) -> (u64, f64);
    /// Ends the server-side session (best effort; tokens also expire by themselves).
    async fn sign_out(&self, token: &SessionToken);
    /// Reaches the server over mutual TLS and returns the round-trip time (maintenance
    /// readiness check).
    async fn health(&self) -> Result<std::time::Duration, CentralError>;
    /// "Cek dokumen": the status of a printed document by the 16-character code of its QR.
    /// No citizen session; the answer carries only what the paper shows.
    async fn verify_document(&self, _code: &str) -> Result<DocumentCheck, CentralError> {
        Err(CentralError::Unreachable)
    }
    /// The signed-in citizen's applications with their timelines and next steps ("status
    /// pengajuan"). A notice session has none.
    async fn applications(&self, _token: &SessionToken) -> Result<Vec<Application>, CentralError> {
        Err(CentralError::Unreachable)
    }
    /// The service catalogue ("daftar layanan"). No citizen session.
    async fn services(&self) -> Result<Vec<Service>, CentralError> {
        Err(CentralError::Unreachable)
    }
    /// A service's guide or blank form, checked against the size and SHA-256 the catalogue
    /// listed. No citizen session, no print grant.
    async fn service_file(&self, _file: &ServiceFile) -> Result<PdfBytes, CentralError> {
        Err(CentralError::Unreachable)
    }
    /// The CRLs of the document-signing CAs (PEM). Without them (this default, or the
    /// server unreachable) the kiosk checks revocation only with CRLs inside the PDFs.
    async fn revocation_lists(&self) -> Result<Vec<u8>, CentralError> {
        Err(CentralError::Unreachable)
    }
}
