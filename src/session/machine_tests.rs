//! Every transition of the journey, including cancel and timeout from each state.

use super::*;
use crate::central::{Citizen, DocKind, DocumentMeta, SessionToken};
use crate::nik::NikError;
use crate::session::SessionCtx;
use crate::session::event::SignInError;
use crate::session::state::{PinProblem, PrinterProblem, Refusal, ScanHint, ScanProblem};

const T: Timing = Timing {
    idle_ms: 60_000,
    warning_ms: 25_000,
    session_limit_ms: 300_000,
    goodbye_ms: 5_000,
    pin_len: 6,
    technician_idle_ms: 120_000,
};
const NIK: &str = "3201011505800001";

fn ctx() -> SessionCtx {
    SessionCtx {
        token: SessionToken::new("tok-1".into()),
        citizen: Citizen { name: "Budi Santoso".into(), nik: NIK.into(), kk: "3201010101090001".into() },
    }
}

fn doc(id: &str, prints_left: u32) -> DocumentMeta {
    DocumentMeta {
        id: id.into(),
        kind: DocKind::KartuKeluarga,
        number: "3201010101090001".into(),
        issued: "2024-01-02".into(),
        pages: 2,
        prints_left,
        sha256: "00".repeat(32),
        size: 1000,
        owner_nik: NIK.into(),
        kk: "3201010101090001".into(),
    }
}

/// A machine plus a clock, so tests read like the journey.
struct J {
    m: Machine,
    now: Millis,
    out: Vec<Command>,
}

impl J {
    fn new() -> Self {
        J { m: Machine::new(T), now: 1_000, out: vec![] }
    }
    fn ev(&mut self, e: Event) -> &mut Self {
        self.out = self.m.handle(self.now, e);
        self
    }
    fn after(&mut self, ms: Millis) -> &mut Self {
        self.now += ms;
        self.ev(Event::Tick)
    }
    fn digits(&mut self, s: &str) -> &mut Self {
        for c in s.bytes() {
            self.ev(Event::Digit(c - b'0'));
        }
        self
    }
    fn sid(&self) -> u64 {
        self.m.session_id()
    }
    fn state(&self) -> &State {
        self.m.state()
    }
    fn has(&self, pred: impl Fn(&Command) -> bool) -> bool {
        self.out.iter().any(pred)
    }
    fn ended(&self, reason: EndReason) -> bool {
        self.has(|c| matches!(c, Command::Audit(AuditEvent::SessionEnded { reason: r, .. }) if *r == reason))
            && self.has(|c| matches!(c, Command::EndSession { .. }))
    }
}

// --- builders for each state -------------------------------------------------------

fn choose() -> J {
    let mut j = J::new();
    j.ev(Event::Start);
    j
}
fn enter_nik() -> J {
    let mut j = choose();
    j.ev(Event::ChooseNik);
    j
}
fn enter_pin() -> J {
    let mut j = enter_nik();
    j.digits(NIK).ev(Event::Submit);
    j
}
fn signing_in() -> J {
    let mut j = enter_pin();
    j.digits("123456").ev(Event::Submit);
    j
}
fn scan() -> J {
    let mut j = choose();
    j.ev(Event::ChooseQr);
    j
}
fn notice_pin() -> J {
    let mut j = scan();
    let s = j.sid();
    j.ev(Event::QrScanned { session: s, result: Ok(Zeroizing::new("ABCDEFGHJKMNPQRS".into())) });
    j
}
fn loading() -> J {
    let mut j = signing_in();
    let s = j.sid();
    j.ev(Event::SignedIn { session: s, result: Ok(ctx()) });
    j
}
fn documents() -> J {
    let mut j = loading();
    let s = j.sid();
    j.ev(Event::DocumentsListed { session: s, result: Ok(vec![doc("a", 1), doc("b", 0), doc("c", 2)]) });
    j
}
fn confirm() -> J {
    let mut j = documents();
    j.ev(Event::Proceed);
    j
}
fn printing() -> J {
    let mut j = confirm();
    j.ev(Event::ConfirmPrint);
    j
}
fn collect() -> J {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Done { pages: 2 } })
        .ev(Event::JobUpdate { session: s, index: 1, status: JobStatus::Done { pages: 2 } })
        .ev(Event::PrintingDone { session: s });
    j
}
fn failure() -> J {
    let mut j = signing_in();
    let s = j.sid();
    j.ev(Event::SignedIn {
        session: s,
        result: Err(SignInError::Failure(Failure::Locked { retry_after_secs: Some(900) })),
    });
    j
}

