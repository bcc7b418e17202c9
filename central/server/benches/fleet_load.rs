//! Fleet-scale load on the reference central server: 2,000 simulated kiosks, each with
//! its own client certificate, TLS connections, outbox and pace, against the real server
//! on loopback. The offered load rises in stages until the server saturates, then the
//! server is stopped for a while (kiosks queue reports and audit events in their
//! outboxes) and started again (the recovery burst, with the kiosks' jittered backoff).
//!
//! Run: `cargo bench -p adm-central --bench fleet_load` (prints a table per stage).
//!
//! Bounded and self-stopping: the plan (stages, outage, recovery) is fixed before the
//! start, and a watchdog ends the process at a hard wall-clock limit whatever happens
//! (`FLEET_LIMIT_SECS`, 180 by default, at most 900). The only target is the server this
//! process starts itself on 127.0.0.1 with port 0: there is no option naming a host, and
//! `loopback_only` refuses any other address before the first kiosk starts.
//!
//! Settings (environment): `FLEET_KIOSKS` (2000), `FLEET_STAGES` (sessions per second
//! offered by the whole fleet, one stage each: `2,5,10,20,40,80`), `FLEET_STAGE_SECS`
//! (15), `FLEET_OUTAGE_SECS` (10), `FLEET_RECOVERY_SECS` (20), `FLEET_RECOVERY_RATE`
//! (sessions/s during outage and recovery: 5), `FLEET_DRAIN_SECS` (at most 20 s at the end,
//! no new sessions, until the server holds every record the kiosks queued),
//! `FLEET_RECOVERY=jitter|herd` (the kiosks' outbox retries: full jitter as the kiosk does,
//! or a fixed period shared by every kiosk as a kiosk fleet started together would have
//! without jitter, for comparison), `FLEET_STATE=disk|tmpfs` (where the server keeps its
//! database: disk like a real server, or tmpfs to see the run without its fsyncs).
//!
//! The server runs with its production defaults (30 sign-ins and 600 requests per minute
//! per kiosk, PIN lockout policy, argon2id PIN hashes, 512 authenticated connections, 10 s
//! idle keep-alive) except `--reprints unlimited`, so the 2,000 synthetic citizens never
//! run out of prints in the middle of the run.
//!
//! Without `--bench` (`cargo test --benches`) it runs a short smoke version: 50 kiosks,
//! two small stages, a 3 s outage.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::sync::{mpsc, watch};

use adm_central::admin::{NewCitizen, default_server_names};
use adm_central::demo::{self, DemoOptions, DemoServer};
use adm_central::documents::{self, NewDocument};
use adm_central::pki::Pki;
use adm_central::server::ServerOptions;
use adm_central::state::StateDir;
use adm_central::{db, secrets};
use adm_central_client::api::{AuditEventBody, PrintReportBody, ReprintPolicy};
use adm_central_client::backoff::{self, Backoff};
use adm_central_client::outbox::{OutboxItem, OutboxPayload, OutboxTransport};
use adm_central_client::{CentralClient, ClientError, LocalPrintRecord, Outbox};

/// The synthetic citizens' PIN (all share one: hashing 2,000 PINs would take minutes).
const PIN: &str = "246813";
const WRONG_PIN: &str = "999999";
/// Citizens per family: the head owns the KK, which every member may print.
const FAMILY: usize = 4;

// ---------------------------------------------------------------------------------------
// Settings

#[derive(Debug, Clone)]
struct Plan {
    kiosks: usize,
    stages: Vec<f64>,
    stage: Duration,
    outage: Duration,
    recovery: Duration,
    /// At most this long at the end for the outboxes to empty (no new sessions).
    drain: Duration,
    recovery_rate: f64,
    herd: bool,
    limit: Duration,
    /// The kiosks' outbox retry backoff, scaled to the run's seconds (the kiosk itself
    /// uses 15 s / 5 min, `src/runtime/outbox.rs`; a bench of minutes cannot wait that).
    retry: Backoff,
    /// Period of the outbox retries in herd mode.
    herd_period: Duration,
}

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().map_err(|_| anyhow::anyhow!("{name}: not a number: {v:?}")),
        Err(_) => Ok(default),
    }
}

