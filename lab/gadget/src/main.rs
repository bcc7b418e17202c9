//! `adm-lab-gadget`: the lab image's virtual USB printers (see the library's docs).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "adm-lab-gadget", about = "Virtual USB printers for the kiosk's VM tests (lab image only)")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

const SOCKET: &str = "/run/adm-lab/control.sock";

#[derive(Subcommand)]
enum Cmd {
    /// Load dummy_hcd, create and plug in both printers, serve the control socket.
    Serve {
        /// Captures: a4.bin, receipt.bin, receipt-jobs/receipt-NNN.{bin,png}.
        #[arg(long, default_value = "/run/adm-lab")]
        state_dir: PathBuf,
        #[arg(long, default_value = SOCKET)]
        socket: PathBuf,
    },
    /// One control command: `status`, `mark`, `a4|receipt plug|unplug`,
    /// `ippusb plug [HOST:PORT]|unplug` (the IPP server the IPP-USB printer's HTTP goes to),
    /// `a4|receipt port ready|paper-empty|error|offline`, `receipt paper ok|near-end|out`,
    /// `receipt cover open|closed`. Prints the lab's state as JSON.
    Ctl {
        #[arg(long, default_value = SOCKET)]
        socket: PathBuf,
        #[arg(required = true)]
        words: Vec<String>,
    },
    /// Runs captured ESC/POS bytes through the thermal driver's strict interpreter and
    /// writes the picture (the test harness does this on the host).
    Render {
        input: PathBuf,
        output: PathBuf,
        /// Paper width in mm (58 or 80).
        #[arg(long, default_value = "80")]
        width: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("adm-lab-gadget: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Cmd::Serve { state_dir, socket } => {
            adm_lab_gadget::lab::serve(&state_dir, &socket)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Ctl { socket, words } => {
            let reply = adm_lab_gadget::lab::ctl(&socket, &words)
                .with_context(|| format!("control socket {}", socket.display()))?;
            println!("{reply}");
            Ok(if reply.starts_with("error") { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Cmd::Render { input, output, width } => {
            let width = adm_thermal::PaperWidth::from_mm(&width).context("--width must be 58 or 80")?;
            let bytes = std::fs::read(&input).with_context(|| format!("reading {}", input.display()))?;
            let picture = adm_thermal::render::render(&bytes, width)
                .map_err(|e| anyhow::anyhow!("{}: not valid ESC/POS: {e}", input.display()))?;
            picture.save(&output).with_context(|| format!("writing {}", output.display()))?;
            println!(
                "{} bytes of ESC/POS rendered to {} ({}x{})",
                bytes.len(),
                output.display(),
                picture.width(),
                picture.height()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
