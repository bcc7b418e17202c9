//! `kiosk.toml` → the kiosk's configuration, parsed and validated as at start. The file is
//! edited by hand and written by the maintenance menu, so it may hold anything. Beyond
//! "no panic": an accepted configuration, written back the way the maintenance menu saves
//! it (`toml::to_string`), reads back as the same configuration, so a save never turns a
//! working kiosk into one that refuses to start or starts differently.
#![no_main]

use adm_config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = Config::parse(text) else { return };
    let _ = config.documents.signer_policy();
    let saved = toml::to_string(&config).expect("an accepted configuration serialises");
    match Config::parse(&saved) {
        Ok(again) => assert_eq!(again, config, "saved as:\n{saved}"),
        Err(e) => panic!("an accepted configuration, saved, is refused: {e}\nsaved as:\n{saved}"),
    }
});
