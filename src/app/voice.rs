//! Keys and voice guidance, wired: the UI's `Voice` reports and `Kiosk.key`/`Kiosk.typed`
//! keys go to the narrator and the session; the narrator follows the machine (on or off,
//! language, screen).

use std::cell::RefCell;
use std::rc::Rc;

use slint::ComponentHandle;
use slint::platform::{Key, WindowEvent};

use crate::runtime::Runtime;
use crate::session::{Event, Machine, State};
use crate::speech::narrator::Narrator;
use crate::ui::{AppWindow, Kiosk, Voice};
use crate::ui_bridge::keys::{self, KeyOutcome};

/// What a key typed is echoed as, decided before the machine takes it (afterwards the
/// screen may have changed).
pub(super) enum Echo {
    /// A PIN digit: "bintang", never the digit.
    Star,
    Char(char),
    Deleted,
}

pub(super) fn echo_of(state: &State, event: &Event) -> Option<Echo> {
    let pin = keys::takes_pin(state);
    let typing = keys::takes_digits(state) || keys::takes_code(state);
    match event {
        Event::Digit(_) if pin => Some(Echo::Star),
        Event::Digit(d) if typing => char::from_digit(u32::from(*d), 10).map(Echo::Char),
        Event::CodeChar(c) if typing => Some(Echo::Char(char::from(*c))),
        Event::Backspace if typing => Some(Echo::Deleted),
        _ => None,
    }
}

pub(super) fn say_echo(app: &AppWindow, narrator: &RefCell<Narrator>, echo: Echo) {
    let v = app.global::<Voice>();
    let text = match echo {
        Echo::Star => v.get_star().to_string(),
        Echo::Char(c) => c.to_string(),
        Echo::Deleted => v.get_deleted().to_string(),
    };
    narrator.borrow_mut().echo(&text);
}

/// The narrator as the machine has it: on or off, the language, the screen shown. The
/// keyboard focus goes back to the window when the screen changes or the timeout warning
/// comes or goes (the focused control is gone or hidden: keys would be lost).
pub(super) fn sync(app: &AppWindow, narrator: &RefCell<Narrator>, m: &Machine) {
    let k = app.global::<Kiosk>();
    let warning = k.get_warning_visible();
    let mut n = narrator.borrow_mut();
    n.set_language(m.language());
    let starting = m.voice() && !n.is_on();
    n.set_on(m.voice());
    if starting {
        // However it started (headphones plugged in, the help key): how to use the keys
        // first, then the screen from its start.
        n.help(&app.global::<Voice>().get_help());
    }
    let new_screen = n.screen(&screen_name(k.get_screen()));
    if new_screen || warning != n.modal {
        n.modal = warning;
        drop(n);
        app.invoke_reset_focus();
    }
}

/// `Screen::EnterNoticePin` → `enter-notice-pin`, as the UI names it.
pub fn screen_name(screen: crate::ui::Screen) -> String {
    let mut out = String::new();
    for (i, c) in format!("{screen:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Moves the keyboard focus as Tab (or Shift+Tab) does: the window's own focus chain, in
/// the order of the UI tree, so the UI needs no list of its controls.
fn move_focus(app: &AppWindow, forward: bool) {
    press(app, if forward { Key::Tab } else { Key::Backtab });
}

fn press(app: &AppWindow, key: Key) {
    app.window().dispatch_event(WindowEvent::KeyPressed { text: key.into() });
    app.window().dispatch_event(WindowEvent::KeyReleased { text: key.into() });
}

/// Wires the UI's reports and keys. `sink` takes session events as a touch would.
pub(super) fn connect(
    app: &AppWindow,
    runtime: Rc<RefCell<Runtime>>,
    narrator: Rc<RefCell<Narrator>>,
    sink: Rc<dyn Fn(Event)>,
) {
    let v = app.global::<Voice>();
    let n = narrator.clone();
    v.on_shown(move |text, y| n.borrow_mut().shown(&text, y));
    let n = narrator.clone();
    v.on_alert(move |text| n.borrow_mut().alert(&text));
    let n = narrator.clone();
    v.on_focused(move |label| n.borrow_mut().focused(&label));

    let k = app.global::<Kiosk>();
    let weak = app.as_weak();
    let (rt, n, s) = (runtime.clone(), narrator.clone(), sink.clone());
    k.on_key(move |action| {
        let outcome = keys::on_key(rt.borrow().machine().state(), action);
        if let Some(app) = weak.upgrade() {
            carry_out(&app, &n, &s, outcome);
        }
    });
    let weak = app.as_weak();
    k.on_typed(move |text| {
        let outcome = keys::on_typed(runtime.borrow().machine().state(), &text);
        if let Some(app) = weak.upgrade() {
            carry_out(&app, &narrator, &sink, outcome);
        }
    });
}

fn carry_out(app: &AppWindow, narrator: &RefCell<Narrator>, sink: &Rc<dyn Fn(Event)>, outcome: KeyOutcome) {
    match outcome {
        KeyOutcome::Event(event) => sink(event),
        KeyOutcome::FocusNext => move_focus(app, true),
        KeyOutcome::FocusPrevious => move_focus(app, false),
        KeyOutcome::Activate => press(app, Key::Return),
        KeyOutcome::Help => {
            // The machine switches guidance on (and lengthens the timeouts); the sink
            // brings the narrator along, which explains the keys as guidance starts. Asked
            // again, it explains again.
            let was_on = narrator.borrow().is_on();
            sink(Event::HelpKey);
            if was_on {
                let help = app.global::<Voice>().get_help();
                narrator.borrow_mut().help(&help);
            }
        }
        KeyOutcome::Repeat => narrator.borrow_mut().repeat(),
        KeyOutcome::Volume(delta) => {
            let v = app.global::<Voice>();
            narrator.borrow_mut().volume(delta, |step| v.invoke_volume(i32::from(step)).to_string());
        }
        KeyOutcome::Nothing => {}
    }
}

#[cfg(test)]
mod tests {
    use zeroize::Zeroizing;

    use super::*;

    #[test]
    fn a_pin_digit_is_echoed_as_a_star_a_nik_digit_as_itself() {
        let pin = State::EnterPin {
            nik: crate::nik::Nik::parse("3201011505800001").expect("valid NIK"),
            pin: Zeroizing::new(String::new()),
            problem: None,
        };
        assert!(matches!(echo_of(&pin, &Event::Digit(4)), Some(Echo::Star)));
        let nik = State::EnterNik { digits: Zeroizing::new(String::new()), error: None };
        assert!(matches!(echo_of(&nik, &Event::Digit(4)), Some(Echo::Char('4'))));
        assert!(echo_of(&State::Attract, &Event::Digit(4)).is_none());
    }

    #[test]
    fn screen_names_are_the_uis() {
        assert_eq!(screen_name(crate::ui::Screen::EnterNoticePin), "enter-notice-pin");
        assert_eq!(screen_name(crate::ui::Screen::Attract), "attract");
    }
}
