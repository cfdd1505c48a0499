//! Sweeps: sharding, thread counts and resume never change the bytes; recommend answers the
//! Jaeger story.

use std::path::Path;
use std::process::Command;

/// Runs tracesim in `dir` and expects exit code 2 (bad arguments or input): its stderr.
fn refused(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    err
}

fn tracesim(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn scenario_in(dir: &Path) {
    let text = crate::common::model("jaeger-collector-es-outage.toml");
    std::fs::write(dir.join("s.toml"), text).unwrap();
}

const SWEEP: [&str; 11] = [
    "sweep",
    "s.toml",
    "--vary",
    "collector.queue_size_memory=10MiB,40MiB",
    "--vary",
    "collector.memory.limit=250MiB,1GiB",
    "--replications",
    "3",
    "--set",
    "scenario.duration=7m",
    "--quiet",
];

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"))
}

#[test]
fn shards_merge_into_the_unsharded_sweep_at_any_thread_count() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    let mut one = SWEEP.to_vec();
    one.extend(["--out", "one", "--threads", "1"]);
    tracesim(p, &one);
    let mut two = SWEEP.to_vec();
    two.extend(["--out", "two", "--threads", "2"]);
    tracesim(p, &two);
    assert_eq!(read(p, "one/runs.csv"), read(p, "two/runs.csv"));
    assert_eq!(read(p, "one/points.csv"), read(p, "two/points.csv"));
    for i in 0..4 {
        let mut s = SWEEP.to_vec();
        let idx = i.to_string();
        s.extend([
            "--out",
            "sharded",
            "--shard-index",
            &idx,
            "--shard-count",
            "4",
        ]);
        tracesim(p, &s);
    }
    // Kubernetes Indexed Job style: the index from the environment.
    let out = tracesim(p, &["merge", "sharded"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("merged 4 shards, 12 runs"));
    assert_eq!(read(p, "one/runs.csv"), read(p, "sharded/runs.csv"));
    assert_eq!(read(p, "one/points.csv"), read(p, "sharded/points.csv"));
    // Tidy output: one row per run plus header, the varied fields as columns.
    let runs = String::from_utf8(read(p, "one/runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 13);
    assert!(runs.lines().next().unwrap().starts_with(
        "run_id,point,replication,seed,collector.queue_size_memory,collector.queue_size_memory_value,collector.memory.limit,collector.memory.limit_value,scenario,"
    ));
    let plan = tracesim(
        p,
        &[
            "plan",
            "s.toml",
            "--vary",
            "collector.num_workers=1..10/1",
            "--replications",
            "7",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&plan.stdout).trim(), "70");
}

#[test]
fn shard_index_comes_from_the_batch_system() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    let mut s = SWEEP.to_vec();
    s.extend(["--out", "k8s", "--shard-count", "2"]);
    let out = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(p)
        .args(&s)
        .env("JOB_COMPLETION_INDEX", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(p.join("k8s/runs.shard-0001-of-0002.csv").exists());
    let s: Vec<&str> = SWEEP.iter().copied().chain(["--out", "slurm"]).collect();
    let out = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(p)
        .args(&s)
        .env("SLURM_ARRAY_TASK_ID", "3")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(p.join("slurm/runs.shard-0002-of-0003.csv").exists());
}

/// Complete rows in a journal (its first line is the plan's fingerprint).
fn journaled_runs(journal: &[u8]) -> usize {
    journal
        .split_inclusive(|&c| c == b'\n')
        .filter(|l| l.ends_with(b"\n") && !l.starts_with(b"#"))
        .count()
}

/// A sweep of 8 points x `reps` on one thread, run to the end in `full`, and started again
/// in `cut` (returned running) once its journal holds at least `lines` rows.
fn full_and_started(p: &Path, reps: &str, lines: usize) -> (Vec<String>, std::process::Child) {
    let args: Vec<String> = [
        "sweep",
        "s.toml",
        "--vary",
        "collector.queue_size_memory=10MiB..80MiB/10MiB",
        "--replications",
        reps,
        "--threads",
        "1",
        "--quiet",
    ]
    .map(String::from)
    .to_vec();
    let with_out = |dir: &str| {
        let mut a = args.clone();
        a.extend(["--out".to_string(), dir.to_string()]);
        a
    };
    let full = with_out("full");
    tracesim(p, &full.iter().map(String::as_str).collect::<Vec<_>>());
    let cut = with_out("cut");
    let child = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(p)
        .args(&cut)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let journal = p.join("cut/.runs.all.journal");
    let start = std::time::Instant::now();
    loop {
        let n = std::fs::read(&journal).map_or(0, |b| journaled_runs(&b));
        if n >= lines || start.elapsed().as_secs() > 60 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    (cut, child)
}

fn resume_and_compare(p: &Path, mut cut: Vec<String>) {
    cut.push("--resume".into());
    tracesim(p, &cut.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(read(p, "full/runs.csv"), read(p, "cut/runs.csv"));
    assert_eq!(read(p, "full/points.csv"), read(p, "cut/points.csv"));
    assert!(!p.join("cut/.runs.all.journal").exists());
}

#[test]
fn a_killed_sweep_resumes_to_the_same_bytes() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    let (cut, mut child) = full_and_started(p, "4", 3);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!p.join("cut/runs.csv").exists(), "finished before the kill");
    // A torn last line, as a kill in the middle of a write would leave.
    let journal = p.join("cut/.runs.all.journal");
    let mut j = std::fs::read(&journal).unwrap();
    let done = journaled_runs(&j);
    assert!((3..32).contains(&done), "{done} runs journaled");
    j.extend_from_slice(b"31,7,3,12345,80Mi");
    std::fs::write(&journal, j).unwrap();
    resume_and_compare(p, cut);
}

#[test]
fn ctrl_c_stops_a_sweep_cleanly_and_resume_completes_it() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    let (cut, child) = full_and_started(p, "3", 1);
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("--resume"), "{err}");
    assert!(!p.join("cut/runs.csv").exists());
    resume_and_compare(p, cut);
}