impl Plan {
    fn from_env(smoke: bool) -> anyhow::Result<Plan> {
        let stages = match std::env::var("FLEET_STAGES") {
            Ok(s) => s
                .split(',')
                .map(|x| x.trim().parse::<f64>().map_err(|_| anyhow::anyhow!("FLEET_STAGES: {x:?}")))
                .collect::<Result<Vec<_>, _>>()?,
            Err(_) if smoke => vec![2.0, 5.0],
            Err(_) => vec![2.0, 5.0, 10.0, 20.0, 40.0, 80.0],
        };
        let plan = Plan {
            kiosks: env_num("FLEET_KIOSKS", if smoke { 50 } else { 2_000 })?,
            stages,
            stage: Duration::from_secs(env_num("FLEET_STAGE_SECS", if smoke { 5 } else { 15 })?),
            outage: Duration::from_secs(env_num("FLEET_OUTAGE_SECS", if smoke { 3 } else { 10 })?),
            recovery: Duration::from_secs(env_num("FLEET_RECOVERY_SECS", if smoke { 8 } else { 20 })?),
            drain: Duration::from_secs(env_num("FLEET_DRAIN_SECS", if smoke { 10 } else { 20 })?),
            recovery_rate: env_num("FLEET_RECOVERY_RATE", if smoke { 2.0 } else { 5.0 })?,
            herd: match std::env::var("FLEET_RECOVERY").as_deref() {
                Ok("herd") => true,
                Ok("jitter") | Err(_) => false,
                Ok(other) => bail!("FLEET_RECOVERY: jitter or herd, not {other:?}"),
            },
            limit: Duration::from_secs(env_num::<u64>("FLEET_LIMIT_SECS", 180)?.min(900)),
            retry: Backoff { base: Duration::from_secs(1), cap: Duration::from_secs(8) },
            herd_period: Duration::from_secs(2),
        };
        if !(1..=5_000).contains(&plan.kiosks) {
            bail!("FLEET_KIOSKS: 1-5000");
        }
        if plan.stages.is_empty() || plan.stages.iter().any(|r| !(0.1..=1_000.0).contains(r)) {
            bail!("FLEET_STAGES: rates of 0.1-1000 sessions per second");
        }
        Ok(plan)
    }

    fn planned(&self) -> Duration {
        self.stage * self.stages.len() as u32 + self.outage + self.recovery + self.drain
    }
}

/// The load generator talks to nothing but loopback: this is checked on the address the
/// server actually listens on, before any kiosk is created.
fn loopback_only(addr: SocketAddr, base_url: &str) -> anyhow::Result<()> {
    if !addr.ip().is_loopback() {
        bail!("refusing to load {addr}: not a loopback address");
    }
    if base_url != format!("https://{addr}") {
        bail!("refusing to load {base_url}: not the loopback server {addr}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Measurements

/// What a request was, for the tables.
const KINDS: [&str; 7] = ["sign_in", "sign_in_wrong", "list", "download", "report", "audit", "sign_out"];

#[derive(Default)]
struct PhaseStats {
    latencies: HashMap<&'static str, Vec<u32>>,
    errors: HashMap<(&'static str, &'static str), u64>,
    sessions_offered: u64,
    sessions_started: u64,
    /// Arrivals that found every kiosk busy.
    sessions_dropped: u64,
    sessions_ok: u64,
    cpu: Vec<CpuSample>,
    max_connections: usize,
    /// Connections the server dropped in this phase, by reason (its own metric).
    dropped: Vec<(String, u64)>,
}

#[derive(Clone, Copy, Default)]
struct CpuSample {
    /// Shares of one core over the sample's second.
    server: f64,
    kiosks: f64,
    others: f64,
}

struct Stats {
    phase: AtomicUsize,
    phases: Mutex<Vec<PhaseStats>>,
    started: Instant,
    /// Outbox deliveries per 100 ms since the start (recovery burst shape).
    outbox_ticks: Mutex<Vec<u32>>,
}

impl Stats {
    fn new(phases: usize) -> Stats {
        Stats {
            phase: AtomicUsize::new(0),
            phases: Mutex::new((0..phases).map(|_| PhaseStats::default()).collect()),
            started: Instant::now(),
            outbox_ticks: Mutex::new(Vec::new()),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut PhaseStats) -> R) -> R {
        let mut phases = self.phases.lock().unwrap_or_else(|p| p.into_inner());
        let i = self.phase.load(Ordering::Relaxed).min(phases.len() - 1);
        f(&mut phases[i])
    }

    fn record<T>(&self, kind: &'static str, took: Duration, result: &Result<T, ClientError>) {
        let micros = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        self.with(|p| match result {
            Ok(_) => p.latencies.entry(kind).or_default().push(micros),
            Err(e) => *p.errors.entry((kind, error_name(e))).or_default() += 1,
        });
        if matches!(kind, "report" | "audit") {
            let tick = (self.started.elapsed().as_millis() / 100) as usize;
            let mut ticks = self.outbox_ticks.lock().unwrap_or_else(|p| p.into_inner());
            if ticks.len() <= tick {
                ticks.resize(tick + 1, 0);
            }
            ticks[tick] += 1;
        }
    }
}

fn error_name(e: &ClientError) -> &'static str {
    match e {
        ClientError::Unreachable => "unreachable",
        ClientError::WrongPin { .. } => "wrong_pin",
        ClientError::Locked { .. } => "locked",
        ClientError::UnknownCitizen => "unknown_citizen",
        ClientError::SessionExpired => "session_expired",
        ClientError::KioskRefused => "kiosk_refused",
        ClientError::RateLimited => "rate_limited",
        ClientError::NotFound => "not_found",
        ClientError::NoPrintsLeft => "no_prints_left",
        ClientError::IntegrityMismatch => "integrity",
        ClientError::TooLarge => "too_large",
        ClientError::Rejected(_) => "rejected",
        ClientError::Server(_) => "server",
        _ => "other",
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1_000.0
}

/// CPU time (clock ticks) of this process's threads by role, and of the whole machine.
#[derive(Clone, Copy, Default)]
struct CpuTicks {
    server: u64,
    kiosks: u64,
    machine_busy: u64,
}

fn cpu_ticks() -> CpuTicks {
    let mut t = CpuTicks::default();
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
            // comm is in parentheses and may hold spaces: split after the last ')'.
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
            let comm = &stat[open + 1..close];
            let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
            // utime and stime are fields 14 and 15 of stat, 12 and 13 after the comm.
            let ticks: u64 = fields.get(11..13).map_or(0, |f| f.iter().filter_map(|x| x.parse::<u64>().ok()).sum());
            if comm.starts_with("adm-central") {
                t.server += ticks;
            } else if comm.starts_with("kiosk-sim") {
                t.kiosks += ticks;
            }
        }
    }
    if let Ok(stat) = std::fs::read_to_string("/proc/stat")
        && let Some(line) = stat.lines().next()
    {
        let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
        // user nice system idle iowait irq softirq steal: busy = user + nice + system + irq +
        // softirq (idle and iowait are not work; steal is the hypervisor's, not this VM's).
        t.machine_busy = [0, 1, 2, 5, 6].iter().filter_map(|i| v.get(*i)).sum();
    }
    t
}

/// CPU time (clock ticks of 10 ms) the calling thread has used.
fn thread_cpu_ticks() -> u64 {
    let Ok(stat) = std::fs::read_to_string("/proc/thread-self/stat") else { return 0 };
    let Some(close) = stat.rfind(')') else { return 0 };
    let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
    fields.get(11..13).map_or(0, |f| f.iter().filter_map(|x| x.parse::<u64>().ok()).sum())
}

/// The server's `adm_central_connections_dropped_total` by reason, from its metrics.
fn dropped_connections(server: &DemoServer) -> HashMap<String, u64> {
    server
        .metrics()
        .encode()
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("adm_central_connections_dropped_total{reason=\"")?;
            let (reason, value) = rest.split_once("\"}")?;
            Some((reason.to_owned(), value.trim().parse::<f64>().ok()? as u64))
        })
        .collect()
}

