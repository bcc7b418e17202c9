//! Test helpers: the independent QR decoder (ZBar's `zbarimg`, Debian package `zbar-tools`).

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use adm_thermal::PaperWidth;
use adm_thermal::render::{Rendered, interpret};

/// Decodes every QR code in the PNG at `path` with `zbarimg`. Fails the test (never skips) when
/// the tool is missing, so CI cannot pass without the independent decoder.
pub fn zbar_decode(path: &Path) -> Vec<String> {
    let output = match Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(path)
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!(
            "zbarimg is required for the QR tests but could not be run ({e}); install the Debian package `zbar-tools`"
        ),
    };
    // Exit status 4 means "no symbol found": reported as an empty list.
    if !output.status.success() && output.status.code() != Some(4) {
        panic!("zbarimg failed on {}: {}", path.display(), String::from_utf8_lossy(&output.stderr));
    }
    String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).filter(|l| !l.is_empty()).collect()
}

/// Renders with the strict interpreter, saves the PNG into `dir`, and decodes its QR codes.
pub fn render_and_scan(bytes: &[u8], width: PaperWidth, dir: &Path, name: &str) -> (Rendered, Vec<String>) {
    let rendered =
        interpret(bytes, width).unwrap_or_else(|e| panic!("{name}: strict interpreter rejected the bytes: {e}"));
    let path = dir.join(format!("{name}.png"));
    rendered.image.save(&path).expect("save png");
    if let Ok(keep) = std::env::var("ADM_THERMAL_KEEP_PNG") {
        // For looking at the pictures: ADM_THERMAL_KEEP_PNG=/tmp/receipts cargo test ...
        let _ = std::fs::create_dir_all(&keep);
        let _ = std::fs::copy(&path, Path::new(&keep).join(format!("{name}.png")));
    }
    let codes = zbar_decode(&path);
    (rendered, codes)
}

/// Whether some printed line contains `needle`.
pub fn has_line(rendered: &Rendered, needle: &str) -> bool {
    rendered.lines.iter().any(|l| l.contains(needle))
}

pub fn assert_lines(rendered: &Rendered, needles: &[&str]) {
    for needle in needles {
        assert!(
            has_line(rendered, needle),
            "no printed line contains {needle:?}; lines:\n{}",
            rendered.lines.join("\n")
        );
    }
}
