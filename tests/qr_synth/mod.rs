//! Synthetic "photos" of notice QR codes, generated deterministically (no files): a
//! 1280×720 camera frame with the code placed by a homography and supersampled, then
//! blurred, glared, seen on a phone screen or inverted. Shared by `tests/qr_decode.rs`
//! and `benches/qr.rs` (`#[path]`).
//!
//! What each category imitates:
//! - `clean`: paper notice held straight, ~6–8 px per module.
//! - `perspective`: paper tilted away (trapezoid, up to 45° rotation), ~4–7 px/module.
//! - `blur`: out of focus (Gaussian σ ≈ 0.3 module).
//! - `glare`: a ceiling light reflected on glossy paper or a screen protector, low contrast.
//! - `moire`: a phone screen: modules made of RGB-striped screen pixels whose pitch beats
//!   against the camera's pixel grid.
//! - `inverted`: a phone in dark mode (light modules on a dark screen).
//! - `small`: held far from the camera, ~2 px per module.

#![allow(dead_code)]

pub mod kiosk;

use adm_camera::GreyFrame;
use adm_central_client::api::shape::CROCKFORD;
use image::GrayImage;

pub const CATEGORIES: [&str; 7] = ["clean", "perspective", "blur", "glare", "moire", "inverted", "small"];

const W: u32 = 1280;
const H: u32 = 720;

pub struct Sample {
    pub category: String,
    pub name: String,
    pub expected: String,
    pub frame: GreyFrame,
}

/// SplitMix64: tiny, deterministic, good enough for test scenes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// `https://127.0.0.1/n/<16 Crockford base32>`, the demo central host's notice URL.
pub fn notice_payload(rng: &mut Rng) -> String {
    let code: String = (0..16).map(|_| CROCKFORD[rng.below(32) as usize] as char).collect();
    format!("https://127.0.0.1/n/{code}")
}

/// Every category, `per_category` samples each, same seeds every run.
pub fn notice_samples(per_category: usize) -> Vec<Sample> {
    let mut out = vec![];
    for (ci, &category) in CATEGORIES.iter().enumerate() {
        for i in 0..per_category {
            let mut rng = Rng::new(0xAD3_0000 + (ci as u64) * 1000 + i as u64);
            let expected = notice_payload(&mut rng);
            let img = scene(category, &expected, &mut rng);
            out.push(Sample {
                category: category.to_string(),
                name: format!("{category}-{i:02}"),
                expected,
                frame: GreyFrame::from_image(&img),
            });
        }
    }
    out
}

/// The module matrix (true = dark) with a 4-module quiet zone.
fn modules(payload: &[u8]) -> (Vec<bool>, usize) {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M).expect("notice fits");
    let n = code.width();
    let q = 4;
    let side = n + 2 * q;
    let colors = code.to_colors();
    let mut m = vec![false; side * side];
    for y in 0..n {
        for x in 0..n {
            m[(y + q) * side + x + q] = colors[y * n + x] == qrcode::Color::Dark;
        }
    }
    (m, side)
}

/// Homography mapping the unit square (0,0),(1,0),(1,1),(0,1) onto `quad` (Heckbert).
fn square_to_quad(q: [(f32, f32); 4]) -> [f32; 9] {
    let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = q;
    let (dx1, dx2, dx3) = (x1 - x2, x3 - x2, x0 - x1 + x2 - x3);
    let (dy1, dy2, dy3) = (y1 - y2, y3 - y2, y0 - y1 + y2 - y3);
    let den = dx1 * dy2 - dx2 * dy1;
    let g = (dx3 * dy2 - dx2 * dy3) / den;
    let h = (dx1 * dy3 - dx3 * dy1) / den;
    [x1 - x0 + g * x1, x3 - x0 + h * x3, x0, y1 - y0 + g * y1, y3 - y0 + h * y3, y0, g, h, 1.0]
}

fn invert(m: [f32; 9]) -> [f32; 9] {
    let [a, b, c, d, e, f, g, h, i] = m;
    let (ca, cb, cc) = (e * i - f * h, -(d * i - f * g), d * h - e * g);
    let det = a * ca + b * cb + c * cc;
    let inv =
        [ca, -(b * i - c * h), b * f - c * e, cb, a * i - c * g, -(a * f - c * d), cc, -(a * h - b * g), a * e - b * d];
    inv.map(|v| v / det)
}

/// How the code's surface looks at a point (u, v) in [0,1)² of the code (quiet zone
/// included): 0 = dark ink, 1 = white paper / lit screen.
type Surface<'a> = dyn Fn(f32, f32) -> f32 + 'a;

