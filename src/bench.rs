//! `tracesim bench`: the speed benchmarks, as CSV (one row per benchmark and repeat).
//!
//! The scenarios are compiled in (the bundled models plus overrides), so the numbers do not
//! depend on the working directory. Wall time is measured around the simulation only
//! (scenario parsing and output writing excluded); `--quick` shrinks every benchmark for a
//! smoke test.

use crate::cli::{Failure, usage};
use crate::pipeline::Simulation;
use crate::scenario::{self, Scenario};
use crate::sim::{EventQueue, Stream, Streams};
use crate::sweep::{Plan, Point};
use clap::Args;
use rand::Rng;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

const ES_OUTAGE: &str = include_str!("../models/jaeger-collector-es-outage.toml");
const ES_OUTAGE_1GIB: &str = include_str!("../models/jaeger-collector-es-outage-1gib.toml");
const HEALTHY: &str = include_str!("../models/jaeger-collector-healthy.toml");
const KYMA: &str = include_str!("../models/otelcol-kyma-outage.toml");
const ISTIO: &str = include_str!("../models/istio-ingress-datadog.toml");
/// The healthy collector at 45,000 spans/s is given 2 GiB instead of its model's 250 MiB.
const HEALTHY_2GIB: &[&str] = &["collector.memory.limit=\"2GiB\""];
/// The SimPy peer's model (`bench/simpy_collector.py`).
pub const PEER: &str = include_str!("../bench/peer-collector.toml");

pub const NAMES: [&str; 12] = [
    "event_queue",
    "peer_collector",
    "peer_floor",
    "jaeger_outage_1300_20m",
    "jaeger_45k_1h",
    "jaeger_45k_1h_span",
    "jaeger_outage_45k_1h",
    "jaeger_outage_45k_1h_span",
    "istio_datadog",
    "otelcol_kyma",
    "sweep_1000_threads_1",
    "sweep_1000_threads_2",
];

const BENCH_HELP: &str = "Examples:
  tracesim bench --out bench.csv
  tracesim bench --only jaeger_45k_1h,event_queue --repeat 3
  tracesim bench --quick          # every benchmark shrunk, for a smoke test

Benchmarks: event_queue (10M schedule+pop), peer_collector (the SimPy peer's model,
bench/peer-collector.toml: 1,300 spans/s, 10 minutes), peer_floor (the same model with
nothing but its queue, workers and draws: the floor under any engine of it),
jaeger_outage_1300_20m (the Jaeger seed story, 1,300 spans/s, 20 minutes), jaeger_45k_1h
(the healthy collector at 45,000 spans/s for an hour: 162M spans, at request resolution),
jaeger_45k_1h_span (the same, every span on its own), jaeger_outage_45k_1h and _span (the
seed story at 45,000 spans/s for an hour), istio_datadog, otelcol_kyma,
sweep_1000_threads_1 and _2 (20 queue sizes x 50 replications of the 25-minute 1 GiB
story). Columns: bench, threads, repeat, wall_s, runs, spans, spans_per_s, events, events_per_s.";

