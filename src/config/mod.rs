//! The kiosk's one configuration file (TOML): the `adm-config` crate (`config/`),
//! re-exported here so every path in the kiosk stays `crate::config::…`. What stays here
//! is the session timing made from it, because `Timing` is the session core's type.

pub use adm_config::*;

use crate::session::Timing;

/// The session machine's timing from `[timeouts]` and `pin_length`.
pub trait SessionTiming {
    fn timing(&self) -> Timing;
}

impl SessionTiming for Config {
    fn timing(&self) -> Timing {
        let t = &self.timeouts;
        Timing {
            idle_ms: t.idle_seconds * 1000,
            warning_ms: t.warning_seconds * 1000,
            session_limit_ms: t.session_limit_seconds * 1000,
            goodbye_ms: t.goodbye_seconds * 1000,
            pin_len: self.pin_length,
            technician_idle_ms: t.technician_idle_seconds * 1000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_timing_comes_from_the_file() {
        assert_eq!(Config::parse("").expect("defaults are valid").timing().warning_ms, 30_000);
        for n in [4, 6, 8] {
            assert_eq!(Config::parse(&format!("pin_length = {n}")).expect("accepted").timing().pin_len, n);
        }
    }
}
