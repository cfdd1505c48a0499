//! `tracesim measure -- COMMAND ...`: runs a command and records the resident memory of its
//! process tree (the command and all its descendants, `VmRSS` from Linux `/proc`) at a fixed
//! interval, in the measured-CSV format `validate` and `calibrate` read (`t_s, rss_bytes`).
//! The file is written when the command ends, under a temporary name then renamed.

use crate::cli::{Failure, usage};
use crate::units::Duration;
use anyhow::Context;
use clap::Args;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  tracesim measure --out run.csv -- python3 my_service.py --rate 2000
  tracesim measure --interval 1s --out collector.csv -- ./otelcol --config config.yaml")]
pub struct MeasureArgs {
    /// Sampling interval
    #[arg(long, default_value = "100ms")]
    pub interval: String,
    /// CSV to write (t_s, rss_bytes)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The command and its arguments (after --)
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

/// Parent of every process, from /proc/<pid>/stat.
fn parents() -> HashMap<u32, u32> {
    let mut m = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return m;
    };
    for e in dir.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        if let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..])
            && let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok())
        {
            m.insert(pid, ppid);
        }
    }
    m
}

fn vm_rss(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// RSS of `root` and all its descendants [bytes].
pub fn tree_rss(root: u32) -> u64 {
    let parents = parents();
    let mut total = 0;
    for (&pid, _) in parents.iter() {
        let mut p = pid;
        let mut depth = 0;
        while p != root && p > 1 && depth < 64 {
            p = parents.get(&p).copied().unwrap_or(0);
            depth += 1;
        }
        if p == root {
            total += vm_rss(pid).unwrap_or(0);
        }
    }
    total
}

pub fn cmd_measure(a: MeasureArgs) -> Result<(), Failure> {
    let every = Duration::parse(&a.interval)
        .map_err(|e| usage(format!("--interval {}: {e}", a.interval)))?;
    if every.0 < 1_000_000 {
        return Err(usage("--interval must be at least 1ms"));
    }
    // Before the program starts: a refused --out costs no recording.
    crate::outdir::check_file(&a.out, &crate::outdir::never_ours)?;
    if !std::path::Path::new("/proc/self/status").exists() {
        return Err(usage("measure reads /proc: it needs Linux"));
    }
    let (prog, args) = a
        .command
        .split_first()
        .ok_or_else(|| usage("no command given"))?;
    let start = Instant::now();
    let mut child = std::process::Command::new(prog)
        .args(args)
        .spawn()
        .map_err(|e| usage(format!("cannot start `{prog}`: {e}")))?;
    let pid = child.id();
    let mut rows: Vec<(f64, u64)> = Vec::new();
    let step = std::time::Duration::from_nanos(every.0);
    let status = loop {
        let t = start.elapsed().as_secs_f64();
        let rss = tree_rss(pid);
        if let Some(st) = child.try_wait().context("waiting for the command")? {
            break st;
        }
        rows.push((t, rss));
        let next = step.mul_f64(rows.len() as f64);
        let now = start.elapsed();
        if next > now {
            std::thread::sleep(next - now);
        }
    };
    let mut text = String::from("t_s,rss_bytes\n");
    for (t, r) in &rows {
        text.push_str(&format!("{t:.3},{r}\n"));
    }
    crate::outdir::write_file(&a.out, text.as_bytes(), &crate::outdir::never_ours)?;
    eprintln!(
        "measured {} samples over {:.1} s into {}",
        rows.len(),
        start.elapsed().as_secs_f64(),
        a.out.display()
    );
    if !status.success() {
        return Err(Failure {
            code: 1,
            error: anyhow::anyhow!("the command exited with {status} (its recording was written)"),
        });
    }
    Ok(())
}
