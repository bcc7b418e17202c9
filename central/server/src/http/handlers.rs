//! Request handlers. Input is checked against the OpenAPI shapes first (400), so nothing a
//! client sends can reach the store malformed.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use adm_central_client::api::{
    self, AuditEventAck, AuditEventBody, CitizenInfo, DocumentInfo, DocumentList, ErrorCode, NikSignIn, NoticeSignIn,
    PrintReportAck, PrintReportBody, ReprintPolicy, SessionGrant, shape,
};
use adm_text::mask::id_number as mask_nik;

use super::error::Failure;
use super::extract::{ApiJson, ApiPath};
use super::{AppState, CitizenSession, Kiosk};
use crate::db::grants::{self, Reservation};
use crate::db::notices;
use crate::db::pinguard::{self, Gate, Wrong};
use crate::db::reprints;
use crate::db::{self, DocumentRow, Upsert};
use crate::secrets;
use crate::sessions::session_key;

pub async fn health(kiosk: Kiosk) -> Json<api::Health> {
    Json(api::Health { status: "ok".into(), time: chrono::Local::now().to_rfc3339(), kiosk_id: kiosk.id })
}

pub async fn sign_in_nik(
    State(state): State<AppState>,
    kiosk: Kiosk,
    ApiJson(body): ApiJson<NikSignIn>,
) -> Result<Json<SessionGrant>, Failure> {
    if !shape::is_nik(&body.nik) {
        return Err(Failure::bad_request("nik must be 16 digits"));
    }
    if !shape::is_pin(&body.pin) {
        return Err(Failure::bad_request("pin must be 4-8 digits"));
    }
    let nik = body.nik.clone();
    let creds = state.db.run(move |c| db::credentials(c, &nik)).await?;
    // An unknown NIK, or a citizen without a kiosk PIN, goes down the very same path as
    // a wrong PIN: a hash is checked (a dummy one), failures are counted and locked per
    // NIK. Same status, body and timing: the answers do not tell who is registered.
    let (citizen, pin_hash) = match creds {
        Some(db::Credentials { citizen, pin_hash: Some(hash) }) => (Some(citizen), hash),
        _ => (None, state.dummy_pin_hash.clone()),
    };
    finish_sign_in(&state, &kiosk, body.nik, citizen, pin_hash, body.pin, "nik").await
}

pub async fn sign_in_notice(
    State(state): State<AppState>,
    kiosk: Kiosk,
    ApiJson(body): ApiJson<NoticeSignIn>,
) -> Result<Json<SessionGrant>, Failure> {
    if !shape::is_code(&body.code) {
        return Err(Failure::bad_request("code must be 16 characters of Crockford base32"));
    }
    if !shape::is_pin(&body.pin) {
        return Err(Failure::bad_request("pin must be 4-8 digits"));
    }
    let code = body.code.clone();
    let now = state.clock.now_secs();
    let max = state.notice_max_validity;
    let found = state
        .db
        .run(move |c| {
            let Some((nik, pin_hash)) = notices::usable(c, &code, now, max)? else { return Ok(None) };
            Ok(db::credentials(c, &nik)?.map(|creds| (creds.citizen, pin_hash)))
        })
        .await?;
    // Notice codes are 80 random bits: saying "unknown" reveals nothing guessable.
    let Some((citizen, pin_hash)) = found else {
        tracing::info!(kiosk = %kiosk.id, "sign-in: unknown, used up, revoked or expired notice code");
        return Err(unknown_notice());
    };
    let nik = citizen.nik.clone();
    let Json(grant) = finish_sign_in(&state, &kiosk, nik, Some(citizen), pin_hash, body.pin, "notice").await?;
    // A use is a successful sign-in, so it is counted only now, atomically: of two kiosks
    // racing for the last use one wins, and the other's fresh session is dropped before
    // its token ever left the server. The session may open only the notice's documents.
    let code = body.code;
    let scope = state.db.run(move |c| notices::consume(c, &code, now, max)).await;
    match scope {
        Ok(Some(documents)) => {
            state.sessions.restrict(&grant.token, &kiosk.fingerprint, documents);
            Ok(Json(grant))
        }
        Ok(None) => {
            state.sessions.remove(&grant.token, &kiosk.fingerprint);
            tracing::info!(kiosk = %kiosk.id, "sign-in: notice used up meanwhile");
            Err(unknown_notice())
        }
        Err(e) => {
            state.sessions.remove(&grant.token, &kiosk.fingerprint);
            Err(e.into())
        }
    }
}

