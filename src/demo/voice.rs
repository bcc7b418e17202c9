//! The citizen journey by keys only, with voice guidance (issue #18), as a blind citizen
//! with a USB keypad and headphones would make it: help key, arrow keys to the control the
//! narrator names, Enter, digits typed on the keypad. One wrong PIN and the timeout
//! warning on the way, so errors and the warning are heard too. The speech goes to
//! `speech/NN-<screen>.wav` and `speech/transcript.txt`.

use std::path::{Path, PathBuf};

use slint::platform::Key;

use super::{DemoError, WAIT};
use crate::app::Kiosk;
use crate::demo::{DEMO_NIK, DEMO_PIN};
use crate::headless::{enter, focus, press_key, settle, type_keys, wait_for};
use crate::runtime::clock::ManualClock;
use crate::session::State;
use crate::speech::narrator::{Silent, Spoken};

/// What the voice journey said, and the files it was written to.
#[derive(Debug)]
pub struct Speech {
    pub transcript: Vec<Spoken>,
    pub files: Vec<PathBuf>,
}

fn wait(kiosk: &Kiosk, done: impl Fn(&State) -> bool) -> Result<(), DemoError> {
    wait_for(kiosk, WAIT, done)?;
    settle(kiosk);
    Ok(())
}

/// The journey from the attract screen back to it; `dir` receives the speech.
pub(super) fn script(kiosk: &Kiosk, clock: &ManualClock, dir: &Path) -> Result<Speech, DemoError> {
    kiosk.set_speaker(Box::new(Silent));
    wait(kiosk, |s| matches!(s, State::Attract))?;
    // Guidance on: the help key ("?" or "/" on a numeric keypad works the same).
    press_key(&kiosk.app, Key::F1);
    settle(kiosk);
    focus(kiosk, "Sentuh di sini untuk mulai")?;
    enter(kiosk);
    wait(kiosk, |s| matches!(s, State::ChooseMethod))?;
    focus(kiosk, "Ketik NIK dan PIN saya")?;
    enter(kiosk);
    wait(kiosk, |s| matches!(s, State::EnterNik { .. }))?;
    type_keys(kiosk, DEMO_NIK);
    // Enter with nothing focused sends the number, as "Lanjut" does.
    enter(kiosk);
    wait(kiosk, |s| matches!(s, State::EnterPin { .. }))?;
    // A wrong PIN first: the error is said, the PIN never (only "bintang" per digit).
    type_keys(kiosk, "999999");
    enter(kiosk);
    wait(kiosk, |s| matches!(s, State::EnterPin { problem: Some(_), .. }))?;
    type_keys(kiosk, DEMO_PIN);
    enter(kiosk);
    wait(kiosk, |s| matches!(s, State::Documents { .. }))?;
    // The citizen listens a long while: the warning comes (later in audio mode) and is
    // said with the keys that answer it; Enter gives more time.
    let m = kiosk.runtime.borrow().machine().timing();
    clock.advance(2 * (m.idle_ms - m.warning_ms) + 1_000);
    wait(kiosk, |_| kiosk.runtime.borrow().machine().warning().is_some())?;
    enter(kiosk);
    wait(kiosk, |_| kiosk.runtime.borrow().machine().warning().is_none())?;
    focus(kiosk, "Lanjut dengan")?;
    enter(kiosk);
    wait(kiosk, |s| matches!(s, State::Confirm { .. }))?;
    focus(kiosk, "Cetak sekarang")?;
    // What a sighted keypad user sees: the ring on the focused control.
    let ring = dir.with_file_name("screens").join("keys").join("confirm-focus.png");
    std::fs::create_dir_all(ring.parent().unwrap_or(dir))
        .map_err(|e| DemoError::Script(format!("{}: {e}", ring.display())))?;
    crate::headless::snapshot(&kiosk.app, &ring)?;
    enter(kiosk);
    wait(
        kiosk,
        |s| matches!(s, State::Collect { receipt, .. } if *receipt != crate::session::ReceiptOutcome::Pending),
    )?;
    focus(kiosk, "Selesai")?;
    enter(kiosk);
    wait(kiosk, |s| matches!(s, State::Goodbye))?;
    let transcript = kiosk.narrator.borrow().transcript().to_vec();
    let files =
        crate::speech::record::export(dir, &transcript).map_err(|e| DemoError::Script(format!("speech: {e}")))?;
    // The goodbye's "Done": back to the start, guidance off with the session.
    focus(kiosk, "Selesai")?;
    enter(kiosk);
    wait(kiosk, |s| matches!(s, State::Attract))?;
    Ok(Speech { transcript, files })
}
