//! "Daftar layanan": anyone may read, without signing in, what each civil-registration
//! service asks for (requirements, procedure, time, fee) as the central server words it,
//! print the requirement checklist on the receipt printer and the service's guide and
//! blank forms on A4.
//!
//! A session like the document check (its own id, idle timeout, absolute limit, wiped at
//! the end) in which nothing about a person ever is: no NIK, no token. The papers it
//! prints are the same for everyone, so there is no entitlement to count; the guide and
//! forms are still verified before they are printed (`runtime/service_files.rs`).

use super::Machine;
use crate::session::event::{AuditEvent, ChecklistRequest, Command, EndReason, Event};
use crate::session::state::{Availability, FilesOutcome, ServiceDesk, SlipOutcome, State};

impl Machine {
    /// From the attract screen. Reading the catalogue needs no printer, so only a kiosk a
    /// technician took out of service refuses it.
    pub(super) fn open_services(&mut self, out: &mut Vec<Command>) {
        self.session += 1;
        self.session_deadline = self.now + self.timing.session_limit_ms;
        out.push(Command::Audit(AuditEvent::SessionStarted { session: self.session }));
        out.push(Command::ListServices { session: self.session });
        self.state = State::LoadingServices;
    }

    /// Whether the guide and forms of the open service are being printed: like any print
    /// run, never interrupted by cancel or the session limit.
    pub(super) fn printing_service_files(&self) -> bool {
        matches!(&self.state, State::Services { desk } if desk.files == FilesOutcome::Printing)
    }

    /// Events in the catalogue states.
    pub(super) fn step_services(&mut self, event: Event, out: &mut Vec<Command>) {
        let session = self.session;
        let language = self.language;
        let printer_ready = self.availability == Availability::Ready;
        match (&mut self.state, event) {
            (State::LoadingServices, Event::ServicesListed { session: s, result }) if s == session => match result {
                Ok(services) => {
                    let desk = ServiceDesk {
                        services,
                        open: None,
                        checklist: SlipOutcome::NotAsked,
                        files: FilesOutcome::NotAsked,
                    };
                    self.state = State::Services { desk: Box::new(desk) };
                }
                Err(f) => self.fail(f, out),
            },
            // The printer's answer to the guide and forms: the only event that matters
            // while they print.
            (State::Services { desk }, Event::ServiceFilesDone { session: s, outcome })
                if s == session && desk.files == FilesOutcome::Printing =>
            {
                desk.files = outcome;
                let service = desk.open.and_then(|i| desk.services.get(i)).map(|s| s.id.clone()).unwrap_or_default();
                out.push(Command::Audit(AuditEvent::ServiceFiles { session, service, outcome }));
                if outcome == FilesOutcome::PrinterStopped {
                    // Until a status read says otherwise, as after a stopped print run.
                    self.availability = Availability::PrinterUnavailable;
                }
                // Waiting for the printer is not idleness.
                self.touch();
            }
            (State::Services { desk }, _) if desk.files == FilesOutcome::Printing => {}
            (State::Services { desk }, Event::OpenService(i)) if desk.open.is_none() && i < desk.services.len() => {
                desk.open = Some(i);
                desk.checklist = SlipOutcome::NotAsked;
                desk.files = FilesOutcome::NotAsked;
            }
            (State::Services { desk }, Event::Back) if desk.open.is_some() => {
                desk.open = None;
                desk.checklist = SlipOutcome::NotAsked;
                desk.files = FilesOutcome::NotAsked;
            }
            // The first screen of the catalogue: back is leaving it.
            (State::Services { .. }, Event::Back) => self.end(EndReason::Cancelled, out),
            (State::Services { .. }, Event::Finish) => self.end(EndReason::Completed, out),
            (State::Services { desk }, Event::PrintChecklist) if desk.checklist != SlipOutcome::Printing => {
                let Some(service) = desk.open.and_then(|i| desk.services.get(i)) else { return };
                let checklist = ChecklistRequest {
                    language,
                    service: service.title.pick(language).to_owned(),
                    requirements: service.requirements.iter().map(|r| r.pick(language).to_owned()).collect(),
                    duration: service.duration.pick(language).to_owned(),
                    fee: service.fee.pick(language).to_owned(),
                };
                desk.checklist = SlipOutcome::Printing;
                out.push(Command::PrintChecklist { session, checklist });
            }
            (State::Services { desk }, Event::ChecklistDone { session: s, printed })
                if s == session && desk.checklist == SlipOutcome::Printing =>
            {
                desk.checklist = if printed { SlipOutcome::Printed } else { SlipOutcome::Unavailable };
            }
            (State::Services { desk }, Event::PrintServiceFiles) if printer_ready => {
                let Some(service) = desk.open.and_then(|i| desk.services.get(i)) else { return };
                if service.files.is_empty() {
                    return;
                }
                let files = service.files.clone();
                desk.files = FilesOutcome::Printing;
                out.push(Command::PrintServiceFiles { session, files });
            }
            _ => {}
        }
    }
}
