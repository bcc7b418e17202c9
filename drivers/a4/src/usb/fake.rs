//! A USB printer that replays recorded class-request replies and swallows bulk data:
//! the stand-in for hardware in tests and the bench (this CI has no USB bus at all).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{PrinterInterface, UsbError, UsbTransport};

/// What the fake printer does once it has taken `at` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FakeEvent {
    /// GET_PORT_STATUS answers this byte from then on.
    PortStatus(u8),
    /// Unplugged: every call fails with `NoDevice`.
    Unplug,
    /// Stops taking data (bulk writes time out), as a printer out of paper does.
    Block,
}

#[derive(Debug, Default)]
pub struct FakeState {
    /// Raw GET_DEVICE_ID reply (length prefix included).
    pub device_id_reply: Vec<u8>,
    pub port_status: u8,
    /// At most this many bytes per bulk write (0: all): exercises partial writes.
    pub max_write: usize,
    /// Events by byte count, in order.
    pub events: Vec<(u64, FakeEvent)>,
    pub keep_data: bool,
    pub data: Vec<u8>,
    pub bytes: u64,
    pub first_write_at: Option<Instant>,
    pub unplugged: bool,
    pub blocked: bool,
    pub soft_resets: u32,
    /// (bmRequestType, bRequest, wValue, wIndex) of every control transfer.
    pub control_log: Vec<(u8, u8, u16, u16)>,
}

/// Handle to inspect and steer a [`FakeTransport`] from the test.
#[derive(Debug, Clone, Default)]
pub struct FakeHandle(Arc<Mutex<FakeState>>);

impl FakeHandle {
    pub fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct FakeTransport {
    iface: PrinterInterface,
    handle: FakeHandle,
}

impl FakeTransport {
    /// A bidirectional printer on interface 0 with this device-ID text (sent with a
    /// correct big-endian length) and port status 0x18 (selected, no error).
    pub fn new(device_id: &str) -> (FakeTransport, FakeHandle) {
        let mut reply = ((device_id.len() + 2) as u16).to_be_bytes().to_vec();
        reply.extend_from_slice(device_id.as_bytes());
        Self::with_reply(reply)
    }

    pub fn with_reply(device_id_reply: Vec<u8>) -> (FakeTransport, FakeHandle) {
        let handle = FakeHandle::default();
        {
            let mut s = handle.lock();
            s.device_id_reply = device_id_reply;
            s.port_status = 0x18;
        }
        let iface = PrinterInterface {
            config_index: 0,
            config_value: 1,
            number: 0,
            alt_setting: 0,
            protocol: 2,
            bulk_out: Some(0x02),
            bulk_in: Some(0x81),
        };
        (FakeTransport { iface, handle: handle.clone() }, handle)
    }
}

impl FakeState {
    fn apply_events(&mut self) {
        let bytes = self.bytes;
        let mut i = 0;
        while i < self.events.len() {
            if self.events[i].0 <= bytes {
                match self.events.remove(i).1 {
                    FakeEvent::PortStatus(b) => self.port_status = b,
                    FakeEvent::Unplug => self.unplugged = true,
                    FakeEvent::Block => self.blocked = true,
                }
            } else {
                i += 1;
            }
        }
    }
    /// Bytes until the next event: a write never crosses one.
    fn room(&self) -> u64 {
        self.events.iter().map(|(at, _)| at.saturating_sub(self.bytes)).filter(|r| *r > 0).min().unwrap_or(u64::MAX)
    }
}

impl UsbTransport for FakeTransport {
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
        _timeout: Duration,
    ) -> Result<usize, UsbError> {
        let mut s = self.handle.lock();
        s.control_log.push((request_type, request, value, index));
        if s.unplugged {
            return Err(UsbError::NoDevice);
        }
        let reply = match (request_type, request) {
            (0xA1, 0) => s.device_id_reply.clone(),
            (0xA1, 1) => vec![s.port_status],
            _ => return Err(UsbError::Stall),
        };
        let n = reply.len().min(buf.len());
        buf[..n].copy_from_slice(&reply[..n]);
        Ok(n)
    }

    fn write_control(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        _data: &[u8],
        _timeout: Duration,
    ) -> Result<usize, UsbError> {
        let mut s = self.handle.lock();
        s.control_log.push((request_type, request, value, index));
        if s.unplugged {
            return Err(UsbError::NoDevice);
        }
        if request == 2 {
            s.soft_resets += 1;
            s.blocked = false;
        }
        Ok(0)
    }

    fn write_bulk(&mut self, data: &[u8], _timeout: Duration) -> Result<usize, UsbError> {
        let mut s = self.handle.lock();
        s.apply_events();
        if s.unplugged {
            return Err(UsbError::NoDevice);
        }
        if s.blocked {
            return Err(UsbError::Timeout);
        }
        let mut n = data.len();
        if s.max_write > 0 {
            n = n.min(s.max_write);
        }
        n = n.min(usize::try_from(s.room()).unwrap_or(usize::MAX));
        if n > 0 && s.first_write_at.is_none() {
            s.first_write_at = Some(Instant::now());
        }
        if s.keep_data {
            s.data.extend_from_slice(&data[..n]);
        }
        s.bytes += n as u64;
        s.apply_events();
        Ok(n)
    }

    fn read_bulk(&mut self, _buf: &mut [u8], _timeout: Duration) -> Result<usize, UsbError> {
        if self.handle.lock().unplugged {
            return Err(UsbError::NoDevice);
        }
        Err(UsbError::Timeout)
    }
}
