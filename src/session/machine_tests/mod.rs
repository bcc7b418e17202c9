//! Every transition of the journey, including cancel and timeout from each state. The
//! shared fixtures and state builders are here; the tests, by topic, in `sign_in.rs`,
//! `printing.rs`, `endings.rs`, `citizen_services.rs`, `application_status.rs`,
//! `service_catalogue.rs` and `voice.rs`.

use super::*;
use crate::central::{Citizen, DocKind, DocumentCheck, DocumentMeta, SessionToken};
use crate::nik::NikError;
use crate::session::SessionCtx;
use crate::session::event::SignInError;
use crate::session::state::{PinProblem, PrinterProblem, Refusal, ScanHint, ScanProblem};

const T: Timing = Timing {
    idle_ms: 60_000,
    warning_ms: 25_000,
    session_limit_ms: 300_000,
    goodbye_ms: 5_000,
    pin_len: 6,
    technician_idle_ms: 120_000,
};
const NIK: &str = "3201011505800001";

fn ctx() -> SessionCtx {
    SessionCtx {
        token: SessionToken::new("tok-1".into()),
        citizen: Citizen { name: "Budi Santoso".into(), nik: NIK.into(), kk: "3201010101090001".into() },
    }
}

fn doc(id: &str, prints_left: u32) -> DocumentMeta {
    DocumentMeta {
        id: id.into(),
        kind: DocKind::KartuKeluarga,
        number: "3201010101090001".into(),
        issued: "2024-01-02".into(),
        pages: 2,
        prints_left,
        reprint_unlimited: false,
        sha256: "00".repeat(32),
        size: 1000,
        owner_nik: NIK.into(),
        kk: "3201010101090001".into(),
    }
}

/// A machine plus a clock, so tests read like the journey.
struct J {
    m: Machine,
    now: Millis,
    out: Vec<Command>,
}

impl J {
    fn new() -> Self {
        J { m: Machine::new(T), now: 1_000, out: vec![] }
    }
    fn ev(&mut self, e: Event) -> &mut Self {
        self.out = self.m.handle(self.now, e);
        self
    }
    fn after(&mut self, ms: Millis) -> &mut Self {
        self.now += ms;
        self.ev(Event::Tick)
    }
    fn digits(&mut self, s: &str) -> &mut Self {
        for c in s.bytes() {
            self.ev(Event::Digit(c - b'0'));
        }
        self
    }
    fn sid(&self) -> u64 {
        self.m.session_id()
    }
    fn state(&self) -> &State {
        self.m.state()
    }
    fn has(&self, pred: impl Fn(&Command) -> bool) -> bool {
        self.out.iter().any(pred)
    }
    fn ended(&self, reason: EndReason) -> bool {
        self.has(|c| matches!(c, Command::Audit(AuditEvent::SessionEnded { reason: r, .. }) if *r == reason))
            && self.has(|c| matches!(c, Command::EndSession { .. }))
    }
}

// --- builders for each state -------------------------------------------------------

fn choose() -> J {
    let mut j = J::new();
    j.ev(Event::Start);
    j
}
fn enter_nik() -> J {
    let mut j = choose();
    j.ev(Event::ChooseNik);
    j
}
fn enter_pin() -> J {
    let mut j = enter_nik();
    j.digits(NIK).ev(Event::Submit);
    j
}
fn signing_in() -> J {
    let mut j = enter_pin();
    j.digits("123456").ev(Event::Submit);
    j
}
fn scan() -> J {
    let mut j = choose();
    j.ev(Event::ChooseQr);
    j
}
fn notice_pin() -> J {
    let mut j = scan();
    let s = j.sid();
    j.ev(Event::QrScanned { session: s, result: Ok(Zeroizing::new("ABCDEFGHJKMNPQRS".into())) });
    j
}
fn loading() -> J {
    let mut j = signing_in();
    let s = j.sid();
    j.ev(Event::SignedIn { session: s, result: Ok(ctx()) });
    j
}
fn documents() -> J {
    let mut j = loading();
    let s = j.sid();
    j.ev(Event::DocumentsListed { session: s, result: Ok(vec![doc("a", 1), doc("b", 0), doc("c", 2)]) });
    j
}
fn confirm() -> J {
    let mut j = documents();
    j.ev(Event::Proceed);
    j
}
fn printing() -> J {
    let mut j = confirm();
    j.ev(Event::ConfirmPrint);
    j
}
fn collect() -> J {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Done { pages: 2 } })
        .ev(Event::JobUpdate { session: s, index: 1, status: JobStatus::Done { pages: 2 } })
        .ev(Event::PrintingDone { session: s });
    j
}
fn failure() -> J {
    let mut j = signing_in();
    let s = j.sid();
    j.ev(Event::SignedIn {
        session: s,
        result: Err(SignInError::Failure(Failure::Locked { retry_after_secs: Some(900) })),
    });
    j
}

/// "Cek dokumen" from the attract screen: the camera looks for a document's QR.
fn check_scan() -> J {
    let mut j = J::new();
    j.ev(Event::CheckDocument);
    j
}
fn check_code() -> J {
    let mut j = check_scan();
    j.ev(Event::TypeCode);
    j
}
fn checking() -> J {
    let mut j = check_scan();
    let s = j.sid();
    j.ev(Event::DocumentScanned { session: s, code: Some(Zeroizing::new("3QF8ZK2M7T4WXN9A".into())) });
    j
}
fn check_result() -> J {
    let mut j = checking();
    let s = j.sid();
    j.ev(Event::DocumentChecked { session: s, result: Ok(DocumentCheck::not_valid()) });
    j
}

/// Every state a citizen can be in, by name.
fn all_session_states() -> Vec<(&'static str, J)> {
    vec![
        ("choose", choose()),
        ("enter_nik", enter_nik()),
        ("enter_pin", enter_pin()),
        ("signing_in", signing_in()),
        ("scan", scan()),
        ("enter_code", {
            let mut j = scan();
            j.ev(Event::TypeCode);
            j
        }),
        ("notice_pin", notice_pin()),
        ("loading", loading()),
        ("documents", documents()),
        ("confirm", confirm()),
        ("printing", printing()),
        ("collect", collect()),
        ("failure", failure()),
        ("check_scan", check_scan()),
        ("check_code", check_code()),
        ("checking", checking()),
        ("check_result", check_result()),
        ("loading_applications", application_status::loading_applications()),
        ("applications", application_status::applications()),
        ("application", application_status::application(1)),
        ("loading_services", service_catalogue::loading_services()),
        ("services", service_catalogue::services()),
        ("service", service_catalogue::service(0)),
    ]
}

/// Printing of "a" (2 pages) stopped after page 1 with paper out; "c" was not attempted.
fn print_stopped() -> J {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate {
        session: s,
        index: 0,
        status: JobStatus::Stopped { problem: PrinterProblem::PaperOut, done: 1 },
    });
    assert!(j.has(|c| matches!(
        c,
        Command::Audit(AuditEvent::PrintStopped { problem: PrinterProblem::PaperOut, pages_done: 1, pages: 2, .. })
    )));
    j.ev(Event::PrintingDone { session: s });
    j
}

mod application_status;
mod citizen_services;
mod endings;
mod printing;
mod service_catalogue;
mod sign_in;
mod voice;
