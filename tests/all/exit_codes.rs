//! The exit-code rule README promises, held across commands: 2 for bad arguments or bad input
//! (the message names the file or flag, nothing is written, no panic), 1 for a failure while
//! running or a check that does not hold, 0 for success (issue 25, "Exit codes").

use std::path::Path;
use std::process::Command;

fn tracesim(cwd: &Path, args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

#[test]
fn bad_input_exits_2_names_what_is_wrong_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for d in ["models", "validation", "examples"] {
        std::os::unix::fs::symlink(root.join(d), ws.join(d)).unwrap();
    }
    std::fs::write(ws.join("bad.toml"), "not toml [").unwrap();
    std::fs::write(
        ws.join("neg.toml"),
        "[scenario]\nname = \"x\"\nduration = \"10s\"\n[workload]\nrate = \"-5/s\"\n",
    )
    .unwrap();
    std::fs::write(ws.join("file.txt"), "a file").unwrap();
    let h = "models/jaeger-collector-healthy.toml";
    let v = "models/validation/otel-rs-bsp.toml";
    // (arguments, a word the message must contain)
    let cases: &[(&[&str], &str)] = &[
        (&["run", "nonexist.toml", "--out", "o"], "nonexist.toml"),
        (&["run", "bad.toml", "--out", "o"], "bad.toml:1"),
        (&["run", "neg.toml", "--out", "o"], "workload.rate"),
        (
            &[
                "run",
                h,
                "--set",
                "collector.memory.limit=5parsecs",
                "--out",
                "o",
            ],
            "parsecs",
        ),
        (
            &["run", h, "--set", "nosuch.field=1", "--out", "o"],
            "nosuch",
        ),
        (&["run", h, "--out", "."], "current directory"),
        (&["run", h, "--out", "models"], "input"),
        (&["run", h, "--out", "file.txt"], "file.txt"),
        (&["run", h, "--out", "/dev/null"], "/dev/null"),
        (&["run", h, "--no-such-flag"], "--no-such-flag"),
        (
            &[
                "sweep",
                h,
                "--vary",
                "collector.queue_size=a..b/1",
                "--out",
                "o",
            ],
            "queue_size",
        ),
        (
            &[
                "sweep",
                h,
                "--vary",
                "collector.queue_size=1,2",
                "--replications",
                "0",
                "--out",
                "o",
            ],
            "--replications",
        ),
        (&["compare", h, "--variant", "a", "--out", "o"], "--variant"),
        (
            &["recommend", h, "--memory-limit", "5parsecs", "--out", "o"],
            "parsecs",
        ),
        (
            &[
                "recommend",
                h,
                "--memory-limit",
                "200MB",
                "--headroom",
                "150%",
                "--out",
                "o",
            ],
            "headroom",
        ),
        (
            &["validate", v, "--measured", "nonexist.csv", "--out", "o"],
            "nonexist.csv",
        ),
        (
            &["validate", v, "--measured", "bad.toml", "--out", "o"],
            "bad.toml",
        ),
        (
            &[
                "calibrate",
                v,
                "--measured",
                "nonexist.csv",
                "--fit",
                "tracer.memory.span_fixed",
                "--out",
                "o",
            ],
            "nonexist.csv",
        ),
        (&["plot", "/nonexistent-folder"], "nonexistent-folder"),
        (&["plot", "models"], "models"),
        (&["merge", "examples"], "examples"),
        (
            &["import", "otelcol", "nonexist.yaml", "--out", "o.toml"],
            "nonexist.yaml",
        ),
        (
            &["import", "otelcol", "bad.toml", "--out", "o.toml"],
            "bad.toml",
        ),
        (
            &[
                "import",
                "jaeger",
                "--collector.queue-sise=5",
                "--out",
                "o.toml",
            ],
            "queue-size",
        ),
        (
            &[
                "import",
                "otelcol",
                "examples/otel-collector.yaml",
                "--out",
                "file.txt",
            ],
            "file.txt",
        ),
        (
            &["measure", "--out", "o.csv", "--", "/nonexistent/prog"],
            "/nonexistent/prog",
        ),
        (&["measure", "--out", "file.txt", "--", "true"], "file.txt"),
        (&["bench", "--only", "nosuch", "--out", "o.csv"], "nosuch"),
        (
            &[
                "plan",
                h,
                "--vary",
                "collector.queue_size=1,2",
                "--shard-count",
                "0",
            ],
            "--shard-count",
        ),
    ];
    for (args, word) in cases {
        let (code, err) = tracesim(ws, args);
        assert_eq!(code, Some(2), "{args:?} exits 2:\n{err}");
        assert!(
            err.contains(word),
            "{args:?}: the message names `{word}`:\n{err}"
        );
        assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
        for out in ["o", "o.toml", "o.csv", "output"] {
            assert!(!ws.join(out).exists(), "{args:?} wrote {out}");
        }
        assert_eq!(
            std::fs::read_to_string(ws.join("file.txt")).unwrap(),
            "a file"
        );
    }
}

#[test]
fn a_check_that_does_not_hold_exits_1() {
    let t = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, err) = tracesim(
        t.path(),
        &[
            "validate",
            &root
                .join("models/validation/otel-rs-bsp.toml")
                .display()
                .to_string(),
            "--measured",
            &root
                .join("validation/recordings/hang_recover_r2000_q20k.csv")
                .display()
                .to_string(),
            "--replications",
            "1",
            "--tolerance",
            "1%",
            "--out",
            "o",
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        t.path().join("o/validation.csv").is_file(),
        "the comparison is written"
    );
}