/// Every state a citizen can be in, by name.
fn all_session_states() -> Vec<(&'static str, J)> {
    vec![
        ("choose", choose()),
        ("enter_nik", enter_nik()),
        ("enter_pin", enter_pin()),
        ("signing_in", signing_in()),
        ("scan", scan()),
        ("enter_code", {
            let mut j = scan();
            j.ev(Event::TypeCode);
            j
        }),
        ("notice_pin", notice_pin()),
        ("loading", loading()),
        ("documents", documents()),
        ("confirm", confirm()),
        ("printing", printing()),
        ("collect", collect()),
        ("failure", failure()),
    ]
}

// --- attract and start ---------------------------------------------------------------

#[test]
fn start_opens_a_new_session_when_ready() {
    let mut j = J::new();
    j.ev(Event::Start);
    assert_eq!(*j.state(), State::ChooseMethod);
    assert_eq!(j.sid(), 1);
    assert!(j.has(|c| matches!(c, Command::Audit(AuditEvent::SessionStarted { session: 1 }))));
}

#[test]
fn start_is_refused_while_out_of_service_or_printer_unavailable() {
    for a in [Availability::OutOfService, Availability::PrinterUnavailable] {
        let mut j = J::new();
        j.ev(Event::Availability(a)).ev(Event::Start);
        assert_eq!(*j.state(), State::Attract);
        assert!(j.out.is_empty());
        j.ev(Event::Availability(Availability::Ready)).ev(Event::Start);
        assert_eq!(*j.state(), State::ChooseMethod);
    }
}

#[test]
fn attract_ignores_cancel_and_time() {
    let mut j = J::new();
    j.ev(Event::Cancel).after(10 * T.session_limit_ms);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.out.is_empty());
}

#[test]
fn choose_method_leads_to_nik_or_scanner() {
    let j = enter_nik();
    assert!(matches!(j.state(), State::EnterNik { .. }));
    let j = scan();
    assert_eq!(*j.state(), State::ScanQr { problem: None, hint: None, expired: false });
    assert!(j.has(|c| matches!(c, Command::StartScanner { session: 1 })));
}

#[test]
fn back_from_choose_method_ends_the_session() {
    let mut j = choose();
    j.ev(Event::Back);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.ended(EndReason::Cancelled));
}

// --- NIK entry -----------------------------------------------------------------------

#[test]
fn nik_entry_edits_and_caps_at_sixteen_digits() {
    let mut j = enter_nik();
    j.digits("32010115058000019999");
    let State::EnterNik { digits, .. } = j.state() else { panic!() };
    assert_eq!(digits.as_str(), NIK);
    j.ev(Event::Backspace);
    let State::EnterNik { digits, .. } = j.state() else { panic!() };
    assert_eq!(digits.len(), 15);
    j.ev(Event::Clear);
    let State::EnterNik { digits, .. } = j.state() else { panic!() };
    assert!(digits.is_empty());
}

#[test]
fn invalid_nik_is_refused_with_its_reason_and_no_network_call() {
    for (input, want) in [
        ("320101150580", NikError::Length),
        ("0001011505800001", NikError::Region),
        ("3201013505800001", NikError::Day),
        ("3201011513800001", NikError::Month),
        ("3201011505800000", NikError::Serial),
    ] {
        let mut j = enter_nik();
        j.digits(input).ev(Event::Submit);
        assert_eq!(j.state(), &State::EnterNik { digits: Zeroizing::new(input.into()), error: Some(want) });
        assert!(j.out.is_empty(), "no command for {input}");
        // Typing again clears the message.
        j.ev(Event::Backspace);
        assert!(matches!(j.state(), State::EnterNik { error: None, .. }));
    }
}

#[test]
fn valid_nik_goes_to_pin_and_back_keeps_the_digits() {
    let mut j = enter_pin();
    assert!(matches!(j.state(), State::EnterPin { problem: None, .. }));
    j.ev(Event::Back);
    let State::EnterNik { digits, .. } = j.state() else { panic!() };
    assert_eq!(digits.as_str(), NIK);
    j.ev(Event::Back);
    assert_eq!(*j.state(), State::ChooseMethod);
}

// --- PIN entry and sign-in -----------------------------------------------------------

#[test]
fn pin_submits_only_when_complete() {
    let mut j = enter_pin();
    j.digits("12345").ev(Event::Submit);
    assert!(matches!(j.state(), State::EnterPin { .. }));
    assert!(j.out.is_empty());
    j.digits("67").ev(Event::Backspace).ev(Event::Backspace).digits("69");
    let State::EnterPin { pin, .. } = j.state() else { panic!() };
    assert_eq!(pin.as_str(), "123469");
    j.ev(Event::Clear).digits("123456").ev(Event::Submit);
    assert!(matches!(j.state(), State::SigningIn { method: SignInMethod::Nik(_) }));
    assert!(j.has(|c| matches!(c, Command::SignInNik { session: 1, pin, .. } if pin.as_str() == "123456")));
}

