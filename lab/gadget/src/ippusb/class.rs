//! The printer-class control requests an IPP-USB printer answers on endpoint 0.
//!
//! FunctionFS hands them to user space (usb_f_printer answered them in the kernel for
//! the 7/1/2 printers). ipp-usb itself does not ask for the IEEE 1284 device ID, but
//! CUPS' usb backend, `lsusb -v` and the kiosk's own enumeration of printer-class
//! interfaces may, and a real printer answers on its 7/1/4 interfaces too.

/// bmRequestType of a class request to an interface, device to host / host to device.
const CLASS_IN: u8 = 0xa1;
const CLASS_OUT: u8 = 0x21;
const GET_DEVICE_ID: u8 = 0;
const GET_PORT_STATUS: u8 = 1;
const SOFT_RESET: u8 = 2;
/// Port status: selected, no error, paper present (the 7/1/2 printers' "ready").
pub const PORT_READY: u8 = 0x18;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Data stage to the host.
    Send(Vec<u8>),
    /// No data stage (or its data ignored): acknowledge.
    Ack,
    /// Not a request this printer knows: stall, as real devices do.
    Stall,
}

/// The answer to one SETUP packet.
pub fn answer(request_type: u8, request: u8, length: u16, device_id: &str) -> Answer {
    match (request_type, request) {
        (CLASS_IN, GET_DEVICE_ID) => {
            // A big-endian length (itself included) and the ID, cut to what the host
            // asked for.
            let id = device_id.as_bytes();
            let total = (id.len() + 2).min(u16::MAX as usize);
            let mut out = Vec::with_capacity(total);
            out.extend_from_slice(&(total as u16).to_be_bytes());
            out.extend_from_slice(&id[..total - 2]);
            out.truncate(length as usize);
            Answer::Send(out)
        }
        (CLASS_IN, GET_PORT_STATUS) => {
            let mut out = vec![PORT_READY];
            out.truncate(length as usize);
            Answer::Send(out)
        }
        (CLASS_OUT, SOFT_RESET) => Answer::Ack,
        _ => Answer::Stall,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_id_has_its_length_first_and_is_cut_to_the_request() {
        let id = "MFG:HP;MDL:OfficeJet Pro 8730;";
        let Answer::Send(full) = answer(0xa1, 0, 1024, id) else { panic!("not sent") };
        assert_eq!(&full[..2], &[0, (id.len() + 2) as u8]);
        assert_eq!(&full[2..], id.as_bytes());
        assert_eq!(answer(0xa1, 0, 4, id), Answer::Send(vec![0, (id.len() + 2) as u8, b'M', b'F']));
    }

    #[test]
    fn port_status_soft_reset_and_the_rest() {
        assert_eq!(answer(0xa1, 1, 1, ""), Answer::Send(vec![0x18]));
        assert_eq!(answer(0x21, 2, 0, ""), Answer::Ack);
        assert_eq!(answer(0xc0, 0x42, 8, ""), Answer::Stall);
        assert_eq!(answer(0x80, 6, 255, ""), Answer::Stall);
    }
}
