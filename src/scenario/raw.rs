//! The scenario file exactly as written (TOML, serde). Unknown keys are errors. Defaults are
//! the real systems' defaults, each with its source; `validate` turns this into `Scenario`.

use crate::dist::DistSpec;
use crate::units::{ByteSize, Duration, Rate};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: RawMeta,
    pub workload: RawWorkload,
    pub collector: RawCollector,
    pub storage: RawStorage,
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
    pub span_shape: RawSpanShape,
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
    #[serde(default = "d_gogc")]
    pub gogc: u32,
    #[serde(default)]
    pub gomemlimit: Option<ByteSize>,
    #[serde(default = "d_min_heap")]
    pub min_heap: ByteSize,
    /// Bytes per second the scavenger returns to the OS.
    #[serde(default = "d_scavenge")]
    pub scavenge_rate: ByteSize,
    /// Container memory limit; none = unlimited.
    #[serde(default)]
    pub limit: Option<ByteSize>,
    /// Structural model of one decoded span in memory.
    pub span_model: RawSpanModel,
}
fn d_gogc() -> u32 {
    100
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
