//! Documents, printing (faults and retries included) and collection.

use super::*;

// --- documents -----------------------------------------------------------------------

#[test]
fn documents_start_with_printable_ones_selected() {
    let j = documents();
    let State::Documents { selected, .. } = j.state() else { panic!() };
    assert_eq!(selected, &vec![true, false, true]);
}

#[test]
fn no_documents_yet_still_reaches_the_application_status() {
    let mut j = loading();
    let s = j.sid();
    j.ev(Event::DocumentsListed { session: s, result: Ok(vec![]) });
    let State::Documents { docs, selected, .. } = j.state() else { panic!("{:?}", j.state()) };
    assert!(docs.is_empty() && selected.is_empty());
    assert!(!j.has(|c| matches!(c, Command::EndSession { .. })), "still signed in");
    // Nothing to continue with; the status of the applications opens.
    j.ev(Event::Proceed);
    assert!(matches!(j.state(), State::Documents { .. }));
    j.ev(Event::OpenApplications);
    assert!(matches!(j.state(), State::LoadingApplications { .. }), "{:?}", j.state());
    assert!(j.has(|c| matches!(c, Command::ListApplications { .. })));
}

#[test]
fn a_listing_failure_shows_failure() {
    let s = loading().sid();
    let mut j = loading();
    j.ev(Event::DocumentsListed { session: s, result: Err(Failure::SessionExpired) });
    assert_eq!(*j.state(), State::Failure { failure: Failure::SessionExpired });
}

#[test]
fn toggling_only_affects_printable_documents_and_proceed_needs_one() {
    let mut j = documents();
    j.ev(Event::ToggleDocument(1)).ev(Event::ToggleDocument(0)).ev(Event::ToggleDocument(7));
    let State::Documents { selected, .. } = j.state() else { panic!() };
    assert_eq!(selected, &vec![false, false, true]);
    j.ev(Event::ToggleDocument(2)).ev(Event::Proceed);
    assert!(matches!(j.state(), State::Documents { .. }), "nothing selected: stay");
    j.ev(Event::ToggleDocument(0)).ev(Event::Proceed);
    assert!(matches!(j.state(), State::Confirm { .. }));
}

#[test]
fn back_from_documents_ends_and_from_confirm_returns() {
    let mut j = confirm();
    j.ev(Event::Back);
    assert!(matches!(j.state(), State::Documents { .. }));
    j.ev(Event::Back);
    assert_eq!(*j.state(), State::Attract);
    assert!(j.ended(EndReason::Cancelled));
    assert!(j.has(|c| matches!(c, Command::EndSession { token: Some(_) })));
}

// --- printing and collection ---------------------------------------------------------

#[test]
fn confirm_prints_exactly_the_selected_documents() {
    let j = printing();
    let Some(Command::Print { orders, citizen, .. }) = j.out.iter().find(|c| matches!(c, Command::Print { .. })) else {
        panic!()
    };
    let ids: Vec<_> = orders.iter().map(|o| (o.index, o.doc.id.as_str(), o.first_page)).collect();
    assert_eq!(ids, vec![(0, "a", 1), (1, "c", 1)], "whole documents, in job-list order");
    assert_eq!(citizen.nik, NIK);
    let State::Printing { jobs, .. } = j.state() else { panic!() };
    assert!(jobs.iter().all(|j| j.status == JobStatus::Queued));
}

#[test]
fn job_updates_are_shown_and_stale_ones_dropped() {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Printing { done: 1, total: 2 } });
    j.ev(Event::JobUpdate { session: s + 1, index: 1, status: JobStatus::Done { pages: 2 } });
    j.ev(Event::JobUpdate { session: s, index: 9, status: JobStatus::Done { pages: 2 } });
    let State::Printing { jobs, .. } = j.state() else { panic!() };
    assert_eq!(jobs[0].status, JobStatus::Printing { done: 1, total: 2 });
    assert_eq!(jobs[1].status, JobStatus::Queued);
}

