//! [`Central`] over the real network: the kiosk's mTLS client and durable outbox from
//! `adm-central-client`. Everything about the wire (paths, JSON, TLS, retries, size
//! limits) stays in that crate; this file only translates between its types and the
//! kiosk's, and maps every failure to a reason the citizen screen can explain.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use adm_central_client::api::{
    self as wire, AuditEventBody, CitizenInfo, DocumentInfo, DocumentStatus as ApiStatus, PrintReportBody, VerifyResult,
};
use adm_central_client::outbox::{LocalPrintRecord, Outbox};
use adm_central_client::{CentralClient, ClientConfig, ClientError};

use super::{
    Application, ApplicationStatus, Central, CentralError, Citizen, DocKind, DocumentCheck, DocumentMeta,
    DocumentStatus, Localized, NextStep, PdfBytes, Pickup, PrintReport, Service, ServiceFile, ServiceFileKind,
    SessionToken, TimelineEntry,
};
use crate::nik::Nik;

pub struct RemoteCentral {
    client: CentralClient,
    outbox: Outbox,
    /// Print grant of the last download of each document (document id → grant id): the
    /// print report names it, which ties the report to the print the server reserved.
    /// One citizen at a time uses the kiosk; a report takes its grant out.
    grants: Mutex<HashMap<String, String>>,
}

impl RemoteCentral {
    /// `outbox`: the SQLite file of print reports and audit events (WAL, synchronous=FULL).
    pub fn new(config: ClientConfig, outbox: &Path) -> Result<Self, CentralError> {
        let client = CentralClient::new(config).map_err(map_err)?;
        let outbox = Outbox::open(outbox).map_err(|e| CentralError::Storage(e.to_string()))?;
        Ok(RemoteCentral { client, outbox, grants: Mutex::new(HashMap::new()) })
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }
}

fn map_err(e: ClientError) -> CentralError {
    match e {
        ClientError::Unreachable => CentralError::Unreachable,
        ClientError::WrongPin { attempts_left } => CentralError::WrongPin { attempts_left },
        ClientError::Locked { retry_after } => CentralError::Locked { retry_after_secs: retry_after },
        ClientError::UnknownCitizen => CentralError::UnknownCitizen,
        ClientError::UnknownNotice => CentralError::UnknownNotice,
        ClientError::SessionExpired => CentralError::SessionExpired,
        ClientError::KioskRefused => CentralError::KioskRefused,
        ClientError::RateLimited => CentralError::RateLimited,
        ClientError::NotFound => CentralError::Server("document not found".into()),
        ClientError::NoPrintsLeft => CentralError::Server("no prints left for this document".into()),
        ClientError::DocumentInactive => CentralError::DocumentInactive,
        ClientError::IntegrityMismatch => CentralError::IntegrityMismatch,
        ClientError::TooLarge => CentralError::Server("answer too large".into()),
        ClientError::Rejected(m) | ClientError::Server(m) | ClientError::Config(m) => CentralError::Server(m),
    }
}

/// The server's answer as the kiosk shows it. A TIDAK VALID answer shows no details, and
/// the number is masked again here: a server that sent it whole must still not put it on
/// a screen anyone passing by can read.
fn check(v: VerifyResult) -> DocumentCheck {
    let status = match v.status {
        ApiStatus::Aktif => DocumentStatus::Aktif,
        ApiStatus::TidakAktif => DocumentStatus::TidakAktif,
        ApiStatus::TidakValid => return DocumentCheck::not_valid(),
    };
    DocumentCheck {
        status,
        kind: v.kind.as_deref().map(DocKind::from_code),
        title: v.title,
        number: v.number.as_deref().map(adm_text::mask::document_number),
        issued: v.issued,
    }
}

fn localized(t: wire::LocalizedText) -> Localized {
    Localized { id: t.id, en: t.en }
}

fn service(s: wire::Service) -> Service {
    Service {
        id: s.id,
        title: localized(s.title),
        requirements: s.requirements.into_iter().map(localized).collect(),
        procedure: s.procedure.into_iter().map(localized).collect(),
        duration: localized(s.duration),
        fee: localized(s.fee),
        files: s
            .files
            .into_iter()
            .map(|f| ServiceFile {
                id: f.id,
                kind: match f.kind {
                    wire::ServiceFileKind::Guide => ServiceFileKind::Guide,
                    wire::ServiceFileKind::Form => ServiceFileKind::Form,
                },
                title: localized(f.title),
                pages: f.pages,
                sha256: f.sha256,
                size: f.size,
            })
            .collect(),
    }
}

