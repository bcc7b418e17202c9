//! Citizen services of issue #19: the document check ("cek dokumen", no sign-in) and a
//! TIDAK AKTIF document refused at print time.

use super::*;
use crate::central::DocumentStatus;
use crate::session::CheckResult;

const CODE: &str = "3QF8ZK2M7T4WXN9A";

fn answered(status: DocumentStatus) -> DocumentCheck {
    DocumentCheck {
        status,
        kind: Some(DocKind::KartuKeluarga),
        title: Some("KARTU KELUARGA".into()),
        number: Some("****0001".into()),
        issued: Some("2024-03-20".into()),
    }
}

// --- cek dokumen ---------------------------------------------------------------------

#[test]
fn the_check_starts_from_attract_as_a_session_of_its_own_with_the_camera_on() {
    let j = check_scan();
    assert_eq!(*j.state(), State::CheckScan { hint: None, expired: false });
    assert_eq!(j.sid(), 1);
    assert!(j.has(|c| matches!(c, Command::Audit(AuditEvent::SessionStarted { session: 1 }))));
    assert!(j.has(|c| matches!(c, Command::StartDocumentScanner { session: 1 })));
    assert!(!j.has(|c| matches!(c, Command::StartScanner { .. })), "not the notice scanner");
}

#[test]
fn the_check_needs_no_printer_but_not_while_out_of_service() {
    let mut j = J::new();
    j.ev(Event::Availability(Availability::PrinterUnavailable)).ev(Event::CheckDocument);
    assert!(matches!(j.state(), State::CheckScan { .. }), "a paper can be checked without the printer");
    let mut j = J::new();
    j.ev(Event::Availability(Availability::OutOfService)).ev(Event::CheckDocument);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.out.is_empty());
}

#[test]
fn a_scanned_document_code_is_asked_about_and_the_answer_shown() {
    for status in [DocumentStatus::Aktif, DocumentStatus::TidakAktif, DocumentStatus::TidakValid] {
        let mut j = check_scan();
        let s = j.sid();
        j.ev(Event::DocumentScanned { session: s, code: Some(Zeroizing::new(CODE.into())) });
        assert!(j.has(|c| matches!(c, Command::StopScanner)));
        assert!(
            j.has(|c| matches!(c, Command::CheckDocument { session, code } if *session == s && code.as_str() == CODE))
        );
        assert_eq!(*j.state(), State::Checking);
        // An answer for another session changes nothing.
        j.ev(Event::DocumentChecked { session: s + 1, result: Ok(answered(status)) });
        assert_eq!(*j.state(), State::Checking);
        j.ev(Event::DocumentChecked { session: s, result: Ok(answered(status)) });
        assert_eq!(*j.state(), State::CheckResult { result: CheckResult::Answered(answered(status)) });
    }
}

#[test]
fn a_qr_that_is_no_document_code_is_tidak_valid_without_asking_anyone() {
    let mut j = check_scan();
    let s = j.sid();
    j.ev(Event::DocumentScanned { session: s, code: None });
    assert_eq!(*j.state(), State::CheckResult { result: CheckResult::NotADocumentCode });
    assert!(j.has(|c| matches!(c, Command::StopScanner)));
    assert!(!j.has(|c| matches!(c, Command::CheckDocument { .. })));
}

#[test]
fn stale_scans_and_hints_are_dropped() {
    let mut j = check_scan();
    let s = j.sid();
    j.ev(Event::DocumentScanned { session: s + 1, code: Some(Zeroizing::new(CODE.into())) });
    j.ev(Event::ScanHint { session: s + 1, hint: Some(ScanHint::Glare) });
    assert_eq!(*j.state(), State::CheckScan { hint: None, expired: false });
    j.ev(Event::ScanHint { session: s, hint: Some(ScanHint::Closer) });
    assert_eq!(*j.state(), State::CheckScan { hint: Some(ScanHint::Closer), expired: false });
}

#[test]
fn the_scan_window_closes_then_scan_again_or_type_the_code() {
    let mut j = check_scan();
    let window = j.m.scan_window_ms();
    assert_eq!(j.m.scan_seconds_left(), window / 1000);
    j.after(window);
    assert_eq!(*j.state(), State::CheckScan { hint: None, expired: true });
    assert!(j.has(|c| matches!(c, Command::StopScanner)));
    assert_eq!(j.m.scan_seconds_left(), 0);
    // Nothing read after the window: the camera is off, a late read is ignored.
    let s = j.sid();
    j.ev(Event::DocumentScanned { session: s, code: None });
    assert_eq!(*j.state(), State::CheckScan { hint: None, expired: true });
    j.ev(Event::ChooseQr);
    assert_eq!(*j.state(), State::CheckScan { hint: None, expired: false });
    assert!(j.has(|c| matches!(c, Command::StartDocumentScanner { .. })));
}

