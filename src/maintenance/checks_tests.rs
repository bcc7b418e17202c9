use std::sync::Arc;
use std::time::{Duration, SystemTime};

use adm_a4::{A4Printer, JobProgress, PrintError, PrintJob, PrinterStatus};

use super::*;
use crate::central::CentralError;
use crate::devices::shared;
use crate::maintenance::testkit::{FakeCentral, healthy_central, kiosk};

fn verdicts(results: &[CheckResult]) -> Vec<(&'static str, bool)> {
    results.iter().map(|r| (r.id.code(), r.ok)).collect()
}

#[tokio::test]
async fn a_healthy_kiosk_passes_every_check_in_order() {
    let (ctx, _controls) = kiosk(healthy_central(), true);
    let results = run_all(&ctx).await;
    assert_eq!(results.iter().map(|r| r.id).collect::<Vec<_>>(), CheckId::ALL);
    assert!(results.iter().all(|r| r.ok), "{results:#?}");
    assert_eq!(results[3].detail, "reachable over mutual TLS, 12 ms");
    assert_eq!(results[7].detail, env!("CARGO_PKG_VERSION"));
    assert_eq!(results[3].finding, Finding::Reachable { rtt_ms: 12 });
    assert_eq!(results[7].finding, Finding::Version(env!("CARGO_PKG_VERSION").into()));
}

#[tokio::test]
async fn faults_fail_their_own_check_only() {
    let central = Arc::new(FakeCentral(Err(CentralError::Unreachable)));
    let (ctx, controls) = kiosk(central, false);
    controls.a4.inject(adm_a4::sim::SimFault::CoverOpen);
    controls.receipt.inject(adm_thermal::sim::SimFault::PaperOut);
    let results = run_all(&ctx).await;
    let failing: Vec<_> = results.iter().filter(|r| !r.ok).map(|r| r.id.code()).collect();
    assert_eq!(failing, ["a4_printer", "receipt_printer", "camera", "central_server"]);
    assert!(results[0].detail.contains("CoverOpen") && results[0].detail.contains("cover-open-error"), "{results:?}");
    assert_eq!(results[1].detail, "paper out");
    assert_eq!(results[2].detail, "camera disconnected");
    assert_eq!(results[3].detail, "central server unreachable");
    // The screen gets values, not the English detail: the fault once (not again as a
    // reason keyword), and each device's state as a value.
    let Finding::A4 { state, notes, .. } = &results[0].finding else { panic!("{results:?}") };
    assert_eq!(*state, PrinterState::NeedsAttention(adm_a4::Attention::CoverOpen));
    assert!(!notes.contains(&A4Note::CoverOpen), "{notes:?}");
    assert_eq!(results[1].finding, Finding::Receipt(ReceiptStatus::PaperOut));
    assert_eq!(results[2].finding, Finding::CameraMissing);
    assert_eq!(results[3].finding, Finding::Unreachable);
}

#[test]
fn a4_notes_name_reasons_and_supplies_once_without_the_state_again() {
    let mut status = PrinterStatus::new(
        PrinterState::NeedsAttention(adm_a4::Attention::CoverOpen),
        ["none", "cover-open-error", "media-low-warning", "media-low-report", "toner-low", "spool-area-full-report"]
            .map(String::from)
            .to_vec(),
        "HP LaserJet",
    );
    status.markers = vec![
        adm_a4::Marker { name: "Black".into(), level_percent: Some(8), low_percent: Some(10), ..Default::default() },
        adm_a4::Marker { name: "Waste".into(), level_percent: None, ..Default::default() },
        adm_a4::Marker { name: "Cyan".into(), level_percent: Some(80), low_percent: Some(10), ..Default::default() },
    ];
    assert_eq!(
        a4_notes(&status),
        [
            A4Note::PaperLow,
            A4Note::TonerLow,
            A4Note::Other("spool-area-full".into()),
            A4Note::Supply { name: "Black".into(), level_percent: 8, low: true },
            A4Note::Supply { name: "Cyan".into(), level_percent: 80, low: false },
        ]
    );
}

