//! The OpenTelemetry Collector: exporter back-off, memory_limiter transitions, queue sizers
//! and versions, persistent queue, and conservation through refusals and retries.

use crate::common::{dropped, run, scenario};
use tracesim::memory::{GoHeap, GoRuntimeConfig, GoVersion, Gogc};
use tracesim::metrics::{DropReason, RunResult, Sample};
use tracesim::pipeline::Simulation;
use tracesim::pipeline::otelcol::{Check, Limiter};
use tracesim::policy::backoff;
use tracesim::scenario::otelcol::{MemoryLimiter, RetryOnFailure};

/// 1,000 spans/s in requests of 10 spans of 500 B into a collector with the defaults of
/// v0.120, storage refusing from 10 s to 70 s.
pub const OC: &str = r#"
[scenario]
name = "oc"
duration = "100s"
seed = 1

[workload]
arrivals = "constant"
rate = "100/s"
spans_per_request = 10
span_size = "500B"

[otelcol]
version = "0.120.0"
processors = ["batch"]

[otelcol.batch]
send_batch_size = 100
timeout = "200ms"

[otelcol.exporter.sending_queue]
queue_size = 50

[otelcol.memory]
runtime = "go"
go_version = "1.23"
baseline = "40MiB"
span_fixed = "300B"
span_per_wire_byte = 1.0

[storage]
kind = "otlp"
latency = "10ms"
outages = [{ start = "10s", duration = "60s", mode = "refuse" }]
"#;

const S: u64 = 1_000_000_000;

fn retry() -> RetryOnFailure {
    RetryOnFailure {
        enabled: true,
        initial_interval: 5 * S,
        max_interval: 30 * S,
        max_elapsed_time: 300 * S,
        multiplier: 1.5,
        randomization_factor: 0.5,
        give_up_early: true,
    }
}

#[test]
fn exporter_backoff_nominal_delays_jitter_and_give_up() {
    let cfg = retry();
    // u = 0.5 is the nominal delay: 5, 7.5, 11.25, 16.875, 25.3125, then 30 s.
    let mut iv = cfg.initial_interval as f64;
    let mut elapsed = 0;
    let mut waits = vec![];
    while let Some(w) = backoff::exporterhelper(&mut iv, elapsed, &cfg, 0.5) {
        waits.push(w as f64 / 1e9);
        elapsed += w;
    }
    assert_eq!(&waits[..7], &[5.0, 7.5, 11.25, 16.875, 25.3125, 30.0, 30.0]);
    // 65.9375 s after five waits, then 30 s steps while the total stays within 300 s.
    assert_eq!(waits.len(), 5 + 7, "{waits:?}");
    assert!(waits.iter().sum::<f64>() <= 300.0);
    // Jitter: uniform in [0.5, 1.5] x nominal.
    let mut iv = cfg.initial_interval as f64;
    assert_eq!(
        backoff::exporterhelper(&mut iv, 0, &cfg, 0.0),
        Some(2_500_000_000)
    );
    let mut iv = cfg.initial_interval as f64;
    let hi = backoff::exporterhelper(&mut iv, 0, &cfg, 0.999_999).unwrap();
    assert!(hi < 7_500_000_000 && hi > 7_499_000_000);
    // Give up when the wait would end past max_elapsed_time; 0 retries forever.
    let mut iv = 30.0 * S as f64;
    assert_eq!(backoff::exporterhelper(&mut iv, 280 * S, &cfg, 0.5), None);
    let forever = RetryOnFailure {
        max_elapsed_time: 0,
        ..cfg
    };
    let mut iv = 30.0 * S as f64;
    assert_eq!(
        backoff::exporterhelper(&mut iv, 100_000 * S, &forever, 0.5),
        Some(30 * S)
    );
}

fn heap() -> GoHeap {
    GoHeap::new(
        GoRuntimeConfig {
            version: GoVersion::parse("1.23").unwrap(),
            baseline: 0,
            roots: 0,
            gogc: Gogc::Percent(100),
            memlimit: None,
            min_heap: 4 << 20,
            scavenge_rate: 0.0,
            static_heap: 0,
            metadata_ratio: 0.0,
        },
        0,
    )
}

