//! Tracers: their buffer policies as pure functions with hand-computed cases, the seed
//! stories they reproduce, and conservation through tracer -> agent -> collector -> storage.

use crate::common::*;
use crate::conservation::check;
use tracesim::metrics::{DropReason, RunResult, Sample};
use tracesim::pipeline::tracer::{DdWorker, span_limit_admits};
use tracesim::policy::backoff;
use tracesim::scenario::raw::SdkLanguage;
use tracesim::scenario::tracer::{RetryPolicy, default_retry};

const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;

// ---- Pure policies, hand-computed ----

#[test]
fn span_limit_admits_up_to_the_count_and_the_bytes() {
    // No limit: everything.
    assert_eq!(
        span_limit_admits(None, None, 5, 500, [100, 100].into_iter()),
        2
    );
    // 8 of 10 buffered: two more fit, the third is refused.
    assert_eq!(
        span_limit_admits(Some(10), None, 8, 0, [1, 1, 1].into_iter()),
        2
    );
    // At the limit: none.
    assert_eq!(span_limit_admits(Some(10), None, 10, 0, [1].into_iter()), 0);
    // 700 of 1000 bytes: a 200-B span fits (900), the next does not (1100 > 1000).
    assert_eq!(
        span_limit_admits(None, Some(1000), 0, 700, [200, 200].into_iter()),
        1
    );
    // Exactly filling the byte limit is allowed.
    assert_eq!(
        span_limit_admits(None, Some(1000), 0, 700, [300].into_iter()),
        1
    );
    // Both limits: the tighter one wins.
    assert_eq!(
        span_limit_admits(Some(3), Some(10_000), 1, 0, [10, 10, 10].into_iter()),
        2
    );
}

#[test]
fn datadog_shared_trace_completes_only_when_the_worker_is_idle() {
    let mut w = DdWorker::default();
    // Two requests of one span each are in flight on the worker.
    w.register(1, 100);
    w.register(1, 100);
    w.finish_spans(&[10], 100, true, None);
    assert_eq!(
        (w.pending(), w.finished()),
        (1, 0),
        "one request still in flight"
    );
    w.register(1, 100);
    w.finish_spans(&[10], 100, true, None);
    assert_eq!((w.pending(), w.finished()), (2, 0));
    w.finish_spans(&[10], 100, true, None);
    assert_eq!(
        (w.pending(), w.finished()),
        (0, 3),
        "idle: the trace is written"
    );
    assert_eq!(w.buffered(), 3);
    assert_eq!(w.buffered_mem(), 300);

    // Per-request traces are complete when their request ends.
    let mut w = DdWorker::default();
    w.register(2, 200);
    w.register(1, 100);
    w.finish_spans(&[10, 10], 200, false, None);
    assert_eq!((w.pending(), w.finished()), (0, 2));

    // Partial flush writes the shared trace's finished spans once there are enough.
    let mut w = DdWorker::default();
    for _ in 0..5 {
        w.register(1, 100);
    }
    w.finish_spans(&[10], 100, true, Some(2));
    assert_eq!((w.pending(), w.finished()), (1, 0));
    w.finish_spans(&[10], 100, true, Some(2));
    assert_eq!((w.pending(), w.finished()), (0, 2));
    assert_eq!(w.buffered(), 5, "3 registered + 2 finished");
}

#[test]
fn rust_otlp_retries_three_times_within_the_exporter_timeout() {
    let p = default_retry(SdkLanguage::Rust);
    // Nominal 100, 200, 400 ms; jitter adds [0, 100 ms).
    assert_eq!(p.nominal(1), 100.0 * MS as f64);
    assert_eq!(p.nominal(3), 400.0 * MS as f64);
    assert_eq!(p.nominal(9), 1600.0 * MS as f64, "capped at 1.6 s");
    assert_eq!(p.delay(1, 0.0), 100 * MS);
    assert!(p.delay(1, 0.999) < 200 * MS && p.delay(1, 0.999) > 199 * MS);
    // Refused at t = 1 ms after the start: the first retry 100 ms later.
    let deadline = Some(10 * S);
    assert_eq!(
        backoff::sdk_retry(&p, deadline, 0, MS, 0, 0.0),
        Some(101 * MS)
    );
    // After three retries it gives up.
    assert_eq!(backoff::sdk_retry(&p, deadline, 0, 2 * S, 3, 0.0), None);
    // A hung attempt that used the whole 10 s timeout leaves no time to retry.
    assert_eq!(backoff::sdk_retry(&p, deadline, 0, 10 * S, 0, 0.0), None);
}

