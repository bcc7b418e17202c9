//! Printer addresses as technicians and the kiosk configuration write them.
//!
//! * `ipp://host[:port][/path]`, `ipps://…` — IPP printers and CUPS queues (path
//!   defaults to `/ipp/print`, the IPP Everywhere one);
//! * `http://localhost:60000/ipp/print` — what ipp-usb serves, accepted as is;
//! * `usb://VID:PID[/serial]` — a USB printer, hex IDs (`usb://04f9:0042/E12345`);
//! * `sim:` — the simulated printer.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterUri {
    /// Normalised IPP URI (scheme ipp/ipps/http/https, host, port, path).
    Ipp(String),
    Usb {
        vid: u16,
        pid: u16,
        serial: Option<String>,
    },
    Sim,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad printer URI {uri:?}: {why}")]
pub struct UriError {
    pub uri: String,
    pub why: &'static str,
}

impl FromStr for PrinterUri {
    type Err = UriError;

    fn from_str(s: &str) -> Result<Self, UriError> {
        let err = |why| UriError { uri: s.chars().take(200).collect(), why };
        if s.is_empty() || s.len() > 1024 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("empty, too long, or contains spaces"));
        }
        if matches!(s, "sim" | "sim:" | "sim://") {
            return Ok(PrinterUri::Sim);
        }
        let (scheme, rest) = s.split_once("://").ok_or_else(|| err("missing scheme://"))?;
        match scheme.to_ascii_lowercase().as_str() {
            "usb" => parse_usb(rest).ok_or_else(|| err("expected usb://VID:PID[/serial] with hex IDs")),
            scheme @ ("ipp" | "ipps" | "http" | "https") => {
                let (authority, path) = match rest.find('/') {
                    Some(i) => (&rest[..i], &rest[i..]),
                    None => (rest, ""),
                };
                if authority.contains('@') {
                    return Err(err("credentials in printer URIs are not supported"));
                }
                let host = match authority.rsplit_once(':') {
                    // IPv6 literal without port: "[::1]"
                    Some(_) if authority.ends_with(']') => authority,
                    Some((h, port)) => {
                        port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| err("bad port"))?;
                        h
                    }
                    None => authority,
                };
                if host.is_empty() {
                    return Err(err("missing host"));
                }
                let path = if path.is_empty() || path == "/" { "/ipp/print" } else { path };
                Ok(PrinterUri::Ipp(format!("{scheme}://{authority}{path}")))
            }
            _ => Err(err("scheme must be ipp, ipps, http, https, usb or sim")),
        }
    }
}

fn parse_usb(rest: &str) -> Option<PrinterUri> {
    let (ids, serial) = match rest.split_once('/') {
        Some((ids, serial)) => (ids, Some(serial)),
        None => (rest, None),
    };
    let (vid, pid) = ids.split_once(':')?;
    let hex = |s: &str| (!s.is_empty() && s.len() <= 4).then(|| u16::from_str_radix(s, 16).ok()).flatten();
    let serial = match serial {
        None | Some("") => None,
        Some(s) if s.contains('/') => return None,
        Some(s) => Some(s.to_string()),
    };
    Some(PrinterUri::Usb { vid: hex(vid)?, pid: hex(pid)?, serial })
}

impl fmt::Display for PrinterUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrinterUri::Ipp(u) => f.write_str(u),
            PrinterUri::Usb { vid, pid, serial: Some(s) } => write!(f, "usb://{vid:04x}:{pid:04x}/{s}"),
            PrinterUri::Usb { vid, pid, serial: None } => write!(f, "usb://{vid:04x}:{pid:04x}"),
            PrinterUri::Sim => f.write_str("sim:"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<PrinterUri, UriError> {
        s.parse()
    }

    #[test]
    fn parses_the_forms_technicians_write() {
        assert_eq!(p("ipp://127.0.0.1:8632/ipp/print"), Ok(PrinterUri::Ipp("ipp://127.0.0.1:8632/ipp/print".into())));
        assert_eq!(p("ipp://printer.local"), Ok(PrinterUri::Ipp("ipp://printer.local/ipp/print".into())));
        assert_eq!(p("ipps://[::1]/printers/a4"), Ok(PrinterUri::Ipp("ipps://[::1]/printers/a4".into())));
        assert_eq!(
            p("http://localhost:60000/ipp/print"),
            Ok(PrinterUri::Ipp("http://localhost:60000/ipp/print".into()))
        );
        assert_eq!(
            p("usb://04f9:0042/E7K123"),
            Ok(PrinterUri::Usb { vid: 0x04f9, pid: 0x42, serial: Some("E7K123".into()) })
        );
        assert_eq!(p("USB://03F0:C511"), Ok(PrinterUri::Usb { vid: 0x03f0, pid: 0xc511, serial: None }));
        assert_eq!(p("sim:"), Ok(PrinterUri::Sim));
        assert_eq!(p("usb://04f9:0042/E7K123").map(|u| u.to_string()), Ok("usb://04f9:0042/E7K123".into()));
    }

    #[test]
    fn rejects_what_it_cannot_reach() {
        for bad in [
            "",
            "ipp://",
            "ipp://:631/x",
            "ipp://host:0/",
            "ipp://host:99999/",
            "ipp://u:p@host/",
            "lpd://host/q",
            "usb://04f9",
            "usb://zz:0042",
            "usb://12345:1",
            "usb://1:2/a/b",
            "ipp://host/a b",
            "printer",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}
