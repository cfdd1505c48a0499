//! Command-line interface: arguments as parsed (clap), then validated and dispatched.

use crate::metrics::{DropReason, RunResult};
use crate::outdir::{Claim, OutDir, Refused, Scope};
use crate::output::{self, Manifest};
use crate::pipeline::Simulation;
use crate::scenario::{self, ScenarioError};
use crate::sim::secs;
use crate::sweep::{self, Plan, Shard, fmt_thousands as fmt_count, grid};
use crate::units::ByteSize;
use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::time::Instant;

const EXAMPLES: &str = "\
Examples:
  tracesim run models/jaeger-collector-es-outage.toml
  tracesim run models/jaeger-collector-es-outage.toml --set collector.queue_size_memory=15MiB --set collector.memory.limit=200MB
  tracesim run models/istio-ingress-datadog.toml --set tracer.span_limit=10000
  tracesim sweep models/otel-sdk-collector-hung.toml --vary tracer.max_queue_size=2048,20000,200000 --set tracer.memory.limit=1GiB
  tracesim sweep models/jaeger-collector-es-outage-1gib.toml --vary collector.queue_size_memory=5MiB,15MiB,40MiB,80MiB --replications 20
  tracesim compare models/jaeger-collector-es-outage.toml --variant 'refuse' --variant 'hang: storage.outages.0.mode=hang'
  tracesim recommend models/jaeger-collector-es-outage.toml --memory-limit 200MiB --outage 10m

Exit codes: 0 success, 1 failure while running or writing, 2 bad arguments or bad input file,
130 interrupted (a sweep keeps its finished runs: rerun with --resume).";

#[derive(Parser, Debug)]
#[command(
    name = "tracesim",
    version,
    about = "Simulates tracing pipelines' memory under load and storage outages",
    long_about = "tracesim is a discrete-event simulator of tracing pipelines (tracers, agents, \
collectors, storage). It predicts memory curves, OOM kills and data loss when storage slows or \
fails, from the mechanisms of the real systems.",
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate one scenario: writes summary.csv, timeseries.csv, events.csv, manifest.json.
    #[command(after_help = EXAMPLES)]
    Run(RunArgs),
    /// Run a grid of scenario variants with replications, in parallel: runs.csv, points.csv.
    #[command(after_help = SWEEP_HELP)]
    Sweep(SweepArgs),
    /// Print how many runs a sweep makes (and per shard).
    Plan(PlanArgs),
    /// Concatenate a sharded sweep's runs.shard-*.csv into runs.csv and points.csv.
    Merge(MergeArgs),
    /// Compare variants of one scenario under common random numbers, with paired differences.
    #[command(after_help = COMPARE_HELP)]
    Compare(CompareArgs),
    /// Recommend a queue size and memory limit for a scenario and an outage.
    #[command(after_help = RECOMMEND_HELP)]
    Recommend(crate::recommend::RecommendArgs),
    /// Compare a scenario with a measured memory series (CSV or Prometheus JSON): errors,
    /// peak, time to plateau, replication band.
    Validate(crate::validate::ValidateArgs),
    /// Fit scenario parameters to measured memory series (Nelder-Mead, log scale, bounded).
    Calibrate(crate::validate::CalibrateArgs),
    /// Run a command and record its process tree's RSS into a measured CSV.
    Measure(crate::measure::MeasureArgs),
    /// Draw a run, sweep or validation folder as SVG and PNG images.
    #[command(after_help = PLOT_HELP)]
    Plot(PlotArgs),
    /// Build a scenario from an OpenTelemetry Collector YAML config or Jaeger collector flags.
    Import(crate::import::ImportArgs),
    /// Time the speed benchmarks (event list, production-scale runs, a 1,000-run sweep): CSV.
    Bench(crate::bench::BenchArgs),
}

const PLOT_HELP: &str = "\
A run folder gives memory.svg/png (RSS per component, memory limit, outages shaded, OOM kills,
first drop) and queue.svg/png; a sweep folder peak_rss.svg/png (mean peak RSS and its
confidence band against the first varied field); a validation folder validation.svg/png.

Examples:
  tracesim run models/istio-ingress-datadog.toml --out output/istio && tracesim plot output/istio
  tracesim run models/jaeger-collector-es-outage.toml --plot
  tracesim sweep models/jaeger-collector-es-outage-1gib.toml --vary collector.queue_size_memory=5MiB,15MiB --out output/sweep && tracesim plot output/sweep --format svg";

