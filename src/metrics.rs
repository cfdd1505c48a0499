//! What a run records: span fates, samples over time, events, and the summary.

use crate::sim::{Nanos, secs};

/// Why a span was lost. Every span generated ends exported, dropped for one of these
/// reasons, or held in exactly one buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum DropReason {
    /// The collector queue was full: the new span was dropped (Jaeger tail drop).
    QueueFull = 0,
    /// Held in memory when the process was OOM-killed.
    Oom = 1,
    /// Arrived while the collector was down (crash-loop back-off, startup).
    CollectorDown = 2,
    /// A synchronous storage write failed (the Jaeger span processor does not retry).
    StorageError = 3,
    /// Refused item by item by a healthy storage (bulk item errors, mapping errors).
    StorageRejected = 4,
    /// Not sampled by the tracer's sampler: never recorded (intended, but counted).
    Unsampled = 5,
    /// The tracer's span queue was full (OpenTelemetry BatchSpanProcessor).
    TracerQueueFull = 6,
    /// Refused by the tracer's opt-in span limit.
    SpanLimit = 7,
    /// An export failed (refused, timed out, error answer) and was not retried or ran out of
    /// retries.
    ExportFailed = 8,
    /// The receiver answered 413: the payload was over its size limit.
    PayloadTooLarge = 9,
    /// Envoy's circuit breaker on the agent cluster refused the request (too many in flight).
    ExportOverflow = 10,
    /// Generated while the tracer's process was down (OOM kill, crash-loop back-off).
    TracerDown = 11,
    /// Refused by the collector's memory_limiter and not retried upstream (or refused after
    /// the batch processor had acknowledged it).
    Refused = 12,
    /// The collector's exporter gave up: `retry_on_failure.max_elapsed_time` passed, retries
    /// are off, or the error was permanent.
    RetriesExhausted = 13,
}

pub const N_REASONS: usize = 14;

