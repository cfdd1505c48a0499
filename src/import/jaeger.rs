//! `tracesim import jaeger`: Jaeger v1 collector flags (or their environment variables) to a
//! `[collector]` scenario.
//!
//! Jaeger v1 reads every flag also from the environment, the name upper-cased with `.` and
//! `-` turned into `_` (viper's `SetEnvKeyReplacer` in cmd/internal/flags): so
//! `--collector.queue-size-memory=80` and `COLLECTOR_QUEUE_SIZE_MEMORY=80` are one setting.
//! A flag given on the command line wins over the environment, as in viper.
//!
//! Mapped (defaults from `../shared/reference/pipeline-mechanics.md` §1.1 and the source):
//! `--collector.queue-size` (2000), `--collector.queue-size-memory` (MiB, 0 = off),
//! `--collector.num-workers` (50), `--span-storage.type` (cassandra by default;
//! elasticsearch/opensearch write through the bulk processor, the others one span at a time),
//! `--es.bulk.actions` (1000), `--es.bulk.size` (5,000,000 bytes), `--es.bulk.workers` (1),
//! `--es.bulk.flush-interval` (200ms), `--es.timeout` (0 = none). The rest of the collector
//! (struct sizes, GC, restarts) starts from models/jaeger-collector-es-outage.toml, the
//! project's structural model. Other flags are listed as not modelled.

use super::otelcol::parse_go_duration;
use super::{
    ImportError, Imported, Options, Origin, Toml, WorkloadDefaults, dur, q, size, write_meta,
    write_outage, write_workload,
};

/// One setting as the user gave it.
#[derive(Clone, Debug)]
pub struct Setting {
    /// `command line` or the env file's name.
    pub file: String,
    pub line: Option<usize>,
    /// As written: `--collector.queue-size` or `COLLECTOR_QUEUE_SIZE`.
    pub key: String,
    pub value: String,
    /// Given as a flag (wins over the environment).
    pub is_flag: bool,
}

const CMDLINE: &str = "command line";

#[derive(Clone, Copy, PartialEq)]
enum Ty {
    Uint,
    Duration,
    Text,
}

/// The flags import maps, and their types.
const KNOWN: [(&str, Ty); 9] = [
    ("collector.queue-size", Ty::Uint),
    ("collector.queue-size-memory", Ty::Uint),
    ("collector.num-workers", Ty::Uint),
    ("span-storage.type", Ty::Text),
    ("es.bulk.actions", Ty::Uint),
    ("es.bulk.size", Ty::Uint),
    ("es.bulk.workers", Ty::Uint),
    ("es.bulk.flush-interval", Ty::Duration),
    ("es.timeout", Ty::Duration),
];

/// The environment variable Jaeger reads for a flag.
pub fn env_name(flag: &str) -> String {
    flag.to_uppercase().replace(['.', '-'], "_")
}

fn cmd_err(key: &str, msg: impl Into<String>) -> ImportError {
    ImportError {
        file: CMDLINE.into(),
        line: None,
        key: key.into(),
        message: msg.into(),
    }
}

/// Parses command-line settings: `--flag=value`, `--flag value`, and `VAR=VALUE`.
pub fn parse_args(args: &[String]) -> Result<Vec<Setting>, ImportError> {
    let mut out = vec![];
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            continue;
        }
        if let Some(f) = a.strip_prefix("--").or_else(|| a.strip_prefix('-')) {
            let (name, value) = match f.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => {
                    let next = args
                        .get(i)
                        .filter(|n| !n.starts_with('-') && !is_env_form(n));
                    match next {
                        Some(v) => {
                            i += 1;
                            (f.to_string(), v.clone())
                        }
                        // A flag without a value is a boolean switch, unless import needs
                        // its value.
                        None if KNOWN.iter().any(|(k, _)| *k == f) => {
                            return Err(cmd_err(
                                &format!("--{f}"),
                                "has no value: write --flag=value",
                            ));
                        }
                        None => (f.to_string(), "true".to_string()),
                    }
                }
            };
            if name.is_empty() {
                return Err(cmd_err(a, "an empty flag name"));
            }
            out.push(Setting {
                file: CMDLINE.into(),
                line: None,
                key: format!("--{name}"),
                value,
                is_flag: true,
            });
        } else if let Some((k, v)) = a.split_once('=').filter(|_| is_env_form(a)) {
            out.push(Setting {
                file: CMDLINE.into(),
                line: None,
                key: k.to_string(),
                value: v.to_string(),
                is_flag: false,
            });
        } else {
            return Err(cmd_err(
                a,
                "expected a collector flag (--collector.queue-size=2000) or an environment \
                 setting (COLLECTOR_QUEUE_SIZE=2000)",
            ));
        }
    }
    Ok(out)
}