/// Established TCP connections whose local port is the server's (its side of each).
fn server_connections(port: u16) -> usize {
    let Ok(tcp) = std::fs::read_to_string("/proc/net/tcp") else { return 0 };
    let local = format!(":{port:04X}");
    tcp.lines()
        .skip(1)
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.get(1).is_some_and(|a| a.ends_with(&local)) && f.get(3) == Some(&"01")
        })
        .count()
}

// ---------------------------------------------------------------------------------------
// Kiosks

/// A small deterministic generator per kiosk (think times, choices): SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let out = adm_central_client::backoff::splitmix64(self.0);
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        out
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn between(&mut self, lo: f64, hi: f64) -> Duration {
        Duration::from_secs_f64(lo + (hi - lo) * self.unit())
    }
    fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }
}

struct Citizen {
    nik: String,
}

/// One session a citizen starts at a kiosk.
struct Visit {
    citizen: usize,
    /// Types a wrong PIN first (then the right one).
    wrong_first: bool,
    /// How many documents they print (of those listed).
    prints: usize,
}

struct Shared {
    stats: Stats,
    citizens: Vec<Citizen>,
    idle: Mutex<Vec<usize>>,
    /// Records queued in outboxes in all (print reports, audit events), for the final check.
    queued_reports: AtomicU64,
    queued_audits: AtomicU64,
    plan: Plan,
    epoch: Instant,
}

/// The outbox transport the kiosk uses, with each delivery measured.
struct Measured<'a> {
    client: &'a CentralClient,
    stats: &'a Stats,
}

impl OutboxTransport for Measured<'_> {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), ClientError> {
        let started = Instant::now();
        match &item.payload {
            OutboxPayload::Print(body) => {
                let r = self.client.report_print(&item.key, body).await.map(|_| ());
                self.stats.record("report", started.elapsed(), &r);
                r
            }
            OutboxPayload::Audit(body) => {
                let r = self.client.send_audit(&item.key, body).await.map(|_| ());
                self.stats.record("audit", started.elapsed(), &r);
                r
            }
        }
    }
}

struct Kiosk {
    id: usize,
    client: CentralClient,
    outbox: Outbox,
    rng: Rng,
    seed: u64,
    shared: Arc<Shared>,
    /// Outbox retry state: failed rounds in a row, and when the next round is due.
    failures: u32,
    next_flush: Option<Instant>,
    records: u64,
}

impl Kiosk {
    async fn run(mut self, mut visits: mpsc::UnboundedReceiver<Visit>, mut stop: watch::Receiver<bool>) {
        loop {
            let due = self.next_flush;
            tokio::select! {
                visit = visits.recv() => {
                    let Some(visit) = visit else { break };
                    // The run's end cuts a session short: the stop must not wait for it.
                    tokio::select! {
                        _ = self.session(visit) => {}
                        _ = stop.changed() => break,
                    }
                    self.shared.idle.lock().unwrap_or_else(|p| p.into_inner()).push(self.id);
                }
                _ = sleep_until_opt(due) => self.flush(true).await,
                _ = stop.changed() => break,
            }
        }
    }

