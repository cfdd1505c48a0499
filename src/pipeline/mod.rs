//! The pipeline of one scenario: workload -> tracer -> agent -> collector (Jaeger v1 or the
//! OpenTelemetry Collector) -> storage (each stage but the workload optional, with a tracer
//! or a collector), and the event loop that runs it. One run is single-threaded and
//! deterministic; parallelism is across runs.

macro_rules! col {
    ($s:ident) => {
        $s.collector.as_mut().expect("the scenario has a collector")
    };
}
macro_rules! stor {
    ($s:ident) => {
        $s.storage.as_mut().expect("a collector has a storage")
    };
}

pub mod agent;
pub mod jaeger;
pub mod otelcol;
pub mod storage;
pub mod tracer;

use crate::memory::ChunkCost;
use crate::metrics::{Counters, EventRecord, RunResult, Sample};
use crate::scenario::Scenario;
use crate::scenario::raw::Resolution;
use crate::sim::{EventQueue, Nanos, Streams};
use crate::workload::Workload;
use agent::AgentSim;
use jaeger::Collector;
use otelcol::OtelCol;
use storage::StorageSim;
use tracer::TracerProc;

/// Every event of the model. Handlers of a collector incarnation carry its `epoch`: events
/// of a process that was OOM-killed are ignored (lazy cancellation).
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The next request reaches the collector.
    Arrival,
    /// Record a timeseries row.
    Sample,
    /// The collector process finished starting.
    CollectorUp,
    /// Dynamic queue resize check (`updateQueueSize`, every minute).
    ResizeTick { epoch: u32 },
    /// Bulk processor flush ticker.
    FlushTick { epoch: u32 },
    /// A bulk request returned.
    CommitDone { epoch: u32, worker: u32 },
    /// A bulk worker's backoff sleep ended: retry the commit.
    BackoffDone { epoch: u32, worker: u32 },
    /// `waitForActiveConnection` tick: health-check storage.
    ConnCheck { epoch: u32, worker: u32 },
    /// A synchronous span write returned; the write is in the collector's slot `slot`.
    /// (The span itself stays in the slab: small events keep the heap fast.)
    WriteDone { epoch: u32, slot: u32 },
    /// The tracer's process finished starting.
    TracerUp,
    /// An application request ends: its spans finish.
    RequestEnd { epoch: u32, slot: u32 },
    /// A Datadog worker's flush timer.
    TracerFlush { epoch: u32, worker: u32 },
    /// The BatchSpanProcessor's scheduled delay elapsed.
    BspTick { epoch: u32 },
    /// An export attempt got its answer (or timed out).
    ExportDone { epoch: u32, slot: u32 },
    /// An export's retry back-off ended.
    ExportRetry { epoch: u32, slot: u32 },
    /// The OpenTelemetry Collector's process finished starting.
    OtelUp,
    /// The memory_limiter's periodic check.
    OtelCheck { epoch: u32 },
    /// The batch processor's timer (`timer` tells a reset timer's stale events apart).
    BatchTimer { epoch: u32, timer: u32 },
    /// An exporter consumer's attempt got its answer (or timed out).
    OtelExportDone { epoch: u32, consumer: u32 },
    /// An exporter consumer's back-off ended: try again.
    OtelRetry { epoch: u32, consumer: u32 },
}

pub struct Simulation {
    pub scenario: Scenario,
    pub(crate) q: EventQueue<Event>,
    pub(crate) workload: Workload,
    pub(crate) tracer: Option<TracerProc>,
    pub(crate) agent: Option<AgentSim>,
    pub(crate) storage: Option<StorageSim>,
    pub(crate) collector: Option<Collector>,
    pub(crate) otelcol: Option<OtelCol>,
    pub(crate) counters: Counters,
    pub(crate) samples: Vec<Sample>,
    pub(crate) events: Vec<EventRecord>,
    /// Called with (simulated time, fraction done) every few simulated seconds.
    progress: Option<Box<dyn FnMut(f64) + Send>>,
}

