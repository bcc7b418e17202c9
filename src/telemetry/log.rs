//! Log setup: `tracing` to stdout (journald picks it up under systemd).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls are ignored (tests call it often).
pub fn init(default_level: &str) {
    let filter = EnvFilter::try_from_env("ADM_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}
