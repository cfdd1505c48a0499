//! The OpenTelemetry Collector as the engine uses it: `[otelcol]` checked, with the defaults
//! of the release it names.

use super::raw::{OtelProcessor, QueueSizer, RawOtelCol};
use super::{Restart, VResult, bad, validate_go_runtime, validate_restart};
use crate::memory::GoRuntimeConfig;
use crate::sim::Nanos;

/// A collector release, `0.MINOR.PATCH` (1.x releases are treated as the newest minor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OtelVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl OtelVersion {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().trim_start_matches('v');
        let mut it = s.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        let patch = match it.next() {
            Some(p) => p.split('-').next()?.parse().ok()?,
            None => 0,
        };
        if it.next().is_some() {
            return None;
        }
        Some(OtelVersion {
            major,
            minor,
            patch,
        })
    }

    /// Is this release at least `0.minor`?
    pub fn at_least(self, minor: u32) -> bool {
        self.major > 0 || self.minor >= minor
    }
}

#[derive(Clone, Debug)]
pub struct MemoryLimiter {
    pub check_interval: Nanos,
    /// Hard and soft limits on the Go heap [bytes].
    pub hard: u64,
    pub soft: u64,
    pub min_gc_soft: Nanos,
    pub min_gc_hard: Nanos,
    /// Up to v0.120: a GC on every check above hard, and above soft only when refusal
    /// starts (never again while refusing). From v0.121: both gated on every check.
    pub legacy: bool,
    /// From v0.156: ineffective forced GCs double the gates up to these (0: off).
    pub gc_backoff: bool,
    pub max_gc_soft: Nanos,
    pub max_gc_hard: Nanos,
}

#[derive(Clone, Debug)]
pub struct Batch {
    pub send_batch_size: u64,
    pub timeout: Nanos,
    /// 0: no split.
    pub send_batch_max_size: u64,
}

#[derive(Clone, Debug)]
pub struct SendingQueue {
    /// false: the exporter sends synchronously in the caller (no queue, no consumers).
    pub enabled: bool,
    pub capacity: u64,
    pub sizer: QueueSizer,
    pub num_consumers: u32,
    pub block_on_overflow: bool,
    /// On disk (a storage extension) rather than in memory.
    pub persistent: bool,
    /// In-flight requests count against the capacity until done (v0.120+).
    pub count_in_flight: bool,
}

#[derive(Clone, Debug)]
pub struct RetryOnFailure {
    pub enabled: bool,
    pub initial_interval: Nanos,
    pub max_interval: Nanos,
    /// 0: forever.
    pub max_elapsed_time: Nanos,
    pub multiplier: f64,
    pub randomization_factor: f64,
    /// From v0.122 (cenkalti/backoff v5) it gives up when the next wait would end past
    /// `max_elapsed_time`; before (v4) only once the elapsed time is past it.
    pub give_up_early: bool,
}

#[derive(Clone, Debug)]
pub struct OtelCollector {
    pub version: OtelVersion,
    /// Processors in pipeline order.
    pub processors: Vec<OtelProcessor>,
    /// Where the memory_limiter sits: at the receiver (first, or with no batch processor
    /// before it), or after the batch processor (refusing batches already acknowledged).
    pub limiter_at_receive: bool,
    pub limiter_after_batch: bool,
    pub memory_limiter: Option<MemoryLimiter>,
    pub batch: Option<Batch>,
    pub timeout: Nanos,
    /// The otlp (gRPC) exporter's channel reconnect backoff is modelled.
    pub grpc_channel: bool,
    /// The otlp (gRPC) exporter marshals each export into a pooled buffer of the first of
    /// these sizes that fits (larger: a buffer of its own size, pooled too); None: the
    /// encoding is garbage at once (otlphttp).
    pub marshal_pool: Option<Vec<u64>>,
    /// Encodings of each attempt made in fresh slices, garbage once sent, besides the pooled
    /// buffer (see `marshal_garbage_copies`).
    pub marshal_copies: u64,
    /// GOMAXPROCS: `sync.Pool` keeps a cache per P.
    pub gomaxprocs: u32,
    pub queue: SendingQueue,
    pub retry: RetryOnFailure,
    pub runtime: GoRuntimeConfig,
    pub memory_limit: Option<u64>,
    pub span_fixed: u64,
    pub span_per_wire_byte: f64,
    pub restart: Restart,
}

