//! `adm-kiosk qr-decode`: one JSON line per image, for technicians and tests. Folders are
//! searched recursively; no image at all is an error, not an empty success.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use adm_camera::GreyFrame;

use crate::decoder::QrDecoder;
use crate::pipeline::Pipeline;

#[derive(Debug, thiserror::Error)]
pub enum QrDecodeError {
    /// Nothing to decode: succeeding silently would look like "no QR in any image".
    #[error("no image found in {0} (folders are searched recursively for image files)")]
    NoImages(String),
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("writing the results: {0}")]
    Output(#[from] std::io::Error),
}

/// Decodes every image: files named on the command line, and the image files (by
/// extension) anywhere below a named folder, in path order. Returns whether every image
/// could be read; fails when there was no image at all.
pub fn qr_decode(paths: &[PathBuf], out: &mut dyn Write) -> Result<bool, QrDecodeError> {
    let mut files = vec![];
    for p in paths {
        if p.is_dir() {
            let mut inside = vec![];
            images_below(p, &mut inside)?;
            inside.sort();
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        let named: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(QrDecodeError::NoImages(named.join(", ")));
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

/// Image files anywhere below `dir`. Symbolic links to folders are not followed (no
/// loops); other files are skipped, so notes and expected-text files can sit next to the
/// pictures.
fn images_below(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), QrDecodeError> {
    let read = |source| QrDecodeError::Read { path: dir.to_owned(), source };
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        let path = entry.path();
        if entry.file_type().map_err(read)?.is_dir() {
            images_below(&path, found)?;
        } else if path.is_file() && image::ImageFormat::from_path(&path).is_ok() {
            found.push(path);
        }
    }
    Ok(())
}

fn decode_file(path: &Path) -> Result<serde_json::Value, String> {
    let img = image::open(path).map_err(|e| e.to_string())?.to_luma8();
    let frame = GreyFrame::from_image(&img);
    let start = Instant::now();
    // The kiosk's own decoder, so a technician sees what the scanner would read.
    let decoder = Pipeline::default();
    let codes = decoder.decode(&frame);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let codes: Vec<_> = codes
        .into_iter()
        .map(|c| serde_json::json!({ "text": c.text, "corners": c.corners.map(|(x, y)| [x, y]) }))
        .collect();
    Ok(serde_json::json!({
        "file": path.display().to_string(),
        "decoder": decoder.name(),
        "codes": codes,
        "ms": (ms * 10.0).round() / 10.0,
    }))
}