#[test]
fn compare_reports_paired_differences() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    tracesim(
        p,
        &[
            "compare",
            "s.toml",
            "--variant",
            "80MiB",
            "--variant",
            "15MiB: collector.queue_size_memory=15MiB",
            "--replications",
            "4",
            "--set",
            "scenario.duration=7m",
            "--set",
            "collector.memory.limit=1GiB",
            "--out",
            "cmp",
            "--quiet",
        ],
    );
    let diffs = String::from_utf8(read(p, "cmp/differences.csv")).unwrap();
    let row = diffs
        .lines()
        .find(|l| l.starts_with("15MiB,80MiB,peak_rss_bytes,4,"))
        .unwrap_or_else(|| panic!("{diffs}"));
    let f: Vec<f64> = row.split(',').skip(4).map(|x| x.parse().unwrap()).collect();
    // 15 MiB saves hundreds of MB of peak RSS, with a tight interval (common random numbers).
    assert!(f[0] < -400e6 && f[2] < 0.0, "{row}");
}

#[test]
fn recommend_answers_the_jaeger_story() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    tracesim(
        p,
        &[
            "recommend",
            "s.toml",
            "--memory-limit",
            "200MB",
            "--replications",
            "4",
            "--out",
            "rec",
            "--quiet",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&read(p, "rec/recommendation.json")).unwrap();
    let q = v["largest_safe_queue"].as_f64().unwrap() / 1048576.0;
    assert!((10.0..=20.0).contains(&q), "largest safe queue {q} MiB");
    let need = v["current_queue_memory_needed_bytes"].as_f64().unwrap() / 1e6;
    assert!((640.0..=860.0).contains(&need), "80 MiB needs {need} MB");
    assert!(v["twice_queue_rule_bytes"].as_f64().unwrap() < need * 1e6);
    let table = String::from_utf8(read(p, "rec/tradeoff.csv")).unwrap();
    assert!(table.lines().count() > 10);
}

