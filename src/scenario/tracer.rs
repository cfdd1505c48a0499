//! Validated tracer and agent stages (see `raw::RawTracer`, `raw::RawAgent`). Defaults are
//! each real tracer's own, with sources; `reference/pipeline-mechanics.md` §3 and §4.

use super::raw::*;
use super::{Outage, Restart, bad, validate_outages, validate_restart};
use crate::dist::Sampler;
use crate::sim::Nanos;

const MS: Nanos = 1_000_000;
const S: Nanos = 1_000_000_000;

/// Memory of a process without a garbage collector (C++, Rust; malloc or tcmalloc).
#[derive(Clone, Debug)]
pub struct NativeMemory {
    pub baseline: u64,
    pub limit: Option<u64>,
    pub span_fixed: u64,
    pub span_per_wire_byte: f64,
    /// `span_attributes * span_per_attribute`.
    pub span_attr_bytes: u64,
    pub wire_inline: u64,
    /// Bytes allocated up front per queue slot.
    pub queue_slot: u64,
    pub alloc_overhead: f64,
    pub retain_freed: bool,
}

impl NativeMemory {
    /// In-memory bytes of one buffered span of `wire` bytes.
    #[inline]
    pub fn span_bytes(&self, wire: u32) -> u64 {
        let heap_wire = (wire as u64).saturating_sub(self.wire_inline);
        self.span_fixed + self.span_attr_bytes + (self.span_per_wire_byte * heap_wire as f64) as u64
    }
}

#[derive(Clone, Debug)]
pub struct Datadog {
    pub generation: DdGeneration,
    pub workers: u32,
    pub flush_interval: Nanos,
    pub request_timeout: Nanos,
    pub shared_trace: bool,
    pub max_requests: u64,
    pub span_limit: Option<u64>,
    pub span_limit_bytes: Option<u64>,
    pub partial_flush_min_spans: Option<u64>,
    pub payload_copies: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Jitter {
    Proportional(f64),
    Additive(Nanos),
    Full,
}

/// An exporter's retry policy.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    pub enabled: bool,
    pub max_retries: u32,
    pub initial: Nanos,
    pub max: Nanos,
    pub multiplier: f64,
    pub jitter: Jitter,
    pub max_elapsed: Option<Nanos>,
}

#[derive(Clone, Debug)]
pub struct OtelSdk {
    pub language: SdkLanguage,
    pub max_queue_size: u64,
    pub scheduled_delay: Nanos,
    pub max_export_batch_size: u64,
    /// Bound on one export including retries, where enforced.
    pub export_deadline: Option<Nanos>,
    pub attempt_timeout: Nanos,
    pub max_concurrent_exports: u32,
    /// Python's deque drops the oldest span; Go, Rust and Java drop the new one.
    pub drop_oldest: bool,
    pub retry: RetryPolicy,
}

#[derive(Clone, Debug)]
pub enum TracerModel {
    Datadog(Datadog),
    Otel(OtelSdk),
}

#[derive(Clone, Debug)]
pub struct Tracer {
    pub model: TracerModel,
    pub sampler_ratio: f64,
    pub memory: NativeMemory,
    pub restart: Restart,
}

#[derive(Clone, Debug)]
pub struct Agent {
    pub latency: Sampler,
    pub throughput: Option<f64>,
    pub error_rate: f64,
    pub max_payload: Option<u64>,
    pub refuse_latency: Nanos,
    pub outages: Vec<Outage>,
}

type VResult<T> = Result<T, (String, String)>;

fn only(kind: &str, field: &str, set: bool) -> VResult<()> {
    if set {
        return bad(
            &format!("tracer.{field}"),
            format!("applies to kind = \"{kind}\" only"),
        );
    }
    Ok(())
}

