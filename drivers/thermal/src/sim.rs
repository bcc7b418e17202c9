//! The demo's receipt printer: the real device layer over the simulated printer transport,
//! writing each printed receipt as `receipt-NNN.png` (and `.bin`) when given a directory.

use std::path::PathBuf;

use crate::device::{Capabilities, Counters, DeviceConfig, EscPosPrinter};
use crate::fake::{FakeConfig, FakeControl, FakeTransport, PaperLevel};
use crate::{PaperWidth, ReceiptPrinter, ReceiptStatus, ThermalError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimFault {
    PaperNearEnd,
    PaperOut,
    CoverOpen,
    Unplugged,
}

/// Fault injection for the demo and tests. One fault at a time: `inject` replaces the last.
#[derive(Debug, Clone)]
pub struct SimControl(FakeControl);

impl SimControl {
    pub fn inject(&self, fault: SimFault) {
        self.clear();
        match fault {
            SimFault::PaperNearEnd => self.0.set_paper(PaperLevel::NearEnd),
            SimFault::PaperOut => self.0.set_paper(PaperLevel::Out),
            SimFault::CoverOpen => self.0.set_cover_open(true),
            SimFault::Unplugged => self.0.unplug(),
        }
    }

    /// Paper loaded, cover closed, cable back in.
    pub fn clear(&self) {
        self.0.set_paper(PaperLevel::Ok);
        self.0.set_cover_open(false);
        self.0.set_error(false);
        self.0.plug();
    }

    /// Receipts that came out of the simulated printer.
    pub fn printed(&self) -> u32 {
        self.0.printed()
    }

    /// The underlying hardware simulation (more faults, printed jobs).
    pub fn hardware(&self) -> &FakeControl {
        &self.0
    }
}

pub struct SimReceiptPrinter {
    device: EscPosPrinter<FakeTransport>,
    control: SimControl,
}

impl SimReceiptPrinter {
    pub fn new(out_dir: Option<PathBuf>, width: PaperWidth) -> Self {
        let (transport, control) = FakeTransport::new(FakeConfig { width, out_dir, ..FakeConfig::default() });
        let device = EscPosPrinter::new(transport, DeviceConfig { width, ..DeviceConfig::default() });
        SimReceiptPrinter { device, control: SimControl(control) }
    }

    pub fn control(&self) -> SimControl {
        self.control.clone()
    }

    pub fn capabilities(&self) -> Option<&Capabilities> {
        self.device.capabilities()
    }

    pub fn counters(&self) -> Counters {
        self.device.counters()
    }

    pub fn device(&mut self) -> &mut EscPosPrinter<FakeTransport> {
        &mut self.device
    }
}

impl ReceiptPrinter for SimReceiptPrinter {
    fn status(&mut self) -> Result<ReceiptStatus, ThermalError> {
        self.device.status()
    }

    fn print(&mut self, escpos: &[u8]) -> Result<(), ThermalError> {
        self.device.print(escpos)
    }
}
