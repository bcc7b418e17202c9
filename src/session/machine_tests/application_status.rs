//! "Status pengajuan" (issue #19): the signed-in citizen's applications, opened from the
//! documents screen, and their next steps (print now, pickup slip, address label).

use super::*;
use crate::central::{Application, ApplicationStatus, Localized, NextStep, Pickup, TimelineEntry};
use crate::session::event::SlipRequest;
use crate::session::state::{SlipOutcome, StatusDesk};

fn text(id: &str, en: &str) -> Localized {
    Localized { id: id.into(), en: en.into() }
}

fn app(code: &str, service: &str, status: ApplicationStatus, next_step: NextStep) -> Application {
    Application {
        code: code.into(),
        service_id: service.into(),
        title: text("Layanan", "Service"),
        status,
        timeline: vec![TimelineEntry { status, at: "2025-01-06T07:55:00+07:00".into(), note: None }],
        next_step,
    }
}

/// One application per next step, in this order: print ("a" and the used-up "b"), pickup,
/// post the files, reapply, wait; then a print of a used-up document only.
fn apps() -> Vec<Application> {
    vec![
        app(
            "P-1",
            "kk-baru",
            ApplicationStatus::Selesai,
            NextStep::Print { document_ids: vec!["a".into(), "b".into()] },
        ),
        app(
            "P-2",
            "ktp-el",
            ApplicationStatus::Selesai,
            NextStep::Pickup(Pickup {
                office: "Kantor Kecamatan Cibinong".into(),
                address: "JL. TEGAR BERIMAN NO. 1".into(),
                hours: text("Senin s.d. Jumat", "Monday to Friday"),
                bring: vec![text("Kartu Keluarga asli", "The original Family Card")],
            }),
        ),
        app(
            "P-3",
            "kk-baru",
            ApplicationStatus::Disetujui,
            NextStep::SendFiles {
                to_name: "Dinas".into(),
                to_address: "JL. PEMUDA NO. 1".into(),
                checklist: vec![text("Buku nikah", "Marriage book")],
            },
        ),
        app("P-4", "akta-kelahiran", ApplicationStatus::Dibatalkan, NextStep::Reapply { reason: "Foto blur".into() }),
        app(
            "P-5",
            "kia",
            ApplicationStatus::Diproses,
            NextStep::Wait { promise: text("Paling lambat 1 hari kerja", "Within 1 working day at the latest") },
        ),
        app("P-6", "akta-kelahiran", ApplicationStatus::Selesai, NextStep::Print { document_ids: vec!["b".into()] }),
    ]
}

pub(super) fn loading_applications() -> J {
    let mut j = documents();
    j.ev(Event::ToggleDocument(2)).ev(Event::OpenApplications);
    j
}

pub(super) fn applications() -> J {
    let mut j = loading_applications();
    let s = j.sid();
    j.ev(Event::ApplicationsListed { session: s, result: Ok(apps()) });
    j
}

pub(super) fn application(i: usize) -> J {
    let mut j = applications();
    j.ev(Event::OpenApplication(i));
    j
}

fn desk(j: &J) -> &StatusDesk {
    match j.state() {
        State::Applications { desk } => desk,
        s => panic!("not the applications: {s:?}"),
    }
}

#[test]
fn the_documents_screen_opens_the_applications_of_the_signed_in_citizen() {
    let j = loading_applications();
    assert!(matches!(j.state(), State::LoadingApplications { .. }));
    assert!(j.has(|c| matches!(c, Command::ListApplications { session: 1, token } if token.expose() == "tok-1")));
    assert_eq!(j.m.warning(), None);
    let j = applications();
    assert_eq!(desk(&j).apps.len(), 6);
    assert_eq!(desk(&j).open, None);
}

#[test]
fn an_answer_for_another_session_is_dropped() {
    let mut j = loading_applications();
    j.ev(Event::ApplicationsListed { session: 99, result: Ok(apps()) });
    assert!(matches!(j.state(), State::LoadingApplications { .. }));
}

#[test]
fn a_failed_list_is_the_failure_screen_and_signs_out() {
    let mut j = loading_applications();
    let s = j.sid();
    j.ev(Event::ApplicationsListed { session: s, result: Err(Failure::Unreachable) });
    assert_eq!(*j.state(), State::Failure { failure: Failure::Unreachable });
    assert!(j.has(|c| matches!(c, Command::EndSession { token: Some(t) } if t.expose() == "tok-1")));
}

