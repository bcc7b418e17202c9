//! Replays a fixed list of frames, at a fixed pace, looping: the demo's and the tests'
//! camera.

use std::time::Duration;

use crate::{CameraError, FrameSource, GreyFrame};

pub struct ReplaySource {
    frames: Vec<GreyFrame>,
    next: usize,
    pace: Duration,
}

impl ReplaySource {
    pub fn new(frames: Vec<GreyFrame>, pace: Duration) -> Self {
        ReplaySource { frames, next: 0, pace }
    }

    /// Loads every image file of a folder (sorted by name) as frames.
    pub fn from_folder(dir: &std::path::Path, pace: Duration) -> Result<Self, CameraError> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| CameraError::Other(e.to_string()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        let mut frames = vec![];
        for p in paths {
            if let Ok(img) = image::open(&p) {
                frames.push(GreyFrame::from_image(&img.to_luma8()));
            }
        }
        Ok(ReplaySource::new(frames, pace))
    }
}

impl FrameSource for ReplaySource {
    fn next_frame(&mut self) -> Result<GreyFrame, CameraError> {
        std::thread::sleep(self.pace);
        let frame = self.frames.get(self.next).cloned().ok_or(CameraError::Disconnected)?;
        self.next = (self.next + 1) % self.frames.len();
        Ok(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_over_its_frames_and_reports_none_as_disconnected() {
        let f = |v| GreyFrame { width: 1, height: 1, data: vec![v] };
        let mut s = ReplaySource::new(vec![f(1), f(2)], Duration::ZERO);
        let got: Vec<u8> = (0..3).map(|_| s.next_frame().expect("frame").data[0]).collect();
        assert_eq!(got, vec![1, 2, 1]);
        let mut empty = ReplaySource::new(vec![], Duration::ZERO);
        assert_eq!(empty.next_frame(), Err(CameraError::Disconnected));
    }
}
