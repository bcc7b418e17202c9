//! `adm-kiosk printers`: the USB printers this kiosk can see, one JSON object per line,
//! with the `printers.a4` value that selects each and how the kiosk would reach it.

use serde_json::{Value, json};

use super::{UsbPrinterInfo, UsbRoute};

/// The `usb://VID:PID[/serial]` address that selects this printer in the configuration.
pub fn uri_of(p: &UsbPrinterInfo) -> String {
    match &p.serial {
        Some(s) if !s.is_empty() && !s.contains('/') => format!("usb://{:04x}:{:04x}/{s}", p.vid, p.pid),
        _ => format!("usb://{:04x}:{:04x}", p.vid, p.pid),
    }
}

/// One printer, for technicians choosing `printers.a4`. For an IPP-over-USB printer,
/// also where ipp-usb serves it on loopback (what the kiosk will print to), or `null`
/// when ipp-usb does not (yet) serve it.
pub fn describe(p: &UsbPrinterInfo) -> Value {
    let loopback = match p.route() {
        Some(UsbRoute::IppUsb) => {
            let want = super::ipp_usb::UsbIdentity { serial: p.serial.clone(), model: p.product.clone() };
            super::ipp_usb::find_ipp_usb_uri(super::ipp_usb::DEFAULT_PORTS, &want, std::time::Duration::from_secs(2))
        }
        _ => None,
    };
    describe_with(p, loopback.as_deref())
}

/// [`describe`] with the loopback address already looked up.
pub fn describe_with(p: &UsbPrinterInfo, loopback: Option<&str>) -> Value {
    let route = match p.route() {
        Some(UsbRoute::IppUsb) => "ipp-usb",
        Some(UsbRoute::Raw(i)) if i.protocol == super::PROTOCOL_BIDIRECTIONAL => "printer-class-bidirectional",
        Some(UsbRoute::Raw(_)) => "printer-class-unidirectional",
        None => "unusable",
    };
    let mut v = json!({
        "event": "usb_printer",
        "uri": uri_of(p),
        "bus": p.bus,
        "address": p.address,
        "manufacturer": p.manufacturer,
        "product": p.product,
        "serial": p.serial,
        "route": route,
        "interfaces": p.interfaces.iter().map(|i| format!("{}/{}/{}", super::CLASS_PRINTER, super::SUBCLASS_PRINTER, i.protocol)).collect::<Vec<_>>(),
    });
    if route == "ipp-usb" {
        v["loopback"] = json!(loopback);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usb::PrinterInterface;

    fn iface(protocol: u8) -> PrinterInterface {
        PrinterInterface {
            config_index: 0,
            config_value: 1,
            number: 0,
            alt_setting: 0,
            protocol,
            bulk_out: Some(0x01),
            bulk_in: Some(0x82),
        }
    }

    #[test]
    fn describes_each_route_with_the_address_that_selects_it() {
        let mut p = UsbPrinterInfo {
            vid: 0x03f0,
            pid: 0x2b17,
            serial: Some("VNB3K12345".into()),
            product: Some("HP LaserJet 1020".into()),
            interfaces: vec![iface(2)],
            ..Default::default()
        };
        let v = describe(&p);
        assert_eq!(v["uri"], "usb://03f0:2b17/VNB3K12345");
        assert_eq!(v["route"], "printer-class-bidirectional");
        assert_eq!(v["interfaces"][0], "7/1/2");
        assert!(v.get("loopback").is_none(), "only IPP-over-USB printers have one");
        p.interfaces.push(iface(4));
        let v = describe_with(&p, Some("http://127.0.0.1:60000/ipp/print"));
        assert_eq!(v["route"], "ipp-usb");
        assert_eq!(v["loopback"], "http://127.0.0.1:60000/ipp/print");
        assert!(describe_with(&p, None)["loopback"].is_null(), "ipp-usb not serving it: said so");
        p.serial = None;
        assert_eq!(uri_of(&p), "usb://03f0:2b17");
        p.interfaces = vec![PrinterInterface { bulk_out: None, ..iface(1) }];
        assert_eq!(describe(&p)["route"], "unusable");
    }
}
