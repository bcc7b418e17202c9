//! Voice guidance (issue #18): the help key and the headphone jack turn it on, the longer
//! timing it brings (WCAG 2.2.1), and where it resets.

use super::*;

/// The timing of a citizen in voice guidance.
const VOICE_IDLE: Millis = T.idle_ms * VOICE_TIME_FACTOR;
const VOICE_WARNING: Millis = T.warning_ms * VOICE_TIME_FACTOR;

#[test]
fn the_help_key_turns_voice_on_anywhere() {
    let mut j = J::new();
    assert!(!j.m.voice());
    j.ev(Event::HelpKey);
    assert!(j.m.voice(), "attract screen");
    assert!(j.out.is_empty());
    for (name, mut j) in all_session_states() {
        let state = j.state().clone();
        j.ev(Event::HelpKey);
        assert!(j.m.voice(), "{name}");
        assert_eq!(*j.state(), state, "{name}: the screen stays");
        assert!(j.out.is_empty(), "{name}");
    }
}

#[test]
fn in_voice_guidance_the_idle_time_is_doubled() {
    let mut j = enter_nik();
    j.after(10_000).ev(Event::HelpKey);
    // The help key is a touch: the longer clock starts from it.
    j.after(VOICE_IDLE - 1);
    assert!(matches!(j.state(), State::EnterNik { .. }), "{:?}", j.state());
    j.after(1);
    assert!(j.ended(EndReason::IdleTimeout));
    assert_eq!(*j.state(), State::Attract);
}

#[test]
fn in_voice_guidance_the_warning_comes_twice_as_early() {
    let mut j = choose();
    j.ev(Event::HelpKey);
    j.after(VOICE_IDLE - VOICE_WARNING - 1);
    assert_eq!(j.m.warning(), None);
    j.after(1);
    assert_eq!(j.m.warning(), Some(Warning { seconds_left: VOICE_WARNING / 1000, extendable: true }));
    // "More time" gives the voice-guidance time again.
    j.ev(Event::ExtendTime);
    assert_eq!(j.m.warning(), None);
    j.after(VOICE_IDLE - 1);
    assert!(matches!(j.state(), State::ChooseMethod));
}

#[test]
fn the_session_limit_stays_and_is_announced_earlier() {
    let mut j = choose();
    let limit = j.now + T.session_limit_ms;
    j.ev(Event::HelpKey);
    // A citizen who keeps going: only the absolute limit can end the session.
    while j.now + 30_000 < limit - VOICE_WARNING {
        j.after(30_000).ev(Event::Clear);
    }
    j.now = limit - VOICE_WARNING - 1;
    j.ev(Event::Tick);
    assert_eq!(j.m.warning(), None);
    j.after(1);
    assert_eq!(j.m.warning(), Some(Warning { seconds_left: VOICE_WARNING / 1000, extendable: false }));
    j.after(VOICE_WARNING - 1);
    assert!(matches!(j.state(), State::ChooseMethod));
    j.after(1);
    assert!(j.ended(EndReason::SessionLimit));
}

#[test]
fn the_help_key_on_the_warning_turns_voice_on_without_more_time() {
    let mut j = choose();
    j.after(T.idle_ms - T.warning_ms);
    assert!(j.m.warning().is_some());
    j.ev(Event::HelpKey);
    assert!(j.m.voice());
    assert!(j.out.is_empty());
    // Still the same warning, counting down to the same end.
    assert_eq!(j.m.warning(), Some(Warning { seconds_left: T.warning_ms / 1000, extendable: true }));
    j.after(T.warning_ms);
    assert!(j.ended(EndReason::IdleTimeout));
}

#[test]
fn the_help_key_on_the_warning_then_more_time_gives_the_voice_time() {
    let mut j = choose();
    j.after(T.idle_ms - T.warning_ms).ev(Event::HelpKey).ev(Event::ExtendTime);
    assert_eq!(j.m.warning(), None);
    j.after(VOICE_IDLE - 1);
    assert!(matches!(j.state(), State::ChooseMethod));
    j.after(1);
    assert!(j.ended(EndReason::IdleTimeout));
}

#[test]
fn headphones_plugged_in_turn_voice_on_and_restart_the_idle_time() {
    let mut j = enter_nik();
    j.after(T.idle_ms - T.warning_ms - 1);
    j.ev(Event::Headphones(true));
    assert!(j.m.voice());
    assert!(j.m.headphones());
    assert!(j.out.is_empty());
    j.after(VOICE_IDLE - 1);
    assert!(matches!(j.state(), State::EnterNik { .. }));
    j.after(1);
    assert!(j.ended(EndReason::IdleTimeout));
}

#[test]
fn headphones_pulled_out_turn_voice_off_and_the_timing_back() {
    let mut j = enter_nik();
    j.ev(Event::Headphones(true));
    j.after(5_000).ev(Event::Headphones(false));
    assert!(!j.m.voice());
    assert!(!j.m.headphones());
    j.after(T.idle_ms - T.warning_ms);
    assert_eq!(j.m.warning(), Some(Warning { seconds_left: T.warning_ms / 1000, extendable: true }));
    j.after(T.warning_ms);
    assert!(j.ended(EndReason::IdleTimeout));
}

