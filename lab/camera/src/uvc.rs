//! What the camera answers on its control endpoint (standard requests and the UVC
//! class requests uvcvideo makes), and how a frame is cut into bulk payloads.

use crate::descriptors::{self, FRAME_BYTES, FRAME_INTERVAL, VC_INTERFACE, VS_INTERFACE};

/// A control request the camera does not support: the endpoint stalls (-EPIPE), which is
/// how a real device says so and what uvcvideo expects for unsupported queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stall;

/// The payload size agreed in the probe control. uvcvideo's bulk URBs are at most 32
/// packets of 512 bytes, so with exactly that each URB carries one whole payload (header
/// first), and the end of a payload is the end of a URB.
pub const MAX_PAYLOAD: u32 = 32 * descriptors::BULK_PACKET as u32;

/// What a control request did, besides its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    None,
    /// The host (re)starts or stops the video stream (COMMIT, halt cleared, interface
    /// reset): the next payload must begin a fresh frame.
    StreamReset,
}

/// The UVC 1.0 video probe and commit control (26 bytes): the one mode this camera has.
pub fn streaming_control() -> [u8; 26] {
    let mut c = [0u8; 26];
    c[0..2].copy_from_slice(&1u16.to_le_bytes()); // bmHint: frame interval fixed
    c[2] = 1; // bFormatIndex
    c[3] = 1; // bFrameIndex
    c[4..8].copy_from_slice(&FRAME_INTERVAL.to_le_bytes());
    c[18..22].copy_from_slice(&FRAME_BYTES.to_le_bytes());
    c[22..26].copy_from_slice(&MAX_PAYLOAD.to_le_bytes());
    c
}

const SET_CUR: u8 = 0x01;
const GET_CUR: u8 = 0x81;
const GET_MIN: u8 = 0x82;
const GET_MAX: u8 = 0x83;
const GET_RES: u8 = 0x84;
const GET_LEN: u8 = 0x85;
const GET_INFO: u8 = 0x86;
const GET_DEF: u8 = 0x87;

const VS_PROBE: u8 = 0x01;
const VS_COMMIT: u8 = 0x02;
const VC_REQUEST_ERROR_CODE: u8 = 0x02;

/// Answers one control transfer (`setup` as sent; `data` for OUT transfers). Returns the
/// IN data (cut to wLength by the caller) or a stall.
pub fn control(setup: &[u8; 8], data: &[u8]) -> (Result<Vec<u8>, Stall>, Effect) {
    let (request_type, request) = (setup[0], setup[1]);
    let value = u16::from_le_bytes([setup[2], setup[3]]);
    let index = u16::from_le_bytes([setup[4], setup[5]]);
    let length = usize::from(u16::from_le_bytes([setup[6], setup[7]]));
    let answer = match (request_type, request) {
        // GET_DESCRIPTOR
        (0x80, 6) => {
            let [kind, i] = [(value >> 8) as u8, value as u8];
            match kind {
                1 => Ok(descriptors::device()),
                2 => Ok(descriptors::configuration()),
                3 => descriptors::string(i).ok_or(Stall),
                // No device qualifier (high speed only), no BOS (USB 2.0).
                _ => Err(Stall),
            }
        }
        // GET_STATUS of device, interface or endpoint.
        (0x80..=0x82, 0) => Ok(vec![0, 0]),
        // GET_CONFIGURATION / GET_INTERFACE
        (0x80, 8) => Ok(vec![1]),
        (0x81, 10) => Ok(vec![0]),
        // SET_CONFIGURATION, SET_FEATURE / CLEAR_FEATURE on the device.
        (0x00, 9 | 1 | 3) => Ok(vec![]),
        // SET_INTERFACE: only alternate setting 0 exists.
        (0x01, 11) if value == 0 => return (Ok(vec![]), Effect::StreamReset),
        // CLEAR_FEATURE(ENDPOINT_HALT): uvcvideo's stop of a bulk stream.
        (0x02, 1) => return (Ok(vec![]), Effect::StreamReset),
        (0x21 | 0xa1, _) => return class_request(request, value, index, length, data),
        _ => Err(Stall),
    };
    (answer, Effect::None)
}

fn class_request(request: u8, value: u16, index: u16, length: usize, data: &[u8]) -> (Result<Vec<u8>, Stall>, Effect) {
    let (interface, entity, selector) = (index as u8, (index >> 8) as u8, (value >> 8) as u8);
    if entity != 0 {
        // The camera terminal has no controls (bmControls is all zero).
        return (Err(Stall), Effect::None);
    }
    match (interface, selector, request) {
        (VS_INTERFACE, VS_PROBE | VS_COMMIT, SET_CUR) => {
            if data.len() < 26.min(length) {
                return (Err(Stall), Effect::None);
            }
            // One mode only: whatever the host asks, the current value stays the agreed
            // one, which the following GET_CUR reports.
            let effect = if selector == VS_COMMIT { Effect::StreamReset } else { Effect::None };
            (Ok(vec![]), effect)
        }
        (VS_INTERFACE, VS_PROBE | VS_COMMIT, GET_CUR | GET_MIN | GET_MAX | GET_DEF | GET_RES) => {
            (Ok(streaming_control().to_vec()), Effect::None)
        }
        (VS_INTERFACE, VS_PROBE | VS_COMMIT, GET_LEN) => (Ok(26u16.to_le_bytes().to_vec()), Effect::None),
        (VS_INTERFACE, VS_PROBE | VS_COMMIT, GET_INFO) => (Ok(vec![0x03]), Effect::None),
        (VC_INTERFACE, VC_REQUEST_ERROR_CODE, GET_CUR) => (Ok(vec![0]), Effect::None),
        _ => (Err(Stall), Effect::None),
    }
}

