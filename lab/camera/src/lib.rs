//! The VM test lab's camera (kiosk-image/lab, lab image only): a UVC camera played over
//! USB/IP, so the kiosk meets it through the kernel's vhci-hcd, the real `uvcvideo`
//! driver, V4L2 and the udev rule that names it /dev/adm/camera.
//!
//! Why USB/IP and not the kernel's own UVC gadget on dummy_hcd, like the lab's printers:
//! `usb_f_uvc` needs an isochronous endpoint and dummy_hcd has none (binding fails with
//! "Unable to allocate streaming EP" on Debian 12's kernel), FunctionFS refuses the
//! class-specific video descriptors, and `raw_gadget` is not in Debian's kernel. Over
//! USB/IP the device side is this program: a bulk-streaming UVC 1.0 camera whose picture
//! is set at run time (`show`), plugged and unplugged by attaching and detaching it.

pub mod descriptors;
pub mod lab;
pub mod picture;
pub mod server;
pub mod synth;
pub mod usbip;
pub mod uvc;
pub mod vhci;

/// The bus ID the server exports the camera under.
pub const BUSID: &str = "1-1";
