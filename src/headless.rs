//! Rendering and driving the UI without a display: Slint's testing backend with its
//! software renderer. Used by `demo --headless` and by the end-to-end tests, so both
//! see exactly the pixels a citizen would.

use std::cell::RefCell;
use std::path::Path;
use std::time::{Duration, Instant};

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot, TestingBackend, TestingBackendOptions};
use slint::ComponentHandle;
use slint::platform::PointerEventButton;

use crate::app::Kiosk;
use crate::session::State;
use crate::ui::AppWindow;

#[derive(Debug, thiserror::Error)]
pub enum HeadlessError {
    #[error("cannot set up the headless UI: {0}")]
    Platform(String),
    #[error("no button or choice labelled {0} on screen")]
    NotFound(String),
    #[error("snapshot: {0}")]
    Snapshot(String),
    #[error("waited {0:?} for the kiosk to reach the expected state")]
    Timeout(Duration),
    #[error("the keys never reach {0}")]
    NotReachable(String),
}

/// Portrait kiosk screen, in physical pixels.
pub const SCREEN: (u32, u32) = (1080, 1920);

/// The other panels every screen is rendered at too (issue #18): landscape, and the smaller
/// panels ADMs come with. The UI scales from the window's shorter side (ui/globals.slint).
pub const OTHER_SCREENS: [(u32, u32); 3] = [(1920, 1080), (1280, 800), (1024, 768)];

/// Installs the headless platform for the current thread (each test thread has its
/// own Slint context). Must run before the first window is created on this thread.
pub fn init() -> Result<(), HeadlessError> {
    let options = TestingBackendOptions { mock_time: true, threading: false, renderer_name: Some("software".into()) };
    slint::platform::set_platform(Box::new(TestingBackend::new(options)))
        .map_err(|e| HeadlessError::Platform(e.to_string()))
}

/// Shows the window at the kiosk's screen size.
pub fn show(app: &AppWindow) -> Result<(), HeadlessError> {
    resize(app, SCREEN);
    app.show().map_err(|e| HeadlessError::Platform(e.to_string()))
}

/// Gives the window another size (a different panel); the layout follows at once.
pub fn resize(app: &AppWindow, (width, height): (u32, u32)) {
    app.window().set_size(slint::PhysicalSize::new(width, height));
    // The window tells the Theme its size in a `changed` handler, which Slint runs only
    // before the next frame: a tap computed before that would aim at the old layout.
    let scale = app.window().scale_factor();
    let theme = app.global::<crate::ui::Theme>();
    theme.set_window_width(width as f32 / scale);
    theme.set_window_height(height as f32 / scale);
}

/// Left, top, right, bottom of an element, logical pixels of the window.
type Rect = (f32, f32, f32, f32);

fn rect(e: &ElementHandle) -> Rect {
    let (p, s) = (e.absolute_position(), e.size());
    (p.x, p.y, p.x + s.width, p.y + s.height)
}

fn inside(r: Rect, outer: Rect) -> bool {
    // Half a pixel of slack: layouts round to the physical pixel grid.
    const SLACK: f32 = 0.5;
    r.0 >= outer.0 - SLACK && r.1 >= outer.1 - SLACK && r.2 <= outer.2 + SLACK && r.3 <= outer.3 + SLACK
}

fn describe(e: &ElementHandle) -> String {
    let label = e.accessible_label().filter(|l| !l.is_empty());
    let name = label.or_else(|| e.id()).or_else(|| e.type_name()).unwrap_or_default();
    format!("{name:?} at {:?}", rect(e))
}