fn limiter(backoff: bool) -> MemoryLimiter {
    MemoryLimiter {
        legacy: false,
        check_interval: S,
        hard: 100 << 20,
        soft: 80 << 20,
        min_gc_soft: 10 * S,
        min_gc_hard: 0,
        gc_backoff: backoff,
        max_gc_soft: 30 * S,
        max_gc_hard: 30 * S,
    }
}

const MIB: u64 = 1 << 20;

#[test]
fn limiter_soft_and_hard_transitions_from_v0_121() {
    let ml = limiter(false);
    let mut l = Limiter::new(&ml, 0);
    let mut h = heap();
    h.alloc(50 * MIB, 0);
    assert_eq!(l.check(&ml, &mut h, S), Check::Below);
    assert!(!l.refusing);
    // 40 MiB of garbage (heap 90 MiB, below the GC goal of 100): Alloc counts it. The
    // soft gate (10 s) runs from the limiter's start, so no GC yet: it refuses.
    h.alloc(0, 40 * MIB);
    assert_eq!(l.check(&ml, &mut h, 2 * S), Check::Soft { gc: false });
    assert!(l.refusing);
    // Past the gate: the forced GC frees the garbage and the refusal stops.
    assert_eq!(l.check(&ml, &mut h, 11 * S), Check::Soft { gc: true });
    assert!(!l.refusing);
    // Live data above soft: refuse; the next soft GC is 10 s away.
    h.alloc(35 * MIB, 0);
    assert_eq!(l.check(&ml, &mut h, 12 * S), Check::Soft { gc: false });
    assert!(l.refusing);
    // Above hard: a GC at every check (gate 0), still refusing (the data is live).
    h.alloc(20 * MIB, 0);
    assert_eq!(l.check(&ml, &mut h, 13 * S), Check::Hard { gc: true });
    assert_eq!(l.check(&ml, &mut h, 14 * S), Check::Hard { gc: true });
    assert!(l.refusing);
    // The data leaves: below soft stops the refusal without a GC.
    h.free(60 * MIB);
    h.collect();
    assert_eq!(l.check(&ml, &mut h, 15 * S), Check::Below);
    assert!(!l.refusing);
    assert_eq!(l.forced_gcs, 3);
}

#[test]
fn limiter_up_to_v0_120_forces_soft_gcs_only_when_refusal_starts() {
    let ml = MemoryLimiter {
        legacy: true,
        ..limiter(false)
    };
    let mut l = Limiter::new(&ml, 0);
    let mut h = heap();
    h.alloc(50 * MIB, 0);
    assert_eq!(l.check(&ml, &mut h, S), Check::Below);
    // Refusal would start: a GC first (lastGCDone unset, so allowed at once).
    h.alloc(0, 40 * MIB);
    assert_eq!(l.check(&ml, &mut h, 2 * S), Check::Soft { gc: true });
    assert!(!l.refusing);
    // Live above soft 1 s later: within 10 s of the last GC, so it refuses without one...
    h.alloc(35 * MIB, 0);
    assert_eq!(l.check(&ml, &mut h, 3 * S), Check::Soft { gc: false });
    assert!(l.refusing);
    // ... and never forces one while it keeps refusing below hard, however long.
    h.alloc(0, 10 * MIB);
    assert_eq!(l.check(&ml, &mut h, 30 * S), Check::Soft { gc: false });
    // Above hard: a GC at every check, ungated.
    h.alloc(20 * MIB, 0);
    assert_eq!(l.check(&ml, &mut h, 31 * S), Check::Hard { gc: true });
    assert_eq!(l.check(&ml, &mut h, 32 * S), Check::Hard { gc: true });
    assert!(l.refusing);
    assert_eq!(l.forced_gcs, 3);
}

