//! The USB layer against recorded replies (this machine has no USB bus).
//!
//! Device IDs are as published for these models (CUPS `snmp`/`usb` backend output,
//! ipp-usb and printer-driver bug reports); the byte framing around them reproduces the
//! length-prefix quirks seen in the field.

use super::fake::FakeTransport;
use super::*;
use crate::Attention;
use crate::raster::RasterFormat;

const BROTHER_MFC_L2750DW: &str = "MFG:Brother;CMD:PJL,PCL,PCLXL,URF;MDL:MFC-L2750DW series;CLS:PRINTER;CID:Brother Laser Type1;URF:W8,CP1,IS4-1,MT1-3-4-5-8,OB10,PQ3-4-5,RS300-600-1200,V1.4,DM1;";
const HP_LJ_400_M401DN: &str = "MFG:Hewlett-Packard;MDL:HP LaserJet 400 M401dn;CMD:PJL,PCL,POSTSCRIPT;";
const HP_LJ_1200: &str = "MFG:Hewlett-Packard;MDL:LaserJet 1200 Series;CMD:MLC,PCL,POSTSCRIPT;CLS:PRINTER;";
const EPSON_SC_P900: &str = "MFG:EPSON;CMD:ESCPL2,BDC,D4,D4PX,ESCPR7,END4,GENEP,PWGRaster,URF;MDL:SC-P900 Series;CLS:PRINTER;DES:EPSON SC-P900 Series;CID:EpsonRGB;RID:02;DDS:401900;ELG:13F0;SN:583757503030333448;";
const EPSON_XP_205: &str = "MFG:EPSON;CMD:ESCPL2,BDC,D4,D4PX,ESCPR1;MDL:XP-205 207 Series;CLS:PRINTER;DES:EPSON XP-205 207 Series;CID:EpsonRGB;FID:FXN,DPN,WFA,ETN,AFN,DAN;RID:40;";
const OKI_C332: &str = "MFG:OKI DATA c332.js-CORP;CMD:PCL,XPS,IBMPPR,EPSONFX,POSTSCRIPT,PDF,PCLXL,HIPERMIP,URF;MDL:C332;CLS:PRINTER;DES:OKI c332.js-C332;CID:OK_N_B800;";
/// Long-form keys, as IEEE 1284 also allows.
const LONG_KEYS: &str = "MANUFACTURER:Lexmark International;COMMAND SET:PJL,PCL 5e,PostScript;MODEL:Lexmark E260d;CLASS:PRINTER;DESCRIPTION:Lexmark E260d;";

fn be(id: &str) -> Vec<u8> {
    let mut v = ((id.len() + 2) as u16).to_be_bytes().to_vec();
    v.extend_from_slice(id.as_bytes());
    v
}

fn read_id(reply: Vec<u8>) -> Result<DeviceId, UsbError> {
    let (mut t, h) = FakeTransport::with_reply(reply);
    let iface = PrinterInterface { config_index: 0, number: 1, alt_setting: 1, ..t.interface() };
    let r = get_device_id(&mut t, &iface);
    // wValue = configuration index, wIndex = interface << 8 | alternate setting
    assert_eq!(h.lock().control_log[0], (0xA1, 0, 0, 0x0101));
    r
}

#[test]
fn device_ids_of_real_models_choose_the_right_language() {
    let cases: [(&str, Option<RawPath>, &str); 7] = [
        (BROTHER_MFC_L2750DW, Some(RawPath::Raster(RasterFormat::Urf)), "MFC-L2750DW series"),
        (HP_LJ_400_M401DN, Some(RawPath::Pcl), "HP LaserJet 400 M401dn"),
        (HP_LJ_1200, Some(RawPath::Pcl), "LaserJet 1200 Series"),
        (EPSON_SC_P900, Some(RawPath::Raster(RasterFormat::Pwg)), "SC-P900 Series"),
        (EPSON_XP_205, None, "XP-205 207 Series"),
        (OKI_C332, Some(RawPath::PdfDirect), "C332"),
        (LONG_KEYS, Some(RawPath::Pcl), "Lexmark E260d"),
    ];
    for (raw, path, model) in cases {
        let id = read_id(be(raw)).expect(model);
        assert_eq!(id.model, model);
        assert_eq!(id.raw_path(), path, "{model}");
    }
    let epson = read_id(be(EPSON_SC_P900)).expect("epson");
    assert_eq!(epson.serial.as_deref(), Some("583757503030333448"));
    assert_eq!(epson.manufacturer, "EPSON");
    let lex = read_id(be(LONG_KEYS)).expect("lexmark");
    assert_eq!(lex.languages(), vec![Pdl::Pjl, Pdl::Pcl5, Pdl::PostScript]);
    assert_eq!(lex.make_and_model(), "Lexmark E260d");
}

