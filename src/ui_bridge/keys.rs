//! What a key of a USB keypad or keyboard does on the current screen (issue #18: the whole
//! journey without touching the screen). Pure: the UI reports the key (`KeyAction`, or a
//! character typed), this decides, the caller carries it out.
//!
//! A numeric keypad is what ADMs and Korea's standard kiosks offer a blind citizen: digits
//! type where a number is asked for (NIK, PIN, codes), the arrow keys move the focus, Enter
//! chooses, and "/", "*", "+" and "−" are help, repeat and the volume.

use crate::session::{Event, State};
use crate::ui::KeyAction;

/// What to do for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOutcome {
    /// A session event, as if the matching on-screen key was touched.
    Event(Event),
    /// Move the keyboard focus to the next (or previous) control, as Tab does.
    FocusNext,
    FocusPrevious,
    /// Choose the focused control, as Enter does.
    Activate,
    /// Voice guidance on, and how to use the keys.
    Help,
    /// Say the screen again.
    Repeat,
    /// One volume step up (+1) or down (−1).
    Volume(i8),
    Nothing,
}

/// Where the screen asks for a PIN: its digits are never shown nor spoken.
pub(crate) fn takes_pin(state: &State) -> bool {
    matches!(state, State::EnterPin { .. } | State::EnterNoticePin { .. })
}

/// Where the screen asks for a number typed digit by digit.
pub(crate) fn takes_digits(state: &State) -> bool {
    matches!(state, State::EnterNik { .. } | State::EnterPin { .. } | State::EnterNoticePin { .. })
}

/// Where the screen asks for a code of letters and digits.
pub(crate) fn takes_code(state: &State) -> bool {
    matches!(state, State::EnterNoticeCode { .. } | State::CheckCode { .. })
}

/// A key of the keypad's navigation and function set.
pub fn on_key(state: &State, key: KeyAction) -> KeyOutcome {
    let typing = takes_digits(state) || takes_code(state);
    match key {
        KeyAction::Next => KeyOutcome::FocusNext,
        KeyAction::Previous => KeyOutcome::FocusPrevious,
        // Enter with nothing focused: where a number is typed it is sent (as the on-screen
        // "Next" / "Sign in" would); elsewhere it starts the focus at the first control.
        KeyAction::Enter if typing => KeyOutcome::Event(Event::Submit),
        KeyAction::Enter => KeyOutcome::FocusNext,
        KeyAction::Erase if typing => KeyOutcome::Event(Event::Backspace),
        KeyAction::Erase | KeyAction::Back => back(state),
        KeyAction::Help => KeyOutcome::Help,
        KeyAction::Repeat => KeyOutcome::Repeat,
        KeyAction::VolumeUp => KeyOutcome::Volume(1),
        KeyAction::VolumeDown => KeyOutcome::Volume(-1),
    }
}

/// Escape: what the screen's "Back" does; on the first screens of a session, where there
/// is none, "Cancel" (a citizen who wants out must never be stuck on a screen).
fn back(state: &State) -> KeyOutcome {
    match state {
        State::Attract | State::Goodbye | State::Maintenance => KeyOutcome::Nothing,
        State::ChooseMethod => KeyOutcome::Event(Event::Cancel),
        _ => KeyOutcome::Event(Event::Back),
    }
}

