//! systemd readiness and watchdog (`Type=notify`, `WatchdogSec=` in
//! `systemd/adm-kiosk.service`).
//!
//! The point of the watchdog is a kiosk that *looks* alive but is not: a hung UI thread
//! leaves the process running, the screen frozen and citizens turned away. So the pings
//! are not sent by a timer that always succeeds: [`Watchdog::spawn`] pings only while a
//! liveness check passes — normally [`Liveness::is_alive`], fed by the UI pump — and
//! when the check fails it stops pinging, so systemd kills and restarts the service
//! (`Restart=always`) after `WatchdogSec`.
//!
//! Outside systemd (`NOTIFY_SOCKET`/`WATCHDOG_USEC` unset: development, demo, tests)
//! every function here is a no-op and [`Watchdog::from_env`] is `None`.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sd_notify::NotifyState;

/// Tells systemd start-up is complete (`READY=1`). Call once the UI is up and the
/// runtime runs; until then `systemctl start` waits and the start timeout applies.
pub fn notify_ready() -> io::Result<()> {
    sd_notify::notify(&[NotifyState::Ready])
}

/// Tells systemd an orderly stop has begun (`STOPPING=1`).
pub fn notify_stopping() -> io::Result<()> {
    sd_notify::notify(&[NotifyState::Stopping])
}

/// A one-line status shown by `systemctl status` (`STATUS=…`). Never put personal data
/// here: it ends up in the journal.
pub fn notify_status(text: &str) -> io::Result<()> {
    sd_notify::notify(&[NotifyState::Status(text)])
}

/// Where watchdog pings go. The real one is [`SystemdNotifier`]; tests record them.
pub trait Notifier {
    /// `WATCHDOG=1`.
    fn ping(&mut self) -> io::Result<()>;
    /// `STATUS=…`.
    fn status(&mut self, text: &str) -> io::Result<()>;
}

/// Sends to systemd's `NOTIFY_SOCKET` (a no-op when it is unset).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemdNotifier;

impl Notifier for SystemdNotifier {
    fn ping(&mut self) -> io::Result<()> {
        sd_notify::notify(&[NotifyState::Watchdog])
    }
    fn status(&mut self, text: &str) -> io::Result<()> {
        notify_status(text)
    }
}

/// Waits between pings; `false` means "stop the loop". The real one waits on a channel
/// (so stopping is immediate); tests use a fake that returns at once.
pub trait Ticker {
    fn wait(&mut self, period: Duration) -> bool;
}

/// Waits `period` unless the sender is dropped or sends (then stops).
#[derive(Debug)]
pub struct ChannelTicker(Receiver<()>);

impl Ticker for ChannelTicker {
    fn wait(&mut self, period: Duration) -> bool {
        matches!(self.0.recv_timeout(period), Err(RecvTimeoutError::Timeout))
    }
}

/// "The main loop is still turning": the UI pump calls [`Liveness::beat`] on every
/// turn; the watchdog asks [`Liveness::is_alive`] before each ping.
#[derive(Debug)]
pub struct Liveness {
    epoch: Instant,
    /// Milliseconds after `epoch` of the last beat (0 = created, counts as a beat).
    last_ms: AtomicU64,
    max_age: Duration,
}

impl Liveness {
    /// Alive while the last beat is at most `max_age` old. Pick it well above the pump
    /// period (100 ms) and well below `WatchdogSec` (e.g. 10 s for 30 s).
    pub fn new(max_age: Duration) -> Liveness {
        Liveness::new_at(Instant::now(), max_age)
    }

    pub fn new_at(epoch: Instant, max_age: Duration) -> Liveness {
        Liveness { epoch, last_ms: AtomicU64::new(0), max_age }
    }

    pub fn beat(&self) {
        self.beat_at(Instant::now());
    }

    pub fn beat_at(&self, now: Instant) {
        let ms = u64::try_from(now.saturating_duration_since(self.epoch).as_millis()).unwrap_or(u64::MAX);
        // fetch_max: a late beat from a slower thread never moves time backwards.
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    pub fn is_alive(&self) -> bool {
        self.is_alive_at(Instant::now())
    }

    pub fn is_alive_at(&self, now: Instant) -> bool {
        let last = self.epoch + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        now.saturating_duration_since(last) <= self.max_age
    }
}

/// What a ping loop did, for tests and the shutdown log line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunStats {
    pub pings: u64,
    /// Turns on which the liveness check failed and no ping was sent.
    pub skipped: u64,
}

