//! Command-line interface: arguments as parsed (clap), then validated and dispatched.

use crate::metrics::{DropReason, RunResult};
use crate::output::{self, Manifest};
use crate::pipeline::Simulation;
use crate::scenario::{self, ScenarioError};
use crate::sim::secs;
use crate::units::ByteSize;
use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::time::Instant;

const EXAMPLES: &str = "\
Examples:
  tracesim run models/jaeger-collector-es-outage.toml
  tracesim run models/jaeger-collector-es-outage.toml --set collector.queue_size_memory=15MiB --set collector.memory.limit=200MB
  tracesim run models/jaeger-collector-healthy.toml --seed 7 --out output/healthy-seed7

Exit codes: 0 success, 1 failure while running or writing, 2 bad arguments or bad input file.";

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
    /// Output folder (default: output/<scenario file name>)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
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

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure { code: 1, error: e }
    }
}

pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Run(a) => cmd_run(a),
    }
}

fn default_out(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "run".into());
    PathBuf::from("output").join(stem)
}

fn cmd_run(a: RunArgs) -> Result<(), Failure> {
    let loaded = scenario::load(&a.scenario, &a.overrides)?;
    let sc = &loaded.scenario;
    let seed = a.seed.unwrap_or(sc.seed);
    let out = a.out.clone().unwrap_or_else(|| default_out(&a.scenario));

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
        files: vec![
            "summary.csv",
            "timeseries.csv",
            "events.csv",
            "manifest.json",
        ],
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
    output::write_folder(&out, &files)?;
    if !a.quiet {
        print_summary(&result, &out, wall);
    }
    Ok(())
}

fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn print_summary(r: &RunResult, out: &Path, wall: f64) {
    let c = &r.counters;
    println!(
        "{}  seed {}  {} s simulated",
        r.scenario,
        r.seed,
        secs(r.duration)
    );
    let limit = r
        .memory_limit
        .map(|l| format!(" (limit {})", ByteSize(l)))
        .unwrap_or_default();
    println!("  peak RSS      {}{}", ByteSize(c.peak_rss), limit);
    match c.first_oom {
        Some(t) => println!(
            "  OOM kills     {} (first at {:.1} s), restarts {}",
            c.oom_kills,
            secs(t),
            c.restarts
        ),
        None => println!("  OOM kills     0"),
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
