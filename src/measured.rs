//! Reading measured memory series: CSV (a time column and a value column) and Prometheus
//! `query_range` JSON (matrix results). Every error names the file, the line (CSV) or the
//! series, and the column or label.
//!
//! * Time: seconds, relative or Unix epoch; made relative to the first sample. Must not go
//!   back. A time written twice (a sampler whose clock or printed precision is coarser than
//!   its interval; Prometheus exports of a long range paged into queries whose `end` is the
//!   next one's `start`, so the shared instant comes twice) is one instant: its samples are
//!   merged into their mean, the least-squares estimate of the one quantity they all read,
//!   which keeps the series a function of time for interpolation. Keeping the last instead
//!   would let the order of lines decide. [`Series::merged`] counts the samples folded.
//! * Values: bytes. A number is bytes when the column is named `*bytes*` (as
//!   `container_memory_working_set_bytes`, `rss_bytes`) or `--unit` says what it is; a value
//!   with its unit (`512MiB`) is always understood. Anything else is refused, rather than
//!   guessing that `512` meant MiB.

use crate::units::ByteSize;
use std::fmt;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct MeasureError {
    pub file: String,
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for MeasureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": `{}`", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for MeasureError {}

/// How to read a file.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Time column (default: the first of t_s, time, timestamp, t).
    pub time_column: Option<String>,
    /// Value column (default: the first of rss_bytes, working_set_bytes, value, bytes).
    pub value_column: Option<String>,
    /// Unit of plain numbers (`B`, `KiB`, `MiB`, `MB`...).
    pub unit: Option<String>,
    /// Prometheus: pick the series whose labels include these. CSV: keep the rows whose
    /// columns have these values (a tidy `t_s,metric,value` file holds many series).
    pub labels: Vec<(String, String)>,
}

/// A measured series, times relative to its first sample.
#[derive(Clone, Debug)]
pub struct Series {
    pub file: String,
    pub t: Vec<f64>,
    pub bytes: Vec<f64>,
    /// First time a `spans_dropped` column turned positive, when the file has one.
    pub first_drop: Option<f64>,
    /// Samples merged into an earlier one at the same time (their mean is kept).
    pub merged: usize,
}

impl Series {
    /// Linear interpolation at `t` (None outside the series).
    pub fn at(&self, t: f64) -> Option<f64> {
        if self.t.is_empty() || t < self.t[0] || t > *self.t.last()? {
            return None;
        }
        let i = self.t.partition_point(|&x| x <= t);
        if i == 0 {
            return Some(self.bytes[0]);
        }
        if i >= self.t.len() {
            return self.bytes.last().copied();
        }
        let (t0, t1) = (self.t[i - 1], self.t[i]);
        let (v0, v1) = (self.bytes[i - 1], self.bytes[i]);
        Some(v0 + (v1 - v0) * (t - t0) / (t1 - t0))
    }

    /// The series without its first `skip` seconds (a process's start-up, before the
    /// program allocated what it always holds). A skip that leaves fewer than the 2 points a
    /// series needs is an error naming the file, the skip and the recording's span: the old
    /// reading kept the whole series then, and compared the start-up it was told to ignore.
    pub fn skip(mut self, skip: f64) -> Result<Series, MeasureError> {
        let i = self.t.partition_point(|&x| x < skip);
        let left = self.t.len() - i;
        if left < 2 {
            return Err(MeasureError {
                file: self.file.clone(),
                line: None,
                field: String::new(),
                message: format!(
                    "--skip {skip} s leaves {left} point{} of the recording, which spans {} s to {} s \
                     ({} points): a series needs at least 2",
                    if left == 1 { "" } else { "s" },
                    self.t.first().copied().unwrap_or(0.0),
                    self.duration(),
                    self.t.len()
                ),
            });
        }
        self.t.drain(..i);
        self.bytes.drain(..i);
        Ok(self)
    }

    pub fn duration(&self) -> f64 {
        self.t.last().copied().unwrap_or(0.0)
    }
}

fn unit_factor(unit: &str) -> Option<f64> {
    ByteSize::parse(&format!("1{}", unit.trim()))
        .ok()
        .map(|b| b.0 as f64)
}

