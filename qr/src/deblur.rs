//! Motion blur taken back out: a hand moving while the shutter is open smears every module
//! along one line, several modules long, and then zxing-cpp finds not even the finder
//! patterns (of the blurred frames the plain pass missed on the kiosk set, 25 of 26 had no
//! detection at all, so there is nothing to zoom on), and no sharpening brings them back
//! (unsharp masks of every radius and strength, even along the motion, read at most 2 of
//! those 26). What does is undoing the blur itself: Richardson–Lucy deconvolution with a
//! line-shaped blur, its direction read off the frame (motion flattens the gradients
//! along it) and its length tried at three values. Run at half size on the part of the
//! frame where the scan screen's guide asks for the notice (or around a detected code), so
//! one attempt costs a few milliseconds. On the kiosk set it reads 4 of the 26 blurred
//! frames plain zxing-cpp misses: the longer smears stay out of reach (trying 16
//! directions and every length, at half size, reads 6 of them; at full size 9, at tens
//! of times the budget). A frame that [`looks_smeared`] has this pass first among the
//! dear ones, so that a single blurred frame gets it at all.

use adm_camera::GreyFrame;

/// Richardson–Lucy rounds: a code smeared over two modules read after 12 to 20 rounds
/// and not after 5 or 8; each round costs about half a millisecond on the guide area.
pub const ROUNDS: usize = 12;

/// Big enough for a gradient at every inner pixel.
fn well_formed(f: &GreyFrame) -> bool {
    f.is_well_formed() && f.width > 2 && f.height > 2
}

/// The middle half of the frame in each direction (where the scan screen's guide frame
/// is), with its top-left corner in the frame.
pub fn guide_area(f: &GreyFrame) -> Option<(GreyFrame, (u32, u32))> {
    if !well_formed(f) {
        return None;
    }
    let (x0, y0) = (f.width / 4, f.height / 4);
    Some((crate::enhance::crop(f, x0, y0, f.width / 2, f.height / 2), (x0, y0)))
}

/// What the structure tensor says of a frame's gradients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Streaks {
    /// The direction of motion (radians, 0 = along the rows).
    pub angle: f32,
    /// How much one gradient orientation dominates: 0 when edges run every way alike (a
    /// sharp code: its module edges run both ways equally), towards 1 when all run one way.
    pub coherence: f32,
}

/// The direction of motion and how strongly the frame is streaked along it, from the
/// structure tensor: blur along a direction flattens the gradients along it, so the
/// motion lies across the dominant gradient orientation. A code's own edges run both ways
/// equally, so what dominates in a blurred frame is the blur's doing.
pub fn streaks(f: &GreyFrame) -> Option<Streaks> {
    if !well_formed(f) {
        return None;
    }
    let w = f.width as usize;
    let (mut xx, mut xy, mut yy) = (0f64, 0f64, 0f64);
    for y in 1..f.height as usize - 1 {
        for x in 1..w - 1 {
            let gx = f64::from(f.data[y * w + x + 1]) - f64::from(f.data[y * w + x - 1]);
            let gy = f64::from(f.data[(y + 1) * w + x]) - f64::from(f.data[(y - 1) * w + x]);
            xx += gx * gx;
            xy += gx * gy;
            yy += gy * gy;
        }
    }
    let gradient = 0.5 * (2.0 * xy).atan2(xx - yy);
    let coherence = ((xx - yy).powi(2) + 4.0 * xy * xy).sqrt() / (xx + yy).max(1.0);
    Some(Streaks { angle: (gradient + std::f64::consts::FRAC_PI_2) as f32, coherence: coherence as f32 })
}

/// The direction of motion (radians, 0 = along the rows); see [`streaks`].
pub fn motion_direction(f: &GreyFrame) -> Option<f32> {
    streaks(f).map(|s| s.angle)
}

/// Coherence of the guide area at quarter size (see [`looks_smeared`]) from which a frame
/// is taken for motion-blurred. Measured on the kiosk set's first frames: of those plain
/// zxing-cpp misses, 24 of the 26 blurred ones lie above it (0.13 to 0.51) and 4 of the
/// 135 others (two glare, two phone screens, at most 0.28); frames it reads lie at 0.01 to
/// 0.21 outside the blurred category.
pub const SMEARED: f32 = 0.16;

/// Whether the part of the frame where the guide asks for the notice is smeared by
/// motion. Quarter size: the module edges of a sharp code then still run both ways, the
/// sensor noise is averaged away, and it costs a fraction of a millisecond.
pub fn looks_smeared(f: &GreyFrame) -> bool {
    guide_area(f)
        .map(|(area, _)| crate::enhance::half(&crate::enhance::half(&area)))
        .and_then(|small| streaks(&small))
        .is_some_and(|s| s.coherence >= SMEARED)
}

/// The pixel offsets of a line `len` px long through the origin at `angle`.
fn line(len: f32, angle: f32) -> Vec<(i32, i32)> {
    let steps = len.ceil().max(1.0) as i32;
    let (dx, dy) = (angle.cos(), angle.sin());
    let mut offsets: Vec<(i32, i32)> = (0..=steps)
        .map(|k| {
            let t = k as f32 / steps as f32 * len - len / 2.0;
            ((t * dx).round() as i32, (t * dy).round() as i32)
        })
        .collect();
    offsets.dedup();
    offsets
}