#[test]
fn limiter_backs_off_ineffective_gcs_from_v0_156() {
    // Checks every second with 110 MiB live: above hard, every GC frees nothing. Without
    // back-off a GC at every check; with it the gate goes 1.9, 3.8, 7.6, 15.2, 30 s
    // (#15053): GCs at 1, 3, 7, 15 and 31 s.
    for (backoff, want) in [(false, 40), (true, 5)] {
        let ml = limiter(backoff);
        let mut l = Limiter::new(&ml, 0);
        let mut h = heap();
        h.alloc(110 * MIB, 0);
        for t in 1..=40 {
            l.check(&ml, &mut h, t * S);
        }
        assert_eq!(l.forced_gcs, want, "back-off {backoff}");
        assert!(l.refusing);
    }
}

fn rows(r: &RunResult) -> Vec<&Sample> {
    r.samples
        .iter()
        .filter(|s| s.component == "collector")
        .collect()
}

#[test]
fn request_sizer_bounds_queued_requests_and_drops_when_full() {
    let r = run(OC, &[]);
    // 100-span batches, 50 requests: at most 5,000 spans queued (v0.120 counts the 10
    // requests in flight too).
    let peak = rows(&r).iter().map(|s| s.queue_items).max().unwrap();
    let peak_held = rows(&r)
        .iter()
        .map(|s| s.queue_items + s.worker_items)
        .max()
        .unwrap();
    assert!((4_900..=5_000).contains(&peak_held), "{peak_held}");
    assert!(peak <= 4_000, "{peak}");
    assert!(dropped(&r, DropReason::QueueFull) > 0);
    assert!(r.counters.first_queue_full.unwrap() > 10 * S);
    // Everything is accounted for; after the outage the queue drains.
    let last = rows(&r).last().copied().unwrap();
    assert!(last.spans_held < 200, "{}", last.spans_held);
}

#[test]
fn in_flight_requests_count_from_v0_120_only() {
    let held = |version: &str| {
        let r = run(OC, &[&format!("otelcol.version=\"{version}\"")]);
        rows(&r)
            .iter()
            .map(|s| s.queue_items + s.worker_items)
            .max()
            .unwrap()
    };
    // 50 requests of 100 spans, plus 10 in the consumers before v0.120.
    assert!(held("0.119.0") >= 5_900, "{}", held("0.119.0"));
    assert!(held("0.120.0") <= 5_000, "{}", held("0.120.0"));
}

#[test]
fn items_and_bytes_sizers() {
    let v = "otelcol.version=\"0.130.0\"";
    let r = run(
        OC,
        &[
            v,
            "otelcol.exporter.sending_queue.sizer=\"items\"",
            "otelcol.exporter.sending_queue.queue_size=2500",
        ],
    );
    let peak = rows(&r)
        .iter()
        .map(|s| s.queue_items + s.worker_items)
        .max()
        .unwrap();
    assert!((2_400..=2_500).contains(&peak), "{peak}");
    assert_eq!(rows(&r)[0].queue_capacity, Some(2500));
    // Bytes: the wire size (500 B a span), not the heap.
    let r = run(
        OC,
        &[
            v,
            "otelcol.exporter.sending_queue.sizer=\"bytes\"",
            "otelcol.exporter.sending_queue.queue_size=1000000",
        ],
    );
    let peak_wire = rows(&r).iter().map(|s| s.queue_bytes).max().unwrap();
    let peak_spans = rows(&r)
        .iter()
        .map(|s| s.queue_items + s.worker_items)
        .max()
        .unwrap();
    assert!(peak_wire <= 1_000_000);
    assert!((1_900..=2_000).contains(&peak_spans), "{peak_spans}");
    // A request larger than the whole queue can never fit.
    let r = run(
        OC,
        &[
            v,
            "otelcol.exporter.sending_queue.sizer=\"items\"",
            "otelcol.exporter.sending_queue.queue_size=50",
        ],
    );
    assert_eq!(r.counters.exported, 0);
    assert_eq!(
        dropped(&r, DropReason::PayloadTooLarge),
        r.counters.generated - r.held_end
    );
}

