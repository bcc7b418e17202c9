//! The IPP-over-USB printer (printer class 7/1/4): an HP OfficeJet Pro 8730.
//!
//! The kernel's `usb_f_printer` always reports protocol 2, so this printer is a
//! FunctionFS function (`usb_f_fs`) set up with the `usb-gadget` crate: two interfaces of
//! class 7/1/4 (the IPP-USB specification asks for at least two, and ipp-usb ignores a
//! device with fewer), each a pair of bulk pipes. Whatever HTTP the host sends on one
//! interface is carried to the IPP server that plays the printer (ippeveprinter on the
//! test host, reached through QEMU's guestfwd) and its answers back ([`bridge`]). In the
//! kiosk's VM, Debian's `ipp-usb` claims the interfaces and serves the printer on
//! `http://localhost:60000/ipp/print`, where the kiosk finds it itself.
//!
//! The model is one ipp-usb has a quirk for (`http-connection = close`, in its HP.conf):
//! ipp-usb then asks the server to close after every answer, so the bridge's
//! reconnect-per-request path is what every print goes through.

pub mod bridge;
pub mod class;

use std::ffi::OsStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use serde_json::{Value, json};
use usb_gadget::function::custom::{
    Custom, Endpoint, EndpointDirection, EndpointReceiver, EndpointSender, Event, Interface,
};
use usb_gadget::{Class, Config, Gadget, Id, RegGadget, Strings, Udc};

use crate::spec::GadgetSpec;
use bridge::{Pumped, TcpLink};

/// An HP OfficeJet Pro 8730 (03f0:7a12, as ipp-usb logs it), IPP Everywhere over USB.
pub const IPP_USB: GadgetSpec = GadgetSpec {
    name: "ippusb",
    vid: 0x03f0,
    pid: 0x7a12,
    bcd_device: 0x0100,
    manufacturer: "HP",
    product: "OfficeJet Pro 8730",
    serial: "TH7BM2J0RS",
    device_id: "MFG:HP;MDL:OfficeJet Pro 8730;CMD:PCL3GUI,PJL,JPEG,PCLM,URF,PWGRaster,PDF;CLS:PRINTER;DES:D9L20A;SN:TH7BM2J0RS;",
};

