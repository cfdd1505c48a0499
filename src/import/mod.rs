//! `tracesim import`: a scenario from what users run, so they start from their own settings.
//!
//! - [`otelcol::import_otelcol`] reads an OpenTelemetry Collector (or Jaeger v2) YAML config:
//!   the traces pipeline's memory_limiter, batch and exporter (timeout, sending queue, retry).
//! - [`jaeger::import_jaeger`] reads Jaeger v1 collector flags or their environment variables.
//!
//! What a config does not say (the load, the span size, the container limit, the Go build,
//! what a span costs in memory, the storage's latency, an outage) comes from flags or from
//! documented defaults; the written scenario marks each default with `DEFAULT` and the command
//! lists them on stderr. Components the simulator does not model are listed in a "Not
//! modelled" comment block and on stderr, never dropped silently; a component type that does
//! not exist at all ([`catalogue`]: the collector core, contrib and Jaeger v2) is an error, or
//! with `--allow-unknown` (a custom build) one more not-modelled entry; so is a Jaeger v1
//! flag or variable that no collector release has ([`jaeger_flags`]). The text is checked
//! with the scenario loader before anything is written: an import either gives a scenario
//! that `tracesim run` accepts, or an error naming the file, the line and the key.

pub mod catalogue;
pub mod jaeger;
pub mod jaeger_flags;
pub mod otelcol;
mod yaml;

use crate::cli::Failure;
use crate::scenario::raw::OutageMode;
use crate::units::{ByteSize, Duration, Rate};
use clap::{Args, Subcommand};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// An import error: fatal; fix the file, flag or variable it names (exit code 2).
#[derive(Debug, Clone)]
pub struct ImportError {
    /// The config file, `--env-file` file, or `command line`.
    pub file: String,
    pub line: Option<usize>,
    /// Key path in the config (`processors.memory_limiter.limit_mib`) or the flag.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": `{}`", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ImportError {}

/// The values a config does not hold; `None` takes the documented default.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Requests per second offered to the collector.
    pub rate: Option<Rate>,
    pub spans_per_request: Option<f64>,
    /// Span size on the wire.
    pub span_size: Option<ByteSize>,
    /// Container memory limit.
    pub memory_limit: Option<ByteSize>,
    /// Simulated time.
    pub duration: Option<Duration>,
    pub outage_start: Option<Duration>,
    pub outage_duration: Option<Duration>,
    pub outage_mode: Option<OutageMode>,
    /// No storage outage at all.
    pub no_outage: bool,
    /// Go toolchain of the collector build.
    pub go_version: Option<String>,
    /// Scenario name (default: from the file name).
    pub name: Option<String>,
    /// OpenTelemetry Collector release (`otelcol` only).
    pub version: Option<String>,
    /// Which traces pipeline (`traces` or `traces/<name>`), when there are several.
    pub pipeline: Option<String>,
    /// Values for `${env:NAME}` references (`otelcol` only).
    pub env: Vec<(String, String)>,
    /// Component types missing from [`catalogue`] (`otelcol`), or settings missing from
    /// [`jaeger_flags`] (`jaeger`), are listed as not modelled rather than refused (custom
    /// builds).
    pub allow_unknown: bool,
}

/// A scenario built by an import.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The scenario (TOML), already checked with the scenario loader.
    pub toml: String,
    /// Components and settings that are in the input but not in the model.
    pub not_modelled: Vec<String>,
    /// Values that are not in the input: defaults the user should check.
    pub defaults: Vec<String>,
    /// Values the input does say that are likely not what was meant (a period without its
    /// unit, a timer that fires continually): printed on stderr as warnings.
    pub warnings: Vec<String>,
}

// ---------------------------------------------------------------------------------------
// Writing the scenario: TOML text with a comment on every value.

/// Where a written value came from, to point an error of the scenario loader back at it.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    pub key: String,
    pub line: Option<usize>,
}

#[derive(Default)]
pub(crate) struct Toml {
    out: String,
    table: String,
    /// (scenario field path, origin)
    origins: Vec<(String, Origin)>,
    pub defaults: Vec<String>,
}

/// Column where value comments start, as in models/*.toml.
const COMMENT_COL: usize = 30;

