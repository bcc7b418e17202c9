//! A whole USB/IP session against the camera's server, played the way the kernel's
//! vhci-hcd and uvcvideo play it: import, enumeration, probe/commit, a stream of bulk
//! URBs (five in flight), a frame reassembled from its payloads, the picture changed at
//! run time, the stream stopped with URBs unlinked, and the detach.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use adm_lab_camera::lab::{Lab, Shared, Shown, now_us};
use adm_lab_camera::{picture, server, usbip};

fn lab() -> Shared {
    Arc::new(Mutex::new(Lab {
        shown: Shown {
            picture: picture::blank(),
            generation: 0,
            shown_at_us: now_us(),
            first_byte_us: None,
            first_frame_us: None,
        },
        frames_sent: 0,
        attached: false,
        streaming: false,
        port: None,
    }))
}

fn start(lab: &Shared) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let lab = lab.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let lab = lab.clone();
            std::thread::spawn(move || server::serve_connection(s, lab, Duration::from_millis(20)));
        }
    });
    addr
}

struct Host {
    s: TcpStream,
    seq: u32,
}

impl Host {
    fn submit(&mut self, dir: u32, ep: u32, len: u32, setup: [u8; 8], data: &[u8]) -> u32 {
        self.seq += 1;
        let mut b = vec![];
        for v in [1, self.seq, 0x0001_0002, dir, ep, 0, len, 0, 0, 0] {
            b.extend_from_slice(&u32::to_be_bytes(v));
        }
        b.extend_from_slice(&setup);
        b.extend_from_slice(data);
        self.s.write_all(&b).unwrap();
        self.seq
    }

    /// (command, seqnum, status, data); only IN transfers carry data back (the URBs of
    /// this session in flight at any time are all IN, or one control transfer of `out`).
    fn reply(&mut self) -> (u32, u32, i32, Vec<u8>) {
        self.reply_to(false)
    }

    fn reply_to(&mut self, out: bool) -> (u32, u32, i32, Vec<u8>) {
        let mut h = [0u8; 48];
        self.s.read_exact(&mut h).unwrap();
        let w = |i: usize| u32::from_be_bytes(h[i..i + 4].try_into().unwrap());
        let (cmd, seq, status, actual) = (w(0), w(4), w(20) as i32, w(24) as usize);
        let mut data = vec![];
        if cmd == 3 && actual > 0 && !out {
            data = vec![0; actual];
            self.s.read_exact(&mut data).unwrap();
        }
        (cmd, seq, status, data)
    }

    fn control_in(&mut self, setup: [u8; 8]) -> (i32, Vec<u8>) {
        let len = u16::from_le_bytes([setup[6], setup[7]]) as u32;
        let seq = self.submit(1, 0, len, setup, &[]);
        let (cmd, s, status, data) = self.reply();
        assert_eq!((cmd, s), (3, seq));
        (status, data)
    }

    fn control_out(&mut self, setup: [u8; 8], data: &[u8]) -> i32 {
        let seq = self.submit(0, 0, data.len() as u32, setup, data);
        let (cmd, s, status, _) = self.reply_to(true);
        assert_eq!((cmd, s), (3, seq));
        status
    }
}

fn setup(rt: u8, req: u8, value: u16, index: u16, len: u16) -> [u8; 8] {
    let mut s = [rt, req, 0, 0, 0, 0, 0, 0];
    s[2..4].copy_from_slice(&value.to_le_bytes());
    s[4..6].copy_from_slice(&index.to_le_bytes());
    s[6..8].copy_from_slice(&len.to_le_bytes());
    s
}