impl OtelCollector {
    /// Heap bytes of a decoded span of `wire` bytes.
    #[inline]
    pub fn span_bytes(&self, wire: u64) -> u64 {
        self.span_fixed + (self.span_per_wire_byte * wire as f64) as u64
    }
}

const MIB: u64 = 1 << 20;

/// The buffer sizes the otlp exporter's gRPC codec pools its encodings in.
/// * From pdata v1.45.0 (collector v0.139; v1.71.0 of v0.165 is the same) pdata registers its
///   own proto codec (`pdata/internal/otelgrpc/encoding.go`): `Marshal` takes a buffer of
///   `SizeProto()` bytes from a `mem.TieredBufferPool` of 256 B, 4, 16, 32, 64, 128, 256,
///   512 KiB, 1 and 4 and 16 MiB; the transport frees it back once written.
/// * Before (v0.119, pdata v1.25.0 with grpc v1.70.0), grpc's own proto codec does it
///   (`encoding/proto/proto.go`) with `mem.DefaultBufferPool()`: 256 B, 4, 16, 32 KiB, 1 MiB.
/// * Larger than the largest tier, both fall back to a `SimpleBufferPool` of exact sizes
///   (`internal/mem/buffer_pool.go`).
fn marshal_tiers(v: OtelVersion) -> Vec<u64> {
    const K: u64 = 1 << 10;
    if v.at_least(139) {
        vec![
            256,
            4 * K,
            16 * K,
            32 * K,
            64 * K,
            128 * K,
            256 * K,
            512 * K,
            MIB,
            4 * MIB,
            16 * MIB,
        ]
    } else {
        vec![256, 4 * K, 16 * K, 32 * K, MIB]
    }
}
/// How many times an export attempt encodes the request into a fresh slice that is garbage
/// once sent, besides the pooled buffer of `marshal_tiers`.
/// * otlphttp: once (`ptrace.ProtoMarshaler`, gogo's `Marshal` makes a slice of `Size()`).
/// * otlp (gRPC) from v0.139: never, pdata's codec marshals into the pooled buffer.
/// * otlp before v0.139: twice. pdata's gogo-generated `ExportTraceServiceRequest` has
///   `Marshal()` but no protobuf-go `Size` method, so protobuf-go wraps it as a legacy message
///   (`internal/impl/legacy_message.go`, `legacyMarshal`: `marshaler.Marshal()` then
///   `append(in.Buf, out...)`), and grpc v1.70.0's codec (`encoding/proto/proto.go`,
///   `codecV2.Marshal`) calls `proto.Size`, which for such a message marshals to measure it
///   ("This is not efficient, but we don't have any choice", `proto/size.go`), then
///   `MarshalAppend` into the pooled buffer, which marshals again and copies.
///   Measured: 7.0 and 6.3 kB allocated per span by v0.119.0 healthy at 2,000 and 8,000
///   spans/s, against 4.2 and 4.8 kB by v0.165.0 (`heap_allocs_bytes` in
///   validation/recordings/otelcol/v1{19,65}_healthy_r*.runtime.csv).
fn marshal_garbage_copies(v: OtelVersion, grpc: bool) -> u64 {
    match (grpc, v.at_least(139)) {
        (false, _) => 1,
        (true, true) => 0,
        (true, false) => 2,
    }
}

const HOUR: u64 = 3_600_000_000_000;
const DAY: u64 = 24 * HOUR;

