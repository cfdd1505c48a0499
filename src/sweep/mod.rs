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
//! Completed rows are appended to a journal as they finish; `--resume` keeps them and runs
//! only the rest, and the final file is written at once (temp file + rename).

pub mod grid;

use crate::metrics::RunResult;
use crate::pipeline::Simulation;
use crate::scenario::{self, Scenario, ScenarioError};
use crate::sim::rng::derive_seed;
use crate::stats::{mean_ci, wilson};
use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// One configuration of the scenario.
#[derive(Clone, Debug)]
pub struct Point {
    /// Values of the label columns (the varied fields, or the variant's name).
    pub labels: Vec<String>,
    pub overrides: Vec<String>,
    pub scenario: Scenario,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub label_columns: Vec<String>,
    pub points: Vec<Point>,
    pub replications: u64,
    pub master_seed: u64,
    pub text: String,
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
            let text = scenario::apply_overrides(&file, &base.text, &overrides)?;
            let sc = scenario::parse(&file, &text).map_err(|mut e| {
                e.message = format!("{} (at {})", e.message, overrides.join(" "));
                e
            })?;
            points.push(Point {
                labels,
                overrides,
                scenario: sc,
            });
        }
        Ok(Plan {
            label_columns,
            master_seed: master_seed.unwrap_or(base.scenario.seed),
            points,
            replications: replications.max(1),
            text: base.text,
        })
    }

    pub fn points_len(&self) -> usize {
        self.points.len()
    }

    pub fn replications(&self) -> u64 {
        self.replications
    }

    pub fn point_labels(&self, p: usize) -> &[String] {
        &self.points[p].labels
    }

    pub fn total_runs(&self) -> u64 {
        self.points.len() as u64 * self.replications
    }

    /// (point, replication, seed) of a run.
    pub fn run_of(&self, run_id: u64) -> (usize, u64, u64) {
        let p = (run_id / self.replications) as usize;
        let r = run_id % self.replications;
        (p, r, derive_seed(self.master_seed, r))
    }

    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = ["run_id", "point", "replication", "seed"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        h.extend(self.label_columns.iter().cloned());
        h.extend(RunResult::summary_header());
        h
    }

    pub fn simulate(&self, run_id: u64) -> RunResult {
        let (p, _, seed) = self.run_of(run_id);
        Simulation::new(&self.points[p].scenario, Some(seed)).run()
    }

    fn row(&self, run_id: u64, r: &RunResult) -> Vec<String> {
        let (p, rep, seed) = self.run_of(run_id);
        let mut row = vec![
            run_id.to_string(),
            p.to_string(),
            rep.to_string(),
            seed.to_string(),
        ];
        row.extend(self.points[p].labels.iter().cloned());
        row.extend(r.summary_record());
        row
    }
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

