//! "Daftar layanan" (issue #19): the service catalogue without sign-in, its requirement
//! checklist on the receipt printer, its guide and forms on A4.

use super::*;
use crate::central::{Localized, Service, ServiceFile, ServiceFileKind};
use crate::session::{ChecklistRequest, FilesOutcome, ServiceDesk, SlipOutcome};

fn l(id: &str, en: &str) -> Localized {
    Localized { id: id.into(), en: en.into() }
}

fn kk_baru() -> Service {
    Service {
        id: "kk-baru".into(),
        title: l("Kartu Keluarga (KK) Baru", "New Family Card (KK)"),
        requirements: vec![
            l("Fotokopi Akta Kelahiran dan Ijazah", "Photocopy of the birth certificate and of the school diploma"),
            l("Kartu Izin Tinggal Tetap (KITAP) bagi orang asing", "Permanent stay permit (KITAP), for foreigners"),
        ],
        procedure: vec![l("Pemohon masuk (login)", "The applicant signs in")],
        duration: l("1 hari kerja", "1 working day"),
        fee: l("Tidak dipungut biaya (Gratis)", "No fee (free of charge)"),
        files: vec![ServiceFile {
            id: "kk-baru-petunjuk".into(),
            kind: ServiceFileKind::Guide,
            title: l("Petunjuk layanan", "Service guide"),
            pages: 2,
            sha256: "00".repeat(32),
            size: 1000,
        }],
    }
}

fn no_files() -> Service {
    Service {
        id: "kia".into(),
        title: l("Kartu Identitas Anak (KIA)", "Child Identity Card (KIA)"),
        files: vec![],
        ..kk_baru()
    }
}

pub(super) fn loading_services() -> J {
    let mut j = J::new();
    j.ev(Event::OpenServices);
    j
}
pub(super) fn services() -> J {
    let mut j = loading_services();
    let s = j.sid();
    j.ev(Event::ServicesListed { session: s, result: Ok(vec![kk_baru(), no_files()]) });
    j
}
pub(super) fn service(i: usize) -> J {
    let mut j = services();
    j.ev(Event::OpenService(i));
    j
}
fn desk(j: &J) -> &ServiceDesk {
    match j.state() {
        State::Services { desk } => desk,
        other => panic!("not the catalogue: {other:?}"),
    }
}
fn printing_files() -> J {
    let mut j = service(0);
    j.ev(Event::PrintServiceFiles);
    j
}

#[test]
fn the_catalogue_opens_from_attract_as_a_session_of_its_own_without_sign_in() {
    let j = loading_services();
    assert_eq!(*j.state(), State::LoadingServices);
    assert_eq!(j.sid(), 1);
    assert!(j.has(|c| matches!(c, Command::Audit(AuditEvent::SessionStarted { session: 1 }))));
    assert!(j.has(|c| matches!(c, Command::ListServices { session: 1 })));
    assert!(!j.has(|c| matches!(c, Command::SignInNik { .. } | Command::ListDocuments { .. })));
    let j = services();
    let d = desk(&j);
    assert_eq!(
        (d.services.len(), d.open, d.checklist, d.files),
        (2, None, SlipOutcome::NotAsked, FilesOutcome::NotAsked)
    );
}

#[test]
fn the_catalogue_needs_no_printer_but_not_while_out_of_service() {
    let mut j = J::new();
    j.ev(Event::Availability(Availability::PrinterUnavailable)).ev(Event::OpenServices);
    assert_eq!(*j.state(), State::LoadingServices, "requirements can be read without the printer");
    let mut j = J::new();
    j.ev(Event::Availability(Availability::OutOfService)).ev(Event::OpenServices);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.out.is_empty());
}

#[test]
fn an_answer_for_another_session_is_dropped_and_a_failure_has_its_screen() {
    let mut j = loading_services();
    let s = j.sid();
    j.ev(Event::ServicesListed { session: s + 1, result: Ok(vec![kk_baru()]) });
    assert_eq!(*j.state(), State::LoadingServices);
    j.ev(Event::ServicesListed { session: s, result: Err(Failure::Unreachable) });
    assert_eq!(*j.state(), State::Failure { failure: Failure::Unreachable });
    assert!(!j.has(|c| matches!(c, Command::EndSession { token: Some(_) })), "nobody to sign out");
    j.ev(Event::Finish);
    assert_eq!(*j.state(), State::Attract);
}

#[test]
fn a_service_opens_and_back_returns_to_the_list_then_leaves() {
    let mut j = services();
    j.ev(Event::OpenService(7));
    assert_eq!(desk(&j).open, None, "no such service");
    j.ev(Event::OpenService(0));
    assert_eq!(desk(&j).open, Some(0));
    j.ev(Event::OpenService(1));
    assert_eq!(desk(&j).open, Some(0), "one at a time: the list is not on screen");
    j.ev(Event::Back);
    assert_eq!(desk(&j).open, None);
    j.ev(Event::Back);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.ended(EndReason::Cancelled));
    assert!(j.has(|c| matches!(c, Command::EndSession { token: None })));
}

#[test]
fn done_ends_the_session_with_the_goodbye_screen() {
    let mut j = service(0);
    j.ev(Event::Finish);
    assert_eq!(*j.state(), State::Goodbye);
    assert!(j.ended(EndReason::Completed));
}

