//! What the citizen sees of an application: its status, timeline and the next step the
//! kiosk should offer, derived from the stored history and the catalogue.

use adm_central_client::api::{
    Application, ApplicationStatus, LocalizedText, NextStep, Pickup, PostalAddress, ServiceOutput, TimelineEntry,
};

use crate::catalogue::{self, Text, t};
use crate::db::applications::ApplicationRow;

/// An office where cards are collected.
pub struct Office {
    pub id: &'static str,
    pub name: &'static str,
    pub address: &'static str,
    pub hours: Text,
}

/// Opening hours as the districts' guides give them (Senin–Jumat, 08.00–16.00, closed on
/// holidays and collective leave days).
const OFFICE_HOURS: Text = t(
    "Senin s.d. Jumat, 08.00-16.00 WIB (hari libur dan cuti bersama tutup)",
    "Monday to Friday, 08:00-16:00 WIB (closed on public holidays and collective leave days)",
);

pub const OFFICES: &[Office] = &[
    Office {
        id: "kec-cibinong",
        name: "Kantor Kecamatan Cibinong",
        address: "JL. TEGAR BERIMAN NO. 1, KEC. CIBINONG, KAB. BOGOR",
        hours: OFFICE_HOURS,
    },
    Office {
        id: "kec-coblong",
        name: "Kantor Kecamatan Coblong",
        address: "JL. SANGKURIANG NO. 2, KEC. COBLONG, KOTA BANDUNG",
        hours: OFFICE_HOURS,
    },
];

/// Where paper requirements are posted.
pub const DINAS: (&str, &str) =
    ("Dinas Kependudukan dan Pencatatan Sipil Kabupaten Demo", "JL. PEMUDA NO. 1, KABUPATEN DEMO 16914");

const WAIT_VERIFY: Text = t(
    "Menunggu verifikasi petugas pada hari dan jam kerja",
    "Waiting for an officer to check it, on working days and hours",
);
const WAIT_PROCESS: Text = t("Disetujui, menunggu diproses petugas", "Approved, waiting to be processed");
const PICKUP_RECEIPT: Text = t("Kode pengajuan (bukti pengajuan)", "The application code (proof of application)");
const PICKUP_KK: Text = t("Kartu Keluarga asli", "The original Family Card");
const PICKUP_OLD_KTP: Text = t(
    "KTP-el lama atau surat keterangan kehilangan dari Kepolisian",
    "The old KTP-el, or the police report of its loss",
);

pub fn office(id: &str) -> Option<&'static Office> {
    OFFICES.iter().find(|o| o.id == id)
}

fn status_of(s: &str) -> Option<ApplicationStatus> {
    Some(match s {
        "BARU" => ApplicationStatus::Baru,
        "DISETUJUI" => ApplicationStatus::Disetujui,
        "DIPROSES" => ApplicationStatus::Diproses,
        "SELESAI" => ApplicationStatus::Selesai,
        "DIBATALKAN" => ApplicationStatus::Dibatalkan,
        _ => return None,
    })
}

/// The wire view of an application. `printable` keeps, of the documents it produced,
/// those the session may print now (AKTIF and the citizen's): a document replaced since
/// is never offered. None when the row is inconsistent (unknown service or status).
pub fn view(row: &ApplicationRow, printable: &dyn Fn(&str) -> bool) -> Option<Application> {
    let service = catalogue::service(&row.service_id)?;
    let timeline = row
        .events
        .iter()
        .map(|e| Some(TimelineEntry { status: status_of(&e.status)?, at: e.at.clone(), note: e.note.clone() }))
        .collect::<Option<Vec<_>>>()?;
    let last = timeline.last()?;
    let status = last.status;
    let next_step = match status {
        ApplicationStatus::Baru => wait(WAIT_VERIFY, None),
        ApplicationStatus::Disetujui if service.send_paper_files => NextStep::SendFiles {
            to: PostalAddress { name: DINAS.0.to_owned(), address: DINAS.1.to_owned() },
            checklist: service.requirements.iter().map(Text::wire).collect(),
        },
        ApplicationStatus::Disetujui => wait(WAIT_PROCESS, None),
        // The standard's promise, worded after the service's time.
        ApplicationStatus::Diproses => NextStep::Wait {
            promise: LocalizedText {
                id: format!("Paling lambat {}", service.duration.id),
                en: format!("Within {} at the latest", service.duration.en),
            },
            working_days: Some(service.working_days),
        },
        ApplicationStatus::Selesai => match service.output {
            ServiceOutput::Document => {
                NextStep::Print { document_ids: row.document_ids.iter().filter(|d| printable(d)).cloned().collect() }
            }
            ServiceOutput::Card => {
                let office = row.office_id.as_deref().and_then(office).or(OFFICES.first())?;
                let mut bring = vec![PICKUP_RECEIPT.wire(), PICKUP_KK.wire()];
                if service.id == "ktp-el" {
                    bring.push(PICKUP_OLD_KTP.wire());
                }
                NextStep::Pickup {
                    pickup: Pickup {
                        office: office.name.to_owned(),
                        address: office.address.to_owned(),
                        hours: office.hours.wire(),
                        bring,
                    },
                }
            }
        },
        ApplicationStatus::Dibatalkan => NextStep::Reapply { reason: last.note.clone().unwrap_or_default() },
    };
    Some(Application {
        id: row.id.clone(),
        code: row.code.clone(),
        service_id: service.id.to_owned(),
        service_title: service.title.wire(),
        status,
        timeline,
        next_step,
    })
}

fn wait(promise: Text, working_days: Option<u32>) -> NextStep {
    NextStep::Wait { promise: promise.wire(), working_days }
}
