//! The kiosk's voice: Debian's espeak-ng, offline, played through ALSA.
//!
//! Each utterance is one `espeak-ng --stdout` piped into one `aplay`, two child processes
//! and no shell. A new utterance kills the pair still speaking, as a screen reader cuts
//! itself off: a citizen who moved on does not wait for the old screen's text. espeak-ng
//! runs in its own process rather than linked in, so a crash or a hang in the synthesiser
//! (or the sound card's driver under `aplay`) can never take the kiosk's UI with it.
//!
//! A kiosk without espeak-ng or aplay (a developer machine, a broken image) keeps working
//! silently: the missing program is logged once and guidance is skipped.

use std::io;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};

use super::{DEFAULT_VOLUME, Speaker, Utterance, VOLUME_STEPS};
use crate::session::Language;

const ESPEAK: &str = "espeak-ng";
const APLAY: &str = "aplay";

/// Words per minute. espeak-ng's default is 175; many of the citizens who need the voice
/// are elderly (the blind population skews old), and synthetic speech a little slower than
/// conversation is understood better by older listeners and by anyone hearing a place
/// name or a number once, through a kiosk's headphones, in a noisy office.
pub const RATE_WPM: u32 = 150;

/// espeak-ng amplitude (`-a`, 0–200, its default 100) for each volume step, quietest
/// first. Roughly even loudness steps, the middle (the session's start, `DEFAULT_VOLUME`)
/// at espeak-ng's own level; the top stops short of 200, where it clips.
pub const AMPLITUDES: [u32; VOLUME_STEPS as usize] = [40, 70, 100, 140, 180];

/// Why a WAV file could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("{program} could not be started: {source}")]
    Spawn {
        program: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("{program} failed ({status}): {stderr}")]
    Failed { program: &'static str, status: ExitStatus, stderr: String },
}

/// The espeak-ng voice for a language: its Indonesian and English voices, both in Debian's
/// `espeak-ng-data`.
pub fn voice(language: Language) -> &'static str {
    match language {
        Language::Id => "id",
        Language::En => "en",
    }
}

/// The amplitude for a volume step; steps outside 1..=VOLUME_STEPS are taken as the
/// nearest one.
pub fn amplitude(step: u8) -> u32 {
    let index = usize::from(step.clamp(1, VOLUME_STEPS)) - 1;
    AMPLITUDES[index]
}

