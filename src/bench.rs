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
use crate::sweep::{self, Plan, Point};
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

pub const NAMES: [&str; 8] = [
    "event_queue",
    "jaeger_outage_1300_20m",
    "jaeger_45k_1h",
    "jaeger_45k_1h_span",
    "istio_datadog",
    "otelcol_kyma",
    "sweep_1000_threads_1",
    "sweep_1000_threads_2",
];

const BENCH_HELP: &str = "Examples:
  tracesim bench --out bench.csv
  tracesim bench --only jaeger_45k_1h,event_queue --repeat 3
  tracesim bench --quick          # every benchmark shrunk, for a smoke test

Benchmarks: event_queue (10M schedule+pop), jaeger_outage_1300_20m (the Jaeger seed story,
1,300 spans/s, 20 minutes), jaeger_45k_1h (45,000 spans/s for an hour: 162M spans, at
request resolution), jaeger_45k_1h_span (the same, every span on its own),
istio_datadog, otelcol_kyma, sweep_1000_threads_1 and _2 (20 queue sizes x 50
replications of the 25-minute 1 GiB story). Columns: bench, threads, repeat, wall_s,
runs, spans, spans_per_s, events, events_per_s.";

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

/// The healthy collector at 45,000 spans/s (4 bulk workers, 2 GiB) at `resolution`.
fn jaeger_45k_1h(bench: &'static str, resolution: &str, duration: &str) -> Result<Row, Failure> {
    let resolution = format!("scenario.resolution=\"{resolution}\"");
    let sc = load(
        HEALTHY,
        &[
            "workload.rate=\"5190/s\"",
            duration,
            "storage.bulk.workers=4",
            "collector.memory.limit=\"2GiB\"",
            &resolution,
        ],
    )?;
    Ok(one_run(bench, &sc))
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
            scenario: sc,
        });
    }
    let plan = Plan {
        label_columns: vec!["collector.queue_size_memory".into()],
        master_seed: 1,
        points: pts,
        replications: reps,
        text: ES_OUTAGE_1GIB.to_string(),
    };
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
                let r = plan.simulate(id);
                (r.counters.generated, r.events_processed)
            })
            .collect()
    });
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
        "jaeger_outage_1300_20m" => one_run(
            "jaeger_outage_1300_20m",
            &load(ES_OUTAGE, &[&dur("20m", "2m")])?,
        ),
        "jaeger_45k_1h" => jaeger_45k_1h("jaeger_45k_1h", "request", &dur("1h", "1m"))?,
        "jaeger_45k_1h_span" => jaeger_45k_1h("jaeger_45k_1h_span", "span", &dur("1h", "1m"))?,
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
        Some(p) => sweep::write_file_atomic(p, &out).map_err(|e| Failure { code: 1, error: e })?,
        None => std::io::stdout().write_all(&out).map_err(|e| Failure {
            code: 1,
            error: e.into(),
        })?,
    }
    Ok(())
}
