//! The lab's control commands, one line each on its Unix socket (`adm-lab-gadget ctl …`).

use adm_thermal::fake::PaperLevel;

use crate::port::PortState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    A4,
    Receipt,
}

impl Target {
    pub fn parse(word: &str) -> Option<Target> {
        match word {
            "a4" => Some(Target::A4),
            "receipt" => Some(Target::Receipt),
            _ => None,
        }
    }

    pub fn index(self) -> usize {
        match self {
            Target::A4 => 0,
            Target::Receipt => 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Both devices' state and counters, as one JSON line.
    Status,
    /// Forget the first-byte times: the next byte each device receives is timed anew.
    Mark,
    /// Pull the cable (unbind the UDC) or plug it back in.
    Plug(Target, bool),
    /// Port status lines of any printer-class device (GET_PORT_STATUS).
    Port(Target, PortState),
    /// The receipt printer's paper sensors (DLE EOT 4 / 2).
    Paper(PaperLevel),
    /// The receipt printer's cover (DLE EOT 2).
    Cover(bool),
    /// Take at most N more bytes from the host, then process and answer nothing (what
    /// follows is dropped), as a printer whose cable is being pulled mid-job (cleared by
    /// `release` or a plug-in).
    HoldAfter(Target, u64),
    /// Read and answer again after `hold-after`.
    Release(Target),
    /// The IPP-USB printer's cable: plugged in (optionally with the IPP server, HOST:PORT,
    /// its HTTP is carried to) or pulled.
    IppUsbPlug(bool, Option<String>),
}

pub fn parse(line: &str) -> Result<Request, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let target = |w: &str| Target::parse(w).ok_or_else(|| format!("unknown device {w:?} (a4, receipt)"));
    match words.as_slice() {
        ["status"] => Ok(Request::Status),
        ["ippusb", "plug"] => Ok(Request::IppUsbPlug(true, None)),
        ["ippusb", "plug", target]
            if target.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok()) =>
        {
            Ok(Request::IppUsbPlug(true, Some((*target).to_owned())))
        }
        ["ippusb", "unplug"] => Ok(Request::IppUsbPlug(false, None)),
        ["mark"] => Ok(Request::Mark),
        [t, "unplug"] => Ok(Request::Plug(target(t)?, false)),
        [t, "plug"] => Ok(Request::Plug(target(t)?, true)),
        [t, "hold-after", n] => Ok(Request::HoldAfter(
            target(t)?,
            n.parse().map_err(|_| format!("hold-after needs a byte count, not {n:?}"))?,
        )),
        [t, "release"] => Ok(Request::Release(target(t)?)),
        [t, "port", state] => Ok(Request::Port(
            target(t)?,
            PortState::parse(state).ok_or_else(|| format!("unknown port state {state:?}"))?,
        )),
        ["receipt", "paper", level] => Ok(Request::Paper(match *level {
            "ok" => PaperLevel::Ok,
            "near-end" => PaperLevel::NearEnd,
            "out" => PaperLevel::Out,
            other => return Err(format!("unknown paper level {other:?} (ok, near-end, out)")),
        })),
        ["receipt", "cover", state] => Ok(Request::Cover(match *state {
            "open" => true,
            "closed" => false,
            other => return Err(format!("unknown cover state {other:?} (open, closed)")),
        })),
        _ => Err(format!("unknown command {line:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(parse("status"), Ok(Request::Status));
        assert_eq!(parse(" a4  port paper-empty\n"), Ok(Request::Port(Target::A4, PortState::PaperEmpty)));
        assert_eq!(parse("receipt unplug"), Ok(Request::Plug(Target::Receipt, false)));
        assert_eq!(parse("a4 plug"), Ok(Request::Plug(Target::A4, true)));
        assert_eq!(parse("receipt paper near-end"), Ok(Request::Paper(PaperLevel::NearEnd)));
        assert_eq!(parse("receipt cover open"), Ok(Request::Cover(true)));
        assert!(parse("a4 paper out").is_err(), "the laser's paper is its port lines");
        assert!(parse("scanner unplug").is_err());
        assert_eq!(parse("ippusb plug 10.0.2.100:631"), Ok(Request::IppUsbPlug(true, Some("10.0.2.100:631".into()))));
        assert_eq!(parse("ippusb plug"), Ok(Request::IppUsbPlug(true, None)));
        assert_eq!(parse("ippusb unplug"), Ok(Request::IppUsbPlug(false, None)));
        assert!(parse("ippusb plug 10.0.2.100").is_err(), "a port is needed");
        assert!(parse("a4 port jammed").is_err());
        assert_eq!(parse("receipt hold-after 64"), Ok(Request::HoldAfter(Target::Receipt, 64)));
        assert_eq!(parse("receipt release"), Ok(Request::Release(Target::Receipt)));
        assert!(parse("receipt hold-after").is_err());
        assert!(parse("receipt hold-after -1").is_err());
        assert!(parse("").is_err());
    }
}
