//! QR decoders compared on the same images in the same run: recall and time per category.
//!
//! `cargo bench -p adm-qr --bench qr` — ZXing's black-box photos (tests/fixtures/qr/zxing), the
//! synthetic notice photos of tests/qr_synth and the harder kiosk set of
//! tests/qr_synth/kiosk.rs (glare, bright spots, damage, blur, perspective, curved paper,
//! phone screens). Plain zxing-cpp against the kiosk's pipeline (src/pipeline.rs),
//! then every candidate pass of the pipeline alone on the frames the plain pass missed:
//! the measurement its pass order comes from. Any extra folder given after `--` is read
//! the same way (`<name>.png` + `<name>.txt`, one level of sub-folders = categories),
//! e.g. a full checkout of ZXing's `core/src/test/resources/blackbox`.
//!
//! Both decoders run behind the kiosk's deadline wrapper, as they would in the kiosk; a
//! decode over the deadline counts as a miss at the deadline's time.

#[path = "../../tests/qr_synth/mod.rs"]
mod qr_synth;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use adm_qr::bounded::Bounded;
use adm_qr::decoder::QrDecoder;
use adm_qr::pipeline::{Pass, Pipeline};
use adm_qr::zxing::{Binarizer, ZxingDecoder, read_with};
use qr_synth::Sample;

const DEADLINE: Duration = Duration::from_secs(3);
const SYNTHETIC_PER_CATEGORY: usize = 12;
const KIOSK_PER_CATEGORY: usize = 40;

#[derive(Default)]
struct Tally {
    samples: usize,
    found: usize,
    timeouts: usize,
    ms: Vec<f64>,
}

impl Tally {
    fn mean(&self) -> f64 {
        self.ms.iter().sum::<f64>() / self.ms.len().max(1) as f64
    }
    fn p95(&self) -> f64 {
        let mut v = self.ms.clone();
        v.sort_by(f64::total_cmp);
        // Nearest-rank percentile.
        let rank = ((v.len() as f64 * 0.95).ceil() as usize).clamp(1, v.len().max(1));
        v.get(rank - 1).copied().unwrap_or(0.0)
    }
}

type Make = fn() -> Bounded;
/// The four corners of a code zxing-cpp detected but could not read.
type Corners = [(i32, i32); 4];

/// Recall and per-frame time by category. A burst counts as found when any of its frames
/// is read, as it would be at the kiosk: the scanner stops at the first frame read. With
/// `single`, only each sample's first frame is given.
fn run(make: Make, samples: &[Sample], single: bool) -> BTreeMap<String, Tally> {
    let mut per = BTreeMap::<String, Tally>::new();
    let mut decoder = make();
    for s in samples {
        let t = per.entry(s.category.clone()).or_default();
        let frames = std::iter::once(&s.frame).chain(s.more.iter().take(if single { 0 } else { usize::MAX }));
        for frame in frames {
            let start = Instant::now();
            let got = decoder.try_decode(frame);
            t.ms.push(start.elapsed().as_secs_f64() * 1000.0);
            match got {
                Some(codes) if codes.iter().any(|c| qr_synth::matches(&c.text, &s.expected)) => {
                    t.found += 1;
                    break;
                }
                Some(_) => {}
                None => {
                    t.timeouts += 1;
                    // The overrun decode keeps its worker busy; measure the next image on
                    // a fresh wrapper instead of being refused.
                    decoder = make();
                }
            }
        }
        t.samples += 1;
        // The scanner stops after a burst (read, or the citizen took the notice away).
        decoder.forget();
    }
    per
}

/// Panics caught inside the decoders, by worker thread name (the decoders survive them;
/// counting beats a screenful of backtraces).
static PANICS: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());

fn main() {
    std::panic::set_hook(Box::new(|_| {
        let name = std::thread::current().name().unwrap_or("?").to_string();
        *PANICS.lock().unwrap_or_else(|e| e.into_inner()).entry(name).or_default() += 1;
    }));
    // The fixtures are the kiosk's (the workspace root's tests/).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut samples = qr_synth::zxing_samples(&root.join("tests/fixtures/qr/zxing"));
    for extra in std::env::args().skip(1).filter(|a| !a.starts_with("--")) {
        let mut more = qr_synth::zxing_samples(Path::new(&extra));
        more.iter_mut().for_each(|s| s.category = format!("extra/{}", s.category.trim_start_matches("zxing/")));
        samples.extend(more);
    }
    let synthetic = qr_synth::notice_samples(SYNTHETIC_PER_CATEGORY);
    samples.extend(synthetic.into_iter().map(|mut s| {
        s.category = format!("synthetic/{}", s.category);
        s
    }));

    samples.extend(qr_synth::kiosk::bursts(KIOSK_PER_CATEGORY, qr_synth::kiosk::BURST).into_iter().map(|mut s| {
        s.category = format!("kiosk/{}", s.category);
        s
    }));

    // rqrr is left out: it lost to zxing-cpp everywhere (see src/zxing.rs).
    let decoders: [(&str, Make); 2] = [
        ("zxing-cpp", || Bounded::new(ZxingDecoder, DEADLINE)),
        ("pipeline (33 ms budget)", || Bounded::new(Pipeline::default(), DEADLINE)),
    ];
    for single in [true, false] {
        let results: Vec<(&str, BTreeMap<String, Tally>)> =
            decoders.iter().map(|(name, make)| (*name, run(*make, &samples, single))).collect();
        println!();
        if single {
            println!("SINGLE FRAMES: each sample's first frame alone");
        } else {
            println!(
                "BURSTS: the kiosk set's samples are {} frames of a notice held still, found = any frame read \
                 (the scanner stops there); ms per frame",
                qr_synth::kiosk::BURST
            );
        }
        report(&results, samples.len());
    }
    println!("panics caught inside decoders: {:?}", PANICS.lock().unwrap_or_else(|e| e.into_inner()));
    passes(&samples);
}

