//! The committed fuzzing corpus (fuzz/corpus, minimised by `cargo fuzz cmin`) replayed through
//! the same entry points as the fuzz targets: none may panic. Inputs that once crashed a
//! target go to fuzz/regressions/<target>/ and are replayed here too.

use std::path::Path;
use tracesim::measured::{ReadOptions, parse_text};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut v = vec![];
    for dir in ["fuzz/corpus", "fuzz/regressions"] {
        let d = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join(target);
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            v.push((
                e.path().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    v.sort();
    v
}

#[test]
fn scenario_corpus_never_panics() {
    let all = inputs("scenario");
    assert!(!all.is_empty());
    for (name, data) in all {
        let r = std::panic::catch_unwind(|| {
            if let Ok(text) = std::str::from_utf8(&data)
                && let Ok(sc) = tracesim::scenario::parse("fuzz.toml", text)
            {
                let _ = tracesim::pipeline::Simulation::new(&sc, None);
            }
        });
        assert!(r.is_ok(), "{name}");
    }
}

#[test]
fn overrides_corpus_never_panics() {
    let base = include_str!("../../models/otel-sdk-collector-outage.toml");
    for (name, data) in inputs("overrides") {
        let r = std::panic::catch_unwind(|| {
            if let Ok(text) = std::str::from_utf8(&data) {
                let sets: Vec<String> = text.lines().take(8).map(String::from).collect();
                if let Ok(t) = tracesim::scenario::apply_overrides("fuzz.toml", base, &sets) {
                    let _ = tracesim::scenario::parse("fuzz.toml", &t);
                }
            }
        });
        assert!(r.is_ok(), "{name}");
    }
}

#[test]
fn measured_corpus_never_panics() {
    for (name, data) in inputs("measured") {
        let r = std::panic::catch_unwind(|| {
            if let Ok(text) = std::str::from_utf8(&data) {
                let o = ReadOptions::default();
                let _ = parse_text("fuzz", text, false, &o);
                let _ = parse_text("fuzz.json", text, true, &o);
            }
        });
        assert!(r.is_ok(), "{name}");
    }
}

#[test]
fn import_corpus_never_panics() {
    let all = inputs("import");
    assert!(!all.is_empty());
    for (name, data) in all {
        let r = std::panic::catch_unwind(|| {
            if let Ok(text) = std::str::from_utf8(&data) {
                tracesim::fuzzing::import_any(text);
            }
        });
        assert!(r.is_ok(), "{name}");
    }
}

#[test]
fn otelcol_run_corpus_never_panics() {
    let all = inputs("otelcol_run");
    assert!(!all.is_empty());
    for (name, data) in all {
        let r = std::panic::catch_unwind(|| tracesim::fuzzing::otelcol_run(&data));
        assert!(r.is_ok(), "{name}");
    }
}
