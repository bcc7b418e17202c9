//! The gadget side of one printer function: `/dev/g_printerN`. Reading it gives what the
//! host sent on bulk OUT; writing it queues bytes for bulk IN (the host reads them when it
//! asks); the port status is set by ioctl. See the kernel's
//! Documentation/usb/gadget_printer.rst.
//!
//! Always poll before reading: f_printer queues its OUT requests only in read() and
//! poll(), so a read that blocked across a disconnect would never see the next
//! connection's data. poll() also says whether the host has the interface configured
//! (POLLERR|POLLHUP while it has not: unplugged, or not enumerated yet).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Duration;

pub struct PrinterNode {
    file: File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ready {
    /// The host sent data.
    Data,
    /// Configured, nothing sent within the timeout.
    Idle,
    /// Not configured by the host (unplugged, or still enumerating).
    Down,
}

impl PrinterNode {
    /// The node can be opened once at a time (a second open fails with EBUSY).
    pub fn open(path: &Path) -> io::Result<PrinterNode> {
        Ok(PrinterNode { file: OpenOptions::new().read(true).write(true).open(path)? })
    }

    pub fn wait(&self, timeout: Duration) -> io::Result<Ready> {
        let mut pfd = libc::pollfd { fd: self.file.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: one valid pollfd for the duration of the call.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::Interrupted { Ok(Ready::Idle) } else { Err(e) };
        }
        Ok(if pfd.revents & (libc::POLLERR | libc::POLLHUP) != 0 {
            Ready::Down
        } else if pfd.revents & libc::POLLIN != 0 {
            Ready::Data
        } else {
            Ready::Idle
        })
    }

    /// Ok(0): nothing after all (a soft reset or a disconnect in between).
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.file.read(buf) {
            Err(e) if is_transient(&e) => Ok(0),
            other => other,
        }
    }

    /// Queues `data` for the host's next bulk IN reads.
    pub fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        let mut tries = 0;
        while !data.is_empty() {
            match self.file.write(data) {
                Ok(n) => data = &data[n..],
                Err(e) if is_transient(&e) && tries < 100 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    pub fn set_port_status(&self, status: u8) -> io::Result<()> {
        crate::port::set(&self.file, status)
    }

    pub fn port_status(&self) -> io::Result<u8> {
        crate::port::get(&self.file)
    }
}

/// EAGAIN: a soft reset or no buffer free; ENODEV: not configured (right now).
fn is_transient(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::ENODEV))
}
