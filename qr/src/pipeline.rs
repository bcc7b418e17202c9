//! The kiosk's QR decoder: zxing-cpp's plain pass first; then — only when it read
//! nothing — the frame combined with the unread frames of the same scene held still
//! before it ([`crate::held`]: a reflection that moved is taken off); then further passes
//! on enhanced or straightened copies of the frame, in order of codes recovered per
//! millisecond, while the frame budget (33 ms: one frame at 30 fps) lasts.
//!
//! Which passes, and in what order, was measured with `cargo bench -p adm-qr --bench qr`
//! (it prints each candidate's recoveries on the frames the plain pass missed, and its
//! cost), on synthesised photos of notice QRs (glare, bright spots, damaged paper, blur,
//! perspective, curved paper, phone screens) and ZXing's public photos. [`Pass::ALL`]
//! holds every candidate; [`KIOSK_PASSES`] the ones that paid, best first.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use adm_camera::GreyFrame;

use crate::decoder::{Decoded, QrDecoder, Seen, longest_side};
use crate::held::Held;
use crate::zxing::{Binarizer, Reading, read_with};
use crate::{deblur, enhance};

/// One frame at 30 fps.
pub const FRAME_BUDGET: Duration = Duration::from_millis(33);
/// A pass that typically takes this long (µs) or more is a dear one: the frames of a still
/// scene take turns at them (see `Pipeline::order`).
pub const DEAR_US: u64 = 9_000;
/// Kept free of planned passes inside the budget: a pass's cost varies from frame to
/// frame (and with what else the machine runs), and the caller's hand-over of the frame
/// counts too. Planning to the full 33 ms put one frame in twenty over it. With 5 ms kept
/// free, p95 over every frame was 28.8 ms (single frames) and 30.7 ms (bursts) on this
/// machine, at most 32.7 in any category (`cargo bench -p adm-qr --bench qr`, nothing else
/// running); with 4, 29.7 and 31.6.
pub const BUDGET_MARGIN: Duration = Duration::from_millis(5);

/// A way of looking at a frame again after the plain pass read nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// zxing-cpp's global-histogram binarizer: one threshold for the whole frame, which
    /// survives blur better than the local one (whose 8×8 blocks see only grey).
    GlobalHistogram,
    /// Local contrast normalisation, then the local binarizer: glare halos, shadows.
    LocalContrast,
    /// Local contrast normalisation, then one global threshold (mid-grey after it).
    LocalContrastGlobal,
    /// Burnt-white pixels replaced by their surroundings' mean.
    Unglare,
    /// Unsharp mask: blur.
    Sharpen,
    /// 3×3 median: creases, scratches, screen-pixel gaps.
    Median,
    /// Half size: moiré, noise.
    Half,
    /// Around each code detected but not read by an earlier pass: the crop at double
    /// size, read with both binarizers and after local contrast normalisation.
    Zoom,
    /// Each code detected but not read, straightened into an upright square: flat, then
    /// as if bent round a hand (a cylinder) either way at a few strengths.
    Straighten,
    /// Motion blur deconvolved (see [`crate::deblur`]) around a detected code, or in the
    /// guide area when nothing was detected, at half size.
    Deblur,
}