/// The mean of `img` over `offsets` around each pixel, clamped at the borders.
fn line_mean(img: &[f32], w: usize, h: usize, offsets: &[(i32, i32)], out: &mut [f32]) {
    let n = offsets.len() as f32;
    let reach = offsets.iter().map(|o| o.0.abs().max(o.1.abs())).max().unwrap_or(0) as usize;
    for y in 0..h {
        let inner_y = y >= reach && y + reach < h;
        for x in 0..w {
            let mut sum = 0.0;
            if inner_y && x >= reach && x + reach < w {
                // Away from the borders: no clamping (almost every pixel).
                for &(dx, dy) in offsets {
                    sum += img[(y as isize + dy as isize) as usize * w + (x as isize + dx as isize) as usize];
                }
            } else {
                for &(dx, dy) in offsets {
                    let sx = (x as i64 + i64::from(dx)).clamp(0, w as i64 - 1) as usize;
                    let sy = (y as i64 + i64::from(dy)).clamp(0, h as i64 - 1) as usize;
                    sum += img[sy * w + sx];
                }
            }
            out[y * w + x] = sum / n;
        }
    }
}

/// Richardson–Lucy deconvolution of a blur along a line `len` px long at `angle`, for
/// `rounds` rounds. The line is symmetric, so it is its own adjoint.
pub fn deblur(f: &GreyFrame, len: f32, angle: f32, rounds: usize) -> GreyFrame {
    if !well_formed(f) {
        return f.clone();
    }
    let (w, h) = (f.width as usize, f.height as usize);
    let offsets = line(len, angle);
    // +1: no zero to divide by.
    let observed: Vec<f32> = f.data.iter().map(|&p| f32::from(p) + 1.0).collect();
    let mut estimate = observed.clone();
    let mut blurred = vec![0.0; w * h];
    let mut correction = vec![0.0; w * h];
    for _ in 0..rounds {
        line_mean(&estimate, w, h, &offsets, &mut blurred);
        blurred.iter_mut().zip(&observed).for_each(|(b, o)| *b = o / b.max(1e-3));
        line_mean(&blurred, w, h, &offsets, &mut correction);
        estimate.iter_mut().zip(&correction).for_each(|(e, c)| *e = (*e * c).min(1024.0));
    }
    let data = estimate.iter().map(|v| (v - 1.0).clamp(0.0, 255.0) as u8).collect();
    GreyFrame { width: f.width, height: f.height, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vertical stripes 8 px wide, blurred along the rows over `len` px.
    fn stripes(len: usize) -> (GreyFrame, GreyFrame) {
        let (w, h) = (96usize, 48usize);
        let sharp: Vec<u8> = (0..w * h).map(|i| if (i % w / 8) % 2 == 0 { 40 } else { 220 }).collect();
        let blurred = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let sum: u32 =
                    (0..len).map(|k| u32::from(sharp[y * w + (x + k).saturating_sub(len / 2).min(w - 1)])).sum();
                (sum / len as u32) as u8
            })
            .collect();
        let frame = |data| GreyFrame { width: w as u32, height: h as u32, data };
        (frame(sharp), frame(blurred))
    }

    #[test]
    fn the_direction_of_motion_is_read_off_the_frame() {
        // Vertical stripes: every gradient runs along the rows, as if everything had been
        // smeared up and down.
        let (sharp, _) = stripes(1);
        let angle = motion_direction(&sharp).expect("a frame");
        assert!((angle.sin().abs() - 1.0).abs() < 0.05, "{angle}");
    }

    #[test]
    fn deconvolution_brings_the_edges_back() {
        let (sharp, blurred) = stripes(7);
        let restored = deblur(&blurred, 7.0, 0.0, ROUNDS);
        let error = |f: &GreyFrame| {
            f.data.iter().zip(&sharp.data).map(|(a, b)| u32::from(a.abs_diff(*b))).sum::<u32>() / f.data.len() as u32
        };
        // Eight rounds take a good part of the smear back (not all: that takes hundreds).
        assert!(error(&restored) * 100 < error(&blurred) * 85, "{} vs {}", error(&restored), error(&blurred));
    }

    #[test]
    fn odd_frames_are_left_alone() {
        let empty = GreyFrame { width: 0, height: 0, data: vec![] };
        assert_eq!(deblur(&empty, 5.0, 0.3, 2), empty);
        assert!(motion_direction(&empty).is_none());
        assert!(guide_area(&GreyFrame { width: 4, height: 4, data: vec![1; 3] }).is_none());
        let (g, origin) = guide_area(&GreyFrame { width: 8, height: 4, data: (0..32).collect() }).expect("area");
        assert_eq!((g.width, g.height, origin), (4, 2, (2, 1)));
        assert_eq!(g.data, vec![10, 11, 12, 13, 18, 19, 20, 21]);
    }
}
