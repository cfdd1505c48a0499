//! Many runs of one scenario: sweeps over a grid, replications, policy comparisons.
//!
//! A sweep is a fixed, numbered list of runs: points (grid points or compared variants) in
//! order, each with `replications` runs, `run_id = point * replications + replication`.
//! Replication `r` of every point uses the seed `derive_seed(master, r)`: every point sees
//! the same arrivals, sizes and latencies (common random numbers), so differences between
//! points are the configuration's, not the dice's. A run's seed depends only on the master
//! seed and its run id, never on threads or shards, so any subset of runs computed anywhere
//! gives the rows one machine would have written; rows are sorted by `run_id`.
//!
//! A grid's points are not built up front: point `p` is decoded from its number (mixed
//! radix over the axes' lengths) and its scenario built when its first run starts, so the
//! run count is known at once and a huge grid costs nothing until it runs. The values a
//! run can meet are checked before any run: every listed value and both ends of every
//! range, each on a real point of the grid.
//!
//! Completed rows are appended to a journal as they finish. The journal's first line is the
//! plan's fingerprint (scenario text after `--set`, axes, replications, master seed, tool
//! version, shard): `--resume` keeps the rows only under the same fingerprint, and says what
//! differs otherwise. The final file is written at once (temp file + rename).

pub mod grid;
pub mod progress;

pub use progress::Progress;

use crate::metrics::RunResult;
use crate::pipeline::Simulation;
use crate::scenario::{self, Scenario, ScenarioError};
use crate::sim::rng::derive_seed;
use crate::stats::{mean_ci, wilson};
use anyhow::{Context, Result, bail};
use grid::Axis;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Set by Ctrl-C (SIGINT/SIGTERM): runs not yet started are skipped, finished ones stay in
/// the journal, and `--resume` completes the sweep to the same bytes.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C handler once (later calls are no-ops).
pub fn stop_on_ctrl_c() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                // A second Ctrl-C: stop now.
                std::process::exit(130);
            }
            eprintln!("\ninterrupted: finishing the runs under way (Ctrl-C again to stop now)");
        });
    });
}

/// The sweep stopped before all its runs were done.
#[derive(Debug)]
pub struct Interrupted {
    pub done: usize,
    pub total: usize,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted after {} of {} runs; the finished runs are kept: rerun the same command with --resume",
            self.done, self.total
        )
    }
}

impl std::error::Error for Interrupted {}

/// The command asks for something this tool refuses to do as asked (exit code 2): a resume
/// under another plan, a sweep over the run or time budget without `--yes`, shards of
/// different plans.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// One configuration of the scenario.
#[derive(Clone, Debug)]
pub struct Point {
    /// Values of the label columns (the varied fields, or the variant's name).
    pub labels: Vec<String>,
    pub overrides: Vec<String>,
    pub scenario: Arc<Scenario>,
}

#[derive(Debug)]
enum Points {
    /// Built and validated up front (compared variants, recommend's candidates).
    Listed(Vec<Point>),
    /// The cartesian product of the axes, first axis slowest, built point by point.
    Grid { axes: Vec<Axis>, len: u64 },
}

/// The suffix of a varied field's numeric column: `collector.queue_size_memory_value`.
pub const VALUE_SUFFIX: &str = "_value";

/// The plan's own columns at the head of every runs file (the output contract).
const FRONT: [&str; 4] = ["run_id", "point", "replication", "seed"];

#[derive(Clone, Debug)]
pub struct Plan {
    pub label_columns: Vec<String>,
    points: Arc<Points>,
    pub replications: u64,
    pub master_seed: u64,
    /// The scenario text after the `--set` overrides, before any point's.
    pub text: String,
    file: String,
    /// Which summary columns a row keeps: not those the plan's own columns already give
    /// (the summary's `seed` is the run's seed, already in the front).
    summary_keep: Arc<Vec<bool>>,
    /// Tells plans apart in the per-thread cache of built grid points.
    id: u64,
}

static NEXT_PLAN: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The grid point this thread built last: (plan id, point, scenario). Runs of one point
    /// are consecutive run ids, so a worker mostly meets the same point again.
    static BUILT: RefCell<Option<(u64, u64, Arc<Scenario>)>> = const { RefCell::new(None) };
}

fn summary_keep() -> Arc<Vec<bool>> {
    Arc::new(
        RunResult::summary_header()
            .iter()
            .map(|h| !FRONT.contains(&h.as_str()))
            .collect(),
    )
}

