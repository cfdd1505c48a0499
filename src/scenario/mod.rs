//! Scenario files: load (with `--set` overrides), parse, validate.
//!
//! Two layers, as in SimCore/DSLab: [`raw::RawScenario`] is the file exactly as written;
//! [`Scenario`] is the checked form the engine uses (integer nanoseconds, ready samplers).
//! Every error names the file, the line and column where the line is known, and the field
//! path (`storage.outages[0].start`).

pub mod events;
pub mod otelcol;
pub mod raw;
pub mod tracer;

use crate::dist::Sampler;
use crate::memory::{GoRuntimeConfig, GoVersion, JaegerSpanModel, JaegerStructSizes, SpanShape};
use crate::sim::Nanos;
use raw::*;
use std::fmt;
use std::path::{Path, PathBuf};

/// A scenario error: fatal for the run; fix the file or the `--set` value it names.
#[derive(Debug, Clone)]
pub struct ScenarioError {
    pub file: String,
    pub line: Option<(usize, usize)>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((l, c)) = self.line {
            write!(f, ":{l}:{c}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// Something a valid scenario says that its run will not show as written (an outage that
/// starts after the run ends, a timer whose first tick comes after it). Not fatal: every
/// command that loads a scenario prints its warnings once, on stderr, located like an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioWarning {
    pub file: String,
    pub line: Option<(usize, usize)>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for ScenarioWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same shape as an error, so editors and people find the line the same way.
        let e = ScenarioError {
            file: self.file.clone(),
            line: self.line,
            field: self.field.clone(),
            message: self.message.clone(),
        };
        e.fmt(f)
    }
}

/// Prints a loaded scenario's warnings on stderr, one line each.
pub fn print_warnings(warnings: &[ScenarioWarning]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub duration: Nanos,
    pub seed: u64,
    pub sample_interval: Nanos,
    pub resolution: raw::Resolution,
    pub workload: Workload,
    /// Stages in pipeline order; at least a tracer or a collector.
    pub tracer: Option<tracer::Tracer>,
    pub agent: Option<tracer::Agent>,
    pub collector: Option<JaegerCollector>,
    /// An OpenTelemetry Collector (never with a Jaeger `collector`).
    pub otelcol: Option<otelcol::OtelCollector>,
    /// Present exactly when a collector is.
    pub storage: Option<Storage>,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub arrivals: ArrivalKind,
    /// (from time, requests per second), sorted, first at 0.
    pub rate_steps: Vec<(Nanos, f64)>,
    pub spans_per_request: Sampler,
    pub span_size: Sampler,
    /// Time from a request's start to its end; None = spans end as they start.
    pub request_duration: Option<Sampler>,
}

#[derive(Clone, Debug)]
pub struct JaegerCollector {
    pub queue_size: u64,
    pub queue_size_memory: Option<u64>,
    pub num_workers: u32,
    pub resize_interval: Nanos,
    pub max_queue_size: u64,
    pub resize_min_change: f64,
    pub runtime: GoRuntimeConfig,
    pub memory_limit: Option<u64>,
    pub span_model: JaegerSpanModel,
    pub restart: Restart,
}

#[derive(Clone, Debug)]
pub struct Restart {
    pub enabled: bool,
    pub backoff_initial: Nanos,
    pub backoff_max: Nanos,
    pub backoff_reset: Nanos,
    pub startup: Nanos,
}

#[derive(Clone, Copy, Debug)]
pub struct Outage {
    pub start: Nanos,
    pub end: Nanos,
    pub mode: OutageMode,
}

#[derive(Clone, Debug)]
pub struct Storage {
    pub kind: StorageKind,
    pub latency: Sampler,
    pub throughput: Option<f64>,
    pub error_rate: f64,
    pub refuse_latency: Nanos,
    pub timeout: Option<Nanos>,
    pub outages: Vec<Outage>,
    pub bulk: Bulk,
}

impl Storage {
    /// The outage in force at `t`, if any (windows are half-open: `[start, end)`).
    pub fn outage_at(&self, t: Nanos) -> Option<&Outage> {
        self.outages.iter().find(|o| o.start <= t && t < o.end)
    }
}

#[derive(Clone, Debug)]
pub struct Bulk {
    pub actions: u64,
    pub size: u64,
    pub workers: u32,
    pub flush_interval: Nanos,
    pub backoff_initial: Nanos,
    pub backoff_max: Nanos,
    pub reconnect_interval: Nanos,
    pub healthcheck_timeout: Nanos,
}

/// A loaded scenario with the exact text it came from (after overrides), for the manifest.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    pub text: String,
    pub path: PathBuf,
    /// What the scenario says that its run will not show ([`warnings`]); the command prints
    /// them ([`print_warnings`]).
    pub warnings: Vec<ScenarioWarning>,
}

