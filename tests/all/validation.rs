//! Validation against real recordings: calibrate on one run, predict the others (MAPE and peak
//! within 10%), and the validate command's checks and errors.

use tracesim::measured::{self, ReadOptions};
use tracesim::scenario;
use tracesim::validate::{
    Comparison, Problem, Run, calibrate, compare, fit_param, mean_mape, median_series, simulate,
};

const MODEL: &str = "models/validation/otel-rs-bsp.toml";

fn root(p: &str) -> String {
    format!("{}/{p}", env!("CARGO_MANIFEST_DIR"))
}

fn series(p: &str) -> measured::Series {
    // The recordings of `tracesim measure` start before the program has started up.
    measured::read(std::path::Path::new(&root(p)), &ReadOptions::default())
        .unwrap()
        .skip(1.0)
        .unwrap()
}

/// Calibrates `fit_paths` on `train`, then predicts every run; returns (train, predictions).
fn calibrate_and_predict(
    train: &[(&str, Vec<String>)],
    predict: &[(&str, Vec<String>)],
    fit_paths: &[&str],
) -> (Vec<Comparison>, Vec<Comparison>) {
    let predict: Vec<(Vec<String>, Vec<String>)> = predict
        .iter()
        .map(|(f, o)| (vec![f.to_string()], o.clone()))
        .collect();
    let (fitted, predicted) = calibrate_and_predict_replicates(train, &predict, fit_paths);
    (fitted, predicted.into_iter().flatten().collect())
}

/// As [`calibrate_and_predict`], where each prediction is held to one or several recordings
/// of its setup: every recording is compared, and with several their median is appended.
fn calibrate_and_predict_replicates(
    train: &[(&str, Vec<String>)],
    predict: &[(Vec<String>, Vec<String>)],
    fit_paths: &[&str],
) -> (Vec<Comparison>, Vec<Vec<Comparison>>) {
    let text = std::fs::read_to_string(root(MODEL)).unwrap();
    let runs: Vec<Run> = train
        .iter()
        .map(|(f, o)| Run {
            series: series(f),
            overrides: o.clone(),
        })
        .collect();
    let params: Vec<_> = fit_paths
        .iter()
        .map(|p| fit_param(&text, p).unwrap())
        .collect();
    let problem = Problem {
        text: &text,
        file: MODEL,
        base: &[],
        runs: &runs,
        params: &params,
        component: None,
        offset: None,
        column: "rss_bytes",
    };
    let r = calibrate(&problem, 120).unwrap_or_else(|f| panic!("{:#}", f.error));
    // These fits beat the scenario as written.
    assert!(!r.kept_given);
    let (x, fitted) = (r.values, r.fitted);
    let sets: Vec<String> = params.iter().zip(&x).map(|(p, v)| p.set(*v)).collect();
    let predicted = predict
        .iter()
        .map(|(files, o)| {
            let mut all = o.clone();
            all.extend(sets.iter().cloned());
            let t = scenario::apply_overrides(MODEL, &text, &all).unwrap();
            let sc = scenario::parse(MODEL, &t).unwrap();
            let sim = simulate(&sc, "tracer", 1);
            let mut cs: Vec<Comparison> = files
                .iter()
                .map(|f| {
                    let m = series(f);
                    let off = if sc.agent.as_ref().unwrap().outages[0].start > 0 {
                        tracesim::validate::rise_start(&sim.t, &sim.mean)
                            - tracesim::validate::rise_start(&m.t, &m.bytes)
                    } else {
                        0.0
                    };
                    compare(&m, &sim, off).unwrap()
                })
                .collect();
            if cs.len() > 1 {
                let median = median_series(&cs).unwrap();
                cs.push(compare(&median, &sim, 0.0).unwrap());
            }
            cs
        })
        .collect();
    (fitted, predicted)
}