#[test]
fn pulling_the_headphones_out_turns_off_help_key_voice_too() {
    let mut j = enter_nik();
    j.ev(Event::Headphones(true)).ev(Event::HelpKey).ev(Event::Headphones(false));
    assert!(!j.m.voice());
}

#[test]
fn a_jack_report_that_changes_nothing_does_nothing() {
    // The runtime's first reading at start ("unplugged") must not undo the help key.
    let mut j = enter_nik();
    j.ev(Event::HelpKey).ev(Event::Headphones(false));
    assert!(j.m.voice());
    // Nor restart the clock.
    let mut j = enter_nik();
    j.after(T.idle_ms - 1).ev(Event::Headphones(false)).after(1);
    assert!(j.ended(EndReason::IdleTimeout));
}

#[test]
fn headphones_still_plugged_keep_voice_across_the_session_end() {
    // Cancelled from every state.
    for (name, mut j) in all_session_states() {
        j.ev(Event::Headphones(true));
        j.ev(Event::Cancel);
        assert!(j.m.voice(), "{name}");
    }
    // Finished, and through the goodbye to the attract screen.
    let mut j = collect();
    j.ev(Event::Headphones(true)).ev(Event::Finish);
    assert!(matches!(j.state(), State::Goodbye));
    j.after(T.goodbye_ms + 1);
    assert!(matches!(j.state(), State::Attract));
    assert!(j.m.voice(), "after the goodbye");
    // Left at the attract screen for longer than the idle time.
    j.after(2 * VOICE_IDLE);
    assert!(j.m.voice(), "attract idle");
    // The next citizen, headphones on, has the voice-guidance time from the start.
    j.ev(Event::Start);
    j.after(VOICE_IDLE - 1);
    assert!(matches!(j.state(), State::ChooseMethod));
}

#[test]
fn help_key_voice_never_reaches_the_next_citizen() {
    for (name, mut j) in all_session_states() {
        j.ev(Event::HelpKey);
        j.ev(Event::Cancel);
        if matches!(j.state(), State::Attract) {
            assert!(!j.m.voice(), "{name}: cancel");
        }
    }
    let mut j = enter_nik();
    j.ev(Event::HelpKey);
    j.after(VOICE_IDLE);
    assert!(j.ended(EndReason::IdleTimeout));
    assert!(!j.m.voice(), "idle timeout");
    // The goodbye is still spoken; the attract screen after it is not.
    let mut j = collect();
    j.ev(Event::HelpKey).ev(Event::Finish);
    assert!(matches!(j.state(), State::Goodbye));
    assert!(j.m.voice());
    j.after(T.goodbye_ms + 1);
    assert!(matches!(j.state(), State::Attract));
    assert!(!j.m.voice(), "after the goodbye");
    let mut j = collect();
    j.ev(Event::HelpKey).ev(Event::Finish).ev(Event::Start);
    assert!(!j.m.voice(), "goodbye touched");
    // The next session starts with the sighted timing.
    let mut j = choose();
    j.ev(Event::HelpKey).ev(Event::Cancel).ev(Event::Start);
    j.after(T.idle_ms);
    assert!(j.ended(EndReason::IdleTimeout));
}

#[test]
fn help_key_voice_left_at_the_attract_screen_goes_after_the_idle_time() {
    let mut j = J::new();
    j.ev(Event::HelpKey);
    j.after(VOICE_IDLE - 1);
    assert!(j.m.voice(), "still listening");
    j.after(1);
    assert!(!j.m.voice());
    assert!(matches!(j.state(), State::Attract));
    assert!(j.out.is_empty());
}

#[test]
fn the_technician_console_keeps_its_own_timing() {
    let mut j = J::new();
    j.ev(Event::HelpKey).ev(Event::EnterMaintenance);
    assert!(!j.m.voice(), "the console opens without the citizen's voice");
    let mut j = J::new();
    j.ev(Event::Headphones(true)).ev(Event::EnterMaintenance);
    assert!(j.m.voice(), "headphones still plugged");
    // Neither the console's idle time nor its warning is stretched.
    j.after(T.technician_idle_ms - T.warning_ms - 1);
    assert_eq!(j.m.warning(), None);
    j.after(1);
    assert_eq!(j.m.warning(), Some(Warning { seconds_left: T.warning_ms / 1000, extendable: true }));
    j.after(T.warning_ms);
    assert!(j.has(|c| matches!(c, Command::EndMaintenance)));
    assert!(j.m.voice(), "headphones still plugged");
    // Leaving the console resets like the display: to the jack.
    let mut j = J::new();
    j.ev(Event::EnterMaintenance).ev(Event::HelpKey).ev(Event::ExitMaintenance);
    assert!(!j.m.voice());
}

#[test]
fn the_scan_window_closes_before_the_voice_warning() {
    let sighted = scan().m.scan_window_ms();
    let mut j = choose();
    j.ev(Event::HelpKey).ev(Event::ChooseQr);
    let window = j.m.scan_window_ms();
    assert!(window >= sighted);
    assert!(window <= VOICE_IDLE - VOICE_WARNING - 10_000);
    j.after(window);
    assert_eq!(*j.state(), State::ScanQr { problem: None, hint: None, expired: true });
    assert_eq!(j.m.warning(), None, "the window closed before the warning");
}
