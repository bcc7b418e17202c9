fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        .with_debug_info(true)
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_bundled_translations("ui/lang");
    slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI must compile");

    // When this firmware was built: the earliest an honest kiosk clock can read
    // (src/clock_floor.rs). SOURCE_DATE_EPOCH for reproducible builds, else now.
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let epoch =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
        });
    println!("cargo:rustc-env=ADM_BUILD_EPOCH={epoch}");
}
