//! "Cek dokumen": anyone may hold a printed document's QR up to the camera (or type the
//! verification code printed next to it) and see its status, without signing in.
//!
//! It is a session like any other (its own id, idle timeout and absolute limit, wiped at
//! the end), but nothing of a citizen is ever in it: no NIK, no token, and the answer
//! carries only what the paper itself shows.

use std::mem;

use adm_central_client::api::shape;
use zeroize::Zeroizing;

use super::Machine;
use crate::session::event::{AuditEvent, Command, EndReason, Event};
use crate::session::state::{CheckResult, State};

impl Machine {
    /// From the attract screen. The printer is not needed to check a paper, so only a
    /// kiosk a technician took out of service refuses it.
    pub(super) fn start_check(&mut self, out: &mut Vec<Command>) {
        self.session += 1;
        self.session_deadline = self.now + self.timing.session_limit_ms;
        out.push(Command::Audit(AuditEvent::SessionStarted { session: self.session }));
        self.start_check_scan(out);
    }

    /// Scanning (again): the camera starts and the window opens, as for a notice.
    fn start_check_scan(&mut self, out: &mut Vec<Command>) {
        self.state = State::CheckScan { hint: None, expired: false };
        self.scan_deadline = self.now + self.scan_window_ms();
        out.push(Command::StartDocumentScanner { session: self.session });
    }

    /// Whether the scan window ran out while the citizen still has time to react (else
    /// the idle timeout or the session limit ends the session instead).
    pub(super) fn check_scan_over(&self) -> bool {
        self.now >= self.scan_deadline && self.now < self.idle_deadline && self.now < self.session_deadline
    }

    /// Nothing was read in the window: the camera goes off, the screen offers to scan
    /// again or to type the code. Not TIDAK VALID: maybe nothing was held up at all.
    pub(super) fn expire_check_scan(&mut self, out: &mut Vec<Command>) {
        if let State::CheckScan { expired, hint } = &mut self.state {
            *expired = true;
            *hint = None;
            out.push(Command::StopScanner);
        }
    }

    fn ask(&mut self, code: Zeroizing<String>, out: &mut Vec<Command>) {
        out.push(Command::CheckDocument { session: self.session, code });
        self.state = State::Checking;
    }

    /// Events in the document-check states.
    pub(super) fn step_check(&mut self, event: Event, out: &mut Vec<Command>) {
        let session = self.session;
        match (&mut self.state, event) {
            (State::CheckScan { hint, expired }, ev) => match ev {
                Event::DocumentScanned { session: s, code } if s == session && !*expired => {
                    out.push(Command::StopScanner);
                    match code {
                        Some(code) => self.ask(code, out),
                        // A QR that is no document code of ours cannot be checked: the
                        // paper is TIDAK VALID as far as this kiosk can tell.
                        None => self.state = State::CheckResult { result: CheckResult::NotADocumentCode },
                    }
                }
                Event::ScanHint { session: s, hint: h } if s == session && !*expired => *hint = h,
                Event::ChooseQr if *expired => self.start_check_scan(out),
                Event::TypeCode => {
                    out.push(Command::StopScanner);
                    self.state = State::CheckCode { code: Zeroizing::default() };
                }
                // The first screen of the check: back is leaving it.
                Event::Back => self.end(EndReason::Cancelled, out),
                _ => {}
            },
            (State::CheckCode { code }, ev) => match ev {
                ev @ (Event::CodeChar(_) | Event::Backspace | Event::Clear) => super::edit_code(code, &ev),
                Event::Submit if code.len() == shape::CODE_LEN => {
                    let code = mem::take(code);
                    self.ask(code, out);
                }
                Event::Back => self.start_check_scan(out),
                _ => {}
            },
            (State::Checking, Event::DocumentChecked { session: s, result }) if s == session => match result {
                Ok(check) => self.state = State::CheckResult { result: CheckResult::Answered(check) },
                Err(failure) => self.fail(failure, out),
            },
            (State::CheckResult { .. }, Event::CheckDocument) => self.start_check_scan(out),
            (State::CheckResult { .. }, Event::Finish | Event::Back) => self.end(EndReason::Completed, out),
            _ => {}
        }
    }
}