impl Pass {
    pub const ALL: [Pass; 10] = [
        Pass::GlobalHistogram,
        Pass::LocalContrast,
        Pass::LocalContrastGlobal,
        Pass::Unglare,
        Pass::Sharpen,
        Pass::Median,
        Pass::Half,
        Pass::Zoom,
        Pass::Straighten,
        Pass::Deblur,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Pass::GlobalHistogram => "global-histogram",
            Pass::LocalContrast => "local-contrast",
            Pass::LocalContrastGlobal => "local-contrast+global",
            Pass::Unglare => "unglare",
            Pass::Sharpen => "sharpen",
            Pass::Median => "median3",
            Pass::Half => "half-size",
            Pass::Zoom => "zoom-on-detected",
            Pass::Straighten => "straighten-detected",
            Pass::Deblur => "deblur-motion",
        }
    }

    /// What the pass took on a 1280×720 frame it could not read, µs: measured with
    /// `cargo bench -p adm-qr --bench qr` on the development machine (2 cores), rounded
    /// up. Only the starting estimate: the pipeline then follows what it measures.
    pub fn typical_us(self) -> u64 {
        match self {
            Pass::GlobalHistogram => 1_000,
            Pass::LocalContrast => 18_000,
            Pass::LocalContrastGlobal => 15_000,
            Pass::Unglare => 15_000,
            Pass::Sharpen => 10_000,
            Pass::Median => 45_000,
            Pass::Half => 1_500,
            Pass::Zoom => 7_000,
            Pass::Straighten => 6_000,
            Pass::Deblur => 12_000,
        }
    }

    /// Runs this pass; `detected` are codes found but not read so far (for [`Pass::Zoom`]).
    /// Corners are in `frame`'s coordinates.
    pub fn run(self, frame: &GreyFrame, detected: &[[(i32, i32); 4]]) -> Reading {
        self.run_until(frame, detected, None)
    }

    /// [`Self::run`]; a pass made of several attempts (zoom, straighten) makes no new
    /// attempt after `until`: its overrun is then one attempt, not all of them.
    pub fn run_until(self, frame: &GreyFrame, detected: &[[(i32, i32); 4]], until: Option<Instant>) -> Reading {
        let time_left = || until.is_none_or(|u| Instant::now() < u);
        match self {
            Pass::GlobalHistogram => read_with(frame, Binarizer::GlobalHistogram),
            Pass::LocalContrast => read_with(&enhance::local_contrast(frame, 10), Binarizer::LocalAverage),
            Pass::LocalContrastGlobal => read_with(&enhance::local_contrast(frame, 10), Binarizer::GlobalHistogram),
            Pass::Unglare => read_with(&enhance::unglare(frame), Binarizer::LocalAverage),
            Pass::Sharpen => read_with(&enhance::sharpen(frame), Binarizer::LocalAverage),
            Pass::Median => read_with(&enhance::median3(frame), Binarizer::LocalAverage),
            Pass::Half => scaled(read_with(&enhance::half(frame), Binarizer::LocalAverage), 2.0, (0, 0)),
            Pass::Zoom => {
                let mut all = Reading::default();
                // At most two detections: a frame full of false finder patterns must not
                // eat the budget.
                for corners in detected.iter().take(2) {
                    let Some((crop, origin)) = enhance::crop_around(frame, corners) else { continue };
                    // Only small crops are doubled: a big code is not small, it is damaged.
                    let (img, scale) =
                        if crop.width.max(crop.height) <= 400 { (enhance::double(&crop), 0.5) } else { (crop, 1.0) };
                    for attempt in 0..3 {
                        if !time_left() {
                            break;
                        }
                        let got = match attempt {
                            0 => read_with(&img, Binarizer::LocalAverage),
                            1 => read_with(&img, Binarizer::GlobalHistogram),
                            _ => read_with(&enhance::local_contrast(&img, 12), Binarizer::GlobalHistogram),
                        };
                        let got = scaled(got, scale, origin);
                        if !got.codes.is_empty() {
                            all.codes.extend(got.codes);
                            break;
                        }
                    }
                }
                all
            }
            Pass::Deblur => {
                let area = detected.first().and_then(|c| enhance::crop_around(frame, c));
                let Some((crop, origin)) = area.or_else(|| deblur::guide_area(frame)) else {
                    return Reading::default();
                };
                let small = enhance::half(&crop);
                let Some(angle) = deblur::motion_direction(&small) else { return Reading::default() };
                // Blur lengths in half-size pixels: a hand's travel of about 2, 1 and 3
                // modules at the notice's usual 5 px a module. Read at half size: doubling
                // the deconvolved picture lost more codes than it won.
                for len in [5.0, 3.0, 7.0] {
                    if !time_left() {
                        break;
                    }
                    let sharp = deblur::deblur(&small, len, angle, deblur::ROUNDS);
                    let got = scaled(read_with(&sharp, Binarizer::LocalAverage), 2.0, origin);
                    if !got.codes.is_empty() {
                        return got;
                    }
                }
                Reading::default()
            }
            Pass::Straighten => {
                let mut all = Reading::default();
                // One detection: five warps and reads of each cost several milliseconds.
                for corners in detected.iter().take(1) {
                    if let Some(code) = straightened(frame, corners, &time_left) {
                        all.codes.push(code);
                    }
                }
                all
            }
        }
    }
}