#[test]
fn wrong_pin_returns_to_pin_entry_with_attempts_left() {
    let mut j = signing_in();
    let s = j.sid();
    j.ev(Event::SignedIn { session: s, result: Err(SignInError::Pin(PinProblem::WrongPin { attempts_left: 2 })) });
    let State::EnterPin { pin, problem, .. } = j.state() else { panic!("{:?}", j.state()) };
    assert!(pin.is_empty());
    assert_eq!(*problem, Some(PinProblem::WrongPin { attempts_left: 2 }));
    assert!(j.has(|c| matches!(c, Command::Audit(AuditEvent::SignInFailed { reason: "wrong-pin", .. }))));
    // Typing again hides the message.
    j.digits("1");
    assert!(matches!(j.state(), State::EnterPin { problem: None, .. }));
}

#[test]
fn sign_in_failures_show_their_screen_then_end() {
    for f in [
        Failure::Locked { retry_after_secs: None },
        Failure::Unreachable,
        Failure::UnknownCitizen,
        Failure::KioskRefused,
    ] {
        let mut j = signing_in();
        let s = j.sid();
        j.ev(Event::SignedIn { session: s, result: Err(SignInError::Failure(f)) });
        assert_eq!(*j.state(), State::Failure { failure: f });
        j.ev(Event::Finish);
        assert_eq!(*j.state(), State::Attract);
        assert!(j.ended(EndReason::Failed(f)));
    }
}

#[test]
fn successful_sign_in_lists_documents() {
    let j = loading();
    assert!(matches!(j.state(), State::LoadingDocuments { .. }));
    assert!(j.has(|c| matches!(c, Command::ListDocuments { session: 1, .. })));
    assert!(j.has(
        |c| matches!(c, Command::Audit(AuditEvent::SignedIn { masked_nik, .. }) if masked_nik == "3201********0001")
    ));
}

// --- QR sign-in ----------------------------------------------------------------------

#[test]
fn foreign_qr_shows_a_message_and_keeps_scanning() {
    let mut j = scan();
    let s = j.sid();
    j.ev(Event::QrScanned { session: s, result: Err(ScanProblem::NotANotice) });
    assert_eq!(*j.state(), State::ScanQr { problem: Some(ScanProblem::NotANotice), hint: None, expired: false });
    assert!(!j.has(|c| matches!(c, Command::StopScanner)));
}

#[test]
fn notice_qr_asks_for_the_pin_and_signs_in_by_notice() {
    let mut j = notice_pin();
    assert!(matches!(j.state(), State::EnterNoticePin { .. }));
    assert!(j.has(|c| matches!(c, Command::StopScanner)));
    j.digits("654321").ev(Event::Submit);
    assert!(j.has(|c| matches!(c, Command::SignInNotice { code, .. } if code.as_str() == "ABCDEFGHJKMNPQRS")));
    let s = j.sid();
    j.ev(Event::SignedIn { session: s, result: Err(SignInError::Pin(PinProblem::WrongPin { attempts_left: 1 })) });
    assert!(matches!(j.state(), State::EnterNoticePin { problem: Some(_), .. }));
}

#[test]
fn back_from_scanning_and_from_notice_pin() {
    let mut j = scan();
    j.ev(Event::Back);
    assert_eq!(*j.state(), State::ChooseMethod);
    assert!(j.has(|c| matches!(c, Command::StopScanner)));
    let mut j = notice_pin();
    j.ev(Event::Back);
    assert_eq!(*j.state(), State::ScanQr { problem: None, hint: None, expired: false });
    assert!(j.has(|c| matches!(c, Command::StartScanner { .. })));
}

#[test]
fn hints_show_while_scanning_and_stale_ones_are_dropped() {
    let mut j = scan();
    let s = j.sid();
    j.ev(Event::ScanHint { session: s, hint: Some(ScanHint::Glare) });
    assert!(matches!(j.state(), State::ScanQr { hint: Some(ScanHint::Glare), .. }));
    j.ev(Event::ScanHint { session: s + 1, hint: None });
    assert!(matches!(j.state(), State::ScanQr { hint: Some(ScanHint::Glare), .. }));
    j.ev(Event::ScanHint { session: s, hint: None });
    assert!(matches!(j.state(), State::ScanQr { hint: None, .. }));
}

