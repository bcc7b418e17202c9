//! Acceptance 3: verify time per document over the corpus (mean, p95) and A4 raster time
//! at 300 and 600 dpi. `cargo bench` (harness = false: prints, asserts nothing).

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use adm_kiosk::document::render::raster_a4;
use adm_kiosk::document::{TrustAnchors, verify};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf")
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = v.iter().map(|d| ms(*d)).sum::<f64>() / v.len().max(1) as f64;
    let p95 = v.get((v.len() * 95 / 100).min(v.len().saturating_sub(1))).map(|d| ms(*d)).unwrap_or(0.0);
    (mean, p95)
}

fn main() {
    let dir = fixtures_dir();
    let anchors = TrustAnchors::from_pem(&std::fs::read(dir.join("pki/root.pem")).expect("root.pem")).expect("anchor");
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_272_000);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("manifest")).expect("json");
    let files = manifest["files"].as_object().expect("files");
    const ROUNDS: usize = 20;
    let mut all = Vec::new();
    println!("{:<45} {:>9} {:>9}  verdict", "file", "mean ms", "p95 ms");
    for (name, spec) in files {
        let pdf = std::fs::read(dir.join(name)).expect("fixture");
        let pw = spec["password"].as_str();
        let mut times = Vec::new();
        let mut verdict = "";
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let r = verify(&pdf, pw, &anchors, now);
            times.push(t.elapsed());
            verdict = r.verdict.as_str();
        }
        all.extend(times.iter().copied());
        let (mean, p95) = stats(times);
        println!("{name:<45} {mean:>9.2} {p95:>9.2}  {verdict}");
    }
    let (mean, p95) = stats(all);
    println!("verify, all {} documents x {ROUNDS}: mean {mean:.2} ms, p95 {p95:.2} ms", files.len());

    let pdf = std::fs::read(dir.join("valid-rsa.pdf")).expect("fixture");
    for dpi in [300, 600] {
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let pages = raster_a4(&pdf, None, dpi).expect("renders");
            times.push(t.elapsed());
            assert_eq!(pages.len(), 1);
        }
        let (mean, p95) = stats(times);
        println!("A4 raster at {dpi} dpi (1 page, gray): mean {mean:.1} ms, max {p95:.1} ms");
    }
}