impl Simulation {
    /// Builds a run; `seed` overrides the scenario's seed (sweeps, replications).
    pub fn new(scenario: &Scenario, seed: Option<u64>) -> Self {
        let mut scenario = scenario.clone();
        if let Some(s) = seed {
            scenario.seed = s;
        }
        let streams = Streams::new(scenario.seed);
        // At request resolution: the size distribution's quadrature, for the request sums and
        // the chunk costs alike.
        let quadrature = (scenario.resolution == Resolution::Request)
            .then(|| crate::workload::wire_quadrature(&scenario.workload.span_size));
        let workload = Workload::new(&scenario.workload, quadrature.as_deref(), &streams);
        let storage = scenario
            .storage
            .as_ref()
            .map(|s| StorageSim::new(s.clone(), &streams));
        let collector = match (&scenario.collector, &scenario.storage) {
            (Some(c), Some(s)) => {
                let mut col = Collector::new(c, s, &streams, 0);
                col.chunk_cost = quadrature
                    .as_deref()
                    .map(|q| ChunkCost::fit(&c.span_model, q));
                Some(col)
            }
            _ => None,
        };
        let otelcol = scenario
            .otelcol
            .as_ref()
            .map(|c| OtelCol::new(c, &streams, 0));
        let tracer = scenario
            .tracer
            .as_ref()
            .map(|t| TracerProc::new(t, &streams));
        let agent = scenario
            .agent
            .as_ref()
            .map(|a| AgentSim::new(a.clone(), &streams));
        let components =
            usize::from(tracer.is_some()) + usize::from(collector.is_some() || otelcol.is_some());
        Simulation {
            q: EventQueue::new(),
            workload,
            tracer,
            agent,
            storage,
            collector,
            otelcol,
            counters: Counters::default(),
            // Grown as needed past 64k rows: a long run must not reserve gigabytes up front.
            samples: Vec::with_capacity(
                (components * ((scenario.duration / scenario.sample_interval) as usize + 2))
                    .min(1 << 16),
            ),
            events: Vec::new(),
            progress: None,
            scenario,
        }
    }

    pub fn with_progress(mut self, f: Box<dyn FnMut(f64) + Send>) -> Self {
        self.progress = Some(f);
        self
    }

    pub fn now(&self) -> Nanos {
        self.q.now()
    }

    /// Spans held anywhere right now (tracer buffers and exports; collector queue, workers,
    /// bulk buffers, writes in flight).
    pub fn held(&self) -> u64 {
        self.tracer.as_ref().map_or(0, |t| t.held())
            + self.collector.as_ref().map_or(0, |c| c.held())
            + self.otelcol.as_ref().map_or(0, |c| c.held())
    }

    /// Is a collector (either kind) up to receive?
    pub(crate) fn collector_up(&self) -> Option<bool> {
        match (&self.collector, &self.otelcol) {
            (Some(c), _) => Some(c.up),
            (None, Some(o)) => Some(o.up),
            (None, None) => None,
        }
    }

    /// Kills whichever process went over its limit.
    fn check_ooms(&mut self) {
        if self.collector.as_ref().is_some_and(|c| c.oom_pending) {
            self.oom_kill();
        }
        if self.otelcol.as_ref().is_some_and(|c| c.oom_pending) {
            self.otelcol_oom_kill();
        }
        if self.tracer.as_ref().is_some_and(|t| t.oom_pending) {
            self.tracer_oom_kill();
        }
    }

    /// Runs to the scenario's end and returns what was recorded.
    pub fn run(mut self) -> RunResult {
        let end = self.scenario.duration;
        self.q.schedule_in(0, Event::Sample);
        if self.collector.is_some() {
            self.collector_start();
        }
        if self.otelcol.is_some() {
            self.otelcol_start();
        }
        if self.tracer.is_some() {
            self.tracer_start();
        }
        if let Some(t) = self.workload.next_arrival(0) {
            self.q.schedule_lane_at(t, Event::Arrival);
        }
        let progress_step = (end / 100).max(1);
        let mut next_progress = progress_step;
        while let Some((t, ev)) = self.q.pop() {
            if t > end {
                break;
            }
            self.handle(ev);
            self.check_ooms();
            if t >= next_progress {
                if let Some(p) = self.progress.as_mut() {
                    p(t as f64 / end as f64);
                }
                next_progress = t + progress_step;
            }
        }
        self.finish()
    }