#[derive(Args, Debug)]
pub struct PlotArgs {
    /// A folder written by run, sweep or validate
    pub dir: PathBuf,
    /// Where to write the images (default: the folder itself)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Image formats, comma-separated
    #[arg(long, default_value = "svg,png")]
    pub format: String,
    /// Write into a non-empty folder tracesim did not write (never replacing its files)
    #[arg(long)]
    pub force: bool,
}

fn cmd_plot(a: PlotArgs) -> Result<(), Failure> {
    let formats = crate::plot::parse_formats(&a.format).map_err(|e| usage(e.to_string()))?;
    if !a.dir.is_dir() {
        return Err(usage(format!("{} is not a folder", a.dir.display())));
    }
    if ![
        "timeseries.csv",
        "points.csv",
        "validation.csv",
        "curves.csv",
    ]
    .iter()
    .any(|f| a.dir.join(f).exists())
    {
        return Err(usage(format!(
            "{} holds no tracesim output to plot (timeseries.csv, points.csv or validation.csv)",
            a.dir.display()
        )));
    }
    // Sizes in the family the run's scenario wrote them in, as its terminal summary did.
    let text = ["manifest.json", "recommendation.json"]
        .iter()
        .find_map(|f| {
            let v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(a.dir.join(f)).ok()?).ok()?;
            v["scenario_text"].as_str().map(str::to_string)
        });
    if let Some(t) = text {
        crate::units::Family::of_scenario(&t).set();
    }
    let target = a.out.clone().unwrap_or_else(|| a.dir.clone());
    // Drawing into another folder reads this one: it is an input there (`--out` naming the
    // folder itself is a plot in place).
    let data = a.dir.join("timeseries.csv");
    let same = |x: &Path, y: &Path| match (x.canonicalize(), y.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    };
    let inputs: Vec<&Path> = if same(&target, &a.dir) {
        vec![]
    } else {
        vec![&data]
    };
    let mut od = claim(
        &target,
        &Claim {
            inputs: &inputs,
            force: a.force,
            ..Claim::new("plot")
        },
    )?;
    let names = crate::plot::plot_into(&mut od, &a.dir, &formats)?;
    let shown = od.path().to_path_buf();
    od.commit(Scope::Groups(vec!["plot".into()]))?;
    for f in names {
        println!("wrote {}", shown.join(f).display());
    }
    Ok(())
}

/// Claims an output folder under the rule of [`crate::outdir`] (refusals exit 2).
pub fn claim(path: &Path, c: &Claim) -> Result<OutDir, Failure> {
    OutDir::claim(path, c).map_err(Failure::from)
}

const SWEEP_HELP: &str = "\
VALUES is a list (15MiB,40MiB,80MiB), a range (5MiB..100MiB/5MiB), a geometric range
(1MiB..64MiB*2) or log-spaced points (1MiB..1GiB~10). Several --vary make a grid, first one
slowest. Replication r of every point uses the same seed (common random numbers).

