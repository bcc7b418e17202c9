//! Files replaced whole, so that a power cut leaves either the old or the new content,
//! never half of one: a temporary file in the same folder, fsync, rename, fsync the
//! folder. Used for the configuration the maintenance menu saves and for the update
//! hand-over files the image's root helper reads.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use tempfile::NamedTempFile;

/// Replaces `path` with what `fill` writes into the new (owner-only) temporary file.
pub fn replace(path: &Path, fill: impl FnOnce(&mut NamedTempFile) -> io::Result<()>) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".adm-").tempfile_in(dir)?;
    fill(&mut tmp)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

/// Replaces `path` with `content`.
pub fn write(path: &Path, content: &[u8]) -> io::Result<()> {
    replace(path, |f| f.write_all(content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_whole_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ready");
        write(&path, b"first, longer content\n").unwrap();
        write(&path, b"second\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