/// Reads, overrides, parses and validates a scenario file.
pub fn load(path: &Path, overrides: &[String]) -> Result<Loaded, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: file.clone(),
        line: None,
        field: String::new(),
        message: format!("cannot read the scenario file: {e}"),
    })?;
    let text = apply_overrides(&file, &text, overrides)?;
    let scenario = parse(&file, &text).map_err(|mut e| {
        e.message = set_by(e.message, &e.field, overrides);
        e
    })?;
    let warnings = warnings(&file, &text, &scenario)
        .into_iter()
        .map(|mut w| {
            w.message = set_by(w.message, &w.field, overrides);
            w
        })
        .collect();
    Ok(Loaded {
        scenario,
        text,
        path: path.to_path_buf(),
        warnings,
    })
}

/// Says when a value a message is about came from the command line rather than the file:
/// the field itself, or the run's duration a message compares it with.
fn set_by(message: String, field: &str, overrides: &[String]) -> String {
    let field = path_segments(field);
    let duration = path_segments("scenario.duration");
    let by: Vec<String> = overrides
        .iter()
        .filter(|o| {
            let path = path_segments(o.split_once('=').map_or(o.as_str(), |(p, _)| p));
            let about_duration = path == duration && message.contains("scenario.duration");
            !field.is_empty() && (path == field || about_duration)
        })
        .map(|o| format!("--set {o}"))
        .collect();
    if by.is_empty() {
        message
    } else {
        format!("{message} (set by {})", by.join(" and "))
    }
}

/// What a valid scenario says that its run will not show as written:
/// * an outage (storage, agent) that starts at or after the run's end never happens (one
///   that ends after it is not warned about: "down for the rest of the run" is a common way
///   to write an outage that never recovers, as `models/validation/otel-rs-bsp.toml` does);
/// * a rate step at or after the end never takes effect;
/// * a timer that fires whatever happens (the memory_limiter check, the batch timer, the
///   queue resize check, flushes, samples) but whose first tick comes after the end never
///   fires at all.
pub fn warnings(file: &str, text: &str, s: &Scenario) -> Vec<ScenarioWarning> {
    let end = s.duration;
    let at = |ns: Nanos| events::fmt_period(ns);
    let mut out: Vec<(String, String)> = vec![];
    let outage_lists = [
        ("storage", s.storage.as_ref().map(|x| &x.outages)),
        ("agent", s.agent.as_ref().map(|x| &x.outages)),
    ];
    for (stage, outages) in outage_lists {
        for (i, o) in outages.into_iter().flatten().enumerate() {
            if o.start >= end {
                out.push((
                    format!("{stage}.outages[{i}].start"),
                    format!(
                        "the outage starts at {}, when the run is over (scenario.duration = \
                         {}): it never happens",
                        at(o.start),
                        at(end)
                    ),
                ));
            }
        }
    }
    // The schedule as written (the validated steps merge a step at 0 into workload.rate).
    let schedule = parse_raw(file, text)
        .map(|r| r.workload.rate_schedule)
        .unwrap_or_default();
    for (i, step) in schedule.iter().enumerate() {
        if step.at.0 >= end {
            out.push((
                format!("workload.rate_schedule[{i}].at"),
                format!(
                    "the rate step at {} comes when the run is over (scenario.duration = {}): \
                     it never takes effect",
                    at(step.at.0),
                    at(end)
                ),
            ));
        }
    }
    for src in events::sources(s) {
        if src.unconditional && src.every > end {
            out.push((
                src.field.clone(),
                format!(
                    "{} is longer than the run (scenario.duration = {}): there are no {}",
                    at(src.every),
                    at(end),
                    src.what
                ),
            ));
        }
    }
    out.into_iter()
        .map(|(field, message)| ScenarioWarning {
            file: file.to_string(),
            line: locate(text, &field),
            field,
            message,
        })
        .collect()
}

