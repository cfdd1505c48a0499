//! Users' files are sacred: tracesim writes only into a folder that does not exist or that it
//! wrote before (its `.tracesim` marker), replaces only its own files, and refuses anything
//! else with exit 2 and the path (issue 25). Each test pins one case the issue reproduced.

use crate::common::TINY;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tracesim(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A working folder with a scenario in `models/s.toml` and a user's file beside it.
fn workspace() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir(t.path().join("models")).unwrap();
    fs::write(t.path().join("models/s.toml"), TINY).unwrap();
    fs::write(t.path().join("models/other.toml"), TINY).unwrap();
    fs::write(t.path().join("notes.txt"), "my notes").unwrap();
    t
}

fn run_into(cwd: &Path, out: &str, extra: &[&str]) -> Output {
    let mut args = vec!["run", "models/s.toml", "--quiet", "--out", out];
    args.extend_from_slice(extra);
    tracesim(cwd, &args)
}

/// Every file under `root`, with its content (symbolic links as their target).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut m = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                m.insert(
                    p.clone(),
                    fs::read_link(&p)
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                );
            } else if meta.is_dir() {
                stack.push(p);
            } else {
                m.insert(p.clone(), fs::read(&p).unwrap());
            }
        }
    }
    m
}

#[test]
fn out_models_is_refused_and_deletes_nothing() {
    let t = workspace();
    let before = snapshot(t.path());
    let o = run_into(t.path(), "models", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("models"), "{}", stderr(&o));
    assert!(stderr(&o).contains("input"), "{}", stderr(&o));
    // Not even --force writes into the folder of an input.
    let o = run_into(t.path(), "models", &["--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(snapshot(t.path()), before);
}

#[test]
fn the_current_directory_and_folders_above_it_are_refused() {
    let t = workspace();
    let before = snapshot(t.path());
    let here = t.path().display().to_string();
    for out in [".", here.as_str(), "..", "/"] {
        let o = run_into(t.path(), out, &["--force"]);
        assert_eq!(o.status.code(), Some(2), "--out {out}: {}", stderr(&o));
        assert!(stderr(&o).contains("current directory"), "{}", stderr(&o));
    }
    assert_eq!(snapshot(t.path()), before);
}

#[test]
fn a_folder_with_the_users_files_is_refused_and_force_keeps_them() {
    let t = workspace();
    fs::create_dir(t.path().join("mine")).unwrap();
    fs::write(t.path().join("mine/notes.txt"), "keep me").unwrap();
    let o = run_into(t.path(), "mine", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("notes.txt") && stderr(&o).contains("--force"),
        "{}",
        stderr(&o)
    );
    let o = run_into(t.path(), "mine", &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(t.path().join("mine/summary.csv").is_file());
    // And again: tracesim's own files are replaced, the user's stays.
    let o = run_into(t.path(), "mine", &["--seed", "7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(t.path().join("mine/notes.txt")).unwrap(),
        "keep me"
    );
    // A user's file under a name tracesim writes is never replaced, even with --force.
    fs::create_dir(t.path().join("clash")).unwrap();
    fs::write(t.path().join("clash/summary.csv"), "my summary").unwrap();
    let o = run_into(t.path(), "clash", &["--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("summary.csv"), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(t.path().join("clash/summary.csv")).unwrap(),
        "my summary"
    );
}

#[test]
fn a_file_or_a_device_is_not_turned_into_a_folder() {
    let t = workspace();
    fs::write(t.path().join("out.txt"), "a file").unwrap();
    let o = run_into(t.path(), "out.txt", &["--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("out.txt") && stderr(&o).contains("is a file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        fs::read_to_string(t.path().join("out.txt")).unwrap(),
        "a file"
    );
    let hidden: Vec<_> = fs::read_dir(t.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .collect();
    assert!(hidden.is_empty(), "no hidden leftovers: {hidden:?}");
    for dev in ["/dev/null", "/dev/full"] {
        if !Path::new(dev).exists() {
            continue;
        }
        let o = run_into(t.path(), dev, &["--force"]);
        assert_eq!(o.status.code(), Some(2), "{dev}: {}", stderr(&o));
        assert!(stderr(&o).contains("not a folder"), "{}", stderr(&o));
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::metadata(dev).unwrap().file_type().is_char_device());
    }
}

#[test]
fn a_sweep_over_another_leaves_none_of_its_files() {
    let t = workspace();
    let sweep = |extra: &[&str]| {
        let mut a = vec![
            "sweep",
            "models/s.toml",
            "--vary",
            "workload.rate=5/s,10/s",
            "--replications",
            "2",
            "--quiet",
            "--out",
            "sw",
        ];
        a.extend_from_slice(extra);
        tracesim(t.path(), &a)
    };
    let o = sweep(&["--plot"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(t.path().join("sw/peak_rss.png").is_file());
    fs::write(t.path().join("sw/my-analysis.ipynb"), "{}").unwrap();
    let o = sweep(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(t.path().join("sw/points.csv").is_file());
    assert!(
        !t.path().join("sw/peak_rss.png").exists(),
        "the first sweep's plot is stale"
    );
    assert!(!t.path().join("sw/peak_rss.svg").exists());
    assert!(
        t.path().join("sw/my-analysis.ipynb").is_file(),
        "the user's file stays"
    );
}

#[test]
fn a_failed_run_leaves_no_folder() {
    let t = workspace();
    fs::write(
        t.path().join("models/bad.toml"),
        "[scenario]\nduration = \"-5s\"\n",
    )
    .unwrap();
    let o = tracesim(
        t.path(),
        &["run", "models/bad.toml", "--out", "new/deep/out"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!t.path().join("new").exists());
}

#[test]
fn two_runs_racing_for_one_folder_one_wins_whole() {
    let t = workspace();
    for round in 0..6 {
        let out = format!("race{round}");
        let spawn = || {
            Command::new(env!("CARGO_BIN_EXE_tracesim"))
                .current_dir(t.path())
                .args(["run", "models/s.toml", "--quiet", "--out", &out])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        for o in [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()] {
            if !o.status.success() {
                assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
                assert!(
                    stderr(&o).contains(&out),
                    "the loser names the path: {}",
                    stderr(&o)
                );
            }
        }
        let mut names: Vec<String> = fs::read_dir(t.path().join(&out))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                ".tracesim",
                "events.csv",
                "manifest.json",
                "summary.csv",
                "timeseries.csv"
            ]
        );
    }
}

#[test]
fn plot_writes_only_into_tracesims_folders_and_redraws_its_own() {
    let t = workspace();
    assert!(run_into(t.path(), "r", &[]).status.success());
    let o = tracesim(t.path(), &["plot", "r", "--format", "svg,png"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(t.path().join("r/memory.png").is_file());
    let o = tracesim(t.path(), &["plot", "r", "--format", "svg"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !t.path().join("r/memory.png").exists(),
        "the older plot's PNG is stale"
    );
    assert!(t.path().join("r/memory.svg").is_file());
    let o = tracesim(t.path(), &["plot", "r", "--out", "r", "--format", "png"]);
    assert!(
        o.status.success(),
        "--out naming the folder is a plot in place: {}",
        stderr(&o)
    );
    assert!(t.path().join("r/memory.png").is_file());
    // A folder of the user's own, with a run's CSVs copied in: not tracesim's to write.
    fs::create_dir(t.path().join("copied")).unwrap();
    for f in [
        "timeseries.csv",
        "events.csv",
        "manifest.json",
        "summary.csv",
    ] {
        fs::copy(t.path().join("r").join(f), t.path().join("copied").join(f)).unwrap();
    }
    let o = tracesim(t.path(), &["plot", "copied"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = tracesim(t.path(), &["plot", "copied", "--out", "imgs"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(t.path().join("imgs/memory.svg").is_file());
}

#[test]
fn default_folders_name_the_command_and_the_overrides() {
    let t = workspace();
    let o = tracesim(
        t.path(),
        &[
            "run",
            "models/s.toml",
            "--quiet",
            "--set",
            "workload.rate=20/s",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        t.path()
            .join("output/s+workload.rate=20_s/summary.csv")
            .is_file()
    );
    let o = tracesim(t.path(), &["run", "models/s.toml", "--quiet"]);
    assert!(o.status.success());
    assert!(t.path().join("output/s/summary.csv").is_file());
}

#[test]
fn validate_and_calibrate_name_their_folders_with_a_separator() {
    let t = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for d in ["models", "validation"] {
        std::os::unix::fs::symlink(root.join(d), t.path().join(d)).unwrap();
    }
    let m = "validation/shared-measurements/rs_hang_r2000_p1k_q200k.csv";
    let v = "models/validation/otel-rs-bsp.toml";
    let o = tracesim(
        t.path(),
        &["validate", v, "--measured", m, "--replications", "1"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        t.path()
            .join("output/otel-rs-bsp-validate/validation.csv")
            .is_file()
    );
    let o = tracesim(
        t.path(),
        &[
            "calibrate",
            v,
            "--measured",
            m,
            "--fit",
            "tracer.memory.queue_slot",
            "--iterations",
            "3",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        t.path()
            .join("output/otel-rs-bsp-calibrate/calibrated.toml")
            .is_file()
    );
}

#[test]
fn single_file_outputs_never_replace_a_users_file() {
    let t = workspace();
    // import: a new file, then again over its own unchanged file, never over an edited one.
    let import = || {
        tracesim(
            t.path(),
            &[
                "import",
                "jaeger",
                "--out",
                "j.toml",
                "--",
                "--collector.queue-size=5",
            ],
        )
    };
    assert!(import().status.success());
    assert!(import().status.success(), "its own file, unchanged");
    let edited = fs::read_to_string(t.path().join("j.toml")).unwrap() + "# my change\n";
    fs::write(t.path().join("j.toml"), &edited).unwrap();
    let o = import();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("j.toml"));
    assert_eq!(fs::read_to_string(t.path().join("j.toml")).unwrap(), edited);
    // measure: refused before the program starts.
    let o = tracesim(
        t.path(),
        &["measure", "--out", "notes.txt", "--", "touch", "started"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!t.path().join("started").exists(), "the program never ran");
    assert_eq!(
        fs::read_to_string(t.path().join("notes.txt")).unwrap(),
        "my notes"
    );
}

/// Where a property-test run points `--out`, relative to a fresh workspace.
#[derive(Clone, Debug)]
enum Target {
    New,
    NewDeep,
    EmptyDir,
    UsersDir,
    TracesimDir,
    TracesimDirWithUserFile,
    TracesimDirEdited,
    File,
    LinkToUsersDir,
    LinkToTracesimDir,
    LinkToFile,
    DanglingLink,
    InputsFolder,
    AboveInputs,
    Cwd,
}

fn prepare(root: &Path, t: &Target) -> String {
    let ours = |d: &str| {
        let o = run_into(root, d, &["--seed", "3"]);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    match t {
        Target::New => "fresh".into(),
        Target::NewDeep => "a/b/c".into(),
        Target::EmptyDir => {
            fs::create_dir(root.join("empty")).unwrap();
            "empty".into()
        }
        Target::UsersDir => {
            fs::create_dir(root.join("mine")).unwrap();
            fs::write(root.join("mine/summary.csv"), "my own summary").unwrap();
            fs::write(root.join("mine/data.csv"), "1,2").unwrap();
            "mine".into()
        }
        Target::TracesimDir => {
            ours("prev");
            "prev".into()
        }
        Target::TracesimDirWithUserFile => {
            ours("prev");
            fs::write(root.join("prev/notes.md"), "notes").unwrap();
            "prev".into()
        }
        Target::TracesimDirEdited => {
            ours("prev");
            fs::write(root.join("prev/summary.csv"), "hand-edited").unwrap();
            "prev".into()
        }
        Target::File => "notes.txt".into(),
        Target::LinkToUsersDir => {
            fs::create_dir(root.join("mine")).unwrap();
            fs::write(root.join("mine/data.csv"), "1,2").unwrap();
            std::os::unix::fs::symlink(root.join("mine"), root.join("link")).unwrap();
            "link".into()
        }
        Target::LinkToTracesimDir => {
            ours("prev");
            std::os::unix::fs::symlink(root.join("prev"), root.join("link")).unwrap();
            "link".into()
        }
        Target::LinkToFile => {
            std::os::unix::fs::symlink(root.join("notes.txt"), root.join("link")).unwrap();
            "link".into()
        }
        Target::DanglingLink => {
            std::os::unix::fs::symlink(root.join("nowhere"), root.join("link")).unwrap();
            "link".into()
        }
        Target::InputsFolder => "models".into(),
        Target::AboveInputs => root.display().to_string(),
        Target::Cwd => ".".into(),
    }
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::New),
        Just(Target::NewDeep),
        Just(Target::EmptyDir),
        Just(Target::UsersDir),
        Just(Target::TracesimDir),
        Just(Target::TracesimDirWithUserFile),
        Just(Target::TracesimDirEdited),
        Just(Target::File),
        Just(Target::LinkToUsersDir),
        Just(Target::LinkToTracesimDir),
        Just(Target::LinkToFile),
        Just(Target::DanglingLink),
        Just(Target::InputsFolder),
        Just(Target::AboveInputs),
        Just(Target::Cwd),
    ]
}

/// The files tracesim may have written or replaced: those its marker in `dir` lists.
fn owned(dir: &Path) -> Vec<PathBuf> {
    let Ok(b) = fs::read(dir.join(".tracesim")) else {
        return vec![];
    };
    let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
    let mut out = vec![dir.join(".tracesim")];
    for k in v["files"].as_object().unwrap().keys() {
        out.push(dir.join(k));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever `--out` points at, and with or without --force: every file that was there
    /// and that tracesim did not write is still there, unchanged; nothing new appears outside
    /// the output folder; a refusal is exit 2 and names the path.
    #[test]
    fn no_command_touches_what_it_did_not_write(
        t in target(),
        cmd in 0..4usize,
        force in any::<bool>(),
        plot in any::<bool>(),
    ) {
        let ws = workspace();
        let root = ws.path();
        let out = prepare(root, &t);
        let resolved = fs::canonicalize(root.join(&out)).ok();
        let before = snapshot(root);
        let ours_before: Vec<PathBuf> = resolved.as_deref().map(owned).unwrap_or_default();
        let ours_before: Vec<PathBuf> =
            ours_before.iter().map(|q| fs::canonicalize(q).unwrap_or(q.clone())).collect();
        let mut args: Vec<&str> = match cmd {
            0 => vec!["run", "models/s.toml"],
            1 => vec!["sweep", "models/s.toml", "--vary", "workload.rate=5/s,10/s", "--replications", "2"],
            2 => vec!["compare", "models/s.toml", "--variant", "a", "--variant", "b: workload.rate=5/s", "--replications", "2"],
            _ => {
                // `plot` reads a run folder and draws into --out.
                let o = run_into(root, "models-run", &[]);
                prop_assert!(o.status.success());
                vec!["plot", "models-run"]
            }
        };
        let before = if cmd == 3 { snapshot(root) } else { before };
        args.extend(["--quiet", "--out", out.as_str()].iter().filter(|a| cmd != 3 || **a != "--quiet"));
        if force { args.push("--force"); }
        if plot && cmd != 3 { args.push("--plot"); }
        let o = tracesim(root, &args);
        let code = o.status.code();
        prop_assert!(code == Some(0) || code == Some(2), "exit {code:?}: {}", stderr(&o));
        if code == Some(2) {
            prop_assert!(stderr(&o).contains(out.as_str()), "{}", stderr(&o));
            prop_assert_eq!(&snapshot(root), &before, "a refusal changes nothing");
        }
        let after = snapshot(root);
        let out_dir = fs::canonicalize(root.join(&out)).ok();
        for (p, bytes) in &before {
            let real = p.parent().and_then(|d| fs::canonicalize(d).ok()).map_or(p.clone(), |d| d.join(p.file_name().unwrap()));
            if ours_before.contains(&real) {
                continue;
            }
            prop_assert_eq!(after.get(p), Some(bytes), "{} was changed or removed", p.display());
        }
        for p in after.keys().filter(|p| !before.contains_key(*p)) {
            let real = fs::canonicalize(p).unwrap();
            let inside = out_dir.as_ref().is_some_and(|d| real.starts_with(d));
            prop_assert!(inside, "{} was written outside the output folder", p.display());
        }
    }
}
