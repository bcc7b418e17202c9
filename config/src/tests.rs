//! Tests of the configuration file: defaults, a real kiosk, refusals naming their key.

use super::*;

#[test]
fn empty_file_is_the_demo_configuration() {
    let c = Config::parse("").expect("defaults are valid");
    assert_eq!(c, Config::default());
    assert_eq!(c.timeouts.warning_seconds, 30);
}

#[test]
fn a_real_kiosk_configuration() {
    let c = Config::parse(
        r#"
        kiosk_id = "ADM-3201-07"
        site = "Kecamatan Cibinong"
        [server]
        url = "https://siak.example.go.id"
        ca = "/etc/adm-kiosk/central-ca.pem"
        client_cert = "/etc/adm-kiosk/kiosk.crt"
        client_key = "/etc/adm-kiosk/kiosk.key"
        signature_anchors = ["/etc/adm-kiosk/bsre-root.pem"]
        [printers]
        a4 = "ipp://127.0.0.1:60000/ipp/print"
        receipt = "usb://0416:5011"
        receipt_width_mm = 58
        a4_scaling = "fit"
        [camera]
        device = "/dev/video0"
        "#,
    )
    .expect("valid");
    assert_eq!(c.printers.receipt_width_mm, 58);
    assert_eq!(c.printers.a4_scaling, A4Scaling::Fit);
}