impl Plan {
    /// Builds and validates every point up front: a bad value fails before any run.
    pub fn build(
        path: &Path,
        base_overrides: &[String],
        label_columns: Vec<String>,
        specs: Vec<(Vec<String>, Vec<String>)>,
        replications: u64,
        master_seed: Option<u64>,
    ) -> Result<Plan, ScenarioError> {
        let base = scenario::load(path, base_overrides)?;
        let file = path.display().to_string();
        let mut points = Vec::with_capacity(specs.len());
        for (labels, overrides) in specs {
            let scenario = Arc::new(build_point(&file, &base.text, &overrides)?);
            points.push(Point {
                labels,
                overrides,
                scenario,
            });
        }
        Ok(Plan {
            label_columns,
            master_seed: master_seed.unwrap_or(base.scenario.seed),
            points: Arc::new(Points::Listed(points)),
            replications: replications.max(1),
            text: base.text,
            file,
            summary_keep: summary_keep(),
            id: NEXT_PLAN.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// A plan of points already built (`bench`: scenarios from text, not a file).
    pub fn listed(
        label_columns: Vec<String>,
        points: Vec<Point>,
        replications: u64,
        master_seed: u64,
        text: String,
    ) -> Plan {
        Plan {
            label_columns,
            points: Arc::new(Points::Listed(points)),
            replications: replications.max(1),
            master_seed,
            text,
            file: String::new(),
            summary_keep: summary_keep(),
            id: NEXT_PLAN.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// A grid over `axes`. Checks the scenario, and every value a point can take (each
    /// listed value, the ends of each range) on a point of the grid: the point with that
    /// value and every other axis at its first value, then the last point. The other points
    /// are built when their runs start.
    pub fn grid(
        path: &Path,
        base_overrides: &[String],
        axes: Vec<Axis>,
        replications: u64,
        master_seed: Option<u64>,
    ) -> Result<Plan, ScenarioError> {
        let base = scenario::load(path, base_overrides)?;
        let file = path.display().to_string();
        let refuse = |message: String| ScenarioError {
            file: file.clone(),
            line: None,
            field: String::new(),
            message,
        };
        let len = grid::grid_len(&axes)
            .filter(|n| n.checked_mul(replications.max(1)).is_some())
            .ok_or_else(|| refuse("the grid has more runs than can be counted (2^64)".into()))?;
        let label_columns: Vec<String> = axes.iter().map(|a| a.path.clone()).collect();
        for l in &label_columns {
            let taken = FRONT
                .iter()
                .map(|s| s.to_string())
                .chain(RunResult::summary_header())
                .any(|c| c == *l || c == format!("{l}{VALUE_SUFFIX}"));
            if taken {
                return Err(refuse(format!(
                    "--vary {l}: a runs file column already has that name"
                )));
            }
        }
        let plan = Plan {
            label_columns,
            master_seed: master_seed.unwrap_or(base.scenario.seed),
            points: Arc::new(Points::Grid { axes, len }),
            replications: replications.max(1),
            text: base.text,
            file,
            summary_keep: summary_keep(),
            id: NEXT_PLAN.fetch_add(1, Ordering::Relaxed),
        };
        let Points::Grid { axes, .. } = &*plan.points else {
            unreachable!("built as a grid")
        };
        let mut checks = std::collections::BTreeSet::new();
        for (i, a) in axes.iter().enumerate() {
            let ks: Vec<u64> = if a.is_list() {
                (0..a.len()).collect()
            } else {
                vec![0, a.len() - 1]
            };
            for k in ks {
                let mut idx = vec![0; axes.len()];
                idx[i] = k;
                checks.insert(grid::point_at(axes, &idx));
            }
        }
        checks.insert(len - 1);
        for p in checks {
            plan.scenario(p)?;
        }
        Ok(plan)
    }

    /// Number of points.
    pub fn points_len(&self) -> u64 {
        match &*self.points {
            Points::Listed(v) => v.len() as u64,
            Points::Grid { len, .. } => *len,
        }
    }

    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// Does the runs file carry a numeric `_value` column beside each label? (A grid's
    /// labels are field values; a variant's label is its name.)
    fn has_values(&self) -> bool {
        matches!(&*self.points, Points::Grid { .. })
    }

    pub fn point_labels(&self, p: u64) -> Vec<String> {
        match &*self.points {
            Points::Listed(v) => v[p as usize].labels.clone(),
            Points::Grid { axes, .. } => grid::point_values(axes, p),
        }
    }

    pub fn point_overrides(&self, p: u64) -> Vec<String> {
        match &*self.points {
            Points::Listed(v) => v[p as usize].overrides.clone(),
            Points::Grid { axes, .. } => axes
                .iter()
                .zip(grid::point_values(axes, p))
                .map(|(a, v)| format!("{}={v}", a.path))
                .collect(),
        }
    }

    /// The validated scenario of point `p`. A grid point is built on first use (and cached
    /// per thread); its error names the point's overrides.
    pub fn scenario(&self, p: u64) -> Result<Arc<Scenario>, ScenarioError> {
        if let Points::Listed(v) = &*self.points {
            return Ok(v[p as usize].scenario.clone());
        }
        let key = (self.id, p);
        if let Some(sc) = BUILT.with_borrow(|b| {
            b.as_ref()
                .filter(|(id, q, _)| (*id, *q) == key)
                .map(|(_, _, sc)| sc.clone())
        }) {
            return Ok(sc);
        }
        let sc = Arc::new(build_point(
            &self.file,
            &self.text,
            &self.point_overrides(p),
        )?);
        BUILT.set(Some((self.id, p, sc.clone())));
        Ok(sc)
    }

    pub fn total_runs(&self) -> u64 {
        self.points_len() * self.replications
    }

    /// (point, replication, seed) of a run.
    pub fn run_of(&self, run_id: u64) -> (u64, u64, u64) {
        let p = run_id / self.replications;
        let r = run_id % self.replications;
        (p, r, derive_seed(self.master_seed, r))
    }

    /// The runs file's columns, each name once: `run_id, point, replication, seed`, each
    /// label (with its `_value` column for a grid), then the summary's columns less those
    /// the front already has.
    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = FRONT.iter().map(|s| s.to_string()).collect();
        for l in &self.label_columns {
            h.push(l.clone());
            if self.has_values() {
                h.push(format!("{l}{VALUE_SUFFIX}"));
            }
        }
        h.extend(
            RunResult::summary_header()
                .into_iter()
                .zip(self.summary_keep.iter())
                .filter(|(_, k)| **k)
                .map(|(c, _)| c),
        );
        h
    }

    pub fn simulate(&self, run_id: u64) -> Result<RunResult, ScenarioError> {
        let (p, _, seed) = self.run_of(run_id);
        Ok(Simulation::new(&*self.scenario(p)?, Some(seed)).run())
    }

    /// As [`Plan::simulate`], storing the fraction of simulated time done (f64 bits) as the
    /// run goes, for the pilot's estimate.
    fn simulate_watched(
        &self,
        run_id: u64,
        fraction: Arc<AtomicU64>,
    ) -> Result<RunResult, ScenarioError> {
        let (p, _, seed) = self.run_of(run_id);
        Ok(Simulation::new(&*self.scenario(p)?, Some(seed))
            .with_progress(Box::new(move |f| {
                fraction.store(f.to_bits(), Ordering::Relaxed)
            }))
            .run())
    }

    fn row(&self, run_id: u64, r: &RunResult) -> Vec<String> {
        let (p, rep, seed) = self.run_of(run_id);
        debug_assert_eq!(r.seed, seed, "the summary's seed is the run's");
        let mut row = vec![
            run_id.to_string(),
            p.to_string(),
            rep.to_string(),
            seed.to_string(),
        ];
        for l in self.point_labels(p) {
            let v = self.has_values().then(|| {
                grid::base_value(&l)
                    .map(|x| x.to_string())
                    .unwrap_or_default()
            });
            row.push(l);
            row.extend(v);
        }
        row.extend(
            r.summary_record()
                .into_iter()
                .zip(self.summary_keep.iter())
                .filter(|(_, k)| **k)
                .map(|(c, _)| c),
        );
        row
    }
}

/// The scenario of one point: the base text with the point's overrides, validated.
fn build_point(file: &str, text: &str, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let text = scenario::apply_overrides(file, text, overrides)?;
    scenario::parse(file, &text).map_err(|mut e| {
        e.message = format!("{} (at {})", e.message, overrides.join(" "));
        e
    })
}

/// Which runs this process computes: `run_id % count == index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    pub fn contains(&self, run_id: u64) -> bool {
        run_id % self.count == self.index
    }

    pub fn is_all(&self) -> bool {
        self.count == 1
    }

    pub fn tag(&self) -> String {
        format!("shard-{:04}-of-{:04}", self.index, self.count)
    }

    /// From flags, else from the batch system: Kubernetes Indexed Jobs set
    /// JOB_COMPLETION_INDEX (the count is the Job's `completions`, given with
    /// --shard-count); Slurm arrays set SLURM_ARRAY_TASK_ID, _MIN and _COUNT.
    pub fn resolve(index: Option<u64>, count: Option<u64>) -> Result<Shard, String> {
        let env = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let (index, count) = match (index, count) {
            (Some(i), Some(n)) => (i, n),
            (None, None)
                if env("JOB_COMPLETION_INDEX").is_none()
                    && env("SLURM_ARRAY_TASK_ID").is_none() =>
            {
                return Ok(Shard::ALL);
            }
            (i, n) => {
                let i = i
                    .or_else(|| env("JOB_COMPLETION_INDEX"))
                    .or_else(|| {
                        env("SLURM_ARRAY_TASK_ID")
                            .map(|id| id.saturating_sub(env("SLURM_ARRAY_TASK_MIN").unwrap_or(0)))
                    })
                    .ok_or("--shard-count needs --shard-index (or JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID)")?;
                let n = n.or_else(|| env("SLURM_ARRAY_TASK_COUNT")).ok_or(
                    "the shard count is unknown: pass --shard-count (a Kubernetes Indexed Job's `completions`)",
                )?;
                (i, n)
            }
        };
        if count == 0 || index >= count {
            return Err(format!(
                "shard index {index} is not below the shard count {count}"
            ));
        }
        Ok(Shard { index, count })
    }
}

/// CSV encoding of one record, with its line end.
pub fn csv_line(fields: &[String]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).expect("writing to memory");
    w.into_inner().expect("writing to memory")
}

/// What makes a sweep's rows what they are. Threads, the confidence level and the output
/// folder are not in it: they change no row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub version: String,
    /// The scenario text after `--set`.
    pub scenario_text: String,
    pub axes: Vec<AxisSpec>,
    pub replications: u64,
    pub master_seed: u64,
    pub shard_index: u64,
    pub shard_count: u64,
}