Each --vary names its own field (the same field twice, however spelled, or a field that a --set
also names, is refused: a row's label is always what it ran). runs.csv has a numeric
PATH_value column beside each varied field: its value in bytes, seconds, per second or the
plain number (empty for a value such as refuse).

Runs are numbered run_id = point * replications + replication. --shard-index I --shard-count N
computes the runs with run_id % N == I (defaults: JOB_COMPLETION_INDEX for Kubernetes Indexed
Jobs, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT for Slurm arrays) into
runs.shard-I-of-N.csv; `tracesim merge DIR` then writes exactly what one machine would have.
Finished runs are journaled with the plan's fingerprint: after an interruption, --resume runs
only the rest, and refuses a journal of another plan (saying what differs).

Over 100,000 runs, or over an hour as estimated from the first runs, a sweep stops and asks
for --yes (the runs done are journaled: --yes --resume keeps them).

Examples:
  tracesim sweep models/jaeger-collector-es-outage-1gib.toml --vary collector.queue_size_memory=5MiB..80MiB/5MiB --replications 20
  tracesim sweep models/jaeger-collector-es-outage.toml --vary collector.memory.limit=200MB,500MB,1GB --vary storage.outages.0.duration=1m,5m,15m
  JOB_COMPLETION_INDEX=3 tracesim sweep models/jaeger-collector-es-outage.toml --vary collector.queue_size_memory=5MiB,15MiB,40MiB,80MiB --shard-count 4 --out output/shards
  tracesim merge output/shards   # once the 4 shards (JOB_COMPLETION_INDEX=0..3) are done";

const COMPARE_HELP: &str = "\
A variant is 'NAME: PATH=VALUE; PATH=VALUE' (a bare NAME is the scenario as it is). The first
variant is the baseline: differences.csv has each other variant's paired differences to it,
replication by replication, with confidence intervals.

Examples:
  tracesim compare models/jaeger-collector-es-outage-1gib.toml --variant 80MiB --variant '15MiB: collector.queue_size_memory=15MiB' --replications 10
  tracesim compare models/jaeger-collector-es-outage.toml --variant refuse --variant 'hang: storage.outages.0.mode=hang' --variant 'hang-30s: storage.outages.0.mode=hang; storage.timeout=30s'";

const RECOMMEND_HELP: &str = "\
Searches the queue size the scenario uses (collector.queue_size_memory, else
collector.queue_size; for an [otelcol], otelcol.exporter.sending_queue.queue_size in its
sizer's unit) for the largest that keeps the probability of an OOM kill under
1 - confidence, with the limit reduced by the headroom. For the scenario's own queue it
reports the memory needed and the longest outage survived without losing a span, and it
prints a trade-off table next to two history-based rules: the Kubernetes VPA (p90 of observed
peaks + 15%, at least 250 MB) and \"limit = 2 x queue\".

Examples:
  tracesim recommend models/jaeger-collector-es-outage.toml --memory-limit 200MiB
  tracesim recommend models/jaeger-collector-es-outage.toml --memory-limit 1GiB --outage 30m --confidence 0.99 --headroom 10%
  tracesim recommend models/otelcol-kyma-outage.toml --memory-limit 2GiB --replications 5";

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Scenario file (TOML)
    pub scenario: PathBuf,
    /// A field and its values: --vary collector.queue_size_memory=5MiB,15MiB (repeatable)
    #[arg(long = "vary", value_name = "PATH=VALUES", required = true)]
    pub vary: Vec<String>,
    #[command(flatten)]
    pub many: ManyArgs,
    /// This process's shard (default: JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)
    #[arg(long)]
    pub shard_index: Option<u64>,
    /// Number of shards (default: SLURM_ARRAY_TASK_COUNT)
    #[arg(long)]
    pub shard_count: Option<u64>,
    /// Keep the runs an interrupted sweep finished and run only the rest (refused when the
    /// journal comes from another plan)
    #[arg(long)]
    pub resume: bool,
    /// Run even over 100,000 runs or an hour's estimate
    #[arg(long)]
    pub yes: bool,
    /// Also draw peak_rss.svg/png into the output folder
    #[arg(long)]
    pub plot: bool,
}

/// Options shared by the commands that make many runs.
#[derive(Args, Debug, Clone)]
pub struct ManyArgs {
    /// Replications per point
    #[arg(long, default_value_t = 10)]
    pub replications: u64,
    /// Master seed (default: the scenario's `scenario.seed`)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override a scenario field for every run: --set PATH=VALUE (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<String>,
    /// Output folder (default: output/<scenario file name>-<command>, with the --set
    /// overrides in the name)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into a non-empty folder tracesim did not write (never replacing its files)
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: all cores)
    #[arg(long)]
    pub threads: Option<usize>,
    /// Confidence level of the intervals
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    pub scenario: PathBuf,
    #[arg(long = "vary", value_name = "PATH=VALUES", required = true)]
    pub vary: Vec<String>,
    #[arg(long, default_value_t = 10)]
    pub replications: u64,
    #[arg(long, default_value_t = 1)]
    pub shard_count: u64,
    /// Override a scenario field, as the sweep will: --set PATH=VALUE (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<String>,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// A sweep output folder holding runs.shard-*-of-*.csv
    pub dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    pub scenario: PathBuf,
    /// 'NAME: PATH=VALUE; PATH=VALUE' (repeatable, at least two; the first is the baseline)
    #[arg(long = "variant", value_name = "VARIANT", required = true)]
    pub variants: Vec<String>,
    #[command(flatten)]
    pub many: ManyArgs,
    /// Also draw compare.svg/png (the variants' memory curves, replication 0) into the folder
    #[arg(long)]
    pub plot: bool,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Scenario file (TOML), e.g. models/jaeger-collector-es-outage.toml
    pub scenario: PathBuf,
    /// Override a scenario field: --set collector.queue_size_memory=15MiB (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<String>,
    /// Seed of the run (default: the scenario's `scenario.seed`)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder (default: output/<scenario file name>, with the --set overrides in the
    /// name). It must be new or written by tracesim before; see README, "Output folders"
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into a non-empty folder tracesim did not write (never replacing its files)
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
    /// Also draw memory.svg/png and queue.svg/png into the output folder
    #[arg(long)]
    pub plot: bool,
}

/// An error with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub error: anyhow::Error,
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure {
            code: 2,
            error: e.into(),
        }
    }
}