    fn handle(&mut self, ev: Event) {
        let cepoch = self.collector.as_ref().map_or(u32::MAX, |c| c.epoch);
        let oepoch = self.otelcol.as_ref().map_or(u32::MAX, |c| c.epoch);
        let tepoch = self.tracer.as_ref().map_or(u32::MAX, |t| t.epoch);
        match ev {
            Event::Arrival => self.on_arrival(),
            Event::Sample => self.on_sample(),
            Event::CollectorUp => self.collector_start(),
            Event::TracerUp => self.tracer_start(),
            Event::RequestEnd { epoch, slot } if epoch == tepoch => self.on_request_end(slot),
            Event::TracerFlush { epoch, worker } if epoch == tepoch => self.on_tracer_flush(worker),
            Event::BspTick { epoch } if epoch == tepoch => self.on_bsp_tick(),
            Event::ExportDone { epoch, slot } if epoch == tepoch => self.on_export_done(slot),
            Event::ExportRetry { epoch, slot } if epoch == tepoch => self.on_export_retry(slot),
            Event::ResizeTick { epoch } if epoch == cepoch => self.on_resize_tick(),
            Event::FlushTick { epoch } if epoch == cepoch => self.on_flush_tick(),
            Event::CommitDone { epoch, worker } if epoch == cepoch => {
                self.on_commit_done(worker as usize)
            }
            Event::BackoffDone { epoch, worker } if epoch == cepoch => {
                self.start_commit(worker as usize)
            }
            Event::ConnCheck { epoch, worker } if epoch == cepoch => {
                self.on_conn_check(worker as usize)
            }
            Event::WriteDone { epoch, slot } if epoch == cepoch => {
                self.on_write_done(slot as usize)
            }
            Event::OtelUp => self.otelcol_start(),
            Event::OtelCheck { epoch } if epoch == oepoch => self.on_otel_check(),
            Event::BatchTimer { epoch, timer } if epoch == oepoch => self.on_batch_timer(timer),
            Event::OtelExportDone { epoch, consumer } if epoch == oepoch => {
                self.on_otel_export_done(consumer)
            }
            Event::OtelRetry { epoch, consumer } if epoch == oepoch => self.on_otel_retry(consumer),
            // A stale event of a killed process.
            _ => {}
        }
    }

    fn on_arrival(&mut self) {
        let now = self.q.now();
        let n = self.workload.spans_in_request();
        if self.tracer.is_some() {
            self.tracer_request(n);
        } else if self.otelcol.is_some() {
            // One OTLP request from a client that does not retry.
            let w = &mut self.workload;
            let o = self.otelcol.as_ref().expect("an otelcol");
            let req = match self.scenario.resolution {
                Resolution::Span => o.request((0..n).map(|_| w.span_wire_size() as u64)),
                Resolution::Request => o.priced(n as u64, w.chunk_wire(n)),
            };
            self.counters.generated += req.spans;
            if let Err(reason) = self.otelcol_receive(req) {
                self.counters.drop(reason, req.spans, now);
            }
        } else if self.scenario.resolution == Resolution::Request {
            self.counters.generated += n as u64;
            self.receive_request(n);
            if col!(self).oom_pending {
                self.oom_kill();
            }
        } else {
            for _ in 0..n {
                let wire = self.workload.span_wire_size();
                self.counters.generated += 1;
                self.receive_span(wire);
                if col!(self).oom_pending {
                    self.oom_kill();
                }
            }
        }
        if let Some(t) = self.workload.next_arrival(now) {
            self.q.schedule_lane_at(t, Event::Arrival);
        }
    }