#[test]
fn retries_give_up_after_max_elapsed_time() {
    let first_give_up = |version: &str| {
        let r = run(
            OC,
            &[
                &format!("otelcol.version=\"{version}\""),
                "otelcol.exporter.retry_on_failure.max_elapsed_time=\"20s\"",
                "otelcol.exporter.sending_queue.queue_size=1000",
            ],
        );
        assert!(dropped(&r, DropReason::RetriesExhausted) > 0);
        r.counters.first_drop_by[DropReason::RetriesExhausted as usize].unwrap()
    };
    // From v0.122 no retry starts past 20 s after the first attempt (outage at 10 s)...
    let new = first_give_up("0.122.0");
    assert!(new > 16 * S && new <= 30 * S, "{new}");
    // ... before, one more wait is allowed once 20 s have passed.
    let old = first_give_up("0.120.0");
    assert!(old > 30 * S && old < 30 * S + 30 * S, "{old}");
    // Retries off: a failed attempt loses the request at once.
    let r = run(OC, &["otelcol.exporter.retry_on_failure.enabled=false"]);
    let first = r.counters.first_drop_by[DropReason::RetriesExhausted as usize].unwrap();
    assert!(first < 10 * S + S / 2, "{first}");
}

#[test]
fn block_on_overflow_holds_instead_of_dropping() {
    let r = run(
        OC,
        &["otelcol.exporter.sending_queue.block_on_overflow=true"],
    );
    assert_eq!(dropped(&r, DropReason::QueueFull), 0);
    let peak_blocked = rows(&r).iter().map(|s| s.worker_items).max().unwrap();
    assert!(peak_blocked > 40_000, "{peak_blocked}");
}

#[test]
fn memory_limiter_refuses_clients_and_sdk_retries() {
    // A 60 MiB heap limit: the queue fills the heap before it fills itself.
    let ml = [
        "otelcol.processors=[\"memory_limiter\", \"batch\"]",
        "otelcol.memory_limiter.check_interval=\"1s\"",
        "otelcol.memory_limiter.limit_mib=8",
        "otelcol.exporter.sending_queue.queue_size=1000",
    ];
    let r = run(OC, &ml);
    assert!(dropped(&r, DropReason::Refused) > 0);
    assert_eq!(dropped(&r, DropReason::QueueFull), 0);
    let heap_peak = rows(&r).iter().map(|s| s.heap_bytes).max().unwrap();
    // Refusing keeps the heap near the soft limit plus one check of growth.
    assert!(heap_peak < 12 << 20, "{heap_peak}");
    assert!(r.events.iter().any(|e| e.kind == "limiter_refusing"));
    assert!(r.events.iter().any(|e| e.kind == "limiter_resumed"));
}

/// An OTel SDK exporting straight to the collector: refusals are retried by the SDK.
const SDK: &str = r#"
[tracer]
kind = "otel-sdk"
language = "go"
max_queue_size = 2048
scheduled_delay = "1s"
max_export_batch_size = 512
exporter_timeout = "10s"

[tracer.memory]
baseline = "10MiB"
span_fixed = "500B"
span_per_wire_byte = 1.0
"#;

fn with_sdk(extra: &[&str]) -> RunResult {
    let base = format!("{OC}{SDK}");
    let mut o = vec![
        "otelcol.processors=[\"memory_limiter\", \"batch\"]",
        "otelcol.memory_limiter.check_interval=\"1s\"",
        "otelcol.memory_limiter.limit_mib=8",
        "otelcol.exporter.sending_queue.queue_size=1000",
    ];
    o.extend_from_slice(extra);
    let sc = scenario(&base, &o);
    Simulation::new(&sc, None).run()
}

fn conserved(r: &RunResult) {
    for s in &r.samples {
        assert_eq!(
            s.spans_generated,
            s.spans_exported + s.spans_dropped + s.spans_held,
            "t={} {}",
            s.t,
            s.component
        );
    }
    let k = &r.counters;
    assert_eq!(k.generated, k.exported + k.dropped_total() + r.held_end);
}

