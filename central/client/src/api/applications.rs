//! Wire types of the citizen's applications ("pengajuan", `GET /v1/applications`): their
//! status, timeline and what the kiosk should offer next.

use serde::{Deserialize, Serialize};

use super::catalogue::LocalizedText;

/// The status every service shares (the districts' guides: "Seluruh layanan memiliki
/// daftar status pengajuan yang sama").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApplicationStatus {
    /// Submitted by the citizen ("Baru").
    Baru,
    /// Accepted by an officer ("Disetujui").
    Disetujui,
    /// Complete and being worked on ("Diproses").
    Diproses,
    /// Done: the document may be printed or collected ("Selesai").
    Selesai,
    /// Refused and cancelled by an officer ("Dibatalkan").
    Dibatalkan,
}

/// One change of status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub status: ApplicationStatus,
    /// RFC 3339.
    pub at: String,
    /// The officer's note, Bahasa Indonesia as written (free text, never translated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where and when a card is collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pickup {
    /// The office, e.g. "Kantor Kecamatan Cibinong".
    pub office: String,
    pub address: String,
    /// Opening hours as the office words them.
    pub hours: LocalizedText,
    /// What to bring, one item each.
    pub bring: Vec<LocalizedText>,
}

/// A postal recipient: where paper requirements are sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    pub name: String,
    pub address: String,
}

/// What the citizen can do next, by status and service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NextStep {
    /// Selesai with printable documents: straight into the print flow with these ids
    /// (the documents list of the same session has them).
    Print { document_ids: Vec<String> },
    /// Selesai with a card (KTP-el, KIA): collect it.
    Pickup { pickup: Pickup },
    /// Disetujui, for a service that asks for its paper requirements: post them to `to`
    /// with the application code; `checklist` is what goes in the envelope (the address
    /// label the kiosk prints carries both).
    SendFiles { to: PostalAddress, checklist: Vec<LocalizedText> },
    /// Dibatalkan: the officer's reason; the citizen may apply again.
    Reapply { reason: String },
    /// Baru, Disetujui, Diproses: wait. `promise` is the standard's wording, e.g.
    /// "paling lambat 1 hari kerja" while Diproses.
    Wait {
        promise: LocalizedText,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        working_days: Option<u32>,
    },
}

/// One application of the signed-in citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    /// The code the citizen quotes (on the address label, to officers).
    pub code: String,
    /// Catalogue id of the service (`GET /v1/services`).
    pub service_id: String,
    pub service_title: LocalizedText,
    pub status: ApplicationStatus,
    /// Oldest first; the last entry is the current status.
    pub timeline: Vec<TimelineEntry>,
    pub next_step: NextStep,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplicationList {
    pub applications: Vec<Application>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_steps_are_tagged_by_kind() {
        let step = NextStep::Print { document_ids: vec!["doc-demo-0001".into()] };
        let json = serde_json::to_value(&step).unwrap();
        assert_eq!(json, serde_json::json!({ "kind": "print", "document_ids": ["doc-demo-0001"] }));
        let wait: NextStep = serde_json::from_str(
            r#"{"kind":"wait","promise":{"id":"Paling lambat 1 hari kerja","en":"Within 1 working day at the latest"},"working_days":1}"#,
        )
        .unwrap();
        assert!(matches!(wait, NextStep::Wait { working_days: Some(1), .. }));
        let status: ApplicationStatus = serde_json::from_str(r#""DIBATALKAN""#).unwrap();
        assert_eq!(status, ApplicationStatus::Dibatalkan);
    }
}
