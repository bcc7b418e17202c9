//! What consecutive frames give together when a citizen holds a notice still: the
//! notice stays where it is (to a pixel or two) while a lamp's reflection on glossy paper
//! or a phone's glass moves with every small tilt of the hand. Glare only ever adds
//! light, so the darkest value each pixel took over the last frames, once they are
//! aligned, is the notice with the reflections that moved taken off: modules a hot spot
//! burnt out in one frame come back from a frame where the spot was elsewhere. No single
//! frame can give that back (a burnt-white module holds no information), which is why the
//! glare category is the multi-frame pass's.
//!
//! Only unread frames are kept, only for [`MAX_AGE`], only while the scene holds still
//! (after the best shift of up to [`MAX_SHIFT`] px, the frames differ by at most
//! [`STILL_MAD`] grey levels on average); any code read, any change of scene and
//! [`Held::clear`] (the scanner stopping) drop them all. Frames stay in memory only, as
//! every camera frame does.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use adm_camera::GreyFrame;

use crate::enhance::SATURATED;

/// Frames kept besides the newest: with the newest, half a second of a hand holding
/// still at the rate the scanner takes frames while nothing is read (the budget spends a
/// whole frame time on each, so about every other frame of a 30 fps camera).
pub const MAX_KEPT: usize = 7;
/// Older frames are not "the same notice held still" any more.
pub const MAX_AGE: Duration = Duration::from_millis(600);
/// The largest shift between two consecutive frames that is still holding still, px.
pub const MAX_SHIFT: i32 = 3;
/// Mean absolute difference (grey levels) between two aligned frames of one still scene:
/// sensor noise (σ ≈ 6: about 7) plus a moving reflection's edges. A different scene,
/// or the notice moved further than [`MAX_SHIFT`], differs by far more.
pub const STILL_MAD: u32 = 16;
/// Every this many pixels, in both directions, is compared when aligning.
const SAMPLE_STEP: usize = 6;

struct Kept {
    at: Instant,
    frame: GreyFrame,
    /// Where the newest frame's pixel (x, y) is in this frame: (x + dx, y + dy).
    offset: (i32, i32),
}

#[derive(Default)]
pub struct Held {
    kept: VecDeque<Kept>,
}

impl Held {
    /// Takes an unread frame. Returns the darkest-value composite of it and the frames
    /// kept before it that belong to the same still scene, or `None` when there are none
    /// (the first frame, or the scene changed).
    pub fn push(&mut self, frame: &GreyFrame, now: Instant) -> Option<GreyFrame> {
        if !frame.is_well_formed() {
            self.clear();
            return None;
        }
        self.kept.retain(|k| {
            now.saturating_duration_since(k.at) <= MAX_AGE
                && k.frame.width == frame.width
                && k.frame.height == frame.height
        });
        let still = self.kept.back().and_then(|last| align(frame, &last.frame));
        match still {
            Some(shift) => self.kept.iter_mut().for_each(|k| k.offset = (k.offset.0 + shift.0, k.offset.1 + shift.1)),
            None => self.clear(),
        }
        let combined = (!self.kept.is_empty()).then(|| self.darkest(frame));
        self.kept.push_back(Kept { at: now, frame: frame.clone(), offset: (0, 0) });
        while self.kept.len() > MAX_KEPT {
            self.kept.pop_front();
        }
        combined
    }