    fn think(&mut self, lo: f64, hi: f64) -> tokio::time::Sleep {
        tokio::time::sleep(self.rng.between(lo, hi))
    }

    /// One citizen at the kiosk: sign-in (sometimes a wrong PIN first), the document list,
    /// a choice, each chosen document downloaded, printed and reported, an audit event,
    /// sign-out. Think times are a compressed citizen's (seconds, not tens of seconds).
    async fn session(&mut self, visit: Visit) {
        let shared = self.shared.clone();
        let stats = &shared.stats;
        let nik = self.shared.citizens[visit.citizen].nik.clone();
        if visit.wrong_first {
            let t = Instant::now();
            let r = self.client.sign_in_nik(&nik, WRONG_PIN).await;
            // A wrong PIN answered as such is the expected answer, not an error.
            let r = match r {
                Err(ClientError::WrongPin { .. }) => Ok(()),
                Ok(_) => Err(ClientError::Server("wrong PIN accepted".into())),
                Err(e) => Err(e),
            };
            stats.record("sign_in_wrong", t.elapsed(), &r);
            if r.is_err() {
                return self.gave_up("sign_in.failed").await;
            }
            self.think(2.0, 4.0).await;
        }
        let t = Instant::now();
        let r = self.client.sign_in_nik(&nik, PIN).await;
        stats.record("sign_in", t.elapsed(), &r);
        let Ok(grant) = r else { return self.gave_up("sign_in.failed").await };
        let token = grant.token.clone();
        let t = Instant::now();
        let r = self.client.document_list(&token).await;
        stats.record("list", t.elapsed(), &r);
        let Ok(list) = r else { return self.gave_up("session.failed").await };
        self.think(2.0, 5.0).await;
        let mut ok = true;
        for doc in list.documents.iter().filter(|d| d.prints_left > 0).take(visit.prints) {
            let t = Instant::now();
            let r = self.client.download_granted(&token, doc).await;
            stats.record("download", t.elapsed(), &r);
            let Ok(download) = r else {
                ok = false;
                break;
            };
            // The printer at work: a few seconds per document.
            self.think(2.0, 5.0).await;
            self.records += 1;
            let report_id = format!("r-{:04}-{:06}", self.id, self.records);
            let body = PrintReportBody {
                document_id: doc.id.clone(),
                grant_id: download.grant_id.clone(),
                pages_printed: doc.pages,
                completed: true,
                at: chrono::Utc::now().to_rfc3339(),
            };
            let local = LocalPrintRecord { doc_kind: doc.kind.clone(), printer: "sim".into(), outcome: "ok".into() };
            if self.outbox.record_print(&local, &report_id, &body).is_ok() {
                self.shared.queued_reports.fetch_add(1, Ordering::Relaxed);
            }
            self.flush(false).await;
        }
        self.audit(if ok { "session.completed" } else { "session.failed" });
        self.flush(false).await;
        let t = Instant::now();
        let r = self.client.sign_out(&token).await;
        stats.record("sign_out", t.elapsed(), &r);
        if ok {
            stats.with(|p| p.sessions_ok += 1);
        }
    }

    /// The session ended on a failure: the kiosk records why, as the real one does.
    async fn gave_up(&mut self, kind: &str) {
        self.audit(kind);
        self.flush(false).await;
    }

