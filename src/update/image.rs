//! What this kiosk runs: the image version (`IMAGE_VERSION` of `/etc/os-release`, on the
//! verified root) and the facts the root side writes at each boot
//! (`/run/adm-kiosk-update/booted`: boot id and slot), which the kiosk's hardened unit
//! cannot read from `/proc` itself (`ProcSubset=pid`).

use std::path::Path;

/// The running image, as far as it is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Image {
    /// None: not running on a kiosk image (a developer's machine): no updates.
    pub version: Option<String>,
    /// `a` or `b`; None when the boot facts are missing.
    pub slot: Option<String>,
    pub boot_id: Option<String>,
}

impl Image {
    pub fn read(os_release: &Path, booted: &Path) -> Image {
        let version = std::fs::read_to_string(os_release).ok().and_then(|t| key_values(&t).remove("IMAGE_VERSION"));
        let facts = std::fs::read_to_string(booted).map(|t| key_values(&t)).unwrap_or_default();
        Image {
            version: version.filter(|v| adm_central_client::api::shape::is_version(v)),
            slot: facts.get("slot").filter(|s| matches!(s.as_str(), "a" | "b")).cloned(),
            boot_id: facts.get("boot_id").filter(|b| !b.is_empty()).cloned(),
        }
    }
}

/// `KEY=value` lines (os-release and the update helper's files); quotes around a value
/// are dropped, other lines ignored.
pub fn key_values(text: &str) -> std::collections::HashMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_from_os_release_and_slot_from_the_boot_facts() {
        let dir = tempfile::tempdir().unwrap();
        let os = dir.path().join("os-release");
        std::fs::write(&os, "PRETTY_NAME=\"ADM kiosk\"\nIMAGE_ID=adm-kiosk\nIMAGE_VERSION=\"99.0.0+lab\"\n").unwrap();
        let booted = dir.path().join("booted");
        std::fs::write(&booted, "boot_id=0f2c\nslot=b\n").unwrap();
        let image = Image::read(&os, &booted);
        assert_eq!(image.version.as_deref(), Some("99.0.0+lab"));
        assert_eq!(image.slot.as_deref(), Some("b"));
        assert_eq!(image.boot_id.as_deref(), Some("0f2c"));
    }

    #[test]
    fn a_machine_that_is_no_kiosk_image_has_no_version() {
        let dir = tempfile::tempdir().unwrap();
        let os = dir.path().join("os-release");
        std::fs::write(&os, "ID=debian\nVERSION_ID=\"12\"\n").unwrap();
        let image = Image::read(&os, &dir.path().join("missing"));
        assert_eq!(image, Image::default());
        std::fs::write(&os, "IMAGE_VERSION=\"1.0 $(reboot)\"\n").unwrap();
        assert_eq!(Image::read(&os, &dir.path().join("missing")).version, None);
    }
}