impl Toml {
    pub fn comment(&mut self, text: &str) {
        for l in text.lines() {
            if l.is_empty() {
                self.out.push_str("#\n");
            } else {
                self.out.push_str("# ");
                self.out.push_str(l);
                self.out.push('\n');
            }
        }
    }

    /// Length of the text so far (a place to insert a block later).
    pub fn out_len(&self) -> usize {
        self.out.len()
    }

    pub fn insert_at(&mut self, at: usize, text: &str) {
        self.out.insert_str(at.min(self.out.len()), text);
    }

    /// The "Not modelled" and "Defaults to check" comment blocks, inserted at `at` (after the
    /// header).
    pub fn summary_blocks(&mut self, at: usize, notes: &[String]) {
        let mut block = String::from("#\n# Not modelled (also listed on stderr):\n");
        if notes.is_empty() {
            block.push_str("#   nothing\n");
        }
        for n in notes {
            block.push_str(&format!("#   - {}\n", one_line(n)));
        }
        block.push_str("#\n# Defaults to check (not in the input; each marked DEFAULT below):\n");
        for d in &self.defaults {
            block.push_str(&format!("#   - {d}\n"));
        }
        self.insert_at(at, &block);
    }

    pub fn blank(&mut self) {
        self.out.push('\n');
    }

    pub fn table(&mut self, name: &str) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
        self.out.push_str(&format!("[{name}]\n"));
        self.table = name.to_string();
    }

    pub fn array_table(&mut self, name: &str) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
        self.out.push_str(&format!("[[{name}]]\n"));
        self.table = format!("{name}.0");
    }

    /// `key = value  # comment`.
    pub fn kv(&mut self, key: &str, value: String, comment: &str) {
        let mut line = format!("{key} = {value}");
        if !comment.is_empty() {
            while line.len() < COMMENT_COL {
                line.push(' ');
            }
            if !line.ends_with(' ') {
                line.push(' ');
            }
            line.push_str("# ");
            line.push_str(&one_line(comment));
        }
        self.out.push_str(&line);
        self.out.push('\n');
    }

    /// A value read from the input at `origin`.
    pub fn kv_from(&mut self, key: &str, value: String, origin: Origin) {
        let comment = match origin.line {
            Some(l) => format!("{} (line {l})", origin.key),
            None => origin.key.clone(),
        };
        self.kv(key, value, &comment);
        let field = format!("{}.{key}", self.table);
        self.origins.push((field, origin));
    }

    /// A default: marked in the file and listed for the user.
    pub fn kv_default(&mut self, key: &str, value: String, why: &str, flag: &str) {
        let flag_note = if flag.is_empty() {
            String::new()
        } else {
            format!(", {flag}")
        };
        self.kv(key, value.clone(), &format!("DEFAULT{flag_note}: {why}"));
        let field = format!("{}.{key}", self.table);
        self.defaults.push(format!("{field} = {value}{flag_note}"));
    }

    /// The written text, checked with the scenario loader; a value the loader refuses is
    /// reported at its origin in the input. The event budget of a run is not checked: the
    /// scenario says what the input says (the importer warns), and `run` refuses it.
    pub fn finish(self, input: &str, not_modelled: Vec<String>) -> Result<Imported, ImportError> {
        if let Err(e) = crate::scenario::parse_config("imported.toml", &self.out) {
            let field = e.field.replace('[', ".").replace(']', "");
            return Err(match self.origins.iter().find(|(f, _)| *f == field) {
                Some((_, o)) => ImportError {
                    file: input.to_string(),
                    line: o.line,
                    key: o.key.clone(),
                    message: format!("{} (tracesim's `{}`)", e.message, e.field),
                },
                None => ImportError {
                    file: input.to_string(),
                    line: None,
                    key: e.field.clone(),
                    message: format!(
                        "the imported scenario does not load: {} (check the flags)",
                        e.message
                    ),
                },
            });
        }
        Ok(Imported {
            toml: self.out,
            not_modelled,
            defaults: self.defaults,
            warnings: vec![],
        })
    }
}

/// A comment's text on one line: a control character (a key may hold a newline) escaped.
fn one_line(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let e: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            e
        })
        .collect()
}

