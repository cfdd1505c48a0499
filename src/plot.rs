//! `tracesim plot DIR`: pictures of a run, a sweep or a validation, as SVG and PNG
//! (plotters; PNG text drawn with the bundled DejaVu Sans so it needs no system fonts).
//!
//! * a run folder (`timeseries.csv`): `memory.*` (RSS per component over time, the container
//!   limit dashed, outage windows shaded, OOM kills crossed, the first drop marked) and
//!   `queue.*` (spans waiting per component, with capacity);
//! * a sweep folder (`points.csv`): `peak_rss.*` (mean peak RSS against the first varied
//!   field, with its confidence interval, and the memory limit when the runs had one): a
//!   numeric field as a line with its band, any other (an outage mode) as categories with
//!   error bars; each further varied field splits the points into one series per value,
//!   with a legend;
//! * a compare folder (`curves.csv`): `compare.*` (the variants' RSS curves overlaid, from
//!   replication 0, which has the same seed in every variant);
//! * a validation folder (`validation.csv`): `validation.*` (measured against simulated, with
//!   the replication band), one panel per measured file.
//!
//! Axes are in units people read: minutes or seconds, MiB or MB (as the user wrote sizes).

use anyhow::{Context, Result, anyhow, bail};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
/// Bytes per unit of the memory axes: MiB or MB, the family the user wrote sizes in
/// (`units::Family`), as the terminal shows them.
fn mib() -> f64 {
    crate::units::Family::current().mega().0
}

/// A memory axis' caption with its unit: `RSS [MiB]` or `RSS [MB]`.
fn mib_label(what: &str) -> String {
    format!("{what} [{}]", crate::units::Family::current().mega().1)
}
const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
];

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bundled font is valid: a failure here is a build defect.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// A CSV as named columns of strings.
struct Table {
    cols: BTreeMap<String, Vec<String>>,
    rows: usize,
}

