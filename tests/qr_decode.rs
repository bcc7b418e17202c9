//! QR decoding on images this project did not make (ZXing's black-box photos), on
//! synthetic photos of notice QRs, and on garbage and hostile input.
//!
//! Recall and timing per category, zxing-cpp against rqrr: `cargo bench -p adm-qr --bench qr`.

mod qr_synth;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use adm_camera::GreyFrame;
use adm_kiosk::scan::bounded::Bounded;
use adm_kiosk::scan::decoder::{QrDecoder, RqrrDecoder};
use adm_kiosk::scan::notice;
use adm_kiosk::scan::pipeline::{KIOSK_PASSES, Pipeline};
use adm_kiosk::scan::zxing::ZxingDecoder;
use qr_synth::{Rng, Sample, matches};

/// Deadline for the robustness tests: generous (debug builds, 2 shared cores); what is
/// asserted is that every call returns, not how fast.
const DEADLINE: Duration = Duration::from_secs(5);

fn zxing_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/qr/zxing")
}

/// Found / total per category.
fn recall(decoder: &dyn QrDecoder, samples: &[Sample]) -> BTreeMap<String, (usize, usize)> {
    let mut per = BTreeMap::<String, (usize, usize)>::new();
    for s in samples {
        let hit = decoder.decode(&s.frame).iter().any(|c| matches(&c.text, &s.expected));
        let e = per.entry(s.category.clone()).or_default();
        e.0 += usize::from(hit);
        e.1 += 1;
        if !hit {
            eprintln!("{}: missed {}", decoder.name(), s.name);
        }
        // One sample, one scan: nothing held over to the next picture.
        decoder.forget();
    }
    per
}

#[test]
fn zxing_reads_most_of_the_zxing_project_photos() {
    let samples = qr_synth::zxing_samples(&zxing_dir());
    assert!(samples.len() >= 60, "fixtures missing: {} images", samples.len());
    let per = recall(&ZxingDecoder, &samples);
    let (found, total) = per.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    eprintln!("zxing-cpp on ZXing black-box subset: {per:?} → {found}/{total}");
    // Measured 56/61 (92%): misses are qrcode-2/13, 28 and qrcode-4/13, 31, 34, the two
    // folders where ZXing's own Java tests also allow misses (they require 32/35, 36/48).
    assert!(found * 100 >= total * 85, "{found}/{total}");
}

#[test]
fn zxing_reads_every_synthetic_category() {
    let samples = qr_synth::notice_samples(6);
    let per = recall(&ZxingDecoder, &samples);
    eprintln!("zxing-cpp on synthetic notices: {per:?}");
    for (category, (found, total)) in &per {
        assert!(*found * 6 >= *total * 5, "{category}: {found}/{total}");
    }
    // What it read is a notice of the demo host, with its code.
    let s = &samples[0];
    let text = &ZxingDecoder.decode(&s.frame)[0].text;
    let code = notice::parse(text, "127.0.0.1").expect("a notice");
    assert!(s.expected.ends_with(code.as_str()));
}

/// Garbage of every shape, for both decoders behind the deadline wrapper.
fn garbage() -> Vec<GreyFrame> {
    let mut rng = Rng::new(7);
    let mut noise = |w: u32, h: u32| GreyFrame {
        width: w,
        height: h,
        data: (0..u64::from(w) * u64::from(h)).map(|_| rng.next_u64() as u8).collect(),
    };
    let mut frames = vec![
        GreyFrame { width: 0, height: 0, data: vec![] },
        GreyFrame { width: 0, height: 480, data: vec![] },
        GreyFrame { width: 1, height: 1, data: vec![0] },
        GreyFrame { width: 640, height: 480, data: vec![] },
        GreyFrame { width: 640, height: 480, data: vec![0; 1000] },
        GreyFrame { width: 10, height: 10, data: vec![0; 1000] },
        GreyFrame { width: u32::MAX, height: 2, data: vec![1, 2, 3] },
        noise(1, 4096),
        noise(4096, 1),
        noise(3, 3),
        noise(640, 480),
        noise(1280, 720),
        GreyFrame { width: 1920, height: 1080, data: vec![255; 1920 * 1080] },
        GreyFrame { width: 1920, height: 1080, data: vec![0; 1920 * 1080] },
    ];
    // Patterns that look like finder patterns / timing lines everywhere.
    let checker = |cell: u32| GreyFrame {
        width: 800,
        height: 600,
        data: (0..600u32)
            .flat_map(|y| (0..800u32).map(move |x| if (x / cell + y / cell).is_multiple_of(2) { 0 } else { 255 }))
            .collect(),
    };
    frames.extend([checker(1), checker(3), checker(7)]);
    let rings = GreyFrame {
        width: 700,
        height: 700,
        data: (0..700i32)
            .flat_map(|y| {
                (0..700i32)
                    .map(move |x| if ((x % 70 - 35).abs().max((y % 70 - 35).abs()) / 5) % 2 == 0 { 0 } else { 255 })
            })
            .collect(),
    };
    frames.push(rings);
    frames.push(noise(4096, 3072));
    frames
}

