//! The running lab: both gadgets, one thread per printer node, the shared state the
//! control socket reads and changes.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use adm_thermal::fake::FakeControl;
use serde_json::{Value, json};

use crate::chardev::{PrinterNode, Ready};
use crate::configfs::{self, Gadget};
use crate::control::{Request, Target};
use crate::devices::{Capture, EscPos, PrinterBrain};
use crate::hold::HoldAfter;
use crate::ippusb::IppUsbLab;
use crate::port::PortState;
use crate::spec::{self, GadgetSpec};

/// What the control socket sees of one device.
#[derive(Debug)]
struct DeviceState {
    spec: &'static GadgetSpec,
    gadget: Gadget,
    udc: String,
    node: PathBuf,
    capture: PathBuf,
    plugged: bool,
    /// The host has the interface configured now.
    configured: bool,
    sessions: u32,
    port: PortState,
    /// The port status must be (re)applied: changed, or a new USB session.
    port_pending: bool,
    bytes: u64,
    /// Wall-clock time of the first byte since the last `mark`, seconds since the epoch.
    first_byte: Option<f64>,
    /// `hold-after`: the printer stops taking bytes once it has this many more.
    hold: Option<HoldAfter>,
}

struct Shared {
    devices: [DeviceState; 2],
    receipt: FakeControl,
    setup_ms: u128,
    /// The IPP-USB printer (its own UDC); an error text when it could not be set up, so
    /// the two printer-class printers still serve.
    ippusb: Result<IppUsbLab, String>,
}

type Lab = Arc<Mutex<Shared>>;

fn lock(lab: &Lab) -> MutexGuard<'_, Shared> {
    lab.lock().unwrap_or_else(|e| e.into_inner())
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn modprobe(args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new("modprobe").args(args).status()?;
    anyhow::ensure!(status.success(), "modprobe {} failed", args.join(" "));
    Ok(())
}

/// Waits until `/dev/g_printerN` nodes exist that were not there before.
fn new_node(before: &[PathBuf], timeout: Duration) -> anyhow::Result<PathBuf> {
    let deadline = Instant::now() + timeout;
    loop {
        let mut now: Vec<PathBuf> = printer_nodes().into_iter().filter(|p| !before.contains(p)).collect();
        now.sort();
        if let Some(p) = now.into_iter().next() {
            return Ok(p);
        }
        anyhow::ensure!(Instant::now() < deadline, "no new /dev/g_printer* node within {timeout:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The printer gadget nodes there are now (`/dev/g_printerN`).
fn printer_nodes() -> Vec<PathBuf> {
    std::fs::read_dir("/dev")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("g_printer")))
                .collect()
        })
        .unwrap_or_default()
}

