//! A decoder that reports how long frames holding a QR code took to decode
//! (`kiosk_qr_decode_duration_seconds`): slow decodes on real photos show up on the fleet
//! dashboard before citizens give up on scanning.

use std::sync::Arc;
use std::time::Instant;

use adm_camera::GreyFrame;

use super::decoder::{Decoded, QrDecoder, Seen};
use crate::telemetry::metrics::Metrics;

pub struct Timed<D> {
    inner: D,
    metrics: Arc<Metrics>,
}

impl<D: QrDecoder> Timed<D> {
    pub fn new(inner: D, metrics: Arc<Metrics>) -> Self {
        Timed { inner, metrics }
    }
}

impl<D: QrDecoder> QrDecoder for Timed<D> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    /// Only frames with a code are timed: empty frames (most of them) are fast and would
    /// bury the decodes that matter.
    fn decode(&self, frame: &GreyFrame) -> Vec<Decoded> {
        let started = Instant::now();
        let found = self.inner.decode(frame);
        if !found.is_empty() {
            self.metrics.observe_qr_decode(started.elapsed().as_secs_f64());
        }
        found
    }

    fn look(&self, frame: &GreyFrame) -> Seen {
        let started = Instant::now();
        let seen = self.inner.look(frame);
        if !seen.codes.is_empty() {
            self.metrics.observe_qr_decode(started.elapsed().as_secs_f64());
        }
        seen
    }

    fn forget(&self) {
        self.inner.forget();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::zxing::ZxingDecoder;

    fn decode_count(metrics: &Metrics) -> String {
        metrics
            .encode()
            .lines()
            .find(|l| l.starts_with("kiosk_qr_decode_duration_seconds_count"))
            .unwrap_or("")
            .to_owned()
    }

    #[test]
    fn frames_with_a_code_are_timed() {
        let metrics = Arc::new(Metrics::new());
        let timed = Timed::new(ZxingDecoder, metrics.clone());
        let blank = GreyFrame { width: 64, height: 64, data: vec![200; 64 * 64] };
        assert!(timed.decode(&blank).is_empty());
        assert_eq!(decode_count(&metrics), "kiosk_qr_decode_duration_seconds_count 0");
        let code = qrcode::QrCode::new(b"https://127.0.0.1/n/7QK3M9ZT4HX2WD8R").expect("qr");
        let img = code.render::<image::Luma<u8>>().module_dimensions(4, 4).build();
        assert_eq!(timed.decode(&GreyFrame::from_image(&img)).len(), 1);
        assert_eq!(decode_count(&metrics), "kiosk_qr_decode_duration_seconds_count 1");
    }
}
