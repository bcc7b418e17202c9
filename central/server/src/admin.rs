//! Officer and operator actions on the central store: shared by the admin CLI and by
//! tests/demo (through [`crate::demo::DemoServer::admin`]). Each call opens its own
//! connection, so it works while the server is running.

use std::time::Duration;

use rusqlite::Connection;

use adm_central_client::api::shape;

use crate::clock::Clock;
use crate::db::grants;
use crate::db::notices;
use crate::db::pinguard::{self, PinPolicy, PinStatus};
use crate::db::{self, DbError};
use crate::documents::{self, IssueError, NewDocument};
use crate::pki::{IssuedCert, Pki, PkiError};
use crate::secrets;
use crate::state::{self, StateDir};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error(transparent)]
    State(#[from] state::StateError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found")]
    NotFound(String),
}

impl From<rusqlite::Error> for AdminError {
    fn from(e: rusqlite::Error) -> Self {
        AdminError::Db(DbError::Sql(e))
    }
}

impl From<notices::NoticeError> for AdminError {
    fn from(e: notices::NoticeError) -> Self {
        match e {
            notices::NoticeError::Db(e) => AdminError::Db(e),
            notices::NoticeError::Invalid(m) => AdminError::Invalid(m),
        }
    }
}

impl From<secrets::RandomError> for AdminError {
    fn from(e: secrets::RandomError) -> Self {
        AdminError::Invalid(e.to_string())
    }
}

/// A notice an officer issues (see [`Admin::issue_notice`]).
#[derive(Debug, Clone)]
pub struct NoticeRequest<'a> {
    pub nik: &'a str,
    pub pin: &'a str,
    /// None: a random code.
    pub code: Option<&'a str>,
    pub valid_for: Duration,
    /// Sign-ins the notice allows (1 unless the letter says otherwise).
    pub uses: u32,
    /// Documents the notice opens; empty: all the citizen may print at issuance.
    pub documents: &'a [String],
}

pub use crate::db::admin::{CitizenSummary, DocumentSummary, NewCitizen};

pub struct Admin {
    state: StateDir,
    pki: Pki,
    /// For reading cool-downs the way the server sees them (a manual clock in tests).
    clock: Clock,
    pins: PinPolicy,
}

impl Admin {
    /// Opens the state directory (creating the PKI and database if needed, no demo data).
    pub fn open(state: StateDir) -> Result<Admin, AdminError> {
        let pki = Pki::load_or_create(&state.pki(), &default_server_names())?;
        db::open(&state.db())?;
        Ok(Admin { state, pki, clock: Clock::system(), pins: PinPolicy::default() })
    }

    /// Reads lock states with the server's clock and policy (tests with a manual clock).
    pub fn with_pins(mut self, clock: Clock, pins: PinPolicy) -> Admin {
        self.clock = clock;
        self.pins = pins;
        self
    }

    fn conn(&self) -> Result<Connection, AdminError> {
        Ok(db::open(&self.state.db())?)
    }

    pub fn add_citizen(&self, c: &NewCitizen) -> Result<(), AdminError> {
        if !shape::is_nik(&c.nik) || !shape::is_nik(&c.kk) {
            return Err(AdminError::Invalid("NIK and KK must be 16 digits".into()));
        }
        if c.sex != "L" && c.sex != "P" {
            return Err(AdminError::Invalid("sex must be L or P".into()));
        }
        let pin_hash = match &c.pin {
            Some(pin) if shape::is_pin(pin) => Some(secrets::hash_pin(pin)?),
            Some(_) => return Err(AdminError::Invalid(PIN_SHAPE.into())),
            None => None,
        };
        add_citizen_row(&self.conn()?, c, pin_hash.as_deref())
    }

    pub fn add_document(&self, doc: &NewDocument) -> Result<String, AdminError> {
        let conn = self.conn()?;
        let host = state::notice_host(&conn)?;
        Ok(documents::issue(&conn, &self.pki, &host, doc)?)
    }

    /// Issues a single-use notice (QR code + PIN) for every document the citizen may print
    /// now; returns the code. See [`Admin::issue_notice`] for the other limits.
    pub fn add_notice(
        &self,
        nik: &str,
        pin: &str,
        code: Option<&str>,
        valid_for: Duration,
    ) -> Result<String, AdminError> {
        self.issue_notice(&NoticeRequest { nik, pin, code, valid_for, uses: notices::DEFAULT_USES, documents: &[] })
    }