/// Draws `surface` into `img` inside `quad`, supersampled `ss`×`ss` per pixel, mapping
/// 0..1 to `dark`..`light`.
fn draw(img: &mut GrayImage, quad: [(f32, f32); 4], ss: u32, dark: f32, light: f32, surface: &Surface) {
    let inv = invert(square_to_quad(quad));
    let (x_lo, x_hi) = quad.iter().fold((f32::MAX, f32::MIN), |(l, h), p| (l.min(p.0), h.max(p.0)));
    let (y_lo, y_hi) = quad.iter().fold((f32::MAX, f32::MIN), |(l, h), p| (l.min(p.1), h.max(p.1)));
    let (w, h) = img.dimensions();
    for y in (y_lo.floor().max(0.0) as u32)..(y_hi.ceil().min(h as f32) as u32) {
        for x in (x_lo.floor().max(0.0) as u32)..(x_hi.ceil().min(w as f32) as u32) {
            let (mut sum, mut inside) = (0.0, 0u32);
            for sy in 0..ss {
                for sx in 0..ss {
                    let px = x as f32 + (sx as f32 + 0.5) / ss as f32;
                    let py = y as f32 + (sy as f32 + 0.5) / ss as f32;
                    let z = inv[6] * px + inv[7] * py + inv[8];
                    let u = (inv[0] * px + inv[1] * py + inv[2]) / z;
                    let v = (inv[3] * px + inv[4] * py + inv[5]) / z;
                    if (0.0..1.0).contains(&u) && (0.0..1.0).contains(&v) {
                        sum += dark + (light - dark) * surface(u, v);
                        inside += 1;
                    }
                }
            }
            if inside > 0 {
                let old = img.get_pixel(x, y).0[0] as f32;
                let n = (ss * ss) as f32;
                let v = (sum + old * (n - inside as f32)) / n;
                img.put_pixel(x, y, image::Luma([v.clamp(0.0, 255.0) as u8]));
            }
        }
    }
}

/// A square of side `side` px centred at (cx, cy), rotated by `angle`; `squeeze` < 1
/// shortens the top edge (tilt away from the camera).
fn quad(cx: f32, cy: f32, side: f32, angle: f32, squeeze: f32) -> [(f32, f32); 4] {
    let s = side / 2.0;
    let top = s * squeeze;
    let pts = [(-top, -s * (0.5 + squeeze / 2.0)), (top, -s * (0.5 + squeeze / 2.0)), (s, s), (-s, s)];
    let (sin, cos) = angle.sin_cos();
    pts.map(|(x, y)| (cx + x * cos - y * sin, cy + x * sin + y * cos))
}

/// A desk / wall behind the notice: a soft gradient with some texture.
fn background(rng: &mut Rng) -> GrayImage {
    let (base, slope) = (rng.range(70.0, 140.0), rng.range(-40.0, 40.0));
    let (fx, fy) = (rng.range(0.005, 0.02), rng.range(0.005, 0.02));
    GrayImage::from_fn(W, H, |x, y| {
        let t = base + slope * x as f32 / W as f32 + 12.0 * ((x as f32 * fx).sin() * (y as f32 * fy).cos());
        image::Luma([t.clamp(0.0, 255.0) as u8])
    })
}

fn sensor_noise(img: &mut GrayImage, rng: &mut Rng, amp: f32) {
    for p in img.pixels_mut() {
        p.0[0] = (p.0[0] as f32 + rng.range(-amp, amp)).clamp(0.0, 255.0) as u8;
    }
}