impl From<Refused> for Failure {
    fn from(e: Refused) -> Self {
        Failure {
            code: 2,
            error: e.into(),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        // 130 = 128 + SIGINT, as shells report an interrupted command. What the user asked
        // wrongly is theirs to fix (2): an output folder the rule refuses, a sweep refused as
        // asked (another plan's journal, over budget, shards of different plans), a scenario
        // or grid point that does not validate.
        let code = if e.is::<sweep::Interrupted>() {
            130
        } else if e.is::<Refused>() || e.is::<sweep::Refused>() || e.is::<ScenarioError>() {
            2
        } else {
            1
        };
        Failure { code, error: e }
    }
}

pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Run(a) => cmd_run(a),
        Command::Sweep(a) => cmd_sweep(a),
        Command::Plan(a) => cmd_plan(a),
        Command::Merge(a) => cmd_merge(a),
        Command::Compare(a) => cmd_compare(a),
        Command::Recommend(a) => crate::recommend::cmd_recommend(a),
        Command::Validate(a) => crate::validate::cmd_validate(a),
        Command::Calibrate(a) => crate::validate::cmd_calibrate(a),
        Command::Measure(a) => crate::measure::cmd_measure(a),
        Command::Plot(a) => cmd_plot(a),
        Command::Import(a) => crate::import::cmd_import(a),
        Command::Bench(a) => crate::bench::cmd_bench(a),
    }
}

/// A usage error (exit code 2).
pub fn usage(msg: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        error: anyhow::anyhow!(msg.into()),
    }
}

/// `output/<scenario file name><suffix>`, with the `--set` overrides in the name so that
/// what-if runs do not write over each other: `+collector.queue_size_memory=15MiB`, or a
/// digest of them when they would make a long name.
pub fn default_out(scenario: &Path, suffix: &str, overrides: &[String]) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "run".into());
    PathBuf::from("output").join(format!("{stem}{}{suffix}", overrides_tag(overrides)))
}

fn overrides_tag(overrides: &[String]) -> String {
    if overrides.is_empty() {
        return String::new();
    }
    let clean: Vec<String> = overrides
        .iter()
        .map(|o| {
            o.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._=-".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        })
        .collect();
    let tag = format!("+{}", clean.join("+"));
    if tag.len() <= 80 {
        return tag;
    }
    let h = crate::outdir::fnv1a(overrides.join("\n").as_bytes());
    format!("+set-{h:016x}")
}

fn parse_axes(vary: &[String]) -> Result<Vec<grid::Axis>, Failure> {
    vary.iter()
        .map(|v| grid::parse_axis(v).map_err(usage))
        .collect()
}

fn check_many(m: &ManyArgs) -> Result<(), Failure> {
    if m.replications == 0 || m.replications > 1_000_000 {
        return Err(usage("--replications must be between 1 and 1,000,000"));
    }
    if !(m.confidence > 0.0 && m.confidence < 1.0) {
        return Err(usage("--confidence must be between 0 and 1, e.g. 0.95"));
    }
    if m.threads == Some(0) {
        return Err(usage("--threads must be at least 1"));
    }
    Ok(())
}

/// The number of runs of a grid, arithmetically (no point is built): exit 2 past 2^64.
fn count_runs(axes: &[grid::Axis], replications: u64) -> Result<u64, Failure> {
    grid::runs_len(axes, replications.max(1)).ok_or_else(|| {
        usage(format!(
            "{} makes more runs than can be counted (over 2^64)",
            axes.iter()
                .map(|a| format!("--vary {}={}", a.path, a.spec))
                .collect::<Vec<_>>()
                .join(" ")
        ))
    })
}

/// The grid's plan, after refusing axes whose labels could lie (`grid::check_axes`).
fn grid_plan(scenario: &Path, axes: &[grid::Axis], m: &ManyArgs) -> Result<Plan, Failure> {
    grid::check_axes(axes, &m.overrides).map_err(usage)?;
    let plan = Plan::grid(
        scenario,
        &m.overrides,
        axes.to_vec(),
        m.replications,
        m.seed,
    )?;
    print_base_warnings(scenario, &m.overrides);
    Ok(plan)
}

/// The warnings of a sweep's or comparison's scenario (with its `--set`s, before the points'
/// own overrides), printed once.
fn print_base_warnings(path: &Path, overrides: &[String]) {
    if let Ok(l) = scenario::load(path, overrides) {
        scenario::print_warnings(&l.warnings);
    }
}

/// Lists longer than this are left out of a manifest (a grid of 10^7 points would write
/// gigabytes of JSON).
const MANIFEST_LIST_MAX: u64 = 100_000;

fn many_manifest(
    plan: &Plan,
    scenario: &Path,
    m: &ManyArgs,
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut v = serde_json::json!({
        "tool": "tracesim",
        "version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "scenario_path": scenario.display().to_string(),
        "overrides": m.overrides,
        "label_columns": plan.label_columns,
        // Every point's overrides, unless a grid has too many to list (its axes say them).
        "points": (plan.points_len() <= MANIFEST_LIST_MAX).then(|| (0..plan.points_len()).map(|p| plan.point_overrides(p)).collect::<Vec<_>>()),
        "replications": plan.replications,
        "master_seed": plan.master_seed,
        "seed_rule": "seed of replication r = splitmix64(master ^ splitmix64(r + 0x5EED)), the same at every point",
        "total_runs": plan.total_runs(),
        "confidence_level": m.confidence,
        "units": {"time": "seconds", "size": "bytes"},
        "scenario_text": plan.text,
    });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            o.insert(k.clone(), x.clone());
        }
    }
    v
}

