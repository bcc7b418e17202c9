//! "Cek dokumen": a document's status by the code of the QR printed on it. Anyone at the
//! kiosk may ask (no sign-in), so the answer carries only what the paper itself shows —
//! kind, title, issue date — and the number masked (`****0001`: a KK number is the
//! family's identifier). Never a name, NIK or address. Its own rate limit per kiosk
//! (`ratelimit::Class::Verify`).

use axum::Json;
use axum::extract::State;

use adm_central_client::api::{DocumentStatus, VerifyResult, shape};
use adm_text::mask::document_number;

use super::AppState;
use super::error::Failure;
use super::extract::ApiPath;
use crate::db;

pub async fn verify(State(state): State<AppState>, ApiPath(code): ApiPath) -> Result<Json<VerifyResult>, Failure> {
    if !shape::is_code(&code) {
        return Err(Failure::bad_request("code must be 16 characters of Crockford base32"));
    }
    let doc = state.db.run(move |c| db::document_by_code(c, &code)).await?;
    Ok(Json(match doc {
        // Unknown: forged, or issued by no server of ours.
        None => {
            VerifyResult { status: DocumentStatus::TidakValid, kind: None, title: None, number: None, issued: None }
        }
        Some(d) => VerifyResult {
            status: if d.status == "AKTIF" { DocumentStatus::Aktif } else { DocumentStatus::TidakAktif },
            kind: Some(d.kind),
            title: Some(d.title),
            number: Some(document_number(&d.number)),
            issued: Some(d.issued),
        },
    }))
}
