//! Sample printouts with fictional demo data, for `adm-kiosk receipt-sample` and the tests.

use std::fmt;
use std::str::FromStr;

use crate::layout::{self, AddressLabelData, PickupSlipData, TestPageData};
use crate::{Language, PaperWidth, ReceiptData, ReceiptItem};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    Receipt,
    Pickup,
    Label,
    Test,
}

impl SampleKind {
    pub const ALL: [SampleKind; 4] = [SampleKind::Receipt, SampleKind::Pickup, SampleKind::Label, SampleKind::Test];

    pub fn name(self) -> &'static str {
        match self {
            SampleKind::Receipt => "receipt",
            SampleKind::Pickup => "pickup",
            SampleKind::Label => "label",
            SampleKind::Test => "test",
        }
    }
}

impl fmt::Display for SampleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sample kind {0:?} (expected receipt, pickup, label or test)")]
pub struct UnknownSampleKind(pub String);

impl FromStr for SampleKind {
    type Err = UnknownSampleKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SampleKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownSampleKind(s.to_owned()))
    }
}

/// The exact ESC/POS bytes the kiosk would send for a sample of `kind` (native QR).
pub fn sample(kind: SampleKind, width: PaperWidth) -> Vec<u8> {
    match kind {
        SampleKind::Receipt => layout::receipt(&demo_receipt(Language::Id), width),
        SampleKind::Pickup => layout::pickup_slip(&demo_pickup(Language::Id), width),
        SampleKind::Label => layout::address_label(&demo_label(Language::Id), width),
        SampleKind::Test => layout::test_page(&demo_test_page(Language::Id), width),
    }
}

/// Fictional receipt: two documents printed, one not (the A4 printer ran out of paper).
pub fn demo_receipt(lang: Language) -> ReceiptData {
    ReceiptData {
        lang,
        kiosk_id: "ADM-3299-01".to_owned(),
        site: "Disdukcapil Kabupaten Contoh (MPP Lantai 2)".to_owned(),
        printed_at: "12-05-2025 10:42 WIB".to_owned(),
        transaction_id: "TRX-20250512-0042".to_owned(),
        masked_nik: "3299**********07".to_owned(),
        items: vec![
            ReceiptItem {
                title: lang.pick("Kartu Keluarga", "Family Card (Kartu Keluarga)").to_owned(),
                number: "3299010101250001".to_owned(),
                pages: 1,
                printed: true,
            },
            ReceiptItem {
                title: lang.pick("Akta Kelahiran", "Birth Certificate").to_owned(),
                number: "3299-LT-12052025-0007".to_owned(),
                pages: 2,
                printed: true,
            },
            ReceiptItem {
                title: lang.pick("Akta Perkawinan", "Marriage Certificate").to_owned(),
                number: "3299-KW-01022025-0003".to_owned(),
                pages: 1,
                printed: false,
            },
        ],
        qr_payload: "https://verifikasi.adm.example/t/TRX-20250512-0042".to_owned(),
        note: Some(
            lang.pick(
                "Dokumen sah tanpa cap basah: keaslian dapat dicek dengan memindai QR pada dokumen.",
                "Documents are valid without a wet stamp: check them by scanning the QR on each document.",
            )
            .to_owned(),
        ),
    }
}

pub fn demo_pickup(lang: Language) -> PickupSlipData {
    PickupSlipData {
        lang,
        kiosk_id: "ADM-3299-01".to_owned(),
        site: "Disdukcapil Kabupaten Contoh (MPP Lantai 2)".to_owned(),
        printed_at: "12-05-2025 10:45 WIB".to_owned(),
        document: "KTP-el".to_owned(),
        application_code: "KTP-2505-00731".to_owned(),
        masked_nik: "3299**********07".to_owned(),
        pickup_place: "Loket 3, Kantor Disdukcapil Kabupaten Contoh, Jl. Merdeka No. 10".to_owned(),
        pickup_time: lang
            .pick("Mulai 19-05-2025, Senin-Jumat 08.00-15.00 WIB", "From 19-05-2025, Mon-Fri 08:00-15:00 WIB")
            .to_owned(),
        qr_payload: "https://verifikasi.adm.example/p/KTP-2505-00731".to_owned(),
        bring: vec![lang.pick("Kode pengajuan", "The application code").to_owned()],
        note: None,
    }
}

pub fn demo_label(lang: Language) -> AddressLabelData {
    AddressLabelData {
        lang,
        application_code: "KK-2505-01288".to_owned(),
        recipient: "Siti Rahayu Pérez".to_owned(),
        address_lines: vec![
            "Jl. Melati No. 5, RT 002/RW 004".to_owned(),
            "Kel. Sukamaju, Kec. Contoh Barat".to_owned(),
            "Kabupaten Contoh 99999".to_owned(),
        ],
        sender: "Disdukcapil Kabupaten Contoh, Jl. Merdeka No. 10".to_owned(),
        printed_at: "12-05-2025 10:47 WIB".to_owned(),
        qr_payload: "KK-2505-01288".to_owned(),
        checklist: vec![lang.pick("Formulir F-1.01", "Form F-1.01").to_owned()],
    }
}

pub fn demo_test_page(lang: Language) -> TestPageData {
    TestPageData {
        lang,
        kiosk_id: "ADM-3299-01".to_owned(),
        site: "Disdukcapil Kabupaten Contoh (MPP Lantai 2)".to_owned(),
        printed_at: "12-05-2025 07:30 WIB".to_owned(),
        model: "TM-T20III (simulated)".to_owned(),
        firmware: "1.00 ESC/POS".to_owned(),
        counters: vec![
            (lang.pick("Struk dicetak", "Receipts printed").to_owned(), "1284".to_owned()),
            (lang.pick("Kertas habis", "Paper out").to_owned(), "3".to_owned()),
            (lang.pick("Sambung ulang", "Reconnects").to_owned(), "1".to_owned()),
        ],
        qr_payload: "ADM-3299-01 TEST".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_by_name() {
        for kind in SampleKind::ALL {
            assert_eq!(kind.name().parse::<SampleKind>(), Ok(kind));
        }
        assert_eq!(" Receipt ".parse::<SampleKind>(), Ok(SampleKind::Receipt));
        assert!("invoice".parse::<SampleKind>().is_err());
    }
}