#[test]
fn the_scan_window_closes_then_scan_again_reopens_it() {
    let mut j = scan();
    // Here the idle warning comes at 35 s, so the window closes 10 s earlier.
    let window = j.m.scan_window_ms();
    assert_eq!(window, 25_000);
    assert_eq!(j.m.scan_seconds_left(), window / 1000);
    j.after(window - 1_000);
    assert_eq!(j.m.scan_seconds_left(), 1);
    assert!(!j.has(|c| matches!(c, Command::StopScanner)));
    j.after(1_000);
    assert_eq!(*j.state(), State::ScanQr { problem: None, hint: None, expired: true });
    assert!(j.has(|c| matches!(c, Command::StopScanner)), "the camera goes off");
    assert_eq!(j.m.scan_seconds_left(), 0);
    // A late answer from the camera does not count after the window closed.
    let s = j.sid();
    j.ev(Event::QrScanned { session: s, result: Ok(Zeroizing::new("ABCDEFGHJKMNPQRS".into())) });
    assert!(matches!(j.state(), State::ScanQr { expired: true, .. }));
    j.ev(Event::ChooseQr);
    assert_eq!(*j.state(), State::ScanQr { problem: None, hint: None, expired: false });
    assert!(j.has(|c| matches!(c, Command::StartScanner { .. })));
    assert_eq!(j.m.scan_seconds_left(), window / 1000);
}

#[test]
fn the_code_can_be_typed_instead_and_signs_in_by_notice() {
    let mut j = scan();
    j.ev(Event::TypeCode);
    assert!(j.has(|c| matches!(c, Command::StopScanner)));
    assert!(matches!(j.state(), State::EnterNoticeCode { code } if code.is_empty()));
    // Only the 32 characters of a notice code are taken, and at most 16 of them.
    for c in b"7QK3 M9ZT-4HX2WD8RXX" {
        j.ev(Event::CodeChar(*c));
    }
    j.ev(Event::CodeChar(b'O')).ev(Event::CodeChar(b'i'));
    assert!(matches!(j.state(), State::EnterNoticeCode { code } if code.as_str() == "7QK3M9ZT4HX2WD8R"));
    j.ev(Event::Backspace);
    j.ev(Event::Submit);
    assert!(matches!(j.state(), State::EnterNoticeCode { .. }), "15 characters are not a code");
    j.ev(Event::CodeChar(b'R')).ev(Event::Submit);
    assert!(matches!(j.state(), State::EnterNoticePin { code, .. } if code.as_str() == "7QK3M9ZT4HX2WD8R"));
    j.digits("482915").ev(Event::Submit);
    assert!(j.has(|c| matches!(c, Command::SignInNotice { code, .. } if code.as_str() == "7QK3M9ZT4HX2WD8R")));
}

#[test]
fn back_from_typing_the_code_scans_again() {
    let mut j = scan();
    j.ev(Event::TypeCode).ev(Event::CodeChar(b'7')).ev(Event::Back);
    assert_eq!(*j.state(), State::ScanQr { problem: None, hint: None, expired: false });
    assert!(j.has(|c| matches!(c, Command::StartScanner { .. })));
}

#[test]
fn scan_of_an_old_session_is_ignored() {
    let mut j = scan();
    j.ev(Event::QrScanned { session: 99, result: Ok(Zeroizing::new("X".into())) });
    assert_eq!(*j.state(), State::ScanQr { problem: None, hint: None, expired: false });
}

// --- documents -----------------------------------------------------------------------

#[test]
fn documents_start_with_printable_ones_selected() {
    let j = documents();
    let State::Documents { selected, .. } = j.state() else { panic!() };
    assert_eq!(selected, &vec![true, false, true]);
}

#[test]
fn no_documents_or_listing_failure_shows_failure() {
    let mut j = loading();
    let s = j.sid();
    j.ev(Event::DocumentsListed { session: s, result: Ok(vec![]) });
    assert_eq!(*j.state(), State::Failure { failure: Failure::NoDocuments });
    assert!(j.has(|c| matches!(c, Command::EndSession { token: Some(_) })));
    let mut j = loading();
    j.ev(Event::DocumentsListed { session: s, result: Err(Failure::SessionExpired) });
    assert_eq!(*j.state(), State::Failure { failure: Failure::SessionExpired });
}

#[test]
fn toggling_only_affects_printable_documents_and_proceed_needs_one() {
    let mut j = documents();
    j.ev(Event::ToggleDocument(1)).ev(Event::ToggleDocument(0)).ev(Event::ToggleDocument(7));
    let State::Documents { selected, .. } = j.state() else { panic!() };
    assert_eq!(selected, &vec![false, false, true]);
    j.ev(Event::ToggleDocument(2)).ev(Event::Proceed);
    assert!(matches!(j.state(), State::Documents { .. }), "nothing selected: stay");
    j.ev(Event::ToggleDocument(0)).ev(Event::Proceed);
    assert!(matches!(j.state(), State::Confirm { .. }));
}

#[test]
fn back_from_documents_ends_and_from_confirm_returns() {
    let mut j = confirm();
    j.ev(Event::Back);
    assert!(matches!(j.state(), State::Documents { .. }));
    j.ev(Event::Back);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.ended(EndReason::Cancelled));
    assert!(j.has(|c| matches!(c, Command::EndSession { token: Some(_) })));
}

// --- printing and collection ---------------------------------------------------------