#[test]
fn compare_and_sweep_plot_their_curves() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_tracesim");
    let m = format!(
        "{}/models/otel-sdk-collector-hung.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let cmp = dir.path().join("cmp");
    let st = std::process::Command::new(bin)
        .args([
            "compare",
            &m,
            "--variant",
            "2048",
            "--variant",
            "20k: tracer.max_queue_size=20000",
        ])
        .args([
            "--replications",
            "2",
            "--quiet",
            "--plot",
            "--set",
            "scenario.duration=\"60s\"",
            "--out",
        ])
        .arg(&cmp)
        .status()
        .unwrap();
    assert!(st.success());
    let curves = std::fs::read_to_string(cmp.join("curves.csv")).unwrap();
    assert!(curves.starts_with("variant,component,t_s,rss_bytes"));
    assert!(curves.contains("\n20k,tracer,"));
    let svg = std::fs::read_to_string(cmp.join("compare.svg")).unwrap();
    assert!(svg.contains("20k") && svg.contains("RSS [MiB]"));
    let sw = dir.path().join("sw");
    let st = std::process::Command::new(bin)
        .args([
            "sweep",
            &m,
            "--vary",
            "tracer.max_queue_size=2048,20000",
            "--replications",
            "2",
        ])
        .args([
            "--quiet",
            "--plot",
            "--set",
            "scenario.duration=\"60s\"",
            "--out",
        ])
        .arg(&sw)
        .status()
        .unwrap();
    assert!(st.success());
    let svg = std::fs::read_to_string(sw.join("peak_rss.svg")).unwrap();
    assert!(svg.contains("tracer.max_queue_size") && svg.contains("peak RSS [MiB]"));
    assert!(sw.join("peak_rss.png").exists());
}

#[test]
fn recommend_sizes_an_otel_collector_sending_queue() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("s.toml"), crate::otelcol::OC).unwrap();
    tracesim(
        p,
        &[
            "recommend",
            "s.toml",
            "--memory-limit",
            "64MiB",
            "--replications",
            "2",
            "--set",
            "otelcol.exporter.sending_queue.queue_size=1000",
            "--out",
            "rec",
            "--quiet",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&read(p, "rec/recommendation.json")).unwrap();
    assert_eq!(
        v["queue_parameter"],
        "otelcol.exporter.sending_queue.queue_size"
    );
    // 1,000 requests of 100 spans (~80 MB of heap) cannot fit 64 MiB; some tens can.
    let q = v["largest_safe_queue"].as_f64().unwrap();
    assert!(
        (10.0..1000.0).contains(&q),
        "largest safe queue {q} requests"
    );
    let need = v["current_queue_memory_needed_bytes"].as_f64().unwrap();
    assert!(need > 64.0 * 1048576.0, "{need}");
}

/// A CSV file as a header and rows of strings.
fn table(dir: &Path, f: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = read(dir, f);
    let mut r = csv::Reader::from_reader(&bytes[..]);
    let h = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (h, rows)
}

fn col(h: &[String], name: &str) -> usize {
    h.iter()
        .position(|x| x == name)
        .unwrap_or_else(|| panic!("no {name} in {h:?}"))
}

/// Starts a sweep of 8 points x 4 replications on one thread into `cut` and kills it once
/// its journal holds a run: the state a pre-empted pod leaves.
fn killed_sweep(p: &Path) -> Vec<String> {
    let args: Vec<String> = [
        "sweep",
        "s.toml",
        "--vary",
        "collector.queue_size_memory=10MiB..80MiB/10MiB",
        "--replications",
        "4",
        "--threads",
        "1",
        "--quiet",
        "--out",
        "cut",
    ]
    .map(String::from)
    .to_vec();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(p)
        .args(&args)
        .spawn()
        .unwrap();
    let journal = p.join("cut/.runs.all.journal");
    let start = std::time::Instant::now();
    while std::fs::read(&journal).map_or(0, |b| journaled_runs(&b)) < 1
        && start.elapsed().as_secs() < 60
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!p.join("cut/runs.csv").exists(), "finished before the kill");
    args
}