/// A `--vary` as written: `path=spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AxisSpec {
    pub path: String,
    pub spec: String,
}

impl Fingerprint {
    pub fn of(plan: &Plan, axes: &[Axis], shard: Shard) -> Fingerprint {
        Fingerprint {
            version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_text: plan.text.clone(),
            axes: axes
                .iter()
                .map(|a| AxisSpec {
                    path: a.path.clone(),
                    spec: a.spec.clone(),
                })
                .collect(),
            replications: plan.replications,
            master_seed: plan.master_seed,
            shard_index: shard.index,
            shard_count: shard.count,
        }
    }

    /// From a sweep's manifest (`merge` compares the shards' plans with it). Axes written
    /// before manifests had their spec are compared by their values.
    pub fn from_manifest(m: &serde_json::Value) -> Fingerprint {
        let s = |k: &str| m[k].as_str().unwrap_or_default().to_string();
        let axes = m["axes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| AxisSpec {
                        path: x["path"].as_str().unwrap_or_default().to_string(),
                        spec: x["spec"].as_str().map(str::to_string).unwrap_or_else(|| {
                            let v: Vec<&str> = x["values"]
                                .as_array()
                                .map(|v| v.iter().filter_map(|s| s.as_str()).collect())
                                .unwrap_or_default();
                            v.join(",")
                        }),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Fingerprint {
            version: s("version"),
            scenario_text: s("scenario_text"),
            axes,
            replications: m["replications"].as_u64().unwrap_or(0),
            master_seed: m["master_seed"].as_u64().unwrap_or(0),
            shard_index: m["shard_index"].as_u64().unwrap_or(0),
            shard_count: m["shard_count"].as_u64().unwrap_or(1),
        }
    }

    /// What differs between `self` (called `a` in the messages) and `other` (`b`), one
    /// sentence each: "replications 10 then, 20 now". Shard indexes are compared only when
    /// `with_shard` (shards of one sweep differ by index).
    pub fn differences(
        &self,
        other: &Fingerprint,
        a: &str,
        b: &str,
        with_shard: bool,
    ) -> Vec<String> {
        let mut d = vec![];
        if self.version != other.version {
            d.push(format!(
                "tracesim {} {a}, {} {b}",
                self.version, other.version
            ));
        }
        if (with_shard && self.shard_index != other.shard_index)
            || self.shard_count != other.shard_count
        {
            d.push(format!(
                "shard {} of {} {a}, shard {} of {} {b}",
                self.shard_index, self.shard_count, other.shard_index, other.shard_count
            ));
        }
        if self.scenario_text != other.scenario_text {
            let (x, y): (Vec<&str>, Vec<&str>) = (
                self.scenario_text.lines().collect(),
                other.scenario_text.lines().collect(),
            );
            // The changed block: what is left between the common head and the common tail
            // (so an inserted line shows as itself, not as the line it pushed down).
            let head = x.iter().zip(&y).take_while(|(p, q)| p == q).count();
            let tail = x[head..]
                .iter()
                .rev()
                .zip(y[head..].iter().rev())
                .take_while(|(p, q)| p == q)
                .count();
            // In each block, the first line that says something (`--set` rewrites a key
            // with its comments, so the block often starts with a comment).
            let pick = |v: &[&str]| {
                v.iter()
                    .position(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                    .or((!v.is_empty()).then_some(0))
            };
            let show = |v: &[&str]| match pick(v) {
                Some(i) => format!("`{}`", clip(v[i].trim(), 70)),
                None => "nothing".to_string(),
            };
            let (xs, ys) = (&x[head..x.len() - tail], &y[head..y.len() - tail]);
            let line = head + 1 + pick(ys).or(pick(xs)).unwrap_or(0);
            d.push(format!(
                "the scenario text (after --set) differs at line {line}: {} {a}, {} {b}",
                show(xs),
                show(ys)
            ));
        }
        if !same_axes(&self.axes, &other.axes) {
            let paths = |v: &[AxisSpec]| v.iter().map(|x| x.path.clone()).collect::<Vec<_>>();
            if paths(&self.axes) == paths(&other.axes) {
                for (x, y) in self.axes.iter().zip(&other.axes) {
                    if !same_axes(std::slice::from_ref(x), std::slice::from_ref(y)) {
                        d.push(format!(
                            "the axes differ: {}={} {a}, {} {b}",
                            x.path, x.spec, y.spec
                        ));
                    }
                }
            } else {
                let all = |v: &[AxisSpec]| {
                    v.iter()
                        .map(|x| format!("--vary {}={}", x.path, x.spec))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                d.push(format!(
                    "the axes differ: {} {a}, {} {b}",
                    all(&self.axes),
                    all(&other.axes)
                ));
            }
        }
        if self.replications != other.replications {
            d.push(format!(
                "replications {} {a}, {} {b}",
                self.replications, other.replications
            ));
        }
        if self.master_seed != other.master_seed {
            d.push(format!(
                "master seed {} {a}, {} {b}",
                self.master_seed, other.master_seed
            ));
        }
        d
    }
}

/// Same axes: same paths and the same values in the same order, however written.
fn same_axes(x: &[AxisSpec], y: &[AxisSpec]) -> bool {
    x.len() == y.len()
        && x.iter().zip(y).all(|(p, q)| {
            p.path == q.path
                && (p.spec == q.spec
                    || match (
                        grid::parse_axis(&format!("{}={}", p.path, p.spec)),
                        grid::parse_axis(&format!("{}={}", q.path, q.spec)),
                    ) {
                        (Ok(a), Ok(b)) => a.same_values(&b),
                        _ => false,
                    })
        })
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(n).collect::<String>())
    }
}

/// The journal's first line starts with this, then the fingerprint as one JSON line. Rows
/// start with a digit (their run id), so the two never mix.
const JOURNAL_MAGIC: &[u8] = b"#tracesim-journal ";

/// What a journal holds.
#[derive(Debug)]
struct Journal {
    /// None: written by a tracesim without fingerprints.
    fingerprint: Option<Fingerprint>,
    rows: BTreeMap<u64, Vec<u8>>,
}

/// Reads a journal: None when there is none (or it is empty). A killed process may leave a
/// partial last line: it is not a row, and is dropped.
fn read_journal(path: &Path) -> Result<Option<Journal>> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut lines = bytes.split_inclusive(|&b| b == b'\n').peekable();
    let fingerprint = match lines.peek() {
        None => return Ok(None),
        Some(first) if first.starts_with(JOURNAL_MAGIC) => {
            if !first.ends_with(b"\n") {
                // Torn while it was first written: no row can follow it.
                return Ok(None);
            }
            let json = &first[JOURNAL_MAGIC.len()..];
            let fp = serde_json::from_slice(json).map_err(|e| {
                Refused(format!(
                    "{}: the journal's first line is not a plan fingerprint ({e}); rerun without --resume to start over",
                    path.display()
                ))
            })?;
            lines.next();
            Some(fp)
        }
        Some(_) => None,
    };
    let mut rows = BTreeMap::new();
    for line in lines {
        if !line.ends_with(b"\n") {
            break;
        }
        let id = line.split(|&b| b == b',').next().unwrap_or_default();
        if let Some(id) = std::str::from_utf8(id)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
        {
            rows.insert(id, line.to_vec());
        }
    }
    Ok(Some(Journal { fingerprint, rows }))
}