impl Table {
    fn read(path: &Path) -> Result<Table> {
        let mut rd = csv::Reader::from_path(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let headers: Vec<String> = rd.headers()?.iter().map(String::from).collect();
        let mut cols: BTreeMap<String, Vec<String>> =
            headers.iter().map(|h| (h.clone(), Vec::new())).collect();
        let mut rows = 0;
        for rec in rd.records() {
            let rec = rec.with_context(|| format!("malformed CSV in {}", path.display()))?;
            for (h, v) in headers.iter().zip(rec.iter()) {
                cols.get_mut(h).expect("header").push(v.to_string());
            }
            rows += 1;
        }
        Ok(Table { cols, rows })
    }
    fn col(&self, name: &str) -> Result<&Vec<String>> {
        self.cols
            .get(name)
            .ok_or_else(|| anyhow!("no column `{name}`"))
    }
    fn num(&self, name: &str) -> Result<Vec<f64>> {
        Ok(self
            .col(name)?
            .iter()
            .map(|s| s.parse().unwrap_or(f64::NAN))
            .collect())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

/// What `--plot` draws: both formats, from the output being written (staged in `od`) into it.
/// Returns the number of images.
pub fn plot_staged(od: &mut crate::outdir::OutDir) -> Result<usize> {
    let staging = od.staging()?;
    Ok(plot_into(od, &staging, &[Format::Svg, Format::Png])?.len())
}

/// Draws what `dir` holds into `od`'s staging area as the `plot` group's files. Returns their
/// names.
pub fn plot_into(
    od: &mut crate::outdir::OutDir,
    dir: &Path,
    formats: &[Format],
) -> Result<Vec<String>> {
    let staging = od.staging()?;
    let mut names = vec![];
    for p in plot_dir(dir, Some(&staging), formats)? {
        let name = p
            .file_name()
            .context("an image without a name")?
            .to_string_lossy()
            .to_string();
        od.adopt("plot", &name)?;
        names.push(name);
    }
    Ok(names)
}

macro_rules! both {
    ($out:expr, $stem:expr, $formats:expr, $size:expr, $f:expr) => {{
        register_font();
        let mut written = Vec::new();
        for fmt in $formats {
            let (ext, path) = match fmt {
                Format::Svg => ("svg", $out.join(format!("{}.svg", $stem))),
                Format::Png => ("png", $out.join(format!("{}.png", $stem))),
            };
            let tmp = $out.join(format!(".{}.partial.{}", $stem, ext));
            match fmt {
                Format::Svg => {
                    let root = SVGBackend::new(&tmp, $size).into_drawing_area();
                    $f(&root)?;
                    root.present().map_err(|e| anyhow!("{e:?}"))?;
                }
                Format::Png => {
                    let root = BitMapBackend::new(&tmp, $size).into_drawing_area();
                    $f(&root)?;
                    root.present().map_err(|e| anyhow!("{e:?}"))?;
                }
            }
            std::fs::rename(&tmp, &path)?;
            written.push(path);
        }
        Ok::<Vec<PathBuf>, anyhow::Error>(written)
    }};
}

/// Axis numbers without noise: 200 rather than 200.0, 2.5 rather than 2.500.
fn tick(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn e<E: std::fmt::Debug>(x: E) -> anyhow::Error {
    anyhow!("drawing failed: {x:?}")
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A titled chart with its grid and axis descriptions drawn, in the house style.
fn axes<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: impl AsRef<str>,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    x_desc: impl AsRef<str>,
    y_desc: impl AsRef<str>,
    y_label_width: u32,
) -> Result<Chart<'a, DB>> {
    axes_with(
        area,
        title,
        x,
        y,
        x_desc,
        y_desc,
        y_label_width,
        (&tick, 10),
    )
}

/// [`axes`] with the x labels' text and count given (a categorical axis names its
/// categories at integer positions).
#[allow(clippy::too_many_arguments)]
fn axes_with<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: impl AsRef<str>,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    x_desc: impl AsRef<str>,
    y_desc: impl AsRef<str>,
    y_label_width: u32,
    (x_fmt, x_labels): (&dyn Fn(&f64) -> String, usize),
) -> Result<Chart<'a, DB>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title.as_ref(), ("sans-serif", 22))
        .margin(14)
        .margin_right(45)
        .x_label_area_size(45)
        .y_label_area_size(y_label_width)
        .build_cartesian_2d(x, y)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_labels(x_labels)
        .x_label_formatter(x_fmt)
        .y_label_formatter(&tick)
        .x_desc(x_desc.as_ref())
        .y_desc(y_desc.as_ref())
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(e)?;
    Ok(chart)
}

/// The legend box of the series drawn with labels.
fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    at: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(at)
        .label_font(("sans-serif", 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(e)
}

/// What a run folder holds, ready to draw.
struct RunData {
    name: String,
    /// component -> (t [s], rss [B], waiting spans, capacity)
    series: BTreeMap<String, Vec<(f64, f64, f64, f64)>>,
    limits: BTreeMap<String, f64>,
    outages: Vec<(f64, f64, String)>,
    ooms: Vec<(f64, String)>,
    first_drop: Option<f64>,
    duration: f64,
}

fn read_run(dir: &Path) -> Result<RunData> {
    let ts = Table::read(&dir.join("timeseries.csv"))?;
    let t = ts.num("t_s")?;
    let comp = ts.col("component")?;
    let rss = ts.num("rss_bytes")?;
    let q = ts.num("queue_items")?;
    let cap = ts.num("queue_capacity")?;
    let lim = ts.num("memory_limit_bytes")?;
    let mut series: BTreeMap<String, Vec<(f64, f64, f64, f64)>> = BTreeMap::new();
    let mut limits = BTreeMap::new();
    for i in 0..ts.rows {
        series
            .entry(comp[i].clone())
            .or_default()
            .push((t[i], rss[i], q[i], cap[i]));
        if lim[i].is_finite() {
            limits.insert(comp[i].clone(), lim[i]);
        }
    }
    let mut ooms = vec![];
    if let Ok(ev) = Table::read(&dir.join("events.csv")) {
        let (et, ec, ek) = (ev.num("t_s")?, ev.col("component")?, ev.col("event")?);
        for i in 0..ev.rows {
            if ek[i] == "oom_kill" {
                ooms.push((et[i], ec[i].clone()));
            }
        }
    }
    let mut first_drop = None;
    let mut name = dir
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    if let Ok(s) = Table::read(&dir.join("summary.csv")) {
        first_drop = s
            .num("first_drop_s")?
            .first()
            .copied()
            .filter(|x| x.is_finite());
        if let Some(n) = s.col("scenario")?.first() {
            name = n.clone();
        }
    }
    let mut outages = vec![];
    if let Ok(m) = std::fs::read_to_string(dir.join("manifest.json")) {
        let v: serde_json::Value = serde_json::from_str(&m)?;
        if let Some(text) = v.get("scenario_text").and_then(|x| x.as_str())
            && let Ok(sc) = crate::scenario::parse("manifest.json", text)
        {
            let s = |n: u64| n as f64 / 1e9;
            for o in sc.agent.iter().flat_map(|a| a.outages.iter()) {
                outages.push((s(o.start), s(o.end), "agent".to_string()));
            }
            for o in sc.storage.iter().flat_map(|a| a.outages.iter()) {
                outages.push((s(o.start), s(o.end), "storage".to_string()));
            }
        }
    }
    let duration = t.iter().cloned().fold(0.0, f64::max);
    Ok(RunData {
        name,
        series,
        limits,
        outages,
        ooms,
        first_drop,
        duration,
    })
}

/// Seconds or minutes, whichever reads better for this span of time.
fn time_axis(duration: f64) -> (f64, &'static str) {
    if duration > 300.0 {
        (60.0, "time [min]")
    } else {
        (1.0, "time [s]")
    }
}

fn draw_memory<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &RunData) -> Result<()> {
    root.fill(&WHITE).map_err(e)?;
    let (tu, tlabel) = time_axis(d.duration);
    let xmax = (d.duration / tu).max(1e-9);
    let ymax_data = d
        .series
        .values()
        .flat_map(|s| s.iter().map(|x| x.1))
        .fold(0.0, f64::max)
        .max(d.limits.values().cloned().fold(0.0, f64::max));
    let ymax = (ymax_data / mib() * 1.08).max(1.0);
    let mut chart = axes(
        root,
        format!("{}: memory", d.name),
        0f64..xmax,
        0f64..ymax,
        tlabel,
        mib_label("RSS"),
        70,
    )?;
    let shade = RGBColor(230, 85, 13).mix(0.15);
    for (i, (s, end, who)) in d.outages.iter().enumerate() {
        let r = chart
            .draw_series(std::iter::once(Rectangle::new(
                [(s / tu, 0.0), ((end / tu).min(xmax), ymax)],
                shade.filled(),
            )))
            .map_err(e)?;
        if i == 0 {
            r.label(format!("{who} outage")).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 18, y + 5)], shade.filled())
            });
        }
    }
    for (k, (comp, pts)) in d.series.iter().enumerate() {
        let c = COLORS[k % COLORS.len()];
        chart
            .draw_series(LineSeries::new(
                pts.iter().map(|p| (p.0 / tu, p.1 / mib())),
                c.stroke_width(2),
            ))
            .map_err(e)?
            .label(format!("{comp} RSS"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        if let Some(l) = d.limits.get(comp) {
            let y = l / mib();
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, y), (xmax, y)],
                    8,
                    5,
                    c.stroke_width(1),
                ))
                .map_err(e)?
                .label(format!("{comp} memory limit"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(1))
                });
        }
    }
    if !d.ooms.is_empty() {
        let y = d.limits.values().cloned().fold(0.0, f64::max) / mib();
        chart
            .draw_series(
                d.ooms
                    .iter()
                    .map(|(t, _)| Cross::new((t / tu, y), 7, RED.stroke_width(3))),
            )
            .map_err(e)?
            .label("OOM kill")
            .legend(|(x, y)| Cross::new((x + 9, y), 5, RED.stroke_width(2)));
    }
    if let Some(t) = d.first_drop {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(t / tu, 0.0), (t / tu, ymax)],
                BLACK.mix(0.6).stroke_width(1),
            )))
            .map_err(e)?
            .label(format!("first span dropped ({t:.0} s)"))
            .legend(|(x, y)| {
                PathElement::new(vec![(x + 9, y - 6), (x + 9, y + 6)], BLACK.stroke_width(1))
            });
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

