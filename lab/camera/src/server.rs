//! The USB/IP server side of the camera: one connection is the camera plugged into
//! vhci-hcd. Control transfers are answered at once; bulk IN URBs on the streaming
//! endpoint are queued and answered with payloads of the current picture, a new frame
//! starting no sooner than one frame interval after the last (a modest rate: the VM runs
//! under TCG).

use std::collections::VecDeque;
use std::io::Write;
use std::net::TcpStream;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::lab::{Shared, now_us};
use crate::usbip::{self, Command, DeviceInfo, Op, Submit};
use crate::uvc::{self, Effect, FramePayloads};
use crate::{BUSID, descriptors};

pub fn device_info() -> DeviceInfo {
    DeviceInfo {
        path: "/sys/devices/adm-lab/camera".into(),
        busid: BUSID.into(),
        busnum: 1,
        devnum: 2,
        speed: usbip::SPEED_HIGH,
        vendor: descriptors::VENDOR,
        product: descriptors::PRODUCT,
        bcd_device: descriptors::BCD_DEVICE,
        class: (0xef, 0x02, 0x01),
        configuration_value: 1,
        num_configurations: 1,
        interfaces: vec![(0x0e, 0x01, 0x00), (0x0e, 0x02, 0x00)],
    }
}

/// Serves one client connection: a device list, or an import followed by URBs until the
/// kernel detaches the device (the connection closes).
pub fn serve_connection(mut stream: TcpStream, lab: Shared, frame_interval: Duration) -> anyhow::Result<()> {
    stream.set_nodelay(true)?;
    match usbip::read_op(&mut stream)? {
        Op::DevList => {
            stream.write_all(&usbip::devlist_reply(&[device_info()]))?;
            Ok(())
        }
        Op::Import { busid } => {
            let free = {
                let mut l = lab.lock().unwrap_or_else(|e| e.into_inner());
                let free = busid == BUSID && !l.attached;
                if free {
                    l.attached = true;
                }
                free
            };
            if !free {
                stream.write_all(&usbip::import_reply(None))?;
                return Ok(());
            }
            stream.write_all(&usbip::import_reply(Some(&device_info())))?;
            let result = urbs(stream, &lab, frame_interval);
            let mut l = lab.lock().unwrap_or_else(|e| e.into_inner());
            l.attached = false;
            l.streaming = false;
            result
        }
    }
}

fn urbs(stream: TcpStream, lab: &Shared, frame_interval: Duration) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel();
    let mut reader = stream.try_clone()?;
    std::thread::Builder::new().name("usbip-rx".into()).spawn(move || {
        loop {
            match usbip::read_command(&mut reader) {
                Ok(c) => {
                    if tx.send(c).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    tracing::info!(error = %e, "USB/IP connection ended");
                    return;
                }
            }
        }
    })?;
    let mut out = stream;
    let mut pending: VecDeque<Submit> = VecDeque::new();
    let mut frame: Option<(FramePayloads, u64)> = None;
    let mut fid = false;
    let mut next_frame_at = Instant::now();
    loop {
        // Answer queued bulk URBs while there is something to send.
        while !pending.is_empty() {
            if frame.is_none() {
                if Instant::now() < next_frame_at {
                    break;
                }
                next_frame_at = Instant::now() + frame_interval;
                fid = !fid;
                let mut l = lab.lock().unwrap_or_else(|e| e.into_inner());
                if l.shown.first_byte_us.is_none() {
                    l.shown.first_byte_us = Some(now_us());
                }
                frame = Some((FramePayloads::new(l.shown.picture.yuyv.clone(), fid), l.shown.generation));
            }
            let (Some(req), Some((payloads, generation))) = (pending.pop_front(), frame.as_mut()) else { break };
            let max = usize::try_from(req.transfer_buffer_length).unwrap_or(0).min(uvc::MAX_PAYLOAD as usize);
            let (payload, last) = payloads.next_payload(max);
            out.write_all(&usbip::ret_submit(&req, 0, &payload, 0))?;
            if last {
                let mut l = lab.lock().unwrap_or_else(|e| e.into_inner());
                l.frames_sent += 1;
                if l.shown.generation == *generation && l.shown.first_frame_us.is_none() {
                    l.shown.first_frame_us = Some(now_us());
                }
                frame = None;
            }
        }
        let wait = if !pending.is_empty() && frame.is_none() {
            next_frame_at.saturating_duration_since(Instant::now())
        } else {
            Duration::from_secs(1)
        };
        let command = match rx.recv_timeout(wait) {
            Ok(c) => c,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        match command {
            Command::Submit(req) if req.ep == 0 => {
                let (answer, effect) = uvc::control(&req.setup, &req.data);
                if effect == Effect::StreamReset {
                    // A stream (re)starts or stops: the next payload begins a new frame.
                    frame = None;
                    let commit = req.setup[0] == 0x21;
                    lab.lock().unwrap_or_else(|e| e.into_inner()).streaming = commit;
                }
                let reply = match answer {
                    Ok(mut data) => {
                        data.truncate(usize::try_from(req.transfer_buffer_length).unwrap_or(0));
                        usbip::ret_submit(&req, 0, &data, req.data.len())
                    }
                    Err(uvc::Stall) => {
                        tracing::debug!(setup = ?req.setup, "control request stalled");
                        usbip::ret_submit(&req, usbip::EPIPE, &[], 0)
                    }
                };
                out.write_all(&reply)?;
            }
            Command::Submit(req)
                if req.ep == u32::from(descriptors::STREAM_EP & 0x0f) && req.direction == usbip::DIR_IN =>
            {
                pending.push_back(req);
            }
            Command::Submit(req) => out.write_all(&usbip::ret_submit(&req, usbip::EPIPE, &[], 0))?,
            Command::Unlink { seqnum, victim } => {
                let before = pending.len();
                pending.retain(|r| r.seqnum != victim);
                let status = if pending.len() < before { usbip::ECONNRESET } else { 0 };
                out.write_all(&usbip::ret_unlink(seqnum, status))?;
            }
        }
    }
}