fn status(s: wire::ApplicationStatus) -> ApplicationStatus {
    match s {
        wire::ApplicationStatus::Baru => ApplicationStatus::Baru,
        wire::ApplicationStatus::Disetujui => ApplicationStatus::Disetujui,
        wire::ApplicationStatus::Diproses => ApplicationStatus::Diproses,
        wire::ApplicationStatus::Selesai => ApplicationStatus::Selesai,
        wire::ApplicationStatus::Dibatalkan => ApplicationStatus::Dibatalkan,
    }
}

fn application(a: wire::Application) -> Application {
    let next_step = match a.next_step {
        wire::NextStep::Print { document_ids } => NextStep::Print { document_ids },
        wire::NextStep::Pickup { pickup } => NextStep::Pickup(Pickup {
            office: pickup.office,
            address: pickup.address,
            hours: localized(pickup.hours),
            bring: pickup.bring.into_iter().map(localized).collect(),
        }),
        wire::NextStep::SendFiles { to, checklist } => NextStep::SendFiles {
            to_name: to.name,
            to_address: to.address,
            checklist: checklist.into_iter().map(localized).collect(),
        },
        wire::NextStep::Reapply { reason } => NextStep::Reapply { reason },
        wire::NextStep::Wait { promise, .. } => NextStep::Wait { promise: localized(promise) },
    };
    Application {
        code: a.code,
        service_id: a.service_id,
        title: localized(a.service_title),
        status: status(a.status),
        timeline: a
            .timeline
            .into_iter()
            .map(|e| TimelineEntry { status: status(e.status), at: e.at, note: e.note })
            .collect(),
        next_step,
    }
}

fn citizen(c: CitizenInfo) -> Citizen {
    Citizen { name: c.name, nik: c.nik, kk: c.kk }
}

fn meta(d: &DocumentInfo) -> DocumentMeta {
    DocumentMeta {
        id: d.id.clone(),
        kind: DocKind::from_code(&d.kind),
        number: d.number.clone(),
        issued: d.issued.clone(),
        pages: d.pages,
        prints_left: d.prints_left,
        reprint_unlimited: d.unlimited,
        sha256: d.sha256.clone(),
        size: d.size,
        owner_nik: d.owner_nik.clone(),
        kk: d.kk.clone(),
    }
}

#[async_trait::async_trait]
impl Central for RemoteCentral {
    async fn sign_in_nik(&self, nik: &Nik, pin: &str) -> Result<(SessionToken, Citizen), CentralError> {
        let grant = self.client.sign_in_nik(nik.digits(), pin).await.map_err(map_err)?;
        Ok((SessionToken::new(grant.token), citizen(grant.citizen)))
    }

    async fn sign_in_notice(&self, code: &str, pin: &str) -> Result<(SessionToken, Citizen), CentralError> {
        let grant = self.client.sign_in_notice(code, pin).await.map_err(map_err)?;
        Ok((SessionToken::new(grant.token), citizen(grant.citizen)))
    }

    async fn list_documents(&self, token: &SessionToken) -> Result<Vec<DocumentMeta>, CentralError> {
        let docs = self.client.list_documents(token.expose()).await.map_err(map_err)?;
        Ok(docs.iter().map(meta).collect())
    }

    async fn download(&self, token: &SessionToken, doc: &DocumentMeta) -> Result<PdfBytes, CentralError> {
        // The client checks the bytes against what the listing announced.
        let info = DocumentInfo {
            id: doc.id.clone(),
            kind: doc.kind.code().into(),
            title: String::new(),
            number: doc.number.clone(),
            issued: doc.issued.clone(),
            pages: doc.pages,
            prints_allowed: doc.prints_left,
            prints_left: doc.prints_left,
            sha256: doc.sha256.clone(),
            size: doc.size,
            owner_nik: doc.owner_nik.clone(),
            kk: doc.kk.clone(),
            // Only the listing's display hint; the download never reads it.
            unlimited: false,
        };
        let download = self.client.download_granted(token.expose(), &info).await.map_err(map_err)?;
        {
            let mut grants = self.grants.lock().unwrap_or_else(|p| p.into_inner());
            match download.grant_id {
                Some(grant) => grants.insert(doc.id.clone(), grant),
                None => grants.remove(&doc.id),
            };
        }
        Ok(Arc::new(download.pdf))
    }