fn assert_close(c: &Comparison, bar: f64) {
    eprintln!(
        "{}: MAPE {:.2}%, peak {:+.2}%, plateau {:+.1} s",
        c.file,
        c.mape * 100.0,
        c.peak_error() * 100.0,
        c.plateau_simulated - c.plateau_measured
    );
    assert!(c.mape <= bar, "{}: MAPE {:.3}", c.file, c.mape);
    assert!(
        c.peak_error().abs() <= bar,
        "{}: peak {:.3}",
        c.file,
        c.peak_error()
    );
}

#[test]
fn shared_recordings_calibrate_on_one_predict_the_others() {
    let d = "validation/shared-measurements";
    let p1k = format!("{d}/rs_hang_r2000_p1k_q200k.csv");
    let p200 = format!("{d}/rs_hang_r2000_p200_q200k.csv");
    let refused = format!("{d}/rs_outage_refused_r2000_p1k_q200k.csv");
    let (fitted, predicted) = calibrate_and_predict(
        &[(&p1k, vec![])],
        &[
            (
                &p200,
                vec![
                    "workload.span_size=\"326B\"".into(),
                    "tracer.memory.span_attributes=4".into(),
                ],
            ),
            (
                &refused,
                vec![
                    "agent.outages=[{start=\"20s\", duration=\"60s\", mode=\"refuse\"}]".into(),
                    "workload.rate_schedule=[{at=\"150s\", rate=0}]".into(),
                    "scenario.duration=\"160s\"".into(),
                ],
            ),
        ],
        &[
            "tracer.memory.queue_slot",
            "tracer.memory.span_per_attribute",
        ],
    );
    assert!(fitted[0].mape < 0.01, "the fit itself: {}", fitted[0].mape);
    for c in &predicted {
        assert_close(c, 0.10);
        assert!((c.plateau_simulated - c.plateau_measured).abs() <= 5.0);
    }
}

#[test]
fn validate_checks_the_tolerance_and_writes_both_curves() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_tracesim");
    let m = root("validation/shared-measurements/rs_hang_r2000_p1k_q200k.csv");
    let run = |extra: &[&str], out: &std::path::Path| {
        std::process::Command::new(bin)
            .args([
                "validate",
                &root(MODEL),
                "--measured",
                &m,
                "--replications",
                "2",
                "--out",
            ])
            .arg(out)
            .args(extra)
            .output()
            .unwrap()
    };
    let ok = run(&["--tolerance", "10%", "--plot"], &dir.path().join("a"));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let svg = std::fs::read_to_string(dir.path().join("a/validation.svg")).unwrap();
    assert!(svg.contains("measured") && svg.contains("RSS [MiB]"));
    let text = std::fs::read_to_string(dir.path().join("a/validation.csv")).unwrap();
    assert!(text.starts_with("file,t_s,measured_bytes,simulated_bytes"));
    assert!(text.lines().count() > 100);
    // The same scenario with spans half as big misses by far more than 10%: exit 1.
    let bad = run(
        &[
            "--tolerance",
            "10%",
            "--set",
            "tracer.memory.span_per_wire_byte=0.2",
        ],
        &dir.path().join("b"),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("outside the tolerance"));
}

#[test]
fn malformed_measurements_fail_clearly_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_tracesim");
    for (name, text, expect) in [
        ("empty.csv", "", "empty"),
        ("header.csv", "t_s,rss_bytes\n", "0 data rows"),
        ("order.csv", "t_s,rss_bytes\n0,1\n2,2\n1,3\n", ":4: `t_s`"),
        ("nan.csv", "t_s,rss_bytes\n0,1\n1,abc\n", ":3: `rss_bytes`"),
        ("unit.csv", "t_s,value\n0,1\n1,2\n", "no unit"),
        ("bad.json", "{\"data\": [", "malformed JSON"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let out = dir.path().join(format!("out-{name}"));
        let o = std::process::Command::new(bin)
            .args(["validate", &root(MODEL), "--measured"])
            .arg(&p)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(expect) && err.contains(name), "{name}: {err}");
        assert!(!out.exists(), "{name}: no output");
    }
}