/// A TOML string literal.
pub(crate) fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A duration in the largest unit that writes it exactly: `"5s"`, `"200ms"`, `"90s"`.
pub(crate) fn dur(ns: u64) -> String {
    let units = [
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
    ];
    for (n, u) in units {
        if ns >= n && ns.is_multiple_of(n) {
            return q(&format!("{}{u}", ns / n));
        }
    }
    q(&format!("{ns}ns"))
}

/// A size in the largest binary unit that writes it exactly.
pub(crate) fn size(bytes: u64) -> String {
    for (n, u) in [(1u64 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")] {
        if bytes >= n && bytes.is_multiple_of(n) {
            return q(&format!("{}{u}", bytes / n));
        }
    }
    q(&format!("{bytes}B"))
}

/// A float that TOML reads as a float (`2.0`, not `2`).
pub(crate) fn float(v: f64) -> String {
    let s = format!("{v:?}");
    if s.contains(['.', 'e', 'E']) || !v.is_finite() {
        s
    } else {
        format!("{s}.0")
    }
}

pub(crate) fn rate(r: Rate) -> String {
    q(&format!("{}/s", r.0))
}

/// A scenario name from the input's file name: lower case, `-` for anything else.
pub(crate) fn name_from(prefix: &str, file: &str) -> String {
    let stem = Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut n: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    n = n.trim_matches('-').to_string();
    if n.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}-{n}")
    }
}

/// Default simulated time: long enough for an outage of 10 minutes and the drain after it.
pub(crate) const DEFAULT_DURATION: u64 = 30 * 60 * 1_000_000_000;
pub(crate) const DEFAULT_OUTAGE_START: u64 = 5 * 60 * 1_000_000_000;
pub(crate) const DEFAULT_OUTAGE_DURATION: u64 = 10 * 60 * 1_000_000_000;

/// `[scenario]`.
pub(crate) fn write_meta(t: &mut Toml, o: &Options, name: String, description: &str) {
    t.table("scenario");
    let name = o.name.clone().unwrap_or(name);
    t.kv("name", q(&name), "");
    t.kv("description", q(description), "");
    match o.duration {
        Some(d) => t.kv("duration", dur(d.0), "--duration"),
        None => t.kv_default(
            "duration",
            dur(DEFAULT_DURATION),
            "an outage of 10 minutes and the recovery after it",
            "--duration",
        ),
    }
    t.kv("seed", "1".into(), "");
    t.kv("sample_interval", q("1s"), "");
}

