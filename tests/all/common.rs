use tracesim::metrics::RunResult;
use tracesim::pipeline::Simulation;
use tracesim::scenario::{self, Scenario};

/// A small scenario: one collector with synchronous ("direct") writes, fixed sizes, no
/// memory limit. Tests change it with `--set`-style overrides.
pub const TINY: &str = r#"
[scenario]
name = "tiny"
duration = "10s"
seed = 1
sample_interval = "1s"

[workload]
arrivals = "constant"
rate = "10/s"
spans_per_request = 1
span_size = "1000B"

[workload.span_shape]
tags = 10

[collector]
kind = "jaeger-v1"
queue_size = 100
num_workers = 1

[collector.memory]
runtime = "go"
go_version = "1.15"
baseline = "10MiB"

[collector.memory.span_model]
queue_item = "48B"
span_struct = "232B"
key_value = "120B"
process_struct = "72B"
span_ref = "64B"
appended_tags = 1
wire_fixed = "170B"
wire_per_tag = "6B"
decode_garbage_per_wire_byte = 2.0
es_doc_fixed = "640B"
es_key_value = "48B"
es_json_per_tag = "37B"

[storage]
kind = "direct"
latency = "50ms"
"#;

pub fn scenario(base: &str, overrides: &[&str]) -> Scenario {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let text = scenario::apply_overrides("test", base, &o).expect("overrides apply");
    scenario::parse("test", &text).unwrap_or_else(|e| panic!("{e}"))
}

pub fn run(base: &str, overrides: &[&str]) -> RunResult {
    Simulation::new(&scenario(base, overrides), None).run()
}

pub fn model(name: &str) -> String {
    let p = format!("{}/models/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

pub fn dropped(r: &RunResult, reason: tracesim::metrics::DropReason) -> u64 {
    r.counters.dropped[reason as usize]
}
