//! `--set` overrides on a bundled scenario: any override text must give Ok or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;

const BASE: &str = include_str!("../../models/otel-sdk-collector-outage.toml");

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let sets: Vec<String> = text.lines().take(8).map(String::from).collect();
        if let Ok(t) = tracesim::scenario::apply_overrides("fuzz.toml", BASE, &sets) {
            let _ = tracesim::scenario::parse("fuzz.toml", &t);
        }
    }
});