impl DropReason {
    pub const ALL: [DropReason; N_REASONS] = [
        DropReason::QueueFull,
        DropReason::Oom,
        DropReason::CollectorDown,
        DropReason::StorageError,
        DropReason::StorageRejected,
        DropReason::Unsampled,
        DropReason::TracerQueueFull,
        DropReason::SpanLimit,
        DropReason::ExportFailed,
        DropReason::PayloadTooLarge,
        DropReason::ExportOverflow,
        DropReason::TracerDown,
        DropReason::Refused,
        DropReason::RetriesExhausted,
    ];
    pub fn name(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue_full",
            DropReason::Oom => "oom",
            DropReason::CollectorDown => "collector_down",
            DropReason::StorageError => "storage_error",
            DropReason::StorageRejected => "storage_rejected",
            DropReason::Unsampled => "unsampled",
            DropReason::TracerQueueFull => "tracer_queue_full",
            DropReason::SpanLimit => "span_limit",
            DropReason::ExportFailed => "export_failed",
            DropReason::PayloadTooLarge => "payload_too_large",
            DropReason::ExportOverflow => "export_overflow",
            DropReason::TracerDown => "tracer_down",
            DropReason::Refused => "refused",
            DropReason::RetriesExhausted => "retries_exhausted",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Counters {
    pub generated: u64,
    pub exported: u64,
    pub dropped: [u64; N_REASONS],
    pub first_drop: Option<Nanos>,
    pub first_drop_by: [Option<Nanos>; N_REASONS],
    pub oom_kills: u64,
    pub first_oom: Option<Nanos>,
    pub restarts: u64,
    pub first_queue_full: Option<Nanos>,
    pub peak_rss: u64,
    pub peak_live: u64,
    pub peak_queue: u64,
    pub gc_cycles: u64,
    /// Queue statistics for Little's law: time integral of queue length [item*ns],
    /// spans that left the queue for a worker, and their summed waits [ns].
    pub queue_area: u128,
    pub dequeued: u64,
    pub wait_sum: u128,
    /// Spans written synchronously and their summed time from arrival to the write's end.
    pub written: u64,
    pub sojourn_sum: u128,
}

impl Counters {
    #[inline]
    pub fn drop(&mut self, reason: DropReason, n: u64, now: Nanos) {
        if n == 0 {
            return;
        }
        self.dropped[reason as usize] += n;
        self.first_drop.get_or_insert(now);
        self.first_drop_by[reason as usize].get_or_insert(now);
    }

    pub fn dropped_total(&self) -> u64 {
        self.dropped.iter().sum()
    }
}

/// What the tracer's process did over a run (per process: one pod).
#[derive(Clone, Debug, Default)]
pub struct TracerStats {
    pub peak_rss: u64,
    pub peak_live: u64,
    pub oom_kills: u64,
    pub first_oom: Option<Nanos>,
    pub restarts: u64,
    /// Most spans buffered at once (all workers, all buffers, exports in flight).
    pub peak_buffered: u64,
    pub memory_limit: Option<u64>,
    /// RSS the tracer cannot exceed under its configured bounds (span limit or queue size),
    /// when it has one; None when its buffers are unbounded.
    pub memory_bound: Option<u64>,
}

/// One timeseries row (tidy: one row per sample and component).
#[derive(Clone, Debug)]
pub struct Sample {
    pub t: Nanos,
    pub component: &'static str,
    pub up: bool,
    pub queue_items: u64,
    /// None: unbounded.
    pub queue_capacity: Option<u64>,
    pub queue_bytes: u64,
    pub worker_items: u64,
    pub bulk_items: u64,
    pub live_bytes: u64,
    pub heap_bytes: u64,
    pub rss_bytes: u64,
    pub memory_limit_bytes: Option<u64>,
    pub spans_generated: u64,
    pub spans_exported: u64,
    pub spans_dropped: u64,
    pub spans_held: u64,
    pub downstream_up: bool,
    /// Wire bytes held on disk (an OpenTelemetry Collector persistent queue).
    pub disk_bytes: u64,
    /// The least RSS the process can hold now: `rss_bytes` with every free page given back
    /// (a native heap's trim); equal to `rss_bytes` where the model has no such freedom.
    pub rss_floor_bytes: u64,
    /// A Go process's heap goal: the heap size at which its next collection starts (Go's
    /// `/gc/heap/goal:bytes`); None for other runtimes, while down, or with no goal (GOGC=off
    /// without GOMEMLIMIT).
    pub heap_goal_bytes: Option<u64>,
    /// A Go process's completed collections since it started (`/gc/cycles/total:gc-cycles`);
    /// None for other runtimes and while down.
    pub gc_cycles: Option<u64>,
}

pub const SAMPLE_HEADER: [&str; 21] = [
    "t_s",
    "component",
    "up",
    "queue_items",
    "queue_capacity",
    "queue_bytes",
    "worker_items",
    "bulk_items",
    "live_bytes",
    "heap_bytes",
    "rss_bytes",
    "memory_limit_bytes",
    "spans_generated",
    "spans_exported",
    "spans_dropped",
    "spans_held",
    "downstream_up",
    "disk_bytes",
    "rss_floor_bytes",
    "heap_goal_bytes",
    "gc_cycles",
];

impl Sample {
    pub fn record(&self) -> Vec<String> {
        vec![
            secs(self.t).to_string(),
            self.component.to_string(),
            u8::from(self.up).to_string(),
            self.queue_items.to_string(),
            opt(self.queue_capacity),
            self.queue_bytes.to_string(),
            self.worker_items.to_string(),
            self.bulk_items.to_string(),
            self.live_bytes.to_string(),
            self.heap_bytes.to_string(),
            self.rss_bytes.to_string(),
            opt(self.memory_limit_bytes),
            self.spans_generated.to_string(),
            self.spans_exported.to_string(),
            self.spans_dropped.to_string(),
            self.spans_held.to_string(),
            u8::from(self.downstream_up).to_string(),
            self.disk_bytes.to_string(),
            self.rss_floor_bytes.to_string(),
            opt(self.heap_goal_bytes),
            opt(self.gc_cycles),
        ]
    }
}

impl Sample {
    /// The value of a numeric timeseries column by its header name (None: no such numeric
    /// column, or no value in this row).
    pub fn value(&self, column: &str) -> Option<f64> {
        let v = match column {
            "queue_items" => self.queue_items,
            "queue_capacity" => self.queue_capacity?,
            "queue_bytes" => self.queue_bytes,
            "worker_items" => self.worker_items,
            "bulk_items" => self.bulk_items,
            "live_bytes" => self.live_bytes,
            "heap_bytes" => self.heap_bytes,
            "rss_bytes" => self.rss_bytes,
            "spans_generated" => self.spans_generated,
            "spans_exported" => self.spans_exported,
            "spans_dropped" => self.spans_dropped,
            "spans_held" => self.spans_held,
            "disk_bytes" => self.disk_bytes,
            "rss_floor_bytes" => self.rss_floor_bytes,
            "heap_goal_bytes" => self.heap_goal_bytes?,
            "gc_cycles" => self.gc_cycles?,
            _ => return None,
        };
        Some(v as f64)
    }
}

/// The timeseries columns [`Sample::value`] reads: what `validate --simulated-column` can
/// compare with a measured series.
pub const NUMERIC_COLUMNS: [&str; 16] = [
    "rss_bytes",
    "live_bytes",
    "heap_bytes",
    "heap_goal_bytes",
    "gc_cycles",
    "queue_items",
    "queue_capacity",
    "queue_bytes",
    "worker_items",
    "bulk_items",
    "spans_generated",
    "spans_exported",
    "spans_dropped",
    "spans_held",
    "disk_bytes",
    "rss_floor_bytes",
];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn opt_s(v: Option<Nanos>) -> String {
    v.map(|x| secs(x).to_string()).unwrap_or_default()
}

/// Something that happened once, for `events.csv` and the terminal summary.
#[derive(Clone, Debug)]
pub struct EventRecord {
    pub t: Nanos,
    pub component: &'static str,
    pub kind: &'static str,
    pub detail: String,
}

/// The outcome of one run.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub scenario: String,
    pub seed: u64,
    pub duration: Nanos,
    pub counters: Counters,
    pub held_end: u64,
    pub queue_capacity_end: u64,
    pub memory_limit: Option<u64>,
    pub samples: Vec<Sample>,
    pub events: Vec<EventRecord>,
    pub events_processed: u64,
    pub tracer: Option<TracerStats>,
    /// The pipeline has a collector (the summary's unprefixed memory columns are its own).
    pub has_collector: bool,
}

impl RunResult {
    pub fn summary_header() -> Vec<String> {
        let mut h: Vec<String> = [
            "scenario",
            "seed",
            "duration_s",
            "spans_generated",
            "spans_exported",
            "spans_dropped",
            "peak_rss_bytes",
            "oom_kills",
            "first_oom_s",
            "first_drop_s",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for r in DropReason::ALL {
            h.push(format!("dropped_{}", r.name()));
        }
        for r in DropReason::ALL {
            h.push(format!("first_drop_{}_s", r.name()));
        }
        h.extend(
            [
                "spans_held_end",
                "first_queue_full_s",
                "peak_queue_items",
                "queue_capacity_end",
                "peak_live_bytes",
                "memory_limit_bytes",
                "restarts",
                "gc_cycles",
                "mean_queue_items",
                "mean_queue_wait_s",
                "mean_write_sojourn_s",
                "events_processed",
                "tracer_peak_rss_bytes",
                "tracer_oom_kills",
                "tracer_first_oom_s",
                "tracer_restarts",
                "tracer_peak_buffered_spans",
                "tracer_memory_limit_bytes",
                "tracer_memory_bound_bytes",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        h
    }

    pub fn summary_record(&self) -> Vec<String> {
        let c = &self.counters;
        let mut r = vec![
            self.scenario.clone(),
            self.seed.to_string(),
            secs(self.duration).to_string(),
            c.generated.to_string(),
            c.exported.to_string(),
            c.dropped_total().to_string(),
            c.peak_rss.to_string(),
            c.oom_kills.to_string(),
            opt_s(c.first_oom),
            opt_s(c.first_drop),
        ];
        for d in DropReason::ALL {
            r.push(c.dropped[d as usize].to_string());
        }
        for d in DropReason::ALL {
            r.push(opt_s(c.first_drop_by[d as usize]));
        }
        r.push(self.held_end.to_string());
        r.push(opt_s(c.first_queue_full));
        r.push(c.peak_queue.to_string());
        r.push(self.queue_capacity_end.to_string());
        r.push(c.peak_live.to_string());
        r.push(opt(self.memory_limit));
        r.push(c.restarts.to_string());
        r.push(c.gc_cycles.to_string());
        r.push((c.queue_area as f64 / self.duration.max(1) as f64).to_string());
        r.push(if c.dequeued > 0 {
            (c.wait_sum as f64 / c.dequeued as f64 / 1e9).to_string()
        } else {
            String::new()
        });
        r.push(if c.written > 0 {
            (c.sojourn_sum as f64 / c.written as f64 / 1e9).to_string()
        } else {
            String::new()
        });
        r.push(self.events_processed.to_string());
        match &self.tracer {
            Some(t) => r.extend([
                t.peak_rss.to_string(),
                t.oom_kills.to_string(),
                opt_s(t.first_oom),
                t.restarts.to_string(),
                t.peak_buffered.to_string(),
                opt(t.memory_limit),
                opt(t.memory_bound),
            ]),
            None => r.extend(std::iter::repeat_n(String::new(), 7)),
        }
        r
    }
}
