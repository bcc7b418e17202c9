//! "Daftar layanan": the service catalogue and its signed guides and forms. Open to any
//! kiosk without a citizen session: nothing here is about a person, and a print of a
//! blank form needs no entitlement.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use adm_central_client::api::{Service, ServiceFile, ServiceFileKind, ServiceList, shape};

use super::AppState;
use super::error::Failure;
use super::extract::ApiPath;
use crate::catalogue::{self, SERVICES, Text};
use crate::db::service_files::{self, FileRow};

pub async fn list(State(state): State<AppState>) -> Result<Json<ServiceList>, Failure> {
    let files = state.db.run(|c| service_files::all(c)).await?;
    let file = |id: &str, kind: ServiceFileKind, title: Text| {
        files.iter().find(|f| f.id == id).map(|f: &FileRow| ServiceFile {
            id: f.id.clone(),
            kind,
            title: title.wire(),
            pages: f.pages,
            sha256: f.sha256.clone(),
            size: f.size,
        })
    };
    let services = SERVICES
        .iter()
        .map(|s| {
            let guide_title = catalogue::t("Petunjuk layanan", "Service guide");
            let guide = file(&catalogue::guide_id(s.id), ServiceFileKind::Guide, guide_title);
            let forms = s
                .forms
                .iter()
                .filter_map(|id| catalogue::form(id))
                .filter_map(|f| file(f.id, ServiceFileKind::Form, f.title));
            Service {
                id: s.id.to_owned(),
                title: s.title.wire(),
                requirements: s.requirements.iter().map(Text::wire).collect(),
                procedure: s.procedure.iter().map(Text::wire).collect(),
                duration: s.duration.wire(),
                working_days: s.working_days,
                fee: s.fee.wire(),
                fee_rupiah: s.fee_rupiah,
                send_paper_files: s.send_paper_files,
                output: s.output,
                files: guide.into_iter().chain(forms).collect(),
            }
        })
        .collect();
    Ok(Json(ServiceList { services }))
}

pub async fn file_pdf(State(state): State<AppState>, ApiPath(id): ApiPath) -> Result<Response, Failure> {
    if !shape::is_id(&id) {
        return Err(Failure::bad_request("id must be 8-64 characters [A-Za-z0-9_-]"));
    }
    let pdf = state.db.run(move |c| service_files::pdf(c, &id)).await?.ok_or_else(Failure::not_found)?;
    let mut resp = pdf.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    Ok(resp)
}
