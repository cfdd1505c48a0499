//! `tracesim import otelcol`: an OpenTelemetry Collector (or Jaeger v2) YAML config to an
//! `[otelcol]` scenario.
//!
//! What is read, as the collector reads it (`../shared/reference/pipeline-mechanics.md` §2):
//! - `service.pipelines.traces` (or `traces/<name>`): the processors in order and the
//!   exporters. Every name must be defined in its section, as the collector requires.
//! - `memory_limiter` (`processor/memorylimiterprocessor` Config): `check_interval`,
//!   `limit_mib` / `limit_percentage`, `spike_limit_mib` / `spike_limit_percentage`,
//!   `min_gc_interval_when_{soft,hard}_limited` (v0.121+), `max_gc_interval_*` (v0.156+).
//! - `batch` (`processor/batchprocessor` Config): `send_batch_size`, `timeout`,
//!   `send_batch_max_size`.
//! - The first exporter of the pipeline built on `exporter/exporterhelper` that sends to a
//!   backend: `timeout` (TimeoutConfig), `sending_queue` (QueueBatchConfig: `enabled`,
//!   `queue_size`, `sizer`, `num_consumers`, `block_on_overflow` or the older `blocking`,
//!   `storage`) and `retry_on_failure` (configretry.BackOffConfig: `enabled`,
//!   `initial_interval`, `max_interval`, `max_elapsed_time`, `multiplier`,
//!   `randomization_factor`). Jaeger v2's `jaeger_storage_exporter` names its queue `queue`,
//!   has no queue unless one is configured, retries only when `retry_on_failure.enabled`, and
//!   has no timeout (`storageexporter/factory.go`, `createDefaultConfig`).
//!
//! Everything else (receivers, other processors, other exporters, connectors, extensions
//! other than a queue's storage, unknown keys) is listed as not modelled.
//!
//! Every component defined in the config must be of a type that exists (the collector refuses
//! an unknown type too): a type missing from [`super::catalogue`] (the components of the
//! collector core, contrib and Jaeger v2) is an error naming its key and line, with the nearest
//! type of its kind as a suggestion; with `allow_unknown` (`--allow-unknown`, for custom builds)
//! it is listed as not modelled instead.

use super::catalogue::{self, Kind as Component};
use super::yaml::{self, Entry, Expanded, Kind, Node};
use super::{
    ImportError, Imported, Options, Origin, Toml, WorkloadDefaults, dur, float, name_from, q, size,
    write_meta, write_outage, write_workload,
};
use crate::scenario::otelcol::OtelVersion;

/// The collector release assumed without `--version`: the newest tag in the project's
/// reference snapshot of open-telemetry/opentelemetry-collector (934999fbab, 2026-08-21;
/// docs/research/otelcol-verified.md).
pub const DEFAULT_VERSION: &str = "0.159.0";
/// Go toolchain assumed without `--go-version` (inference: collector releases of 2025-26 are
/// built with Go 1.24).
pub const DEFAULT_GO: &str = "1.24";

const SECTIONS: [&str; 6] = [
    "receivers",
    "processors",
    "exporters",
    "connectors",
    "extensions",
    "service",
];

/// Exporters that write locally rather than to a backend: modelled only when the pipeline has
/// nothing else.
const LOCAL_SINKS: [&str; 4] = ["debug", "logging", "nop", "file"];

struct Ctx<'a> {
    file: &'a str,
    env: &'a [(String, String)],
    notes: Vec<String>,
    /// Values that are valid but likely not meant (`Imported::warnings`).
    warnings: Vec<String>,
}

/// A timer period below this is warned about at import: no shipped default or documented
/// advice goes below 1 ms (the memory_limiter's advice is 1 s, the batch timeout's default
/// 200 ms), and below it a timer fires continually.
const FAST_TIMER_NS: u64 = 1_000_000;

/// A component's type: the part of its id before `/`.
fn type_of(id: &str) -> &str {
    id.split('/').next().unwrap_or(id)
}