fn cmd_plan(a: PlanArgs) -> Result<(), Failure> {
    use std::io::Write as _;
    let axes = parse_axes(&a.vary)?;
    if a.shard_count == 0 {
        return Err(usage("--shard-count must be at least 1"));
    }
    if a.replications == 0 || a.replications > 1_000_000 {
        return Err(usage("--replications must be between 1 and 1,000,000"));
    }
    // The count first, arithmetically: it does not wait for any point to be built.
    let total = count_runs(&axes, a.replications)?;
    println!("{total}");
    std::io::stdout().flush().ok();
    // Then the checks the sweep makes before its first run, so a plan that prints runs.
    let m = ManyArgs {
        replications: a.replications,
        seed: None,
        overrides: a.overrides.clone(),
        out: None,
        force: false,
        threads: None,
        confidence: 0.95,
        quiet: true,
    };
    grid_plan(&a.scenario, &axes, &m)?;
    if a.shard_count > 1 {
        // Shard i has the run ids i, i + N, i + 2N, ... below the total.
        let (n, q, r) = (a.shard_count, total / a.shard_count, total % a.shard_count);
        for i in 0..n {
            eprintln!("shard {i} of {n}: {} runs", q + u64::from(i < r));
        }
    }
    Ok(())
}

fn cmd_sweep(a: SweepArgs) -> Result<(), Failure> {
    check_many(&a.many)?;
    let axes = parse_axes(&a.vary)?;
    count_runs(&axes, a.many.replications)?;
    let shard = Shard::resolve(a.shard_index, a.shard_count).map_err(usage)?;
    let plan = grid_plan(&a.scenario, &axes, &a.many)?;
    crate::units::Family::of_scenario(&plan.text).set();
    let out = a
        .many
        .out
        .clone()
        .unwrap_or_else(|| default_out(&a.scenario, "-sweep", &a.many.overrides));
    let ids = sweep::Runs::of_shard(plan.total_runs(), shard);
    let tag = if shard.is_all() {
        "all".to_string()
    } else {
        shard.tag()
    };
    // The folder is claimed before any run: a refused --out costs nothing. Shards share it
    // (each writes only its own files); a whole sweep takes it alone.
    let (group, expected): (String, Vec<String>) = if shard.is_all() {
        (
            "sweep".into(),
            vec![
                "runs.csv".into(),
                "points.csv".into(),
                "manifest.json".into(),
            ],
        )
    } else {
        (
            tag.clone(),
            vec![format!("runs.{tag}.csv"), format!("manifest.{tag}.json")],
        )
    };
    let expected_refs: Vec<&str> = expected.iter().map(String::as_str).collect();
    let mut od = claim(
        &out,
        &Claim {
            inputs: &[&a.scenario],
            expected: &expected_refs,
            force: a.many.force,
            shared: !shard.is_all(),
            ..Claim::new("sweep")
        },
    )?;
    let journal = od.live_file(&group, &format!(".runs.{tag}.journal"))?;
    let fingerprint = sweep::Fingerprint::of(&plan, &axes, shard);
    let started = Instant::now();
    sweep::stop_on_ctrl_c();
    let rows = sweep::execute(
        &plan,
        ids,
        Some(sweep::JournalAt {
            path: &journal,
            fingerprint: &fingerprint,
        }),
        &sweep::Execution {
            threads: a.many.threads,
            what: "sweep",
            progress: sweep::progress::Mode::for_stderr(a.many.quiet),
            quiet: a.many.quiet,
            resume: a.resume,
            budget: (!a.yes).then_some(sweep::Budget::DEFAULT),
        },
    )?;
    let runs = sweep::runs_csv(&plan.header(), &rows);
    let extra = serde_json::json!({
        // The values as well as the spec, unless there are too many to list.
        "axes": axes.iter().map(|x| serde_json::json!({"path": x.path, "spec": x.spec, "values": (x.len() <= MANIFEST_LIST_MAX).then(|| x.values().collect::<Vec<_>>())})).collect::<Vec<_>>(),
        "shard_index": if shard.is_all() { serde_json::Value::Null } else { shard.index.into() },
        "shard_count": shard.count,
    });
    let manifest = serde_json::to_vec_pretty(&many_manifest(&plan, &a.scenario, &a.many, extra))
        .map_err(anyhow::Error::from)?;
    if shard.is_all() {
        let points = sweep::points_csv(&runs, &plan.label_columns, a.many.confidence)?;
        od.put(&group, "runs.csv", &runs)?;
        od.put(&group, "points.csv", &points)?;
        od.put(&group, "manifest.json", &manifest)?;
        if a.plot {
            crate::plot::plot_staged(&mut od)?;
        }
        // The whole folder is this sweep's now: an earlier sweep's files (its plots, shards,
        // journal) go.
        od.commit(Scope::All)?;
        if !a.many.quiet {
            print_points(&points, &plan.label_columns, a.many.confidence);
        }
    } else {
        od.put(&group, &format!("runs.{tag}.csv"), &runs)?;
        od.put(&group, &format!("manifest.{tag}.json"), &manifest)?;
        // This shard's files, and a whole sweep's (an older plan's, merged again later).
        od.commit(Scope::Groups(vec![
            group.clone(),
            "sweep".into(),
            "merge".into(),
            "plot".into(),
        ]))?;
    }
    if !a.many.quiet {
        let shard_txt = if shard.is_all() {
            String::new()
        } else {
            format!(
                " (shard {} of {}, {} runs in all)",
                shard.index,
                shard.count,
                plan.total_runs()
            )
        };
        println!(
            "{} runs{shard_txt} in {:.2} s; wrote {}",
            ids.count,
            started.elapsed().as_secs_f64(),
            out.display()
        );
    }
    Ok(())
}