pub fn read(path: &Path, opts: &ReadOptions) -> Result<Series, MeasureError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| MeasureError {
        file: file.clone(),
        line: None,
        field: String::new(),
        message: format!("cannot read the measurement file: {e}"),
    })?;
    let json = path.extension().is_some_and(|e| e == "json");
    parse_text(&file, &text, json, opts)
}

/// Parses measurement text (`file` only names it in errors): Prometheus JSON when `json` or
/// when it starts with `{`, else CSV.
pub fn parse_text(
    file: &str,
    text: &str,
    json: bool,
    opts: &ReadOptions,
) -> Result<Series, MeasureError> {
    if let Some(u) = &opts.unit
        && unit_factor(u).is_none()
    {
        return Err(MeasureError {
            file: file.to_string(),
            line: None,
            field: String::new(),
            message: format!("`--unit {u}` is not a byte unit such as MiB"),
        });
    }
    if text.trim().is_empty() {
        return Err(MeasureError {
            file: file.to_string(),
            line: None,
            field: String::new(),
            message: "the file is empty".into(),
        });
    }
    if json || text.trim_start().starts_with('{') {
        read_prometheus(file, text, opts)
    } else {
        read_csv(file, text, opts)
    }
}

fn pick(
    headers: &[String],
    want: &Option<String>,
    defaults: &[&str],
    what: &str,
) -> Result<usize, String> {
    match want {
        Some(w) => headers
            .iter()
            .position(|h| h == w)
            .ok_or_else(|| format!("no {what} column `{w}` (columns: {})", headers.join(", "))),
        None => defaults
            .iter()
            .find_map(|d| headers.iter().position(|h| h == d))
            .ok_or_else(|| {
                format!(
                    "no {what} column: name one with --{what}-column (columns: {})",
                    headers.join(", ")
                )
            }),
    }
}

/// A value with its unit, or a number in `unit`.
fn parse_value(raw: &str, unit: Option<f64>) -> Result<f64, String> {
    let raw = raw.trim();
    if let Ok(x) = raw.parse::<f64>() {
        if !x.is_finite() {
            return Err(format!("`{raw}` is not a finite number"));
        }
        return match unit {
            Some(f) => Ok(x * f),
            None => Err(format!(
                "`{raw}` has no unit: name the column *_bytes, write the unit (512MiB) or pass --unit"
            )),
        };
    }
    ByteSize::parse(raw)
        .map(|b| b.0 as f64)
        .map_err(|_| format!("`{raw}` is not a number or a size such as 512MiB"))
}

/// The samples in file order made into a series: times relative to the first (Unix epoch
/// seconds included), the values at a repeated time merged into their mean (module docs).
/// Errors: the index of the first sample whose time goes back, with a message.
fn merge_times(t: &[f64], v: &[f64]) -> Result<Merged, (usize, String)> {
    let (mut ts, mut vs): (Vec<f64>, Vec<f64>) = (Vec::with_capacity(t.len()), vec![]);
    vs.reserve(t.len());
    // Per merged time: the sum of its values and their count.
    let (mut sum, mut n) = (0.0, 0usize);
    let mut merged = 0;
    for (i, (&ti, &vi)) in t.iter().zip(v).enumerate() {
        match ts.last() {
            Some(&last) if ti < last => {
                return Err((
                    i,
                    format!(
                        "time {ti} is before {last}, an earlier sample's: time must not go back"
                    ),
                ));
            }
            Some(&last) if ti == last => {
                sum += vi;
                n += 1;
                merged += 1;
                *vs.last_mut().expect("one value per time") = sum / n as f64;
            }
            _ => {
                ts.push(ti);
                vs.push(vi);
                (sum, n) = (vi, 1);
            }
        }
    }
    if let Some(&t0) = ts.first() {
        for x in ts.iter_mut() {
            *x -= t0;
        }
    }
    Ok(Merged {
        t: ts,
        bytes: vs,
        merged,
    })
}

/// A series' times and values after [`merge_times`], and how many samples were merged into
/// an earlier one.
struct Merged {
    t: Vec<f64>,
    bytes: Vec<f64>,
    merged: usize,
}

