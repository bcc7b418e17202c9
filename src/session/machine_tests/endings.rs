//! Cancel and timeouts from every state, the session limit, language and display reset, and the
//! maintenance console's place in the machine.

use super::*;
use crate::session::state::DisplayOption;

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
        if name == "scan" || name == "check_scan" {
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
        let waits = matches!(
            name,
            "signing_in" | "loading" | "printing" | "checking" | "loading_applications" | "loading_services"
        );
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

// --- display modes (issue #18) -----------------------------------------------------------

const ALL_MODES: [DisplayOption; 3] = [DisplayOption::HighContrast, DisplayOption::LargeText, DisplayOption::LowReach];

fn all_modes_on(j: &mut J) {
    for option in ALL_MODES {
        j.ev(Event::ToggleDisplay(option));
    }
    assert_eq!(j.m.display(), Display { high_contrast: true, large_text: true, low_reach: true });
}

#[test]
fn display_modes_switch_anywhere_and_back() {
    let mut j = J::new();
    j.ev(Event::ToggleDisplay(DisplayOption::LargeText));
    assert_eq!(j.m.display(), Display { large_text: true, ..Display::default() });
    j.ev(Event::Start).ev(Event::ChooseNik).ev(Event::ToggleDisplay(DisplayOption::HighContrast));
    assert_eq!(j.m.display(), Display { large_text: true, high_contrast: true, low_reach: false });
    j.ev(Event::ToggleDisplay(DisplayOption::LargeText));
    assert_eq!(j.m.display(), Display { high_contrast: true, ..Display::default() });
    // The session goes on where it was.
    assert!(matches!(j.state(), State::EnterNik { .. }));
}

#[test]
fn display_modes_never_reach_the_next_citizen() {
    // Cancelled, timed out, or over the session limit from every state: default at once.
    for (name, mut j) in all_session_states() {
        all_modes_on(&mut j);
        j.ev(Event::Cancel);
        if matches!(j.state(), State::Attract) {
            assert_eq!(j.m.display(), Display::default(), "{name}: cancel");
        }
    }
    let mut j = enter_nik();
    all_modes_on(&mut j);
    j.after(T.idle_ms + 1);
    assert!(matches!(j.state(), State::Attract));
    assert_eq!(j.m.display(), Display::default(), "idle timeout");
    // Finished: the goodbye ("your data has been erased") is still shown in the citizen's
    // modes, the attract screen after it in the default one.
    let mut j = collect();
    all_modes_on(&mut j);
    j.ev(Event::Finish);
    assert!(matches!(j.state(), State::Goodbye));
    assert!(j.m.display().large_text);
    j.after(T.goodbye_ms + 1);
    assert!(matches!(j.state(), State::Attract));
    assert_eq!(j.m.display(), Display::default(), "after the goodbye");
    let mut j = collect();
    all_modes_on(&mut j);
    j.ev(Event::Finish).ev(Event::Start);
    assert_eq!(j.m.display(), Display::default(), "goodbye touched");
}

#[test]
fn a_mode_left_on_at_the_attract_screen_goes_after_the_idle_time() {
    let mut j = J::new();
    j.ev(Event::ToggleDisplay(DisplayOption::LowReach));
    j.after(T.idle_ms - 1);
    assert!(j.m.display().low_reach, "still being chosen");
    j.after(2);
    assert_eq!(j.m.display(), Display::default());
    assert!(matches!(j.state(), State::Attract));
}

#[test]
fn the_technician_console_always_opens_in_the_default_display() {
    let mut j = J::new();
    all_modes_on(&mut j);
    j.ev(Event::EnterMaintenance);
    assert!(matches!(j.state(), State::Maintenance));
    assert_eq!(j.m.display(), Display::default());
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
