//! `tracesim validate` and `tracesim calibrate`: how far a scenario is from measured memory
//! series, and fitting the parameters a user cannot know to them.
//!
//! Alignment: simulated time = measured time + offset. The offset is given, or, when the
//! scenario has an outage after t = 0 (agent or storage), found by matching the moment the
//! measured memory starts to rise (5% of its range) with the moment the simulated one does;
//! without such an outage it is 0. Both curves are
//! compared on the simulation's sample grid where both exist (the measurement linearly
//! interpolated).
//!
//! Metrics (anchors §C): RMSE, MAPE, max absolute error, error at the peak, time to plateau
//! (first time the curve is within 2% of its range from its maximum), first drop where both
//! sides have one, and the share of the measured points inside the simulation's band: min..max
//! over replications, its low end lowered to the allocator's floor where the model has one (a
//! native heap that may or may not give freed pages back, `rss_floor_bytes`).
//!
//! Replicate recordings of one setup (`--measured` repeated) are each compared, and so is
//! their per-time median: a program whose memory differs from run to run is judged by its
//! typical run, and each recording by the band.
//!
//! Calibration minimises the mean MAPE over the measured runs with Nelder-Mead (argmin) on a
//! log scale, within bounds (default: the scenario's value / 10 .. x 10). The search starts
//! at the scenario's values clamped into the bounds (a log scale has no `0B`), but the
//! reference is the scenario exactly as given: a best fit no better than it is not written.

use crate::cli::{Failure, usage};
use crate::measured::{self, ReadOptions, Series};
use crate::metrics::DropReason;
use crate::pipeline::Simulation;
use crate::scenario::{self, Scenario};
use crate::sim::rng::derive_seed;
use crate::sim::{NS_PER_SEC, secs};
use crate::units::ByteSize;
use anyhow::Context;
use clap::Args;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The simulated curve of one component: per sample time, mean and band over replications.
#[derive(Clone, Debug)]
pub struct SimCurve {
    pub t: Vec<f64>,
    pub mean: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    /// Per sample time, the lowest RSS the process could hold (min over replications).
    pub floor: Vec<f64>,
    pub first_drop: Option<f64>,
}

/// The component whose memory is compared: the collector when there is one, else the tracer.
pub fn default_component(sc: &Scenario) -> &'static str {
    if sc.collector.is_some() || sc.otelcol.is_some() {
        "collector"
    } else {
        "tracer"
    }
}

pub fn simulate(sc: &Scenario, component: &str, replications: u64) -> SimCurve {
    simulate_column(sc, component, "rss_bytes", replications)
}

/// [`simulate`] for any numeric timeseries column (`metrics::NUMERIC_COLUMNS`): a sample
/// without a value (a Go heap goal while the process is down) counts as 0. Only RSS has a
/// floor below it; any other column is its own floor.
pub fn simulate_column(
    sc: &Scenario,
    component: &str,
    column: &str,
    replications: u64,
) -> SimCurve {
    let rss = column == "rss_bytes";
    let runs: Vec<_> = (0..replications)
        .into_par_iter()
        .map(|r| {
            let seed = if replications == 1 {
                sc.seed
            } else {
                derive_seed(sc.seed, r)
            };
            Simulation::new(sc, Some(seed)).run()
        })
        .collect();
    let rows = |i: usize| -> Vec<(f64, f64, f64)> {
        runs[i]
            .samples
            .iter()
            .filter(|s| s.component == component)
            .map(|s| {
                let v = s.value(column).unwrap_or(0.0);
                let floor = if rss { s.rss_floor_bytes as f64 } else { v };
                (secs(s.t), v, floor)
            })
            .collect()
    };
    let first = rows(0);
    let mut curve = SimCurve {
        t: first.iter().map(|x| x.0).collect(),
        mean: vec![0.0; first.len()],
        lo: vec![f64::INFINITY; first.len()],
        hi: vec![0.0; first.len()],
        floor: vec![f64::INFINITY; first.len()],
        first_drop: None,
    };
    for i in 0..runs.len() {
        for (k, (_, v, f)) in rows(i).into_iter().enumerate().take(first.len()) {
            curve.mean[k] += v / runs.len() as f64;
            curve.lo[k] = curve.lo[k].min(v);
            curve.hi[k] = curve.hi[k].max(v);
            curve.floor[k] = curve.floor[k].min(f);
        }
    }
    // The first span dropped because a buffer was full (the measured `spans_dropped` of an
    // SDK counts its queue-full drops).
    let drops: Vec<f64> = runs
        .iter()
        .filter_map(|r| {
            let by = &r.counters.first_drop_by;
            [DropReason::QueueFull, DropReason::TracerQueueFull]
                .iter()
                .filter_map(|d| by[*d as usize])
                .min()
                .map(secs)
        })
        .collect();
    if drops.len() == runs.len() && !drops.is_empty() {
        curve.first_drop = Some(drops.iter().sum::<f64>() / drops.len() as f64);
    }
    curve
}

/// Start of the first outage after t = 0 (agent or storage), seconds.
pub fn outage_start(sc: &Scenario) -> Option<f64> {
    let a = sc.agent.iter().flat_map(|a| a.outages.iter());
    let s = sc.storage.iter().flat_map(|s| s.outages.iter());
    a.chain(s)
        .map(|o| o.start)
        .filter(|&t| t > 0)
        .min()
        .map(|t| t as f64 / NS_PER_SEC as f64)
}

/// When a memory curve starts to rise: 5% of its range above its starting level, the median
/// of its first 2% (at least 3 points). The median, not the least, so that a recording that
/// began while the program was still loading (a first sample of a few MB, the level reached
/// a tenth of a second later) does not take its own start-up for the rise.
pub fn rise_start(t: &[f64], bytes: &[f64]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let n0 = (bytes.len() / 50).max(3).min(bytes.len());
    let mut first = bytes[..n0].to_vec();
    first.sort_by(f64::total_cmp);
    let base = first[n0 / 2];
    let max = bytes.iter().cloned().fold(0.0, f64::max);
    let th = base + 0.05 * (max - base);
    t.iter()
        .zip(bytes)
        .find(|(_, v)| **v > th)
        .map_or(0.0, |(t, _)| *t)
}

/// How a measured series compares with a simulated curve.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub file: String,
    pub offset: f64,
    pub t: Vec<f64>,
    pub measured: Vec<f64>,
    pub simulated: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    pub floor: Vec<f64>,
    pub rmse: f64,
    pub mape: f64,
    pub max_abs: f64,
    pub peak_measured: f64,
    pub peak_simulated: f64,
    pub plateau_measured: f64,
    pub plateau_simulated: f64,
    pub first_drop_measured: Option<f64>,
    pub first_drop_simulated: Option<f64>,
    pub inside_band: f64,
}