#[test]
fn the_kernel_side_of_a_session() {
    let lab = lab();
    let addr = start(&lab);

    // The device list, as `usbip list -r` asks for it.
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(&usbip::op_header(usbip::OP_REQ_DEVLIST, 0)).unwrap();
    let mut all = vec![];
    s.read_to_end(&mut all).unwrap();
    assert_eq!(u32::from_be_bytes(all[8..12].try_into().unwrap()), 1);

    // Import; a second import of the same camera is refused while it is attached.
    let mut s = TcpStream::connect(addr).unwrap();
    let dev = usbip::import(&mut s, "1-1").unwrap();
    assert_eq!((dev.vendor, dev.product, dev.speed), (0x1d6b, 0x0102, usbip::SPEED_HIGH));
    let mut again = TcpStream::connect(addr).unwrap();
    assert!(usbip::import(&mut again, "1-1").is_err());
    let mut host = Host { s, seq: 0 };

    // Enumeration.
    let (st, d) = host.control_in(setup(0x80, 6, 0x0100, 0, 18));
    assert_eq!((st, d.len()), (0, 18));
    let (_, head) = host.control_in(setup(0x80, 6, 0x0200, 0, 9));
    let total = u16::from_le_bytes([head[2], head[3]]);
    let (_, config) = host.control_in(setup(0x80, 6, 0x0200, 0, total));
    assert_eq!(config.len(), usize::from(total));
    let (_, product) = host.control_in(setup(0x80, 6, 0x0302, 0x0409, 255));
    assert_eq!(product[1], 3);
    assert_eq!(host.control_in(setup(0x80, 6, 0x0600, 0, 10)).0, usbip::EPIPE, "no device qualifier");
    assert_eq!(host.control_out(setup(0x00, 9, 1, 0, 0), &[]), 0);

    // uvcvideo: SET_INTERFACE, GET_DEF / SET_CUR / GET_CUR probe, then COMMIT.
    assert_eq!(host.control_out(setup(0x01, 11, 0, 1, 0), &[]), 0);
    let (st, probe) = host.control_in(setup(0xa1, 0x87, 0x0100, 1, 26));
    assert_eq!((st, probe.len()), (0, 26));
    assert_eq!(host.control_out(setup(0x21, 0x01, 0x0100, 1, 26), &probe), 0);
    let (_, cur) = host.control_in(setup(0xa1, 0x81, 0x0100, 1, 26));
    let max_payload = u32::from_le_bytes(cur[22..26].try_into().unwrap());
    assert_eq!(host.control_out(setup(0x21, 0x01, 0x0200, 1, 26), &cur), 0);
    assert!(lab.lock().unwrap().streaming);

    // A picture with a gradient, so a frame out of order would show.
    let dir = std::env::temp_dir().join(format!("adm-lab-camera-session-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("gradient.png");
    image::GrayImage::from_fn(640, 480, |x, y| image::Luma([((x + y) % 251) as u8])).save(&png).unwrap();
    let shown = picture::load(&png).unwrap();
    let expected = shown.yuyv.clone();
    {
        let mut l = lab.lock().unwrap();
        l.shown =
            Shown { picture: shown, generation: 1, shown_at_us: now_us(), first_byte_us: None, first_frame_us: None };
    }

    // Stream: five URBs in flight, each answered payload resubmitted, like uvcvideo.
    for _ in 0..5 {
        host.submit(1, 1, max_payload, [0; 8], &[]);
    }
    let mut frames: Vec<(u8, Vec<u8>)> = vec![];
    let mut current = vec![];
    while frames.len() < 2 {
        let (cmd, _, status, data) = host.reply();
        assert_eq!((cmd, status), (3, 0));
        assert!(data.len() <= max_payload as usize && data[0] == 2);
        current.extend_from_slice(&data[2..]);
        if data[1] & 0x02 != 0 {
            frames.push((data[1] & 0x01, std::mem::take(&mut current)));
        }
        host.submit(1, 1, max_payload, [0; 8], &[]);
    }
    assert_eq!(frames[0].1.len(), 640 * 480 * 2);
    assert!(frames[0].1 == *expected, "the frame is the picture, byte for byte");
    assert_ne!(frames[0].0, frames[1].0, "the frame ID toggles");
    {
        // The server counts a frame just after writing its last payload: the test can
        // have read that payload first (seen on a busy machine), so give it a moment.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while lab.lock().unwrap().frames_sent < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let l = lab.lock().unwrap();
        assert!(l.frames_sent >= 2, "{} frames counted", l.frames_sent);
        let (first, whole) = (l.shown.first_byte_us.unwrap(), l.shown.first_frame_us.unwrap());
        assert!(l.shown.shown_at_us <= first && first <= whole);
    }

    // Stop: the URBs still queued are unlinked (-ECONNRESET), then CLEAR_FEATURE(HALT).
    // Some may have been answered meanwhile; their RET_SUBMITs come first.
    let victim = host.seq;
    host.seq += 1;
    let mut b = vec![];
    for v in [2, host.seq, 0x0001_0002, 0, 1, victim] {
        b.extend_from_slice(&u32::to_be_bytes(v));
    }
    b.resize(48, 0);
    host.s.write_all(&b).unwrap();
    loop {
        let (cmd, seq, status, _) = host.reply();
        if cmd == 4 {
            assert_eq!(seq, host.seq);
            assert!(status == usbip::ECONNRESET || status == 0);
            break;
        }
    }
    // Answers to other queued URBs may still be on their way before the control reply.
    let seq = host.submit(0, 0, 0, setup(0x02, 1, 0, 0x81, 0), &[]);
    loop {
        let (cmd, s, status, _) = host.reply();
        if cmd == 3 && s == seq {
            assert_eq!(status, 0);
            break;
        }
    }
    assert!(!lab.lock().unwrap().streaming);

    // Detach: the kernel closes the socket; the camera can be imported again.
    drop(host);
    for _ in 0..100 {
        if !lab.lock().unwrap().attached {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!lab.lock().unwrap().attached);
    let mut s = TcpStream::connect(addr).unwrap();
    assert!(usbip::import(&mut s, "1-1").is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}