#[test]
fn confirm_prints_exactly_the_selected_documents() {
    let j = printing();
    let Some(Command::Print { orders, citizen, .. }) = j.out.iter().find(|c| matches!(c, Command::Print { .. })) else {
        panic!()
    };
    let ids: Vec<_> = orders.iter().map(|o| (o.index, o.doc.id.as_str(), o.first_page)).collect();
    assert_eq!(ids, vec![(0, "a", 1), (1, "c", 1)], "whole documents, in job-list order");
    assert_eq!(citizen.nik, NIK);
    let State::Printing { jobs, .. } = j.state() else { panic!() };
    assert!(jobs.iter().all(|j| j.status == JobStatus::Queued));
}

#[test]
fn job_updates_are_shown_and_stale_ones_dropped() {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Printing { done: 1, total: 2 } });
    j.ev(Event::JobUpdate { session: s + 1, index: 1, status: JobStatus::Done { pages: 2 } });
    j.ev(Event::JobUpdate { session: s, index: 9, status: JobStatus::Done { pages: 2 } });
    let State::Printing { jobs, .. } = j.state() else { panic!() };
    assert_eq!(jobs[0].status, JobStatus::Printing { done: 1, total: 2 });
    assert_eq!(jobs[1].status, JobStatus::Queued);
}

#[test]
fn printing_done_requests_a_receipt_listing_what_really_printed() {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Done { pages: 2 } });
    j.ev(Event::JobUpdate {
        session: s,
        index: 1,
        status: JobStatus::Stopped { problem: PrinterProblem::PaperOut, done: 1 },
    });
    j.ev(Event::PrintingDone { session: s });
    // The printer stopped: the citizen decides first (try again or finish).
    assert!(matches!(j.state(), State::PrintStopped { .. }));
    assert!(!j.has(|c| matches!(c, Command::PrintReceipt { .. } | Command::EndSession { .. })));
    j.ev(Event::Finish);
    let Some(Command::PrintReceipt { receipt, .. }) = j.out.iter().find(|c| matches!(c, Command::PrintReceipt { .. }))
    else {
        panic!()
    };
    assert_eq!(receipt.masked_nik, "3201********0001");
    assert_eq!(receipt.lines.iter().map(|l| l.printed).collect::<Vec<_>>(), vec![true, false]);
    assert!(j.has(|c| matches!(c, Command::EndSession { token: Some(_) })));
    assert!(matches!(j.state(), State::Collect { receipt: ReceiptOutcome::Pending, .. }));
}

#[test]
fn unfinished_jobs_are_marked_skipped_and_refusals_kept() {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Refused(Refusal::Signature) });
    assert!(j.has(|c| matches!(c, Command::Audit(AuditEvent::DocumentRefused { refusal: Refusal::Signature, .. }))));
    j.ev(Event::PrintingDone { session: s });
    let State::Collect { jobs, .. } = j.state() else { panic!() };
    assert_eq!(jobs[0].status, JobStatus::Refused(Refusal::Signature));
    assert_eq!(jobs[1].status, JobStatus::Skipped);
}

/// Printing of "a" (2 pages) stopped after page 1 with paper out; "c" was not attempted.
fn print_stopped() -> J {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate {
        session: s,
        index: 0,
        status: JobStatus::Stopped { problem: PrinterProblem::PaperOut, done: 1 },
    });
    assert!(j.has(|c| matches!(
        c,
        Command::Audit(AuditEvent::PrintStopped { problem: PrinterProblem::PaperOut, pages_done: 1, pages: 2, .. })
    )));
    j.ev(Event::PrintingDone { session: s });
    j
}

#[test]
fn a_printer_fault_waits_for_a_decision_and_nothing_is_resent_on_its_own() {
    let mut j = print_stopped();
    let State::PrintStopped { jobs, .. } = j.state() else { panic!("{:?}", j.state()) };
    assert_eq!(jobs[0].status, JobStatus::Stopped { problem: PrinterProblem::PaperOut, done: 1 });
    assert_eq!(jobs[1].status, JobStatus::Skipped);
    assert_eq!(j.m.availability(), Availability::PrinterUnavailable, "it just stopped");
    // Time passes, the citizen taps: nothing is printed until the printer is ready.
    j.after(1_000);
    assert!(!j.has(|c| matches!(c, Command::Print { .. })));
    j.ev(Event::RetryPrint);
    assert!(!j.has(|c| matches!(c, Command::Print { .. })), "not while the printer is not ready");
    assert!(matches!(j.state(), State::PrintStopped { .. }));
}

