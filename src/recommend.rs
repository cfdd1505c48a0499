//! Sizing recommendations: the largest queue that does not get the process OOM-killed in an
//! outage, the memory a queue really needs, and how long an outage it survives without
//! losing spans, next to the history-based rules people use instead.
//!
//! Method. For each candidate queue size (the scenario's own knob: Jaeger's
//! `queue_size_memory` if it sets one, else `queue_size`; an OpenTelemetry Collector's
//! `sending_queue.queue_size`), `replications` runs with common random numbers:
//! * with no memory limit, to see the whole peak RSS distribution (a limit would cut it at
//!   the OOM kill);
//! * with the user's limit, to see when data is first lost (queue full, OOM kill, restart).
//!
//! A queue is safe when the fraction of runs whose peak exceeds the limit (less the
//! headroom) is at most 1 - confidence. Peak RSS grows with the queue, so the answer is
//! bracketed on a geometric grid and refined by bisection on a log scale.

use crate::cli::{Failure, ManyArgs, default_out, usage};
use crate::metrics::RunResult;
use crate::scenario;
use crate::scenario::raw::QueueSizer;
use crate::stats::{mean_ci, quantile, wilson};
use crate::sweep::{self, Plan, csv_line};
use crate::units::{ByteSize, Duration};
use anyhow::Result;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct RecommendArgs {
    /// Scenario file (TOML)
    pub scenario: PathBuf,
    /// The container memory limit to fit, e.g. 200MiB
    #[arg(long, value_parser = parse_size)]
    pub memory_limit: SizeArg,
    /// Outage to survive (replaces the scenario's first outage's duration), e.g. 10m
    #[arg(long, value_parser = parse_duration)]
    pub outage: Option<Duration>,
    /// Keep this share of the limit free for what the model does not see (allocator
    /// fragmentation, goroutine stacks under load, a GC cycle that ends late), e.g. 10%
    #[arg(long, default_value = "10%", value_parser = parse_percent)]
    pub headroom: f64,
    #[command(flatten)]
    pub many: ManyArgs,
}

/// A size flag, with the unit family it was written in (sizes are shown in it).
#[derive(Clone, Copy, Debug)]
pub struct SizeArg {
    pub bytes: ByteSize,
    pub family: Option<crate::units::Family>,
}

fn parse_size(s: &str) -> Result<SizeArg, String> {
    Ok(SizeArg {
        bytes: ByteSize::parse(s)?,
        family: crate::units::Family::of_literal(s),
    })
}
fn parse_duration(s: &str) -> Result<Duration, String> {
    Duration::parse(s)
}
fn parse_percent(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v: f64 = match t.strip_suffix('%') {
        Some(p) => {
            p.trim()
                .parse::<f64>()
                .map_err(|_| format!("`{s}` is not a percentage"))?
                / 100.0
        }
        None => t
            .parse()
            .map_err(|_| format!("`{s}` is not a fraction or percentage"))?,
    };
    if !(0.0..0.9).contains(&v) {
        return Err(format!("headroom `{s}` must be between 0% and 90%"));
    }
    Ok(v)
}

/// The knob searched: bytes of Jaeger's `queue_size_memory`, a Jaeger span count, or an
/// OpenTelemetry Collector's `sending_queue.queue_size` in its sizer's unit.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Knob {
    Memory,
    Count,
    Otel(QueueSizer),
}

impl Knob {
    fn path(self) -> &'static str {
        match self {
            Knob::Memory => "collector.queue_size_memory",
            Knob::Count => "collector.queue_size",
            Knob::Otel(_) => "otelcol.exporter.sending_queue.queue_size",
        }
    }
    /// The container limit's field for this collector.
    fn limit_path(self) -> &'static str {
        match self {
            Knob::Otel(_) => "otelcol.memory.limit",
            _ => "collector.memory.limit",
        }
    }
    fn value(self, v: f64) -> String {
        match self {
            Knob::Memory => format!("{}B", v.round() as u64),
            Knob::Count | Knob::Otel(_) => format!("{}", v.round().max(1.0) as u64),
        }
    }
    fn show(self, v: f64) -> String {
        match self {
            Knob::Memory => format!("{:.1} MiB", v / 1048576.0),
            Knob::Count => format!("{} spans", v.round() as u64),
            Knob::Otel(QueueSizer::Requests) => format!("{} requests", v.round() as u64),
            Knob::Otel(QueueSizer::Items) => format!("{} spans", v.round() as u64),
            Knob::Otel(QueueSizer::Bytes) => format!("{:.1} MiB of wire", v / 1048576.0),
        }
    }
}

