//! `adm-central`: the reference central server and its admin CLI.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use adm_central::admin::{Admin, NewCitizen, NoticeRequest};
use adm_central::db::pinguard::PinPolicy;
use adm_central::documents::NewDocument;
use adm_central::ratelimit::Limits;
use adm_central::server::{self, ServerOptions};
use adm_central::state::StateDir;

#[derive(Parser)]
#[command(name = "adm-central", about = "Reference central server for ADM kiosks (DEMO data, really signed PDFs)")]
struct Cli {
    /// State directory: database, PKI, demo kiosk identity.
    #[arg(long, global = true, default_value = "./central-state")]
    state_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (mutual TLS). Writes ca.crt, trust-anchor.crt (and with --demo
    /// kiosk.crt/kiosk.key) into the state directory.
    Serve {
        /// Seed the demo citizens and the demo kiosk identity on first start.
        #[arg(long)]
        demo: bool,
        #[arg(long, default_value_t = 8443)]
        port: u16,
        /// Address to listen on. Loopback by default.
        #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
        bind: IpAddr,
        #[arg(long, default_value_t = 600)]
        session_ttl_secs: u64,
        #[arg(long, default_value_t = Limits::default().sign_ins_per_minute)]
        sign_ins_per_minute: u32,
        #[arg(long, default_value_t = Limits::default().requests_per_minute)]
        requests_per_minute: u32,
        /// Document checks by printed QR (no sign-in) per kiosk per minute.
        #[arg(long, default_value_t = Limits::default().verifies_per_minute)]
        verifies_per_minute: u32,
        /// How often an AKTIF document may be printed: `as-issued` (each document's own
        /// count), `unlimited`, or a number of prints. TIDAK AKTIF: never.
        #[arg(long, default_value = "as-issued", value_parser = adm_central::db::reprints::parse)]
        reprints: adm_central_client::api::ReprintPolicy,
        /// Ceiling on wrong PINs per NIK per rolling hour across all kiosks (on top of
        /// the cool-downs of 15 min, 1 h, 24 h after every 3 wrong PINs).
        #[arg(long, default_value_t = PinPolicy::default().wrong_per_hour)]
        wrong_pins_per_nik_per_hour: u32,
        /// Plain-HTTP OpenMetrics listener (`GET /metrics`); loopback addresses only.
        #[arg(long, default_value = adm_central::metrics::DEFAULT_METRICS_ADDR)]
        metrics_bind: SocketAddr,
        /// Minutes a download reserves a print that has not been reported yet (sign-out
        /// gives it back earlier).
        #[arg(long, default_value_t = server::DEFAULT_PRINT_LEASE.as_secs() / 60)]
        print_lease_mins: u64,
        /// Longest validity of a notice, enforced at issuance and at every sign-in.
        #[arg(long, default_value_t = adm_central::db::notices::DEFAULT_MAX_VALIDITY.as_secs() / 86_400)]
        notice_max_valid_days: u64,
        /// Another name (IP address or DNS name) for the server certificate, besides
        /// 127.0.0.1, localhost and the demo host (repeatable). Set when the PKI is
        /// created; a state directory whose certificate lacks it is refused.
        #[arg(long = "server-name")]
        server_names: Vec<String>,
    },
    /// Publish a signed update bundle (RAUC, from `kiosk-image/build`) for every kiosk:
    /// kiosks running another image version download and install it. Replaces the
    /// previously published bundle.
    PublishUpdate {
        #[arg(long)]
        bundle: PathBuf,
        /// The image version inside the bundle (its IMAGE_VERSION).
        #[arg(long)]
        version: String,
    },
    /// Register a citizen.
    AddCitizen {
        #[arg(long)]
        nik: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        kk: String,
        /// L or P
        #[arg(long)]
        sex: String,
        #[arg(long)]
        birth_place: String,
        /// DD-MM-YYYY
        #[arg(long)]
        birth_date: String,
        #[arg(long)]
        address: String,
        #[arg(long, default_value = "KEPALA KELUARGA")]
        relation: String,
        /// Read the kiosk PIN (4-8 digits) from this environment variable (never from argv,
        /// which other users can see).
        #[arg(long)]
        pin_env: Option<String>,
    },
    /// Issue (lay out and sign) a document for a citizen.
    AddDocument {
        #[arg(long)]
        owner_nik: String,
        /// kk, akta-kelahiran, akta-kematian, akta-perkawinan, akta-perceraian, skpwni, biodata
        #[arg(long)]
        kind: String,
        #[arg(long)]
        number: String,
        /// YYYY-MM-DD
        #[arg(long)]
        issued: String,
        #[arg(long, default_value_t = 1)]
        prints_allowed: u32,
        /// Extra printed lines, `Label=Value` (repeatable).
        #[arg(long = "line")]
        lines: Vec<String>,
    },
    /// Issue a notice (QR + PIN) for a citizen; prints the QR payload.
    AddNotice {
        #[arg(long)]
        nik: String,
        /// Environment variable holding the notice's PIN (4-8 digits).
        #[arg(long)]
        pin_env: String,
        /// Days the notice is valid (at most the server's --notice-max-valid-days).
        #[arg(long, default_value_t = 30)]
        valid_days: u64,
        /// Sign-ins the notice allows.
        #[arg(long, default_value_t = adm_central::db::notices::DEFAULT_USES)]
        uses: u32,
        /// Document id the notice opens (repeatable); none: every document the citizen
        /// may print now.
        #[arg(long = "document")]
        documents: Vec<String>,
    },
    /// Revoke a notice: refused from the next sign-in on.
    RevokeNotice {
        /// The notice code (16 characters, the end of the QR payload).
        #[arg(long)]
        code: String,
    },
    /// Set a new PIN (also lifts a lockout).
    ResetPin {
        #[arg(long)]
        nik: String,
        /// Environment variable holding the new PIN (4-8 digits).
        #[arg(long)]
        pin_env: String,
    },
    /// Lift a PIN cool-down at once after checking the citizen's identity in person
    /// (also clears the cool-down level and the hourly wrong-PIN count).
    Unlock {
        #[arg(long)]
        nik: String,
    },
    /// Show the wrong-PIN accounting of a NIK (unknown NIKs are counted too).
    PinStatus {
        #[arg(long)]
        nik: String,
    },
    /// Issue a client certificate for a kiosk; writes <out>/<id>.crt and <id>.key.
    IssueKiosk {
        #[arg(long)]
        kiosk_id: String,
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Revoke a kiosk certificate (refused from the next request on).
    RevokeKiosk {
        #[arg(long)]
        kiosk_id: String,
    },
    /// Revoke a document-signing certificate: it appears on the CRL at GET /v1/crl from
    /// the next request on, and kiosks refuse documents it signed.
    RevokeSigner {
        /// Serial number in hex; default: the demo document signer.
        #[arg(long)]
        serial: Option<String>,
    },
    /// Mark a document TIDAK AKTIF (superseded).
    Supersede {
        #[arg(long)]
        document_id: String,
    },
    /// List citizens, documents and kiosks.
    List,
    /// Create the state directory (PKI, database; with --demo the demo data) and exit.
    Init {
        #[arg(long)]
        demo: bool,
        /// Another name for the server certificate (as `serve --server-name`).
        #[arg(long = "server-name")]
        server_names: Vec<String>,
    },
    /// Write every stored PDF to <out>/<document id>.pdf (e.g. to validate with pyHanko).
    ExportDocuments {
        #[arg(long)]
        out: PathBuf,
    },
    /// Serve a tampered copy of a document from now on (signature no longer valid; the
    /// listing's checksum is updated so only signature checks can notice).
    Tamper {
        #[arg(long)]
        document_id: String,
    },
}

fn pin_from_env(var: &str) -> anyhow::Result<String> {
    std::env::var(var).with_context(|| format!("environment variable {var} is not set"))
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let state = StateDir::new(cli.state_dir.clone());
    match cli.command {
        Command::Serve {
            demo,
            port,
            bind,
            session_ttl_secs,
            sign_ins_per_minute,
            requests_per_minute,
            verifies_per_minute,
            reprints,
            wrong_pins_per_nik_per_hour,
            metrics_bind,
            print_lease_mins,
            notice_max_valid_days,
            server_names,
        } => {
            let opts = ServerOptions {
                demo,
                session_ttl: Duration::from_secs(session_ttl_secs.max(1)),
                limits: Limits { sign_ins_per_minute, requests_per_minute, verifies_per_minute },
                pins: PinPolicy { wrong_per_hour: wrong_pins_per_nik_per_hour.max(1), ..PinPolicy::default() },
                clock: adm_central::clock::Clock::system(),
                print_lease: Duration::from_secs(print_lease_mins.max(1).saturating_mul(60)),
                notice_max_validity: Duration::from_secs(notice_max_valid_days.max(1).saturating_mul(86_400)),
                reprints,
                extra_server_names: server_names,
            };
            let prepared = server::prepare(&state, &opts).context("preparing state")?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(SocketAddr::new(bind, port)).await.context("binding")?;
                let addr = listener.local_addr()?;
                let metrics_listener = adm_central::metrics::bind(metrics_bind).await?;
                let (tx, rx) = tokio::sync::watch::channel(false);
                tokio::spawn(adm_central::metrics::serve(metrics_listener, prepared.metrics(), rx.clone()));
                tokio::spawn(async move {
                    let _ = tokio::signal::ctrl_c().await;
                    let _ = tx.send(true);
                });
                tracing::info!(url = %server::base_url(addr), state_dir = %cli.state_dir.display(), "serving");
                // Scripts wait for this line on stdout.
                println!("listening on {}", server::base_url(addr));
                server::run(prepared, listener, rx).await;
                anyhow::Ok(())
            })?;
        }
        Command::PublishUpdate { bundle, version } => {
            let offer = adm_central::updates::UpdateStore::new(state.updates()).publish(&bundle, &version)?;
            println!("published {} ({} bytes, sha256 {})", offer.version, offer.size, offer.sha256);
        }
        Command::AddCitizen { nik, name, kk, sex, birth_place, birth_date, address, relation, pin_env } => {
            let pin = pin_env.as_deref().map(pin_from_env).transpose()?;
            Admin::open(state)?.add_citizen(&NewCitizen {
                nik,
                name,
                kk,
                sex,
                birth_place,
                birth_date,
                address,
                relation,
                pin,
            })?;
            println!("citizen added");
        }
        Command::AddDocument { owner_nik, kind, number, issued, prints_allowed, lines } => {
            let mut extra = Vec::new();
            for line in lines {
                let Some((l, v)) = line.split_once('=') else { bail!("--line must be Label=Value") };
                extra.push((l.to_owned(), v.to_owned()));
            }
            let id = Admin::open(state)?.add_document(&NewDocument {
                id: None,
                kind,
                number,
                issued,
                owner_nik,
                prints_allowed,
                verify_code: None,
                extra,
                active: true,
            })?;
            println!("{id}");
        }
        Command::AddNotice { nik, pin_env, valid_days, uses, documents } => {
            let admin = Admin::open(state)?;
            let pin = pin_from_env(&pin_env)?;
            let code = admin.issue_notice(&NoticeRequest {
                nik: &nik,
                pin: &pin,
                code: None,
                valid_for: Duration::from_secs(valid_days.saturating_mul(86_400)),
                uses,
                documents: &documents,
            })?;
            println!("{}", admin.notice_payload(&code)?);
        }
        Command::RevokeNotice { code } => {
            Admin::open(state)?.revoke_notice(&code)?;
            println!("revoked");
        }
        Command::ResetPin { nik, pin_env } => {
            Admin::open(state)?.reset_pin(&nik, &pin_from_env(&pin_env)?)?;
            println!("PIN reset");
        }
        Command::Unlock { nik } => {
            Admin::open(state)?.unlock(&nik)?;
            println!("unlocked");
        }
        Command::PinStatus { nik } => {
            let s = Admin::open(state)?.pin_status(&nik)?;
            println!(
                "wrong PINs in this round: {}, lockouts: {}, wrong PINs in the last hour: {}, locked for: {} s",
                s.failures, s.lockouts, s.wrong_last_hour, s.locked_for
            );
        }
        Command::IssueKiosk { kiosk_id, out } => {
            let issued = Admin::open(state)?.issue_kiosk(&kiosk_id)?;
            std::fs::create_dir_all(&out)?;
            std::fs::write(out.join(format!("{kiosk_id}.crt")), issued.cert_pem)?;
            let key = out.join(format!("{kiosk_id}.key"));
            adm_central::private_file::write(&key, issued.key_pem.as_bytes())
                .with_context(|| format!("writing {}", key.display()))?;
            println!("{}", issued.fingerprint);
        }
        Command::RevokeKiosk { kiosk_id } => {
            Admin::open(state)?.revoke_kiosk(&kiosk_id)?;
            println!("revoked");
        }
        Command::RevokeSigner { serial } => {
            let revoked = adm_central::revocation::revoke_signer(&state.pki(), serial.as_deref())?;
            println!("revoked signer {revoked}");
        }
        Command::Supersede { document_id } => {
            Admin::open(state)?.supersede_document(&document_id)?;
            println!("superseded");
        }
        Command::Init { demo, server_names } => {
            state.init(&adm_central::admin::server_names(&server_names), demo)?;
            println!("initialised {}", cli.state_dir.display());
        }
        Command::ExportDocuments { out } => {
            let admin = Admin::open(state)?;
            std::fs::create_dir_all(&out)?;
            for d in admin.documents()? {
                let pdf = admin.document_pdf(&d.id)?;
                std::fs::write(out.join(format!("{}.pdf", d.id)), pdf)?;
                println!("{}", d.id);
            }
        }
        Command::Tamper { document_id } => {
            Admin::open(state)?.tamper_document(&document_id)?;
            println!("tampered");
        }
        Command::List => {
            let admin = Admin::open(state)?;
            println!("citizens (NIK, name, KK, locked, has PIN):");
            for c in admin.citizens()? {
                println!("  {}  {:<20} {}  locked={} pin={}", c.nik, c.name, c.kk, c.locked, c.has_pin);
            }
            println!("documents (id, kind, number, owner, status, prints allowed, verify code):");
            for d in admin.documents()? {
                println!(
                    "  {}  {:<16} {:<26} {}  {:<11} {}  {}",
                    d.id, d.kind, d.number, d.owner_nik, d.status, d.prints_allowed, d.verify_code
                );
            }
            println!("kiosks (id, revoked):");
            for (id, revoked) in admin.kiosks()? {
                println!("  {id}  revoked={revoked}");
            }
            println!("flagged print reports (report, kiosk, document, kiosk time, reason):");
            for r in admin.flagged_reports()? {
                println!("  {}  {}  {}  {}  {}", r.report_id, r.kiosk_id, r.document_id, r.at, r.flag);
            }
        }
    }
    Ok(())
}
