//! Finding an IPP-over-USB printer's loopback URI.
//!
//! Debian's `ipp-usb` daemon claims every 7/1/4 interface and serves each printer as
//! `http://localhost:<port>/ipp/print`, ports allocated from 60000 up (and remembered
//! per device). DNS-SD is not available on the kiosk, and `ipp-usb status` output is
//! meant for people, so the approach chosen is: probe a small port range on loopback
//! with Get-Printer-Attributes and match the answer to the USB device — by serial number
//! (`SN:` of `printer-device-id`, or inside `printer-uuid`, which ipp-usb and most
//! printers derive from it), else by make and model.

use std::time::Duration;

use ::ipp::prelude::*;

use crate::ipp::attrs;
use crate::usb::DeviceId;

/// Ports ipp-usb allocates first; a kiosk has one or two USB printers.
pub const DEFAULT_PORTS: std::ops::Range<u16> = 60000..60010;

/// What we know of the USB printer we look for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsbIdentity {
    pub serial: Option<String>,
    /// USB product string or 1284 `MDL:`.
    pub model: Option<String>,
}

/// What one loopback port answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoopbackPrinter {
    pub uri: String,
    pub device_id: Option<DeviceId>,
    pub make_and_model: String,
    pub uuid: Option<String>,
}

impl LoopbackPrinter {
    pub fn matches(&self, want: &UsbIdentity) -> bool {
        let norm = |s: &str| s.to_ascii_lowercase().replace(' ', "");
        if let Some(serial) = want.serial.as_deref().filter(|s| !s.is_empty()) {
            let sn = self.device_id.as_ref().and_then(|d| d.serial.clone());
            if let Some(sn) = sn {
                return norm(&sn) == norm(serial);
            }
            if let Some(uuid) = &self.uuid
                && norm(uuid).contains(&norm(serial))
            {
                return true;
            }
        }
        match want.model.as_deref().filter(|m| !m.is_empty()) {
            Some(model) => {
                let mdl = self.device_id.as_ref().map(|d| d.model.clone()).unwrap_or_default();
                let m = norm(model);
                (!mdl.is_empty() && (norm(&mdl).contains(&m) || m.contains(&norm(&mdl))))
                    || norm(&self.make_and_model).contains(&m)
            }
            None => want.serial.is_none(),
        }
    }
}

/// Asks `127.0.0.1:<port>` who it is. `None` when nothing IPP answers there.
pub fn probe(port: u16, timeout: Duration) -> Option<LoopbackPrinter> {
    let uri_s = format!("http://127.0.0.1:{port}/ipp/print");
    let uri: Uri = uri_s.parse().ok()?;
    let link = crate::ipp::link_for(uri);
    let resp =
        link.get_printer_attributes(&["printer-device-id", "printer-make-and-model", "printer-uuid"], timeout).ok()?;
    let t = DelimiterTag::PrinterAttributes;
    Some(LoopbackPrinter {
        uri: uri_s,
        device_id: attrs::strings(&resp, t, "printer-device-id").first().map(|s| DeviceId::parse(s)),
        make_and_model: attrs::strings(&resp, t, "printer-make-and-model").into_iter().next().unwrap_or_default(),
        uuid: attrs::strings(&resp, t, "printer-uuid").into_iter().next(),
    })
}

/// The loopback URI ipp-usb serves `want` at, probing `ports` in order.
pub fn find_ipp_usb_uri(ports: impl IntoIterator<Item = u16>, want: &UsbIdentity, timeout: Duration) -> Option<String> {
    ports.into_iter().take(64).filter_map(|p| probe(p, timeout)).find(|p| p.matches(want)).map(|p| p.uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_by_serial_then_model() {
        let p = LoopbackPrinter {
            uri: "http://127.0.0.1:60000/ipp/print".into(),
            device_id: Some(DeviceId::parse("MFG:HP;MDL:OfficeJet Pro 8730;CMD:PCL3GUI,PDF,URF;SN:TH6CK5K0QM;")),
            make_and_model: "HP OfficeJet Pro 8730".into(),
            uuid: None,
        };
        let want = |serial: Option<&str>, model: Option<&str>| UsbIdentity {
            serial: serial.map(String::from),
            model: model.map(String::from),
        };
        assert!(p.matches(&want(Some("TH6CK5K0QM"), None)));
        assert!(!p.matches(&want(Some("OTHER"), Some("OfficeJet Pro 8730"))));
        assert!(p.matches(&want(None, Some("officejet pro 8730"))));
        assert!(!p.matches(&want(None, Some("LaserJet"))));
        let no_sn = LoopbackPrinter { device_id: Some(DeviceId::parse("MFG:HP;MDL:X;")), ..p.clone() };
        assert!(no_sn.matches(&want(Some("S1"), Some("x"))), "serial unknown: fall back to model");
    }

    #[test]
    fn nothing_listening_is_none() {
        // Port 1 on loopback: connection refused at once.
        assert_eq!(find_ipp_usb_uri([1], &UsbIdentity::default(), Duration::from_millis(500)), None);
    }
}