#[test]
fn garbage_frames_never_panic_and_every_decode_returns() {
    let decoders: [(&str, Bounded); 2] =
        [("zxing", Bounded::new(ZxingDecoder, DEADLINE)), ("rqrr", Bounded::new(RqrrDecoder, DEADLINE))];
    for (name, d) in &decoders {
        for f in garbage() {
            // Returns (within the deadline, or gives up on it); any code found in garbage
            // is never taken for a notice.
            for c in d.try_decode(&f).unwrap_or_default() {
                assert!(notice::parse(&c.text, "127.0.0.1").is_err(), "{name} {f:?}: {:?}", c.text);
            }
        }
        eprintln!("{name}: {:?}", d.stats());
    }
}

#[test]
fn hostile_payloads_are_read_safely_and_never_accepted() {
    let valid = "https://127.0.0.1/n/7Q2K9M4T1V8X3Z6B";
    let long = format!("{valid}{}", "A".repeat(2000));
    let binary: Vec<u8> = (0..=255u8).collect();
    let controls: Vec<u8> = b"https://127.0.0.1/n/7Q2K9M4T1V8X3Z6B\r\n\x1b[2J\x07\x08\x7f".to_vec();
    let payloads: Vec<Vec<u8>> = vec![
        long.into_bytes(),
        binary,
        controls,
        b"https://127.0.0.1/n/7Q2K9M4T1V8X3Z6B\0https://evil.example/n/7Q2K9M4T1V8X3Z6B".to_vec(),
        b"https://evil.example.com/n/7Q2K9M4T1V8X3Z6B".to_vec(),
        b"https://127.0.0.1@evil.example.com/n/7Q2K9M4T1V8X3Z6B".to_vec(),
        b"https://127.0.0.1.evil.example.com/n/7Q2K9M4T1V8X3Z6B".to_vec(),
        "https://127.0.0.1/n/7Q2K9M4T1V8X3Z6\u{202E}B".as_bytes().to_vec(),
        "https://127.0.0.1/n/７Q2K9M4T1V8X3Z6B".as_bytes().to_vec(),
        b"https://127.0.0.1/n/7Q2K9M4T1V8X3Z6B/../../admin".to_vec(),
        b"\xff\xfe\xfd invalid utf-8 \xc3\x28".to_vec(),
        b"javascript:alert(1)".to_vec(),
        b"WIFI:S:kiosk;T:WPA;P:x;;".to_vec(),
    ];
    let decoders: [Bounded; 2] = [Bounded::new(ZxingDecoder, DEADLINE), Bounded::new(RqrrDecoder, DEADLINE)];
    for p in &payloads {
        let frame = qr_synth::qr_of_bytes(p, 3).expect("payload fits a QR");
        for d in &decoders {
            for c in d.try_decode(&frame).unwrap_or_default() {
                assert!(notice::parse(&c.text, "127.0.0.1").is_err(), "{} accepted {:?}", d.name(), c.text);
            }
        }
    }
    // The genuine notice still goes through, so the refusals above mean something.
    let frame = qr_synth::qr_of_bytes(valid.as_bytes(), 4).expect("fits");
    for d in &decoders {
        let found = d.decode(&frame);
        assert_eq!(found.len(), 1, "{}", d.name());
        assert_eq!(notice::parse(&found[0].text, "127.0.0.1").as_deref().map(|s| s.as_str()), Ok("7Q2K9M4T1V8X3Z6B"));
    }
}

