//! Citizen sessions: random bearer tokens, short-lived, bound to the kiosk certificate
//! that signed in (a token replayed over another kiosk's connection is unknown there).
//! Kept in memory only: a restarted server simply asks citizens to sign in again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use adm_central_client::api::CitizenInfo;

use crate::secrets::{self, RandomError};

/// Upper bound on live sessions, so a misbehaving kiosk cannot exhaust memory.
const MAX_SESSIONS: usize = 10_000;

struct Session {
    citizen: CitizenInfo,
    kiosk_fingerprint: String,
    expires: Instant,
    /// Documents this session may open; None: every document of the citizen. A notice
    /// sign-in opens only the documents the notice was issued for.
    scope: Option<Arc<[String]>>,
}

/// A live session as a request sees it.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub citizen: CitizenInfo,
    pub scope: Option<Arc<[String]>>,
}

#[derive(Clone)]
pub struct Sessions {
    ttl: Duration,
    // Keyed by SHA-256 of the token: the table never holds a usable token.
    inner: Arc<Mutex<HashMap<[u8; 32], Session>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("too many open sessions")]
    Full,
    #[error(transparent)]
    Random(#[from] RandomError),
}

fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The name under which the database refers to a session (print grants): the SHA-256 of
/// its token, hex, never the token itself.
pub fn session_key(token: &str) -> String {
    hex::encode(key(token))
}

impl Sessions {
    pub fn new(ttl: Duration) -> Self {
        Sessions { ttl, inner: Arc::new(Mutex::new(HashMap::new())) }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Session>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn create(&self, citizen: CitizenInfo, kiosk_fingerprint: &str) -> Result<String, SessionError> {
        let token = secrets::random_token()?;
        let now = Instant::now();
        let mut map = self.lock();
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| s.expires > now);
            if map.len() >= MAX_SESSIONS {
                return Err(SessionError::Full);
            }
        }
        map.insert(
            key(&token),
            Session { citizen, kiosk_fingerprint: kiosk_fingerprint.to_owned(), expires: now + self.ttl, scope: None },
        );
        Ok(token)
    }

    /// The session's citizen, if the token is live and presented by the kiosk it belongs to.
    pub fn get(&self, token: &str, kiosk_fingerprint: &str) -> Option<CitizenInfo> {
        self.lookup(token, kiosk_fingerprint).map(|v| v.citizen)
    }

    /// The session's citizen and scope, if the token is live and presented by its kiosk.
    pub fn lookup(&self, token: &str, kiosk_fingerprint: &str) -> Option<SessionView> {
        let k = key(token);
        let mut map = self.lock();
        let session = map.get(&k)?;
        if session.expires <= Instant::now() {
            map.remove(&k);
            return None;
        }
        (session.kiosk_fingerprint == kiosk_fingerprint)
            .then(|| SessionView { citizen: session.citizen.clone(), scope: session.scope.clone() })
    }

    /// Limits a session to some documents (a notice sign-in, before its token is handed out).
    pub fn restrict(&self, token: &str, kiosk_fingerprint: &str, documents: Vec<String>) {
        let k = key(token);
        let mut map = self.lock();
        if let Some(s) = map.get_mut(&k).filter(|s| s.kiosk_fingerprint == kiosk_fingerprint) {
            s.scope = Some(documents.into());
        }
    }

    pub fn remove(&self, token: &str, kiosk_fingerprint: &str) {
        let k = key(token);
        let mut map = self.lock();
        if map.get(&k).is_some_and(|s| s.kiosk_fingerprint == kiosk_fingerprint) {
            map.remove(&k);
        }
    }
}