fn cmd_merge(a: MergeArgs) -> Result<(), Failure> {
    if !a.dir.join(crate::outdir::MARKER).exists() {
        return Err(usage(format!(
            "{} is not a sweep folder tracesim wrote (no {} marker)",
            a.dir.display(),
            crate::outdir::MARKER
        )));
    }
    let mut od = claim(&a.dir, &Claim::new("merge"))?;
    let (shards, runs) = sweep::merge(&a.dir, &mut od)?;
    od.commit(Scope::Groups(vec![
        "merge".into(),
        "sweep".into(),
        "plot".into(),
    ]))?;
    println!(
        "merged {shards} shards, {runs} runs into {}/runs.csv and points.csv",
        a.dir.display()
    );
    Ok(())
}

fn parse_variant(v: &str) -> Result<(String, Vec<String>), Failure> {
    let (name, rest) = match v.split_once(':') {
        Some((n, r)) => (n.trim(), r),
        None => (v.trim(), ""),
    };
    if name.is_empty() {
        return Err(usage(format!(
            "variant `{v}` has no name (write 'NAME: PATH=VALUE; ...')"
        )));
    }
    let overrides: Vec<String> = rest
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(bad) = overrides.iter().find(|o| !o.contains('=')) {
        return Err(usage(format!(
            "variant `{name}`: `{bad}` is not PATH=VALUE"
        )));
    }
    Ok((name.to_string(), overrides))
}

const COMPARE_FILES: [&str; 5] = [
    "runs.csv",
    "points.csv",
    "differences.csv",
    "curves.csv",
    "manifest.json",
];

