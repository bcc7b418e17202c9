//! Advice for the citizen while the camera looks for a QR: too much glare, or bring it
//! closer. Pure functions of one frame, what the decoder detected in it without reading
//! it, and the time since a code was last read.

use std::time::Duration;

use adm_camera::GreyFrame;

use super::decoder::longest_side;
use crate::session::ScanHint;

/// A pixel this bright is burnt white: no QR module survives it.
const SATURATED: u8 = 250;
/// Share of the guide frame's area that may be burnt white before glare is reported. A
/// white notice with its quiet zone is bright, but not saturated, under normal light.
const GLARE_SHARE: f32 = 0.2;
/// Nothing read for this long: suggest bringing the QR closer.
pub const CLOSER_AFTER: Duration = Duration::from_secs(4);
/// A code detected but not read whose longest side is below this is too small: a notice
/// QR has 29 modules a side and needs about 3 px per module to be read.
pub const SMALL_CODE_PX: i32 = 90;
/// Share of a detected-but-unreadable code's area burnt white from which glare is what
/// stops it being read: a hot spot this size wipes out more modules than the error
/// correction (level M, 15%) can rebuild once the blur around it is counted.
const GLARE_ON_CODE_SHARE: f32 = 0.05;

/// The hint for this frame, `since_code` after the last decoded QR (or scan start);
/// `unreadable` are the corners of codes the decoder detected but could not read.
pub fn hint_for(frame: &GreyFrame, since_code: Duration, unreadable: &[[(i32, i32); 4]]) -> Option<ScanHint> {
    if glare_share(frame) > GLARE_SHARE || unreadable.iter().any(|q| burnt_share(frame, q) > GLARE_ON_CODE_SHARE) {
        return Some(ScanHint::Glare);
    }
    // Seen but too small: say so now, not after the timer.
    if unreadable.iter().any(|q| longest_side(q) < SMALL_CODE_PX) {
        return Some(ScanHint::Closer);
    }
    (since_code >= CLOSER_AFTER).then_some(ScanHint::Closer)
}

/// Share of saturated pixels in the bounding box of `q` (clamped to the frame).
fn burnt_share(frame: &GreyFrame, q: &[(i32, i32); 4]) -> f32 {
    let (w, h) = (frame.width as i32, frame.height as i32);
    if w < 1 || h < 1 || frame.data.len() < (w as usize) * (h as usize) {
        return 0.0;
    }
    let (x0, x1) =
        (q.iter().map(|p| p.0).min().unwrap_or(0).clamp(0, w), q.iter().map(|p| p.0).max().unwrap_or(0).clamp(0, w));
    let (y0, y1) =
        (q.iter().map(|p| p.1).min().unwrap_or(0).clamp(0, h), q.iter().map(|p| p.1).max().unwrap_or(0).clamp(0, h));
    let (mut bright, mut total) = (0u32, 0u32);
    for y in y0..y1 {
        let row = &frame.data[(y * w) as usize..((y + 1) * w) as usize];
        for &v in &row[x0 as usize..x1 as usize] {
            total += 1;
            bright += u32::from(v >= SATURATED);
        }
    }
    if total == 0 { 0.0 } else { bright as f32 / total as f32 }
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
        assert_eq!(hint_for(&f, Duration::ZERO, &[]), None);
        // A burnt-white patch over the centre (a phone screen at full brightness).
        for y in 12..36 {
            for x in 16..48 {
                f.data[y * 64 + x] = 255;
            }
        }
        assert_eq!(hint_for(&f, Duration::ZERO, &[]), Some(ScanHint::Glare));
        assert_eq!(hint_for(&f, Duration::from_secs(10), &[]), Some(ScanHint::Glare));
    }

    #[test]
    fn nothing_read_for_a_while_asks_to_come_closer() {
        let f = frame(200);
        assert_eq!(hint_for(&f, CLOSER_AFTER - Duration::from_millis(1), &[]), None);
        assert_eq!(hint_for(&f, CLOSER_AFTER, &[]), Some(ScanHint::Closer));
    }

    #[test]
    fn a_code_detected_but_too_small_asks_to_come_closer_at_once() {
        let f = frame(200);
        let small = [(10, 10), (40, 10), (40, 40), (10, 40)];
        assert_eq!(hint_for(&f, Duration::ZERO, &[small]), Some(ScanHint::Closer));
        // A big code that could not be read is not helped by coming closer.
        let big = [(0, 0), (200, 0), (200, 200), (0, 200)];
        assert_eq!(hint_for(&f, Duration::ZERO, &[big]), None);
    }

    #[test]
    fn glare_on_a_detected_code_is_reported_even_when_small_in_the_frame() {
        // A 640×480 frame; the code (100×100 px at 100,100) has a 30×30 burnt spot: far
        // below the whole-frame glare share, but 9% of the code.
        let (w, h) = (640usize, 480usize);
        let mut f = GreyFrame { width: w as u32, height: h as u32, data: vec![120; w * h] };
        for y in 130..160 {
            for x in 130..160 {
                f.data[y * w + x] = 255;
            }
        }
        let code = [(100, 100), (200, 100), (200, 200), (100, 200)];
        assert_eq!(hint_for(&f, Duration::ZERO, &[]), None);
        assert_eq!(hint_for(&f, Duration::ZERO, &[code]), Some(ScanHint::Glare));
        // Corners outside the frame are clamped, not trusted.
        let wild = [(-900, -900), (9000, -900), (9000, 9000), (-900, 9000)];
        let _ = hint_for(&f, Duration::ZERO, &[wild]);
    }

    #[test]
    fn odd_frames_never_panic() {
        for f in [
            GreyFrame { width: 0, height: 0, data: vec![] },
            GreyFrame { width: 100, height: 100, data: vec![255; 10] },
            GreyFrame { width: 3, height: 3, data: vec![255; 9] },
        ] {
            let _ = hint_for(&f, Duration::ZERO, &[[(0, 0), (50, 0), (50, 50), (0, 50)]]);
        }
    }
}
