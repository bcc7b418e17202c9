//! The service catalogue's requirement checklist, through the strict interpreter: the
//! header like the receipt's, a box before every requirement in the standard's wording,
//! time and fee, nothing that overflows the paper, and nothing about a person.

use adm_thermal::layout::{LayoutOptions, QrMode, ServiceChecklistData, service_checklist, service_checklist_with};
use adm_thermal::render::interpret;
use adm_thermal::{Language, PaperWidth};

fn kk_baru(lang: Language) -> ServiceChecklistData {
    let en = lang == Language::En;
    ServiceChecklistData {
        lang,
        kiosk_id: "ADM-BGR-07".to_owned(),
        site: "Disdukcapil Kabupaten Bogor".to_owned(),
        printed_at: "05-12-2026 09:40".to_owned(),
        service: if en { "New Family Card (KK)" } else { "Kartu Keluarga (KK) Baru" }.to_owned(),
        requirements: vec![
            "Copy surat nikah legalisir/kutipan akta perkawinan atau kutipan akta perceraian (bagi yang sudah menikah)"
                .to_owned(),
            "Fotokopi Akta Kelahiran dan Ijazah".to_owned(),
            "Kartu Izin Tinggal Tetap (KITAP) bagi orang asing".to_owned(),
        ],
        duration: if en { "1 working day" } else { "1 hari kerja" }.to_owned(),
        fee: if en { "No fee (free of charge)" } else { "Tidak dipungut biaya (Gratis)" }.to_owned(),
    }
}

#[test]
fn the_checklist_renders_strictly_on_both_paper_widths() {
    for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
        for lang in [Language::Id, Language::En] {
            let opts = LayoutOptions { width, qr: QrMode::Native };
            let r = interpret(&service_checklist_with(&kk_baru(lang), &opts), width).expect("strict ESC/POS");
            let name = format!("{width:?}-{lang:?}");
            assert_eq!(r.auto_wrapped, 0, "{name}: a line overflowed the paper:\n{}", r.lines.join("\n"));
            assert_eq!(r.cuts, 1, "{name}");
            assert!(r.qr_data.is_empty(), "{name}: no QR on a checklist");
            assert!(r.lines.iter().all(|l| l.chars().count() <= width.columns()), "{name}");
            // Every requirement starts with its box; continuation lines are indented under it.
            let boxes = r.lines.iter().filter(|l| l.trim_start().starts_with("[ ] ")).count();
            assert_eq!(boxes, 3, "{name}:\n{}", r.lines.join("\n"));
        }
    }
}

#[test]
fn the_indonesian_checklist_says_what_the_standard_says() {
    let r = interpret(&service_checklist(&kk_baru(Language::Id), PaperWidth::Mm80), PaperWidth::Mm80).expect("ok");
    let text = r.lines.join("\n");
    for expected in [
        "ANJUNGAN DUKCAPIL MANDIRI",
        "DAFTAR PERSYARATAN",
        "Disdukcapil Kabupaten Bogor",
        "ADM-BGR-07",
        "05-12-2026 09:40",
        "Kartu Keluarga (KK) Baru",
        "Persyaratan:",
        "  [ ] Fotokopi Akta Kelahiran dan Ijazah\n",
        "  [ ] Kartu Izin Tinggal Tetap (KITAP) bagi\n      orang asing",
        "Waktu layanan:",
        "1 hari kerja",
        "Biaya:",
        "Tidak dipungut biaya (Gratis)",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in\n{text}");
    }
    assert!(!text.contains("NIK"), "no identity field on a checklist:\n{text}");
    let r = interpret(&service_checklist(&kk_baru(Language::En), PaperWidth::Mm58), PaperWidth::Mm58).expect("ok");
    let text = r.lines.join("\n");
    for expected in ["REQUIREMENTS CHECKLIST", "Requirements:", "Service time:", "1 working day", "Fee:"] {
        assert!(text.contains(expected), "{expected:?} missing in\n{text}");
    }
}
