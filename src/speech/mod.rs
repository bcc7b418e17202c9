//! Voice guidance (issue #18): what the kiosk says, and the engines that say it.
//!
//! Korea's 2021 unmanned-kiosk standard, ADA 707.5 and Section 508 402.2 ask for speech
//! output a blind citizen can use privately: through headphones, every screen spoken on
//! entry, the focused control on focus, errors and the timeout warning spoken, the PIN
//! never spoken. The UI (`ui/*.slint`) only reports what it shows and what has the focus
//! (the `Voice` global), always in the session's language; `narrator.rs` turns that into
//! utterances; a `Speaker` says them.
//!
//! - `espeak.rs`: the real engine. Debian's espeak-ng (its `id` and `en` voices, offline)
//!   through ALSA (`aplay`).
//! - `record.rs`: the headless one. It keeps a transcript and writes WAV files for the
//!   demo and the tests.
//! - `jack.rs`: headphone jack detection. The kernel's input switch `SW_HEADPHONE_INSERT`
//!   starts voice guidance the moment headphones are plugged in.

pub mod espeak;
pub mod jack;
pub mod narrator;
pub mod record;

use crate::session::Language;

/// Why something is said: tests and the transcript tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A screen's title and text, on entry (or repeated on request).
    Screen,
    /// The control that just got the keyboard focus.
    Focus,
    /// An error or the timeout warning.
    Alert,
    /// A key typed: the digit itself for a NIK, "bintang" for a PIN.
    Echo,
    /// How to use the keys, the volume, and the like.
    Help,
}

/// One thing to say, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    pub kind: Kind,
    pub language: Language,
    pub text: String,
}

/// Says utterances. A new one cuts off whatever is still being said, as a screen reader
/// does: a citizen moving on does not want to wait for the old screen's text.
pub trait Speaker {
    fn say(&mut self, utterance: &Utterance);
    /// Loudness step, 1 (quietest) to `VOLUME_STEPS` (loudest).
    fn set_volume(&mut self, step: u8);
}

/// Volume steps offered on the keypad ("+" and "−").
pub const VOLUME_STEPS: u8 = 5;
/// Where a session's guidance starts: the middle.
pub const DEFAULT_VOLUME: u8 = 3;
