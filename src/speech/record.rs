//! The headless demo's speech, on disk: one WAV file per screen visit
//! (`NN-<screen>.wav`, everything said on it, in order) and `transcript.txt`. Only the
//! demo and the tests write them: a kiosk never records what it says (the NIK is echoed).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::Kind;
use super::espeak::{SpeechError, synthesize_wav};
use super::narrator::Spoken;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Speech(#[from] SpeechError),
}

/// Consecutive utterances on one screen: one visit.
fn visits(transcript: &[Spoken]) -> Vec<&[Spoken]> {
    transcript.chunk_by(|a, b| a.screen == b.screen && a.utterance.language == b.utterance.language).collect()
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Screen => "screen",
        Kind::Focus => "focus",
        Kind::Alert => "alert",
        Kind::Echo => "echo",
        Kind::Help => "help",
    }
}

/// The transcript as text: a heading per screen visit (its WAV file's name), then one line
/// per utterance, `kind: text`.
pub fn transcript_text(transcript: &[Spoken]) -> String {
    let mut out = String::new();
    for (n, visit) in visits(transcript).iter().enumerate() {
        let _ = writeln!(out, "{:02}-{}", n + 1, visit[0].screen);
        for s in *visit {
            let _ = writeln!(out, "  {}: {}", kind_name(s.utterance.kind), s.utterance.text);
        }
    }
    out
}

/// Writes `dir/NN-<screen>.wav` for every screen visit and `dir/transcript.txt`; returns
/// the WAV files in order.
pub fn export(dir: &Path, transcript: &[Spoken]) -> Result<Vec<PathBuf>, RecordError> {
    std::fs::create_dir_all(dir).map_err(|source| RecordError::Io { path: dir.to_path_buf(), source })?;
    let mut files = Vec::new();
    for (n, visit) in visits(transcript).iter().enumerate() {
        let path = dir.join(format!("{:02}-{}.wav", n + 1, visit[0].screen));
        // Sentences apart: espeak-ng pauses at the full stop.
        let text = visit.iter().map(|s| s.utterance.text.trim_end_matches('.')).collect::<Vec<_>>().join(". ");
        synthesize_wav(&text, visit[0].utterance.language, &path)?;
        files.push(path);
    }
    let path = dir.join("transcript.txt");
    std::fs::write(&path, transcript_text(transcript)).map_err(|source| RecordError::Io { path, source })?;
    Ok(files)
}
