//! A strict ESC/POS interpreter: turns the bytes the kiosk sends back into a picture of the
//! printed paper, plus the text lines, images and QR data it saw. Unknown commands, unsupported
//! parameters and commands a real printer would ignore in that position (an image or a cut in
//! the middle of a text line) are errors.
//!
//! It follows Epson's standard mode: 203 dpi, font A 12×24 / B 9×17, default line spacing
//! 30 dots, justification fixed at the start of a line, automatic line wrap when a character
//! no longer fits. Text is decoded with `encoding_rs`, independently of our encoder's table.

mod canvas;
pub mod parse;

use image::GrayImage;

use crate::PaperWidth;
use canvas::{BLACK, Canvas, cell};
use parse::{Command, next_command};

const DEFAULT_LINE_SPACING: u32 = 30;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("unknown ESC/POS command at byte {offset}: {bytes:02x?}")]
    UnknownCommand { offset: usize, bytes: Vec<u8> },
    #[error("bad parameter for {command} at byte {offset}: {detail}")]
    BadParameter { offset: usize, command: &'static str, detail: String },
    #[error("data ends inside a command at byte {offset}")]
    Truncated { offset: usize },
    #[error("{what} at byte {offset}: a printer would not print this as intended")]
    BadState { offset: usize, what: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Qr,
    Raster,
}

/// A picture placed on the paper (dots).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedImage {
    pub kind: ImageKind,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// Everything the interpreter saw.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub image: GrayImage,
    /// Each printed text line, decoded, without justification padding ("" for a blank line).
    pub lines: Vec<String>,
    pub images: Vec<PlacedImage>,
    /// Data of native QR codes that were printed (`GS ( k` fn 80 then fn 81).
    pub qr_data: Vec<Vec<u8>>,
    pub cuts: u32,
    /// Lines the printer had to wrap by itself because the text was wider than the paper.
    pub auto_wrapped: u32,
    pub process_ids: Vec<[u8; 4]>,
    pub code_pages: Vec<u8>,
}

/// Renders `escpos` on paper of `width`.
pub fn render(escpos: &[u8], width: PaperWidth) -> Result<GrayImage, RenderError> {
    interpret(escpos, width).map(|r| r.image)
}

/// Renders and reports what was printed.
pub fn interpret(escpos: &[u8], width: PaperWidth) -> Result<Rendered, RenderError> {
    let mut m = Machine::new(width.dots());
    let mut offset = 0;
    while offset < escpos.len() {
        match next_command(&escpos[offset..], offset)? {
            Some((cmd, len)) => {
                m.apply(cmd, offset)?;
                offset += len;
            }
            None => return Err(RenderError::Truncated { offset }),
        }
    }
    if !m.line.is_empty() {
        return Err(RenderError::BadState {
            offset,
            what: "text left in the line buffer at the end (no LF)".to_owned(),
        });
    }
    Ok(m.finish())
}

struct Glyph {
    c: char,
    width: u32,
    height: u32,
    font: u8,
    bold: bool,
    scale: (u32, u32),
    underline: u8,
}

#[derive(Default)]
struct QrState {
    model: Option<u8>,
    module: u32,
    level: Option<qrcode::EcLevel>,
    data: Option<Vec<u8>>,
}

struct Machine {
    canvas: Canvas,
    y: u32,
    code_page: u8,
    justify: u8,
    bold: bool,
    underline: u8,
    font: u8,
    size: (u32, u32),
    line_spacing: u32,
    line: Vec<Glyph>,
    line_x: u32,
    line_justify: u8,
    qr: QrState,
    out: Rendered,
}

impl Machine {
    fn new(width: u32) -> Self {
        Machine {
            canvas: Canvas::new(width),
            y: 0,
            code_page: 0,
            justify: 0,
            bold: false,
            underline: 0,
            font: 0,
            size: (1, 1),
            line_spacing: DEFAULT_LINE_SPACING,
            line: Vec::new(),
            line_x: 0,
            line_justify: 0,
            qr: QrState { module: 3, ..QrState::default() },
            out: Rendered {
                image: GrayImage::new(1, 1),
                lines: Vec::new(),
                images: Vec::new(),
                qr_data: Vec::new(),
                cuts: 0,
                auto_wrapped: 0,
                process_ids: Vec::new(),
                code_pages: Vec::new(),
            },
        }
    }

