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

    voice_journey_by_keys_only(&report.speech, out.path());
}

/// The journey by keys only with voice guidance (issue #18), screen by screen as heard.
fn voice_journey_by_keys_only(speech: &adm_kiosk::demo::voice::Speech, out: &std::path::Path) {
    use adm_kiosk::speech::Kind;
    let said = |screen: &str, kind: Kind| -> Vec<&str> {
        speech
            .transcript
            .iter()
            .filter(|s| s.screen == screen && s.utterance.kind == kind)
            .map(|s| s.utterance.text.as_str())
            .collect()
    };
    let heard = |screen: &str, kind: Kind, text: &str| {
        assert!(
            said(screen, kind).iter().any(|t| t.contains(text)),
            "{screen}: no {kind:?} with “{text}”; heard {:?}",
            said(screen, kind)
        )
    };
    // The help key switches guidance on and explains the keys; every screen is said as it
    // appears, every control as the arrow keys reach it.
    heard("attract", Kind::Help, "Panduan suara aktif");
    heard("attract", Kind::Screen, "Selamat datang");
    heard("attract", Kind::Focus, "Sentuh di sini untuk mulai");
    heard("choose-method", Kind::Screen, "Bagaimana Anda ingin masuk?");
    heard("choose-method", Kind::Focus, "Ketik NIK dan PIN saya");
    heard("enter-nik", Kind::Screen, "Ketik NIK Anda");
    // The NIK's digits are echoed (the citizen checks them); a PIN's are "bintang", never
    // a digit, and no utterance anywhere holds the PIN.
    assert_eq!(said("enter-nik", Kind::Echo).concat(), adm_kiosk::demo::DEMO_NIK);
    heard("enter-pin", Kind::Screen, "Ketik PIN Anda");
    let stars = said("enter-pin", Kind::Echo);
    assert_eq!(stars.len(), 12, "a wrong PIN, then the right one: {stars:?}");
    assert!(stars.iter().all(|e| *e == "bintang"), "{stars:?}");
    for s in &speech.transcript {
        if s.screen == "enter-pin" {
            assert!(!s.utterance.text.contains(adm_kiosk::demo::DEMO_PIN), "the PIN spoken: {s:?}");
            if s.utterance.kind == Kind::Echo {
                assert!(!s.utterance.text.chars().any(|c| c.is_ascii_digit()), "a PIN digit spoken: {s:?}");
            }
        }
    }
    // The wrong PIN's message is part of what the screen says when it comes back.
    heard("enter-pin", Kind::Screen, "NIK atau PIN salah");
    heard("documents", Kind::Screen, "Halo, BUDI SANTOSO");
    // The timeout warning came after twice the usual idle time (guidance doubles it), was
    // said with the keys that answer it, and Enter answered it.
    heard("documents", Kind::Alert, "Apakah Anda masih di sini?");
    heard("documents", Kind::Alert, "Tekan Enter untuk tambahan waktu");
    // 121 s after the last key (the script's clock): guidance gives 180 s of idle time and
    // warns 60 s ahead, where the usual 90 s would have ended the session already.
    heard("documents", Kind::Alert, "sesi berakhir dalam 59 detik");
    heard("documents", Kind::Focus, "Lanjut dengan");
    heard("confirm", Kind::Screen, "Periksa pilihan Anda");
    heard("confirm", Kind::Focus, "Cetak sekarang");
    heard("printing", Kind::Screen, "Sedang mencetak");
    heard("collect", Kind::Screen, "Silakan ambil dokumen");
    heard("goodbye", Kind::Screen, "Terima kasih");

    // On disk: one WAV per screen visit and the transcript, every file real speech.
    let dir = out.join("speech");
    let transcript = std::fs::read_to_string(dir.join("transcript.txt")).expect("transcript.txt");
    assert!(transcript.starts_with("01-attract\n"), "{transcript}");
    assert!(!transcript.contains(adm_kiosk::demo::DEMO_PIN), "{transcript}");
    assert!(speech.files.len() >= 10, "{:?}", speech.files);
    for wav in &speech.files {
        let name = wav.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        assert!(transcript.contains(name.trim_end_matches(".wav")), "{name} not in the transcript");
        // sox: duration and loudness of what espeak-ng wrote. Silence would read an RMS
        // amplitude of 0; espeak-ng's speech reads about 0.1.
        let stat = std::process::Command::new("sox").arg(wav).args(["-n", "stat"]).output().expect("sox runs");
        let text = String::from_utf8_lossy(&stat.stderr);
        let value = |key: &str| -> f64 {
            text.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.rsplit(':').next())
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("{name}: no {key} in sox's output: {text}"))
        };
        assert!(value("Length (seconds)") > 0.5, "{name}: {text}");
        assert!(value("RMS     amplitude") > 0.02, "{name} is silent: {text}");
    }
}

/// A demo ended by a signal (Ctrl+C, a script's `kill`) leaves nothing in the temporary
/// directory: not the outbox, not the reference server's database and test PKI.
#[test]
fn a_killed_demo_removes_its_temporary_folders() {
    use std::os::unix::process::ExitStatusExt as _;
    use std::time::{Duration, Instant};

    let tmp = tempfile::tempdir().expect("temporary directory");
    let mut kiosk = std::process::Command::new(env!("CARGO_BIN_EXE_adm-kiosk"))
        .args(["demo", "--headless", "--metrics", "127.0.0.1:0", "--hold", "120"])
        .env("TMPDIR", tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the kiosk binary starts");
    let folders = || -> Vec<String> {
        std::fs::read_dir(tmp.path())
            .expect("read the temporary directory")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    };
    // Both folders exist once the demo's backend is up: the server's, then the kiosk's.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !folders().iter().any(|f| f.starts_with("adm-kiosk-demo-")) {
        assert!(Instant::now() < deadline, "the demo made no folders: {:?}", folders());
        assert!(kiosk.try_wait().expect("kiosk status").is_none(), "the demo ended early");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(folders().iter().any(|f| f.starts_with("adm-central-")), "{:?}", folders());
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: kill(2) on the child's own pid, which has not been waited for yet.
    assert_eq!(unsafe { libc::kill(kiosk.id() as libc::pid_t, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = kiosk.try_wait().expect("kiosk status") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = kiosk.kill();
            panic!("the demo did not end on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.signal(), Some(libc::SIGTERM), "the exit status names the signal: {status:?}");
    assert_eq!(folders(), Vec::<String>::new(), "folders left behind");
}