#[tokio::test]
async fn paper_near_end_is_a_warning_not_a_failure() {
    let (ctx, controls) = kiosk(healthy_central(), true);
    controls.receipt.inject(adm_thermal::sim::SimFault::PaperNearEnd);
    let results = run_all(&ctx).await;
    assert_eq!((results[1].ok, results[1].detail.as_str()), (true, "ready, paper near end"));
}

/// A printer whose status request never comes back (a wedged USB endpoint).
struct HungPrinter;

impl A4Printer for HungPrinter {
    fn status(&mut self) -> Result<PrinterStatus, PrintError> {
        std::thread::sleep(Duration::from_secs(2));
        Err(PrintError::Io("too late".into()))
    }
    fn print(&mut self, _: &PrintJob, _: &mut dyn FnMut(JobProgress)) -> Result<u32, PrintError> {
        Err(PrintError::Io("hung".into()))
    }
}

#[tokio::test]
async fn a_hung_device_fails_after_the_deadline_without_holding_up_the_rest() {
    let (mut ctx, _controls) = kiosk(healthy_central(), true);
    ctx.a4 = shared(Box::new(HungPrinter));
    ctx.device_deadline = Duration::from_millis(200);
    let started = std::time::Instant::now();
    let results = run_all(&ctx).await;
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
    assert_eq!(verdicts(&results)[0], ("a4_printer", false));
    assert_eq!(results[0].detail, "no answer within 200 ms");
    assert_eq!(results[0].finding, Finding::NoAnswer(Duration::from_millis(200)));
    assert!(results[1..].iter().all(|r| r.ok), "{results:#?}");
}

/// A camera just opened: no frame for its first `misses` asks, then frames.
struct FirstFrameLate {
    misses: u8,
}

impl adm_camera::FrameSource for FirstFrameLate {
    fn next_frame(&mut self) -> Result<adm_camera::GreyFrame, adm_camera::CameraError> {
        if self.misses > 0 {
            self.misses -= 1;
            std::thread::sleep(Duration::from_millis(100));
            return Err(adm_camera::CameraError::Timeout);
        }
        Ok(adm_camera::GreyFrame { width: 640, height: 480, data: vec![0; 640 * 480] })
    }
}

#[tokio::test]
async fn a_camera_slow_to_give_its_first_frame_is_waited_for_within_the_deadline() {
    let (mut ctx, _controls) = kiosk(healthy_central(), true);
    ctx.camera = shared(Box::new(FirstFrameLate { misses: 5 }));
    ctx.device_deadline = Duration::from_secs(3);
    let results = run_all(&ctx).await;
    assert_eq!((results[2].ok, results[2].detail.as_str()), (true, "frame 640x480"), "{results:#?}");
    assert_eq!(results[2].finding, Finding::CameraFrame { width: 640, height: 480 });
    // Never a frame: not ready, and the check still ends by its deadline.
    ctx.camera = shared(Box::new(FirstFrameLate { misses: u8::MAX }));
    ctx.device_deadline = Duration::from_millis(600);
    let started = std::time::Instant::now();
    let results = run_all(&ctx).await;
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
    assert_eq!(verdicts(&results)[2], ("camera", false));
}

/// A self-signed certificate valid until `year`-01-01.
fn cert_until(year: i32) -> Vec<u8> {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["adm-demo-001".into()]).expect("params");
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(year, 1, 1);
    params.self_signed(&key).expect("cert").pem().into_bytes()
}

fn at(year: i32, month: u8, day: u8) -> SystemTime {
    let secs = rcgen::date_time_ymd(year, month, day).unix_timestamp();
    SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).expect("after 1970"))
}