/// Interfaces of class 7/1/4.
pub const INTERFACES: usize = 2;
const PRINTER_IPP_USB: Class = Class::new(7, 1, 4);
/// How often blocked threads look whether the device was unplugged or the lab stops.
const POLL: Duration = Duration::from_millis(200);
/// TCP read size for the answers.
const RECV_BUF: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum IppUsbError {
    #[error("no USB device controller {0} (dummy_hcd loaded with num=3?)")]
    NoUdc(String),
    #[error("usb gadget: {0}")]
    Gadget(#[from] std::io::Error),
    #[error("no IPP server to carry the printer's HTTP to: say `ippusb plug HOST:PORT` once")]
    NoTarget,
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// What the control socket sees of the printer.
#[derive(Debug, Default)]
struct Counters {
    /// The host has set a configuration (FunctionFS ENABLE) and not left it.
    configured: AtomicBool,
    sessions: AtomicU64,
    /// Host → printer bytes (HTTP requests, documents).
    bytes_out: AtomicU64,
    /// Printer → host bytes (HTTP answers).
    bytes_in: AtomicU64,
    first_byte: Mutex<Option<f64>>,
    errors: AtomicU64,
}

/// The running IPP-USB printer.
pub struct IppUsbLab {
    reg: RegGadget,
    udc: Udc,
    target: Option<String>,
    plugged: bool,
    counters: Arc<Counters>,
    links: Vec<Arc<TcpLink>>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for IppUsbLab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IppUsbLab").field("udc", &self.udc).field("plugged", &self.plugged).finish()
    }
}

impl IppUsbLab {
    /// Registers the printer's gadget (`adm-lab-ippusb`) for USB device controller `udc`
    /// (not yet plugged in) and starts its threads. `target`: the IPP server's HOST:PORT.
    pub fn create(udc: &str, target: Option<String>) -> Result<IppUsbLab, IppUsbError> {
        let udc = usb_gadget::udcs()?
            .into_iter()
            .find(|u| u.name() == OsStr::new(udc))
            .ok_or_else(|| IppUsbError::NoUdc(udc.to_owned()))?;
        remove_leftover();
        let spec = &IPP_USB;
        let mut builder = Custom::builder();
        // The printer-class requests carry the interface in wIndex's high byte, which
        // FunctionFS does not map to an interface of this function: take them all.
        builder.all_ctrl_recipient = true;
        let mut receivers = Vec::new();
        let mut senders = Vec::new();
        for i in 0..INTERFACES {
            let (rx, rx_dir) = EndpointDirection::host_to_device();
            let (tx, tx_dir) = EndpointDirection::device_to_host();
            builder = builder.with_interface(
                Interface::new(PRINTER_IPP_USB, format!("IPP-USB {}", i + 1))
                    .with_endpoint(Endpoint::bulk(rx_dir))
                    .with_endpoint(Endpoint::bulk(tx_dir)),
            );
            receivers.push(rx);
            senders.push(tx);
        }
        let (custom, handle) = builder.build();
        let mut gadget = Gadget::new(
            Class::INTERFACE_SPECIFIC,
            Id::new(spec.vid, spec.pid),
            Strings::new(spec.manufacturer, spec.product, spec.serial),
        )
        .with_config(Config::new("IPP-USB").with_function(handle));
        gadget.name = Some(gadget_name());
        gadget.device_release = spec.bcd_device;
        let reg = gadget.register()?;

        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let links: Vec<Arc<TcpLink>> =
            (0..INTERFACES).map(|_| Arc::new(TcpLink::new(target.as_deref().unwrap_or("")))).collect();
        {
            let (counters, links, stop) = (counters.clone(), links.clone(), stop.clone());
            std::thread::Builder::new()
                .name("ippusb-ep0".into())
                .spawn(move || ep0(custom, &counters, &links, &stop))?;
        }
        for (i, (rx, tx)) in receivers.into_iter().zip(senders).enumerate() {
            let (c, l, s) = (counters.clone(), links[i].clone(), stop.clone());
            std::thread::Builder::new()
                .name(format!("ippusb-out{i}"))
                .spawn(move || host_to_printer(rx, &l, &c, &s))?;
            let (c, l, s) = (counters.clone(), links[i].clone(), stop.clone());
            std::thread::Builder::new().name(format!("ippusb-in{i}")).spawn(move || printer_to_host(tx, &l, &c, &s))?;
        }
        Ok(IppUsbLab { reg, udc, target, plugged: false, counters, links, stop })
    }

    /// Plugs the printer in (`target`, when given, replaces the IPP server) or pulls its cable.
    pub fn plug(&mut self, plug: bool, target: Option<String>) -> Result<(), IppUsbError> {
        if let Some(t) = target {
            self.links.iter().for_each(|l| l.set_target(&t));
            self.target = Some(t);
        }
        if plug {
            if self.target.is_none() {
                return Err(IppUsbError::NoTarget);
            }
            if !self.plugged {
                self.reg.bind(Some(&self.udc))?;
            }
        } else {
            self.reg.bind(None)?;
            self.counters.configured.store(false, Ordering::Relaxed);
            self.links.iter().for_each(|l| l.reset());
        }
        self.plugged = plug;
        Ok(())
    }

    pub fn configured(&self) -> bool {
        self.counters.configured.load(Ordering::Relaxed)
    }

    /// Forget the first-byte time: the next byte from the host is timed anew.
    pub fn mark(&self) {
        *self.counters.first_byte.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub fn status(&self) -> Value {
        let c = &self.counters;
        let spec = &IPP_USB;
        json!({
            "vid_pid": format!("{:04x}:{:04x}", spec.vid, spec.pid),
            "product": format!("{} {}", spec.manufacturer, spec.product),
            "serial": spec.serial,
            "udc": self.udc.name().to_string_lossy(),
            "target": self.target,
            "plugged": self.plugged,
            "configured": self.configured(),
            "sessions": c.sessions.load(Ordering::Relaxed),
            "bytes": c.bytes_out.load(Ordering::Relaxed),
            "bytes_in": c.bytes_in.load(Ordering::Relaxed),
            "tcp_connections": self.links.iter().map(|l| l.connections()).sum::<u64>(),
            "errors": c.errors.load(Ordering::Relaxed),
            "first_byte": *c.first_byte.lock().unwrap_or_else(|e| e.into_inner()),
        })
    }
}

impl Drop for IppUsbLab {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn gadget_name() -> String {
    format!("adm-lab-{}", IPP_USB.name)
}

/// A gadget left by an earlier run of the lab would make registering fail.
fn remove_leftover() {
    let Ok(all) = usb_gadget::registered() else { return };
    for g in all {
        if g.name() == OsStr::new(&gadget_name())
            && let Err(e) = g.remove()
        {
            tracing::warn!(error = %e, "cannot remove the IPP-USB gadget of an earlier run");
        }
    }
}

/// Endpoint 0: the host configuring the device, and its printer-class requests.
fn ep0(mut custom: Custom, counters: &Counters, links: &[Arc<TcpLink>], stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let event = match custom.event_timeout(POLL) {
            Ok(Some(e)) => e,
            Ok(None) => continue,
            Err(e) => {
                tracing::debug!(error = %e, "IPP-USB ep0: no event");
                std::thread::sleep(POLL);
                continue;
            }
        };
        match event {
            Event::Enable => {
                links.iter().for_each(|l| l.reset());
                counters.configured.store(true, Ordering::Relaxed);
                counters.sessions.fetch_add(1, Ordering::Relaxed);
                tracing::info!("IPP-USB printer configured by the host");
            }
            Event::Disable | Event::Unbind => {
                if counters.configured.swap(false, Ordering::Relaxed) {
                    tracing::info!("IPP-USB printer let go by the host");
                }
                links.iter().for_each(|l| l.reset());
            }
            Event::SetupDeviceToHost(sender) => {
                let r = sender.ctrl_req().clone();
                let result = match class::answer(r.request_type, r.request, r.length, IPP_USB.device_id) {
                    class::Answer::Send(data) => sender.send(&data).map(|_| ()),
                    class::Answer::Ack | class::Answer::Stall => sender.halt(),
                };
                if let Err(e) = result {
                    tracing::debug!(error = %e, ?r, "IPP-USB ep0: answer not sent");
                }
            }
            Event::SetupHostToDevice(receiver) => {
                let r = receiver.ctrl_req().clone();
                let result = match class::answer(r.request_type, r.request, r.length, IPP_USB.device_id) {
                    class::Answer::Ack | class::Answer::Send(_) => receiver.recv_all().map(|_| ()),
                    class::Answer::Stall => receiver.halt(),
                };
                if let Err(e) = result {
                    tracing::debug!(error = %e, ?r, "IPP-USB ep0: request not taken");
                }
            }
            other => tracing::debug!(event = ?other, "IPP-USB ep0"),
        }
    }
}

/// Bulk OUT of one interface → its TCP connection.
fn host_to_printer(mut rx: EndpointReceiver, link: &TcpLink, counters: &Counters, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        // One packet per read: a read ends only when its buffer is full or a short packet
        // comes, and the host (libusb, no zero-length packets) may end a request with a
        // full packet; a bigger buffer would hold that request back until the next one.
        let packet = rx.max_packet_size().unwrap_or(512).max(64);
        let data = match rx.recv_timeout(BytesMut::with_capacity(packet), POLL) {
            Ok(Some(d)) => d,
            Ok(None) => continue,
            // Not configured (unplugged, or the host has not set a configuration yet).
            Err(e) => {
                tracing::trace!(error = %e, "IPP-USB bulk OUT");
                std::thread::sleep(POLL / 4);
                continue;
            }
        };
        if data.is_empty() {
            continue;
        }
        tracing::trace!(bytes = data.len(), "IPP-USB: request bytes from the host");
        counters.bytes_out.fetch_add(data.len() as u64, Ordering::Relaxed);
        counters.first_byte.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(now);
        if let Err(e) = link.write(&data) {
            counters.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, bytes = data.len(), "IPP-USB: the IPP server did not take the host's bytes");
        }
    }
}

