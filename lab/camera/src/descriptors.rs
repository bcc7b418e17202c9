//! The camera's USB descriptors: a UVC 1.0 camera with one bulk video-streaming endpoint,
//! one format (uncompressed YUYV, the one the kiosk's driver ranks first) in one size.
//!
//! Why bulk: isochronous endpoints are what USB/IP and TCG make least dependable, and
//! uvcvideo streams from a bulk endpoint just the same (the VS interface then has a
//! single alternate setting). IDs are the Linux Foundation's "webcam gadget" (1d6b:0102,
//! what the kernel's own UVC gadget uses), so no uvcvideo quirk applies.

pub const VENDOR: u16 = 0x1d6b;
pub const PRODUCT: u16 = 0x0102;
pub const BCD_DEVICE: u16 = 0x0100;
pub const WIDTH: u16 = 640;
pub const HEIGHT: u16 = 480;
pub const FRAME_BYTES: u32 = WIDTH as u32 * HEIGHT as u32 * 2;
/// Nominal frame interval (100 ns units): 10 fps. The kiosk's driver passes over modes
/// slower than 10 fps when it has a choice; what is actually sent is paced by the server.
pub const FRAME_INTERVAL: u32 = 1_000_000;
/// Bulk IN endpoint 1, high speed.
pub const STREAM_EP: u8 = 0x81;
pub const BULK_PACKET: u16 = 512;
pub const VC_INTERFACE: u8 = 0;
pub const VS_INTERFACE: u8 = 1;

pub const STRINGS: [&str; 3] = ["ADM Lab", "ADM Lab QR Camera", "LABCAM0001"];

/// Entity IDs of the video function: camera → output terminal (USB streaming).
const CAMERA_TERMINAL: u8 = 1;
const OUTPUT_TERMINAL: u8 = 2;

const CS_INTERFACE: u8 = 0x24;

pub fn device() -> Vec<u8> {
    let mut d = vec![18, 1];
    d.extend_from_slice(&0x0200u16.to_le_bytes());
    // Miscellaneous / common class / interface association: the video function is an IAD.
    d.extend_from_slice(&[0xef, 0x02, 0x01, 64]);
    d.extend_from_slice(&VENDOR.to_le_bytes());
    d.extend_from_slice(&PRODUCT.to_le_bytes());
    d.extend_from_slice(&BCD_DEVICE.to_le_bytes());
    d.extend_from_slice(&[1, 2, 3, 1]);
    d
}

fn interface(number: u8, endpoints: u8, subclass: u8) -> [u8; 9] {
    [9, 4, number, 0, endpoints, 0x0e, subclass, 0, 0]
}

fn video_control() -> Vec<u8> {
    let camera = {
        let mut t = vec![18, CS_INTERFACE, 0x02, CAMERA_TERMINAL];
        t.extend_from_slice(&0x0201u16.to_le_bytes()); // ITT_CAMERA
        // bAssocTerminal, iTerminal, focal lengths (unknown), bControlSize 3, no controls.
        t.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0]);
        t
    };
    let output = {
        let mut t = vec![9, CS_INTERFACE, 0x03, OUTPUT_TERMINAL];
        t.extend_from_slice(&0x0101u16.to_le_bytes()); // TT_STREAMING
        t.extend_from_slice(&[0, CAMERA_TERMINAL, 0]);
        t
    };
    let total = 13 + camera.len() + output.len();
    let mut d = vec![13, CS_INTERFACE, 0x01];
    d.extend_from_slice(&0x0100u16.to_le_bytes()); // UVC 1.0
    d.extend_from_slice(&(total as u16).to_le_bytes());
    d.extend_from_slice(&48_000_000u32.to_le_bytes());
    d.extend_from_slice(&[1, VS_INTERFACE]);
    d.extend(camera);
    d.extend(output);
    d
}

/// YUY2's GUID (32595559-0000-0010-8000-00AA00389B71).
const GUID_YUY2: [u8; 16] = [b'Y', b'U', b'Y', b'2', 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71];

fn video_streaming() -> Vec<u8> {
    let mut format = vec![27, CS_INTERFACE, 0x04, 1, 1];
    format.extend_from_slice(&GUID_YUY2);
    // 16 bits per pixel, default frame 1, no aspect ratio, progressive, no copy protection.
    format.extend_from_slice(&[16, 1, 0, 0, 0, 0]);
    let mut frame = vec![30, CS_INTERFACE, 0x05, 1, 0];
    frame.extend_from_slice(&WIDTH.to_le_bytes());
    frame.extend_from_slice(&HEIGHT.to_le_bytes());
    let bits_per_second = FRAME_BYTES * 8 * (10_000_000 / FRAME_INTERVAL);
    for v in [bits_per_second, bits_per_second, FRAME_BYTES, FRAME_INTERVAL] {
        frame.extend_from_slice(&v.to_le_bytes());
    }
    frame.push(1);
    frame.extend_from_slice(&FRAME_INTERVAL.to_le_bytes());
    // sRGB primaries and transfer, SMPTE 170M matrix.
    let color = [6, CS_INTERFACE, 0x0d, 1, 1, 4];
    let total = 14 + format.len() + frame.len() + color.len();
    let mut d = vec![14, CS_INTERFACE, 0x01, 1];
    d.extend_from_slice(&(total as u16).to_le_bytes());
    // Endpoint, bmInfo, bTerminalLink, still capture, trigger support/usage, bControlSize 1,
    // no per-format controls.
    d.extend_from_slice(&[STREAM_EP, 0, OUTPUT_TERMINAL, 0, 0, 0, 1, 0]);
    d.extend(format);
    d.extend(frame);
    d.extend_from_slice(&color);
    d
}

