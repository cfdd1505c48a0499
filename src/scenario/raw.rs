//! The scenario file exactly as written (TOML, serde). Unknown keys are errors. Defaults are
//! the real systems' defaults, each with its source; `validate` turns this into `Scenario`.

use crate::dist::DistSpec;
use crate::memory::Gogc;
use crate::units::{ByteSize, Duration, Rate};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: RawMeta,
    pub workload: RawWorkload,
    /// The tracer inside the application process (Envoy's Datadog tracer, an OpenTelemetry
    /// SDK). Without it, the workload's spans arrive at the collector directly.
    #[serde(default)]
    pub tracer: Option<RawTracer>,
    /// The hop the tracer exports to (a Datadog agent, an OTLP receiver, a stand-in). It
    /// forwards what it accepts to the collector when there is one.
    #[serde(default)]
    pub agent: Option<RawAgent>,
    /// A Jaeger v1 collector.
    #[serde(default)]
    pub collector: Option<RawCollector>,
    /// An OpenTelemetry Collector (or Jaeger v2, built on it): receiver, processors,
    /// exporter. A scenario has at most one of `[collector]` and `[otelcol]`.
    #[serde(default)]
    pub otelcol: Option<RawOtelCol>,
    /// Required with a collector.
    #[serde(default)]
    pub storage: Option<RawStorage>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Simulated time.
    pub duration: Duration,
    /// Master seed of the run.
    #[serde(default = "one")]
    pub seed: u64,
    /// Time between timeseries samples (default 1 s).
    #[serde(default = "one_second")]
    pub sample_interval: Duration,
    /// What moves as one unit through a collector: each span (exact, the default) or each
    /// request's spans together (production scale; see [`Resolution`]).
    #[serde(default)]
    pub resolution: Resolution,
}

/// The unit a collector moves. `span` is exact: every span has its own wire size, memory
/// cost and trip through the queue and workers. `request` draws a request's total size at
/// once and moves its spans as one chunk wherever they move together (decode, queue, hand-off
/// to the bulk processor); a chunk is split, exactly in count and proportionally in bytes,
/// wherever the real system would separate its spans (a full queue, a full bulk request,
/// workers blocking one span each, synchronous writes of one span). Only for scenarios
/// without a tracer, whose span limits admit span by span.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Resolution {
    #[default]
    Span,
    Request,
}

