//! Layout bytes → strict interpreter → picture → ZBar: the text lines and the QR payloads are
//! what the citizen and the technician would see on paper.

mod common;

use adm_thermal::layout::{self, LayoutOptions, QrMode};
use adm_thermal::render::{ImageKind, RenderError, interpret};
use adm_thermal::samples::{self, SampleKind, demo_label, demo_pickup, demo_receipt, demo_test_page, sample};
use adm_thermal::{Language, PaperWidth, ReceiptItem};
use common::{assert_lines, render_and_scan};

const WIDTHS: [PaperWidth; 2] = [PaperWidth::Mm58, PaperWidth::Mm80];
const MODES: [QrMode; 2] = [QrMode::Native, QrMode::Raster];

fn bytes_for(kind: SampleKind, lang: Language, opts: &LayoutOptions) -> (Vec<u8>, String) {
    match kind {
        SampleKind::Receipt => {
            let d = demo_receipt(lang);
            (layout::receipt_with(&d, opts), d.qr_payload)
        }
        SampleKind::Pickup => {
            let d = demo_pickup(lang);
            (layout::pickup_slip_with(&d, opts), d.qr_payload)
        }
        SampleKind::Label => {
            let d = demo_label(lang);
            (layout::address_label_with(&d, opts), d.qr_payload)
        }
        SampleKind::Test => {
            let d = demo_test_page(lang);
            (layout::test_page_with(&d, opts), d.qr_payload)
        }
    }
}

#[test]
fn every_layout_renders_strictly_and_its_qr_decodes() {
    let dir = tempfile::tempdir().expect("tempdir");
    for kind in SampleKind::ALL {
        for width in WIDTHS {
            for qr in MODES {
                for lang in [Language::Id, Language::En] {
                    let name = format!("{kind}-{width:?}-{qr:?}-{lang:?}");
                    let (bytes, payload) = bytes_for(kind, lang, &LayoutOptions { width, qr });
                    let (r, codes) = render_and_scan(&bytes, width, dir.path(), &name);
                    assert_eq!(codes, vec![payload], "{name}: QR read by zbarimg");
                    assert_eq!(r.auto_wrapped, 0, "{name}: a line overflowed the paper:\n{}", r.lines.join("\n"));
                    assert_eq!(r.cuts, 1, "{name}");
                    assert_eq!(r.code_pages, vec![16], "{name}: Windows-1252 selected once");
                    let qr_kind = if qr == QrMode::Native { ImageKind::Qr } else { ImageKind::Raster };
                    assert!(r.images.iter().any(|i| i.kind == qr_kind), "{name}: QR sent as {qr:?}");
                    let columns = width.columns();
                    assert!(r.lines.iter().all(|l| l.chars().count() <= columns), "{name}");
                }
            }
        }
    }
}

#[test]
fn receipt_in_indonesian_says_what_was_printed_and_what_was_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = demo_receipt(Language::Id);
    let (r, codes) =
        render_and_scan(&layout::receipt(&data, PaperWidth::Mm80), PaperWidth::Mm80, dir.path(), "receipt-id");
    assert_eq!(codes, ["https://verifikasi.adm.example/t/TRX-20250512-0042"]);
    assert_lines(
        &r,
        &[
            "ANJUNGAN DUKCAPIL",
            "BUKTI CETAK DOKUMEN",
            "Disdukcapil Kabupaten Contoh (MPP Lantai 2)",
            "Kios          : ADM-3299-01",
            "Waktu         : 12-05-2025 10:42 WIB",
            "No. Transaksi : TRX-20250512-0042",
            "NIK           : 3299**********07",
            "1. Kartu Keluarga",
            "   No. ****0001",
            "   1 halaman",
            "2. Akta Kelahiran",
            "   2 halaman",
            "3. Akta Perkawinan",
            "   TIDAK TERCETAK - hubungi petugas",
            "ADA DOKUMEN YANG TIDAK TERCETAK",
            "Pindai untuk verifikasi",
            "Simpan bukti ini. Terima kasih.",
        ],
    );
    // The native QR carries only the verification URL.
    assert_eq!(r.qr_data, vec![data.qr_payload.as_bytes().to_vec()]);
}

#[test]
fn receipt_in_english_on_58mm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = demo_receipt(Language::En);
    let opts = LayoutOptions { width: PaperWidth::Mm58, qr: QrMode::Raster };
    let (r, codes) =
        render_and_scan(&layout::receipt_with(&data, &opts), PaperWidth::Mm58, dir.path(), "receipt-en-58");
    assert_eq!(codes, [data.qr_payload.as_str()]);
    assert_lines(
        &r,
        &[
            "DOCUMENT PRINT RECEIPT",
            "Trans. no.: TRX-20250512-0042",
            "2 pages",
            "NOT PRINTED - please ask",
            "Scan to verify",
        ],
    );
    assert!(r.lines.iter().all(|l| l.chars().count() <= 32));
}

