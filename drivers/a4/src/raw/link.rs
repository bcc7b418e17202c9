//! The USB link under a raw backend: the transport it holds now, and how to get a new
//! one after the printer was unplugged.
//!
//! An unplugged printer leaves a handle on a device that no longer exists: every request
//! on it fails with `NoDevice`, also once the same printer is plugged back in (it comes
//! back as a new device). The link drops such a handle at the first `NoDevice` and never
//! reopens on its own: only [`Link::reconnect`], which the backend calls between jobs,
//! finds the printer again. A job cut off by an unplug therefore never goes on writing
//! the rest of its data into a freshly plugged printer that has not seen its beginning.

use std::time::Duration;

use crate::usb::{PrinterInterface, UsbError, UsbTransport};

/// Finds and claims the printer again (for `usb://` printers: by VID:PID and serial).
pub type Reopen = Box<dyn FnMut() -> Result<Box<dyn UsbTransport>, UsbError> + Send>;

pub(crate) struct Link {
    current: Option<Box<dyn UsbTransport>>,
    /// The interface of the last transport, kept when it is dropped.
    iface: PrinterInterface,
    reopen: Option<Reopen>,
}

impl Link {
    pub(crate) fn new(transport: Box<dyn UsbTransport>) -> Self {
        Link { iface: transport.interface(), current: Some(transport), reopen: None }
    }

    pub(crate) fn set_reopen(&mut self, reopen: Reopen) {
        self.reopen = Some(reopen);
    }

    /// The printer answered `NoDevice` since the last (re)connect.
    pub(crate) fn lost(&self) -> bool {
        self.current.is_none()
    }

    /// Opens the printer anew. `NoDevice` while it is not there (or when this link has
    /// no way to reopen it).
    pub(crate) fn reconnect(&mut self) -> Result<(), UsbError> {
        let Some(reopen) = self.reopen.as_mut() else { return Err(UsbError::NoDevice) };
        // The dead handle goes first: it releases its claim before the new one is made.
        self.current = None;
        match reopen() {
            Ok(t) => {
                self.iface = t.interface();
                self.current = Some(t);
                Ok(())
            }
            Err(UsbError::NotFound) => Err(UsbError::NoDevice),
            Err(e) => Err(e),
        }
    }

    fn call<R>(&mut self, f: impl FnOnce(&mut dyn UsbTransport) -> Result<R, UsbError>) -> Result<R, UsbError> {
        let t = self.current.as_mut().ok_or(UsbError::NoDevice)?;
        let r = f(t.as_mut());
        if matches!(r, Err(UsbError::NoDevice)) {
            tracing::warn!("A4 printer gone from the USB bus");
            self.current = None;
        }
        r
    }
}

impl UsbTransport for Link {
    fn interface(&self) -> PrinterInterface {
        self.iface
    }

    fn read_control(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.call(|t| t.read_control(request_type, request, value, index, buf, timeout))
    }

    fn write_control(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.call(|t| t.write_control(request_type, request, value, index, data, timeout))
    }

    fn write_bulk(&mut self, data: &[u8], timeout: Duration) -> Result<usize, UsbError> {
        self.call(|t| t.write_bulk(data, timeout))
    }

    fn read_bulk(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, UsbError> {
        self.call(|t| t.read_bulk(buf, timeout))
    }
}