#[test]
fn go_otlp_backoff_is_bounded_by_jitter_elapsed_time_and_deadline() {
    let p = default_retry(SdkLanguage::Go);
    // 5 s x 1.5^(n-1), capped at 30 s: 5, 7.5, 11.25, 16.875, 25.3125, 30.
    let want = [5.0, 7.5, 11.25, 16.875, 25.3125, 30.0, 30.0];
    for (i, w) in want.iter().enumerate() {
        assert!((p.nominal(i as u32 + 1) / S as f64 - w).abs() < 1e-9);
        // Randomization factor 0.5: delay in [0.5 d, 1.5 d].
        let lo = p.delay(i as u32 + 1, 0.0) as f64 / S as f64;
        let hi = p.delay(i as u32 + 1, 1.0) as f64 / S as f64;
        assert!((lo - 0.5 * w).abs() < 1e-6 && (hi - 1.5 * w).abs() < 1e-6);
    }
    // MaxElapsedTime 1 min: a retry landing at 61 s after the start is not made.
    assert_eq!(backoff::sdk_retry(&p, None, 0, 50 * S, 2, 1.0), None); // 50 + 16.875
    assert!(backoff::sdk_retry(&p, None, 0, 40 * S, 2, 0.0).is_some()); // 40 + 5.625
    // The BSP's 30 s export deadline cuts earlier.
    assert_eq!(
        backoff::sdk_retry(&p, Some(30 * S), 0, 27 * S, 1, 0.0),
        None
    ); // 27 + 3.75
    assert_eq!(
        backoff::sdk_retry(&p, Some(30 * S), 0, 25 * S, 1, 0.0),
        Some(28_750 * MS)
    );
    // Disabled: never.
    let off = RetryPolicy {
        enabled: false,
        ..p.clone()
    };
    assert_eq!(backoff::sdk_retry(&off, None, 0, 0, 0, 0.5), None);
}

#[test]
fn java_and_python_jitter() {
    let j = default_retry(SdkLanguage::Java);
    // Full jitter: U[0, d).
    assert_eq!(j.delay(1, 0.0), 0);
    assert!(j.delay(1, 0.5) == S / 2);
    assert_eq!(j.max_retries, 4, "5 attempts");
    let py = default_retry(SdkLanguage::Python);
    // 1, 2, 4 ... s with +-20%.
    assert_eq!(py.delay(3, 0.0), 3_200 * MS);
    assert_eq!(py.delay(3, 1.0), 4_800 * MS);
}

// ---- The Istio / Datadog story ----

fn tracer_rows(r: &RunResult) -> Vec<&Sample> {
    r.samples
        .iter()
        .filter(|s| s.component == "tracer")
        .collect()
}

#[test]
fn istio_gateway_grows_to_1gb_in_8_to_12_minutes() {
    let r = run(&model("istio-ingress-datadog.toml"), &[]);
    let rows = tracer_rows(&r);
    let cross = rows
        .iter()
        .find(|s| s.rss_bytes > 1_000_000_000)
        .expect("crosses 1 GB")
        .t;
    let minutes = cross as f64 / 60e9;
    assert!(
        (8.0..=12.0).contains(&minutes),
        "crossed 1 GB at {minutes:.2} min"
    );
    // A steady climb: every minute up to the crossing adds between 60 and 150 MiB, and
    // nothing is sent (the shared trace never completes).
    let per_min: Vec<&&Sample> = rows.iter().filter(|s| s.t % (60 * S) == 0).collect();
    for w in per_min.windows(2).take_while(|w| w[1].t <= cross) {
        let d = w[1].rss_bytes as f64 - w[0].rss_bytes as f64;
        assert!(
            (60.0 * 1048576.0..150.0 * 1048576.0).contains(&d),
            "{} MiB/min at {} s",
            d / 1048576.0,
            w[1].t / S
        );
    }
    assert_eq!(r.counters.exported, 0);
    let t = r.tracer.as_ref().unwrap();
    assert!(t.oom_kills >= 1 && t.first_oom.unwrap() > cross);
    assert!(t.memory_bound.is_none(), "unbounded without a limit");
    assert!(dropped(&r, DropReason::Oom) > 0);
}

