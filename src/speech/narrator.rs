//! From what the UI shows to what is said, and when.
//!
//! The UI reports every title, text and error as it appears, and every control as it
//! gets the focus. The narrator keeps the current screen's texts (for "repeat" and for
//! guidance switched on mid-screen), and speaks them at the next `flush`, together, once
//! the whole screen has appeared: the kiosk's pump calls it every 100 ms. Everything is
//! heard only while voice guidance is on; nothing is kept once the screen is left, and the
//! transcript exists only where it was asked for (the demo and the tests).

use super::{DEFAULT_VOLUME, Kind, Speaker, Utterance, VOLUME_STEPS};
use crate::session::Language;

/// One thing said, on which screen (the demo's transcript and WAV files, the tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spoken {
    /// The screen's name as the UI knows it (`enter-pin`, …).
    pub screen: String,
    pub utterance: Utterance,
}

pub struct Narrator {
    speaker: Box<dyn Speaker>,
    on: bool,
    language: Language,
    volume: u8,
    screen: String,
    /// Texts of the current screen and how far down they are: those said, in the order
    /// said, then those not said yet, top to bottom.
    texts: Vec<(String, f32)>,
    /// How many of `texts` were spoken already.
    spoken: usize,
    /// Errors and warnings not yet spoken.
    alerts: Vec<String>,
    transcript: Option<Vec<Spoken>>,
    /// Whether the timeout warning was up at the last look (`app::voice::sync` moves the
    /// keyboard focus when it comes and goes).
    pub modal: bool,
}

impl Narrator {
    pub fn new(speaker: Box<dyn Speaker>) -> Narrator {
        Narrator {
            speaker,
            on: false,
            language: Language::default(),
            volume: DEFAULT_VOLUME,
            screen: String::new(),
            texts: Vec::new(),
            spoken: 0,
            alerts: Vec::new(),
            transcript: None,
            modal: false,
        }
    }

    /// Says from now on through `speaker` (what the screen showed is kept).
    pub fn set_speaker(&mut self, speaker: Box<dyn Speaker>) {
        self.speaker = speaker;
        self.speaker.set_volume(self.volume);
    }

    /// Keeps everything said (the demo and the tests; never on a kiosk: the NIK is echoed).
    pub fn keep_transcript(&mut self) {
        self.transcript.get_or_insert_with(Vec::new);
    }

    pub fn transcript(&self) -> &[Spoken] {
        self.transcript.as_deref().unwrap_or(&[])
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Voice guidance as the session machine has it. Switched on, the current screen is
    /// said from its start.
    pub fn set_on(&mut self, on: bool) {
        if on && !self.on {
            self.spoken = 0;
            self.speaker.set_volume(self.volume);
        }
        if !on {
            self.volume = DEFAULT_VOLUME;
        }
        self.on = on;
    }

    pub fn set_language(&mut self, language: Language) {
        self.language = language;
    }

    /// The UI shows another screen: what the last one said is gone. Whether it changed.
    pub fn screen(&mut self, name: &str) -> bool {
        if name == self.screen {
            return false;
        }
        self.screen = name.to_string();
        self.texts.clear();
        self.alerts.clear();
        self.spoken = 0;
        true
    }

    /// A title or text appeared on the screen, `y` pixels down the window. Texts not yet
    /// said are kept top to bottom (those at the same height in the order they came).
    pub fn shown(&mut self, text: &str, y: f32) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let from = self.spoken.min(self.texts.len());
        let at = from + self.texts[from..].partition_point(|(_, other)| *other <= y);
        self.texts.insert(at, (text.to_string(), y));
    }

    /// An error or the timeout warning appeared.
    pub fn alert(&mut self, text: &str) {
        let text = text.trim();
        if !text.is_empty() {
            self.alerts.push(text.to_string());
        }
    }

    /// A control got the focus: said at once, cutting off the screen's text (the citizen
    /// has moved on).
    pub fn focused(&mut self, label: &str) {
        self.flush();
        self.say(Kind::Focus, label.trim().to_string());
    }

    /// A key typed: the digit, or "bintang" for a PIN (the caller decides which).
    pub fn echo(&mut self, text: &str) {
        self.flush();
        self.say(Kind::Echo, text.to_string());
    }

    /// How to use the keys, then the screen from its start.
    pub fn help(&mut self, help: &str) {
        self.say(Kind::Help, help.to_string());
        self.spoken = 0;
        self.flush();
    }

    /// The screen again, from its start.
    pub fn repeat(&mut self) {
        self.spoken = 0;
        self.flush();
    }

    /// One step louder (+1) or quieter (−1), said in the new loudness.
    pub fn volume(&mut self, delta: i8, said: impl Fn(u8) -> String) {
        self.volume = self.volume.saturating_add_signed(delta).clamp(1, VOLUME_STEPS);
        self.speaker.set_volume(self.volume);
        self.say(Kind::Help, said(self.volume));
    }

