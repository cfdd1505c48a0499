//! Paired differences between compared variants. Replication r of every variant uses the
//! same seed (common random numbers), so the difference of a metric between a variant and
//! the baseline is taken replication by replication; its mean and confidence interval are
//! much tighter than the difference of two independent means. Its interval is the t
//! interval within the range of the differences observed (`crate::stats`); a single pair
//! has a difference and no interval.

use crate::stats::mean_ci;
use crate::sweep::csv_line;
use anyhow::{Context, Result};
use std::collections::BTreeMap;

const METRICS: [&str; 7] = [
    "peak_rss_bytes",
    "spans_exported",
    "spans_dropped",
    "dropped_queue_full",
    "dropped_oom",
    "dropped_collector_down",
    "oom_kills",
];

/// Tidy table: one row per (variant, metric) with the paired difference to the baseline.
pub fn differences_csv(runs: &[u8], level: f64) -> Result<Vec<u8>> {
    let mut rdr = csv::Reader::from_reader(runs);
    let h = rdr.headers()?.clone();
    let col = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .with_context(|| format!("no `{n}` column"))
    };
    let (pc, rc, vc) = (col("point")?, col("replication")?, col("variant")?);
    let mi: Vec<usize> = METRICS.iter().map(|m| col(m)).collect::<Result<_>>()?;
    // point -> (name, replication -> metrics)
    let mut by_point: BTreeMap<u64, (String, BTreeMap<u64, Vec<f64>>)> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        let p: u64 = rec[pc].parse()?;
        let r: u64 = rec[rc].parse()?;
        let vals = mi
            .iter()
            .map(|&i| rec[i].parse::<f64>().unwrap_or(0.0))
            .collect();
        by_point
            .entry(p)
            .or_insert_with(|| (rec[vc].to_string(), BTreeMap::new()))
            .1
            .insert(r, vals);
    }
    let mut out = csv_line(
        &[
            "variant",
            "baseline",
            "metric",
            "runs",
            "mean_difference",
            "ci_low",
            "ci_high",
        ]
        .map(String::from),
    );
    let Some((_, (base_name, base))) = by_point.iter().next() else {
        return Ok(out);
    };
    for (p, (name, reps)) in &by_point {
        if *p == 0 {
            continue;
        }
        for (k, m) in METRICS.iter().enumerate() {
            let d: Vec<f64> = reps
                .iter()
                .filter_map(|(r, v)| base.get(r).map(|b| v[k] - b[k]))
                .collect();
            if let Some(c) = mean_ci(&d, level) {
                // One pair: a difference but no interval (empty cells).
                let (lo, hi) = c.interval.map_or((String::new(), String::new()), |(l, h)| {
                    (l.to_string(), h.to_string())
                });
                out.extend(csv_line(&[
                    name.clone(),
                    base_name.clone(),
                    m.to_string(),
                    c.n.to_string(),
                    c.mean.to_string(),
                    lo,
                    hi,
                ]));
            }
        }
    }
    Ok(out)
}

pub fn print_differences(diffs: &[u8], level: f64) {
    let mut rdr = csv::Reader::from_reader(diffs);
    println!(
        "paired differences to the baseline ({:.0}% CI):",
        level * 100.0
    );
    for r in rdr.records().flatten() {
        if !matches!(&r[2], "peak_rss_bytes" | "spans_dropped" | "oom_kills") {
            continue;
        }
        let f = |i: usize| r[i].parse::<f64>().unwrap_or(0.0);
        let (scale, unit) = if &r[2] == "peak_rss_bytes" {
            let (per, unit) = crate::units::Family::current().mega();
            (per, format!(" {unit}"))
        } else {
            (1.0, String::new())
        };
        let interval = if r[5].is_empty() || r[6].is_empty() {
            format!("(n={}, no CI)", &r[3])
        } else {
            format!("[{:+.1}, {:+.1}]", f(5) / scale, f(6) / scale)
        };
        println!(
            "  {:<20} {:<16} {:>+12.1}{unit} {interval}",
            &r[0],
            &r[2],
            f(4) / scale,
        );
    }
}

/// Replication 0 of every variant as time series (tidy: variant, component, t_s, rss_bytes,
/// queue_items, memory_limit_bytes), for overlaying the variants' curves. Replication 0 has
/// the same seed in every variant (common random numbers), so the curves differ only by the
/// variants' settings.
pub fn curves_csv(plan: &crate::sweep::Plan) -> Result<Vec<u8>> {
    let header: Vec<String> = [
        "variant",
        "component",
        "t_s",
        "rss_bytes",
        "queue_items",
        "memory_limit_bytes",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut rows = Vec::new();
    for p in 0..plan.points_len() {
        let r = plan.simulate(p * plan.replications())?;
        let name = plan.point_labels(p).join(" ");
        for s in &r.samples {
            rows.push(vec![
                name.clone(),
                s.component.to_string(),
                crate::sim::secs(s.t).to_string(),
                s.rss_bytes.to_string(),
                s.queue_items.to_string(),
                s.memory_limit_bytes
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
            ]);
        }
    }
    crate::output::csv_bytes(&header, rows.into_iter())
}