/// Writes the journal afresh (fingerprint, then the rows kept) by temp file and rename, so a
/// kill at any moment leaves either the old journal or the new one.
fn write_journal(path: &Path, fp: &Fingerprint, rows: &BTreeMap<u64, Vec<u8>>) -> Result<()> {
    let mut bytes = JOURNAL_MAGIC.to_vec();
    bytes.extend(serde_json::to_vec(fp)?);
    bytes.push(b'\n');
    for l in rows.values() {
        bytes.extend_from_slice(l);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(
        "{}.tmp-{}",
        path.file_name()
            .context("journal file name")?
            .to_string_lossy(),
        std::process::id()
    ));
    fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A sweep's size limits without `--yes`: the runs this process would make, and the time a
/// short pilot estimates they take.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub max_runs: u64,
    pub max_secs: f64,
    /// The pilot ends when every thread has finished a run, or after this long, whichever
    /// comes first (runs still going are then estimated from the share they have done).
    pub pilot: Duration,
}

impl Budget {
    /// Over 100,000 runs or an hour, ask.
    pub const DEFAULT: Budget = Budget {
        max_runs: 100_000,
        max_secs: 3600.0,
        pilot: Duration::from_secs(2),
    };
}

pub struct Execution {
    pub threads: Option<usize>,
    /// The command's name in progress lines and notes (`sweep`, `compare`).
    pub what: &'static str,
    pub progress: progress::Mode,
    /// Print nothing but errors (no notes about the journal).
    pub quiet: bool,
    pub resume: bool,
    /// None: run whatever the size (`--yes`).
    pub budget: Option<Budget>,
}

/// The runs one process makes: run ids `first, first + step, ...`, `count` of them (a shard
/// is every `step`-th run), never listed: a sweep of 10^8 runs needs no 800 MB of ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Runs {
    pub first: u64,
    pub step: u64,
    pub count: u64,
}

impl Runs {
    pub fn all(total: u64) -> Runs {
        Runs {
            first: 0,
            step: 1,
            count: total,
        }
    }

    /// The runs of `shard` among `total`: ids with `id % shard.count == shard.index`.
    pub fn of_shard(total: u64, shard: Shard) -> Runs {
        Runs {
            first: shard.index,
            step: shard.count,
            count: if total > shard.index {
                (total - shard.index - 1) / shard.count + 1
            } else {
                0
            },
        }
    }

    pub fn contains(&self, id: u64) -> bool {
        id >= self.first
            && (id - self.first).is_multiple_of(self.step)
            && (id - self.first) / self.step < self.count
    }

    pub fn get(&self, k: u64) -> u64 {
        self.first + k * self.step
    }
}

/// A journal: where, and the plan whose rows it holds.
pub struct JournalAt<'a> {
    pub path: &'a Path,
    pub fingerprint: &'a Fingerprint,
}

/// What the workers tell the pilot.
#[derive(Default)]
struct Watch {
    /// Wall seconds of each finished run.
    finished: Mutex<Vec<f64>>,
    /// Runs under way: start and fraction of simulated time done (f64 bits).
    going: Mutex<BTreeMap<u64, (Instant, Arc<AtomicU64>)>>,
    /// Set once the pilot has decided: the workers stop reporting.
    decided: AtomicBool,
    /// Set on a refusal: runs not yet started are skipped.
    stop: AtomicBool,
}

