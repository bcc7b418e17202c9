//! The lab camera's state and its control socket (`adm-lab-camera ctl …`).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::picture::{self, Picture};
use crate::vhci::Vhci;
use crate::{BUSID, descriptors, server};

/// Microseconds since the epoch: the clock journald stamps entries with, so times the
/// camera reports compare with the kiosk's journal in the same machine.
pub fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

/// The picture in front of the lens and when it went out.
pub struct Shown {
    pub picture: Picture,
    /// Counts `show` commands: a frame belongs to the picture it was started with.
    pub generation: u64,
    pub shown_at_us: u64,
    /// When the first payload of a frame with this picture was sent.
    pub first_byte_us: Option<u64>,
    /// When the first whole frame with this picture had been sent.
    pub first_frame_us: Option<u64>,
}

pub struct Lab {
    pub shown: Shown,
    pub frames_sent: u64,
    /// A USB/IP client (the kernel) has the device imported.
    pub attached: bool,
    /// The host committed a stream and has not stopped it.
    pub streaming: bool,
    /// The vhci-hcd port the camera is plugged into.
    pub port: Option<u32>,
}

pub type Shared = Arc<Mutex<Lab>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Status,
    Show(String),
    Plug,
    Unplug,
}

pub fn parse(line: &str) -> Result<Request, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["status"] => Ok(Request::Status),
        ["plug"] => Ok(Request::Plug),
        ["unplug"] => Ok(Request::Unplug),
        ["show", what] => Ok(Request::Show((*what).to_string())),
        _ => Err(format!("unknown command {line:?} (status, plug, unplug, show FILE|blank)")),
    }
}

fn status(l: &Lab) -> String {
    serde_json::json!({
        "plugged": l.port.is_some(),
        "port": l.port,
        "attached": l.attached,
        "streaming": l.streaming,
        "frames_sent": l.frames_sent,
        "picture": l.shown.picture.name,
        "generation": l.shown.generation,
        "shown_at_us": l.shown.shown_at_us,
        "first_byte_us": l.shown.first_byte_us,
        "first_frame_us": l.shown.first_frame_us,
        "now_us": now_us(),
    })
    .to_string()
}

/// Whether the kernel has a V4L2 node for the camera (uvcvideo names it by the product).
fn video_node() -> Option<String> {
    let product = descriptors::STRINGS[1];
    std::fs::read_dir("/sys/class/video4linux").ok()?.flatten().find_map(|e| {
        let name = std::fs::read_to_string(e.path().join("name")).ok()?;
        name.trim().starts_with(product).then(|| e.file_name().to_string_lossy().into_owned())
    })
}

struct Ctx {
    lab: Shared,
    vhci: Vhci,
    server: SocketAddr,
}

fn handle(ctx: &Ctx, request: Request) -> Result<String, String> {
    let lock = || ctx.lab.lock().unwrap_or_else(|e| e.into_inner());
    match request {
        Request::Status => {}
        Request::Show(what) => {
            let picture = if what == "blank" {
                picture::blank()
            } else {
                picture::load(Path::new(&what)).map_err(|e| e.to_string())?
            };
            let mut l = lock();
            let generation = l.shown.generation + 1;
            l.shown = Shown { picture, generation, shown_at_us: now_us(), first_byte_us: None, first_frame_us: None };
        }
        Request::Plug => {
            if lock().port.is_some() {
                return Err("already plugged in".into());
            }
            let port = ctx.vhci.attach(ctx.server, BUSID).map_err(|e| e.to_string())?;
            lock().port = Some(port);
            // Return once uvcvideo has made the V4L2 node, like a camera that is "there".
            let deadline = Instant::now() + Duration::from_secs(30);
            while video_node().is_none() {
                if Instant::now() > deadline {
                    return Err(format!("plugged into vhci-hcd port {port}, but no V4L2 node within 30 s"));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Request::Unplug => {
            let port = lock().port.ok_or("not plugged in")?;
            ctx.vhci.detach(port).map_err(|e| e.to_string())?;
            lock().port = None;
            let deadline = Instant::now() + Duration::from_secs(10);
            while lock().attached || video_node().is_some() {
                if Instant::now() > deadline {
                    return Err("detached, but the device did not go away within 10 s".into());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    Ok(status(&lock()))
}

/// Loads vhci-hcd, serves USB/IP on `usbip` (loopback) and the control socket.
pub fn serve(socket: &Path, usbip: SocketAddr, fps: u32) -> anyhow::Result<()> {
    let status = Command::new("modprobe").arg("vhci-hcd").status()?;
    if !status.success() {
        anyhow::bail!("modprobe vhci-hcd failed ({status})");
    }
    let lab: Shared = Arc::new(Mutex::new(Lab {
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
    }));
    let listener = TcpListener::bind(usbip)?;
    let interval = Duration::from_micros(1_000_000 / u64::from(fps.max(1)));
    let for_server = lab.clone();
    std::thread::Builder::new().name("usbip-accept".into()).spawn(move || {
        for stream in listener.incoming().flatten() {
            let lab = for_server.clone();
            let _ = std::thread::Builder::new().name("usbip-conn".into()).spawn(move || {
                if let Err(e) = server::serve_connection(stream, lab, interval) {
                    tracing::warn!(error = %e, "USB/IP connection");
                }
            });
        }
    })?;
    if let Some(dir) = socket.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(socket);
    let control = UnixListener::bind(socket)?;
    notify_ready();
    let ctx = Ctx { lab, vhci: Vhci::default(), server: usbip };
    for stream in control.incoming() {
        let Ok(mut stream) = stream else { continue };
        let mut line = String::new();
        if BufReader::new(&stream).read_line(&mut line).is_err() {
            continue;
        }
        let reply = match parse(&line).and_then(|r| handle(&ctx, r)) {
            Ok(s) => s,
            Err(e) => format!("error: {e}"),
        };
        let _ = stream.write_all(format!("{reply}\n").as_bytes());
    }
    Ok(())
}

/// Tells systemd (Type=notify) the camera's server is up.
fn notify_ready() {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else { return };
    if let Ok(sock) = std::os::unix::net::UnixDatagram::unbound() {
        let _ = sock.send_to(b"READY=1", path);
    }
}

pub fn ctl(socket: &Path, words: &[String]) -> anyhow::Result<String> {
    let mut stream = UnixStream::connect(socket)?;
    stream.write_all(words.join(" ").as_bytes())?;
    stream.write_all(b"\n")?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    Ok(reply.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(parse("status\n"), Ok(Request::Status));
        assert_eq!(parse(" show  /run/x.png"), Ok(Request::Show("/run/x.png".into())));
        assert_eq!(parse("show blank"), Ok(Request::Show("blank".into())));
        assert_eq!(parse("plug"), Ok(Request::Plug));
        assert_eq!(parse("unplug"), Ok(Request::Unplug));
        assert!(parse("show").is_err());
        assert!(parse("zoom 2").is_err());
    }
}
