//! Attract, NIK and PIN entry, QR and notice-code sign-in.

use super::*;

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
