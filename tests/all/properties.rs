//! Property tests over random valid scenarios: conservation at every sample, memory
//! accounting, time order, drops only at a bound, determinism.

use crate::common::*;
use proptest::prelude::*;
use tracesim::metrics::{DropReason, RunResult};
use tracesim::output;
use tracesim::pipeline::Simulation;

#[derive(Debug, Clone)]
struct Case {
    overrides: Vec<String>,
    has_limit: bool,
    has_outage: bool,
    has_errors: bool,
    seed: u64,
}

/// Outage windows as a TOML array: (gap after the previous one, length, hang?) in seconds.
fn outage_list(outages: &[(u32, u32, bool)]) -> String {
    let mut t = 0;
    let mut w = Vec::new();
    for (gap, len, hang) in outages {
        let start = t + gap;
        w.push(format!(
            "{{start = \"{start}s\", duration = \"{len}s\", mode = \"{}\"}}",
            if *hang { "hang" } else { "refuse" }
        ));
        t = start + len;
    }
    format!("[{}]", w.join(", "))
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            1u32..500,
            prop::bool::ANY,
            1u32..10,
            100u32..5000,
            0.0f64..1.0,
            prop::bool::ANY,
            1u32..200_000,
        ),
        (
            prop::option::of(100u32..5000),
            prop::option::of(0.0f64..0.2),
            prop::collection::vec((0u32..50, 1u32..30, prop::bool::ANY), 0..3),
            prop::option::of(1u32..20),
        ),
        (
            0u64..5000,
            prop::option::of(1u32..50),
            1u32..60,
            prop::option::of(12u32..200),
            5u32..60,
            any::<u64>(),
            prop::bool::ANY,
        ),
    )
        .prop_map(
            |(
                (rate, poisson, spr, size, sigma, es, lat_us),
                (tput, err, outages, timeout),
                (queue, qmem, workers, limit, dur, seed, by_request),
            )| {
                let mut o = vec![
                    format!("workload.rate=\"{rate}/s\""),
                    format!(
                        "workload.arrivals=\"{}\"",
                        if poisson { "poisson" } else { "constant" }
                    ),
                    format!("workload.spans_per_request={{ dist = \"uniform\", min = 1, max = {spr} }}"),
                    format!("workload.span_size={{ dist = \"lognormal\", mean = \"{size}B\", sigma = {sigma} }}"),
                    format!("storage.kind=\"{}\"", if es { "elasticsearch" } else { "direct" }),
                    format!("storage.latency={{ dist = \"exponential\", mean = \"{lat_us}us\" }}"),
                    format!("collector.queue_size={queue}"),
                    format!("collector.num_workers={workers}"),
                    format!("scenario.duration=\"{dur}s\""),
                ];
                if let Some(t) = tput {
                    o.push(format!("storage.throughput=\"{t}/s\""));
                }
                if let Some(e) = err {
                    o.push(format!("storage.error_rate={e}"));
                }
                if let Some(t) = timeout {
                    o.push(format!("storage.timeout=\"{t}s\""));
                }
                o.push(format!("storage.outages={}", outage_list(&outages)));
                if let Some(q) = qmem {
                    o.push(format!("collector.queue_size_memory=\"{q}MiB\""));
                    o.push("collector.resize_interval=\"5s\"".into());
                }
                if let Some(l) = limit {
                    o.push(format!("collector.memory.limit=\"{l}MiB\""));
                }
                if by_request {
                    // Chunks of up to 9 spans split at full queues, full bulk requests,
                    // blocked workers and synchronous writes.
                    o.push("scenario.resolution=\"request\"".into());
                }
                Case {
                    overrides: o,
                    has_limit: limit.is_some(),
                    has_outage: !outages.is_empty(),
                    has_errors: err.is_some_and(|e| e > 0.0),
                    seed,
                }
            },
        )
}