/// The project's own recordings (validation/run_experiment.py): a real OpenTelemetry Rust SDK
/// program at 1,000-4,000 spans/s, queues of 20k-100k, a stand-in collector that hangs,
/// refuses, and recovers.
#[test]
fn own_recordings_calibrate_on_one_predict_the_others() {
    let d = "validation/recordings";
    let run = |rate: &str, queue: u64, until_s: u64, outage: Option<(&str, &str)>| {
        let mut o = vec![
            format!("workload.rate=\"{rate}\""),
            format!("tracer.max_queue_size={queue}"),
            format!("workload.rate_schedule=[{{at=\"{until_s}s\", rate=0}}]"),
            format!("scenario.duration=\"{}s\"", until_s + 5),
        ];
        if let Some((start, mode)) = outage {
            o.push(format!(
                "agent.outages=[{{start=\"{start}\", duration=\"30s\", mode=\"{mode}\"}}]"
            ));
        }
        o
    };
    let train = format!("{d}/hang_r1000_q50k.csv");
    // The runs through a recovery were recorded five times each (run_experiment.py --repeat).
    let replicates = |name: &str| -> Vec<String> {
        std::iter::once(format!("{d}/{name}.csv"))
            .chain((2..=5).map(|k| format!("{d}/{name}_rep{k}.csv")))
            .collect()
    };
    let (fitted, predicted) = calibrate_and_predict_replicates(
        &[(&train, run("1000/s", 50_000, 70, None))],
        &[
            (
                vec![format!("{d}/hang_r4000_q100k.csv")],
                run("4000/s", 100_000, 40, None),
            ),
            (
                replicates("refused_r2000_q100k"),
                run("2000/s", 100_000, 70, Some(("15s", "refuse"))),
            ),
            (
                replicates("hang_recover_r2000_q20k"),
                run("2000/s", 20_000, 70, Some(("15s", "hang"))),
            ),
        ],
        &[
            "tracer.memory.queue_slot",
            "tracer.memory.span_per_attribute",
        ],
    );
    assert!(fitted[0].mape < 0.02, "the fit itself: {}", fitted[0].mape);
    // Another rate and queue size, hung: the whole curve.
    assert_close(&predicted[0][0], 0.10);
    for setup in &predicted[1..] {
        let (median, each) = setup.split_last().unwrap();
        // The replicates' median is reported, not held: after the recovery the real program
        // does not repeat itself (validation/README.md), and the model's curve is the
        // high-water end of its band.
        eprintln!(
            "{}: MAPE {:.2}%, peak {:+.2}%",
            median.file,
            median.mape * 100.0,
            median.peak_error() * 100.0
        );
        assert!(
            median.t.len() + 2 >= each[0].t.len(),
            "the replicates align"
        );
        for c in each {
            // Every recording: the peak, and the curve until the outage ends (45 s).
            assert!(
                c.peak_error().abs() <= 0.10,
                "{}: peak {}",
                c.file,
                c.peak_error()
            );
            let until: Vec<usize> = (0..c.t.len()).filter(|&k| c.t[k] <= 45.0).collect();
            let mape = until
                .iter()
                .map(|&k| (c.simulated[k] - c.measured[k]).abs() / c.measured[k])
                .sum::<f64>()
                / until.len() as f64;
            // After it, how much glibc gives back differs from run to run (none, part or
            // all of the drained queue's pages): every recording stays between the model's
            // floor (all given back) and its high-water mark, within the 10% bar.
            let after: Vec<usize> = (0..c.t.len()).filter(|&k| c.t[k] > 47.0).collect();
            let outside = after
                .iter()
                .filter(|&&k| {
                    c.measured[k] < 0.90 * c.floor[k].min(c.lo[k]) || c.measured[k] > 1.10 * c.hi[k]
                })
                .count();
            eprintln!(
                "{}: MAPE until 45 s {:.2}%, whole {:.2}%, peak {:+.2}%, {} of {} points after the recovery outside the band",
                c.file,
                mape * 100.0,
                c.mape * 100.0,
                c.peak_error() * 100.0,
                outside,
                after.len()
            );
            assert!(mape <= 0.10, "{}: MAPE until the recovery {mape}", c.file);
            assert_eq!(
                outside, 0,
                "{}: outside the band after the recovery",
                c.file
            );
        }
    }
}

