//! The USB/IP wire protocol (Linux Documentation/usb/usbip_protocol.rst), the few
//! messages a server needs: the device list and import on the way in, then URBs
//! (CMD_SUBMIT / RET_SUBMIT, CMD_UNLINK / RET_UNLINK) for as long as the kernel's
//! vhci-hcd keeps the device attached. Everything is big-endian.

use std::io::{self, Read, Write};

pub const VERSION: u16 = 0x0111;
pub const OP_REQ_DEVLIST: u16 = 0x8005;
pub const OP_REP_DEVLIST: u16 = 0x0005;
pub const OP_REQ_IMPORT: u16 = 0x8003;
pub const OP_REP_IMPORT: u16 = 0x0003;

const CMD_SUBMIT: u32 = 1;
const CMD_UNLINK: u32 = 2;
const RET_SUBMIT: u32 = 3;
const RET_UNLINK: u32 = 4;

pub const DIR_OUT: u32 = 0;
pub const DIR_IN: u32 = 1;

/// USB_SPEED_HIGH of the kernel's `enum usb_device_speed`.
pub const SPEED_HIGH: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("connection: {0}")]
    Io(#[from] io::Error),
    #[error("unknown USB/IP operation {0:#06x}")]
    UnknownOp(u16),
    #[error("unknown USB/IP command {0}")]
    UnknownCommand(u32),
    #[error("OUT transfer of {0} bytes is larger than this device ever takes")]
    TooLong(i32),
    #[error("import refused (status {0})")]
    ImportRefused(u32),
}

/// What `usb_device` of the protocol says about the exported device (312 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub path: String,
    pub busid: String,
    pub busnum: u32,
    pub devnum: u32,
    pub speed: u32,
    pub vendor: u16,
    pub product: u16,
    pub bcd_device: u16,
    pub class: (u8, u8, u8),
    pub configuration_value: u8,
    pub num_configurations: u8,
    /// (class, subclass, protocol) of each interface (the device list carries them).
    pub interfaces: Vec<(u8, u8, u8)>,
}

impl DeviceInfo {
    /// What vhci-hcd's `attach` calls the device: bus and device number in one word.
    pub fn devid(&self) -> u32 {
        (self.busnum << 16) | self.devnum
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        let fixed = |s: &str, n: usize, out: &mut Vec<u8>| {
            let b = s.as_bytes();
            let take = b.len().min(n - 1);
            out.extend_from_slice(&b[..take]);
            out.resize(out.len() + n - take, 0);
        };
        fixed(&self.path, 256, out);
        fixed(&self.busid, 32, out);
        for v in [self.busnum, self.devnum, self.speed] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        for v in [self.vendor, self.product, self.bcd_device] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&[
            self.class.0,
            self.class.1,
            self.class.2,
            self.configuration_value,
            self.num_configurations,
            self.interfaces.len() as u8,
        ]);
    }

    pub fn decode(b: &[u8; 312]) -> DeviceInfo {
        let text = |s: &[u8]| String::from_utf8_lossy(s.split(|&c| c == 0).next().unwrap_or(&[])).into_owned();
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u16_at = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        DeviceInfo {
            path: text(&b[..256]),
            busid: text(&b[256..288]),
            busnum: u32_at(288),
            devnum: u32_at(292),
            speed: u32_at(296),
            vendor: u16_at(300),
            product: u16_at(302),
            bcd_device: u16_at(304),
            class: (b[306], b[307], b[308]),
            configuration_value: b[309],
            num_configurations: b[310],
            interfaces: vec![(0, 0, 0); usize::from(b[311])],
        }
    }
}

/// The 8-byte header of the operations before import.
pub fn op_header(code: u16, status: u32) -> [u8; 8] {
    let mut h = [0u8; 8];
    h[..2].copy_from_slice(&VERSION.to_be_bytes());
    h[2..4].copy_from_slice(&code.to_be_bytes());
    h[4..].copy_from_slice(&status.to_be_bytes());
    h
}

/// An operation a client opens a connection with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    DevList,
    Import { busid: String },
}

pub fn read_op(r: &mut impl Read) -> Result<Op, ProtocolError> {
    let mut h = [0u8; 8];
    r.read_exact(&mut h)?;
    match u16::from_be_bytes([h[2], h[3]]) {
        OP_REQ_DEVLIST => Ok(Op::DevList),
        OP_REQ_IMPORT => {
            let mut busid = [0u8; 32];
            r.read_exact(&mut busid)?;
            let busid = String::from_utf8_lossy(busid.split(|&c| c == 0).next().unwrap_or(&[])).into_owned();
            Ok(Op::Import { busid })
        }
        other => Err(ProtocolError::UnknownOp(other)),
    }
}

