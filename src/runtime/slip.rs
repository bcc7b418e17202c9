//! Papers about an application on the receipt printer: the pickup slip of a card ready for
//! collection and the address label for posting the paper requirements, in the layouts of
//! `adm-thermal` (which print identifier numbers only masked, whatever they are handed).

use adm_thermal::layout::{AddressLabelData, PickupSlipData, ServiceChecklistData};
use adm_thermal::{PaperWidth, ReceiptPrinter};

use super::KioskInfo;
use crate::session::{ChecklistRequest, SlipRequest};

/// Prints the slip; `false` when the receipt printer cannot (the screen says so).
pub(super) fn print(printer: &mut dyn ReceiptPrinter, width: PaperWidth, info: &KioskInfo, req: &SlipRequest) -> bool {
    let printed_at = chrono::Local::now().format("%d-%m-%Y %H:%M").to_string();
    print_bytes(printer, &bytes(info, req, width, &printed_at))
}

/// Prints a service's requirement checklist ("daftar layanan"); `false` when the receipt
/// printer cannot.
pub(super) fn print_checklist(
    printer: &mut dyn ReceiptPrinter,
    width: PaperWidth,
    info: &KioskInfo,
    req: &ChecklistRequest,
) -> bool {
    let printed_at = chrono::Local::now().format("%d-%m-%Y %H:%M").to_string();
    print_bytes(printer, &checklist_bytes(info, req, width, &printed_at))
}

/// The ESC/POS bytes of a service's requirement checklist: the site, kiosk and time, the
/// requirements as the catalogue words them, time and fee. Nothing about a person.
pub(crate) fn checklist_bytes(
    info: &KioskInfo,
    req: &ChecklistRequest,
    width: PaperWidth,
    printed_at: &str,
) -> Vec<u8> {
    adm_thermal::layout::service_checklist(
        &ServiceChecklistData {
            lang: req.language,
            kiosk_id: info.kiosk_id.clone(),
            site: info.site.clone(),
            printed_at: printed_at.to_owned(),
            service: req.service.clone(),
            requirements: req.requirements.clone(),
            duration: req.duration.clone(),
            fee: req.fee.clone(),
        },
        width,
    )
}

fn print_bytes(printer: &mut dyn ReceiptPrinter, bytes: &[u8]) -> bool {
    match printer.status() {
        Ok(s) if s.can_print() => {}
        Ok(s) => {
            tracing::warn!(status = ?s, "receipt printer not ready, no slip");
            return false;
        }
        Err(e) => {
            tracing::warn!(error = %e, "receipt printer status");
            return false;
        }
    }
    match printer.print(bytes) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "slip not printed");
            false
        }
    }
}

/// The ESC/POS bytes of a slip. The QR carries the application code only: nothing
/// personal on a code anyone can scan.
pub(crate) fn bytes(info: &KioskInfo, req: &SlipRequest, width: PaperWidth, printed_at: &str) -> Vec<u8> {
    match req {
        SlipRequest::Pickup { language, masked_nik, application_code, card, office, address, hours, bring } => {
            adm_thermal::layout::pickup_slip(
                &PickupSlipData {
                    lang: *language,
                    kiosk_id: info.kiosk_id.clone(),
                    site: info.site.clone(),
                    printed_at: printed_at.to_owned(),
                    document: card.clone(),
                    application_code: application_code.clone(),
                    masked_nik: masked_nik.clone(),
                    pickup_place: format!("{office}, {address}"),
                    pickup_time: hours.clone(),
                    qr_payload: application_code.clone(),
                    bring: bring.clone(),
                    note: None,
                },
                width,
            )
        }
        SlipRequest::Label { language, application_code, recipient, address, sender, checklist } => {
            adm_thermal::layout::address_label(
                &AddressLabelData {
                    lang: *language,
                    application_code: application_code.clone(),
                    recipient: recipient.clone(),
                    address_lines: vec![address.clone()],
                    sender: sender.clone(),
                    printed_at: printed_at.to_owned(),
                    qr_payload: application_code.clone(),
                    checklist: checklist.clone(),
                },
                width,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use adm_thermal::render::interpret;

    use super::*;
    use crate::session::Language;

    const NIK: &str = "3201011505800001";

    fn info() -> KioskInfo {
        KioskInfo {
            kiosk_id: "ADM-BGR-07".into(),
            site: "Disdukcapil Kabupaten Bogor".into(),
            central_host: "x".into(),
        }
    }

    fn pickup(masked_nik: &str) -> SlipRequest {
        SlipRequest::Pickup {
            language: Language::Id,
            masked_nik: masked_nik.into(),
            application_code: "PGJ-2025-0106-0014".into(),
            card: "KTP-el".into(),
            office: "Kantor Kecamatan Cibinong".into(),
            address: "JL. TEGAR BERIMAN NO. 1, KEC. CIBINONG, KAB. BOGOR".into(),
            hours: "Senin s.d. Jumat, 08.00-16.00 WIB".into(),
            bring: vec!["Kartu Keluarga asli".into()],
        }
    }

    fn label() -> SlipRequest {
        SlipRequest::Label {
            language: Language::En,
            application_code: "PGJ-2025-0204-0031".into(),
            recipient: "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Demo".into(),
            address: "JL. PEMUDA NO. 1, KABUPATEN DEMO 16914".into(),
            sender: "BUDI SANTOSO".into(),
            checklist: vec!["Surat pengantar RT/RW".into(), "Buku nikah".into()],
        }
    }

    fn printed(req: &SlipRequest, width: PaperWidth) -> String {
        let r = interpret(&bytes(&info(), req, width, "07-01-2025 10:00"), width).expect("valid ESC/POS");
        let mut text = r.lines.join("\n");
        for q in r.qr_data {
            text.push('\n');
            text.push_str(&String::from_utf8_lossy(&q));
        }
        text
    }

    #[test]
    fn slips_render_through_the_strict_interpreter_without_a_nik() {
        for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
            // Even a caller that forgot to mask cannot put the NIK, its region or birth
            // date on paper.
            for req in [pickup(NIK), pickup(&adm_text::mask::id_number(NIK)), label()] {
                let text = printed(&req, width);
                let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | ':')).collect();
                for forbidden in [NIK, "320101", "150580", "15051980"] {
                    assert!(!digits.contains(forbidden), "{forbidden} in\n{text}");
                }
            }
        }
        let text = printed(&pickup(NIK), PaperWidth::Mm80);
        for expected in ["BUKTI PENGAMBILAN", "KTP-el", "PGJ-2025-0106-0014", "3201********0001", "Kartu Keluarga asli"]
        {
            assert!(text.contains(expected), "{expected} missing in\n{text}");
        }
        let text = printed(&label(), PaperWidth::Mm80);
        for expected in ["ADDRESS LABEL", "JL. PEMUDA NO. 1", "[ ] Surat pengantar RT/RW", "[ ] Buku nikah"] {
            assert!(text.contains(expected), "{expected} missing in\n{text}");
        }
    }
}