#[test]
fn measure_records_a_process_tree_and_validate_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_tracesim");
    let out = dir.path().join("m.csv");
    // A child of the command holds the memory: the whole tree is counted.
    let st = std::process::Command::new(bin)
        .args(["measure", "--interval", "20ms", "--out"])
        .arg(&out)
        .args([
            "--",
            "sh",
            "-c",
            "python3 -c 'x = bytearray(60_000_000); import time; time.sleep(0.6)'",
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let s = measured::read(&out, &ReadOptions::default()).unwrap();
    assert!(s.t.len() > 10);
    let peak = s.bytes.iter().cloned().fold(0.0, f64::max);
    assert!(peak > 60e6, "peak {peak}");
    // A failing command: exit 1, its recording still written whole.
    let out2 = dir.path().join("f.csv");
    let st = std::process::Command::new(bin)
        .args(["measure", "--out"])
        .arg(&out2)
        .args(["--", "sh", "-c", "sleep 0.2; exit 3"])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(1));
    assert!(
        std::fs::read_to_string(&out2)
            .unwrap()
            .starts_with("t_s,rss_bytes\n")
    );
}

/// Replicate recordings: each is compared, then their per-time median, which the tolerance
/// checks. Two recordings that release their memory after the recovery and three that keep it:
/// the median keeps it, as the model's curve does, and every recording stays in the band that
/// reaches down to the allocator's floor.
#[test]
fn validate_compares_replicates_and_their_median() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_tracesim");
    let d = root("validation/recordings");
    let files: Vec<String> = ["", "_rep2", "_rep3", "_rep4", "_rep5"]
        .iter()
        .map(|r| format!("{d}/refused_r2000_q100k{r}.csv"))
        .collect();
    let mut cmd = std::process::Command::new(bin);
    cmd.args([
        "validate",
        &root(MODEL),
        "--skip",
        "1",
        "--replications",
        "2",
    ])
    .args([
        "--set",
        "workload.rate=2000/s",
        "--set",
        "tracer.max_queue_size=100000",
    ])
    .args(["--set", "workload.rate_schedule=[{at=\"70s\",rate=0}]"])
    .args(["--set", "scenario.duration=75s"])
    .args([
        "--set",
        "agent.outages=[{start=\"15s\",duration=\"30s\",mode=\"refuse\"}]",
    ])
    .args(["--tolerance", "10%", "--out"])
    .arg(dir.path());
    for f in &files {
        cmd.args(["--measured", f]);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = std::fs::read_to_string(dir.path().join("validation_summary.csv")).unwrap();
    let rows: Vec<Vec<&str>> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 6, "{summary}");
    assert_eq!(rows[5][0], "median of 5 recordings");
    let mape = |r: &Vec<&str>| r[4].parse::<f64>().unwrap();
    // The two runs that gave memory back are far from the high-water curve; the median is not.
    assert!(mape(&rows[0]) > 0.2 && mape(&rows[4]) > 0.2, "{summary}");
    assert!(mape(&rows[5]) < 0.1, "{summary}");
    // The curve file has every recording and the median, with the allocator's floor, which
    // after the drain lies far below the high-water mark (the queue's pages).
    let curve = std::fs::read_to_string(dir.path().join("validation.csv")).unwrap();
    let header: Vec<&str> = curve.lines().next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (fl, hi, t) = (
        col("simulated_floor_bytes"),
        col("simulated_high_bytes"),
        col("t_s"),
    );
    let last: Vec<&str> = curve.lines().last().unwrap().split(',').collect();
    assert!(last[0].starts_with("median"));
    assert!(last[t].parse::<f64>().unwrap() > 60.0);
    let (f, h) = (
        last[fl].parse::<f64>().unwrap(),
        last[hi].parse::<f64>().unwrap(),
    );
    assert!(f < 0.5 * h, "floor {f} vs high-water {h}");
    // A recording that does not overlap is an input error naming the file, with no output.
    let out2 = dir.path().join("none");
    let o = std::process::Command::new(bin)
        .args(["validate", &root(MODEL), "--offset", "100000"])
        .args(["--measured", &files[0], "--measured", &files[1], "--out"])
        .arg(&out2)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("refused_r2000_q100k.csv"));
    assert!(!out2.exists());
}

