//! Measurement files (CSV and Prometheus JSON): any bytes give a series or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tracesim::measured::{ReadOptions, parse_text};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let plain = ReadOptions::default();
        let mib = ReadOptions {
            unit: Some("MiB".into()),
            labels: vec![("pod".into(), "a".into())],
            ..ReadOptions::default()
        };
        for o in [&plain, &mib] {
            if let Ok(s) = parse_text("fuzz", text, false, o) {
                assert!(s.t.windows(2).all(|w| w[0] < w[1]));
                let _ = s.at(s.duration() / 2.0);
            }
            let _ = parse_text("fuzz.json", text, true, o);
        }
    }
});