fn unknown_notice() -> Failure {
    Failure::new(StatusCode::NOT_FOUND, ErrorCode::UnknownNotice, "notice code unknown, used up, revoked or expired")
}

/// PIN check with the cross-kiosk accounting of `pinguard`, keyed by `nik` whether or
/// not `citizen` exists: the lock and the hourly ceiling are checked before the PIN (a
/// locked NIK is refused even with the right PIN), failures are counted atomically.
async fn finish_sign_in(
    state: &AppState,
    kiosk: &Kiosk,
    nik: String,
    citizen: Option<db::CitizenRow>,
    pin_hash: String,
    pin: String,
    via: &'static str,
) -> Result<Json<SessionGrant>, Failure> {
    let masked = mask_nik(&nik);
    let now = state.clock.now_secs();
    let policy = state.pins.clone();
    let n = nik.clone();
    if let Gate::Closed { retry_after } = state.db.run(move |c| pinguard::gate(c, &n, now, &policy)).await? {
        tracing::info!(kiosk = %kiosk.id, nik = %masked, via, retry_after, "sign-in refused: locked");
        return Err(Failure::locked(retry_after));
    }
    // Hashing is CPU work: off the async workers, and outside the database lock.
    let right = tokio::task::spawn_blocking(move || secrets::verify_pin(&pin, &pin_hash))
        .await
        .map_err(|e| Failure::internal("PIN check", e))?;
    let (policy, n) = (state.pins.clone(), nik.clone());
    let citizen = match citizen {
        Some(c) if right => c,
        _ => {
            let wrong = state.db.run(move |c| pinguard::record_wrong(c, &n, now, &policy)).await?;
            return Err(match wrong {
                Wrong::Counted { attempts_left } => {
                    tracing::info!(kiosk = %kiosk.id, nik = %masked, via, attempts_left, "sign-in: wrong PIN");
                    Failure::wrong_pin(attempts_left)
                }
                Wrong::Locked { retry_after, new_lock } => {
                    if new_lock {
                        state.metrics.pin_lockout();
                        tracing::warn!(kiosk = %kiosk.id, nik = %masked, via, retry_after, "sign-in: NIK locked");
                    }
                    Failure::locked(retry_after)
                }
            });
        }
    };
    if let Gate::Closed { retry_after } = state.db.run(move |c| pinguard::record_right(c, &n, now, &policy)).await? {
        // Locked by a concurrent attempt on another kiosk between our two reads.
        return Err(Failure::locked(retry_after));
    }
    let citizen = CitizenInfo { name: citizen.name, nik: citizen.nik, kk: citizen.kk };
    let token = state.sessions.create(citizen.clone(), &kiosk.fingerprint).map_err(|e| match e {
        crate::sessions::SessionError::Full => Failure::rate_limited(60),
        other => Failure::internal("session", other),
    })?;
    tracing::info!(kiosk = %kiosk.id, nik = %masked, via, "sign-in ok");
    Ok(Json(SessionGrant { token, expires_in: state.sessions.ttl().as_secs(), citizen }))
}