/// Regression (issue 25): `--resume` never checked the journal against the command, so a
/// resubmitted job with other axes, replications or scenario mixed in stale rows.
#[test]
fn resume_refuses_a_journal_of_another_plan() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    let args = killed_sweep(p);
    let journal = p.join("cut/.runs.all.journal");
    let before = std::fs::read(&journal).unwrap();
    let with = |changes: &[(&str, &str)], extra: &[&str]| {
        let mut a = args.clone();
        for (k, v) in changes {
            let i = a.iter().position(|x| x == k).unwrap();
            a[i + 1] = v.to_string();
        }
        a.extend(extra.iter().map(|s| s.to_string()));
        a.push("--resume".into());
        a
    };
    let run = |a: Vec<String>| refused(p, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let e = run(with(
        &[("--vary", "collector.queue_size_memory=1MiB..8MiB/1MiB")],
        &[],
    ));
    assert!(
        e.contains(
            "the axes differ: collector.queue_size_memory=10MiB..80MiB/10MiB then, 1MiB..8MiB/1MiB now"
        ),
        "{e}"
    );
    let e = run(with(&[("--replications", "5")], &[]));
    assert!(e.contains("replications 4 then, 5 now"), "{e}");
    let e = run(with(&[], &["--set", "collector.memory.limit=1GiB"]));
    assert!(
        e.contains("the scenario text (after --set) differs at line"),
        "{e}"
    );
    assert!(e.contains("then, `limit = \"1GiB\""), "{e}");
    let e = run(with(&[], &["--seed", "7"]));
    assert!(e.contains("master seed 1 then, 7 now"), "{e}");
    // Another axis added: both lists are shown.
    let e = run(with(&[], &["--vary", "storage.outages.0.mode=hang"]));
    assert!(e.contains("--vary storage.outages.0.mode=hang now"), "{e}");
    // A refusal leaves the journal as it was, for the right command to resume.
    assert_eq!(std::fs::read(&journal).unwrap(), before);
    assert!(before.starts_with(b"#tracesim-journal {"));
}

/// `--resume` with no journal runs everything, and says so.
#[test]
fn resume_without_a_journal_runs_everything() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    let out = tracesim(
        p,
        &[
            "sweep",
            "s.toml",
            "--vary",
            "collector.queue_size_memory=10MiB,40MiB",
            "--replications",
            "1",
            "--set",
            "scenario.duration=1m",
            "--resume",
            "--out",
            "fresh",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--resume: no journal at ")
            && err.contains("fresh/.runs.all.journal: running all 2 runs"),
        "{err}"
    );
    assert_eq!(table(p, "fresh/runs.csv").1.len(), 2);
}

/// Regression (issue 25): `merge` concatenated shards run with different settings.
#[test]
fn merge_refuses_shards_of_different_plans() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    for (i, dur) in [("0", "1m"), ("1", "2m")] {
        let set = format!("scenario.duration={dur}");
        tracesim(
            p,
            &[
                "sweep",
                "s.toml",
                "--vary",
                "collector.queue_size_memory=10MiB,40MiB",
                "--replications",
                "1",
                "--set",
                &set,
                "--shard-index",
                i,
                "--shard-count",
                "2",
                "--out",
                "sh",
                "--quiet",
            ],
        );
    }
    let e = refused(p, &["merge", "sh"]);
    assert!(
        e.contains("shard 1 of sh comes from another plan than shard 0"),
        "{e}"
    );
    assert!(
        e.contains("`duration = \"1m\"` in shard 0, `duration = \"2m\"` in shard 1"),
        "{e}"
    );
    assert!(!p.join("sh/runs.csv").exists());
}

