//! Plugging the camera into the kernel's USB/IP host controller (vhci-hcd) in the same
//! machine: what `usbip attach` does, without the usbip tool in the image. A TCP
//! connection to our own server imports the device; its socket is handed to the kernel
//! through sysfs, and from then on the kernel speaks USB/IP on it. Unplugging is
//! detaching the port.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use crate::usbip;

pub const SYSFS: &str = "/sys/devices/platform/vhci_hcd.0";

#[derive(Debug, thiserror::Error)]
pub enum VhciError {
    #[error("vhci-hcd: {0}")]
    Io(#[from] std::io::Error),
    #[error("import: {0}")]
    Import(#[from] usbip::ProtocolError),
    #[error("no free high-speed port on vhci-hcd")]
    NoFreePort,
}

/// The free high-speed ports listed in vhci-hcd's `status` (state 004 = VDEV_ST_NULL).
pub fn free_hs_ports(status: &str) -> Vec<u32> {
    status
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            match f.as_slice() {
                ["hs", port, "004", ..] => port.parse().ok(),
                _ => None,
            }
        })
        .collect()
}

pub struct Vhci {
    dir: PathBuf,
}

impl Default for Vhci {
    fn default() -> Self {
        Vhci { dir: PathBuf::from(SYSFS) }
    }
}

impl Vhci {
    pub fn at(dir: &Path) -> Vhci {
        Vhci { dir: dir.to_path_buf() }
    }

    /// Imports `busid` from the server at `server` and attaches it; returns the port.
    pub fn attach(&self, server: SocketAddr, busid: &str) -> Result<u32, VhciError> {
        let mut stream = TcpStream::connect(server)?;
        stream.set_nodelay(true)?;
        let device = usbip::import(&mut stream, busid)?;
        let status = std::fs::read_to_string(self.dir.join("status"))?;
        let port = *free_hs_ports(&status).first().ok_or(VhciError::NoFreePort)?;
        let line = format!("{port} {} {} {}", stream.as_raw_fd(), device.devid(), device.speed);
        std::fs::OpenOptions::new().write(true).open(self.dir.join("attach"))?.write_all(line.as_bytes())?;
        // The kernel holds its own reference to the socket now; ours can go.
        drop(stream);
        Ok(port)
    }

    pub fn detach(&self, port: u32) -> Result<(), VhciError> {
        std::fs::OpenOptions::new()
            .write(true)
            .open(self.dir.join("detach"))?
            .write_all(port.to_string().as_bytes())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_from_status() {
        let status = "hub port sta spd dev      sockfd local_busid\n\
                      hs  0000 006 003 00010002 000005 1-1\n\
                      hs  0001 004 000 00000000 000000 0-0\n\
                      ss  0008 004 000 00000000 000000 0-0\n";
        assert_eq!(free_hs_ports(status), vec![1]);
        assert_eq!(free_hs_ports(""), Vec::<u32>::new());
    }
}