fn check(c: &Case, r: &RunResult) {
    let baseline = 10 * 1024 * 1024;
    let mut prev: Option<&tracesim::metrics::Sample> = None;
    for s in &r.samples {
        assert_eq!(
            s.spans_generated,
            s.spans_exported + s.spans_dropped + s.spans_held
        );
        assert_eq!(s.spans_held, s.queue_items + s.worker_items + s.bulk_items);
        if s.up {
            assert!(
                s.rss_bytes >= baseline + s.heap_bytes,
                "rss below baseline + heap"
            );
            assert!(s.heap_bytes >= s.live_bytes);
        } else {
            assert_eq!(s.rss_bytes, 0);
            assert_eq!(s.spans_held, 0);
        }
        if let Some(p) = prev {
            assert!(s.t > p.t, "time went backwards");
            assert!(s.spans_generated >= p.spans_generated);
            assert!(s.spans_exported >= p.spans_exported);
            assert!(s.spans_dropped >= p.spans_dropped);
        }
        prev = Some(s);
    }
    let k = &r.counters;
    assert_eq!(k.generated, k.exported + k.dropped_total() + r.held_end);
    let d = |x: DropReason| k.dropped[x as usize];
    if d(DropReason::QueueFull) > 0 {
        assert!(
            k.first_queue_full.is_some() || r.samples.iter().any(|s| s.queue_capacity == Some(0))
        );
    }
    if d(DropReason::Oom) > 0 || d(DropReason::CollectorDown) > 0 {
        assert!(c.has_limit && k.oom_kills > 0);
    }
    if k.oom_kills > 0 {
        assert!(c.has_limit);
    }
    if d(DropReason::StorageError) > 0 {
        assert!(c.has_outage);
    }
    if d(DropReason::StorageRejected) > 0 {
        assert!(c.has_errors);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_keep_the_invariants(c in case()) {
        let o: Vec<&str> = c.overrides.iter().map(String::as_str).collect();
        let sc = scenario(TINY, &o);
        let r = Simulation::new(&sc, Some(c.seed)).run();
        check(&c, &r);
        let again = Simulation::new(&sc, Some(c.seed)).run();
        prop_assert_eq!(output::timeseries_csv(&r).unwrap(), output::timeseries_csv(&again).unwrap());
        prop_assert_eq!(output::summary_csv(&[&r]).unwrap(), output::summary_csv(&[&again]).unwrap());
    }
}

// ---- Pipelines with a tracer ----

const TRACER_ONLY: &str = r#"
[scenario]
name = "tracer"
duration = "20s"

[workload]
rate = "100/s"
spans_per_request = 1
span_size = "500B"

[tracer]
kind = "otel-sdk"

[tracer.memory]
baseline = "5MiB"
span_fixed = "300B"
span_per_wire_byte = 1.0

[agent]
latency = "2ms"
"#;

#[derive(Debug, Clone)]
struct TracerCase {
    text: String,
    overrides: Vec<String>,
    limit: bool,
    outage_or_errors: bool,
    payload_cap: bool,
    sampled_all: bool,
    span_limit: bool,
    with_collector: bool,
    seed: u64,
}

fn tracer_case() -> impl Strategy<Value = TracerCase> {
    (
        (
            prop::bool::ANY,
            0usize..4,
            1u32..3000,
            100u32..3000,
            prop::option::of(50u32..3000),
            1u32..200,
            prop::option::of(0.1f64..1.0),
        ),
        (
            prop::collection::vec((0u32..10, 1u32..10, prop::bool::ANY), 0..3),
            prop::option::of(0.0f64..0.3),
            prop::option::of(1u32..200),
            prop::option::of(6u32..40),
            prop::option::of(10u32..2000),
            prop::bool::ANY,
            any::<u64>(),
        ),
    )
        .prop_map(
            |(
                (datadog, lang, rate, size, dur_ms, queue, ratio),
                (outages, err, payload_kib, limit_mib, span_limit, collector, seed),
            )| {
                let langs = ["go", "rust", "python", "java"];
                let mut o = vec![
                    format!("workload.rate=\"{rate}/s\""),
                    "workload.arrivals=\"poisson\"".into(),
                    format!("workload.span_size={{ dist = \"lognormal\", mean = \"{size}B\", sigma = 0.5 }}"),
                    "workload.spans_per_request={ dist = \"poisson\", mean = 3 }".into(),
                    "scenario.duration=\"20s\"".into(),
                    format!("tracer.memory.baseline=\"5MiB\""),
                    format!("tracer.memory.span_fixed=\"300B\""),
                    format!("tracer.memory.span_per_wire_byte=1.0"),
                ];
                if datadog {
                    o.push("tracer.kind=\"envoy-datadog\"".into());
                    o.push(format!("tracer.workers={}", 1 + queue % 4));
                    if queue % 3 == 0 {
                        o.push("tracer.trace_ids=\"shared\"".into());
                    }
                    if let Some(l) = span_limit {
                        o.push(format!("tracer.span_limit={l}"));
                    }
                } else {
                    o.push("tracer.kind=\"otel-sdk\"".into());
                    o.push(format!("tracer.language=\"{}\"", langs[lang]));
                    o.push(format!("tracer.max_queue_size={}", queue * 10));
                    o.push(format!("tracer.max_export_batch_size={}", (queue * 10).min(64)));
                    o.push("tracer.scheduled_delay=\"1s\"".into());
                    o.push("tracer.exporter_timeout=\"2s\"".into());
                    if let Some(r) = ratio {
                        o.push(format!("tracer.sampler_ratio={r}"));
                    }
                }
                if let Some(d) = dur_ms {
                    o.push(format!("workload.request_duration={{ dist = \"exponential\", mean = \"{d}ms\" }}"));
                }
                o.push(format!("agent.outages={}", outage_list(&outages)));
                if let Some(e) = err {
                    o.push(format!("agent.error_rate={e}"));
                }
                if let Some(p) = payload_kib {
                    o.push(format!("agent.max_payload=\"{p}KiB\""));
                }
                if let Some(l) = limit_mib {
                    o.push(format!("tracer.memory.limit=\"{l}MiB\""));
                }
                let text = if collector {
                    format!("{TINY}\n[tracer]\nkind = \"otel-sdk\"\n[tracer.memory]\nbaseline = \"5MiB\"\nspan_fixed = \"1B\"\nspan_per_wire_byte = 1.0\n[agent]\nlatency = \"2ms\"\n")
                } else {
                    TRACER_ONLY.to_string()
                };
                TracerCase {
                    text,
                    overrides: o,
                    limit: limit_mib.is_some(),
                    outage_or_errors: !outages.is_empty() || err.is_some_and(|e| e > 0.0),
                    payload_cap: payload_kib.is_some(),
                    sampled_all: datadog || ratio.is_none(),
                    span_limit: datadog && span_limit.is_some(),
                    with_collector: collector,
                    seed,
                }
            },
        )
}

fn check_tracer(c: &TracerCase, r: &RunResult) {
    let t = r.tracer.as_ref().expect("tracer stats");
    let mut prev: Option<&tracesim::metrics::Sample> = None;
    for rows in r.samples.chunk_by(|a, b| a.t == b.t) {
        let s = &rows[0];
        assert_eq!(
            s.spans_generated,
            s.spans_exported + s.spans_dropped + s.spans_held
        );
        let parts: u64 = rows
            .iter()
            .map(|x| x.queue_items + x.worker_items + x.bulk_items)
            .sum();
        assert_eq!(s.spans_held, parts, "buffers add up at t = {}", s.t);
        for x in rows.iter().filter(|x| x.component == "tracer") {
            if x.up {
                assert!(x.rss_bytes >= 5 * 1024 * 1024, "rss below baseline");
                assert!(x.heap_bytes >= x.live_bytes);
                // The floor holds what is live, no more than the retained RSS.
                assert!(x.rss_floor_bytes <= x.rss_bytes, "floor above rss");
                assert!(x.rss_floor_bytes >= 5 * 1024 * 1024, "floor below baseline");
                if let Some(b) = t.memory_bound {
                    assert!(x.rss_bytes <= b, "rss {} above its bound {b}", x.rss_bytes);
                }
            } else {
                assert_eq!(x.rss_bytes, 0);
                assert_eq!(x.rss_floor_bytes, 0);
                assert_eq!(x.queue_items + x.worker_items + x.bulk_items, 0);
            }
        }
        for x in rows.iter().filter(|x| x.component != "tracer") {
            assert_eq!(
                x.rss_floor_bytes, x.rss_bytes,
                "a Go heap has no separate floor"
            );
        }
        if let Some(p) = prev {
            assert!(s.t > p.t, "time went backwards");
            assert!(s.spans_dropped >= p.spans_dropped && s.spans_exported >= p.spans_exported);
        }
        prev = Some(s);
    }
    let k = &r.counters;
    assert_eq!(k.generated, k.exported + k.dropped_total() + r.held_end);
    let d = |x: DropReason| k.dropped[x as usize];
    // Drops only where a bound or a failure is.
    if d(DropReason::SpanLimit) > 0 {
        assert!(c.span_limit);
    }
    if d(DropReason::PayloadTooLarge) > 0 {
        assert!(c.payload_cap);
    }
    if d(DropReason::Unsampled) > 0 {
        assert!(!c.sampled_all);
    }
    if d(DropReason::ExportFailed) > 0 {
        assert!(
            c.outage_or_errors || c.with_collector,
            "export failures need a failure"
        );
    }
    if d(DropReason::TracerDown) > 0 || t.oom_kills > 0 {
        assert!(c.limit && t.oom_kills > 0);
    }
    if d(DropReason::TracerQueueFull) > 0 {
        assert!(t.peak_buffered > 0);
    }
    assert!(t.peak_rss <= t.memory_limit.unwrap_or(u64::MAX) || t.oom_kills > 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_tracer_pipelines_keep_the_invariants(c in tracer_case()) {
        let o: Vec<&str> = c.overrides.iter().map(String::as_str).collect();
        let sc = scenario(&c.text, &o);
        let r = Simulation::new(&sc, Some(c.seed)).run();
        check_tracer(&c, &r);
        let again = Simulation::new(&sc, Some(c.seed)).run();
        prop_assert_eq!(output::timeseries_csv(&r).unwrap(), output::timeseries_csv(&again).unwrap());
    }
}

// ---- OpenTelemetry Collector pipelines ----

#[derive(Debug, Clone)]
struct OtelCase {
    text: String,
    overrides: Vec<String>,
    limiter: bool,
    limit: bool,
    outage: bool,
    may_refuse_full: bool,
    small_queue: bool,
    seed: u64,
}

fn otel_case() -> impl Strategy<Value = OtelCase> {
    (
        (
            0usize..4,
            prop::option::of((1u32..5000, 1u32..3)),
            prop::option::of(8u32..200),
            prop::bool::ANY,
            1u32..3000,
            0usize..3,
            1u32..20,
        ),
        (
            prop::bool::ANY,
            prop::bool::ANY,
            prop::option::of(0u32..60),
            prop::collection::vec((0u32..20, 1u32..20, prop::bool::ANY), 0..3),
            prop::option::of(48u32..200),
            prop::bool::ANY,
            prop::option::of(100u32..20_000),
            any::<u64>(),
        ),
        (0usize..4, 10u32..2000),
    )
        .prop_map(
            |(
                (order, batch, limiter_mib, enabled, qsize, sizer, consumers),
                (block, persistent, elapsed, outages, limit_mib, sdk, throughput, seed),
                (version, rate),
            )| {
                let versions = ["0.76.0", "0.119.0", "0.130.0", "0.156.0"];
                let sizers = ["requests", "items", "bytes"];
                let v = versions[version];
                let mut procs = vec![];
                if limiter_mib.is_some() {
                    procs.push("\"memory_limiter\"");
                }
                if batch.is_some() {
                    procs.push("\"batch\"");
                }
                if order % 2 == 1 {
                    procs.reverse();
                }
                let mut o = vec![
                    format!("otelcol.version=\"{v}\""),
                    format!("otelcol.processors=[{}]", procs.join(", ")),
                    format!("workload.rate=\"{rate}/s\""),
                    format!("otelcol.exporter.sending_queue.enabled={enabled}"),
                    format!("otelcol.exporter.sending_queue.num_consumers={consumers}"),
                    format!("otelcol.exporter.sending_queue.block_on_overflow={block}"),
                    format!("storage.outages={}", outage_list(&outages)),
                ];
                // Sizers other than requests exist from v0.123 on.
                let sizer = if version >= 2 { sizers[sizer] } else { "requests" };
                let unit = match sizer {
                    "items" => qsize as u64 * 10,
                    "bytes" => qsize as u64 * 5000,
                    _ => qsize as u64 / 10 + 1,
                };
                o.push(format!("otelcol.exporter.sending_queue.sizer=\"{sizer}\""));
                o.push(format!("otelcol.exporter.sending_queue.queue_size={unit}"));
                if persistent {
                    o.push("otelcol.exporter.sending_queue.storage=\"file_storage\"".into());
                }
                if let Some((size, max)) = batch {
                    o.push(format!("otelcol.batch.send_batch_size={size}"));
                    if max == 2 {
                        o.push(format!("otelcol.batch.send_batch_max_size={}", size + size / 2));
                    }
                    o.push("otelcol.batch.timeout=\"500ms\"".into());
                }
                if let Some(m) = limiter_mib {
                    o.push("otelcol.memory_limiter.check_interval=\"1s\"".into());
                    o.push(format!("otelcol.memory_limiter.limit_mib={m}"));
                }
                match elapsed {
                    Some(0) => o.push("otelcol.exporter.retry_on_failure.enabled=false".into()),
                    Some(e) => o.push(format!(
                        "otelcol.exporter.retry_on_failure.max_elapsed_time=\"{}s\"",
                        e.max(30)
                    )),
                    None => {}
                }
                if let Some(l) = limit_mib {
                    o.push(format!("otelcol.memory.limit=\"{l}MiB\""));
                }
                if let Some(t) = throughput {
                    o.push(format!("storage.throughput=\"{t}/s\""));
                }
                // The base without its batch table: a case adds one only with the processor.
                let mut text = crate::otelcol::OC.replace(
                    "[otelcol.batch]\nsend_batch_size = 100\ntimeout = \"200ms\"\n",
                    "",
                );
                assert!(!text.contains("[otelcol.batch]"));
                if sdk {
                    text.push_str(
                        "\n[tracer]\nkind = \"otel-sdk\"\nlanguage = \"go\"\nscheduled_delay = \"1s\"\n\
                         [tracer.memory]\nbaseline = \"5MiB\"\nspan_fixed = \"300B\"\nspan_per_wire_byte = 1.0\n",
                    );
                }
                OtelCase {
                    text,
                    overrides: o,
                    limiter: limiter_mib.is_some(),
                    limit: limit_mib.is_some(),
                    outage: !outages.is_empty() || throughput.is_some(),
                    may_refuse_full: enabled && !block,
                    small_queue: sizer != "requests",
                    seed,
                }
            },
        )
}

fn check_otel(c: &OtelCase, r: &RunResult) {
    let baseline = 40 * 1024 * 1024;
    let mut prev: Option<&tracesim::metrics::Sample> = None;
    for rows in r.samples.chunk_by(|a, b| a.t == b.t) {
        let s = &rows[0];
        assert_eq!(
            s.spans_generated,
            s.spans_exported + s.spans_dropped + s.spans_held
        );
        let parts: u64 = rows
            .iter()
            .map(|x| x.queue_items + x.worker_items + x.bulk_items)
            .sum();
        assert_eq!(s.spans_held, parts, "buffers add up at t = {}", s.t);
        for x in rows.iter().filter(|x| x.component == "collector") {
            if x.up {
                assert!(x.rss_bytes >= baseline + x.heap_bytes);
                assert!(x.heap_bytes >= x.live_bytes);
            } else {
                assert_eq!(x.rss_bytes, 0);
                // Only a persistent queue's files outlive the process.
                assert_eq!(x.worker_items + x.bulk_items, 0);
            }
            assert!(x.disk_bytes <= x.queue_bytes + 64 * 1024 * 1024 || x.disk_bytes > 0);
        }
        if let Some(p) = prev {
            assert!(s.t > p.t, "time went backwards");
            assert!(s.spans_dropped >= p.spans_dropped && s.spans_exported >= p.spans_exported);
        }
        prev = Some(s);
    }
    let k = &r.counters;
    assert_eq!(k.generated, k.exported + k.dropped_total() + r.held_end);
    let d = |x: DropReason| k.dropped[x as usize];
    if d(DropReason::Refused) > 0 {
        assert!(c.limiter, "refusals need a memory_limiter");
    }
    if d(DropReason::QueueFull) > 0 {
        assert!(c.may_refuse_full, "queue_full needs a refusing queue");
    }
    if d(DropReason::PayloadTooLarge) > 0 {
        assert!(c.small_queue || c.may_refuse_full);
    }
    if d(DropReason::RetriesExhausted) > 0 {
        assert!(c.outage, "retries end only when storage fails");
    }
    if d(DropReason::Oom) > 0 || d(DropReason::CollectorDown) > 0 || k.oom_kills > 0 {
        assert!(c.limit);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_otelcol_pipelines_keep_the_invariants(c in otel_case()) {
        let o: Vec<&str> = c.overrides.iter().map(String::as_str).collect();
        let sc = scenario(&c.text, &o);
        let r = Simulation::new(&sc, Some(c.seed)).run();
        check_otel(&c, &r);
        let again = Simulation::new(&sc, Some(c.seed)).run();
        prop_assert_eq!(output::timeseries_csv(&r).unwrap(), output::timeseries_csv(&again).unwrap());
    }
}

/// Found by the property test: a resize to a queue smaller than what the old channel still
/// holds makes the queue full at once (`size` is shared), and that is its first full time.
#[test]
fn a_shrinking_resize_fills_the_queue() {
    let o = [
        "workload.rate=\"50/s\"",
        "workload.arrivals=\"constant\"",
        "workload.spans_per_request={ dist = \"uniform\", min = 1, max = 6 }",
        "workload.span_size={ dist = \"lognormal\", mean = \"2238B\", sigma = 0 }",
        "storage.kind=\"direct\"",
        "storage.latency={ dist = \"exponential\", mean = \"168748us\" }",
        "collector.queue_size=3534",
        "collector.num_workers=26",
        "scenario.duration=\"40s\"",
        "storage.throughput=\"2969/s\"",
        "storage.outages=[{start = \"20s\", duration = \"17s\", mode = \"hang\"}]",
        "collector.queue_size_memory=\"1MiB\"",
        "collector.resize_interval=\"5s\"",
    ];
    let c = Case {
        overrides: o.iter().map(|s| s.to_string()).collect(),
        has_limit: false,
        has_outage: true,
        has_errors: false,
        seed: 8997087282172676795,
    };
    let r = Simulation::new(&scenario(TINY, &o), Some(c.seed)).run();
    assert!(r.counters.dropped[DropReason::QueueFull as usize] > 0);
    check(&c, &r);
}
