//! Tests of the registry, its bounded labels and the endpoint.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use super::server::IO_TIMEOUT;
use super::*;
use crate::session::event::SignInError;
use crate::session::{EndReason, Failure, Refusal};

/// One sample line: name, labels, value.
type Sample = (String, Vec<(String, String)>, f64);

/// Parses `name{labels} value` sample lines (no HELP/TYPE/UNIT/EOF).
fn samples(text: &str) -> Vec<Sample> {
    let mut out = vec![];
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (series, value) = line.rsplit_once(' ').expect("sample line has a value");
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => {
                let body = rest.strip_suffix('}').expect("closing brace");
                let labels = body
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|kv| {
                        let (k, v) = kv.split_once('=').expect("k=v");
                        (k.to_string(), v.trim_matches('"').to_string())
                    })
                    .collect();
                (n.to_string(), labels)
            }
            None => (series.to_string(), vec![]),
        };
        out.push((name, labels, value.parse::<f64>().expect("numeric value")));
    }
    out
}

fn value(text: &str, name: &str, label: Option<(&str, &str)>) -> f64 {
    samples(text)
        .into_iter()
        .find(|(n, l, _)| n == name && label.is_none_or(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v)))
        .unwrap_or_else(|| panic!("no sample {name} {label:?} in\n{text}"))
        .2
}

fn state_ones(text: &str, name: &str) -> Vec<String> {
    samples(text).into_iter().filter(|(n, _, v)| n == name && *v == 1.0).map(|(_, l, _)| l[0].1.clone()).collect()
}

#[test]
fn exposition_has_every_family_and_ends_with_eof() {
    let m = Metrics::new();
    // Values the kiosk has not measured yet are absent, not 0.
    let text = m.encode();
    for late in
        ["kiosk_outbox_backlog_records", "kiosk_tls_client_cert_expiry_timestamp_seconds", "kiosk_disk_free_bytes"]
    {
        assert!(!text.contains(late), "{late} exposed before it was known");
    }
    m.set_outbox(0, 0.0);
    m.set_cert_expiry(1_800_000_000);
    m.set_disk_free(1 << 30);
    let text = m.encode();
    for family in [
        "kiosk_heartbeat_timestamp_seconds",
        "kiosk_start_timestamp_seconds",
        "kiosk_build_info",
        "kiosk_a4_printer_state",
        "kiosk_a4_printer_state_reason",
        "kiosk_a4_pages_printed",
        "kiosk_documents_printed",
        "kiosk_receipts_printed",
        "kiosk_receipt_printer_state",
        "kiosk_sessions_started",
        "kiosk_sessions_ended",
        "kiosk_sign_in_failures",
        "kiosk_documents_refused",
        "kiosk_qr_decode_duration_seconds",
        "kiosk_central_request_duration_seconds",
        "kiosk_central_request_errors",
        "kiosk_outbox_backlog_records",
        "kiosk_outbox_oldest_age_seconds",
        "kiosk_tls_client_cert_expiry_timestamp_seconds",
        "kiosk_disk_free_bytes",
    ] {
        assert!(text.contains(&format!("# TYPE {family} ")), "missing family {family} in\n{text}");
    }
    // Counters exist at 0 from the start, so the first event is an increase.
    assert_eq!(value(&text, "kiosk_documents_refused_total", Some(("reason", "ownership"))), 0.0);
    assert_eq!(value(&text, "kiosk_sign_in_failures_total", Some(("reason", "wrong_pin"))), 0.0);
    assert!(text.ends_with("# EOF\n"));
    // Every metric of ours carries the kiosk_ prefix.
    assert!(samples(&text).iter().all(|(n, _, _)| n.starts_with("kiosk_")));
}

