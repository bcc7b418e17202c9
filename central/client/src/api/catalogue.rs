//! Wire types of the service catalogue (`GET /v1/services`, `GET /v1/service-files/{id}/pdf`):
//! what each civil-registration service asks of the citizen, how long it takes and what it
//! costs, with its guide ("petunjuk") and blank forms ("formulir") as signed PDFs.
//!
//! Readable without sign-in: nothing here is about a person.

use serde::{Deserialize, Serialize};

/// A text in both kiosk languages. `id` (Bahasa Indonesia) is the authoritative wording of
/// the service standard; `en` is its translation, carried by the server next to it because
/// the district that publishes the text is the one that can vouch for a translation (the
/// firmware must never invent legal wording). Both are always present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedText {
    pub id: String,
    pub en: String,
}

/// What a finished application of the service gives the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceOutput {
    /// A signed A4 document the citizen may print (KK, akta, SKPWNI, biodata).
    Document,
    /// A card made at the office and collected there (KTP-el, KIA).
    Card,
}

/// Kind of a downloadable file of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceFileKind {
    /// The service's guide ("petunjuk").
    Guide,
    /// A blank form to print and fill in by hand ("formulir").
    Form,
}

/// A PDF of a service, signed by the server like any document. The kiosk checks size and
/// SHA-256 as listed, then the signature, before printing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceFile {
    pub id: String,
    pub kind: ServiceFileKind,
    pub title: LocalizedText,
    pub pages: u32,
    /// Lower-case hex SHA-256 of the PDF.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
}

/// One service of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// Stable code, e.g. `kk-baru`.
    pub id: String,
    pub title: LocalizedText,
    /// Requirements ("persyaratan"), in the standard's order; conditions stay in the text
    /// ("bagi yang sudah menikah").
    pub requirements: Vec<LocalizedText>,
    /// Procedure ("sistem, mekanisme, dan prosedur"), step by step.
    pub procedure: Vec<LocalizedText>,
    /// Service time as the standard words it ("1 hari kerja").
    pub duration: LocalizedText,
    /// The same in working days, for computations.
    pub working_days: u32,
    /// Fee as the standard words it ("Tidak dipungut biaya (Gratis)").
    pub fee: LocalizedText,
    /// The fee in rupiah (0: free).
    pub fee_rupiah: u64,
    /// Whether the paper requirements must be sent to the Dinas (by post, with the address
    /// label and checklist) after applying.
    pub send_paper_files: bool,
    pub output: ServiceOutput,
    pub files: Vec<ServiceFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceList {
    pub services: Vec<Service>,
}