/// What the screen shows now that is laid out wrong for the window's size: an element
/// (partly) outside the window — except inside the page's scrollable content
/// (`scroll-content` of ui/app.slint), which a finger can scroll to but never sideways —
/// and a button whose label does not fit in it (its lines taller or wider than the button);
/// and anything touchable without an accessible label ([`unlabelled_touch_areas`]).
pub fn layout_problems(app: &AppWindow) -> Vec<String> {
    let window = app.window();
    let scale = window.scale_factor();
    let size = window.size();
    let screen: Rect = (0.0, 0.0, size.width as f32 / scale, size.height as f32 / scale);
    let scroll = ElementHandle::find_by_element_id(app, "AppWindow::scroll-content").next().map(|e| rect(&e));
    // Lists that scroll on their own (ScrollView, ListView): what lies below one's top and
    // within its sides is inside it, clipped by it and reached by scrolling it.
    let lists: Vec<Rect> = ElementHandle::find_by_element_type_name(app, "Flickable")
        .filter(|f| f.id().as_deref() != Some("AppWindow::scroll"))
        .map(|f| rect(&f))
        .collect();
    let mut problems = vec![];
    for e in app.root_element().query_descendants().find_all() {
        let r = rect(&e);
        if r.2 - r.0 <= 0.0 || r.3 - r.1 <= 0.0 || e.computed_opacity() <= 0.0 {
            continue;
        }
        let reachable = scroll.is_some_and(|s| inside(r, s) && r.0 >= screen.0 - 0.5 && r.2 <= screen.2 + 0.5);
        let in_list = lists.iter().any(|l| r.0 >= l.0 - 0.5 && r.2 <= l.2 + 0.5 && r.1 >= l.1 - 0.5);
        if !inside(r, screen) && !reachable && !in_list {
            problems.push(format!("outside the window: {}", describe(&e)));
        }
    }
    let buttons: Vec<(Rect, String)> = app
        .root_element()
        .query_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all()
        .iter()
        .map(|b| (rect(b), describe(b)))
        .collect();
    for label in ElementHandle::find_by_element_id(app, "BigButton::label") {
        let r = rect(&label);
        let centre = ((r.0 + r.2) / 2.0, (r.1 + r.3) / 2.0);
        // The smallest button around the label's centre is its own.
        let own = buttons
            .iter()
            .filter(|(b, _)| b.0 <= centre.0 && centre.0 <= b.2 && b.1 <= centre.1 && centre.1 <= b.3)
            .min_by(|(a, _), (b, _)| ((a.2 - a.0) * (a.3 - a.1)).total_cmp(&((b.2 - b.0) * (b.3 - b.1))));
        match own {
            Some((b, name)) if !inside(r, *b) => problems.push(format!("label cut off: {name}, its lines {r:?}")),
            None => problems.push(format!("label outside its button: {}", describe(&label))),
            Some(_) => {}
        }
    }
    problems.extend(unlabelled_touch_areas(app));
    problems
}

/// Touch areas that are not actions, so carry no accessible label: the hidden technician
/// gesture (citizens must not find it), the modal timeout warning's blocker, and the
/// drag handle of a Slint scroll bar (scrolling the list it belongs to, which assistive
/// technology scrolls by itself).
const UNLABELLED_ON_PURPOSE: [&str; 3] = ["TopBar::gesture", "TimeoutWarning::blocker", "ScrollBar::touch-area"];

/// Every place a finger can act on the screen now that assistive technology cannot name:
/// a touch area not inside an element with an accessible role and a non-empty label
/// (WCAG 4.1.2; the label is also what voice guidance speaks and what the tests and the
/// VM suites touch by).
pub fn unlabelled_touch_areas(app: &AppWindow) -> Vec<String> {
    let labelled: Vec<Rect> = app
        .root_element()
        .query_descendants()
        .find_all()
        .iter()
        .filter(|e| e.accessible_role().is_some_and(|r| r != AccessibleRole::None))
        .filter(|e| e.accessible_label().is_some_and(|l| !l.trim().is_empty()))
        .map(rect)
        .collect();
    ElementHandle::find_by_element_type_name(app, "TouchArea")
        .filter(|t| !t.id().is_some_and(|id| UNLABELLED_ON_PURPOSE.contains(&id.as_str())))
        .filter(|t| {
            let r = rect(t);
            r.2 - r.0 > 0.0 && r.3 - r.1 > 0.0 && t.computed_opacity() > 0.0
        })
        .filter(|t| !labelled.iter().any(|&l| inside(rect(t), l)))
        .map(|t| format!("touchable without an accessible label: {}", describe(&t)))
        .collect()
}

/// Writes what the screen shows now as a PNG.
pub fn snapshot(app: &AppWindow, path: &Path) -> Result<(), HeadlessError> {
    render(app)?.save(path).map_err(|e| HeadlessError::Snapshot(e.to_string()))
}

