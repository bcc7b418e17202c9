//! QR codes: native `GS ( k` (built by the `escpos` crate) where the printer has it, otherwise
//! a raster picture drawn here with the `qrcode` crate.

use crate::raster::Bitmap;

/// How QR codes are sent to the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QrMode {
    /// `GS ( k` fn 65/67/69/80/81, model 2: the printer draws the symbol (sharper, fewer bytes).
    #[default]
    Native,
    /// `GS v 0` raster image, for printers whose firmware has no QR generator.
    Raster,
}

/// Quiet zone around raster QR codes, in modules: the standard asks for 4; decoders fail on
/// thermal paper when text is printed right against the symbol.
pub const QUIET_ZONE: u32 = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("QR payload cannot be encoded: {0}")]
    Encode(String),
}

/// Draws `payload` as a QR code (error correction M) with `module` dots per module.
pub fn raster_qr(payload: &str, module: u32) -> Result<Bitmap, QrError> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| QrError::Encode(e.to_string()))?;
    let n = code.width() as u32;
    let colors = code.to_colors();
    let side = (n + 2 * QUIET_ZONE) * module;
    let mut bitmap = Bitmap::new(side, side);
    for my in 0..n {
        for mx in 0..n {
            if colors[(my * n + mx) as usize] == qrcode::Color::Dark {
                for dy in 0..module {
                    for dx in 0..module {
                        bitmap.set((mx + QUIET_ZONE) * module + dx, (my + QUIET_ZONE) * module + dy, true);
                    }
                }
            }
        }
    }
    Ok(bitmap)
}
