//! Image operations the decoding pipeline tries on a frame zxing-cpp could not read:
//! local contrast normalisation, glare masking, sharpening, a median, scaling and
//! cropping. Plain Rust on grey frames, each a single pass or two over the pixels (a
//! 1280×720 frame takes a few milliseconds).

use adm_camera::GreyFrame;

/// A pixel this bright is burnt white: whatever was there is gone.
pub const SATURATED: u8 = 250;

/// Mean over a (2r+1)² window, clamped at the borders, of `v(pixel)`: running column
/// sums updated a row at a time, then a running sum along each row, so the cost does not
/// depend on `r` and every access is sequential (a column-by-column pass over a 1280×720
/// frame cost most of 20 ms in cache misses).
fn box_mean(f: &GreyFrame, r: usize, v: impl Fn(u8) -> u32) -> Vec<u32> {
    let (w, h) = (f.width as usize, f.height as usize);
    let lut: Vec<u32> = (0..=255u8).map(&v).collect();
    let row = |y: usize| &f.data[y * w..(y + 1) * w];
    let mut cols = vec![0u32; w];
    // Rows 0..=r are in the window of row 0.
    for y in 0..(r + 1).min(h) {
        cols.iter_mut().zip(row(y)).for_each(|(c, &p)| *c += lut[usize::from(p)]);
    }
    // Window sizes as reciprocals: a division per pixel was half of the cost.
    let inv_cols: Vec<f32> = (0..w).map(|x| 1.0 / ((x + r + 1).min(w) - x.saturating_sub(r)) as f32).collect();
    let mut out = vec![0u32; w * h];
    for y in 0..h {
        if y > 0 {
            if y + r < h {
                cols.iter_mut().zip(row(y + r)).for_each(|(c, &p)| *c += lut[usize::from(p)]);
            }
            if y > r {
                cols.iter_mut().zip(row(y - r - 1)).for_each(|(c, &p)| *c -= lut[usize::from(p)]);
            }
        }
        let inv_rows = 1.0 / ((y + r + 1).min(h) - y.saturating_sub(r)) as f32;
        let line = &mut out[y * w..(y + 1) * w];
        let mut sum: u32 = cols[..(r + 1).min(w)].iter().sum();
        for x in 0..w {
            if x > 0 {
                if x + r < w {
                    sum += cols[x + r];
                }
                if x > r {
                    sum -= cols[x - r - 1];
                }
            }
            line[x] = (sum as f32 * inv_rows * inv_cols[x] + 0.5) as u32;
        }
    }
    out
}

/// Local contrast normalisation: each pixel relative to the mean and spread of its
/// (2r+1)² neighbourhood, stretched to a fixed spread around mid-grey. A code half in a
/// washed-out glare halo and half in shadow comes out with the same contrast everywhere;
/// a burnt-white area (no spread) comes out mid-grey, so it counts as neither colour
/// instead of as a bright block that drags the binarizer's thresholds up.
pub fn local_contrast(f: &GreyFrame, r: usize) -> GreyFrame {
    if !f.is_well_formed() {
        return f.clone();
    }
    let mean = box_mean(f, r, u32::from);
    let sq = box_mean(f, r, |p| u32::from(p) * u32::from(p));
    let data = f
        .data
        .iter()
        .zip(mean.iter().zip(&sq))
        .map(|(&p, (&m, &s))| {
            let var = (s as f32 - (m * m) as f32).max(0.0);
            // A floor on the spread: flat paper must not turn sensor noise into modules.
            let sd = var.sqrt().max(10.0);
            (128.0 + (f32::from(p) - m as f32) * 60.0 / sd).clamp(0.0, 255.0) as u8
        })
        .collect();
    GreyFrame { width: f.width, height: f.height, data }
}

/// Glare masking: burnt-white pixels, and a rim around them, replaced by a level between
/// their unburnt surroundings' mean and white: the hot spot's rim no longer pushes the
/// binarizer's local thresholds up over the modules next to it, and the error correction
/// rebuilds the modules the spot itself hid.
pub fn unglare(f: &GreyFrame) -> GreyFrame {
    if !f.is_well_formed() {
        return f.clone();
    }
    let r = 12;
    // Mean of unsaturated pixels = sum / count over the window (scaled by 1024 so the
    // integer means keep their precision; 8192 px × 255 × 1024 still fits a u32).
    let sum = box_mean(f, r, |p| if p >= SATURATED { 0 } else { u32::from(p) * 1024 });
    let count = box_mean(f, r, |p| if p >= SATURATED { 0 } else { 1024 });
    let burnt = box_mean(f, 2, |p| u32::from(p >= SATURATED) * 1024);
    let data = f
        .data
        .iter()
        .enumerate()
        .map(|(i, &p)| match (burnt[i], count[i]) {
            // Not near a burnt pixel, or nothing unburnt nearby to compare with.
            (0, _) | (_, 0) => p,
            // Halfway between the surroundings and white: still lighter than any ink
            // around it (a code on a burnt-white phone screen keeps its light modules
            // light), but no longer the extreme that drags the thresholds up.
            (_, n) => ((sum[i] / n).min(255) as u8 / 2) + 127,
        })
        .collect();
    GreyFrame { width: f.width, height: f.height, data }
}