#[derive(Args, Debug)]
#[command(after_help = BENCH_HELP)]
pub struct BenchArgs {
    /// Comma-separated benchmark names (default: all).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Repeat each benchmark this many times (one row each).
    #[arg(long, default_value_t = 1)]
    pub repeat: u32,
    /// Shrink every benchmark (seconds instead of minutes), for a smoke test.
    #[arg(long)]
    pub quick: bool,
    /// Write the CSV here (atomically) instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

struct Row {
    bench: &'static str,
    threads: usize,
    wall: f64,
    runs: u64,
    spans: u64,
    events: u64,
}

fn load(text: &str, overrides: &[&str]) -> Result<Scenario, Failure> {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let t = scenario::apply_overrides("bench", text, &o)?;
    Ok(scenario::parse("bench", &t)?)
}

fn one_run(bench: &'static str, sc: &Scenario) -> Row {
    let t0 = Instant::now();
    let r = Simulation::new(sc, None).run();
    Row {
        bench,
        threads: 1,
        wall: t0.elapsed().as_secs_f64(),
        runs: 1,
        spans: r.counters.generated,
        events: r.events_processed,
    }
}

/// A Jaeger model at 45,000 spans/s (5,190 requests/s of 8.67 spans, 4 bulk workers) at
/// `resolution`, with `extra` overrides: the healthy collector (given a 2 GiB limit), or the
/// seed story (Elasticsearch refusing from 5 to 20 min, 80 MiB queue, 250 MiB limit:
/// OOM-killed and restarted).
fn jaeger_45k_1h(
    bench: &'static str,
    base: &str,
    extra: &[&str],
    resolution: &str,
    duration: &str,
) -> Result<Row, Failure> {
    let resolution = format!("scenario.resolution=\"{resolution}\"");
    let mut o = vec![
        "workload.rate=\"5190/s\"",
        duration,
        "storage.bulk.workers=4",
        &resolution,
    ];
    o.extend_from_slice(extra);
    Ok(one_run(bench, &load(base, &o)?))
}

/// What the peer model's bare kernel counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FloorCounts {
    pub generated: u64,
    pub exported: u64,
    pub dropped_queue_full: u64,
    pub storage_error: u64,
    pub peak_queue: u64,
    pub events: u64,
}

/// The peer model (`bench/peer-collector.toml`: Poisson spans, one per request, a bounded FIFO
/// queue with tail drop, synchronous writes with a latency distribution, hang outages) with
/// nothing but its queue, its workers and its draws: no memory model, no samples, no event
/// enum, a heap of `(time, seq)` write completions beside the next arrival. It draws from the
/// engine's own streams through the engine's own [`Workload`](crate::workload::Workload) and
/// [`Sampler`](crate::dist::Sampler), and orders ties as the event list does, so it counts
/// exactly what [`Simulation`] counts (a test holds that). Its speed is the floor under any
/// engine of this model with these draws: how far a full simulator can be from it, and how
/// far any SimPy ratio could go.
pub fn peer_floor(sc: &Scenario) -> FloorCounts {
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, VecDeque};
    let col = sc
        .collector
        .as_ref()
        .expect("the peer model has a collector");
    let st = sc.storage.as_ref().expect("the peer model has a storage");
    assert!(
        sc.tracer.is_none()
            && sc.agent.is_none()
            && col.queue_size_memory.is_none()
            && st.kind == crate::scenario::raw::StorageKind::Direct
            && st.throughput.is_none()
            && st.error_rate == 0.0
            && st.timeout.is_none()
            && st
                .outages
                .iter()
                .all(|o| o.mode == crate::scenario::raw::OutageMode::Hang)
            && matches!(sc.workload.spans_per_request, crate::dist::Sampler::Fixed(v) if v == 1.0),
        "peer_floor models the peer scenario's shape only"
    );
    let streams = Streams::new(sc.seed);
    let mut wl = crate::workload::Workload::new(&sc.workload, None, &streams);
    let mut rng_latency = streams.get(Stream::StorageLatency);
    let mut k = FloorCounts::default();
    // Write completions: (done at, sequence number, write failed).
    let mut writes: BinaryHeap<Reverse<(u64, u64, bool)>> = BinaryHeap::new();
    let mut queue: VecDeque<u32> = VecDeque::new();
    let mut idle = col.num_workers;
    let mut seq = 0u64;
    let mut start_write = |now: u64, writes: &mut BinaryHeap<_>, seq: &mut u64| {
        let done = match st.outage_at(now) {
            Some(o) => (o.end, true),
            None => {
                let l = st.latency.sample(&mut rng_latency).max(0.0) as u64;
                (now + l, false)
            }
        };
        *seq += 1;
        writes.push(Reverse((done.0, *seq, done.1)));
    };
    let Some(mut arrival) = wl.next_arrival(0) else {
        return k;
    };
    seq += 1;
    let mut arrival_seq = seq;
    loop {
        let write_first = writes
            .peek()
            .is_some_and(|Reverse((t, s, _))| (*t, *s) < (arrival, arrival_seq));
        k.events += 1;
        if write_first {
            let Reverse((now, _, failed)) = writes.pop().expect("peeked");
            if now > sc.duration {
                break;
            }
            if failed {
                k.storage_error += 1;
            } else {
                k.exported += 1;
            }
            idle += 1;
            if queue.pop_front().is_some() {
                idle -= 1;
                start_write(now, &mut writes, &mut seq);
            }
        } else {
            let now = arrival;
            if now > sc.duration {
                break;
            }
            k.generated += 1;
            let wire = wl.span_wire_size();
            if queue.len() as u64 >= col.queue_size {
                k.dropped_queue_full += 1;
            } else {
                queue.push_back(wire);
                // A span is counted in the queue before a worker takes it, as in Jaeger.
                k.peak_queue = k.peak_queue.max(queue.len() as u64);
                if idle > 0 && queue.pop_front().is_some() {
                    idle -= 1;
                    start_write(now, &mut writes, &mut seq);
                }
            }
            arrival = wl.next_arrival(now).unwrap_or(u64::MAX);
            seq += 1;
            arrival_seq = seq;
        }
    }
    k.events -= 1; // the one past the end
    k
}