fn tracesim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .args(args)
        .output()
        .unwrap()
}

/// The column `name` of a one-row CSV file.
fn csv_cell(path: &std::path::Path, name: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    row[header.iter().position(|h| *h == name).unwrap()].to_string()
}

/// Regression (issue 25, item 3): with the scenario's `span_fixed = "0B"` below the bounds
/// 100B..10KiB, calibrate said `(was "100B")` and "MAPE 2.8% -> 2.8%" where the scenario as
/// given has 0.9%, and wrote the worse fit, stuck on its bound.
#[test]
fn calibrate_reports_the_true_start_and_never_writes_a_worse_fit() {
    let dir = tempfile::tempdir().unwrap();
    let (model, m) = (
        root(MODEL),
        root("validation/shared-measurements/rs_hang_r2000_p1k_q200k.csv"),
    );
    // 40 s of the recording keep the test fast; the bound stops the search the same way.
    let short = ["--set", "scenario.duration=40s"];
    let cal = dir.path().join("cal");
    let mut args = vec!["calibrate", &model, "--measured", &m];
    args.extend([
        "--fit",
        "tracer.memory.span_fixed=100B..10KiB",
        "--iterations",
        "10",
    ]);
    args.extend(short);
    args.extend(["--out", cal.to_str().unwrap()]);
    let o = tracesim(&args);
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{err}");
    // The true start, its clamp and the bound, said.
    assert!(!out.contains("(was \"100B\")"), "{out}");
    assert!(out.contains("span_fixed = \"0B\"  (kept as given"), "{out}");
    assert!(
        err.contains("\"0B\" lies below the bounds") && err.contains("starts at \"100B\""),
        "{err}"
    );
    assert!(err.contains("sits at its lower bound \"100B\""), "{err}");
    assert!(
        err.contains("no better than the scenario as given"),
        "{err}"
    );
    // The error before is the scenario's own: validate with one replication says the same.
    let val = dir.path().join("val");
    let mut vargs = vec!["validate", &model, "--measured", &m, "--replications", "1"];
    vargs.extend(short);
    vargs.extend(["--out", val.to_str().unwrap()]);
    let v = tracesim(&vargs);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    let true_mape = csv_cell(&val.join("validation_summary.csv"), "mape");
    let csv = cal.join("calibration.csv");
    assert_eq!(csv_cell(&csv, "mape_before"), true_mape);
    // What is written fits as well as the start, not worse: the scenario unchanged.
    assert_eq!(csv_cell(&csv, "mape"), true_mape);
    let written = std::fs::read_to_string(cal.join("calibrated.toml")).unwrap();
    let given = scenario::apply_overrides(
        MODEL,
        &std::fs::read_to_string(&model).unwrap(),
        &["scenario.duration=40s".to_string()],
    )
    .unwrap();
    let body = written.split_once("\n\n").unwrap().1;
    assert_eq!(body, given);
    assert!(written.contains("kept as given"), "{written}");
}