    fn record_print(&self, report: &PrintReport) -> Result<(), CentralError> {
        let local =
            LocalPrintRecord { doc_kind: report.kind.code().into(), printer: "a4".into(), outcome: "ok".into() };
        let grant_id = self.grants.lock().unwrap_or_else(|p| p.into_inner()).remove(&report.document_id);
        let body = PrintReportBody {
            document_id: report.document_id.clone(),
            grant_id,
            pages_printed: report.pages_printed,
            completed: true,
            at: report.at.clone(),
        };
        self.outbox.record_print(&local, &report.report_id, &body).map_err(|e| CentralError::Storage(e.to_string()))
    }

    fn record_audit(&self, kind: &str, detail: &str) -> Result<(), CentralError> {
        let body = AuditEventBody { at: chrono::Utc::now().to_rfc3339(), kind: kind.into(), detail: detail.into() };
        let id = uuid::Uuid::new_v4().simple().to_string();
        self.outbox.enqueue_audit(&id, &body).map_err(|e| CentralError::Storage(e.to_string()))
    }

    async fn deliver_pending(&self) -> (u64, f64) {
        match self.outbox.deliver_pending(&self.client).await {
            Ok(run) => {
                if let Some(e) = run.stopped_by {
                    tracing::info!(error = %e, sent = run.sent, "outbox delivery paused");
                }
            }
            Err(e) => tracing::warn!(error = %e, "outbox"),
        }
        self.outbox
            .backlog()
            .map(|b| (b.count, b.oldest_age.map(|d| d.as_secs_f64()).unwrap_or(0.0)))
            .unwrap_or((0, 0.0))
    }

    async fn sign_out(&self, token: &SessionToken) {
        if let Err(e) = self.client.sign_out(token.expose()).await {
            tracing::debug!(error = %e, "sign-out failed; the token expires by itself");
        }
    }

    async fn health(&self) -> Result<std::time::Duration, CentralError> {
        let started = std::time::Instant::now();
        self.client.health().await.map_err(map_err)?;
        Ok(started.elapsed())
    }

    async fn verify_document(&self, code: &str) -> Result<DocumentCheck, CentralError> {
        self.client.verify(code).await.map(check).map_err(map_err)
    }

    async fn applications(&self, token: &SessionToken) -> Result<Vec<Application>, CentralError> {
        let apps = self.client.applications(token.expose()).await.map_err(map_err)?;
        Ok(apps.into_iter().map(application).collect())
    }

    async fn services(&self) -> Result<Vec<Service>, CentralError> {
        let services = self.client.services().await.map_err(map_err)?;
        Ok(services.into_iter().map(service).collect())
    }

    async fn service_file(&self, file: &ServiceFile) -> Result<PdfBytes, CentralError> {
        // The client checks the bytes against the catalogue's size and SHA-256.
        let wire = wire::ServiceFile {
            id: file.id.clone(),
            kind: match file.kind {
                ServiceFileKind::Guide => wire::ServiceFileKind::Guide,
                ServiceFileKind::Form => wire::ServiceFileKind::Form,
            },
            title: wire::LocalizedText { id: file.title.id.clone(), en: file.title.en.clone() },
            pages: file.pages,
            sha256: file.sha256.clone(),
            size: file.size,
        };
        let pdf = self.client.service_file(&wire).await.map_err(map_err)?;
        Ok(Arc::new(pdf))
    }

    async fn revocation_lists(&self) -> Result<Vec<u8>, CentralError> {
        self.client.revocation_lists().await.map_err(map_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: ApiStatus, number: &str) -> VerifyResult {
        VerifyResult {
            status,
            kind: Some("kk".into()),
            title: Some("KARTU KELUARGA".into()),
            number: Some(number.into()),
            issued: Some("2024-03-20".into()),
        }
    }

    #[test]
    fn a_check_shows_what_the_paper_shows_and_never_a_whole_number() {
        let c = check(answer(ApiStatus::TidakAktif, "3201010101090001"));
        assert_eq!(c.status, DocumentStatus::TidakAktif);
        assert_eq!(c.kind, Some(DocKind::KartuKeluarga));
        assert_eq!(c.number.as_deref(), Some("****0001"), "masked even if the server sent it whole");
        assert_eq!(c.issued.as_deref(), Some("2024-03-20"));
        assert_eq!(check(answer(ApiStatus::Aktif, "****0001")).number.as_deref(), Some("****0001"));
        // An unknown code has no details, whatever came with it.
        assert_eq!(check(answer(ApiStatus::TidakValid, "****0001")), DocumentCheck::not_valid());
    }
}
