//! `tracesim import jaeger`: Jaeger v1 collector flags (or their environment variables) to a
//! `[collector]` scenario.
//!
//! Jaeger v1 reads every flag also from the environment, the name upper-cased with `.` and
//! `-` turned into `_` (viper's `SetEnvKeyReplacer` in pkg/config/config.go): so
//! `--collector.queue-size-memory=80` and `COLLECTOR_QUEUE_SIZE_MEMORY=80` are one setting.
//! A flag given on the command line wins over the environment, as in viper.
//!
//! Every setting must be one that a Jaeger v1 collector has: [`jaeger_flags`], the flags of
//! jaeger-collector 1.13 to 1.76 and the variables it reads. Anything else is an error with
//! a suggestion (`--collector.queue-sise`: did you mean --collector.queue-size?), as
//! jaeger-collector itself refuses an unknown flag; with `--allow-unknown` (a custom build, an
//! environment shared with other programs) it is listed as not modelled instead.
//!
//! Mapped (defaults from `../shared/reference/pipeline-mechanics.md` §1.1 and the source):
//! `--collector.queue-size` (2000), `--collector.queue-size-memory` (MiB, 0 = off),
//! `--collector.num-workers` (50), `--span-storage.type` (cassandra by default;
//! elasticsearch/opensearch write through the bulk processor, the others one span at a time),
//! `--es.bulk.actions` (1000), `--es.bulk.size` (5,000,000 bytes), `--es.bulk.workers` (1),
//! `--es.bulk.flush-interval` (200ms), `--es.timeout` (0 = none). The rest of the collector
//! (struct sizes, GC, restarts) starts from models/jaeger-collector-es-outage.toml, the
//! project's structural model. Other real settings are listed as not modelled, with why
//! when it is known: a flag of a storage or sampling the collector does not use, a flag of
//! jaeger-all-in-one, a setting overridden by another.

use super::jaeger_flags::{self, Env, EnvVar, Flag, Group, Kind};
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
    jaeger_flags::env_name(flag)
}

fn cmd_err(key: &str, msg: impl Into<String>) -> ImportError {
    ImportError {
        file: CMDLINE.into(),
        line: None,
        key: key.into(),
        message: msg.into(),
    }
}

/// One of tracesim's own options, recognised among the collector settings.
#[derive(Clone, Debug)]
pub struct OwnOption {
    /// Without the leading `--`.
    pub long: String,
    /// `--out FILE`: the next word is its value unless written `--out=FILE`.
    pub takes_value: bool,
}

/// Parses command-line settings, `--flag=value`, `--flag value` and `VAR=VALUE`, as
/// jaeger-collector's pflag does: a boolean flag ([`jaeger_flags::Kind::Bool`]) takes a value
/// only after `=`. `--` is skipped.
pub fn parse_args(args: &[String]) -> Result<Vec<Setting>, ImportError> {
    split_args(args, &[]).map(|(_, s)| s)
}

