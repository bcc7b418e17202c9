//! `open(uri)`: from a configured printer address to a printer.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use crate::A4Printer;
use crate::ipp::{IppBackend, IppConfig};
use crate::raster::Rasterizer;
use crate::raw::{RawBackend, RawConfig, Reopen};
use crate::sim::SimA4Printer;
use crate::uri::{PrinterUri, UriError};
use crate::usb::ipp_usb::{self, UsbIdentity};
use crate::usb::{RusbTransport, UsbError, UsbRoute, UsbTransport, enumerate_printers};

#[derive(Clone)]
pub struct OpenOptions {
    pub ipp: IppConfig,
    pub raw: RawConfig,
    /// Shared by the IPP (printers without PDF) and raw backends.
    pub rasterizer: Option<Arc<dyn Rasterizer>>,
    /// Where ipp-usb's loopback printers are looked for.
    pub ipp_usb_ports: Range<u16>,
    /// Page time of the simulated printer (`sim:`).
    pub sim_page_time: Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            ipp: IppConfig::default(),
            raw: RawConfig::default(),
            rasterizer: None,
            ipp_usb_ports: ipp_usb::DEFAULT_PORTS,
            sim_page_time: Duration::from_millis(500),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Uri(#[from] UriError),
    #[error("no USB printer {0}")]
    NotFound(String),
    #[error(
        "{0} is an IPP-over-USB printer but ipp-usb does not serve it on ports {1:?}: is the ipp-usb service running?"
    )]
    IppUsbNotServing(String, Range<u16>),
    #[error("USB printer {0}: {1}")]
    Usb(String, UsbError),
    #[error("{0}")]
    Other(String),
}

/// Opens the printer at `uri` (`ipp://…`, `ipps://…`, `http://localhost:6000x/…`,
/// `usb://VID:PID[/serial]`, `sim:`).
pub fn open(uri: &str, opts: &OpenOptions) -> Result<Box<dyn A4Printer>, OpenError> {
    let parsed: PrinterUri = uri.parse()?;
    let mut ipp = opts.ipp.clone();
    if ipp.rasterizer.is_none() {
        ipp.rasterizer = opts.rasterizer.clone();
    }
    match &parsed {
        PrinterUri::Sim => Ok(Box::new(SimA4Printer::new(None, opts.sim_page_time))),
        PrinterUri::Ipp(u) => Ok(Box::new(IppBackend::new(u, ipp).map_err(|e| OpenError::Other(e.to_string()))?)),
        PrinterUri::Usb { vid, pid, serial } => {
            let name = parsed.to_string();
            let found = enumerate_printers()
                .map_err(|e| OpenError::Usb(name.clone(), e))?
                .into_iter()
                .find(|p| p.matches(*vid, *pid, serial.as_deref()))
                .ok_or_else(|| OpenError::NotFound(name.clone()))?;
            match found.route() {
                Some(UsbRoute::IppUsb) => {
                    let want = UsbIdentity { serial: found.serial.clone(), model: found.product.clone() };
                    let loopback = ipp_usb::find_ipp_usb_uri(opts.ipp_usb_ports.clone(), &want, Duration::from_secs(2))
                        .ok_or_else(|| OpenError::IppUsbNotServing(name.clone(), opts.ipp_usb_ports.clone()))?;
                    tracing::info!(printer = %name, %loopback, "IPP-over-USB printer via ipp-usb");
                    Ok(Box::new(IppBackend::new(&loopback, ipp).map_err(|e| OpenError::Other(e.to_string()))?))
                }
                Some(UsbRoute::Raw(_)) => {
                    let (t, _) = RusbTransport::open(*vid, *pid, serial.as_deref())
                        .map_err(|e| OpenError::Usb(name.clone(), e))?;
                    let mut raw = opts.raw.clone();
                    if raw.rasterizer.is_none() {
                        raw.rasterizer = opts.rasterizer.clone();
                    }
                    // Unplugged and plugged back (a cable pulled in the hall), the printer
                    // is a new USB device: the backend finds it again by the same IDs.
                    let (vid, pid, serial) = (*vid, *pid, serial.clone());
                    let reopen: Reopen = Box::new(move || {
                        RusbTransport::open(vid, pid, serial.as_deref())
                            .map(|(t, _)| Box::new(t) as Box<dyn UsbTransport>)
                    });
                    Ok(Box::new(RawBackend::new(Box::new(t), raw).with_reopen(reopen)))
                }
                None => Err(OpenError::NotFound(format!("{name} (no usable printer interface)"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_sim_and_ipp_and_refuses_nonsense() {
        assert!(open("sim:", &OpenOptions::default()).is_ok());
        assert!(open("ipp://127.0.0.1:1/ipp/print", &OpenOptions::default()).is_ok());
        assert!(matches!(open("lpd://x/y", &OpenOptions::default()), Err(OpenError::Uri(_))));
    }

    #[test]
    fn usb_enumeration_runs_without_a_bus() {
        // CI has no USB bus: enumeration must answer (an empty list), not fail.
        let printers = enumerate_printers().expect("enumerate");
        let _ = printers.len();
        assert!(matches!(open("usb://ffff:fffe", &OpenOptions::default()), Err(OpenError::NotFound(_))));
    }
}
