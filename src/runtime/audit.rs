//! The audit catalogue: every kind of audit event the central server keeps, under one
//! id each, and how the runtime records an event (log line, outbox, metrics, the
//! maintenance screen's recent events). One place, so the log, the outbox and the
//! fleet's view of an event agree.

use super::Runtime;
use crate::session::{AuditEvent, FilesOutcome, PrinterProblem, Refusal};

/// Audit events kept in memory for the maintenance screen.
const AUDIT_KEPT: usize = 200;

/// One audit event as kept for the maintenance screen, with the local time it happened.
pub(super) struct Recorded {
    /// `HH:MM:SS`, local time: technicians compare it with the wall clock and the receipt.
    at: String,
    pub(super) event: AuditEvent,
}

impl Recorded {
    /// `10:01:23  maintenance.login  T-3201-01`: what a technician reads on the events page.
    pub(super) fn line(&self) -> String {
        let (id, detail) = describe(&self.event);
        if detail.is_empty() { format!("{}  {id}", self.at) } else { format!("{}  {id}  {detail}", self.at) }
    }
}

/// Every kind of audit event the central server receives. [`AuditKind::id`] is what it
/// is filed under (the outbox's `kind`); the detail never carries personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    /// A document failed its checks before printing (an ownership mismatch pages the fleet).
    DocumentRefused(Refusal),
    /// The A4 printer stopped in the middle of a run.
    PrinterStopped(PrinterProblem),
    PrintRetried,
    /// A service's guide or blank form failed its checks (size, SHA-256, signature, not a
    /// public paper): nothing was printed.
    ServiceFileRefused,
    SessionEnded,
    SignInFailed,
    MaintenanceLogin,
    MaintenanceLoginRefused,
    MaintenanceAction,
    MaintenanceLogout,
    MaintenanceTimeout,
}

impl AuditKind {
    /// The whole catalogue.
    pub const ALL: [AuditKind; 18] = [
        AuditKind::DocumentRefused(Refusal::Ownership),
        AuditKind::DocumentRefused(Refusal::Signature),
        AuditKind::DocumentRefused(Refusal::Download),
        AuditKind::DocumentRefused(Refusal::Inactive),
        AuditKind::PrinterStopped(PrinterProblem::PaperOut),
        AuditKind::PrinterStopped(PrinterProblem::PaperJam),
        AuditKind::PrinterStopped(PrinterProblem::CoverOpen),
        AuditKind::PrinterStopped(PrinterProblem::Offline),
        AuditKind::PrinterStopped(PrinterProblem::Other),
        AuditKind::PrintRetried,
        AuditKind::ServiceFileRefused,
        AuditKind::SessionEnded,
        AuditKind::SignInFailed,
        AuditKind::MaintenanceLogin,
        AuditKind::MaintenanceLoginRefused,
        AuditKind::MaintenanceAction,
        AuditKind::MaintenanceLogout,
        AuditKind::MaintenanceTimeout,
    ];

    /// The id the event is filed under; printer stops are named by the IPP reason.
    pub fn id(self) -> &'static str {
        match self {
            AuditKind::DocumentRefused(Refusal::Ownership) => "document.refused.ownership",
            AuditKind::DocumentRefused(Refusal::Signature) => "document.refused.signature",
            AuditKind::DocumentRefused(Refusal::Download) => "document.refused.download",
            AuditKind::DocumentRefused(Refusal::Inactive) => "document.refused.inactive",
            AuditKind::PrinterStopped(PrinterProblem::PaperOut) => "printer.stopped.media-empty",
            AuditKind::PrinterStopped(PrinterProblem::PaperJam) => "printer.stopped.media-jam",
            AuditKind::PrinterStopped(PrinterProblem::CoverOpen) => "printer.stopped.cover-open",
            AuditKind::PrinterStopped(PrinterProblem::Offline) => "printer.stopped.offline",
            AuditKind::PrinterStopped(PrinterProblem::Other) => "printer.stopped.other",
            AuditKind::PrintRetried => "print.retried",
            AuditKind::ServiceFileRefused => "service_file.refused",
            AuditKind::SessionEnded => "session.ended",
            AuditKind::SignInFailed => "session.sign_in_failed",
            AuditKind::MaintenanceLogin => "maintenance.login",
            AuditKind::MaintenanceLoginRefused => "maintenance.login_refused",
            AuditKind::MaintenanceAction => "maintenance.action",
            AuditKind::MaintenanceLogout => "maintenance.logout",
            AuditKind::MaintenanceTimeout => "maintenance.timeout",
        }
    }
}

impl Runtime {
    pub(crate) fn audit(&mut self, event: AuditEvent) {
        self.record(event);
    }

    pub(super) fn record(&mut self, event: AuditEvent) {
        // What the central server keeps of the kiosk's life: refusals (an ownership
        // mismatch is a security incident), session outcomes and technician actions. The
        // log line names the same id; events the server does not keep are `local`.
        let outbox = outbox_record(&event);
        let kind = outbox.as_ref().map_or("local", |(kind, _)| kind.id());
        tracing::info!(kiosk = %self.info.kiosk_id, kind, event = ?event, "audit");
        if let Some((kind, detail)) = outbox
            && let Err(e) = self.devices.central.record_audit(kind.id(), &detail)
        {
            tracing::error!(error = %e, kind = kind.id(), "audit event not queued");
        }
        match &event {
            AuditEvent::SessionStarted { .. } => self.metrics.session_started(),
            AuditEvent::SessionEnded { reason, .. } => self.metrics.session_ended((*reason).into()),
            _ => {}
        }
        if self.audit.len() == AUDIT_KEPT {
            self.audit.pop_front();
        }
        self.audit.push_back(Recorded { at: chrono::Local::now().format("%H:%M:%S").to_string(), event });
    }
}

