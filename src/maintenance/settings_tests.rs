use std::os::unix::fs::PermissionsExt;

use super::*;

const REAL: &str = r#"
kiosk_id = "ADM-3201-07"
site = "Kecamatan Cibinong"
[server]
url = "https://siak.example.go.id"
ca = "/etc/adm-kiosk/central-ca.pem"
client_cert = "/etc/adm-kiosk/kiosk.crt"
client_key = "/etc/adm-kiosk/kiosk.key"
signature_anchors = ["/etc/adm-kiosk/bsre-root.pem"]
[printers]
receipt_width_mm = 58
[[technicians]]
id = "T-01"
name = "Budi Santoso"
pin_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$3Xb4Q0o5Cz1dC0Zl1X7jZy2tQm8Jq9Vf0Qy0c0vH5Ss"
"#;

fn real() -> Config {
    Config::parse(REAL).expect("valid configuration")
}

fn edited() -> Settings {
    Settings {
        kiosk_id: "ADM-3201-08".into(),
        site: "MPP Cibinong".into(),
        server_url: "https://siak2.example.go.id:8443".into(),
        idle_seconds: 120,
        warning_seconds: 40,
        session_limit_seconds: 900,
        language: "en".into(),
    }
}

fn refused(config: &Config, change: impl FnOnce(&mut Settings)) -> SettingsError {
    let mut s = Settings::from_config(config);
    change(&mut s);
    apply(config, &s).expect_err("must be refused")
}

#[test]
fn applied_settings_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kiosk.toml");
    std::fs::write(&path, REAL).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let next = apply(&real(), &edited()).expect("valid settings");
    save(&path, &next).expect("saved");
    let loaded = Config::load(&path).expect("the saved file loads");
    assert_eq!(loaded, next);
    assert_eq!(Settings::from_config(&loaded), edited());
    assert_eq!(loaded.technicians, real().technicians, "technicians are kept");
    assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o640);
    let files: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
    assert_eq!(files.len(), 1, "no temporary file left behind");
}

#[test]
fn the_demo_configuration_round_trips_too() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kiosk.toml");
    let mut s = Settings::from_config(&Config::default());
    s.site = "  Kecamatan Demo 2 ".into();
    let next = apply(&Config::default(), &s).expect("valid");
    assert_eq!(next.site, "Kecamatan Demo 2", "input is trimmed");
    save(&path, &next).expect("saved");
    assert_eq!(Config::load(&path).expect("loads"), next);
}

#[test]
fn verification_settings_cannot_be_reached() {
    let before = real();
    let after = apply(&before, &edited()).expect("valid");
    assert_eq!(after.server.ca, before.server.ca);
    assert_eq!(after.server.client_cert, before.server.client_cert);
    assert_eq!(after.server.client_key, before.server.client_key);
    assert_eq!(after.server.signature_anchors, before.server.signature_anchors);
    // Nor through extra fields smuggled into the settings form.
    let json = r#"{"kiosk_id":"A","site":"B","server_url":"https://x.example","idle_seconds":90,
        "warning_seconds":30,"session_limit_seconds":600,"language":"id","ca":"/tmp/evil.pem"}"#;
    assert!(serde_json::from_str::<Settings>(json).is_err());
    // Demo mode (its own CA and trust anchor) is not a choice on a real kiosk.
    assert_eq!(refused(&before, |s| s.server_url = "demo".into()).field, "server_url");
}

#[test]
fn bad_values_are_refused_with_the_field_named() {
    let config = real();
    type Change = Box<dyn FnOnce(&mut Settings)>;
    let cases: [(&str, Change); 10] = [
        ("server_url", Box::new(|s| s.server_url = "http://siak.example.go.id".into())),
        ("server_url", Box::new(|s| s.server_url = "not a url".into())),
        ("server_url", Box::new(|s| s.server_url = "https://".into())),
        ("warning_seconds", Box::new(|s| s.warning_seconds = 10)),
        ("warning_seconds", Box::new(|s| s.warning_seconds = 500)),
        ("idle_seconds", Box::new(|s| s.idle_seconds = 35)),
        ("session_limit_seconds", Box::new(|s| s.session_limit_seconds = 5000)),
        ("kiosk_id", Box::new(|s| s.kiosk_id = "ADM 01".into())),
        ("site", Box::new(|s| s.site = "   ".into())),
        ("language", Box::new(|s| s.language = "fr".into())),
    ];
    for (field, change) in cases {
        let e = refused(&config, change);
        assert_eq!(e.field, field, "{e}");
        assert!(!e.message.is_empty());
    }
    let e = refused(&config, |s| s.server_url = "ftp://x".into());
    assert_eq!(e.to_string(), "server_url: must be an https:// URL (or \"demo\")");
}

#[test]
fn leaving_demo_mode_needs_provisioning() {
    let e = refused(&Config::default(), |s| s.server_url = "https://siak.example.go.id".into());
    assert_eq!(e.field, "server_url");
    assert!(e.message.contains("not provisioned"), "{e}");
}

#[test]
fn only_a_new_server_needs_a_restart() {
    let before = real();
    let mut s = Settings::from_config(&before);
    s.idle_seconds = 100;
    assert!(!restart_needed(&before, &apply(&before, &s).expect("valid")));
    assert!(restart_needed(&before, &apply(&before, &edited()).expect("valid")));
}
