//! What goes into output files: the manifest and the CSV encodings of a run. Where and how
//! they are written (only into folders tracesim owns): [`crate::outdir`].

use crate::metrics::{RunResult, SAMPLE_HEADER};
use anyhow::Result;
use serde::Serialize;

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
