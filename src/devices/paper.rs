//! Sheets printed on A4 since a technician last pressed "paper loaded": most kiosk
//! printers have no paper-level sensor, only "empty", so this count is how an officer
//! knows the tray (e.g. 250 sheets) is nearly through. Kept in a one-line file next to
//! the outbox so a restart does not lose it; a count, no citizen data.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug)]
pub struct PaperCounter {
    sheets: AtomicU64,
    file: Option<PathBuf>,
}

impl PaperCounter {
    /// Reads the saved count from `file` (0 when missing or unreadable).
    pub fn load(file: Option<PathBuf>) -> PaperCounter {
        let saved = file
            .as_ref()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        PaperCounter { sheets: AtomicU64::new(saved), file }
    }

    pub fn sheets(&self) -> u64 {
        self.sheets.load(Ordering::Relaxed)
    }

    pub fn add(&self, sheets: u32) {
        if sheets > 0 {
            self.sheets.fetch_add(u64::from(sheets), Ordering::Relaxed);
            self.save();
        }
    }

    /// A technician loaded paper.
    pub fn reset(&self) {
        self.sheets.store(0, Ordering::Relaxed);
        self.save();
    }

    fn save(&self) {
        let Some(file) = &self.file else { return };
        // Written whole and renamed: a power cut leaves the old count or the new one.
        let tmp = file.with_extension("tmp");
        let result = std::fs::write(&tmp, format!("{}\n", self.sheets())).and_then(|()| std::fs::rename(&tmp, file));
        if let Err(e) = result {
            tracing::warn!(file = %file.display(), error = %e, "paper counter not saved");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_survive_a_restart_and_reset_on_paper_loaded() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("a4-sheets");
        let c = PaperCounter::load(Some(file.clone()));
        assert_eq!(c.sheets(), 0);
        c.add(3);
        c.add(0);
        c.add(2);
        assert_eq!(PaperCounter::load(Some(file.clone())).sheets(), 5);
        c.reset();
        assert_eq!(PaperCounter::load(Some(file.clone())).sheets(), 0);
        std::fs::write(&file, "garbage").expect("write");
        assert_eq!(PaperCounter::load(Some(file)).sheets(), 0);
        let memory_only = PaperCounter::load(None);
        memory_only.add(1);
        assert_eq!(memory_only.sheets(), 1);
    }
}