fn scene(category: &str, payload: &str, rng: &mut Rng) -> GrayImage {
    let (m, side) = modules(payload.as_bytes());
    let module = |u: f32, v: f32| -> bool { m[(v * side as f32) as usize * side + (u * side as f32) as usize] };
    let ink = |u: f32, v: f32| if module(u, v) { 0.0 } else { 1.0 };
    let mut img = background(rng);
    let (cx, cy) = (rng.range(450.0, 830.0), rng.range(280.0, 440.0));
    let angle = rng.range(-0.2, 0.2);
    let px_per_module = match category {
        "small" => rng.range(1.9, 2.5),
        "perspective" => rng.range(4.5, 7.0),
        "moire" => rng.range(5.0, 7.0),
        _ => rng.range(6.0, 8.0),
    };
    let code_side = px_per_module * side as f32;
    // A paper notice: white sheet a bit larger than the code.
    // A paper notice: a white sheet a bit larger than the code; returns its white.
    let paper = |img: &mut GrayImage, q: [(f32, f32); 4], rng: &mut Rng| {
        let white = rng.range(200.0, 240.0);
        draw(img, q, 1, white, white, &|_, _| 1.0);
        white
    };
    match category {
        "perspective" => {
            let (angle, squeeze) = (rng.range(-0.8, 0.8), rng.range(0.45, 0.7));
            let white = paper(&mut img, quad(cx, cy, code_side * 1.6, angle, squeeze), rng);
            draw(&mut img, quad(cx, cy, code_side, angle, squeeze), 3, 25.0, white, &ink);
        }
        "glare" => {
            // Glossy paper under a lamp: washed-out ink as well as the hot spot.
            let white = paper(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0), rng);
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, 70.0, white, &ink);
            // The reflection: an elliptical hot spot over part of the code, clipping to
            // white at its centre.
            let (gx, gy) = (cx + rng.range(-0.25, 0.25) * code_side, cy + rng.range(-0.25, 0.25) * code_side);
            let (sx, sy, amp) =
                (code_side * rng.range(0.12, 0.2), code_side * rng.range(0.08, 0.14), rng.range(150.0, 230.0));
            for (x, y, p) in img.enumerate_pixels_mut() {
                let (dx, dy) = ((x as f32 - gx) / sx, (y as f32 - gy) / sy);
                let add = amp * (-(dx * dx + dy * dy) / 2.0).exp();
                p.0[0] = (p.0[0] as f32 + add).min(255.0) as u8;
            }
        }
        "moire" | "inverted" => {
            // A phone: dark body, then the screen showing the code (the app's white, or
            // dark-mode black, page around it).
            let dark_mode = category == "inverted";
            draw(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0), 1, 15.0, 15.0, &|_, _| 1.0);
            let screen_px_per_module = rng.range(7.0, 11.0);
            // The screen shows the code at 1/1.3 of its width, on the app's page colour.
            let screen_modules = side as f32 * 1.3;
            let pixel_grid = move |u: f32, v: f32| -> f32 {
                // RGB stripes in grey (luma weights), and a dark gap between pixel rows:
                // a pitch near the camera's own beats into moiré.
                let (sx, sy) = (u * screen_modules * screen_px_per_module, v * screen_modules * screen_px_per_module);
                let stripe = [0.6, 1.0, 0.4][((sx.fract() * 3.0) as usize).min(2)];
                if sy.fract() > 0.8 { stripe * 0.55 } else { stripe }
            };
            let grid = category == "moire";
            let (dark, light) = if dark_mode { (10.0, rng.range(170.0, 230.0)) } else { (10.0, 250.0) };
            draw(&mut img, quad(cx, cy, code_side * 1.3, angle, 1.0), 2, dark, light, &|u, v| {
                let inner = |t: f32| (t - 0.5) * 1.3 + 0.5;
                let (iu, iv) = (inner(u), inner(v));
                let in_code = (0.0..1.0).contains(&iu) && (0.0..1.0).contains(&iv);
                let lit = if in_code { module(iu, iv) == dark_mode } else { !dark_mode };
                let level = if lit { 1.0 } else { 0.08 };
                if grid { level * pixel_grid(u, v) } else { level }
            });
            img = image::imageops::blur(&img, 0.6);
        }
        "blur" => {
            let white = paper(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0), rng);
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, 25.0, white, &ink);
            img = image::imageops::blur(&img, px_per_module * rng.range(0.28, 0.38));
        }
        _ => {
            let white = paper(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0), rng);
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, 25.0, white, &ink);
        }
    }
    sensor_noise(&mut img, rng, 6.0);
    img
}

/// A plain rendering of arbitrary bytes as a QR (hostile payload tests).
pub fn qr_of_bytes(payload: &[u8], module_px: u32) -> Option<GreyFrame> {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::L).ok()?;
    let img = code.render::<image::Luma<u8>>().module_dimensions(module_px, module_px).quiet_zone(true).build();
    Some(GreyFrame::from_image(&img))
}

/// ZXing's own black-box images with their expected payloads (`.txt` next to each).
pub fn zxing_samples(root: &std::path::Path) -> Vec<Sample> {
    let mut out = vec![];
    let Ok(dirs) = std::fs::read_dir(root) else { return out };
    let mut dirs: Vec<_> = dirs.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for dir in dirs {
        let Some(category) = dir.file_name().and_then(|n| n.to_str()).map(|n| format!("zxing/{n}")) else {
            continue;
        };
        let Ok(files) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<_> = files
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "png"))
            .collect();
        files.sort();
        for png in files {
            let (Ok(expected), Ok(img)) = (std::fs::read_to_string(png.with_extension("txt")), image::open(&png))
            else {
                continue;
            };
            out.push(Sample {
                category: category.clone(),
                name: png.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                expected,
                frame: GreyFrame::from_image(&img.to_luma8()),
            });
        }
    }
    out
}

/// A decoded text matches the expected payload (ZXing's `.txt` files were saved on
/// Windows and Unix alike: line endings are not part of what we compare).
pub fn matches(found: &str, expected: &str) -> bool {
    found == expected || found.replace("\r\n", "\n").trim_end() == expected.replace("\r\n", "\n").trim_end()
}
