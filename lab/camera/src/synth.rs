//! Photographed-looking pictures of a notice QR, the same every time for a style and a
//! seed: a code placed on a desk-like background by a homography and supersampled, then
//! tilted, blurred, glared or shown on a phone, plus scenes with no code at all.
//!
//! The same kinds of picture as the kiosk's decoder tests synthesise (tests/qr_synth in
//! the repository), at the lab camera's 640×480, so what the VM shows the kiosk through
//! V4L2 is what the decoder was tuned on.

use image::GrayImage;

use crate::descriptors::{HEIGHT, WIDTH};

pub const STYLES: [&str; 7] = ["clean", "perspective", "blur", "glare", "phone", "phone-dark", "nocode"];

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("unknown style {0:?} (clean, perspective, blur, glare, phone, phone-dark, nocode)")]
    UnknownStyle(String),
    #[error("the payload does not fit a QR code: {0}")]
    Payload(String),
}

/// SplitMix64: tiny, deterministic, good enough for test scenes.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
    }
}

/// The module matrix (true = dark) with a 4-module quiet zone, and its side.
fn modules(payload: &str) -> Result<(Vec<bool>, usize), SynthError> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| SynthError::Payload(e.to_string()))?;
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
    Ok((m, side))
}

type Quad = [(f32, f32); 4];

/// Homography mapping the unit square (0,0),(1,0),(1,1),(0,1) onto `q` (Heckbert).
fn square_to_quad(q: Quad) -> [f32; 9] {
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

/// Draws a surface (0 = dark … 1 = light at (u, v) in [0,1)²) into `img` inside `quad`,
/// supersampled `ss`×`ss`, mapping 0..1 to `dark`..`light`.
fn draw(img: &mut GrayImage, quad: Quad, ss: u32, dark: f32, light: f32, surface: &dyn Fn(f32, f32) -> f32) {
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
                let old = f32::from(img.get_pixel(x, y).0[0]);
                let n = (ss * ss) as f32;
                let v = (sum + old * (n - inside as f32)) / n;
                img.put_pixel(x, y, image::Luma([v.clamp(0.0, 255.0) as u8]));
            }
        }
    }
}

/// A square of side `side` centred at (cx, cy), rotated by `angle`; `squeeze` < 1
/// shortens the top edge (the sheet tilted away from the camera).
fn quad(cx: f32, cy: f32, side: f32, angle: f32, squeeze: f32) -> Quad {
    let s = side / 2.0;
    let top = s * squeeze;
    let pts = [(-top, -s * (0.5 + squeeze / 2.0)), (top, -s * (0.5 + squeeze / 2.0)), (s, s), (-s, s)];
    let (sin, cos) = angle.sin_cos();
    pts.map(|(x, y)| (cx + x * cos - y * sin, cy + x * sin + y * cos))
}

/// A desk or wall behind the notice: a soft gradient with some texture.
fn background(rng: &mut Rng) -> GrayImage {
    let (w, h) = (u32::from(WIDTH), u32::from(HEIGHT));
    let (base, slope) = (rng.range(70.0, 140.0), rng.range(-40.0, 40.0));
    let (fx, fy) = (rng.range(0.01, 0.04), rng.range(0.01, 0.04));
    GrayImage::from_fn(w, h, |x, y| {
        let t = base + slope * x as f32 / w as f32 + 12.0 * ((x as f32 * fx).sin() * (y as f32 * fy).cos());
        image::Luma([t.clamp(0.0, 255.0) as u8])
    })
}

fn sensor_noise(img: &mut GrayImage, rng: &mut Rng, amp: f32) {
    for p in img.pixels_mut() {
        p.0[0] = (f32::from(p.0[0]) + rng.range(-amp, amp)).clamp(0.0, 255.0) as u8;
    }
}