impl Comparison {
    pub fn peak_error(&self) -> f64 {
        (self.peak_simulated - self.peak_measured) / self.peak_measured
    }
}

fn plateau_time(t: &[f64], v: &[f64]) -> f64 {
    let max = v.iter().cloned().fold(f64::MIN, f64::max);
    let min = v.iter().cloned().fold(f64::MAX, f64::min);
    let th = max - 0.02 * (max - min);
    t.iter()
        .zip(v)
        .find(|(_, x)| **x >= th)
        .map_or(0.0, |(t, _)| *t)
}

pub fn compare(m: &Series, sim: &SimCurve, offset: f64) -> Option<Comparison> {
    let mut c = Comparison {
        file: m.file.clone(),
        offset,
        t: vec![],
        measured: vec![],
        simulated: vec![],
        lo: vec![],
        hi: vec![],
        floor: vec![],
        rmse: 0.0,
        mape: 0.0,
        max_abs: 0.0,
        peak_measured: 0.0,
        peak_simulated: 0.0,
        plateau_measured: 0.0,
        plateau_simulated: 0.0,
        first_drop_measured: m.first_drop.map(|t| t + offset),
        first_drop_simulated: sim.first_drop,
        inside_band: 0.0,
    };
    for k in 0..sim.t.len() {
        let Some(mv) = m.at(sim.t[k] - offset) else {
            continue;
        };
        c.t.push(sim.t[k]);
        c.measured.push(mv);
        c.simulated.push(sim.mean[k]);
        c.lo.push(sim.lo[k]);
        c.hi.push(sim.hi[k]);
        c.floor.push(sim.floor[k]);
    }
    let n = c.t.len();
    if n < 2 {
        return None;
    }
    let (mut se, mut ape, mut inside) = (0.0, 0.0, 0usize);
    for k in 0..n {
        let e = c.simulated[k] - c.measured[k];
        se += e * e;
        ape += e.abs() / c.measured[k].max(1.0);
        c.max_abs = c.max_abs.max(e.abs());
        // The band down to the floor, widened by 0.5% for a deterministic model (min = max).
        let slack = 0.005 * c.hi[k];
        let lo = c.lo[k].min(c.floor[k]);
        if c.measured[k] >= lo - slack && c.measured[k] <= c.hi[k] + slack {
            inside += 1;
        }
    }
    c.rmse = (se / n as f64).sqrt();
    c.mape = ape / n as f64;
    c.inside_band = inside as f64 / n as f64;
    c.peak_measured = c.measured.iter().cloned().fold(0.0, f64::max);
    c.peak_simulated = c.simulated.iter().cloned().fold(0.0, f64::max);
    c.plateau_measured = plateau_time(&c.t, &c.measured);
    c.plateau_simulated = plateau_time(&c.t, &c.simulated);
    Some(c)
}

// ---- CLI ----

#[derive(Args, Debug, Clone)]
pub struct MeasuredArgs {
    /// Time column of CSV measurements (default: t_s, time, timestamp or t)
    #[arg(long, value_name = "NAME")]
    pub time_column: Option<String>,
    /// Value column of CSV measurements (default: rss_bytes, working_set_bytes, value or bytes)
    #[arg(long, value_name = "NAME")]
    pub value_column: Option<String>,
    /// Unit of plain numbers in the measurements (B, KiB, MiB, MB...)
    #[arg(long)]
    pub unit: Option<String>,
    /// Prometheus JSON: the series with this label (repeatable): --label pod=collector-0
    #[arg(long = "label", value_name = "NAME=VALUE")]
    pub labels: Vec<String>,
    /// Seconds to add to measured times to align them with simulated ones (default: found
    /// by matching the scenario's outage start with the measured rise)
    #[arg(long, allow_hyphen_values = true)]
    pub offset: Option<f64>,
    /// Component to compare: tracer or collector (default: the collector if any)
    #[arg(long)]
    pub component: Option<String>,
    /// Ignore the first SECONDS of each measurement (the measured program's start-up)
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    pub skip: f64,
    /// Simulated timeseries column the measurement is compared with: rss_bytes, or an
    /// internal curve such as live_bytes, heap_goal_bytes, gc_cycles or queue_items, to hold
    /// the model to a program's own metrics
    #[arg(long, value_name = "NAME", default_value = "rss_bytes")]
    pub simulated_column: String,
}

impl MeasuredArgs {
    /// The options as given: `--skip` and `--offset` finite (a NaN offset would compare every
    /// simulated point with the recording's first), `--skip` not negative.
    fn check(&self) -> Result<(), Failure> {
        if !(self.skip >= 0.0 && self.skip.is_finite()) {
            return Err(usage(format!(
                "--skip {}: must be a number of seconds, 0 or more",
                self.skip
            )));
        }
        if !crate::metrics::NUMERIC_COLUMNS.contains(&self.simulated_column.as_str()) {
            return Err(usage(format!(
                "--simulated-column {}: not a numeric timeseries column (one of {})",
                self.simulated_column,
                crate::metrics::NUMERIC_COLUMNS.join(", ")
            )));
        }
        if let Some(o) = self.offset.filter(|o| !o.is_finite()) {
            return Err(usage(format!(
                "--offset {o}: must be a finite number of seconds"
            )));
        }
        Ok(())
    }

    fn read_options(&self) -> Result<ReadOptions, Failure> {
        self.check()?;
        let mut labels = vec![];
        for l in &self.labels {
            let (k, v) = l
                .split_once('=')
                .ok_or_else(|| usage(format!("--label {l}: write NAME=VALUE")))?;
            labels.push((k.trim().to_string(), v.trim().trim_matches('"').to_string()));
        }
        Ok(ReadOptions {
            time_column: self.time_column.clone(),
            value_column: self.value_column.clone(),
            unit: self.unit.clone(),
            labels,
        })
    }
}