/// Text as it goes to espeak-ng: control characters (line breaks from the UI's wrapped
/// texts, a stray escape) become spaces, so they are neither spoken nor taken as commands,
/// and the ends are trimmed. `None` when nothing speakable is left.
pub fn clean_text(text: &str) -> Option<String> {
    let cleaned: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let trimmed = cleaned.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// The espeak-ng command for `text` (already cleaned), without its output option. The
/// text is one argument after `--`: nothing in it is ever read as an option (a text
/// starting with "-" would otherwise be), and no shell sees it.
fn espeak_command(language: Language, amplitude: u32) -> Command {
    let mut cmd = Command::new(ESPEAK);
    cmd.arg("-v").arg(voice(language)).arg("-a").arg(amplitude.to_string()).arg("-s").arg(RATE_WPM.to_string());
    cmd
}

/// Speaks through espeak-ng and aplay (see the module's documentation).
#[derive(Debug)]
pub struct Espeak {
    /// ALSA device for `aplay -D` (the headphone output); None: ALSA's default.
    device: Option<String>,
    amplitude: u32,
    /// The pipeline of the utterance being said (espeak-ng, then aplay), or of the last
    /// one if it has finished (reaped at the next utterance).
    running: Vec<Child>,
    /// A program was missing and that was logged: logged once, not at every utterance.
    warned: bool,
}

impl Espeak {
    /// A speaker playing on ALSA `device` (e.g. `"plughw:CARD=PCH,DEV=0"`), or on ALSA's
    /// default device. Nothing is started until the first utterance.
    pub fn new(device: Option<String>) -> Self {
        Espeak { device, amplitude: amplitude(DEFAULT_VOLUME), running: Vec::new(), warned: false }
    }

    /// Cuts off what is being said: both processes killed and reaped (no zombies left
    /// behind by a kiosk that speaks all day).
    pub fn stop(&mut self) {
        for mut child in self.running.drain(..) {
            // Fails only when it already exited, which is what we want anyway.
            let _ = child.kill();
            if let Err(e) = child.wait() {
                tracing::debug!(error = %e, "speech process not reaped");
            }
        }
    }

    fn unavailable(&mut self, program: &str, e: &io::Error) {
        if !self.warned {
            self.warned = true;
            tracing::warn!(program, error = %e, "voice guidance cannot be played: skipped");
        }
    }

    /// Starts espeak-ng piped into aplay for `text`; what started is kept in `running`.
    fn start(&mut self, language: Language, text: &str) {
        let mut espeak = espeak_command(language, self.amplitude);
        espeak.arg("--stdout").arg("--").arg(text);
        espeak.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
        let mut synth = match espeak.spawn() {
            Ok(child) => child,
            Err(e) => return self.unavailable(ESPEAK, &e),
        };
        let Some(wav) = synth.stdout.take() else {
            // Cannot happen with `Stdio::piped()`; nothing to play then.
            self.running.push(synth);
            return;
        };
        // espeak-ng writes a WAV (header included) to the pipe: aplay takes the format
        // from it.
        let mut aplay = Command::new(APLAY);
        aplay.arg("-q");
        if let Some(device) = &self.device {
            aplay.arg("-D").arg(device);
        }
        aplay.stdin(Stdio::from(wav)).stdout(Stdio::null()).stderr(Stdio::null());
        // espeak-ng first in the list so it is killed first: a synthesiser writing into a
        // pipe nobody reads would block, not exit.
        self.running.push(synth);
        match aplay.spawn() {
            Ok(child) => self.running.push(child),
            Err(e) => {
                self.stop();
                self.unavailable(APLAY, &e);
            }
        }
    }
}

impl Speaker for Espeak {
    fn say(&mut self, utterance: &Utterance) {
        self.stop();
        if let Some(text) = clean_text(&utterance.text) {
            self.start(utterance.language, &text);
        }
    }

    /// From the next utterance on; what is being said keeps its loudness.
    fn set_volume(&mut self, step: u8) {
        self.amplitude = amplitude(step);
    }
}

impl Drop for Espeak {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes `text` spoken in `language` to the WAV file `path` (the recorder's files for the
/// demo and the tests), with the kiosk's rate and the default volume.
pub fn synthesize_wav(text: &str, language: Language, path: &Path) -> Result<(), SpeechError> {
    let text = clean_text(text).unwrap_or_default();
    let output = espeak_command(language, amplitude(DEFAULT_VOLUME))
        .arg("-w")
        .arg(path)
        .arg("--")
        .arg(text)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|source| SpeechError::Spawn { program: ESPEAK, source })?;
    if !output.status.success() {
        return Err(SpeechError::Failed {
            program: ESPEAK,
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::Kind;

    fn espeak_present() -> bool {
        Command::new(ESPEAK).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
    }

    #[test]
    fn selamat_datang_becomes_a_wav_file() {
        if !espeak_present() {
            println!("espeak-ng is not installed: synthesize_wav not tested");
            return;
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("selamat.wav");
        synthesize_wav("Selamat datang", Language::Id, &path).expect("espeak-ng writes the file");
        let bytes = std::fs::read(&path).expect("the file is there");
        assert_eq!(&bytes[..4], b"RIFF");
        assert_eq!(&bytes[8..12], b"WAVE");
        assert!(bytes.len() > 1024, "{} bytes", bytes.len());
    }

    #[test]
    fn a_text_that_looks_like_an_option_is_spoken_not_obeyed() {
        if !espeak_present() {
            println!("espeak-ng is not installed: not tested");
            return;
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("dash.wav");
        // Without the `--`, espeak-ng would take "--version" as its option and write nothing.
        synthesize_wav("--version", Language::En, &path).expect("spoken");
        assert!(std::fs::metadata(&path).map(|m| m.len() > 1024).unwrap_or(false));
    }

    #[test]
    fn voices_and_volume_steps() {
        assert_eq!(voice(Language::Id), "id");
        assert_eq!(voice(Language::En), "en");
        assert_eq!(amplitude(1), 40);
        assert_eq!(amplitude(DEFAULT_VOLUME), 100);
        assert_eq!(amplitude(VOLUME_STEPS), 180);
        assert_eq!(amplitude(0), 40);
        assert_eq!(amplitude(u8::MAX), 180);
        assert!(AMPLITUDES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn control_characters_are_not_passed_on() {
        assert_eq!(clean_text("Masukkan\nNIK\u{1b}[0m anda\t").as_deref(), Some("Masukkan NIK [0m anda"));
        assert_eq!(clean_text(" \r\n\u{7f}"), None);
    }

    #[test]
    fn missing_programs_are_skipped_without_panicking() {
        // No sound card in a test (or CI) container: aplay fails or is absent; espeak-ng
        // may be absent too. Saying things must not panic, and stopping reaps everything.
        let mut speaker = Espeak::new(Some("adm-test-no-such-device".into()));
        for text in ["Selamat datang", "", "Masukkan NIK"] {
            speaker.say(&Utterance { kind: Kind::Screen, language: Language::Id, text: text.into() });
        }
        speaker.set_volume(5);
        speaker.stop();
        assert!(speaker.running.is_empty());
    }
}