pub fn devlist_reply(devices: &[DeviceInfo]) -> Vec<u8> {
    let mut out = op_header(OP_REP_DEVLIST, 0).to_vec();
    out.extend_from_slice(&(devices.len() as u32).to_be_bytes());
    for d in devices {
        d.encode(&mut out);
        for &(c, s, p) in &d.interfaces {
            out.extend_from_slice(&[c, s, p, 0]);
        }
    }
    out
}

/// OP_REP_IMPORT: the device, or an error status (1) and nothing else.
pub fn import_reply(device: Option<&DeviceInfo>) -> Vec<u8> {
    match device {
        Some(d) => {
            let mut out = op_header(OP_REP_IMPORT, 0).to_vec();
            d.encode(&mut out);
            out
        }
        None => op_header(OP_REP_IMPORT, 1).to_vec(),
    }
}

/// The client side of the import (what `usbip attach` does before handing the socket to
/// the kernel).
pub fn import(stream: &mut (impl Read + Write), busid: &str) -> Result<DeviceInfo, ProtocolError> {
    let mut req = op_header(OP_REQ_IMPORT, 0).to_vec();
    let mut id = [0u8; 32];
    let take = busid.len().min(31);
    id[..take].copy_from_slice(&busid.as_bytes()[..take]);
    req.extend_from_slice(&id);
    stream.write_all(&req)?;
    let mut h = [0u8; 8];
    stream.read_exact(&mut h)?;
    let status = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
    if status != 0 {
        return Err(ProtocolError::ImportRefused(status));
    }
    let mut d = [0u8; 312];
    stream.read_exact(&mut d)?;
    Ok(DeviceInfo::decode(&d))
}

/// One URB from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submit {
    pub seqnum: u32,
    pub direction: u32,
    /// Endpoint number, without the direction bit.
    pub ep: u32,
    pub transfer_buffer_length: i32,
    pub number_of_packets: i32,
    pub setup: [u8; 8],
    /// What an OUT transfer carries.
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Submit(Submit),
    Unlink { seqnum: u32, victim: u32 },
}

/// Biggest OUT transfer accepted: this camera takes only control requests' data.
const MAX_OUT: i32 = 4096;

pub fn read_command(r: &mut impl Read) -> Result<Command, ProtocolError> {
    let mut h = [0u8; 48];
    r.read_exact(&mut h)?;
    let word = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let (command, seqnum, direction, ep) = (word(0), word(4), word(12), word(16));
    match command {
        CMD_SUBMIT => {
            let transfer_buffer_length = word(24) as i32;
            let number_of_packets = word(32) as i32;
            let mut setup = [0u8; 8];
            setup.copy_from_slice(&h[40..48]);
            let mut data = vec![];
            if direction == DIR_OUT && transfer_buffer_length > 0 {
                if transfer_buffer_length > MAX_OUT {
                    return Err(ProtocolError::TooLong(transfer_buffer_length));
                }
                data = vec![0u8; transfer_buffer_length as usize];
                r.read_exact(&mut data)?;
            }
            Ok(Command::Submit(Submit {
                seqnum,
                direction,
                ep,
                transfer_buffer_length,
                number_of_packets,
                setup,
                data,
            }))
        }
        CMD_UNLINK => Ok(Command::Unlink { seqnum, victim: word(20) }),
        other => Err(ProtocolError::UnknownCommand(other)),
    }
}

fn basic(command: u32, seqnum: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(48);
    out.extend_from_slice(&command.to_be_bytes());
    out.extend_from_slice(&seqnum.to_be_bytes());
    // devid, direction, ep: zero in replies.
    out.resize(20, 0);
    out
}

/// RET_SUBMIT: `status` 0 or a negative errno (-EPIPE = stall); `data` is what an IN
/// transfer returns (its length is the actual length). For OUT, `out_len` bytes were taken.
pub fn ret_submit(req: &Submit, status: i32, data: &[u8], out_len: usize) -> Vec<u8> {
    let mut out = basic(RET_SUBMIT, req.seqnum);
    let actual = if req.direction == DIR_IN { data.len() } else { out_len };
    for v in [status, actual as i32, 0, req.number_of_packets, 0] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.resize(48, 0);
    if req.direction == DIR_IN {
        out.extend_from_slice(data);
    }
    out
}

/// RET_UNLINK: -ECONNRESET if the URB was still queued here, 0 if it had completed.
pub fn ret_unlink(seqnum: u32, status: i32) -> Vec<u8> {
    let mut out = basic(RET_UNLINK, seqnum);
    out.extend_from_slice(&status.to_be_bytes());
    out.resize(48, 0);
    out
}

