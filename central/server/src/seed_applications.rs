//! Demo applications ("pengajuan") of the demo citizens, in every status the guides name,
//! so the kiosk's "Status pengajuan" has something to show for each next step. BUDI
//! SANTOSO alone has one of each: Baru, Disetujui (post the paper files), Diproses,
//! Selesai with a printable KK, Selesai with a KTP-el to collect, Dibatalkan.

use rusqlite::Connection;

use crate::db::DbError;
use crate::db::applications::{NewApplication, insert};

type Event = (&'static str, &'static str, Option<&'static str>);

struct Seed {
    id: &'static str,
    code: &'static str,
    nik: &'static str,
    service: &'static str,
    office: Option<&'static str>,
    events: &'static [Event],
    documents: &'static [&'static str],
}

const BUDI: &str = "3201011505800001";

const SEEDS: &[Seed] = &[
    Seed {
        id: "app-demo-0001",
        code: "PGJ-2024-0318-0001",
        nik: BUDI,
        service: "kk-baru",
        office: None,
        events: &[
            ("BARU", "2024-03-18T08:30:00+07:00", None),
            ("DISETUJUI", "2024-03-18T10:05:00+07:00", None),
            ("DIPROSES", "2024-03-19T09:00:00+07:00", Some("Berkas fisik persyaratan sudah diterima")),
            ("SELESAI", "2024-03-20T11:40:00+07:00", Some("KK sudah ditandatangani secara elektronik (TTE)")),
        ],
        documents: &["doc-demo-0001"],
    },
    Seed {
        id: "app-demo-0002",
        code: "PGJ-2025-0106-0014",
        nik: BUDI,
        service: "ktp-el",
        office: Some("kec-cibinong"),
        events: &[
            ("BARU", "2025-01-06T07:55:00+07:00", None),
            ("DISETUJUI", "2025-01-06T09:10:00+07:00", None),
            ("DIPROSES", "2025-01-06T13:20:00+07:00", None),
            ("SELESAI", "2025-01-07T10:00:00+07:00", Some("KTP-el sudah dicetak dan dapat diambil")),
        ],
        documents: &[],
    },
    Seed {
        id: "app-demo-0003",
        code: "PGJ-2025-0203-0022",
        nik: BUDI,
        service: "kia",
        office: Some("kec-cibinong"),
        events: &[
            ("BARU", "2025-02-03T08:12:00+07:00", None),
            ("DISETUJUI", "2025-02-03T09:40:00+07:00", None),
            ("DIPROSES", "2025-02-03T14:05:00+07:00", None),
        ],
        documents: &[],
    },
    Seed {
        id: "app-demo-0004",
        code: "PGJ-2025-0204-0031",
        nik: BUDI,
        service: "kk-baru",
        office: None,
        events: &[
            ("BARU", "2025-02-04T10:15:00+07:00", None),
            ("DISETUJUI", "2025-02-04T13:30:00+07:00", Some("Silakan kirim berkas fisik persyaratan")),
        ],
        documents: &[],
    },
    Seed {
        id: "app-demo-0005",
        code: "PGJ-2025-0205-0007",
        nik: BUDI,
        service: "pindah",
        office: None,
        events: &[("BARU", "2025-02-05T09:00:00+07:00", None)],
        documents: &[],
    },
    Seed {
        id: "app-demo-0006",
        code: "PGJ-2025-0120-0003",
        nik: BUDI,
        service: "akta-kelahiran",
        office: None,
        events: &[
            ("BARU", "2025-01-20T08:45:00+07:00", None),
            (
                "DIBATALKAN",
                "2025-01-20T11:30:00+07:00",
                Some(
                    "Foto surat keterangan kelahiran tidak terbaca (blur). Silakan ajukan kembali dengan foto dokumen asli yang jelas.",
                ),
            ),
        ],
        documents: &[],
    },
    Seed {
        id: "app-demo-0007",
        code: "PGJ-2018-0212-0040",
        nik: "3201016208830002",
        service: "akta-kelahiran",
        office: None,
        events: &[
            ("BARU", "2018-02-12T09:00:00+07:00", None),
            ("DISETUJUI", "2018-02-12T11:00:00+07:00", None),
            ("DIPROSES", "2018-02-13T08:30:00+07:00", None),
            ("SELESAI", "2018-02-14T10:00:00+07:00", None),
        ],
        documents: &["doc-demo-0005"],
    },
    Seed {
        id: "app-demo-0008",
        code: "PGJ-2023-0306-0011",
        nik: "3374024911750001",
        service: "akta-kematian",
        office: None,
        events: &[
            ("BARU", "2023-03-06T08:00:00+07:00", None),
            ("DISETUJUI", "2023-03-06T10:00:00+07:00", None),
            ("DIPROSES", "2023-03-08T09:00:00+07:00", None),
            ("SELESAI", "2023-03-09T10:30:00+07:00", None),
        ],
        documents: &["doc-demo-0009"],
    },
    Seed {
        id: "app-demo-0009",
        code: "PGJ-2025-0113-0019",
        nik: "3374021707990002",
        service: "pindah",
        office: None,
        events: &[
            ("BARU", "2025-01-13T08:20:00+07:00", None),
            ("DISETUJUI", "2025-01-13T10:00:00+07:00", None),
            ("DIPROSES", "2025-01-14T09:00:00+07:00", None),
            ("SELESAI", "2025-01-15T09:30:00+07:00", None),
        ],
        documents: &["doc-demo-0010"],
    },
    Seed {
        id: "app-demo-0010",
        code: "PGJ-2025-0210-0027",
        nik: "3273017004920005",
        service: "ktp-el",
        office: Some("kec-coblong"),
        events: &[
            ("BARU", "2025-02-10T08:00:00+07:00", None),
            ("DISETUJUI", "2025-02-10T09:30:00+07:00", None),
            ("DIPROSES", "2025-02-10T13:00:00+07:00", None),
        ],
        documents: &[],
    },
    Seed {
        id: "app-demo-0011",
        code: "PGJ-2025-0115-0002",
        nik: "3578010101900007",
        service: "kk-baru",
        office: None,
        events: &[
            ("BARU", "2025-01-15T08:10:00+07:00", None),
            (
                "DIBATALKAN",
                "2025-01-15T13:00:00+07:00",
                Some(
                    "Kutipan akta perkawinan belum dilegalisir. Silakan ajukan kembali dengan salinan yang dilegalisir.",
                ),
            ),
        ],
        documents: &[],
    },
];

pub fn seed(conn: &Connection) -> Result<(), DbError> {
    for s in SEEDS {
        let a = NewApplication {
            id: s.id,
            code: s.code,
            nik: s.nik,
            service_id: s.service,
            office_id: s.office,
            events: s.events,
            document_ids: s.documents,
        };
        insert(conn, &a)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every seed names a catalogue service, known statuses and, if any, a known office.
    #[test]
    fn seeds_are_consistent_and_cover_every_status() {
        for s in SEEDS {
            assert!(crate::catalogue::service(s.service).is_some(), "{}", s.id);
            assert!(s.office.is_none_or(|o| crate::applications::office(o).is_some()), "{}", s.id);
        }
        for status in ["BARU", "DISETUJUI", "DIPROSES", "SELESAI", "DIBATALKAN"] {
            let last = |s: &&Seed| s.nik == BUDI && s.events.last().is_some_and(|e| e.0 == status);
            assert!(SEEDS.iter().any(|s| last(&s)), "BUDI has an application that is {status}");
        }
    }
}
