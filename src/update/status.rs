//! The root helper's record of the last install (`/var/lib/adm/update/status`, written
//! by `/usr/lib/adm-kiosk/update` on the image) and what it means for this boot. The
//! helper only records facts; the judgement (installed, waiting for a reboot, rolled
//! back) is made here, where it is tested.

use super::image::{Image, key_values};

/// One install attempt, as the helper recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallRecord {
    pub version: String,
    pub sha256: String,
    pub result: InstallResult,
    /// The boot the install ran in.
    pub boot_id: String,
    /// RAUC's last words on a failure (for technicians; never shown to citizens).
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallResult {
    Installing,
    Installed,
    Failed,
}

impl InstallRecord {
    pub fn parse(text: &str) -> Option<InstallRecord> {
        let mut kv = key_values(text);
        let result = match kv.get("result")?.as_str() {
            "installing" => InstallResult::Installing,
            "installed" => InstallResult::Installed,
            "failed" => InstallResult::Failed,
            _ => return None,
        };
        Some(InstallRecord {
            version: kv.remove("version")?,
            sha256: kv.remove("sha256").unwrap_or_default(),
            result,
            boot_id: kv.remove("boot_id").unwrap_or_default(),
            message: kv.remove("message").unwrap_or_default(),
        })
    }
}

/// Where the last update stands, seen from the running image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No install was ever recorded.
    Nothing,
    /// RAUC is writing the other slot.
    Installing { version: String },
    /// Written into the other slot; the next boot starts it.
    RebootPending { version: String },
    /// The running image is the one last installed.
    Installed { version: String },
    /// RAUC refused or failed (a bundle signed by another key, a broken bundle).
    InstallFailed { version: String, sha256: String, message: String },
    /// The machine went down while RAUC was writing (a power cut): the bundle itself
    /// may be fine, so it is tried again.
    Interrupted { version: String },
    /// Installed, rebooted, but the machine runs another version: the new slot did not
    /// pass its boot check in its tries and the previous slot booted again.
    RolledBack { version: String, sha256: String },
}

impl Outcome {
    /// The bundle that must not be tried again (its install failed or it was rolled back).
    pub fn failed_sha256(&self) -> Option<&str> {
        match self {
            Outcome::InstallFailed { sha256, .. } | Outcome::RolledBack { sha256, .. } => Some(sha256),
            _ => None,
        }
    }

    /// Waiting for RAUC or for the reboot: nothing else to start meanwhile.
    pub fn busy(&self) -> bool {
        matches!(self, Outcome::Installing { .. } | Outcome::RebootPending { .. })
    }
}

/// Judges the record against the running image.
pub fn judge(record: Option<&InstallRecord>, image: &Image) -> Outcome {
    let Some(r) = record else { return Outcome::Nothing };
    let version = r.version.clone();
    let same_boot = image.boot_id.as_deref().is_some_and(|b| b == r.boot_id);
    match r.result {
        InstallResult::Failed => {
            Outcome::InstallFailed { version, sha256: r.sha256.clone(), message: r.message.clone() }
        }
        // The helper was interrupted by a reboot: RAUC did not finish, the old slot runs.
        InstallResult::Installing if !same_boot => Outcome::Interrupted { version },
        InstallResult::Installing => Outcome::Installing { version },
        InstallResult::Installed if same_boot => Outcome::RebootPending { version },
        InstallResult::Installed if image.version.as_deref() == Some(r.version.as_str()) => {
            Outcome::Installed { version }
        }
        InstallResult::Installed => Outcome::RolledBack { version, sha256: r.sha256.clone() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(version: &str, boot: &str) -> Image {
        Image { version: Some(version.into()), slot: Some("a".into()), boot_id: Some(boot.into()) }
    }

    fn record(result: &str, version: &str, boot: &str) -> InstallRecord {
        InstallRecord::parse(&format!(
            "version={version}\nsha256={}\nresult={result}\nboot_id={boot}\nmessage=signature not valid\n",
            "ab".repeat(32)
        ))
        .expect("record")
    }

    #[test]
    fn installed_then_rebooted_into_it() {
        let r = record("installed", "2.0.0", "boot-1");
        assert_eq!(judge(Some(&r), &image("1.0.0", "boot-1")), Outcome::RebootPending { version: "2.0.0".into() });
        assert_eq!(judge(Some(&r), &image("2.0.0", "boot-2")), Outcome::Installed { version: "2.0.0".into() });
    }

    #[test]
    fn installed_but_another_version_boots_is_a_rollback() {
        let r = record("installed", "2.0.1", "boot-1");
        let outcome = judge(Some(&r), &image("2.0.0", "boot-5"));
        assert_eq!(outcome, Outcome::RolledBack { version: "2.0.1".into(), sha256: "ab".repeat(32) });
        assert_eq!(outcome.failed_sha256(), Some("ab".repeat(32).as_str()));
        assert!(!outcome.busy());
    }

    #[test]
    fn a_refused_bundle_is_a_failed_install_and_not_retried() {
        let r = record("failed", "2.0.0", "boot-1");
        let outcome = judge(Some(&r), &image("1.0.0", "boot-1"));
        assert!(matches!(&outcome, Outcome::InstallFailed { message, .. } if message == "signature not valid"));
        assert!(outcome.failed_sha256().is_some());
    }

    #[test]
    fn an_install_cut_short_by_a_reboot_failed() {
        let r = record("installing", "2.0.0", "boot-1");
        assert!(judge(Some(&r), &image("1.0.0", "boot-1")).busy());
        let cut = judge(Some(&r), &image("1.0.0", "boot-2"));
        assert_eq!(cut, Outcome::Interrupted { version: "2.0.0".into() });
        assert_eq!(cut.failed_sha256(), None, "tried again");
        assert!(!cut.busy());
    }

    #[test]
    fn without_boot_facts_an_install_is_never_taken_for_this_boot() {
        let r = record("installed", "2.0.0", "boot-1");
        let unknown = Image { version: Some("2.0.0".into()), slot: None, boot_id: None };
        assert_eq!(judge(Some(&r), &unknown), Outcome::Installed { version: "2.0.0".into() });
        assert_eq!(judge(None, &unknown), Outcome::Nothing);
        assert_eq!(InstallRecord::parse("result=exploded\nversion=1"), None);
    }
}
