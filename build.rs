fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        .with_debug_info(true)
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_bundled_translations("ui/lang");
    slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI must compile");
}
