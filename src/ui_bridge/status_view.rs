//! "Status pengajuan" as the `Kiosk` global shows it: the list of applications, and the
//! open one with its history and next step in the session's language. Blank outside it.

use slint::{ModelRc, SharedString, VecModel};

use super::citizen::format_date;
use crate::central::{Application, ApplicationStatus, NextStep};
use crate::session::machine::print_selection;
use crate::session::{Language, SlipOutcome, StatusDesk};
use crate::ui::{self, AppRow, NextKind, SlipState, TimelineRow};

#[derive(Default)]
pub(super) struct StatusView {
    rows: Vec<AppRow>,
    app: AppRow,
    timeline: Vec<TimelineRow>,
    next: Option<NextKind>,
    text: String,
    place: String,
    address: String,
    hours: String,
    items: Vec<SharedString>,
    printable: i32,
    slip: Option<SlipState>,
}

impl StatusView {
    pub(super) fn of(desk: &StatusDesk, language: Language) -> StatusView {
        let rows: Vec<AppRow> = desk.apps.iter().map(|a| row(a, language)).collect();
        let Some((app, row)) = desk.open.and_then(|i| Some((desk.apps.get(i)?, rows.get(i)?.clone()))) else {
            return StatusView { rows, ..StatusView::default() };
        };
        let pick = |t: &crate::central::Localized| SharedString::from(t.pick(language));
        let mut view = StatusView {
            app: row,
            timeline: app
                .timeline
                .iter()
                .map(|e| TimelineRow {
                    status: status_of(e.status),
                    at: format_time(&e.at).into(),
                    note: e.note.clone().unwrap_or_default().into(),
                })
                .collect(),
            slip: Some(match desk.slip {
                SlipOutcome::NotAsked => SlipState::NotAsked,
                SlipOutcome::Printing => SlipState::Printing,
                SlipOutcome::Printed => SlipState::Printed,
                SlipOutcome::Unavailable => SlipState::Unavailable,
            }),
            ..StatusView::default()
        };
        view.next = Some(match &app.next_step {
            NextStep::Print { .. } => {
                view.printable = print_selection(desk).map_or(0, |s| s.iter().filter(|s| **s).count() as i32);
                NextKind::Print
            }
            NextStep::Pickup(p) => {
                view.place = p.office.clone();
                view.address = p.address.clone();
                view.hours = p.hours.pick(language).to_owned();
                view.items = p.bring.iter().map(pick).collect();
                NextKind::Pickup
            }
            NextStep::SendFiles { to_name, to_address, checklist } => {
                view.place = to_name.clone();
                view.address = to_address.clone();
                view.items = checklist.iter().map(pick).collect();
                NextKind::SendFiles
            }
            NextStep::Reapply { reason } => {
                view.text = reason.clone();
                NextKind::Reapply
            }
            NextStep::Wait { promise } => {
                view.text = promise.pick(language).to_owned();
                NextKind::Wait
            }
        });
        StatusView { rows, ..view }
    }

    pub(super) fn show(self, k: &ui::Kiosk<'_>) {
        k.set_applications(ModelRc::new(VecModel::from(self.rows)));
        k.set_app(self.app);
        k.set_app_timeline(ModelRc::new(VecModel::from(self.timeline)));
        k.set_app_next(self.next.unwrap_or(NextKind::Wait));
        k.set_app_text(self.text.into());
        k.set_app_place(self.place.into());
        k.set_app_address(self.address.into());
        k.set_app_hours(self.hours.into());
        k.set_app_items(ModelRc::new(VecModel::from(self.items)));
        k.set_app_printable(self.printable);
        k.set_slip(self.slip.unwrap_or(SlipState::NotAsked));
    }
}

fn row(a: &Application, language: Language) -> AppRow {
    AppRow {
        title: a.title.pick(language).into(),
        code: a.code.as_str().into(),
        status: status_of(a.status),
        date: a.timeline.last().map(|e| format_date(e.at.get(..10).unwrap_or(&e.at))).unwrap_or_default().into(),
    }
}

fn status_of(s: ApplicationStatus) -> ui::AppStatus {
    match s {
        ApplicationStatus::Baru => ui::AppStatus::Baru,
        ApplicationStatus::Disetujui => ui::AppStatus::Disetujui,
        ApplicationStatus::Diproses => ui::AppStatus::Diproses,
        ApplicationStatus::Selesai => ui::AppStatus::Selesai,
        ApplicationStatus::Dibatalkan => ui::AppStatus::Dibatalkan,
    }
}

/// RFC 3339 → "18-03-2024 08.30", the office's local time as written (Indonesian clocks
/// use a dot).
fn format_time(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(date), Some(time)) => format!("{} {}", format_date(date), time.replace(':', ".")),
        _ => at.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_the_office_wrote_them() {
        assert_eq!(format_time("2024-03-18T08:30:00+07:00"), "18-03-2024 08.30");
        assert_eq!(format_time("garbage"), "garbage");
    }
}
