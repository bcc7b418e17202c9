//! Photographed-looking pictures of a notice QR, the same every time for a style and a
//! seed: a code placed on a desk-like background by a homography and supersampled, then
//! tilted, blurred, glared or shown on a phone, plus scenes with no code at all.
//!
//! The same kinds of picture as the kiosk's decoder tests synthesise (tests/qr_synth in
//! the repository), at the lab camera's 640×480, so what the VM shows the kiosk through
//! V4L2 is what the decoder was tuned on.

use adm_qr_photo::{Rng, background, draw, hot_spot, paper, quad, screen_pixels, sensor_noise};
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

/// The module matrix (true = dark) with a 4-module quiet zone, and its side.
fn modules(payload: &str) -> Result<(Vec<bool>, usize), SynthError> {
    adm_qr_photo::modules(payload.as_bytes()).map_err(|e| SynthError::Payload(e.to_string()))
}

/// The picture of `style` with `payload` in its code (`nocode` ignores it).
pub fn scene(style: &str, payload: &str, seed: u64) -> Result<GrayImage, SynthError> {
    if !STYLES.contains(&style) {
        return Err(SynthError::UnknownStyle(style.into()));
    }
    let mut rng = Rng::new(0xAD3_CA40 ^ seed.wrapping_mul(0x1000_0001));
    let mut img = background(&mut rng, u32::from(WIDTH), u32::from(HEIGHT), (0.01, 0.04));
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
            hot_spot(&mut img, (gx, gy), (sx, sy), amp);
        }
        "phone" | "phone-dark" => {
            // A phone: dark body, then the screen showing the code on the app's page
            // (white, or black in dark mode), made of RGB-striped pixels.
            let dark_mode = style == "phone-dark";
            draw(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0), 1, 15.0, 15.0, &|_, _| 1.0);
            let pixel_grid = screen_pixels(side as f32 * 1.3, rng.range(7.0, 11.0));
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
