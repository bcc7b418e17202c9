//! The CRLs document signers are checked against, fetched from the central server at
//! start and then hourly (kiosks have no internet of their own). The set lives here, at
//! the edge, and is handed to `document::check`; the session machine never sees it.

use std::sync::{Arc, RwLockReadGuard};
use std::time::SystemTime;

use crate::central::Central;
use crate::clock_floor::ClockFloor;
use crate::document::RevocationSet;

pub use crate::devices::SharedCrls;

/// Refresh interval once a set was fetched; CRLs are typically issued daily.
pub const REFRESH_EVERY_MS: u64 = 3_600_000;
/// Retry interval while no set was ever fetched (start-up, server unreachable).
pub const RETRY_EVERY_MS: u64 = 60_000;

/// Reads the set; a poisoned lock (a writer panicked) still holds the last whole set.
pub fn read(crls: &SharedCrls) -> RwLockReadGuard<'_, RevocationSet> {
    crls.read().unwrap_or_else(|e| e.into_inner())
}

/// Fetches the CRLs and replaces the set. On any failure the previous set stays: an
/// older CRL still proves the revocations it lists, and its staleness is judged at use.
/// The newest list's dates are evidence of the time for `clock` (see `clock_floor`).
pub async fn refresh(central: Arc<dyn Central>, crls: SharedCrls, clock: Arc<ClockFloor>) -> bool {
    let pem = match central.revocation_lists().await {
        Ok(pem) => pem,
        Err(e) => {
            tracing::warn!(error = %e, "revocation lists not fetched; keeping the previous ones");
            return false;
        }
    };
    let mut set = RevocationSet::default();
    match set.add(&pem) {
        Ok(n) => {
            let now = SystemTime::now();
            if let Some(newest) = set.crls().iter().max_by_key(|c| c.this_update()) {
                clock.observe_crls(newest.this_update(), newest.next_update(), now);
            }
            set.fetched_at = Some(now);
            *crls.write().unwrap_or_else(|e| e.into_inner()) = set;
            tracing::info!(crls = n, "revocation lists updated");
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "revocation lists from the central server unreadable; keeping the previous ones");
            false
        }
    }
}

impl super::Runtime {
    /// At start, then hourly (every minute until a first set arrived).
    pub(super) fn refresh_crls(&mut self) {
        let now = self.clock.now();
        let fetched = read(&self.devices.crls).fetched_at.is_some();
        let every = if fetched { REFRESH_EVERY_MS } else { RETRY_EVERY_MS };
        if self.last_crl_fetch.is_some_and(|t| now < t + every) {
            return;
        }
        self.last_crl_fetch = Some(now);
        let clock = self.devices.clock_floor.clone();
        self.tokio.spawn(refresh(self.devices.central.clone(), self.devices.crls.clone(), clock));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{RevocationStatus, TrustAnchors};
    use crate::nik::Nik;

    /// The reference server revokes its own document signer; after the next refresh the
    /// kiosk refuses the very document it accepted before.
    #[test]
    fn a_signer_revoked_on_the_server_is_refused_after_the_next_refresh() {
        let backend = crate::app::Backend::connect(&crate::config::Config::default()).expect("demo backend");
        let demo = backend.demo.as_ref().expect("demo server");
        let mut anchors = TrustAnchors::default();
        anchors.add_pem(&backend.signature_anchors[0]).expect("anchor");
        let crls = SharedCrls::default();
        let clock = backend.clock_floor.clone();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio");
        rt.block_on(async {
            assert!(refresh(backend.central.clone(), crls.clone(), clock.clone()).await);
            assert_eq!(read(&crls).len(), 2);
            let nik = Nik::parse("3201011505800001").expect("NIK");
            let (token, citizen) = backend.central.sign_in_nik(&nik, "123456").await.expect("sign-in");
            let docs = backend.central.list_documents(&token).await.expect("documents");
            let doc = docs.iter().find(|d| d.owner_nik == citizen.nik).expect("an own document");
            let pdf = backend.central.download(&token, doc).await.expect("download");
            let check = |crls: &SharedCrls| {
                crate::document::check(&pdf, doc, &citizen, &anchors, &read(crls), SystemTime::now())
            };
            let report = check(&crls).expect("valid before the revocation");
            assert_eq!(report.revocation, RevocationStatus::Good);

            adm_central::revocation::revoke_signer(&demo.state_dir.join("pki"), None).expect("revoke");
            // Not yet refreshed: the kiosk still holds the old CRLs.
            assert!(check(&crls).is_ok());
            assert!(refresh(backend.central.clone(), crls.clone(), clock.clone()).await);
            let refused = check(&crls).expect_err("refused after the refresh");
            assert_eq!(refused.label, "untrusted");
            assert!(refused.reason.contains("revoked"), "{}", refused.reason);
        });
    }
}
