//! USB transport (rusb): finds the receipt printer by VID:PID or by its printer-class
//! interface, writes bulk OUT with partial-write reporting, reads status on bulk IN, and
//! reopens the device after an unplug.
//!
//! Written here instead of using `escpos`'s `UsbDriver`, which ignores partial bulk writes,
//! requires an IN endpoint and cannot reconnect.

use std::time::{Duration, Instant};

use rusb::{Context, DeviceHandle, TransferType, UsbContext};

use crate::transport::{Transport, TransportError};

/// USB class of printers (and subclass 1 = printer).
const CLASS_PRINTER: u8 = 7;
const CLASS_VENDOR: u8 = 0xff;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsbConfig {
    /// Open only this vendor (and product) id; None: the first printer-class device.
    pub vid: Option<u16>,
    pub pid: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointDesc {
    pub address: u8,
    pub bulk: bool,
}

impl EndpointDesc {
    fn is_in(&self) -> bool {
        self.address & 0x80 != 0
    }
}

/// One alternate setting of an interface, as read from the configuration descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceDesc {
    pub number: u8,
    pub alt: u8,
    pub class: u8,
    pub subclass: u8,
    pub protocol: u8,
    pub endpoints: Vec<EndpointDesc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub interface: u8,
    pub alt: u8,
    pub ep_out: u8,
    /// None on unidirectional printers: they cannot report status.
    pub ep_in: Option<u8>,
}

/// Picks the interface to print through. Printer class wins: protocol 2 (bidirectional) over
/// 1 (unidirectional); protocol 4 (IPP-over-USB) is skipped, it speaks HTTP, not ESC/POS.
/// Many cheap receipt printers use a vendor-specific interface: accepted only when the device
/// was chosen by its VID:PID.
pub fn select_interface(interfaces: &[InterfaceDesc], matched_by_id: bool) -> Option<Selection> {
    let rank = |i: &InterfaceDesc| match (i.class, i.subclass, i.protocol) {
        (CLASS_PRINTER, 1, 2) | (CLASS_PRINTER, 1, 3) => Some(0),
        (CLASS_PRINTER, 1, 1) => Some(1),
        (CLASS_VENDOR, _, _) if matched_by_id => Some(2),
        _ => None,
    };
    let mut best: Option<(u8, Selection)> = None;
    for iface in interfaces {
        let Some(r) = rank(iface) else { continue };
        let ep_out = iface.endpoints.iter().find(|e| e.bulk && !e.is_in()).map(|e| e.address);
        let ep_in = iface.endpoints.iter().find(|e| e.bulk && e.is_in()).map(|e| e.address);
        let Some(ep_out) = ep_out else { continue };
        let sel = Selection { interface: iface.number, alt: iface.alt, ep_out, ep_in };
        if best.is_none_or(|(b, _)| r < b) {
            best = Some((r, sel));
        }
    }
    best.map(|(_, sel)| sel)
}

/// A printer found on the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbPrinterInfo {
    pub bus: u8,
    pub address: u8,
    pub vid: u16,
    pub pid: u16,
    pub selection: Selection,
}