#[test]
fn retry_prints_only_what_did_not_come_out() {
    let mut j = print_stopped();
    let s = j.sid();
    j.ev(Event::Availability(Availability::Ready)); // an officer reloaded paper
    j.ev(Event::RetryPrint);
    let Some(Command::Print { orders, .. }) = j.out.iter().find(|c| matches!(c, Command::Print { .. })) else {
        panic!("{:?}", j.out)
    };
    let plan: Vec<_> = orders.iter().map(|o| (o.index, o.doc.id.as_str(), o.first_page)).collect();
    assert_eq!(plan, vec![(0, "a", 2), (1, "c", 1)], "page 2 of a, then all of c");
    assert!(j.has(|c| matches!(c, Command::Audit(AuditEvent::PrintRetried { documents: 2, .. }))));
    let State::Printing { jobs, .. } = j.state() else { panic!() };
    assert!(jobs.iter().all(|j| j.status == JobStatus::Queued));
    // Same session, same job list: the answers land as before.
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Done { pages: 2 } })
        .ev(Event::JobUpdate { session: s, index: 1, status: JobStatus::Done { pages: 2 } })
        .ev(Event::PrintingDone { session: s });
    assert!(matches!(j.state(), State::Collect { .. }));
    let Some(Command::PrintReceipt { receipt, .. }) = j.out.iter().find(|c| matches!(c, Command::PrintReceipt { .. }))
    else {
        panic!()
    };
    assert!(receipt.lines.iter().all(|l| l.printed));
}

#[test]
fn a_document_done_before_the_fault_is_never_resent() {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Done { pages: 2 } })
        .ev(Event::JobUpdate {
            session: s,
            index: 1,
            status: JobStatus::Stopped { problem: PrinterProblem::PaperJam, done: 0 },
        })
        .ev(Event::PrintingDone { session: s })
        .ev(Event::Availability(Availability::Ready))
        .ev(Event::RetryPrint);
    let Some(Command::Print { orders, .. }) = j.out.iter().find(|c| matches!(c, Command::Print { .. })) else {
        panic!()
    };
    let plan: Vec<_> = orders.iter().map(|o| (o.index, o.first_page)).collect();
    assert_eq!(plan, vec![(1, 1)]);
    let State::Printing { jobs, .. } = j.state() else { panic!() };
    assert_eq!(jobs[0].status, JobStatus::Done { pages: 2 }, "kept as done");
}

#[test]
fn leaving_a_stopped_print_still_gives_the_receipt() {
    // Finish, cancel, the idle timeout and the session limit all end in the collect
    // screen with a receipt: pages came out, and what did not keeps its entitlement.
    type Leave = fn(&mut J);
    let ways: [(&str, Leave); 4] = [
        ("finish", |j| {
            j.ev(Event::Finish);
        }),
        ("cancel", |j| {
            j.ev(Event::Cancel);
        }),
        ("idle", |j| {
            j.after(T.idle_ms);
        }),
        ("limit", |j| {
            for _ in 0..(T.session_limit_ms / 10_000) {
                j.after(10_000);
                if !matches!(j.state(), State::PrintStopped { .. }) {
                    break;
                }
                j.ev(Event::ExtendTime);
            }
        }),
    ];
    for (name, leave) in ways {
        let mut j = print_stopped();
        leave(&mut j);
        assert!(matches!(j.state(), State::Collect { .. }), "{name}: {:?}", j.state());
        assert!(j.has(|c| matches!(c, Command::PrintReceipt { .. })), "{name}");
        assert!(j.has(|c| matches!(c, Command::EndSession { token: Some(_) })), "{name}: signed out");
    }
}

#[test]
fn receipt_outcome_is_shown_then_finish_says_goodbye_then_attract() {
    let mut j = collect();
    let s = j.sid();
    j.ev(Event::ReceiptDone { session: s, printed: false });
    assert!(matches!(j.state(), State::Collect { receipt: ReceiptOutcome::Unavailable, .. }));
    j.ev(Event::ReceiptDone { session: s, printed: true });
    assert!(matches!(j.state(), State::Collect { receipt: ReceiptOutcome::Printed, .. }));
    j.ev(Event::Finish);
    assert_eq!(*j.state(), State::Goodbye);
    assert!(j.ended(EndReason::Completed));
    j.after(T.goodbye_ms - 1);
    assert_eq!(*j.state(), State::Goodbye);
    j.after(1);
    assert_eq!(*j.state(), State::Attract);
}

#[test]
fn a_tap_on_goodbye_returns_to_attract() {
    let mut j = collect();
    j.ev(Event::Finish).ev(Event::Start);
    assert_eq!(*j.state(), State::Attract);
    let mut j = collect();
    j.ev(Event::Finish).ev(Event::Cancel);
    assert_eq!(*j.state(), State::Attract);
}

// --- cancel from each state ----------------------------------------------------------