/// Schedules and pops `n` events with exponential delays (mean 1 ms), keeping ~1,000
/// pending: the event list's throughput alone.
fn event_queue(n: u64) -> Row {
    let mut rng = Streams::new(1).get(Stream::Arrivals);
    let mut q: EventQueue<u64> = EventQueue::new();
    for i in 0..1000 {
        q.schedule_in(rng.gen_range(0..2_000_000), i);
    }
    let t0 = Instant::now();
    let mut sum = 0u64;
    for _ in 0..n {
        let (_, ev) = q.pop().expect("never empty");
        sum = sum.wrapping_add(ev);
        let d = (-(1.0 - rng.r#gen::<f64>()).ln() * 1e6) as u64;
        q.schedule_in(d, ev);
    }
    std::hint::black_box(sum);
    Row {
        bench: "event_queue",
        threads: 1,
        wall: t0.elapsed().as_secs_f64(),
        runs: 1,
        spans: 0,
        events: n,
    }
}

fn sweep_1000(bench: &'static str, threads: usize, quick: bool) -> Result<Row, Failure> {
    let (points, reps) = if quick { (4, 5) } else { (20, 50) };
    let mut pts = Vec::new();
    for i in 1..=points {
        let v = format!("collector.queue_size_memory=\"{}MiB\"", 5 * i);
        let sc = load(ES_OUTAGE_1GIB, &[&v])?;
        pts.push(Point {
            labels: vec![format!("{}MiB", 5 * i)],
            overrides: vec![v],
            scenario: std::sync::Arc::new(sc),
        });
    }
    let plan = Plan::listed(
        vec!["collector.queue_size_memory".into()],
        pts,
        reps,
        1,
        ES_OUTAGE_1GIB.to_string(),
    );
    // As `tracesim sweep` does: each run is simulated and reduced to its row (here its
    // counts) on a worker thread, so nothing but a few numbers per run outlives it.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Failure {
            code: 1,
            error: e.into(),
        })?;
    let t0 = Instant::now();
    let counts: Vec<(u64, u64)> = pool.install(|| {
        use rayon::prelude::*;
        (0..plan.total_runs())
            .into_par_iter()
            .map(|id| {
                let r = plan.simulate(id)?;
                Ok((r.counters.generated, r.events_processed))
            })
            .collect::<Result<_, crate::scenario::ScenarioError>>()
    })?;
    Ok(Row {
        bench,
        threads,
        wall: t0.elapsed().as_secs_f64(),
        runs: counts.len() as u64,
        spans: counts.iter().map(|c| c.0).sum(),
        events: counts.iter().map(|c| c.1).sum(),
    })
}

