//! An IPP answer from a printer → the A4 driver's reading of it (printer state, reasons,
//! formats, media, markers; a job's state and pages), parsed as `Link::send` parses it. A
//! printer is untrusted: a network neighbour or a broken firmware may send anything.
//! Beyond "no panic": supply levels stay percentages and a page count is never negative.
#![no_main]

use std::sync::Once;

use adm_a4::ipp::{JobPoll, attrs, info_from, parse_answer, poll_from};
use libfuzzer_sys::fuzz_target;

/// libFuzzer's panic hook aborts at once, even inside `catch_unwind`. The driver catches
/// the ipp crate's own parser panics (a protocol error, see `parser_guard`), so those are
/// let through silently; any other panic is still a finding.
fn panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            if info.location().is_some_and(|l| l.file().contains("/ipp-")) {
                return;
            }
            eprintln!("{info}");
            std::process::abort();
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    panic_hook();
    let Ok(resp) = parse_answer(data) else { return };
    let info = info_from(&resp);
    for m in &info.status.markers {
        assert!(m.level_percent.is_none_or(|l| l <= 100) && m.low_percent.is_none_or(|l| l <= 100));
    }
    assert!(info.status.markers.len() <= 16);
    if let JobPoll::Seen { impressions: Some(n), .. } = poll_from(&resp) {
        assert!(i32::try_from(n).is_ok(), "page count {n} did not come from a non-negative i32");
    }
    let _ = attrs::markers(&resp);
});