#[test]
fn cancel_from_every_state() {
    for (name, mut j) in all_session_states() {
        j.ev(Event::Cancel);
        if name == "printing" {
            assert!(matches!(j.state(), State::Printing { .. }), "printing cannot be cancelled");
            assert!(j.out.is_empty());
            continue;
        }
        assert_eq!(*j.state(), State::Attract, "{name}");
        assert!(j.ended(EndReason::Cancelled), "{name}: {:?}", j.out);
        if name == "scan" {
            assert!(j.has(|c| matches!(c, Command::StopScanner)));
        }
    }
}

#[test]
fn cancel_while_signed_in_signs_out() {
    for mut j in [loading(), documents(), confirm()] {
        j.ev(Event::Cancel);
        assert!(j.has(|c| matches!(c, Command::EndSession { token: Some(t) } if t.expose() == "tok-1")));
    }
}

#[test]
fn answers_after_cancel_never_reach_the_next_session() {
    let mut j = signing_in();
    let old = j.sid();
    j.ev(Event::Cancel).ev(Event::Start).ev(Event::ChooseNik);
    j.ev(Event::SignedIn { session: old, result: Ok(ctx()) });
    assert!(matches!(j.state(), State::EnterNik { .. }));
    assert!(j.has(|c| matches!(c, Command::EndSession { token: Some(_) })), "late token is signed out");
    j.ev(Event::DocumentsListed { session: old, result: Ok(vec![doc("x", 1)]) });
    assert!(matches!(j.state(), State::EnterNik { .. }));
}

// --- timeouts from each state --------------------------------------------------------

#[test]
fn idle_warning_then_timeout_from_every_interactive_state() {
    for (name, mut j) in all_session_states() {
        let waits = matches!(name, "signing_in" | "loading" | "printing");
        j.after(T.idle_ms - T.warning_ms - 1);
        assert_eq!(j.m.warning(), None, "{name}");
        j.after(1);
        if waits {
            assert_eq!(j.m.warning(), None, "{name}: system is working, no idle warning");
            continue;
        }
        assert_eq!(j.m.warning(), Some(Warning { seconds_left: 25, extendable: true }), "{name}");
        j.after(T.warning_ms - 1);
        assert!(j.state().in_session(), "{name}");
        j.after(1);
        assert_eq!(*j.state(), State::Attract, "{name}");
        assert!(j.ended(EndReason::IdleTimeout), "{name}");
    }
}

#[test]
fn warning_gives_at_least_twenty_seconds_and_one_tap_extends() {
    let mut j = enter_nik();
    j.digits("3201");
    j.after(T.idle_ms - T.warning_ms);
    let w = j.m.warning().expect("warning");
    assert!(w.seconds_left >= 20);
    // The warning is modal: a digit does nothing, "more time" extends.
    j.ev(Event::Digit(5));
    let State::EnterNik { digits, .. } = j.state() else { panic!() };
    assert_eq!(digits.as_str(), "3201");
    j.ev(Event::ExtendTime);
    assert_eq!(j.m.warning(), None);
    j.after(T.idle_ms - 1);
    assert!(matches!(j.state(), State::EnterNik { .. }), "full idle time again");
}

#[test]
fn cancel_on_the_warning_ends_the_session() {
    let mut j = documents();
    j.after(T.idle_ms - 1_000).ev(Event::Cancel);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.ended(EndReason::Cancelled));
}

#[test]
fn activity_postpones_the_idle_timeout() {
    let mut j = enter_nik();
    for _ in 0..5 {
        j.after(T.idle_ms - T.warning_ms - 1).ev(Event::Digit(3));
    }
    assert!(matches!(j.state(), State::EnterNik { .. }));
}

#[test]
fn absolute_session_limit_ends_even_an_active_session() {
    let mut j = enter_nik();
    let mut elapsed = 0;
    while elapsed < T.session_limit_ms - T.warning_ms {
        j.after(10_000).ev(Event::Clear);
        elapsed += 10_000;
    }
    let w = j.m.warning().expect("limit warning");
    assert!(!w.extendable);
    j.ev(Event::ExtendTime);
    assert!(j.m.warning().is_some(), "the absolute limit cannot be extended");
    j.after(T.warning_ms);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.ended(EndReason::SessionLimit));
}

#[test]
fn session_limit_never_interrupts_printing() {
    let mut j = printing();
    j.after(T.session_limit_ms * 2);
    assert!(matches!(j.state(), State::Printing { .. }));
    let s = j.sid();
    j.ev(Event::PrintingDone { session: s });
    assert!(matches!(j.state(), State::Collect { .. }));
    j.ev(Event::Tick);
    assert_eq!(*j.state(), State::Attract, "limit applies as soon as printing is done");
}

#[test]
fn waiting_on_the_server_is_bounded_by_the_session_limit() {
    for mut j in [signing_in(), loading()] {
        j.after(T.session_limit_ms);
        assert_eq!(*j.state(), State::Attract);
        assert!(j.ended(EndReason::SessionLimit));
    }
}