    /// Forgets every kept frame.
    pub fn clear(&mut self) {
        for k in &mut self.kept {
            // Camera frames can show a notice, half of a citizen's sign-in.
            k.frame.data.iter_mut().for_each(|p| *p = 0);
        }
        self.kept.clear();
    }

    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// For each pixel of `newest`, the darkest value it has in any kept frame (aligned).
    fn darkest(&self, newest: &GreyFrame) -> GreyFrame {
        let (w, h) = (newest.width as i32, newest.height as i32);
        let mut data = newest.data.clone();
        for k in &self.kept {
            let (dx, dy) = k.offset;
            // The rows and columns of `newest` that land inside the kept frame.
            let (x0, x1) = ((-dx).max(0), (w - dx).min(w));
            let (y0, y1) = ((-dy).max(0), (h - dy).min(h));
            if x0 >= x1 {
                continue;
            }
            for y in y0..y1 {
                let out = &mut data[(y * w + x0) as usize..(y * w + x1) as usize];
                let at = ((y + dy) * w + x0 + dx) as usize;
                let src = &k.frame.data[at..at + (x1 - x0) as usize];
                out.iter_mut().zip(src).for_each(|(o, &s)| *o = (*o).min(s));
            }
        }
        GreyFrame { width: newest.width, height: newest.height, data }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The shift `(dx, dy)` with `a(x, y) ≈ b(x + dx, y + dy)`, if the two frames show one
/// still scene: the best of every shift up to [`MAX_SHIFT`] by mean absolute difference
/// over a sparse grid, burnt-white pixels (where reflections move) left out.
fn align(a: &GreyFrame, b: &GreyFrame) -> Option<(i32, i32)> {
    let (w, h) = (a.width as usize, a.height as usize);
    let m = MAX_SHIFT as usize;
    if w <= 2 * m + SAMPLE_STEP || h <= 2 * m + SAMPLE_STEP {
        return None;
    }
    let mut best: Option<((i32, i32), u64)> = None;
    for dy in -MAX_SHIFT..=MAX_SHIFT {
        for dx in -MAX_SHIFT..=MAX_SHIFT {
            let (mut sum, mut n) = (0u64, 0u64);
            for y in (m..h - m).step_by(SAMPLE_STEP) {
                let row_a = &a.data[y * w..(y + 1) * w];
                let yb = (y as i32 + dy) as usize;
                let row_b = &b.data[yb * w..(yb + 1) * w];
                for x in (m..w - m).step_by(SAMPLE_STEP) {
                    let (pa, pb) = (row_a[x], row_b[(x as i32 + dx) as usize]);
                    if pa < SATURATED && pb < SATURATED {
                        sum += u64::from(pa.abs_diff(pb));
                        n += 1;
                    }
                }
            }
            // Mostly burnt white: nothing to compare.
            if n * 4 < ((w - 2 * m) / SAMPLE_STEP * ((h - 2 * m) / SAMPLE_STEP)) as u64 {
                return None;
            }
            let mad_x16 = sum * 16 / n;
            if best.is_none_or(|(_, b)| mad_x16 < b) {
                best = Some(((dx, dy), mad_x16));
            }
        }
    }
    best.filter(|&(_, mad_x16)| mad_x16 <= u64::from(STILL_MAD) * 16).map(|(shift, _)| shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A textured frame: a different value at every pixel, shifted by (sx, sy).
    fn texture(w: u32, h: u32, (sx, sy): (i32, i32)) -> GreyFrame {
        let data = (0..h as i32)
            .flat_map(|y| {
                (0..w as i32).map(move |x| {
                    let (u, v) = (x + sx, y + sy);
                    (((u * 37 + v * 91) ^ (u * v)) as u32 % 200 + 20) as u8
                })
            })
            .collect();
        GreyFrame { width: w, height: h, data }
    }

    #[test]
    fn a_still_scene_is_aligned_and_a_new_one_is_not() {
        let a = texture(160, 120, (0, 0));
        // b is the scene moved by (-2, 1): a(x, y) = b(x + 2, y - 1).
        let b = texture(160, 120, (-2, 1));
        assert_eq!(align(&a, &b), Some((2, -1)));
        let other = GreyFrame { width: 160, height: 120, data: a.data.iter().map(|p| 255 - p).collect() };
        assert_eq!(align(&a, &other), None);
        // Moved further than a hand holding still.
        assert_eq!(align(&a, &texture(160, 120, (6, 0))), None);
    }

    #[test]
    fn a_moving_hot_spot_is_taken_off_by_the_darkest_composite() {
        let base = texture(160, 120, (0, 0));
        let spot = |cx: i32| GreyFrame {
            width: 160,
            height: 120,
            data: base
                .data
                .iter()
                .enumerate()
                .map(|(i, &p)| {
                    let (x, y) = (i as i32 % 160, i as i32 / 160);
                    if (x - cx).abs() < 20 && (y - 60).abs() < 20 { 255 } else { p }
                })
                .collect(),
        };
        let mut held = Held::default();
        let t = Instant::now();
        assert!(held.push(&spot(40), t).is_none(), "nothing to combine with yet");
        let combined = held.push(&spot(100), t + Duration::from_millis(66)).expect("still scene");
        assert_eq!(combined.data, base.data, "each spot's pixels come from the other frame");
        assert_eq!(held.len(), 2);
    }

    #[test]
    fn a_changed_scene_an_old_frame_and_clear_drop_what_was_kept() {
        let mut held = Held::default();
        let t = Instant::now();
        let a = texture(160, 120, (0, 0));
        held.push(&a, t);
        let other = GreyFrame { width: 160, height: 120, data: a.data.iter().map(|p| 255 - p).collect() };
        assert!(held.push(&other, t).is_none());
        assert_eq!(held.len(), 1, "only the new scene");
        assert!(held.push(&other, t + MAX_AGE * 2).is_none(), "too old to be held still");
        held.push(&other, t + MAX_AGE * 2);
        assert_eq!(held.len(), 2);
        held.clear();
        assert!(held.is_empty());
        for _ in 0..MAX_KEPT + 3 {
            held.push(&a, t);
        }
        assert_eq!(held.len(), MAX_KEPT);
        assert!(held.push(&GreyFrame { width: 3, height: 3, data: vec![] }, t).is_none());
        assert!(held.is_empty());
    }
}