/// What the screen shows now, as the software renderer draws it.
pub fn render(app: &AppWindow) -> Result<image::RgbaImage, HeadlessError> {
    // Let animations and property changes settle (mock time).
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(50));
    let buf = app.window().take_snapshot().map_err(|e| HeadlessError::Snapshot(e.to_string()))?;
    image::RgbaImage::from_raw(buf.width(), buf.height(), buf.as_bytes().to_vec())
        .ok_or_else(|| HeadlessError::Snapshot("buffer size".into()))
}

/// Shows the UI in `display`'s modes at once, without the session machine (which sets
/// them from a citizen's touches and resets them: the next `Kiosk::pump` renders its
/// own again). For the demo's pictures of every screen in every mode.
pub fn set_display(app: &AppWindow, display: crate::session::Display) {
    let d = app.global::<crate::ui::Display>();
    d.set_high_contrast(display.high_contrast);
    d.set_large_text(display.large_text);
    d.set_low_reach(display.low_reach);
}

/// Elements a citizen can touch that carry `label`.
fn touchables(app: &AppWindow, label: &str) -> Vec<ElementHandle> {
    ElementHandle::find_by_accessible_label(app, label)
        .filter(|e| matches!(e.accessible_role(), Some(AccessibleRole::Button | AccessibleRole::Checkbox)))
        .collect()
}

/// One touch made by [`tap`] while recording: where a finger touched the screen.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Touch {
    /// The step of the script it was made in (see [`set_step`]).
    pub step: String,
    /// The screen shown when it was made (`Screen` of ui/globals.slint, e.g. `enter-nik`).
    pub screen: String,
    pub label: String,
    /// Centre of the touched element, physical pixels of the [`SCREEN`]-sized window.
    pub x: u32,
    pub y: u32,
}

#[derive(Default)]
struct Recorder {
    step: String,
    touches: Vec<Touch>,
}

thread_local! {
    // Only while a script records (the demo): tests tap without keeping anything.
    static RECORDER: RefCell<Option<Recorder>> = const { RefCell::new(None) };
}

/// Starts keeping every [`tap`] on this thread (the VM tests replay them as touches).
pub fn record_touches() {
    RECORDER.with(|r| *r.borrow_mut() = Some(Recorder::default()));
}

/// Names the step the next taps belong to (e.g. the screenshot taken last).
pub fn set_step(step: &str) {
    RECORDER.with(|r| {
        if let Some(rec) = r.borrow_mut().as_mut() {
            rec.step = step.to_owned();
        }
    });
}

/// The touches recorded so far; recording goes on.
pub fn recorded_touches() -> Vec<Touch> {
    RECORDER.with(|r| r.borrow().as_ref().map(|rec| rec.touches.clone()).unwrap_or_default())
}

/// The Slint name of the screen `app` shows (`ChooseMethod` → `choose-method`).
fn screen_name(app: &AppWindow) -> String {
    let debug = format!("{:?}", app.global::<crate::ui::Kiosk>().get_screen());
    let mut name = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                name.push('-');
            }
            name.push(c.to_ascii_lowercase());
        } else {
            name.push(c);
        }
    }
    name
}

fn record(app: &AppWindow, element: &ElementHandle, label: &str) {
    RECORDER.with(|r| {
        if let Some(rec) = r.borrow_mut().as_mut() {
            let scale = app.window().scale_factor();
            let (pos, size) = (element.absolute_position(), element.size());
            let centre = |start: f32, len: f32| ((start + len / 2.0) * scale).round().max(0.0) as u32;
            rec.touches.push(Touch {
                step: rec.step.clone(),
                screen: screen_name(app),
                label: label.to_owned(),
                x: centre(pos.x, size.width),
                y: centre(pos.y, size.height),
            });
        }
    });
}

/// Touches the button (or document tile) labelled `label`, like a finger would.
pub fn tap(app: &AppWindow, label: &str) -> Result<(), HeadlessError> {
    let element = touchables(app, label)
        .into_iter()
        .next()
        .ok_or_else(|| HeadlessError::NotFound(format!("{label}, screen {}", screen_name(app))))?;
    bring_into_view(app, &element);
    record(app, &element, label);
    element.mock_single_click(PointerEventButton::Left);
    Ok(())
}

