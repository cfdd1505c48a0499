//! Sweeps: sharding, thread counts and resume never change the bytes; recommend answers the
//! Jaeger story.

use std::path::Path;
use std::process::Command;

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
        "run_id,point,replication,seed,collector.queue_size_memory,collector.memory.limit,scenario,"
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
        let n = std::fs::read(&journal).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
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
    let done = j.iter().filter(|&&c| c == b'\n').count();
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
