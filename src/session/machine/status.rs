//! "Status pengajuan": after sign-in, the citizen's applications with their status, the
//! timeline and the next step — print the finished documents now, a pickup slip for a
//! card, the address label for posting the paper requirements, the officer's reason for a
//! cancelled one, or how long to wait.
//!
//! It opens from the documents screen, the one every signed-in citizen sees, so nobody
//! meets an extra question on the way to printing; the documents screen (and what was
//! ticked on it) is kept to go back to.

use std::mem;

use super::Machine;
use crate::central::{NextStep, Pickup};
use crate::session::event::{Command, Event, SlipRequest};
use crate::session::state::{SlipOutcome, State, StatusDesk};

impl Machine {
    /// "Status pengajuan" on the documents screen.
    pub(super) fn open_applications(&mut self, out: &mut Vec<Command>) {
        if let State::Documents { ctx, docs, selected } = mem::replace(&mut self.state, State::Attract) {
            out.push(Command::ListApplications { session: self.session, token: ctx.token.clone() });
            self.state = State::LoadingApplications { ctx, docs, selected };
        }
    }

    /// Events while the applications load or show.
    pub(super) fn step_status(&mut self, event: Event, out: &mut Vec<Command>) {
        let session = self.session;
        match (&mut self.state, event) {
            (State::LoadingApplications { .. }, Event::ApplicationsListed { session: s, result }) if s == session => {
                match result {
                    Ok(apps) => {
                        if let State::LoadingApplications { ctx, docs, selected } =
                            mem::replace(&mut self.state, State::Attract)
                        {
                            let desk =
                                StatusDesk { ctx, docs, selected, apps, open: None, slip: SlipOutcome::NotAsked };
                            self.state = State::Applications { desk: Box::new(desk) };
                        }
                    }
                    // The usual failure screen, which signs the citizen out: a server that
                    // cannot list applications is unlikely to print either.
                    Err(f) => self.fail(f, out),
                }
            }
            (State::Applications { desk }, Event::OpenApplication(i)) if desk.open.is_none() && i < desk.apps.len() => {
                desk.open = Some(i);
                desk.slip = SlipOutcome::NotAsked;
            }
            (State::Applications { desk }, Event::Back) if desk.open.is_some() => {
                desk.open = None;
                desk.slip = SlipOutcome::NotAsked;
            }
            (State::Applications { .. }, Event::Back) => {
                if let State::Applications { desk } = mem::replace(&mut self.state, State::Attract) {
                    let StatusDesk { ctx, docs, selected, .. } = *desk;
                    self.state = State::Documents { ctx, docs, selected };
                }
            }
            (State::Applications { desk }, Event::PrintNow) => {
                let Some(selected) = print_selection(desk) else { return };
                if let State::Applications { desk } = mem::replace(&mut self.state, State::Attract) {
                    let StatusDesk { ctx, docs, .. } = *desk;
                    self.state = State::Confirm { ctx, docs, selected };
                }
            }
            (State::Applications { desk }, Event::PrintSlip) if desk.slip != SlipOutcome::Printing => {
                if let Some(slip) = slip_request(desk, self.language) {
                    desk.slip = SlipOutcome::Printing;
                    out.push(Command::PrintSlip { session, slip });
                }
            }
            (State::Applications { desk }, Event::SlipDone { session: s, printed })
                if s == session && desk.slip == SlipOutcome::Printing =>
            {
                desk.slip = if printed { SlipOutcome::Printed } else { SlipOutcome::Unavailable };
            }
            _ => {}
        }
    }
}

/// The open application's documents that can be printed now, as the confirm screen's
/// selection over the session's documents list; None when there is none (used up, or not
/// in this session's list): "Cetak sekarang" then does nothing and is not offered.
pub(crate) fn print_selection(desk: &StatusDesk) -> Option<Vec<bool>> {
    let app = desk.apps.get(desk.open?)?;
    let NextStep::Print { document_ids } = &app.next_step else { return None };
    let selected: Vec<bool> = desk.docs.iter().map(|d| d.prints_left > 0 && document_ids.contains(&d.id)).collect();
    selected.iter().any(|s| *s).then_some(selected)
}

/// The paper the open application's next step asks for, in `language`.
fn slip_request(desk: &StatusDesk, language: adm_text::Language) -> Option<SlipRequest> {
    let app = desk.apps.get(desk.open?)?;
    let pick = |t: &crate::central::Localized| t.pick(language).to_owned();
    match &app.next_step {
        NextStep::Pickup(Pickup { office, address, hours, bring }) => Some(SlipRequest::Pickup {
            language,
            masked_nik: adm_text::mask::id_number(&desk.ctx.citizen.nik),
            application_code: app.code.clone(),
            card: match app.service_id.as_str() {
                "ktp-el" => "KTP-el".to_owned(),
                "kia" => "KIA".to_owned(),
                _ => pick(&app.title),
            },
            office: office.clone(),
            address: address.clone(),
            hours: pick(hours),
            bring: bring.iter().map(pick).collect(),
        }),
        NextStep::SendFiles { to_name, to_address, checklist } => Some(SlipRequest::Label {
            language,
            application_code: app.code.clone(),
            recipient: to_name.clone(),
            address: to_address.clone(),
            sender: desk.ctx.citizen.name.clone(),
            checklist: checklist.iter().map(pick).collect(),
        }),
        _ => None,
    }
}
