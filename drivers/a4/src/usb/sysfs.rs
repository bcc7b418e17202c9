//! A USB device's strings as the kernel read them at enumeration
//! (`/sys/bus/usb/devices/*/{busnum,devnum,serial,manufacturer,product}`, world-readable).
//!
//! Reading them over USB needs the device node opened, and the kiosk's user may not: the
//! ipp-usb package's udev rule (71-ipp-usb.rules, after the kiosk's 70-) gives every
//! IPP-over-USB printer to root:lp 0664 when it is added (the kiosk's rule gives it back
//! to group adm-kiosk on the `bind` event that follows). A 7/1/4 printer's serial number,
//! which the kiosk needs to find which of ipp-usb's loopback printers it is, then comes
//! from here.

use std::fs;
use std::path::Path;

/// Where the kernel lists USB devices.
pub const DEVICES: &str = "/sys/bus/usb/devices";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceStrings {
    pub serial: Option<String>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
}

fn attr(dir: &Path, name: &str) -> Option<String> {
    fs::read_to_string(dir.join(name)).ok().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The strings of the device at `bus`/`address` under `root` (normally [`DEVICES`]).
pub fn strings(root: &Path, bus: u8, address: u8) -> Option<DeviceStrings> {
    let number = |dir: &Path, name: &str| attr(dir, name).and_then(|s| s.parse::<u8>().ok());
    fs::read_dir(root).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).find_map(|dir| {
        (number(&dir, "busnum") == Some(bus) && number(&dir, "devnum") == Some(address)).then(|| DeviceStrings {
            serial: attr(&dir, "serial"),
            manufacturer: attr(&dir, "manufacturer"),
            product: attr(&dir, "product"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch folder, removed afterwards (this crate has no tempfile dependency).
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            let d = std::env::temp_dir().join(format!("adm-a4-sysfs-{}", std::process::id()));
            let _ = fs::remove_dir_all(&d);
            fs::create_dir_all(&d).expect("scratch dir");
            TempDir(d)
        }

        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn device(root: &Path, name: &str, attrs: &[(&str, &str)]) {
        let d = root.join(name);
        fs::create_dir_all(&d).expect("dir");
        for (k, v) in attrs {
            fs::write(d.join(k), format!("{v}\n")).expect("attr");
        }
    }

    #[test]
    fn finds_the_device_by_bus_and_address() {
        let root = TempDir::new();
        device(root.path(), "usb3", &[("busnum", "3"), ("devnum", "1"), ("product", "Dummy host controller")]);
        // Interfaces have no busnum: skipped.
        device(root.path(), "3-1:1.0", &[("bInterfaceProtocol", "04")]);
        device(
            root.path(),
            "3-1",
            &[
                ("busnum", "3"),
                ("devnum", "2"),
                ("serial", "TH7BM2J0RS"),
                ("manufacturer", "HP"),
                ("product", "OfficeJet Pro 8730"),
            ],
        );
        device(root.path(), "1-1", &[("busnum", "1"), ("devnum", "2"), ("product", "Other")]);
        let s = strings(root.path(), 3, 2).expect("found");
        assert_eq!(s.serial.as_deref(), Some("TH7BM2J0RS"));
        assert_eq!(s.manufacturer.as_deref(), Some("HP"));
        assert_eq!(s.product.as_deref(), Some("OfficeJet Pro 8730"));
        assert_eq!(strings(root.path(), 1, 2).expect("found").serial, None, "no serial attribute");
        assert_eq!(strings(root.path(), 9, 9), None);
        assert_eq!(strings(&root.path().join("missing"), 3, 2), None);
    }
}
