//! The updater against the real reference server on loopback: publish, check, download,
//! hand over; then the root helper's records as it writes them, and what the kiosk makes
//! of them (reboot request, installed, rolled back, refused) in its view and metrics.

use super::*;
use crate::telemetry::metrics::Metrics;

struct Fixture {
    _dir: tempfile::TempDir,
    demo: adm_central::demo::DemoServer,
    paths: Paths,
    metrics: Arc<Metrics>,
    updater: Updater,
}

fn fixture(running: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    let paths = Paths {
        dir: root.join("kiosk/update"),
        status: root.join("adm/update/status"),
        os_release: root.join("os-release"),
        booted: root.join("booted"),
    };
    std::fs::create_dir_all(root.join("adm/update")).expect("status dir");
    std::fs::write(&paths.os_release, format!("IMAGE_ID=adm-kiosk\nIMAGE_VERSION=\"{running}\"\n")).expect("os");
    std::fs::write(&paths.booted, "boot_id=boot-1\nslot=a\n").expect("booted");
    let demo = adm_central::demo::spawn(adm_central::demo::DemoOptions::default()).expect("reference server");
    let client = adm_central_client::CentralClient::new(demo.client_config()).expect("client");
    let metrics = Arc::new(Metrics::new());
    let updater = Updater::new(client, paths.clone(), Duration::from_secs(3600), metrics.clone());
    Fixture { _dir: dir, demo, paths, metrics, updater }
}

impl Fixture {
    fn publish(&self, bytes: &[u8], version: &str) -> UpdateOffer {
        let file = self.demo.state_dir.join("upload.raucb");
        std::fs::write(&file, bytes).expect("bundle");
        adm_central::updates::UpdateStore::new(self.demo.state_dir.join("updates"))
            .publish(&file, version)
            .expect("publish")
    }

    /// What `/usr/lib/adm-kiosk/update install` writes.
    fn helper_records(&self, result: &str, offer: &UpdateOffer, boot: &str) {
        std::fs::remove_file(self.paths.ready()).expect("the helper takes the hand-over");
        std::fs::write(
            &self.paths.status,
            format!("version={}\nsha256={}\nresult={result}\nboot_id={boot}\nmessage=\n", offer.version, offer.sha256),
        )
        .expect("status");
    }

    /// A reboot into `version` (slot b).
    fn reboot_into(&self, version: &str, boot: &str) {
        std::fs::write(&self.paths.os_release, format!("IMAGE_VERSION={version}\n")).expect("os");
        std::fs::write(&self.paths.booted, format!("boot_id={boot}\nslot=b\n")).expect("booted");
    }

    fn failed(&self) -> Vec<String> {
        let text = self.metrics.encode();
        text.lines().filter(|l| l.starts_with("kiosk_update_failed{") && l.ends_with(" 1")).map(str::to_owned).collect()
    }
}

fn bundle(seed: u8) -> Vec<u8> {
    (0..1_500_000u32).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

#[test]
fn a_published_update_is_downloaded_handed_over_and_rebooted_into_when_idle() {
    let f = fixture("1.0.0");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("tokio");
    // Nothing published: nothing happens, the running image is reported.
    rt.block_on(f.updater.check()).expect("check");
    assert!(!f.paths.ready().exists());
    assert!(f.metrics.encode().contains(r#"kiosk_image_info{version="1.0.0",slot="a"} 1"#));

    let bytes = bundle(1);
    let offer = f.publish(&bytes, "2.0.0");
    rt.block_on(f.updater.check()).expect("check");
    assert_eq!(std::fs::read(f.paths.dir.join("bundle.raucb")).expect("bundle"), bytes);
    let ready = std::fs::read_to_string(f.paths.ready()).expect("handed over");
    assert!(ready.contains("version=2.0.0") && ready.contains(&offer.sha256), "{ready}");
    assert!(!f.paths.dir.join("bundle.partial").exists());

    // Handed over: no second download while the helper has it.
    rt.block_on(f.updater.check()).expect("check");
    let handle = f.updater.handle();
    handle.on_idle();
    assert!(!f.paths.reboot().exists(), "nothing installed yet");

    // The helper installed it in this boot: the reboot waits for an idle kiosk.
    f.helper_records("installed", &offer, "boot-1");
    rt.block_on(f.updater.check()).expect("check");
    assert_eq!(handle.view().outcome, Outcome::RebootPending { version: "2.0.0".into() });
    handle.on_idle();
    assert!(f.paths.reboot().exists(), "asked for the reboot");

    // Rebooted into the new version: up to date, nothing failed, nothing downloaded again.
    std::fs::remove_file(f.paths.reboot()).expect("the helper takes the request");
    f.reboot_into("2.0.0", "boot-2");
    rt.block_on(f.updater.check()).expect("check");
    assert_eq!(handle.view().outcome, Outcome::Installed { version: "2.0.0".into() });
    assert!(!f.paths.ready().exists());
    assert!(f.metrics.encode().contains(r#"kiosk_image_info{version="2.0.0",slot="b"} 1"#));
    assert!(f.failed().is_empty(), "{:?}", f.failed());
    handle.on_idle();
    assert!(!f.paths.reboot().exists(), "no second reboot");
}

#[test]
fn a_rolled_back_or_refused_bundle_is_reported_and_not_tried_again() {
    let f = fixture("2.0.0");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("tokio");
    let broken = f.publish(&bundle(2), "2.0.1");
    rt.block_on(f.updater.check()).expect("check");
    f.helper_records("installed", &broken, "boot-1");
    // Its slot never passed the boot check: the machine came back on 2.0.0.
    f.reboot_into("2.0.0", "boot-4");
    rt.block_on(f.updater.check()).expect("check");
    assert!(matches!(f.updater.handle().view().outcome, Outcome::RolledBack { .. }));
    assert_eq!(f.failed(), [r#"kiosk_update_failed{reason="rollback"} 1"#]);
    assert!(!f.paths.ready().exists(), "the same bundle is not installed again");

    // The operator publishes a bundle signed by another key: RAUC refuses it.
    let foreign = f.publish(&bundle(3), "2.0.2");
    rt.block_on(f.updater.check()).expect("check");
    f.helper_records("failed", &foreign, "boot-4");
    rt.block_on(f.updater.check()).expect("check");
    assert_eq!(f.failed(), [r#"kiosk_update_failed{reason="install"} 1"#]);
    assert!(!f.paths.ready().exists(), "not downloaded again");

    // A bundle that does not arrive whole (the file changed under the offer).
    let good = f.publish(&bundle(4), "2.1.0");
    std::fs::write(f.demo.state_dir.join("updates").join(format!("{}.raucb", good.sha256)), b"cut").expect("cut");
    assert!(rt.block_on(f.updater.check()).is_err());
    assert_eq!(f.failed(), [r#"kiosk_update_failed{reason="download"} 1"#]);
    assert!(!f.paths.ready().exists() && !f.paths.dir.join("bundle.partial").exists());
}

#[test]
fn off_a_kiosk_image_nothing_is_asked() {
    let f = fixture("1.0.0");
    std::fs::write(&f.paths.os_release, "ID=debian\n").expect("os");
    f.publish(&bundle(5), "2.0.0");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio");
    rt.block_on(f.updater.check()).expect("check");
    assert!(!f.paths.ready().exists());
    assert!(!f.metrics.encode().contains("kiosk_image_info{"));
}