/// The TCP connection's answers → bulk IN of the same interface.
fn printer_to_host(mut tx: EndpointSender, link: &TcpLink, counters: &Counters, stop: &AtomicBool) {
    let mut buf = vec![0u8; RECV_BUF];
    while !stop.load(Ordering::Relaxed) {
        let Some((id, mut stream)) = link.reader() else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let max_packet = tx.max_packet_size().unwrap_or(512);
        let mut sink = |data: &[u8]| -> std::io::Result<()> {
            for piece in bridge::transfers(data, max_packet) {
                let chunk = Bytes::copy_from_slice(piece);
                // Waits while the host does not read; gives up when unplugged.
                loop {
                    match tx.send_timeout(chunk.clone(), POLL) {
                        Ok(()) => break,
                        Err(e) if e.kind() == std::io::ErrorKind::TimedOut && !stop.load(Ordering::Relaxed) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            counters.bytes_in.fetch_add(data.len() as u64, Ordering::Relaxed);
            Ok(())
        };
        match bridge::pump_once(&mut stream, &mut buf, POLL, &mut sink) {
            Ok(Pumped::Data(n)) => {
                tracing::debug!(id, bytes = n, "IPP-USB: answer bytes to the host");
                link.answered(id);
            }
            Ok(Pumped::Idle) => {}
            Ok(Pumped::Closed) => {
                tracing::debug!(id, "IPP-USB: the IPP server closed its connection");
                link.closed(id);
            }
            Err(e) => {
                counters.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "IPP-USB: answer not passed to the host");
                link.closed(id);
            }
        }
    }
}