#[test]
fn zxing_finds_every_code_in_a_frame_with_several() {
    // Two notices side by side (one stale on the desk, one held up): both reported, the
    // session decides which one it wants.
    let a = qr_synth::qr_of_bytes(b"https://127.0.0.1/n/AAAAAAAAAAAAAAAA", 4).expect("fits");
    let b = qr_synth::qr_of_bytes(b"https://127.0.0.1/n/BBBBBBBBBBBBBBBB", 4).expect("fits");
    let (w, h) = (a.width + b.width, a.height.max(b.height));
    let mut data = vec![255u8; (w * h) as usize];
    for (f, x0) in [(&a, 0), (&b, a.width)] {
        for y in 0..f.height {
            let row = &f.data[(y * f.width) as usize..((y + 1) * f.width) as usize];
            data[(y * w + x0) as usize..(y * w + x0 + f.width) as usize].copy_from_slice(row);
        }
    }
    let mut texts: Vec<_> =
        ZxingDecoder.decode(&GreyFrame { width: w, height: h, data }).into_iter().map(|c| c.text).collect();
    texts.sort();
    assert_eq!(texts, ["https://127.0.0.1/n/AAAAAAAAAAAAAAAA", "https://127.0.0.1/n/BBBBBBBBBBBBBBBB"]);
}

/// `qr-decode` walks folders of folders (the ZXing fixtures are laid out like that) and
/// reads only images in them; explicitly named files are always tried.
#[test]
fn qr_decode_walks_folders_recursively_and_skips_non_images() {
    let tree = tempfile::tempdir().expect("tempdir");
    let deep = tree.path().join("a/b");
    std::fs::create_dir_all(&deep).expect("mkdir");
    std::fs::create_dir_all(tree.path().join("c")).expect("mkdir");
    std::fs::copy(zxing_dir().join("qrcode-1/1.png"), deep.join("1.png")).expect("copy");
    std::fs::copy(zxing_dir().join("qrcode-1/8.png"), tree.path().join("c/8.png")).expect("copy");
    std::fs::write(tree.path().join("c/2.txt"), "expected text").expect("write");
    let mut out = vec![];
    let all_read = adm_kiosk::scan::cli::qr_decode(&[tree.path().to_owned()], &mut out).expect("images found");
    assert!(all_read);
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out).expect("utf-8").lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    let files: Vec<&str> = lines.iter().map(|l| l["file"].as_str().expect("file")).collect();
    assert_eq!(files.len(), 2, "{lines:?}");
    assert!(files[0].ends_with("a/b/1.png") && files[1].ends_with("c/8.png"), "{files:?}");
    assert!(lines.iter().all(|l| l["codes"].as_array().is_some_and(|c| !c.is_empty())), "{lines:?}");
    // The kiosk's own decoder, not a different one for technicians.
    assert!(lines.iter().all(|l| l["decoder"] == "pipeline"), "{lines:?}");
}

/// No image anywhere is a failure with a reason, never a silent success.
#[test]
fn qr_decode_without_any_image_fails_and_says_why() {
    let tree = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tree.path().join("empty/inside")).expect("mkdir");
    std::fs::write(tree.path().join("empty/notes.txt"), "no image here").expect("write");
    let mut out = vec![];
    assert!(adm_kiosk::scan::cli::qr_decode(&[tree.path().to_owned()], &mut out).is_err());
    assert!(out.is_empty());

    let run = std::process::Command::new(env!("CARGO_BIN_EXE_adm-kiosk"))
        .arg("qr-decode")
        .arg(tree.path())
        .output()
        .expect("run adm-kiosk");
    assert!(!run.status.success(), "exit status {}", run.status);
    assert!(run.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("no image"), "{stderr}");
}

/// The pipeline without its time budget: debug builds are many times slower than the
/// kiosk's release build, and what these tests check is what the passes find, not how
/// fast (that is `cargo bench -p adm-qr --bench qr`).
fn unhurried() -> Pipeline {
    Pipeline::new(Duration::from_secs(30), KIOSK_PASSES)
}

/// No regression: every ZXing photo plain zxing-cpp reads (nominal, rotated, close,
/// photos of monitors, …) the pipeline reads too, with the kiosk's 33 ms budget.
#[test]
fn pipeline_reads_every_zxing_photo_plain_zxing_reads() {
    let samples = qr_synth::zxing_samples(&zxing_dir());
    let pipeline = Pipeline::default();
    let (mut plain_found, mut pipeline_found) = (0, 0);
    for s in &samples {
        let plain = ZxingDecoder.decode(&s.frame).iter().any(|c| matches(&c.text, &s.expected));
        let ours = pipeline.decode(&s.frame).iter().any(|c| matches(&c.text, &s.expected));
        assert!(ours || !plain, "{}/{}: read by plain zxing-cpp, missed by the pipeline", s.category, s.name);
        plain_found += usize::from(plain);
        pipeline_found += usize::from(ours);
    }
    eprintln!("ZXing photos: plain {plain_found}/{n}, pipeline {pipeline_found}/{n}", n = samples.len());
}