/// Regression (issue 25): `--vary X=5MiB,15MiB --vary X=1MiB,2MiB` labelled rows "5MiB"
/// that ran 1 MiB.
#[test]
fn varying_one_field_twice_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    let sweep = |extra: &[&str]| {
        let mut a = vec!["sweep", "s.toml", "--replications", "1", "--out", "never"];
        a.extend_from_slice(extra);
        a.extend(["--set", "scenario.duration=1m"]);
        refused(p, &a)
    };
    let e = sweep(&[
        "--vary",
        "collector.queue_size_memory=5MiB,15MiB",
        "--vary",
        "collector.queue_size_memory=1MiB,2MiB",
    ]);
    assert!(e.contains("name the same field"), "{e}");
    // The same field spelled two ways.
    let e = sweep(&[
        "--vary",
        "storage.outages.0.mode=refuse,hang",
        "--vary",
        "storage.outages[0].mode=hang",
    ]);
    assert!(e.contains("name the same field"), "{e}");
    // A --set that the axis would silently replace.
    let e = sweep(&[
        "--vary",
        "storage.outages.0.mode=refuse,hang",
        "--set",
        "storage.outages[0].mode=hang",
    ]);
    assert!(
        e.contains("--set storage.outages[0].mode and --vary"),
        "{e}"
    );
    let e = refused(
        p,
        &[
            "plan",
            "s.toml",
            "--vary",
            "collector.queue_size_memory=5MiB,15MiB",
            "--vary",
            "collector.queue_size_memory=1MiB",
        ],
    );
    assert!(e.contains("name the same field"), "{e}");
    assert!(!p.join("never").exists());
}

/// Regression (issue 25): `--replications 1` printed a 95% interval of zero width.
#[test]
fn one_replication_has_no_interval() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    let out = tracesim(
        p,
        &[
            "sweep",
            "s.toml",
            "--vary",
            "collector.queue_size_memory=10MiB,40MiB",
            "--replications",
            "1",
            "--set",
            "scenario.duration=1m",
            "--out",
            "one",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("(n=1, no CI)").count(), 2, "{stdout}");
    let (h, rows) = table(p, "one/points.csv");
    for r in &rows {
        assert!(!r[col(&h, "peak_rss_bytes_mean")].is_empty());
        for m in ["peak_rss_bytes", "spans_exported", "oom_kills"] {
            assert_eq!(r[col(&h, &format!("{m}_ci_low"))], "", "{m}");
            assert_eq!(r[col(&h, &format!("{m}_ci_high"))], "", "{m}");
        }
    }
    // compare's paired differences: one pair, no interval.
    let out = tracesim(
        p,
        &[
            "compare",
            "s.toml",
            "--variant",
            "80MiB",
            "--variant",
            "15MiB: collector.queue_size_memory=15MiB",
            "--replications",
            "1",
            "--set",
            "scenario.duration=1m",
            "--out",
            "cmp",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("peak_rss_bytes") && stdout.contains("(n=1, no CI)"),
        "{stdout}"
    );
    let (h, rows) = table(p, "cmp/differences.csv");
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(r[col(&h, "runs")], "1");
        assert_eq!(
            (
                r[col(&h, "ci_low")].as_str(),
                r[col(&h, "ci_high")].as_str()
            ),
            ("", "")
        );
    }
}

