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
    Demo {
        /// Play a scripted journey without a display; write a PNG of every screen.
        #[arg(long)]
        headless: bool,
        /// Where screenshots and printed output go.
        #[arg(long, default_value = "demo-output")]
        out: PathBuf,
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
    /// Decode QR codes in images; one JSON line per image.
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
            anyhow::ensure!(
                cfg.server.url == "demo",
                "this build talks to the reference server only (server.url = \"demo\"); the real client lands with the central-API work"
            );
            adm_kiosk::demo::run_window(cfg, PathBuf::from("/run/adm-kiosk/sim"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { headless: false, out } => {
            adm_kiosk::demo::run_window(Config::default(), out.join("printed"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { headless: true, out } => {
            let report = adm_kiosk::demo::run_headless(Config::default(), &out)?;
            for s in &report.screens {
                println!("screen  {}", s.display());
            }
            for p in &report.printed {
                println!("printed {}", p.display());
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
        Command::QrDecode { paths } => Ok(if adm_kiosk::scan::cli::qr_decode(&paths, &mut std::io::stdout())? {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }),
    }
}
