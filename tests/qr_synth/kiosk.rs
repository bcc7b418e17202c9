//! The evaluation set for the decoding pipeline: what citizens actually hold up to a
//! kiosk camera, synthesised from generated notice QRs (the central server's own
//! `notice_payload`) at the kiosk camera's 1280×720, seeded so every run sees the same
//! pictures. Harder than the categories in `mod.rs`, which the plain decoder reads.
//!
//! - `nominal`: a paper notice held fairly straight, 4–7 px per module.
//! - `glare`: glossy paper under a hall light: washed-out ink and a broad reflection.
//! - `bright_spot`: one or two small specular spots burnt white over modules.
//! - `damaged`: creases, a stain, a torn corner, scuffed-off modules.
//! - `blurred`: motion blur (the hand moving, 1–2.6 modules' travel) plus defocus.
//! - `perspective`: tilted far back and rotated.
//! - `curved`: a notice bent round a hand (a cylinder), shaded.
//! - `phone_screen`: a photo of the notice on a phone: screen pixel grid (moiré), a
//!   screen turned down to dim, the room reflected brightly across the glass.
//!
//! Each sample is a burst: what the scanner takes while a citizen holds the notice still
//! for about half a second ([`BURST`] frames, every other frame of a 30 fps camera). The
//! notice trembles by a fraction of a pixel a frame with the hand; reflections (glare,
//! bright spots, the room in a phone's glass) move several times further, since they
//! follow the tilt of the surface; every frame has its own sensor noise. The first frame
//! is the single photo the set always had.

use adm_camera::GreyFrame;
use adm_central_client::api::shape::CROCKFORD;
use image::GrayImage;

use super::{Rng, Sample, background, draw, modules, quad, sensor_noise};

pub const CATEGORIES: [&str; 8] =
    ["nominal", "glare", "bright_spot", "damaged", "blurred", "perspective", "curved", "phone_screen"];

/// Frames in a burst.
pub const BURST: usize = 6;

/// Every category, `per_category` samples each, same seeds every run; single photos.
pub fn samples(per_category: usize) -> Vec<Sample> {
    bursts(per_category, 1)
}

/// Every category, `per_category` samples each of `frames` frames (the first is
/// [`samples`]'s photo, the rest in [`Sample::more`]), same seeds every run.
pub fn bursts(per_category: usize, frames: usize) -> Vec<Sample> {
    bursts_of(&CATEGORIES, per_category, frames)
}

/// [`bursts`] of some categories only (the same pictures).
pub fn bursts_of(categories: &[&str], per_category: usize, frames: usize) -> Vec<Sample> {
    let mut out = vec![];
    for (ci, &category) in CATEGORIES.iter().enumerate().filter(|(_, c)| categories.contains(c)) {
        for i in 0..per_category {
            let seed = 0x4B10_5000 + (ci as u64) * 10_000 + i as u64;
            let mut rng = Rng::new(seed);
            let code: String = (0..16).map(|_| CROCKFORD[rng.below(32) as usize] as char).collect();
            let expected = adm_central_client::notice::notice_payload("127.0.0.1", &code);
            // The hand: which way the reflections drift and how fast, and the tremor.
            let mut hand = Rng::new(seed ^ 0x0048_414E_4400);
            let (heading, speed) = (hand.range(0.0, std::f32::consts::TAU), hand.range(0.05, 0.1));
            let mut shift = (0.0f32, 0.0f32);
            let mut frames_of = vec![];
            for k in 0..frames.max(1) {
                let mut geometry = rng.clone();
                let step = (k > 0).then(|| {
                    shift = (shift.0 + hand.range(-0.6, 0.6), shift.1 + hand.range(-0.6, 0.6));
                    Step {
                        shift,
                        blur: hand.range(0.6, 1.4),
                        drift: (heading.cos() * speed * k as f32, heading.sin() * speed * k as f32),
                        noise: Rng::new(seed ^ ((k as u64) << 40)),
                    }
                });
                frames_of.push(GreyFrame::from_image(&scene(category, &expected, &mut geometry, step)));
            }
            let frame = frames_of.remove(0);
            out.push(Sample {
                category: category.to_string(),
                name: format!("{category}-{i:03}"),
                expected,
                frame,
                more: frames_of,
            });
        }
    }
    out
}

/// How a later frame of a burst differs from the first.
pub struct Step {
    /// The notice's shift, px.
    shift: (f32, f32),
    /// The hand's speed against the first frame's (motion blur length).
    blur: f32,
    /// The reflections' shift, in code sides.
    drift: (f32, f32),
    /// This frame's sensor noise.
    noise: Rng,
}

