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
            if let Ok(text) = std::str::from_utf8(&data) {
                if let Ok(sc) = tracesim::scenario::parse("fuzz.toml", text) {
                    let _ = tracesim::pipeline::Simulation::new(&sc, None);
                }
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
                import_both(text);
            }
        });
        assert!(r.is_ok(), "{name}");
    }
}

/// What the `import` fuzz target does with one input: an OpenTelemetry Collector config, and
/// its lines as Jaeger settings and as an env file. An import that succeeds must load.
fn import_both(text: &str) {
    use tracesim::import::{Options, jaeger, otelcol};
    let o = Options::default();
    if let Ok(imp) = otelcol::import_otelcol("fuzz.yaml", text, &o) {
        tracesim::scenario::parse("fuzz.toml", &imp.toml).expect("an import loads");
    }
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

#[test]
fn otelcol_run_corpus_never_panics() {
    let bases = [
        include_str!("../../models/otelcol-graphql-hive-limiter.toml"),
        include_str!("../../models/otelcol-graphql-hive-persistent.toml"),
        include_str!("../../models/otelcol-testbed-no-backend-limiter.toml"),
    ];
    let all = inputs("otelcol_run");
    assert!(!all.is_empty());
    for (name, data) in all {
        let r = std::panic::catch_unwind(|| {
            let Some((&pick, rest)) = data.split_first() else {
                return;
            };
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            let sets: Vec<String> = text.lines().take(8).map(String::from).collect();
            let base = bases[pick as usize % bases.len()];
            let Ok(t) = tracesim::scenario::apply_overrides("fuzz.toml", base, &sets) else {
                return;
            };
            let Ok(sc) = tracesim::scenario::parse("fuzz.toml", &t) else {
                return;
            };
            let secs = sc.duration as f64 / 1e9;
            let rate = sc
                .workload
                .rate_steps
                .iter()
                .map(|s| s.1)
                .fold(0.0, f64::max);
            if secs > 600.0 || rate * secs * sc.workload.spans_per_request.mean() > 2e6 {
                return;
            }
            let r = tracesim::pipeline::Simulation::new(&sc, None).run();
            let k = &r.counters;
            assert_eq!(k.generated, k.exported + k.dropped_total() + r.held_end);
        });
        assert!(r.is_ok(), "{name}");
    }
}
