//! Every span generated is, at every sample, exported, dropped with a reason, or held in
//! exactly one buffer (queue, a worker, a bulk buffer).

use crate::common::*;
use tracesim::metrics::RunResult;

pub fn check(r: &RunResult) {
    assert!(!r.samples.is_empty());
    for s in &r.samples {
        assert_eq!(
            s.spans_generated,
            s.spans_exported + s.spans_dropped + s.spans_held,
            "at t = {} ns",
            s.t
        );
        if !s.up {
            assert_eq!(
                s.queue_items + s.worker_items + s.bulk_items,
                0,
                "a dead process holds nothing"
            );
        }
    }
    // The components' buffers at one instant add up to what the pipeline holds.
    for rows in r.samples.chunk_by(|a, b| a.t == b.t) {
        let parts: u64 = rows
            .iter()
            .map(|s| s.queue_items + s.worker_items + s.bulk_items)
            .sum();
        assert_eq!(rows[0].spans_held, parts, "at t = {} ns", rows[0].t);
    }
    let c = &r.counters;
    assert_eq!(c.generated, c.exported + c.dropped_total() + r.held_end);
    let last = r.samples.last().unwrap();
    assert!(last.spans_generated <= c.generated);
}

#[test]
fn conservation_in_every_bundled_scenario() {
    for m in [
        "jaeger-collector-es-outage.toml",
        "jaeger-collector-es-outage-1gib.toml",
        "jaeger-collector-es-outage-15mib.toml",
        "jaeger-collector-healthy.toml",
        "istio-ingress-datadog.toml",
        "istio-ingress-datadog-span-limit.toml",
        "otel-sdk-collector-refused.toml",
        "otel-sdk-collector-hung.toml",
        "otel-sdk-collector-outage.toml",
    ] {
        let r = run(&model(m), &["scenario.duration=\"8m\""]);
        check(&r);
    }
}

#[test]
fn conservation_through_hangs_timeouts_rejections_and_oom() {
    let es = model("jaeger-collector-es-outage.toml");
    // Hung Elasticsearch with a client timeout, item rejections, throughput cap.
    check(&run(
        &es,
        &[
            "scenario.duration=\"8m\"",
            "storage.outages.0.mode=\"hang\"",
            "storage.outages.0.duration=\"90s\"",
            "storage.timeout=\"20s\"",
            "storage.error_rate=0.01",
            "storage.throughput=\"2000/s\"",
        ],
    ));
    // Synchronous writes with errors, a small limit (repeated OOM kills).
    check(&run(
        TINY,
        &[
            "workload.arrivals=\"poisson\"",
            "workload.rate=\"300/s\"",
            "scenario.duration=\"3m\"",
            "storage.error_rate=0.05",
            "storage.outages=[{start = \"30s\", duration = \"60s\", mode = \"hang\"}]",
            "collector.queue_size=20000",
            "collector.memory.limit=\"40MiB\"",
        ],
    ));
}
