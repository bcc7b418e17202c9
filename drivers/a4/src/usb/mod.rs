//! USB printers: printer-class interfaces found with rusb, their class requests, and
//! IPP-over-USB printers reached through the `ipp-usb` daemon.
//!
//! * Interface 7/1/2 (bidirectional) and 7/1/1 (unidirectional): the legacy printer
//!   class, driven by [`crate::raw::RawBackend`] over a [`UsbTransport`].
//! * Interface 7/1/4 (IPP-over-USB): left to Debian's `ipp-usb`, which serves every such
//!   printer as an IPP printer on loopback (`http://127.0.0.1:60000…`); see [`ipp_usb`].

mod class;
mod device_id;
pub mod fake;
pub mod ipp_usb;
pub mod list;
mod rusb_impl;
pub mod sysfs;

use std::time::Duration;

pub use class::{PortStatus, device_id_text, get_device_id, get_port_status, soft_reset};
pub use device_id::{DeviceId, Pdl, RawPath};
pub use rusb_impl::{RusbTransport, enumerate_printers};

pub const CLASS_PRINTER: u8 = 7;
pub const SUBCLASS_PRINTER: u8 = 1;
pub const PROTOCOL_UNIDIRECTIONAL: u8 = 1;
pub const PROTOCOL_BIDIRECTIONAL: u8 = 2;
pub const PROTOCOL_IPP_USB: u8 = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsbError {
    #[error("device gone")]
    NoDevice,
    #[error("timed out")]
    Timeout,
    #[error("endpoint stalled")]
    Stall,
    #[error("no permission to open the device")]
    Access,
    #[error("interface busy (another driver holds it)")]
    Busy,
    #[error("no such printer")]
    NotFound,
    #[error("unexpected reply: {0}")]
    BadReply(&'static str),
    #[error("usb: {0}")]
    Other(String),
}

impl From<rusb::Error> for UsbError {
    fn from(e: rusb::Error) -> Self {
        match e {
            rusb::Error::NoDevice => UsbError::NoDevice,
            rusb::Error::Timeout => UsbError::Timeout,
            rusb::Error::Pipe => UsbError::Stall,
            rusb::Error::Access => UsbError::Access,
            rusb::Error::Busy => UsbError::Busy,
            rusb::Error::NotFound => UsbError::NotFound,
            other => UsbError::Other(other.to_string()),
        }
    }
}

/// One printer-class interface (alternate setting) of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterInterface {
    /// Zero-based configuration index (what GET_DEVICE_ID's wValue wants).
    pub config_index: u8,
    pub config_value: u8,
    pub number: u8,
    pub alt_setting: u8,
    /// 1 unidirectional, 2 bidirectional, 4 IPP-over-USB.
    pub protocol: u8,
    pub bulk_out: Option<u8>,
    pub bulk_in: Option<u8>,
}

/// What enumeration found about one USB printer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsbPrinterInfo {
    pub bus: u8,
    pub address: u8,
    pub vid: u16,
    pub pid: u16,
    pub serial: Option<String>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub interfaces: Vec<PrinterInterface>,
}

/// How to reach a USB printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsbRoute {
    /// Through ipp-usb (interface 7/1/4): full IPP status.
    IppUsb,
    /// Printer class over rusb on this interface.
    Raw(PrinterInterface),
}

impl UsbPrinterInfo {
    /// IPP-over-USB when offered (job and fault status are far richer), else the
    /// bidirectional interface, else the unidirectional one. `None` without a bulk OUT
    /// endpoint on any printer interface.
    pub fn route(&self) -> Option<UsbRoute> {
        if self.interfaces.iter().any(|i| i.protocol == PROTOCOL_IPP_USB) {
            return Some(UsbRoute::IppUsb);
        }
        [PROTOCOL_BIDIRECTIONAL, PROTOCOL_UNIDIRECTIONAL].iter().find_map(|p| {
            self.interfaces.iter().find(|i| i.protocol == *p && i.bulk_out.is_some()).map(|i| UsbRoute::Raw(*i))
        })
    }

    pub fn matches(&self, vid: u16, pid: u16, serial: Option<&str>) -> bool {
        self.vid == vid && self.pid == pid && serial.is_none_or(|s| self.serial.as_deref() == Some(s))
    }
}

/// The few USB operations the printer class needs. [`RusbTransport`] is the real one;
/// [`fake::FakeTransport`] replays recorded replies in tests.
pub trait UsbTransport: Send {
    fn interface(&self) -> PrinterInterface;
    fn read_control(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError>;
    fn write_control(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError>;
    /// May accept fewer bytes than offered (a partial write is not an error).
    fn write_bulk(&mut self, data: &[u8], timeout: Duration) -> Result<usize, UsbError>;
    fn read_bulk(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, UsbError>;
}

#[cfg(test)]
mod tests;