fn draw_queue<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &RunData) -> Result<()> {
    root.fill(&WHITE).map_err(e)?;
    let (tu, tlabel) = time_axis(d.duration);
    let xmax = (d.duration / tu).max(1e-9);
    let ymax = d
        .series
        .values()
        .flat_map(|s| {
            s.iter()
                .map(|x| x.2.max(if x.3.is_finite() { x.3 } else { 0.0 }))
        })
        .fold(0.0, f64::max)
        * 1.08
        + 1.0;
    let mut chart = axes(
        root,
        format!("{}: spans waiting", d.name),
        0f64..xmax,
        0f64..ymax,
        tlabel,
        "spans in queue / buffer",
        80,
    )?;
    for (k, (comp, pts)) in d.series.iter().enumerate() {
        let c = COLORS[k % COLORS.len()];
        chart
            .draw_series(LineSeries::new(
                pts.iter().map(|p| (p.0 / tu, p.2)),
                c.stroke_width(2),
            ))
            .map_err(e)?
            .label(format!("{comp} queue"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        if pts.iter().any(|p| p.3.is_finite()) {
            chart
                .draw_series(DashedLineSeries::new(
                    pts.iter()
                        .filter(|p| p.3.is_finite())
                        .map(|p| (p.0 / tu, p.3)),
                    8,
                    5,
                    c.stroke_width(1),
                ))
                .map_err(e)?
                .label(format!("{comp} capacity"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(1))
                });
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

/// A varied field's values as numbers in the unit the axis shows (sizes in MiB, durations in
/// seconds, rates per second), with that unit; None when any value is not a number of one kind
/// (an outage mode, a variant's name): the axis is then categorical.
fn numeric_axis(values: &[String]) -> Option<(Vec<f64>, &'static str)> {
    use crate::units::{ByteSize, Duration, Rate};
    let all = |f: &dyn Fn(&str) -> Option<f64>| values.iter().map(|v| f(v)).collect();
    let plain: Option<Vec<f64>> = all(&|v| v.parse::<f64>().ok().filter(|x| x.is_finite()));
    if let Some(xs) = plain {
        return Some((xs, ""));
    }
    // A size axis in the family its values are written in (5MiB,15MiB: MiB; 200MB,1GB: MB).
    let family = values
        .iter()
        .find_map(|v| crate::units::Family::of_literal(v))
        .unwrap_or_else(crate::units::Family::current);
    let per = family.mega().0;
    let size: Option<Vec<f64>> = all(&|v| ByteSize::parse(v).ok().map(|b| b.0 as f64 / per));
    if let Some(xs) = size {
        return Some((
            xs,
            match family {
                crate::units::Family::Binary => " [MiB]",
                crate::units::Family::Decimal => " [MB]",
            },
        ));
    }
    let time: Option<Vec<f64>> = all(&|v| Duration::parse(v).ok().map(|d| d.0 as f64 / 1e9));
    if let Some(xs) = time {
        return Some((xs, " [s]"));
    }
    let rate: Option<Vec<f64>> = all(&|v| Rate::parse(v).ok().map(|r| r.0));
    rate.map(|xs| (xs, " [/s]"))
}

/// One point of a sweep: x position, mean and confidence bounds of peak RSS [MiB] (the bounds
/// NaN where there is no interval, as with one replication).
type SweepPoint = (f64, f64, f64, f64);

/// `peak_rss.*`: mean peak RSS against the first varied field, with its confidence interval.
/// A numeric field is a numeric axis (a band and a line); any other (an outage mode) a
/// categorical one: the categories in sweep order, each point with its interval as an error
/// bar. Every further varied field splits the points into series, one per combination of
/// their values, each with its own colour and legend entry: one line per value rather than
/// one line joining every point in sweep order.
fn draw_sweep<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    t: &Table,
    fields: &[String],
    limit: Option<f64>,
) -> Result<()> {
    root.fill(&WHITE).map_err(e)?;
    let Some(field) = fields.first() else {
        bail!("the sweep has no varied field");
    };
    let raw = t.col(field)?;
    let mean = t.num("peak_rss_bytes_mean")?;
    let lo = t.num("peak_rss_bytes_ci_low")?;
    let hi = t.num("peak_rss_bytes_ci_high")?;
    // Series: one per combination of the other fields' values, in sweep order.
    let others: Vec<&Vec<String>> = fields[1..]
        .iter()
        .map(|f| t.col(f))
        .collect::<Result<_>>()?;
    let key_of = |i: usize| -> String {
        fields[1..]
            .iter()
            .zip(&others)
            .map(|(f, col)| format!("{f}={}", col[i]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut series: Vec<(String, Vec<usize>)> = vec![];
    for i in 0..t.rows {
        let k = key_of(i);
        match series.iter_mut().find(|s| s.0 == k) {
            Some(s) => s.1.push(i),
            None => series.push((k, vec![i])),
        }
    }
    // The x axis: numeric when every value is a number of one kind and there are two or more
    // of them (a single value has no scale: it is drawn as one category).
    let mut cats: Vec<&String> = vec![];
    for v in raw {
        if !cats.contains(&v) {
            cats.push(v);
        }
    }
    let numeric = numeric_axis(raw).filter(|_| cats.len() > 1);
    let (xs, x_desc): (Vec<f64>, String) = match &numeric {
        Some((xs, unit)) => (xs.clone(), format!("{field}{unit}")),
        None => (
            raw.iter()
                .map(|v| cats.iter().position(|c| *c == v).expect("listed") as f64)
                .collect(),
            field.clone(),
        ),
    };
    // Categorical: the series side by side within a category, so intervals do not overlap.
    let dodge = |k: usize| {
        if numeric.is_some() || series.len() < 2 {
            0.0
        } else {
            0.5 * (k as f64 / (series.len() - 1) as f64 - 0.5)
        }
    };
    let pts: Vec<Vec<SweepPoint>> = series
        .iter()
        .enumerate()
        .map(|(k, (_, idx))| {
            let mut p: Vec<SweepPoint> = idx
                .iter()
                .map(|&i| {
                    (
                        xs[i] + dodge(k),
                        mean[i] / mib(),
                        lo[i] / mib(),
                        hi[i] / mib(),
                    )
                })
                .filter(|p| p.1.is_finite())
                .collect();
            p.sort_by(|a, b| a.0.total_cmp(&b.0));
            p
        })
        .collect();
    if pts.iter().all(|p| p.is_empty()) {
        bail!("the sweep's points.csv has no peak RSS to draw");
    }
    let (xmin, xmax) = match &numeric {
        Some((v, _)) => {
            let a = v.iter().cloned().fold(f64::INFINITY, f64::min);
            let b = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            (a, b.max(a + 1e-9))
        }
        None => (-0.5, cats.len() as f64 - 0.5),
    };
    let ymax = pts
        .iter()
        .flatten()
        .flat_map(|p| [p.1, p.3])
        .filter(|y| y.is_finite())
        .fold(limit.unwrap_or(0.0) / mib(), f64::max)
        * 1.08
        + 1.0;
    let title = if fields.len() > 1 {
        format!("peak RSS vs {field}, by {}", fields[1..].join(", "))
    } else {
        format!("peak RSS vs {field}")
    };
    let cat_names: Vec<String> = cats.iter().map(|c| c.to_string()).collect();
    let cat_label = move |x: &f64| -> String {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < cat_names.len() {
            cat_names[i as usize].clone()
        } else {
            String::new()
        }
    };
    let mut chart = if numeric.is_some() {
        axes(
            root,
            title,
            xmin..xmax,
            0f64..ymax,
            x_desc,
            mib_label("peak RSS"),
            70,
        )?
    } else {
        // One label per category, at its integer position.
        axes_with(
            root,
            title,
            xmin..xmax,
            0f64..ymax,
            x_desc,
            mib_label("peak RSS"),
            70,
            (&cat_label, cats.len() + 1),
        )?
    };
    let several = series.len() > 1;
    for (k, ((name, _), p)) in series.iter().zip(&pts).enumerate() {
        let c = COLORS[k % COLORS.len()];
        let with_ci: Vec<&SweepPoint> = p
            .iter()
            .filter(|q| q.2.is_finite() && q.3.is_finite())
            .collect();
        let label = if several {
            name.clone()
        } else {
            "mean peak RSS".to_string()
        };
        if numeric.is_some() {
            if with_ci.len() > 1 {
                let band: Vec<(f64, f64)> = with_ci
                    .iter()
                    .map(|q| (q.0, q.3))
                    .chain(with_ci.iter().rev().map(|q| (q.0, q.2)))
                    .collect();
                let drawn = chart
                    .draw_series(std::iter::once(Polygon::new(band, c.mix(0.2).filled())))
                    .map_err(e)?;
                if k == 0 {
                    drawn
                        .label("confidence interval of the mean")
                        .legend(move |(x, y)| {
                            Rectangle::new([(x, y - 5), (x + 18, y + 5)], c.mix(0.2).filled())
                        });
                }
            }
            chart
                .draw_series(LineSeries::new(
                    p.iter().map(|q| (q.0, q.1)),
                    c.stroke_width(2),
                ))
                .map_err(e)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                });
        } else {
            // No line between categories: they have no order to interpolate along.
            // An error bar: the interval, capped at both ends.
            let cap = 0.012 * cats.len() as f64;
            let drawn = chart
                .draw_series(with_ci.iter().flat_map(|q| {
                    [
                        vec![(q.0, q.2), (q.0, q.3)],
                        vec![(q.0 - cap, q.2), (q.0 + cap, q.2)],
                        vec![(q.0 - cap, q.3), (q.0 + cap, q.3)],
                    ]
                    .map(|l| PathElement::new(l, c.stroke_width(2)))
                }))
                .map_err(e)?;
            if k == 0 && !with_ci.is_empty() {
                drawn
                    .label("confidence interval of the mean")
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x + 9, y - 6), (x + 9, y + 6)], c.stroke_width(2))
                    });
            }
            if several {
                chart
                    .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                    .map_err(e)?
                    .label(label)
                    .legend(move |(x, y)| Circle::new((x + 9, y), 4, c.filled()));
            }
        }
        chart
            .draw_series(p.iter().map(|q| Circle::new((q.0, q.1), 4, c.filled())))
            .map_err(e)?;
    }
    if let Some(l) = limit {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(xmin, l / mib()), (xmax, l / mib())],
                8,
                5,
                RED.stroke_width(1),
            ))
            .map_err(e)?
            .label("memory limit")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RED.stroke_width(1)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