/// The same problem in the library: a start clamped into the bounds, a fit that beats the
/// scenario is written (and its bound named), one that does not is not.
#[test]
fn calibrate_keeps_the_given_values_unless_the_fit_beats_them() {
    let text = std::fs::read_to_string(root(MODEL)).unwrap();
    let runs = vec![Run {
        series: series("validation/shared-measurements/rs_hang_r2000_p1k_q200k.csv"),
        overrides: vec![],
    }];
    let base = vec!["scenario.duration=\"30s\"".to_string()];
    let solve = |spec: &str| {
        let params = vec![fit_param(&text, spec).unwrap()];
        assert_eq!(params[0].initial, 0.0);
        assert_eq!(params[0].given, "\"0B\"");
        assert!(params[0].clamped());
        let problem = Problem {
            text: &text,
            file: MODEL,
            base: &base,
            runs: &runs,
            params: &params,
            component: None,
            offset: None,
            column: "rss_bytes",
        };
        let r = calibrate(&problem, 10).unwrap_or_else(|f| panic!("{:#}", f.error));
        (params, r)
    };
    let (p, r) = solve("tracer.memory.span_fixed=100B..10KiB");
    assert!(r.kept_given);
    assert_eq!(r.values, [0.0]);
    assert!(mean_mape(&r.given) < mean_mape(&r.fitted));
    assert_eq!(mean_mape(r.written()), mean_mape(&r.given));
    assert_eq!(p[0].at_bound(r.best[0]), Some(("lower", 100.0)));
    // Whatever the bounds, what is written is never worse than the scenario as given.
    let (_, r) = solve("tracer.memory.span_fixed=1B..10KiB");
    assert!(mean_mape(r.written()) <= mean_mape(&r.given));
    assert_eq!(r.kept_given, mean_mape(&r.fitted) >= mean_mape(&r.given));
}

/// Regression (issue 25, item 4): `--skip` longer than the recording was silently ignored and
/// the whole recording compared. Now an input error naming the file, the skip and the span,
/// in validate and calibrate, with nothing written.
#[test]
fn a_skip_longer_than_the_recording_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = root(MODEL);
    let m = root("validation/shared-measurements/rs_hang_r2000_p1k_q200k.csv");
    for cmd in ["validate", "calibrate"] {
        let out = dir.path().join(cmd);
        let mut args = vec![cmd, &model, "--measured", &m, "--skip", "500"];
        if cmd == "calibrate" {
            args.extend(["--fit", "tracer.memory.queue_slot"]);
        }
        args.extend(["--out", out.to_str().unwrap()]);
        let o = tracesim(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains("rs_hang_r2000_p1k_q200k.csv")
                && err.contains("--skip 500 s leaves 0 points")
                && err.contains("spans 0 s to 140 s"),
            "{cmd}: {err}"
        );
        assert!(!out.exists(), "{cmd}: no output");
    }
}

/// Regression (issue 25, item 5): a recording with a time written twice was refused. Its
/// samples are merged into their mean and counted on stderr, naming the file.
#[test]
fn validate_merges_repeated_times() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(root(
        "validation/shared-measurements/rs_hang_r2000_p1k_q200k.csv",
    ))
    .unwrap();
    // Every tenth sample written twice, as a sampler whose clock ticks coarser than it samples.
    let mut text = String::new();
    for (k, line) in src.lines().enumerate() {
        text.push_str(line);
        text.push('\n');
        if k > 0 && k % 10 == 0 {
            text.push_str(line);
            text.push('\n');
        }
    }
    let p = dir.path().join("twice.csv");
    std::fs::write(&p, text).unwrap();
    let out = dir.path().join("v");
    let o = tracesim(&[
        "validate",
        &root(MODEL),
        "--measured",
        p.to_str().unwrap(),
        "--replications",
        "1",
        "--tolerance",
        "10%",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("twice.csv: 140 samples at a time already seen merged"),
        "{err}"
    );
    // The curve is the file's: as many points as the recording without its repeats.
    assert_eq!(
        csv_cell(&out.join("validation_summary.csv"), "points"),
        "141"
    );
}

