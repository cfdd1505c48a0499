//! Sizes are shown in the unit family the user wrote, the same way in the terminal and the
//! plots (issue 25: a 250 MiB limit printed as "262.1 MB" while plots used MiB).

use crate::common::TINY;
use std::process::Command;

fn run_with_limit(limit: &str) -> (String, String) {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("s.toml"), TINY).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_tracesim"))
        .current_dir(t.path())
        .args(["run", "s.toml", "--plot", "--out", "o", "--set"])
        .arg(format!("collector.memory.limit={limit}"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let svg = std::fs::read_to_string(t.path().join("o/memory.svg")).unwrap();
    (String::from_utf8_lossy(&o.stdout).to_string(), svg)
}

#[test]
fn a_limit_in_mib_is_shown_in_mib_and_one_in_mb_in_mb() {
    let (out, svg) = run_with_limit("250MiB");
    assert!(out.contains("(limit 250.0 MiB)"), "{out}");
    assert!(svg.contains("RSS [MiB]"));
    let (out, svg) = run_with_limit("200MB");
    assert!(out.contains("(limit 200.0 MB)"), "{out}");
    assert!(svg.contains("RSS [MB]") && !svg.contains("MiB"));
}