/// The systemd watchdog of this service: its timeout (`WatchdogSec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watchdog {
    timeout: Duration,
}

impl Watchdog {
    /// The watchdog systemd set up for this process (`WATCHDOG_USEC`, and `WATCHDOG_PID`
    /// if set must be ours), or `None` when not running under a watchdog.
    pub fn from_env() -> Option<Watchdog> {
        sd_notify::watchdog_enabled().filter(|d| !d.is_zero()).map(Watchdog::new)
    }

    pub fn new(timeout: Duration) -> Watchdog {
        Watchdog { timeout }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Half the timeout, as sd_watchdog_enabled(3) recommends: one lost or late ping is
    /// not yet fatal.
    pub fn ping_interval(&self) -> Duration {
        (self.timeout / 2).max(Duration::from_millis(1))
    }

    /// The ping loop: check liveness, ping if alive, wait; until the ticker says stop.
    /// A failed liveness check sends no ping (systemd will restart us unless liveness
    /// comes back before the timeout) and sets a status line once per failure.
    pub fn run<N, T, L>(&self, notifier: &mut N, ticker: &mut T, mut liveness: L) -> RunStats
    where
        N: Notifier + ?Sized,
        T: Ticker + ?Sized,
        L: FnMut() -> bool,
    {
        let mut stats = RunStats::default();
        let mut healthy = true;
        loop {
            if liveness() {
                // A failed send cannot be repaired from here; if pings really do not
                // arrive, systemd restarts the service, which is the right outcome.
                if let Err(e) = notifier.ping() {
                    tracing::warn!("watchdog: ping failed: {e}");
                }
                stats.pings += 1;
                if !healthy {
                    healthy = true;
                    tracing::warn!("watchdog: liveness is back; pinging again");
                    let _ = notifier.status("running");
                }
            } else {
                stats.skipped += 1;
                if healthy {
                    healthy = false;
                    tracing::error!(
                        "watchdog: main loop stopped turning; no more pings, systemd restarts the kiosk within {:?}",
                        self.timeout
                    );
                    let _ = notifier.status("main loop not responding: watchdog pings stopped");
                }
            }
            if !ticker.wait(self.ping_interval()) {
                return stats;
            }
        }
    }

    /// Runs the ping loop on its own thread, sending to systemd. Stop it with
    /// [`WatchdogHandle::stop`] (or by dropping the handle).
    pub fn spawn<L>(self, liveness: L) -> io::Result<WatchdogHandle>
    where
        L: FnMut() -> bool + Send + 'static,
    {
        self.spawn_with(SystemdNotifier, liveness)
    }

    /// [`Watchdog::spawn`] with another notifier (tests).
    pub fn spawn_with<N, L>(self, mut notifier: N, liveness: L) -> io::Result<WatchdogHandle>
    where
        N: Notifier + Send + 'static,
        L: FnMut() -> bool + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("watchdog".into())
            .spawn(move || self.run(&mut notifier, &mut ChannelTicker(rx), liveness))?;
        tracing::info!("watchdog: pinging systemd every {:?} while the main loop is alive", self.ping_interval());
        Ok(WatchdogHandle { stop: Some(tx), thread: Some(thread) })
    }
}

/// The running ping loop.
#[derive(Debug)]
pub struct WatchdogHandle {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<RunStats>>,
}

impl WatchdogHandle {
    pub fn stop(mut self) -> RunStats {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> RunStats {
        drop(self.stop.take());
        self.thread.take().and_then(|t| t.join().ok()).unwrap_or_default()
    }
}

impl Drop for WatchdogHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::os::unix::net::UnixDatagram;
    use std::process::{Child, Command, Stdio};
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct Recorder(Vec<String>);
    impl Notifier for Recorder {
        fn ping(&mut self) -> io::Result<()> {
            self.0.push("WATCHDOG=1".into());
            Ok(())
        }
        fn status(&mut self, text: &str) -> io::Result<()> {
            self.0.push(format!("STATUS={text}"));
            Ok(())
        }
    }