#[test]
fn length_prefix_quirks() {
    // Little-endian length (seen on some Canon and Samsung models).
    let mut le = ((HP_LJ_1200.len() + 2) as u16).to_le_bytes().to_vec();
    le.extend_from_slice(HP_LJ_1200.as_bytes());
    assert_eq!(read_id(le).expect("le").model, "LaserJet 1200 Series");
    // Length that leaves out the two length bytes.
    let mut short = (HP_LJ_1200.len() as u16).to_be_bytes().to_vec();
    short.extend_from_slice(HP_LJ_1200.as_bytes());
    let id = read_id(short).expect("short");
    assert_eq!(id.fields.last().map(|f| f.1.as_str()), Some("PRINTER"));
    // Over-reported length, NUL padding after the text.
    let mut over = vec![0x03, 0xFF];
    over.extend_from_slice(HP_LJ_400_M401DN.as_bytes());
    over.extend_from_slice(&[0, 0, 0]);
    assert_eq!(read_id(over).expect("over").commands, vec!["PJL", "PCL", "POSTSCRIPT"]);
    // Garbage.
    assert!(read_id(vec![0, 2]).is_err());
    assert!(read_id(vec![0, 20, b'x', b'y', b'z', b'z', b'z', b'z']).is_err());
}

#[test]
fn port_status_bits() {
    let cases: [(u8, bool, bool, bool, Option<Attention>); 5] = [
        (0x18, false, true, false, None),                       // on line, no error
        (0x38, true, true, false, Some(Attention::MediaEmpty)), // paper out
        (0x30, true, true, true, Some(Attention::MediaEmpty)),  // paper out + error line
        (0x10, false, true, true, Some(Attention::Other)),      // error: jam/cover, can't tell
        (0x08, false, false, false, Some(Attention::Other)),    // off line
    ];
    for (raw, empty, selected, error, attention) in cases {
        let s = PortStatus::from_byte(raw);
        assert_eq!((s.paper_empty, s.selected, s.error), (empty, selected, error), "{raw:#x}");
        assert_eq!(s.attention(), attention, "{raw:#x}");
    }
    let (mut t, h) = FakeTransport::new(HP_LJ_1200);
    h.lock().port_status = 0x38;
    let iface = t.interface();
    assert!(get_port_status(&mut t, &iface).expect("status").paper_empty);
    assert_eq!(h.lock().control_log[0], (0xA1, 1, 0, 0));
}

#[test]
fn soft_reset_is_sent_as_the_class_spec_says() {
    let (mut t, h) = FakeTransport::new(HP_LJ_1200);
    let iface = t.interface();
    soft_reset(&mut t, &iface).expect("reset");
    assert_eq!(h.lock().control_log, vec![(0x23, 2, 0, 0)]);
    assert_eq!(h.lock().soft_resets, 1);
}

fn iface(number: u8, protocol: u8, bulk_out: Option<u8>) -> PrinterInterface {
    PrinterInterface { number, protocol, bulk_out, config_value: 1, ..Default::default() }
}

#[test]
fn routes_prefer_ipp_usb_then_bidirectional() {
    let mut p = UsbPrinterInfo {
        vid: 0x03f0,
        pid: 0xc511,
        serial: Some("TH6".into()),
        interfaces: vec![iface(0, 2, Some(1)), iface(1, 4, Some(2)), iface(2, 4, Some(3))],
        ..Default::default()
    };
    assert_eq!(p.route(), Some(UsbRoute::IppUsb));
    p.interfaces = vec![iface(0, 1, Some(1)), iface(1, 2, Some(2))];
    assert_eq!(p.route(), Some(UsbRoute::Raw(iface(1, 2, Some(2)))));
    p.interfaces = vec![iface(0, 2, None)];
    assert_eq!(p.route(), None);
    assert!(p.matches(0x03f0, 0xc511, Some("TH6")));
    assert!(p.matches(0x03f0, 0xc511, None));
    assert!(!p.matches(0x03f0, 0xc511, Some("OTHER")));
}

#[test]
fn enumeration_compiles_and_runs_on_ci() {
    // No USB bus here: zero printers, and no error.
    let found = enumerate_printers().expect("enumerate");
    assert!(found.iter().all(|p| !p.interfaces.is_empty()));
}