/// The bends [`Pass::Straighten`] tries, most likely first: a flat sheet, then bent round
/// an axis along the columns (held by its sides), then along the rows.
/// Measured on the kiosk set: flat straightening read 17 codes (mostly tilted-back
/// notices), bent at 1.2 rad 6, at 1.8 rad 1, at 2.4 rad none (a sharper bend hides the
/// code's edges from the camera anyway).
const BENDS: [enhance::Bend; 5] = [
    enhance::Bend::Flat,
    enhance::Bend::Columns(1.2),
    enhance::Bend::Rows(1.2),
    enhance::Bend::Columns(1.8),
    enhance::Bend::Rows(1.8),
];

/// The code at `corners` read from a straightened copy, with the detected corners
/// (a straightened copy's own corners mean nothing in the frame).
fn straightened(frame: &GreyFrame, corners: &[(i32, i32); 4], time_left: &dyn Fn() -> bool) -> Option<Decoded> {
    // The code's size in the frame, at least 150 px (5 px a module for a 29-module notice
    // code), at most 300 (each warp and read costing about a millisecond).
    let size = longest_side(corners).clamp(150, 300) as u32;
    BENDS.iter().take_while(|_| time_left()).find_map(|&bend| {
        let img = enhance::straighten(frame, corners, size, bend)?;
        let code = read_with(&img, Binarizer::LocalAverage).codes.into_iter().next()?;
        Some(Decoded { text: code.text, corners: *corners })
    })
}

/// Corners found in a scaled / cropped copy, back in the frame's coordinates.
fn scaled(mut r: Reading, scale: f32, origin: (u32, u32)) -> Reading {
    let map =
        |(x, y): (i32, i32)| ((x as f32 * scale) as i32 + origin.0 as i32, (y as f32 * scale) as i32 + origin.1 as i32);
    r.codes.iter_mut().for_each(|c| c.corners = c.corners.map(map));
    r.unreadable.iter_mut().for_each(|c| *c = c.map(map));
    r
}

/// The passes the kiosk runs after the plain one (and the multi-frame composite), best
/// yield per millisecond first. Measured with `cargo bench -p adm-qr --bench qr`
/// (release, this 2-core machine) on the 165 frames of 465 plain zxing-cpp missed —
/// codes recovered by the pass alone, mean ms: half-size 4 in 1.0 ms, global-histogram 1
/// in 0.7, straighten-detected 20 in 4.4 (10 tilted-back, 8 bent notices), zoom-on-detected
/// 12 in 5.4, local-contrast+global 19 in 15.1, local-contrast 16 in 18.8, sharpen 4 in
/// 9.9. Left out: median3 (3 in 46 ms: too slow for what it finds) and unglare (0: a
/// burnt-white spot hides modules no masking brings back; the error correction alone
/// decides those in one frame, and [`crate::held`] across frames).
pub const KIOSK_PASSES: &[Pass] = &[
    Pass::Half,
    Pass::GlobalHistogram,
    Pass::Straighten,
    Pass::Zoom,
    Pass::LocalContrastGlobal,
    Pass::LocalContrast,
    Pass::Sharpen,
    Pass::Deblur,
];

pub struct Pipeline {
    budget: Duration,
    passes: Vec<Pass>,
    /// Recent worst cost of each pass in µs (the last cost, or the earlier worst decayed
    /// by an eighth a frame, whichever is higher), to skip a pass that would not finish
    /// inside the budget: planning with the average let every slower-than-usual pass run
    /// over. Starts at [`Pass::typical_us`]: with no estimate the first unread frame ran
    /// every pass and blew the budget.
    cost_us: Vec<AtomicU64>,
    /// Indices into `passes`: the cheap ones, in their order, and the dear ones (see
    /// [`Pipeline::order`]); fixed with the passes.
    cheap: Vec<usize>,
    dear: Vec<usize>,
    /// The unread frames of the scene held still in front of the camera (see
    /// [`crate::held`]), combined with each new unread frame.
    held: Mutex<Held>,
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline::new(FRAME_BUDGET, KIOSK_PASSES)
    }
}

