//! Advice for the citizen while the camera looks for a QR: too much glare, or bring it
//! closer. Pure functions of one frame and the time since a code was last read.

use std::time::Duration;

use adm_camera::GreyFrame;

use crate::session::ScanHint;

/// A pixel this bright is burnt white: no QR module survives it.
const SATURATED: u8 = 250;
/// Share of the guide frame's area that may be burnt white before glare is reported. A
/// white notice with its quiet zone is bright, but not saturated, under normal light.
const GLARE_SHARE: f32 = 0.2;
/// Nothing read for this long: suggest bringing the QR closer.
pub const CLOSER_AFTER: Duration = Duration::from_secs(4);

/// The hint for this frame, `since_code` after the last decoded QR (or scan start).
pub fn hint_for(frame: &GreyFrame, since_code: Duration) -> Option<ScanHint> {
    if glare_share(frame) > GLARE_SHARE {
        return Some(ScanHint::Glare);
    }
    (since_code >= CLOSER_AFTER).then_some(ScanHint::Closer)
}

/// Share of saturated pixels in the middle half of the frame (where the guide frame
/// is), sampling every other pixel of every other row.
fn glare_share(frame: &GreyFrame) -> f32 {
    let (w, h) = (frame.width as usize, frame.height as usize);
    if w < 4 || h < 4 || frame.data.len() < w * h {
        return 0.0;
    }
    let (mut bright, mut total) = (0u32, 0u32);
    for y in (h / 4..h * 3 / 4).step_by(2) {
        let row = &frame.data[y * w..(y + 1) * w];
        for &v in row[w / 4..w * 3 / 4].iter().step_by(2) {
            total += 1;
            bright += u32::from(v >= SATURATED);
        }
    }
    if total == 0 { 0.0 } else { bright as f32 / total as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(fill: u8) -> GreyFrame {
        GreyFrame { width: 64, height: 48, data: vec![fill; 64 * 48] }
    }

    #[test]
    fn glare_is_reported_before_anything_else() {
        let mut f = frame(120);
        assert_eq!(hint_for(&f, Duration::ZERO), None);
        // A burnt-white patch over the centre (a phone screen at full brightness).
        for y in 12..36 {
            for x in 16..48 {
                f.data[y * 64 + x] = 255;
            }
        }
        assert_eq!(hint_for(&f, Duration::ZERO), Some(ScanHint::Glare));
        assert_eq!(hint_for(&f, Duration::from_secs(10)), Some(ScanHint::Glare));
    }

    #[test]
    fn nothing_read_for_a_while_asks_to_come_closer() {
        let f = frame(200);
        assert_eq!(hint_for(&f, CLOSER_AFTER - Duration::from_millis(1)), None);
        assert_eq!(hint_for(&f, CLOSER_AFTER), Some(ScanHint::Closer));
    }

    #[test]
    fn odd_frames_never_panic() {
        for f in [
            GreyFrame { width: 0, height: 0, data: vec![] },
            GreyFrame { width: 100, height: 100, data: vec![255; 10] },
            GreyFrame { width: 3, height: 3, data: vec![255; 9] },
        ] {
            let _ = hint_for(&f, Duration::ZERO);
        }
    }
}