impl Ctx<'_> {
    fn err<T>(
        &self,
        line: Option<usize>,
        key: &str,
        msg: impl Into<String>,
    ) -> Result<T, ImportError> {
        Err(ImportError {
            file: self.file.to_string(),
            line,
            key: key.to_string(),
            message: msg.into(),
        })
    }

    fn note(&mut self, s: String) {
        if !self.notes.contains(&s) {
            self.notes.push(s);
        }
    }

    /// A scalar's text after `${env:...}` expansion; None for an empty value.
    fn text(&self, n: &Node, key: &str) -> Result<Option<(String, bool)>, ImportError> {
        let Kind::Scalar { raw, plain } = &n.kind else {
            return self.err(
                Some(n.line),
                key,
                format!("expected a single value, found {}", n.what()),
            );
        };
        if n.is_null() {
            return Ok(None);
        }
        match yaml::expand(raw, self.env) {
            Ok(Expanded::Unchanged) => Ok(Some((raw.clone(), *plain))),
            // A value that came from a reference is typed again, as the collector does.
            Ok(Expanded::Value(v)) => Ok(Some((v.trim().to_string(), true))),
            Err(m) => self.err(Some(n.line), key, m),
        }
    }

    fn uint(&self, n: &Node, key: &str) -> Result<Option<u64>, ImportError> {
        let Some((t, _)) = self.text(n, key)? else {
            return Ok(None);
        };
        let s = t.replace('_', "");
        let v = if let Some(h) = s.strip_prefix("0x") {
            u64::from_str_radix(h, 16).ok()
        } else if let Some(o) = s.strip_prefix("0o") {
            u64::from_str_radix(o, 8).ok()
        } else {
            s.strip_prefix('+').unwrap_or(&s).parse::<u64>().ok()
        };
        match v {
            Some(v) => Ok(Some(v)),
            None if s.starts_with('-') && s[1..].parse::<u64>().is_ok() => {
                self.err(Some(n.line), key, format!("`{t}` is negative"))
            }
            None => self.err(
                Some(n.line),
                key,
                format!("expected a whole number, found `{t}`"),
            ),
        }
    }

    fn number(&self, n: &Node, key: &str) -> Result<Option<f64>, ImportError> {
        let Some((t, _)) = self.text(n, key)? else {
            return Ok(None);
        };
        match t.replace('_', "").parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => self.err(Some(n.line), key, format!("expected a number, found `{t}`")),
        }
    }

    fn boolean(&self, n: &Node, key: &str) -> Result<Option<bool>, ImportError> {
        let Some((t, _)) = self.text(n, key)? else {
            return Ok(None);
        };
        match t.as_str() {
            "true" | "True" | "TRUE" => Ok(Some(true)),
            "false" | "False" | "FALSE" => Ok(Some(false)),
            _ => self.err(
                Some(n.line),
                key,
                format!("expected true or false, found `{t}`"),
            ),
        }
    }

    fn string(&self, n: &Node, key: &str) -> Result<Option<String>, ImportError> {
        Ok(self.text(n, key)?.map(|(t, _)| t))
    }

    /// A Go `time.Duration`: `200ms`, `1m30s`, `1.5h`; a bare integer is nanoseconds (the
    /// collector decodes an integer into time.Duration as it is). A non-zero bare integer is
    /// warned about: `timeout: 5` is 5 ns, not 5 s.
    fn duration(&mut self, n: &Node, key: &str) -> Result<Option<u64>, ImportError> {
        self.period(n, key, None)
    }

    /// [`Self::duration`] for the period of a timer; `fires` says what the collector does
    /// each time it fires, for the warning when the period is below [`FAST_TIMER_NS`].
    fn period(
        &mut self,
        n: &Node,
        key: &str,
        fires: Option<&str>,
    ) -> Result<Option<u64>, ImportError> {
        let Some((t, _)) = self.text(n, key)? else {
            return Ok(None);
        };
        let ns = match parse_go_duration(&t) {
            Ok(ns) => ns,
            Err(m) => return self.err(Some(n.line), key, m),
        };
        let bare = ns > 0 && t.trim().trim_start_matches('+').parse::<u64>().is_ok();
        let fast = fires.filter(|_| ns > 0 && ns < FAST_TIMER_NS);
        if bare || fast.is_some() {
            let mut w = format!("{key} (line {}): ", n.line);
            if bare {
                w.push_str(&format!(
                    "`{t}` has no unit, and the collector reads a bare number as nanoseconds \
                     (an integer decodes into time.Duration as is): this is {}",
                    crate::scenario::events::fmt_period(ns)
                ));
            } else {
                w.push_str(&format!(
                    "`{t}` is {}",
                    crate::scenario::events::fmt_period(ns)
                ));
            }
            if let Some(f) = fast {
                w.push_str(&format!(
                    ". The collector accepts it: {f}. The scenario keeps the value, and `run` \
                     refuses it when its timer events exceed tracesim's budget ({:.0e} per run)",
                    crate::scenario::events::MAX_PERIODIC_EVENTS
                ));
            }
            w.push_str("; write the unit you mean (e.g. 1s)");
            self.warnings.push(w);
        }
        Ok(Some(ns))
    }

    /// A section or component config as entries; an empty value is an empty mapping.
    fn map<'n>(&self, n: &'n Node, key: &str) -> Result<&'n [Entry], ImportError> {
        if n.is_null() {
            return Ok(&[]);
        }
        match n.as_map() {
            Some(m) => Ok(m),
            None => self.err(
                Some(n.line),
                key,
                format!("expected a mapping, found {}", n.what()),
            ),
        }
    }

    /// A list of component names.
    fn names(&self, n: &Node, key: &str) -> Result<Vec<(String, usize)>, ImportError> {
        if n.is_null() {
            return Ok(vec![]);
        }
        let Kind::Seq(items) = &n.kind else {
            return self.err(
                Some(n.line),
                key,
                format!("expected a list of component names, found {}", n.what()),
            );
        };
        let mut v = vec![];
        for (i, it) in items.iter().enumerate() {
            let k = format!("{key}[{i}]");
            match self.string(it, &k)? {
                Some(s) if !s.is_empty() => v.push((s, it.line)),
                _ => return self.err(Some(it.line), &k, "an empty component name"),
            }
        }
        Ok(v)
    }
}

/// Parses a Go duration (`time.ParseDuration`): a sequence of decimal numbers with units
/// ns, us (µs), ms, s, m, h; `0` alone; a bare integer is nanoseconds.
pub fn parse_go_duration(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let bad = |why: &str| {
        Err(format!(
            "`{s}` is not a Go duration ({why}; write e.g. 200ms, 5s, 1m30s)"
        ))
    };
    if t.is_empty() {
        return bad("empty");
    }
    if t.starts_with('-') {
        return Err(format!("`{s}` is negative"));
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    if let Ok(n) = t.parse::<u64>() {
        return Ok(n);
    }
    let mut rest = t;
    let mut total = 0f64;
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n_end == 0 {
            return bad("a number must come before each unit");
        }
        let v: f64 = match rest[..n_end].parse() {
            Ok(v) => v,
            Err(_) => return bad("not a number"),
        };
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..u_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return bad("missing unit"),
            u => return bad(&format!("unknown unit `{u}`")),
        };
        total += v * mult;
        rest = &rest[u_end..];
    }
    if !total.is_finite() || total > 9.2e18 {
        return bad("too long");
    }
    Ok(total.round() as u64)
}

