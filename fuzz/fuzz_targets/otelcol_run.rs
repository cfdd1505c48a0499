//! `--set` overrides on the OpenTelemetry Collector scenarios, then a run: whatever the
//! settings, the simulation must finish without a panic (debug assertions on: conservation
//! and queue accounting). Runs whose workload would exceed ~2M spans are skipped to keep
//! executions fast.
#![no_main]
use libfuzzer_sys::fuzz_target;

const BASES: [&str; 3] = [
    include_str!("../../models/otelcol-graphql-hive-limiter.toml"),
    include_str!("../../models/otelcol-graphql-hive-persistent.toml"),
    include_str!("../../models/otelcol-testbed-no-backend-limiter.toml"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let base = BASES[pick as usize % BASES.len()];
    let sets: Vec<String> = text.lines().take(8).map(String::from).collect();
    let Ok(t) = tracesim::scenario::apply_overrides("fuzz.toml", base, &sets) else {
        return;
    };
    let Ok(sc) = tracesim::scenario::parse("fuzz.toml", &t) else {
        return;
    };
    let secs = sc.duration as f64 / 1e9;
    let rate = sc.workload.rate_steps.iter().map(|s| s.1).fold(0.0, f64::max);
    if secs > 600.0 || rate * secs * sc.workload.spans_per_request.mean() > 2e6 {
        return;
    }
    let r = tracesim::pipeline::Simulation::new(&sc, None).run();
    let k = &r.counters;
    assert_eq!(k.generated, k.exported + k.dropped_total() + r.held_end);
});