pub async fn sign_out(State(state): State<AppState>, session: CitizenSession) -> Result<StatusCode, Failure> {
    state.sessions.remove(&session.token, &session.kiosk.fingerprint);
    // Prints downloaded but not reported go back to the citizen's allowance.
    let (key, now) = (session_key(&session.token), state.clock.now_secs());
    state.db.run(move |c| grants::release_session(c, &key, now)).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn info(d: &DocumentRow, policy: ReprintPolicy) -> DocumentInfo {
    let allowed = reprints::allowance(policy, d.prints_allowed);
    DocumentInfo {
        id: d.id.clone(),
        kind: d.kind.clone(),
        title: d.title.clone(),
        number: d.number.clone(),
        issued: d.issued.clone(),
        pages: d.pages,
        prints_allowed: allowed,
        prints_left: allowed.saturating_sub(d.prints_used),
        sha256: d.sha256.clone(),
        size: d.size,
        owner_nik: d.owner_nik.clone(),
        kk: d.kk.clone(),
        unlimited: policy == ReprintPolicy::Unlimited,
    }
}

/// A replaced document: never handed out or counted again, whatever an older listing said.
fn document_inactive() -> Failure {
    Failure::new(StatusCode::GONE, ErrorCode::DocumentInactive, "document is TIDAK AKTIF (replaced)")
}

/// Whether the signed-in citizen may see a document: their own, or their family's KK.
pub(super) fn belongs_to(d: &DocumentRow, c: &CitizenInfo) -> bool {
    d.owner_nik == c.nik || (d.kind == "kk" && d.kk == c.kk)
}

pub async fn list_documents(
    State(state): State<AppState>,
    session: CitizenSession,
) -> Result<Json<DocumentList>, Failure> {
    let (nik, kk) = (session.citizen.nik.clone(), session.citizen.kk.clone());
    let (rows, policy) = state.db.run(move |c| Ok((db::documents_for(c, &nik, &kk)?, reprints::get(c)?))).await?;
    // The query already filters; the second check keeps a query mistake from ever
    // handing one citizen's documents to another.
    let documents = rows
        .iter()
        .filter(|d| belongs_to(d, &session.citizen) && session.may_open(&d.id) && d.status == "AKTIF")
        .map(|d| info(d, policy))
        .collect();
    Ok(Json(DocumentList { documents, reprint_policy: Some(policy) }))
}

pub async fn download(
    State(state): State<AppState>,
    session: CitizenSession,
    ApiPath(id): ApiPath,
) -> Result<Response, Failure> {
    // Someone else's document, or one outside a notice's scope, is "not found", not
    // "forbidden": ids reveal nothing.
    if !shape::is_id(&id) || !session.may_open(&id) {
        return Err(Failure::not_found());
    }
    let citizen = session.citizen.clone();
    let (kiosk_id, key) = (session.kiosk.id.clone(), session_key(&session.token));
    let (now, lease) = (state.clock.now_secs(), state.print_lease_secs);
    let found = state
        .db
        .run(move |c| {
            let Some(doc) = db::document(c, &id)?.filter(|d| belongs_to(d, &citizen)) else {
                return Ok(None);
            };
            // Replaced since the kiosk listed it: refused, and no print is reserved.
            if doc.status != "AKTIF" {
                return Ok(Some(Err(())));
            }
            let holder = grants::Holder { kiosk_id: &kiosk_id, session_key: &key };
            let grant = grants::reserve(c, &doc.id, &holder, now, lease)?;
            let pdf = match grant {
                Reservation::Granted(_) => db::document_pdf(c, &id)?,
                Reservation::NoPrintsLeft => None,
            };
            Ok(Some(Ok((doc, grant, pdf))))
        })
        .await?;
    let (doc, grant, pdf) = match found {
        None => return Err(Failure::not_found()),
        Some(Err(())) => return Err(document_inactive()),
        Some(Ok(found)) => found,
    };
    let (Reservation::Granted(grant_id), Some(pdf)) = (grant, pdf) else {
        return Err(Failure::new(StatusCode::CONFLICT, ErrorCode::NoPrintsLeft, "no prints left for this document"));
    };
    tracing::info!(kiosk = %session.kiosk.id, nik = %mask_nik(&session.citizen.nik), doc = %doc.id, grant = %grant_id, "document downloaded");
    let mut resp = pdf.into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&grant_id) {
        headers.insert(api::PRINT_GRANT_HEADER, v);
    }
    Ok(resp)
}

