//! Printed layouts. Each has a `*_with(.., &LayoutOptions)` form (QR mode) and a short form
//! for the usual native-QR printer.

mod checklist;
mod common;
mod label;
mod pickup;
mod receipt;
mod test_page;

pub use crate::doc::LayoutOptions;
pub use crate::qr::QrMode;
pub use checklist::{ServiceChecklistData, service_checklist, service_checklist_with};
pub use label::{AddressLabelData, address_label, address_label_with};
pub use pickup::{PickupSlipData, pickup_slip, pickup_slip_with};
pub use receipt::{receipt, receipt_with};
pub use test_page::{TestPageData, test_page, test_page_with};