fn draw_validation<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, t: &Table) -> Result<()> {
    root.fill(&WHITE).map_err(e)?;
    let files = t.col("file")?;
    let (tt, m, s, lo, hi) = (
        t.num("t_s")?,
        t.num("measured_bytes")?,
        t.num("simulated_bytes")?,
        t.num("simulated_low_bytes")?,
        t.num("simulated_high_bytes")?,
    );
    // The allocator's floor lowers the band where the model has one (older files lack it).
    let floor = t
        .num("simulated_floor_bytes")
        .unwrap_or_else(|_| lo.clone());
    let lo: Vec<f64> = lo.iter().zip(&floor).map(|(a, b)| a.min(*b)).collect();
    let mut names: Vec<&String> = files.iter().collect();
    names.dedup();
    let panels = root.split_evenly((names.len(), 1));
    for (panel, name) in panels.iter().zip(&names) {
        let idx: Vec<usize> = (0..t.rows).filter(|&i| &files[i] == *name).collect();
        let xmax = idx.iter().map(|&i| tt[i]).fold(1.0, f64::max);
        let ymax = idx.iter().map(|&i| m[i].max(hi[i])).fold(0.0, f64::max) / mib() * 1.08 + 1.0;
        let short = Path::new(name.as_str())
            .file_name()
            .map(|x| x.to_string_lossy().to_string())
            .unwrap_or_default();
        let mut chart = axes(
            panel,
            format!("measured vs simulated: {short}"),
            0f64..xmax,
            0f64..ymax,
            "time [s]",
            mib_label("RSS"),
            70,
        )?;
        let c = COLORS[0];
        let band: Vec<(f64, f64)> = idx
            .iter()
            .map(|&i| (tt[i], hi[i] / mib()))
            .chain(idx.iter().rev().map(|&i| (tt[i], lo[i] / mib())))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(band, c.mix(0.2).filled())))
            .map_err(e)?
            .label("simulated band (replications, allocator floor)")
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 18, y + 5)], c.mix(0.2).filled())
            });
        chart
            .draw_series(LineSeries::new(
                idx.iter().map(|&i| (tt[i], s[i] / mib())),
                c.stroke_width(2),
            ))
            .map_err(e)?
            .label("simulated (mean)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        let mc = COLORS[1];
        chart
            .draw_series(LineSeries::new(
                idx.iter().map(|&i| (tt[i], m[i] / mib())),
                mc.stroke_width(2),
            ))
            .map_err(e)?
            .label("measured")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], mc.stroke_width(2)));
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    }
    Ok(())
}