impl Pipeline {
    pub fn new(budget: Duration, passes: &[Pass]) -> Pipeline {
        Pipeline {
            budget,
            passes: passes.to_vec(),
            cost_us: passes.iter().map(|p| AtomicU64::new(p.typical_us())).collect(),
            cheap: (0..passes.len()).filter(|&i| passes[i].typical_us() < DEAR_US).collect(),
            dear: (0..passes.len()).filter(|&i| passes[i].typical_us() >= DEAR_US).collect(),
            held: Mutex::new(Held::default()),
        }
    }

    /// The plain pass; then the frame combined with the still frames before it; then the
    /// single-frame passes while the budget lasts. Stops at the first pass that reads a
    /// code.
    fn run_passes(&self, frame: &GreyFrame) -> Seen {
        let start = Instant::now();
        let plan = self.budget.saturating_sub(BUDGET_MARGIN);
        let plain = read_with(frame, Binarizer::LocalAverage);
        let mut seen = Seen { codes: plain.codes, unreadable: plain.unreadable };
        let mut turn = 0;
        let mut smeared = false;
        if seen.codes.is_empty() {
            (seen.codes, turn) = self.held_pass(frame, start);
            smeared = seen.codes.is_empty() && deblur::looks_smeared(frame);
        }
        for i in self.order(turn, smeared) {
            let (pass, cost) = (&self.passes[i], &self.cost_us[i]);
            if !seen.codes.is_empty() {
                break;
            }
            let expected = Duration::from_micros(cost.load(Ordering::Relaxed));
            if start.elapsed() + expected > plan {
                // Later passes may be cheaper and still fit. The estimate decays slowly
                // all the same: one slow frame must not shut a pass out for good.
                let old = cost.load(Ordering::Relaxed);
                cost.store(old - old / 32, Ordering::Relaxed);
                continue;
            }
            if matches!(pass, Pass::Zoom | Pass::Straighten) && seen.unreadable.is_empty() {
                continue;
            }
            let t = Instant::now();
            let got = pass.run_until(frame, &seen.unreadable, Some(start + plan));
            let us = t.elapsed().as_micros() as u64;
            let old = cost.load(Ordering::Relaxed);
            cost.store(us.max(old - old / 8), Ordering::Relaxed);
            seen.codes = got.codes;
            for u in got.unreadable {
                if !seen.unreadable.contains(&u) {
                    seen.unreadable.push(u);
                }
            }
        }
        if !seen.codes.is_empty() {
            // Read: the frames held for it have served.
            self.forget();
        }
        seen
    }

    /// The frame combined with the still frames held before it, read plainly.
    /// Also returns how many frames of this still scene came before this one.
    fn held_pass(&self, frame: &GreyFrame, now: Instant) -> (Vec<Decoded>, usize) {
        // Taken by another decode (a worker given up as stuck still running): no frame
        // is worth waiting for it.
        let Ok(mut held) = self.held.try_lock() else { return (vec![], 0) };
        match held.push(frame, now) {
            Some(combined) => (read_with(&combined, Binarizer::LocalAverage).codes, held.len() - 1),
            None => (vec![], 0),
        }
    }

    /// The order of the passes for the `turn`-th frame of a still scene: the cheap ones
    /// first, as listed; then the dear ones (at least [`DEAR_US`], of which a frame's
    /// budget holds one or two), starting one further down the list at each frame. The
    /// frames of a notice held still look alike, so the same dear pass tried on each of
    /// them finds what it found on the first; taking turns tries each of them within a
    /// few frames (the deblur pass, last, would otherwise never get the budget).
    /// A `smeared` frame (see [`deblur::looks_smeared`]) has the deblur pass first among
    /// the dear ones: on motion-blurred frames it reads what no other pass does, and a
    /// single frame would otherwise seldom leave it any budget.
    fn order(&self, turn: usize, smeared: bool) -> impl Iterator<Item = usize> + '_ {
        let n = self.dear.len();
        let first = self.dear.iter().copied().find(|&i| smeared && self.passes[i] == Pass::Deblur);
        let dear = (0..n).map(move |k| self.dear[(k + turn) % n]).filter(move |&i| Some(i) != first);
        self.cheap.iter().copied().chain(first).chain(dear)
    }

    /// How many unread frames are held for combining.
    #[cfg(test)]
    fn held_frames(&self) -> usize {
        self.held.lock().map(|h| h.len()).unwrap_or(0)
    }
}

