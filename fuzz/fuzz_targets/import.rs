//! `tracesim import`: any text as an OpenTelemetry Collector config, as Jaeger command-line
//! settings (one per line) and as an env file must give a scenario or an error, never a
//! panic; a scenario an import gives must load (`tracesim::fuzzing::import_any`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        tracesim::fuzzing::import_any(text);
    }
});
