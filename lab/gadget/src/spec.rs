//! The devices the lab plays: the USB identity of two real printers.

/// One USB printer gadget: its device descriptor strings and its IEEE 1284 device ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GadgetSpec {
    /// Short name: the configfs gadget is `adm-lab-<name>`, the control commands say `<name>`.
    pub name: &'static str,
    pub vid: u16,
    pub pid: u16,
    pub bcd_device: u16,
    pub manufacturer: &'static str,
    pub product: &'static str,
    pub serial: &'static str,
    /// What GET_DEVICE_ID answers (usb_f_printer's `pnp_string`).
    pub device_id: &'static str,
}

/// An HP LaserJet P2055 (03f0:5c17 in the USB ID database): a monochrome laser speaking
/// PJL, PCL 5e, PCL XL and PostScript, on a bidirectional printer-class interface. The
/// kiosk feeds it PCL raster (it lists no PDF, PWG or URF).
pub const A4: GadgetSpec = GadgetSpec {
    name: "a4",
    vid: 0x03f0,
    pid: 0x5c17,
    bcd_device: 0x0100,
    manufacturer: "Hewlett-Packard",
    product: "HP LaserJet P2055 Series",
    serial: "CNB9R12345",
    device_id: "MFG:Hewlett-Packard;CMD:PJL,PML,PCL,POSTSCRIPT,PCLXL;MDL:HP LaserJet P2055 Series;CLS:PRINTER;DES:Hewlett-Packard LaserJet P2055 Series;",
};

/// An Epson TM-T20III (04b8:0e28), 80 mm ESC/POS receipt printer; it enumerates as a
/// bidirectional printer-class interface, like the TM-T20II the driver's tests recorded.
pub const RECEIPT: GadgetSpec = GadgetSpec {
    name: "receipt",
    vid: 0x04b8,
    pid: 0x0e28,
    bcd_device: 0x0100,
    manufacturer: "EPSON",
    product: "TM-T20III",
    serial: "X7LF012345",
    device_id: "MFG:EPSON;CMD:ESC/POS;MDL:TM-T20III;CLS:PRINTER;DES:TM-T20III;",
};

pub const ALL: [&GadgetSpec; 2] = [&A4, &RECEIPT];

pub fn by_name(name: &str) -> Option<&'static GadgetSpec> {
    ALL.into_iter().find(|s| s.name == name)
}
