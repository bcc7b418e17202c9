//! The printer-class port status (GET_PORT_STATUS, the old Centronics lines) that
//! usb_f_printer answers for us, set with the gadget's ioctl (include/uapi/linux/usb/g_printer.h).

use std::os::fd::AsRawFd;

/// Bit 3: *Not Error* (set means no error).
pub const NOT_ERROR: u8 = 0x08;
/// Bit 4: Select (on line).
pub const SELECTED: u8 = 0x10;
/// Bit 5: Paper Empty.
pub const PAPER_EMPTY: u8 = 0x20;

/// Conditions a technician would see on the printer's panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    Ready,
    /// Out of paper: Paper Empty, and the error line active, as lasers report it.
    PaperEmpty,
    /// A jam or an open cover: the lines cannot tell which.
    Error,
    /// The panel's off-line button.
    Offline,
}

impl PortState {
    pub fn byte(self) -> u8 {
        match self {
            PortState::Ready => SELECTED | NOT_ERROR,
            PortState::PaperEmpty => PAPER_EMPTY | SELECTED,
            PortState::Error => SELECTED,
            PortState::Offline => NOT_ERROR,
        }
    }

    pub fn parse(word: &str) -> Option<PortState> {
        match word {
            "ready" => Some(PortState::Ready),
            "paper-empty" => Some(PortState::PaperEmpty),
            "error" => Some(PortState::Error),
            "offline" => Some(PortState::Offline),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PortState::Ready => "ready",
            PortState::PaperEmpty => "paper-empty",
            PortState::Error => "error",
            PortState::Offline => "offline",
        }
    }
}

/// Linux `_IOC(dir, type, nr, size)` on x86 and arm (generic layout).
const fn ioc(dir: u32, ty: u8, nr: u8, size: u32) -> u32 {
    (dir << 30) | (size << 16) | ((ty as u32) << 8) | nr as u32
}
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;
/// `_IOR('g', 0x21, unsigned char)`
pub const GADGET_GET_PRINTER_STATUS: u32 = ioc(IOC_READ, b'g', 0x21, 1);
/// `_IOWR('g', 0x22, unsigned char)`; the status travels in the argument itself, not
/// behind a pointer (f_printer.c: `dev->printer_status = (u8)arg`).
pub const GADGET_SET_PRINTER_STATUS: u32 = ioc(IOC_READ | IOC_WRITE, b'g', 0x22, 1);

/// Sets the port status byte. Fails with ENODEV while the host has not configured the
/// device (the function keeps no status for an unconfigured interface).
pub fn set(fd: &impl AsRawFd, status: u8) -> std::io::Result<()> {
    // SAFETY: this ioctl takes its argument by value and writes no memory.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), GADGET_SET_PRINTER_STATUS as _, libc::c_ulong::from(status)) };
    if r < 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) }
}

/// Reads the port status byte back (the ioctl's return value is the byte).
pub fn get(fd: &impl AsRawFd) -> std::io::Result<u8> {
    // SAFETY: this ioctl returns the status as its result and writes no memory.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), GADGET_GET_PRINTER_STATUS as _, 0 as libc::c_ulong) };
    if r < 0 { Err(std::io::Error::last_os_error()) } else { Ok((r & 0xff) as u8) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_numbers_match_the_kernel_header() {
        assert_eq!(GADGET_GET_PRINTER_STATUS, 0x8001_6721);
        assert_eq!(GADGET_SET_PRINTER_STATUS, 0xC001_6722);
    }

    #[test]
    fn states_read_back_as_the_kiosk_driver_reads_the_lines() {
        // The A4 driver's reading (drivers/a4/src/usb/class.rs): 0x20 paper empty,
        // 0x10 selected, 0x08 clear = error.
        let read = |b: u8| (b & 0x20 != 0, b & 0x10 != 0, b & 0x08 == 0);
        assert_eq!(read(PortState::Ready.byte()), (false, true, false));
        assert_eq!(read(PortState::PaperEmpty.byte()), (true, true, true));
        assert_eq!(read(PortState::Error.byte()), (false, true, true));
        assert_eq!(read(PortState::Offline.byte()), (false, false, false));
        for s in [PortState::Ready, PortState::PaperEmpty, PortState::Error, PortState::Offline] {
            assert_eq!(PortState::parse(s.name()), Some(s));
        }
        assert_eq!(PortState::parse("jammed"), None);
    }
}
