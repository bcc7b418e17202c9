//! The blank forms a service may ask for, named as in Permendagri 109/2019 (the forms and
//! books of civil administration): printed on A4 and filled in by hand, as the districts'
//! guides say ("harus didownload terlebih dahulu, kemudian dicetak, dan diisi").

use super::{Text, t};

pub struct Form {
    pub id: &'static str,
    /// The form's code, e.g. `F-1.01`.
    pub code: &'static str,
    pub title: Text,
    /// Labels of the fields to fill in, one line each.
    pub fields: &'static [&'static str],
}

const APPLICANT: &[&str] =
    &["Nama Lengkap Pemohon", "NIK Pemohon", "Nomor Kartu Keluarga", "Alamat", "Nomor HP/WhatsApp"];

pub const FORMS: &[Form] = &[
    Form {
        id: "form-f-1-01",
        code: "F-1.01",
        title: t("Formulir Biodata Keluarga", "Family Biodata Form"),
        fields: &[
            "Nama Kepala Keluarga",
            "Alamat",
            "RT / RW",
            "Desa/Kelurahan",
            "Kecamatan",
            "Kabupaten/Kota",
            "Nama Anggota Keluarga 1",
            "Nama Anggota Keluarga 2",
            "Nama Anggota Keluarga 3",
            "Nama Anggota Keluarga 4",
        ],
    },
    Form {
        id: "form-f-1-02",
        code: "F-1.02",
        title: t("Formulir Pendaftaran Peristiwa Kependudukan", "Population Event Registration Form"),
        fields: APPLICANT,
    },
    Form {
        id: "form-f-1-03",
        code: "F-1.03",
        title: t("Formulir Pendaftaran Perpindahan Penduduk", "Resident Relocation Registration Form"),
        fields: &[
            "Nama Lengkap Pemohon",
            "NIK Pemohon",
            "Nomor Kartu Keluarga",
            "Alamat Asal",
            "Alamat Tujuan",
            "Alasan Pindah",
            "Jenis Kepindahan",
            "Anggota Keluarga yang Pindah",
        ],
    },
    Form {
        id: "form-f-2-01",
        code: "F-2.01",
        title: t(
            "Formulir Pelaporan Pencatatan Sipil di Dalam Wilayah NKRI",
            "Civil Registration Report Form (within Indonesia)",
        ),
        fields: &[
            "Nama Pelapor",
            "NIK Pelapor",
            "Nomor Kartu Keluarga",
            "Jenis Peristiwa",
            "Nama Subjek Akta",
            "Tanggal Peristiwa",
            "Tempat Peristiwa",
            "Nama Saksi 1",
            "Nama Saksi 2",
        ],
    },
];