    /// Issues a notice: good for `uses` sign-ins, at most the server's maximum validity,
    /// opening only `documents` (empty: every document the citizen may print now).
    pub fn issue_notice(&self, n: &NoticeRequest<'_>) -> Result<String, AdminError> {
        if !shape::is_pin(n.pin) {
            return Err(AdminError::Invalid(PIN_SHAPE.into()));
        }
        let code = match n.code {
            Some(c) if shape::is_code(c) => c.to_owned(),
            Some(_) => return Err(AdminError::Invalid("code must be 16 Crockford base32 characters".into())),
            None => secrets::random_code()?,
        };
        let conn = self.conn()?;
        let pin_hash = secrets::hash_pin(n.pin)?;
        let notice = notices::NewNotice {
            nik: n.nik,
            code: &code,
            pin_hash: &pin_hash,
            valid_for: n.valid_for,
            uses: n.uses,
            documents: n.documents,
        };
        notices::issue(&conn, &notice, Clock::system().now_secs())?;
        Ok(code)
    }

    /// Revokes a notice: refused from the next sign-in on (sessions it opened run out).
    pub fn revoke_notice(&self, code: &str) -> Result<(), AdminError> {
        if notices::revoke(&self.conn()?, code)? { Ok(()) } else { Err(AdminError::NotFound("notice".into())) }
    }

    /// Print reports kept but flagged (no matching grant, or beyond the limit).
    pub fn flagged_reports(&self) -> Result<Vec<grants::FlaggedReport>, AdminError> {
        Ok(grants::flagged_reports(&self.conn()?)?)
    }

    /// The notice QR payload for a code.
    pub fn notice_payload(&self, code: &str) -> Result<String, AdminError> {
        let host = state::notice_host(&self.conn()?)?;
        Ok(adm_central_client::notice::notice_payload(&host, code))
    }

    /// Sets a new PIN; also clears failures and the lock (the officer has seen the citizen).
    pub fn reset_pin(&self, nik: &str, pin: &str) -> Result<(), AdminError> {
        if !shape::is_pin(pin) {
            return Err(AdminError::Invalid(PIN_SHAPE.into()));
        }
        let conn = self.conn()?;
        let n = db::admin::set_pin_hash(&conn, nik, &secrets::hash_pin(pin)?)?;
        if n == 0 {
            return Err(AdminError::NotFound("citizen".into()));
        }
        Ok(pinguard::unlock(&conn, nik)?)
    }

    /// Lifts a PIN cool-down at once (officer command after checking the citizen's
    /// identity in person): clears the lock, the cool-down level and the hourly window.
    pub fn unlock(&self, nik: &str) -> Result<(), AdminError> {
        let conn = self.conn()?;
        db::citizen(&conn, nik)?.ok_or_else(|| AdminError::NotFound("citizen".into()))?;
        Ok(pinguard::unlock(&conn, nik)?)
    }

    /// Whether sign-in with this NIK is refused right now (cool-down or hourly ceiling).
    pub fn is_locked(&self, nik: &str) -> Result<bool, AdminError> {
        Ok(self.pin_status(nik)?.locked_for > 0)
    }

    /// Wrong-PIN accounting for a NIK (registered or not: unknown NIKs are counted too).
    pub fn pin_status(&self, nik: &str) -> Result<PinStatus, AdminError> {
        if !shape::is_nik(nik) {
            return Err(AdminError::Invalid("NIK must be 16 digits".into()));
        }
        Ok(pinguard::status(&self.conn()?, nik, self.clock.now_secs(), &self.pins)?)
    }

    /// Issues a client certificate for a kiosk and registers it (replacing any earlier one).
    pub fn issue_kiosk(&self, kiosk_id: &str) -> Result<IssuedCert, AdminError> {
        let issued = self.issue_kiosks(&[kiosk_id])?;
        issued.into_iter().next().ok_or_else(|| AdminError::Invalid("no certificate issued".into()))
    }

    /// [`Admin::issue_kiosk`] for many kiosks, registered in one transaction (a fleet's
    /// roll-out; the fleet load bench issues 2,000 in seconds this way).
    pub fn issue_kiosks(&self, kiosk_ids: &[&str]) -> Result<Vec<IssuedCert>, AdminError> {
        if let Some(bad) = kiosk_ids
            .iter()
            .find(|id| id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(AdminError::Invalid(format!("kiosk id {bad:?}: 1-64 characters [A-Za-z0-9-]")));
        }
        let issued = self.pki.issue_kiosks(kiosk_ids)?;
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        for (id, cert) in kiosk_ids.iter().zip(&issued) {
            db::admin::register_kiosk(&tx, id, &cert.fingerprint)?;
        }
        tx.commit()?;
        Ok(issued)
    }

    /// Revokes a kiosk: its certificate is refused from the next request on.
    pub fn revoke_kiosk(&self, kiosk_id: &str) -> Result<(), AdminError> {
        let n = db::admin::revoke_kiosk(&self.conn()?, kiosk_id)?;
        if n == 0 { Err(AdminError::NotFound("kiosk".into())) } else { Ok(()) }
    }

    /// `(kiosk_id, revoked)` for every registered kiosk.
    pub fn kiosks(&self) -> Result<Vec<(String, bool)>, AdminError> {
        Ok(db::admin::kiosks(&self.conn()?)?)
    }