    /// Says what appeared since the last flush: the screen's new texts, then its alerts,
    /// as one utterance so the one does not cut off the other.
    pub fn flush(&mut self) {
        if !self.on {
            // Kept for when guidance is switched on; alerts of the moment are not.
            self.alerts.clear();
            return;
        }
        let new = &self.texts[self.spoken.min(self.texts.len())..];
        if new.is_empty() && self.alerts.is_empty() {
            return;
        }
        let kind = if new.is_empty() { Kind::Alert } else { Kind::Screen };
        let text = sentences(new.iter().map(|(t, _)| t.as_str()).chain(self.alerts.iter().map(String::as_str)));
        self.spoken = self.texts.len();
        self.alerts.clear();
        self.say(kind, text);
    }

    fn say(&mut self, kind: Kind, text: String) {
        if !self.on || text.is_empty() {
            return;
        }
        let utterance = Utterance { kind, language: self.language, text };
        self.speaker.say(&utterance);
        if let Some(t) = &mut self.transcript {
            t.push(Spoken { screen: self.screen.clone(), utterance });
        }
    }
}

/// Texts said one after the other, each ended as a sentence: a title has no full stop, and
/// without one the engine runs it into the next text without a pause.
fn sentences<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for t in texts {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t);
        if !t.ends_with(['.', '!', '?', '…', ':']) {
            out.push('.');
        }
    }
    out
}

/// A speaker that says nothing (the headless demo without audio, the tests).
pub struct Silent;

impl Speaker for Silent {
    fn say(&mut self, _: &Utterance) {}
    fn set_volume(&mut self, _: u8) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn narrator() -> Narrator {
        let mut n = Narrator::new(Box::new(Silent));
        n.keep_transcript();
        n
    }

    fn said(n: &Narrator) -> Vec<(Kind, &str)> {
        n.transcript().iter().map(|s| (s.utterance.kind, s.utterance.text.as_str())).collect()
    }

    #[test]
    fn a_screen_is_said_once_whole_and_only_while_guidance_is_on() {
        let mut n = narrator();
        n.screen("attract");
        n.shown("Selamat datang", 0.0);
        n.flush();
        assert!(said(&n).is_empty());
        n.set_on(true);
        n.flush();
        n.flush();
        assert_eq!(said(&n), [(Kind::Screen, "Selamat datang.")]);
        n.screen("choose-method");
        n.shown("Bagaimana Anda ingin masuk?", 0.0);
        n.alert("Salah");
        n.flush();
        assert_eq!(said(&n)[1], (Kind::Screen, "Bagaimana Anda ingin masuk? Salah."));
    }

    #[test]
    fn a_screen_is_read_top_to_bottom_whatever_order_its_texts_were_made_in() {
        let mut n = narrator();
        n.set_on(true);
        n.screen("check-result");
        n.shown("Status dokumen", 100.0);
        n.shown("Dokumen ini sah", 400.0);
        n.shown("AKTIF", 250.0);
        n.shown("Sama tinggi", 400.0);
        n.flush();
        // Appears later, higher up: said after what was said already.
        n.shown("Catatan", 50.0);
        n.flush();
        assert_eq!(
            said(&n),
            [(Kind::Screen, "Status dokumen. AKTIF. Dokumen ini sah. Sama tinggi."), (Kind::Screen, "Catatan.")]
        );
    }

    #[test]
    fn focus_cuts_in_and_repeat_says_the_screen_again() {
        let mut n = narrator();
        n.set_on(true);
        n.screen("attract");
        n.shown("Selamat datang", 0.0);
        n.focused("Mulai");
        n.repeat();
        assert_eq!(
            said(&n),
            [(Kind::Screen, "Selamat datang."), (Kind::Focus, "Mulai"), (Kind::Screen, "Selamat datang.")]
        );
    }

    #[test]
    fn help_explains_then_reads_the_screen_from_its_start() {
        let mut n = narrator();
        n.screen("attract");
        n.shown("Selamat datang", 0.0);
        n.set_on(true);
        n.help("Panduan suara aktif.");
        assert_eq!(said(&n), [(Kind::Help, "Panduan suara aktif."), (Kind::Screen, "Selamat datang.")]);
    }

    #[test]
    fn volume_stays_within_its_steps() {
        let mut n = narrator();
        n.set_on(true);
        for _ in 0..10 {
            n.volume(1, |v| format!("Volume {v}"));
        }
        assert_eq!(said(&n).last(), Some(&(Kind::Help, "Volume 5")));
        for _ in 0..10 {
            n.volume(-1, |v| format!("Volume {v}"));
        }
        assert_eq!(said(&n).last(), Some(&(Kind::Help, "Volume 1")));
    }
}
