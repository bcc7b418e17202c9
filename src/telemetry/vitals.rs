//! The kiosk's slow-changing vitals for the fleet: when its TLS client certificate expires
//! and how much room the outbox's filesystem has left. Read at start and every minute on a
//! thread of their own (a hung filesystem must not stall the UI or the runtime), so the
//! alerts `KioskClientCertExpiringSoon` and `KioskDiskLow` have series to look at. The
//! readings themselves (`leaf_not_after`, `free_space`) are also what the technician's
//! readiness checks (`maintenance::checks`) report.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use super::metrics::Metrics;

/// How often the vitals are read again: a renewed certificate or a filling disk shows
/// within a minute, at the cost of one small file read and one `statvfs`.
pub const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// Where the kiosk's client certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertSource {
    /// The configured file, read again each time: renewal replaces it in place.
    File(PathBuf),
    /// Held in memory (the demo's throwaway certificate).
    Pem(Vec<u8>),
}

/// The running refresher; dropping it stops the thread (after its current read).
pub struct Vitals {
    _stop: mpsc::Sender<()>,
}

impl Vitals {
    /// Reads the vitals now, then every `every`, on a thread named `vitals`.
    pub fn start(metrics: Arc<Metrics>, cert: CertSource, disk: PathBuf, every: Duration) -> std::io::Result<Vitals> {
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new().name("vitals".into()).spawn(move || {
            loop {
                if every.as_secs() < 1000 {
                    refresh(&metrics, &cert, &disk);
                }
                match stopped.recv_timeout(every) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        })?;
        Ok(Vitals { _stop: stop })
    }
}

/// One reading. A value that cannot be read is logged and its series keeps its last value
/// (an unreadable certificate also fails the readiness check and every central request).
pub fn refresh(metrics: &Metrics, cert: &CertSource, disk: &std::path::Path) {
    let pem = match cert {
        CertSource::Pem(pem) => Ok(pem.clone()),
        CertSource::File(path) => std::fs::read(path).map_err(|e| format!("{}: {e}", path.display())),
    };
    match pem.and_then(|pem| leaf_not_after(&pem)) {
        Ok(not_after) => {
            let secs = not_after.to_unix_duration().as_secs();
            metrics.set_cert_expiry(i64::try_from(secs).unwrap_or(i64::MAX));
        }
        Err(why) => tracing::warn!(%why, "client certificate expiry not readable"),
    }
    match free_space(disk) {
        Ok((free, _total)) => metrics.set_disk_free(free),
        Err(why) => tracing::warn!(%why, "free disk space not readable"),
    }
}

/// The first `CERTIFICATE` PEM block of `pem`, markers included.
fn first_pem_block(pem: &[u8]) -> Option<&[u8]> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let start = pem.windows(BEGIN.len()).position(|w| w == BEGIN)?;
    let len = pem[start..].windows(END.len()).position(|w| w == END)?;
    pem.get(start..start + len + END.len())
}

/// notAfter of the first certificate in `pem` (the kiosk's own; intermediates may follow).
pub fn leaf_not_after(pem: &[u8]) -> Result<x509_cert::time::Time, String> {
    // Only the first PEM block is decoded: x509-cert 0.2's `load_pem_chain` panics
    // (subtract overflow) on some malformed input, and a config file is not trusted input.
    let first = first_pem_block(pem).ok_or("no certificate in the PEM file")?;
    let leaf = <x509_cert::Certificate as der::DecodePem>::from_pem(first)
        .map_err(|e| format!("unreadable certificate: {e}"))?;
    Ok(leaf.tbs_certificate.validity.not_after)
}

/// Free and total bytes of the file system holding `path` (or its nearest existing
/// ancestor: the outbox file does not exist before the first report).
pub fn free_space(path: &Path) -> Result<(u64, u64), String> {
    let existing = path.ancestors().find(|p| p.exists()).unwrap_or(Path::new("/"));
    let st = nix::sys::statvfs::statvfs(existing).map_err(|e| format!("{}: {e}", existing.display()))?;
    // The field types differ between 32- and 64-bit targets (ARM SBCs are both).
    #[allow(clippy::unnecessary_cast)]
    let (avail, blocks, frag) = (st.blocks_available() as u64, st.blocks() as u64, st.fragment_size() as u64);
    Ok((avail.saturating_mul(frag), blocks.saturating_mul(frag)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(metrics: &Metrics, name: &str) -> Option<f64> {
        let text = metrics.encode();
        text.lines().find_map(|l| {
            let rest = l.strip_prefix(name)?;
            rest.strip_prefix("{}").unwrap_or(rest).strip_prefix(' ')?.parse().ok()
        })
    }

    #[test]
    fn certificate_expiry_and_free_space_are_exported() {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(vec!["kiosk-01".into()]).expect("params");
        params.not_after = rcgen::date_time_ymd(2031, 1, 2);
        let pem = params.self_signed(&key).expect("cert").pem();
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("kiosk.crt");
        std::fs::write(&file, &pem).expect("write");

        let metrics = Metrics::new();
        assert_eq!(value(&metrics, "kiosk_disk_free_bytes"), None, "nothing before the first reading");
        refresh(&metrics, &CertSource::File(file), &dir.path().join("outbox.sqlite"));
        // 2031-01-02T00:00:00Z
        assert_eq!(value(&metrics, "kiosk_tls_client_cert_expiry_timestamp_seconds"), Some(1_925_078_400.0));
        assert!(value(&metrics, "kiosk_disk_free_bytes").is_some_and(|b| b > 0.0));

        // An unreadable certificate leaves the last value.
        refresh(&metrics, &CertSource::Pem(b"junk".to_vec()), dir.path());
        assert_eq!(value(&metrics, "kiosk_tls_client_cert_expiry_timestamp_seconds"), Some(1_925_078_400.0));
    }
}