/// The OTLP exporter retry policy each SDK ships with.
pub fn default_retry(lang: SdkLanguage) -> RetryPolicy {
    match lang {
        // go.opentelemetry.io/otel/exporters/otlp/otlptrace/internal/retry DefaultConfig:
        // 5 s initial, 30 s max, 1 min elapsed; cenkalti/backoff: factor 1.5, randomization 0.5.
        SdkLanguage::Go => RetryPolicy {
            enabled: true,
            max_retries: u32::MAX,
            initial: 5 * S,
            max: 30 * S,
            multiplier: 1.5,
            jitter: Jitter::Proportional(0.5),
            max_elapsed: Some(60 * S),
        },
        // opentelemetry-otlp 0.33 RetryPolicy::recommended (measurement sidecar
        // ../shared/measurements/*.json): 3 retries, 100 ms doubling to 1.6 s, + <=100 ms.
        SdkLanguage::Rust => RetryPolicy {
            enabled: true,
            max_retries: 3,
            initial: 100 * MS,
            max: 1600 * MS,
            multiplier: 2.0,
            jitter: Jitter::Additive(100 * MS),
            max_elapsed: None,
        },
        // opentelemetry-exporter-otlp-proto-http: _MAX_RETRYS = 6, 2**n s with +-20% jitter,
        // bounded by the exporter timeout.
        SdkLanguage::Python => RetryPolicy {
            enabled: true,
            max_retries: 6,
            initial: S,
            max: 32 * S,
            multiplier: 2.0,
            jitter: Jitter::Proportional(0.2),
            max_elapsed: None,
        },
        // opentelemetry-java RetryPolicy.getDefault(): 5 attempts, 1 s initial, 5 s max,
        // multiplier 1.5, sleep = random(0, backoff).
        SdkLanguage::Java => RetryPolicy {
            enabled: true,
            max_retries: 4,
            initial: S,
            max: 5 * S,
            multiplier: 1.5,
            jitter: Jitter::Full,
            max_elapsed: None,
        },
    }
}

fn validate_retry(lang: SdkLanguage, r: Option<&RawRetry>) -> VResult<RetryPolicy> {
    let mut p = default_retry(lang);
    let Some(r) = r else { return Ok(p) };
    if let Some(v) = r.enabled {
        p.enabled = v;
    }
    if let Some(v) = r.max_retries {
        p.max_retries = v;
    }
    if let Some(v) = r.initial_interval {
        p.initial = v.0;
    }
    if let Some(v) = r.max_interval {
        p.max = v.0;
    }
    if p.max < p.initial {
        return bad("tracer.retry.max_interval", "is below initial_interval");
    }
    if let Some(v) = r.multiplier {
        if !(1.0..=100.0).contains(&v) {
            return bad("tracer.retry.multiplier", "must be between 1 and 100");
        }
        p.multiplier = v;
    }
    let factor = r.randomization_factor;
    if let Some(f) = factor
        && !(0.0..=1.0).contains(&f)
    {
        return bad(
            "tracer.retry.randomization_factor",
            "must be a fraction between 0 and 1",
        );
    }
    match r.jitter {
        Some(JitterKind::Proportional) => {
            p.jitter = Jitter::Proportional(factor.unwrap_or(0.5));
        }
        Some(JitterKind::Additive) => {
            p.jitter = Jitter::Additive(r.additive_jitter.map_or(100 * MS, |d| d.0));
        }
        Some(JitterKind::Full) => p.jitter = Jitter::Full,
        None => {
            if let (Some(f), Jitter::Proportional(_)) = (factor, p.jitter) {
                p.jitter = Jitter::Proportional(f);
            }
            if let (Some(a), Jitter::Additive(_)) = (r.additive_jitter, p.jitter) {
                p.jitter = Jitter::Additive(a.0);
            }
        }
    }
    if let Some(v) = r.max_elapsed {
        p.max_elapsed = Some(v.0);
    }
    Ok(p)
}