fn run_bench(name: &str, quick: bool) -> Result<Row, Failure> {
    let dur = |full: &'static str, short: &'static str| {
        format!("scenario.duration=\"{}\"", if quick { short } else { full })
    };
    Ok(match name {
        "event_queue" => event_queue(if quick { 1_000_000 } else { 10_000_000 }),
        "peer_collector" => one_run("peer_collector", &load(PEER, &[&dur("10m", "1m")])?),
        "peer_floor" => {
            let sc = load(PEER, &[&dur("10m", "1m")])?;
            let t0 = Instant::now();
            let k = peer_floor(&sc);
            Row {
                bench: "peer_floor",
                threads: 1,
                wall: t0.elapsed().as_secs_f64(),
                runs: 1,
                spans: k.generated,
                events: k.events,
            }
        }
        "jaeger_outage_1300_20m" => one_run(
            "jaeger_outage_1300_20m",
            &load(ES_OUTAGE, &[&dur("20m", "2m")])?,
        ),
        "jaeger_45k_1h" => jaeger_45k_1h(
            "jaeger_45k_1h",
            HEALTHY,
            HEALTHY_2GIB,
            "request",
            &dur("1h", "1m"),
        )?,
        "jaeger_45k_1h_span" => jaeger_45k_1h(
            "jaeger_45k_1h_span",
            HEALTHY,
            HEALTHY_2GIB,
            "span",
            &dur("1h", "1m"),
        )?,
        "jaeger_outage_45k_1h" => jaeger_45k_1h(
            "jaeger_outage_45k_1h",
            ES_OUTAGE,
            &[],
            "request",
            &dur("1h", "6m"),
        )?,
        "jaeger_outage_45k_1h_span" => jaeger_45k_1h(
            "jaeger_outage_45k_1h_span",
            ES_OUTAGE,
            &[],
            "span",
            &dur("1h", "6m"),
        )?,
        "istio_datadog" => one_run("istio_datadog", &load(ISTIO, &[&dur("25m", "2m")])?),
        "otelcol_kyma" => one_run("otelcol_kyma", &load(KYMA, &[&dur("16m", "2m")])?),
        "sweep_1000_threads_1" => sweep_1000("sweep_1000_threads_1", 1, quick)?,
        "sweep_1000_threads_2" => sweep_1000("sweep_1000_threads_2", 2, quick)?,
        other => {
            return Err(usage(format!(
                "--only: no benchmark `{other}` (one of {})",
                NAMES.join(", ")
            )));
        }
    })
}

pub fn cmd_bench(a: BenchArgs) -> Result<(), Failure> {
    if let Some(p) = &a.out {
        crate::outdir::check_file(p, &crate::outdir::never_ours)?;
    }
    let names: Vec<String> = if a.only.is_empty() {
        NAMES.iter().map(|s| s.to_string()).collect()
    } else {
        a.only.clone()
    };
    for n in &names {
        if !NAMES.contains(&n.as_str()) {
            return Err(usage(format!(
                "--only: no benchmark `{n}` (one of {})",
                NAMES.join(", ")
            )));
        }
    }
    if a.repeat == 0 || a.repeat > 1000 {
        return Err(usage("--repeat must be between 1 and 1000"));
    }
    let mut out = Vec::new();
    writeln!(
        out,
        "bench,threads,repeat,wall_s,runs,spans,spans_per_s,events,events_per_s"
    )
    .expect("write to memory");
    for n in &names {
        for rep in 0..a.repeat {
            eprint!("{n} (repeat {rep}) ... ");
            let r = run_bench(n, a.quick)?;
            eprintln!("{:.3} s", r.wall);
            let per = |x: u64| {
                if r.wall > 0.0 {
                    format!("{:.0}", x as f64 / r.wall)
                } else {
                    String::new()
                }
            };
            writeln!(
                out,
                "{},{},{},{:.6},{},{},{},{},{}",
                r.bench,
                r.threads,
                rep,
                r.wall,
                r.runs,
                r.spans,
                per(r.spans),
                r.events,
                per(r.events)
            )
            .expect("write to memory");
        }
    }
    match &a.out {
        Some(p) => crate::outdir::write_file(p, &out, &crate::outdir::never_ours)?,
        None => std::io::stdout().write_all(&out).map_err(|e| Failure {
            code: 1,
            error: e.into(),
        })?,
    }
    Ok(())
}
