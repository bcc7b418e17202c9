//! The earliest the kiosk's clock may honestly read, and the time certificates are
//! judged at.
//!
//! Certificates (the document signer's, the central server's) are valid between two
//! dates, judged at the kiosk's clock. A clock set far in the past — a kiosk whose RTC
//! battery died boots in 1970 or at the board's default date; someone sets it back on
//! purpose — would make an expired, possibly compromised, certificate valid again. So
//! the kiosk keeps a floor: the firmware's build time, raised while it runs by the
//! central server's revocation lists (their `thisUpdate`, once the clock has reached it),
//! and kept in the state folder across reboots. Certificates are never judged earlier
//! ([`ClockFloor::now`]; the TLS client shares the same floor), and a clock behind the
//! evidence, or far past the newest list's `nextUpdate`, takes the kiosk out of service
//! with an alert: every date it prints on a receipt and reports would be wrong too.
//! A clock ahead never makes anything acceptable (certificates only look expired sooner).
//!
//! Sessions never look at this clock: their timeouts run on the monotonic clock
//! (`runtime::clock`), so a clock step in a session neither ends nor extends it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use adm_central_client::time_floor::FloorTime;

/// The file in the state folder that keeps the floor across reboots (decimal seconds
/// since the Unix epoch; no personal data).
pub const FILE_NAME: &str = "clock-floor";

/// How far the clock may lag the evidence before it is called wrong: CRLs are signed on
/// another machine whose clock may differ a little.
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// How far past the newest revocation list's `nextUpdate` the clock may be before it is
/// called ahead. A CA that publishes late is a day's matter; a clock years ahead is not.
pub const AHEAD_GRACE: Duration = Duration::from_secs(24 * 3600);

/// The floor is written to disk only when it rose by this much: once an hour at most
/// (the CRLs' refresh), not at every check.
const PERSIST_STEP: Duration = Duration::from_secs(3600);

/// When this firmware was built (`build.rs`): no honest clock reads earlier.
pub fn build_time() -> SystemTime {
    let secs = option_env!("ADM_BUILD_EPOCH").and_then(|s| s.parse().ok()).unwrap_or(0);
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// Why the kiosk's clock cannot be believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockWrong {
    /// Earlier than the firmware's build or than lists the server already signed.
    Behind,
    /// Far past the newest revocation list's `nextUpdate`.
    Ahead,
}

impl ClockWrong {
    /// Label of the `kiosk_clock_wrong` metric and the logs.
    pub fn label(self) -> &'static str {
        match self {
            ClockWrong::Behind => "behind",
            ClockWrong::Ahead => "ahead",
        }
    }
}

/// The newest revocation list times seen since start.
#[derive(Debug, Clone, Copy, Default)]
struct Evidence {
    this_update: Option<SystemTime>,
    next_update: Option<SystemTime>,
}

#[derive(Debug)]
pub struct ClockFloor {
    /// Seconds since the epoch, shared with the TLS client.
    secs: Arc<AtomicU64>,
    /// Where it is kept (None: in memory only, the demo and tests).
    file: Option<PathBuf>,
    /// What was last written to `file`.
    persisted: AtomicU64,
    evidence: Mutex<Evidence>,
}