    fn on_sample(&mut self) {
        let now = self.q.now();
        let held = self.held();
        debug_assert_eq!(
            self.counters.generated,
            self.counters.exported + self.counters.dropped_total() + held,
            "conservation"
        );
        let k = &self.counters;
        if let Some(t) = &self.tracer {
            let downstream_up = match &self.agent {
                Some(a) => a.reachable(now),
                None => self.collector_up().unwrap_or(true),
            };
            self.samples.push(Sample {
                t: now,
                component: "tracer",
                up: t.up,
                queue_items: t.waiting(),
                queue_capacity: t.capacity(),
                queue_bytes: t.waiting_wire(),
                worker_items: t.in_flight_requests_spans(),
                bulk_items: t.export_spans(),
                live_bytes: if t.up { t.heap.live } else { 0 },
                heap_bytes: if t.up { t.heap.high } else { 0 },
                rss_bytes: if t.up { t.heap.rss() } else { 0 },
                memory_limit_bytes: t.cfg.memory.limit,
                spans_generated: k.generated,
                spans_exported: k.exported,
                spans_dropped: k.dropped_total(),
                spans_held: held,
                downstream_up,
                disk_bytes: 0,
                rss_floor_bytes: if t.up { t.heap.rss_floor() } else { 0 },
                heap_goal_bytes: None,
                gc_cycles: None,
            });
        }
        if let Some(c) = &self.collector {
            // A Go heap has no separate floor: what it holds is its RSS.
            let rss = if c.up { c.heap.rss() } else { 0 };
            self.samples.push(Sample {
                t: now,
                component: "collector",
                up: c.up,
                queue_items: c.size,
                queue_capacity: Some(c.capacity()),
                queue_bytes: c.queue_wire_bytes,
                worker_items: c.worker_items(),
                bulk_items: c.bulk_items(),
                live_bytes: if c.up { c.heap.live } else { 0 },
                heap_bytes: if c.up { c.heap.heap } else { 0 },
                rss_bytes: rss,
                memory_limit_bytes: c.memory_limit,
                spans_generated: k.generated,
                spans_exported: k.exported,
                spans_dropped: k.dropped_total(),
                spans_held: held,
                downstream_up: self.storage.as_ref().is_none_or(|s| s.reachable(now)),
                disk_bytes: 0,
                rss_floor_bytes: rss,
                heap_goal_bytes: c.heap.goal_bytes().filter(|_| c.up),
                gc_cycles: c.up.then_some(c.heap.gc_cycles),
            });
        }
        if let Some(c) = &self.otelcol {
            // A Go heap has no separate floor: what it holds is its RSS.
            let rss = if c.up { c.heap.rss() } else { 0 };
            self.samples.push(Sample {
                t: now,
                component: "collector",
                up: c.up,
                queue_items: c.queue_spans,
                queue_capacity: c.capacity_items(),
                queue_bytes: c.queue_wire,
                worker_items: c.in_flight_spans + c.blocked_spans,
                bulk_items: c.batch.spans,
                live_bytes: if c.up { c.heap.live } else { 0 },
                heap_bytes: if c.up { c.heap.heap } else { 0 },
                rss_bytes: rss,
                memory_limit_bytes: c.cfg.memory_limit,
                spans_generated: k.generated,
                spans_exported: k.exported,
                spans_dropped: k.dropped_total(),
                spans_held: held,
                downstream_up: self.storage.as_ref().is_none_or(|s| s.reachable(now)),
                disk_bytes: c.disk_bytes,
                rss_floor_bytes: rss,
                heap_goal_bytes: c.heap.goal_bytes().filter(|_| c.up),
                gc_cycles: c.up.then_some(c.heap.gc_cycles),
            });
        }
        let next = now + self.scenario.sample_interval;
        if next <= self.scenario.duration {
            self.q.schedule_at(next, Event::Sample);
        }
    }

    pub(crate) fn event(&mut self, kind: &'static str, detail: String) {
        self.event_of("collector", kind, detail);
    }

    pub(crate) fn event_of(&mut self, component: &'static str, kind: &'static str, detail: String) {
        self.events.push(EventRecord {
            t: self.q.now(),
            component,
            kind,
            detail,
        });
    }

    fn finish(mut self) -> RunResult {
        let end = self.scenario.duration;
        let held = self.held();
        let has_durations = self.scenario.workload.request_duration.is_some();
        let tracer = self.tracer.as_ref().map(|t| {
            let mut st = t.stats.clone();
            st.memory_bound = t.memory_bound(has_durations);
            st
        });
        let (queue_capacity_end, memory_limit) = match (&mut self.collector, &self.tracer) {
            (Some(c), _) => {
                c.account_queue_area(end, &mut self.counters);
                self.counters.gc_cycles += c.heap.gc_cycles;
                (c.capacity(), c.memory_limit)
            }
            (None, _) if self.otelcol.is_some() => {
                let o = self.otelcol.as_ref().expect("checked");
                self.counters.gc_cycles += o.heap.gc_cycles;
                let cap = if o.cfg.queue.enabled {
                    o.cfg.queue.capacity
                } else {
                    0
                };
                (cap, o.cfg.memory_limit)
            }
            (None, Some(t)) => {
                // No collector: the tracer's process is the one sized.
                let st = &t.stats;
                self.counters.peak_rss = st.peak_rss;
                self.counters.peak_live = st.peak_live;
                self.counters.oom_kills = st.oom_kills;
                self.counters.first_oom = st.first_oom;
                self.counters.restarts = st.restarts;
                (t.capacity().unwrap_or(0), t.cfg.memory.limit)
            }
            (None, None) => (0, None),
        };
        RunResult {
            scenario: self.scenario.name.clone(),
            seed: self.scenario.seed,
            duration: end,
            held_end: held,
            queue_capacity_end,
            memory_limit,
            events_processed: self.q.processed(),
            counters: self.counters,
            samples: self.samples,
            events: self.events,
            tracer,
            has_collector: self.collector.is_some() || self.otelcol.is_some(),
        }
    }
}