fn one() -> u64 {
    1
}
fn one_second() -> Duration {
    Duration(1_000_000_000)
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ArrivalKind {
    /// Exponential gaps between requests.
    Poisson,
    /// Evenly spaced requests.
    Constant,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateStep {
    pub at: Duration,
    pub rate: Rate,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    #[serde(default = "poisson")]
    pub arrivals: ArrivalKind,
    /// Requests per second from t = 0.
    pub rate: Rate,
    /// Later rate changes, piecewise constant.
    #[serde(default)]
    pub rate_schedule: Vec<RawRateStep>,
    /// Spans each request produces.
    pub spans_per_request: DistSpec<f64>,
    /// Span size on the wire (protobuf, as Jaeger's `span.Size()` counts it).
    pub span_size: DistSpec<ByteSize>,
    /// Shape of a span for the Jaeger collector's memory model (required with a collector).
    #[serde(default)]
    pub span_shape: Option<RawSpanShape>,
    /// How long a request takes from its first span's start to its end (default 0: spans end
    /// as they start). Tracers hold a request's spans until the trace completes.
    #[serde(default)]
    pub request_duration: Option<DistSpec<Duration>>,
}

fn poisson() -> ArrivalKind {
    ArrivalKind::Poisson
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpanShape {
    pub tags: u32,
    #[serde(default = "d_key_bytes")]
    pub tag_key_bytes: u32,
    #[serde(default = "one_u32")]
    pub process_tags: u32,
    #[serde(default = "one_u32")]
    pub references: u32,
    #[serde(default = "d_opname")]
    pub operation_name_bytes: u32,
    #[serde(default = "d_svc")]
    pub service_name_bytes: u32,
}
fn d_key_bytes() -> u32 {
    14
}
fn one_u32() -> u32 {
    1
}
fn d_opname() -> u32 {
    40
}
fn d_svc() -> u32 {
    20
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CollectorKind {
    /// Jaeger v1 collector (cmd/collector, pkg/queue).
    JaegerV1,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCollector {
    pub kind: CollectorKind,
    /// `--collector.queue-size` (DefaultQueueSize = 2000).
    #[serde(default = "d_queue_size")]
    pub queue_size: u64,
    /// `--collector.queue-size-memory` (off by default): turns on the dynamic queue.
    #[serde(default)]
    pub queue_size_memory: Option<ByteSize>,
    /// `--collector.num-workers` (DefaultNumWorkers = 50).
    #[serde(default = "d_workers")]
    pub num_workers: u32,
    /// Period of the dynamic resize check (hard-coded 1 minute in span_processor.go).
    #[serde(default = "d_resize_interval")]
    pub resize_interval: Duration,
    /// Cap of the dynamic queue (maxQueueSize = 1,000,000).
    #[serde(default = "d_max_queue")]
    pub max_queue_size: u64,
    /// Minimum change that triggers a resize (minRequiredChange = 1.2).
    #[serde(default = "d_resize_ratio")]
    pub resize_min_change: f64,
    pub memory: RawMemory,
    #[serde(default)]
    pub restart: RawRestart,
}
fn d_queue_size() -> u64 {
    2000
}
fn d_workers() -> u32 {
    50
}
fn d_resize_interval() -> Duration {
    Duration(60_000_000_000)
}
fn d_max_queue() -> u64 {
    1_000_000
}
fn d_resize_ratio() -> f64 {
    1.2
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RuntimeKind {
    Go,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMemory {
    pub runtime: RuntimeKind,
    /// Go toolchain the binary was built with, e.g. "1.15".
    pub go_version: String,
    /// RSS that is not heap.
    pub baseline: ByteSize,
    /// GC roots counted in the heap goal (Go >= 1.18).
    #[serde(default)]
    pub gc_roots: ByteSize,
    /// GOGC: a percentage, or "off".
    #[serde(default = "d_gogc")]
    pub gogc: Gogc,
    #[serde(default)]
    pub gomemlimit: Option<ByteSize>,
    #[serde(default = "d_min_heap")]
    pub min_heap: ByteSize,
    /// Bytes per second the scavenger returns to the OS.
    #[serde(default = "d_scavenge")]
    pub scavenge_rate: ByteSize,
    /// Heap live whatever the load (measured idle: `/gc/heap/live:bytes` after a GC).
    #[serde(default)]
    pub static_heap: ByteSize,
    /// Runtime metadata (span structures, GC structures) per byte of the heap's
    /// high-water mark, never returned to the OS.
    #[serde(default)]
    pub metadata_ratio: f64,
    /// Container memory limit; none = unlimited.
    #[serde(default)]
    pub limit: Option<ByteSize>,
    /// Structural model of one decoded span in memory.
    pub span_model: RawSpanModel,
}
fn d_gogc() -> Gogc {
    Gogc::Percent(100)
}

/// GOGC as written: an integer percentage, or a string (`"off"`, or digits as the
/// environment variable would hold them, so `--set ...gogc=off` works unquoted).
impl<'de> Deserialize<'de> for Gogc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Gogc;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a GOGC percentage such as 100, or \"off\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Gogc, E> {
                Gogc::parse(s).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Gogc, E> {
                Gogc::from_percent(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Gogc, E> {
                Gogc::from_percent(v.min(i64::MAX as u64) as i64).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}
fn d_min_heap() -> ByteSize {
    ByteSize(4 << 20)
}
fn d_scavenge() -> ByteSize {
    ByteSize(16 << 20)
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpanModel {
    pub queue_item: ByteSize,
    pub span_struct: ByteSize,
    pub key_value: ByteSize,
    pub process_struct: ByteSize,
    pub span_ref: ByteSize,
    pub appended_tags: u32,
    pub wire_fixed: ByteSize,
    pub wire_per_tag: ByteSize,
    pub decode_garbage_per_wire_byte: f64,
    pub es_doc_fixed: ByteSize,
    pub es_key_value: ByteSize,
    pub es_json_per_tag: ByteSize,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRestart {
    /// Restart after an OOM kill (Kubernetes restartPolicy Always).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Crash-loop back-off: first delay, doubling up to the max (kubelet: 10 s, 5 min).
    #[serde(default = "d_backoff_initial")]
    pub backoff_initial: Duration,
    #[serde(default = "d_backoff_max")]
    pub backoff_max: Duration,
    /// Running this long resets the back-off (kubelet: 10 min).
    #[serde(default = "d_backoff_reset")]
    pub backoff_reset: Duration,
    /// Time from container start to accepting spans.
    #[serde(default = "d_startup")]
    pub startup: Duration,
}
fn yes() -> bool {
    true
}
fn d_backoff_initial() -> Duration {
    Duration(10_000_000_000)
}
fn d_backoff_max() -> Duration {
    Duration(300_000_000_000)
}
fn d_backoff_reset() -> Duration {
    Duration(600_000_000_000)
}
fn d_startup() -> Duration {
    Duration(2_000_000_000)
}
impl Default for RawRestart {
    fn default() -> Self {
        RawRestart {
            enabled: true,
            backoff_initial: d_backoff_initial(),
            backoff_max: d_backoff_max(),
            backoff_reset: d_backoff_reset(),
            startup: d_startup(),
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// Jaeger's Elasticsearch writer: olivere/elastic BulkProcessor.
    Elasticsearch,
    /// A synchronous per-span write (e.g. Cassandra): the worker waits for each write.
    Direct,
    /// The backend behind an OpenTelemetry Collector exporter (OTLP, ClickHouse,
    /// Elasticsearch...): one request per exported batch, answered or failed as a whole.
    Otlp,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OutageMode {
    /// Connections are refused: requests fail at once.
    Refuse,
    /// Connections are accepted and never answered: requests wait for their timeout.
    Hang,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    pub start: Duration,
    pub duration: Duration,
    pub mode: OutageMode,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    pub kind: StorageKind,
    /// Time a write (or a bulk request) takes when storage is healthy.
    pub latency: DistSpec<crate::units::Duration>,
    /// Throughput cap [spans/s]; none = unlimited.
    #[serde(default)]
    pub throughput: Option<Rate>,
    /// Fraction of spans rejected by a healthy storage (e.g. mapping errors, 429 items).
    #[serde(default)]
    pub error_rate: f64,
    /// How long a refused connection takes to fail.
    #[serde(default = "d_refuse")]
    pub refuse_latency: Duration,
    /// Client request timeout; none = wait until the server answers (Jaeger `--es.timeout`
    /// defaults to 0 = no timeout).
    #[serde(default)]
    pub timeout: Option<Duration>,
    #[serde(default)]
    pub outages: Vec<RawOutage>,
    #[serde(default)]
    pub bulk: RawBulk,
}
fn d_refuse() -> Duration {
    Duration(1_000_000)
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBulk {
    /// `--es.bulk.actions` (1000).
    #[serde(default = "d_bulk_actions")]
    pub actions: u64,
    /// `--es.bulk.size` (5,000,000 bytes).
    #[serde(default = "d_bulk_size")]
    pub size: ByteSize,
    /// `--es.bulk.workers` (1).
    #[serde(default = "one_u32")]
    pub workers: u32,
    /// `--es.bulk.flush-interval` (200 ms).
    #[serde(default = "d_flush")]
    pub flush_interval: Duration,
    /// olivere/elastic default backoff: ExponentialBackoff(200 ms, 10 s), factor 2.
    #[serde(default = "d_backoff_lo")]
    pub backoff_initial: Duration,
    #[serde(default = "d_backoff_hi")]
    pub backoff_max: Duration,
    /// waitForActiveConnection ticker (5 s) and its health-check timeout (3 s).
    #[serde(default = "d_reconnect")]
    pub reconnect_interval: Duration,
    #[serde(default = "d_hc_timeout")]
    pub healthcheck_timeout: Duration,
}
fn d_bulk_actions() -> u64 {
    1000
}
fn d_bulk_size() -> ByteSize {
    ByteSize(5_000_000)
}
fn d_flush() -> Duration {
    Duration(200_000_000)
}
fn d_backoff_lo() -> Duration {
    Duration(200_000_000)
}
fn d_backoff_hi() -> Duration {
    Duration(10_000_000_000)
}
fn d_reconnect() -> Duration {
    Duration(5_000_000_000)
}
fn d_hc_timeout() -> Duration {
    Duration(3_000_000_000)
}
impl Default for RawBulk {
    fn default() -> Self {
        RawBulk {
            actions: d_bulk_actions(),
            size: d_bulk_size(),
            workers: 1,
            flush_interval: d_flush(),
            backoff_initial: d_backoff_lo(),
            backoff_max: d_backoff_hi(),
            reconnect_interval: d_reconnect(),
            healthcheck_timeout: d_hc_timeout(),
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum TracerKind {
    /// Envoy's Datadog tracer: a buffer per worker thread, flushed to the agent on a timer.
    EnvoyDatadog,
    /// An OpenTelemetry SDK BatchSpanProcessor with an OTLP exporter.
    OtelSdk,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DdGeneration {
    /// Envoy <= 1.26 with dd-opentracing-cpp (900 ms flush, 1 s request timeout).
    DdOpentracingCpp,
    /// Envoy >= 1.27 with dd-trace-cpp (2 s flush, 2 s request timeout).
    DdTraceCpp,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum TraceIds {
    /// Each request is its own trace, complete when the request ends.
    PerRequest,
    /// Every request carries the same trace id (e.g. a load generator sending
    /// `x-datadog-trace-id: 0`): one pending trace per worker, complete only when no request
    /// is in flight on that worker.
    Shared,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SdkLanguage {
    Go,
    Rust,
    Python,
    Java,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum JitterKind {
    /// delay * U[1 - f, 1 + f] (Go backoff's randomization factor, Python's +-20%).
    Proportional,
    /// delay + U[0, additive_jitter) (opentelemetry-otlp Rust).
    Additive,
    /// U[0, delay) (OpenTelemetry Java's RetryPolicy).
    Full,
}

/// An OTLP exporter's retry policy. Every field defaults to the SDK language's own value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetry {
    pub enabled: Option<bool>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    pub initial_interval: Option<Duration>,
    pub max_interval: Option<Duration>,
    pub multiplier: Option<f64>,
    pub jitter: Option<JitterKind>,
    pub randomization_factor: Option<f64>,
    pub additive_jitter: Option<Duration>,
    /// Give up once this much time has passed since the first attempt.
    pub max_elapsed: Option<Duration>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTracerMemory {
    /// RSS of the process without spans (binary, heap of everything else).
    pub baseline: ByteSize,
    /// Container memory limit; none = unlimited.
    #[serde(default)]
    pub limit: Option<ByteSize>,
    /// In-memory bytes of one buffered span: `span_fixed + span_attributes *
    /// span_per_attribute + span_per_wire_byte * max(0, wire - wire_inline)`.
    pub span_fixed: ByteSize,
    pub span_per_wire_byte: f64,
    /// Attributes (tags) per span, and the heap bytes each costs beyond its wire bytes
    /// (the key-value struct, allocator rounding).
    #[serde(default)]
    pub span_attributes: u32,
    #[serde(default)]
    pub span_per_attribute: ByteSize,
    /// Wire bytes whose in-memory form is not on the heap per span (ids, timestamps held
    /// inline in a preallocated slot).
    #[serde(default)]
    pub wire_inline: ByteSize,
    /// Bytes per queue slot allocated up front for `max_queue_size` slots (OpenTelemetry
    /// SDKs with a preallocated channel). Default: the language's own.
    #[serde(default)]
    pub queue_slot: Option<ByteSize>,
    /// Allocator overhead on live bytes (fragmentation), as a fraction.
    #[serde(default)]
    pub alloc_overhead: f64,
    /// Freed memory stays resident (glibc malloc and tcmalloc keep their pages): RSS follows
    /// the high-water mark of live bytes. Default true.
    #[serde(default = "yes")]
    pub retain_freed: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTracer {
    pub kind: TracerKind,
    // Envoy + Datadog.
    pub generation: Option<DdGeneration>,
    /// Envoy worker threads (`--concurrency`); one tracer and buffer per worker.
    pub workers: Option<u32>,
    pub flush_interval: Option<Duration>,
    pub request_timeout: Option<Duration>,
    pub trace_ids: Option<TraceIds>,
    /// Envoy's circuit breaker on the agent cluster (`max_requests`, default 1024).
    pub max_requests: Option<u64>,
    /// Opt-in limit on spans buffered per worker; new spans beyond it are dropped.
    pub span_limit: Option<u64>,
    /// Opt-in limit on in-memory bytes buffered per worker.
    pub span_limit_bytes: Option<ByteSize>,
    /// Opt-in partial flush: write a pending trace's finished spans once this many.
    pub partial_flush_min_spans: Option<u64>,
    /// Copies of the encoded payload alive while a flush encodes it (transient).
    pub payload_copies: Option<f64>,
    // OpenTelemetry SDK.
    pub language: Option<SdkLanguage>,
    pub max_queue_size: Option<u64>,
    pub scheduled_delay: Option<Duration>,
    pub max_export_batch_size: Option<u64>,
    /// The processor's bound on one export, retries included (where the SDK enforces it).
    pub export_timeout: Option<Duration>,
    /// The exporter's timeout per attempt (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s).
    pub exporter_timeout: Option<Duration>,
    pub max_concurrent_exports: Option<u32>,
    /// Fraction of traces sampled (spans not sampled are never queued).
    pub sampler_ratio: Option<f64>,
    pub retry: Option<RawRetry>,
    pub memory: RawTracerMemory,
    #[serde(default)]
    pub restart: RawRestart,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgent {
    /// Time to answer a request when healthy.
    #[serde(default = "d_agent_latency")]
    pub latency: DistSpec<Duration>,
    /// Throughput cap [spans/s]; none = unlimited.
    #[serde(default)]
    pub throughput: Option<Rate>,
    /// Fraction of requests answered with a retryable error (5xx).
    #[serde(default)]
    pub error_rate: f64,
    /// Largest request body accepted; larger ones get 413 (Datadog agent: 25 MB today,
    /// 50 MB from v7.21, 10 MiB before).
    #[serde(default)]
    pub max_payload: Option<ByteSize>,
    #[serde(default = "d_refuse")]
    pub refuse_latency: Duration,
    #[serde(default)]
    pub outages: Vec<RawOutage>,
}
fn d_agent_latency() -> DistSpec<Duration> {
    DistSpec::Value(Duration(1_000_000))
}

// ---------------------------------------------------------------------------------------
// OpenTelemetry Collector. Field names are the collector's own YAML keys, so that a config
// reads the same in both places; `tracesim import otelcol` writes this table. Defaults are
// those of the `version` given (see `../shared/reference/pipeline-mechanics.md` §2).

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOtelCol {
    /// Collector release, e.g. "0.120.0": selects the defaults and behaviours that changed
    /// (sending queue default 5000 up to v0.76; in-flight requests counted in the queue from
    /// v0.120; memory_limiter GC pacing configurable from v0.121, backed off from v0.156).
    pub version: String,
    /// The traces pipeline's processors, in order (`service.pipelines.traces.processors`).
    #[serde(default)]
    pub processors: Vec<OtelProcessor>,
    #[serde(default)]
    pub memory_limiter: Option<RawMemoryLimiter>,
    #[serde(default)]
    pub batch: Option<RawBatch>,
    #[serde(default)]
    pub exporter: RawExporter,
    pub memory: RawOtelMemory,
    #[serde(default)]
    pub restart: RawRestart,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OtelProcessor {
    MemoryLimiter,
    Batch,
}

/// `processor/memorylimiterprocessor`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMemoryLimiter {
    /// Period of the heap check (no default in the collector: it must be set; 1s advised).
    pub check_interval: Duration,
    /// Hard limit in MiB of Go heap (`runtime.MemStats.Alloc`), or
    #[serde(default)]
    pub limit_mib: Option<u64>,
    /// the hard limit as a percentage of the container's memory limit.
    #[serde(default)]
    pub limit_percentage: Option<u32>,
    /// Soft limit = hard - spike. Default: 20% of the hard limit.
    #[serde(default)]
    pub spike_limit_mib: Option<u64>,
    #[serde(default)]
    pub spike_limit_percentage: Option<u32>,
    /// Minimum time between forced GCs above the soft limit (10s; fixed before v0.121).
    #[serde(default = "d_soft_gc")]
    pub min_gc_interval_when_soft_limited: Duration,
    /// Minimum time between forced GCs above the hard limit (0: every check).
    #[serde(default)]
    pub min_gc_interval_when_hard_limited: Duration,
    /// From v0.156: ceiling of the back-off when a forced GC frees less than 5% (30s).
    #[serde(default = "d_max_gc")]
    pub max_gc_interval_when_soft_limited: Duration,
    #[serde(default = "d_max_gc")]
    pub max_gc_interval_when_hard_limited: Duration,
}
fn d_soft_gc() -> Duration {
    Duration(10_000_000_000)
}
fn d_max_gc() -> Duration {
    Duration(30_000_000_000)
}

/// `processor/batchprocessor`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBatch {
    #[serde(default = "d_send_batch_size")]
    pub send_batch_size: u64,
    #[serde(default = "d_batch_timeout")]
    pub timeout: Duration,
    /// 0: no split.
    #[serde(default)]
    pub send_batch_max_size: u64,
}
fn d_send_batch_size() -> u64 {
    8192
}
fn d_batch_timeout() -> Duration {
    Duration(200_000_000)
}
impl Default for RawBatch {
    fn default() -> Self {
        RawBatch {
            send_batch_size: d_send_batch_size(),
            timeout: d_batch_timeout(),
            send_batch_max_size: 0,
        }
    }
}

/// An exporter built on `exporter/exporterhelper` (otlp, otlphttp, clickhouse...).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExporter {
    /// Per-attempt timeout (`timeout`, 5s; 0 = none, as Jaeger v2's storage exporter).
    #[serde(default = "d_export_timeout")]
    pub timeout: Duration,
    #[serde(default)]
    pub sending_queue: RawSendingQueue,
    #[serde(default)]
    pub retry_on_failure: RawRetryOnFailure,
    /// The exporter's transport: "grpc" (the otlp exporter: one grpc-go channel whose
    /// reconnect backoff keeps a refused backend failing after it is back) or "http"
    /// (otlphttp: a dial per request). Absent: neither modelled (each attempt sees the
    /// backend as it is).
    #[serde(default)]
    pub protocol: Option<ExporterProtocol>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ExporterProtocol {
    Grpc,
    Http,
}
fn d_export_timeout() -> Duration {
    Duration(5_000_000_000)
}
impl Default for RawExporter {
    fn default() -> Self {
        RawExporter {
            timeout: d_export_timeout(),
            sending_queue: RawSendingQueue::default(),
            retry_on_failure: RawRetryOnFailure::default(),
            protocol: None,
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum QueueSizer {
    /// Export requests (batches).
    Requests,
    /// Spans.
    Items,
    /// Serialized (wire) bytes: not the heap they take.
    Bytes,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSendingQueue {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Capacity in `sizer` units. Default: 1000 requests (5000 up to v0.76).
    #[serde(default)]
    pub queue_size: Option<u64>,
    #[serde(default = "d_sizer")]
    pub sizer: QueueSizer,
    #[serde(default = "d_consumers")]
    pub num_consumers: u32,
    /// Wait for room instead of refusing when full (false).
    #[serde(default)]
    pub block_on_overflow: bool,
    /// A storage extension (e.g. "file_storage"): the queue lives on disk, not in memory.
    #[serde(default)]
    pub storage: Option<String>,
}
fn d_sizer() -> QueueSizer {
    QueueSizer::Requests
}
fn d_consumers() -> u32 {
    10
}
impl Default for RawSendingQueue {
    fn default() -> Self {
        RawSendingQueue {
            enabled: true,
            queue_size: None,
            sizer: d_sizer(),
            num_consumers: d_consumers(),
            block_on_overflow: false,
            storage: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetryOnFailure {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "d_retry_initial")]
    pub initial_interval: Duration,
    #[serde(default = "d_retry_max")]
    pub max_interval: Duration,
    /// 0: retry forever.
    #[serde(default = "d_retry_elapsed")]
    pub max_elapsed_time: Duration,
    #[serde(default = "d_retry_mult")]
    pub multiplier: f64,
    #[serde(default = "d_retry_rand")]
    pub randomization_factor: f64,
}
fn d_retry_initial() -> Duration {
    Duration(5_000_000_000)
}
fn d_retry_max() -> Duration {
    Duration(30_000_000_000)
}
fn d_retry_elapsed() -> Duration {
    Duration(300_000_000_000)
}
fn d_retry_mult() -> f64 {
    1.5
}
fn d_retry_rand() -> f64 {
    0.5
}
impl Default for RawRetryOnFailure {
    fn default() -> Self {
        RawRetryOnFailure {
            enabled: true,
            initial_interval: d_retry_initial(),
            max_interval: d_retry_max(),
            max_elapsed_time: d_retry_elapsed(),
            multiplier: d_retry_mult(),
            randomization_factor: d_retry_rand(),
        }
    }
}

/// The collector's Go runtime and what a span costs in it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOtelMemory {
    pub runtime: RuntimeKind,
    /// Go toolchain of the build, e.g. "1.23".
    pub go_version: String,
    /// RSS that is not heap (binary, runtime, stacks).
    pub baseline: ByteSize,
    #[serde(default)]
    pub gc_roots: ByteSize,
    /// GOGC: a percentage, or "off".
    #[serde(default = "d_gogc")]
    pub gogc: Gogc,
    /// GOMEMLIMIT; the collector docs advise 80% of the container limit.
    #[serde(default)]
    pub gomemlimit: Option<ByteSize>,
    #[serde(default = "d_min_heap")]
    pub min_heap: ByteSize,
    #[serde(default = "d_scavenge")]
    pub scavenge_rate: ByteSize,
    /// Heap live whatever the load (measured idle: `/gc/heap/live:bytes` after a GC).
    #[serde(default)]
    pub static_heap: ByteSize,
    /// Runtime metadata (span structures, GC structures) per byte of the heap's
    /// high-water mark, never returned to the OS.
    #[serde(default)]
    pub metadata_ratio: f64,
    /// GOMAXPROCS: `sync.Pool` caches are per P, so up to this many pooled buffers of
    /// each size stay live (Go 1.25+ sets it from the container's CPU limit).
    #[serde(default = "d_gomaxprocs")]
    pub gomaxprocs: u32,
    /// Container memory limit; none = unlimited.
    #[serde(default)]
    pub limit: Option<ByteSize>,
    /// Heap bytes of one decoded span (pdata), fixed part ...
    pub span_fixed: ByteSize,
    /// ... plus this many heap bytes per wire byte.
    pub span_per_wire_byte: f64,
}

/// The Go runtime fields `[collector.memory]` and `[otelcol.memory]` share, for one validator.
pub struct RawGoRuntime<'a> {
    pub go_version: &'a str,
    pub baseline: ByteSize,
    pub gc_roots: ByteSize,
    pub gogc: Gogc,
    pub gomemlimit: Option<ByteSize>,
    pub min_heap: ByteSize,
    pub scavenge_rate: ByteSize,
    pub static_heap: ByteSize,
    pub metadata_ratio: f64,
    pub limit: Option<ByteSize>,
}
fn d_gomaxprocs() -> u32 {
    1
}

impl RawMemory {
    pub fn go_runtime(&self) -> RawGoRuntime<'_> {
        RawGoRuntime {
            go_version: &self.go_version,
            baseline: self.baseline,
            gc_roots: self.gc_roots,
            gogc: self.gogc,
            gomemlimit: self.gomemlimit,
            min_heap: self.min_heap,
            scavenge_rate: self.scavenge_rate,
            static_heap: self.static_heap,
            metadata_ratio: self.metadata_ratio,
            limit: self.limit,
        }
    }
}

impl RawOtelMemory {
    pub fn go_runtime(&self) -> RawGoRuntime<'_> {
        RawGoRuntime {
            go_version: &self.go_version,
            baseline: self.baseline,
            gc_roots: self.gc_roots,
            gogc: self.gogc,
            gomemlimit: self.gomemlimit,
            min_heap: self.min_heap,
            scavenge_rate: self.scavenge_rate,
            static_heap: self.static_heap,
            metadata_ratio: self.metadata_ratio,
            limit: self.limit,
        }
    }
}