/// What the runs of one queue size say.
#[derive(Clone, Debug)]
struct Eval {
    queue: f64,
    peak_mean: f64,
    peak_upper: f64,
    peak_max: f64,
    p_oom: f64,
    p_oom_high: f64,
    safe: bool,
    /// Shortest time from the outage start to the first lost span, over replications
    /// (None: no span lost in any replication).
    survived_s: Option<f64>,
    lost_per_outage_min: f64,
}

struct Ctx<'a> {
    path: &'a Path,
    base: Vec<String>,
    many: &'a ManyArgs,
    knob: Knob,
    limit: u64,
    effective_limit: f64,
    outage_start_s: f64,
    outage_s: f64,
    bar: sweep::Progress,
}

impl Ctx<'_> {
    fn plan(&self, queues: &[f64], limit: Option<u64>, extra: &[String]) -> Result<Plan, Failure> {
        let mut overrides = self.base.clone();
        overrides.extend_from_slice(extra);
        let lim = match limit {
            Some(l) => format!("{}={l}B", self.knob.limit_path()),
            // "No limit": far above anything a run reaches.
            None => format!("{}={}B", self.knob.limit_path(), 1u64 << 50),
        };
        let specs = queues
            .iter()
            .map(|&q| {
                (
                    vec![self.knob.value(q)],
                    vec![
                        format!("{}={}", self.knob.path(), self.knob.value(q)),
                        lim.clone(),
                    ],
                )
            })
            .collect();
        Ok(Plan::build(
            self.path,
            &overrides,
            vec![self.knob.path().to_string()],
            specs,
            self.many.replications,
            self.many.seed,
        )?)
    }

    fn run(&self, plan: &Plan) -> Result<Vec<RunResult>, Failure> {
        self.bar.inc_length(plan.total_runs());
        Ok(sweep::run_all(plan, self.many.threads, &self.bar)?)
    }

    fn evaluate(&self, queues: &[f64], with_loss: bool) -> Result<Vec<Eval>, Failure> {
        let r = self.many.replications as usize;
        let free = self.run(&self.plan(queues, None, &[])?)?;
        let limited = if with_loss {
            Some(self.run(&self.plan(queues, Some(self.limit), &[])?)?)
        } else {
            None
        };
        let level = self.many.confidence;
        Ok(queues
            .iter()
            .enumerate()
            .map(|(i, &q)| {
                let peaks: Vec<f64> = free[i * r..(i + 1) * r]
                    .iter()
                    .map(|x| x.counters.peak_rss as f64)
                    .collect();
                let over = peaks.iter().filter(|&&p| p > self.effective_limit).count();
                let (_, hi) = wilson(over, r, level);
                let p_oom = over as f64 / r as f64;
                let (survived_s, lost) = match &limited {
                    Some(l) => {
                        let runs = &l[i * r..(i + 1) * r];
                        let first: Vec<f64> = runs
                            .iter()
                            .filter_map(|x| x.counters.first_drop)
                            .map(|t| (t as f64 / 1e9 - self.outage_start_s).max(0.0))
                            .collect();
                        let s = first
                            .iter()
                            .cloned()
                            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))));
                        let lost = runs
                            .iter()
                            .map(|x| x.counters.dropped_total() as f64)
                            .sum::<f64>()
                            / r as f64
                            / (self.outage_s / 60.0).max(1e-9);
                        (s, lost)
                    }
                    None => (None, f64::NAN),
                };
                Eval {
                    queue: q,
                    peak_mean: mean_ci(&peaks, level).map_or(0.0, |c| c.mean),
                    peak_upper: quantile(&peaks, level).unwrap_or(0.0),
                    peak_max: peaks.iter().cloned().fold(0.0, f64::max),
                    p_oom,
                    p_oom_high: hi,
                    safe: p_oom <= 1.0 - level + 1e-12,
                    survived_s,
                    lost_per_outage_min: lost,
                }
            })
            .collect())
    }
}

