//! Keys only (issue #18): the document check and the status pages with a USB keypad and
//! voice guidance, never touching the screen. The sign-in-to-print journey by keys is the
//! headless demo's (`tests/demo_headless.rs`). A control is reached as a blind citizen
//! reaches it: arrow keys until the narrator names it.

use std::time::Duration;

use adm_kiosk::app::{Backend, Kiosk, build_devices};
use adm_kiosk::config::Config;
use adm_kiosk::demo::{AKTIF_KK_CODE, DEMO_NIK, DEMO_PIN};
use adm_kiosk::headless::{self, enter, focus, press, press_key, settle, type_keys, wait_for};
use adm_kiosk::runtime::clock::ManualClock;
use adm_kiosk::session::State;
use adm_kiosk::speech::Kind;
use adm_kiosk::speech::narrator::Silent;
use slint::ComponentHandle;
use slint::platform::Key;

const WAIT: Duration = Duration::from_secs(30);

/// The kiosk against the reference server, its camera seeing nothing (codes are typed),
/// guidance switched on with the numeric keypad's "/" (help).
fn kiosk() -> (Kiosk, Backend) {
    headless::init().expect("headless platform");
    let config = Config::default();
    let backend = Backend::connect(&config).expect("reference server");
    let (mut devices, _sim) = build_devices(&config, &backend, Duration::ZERO).expect("devices");
    let empty = adm_camera::GreyFrame { width: 640, height: 480, data: vec![150; 640 * 480] };
    let source = adm_camera::replay::ReplaySource::new(vec![empty], Duration::from_millis(100));
    devices.camera = adm_kiosk::devices::shared(Box::new(source));
    let kiosk = Kiosk::new(&config, None, &backend, Box::new(ManualClock::default()), devices).expect("kiosk");
    headless::show(&kiosk.app).expect("show");
    kiosk.set_speaker(Box::new(Silent));
    wait(&kiosk, |s| matches!(s, State::Attract));
    press(&kiosk.app, "/");
    settle(&kiosk);
    assert!(kiosk.narrator.borrow().is_on(), "the help key switches guidance on");
    (kiosk, backend)
}

#[track_caller]
fn wait(kiosk: &Kiosk, done: impl Fn(&State) -> bool) {
    wait_for(kiosk, WAIT, done).expect("state reached");
    settle(kiosk);
}

/// Everything said on `screen`, in order.
fn heard_on(kiosk: &Kiosk, screen: &str) -> Vec<(Kind, String)> {
    let n = kiosk.narrator.borrow();
    n.transcript().iter().filter(|s| s.screen == screen).map(|s| (s.utterance.kind, s.utterance.text.clone())).collect()
}

#[test]
fn a_document_is_checked_by_keys_and_its_status_is_heard() {
    let (kiosk, _backend) = kiosk();
    focus(&kiosk, "Cek status dokumen").expect("reachable");
    enter(&kiosk);
    wait(&kiosk, |s| matches!(s, State::CheckScan { .. }));
    // With Num Lock on, a numeric keypad's 2 moves on and 5 chooses where nothing is typed.
    let mut reached = false;
    for _ in 0..20 {
        press(&kiosk.app, "2");
        settle(&kiosk);
        let last = heard_on(&kiosk, "check-scan").into_iter().rev().find(|(k, _)| *k == Kind::Focus);
        if last.is_some_and(|(_, t)| t == "Ketik kode saja") {
            reached = true;
            break;
        }
    }
    assert!(reached, "2 never reached “Ketik kode saja”: {:?}", heard_on(&kiosk, "check-scan"));
    press(&kiosk.app, "5");
    settle(&kiosk);
    wait(&kiosk, |s| matches!(s, State::CheckCode { .. }));
    // Lower case from a keyboard is what the code means; Enter sends it.
    type_keys(&kiosk, &AKTIF_KK_CODE.to_lowercase());
    enter(&kiosk);
    wait(&kiosk, |s| matches!(s, State::CheckResult { .. }));
    let code: String =
        heard_on(&kiosk, "check-code").into_iter().filter(|(k, _)| *k == Kind::Echo).map(|(_, t)| t).collect();
    assert_eq!(code, AKTIF_KK_CODE, "every character echoed as typed");
    let result = heard_on(&kiosk, "check-result");
    let (kind, text) = result.first().expect("the result is said");
    assert_eq!(*kind, Kind::Screen);
    // The title, then the answer itself, then what it means.
    assert!(text.starts_with("Status dokumen. AKTIF."), "{text}");
    assert!(text.contains("sah secara hukum") || text.contains("Dukcapil"), "{text}");
    focus(&kiosk, "Selesai").expect("reachable");
    enter(&kiosk);
    wait(&kiosk, |s| matches!(s, State::Goodbye | State::Attract));
}