#[test]
fn qr_never_carries_personal_data() {
    for kind in SampleKind::ALL {
        let (_, payload) = bytes_for(kind, Language::Id, &LayoutOptions::default());
        let receipt = demo_receipt(Language::Id);
        assert!(!payload.contains("3299**"), "{kind}: masked NIK in QR");
        assert!(!payload.contains("Siti"), "{kind}: name in QR");
        assert!(!payload.contains(&receipt.masked_nik));
    }
}

#[test]
fn accented_names_print_in_windows_1252() {
    let bytes = sample(SampleKind::Label, PaperWidth::Mm80);
    assert!(bytes.starts_with(&[0x1b, b'@', 0x1b, b't', 16]), "ESC @ then ESC t 16");
    assert!(bytes.windows(5).any(|w| w == b"P\xe9rez"), "é as 0xE9");
    let r = interpret(&bytes, PaperWidth::Mm80).expect("renders");
    assert_lines(&r, &["Siti Rahayu Pérez", "KK-2505-01288", "Kepada:", "Jl. Melati No. 5, RT 002/RW 004"]);
}

#[test]
fn pickup_slip_and_test_page_text() {
    let r = interpret(&sample(SampleKind::Pickup, PaperWidth::Mm80), PaperWidth::Mm80).expect("renders");
    assert_lines(
        &r,
        &[
            "BUKTI PENGAMBILAN",
            "KTP-el",
            "KTP-2505-00731",
            "Tempat pengambilan:",
            "  Loket 3, Kantor Disdukcapil",
            "Waktu pengambilan:",
        ],
    );
    let r = interpret(&sample(SampleKind::Test, PaperWidth::Mm58), PaperWidth::Mm58).expect("renders");
    assert_lines(&r, &["HALAMAN UJI PRINTER", "Model     : TM-T20III", "1.00 ESC/POS", "1284", "WPC1252: é è"]);
    assert!(r.images.iter().any(|i| i.kind == ImageKind::Raster && i.width == 384), "full-width grid");
}

#[test]
fn long_fields_wrap_inside_the_paper() {
    let mut data = demo_receipt(Language::Id);
    data.site = "Mal Pelayanan Publik Kabupaten Contoh Raya, Gedung Serbaguna Lantai Dua Sayap Timur".to_owned();
    data.items.push(ReceiptItem {
        title: "Surat Keterangan Pindah Warga Negara Indonesia (SKPWNI) antar kabupaten/kota dalam satu provinsi"
            .to_owned(),
        number: "3299-SKPWNI-12052025-000000000000000000001".to_owned(),
        pages: 3,
        printed: true,
    });
    data.note = Some("x".repeat(150));
    for width in WIDTHS {
        let r = interpret(&layout::receipt(&data, width), width).expect("renders");
        assert_eq!(r.auto_wrapped, 0, "{width:?}:\n{}", r.lines.join("\n"));
        assert_lines(&r, &["4. Surat Keterangan Pindah", "3 halaman"]);
    }
}

#[test]
fn control_characters_in_data_cannot_inject_commands() {
    let mut data = demo_receipt(Language::Id);
    // ESC p would kick a cash drawer; GS V would cut mid-receipt.
    data.kiosk_id = "ADM\u{1b}p\u{0}\u{19}\u{fa}-01\u{1d}V\u{0}".to_owned();
    let bytes = layout::receipt(&data, PaperWidth::Mm80);
    let r = interpret(&bytes, PaperWidth::Mm80).expect("still strictly valid");
    assert_eq!(r.cuts, 1);
    assert_lines(&r, &["Kios          : ADMp\u{fa}-01V"]);
}

#[test]
fn interpreter_is_strict() {
    // Cash drawer kick: not something a receipt may contain.
    let err = interpret(&[0x1b, b'@', 0x1b, b'p', 0, 25, 250], PaperWidth::Mm80).expect_err("unknown command");
    assert!(matches!(err, RenderError::UnknownCommand { offset: 2, .. }), "{err}");
    // Text that never gets a line feed would sit in the printer's buffer.
    assert!(matches!(interpret(b"abc", PaperWidth::Mm80), Err(RenderError::BadState { .. })));
    // Truncated raster image.
    assert!(matches!(
        interpret(&[0x1d, b'v', b'0', 0, 1, 0, 4, 0, 0xff], PaperWidth::Mm80),
        Err(RenderError::Truncated { .. })
    ));
    // Bytes above 0x7F without a code page that has them.
    assert!(matches!(interpret(b"caf\xe9\n", PaperWidth::Mm80), Err(RenderError::BadState { .. })));
    // QR model 1 is not what the layouts send.
    let model1 = [0x1d, b'(', b'k', 4, 0, 49, 65, 49, 0];
    assert!(matches!(interpret(&model1, PaperWidth::Mm80), Err(RenderError::BadParameter { .. })));
}

#[test]
fn samples_are_deterministic_and_named() {
    for kind in SampleKind::ALL {
        assert_eq!(sample(kind, PaperWidth::Mm80), sample(kind, PaperWidth::Mm80));
        assert_ne!(sample(kind, PaperWidth::Mm80), sample(kind, PaperWidth::Mm58));
        assert_eq!(kind.to_string().parse::<SampleKind>(), Ok(kind));
    }
    assert!("struk".parse::<samples::SampleKind>().is_err());
}
