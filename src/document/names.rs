//! Names of document kinds for printed output (receipts). On screen, the UI owns the
//! translated names (`Kiosk.kind-name` in `ui/globals.slint`); paper cannot go through
//! Slint's translation, so the receipt keeps this small bilingual table.

use crate::central::DocKind;
use crate::session::Language;

pub fn printed_name(kind: DocKind, language: Language) -> &'static str {
    let (id, en) = match kind {
        DocKind::KartuKeluarga => ("Kartu Keluarga", "Family Card"),
        DocKind::AktaKelahiran => ("Akta Kelahiran", "Birth Certificate"),
        DocKind::AktaKematian => ("Akta Kematian", "Death Certificate"),
        DocKind::AktaPerkawinan => ("Akta Perkawinan", "Marriage Certificate"),
        DocKind::AktaPerceraian => ("Akta Perceraian", "Divorce Certificate"),
        DocKind::Skpwni => ("SKPWNI (Surat Pindah)", "Certificate of Moving"),
        DocKind::Biodata => ("Biodata Penduduk", "Resident Biodata"),
        DocKind::Other => ("Dokumen Kependudukan", "Population Document"),
    };
    language.pick(id, en)
}
