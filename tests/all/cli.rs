//! Bad input gets a clear error naming the file, line and field, exit code 2, no panic and
//! no output folder.

use crate::common::*;
use std::process::{Command, Output};

fn run_with(text: Option<&str>, extra: &[&str]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    if let Some(t) = text {
        std::fs::write(dir.path().join("s.toml"), t).unwrap();
    }
    let mut args = vec!["run", "s.toml", "--out", "out", "--quiet"];
    args.extend_from_slice(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(dir.path())
        .args(&args)
        .output()
        .unwrap();
    (out, dir)
}

fn expect_error(text: Option<&str>, extra: &[&str], needles: &[&str]) {
    let (out, dir) = run_with(text, extra);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.path().join("out").exists(), "output written on error");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "s.toml")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn tiny_with(from: &str, to: &str) -> String {
    assert!(TINY.contains(from), "{from}");
    TINY.replacen(from, to, 1)
}

/// Line of the first occurrence of `needle` in the TINY text (1-based).
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn malformed_toml_names_file_and_line() {
    let t = tiny_with("[collector]", "[collector");
    let line = line_of(&t, "[collector");
    expect_error(
        Some(&t),
        &[],
        &[&format!("s.toml:{line}:"), "malformed TOML"],
    );
}

#[test]
fn unknown_field_names_its_path() {
    let t = tiny_with("num_workers = 1", "num_workers = 1\ncolour = \"red\"");
    let line = line_of(&t, "colour");
    expect_error(
        Some(&t),
        &[],
        &[
            &format!("s.toml:{line}:"),
            "collector.colour",
            "unknown field",
        ],
    );
}

#[test]
fn negative_rate_is_refused() {
    let t = tiny_with("rate = \"10/s\"", "rate = \"-10/s\"");
    let line = line_of(&t, "-10/s");
    expect_error(
        Some(&t),
        &[],
        &[&format!("s.toml:{line}:"), "workload.rate", "negative"],
    );
}

#[test]
fn bad_unit_is_refused() {
    let t = tiny_with("latency = \"50ms\"", "latency = \"50 fortnights\"");
    let line = line_of(&t, "fortnights");
    expect_error(
        Some(&t),
        &[],
        &[
            &format!("s.toml:{line}:"),
            "storage.latency",
            "unknown time unit",
        ],
    );
}

#[test]
fn validation_errors_point_at_the_field() {
    let t = tiny_with(
        "baseline = \"10MiB\"",
        "baseline = \"10MiB\"\nlimit = \"5MiB\"",
    );
    let line = line_of(&t, "limit = ");
    expect_error(
        Some(&t),
        &[],
        &[
            &format!("s.toml:{line}:"),
            "collector.memory.limit",
            "baseline",
        ],
    );
}

#[test]
fn bad_override_names_the_override() {
    expect_error(
        Some(TINY),
        &["--set", "collector.queue_size=-1"],
        &["collector.queue_size", "--set"],
    );
    expect_error(
        Some(TINY),
        &["--set", "collector.queue_size_memory=80MiBs"],
        &["collector.queue_size_memory", "unknown size unit"],
    );
}

#[test]
fn missing_file_is_a_clear_error() {
    expect_error(None, &[], &["s.toml", "cannot read the scenario file"]);
}

#[test]
fn help_has_examples() {
    let out = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .args(["run", "--help"])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(s.contains("Examples:") && s.contains("--set"), "{s}");
}

