//! Log setup: `tracing` to stderr (journald picks it up under systemd).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls are ignored (tests call it often).
pub fn init(default_level: &str) {
    let filter = EnvFilter::try_from_env("ADM_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    // Logs go to stderr (journald keeps both streams): stdout belongs to the commands'
    // JSON lines (`doctor`, `print-test`, `verify-pdf`, …), which scripts parse.
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(std::io::stderr).try_init();
}