#[test]
fn printing_done_requests_a_receipt_listing_what_really_printed() {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Done { pages: 2 } });
    j.ev(Event::JobUpdate {
        session: s,
        index: 1,
        status: JobStatus::Stopped { problem: PrinterProblem::PaperOut, done: 1 },
    });
    j.ev(Event::PrintingDone { session: s });
    // The printer stopped: the citizen decides first (try again or finish).
    assert!(matches!(j.state(), State::PrintStopped { .. }));
    assert!(!j.has(|c| matches!(c, Command::PrintReceipt { .. } | Command::EndSession { .. })));
    j.ev(Event::Finish);
    let Some(Command::PrintReceipt { receipt, .. }) = j.out.iter().find(|c| matches!(c, Command::PrintReceipt { .. }))
    else {
        panic!()
    };
    assert_eq!(receipt.masked_nik, "3201********0001");
    assert_eq!(receipt.lines.iter().map(|l| l.printed).collect::<Vec<_>>(), vec![true, false]);
    assert!(j.has(|c| matches!(c, Command::EndSession { token: Some(_) })));
    assert!(matches!(j.state(), State::Collect { receipt: ReceiptOutcome::Pending, .. }));
}

#[test]
fn a_print_longer_than_the_idle_timeout_leaves_the_citizen_time_afterwards() {
    // Found in the VM lab: a 3-document run on a USB laser took longer than the idle
    // timeout, and the paper-out screen was gone within a second (idle timeout).
    let mut stopped = printing();
    let s = stopped.sid();
    stopped.now += T.idle_ms + 5_000;
    stopped
        .ev(Event::JobUpdate {
            session: s,
            index: 0,
            status: JobStatus::Stopped { problem: PrinterProblem::PaperOut, done: 1 },
        })
        .ev(Event::PrintingDone { session: s });
    stopped.after(1_000);
    assert!(matches!(stopped.state(), State::PrintStopped { .. }), "{:?}", stopped.state());
    assert!(stopped.m.warning().is_none(), "no timeout warning right after printing");
    // The idle timeout still applies from there on.
    stopped.after(T.idle_ms);
    assert!(matches!(stopped.state(), State::Collect { .. }), "{:?}", stopped.state());

    let mut done = printing();
    let s = done.sid();
    done.now += T.idle_ms + 5_000;
    done.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Done { pages: 2 } })
        .ev(Event::JobUpdate { session: s, index: 1, status: JobStatus::Done { pages: 2 } })
        .ev(Event::PrintingDone { session: s });
    done.after(1_000);
    assert!(matches!(done.state(), State::Collect { .. }), "{:?}", done.state());
    assert!(!done.ended(EndReason::IdleTimeout));
}

#[test]
fn unfinished_jobs_are_marked_skipped_and_refusals_kept() {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Refused(Refusal::Signature) });
    assert!(j.has(|c| matches!(c, Command::Audit(AuditEvent::DocumentRefused { refusal: Refusal::Signature, .. }))));
    j.ev(Event::PrintingDone { session: s });
    let State::Collect { jobs, .. } = j.state() else { panic!() };
    assert_eq!(jobs[0].status, JobStatus::Refused(Refusal::Signature));
    assert_eq!(jobs[1].status, JobStatus::Skipped);
}

#[test]
fn a_printer_fault_waits_for_a_decision_and_nothing_is_resent_on_its_own() {
    let mut j = print_stopped();
    let State::PrintStopped { jobs, .. } = j.state() else { panic!("{:?}", j.state()) };
    assert_eq!(jobs[0].status, JobStatus::Stopped { problem: PrinterProblem::PaperOut, done: 1 });
    assert_eq!(jobs[1].status, JobStatus::Skipped);
    assert_eq!(j.m.availability(), Availability::PrinterUnavailable, "it just stopped");
    // Time passes, the citizen taps: nothing is printed until the printer is ready.
    j.after(1_000);
    assert!(!j.has(|c| matches!(c, Command::Print { .. })));
    j.ev(Event::RetryPrint);
    assert!(!j.has(|c| matches!(c, Command::Print { .. })), "not while the printer is not ready");
    assert!(matches!(j.state(), State::PrintStopped { .. }));
}