/// USB printers are named by hex VID:PID. A URL parser takes the PID for a port number
/// and refused every PID with a letter in it (the VM lab's HP LaserJet, 03f0:5c17).
#[test]
fn usb_printers_by_hex_vid_pid() {
    let c =
        Config::parse("[printers]\na4 = \"usb://03f0:5c17/CNB9R12345\"\nreceipt = \"usb://04B8:0E28\"").expect("valid");
    assert_eq!(c.printers.a4.as_str(), "usb://03f0:5c17/CNB9R12345");
    for (text, key) in [
        ("[printers]\na4 = \"usb://03f0\"", "printers.a4"),
        ("[printers]\nreceipt = \"usb://xyz:5c17\"", "printers.receipt"),
        ("[printers]\nreceipt = \"usb://04b8:0e28:1\"", "printers.receipt"),
    ] {
        match Config::parse(text) {
            Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

/// Issue #13, item 13: the kiosk accepts exactly the PIN lengths the API does
/// (`shape::PIN_DIGITS`, 4-8): a length the client would refuse is refused here, at
/// load, with a message naming the key.
#[test]
fn pin_length_is_the_apis_rule() {
    for n in adm_central_client::api::shape::PIN_DIGITS {
        assert_eq!(Config::parse(&format!("pin_length = {n}")).expect("accepted").pin_length, n);
        assert!(adm_central_client::api::shape::is_pin(&"7".repeat(n)));
    }
    let e = Config::parse("pin_length = 10").expect_err("refused");
    assert_eq!(
        e.to_string(),
        "invalid setting `pin_length`: must be 4-8 digits (the PIN length the central server issues)"
    );
}

#[test]
fn refuses_bad_values_with_the_key_named() {
    for (text, key) in [
        ("kiosk_id = \"a b\"", "kiosk_id"),
        ("language = \"fr\"", "language"),
        ("[server]\nurl = \"http://x\"", "server.url"),
        ("[server]\nurl = \"https://x\"", "server"),
        ("[timeouts]\nwarning_seconds = 10", "timeouts.warning_seconds"),
        ("[timeouts]\nidle_seconds = 35", "timeouts.idle_seconds"),
        ("[timeouts]\nsession_limit_seconds = 60", "timeouts.session_limit_seconds"),
        ("pin_length = 2", "pin_length"),
        ("pin_length = 9", "pin_length"),
        ("[timeouts]\ntechnician_idle_seconds = 20", "timeouts.technician_idle_seconds"),
        ("[timeouts]\ntechnician_idle_seconds = 3600", "timeouts.technician_idle_seconds"),
        ("[printers]\na4 = \"lpt1\"", "printers.a4"),
        ("[printers]\nreceipt_width_mm = 76", "printers.receipt_width_mm"),
        ("[printers]\na4_scaling = \"shrink\"", "printers.a4_scaling"),
        ("[camera]\ndevice = \"/tmp/x\"", "camera.device"),
        ("[update]\ncheck_every_secs = 5", "update.check_every_secs"),
    ] {
        match Config::parse(text) {
            Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn technicians_need_unique_ids_and_argon2id_hashes() {
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$3Xb4Q0o5Cz1dC0Zl1X7jZy2tQm8Jq9Vf0Qy0c0vH5Ss";
    let entry = |id: &str, pin_hash: &str| {
        format!("[[technicians]]\nid = \"{id}\"\nname = \"Budi\"\npin_hash = \"{pin_hash}\"\n")
    };
    let c = Config::parse(&entry("T-01", hash)).expect("valid");
    assert_eq!(c.technicians[0].id, "T-01");
    assert!(!format!("{:?}", c.technicians[0]).contains("argon2"), "Debug must not show the hash");
    for text in [
        entry("T-01", "123456"),
        entry("T-01", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
        entry("a b", hash),
        entry("T-01", hash) + &entry("T-01", hash),
    ] {
        match Config::parse(&text) {
            Err(ConfigError::Invalid { key, .. }) => assert_eq!(key, "technicians", "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn document_signer_policy() {
    let d = Config::default().documents;
    assert_eq!(d.signer_eku.len(), 4);
    assert!(d.signer_eku.iter().any(|o| o == "1.3.6.1.5.5.7.3.36"));
    assert_eq!(d.signer_policy().crl_grace, std::time::Duration::from_secs(7 * 24 * 3600));
    let c = Config::parse("[documents]\nsigner_eku = [\"1.3.6.1.5.5.7.3.36\"]\ncrl_grace_hours = 24").expect("valid");
    assert_eq!(c.documents.signer_policy().eku, vec!["1.3.6.1.5.5.7.3.36".to_owned()]);
    // An empty list narrows the rule (only signers without an EKU), it is valid.
    assert!(Config::parse("[documents]\nsigner_eku = []").expect("valid").documents.signer_eku.is_empty());
    for text in ["[documents]\nsigner_eku = [\"emailProtection\"]", "[documents]\ncrl_grace_hours = 10000"] {
        match Config::parse(text) {
            Err(ConfigError::Invalid { key, .. }) => assert!(key.starts_with("documents."), "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(Config::parse("[documents]\ncheck_revocation = false").is_err());
}

/// Found by the `kiosk_toml` fuzz target: an OID arc past 32 bits made the OID parser
/// overflow (a panic with overflow checks on) instead of a refusal naming the key.
#[test]
fn an_oid_arc_too_long_for_32_bits_is_refused_not_a_panic() {
    let arc = "6".repeat(130);
    for oid in [format!("1.36..0.{arc}5.5si6.036"), format!("1.3.6.{arc}"), "1.3.6.4294967296".to_owned()] {
        let text = format!("[documents]\nsigner_eku = [\"{oid}\"]");
        match Config::parse(&text) {
            Err(ConfigError::Invalid { key, .. }) => assert_eq!(key, "documents.signer_eku"),
            other => panic!("{oid}: {other:?}"),
        }
    }
    assert!(Config::parse("[documents]\nsigner_eku = [\"1.3.6.4294967295\"]").is_ok());
}

#[test]
fn refuses_unknown_keys() {
    let err = Config::parse("verify_signatures = false").expect_err("unknown key");
    assert!(err.to_string().contains("unknown field"), "{err}");
}

/// The typed values (`language`, `server.url`, devices, `a4_scaling`) are written back
/// exactly as they are read: a file saved by the maintenance menu loads on any version.
#[test]
fn typed_values_keep_the_file_format() {
    let text = r#"
        language = "en"
        [server]
        url = "https://siak.example.go.id"
        ca = "/etc/adm-kiosk/central-ca.pem"
        client_cert = "/etc/adm-kiosk/kiosk.crt"
        client_key = "/etc/adm-kiosk/kiosk.key"
        signature_anchors = ["/etc/adm-kiosk/bsre-root.pem"]
        [printers]
        a4 = "ipp://127.0.0.1:60000/ipp/print"
        receipt = "sim"
        a4_scaling = "fit"
        [camera]
        device = "/dev/video0"
        "#;
    let c = Config::parse(text).expect("valid");
    assert_eq!(c.language, Language::En);
    assert_eq!(c.server.url, ServerUrl::Remote("https://siak.example.go.id".into()));
    assert_eq!(c.printers.receipt, Device::Sim);
    assert_eq!(c.camera.device, Device::Real("/dev/video0".into()));
    let saved = toml::to_string(&c).expect("serialises");
    for line in [
        "language = \"en\"",
        "url = \"https://siak.example.go.id\"",
        "a4 = \"ipp://127.0.0.1:60000/ipp/print\"",
        "receipt = \"sim\"",
        "a4_scaling = \"fit\"",
        "device = \"/dev/video0\"",
    ] {
        assert!(saved.lines().any(|l| l == line), "{line} missing in\n{saved}");
    }
    assert_eq!(Config::parse(&saved).expect("reloads"), c);
    assert!(toml::to_string(&Config::default()).expect("serialises").contains("url = \"demo\""));
}
