//! `adm-lab-camera`: the lab image's virtual USB camera (see the library's docs).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "adm-lab-camera", about = "Virtual UVC camera over USB/IP for the kiosk's VM tests (lab image only)")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

const SOCKET: &str = "/run/adm-lab/camera.sock";

#[derive(Subcommand)]
enum Cmd {
    /// Load vhci-hcd, serve the camera over USB/IP on loopback and the control socket.
    Serve {
        #[arg(long, default_value = SOCKET)]
        socket: PathBuf,
        #[arg(long, default_value = "127.0.0.1:3240")]
        usbip: SocketAddr,
        /// Frames per second actually sent (the descriptors say 10).
        #[arg(long, default_value = "10")]
        fps: u32,
    },
    /// One control command: `status`, `plug`, `unplug`, `show FILE|blank`. Prints the
    /// camera's state as JSON (times in µs since the epoch).
    Ctl {
        #[arg(long, default_value = SOCKET)]
        socket: PathBuf,
        #[arg(required = true)]
        words: Vec<String>,
    },
    /// Writes a photographed-looking picture (PNG, 640×480) of a QR with `payload`.
    Synth {
        /// clean, perspective, blur, glare, phone, phone-dark or nocode.
        style: String,
        output: PathBuf,
        #[arg(long, default_value = "")]
        payload: String,
        #[arg(long, default_value = "1")]
        seed: u64,
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
            eprintln!("adm-lab-camera: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Cmd::Serve { socket, usbip, fps } => {
            adm_lab_camera::lab::serve(&socket, usbip, fps)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Ctl { socket, words } => {
            let reply = adm_lab_camera::lab::ctl(&socket, &words)
                .with_context(|| format!("control socket {}", socket.display()))?;
            println!("{reply}");
            Ok(if reply.starts_with("error") { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Cmd::Synth { style, output, payload, seed } => {
            let img = adm_lab_camera::synth::scene(&style, &payload, seed)?;
            img.save(&output).with_context(|| format!("writing {}", output.display()))?;
            println!("{style} (seed {seed}) written to {}", output.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
