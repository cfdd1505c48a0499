//! What the fuzz targets do with one input, shared by `fuzz/fuzz_targets/*` and the corpus
//! replay in `tests/all/fuzz_corpus.rs` (so both exercise exactly the same path). Each
//! function returns normally or panics: a panic is the bug the fuzzer looks for.

use crate::import::{Options, jaeger, otelcol};
use crate::pipeline::Simulation;
use crate::scenario;

/// `import`: the text as an OpenTelemetry Collector config (strict, and lenient about
/// unknown component types), as Jaeger settings (one per line) and as an env file. An import
/// that succeeds must load (as a configuration: a run of it may still be over the event
/// budget, which `run` refuses).
pub fn import_any(text: &str) {
    let strict = Options::default();
    let lenient = Options {
        allow_unknown: true,
        ..Options::default()
    };
    for o in [&strict, &lenient] {
        if let Ok(imp) = otelcol::import_otelcol("fuzz.yaml", text, o) {
            scenario::parse_config("fuzz.toml", &imp.toml).expect("an import loads");
        }
    }
    let args: Vec<String> = text.lines().take(16).map(String::from).collect();
    if let Ok(s) = jaeger::parse_args(&args)
        && let Ok(imp) = jaeger::import_jaeger(&s, &strict)
    {
        scenario::parse_config("fuzz.toml", &imp.toml).expect("an import loads");
    }
    if let Ok(s) = jaeger::parse_env_file("fuzz.env", text) {
        let _ = jaeger::import_jaeger(&s, &strict);
    }
}

const OTELCOL_BASES: [&str; 3] = [
    include_str!("../models/otelcol-graphql-hive-limiter.toml"),
    include_str!("../models/otelcol-graphql-hive-persistent.toml"),
    include_str!("../models/otelcol-testbed-no-backend-limiter.toml"),
];

/// `otelcol_run`: the first byte picks an OpenTelemetry Collector model, the rest is up to 8
/// `--set` lines; a valid result is run (skipped above ~2M spans or 10 minutes, to keep
/// executions fast) and must conserve spans.
pub fn otelcol_run(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let base = OTELCOL_BASES[pick as usize % OTELCOL_BASES.len()];
    let sets: Vec<String> = text.lines().take(8).map(String::from).collect();
    let Ok(t) = scenario::apply_overrides("fuzz.toml", base, &sets) else {
        return;
    };
    let Ok(sc) = scenario::parse("fuzz.toml", &t) else {
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
    let r = Simulation::new(&sc, None).run();
    let k = &r.counters;
    assert_eq!(k.generated, k.exported + k.dropped_total() + r.held_end);
}