/// The kiosk evaluation set: the pipeline reads at least what plain zxing-cpp reads in
/// every category, and more overall. (The full set and the timings: the bench.)
#[test]
fn pipeline_beats_plain_zxing_on_the_kiosk_set() {
    let samples = qr_synth::kiosk::samples(5);
    if let Some(dir) = std::env::var_os("ADM_QR_SYNTH_DUMP") {
        // Look at the pictures: ADM_QR_SYNTH_DUMP=/tmp/x cargo test --test qr_decode kiosk
        for s in &samples {
            if let Some(img) = image::GrayImage::from_raw(s.frame.width, s.frame.height, s.frame.data.clone()) {
                img.save(Path::new(&dir).join(format!("{}.png", s.name))).expect("save");
            }
        }
    }
    let plain = recall(&ZxingDecoder, &samples);
    let ours = recall(&unhurried(), &samples);
    eprintln!("kiosk set, plain zxing-cpp: {plain:?}");
    eprintln!("kiosk set, pipeline:        {ours:?}");
    for (category, (found, _)) in &plain {
        assert!(ours[category].0 >= *found, "{category}: pipeline {:?} < plain {found}", ours[category]);
    }
    let total = |m: &BTreeMap<String, (usize, usize)>| m.values().map(|v| v.0).sum::<usize>();
    assert!(total(&ours) > total(&plain), "pipeline {} vs plain {}", total(&ours), total(&plain));
}

/// A notice held still under a moving reflection: the pipeline, given the burst frame by
/// frame as the scanner gives it, reads more of the glare and bright-spot bursts than
/// plain zxing-cpp reading every frame of them, because it combines the frames (no
/// single-frame pass here: the combining alone).
#[test]
fn held_frames_are_combined_on_the_glare_bursts() {
    let bursts = qr_synth::kiosk::bursts_of(&["glare", "bright_spot"], 6, qr_synth::kiosk::BURST);
    let read_by = |decoder: &dyn QrDecoder, s: &Sample| {
        let hit = std::iter::once(&s.frame)
            .chain(&s.more)
            .any(|f| decoder.decode(f).iter().any(|c| matches(&c.text, &s.expected)));
        decoder.forget();
        hit
    };
    let pipeline = Pipeline::new(Duration::from_secs(30), &[]);
    let (mut plain, mut ours) = (0, 0);
    for s in &bursts {
        let (p, o) = (read_by(&ZxingDecoder, s), read_by(&pipeline, s));
        assert!(o || !p, "{}: plain zxing-cpp read a frame of it, the pipeline none", s.name);
        eprintln!("{}: plain {p}, pipeline {o}", s.name);
        plain += usize::from(p);
        ours += usize::from(o);
    }
    assert!(ours > plain, "bursts read: pipeline {ours}, plain {plain} of {}", bursts.len());
}

#[test]
fn kiosk_set_is_the_same_every_run_and_covers_every_category() {
    let a = qr_synth::kiosk::samples(1);
    let b = qr_synth::kiosk::samples(1);
    assert_eq!(a.len(), qr_synth::kiosk::CATEGORIES.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.category, &x.expected), (&y.category, &y.expected));
        assert!(x.frame == y.frame, "{} differs between runs", x.name);
        assert_eq!((x.frame.width, x.frame.height), (1280, 720));
        assert!(notice::parse(&x.expected, "127.0.0.1").is_ok(), "{}", x.expected);
    }
    // A burst starts with the single photo, and its frames differ (noise, the hand).
    let burst = qr_synth::kiosk::bursts(1, 3);
    for (single, burst) in a.iter().zip(&burst) {
        assert!(single.frame == burst.frame, "{}: first frame of the burst", single.name);
        assert_eq!(burst.more.len(), 2);
        assert!(burst.more.iter().all(|f| *f != burst.frame), "{}: later frames differ", single.name);
    }
}
