//! Output folders, written atomically.
//!
//! A run writes into a sibling temporary folder and renames it into place at the end, so an
//! interrupted or failed run never leaves a half-written folder behind: either the previous
//! output is still there untouched, or the complete new one is.

use crate::metrics::{RunResult, SAMPLE_HEADER};
use anyhow::{Context, Result};
use serde::Serialize;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What goes into `manifest.json`: enough to rerun and to read the outputs without guessing.
#[derive(Serialize)]
pub struct Manifest<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    pub command: Vec<String>,
    pub scenario_path: String,
    pub scenario_name: &'a str,
    pub overrides: &'a [String],
    pub seed: u64,
    pub duration_s: f64,
    pub sample_interval_s: f64,
    pub files: Vec<&'static str>,
    pub units: Units,
    pub scenario_text: &'a str,
}

#[derive(Serialize)]
pub struct Units {
    pub time: &'static str,
    pub size: &'static str,
}

impl Default for Units {
    fn default() -> Self {
        Units {
            time: "seconds",
            size: "bytes",
        }
    }
}

pub fn csv_bytes(header: &[String], rows: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(&r)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

pub fn summary_csv(results: &[&RunResult]) -> Result<Vec<u8>> {
    csv_bytes(
        &RunResult::summary_header(),
        results.iter().map(|r| r.summary_record()),
    )
}

pub fn timeseries_csv(r: &RunResult) -> Result<Vec<u8>> {
    let header: Vec<String> = SAMPLE_HEADER.iter().map(|s| s.to_string()).collect();
    csv_bytes(&header, r.samples.iter().map(|s| s.record()))
}

pub fn events_csv(r: &RunResult) -> Result<Vec<u8>> {
    let header: Vec<String> = ["t_s", "component", "event", "detail"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    csv_bytes(
        &header,
        r.events.iter().map(|e| {
            vec![
                crate::sim::secs(e.t).to_string(),
                e.component.to_string(),
                e.kind.to_string(),
                e.detail.clone(),
            ]
        }),
    )
}

/// Writes `files` (name, bytes) as the folder `dir`, atomically.
pub fn write_folder(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<()> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    fs::create_dir_all(&parent).with_context(|| {
        format!(
            "cannot create the output folder's parent {}",
            parent.display()
        )
    })?;
    let name = dir
        .file_name()
        .context("the output folder needs a name")?
        .to_string_lossy()
        .to_string();
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).ok();
    }
    fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let result = (|| -> Result<()> {
        for (file, bytes) in files {
            let p = tmp.join(file);
            let mut f =
                fs::File::create(&p).with_context(|| format!("cannot write {}", p.display()))?;
            f.write_all(bytes)?;
            f.sync_all().ok();
        }
        if dir.exists() {
            let old = parent.join(format!(".{name}.old-{}", std::process::id()));
            fs::rename(dir, &old)
                .with_context(|| format!("cannot replace the existing {}", dir.display()))?;
            fs::rename(&tmp, dir)?;
            fs::remove_dir_all(&old).ok();
        } else {
            fs::rename(&tmp, dir)?;
        }
        Ok(())
    })();
    if result.is_err() {
        fs::remove_dir_all(&tmp).ok();
    }
    result
}