/// Any audit event as (id, detail) for the maintenance screen: the catalogue's id for
/// those the central server keeps, a `local` one for the rest. No personal data: a
/// sign-in shows its session number, not even the masked NIK.
fn describe(event: &AuditEvent) -> (&'static str, String) {
    if let Some((kind, detail)) = outbox_record(event) {
        return (kind.id(), detail);
    }
    match event {
        AuditEvent::SessionStarted { session } => ("local.session.started", format!("session {session}")),
        AuditEvent::SignedIn { session, .. } => ("local.session.signed_in", format!("session {session}")),
        AuditEvent::SessionFailed { session, reason } => {
            ("local.session.failed", format!("session {session}: {reason}"))
        }
        AuditEvent::PrintStarted { session, documents } => {
            ("local.print.started", format!("session {session}: {documents} document(s)"))
        }
        AuditEvent::TechnicianGesture => ("local.maintenance.gesture", String::new()),
        AuditEvent::ServiceFiles { session, service, outcome } => {
            ("local.service_files", format!("session {session}: {service}: {outcome:?}"))
        }
        _ => ("local", String::new()),
    }
}

/// The audit events that go to the central server, as (kind, detail). No personal data.
fn outbox_record(event: &AuditEvent) -> Option<(AuditKind, String)> {
    Some(match event {
        AuditEvent::DocumentRefused { session, refusal } => {
            (AuditKind::DocumentRefused(*refusal), format!("session {session}"))
        }
        AuditEvent::PrintStopped { session, problem, pages_done, pages } => {
            (AuditKind::PrinterStopped(*problem), format!("session {session}: {pages_done} of {pages} page(s) out"))
        }
        AuditEvent::PrintRetried { session, documents } => {
            (AuditKind::PrintRetried, format!("session {session}: {documents} document(s)"))
        }
        AuditEvent::ServiceFiles { session, service, outcome: FilesOutcome::Refused } => {
            (AuditKind::ServiceFileRefused, format!("session {session}: {service}"))
        }
        AuditEvent::SessionEnded { session, reason } => {
            (AuditKind::SessionEnded, format!("session {session}: {reason:?}"))
        }
        AuditEvent::SignInFailed { session, reason } => {
            (AuditKind::SignInFailed, format!("session {session}: {reason}"))
        }
        AuditEvent::TechnicianSignedIn { technician } => (AuditKind::MaintenanceLogin, technician.clone()),
        AuditEvent::TechnicianPinRefused { wait_seconds } => {
            (AuditKind::MaintenanceLoginRefused, format!("wait {wait_seconds} s"))
        }
        AuditEvent::TechnicianAction { action } => (AuditKind::MaintenanceAction, action.to_string()),
        AuditEvent::TechnicianExit => (AuditKind::MaintenanceLogout, String::new()),
        AuditEvent::TechnicianTimedOut => (AuditKind::MaintenanceTimeout, String::new()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::EndReason;

    #[test]
    fn every_kind_has_its_own_dotted_id() {
        let mut ids: Vec<&str> = AuditKind::ALL.iter().map(|k| k.id()).collect();
        for id in &ids {
            assert!(id.contains('.') && id.bytes().all(|b| b.is_ascii_lowercase() || b"._-".contains(&b)), "{id}");
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), AuditKind::ALL.len());
    }

    #[test]
    fn the_outbox_gets_refusals_stops_endings_and_maintenance_steps_without_personal_data() {
        let record = |e: AuditEvent| outbox_record(&e).map(|(k, d)| (k.id(), d));
        assert_eq!(
            record(AuditEvent::DocumentRefused { session: 7, refusal: Refusal::Ownership }),
            Some(("document.refused.ownership", "session 7".into()))
        );
        assert_eq!(
            record(AuditEvent::PrintStopped { session: 7, problem: PrinterProblem::PaperOut, pages_done: 1, pages: 3 }),
            Some(("printer.stopped.media-empty", "session 7: 1 of 3 page(s) out".into()))
        );
        assert_eq!(
            record(AuditEvent::SessionEnded { session: 7, reason: EndReason::IdleTimeout }),
            Some(("session.ended", "session 7: IdleTimeout".into()))
        );
        assert_eq!(
            record(AuditEvent::SignInFailed { session: 7, reason: "wrong-pin" }),
            Some(("session.sign_in_failed", "session 7: wrong-pin".into()))
        );
        assert_eq!(
            record(AuditEvent::TechnicianAction { action: "paper-loaded" }),
            Some(("maintenance.action", "paper-loaded".into()))
        );
        assert_eq!(record(AuditEvent::TechnicianTimedOut), Some(("maintenance.timeout", String::new())));
        // Kept on the kiosk only: the masked NIK of a sign-in stays out of the outbox.
        assert_eq!(record(AuditEvent::SignedIn { session: 7, masked_nik: "3201********0001".into() }), None);
        assert_eq!(record(AuditEvent::SessionStarted { session: 7 }), None);
    }

    #[test]
    fn the_events_page_names_every_event_by_id_without_personal_data() {
        let line = |event| Recorded { at: "10:01:23".into(), event }.line();
        assert_eq!(
            line(AuditEvent::TechnicianSignedIn { technician: "T-3201-01".into() }),
            "10:01:23  maintenance.login  T-3201-01"
        );
        assert_eq!(line(AuditEvent::TechnicianTimedOut), "10:01:23  maintenance.timeout");
        let signed_in = line(AuditEvent::SignedIn { session: 7, masked_nik: "3201********0001".into() });
        assert_eq!(signed_in, "10:01:23  local.session.signed_in  session 7");
        assert!(!line(AuditEvent::TechnicianGesture).contains('{'), "no Rust debug output on screen");
    }
}
