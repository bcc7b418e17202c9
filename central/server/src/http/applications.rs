//! "Status pengajuan": the signed-in citizen's applications with their timelines and the
//! next step for the kiosk (`crate::applications`).

use axum::Json;
use axum::extract::State;

use adm_central_client::api::ApplicationList;

use super::error::Failure;
use super::handlers::belongs_to;
use super::{AppState, CitizenSession};
use crate::db::{self, applications};

pub async fn list(State(state): State<AppState>, session: CitizenSession) -> Result<Json<ApplicationList>, Failure> {
    // A notice opens the documents it was issued for, nothing more.
    if session.scope.is_some() {
        return Ok(Json(ApplicationList { applications: Vec::new() }));
    }
    let nik = session.citizen.nik.clone();
    let (rows, docs) = state
        .db
        .run(move |c| {
            let rows = applications::for_citizen(c, &nik)?;
            let mut docs = Vec::new();
            for id in rows.iter().flat_map(|r| r.document_ids.iter()) {
                if let Some(d) = db::document(c, id)? {
                    docs.push(d);
                }
            }
            Ok((rows, docs))
        })
        .await?;
    // Offered for printing: AKTIF documents this citizen may open, as in the list.
    let printable = |id: &str| {
        docs.iter()
            .any(|d| d.id == id && d.status == "AKTIF" && belongs_to(d, &session.citizen) && session.may_open(id))
    };
    let applications = rows
        .iter()
        .filter_map(|row| {
            let view = crate::applications::view(row, &printable);
            if view.is_none() {
                tracing::warn!(application = %row.id, "application with unknown service or status left out");
            }
            view
        })
        .collect();
    Ok(Json(ApplicationList { applications }))
}