fn interfaces_of(device: &rusb::Device<Context>) -> Vec<InterfaceDesc> {
    let config = match device.active_config_descriptor().or_else(|_| device.config_descriptor(0)) {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(error = %e, "cannot read USB configuration descriptor");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for iface in config.interfaces() {
        for alt in iface.descriptors() {
            out.push(InterfaceDesc {
                number: alt.interface_number(),
                alt: alt.setting_number(),
                class: alt.class_code(),
                subclass: alt.sub_class_code(),
                protocol: alt.protocol_code(),
                endpoints: alt
                    .endpoint_descriptors()
                    .map(|e| EndpointDesc { address: e.address(), bulk: e.transfer_type() == TransferType::Bulk })
                    .collect(),
            });
        }
    }
    out
}

fn matches_id(cfg: &UsbConfig, vid: u16, pid: u16) -> Option<bool> {
    match (cfg.vid, cfg.pid) {
        (Some(v), Some(p)) => (v == vid && p == pid).then_some(true),
        (Some(v), None) => (v == vid).then_some(true),
        _ => Some(false),
    }
}

fn candidates(ctx: &Context, cfg: &UsbConfig) -> Vec<(rusb::Device<Context>, UsbPrinterInfo)> {
    let devices = match ctx.devices() {
        Ok(d) => d,
        Err(e) => {
            tracing::debug!(error = %e, "cannot list USB devices");
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    for device in devices.iter() {
        let Ok(desc) = device.device_descriptor() else { continue };
        let (vid, pid) = (desc.vendor_id(), desc.product_id());
        let Some(by_id) = matches_id(cfg, vid, pid) else { continue };
        let Some(selection) = select_interface(&interfaces_of(&device), by_id) else { continue };
        let info = UsbPrinterInfo { bus: device.bus_number(), address: device.address(), vid, pid, selection };
        found.push((device, info));
    }
    found
}

/// Receipt printers on the bus. No USB at all (no usbfs, as in containers) is reported as an
/// empty list, not an error: the kiosk then shows the printer as disconnected.
pub fn list_printers(cfg: &UsbConfig) -> Vec<UsbPrinterInfo> {
    match Context::new() {
        Ok(ctx) => candidates(&ctx, cfg).into_iter().map(|(_, info)| info).collect(),
        Err(e) => {
            tracing::debug!(error = %e, "no USB subsystem");
            Vec::new()
        }
    }
}

struct Connection {
    handle: DeviceHandle<Context>,
    info: UsbPrinterInfo,
}

/// The real receipt printer: the device layer over USB.
pub type UsbReceiptPrinter = crate::device::EscPosPrinter<UsbTransport>;

/// Opens nothing yet: the first status poll connects, and later polls reconnect after an unplug.
pub fn usb_printer(usb: UsbConfig, device: crate::device::DeviceConfig) -> UsbReceiptPrinter {
    crate::device::EscPosPrinter::new(UsbTransport::new(usb), device)
}

pub struct UsbTransport {
    cfg: UsbConfig,
    conn: Option<Connection>,
}

impl UsbTransport {
    /// Nothing is opened until the device layer asks (see [`Transport::reconnect`]).
    pub fn new(cfg: UsbConfig) -> Self {
        UsbTransport { cfg, conn: None }
    }

    fn open(&self) -> Result<Connection, TransportError> {
        let ctx = Context::new().map_err(|e| TransportError::NotFound(format!("no USB: {e}")))?;
        let Some((device, info)) = candidates(&ctx, &self.cfg).into_iter().next() else {
            return Err(TransportError::NotFound("no USB receipt printer".to_owned()));
        };
        let handle = device.open().map_err(map_err)?;
        // The kernel's usblp driver binds printer-class interfaces; it must let go first.
        match handle.set_auto_detach_kernel_driver(true) {
            Ok(()) | Err(rusb::Error::NotSupported) => {}
            Err(e) => return Err(map_err(e)),
        }
        let sel = info.selection;
        handle.claim_interface(sel.interface).map_err(map_err)?;
        if sel.alt != 0 {
            handle.set_alternate_setting(sel.interface, sel.alt).map_err(map_err)?;
        }
        Ok(Connection { handle, info })
    }
}

fn map_err(e: rusb::Error) -> TransportError {
    match e {
        rusb::Error::NoDevice | rusb::Error::NotFound | rusb::Error::Io => TransportError::Disconnected,
        rusb::Error::Timeout => TransportError::Timeout,
        rusb::Error::Access => TransportError::Io("permission denied (udev rule for the printer?)".to_owned()),
        rusb::Error::Busy => TransportError::Io("interface busy (another process has the printer)".to_owned()),
        other => TransportError::Io(other.to_string()),
    }
}

impl Transport for UsbTransport {
    fn write(&mut self, data: &[u8], timeout: Duration) -> Result<usize, TransportError> {
        let conn = self.conn.as_ref().ok_or(TransportError::Disconnected)?;
        // rusb returns Ok(n) with n < len when a timeout cut the transfer short: the caller
        // resends only the rest, never the whole chunk (that would print lines twice).
        match conn.handle.write_bulk(conn.info.selection.ep_out, data, timeout) {
            Ok(n) => Ok(n),
            Err(rusb::Error::Pipe) => {
                // Endpoint stalled (printer error): clear it so later jobs can go through.
                let _ = conn.handle.clear_halt(conn.info.selection.ep_out);
                Err(TransportError::Io("bulk OUT stalled".to_owned()))
            }
            Err(e) => Err(map_err(e)),
        }
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let conn = self.conn.as_ref().ok_or(TransportError::Disconnected)?;
        let ep_in = conn
            .info
            .selection
            .ep_in
            .ok_or_else(|| TransportError::Io("printer has no IN endpoint (cannot report status)".to_owned()))?;
        let deadline = Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
            match conn.handle.read_bulk(ep_in, buf, remaining) {
                // Some printers answer IN tokens with zero-length packets while they have
                // nothing to say: keep waiting until the deadline.
                Ok(0) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                Ok(0) => return Err(TransportError::Timeout),
                Ok(n) => return Ok(n),
                Err(rusb::Error::Pipe) => {
                    let _ = conn.handle.clear_halt(ep_in);
                    return Err(TransportError::Io("bulk IN stalled".to_owned()));
                }
                Err(e) => return Err(map_err(e)),
            }
        }
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        if let Some(old) = self.conn.take() {
            let _ = old.handle.release_interface(old.info.selection.interface);
        }
        let conn = self.open()?;
        tracing::info!(vid = conn.info.vid, pid = conn.info.pid, "USB receipt printer opened");
        self.conn = Some(conn);
        Ok(())
    }

    fn describe(&self) -> String {
        match &self.conn {
            Some(c) => format!("USB {:04x}:{:04x} bus {} addr {}", c.info.vid, c.info.pid, c.info.bus, c.info.address),
            None => "USB (not connected)".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(address: u8) -> EndpointDesc {
        EndpointDesc { address, bulk: true }
    }

    /// Recorded from an Epson TM-T20II (04b8:0e15): one printer-class interface, 7/1/2.
    fn epson() -> Vec<InterfaceDesc> {
        vec![InterfaceDesc {
            number: 0,
            alt: 0,
            class: 7,
            subclass: 1,
            protocol: 2,
            endpoints: vec![ep(0x81), ep(0x02)],
        }]
    }

    /// A "POS-58" clone (0416:5011): vendor-specific interface with bulk OUT 0x03 and IN 0x81.
    fn clone58() -> Vec<InterfaceDesc> {
        vec![InterfaceDesc {
            number: 0,
            alt: 0,
            class: 0xff,
            subclass: 0,
            protocol: 0,
            endpoints: vec![ep(0x81), ep(0x03)],
        }]
    }

    #[test]
    fn printer_class_interface_is_selected() {
        let sel = select_interface(&epson(), false).expect("selected");
        assert_eq!(sel, Selection { interface: 0, alt: 0, ep_out: 0x02, ep_in: Some(0x81) });
    }

    #[test]
    fn vendor_class_only_when_chosen_by_id() {
        assert_eq!(select_interface(&clone58(), false), None);
        assert_eq!(select_interface(&clone58(), true).map(|s| s.ep_out), Some(0x03));
    }

    #[test]
    fn bidirectional_beats_ipp_over_usb_and_unidirectional() {
        let ifaces = vec![
            InterfaceDesc {
                number: 0,
                alt: 0,
                class: 7,
                subclass: 1,
                protocol: 4,
                endpoints: vec![ep(0x01), ep(0x82)],
            },
            InterfaceDesc { number: 1, alt: 0, class: 7, subclass: 1, protocol: 1, endpoints: vec![ep(0x03)] },
            InterfaceDesc {
                number: 1,
                alt: 1,
                class: 7,
                subclass: 1,
                protocol: 2,
                endpoints: vec![ep(0x03), ep(0x84)],
            },
        ];
        assert_eq!(
            select_interface(&ifaces, false),
            Some(Selection { interface: 1, alt: 1, ep_out: 0x03, ep_in: Some(0x84) })
        );
    }

    #[test]
    fn interface_without_bulk_out_is_skipped() {
        let ifaces = vec![InterfaceDesc {
            number: 0,
            alt: 0,
            class: 7,
            subclass: 1,
            protocol: 2,
            endpoints: vec![EndpointDesc { address: 0x01, bulk: false }, ep(0x81)],
        }];
        assert_eq!(select_interface(&ifaces, false), None);
    }

    #[test]
    fn enumerating_without_devices_is_not_an_error() {
        // This sandbox has no USB bus: an empty list, not a panic or an error.
        let found = list_printers(&UsbConfig { vid: Some(0x04b8), pid: Some(0x0e15) });
        assert!(found.iter().all(|p| p.vid == 0x04b8));
        let mut t = UsbTransport::new(UsbConfig { vid: Some(0xfffe), pid: Some(0xfffe) });
        assert!(matches!(t.reconnect(), Err(TransportError::NotFound(_))));
        assert_eq!(t.write(b"x", Duration::from_millis(1)), Err(TransportError::Disconnected));
    }
}