impl QrDecoder for Pipeline {
    fn name(&self) -> &'static str {
        "pipeline"
    }

    fn decode(&self, frame: &GreyFrame) -> Vec<Decoded> {
        self.run_passes(frame).codes
    }

    fn look(&self, frame: &GreyFrame) -> Seen {
        self.run_passes(frame)
    }

    fn forget(&self) {
        if let Ok(mut held) = self.held.lock() {
            held.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::qr_frame as qr;

    /// `inner` pasted at (x0, y0) into a `w`×`h` frame of grey `fill`.
    fn paste(inner: &GreyFrame, w: u32, h: u32, x0: u32, y0: u32, fill: u8) -> GreyFrame {
        let mut data = vec![fill; (w * h) as usize];
        for y in 0..inner.height {
            let src = &inner.data[(y * inner.width) as usize..((y + 1) * inner.width) as usize];
            let at = ((y0 + y) * w + x0) as usize;
            data[at..at + inner.width as usize].copy_from_slice(src);
        }
        GreyFrame { width: w, height: h, data }
    }

    const TEXT: &str = "https://127.0.0.1/n/7Q2K9M4T1V8X3Z6B";

    #[test]
    fn a_plain_code_is_read_by_the_plain_pass_with_its_corners() {
        let f = qr(TEXT, 6);
        let seen = Pipeline::default().look(&f);
        assert_eq!(seen.codes.len(), 1);
        assert_eq!(seen.codes[0].text, TEXT);
        assert_eq!(seen.codes[0].corners, crate::zxing::ZxingDecoder.decode(&f)[0].corners);
    }

    #[test]
    fn every_pass_reads_a_clean_code_and_maps_corners_back() {
        let f = paste(&qr(TEXT, 6), 400, 300, 60, 20, 255);
        let plain = read_with(&f, Binarizer::LocalAverage).codes;
        // Not the deblur pass: it undoes a blur the frame must have (tested below).
        for pass in Pass::ALL.into_iter().filter(|p| *p != Pass::Deblur) {
            let detected = [plain[0].corners];
            let got = pass.run(&f, &detected);
            assert_eq!(got.codes.len(), 1, "{}", pass.name());
            assert_eq!(got.codes[0].text, TEXT, "{}", pass.name());
            for (a, b) in got.codes[0].corners.iter().zip(&plain[0].corners) {
                assert!((a.0 - b.0).abs() <= 3 && (a.1 - b.1).abs() <= 3, "{}: {a:?} vs {b:?}", pass.name());
            }
        }
    }

    #[test]
    fn local_contrast_reads_a_code_the_plain_pass_cannot_under_a_glare_ramp() {
        // Ink washed out to a 14-level difference riding on a steep brightness ramp
        // (a lamp's reflection across the code).
        let base = qr(TEXT, 5);
        let w = base.width;
        let data = base
            .data
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let x = (i as u32 % w) as f32 / w as f32;
                let ramp = 90.0 + 140.0 * x;
                (ramp + if p < 128 { 0.0 } else { 14.0 }).min(249.0) as u8
            })
            .collect();
        let f = GreyFrame { width: w, height: base.height, data };
        let lcn = Pass::LocalContrast.run(&f, &[]);
        assert_eq!(lcn.codes.first().map(|c| c.text.as_str()), Some(TEXT));
    }

    #[test]
    fn zoom_reads_a_tiny_code_the_plain_pass_only_detects() {
        // 2 px per module, blurred a little: found but not read at this size.
        let small = qr(TEXT, 2);
        let img = image::GrayImage::from_raw(small.width, small.height, small.data.clone()).expect("image");
        let blurred = GreyFrame::from_image(&image::imageops::blur(&img, 0.9));
        let f = paste(&blurred, 640, 480, 200, 150, 255);
        let plain = read_with(&f, Binarizer::LocalAverage);
        if plain.codes.is_empty() {
            // What the pass claims: given the detection, it reads the code.
            assert!(!plain.unreadable.is_empty(), "nothing detected either");
            let zoom = Pass::Zoom.run(&f, &plain.unreadable);
            assert_eq!(zoom.codes.first().map(|c| c.text.as_str()), Some(TEXT));
        }
        // Either way the pipeline reads it (without the budget: debug builds are slow).
        let unhurried = Pipeline::new(Duration::from_secs(30), KIOSK_PASSES);
        assert_eq!(unhurried.decode(&f).first().map(|c| c.text.as_str()), Some(TEXT));
    }

    #[test]
    fn straighten_reads_a_code_bent_round_a_hand_given_its_detection() {
        // The code with its quiet zone drawn on a cylinder seen from the front (2.4 rad of
        // arc): across it, screen position s shows paper position asin(...).
        let code = qrcode::QrCode::with_error_correction_level(TEXT, qrcode::EcLevel::M).expect("fits");
        let modules = code.width() as f32;
        let flat = qr(TEXT, 6);
        let (w, h) = (flat.width as f32, flat.height);
        let arc: f32 = 2.4;
        let half = (arc / 2.0).sin();
        let paper_at = |s: f32| ((s - 0.5) * 2.0 * half).clamp(-1.0, 1.0).asin() / arc + 0.5;
        let screen_at = |u: f32| 0.5 + ((u - 0.5) * arc).sin() / (2.0 * half);
        let mut bent = GreyFrame { width: flat.width, height: h, data: vec![255; flat.data.len()] };
        for y in 0..h {
            for x in 0..flat.width {
                let u = paper_at((x as f32 + 0.5) / w);
                let sx = ((u * w) as u32).min(flat.width - 1);
                bent.data[(y * flat.width + x) as usize] = flat.data[(y * flat.width + sx) as usize];
            }
        }
        let mut f = paste(&bent, 640, 480, 150, 80, 200);
        f.data.iter_mut().for_each(|p| *p = (*p).clamp(30, 220));
        assert!(read_with(&f, Binarizer::LocalAverage).codes.is_empty(), "too bent for the plain pass");
        // Where the symbol's corners show (the quiet zone is 4 modules a side).
        let quiet = 4.0 / (modules + 8.0);
        let (x0, x1) = (150 + (screen_at(quiet) * w) as i32, 150 + (screen_at(1.0 - quiet) * w) as i32);
        let (y0, y1) = (80 + 24, 80 + 24 + (modules * 6.0) as i32);
        let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)];
        let got = Pass::Straighten.run(&f, &[corners]);
        assert_eq!(got.codes.first().map(|c| c.text.as_str()), Some(TEXT));
    }

    #[test]
    fn deblur_reads_a_code_smeared_by_a_moving_hand() {
        // 5 px modules smeared along the rows over two of them, in the guide area of a
        // 640×480 frame.
        let code = qr(TEXT, 5);
        let mut sharp = paste(&code, 640, 480, 217, 137, 200);
        sharp.data.iter_mut().for_each(|p| *p = (*p).clamp(30, 220));
        let (w, len) = (640usize, 10usize);
        let data = (0..sharp.data.len())
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let sum: u32 =
                    (0..len).map(|k| u32::from(sharp.data[y * w + (x + k).saturating_sub(len / 2).min(w - 1)])).sum();
                (sum / len as u32) as u8
            })
            .collect();
        let blurred = GreyFrame { width: 640, height: 480, data };
        let plain = read_with(&blurred, Binarizer::LocalAverage);
        assert!(plain.codes.is_empty(), "the plain pass reads it: not blurred enough");
        assert!(deblur::looks_smeared(&blurred), "taken for a blurred frame");
        assert!(!deblur::looks_smeared(&sharp), "the sharp code is not");
        let got = Pass::Deblur.run(&blurred, &plain.unreadable);
        assert_eq!(got.codes.first().map(|c| c.text.as_str()), Some(TEXT));
    }

    /// `f` with a burnt-white square of side `side` at (x0, y0).
    fn burnt(f: &GreyFrame, x0: u32, y0: u32, side: u32) -> GreyFrame {
        let mut out = f.clone();
        for y in y0..(y0 + side).min(f.height) {
            for x in x0..(x0 + side).min(f.width) {
                out.data[(y * f.width + x) as usize] = 255;
            }
        }
        out
    }

    #[test]
    fn two_frames_each_half_burnt_out_are_read_together_and_then_forgotten() {
        // A reflection over the top-left finder, then (the notice tilted) over the
        // top-right one: neither frame can be read alone.
        let code = qr(TEXT, 6);
        // Paper is not burnt white: a camera sees it at about 220.
        let mut f = paste(&code, 400, 300, 60, 20, 180);
        f.data.iter_mut().for_each(|p| *p = (*p).clamp(30, 220));
        let (x, y, side) = (60 + 24, 20 + 24, 80);
        let first = burnt(&f, x, y, side);
        let second = burnt(&f, x + code.width - 48 - side, y, side);
        let alone = Pipeline::new(Duration::from_secs(30), KIOSK_PASSES);
        assert!(alone.decode(&first).is_empty(), "first frame alone");
        alone.forget();
        assert!(alone.decode(&second).is_empty(), "second frame alone");

        let p = Pipeline::new(Duration::from_secs(30), KIOSK_PASSES);
        assert!(p.decode(&first).is_empty());
        assert_eq!(p.held_frames(), 1);
        assert_eq!(p.decode(&second).first().map(|c| c.text.as_str()), Some(TEXT));
        assert_eq!(p.held_frames(), 0, "read: nothing kept");
        p.decode(&first);
        p.forget();
        assert_eq!(p.held_frames(), 0);
    }

    #[test]
    fn the_frames_of_a_still_scene_take_turns_at_the_dear_passes() {
        let p = Pipeline::default();
        let names = |turn| p.order(turn, false).map(|i| p.passes[i].name()).collect::<Vec<_>>();
        let cheap = ["half-size", "global-histogram", "straighten-detected", "zoom-on-detected"];
        for turn in 0..6 {
            assert_eq!(names(turn)[..4], cheap, "cheap passes first, always");
            assert_eq!(names(turn).len(), KIOSK_PASSES.len());
        }
        assert_eq!(names(0)[4], "local-contrast+global", "the best yield first on a new scene");
        assert_eq!(names(1)[4], "local-contrast");
        assert_eq!(names(3)[4], "deblur-motion");
        assert_eq!(names(4), names(0));
    }

    #[test]
    fn a_smeared_frame_has_the_deblur_pass_first_among_the_dear_ones() {
        let p = Pipeline::default();
        for turn in 0..6 {
            let names: Vec<_> = p.order(turn, true).map(|i| p.passes[i].name()).collect();
            assert_eq!(names[4], "deblur-motion", "turn {turn}");
            assert_eq!(names.len(), KIOSK_PASSES.len(), "every pass once: {names:?}");
            let plain: Vec<_> =
                p.order(turn, false).map(|i| p.passes[i].name()).filter(|n| *n != "deblur-motion").collect();
            let rest: Vec<_> = names.iter().copied().filter(|n| *n != "deblur-motion").collect();
            assert_eq!(rest, plain, "the others in their usual turn");
        }
    }

    #[test]
    fn a_pass_that_does_not_fit_the_budget_is_skipped() {
        let p = Pipeline::new(Duration::from_millis(5), &[Pass::Sharpen]);
        p.cost_us[0].store(60_000, Ordering::Relaxed);
        let blank = GreyFrame { width: 64, height: 64, data: vec![200; 64 * 64] };
        let t = Instant::now();
        assert!(p.look(&blank).codes.is_empty());
        // Not run (a run would have measured well under 60 ms and replaced the
        // estimate): it only decays by a thirty-second, so the pass is tried again after a
        // while instead of never.
        assert_eq!(p.cost_us[0].load(Ordering::Relaxed), 60_000 - 60_000 / 32);
        assert!(t.elapsed() < Duration::from_secs(1));
        for _ in 0..200 {
            p.look(&blank);
        }
        assert!(p.cost_us[0].load(Ordering::Relaxed) < 1_000, "fits the 1 ms left of the budget again");
    }

    #[test]
    fn garbage_is_not_a_code() {
        let p = Pipeline::default();
        for f in [
            GreyFrame { width: 0, height: 0, data: vec![] },
            GreyFrame { width: 100, height: 100, data: vec![0; 7] },
            GreyFrame {
                width: 320,
                height: 240,
                data: (0..320 * 240).map(|i: u32| (i.wrapping_mul(2654435761) >> 13) as u8).collect(),
            },
        ] {
            assert!(p.decode(&f).is_empty());
        }
    }
}