#[test]
fn override_changes_the_run_and_lands_in_the_manifest() {
    let (out, dir) = run_with(Some(TINY), &["--set", "workload.rate=20/s"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = std::fs::read_to_string(dir.path().join("out/summary.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(summary.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let row = rdr.records().next().unwrap().unwrap();
    let generated = headers.iter().position(|h| h == "spans_generated").unwrap();
    assert_eq!(&row[generated], "200");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/manifest.json")).unwrap())
            .unwrap();
    assert!(
        manifest["scenario_text"]
            .as_str()
            .unwrap()
            .contains("rate = \"20/s\"")
    );
    assert_eq!(manifest["seed"], 1);
}

#[test]
fn absurd_inputs_are_refused_with_the_limit_named() {
    // 10^9 requests/s is above the rate limit; 10^7/s for a day is too much work.
    let t = tiny_with("rate = \"10/s\"", "rate = \"1000M/s\"");
    expect_error(Some(&t), &[], &["workload.rate", "100M requests/s"]);
    let t = tiny_with("rate = \"10/s\"", "rate = \"10M/s\"");
    expect_error(
        Some(&t),
        &["--set", "scenario.duration=1d"],
        &["workload.rate", "spans", "shorten scenario.duration"],
    );
    expect_error(
        Some(TINY),
        &["--set", "scenario.duration=100y"],
        &["scenario.duration", "unknown time unit"],
    );
    expect_error(
        Some(TINY),
        &["--set", "scenario.duration=36600d"],
        &["scenario.duration", "longer than this tool handles"],
    );
    expect_error(
        Some(TINY),
        &["--set", "scenario.duration=400d"],
        &["scenario.duration", "longer than a year"],
    );
}

#[test]
fn a_zero_capacity_queue_drops_everything() {
    let (out, dir) = run_with(Some(TINY), &["--set", "collector.queue_size=0"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = std::fs::read_to_string(dir.path().join("out/summary.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(s.as_bytes());
    let h = rdr.headers().unwrap().clone();
    let row = rdr.records().next().unwrap().unwrap();
    let get = |n: &str| row[h.iter().position(|x| x == n).unwrap()].to_string();
    assert_eq!(get("dropped_queue_full"), "100");
    assert_eq!(get("spans_exported"), "0");
}

#[test]
fn plot_draws_readable_images_of_a_run_and_refuses_other_folders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let bin = env!("CARGO_BIN_EXE_tracesim");
    let st = std::process::Command::new(bin)
        .args(["run", "-q", "--plot", "--out"])
        .arg(&out)
        .arg(format!(
            "{}/models/jaeger-collector-es-outage.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(["--set", "scenario.duration=\"8m\""])
        .status()
        .unwrap();
    assert!(st.success());
    let svg = std::fs::read_to_string(out.join("memory.svg")).unwrap();
    for label in [
        "RSS [MiB]",
        "time [min]",
        "collector memory limit",
        "storage outage",
        "OOM kill",
    ] {
        assert!(svg.contains(label), "memory.svg lacks `{label}`");
    }
    let png = std::fs::read(out.join("memory.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 10_000);
    assert!(
        std::fs::read_to_string(out.join("queue.svg"))
            .unwrap()
            .contains("capacity")
    );
    // A folder without tracesim output: exit 2.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = std::process::Command::new(bin)
        .args(["plot"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bench_quick_writes_tidy_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(dir.path())
        .args([
            "bench",
            "--quick",
            "--only",
            "event_queue,otelcol_kyma",
            "--repeat",
            "2",
            "--out",
            "b.csv",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(dir.path().join("b.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "bench,threads,repeat,wall_s,runs,spans,spans_per_s,events,events_per_s"
    );
    assert_eq!(rows.len(), 5, "{csv}");
    assert!(rows[1].starts_with("event_queue,1,0,"));
    // The simulated work is deterministic; only the wall time varies.
    let spans = |r: &str| r.split(',').nth(5).unwrap().to_string();
    assert_eq!(spans(rows[3]), spans(rows[4]));
    assert!(spans(rows[3]).parse::<u64>().unwrap() > 500_000);
    // An unknown benchmark is a usage error.
    let bad = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .args(["bench", "--only", "nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("event_queue"));
}

// ---- Event storms (issue 25): a timer period without its unit must never hang a run. ----

/// Runs tracesim in `dir`, its output in files (a full pipe cannot block it), and kills it
/// after a minute: a storm then fails the test instead of hanging the suite.
fn run_bounded(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let err_path = dir.join("stderr.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(dir)
        .args(args)
        .stdout(std::fs::File::create(dir.join("stdout.txt")).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break Some(st);
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let err = std::fs::read_to_string(&err_path).unwrap();
    (status.and_then(|s| s.code()), err)
}

/// Regression: memory_limiter `check_interval: 1` (1 ns, accepted by the collector) made a run
/// that never ended, even at `--set scenario.duration=2s`. It is now refused at once, naming
/// the file, line and field, the implied count and the budget.
#[test]
fn event_storm_of_a_1ns_check_interval_is_refused_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = model("otelcol-testbed-no-backend-limiter.toml")
        .replace("check_interval = \"100ms\"", "check_interval = \"1ns\"");
    let line = line_of(&text, "check_interval = \"1ns\"");
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    let args = [
        "run",
        "s.toml",
        "--set",
        "scenario.duration=2s",
        "--out",
        "out",
    ];
    let (code, err) = run_bounded(dir.path(), &args);
    assert_eq!(code, Some(2), "stderr: {err}");
    for n in [
        format!("s.toml:{line}:"),
        "otelcol.memory_limiter.check_interval".to_string(),
        "2.0e9 memory_limiter checks".to_string(),
        "budget of 1e9".to_string(),
    ] {
        assert!(err.contains(&n), "`{n}` not in: {err}");
    }
    assert!(!dir.path().join("out").exists());
}

/// `sample_interval = "1ns"`: refused at once too (below the 1 ms resolution of the
/// timeseries), never run.
#[test]
fn event_storm_of_a_1ns_sample_interval_is_refused_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = tiny_with("sample_interval = \"1s\"", "sample_interval = \"1ns\"");
    let line = line_of(&text, "sample_interval");
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    let args = ["run", "s.toml", "--set", "scenario.duration=2s"];
    let (code, err) = run_bounded(dir.path(), &args);
    assert_eq!(code, Some(2), "stderr: {err}");
    assert!(err.contains(&format!("s.toml:{line}:")), "{err}");
    assert!(err.contains("scenario.sample_interval"), "{err}");
}

/// Every timer of the engine is under the budget: a period of 1 ns on any of them is refused
/// with its own field named, before a run starts.
#[test]
fn every_timer_source_is_held_to_the_event_budget() {
    let oc = crate::otelcol::OC;
    let es = model("jaeger-collector-es-outage.toml");
    let dd = model("istio-ingress-datadog.toml");
    let sdk = model("otel-sdk-collector-refused.toml");
    let with_limiter = [
        "otelcol.processors=[\"memory_limiter\", \"batch\"]",
        "otelcol.memory_limiter.limit_mib=100",
    ];
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            oc,
            [
                &with_limiter[..],
                &["otelcol.memory_limiter.check_interval=\"1ns\""],
            ]
            .concat(),
            "otelcol.memory_limiter.check_interval",
        ),
        (
            oc,
            vec!["otelcol.batch.timeout=\"1ns\""],
            "otelcol.batch.timeout",
        ),
        (
            oc,
            vec![
                "otelcol.exporter.retry_on_failure.initial_interval=\"1ns\"",
                "otelcol.exporter.retry_on_failure.max_interval=\"1ns\"",
                "storage.refuse_latency=\"0s\"",
            ],
            "otelcol.exporter.retry_on_failure.initial_interval",
        ),
        (
            &es,
            vec!["collector.resize_interval=\"1ns\""],
            "collector.resize_interval",
        ),
        (
            &es,
            vec!["storage.bulk.flush_interval=\"1ns\""],
            "storage.bulk.flush_interval",
        ),
        (
            &es,
            vec!["storage.bulk.reconnect_interval=\"1ns\""],
            "storage.bulk.reconnect_interval",
        ),
        (
            &dd,
            vec!["tracer.flush_interval=\"1ns\""],
            "tracer.flush_interval",
        ),
        (
            &sdk,
            vec!["tracer.scheduled_delay=\"1ns\""],
            "tracer.scheduled_delay",
        ),
        (
            &sdk,
            vec![
                "tracer.retry.initial_interval=\"1ns\"",
                "tracer.retry.max_interval=\"1ns\"",
                "tracer.retry.max_retries=1000000000",
            ],
            "tracer.retry.initial_interval",
        ),
    ];
    for (base, sets, field) in cases {
        let o: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let text = tracesim::scenario::apply_overrides("s.toml", base, &o).unwrap();
        // A valid configuration...
        tracesim::scenario::parse_config("s.toml", &text).unwrap_or_else(|e| panic!("{e}"));
        // ... whose run is refused.
        let e = tracesim::scenario::parse("s.toml", &text).unwrap_err();
        assert_eq!(e.field, field, "{sets:?}: {e}");
        assert!(e.message.contains("budget of 1e9"), "{e}");
    }
}

/// The other way round: no bundled scenario comes near the budget (so it refuses only
/// periods nobody means).
#[test]
fn bundled_scenarios_are_far_below_the_event_budget() {
    let dir = format!("{}/models", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let sc = tracesim::scenario::parse("m", &text).unwrap();
        let total: f64 = tracesim::scenario::events::sources(&sc)
            .iter()
            .map(|s| s.events)
            .sum();
        assert!(
            total < tracesim::scenario::events::MAX_PERIODIC_EVENTS / 1000.0,
            "{}: {total:.1e}",
            p.display()
        );
        seen += 1;
    }
    assert!(seen >= 10);
}

// ---- Scenario warnings (issue 25): what the run will not show is said, not swallowed. ----

/// TINY with a storage outage from `start` for `duration`.
fn tiny_with_outage(start: &str, duration: &str) -> String {
    tiny_with(
        "latency = \"50ms\"",
        &format!(
            "latency = \"50ms\"\noutages = [{{ start = \"{start}\", duration = \"{duration}\", mode = \"refuse\" }}]"
        ),
    )
}

fn warning_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect()
}

/// Regression: an outage that starts after the run ends was accepted silently (the run then
/// shows a healthy backend). It is a warning naming the file, line and field, printed once.
#[test]
fn outage_after_the_run_ends_is_a_warning_with_its_line() {
    let t = tiny_with_outage("20s", "5s");
    let line = line_of(&t, "outages = ");
    let (out, _dir) = run_with(Some(&t), &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let w = warning_lines(&err);
    assert_eq!(w.len(), 1, "{err}");
    assert!(
        w[0].starts_with(&format!("warning: s.toml:{line}:")),
        "{err}"
    );
    assert!(w[0].contains("field `storage.outages[0].start`"), "{err}");
    assert!(w[0].contains("never happens"), "{err}");
    // Inside the run: nothing to say.
    let (out, _dir) = run_with(Some(&tiny_with_outage("2s", "5s")), &[]);
    assert!(warning_lines(&String::from_utf8_lossy(&out.stderr)).is_empty());
}

/// Sweeps and comparisons print their scenario's warnings too, once (not once per point).
#[test]
fn sweep_and_compare_print_a_scenario_warning_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), tiny_with_outage("12s", "5s")).unwrap();
    for args in [
        &[
            "sweep",
            "s.toml",
            "--vary",
            "collector.queue_size=50,100",
            "--out",
            "sw",
        ][..],
        &[
            "compare",
            "s.toml",
            "--variant",
            "a",
            "--variant",
            "b: collector.queue_size=50",
            "--out",
            "cmp",
        ][..],
    ] {
        let mut full = args.to_vec();
        full.extend(["--replications", "1", "--quiet"]);
        let out = Command::new(env!("CARGO_BIN_EXE_tracesim"))
            .current_dir(dir.path())
            .args(&full)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        let w = warning_lines(&err);
        assert_eq!(w.len(), 1, "{args:?}: {err}");
        assert!(w[0].contains("storage.outages[0].start"), "{err}");
        assert!(w[0].contains("never happens"), "{err}");
    }
}

/// What `scenario::load` warns about, with the `--set` that caused it named.
#[test]
fn scenario_warnings_name_what_the_run_will_not_show() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.toml");
    let text = tiny_with_outage("9s", "10s")
        .replace(
            "rate = \"10/s\"",
            "rate = \"10/s\"\nrate_schedule = [{ at = \"4s\", rate = \"20/s\" }, { at = \"30s\", rate = \"5/s\" }]",
        )
        .replace("queue_size = 100", "queue_size = 100\nqueue_size_memory = \"1MiB\"");
    std::fs::write(&p, &text).unwrap();
    let l = tracesim::scenario::load(&p, &["scenario.duration=8s".to_string()]).unwrap();
    let fields: Vec<&str> = l.warnings.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "storage.outages[0].start",
            "workload.rate_schedule[1].at",
            "collector.resize_interval"
        ],
        "{:?}",
        l.warnings
    );
    for w in &l.warnings {
        assert!(
            w.message.ends_with("(set by --set scenario.duration=8s)"),
            "{w}"
        );
    }
    // Located where they are written; the resize interval is a default (no line).
    assert_eq!(
        l.warnings[0].line.map(|x| x.0),
        Some(line_of(&text, "outages = "))
    );
    assert_eq!(
        l.warnings[1].line.map(|x| x.0),
        Some(line_of(&text, "rate_schedule"))
    );
    assert_eq!(l.warnings[2].line, None);
    assert!(l.warnings[2].message.contains("no queue resize checks"));
}

/// Regression: `--set` of a field with comment lines above it dropped those lines from the
/// text, so errors and warnings named a line a few lines off the one in the file.
#[test]
fn set_keeps_the_lines_that_messages_name() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/jaeger-collector-es-outage.toml");
    let text = std::fs::read_to_string(&p).unwrap();
    let line = line_of(&text, "start = \"5m\"");
    let sets = [
        "scenario.duration=7m".to_string(),
        "storage.outages.0.start=8m".to_string(),
    ];
    let l = tracesim::scenario::load(&p, &sets).unwrap();
    assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
    let w = &l.warnings[0];
    assert_eq!(w.line.map(|x| x.0), Some(line), "{w}");
    assert!(
        w.message
            .ends_with("(set by --set scenario.duration=7m and --set storage.outages.0.start=8m)"),
        "{w}"
    );
    // The same for an error.
    let e = tracesim::scenario::load(&p, &["storage.outages.0.start=-1s".to_string()]).unwrap_err();
    assert_eq!(e.line.map(|x| x.0), Some(line), "{e}");
    // Every other line is as written too.
    assert_eq!(l.text.lines().count(), text.lines().count(), "{}", l.text);
    // A comment after a replaced value was about the old value: it says so.
    let l =
        tracesim::scenario::load(&p, &["collector.queue_size_memory=15MiB".to_string()]).unwrap();
    assert!(
        l.text
            .contains("queue_size_memory = \"15MiB\" # --set (was \"80MiB\")"),
        "{}",
        l.text
    );
}

// ---- Sweep plots (issue 25): categorical axes drawn, a second axis one line per value. ----

/// Runs `tracesim sweep s.toml ARGS --plot` on TINY (with an outage inside the run) and
/// returns the folder's peak_rss.svg.
fn sweep_plot(dir: &std::path::Path, out: &str, args: &[&str]) -> String {
    std::fs::write(dir.join("s.toml"), tiny_with_outage("2s", "3s")).unwrap();
    let mut full = vec!["sweep", "s.toml", "--plot", "--quiet", "--out", out];
    full.extend_from_slice(args);
    let o = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(dir)
        .args(&full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    let svg = std::fs::read_to_string(dir.join(out).join("peak_rss.svg")).unwrap();
    assert!(svg.len() > 1000, "{args:?}: {svg}");
    assert!(dir.join(out).join("peak_rss.png").exists());
    svg
}

/// The texts an SVG shows (labels, legend entries), trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

/// The SVG polylines with exactly `n` points (the sweep's lines: the grid, ticks and legend
/// marks are 2-point polylines).
fn polylines_with(svg: &str, n: usize) -> usize {
    svg.split("<polyline")
        .skip(1)
        .filter(|p| {
            let pts = p.split("points=\"").nth(1).unwrap_or("");
            let pts = &pts[..pts.find('"').unwrap_or(0)];
            pts.split_whitespace().count() == n
        })
        .count()
}

/// Regression: `sweep --vary storage.outages.0.mode=refuse,hang --plot` wrote the CSVs and
/// then exited 1 ("values are not numbers"). A categorical axis is drawn: its categories on
/// the x axis, each point with its interval.
#[test]
fn plot_of_a_categorical_sweep_names_its_categories() {
    let dir = tempfile::tempdir().unwrap();
    let svg = sweep_plot(
        dir.path(),
        "sw",
        &[
            "--vary",
            "storage.outages.0.mode=refuse,hang",
            "--replications",
            "2",
        ],
    );
    let texts = svg_texts(&svg);
    for label in ["refuse", "hang", "storage.outages.0.mode", "peak RSS [MiB]"] {
        assert!(
            texts.iter().any(|t| t == label),
            "no `{label}` in {texts:?}"
        );
    }
    // A point per category.
    assert!(svg.matches("<circle").count() >= 2);
}

/// Regression: a two-axis sweep's plot joined every point into one zig-zag line. Now the
/// second axis gives one line per value, with a legend entry each.
#[test]
fn plot_of_a_two_axis_sweep_draws_one_line_per_value_of_the_second_axis() {
    let dir = tempfile::tempdir().unwrap();
    let svg = sweep_plot(
        dir.path(),
        "sw",
        &[
            "--vary",
            "collector.queue_size=10,50,100",
            "--vary",
            "workload.rate=10/s,20/s",
            "--replications",
            "2",
        ],
    );
    // Two lines of three points each, not one line of six.
    assert_eq!(polylines_with(&svg, 3), 2, "{svg}");
    assert_eq!(polylines_with(&svg, 6), 0);
    let texts = svg_texts(&svg);
    for label in ["workload.rate=10/s", "workload.rate=20/s"] {
        assert!(
            texts.iter().any(|t| t == label),
            "no `{label}` in {texts:?}"
        );
    }
}

/// A sweep of one point has no scale to draw: it is one category with its interval (it was
/// drawn on the axis's edge, under ten ticks all labelled with its value).
#[test]
fn plot_of_a_single_point_sweep_draws_the_point() {
    let dir = tempfile::tempdir().unwrap();
    let svg = sweep_plot(
        dir.path(),
        "sw",
        &["--vary", "collector.queue_size=50", "--replications", "2"],
    );
    let texts = svg_texts(&svg);
    assert_eq!(texts.iter().filter(|t| *t == "50").count(), 1, "{texts:?}");
    assert!(svg.matches("<circle").count() >= 1);
}