/// Unsharp mask (strength 1.5 over a 5×5 mean): gives defocused and slightly shaken
/// module edges back some of their steepness.
pub fn sharpen(f: &GreyFrame) -> GreyFrame {
    if !f.is_well_formed() {
        return f.clone();
    }
    let mean = box_mean(f, 2, u32::from);
    let data = f
        .data
        .iter()
        .zip(&mean)
        .map(|(&p, &m)| (f32::from(p) + 1.5 * (f32::from(p) - m as f32)).clamp(0.0, 255.0) as u8)
        .collect();
    GreyFrame { width: f.width, height: f.height, data }
}

/// 3×3 median: removes one-pixel scratches, crease lines and screen-pixel gaps, keeps
/// module edges.
pub fn median3(f: &GreyFrame) -> GreyFrame {
    if !f.is_well_formed() || f.width < 3 || f.height < 3 {
        return f.clone();
    }
    let (w, h) = (f.width as usize, f.height as usize);
    let mut data = f.data.clone();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let mut v = [0u8; 9];
            for (k, dy) in (0..3).enumerate() {
                let row = (y + dy - 1) * w + x - 1;
                v[k * 3..k * 3 + 3].copy_from_slice(&f.data[row..row + 3]);
            }
            v.sort_unstable();
            data[y * w + x] = v[4];
        }
    }
    GreyFrame { width: f.width, height: f.height, data }
}

/// Half size, 2×2 mean: averages a phone screen's pixel grid (moiré) and sensor noise away.
pub fn half(f: &GreyFrame) -> GreyFrame {
    if !f.is_well_formed() || f.width < 2 || f.height < 2 {
        return f.clone();
    }
    let (w, h) = (f.width as usize / 2, f.height as usize / 2);
    let sw = f.width as usize;
    let mut data = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let (a, b) = ((2 * y) * sw + 2 * x, (2 * y + 1) * sw + 2 * x);
            let s = u32::from(f.data[a]) + u32::from(f.data[a + 1]) + u32::from(f.data[b]) + u32::from(f.data[b + 1]);
            data.push((s / 4) as u8);
        }
    }
    GreyFrame { width: w as u32, height: h as u32, data }
}

/// Double size, bilinear: a code of ~2 px per module gets the 4 px zxing-cpp's finder
/// search wants.
pub fn double(f: &GreyFrame) -> GreyFrame {
    if !f.is_well_formed() {
        return f.clone();
    }
    let (sw, sh) = (f.width as usize, f.height as usize);
    let (w, h) = (sw * 2, sh * 2);
    let at = |x: usize, y: usize| f32::from(f.data[y.min(sh - 1) * sw + x.min(sw - 1)]);
    let mut data = Vec::with_capacity(w * h);
    for y in 0..h {
        let fy = (y as f32 - 0.5).max(0.0) / 2.0;
        let (y0, ty) = (fy as usize, fy.fract());
        for x in 0..w {
            let fx = (x as f32 - 0.5).max(0.0) / 2.0;
            let (x0, tx) = (fx as usize, fx.fract());
            let top = at(x0, y0) * (1.0 - tx) + at(x0 + 1, y0) * tx;
            let bottom = at(x0, y0 + 1) * (1.0 - tx) + at(x0 + 1, y0 + 1) * tx;
            data.push((top * (1.0 - ty) + bottom * ty).round() as u8);
        }
    }
    GreyFrame { width: w as u32, height: h as u32, data }
}

/// The part of the frame around `corners` (a code detected but not read), grown by half
/// its size on every side for the quiet zone and a misplaced corner; with its top-left
/// corner in the frame. None when it would be empty.
pub fn crop_around(f: &GreyFrame, corners: &[(i32, i32); 4]) -> Option<(GreyFrame, (u32, u32))> {
    if !f.is_well_formed() {
        return None;
    }
    let (x_lo, x_hi) = corners.iter().fold((i32::MAX, i32::MIN), |(l, h), p| (l.min(p.0), h.max(p.0)));
    let (y_lo, y_hi) = corners.iter().fold((i32::MAX, i32::MIN), |(l, h), p| (l.min(p.1), h.max(p.1)));
    let grow = (x_hi - x_lo).max(y_hi - y_lo) / 2 + 8;
    let clamp = |v: i32, max: u32| v.clamp(0, max as i32) as u32;
    let (x0, x1) = (clamp(x_lo - grow, f.width), clamp(x_hi + grow, f.width));
    let (y0, y1) = (clamp(y_lo - grow, f.height), clamp(y_hi + grow, f.height));
    if x1 <= x0 + 8 || y1 <= y0 + 8 {
        return None;
    }
    Some((crop(f, x0, y0, x1 - x0, y1 - y0), (x0, y0)))
}