    fn reset_modes(&mut self) {
        self.code_page = 0;
        self.justify = 0;
        self.bold = false;
        self.underline = 0;
        self.font = 0;
        self.size = (1, 1);
        self.line_spacing = DEFAULT_LINE_SPACING;
        self.qr = QrState { module: 3, ..QrState::default() };
    }

    fn require_line_start(&self, offset: usize, what: &str) -> Result<(), RenderError> {
        if self.line.is_empty() {
            Ok(())
        } else {
            Err(RenderError::BadState { offset, what: format!("{what} with text in the line buffer") })
        }
    }

    fn apply(&mut self, cmd: Command<'_>, offset: usize) -> Result<(), RenderError> {
        match cmd {
            Command::Text(bytes) => self.text(bytes, offset)?,
            Command::LineFeed => self.print_line(self.line_spacing),
            Command::Init => {
                self.require_line_start(offset, "ESC @")?;
                self.reset_modes();
            }
            Command::CodePage(n) => {
                self.code_page = n;
                self.out.code_pages.push(n);
            }
            Command::CharSet(_) => {}
            Command::Justify(n) => self.justify = n,
            Command::Bold(on) => self.bold = on,
            Command::Underline(n) => self.underline = n,
            Command::Font(n) => self.font = n,
            Command::CharSize { width, height } => self.size = (u32::from(width), u32::from(height)),
            Command::LineSpacing(n) => self.line_spacing = u32::from(n),
            Command::DefaultLineSpacing => self.line_spacing = DEFAULT_LINE_SPACING,
            Command::FeedLines(n) => {
                self.print_line(self.line_spacing);
                self.y += self.line_spacing * u32::from(n).saturating_sub(1);
            }
            Command::FeedDots(n) => self.print_line(u32::from(n)),
            Command::Cut { feed, .. } => {
                self.require_line_start(offset, "GS V (cut)")?;
                self.y += u32::from(feed);
                self.draw_cut();
            }
            Command::QrModel(model) => {
                if model != 50 {
                    return Err(RenderError::BadParameter {
                        offset,
                        command: "GS ( k fn 65",
                        detail: format!("QR model {model}: only model 2 (50) is rendered"),
                    });
                }
                self.qr.model = Some(model);
            }
            Command::QrModuleSize(n) => self.qr.module = u32::from(n),
            Command::QrErrorCorrection(level) => {
                self.qr.level = Some(match level {
                    48 => qrcode::EcLevel::L,
                    49 => qrcode::EcLevel::M,
                    50 => qrcode::EcLevel::Q,
                    _ => qrcode::EcLevel::H,
                });
            }
            Command::QrStore(data) => self.qr.data = Some(data.to_vec()),
            Command::QrPrint => self.print_qr(offset)?,
            Command::Raster { scale, width_bytes, height, data } => {
                self.require_line_start(offset, "GS v 0 (raster image)")?;
                if scale != 0 {
                    return Err(RenderError::BadParameter {
                        offset,
                        command: "GS v 0",
                        detail: format!("double-density mode {scale} is not rendered"),
                    });
                }
                let w = u32::from(width_bytes) * 8;
                let h = u32::from(height);
                let stride = usize::from(width_bytes);
                self.place_image(ImageKind::Raster, w, h, offset, |x, y| {
                    data[y as usize * stride + (x / 8) as usize] & (0x80 >> (x % 8)) != 0
                })?;
            }
            Command::ProcessIdRequest(id) => self.out.process_ids.push(id),
            Command::RealtimeStatus(_) | Command::PrinterInfo(_) => {}
        }
        Ok(())
    }

    fn text(&mut self, bytes: &[u8], offset: usize) -> Result<(), RenderError> {
        for (i, &b) in bytes.iter().enumerate() {
            let c = self.decode(b, offset + i)?;
            let base = cell(self.font);
            let glyph = Glyph {
                c,
                width: base.width * self.size.0,
                height: base.height * self.size.1,
                font: self.font,
                bold: self.bold,
                scale: self.size,
                underline: self.underline,
            };
            if self.line_x + glyph.width > self.canvas.width() {
                // Real printers wrap by themselves here (mid-word): the layout should have.
                self.out.auto_wrapped += 1;
                self.print_line(self.line_spacing);
            }
            if self.line.is_empty() {
                self.line_justify = self.justify;
            }
            self.line_x += glyph.width;
            self.line.push(glyph);
        }
        Ok(())
    }