fn cmd_compare(a: CompareArgs) -> Result<(), Failure> {
    check_many(&a.many)?;
    if a.variants.len() < 2 {
        return Err(usage("compare needs at least two --variant"));
    }
    let specs: Vec<(Vec<String>, Vec<String>)> = a
        .variants
        .iter()
        .map(|v| parse_variant(v).map(|(n, o)| (vec![n], o)))
        .collect::<Result<_, _>>()?;
    let mut names: Vec<&String> = specs.iter().map(|s| &s.0[0]).collect();
    names.sort();
    names.dedup();
    if names.len() != specs.len() {
        return Err(usage("variant names must differ"));
    }
    let plan = Plan::build(
        &a.scenario,
        &a.many.overrides,
        vec!["variant".into()],
        specs,
        a.many.replications,
        a.many.seed,
    )?;
    crate::units::Family::of_scenario(&plan.text).set();
    print_base_warnings(&a.scenario, &a.many.overrides);
    let out = a
        .many
        .out
        .clone()
        .unwrap_or_else(|| default_out(&a.scenario, "-compare", &a.many.overrides));
    let mut od = claim(
        &out,
        &Claim {
            inputs: &[&a.scenario],
            expected: &COMPARE_FILES,
            force: a.many.force,
            ..Claim::new("compare")
        },
    )?;
    let rows = sweep::execute(
        &plan,
        sweep::Runs::all(plan.total_runs()),
        None,
        &sweep::Execution {
            threads: a.many.threads,
            what: "compare",
            progress: sweep::progress::Mode::for_stderr(a.many.quiet),
            quiet: a.many.quiet,
            resume: false,
            budget: None,
        },
    )?;
    let runs = sweep::runs_csv(&plan.header(), &rows);
    let points = sweep::points_csv(&runs, &plan.label_columns, a.many.confidence)?;
    let diffs = crate::compare::differences_csv(&runs, a.many.confidence)?;
    let curves = crate::compare::curves_csv(&plan)?;
    let manifest = serde_json::to_vec_pretty(&many_manifest(
        &plan,
        &a.scenario,
        &a.many,
        serde_json::json!({}),
    ))
    .map_err(anyhow::Error::from)?;
    for (name, bytes) in COMPARE_FILES
        .iter()
        .zip([&runs, &points, &diffs, &curves, &manifest])
    {
        od.put("compare", name, bytes)?;
    }
    if a.plot {
        crate::plot::plot_staged(&mut od)?;
    }
    od.commit(Scope::All)?;
    if !a.many.quiet {
        print_points(&points, &plan.label_columns, a.many.confidence);
        crate::compare::print_differences(&diffs, a.many.confidence);
        println!(
            "wrote {}/{{runs.csv, points.csv, differences.csv, curves.csv, manifest.json}}",
            out.display()
        );
    }
    Ok(())
}

/// A readable table of a points file. A point of one run has no interval: it says n=1.
fn print_points(points: &[u8], labels: &[String], level: f64) {
    let mut rdr = csv::Reader::from_reader(points);
    let Ok(h) = rdr.headers().cloned() else {
        return;
    };
    let col = |n: &str| h.iter().position(|x| x == n);
    let (Some(runs), Some(rss), Some(lo), Some(hi), Some(oom), Some(loss)) = (
        col("runs"),
        col("peak_rss_bytes_mean"),
        col("peak_rss_bytes_ci_low"),
        col("peak_rss_bytes_ci_high"),
        col("oom_probability"),
        col("loss_fraction_mean"),
    ) else {
        return;
    };
    let label_idx: Vec<usize> = labels.iter().filter_map(|l| col(l)).collect();
    let (per, unit) = crate::units::Family::current().mega();
    println!(
        "{:<40} {:>24} {:>8} {:>8}",
        labels.join(" "),
        format!("peak RSS ({:.0}% CI)", level * 100.0),
        "P(OOM)",
        "lost"
    );
    for r in rdr.records().flatten() {
        let label: Vec<&str> = label_idx.iter().map(|&i| &r[i]).collect();
        let mb = |i: usize| r[i].parse::<f64>().unwrap_or(0.0) / per;
        let interval = if r[lo].is_empty() || r[hi].is_empty() {
            format!("{:>14}", format!("(n={}, no CI)", &r[runs]))
        } else {
            format!("[{:>5.1}, {:>5.1}]", mb(lo), mb(hi))
        };
        println!(
            "{:<40} {:>7.1} {unit} {interval} {:>8.2} {:>7.2}%",
            label.join(" "),
            mb(rss),
            r[oom].parse::<f64>().unwrap_or(0.0),
            100.0 * r[loss].parse::<f64>().unwrap_or(0.0)
        );
    }
}

const RUN_FILES: [&str; 4] = [
    "summary.csv",
    "timeseries.csv",
    "events.csv",
    "manifest.json",
];