/// Splits a command line into tracesim's own options `own` (returned as the words given, for
/// clap to parse) and Jaeger settings ([`parse_args`]), wherever each stands: before or after
/// `--`, between collector flags, as `--out s.toml` or `--out=s.toml`. No Jaeger v1 collector
/// flag has the name of one of ours (a test checks [`jaeger_flags::FLAGS`] for it), so a word
/// is never both, except `--help`, which is refused: jaeger-collector's prints its help and is
/// not a setting, and tracesim's help is asked before the collector flags.
pub fn split_args(
    args: &[String],
    own: &[OwnOption],
) -> Result<(Vec<String>, Vec<Setting>), ImportError> {
    let mut mine = vec![];
    let mut out = vec![];
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            continue;
        }
        if a == "-h" || a == "--help" || a.starts_with("--help=") {
            return Err(cmd_err(
                a,
                "jaeger-collector's --help prints its help and is not a setting; for \
                 tracesim's help, run `tracesim import jaeger --help`",
            ));
        }
        if let Some(f) = a.strip_prefix("--") {
            let (name, inline) = match f.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (f, None),
            };
            if name.is_empty() {
                return Err(cmd_err(a, "an empty flag name"));
            }
            if let Some(o) = own.iter().find(|o| o.long == name) {
                mine.push(a.clone());
                // A value that starts with `-` is left to clap, which refuses it as clap
                // does before `--`; `-` alone is a value (`--out -`: stdout).
                if o.takes_value
                    && inline.is_none()
                    && let Some(v) = args.get(i).filter(|v| *v == "-" || !v.starts_with('-'))
                {
                    mine.push(v.clone());
                    i += 1;
                }
                continue;
            }
            let value = match (inline, jaeger_flags::flag(name).map(|f| f.kind)) {
                (Some(v), _) => v.to_string(),
                (None, Some(Kind::Bool)) => {
                    if let Some(v) = args.get(i).filter(|v| *v == "true" || *v == "false") {
                        return Err(cmd_err(
                            &format!("--{name}"),
                            format!(
                                "a boolean flag takes its value after `=`: write \
                                 --{name}={v} (jaeger-collector reads `--{name} {v}` as \
                                 --{name} and a stray `{v}`)"
                            ),
                        ));
                    }
                    "true".to_string()
                }
                // pflag takes the next word whatever it is; a word that starts with `-` is
                // refused rather than guessed (`--es.password --out s.toml`).
                (None, Some(Kind::Value)) => match args.get(i) {
                    Some(v) if !v.starts_with('-') => {
                        i += 1;
                        v.clone()
                    }
                    _ => {
                        return Err(cmd_err(
                            &format!("--{name}"),
                            "has no value: write --flag=value",
                        ));
                    }
                },
                // Not a flag of Jaeger (an error or, with --allow-unknown, a note, in
                // import_jaeger): whether it takes a value is a guess.
                (None, None) => match args
                    .get(i)
                    .filter(|n| !n.starts_with('-') && !is_env_form(n))
                {
                    Some(v) => {
                        i += 1;
                        v.clone()
                    }
                    None => "true".to_string(),
                },
            };
            out.push(Setting {
                file: CMDLINE.into(),
                line: None,
                key: format!("--{name}"),
                value,
                is_flag: true,
            });
        } else if a.len() > 1 && a.starts_with('-') {
            let name = a[1..].split('=').next().unwrap_or_default();
            return Err(cmd_err(
                a,
                format!(
                    "one dash: Jaeger's flags and tracesim's options take two (--{name}); \
                     jaeger-collector reads `-{name}` as one-letter flags"
                ),
            ));
        } else if let Some((k, v)) = a
            .split_once('=')
            .filter(|(k, _)| jaeger_flags::flag(k).is_some() || own.iter().any(|o| o.long == *k))
        {
            return Err(cmd_err(
                a,
                format!("a flag without its dashes: write --{k}={v}"),
            ));
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
    Ok((mine, out))
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

/// What a setting is to a Jaeger v1 collector ([`jaeger_flags`]); `None`: nothing.
#[derive(Clone, Copy)]
enum Real {
    Flag(&'static Flag),
    EnvOnly(&'static EnvVar),
    /// The Go runtime's variable, and the scenario field that models it ("" for none).
    GoRuntime(&'static str),
}

fn resolve(s: &Setting) -> Option<Real> {
    if s.is_flag {
        return jaeger_flags::flag(s.key.trim_start_matches('-')).map(Real::Flag);
    }
    jaeger_flags::env(&s.key).map(|e| match e {
        Env::Flag(f) => Real::Flag(f),
        Env::Only(v) => Real::EnvOnly(v),
        Env::GoRuntime(_, field) => Real::GoRuntime(field),
    })
}

/// `command line` or `file:line`, for notes.
fn where_(s: &Setting) -> String {
    match s.line {
        Some(l) => format!("{}:{l}", s.file),
        None => s.file.clone(),
    }
}

/// A setting that no Jaeger v1 collector has: an error with a suggestion, or with
/// `--allow-unknown` (a custom build, or an environment with other programs' variables) one
/// more note.
fn unknown(s: &Setting, allow_unknown: bool, notes: &mut Vec<String>) -> Result<(), ImportError> {
    let releases = format!(
        "jaeger-collector 1.{} to 1.{}",
        jaeger_flags::FIRST,
        jaeger_flags::LAST
    );
    let (what, taken, hint) = if s.is_flag {
        let name = s.key.trim_start_matches('-');
        (
            format!("not a flag of {releases}"),
            "a custom build's own",
            jaeger_flags::suggest_flag(name).map(|f| format!("did you mean --{f}?")),
        )
    } else {
        (
            format!("not a variable that {releases} reads"),
            "another program's or a custom build's",
            jaeger_flags::suggest_env(&s.key).map(|e| format!("did you mean {e}?")),
        )
    };
    if allow_unknown {
        notes.push(format!(
            "{}={} ({}): {what}; taken as {taken} (--allow-unknown), not modelled",
            s.key,
            s.value,
            where_(s)
        ));
        return Ok(());
    }
    // Why it matters: jaeger-collector refuses an unknown flag (pflag), so it never ran with
    // it; it ignores an unknown variable, so it ran with the default, not what was meant.
    let what = if s.is_flag {
        format!("{what}, which refuses it")
    } else {
        format!("{what} (it ignores such variables, so it ran with the default)")
    };
    let hint = hint.unwrap_or_else(|| {
        "for a custom build's own settings, or other programs' variables, use --allow-unknown"
            .to_string()
    });
    Err(ImportError {
        file: s.file.clone(),
        line: s.line,
        key: s.key.clone(),
        message: format!("unknown setting: {what}; {hint}"),
    })
}

/// The storage a `SPAN_STORAGE_TYPE` or `SAMPLING_STORAGE_TYPE` value names, as
/// [`Group::Storage`] names it (opensearch uses the Elasticsearch factory and its `es.`
/// flags, plugin/storage/factory.go; `grpc-plugin` became `grpc` in 1.58).
fn storage_group(t: &str) -> &str {
    match t {
        "opensearch" => "elasticsearch",
        "grpc-plugin" => "grpc",
        other => other,
    }
}

/// What the collector runs with, for the notes on settings of another storage or sampling.
struct InUse<'a> {
    /// `SPAN_STORAGE_TYPE`, the first one modelled.
    storages: &'a [String],
    /// `SAMPLING_STORAGE_TYPE` (adaptive sampling only).
    sampling_storage: Option<String>,
    /// `file` or `adaptive`.
    sampling: String,
}

impl InUse<'_> {
    /// Why a flag of a storage or a sampling does not reach the scenario, if it does not.
    fn note(&self, f: &Flag) -> Option<String> {
        let primary = self
            .storages
            .first()
            .map(String::as_str)
            .unwrap_or_default();
        match f.group {
            Group::Storage(g) if storage_group(primary) == g => None,
            Group::Storage(g)
                if self.storages.iter().any(|t| storage_group(t) == g)
                    || self.sampling_storage.as_deref().map(storage_group) == Some(g) =>
            {
                Some(format!(
                    "a setting of {g} storage, not modelled (only the first storage, \
                     `{primary}`, is)"
                ))
            }
            Group::Storage(g) => Some(format!(
                "a setting of {g} storage, unused with `{primary}` storage (jaeger-collector \
                 defines only the flags of its storages)"
            )),
            Group::Sampling(g) if g != self.sampling => Some(format!(
                "a setting of {g} sampling, unused with `{}` sampling (SAMPLING_CONFIG_TYPE)",
                self.sampling
            )),
            _ => None,
        }
    }
}

/// The last value of an environment-only variable.
fn env_value<'a>(settings: &'a [Setting], name: &str) -> Option<&'a str> {
    settings
        .iter()
        .rev()
        .find(|s| !s.is_flag && s.key == name)
        .map(|s| s.value.trim())
}

