//! Test harness: a real IPP Everywhere printer (ippeveprinter from Debian's
//! `cups-ipp-utils`) on 127.0.0.1, with a job script that injects faults; tiny PDFs;
//! and decoders for the raster streams the driver writes.
#![allow(dead_code)]

pub mod decode;
pub mod pdf;
pub mod render;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SCRIPT: &str = include_str!("fake-print.sh");

fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// The path of a required tool; a missing one FAILS the test (never skips it).
pub fn require(name: &str, package: &str) -> PathBuf {
    find_tool(name).unwrap_or_else(|| {
        panic!("`{name}` not found: install the Debian package `{package}` (apt-get install -y cups-ipp-utils dbus)")
    })
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// One ippeveprinter (+ its private D-Bus) for one test. Everything is killed on drop.
pub struct IppEve {
    pub port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
    dbus_pid: Option<i32>,
}

pub struct Options<'a> {
    pub scenario: &'a str,
    pub pages: u32,
    pub formats: &'a str,
}

impl IppEve {
    pub fn start(scenario: &str, pages: u32) -> IppEve {
        Self::start_with(Options { scenario, pages, formats: "application/pdf" })
    }

    pub fn start_with(o: Options<'_>) -> IppEve {
        let ippeve = require("ippeveprinter", "cups-ipp-utils");
        let dbus = require("dbus-daemon", "dbus");
        let dir =
            std::env::temp_dir().join(format!("adm-a4-ippeve-{}-{}-{}", std::process::id(), o.scenario, free_port()));
        std::fs::create_dir_all(dir.join("spool")).expect("temp dir");
        let script = dir.join("fake-print.sh");
        std::fs::write(&script, SCRIPT).expect("script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");

        // Debian's ippeveprinter exits with "Unable to initialize DNS-SD" unless a D-Bus
        // is reachable (it registers the printer over Avahi, which talks D-Bus): give it a
        // private one.
        let bus = dir.join("bus");
        let out = Command::new(dbus)
            .args(["--session", &format!("--address=unix:path={}", bus.display()), "--fork", "--print-pid"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .expect("start dbus-daemon");
        let dbus_pid = String::from_utf8_lossy(&out.stdout).trim().parse::<i32>().ok();
        assert!(dbus_pid.is_some(), "dbus-daemon did not start: {}", String::from_utf8_lossy(&out.stdout));

        let mut me = IppEve { port: 0, dir: dir.clone(), child: None, dbus_pid };
        // `-n localhost`: listens on 127.0.0.1 and ::1 only. (`-n 127.0.0.1` makes it
        // fail on the IPv6 listener.) A port can be taken between picking and binding:
        // try a few.
        for _ in 0..5 {
            let port = free_port();
            let log = std::fs::File::create(dir.join("ippeveprinter.log")).expect("log");
            let child = Command::new(&ippeve)
                .args(["-p", &port.to_string(), "-n", "localhost", "-r", "off", "-k", "-v"])
                .args(["-M", "ADM", "-m", "Test A4"])
                .args(["-f", o.formats])
                .arg("-c")
                .arg(&script)
                .arg("-d")
                .arg(dir.join("spool"))
                .arg("Kiosk A4")
                .env("DBUS_SYSTEM_BUS_ADDRESS", format!("unix:path={}", bus.display()))
                .env("SCENARIO", o.scenario)
                .env("WORK", &dir)
                .env("PAGES", o.pages.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                // Own process group: the job scripts die with it.
                .process_group(0)
                .spawn()
                .expect("spawn ippeveprinter");
            me.child = Some(child);
            me.port = port;
            if me.wait_listening() {
                return me;
            }
            me.kill();
        }
        panic!("ippeveprinter did not start; log:\n{}", me.log());
    }

    fn wait_listening(&mut self) -> bool {
        for _ in 0..100 {
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(_)) = c.try_wait()
            {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    pub fn uri(&self) -> String {
        format!("ipp://127.0.0.1:{}/ipp/print", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("ippeveprinter.log")).unwrap_or_default()
    }

    /// Spooled documents (kept with -k).
    pub fn spooled(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.join("spool"))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect())
            .unwrap_or_default();
        files.sort();
        files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
    }

    /// What each job printed, as its job script saw it: `range=all pages=3`,
    /// `range=2-3 pages=2`, … one line per job.
    pub fn jobs(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("jobs.log")).unwrap_or_default().lines().map(str::to_owned).collect()
    }

    /// A technician clears the fault of a `*-until-fixed` scenario.
    pub fn fix(&self) {
        std::fs::write(self.dir.join("fixed"), b"").expect("write fixed");
    }

    /// The printer disappears: ippeveprinter and its job scripts are killed.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: plain kill(2) on the process group we created.
            unsafe {
                libc::kill(-(c.id() as i32), libc::SIGKILL);
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for IppEve {
    fn drop(&mut self) {
        self.kill();
        if let Some(pid) = self.dbus_pid.take() {
            // SAFETY: kill(2) on the dbus-daemon this harness started.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        if std::thread::panicking() {
            let _ = writeln!(std::io::stderr(), "--- ippeveprinter log ---\n{}", self.log());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// IPP driver settings with deadlines short enough that every fault ends within seconds.
pub fn quick_ipp() -> adm_a4::ipp::IppConfig {
    adm_a4::ipp::IppConfig {
        poll_interval: Duration::from_millis(100),
        request_timeout: Duration::from_secs(3),
        send_timeout: Duration::from_secs(20),
        deadlines: adm_a4::ipp::Deadlines {
            attention_grace: Duration::from_millis(800),
            stall_timeout: Duration::from_secs(2),
            disconnect_grace: Duration::from_millis(800),
        },
        ..adm_a4::ipp::IppConfig::default()
    }
}

/// Polls `done` until it holds; fails the test after `limit`.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "condition not reached within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