#[test]
fn conservation_through_refusals_retries_and_an_oom() {
    let r = with_sdk(&[]);
    conserved(&r);
    // The SDK retried refusals; what it could not place it lost as failed exports or to
    // its own full queue, not as collector refusals.
    assert_eq!(dropped(&r, DropReason::Refused), 0);
    assert!(dropped(&r, DropReason::ExportFailed) + dropped(&r, DropReason::TracerQueueFull) > 0);
    // Without a limiter, a container limit: OOM kills and restarts, still conserved.
    let r = run(
        OC,
        &[
            "otelcol.memory.limit=\"48MiB\"",
            "otelcol.exporter.sending_queue.queue_size=1000",
        ],
    );
    assert!(r.counters.oom_kills > 0);
    assert!(dropped(&r, DropReason::Oom) > 0);
    conserved(&r);
    for extra in [
        "otelcol.exporter.sending_queue.block_on_overflow=true",
        "otelcol.exporter.sending_queue.enabled=false",
        "otelcol.exporter.sending_queue.storage=\"file_storage\"",
        "otelcol.version=\"0.100.0\"",
        "otelcol.processors=[\"batch\", \"memory_limiter\"]",
    ] {
        conserved(&with_sdk(&[extra]));
        conserved(&run(
            OC,
            &[
                "otelcol.processors=[\"memory_limiter\", \"batch\"]",
                "otelcol.memory_limiter.check_interval=\"1s\"",
                "otelcol.memory_limiter.limit_mib=30",
                extra,
                "otelcol.memory.limit=\"48MiB\"",
            ],
        ));
    }
}

#[test]
fn persistent_queue_holds_on_disk_and_survives_a_restart() {
    let big = "otelcol.exporter.sending_queue.queue_size=1000";
    let mem = run(OC, &[big]);
    let disk = run(
        OC,
        &[
            big,
            "otelcol.exporter.sending_queue.storage=\"file_storage\"",
        ],
    );
    let peak = |r: &RunResult| rows(r).iter().map(|s| s.rss_bytes).max().unwrap();
    let peak_disk = rows(&disk).iter().map(|s| s.disk_bytes).max().unwrap();
    assert!(peak(&disk) < peak(&mem), "{} {}", peak(&disk), peak(&mem));
    // 60 s x 1,000 spans/s x 500 B on disk at the end of the outage (requests in flight
    // stay in the file until done), and nothing once drained.
    assert!(
        peak_disk > 29_000_000 && peak_disk <= 31_000_000,
        "{peak_disk}"
    );
    assert!(rows(&disk).last().unwrap().disk_bytes <= 100_000);
    // An OOM loses the batch and the consumers' memory but not the files.
    let r = run(
        OC,
        &[
            big,
            "otelcol.exporter.sending_queue.storage=\"file_storage\"",
            "otelcol.memory.limit=\"44MiB\"",
            "otelcol.memory.span_fixed=\"3000B\"",
        ],
    );
    conserved(&r);
    let m = run(
        OC,
        &[
            big,
            "otelcol.memory.limit=\"44MiB\"",
            "otelcol.memory.span_fixed=\"3000B\"",
        ],
    );
    assert!(m.counters.oom_kills > 0);
    assert!(
        dropped(&r, DropReason::Oom) < dropped(&m, DropReason::Oom) / 10,
        "{} {}",
        dropped(&r, DropReason::Oom),
        dropped(&m, DropReason::Oom)
    );
}

#[test]
fn otelcol_input_errors_name_the_field() {
    let cases: &[(&[&str], &str)] = &[
        (&["otelcol.version=\"latest\""], "otelcol.version"),
        (
            &["otelcol.processors=[\"memory_limiter\", \"batch\"]"],
            "otelcol.memory_limiter",
        ),
        (&["otelcol.exporter.sending_queue.sizer=\"spans\""], "sizer"),
        (
            &["otelcol.exporter.retry_on_failure.randomization_factor=1.5"],
            "randomization_factor",
        ),
        (&["storage.kind=\"direct\""], "storage.kind"),
        (
            &["otelcol.batch.send_batch_max_size=10"],
            "send_batch_max_size",
        ),
    ];
    for (o, field) in cases {
        let ov: Vec<String> = o.iter().map(|s| s.to_string()).collect();
        let text = tracesim::scenario::apply_overrides("t.toml", OC, &ov).unwrap();
        let e = tracesim::scenario::parse("t.toml", &text).unwrap_err();
        assert!(e.to_string().contains(field), "{o:?}: {e}");
    }
}