/// The line a CSV record is on. The reader skips blank lines, so a record's index does not
/// give it, and its position is where the reader started looking: before the blank lines
/// that precede it.
fn line_of(text: &str, p: &csv::Position) -> usize {
    let start = usize::try_from(p.byte())
        .unwrap_or(usize::MAX)
        .min(text.len());
    let blank = text.as_bytes()[start..]
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .filter(|&&b| b == b'\n')
        .count();
    usize::try_from(p.line())
        .unwrap_or(usize::MAX)
        .saturating_add(blank)
}

fn read_csv(file: &str, text: &str, opts: &ReadOptions) -> Result<Series, MeasureError> {
    let err = |line: Option<usize>, field: &str, message: String| MeasureError {
        file: file.to_string(),
        line,
        field: field.to_string(),
        message,
    };
    let mut rd = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rd
        .headers()
        .map_err(|e| err(Some(1), "", format!("malformed CSV header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let ti = pick(
        &headers,
        &opts.time_column,
        &["t_s", "time", "timestamp", "t"],
        "time",
    )
    .map_err(|m| err(Some(1), "", m))?;
    let vi = pick(
        &headers,
        &opts.value_column,
        &["rss_bytes", "working_set_bytes", "value", "bytes"],
        "value",
    )
    .map_err(|m| err(Some(1), "", m))?;
    let vname = headers[vi].clone();
    let unit = match &opts.unit {
        Some(u) => unit_factor(u),
        None if vname.contains("bytes") => Some(1.0),
        None => None,
    };
    let di = headers.iter().position(|h| h == "spans_dropped");
    // Rows kept: those whose label columns hold the values asked for.
    let filters = opts
        .labels
        .iter()
        .map(|(k, v)| {
            headers
                .iter()
                .position(|h| h == k)
                .map(|i| (i, v.as_str()))
                .ok_or_else(|| {
                    err(
                        Some(1),
                        k,
                        format!(
                            "--label {k}={v}: no column `{k}` (columns: {})",
                            headers.join(", ")
                        ),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen_other = false;
    // Per sample: its time, value and line.
    let (mut t, mut v, mut lines) = (Vec::new(), Vec::new(), Vec::new());
    let mut first_drop_raw = None;
    for (i, rec) in rd.records().enumerate() {
        let fallback = i + 2;
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(fallback, |p| line_of(text, p));
            err(Some(line), "", format!("malformed CSV: {e}"))
        })?;
        let line = rec.position().map_or(fallback, |p| line_of(text, p));
        if !filters
            .iter()
            .all(|(i, v)| rec.get(*i).is_some_and(|x| x.trim() == *v))
        {
            seen_other = true;
            continue;
        }
        let tv = rec.get(ti).unwrap_or("").trim();
        let tx: f64 = tv
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| {
                err(
                    Some(line),
                    &headers[ti],
                    format!("`{tv}` is not a time in seconds"),
                )
            })?;
        let vx =
            parse_value(rec.get(vi).unwrap_or(""), unit).map_err(|m| err(Some(line), &vname, m))?;
        if vx < 0.0 {
            return Err(err(Some(line), &vname, "memory cannot be negative".into()));
        }
        if let (Some(d), None) = (di, first_drop_raw)
            && rec
                .get(d)
                .and_then(|x| x.trim().parse::<f64>().ok())
                .is_some_and(|x| x > 0.0)
        {
            first_drop_raw = Some(tx);
        }
        t.push(tx);
        v.push(vx);
        lines.push(line);
    }
    if t.len() < 2 {
        let which = if seen_other {
            format!(
                " with {}",
                opts.labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        return Err(err(
            None,
            "",
            format!("{} data rows{which}: a series needs at least 2", t.len()),
        ));
    }
    let t0 = t[0];
    let Merged { t, bytes, merged } =
        merge_times(&t, &v).map_err(|(i, m)| err(Some(lines[i]), &headers[ti], m))?;
    if t.len() < 2 {
        return Err(err(
            None,
            &headers[ti],
            format!(
                "{} data rows, all at time {t0}: a series needs at least 2 times",
                v.len()
            ),
        ));
    }
    Ok(Series {
        file: file.to_string(),
        t,
        bytes,
        first_drop: first_drop_raw.map(|d| d - t0),
        merged,
    })
}

fn read_prometheus(file: &str, text: &str, opts: &ReadOptions) -> Result<Series, MeasureError> {
    let err = |field: &str, message: String| MeasureError {
        file: file.to_string(),
        line: None,
        field: field.to_string(),
        message,
    };
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| MeasureError {
        file: file.to_string(),
        line: Some(e.line()),
        field: String::new(),
        message: format!("malformed JSON: {e}"),
    })?;
    if let Some(s) = doc.get("status").and_then(|s| s.as_str())
        && s != "success"
    {
        return Err(err("status", format!("the query did not succeed (`{s}`)")));
    }
    let data = doc.get("data").ok_or_else(|| {
        err(
            "data",
            "missing: not a Prometheus query_range answer".into(),
        )
    })?;
    let rt = data
        .get("resultType")
        .and_then(|r| r.as_str())
        .unwrap_or("");
    if rt != "matrix" {
        return Err(err(
            "data.resultType",
            format!("is `{rt}`: export a range query (query_range), which gives a matrix"),
        ));
    }
    let result = data
        .get("result")
        .and_then(|r| r.as_array())
        .ok_or_else(|| err("data.result", "missing or not a list".into()))?;
    let labels_of = |s: &serde_json::Value| -> Vec<(String, String)> {
        s.get("metric")
            .and_then(|m| m.as_object())
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let fmt_labels = |l: &[(String, String)]| {
        let parts: Vec<String> = l.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
        format!("{{{}}}", parts.join(", "))
    };
    let matching: Vec<&serde_json::Value> = result
        .iter()
        .filter(|s| {
            let l = labels_of(s);
            opts.labels
                .iter()
                .all(|(k, v)| l.iter().any(|(a, b)| a == k && b == v))
        })
        .collect();
    let series = match matching.len() {
        0 if result.is_empty() => {
            return Err(err(
                "data.result",
                "no series: the query matched nothing".into(),
            ));
        }
        0 => {
            return Err(err(
                "data.result",
                format!(
                    "no series has the labels asked for; series: {}",
                    result
                        .iter()
                        .map(|s| fmt_labels(&labels_of(s)))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ));
        }
        1 => matching[0],
        n => {
            return Err(err(
                "data.result",
                format!(
                    "{n} series: pick one with --label NAME=VALUE; series: {}",
                    matching
                        .iter()
                        .map(|s| fmt_labels(&labels_of(s)))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ));
        }
    };
    let labels = labels_of(series);
    let name = labels
        .iter()
        .find(|(k, _)| k == "__name__")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let unit = match &opts.unit {
        Some(u) => unit_factor(u),
        None if name.contains("bytes") => Some(1.0),
        None => None,
    };
    let where_ = format!("series {}", fmt_labels(&labels));
    let values = series
        .get("values")
        .and_then(|v| v.as_array())
        .ok_or_else(|| err(&where_, "has no `values` list".into()))?;
    let (mut t, mut v) = (Vec::new(), Vec::new());
    for (i, p) in values.iter().enumerate() {
        let pt = p.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
            err(
                &where_,
                format!("point {i} is not a [time, \"value\"] pair"),
            )
        })?;
        let tx = pt[0]
            .as_f64()
            .ok_or_else(|| err(&where_, format!("point {i}: the time is not a number")))?;
        let raw = match &pt[1] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let vx = parse_value(&raw, unit).map_err(|m| {
            err(
                &where_,
                if name.is_empty() && opts.unit.is_none() {
                    format!("point {i}: {m} (the series has no __name__ to say it is bytes)")
                } else {
                    format!("point {i}: {m}")
                },
            )
        })?;
        t.push(tx);
        v.push(vx);
    }
    if t.len() < 2 {
        return Err(err(
            &where_,
            format!("{} points: a series needs at least 2", t.len()),
        ));
    }
    let t0 = t[0];
    let Merged { t, bytes, merged } =
        merge_times(&t, &v).map_err(|(i, m)| err(&where_, format!("point {i}: {m}")))?;
    if t.len() < 2 {
        return Err(err(
            &where_,
            format!(
                "{} points, all at time {t0}: a series needs at least 2 times",
                v.len()
            ),
        ));
    }
    Ok(Series {
        file: file.to_string(),
        t,
        bytes,
        first_drop: None,
        merged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str, text: &str) -> std::path::PathBuf {
        let d =
            std::env::temp_dir().join(format!("tracesim-measured-{}-{name}", std::process::id()));
        std::fs::write(&d, text).unwrap();
        d
    }

    #[test]
    fn csv_with_epoch_times_and_bytes() {
        let p = tmp("a.csv", "time,rss_bytes\n1700000000,100\n1700000001,200\n");
        let s = read(&p, &ReadOptions::default()).unwrap();
        assert_eq!(s.t, [0.0, 1.0]);
        assert_eq!(s.at(0.5), Some(150.0));
        assert_eq!(s.at(2.0), None);
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let p = tmp("b.csv", "t_s,value\n0,100\n1,200\n");
        let e = read(&p, &ReadOptions::default()).unwrap_err();
        assert!(e.message.contains("no unit"), "{e}");
        assert_eq!((e.line, e.field.as_str()), (Some(2), "value"));
        let ok = read(
            &p,
            &ReadOptions {
                unit: Some("MiB".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(ok.bytes[1], 200.0 * 1048576.0);
        let p = tmp("c.csv", "t_s,rss_bytes\n0,1\n2,2\n1,3\n");
        let e = read(&p, &ReadOptions::default()).unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        let p = tmp("d.csv", "t_s,rss_bytes\n0,1\nx,2\n");
        assert_eq!(read(&p, &ReadOptions::default()).unwrap_err().line, Some(3));
        let p = tmp("e.csv", "");
        assert!(
            read(&p, &ReadOptions::default())
                .unwrap_err()
                .message
                .contains("empty")
        );
        let p = tmp("f.csv", "t_s,rss_bytes\n");
        assert!(
            read(&p, &ReadOptions::default())
                .unwrap_err()
                .message
                .contains("0 data rows")
        );
        let p = tmp("g.csv", "t_s,rss_bytes\n0,12MiB\n1,13MiB\n");
        assert_eq!(
            read(&p, &ReadOptions::default()).unwrap().bytes[0],
            12.0 * 1048576.0
        );
    }

    #[test]
    fn a_tidy_csv_gives_the_series_its_labels_pick() {
        let text = "t_s,metric,value\n0,heap_live,10\n0,gc,1\n1,heap_live,30\n1,gc,2\n2,gc,4\n";
        let p = tmp("tidy.csv", text);
        let opts = |k: &str, v: &str| ReadOptions {
            unit: Some("B".into()),
            labels: vec![(k.into(), v.into())],
            ..Default::default()
        };
        let s = read(&p, &opts("metric", "heap_live")).unwrap();
        assert_eq!(
            (s.t.as_slice(), s.bytes.as_slice()),
            (&[0.0, 1.0][..], &[10.0, 30.0][..])
        );
        let s = read(&p, &opts("metric", "gc")).unwrap();
        assert_eq!(s.bytes, [1.0, 2.0, 4.0]);
        // Without a filter the rows of both series would repeat times: merged, not mixed up
        // silently, is the old behaviour; a filter that matches one row or none is an error
        // naming the filter, and a label column that does not exist names the columns.
        let e = read(&p, &opts("metric", "nope")).unwrap_err();
        assert!(e.message.contains("0 data rows with metric=nope"), "{e}");
        let e = read(&p, &opts("series", "gc")).unwrap_err();
        assert!(e.message.contains("no column `series`"), "{e}");
        assert_eq!((e.line, e.field.as_str()), (Some(1), "series"));
    }

    #[test]
    fn prometheus_matrix_pick_by_label() {
        let j = r#"{"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"__name__":"container_memory_working_set_bytes","pod":"a"},"values":[[1700000000,"100"],[1700000015,"300"]]},
          {"metric":{"__name__":"container_memory_working_set_bytes","pod":"b"},"values":[[1700000000,"5"],[1700000015,"6"]]}]}}"#;
        let p = tmp("p.json", j);
        let e = read(&p, &ReadOptions::default()).unwrap_err();
        assert!(
            e.message.contains("2 series") && e.message.contains("pod=\"b\""),
            "{e}"
        );
        let o = ReadOptions {
            labels: vec![("pod".into(), "a".into())],
            ..Default::default()
        };
        let s = read(&p, &o).unwrap();
        assert_eq!(s.t, [0.0, 15.0]);
        assert_eq!(s.bytes, [100.0, 300.0]);
        let p = tmp(
            "q.json",
            r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
        );
        assert!(read(&p, &o).unwrap_err().message.contains("matrix"));
        let p = tmp(
            "r.json",
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"5"],[2,"6"]]}]}}"#,
        );
        assert!(
            read(&p, &ReadOptions::default())
                .unwrap_err()
                .message
                .contains("__name__")
        );
    }

    /// Regression (issue 25): a time written twice was refused ("times must increase"). Its
    /// samples are one instant: merged into their mean, and counted.
    #[test]
    fn repeated_times_are_merged_into_their_mean() {
        let p = tmp(
            "dup.csv",
            "t_s,rss_bytes,spans_dropped\n5,10,0\n6,20,0\n6,40,1\n6,60,2\n7,30,3\n",
        );
        let s = read(&p, &ReadOptions::default()).unwrap();
        assert_eq!(s.t, [0.0, 1.0, 2.0]);
        assert_eq!(s.bytes, [10.0, 40.0, 30.0]);
        assert_eq!(s.merged, 2);
        // The first drop, on a merged line, at its time relative to the first sample.
        assert_eq!(s.first_drop, Some(1.0));
        let j = r#"{"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"__name__":"container_memory_working_set_bytes"},"values":[[1700000000,"100"],[1700000015,"300"],[1700000015,"500"],[1700000030,"200"]]}]}}"#;
        let s = read(&tmp("dup.json", j), &ReadOptions::default()).unwrap();
        assert_eq!(s.t, [0.0, 15.0, 30.0]);
        assert_eq!(s.bytes, [100.0, 400.0, 200.0]);
        assert_eq!(s.merged, 1);
        // Nothing repeated: nothing merged.
        let s = read(
            &tmp("nodup.csv", "t_s,rss_bytes\n0,1\n1,2\n"),
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(s.merged, 0);
        // One time only is not a series.
        let e = read(
            &tmp("same.csv", "t_s,rss_bytes\n5,1\n5,2\n"),
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(e.message.contains("at least 2 times"), "{e}");
    }

    /// Time that goes back is refused, naming the line (blank lines counted, as an editor
    /// shows them) or the Prometheus series and point.
    #[test]
    fn time_going_back_names_its_line_or_point() {
        let p = tmp("back.csv", "t_s,rss_bytes\n0,1\n1,2\n\n\n0.5,3\n");
        let e = read(&p, &ReadOptions::default()).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(6), "t_s"), "{e}");
        assert!(e.message.contains("go back"), "{e}");
        let p = tmp("crlf.csv", "t_s,rss_bytes\r\n0,1\r\n\r\nx,2\r\n");
        assert_eq!(read(&p, &ReadOptions::default()).unwrap_err().line, Some(4));
        let j = r#"{"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"__name__":"x_bytes","pod":"a"},"values":[[1,"5"],[3,"6"],[2,"7"]]}]}}"#;
        let e = read(&tmp("back.json", j), &ReadOptions::default()).unwrap_err();
        assert!(
            e.field.contains("pod=\"a\"") && e.message.starts_with("point 2:"),
            "{e}"
        );
    }

    /// Regression (issue 25): a --skip longer than the recording was silently ignored, and
    /// the whole series compared.
    #[test]
    fn a_skip_that_leaves_no_series_is_an_error() {
        let p = tmp("skip.csv", "t_s,rss_bytes\n0,1\n1,2\n2,3\n");
        let s = read(&p, &ReadOptions::default()).unwrap();
        let kept = s.clone().skip(1.0).unwrap();
        assert_eq!(kept.t, [1.0, 2.0]);
        for skip in [1.5, 2.0, 100.0] {
            let e = s.clone().skip(skip).unwrap_err();
            assert!(e.file.ends_with("skip.csv"), "{e}");
            assert!(
                e.message.contains(&format!("--skip {skip} s"))
                    && e.message.contains("spans 0 s to 2 s"),
                "{e}"
            );
        }
    }
}
