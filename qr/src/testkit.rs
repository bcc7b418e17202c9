//! What the tests of every module draw: a generated QR code as a camera would see it
//! straight on.

use adm_camera::GreyFrame;

/// `text` as a QR code (error correction M, as on a notice) with `module_px` px a module
/// and its quiet zone.
pub fn qr_frame(text: &str, module_px: u32) -> GreyFrame {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).expect("fits");
    let img = code.render::<image::Luma<u8>>().module_dimensions(module_px, module_px).quiet_zone(true).build();
    GreyFrame::from_image(&img)
}
