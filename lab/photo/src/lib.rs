//! Photographed-looking pictures of QR codes, the same every time for the same seed.
//!
//! A code is placed on a picture by a homography (a square mapped onto any quadrilateral:
//! rotated, tilted away, far or near) and supersampled, over a desk-like background, with
//! sensor noise; glare, phone screens and blur are built from the pieces here. The
//! kiosk's decoder tests and benchmark (`tests/qr_synth`) and the VM lab's camera
//! (`lab/camera`, which shows such pictures to the kiosk through V4L2) both draw with
//! them, so what the lab shows is what the decoder was measured on. Each keeps its own
//! scenes (sizes, ranges, categories); this crate only draws.

use image::GrayImage;

/// SplitMix64: tiny, deterministic, good enough for test scenes.
#[derive(Clone)]
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

/// Four corners in pixels: top-left, top-right, bottom-right, bottom-left.
pub type Quad = [(f32, f32); 4];

/// How a surface looks at a point (u, v) in [0,1)²: 0 = dark ink, 1 = white paper / lit
/// screen.
pub type Surface<'a> = dyn Fn(f32, f32) -> f32 + 'a;

/// The module matrix (true = dark) of `payload` at error correction M, with a 4-module
/// quiet zone, and its side in modules.
pub fn modules(payload: &[u8]) -> Result<(Vec<bool>, usize), qrcode::types::QrError> {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)?;
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

/// Draws `surface` into `img` inside `quad`, supersampled `ss`×`ss` per pixel, mapping
/// 0..1 to `dark`..`light`; pixels the quad covers only partly are blended.
pub fn draw(img: &mut GrayImage, quad: Quad, ss: u32, dark: f32, light: f32, surface: &Surface) {
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

/// A square of side `side` px centred at (cx, cy), rotated by `angle`; `squeeze` < 1
/// shortens the top edge (the sheet tilted away from the camera).
pub fn quad(cx: f32, cy: f32, side: f32, angle: f32, squeeze: f32) -> Quad {
    let s = side / 2.0;
    let top = s * squeeze;
    let pts = [(-top, -s * (0.5 + squeeze / 2.0)), (top, -s * (0.5 + squeeze / 2.0)), (s, s), (-s, s)];
    let (sin, cos) = angle.sin_cos();
    pts.map(|(x, y)| (cx + x * cos - y * sin, cy + x * sin + y * cos))
}

/// A desk or wall behind the notice, `w`×`h`: a soft gradient with some texture whose
/// spatial frequencies are drawn from `freq` (cycles per pixel, scaled by the picture).
pub fn background(rng: &mut Rng, w: u32, h: u32, freq: (f32, f32)) -> GrayImage {
    let (base, slope) = (rng.range(70.0, 140.0), rng.range(-40.0, 40.0));
    let (fx, fy) = (rng.range(freq.0, freq.1), rng.range(freq.0, freq.1));
    GrayImage::from_fn(w, h, |x, y| {
        let t = base + slope * x as f32 / w as f32 + 12.0 * ((x as f32 * fx).sin() * (y as f32 * fy).cos());
        image::Luma([t.clamp(0.0, 255.0) as u8])
    })
}

/// A camera sensor's noise: every pixel moved by up to ±`amp`.
pub fn sensor_noise(img: &mut GrayImage, rng: &mut Rng, amp: f32) {
    for p in img.pixels_mut() {
        p.0[0] = (f32::from(p.0[0]) + rng.range(-amp, amp)).clamp(0.0, 255.0) as u8;
    }
}

/// A white sheet of paper (its white drawn from 200..240) inside `q`; returns its white.
pub fn paper(img: &mut GrayImage, q: Quad, rng: &mut Rng) -> f32 {
    let white = rng.range(200.0, 240.0);
    draw(img, q, 1, white, white, &|_, _| 1.0);
    white
}

/// A lamp's reflection: an elliptical Gaussian hot spot centred at (gx, gy) with radii
/// (sx, sy) px, adding up to `amp` grey levels and clipping to white at its centre.
pub fn hot_spot(img: &mut GrayImage, (gx, gy): (f32, f32), (sx, sy): (f32, f32), amp: f32) {
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (dx, dy) = ((x as f32 - gx) / sx, (y as f32 - gy) / sy);
        let add = amp * (-(dx * dx + dy * dy) / 2.0).exp();
        p.0[0] = (f32::from(p.0[0]) + add).min(255.0) as u8;
    }
}

/// A phone screen's pixel structure at (u, v) of a screen `modules` QR modules wide with
/// `px_per_module` screen pixels each: RGB stripes in grey (luma weights) and a dark gap
/// between pixel rows — a pitch near the camera's own beats into moiré.
pub fn screen_pixels(modules: f32, px_per_module: f32) -> impl Fn(f32, f32) -> f32 {
    move |u, v| {
        let (sx, sy) = (u * modules * px_per_module, v * modules * px_per_module);
        let stripe = [0.6, 1.0, 0.4][((sx.fract() * 3.0) as usize).min(2)];
        if sy.fract() > 0.8 { stripe * 0.55 } else { stripe }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_square_maps_onto_its_quad_and_back() {
        let q = quad(100.0, 80.0, 50.0, 0.3, 0.6);
        let m = square_to_quad(q);
        let at = |m: [f32; 9], u: f32, v: f32| {
            let z = m[6] * u + m[7] * v + m[8];
            ((m[0] * u + m[1] * v + m[2]) / z, (m[3] * u + m[4] * v + m[5]) / z)
        };
        for ((u, v), corner) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)].into_iter().zip(q) {
            let (x, y) = at(m, u, v);
            assert!((x - corner.0).abs() < 1e-3 && (y - corner.1).abs() < 1e-3, "{u},{v} -> {x},{y} not {corner:?}");
            let (bu, bv) = at(invert(m), x, y);
            assert!((bu - u).abs() < 1e-4 && (bv - v).abs() < 1e-4);
        }
    }

    #[test]
    fn draws_inside_the_quad_only_and_the_same_every_time() {
        let picture = |seed| {
            let mut rng = Rng::new(seed);
            let mut img = background(&mut rng, 64, 48, (0.01, 0.04));
            let (m, side) = modules(b"https://example.invalid/n/1").expect("fits");
            let ink = move |u: f32, v: f32| {
                if m[(v * side as f32) as usize * side + (u * side as f32) as usize] { 0.0 } else { 1.0 }
            };
            draw(&mut img, quad(32.0, 24.0, 30.0, 0.0, 1.0), 2, 0.0, 255.0, &ink);
            img
        };
        let img = picture(7);
        assert_eq!(img, picture(7));
        // Far outside the code: background, never ink-black or paper-white.
        assert!((40..=200).contains(&img.get_pixel(1, 1).0[0]));
        // Inside: both ink and paper.
        let inside: Vec<u8> =
            (12..36).flat_map(|y| (20..44).map(move |x| (x, y))).map(|(x, y)| img.get_pixel(x, y).0[0]).collect();
        assert!(inside.iter().any(|&p| p < 40) && inside.iter().any(|&p| p > 215));
    }
}
