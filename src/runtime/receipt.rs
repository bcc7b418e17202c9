//! The receipt at the end of a session.

use adm_thermal::{PaperWidth, ReceiptData, ReceiptItem, ReceiptPrinter};

use super::KioskInfo;
use crate::document::names::printed_name;
use crate::session::ReceiptRequest;

/// Prints the receipt; `false` when the receipt printer cannot (the citizen is told, and
/// the A4 documents are not affected).
pub(super) fn print(
    printer: &mut dyn ReceiptPrinter,
    width: PaperWidth,
    info: &KioskInfo,
    req: &ReceiptRequest,
) -> bool {
    match printer.status() {
        Ok(s) if s.can_print() => {}
        Ok(s) => {
            tracing::warn!(status = ?s, "receipt printer not ready, no receipt");
            return false;
        }
        Err(e) => {
            tracing::warn!(error = %e, "receipt printer status");
            return false;
        }
    }
    let data = receipt_data(info, req);
    let bytes = adm_thermal::layout::receipt(&data, width);
    match printer.print(&bytes) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "receipt not printed");
            false
        }
    }
}

pub(crate) fn receipt_data(info: &KioskInfo, req: &ReceiptRequest) -> ReceiptData {
    let transaction_id = transaction_id();
    ReceiptData {
        lang: req.language,
        kiosk_id: info.kiosk_id.clone(),
        site: info.site.clone(),
        printed_at: chrono::Local::now().format("%d-%m-%Y %H:%M").to_string(),
        // Only the transaction id goes into the QR: no personal data on a code anyone
        // can scan.
        qr_payload: format!("https://{}/t/{}", info.central_host, transaction_id),
        transaction_id,
        masked_nik: req.masked_nik.clone(),
        items: req
            .lines
            .iter()
            .map(|l| ReceiptItem {
                title: printed_name(l.kind, req.language).into(),
                // Kind + last characters tell the citizen's papers apart; the full number
                // (region code, birth date) never leaves the kiosk on paper.
                number: adm_text::mask::document_number(&l.number),
                pages: l.pages,
                printed: l.printed,
            })
            .collect(),
        note: None,
    }
}

/// Short, unique, readable over the phone: `ADM-` + 10 base32 characters.
fn transaction_id() -> String {
    use adm_central_client::api::shape::CROCKFORD;
    let bits = uuid::Uuid::new_v4().as_u128();
    let code: String = (0..10).map(|i| CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char).collect();
    format!("ADM-{code}")
}
