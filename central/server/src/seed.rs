//! Demo data: fictional citizens, families and documents of every kind, with fixed
//! credentials published in `central/README.md`. NIKs follow `PP KK CC DDMMYY SSSS`
//! (women: day + 40); KK numbers are region (6) + date (6) + serial (4).

use rusqlite::Connection;

use crate::clock::Clock;
use crate::db::DbError;
use crate::db::admin::{Inserted, NewCitizen, insert_citizen};
use crate::db::notices;
use crate::documents::{self, NewDocument};
use crate::pki::Pki;
use crate::secrets;

/// The fixed demo notice: QR payload `https://<notice host>/n/DEMO_NOTICE_CODE`.
pub const DEMO_NOTICE_CODE: &str = "7QK3M9ZT4HX2WD8R";
pub const DEMO_NOTICE_PIN: &str = "482915";
/// Sign-ins the fixed demo notice allows, renewed at every start of a demo server: a demo
/// kiosk shows the same notice to every visitor. Notices an officer issues default to one.
pub const DEMO_NOTICE_USES: u32 = notices::MAX_USES;

/// `(nik, name, kk, sex, birth place, birth date, relation, pin)`
type CitizenSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const CITIZENS: &[CitizenSeed] = &[
    (
        "3201011505800001",
        "BUDI SANTOSO",
        "3201012003150001",
        "L",
        "BOGOR",
        "15-05-1980",
        "KEPALA KELUARGA",
        Some("123456"),
    ),
    ("3201016208830002", "SITI AMINAH", "3201012003150001", "P", "BANDUNG", "22-08-1983", "ISTRI", Some("654321")),
    ("3201010302120003", "RIZKY PRATAMA", "3201012003150001", "L", "BOGOR", "03-02-2012", "ANAK", None),
    (
        "3374024911750001",
        "DEWI LESTARI",
        "3374021107180004",
        "P",
        "SEMARANG",
        "09-11-1975",
        "KEPALA KELUARGA",
        Some("246810"),
    ),
    ("3374021707990002", "ANDI WIJAYA", "3374021107180004", "L", "SEMARANG", "17-07-1999", "ANAK", Some("112233")),
    (
        "3273017004920005",
        "RINA MARLINA",
        "3273010506200003",
        "P",
        "BANDUNG",
        "30-04-1992",
        "KEPALA KELUARGA",
        Some("975310"),
    ),
    (
        "3578010101900007",
        "JOKO SUSILO",
        "3578011203190009",
        "L",
        "SURABAYA",
        "01-01-1990",
        "KEPALA KELUARGA",
        Some("135790"),
    ),
];

/// argon2id hashes of the published demo PINs, with the production costs
/// (`secrets::PIN_HASH_*`), computed once: each costs ~0.1 s, and tests start a demo
/// server dozens of times. The PINs are public, so a fixed salt gives nothing away; PINs
/// set later (`reset-pin`, new notices) are hashed with a fresh salt as usual.
const DEMO_PIN_HASHES: &[(&str, &str)] = &[
    ("123456", "$argon2id$v=19$m=19456,t=2,p=1$nR2MocKor1sJ2yEx7hgUqg$VNNKhtRKAKGw6LNj5cWZ17fJASermJrQMoz/gPEkIqc"),
    ("654321", "$argon2id$v=19$m=19456,t=2,p=1$fZvxA+2KjPouI864MlMFLg$cWsOKv10Q99A9X1OhfiMjWfTsRoB+HLNjjLj/nORCqk"),
    ("246810", "$argon2id$v=19$m=19456,t=2,p=1$IaeUYYJh8p1t4dh88qqWlA$EVzGt6MGINviGr+JWBWhS4uypvChpH7Qjtgc6XCAH3g"),
    ("112233", "$argon2id$v=19$m=19456,t=2,p=1$J6Nmdw/zyxV/iMGngmmeMg$6P7r/sHOptGremnciqKZGc3JAiN5W9Vttelw9aM5YBI"),
    ("975310", "$argon2id$v=19$m=19456,t=2,p=1$WuJb0lMH1M5CSISaNZYapA$TydXJ1bfi/5Zcr/rnhf57onSh+0Y/UB4GZqDaWNdcuU"),
    ("135790", "$argon2id$v=19$m=19456,t=2,p=1$uUThPsOORVHwFaghMN0jxA$JsI+WQ6aMoVC/xCxvTkgMUmQOflIoyPE+vNUUs3cSC4"),
    ("482915", "$argon2id$v=19$m=19456,t=2,p=1$cTEyCWd98qaIvhComUW+SQ$Iss+0FNoaPUsiuX5YIXQ/lPp52G6kY6XcOMh4E0UAFU"),
];

fn demo_pin_hash(pin: &str) -> Result<String, secrets::RandomError> {
    match DEMO_PIN_HASHES.iter().find(|(p, _)| *p == pin) {
        Some((_, hash)) => Ok((*hash).to_owned()),
        None => secrets::hash_pin(pin),
    }
}