#[derive(Args, Debug)]
#[command(after_help = VALIDATE_HELP)]
pub struct ValidateArgs {
    /// Scenario file (TOML)
    pub scenario: PathBuf,
    /// Measured memory series: CSV or Prometheus query_range JSON. Repeat it for replicate
    /// recordings of this setup: each is compared, and so is their per-time median, which
    /// --tolerance then checks
    #[arg(long, required = true)]
    pub measured: Vec<PathBuf>,
    #[command(flatten)]
    pub input: MeasuredArgs,
    /// Override a scenario field: --set PATH=VALUE (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<String>,
    /// Replications of the simulation (its band)
    #[arg(long, default_value_t = 10)]
    pub replications: u64,
    /// Fail (exit 1) when MAPE or the peak error exceeds this: --tolerance 10%
    #[arg(long)]
    pub tolerance: Option<String>,
    /// Output folder (default: output/<scenario>-validate, with the --set overrides in the name)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into a non-empty folder tracesim did not write (never replacing its files)
    #[arg(long)]
    pub force: bool,
    /// Also draw validation.svg/png into the output folder
    #[arg(long)]
    pub plot: bool,
}

const VALIDATE_HELP: &str = "\
Writes validation.csv (time, measured and simulated RSS, the replication band, the allocator's
floor, the error) and validation_summary.csv (RMSE, MAPE, max error, peak error, time to
plateau, first drop, share inside the band), one block per recording and, with several, one
for their median.

Examples:
  tracesim validate models/validation/otel-rs-bsp.toml --measured validation/shared-measurements/rs_hang_r2000_p1k_q200k.csv --tolerance 10%
  tracesim validate models/validation/otel-rs-bsp.toml --measured examples/prometheus-otel-rs-bsp.json --label pod=otel-rs-bsp-0 --offset 0
  tracesim validate models/validation/otel-rs-bsp.toml --measured validation/recordings/refused_r2000_q100k.csv --measured validation/recordings/refused_r2000_q100k_rep2.csv --measured validation/recordings/refused_r2000_q100k_rep3.csv --skip 1 --set tracer.max_queue_size=100000 --set 'workload.rate_schedule=[{at=\"70s\", rate=0}]' --set scenario.duration=75s --set 'agent.outages=[{start=\"15s\", duration=\"30s\", mode=\"refuse\"}]'";

fn parse_fraction(s: &str) -> Result<f64, Failure> {
    let t = s.trim();
    let v = if let Some(p) = t.strip_suffix('%') {
        p.trim().parse::<f64>().map(|x| x / 100.0)
    } else {
        t.parse::<f64>()
    };
    v.ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
        .ok_or_else(|| usage(format!("`{s}` is not a fraction such as 10% or 0.1")))
}

/// Reads a measured file, without its first `skip` seconds. Every error in it is bad input
/// (exit 2) naming the file; repeated times merged are said on stderr.
fn read_measured(path: &Path, opts: &ReadOptions, skip: f64) -> Result<Series, Failure> {
    let bad = |e: measured::MeasureError| Failure {
        code: 2,
        error: e.into(),
    };
    let s = measured::read(path, opts).map_err(bad)?;
    if s.merged > 0 {
        eprintln!(
            "note: {}: {} sample{} at a time already seen merged into it (the mean of each \
             repeated time's values is kept)",
            s.file,
            s.merged,
            if s.merged == 1 { "" } else { "s" }
        );
    }
    s.skip(skip).map_err(bad)
}

/// Why a measured series and a simulated curve give no comparison (exit 2: the recording,
/// `--skip` or `--offset` do not fit the scenario).
fn no_overlap(m: &Series, sim: &SimCurve, offset: f64) -> String {
    format!(
        "{}: the measurement ({:.1} s to {:.1} s) and the simulation ({:.1} s to {:.1} s, {} \
         samples) share fewer than 2 sample times with offset {offset:+.1} s (simulated time = \
         measured time + offset)",
        m.file,
        m.t.first().copied().unwrap_or(0.0),
        m.duration(),
        sim.t.first().copied().unwrap_or(0.0),
        sim.t.last().copied().unwrap_or(0.0),
        sim.t.len()
    )
}

fn pick_component(sc: &Scenario, want: &Option<String>) -> Result<&'static str, Failure> {
    match want.as_deref() {
        None => Ok(default_component(sc)),
        Some("tracer") if sc.tracer.is_some() => Ok("tracer"),
        Some("collector") if sc.collector.is_some() || sc.otelcol.is_some() => Ok("collector"),
        Some(c) => Err(usage(format!(
            "--component {c}: the scenario has no such component (tracer or collector)"
        ))),
    }
}

/// The offset: given, or (with an outage after t = 0) the one that makes the measured rise
/// start when the simulated one does.
fn align(sc: &Scenario, m: &Series, sim: &SimCurve, given: Option<f64>) -> f64 {
    given.unwrap_or_else(|| match outage_start(sc) {
        Some(_) => rise_start(&sim.t, &sim.mean) - rise_start(&m.t, &m.bytes),
        None => 0.0,
    })
}

fn fmt_opt(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_default()
}

const SUMMARY_HEADER: [&str; 15] = [
    "file",
    "offset_s",
    "points",
    "rmse_bytes",
    "mape",
    "max_abs_error_bytes",
    "peak_measured_bytes",
    "peak_simulated_bytes",
    "peak_error",
    "plateau_measured_s",
    "plateau_simulated_s",
    "plateau_error_s",
    "first_drop_measured_s",
    "first_drop_simulated_s",
    "inside_band",
];

fn summary_row(c: &Comparison) -> Vec<String> {
    vec![
        c.file.clone(),
        format!("{:.3}", c.offset),
        c.t.len().to_string(),
        format!("{:.0}", c.rmse),
        format!("{:.5}", c.mape),
        format!("{:.0}", c.max_abs),
        format!("{:.0}", c.peak_measured),
        format!("{:.0}", c.peak_simulated),
        format!("{:.5}", c.peak_error()),
        format!("{:.3}", c.plateau_measured),
        format!("{:.3}", c.plateau_simulated),
        format!("{:.3}", c.plateau_simulated - c.plateau_measured),
        fmt_opt(c.first_drop_measured),
        fmt_opt(c.first_drop_simulated),
        format!("{:.4}", c.inside_band),
    ]
}

fn curve_rows(c: &Comparison) -> impl Iterator<Item = Vec<String>> + '_ {
    (0..c.t.len()).map(move |k| {
        vec![
            c.file.clone(),
            c.t[k].to_string(),
            format!("{:.0}", c.measured[k]),
            format!("{:.0}", c.simulated[k]),
            format!("{:.0}", c.lo[k]),
            format!("{:.0}", c.hi[k]),
            format!("{:.0}", c.floor[k]),
            format!("{:.0}", c.simulated[k] - c.measured[k]),
        ]
    })
}

