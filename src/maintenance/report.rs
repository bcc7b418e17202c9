//! The readiness report on paper: one slip from the receipt printer that a technician
//! can staple to the visit form.

use std::time::Duration;

use adm_thermal::doc::{Align, Doc, LayoutOptions};
use adm_thermal::{Language, PaperWidth};

use super::checks::{CheckContext, CheckId, CheckResult};
use crate::devices::lock;

/// Printing a slip takes longer than a status request (paper feed, print confirmation).
pub const PRINT_DEADLINE: Duration = Duration::from_secs(30);

/// What the slip says about the kiosk besides the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipHeader {
    pub lang: Language,
    pub kiosk_id: String,
    pub site: String,
    /// Local time as it should be printed, e.g. "2025-03-01 09:30".
    pub printed_at: String,
}

/// Check names on paper (the details stay English: they are for technicians and the
/// vendor, and match the logs).
fn label(lang: Language, id: CheckId) -> &'static str {
    match id {
        CheckId::A4Printer => lang.pick("Printer A4", "A4 printer"),
        CheckId::ReceiptPrinter => lang.pick("Printer struk", "Receipt printer"),
        CheckId::Camera => lang.pick("Kamera", "Camera"),
        CheckId::CentralServer => lang.pick("Server pusat", "Central server"),
        CheckId::TlsCertificate => lang.pick("Sertifikat TLS", "TLS certificate"),
        CheckId::Disk => lang.pick("Penyimpanan", "Disk"),
        CheckId::Clock => lang.pick("Jam", "Clock"),
        CheckId::Version => lang.pick("Versi perangkat lunak", "Software version"),
    }
}

/// The readiness slip as ESC/POS bytes.
pub fn readiness_slip(results: &[CheckResult], header: &SlipHeader, width: PaperWidth) -> Vec<u8> {
    let l = header.lang;
    let mut doc = Doc::new(LayoutOptions::new(width));
    doc.align(Align::Center);
    doc.bold(true);
    doc.line("ANJUNGAN DUKCAPIL MANDIRI");
    doc.line(l.pick("LAPORAN KESIAPAN KIOS", "KIOSK READINESS REPORT"));
    doc.bold(false);
    doc.line(&header.site);
    doc.align(Align::Left);
    doc.rule(b'-');
    let kw = match width {
        PaperWidth::Mm58 => 8,
        PaperWidth::Mm80 => 12,
    };
    doc.pair(l.pick("Kios", "Kiosk"), &header.kiosk_id, kw);
    doc.pair(l.pick("Waktu", "Date/time"), &header.printed_at, kw);
    doc.rule(b'-');
    for r in results {
        let verdict = if r.ok { "[OK]" } else { l.pick("[GAGAL]", "[FAIL]") };
        doc.bold(!r.ok);
        doc.line(&format!("{verdict} {}", label(l, r.id)));
        doc.bold(false);
        doc.indented(2, &r.detail);
    }
    doc.rule(b'-');
    let failing: Vec<&str> = results.iter().filter(|r| !r.ok).map(|r| label(l, r.id)).collect();
    doc.bold(true);
    if failing.is_empty() {
        doc.line(l.pick("SIAP MELAYANI", "READY FOR SERVICE"));
    } else {
        doc.line(l.pick("TIDAK SIAP:", "NOT READY:"));
        doc.bold(false);
        doc.indented(2, &failing.join(", "));
    }
    doc.bold(false);
    doc.cut();
    doc.finish()
}

/// Prints the slip on the kiosk's receipt printer (one call for the maintenance screen).
pub async fn print_readiness(
    ctx: &CheckContext,
    results: &[CheckResult],
    header: &SlipHeader,
    width: PaperWidth,
) -> Result<(), String> {
    let bytes = readiness_slip(results, header, width);
    let receipt = ctx.receipt.clone();
    let job = tokio::task::spawn_blocking(move || lock(&receipt).print(&bytes));
    match tokio::time::timeout(PRINT_DEADLINE, job).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => Err(e.to_string()),
        Ok(Err(e)) => Err(format!("printing failed: {e}")),
        Err(_) => Err(format!("receipt printer did not finish within {} s", PRINT_DEADLINE.as_secs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maintenance::checks::run_all;
    use crate::maintenance::testkit::{healthy_central, kiosk};

    fn header(lang: Language) -> SlipHeader {
        SlipHeader {
            lang,
            kiosk_id: "ADM-3201-07".into(),
            site: "Kecamatan Cibinong".into(),
            printed_at: "2025-03-01 09:30".into(),
        }
    }

    #[test]
    fn the_slip_lists_every_check_and_the_verdict_on_both_paper_widths() {
        let results = vec![
            CheckResult {
                id: CheckId::A4Printer,
                ok: true,
                detail: "Simulated A4 printer: idle".into(),
                finding: crate::maintenance::checks::Finding::A4 {
                    model: "Simulated A4 printer".into(),
                    state: adm_a4::PrinterState::Idle,
                    notes: vec![],
                },
            },
            CheckResult {
                id: CheckId::Camera,
                ok: false,
                detail: "camera disconnected".into(),
                finding: crate::maintenance::checks::Finding::CameraMissing,
            },
        ];
        for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
            let printed =
                adm_thermal::render::interpret(&readiness_slip(&results, &header(Language::Id), width), width)
                    .expect("valid ESC/POS");
            let text = printed.lines.join("\n");
            for expected in ["LAPORAN KESIAPAN KIOS", "ADM-3201-07", "[OK] Printer A4", "[GAGAL] Kamera", "TIDAK SIAP:"]
            {
                assert!(text.contains(expected), "{expected} missing on {width:?}:\n{text}");
            }
            assert_eq!((printed.cuts, printed.auto_wrapped), (1, 0));
        }
        let ready = readiness_slip(&results[..1], &header(Language::En), PaperWidth::Mm80);
        let text = adm_thermal::render::interpret(&ready, PaperWidth::Mm80).expect("valid").lines.join("\n");
        assert!(text.contains("READY FOR SERVICE"), "{text}");
    }

    #[tokio::test]
    async fn print_readiness_comes_out_of_the_receipt_printer() {
        let (ctx, controls) = kiosk(healthy_central(), true);
        let results = run_all(&ctx).await;
        print_readiness(&ctx, &results, &header(Language::Id), PaperWidth::Mm80).await.expect("printed");
        assert_eq!(controls.receipt.printed(), 1);
        controls.receipt.inject(adm_thermal::sim::SimFault::PaperOut);
        assert!(print_readiness(&ctx, &results, &header(Language::Id), PaperWidth::Mm80).await.is_err());
    }
}