fn add_spot(img: &mut GrayImage, (gx, gy): (f32, f32), (sx, sy): (f32, f32), amp: f32, sharp: f32) {
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (dx, dy) = ((x as f32 - gx) / sx, (y as f32 - gy) / sy);
        let d2 = dx * dx + dy * dy;
        if d2 > 16.0 {
            continue;
        }
        // `sharp` > 1 gives a flat-topped spot with a steep rim (a specular highlight).
        let add = amp * (-(d2.powf(sharp)) / 2.0).exp();
        p.0[0] = (p.0[0] as f32 + add).min(255.0) as u8;
    }
}

/// Motion blur along `angle` over `len` px, by averaging shifted copies.
fn motion_blur(img: &GrayImage, len: f32, angle: f32) -> GrayImage {
    let steps = len.ceil().max(1.0) as i32;
    let (dx, dy) = (angle.cos(), angle.sin());
    let (w, h) = img.dimensions();
    GrayImage::from_fn(w, h, |x, y| {
        let mut sum = 0.0;
        for k in 0..=steps {
            let t = k as f32 / steps as f32 * len - len / 2.0;
            let sx = (x as f32 + t * dx).round().clamp(0.0, (w - 1) as f32) as u32;
            let sy = (y as f32 + t * dy).round().clamp(0.0, (h - 1) as f32) as u32;
            sum += img.get_pixel(sx, sy).0[0] as f32;
        }
        image::Luma([(sum / (steps + 1) as f32) as u8])
    })
}