fn secs_of(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl ClockFloor {
    /// The floor from the build time and what `state_dir` kept; an unreadable file counts
    /// as none (the build time still holds).
    pub fn load(state_dir: Option<&Path>) -> ClockFloor {
        let file = state_dir.map(|d| d.join(FILE_NAME));
        let kept = file
            .as_deref()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0);
        let secs = kept.max(secs_of(build_time()));
        ClockFloor {
            secs: Arc::new(AtomicU64::new(secs)),
            file,
            persisted: AtomicU64::new(kept),
            evidence: Mutex::default(),
        }
    }

    /// The same floor, for the TLS client's certificate checks.
    pub fn for_tls(&self) -> FloorTime {
        FloorTime(self.secs.clone())
    }

    pub fn floor(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.secs.load(Ordering::Relaxed))
    }

    /// The time certificates are judged at now: the system clock, or the floor when the
    /// clock is behind it.
    pub fn now(&self) -> SystemTime {
        self.at(SystemTime::now())
    }

    /// [`ClockFloor::now`] for a clock reading `clock`.
    pub fn at(&self, clock: SystemTime) -> SystemTime {
        clock.max(self.floor())
    }

    fn evidence(&self) -> Evidence {
        *self.evidence.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The central server's revocation lists arrived (over the mutually authenticated
    /// channel), newest `thisUpdate` and its `nextUpdate`, while the clock read `clock`.
    /// The floor rises to the list's time once the clock has reached it too: a list
    /// dated ahead of the clock is evidence the clock is behind, not a reason to push
    /// the floor past real time.
    pub fn observe_crls(&self, this_update: SystemTime, next_update: Option<SystemTime>, clock: SystemTime) {
        {
            let mut e = self.evidence.lock().unwrap_or_else(|e| e.into_inner());
            if e.this_update.is_none_or(|t| this_update >= t) {
                *e = Evidence { this_update: Some(this_update), next_update };
            }
        }
        let candidate = secs_of(this_update.min(clock));
        let old = self.secs.fetch_max(candidate, Ordering::Relaxed);
        if candidate > old {
            self.persist(candidate);
        }
    }

    fn persist(&self, secs: u64) {
        let Some(file) = &self.file else { return };
        if secs < self.persisted.load(Ordering::Relaxed) + PERSIST_STEP.as_secs() {
            return;
        }
        match crate::atomic_file::write(file, secs.to_string().as_bytes()) {
            Ok(()) => self.persisted.store(secs, Ordering::Relaxed),
            Err(e) => tracing::warn!(error = %e, file = %file.display(), "clock floor not kept"),
        }
    }

    /// Whether a clock reading `clock` can be believed.
    pub fn judge(&self, clock: SystemTime) -> Option<ClockWrong> {
        let e = self.evidence();
        let earliest = e.this_update.map_or(self.floor(), |t| t.max(self.floor()));
        if clock + TOLERANCE < earliest {
            return Some(ClockWrong::Behind);
        }
        if e.next_update.is_some_and(|n| n + AHEAD_GRACE < clock) {
            return Some(ClockWrong::Ahead);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn the_build_time_is_a_floor_from_the_start() {
        let f = ClockFloor::load(None);
        assert!(build_time() > at(1_700_000_000), "build.rs sets ADM_BUILD_EPOCH: {:?}", build_time());
        assert_eq!(f.floor(), UNIX_EPOCH + Duration::from_secs(secs_of(build_time())));
        // A kiosk whose RTC reset to 1970 judges certificates at the build time instead.
        assert_eq!(f.at(UNIX_EPOCH), f.floor());
        assert_eq!(f.judge(UNIX_EPOCH), Some(ClockWrong::Behind));
        let later = f.floor() + DAY;
        assert_eq!(f.at(later), later);
        assert_eq!(f.judge(later), None);
    }

    #[test]
    fn revocation_lists_raise_the_floor_only_as_far_as_the_clock_and_it_survives_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = ClockFloor::load(Some(dir.path()));
        let start = f.floor();
        // A list signed a year after the build, the clock agreeing.
        let signed = start + 365 * DAY;
        f.observe_crls(signed, Some(signed + 7 * DAY), signed + Duration::from_secs(60));
        assert_eq!(f.floor(), signed);
        assert_eq!(f.judge(signed + Duration::from_secs(60)), None);
        // The clock then set back a month: behind the evidence, and certificates are
        // judged at the floor, not at the month-old date.
        let back = signed - 30 * DAY;
        assert_eq!(f.judge(back), Some(ClockWrong::Behind));
        assert_eq!(f.at(back), signed);
        // After a reboot the floor is still there.
        let again = ClockFloor::load(Some(dir.path()));
        assert_eq!(again.floor(), signed);
        assert_eq!(again.judge(back), Some(ClockWrong::Behind));
    }

    #[test]
    fn a_list_dated_ahead_of_the_clock_says_the_clock_is_behind_without_moving_the_floor_past_it() {
        let f = ClockFloor::load(None);
        let clock = f.floor() + 10 * DAY;
        let signed = clock + 2 * DAY;
        f.observe_crls(signed, Some(signed + 7 * DAY), clock);
        assert_eq!(f.judge(clock), Some(ClockWrong::Behind));
        assert_eq!(f.floor(), clock, "raised to the clock, not to the list's date");
        // Within the tolerance it is fine: the CA's clock may differ by a few minutes.
        let f = ClockFloor::load(None);
        let clock = f.floor() + 10 * DAY;
        f.observe_crls(clock + Duration::from_secs(120), None, clock);
        assert_eq!(f.judge(clock), None);
    }

    #[test]
    fn a_clock_far_past_the_newest_lists_next_update_is_ahead() {
        let f = ClockFloor::load(None);
        let signed = f.floor() + DAY;
        f.observe_crls(signed, Some(signed + 7 * DAY), signed);
        assert_eq!(f.judge(signed + 7 * DAY + Duration::from_secs(3600)), None, "a CA a little late");
        assert_eq!(f.judge(signed + 3650 * DAY), Some(ClockWrong::Ahead));
        // An older list arriving later does not replace the newest evidence.
        f.observe_crls(signed - DAY, Some(signed), signed);
        assert_eq!(f.judge(signed + 7 * DAY), None);
    }

    /// The system clock (2026 on the test machine) behind a floor in 2200, as a kiosk
    /// whose clock was set back would be: the document signer's and the server's
    /// certificates, valid today, are judged in 2200 and refused: no setting of the clock
    /// makes a certificate acceptable at a time the kiosk already knows has passed.
    #[cfg(feature = "demo")]
    #[test]
    fn certificates_are_judged_at_the_floor_when_the_clock_is_behind_it() {
        use crate::nik::Nik;
        let backend = crate::app::Backend::connect(&crate::config::Config::default()).expect("demo backend");
        let demo = backend.demo.as_ref().expect("demo server");
        let dir = tempfile::tempdir().expect("tempdir");
        let y2200 = 7_258_118_400u64;
        std::fs::write(dir.path().join(FILE_NAME), y2200.to_string()).expect("floor file");
        let floor = ClockFloor::load(Some(dir.path()));
        assert_eq!(floor.judge(SystemTime::now()), Some(ClockWrong::Behind));
        assert_eq!(floor.now(), at(y2200));

        let mut anchors = crate::document::TrustAnchors::default();
        anchors.add_pem(&backend.signature_anchors[0]).expect("anchor");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio");
        rt.block_on(async {
            let nik = Nik::parse("3201011505800001").expect("NIK");
            let (token, citizen) = backend.central.sign_in_nik(&nik, "123456").await.expect("sign-in");
            let docs = backend.central.list_documents(&token).await.expect("documents");
            let doc = docs.iter().find(|d| d.owner_nik == citizen.nik).expect("an own document");
            let pdf = backend.central.download(&token, doc).await.expect("download");
            let crls = crate::document::RevocationSet::default();
            let check = |now| crate::document::check(&pdf, doc, &citizen, &anchors, &crls, now);
            assert!(check(SystemTime::now()).is_ok(), "valid at the system clock");
            let refused = check(floor.now()).expect_err("refused at the floor");
            assert_eq!(refused.label, "untrusted", "{}", refused.reason);

            // The TLS client with the same floor refuses the server's certificate.
            let mut cfg = demo.client_config();
            assert!(adm_central_client::CentralClient::new(cfg.clone()).expect("client").health().await.is_ok());
            cfg.time_floor = Some(floor.for_tls());
            let client = adm_central_client::CentralClient::new(cfg).expect("client");
            assert!(client.health().await.is_err(), "an expired server certificate is never accepted");
        });
    }

    #[test]
    fn an_unreadable_floor_file_counts_as_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(FILE_NAME), b"not a number").expect("write");
        let f = ClockFloor::load(Some(dir.path()));
        assert_eq!(f.floor(), UNIX_EPOCH + Duration::from_secs(secs_of(build_time())));
    }
}
