//! What the camera shows: a picture turned into the YUYV frame it streams.

use std::path::Path;
use std::sync::Arc;

use image::imageops::FilterType;

use crate::descriptors::{HEIGHT, WIDTH};

#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("{path}: {source}")]
    Load { path: String, source: image::ImageError },
}

/// A frame ready to stream, and what it is (for `status`).
pub struct Picture {
    pub name: String,
    pub yuyv: Arc<Vec<u8>>,
}

/// Grey levels (one byte a pixel, WIDTH×HEIGHT) as YUYV with neutral colour: the scenes
/// are grey, and the kiosk reads only luma anyway.
pub fn yuyv_from_grey(grey: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(grey.len() * 2);
    for &y in grey {
        out.extend_from_slice(&[y, 128]);
    }
    out
}

/// A mid-grey frame: a camera looking at nothing in particular.
pub fn blank() -> Picture {
    let grey = vec![110u8; usize::from(WIDTH) * usize::from(HEIGHT)];
    Picture { name: "blank".into(), yuyv: Arc::new(yuyv_from_grey(&grey)) }
}

/// Loads an image file, fitted to the camera's size (letterboxed in black, as a lens
/// would crop nothing it was not shown).
pub fn load(path: &Path) -> Result<Picture, PictureError> {
    let img =
        image::open(path).map_err(|source| PictureError::Load { path: path.display().to_string(), source })?.to_luma8();
    Ok(Picture { name: path.display().to_string(), yuyv: Arc::new(yuyv_from_grey(&fit(&img))) })
}

fn fit(img: &image::GrayImage) -> Vec<u8> {
    let (w, h) = (u32::from(WIDTH), u32::from(HEIGHT));
    let scaled = if img.dimensions() == (w, h) {
        img.clone()
    } else {
        let scale = (w as f32 / img.width() as f32).min(h as f32 / img.height() as f32);
        let (sw, sh) = (((img.width() as f32 * scale) as u32).max(1), ((img.height() as f32 * scale) as u32).max(1));
        let small = image::imageops::resize(img, sw, sh, FilterType::Triangle);
        let mut canvas = image::GrayImage::new(w, h);
        image::imageops::overlay(&mut canvas, &small, i64::from((w - sw) / 2), i64::from((h - sh) / 2));
        canvas
    };
    scaled.into_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_becomes_yuyv() {
        assert_eq!(yuyv_from_grey(&[10, 20]), vec![10, 128, 20, 128]);
        assert_eq!(blank().yuyv.len(), 640 * 480 * 2);
    }

    #[test]
    fn pictures_are_fitted_to_the_frame() {
        let dir = std::env::temp_dir().join(format!("adm-lab-camera-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("wide.png");
        image::GrayImage::from_pixel(1280, 480, image::Luma([200])).save(&path).unwrap();
        let p = load(&path).unwrap();
        assert_eq!(p.yuyv.len(), 640 * 480 * 2);
        // 1280×480 fits as 640×240, centred: black above, the picture in the middle.
        assert_eq!(p.yuyv[0], 0);
        assert_eq!(p.yuyv[(240 * 640 + 320) * 2], 200);
        assert!(load(&dir.join("missing.png")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
