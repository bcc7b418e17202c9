//! Synthetic "photos" of notice QR codes, generated deterministically (no files): a
//! 1280×720 camera frame with the code placed by a homography and supersampled, then
//! blurred, glared, seen on a phone screen or inverted. Shared by `tests/qr_decode.rs`
//! and `qr/benches/qr.rs` (`#[path]`).
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
pub use adm_qr_photo::Rng;
use adm_qr_photo::{draw, hot_spot, paper, quad, screen_pixels, sensor_noise};
use image::GrayImage;

pub const CATEGORIES: [&str; 7] = ["clean", "perspective", "blur", "glare", "moire", "inverted", "small"];

const W: u32 = 1280;
const H: u32 = 720;

pub struct Sample {
    pub category: String,
    pub name: String,
    pub expected: String,
    pub frame: GreyFrame,
    /// The frames after `frame` in a burst (the same notice held still); empty for a
    /// single photo.
    pub more: Vec<GreyFrame>,
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
                more: vec![],
            });
        }
    }
    out
}

/// The module matrix (true = dark) with a 4-module quiet zone.
fn modules(payload: &[u8]) -> (Vec<bool>, usize) {
    adm_qr_photo::modules(payload).expect("notice fits")
}

/// A desk / wall behind the notice: a soft gradient with some texture.
fn background(rng: &mut Rng) -> GrayImage {
    adm_qr_photo::background(rng, W, H, (0.005, 0.02))
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
            hot_spot(&mut img, (gx, gy), (sx, sy), amp);
        }
        "moire" | "inverted" => {
            // A phone: dark body, then the screen showing the code (the app's white, or
            // dark-mode black, page around it).
            let dark_mode = category == "inverted";
            draw(&mut img, quad(cx, cy, code_side * 1.5, angle, 1.0), 1, 15.0, 15.0, &|_, _| 1.0);
            // The screen shows the code at 1/1.3 of its width, on the app's page colour.
            let pixel_grid = screen_pixels(side as f32 * 1.3, rng.range(7.0, 11.0));
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
                more: vec![],
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