#[test]
fn istio_gateway_with_per_request_trace_ids_stays_flat() {
    // Without the shared trace id the same gateway flushes every 900 ms and stays small.
    let r = run(
        &model("istio-ingress-datadog.toml"),
        &[
            "scenario.duration=\"5m\"",
            "tracer.trace_ids=\"per-request\"",
        ],
    );
    let t = r.tracer.as_ref().unwrap();
    assert_eq!(t.oom_kills, 0);
    assert!(t.peak_rss < 80_000_000, "peak {}", t.peak_rss);
    assert!(r.counters.exported as f64 > 0.99 * (r.counters.generated - r.held_end) as f64);
}

#[test]
fn span_limit_keeps_memory_flat_below_the_reported_bound() {
    let r = run(&model("istio-ingress-datadog-span-limit.toml"), &[]);
    let t = r.tracer.as_ref().unwrap();
    let bound = t.memory_bound.expect("a limit gives a bound");
    assert_eq!(t.oom_kills, 0);
    let rows = tracer_rows(&r);
    assert!(rows.iter().all(|s| s.rss_bytes <= bound));
    // Flat: after the first fill (~1 min) RSS stays within 1% of its peak.
    let later: Vec<u64> = rows
        .iter()
        .filter(|s| s.t > 120 * S)
        .map(|s| s.rss_bytes)
        .collect();
    let (lo, hi) = (*later.iter().min().unwrap(), *later.iter().max().unwrap());
    assert!(hi as f64 <= lo as f64 * 1.01, "{lo}..{hi}");
    assert!(hi < 300_000_000);
    // The price: spans refused by the limit, counted.
    assert!(dropped(&r, DropReason::SpanLimit) > 10_000);
    // Each worker holds at most its limit (10,000) plus what is in flight to the agent.
    assert!(t.peak_buffered <= 4 * 10_000 + 4 * 2 * 10_000);
}

#[test]
fn span_limit_drops_are_in_summary_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .args(["run", "-q", "--out"])
        .arg(&out)
        .arg(format!(
            "{}/models/istio-ingress-datadog-span-limit.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(["--set", "scenario.duration=\"3m\""])
        .status()
        .unwrap();
    assert!(st.success());
    let mut rd = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let h = rd.headers().unwrap().clone();
    let row = rd.records().next().unwrap().unwrap();
    let get = |k: &str| {
        row.get(h.iter().position(|x| x == k).unwrap())
            .unwrap()
            .to_string()
    };
    assert!(get("dropped_span_limit").parse::<u64>().unwrap() > 0);
    let bound: u64 = get("tracer_memory_bound_bytes").parse().unwrap();
    let peak: u64 = get("tracer_peak_rss_bytes").parse().unwrap();
    assert!(peak <= bound);
}

// ---- OpenTelemetry SDK ----

#[test]
fn otel_sdk_hung_collector_plateaus_at_the_queue_bound() {
    let r = run(&model("otel-sdk-collector-hung.toml"), &[]);
    let t = r.tracer.as_ref().unwrap();
    // 2,048 queued + one batch of 512 in the exporter (+ the span being ended).
    assert!(
        (2560..=2561).contains(&t.peak_buffered),
        "{}",
        t.peak_buffered
    );
    let rows = tracer_rows(&r);
    let late: Vec<&&Sample> = rows.iter().filter(|s| s.t >= 40 * S).collect();
    // Full, less at most the batch just taken when the previous export failed.
    assert!(
        late.iter()
            .all(|s| (2048 - 512..=2048).contains(&s.queue_items))
    );
    assert!(late.iter().all(|s| s.spans_held <= 2561));
    let rss: Vec<u64> = late.iter().map(|s| s.rss_bytes).collect();
    assert_eq!(rss.iter().min(), rss.iter().max(), "a plateau");
    assert!(rss[0] <= t.memory_bound.unwrap());
    // One export of 512 fails every 10 s (the exporter timeout; no time left to retry).
    let failed = dropped(&r, DropReason::ExportFailed);
    // One export fails every 10 s: the exporter timeout leaves no time to retry. 13 of them
    // in the 130 s hang (the first may be a timer-driven partial batch).
    assert!((12 * 512..=13 * 512).contains(&failed), "{failed}");
    assert!(dropped(&r, DropReason::TracerQueueFull) > 200_000);
}

