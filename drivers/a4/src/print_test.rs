//! The technicians' test print (`adm-kiosk print-test --printer <uri> [file.pdf]`): one
//! JSON object per line, so the output can be read by people and parsed by tests.
//!
//! Lines: `{"event":"status",…}`, then `{"event":"sending"}`, `{"event":"printed","done":n,"total":t}`…,
//! and finally `{"event":"outcome","ok":true,"pages":t}` or
//! `{"event":"outcome","ok":false,"error":"needs_attention","attention":"media_empty","pages_done":n,"message":"…"}`.

use std::io::Write;

use serde_json::{Value, json};

use crate::{A4Printer, Attention, JobProgress, PrintError, PrintJob, PrinterState};

fn attention_key(a: Attention) -> &'static str {
    match a {
        Attention::MediaEmpty => "media_empty",
        Attention::MediaJam => "media_jam",
        Attention::CoverOpen => "cover_open",
        Attention::MarkerEmpty => "marker_empty",
        Attention::Other => "other",
    }
}

fn state_json(s: &PrinterState) -> Value {
    match s {
        PrinterState::Idle => json!("idle"),
        PrinterState::Busy => json!("busy"),
        PrinterState::NeedsAttention(a) => json!(format!("needs_attention:{}", attention_key(*a))),
        PrinterState::Disconnected => json!("disconnected"),
    }
}

/// The outcome line for `result`.
pub fn outcome_json(result: &Result<u32, PrintError>) -> Value {
    match result {
        Ok(pages) => json!({"event": "outcome", "ok": true, "pages": pages}),
        Err(e) => {
            let (kind, attention) = match e {
                PrintError::NeedsAttention { attention, .. } => ("needs_attention", Some(attention_key(*attention))),
                PrintError::Disconnected { .. } => ("disconnected", None),
                PrintError::Stalled { .. } => ("stalled", None),
                PrintError::Rejected(_) => ("rejected", None),
                PrintError::Io(_) => ("io", None),
            };
            json!({
                "event": "outcome",
                "ok": false,
                "error": kind,
                "attention": attention,
                "pages_done": e.pages_done(),
                "message": e.to_string(),
            })
        }
    }
}

fn line(out: &mut dyn Write, v: &Value) {
    // A closed stdout must not abort a print that is already running.
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

/// Prints `job`, writing status, progress and outcome as JSON lines. Returns whether
/// every page came out.
pub fn print_test(printer: &mut dyn A4Printer, job: &PrintJob, out: &mut dyn Write) -> bool {
    match printer.status() {
        Ok(s) => line(
            out,
            &json!({"event": "status", "state": state_json(&s.state), "reasons": s.reasons, "model": s.model, "markers": s.markers}),
        ),
        Err(e) => line(out, &json!({"event": "status", "error": e.to_string()})),
    }
    let result = printer.print(job, &mut |p| match p {
        JobProgress::Sending => line(out, &json!({"event": "sending", "job": job.job_name, "pages": job.pages})),
        JobProgress::Printed { done, total } => line(out, &json!({"event": "printed", "done": done, "total": total})),
    });
    line(out, &outcome_json(&result));
    result.is_ok()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::sim::{SimA4Printer, SimFault};

    fn job() -> PrintJob {
        PrintJob::new("TEST", b"%PDF-1.7\n".to_vec(), 2)
    }

    fn lines(buf: &[u8]) -> Vec<Value> {
        std::str::from_utf8(buf).expect("utf8").lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
    }

    #[test]
    fn success_is_status_sending_pages_outcome() {
        let mut p = SimA4Printer::new(None, Duration::ZERO);
        let mut out = Vec::new();
        assert!(print_test(&mut p, &job(), &mut out));
        let l = lines(&out);
        let events: Vec<&str> = l.iter().filter_map(|v| v["event"].as_str()).collect();
        assert_eq!(events, ["status", "sending", "printed", "printed", "outcome"]);
        assert_eq!(l[4]["ok"], true);
        assert_eq!(l[4]["pages"], 2);
    }

    #[test]
    fn faults_name_the_attention_and_pages_done() {
        let mut p = SimA4Printer::new(None, Duration::ZERO);
        p.control().inject(SimFault::JamAfter(1));
        let mut out = Vec::new();
        assert!(!print_test(&mut p, &job(), &mut out));
        let last = lines(&out).pop().expect("outcome");
        assert_eq!(last["error"], "needs_attention");
        assert_eq!(last["attention"], "media_jam");
        assert_eq!(last["pages_done"], 1);
    }
}