pub const EPIPE: i32 = -32;
pub const ECONNRESET: i32 = -104;

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> DeviceInfo {
        DeviceInfo {
            path: "/sys/devices/lab/camera".into(),
            busid: "1-1".into(),
            busnum: 1,
            devnum: 2,
            speed: SPEED_HIGH,
            vendor: 0x1d6b,
            product: 0x0102,
            bcd_device: 0x0100,
            class: (0xef, 2, 1),
            configuration_value: 1,
            num_configurations: 1,
            interfaces: vec![(0x0e, 1, 0), (0x0e, 2, 0)],
        }
    }

    #[test]
    fn device_info_is_312_bytes_and_round_trips() {
        let mut b = vec![];
        device().encode(&mut b);
        assert_eq!(b.len(), 312);
        let back = DeviceInfo::decode(b.as_slice().try_into().unwrap());
        assert_eq!(back.busid, "1-1");
        assert_eq!(back.devid(), 0x0001_0002);
        assert_eq!((back.vendor, back.product, back.speed), (0x1d6b, 0x0102, SPEED_HIGH));
        assert_eq!(back.interfaces.len(), 2);
    }

    #[test]
    fn devlist_carries_each_interface() {
        let r = devlist_reply(&[device()]);
        assert_eq!(&r[..8], &[0x01, 0x11, 0x00, 0x05, 0, 0, 0, 0]);
        assert_eq!(&r[8..12], &[0, 0, 0, 1]);
        assert_eq!(r.len(), 12 + 312 + 2 * 4);
        assert_eq!(&r[12 + 312..12 + 316], &[0x0e, 1, 0, 0]);
    }

    #[test]
    fn import_round_trip_through_a_buffer() {
        // The server's reply, read by the client side.
        let reply = import_reply(Some(&device()));
        struct Duplex(std::io::Cursor<Vec<u8>>, Vec<u8>);
        impl Read for Duplex {
            fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
                self.0.read(b)
            }
        }
        impl Write for Duplex {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.1.write(b)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut d = Duplex(std::io::Cursor::new(reply), vec![]);
        let got = import(&mut d, "1-1").unwrap();
        assert_eq!(got.devid(), 0x0001_0002);
        // What the client sent is what the server parses.
        let op = read_op(&mut std::io::Cursor::new(d.1)).unwrap();
        assert_eq!(op, Op::Import { busid: "1-1".into() });
        let refused = import_reply(None);
        let mut d = Duplex(std::io::Cursor::new(refused), vec![]);
        assert!(matches!(import(&mut d, "1-1"), Err(ProtocolError::ImportRefused(1))));
    }

    fn submit_bytes(seq: u32, dir: u32, ep: u32, len: i32, setup: [u8; 8], data: &[u8]) -> Vec<u8> {
        let mut b = vec![];
        for v in [CMD_SUBMIT, seq, 0x0001_0002, dir, ep, 0, len as u32, 0, 0, 0] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&setup);
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn submit_and_unlink_parse() {
        let setup = [0x21, 0x01, 0x00, 0x01, 0x01, 0x00, 26, 0];
        let b = submit_bytes(7, DIR_OUT, 0, 26, setup, &[0xaa; 26]);
        let Command::Submit(s) = read_command(&mut std::io::Cursor::new(b)).unwrap() else { panic!() };
        assert_eq!((s.seqnum, s.direction, s.ep, s.setup), (7, DIR_OUT, 0, setup));
        assert_eq!(s.data, vec![0xaa; 26]);
        // An IN transfer carries no data on the wire.
        let b = submit_bytes(8, DIR_IN, 1, 16384, [0; 8], &[]);
        let Command::Submit(s) = read_command(&mut std::io::Cursor::new(b)).unwrap() else { panic!() };
        assert_eq!((s.ep, s.transfer_buffer_length, s.data.len()), (1, 16384, 0));
        let mut b = vec![];
        for v in [CMD_UNLINK, 9, 0x0001_0002, 0, 1, 8] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.resize(48, 0);
        assert_eq!(read_command(&mut std::io::Cursor::new(b)).unwrap(), Command::Unlink { seqnum: 9, victim: 8 });
    }

    #[test]
    fn replies_have_the_48_byte_header() {
        let req = Submit {
            seqnum: 5,
            direction: DIR_IN,
            ep: 1,
            transfer_buffer_length: 16384,
            number_of_packets: 0,
            setup: [0; 8],
            data: vec![],
        };
        let r = ret_submit(&req, 0, &[1, 2, 3], 0);
        assert_eq!(r.len(), 48 + 3);
        assert_eq!(&r[..8], &[0, 0, 0, 3, 0, 0, 0, 5]);
        assert_eq!(&r[24..28], &3i32.to_be_bytes(), "actual length");
        let stall = ret_submit(&req, EPIPE, &[], 0);
        assert_eq!(&stall[20..24], &EPIPE.to_be_bytes());
        let u = ret_unlink(9, ECONNRESET);
        assert_eq!(u.len(), 48);
        assert_eq!(&u[..8], &[0, 0, 0, 4, 0, 0, 0, 9]);
    }
}