impl Watch {
    /// Mean wall seconds per run, and how many runs it is from. A first wave of finished
    /// runs is used alone. Short of that, runs under way count too, from the share of
    /// simulated time they report (a run's first report comes at 1%; its start-up makes
    /// an early share an overestimate, so they only fill in). With nothing reported at all
    /// (the pilot's time is up), a run under way has taken at least 100 times its age.
    fn per_run(&self, wave: usize) -> Option<(f64, usize)> {
        let mut xs = self.finished.lock().expect("watch").clone();
        if xs.len() < wave {
            let going = self.going.lock().expect("watch");
            let age = |start: &Instant| start.elapsed().as_secs_f64();
            for (start, f) in going.values() {
                let f = f64::from_bits(f.load(Ordering::Relaxed));
                if f > 0.0 {
                    xs.push(age(start) / f);
                }
            }
            if xs.is_empty() {
                xs.extend(going.values().map(|(start, _)| age(start) / 0.01));
            }
        }
        (!xs.is_empty()).then(|| (xs.iter().sum::<f64>() / xs.len() as f64, xs.len()))
    }
}

/// Runs the given runs in parallel and returns their CSV lines by run id. With a journal,
/// completed rows are appended as they finish and (with `resume`) reused when the journal's
/// plan is this one. With a budget, a pilot (the first runs, kept like any other) estimates
/// the time; over the budget in runs or time, the sweep stops with [`Refused`], its finished
/// runs journaled.
pub fn execute(
    plan: &Plan,
    runs: Runs,
    journal: Option<JournalAt>,
    ex: &Execution,
) -> Result<BTreeMap<u64, Vec<u8>>> {
    let note = |m: String| {
        if !ex.quiet {
            eprintln!("{m}");
        }
    };
    let mut done = BTreeMap::new();
    if let Some(j) = &journal {
        let found = read_journal(j.path)?;
        match (found, ex.resume) {
            (None, true) => note(format!(
                "--resume: no journal at {}: running all {} runs",
                j.path.display(),
                runs.count
            )),
            (None, false) => {}
            (Some(old), false) => {
                if !old.rows.is_empty() {
                    note(format!(
                        "{}: starting over; {} journaled at {} discarded (--resume keeps what was done)",
                        ex.what,
                        plural(old.rows.len() as u64, "run"),
                        j.path.display()
                    ));
                }
            }
            (Some(old), true) => {
                let Some(then) = old.fingerprint else {
                    return Err(Refused(format!(
                        "--resume: {} has no plan fingerprint (an older tracesim wrote it), so its {} cannot be checked against this command; rerun without --resume to start over",
                        j.path.display(),
                        plural(old.rows.len() as u64, "run")
                    ))
                    .into());
                };
                let diffs = then.differences(j.fingerprint, "then", "now", true);
                if !diffs.is_empty() {
                    return Err(Refused(format!(
                        "--resume: the journal {} holds {} of another plan: {}. Resume with the command that started it, or drop --resume to start over",
                        j.path.display(),
                        plural(old.rows.len() as u64, "run"),
                        diffs.join("; ")
                    ))
                    .into());
                }
                done = old.rows;
                done.retain(|id, _| runs.contains(*id));
                note(format!(
                    "--resume: {} of {} runs already done",
                    done.len(),
                    runs.count
                ));
            }
        }
        write_journal(j.path, j.fingerprint, &done)?;
    }
    let todo = runs.count - done.len() as u64;
    let skip: Arc<std::collections::BTreeSet<u64>> = Arc::new(done.keys().copied().collect());
    let bar = Progress::new(ex.what, runs.count, ex.progress);
    bar.set_done_before(done.len() as u64);
    let file = match &journal {
        Some(j) => Some(Arc::new(Mutex::new(
            fs::OpenOptions::new()
                .append(true)
                .open(j.path)
                .with_context(|| format!("cannot open {}", j.path.display()))?,
        ))),
        None => None,
    };
    let threads = ex.threads.unwrap_or_else(rayon::current_num_threads).max(1);
    let watch = Arc::new(Watch::default());
    if ex.budget.is_none() || todo == 0 {
        watch.decided.store(true, Ordering::SeqCst);
    }
    // The runs go on a thread of their own, so that a refusal can return while long runs
    // are under way (the process then exits; finished runs are in the journal).
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let (plan, bar, watch) = (plan.clone(), bar.clone(), watch.clone());
        let pool_threads = ex.threads;
        std::thread::spawn(move || {
            let work = || -> Result<Vec<(u64, Vec<u8>)>> {
                // `while_some`: once stopped (Ctrl-C, a refusal), the workers give up the rest
                // of the ids at once rather than visiting each.
                (0..runs.count)
                    .into_par_iter()
                    .map(|k| runs.get(k))
                    .filter(|id| !skip.contains(id))
                    .map(|id| {
                        (!INTERRUPTED.load(Ordering::SeqCst) && !watch.stop.load(Ordering::SeqCst))
                            .then_some(id)
                    })
                    .while_some()
                    .map(|id| {
                        let r = if watch.decided.load(Ordering::SeqCst) {
                            plan.simulate(id)?
                        } else {
                            let f = Arc::new(AtomicU64::new(0f64.to_bits()));
                            let start = Instant::now();
                            watch
                                .going
                                .lock()
                                .expect("watch")
                                .insert(id, (start, f.clone()));
                            let r = plan.simulate_watched(id, f);
                            watch.going.lock().expect("watch").remove(&id);
                            watch
                                .finished
                                .lock()
                                .expect("watch")
                                .push(start.elapsed().as_secs_f64());
                            r?
                        };
                        let line = csv_line(&plan.row(id, &r));
                        if let Some(f) = &file {
                            let mut f = f.lock().expect("journal lock");
                            f.write_all(&line).context("cannot append to the journal")?;
                        }
                        bar.inc(1);
                        Ok((id, line))
                    })
                    .collect()
            };
            let _ = tx.send(in_pool(pool_threads, work).and_then(|r| r));
        });
    }
    let started = Instant::now();
    let result = loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(r) => break r,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                bar.finish();
                bail!("the runs stopped unexpectedly (a worker thread failed)");
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        let Some(budget) = ex.budget else { continue };
        if watch.decided.load(Ordering::SeqCst) {
            continue;
        }
        let finished = watch.finished.lock().expect("watch").len();
        let wave = threads.min(todo as usize);
        if finished < wave && started.elapsed() < budget.pilot {
            continue;
        }
        let Some((per_run, seen)) = watch.per_run(wave) else {
            continue;
        };
        watch.decided.store(true, Ordering::SeqCst);
        let left = todo.saturating_sub(finished as u64) as f64;
        let eta = per_run * left / wave.max(1) as f64;
        let over_runs = runs.count > budget.max_runs;
        if !over_runs && eta <= budget.max_secs {
            continue;
        }
        watch.stop.store(true, Ordering::SeqCst);
        // Runs under way that end soon are kept; longer ones are given up.
        let _ = rx.recv_timeout(Duration::from_secs(5));
        bar.finish();
        let kept = read_journal_rows(journal.as_ref());
        let why = if over_runs {
            format!(
                "{} runs are more than the {} that run without --yes",
                fmt_thousands(runs.count),
                fmt_thousands(budget.max_runs)
            )
        } else {
            format!(
                "{} runs would take longer than the {} that run without --yes",
                fmt_thousands(runs.count),
                progress::human_secs(budget.max_secs)
            )
        };
        return Err(Refused(format!(
            "{}: {why}: about {} more, estimated from {} ({} each on {}). Pass --yes to run it{}",
            ex.what,
            progress::human_secs(eta),
            plural(seen as u64, "pilot run"),
            progress::human_secs(per_run),
            plural(wave as u64, "thread"),
            match kept {
                Some(n) if n > 0 => format!(
                    " (the {} done {} journaled: add --resume to keep {})",
                    plural(n as u64, "run"),
                    if n == 1 { "is" } else { "are" },
                    if n == 1 { "it" } else { "them" }
                ),
                _ => String::new(),
            }
        ))
        .into());
    };
    bar.finish();
    let new = result?;
    done.extend(new);
    if (done.len() as u64) < runs.count {
        return Err(Interrupted {
            done: done.len(),
            total: runs.count as usize,
        }
        .into());
    }
    Ok(done)
}

