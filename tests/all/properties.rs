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
        ),
    )
        .prop_map(
            |(
                (rate, poisson, spr, size, sigma, es, lat_us),
                (tput, err, outages, timeout),
                (queue, qmem, workers, limit, dur, seed),
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
                let mut t = 0;
                let mut w = Vec::new();
                for (gap, len, hang) in &outages {
                    let start = t + gap;
                    w.push(format!(
                        "{{start = \"{start}s\", duration = \"{len}s\", mode = \"{}\"}}",
                        if *hang { "hang" } else { "refuse" }
                    ));
                    t = start + len;
                }
                o.push(format!("storage.outages=[{}]", w.join(", ")));
                if let Some(q) = qmem {
                    o.push(format!("collector.queue_size_memory=\"{q}MiB\""));
                    o.push("collector.resize_interval=\"5s\"".into());
                }
                if let Some(l) = limit {
                    o.push(format!("collector.memory.limit=\"{l}MiB\""));
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