pub fn configuration() -> Vec<u8> {
    let mut body = vec![];
    // Interface association: interfaces 0-1 are one video function.
    body.extend_from_slice(&[8, 0x0b, VC_INTERFACE, 2, 0x0e, 0x03, 0, 2]);
    body.extend_from_slice(&interface(VC_INTERFACE, 0, 0x01));
    body.extend(video_control());
    body.extend_from_slice(&interface(VS_INTERFACE, 1, 0x02));
    body.extend(video_streaming());
    body.extend_from_slice(&[7, 5, STREAM_EP, 0x02]);
    body.extend_from_slice(&BULK_PACKET.to_le_bytes());
    body.push(0);
    let total = 9 + body.len();
    // bmAttributes: bus powered; 500 mA.
    let mut d = vec![9, 2];
    d.extend_from_slice(&(total as u16).to_le_bytes());
    d.extend_from_slice(&[2, 1, 0, 0x80, 250]);
    d.extend(body);
    d
}

/// String descriptor `index` (0: the language list, US English).
pub fn string(index: u8) -> Option<Vec<u8>> {
    if index == 0 {
        return Some(vec![4, 3, 0x09, 0x04]);
    }
    let s = STRINGS.get(usize::from(index) - 1)?;
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut d = vec![(2 + 2 * units.len()) as u8, 3];
    for u in units {
        d.extend_from_slice(&u.to_le_bytes());
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks the descriptors of a configuration: (type, subtype, bytes).
    fn walk(c: &[u8]) -> Vec<(u8, u8, Vec<u8>)> {
        let mut out = vec![];
        let mut i = 0;
        while i < c.len() {
            let len = usize::from(c[i]);
            assert!(len >= 2 && i + len <= c.len(), "descriptor at {i} overruns");
            out.push((c[i + 1], c.get(i + 2).copied().unwrap_or(0), c[i..i + len].to_vec()));
            i += len;
        }
        out
    }

    #[test]
    fn device_descriptor() {
        let d = device();
        assert_eq!(d.len(), 18);
        assert_eq!(u16::from_le_bytes([d[8], d[9]]), VENDOR);
        assert_eq!(d[17], 1, "one configuration");
    }

    #[test]
    fn configuration_lengths_add_up() {
        let c = configuration();
        assert_eq!(usize::from(u16::from_le_bytes([c[2], c[3]])), c.len());
        let all = walk(&c);
        assert_eq!(all[0].0, 2, "configuration first");
        let kinds: Vec<(u8, u8)> = all[1..].iter().map(|(t, s, _)| (*t, *s)).collect();
        assert_eq!(
            kinds,
            vec![
                (0x0b, 0x00),
                (4, VC_INTERFACE),
                (0x24, 0x01),
                (0x24, 0x02),
                (0x24, 0x03),
                (4, VS_INTERFACE),
                (0x24, 0x01),
                (0x24, 0x04),
                (0x24, 0x05),
                (0x24, 0x0d),
                (5, STREAM_EP),
            ]
        );
        // The class-specific headers' wTotalLength cover exactly their own descriptors.
        let vc_total: usize = all[3..6].iter().map(|d| d.2.len()).sum();
        assert_eq!(usize::from(u16::from_le_bytes([all[3].2[5], all[3].2[6]])), vc_total);
        let vs_total: usize = all[7..11].iter().map(|d| d.2.len()).sum();
        assert_eq!(usize::from(u16::from_le_bytes([all[7].2[4], all[7].2[5]])), vs_total);
        // The streaming header links the bulk endpoint and the output terminal.
        assert_eq!((all[7].2[6], all[7].2[8]), (STREAM_EP, OUTPUT_TERMINAL));
        let frame = &all[9].2;
        assert_eq!(u16::from_le_bytes([frame[5], frame[6]]), WIDTH);
        assert_eq!(u32::from_le_bytes([frame[17], frame[18], frame[19], frame[20]]), FRAME_BYTES);
        assert_eq!(all[11].2[3], 0x02, "bulk");
    }

    #[test]
    fn strings() {
        assert_eq!(string(0), Some(vec![4, 3, 0x09, 0x04]));
        let p = string(2).unwrap();
        assert_eq!(usize::from(p[0]), p.len());
        assert_eq!(p.len(), 2 + 2 * "ADM Lab QR Camera".len());
        assert_eq!(string(9), None);
    }
}