/// The `w`×`h` part of a well-formed frame whose top-left corner is (x0, y0); it must lie
/// inside the frame.
pub fn crop(f: &GreyFrame, x0: u32, y0: u32, w: u32, h: u32) -> GreyFrame {
    let mut data = Vec::with_capacity((w * h) as usize);
    for y in y0..y0 + h {
        let start = (y * f.width + x0) as usize;
        data.extend_from_slice(&f.data[start..start + w as usize]);
    }
    GreyFrame { width: w, height: h, data }
}

/// Which way a bent notice curves: round an axis along the code's columns (the sheet
/// bent left-right, as round a hand holding it by the sides) or along its rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bend {
    /// Flat: only the perspective straightened.
    Flat,
    /// Bent round an axis along the columns, over `arc` radians.
    Columns(f32),
    /// Bent round an axis along the rows, over `arc` radians.
    Rows(f32),
}

/// The code detected at `corners` (top-left, top-right, bottom-right, bottom-left, as
/// zxing-cpp gives them) straightened into an upright square `size` px a side, with a
/// margin of a fifth of that on every side for the quiet zone. With a [`Bend`], the code
/// is taken to lie on a cylinder seen from the front: across it, equal steps on the paper
/// are short near the edges and long in the middle (`sin`), and this undoes that — the
/// one distortion a perspective transform, all zxing-cpp fits, cannot follow. `None` for
/// a degenerate quadrilateral.
pub fn straighten(f: &GreyFrame, corners: &[(i32, i32); 4], size: u32, bend: Bend) -> Option<GreyFrame> {
    if !f.is_well_formed() || size < 8 {
        return None;
    }
    let map = square_to_quad(corners.map(|(x, y)| (x as f32, y as f32)))?;
    // Paper position t (0..1 across the code) → where it shows, s (0..1 across the quad).
    let curl = |t: f32, arc: f32| 0.5 + ((t - 0.5) * arc).sin() / (2.0 * (arc / 2.0).sin());
    let margin = size / 5;
    let side = size + 2 * margin;
    let (fw, fh) = (f.width as f32, f.height as f32);
    let at = |x: usize, y: usize| f32::from(f.data[y * f.width as usize + x]);
    let mut data = Vec::with_capacity((side * side) as usize);
    for oy in 0..side {
        let v = (oy as f32 + 0.5 - margin as f32) / size as f32;
        for ox in 0..side {
            let u = (ox as f32 + 0.5 - margin as f32) / size as f32;
            let (u, v) = match bend {
                Bend::Flat => (u, v),
                Bend::Columns(arc) => (curl(u, arc), v),
                Bend::Rows(arc) => (u, curl(v, arc)),
            };
            let (x, y) = map(u, v);
            // Bilinear, white (paper) outside the frame.
            let value = if x >= 0.0 && y >= 0.0 && x < fw - 1.0 && y < fh - 1.0 {
                let (x0, y0) = (x as usize, y as usize);
                let (tx, ty) = (x.fract(), y.fract());
                let top = at(x0, y0) * (1.0 - tx) + at(x0 + 1, y0) * tx;
                let bottom = at(x0, y0 + 1) * (1.0 - tx) + at(x0 + 1, y0 + 1) * tx;
                top * (1.0 - ty) + bottom * ty
            } else {
                255.0
            };
            data.push(value.round().clamp(0.0, 255.0) as u8);
        }
    }
    Some(GreyFrame { width: side, height: side, data })
}