/// Imports Jaeger v1 collector settings (flags and environment, in the order given; a flag
/// wins over an environment variable, a later one over an earlier one of its kind, except
/// that `SPAN_STORAGE_TYPE` wins over the deprecated `--span-storage.type`, which Jaeger reads
/// only when the variable is unset: plugin/storage/factory_config.go
/// `FactoryConfigFromEnvAndCLI`). Every setting must be one a Jaeger v1 collector has
/// ([`jaeger_flags`]); with `o.allow_unknown`, others are listed as not modelled.
pub fn import_jaeger(settings: &[Setting], o: &Options) -> Result<Imported, ImportError> {
    let mut notes = vec![];
    let real: Vec<Option<Real>> = settings.iter().map(resolve).collect();
    // A setting Jaeger does not have is refused before anything else is read.
    if !o.allow_unknown {
        for (s, r) in settings.iter().zip(&real) {
            if r.is_none() {
                unknown(s, false, &mut notes)?;
            }
        }
    }
    // Resolve each mapped flag.
    let mut known: Vec<(&str, Ty, Option<&Setting>)> =
        KNOWN.iter().map(|(k, t)| (*k, *t, None)).collect();
    for (s, r) in settings.iter().zip(&real) {
        let Some(Real::Flag(f)) = r else { continue };
        if let Some(slot) = known.iter_mut().find(|(k, _, _)| *k == f.name) {
            let wins = match slot.2 {
                None => true,
                Some(prev) if f.name == "span-storage.type" => !s.is_flag || prev.is_flag,
                Some(prev) => s.is_flag || !prev.is_flag,
            };
            if wins {
                slot.2 = Some(s);
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
    // Sampling: SAMPLING_CONFIG_TYPE, else the deprecated SAMPLING_TYPE (`static` = file),
    // else file (plugin/sampling/strategystore/factory_config.go, v1.27.0).
    let sampling = match env_value(settings, "SAMPLING_CONFIG_TYPE")
        .filter(|v| !v.is_empty())
        .or_else(|| env_value(settings, "SAMPLING_TYPE").filter(|v| !v.is_empty()))
    {
        Some("static") | None => "file".to_string(),
        Some(v) => v.to_string(),
    };
    let in_use = InUse {
        storages: &storage_types,
        sampling_storage: env_value(settings, "SAMPLING_STORAGE_TYPE")
            .filter(|_| sampling == "adaptive")
            .map(str::to_lowercase),
        sampling,
    };

    // Every setting that does not reach the scenario says why, in the order given.
    for (s, r) in settings.iter().zip(&real) {
        let head = format!("{}={} ({})", s.key, s.value, where_(s));
        let Some(r) = r else {
            unknown(s, true, &mut notes)?;
            continue;
        };
        let why = match r {
            Real::Flag(f) => {
                let slot = known.iter().find(|(k, _, _)| *k == f.name);
                match slot {
                    Some((_, _, Some(w))) if !std::ptr::eq(*w, s) => {
                        let rule = if f.name == "span-storage.type" && w.is_flag == s.is_flag {
                            "the later one wins"
                        } else if f.name == "span-storage.type" {
                            "Jaeger reads --span-storage.type only when SPAN_STORAGE_TYPE is unset"
                        } else if w.is_flag && !s.is_flag {
                            "a flag wins over its variable"
                        } else {
                            "the later one wins"
                        };
                        Some(format!(
                            "overridden by {}={} ({}): {rule}",
                            w.key,
                            w.value,
                            where_(w)
                        ))
                    }
                    Some(_) => in_use.note(f),
                    None if f.name == "config-file" => Some(
                        "the settings in that file are not read: give them as flags or with \
                         --env-file"
                            .to_string(),
                    ),
                    None => Some(match (in_use.note(f), f.group) {
                        (Some(n), _) => n,
                        (None, Group::AllInOne) => {
                            "a flag of jaeger-all-in-one (its agent or query), not of \
                             jaeger-collector; not modelled"
                                .to_string()
                        }
                        // A removed flag says so: the release the config came from.
                        (None, _) if f.until < jaeger_flags::LAST => format!(
                            "not modelled (a flag of {})",
                            jaeger_flags::releases(f.since, f.until)
                        ),
                        (None, _) => "not modelled".to_string(),
                    }),
                }
            }
            // SPAN_STORAGE_TYPE is the variable of --span-storage.type, a flag above.
            Real::EnvOnly(v) => Some(format!("not modelled ({})", v.what)),
            Real::GoRuntime("") => Some("the Go runtime's, not modelled".to_string()),
            Real::GoRuntime(field) => Some(format!(
                "the Go runtime's, not read by the import: set `{field}` in the scenario"
            )),
        };
        if let Some(why) = why {
            notes.push(format!("{head}: {why}"));
        }
    }
    for extra in storage_types.iter().skip(1) {
        notes.push(format!(
            "span-storage.type `{extra}`: only the first storage (`{primary}`) is modelled"
        ));
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

    #[test]
    fn mapped_flags_are_real() {
        for (k, _) in KNOWN {
            let f = jaeger_flags::flag(k).unwrap_or_else(|| panic!("{k}"));
            assert_eq!(f.kind, Kind::Value, "{k}");
        }
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn own_options_split_out_anywhere() {
        let own = [
            OwnOption {
                long: "out".into(),
                takes_value: true,
            },
            OwnOption {
                long: "no-outage".into(),
                takes_value: false,
            },
        ];
        let (mine, s) = split_args(
            &words(&[
                "--collector.queue-size=5",
                "--out",
                "s.toml",
                "--",
                "--no-outage",
                "--es.sniffer",
                "COLLECTOR_NUM_WORKERS=3",
                "--out=-",
            ]),
            &own,
        )
        .unwrap();
        assert_eq!(mine, words(&["--out", "s.toml", "--no-outage", "--out=-"]));
        let keys: Vec<(&str, &str)> = s
            .iter()
            .map(|s| (s.key.as_str(), s.value.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("--collector.queue-size", "5"),
                ("--es.sniffer", "true"),
                ("COLLECTOR_NUM_WORKERS", "3")
            ]
        );
        // A value flag takes the next word as pflag does, even VAR=VALUE-like; a bool never.
        let s = parse_args(&words(&["--collector.tags", "a=b"])).unwrap();
        assert_eq!((s.len(), s[0].value.as_str()), (1, "a=b"));
        for bad in [
            &["--es.sniffer", "false"][..],
            &["--help"],
            &["-h"],
            &["-collector.queue-size=5"],
            &["collector.queue-size=5"],
            &["--collector.tags", "--out"],
        ] {
            assert!(split_args(&words(bad), &own).is_err(), "{bad:?}");
        }
        let e = split_args(&words(&["out=s.toml"]), &own).unwrap_err();
        assert!(e.message.contains("--out=s.toml"), "{e}");
    }
}