#[test]
fn back_goes_from_an_application_to_the_list_and_to_the_documents_as_they_were() {
    let mut j = application(1);
    assert_eq!(desk(&j).open, Some(1));
    j.ev(Event::Back);
    assert_eq!(desk(&j).open, None);
    j.ev(Event::OpenApplication(6));
    assert_eq!(desk(&j).open, None, "no such application");
    j.ev(Event::Back);
    match j.state() {
        State::Documents { selected, .. } => assert_eq!(selected, &vec![true, false, false], "the choice is kept"),
        s => panic!("{s:?}"),
    }
}

#[test]
fn print_now_goes_to_confirm_with_the_applications_printable_documents_only() {
    let mut j = application(0);
    j.ev(Event::PrintNow);
    match j.state() {
        // "a" is the application's and has prints left; "b" is used up; "c" is not its.
        State::Confirm { selected, .. } => assert_eq!(selected, &vec![true, false, false]),
        s => panic!("{s:?}"),
    }
    j.ev(Event::ConfirmPrint);
    assert!(j.has(|c| matches!(c, Command::Print { orders, .. } if orders.len() == 1 && orders[0].doc.id == "a")));
}

#[test]
fn print_now_does_nothing_without_a_printable_document_or_a_print_step() {
    for i in [1, 4, 5] {
        let mut j = application(i);
        j.ev(Event::PrintNow);
        assert_eq!(desk(&j).open, Some(i));
        assert!(j.out.is_empty());
    }
}

#[test]
fn a_card_ready_gives_a_pickup_slip_with_a_masked_nik_in_the_session_language() {
    let mut j = application(1);
    j.ev(Event::SetLanguage(Language::En)).ev(Event::PrintSlip);
    assert_eq!(desk(&j).slip, SlipOutcome::Printing);
    let slip = j.out.iter().find_map(|c| match c {
        Command::PrintSlip { session: 1, slip } => Some(slip.clone()),
        _ => None,
    });
    assert_eq!(
        slip,
        Some(SlipRequest::Pickup {
            language: Language::En,
            masked_nik: "3201********0001".into(),
            application_code: "P-2".into(),
            card: "KTP-el".into(),
            office: "Kantor Kecamatan Cibinong".into(),
            address: "JL. TEGAR BERIMAN NO. 1".into(),
            hours: "Monday to Friday".into(),
            bring: vec!["The original Family Card".into()],
        })
    );
    // One slip at a time; the answer says whether it came out.
    j.ev(Event::PrintSlip);
    assert!(j.out.is_empty());
    j.ev(Event::SlipDone { session: 99, printed: true });
    assert_eq!(desk(&j).slip, SlipOutcome::Printing);
    j.ev(Event::SlipDone { session: 1, printed: true });
    assert_eq!(desk(&j).slip, SlipOutcome::Printed);
    j.ev(Event::PrintSlip);
    assert!(j.has(|c| matches!(c, Command::PrintSlip { .. })), "a second copy may be asked for");
}

#[test]
fn files_to_post_give_the_address_label_with_the_checklist() {
    let mut j = application(2);
    j.ev(Event::PrintSlip);
    assert!(j.has(|c| matches!(
        c,
        Command::PrintSlip { slip: SlipRequest::Label { application_code, recipient, checklist, sender, .. }, .. }
            if application_code == "P-3" && recipient == "Dinas" && checklist == &vec!["Buku nikah".to_owned()]
                && sender == "Budi Santoso"
    )));
    let s = j.sid();
    j.ev(Event::SlipDone { session: s, printed: false });
    assert_eq!(desk(&j).slip, SlipOutcome::Unavailable);
    j.ev(Event::Back);
    assert_eq!(desk(&j).slip, SlipOutcome::NotAsked, "the next application starts afresh");
}

#[test]
fn nothing_to_print_on_paper_for_waiting_or_cancelled_applications() {
    for i in [0, 3, 4] {
        let mut j = application(i);
        j.ev(Event::PrintSlip);
        assert!(j.out.is_empty(), "{i}");
        assert_eq!(desk(&j).slip, SlipOutcome::NotAsked);
    }
}

#[test]
fn cancel_or_timeout_in_the_applications_signs_out() {
    for mut j in [loading_applications(), applications(), application(1)] {
        j.ev(Event::Cancel);
        assert_eq!(*j.state(), State::Attract);
        assert!(j.has(|c| matches!(c, Command::EndSession { token: Some(t) } if t.expose() == "tok-1")));
    }
    let mut j = application(2);
    j.after(T.idle_ms);
    assert!(j.ended(EndReason::IdleTimeout));
}