/// Parses and validates scenario text (`file` is only used in messages), including the
/// budget of timer events a run may spend ([`events::MAX_PERIODIC_EVENTS`]).
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    located(file, text, validate)
}

/// [`parse`] without the event budget: is this a valid configuration, whether or not a run
/// of it is affordable? For `import`, which writes what the input says (and warns) even when
/// `run` will refuse it.
pub fn parse_config(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    located(file, text, validate_config)
}

fn located(
    file: &str,
    text: &str,
    check: fn(&RawScenario) -> VResult<Scenario>,
) -> Result<Scenario, ScenarioError> {
    let raw = parse_raw(file, text)?;
    check(&raw).map_err(|(field, message)| ScenarioError {
        file: file.to_string(),
        line: locate(text, &field),
        field,
        message,
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}

pub fn parse_raw(file: &str, text: &str) -> Result<RawScenario, ScenarioError> {
    let de = toml::de::Deserializer::parse(text).map_err(|e| ScenarioError {
        file: file.to_string(),
        line: e.span().map(|s| line_col(text, s.start)),
        field: String::new(),
        message: format!("malformed TOML: {}", e.message().trim()),
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ScenarioError {
            file: file.to_string(),
            line: inner
                .span()
                .map(|s| line_col(text, s.start))
                .or_else(|| locate(text, &path)),
            field: if path == "." { String::new() } else { path },
            message: inner.message().trim().to_string(),
        }
    })
}

/// Splits `a.b[0].c` or `a.b.0.c` into segments (the sweep compares `--vary` paths with it).
pub fn path_segments(path: &str) -> Vec<String> {
    path.replace('[', ".")
        .replace(']', "")
        .split('.')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Line and column of a field path in the text, when the field is written there.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    use toml_edit::{Item, TableLike, Value};
    enum Cursor<'a> {
        Table(&'a dyn TableLike),
        Item(&'a Item),
        Value(&'a Value),
    }
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut span = None;
    let mut cur = Cursor::Table(doc.as_table());
    for seg in path_segments(path) {
        let index = seg.parse::<usize>().ok();
        let table: Option<&dyn TableLike> = match (&cur, index) {
            (Cursor::Table(t), None) => Some(*t),
            (Cursor::Item(it), None) => it.as_table_like(),
            (Cursor::Value(v), None) => v.as_inline_table().map(|t| t as &dyn TableLike),
            _ => None,
        };
        cur = match (table, index, cur) {
            (Some(t), None, _) => {
                let (k, it) = t.get_key_value(&seg)?;
                span = k.span().or(span);
                Cursor::Item(it)
            }
            (_, Some(i), Cursor::Item(Item::ArrayOfTables(a))) => {
                let t = a.get(i)?;
                span = t.span().or(span);
                Cursor::Table(t)
            }
            (_, Some(i), Cursor::Item(Item::Value(Value::Array(a))))
            | (_, Some(i), Cursor::Value(Value::Array(a))) => {
                let v = a.get(i)?;
                span = v.span().or(span);
                Cursor::Value(v)
            }
            _ => break,
        };
    }
    span.map(|s| line_col(text, s.start))
}

/// Applies `path=value` overrides to the TOML text. Values are TOML (`15`, `"15MiB"`,
/// `true`); a value that is not valid TOML is taken as a string, so `--set
/// collector.queue_size_memory=15MiB` works unquoted.
pub fn apply_overrides(
    file: &str,
    text: &str,
    overrides: &[String],
) -> Result<String, ScenarioError> {
    if overrides.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: toml_edit::DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| ScenarioError {
                file: file.to_string(),
                line: e.span().map(|s| line_col(text, s.start)),
                field: String::new(),
                message: format!("malformed TOML: {}", e.message().trim()),
            })?;
    for o in overrides {
        let err = |field: &str, message: String| ScenarioError {
            file: format!("{file} (--set {o})"),
            line: None,
            field: field.to_string(),
            message,
        };
        let (path, value) = o
            .split_once('=')
            .ok_or_else(|| err("", "an override is written path=value".into()))?;
        let (path, value) = (path.trim(), value.trim());
        let v = value
            .parse::<toml_edit::Value>()
            .unwrap_or_else(|_| toml_edit::Value::from(value));
        let segs = path_segments(path);
        if segs.is_empty() {
            return Err(err(path, "empty field path".into()));
        }
        set_in_table(doc.as_table_mut(), &segs, v).map_err(|m| err(path, m))?;
    }
    Ok(doc.to_string())
}

fn set_in_item(
    item: &mut toml_edit::Item,
    segs: &[String],
    v: toml_edit::Value,
) -> Result<(), String> {
    use toml_edit::{Item, TableLike, Value};
    let seg = &segs[0];
    let Ok(idx) = seg.parse::<usize>() else {
        let t = item
            .as_table_like_mut()
            .ok_or_else(|| format!("`{seg}` is inside a value that is not a table"))?;
        return set_in_table(t, segs, v);
    };
    let rest = &segs[1..];
    match item {
        Item::ArrayOfTables(a) => {
            let n = a.len();
            let t = a
                .get_mut(idx)
                .ok_or_else(|| format!("index {idx} is out of range ({n} entries)"))?;
            if rest.is_empty() {
                return Err("cannot replace a whole table: name a field inside it".into());
            }
            set_in_table(t, rest, v)
        }
        Item::Value(Value::Array(a)) => {
            let n = a.len();
            let slot = a
                .get_mut(idx)
                .ok_or_else(|| format!("index {idx} is out of range ({n} entries)"))?;
            if rest.is_empty() {
                // Keep the element's layout (its line in a multi-line array).
                let decor = slot.decor().clone();
                *slot = v;
                *slot.decor_mut() = decor;
                return Ok(());
            }
            let t = slot
                .as_inline_table_mut()
                .ok_or_else(|| format!("entry {idx} is not a table"))?;
            set_in_table(t as &mut dyn TableLike, rest, v)
        }
        _ => Err(format!("`{seg}` indexes something that is not an array")),
    }
}

fn set_in_table(
    t: &mut dyn toml_edit::TableLike,
    segs: &[String],
    v: toml_edit::Value,
) -> Result<(), String> {
    let seg = &segs[0];
    if segs.len() == 1 {
        // Replace a written value in place: `insert` would replace its key too, and with it
        // the comment lines above it, moving every later line (and so the line numbers that
        // errors and warnings give). A comment after the old value is about the old value:
        // it says so instead.
        if let Some(old) = t.get_mut(seg).and_then(|i| i.as_value_mut()) {
            let mut decor = old.decor().clone();
            let commented = decor
                .suffix()
                .and_then(|x| x.as_str())
                .is_some_and(|x| x.contains('#'));
            if commented {
                let mut was = old.clone();
                was.decor_mut().clear();
                let was = was.to_string().replace('\n', " ");
                decor.set_suffix(format!(" # --set (was {was})"));
            }
            *old = v;
            *old.decor_mut() = decor;
        } else {
            t.insert(seg, toml_edit::Item::Value(v));
        }
        return Ok(());
    }
    if t.get(seg).is_none() {
        t.insert(seg, toml_edit::Item::Table(toml_edit::Table::new()));
    }
    set_in_item(t.get_mut(seg).expect("present"), &segs[1..], v)
}

pub(crate) type VResult<T> = Result<T, (String, String)>;

/// Spans one run may simulate (~20M spans/s: about 25 minutes).
pub const MAX_EXPECTED_SPANS: f64 = 3e10;

pub(crate) fn bad<T>(field: &str, msg: impl Into<String>) -> VResult<T> {
    Err((field.to_string(), msg.into()))
}

/// Cross-field checks and conversion to the engine's form, then the event budget.
pub fn validate(r: &RawScenario) -> VResult<Scenario> {
    let s = validate_config(r)?;
    events::check(&s)?;
    Ok(s)
}

/// Cross-field checks and conversion to the engine's form.
pub fn validate_config(r: &RawScenario) -> VResult<Scenario> {
    let m = &r.scenario;
    if m.name.trim().is_empty() {
        return bad("scenario.name", "must not be empty");
    }
    if m.duration.0 == 0 {
        return bad("scenario.duration", "must be longer than 0s");
    }
    if m.duration.0 > 366 * 86_400 * 1_000_000_000 {
        return bad(
            "scenario.duration",
            "is longer than a year: this tool simulates hours to weeks",
        );
    }
    if m.sample_interval.0 < 1_000_000 {
        return bad("scenario.sample_interval", "must be at least 1ms");
    }
    if m.duration.0 / m.sample_interval.0 > 10_000_000 {
        return bad(
            "scenario.sample_interval",
            "gives more than 10 million samples: raise it",
        );
    }

    // Workload.
    let w = &r.workload;
    let mut steps = vec![(0u64, w.rate.0)];
    for (i, s) in w.rate_schedule.iter().enumerate() {
        let f = format!("workload.rate_schedule[{i}].at");
        if s.at.0 <= steps.last().unwrap().0 && !(i == 0 && s.at.0 == 0) {
            return bad(&f, "steps must be in increasing time order");
        }
        if s.at.0 == 0 {
            steps[0].1 = s.rate.0;
        } else {
            steps.push((s.at.0, s.rate.0));
        }
    }
    for (i, (_, rate)) in steps.iter().enumerate() {
        if *rate > 1.0e8 {
            let f = if i == 0 {
                "workload.rate".to_string()
            } else {
                format!("workload.rate_schedule[{}].rate", i - 1)
            };
            return bad(
                &f,
                "is above 100M requests/s: this would simulate more spans than fit in memory and time",
            );
        }
    }
    let spr = w
        .spans_per_request
        .sampler()
        .or_else(|e| bad("workload.spans_per_request", e))?;
    if spr.mean() <= 0.0 {
        return bad("workload.spans_per_request", "must average more than 0");
    }
    if spr.mean() > 100_000.0 {
        return bad(
            "workload.spans_per_request",
            "averages over 100,000 spans per request",
        );
    }
    // The work a run would do: refuse what would take hours rather than hang.
    let mut expected_requests = 0.0;
    for (i, &(start, rate)) in steps.iter().enumerate() {
        let end = steps
            .get(i + 1)
            .map_or(m.duration.0, |s| s.0)
            .min(m.duration.0);
        expected_requests += rate * end.saturating_sub(start) as f64 / 1e9;
    }
    let expected_spans = expected_requests * spr.mean();
    if expected_spans > MAX_EXPECTED_SPANS {
        return bad(
            "workload.rate",
            format!(
                "this run would simulate ~{expected_spans:.1e} spans, above the limit of \
                 {MAX_EXPECTED_SPANS:.0e} (about half an hour of compute): shorten \
                 scenario.duration or lower the rate"
            ),
        );
    }
    let size = w
        .span_size
        .sampler()
        .or_else(|e| bad("workload.span_size", e))?;
    if size.mean() < 1.0 || size.mean() > 64.0 * 1024.0 * 1024.0 {
        return bad("workload.span_size", "mean must be between 1B and 64MiB");
    }
    let request_duration = match &w.request_duration {
        None => None,
        Some(d) => {
            let smp = d
                .sampler()
                .or_else(|e| bad("workload.request_duration", e))?;
            (smp.mean() > 0.0).then_some(smp)
        }
    };

    let has_collector = r.collector.is_some() || r.otelcol.is_some();
    if r.collector.is_some() && r.otelcol.is_some() {
        return bad(
            "otelcol",
            "a scenario has one collector: a Jaeger [collector] or an [otelcol], not both",
        );
    }
    if r.tracer.is_none() && !has_collector {
        return bad(
            "collector",
            "a scenario needs a [tracer], a [collector] or [otelcol], or both",
        );
    }
    if r.agent.is_some() && r.tracer.is_none() {
        return bad("agent", "an [agent] receives from a [tracer]: add one");
    }
    if r.tracer.is_some() && r.agent.is_none() && !has_collector {
        return bad(
            "tracer",
            "the tracer exports nowhere: add an [agent], a [collector] or an [otelcol]",
        );
    }
    let collector = match &r.collector {
        Some(c) => {
            let Some(sh) = &w.span_shape else {
                return bad(
                    "workload.span_shape",
                    "is required with a [collector] (its span memory model needs the tag count)",
                );
            };
            Some(validate_collector(c, sh)?)
        }
        None => None,
    };
    let otelcol = r
        .otelcol
        .as_ref()
        .map(otelcol::validate_otelcol)
        .transpose()?;
    let storage = match (&r.storage, has_collector) {
        (Some(s), true) => Some(validate_storage(s)?),
        (None, true) => return bad("storage", "a collector needs a [storage] section"),
        (Some(_), false) => {
            return bad("storage", "[storage] is written by a collector: add one");
        }
        (None, false) => None,
    };
    if let Some(s) = &storage {
        match (s.kind, otelcol.is_some()) {
            (StorageKind::Otlp, false) => {
                return bad(
                    "storage.kind",
                    "\"otlp\" is the backend of an [otelcol]; a Jaeger collector writes \"elasticsearch\" or \"direct\"",
                );
            }
            (StorageKind::Elasticsearch | StorageKind::Direct, true) => {
                return bad(
                    "storage.kind",
                    "an [otelcol] exports requests: use kind = \"otlp\" (any exporterhelper backend)",
                );
            }
            _ => {}
        }
    }
    let tracer = r.tracer.as_ref().map(tracer::validate_tracer).transpose()?;
    if m.resolution == raw::Resolution::Request && tracer.is_some() {
        return bad(
            "scenario.resolution",
            "\"request\" is for collector scenarios without a [tracer]: a tracer's span \
             limits admit span by span, so it runs at \"span\"",
        );
    }
    let agent = r.agent.as_ref().map(tracer::validate_agent).transpose()?;

    Ok(Scenario {
        name: m.name.clone(),
        duration: m.duration.0,
        seed: m.seed,
        sample_interval: m.sample_interval.0,
        resolution: m.resolution,
        workload: Workload {
            arrivals: w.arrivals,
            rate_steps: steps,
            spans_per_request: spr,
            span_size: size,
            request_duration,
        },
        tracer,
        agent,
        collector,
        otelcol,
        storage,
    })
}

fn validate_collector(c: &RawCollector, sh: &RawSpanShape) -> VResult<JaegerCollector> {
    if sh.tags > 10_000 {
        return bad("workload.span_shape.tags", "more than 10,000 tags per span");
    }
    let shape = SpanShape {
        tags: sh.tags,
        tag_key_bytes: sh.tag_key_bytes,
        process_tags: sh.process_tags,
        references: sh.references,
        operation_name_bytes: sh.operation_name_bytes,
        service_name_bytes: sh.service_name_bytes,
    };

    // queue_size = 0 is legal: Jaeger then drops every span (size >= capacity).
    if c.num_workers == 0 || c.num_workers > 100_000 {
        return bad("collector.num_workers", "must be between 1 and 100,000");
    }
    if c.max_queue_size > 50_000_000 {
        return bad(
            "collector.max_queue_size",
            "above 50 million spans is not supported",
        );
    }
    if c.queue_size > c.max_queue_size.max(50_000_000) {
        return bad(
            "collector.queue_size",
            "above 50 million spans is not supported",
        );
    }
    if let Some(q) = c.queue_size_memory
        && q.0 == 0
    {
        return bad(
            "collector.queue_size_memory",
            "0 turns the dynamic queue off: omit the field instead",
        );
    }
    if c.resize_interval.0 == 0 {
        return bad("collector.resize_interval", "must be longer than 0s");
    }
    if !(c.resize_min_change >= 1.0 && c.resize_min_change.is_finite()) {
        return bad(
            "collector.resize_min_change",
            "must be a ratio of at least 1",
        );
    }
    let mem = &c.memory;
    let runtime = validate_go_runtime(&mem.go_runtime(), "collector.memory", "1.15")?;
    let sm = &mem.span_model;
    if !(sm.decode_garbage_per_wire_byte >= 0.0 && sm.decode_garbage_per_wire_byte < 1000.0) {
        return bad(
            "collector.memory.span_model.decode_garbage_per_wire_byte",
            "must be between 0 and 1000",
        );
    }
    if sm.key_value.0 == 0 || sm.key_value.0 > 4096 {
        return bad(
            "collector.memory.span_model.key_value",
            "must be between 1B and 4KiB",
        );
    }
    let sizes = JaegerStructSizes {
        queue_item: sm.queue_item.0,
        span: sm.span_struct.0,
        key_value: sm.key_value.0,
        process: sm.process_struct.0,
        span_ref: sm.span_ref.0,
        appended_tags: sm.appended_tags,
        wire_fixed: sm.wire_fixed.0,
        wire_per_tag: sm.wire_per_tag.0,
        decode_garbage_per_wire_byte: sm.decode_garbage_per_wire_byte,
        es_doc_fixed: sm.es_doc_fixed.0,
        es_key_value: sm.es_key_value.0,
        es_json_per_tag: sm.es_json_per_tag.0,
    };
    let collector = JaegerCollector {
        queue_size: c.queue_size,
        queue_size_memory: c.queue_size_memory.map(|b| b.0),
        num_workers: c.num_workers,
        resize_interval: c.resize_interval.0,
        max_queue_size: c.max_queue_size,
        resize_min_change: c.resize_min_change,
        span_model: JaegerSpanModel::new(runtime.version, shape.clone(), sizes),
        runtime,
        memory_limit: mem.limit.map(|b| b.0),
        restart: validate_restart(&c.restart, "collector.restart")?,
    };
    Ok(collector)
}

fn validate_storage(s: &RawStorage) -> VResult<Storage> {
    let latency = s.latency.sampler().or_else(|e| bad("storage.latency", e))?;
    if let Some(t) = s.throughput
        && t.0 <= 0.0
    {
        return bad("storage.throughput", "must be above 0 (omit it for no cap)");
    }
    if !(0.0..=1.0).contains(&s.error_rate) {
        return bad("storage.error_rate", "must be a fraction between 0 and 1");
    }
    if let Some(t) = s.timeout
        && t.0 == 0
    {
        return bad(
            "storage.timeout",
            "0 means no timeout: omit the field instead",
        );
    }
    let outages = validate_outages(&s.outages, "storage")?;
    let b = &s.bulk;
    if b.actions == 0 {
        return bad("storage.bulk.actions", "must be at least 1");
    }
    if b.workers == 0 || b.workers > 1000 {
        return bad("storage.bulk.workers", "must be between 1 and 1000");
    }
    if b.flush_interval.0 == 0 {
        return bad("storage.bulk.flush_interval", "must be longer than 0s");
    }
    if b.reconnect_interval.0 == 0 {
        return bad("storage.bulk.reconnect_interval", "must be longer than 0s");
    }
    if b.backoff_initial.0 == 0 || b.backoff_max.0 < b.backoff_initial.0 {
        return bad(
            "storage.bulk.backoff_initial",
            "must be above 0 and at most backoff_max",
        );
    }
    let storage = Storage {
        kind: s.kind,
        latency,
        throughput: s.throughput.map(|r| r.0),
        error_rate: s.error_rate,
        refuse_latency: s.refuse_latency.0,
        timeout: s.timeout.map(|d| d.0),
        outages,
        bulk: Bulk {
            actions: b.actions,
            size: b.size.0,
            workers: b.workers,
            flush_interval: b.flush_interval.0,
            backoff_initial: b.backoff_initial.0,
            backoff_max: b.backoff_max.0,
            reconnect_interval: b.reconnect_interval.0,
            healthcheck_timeout: b.healthcheck_timeout.0,
        },
    };
    Ok(storage)
}

pub(crate) fn validate_outages(raw: &[RawOutage], stage: &str) -> VResult<Vec<Outage>> {
    let mut outages: Vec<Outage> = Vec::new();
    for (i, o) in raw.iter().enumerate() {
        if o.duration.0 == 0 {
            return bad(
                &format!("{stage}.outages[{i}].duration"),
                "must be longer than 0s",
            );
        }
        let out = Outage {
            start: o.start.0,
            end: o.start.0.saturating_add(o.duration.0),
            mode: o.mode,
        };
        if let Some(prev) = outages.last()
            && out.start < prev.end
        {
            return bad(
                &format!("{stage}.outages[{i}].start"),
                "outages must be in time order and must not overlap",
            );
        }
        outages.push(out);
    }
    Ok(outages)
}

/// The Go runtime of a collector process; `field` is its memory table (errors name
/// `{field}.go_version`, `{field}.limit`), `example` a Go version for the message.
pub(crate) fn validate_go_runtime(
    m: &RawGoRuntime,
    field: &str,
    example: &str,
) -> VResult<GoRuntimeConfig> {
    let version = GoVersion::parse(m.go_version).ok_or_else(|| {
        (
            format!("{field}.go_version"),
            format!(
                "`{}` is not a Go version such as \"{example}\"",
                m.go_version
            ),
        )
    })?;
    if m.gomemlimit.is_some() && !version.has_memory_limit() {
        return bad(
            &format!("{field}.gomemlimit"),
            format!(
                "GOMEMLIMIT appeared in Go 1.19: a Go {} runtime ignores it (remove it, or \
                 raise {field}.go_version)",
                m.go_version
            ),
        );
    }
    if !(0.0..=1.0).contains(&m.metadata_ratio) {
        return bad(
            &format!("{field}.metadata_ratio"),
            format!("{} is not a fraction between 0 and 1", m.metadata_ratio),
        );
    }
    if let Some(l) = m.limit
        && l.0 <= m.baseline.0
    {
        return bad(
            &format!("{field}.limit"),
            format!("{} is not above the baseline RSS {}", l, m.baseline),
        );
    }
    Ok(GoRuntimeConfig {
        version,
        baseline: m.baseline.0,
        roots: m.gc_roots.0,
        gogc: m.gogc,
        memlimit: m.gomemlimit.map(|b| b.0),
        min_heap: m.min_heap.0,
        scavenge_rate: m.scavenge_rate.0 as f64,
        static_heap: m.static_heap.0,
        metadata_ratio: m.metadata_ratio,
    })
}

pub(crate) fn validate_restart(rs: &RawRestart, field: &str) -> VResult<Restart> {
    if rs.backoff_max.0 < rs.backoff_initial.0 {
        return bad(&format!("{field}.backoff_max"), "is below backoff_initial");
    }
    Ok(Restart {
        enabled: rs.enabled,
        backoff_initial: rs.backoff_initial.0.max(1),
        backoff_max: rs.backoff_max.0.max(1),
        backoff_reset: rs.backoff_reset.0,
        startup: rs.startup.0,
    })
}
