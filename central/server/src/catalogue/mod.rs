//! The service catalogue the reference server offers (issue #19, "Daftar layanan"):
//! requirements, procedure, time and fee of each service, and its guide and blank forms.
//!
//! KK Baru is the service standard of a district's "Loket Kecamatan" and "Loket Mandiri"
//! as published (requirements of the counter, where paper copies are handed in or posted;
//! the self-service procedure; "1 hari kerja"; "Tidak dipungut biaya (Gratis)"). The other
//! services are those the districts' online guides name (akta kelahiran, akta kematian,
//! surat pindah, KTP-el, KIA); their requirement lists are demo text in the same form.
//! Every service is free: UU 24/2013 Pasal 79A forbids fees for population documents.
//! Texts are Bahasa Indonesia (authoritative) with an English translation alongside
//! (`LocalizedText`), because the kiosk speaks both and must not invent legal wording.

mod forms;
mod services;

pub mod pdf;

pub use forms::{FORMS, Form};
pub use services::{SERVICES, ServiceDef};

/// A text in both languages, as static data.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    pub id: &'static str,
    pub en: &'static str,
}

impl Text {
    pub fn wire(&self) -> adm_central_client::api::LocalizedText {
        adm_central_client::api::LocalizedText { id: self.id.to_owned(), en: self.en.to_owned() }
    }
}

/// Shorthand for the tables.
pub(crate) const fn t(id: &'static str, en: &'static str) -> Text {
    Text { id, en }
}

/// Id of a service's guide PDF.
pub fn guide_id(service_id: &str) -> String {
    format!("{service_id}-petunjuk")
}

pub fn service(id: &str) -> Option<&'static ServiceDef> {
    SERVICES.iter().find(|s| s.id == id)
}

pub fn form(id: &str) -> Option<&'static Form> {
    FORMS.iter().find(|f| f.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use adm_central_client::api::shape;

    #[test]
    fn ids_are_wire_ids_and_forms_exist() {
        for s in SERVICES {
            assert!(shape::is_id(&guide_id(s.id)), "{}", s.id);
            assert!(!s.requirements.is_empty() && !s.procedure.is_empty(), "{}", s.id);
            for f in s.forms {
                assert!(form(f).is_some(), "{}: form {f}", s.id);
            }
        }
        for f in FORMS {
            assert!(shape::is_id(f.id), "{}", f.id);
        }
        let kk = service("kk-baru").expect("KK Baru is offered");
        assert_eq!(kk.duration.id, "1 hari kerja");
        assert_eq!(kk.fee.id, "Tidak dipungut biaya (Gratis)");
        assert_eq!(kk.requirements.len(), 6);
    }
}

/// Why the catalogue's files could not be signed and stored.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Sign(#[from] crate::sign::SignError),
}

/// Signs and stores every catalogue file whose layout changed (or is new), at start.
pub fn publish(conn: &rusqlite::Connection, pki: &crate::pki::Pki) -> Result<(), PublishError> {
    use sha2::Digest;

    use crate::db::service_files::{self, NewFile};

    let signer = crate::documents::signer(pki)?;
    for file in pdf::all() {
        let layout = file.layout_digest();
        if service_files::layout_of(conn, &file.id)?.as_deref() == Some(layout.as_str()) {
            continue;
        }
        let bytes = file.sign(&signer)?;
        let sha = hex::encode(sha2::Sha256::digest(&bytes));
        let pages = u32::try_from(file.pages.len()).unwrap_or(u32::MAX);
        let new = NewFile { id: &file.id, doc_type: file.doc_type, pages, layout: &layout, pdf: &bytes, sha256: &sha };
        service_files::store(conn, &new)?;
    }
    Ok(())
}