#[test]
fn the_verification_code_can_be_typed_instead() {
    let mut j = check_code();
    assert!(j.has(|c| matches!(c, Command::StopScanner)));
    // Only the code alphabet, at most 16 characters; Next only when complete.
    for c in b"3QF8ZK2M7T4WXN9" {
        j.ev(Event::CodeChar(*c));
    }
    j.ev(Event::CodeChar(b'O')).ev(Event::CodeChar(b'u')).ev(Event::Submit);
    assert_eq!(*j.state(), State::CheckCode { code: Zeroizing::new("3QF8ZK2M7T4WXN9".into()) });
    j.ev(Event::CodeChar(b'A')).ev(Event::CodeChar(b'B'));
    assert_eq!(*j.state(), State::CheckCode { code: Zeroizing::new(CODE.into()) });
    j.ev(Event::Submit);
    assert_eq!(*j.state(), State::Checking);
    assert!(j.has(|c| matches!(c, Command::CheckDocument { code, .. } if code.as_str() == CODE)));
}

#[test]
fn back_from_the_code_scans_again_and_from_the_scan_leaves() {
    let mut j = check_code();
    j.ev(Event::Back);
    assert!(matches!(j.state(), State::CheckScan { expired: false, .. }));
    assert!(j.has(|c| matches!(c, Command::StartDocumentScanner { .. })));
    j.ev(Event::Back);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.ended(EndReason::Cancelled));
    assert!(j.has(|c| matches!(c, Command::StopScanner)));
    assert!(j.has(|c| matches!(c, Command::EndSession { token: None })), "nobody signed in");
}

#[test]
fn another_document_can_be_checked_in_the_same_session_then_it_ends_wiped() {
    let mut j = check_result();
    let s = j.sid();
    j.ev(Event::CheckDocument);
    assert!(matches!(j.state(), State::CheckScan { expired: false, .. }));
    assert_eq!(j.sid(), s, "the same session");
    j.ev(Event::DocumentScanned { session: s, code: None });
    j.ev(Event::Finish);
    assert_eq!(*j.state(), State::Goodbye);
    assert!(j.ended(EndReason::Completed));
    assert_eq!(j.m.language(), Language::Id);
}

#[test]
fn the_server_out_of_reach_during_a_check_shows_the_failure_screen() {
    let mut j = checking();
    let s = j.sid();
    j.ev(Event::DocumentChecked { session: s, result: Err(Failure::Unreachable) });
    assert_eq!(*j.state(), State::Failure { failure: Failure::Unreachable });
    j.ev(Event::Finish);
    assert!(j.ended(EndReason::Failed(Failure::Unreachable)));
}

#[test]
fn a_check_session_has_the_absolute_limit_too() {
    let mut j = check_result();
    for _ in 0..20 {
        j.now += T.session_limit_ms / 20;
        j.ev(Event::CheckDocument);
        let s = j.sid();
        j.ev(Event::DocumentScanned { session: s, code: None });
    }
    j.after(1);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.ended(EndReason::SessionLimit));
}

#[test]
fn language_choice_holds_for_the_check_and_resets_after_it() {
    let mut j = check_scan();
    j.ev(Event::SetLanguage(Language::En));
    let s = j.sid();
    j.ev(Event::DocumentScanned { session: s, code: None });
    assert_eq!(j.m.language(), Language::En);
    j.ev(Event::Finish);
    assert_eq!(j.m.language(), Language::Id);
}

// --- a TIDAK AKTIF document refused at print time (acceptance 5 of #19) --------------

#[test]
fn a_document_replaced_since_the_list_is_refused_and_the_others_still_print() {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Refused(Refusal::Inactive) });
    assert!(j.has(|c| matches!(
        c,
        Command::Audit(AuditEvent::DocumentRefused { refusal: Refusal::Inactive, session }) if *session == s
    )));
    j.ev(Event::JobUpdate { session: s, index: 1, status: JobStatus::Done { pages: 2 } })
        .ev(Event::PrintingDone { session: s });
    let Some(Command::PrintReceipt { receipt, .. }) = j.out.iter().find(|c| matches!(c, Command::PrintReceipt { .. }))
    else {
        panic!("{:?}", j.out)
    };
    let printed: Vec<bool> = receipt.lines.iter().map(|l| l.printed).collect();
    assert_eq!(printed, vec![false, true], "the receipt says the replaced one did not print");
    let State::Collect { jobs, .. } = j.state() else { panic!("{:?}", j.state()) };
    assert_eq!(jobs[0].status, JobStatus::Refused(Refusal::Inactive));
    // A refusal is no printer fault: nothing to retry, no "printer unavailable".
    assert_eq!(j.m.availability(), Availability::Ready);
}
