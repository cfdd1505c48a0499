//! Any text as a scenario file: parse and validate must return Ok or an error, never panic;
//! a valid scenario must then build (not run: a valid scenario may be hours of work).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(sc) = tracesim::scenario::parse("fuzz.toml", text) {
            let _ = tracesim::pipeline::Simulation::new(&sc, None);
        }
    }
});
