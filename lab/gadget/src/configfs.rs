//! USB gadgets through configfs (`/sys/kernel/config/usb_gadget`): one gadget per printer,
//! one configuration, one `usb_f_printer` function, bound to one dummy_hcd UDC.
//!
//! The kernel documents the layout in Documentation/usb/gadget_configfs.rst; removal must
//! go in the reverse order of creation (configfs refuses to remove a non-empty group).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::spec::GadgetSpec;

pub const GADGET_ROOT: &str = "/sys/kernel/config/usb_gadget";
pub const UDC_CLASS: &str = "/sys/class/udc";
/// English (US): the language of every string descriptor.
const LANG: &str = "0x409";

#[derive(Debug, thiserror::Error)]
pub enum GadgetError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("no free USB device controller (dummy_hcd loaded with num=2?)")]
    NoUdc,
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> GadgetError + '_ {
    move |source| GadgetError::Io { path: path.to_path_buf(), source }
}

fn write(path: &Path, value: &str) -> Result<(), GadgetError> {
    fs::write(path, value).map_err(io_at(path))
}

fn mkdir(path: &Path) -> Result<(), GadgetError> {
    match fs::create_dir(path) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
            Err(GadgetError::Io { path: path.to_path_buf(), source: e })
        }
        _ => Ok(()),
    }
}

/// One gadget's configfs directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gadget {
    pub dir: PathBuf,
    pub function: String,
}

impl Gadget {
    pub fn dir_for(root: &Path, spec: &GadgetSpec) -> PathBuf {
        root.join(format!("adm-lab-{}", spec.name))
    }

    /// Creates the gadget (not yet bound). The printer function's `pnp_string` and `q_len`
    /// are set before it is linked into the configuration: q_len cannot change afterwards.
    pub fn create(root: &Path, spec: &GadgetSpec) -> Result<Gadget, GadgetError> {
        let dir = Self::dir_for(root, spec);
        mkdir(&dir)?;
        write(&dir.join("idVendor"), &format!("0x{:04x}", spec.vid))?;
        write(&dir.join("idProduct"), &format!("0x{:04x}", spec.pid))?;
        write(&dir.join("bcdDevice"), &format!("0x{:04x}", spec.bcd_device))?;
        write(&dir.join("bcdUSB"), "0x0200")?;
        let strings = dir.join("strings").join(LANG);
        mkdir(&dir.join("strings"))?;
        mkdir(&strings)?;
        write(&strings.join("manufacturer"), spec.manufacturer)?;
        write(&strings.join("product"), spec.product)?;
        write(&strings.join("serialnumber"), spec.serial)?;

        let function = format!("printer.{}", spec.name);
        let func_dir = dir.join("functions").join(&function);
        mkdir(&dir.join("functions"))?;
        mkdir(&func_dir)?;
        // No trailing newline: GET_DEVICE_ID answers these bytes verbatim.
        write(&func_dir.join("pnp_string"), spec.device_id)?;
        write(&func_dir.join("q_len"), "10")?;

        let config = dir.join("configs").join("c.1");
        mkdir(&dir.join("configs"))?;
        mkdir(&config)?;
        write(&config.join("MaxPower"), "2")?;
        let config_strings = config.join("strings").join(LANG);
        mkdir(&config.join("strings"))?;
        mkdir(&config_strings)?;
        write(&config_strings.join("configuration"), "printer")?;
        let link = config.join(&function);
        if fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(&func_dir, &link).map_err(io_at(&link))?;
        }
        Ok(Gadget { dir, function })
    }

    /// Plugs the gadget in: binds it to `udc` (e.g. `dummy_udc.0`); the host side sees a new
    /// USB device on that dummy_hcd's root hub.
    pub fn bind(&self, udc: &str) -> Result<(), GadgetError> {
        write(&self.dir.join("UDC"), udc)
    }

    /// Pulls the cable: unbinds from the UDC; the host sees a disconnect.
    pub fn unbind(&self) -> Result<(), GadgetError> {
        let udc = self.dir.join("UDC");
        match fs::read_to_string(&udc) {
            Ok(s) if s.trim().is_empty() => Ok(()),
            _ => write(&udc, "\n"),
        }
    }

    /// Removes a gadget left by an earlier run, in the reverse order of [`Gadget::create`].
    pub fn remove(root: &Path, spec: &GadgetSpec) -> Result<(), GadgetError> {
        let dir = Self::dir_for(root, spec);
        if !dir.exists() {
            return Ok(());
        }
        let g = Gadget { dir: dir.clone(), function: format!("printer.{}", spec.name) };
        g.unbind()?;
        let config = dir.join("configs").join("c.1");
        let rm_link = |p: PathBuf| match fs::remove_file(&p) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(GadgetError::Io { path: p, source: e }),
            _ => Ok(()),
        };
        let rmdir = |p: PathBuf| match fs::remove_dir(&p) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(GadgetError::Io { path: p, source: e }),
            _ => Ok(()),
        };
        rm_link(config.join(&g.function))?;
        rmdir(config.join("strings").join(LANG))?;
        rmdir(config)?;
        rmdir(dir.join("functions").join(&g.function))?;
        rmdir(dir.join("strings").join(LANG))?;
        rmdir(dir)
    }
}

