//! Citizen services beyond printing (issue #19): the service catalogue and its signed
//! files (no sign-in), and the signed-in citizen's applications.

use reqwest::Method;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{CentralClient, Retry};
use crate::api::{self, paths, shape};
use crate::error::ClientError;

impl CentralClient {
    /// The service catalogue: requirements, procedure, time, fee and files of each
    /// service. Needs no citizen session.
    pub async fn services(&self) -> Result<Vec<api::Service>, ClientError> {
        let list: api::ServiceList =
            self.json(Method::GET, paths::SERVICES, None, None::<&()>, Retry::Idempotent).await?;
        Ok(list.services)
    }

    /// A service's guide or blank form, checked against the size and SHA-256 the catalogue
    /// lists (the kiosk then verifies its signature like any document's). No session, no
    /// print grant: these papers are for everyone.
    pub async fn service_file(&self, file: &api::ServiceFile) -> Result<Zeroizing<Vec<u8>>, ClientError> {
        if !shape::is_id(&file.id) {
            return Err(ClientError::NotFound);
        }
        if file.size > self.cfg.max_pdf_bytes as u64 {
            return Err(ClientError::TooLarge);
        }
        let limit = usize::try_from(file.size).unwrap_or(usize::MAX);
        let path = paths::service_file_pdf(&file.id);
        let bytes = self.raw(Method::GET, &path, None, None::<&()>, Retry::Idempotent, limit).await?;
        let digest = hex::encode(Sha256::digest(bytes.as_slice()));
        if bytes.len() as u64 != file.size || !digest.eq_ignore_ascii_case(&file.sha256) {
            return Err(ClientError::IntegrityMismatch);
        }
        Ok(bytes)
    }

    /// The signed-in citizen's applications ("status pengajuan"), with their timelines and
    /// next steps. A notice session gets an empty list (a notice opens documents only).
    pub async fn applications(&self, token: &str) -> Result<Vec<api::Application>, ClientError> {
        let list: api::ApplicationList =
            self.json(Method::GET, paths::APPLICATIONS, Some(token), None::<&()>, Retry::Idempotent).await?;
        Ok(list.applications)
    }

    /// The documents list together with the server's reprint policy (the kiosk shows the
    /// policy; [`Self::list_documents`] keeps only the documents).
    pub async fn document_list(&self, token: &str) -> Result<api::DocumentList, ClientError> {
        self.json(Method::GET, paths::DOCUMENTS, Some(token), None::<&()>, Retry::Idempotent).await
    }
}