const CURVE_HEADER: [&str; 8] = [
    "file",
    "t_s",
    "measured_bytes",
    "simulated_bytes",
    "simulated_low_bytes",
    "simulated_high_bytes",
    "simulated_floor_bytes",
    "error_bytes",
];

fn print_comparison(c: &Comparison) {
    println!("{}", c.file);
    println!(
        "  aligned       offset {:+.1} s, {} points",
        c.offset,
        c.t.len()
    );
    println!(
        "  error         MAPE {:.1}%, RMSE {}, max {}",
        c.mape * 100.0,
        ByteSize(c.rmse as u64),
        ByteSize(c.max_abs as u64)
    );
    println!(
        "  peak          measured {}, simulated {} ({:+.1}%)",
        ByteSize(c.peak_measured as u64),
        ByteSize(c.peak_simulated as u64),
        c.peak_error() * 100.0
    );
    println!(
        "  plateau       measured {:.1} s, simulated {:.1} s ({:+.1} s)",
        c.plateau_measured,
        c.plateau_simulated,
        c.plateau_simulated - c.plateau_measured
    );
    if let (Some(a), Some(b)) = (c.first_drop_measured, c.first_drop_simulated) {
        println!(
            "  queue full    measured {a:.1} s, simulated {b:.1} s ({:+.1} s)",
            b - a
        );
    }
    println!(
        "  band          {:.0}% of measured points inside the simulated band (replications, down to the allocator's floor)",
        c.inside_band * 100.0
    );
}

pub fn cmd_validate(a: ValidateArgs) -> Result<(), Failure> {
    if a.replications == 0 || a.replications > 10_000 {
        return Err(usage("--replications must be between 1 and 10,000"));
    }
    let tolerance = a.tolerance.as_deref().map(parse_fraction).transpose()?;
    let opts = a.input.read_options()?;
    let loaded = scenario::load(&a.scenario, &a.overrides)?;
    crate::units::Family::of_scenario(&loaded.text).set();
    scenario::print_warnings(&loaded.warnings);
    let sc = &loaded.scenario;
    let component = pick_component(sc, &a.input.component)?;
    let measured = a
        .measured
        .iter()
        .map(|p| read_measured(p, &opts, a.input.skip))
        .collect::<Result<Vec<_>, _>>()?;
    // The folder is claimed before the simulation: a refused --out costs nothing.
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| crate::cli::default_out(&a.scenario, "-validate", &a.overrides));
    let mut inputs: Vec<&Path> = vec![&a.scenario];
    inputs.extend(a.measured.iter().map(PathBuf::as_path));
    let mut od = crate::cli::claim(
        &out,
        &crate::outdir::Claim {
            inputs: &inputs,
            expected: &["validation.csv", "validation_summary.csv"],
            force: a.force,
            ..crate::outdir::Claim::new("validate")
        },
    )?;
    let sim = simulate_column(sc, component, &a.input.simulated_column, a.replications);
    let mut cs = vec![];
    for m in &measured {
        let offset = align(sc, m, &sim, a.input.offset);
        cs.push(compare(m, &sim, offset).ok_or_else(|| usage(no_overlap(m, &sim, offset)))?);
    }
    if cs.len() > 1 {
        let median = median_series(&cs).ok_or_else(|| {
            usage("the recordings share fewer than two aligned points: are they of one setup?")
        })?;
        cs.push(compare(&median, &sim, 0.0).expect("on the simulation's grid"));
    }
    // The check applies to the typical run: the one recording, or the replicates' median.
    let c = cs.last().expect("at least one");
    let curve = crate::output::csv_bytes(
        &CURVE_HEADER.map(String::from),
        cs.iter().flat_map(curve_rows),
    )?;
    let summary = crate::output::csv_bytes(
        &SUMMARY_HEADER.map(String::from),
        cs.iter().map(summary_row),
    )?;
    od.put("validate", "validation.csv", &curve)?;
    od.put("validate", "validation_summary.csv", &summary)?;
    if a.plot {
        crate::plot::plot_staged(&mut od)?;
    }
    od.commit(crate::outdir::Scope::All)?;
    for c in &cs {
        print_comparison(c);
    }
    println!(
        "  wrote         {}/{{validation.csv, validation_summary.csv}}",
        out.display()
    );
    if a.plot {
        println!("  plotted       {}/validation.{{svg,png}}", out.display());
    }
    if let Some(tol) = tolerance {
        if c.mape > tol || c.peak_error().abs() > tol {
            return Err(Failure {
                code: 1,
                error: anyhow::anyhow!(
                    "outside the tolerance of {:.1}%: MAPE {:.1}%, peak error {:+.1}%",
                    tol * 100.0,
                    c.mape * 100.0,
                    c.peak_error() * 100.0
                ),
            });
        }
        println!("  check         within {:.1}%", tol * 100.0);
    }
    Ok(())
}

/// The per-time median of several recordings of one setup, each already aligned on the
/// simulation's grid, where all of them have a point.
pub fn median_series(cs: &[Comparison]) -> Option<Series> {
    let median = |mut v: Vec<f64>| -> f64 {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let (first, rest) = cs.split_first()?;
    let mut out = Series {
        file: format!("median of {} recordings", cs.len()),
        t: vec![],
        bytes: vec![],
        first_drop: None,
        merged: 0,
    };
    for (k, &t) in first.t.iter().enumerate() {
        let mut v = vec![first.measured[k]];
        for c in rest {
            // Both lie on the simulation's grid: equal times are the same float.
            match c.t.binary_search_by(|x| x.total_cmp(&t)) {
                Ok(i) => v.push(c.measured[i]),
                Err(_) => break,
            }
        }
        if v.len() == cs.len() {
            out.t.push(t);
            out.bytes.push(median(v));
        }
    }
    let drops: Vec<f64> = cs.iter().filter_map(|c| c.first_drop_measured).collect();
    if drops.len() == cs.len() {
        out.first_drop = Some(median(drops));
    }
    (out.t.len() >= 2).then_some(out)
}

// ---- calibrate ----

#[derive(Args, Debug)]
#[command(after_help = CALIBRATE_HELP)]
pub struct CalibrateArgs {
    /// Scenario file (TOML)
    pub scenario: PathBuf,
    /// A measured run: 'FILE' or 'FILE: PATH=VALUE; PATH=VALUE' for the scenario settings of
    /// that run (repeatable)
    #[arg(long, required = true, value_name = "FILE[: SETTINGS]")]
    pub measured: Vec<String>,
    /// Parameters to fit: PATH or PATH=LOW..HIGH, comma-separated or repeated. A scenario
    /// value outside the bounds starts the search clamped into them; the fit is written only
    /// when it beats the scenario as given
    #[arg(
        long,
        required = true,
        value_delimiter = ',',
        value_name = "PATH[=LOW..HIGH]"
    )]
    pub fit: Vec<String>,
    #[command(flatten)]
    pub input: MeasuredArgs,
    /// Override a scenario field for every run: --set PATH=VALUE (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<String>,
    /// Most objective evaluations of the optimiser
    #[arg(long, default_value_t = 120)]
    pub iterations: u64,
    /// Output folder (default: output/<scenario>-calibrate, with the --set overrides in the name)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into a non-empty folder tracesim did not write (never replacing its files)
    #[arg(long)]
    pub force: bool,
}

