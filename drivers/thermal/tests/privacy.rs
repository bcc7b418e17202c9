//! Layout-level guard: whatever a caller hands over in an identifier field (a full NIK where
//! a masked one belongs, a full KK or akta number), no thermal layout prints a number that
//! could be misused. A receipt is thrown away; a KK number in full plus the birth date in an
//! akta number is enough to rebuild the NIK (`3201 01 150580 0001`).
//!
//! Each layout is rendered by the strict interpreter and its text lines and QR data are
//! checked: no run of 8 or more digits at all (that covers 16-digit NIK/KK numbers and
//! DDMMYYYY dates), and, separators removed, neither the NIK's region code, nor its birth
//! date (DDMMYY, DDMMYYYY, YYYYMMDD), nor the NIK itself.

use adm_thermal::layout::{
    self, AddressLabelData, LayoutOptions, PickupSlipData, QrMode, ServiceChecklistData, TestPageData,
};
use adm_thermal::render::interpret;
use adm_thermal::{Language, PaperWidth, ReceiptData, ReceiptItem};

const NIK: &str = "3201011505800001";
const KK: &str = "3201010101090001";
const AKTA: &str = "3201-LT-15051980-0001";

fn receipt(lang: Language) -> ReceiptData {
    ReceiptData {
        lang,
        kiosk_id: "ADM-BGR-07".to_owned(),
        site: "Disdukcapil Kabupaten Bogor".to_owned(),
        printed_at: "05-12-2026 09:30".to_owned(),
        transaction_id: "ADM-K3WQ7XPZ2M".to_owned(),
        // A caller that forgot to mask: the layout must not print it like this.
        masked_nik: NIK.to_owned(),
        items: vec![
            ReceiptItem { title: "Kartu Keluarga".to_owned(), number: KK.to_owned(), pages: 1, printed: true },
            ReceiptItem { title: "Akta Kelahiran".to_owned(), number: AKTA.to_owned(), pages: 2, printed: false },
            ReceiptItem { title: "Biodata".to_owned(), number: NIK.to_owned(), pages: 1, printed: true },
        ],
        qr_payload: "https://adm.example/t/ADM-K3WQ7XPZ2M".to_owned(),
        note: None,
    }
}

fn pickup(lang: Language) -> PickupSlipData {
    PickupSlipData {
        lang,
        kiosk_id: "ADM-BGR-07".to_owned(),
        site: "Disdukcapil Kabupaten Bogor".to_owned(),
        printed_at: "05-12-2026 09:31".to_owned(),
        document: "KTP-el".to_owned(),
        application_code: "KTP-2512-00731".to_owned(),
        masked_nik: NIK.to_owned(),
        pickup_place: "Loket 3, Disdukcapil Kabupaten Bogor".to_owned(),
        pickup_time: "Mulai 12-12-2026, 08.00-15.00 WIB".to_owned(),
        qr_payload: "https://adm.example/p/KTP-2512-00731".to_owned(),
        bring: vec!["Kartu Keluarga asli".to_owned()],
        note: None,
    }
}

fn label(lang: Language) -> AddressLabelData {
    AddressLabelData {
        lang,
        application_code: "KK-2512-01288".to_owned(),
        recipient: "Budi Santoso".to_owned(),
        address_lines: vec!["Jl. Melati No. 12, RT 003/RW 005".to_owned(), "Kab. Bogor 16915".to_owned()],
        sender: "Disdukcapil Kabupaten Bogor".to_owned(),
        printed_at: "05-12-2026 09:32".to_owned(),
        qr_payload: "KK-2512-01288".to_owned(),
        checklist: vec!["Surat pengantar RT/RW".to_owned()],
    }
}