fn draw_compare<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, t: &Table) -> Result<()> {
    root.fill(&WHITE).map_err(e)?;
    let (v, c, tt, rss, lim) = (
        t.col("variant")?,
        t.col("component")?,
        t.num("t_s")?,
        t.num("rss_bytes")?,
        t.num("memory_limit_bytes")?,
    );
    let mut comps: Vec<&String> = c.iter().collect();
    comps.sort();
    comps.dedup();
    let several = comps.len() > 1;
    let mut lines: BTreeMap<(String, String), Vec<(f64, f64)>> = BTreeMap::new();
    let mut order: Vec<(String, String)> = vec![];
    for i in 0..t.rows {
        let k = (v[i].clone(), c[i].clone());
        if !lines.contains_key(&k) {
            order.push(k.clone());
        }
        lines.entry(k).or_default().push((tt[i], rss[i]));
    }
    let duration = tt.iter().cloned().fold(0.0, f64::max);
    let (tu, tlabel) = time_axis(duration);
    let limit = lim
        .iter()
        .cloned()
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    let ymax = (rss.iter().cloned().fold(0.0, f64::max).max(limit) / mib() * 1.08).max(1.0);
    let mut chart = axes(
        root,
        "variants compared (replication 0)",
        0f64..(duration / tu).max(1e-9),
        0f64..ymax,
        tlabel,
        mib_label("RSS"),
        70,
    )?;
    for (k, key) in order.iter().enumerate() {
        let col = COLORS[k % COLORS.len()];
        let label = if several {
            format!("{} ({})", key.0, key.1)
        } else {
            key.0.clone()
        };
        chart
            .draw_series(LineSeries::new(
                lines[key].iter().map(|p| (p.0 / tu, p.1 / mib())),
                col.stroke_width(2),
            ))
            .map_err(e)?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(2)));
    }
    if limit > 0.0 {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, limit / mib()), (duration / tu, limit / mib())],
                8,
                5,
                BLACK.stroke_width(1),
            ))
            .map_err(e)?
            .label("memory limit")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(1)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