const CALIBRATE_HELP: &str = "\
Fits the named scenario parameters to one or several measured runs at once: minimises their
mean MAPE with Nelder-Mead (argmin) on a log scale, within bounds (default: the scenario's
value / 10 .. x 10). Writes calibrated.toml (the scenario with the fitted values, commented)
and calibration.csv (each run's errors before and after).

Examples:
  tracesim calibrate models/validation/otel-rs-bsp.toml --measured validation/shared-measurements/rs_hang_r2000_p1k_q200k.csv --fit tracer.memory.queue_slot,tracer.memory.span_per_attribute
  tracesim calibrate models/validation/otel-rs-bsp.toml --measured validation/shared-measurements/rs_hang_r2000_p1k_q200k.csv --measured 'validation/shared-measurements/rs_hang_r2000_p200_q200k.csv: workload.span_size=326B; tracer.memory.span_attributes=4' --fit tracer.memory.span_fixed=100B..10KiB";

/// A parameter to fit: its path, how to write a value back, and its bounds.
#[derive(Clone, Debug)]
pub struct FitParam {
    pub path: String,
    /// The scenario's value, as given (it may lie outside the bounds: `0B` on a log scale).
    pub initial: f64,
    /// The scenario's value as the file writes it (`"0B"`), for reports.
    pub given: String,
    /// Where the search starts: `initial` clamped into the bounds.
    pub start: f64,
    pub low: f64,
    pub high: f64,
    kind: ValueKind,
}

/// A fitted value within this relative distance of a bound is reported as sitting on it:
/// Nelder-Mead's best there usually means the bound stopped the search, and the best value
/// lies beyond it.
pub const AT_BOUND: f64 = 0.01;

#[derive(Clone, Copy, Debug, PartialEq)]
enum ValueKind {
    Bytes,
    Seconds,
    PerSecond,
    Float,
    Integer,
}

fn parse_quantity(s: &str) -> Option<(f64, ValueKind)> {
    use crate::units::{Duration, Rate};
    if let Ok(b) = ByteSize::parse(s) {
        return Some((b.0 as f64, ValueKind::Bytes));
    }
    if let Ok(d) = Duration::parse(s) {
        return Some((d.0 as f64 / 1e9, ValueKind::Seconds));
    }
    if let Ok(r) = Rate::parse(s) {
        return Some((r.0, ValueKind::PerSecond));
    }
    None
}

impl FitParam {
    fn render(&self, x: f64) -> String {
        match self.kind {
            ValueKind::Bytes => format!("\"{}B\"", x.round().max(0.0) as u64),
            ValueKind::Seconds => format!("\"{}ms\"", (x * 1000.0).round().max(0.0) as u64),
            ValueKind::PerSecond => format!("\"{x:.6}/s\""),
            ValueKind::Float => format!("{x:.6}"),
            ValueKind::Integer => format!("{}", x.round() as i64),
        }
    }
    pub fn set(&self, x: f64) -> String {
        format!("{}={}", self.path, self.render(x))
    }

    /// The bound `x` sits on (within [`AT_BOUND`]): "lower" or "upper", and its value.
    pub fn at_bound(&self, x: f64) -> Option<(&'static str, f64)> {
        if x <= self.low * (1.0 + AT_BOUND) {
            Some(("lower", self.low))
        } else if x >= self.high / (1.0 + AT_BOUND) {
            Some(("upper", self.high))
        } else {
            None
        }
    }

    /// Whether the search starts elsewhere than the scenario's value.
    pub fn clamped(&self) -> bool {
        self.start != self.initial
    }

    fn bounds(&self) -> String {
        format!("{}..{}", self.render(self.low), self.render(self.high))
    }
}

/// Reads a parameter's current value from the scenario text and its bounds from `spec`.
pub fn fit_param(text: &str, spec: &str) -> Result<FitParam, String> {
    let (path, bounds) = match spec.split_once('=') {
        Some((p, b)) => (p.trim(), Some(b.trim())),
        None => (spec.trim(), None),
    };
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let mut item: &toml_edit::Item = doc.as_item();
    for seg in path.split('.') {
        if seg.parse::<usize>().is_ok() {
            return Err(format!("--fit {path}: indexed fields are not supported"));
        }
        item = item.get(seg).ok_or_else(|| {
            format!("--fit {path}: the scenario has no field `{path}` (write it in the file first)")
        })?;
    }
    let v = item
        .as_value()
        .ok_or_else(|| format!("--fit {path}: not a single value"))?;
    let mut bare = v.clone();
    bare.decor_mut().clear();
    let given = bare.to_string();
    let (initial, kind) = if let Some(i) = v.as_integer() {
        (i as f64, ValueKind::Integer)
    } else if let Some(f) = v.as_float() {
        (f, ValueKind::Float)
    } else if let Some(s) = v.as_str() {
        parse_quantity(s)
            .ok_or_else(|| format!("--fit {path}: `{s}` is not a number with a unit"))?
    } else {
        return Err(format!("--fit {path}: not a number"));
    };
    let (low, high) = match bounds {
        Some(b) => {
            let (l, h) = b
                .split_once("..")
                .ok_or_else(|| format!("--fit {spec}: bounds are written LOW..HIGH"))?;
            let q = |s: &str| -> Result<f64, String> {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .or_else(|| parse_quantity(s.trim()).map(|x| x.0))
                    .ok_or_else(|| format!("--fit {spec}: `{s}` is not a value"))
            };
            (q(l)?, q(h)?)
        }
        None if initial > 0.0 => (initial / 10.0, initial * 10.0),
        None => {
            return Err(format!(
                "--fit {path}: the scenario's value is {initial}: give bounds (PATH=LOW..HIGH)"
            ));
        }
    };
    if !(low > 0.0 && high > low) {
        return Err(format!("--fit {spec}: bounds must satisfy 0 < LOW < HIGH"));
    }
    Ok(FitParam {
        path: path.to_string(),
        initial,
        given,
        start: initial.clamp(low, high),
        low,
        high,
        kind,
    })
}

/// One measured run and the scenario settings it was recorded with.
pub struct Run {
    pub series: Series,
    pub overrides: Vec<String>,
}

/// The calibration problem: scenario text, runs, parameters.
pub struct Problem<'a> {
    pub text: &'a str,
    pub file: &'a str,
    pub base: &'a [String],
    pub runs: &'a [Run],
    pub params: &'a [FitParam],
    pub component: Option<String>,
    pub offset: Option<f64>,
    /// The simulated column compared with the recordings (`rss_bytes` for memory).
    pub column: &'a str,
}

