//! The services and their texts.

use adm_central_client::api::ServiceOutput;

use super::{Text, t};

pub struct ServiceDef {
    pub id: &'static str,
    pub title: Text,
    pub requirements: &'static [Text],
    pub procedure: &'static [Text],
    pub working_days: u32,
    pub duration: Text,
    pub fee: Text,
    pub fee_rupiah: u64,
    pub send_paper_files: bool,
    pub output: ServiceOutput,
    /// Ids of the blank forms (`super::FORMS`).
    pub forms: &'static [&'static str],
}

const ONE_DAY: Text = t("1 hari kerja", "1 working day");
const FREE: Text = t("Tidak dipungut biaya (Gratis)", "No fee (free of charge)");

pub const SERVICES: &[ServiceDef] = &[
    ServiceDef {
        id: "kk-baru",
        title: t("Kartu Keluarga (KK) Baru", "New Family Card (KK)"),
        requirements: &[
            t(
                "Copy surat nikah legalisir/kutipan akta perkawinan atau kutipan akta perceraian (bagi yang sudah menikah)",
                "Legalised copy of the marriage certificate, or of the marriage or divorce deed (if married)",
            ),
            t("Fotokopi Akta Kelahiran dan Ijazah", "Photocopy of the birth certificate and of the school diploma"),
            t(
                "Surat Keterangan Pindah/Surat Keterangan Pindah Datang bagi penduduk yang pindah dalam wilayah Negara Kesatuan Republik Indonesia",
                "Moving certificate (Surat Keterangan Pindah / Pindah Datang) for residents who moved within Indonesia",
            ),
            t(
                "Surat Keterangan Pindah Luar Negeri yang diterbitkan oleh Disdukcapil Kabupaten/Kota bagi WNI yang datang dari luar negeri karena pindah",
                "Certificate of moving from abroad issued by the district Disdukcapil, for citizens who moved back from abroad",
            ),
            t("Kartu Izin Tinggal Tetap (KITAP) bagi orang asing", "Permanent stay permit (KITAP), for foreigners"),
            t(
                "Surat keterangan pengganti tanda identitas bagi Penduduk rentan Administrasi Kependudukan",
                "Substitute identity letter, for residents vulnerable in civil administration",
            ),
        ],
        procedure: &[
            t(
                "Pemohon masuk (login) pada aplikasi layanan daring Dukcapil",
                "The applicant signs in to Dukcapil's online service application",
            ),
            t(
                "Pemohon mengunggah berkas-berkas persyaratan dan memilih pencetakan dokumen secara mandiri atau cetak di Dinas Kependudukan dan Pencatatan Sipil",
                "The applicant uploads the required files and chooses to print the document themselves or have it printed at the Dinas",
            ),
            t(
                "Berkas persyaratan yang sudah lengkap diverifikasi dan diinput oleh Front Office (FO) Dinas pada aplikasi SIAK",
                "Complete files are verified and entered into SIAK by the Dinas front office",
            ),
            t(
                "Berkas diteliti oleh Kasi Pelayanan Pendaftaran Penduduk atau validator; berkas yang memenuhi syarat dikirim ke Dinas melalui PT. Pos Indonesia, berkas yang belum memenuhi syarat dikembalikan untuk dilengkapi",
                "A section head or validator examines the files; if they qualify the applicant posts the paper files to the Dinas, otherwise they are returned to be completed",
            ),
            t(
                "Front Office Dinas mengajukan Sertifikasi Elektronik Kartu Keluarga pada aplikasi SIAK",
                "The front office requests the electronic certification of the Family Card in SIAK",
            ),
            t(
                "Pejabat Disdukcapil yang ditunjuk memvalidasi draft Kartu Keluarga pada aplikasi SIAK",
                "The appointed Disdukcapil official validates the draft Family Card in SIAK",
            ),
            t(
                "Kepala Dinas melakukan Tanda Tangan Elektronik (TTE) pada KK; TTE dikirim melalui SIAK ke BSrE untuk persetujuan",
                "The head of the Dinas signs the KK electronically (TTE); the signature goes through SIAK to BSrE for approval",
            ),
            t(
                "KK yang sudah tersertifikasi dicetak di Dinas atau oleh pemohon secara mandiri (ADM atau rumah) pada kertas HVS A4 80 gram",
                "The certified KK is printed at the Dinas or by the applicant (at an ADM kiosk or at home) on A4 80 g paper",
            ),
        ],
        working_days: 1,
        duration: ONE_DAY,
        fee: FREE,
        fee_rupiah: 0,
        send_paper_files: true,
        output: ServiceOutput::Document,
        forms: &["form-f-1-01", "form-f-1-02"],
    },
    ServiceDef {
        id: "akta-kelahiran",
        title: t("Akta Kelahiran", "Birth Certificate"),
        requirements: &[
            t(
                "Surat keterangan kelahiran dari rumah sakit, puskesmas, bidan atau kepala desa/lurah",
                "Birth statement from the hospital, health centre, midwife or village head",
            ),
            t("Kartu Keluarga orang tua", "The parents' Family Card"),
            t("KTP-el kedua orang tua", "Both parents' electronic ID cards (KTP-el)"),
            t(
                "Buku nikah/kutipan akta perkawinan orang tua (bagi yang sudah menikah)",
                "The parents' marriage book or marriage deed (if married)",
            ),
            t("Formulir F-2.01 yang sudah diisi dan ditandatangani", "Form F-2.01, filled in and signed"),
        ],
        procedure: &[
            t(
                "Pemohon mengisi formulir dan mengunggah persyaratan",
                "The applicant fills in the form and uploads the requirements",
            ),
            t("Petugas memverifikasi berkas", "An officer verifies the files"),
            t(
                "Akta diterbitkan dengan Tanda Tangan Elektronik dan dapat dicetak mandiri",
                "The certificate is issued with an electronic signature and can be printed by the applicant",
            ),
        ],
        working_days: 1,
        duration: ONE_DAY,
        fee: FREE,
        fee_rupiah: 0,
        send_paper_files: false,
        output: ServiceOutput::Document,
        forms: &["form-f-2-01"],
    },
    ServiceDef {
        id: "akta-kematian",
        title: t("Akta Kematian", "Death Certificate"),
        requirements: &[
            t(
                "Surat keterangan kematian dari rumah sakit, puskesmas atau kepala desa/lurah",
                "Death statement from the hospital, health centre or village head",
            ),
            t("Kartu Keluarga dan KTP-el almarhum/almarhumah", "Family Card and KTP-el of the deceased"),
            t("KTP-el pelapor", "KTP-el of the person reporting"),
            t("Formulir F-2.01 yang sudah diisi dan ditandatangani", "Form F-2.01, filled in and signed"),
        ],
        procedure: &[
            t(
                "Pelapor mengisi formulir dan mengunggah persyaratan",
                "The person reporting fills in the form and uploads the requirements",
            ),
            t("Petugas memverifikasi berkas", "An officer verifies the files"),
            t(
                "Akta diterbitkan dengan Tanda Tangan Elektronik, KK diperbarui",
                "The certificate is issued with an electronic signature and the Family Card is updated",
            ),
        ],
        working_days: 1,
        duration: ONE_DAY,
        fee: FREE,
        fee_rupiah: 0,
        send_paper_files: false,
        output: ServiceOutput::Document,
        forms: &["form-f-2-01"],
    },
    ServiceDef {
        id: "pindah",
        title: t("Surat Keterangan Pindah WNI (SKPWNI)", "Moving Certificate for Indonesian Citizens (SKPWNI)"),
        requirements: &[
            t("Kartu Keluarga", "Family Card"),
            t("KTP-el pemohon", "The applicant's KTP-el"),
            t("Formulir F-1.03 yang sudah diisi dan ditandatangani", "Form F-1.03, filled in and signed"),
        ],
        procedure: &[
            t(
                "Pemohon mengisi formulir dan mengunggah persyaratan",
                "The applicant fills in the form and uploads the requirements",
            ),
            t("Petugas memverifikasi berkas", "An officer verifies the files"),
            t(
                "SKPWNI diterbitkan dengan Tanda Tangan Elektronik dan dapat dicetak mandiri",
                "The SKPWNI is issued with an electronic signature and can be printed by the applicant",
            ),
        ],
        working_days: 1,
        duration: ONE_DAY,
        fee: FREE,
        fee_rupiah: 0,
        send_paper_files: false,
        output: ServiceOutput::Document,
        forms: &["form-f-1-03"],
    },
    ServiceDef {
        id: "ktp-el",
        title: t(
            "Penggantian KTP-el (rusak, hilang, perubahan data)",
            "Replacement KTP-el (damaged, lost, changed data)",
        ),
        requirements: &[
            t("Kartu Keluarga", "Family Card"),
            t("KTP-el yang rusak (bagi KTP-el rusak)", "The damaged KTP-el (if damaged)"),
            t(
                "Surat keterangan kehilangan dari Kepolisian (bagi KTP-el hilang)",
                "Police report of the loss (if lost)",
            ),
        ],
        procedure: &[
            t(
                "Pemohon mengajukan permohonan dan mengunggah persyaratan",
                "The applicant applies and uploads the requirements",
            ),
            t(
                "Petugas memverifikasi berkas dan mencetak KTP-el",
                "An officer verifies the files and prints the KTP-el",
            ),
            t(
                "Pemohon mengambil KTP-el di kantor kecamatan sesuai domisili",
                "The applicant collects the KTP-el at the sub-district office of their domicile",
            ),
        ],
        working_days: 1,
        duration: ONE_DAY,
        fee: FREE,
        fee_rupiah: 0,
        send_paper_files: false,
        output: ServiceOutput::Card,
        forms: &[],
    },
    ServiceDef {
        id: "kia",
        title: t("Kartu Identitas Anak (KIA)", "Child Identity Card (KIA)"),
        requirements: &[
            t("Kutipan akta kelahiran anak", "The child's birth certificate"),
            t("Kartu Keluarga orang tua", "The parents' Family Card"),
            t("KTP-el kedua orang tua", "Both parents' KTP-el"),
            t(
                "Pas foto anak berwarna ukuran 2x3 (bagi anak usia 5 tahun ke atas)",
                "Colour photo of the child, 2x3 cm (children aged 5 and over)",
            ),
        ],
        procedure: &[
            t(
                "Orang tua mengajukan permohonan dan mengunggah persyaratan",
                "A parent applies and uploads the requirements",
            ),
            t("Petugas memverifikasi berkas dan mencetak KIA", "An officer verifies the files and prints the KIA"),
            t(
                "KIA diambil di kantor kecamatan sesuai domisili",
                "The KIA is collected at the sub-district office of the domicile",
            ),
        ],
        working_days: 1,
        duration: ONE_DAY,
        fee: FREE,
        fee_rupiah: 0,
        send_paper_files: false,
        output: ServiceOutput::Card,
        forms: &[],
    },
];