/// Draws what `dir` holds into `out` (default: `dir`). Returns the files written.
pub fn plot_dir(dir: &Path, out: Option<&Path>, formats: &[Format]) -> Result<Vec<PathBuf>> {
    let out = out.unwrap_or(dir);
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut written = vec![];
    if dir.join("timeseries.csv").exists() {
        let d = read_run(dir)?;
        written.extend(both!(
            out,
            "memory",
            formats,
            (1100, 600),
            |r| draw_memory(r, &d)
        )?);
        written.extend(both!(out, "queue", formats, (1100, 600), |r| draw_queue(
            r, &d
        ))?);
    }
    if dir.join("points.csv").exists() && !dir.join("curves.csv").exists() {
        let t = Table::read(&dir.join("points.csv"))?;
        let fields = varied_fields(dir)?;
        let limit = sweep_limit(dir);
        written.extend(both!(out, "peak_rss", formats, (1000, 600), |r| {
            draw_sweep(r, &t, &fields, limit)
        })?);
    }
    if dir.join("curves.csv").exists() {
        let t = Table::read(&dir.join("curves.csv"))?;
        written.extend(both!(out, "compare", formats, (1100, 600), |r| {
            draw_compare(r, &t)
        })?);
    }
    if dir.join("validation.csv").exists() {
        let t = Table::read(&dir.join("validation.csv"))?;
        let mut files = t.col("file")?.clone();
        files.dedup();
        let h = 380 * files.len().max(1) as u32;
        written.extend(both!(out, "validation", formats, (1000, h), |r| {
            draw_validation(r, &t)
        })?);
    }
    if written.is_empty() {
        bail!(
            "{} holds no tracesim output to plot (timeseries.csv, points.csv, curves.csv or validation.csv)",
            dir.display()
        );
    }
    Ok(written)
}

