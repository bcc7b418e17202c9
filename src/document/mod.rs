//! Trust in a document before it is printed. No device code here.
//!
//! A document is printed only if [`check`] passes: the bytes are exactly what the
//! server announced, the electronic signature (TTE) is valid and trusted, and the
//! document belongs to the signed-in citizen or their family. Japan's kiosks once
//! printed another person's certificate under near-simultaneous requests; the ownership
//! check exists so that this kiosk cannot.

pub mod integrity;
pub mod names;
pub mod owner;

use crate::central::{Citizen, DocumentMeta};
use crate::session::Refusal;

/// Checks everything that must hold before `pdf` may be printed for `citizen`.
pub fn check(pdf: &[u8], meta: &DocumentMeta, citizen: &Citizen) -> Result<(), Refusal> {
    integrity::check(pdf, meta).map_err(|_| Refusal::Download)?;
    owner::check_metadata(meta, citizen).map_err(|_| Refusal::Ownership)?;
    Ok(())
}
