//! `--set` overrides on the OpenTelemetry Collector scenarios, then a run: whatever the
//! settings, the simulation must finish without a panic and conserve spans
//! (`tracesim::fuzzing::otelcol_run`). Build with `-a` for overflow checks.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tracesim::fuzzing::otelcol_run(data);
});
