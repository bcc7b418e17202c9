//! The technicians' camera check (maintenance → Camera): a live preview with every
//! decoded QR outlined, and how well the camera reads — frames per second, the share
//! of frames in which a code was read, and the time one decode takes. Nothing is signed
//! in and no code is kept: only whether it was a notice of this kiosk's server.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adm_camera::{CameraError, FrameSource, GreyFrame};

use super::decoder::QrDecoder;
use super::notice;
use super::scanner::{CameraThread, Preview};

/// What the last code read was (its content is never shown: a notice code is half of a
/// citizen's sign-in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LastCode {
    #[default]
    None,
    /// A notice QR of this kiosk's central server.
    Notice,
    /// Some other QR code.
    Other,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProbeStats {
    pub frames: u64,
    pub with_code: u64,
    pub decode_ms_total: f64,
    pub elapsed: Duration,
    pub last: LastCode,
    /// The camera is unplugged (or will not deliver frames).
    pub no_camera: bool,
}

impl ProbeStats {
    pub fn fps(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.frames as f64 / s } else { 0.0 }
    }
    pub fn read_percent(&self) -> u32 {
        (self.with_code * 100).checked_div(self.frames).map_or(0, |p| p as u32)
    }
    pub fn decode_ms(&self) -> f64 {
        if self.frames == 0 { 0.0 } else { self.decode_ms_total / self.frames as f64 }
    }
}

pub type SharedStats = Arc<Mutex<ProbeStats>>;

pub struct CameraProbe(CameraThread);

impl CameraProbe {
    pub fn start(
        camera: Arc<Mutex<Box<dyn FrameSource>>>,
        decoder: Arc<dyn QrDecoder + Sync>,
        central_host: String,
        preview: Preview,
        stats: SharedStats,
    ) -> CameraProbe {
        *stats.lock().unwrap_or_else(|e| e.into_inner()) = ProbeStats::default();
        CameraProbe(CameraThread::spawn("camera-probe", move |flag| {
            let started = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                let frame = camera.lock().unwrap_or_else(|e| e.into_inner()).next_frame();
                let mut frame = match frame {
                    Ok(f) => f,
                    Err(e) => {
                        if matches!(e, CameraError::Disconnected) {
                            stats.lock().unwrap_or_else(|e| e.into_inner()).no_camera = true;
                        }
                        std::thread::sleep(Duration::from_millis(200));
                        continue;
                    }
                };
                let t = Instant::now();
                let found = decoder.decode(&frame);
                let ms = t.elapsed().as_secs_f64() * 1e3;
                for code in &found {
                    outline(&mut frame, &code.corners);
                }
                {
                    let mut s = stats.lock().unwrap_or_else(|e| e.into_inner());
                    s.no_camera = false;
                    s.frames += 1;
                    s.with_code += u64::from(!found.is_empty());
                    s.decode_ms_total += ms;
                    s.elapsed = started.elapsed();
                    if let Some(code) = found.first() {
                        s.last = match notice::parse(&code.text, &central_host) {
                            Ok(_) => LastCode::Notice,
                            Err(_) => LastCode::Other,
                        };
                    }
                }
                *preview.lock().unwrap_or_else(|e| e.into_inner()) = Some(frame);
            }
        }))
    }

    pub fn stop(self) {
        self.0.stop();
    }
}

/// Draws the quadrilateral `corners` onto the frame, 5 px wide, black with a white core
/// so it shows on a light and on a dark picture.
pub fn outline(frame: &mut GreyFrame, corners: &[(i32, i32); 4]) {
    for i in 0..4 {
        let (a, b) = (corners[i], corners[(i + 1) % 4]);
        line(frame, a, b, 2, 0);
        line(frame, a, b, 0, 255);
    }
}

fn line(frame: &mut GreyFrame, (x0, y0): (i32, i32), (x1, y1): (i32, i32), radius: i32, value: u8) {
    let (w, h) = (frame.width as i32, frame.height as i32);
    if frame.data.len() < (w.max(0) * h.max(0)) as usize {
        return;
    }
    let steps = (x1 - x0).abs().max((y1 - y0).abs()).clamp(1, 8192);
    for i in 0..=steps {
        let x = x0 + (x1 - x0) * i / steps;
        let y = y0 + (y1 - y0) * i / steps;
        for dy in -radius..=radius {
            for dx in -radius..=radius {
                let (px, py) = (x + dx, y + dy);
                if (0..w).contains(&px) && (0..h).contains(&py) {
                    frame.data[(py * w + px) as usize] = value;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outline_is_drawn_inside_the_frame_only() {
        let mut f = GreyFrame { width: 40, height: 30, data: vec![128; 1200] };
        outline(&mut f, &[(5, 5), (34, 5), (34, 24), (5, 24)]);
        assert_eq!(f.data[5 * 40 + 20], 255, "white core on the top edge");
        assert_eq!(f.data[3 * 40 + 20], 0, "black border around it");
        assert_eq!(f.data[15 * 40 + 20], 128, "the inside is untouched");
        // Corners far outside the picture: clipped, no panic.
        outline(&mut f, &[(-500, -500), (9000, -3), (9000, 9000), (-7, 9000)]);
    }

    #[test]
    fn rates_from_counts() {
        let s = ProbeStats {
            frames: 50,
            with_code: 40,
            decode_ms_total: 250.0,
            elapsed: Duration::from_secs(5),
            ..ProbeStats::default()
        };
        assert_eq!((s.fps(), s.read_percent(), s.decode_ms()), (10.0, 80, 5.0));
        assert_eq!(ProbeStats::default().read_percent(), 0);
    }
}
