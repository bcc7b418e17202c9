//! The README's demo command, headless: every screen as a PNG, and the printed output.

use adm_kiosk::config::Config;

#[test]
fn headless_demo_writes_every_screen_and_the_printed_documents() {
    let out = tempfile::tempdir().expect("tmp");
    let report = adm_kiosk::demo::run_headless(Config::default(), out.path()).expect("demo runs");
    assert!(report.screens.len() >= 15, "{:?}", report.screens);
    for png in &report.screens {
        let img = image::open(png).expect("a PNG");
        assert_eq!((img.width(), img.height()), (1080, 1920), "{}", png.display());
    }
    // Every screen at every panel size (issue #18): landscape and the smaller panels too,
    // nothing outside the window (what is taller than it lies in the scrollable page),
    // every button's label whole and everything touchable named for assistive technology
    // (`headless::unlabelled_touch_areas`).
    assert_eq!(report.sized_screens.len(), report.screens.len() * 4, "{:?}", report.sized_screens);
    for png in &report.sized_screens {
        let img = image::open(png).expect("a PNG");
        let folder = png.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned());
        assert_eq!(Some(format!("{}x{}", img.width(), img.height())), folder, "{}", png.display());
    }
    for size in ["1080x1920", "1920x1080", "1280x800", "1024x768"] {
        for page in ["attract", "maintenance-overview", "maintenance-settings"] {
            let dir = out.path().join("screens").join(size);
            let found = std::fs::read_dir(&dir)
                .expect("size folder")
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(&format!("-{page}.png")));
            assert!(found, "{size}: {page}");
        }
    }
    assert!(report.layout_problems.is_empty(), "{}", report.layout_problems.join("\n"));

    // Every citizen screen in every display mode (issue #18), at 1080×1920 in
    // `screens/<mode>/`; the default screens stay where they are. The technician's pages
    // have the default display only.
    let citizen: Vec<_> = report
        .screens
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !n.contains("-maintenance"))
        .collect();
    assert!(citizen.len() >= 30, "{citizen:?}");
    assert_eq!(report.mode_screens.len(), citizen.len() * adm_kiosk::demo::DISPLAY_MODES.len());
    for (mode, _) in adm_kiosk::demo::DISPLAY_MODES {
        for name in &citizen {
            let png = out.path().join("screens").join(mode).join(name);
            let img = image::open(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
            assert_eq!((img.width(), img.height()), (1080, 1920), "{}", png.display());
        }
    }
    // Measured from the rendered pixels of each of them and of the default screens: every
    // text at ≥ 4.5:1 on its background (≥ 7:1 in high contrast), every touch target ≥ 9 mm
    // both ways on the reference panel, and in low reach every control in the lower band.
    for (mode, ratio, place) in &report.lowest_contrast {
        eprintln!("lowest text contrast, {mode}: {ratio:.2}:1 ({place})");
    }
    let modes: Vec<&str> = report.lowest_contrast.iter().map(|(m, ..)| m.as_str()).collect();
    assert_eq!(modes, ["default", "high-contrast"], "{:?}", report.lowest_contrast);
    assert!(report.accessibility_problems.is_empty(), "{}", report.accessibility_problems.join("\n"));

    let names: Vec<String> =
        report.printed.iter().filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).collect();
    assert!(names.iter().any(|n| n.starts_with("a4-") && n.ends_with(".pdf")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("receipt-") && n.ends_with(".png")), "{names:?}");

    // The taps, for the VM tests to replay as touches: on the screen they were made on,
    // inside the window.
    let touches: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("touches.json")).expect("touches.json"))
            .expect("JSON");
    let start = touches.first().expect("touches recorded");
    assert_eq!(start["label"], "Sentuh di sini untuk mulai");
    assert_eq!((start["step"].as_str(), start["screen"].as_str()), (Some("attract"), Some("attract")));
    assert!(touches.iter().any(|t| t["screen"] == "enter-pin" && t["label"] == "Masuk"), "{touches:?}");
    // The technician console: its PIN keypad, the receipt printer's page and its test
    // page, and the way out (the VM lab suite signs a technician in on the real kiosk).
    for label in ["2", "Masuk", "Printer struk", "Cetak halaman uji", "Tutup menu petugas"] {
        assert!(touches.iter().any(|t| t["screen"] == "maintenance" && t["label"] == label), "{label}: {touches:?}");
    }
    for t in &touches {
        let (x, y) = (t["x"].as_u64().expect("x"), t["y"].as_u64().expect("y"));
        assert!(x < 1080 && y < 1920 && x > 0 && y > 0, "{t}");
    }
}