#[test]
fn retry_prints_only_what_did_not_come_out() {
    let mut j = print_stopped();
    let s = j.sid();
    j.ev(Event::Availability(Availability::Ready)); // an officer reloaded paper
    j.ev(Event::RetryPrint);
    let Some(Command::Print { orders, .. }) = j.out.iter().find(|c| matches!(c, Command::Print { .. })) else {
        panic!("{:?}", j.out)
    };
    let plan: Vec<_> = orders.iter().map(|o| (o.index, o.doc.id.as_str(), o.first_page)).collect();
    assert_eq!(plan, vec![(0, "a", 2), (1, "c", 1)], "page 2 of a, then all of c");
    assert!(j.has(|c| matches!(c, Command::Audit(AuditEvent::PrintRetried { documents: 2, .. }))));
    let State::Printing { jobs, .. } = j.state() else { panic!() };
    assert!(jobs.iter().all(|j| j.status == JobStatus::Queued));
    // Same session, same job list: the answers land as before.
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Done { pages: 2 } })
        .ev(Event::JobUpdate { session: s, index: 1, status: JobStatus::Done { pages: 2 } })
        .ev(Event::PrintingDone { session: s });
    assert!(matches!(j.state(), State::Collect { .. }));
    let Some(Command::PrintReceipt { receipt, .. }) = j.out.iter().find(|c| matches!(c, Command::PrintReceipt { .. }))
    else {
        panic!()
    };
    assert!(receipt.lines.iter().all(|l| l.printed));
}

#[test]
fn a_document_done_before_the_fault_is_never_resent() {
    let mut j = printing();
    let s = j.sid();
    j.ev(Event::JobUpdate { session: s, index: 0, status: JobStatus::Done { pages: 2 } })
        .ev(Event::JobUpdate {
            session: s,
            index: 1,
            status: JobStatus::Stopped { problem: PrinterProblem::PaperJam, done: 0 },
        })
        .ev(Event::PrintingDone { session: s })
        .ev(Event::Availability(Availability::Ready))
        .ev(Event::RetryPrint);
    let Some(Command::Print { orders, .. }) = j.out.iter().find(|c| matches!(c, Command::Print { .. })) else {
        panic!()
    };
    let plan: Vec<_> = orders.iter().map(|o| (o.index, o.first_page)).collect();
    assert_eq!(plan, vec![(1, 1)]);
    let State::Printing { jobs, .. } = j.state() else { panic!() };
    assert_eq!(jobs[0].status, JobStatus::Done { pages: 2 }, "kept as done");
}

#[test]
fn leaving_a_stopped_print_still_gives_the_receipt() {
    // Finish, cancel, the idle timeout and the session limit all end in the collect
    // screen with a receipt: pages came out, and what did not keeps its entitlement.
    type Leave = fn(&mut J);
    let ways: [(&str, Leave); 4] = [
        ("finish", |j| {
            j.ev(Event::Finish);
        }),
        ("cancel", |j| {
            j.ev(Event::Cancel);
        }),
        ("idle", |j| {
            j.after(T.idle_ms);
        }),
        ("limit", |j| {
            for _ in 0..(T.session_limit_ms / 10_000) {
                j.after(10_000);
                if !matches!(j.state(), State::PrintStopped { .. }) {
                    break;
                }
                j.ev(Event::ExtendTime);
            }
        }),
    ];
    for (name, leave) in ways {
        let mut j = print_stopped();
        leave(&mut j);
        assert!(matches!(j.state(), State::Collect { .. }), "{name}: {:?}", j.state());
        assert!(j.has(|c| matches!(c, Command::PrintReceipt { .. })), "{name}");
        assert!(j.has(|c| matches!(c, Command::EndSession { token: Some(_) })), "{name}: signed out");
    }
}

#[test]
fn receipt_outcome_is_shown_then_finish_says_goodbye_then_attract() {
    let mut j = collect();
    let s = j.sid();
    j.ev(Event::ReceiptDone { session: s, printed: false });
    assert!(matches!(j.state(), State::Collect { receipt: ReceiptOutcome::Unavailable, .. }));
    j.ev(Event::ReceiptDone { session: s, printed: true });
    assert!(matches!(j.state(), State::Collect { receipt: ReceiptOutcome::Printed, .. }));
    j.ev(Event::Finish);
    assert_eq!(*j.state(), State::Goodbye);
    assert!(j.ended(EndReason::Completed));
    j.after(T.goodbye_ms - 1);
    assert_eq!(*j.state(), State::Goodbye);
    j.after(1);
    assert_eq!(*j.state(), State::Attract);
}

#[test]
fn a_tap_on_goodbye_returns_to_attract() {
    let mut j = collect();
    j.ev(Event::Finish).ev(Event::Start);
    assert_eq!(*j.state(), State::Attract);
    let mut j = collect();
    j.ev(Event::Finish).ev(Event::Cancel);
    assert_eq!(*j.state(), State::Attract);
}