/// A character typed: a digit where a number is asked for, a letter or digit where a code
/// is. Anything else is ignored (a keyboard's other keys must not do something unseen).
pub fn on_typed(state: &State, text: &str) -> KeyOutcome {
    let mut chars = text.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return KeyOutcome::Nothing;
    };
    if takes_digits(state) {
        return match c.to_digit(10).and_then(|d| u8::try_from(d).ok()) {
            Some(d) => KeyOutcome::Event(Event::Digit(d)),
            None => KeyOutcome::Nothing,
        };
    }
    if takes_code(state) && c.is_ascii_alphanumeric() {
        // Codes are printed in capitals; the on-screen keyboard has no lower case.
        return KeyOutcome::Event(Event::CodeChar(c.to_ascii_uppercase() as u8));
    }
    // Where nothing is typed, a numeric keypad's digits move as its arrows do with Num
    // Lock off (8 up, 2 down, 4 left, 6 right) and 5, in their middle, chooses: a citizen
    // who cannot see the Num Lock light is never stuck with the wrong one.
    match c {
        '2' | '6' => KeyOutcome::FocusNext,
        '8' | '4' => KeyOutcome::FocusPrevious,
        '5' => KeyOutcome::Activate,
        _ => KeyOutcome::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use zeroize::Zeroizing;

    use super::*;

    fn nik() -> State {
        State::EnterNik { digits: Zeroizing::new(String::new()), error: None }
    }

    #[test]
    fn digits_type_where_a_number_is_asked_for_and_nowhere_else() {
        assert_eq!(on_typed(&nik(), "7"), KeyOutcome::Event(Event::Digit(7)));
        assert_eq!(on_typed(&nik(), "x"), KeyOutcome::Nothing);
        assert_eq!(on_typed(&State::Attract, "7"), KeyOutcome::Nothing);
        assert_eq!(on_typed(&State::ChooseMethod, "1"), KeyOutcome::Nothing);
        assert_eq!(on_typed(&State::Attract, "x"), KeyOutcome::Nothing);
        assert_eq!(on_typed(&nik(), "12"), KeyOutcome::Nothing);
    }

    #[test]
    fn where_nothing_is_typed_the_keypads_digits_move_and_choose() {
        assert_eq!(on_typed(&State::ChooseMethod, "2"), KeyOutcome::FocusNext);
        assert_eq!(on_typed(&State::ChooseMethod, "6"), KeyOutcome::FocusNext);
        assert_eq!(on_typed(&State::ChooseMethod, "8"), KeyOutcome::FocusPrevious);
        assert_eq!(on_typed(&State::ChooseMethod, "4"), KeyOutcome::FocusPrevious);
        assert_eq!(on_typed(&State::ChooseMethod, "5"), KeyOutcome::Activate);
        // Where a number is asked for, they are digits.
        assert_eq!(on_typed(&nik(), "2"), KeyOutcome::Event(Event::Digit(2)));
    }

    #[test]
    fn codes_take_letters_in_capitals() {
        let code = State::CheckCode { code: Zeroizing::new(String::new()) };
        assert_eq!(on_typed(&code, "k"), KeyOutcome::Event(Event::CodeChar(b'K')));
        assert_eq!(on_typed(&code, "4"), KeyOutcome::Event(Event::CodeChar(b'4')));
        assert_eq!(on_typed(&code, "é"), KeyOutcome::Nothing);
    }

    #[test]
    fn enter_submits_a_number_and_otherwise_starts_the_focus() {
        assert_eq!(on_key(&nik(), KeyAction::Enter), KeyOutcome::Event(Event::Submit));
        assert_eq!(on_key(&State::ChooseMethod, KeyAction::Enter), KeyOutcome::FocusNext);
    }

    #[test]
    fn backspace_deletes_a_digit_or_goes_back_and_escape_always_leaves() {
        assert_eq!(on_key(&nik(), KeyAction::Erase), KeyOutcome::Event(Event::Backspace));
        assert_eq!(on_key(&nik(), KeyAction::Back), KeyOutcome::Event(Event::Back));
        assert_eq!(on_key(&State::ChooseMethod, KeyAction::Back), KeyOutcome::Event(Event::Cancel));
        assert_eq!(on_key(&State::Attract, KeyAction::Back), KeyOutcome::Nothing);
    }

    #[test]
    fn function_keys() {
        assert_eq!(on_key(&State::Attract, KeyAction::Help), KeyOutcome::Help);
        assert_eq!(on_key(&State::Attract, KeyAction::Repeat), KeyOutcome::Repeat);
        assert_eq!(on_key(&State::Attract, KeyAction::VolumeUp), KeyOutcome::Volume(1));
        assert_eq!(on_key(&State::Attract, KeyAction::VolumeDown), KeyOutcome::Volume(-1));
        assert_eq!(on_key(&State::Attract, KeyAction::Next), KeyOutcome::FocusNext);
    }
}