pub fn scene(category: &str, payload: &str, rng: &mut Rng, step: Option<Step>) -> GrayImage {
    let (m, side) = modules(payload.as_bytes());
    let module = |u: f32, v: f32| -> bool {
        let (i, j) = ((u * side as f32) as usize, (v * side as f32) as usize);
        i < side && j < side && m[j * side + i]
    };
    let mut img = background(rng);
    let (cx, cy) = (rng.range(480.0, 800.0), rng.range(300.0, 420.0));
    let (shift, drift, speed) = step.as_ref().map_or(((0.0, 0.0), (0.0, 0.0), 1.0), |s| (s.shift, s.drift, s.blur));
    let (cx, cy) = (cx + shift.0, cy + shift.1);
    let angle = rng.range(-0.35, 0.35);
    let ppm = match category {
        "perspective" => rng.range(3.5, 5.5),
        "nominal" => rng.range(4.0, 7.0),
        _ => rng.range(4.5, 7.0),
    };
    let code_side = ppm * side as f32;
    let white = rng.range(190.0, 235.0);
    let paper = |img: &mut GrayImage, q| draw(img, q, 1, white, white, &|_, _| 1.0);
    let ink = |u: f32, v: f32| if module(u, v) { 0.0 } else { 1.0 };
    match category {
        "nominal" => {
            // Until this arm existed, "nominal" fell through to the phone screen below.
            paper(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0));
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, 25.0, white, &ink);
        }
        "glare" => {
            paper(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0));
            let dark = rng.range(80.0, 120.0);
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, dark, white, &ink);
            let at =
                (cx + (rng.range(-0.3, 0.3) + drift.0) * code_side, cy + (rng.range(-0.3, 0.3) + drift.1) * code_side);
            let size = (code_side * rng.range(0.2, 0.35), code_side * rng.range(0.15, 0.3));
            add_spot(&mut img, at, size, rng.range(140.0, 220.0), 1.0);
        }
        "bright_spot" => {
            paper(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0));
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, rng.range(30.0, 70.0), white, &ink);
            for _ in 0..1 + rng.below(2) {
                let at = (
                    cx + (rng.range(-0.35, 0.35) + drift.0) * code_side,
                    cy + (rng.range(-0.35, 0.35) + drift.1) * code_side,
                );
                let r = ppm * rng.range(1.5, 3.0);
                add_spot(&mut img, at, (r * rng.range(1.0, 1.8), r), 255.0, 3.0);
                // The halo around it.
                add_spot(&mut img, at, (r * 3.0, r * 2.5), rng.range(40.0, 90.0), 1.0);
            }
        }
        "damaged" => {
            paper(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0));
            // Creases: lines across the code, bright on one side and dark on the other.
            let creases: Vec<(f32, f32, f32)> = (0..1 + rng.below(3))
                .map(|_| (rng.range(0.2, 0.8), rng.range(-0.6, 0.6), rng.range(0.008, 0.015)))
                .collect();
            let stain = (rng.range(0.2, 0.8), rng.range(0.2, 0.8), rng.range(0.06, 0.12), rng.range(0.35, 0.6));
            let tear = rng.range(0.1, 0.17);
            let scuffs: Vec<u64> = (0..side * side / 60).map(|_| rng.below((side * side) as u64)).collect();
            let surface = |u: f32, v: f32| -> f32 {
                // The bottom-right corner is torn off: the desk shows through.
                if u + v > 2.0 - tear * 2.0 {
                    return 0.45;
                }
                let cell = (v * side as f32) as usize * side + (u * side as f32) as usize;
                let dark = module(u, v) != scuffs.contains(&(cell as u64));
                let mut level = if dark { 0.0 } else { 1.0 };
                for &(c, slope, width) in &creases {
                    let d = v - (c + slope * (u - 0.5));
                    if d.abs() < width {
                        level = if d > 0.0 { 1.0 } else { level * 0.5 };
                    }
                }
                let (su, sv, sr, sl) = stain;
                let sd = ((u - su).powi(2) + (v - sv).powi(2)).sqrt();
                if sd < sr {
                    level = level * sl + (1.0 - sl) * 0.45;
                }
                level
            };
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, 25.0, white, &surface);
        }
        "blurred" => {
            paper(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0));
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, 25.0, white, &ink);
            // A hand moving while the shutter is open: up to a few modules' travel.
            img = motion_blur(&img, ppm * rng.range(1.0, 2.6) * speed, rng.range(0.0, std::f32::consts::PI));
            img = image::imageops::blur(&img, ppm * rng.range(0.15, 0.3));
        }
        "perspective" => {
            let (a, squeeze) = (rng.range(-0.9, 0.9), rng.range(0.35, 0.55));
            paper(&mut img, quad(cx, cy, code_side * 1.5, a, squeeze));
            draw(&mut img, quad(cx, cy, code_side, a, squeeze), 3, 25.0, white, &ink);
        }
        "curved" => {
            // A cylinder of `arc` radians seen from the front: screen position s across
            // the code maps to the arc angle asin(...); shading by the surface's slope.
            let arc = rng.range(1.6, 2.4);
            let half = (arc / 2.0).sin();
            let sag = rng.range(-0.06, 0.06);
            let surface = |s: f32, t: f32| -> f32 {
                let theta = ((s - 0.5) * 2.0 * half).clamp(-1.0, 1.0).asin();
                let u = theta / arc + 0.5;
                let v = t + sag * (1.0 - ((s - 0.5) * 2.0).powi(2));
                let shade = 0.55 + 0.45 * theta.cos();
                if (0.0..1.0).contains(&v) { ink(u, v) * shade } else { 0.45 }
            };
            paper(&mut img, quad(cx, cy, code_side * 1.4, angle, 1.0));
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, 25.0, white, &surface);
        }
        _ => {
            // phone_screen (and anything unknown).
            draw(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0), 1, 15.0, 15.0, &|_, _| 1.0);
            let screen_modules = side as f32 * 1.3;
            let pitch = rng.range(6.0, 10.0);
            let pixel_grid = move |u: f32, v: f32| -> f32 {
                let (sx, sy) = (u * screen_modules * pitch, v * screen_modules * pitch);
                let stripe = [0.6, 1.0, 0.4][((sx.fract() * 3.0) as usize).min(2)];
                if sy.fract() > 0.75 { stripe * 0.5 } else { stripe }
            };
            // Phones turned down to save the battery, down to a dim screen.
            let light = rng.range(45.0, 150.0);
            draw(&mut img, quad(cx, cy, code_side * 1.3, angle, 1.0), 2, 8.0, light, &|u, v| {
                let inner = |t: f32| (t - 0.5) * 1.3 + 0.5;
                let (iu, iv) = (inner(u), inner(v));
                let in_code = (0.0..1.0).contains(&iu) && (0.0..1.0).contains(&iv);
                let lit = !in_code || !module(iu, iv);
                (if lit { 1.0 } else { 0.06 }) * pixel_grid(u, v)
            });
            // The room reflected in the glass: a bright band across the screen.
            let (band_angle, band_at, amp) = (rng.range(-1.0, 1.0), rng.range(-0.3, 0.3), rng.range(70.0, 170.0));
            let band_at = band_at + drift.0 + drift.1;
            let (bs, bc) = band_angle.sin_cos();
            let width = code_side * rng.range(0.2, 0.4);
            for (x, y, p) in img.enumerate_pixels_mut() {
                let d = (x as f32 - cx) * bc + (y as f32 - cy) * bs - band_at * code_side;
                let add = amp * (-(d / width).powi(2)).exp();
                p.0[0] = (p.0[0] as f32 + add).min(255.0) as u8;
            }
            img = image::imageops::blur(&img, 0.7);
        }
    }
    match step {
        Some(mut s) => sensor_noise(&mut img, &mut s.noise, 6.0),
        None => sensor_noise(&mut img, rng, 6.0),
    }
    img
}