/// Defaults of the workload a config cannot give: (value as TOML, why) for the request rate,
/// spans per request and span size.
pub(crate) struct WorkloadDefaults {
    pub rate: (String, &'static str),
    pub spans_per_request: (String, &'static str),
    pub span_size: (String, &'static str),
}

/// The `[workload]` rate, spans per request and span size: from the flags, or the defaults
/// (marked DEFAULT). The caller has opened the table and written what precedes.
pub(crate) fn write_workload(t: &mut Toml, o: &Options, d: WorkloadDefaults) {
    t.kv(
        "arrivals",
        q("poisson"),
        "many independent clients (inference)",
    );
    match o.rate {
        Some(r) => t.kv("rate", rate(r), "--rate"),
        None => t.kv_default("rate", d.rate.0, d.rate.1, "--rate"),
    }
    match o.spans_per_request {
        Some(s) => t.kv("spans_per_request", float(s), "--spans-per-request"),
        None => t.kv_default(
            "spans_per_request",
            d.spans_per_request.0,
            d.spans_per_request.1,
            "--spans-per-request",
        ),
    }
    match o.span_size {
        Some(s) => t.kv("span_size", size(s.0), "--span-size"),
        None => t.kv_default("span_size", d.span_size.0, d.span_size.1, "--span-size"),
    }
}

/// `[[storage.outages]]`, from the flags or the default outage (5 min in, 10 min long,
/// refused connections: what happened in the Jaeger story, models/jaeger-collector-es-outage).
pub(crate) fn write_outage(t: &mut Toml, o: &Options) {
    if o.no_outage {
        t.comment("No outage (--no-outage).");
        return;
    }
    t.array_table("storage.outages");
    t.comment(
        "Storage down: the backend refuses connections (refuse) or accepts and never answers\n\
         (hang). Not in the config: flags --outage-start, --outage-duration, --outage-mode.",
    );
    match o.outage_start {
        Some(d) => t.kv("start", dur(d.0), "--outage-start"),
        None => t.kv_default(
            "start",
            dur(DEFAULT_OUTAGE_START),
            "after a warm-up",
            "--outage-start",
        ),
    }
    match o.outage_duration {
        Some(d) => t.kv("duration", dur(d.0), "--outage-duration"),
        None => t.kv_default(
            "duration",
            dur(DEFAULT_OUTAGE_DURATION),
            "an outage long enough to fill queues",
            "--outage-duration",
        ),
    }
    let mode = |m: OutageMode| {
        q(match m {
            OutageMode::Refuse => "refuse",
            OutageMode::Hang => "hang",
        })
    };
    match o.outage_mode {
        Some(m) => t.kv("mode", mode(m), "--outage-mode"),
        None => t.kv_default(
            "mode",
            mode(OutageMode::Refuse),
            "refused connections",
            "--outage-mode",
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Command line.

const IMPORT_HELP: &str = "\
Examples:
  tracesim import otelcol examples/otel-collector.yaml --out my-collector.toml
  tracesim import otelcol examples/otel-collector.yaml --pipeline traces --rate 3.5k/s --memory-limit 2GiB --version 0.120.0
  tracesim import jaeger --out jaeger.toml -- --collector.queue-size-memory=80 --collector.num-workers=50
  tracesim import jaeger COLLECTOR_QUEUE_SIZE=2000 SPAN_STORAGE_TYPE=elasticsearch
  tracesim import jaeger --env-file examples/jaeger-collector.env --memory-limit 250MiB

The scenario is written to --out or to stdout; stderr lists the values that are defaults to
check and what the simulator does not model. Run it with `tracesim run FILE`. --out writes a
new file, or replaces one that tracesim wrote and nobody edited since (never a file of
yours).";

const JAEGER_HELP: &str = "\
Examples:
  tracesim import jaeger --out jaeger.toml -- --collector.queue-size-memory=80 --collector.num-workers=50
  tracesim import jaeger --collector.queue-size=5 --out s.toml
  tracesim import jaeger COLLECTOR_QUEUE_SIZE=2000 SPAN_STORAGE_TYPE=elasticsearch
  tracesim import jaeger --env-file examples/jaeger-collector.env --memory-limit 250MiB

tracesim's own options (those above) are recognised anywhere on the line: before or after
`--`, between collector flags, as `--out s.toml` or `--out=s.toml`. No Jaeger v1 collector
flag has one of their names, so `--` is optional; everything else is a collector flag or a
VAR=VALUE variable. `--help` among the collector flags is refused (jaeger-collector's own
--help is not a setting).

Every flag must be one of jaeger-collector 1.13 to 1.76 (removed ones included), and every
variable one it reads (a flag's name upper-cased, `.` and `-` as `_`, or SPAN_STORAGE_TYPE,
SAMPLING_CONFIG_TYPE, ...): a typo is an error with a suggestion, and --allow-unknown lists
unknown ones as not modelled instead. Real settings the simulator does not model are listed
as not modelled. As in Jaeger, a flag wins over its variable, except --span-storage.type
(SPAN_STORAGE_TYPE wins). A boolean flag takes its value after `=` (--es.sniffer=false).

The scenario is written to --out or to stdout; stderr lists the values that are defaults to
check and what the simulator does not model. Run it with `tracesim run FILE`. --out writes a
new file, or replaces one that tracesim wrote and nobody edited since (never a file of
yours).";

#[derive(Args, Debug)]
#[command(after_help = IMPORT_HELP)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub source: ImportSource,
}

#[derive(Subcommand, Debug)]
pub enum ImportSource {
    /// An OpenTelemetry Collector (or Jaeger v2) YAML config: its traces pipeline
    #[command(after_help = IMPORT_HELP)]
    Otelcol(OtelcolArgs),
    /// Jaeger v1 collector flags, VAR=VALUE environment settings, or --env-file
    #[command(after_help = JAEGER_HELP)]
    Jaeger(JaegerArgs),
}

#[derive(Args, Debug)]
pub struct OtelcolArgs {
    /// The collector's config file (YAML)
    pub config: PathBuf,
    /// The collector release it runs, e.g. 0.120.0 (selects version-dependent defaults)
    #[arg(long)]
    pub version: Option<String>,
    /// The traces pipeline to model when there are several, e.g. traces/2
    #[arg(long)]
    pub pipeline: Option<String>,
    /// A value for a ${env:NAME} reference in the config (repeatable); the environment is not read
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Accept component types that are not in the collector core, contrib or Jaeger v2 (a custom
    /// build's own components) and list them as not modelled, instead of refusing them as typos
    #[arg(long)]
    pub allow_unknown: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct JaegerArgs {
    #[command(flatten)]
    pub own: JaegerOwn,
    /// Collector flags (--collector.queue-size=2000) and VAR=VALUE settings, mixed with the
    /// options above in any order; `--` is optional
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "FLAG-OR-VAR"
    )]
    pub settings: Vec<String>,
}

/// The options of `import jaeger`: clap parses those before the first collector setting,
/// [`jaeger::split_args`] finds the others among the settings, and [`JaegerOwn::merge`] puts
/// both together.
#[derive(Args, Debug)]
pub struct JaegerOwn {
    /// A file of VAR=VALUE lines (docker --env-file, a ConfigMap's env)
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Accept flags and variables that no Jaeger v1 collector has (a custom build's, other
    /// programs' variables in a shared env file) and list them as not modelled, instead of
    /// refusing them as typos
    #[arg(long)]
    pub allow_unknown: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// The options found among the collector settings, parsed by clap as if they stood first.
#[derive(clap::Parser, Debug)]
#[command(
    name = "tracesim import jaeger",
    disable_help_flag = true,
    disable_version_flag = true
)]
struct OwnAfter {
    #[command(flatten)]
    own: JaegerOwn,
}

/// tracesim's options of `import jaeger`, by their long names.
pub fn jaeger_own_options() -> Vec<jaeger::OwnOption> {
    use clap::CommandFactory;
    OwnAfter::command()
        .get_arguments()
        .filter_map(|a| {
            a.get_long().map(|l| jaeger::OwnOption {
                long: l.to_string(),
                takes_value: a.get_action().takes_values(),
            })
        })
        .collect()
}

impl JaegerOwn {
    /// Adds the options given later on the line; one given on both sides is an error, as clap
    /// makes it on one side.
    fn merge(&mut self, later: JaegerOwn) -> Result<(), Failure> {
        let JaegerOwn {
            env_file,
            allow_unknown,
            common,
        } = later;
        self.env_file.extend(env_file);
        self.allow_unknown |= allow_unknown;
        self.common.merge(common)
    }
}

#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Where to write the scenario (`-` or nothing: stdout)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Scenario name (default: from the input's file name)
    #[arg(long)]
    pub name: Option<String>,
    /// Requests per second offered, e.g. 1300/s or 3.5k/s
    #[arg(long, value_parser = Rate::parse)]
    pub rate: Option<Rate>,
    /// Spans each request makes
    #[arg(long)]
    pub spans_per_request: Option<f64>,
    /// Span size on the wire, e.g. 500B
    #[arg(long, value_parser = ByteSize::parse)]
    pub span_size: Option<ByteSize>,
    /// The container memory limit, e.g. 2GiB
    #[arg(long, value_parser = ByteSize::parse)]
    pub memory_limit: Option<ByteSize>,
    /// Simulated time, e.g. 30m
    #[arg(long, value_parser = Duration::parse)]
    pub duration: Option<Duration>,
    /// When storage goes down, e.g. 5m
    #[arg(long, value_parser = Duration::parse)]
    pub outage_start: Option<Duration>,
    /// How long storage stays down, e.g. 10m
    #[arg(long, value_parser = Duration::parse)]
    pub outage_duration: Option<Duration>,
    /// How storage is down: refuse (connections refused) or hang (never answers)
    #[arg(long, value_parser = parse_mode)]
    pub outage_mode: Option<OutageMode>,
    /// No storage outage
    #[arg(long, conflicts_with_all = ["outage_start", "outage_duration", "outage_mode"])]
    pub no_outage: bool,
    /// Go toolchain the collector was built with, e.g. 1.23
    #[arg(long)]
    pub go_version: Option<String>,
}

fn parse_mode(s: &str) -> Result<OutageMode, String> {
    match s {
        "refuse" => Ok(OutageMode::Refuse),
        "hang" => Ok(OutageMode::Hang),
        _ => Err(format!("`{s}`: use refuse or hang")),
    }
}

impl CommonArgs {
    /// The options of `later` into `self` ([`JaegerOwn::merge`]). Destructured, so that an
    /// option added to CommonArgs cannot be forgotten here.
    fn merge(&mut self, later: CommonArgs) -> Result<(), Failure> {
        fn once<T>(a: &mut Option<T>, b: Option<T>, flag: &str) -> Result<(), Failure> {
            if a.is_some() && b.is_some() {
                return Err(crate::cli::usage(format!(
                    "the argument '--{flag}' cannot be used multiple times"
                )));
            }
            if b.is_some() {
                *a = b;
            }
            Ok(())
        }
        let CommonArgs {
            out,
            name,
            rate,
            spans_per_request,
            span_size,
            memory_limit,
            duration,
            outage_start,
            outage_duration,
            outage_mode,
            no_outage,
            go_version,
        } = later;
        once(&mut self.out, out, "out")?;
        once(&mut self.name, name, "name")?;
        once(&mut self.rate, rate, "rate")?;
        once(
            &mut self.spans_per_request,
            spans_per_request,
            "spans-per-request",
        )?;
        once(&mut self.span_size, span_size, "span-size")?;
        once(&mut self.memory_limit, memory_limit, "memory-limit")?;
        once(&mut self.duration, duration, "duration")?;
        once(&mut self.outage_start, outage_start, "outage-start")?;
        once(
            &mut self.outage_duration,
            outage_duration,
            "outage-duration",
        )?;
        once(&mut self.outage_mode, outage_mode, "outage-mode")?;
        once(&mut self.go_version, go_version, "go-version")?;
        if self.no_outage && no_outage {
            return Err(crate::cli::usage(
                "the argument '--no-outage' cannot be used multiple times",
            ));
        }
        self.no_outage |= no_outage;
        // clap's conflicts_with_all, across both sides.
        if self.no_outage
            && (self.outage_start.is_some()
                || self.outage_duration.is_some()
                || self.outage_mode.is_some())
        {
            return Err(crate::cli::usage(
                "the argument '--no-outage' cannot be used with '--outage-start', \
                 '--outage-duration' or '--outage-mode'",
            ));
        }
        Ok(())
    }

    fn options(&self) -> Options {
        Options {
            rate: self.rate,
            spans_per_request: self.spans_per_request,
            span_size: self.span_size,
            memory_limit: self.memory_limit,
            duration: self.duration,
            outage_start: self.outage_start,
            outage_duration: self.outage_duration,
            outage_mode: self.outage_mode,
            no_outage: self.no_outage,
            go_version: self.go_version.clone(),
            name: self.name.clone(),
            ..Options::default()
        }
    }
}

fn bad_input(e: ImportError) -> Failure {
    Failure {
        code: 2,
        error: e.into(),
    }
}

pub fn cmd_import(a: ImportArgs) -> Result<(), Failure> {
    let (imported, common, what) = match a.source {
        ImportSource::Otelcol(a) => {
            let file = a.config.display().to_string();
            let text = std::fs::read_to_string(&a.config).map_err(|e| {
                bad_input(ImportError {
                    file: file.clone(),
                    line: None,
                    key: String::new(),
                    message: format!("cannot read the config: {e}"),
                })
            })?;
            let mut o = a.common.options();
            o.version = a.version;
            o.pipeline = a.pipeline;
            o.allow_unknown = a.allow_unknown;
            for kv in &a.env {
                let Some((k, v)) = kv.split_once('=') else {
                    return Err(crate::cli::usage(format!("--env {kv}: write NAME=VALUE")));
                };
                o.env.push((k.trim().to_string(), v.to_string()));
            }
            let imp = otelcol::import_otelcol(&file, &text, &o).map_err(bad_input)?;
            (imp, a.common, file)
        }
        ImportSource::Jaeger(a) => {
            // tracesim's options among the collector settings (clap stops at the first
            // setting): taken out and parsed as if they stood first.
            let (mine, given) =
                jaeger::split_args(&a.settings, &jaeger_own_options()).map_err(bad_input)?;
            let mut own = a.own;
            if !mine.is_empty() {
                let words = std::iter::once("tracesim import jaeger".to_string()).chain(mine);
                let later = <OwnAfter as clap::Parser>::try_parse_from(words).map_err(|e| {
                    let text = e.to_string();
                    let first = text.lines().next().unwrap_or_default();
                    crate::cli::usage(first.strip_prefix("error: ").unwrap_or(first))
                })?;
                own.merge(later.own)?;
            }
            let mut settings = vec![];
            for f in &own.env_file {
                let file = f.display().to_string();
                let text = std::fs::read_to_string(f).map_err(|e| {
                    bad_input(ImportError {
                        file: file.clone(),
                        line: None,
                        key: String::new(),
                        message: format!("cannot read the env file: {e}"),
                    })
                })?;
                settings.extend(jaeger::parse_env_file(&file, &text).map_err(bad_input)?);
            }
            settings.extend(given);
            let mut o = own.common.options();
            o.allow_unknown = own.allow_unknown;
            let imp = jaeger::import_jaeger(&settings, &o).map_err(bad_input)?;
            (imp, own.common, "Jaeger collector settings".to_string())
        }
    };
    let out = common.out.filter(|p| p.as_os_str() != "-");
    match &out {
        // Signed, so that importing again may replace the file while nobody edited it.
        Some(p) => crate::outdir::write_file(
            p,
            crate::outdir::sign(&imported.toml).as_bytes(),
            &crate::outdir::is_signed,
        )?,
        None => {
            let mut so = std::io::stdout().lock();
            so.write_all(imported.toml.as_bytes())
                .and_then(|_| so.flush())
                .map_err(|e| Failure {
                    code: 1,
                    error: e.into(),
                })?;
        }
    }
    let mut note = String::new();
    for w in &imported.warnings {
        note.push_str(&format!("warning: {w}\n"));
    }
    if let Some(p) = &out {
        note.push_str(&format!("wrote {} from {what}\n", p.display()));
    }
    if !imported.defaults.is_empty() {
        note.push_str("defaults to check (not in the input; marked DEFAULT in the scenario):\n");
        for d in &imported.defaults {
            note.push_str(&format!("  {d}\n"));
        }
    }
    if !imported.not_modelled.is_empty() {
        note.push_str("not modelled (listed in the scenario's comments):\n");
        for d in &imported.not_modelled {
            note.push_str(&format!("  {d}\n"));
        }
    }
    eprint!("{note}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(dur(5_000_000_000), "\"5s\"");
        assert_eq!(dur(90_000_000_000), "\"90s\"");
        assert_eq!(dur(200_000_000), "\"200ms\"");
        assert_eq!(dur(0), "\"0ns\"");
        assert_eq!(size(1000 << 20), "\"1000MiB\"");
        assert_eq!(size(500), "\"500B\"");
        assert_eq!(float(2.0), "2.0");
        assert_eq!(float(0.5), "0.5");
        assert_eq!(
            name_from("otelcol", "dir/My Config.yaml"),
            "otelcol-my-config"
        );
    }

    /// A word of the command line is ours or Jaeger's, never both: no collector flag of any
    /// release has the name of an option of `import jaeger` (help aside, refused).
    #[test]
    fn jaeger_own_options_are_not_collector_flags() {
        let own = jaeger_own_options();
        let names: Vec<&str> = own.iter().map(|o| o.long.as_str()).collect();
        for n in [
            "out",
            "name",
            "rate",
            "memory-limit",
            "env-file",
            "allow-unknown",
        ] {
            assert!(names.contains(&n), "{n} in {names:?}");
        }
        assert!(own.iter().any(|o| o.long == "out" && o.takes_value));
        assert!(own.iter().any(|o| o.long == "no-outage" && !o.takes_value));
        for n in &names {
            assert!(
                jaeger_flags::flag(n).is_none(),
                "--{n} is also a Jaeger flag"
            );
        }
        assert!(jaeger_flags::flag("help").is_some());
    }
}