/// The UDCs present, sorted (`dummy_udc.0`, `dummy_udc.1`, …).
pub fn udcs(class_dir: &Path) -> Result<Vec<String>, GadgetError> {
    let mut names: Vec<String> = fs::read_dir(class_dir)
        .map_err(io_at(class_dir))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{A4, RECEIPT};

    fn read(p: PathBuf) -> String {
        fs::read_to_string(p).expect("attribute written")
    }

    #[test]
    fn a_gadget_is_laid_out_as_configfs_expects() {
        let root = tempfile::tempdir().expect("tmp");
        let g = Gadget::create(root.path(), &A4).expect("created");
        assert_eq!(g.dir, root.path().join("adm-lab-a4"));
        assert_eq!(read(g.dir.join("idVendor")), "0x03f0");
        assert_eq!(read(g.dir.join("idProduct")), "0x5c17");
        assert_eq!(read(g.dir.join("strings/0x409/serialnumber")), "CNB9R12345");
        let pnp = read(g.dir.join("functions/printer.a4/pnp_string"));
        assert!(pnp.starts_with("MFG:Hewlett-Packard;") && pnp.ends_with(';'), "no newline: {pnp:?}");
        let link = fs::read_link(g.dir.join("configs/c.1/printer.a4")).expect("function linked");
        assert_eq!(link, g.dir.join("functions/printer.a4"));
        // Creating again (a restarted lab) is not an error.
        Gadget::create(root.path(), &A4).expect("idempotent");
        g.bind("dummy_udc.1").expect("bound");
        assert_eq!(read(g.dir.join("UDC")), "dummy_udc.1");
        g.unbind().expect("unbound");
        assert_eq!(read(g.dir.join("UDC")).trim(), "");
    }

    #[test]
    fn the_receipt_printer_is_an_epson() {
        let root = tempfile::tempdir().expect("tmp");
        let g = Gadget::create(root.path(), &RECEIPT).expect("created");
        assert_eq!(read(g.dir.join("idVendor")), "0x04b8");
        assert_eq!(read(g.dir.join("idProduct")), "0x0e28");
        assert!(read(g.dir.join("functions/printer.receipt/pnp_string")).contains("MDL:TM-T20III;"));
    }

    #[test]
    fn udcs_are_listed_in_order() {
        let d = tempfile::tempdir().expect("tmp");
        for n in ["dummy_udc.1", "dummy_udc.0"] {
            fs::create_dir(d.path().join(n)).expect("dir");
        }
        assert_eq!(udcs(d.path()).expect("listed"), ["dummy_udc.0", "dummy_udc.1"]);
    }
}