#[test]
fn certificate_expiry_is_checked_30_days_ahead() {
    let pem = cert_until(2030);
    let ok = tls_certificate(&ClientCert::Pem(pem.clone()), at(2029, 6, 1));
    assert_eq!((ok.ok, ok.detail.as_str()), (true, "valid until 2030-01-01 (214 days left)"));
    let soon = tls_certificate(&ClientCert::Pem(pem.clone()), at(2029, 12, 20));
    assert_eq!((soon.ok, soon.detail.as_str()), (false, "expires on 2030-01-01, 12 day(s) left: renew now"));
    let expired = tls_certificate(&ClientCert::Pem(pem.clone()), at(2030, 2, 1));
    assert_eq!((expired.ok, expired.detail.as_str()), (false, "expired on 2030-01-01"));
    assert_eq!(soon.finding, Finding::CertRenewSoon { until: "2030-01-01".into(), days_left: 12 });
    assert_eq!(expired.finding, Finding::CertExpired { until: "2030-01-01".into() });
    // A chain file: the kiosk's own certificate comes first.
    let mut chain = pem.clone();
    chain.extend_from_slice(&cert_until(2040));
    assert!(!tls_certificate(&ClientCert::Pem(chain), at(2029, 12, 20)).ok);
}

#[test]
fn demo_and_unreadable_certificates() {
    let demo = tls_certificate(&ClientCert::Demo, SystemTime::now());
    assert_eq!((demo.ok, demo.detail.as_str()), (true, "demo certificate"));
    let missing = tls_certificate(&ClientCert::Unreadable("kiosk.crt: not found".into()), SystemTime::now());
    assert_eq!((missing.ok, missing.detail.as_str()), (false, "kiosk.crt: not found"));
    for junk in [&b""[..], b"not a certificate", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] {
        assert!(!tls_certificate(&ClientCert::Pem(junk.to_vec()), SystemTime::now()).ok);
    }
}

#[test]
fn disk_needs_500_mb_and_5_percent_free() {
    let gb = 1_000_000_000;
    assert!(disk_verdict(10 * gb, 100 * gb).ok);
    assert_eq!(disk_verdict(10 * gb, 100 * gb).detail, "10.0 GB free of 100.0 GB (10 %)");
    assert_eq!(
        disk_verdict(10 * gb, 100 * gb).finding,
        Finding::Disk { free_bytes: 10 * gb, total_bytes: 100 * gb, percent: 10 }
    );
    assert_eq!(gb_number(67_549_999_999), "67.5");
    assert!(!disk_verdict(400_000_000, 2 * gb).ok, "below 500 MB");
    assert!(!disk_verdict(4 * gb, 100 * gb).ok, "below 5 %");
    assert!(!disk_verdict(0, 0).ok);
}

#[tokio::test]
async fn disk_check_reads_the_file_system_of_a_file_not_yet_created() {
    let (mut ctx, _controls) = kiosk(healthy_central(), true);
    ctx.disk_path = std::env::temp_dir().join("no-such-folder/outbox.sqlite");
    ctx.disk_reading = crate::telemetry::vitals::free_space;
    let result = &run_all(&ctx).await[5];
    assert!(result.detail.contains("GB free of"), "{result:?}");
}

#[test]
fn clock_verdicts() {
    assert!(clock_verdict(Some("yes"), false).ok);
    assert!(clock_verdict(None, true).ok);
    assert!(clock_verdict(Some("no"), true).ok, "timesyncd's flag is enough");
    assert_eq!(clock_verdict(Some("no"), false).detail, "not synchronised (NTP)");
    let unknown = clock_verdict(None, false);
    assert_eq!((unknown.ok, unknown.detail.as_str()), (false, "cannot tell whether the clock is synchronised"));
}

#[test]
fn json_lines_name_each_check() {
    let results = [
        CheckResult::new(CheckId::Disk, true, Finding::Failed, "1.0 GB free"),
        CheckResult::new(CheckId::Camera, false, Finding::CameraMissing, "say \"hi\""),
    ];
    assert_eq!(
        report_json_lines(&results),
        concat!(
            r#"{"check":"disk","ok":true,"detail":"1.0 GB free"}"#,
            "\n",
            r#"{"check":"camera","ok":false,"detail":"say \"hi\""}"#,
            "\n"
        )
    );
}