#[test]
fn methods_move_the_right_series() {
    let m = Metrics::new();
    m.heartbeat(1_700_000_000);
    m.build_info("1.2.3", "abcdef0");
    m.session_started();
    m.session_ended(EndReason::Completed.into());
    m.session_ended(EndReason::IdleTimeout.into());
    m.sign_in_failed(SignInFailure::WrongPin);
    m.sign_in_failed((&SignInError::Failure(Failure::UnknownCitizen)).into());
    m.document_refused(Refusal::Ownership.into());
    m.pages_printed(3);
    m.document_printed();
    m.receipt_printed();
    m.set_marker_level("#000000", 42);
    m.observe_qr_decode(0.02);
    m.observe_central_request("download", 0.3, true);
    m.observe_central_request("download", 8.0, false);
    m.set_outbox(4, 120.5);
    m.set_cert_expiry(1_800_000_000);
    m.set_disk_free(5_000_000_000);
    let t = m.encode();
    assert_eq!(value(&t, "kiosk_heartbeat_timestamp_seconds", None), 1_700_000_000.0);
    assert_eq!(value(&t, "kiosk_build_info", Some(("version", "1.2.3"))), 1.0);
    assert!(t.contains(r#"kiosk_build_info{version="1.2.3",commit="abcdef0"} 1"#));
    assert_eq!(samples(&t).iter().filter(|(n, _, _)| n == "kiosk_build_info").count(), 1);
    assert_eq!(value(&t, "kiosk_sessions_started_total", None), 1.0);
    assert_eq!(value(&t, "kiosk_sessions_ended_total", Some(("reason", "completed"))), 1.0);
    assert_eq!(value(&t, "kiosk_sessions_ended_total", Some(("reason", "idle_timeout"))), 1.0);
    assert_eq!(value(&t, "kiosk_sign_in_failures_total", Some(("reason", "wrong_pin"))), 1.0);
    assert_eq!(value(&t, "kiosk_sign_in_failures_total", Some(("reason", "unknown_citizen"))), 1.0);
    assert_eq!(value(&t, "kiosk_documents_refused_total", Some(("reason", "ownership"))), 1.0);
    assert_eq!(value(&t, "kiosk_a4_pages_printed_total", None), 3.0);
    assert_eq!(value(&t, "kiosk_documents_printed_total", None), 1.0);
    assert_eq!(value(&t, "kiosk_a4_marker_level_percent", Some(("color", "black"))), 42.0);
    assert_eq!(value(&t, "kiosk_qr_decode_duration_seconds_count", None), 1.0);
    assert_eq!(value(&t, "kiosk_central_request_duration_seconds_count", Some(("endpoint", "download"))), 2.0);
    assert_eq!(value(&t, "kiosk_central_request_errors_total", Some(("endpoint", "download"))), 1.0);
    assert_eq!(value(&t, "kiosk_outbox_backlog_records", None), 4.0);
    assert_eq!(value(&t, "kiosk_outbox_oldest_age_seconds", None), 120.5);
    assert_eq!(value(&t, "kiosk_tls_client_cert_expiry_timestamp_seconds", None), 1_800_000_000.0);
    assert_eq!(value(&t, "kiosk_disk_free_bytes", None), 5_000_000_000.0);
    m.set_outbox(0, 999.0);
    assert_eq!(value(&m.encode(), "kiosk_outbox_oldest_age_seconds", None), 0.0);
}

#[test]
fn state_sets_have_exactly_one_state_and_reasons_are_bounded() {
    let m = Metrics::new();
    let t = m.encode();
    assert_eq!(state_ones(&t, "kiosk_a4_printer_state"), ["disconnected"]);
    assert_eq!(state_ones(&t, "kiosk_receipt_printer_state"), ["disconnected"]);

    let reasons: Vec<String> =
        ["media-empty-error", "toner-low-warning", "vendor-secret-thing-report", "none", "Cover-Open"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    m.set_a4_state(A4State::MediaEmpty, &reasons);
    m.set_receipt_state(ReceiptState::PaperNearEnd);
    let t = m.encode();
    assert_eq!(state_ones(&t, "kiosk_a4_printer_state"), ["media_empty"]);
    assert_eq!(state_ones(&t, "kiosk_receipt_printer_state"), ["paper_near_end"]);
    let mut on = state_ones(&t, "kiosk_a4_printer_state_reason");
    on.sort();
    assert_eq!(on, ["cover-open", "media-empty", "other", "toner-low"]);

    // The paper is back: reasons clear, state flips.
    m.set_a4_state(A4State::Idle, &["none".to_string()]);
    let t = m.encode();
    assert_eq!(state_ones(&t, "kiosk_a4_printer_state"), ["idle"]);
    assert!(state_ones(&t, "kiosk_a4_printer_state_reason").is_empty());
}

#[test]
fn no_label_value_outside_the_bounded_sets() {
    let m = Metrics::new();
    // Whatever the printers say, the label sets stay the same.
    for i in 0..200 {
        let r = vec![format!("vendor-{i}-error"), format!("media-empty-{i}")];
        m.set_a4_state(A4State::Busy, &r);
        m.set_marker_level(&format!("#{:06x}", i * 77_777), 50);
    }
    m.set_marker_level("Photo Black 3201011505800123", 10);
    let t = m.encode();
    let allowed = |name: &str, key: &str, v: &str| -> bool {
        match (name, key) {
            (n, "state") if n.starts_with("kiosk_a4_printer_state") => A4State::ALL.iter().any(|s| s.label() == v),
            (n, "state") if n.starts_with("kiosk_receipt_printer_state") => {
                ReceiptState::ALL.iter().any(|s| s.label() == v)
            }
            ("kiosk_a4_printer_state_reason", "reason") => A4_REASONS.contains(&v),
            ("kiosk_a4_marker_level_percent", "color") => MARKER_COLORS.contains(&v),
            ("kiosk_sessions_ended_total", "reason") => SessionEnd::ALL.iter().any(|r| r.label() == v),
            ("kiosk_sign_in_failures_total", "reason") => SignInFailure::ALL.iter().any(|r| r.label() == v),
            ("kiosk_documents_refused_total", "reason") => RefusalReason::ALL.iter().any(|r| r.label() == v),
            (n, "endpoint") if n.starts_with("kiosk_central_request") => CENTRAL_ENDPOINTS.contains(&v),
            (n, "le") if n.ends_with("_bucket") => true,
            ("kiosk_build_info", "version" | "commit") => true,
            ("kiosk_update_failed", "reason") => UpdateFailure::ALL.iter().any(|r| r.label() == v),
            ("kiosk_clock_wrong", "reason") => CLOCK_WRONG.contains(&v),
            ("kiosk_image_info", "version") => true,
            ("kiosk_image_info", "slot") => ["a", "b", "unknown"].contains(&v),
            _ => false,
        }
    };
    let all = samples(&t);
    for (name, labels, _) in &all {
        for (k, v) in labels {
            assert!(allowed(name, k, v), "unexpected label {name}{{{k}={v:?}}}");
            // Nothing that looks like a NIK (16 digits) may ever appear.
            assert!(!(v.len() >= 16 && v.bytes().all(|b| b.is_ascii_digit())), "{name}{{{k}={v}}}");
        }
    }
    let markers = all.iter().filter(|(n, _, _)| n == "kiosk_a4_marker_level_percent").count();
    assert!(markers <= MARKER_COLORS.len());
    // Free text in build info is sanitised and capped.
    m.build_info("1.0\"} evil{x=\"", &"a".repeat(200));
    let t = m.encode();
    assert!(
        t.contains(r#"kiosk_build_info{version="1.0evilx",commit="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} 1"#),
        "{t}"
    );
}

#[test]
fn image_version_and_failed_updates() {
    let m = Metrics::new();
    let t = m.encode();
    // Only a kiosk image has an image version: unknown is absent, not 0.
    assert!(!t.contains("kiosk_image_info{"), "{t}");
    // Every failure series exists at 0 from the start.
    for r in UpdateFailure::ALL {
        assert_eq!(value(&t, "kiosk_update_failed", Some(("reason", r.label()))), 0.0);
    }
    m.set_image("0.1.0+gacffb583de", "a");
    m.set_update_failed(Some(UpdateFailure::Rollback));
    let t = m.encode();
    assert!(t.contains(r#"kiosk_image_info{version="0.1.0+gacffb583de",slot="a"} 1"#), "{t}");
    assert_eq!(state_ones(&t, "kiosk_update_failed"), ["rollback"]);
    // A new image replaces the old series; a later good update clears the failure.
    m.set_image("99.0.0+lab", "b");
    m.set_update_failed(None);
    let t = m.encode();
    assert!(t.contains(r#"kiosk_image_info{version="99.0.0+lab",slot="b"} 1"#), "{t}");
    assert_eq!(samples(&t).iter().filter(|(n, _, _)| n == "kiosk_image_info").count(), 1);
    assert!(state_ones(&t, "kiosk_update_failed").is_empty());
    // Whatever the files said, the slot label stays bounded.
    m.set_image("1", "c; rm -rf");
    assert!(m.encode().contains(r#"kiosk_image_info{version="1",slot="unknown"} 1"#));
}

#[test]
fn marker_colours_map_onto_the_fixed_set() {
    assert_eq!(marker_color("#000000"), "black");
    assert_eq!(marker_color("#101010"), "black");
    assert_eq!(marker_color("#00FFFF"), "cyan");
    assert_eq!(marker_color("#FF00FF"), "magenta");
    assert_eq!(marker_color("Yellow"), "yellow");
    assert_eq!(marker_color("#000000#00FFFF"), "other");
    assert_eq!(marker_color(""), "other");
}

fn http(addr: SocketAddr, request: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    s.write_all(request.as_bytes()).expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

#[test]
fn serves_openmetrics_on_loopback_only() {
    let m = Arc::new(Metrics::new());
    m.heartbeat(1_700_000_123);
    let server = serve(m.clone(), "127.0.0.1:0".parse().expect("addr")).expect("serve");
    let addr = server.local_addr();

    let resp = http(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
    assert!(resp.contains(&format!("Content-Type: {OPENMETRICS_CONTENT_TYPE}\r\n")));
    let body = resp.split_once("\r\n\r\n").expect("body").1;
    assert!(body.contains("kiosk_heartbeat_timestamp_seconds 1700000123\n"), "{body}");
    assert!(body.ends_with("# EOF\n"));
    let len: usize =
        resp.lines().find_map(|l| l.strip_prefix("Content-Length: ")).expect("length").trim().parse().expect("number");
    assert_eq!(len, body.len());

    assert!(http(addr, "GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
    assert!(http(addr, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").starts_with("HTTP/1.1 405"));
    // A client that never finishes its request cannot block the next scrape for long.
    let _silent = TcpStream::connect(addr).expect("connect");
    let t0 = std::time::Instant::now();
    assert!(http(addr, "GET /metrics HTTP/1.0\r\n\r\n").starts_with("HTTP/1.1 200"));
    assert!(t0.elapsed() < IO_TIMEOUT + Duration::from_secs(2));
    server.shutdown();
    assert!(TcpStream::connect(addr).is_err(), "port closed after shutdown");

    let err = serve(m, "0.0.0.0:0".parse().expect("addr")).expect_err("non-loopback refused");
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}