/// Scrolls the page (the `scroll` Flickable of ui/app.slint) until `element` is inside the
/// window, as a finger would before touching it: a page taller than the window (a small
/// or landscape panel, a long status page) has buttons below the fold.
fn bring_into_view(app: &AppWindow, element: &ElementHandle) {
    let Some(page) = ElementHandle::find_by_element_id(app, "AppWindow::scroll").next() else { return };
    let (view, r) = (rect(&page), rect(element));
    let delta = if r.3 > view.3 {
        view.3 - r.3
    } else if r.1 < view.1 {
        view.1 - r.1
    } else {
        return;
    };
    // At the page's left margin, away from any list that scrolls on its own.
    let position = slint::LogicalPosition::new(view.0 + 2.0, view.1 + 2.0);
    app.window().dispatch_event(slint::platform::WindowEvent::PointerScrolled {
        position,
        delta_x: 0.0,
        delta_y: delta,
    });
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(20));
}

/// Scrolls every list of the screen (a `Flickable` inside the page, e.g. a service's
/// texts) by `delta` logical pixels, negative towards its end, the way a finger's swipe
/// would: what lies outside a list's view cannot be found or read until then.
pub fn scroll_lists(app: &AppWindow, delta: f32) {
    let lists: Vec<Rect> = ElementHandle::find_by_element_type_name(app, "Flickable")
        .filter(|f| f.id().as_deref() != Some("AppWindow::scroll"))
        .map(|f| rect(&f))
        .collect();
    for (x0, y0, x1, y1) in lists {
        let position = slint::LogicalPosition::new((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        app.window().dispatch_event(slint::platform::WindowEvent::PointerScrolled {
            position,
            delta_x: 0.0,
            delta_y: delta,
        });
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(20));
    }
}

/// Whether a button labelled `label` is on screen and enabled.
pub fn can_tap(app: &AppWindow, label: &str) -> bool {
    touchables(app, label).iter().any(|e| e.accessible_enabled().unwrap_or(true))
}

/// Whether some text on screen (a label, message, title) reads exactly `text`.
pub fn shows(app: &AppWindow, text: &str) -> bool {
    ElementHandle::find_by_accessible_label(app, text).next().is_some()
}

/// Types digits on the on-screen keypad.
pub fn type_digits(app: &AppWindow, digits: &str) -> Result<(), HeadlessError> {
    for d in digits.chars() {
        tap(app, &d.to_string())?;
    }
    Ok(())
}

/// One key pressed and released on a USB keypad or keyboard: `text` as Slint has it (a
/// character, or `slint::platform::Key::…` as text).
pub fn press(app: &AppWindow, text: &str) {
    use slint::platform::WindowEvent;
    app.window().dispatch_event(WindowEvent::KeyPressed { text: text.into() });
    app.window().dispatch_event(WindowEvent::KeyReleased { text: text.into() });
}

/// Makes the UI build what its properties now say (a new screen's elements, whose texts
/// report themselves to voice guidance as they are made). A window on a display does this
/// when it draws the next frame; headless nothing draws unless asked.
pub fn build_tree(app: &AppWindow) {
    let _ = ElementHandle::find_by_element_id(app, "AppWindow::keys").count();
}

/// A special key (arrows, Enter, Escape, F1, …) pressed and released.
pub fn press_key(app: &AppWindow, key: slint::platform::Key) {
    press(app, &slint::SharedString::from(key));
}

/// Arrow presses before a control counts as unreachable by keys.
const MOST_PRESSES: usize = 40;

/// Lets what the UI did reach the narrator and be said (a real kiosk's pump does this
/// every 100 ms, after the window drew the new screen).
pub fn settle(kiosk: &Kiosk) {
    build_tree(&kiosk.app);
    kiosk.pump();
}

/// Down arrow until voice guidance names a control whose label starts with `label`, as a
/// blind citizen listens for it (guidance must be on: the help key).
pub fn focus(kiosk: &Kiosk, label: &str) -> Result<(), HeadlessError> {
    use crate::speech::Kind;
    for _ in 0..MOST_PRESSES {
        press_key(&kiosk.app, slint::platform::Key::DownArrow);
        settle(kiosk);
        let n = kiosk.narrator.borrow();
        let last = n.transcript().iter().rev().find(|s| s.utterance.kind == Kind::Focus);
        if last.is_some_and(|s| s.utterance.text.starts_with(label)) {
            return Ok(());
        }
    }
    let n = kiosk.narrator.borrow();
    let heard: Vec<String> = n.transcript().iter().rev().take(8).map(|s| s.utterance.text.clone()).collect();
    Err(HeadlessError::NotReachable(format!("“{label}” by keys; last heard (newest first): {heard:?}")))
}

/// Enter, then what it caused is said.
pub fn enter(kiosk: &Kiosk) {
    press_key(&kiosk.app, slint::platform::Key::Return);
    settle(kiosk);
}

/// Characters typed on the keypad or keyboard, one key each.
pub fn type_keys(kiosk: &Kiosk, text: &str) {
    for c in text.chars() {
        press(&kiosk.app, &c.to_string());
        settle(kiosk);
    }
}

/// Pumps the kiosk until `done` holds for its session state, up to `limit` of real time
/// (workers run on real threads: printing, network).
pub fn wait_for(kiosk: &Kiosk, limit: Duration, done: impl Fn(&State) -> bool) -> Result<(), HeadlessError> {
    let start = Instant::now();
    loop {
        kiosk.pump();
        if done(kiosk.runtime.borrow().machine().state()) {
            return Ok(());
        }
        if start.elapsed() > limit {
            return Err(HeadlessError::Timeout(limit));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A citizen's sign-in with NIK and PIN from the attract screen, as a finger would do it
/// (labels in Bahasa Indonesia, the kiosk's language at the start of every session).
pub fn sign_in_with_nik(app: &AppWindow, nik: &str, pin: &str) -> Result<(), HeadlessError> {
    tap(app, "Sentuh di sini untuk mulai")?;
    tap(app, "Ketik NIK dan PIN saya")?;
    type_digits(app, nik)?;
    tap(app, "Lanjut")?;
    type_digits(app, pin)?;
    tap(app, "Masuk")
}

// ---- Accessibility measured on the rendered screen (issue #18) ---------------------------

/// Pixels per millimetre of the reference panel: 1080 px across the 268 mm of a 21.5"
/// portrait panel (ui/globals.slint, `Theme.u`).
pub const PX_PER_MM: f32 = 1080.0 / 267.8;

/// The smallest touch target, both ways: 9 mm (Korea's 2021 kiosk standard; far above
/// WCAG 2.5.8's 24 CSS px), 36 px on the reference panel.
pub const MIN_TARGET_MM: f32 = 9.0;

/// WCAG 2.x relative luminance of an sRGB colour.
pub fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// WCAG contrast ratio of two colours, 1 to 21.
pub fn contrast_ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The two dominant colours of a text's pixels: the most frequent one (the background)
/// and the most frequent of those that differ from it visibly (the glyphs' solid cores;
/// their anti-aliased edges spread over many shades, each rare). `None` when nothing
/// stands out (an empty text).
pub fn text_colours(img: &image::RgbaImage, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> Option<([u8; 3], [u8; 3])> {
    // Counted by sorting (cheap unoptimised too: the tests build this crate at opt-level 0).
    // Every other pixel each way: a glyph's stem at the smallest text (28 px) is 3 px wide.
    let mut pixels: Vec<u32> = Vec::with_capacity(((x1 - x0) * (y1 - y0) / 4) as usize);
    for y in (y0..y1.min(img.height())).step_by(2) {
        for x in (x0..x1.min(img.width())).step_by(2) {
            let [r, g, b, _] = img.get_pixel(x, y).0;
            pixels.push(u32::from_be_bytes([0, r, g, b]));
        }
    }
    pixels.sort_unstable();
    let total = pixels.len() as u32;
    let mut by_count: Vec<([u8; 3], u32)> = pixels
        .chunk_by(|a, b| a == b)
        .map(|run| {
            let [_, r, g, b] = run[0].to_be_bytes();
            ([r, g, b], run.len() as u32)
        })
        .collect();
    // Ties broken by colour: the same pixels always give the same answer.
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let (background, _) = *by_count.first()?;
    // A glyph's core: at least 6 pixels sampled and 0.3 % of them.
    let least = (total / 300).max(6);
    by_count.iter().find(|(c, n)| *n >= least && contrast_ratio(*c, background) >= 1.2).map(|(c, _)| (background, *c))
}

/// Where a finger or an eye finds what lies at `r` now: the part of it the page's viewport
/// (or a list inside the page) shows, `None` when none of it shows. Outside the page (the
/// top bar, the display bar, the timeout warning) it is `r` itself.
struct Frames {
    bar: Option<Rect>,
    page: Option<Rect>,
    content: Option<Rect>,
    lists: Vec<Rect>,
}

impl Frames {
    /// Looked up once per screen: every lookup walks the whole element tree.
    fn of(app: &AppWindow) -> Frames {
        let find = |id: &str| ElementHandle::find_by_element_id(app, id).next().map(|e| rect(&e));
        Frames {
            bar: find("AppWindow::display-bar"),
            page: find("AppWindow::scroll"),
            content: find("AppWindow::scroll-content"),
            lists: ElementHandle::find_by_element_type_name(app, "Flickable")
                .filter(|f| f.id().as_deref() != Some("AppWindow::scroll"))
                .map(|f| rect(&f))
                .collect(),
        }
    }
}

fn shown_part(frames: &Frames, r: Rect) -> Option<Rect> {
    let mut view = r;
    let clip = |v: Rect, c: Rect| (v.0.max(c.0), v.1.max(c.1), v.2.min(c.2), v.3.min(c.3));
    let in_page = !frames.bar.is_some_and(|b| inside(r, b)) && frames.content.is_some_and(|c| inside(r, c));
    if let (true, Some(p)) = (in_page, frames.page) {
        view = clip(view, p);
        for &l in &frames.lists {
            // What starts inside a list's height and width belongs to it (see layout_problems).
            if r.0 >= l.0 - 0.5 && r.2 <= l.2 + 0.5 && r.1 >= l.1 - 0.5 && r.1 < l.3 {
                view = clip(view, l);
            }
        }
    }
    (view.2 > view.0 && view.3 > view.1).then_some(view)
}

/// The contrast of one text on screen.
#[derive(Debug, Clone)]
pub struct TextContrast {
    pub what: String,
    pub ratio: f64,
    pub text: [u8; 3],
    pub background: [u8; 3],
}

/// Every text on screen with something drawn in it, and its contrast measured from the
/// pixels of `img` (what `render` gave for the screen as it is now). Left out: texts
/// outside the window, texts under the modal timeout warning (dimmed on purpose; the
/// warning's own are measured), and the labels of disabled buttons (WCAG 1.4.3 exempts
/// inactive controls).
pub fn text_contrasts(app: &AppWindow, img: &image::RgbaImage) -> Vec<TextContrast> {
    let scale = app.window().scale_factor();
    let size = app.window().size();
    let screen: Rect = (0.0, 0.0, size.width as f32 / scale, size.height as f32 / scale);
    let dialog = ElementHandle::find_by_element_id(app, "TimeoutWarning::dialog").next().map(|e| rect(&e));
    let disabled: Vec<Rect> = app
        .root_element()
        .query_descendants()
        .match_predicate(|e| {
            matches!(e.accessible_role(), Some(AccessibleRole::Button | AccessibleRole::Checkbox))
                && e.accessible_enabled() == Some(false)
        })
        .find_all()
        .iter()
        .map(rect)
        .collect();
    let frames = Frames::of(app);
    let mut out = vec![];
    for e in ElementHandle::find_by_element_type_name(app, "Text") {
        let r = rect(&e);
        if r.2 - r.0 < 1.0 || r.3 - r.1 < 1.0 || e.computed_opacity() <= 0.0 || !inside(r, screen) {
            continue;
        }
        if dialog.is_some_and(|d| !inside(r, d)) {
            continue;
        }
        // Only texts shown whole: a part scrolled under the display bar or a list's edge
        // shows other pixels.
        if shown_part(&frames, r) != Some(r) {
            continue;
        }
        let centre = ((r.0 + r.2) / 2.0, (r.1 + r.3) / 2.0);
        if disabled.iter().any(|b| b.0 <= centre.0 && centre.0 <= b.2 && b.1 <= centre.1 && centre.1 <= b.3) {
            continue;
        }
        // Physical pixels, 3 px in from each side: a box's border around a text that fills
        // it (the tick of a document's box) is no part of the text.
        let px = |v: f32| (v * scale).round().max(0.0) as u32;
        let (x0, y0, x1, y1) = (px(r.0) + 3, px(r.1) + 3, px(r.2).saturating_sub(3), px(r.3).saturating_sub(3));
        if x1 <= x0 || y1 <= y0 {
            continue;
        }
        if let Some((background, text)) = text_colours(img, (x0, y0, x1, y1)) {
            out.push(TextContrast { what: describe(&e), ratio: contrast_ratio(background, text), text, background });
        }
    }
    out
}

/// The buttons, toggles and document tiles on the screen now that are not hidden.
fn visible_controls(app: &AppWindow) -> Vec<ElementHandle> {
    app.root_element()
        .query_descendants()
        .match_predicate(|e| matches!(e.accessible_role(), Some(AccessibleRole::Button | AccessibleRole::Checkbox)))
        .find_all()
        .into_iter()
        .filter(|e| e.computed_opacity() > 0.0)
        .collect()
}

/// Elements a citizen can touch (buttons, toggles, document tiles) smaller than
/// [`MIN_TARGET_MM`] either way, on a window of the reference panel's pixel density.
pub fn small_targets(app: &AppWindow) -> Vec<String> {
    let scale = app.window().scale_factor();
    let least = MIN_TARGET_MM * PX_PER_MM / scale;
    visible_controls(app)
        .iter()
        .filter(|e| {
            let s = e.size();
            s.width > 0.0 && s.height > 0.0 && (s.width < least || s.height < least)
        })
        .map(|e| format!("smaller than {MIN_TARGET_MM} mm: {}", describe(e)))
        .collect()
}

/// Elements a citizen can touch, as far as they show, that lie above the low-reach band
/// (`Theme.reach-band`: the lower 220 mm of the panel, ≤ 1,220 mm above the floor).
pub fn out_of_reach(app: &AppWindow) -> Vec<String> {
    let scale = app.window().scale_factor();
    let height = app.window().size().height as f32 / scale;
    let band_top = height - app.global::<crate::ui::Theme>().get_reach_band();
    let frames = Frames::of(app);
    visible_controls(app)
        .iter()
        .filter_map(|e| {
            // Inside the page, only what its viewport shows is there to touch.
            let shown = shown_part(&frames, rect(e))?;
            (shown.1 < band_top - 0.5).then(|| format!("above the reach band (y < {band_top}): {}", describe(e)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_ratios_as_wcag_computes_them() {
        assert!((contrast_ratio([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio([255, 255, 255], [255, 255, 255]) - 1.0).abs() < 1e-9);
        // #767676 on white is WCAG's well-known 4.54:1.
        let r = contrast_ratio([0x76, 0x76, 0x76], [255, 255, 255]);
        assert!((r - 4.54).abs() < 0.01, "{r}");
    }

    #[test]
    fn text_colours_are_the_background_and_the_glyph_cores() {
        // A white field with a dark-blue bar (a glyph's stem) and grey anti-aliased edges.
        let mut img = image::RgbaImage::from_pixel(40, 20, image::Rgba([255, 255, 255, 255]));
        for y in 5..15 {
            for x in 10..14 {
                img.put_pixel(x, y, image::Rgba([11, 61, 145, 255]));
            }
            img.put_pixel(9, y, image::Rgba([130, 160, 200, 255]));
            img.put_pixel(14, y, image::Rgba([140, 170, 210, 255]));
        }
        assert_eq!(text_colours(&img, (0, 0, 40, 20)), Some(([255, 255, 255], [11, 61, 145])));
        // Nothing drawn: no text to measure.
        let blank = image::RgbaImage::from_pixel(40, 20, image::Rgba([0, 0, 0, 255]));
        assert_eq!(text_colours(&blank, (0, 0, 40, 20)), None);
    }
}