fn cmd_run(a: RunArgs) -> Result<(), Failure> {
    let loaded = scenario::load(&a.scenario, &a.overrides)?;
    scenario::print_warnings(&loaded.warnings);
    let sc = &loaded.scenario;
    crate::units::Family::of_scenario(&loaded.text).set();
    let seed = a.seed.unwrap_or(sc.seed);
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| default_out(&a.scenario, "", &a.overrides));
    let mut od = claim(
        &out,
        &Claim {
            inputs: &[&a.scenario],
            expected: &RUN_FILES,
            force: a.force,
            ..Claim::new("run")
        },
    )?;

    let bar = if a.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(1000);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} simulating [{bar:30}] {percent}% ({elapsed}, eta {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        b
    };
    let b2 = bar.clone();
    let started = Instant::now();
    let sim = Simulation::new(sc, Some(seed))
        .with_progress(Box::new(move |f| b2.set_position((f * 1000.0) as u64)));
    let result = sim.run();
    let wall = started.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let command: Vec<String> = std::env::args().collect();
    let manifest = Manifest {
        tool: "tracesim",
        version: env!("CARGO_PKG_VERSION"),
        command,
        scenario_path: loaded.path.display().to_string(),
        scenario_name: &sc.name,
        overrides: &a.overrides,
        seed,
        duration_s: secs(sc.duration),
        sample_interval_s: secs(sc.sample_interval),
        files: RUN_FILES.to_vec(),
        units: Default::default(),
        scenario_text: &loaded.text,
    };
    let files = vec![
        ("summary.csv", output::summary_csv(&[&result])?),
        ("timeseries.csv", output::timeseries_csv(&result)?),
        ("events.csv", output::events_csv(&result)?),
        (
            "manifest.json",
            serde_json::to_vec_pretty(&manifest).map_err(anyhow::Error::from)?,
        ),
    ];
    for (name, bytes) in &files {
        od.put("run", name, bytes)?;
    }
    let imgs = if a.plot {
        crate::plot::plot_staged(&mut od)?
    } else {
        0
    };
    let replaced = od.replaces_earlier_output();
    od.commit(Scope::All)?;
    if !a.quiet {
        print_summary(&result, &out, wall);
        if replaced {
            println!("  (replaced the earlier output tracesim wrote there)");
        }
        if a.plot {
            println!("  plotted       {imgs} images");
        }
    }
    Ok(())
}

fn print_summary(r: &RunResult, out: &Path, wall: f64) {
    let c = &r.counters;
    println!(
        "{}  seed {}  {} s simulated",
        r.scenario,
        r.seed,
        secs(r.duration)
    );
    let lim = |l: Option<u64>| {
        l.map(|l| format!(" (limit {})", ByteSize(l)))
            .unwrap_or_default()
    };
    let has_collector = r.has_collector;
    if let Some(t) = &r.tracer {
        let bound = t
            .memory_bound
            .map(|b| format!(", bound {}", ByteSize(b)))
            .unwrap_or_default();
        println!(
            "  tracer        peak RSS {}{}{}, peak {} spans buffered",
            ByteSize(t.peak_rss),
            lim(t.memory_limit),
            bound,
            fmt_count(t.peak_buffered)
        );
        if let Some(f) = t.first_oom {
            println!(
                "  tracer OOM    {} kills (first at {:.1} s), restarts {}",
                t.oom_kills,
                secs(f),
                t.restarts
            );
        }
    }
    if has_collector {
        let who = if r.tracer.is_some() { "collector" } else { "" };
        println!(
            "  peak RSS      {}{}{}",
            ByteSize(c.peak_rss),
            lim(r.memory_limit),
            if who.is_empty() {
                String::new()
            } else {
                format!(" ({who})")
            }
        );
        match c.first_oom {
            Some(t) => println!(
                "  OOM kills     {} (first at {:.1} s), restarts {}",
                c.oom_kills,
                secs(t),
                c.restarts
            ),
            None => println!("  OOM kills     0"),
        }
    }
    println!(
        "  spans         generated {}, exported {}, dropped {}, held at end {}",
        fmt_count(c.generated),
        fmt_count(c.exported),
        fmt_count(c.dropped_total()),
        fmt_count(r.held_end)
    );
    let reasons: Vec<String> = DropReason::ALL
        .iter()
        .filter(|d| c.dropped[**d as usize] > 0)
        .map(|d| {
            format!(
                "{} {} (first at {:.1} s)",
                d.name(),
                fmt_count(c.dropped[*d as usize]),
                secs(c.first_drop_by[*d as usize].unwrap_or(0))
            )
        })
        .collect();
    if !reasons.is_empty() {
        println!("  drops         {}", reasons.join(", "));
    }
    match c.first_queue_full {
        _ if !has_collector => {}
        Some(t) => println!(
            "  queue         peak {} spans, first full at {:.1} s, capacity at end {}",
            fmt_count(c.peak_queue),
            secs(t),
            fmt_count(r.queue_capacity_end)
        ),
        None => println!(
            "  queue         peak {} spans, never full, capacity at end {}",
            fmt_count(c.peak_queue),
            fmt_count(r.queue_capacity_end)
        ),
    }
    println!(
        "  wrote         {}/{{summary.csv, timeseries.csv, events.csv, manifest.json}}",
        out.display()
    );
    let rate = c.generated as f64 / wall.max(1e-9);
    println!(
        "  speed         {} spans in {:.3} s of wall time ({:.1}M spans/s)",
        fmt_count(c.generated),
        wall,
        rate / 1e6
    );
}