#[test]
fn otelcol_runs_are_deterministic() {
    let a = with_sdk(&[]);
    let b = with_sdk(&[]);
    assert_eq!(a.samples.len(), b.samples.len());
    for (x, y) in a.samples.iter().zip(&b.samples) {
        assert_eq!(x.record(), y.record());
    }
}

// ---- Bundled scenarios against their published headlines (see each file's header). ----

fn bundled(name: &str) -> RunResult {
    run(&crate::common::model(name), &[])
}

fn peak_rss_mib(r: &RunResult) -> f64 {
    r.counters.peak_rss as f64 / (1 << 20) as f64
}

#[test]
fn kyma_outage_drops_expired_batches_after_ten_minutes() {
    let r = bundled("otelcol-kyma-outage.toml");
    // Published: peak after ~10 minutes, then data dropped from the queue; the queue (600
    // batches) never fills: the drops are max_elapsed_time expiries.
    assert_eq!(dropped(&r, DropReason::QueueFull), 0);
    let first = r.counters.first_drop_by[DropReason::RetriesExhausted as usize].unwrap();
    assert!(first > 480 * S && first < 720 * S, "{first}");
    let live_peak = rows(&r).iter().max_by_key(|s| s.live_bytes).unwrap().t;
    assert!(live_peak > 480 * S && live_peak < 720 * S, "{live_peak}");
    // Calibrated on the plateau: ~1.05 GiB live once the load stopped.
    let end = rows(&r).last().unwrap().live_bytes as f64 / (1u64 << 30) as f64;
    assert!((end - 1.05).abs() < 0.1, "{end}");
    conserved(&r);
}

#[test]
fn graphql_hive_limiter_refuses_and_persistent_queue_does_not() {
    let mem = bundled("otelcol-graphql-hive-limiter.toml");
    let refused = dropped(&mem, DropReason::Refused) as f64 / mem.counters.generated as f64;
    // Published: 27.5% of requests failed (calibrated through the backend's throughput),
    // peak ~907 MiB (predicted), no OOM.
    assert!((refused - 0.275).abs() < 0.055, "{refused}");
    assert!(
        (peak_rss_mib(&mem) - 907.0).abs() < 0.2 * 907.0,
        "{}",
        peak_rss_mib(&mem)
    );
    assert_eq!(mem.counters.oom_kills, 0);
    // Persistent queue: 0% failures, a much lower peak (published ~412 MiB; see notes for
    // the file_storage memory the model does not count).
    let disk = bundled("otelcol-graphql-hive-persistent.toml");
    assert_eq!(disk.counters.dropped_total(), 0);
    assert!(peak_rss_mib(&disk) < 0.5 * peak_rss_mib(&mem));
    assert!(rows(&disk).iter().map(|s| s.disk_bytes).max().unwrap() > 1 << 30);
    conserved(&mem);
    conserved(&disk);
}

#[test]
fn testbed_no_backend_stays_under_its_ci_bounds() {
    for (name, max_mib) in [
        ("otelcol-testbed-no-backend.toml", 100.0),
        ("otelcol-testbed-no-backend-limiter.toml", 95.0),
    ] {
        let r = bundled(name);
        // Nothing reaches a backend; the queue keeps 1,000 requests, the rest is refused.
        assert_eq!(r.counters.exported, 0);
        assert!(r.held_end <= 10_100, "{}", r.held_end);
        assert!(dropped(&r, DropReason::QueueFull) > 130_000);
        let p = peak_rss_mib(&r);
        assert!(p > 50.0 && p < max_mib, "{name}: {p}");
    }
}

// ---- GOGC as Go reads it (issue 25, item 8). ----