/// Checks that a defined component's type exists (see the module doc).
fn check_type(
    cx: &mut Ctx,
    kind: Component,
    e: &Entry,
    allow_unknown: bool,
) -> Result<(), ImportError> {
    let ty = type_of(&e.key);
    let key = format!("{}.{}", kind.section(), e.key);
    if ty.is_empty() {
        return cx.err(
            Some(e.key_line),
            &key,
            format!(
                "an empty {} type (a component id is `type` or `type/name`)",
                kind.name()
            ),
        );
    }
    if catalogue::is_known(kind, ty) {
        return Ok(());
    }
    let what = format!(
        "not a component of the OpenTelemetry Collector core, contrib or Jaeger v2 as of {}",
        catalogue::AS_OF
    );
    if allow_unknown {
        cx.note(format!(
            "{} `{}` ({key}, line {}): type `{ty}` is {what}; taken as a custom build's own \
             (--allow-unknown)",
            kind.name(),
            e.key,
            e.key_line
        ));
        return Ok(());
    }
    let others = catalogue::other_kinds(kind, ty);
    if !others.is_empty() {
        let names: Vec<&str> = others.iter().map(|k| k.name()).collect();
        let sections: Vec<&str> = others.iter().map(|k| k.section()).collect();
        return cx.err(
            Some(e.key_line),
            &key,
            format!(
                "`{ty}` is not a {} type: it is {} {} type (defined under {}:)",
                kind.name(),
                if names[0].starts_with('e') { "an" } else { "a" },
                names.join(" and "),
                sections.join(": or ")
            ),
        );
    }
    let hint = match catalogue::suggest(kind, ty) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "for a custom build's own components, use --allow-unknown".to_string(),
    };
    cx.err(
        Some(e.key_line),
        &key,
        format!("unknown {} type `{ty}` ({what}); {hint}", kind.name()),
    )
}

