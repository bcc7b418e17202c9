//! `adm-kiosk doctor`: the readiness report as JSON lines, for SSH sessions and fleet
//! tooling. Same checks as the maintenance screen ([`super::checks::run_all`]).
//!
//! Output, one JSON object per line:
//! ```text
//! {"check":"a4_printer","ok":true,"detail":"…"}
//! …
//! {"ready":false,"failing":["camera"]}
//! ```

use std::io::{self, Write};

use serde::Serialize;

use super::checks::{CheckContext, CheckResult, json_line, run_all};
use crate::config::Config;
use crate::devices::Devices;

#[derive(Serialize)]
struct Summary<'a> {
    ready: bool,
    failing: Vec<&'a str>,
}

/// Runs every check and prints the report; returns whether the kiosk is ready (the CLI
/// exits non-zero when it is not).
pub async fn doctor(ctx: &CheckContext, out: &mut dyn Write) -> io::Result<bool> {
    let results = run_all(ctx).await;
    write_report(&results, out)
}

/// Prints already-run results in the doctor's format; returns whether all passed.
pub fn write_report(results: &[CheckResult], out: &mut dyn Write) -> io::Result<bool> {
    for r in results {
        writeln!(out, "{}", json_line(r))?;
    }
    let failing: Vec<&str> = results.iter().filter(|r| !r.ok).map(|r| r.id.code()).collect();
    let ready = failing.is_empty();
    writeln!(out, "{}", json_line(&Summary { ready, failing }))?;
    out.flush()?;
    Ok(ready)
}

/// The check context for a configured kiosk ([`CheckContext::from_config`]). An
/// unreadable client certificate is not an error here: it is reported as the failing
/// `tls_certificate` check, by name, like every other problem.
pub fn context_for(config: &Config, devices: &Devices) -> io::Result<CheckContext> {
    Ok(CheckContext::from_config(config, devices))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::central::CentralError;
    use crate::central::remote::RemoteCentral;
    use crate::maintenance::checks::{ClientCert, ClockCheck};
    use crate::maintenance::testkit::{FakeCentral, kiosk};

    fn lines(out: &[u8]) -> Vec<serde_json::Value> {
        let text = std::str::from_utf8(out).expect("utf-8");
        text.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
    }

    /// End to end against the reference server over real mutual TLS, with the demo
    /// kiosk's real certificate.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_healthy_kiosk_is_ready() {
        let demo = adm_central::demo::spawn(Default::default()).expect("reference server");
        let state = tempfile::tempdir().expect("tmp");
        let central = RemoteCentral::new(demo.client_config(), &state.path().join("outbox.sqlite")).expect("client");
        let (mut ctx, _controls) = kiosk(Arc::new(central), true);
        ctx.client_cert = ClientCert::Pem(demo.kiosk_cert_pem.clone().into_bytes());
        ctx.disk_path = state.path().join("outbox.sqlite");
        let mut out = vec![];
        assert!(doctor(&ctx, &mut out).await.expect("written"), "{}", String::from_utf8_lossy(&out));
        let lines = lines(&out);
        assert_eq!(lines.len(), 9);
        assert_eq!(lines[0]["check"], "a4_printer");
        assert!(lines[3]["detail"].as_str().is_some_and(|d| d.starts_with("reachable over mutual TLS")), "{lines:?}");
        assert!(lines[4]["detail"].as_str().is_some_and(|d| d.starts_with("valid until")), "{lines:?}");
        assert_eq!(lines[8], serde_json::json!({ "ready": true, "failing": [] }));
    }

    #[tokio::test]
    async fn failing_checks_are_named_and_the_kiosk_is_not_ready() {
        let (ctx, controls) = kiosk(Arc::new(FakeCentral(Err(CentralError::KioskRefused))), false);
        controls.a4.inject(adm_a4::sim::SimFault::Unplugged);
        let mut out = vec![];
        assert!(!doctor(&ctx, &mut out).await.expect("written"));
        let lines = lines(&out);
        assert_eq!(
            lines[3],
            serde_json::json!({
                "check": "central_server", "ok": false, "detail": "kiosk not authorised by the central server"
            })
        );
        assert_eq!(
            lines.last().cloned(),
            Some(serde_json::json!({ "ready": false, "failing": ["a4_printer", "camera", "central_server"] }))
        );
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.ends_with("{\"ready\":false,\"failing\":[\"a4_printer\",\"camera\",\"central_server\"]}\n"));
    }

    #[test]
    fn demo_configuration_skips_the_clock_and_the_certificate() {
        let (ctx, _c) = kiosk(Arc::new(FakeCentral(Ok(std::time::Duration::ZERO))), true);
        let devices = Devices {
            central: ctx.central.clone(),
            a4: ctx.a4.clone(),
            receipt: ctx.receipt.clone(),
            receipt_width: adm_thermal::PaperWidth::Mm80,
            camera: ctx.camera.clone(),
            decoder: Arc::new(crate::scan::bounded::Bounded::new(
                crate::scan::zxing::ZxingDecoder,
                crate::scan::bounded::DEFAULT_DEADLINE,
            )),
            trust: Arc::default(),
            crls: Arc::default(),
            clock_floor: Arc::new(crate::clock_floor::ClockFloor::load(None)),
            sim_a4: None,
            paper: Arc::new(crate::devices::paper::PaperCounter::load(None)),
        };
        let demo = context_for(&Config::default(), &devices).expect("context");
        assert_eq!((&demo.client_cert, demo.clock_check), (&ClientCert::Demo, ClockCheck::Skip));
        let mut real = Config::default();
        real.server.url = "https://siak.example.go.id".into();
        real.server.client_cert = Some("/nonexistent/kiosk.crt".into());
        let ctx = context_for(&real, &devices).expect("context");
        assert_eq!(ctx.clock_check, ClockCheck::System);
        let cert = crate::maintenance::checks::tls_certificate(&ctx.client_cert, std::time::SystemTime::now());
        assert!(!cert.ok && cert.detail.starts_with("/nonexistent/kiosk.crt: "), "{cert:?}");
    }
}