impl Problem<'_> {
    /// The run's scenario, with the parameters at `x` (None: as the scenario gives them).
    fn scenario(&self, run: &Run, x: Option<&[f64]>) -> Result<Scenario, String> {
        let mut o: Vec<String> = self.base.to_vec();
        o.extend(run.overrides.iter().cloned());
        if let Some(x) = x {
            o.extend(self.params.iter().zip(x).map(|(p, v)| p.set(*v)));
        }
        let t = scenario::apply_overrides(self.file, self.text, &o).map_err(|e| e.to_string())?;
        scenario::parse(self.file, &t).map_err(|e| e.to_string())
    }

    /// Each run's comparison at parameter values `x`.
    pub fn evaluate(&self, x: &[f64]) -> Result<Vec<Comparison>, String> {
        self.evaluate_at(Some(x))
    }

    /// Each run's comparison with the scenario exactly as given: the reference a fit must
    /// beat (its values may lie outside the bounds, or not be written back exactly).
    pub fn evaluate_given(&self) -> Result<Vec<Comparison>, String> {
        self.evaluate_at(None)
    }

    fn evaluate_at(&self, x: Option<&[f64]>) -> Result<Vec<Comparison>, String> {
        self.runs
            .par_iter()
            .map(|run| {
                let sc = self.scenario(run, x)?;
                let comp = match self.component.as_deref() {
                    Some(c) => c.to_string(),
                    None => default_component(&sc).to_string(),
                };
                let sim = simulate_column(&sc, &comp, self.column, 1);
                let off = align(&sc, &run.series, &sim, self.offset);
                compare(&run.series, &sim, off).ok_or_else(|| no_overlap(&run.series, &sim, off))
            })
            .collect()
    }

    /// Mean MAPE at log-scale point `u`, with a penalty outside the bounds.
    fn cost(&self, u: &[f64]) -> f64 {
        let mut penalty = 0.0;
        let x: Vec<f64> = self
            .params
            .iter()
            .zip(u)
            .map(|(p, &ui)| {
                let (lo, hi) = (p.low.ln(), p.high.ln());
                let c = ui.clamp(lo, hi);
                penalty += (ui - c).abs();
                c.exp()
            })
            .collect();
        match self.evaluate(&x) {
            Ok(cs) => cs.iter().map(|c| c.mape).sum::<f64>() / cs.len() as f64 + penalty,
            Err(_) => 1e6,
        }
    }
}

struct Objective<'a, 'b>(&'b Problem<'a>);

impl argmin::core::CostFunction for Objective<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, u: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.0.cost(u))
    }
}

/// Fits the parameters; returns their values.
pub fn fit(problem: &Problem, max_evals: u64) -> anyhow::Result<Vec<f64>> {
    use argmin::core::{Executor, State};
    use argmin::solver::neldermead::NelderMead;
    let u0: Vec<f64> = problem.params.iter().map(|p| p.start.ln()).collect();
    let mut simplex = vec![u0.clone()];
    for i in 0..u0.len() {
        let mut v = u0.clone();
        // A step of ~35%, towards the wider side of the bounds.
        let p = &problem.params[i];
        let step = if (p.high.ln() - u0[i]) >= (u0[i] - p.low.ln()) {
            0.3
        } else {
            -0.3
        };
        v[i] += step;
        simplex.push(v);
    }
    let solver = NelderMead::new(simplex).with_sd_tolerance(1e-5)?;
    let n = u0.len() as u64 + 1;
    let res = Executor::new(Objective(problem), solver)
        .configure(|s| s.max_iters(max_evals / n.max(1) + 10))
        .run()?;
    let best = res.state().get_best_param().cloned().unwrap_or(u0);
    Ok(problem
        .params
        .iter()
        .zip(best)
        .map(|(p, u)| u.clamp(p.low.ln(), p.high.ln()).exp())
        .collect())
}

fn parse_measured_spec(spec: &str) -> (PathBuf, Vec<String>) {
    match spec.split_once(": ") {
        Some((f, sets)) => (
            PathBuf::from(f.trim()),
            sets.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        ),
        None => (PathBuf::from(spec.trim()), vec![]),
    }
}

/// What `calibrate` writes: the fit, or the scenario as given when no fit beats it.
#[derive(Debug)]
pub struct Outcome {
    /// The values written, one per parameter.
    pub values: Vec<f64>,
    /// The optimiser's best, one per parameter.
    pub best: Vec<f64>,
    /// Whether the scenario's values were kept: the optimiser's best fits no better.
    pub kept_given: bool,
    /// Each run's comparison with the scenario as given.
    pub given: Vec<Comparison>,
    /// Each run's comparison at the optimiser's best.
    pub fitted: Vec<Comparison>,
}

impl Outcome {
    /// The comparisons of what is written.
    pub fn written(&self) -> &[Comparison] {
        if self.kept_given {
            &self.given
        } else {
            &self.fitted
        }
    }
}

/// Mean MAPE over the runs: the objective.
pub fn mean_mape(cs: &[Comparison]) -> f64 {
    cs.iter().map(|c| c.mape).sum::<f64>() / cs.len() as f64
}

/// Fits the parameters and decides what to write: the best fit when it beats the scenario
/// exactly as given, else the scenario's own values. Errors: the scenario as given or the best
/// fit cannot be compared with a run (exit 2: the recordings or alignment do not fit it), or
/// the optimiser failed (exit 1).
pub fn calibrate(problem: &Problem, max_evals: u64) -> Result<Outcome, Failure> {
    let given = problem.evaluate_given().map_err(usage)?;
    let best = fit(problem, max_evals).context("the optimiser failed")?;
    let fitted = problem.evaluate(&best).map_err(usage)?;
    // The search may start elsewhere than the scenario (a value outside the bounds, `0B` on a
    // log scale), so its best can be worse than the scenario itself: never write that.
    let kept_given = mean_mape(&fitted) >= mean_mape(&given);
    let values = if kept_given {
        problem.params.iter().map(|p| p.initial).collect()
    } else {
        best.clone()
    };
    Ok(Outcome {
        values,
        best,
        kept_given,
        given,
        fitted,
    })
}