#[test]
fn the_checklist_is_the_open_service_in_the_session_language() {
    let mut j = service(0);
    let s = j.sid();
    j.ev(Event::PrintChecklist);
    let expected = ChecklistRequest {
        language: Language::Id,
        service: "Kartu Keluarga (KK) Baru".into(),
        requirements: vec![
            "Fotokopi Akta Kelahiran dan Ijazah".into(),
            "Kartu Izin Tinggal Tetap (KITAP) bagi orang asing".into(),
        ],
        duration: "1 hari kerja".into(),
        fee: "Tidak dipungut biaya (Gratis)".into(),
    };
    assert!(j.has(
        |c| matches!(c, Command::PrintChecklist { session, checklist } if *session == s && *checklist == expected)
    ));
    assert_eq!(desk(&j).checklist, SlipOutcome::Printing);
    // Not twice while it prints.
    j.ev(Event::PrintChecklist);
    assert!(j.out.is_empty());
    j.ev(Event::ChecklistDone { session: s + 1, printed: true });
    assert_eq!(desk(&j).checklist, SlipOutcome::Printing, "another session's answer");
    j.ev(Event::ChecklistDone { session: s, printed: true });
    assert_eq!(desk(&j).checklist, SlipOutcome::Printed);
    // In English, the server's English.
    j.ev(Event::SetLanguage(Language::En)).ev(Event::PrintChecklist);
    assert!(j.has(|c| matches!(c, Command::PrintChecklist { checklist, .. }
        if checklist.language == Language::En && checklist.duration == "1 working day"
            && checklist.requirements[1] == "Permanent stay permit (KITAP), for foreigners")));
    j.ev(Event::ChecklistDone { session: s, printed: false });
    assert_eq!(desk(&j).checklist, SlipOutcome::Unavailable);
    // Nothing from the list screen.
    let mut j = services();
    j.ev(Event::PrintChecklist).ev(Event::PrintServiceFiles);
    assert!(j.out.is_empty());
}

#[test]
fn the_guide_and_forms_print_only_with_a_ready_printer_and_only_files_the_service_has() {
    let j = printing_files();
    let s = j.sid();
    assert!(j.has(|c| matches!(c, Command::PrintServiceFiles { session, files }
        if *session == s && files.len() == 1 && files[0].id == "kk-baru-petunjuk")));
    assert_eq!(desk(&j).files, FilesOutcome::Printing);
    let mut j = service(1);
    j.ev(Event::PrintServiceFiles);
    assert!(j.out.is_empty(), "a service without files");
    let mut j = service(0);
    j.ev(Event::Availability(Availability::PrinterUnavailable)).ev(Event::PrintServiceFiles);
    assert!(j.out.is_empty());
    assert_eq!(desk(&j).files, FilesOutcome::NotAsked);
}

#[test]
fn while_the_files_print_nothing_interrupts_them() {
    let mut j = printing_files();
    let s = j.sid();
    for e in [Event::Back, Event::Finish, Event::Cancel, Event::PrintChecklist, Event::PrintServiceFiles] {
        j.ev(e);
        assert!(j.out.is_empty());
        assert_eq!(desk(&j).files, FilesOutcome::Printing);
    }
    // Neither idleness nor the session limit.
    j.after(T.session_limit_ms + T.idle_ms);
    assert_eq!(j.m.warning(), None);
    assert_eq!(desk(&j).files, FilesOutcome::Printing);
    j.ev(Event::ServiceFilesDone { session: s, outcome: FilesOutcome::Printed });
    assert_eq!(desk(&j).files, FilesOutcome::Printed);
    assert!(
        j.has(|c| matches!(c, Command::Audit(AuditEvent::ServiceFiles { outcome: FilesOutcome::Printed, service, .. })
        if service == "kk-baru"))
    );
    // The session limit applies once printing is over.
    j.after(1);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.ended(EndReason::SessionLimit));
}

#[test]
fn the_idle_time_restarts_when_the_files_are_out() {
    let mut j = printing_files();
    let s = j.sid();
    j.after(T.idle_ms + 1);
    j.ev(Event::ServiceFilesDone { session: s, outcome: FilesOutcome::Printed });
    assert_eq!(j.m.warning(), None);
    j.after(T.idle_ms - T.warning_ms);
    assert!(j.m.warning().is_some());
}

#[test]
fn a_refused_file_or_a_stopped_printer_is_told_and_a_stopped_printer_is_unavailable() {
    for outcome in [FilesOutcome::Refused, FilesOutcome::Unavailable, FilesOutcome::PrinterStopped] {
        let mut j = printing_files();
        let s = j.sid();
        j.ev(Event::ServiceFilesDone { session: s + 1, outcome });
        assert_eq!(desk(&j).files, FilesOutcome::Printing, "another session's answer");
        j.ev(Event::ServiceFilesDone { session: s, outcome });
        assert_eq!(desk(&j).files, outcome);
        let stopped = outcome == FilesOutcome::PrinterStopped;
        assert_eq!(j.m.availability() == Availability::PrinterUnavailable, stopped, "{outcome:?}");
        // Back to the list and out, as usual.
        j.ev(Event::Back);
        assert_eq!(desk(&j).open, None);
    }
}