/// One frame being cut into payloads: a 2-byte UVC payload header (end of header, frame
/// ID toggled per frame, end of frame on the last), then the next piece of the picture.
pub struct FramePayloads {
    frame: std::sync::Arc<Vec<u8>>,
    pos: usize,
    fid: u8,
}

const EOH: u8 = 0x80;
const EOF: u8 = 0x02;

impl FramePayloads {
    pub fn new(frame: std::sync::Arc<Vec<u8>>, fid: bool) -> FramePayloads {
        FramePayloads { frame, pos: 0, fid: u8::from(fid) }
    }

    /// The next payload, at most `max` bytes (header included), and whether it ends the frame.
    pub fn next_payload(&mut self, max: usize) -> (Vec<u8>, bool) {
        let room = max.saturating_sub(2).max(1);
        let end = (self.pos + room).min(self.frame.len());
        let last = end == self.frame.len();
        let mut p = Vec::with_capacity(2 + end - self.pos);
        p.push(2);
        p.push(EOH | self.fid | if last { EOF } else { 0 });
        p.extend_from_slice(&self.frame[self.pos..end]);
        self.pos = end;
        (p, last)
    }

    pub fn done(&self) -> bool {
        self.pos >= self.frame.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn setup(rt: u8, req: u8, value: u16, index: u16, len: u16) -> [u8; 8] {
        let mut s = [rt, req, 0, 0, 0, 0, 0, 0];
        s[2..4].copy_from_slice(&value.to_le_bytes());
        s[4..6].copy_from_slice(&index.to_le_bytes());
        s[6..8].copy_from_slice(&len.to_le_bytes());
        s
    }

    #[test]
    fn probe_commit_negotiation_as_uvcvideo_does_it() {
        // GET_DEF probe, SET_CUR probe, GET_CUR probe, SET_CUR commit.
        let (def, _) = control(&setup(0xa1, GET_DEF, 0x0100, 0x0001, 26), &[]);
        let def = def.unwrap();
        assert_eq!(def.len(), 26);
        assert_eq!((def[2], def[3]), (1, 1));
        assert_eq!(u32::from_le_bytes(def[18..22].try_into().unwrap()), 640 * 480 * 2);
        assert_eq!(u32::from_le_bytes(def[22..26].try_into().unwrap()), 16384);
        let (set, effect) = control(&setup(0x21, SET_CUR, 0x0100, 0x0001, 26), &def);
        assert_eq!((set, effect), (Ok(vec![]), Effect::None));
        let (cur, _) = control(&setup(0xa1, GET_CUR, 0x0100, 0x0001, 26), &[]);
        assert_eq!(cur.unwrap(), def);
        let (_, effect) = control(&setup(0x21, SET_CUR, 0x0200, 0x0001, 26), &def);
        assert_eq!(effect, Effect::StreamReset, "commit starts a stream");
        // A truncated SET_CUR is refused.
        assert_eq!(control(&setup(0x21, SET_CUR, 0x0100, 0x0001, 26), &def[..10]).0, Err(Stall));
    }

    #[test]
    fn unsupported_requests_stall() {
        // Camera terminal controls (entity 1), an unknown VS selector, device qualifier.
        assert_eq!(control(&setup(0xa1, GET_INFO, 0x0200, 0x0100, 1), &[]).0, Err(Stall));
        assert_eq!(control(&setup(0xa1, GET_CUR, 0x0300, 0x0001, 26), &[]).0, Err(Stall));
        assert_eq!(control(&setup(0x80, 6, 0x0600, 0, 10), &[]).0, Err(Stall));
        assert_eq!(control(&setup(0x80, 6, 0x0309, 0, 255), &[]).0, Err(Stall));
    }

    #[test]
    fn standard_requests() {
        assert_eq!(control(&setup(0x80, 6, 0x0100, 0, 18), &[]).0.unwrap().len(), 18);
        assert_eq!(control(&setup(0x00, 9, 1, 0, 0), &[]).0, Ok(vec![]));
        assert_eq!(control(&setup(0x01, 11, 0, 1, 0), &[]).1, Effect::StreamReset);
        assert_eq!(control(&setup(0x01, 11, 1, 1, 0), &[]).0, Err(Stall), "no alternate setting 1");
        assert_eq!(control(&setup(0x02, 1, 0, 0x81, 0), &[]).1, Effect::StreamReset);
        assert_eq!(control(&setup(0xa1, GET_CUR, 0x0200, 0x0000, 1), &[]).0, Ok(vec![0]));
    }

    #[test]
    fn a_frame_in_payloads() {
        let frame: Vec<u8> = (0..40_000u32).map(|i| i as u8).collect();
        let mut p = FramePayloads::new(Arc::new(frame.clone()), true);
        let mut back = vec![];
        let mut n = 0;
        loop {
            let (payload, last) = p.next_payload(16384);
            n += 1;
            assert!(payload.len() <= 16384);
            assert_eq!(payload[0], 2, "header length");
            assert_eq!(payload[1] & 0x01, 1, "frame ID of this frame");
            assert_eq!(payload[1] & 0x80, 0x80, "end of header");
            assert_eq!(payload[1] & 0x02 != 0, last, "end of frame only on the last");
            back.extend_from_slice(&payload[2..]);
            if last {
                break;
            }
            assert_eq!(payload.len(), 16384, "full payloads until the last");
        }
        assert!(p.done());
        assert_eq!(n, 3);
        assert_eq!(back, frame);
        let (next, _) = FramePayloads::new(Arc::new(vec![0; 4]), false).next_payload(16384);
        assert_eq!(next, vec![2, 0x82, 0, 0, 0, 0], "the next frame toggles the frame ID");
    }
}