/// Regression: `gogc = 0` was taken as "GC off". In Go, GOGC=0 collects continually (the
/// heap goal is the live heap, the next cycle 1 MiB of allocation later) and `GOGC=off`
/// never collects unless GOMEMLIMIT calls for it.
#[test]
fn gogc_zero_collects_continually_and_off_collects_only_for_gomemlimit() {
    let base = run(OC, &[]);
    let zero = run(OC, &["otelcol.memory.gogc=0"]);
    let off = run(OC, &["otelcol.memory.gogc=off"]);
    let off_limited = run(
        OC,
        &[
            "otelcol.memory.gogc=off",
            "otelcol.memory.gomemlimit=\"60MiB\"",
        ],
    );
    let (b, z, o, ol) = (
        &base.counters,
        &zero.counters,
        &off.counters,
        &off_limited.counters,
    );
    assert!(b.gc_cycles > 0);
    assert!(
        z.gc_cycles > 2 * b.gc_cycles,
        "GOGC=0 {} cycles, GOGC=100 {}",
        z.gc_cycles,
        b.gc_cycles
    );
    assert!(z.peak_rss < b.peak_rss, "{} vs {}", z.peak_rss, b.peak_rss);
    // Every byte allocated stays resident without a collection: 100k spans of ~1.3 kB.
    assert_eq!(o.gc_cycles, 0);
    assert!(o.peak_rss > b.peak_rss + (50 << 20), "{}", o.peak_rss);
    assert!(ol.gc_cycles > 0);
    assert!(ol.peak_rss <= (60 << 20) + (1 << 20), "{}", ol.peak_rss);
    // GC moves memory, not spans: no limit here, so every run has the same fates.
    for r in [&zero, &off, &off_limited] {
        assert_eq!(r.counters.exported, base.counters.exported);
    }
}

#[test]
fn gogc_accepts_off_and_percentages_and_names_the_field_otherwise() {
    let sc = crate::common::scenario(OC, &["otelcol.memory.gogc=\"off\""]);
    assert_eq!(sc.otelcol.unwrap().runtime.gogc, Gogc::Off);
    let sc = crate::common::scenario(OC, &["otelcol.memory.gogc=0"]);
    assert_eq!(sc.otelcol.unwrap().runtime.gogc, Gogc::Percent(0));
    for (set, says) in [
        ("otelcol.memory.gogc=-1", "write \"off\""),
        ("otelcol.memory.gogc=\"OFF\"", "not a GOGC value"),
        ("otelcol.memory.gogc=1.5", "GOGC percentage"),
        ("otelcol.memory.gogc=3000000000", "int32"),
        (
            "otelcol.memory.go_version=\"1.18\"",
            "GOMEMLIMIT appeared in Go 1.19",
        ),
    ] {
        let mut o = vec![set.to_string()];
        if set.contains("go_version") {
            o.push("otelcol.memory.gomemlimit=\"60MiB\"".into());
        }
        let text = tracesim::scenario::apply_overrides("t.toml", OC, &o).unwrap();
        let e = tracesim::scenario::parse("t.toml", &text).unwrap_err();
        let field = if set.contains("go_version") {
            "otelcol.memory.gomemlimit"
        } else {
            "otelcol.memory.gogc"
        };
        assert_eq!(e.field, field, "{set}: {e}");
        assert!(e.to_string().contains(says), "{set}: {e}");
        assert!(e.line.is_some(), "{set}: {e}");
    }
}

/// Before v0.139 the otlp exporter's gRPC codec encodes each request twice into fresh slices
/// besides its pooled buffer (protobuf-go's legacy path for pdata's gogo messages: `proto.Size`
/// marshals to measure); pdata's own codec from v0.139 encodes into the pooled buffer only, and
/// otlphttp encodes once. More garbage a request, more collections at the same load.
#[test]
fn the_grpc_codec_before_v0_139_encodes_each_request_twice_more() {
    let gcs = |version: &str, protocol: &str| {
        let r = run(
            OC,
            &[
                &format!("otelcol.version=\"{version}\""),
                &format!("otelcol.exporter.protocol=\"{protocol}\""),
                "storage.outages=[]",
            ],
        );
        (r.counters.gc_cycles, r.counters.exported)
    };
    let (old, old_exported) = gcs("0.138.0", "grpc");
    let (new, new_exported) = gcs("0.139.0", "grpc");
    let (http, _) = gcs("0.139.0", "http");
    assert!(old * 2 > new * 3, "v0.138 {old} GCs, v0.139 {new}");
    assert!(
        new < http && http < old,
        "grpc {new}, http {http}, old grpc {old}"
    );
    assert_eq!(
        old_exported, new_exported,
        "garbage moves memory, not spans"
    );
}