#[test]
fn otel_sdk_large_queue_grows_to_its_bound_then_drops_newest() {
    let r = run(
        &model("otel-sdk-collector-hung.toml"),
        &[
            "tracer.max_queue_size=200000",
            "tracer.memory.limit=\"1GiB\"",
        ],
    );
    let rows = tracer_rows(&r);
    let k = &r.counters;
    let first = k.first_drop_by[DropReason::TracerQueueFull as usize].expect("drops") as f64 / 1e9;
    // 200,000 spans at 2,000/s in, ~51/s out (512 per 10 s): full ~103 s into the hang.
    assert!((115.0..130.0).contains(&first), "first drop at {first} s");
    // Grows until then...
    let at = |t: u64| rows.iter().find(|s| s.t == t * S).unwrap();
    assert!(at(60).rss_bytes > at(40).rss_bytes + 50_000_000);
    assert!(at(100).rss_bytes > at(60).rss_bytes + 100_000_000);
    // ... then stays at the bound.
    assert!(at(140).queue_items >= 200_000 - 512);
    assert_eq!(at(140).rss_bytes, at(149).rss_bytes);
    // The idle process already pays for 200,000 preallocated slots.
    assert!(rows[0].rss_bytes > 70_000_000);
}

#[test]
fn otel_sdk_drains_after_a_60s_outage() {
    let r = run(&model("otel-sdk-collector-outage.toml"), &[]);
    let rows = tracer_rows(&r);
    let at = |t: u64| rows.iter().find(|s| s.t == t * S).unwrap();
    assert_eq!(at(70).queue_items, 2048, "full during the outage");
    assert!(!at(70).downstream_up && at(90).downstream_up);
    // Drained within a couple of seconds of the recovery at 80 s.
    assert!(at(83).queue_items < 512, "{}", at(83).queue_items);
    // Live memory falls back; RSS keeps its high-water mark (glibc), as measured.
    assert!(at(90).live_bytes * 4 < at(70).live_bytes);
    assert_eq!(at(90).rss_bytes, at(70).rss_bytes);
    // Everything generated after the recovery is exported.
    let k = &r.counters;
    assert!(k.exported > 0 && k.first_drop.unwrap() >= 20 * S);
    let last = rows.last().unwrap();
    assert_eq!(last.spans_dropped, at(85).spans_dropped);
}

#[test]
fn python_drops_the_oldest() {
    let r = run(
        &model("otel-sdk-collector-hung.toml"),
        &["tracer.language=\"python\"", "scenario.duration=\"60s\""],
    );
    let full = dropped(&r, DropReason::TracerQueueFull);
    assert!(full > 50_000);
    // Same count as drop-newest over the same arrivals, but Python's exporter (its own
    // timeout and retry) decides the failed batches.
    check(&r);
}

#[test]
fn sampling_ratio_keeps_a_fraction() {
    let r = run(
        &model("otel-sdk-collector-outage.toml"),
        &["tracer.sampler_ratio=0.25", "scenario.duration=\"20s\""],
    );
    let u = dropped(&r, DropReason::Unsampled) as f64 / r.counters.generated as f64;
    assert!((0.73..0.77).contains(&u), "{u}");
}

// ---- End to end ----

/// TINY's collector and storage behind an OpenTelemetry Go SDK and an agent.
fn pipeline() -> String {
    format!(
        "{TINY}\n{}",
        r#"
[tracer]
kind = "otel-sdk"
language = "go"
max_queue_size = 500
max_export_batch_size = 100
scheduled_delay = "1s"

[tracer.memory]
baseline = "5MiB"
span_fixed = "500B"
span_per_wire_byte = 1.0

[agent]
latency = "5ms"
"#
    )
}