// --- language --------------------------------------------------------------------------

#[test]
fn language_switches_anywhere_and_resets_for_the_next_citizen() {
    let mut j = J::new();
    j.ev(Event::SetLanguage(Language::En));
    assert_eq!(j.m.language(), Language::En);
    j.ev(Event::Start).ev(Event::ChooseNik).ev(Event::SetLanguage(Language::Id)).ev(Event::SetLanguage(Language::En));
    assert_eq!(j.m.language(), Language::En);
    j.ev(Event::Cancel);
    assert_eq!(j.m.language(), Language::Id);
}

#[test]
fn session_data_is_gone_after_the_session() {
    let mut j = documents();
    j.ev(Event::Cancel);
    // Nothing of the citizen is reachable from the machine any more.
    let dump = format!("{:?}", j.m);
    assert!(!dump.contains("Budi"), "{dump}");
    assert!(!dump.contains(NIK), "{dump}");
    assert!(!dump.contains("tok-1"), "{dump}");
}

// --- maintenance -----------------------------------------------------------------------

#[test]
fn maintenance_opens_only_from_attract_and_blocks_sessions() {
    for (name, mut j) in all_session_states() {
        j.ev(Event::EnterMaintenance);
        assert!(!matches!(j.state(), State::Maintenance), "{name}: a citizen session is open");
    }
    let mut j = J::new();
    j.ev(Event::EnterMaintenance);
    assert_eq!(*j.state(), State::Maintenance);
    j.ev(Event::Start).after(1_000);
    assert_eq!(*j.state(), State::Maintenance, "no citizen session starts over the console");
    j.ev(Event::ExitMaintenance);
    assert_eq!(*j.state(), State::Attract);
}

// Issue #13, item 7. (The test above used to assert "no timeout from the machine" in
// maintenance after twice the session limit: that was the hole.)
#[test]
fn technician_console_times_out_with_the_usual_warning_and_an_audit_event() {
    let mut j = J::new();
    j.ev(Event::EnterMaintenance);
    j.after(T.technician_idle_ms - T.warning_ms - 1);
    assert_eq!(j.m.warning(), None);
    j.after(1);
    assert_eq!(j.m.warning(), Some(Warning { seconds_left: 25, extendable: true }));
    // "More time", like a citizen.
    j.ev(Event::ExtendTime);
    assert_eq!(j.m.warning(), None);
    j.after(T.technician_idle_ms - 1);
    assert_eq!(*j.state(), State::Maintenance);
    j.after(1);
    assert_eq!(*j.state(), State::Attract);
    assert_eq!(j.out, vec![Command::EndMaintenance, Command::Audit(AuditEvent::TechnicianTimedOut)]);
    assert_eq!(j.m.warning(), None);
    assert_eq!(j.m.language(), Language::Id);
}

#[test]
fn console_taps_keep_it_open_but_not_once_the_warning_is_up() {
    let mut j = J::new();
    j.ev(Event::EnterMaintenance);
    for _ in 0..5 {
        j.after(T.technician_idle_ms - T.warning_ms - 1).ev(Event::TechnicianActivity);
    }
    assert_eq!(*j.state(), State::Maintenance);
    assert_eq!(j.m.warning(), None);
    // The warning is modal: a tap behind it is not an answer to it.
    j.after(T.technician_idle_ms - T.warning_ms).ev(Event::TechnicianActivity);
    assert!(j.m.warning().is_some());
    j.after(T.warning_ms);
    assert_eq!(*j.state(), State::Attract);
}

#[test]
fn console_timeout_is_its_own_not_the_last_citizens() {
    // A citizen session long ago: its absolute limit and its idle rule do not apply to
    // the console, which gets the technician's idle time from the gesture on.
    let mut j = J::new();
    j.ev(Event::Start).ev(Event::Cancel).after(T.session_limit_ms * 2);
    j.ev(Event::EnterMaintenance);
    j.after(T.idle_ms);
    assert_eq!(*j.state(), State::Maintenance, "the citizen idle time is shorter");
    assert_eq!(j.m.warning(), None, "no stale session-limit warning");
    j.after(T.technician_idle_ms - T.idle_ms);
    assert_eq!(*j.state(), State::Attract);
    // The next citizen gets the citizen timing again.
    j.ev(Event::Start).after(T.idle_ms);
    assert_eq!(*j.state(), State::Attract);
}

#[test]
fn ending_from_the_console_warning_leaves_the_console() {
    let mut j = J::new();
    j.ev(Event::EnterMaintenance);
    j.after(T.technician_idle_ms - T.warning_ms).ev(Event::Cancel);
    assert_eq!(*j.state(), State::Attract);
    assert_eq!(j.out, vec![Command::EndMaintenance, Command::Audit(AuditEvent::TechnicianExit)]);
}