/// The sweep's varied fields, in `--vary` order: the manifest's `label_columns`, or else the
/// columns of points.csv between `point` and `runs` (less their `_value` columns).
fn varied_fields(dir: &Path) -> Result<Vec<String>> {
    let from_manifest = std::fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
        .and_then(|v| {
            v.get("label_columns")?
                .as_array()?
                .iter()
                .map(|x| x.as_str().map(String::from))
                .collect::<Option<Vec<String>>>()
        })
        .filter(|l| !l.is_empty());
    if let Some(l) = from_manifest {
        return Ok(l);
    }
    let path = dir.join("points.csv");
    let mut rd = csv::Reader::from_path(&path)?;
    let mut fields: Vec<String> = vec![];
    for h in rd.headers()?.iter().skip(1).take_while(|h| *h != "runs") {
        // A varied field's numeric column follows it (`<field>_value`): not a field itself.
        let numeric = fields
            .last()
            .is_some_and(|f| h == format!("{f}{}", crate::sweep::VALUE_SUFFIX));
        if !numeric {
            fields.push(h.to_string());
        }
    }
    if fields.is_empty() {
        bail!("{}: no varied field", path.display());
    }
    Ok(fields)
}

/// The memory limit the sweep's runs had, when `runs.csv` says so and it is the same for all.
fn sweep_limit(dir: &Path) -> Option<f64> {
    let t = Table::read(&dir.join("runs.csv")).ok()?;
    let l = t.num("memory_limit_bytes").ok()?;
    let first = *l.first()?;
    (first.is_finite() && l.iter().all(|x| *x == first)).then_some(first)
}

pub fn parse_formats(s: &str) -> Result<Vec<Format>> {
    s.split(',')
        .map(|f| match f.trim() {
            "svg" => Ok(Format::Svg),
            "png" => Ok(Format::Png),
            other => Err(anyhow!("unknown image format `{other}`: svg or png")),
        })
        .collect()
}