/// Rows in the journal now (after a refusal: what `--resume` would keep).
fn read_journal_rows(j: Option<&JournalAt>) -> Option<usize> {
    read_journal(j?.path).ok().flatten().map(|j| j.rows.len())
}

/// "1 run", "2 runs".
fn plural(n: u64, word: &str) -> String {
    format!(
        "{} {word}{}",
        fmt_thousands(n),
        if n == 1 { "" } else { "s" }
    )
}

/// 1234567 -> "1,234,567".
pub fn fmt_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The runs file: header, then rows sorted by run id.
pub fn runs_csv(header: &[String], rows: &BTreeMap<u64, Vec<u8>>) -> Vec<u8> {
    let mut out = csv_line(header);
    for l in rows.values() {
        out.extend_from_slice(l);
    }
    out
}

/// Metrics aggregated per point, with their column names in the runs file.
const AGGREGATED: [&str; 8] = [
    "peak_rss_bytes",
    "spans_generated",
    "spans_exported",
    "spans_dropped",
    "dropped_queue_full",
    "dropped_oom",
    "oom_kills",
    "first_oom_s",
];

/// Per point: mean and confidence bounds of each metric (Student t within the range
/// observed, none for one run: `crate::stats`), the probability of at least one OOM kill
/// (Wilson interval) and the loss fraction. Computed from the runs file alone, so a merged
/// sweep aggregates to the same bytes as an unsharded one. A label's `_value` column, when
/// the runs file has one, follows it.
pub fn points_csv(runs: &[u8], label_columns: &[String], level: f64) -> Result<Vec<u8>> {
    let mut rdr = csv::Reader::from_reader(runs);
    let header = rdr.headers()?.clone();
    let col = |name: &str| -> Result<usize> {
        header
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("the runs file has no `{name}` column"))
    };
    let point_col = col("point")?;
    let mut label_names = vec![];
    let mut label_idx = vec![];
    for l in label_columns {
        label_names.push(l.clone());
        label_idx.push(col(l)?);
        let v = format!("{l}{VALUE_SUFFIX}");
        if let Ok(i) = col(&v) {
            label_names.push(v);
            label_idx.push(i);
        }
    }
    let metric_idx: Vec<usize> = AGGREGATED.iter().map(|m| col(m)).collect::<Result<_>>()?;
    let mut groups: BTreeMap<u64, (Vec<String>, Vec<csv::StringRecord>)> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        let p: u64 = rec[point_col].parse().context("bad point number")?;
        let entry = groups.entry(p).or_insert_with(|| {
            (
                label_idx.iter().map(|&i| rec[i].to_string()).collect(),
                vec![],
            )
        });
        entry.1.push(rec);
    }
    let mut h: Vec<String> = vec!["point".into()];
    h.extend(label_names);
    h.push("runs".into());
    for m in AGGREGATED {
        for s in ["mean", "ci_low", "ci_high"] {
            h.push(format!("{m}_{s}"));
        }
    }
    h.extend(
        [
            "peak_rss_bytes_max",
            "loss_fraction_mean",
            "oom_probability",
            "oom_probability_ci_low",
            "oom_probability_ci_high",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let mut out = csv_line(&h);
    let f = |v: f64| v.to_string();
    for (p, (labels, recs)) in &groups {
        let mut row = vec![p.to_string()];
        row.extend(labels.iter().cloned());
        row.push(recs.len().to_string());
        for &i in &metric_idx {
            let xs: Vec<f64> = recs
                .iter()
                .filter_map(|r| r[i].parse::<f64>().ok())
                .collect();
            match mean_ci(&xs, level) {
                Some(c) => {
                    row.push(f(c.mean));
                    match c.interval {
                        Some((lo, hi)) => row.extend([f(lo), f(hi)]),
                        // One run: no interval (empty cells, as for an event that never happened).
                        None => row.extend([String::new(), String::new()]),
                    }
                }
                None => row.extend([String::new(), String::new(), String::new()]),
            }
        }
        let num = |r: &csv::StringRecord, i: usize| r[i].parse::<f64>().unwrap_or(0.0);
        let peak = recs
            .iter()
            .map(|r| num(r, metric_idx[0]))
            .fold(0.0, f64::max);
        let loss: Vec<f64> = recs
            .iter()
            .map(|r| num(r, metric_idx[3]) / num(r, metric_idx[1]).max(1.0))
            .collect();
        let ooms = recs.iter().filter(|r| num(r, metric_idx[6]) > 0.0).count();
        let (lo, hi) = wilson(ooms, recs.len(), level);
        row.push(f(peak));
        row.push(f(loss.iter().sum::<f64>() / loss.len() as f64));
        row.push(f(ooms as f64 / recs.len() as f64));
        row.push(f(lo));
        row.push(f(hi));
        out.extend(csv_line(&row));
    }
    Ok(out)
}

/// Concatenates the shard files of a sweep folder into `runs.csv` and `points.csv`. The
/// shards must come from one plan: their manifests are compared with shard 0's, and a
/// shard of another plan (scenario, axes, replications, seed, version, shard count or
/// confidence level) is refused, naming the shard and what differs.
pub fn merge(dir: &Path, od: &mut crate::outdir::OutDir) -> Result<(usize, u64)> {
    let refuse = |m: String| -> anyhow::Error { Refused(m).into() };
    let mut shards: BTreeMap<u64, (u64, PathBuf)> = BTreeMap::new();
    for e in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let name = e?.file_name().to_string_lossy().to_string();
        let Some(rest) = name
            .strip_prefix("runs.shard-")
            .and_then(|r| r.strip_suffix(".csv"))
        else {
            continue;
        };
        let Some((i, n)) = rest.split_once("-of-") else {
            continue;
        };
        let (Ok(i), Ok(n)) = (i.parse::<u64>(), n.parse::<u64>()) else {
            continue;
        };
        if let Some((other, _)) = shards.get(&i)
            && *other != n
        {
            return Err(refuse(format!(
                "shard files of different shard counts ({other} and {n}) in {}",
                dir.display()
            )));
        }
        shards.insert(i, (n, dir.join(&name)));
    }
    let Some((_, (count, _))) = shards.iter().next() else {
        return Err(refuse(format!(
            "no runs.shard-*-of-*.csv files in {}",
            dir.display()
        )));
    };
    let count = *count;
    if shards.values().any(|(n, _)| *n != count) {
        return Err(refuse(format!(
            "shard files of different shard counts in {}",
            dir.display()
        )));
    }
    let missing: Vec<u64> = (0..count).filter(|i| !shards.contains_key(i)).collect();
    if !missing.is_empty() {
        return Err(refuse(format!(
            "shards {missing:?} of {count} are missing in {}",
            dir.display()
        )));
    }
    // Every shard's manifest, compared with shard 0's.
    let mut manifests = vec![];
    for i in 0..count {
        let name = format!("manifest.{}.json", Shard { index: i, count }.tag());
        let path = dir.join(&name);
        let bytes = fs::read(&path).map_err(|e| {
            refuse(format!(
                "cannot read shard {i}'s manifest {}: {e}",
                path.display()
            ))
        })?;
        let m: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| refuse(format!("{}: not JSON ({e})", path.display())))?;
        manifests.push(m);
    }
    let first = Fingerprint::from_manifest(&manifests[0]);
    for (i, m) in manifests.iter().enumerate().skip(1) {
        let mut diffs = first.differences(
            &Fingerprint::from_manifest(m),
            "in shard 0",
            &format!("in shard {i}"),
            false,
        );
        for k in ["label_columns", "total_runs", "confidence_level"] {
            if manifests[0][k] != m[k] {
                diffs.push(format!(
                    "{k} {} in shard 0, {} in shard {i}",
                    manifests[0][k], m[k]
                ));
            }
        }
        if !diffs.is_empty() {
            return Err(refuse(format!(
                "shard {i} of {} comes from another plan than shard 0 (manifest.{}.json): {}. Rerun that shard with shard 0's command",
                dir.display(),
                Shard {
                    index: i as u64,
                    count
                }
                .tag(),
                diffs.join("; ")
            )));
        }
    }
    let mut header: Option<Vec<u8>> = None;
    let mut rows = BTreeMap::new();
    for (i, (_, path)) in &shards {
        let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut lines = bytes.split_inclusive(|&b| b == b'\n');
        let h = lines.next().unwrap_or_default().to_vec();
        match &header {
            None => header = Some(h),
            Some(prev) if *prev != h => {
                return Err(refuse(format!("shard {i} has a different header")));
            }
            _ => {}
        }
        for line in lines {
            let id = std::str::from_utf8(line.split(|&b| b == b',').next().unwrap_or_default())
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| refuse(format!("{}: a row without a run id", path.display())))?;
            if id % count != *i {
                return Err(refuse(format!(
                    "{}: run {id} does not belong to shard {i} of {count}",
                    path.display()
                )));
            }
            if rows.insert(id, line.to_vec()).is_some() {
                return Err(refuse(format!("run {id} appears twice")));
            }
        }
    }
    let header = header.unwrap_or_default();
    let manifest = &manifests[0];
    let labels: Vec<String> = manifest["label_columns"]
        .as_array()
        .ok_or_else(|| refuse("shard 0's manifest has no label_columns".into()))?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let total = manifest["total_runs"]
        .as_u64()
        .ok_or_else(|| refuse("shard 0's manifest has no total_runs".into()))?;
    if rows.len() as u64 != total {
        return Err(refuse(format!(
            "the shards hold {} of {total} runs: some shards are incomplete",
            rows.len()
        )));
    }
    let level = manifest["confidence_level"].as_f64().unwrap_or(0.95);
    let mut runs = header;
    for l in rows.values() {
        runs.extend_from_slice(l);
    }
    let points = points_csv(&runs, &labels, level)?;
    od.put("merge", "runs.csv", &runs)?;
    od.put("merge", "points.csv", &points)?;
    let mut m = manifest.clone();
    m["shard_index"] = serde_json::Value::Null;
    m["shard_count"] = serde_json::Value::from(1);
    m["merged_from_shards"] = serde_json::Value::from(count);
    od.put("merge", "manifest.json", &serde_json::to_vec_pretty(&m)?)?;
    Ok((count as usize, total))
}

