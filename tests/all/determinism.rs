//! Same scenario and seed give byte-identical outputs, whatever the thread count.

use crate::common::*;
use rayon::prelude::*;
use std::path::Path;
use std::process::Command;
use tracesim::output;
use tracesim::pipeline::Simulation;

fn run_cli_in(dir: &Path, scenario_text: &str) -> Vec<(String, Vec<u8>)> {
    std::fs::write(dir.join("s.toml"), scenario_text).unwrap();
    let st = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(dir)
        .args(["run", "s.toml", "--out", "out", "--quiet", "--seed", "5"])
        .status()
        .unwrap();
    assert!(st.success());
    // The folder's marker (`.tracesim`: what tracesim wrote there, with modification times)
    // is bookkeeping, not output.
    assert!(dir.join("out").join(tracesim::outdir::MARKER).is_file());
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .filter(|e| {
            !e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn same_seed_same_bytes_from_the_cli() {
    let text = model("jaeger-collector-es-outage.toml");
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let fa = run_cli_in(a.path(), &text);
    let fb = run_cli_in(b.path(), &text);
    let names: Vec<&str> = fa.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "events.csv",
            "manifest.json",
            "summary.csv",
            "timeseries.csv"
        ]
    );
    assert_eq!(fa, fb);
}

#[test]
fn thread_count_does_not_change_results() {
    let sc = scenario(
        &model("jaeger-collector-es-outage.toml"),
        &["scenario.duration=\"7m\""],
    );
    let seeds: Vec<u64> = (0..6).collect();
    let go = |threads: usize| -> (Vec<u8>, Vec<u8>) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let results = pool.install(|| {
            seeds
                .par_iter()
                .map(|&s| Simulation::new(&sc, Some(s)).run())
                .collect::<Vec<_>>()
        });
        let refs: Vec<_> = results.iter().collect();
        (
            output::summary_csv(&refs).unwrap(),
            output::timeseries_csv(&results[3]).unwrap(),
        )
    };
    let one = go(1);
    let many = go(4);
    assert_eq!(one, many);
    // And the seed matters.
    let other = Simulation::new(&sc, Some(99)).run();
    let first = Simulation::new(&sc, Some(0)).run();
    assert_ne!(
        output::timeseries_csv(&other).unwrap(),
        output::timeseries_csv(&first).unwrap()
    );
}