    fn audit(&mut self, kind: &str) {
        self.records += 1;
        let id = format!("a-{:04}-{:06}", self.id, self.records);
        let body =
            AuditEventBody { at: chrono::Utc::now().to_rfc3339(), kind: kind.into(), detail: "fleet load".into() };
        if self.outbox.enqueue_audit(&id, &body).is_ok() {
            self.shared.queued_audits.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// An outbox round. After each print the kiosk tries at once (`scheduled` false),
    /// unless it is backing off after failed rounds; failed rounds schedule the next one
    /// with the kiosk's backoff: full jitter from its own seed, or, in herd mode, the next
    /// tick of a period every kiosk shares.
    async fn flush(&mut self, scheduled: bool) {
        if !scheduled && self.failures > 0 {
            return;
        }
        self.next_flush = None;
        let transport = Measured { client: &self.client, stats: &self.shared.stats };
        let run = self.outbox.deliver_pending(&transport).await;
        let stuck = match run {
            Ok(report) => report.stopped_by.is_some(),
            Err(_) => true,
        };
        if !stuck {
            self.failures = 0;
            return;
        }
        self.failures += 1;
        let plan = &self.shared.plan;
        let wait = if plan.herd {
            let period = plan.herd_period.as_nanos();
            let since = self.shared.epoch.elapsed().as_nanos();
            Duration::from_nanos(u64::try_from(period - since % period).unwrap_or(0))
        } else {
            plan.retry.delay(self.seed, self.failures)
        };
        self.next_flush = Some(Instant::now() + wait);
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

// ---------------------------------------------------------------------------------------
// The run

struct Fleet {
    senders: Vec<mpsc::UnboundedSender<Visit>>,
    shared: Arc<Shared>,
    rng: Mutex<Rng>,
}

impl Fleet {
    /// Offers sessions at `rate` per second (Poisson arrivals) for `length`, each to a
    /// random idle kiosk.
    async fn offer(&self, rate: f64, length: Duration) {
        let end = tokio::time::Instant::now() + length;
        let mut next = tokio::time::Instant::now();
        loop {
            let gap = {
                let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
                -(1.0 - rng.unit()).ln() / rate
            };
            next += Duration::from_secs_f64(gap);
            if next >= end {
                break;
            }
            tokio::time::sleep_until(next).await;
            self.arrive();
        }
        tokio::time::sleep_until(end).await;
    }

    fn arrive(&self) {
        let stats = &self.shared.stats;
        let (kiosk, visit) = {
            let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
            let mut idle = self.shared.idle.lock().unwrap_or_else(|p| p.into_inner());
            let kiosk = if idle.is_empty() {
                None
            } else {
                let i = rng.below(idle.len());
                Some(idle.swap_remove(i))
            };
            let visit = Visit {
                citizen: rng.below(self.shared.citizens.len()),
                // Some citizens mistype their PIN once.
                wrong_first: rng.unit() < 0.08,
                prints: 1 + usize::from(rng.unit() < 0.3),
            };
            (kiosk, visit)
        };
        stats.with(|p| p.sessions_offered += 1);
        match kiosk {
            Some(k) if self.senders[k].send(visit).is_ok() => stats.with(|p| p.sessions_started += 1),
            _ => stats.with(|p| p.sessions_dropped += 1),
        }
    }
}

/// Demo citizens plus `n` synthetic ones in families of [`FAMILY`], each family's head
/// owning a KK (signed like every document) that the whole family may print.
fn populate(server: &DemoServer, n: usize) -> anyhow::Result<Vec<Citizen>> {
    let state = StateDir::new(server.state_dir.clone());
    let pki = Pki::load_or_create(&state.pki(), &default_server_names())?;
    let mut conn = db::open(&state.db())?;
    let host = adm_central::state::notice_host(&conn)?;
    let hash = secrets::hash_pin(PIN)?;
    let tx = conn.transaction()?;
    let mut citizens = Vec::with_capacity(n);
    for i in 0..n {
        let family = i / FAMILY;
        // Region 3201 01, born 15-05-80 (women: day + 40), serial: unique per citizen.
        let nik = format!("320101{}0580{:04}", if i % 2 == 0 { 15 } else { 55 }, 1_000 + i);
        let kk = format!("3201010101{:06}", 200_000 + family);
        let c = NewCitizen {
            nik: nik.clone(),
            name: format!("WARGA UJI {i}"),
            kk: kk.clone(),
            sex: if i % 2 == 0 { "L" } else { "P" }.into(),
            birth_place: "BOGOR".into(),
            birth_date: "15-05-1980".into(),
            address: "JL. UJI BEBAN".into(),
            relation: if i % FAMILY == 0 { "KEPALA KELUARGA" } else { "ANAK" }.into(),
            pin: None,
        };
        db::admin::insert_citizen(&tx, &c, Some(&hash))?;
        if i % FAMILY == 0 {
            let doc = NewDocument {
                id: None,
                kind: "kk".into(),
                number: kk.clone(),
                issued: "2025-01-15".into(),
                owner_nik: nik.clone(),
                prints_allowed: 2,
                verify_code: None,
                extra: Vec::new(),
                active: true,
            };
            documents::issue(&tx, &pki, &host, &doc)?;
        }
        citizens.push(Citizen { nik });
    }
    tx.commit()?;
    Ok(citizens)
}

/// What one small durable write costs where the server keeps its database: SQLite with
/// `synchronous=FULL` pays at least this per committed transaction.
fn fsync_ms(dir: &std::path::Path) -> anyhow::Result<f64> {
    use std::io::Write;
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path)?;
    let mut times = Vec::new();
    for i in 0..20u8 {
        let t = Instant::now();
        f.write_all(&[i; 512])?;
        f.sync_data()?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    std::fs::remove_file(&path)?;
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn phase_names(plan: &Plan) -> Vec<String> {
    let mut names: Vec<String> = plan.stages.iter().map(|r| format!("{r} sess/s")).collect();
    names.push("outage".into());
    names.push("recovery".into());
    names.push("drain".into());
    names
}

fn main() -> anyhow::Result<()> {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let plan = Plan::from_env(smoke)?;
    // The hard limit: whatever happens below, the process ends by then.
    let limit = plan.limit;
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!("fleet_load: hard limit of {} s reached, stopping", limit.as_secs());
        std::process::exit(3);
    });
    println!(
        "fleet_load: {} kiosks, stages {:?} sessions/s x {} s, outage {} s, recovery {} s at {} sessions/s ({}), limit {} s",
        plan.kiosks,
        plan.stages,
        plan.stage.as_secs(),
        plan.outage.as_secs(),
        plan.recovery.as_secs(),
        plan.recovery_rate,
        if plan.herd { "herd: fixed shared period" } else { "jittered backoff" },
        limit.as_secs()
    );
    if plan.planned() + Duration::from_secs(30) > limit {
        bail!("the plan takes {} s: more than the limit allows with setup", plan.planned().as_secs());
    }
    let setup = Instant::now();
    // The server's state on disk like a real server's (default), or on tmpfs to see what
    // the run does without the cost of its fsyncs (`FLEET_STATE=tmpfs`).
    let state = match std::env::var("FLEET_STATE").as_deref() {
        Ok("tmpfs") => tempfile::Builder::new().prefix("adm-fleet-load-").tempdir_in("/dev/shm")?,
        Ok("disk") | Err(_) => tempfile::Builder::new().prefix("adm-fleet-load-").tempdir()?,
        Ok(other) => bail!("FLEET_STATE: disk or tmpfs, not {other:?}"),
    };
    println!("fsync in the state directory: {:.1} ms (median of 20 small writes)", fsync_ms(state.path())?);
    let opts = ServerOptions { reprints: ReprintPolicy::Unlimited, ..ServerOptions::default() };
    let server = demo::spawn(DemoOptions { state_dir: Some(state.path().to_owned()), port: 0, server: opts.clone() })?;
    loopback_only(server.addr, &server.base_url)?;
    let addr = server.addr;
    println!("server on {} (state {})", server.base_url, state.path().display());

    let t = Instant::now();
    let ids: Vec<String> = (0..plan.kiosks).map(|i| format!("ADM-LOAD-{i:04}")).collect();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let certs = server.admin().issue_kiosks(&id_refs)?;
    println!("{} kiosk certificates issued and registered in {:.1} s", certs.len(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    let citizens = populate(&server, plan.kiosks.max(400))?;
    println!(
        "{} citizens, {} family KKs signed and stored in {:.1} s",
        citizens.len(),
        citizens.len().div_ceil(FAMILY),
        t.elapsed().as_secs_f64()
    );
    let hash = secrets::hash_pin(PIN)?;
    // CPU time of this thread, not wall time: the neighbours' load must not inflate it.
    let (t, cpu) = (Instant::now(), thread_cpu_ticks());
    for _ in 0..20 {
        secrets::verify_pin(PIN, &hash);
    }
    let wall_ms = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
    let hash_ms = (thread_cpu_ticks().saturating_sub(cpu)) as f64 * 10.0 / 20.0;
    println!(
        "one argon2id PIN check (the server's cost per sign-in attempt): {hash_ms:.0} ms of CPU ({wall_ms:.0} ms wall)"
    );

    // Outboxes on tmpfs where there is one: the kiosks' own fsyncs would otherwise compete
    // with the server's on the same disk, which no real fleet does.
    let shm = PathBuf::from("/dev/shm");
    let outbox_dir = if shm.is_dir() {
        tempfile::Builder::new().prefix("adm-fleet-outbox-").tempdir_in(&shm)?
    } else {
        tempfile::Builder::new().prefix("adm-fleet-outbox-").tempdir()?
    };

    let names = phase_names(&plan);
    let shared = Arc::new(Shared {
        stats: Stats::new(names.len()),
        citizens,
        idle: Mutex::new((0..plan.kiosks).collect()),
        queued_reports: AtomicU64::new(0),
        queued_audits: AtomicU64::new(0),
        plan: plan.clone(),
        epoch: Instant::now(),
    });
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("kiosk-sim").enable_all().build()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut senders = Vec::with_capacity(plan.kiosks);
    let mut tasks = Vec::with_capacity(plan.kiosks);
    for (i, cert) in certs.iter().enumerate() {
        let cfg = server.client_config_for(&cert.cert_pem, &cert.key_pem);
        let client = CentralClient::new(cfg).with_context(|| format!("kiosk {i} client"))?;
        let outbox = Outbox::open(&outbox_dir.path().join(format!("{i}.sqlite")))?;
        let (tx, rx) = mpsc::unbounded_channel();
        senders.push(tx);
        let kiosk = Kiosk {
            id: i,
            client,
            outbox,
            rng: Rng(0x5EED_0000 + i as u64),
            seed: backoff::seed_for(ids[i].as_bytes()),
            shared: shared.clone(),
            failures: 0,
            next_flush: None,
            records: 0,
        };
        tasks.push(rt.spawn(kiosk.run(rx, stop_rx.clone())));
    }
    println!("{} kiosks ready; setup took {:.1} s", plan.kiosks, setup.elapsed().as_secs_f64());
    let fleet = Fleet { senders, shared: shared.clone(), rng: Mutex::new(Rng(0xF1EE7)) };

    // Once a second: CPU by role and the server's open connections, into the current phase.
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (shared, sampling) = (shared.clone(), sampling.clone());
        std::thread::spawn(move || {
            let hz = 100.0; // USER_HZ: clock ticks per second in /proc on Linux
            let (mut last, mut last_at) = (cpu_ticks(), Instant::now());
            while sampling.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_secs(1));
                let now = cpu_ticks();
                // Over the time that really passed: on a loaded machine this thread wakes late.
                let ticks = hz * last_at.elapsed().as_secs_f64();
                last_at = Instant::now();
                let conns = server_connections(addr.port());
                // Saturating: a stopped server's threads are gone, a restarted one's count from 0.
                let server = now.server.saturating_sub(last.server) as f64 / ticks;
                let kiosks = now.kiosks.saturating_sub(last.kiosks) as f64 / ticks;
                let machine = (now.machine_busy.saturating_sub(last.machine_busy)) as f64 / ticks;
                let sample = CpuSample { server, kiosks, others: (machine - server - kiosks).max(0.0) };
                shared.stats.with(|p| {
                    p.cpu.push(sample);
                    p.max_connections = p.max_connections.max(conns);
                });
                last = now;
            }
        })
    };

    let run_started = Instant::now();
    let mut server = Some(server);
    let mut outage_at = None;
    let mut back_at = None;
    let mut drained_after = None;
    rt.block_on(async {
        let mut dropped_before = server.as_ref().map(dropped_connections).unwrap_or_default();
        for (i, rate) in plan.stages.iter().enumerate() {
            shared.stats.phase.store(i, Ordering::Relaxed);
            println!("[{:>5.1} s] stage {}: offering {rate} sessions/s", run_started.elapsed().as_secs_f64(), i + 1);
            fleet.offer(*rate, plan.stage).await;
            let dropped_now = server.as_ref().map(dropped_connections).unwrap_or_default();
            let mut diff: Vec<(String, u64)> = dropped_now
                .iter()
                .map(|(k, v)| (k.clone(), v - dropped_before.get(k).copied().unwrap_or(0)))
                .filter(|(_, v)| *v > 0)
                .collect();
            diff.sort();
            shared.stats.with(|p| p.dropped = diff);
            dropped_before = dropped_now;
        }
        // Outage: the server goes away with everything in flight; citizens keep coming.
        shared.stats.phase.store(plan.stages.len(), Ordering::Relaxed);
        println!(
            "[{:>5.1} s] outage: server stopped for {} s",
            run_started.elapsed().as_secs_f64(),
            plan.outage.as_secs()
        );
        drop(server.take());
        outage_at = Some(shared.stats.started.elapsed());
        fleet.offer(plan.recovery_rate, plan.outage).await;
        let restarted = demo::spawn(DemoOptions {
            state_dir: Some(state.path().to_owned()),
            port: addr.port(),
            server: opts.clone(),
        });
        match restarted {
            Ok(s) => {
                if let Err(e) = loopback_only(s.addr, &s.base_url) {
                    eprintln!("{e}");
                    return;
                }
                server = Some(s);
            }
            Err(e) => {
                eprintln!("the server did not come back on port {}: {e}", addr.port());
                return;
            }
        }
        back_at = Some(shared.stats.started.elapsed());
        shared.stats.phase.store(plan.stages.len() + 1, Ordering::Relaxed);
        println!("[{:>5.1} s] recovery: server back", run_started.elapsed().as_secs_f64());
        fleet.offer(plan.recovery_rate, plan.recovery).await;
        // Drain: no more citizens; the outboxes empty themselves on their backoff
        // schedule. Done when the server holds every record the kiosks queued.
        shared.stats.phase.store(plan.stages.len() + 2, Ordering::Relaxed);
        println!("[{:>5.1} s] drain: no new sessions, outboxes delivering", run_started.elapsed().as_secs_f64());
        let drain_end = Instant::now() + plan.drain;
        while Instant::now() < drain_end {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let Some(s) = &server else { break };
            let (reports, audits) = (s.admin().print_report_count(), s.admin().audit_event_count());
            // Sessions still under way may queue more: every kiosk idle, and all in.
            let all_idle = shared.idle.lock().unwrap_or_else(|p| p.into_inner()).len() == plan.kiosks;
            let all_in = matches!((reports, audits), (Ok(r), Ok(a))
                if r == shared.queued_reports.load(Ordering::Relaxed)
                    && a == shared.queued_audits.load(Ordering::Relaxed));
            if all_idle && all_in {
                drained_after = Some(run_started.elapsed().as_secs_f64());
                break;
            }
        }
        let _ = stop_tx.send(true);
        // Every kiosk stops at once; a few seconds in all for them to notice.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        for t in tasks {
            let abort = t.abort_handle();
            if tokio::time::timeout_at(deadline, t).await.is_err() {
                abort.abort();
            }
        }
    });
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.join();
    println!("run took {:.1} s", run_started.elapsed().as_secs_f64());
    report(&plan, &names, &shared, hash_ms, outage_at, back_at);
    if let Some(server) = &server {
        let reports = server.admin().print_report_count()?;
        let audits = server.admin().audit_event_count()?;
        let deliveries = server.admin().print_report_deliveries()?;
        println!(
            "exactly once: the kiosks queued {} print reports and {} audit events; the server holds {reports} and {audits} ({deliveries} report deliveries counted once); {}",
            shared.queued_reports.load(Ordering::Relaxed),
            shared.queued_audits.load(Ordering::Relaxed),
            match drained_after {
                Some(t) => format!("every record in by {t:.1} s"),
                None => format!("not all in within the {} s drain", plan.drain.as_secs()),
            }
        );
    }
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(())
}

fn report(
    plan: &Plan,
    names: &[String],
    shared: &Shared,
    hash_ms: f64,
    outage_at: Option<Duration>,
    back_at: Option<Duration>,
) {
    let mut phases = shared.stats.phases.lock().unwrap_or_else(|p| p.into_inner());
    println!();
    for (i, (name, p)) in names.iter().zip(phases.iter_mut()).enumerate() {
        let secs = if i < plan.stages.len() {
            plan.stage.as_secs_f64()
        } else if i == plan.stages.len() {
            plan.outage.as_secs_f64()
        } else if i == plan.stages.len() + 1 {
            plan.recovery.as_secs_f64()
        } else {
            // The drain's real length is in its own line; rates over the longest it may take.
            plan.drain.as_secs_f64()
        };
        let done: usize = p.latencies.values().map(Vec::len).sum();
        let errors: u64 = p.errors.values().sum();
        let n = p.cpu.len().max(1) as f64;
        let cpu = p.cpu.iter().fold(CpuSample::default(), |a, s| CpuSample {
            server: a.server + s.server / n,
            kiosks: a.kiosks + s.kiosks / n,
            others: a.others + s.others / n,
        });
        // Attempts the server hashed a PIN for: answered ones (unreachable never got there).
        let sign_ins = p.latencies.get("sign_in").map_or(0, Vec::len)
            + p.latencies.get("sign_in_wrong").map_or(0, Vec::len)
            + p.errors
                .iter()
                .filter(|((k, e), _)| k.starts_with("sign_in") && *e != "unreachable")
                .map(|(_, v)| *v as usize)
                .sum::<usize>();
        println!(
            "== {name}: offered {:.1} sessions/s ({} started, {} found no idle kiosk), {:.1} sessions ok/s; completed {:.1} req/s, {} errors ({:.1}%)",
            p.sessions_offered as f64 / secs,
            p.sessions_started,
            p.sessions_dropped,
            p.sessions_ok as f64 / secs,
            done as f64 / secs,
            errors,
            100.0 * errors as f64 / (done as f64 + errors as f64).max(1.0),
        );
        println!(
            "   CPU (cores): server {:.2} (argon2 estimate {:.2}), kiosks {:.2}, other processes {:.2}; server connections max {}",
            cpu.server,
            sign_ins as f64 * hash_ms / 1000.0 / secs,
            cpu.kiosks,
            cpu.others,
            p.max_connections
        );
        println!("   {:<14} {:>7} {:>9} {:>9} {:>9}", "kind", "ok", "p50 ms", "p99 ms", "max ms");
        for kind in KINDS {
            let Some(v) = p.latencies.get_mut(kind) else { continue };
            v.sort_unstable();
            println!(
                "   {:<14} {:>7} {:>9.1} {:>9.1} {:>9.1}",
                kind,
                v.len(),
                percentile(v, 0.5),
                percentile(v, 0.99),
                percentile(v, 1.0)
            );
        }
        if !p.dropped.is_empty() {
            let list: Vec<String> = p.dropped.iter().map(|(k, v)| format!("{k} {v}")).collect();
            println!("   server dropped connections: {}", list.join(", "));
        }
        let mut errs: Vec<_> = p.errors.iter().collect();
        errs.sort();
        if !errs.is_empty() {
            let list: Vec<String> = errs.iter().map(|((k, e), n)| format!("{k}/{e} {n}")).collect();
            println!("   errors: {}", list.join(", "));
        }
    }
    // The recovery burst: outbox deliveries per 100 ms after the server came back.
    if let (Some(down), Some(back)) = (outage_at, back_at) {
        let ticks = shared.stats.outbox_ticks.lock().unwrap_or_else(|p| p.into_inner());
        let from = (back.as_millis() / 100) as usize;
        let to = ((back + plan.recovery).as_millis() / 100) as usize;
        let window: Vec<u32> = ticks.get(from..to.min(ticks.len())).map(<[u32]>::to_vec).unwrap_or_default();
        let total: u32 = window.iter().sum();
        let peak = window.iter().copied().max().unwrap_or(0);
        let per_sec: Vec<u32> = window.chunks(10).map(|c| c.iter().sum()).collect();
        println!(
            "\nrecovery burst ({}): {} outbox deliveries in the {} s after the {} s outage; peak {} in one 100 ms ({:.1}%); per second: {:?}",
            if plan.herd { "herd" } else { "jitter" },
            total,
            plan.recovery.as_secs(),
            (back - down).as_secs(),
            peak,
            100.0 * f64::from(peak) / f64::from(total.max(1)),
            per_sec
        );
    }
}