pub(crate) fn validate_otelcol(c: &RawOtelCol) -> VResult<OtelCollector> {
    let version = OtelVersion::parse(&c.version).ok_or_else(|| {
        (
            "otelcol.version".to_string(),
            format!(
                "`{}` is not a collector release such as \"0.120.0\"",
                c.version
            ),
        )
    })?;
    // Processors: each listed once, each table used.
    for (i, p) in c.processors.iter().enumerate() {
        if c.processors[..i].contains(p) {
            return bad(
                &format!("otelcol.processors[{i}]"),
                "a processor is listed twice",
            );
        }
    }
    let has = |p| c.processors.contains(&p);
    if c.memory_limiter.is_some() && !has(OtelProcessor::MemoryLimiter) {
        return bad(
            "otelcol.memory_limiter",
            "is configured but not in otelcol.processors",
        );
    }
    if c.batch.is_some() && !has(OtelProcessor::Batch) {
        return bad(
            "otelcol.batch",
            "is configured but not in otelcol.processors",
        );
    }

    let m = &c.memory;
    let runtime = validate_go_runtime(&m.go_runtime(), "otelcol.memory", "1.23")?;
    if !(m.span_per_wire_byte >= 0.0 && m.span_per_wire_byte <= 1000.0) {
        return bad(
            "otelcol.memory.span_per_wire_byte",
            "must be between 0 and 1000",
        );
    }
    if m.span_fixed.0 == 0 && m.span_per_wire_byte == 0.0 {
        return bad(
            "otelcol.memory.span_fixed",
            "a span must cost some memory: set span_fixed or span_per_wire_byte",
        );
    }
    if m.gomaxprocs == 0 {
        return bad("otelcol.memory.gomaxprocs", "must be at least 1");
    }
    if m.span_fixed.0 > 64 * MIB {
        return bad("otelcol.memory.span_fixed", "above 64MiB per span");
    }

    let memory_limiter = match (&c.memory_limiter, has(OtelProcessor::MemoryLimiter)) {
        (None, true) => {
            return bad(
                "otelcol.memory_limiter",
                "is in otelcol.processors: add the table with check_interval and limit_mib",
            );
        }
        (None, false) => None,
        (Some(ml), _) => {
            if ml.check_interval.0 == 0 || ml.check_interval.0 > HOUR {
                return bad(
                    "otelcol.memory_limiter.check_interval",
                    "must be above 0 (the collector refuses 0 too) and at most 1h",
                );
            }
            for (f, d) in [
                (
                    "min_gc_interval_when_soft_limited",
                    ml.min_gc_interval_when_soft_limited,
                ),
                (
                    "min_gc_interval_when_hard_limited",
                    ml.min_gc_interval_when_hard_limited,
                ),
                (
                    "max_gc_interval_when_soft_limited",
                    ml.max_gc_interval_when_soft_limited,
                ),
                (
                    "max_gc_interval_when_hard_limited",
                    ml.max_gc_interval_when_hard_limited,
                ),
            ] {
                if d.0 > DAY {
                    return bad(&format!("otelcol.memory_limiter.{f}"), "above 24h");
                }
            }
            let total = m.limit.map(|b| b.0);
            let pct = |f: &str, p: u32| -> VResult<u64> {
                if p == 0 || p > 100 {
                    return bad(f, "must be a percentage between 1 and 100");
                }
                match total {
                    Some(t) => Ok(t / 100 * p as u64),
                    None => bad(
                        f,
                        "a percentage needs the container limit otelcol.memory.limit",
                    ),
                }
            };
            let hard = match (ml.limit_mib, ml.limit_percentage) {
                (Some(_), Some(_)) => {
                    return bad(
                        "otelcol.memory_limiter.limit_percentage",
                        "give limit_mib or limit_percentage, not both",
                    );
                }
                (Some(mib), None) => mib.saturating_mul(MIB),
                (None, Some(p)) => pct("otelcol.memory_limiter.limit_percentage", p)?,
                (None, None) => {
                    return bad(
                        "otelcol.memory_limiter.limit_mib",
                        "the memory_limiter needs limit_mib or limit_percentage",
                    );
                }
            };
            if hard == 0 || hard > (1 << 50) {
                return bad(
                    "otelcol.memory_limiter.limit_mib",
                    "must be between 1 and 2^30 MiB",
                );
            }
            let spike = match (ml.spike_limit_mib, ml.spike_limit_percentage) {
                (Some(mib), _) => mib.saturating_mul(MIB),
                (None, Some(p)) => pct("otelcol.memory_limiter.spike_limit_percentage", p)?,
                // newFixedMemUsageChecker: memAllocLimit / 5.
                (None, None) => hard / 5,
            };
            if spike >= hard {
                return bad(
                    "otelcol.memory_limiter.spike_limit_mib",
                    "must be below the limit (the collector refuses it too)",
                );
            }
            Some(MemoryLimiter {
                check_interval: ml.check_interval.0,
                hard,
                soft: hard - spike,
                // Before v0.121 the intervals were fixed at these defaults.
                min_gc_soft: if version.at_least(121) {
                    ml.min_gc_interval_when_soft_limited.0
                } else {
                    10_000_000_000
                },
                min_gc_hard: if version.at_least(121) {
                    ml.min_gc_interval_when_hard_limited.0
                } else {
                    0
                },
                legacy: !version.at_least(121),
                gc_backoff: version.at_least(156),
                max_gc_soft: ml.max_gc_interval_when_soft_limited.0,
                max_gc_hard: ml.max_gc_interval_when_hard_limited.0,
            })
        }
    };

    let batch = if has(OtelProcessor::Batch) {
        let b = c.batch.clone().unwrap_or_default();
        if b.send_batch_size == 0 {
            return bad("otelcol.batch.send_batch_size", "must be at least 1");
        }
        if b.send_batch_max_size != 0 && b.send_batch_max_size < b.send_batch_size {
            return bad(
                "otelcol.batch.send_batch_max_size",
                "must be 0 or at least send_batch_size (the collector refuses it too)",
            );
        }
        if b.timeout.0 == 0 || b.timeout.0 > HOUR {
            return bad("otelcol.batch.timeout", "must be above 0 and at most 1h");
        }
        Some(Batch {
            send_batch_size: b.send_batch_size,
            timeout: b.timeout.0,
            send_batch_max_size: b.send_batch_max_size,
        })
    } else {
        None
    };

    let e = &c.exporter;
    if e.timeout.0 > DAY {
        return bad("otelcol.exporter.timeout", "above 24h (0 means none)");
    }
    let q = &e.sending_queue;
    let capacity = q
        .queue_size
        .unwrap_or(if version.at_least(77) { 1000 } else { 5000 });
    if q.enabled {
        if capacity == 0 {
            return bad(
                "otelcol.exporter.sending_queue.queue_size",
                "must be at least 1",
            );
        }
        if capacity > 1 << 40 {
            return bad("otelcol.exporter.sending_queue.queue_size", "above 2^40");
        }
        if q.num_consumers == 0 || q.num_consumers > 10_000 {
            return bad(
                "otelcol.exporter.sending_queue.num_consumers",
                "must be between 1 and 10,000",
            );
        }
    }
    if q.sizer != QueueSizer::Requests && !version.at_least(123) {
        return bad(
            "otelcol.exporter.sending_queue.sizer",
            "the sizer option appeared in v0.123.0 (#12708): before, queue_size counts requests",
        );
    }
    if q.sizer != QueueSizer::Requests
        && q.storage.is_some()
        && version.at_least(123)
        && !version.at_least(130)
    {
        return bad(
            "otelcol.exporter.sending_queue.sizer",
            "v0.123-v0.129 accept only the requests sizer with a storage (persistent) queue (#13340)",
        );
    }
    if let Some(s) = &q.storage
        && s.trim().is_empty()
    {
        return bad(
            "otelcol.exporter.sending_queue.storage",
            "names a storage extension such as \"file_storage\"",
        );
    }
    let r = &e.retry_on_failure;
    if r.enabled {
        if r.initial_interval.0 == 0 {
            return bad(
                "otelcol.exporter.retry_on_failure.initial_interval",
                "must be above 0",
            );
        }
        if r.max_interval.0 > DAY || r.max_elapsed_time.0 > 365 * DAY {
            return bad(
                "otelcol.exporter.retry_on_failure.max_interval",
                "intervals above 24h (or a max_elapsed_time above a year) are not supported",
            );
        }
        if r.max_interval.0 < r.initial_interval.0 {
            return bad(
                "otelcol.exporter.retry_on_failure.max_interval",
                "must be at least initial_interval",
            );
        }
        if !(r.multiplier >= 1.0 && r.multiplier <= 100.0) {
            return bad(
                "otelcol.exporter.retry_on_failure.multiplier",
                "must be between 1 and 100",
            );
        }
        if !(0.0..1.0).contains(&r.randomization_factor) {
            return bad(
                "otelcol.exporter.retry_on_failure.randomization_factor",
                "must be at least 0 and below 1",
            );
        }
    }
    let restart = validate_restart(&c.restart, "otelcol.restart")?;
    let pos = |p| c.processors.iter().position(|x| *x == p);
    let (ml_pos, batch_pos) = (pos(OtelProcessor::MemoryLimiter), pos(OtelProcessor::Batch));
    Ok(OtelCollector {
        version,
        processors: c.processors.clone(),
        limiter_at_receive: ml_pos.is_some_and(|m| batch_pos.is_none_or(|b| m < b)),
        limiter_after_batch: matches!((ml_pos, batch_pos), (Some(m), Some(b)) if m > b),
        memory_limiter,
        batch,
        timeout: e.timeout.0,
        grpc_channel: e.protocol == Some(crate::scenario::raw::ExporterProtocol::Grpc),
        marshal_pool: (e.protocol == Some(crate::scenario::raw::ExporterProtocol::Grpc))
            .then(|| marshal_tiers(version)),
        marshal_copies: marshal_garbage_copies(
            version,
            e.protocol == Some(crate::scenario::raw::ExporterProtocol::Grpc),
        ),
        gomaxprocs: m.gomaxprocs,
        queue: SendingQueue {
            enabled: q.enabled,
            capacity,
            sizer: q.sizer,
            num_consumers: if q.enabled { q.num_consumers } else { 1 },
            block_on_overflow: q.block_on_overflow,
            persistent: q.enabled && q.storage.is_some(),
            count_in_flight: version.at_least(120),
        },
        retry: RetryOnFailure {
            enabled: r.enabled,
            initial_interval: r.initial_interval.0,
            max_interval: r.max_interval.0,
            max_elapsed_time: r.max_elapsed_time.0,
            multiplier: r.multiplier,
            randomization_factor: r.randomization_factor,
            give_up_early: version.at_least(122),
        },
        runtime,
        memory_limit: m.limit.map(|b| b.0),
        span_fixed: m.span_fixed.0,
        span_per_wire_byte: m.span_per_wire_byte,
        restart,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let v = OtelVersion::parse("v0.120.1").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (0, 120, 1));
        assert!(v.at_least(120) && !v.at_least(121));
        assert!(OtelVersion::parse("0.96").unwrap().at_least(77));
        assert!(OtelVersion::parse("1.2.0").unwrap().at_least(999));
        assert_eq!(OtelVersion::parse("0.120.0-rc1").unwrap().minor, 120);
        for bad in ["", "latest", "0", "0.x.1", "0.1.2.3"] {
            assert!(OtelVersion::parse(bad).is_none(), "{bad}");
        }
    }
}