/// The picture of `style` with `payload` in its code (`nocode` ignores it).
pub fn scene(style: &str, payload: &str, seed: u64) -> Result<GrayImage, SynthError> {
    if !STYLES.contains(&style) {
        return Err(SynthError::UnknownStyle(style.into()));
    }
    let mut rng = Rng(0xAD3_CA40 ^ seed.wrapping_mul(0x1000_0001));
    let mut img = background(&mut rng);
    let (cx, cy) = (rng.range(260.0, 380.0), rng.range(200.0, 280.0));
    let angle = rng.range(-0.2, 0.2);
    if style == "nocode" {
        // A sheet of printed text held up: paper, lines of "words", no code.
        let white = rng.range(200.0, 235.0);
        let sheet = quad(cx, cy, 300.0, angle, 0.9);
        let words = |u: f32, v: f32| {
            let line = (v * 14.0).fract() < 0.35 && (0.1..0.9).contains(&u) && (0.1..0.9).contains(&v);
            let gap = ((u * 9.0 + (v * 14.0).floor() * 0.37).fract()) < 0.12;
            if line && !gap { 0.2 } else { 1.0 }
        };
        draw(&mut img, sheet, 2, 40.0, white, &words);
        sensor_noise(&mut img, &mut rng, 6.0);
        return Ok(img);
    }
    let (m, side) = modules(payload)?;
    let module = move |u: f32, v: f32| -> bool {
        let (x, y) = (((u * side as f32) as usize).min(side - 1), ((v * side as f32) as usize).min(side - 1));
        m[y * side + x]
    };
    let ink = |u: f32, v: f32| if module(u, v) { 0.0 } else { 1.0 };
    let px_per_module = match style {
        "perspective" => rng.range(5.0, 6.5),
        "phone" | "phone-dark" => rng.range(5.0, 6.0),
        _ => rng.range(5.5, 7.0),
    };
    let code_side = px_per_module * side as f32;
    let paper = |img: &mut GrayImage, q: Quad, rng: &mut Rng| {
        let white = rng.range(200.0, 240.0);
        draw(img, q, 1, white, white, &|_, _| 1.0);
        white
    };
    match style {
        "perspective" => {
            let (angle, squeeze) = (rng.range(-0.6, 0.6), rng.range(0.55, 0.7));
            let white = paper(&mut img, quad(cx, cy, code_side * 1.5, angle, squeeze), &mut rng);
            draw(&mut img, quad(cx, cy, code_side, angle, squeeze), 3, 25.0, white, &ink);
        }
        "glare" => {
            // Glossy paper under a ceiling lamp: washed-out ink and a hot spot clipping
            // to white over part of the code.
            let white = paper(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0), &mut rng);
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, 70.0, white, &ink);
            let (gx, gy) = (cx + rng.range(-0.25, 0.25) * code_side, cy + rng.range(-0.25, 0.25) * code_side);
            let (sx, sy, amp) =
                (code_side * rng.range(0.12, 0.18), code_side * rng.range(0.08, 0.12), rng.range(150.0, 220.0));
            for (x, y, p) in img.enumerate_pixels_mut() {
                let (dx, dy) = ((x as f32 - gx) / sx, (y as f32 - gy) / sy);
                let add = amp * (-(dx * dx + dy * dy) / 2.0).exp();
                p.0[0] = (f32::from(p.0[0]) + add).min(255.0) as u8;
            }
        }
        "phone" | "phone-dark" => {
            // A phone: dark body, then the screen showing the code on the app's page
            // (white, or black in dark mode), made of RGB-striped pixels.
            let dark_mode = style == "phone-dark";
            draw(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0), 1, 15.0, 15.0, &|_, _| 1.0);
            let screen_px_per_module = rng.range(7.0, 11.0);
            let screen_modules = side as f32 * 1.3;
            let pixel_grid = move |u: f32, v: f32| -> f32 {
                let (sx, sy) = (u * screen_modules * screen_px_per_module, v * screen_modules * screen_px_per_module);
                let stripe = [0.6, 1.0, 0.4][((sx.fract() * 3.0) as usize).min(2)];
                if sy.fract() > 0.8 { stripe * 0.55 } else { stripe }
            };
            let (dark, light) = if dark_mode { (10.0, rng.range(170.0, 230.0)) } else { (10.0, 250.0) };
            draw(&mut img, quad(cx, cy, code_side * 1.3, angle, 1.0), 2, dark, light, &|u, v| {
                let inner = |t: f32| (t - 0.5) * 1.3 + 0.5;
                let (iu, iv) = (inner(u), inner(v));
                let in_code = (0.0..1.0).contains(&iu) && (0.0..1.0).contains(&iv);
                let lit = if in_code { module(iu, iv) == dark_mode } else { !dark_mode };
                (if lit { 1.0 } else { 0.08 }) * pixel_grid(u, v)
            });
            img = image::imageops::blur(&img, 0.6);
        }
        "blur" => {
            let white = paper(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0), &mut rng);
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, 25.0, white, &ink);
            img = image::imageops::blur(&img, px_per_module * rng.range(0.28, 0.35));
        }
        _ => {
            let white = paper(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0), &mut rng);
            draw(&mut img, quad(cx, cy, code_side, angle, 1.0), 3, 25.0, white, &ink);
        }
    }
    sensor_noise(&mut img, &mut rng, 6.0);
    Ok(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTICE: &str = "https://siak.demo.invalid/n/7QK3M9ZT4HX2WD8R";

    #[test]
    fn every_style_is_a_camera_frame_and_reproducible() {
        for style in STYLES {
            let a = scene(style, NOTICE, 1).unwrap();
            assert_eq!(a.dimensions(), (640, 480), "{style}");
            assert_eq!(a, scene(style, NOTICE, 1).unwrap(), "{style} is the same every time");
        }
        assert_ne!(scene("clean", NOTICE, 1).unwrap(), scene("clean", NOTICE, 2).unwrap());
        assert!(matches!(scene("sepia", NOTICE, 1), Err(SynthError::UnknownStyle(_))));
    }

    #[test]
    fn the_code_is_dark_and_light_where_a_code_is_and_not_in_nocode() {
        // Contrast in the middle of the frame: a code has both near-black and bright pixels.
        let spread = |img: &GrayImage| {
            let mid: Vec<u8> = (180..300)
                .flat_map(|y| (250..390).map(move |x| (x, y)))
                .map(|(x, y)| img.get_pixel(x, y).0[0])
                .collect();
            (*mid.iter().min().unwrap(), *mid.iter().max().unwrap())
        };
        let (lo, hi) = spread(&scene("clean", NOTICE, 1).unwrap());
        assert!(lo < 60 && hi > 180, "clean code contrast {lo}..{hi}");
    }
}