#[test]
fn conservation_from_tracer_through_agent_collector_and_storage() {
    let p = pipeline();
    // Agent hangs then refuses, storage fails, the collector OOMs, the tracer OOMs.
    let r = run(
        &p,
        &[
            "scenario.duration=\"5m\"",
            "workload.arrivals=\"poisson\"",
            "workload.rate=\"400/s\"",
            "workload.spans_per_request={dist=\"poisson\", mean=3}",
            "workload.request_duration={dist=\"exponential\", mean=\"200ms\"}",
            "agent.outages=[{start=\"30s\", duration=\"40s\", mode=\"hang\"}, {start=\"100s\", duration=\"30s\", mode=\"refuse\"}]",
            "agent.error_rate=0.05",
            "agent.throughput=\"5000/s\"",
            "storage.outages=[{start=\"150s\", duration=\"60s\", mode=\"refuse\"}]",
            "collector.memory.limit=\"40MiB\"",
            "tracer.memory.limit=\"8MiB\"",
        ],
    );
    check(&r);
    let k = &r.counters;
    assert!(k.exported > 0);
    for reason in [
        DropReason::ExportFailed,
        DropReason::TracerQueueFull,
        DropReason::StorageError,
    ] {
        assert!(dropped(&r, reason) > 0, "{}", reason.name());
    }
    // Both components appear in the timeseries.
    assert!(r.samples.iter().any(|s| s.component == "tracer"));
    assert!(r.samples.iter().any(|s| s.component == "collector"));
}

#[test]
fn conservation_with_datadog_straight_to_a_collector_that_goes_down() {
    // No agent: the tracer posts to the collector, which OOMs; while it is down the
    // tracer's requests fail and are dropped (no retry).
    let p = format!(
        "{TINY}\n{}",
        r#"
[tracer]
kind = "envoy-datadog"
workers = 3

[tracer.memory]
baseline = "40MiB"
span_fixed = "2000B"
span_per_wire_byte = 0.5
"#
    );
    let r = run(
        &p,
        &[
            "scenario.duration=\"3m\"",
            "workload.rate=\"500/s\"",
            "workload.request_duration=\"300ms\"",
            "storage.outages=[{start=\"20s\", duration=\"120s\", mode=\"hang\"}]",
            "collector.memory.limit=\"30MiB\"",
            "collector.queue_size=100000",
        ],
    );
    check(&r);
    assert!(r.counters.oom_kills > 0, "the collector is OOM-killed");
    assert!(dropped(&r, DropReason::ExportFailed) > 0);
    assert!(r.counters.exported > 0);
}

#[test]
fn tracer_scenarios_are_deterministic() {
    let a = run(
        &model("istio-ingress-datadog-span-limit.toml"),
        &["scenario.duration=\"3m\""],
    );
    let b = run(
        &model("istio-ingress-datadog-span-limit.toml"),
        &["scenario.duration=\"3m\""],
    );
    let rec = |r: &RunResult| {
        r.samples
            .iter()
            .map(|s| s.record().join(","))
            .collect::<Vec<_>>()
    };
    assert_eq!(rec(&a), rec(&b));
    assert_eq!(a.summary_record(), b.summary_record());
}

#[test]
fn tracer_input_errors_name_the_field() {
    let bad = |base: &str, set: &str, field: &str| {
        let text = tracesim::scenario::apply_overrides("t", base, &[set.to_string()]).unwrap();
        let e = tracesim::scenario::parse("t", &text).expect_err(set);
        assert_eq!(e.field, field, "{e}");
    };
    let dd = model("istio-ingress-datadog.toml");
    let otel = model("otel-sdk-collector-hung.toml");
    bad(&dd, "tracer.language=\"go\"", "tracer.language");
    bad(&dd, "tracer.span_limit=0", "tracer.span_limit");
    bad(&dd, "tracer.sampler_ratio=0.1", "tracer.sampler_ratio");
    bad(
        &otel,
        "tracer.max_export_batch_size=5000",
        "tracer.max_export_batch_size",
    );
    bad(&otel, "tracer.workers=4", "tracer.workers");
    bad(
        &otel,
        "tracer.retry.multiplier=0.5",
        "tracer.retry.multiplier",
    );
    bad(&otel, "tracer.memory.limit=\"1MiB\"", "tracer.memory.limit");
    bad(
        &otel,
        "agent.outages.0.duration=\"0s\"",
        "agent.outages[0].duration",
    );
    bad(&otel, "tracer.kind=\"zipkin\"", "tracer.kind");
}