pub fn cmd_recommend(a: RecommendArgs) -> Result<(), Failure> {
    let m = &a.many;
    if m.replications == 0 || m.replications > 100_000 {
        return Err(usage("--replications must be between 1 and 100,000"));
    }
    if !(m.confidence > 0.0 && m.confidence < 1.0) {
        return Err(usage("--confidence must be between 0 and 1"));
    }
    let loaded = scenario::load(&a.scenario, &m.overrides)?;
    scenario::print_warnings(&loaded.warnings);
    let sc = &loaded.scenario;
    // Sizes are shown as the user wrote the limit (200MiB -> MiB), else as the scenario does.
    a.memory_limit
        .family
        .unwrap_or_else(|| crate::units::Family::of_scenario(&loaded.text))
        .set();
    let Some(storage) = &sc.storage else {
        return Err(usage(
            "recommend sizes a collector's queue: this scenario has no [collector] or [otelcol]",
        ));
    };
    let (knob, current) = match (&sc.collector, &sc.otelcol) {
        (Some(c), _) => match c.queue_size_memory {
            Some(b) => (Knob::Memory, b as f64),
            None => (Knob::Count, c.queue_size as f64),
        },
        (None, Some(o)) if o.queue.enabled => (Knob::Otel(o.queue.sizer), o.queue.capacity as f64),
        (None, Some(_)) => {
            return Err(usage(
                "the [otelcol] exporter has no sending queue (enabled = false): nothing to size",
            ));
        }
        (None, None) => unreachable!("a storage comes with a collector"),
    };
    // The folder is claimed before the search: a refused --out costs nothing.
    let out = m
        .out
        .clone()
        .unwrap_or_else(|| default_out(&a.scenario, "-recommend", &m.overrides));
    let mut od = crate::cli::claim(
        &out,
        &crate::outdir::Claim {
            inputs: &[&a.scenario],
            expected: &["tradeoff.csv", "recommendation.json"],
            force: m.force,
            ..crate::outdir::Claim::new("recommend")
        },
    )?;
    let mut base = m.overrides.clone();
    // The outage to survive.
    let (start, outage_s) = match (storage.outages.first(), a.outage) {
        (Some(o), Some(d)) => {
            base.push(format!("storage.outages.0.duration={}ns", d.0));
            (o.start, d.0 as f64 / 1e9)
        }
        (Some(o), None) => (o.start, (o.end - o.start) as f64 / 1e9),
        (None, Some(d)) => {
            let start = 300_000_000_000u64;
            base.push(format!(
                "storage.outages=[{{start = \"5m\", duration = \"{}ns\", mode = \"refuse\"}}]",
                d.0
            ));
            (start, d.0 as f64 / 1e9)
        }
        (None, None) => {
            return Err(usage(
                "the scenario has no storage outage: give one with --outage 10m",
            ));
        }
    };
    // Leave time to see the drain after the outage.
    let needed = start as f64 / 1e9 + outage_s + 120.0;
    if (sc.duration as f64 / 1e9) < needed {
        base.push(format!("scenario.duration={}s", needed.ceil() as u64));
    }
    let limit = a.memory_limit.bytes.0;
    // A bar on a terminal, a plain line every ~10 s elsewhere (CI, logs); the total grows
    // as the search adds candidates.
    let bar = sweep::Progress::new("recommend", 0, sweep::progress::Mode::for_stderr(m.quiet));
    let ctx = Ctx {
        path: &a.scenario,
        base,
        many: m,
        knob,
        limit,
        effective_limit: limit as f64 * (1.0 - a.headroom),
        outage_start_s: start as f64 / 1e9,
        outage_s,
        bar,
    };

    // A geometric grid around the scenario's own queue: /32 .. x4 in steps of sqrt(2).
    let lo_bound = match knob {
        Knob::Memory | Knob::Otel(QueueSizer::Bytes) => 65536.0,
        Knob::Count | Knob::Otel(QueueSizer::Items) => 10.0,
        Knob::Otel(QueueSizer::Requests) => 1.0,
    };
    let mut grid: Vec<f64> = (-10..=4)
        .map(|k| (current * 2f64.powf(k as f64 / 2.0)).max(lo_bound))
        .collect();
    grid.dedup();
    let mut table = ctx.evaluate(&grid, true)?;
    // Bracket and bisect (log scale) the largest safe queue.
    let first_unsafe = table.iter().position(|e| !e.safe);
    let best = match first_unsafe {
        Some(0) => None,
        Some(i) => {
            let (mut lo, mut hi) = (table[i - 1].queue, table[i].queue);
            let mut best = table[i - 1].clone();
            for _ in 0..6 {
                let mid = (lo * hi).sqrt();
                let e = ctx.evaluate(&[mid], false)?.remove(0);
                if e.safe {
                    lo = mid;
                    best = e;
                } else {
                    hi = mid;
                }
            }
            Some(best)
        }
        None => table.last().cloned(),
    };
    // The scenario's own queue, with losses under the limit.
    let own = ctx.evaluate(&[current], true)?.remove(0);
    // History-based rules: VPA on a healthy history (no outage), and 2 x queue.
    let healthy = ctx.plan(&[current], None, &["storage.outages=[]".to_string()])?;
    let healthy_peaks: Vec<f64> = ctx
        .run(&healthy)?
        .iter()
        .map(|r| r.counters.peak_rss as f64)
        .collect();
    let vpa = (quantile(&healthy_peaks, 0.9).unwrap_or(0.0) * 1.15).max(250e6);
    let mean_wire = sc.workload.span_size.mean();
    let queue_bytes = match knob {
        Knob::Memory | Knob::Otel(QueueSizer::Bytes) => current,
        Knob::Count | Knob::Otel(QueueSizer::Items) => current * mean_wire,
        // A request is a batch (or, without a batch processor, a client's request).
        Knob::Otel(QueueSizer::Requests) => {
            let spans = match sc.otelcol.as_ref().and_then(|o| o.batch.as_ref()) {
                Some(b) => b.send_batch_size as f64,
                None => sc.workload.spans_per_request.mean(),
            };
            current * spans * mean_wire
        }
    };
    let twice = 2.0 * queue_bytes;
    ctx.bar.finish();
    table.sort_by(|x, y| x.queue.total_cmp(&y.queue));

    // Outputs.
    let mut csv = csv_line(
        &[
            "queue_parameter",
            "queue_value",
            "peak_rss_mean_bytes",
            "peak_rss_upper_bytes",
            "peak_rss_max_bytes",
            "oom_probability",
            "oom_probability_ci_high",
            "safe",
            "survives_outage_without_loss_s",
            "spans_lost_per_outage_minute",
        ]
        .map(String::from),
    );
    for e in &table {
        csv.extend(csv_line(&[
            knob.path().to_string(),
            (e.queue.round() as u64).to_string(),
            (e.peak_mean.round() as u64).to_string(),
            (e.peak_upper.round() as u64).to_string(),
            (e.peak_max.round() as u64).to_string(),
            e.p_oom.to_string(),
            e.p_oom_high.to_string(),
            u8::from(e.safe).to_string(),
            e.survived_s.map_or(String::new(), |s| s.to_string()),
            e.lost_per_outage_min.to_string(),
        ]));
    }
    let needed_mem = own.peak_upper / (1.0 - a.headroom);
    let answer = serde_json::json!({
        "queue_parameter": knob.path(),
        "memory_limit_bytes": limit,
        "headroom": a.headroom,
        "confidence": m.confidence,
        "replications": m.replications,
        "outage_start_s": ctx.outage_start_s,
        "outage_duration_s": outage_s,
        "largest_safe_queue": best.as_ref().map(|b| b.queue.round() as u64),
        "largest_safe_queue_peak_rss_upper_bytes": best.as_ref().map(|b| b.peak_upper.round() as u64),
        "current_queue": current.round() as u64,
        "current_queue_memory_needed_bytes": needed_mem.round() as u64,
        "current_queue_peak_rss_mean_bytes": own.peak_mean.round() as u64,
        "current_queue_oom_probability_at_limit": own.p_oom,
        "current_queue_survives_outage_without_loss_s": own.survived_s,
        "vpa_rule_bytes": vpa.round() as u64,
        "twice_queue_rule_bytes": twice.round() as u64,
        "tool": "tracesim",
        "version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "scenario_path": a.scenario.display().to_string(),
        "overrides": m.overrides,
        "scenario_text": loaded.text,
    });
    od.put("recommend", "tradeoff.csv", &csv)?;
    od.put(
        "recommend",
        "recommendation.json",
        &serde_json::to_vec_pretty(&answer).map_err(anyhow::Error::from)?,
    )?;
    od.commit(crate::outdir::Scope::All)?;
    if m.quiet {
        return Ok(());
    }
    let (per, unit) = crate::units::Family::current().mega();
    let mb = |b: f64| format!("{:.0} {unit}", b / per);
    let outage_txt = format!("{:.0}-minute outage", outage_s / 60.0);
    println!(
        "{} with a {} limit{} and a {outage_txt} ({} replications, confidence {}):",
        sc.name,
        ByteSize(limit),
        if a.headroom > 0.0 {
            format!(" less {:.0}% headroom", a.headroom * 100.0)
        } else {
            String::new()
        },
        m.replications,
        m.confidence
    );
    match &best {
        Some(b) => println!(
            "  largest safe queue   {} = {} (peak RSS {} at the {:.0}th percentile)",
            knob.path(),
            knob.show(b.queue),
            mb(b.peak_upper),
            m.confidence * 100.0
        ),
        None => println!(
            "  largest safe queue   none: even {} OOMs the {} limit",
            knob.show(table[0].queue),
            ByteSize(limit)
        ),
    }
    println!(
        "  your queue           {} needs {} (peak RSS mean {}); at {} it OOMs in {:.0}% of runs",
        knob.show(current),
        mb(needed_mem),
        mb(own.peak_mean),
        ByteSize(limit),
        own.p_oom * 100.0
    );
    match own.survived_s {
        Some(s) => println!(
            "                       and first loses spans {:.0} s into the outage",
            s
        ),
        None => println!("                       and survives the whole outage without loss"),
    }
    println!(
        "  rules of thumb       VPA (p90 of healthy peaks + 15%, min 250 MB): {}{}; 2 x queue: {}{}",
        mb(vpa),
        if vpa < own.peak_upper {
            " -> OOM in this outage"
        } else {
            ""
        },
        mb(twice),
        if twice < own.peak_upper {
            " -> OOM in this outage"
        } else {
            ""
        },
    );
    println!(
        "\n  {:>14} {:>12} {:>12} {:>8} {:>16} {:>14}",
        "queue", "peak mean", "peak upper", "P(OOM)", "no loss for", "lost/min"
    );
    for e in &table {
        println!(
            "  {:>14} {:>12} {:>12} {:>8.2} {:>16} {:>14.0}",
            knob.show(e.queue),
            mb(e.peak_mean),
            mb(e.peak_upper),
            e.p_oom,
            e.survived_s
                .map_or("whole outage".to_string(), |s| format!("{s:.0} s")),
            e.lost_per_outage_min
        );
    }
    println!(
        "  wrote {}/{{tradeoff.csv, recommendation.json}}",
        out.display()
    );
    Ok(())
}