fn report(results: &[(&str, BTreeMap<String, Tally>)], images: usize) {
    println!(
        "QR decoders, same {images} samples; wall-clock ms per decode through the deadline wrapper ({} ms), frame copy included",
        DEADLINE.as_millis()
    );
    print!("{:<22} {:>4}", "", "");
    for (name, _) in results {
        print!(" | {name:<35}");
    }
    println!();
    print!("{:<22} {:>4}", "category", "n");
    for _ in results {
        print!(" | {:>13} {:>7} {:>7} {:>4}", "found", "mean ms", "p95 ms", "t/o");
    }
    println!();
    let categories: Vec<String> = results[0].1.keys().cloned().collect();
    let mut groups: Vec<(String, Vec<String>)> = vec![];
    for prefix in ["zxing/", "extra/", "synthetic/", "kiosk/"] {
        let members: Vec<String> = categories.iter().filter(|c| c.starts_with(prefix)).cloned().collect();
        if !members.is_empty() {
            groups.push((format!("{}ALL", prefix), members));
        }
    }
    let row = |label: &str, members: &[String]| {
        let n = members.iter().map(|c| results[0].1[c].samples).sum::<usize>();
        print!("{label:<22} {n:>4}");
        for (_, per) in results {
            let mut all = Tally::default();
            for c in members {
                all.found += per[c].found;
                all.timeouts += per[c].timeouts;
                all.ms.extend(&per[c].ms);
            }
            let recall = format!("{}/{} {:>3.0}%", all.found, n, 100.0 * all.found as f64 / n.max(1) as f64);
            print!(" | {recall:>13} {:>7.1} {:>7.1} {:>4}", all.mean(), all.p95(), all.timeouts);
        }
        println!();
    };
    for c in &categories {
        row(c, std::slice::from_ref(c));
    }
    for (label, members) in &groups {
        row(label, members);
    }
    row("ALL", &categories);
}

/// Each candidate pass alone, on the frames the plain pass did not read: codes recovered
/// per category, mean ms, and recoveries per 100 ms (the pipeline's order).
fn passes(samples: &[Sample]) {
    let missed: Vec<(&Sample, Vec<Corners>)> = samples
        .iter()
        .filter_map(|s| {
            let r = read_with(&s.frame, Binarizer::LocalAverage);
            (!r.codes.iter().any(|c| qr_synth::matches(&c.text, &s.expected))).then_some((s, r.unreadable))
        })
        .collect();
    println!();
    println!("candidate passes alone on the {} frames plain zxing-cpp missed", missed.len());
    let mut cats: Vec<&str> = missed.iter().map(|(s, _)| s.category.as_str()).collect();
    cats.dedup();
    print!("{:<24} {:>5} {:>7} {:>9}", "pass", "found", "mean ms", "per 100ms");
    for c in &cats {
        print!(" {:>6}", c.rsplit('/').next().unwrap_or(c).chars().take(6).collect::<String>());
    }
    println!();
    for pass in Pass::ALL {
        let (mut found, mut ms) = (0usize, 0.0f64);
        let mut per = BTreeMap::<&str, usize>::new();
        for (s, unreadable) in &missed {
            let start = Instant::now();
            let r = pass.run(&s.frame, unreadable);
            ms += start.elapsed().as_secs_f64() * 1000.0;
            if r.codes.iter().any(|c| qr_synth::matches(&c.text, &s.expected)) {
                found += 1;
                *per.entry(s.category.as_str()).or_default() += 1;
            }
        }
        let mean = ms / missed.len().max(1) as f64;
        print!("{:<24} {found:>5} {mean:>7.1} {:>9.2}", pass.name(), found as f64 * 100.0 / ms.max(1e-9));
        for c in &cats {
            print!(" {:>6}", per.get(c).copied().unwrap_or(0));
        }
        println!();
    }
}
