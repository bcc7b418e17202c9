//! A small document builder on top of the `escpos` crate's command builder: paper-aware word
//! wrapping, our own text encoding, native or raster QR codes.
//!
//! `escpos::Printer` sends its commands through a driver; ours only captures the bytes, which
//! the device layer then sends through the project's own transport.

use std::cell::RefCell;
use std::rc::Rc;

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, PageCode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};

use crate::PaperWidth;
use crate::encoding::encode;
use crate::qr::{QrMode, raster_qr};
use crate::raster::Bitmap;
use crate::wrap::wrap;

const LF: u8 = 0x0a;

/// Collects what `escpos::Printer` would have sent.
#[derive(Clone, Default)]
struct Capture(Rc<RefCell<Vec<u8>>>);

impl Driver for Capture {
    fn name(&self) -> String {
        "capture".to_owned()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// Options every layout takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LayoutOptions {
    pub width: PaperWidth,
    pub qr: QrMode,
}

impl LayoutOptions {
    pub fn new(width: PaperWidth) -> Self {
        LayoutOptions { width, qr: QrMode::default() }
    }
}

pub struct Doc {
    printer: Printer<Capture>,
    sink: Capture,
    opts: LayoutOptions,
    /// Current character width multiplier (GS !), to know how many columns fit.
    scale: usize,
}

type EscposResult<'a> = escpos::errors::Result<&'a mut Printer<Capture>>;

impl Doc {
    /// Starts a document: `ESC @` (reset styles left over from another program) and
    /// `ESC t 16` (Windows-1252, see [`crate::encoding`]).
    pub fn new(opts: LayoutOptions) -> Self {
        let sink = Capture::default();
        let printer = Printer::new(sink.clone(), Protocol::default(), None);
        let mut doc = Doc { printer, sink, opts, scale: 1 };
        doc.run(|p| p.init()?.page_code(PageCode::WPC1252));
        doc
    }

    /// Runs an `escpos` builder step. The commands we use only fail on arguments that our own
    /// code chose (sizes 1..=8, QR data length); a failure is a bug, logged and skipped so a
    /// citizen still gets the rest of the receipt.
    fn run(&mut self, step: impl FnOnce(&mut Printer<Capture>) -> EscposResult<'_>) -> bool {
        match step(&mut self.printer) {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(error = %e, "escpos command builder rejected a command");
                false
            }
        }
    }

    pub fn width(&self) -> PaperWidth {
        self.opts.width
    }

    /// Columns available at the current character size.
    pub fn columns(&self) -> usize {
        self.opts.width.columns() / self.scale
    }

    pub fn align(&mut self, align: Align) {
        let mode = match align {
            Align::Left => JustifyMode::LEFT,
            Align::Center => JustifyMode::CENTER,
            Align::Right => JustifyMode::RIGHT,
        };
        self.run(|p| p.justify(mode));
    }

    pub fn bold(&mut self, on: bool) {
        self.run(|p| p.bold(on));
    }

    /// Character size multipliers (1..=8). Must be changed at the start of a line.
    pub fn size(&mut self, width: u8, height: u8) {
        let (width, height) = (width.clamp(1, 8), height.clamp(1, 8));
        if self.run(|p| p.size(width, height)) {
            self.scale = width as usize;
        }
    }

    /// Wrapped text, one or more printed lines.
    pub fn line(&mut self, text: &str) {
        for line in wrap(&encode(text), self.columns()) {
            self.raw_line(&line);
        }
    }

    /// Wrapped text indented by `indent` columns on every line.
    pub fn indented(&mut self, indent: usize, text: &str) {
        let columns = self.columns();
        let indent = indent.min(columns / 2);
        for line in wrap(&encode(text), columns - indent) {
            let mut out = vec![b' '; indent];
            out.extend_from_slice(&line);
            self.raw_line(&out);
        }
    }

    /// `marker` then wrapped text, indented by `indent` columns, every further line under
    /// the text rather than under the marker (a checklist's "[ ] " box stands out).
    pub fn hanging(&mut self, indent: usize, marker: &str, text: &str) {
        let columns = self.columns();
        let marker = encode(marker);
        let hang = (indent + marker.len()).min(columns / 2);
        for (i, line) in wrap(&encode(text), columns - hang).into_iter().enumerate() {
            let mut out = vec![b' '; hang];
            if i == 0 {
                out[hang.saturating_sub(marker.len())..].copy_from_slice(&marker[..marker.len().min(hang)]);
            }
            out.extend_from_slice(&line);
            self.raw_line(&out);
        }
    }

    /// An already encoded line that fits the width.
    fn raw_line(&mut self, bytes: &[u8]) {
        let mut cmd = bytes.to_vec();
        cmd.push(LF);
        self.run(|p| p.custom(&cmd));
    }

    /// `key : value`, the value wrapped and indented under itself.
    pub fn pair(&mut self, key: &str, value: &str, key_width: usize) {
        let columns = self.columns();
        let mut head = encode(key);
        head.resize(key_width.max(head.len()), b' ');
        head.extend_from_slice(b": ");
        if head.len() + 8 > columns {
            // Too narrow for two columns (58 mm with a long key): key on its own line.
            self.line(key);
            self.line(value);
            return;
        }
        let indent = head.len();
        for (i, part) in wrap(&encode(value), columns - indent).into_iter().enumerate() {
            let mut out = if i == 0 { head.clone() } else { vec![b' '; indent] };
            out.extend_from_slice(&part);
            self.raw_line(&out);
        }
    }

    /// A full-width rule of `ch`.
    pub fn rule(&mut self, ch: u8) {
        self.raw_line(&vec![ch; self.columns()]);
    }

    pub fn blank(&mut self) {
        self.run(|p| p.custom(&[LF]));
    }

    /// Prints and feeds `lines` lines (`ESC d n`).
    pub fn feed(&mut self, lines: u8) {
        self.run(|p| p.feeds(lines));
    }

    /// A QR code centred on the paper, `module` dots per module.
    pub fn qr(&mut self, payload: &str, module: u8) {
        self.align(Align::Center);
        let ok = match self.opts.qr {
            QrMode::Native => {
                let option = QRCodeOption::new(QRCodeModel::Model2, module, QRCodeCorrectionLevel::M);
                !payload.is_empty() && self.run(|p| p.qrcode_option(payload, option))
            }
            QrMode::Raster => match raster_qr(payload, u32::from(module)) {
                Ok(bitmap) => {
                    self.image(&bitmap);
                    true
                }
                Err(e) => {
                    tracing::error!(error = %e, "raster QR failed");
                    false
                }
            },
        };
        if !ok {
            // The code is only a convenience: the id printed under it is enough to verify.
            self.line(payload);
        }
        self.align(Align::Left);
    }

    /// A raster picture at the current justification.
    pub fn image(&mut self, bitmap: &Bitmap) {
        let cmd = bitmap.to_gs_v0();
        self.run(|p| p.custom(&cmd));
    }

    /// Feeds past the tear bar and cuts (`GS V 65 0`: feed to the cutter, full cut).
    pub fn cut(&mut self) {
        self.feed(3);
        self.run(|p| p.cut());
    }

    /// The finished byte stream.
    pub fn finish(mut self) -> Vec<u8> {
        self.run(|p| p.print());
        self.sink.0.take()
    }
}