/// The projective map taking the unit square's corners (0,0), (1,0), (1,1), (0,1) to
/// `q` (Heckbert's closed form); `None` when `q` is degenerate.
fn square_to_quad(q: [(f32, f32); 4]) -> Option<impl Fn(f32, f32) -> (f32, f32)> {
    let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = q;
    let (dx1, dx2, dx3) = (x1 - x2, x3 - x2, x0 - x1 + x2 - x3);
    let (dy1, dy2, dy3) = (y1 - y2, y3 - y2, y0 - y1 + y2 - y3);
    let det = dx1 * dy2 - dx2 * dy1;
    if det.abs() < 1e-6 {
        return None;
    }
    let g = (dx3 * dy2 - dx2 * dy3) / det;
    let h = (dx1 * dy3 - dx3 * dy1) / det;
    let (a, b, c) = (x1 - x0 + g * x1, x3 - x0 + h * x3, x0);
    let (d, e, f) = (y1 - y0 + g * y1, y3 - y0 + h * y3, y0);
    let area = ((x2 - x0) * (y3 - y1) - (x3 - x1) * (y2 - y0)).abs() / 2.0;
    if area < 16.0 {
        return None;
    }
    Some(move |u: f32, v: f32| {
        let w = g * u + h * v + 1.0;
        let w = if w.abs() < 1e-6 { 1e-6 } else { w };
        ((a * u + b * v + c) / w, (d * u + e * v + f) / w)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> GreyFrame {
        let f = &f;
        GreyFrame { width: w, height: h, data: (0..h).flat_map(|y| (0..w).map(move |x| f(x, y))).collect() }
    }

    fn spread(f: &GreyFrame, xs: std::ops::Range<u32>, y: u32) -> u8 {
        let row = xs.map(|x| f.data[(y * f.width + x) as usize]);
        let (lo, hi) = row.fold((255u8, 0u8), |(l, h), v| (l.min(v), h.max(v)));
        hi - lo
    }

    #[test]
    fn local_contrast_stretches_a_washed_out_stripe_pattern() {
        // Stripes of 4 px between 200 and 230 (ink under a glare halo).
        let f = frame(64, 16, |x, _| if (x / 4).is_multiple_of(2) { 200 } else { 230 });
        assert_eq!(spread(&f, 16..48, 8), 30);
        assert!(spread(&local_contrast(&f, 6), 16..48, 8) >= 100);
    }

    #[test]
    fn local_contrast_and_unglare_tone_burnt_white_down() {
        let f =
            frame(
                64,
                64,
                |x, y| if (20..44).contains(&x) && (20..44).contains(&y) { 255 } else { 100 + (x % 2) as u8 * 40 },
            );
        assert_eq!(local_contrast(&f, 6).data[(32 * 64 + 32) as usize], 128);
        let u = unglare(&f);
        // The hot spot comes down to halfway between its surroundings (~120) and white;
        // the rest is untouched.
        let v = u.data[(32 * 64 + 32) as usize];
        assert!((175..=200).contains(&v), "{v}");
        assert_eq!(u.data[0], f.data[0]);
    }

    #[test]
    fn sharpen_steepens_an_edge() {
        let f = frame(32, 4, |x, _| (x * 255 / 31) as u8);
        let s = sharpen(&frame(32, 4, |x, _| if x < 16 { 60 } else { 200 }));
        assert!(s.data[15] < 60 && s.data[16] > 200, "{:?}", &s.data[12..20]);
        // A linear ramp stays a ramp away from the borders.
        let r = sharpen(&f);
        assert!((i32::from(r.data[16]) - i32::from(f.data[16])).abs() <= 2);
    }

    #[test]
    fn median_removes_a_one_pixel_scratch() {
        let f = frame(16, 16, |x, y| {
            if x == 8 {
                255
            } else if y < 8 {
                20
            } else {
                220
            }
        });
        let m = median3(&f);
        assert_eq!(m.data[(3 * 16 + 8) as usize], 20);
        assert_eq!(m.data[(12 * 16 + 8) as usize], 220);
    }

    #[test]
    fn half_and_double_change_size_and_keep_levels() {
        let f = frame(10, 6, |x, _| if x < 5 { 0 } else { 200 });
        let h = half(&f);
        assert_eq!((h.width, h.height), (5, 3));
        assert_eq!((h.data[0], h.data[4]), (0, 200));
        let d = double(&f);
        assert_eq!((d.width, d.height), (20, 12));
        assert_eq!((d.data[0], d.data[19]), (0, 200));
    }

    #[test]
    fn crop_grows_around_the_corners_and_stays_inside() {
        let f = frame(200, 100, |x, y| (x + y) as u8);
        let (c, (x0, y0)) = crop_around(&f, &[(80, 40), (120, 40), (120, 80), (80, 80)]).expect("crop");
        assert_eq!((x0, y0), (52, 12));
        assert_eq!((c.width, c.height), (148 - 52, 100 - 12));
        assert_eq!(c.data[0], f.data[(12 * 200 + 52) as usize]);
        assert!(crop_around(&f, &[(-500, -500), (-400, -500), (-400, -400), (-500, -400)]).is_none());
    }

    #[test]
    fn odd_frames_are_returned_unchanged_not_panicked_on() {
        let bad = GreyFrame { width: 10, height: 10, data: vec![1; 3] };
        for op in [local_contrast(&bad, 4), unglare(&bad), sharpen(&bad), median3(&bad), half(&bad), double(&bad)] {
            assert_eq!(op, bad);
        }
        assert!(crop_around(&bad, &[(0, 0); 4]).is_none());
    }
}
