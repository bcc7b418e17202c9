//! Demo and fleet tests only: a file whose content (`paper-out`, `jam`, `cover-open`,
//! or nothing) sets the simulated A4 printer's standing fault, so a fault can be flipped
//! from outside the process. Real printers ignore it; production builds (without the
//! `demo` feature) do not have it.

use adm_a4::sim::{SimControl, SimFault};

/// The environment variable naming the fault file.
pub const SIM_FAULT_FILE: &str = "ADM_SIM_A4_FAULT_FILE";

/// Sets the simulated printer's fault from the file [`SIM_FAULT_FILE`] names, if set.
pub(super) fn apply_from_env(sim: &SimControl) {
    if let Ok(path) = std::env::var(SIM_FAULT_FILE) {
        from_file(sim, &path);
    }
}

fn from_file(sim: &SimControl, path: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    match text.trim() {
        "paper-out" => sim.inject(SimFault::PaperOut),
        "jam" => sim.inject(SimFault::Jam),
        "cover-open" => sim.inject(SimFault::CoverOpen),
        _ => sim.clear(),
    }
}