/// Writes a file by temp name + rename, so it is never seen half-written.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().context("file name")?.to_string_lossy(),
        std::process::id()
    ));
    {
        let mut f =
            fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(bytes)?;
        f.sync_all().ok();
    }
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Reads the complete rows of a journal (a killed process may leave a partial last line).
fn read_journal(path: &Path) -> Result<BTreeMap<u64, Vec<u8>>> {
    let mut rows = BTreeMap::new();
    let Ok(bytes) = fs::read(path) else {
        return Ok(rows);
    };
    for line in bytes.split_inclusive(|&b| b == b'\n') {
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
    Ok(rows)
}

pub struct Execution {
    pub threads: Option<usize>,
    pub progress: bool,
    pub resume: bool,
}

/// Runs the given runs in parallel and returns their CSV lines by run id. With a journal,
/// completed rows are appended as they finish and (with `resume`) reused.
pub fn execute(
    plan: &Plan,
    ids: &[u64],
    journal: Option<&Path>,
    ex: &Execution,
) -> Result<BTreeMap<u64, Vec<u8>>> {
    let mut done = BTreeMap::new();
    if let Some(j) = journal {
        if ex.resume {
            done = read_journal(j)?;
            done.retain(|id, _| ids.binary_search(id).is_ok());
        }
        // Rewrite the journal with only complete rows, then append.
        let mut keep = Vec::new();
        for l in done.values() {
            keep.extend_from_slice(l);
        }
        if let Some(d) = j.parent() {
            fs::create_dir_all(d)?;
        }
        fs::write(j, &keep).with_context(|| format!("cannot write {}", j.display()))?;
    }
    let todo: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|id| !done.contains_key(id))
        .collect();
    let bar = if ex.progress {
        let b = indicatif::ProgressBar::new(ids.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} runs {pos}/{len} [{bar:30}] {elapsed} elapsed, eta {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        b.set_position(done.len() as u64);
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let file = match journal {
        Some(j) => Some(Mutex::new(
            fs::OpenOptions::new()
                .append(true)
                .open(j)
                .with_context(|| format!("cannot open {}", j.display()))?,
        )),
        None => None,
    };
    let work = || -> Result<Vec<(u64, Vec<u8>)>> {
        todo.par_iter()
            .filter(|_| !INTERRUPTED.load(Ordering::SeqCst))
            .map(|&id| {
                let r = plan.simulate(id);
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
    let new = in_pool(ex.threads, work)??;
    bar.finish_and_clear();
    done.extend(new);
    if done.len() < ids.len() {
        return Err(Interrupted {
            done: done.len(),
            total: ids.len(),
        }
        .into());
    }
    Ok(done)
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
/// (Wilson interval) and the loss fraction. Computed from the runs file alone, so a
/// merged sweep aggregates to the same bytes as an unsharded one.
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
    let label_idx: Vec<usize> = label_columns
        .iter()
        .map(|l| col(l))
        .collect::<Result<_>>()?;
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
    h.extend(label_columns.iter().cloned());
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

/// Concatenates the shard files of a sweep folder into `runs.csv` and `points.csv`.
pub fn merge(dir: &Path) -> Result<(usize, u64)> {
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
        if let Some((other, _)) = shards.get(&i) {
            if *other != n {
                bail!(
                    "shard files of different shard counts ({other} and {n}) in {}",
                    dir.display()
                );
            }
        }
        shards.insert(i, (n, dir.join(&name)));
    }
    let Some((_, (count, _))) = shards.iter().next() else {
        bail!("no runs.shard-*-of-*.csv files in {}", dir.display());
    };
    let count = *count;
    if shards.values().any(|(n, _)| *n != count) {
        bail!("shard files of different shard counts in {}", dir.display());
    }
    let missing: Vec<u64> = (0..count).filter(|i| !shards.contains_key(i)).collect();
    if !missing.is_empty() {
        bail!(
            "shards {missing:?} of {count} are missing in {}",
            dir.display()
        );
    }
    let mut header: Option<Vec<u8>> = None;
    let mut rows = BTreeMap::new();
    for (i, (_, path)) in &shards {
        let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut lines = bytes.split_inclusive(|&b| b == b'\n');
        let h = lines.next().unwrap_or_default().to_vec();
        match &header {
            None => header = Some(h),
            Some(prev) if *prev != h => bail!("shard {i} has a different header"),
            _ => {}
        }
        for line in lines {
            let id = std::str::from_utf8(line.split(|&b| b == b',').next().unwrap_or_default())
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .with_context(|| format!("{}: a row without a run id", path.display()))?;
            if rows.insert(id, line.to_vec()).is_some() {
                bail!("run {id} appears twice");
            }
        }
    }
    let header = header.unwrap_or_default();
    let manifest: serde_json::Value = serde_json::from_slice(
        &fs::read(dir.join(format!("manifest.{}.json", Shard { index: 0, count }.tag())))
            .context("cannot read shard 0's manifest")?,
    )
    .context("shard 0's manifest is not JSON")?;
    let labels: Vec<String> = manifest["label_columns"]
        .as_array()
        .context("manifest without label_columns")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let total = manifest["total_runs"]
        .as_u64()
        .context("manifest without total_runs")?;
    if rows.len() as u64 != total {
        bail!(
            "the shards hold {} of {total} runs: some shards are incomplete",
            rows.len()
        );
    }
    let level = manifest["confidence_level"].as_f64().unwrap_or(0.95);
    let mut runs = header;
    for l in rows.values() {
        runs.extend_from_slice(l);
    }
    let points = points_csv(&runs, &labels, level)?;
    write_file_atomic(&dir.join("runs.csv"), &runs)?;
    write_file_atomic(&dir.join("points.csv"), &points)?;
    let mut m = manifest.clone();
    m["shard_index"] = serde_json::Value::Null;
    m["shard_count"] = serde_json::Value::from(1);
    m["merged_from_shards"] = serde_json::Value::from(count);
    write_file_atomic(&dir.join("manifest.json"), &serde_json::to_vec_pretty(&m)?)?;
    Ok((count as usize, total))
}

/// Runs every run of a plan in parallel and returns the results in run-id order (for
/// commands that analyse results rather than write rows).
pub fn run_all(
    plan: &Plan,
    threads: Option<usize>,
    progress: &indicatif::ProgressBar,
) -> Result<Vec<RunResult>> {
    let ids: Vec<u64> = (0..plan.total_runs()).collect();
    let work = || {
        ids.par_iter()
            .map(|&id| {
                let r = plan.simulate(id);
                progress.inc(1);
                r
            })
            .collect::<Vec<_>>()
    };
    in_pool(threads, work)
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
