//! The VM test lab's USB printers (kiosk-image/lab, lab image only): the Linux kernel's
//! own gadget stack plays them, so the kiosk meets them through usbfs, usblp and
//! kernel-driver detach exactly as on a real kiosk.
//!
//! `dummy_hcd` (loaded with `num=3`) gives USB device controllers, each wired to its
//! own emulated host controller; a configfs gadget with one `usb_f_printer` function is
//! bound to each: an HP LaserJet P2055 (A4, PCL) and an Epson TM-T20III (ESC/POS). The
//! kernel answers the printer-class requests (GET_DEVICE_ID from `pnp_string`,
//! GET_PORT_STATUS from the status set by ioctl); this program reads what the host sends
//! from `/dev/g_printerN`, captures it, and answers for the receipt printer on bulk IN.

pub mod chardev;
pub mod configfs;
pub mod control;
pub mod devices;
pub mod hold;
pub mod ippusb;
pub mod lab;
pub mod port;
pub mod spec;