/// Every error in a measured file, or in the options that say how to read and align it, is
/// bad input: exit 2, a message naming the file (and its line and field where it has them),
/// nothing written. In validate and in calibrate alike.
#[test]
fn measurement_errors_exit_2_in_validate_and_calibrate() {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };
    let matrix = |values: &str| {
        format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{"__name__":"x_bytes","pod":"a"}},"values":{values}}}]}}}}"#
        )
    };
    let ok = w("ok.csv", b"t_s,rss_bytes\n0,1MiB\n1,2MiB\n2,3MiB\n");
    let missing = dir.path().join("missing.csv").to_str().unwrap().to_string();
    let folder = dir.path().to_str().unwrap().to_string();
    let cases: Vec<(String, Vec<&str>, Vec<&str>)> = vec![
        // (file, extra options, what the message must say)
        (missing.clone(), vec![], vec!["missing.csv", "cannot read"]),
        (folder.clone(), vec![], vec!["cannot read"]),
        (
            w("binary.csv", b"\xff\xfe\x00"),
            vec![],
            vec!["binary.csv", "UTF-8"],
        ),
        (w("empty.csv", b""), vec![], vec!["empty.csv", "empty"]),
        (
            w("header.csv", b"t_s,rss_bytes\n"),
            vec![],
            vec!["header.csv", "0 data rows"],
        ),
        (
            w("one.csv", b"t_s,rss_bytes\n0,1\n"),
            vec![],
            vec!["one.csv", "1 data rows"],
        ),
        (
            w("same.csv", b"t_s,rss_bytes\n3,1\n3,2\n"),
            vec![],
            vec!["same.csv", "2 times"],
        ),
        (
            w("nan.csv", b"t_s,rss_bytes\n0,1\n1,abc\n"),
            vec![],
            vec!["nan.csv:3: `rss_bytes`"],
        ),
        (
            w("time.csv", b"t_s,rss_bytes\n0,1\nsoon,2\n"),
            vec![],
            vec!["time.csv:3: `t_s`"],
        ),
        (
            w("back.csv", b"t_s,rss_bytes\n0,1\n2,2\n1,3\n"),
            vec![],
            vec!["back.csv:4: `t_s`", "go back"],
        ),
        (
            w("neg.csv", b"t_s,rss_bytes\n0,1\n1,-2\n"),
            vec![],
            vec!["neg.csv:3: `rss_bytes`", "negative"],
        ),
        (
            w("ragged.csv", b"t_s,rss_bytes\n0,1\n1,2,3\n"),
            vec![],
            vec!["ragged.csv:3", "malformed CSV"],
        ),
        (
            w("nounit.csv", b"t_s,value\n0,1\n1,2\n"),
            vec![],
            vec!["nounit.csv:2: `value`", "no unit"],
        ),
        (
            w("nobytes.csv", b"t_s,foo\n0,1\n1,2\n"),
            vec![],
            vec!["nobytes.csv:1", "no value column"],
        ),
        (
            ok.clone(),
            vec!["--time-column", "when"],
            vec!["ok.csv:1", "no time column `when`"],
        ),
        (
            ok.clone(),
            vec!["--unit", "furlong"],
            vec!["ok.csv", "--unit furlong"],
        ),
        (
            w("bad.json", b"{\"data\": ["),
            vec![],
            vec!["bad.json:1", "malformed JSON"],
        ),
        (
            w("status.json", br#"{"status":"error","data":{}}"#),
            vec![],
            vec!["status.json", "did not succeed"],
        ),
        (
            w(
                "vector.json",
                br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
            ),
            vec![],
            vec!["vector.json", "matrix"],
        ),
        (
            w(
                "nothing.json",
                br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
            ),
            vec![],
            vec!["nothing.json", "matched nothing"],
        ),
        (
            w("label.json", matrix(r#"[[1,"5"],[2,"6"]]"#).as_bytes()),
            vec!["--label", "pod=b"],
            vec!["label.json", "pod=\"a\""],
        ),
        (
            w("pnan.json", matrix(r#"[[1,"NaN"],[2,"6"]]"#).as_bytes()),
            vec![],
            vec!["pnan.json", "point 0", "NaN"],
        ),
        (
            w(
                "pback.json",
                matrix(r#"[[1,"5"],[3,"6"],[2,"7"]]"#).as_bytes(),
            ),
            vec![],
            vec!["pback.json", "point 2", "go back"],
        ),
        (ok.clone(), vec!["--label", "pod"], vec!["--label pod"]),
        (
            ok.clone(),
            vec!["--skip", "2"],
            vec!["ok.csv", "--skip 2 s leaves 1 point"],
        ),
        (ok.clone(), vec!["--skip=-1"], vec!["--skip -1"]),
        (ok.clone(), vec!["--offset", "nan"], vec!["--offset NaN"]),
        (
            ok.clone(),
            vec!["--offset", "1000"],
            vec!["ok.csv", "share fewer than 2 sample times"],
        ),
    ];
    let model = root(MODEL);
    for (k, (file, extra, expect)) in cases.iter().enumerate() {
        for cmd in ["validate", "calibrate"] {
            let out = dir.path().join(format!("out-{cmd}-{k}"));
            let mut args = vec![cmd, &model, "--measured", file.as_str()];
            if cmd == "calibrate" {
                args.extend(["--fit", "tracer.memory.queue_slot"]);
            }
            args.extend(extra.iter().copied());
            args.extend(["--out", out.to_str().unwrap()]);
            let o = tracesim(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{cmd} {file} {extra:?}: {err}");
            for e in expect {
                assert!(
                    err.contains(e),
                    "{cmd} {file} {extra:?}: `{e}` not in {err}"
                );
            }
            assert!(!err.contains("panicked"), "{err}");
            assert!(!out.exists(), "{cmd} {file}: no output");
        }
    }
}

/// A Go collector's internal curves (issue 17): the heap goal and the GC count are in the
/// timeseries, consistent with the heap (a sample never finds the heap above its goal, and
/// the count never goes back while the process lives), and `validate --simulated-column`
/// holds them to a program's own metrics, read from a tidy `t_s,metric,value` file by label.
#[test]
fn go_internal_curves_are_written_and_validated_by_label() {
    let dir = tempfile::tempdir().unwrap();
    let model = root("models/jaeger-collector-es-outage.toml");
    let sets = [
        "--set",
        "scenario.duration=8m",
        "--set",
        "collector.memory.limit=1GiB",
    ];
    let run = dir.path().join("run");
    let mut args = vec!["run", model.as_str(), "--out", run.to_str().unwrap()];
    args.extend(sets);
    let o = tracesim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(run.join("timeseries.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (heap, goal, gc, t) = (
        col("heap_bytes"),
        col("heap_goal_bytes"),
        col("gc_cycles"),
        col("t_s"),
    );
    // A tidy file of "measured" metrics: the simulation's own goal, and one 20% above it.
    let mut tidy = String::from("t_s,metric,value\n");
    let (mut last_gc, mut rows) = (0u64, 0);
    for r in rd.records() {
        let r = r.unwrap();
        let (hb, gb): (u64, u64) = (r[heap].parse().unwrap(), r[goal].parse().unwrap());
        assert!(hb <= gb, "heap {hb} above its goal {gb} at {}", &r[t]);
        let g: u64 = r[gc].parse().unwrap();
        assert!(g >= last_gc, "GC count went back at {}", &r[t]);
        last_gc = g;
        tidy += &format!(
            "{},heap_goal,{gb}\n{},heap_goal_high,{}\n",
            &r[t],
            &r[t],
            gb * 6 / 5
        );
        rows += 1;
    }
    assert!(rows > 400 && last_gc > 50, "{rows} rows, {last_gc} GCs");
    let m = dir.path().join("metrics.csv");
    std::fs::write(&m, tidy).unwrap();
    let validate = |metric: &str, out: &str| {
        let label = format!("metric={metric}");
        let out = dir.path().join(out);
        let mut a = vec![
            "validate",
            model.as_str(),
            "--measured",
            m.to_str().unwrap(),
            "--label",
            label.as_str(),
            "--unit",
            "B",
            "--simulated-column",
            "heap_goal_bytes",
            "--offset",
            "0",
            "--replications",
            "1",
            "--tolerance",
            "5%",
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend(sets);
        tracesim(&a)
    };
    let same = validate("heap_goal", "same");
    assert!(
        same.status.success(),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    let high = validate("heap_goal_high", "high");
    assert_eq!(
        high.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&high.stdout)
    );
    let bad = tracesim(&[
        "validate",
        model.as_str(),
        "--measured",
        m.to_str().unwrap(),
        "--simulated-column",
        "heap_goal",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("heap_goal_bytes"));
}