    /// Marks a document TIDAK AKTIF (superseded): no longer listed, verification says so.
    pub fn supersede_document(&self, id: &str) -> Result<(), AdminError> {
        let n = db::admin::supersede_document(&self.conn()?, id)?;
        if n == 0 { Err(AdminError::NotFound("document".into())) } else { Ok(()) }
    }

    /// Serves a tampered (signature-breaking) copy of a document from now on.
    pub fn tamper_document(&self, id: &str) -> Result<(), AdminError> {
        Ok(documents::tamper(&self.conn()?, id)?)
    }

    /// Sets how often an AKTIF document may be printed from now on (`serve --reprints` at
    /// run time): the next document listing and download follow it.
    pub fn set_reprint_policy(&self, policy: adm_central_client::api::ReprintPolicy) -> Result<(), AdminError> {
        db::reprints::set(&self.conn()?, policy)?;
        Ok(())
    }

    /// Serves a tampered (signature-breaking) copy of a service's guide or form from now on,
    /// listed with its new size and SHA-256, so that only a signature check catches it.
    pub fn tamper_service_file(&self, id: &str) -> Result<(), AdminError> {
        let conn = self.conn()?;
        let mut pdf = db::service_files::pdf(&conn, id)?.ok_or_else(|| AdminError::NotFound("service file".into()))?;
        // The footer every catalogue page carries, inside the signed bytes.
        let needle = b"dokumen demo";
        let at = pdf
            .windows(needle.len())
            .position(|w| w == needle)
            .ok_or_else(|| AdminError::NotFound("service file not tampered yet".into()))?;
        pdf[at..at + needle.len()].copy_from_slice(b"dokumen asli");
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf));
        db::service_files::replace_pdf(&conn, id, &pdf, &sha)?;
        Ok(())
    }

    /// The stored PDF of a document.
    pub fn document_pdf(&self, id: &str) -> Result<Vec<u8>, AdminError> {
        db::document_pdf(&self.conn()?, id)?.ok_or_else(|| AdminError::NotFound("document".into()))
    }

    /// Number of distinct print reports received (each counted once, however often sent).
    pub fn print_report_count(&self) -> Result<u64, AdminError> {
        Ok(db::admin::print_report_count(&self.conn()?)?)
    }

    /// Every print report received: (document id, pages printed, completed), oldest first.
    pub fn print_reports(&self) -> Result<Vec<(String, u32, bool)>, AdminError> {
        Ok(db::admin::print_reports(&self.conn()?)?)
    }

    /// Total deliveries of print reports, retries included.
    pub fn print_report_deliveries(&self) -> Result<u64, AdminError> {
        Ok(db::admin::print_report_deliveries(&self.conn()?)?)
    }

    pub fn audit_event_count(&self) -> Result<u64, AdminError> {
        Ok(db::admin::audit_event_count(&self.conn()?)?)
    }

    /// Audit events of one kind received from kiosks (e.g. `document.refused.signature`).
    pub fn audit_events_of_kind(&self, kind: &str) -> Result<u64, AdminError> {
        Ok(db::admin::audit_events_of_kind(&self.conn()?, kind)?)
    }

    /// Every citizen, for the `list` command.
    pub fn citizens(&self) -> Result<Vec<CitizenSummary>, AdminError> {
        Ok(db::admin::citizens(&self.conn()?, self.clock.now_secs())?)
    }

    /// Every document, for the `list` command.
    pub fn documents(&self) -> Result<Vec<DocumentSummary>, AdminError> {
        Ok(db::admin::documents(&self.conn()?)?)
    }
}

/// Inserts a citizen; an existing NIK is refused with a masked message.
pub(crate) fn add_citizen_row(conn: &Connection, c: &NewCitizen, pin_hash: Option<&str>) -> Result<(), AdminError> {
    match db::admin::insert_citizen(conn, c, pin_hash)? {
        db::admin::Inserted::Yes => Ok(()),
        db::admin::Inserted::AlreadyExists => {
            Err(AdminError::Invalid(format!("citizen {} already exists", adm_text::mask::id_number(&c.nik))))
        }
    }
}

/// The PIN rule of the API (`shape::is_pin`), for messages.
const PIN_SHAPE: &str = "PIN must be 4-8 digits";

/// Names in the server certificate: loopback only, plus the demo host name.
pub fn default_server_names() -> Vec<String> {
    vec!["127.0.0.1".into(), "localhost".into(), state::DEMO_NOTICE_HOST.into()]
}

/// The default names plus `extra` (`serve --server-name`: e.g. the address a VM or a
/// lab network reaches this server by), without duplicates.
pub fn server_names(extra: &[String]) -> Vec<String> {
    let mut names = default_server_names();
    for name in extra {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}
