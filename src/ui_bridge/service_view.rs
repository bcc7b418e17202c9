//! "Daftar layanan" as the `Kiosk` global shows it: the services' titles, and the open
//! service with every text in the session's language as the server words it. Blank
//! outside it.

use slint::{ModelRc, SharedString, VecModel};

use crate::central::Localized;
use crate::session::{FilesOutcome, Language, ServiceDesk, SlipOutcome};
use crate::ui::{self, FilesState, SlipState};

#[derive(Default)]
pub(super) struct ServiceView {
    titles: Vec<SharedString>,
    title: SharedString,
    requirements: Vec<SharedString>,
    procedure: Vec<SharedString>,
    duration: SharedString,
    fee: SharedString,
    files: Vec<SharedString>,
    checklist: Option<SlipState>,
    files_state: Option<FilesState>,
}

impl ServiceView {
    pub(super) fn of(desk: &ServiceDesk, language: Language) -> ServiceView {
        let pick = |t: &Localized| SharedString::from(t.pick(language));
        let titles = desk.services.iter().map(|s| pick(&s.title)).collect();
        let Some(service) = desk.open.and_then(|i| desk.services.get(i)) else {
            return ServiceView { titles, ..ServiceView::default() };
        };
        ServiceView {
            titles,
            title: pick(&service.title),
            requirements: service.requirements.iter().map(pick).collect(),
            procedure: service.procedure.iter().map(pick).collect(),
            duration: pick(&service.duration),
            fee: pick(&service.fee),
            files: service.files.iter().map(|f| pick(&f.title)).collect(),
            checklist: Some(match desk.checklist {
                SlipOutcome::NotAsked => SlipState::NotAsked,
                SlipOutcome::Printing => SlipState::Printing,
                SlipOutcome::Printed => SlipState::Printed,
                SlipOutcome::Unavailable => SlipState::Unavailable,
            }),
            files_state: Some(match desk.files {
                FilesOutcome::NotAsked => FilesState::NotAsked,
                FilesOutcome::Printing => FilesState::Printing,
                FilesOutcome::Printed => FilesState::Printed,
                FilesOutcome::Refused => FilesState::Refused,
                FilesOutcome::PrinterStopped => FilesState::PrinterStopped,
                FilesOutcome::Unavailable => FilesState::Unavailable,
            }),
        }
    }

    pub(super) fn show(self, k: &ui::Kiosk<'_>) {
        k.set_services(ModelRc::new(VecModel::from(self.titles)));
        k.set_service_title(self.title);
        k.set_service_requirements(ModelRc::new(VecModel::from(self.requirements)));
        k.set_service_procedure(ModelRc::new(VecModel::from(self.procedure)));
        k.set_service_duration(self.duration);
        k.set_service_fee(self.fee);
        k.set_service_files(ModelRc::new(VecModel::from(self.files)));
        k.set_service_checklist(self.checklist.unwrap_or(SlipState::NotAsked));
        k.set_service_files_state(self.files_state.unwrap_or(FilesState::NotAsked));
    }
}
