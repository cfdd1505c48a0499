//! Tiny scenarios whose every count can be worked out by hand.

use crate::common::*;
use tracesim::metrics::DropReason;

#[test]
fn healthy_constant_load_exports_everything_but_the_last_write() {
    // 10 spans/s for 10 s, one worker, 50 ms writes: arrivals at 0.1, 0.2, ... 10.0 s.
    // Each write ends 50 ms later, so only the span that arrived at 10.0 s is still held.
    let r = run(TINY, &[]);
    let c = &r.counters;
    assert_eq!(c.generated, 100);
    assert_eq!(c.exported, 99);
    assert_eq!(r.held_end, 1);
    assert_eq!(c.dropped_total(), 0);
    assert_eq!(c.peak_queue, 1);
    assert_eq!(c.wait_sum, 0, "a free worker takes each span at once");
    assert!((c.sojourn_sum as f64 / c.written as f64 - 0.05e9).abs() < 1.0);
}

#[test]
fn refused_storage_loses_each_synchronous_write() {
    // Storage refuses from 2 s to 5 s (3 s): the spans of 2.0 .. 4.9 s (30) fail at once
    // (the Jaeger processor does not retry a failed write).
    let r = run(
        TINY,
        &[
            "storage.outages=[{start = \"2s\", duration = \"3s\", mode = \"refuse\"}]",
            "storage.refuse_latency=\"1ms\"",
        ],
    );
    assert_eq!(dropped(&r, DropReason::StorageError), 30);
    assert_eq!(r.counters.exported, 69);
    assert_eq!(r.held_end, 1);
}

#[test]
fn hung_storage_fills_the_queue_then_drops_new_spans() {
    // Storage hangs from 1.95 s to 6.95 s with no client timeout. The write of the 2.0 s span
    // hangs (started 2.0, inside the window) until 6.95 s. Queue capacity 5: spans 2.1-2.5
    // queue, spans 2.6 .. 6.9 (44) are dropped. At 6.95 the hung write fails, the worker takes
    // the queued spans one by one (healthy again, 50 ms each).
    let r = run(
        TINY,
        &[
            "storage.outages=[{start = \"1950ms\", duration = \"5s\", mode = \"hang\"}]",
            "collector.queue_size=5",
        ],
    );
    assert_eq!(dropped(&r, DropReason::StorageError), 1);
    assert_eq!(dropped(&r, DropReason::QueueFull), 44);
    assert_eq!(r.counters.peak_queue, 5);
    let full = r.counters.first_queue_full.unwrap() as f64 / 1e9;
    assert!((full - 2.5).abs() < 1e-6, "{full}");
    assert_eq!(r.counters.generated, 100);
    assert_eq!(
        r.counters.exported + r.counters.dropped_total() + r.held_end,
        100
    );
}

#[test]
fn timeout_ends_a_hung_write_early() {
    // Same hang, 1 s client timeout: the 2.0 s write fails at 3.0 s; the next ones each hang
    // 1 s too. Between 2.0 and 6.95 s five writes start (2.0, 3.0, 4.0, 5.0, 6.0), the fifth
    // ends at min(7.0, 6.95) = 6.95 s.
    let r = run(
        TINY,
        &[
            "storage.outages=[{start = \"1950ms\", duration = \"5s\", mode = \"hang\"}]",
            "storage.timeout=\"1s\"",
            "collector.queue_size=5",
        ],
    );
    assert_eq!(dropped(&r, DropReason::StorageError), 5);
}

#[test]
fn crash_loop_backoff_doubles() {
    // A limit just above the baseline: the first span's allocation OOM-kills the process
    // every time it comes up. Restarts after 10, 20, 40 s (+2 s startup each).
    let r = run(
        TINY,
        &[
            "scenario.duration=\"2m\"",
            "collector.memory.limit=\"10485800B\"",
            "collector.memory.min_heap=\"1B\"",
        ],
    );
    let kills: Vec<f64> = r
        .events
        .iter()
        .filter(|e| e.kind == "oom_kill")
        .map(|e| e.t as f64 / 1e9)
        .collect();
    let restarts: Vec<f64> = r
        .events
        .iter()
        .filter(|e| e.kind == "restart")
        .map(|e| e.t as f64 / 1e9)
        .collect();
    assert!(kills.len() >= 3, "{kills:?}");
    assert!((restarts[0] - kills[0] - 12.0).abs() < 1e-6);
    assert!((restarts[1] - kills[1] - 22.0).abs() < 1e-6);
    assert!((restarts[2] - kills[2] - 42.0).abs() < 1e-6);
    assert!(dropped(&r, DropReason::CollectorDown) > 0);
    assert_eq!(dropped(&r, DropReason::Oom), r.counters.oom_kills);
}

#[test]
fn rate_schedule_is_piecewise_constant() {
    // 10/s for 5 s, then 20/s for 5 s: 50 + 100 constant arrivals.
    let r = run(
        TINY,
        &["workload.rate_schedule=[{at = \"5s\", rate = \"20/s\"}]"],
    );
    assert_eq!(r.counters.generated, 150);
    // Poisson with the same schedule: the count is Poisson(150) (sd ~12); over 8 seeds the
    // mean lands within 3 standard errors (3 * 12 / sqrt(8) ~ 13).
    let sc = scenario(
        TINY,
        &[
            "workload.arrivals=\"poisson\"",
            "workload.rate_schedule=[{at = \"5s\", rate = \"20/s\"}, {at = \"8s\", rate = \"0/s\"}]",
        ],
    );
    let mean = (0..8)
        .map(|s| {
            tracesim::pipeline::Simulation::new(&sc, Some(s))
                .run()
                .counters
                .generated as f64
        })
        .sum::<f64>()
        / 8.0;
    // 50 + 60 + 0 = 110 expected.
    assert!((mean - 110.0).abs() < 13.0, "mean {mean}");
}

/// An independent bare implementation of the SimPy peer's model (`tracesim::bench::peer_floor`:
/// a heap of write completions beside the next arrival, the engine's draws) counts exactly
/// what the engine counts, seed by seed: the engine's queue, workers, hang and tie order hold
/// nothing more than the model says.
#[test]
fn the_peer_models_bare_kernel_counts_what_the_engine_counts() {
    for (seed, extra) in [
        (1, vec![]),
        (2, vec!["collector.queue_size=300"]),
        (
            3,
            vec!["collector.num_workers=3", "collector.queue_size=50"],
        ),
    ] {
        let mut o = vec!["scenario.duration=\"6m\""];
        o.extend(extra);
        let mut sc = scenario(tracesim::bench::PEER, &o);
        sc.seed = seed;
        let r = tracesim::pipeline::Simulation::new(&sc, None).run();
        let k = tracesim::bench::peer_floor(&sc);
        let c = &r.counters;
        assert!(c.generated > 400_000, "{}", c.generated);
        assert_eq!(k.generated, c.generated, "seed {seed}");
        assert_eq!(k.exported, c.exported, "seed {seed}");
        assert_eq!(k.dropped_queue_full, dropped(&r, DropReason::QueueFull));
        assert_eq!(k.storage_error, dropped(&r, DropReason::StorageError));
        assert_eq!(k.peak_queue, c.peak_queue, "seed {seed}");
        assert!(k.dropped_queue_full > 0 && k.storage_error > 0);
    }
}