/// " (did you mean `x`?)" for a name that is not defined, from the ids that are.
fn defined_hint(id: &str, sec: &[Entry]) -> String {
    match catalogue::nearest(id, sec.iter().map(|e| e.key.as_str())) {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

/// Per-exporter defaults that differ from exporterhelper's.
struct ExporterKind {
    queue_key: &'static str,
    queue_on: bool,
    retry_on: bool,
    /// Some: the exporter fixes its timeout (no `timeout` key).
    fixed_timeout: Option<u64>,
}

fn exporter_kind(ty: &str) -> ExporterKind {
    match ty {
        // cmd/jaeger/internal/exporters/storageexporter: Config{TraceStorage, QueueConfig
        // `queue`, RetryConfig}; createDefaultConfig disables retry; WithTimeout(0).
        "jaeger_storage_exporter" => ExporterKind {
            queue_key: "queue",
            queue_on: false,
            retry_on: false,
            fixed_timeout: Some(0),
        },
        // debug/logging/nop/file: no queue, no retry, no timeout.
        t if LOCAL_SINKS.contains(&t) => ExporterKind {
            queue_key: "sending_queue",
            queue_on: false,
            retry_on: false,
            fixed_timeout: Some(0),
        },
        _ => ExporterKind {
            queue_key: "sending_queue",
            queue_on: true,
            retry_on: true,
            fixed_timeout: None,
        },
    }
}

/// Imports a collector config. `file` names the input in messages; `text` is its content.
pub fn import_otelcol(file: &str, text: &str, o: &Options) -> Result<Imported, ImportError> {
    let mut cx = Ctx {
        file,
        env: &o.env,
        notes: vec![],
        warnings: vec![],
    };
    let root = yaml::parse(text).map_err(|e| ImportError {
        file: file.to_string(),
        line: e.line,
        key: String::new(),
        message: e.message,
    })?;
    let Some(top) = root.as_map() else {
        return cx.err(
            Some(root.line),
            "",
            format!(
                "the top level must be a mapping of sections ({}), found {}",
                SECTIONS.join(", "),
                root.what()
            ),
        );
    };
    for e in top {
        if !SECTIONS.contains(&e.key.as_str()) {
            return cx.err(
                Some(e.key_line),
                &e.key,
                format!(
                    "unknown top-level section (the collector has {})",
                    SECTIONS.join(", ")
                ),
            );
        }
    }
    let section = |name: &str| -> Result<&[Entry], ImportError> {
        match root.get(name) {
            Some(e) => cx.map(&e.value, name),
            None => Ok(&[]),
        }
    };
    let receivers = section("receivers")?;
    let processors = section("processors")?;
    let exporters = section("exporters")?;
    let connectors = section("connectors")?;
    let extensions = section("extensions")?;
    // Component types, in the order of the file.
    let mut defined: Vec<(Component, &Entry)> = [
        (Component::Receiver, receivers),
        (Component::Processor, processors),
        (Component::Exporter, exporters),
        (Component::Connector, connectors),
        (Component::Extension, extensions),
    ]
    .into_iter()
    .flat_map(|(k, sec)| sec.iter().map(move |e| (k, e)))
    .collect();
    defined.sort_by_key(|(_, e)| e.key_line);
    for (k, e) in defined {
        check_type(&mut cx, k, e, o.allow_unknown)?;
    }
    let Some(service) = root.get("service") else {
        return cx.err(
            None,
            "service",
            "no `service` section: the collector runs only the pipelines listed under \
             service.pipelines",
        );
    };
    let svc = cx.map(&service.value, "service")?;
    for e in svc {
        if !["extensions", "pipelines", "telemetry"].contains(&e.key.as_str()) {
            return cx.err(
                Some(e.key_line),
                &format!("service.{}", e.key),
                "unknown key (service has extensions, pipelines, telemetry)",
            );
        }
    }
    let pipelines = match service.value.get("pipelines") {
        Some(p) => cx.map(&p.value, "service.pipelines")?,
        None => &[],
    };
    for p in pipelines {
        if p.key.is_empty() || type_of(&p.key).is_empty() {
            return cx.err(
                Some(p.key_line),
                "service.pipelines",
                "an empty pipeline id",
            );
        }
    }
    let traces: Vec<&Entry> = pipelines
        .iter()
        .filter(|p| type_of(&p.key) == "traces")
        .collect();
    let list = |v: &[&Entry]| {
        v.iter()
            .map(|p| p.key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let pipeline = match (&o.pipeline, traces.as_slice()) {
        (_, []) => {
            let all: Vec<&Entry> = pipelines.iter().collect();
            return cx.err(
                service.value.get("pipelines").map(|p| p.key_line),
                "service.pipelines",
                if all.is_empty() {
                    "no pipeline: add a traces pipeline".to_string()
                } else {
                    format!(
                        "no traces pipeline (found {}): tracesim models the traces pipeline",
                        list(&all)
                    )
                },
            );
        }
        (Some(want), ps) => match ps.iter().find(|p| p.key == *want) {
            Some(p) => *p,
            None => {
                return cx.err(
                    None,
                    "service.pipelines",
                    format!(
                        "no traces pipeline `{want}` (--pipeline); found {}",
                        list(ps)
                    ),
                );
            }
        },
        (None, [p]) => *p,
        (None, ps) => {
            return cx.err(
                Some(ps[1].key_line),
                "service.pipelines",
                format!(
                    "several traces pipelines ({}): choose one with --pipeline",
                    list(ps)
                ),
            );
        }
    };
    let others: Vec<&str> = pipelines
        .iter()
        .filter(|p| p.key != pipeline.key)
        .map(|p| p.key.as_str())
        .collect();
    if !others.is_empty() {
        cx.note(format!(
            "pipelines {}: not modelled (what they send through shared exporters is not counted)",
            others.join(", ")
        ));
    }
    let pkey = format!("service.pipelines.{}", pipeline.key);
    let pmap = cx.map(&pipeline.value, &pkey)?;
    for e in pmap {
        if !["receivers", "processors", "exporters"].contains(&e.key.as_str()) {
            return cx.err(
                Some(e.key_line),
                &format!("{pkey}.{}", e.key),
                "unknown key (a pipeline has receivers, processors, exporters)",
            );
        }
    }
    let names_at = |key: &str| -> Result<Vec<(String, usize)>, ImportError> {
        match pipeline.value.get(key) {
            Some(e) => cx.names(&e.value, &format!("{pkey}.{key}")),
            None => Ok(vec![]),
        }
    };
    let recv_names = names_at("receivers")?;
    let proc_names = names_at("processors")?;
    let exp_names = names_at("exporters")?;
    let find = |sec: &[Entry], id: &str| sec.iter().find(|e| e.key == id).cloned();

    // Receivers: not modelled (spans arrive at the first processor), but they must exist.
    for (i, (r, line)) in recv_names.iter().enumerate() {
        if find(receivers, r).is_none() && find(connectors, r).is_none() {
            return cx.err(
                Some(*line),
                &format!("{pkey}.receivers[{i}]"),
                format!(
                    "receiver `{r}` is not defined under receivers: (nor connectors:){}",
                    defined_hint(r, receivers)
                ),
            );
        }
    }
    if !recv_names.is_empty() {
        let rs: Vec<&str> = recv_names.iter().map(|(r, _)| r.as_str()).collect();
        cx.note(format!(
            "receivers {}: their settings and protocol differences are not modelled (every \
             request is decoded into pdata, its buffer garbage, then enters the first processor)",
            rs.join(", ")
        ));
    }

    // Processors in order.
    let mut modelled: Vec<&'static str> = vec![];
    let mut order: Vec<String> = vec![];
    let mut limiter: Option<(String, Entry)> = None;
    let mut batch: Option<(String, Entry)> = None;
    for (i, (p, line)) in proc_names.iter().enumerate() {
        let Some(def) = find(processors, p) else {
            return cx.err(
                Some(*line),
                &format!("{pkey}.processors[{i}]"),
                format!(
                    "processor `{p}` is not defined under processors:{}",
                    defined_hint(p, processors)
                ),
            );
        };
        let slot = match type_of(p) {
            "memory_limiter" if limiter.is_none() => Some((&mut limiter, "memory_limiter")),
            "batch" if batch.is_none() => Some((&mut batch, "batch")),
            _ => None,
        };
        match slot {
            Some((s, name)) => {
                *s = Some((p.clone(), def));
                modelled.push(name);
                order.push(p.clone());
            }
            None => {
                order.push(format!("{p} (not modelled)"));
                cx.note(format!(
                    "processor `{p}` (processors.{p}, line {}): passes spans on unchanged in the \
                     simulation{}",
                    def.key_line,
                    match type_of(p) {
                        "memory_limiter" | "batch" => ": only the first of its kind is modelled",
                        "tail_sampling" | "groupbytrace" =>
                            ": it holds whole traces in memory, which the simulation does not count",
                        "probabilistic_sampler" | "filter" | "adaptive_sampling" =>
                            ": it drops or samples spans, which the simulation does not do",
                        _ => "",
                    }
                ));
            }
        }
    }

    // Exporters: the first exporterhelper one that reaches a backend.
    let mut candidates = vec![];
    for (i, (x, line)) in exp_names.iter().enumerate() {
        match (find(exporters, x), find(connectors, x)) {
            (Some(def), _) => candidates.push((i, x.clone(), def)),
            (None, Some(_)) => cx.note(format!(
                "connector `{x}` (connectors.{x}): the pipelines it feeds are not modelled"
            )),
            (None, None) => {
                return cx.err(
                    Some(*line),
                    &format!("{pkey}.exporters[{i}]"),
                    format!(
                        "exporter `{x}` is not defined under exporters: (nor connectors:){}",
                        defined_hint(x, exporters)
                    ),
                );
            }
        }
    }
    let chosen = candidates
        .iter()
        .find(|(_, x, _)| !LOCAL_SINKS.contains(&type_of(x)))
        .or(candidates.first())
        .cloned();
    let Some((_, xid, xdef)) = chosen else {
        return cx.err(
            pipeline
                .value
                .get("exporters")
                .map(|e| e.key_line)
                .or(Some(pipeline.key_line)),
            &format!("{pkey}.exporters"),
            "the traces pipeline has no exporter (the collector refuses that too)",
        );
    };
    for (_, x, def) in &candidates {
        if *x != xid {
            cx.note(format!(
                "exporter `{x}` (exporters.{x}, line {}): not modelled; the simulation follows \
                 `{xid}` only",
                def.key_line
            ));
        }
    }

    // Extensions other than a queue's storage.
    let mut queue_storage: Option<String> = None;

    // ---- Write the scenario.
    let version = o.version.clone().unwrap_or_else(|| DEFAULT_VERSION.into());
    let v = OtelVersion::parse(&version);
    let mut t = Toml::default();
    let src = format!("`{}` of {file}", pipeline.key);
    let hdr = format!(
        "Covers: an OpenTelemetry Collector's traces pipeline, imported by `tracesim import\n\
         \x20       otelcol`: memory_limiter, batch, the exporter's sending queue and retries,\n\
         \x20       the Go heap and the container limit.\n\
         Source: {src}.\n\
         Scenario: the load, span size, memory limit, Go build, per-span memory and storage\n\
         \x20       latency are not in a collector config: they are DEFAULTs below, to check\n\
         \x20       against your own numbers (flags --rate, --spans-per-request, --span-size,\n\
         \x20       --memory-limit, --go-version, --version; then `tracesim calibrate`).\n\
         \n\
         Every value says where it comes from: a key of the config (with its line), a flag, a\n\
         default of the collector, or DEFAULT (a default of tracesim import, to check).\n\
         Reference: ../shared/reference/pipeline-mechanics.md [sections]."
    );
    t.comment(&hdr);
    let not_modelled_at = t.out_len();
    t.blank();
    write_meta(
        &mut t,
        o,
        name_from("otelcol", file),
        &format!("Imported from {file}, pipeline {}", pipeline.key),
    );

    // Workload.
    t.table("workload");
    t.comment(
        "Spans arrive at the collector directly (no tracer stage): Poisson arrivals of\n\
         requests, each making spans_per_request spans.",
    );
    write_workload(
        &mut t,
        o,
        WorkloadDefaults {
            rate: (
                q("1000/s"),
                "x 10 spans = 10,000 spans/s, the collector's recommended max for 1 CPU / 2 GB (docs/performance.md) [2.5]",
            ),
            spans_per_request: ("10".into(), "a request crossing a few services (inference)"),
            span_size: (
                q("500B"),
                "the per-span size collector#7359 assumes on the wire [5.3]",
            ),
        },
    );

    // [otelcol]
    t.table("otelcol");
    match &o.version {
        Some(_) => t.kv("version", q(&version), "--version"),
        None => t.kv_default(
            "version",
            q(&version),
            "newest release in the reference snapshot; selects version-dependent defaults",
            "--version",
        ),
    }
    let procs: Vec<String> = modelled.iter().map(|p| q(p)).collect();
    let plist_line = pipeline
        .value
        .get("processors")
        .map(|e| e.key_line)
        .unwrap_or(pipeline.key_line);
    t.kv_from(
        "processors",
        format!("[{}]", procs.join(", ")),
        Origin {
            key: format!(
                "{pkey}.processors: {}",
                if order.is_empty() {
                    "none".to_string()
                } else {
                    order.join(", ")
                }
            ),
            line: Some(plist_line),
        },
    );

    let vat = |minor: u32| v.is_none_or(|v| v.at_least(minor));
    if let Some((id, def)) = &limiter {
        let base = format!("processors.{id}");
        t.table("otelcol.memory_limiter");
        t.comment(
            "processor/memorylimiterprocessor: every check_interval, Go heap (MemStats.Alloc)\n\
             above limit - spike refuses data and forces a GC [2.3].",
        );
        let m = cx.map(&def.value, &base)?;
        let mut saw_check = false;
        for e in m {
            let key = format!("{base}.{}", e.key);
            let origin = Origin {
                key: key.clone(),
                line: Some(e.value.line),
            };
            match e.key.as_str() {
                "check_interval" => {
                    // internal/memorylimiter: NewMemoryLimiter makes
                    // time.NewTicker(cfg.CheckInterval) and startMonitoring's goroutine runs
                    // CheckMemLimits on each tick.
                    let fires = "its checker goroutine waits on time.NewTicker(check_interval) \
                                 (internal/memorylimiter) and a Go ticker drops the ticks a slow \
                                 reader misses, so it checks back to back, each check a \
                                 runtime.ReadMemStats that stops the world, on a core of its own";
                    if let Some(d) = cx.period(&e.value, &key, Some(fires))? {
                        saw_check = true;
                        warn_in_scenario(&mut t, &cx, &key);
                        t.kv_from("check_interval", dur(d), origin);
                    }
                }
                "limit_mib" | "spike_limit_mib" | "limit_percentage" | "spike_limit_percentage" => {
                    if let Some(n) = cx.uint(&e.value, &key)? {
                        // 0 means "not set" in the collector's Config.
                        if n > 0 {
                            t.kv_from(&e.key, n.to_string(), origin);
                        }
                    }
                }
                "min_gc_interval_when_soft_limited"
                | "min_gc_interval_when_hard_limited"
                | "max_gc_interval_when_soft_limited"
                | "max_gc_interval_when_hard_limited" => {
                    if let Some(d) = cx.duration(&e.value, &key)? {
                        let since = if e.key.starts_with("min") { 121 } else { 156 };
                        if !vat(since) {
                            cx.note(format!(
                                "{key} (line {}): only from v0.{since}; version {version} uses \
                                 its fixed value",
                                e.key_line
                            ));
                        }
                        t.kv_from(&e.key, dur(d), origin);
                    }
                }
                "ballast_size_mib" => cx.note(format!(
                    "{key} (line {}): the ballast is gone from the collector (v0.105, #10696); not \
                     modelled",
                    e.key_line
                )),
                _ => cx.note(format!(
                    "{key} (line {}): unknown key, not modelled",
                    e.key_line
                )),
            }
        }
        if !saw_check {
            return cx.err(
                Some(def.key_line),
                &format!("{base}.check_interval"),
                "missing: the memory_limiter needs a check_interval above 0 (the collector \
                 refuses it too; 1s is advised)",
            );
        }
    }

    if let Some((id, def)) = &batch {
        let base = format!("processors.{id}");
        t.table("otelcol.batch");
        t.comment(
            "processor/batchprocessor: a batch leaves at send_batch_size spans or after timeout\n\
             [2.4]. Unset keys: the collector's defaults (8192, 200ms, 0 = no split).",
        );
        let m = cx.map(&def.value, &base)?;
        for e in m {
            let key = format!("{base}.{}", e.key);
            let origin = Origin {
                key: key.clone(),
                line: Some(e.value.line),
            };
            match e.key.as_str() {
                "send_batch_size" | "send_batch_max_size" => {
                    if let Some(n) = cx.uint(&e.value, &key)? {
                        t.kv_from(&e.key, n.to_string(), origin);
                    }
                }
                "timeout" => {
                    // processor/batchprocessor startLoop: on `<-timer.C` it sends what it
                    // holds and resets the timer to `timeout`.
                    let fires = "the batch processor's loop re-arms its timer for `timeout` \
                                 every time it fires, so it wakes continually and sends whatever \
                                 has arrived as a batch";
                    if let Some(d) = cx.period(&e.value, &key, Some(fires))? {
                        warn_in_scenario(&mut t, &cx, &key);
                        t.kv_from("timeout", dur(d), origin);
                    }
                }
                "metadata_keys" | "metadata_cardinality_limit" => cx.note(format!(
                    "{key} (line {}): one batcher per metadata value is not modelled (one batcher)",
                    e.key_line
                )),
                _ => cx.note(format!(
                    "{key} (line {}): unknown key, not modelled",
                    e.key_line
                )),
            }
        }
    }

    // Exporter.
    let xbase = format!("exporters.{xid}");
    let xk = exporter_kind(type_of(&xid));
    if !catalogue::is_known(Component::Exporter, type_of(&xid)) {
        cx.note(format!(
            "exporter `{xid}` ({xbase}, line {}): a custom build's exporter (--allow-unknown), modelled \
             as built on exporterhelper, with its defaults where the config does not say",
            xdef.key_line
        ));
    }
    let xmap = cx.map(&xdef.value, &xbase)?;
    t.table("otelcol.exporter");
    t.comment(&format!(
        "Exporter `{xid}` (exporters.{xid}, line {}), built on exporter/exporterhelper: one\n\
         request per batch, a queue in front, retries with back-off [2.1, 2.2].",
        xdef.key_line
    ));
    let mut queue_node: Option<(&Entry, String)> = None;
    let mut retry_node: Option<&Entry> = None;
    let mut wrote_timeout = false;
    for e in xmap {
        let key = format!("{xbase}.{}", e.key);
        match e.key.as_str() {
            "timeout" => {
                if let Some(d) = cx.duration(&e.value, &key)? {
                    if xk.fixed_timeout.is_some() {
                        cx.note(format!(
                            "{key} (line {}): `{}` has no timeout setting; not modelled",
                            e.key_line,
                            type_of(&xid)
                        ));
                    } else {
                        wrote_timeout = true;
                        t.kv_from(
                            "timeout",
                            dur(d),
                            Origin {
                                key,
                                line: Some(e.value.line),
                            },
                        );
                    }
                }
            }
            "sending_queue" | "queue" => {
                if let Some((prev, _)) = &queue_node {
                    return cx.err(
                        Some(e.key_line),
                        &key,
                        format!("both `{}` and `{}`: give one queue", prev.key, e.key),
                    );
                }
                queue_node = Some((e, key));
            }
            "retry_on_failure" => retry_node = Some(e),
            _ => {}
        }
    }
    if !wrote_timeout {
        match xk.fixed_timeout {
            Some(ns) => t.kv(
                "timeout",
                dur(ns),
                &format!("`{}` has no timeout", type_of(&xid)),
            ),
            None => t.kv(
                "timeout",
                dur(5_000_000_000),
                "default of exporterhelper (5s)",
            ),
        }
    }

    // The transport: the otlp exporter is gRPC (its channel's reconnect backoff, its codec's
    // pooled marshal buffers), otlphttp is HTTP. v0.165.0 names them `otlp_grpc` and
    // `otlp_http`, the old names kept as aliases (exporter/otlpexporter and otlphttpexporter
    // internal/metadata/generated_status.go, DeprecatedType).
    match type_of(&xid) {
        "otlp" | "otlp_grpc" => t.kv(
            "protocol",
            q("grpc"),
            "otlp exporter: gRPC (reconnect backoff, pooled marshal buffers)",
        ),
        "otlphttp" | "otlp_http" => t.kv("protocol", q("http"), "otlphttp exporter"),
        _ => {}
    }

    // Sending queue.
    t.table("otelcol.exporter.sending_queue");
    let queue_enabled_default = match &queue_node {
        // With `queue:` present, Jaeger's QueueBatchConfig is set (configoptional).
        Some(_) if xk.queue_key == "queue" => true,
        _ => xk.queue_on,
    };
    let mut enabled_written = false;
    let mut size_written = false;
    if let Some((qe, qkey)) = &queue_node {
        let qm = cx.map(&qe.value, qkey)?;
        if qe.key != xk.queue_key {
            cx.note(format!(
                "{qkey} (line {}): `{}` reads its queue from `{}`; taken as the queue",
                qe.key_line,
                type_of(&xid),
                xk.queue_key
            ));
        }
        for e in qm {
            let key = format!("{qkey}.{}", e.key);
            let origin = Origin {
                key: key.clone(),
                line: Some(e.value.line),
            };
            match e.key.as_str() {
                "enabled" => {
                    if let Some(b) = cx.boolean(&e.value, &key)? {
                        enabled_written = true;
                        t.kv_from("enabled", b.to_string(), origin);
                    }
                }
                "queue_size" => {
                    if let Some(n) = cx.uint(&e.value, &key)? {
                        size_written = true;
                        t.kv_from("queue_size", n.to_string(), origin);
                    }
                }
                "num_consumers" => {
                    if let Some(n) = cx.uint(&e.value, &key)? {
                        t.kv_from("num_consumers", n.to_string(), origin);
                    }
                }
                "sizer" => {
                    if let Some(s) = cx.string(&e.value, &key)? {
                        if !["requests", "items", "bytes"].contains(&s.as_str()) {
                            return cx.err(
                                Some(e.value.line),
                                &key,
                                format!("`{s}`: the sizer is requests, items or bytes"),
                            );
                        }
                        t.kv_from("sizer", q(&s), origin);
                    }
                }
                "block_on_overflow" | "blocking" => {
                    if let Some(b) = cx.boolean(&e.value, &key)? {
                        t.kv_from("block_on_overflow", b.to_string(), origin);
                    }
                }
                "storage" => {
                    if let Some(s) = cx.string(&e.value, &key)? {
                        if find(extensions, &s).is_none() {
                            return cx.err(
                                Some(e.value.line),
                                &key,
                                format!("names the storage extension `{s}`, which is not defined under extensions:"),
                            );
                        }
                        queue_storage = Some(s.clone());
                        t.kv_from("storage", q(&s), origin);
                    }
                }
                "wait_for_result" => {
                    if cx.boolean(&e.value, &key)? == Some(true) {
                        cx.note(format!(
                            "{key} (line {}): callers waiting for the export are not modelled",
                            e.key_line
                        ));
                    }
                }
                "batch" => cx.note(format!(
                    "{key} (line {}): the exporter-side batcher is not modelled (use the batch \
                     processor)",
                    e.key_line
                )),
                _ => cx.note(format!(
                    "{key} (line {}): unknown key, not modelled",
                    e.key_line
                )),
            }
        }
    }
    if !enabled_written {
        let why = match (&queue_node, xk.queue_key) {
            (Some(_), "queue") => "a `queue:` section turns Jaeger's queue on".to_string(),
            (_, "queue") => format!("`{}` has no queue unless `queue:` is set", type_of(&xid)),
            _ if !xk.queue_on => format!("`{}` has no sending queue", type_of(&xid)),
            _ => "default of exporterhelper".to_string(),
        };
        t.kv("enabled", queue_enabled_default.to_string(), &why);
    }
    if !size_written {
        t.comment(
            "queue_size not set: the collector's default for the version (1000 requests from\n\
             v0.77, 5000 before) [2.1].",
        );
    }

    // Retry.
    t.table("otelcol.exporter.retry_on_failure");
    let mut retry_enabled_written = false;
    if let Some(re) = retry_node {
        let rbase = format!("{xbase}.retry_on_failure");
        for e in cx.map(&re.value, &rbase)? {
            let key = format!("{rbase}.{}", e.key);
            let origin = Origin {
                key: key.clone(),
                line: Some(e.value.line),
            };
            match e.key.as_str() {
                "enabled" => {
                    if let Some(b) = cx.boolean(&e.value, &key)? {
                        retry_enabled_written = true;
                        t.kv_from("enabled", b.to_string(), origin);
                    }
                }
                "initial_interval" | "max_interval" | "max_elapsed_time" => {
                    if let Some(d) = cx.duration(&e.value, &key)? {
                        t.kv_from(&e.key, dur(d), origin);
                    }
                }
                "multiplier" | "randomization_factor" => {
                    if let Some(f) = cx.number(&e.value, &key)? {
                        t.kv_from(&e.key, float(f), origin);
                    }
                }
                _ => cx.note(format!(
                    "{key} (line {}): unknown key, not modelled",
                    e.key_line
                )),
            }
        }
    }
    if !retry_enabled_written {
        let why = if xk.retry_on {
            "default of configretry (5s, x1.5 to 30s, give up after 300s)".to_string()
        } else {
            format!("`{}` does not retry by default", type_of(&xid))
        };
        t.kv("enabled", xk.retry_on.to_string(), &why);
    }

    // Extensions.
    for e in extensions {
        if Some(&e.key) != queue_storage.as_ref() {
            cx.note(format!(
                "extension `{}` (extensions.{}, line {}): not modelled{}",
                e.key,
                e.key,
                e.key_line,
                if type_of(&e.key) == "jaeger_storage" {
                    " (an in-memory backend's own traces are not counted)"
                } else {
                    ""
                }
            ));
        }
    }

    // Memory.
    t.table("otelcol.memory");
    t.kv("runtime", q("go"), "");
    match &o.go_version {
        Some(g) => t.kv("go_version", q(g), "--go-version"),
        None => t.kv_default(
            "go_version",
            q(DEFAULT_GO),
            "the Go of recent collector builds (inference)",
            "--go-version",
        ),
    }
    t.kv_default(
        "baseline",
        q("50MiB"),
        "memory_limiter README: RSS is about 50 MiB above the Go heap [2.3, 5.1]",
        "",
    );
    t.kv("gogc", "100".into(), "Go default (GOGC unset)");
    t.comment(
        "gomemlimit: set it if the pod sets GOMEMLIMIT (the collector docs advise 80% of the\n\
         limit), e.g. gomemlimit = \"1600MiB\".",
    );
    match o.memory_limit {
        Some(l) => t.kv("limit", size(l.0), "--memory-limit"),
        None => t.kv_default(
            "limit",
            q("2GiB"),
            "1 CPU : 2 GB, the collector's sizing (docs/performance.md, Splunk) [2.5]",
            "--memory-limit",
        ),
    }
    t.comment(
        "In-memory cost of one decoded span (pdata), as span_fixed + span_per_wire_byte x wire\n\
         size. No maintained source gives it [5.2] (collector#7359 assumes 500 B per span on\n\
         the wire). Inference from the OTLP Go structs: a ptrace Span is ~200 B of struct plus\n\
         its name; each attribute is a 32-B KeyValue plus a 16-B AnyValue wrapper beside its\n\
         key and value bytes (~40 B beyond the wire bytes); with ~10 attributes that is ~600 B\n\
         beyond the wire size, strings copied one for one. A 500-B span costs ~1.1 KB of heap.\n\
         Calibrate it on a measured run: tracesim calibrate --fit otelcol.memory.span_fixed",
    );
    t.kv_default("span_fixed", q("600B"), "inference, see above", "");
    t.kv_default(
        "span_per_wire_byte",
        "1.0".into(),
        "inference, see above",
        "",
    );

    // Storage.
    t.table("storage");
    t.comment(&format!(
        "The backend behind `{xid}`: one request per exported batch, answered or failed whole."
    ));
    t.kv("kind", q("otlp"), "");
    t.kv_default(
        "latency",
        "{ dist = \"lognormal\", mean = \"20ms\", sigma = 0.5 }".into(),
        "a healthy backend answers a batch in tens of ms (inference)",
        "",
    );
    t.kv(
        "refuse_latency",
        q("1ms"),
        "a refused connection fails at once",
    );
    write_outage(&mut t, o);

    t.summary_blocks(not_modelled_at, &cx.notes);
    let mut imported = t.finish(file, cx.notes)?;
    imported.warnings = cx.warnings;
    Ok(imported)
}

/// Writes the warning just given for `key`, if any, as a comment above the value about to be
/// written, so that the scenario file says it too (wrapped at 90 columns).
fn warn_in_scenario(t: &mut Toml, cx: &Ctx, key: &str) {
    let Some(w) = cx
        .warnings
        .last()
        .filter(|w| w.starts_with(&format!("{key} (")))
    else {
        return;
    };
    let mut lines = vec![String::from("WARNING:")];
    for word in w.split_whitespace() {
        let last = lines.last_mut().expect("one line");
        if last.len() + 1 + word.len() > 88 {
            lines.push(word.to_string());
        } else {
            last.push(' ');
            last.push_str(word);
        }
    }
    t.comment(&lines.join("\n"));
}