#[test]
fn the_status_pages_are_read_by_keys_and_escape_leads_back() {
    let (kiosk, _backend) = kiosk();
    focus(&kiosk, "Sentuh di sini untuk mulai").expect("reachable");
    enter(&kiosk);
    wait(&kiosk, |s| matches!(s, State::ChooseMethod));
    focus(&kiosk, "Ketik NIK dan PIN saya").expect("reachable");
    enter(&kiosk);
    type_keys(&kiosk, DEMO_NIK);
    enter(&kiosk);
    wait(&kiosk, |s| matches!(s, State::EnterPin { .. }));
    type_keys(&kiosk, DEMO_PIN);
    enter(&kiosk);
    wait(&kiosk, |s| matches!(s, State::Documents { .. }));
    focus(&kiosk, "Lihat status pengajuan saya").expect("reachable");
    enter(&kiosk);
    wait(&kiosk, |s| matches!(s, State::Applications { .. }));
    let first = kiosk.app.global::<adm_kiosk::ui::Kiosk>().get_applications();
    let first = slint::Model::row_data(&first, 0).expect("the demo citizen has applications");
    // Each application is named with its status word as the keys reach it.
    focus(&kiosk, &format!("{}, ", first.title)).expect("reachable");
    enter(&kiosk);
    wait(&kiosk, |s| matches!(s, State::Applications { desk } if desk.open.is_some()));
    let page = heard_on(&kiosk, "application");
    let (_, text) = page.iter().find(|(k, _)| *k == Kind::Screen).expect("the application is said");
    assert!(text.starts_with(&format!("{}. Kode {}, ", first.title, first.code)), "{text}");
    // Escape: back to the list, back to the documents.
    press_key(&kiosk.app, Key::Escape);
    settle(&kiosk);
    wait(&kiosk, |s| matches!(s, State::Applications { desk } if desk.open.is_none()));
    press_key(&kiosk.app, Key::Escape);
    settle(&kiosk);
    wait(&kiosk, |s| matches!(s, State::Documents { .. }));
}

#[test]
fn headphones_plugged_in_start_guidance_with_the_keys_explained_and_pulled_out_end_it() {
    headless::init().expect("headless platform");
    let config = Config::default();
    let backend = Backend::connect(&config).expect("reference server");
    let (devices, _sim) = build_devices(&config, &backend, Duration::ZERO).expect("devices");
    let kiosk = Kiosk::new(&config, None, &backend, Box::new(ManualClock::default()), devices).expect("kiosk");
    headless::show(&kiosk.app).expect("show");
    kiosk.set_speaker(Box::new(Silent));
    wait(&kiosk, |s| matches!(s, State::Attract));
    assert!(!kiosk.narrator.borrow().is_on());
    // What the jack watch reports from the kernel's SW_HEADPHONE_INSERT switch.
    kiosk.send(adm_kiosk::session::Event::Headphones(true));
    settle(&kiosk);
    let heard = heard_on(&kiosk, "attract");
    let kinds: Vec<Kind> = heard.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, [Kind::Help, Kind::Screen], "{heard:?}");
    assert!(heard[1].1.starts_with("Selamat datang."), "{heard:?}");
    kiosk.send(adm_kiosk::session::Event::Headphones(false));
    settle(&kiosk);
    assert!(!kiosk.narrator.borrow().is_on());
}
