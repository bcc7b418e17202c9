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

/// One printer, for technicians choosing `printers.a4`.
pub fn describe(p: &UsbPrinterInfo) -> Value {
    let route = match p.route() {
        Some(UsbRoute::IppUsb) => "ipp-usb",
        Some(UsbRoute::Raw(i)) if i.protocol == super::PROTOCOL_BIDIRECTIONAL => "printer-class-bidirectional",
        Some(UsbRoute::Raw(_)) => "printer-class-unidirectional",
        None => "unusable",
    };
    json!({
        "event": "usb_printer",
        "uri": uri_of(p),
        "bus": p.bus,
        "address": p.address,
        "manufacturer": p.manufacturer,
        "product": p.product,
        "serial": p.serial,
        "route": route,
        "interfaces": p.interfaces.iter().map(|i| format!("{}/{}/{}", super::CLASS_PRINTER, super::SUBCLASS_PRINTER, i.protocol)).collect::<Vec<_>>(),
    })
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
        p.interfaces.push(iface(4));
        assert_eq!(describe(&p)["route"], "ipp-usb");
        p.serial = None;
        assert_eq!(uri_of(&p), "usb://03f0:2b17");
        p.interfaces = vec![PrinterInterface { bulk_out: None, ..iface(1) }];
        assert_eq!(describe(&p)["route"], "unusable");
    }
}