fn address(kk: &str) -> &'static str {
    match kk {
        "3201012003150001" => "JL. MELATI NO. 12 RT 003/RW 005, KEL. PAKANSARI, KEC. CIBINONG, KAB. BOGOR",
        "3374021107180004" => {
            "JL. PANDANARAN II NO. 7 RT 002/RW 001, KEL. MUGASSARI, KEC. SEMARANG SELATAN, KOTA SEMARANG"
        }
        "3273010506200003" => "JL. CIHAMPELAS NO. 88 RT 004/RW 002, KEL. CIPAGANTI, KEC. COBLONG, KOTA BANDUNG",
        _ => "JL. DARMO NO. 21 RT 001/RW 003, KEL. DARMO, KEC. WONOKROMO, KOTA SURABAYA",
    }
}

struct Doc {
    id: &'static str,
    kind: &'static str,
    number: &'static str,
    issued: &'static str,
    owner: &'static str,
    prints: u32,
    code: &'static str,
    active: bool,
    extra: &'static [(&'static str, &'static str)],
}

const DOCS: &[Doc] = &[
    Doc {
        id: "doc-demo-0001",
        kind: "kk",
        number: "3201012003150001",
        issued: "2024-03-20",
        owner: "3201011505800001",
        prints: 2,
        code: "3QF8ZK2M7T4WXN9A",
        active: true,
        extra: &[("Dikeluarkan Tanggal", "20-03-2024"), ("Jumlah Anggota Keluarga", "3")],
    },
    Doc {
        id: "doc-demo-0002",
        kind: "akta-kelahiran",
        number: "3201-LT-15051980-0137",
        issued: "2019-07-10",
        owner: "3201011505800001",
        prints: 3,
        code: "5R7TKQ2XHM9W4ZB8",
        active: true,
        extra: &[("Nama Ayah", "SUPARMAN"), ("Nama Ibu", "SUMIATI"), ("Anak Ke", "2 (DUA)")],
    },
    Doc {
        id: "doc-demo-0003",
        kind: "biodata",
        number: "3201/BIO/2024/004512",
        issued: "2024-05-02",
        owner: "3201011505800001",
        prints: 1,
        code: "9D3FH6KX2QW8MZ4T",
        active: true,
        extra: &[
            ("Agama", "ISLAM"),
            ("Pekerjaan", "KARYAWAN SWASTA"),
            ("Status Perkawinan", "KAWIN TERCATAT"),
            ("Golongan Darah", "O"),
        ],
    },
    Doc {
        id: "doc-demo-0004",
        kind: "kk",
        number: "3201011007100005",
        issued: "2010-07-10",
        owner: "3201011505800001",
        prints: 1,
        code: "8H2K6RZQ4V9MXT3C",
        active: false,
        extra: &[("Keterangan", "DIGANTI OLEH KK 3201012003150001")],
    },
    Doc {
        id: "doc-demo-0005",
        kind: "akta-kelahiran",
        number: "3273-LT-22081983-0452",
        issued: "2018-02-14",
        owner: "3201016208830002",
        prints: 2,
        code: "2W6ZK9TQ7HMX3RB5",
        active: true,
        extra: &[("Nama Ayah", "ASEP SUNANDAR"), ("Nama Ibu", "EUIS KARWATI"), ("Anak Ke", "1 (SATU)")],
    },
    Doc {
        id: "doc-demo-0006",
        kind: "akta-perkawinan",
        number: "3201-KW-12062008-0023",
        issued: "2008-06-12",
        owner: "3201016208830002",
        prints: 2,
        code: "7M4QZ2HX9KT6WB3D",
        active: true,
        extra: &[
            ("Nama Suami", "BUDI SANTOSO"),
            ("NIK Suami", "3201011505800001"),
            ("Tanggal Perkawinan", "12-06-2008"),
            ("Tempat Perkawinan", "BOGOR"),
        ],
    },
    Doc {
        id: "doc-demo-0007",
        kind: "akta-kelahiran",
        number: "3201-LT-03022012-0088",
        issued: "2012-03-01",
        owner: "3201010302120003",
        prints: 2,
        code: "4T8XQ3KZ6MW2HR9F",
        active: true,
        extra: &[("Nama Ayah", "BUDI SANTOSO"), ("Nama Ibu", "SITI AMINAH"), ("Anak Ke", "1 (SATU)")],
    },
    Doc {
        id: "doc-demo-0008",
        kind: "kk",
        number: "3374021107180004",
        issued: "2023-03-15",
        owner: "3374024911750001",
        prints: 2,
        code: "6B2MZ9XK4QT7HW3R",
        active: true,
        extra: &[("Dikeluarkan Tanggal", "15-03-2023"), ("Jumlah Anggota Keluarga", "2")],
    },
    Doc {
        id: "doc-demo-0009",
        kind: "akta-kematian",
        number: "3374-KM-02032023-0007",
        issued: "2023-03-09",
        owner: "3374024911750001",
        prints: 2,
        code: "8Z5KQ2WT9HX4MB6D",
        active: true,
        extra: &[
            ("Nama Almarhum", "HENDRA WIJAYA"),
            ("NIK Almarhum", "3374020303700003"),
            ("Tanggal Kematian", "02-03-2023"),
            ("Tempat Kematian", "SEMARANG"),
            ("Pelapor", "DEWI LESTARI (ISTRI)"),
        ],
    },
    Doc {
        id: "doc-demo-0010",
        kind: "skpwni",
        number: "SKPWNI/3374/15012025/0031",
        issued: "2025-01-15",
        owner: "3374021707990002",
        prints: 1,
        code: "3X9HT6QZ2KW8MR4B",
        active: true,
        extra: &[
            ("Alamat Tujuan", "JL. DAGO NO. 45, KOTA BANDUNG"),
            ("Alasan Pindah", "PEKERJAAN"),
            ("Jenis Kepindahan", "KEPALA KELUARGA"),
            ("Anggota Yang Pindah", "1 (SATU) ORANG"),
        ],
    },
    Doc {
        id: "doc-demo-0011",
        kind: "akta-kelahiran",
        number: "3273-LT-30041992-0219",
        issued: "2021-09-30",
        owner: "3273017004920005",
        prints: 3,
        code: "9K2XW6TQ4ZH8MD3R",
        active: true,
        extra: &[("Nama Ayah", "DADANG SURYADI"), ("Nama Ibu", "NENENG HASANAH"), ("Anak Ke", "3 (TIGA)")],
    },
    Doc {
        id: "doc-demo-0012",
        kind: "biodata",
        number: "3273/BIO/2025/000917",
        issued: "2025-02-03",
        owner: "3273017004920005",
        prints: 1,
        code: "5H8ZQ3XK7MW2TB4D",
        active: true,
        extra: &[
            ("Agama", "ISLAM"),
            ("Pekerjaan", "GURU"),
            ("Status Perkawinan", "BELUM KAWIN"),
            ("Golongan Darah", "A"),
        ],
    },
];

