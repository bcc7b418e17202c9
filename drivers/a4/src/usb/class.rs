//! USB printer class requests (USB Device Class Definition for Printing Devices 1.1):
//! GET_DEVICE_ID, GET_PORT_STATUS, SOFT_RESET.

use std::time::Duration;

use super::{DeviceId, PrinterInterface, UsbError, UsbTransport};
use crate::Attention;

const CONTROL_TIMEOUT: Duration = Duration::from_secs(5);
/// Class, interface recipient, device-to-host.
const CLASS_IN_IFACE: u8 = 0xA1;

/// GET_DEVICE_ID: the IEEE 1284 ID, read into a 1 KiB buffer.
///
/// The reply starts with a 2-byte length that the spec makes big-endian and inclusive of
/// itself. Quirks seen in the field (and handled as CUPS does): some devices send it
/// little-endian, some exclude the 2 bytes, some report more than they send. The
/// big-endian reading wins when it is plausible (at least "MFG:x;MDL:y;" long and no
/// more than was received); otherwise the little-endian one; the result is clamped to
/// the bytes actually received and cut at the first NUL.
pub fn get_device_id(t: &mut dyn UsbTransport, iface: &PrinterInterface) -> Result<DeviceId, UsbError> {
    let mut buf = [0u8; 1024];
    let index = (u16::from(iface.number) << 8) | u16::from(iface.alt_setting);
    let n = t.read_control(CLASS_IN_IFACE, 0, u16::from(iface.config_index), index, &mut buf, CONTROL_TIMEOUT)?;
    let text = device_id_text(&buf[..n.min(buf.len())]).ok_or(UsbError::BadReply("device ID too short"))?;
    Ok(DeviceId::parse(&text))
}

/// The ID text from a raw GET_DEVICE_ID reply (see [`get_device_id`] for the quirks).
pub fn device_id_text(reply: &[u8]) -> Option<String> {
    const MIN: usize = 14;
    if reply.len() < 2 + 4 {
        return None;
    }
    let n = reply.len();
    let be = usize::from(u16::from_be_bytes([reply[0], reply[1]]));
    let le = usize::from(u16::from_le_bytes([reply[0], reply[1]]));
    let len = if (MIN..=n).contains(&be) {
        be
    } else if (MIN..=n).contains(&le) {
        le
    } else {
        // Neither fits: the device over-reports. Take what arrived.
        n
    };
    // Devices that count only the text (not the 2 length bytes) leave the final two
    // characters, normally ending in ';', just past `len`: take them too.
    let mut end = len.max(2);
    if let Some(tail) = reply.get(end..(end + 2).min(n))
        && reply[end - 1] != b';'
        && tail.last() == Some(&b';')
    {
        end += tail.len();
    }
    let body = &reply[2..end];
    let body = body.split(|b| *b == 0).next().unwrap_or_default();
    let text = String::from_utf8_lossy(body).trim().to_string();
    text.contains(':').then_some(text)
}

/// GET_PORT_STATUS, the old Centronics status lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortStatus {
    pub raw: u8,
    /// Bit 5 (0x20): Paper Empty.
    pub paper_empty: bool,
    /// Bit 4 (0x10): Select — the printer is on line.
    pub selected: bool,
    /// Bit 3 (0x08) is *Not Error*: clear means an error.
    pub error: bool,
}

impl PortStatus {
    pub fn from_byte(raw: u8) -> Self {
        PortStatus { raw, paper_empty: raw & 0x20 != 0, selected: raw & 0x10 != 0, error: raw & 0x08 == 0 }
    }

    /// What the lines say needs a person. The lines cannot tell a jam from an open cover
    /// or an off-line button: all of those are `Other`. Many devices hard-wire 0x18
    /// ("fine"): the lines are a hint, never proof that a page came out.
    pub fn attention(&self) -> Option<Attention> {
        if self.paper_empty {
            Some(Attention::MediaEmpty)
        } else if self.error || !self.selected {
            Some(Attention::Other)
        } else {
            None
        }
    }
}

pub fn get_port_status(t: &mut dyn UsbTransport, iface: &PrinterInterface) -> Result<PortStatus, UsbError> {
    let mut buf = [0u8; 1];
    let n = t.read_control(CLASS_IN_IFACE, 1, 0, u16::from(iface.number), &mut buf, CONTROL_TIMEOUT)?;
    if n != 1 {
        return Err(UsbError::BadReply("port status is not one byte"));
    }
    Ok(PortStatus::from_byte(buf[0]))
}

/// SOFT_RESET: flushes the printer's buffers and resets the bulk endpoints. The class
/// spec gives bmRequestType 0x23 (recipient "other"), which Linux usblp also sends;
/// some devices only accept the interface recipient (0x21), so that is tried next.
pub fn soft_reset(t: &mut dyn UsbTransport, iface: &PrinterInterface) -> Result<(), UsbError> {
    match t.write_control(0x23, 2, 0, u16::from(iface.number), &[], CONTROL_TIMEOUT) {
        Ok(_) => Ok(()),
        Err(UsbError::NoDevice) => Err(UsbError::NoDevice),
        Err(_) => t.write_control(0x21, 2, 0, u16::from(iface.number), &[], CONTROL_TIMEOUT).map(|_| ()),
    }
}
