//! The real USB side, through rusb (libusb).

use std::time::Duration;

use rusb::{Direction, TransferType, UsbContext};

use super::{
    CLASS_PRINTER, PROTOCOL_IPP_USB, PrinterInterface, SUBCLASS_PRINTER, UsbError, UsbPrinterInfo, UsbRoute,
    UsbTransport,
};

fn printer_interfaces<T: UsbContext>(device: &rusb::Device<T>, configs: u8) -> Vec<PrinterInterface> {
    let mut found = Vec::new();
    for config_index in 0..configs {
        let Ok(config) = device.config_descriptor(config_index) else { continue };
        for iface in config.interfaces() {
            for alt in iface.descriptors() {
                if alt.class_code() != CLASS_PRINTER || alt.sub_class_code() != SUBCLASS_PRINTER {
                    continue;
                }
                let bulk = |dir| {
                    alt.endpoint_descriptors()
                        .find(|e| e.transfer_type() == TransferType::Bulk && e.direction() == dir)
                        .map(|e| e.address())
                };
                found.push(PrinterInterface {
                    config_index,
                    config_value: config.number(),
                    number: alt.interface_number(),
                    alt_setting: alt.setting_number(),
                    protocol: alt.protocol_code(),
                    bulk_out: bulk(Direction::Out),
                    bulk_in: bulk(Direction::In),
                });
            }
        }
    }
    found
}

/// Every USB device with a printer-class interface (7/1/x). Serial number and names are
/// read over USB when the device can be opened, else from sysfs.
/// On a machine without a USB bus (CI) this is an empty list, not an error.
pub fn enumerate_printers() -> Result<Vec<UsbPrinterInfo>, UsbError> {
    match rusb::Context::new().map_err(UsbError::from).and_then(|ctx| enumerate_in(&ctx)) {
        Ok(found) => Ok(found),
        // libusb fails to initialise (LIBUSB_ERROR_OTHER, "could not find usbfs") on a
        // machine without a USB bus — containers, CI: there are no USB printers.
        Err(e) if !usbfs_present() => {
            tracing::debug!(error = %e, "no usbfs: no USB printers");
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}

fn usbfs_present() -> bool {
    std::path::Path::new("/dev/bus/usb").is_dir() || std::path::Path::new("/proc/bus/usb").is_dir()
}

fn enumerate_in<T: UsbContext>(ctx: &T) -> Result<Vec<UsbPrinterInfo>, UsbError> {
    let mut out = Vec::new();
    for device in ctx.devices()?.iter() {
        let Ok(desc) = device.device_descriptor() else { continue };
        let interfaces = printer_interfaces(&device, desc.num_configurations());
        if interfaces.is_empty() {
            continue;
        }
        let mut info = UsbPrinterInfo {
            bus: device.bus_number(),
            address: device.address(),
            vid: desc.vendor_id(),
            pid: desc.product_id(),
            interfaces,
            ..Default::default()
        };
        if let Ok(h) = device.open() {
            let s =
                |i: Option<u8>| i.and_then(|i| h.read_string_descriptor_ascii(i).ok()).map(|s| s.trim().to_string());
            info.serial = s(desc.serial_number_string_index());
            info.manufacturer = s(desc.manufacturer_string_index());
            info.product = s(desc.product_string_index());
        } else if let Some(s) =
            super::sysfs::strings(std::path::Path::new(super::sysfs::DEVICES), info.bus, info.address)
        {
            // Not ours to open (an IPP-over-USB printer belongs to ipp-usb): the strings
            // the kernel read at enumeration.
            info.serial = s.serial;
            info.manufacturer = s.manufacturer;
            info.product = s.product;
        }
        out.push(info);
    }
    Ok(out)
}

/// A claimed printer-class interface.
pub struct RusbTransport {
    handle: rusb::DeviceHandle<rusb::Context>,
    iface: PrinterInterface,
    reattach: bool,
}

impl RusbTransport {
    /// Opens the printer `vid:pid` (and `serial`, when given) on its legacy printer
    /// interface. Printers whose best route is IPP-over-USB are refused with `Busy`:
    /// ipp-usb owns them.
    pub fn open(vid: u16, pid: u16, serial: Option<&str>) -> Result<(RusbTransport, UsbPrinterInfo), UsbError> {
        let ctx = rusb::Context::new()?;
        for device in ctx.devices()?.iter() {
            let Ok(desc) = device.device_descriptor() else { continue };
            if desc.vendor_id() != vid || desc.product_id() != pid {
                continue;
            }
            let info =
                enumerate_in(&ctx)?.into_iter().find(|i| i.bus == device.bus_number() && i.address == device.address());
            let Some(info) = info else { continue };
            if !info.matches(vid, pid, serial) {
                continue;
            }
            let iface = match info.route() {
                Some(UsbRoute::Raw(i)) => i,
                Some(UsbRoute::IppUsb) => {
                    // Fall back to a 7/1/2 interface of the same device if there is one.
                    match info.interfaces.iter().find(|i| i.protocol != PROTOCOL_IPP_USB && i.bulk_out.is_some()) {
                        Some(i) => *i,
                        None => return Err(UsbError::Busy),
                    }
                }
                None => return Err(UsbError::NotFound),
            };
            let handle = device.open()?;
            let t = Self::claim(handle, iface)?;
            return Ok((t, info));
        }
        Err(UsbError::NotFound)
    }

    fn claim(handle: rusb::DeviceHandle<rusb::Context>, iface: PrinterInterface) -> Result<Self, UsbError> {
        // The kernel's usblp driver binds every 7/1/x interface as /dev/usb/lpN; while it
        // does, claiming fails with Busy. Detach it, and give it back on drop so a
        // technician's tools keep working after the kiosk exits.
        let mut reattach = false;
        if rusb::supports_detach_kernel_driver() && handle.kernel_driver_active(iface.number).unwrap_or(false) {
            handle.detach_kernel_driver(iface.number)?;
            reattach = true;
        }
        match handle.active_configuration() {
            Ok(c) if c == iface.config_value => {}
            // Changing configuration resets the device for all interfaces: only when needed.
            _ => handle.set_active_configuration(iface.config_value)?,
        }
        handle.claim_interface(iface.number)?;
        if iface.alt_setting != 0 {
            handle.set_alternate_setting(iface.number, iface.alt_setting)?;
        }
        Ok(RusbTransport { handle, iface, reattach })
    }
}

impl Drop for RusbTransport {
    fn drop(&mut self) {
        let _ = self.handle.release_interface(self.iface.number);
        if self.reattach {
            let _ = self.handle.attach_kernel_driver(self.iface.number);
        }
    }
}

impl UsbTransport for RusbTransport {
    fn interface(&self) -> PrinterInterface {
        self.iface
    }

    fn read_control(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        Ok(self.handle.read_control(request_type, request, value, index, buf, timeout)?)
    }

    fn write_control(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        Ok(self.handle.write_control(request_type, request, value, index, data, timeout)?)
    }

    fn write_bulk(&mut self, data: &[u8], timeout: Duration) -> Result<usize, UsbError> {
        let ep = self.iface.bulk_out.ok_or(UsbError::NotFound)?;
        Ok(self.handle.write_bulk(ep, data, timeout)?)
    }

    fn read_bulk(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, UsbError> {
        let ep = self.iface.bulk_in.ok_or(UsbError::NotFound)?;
        Ok(self.handle.read_bulk(ep, buf, timeout)?)
    }
}