/// Runs every run of a plan in parallel and returns the results in run-id order (for
/// commands that analyse results rather than write rows).
pub fn run_all(plan: &Plan, threads: Option<usize>, progress: &Progress) -> Result<Vec<RunResult>> {
    let ids: Vec<u64> = (0..plan.total_runs()).collect();
    let work = || {
        ids.par_iter()
            .map(|&id| {
                let r = plan.simulate(id)?;
                progress.inc(1);
                Ok(r)
            })
            .collect::<Result<Vec<_>>>()
    };
    in_pool(threads, work)?
}

/// Runs `f` on a pool of `threads` threads, or on rayon's global pool (all cores).
fn in_pool<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    Ok(match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .context("cannot start the thread pool")?
            .install(f),
        None => f(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp() -> Fingerprint {
        Fingerprint {
            version: "0.1.0".into(),
            scenario_text: "[scenario]\nduration = \"25m\"\n# a note\nlimit = \"1GiB\"\n".into(),
            axes: vec![AxisSpec {
                path: "collector.queue_size_memory".into(),
                spec: "5MiB..40MiB/5MiB".into(),
            }],
            replications: 10,
            master_seed: 1,
            shard_index: 0,
            shard_count: 1,
        }
    }

    /// Regression (issue 25): `--resume` took any journal's rows.
    #[test]
    fn fingerprints_say_what_differs() {
        let then = fp();
        assert!(then.differences(&fp(), "then", "now", true).is_empty());
        let mut now = fp();
        now.axes[0].spec = "1MiB..8MiB/1MiB".into();
        now.replications = 20;
        assert_eq!(
            then.differences(&now, "then", "now", true),
            [
                "the axes differ: collector.queue_size_memory=5MiB..40MiB/5MiB then, 1MiB..8MiB/1MiB now",
                "replications 10 then, 20 now"
            ]
        );
        // The same values written as a list are the same axis.
        let mut now = fp();
        now.axes[0].spec = "5MiB,10MiB,15MiB,20MiB,25MiB,30MiB,35MiB,40MiB".into();
        assert!(then.differences(&now, "then", "now", true).is_empty());
        // A changed line, and an inserted one, are named by their line.
        let mut now = fp();
        now.scenario_text = now.scenario_text.replace("25m", "5m");
        assert_eq!(
            then.differences(&now, "then", "now", true),
            [
                "the scenario text (after --set) differs at line 2: `duration = \"25m\"` then, `duration = \"5m\"` now"
            ]
        );
        let mut now = fp();
        now.scenario_text = now
            .scenario_text
            .replace("# a note\n", "# a note\nseed = 3\n");
        assert_eq!(
            then.differences(&now, "then", "now", true),
            ["the scenario text (after --set) differs at line 4: nothing then, `seed = 3` now"]
        );
        let mut now = fp();
        now.version = "0.2.0".into();
        now.master_seed = 9;
        now.shard_index = 1;
        now.shard_count = 4;
        let d = then.differences(&now, "then", "now", true);
        assert_eq!(
            d,
            [
                "tracesim 0.1.0 then, 0.2.0 now",
                "shard 0 of 1 then, shard 1 of 4 now",
                "master seed 1 then, 9 now"
            ]
        );
        // Shards of one sweep differ by index only: not a difference for merge.
        let mut other_shard = fp();
        other_shard.shard_index = 3;
        assert!(then.differences(&other_shard, "a", "b", false).is_empty());
    }

    #[test]
    fn a_journal_keeps_its_fingerprint_and_complete_rows() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join(".runs.all.journal");
        assert!(read_journal(&path).unwrap().is_none(), "no journal");
        let mut rows = BTreeMap::new();
        rows.insert(3, b"3,0,3,77,a\n".to_vec());
        rows.insert(1, b"1,0,1,55,b\n".to_vec());
        write_journal(&path, &fp(), &rows).unwrap();
        // A killed process leaves a torn last row.
        let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"4,1,0,1").unwrap();
        let j = read_journal(&path).unwrap().unwrap();
        assert_eq!(j.fingerprint, Some(fp()));
        assert_eq!(j.rows, rows);
        // A journal from before fingerprints: rows, no plan.
        fs::write(&path, b"0,0,0,1,x\n").unwrap();
        let j = read_journal(&path).unwrap().unwrap();
        assert_eq!((j.fingerprint, j.rows.len()), (None, 1));
    }

    #[test]
    fn the_pilot_estimates_from_finished_runs_first() {
        let w = Watch::default();
        assert_eq!(w.per_run(2), None);
        w.finished.lock().unwrap().extend([1.0, 3.0]);
        // A run just started, not yet at its first report, does not drag the estimate.
        let f = Arc::new(AtomicU64::new(0f64.to_bits()));
        w.going
            .lock()
            .unwrap()
            .insert(7, (Instant::now(), f.clone()));
        assert_eq!(w.per_run(2), Some((2.0, 2)));
        assert_eq!(w.per_run(3), Some((2.0, 2)));
        // With nothing finished, a run under way counts from its share done.
        let w = Watch::default();
        let start = Instant::now() - Duration::from_secs(2);
        let f = Arc::new(AtomicU64::new(0.5f64.to_bits()));
        w.going.lock().unwrap().insert(1, (start, f));
        let (s, n) = w.per_run(1).unwrap();
        assert!((3.9..4.5).contains(&s) && n == 1, "{s}");
        // Nothing reported yet: at least 100 times its age.
        let w = Watch::default();
        let f = Arc::new(AtomicU64::new(0f64.to_bits()));
        w.going.lock().unwrap().insert(1, (start, f));
        assert!(w.per_run(1).unwrap().0 >= 200.0);
    }

    #[test]
    fn shards_are_counted_not_listed() {
        let s = Runs::of_shard(10, Shard { index: 1, count: 4 });
        assert_eq!(s.count, 3);
        let ids: Vec<u64> = (0..s.count).map(|k| s.get(k)).collect();
        assert_eq!(ids, [1, 5, 9]);
        assert!(s.contains(5) && !s.contains(13) && !s.contains(4) && !s.contains(0));
        assert_eq!(Runs::of_shard(2, Shard { index: 3, count: 4 }).count, 0);
        let total: u64 = (0..7)
            .map(|i| Runs::of_shard(1000, Shard { index: i, count: 7 }).count)
            .sum();
        assert_eq!(total, 1000);
    }

    /// Regression (issue 25): the plan's `seed` and the summary's were two columns of one name.
    #[test]
    fn runs_file_column_names_are_unique() {
        let axes = vec![
            grid::parse_axis("collector.queue_size_memory=1MiB,2MiB").unwrap(),
            grid::parse_axis("storage.outages.0.mode=refuse,hang").unwrap(),
        ];
        let model = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/models/jaeger-collector-es-outage.toml"
        );
        let plan = Plan::grid(Path::new(model), &[], axes, 2, None).unwrap();
        let h = plan.header();
        let mut u = h.clone();
        u.sort();
        u.dedup();
        assert_eq!(u.len(), h.len(), "{h:?}");
        assert_eq!(h[..4], FRONT);
        assert_eq!(plan.points_len(), 4);
        assert_eq!(
            plan.point_overrides(3),
            [
                "collector.queue_size_memory=2MiB",
                "storage.outages.0.mode=hang"
            ]
        );
    }
}