pub(super) fn validate_tracer(t: &RawTracer) -> VResult<Tracer> {
    let dd_fields = t.generation.is_some()
        || t.workers.is_some()
        || t.flush_interval.is_some()
        || t.request_timeout.is_some()
        || t.trace_ids.is_some()
        || t.max_requests.is_some()
        || t.span_limit.is_some()
        || t.span_limit_bytes.is_some()
        || t.partial_flush_min_spans.is_some()
        || t.payload_copies.is_some();
    let model = match t.kind {
        TracerKind::EnvoyDatadog => {
            for (f, set) in [
                ("language", t.language.is_some()),
                ("max_queue_size", t.max_queue_size.is_some()),
                ("scheduled_delay", t.scheduled_delay.is_some()),
                ("max_export_batch_size", t.max_export_batch_size.is_some()),
                ("export_timeout", t.export_timeout.is_some()),
                ("exporter_timeout", t.exporter_timeout.is_some()),
                ("max_concurrent_exports", t.max_concurrent_exports.is_some()),
                ("retry", t.retry.is_some()),
            ] {
                only("otel-sdk", f, set)?;
            }
            let generation = t.generation.unwrap_or(DdGeneration::DdOpentracingCpp);
            // dd-opentracing-cpp in Envoy 1.17/1.18: 900 ms timer re-armed after each flush,
            // 1000 ms request timeout, both hard-coded (datadog_tracer_impl.cc); dd-trace-cpp:
            // flush_interval 2000 ms, request timeout 2000 ms (datadog_agent_config.cpp).
            let (flush, timeout) = match generation {
                DdGeneration::DdOpentracingCpp => (900 * MS, 1000 * MS),
                DdGeneration::DdTraceCpp => (2000 * MS, 2000 * MS),
            };
            let workers = t.workers.unwrap_or(2);
            if workers == 0 || workers > 1024 {
                return bad("tracer.workers", "must be between 1 and 1024");
            }
            let flush_interval = t.flush_interval.map_or(flush, |d| d.0);
            if flush_interval == 0 {
                return bad("tracer.flush_interval", "must be longer than 0s");
            }
            let request_timeout = t.request_timeout.map_or(timeout, |d| d.0);
            if request_timeout == 0 {
                return bad("tracer.request_timeout", "must be longer than 0s");
            }
            if t.span_limit == Some(0) {
                return bad(
                    "tracer.span_limit",
                    "0 would drop every span: omit it for no limit",
                );
            }
            if t.span_limit_bytes.is_some_and(|b| b.0 == 0) {
                return bad(
                    "tracer.span_limit_bytes",
                    "0 would drop every span: omit it for no limit",
                );
            }
            if t.partial_flush_min_spans == Some(0) {
                return bad("tracer.partial_flush_min_spans", "must be at least 1");
            }
            let payload_copies = t.payload_copies.unwrap_or(3.0);
            if !(0.0..=100.0).contains(&payload_copies) {
                return bad("tracer.payload_copies", "must be between 0 and 100");
            }
            TracerModel::Datadog(Datadog {
                generation,
                workers,
                flush_interval,
                request_timeout,
                shared_trace: t.trace_ids == Some(TraceIds::Shared),
                max_requests: t.max_requests.unwrap_or(1024),
                span_limit: t.span_limit,
                span_limit_bytes: t.span_limit_bytes.map(|b| b.0),
                partial_flush_min_spans: t.partial_flush_min_spans,
                payload_copies,
            })
        }
        TracerKind::OtelSdk => {
            if dd_fields {
                for (f, set) in [
                    ("generation", t.generation.is_some()),
                    ("workers", t.workers.is_some()),
                    ("flush_interval", t.flush_interval.is_some()),
                    ("request_timeout", t.request_timeout.is_some()),
                    ("trace_ids", t.trace_ids.is_some()),
                    ("max_requests", t.max_requests.is_some()),
                    ("span_limit", t.span_limit.is_some()),
                    ("span_limit_bytes", t.span_limit_bytes.is_some()),
                    (
                        "partial_flush_min_spans",
                        t.partial_flush_min_spans.is_some(),
                    ),
                    ("payload_copies", t.payload_copies.is_some()),
                ] {
                    only("envoy-datadog", f, set)?;
                }
            }
            let Some(language) = t.language else {
                return bad(
                    "tracer.language",
                    "is required for kind = \"otel-sdk\": go, rust, python or java",
                );
            };
            // Spec defaults: maxQueueSize 2048, scheduledDelay 5 s, maxExportBatchSize 512,
            // exportTimeout 30 s; OTLP exporter timeout 10 s.
            let max_queue_size = t.max_queue_size.unwrap_or(2048);
            if max_queue_size == 0 || max_queue_size > 100_000_000 {
                return bad("tracer.max_queue_size", "must be between 1 and 100 million");
            }
            let batch = t.max_export_batch_size.unwrap_or(512);
            if batch == 0 || batch > max_queue_size {
                return bad(
                    "tracer.max_export_batch_size",
                    "must be between 1 and max_queue_size",
                );
            }
            let scheduled_delay = t.scheduled_delay.map_or(5 * S, |d| d.0);
            if scheduled_delay == 0 {
                return bad("tracer.scheduled_delay", "must be longer than 0s");
            }
            let attempt_timeout = t.exporter_timeout.map_or(10 * S, |d| d.0);
            if attempt_timeout == 0 {
                return bad("tracer.exporter_timeout", "must be longer than 0s");
            }
            // Who bounds a whole export: Go's BSP puts ExportTimeout on the context; Rust's
            // thread-based BSP (0.33) does not enforce it, the exporter bounds its retries by
            // its own timeout; Python's exporters bound retries by their timeout; Java's
            // exporter bounds each attempt only.
            let export_deadline = match (t.export_timeout, language) {
                (Some(d), _) if d.0 == 0 => {
                    return bad("tracer.export_timeout", "must be longer than 0s");
                }
                (Some(d), _) => Some(d.0),
                (None, SdkLanguage::Go) => Some(30 * S),
                (None, SdkLanguage::Rust | SdkLanguage::Python) => Some(attempt_timeout),
                (None, SdkLanguage::Java) => None,
            };
            let max_concurrent_exports = t.max_concurrent_exports.unwrap_or(1);
            if max_concurrent_exports == 0 || max_concurrent_exports > 1024 {
                return bad(
                    "tracer.max_concurrent_exports",
                    "must be between 1 and 1024",
                );
            }
            TracerModel::Otel(OtelSdk {
                language,
                max_queue_size,
                scheduled_delay,
                max_export_batch_size: batch,
                export_deadline,
                attempt_timeout,
                max_concurrent_exports,
                drop_oldest: language == SdkLanguage::Python,
                retry: validate_retry(language, t.retry.as_ref())?,
            })
        }
    };
    let sampler_ratio = t.sampler_ratio.unwrap_or(1.0);
    if !(0.0..=1.0).contains(&sampler_ratio) {
        return bad("tracer.sampler_ratio", "must be a fraction between 0 and 1");
    }
    if t.kind == TracerKind::EnvoyDatadog && sampler_ratio < 1.0 {
        return bad(
            "tracer.sampler_ratio",
            "does not apply to envoy-datadog: Envoy's Datadog tracer buffers and sends every \
             span whatever the sampling decision (reference §3.2)",
        );
    }
    let m = &t.memory;
    if let Some(l) = m.limit
        && l.0 <= m.baseline.0
    {
        return bad(
            "tracer.memory.limit",
            format!("{} is not above the baseline RSS {}", l, m.baseline),
        );
    }
    if !(0.0..=1000.0).contains(&m.span_per_wire_byte) {
        return bad(
            "tracer.memory.span_per_wire_byte",
            "must be between 0 and 1000",
        );
    }
    if !(0.0..=10.0).contains(&m.alloc_overhead) {
        return bad("tracer.memory.alloc_overhead", "must be between 0 and 10");
    }
    let queue_slot = match (&model, m.queue_slot) {
        (TracerModel::Datadog(_), Some(_)) => {
            return bad(
                "tracer.memory.queue_slot",
                "applies to kind = \"otel-sdk\" only",
            );
        }
        (_, Some(b)) => b.0,
        // Go: a channel of ReadOnlySpan interfaces (16 B per slot); Rust's bounded channel
        // preallocates its slots (calibrate `queue_slot` for your version); Python's deque and
        // Java's ArrayBlockingQueue of references (8 B).
        (TracerModel::Otel(o), None) => match o.language {
            SdkLanguage::Go => 16,
            SdkLanguage::Rust => 0,
            SdkLanguage::Python | SdkLanguage::Java => 8,
        },
        (TracerModel::Datadog(_), None) => 0,
    };
    Ok(Tracer {
        model,
        sampler_ratio,
        memory: NativeMemory {
            baseline: m.baseline.0,
            limit: m.limit.map(|b| b.0),
            span_fixed: m.span_fixed.0,
            span_per_wire_byte: m.span_per_wire_byte,
            span_attr_bytes: m.span_attributes as u64 * m.span_per_attribute.0,
            wire_inline: m.wire_inline.0,
            queue_slot,
            alloc_overhead: m.alloc_overhead,
            retain_freed: m.retain_freed,
        },
        restart: validate_restart(&t.restart, "tracer.restart")?,
    })
}

pub(super) fn validate_agent(a: &RawAgent) -> VResult<Agent> {
    let latency = a.latency.sampler().or_else(|e| bad("agent.latency", e))?;
    if let Some(t) = a.throughput
        && t.0 <= 0.0
    {
        return bad("agent.throughput", "must be above 0 (omit it for no cap)");
    }
    if !(0.0..=1.0).contains(&a.error_rate) {
        return bad("agent.error_rate", "must be a fraction between 0 and 1");
    }
    if a.max_payload.is_some_and(|b| b.0 == 0) {
        return bad(
            "agent.max_payload",
            "must be above 0 (omit it for no limit)",
        );
    }
    Ok(Agent {
        latency,
        throughput: a.throughput.map(|r| r.0),
        error_rate: a.error_rate,
        max_payload: a.max_payload.map(|b| b.0),
        refuse_latency: a.refuse_latency.0,
        outages: validate_outages(&a.outages, "agent")?,
    })
}