pub fn cmd_calibrate(a: CalibrateArgs) -> Result<(), Failure> {
    let opts = a.input.read_options()?;
    let loaded = scenario::load(&a.scenario, &a.overrides)?;
    crate::units::Family::of_scenario(&loaded.text).set();
    scenario::print_warnings(&loaded.warnings);
    let file = a.scenario.display().to_string();
    let text = loaded.text.clone();
    let mut runs = vec![];
    for spec in &a.measured {
        let (path, overrides) = parse_measured_spec(spec);
        let series = read_measured(&path, &opts, a.input.skip)?;
        // Check the run's settings before fitting anything.
        let t = scenario::apply_overrides(&file, &text, &overrides)?;
        let sc = scenario::parse(&file, &t)?;
        pick_component(&sc, &a.input.component)?;
        runs.push(Run { series, overrides });
    }
    let mut params: Vec<FitParam> = vec![];
    for f in &a.fit {
        let p = fit_param(&text, f).map_err(usage)?;
        if params.iter().any(|q| q.path == p.path) {
            // The later one would silently override the earlier one's values.
            return Err(usage(format!("--fit names {} twice", p.path)));
        }
        params.push(p);
    }
    if params.is_empty() {
        return Err(usage("--fit names no parameter"));
    }
    // The folder is claimed before the fit: a refused --out costs nothing.
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| crate::cli::default_out(&a.scenario, "-calibrate", &a.overrides));
    let measured_paths: Vec<PathBuf> = a
        .measured
        .iter()
        .map(|s| parse_measured_spec(s).0)
        .collect();
    let mut inputs: Vec<&Path> = vec![&a.scenario];
    inputs.extend(measured_paths.iter().map(PathBuf::as_path));
    let mut od = crate::cli::claim(
        &out,
        &crate::outdir::Claim {
            inputs: &inputs,
            expected: &["calibrated.toml", "calibration.csv", "validation.csv"],
            force: a.force,
            ..crate::outdir::Claim::new("calibrate")
        },
    )?;
    let problem = Problem {
        text: &text,
        file: &file,
        base: &[],
        runs: &runs,
        params: &params,
        component: a.input.component.clone(),
        offset: a.input.offset,
        column: &a.input.simulated_column,
    };
    for p in params.iter().filter(|p| p.clamped()) {
        eprintln!(
            "note: {}: the scenario's {} lies {} the bounds {}: the search starts at {}; the \
             scenario as given stays the reference a fit must beat",
            p.path,
            p.given,
            if p.initial < p.low { "below" } else { "above" },
            p.bounds(),
            p.render(p.start)
        );
    }
    eprintln!(
        "calibrating {} parameter(s) on {} run(s), at most {} simulations each...",
        params.len(),
        runs.len(),
        a.iterations
    );
    let outcome = calibrate(&problem, a.iterations)?;
    let (mg, mf) = (mean_mape(&outcome.given), mean_mape(&outcome.fitted));
    // A best on a bound: the bound, not the data, stopped the search.
    let at_bound: Vec<Option<(&str, f64)>> = params
        .iter()
        .zip(&outcome.best)
        .map(|(p, &x)| p.at_bound(x))
        .collect();
    for ((p, &x), b) in params.iter().zip(&outcome.best).zip(&at_bound) {
        if let Some((side, bound)) = b {
            eprintln!(
                "warning: {}: the best fit {} sits at its {side} bound {}: the best value may lie \
                 beyond it; widen the bounds (--fit {}=LOW..HIGH)",
                p.path,
                p.render(x),
                p.render(*bound),
                p.path
            );
        }
    }
    if outcome.kept_given {
        eprintln!(
            "warning: the best fit within the bounds (mean MAPE {:.2}%) is no better than the \
             scenario as given ({:.2}%): kept the scenario's values; calibrated.toml is the \
             scenario unchanged",
            mf * 100.0,
            mg * 100.0
        );
    }

    // The written scenario: the file with the fitted values (or as given), and a header saying
    // so.
    let fitted = if outcome.kept_given {
        text.clone()
    } else {
        let sets: Vec<String> = params
            .iter()
            .zip(&outcome.values)
            .map(|(p, v)| p.set(*v))
            .collect();
        scenario::apply_overrides(&file, &text, &sets)?
    };
    let mut header = format!(
        "# calibrated by `tracesim calibrate` (tracesim {}) from {} against {} measured run(s):\n",
        env!("CARGO_PKG_VERSION"),
        file,
        runs.len()
    );
    for r in &runs {
        header.push_str(&format!(
            "#   {} {}\n",
            r.series.file,
            r.overrides.join("; ")
        ));
    }
    for ((p, &x), b) in params.iter().zip(&outcome.best).zip(&at_bound) {
        let on_bound = b.map_or(String::new(), |(side, _)| format!(", at its {side} bound"));
        if outcome.kept_given {
            header.push_str(&format!(
                "#   {} = {} (kept as given; the best fit within {} was {}{on_bound})\n",
                p.path,
                p.given,
                p.bounds(),
                p.render(x)
            ));
        } else {
            header.push_str(&format!(
                "#   {} = {} (was {}, bounds {}{on_bound})\n",
                p.path,
                p.render(x),
                p.given,
                p.bounds()
            ));
        }
    }
    if outcome.kept_given {
        header.push_str(&format!(
            "#   mean MAPE {:.2}% as given; the best fit's {:.2}% is no better, so the values are kept\n\n",
            mg * 100.0,
            mf * 100.0
        ));
    } else {
        header.push_str(&format!(
            "#   mean MAPE {:.2}% -> {:.2}%\n\n",
            mg * 100.0,
            mf * 100.0
        ));
    }
    let (before, after) = (&outcome.given, outcome.written().to_vec());
    let mut rows = vec![];
    for (b, c) in before.iter().zip(&after) {
        let mut r = summary_row(c);
        r.insert(1, format!("{:.5}", b.mape));
        r.insert(2, format!("{:.5}", b.peak_error()));
        rows.push(r);
    }
    let mut h: Vec<String> = SUMMARY_HEADER.map(String::from).to_vec();
    h.insert(1, "mape_before".into());
    h.insert(2, "peak_error_before".into());
    let csv = crate::output::csv_bytes(&h, rows.into_iter())?;
    let mut curves = vec![];
    for c in &after {
        curves.extend(curve_rows(c));
    }
    let curve = crate::output::csv_bytes(&CURVE_HEADER.map(String::from), curves.into_iter())?;
    od.put(
        "calibrate",
        "calibrated.toml",
        format!("{header}{fitted}").as_bytes(),
    )?;
    od.put("calibrate", "calibration.csv", &csv)?;
    od.put("calibrate", "validation.csv", &curve)?;
    od.commit(crate::outdir::Scope::All)?;
    for (p, &x) in params.iter().zip(&outcome.best) {
        if outcome.kept_given {
            println!(
                "  {} = {}  (kept as given: the best fit within {}, {}, is no better)",
                p.path,
                p.given,
                p.bounds(),
                p.render(x)
            );
        } else {
            println!("  {} = {}  (was {})", p.path, p.render(x), p.given);
        }
    }
    for (b, c) in outcome.given.iter().zip(&outcome.fitted) {
        if outcome.kept_given {
            println!(
                "  {}: MAPE {:.1}% as given (the best fit {:.1}%), peak error {:+.1}%, plateau {:+.1} s",
                c.file,
                b.mape * 100.0,
                c.mape * 100.0,
                b.peak_error() * 100.0,
                b.plateau_simulated - b.plateau_measured
            );
        } else {
            println!(
                "  {}: MAPE {:.1}% -> {:.1}%, peak error {:+.1}%, plateau {:+.1} s",
                c.file,
                b.mape * 100.0,
                c.mape * 100.0,
                c.peak_error() * 100.0,
                c.plateau_simulated - c.plateau_measured
            );
        }
    }
    println!(
        "  wrote {}/{{calibrated.toml, calibration.csv, validation.csv}}",
        out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recording that began while the program was loading (one sample at 2 MB, then its
    /// 13 MB level) rises when the outage makes it rise, not at its first samples.
    #[test]
    fn the_rise_is_not_the_programs_start_up() {
        let t: Vec<f64> = (0..730).map(|k| k as f64 * 0.1).collect();
        let bytes: Vec<f64> = t
            .iter()
            .map(|&t| match t {
                t if t < 0.05 => 2.3e6,
                t if t < 15.0 => 12.9e6,
                t if t < 25.0 => 12.9e6 + (t - 15.0) * 3.8e6,
                _ => 51e6,
            })
            .collect();
        let r = rise_start(&t, &bytes);
        assert!((15.0..15.7).contains(&r), "{r}");
        // Without the start-up sample, the same.
        assert_eq!(rise_start(&t[1..], &bytes[1..]), r);
        // A flat start and a rise: at the rise, even for a short series.
        let short: Vec<f64> = (0..10).map(|k| if k < 6 { 5.0 } else { 50.0 }).collect();
        let ts: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(rise_start(&ts, &short), 6.0);
    }

    fn flat_sim(n: usize) -> SimCurve {
        SimCurve {
            t: (0..n).map(|k| k as f64).collect(),
            mean: vec![100.0; n],
            lo: vec![100.0; n],
            hi: vec![100.0; n],
            floor: vec![10.0; n],
            first_drop: None,
        }
    }

    fn rec(name: &str, t: &[f64], v: f64, drop: Option<f64>) -> Series {
        Series {
            file: name.into(),
            t: t.to_vec(),
            bytes: vec![v; t.len()],
            first_drop: drop,
            merged: 0,
        }
    }

    #[test]
    fn the_median_takes_the_middle_where_all_recordings_have_a_point() {
        let sim = flat_sim(10);
        let all: Vec<f64> = (0..10).map(|k| k as f64).collect();
        let cs: Vec<Comparison> = [
            rec("a", &all, 50.0, Some(3.0)),
            rec("b", &all, 100.0, Some(4.0)),
            rec("c", &all[..6], 90.0, Some(8.0)),
        ]
        .iter()
        .map(|m| compare(m, &sim, 0.0).unwrap())
        .collect();
        let m = median_series(&cs).unwrap();
        assert_eq!(m.t, all[..6].to_vec(), "only where all three have a point");
        assert!(m.bytes.iter().all(|&v| v == 90.0));
        assert_eq!(m.first_drop, Some(4.0));
        let even = median_series(&cs[..2]).unwrap();
        assert!(even.bytes.iter().all(|&v| v == 75.0));
        assert_eq!(even.first_drop, Some(3.5));
        // The floor widens the band: 50 is inside [floor 10, 100], 5 is not.
        assert_eq!(cs[0].inside_band, 1.0);
        let low = compare(&rec("d", &all, 5.0, None), &sim, 0.0).unwrap();
        assert_eq!(low.inside_band, 0.0);
    }

    /// Regression (issue 25): the value reported as the start was the clamped one (`"100B"`
    /// for a file's `"0B"`). The parameter keeps the scenario's value and text; the search
    /// starts clamped into the bounds.
    #[test]
    fn a_fit_parameter_keeps_the_scenarios_value_and_starts_inside_the_bounds() {
        let text = "[tracer.memory]\nspan_fixed = \"0B\"   # none\nqueue_slot = \"360B\"\n";
        let p = fit_param(text, "tracer.memory.span_fixed=100B..10KiB").unwrap();
        assert_eq!((p.initial, p.start), (0.0, 100.0));
        assert_eq!(p.given, "\"0B\"");
        assert!(p.clamped());
        assert_eq!(p.bounds(), "\"100B\"..\"10240B\"");
        let q = fit_param(text, "tracer.memory.queue_slot").unwrap();
        assert_eq!(
            (q.initial, q.start, q.low, q.high),
            (360.0, 360.0, 36.0, 3600.0)
        );
        assert!(!q.clamped());
        let high = fit_param(text, "tracer.memory.queue_slot=1B..100B").unwrap();
        assert_eq!(high.start, 100.0);
    }

    #[test]
    fn a_value_near_a_bound_is_on_it() {
        let text = "[tracer.memory]\nqueue_slot = \"360B\"\n";
        let p = fit_param(text, "tracer.memory.queue_slot=100B..1000B").unwrap();
        assert_eq!(p.at_bound(100.0), Some(("lower", 100.0)));
        assert_eq!(p.at_bound(100.9), Some(("lower", 100.0)));
        assert_eq!(p.at_bound(102.0), None);
        assert_eq!(p.at_bound(500.0), None);
        assert_eq!(p.at_bound(995.0), Some(("upper", 1000.0)));
    }
}