/// Loads the kernel's gadget stack, creates and plugs in both printers, and serves the
/// control socket until killed.
pub fn serve(state_dir: &Path, socket: &Path) -> anyhow::Result<()> {
    let t0 = Instant::now();
    std::fs::create_dir_all(state_dir)?;
    // Three dummy_hcd instances: one UDC (and one host-side bus) per printer, the third
    // for the IPP-USB printer (crate::ippusb), which needs FunctionFS.
    modprobe(&["dummy_hcd", "num=3"])?;
    modprobe(&["libcomposite"])?;
    modprobe(&["usb_f_printer"])?;
    let root = Path::new(configfs::GADGET_ROOT);
    if !root.exists() {
        let status = Command::new("mount").args(["-t", "configfs", "none", "/sys/kernel/config"]).status()?;
        anyhow::ensure!(status.success() && root.exists(), "configfs is not available");
    }
    for s in spec::ALL {
        Gadget::remove(root, s)?;
    }
    let udcs = configfs::udcs(Path::new(configfs::UDC_CLASS))?;
    let udcs: Vec<String> = udcs.into_iter().filter(|u| u.starts_with("dummy_udc")).collect();
    anyhow::ensure!(udcs.len() >= 2, configfs::GadgetError::NoUdc);

    let receipt = EscPos::new(&state_dir.join("receipt.bin"), &state_dir.join("receipt-jobs"))?;
    let receipt_control = receipt.control();
    let a4 = Capture::open(&state_dir.join("a4.bin"))?;
    let brains: [Box<dyn PrinterBrain>; 2] = [Box::new(a4), Box::new(receipt)];

    let mut devices = Vec::new();
    for (s, udc) in spec::ALL.into_iter().zip(&udcs) {
        let gadget = Gadget::create(root, s)?;
        let before = printer_nodes();
        gadget.bind(udc)?;
        let node = new_node(&before, Duration::from_secs(10))?;
        tracing::info!(device = s.name, %udc, node = %node.display(), "gadget plugged in");
        devices.push(DeviceState {
            spec: s,
            gadget,
            udc: udc.clone(),
            node,
            capture: state_dir.join(format!("{}.bin", s.name)),
            plugged: true,
            configured: false,
            sessions: 0,
            port: PortState::Ready,
            port_pending: true,
            bytes: 0,
            first_byte: None,
            hold: None,
        });
    }
    let devices: [DeviceState; 2] = devices.try_into().map_err(|_| anyhow::anyhow!("expected two gadgets"))?;
    let ippusb = start_ippusb(&udcs);
    let lab: Lab = Arc::new(Mutex::new(Shared { devices, receipt: receipt_control, setup_ms: 0, ippusb }));
    for (i, brain) in brains.into_iter().enumerate() {
        let lab = lab.clone();
        let node = lock(&lab).devices[i].node.clone();
        std::thread::Builder::new().name(format!("printer-{i}")).spawn(move || pump(lab, i, &node, brain))?;
    }
    // Set up = both hosts configured the devices (the kiosk can open them).
    let deadline = Instant::now() + Duration::from_secs(30);
    while !lock(&lab).devices.iter().all(|d| d.configured && !d.port_pending) {
        anyhow::ensure!(Instant::now() < deadline, "the host did not configure both printers within 30 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    let setup_ms = t0.elapsed().as_millis();
    lock(&lab).setup_ms = setup_ms;
    tracing::info!(setup_ms, "both printers enumerated by the host");

    let _ = std::fs::remove_file(socket);
    let listener = UnixListener::bind(socket)?;
    // Tell systemd (Type=notify) that the lab is up only now, so `systemctl start` returns
    // with both printers enumerated.
    notify_ready();
    for stream in listener.incoming() {
        match stream {
            Ok(s) => {
                if let Err(e) = answer(&lab, s) {
                    tracing::warn!(error = %e, "control connection failed");
                }
            }
            Err(e) => tracing::warn!(error = %e, "control socket accept failed"),
        }
    }
    Ok(())
}

/// The IPP-USB printer on the third UDC, plugged in at once when the IPP server it
/// carries HTTP to is known from the environment (`ADM_LAB_IPPUSB_TARGET=HOST:PORT`),
/// else when `ippusb plug HOST:PORT` says it.
fn start_ippusb(udcs: &[String]) -> Result<IppUsbLab, String> {
    let udc = udcs.get(2).ok_or("no third USB device controller")?;
    let target = std::env::var("ADM_LAB_IPPUSB_TARGET").ok().filter(|t| !t.is_empty());
    let setup = || -> Result<IppUsbLab, crate::ippusb::IppUsbError> {
        modprobe(&["usb_f_fs"]).map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut lab = IppUsbLab::create(udc, target.clone())?;
        if target.is_some() {
            lab.plug(true, None)?;
        }
        Ok(lab)
    };
    setup().map_err(|e| {
        tracing::error!(error = %e, "the IPP-USB printer is not available");
        e.to_string()
    })
}

/// `READY=1` on $NOTIFY_SOCKET, without a library: one datagram.
fn notify_ready() {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else { return };
    if let Ok(sock) = std::os::unix::net::UnixDatagram::unbound() {
        let _ = sock.send_to(b"READY=1", path);
    }
}

/// One printer node: host data into the brain, its answers back, the port status kept.
fn pump(lab: Lab, i: usize, node_path: &Path, mut brain: Box<dyn PrinterBrain>) {
    let mut node = loop {
        match PrinterNode::open(node_path) {
            Ok(n) => break n,
            // ENODEV until the host has configured the device.
            Err(e) => {
                tracing::debug!(node = %node_path.display(), error = %e, "cannot open the printer node yet");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let ready = match node.wait(Duration::from_millis(100)) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "poll failed");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        if ready == Ready::Down {
            let mut s = lock(&lab);
            if s.devices[i].configured {
                tracing::info!(device = s.devices[i].spec.name, "host let go of the printer (unplugged)");
            }
            s.devices[i].configured = false;
            s.devices[i].port_pending = true;
            drop(s);
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        let (new_session, port, hold) = {
            let mut s = lock(&lab);
            let d = &mut s.devices[i];
            let new_session = !d.configured;
            if new_session {
                d.configured = true;
                d.sessions += 1;
            }
            (new_session, d.port_pending.then_some(d.port), d.port != PortState::Ready)
        };
        if new_session {
            brain.session_start();
        }
        if let Some(port) = port {
            match node.set_port_status(port.byte()) {
                Ok(()) => {
                    lock(&lab).devices[i].port_pending = false;
                    tracing::info!(port = port.name(), read_back = ?node.port_status().ok(), "port status set");
                }
                Err(e) => tracing::debug!(error = %e, "port status not set yet"),
            }
        }
        if ready != Ready::Data {
            continue;
        }
        if hold {
            // A printer with a fault on its lines (out of paper, jammed, off line) takes
            // no more data: its buffer fills and the host's bulk writes are NAKed until
            // the fault is cleared, as on a real laser.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        let n = match node.read(&mut buf) {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "read failed");
                continue;
            }
        };
        if n == 0 {
            continue;
        }
        let n = {
            let mut s = lock(&lab);
            let d = &mut s.devices[i];
            // Under `hold-after`, only the first bytes reach the printer (see crate::hold).
            let n = d.hold.as_mut().map_or(n, |h| h.take(n));
            d.bytes += n as u64;
            if n > 0 {
                d.first_byte.get_or_insert_with(now);
            }
            n
        };
        if n == 0 {
            continue;
        }
        let reply = brain.receive(&buf[..n]);
        if !reply.is_empty()
            && let Err(e) = node.write_all(&reply)
        {
            tracing::warn!(error = %e, "answer not queued");
        }
    }
}

fn answer(lab: &Lab, stream: UnixStream) -> std::io::Result<()> {
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line)?;
    let reply = match crate::control::parse(&line) {
        Ok(req) => match execute(lab, req) {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {e}"),
        },
        Err(e) => format!("error: {e}"),
    };
    (&stream).write_all(reply.as_bytes())?;
    (&stream).write_all(b"\n")
}

fn execute(lab: &Lab, req: Request) -> anyhow::Result<Value> {
    let mut s = lock(lab);
    match req {
        Request::Status => {}
        Request::Mark => {
            s.devices.iter_mut().for_each(|d| d.first_byte = None);
            if let Ok(p) = &s.ippusb {
                p.mark();
            }
        }
        Request::Plug(t, plug) => {
            let d = &mut s.devices[t.index()];
            if plug {
                d.gadget.bind(&d.udc)?;
            } else {
                d.gadget.unbind()?;
            }
            d.plugged = plug;
            // A plug-in is a new printer session: whatever held it is over.
            if plug {
                d.hold = None;
            }
        }
        Request::HoldAfter(t, n) => {
            let d = &mut s.devices[t.index()];
            d.hold = Some(HoldAfter::new(n, d.bytes));
        }
        Request::Release(t) => s.devices[t.index()].hold = None,
        Request::Port(t, state) => {
            let d = &mut s.devices[t.index()];
            d.port = state;
            d.port_pending = true;
        }
        Request::Paper(level) => s.receipt.set_paper(level),
        Request::Cover(open) => s.receipt.set_cover_open(open),
        Request::IppUsbPlug(plug, target) => match &mut s.ippusb {
            Ok(p) => p.plug(plug, target)?,
            Err(e) => anyhow::bail!("the IPP-USB printer is not available: {e}"),
        },
    }
    Ok(status_json(&s))
}

fn status_json(s: &Shared) -> Value {
    let dev = |d: &DeviceState| {
        json!({
            "vid_pid": format!("{:04x}:{:04x}", d.spec.vid, d.spec.pid),
            "product": d.spec.product,
            "udc": d.udc,
            "node": d.node,
            "capture": d.capture,
            "plugged": d.plugged,
            "configured": d.configured,
            "sessions": d.sessions,
            "port": d.port.name(),
            "port_pending": d.port_pending,
            "bytes": d.bytes,
            "first_byte": d.first_byte,
            "hold": d.hold.map(|h| h.json()),
        })
    };
    json!({
        "setup_ms": s.setup_ms,
        "a4": dev(&s.devices[Target::A4.index()]),
        "receipt": dev(&s.devices[Target::Receipt.index()]),
        "receipt_printed": s.receipt.printed(),
        "receipt_lost": s.receipt.lost(),
        "receipt_garbled": s.receipt.garbled(),
        "ippusb": match &s.ippusb {
            Ok(p) => p.status(),
            Err(e) => json!({ "error": e }),
        },
    })
}

/// `adm-lab-gadget ctl WORDS…`: one command, one answer.
pub fn ctl(socket: &Path, words: &[String]) -> anyhow::Result<String> {
    let mut stream = UnixStream::connect(socket)?;
    stream.write_all(words.join(" ").as_bytes())?;
    stream.write_all(b"\n")?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    Ok(reply.trim_end().to_owned())
}