fn test_page(lang: Language) -> TestPageData {
    TestPageData {
        lang,
        kiosk_id: "ADM-BGR-07".to_owned(),
        site: "Disdukcapil Kabupaten Bogor".to_owned(),
        printed_at: "05-12-2026 07:30".to_owned(),
        model: "TM-T20III".to_owned(),
        firmware: "1.00 ESC/POS".to_owned(),
        counters: vec![("Struk dicetak".to_owned(), "1284".to_owned())],
        qr_payload: "ADM-BGR-07 TEST".to_owned(),
    }
}

fn checklist(lang: Language) -> ServiceChecklistData {
    ServiceChecklistData {
        lang,
        kiosk_id: "ADM-BGR-07".to_owned(),
        site: "Disdukcapil Kabupaten Bogor".to_owned(),
        printed_at: "05-12-2026 09:40".to_owned(),
        service: "Kartu Keluarga (KK) Baru".to_owned(),
        requirements: vec!["Fotokopi Akta Kelahiran dan Ijazah".to_owned()],
        duration: "1 hari kerja".to_owned(),
        fee: "Tidak dipungut biaya (Gratis)".to_owned(),
    }
}

/// Everything each layout printed (text lines, then QR data), by name.
fn printouts() -> Vec<(String, Vec<String>)> {
    let mut out = vec![];
    for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
        for lang in [Language::Id, Language::En] {
            let opts = LayoutOptions { width, qr: QrMode::Native };
            let layouts = [
                ("receipt", layout::receipt_with(&receipt(lang), &opts)),
                ("pickup", layout::pickup_slip_with(&pickup(lang), &opts)),
                ("label", layout::address_label_with(&label(lang), &opts)),
                ("test", layout::test_page_with(&test_page(lang), &opts)),
                ("checklist", layout::service_checklist_with(&checklist(lang), &opts)),
            ];
            for (name, bytes) in layouts {
                let r = interpret(&bytes, width).unwrap_or_else(|e| panic!("{name}: {e}"));
                let mut lines = r.lines;
                lines.extend(r.qr_data.iter().map(|q| String::from_utf8_lossy(q).into_owned()));
                out.push((format!("{name}-{width:?}-{lang:?}"), lines));
            }
        }
    }
    out
}

fn longest_digit_run(text: &str) -> usize {
    text.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0)
}

fn without_separators(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | ':' | '_')).collect()
}

#[test]
fn no_layout_prints_a_number_the_nik_can_be_rebuilt_from() {
    let (region, ddmmyy) = (&NIK[..6], &NIK[6..12]);
    let (dd, mm, yy) = (&NIK[6..8], &NIK[8..10], &NIK[10..12]);
    let forbidden = [
        region.to_owned(),
        ddmmyy.to_owned(),
        format!("{dd}{mm}19{yy}"),
        format!("19{yy}{mm}{dd}"),
        NIK.to_owned(),
        KK.to_owned(),
    ];
    for (name, lines) in printouts() {
        let text = lines.join("\n");
        assert!(longest_digit_run(&text) < 8, "{name}: a run of 8+ digits is printed:\n{text}");
        // A value may be wrapped onto the next line: check neighbours joined as well.
        let mut chunks: Vec<String> = lines.iter().map(|l| without_separators(l)).collect();
        chunks.extend(lines.windows(2).map(|w| without_separators(&format!("{}{}", w[0], w[1]))));
        for chunk in &chunks {
            for f in &forbidden {
                assert!(!chunk.contains(f.as_str()), "{name}: {f:?} can be read off {chunk:?}:\n{text}");
            }
        }
    }
}

#[test]
fn document_numbers_keep_only_their_last_four_characters() {
    let r = interpret(&layout::receipt(&receipt(Language::Id), PaperWidth::Mm80), PaperWidth::Mm80).expect("renders");
    let numbered: Vec<&str> = r.lines.iter().map(|l| l.trim()).filter(|l| l.starts_with("No. *")).collect();
    assert_eq!(numbered, ["No. ****0001", "No. ****0001", "No. ****0001"], "{:#?}", r.lines);
    assert!(r.lines.iter().any(|l| l.ends_with(": 3201********0001")), "{:#?}", r.lines);
}