fn is_env_form(s: &str) -> bool {
    match s.split_once('=') {
        Some((k, _)) => {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Parses an env file: `VAR=VALUE` lines, `#` comments, blank lines, an optional `export `,
/// values optionally quoted (docker's `--env-file`, a shell's `.env`).
pub fn parse_env_file(file: &str, text: &str) -> Result<Vec<Setting>, ImportError> {
    let mut out = vec![];
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim();
        let err = |msg: String| ImportError {
            file: file.into(),
            line: Some(i + 1),
            key: String::new(),
            message: msg,
        };
        let Some((k, v)) = line.split_once('=') else {
            return Err(err(format!("`{line}`: expected VAR=VALUE")));
        };
        let k = k.trim();
        if !is_env_form(&format!("{k}=")) {
            return Err(err(format!("`{k}` is not an environment variable name")));
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
            .unwrap_or(v);
        out.push(Setting {
            file: file.into(),
            line: Some(i + 1),
            key: k.into(),
            value: v.into(),
            is_flag: false,
        });
    }
    Ok(out)
}

/// A known setting's value, with where it came from.
struct Got<'a> {
    s: &'a Setting,
}

impl Got<'_> {
    fn err(&self, msg: impl Into<String>) -> ImportError {
        ImportError {
            file: self.s.file.clone(),
            line: self.s.line,
            key: self.s.key.clone(),
            message: msg.into(),
        }
    }
    fn origin(&self) -> Origin {
        // The line belongs to the env file, not to the error's file: keep it in the key.
        let where_ = match self.s.line {
            Some(l) => format!("{}:{l}", self.s.file),
            None => self.s.file.clone(),
        };
        Origin {
            key: format!("{}={} ({where_})", self.s.key, self.s.value),
            line: None,
        }
    }
    fn uint(&self) -> Result<u64, ImportError> {
        let v = self.s.value.trim();
        match v.parse::<u64>() {
            Ok(n) => Ok(n),
            Err(_) if v.starts_with('-') && v[1..].parse::<u64>().is_ok() => {
                Err(self.err(format!("`{v}` is negative")))
            }
            Err(_) => Err(self.err(format!("`{v}` is not a whole number"))),
        }
    }
    fn duration(&self) -> Result<u64, ImportError> {
        parse_go_duration(&self.s.value).map_err(|m| self.err(m))
    }
}

/// Imports Jaeger v1 collector settings (flags and environment, in the order given; a flag
/// wins over an environment variable, a later one over an earlier one of its kind).
pub fn import_jaeger(settings: &[Setting], o: &Options) -> Result<Imported, ImportError> {
    let mut notes = vec![];
    // Resolve each known flag: flags first, then the environment.
    let mut known: Vec<(&str, Ty, Option<&Setting>)> =
        KNOWN.iter().map(|(k, t)| (*k, *t, None)).collect();
    for s in settings {
        let flag = if s.is_flag {
            s.key.trim_start_matches('-').to_string()
        } else {
            match KNOWN.iter().find(|(k, _)| env_name(k) == s.key) {
                Some((k, _)) => k.to_string(),
                None => String::new(),
            }
        };
        match known.iter_mut().find(|(k, _, _)| *k == flag) {
            Some(slot) => {
                let replace = match slot.2 {
                    None => true,
                    Some(prev) => s.is_flag || !prev.is_flag,
                };
                if replace {
                    slot.2 = Some(s);
                }
            }
            None => {
                let where_ = match s.line {
                    Some(l) => format!("{}:{l}", s.file),
                    None => s.file.clone(),
                };
                notes.push(format!("{}={} ({where_}): not modelled", s.key, s.value));
            }
        }
    }
    let get = |name: &str| -> Option<Got<'_>> {
        known
            .iter()
            .find(|(k, _, _)| *k == name)
            .and_then(|(_, _, s)| s.map(|s| Got { s }))
    };
    // Check every known value first, so a bad one is reported whatever else is wrong.
    for (k, ty, s) in &known {
        if let Some(s) = s {
            let g = Got { s };
            match ty {
                Ty::Uint => drop(g.uint()?),
                Ty::Duration => drop(g.duration()?),
                Ty::Text => {
                    if s.value.trim().is_empty() {
                        return Err(g.err(format!("--{k} needs a value")));
                    }
                }
            }
        }
    }

    // Storage kind.
    let storage_setting = get("span-storage.type");
    let storage_types: Vec<String> = match &storage_setting {
        Some(g) => {
            g.s.value
                .split(',')
                .map(|x| x.trim().to_lowercase())
                .filter(|x| !x.is_empty())
                .collect()
        }
        None => vec!["cassandra".into()],
    };
    let primary = storage_types.first().cloned().unwrap_or_default();
    let es = match primary.as_str() {
        "elasticsearch" | "opensearch" => true,
        "cassandra" | "memory" | "badger" | "grpc" | "grpc-plugin" | "kafka" | "blackhole" => false,
        other => {
            let g = storage_setting.as_ref().expect("a default type is known");
            return Err(g.err(format!(
                "`{other}` is not a Jaeger storage type (elasticsearch, opensearch, cassandra, \
                 memory, badger, grpc, kafka)"
            )));
        }
    };
    for extra in storage_types.iter().skip(1) {
        notes.push(format!(
            "span-storage.type `{extra}`: only the first storage (`{primary}`) is modelled"
        ));
    }
    if !es {
        for k in [
            "es.bulk.actions",
            "es.bulk.size",
            "es.bulk.workers",
            "es.bulk.flush-interval",
            "es.timeout",
        ] {
            if let Some(g) = get(k) {
                notes.push(format!(
                    "{}={}: an Elasticsearch setting, unused with `{primary}` storage",
                    g.s.key, g.s.value
                ));
            }
        }
    }

    let mut t = Toml::default();
    t.comment(
        "Covers: a Jaeger v1 collector (queue, dynamic queue-size-memory, workers) writing to\n\
         \x20       storage, imported by `tracesim import jaeger`, with Go GC memory, the\n\
         \x20       container limit, OOM kills and restarts.\n\
         Scenario: the collector settings below are yours; the load, span shape and size, Go\n\
         \x20       build, struct sizes and storage latency start from\n\
         \x20       models/jaeger-collector-es-outage.toml (the Auto Trader story, jaeger#2715):\n\
         \x20       DEFAULTs to check against your own numbers (flags --rate,\n\
         \x20       --spans-per-request, --span-size, --memory-limit, --go-version).\n\
         \n\
         Every value says where it comes from: a flag or variable you gave, a default of\n\
         Jaeger, or DEFAULT (a default of tracesim import, to check). Reference:\n\
         ../shared/reference/pipeline-mechanics.md [sections].",
    );
    let blocks_at = t.out_len();
    t.blank();
    write_meta(
        &mut t,
        o,
        "jaeger-collector-imported".into(),
        &format!("Imported Jaeger v1 collector settings, {primary} storage"),
    );

    // Workload: the story's, unless flags say otherwise.
    t.table("workload");
    write_workload(
        &mut t,
        o,
        WorkloadDefaults {
            rate: (
                q("150/s"),
                "~1,300 spans/s through Istio (jaeger#2715 story)",
            ),
            spans_per_request: (
                "{ dist = \"empirical\", values = [8, 9], weights = [1, 2] }".into(),
                "1,300 / 150 = 8.67 (story)",
            ),
            span_size: (
                "{ dist = \"lognormal\", mean = \"845B\", sigma = 0.15 }".into(),
                "Istio spans as Jaeger logged them (jaeger#2433)",
            ),
        },
    );
    t.table("workload.span_shape");
    t.comment(
        "Envoy's tags on an Istio sidecar span before Istio 1.9 (see the model file): the\n\
         collector's span memory model needs the tag count. DEFAULT: set your spans' shape.",
    );
    t.kv_default("tags", "15".into(), "Istio < 1.9 sidecar spans", "");
    t.kv(
        "tag_key_bytes",
        "13".into(),
        "mean key length of those tags",
    );
    t.kv("process_tags", "1".into(), "`ip`");
    t.kv("references", "1".into(), "CHILD_OF the caller's span");
    t.kv(
        "operation_name_bytes",
        "44".into(),
        "e.g. \"productpage.default.svc.cluster.local:9080/*\"",
    );
    t.kv(
        "service_name_bytes",
        "20".into(),
        "e.g. \"productpage.default\"",
    );

    // Collector.
    t.table("collector");
    t.kv("kind", q("jaeger-v1"), "");
    match get("collector.queue-size") {
        Some(g) => t.kv_from("queue_size", g.uint()?.to_string(), g.origin()),
        None => t.kv(
            "queue_size",
            "2000".into(),
            "default of Jaeger (DefaultQueueSize); also the dynamic queue's warm-up",
        ),
    }
    match get("collector.queue-size-memory") {
        Some(g) => {
            let mib = g.uint()?;
            if mib == 0 {
                t.comment(&format!(
                    "queue_size_memory: 0 turns the dynamic queue off ({})",
                    g.origin().key
                ));
            } else if mib > (1 << 30) {
                return Err(g.err(format!("{mib} MiB is more than this tool handles")));
            } else {
                let mut o = g.origin();
                o.key.push_str(", in MiB (flags.go)");
                t.kv_from("queue_size_memory", size(mib << 20), o);
            }
        }
        None => t.comment("queue_size_memory not set: off, Jaeger's default (a queue by count)."),
    }
    match get("collector.num-workers") {
        Some(g) => t.kv_from("num_workers", g.uint()?.to_string(), g.origin()),
        None => t.kv(
            "num_workers",
            "50".into(),
            "default of Jaeger (DefaultNumWorkers)",
        ),
    }
    t.kv(
        "resize_interval",
        q("1m"),
        "sp.background(1*time.Minute, sp.updateQueueSize) [1.4]",
    );
    t.kv("max_queue_size", "1000000".into(), "maxQueueSize [1.4]");
    t.kv("resize_min_change", "1.2".into(), "minRequiredChange [1.4]");

    t.table("collector.memory");
    t.kv("runtime", q("go"), "");
    match &o.go_version {
        Some(g) => t.kv("go_version", q(g), "--go-version"),
        None => t.kv_default(
            "go_version",
            q("1.15"),
            "Jaeger 1.21's Go, as in the model; newer Jaeger v1 builds use Go 1.2x",
            "--go-version",
        ),
    }
    t.kv_default(
        "baseline",
        q("14MiB"),
        "calibrated in the model: healthy RSS ~20 MB (the story's blog)",
        "",
    );
    t.kv("gogc", "100".into(), "Go default");
    t.kv("min_heap", q("4MiB"), "Go runtime heapminimum [5.1]");
    t.kv(
        "scavenge_rate",
        q("16MiB"),
        "bytes/s returned to the OS (inference, as in the model)",
    );
    match o.memory_limit {
        Some(l) => t.kv("limit", size(l.0), "--memory-limit"),
        None => t.kv_default(
            "limit",
            q("250MiB"),
            "the story's pod limit (jaeger#2715)",
            "--memory-limit",
        ),
    }

    t.table("collector.memory.span_model");
    t.comment(
        "A queued span is a *model.Span decoded from Zipkin [1.3]; struct sizes from the amd64\n\
         layout of model/model.pb.go (inference, [1.3]), copied from\n\
         models/jaeger-collector-es-outage.toml.",
    );
    t.kv(
        "queue_item",
        q("48B"),
        "queueItem{queuedTime, span, tenant}",
    );
    t.kv("span_struct", q("232B"), "model.Span -> 240 B size class");
    t.kv(
        "key_value",
        q("120B"),
        "model.KeyValue incl. gogo XXX_ fields",
    );
    t.kv("process_struct", q("72B"), "model.Process");
    t.kv("span_ref", q("64B"), "model.SpanRef incl. XXX_ fields");
    t.kv(
        "appended_tags",
        "2".into(),
        "span.kind and internal.span.format, appended after decoding",
    );
    t.kv(
        "wire_fixed",
        q("170B"),
        "protobuf framing of ids, times, names, ref, process (inference)",
    );
    t.kv(
        "wire_per_tag",
        q("6B"),
        "field keys and lengths per string tag (inference)",
    );
    t.kv(
        "decode_garbage_per_wire_byte",
        "4.0".into(),
        "Zipkin JSON and thrift made and dropped (inference)",
    );
    t.kv(
        "es_doc_fixed",
        q("640B"),
        "Elasticsearch bulk item: request + dbmodel + action line (inference)",
    );
    t.kv(
        "es_key_value",
        q("48B"),
        "dbmodel.KeyValue{Key, Type string; Value interface{}}",
    );
    t.kv(
        "es_json_per_tag",
        q("37B"),
        "{\"key\":\"\",\"type\":\"string\",\"value\":\"\"} per tag",
    );

    t.table("collector.restart");
    t.kv("enabled", "true".into(), "Kubernetes restartPolicy Always");
    t.kv(
        "backoff_initial",
        q("10s"),
        "kubelet crash-loop back-off: 10 s doubling ...",
    );
    t.kv("backoff_max", q("5m"), "... capped at 5 min");
    t.kv("backoff_reset", q("10m"), "reset after 10 min running");
    t.kv("startup", q("2s"), "process start to listening (inference)");

    // Storage.
    t.table("storage");
    match &storage_setting {
        Some(g) => {
            let kind = if es { "elasticsearch" } else { "direct" };
            t.kv_from("kind", q(kind), g.origin());
        }
        None => t.kv_default(
            "kind",
            q("direct"),
            "SPAN_STORAGE_TYPE defaults to cassandra: one synchronous write per span",
            "--span-storage.type",
        ),
    }
    if es {
        t.kv_default(
            "latency",
            "{ dist = \"lognormal\", mean = \"30ms\", sigma = 0.5 }".into(),
            "one bulk request on a healthy cluster (inference, as in the model)",
            "",
        );
    } else {
        if primary != "cassandra" {
            notes.push(format!(
                "span-storage.type `{primary}`: modelled as a synchronous per-span writer, like \
                 Cassandra"
            ));
        }
        t.kv_default(
            "latency",
            "{ dist = \"lognormal\", mean = \"2ms\", sigma = 0.5 }".into(),
            "one span write on a healthy store (inference)",
            "",
        );
    }
    t.kv(
        "refuse_latency",
        q("1ms"),
        "a refused connection fails at once",
    );
    match get("es.timeout").filter(|_| es) {
        Some(g) => {
            let ns = g.duration()?;
            if ns == 0 {
                t.comment("timeout: 0 = none (--es.timeout=0).");
            } else {
                t.kv_from("timeout", dur(ns), g.origin());
            }
        }
        None => t.comment("timeout not set: --es.timeout defaults to 0 = no timeout."),
    }
    if es {
        t.table("storage.bulk");
        let uint_or = |t: &mut Toml, key: &str, flag: &str, dflt: &str, why: &str| {
            match get(flag) {
                Some(g) => {
                    let n = g.uint()?;
                    let v = if key == "size" {
                        size(n)
                    } else {
                        n.to_string()
                    };
                    t.kv_from(key, v, g.origin());
                }
                None => t.kv(key, dflt.into(), why),
            }
            Ok::<(), ImportError>(())
        };
        uint_or(
            &mut t,
            "actions",
            "es.bulk.actions",
            "1000",
            "--es.bulk.actions default",
        )?;
        uint_or(
            &mut t,
            "size",
            "es.bulk.size",
            "\"5000000B\"",
            "--es.bulk.size default, bytes",
        )?;
        uint_or(
            &mut t,
            "workers",
            "es.bulk.workers",
            "1",
            "--es.bulk.workers default",
        )?;
        match get("es.bulk.flush-interval") {
            Some(g) => t.kv_from("flush_interval", dur(g.duration()?), g.origin()),
            None => t.kv(
                "flush_interval",
                q("200ms"),
                "--es.bulk.flush-interval default",
            ),
        }
        t.kv(
            "backoff_initial",
            q("200ms"),
            "olivere/elastic default ExponentialBackoff(200ms, 10s)",
        );
        t.kv("backoff_max", q("10s"), "");
        t.kv(
            "reconnect_interval",
            q("5s"),
            "waitForActiveConnection ticker",
        );
        t.kv("healthcheck_timeout", q("3s"), "its health-check timeout");
    }
    write_outage(&mut t, o);
    t.summary_blocks(blocks_at, &notes);
    t.finish(CMDLINE, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_and_forms() {
        assert_eq!(
            env_name("collector.queue-size-memory"),
            "COLLECTOR_QUEUE_SIZE_MEMORY"
        );
        let s = parse_args(&[
            "--collector.num-workers".into(),
            "10".into(),
            "--es.sniffer".into(),
            "COLLECTOR_QUEUE_SIZE=5".into(),
        ])
        .unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].key.as_str(), s[0].value.as_str()),
            ("--collector.num-workers", "10")
        );
        assert_eq!(s[1].value, "true");
        assert!(!s[2].is_flag);
        assert!(parse_args(&["queue 5".into()]).is_err());
        assert!(parse_args(&["--collector.queue-size".into()]).is_err());
        let f = parse_env_file("e.env", "# c\n\nexport A_B=\"1\"\nC='2'\n").unwrap();
        assert_eq!(
            (f[0].key.as_str(), f[0].value.as_str(), f[0].line),
            ("A_B", "1", Some(3))
        );
        assert_eq!(f[1].value, "2");
        assert_eq!(parse_env_file("e.env", "oops\n").unwrap_err().line, Some(1));
    }
}
