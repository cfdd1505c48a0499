//! `tracesim import`: any text as an OpenTelemetry Collector config, as Jaeger command-line
//! settings (one per line) and as an env file must give a scenario or an error, never a
//! panic; a scenario an import gives must load.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tracesim::import::{jaeger, otelcol, Options};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let o = Options::default();
        if let Ok(imp) = otelcol::import_otelcol("fuzz.yaml", text, &o) {
            tracesim::scenario::parse("fuzz.toml", &imp.toml).expect("an import loads");
        }
        // Past the component-type check too (custom builds), deeper into the mapping.
        let lenient = Options {
            allow_unknown: true,
            ..Options::default()
        };
        if let Ok(imp) = otelcol::import_otelcol("fuzz.yaml", text, &lenient) {
            tracesim::scenario::parse("fuzz.toml", &imp.toml).expect("an import loads");
        }
        let args: Vec<String> = text.lines().take(16).map(String::from).collect();
        if let Ok(s) = jaeger::parse_args(&args) {
            if let Ok(imp) = jaeger::import_jaeger(&s, &o) {
                tracesim::scenario::parse("fuzz.toml", &imp.toml).expect("an import loads");
            }
        }
        if let Ok(s) = jaeger::parse_env_file("fuzz.env", text) {
            let _ = jaeger::import_jaeger(&s, &o);
        }
    }
});