    /// A fake clock: each wait advances `now` by the period, for `turns` turns.
    struct FakeTicker<'a> {
        now: &'a Cell<Instant>,
        turns: u32,
        periods: Vec<Duration>,
    }
    impl Ticker for FakeTicker<'_> {
        fn wait(&mut self, period: Duration) -> bool {
            self.periods.push(period);
            self.now.set(self.now.get() + period);
            self.turns = self.turns.saturating_sub(1);
            self.turns > 0
        }
    }

    #[test]
    fn pings_at_half_the_timeout_only_while_the_main_loop_is_alive() {
        let t0 = Instant::now();
        let now = Cell::new(t0);
        let wd = Watchdog::new(Duration::from_secs(30));
        let live = Liveness::new_at(t0, Duration::from_secs(10));
        let mut notifier = Recorder::default();
        let mut ticker = FakeTicker { now: &now, turns: 12, periods: vec![] };
        // The UI beats on every check until t0+45 s, then hangs; comes back at t0+120 s.
        let stats = wd.run(&mut notifier, &mut ticker, || {
            let t = now.get();
            let since = t.duration_since(t0);
            if since <= Duration::from_secs(45) || since >= Duration::from_secs(120) {
                live.beat_at(t);
            }
            live.is_alive_at(t)
        });
        assert!(ticker.periods.iter().all(|p| *p == Duration::from_secs(15)));
        // Checks at 0, 15, …, 165 s: 0–45 s ping; 60–105 s skip (the last beat is more
        // than 10 s old); from 120 s the loop is back and pings again.
        assert_eq!(stats, RunStats { pings: 8, skipped: 4 });
        assert_eq!(notifier.0[..4], ["WATCHDOG=1"; 4]);
        assert_eq!(notifier.0[4], "STATUS=main loop not responding: watchdog pings stopped");
        assert_eq!(notifier.0[5..7], ["WATCHDOG=1", "STATUS=running"]);
        assert_eq!(notifier.0[7..], ["WATCHDOG=1"; 3]);
        // systemd saw no ping between 45 s and 120 s: longer than WatchdogSec, so it would
        // have killed and restarted the kiosk at 75 s.
        assert!(Duration::from_secs(120 - 45) > wd.timeout());
    }

    #[test]
    fn liveness_follows_the_last_beat() {
        let t0 = Instant::now();
        let live = Liveness::new_at(t0, Duration::from_millis(500));
        assert!(live.is_alive_at(t0 + Duration::from_millis(500)), "creation counts as a beat");
        assert!(!live.is_alive_at(t0 + Duration::from_millis(501)));
        live.beat_at(t0 + Duration::from_secs(2));
        live.beat_at(t0 + Duration::from_secs(1)); // late beat from another thread
        assert!(live.is_alive_at(t0 + Duration::from_millis(2400)));
        assert!(!live.is_alive_at(t0 + Duration::from_millis(2600)));
    }

    #[test]
    fn from_env_is_none_outside_systemd_and_ping_interval_is_half() {
        if std::env::var_os("WATCHDOG_USEC").is_none() {
            assert_eq!(Watchdog::from_env(), None);
        }
        assert_eq!(Watchdog::new(Duration::from_secs(30)).ping_interval(), Duration::from_secs(15));
        assert_eq!(Watchdog::new(Duration::ZERO).ping_interval(), Duration::from_millis(1));
    }

    #[derive(Clone, Default)]
    struct SharedRecorder(Arc<Mutex<Vec<(Instant, String)>>>);
    impl Notifier for SharedRecorder {
        fn ping(&mut self) -> io::Result<()> {
            self.0.lock().expect("lock").push((Instant::now(), "WATCHDOG=1".into()));
            Ok(())
        }
        fn status(&mut self, text: &str) -> io::Result<()> {
            self.0.lock().expect("lock").push((Instant::now(), format!("STATUS={text}")));
            Ok(())
        }
    }

    #[test]
    fn a_hung_thread_stops_the_real_ping_thread() {
        let live = Arc::new(Liveness::new(Duration::from_millis(30)));
        let rec = SharedRecorder::default();
        let l = live.clone();
        let handle =
            Watchdog::new(Duration::from_millis(20)).spawn_with(rec.clone(), move || l.is_alive()).expect("spawn");
        // "UI" beats for 100 ms, then hangs for 150 ms.
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(100) {
            live.beat();
            std::thread::sleep(Duration::from_millis(2));
        }
        let hung_at = Instant::now();
        std::thread::sleep(Duration::from_millis(150));
        let stats = handle.stop();
        let events = rec.0.lock().expect("lock").clone();
        let last_ping = events.iter().filter(|(_, e)| e == "WATCHDOG=1").map(|(t, _)| *t).max().expect("pinged");
        assert!(stats.pings >= 3, "{stats:?}");
        assert!(stats.skipped >= 3, "{stats:?}");
        // No ping later than max_age (+ one interval of scheduling slack) after the hang.
        assert!(last_ping <= hung_at + Duration::from_millis(30 + 20 + 10), "pinged after the hang");
    }

    // ---- A miniature systemd: the real sd-notify protocol over a real socket. ----

    const CHILD_ENV: &str = "ADM_WATCHDOG_TEST_CHILD";

    /// Runs only as the child of `systemd_style_supervisor_restarts_a_hung_kiosk`: a
    /// "kiosk" that signals READY, pings through `Watchdog::from_env()`, and whose main
    /// loop hangs after `hang_after_ms` (never, if 0).
    #[test]
    fn watchdog_child_entry() {
        let Some(spec) = std::env::var_os(CHILD_ENV) else { return };
        let hang_after = Duration::from_millis(spec.to_string_lossy().parse().expect("ms"));
        let wd = Watchdog::from_env().expect("WATCHDOG_USEC set by the supervisor");
        let live = Arc::new(Liveness::new(wd.timeout() / 2));
        let l = live.clone();
        let _handle = wd.spawn(move || l.is_alive()).expect("spawn");
        notify_ready().expect("ready");
        let start = Instant::now();
        // Bounded: the supervisor kills us long before this ends.
        while start.elapsed() < Duration::from_secs(10) {
            if hang_after.is_zero() || start.elapsed() < hang_after {
                live.beat();
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn spawn_child(socket: &std::path::Path, watchdog: Duration, hang_after_ms: u64) -> Child {
        Command::new(std::env::current_exe().expect("test binary"))
            .args(["watchdog_child_entry", "--test-threads=1", "--nocapture"])
            .env(CHILD_ENV, hang_after_ms.to_string())
            .env("NOTIFY_SOCKET", socket)
            .env("WATCHDOG_USEC", watchdog.as_micros().to_string())
            .env_remove("WATCHDOG_PID")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child")
    }

    /// What systemd does with `Type=notify`, `WatchdogSec=`, `Restart=always`: wait for
    /// READY=1, then kill the service when no WATCHDOG=1 arrived within the timeout, and
    /// start it again. Returns (ready seen, pings seen, killed by the watchdog).
    fn supervise(sock: &UnixDatagram, child: &mut Child, timeout: Duration, deadline: Duration) -> (bool, u32, bool) {
        let start = Instant::now();
        let (mut ready, mut pings) = (false, 0);
        let mut last = Instant::now();
        let mut buf = [0u8; 512];
        while start.elapsed() < deadline {
            if let Ok(n) = sock.recv(&mut buf) {
                let msg = String::from_utf8_lossy(&buf[..n]);
                for line in msg.lines() {
                    match line {
                        "READY=1" => {
                            ready = true;
                            last = Instant::now();
                        }
                        "WATCHDOG=1" => {
                            pings += 1;
                            last = Instant::now();
                        }
                        _ => {}
                    }
                }
            }
            if ready && last.elapsed() > timeout {
                child.kill().expect("kill");
                child.wait().expect("reap");
                return (ready, pings, true);
            }
        }
        (ready, pings, false)
    }

    #[test]
    fn systemd_style_supervisor_restarts_a_hung_kiosk() {
        if std::env::var_os(CHILD_ENV).is_some() {
            return;
        }
        let path = std::env::temp_dir().join(format!("adm-wd-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let sock = UnixDatagram::bind(&path).expect("bind notify socket");
        sock.set_read_timeout(Some(Duration::from_millis(10))).expect("timeout");
        let timeout = Duration::from_millis(300);

        // First run: the main loop hangs after 400 ms; the supervisor must kill it.
        let mut hung = spawn_child(&path, timeout, 400);
        let t0 = Instant::now();
        let (ready, pings, killed) = supervise(&sock, &mut hung, timeout, Duration::from_secs(8));
        assert!(ready, "child signalled READY=1");
        assert!(pings >= 2, "child pinged while alive ({pings})");
        assert!(killed, "hung child was killed by the watchdog");
        // Hang at ~400 ms, liveness fails ≤150 ms later, timeout 300 ms: well under 3 s.
        assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());

        // Restart=always: the next run is healthy and keeps pinging for a whole second.
        let mut healthy = spawn_child(&path, timeout, 0);
        let (ready, pings, killed) = supervise(&sock, &mut healthy, timeout, Duration::from_secs(1));
        let _ = healthy.kill();
        let _ = healthy.wait();
        let _ = std::fs::remove_file(&path);
        assert!(ready && !killed, "healthy child not killed");
        assert!(pings >= 5, "healthy child pinged every {:?} ({pings})", timeout / 2);
    }
}
