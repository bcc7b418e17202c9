//! `adm-kiosk qr-decode`: one JSON line per image, for technicians and tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use adm_camera::GreyFrame;

use super::decoder::QrDecoder;
use super::zxing::ZxingDecoder;

/// Decodes every image (folders are walked one level); returns whether every image
/// could be read.
pub fn qr_decode(paths: &[PathBuf], out: &mut dyn Write) -> std::io::Result<bool> {
    let mut files = vec![];
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<_> =
                std::fs::read_dir(p)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    let mut all_read = true;
    for f in files {
        let line = match decode_file(&f) {
            Ok(v) => v,
            Err(e) => {
                all_read = false;
                serde_json::json!({ "file": f.display().to_string(), "error": e })
            }
        };
        writeln!(out, "{line}")?;
    }
    Ok(all_read)
}

fn decode_file(path: &Path) -> Result<serde_json::Value, String> {
    let img = image::open(path).map_err(|e| e.to_string())?.to_luma8();
    let frame = GreyFrame::from_image(&img);
    let start = Instant::now();
    let codes = ZxingDecoder.decode(&frame);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let codes: Vec<_> = codes
        .into_iter()
        .map(|c| serde_json::json!({ "text": c.text, "corners": c.corners.map(|(x, y)| [x, y]) }))
        .collect();
    Ok(serde_json::json!({ "file": path.display().to_string(), "codes": codes, "ms": (ms * 10.0).round() / 10.0 }))
}
