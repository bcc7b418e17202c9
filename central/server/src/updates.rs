//! The update bundle an operator publishes for the kiosks (`adm-central publish-update`)
//! and that kiosks fetch over their mTLS connection (`GET /v1/update`,
//! `GET /v1/update/bundles/{sha256}`).
//!
//! ```text
//! <state>/updates/offer.json        {"version", "size", "sha256"} of the published bundle
//! <state>/updates/<sha256>.raucb    the bundle itself
//! ```
//!
//! One bundle at a time, for every kiosk: the newest published. The server never looks
//! inside (RAUC on the kiosk checks the signature against the key on its verified root);
//! the size and digest only let the kiosk know its download is whole.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use adm_central_client::api::{UpdateOffer, shape};

const OFFER_FILE: &str = "offer.json";

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("version {0:?}: 1-64 characters of A-Z a-z 0-9 . + _ ~ -")]
    BadVersion(String),
    #[error("{0}: not a regular file")]
    NotAFile(PathBuf),
    #[error("{0}: unreadable offer: {1}")]
    BadOffer(PathBuf, serde_json::Error),
}

/// The folder holding the published bundle.
#[derive(Debug, Clone)]
pub struct UpdateStore {
    dir: PathBuf,
}

impl UpdateStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        UpdateStore { dir: dir.into() }
    }

    /// The published bundle, if any.
    pub fn offer(&self) -> Result<Option<UpdateOffer>, UpdateError> {
        let path = self.dir.join(OFFER_FILE);
        let text = match fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(UpdateError::Io(path, e)),
        };
        let offer: UpdateOffer = serde_json::from_slice(&text).map_err(|e| UpdateError::BadOffer(path, e))?;
        Ok(Some(offer))
    }

    /// Where the bundle with this digest is stored (only a well-formed digest is a name).
    pub fn bundle_path(&self, sha256: &str) -> Option<PathBuf> {
        shape::is_sha256(sha256).then(|| self.dir.join(format!("{sha256}.raucb")))
    }

    /// Publishes `bundle` as `version`: copies it in (hashing on the way, never holding it
    /// in memory), then replaces the offer atomically, then removes older bundles. A kiosk
    /// that is halfway through downloading the previous bundle gets a 404 and asks again.
    pub fn publish(&self, bundle: &Path, version: &str) -> Result<UpdateOffer, UpdateError> {
        if !shape::is_version(version) {
            return Err(UpdateError::BadVersion(version.to_owned()));
        }
        let io = |p: &Path| {
            let p = p.to_owned();
            move |e| UpdateError::Io(p, e)
        };
        if !fs::metadata(bundle).map_err(io(bundle))?.is_file() {
            return Err(UpdateError::NotAFile(bundle.to_owned()));
        }
        fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let partial = self.dir.join("incoming.partial");
        let (size, sha256) = copy_hashing(bundle, &partial).map_err(io(&partial))?;
        let stored = self.dir.join(format!("{sha256}.raucb"));
        fs::rename(&partial, &stored).map_err(io(&stored))?;
        let offer = UpdateOffer { version: version.to_owned(), size, sha256 };
        let tmp = self.dir.join("offer.json.tmp");
        let json = serde_json::to_vec_pretty(&offer).map_err(|e| UpdateError::BadOffer(tmp.clone(), e))?;
        write_synced(&tmp, &json).map_err(io(&tmp))?;
        fs::rename(&tmp, self.dir.join(OFFER_FILE)).map_err(io(&self.dir))?;
        self.remove_others(&offer.sha256)?;
        Ok(offer)
    }

    fn remove_others(&self, keep: &str) -> Result<(), UpdateError> {
        let entries = fs::read_dir(&self.dir).map_err(|e| UpdateError::Io(self.dir.clone(), e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".raucb") && name != format!("{keep}.raucb") {
                fs::remove_file(entry.path()).map_err(|e| UpdateError::Io(entry.path(), e))?;
            }
        }
        Ok(())
    }
}

fn copy_hashing(from: &Path, to: &Path) -> std::io::Result<(u64, String)> {
    let mut src = fs::File::open(from)?;
    let mut dst = fs::File::create(to)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        dst.write_all(&buf[..n])?;
        size += n as u64;
    }
    dst.sync_all()?;
    Ok((size, hex::encode(hasher.finalize())))
}

fn write_synced(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(content)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishing_replaces_the_offer_and_the_older_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let store = UpdateStore::new(dir.path().join("updates"));
        assert_eq!(store.offer().unwrap(), None);
        let one = dir.path().join("one.raucb");
        fs::write(&one, b"bundle one").unwrap();
        let first = store.publish(&one, "1.0.0+a").unwrap();
        assert_eq!(first.size, 10);
        assert_eq!(first.sha256, hex::encode(Sha256::digest(b"bundle one")));
        assert_eq!(store.offer().unwrap(), Some(first.clone()));
        let stored = store.bundle_path(&first.sha256).unwrap();
        assert_eq!(fs::read(&stored).unwrap(), b"bundle one");

        let two = dir.path().join("two.raucb");
        fs::write(&two, b"bundle two!").unwrap();
        let second = store.publish(&two, "1.0.1").unwrap();
        assert_eq!(store.offer().unwrap(), Some(second.clone()));
        assert!(!stored.exists(), "the older bundle is removed");
        assert!(store.bundle_path(&second.sha256).unwrap().exists());
    }

    #[test]
    fn bad_versions_and_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = UpdateStore::new(dir.path());
        let f = dir.path().join("b.raucb");
        fs::write(&f, b"x").unwrap();
        assert!(matches!(store.publish(&f, "1.0 beta"), Err(UpdateError::BadVersion(_))));
        assert!(matches!(store.publish(dir.path(), "1.0"), Err(UpdateError::NotAFile(_))));
        assert_eq!(store.bundle_path("../etc/passwd"), None);
        assert_eq!(store.bundle_path(&"AB".repeat(32)), None);
    }
}
