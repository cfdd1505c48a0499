//! Every command the docs show runs as written from a clone (issue 25, "the newcomer's path"):
//! the commands of README.md's code blocks and of every `--help`'s examples are extracted and
//! run, in order, in a folder that holds only the clone's bundled files. Where a command would
//! take long it is shrunk with the same syntax (fewer replications, `bench --quick`); where
//! it runs the user's own program (`measure -- ./my-service`) that program is a short sleep.

use clap::CommandFactory;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Lines of README.md's indented code blocks that run tracesim, continuation lines joined.
fn readme_commands() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = vec![];
    let mut in_fence = false;
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if l.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence && l.starts_with("    ") {
            let mut t = l.trim().to_string();
            while t.ends_with('\\') && i + 1 < lines.len() {
                i += 1;
                t = format!(
                    "{} {}",
                    t.trim_end_matches('\\').trim_end(),
                    lines[i].trim()
                );
            }
            if t.starts_with("tracesim ") || t.starts_with("cargo run") {
                out.push(t);
            }
        }
        i += 1;
    }
    out
}

/// The example lines of every command's `--help` (top level, subcommands, their subcommands).
fn help_commands() -> Vec<String> {
    fn walk(cmd: &mut clap::Command, out: &mut Vec<String>) {
        let help = cmd.render_long_help().to_string();
        let mut in_examples = false;
        for l in help.lines() {
            if l.trim_end().ends_with("Examples:") {
                in_examples = true;
                continue;
            }
            let t = l.trim();
            if in_examples
                && (t.starts_with("tracesim ") || t.contains("=") && t.contains(" tracesim "))
            {
                out.push(t.to_string());
            } else if in_examples && t.is_empty() {
                in_examples = false;
            }
        }
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        for n in names {
            if n == "help" {
                continue;
            }
            walk(cmd.find_subcommand_mut(&n).unwrap(), out);
        }
    }
    let mut cmd = tracesim::cli::Cli::command();
    cmd.build();
    let mut out = vec![];
    walk(&mut cmd, &mut out);
    out
}

/// One invocation: its environment and its arguments after `tracesim`.
#[derive(Debug, Clone, PartialEq)]
struct Invocation {
    env: Vec<(String, String)>,
    args: Vec<String>,
}

/// The invocations a documented line makes, shrunk where it would be long.
fn invocations(line: &str) -> Vec<Invocation> {
    // A trailing `# comment` (outside quotes) is prose.
    let words = shlex::split(line).unwrap_or_else(|| panic!("unbalanced quotes in `{line}`"));
    let words: Vec<String> = words
        .into_iter()
        .take_while(|w| !w.starts_with('#'))
        .collect();
    let mut out = vec![];
    for part in words.split(|w| w == "&&") {
        let mut env = vec![];
        let mut rest: &[String] = part;
        while let Some((k, v)) = rest.first().and_then(|w| w.split_once('=')) {
            if !k.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                break;
            }
            env.push((k.to_string(), v.to_string()));
            rest = &rest[1..];
        }
        let args: Vec<String> = match rest {
            [t, a @ ..] if t == "tracesim" => a.to_vec(),
            [c, r, rel, dd, a @ ..]
                if c == "cargo" && r == "run" && rel == "--release" && dd == "--" =>
            {
                a.to_vec()
            }
            _ => panic!("`{line}`: not a tracesim command"),
        };
        out.extend(shrink(Invocation { env, args }));
    }
    out
}

fn shrink(mut inv: Invocation) -> Vec<Invocation> {
    let a = &mut inv.args;
    let cmd = a[0].clone();
    let many = ["sweep", "compare", "recommend", "validate"].contains(&cmd.as_str());
    // recommend searches ~40 queue sizes: one replication each keeps it to seconds.
    let reps = if cmd == "recommend" { "1" } else { "2" };
    match a.iter().position(|w| w == "--replications") {
        Some(i) => a[i + 1] = reps.into(),
        None if many => a.extend(["--replications".into(), reps.into()]),
        None => {}
    }
    if cmd == "bench" {
        if !a.iter().any(|w| w == "--quick") {
            a.push("--quick".into());
        }
        if let Some(i) = a.iter().position(|w| w == "--repeat") {
            a[i + 1] = "1".into();
        }
    }
    if cmd == "measure" {
        // The user's own program: a stand-in that runs for a moment.
        let i = a.iter().position(|w| w == "--").unwrap();
        a.truncate(i + 1);
        a.extend(["sleep".into(), "0.3".into()]);
    }
    // A shard of an Indexed Job: every index runs, so that a `merge` after it finds them all.
    if let Some(count) = a
        .iter()
        .position(|w| w == "--shard-count")
        .map(|i| a[i + 1].clone())
        && inv.env.iter().any(|(k, _)| k == "JOB_COMPLETION_INDEX")
    {
        let n: u64 = count.parse().unwrap();
        return (0..n)
            .map(|i| Invocation {
                env: vec![("JOB_COMPLETION_INDEX".into(), i.to_string())],
                args: inv.args.clone(),
            })
            .collect();
    }
    vec![inv]
}

fn run(ws: &Path, inv: &Invocation, line: &str) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tracesim"));
    c.current_dir(ws)
        .args(&inv.args)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in &inv.env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(180) {
            child.kill().ok();
            panic!("`{line}` ({:?}) did not end within 180 s", inv.args);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    use std::io::Read;
    child.stderr.take().unwrap().read_to_string(&mut err).ok();
    assert!(
        status.success(),
        "the documented command `{line}` (run as {:?}) failed with {status}:\n{err}",
        inv.args
    );
}

#[test]
fn every_documented_command_runs_from_a_clone() {
    let ws = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for d in ["models", "examples", "validation", "bench"] {
        std::os::unix::fs::symlink(root.join(d), ws.path().join(d)).unwrap();
    }
    let readme = readme_commands();
    let help = help_commands();
    assert!(readme.len() >= 12, "README commands found: {readme:#?}");
    assert!(help.len() >= 25, "--help examples found: {help:#?}");
    let mut seen: Vec<Invocation> = vec![];
    for line in readme.iter().chain(&help) {
        if line == "cargo test" {
            continue;
        }
        for inv in invocations(line) {
            if seen.contains(&inv) {
                continue;
            }
            run(ws.path(), &inv, line);
            seen.push(inv);
        }
    }
}

#[test]
fn the_extraction_sees_what_a_reader_sees() {
    let inv = invocations(
        "JOB_COMPLETION_INDEX=3 tracesim sweep s.toml --vary a=1,2 --shard-count 2 --out o && tracesim merge o",
    );
    assert_eq!(inv.len(), 3, "{inv:?}");
    assert_eq!(
        inv[1].env,
        [("JOB_COMPLETION_INDEX".to_string(), "1".to_string())]
    );
    assert_eq!(inv[2].args, ["merge", "o"]);
    let inv = invocations("tracesim bench --quick          # every benchmark shrunk");
    assert_eq!(inv[0].args, ["bench", "--quick"]);
    let inv = invocations("tracesim bench --only a,b --repeat 3");
    assert_eq!(
        inv[0].args,
        ["bench", "--only", "a,b", "--repeat", "1", "--quick"]
    );
    let inv = invocations("tracesim compare s.toml --variant 'hang: a=b; c=d' --replications 10");
    assert_eq!(inv[0].args[3], "hang: a=b; c=d");
    assert_eq!(inv[0].args[5], "2");
}
