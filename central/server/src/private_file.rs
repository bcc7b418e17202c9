//! Files only their owner may read (private keys, the database), created with mode 0600
//! from the first byte: a `chmod` after writing would leave a moment in which another
//! local user could open the file and keep the descriptor.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Writes (creating or replacing) a file readable and writable by its owner only.
pub fn write(path: &Path, content: &[u8]) -> io::Result<()> {
    // An existing file keeps its mode through `open`: tighten it before writing.
    tighten(path)?;
    let mut f = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(content)?;
    f.sync_all()
}

/// Creates an empty private file if there is none (SQLite then opens it, and gives its
/// `-wal` and `-shm` files the database file's mode); tightens an existing file that an
/// earlier version left world-readable.
pub fn create_if_missing(path: &Path) -> io::Result<()> {
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => tighten(path),
        Err(e) => Err(e),
    }
}

/// Removes group and other permissions from an existing file; nothing if it is missing.
fn tighten(path: &Path) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(m) if m.permissions().mode() & 0o077 != 0 => {
            fs::set_permissions(path, fs::Permissions::from_mode(m.permissions().mode() & 0o700))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_files_are_0600_and_old_ones_are_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k.key");
        write(&key, b"secret").unwrap();
        assert_eq!(fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
        let db = dir.path().join("old.sqlite");
        fs::write(&db, b"").unwrap();
        fs::set_permissions(&db, fs::Permissions::from_mode(0o644)).unwrap();
        create_if_missing(&db).unwrap();
        assert_eq!(fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