    fn decode(&self, b: u8, offset: usize) -> Result<char, RenderError> {
        if b < 0x80 {
            return Ok(char::from(b));
        }
        if self.code_page != 16 {
            return Err(RenderError::BadState {
                offset,
                what: format!("byte {b:#04x} printed in code page {} (no table here)", self.code_page),
            });
        }
        let byte = [b];
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte);
        text.chars().next().ok_or_else(|| RenderError::BadState { offset, what: format!("undecodable byte {b:#04x}") })
    }

    /// Prints the line buffer (or feeds `empty_feed` dots if it is empty).
    fn print_line(&mut self, empty_feed: u32) {
        if self.line.is_empty() {
            self.y += empty_feed;
            self.canvas.grow_to(self.y);
            if empty_feed == self.line_spacing {
                self.out.lines.push(String::new());
            }
            return;
        }
        let line = std::mem::take(&mut self.line);
        let height = line.iter().map(|g| g.height).max().unwrap_or(0);
        let free = self.canvas.width().saturating_sub(self.line_x);
        let mut x = match self.line_justify {
            1 => free / 2,
            2 => free,
            _ => 0,
        };
        let mut text = String::new();
        for g in &line {
            // Glyphs of different heights share the baseline (bottom of the line).
            let top = self.y + height - g.height;
            self.canvas.glyph(g.c, x, top, g.font, g.bold, g.scale);
            if g.underline > 0 {
                self.canvas.fill(x, self.y + height - u32::from(g.underline), g.width, u32::from(g.underline), BLACK);
            }
            text.push(g.c);
            x += g.width;
        }
        self.out.lines.push(text);
        self.y += height.max(self.line_spacing);
        self.canvas.grow_to(self.y);
        self.line_x = 0;
    }

    fn print_qr(&mut self, offset: usize) -> Result<(), RenderError> {
        self.require_line_start(offset, "GS ( k fn 81 (print QR)")?;
        let bad = |detail: &str| RenderError::BadState { offset, what: format!("QR print: {detail}") };
        // Epson's power-on default is model 2; we insist the layout sets it explicitly.
        if self.qr.model.is_none() {
            return Err(bad("model not selected"));
        }
        let data = self.qr.data.take().ok_or_else(|| bad("no data stored"))?;
        let level = self.qr.level.unwrap_or(qrcode::EcLevel::L);
        let code = qrcode::QrCode::with_error_correction_level(&data, level)
            .map_err(|e| bad(&format!("data cannot be encoded: {e}")))?;
        let n = code.width() as u32;
        let colors = code.to_colors();
        let module = self.qr.module;
        self.place_image(ImageKind::Qr, n * module, n * module, offset, |x, y| {
            colors[((y / module) * n + x / module) as usize] == qrcode::Color::Dark
        })?;
        self.out.qr_data.push(data);
        Ok(())
    }

    fn place_image(
        &mut self,
        kind: ImageKind,
        w: u32,
        h: u32,
        offset: usize,
        dark: impl Fn(u32, u32) -> bool,
    ) -> Result<(), RenderError> {
        if w > self.canvas.width() {
            return Err(RenderError::BadState {
                offset,
                what: format!("image {w} dots wide on {} dot paper", self.canvas.width()),
            });
        }
        let free = self.canvas.width() - w;
        let x0 = match self.justify {
            1 => free / 2,
            2 => free,
            _ => 0,
        };
        for y in 0..h {
            for x in 0..w {
                if dark(x, y) {
                    self.canvas.set(x0 + x, self.y + y, BLACK);
                }
            }
        }
        self.out.images.push(PlacedImage { kind, x: x0, y: self.y, width: w, height: h });
        self.y += h;
        self.canvas.grow_to(self.y);
        Ok(())
    }

    /// A dashed line where the cutter cut, then a gap: the next receipt starts below it.
    fn draw_cut(&mut self) {
        let width = self.canvas.width();
        for x in (0..width).step_by(8) {
            self.canvas.fill(x, self.y + 8, 4.min(width - x), 1, 128);
        }
        self.y += 24;
        self.canvas.grow_to(self.y);
        self.out.cuts += 1;
    }

    fn finish(mut self) -> Rendered {
        self.out.image = self.canvas.into_image(self.y);
        self.out
    }
}