/// Regression (issue 25): a mean's interval (upper 502.1 MB) lay above both the 500 MB limit
/// and the largest peak observed.
#[test]
fn intervals_lie_within_what_the_runs_observed() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    tracesim(
        p,
        &[
            "sweep",
            "s.toml",
            "--vary",
            "collector.queue_size_memory=10MiB,40MiB",
            "--vary",
            "collector.memory.limit=250MiB",
            "--replications",
            "3",
            "--set",
            "scenario.duration=7m",
            "--out",
            "sw",
            "--quiet",
        ],
    );
    let (rh, runs) = table(p, "sw/runs.csv");
    let (ph, points) = table(p, "sw/points.csv");
    let mut checked = 0;
    for m in [
        "peak_rss_bytes",
        "spans_exported",
        "spans_dropped",
        "dropped_queue_full",
    ] {
        for pt in &points {
            let xs: Vec<f64> = runs
                .iter()
                .filter(|r| r[col(&rh, "point")] == pt[0])
                .map(|r| r[col(&rh, m)].parse().unwrap())
                .collect();
            let (min, max) = xs
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            let v = |s: &str| -> f64 { pt[col(&ph, &format!("{m}_{s}"))].parse().unwrap() };
            let (lo, mean, hi) = (v("ci_low"), v("mean"), v("ci_high"));
            assert!(
                min <= lo && lo <= mean && mean <= hi && hi <= max,
                "{m} at point {}: [{lo}, {hi}] around {mean}, runs in [{min}, {max}]",
                pt[0]
            );
            checked += usize::from(max > min);
        }
    }
    assert!(checked > 0, "some metric varies between replications");
    // Peaks cut by the OOM kill (at the limit, all alike): the interval ends at the largest.
    for pt in &points {
        let hi: f64 = pt[col(&ph, "peak_rss_bytes_ci_high")].parse().unwrap();
        let max: f64 = pt[col(&ph, "peak_rss_bytes_max")].parse().unwrap();
        assert!(hi <= max, "{hi} > {max}");
    }
}

/// Regression (issue 25): `runs.csv` had two columns named `seed`; and a varied value was
/// only a string ("5MiB"), with no number to plot or fit.
#[test]
fn runs_columns_are_unique_and_varied_values_have_numbers() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    tracesim(
        p,
        &[
            "sweep",
            "s.toml",
            "--vary",
            "collector.queue_size_memory=10MiB,40MiB",
            "--vary",
            "storage.outages.0.mode=refuse,hang",
            "--vary",
            "storage.outages.0.duration=30s",
            "--replications",
            "1",
            "--set",
            "scenario.duration=1m",
            "--out",
            "sw",
            "--quiet",
        ],
    );
    let (h, rows) = table(p, "sw/runs.csv");
    assert_eq!(h[..4], ["run_id", "point", "replication", "seed"]);
    let mut names = h.clone();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), h.len(), "duplicate column names in {h:?}");
    assert_eq!(rows.len(), 4);
    for r in &rows {
        let q = &r[col(&h, "collector.queue_size_memory")];
        let v = &r[col(&h, "collector.queue_size_memory_value")];
        let want = if q == "10MiB" { "10485760" } else { "41943040" };
        assert_eq!(v, want);
        assert_eq!(r[col(&h, "storage.outages.0.duration_value")], "30");
        // A categorical value has no number.
        assert_eq!(r[col(&h, "storage.outages.0.mode_value")], "");
        assert!(!r[col(&h, "seed")].is_empty());
    }
    let (ph, pts) = table(p, "sw/points.csv");
    assert_eq!(
        ph[1..3],
        [
            "collector.queue_size_memory",
            "collector.queue_size_memory_value"
        ]
    );
    assert_eq!(pts[0][2], "10485760");
}

