//! The state directory: database, PKI, and (for demo mode) the demo kiosk's identity.
//!
//! ```text
//! <state>/central.sqlite       citizens, documents (signed PDFs), kiosks, reports
//! <state>/pki/                 CA keys and certificates (created on first start)
//! <state>/ca.crt               TLS CA the kiosk pins
//! <state>/trust-anchor.crt     root of the document signatures
//! <state>/updates/             the update bundle published for the kiosks (updates.rs)
//! <state>/kiosk.crt, kiosk.key the demo kiosk's client identity (demo mode only)
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use crate::db::{self, DbError};
use crate::pki::{Pki, PkiError};
use crate::seed;

/// Host name in notice and verification QR payloads of the demo.
pub const DEMO_NOTICE_HOST: &str = "siak.demo.invalid";
/// Kiosk id of the demo kiosk identity written to the state directory.
pub const DEMO_KIOSK_ID: &str = "ADM-DEMO-01";

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("seeding demo data: {0}")]
    Seed(String),
}

#[derive(Clone, Debug)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StateDir { root: root.into() }
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn db(&self) -> PathBuf {
        self.root.join("central.sqlite")
    }
    pub fn pki(&self) -> PathBuf {
        self.root.join("pki")
    }
    pub fn kiosk_cert(&self) -> PathBuf {
        self.root.join("kiosk.crt")
    }
    pub fn kiosk_key(&self) -> PathBuf {
        self.root.join("kiosk.key")
    }
    pub fn ca(&self) -> PathBuf {
        self.root.join("ca.crt")
    }
    pub fn trust_anchor(&self) -> PathBuf {
        self.root.join("trust-anchor.crt")
    }
    pub fn updates(&self) -> PathBuf {
        self.root.join("updates")
    }

    /// Creates or opens the state: PKI, database, and with `demo` the demo citizens and the
    /// demo kiosk identity (only once: a restarted server keeps its data).
    pub fn init(&self, server_names: &[String], demo: bool) -> Result<Pki, StateError> {
        fs::create_dir_all(&self.root).map_err(|e| StateError::Io(self.root.clone(), e))?;
        let pki = Pki::load_or_create(&self.pki(), server_names)?;
        let conn = db::open(&self.db())?;
        if db::meta(&conn, "notice_host")?.is_none() {
            db::set_meta(&conn, "notice_host", DEMO_NOTICE_HOST)?;
        }
        self.write(&self.ca(), &pki.tls_ca_pem)?;
        self.write(&self.trust_anchor(), &pki.doc_root_pem)?;
        if demo && db::meta(&conn, "demo_seeded")?.is_none() {
            let host = notice_host(&conn)?;
            seed::seed(&conn, &pki, &host).map_err(|e| StateError::Seed(e.to_string()))?;
            let kiosk = pki.issue_kiosk(DEMO_KIOSK_ID)?;
            db::admin::register_kiosk(&conn, DEMO_KIOSK_ID, &kiosk.fingerprint)?;
            self.write(&self.kiosk_cert(), &kiosk.cert_pem)?;
            crate::private_file::write(&self.kiosk_key(), kiosk.key_pem.as_bytes())
                .map_err(|e| StateError::Io(self.kiosk_key(), e))?;
            db::set_meta(&conn, "demo_seeded", "1")?;
        } else if demo {
            crate::db::notices::refresh_demo(
                &conn,
                seed::DEMO_NOTICE_CODE,
                seed::DEMO_NOTICE_USES,
                crate::clock::Clock::system().now_secs(),
            )?;
        }
        Ok(pki)
    }

    fn write(&self, path: &Path, content: &str) -> Result<(), StateError> {
        fs::write(path, content).map_err(|e| StateError::Io(path.to_owned(), e))
    }
}

pub fn notice_host(conn: &rusqlite::Connection) -> Result<String, DbError> {
    Ok(db::meta(conn, "notice_host")?.unwrap_or_else(|| DEMO_NOTICE_HOST.to_owned()))
}