pub async fn put_report(
    State(state): State<AppState>,
    kiosk: Kiosk,
    ApiPath(report_id): ApiPath,
    ApiJson(body): ApiJson<PrintReportBody>,
) -> Result<Response, Failure> {
    if !shape::is_id(&report_id) {
        return Err(Failure::bad_request("report_id must be 8-64 characters [A-Za-z0-9_-]"));
    }
    if !shape::is_id(&body.document_id) {
        return Err(Failure::bad_request("document_id must be 8-64 characters [A-Za-z0-9_-]"));
    }
    if body.grant_id.as_deref().is_some_and(|g| !shape::is_id(g)) {
        return Err(Failure::bad_request("grant_id must be 8-64 characters [A-Za-z0-9_-]"));
    }
    if body.pages_printed > 1000 {
        return Err(Failure::bad_request("pages_printed out of range"));
    }
    if !shape::is_timestamp(&body.at) {
        return Err(Failure::bad_request("at must be an RFC 3339 timestamp"));
    }
    let kiosk_id = kiosk.id.clone();
    let rid = report_id.clone();
    let doc_id = body.document_id.clone();
    let outcome = state
        .db
        .run(move |c| {
            let Some(doc) = db::document(c, &body.document_id)? else {
                return Ok(None);
            };
            let r = grants::NewReport {
                report_id: &rid,
                kiosk_id: &kiosk_id,
                document_id: &body.document_id,
                pages_printed: body.pages_printed,
                completed: body.completed,
                at: &body.at,
                grant_id: body.grant_id.as_deref(),
            };
            if doc.status != "AKTIF" {
                // Kept on record (flagged, never counted) but refused: the kiosk must not
                // treat a print of a replaced document as a valid one.
                grants::record_inactive(c, &r)?;
                return Ok(Some(Err(())));
            }
            let recorded = grants::record_report(c, &r)?;
            let policy = reprints::get(c)?;
            let left = db::document(c, &body.document_id)?
                .map_or(0, |d| reprints::allowance(policy, d.prints_allowed).saturating_sub(d.prints_used));
            Ok(Some(Ok((recorded, left))))
        })
        .await?;
    let (recorded, prints_left) = match outcome {
        None => return Err(Failure::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "unknown document_id")),
        Some(Err(())) => {
            tracing::warn!(kiosk = %kiosk.id, %report_id, doc = %doc_id, "print report of a TIDAK AKTIF document refused");
            return Err(document_inactive());
        }
        Some(Ok(found)) => found,
    };
    let (status, duplicate) = match recorded.upsert {
        Upsert::Inserted => (StatusCode::CREATED, false),
        Upsert::Duplicate => (StatusCode::OK, true),
        Upsert::Conflict => {
            return Err(Failure::new(
                StatusCode::CONFLICT,
                ErrorCode::Conflict,
                "report_id already used for a different report",
            ));
        }
    };
    if let Some(flag) = recorded.flag {
        state.metrics.report_flagged(flag);
        tracing::warn!(kiosk = %kiosk.id, %report_id, doc = %doc_id, reason = flag.as_str(), "print report flagged");
    } else {
        tracing::info!(kiosk = %kiosk.id, %report_id, duplicate, "print report");
    }
    Ok((status, Json(PrintReportAck { report_id, duplicate, prints_left })).into_response())
}

pub async fn put_audit(
    State(state): State<AppState>,
    kiosk: Kiosk,
    ApiPath(event_id): ApiPath,
    ApiJson(body): ApiJson<AuditEventBody>,
) -> Result<Response, Failure> {
    if !shape::is_id(&event_id) {
        return Err(Failure::bad_request("event_id must be 8-64 characters [A-Za-z0-9_-]"));
    }
    if !shape::is_timestamp(&body.at) {
        return Err(Failure::bad_request("at must be an RFC 3339 timestamp"));
    }
    if body.kind.is_empty()
        || body.kind.len() > 64
        || !body.kind.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(Failure::bad_request("kind must be 1-64 characters [A-Za-z0-9._-]"));
    }
    if body.detail.chars().count() > 2000 {
        return Err(Failure::bad_request("detail longer than 2000 characters"));
    }
    let kiosk_id = kiosk.id.clone();
    let eid = event_id.clone();
    let upsert =
        state.db.run(move |c| db::upsert_audit(c, &eid, &kiosk_id, &body.at, &body.kind, &body.detail)).await?;
    let (status, duplicate) = match upsert {
        Upsert::Inserted => (StatusCode::CREATED, false),
        Upsert::Duplicate => (StatusCode::OK, true),
        Upsert::Conflict => {
            return Err(Failure::new(
                StatusCode::CONFLICT,
                ErrorCode::Conflict,
                "event_id already used for a different event",
            ));
        }
    };
    Ok((status, Json(AuditEventAck { event_id, duplicate })).into_response())
}