/// Regression (issue 25): a 10^8-run sweep planned silently for ~77 s, then started with an
/// ETA of 26 weeks; `plan` took 13.6 s to count 10^4 points.
#[test]
fn huge_sweeps_are_counted_at_once_and_refused_without_yes() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    // 10^9 runs, counted without building a point (ranges are never enumerated).
    let plan = tracesim(
        p,
        &[
            "plan",
            "s.toml",
            "--vary",
            "collector.queue_size_memory=1MiB..100000000MiB/1MiB",
            "--replications",
            "10",
            "--shard-count",
            "3",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&plan.stdout).trim(), "1000000000");
    let err = String::from_utf8_lossy(&plan.stderr);
    assert!(err.contains("shard 0 of 3: 333333334 runs"), "{err}");
    assert!(err.contains("shard 2 of 3: 333333333 runs"), "{err}");
    // Past 100,000 runs: refused after a short pilot, with the count and the estimate; the
    // pilot's runs are journaled for --yes --resume.
    let e = refused(
        p,
        &[
            "sweep",
            "s.toml",
            "--vary",
            "collector.queue_size_memory=1MiB..1000000MiB/1MiB",
            "--replications",
            "100",
            "--set",
            "scenario.duration=10s",
            "--out",
            "huge",
        ],
    );
    assert!(
        e.contains(
            "sweep: 100,000,000 runs are more than the 100,000 that run without --yes: about"
        ),
        "{e}"
    );
    assert!(
        e.contains("estimated from") && e.contains("Pass --yes"),
        "{e}"
    );
    let journal = std::fs::read(p.join("huge/.runs.all.journal")).unwrap();
    let kept = journaled_runs(&journal);
    assert!(kept >= 1, "the pilot's runs are kept");
    assert!(e.contains("journaled: add --resume to keep"), "{e}");
    assert!(!p.join("huge/runs.csv").exists());
    // Under 100,000 runs but over an hour by the pilot's estimate (99,000 runs of 25
    // simulated minutes on one thread): refused too.
    let e = refused(
        p,
        &[
            "sweep",
            "s.toml",
            "--vary",
            "collector.queue_size_memory=1MiB..9900MiB/1MiB",
            "--threads",
            "1",
            "--out",
            "long",
        ],
    );
    assert!(
        e.contains("sweep: 99,000 runs would take longer than the 1h00m that run without --yes"),
        "{e}"
    );
    assert!(e.contains("on 1 thread)"), "{e}");
}

/// Regression (issue 25): outside a terminal (CI, nohup, kubectl logs) sweep, compare and
/// recommend printed no progress at all.
#[test]
fn progress_lines_when_stderr_is_not_a_terminal() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    scenario_in(p);
    let run = |quiet: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tracesim"));
        c.current_dir(p)
            .args([
                "sweep",
                "s.toml",
                "--vary",
                "collector.queue_size_memory=10MiB,40MiB",
                "--replications",
                "2",
                "--set",
                "scenario.duration=7m",
                "--threads",
                "1",
                "--out",
                "sw",
            ])
            .env("TRACESIM_PROGRESS_INTERVAL", "0.01");
        if quiet {
            c.arg("--quiet");
        }
        let out = c.output().unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let err = run(false);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("sweep: runs "))
        .collect();
    assert!(!lines.is_empty(), "no progress lines in {err:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("/4 (") && l.contains(" elapsed, eta ")),
        "{lines:?}"
    );
    assert!(run(true).is_empty(), "--quiet prints nothing");
    let out = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(p)
        .args([
            "compare",
            "s.toml",
            "--variant",
            "a",
            "--variant",
            "b: collector.queue_size_memory=15MiB",
            "--replications",
            "2",
            "--set",
            "scenario.duration=7m",
            "--threads",
            "1",
            "--out",
            "cmp",
        ])
        .env("TRACESIM_PROGRESS_INTERVAL", "0.01")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("compare: runs "));
    std::fs::write(p.join("oc.toml"), crate::otelcol::OC).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(p)
        .args([
            "recommend",
            "oc.toml",
            "--memory-limit",
            "64MiB",
            "--replications",
            "1",
            "--set",
            "otelcol.exporter.sending_queue.queue_size=1000",
            "--out",
            "rec",
        ])
        .env("TRACESIM_PROGRESS_INTERVAL", "0.01")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("recommend: runs "), "{err}");
}
