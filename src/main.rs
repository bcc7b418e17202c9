//! `adm-kiosk`: the kiosk firmware's one binary.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use adm_kiosk::config::{self, Config};

#[derive(Parser)]
#[command(name = "adm-kiosk", version, about = "Anjungan Dukcapil Mandiri kiosk firmware")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the kiosk with its configuration file.
    Run {
        #[arg(long, default_value = config::DEFAULT_PATH)]
        config: PathBuf,
    },
    /// Run the kiosk on embedded defaults: demo citizens, simulated printers and camera.
    #[cfg(feature = "demo")]
    Demo {
        /// Play a scripted journey without a display; write a PNG of every screen.
        #[arg(long)]
        headless: bool,
        /// Where screenshots and printed output go.
        #[arg(long, default_value = "demo-output")]
        out: PathBuf,
        /// Serve OpenMetrics on this loopback address.
        #[arg(long)]
        metrics: Option<String>,
        /// With --headless: instead of the scripted journey, keep the kiosk running idle for
        /// this many seconds (fleet tests).
        #[arg(long)]
        hold: Option<u64>,
        /// With --headless: each screen once, 1080x1920, default display, unchecked (the VM
        /// suites' reference screens); not every size and display mode.
        #[arg(long)]
        default_screens_only: bool,
    },
    /// Write the exact ESC/POS bytes the kiosk would send for a sample layout.
    ReceiptSample {
        #[arg(long, value_parser = ["receipt", "pickup", "label", "test"])]
        kind: String,
        /// Paper width in mm.
        #[arg(long, default_value = "80", value_parser = ["58", "80"])]
        width: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify the electronic signature (TTE) of PDFs; one JSON line per file. Exits 0 only
    /// if every file is valid.
    VerifyPdf {
        /// Trust anchor certificates (PEM); nothing else is trusted.
        #[arg(long = "trust", required = true)]
        trust: Vec<PathBuf>,
        /// Certificate revocation lists (PEM or DER), repeatable; each counts only if the
        /// issuer of a certificate on the signer's path signed it.
        #[arg(long = "crl")]
        crl: Vec<PathBuf>,
        /// Password that opens encrypted PDFs (the notice PIN).
        #[arg(long)]
        password: Option<String>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run every readiness check; one JSON line per check. Exits non-zero, naming the
    /// failing checks, when the kiosk is not ready.
    Doctor {
        #[arg(long, default_value = config::DEFAULT_PATH)]
        config: PathBuf,
    },
    /// The screen of a kiosk that has not been provisioned (no configuration, no kiosk
    /// certificate): says so in Bahasa Indonesia, with the version. The kiosk image runs
    /// this when /etc/adm-kiosk/kiosk.toml is missing.
    Unprovisioned {
        /// Render the screen headless into this PNG and exit (the VM tests' reference).
        #[cfg(feature = "demo")]
        #[arg(long)]
        snapshot: Option<PathBuf>,
    },
    /// Hash a technician PIN (read from standard input) for `[[technicians]]` in the config.
    TechnicianHash,
    /// List the USB printers this kiosk can see, one JSON line each, with the `printers.a4`
    /// address that selects each.
    Printers,
    /// Print a PDF (or the A4 test page) on a printer; JSON lines of progress and outcome.
    PrintTest {
        /// `ipp://host:port/path`, `ipps://…`, `usb://VID:PID[/serial]` or `sim:`.
        #[arg(long)]
        printer: String,
        file: Option<PathBuf>,
    },
    /// Print the receipt printer's test page on a USB receipt printer; JSON lines of its
    /// status and identity, then the outcome (the technician's check of a new printer).
    ReceiptTest {
        /// `usb://VID:PID`, as `printers.receipt` in the configuration.
        #[arg(long)]
        printer: String,
        /// Paper width in mm.
        #[arg(long, default_value = "80")]
        width: String,
    },
    /// Decode QR codes in images; one JSON line per image. Folders are searched
    /// recursively for image files; finding no image at all is an error.
    QrDecode {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    adm_kiosk::telemetry::log::init("info");
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("adm-kiosk: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run { config } => {
            let cfg = Config::load(&config).with_context(|| format!("configuration {}", config.display()))?;
            adm_kiosk::app::run(cfg, Some(config))?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "demo")]
        Command::Demo { headless: true, metrics: Some(metrics), hold: Some(seconds), .. } => {
            adm_kiosk::demo::run_hold(Config::default(), metrics, seconds)?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "demo")]
        Command::Demo { headless: false, out, metrics, .. } => {
            let config = Config { sim_output: Some(out.join("printed")), metrics_listen: metrics, ..Config::default() };
            adm_kiosk::demo::run_window(config)?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "demo")]
        Command::Demo { headless: true, out, default_screens_only, .. } => {
            use adm_kiosk::demo::Coverage;
            let coverage = if default_screens_only { Coverage::DefaultScreens } else { Coverage::Full };
            let report = adm_kiosk::demo::run_headless_with(Config::default(), &out, coverage)?;
            for s in &report.screens {
                println!("screen  {}", s.display());
            }
            for p in &report.printed {
                println!("printed {}", p.display());
            }
            for w in &report.speech.files {
                println!("speech  {}", w.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::ReceiptSample { kind, width, out } => {
            let width = adm_thermal::PaperWidth::from_mm(&width).context("--width must be 58 or 80")?;
            let kind: adm_thermal::samples::SampleKind = kind.parse().map_err(|e| anyhow::anyhow!("--kind: {e}"))?;
            let bytes = adm_thermal::samples::sample(kind, width);
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("{} bytes of ESC/POS written to {}", bytes.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::VerifyPdf { trust, crl, password, files } => {
            let ok =
                adm_kiosk::document::cli::verify_cli(&trust, &crl, password.as_deref(), &files, &mut std::io::stdout());
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        #[cfg(feature = "demo")]
        Command::Unprovisioned { snapshot: Some(path) } => {
            adm_kiosk::unprovisioned::snapshot(&path)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Unprovisioned { .. } => {
            adm_kiosk::unprovisioned::run()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor { config } => {
            let cfg = Config::load(&config).with_context(|| format!("configuration {}", config.display()))?;
            let ready = adm_kiosk::app::doctor(&cfg, &mut std::io::stdout())?;
            Ok(if ready { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::TechnicianHash => {
            let mut pin = String::new();
            std::io::stdin().read_line(&mut pin).context("reading the PIN from standard input")?;
            let hash = adm_kiosk::maintenance::auth::hash_pin(pin.trim()).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{hash}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Printers => {
            let found = adm_a4::usb::enumerate_printers().map_err(|e| anyhow::anyhow!("USB: {e}"))?;
            for p in &found {
                println!("{}", adm_a4::usb::list::describe(p));
            }
            println!("{}", serde_json::json!({"event": "done", "usb_printers": found.len()}));
            Ok(ExitCode::SUCCESS)
        }
        Command::PrintTest { printer, file } => {
            let pdf = match &file {
                Some(f) => std::fs::read(f).with_context(|| format!("reading {}", f.display()))?,
                None => adm_kiosk::document::test_page::pdf(),
            };
            let pages = adm_kiosk::document::count_pages(&pdf).unwrap_or(1);
            // True scale, as citizens' documents are printed.
            let mut device = adm_a4::open(&printer, &adm_kiosk::app::a4_options(&Config::default()))?;
            let job = adm_a4::PrintJob::new("print-test", pdf, pages);
            let ok = adm_a4::print_test(device.as_mut(), &job, &mut std::io::stdout());
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::ReceiptTest { printer, width } => receipt_test(&printer, &width),
        Command::QrDecode { paths } => Ok(if adm_kiosk::scan::cli::qr_decode(&paths, &mut std::io::stdout())? {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }),
    }
}

/// `adm-kiosk receipt-test`: the receipt test page through the real device layer (status
/// polling, partial writes, `GS ( H` confirmation).
fn receipt_test(printer: &str, width: &str) -> anyhow::Result<ExitCode> {
    use adm_thermal::ReceiptPrinter;
    use adm_thermal::transport::Transport;
    let width = adm_thermal::PaperWidth::from_mm(width).context("--width must be 58 or 80")?;
    let (vid, pid) = match printer.parse::<adm_a4::PrinterUri>() {
        Ok(adm_a4::PrinterUri::Usb { vid, pid, .. }) => (vid, pid),
        _ => anyhow::bail!("--printer must be usb://VID:PID"),
    };
    let device = adm_thermal::device::DeviceConfig { width, ..Default::default() };
    let mut p = adm_thermal::usb::usb_printer(adm_thermal::usb::UsbConfig { vid: Some(vid), pid: Some(pid) }, device);
    let status = p.status();
    // Identified before the page is laid out: the page names the model it prints on.
    let caps = p.identify().unwrap_or_default();
    println!(
        "{}",
        serde_json::json!({
            "event": "status",
            "printer": p.transport().describe(),
            "status": status.as_ref().map(|s| format!("{s:?}")).unwrap_or_else(|e| e.to_string()),
        })
    );
    // The kiosk's name and place when this machine is provisioned.
    let config = Config::load(std::path::Path::new(config::DEFAULT_PATH)).unwrap_or_default();
    let unknown = |s: Option<String>| s.unwrap_or_else(|| "-".to_owned());
    let page = adm_thermal::layout::TestPageData {
        lang: adm_thermal::Language::Id,
        kiosk_id: config.kiosk_id.clone(),
        site: config.site.clone(),
        printed_at: chrono::Local::now().format("%Y-%m-%d %H:%M").to_string(),
        model: unknown(caps.model.clone()),
        firmware: unknown(caps.firmware.clone()),
        counters: vec![],
        qr_payload: format!("{} TEST", config.kiosk_id),
    };
    let bytes = adm_thermal::layout::test_page(&page, width);
    let t0 = std::time::Instant::now();
    let printed = p.print(&bytes);
    let after = p.status().map(|s| format!("{s:?}")).unwrap_or_else(|e| e.to_string());
    println!(
        "{}",
        serde_json::json!({
            "event": if printed.is_ok() { "printed" } else { "failed" },
            "bytes": bytes.len(),
            "ms": t0.elapsed().as_millis(),
            "error": printed.as_ref().err().map(|e| e.to_string()),
            "status_after": after,
            "model": caps.model,
            "firmware": caps.firmware,
            "confirms_prints": caps.process_id,
        })
    );
    Ok(if printed.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