/// Why the demo data could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Issue(#[from] documents::IssueError),
    #[error(transparent)]
    Notice(#[from] notices::NoticeError),
    #[error(transparent)]
    Random(#[from] secrets::RandomError),
    #[error("citizen {0} already exists")]
    CitizenExists(String),
}

pub fn seed(conn: &Connection, pki: &Pki, notice_host: &str) -> Result<(), SeedError> {
    for &(nik, name, kk, sex, place, date, relation, pin) in CITIZENS {
        let citizen = NewCitizen {
            nik: nik.into(),
            name: name.into(),
            kk: kk.into(),
            sex: sex.into(),
            birth_place: place.into(),
            birth_date: date.into(),
            address: address(kk).into(),
            relation: relation.into(),
            pin: pin.map(Into::into),
        };
        let hash = pin.map(demo_pin_hash).transpose()?;
        if insert_citizen(conn, &citizen, hash.as_deref())? == Inserted::AlreadyExists {
            return Err(SeedError::CitizenExists(adm_text::mask::id_number(nik)));
        }
    }
    for d in DOCS {
        let doc = NewDocument {
            id: Some(d.id.into()),
            kind: d.kind.into(),
            number: d.number.into(),
            issued: d.issued.into(),
            owner_nik: d.owner.into(),
            prints_allowed: d.prints,
            verify_code: Some(d.code.into()),
            extra: d.extra.iter().map(|(l, v)| ((*l).into(), (*v).into())).collect(),
            active: d.active,
        };
        documents::issue(conn, pki, notice_host, &doc)?;
    }
    let pin_hash = demo_pin_hash(DEMO_NOTICE_PIN)?;
    let notice = notices::NewNotice {
        nik: "3273017004920005",
        code: DEMO_NOTICE_CODE,
        pin_hash: &pin_hash,
        valid_for: notices::max_validity(conn)?,
        uses: DEMO_NOTICE_USES,
        documents: &[],
    };
    notices::issue(conn, &notice, Clock::system().now_secs())?;
    crate::seed_applications::seed(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The precomputed hashes match their PINs and the costs new hashes get.
    #[test]
    fn precomputed_demo_pin_hashes_are_current() {
        let costs = format!(
            "$argon2id$v=19$m={},t={},p={}$",
            secrets::PIN_HASH_M_COST_KIB,
            secrets::PIN_HASH_T_COST,
            secrets::PIN_HASH_P_COST
        );
        // The unknown-NIK dummy costs what a real hash costs (equal answer times).
        assert!(secrets::DUMMY_PIN_HASH.starts_with(&costs), "{}", secrets::DUMMY_PIN_HASH);
        assert!(!secrets::verify_pin("00000000", secrets::DUMMY_PIN_HASH));
        let pins = CITIZENS.iter().filter_map(|c| c.7).chain([DEMO_NOTICE_PIN]);
        for pin in pins {
            let hash = demo_pin_hash(pin).unwrap();
            assert!(hash.starts_with(&costs), "{pin}: {hash}");
            assert!(secrets::verify_pin(pin, &hash), "{pin}");
        }
    }
}
