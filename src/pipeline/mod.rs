//! The pipeline of one scenario: workload -> Jaeger v1 collector -> storage, and the event
//! loop that runs it. One run is single-threaded and deterministic; parallelism is across
//! runs.

pub mod jaeger;
pub mod storage;

use crate::metrics::{Counters, EventRecord, RunResult, Sample};
use crate::scenario::Scenario;
use crate::sim::{EventQueue, Nanos, Streams};
use crate::workload::Workload;
use jaeger::Collector;
use storage::StorageSim;

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
}

pub struct Simulation {
    pub scenario: Scenario,
    pub(crate) q: EventQueue<Event>,
    pub(crate) workload: Workload,
    pub(crate) storage: StorageSim,
    pub(crate) collector: Collector,
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
        let workload = Workload::new(&scenario.workload, &streams);
        let storage = StorageSim::new(scenario.storage.clone(), &streams);
        let collector = Collector::new(&scenario, &streams, 0);
        Simulation {
            q: EventQueue::new(),
            workload,
            storage,
            collector,
            counters: Counters::default(),
            samples: Vec::with_capacity(
                (scenario.duration / scenario.sample_interval) as usize + 2,
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

    /// Spans held anywhere right now (queue, workers, bulk buffers, writes in flight).
    pub fn held(&self) -> u64 {
        self.collector.held()
    }

    /// Runs to the scenario's end and returns what was recorded.
    pub fn run(mut self) -> RunResult {
        let end = self.scenario.duration;
        self.q.schedule_in(0, Event::Sample);
        self.collector_start();
        if let Some(t) = self.workload.next_arrival(0) {
            self.q.schedule_at(t, Event::Arrival);
        }
        let progress_step = (end / 100).max(1);
        let mut next_progress = progress_step;
        while let Some((t, ev)) = self.q.pop() {
            if t > end {
                break;
            }
            self.handle(ev);
            if self.collector.oom_pending {
                self.oom_kill();
            }
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
        match ev {
            Event::Arrival => self.on_arrival(),
            Event::Sample => self.on_sample(),
            Event::CollectorUp => self.collector_start(),
            Event::ResizeTick { epoch } if epoch == self.collector.epoch => self.on_resize_tick(),
            Event::FlushTick { epoch } if epoch == self.collector.epoch => self.on_flush_tick(),
            Event::CommitDone { epoch, worker } if epoch == self.collector.epoch => {
                self.on_commit_done(worker as usize)
            }
            Event::BackoffDone { epoch, worker } if epoch == self.collector.epoch => {
                self.start_commit(worker as usize)
            }
            Event::ConnCheck { epoch, worker } if epoch == self.collector.epoch => {
                self.on_conn_check(worker as usize)
            }
            Event::WriteDone { epoch, slot } if epoch == self.collector.epoch => {
                self.on_write_done(slot as usize)
            }
            // A stale event of a killed process.
            _ => {}
        }
    }

    fn on_arrival(&mut self) {
        let now = self.q.now();
        let n = self.workload.spans_in_request();
        for _ in 0..n {
            let wire = self.workload.span_wire_size();
            self.counters.generated += 1;
            self.receive_span(wire);
            if self.collector.oom_pending {
                self.oom_kill();
            }
        }
        if let Some(t) = self.workload.next_arrival(now) {
            self.q.schedule_at(t, Event::Arrival);
        }
    }

    fn on_sample(&mut self) {
        let now = self.q.now();
        let c = &self.collector;
        let held = c.held();
        debug_assert_eq!(
            self.counters.generated,
            self.counters.exported + self.counters.dropped_total() + held,
            "conservation"
        );
        self.samples.push(Sample {
            t: now,
            component: "collector",
            up: c.up,
            queue_items: c.size,
            queue_capacity: c.capacity(),
            queue_bytes: c.queue_wire_bytes,
            worker_items: c.worker_items(),
            bulk_items: c.bulk_items(),
            live_bytes: if c.up { c.heap.live } else { 0 },
            heap_bytes: if c.up { c.heap.heap } else { 0 },
            rss_bytes: if c.up { c.heap.rss() } else { 0 },
            memory_limit_bytes: c.memory_limit,
            spans_generated: self.counters.generated,
            spans_exported: self.counters.exported,
            spans_dropped: self.counters.dropped_total(),
            spans_held: held,
            storage_up: self.storage.reachable(now),
        });
        let next = now + self.scenario.sample_interval;
        if next <= self.scenario.duration {
            self.q.schedule_at(next, Event::Sample);
        }
    }

    pub(crate) fn event(&mut self, kind: &'static str, detail: String) {
        self.events.push(EventRecord {
            t: self.q.now(),
            component: "collector",
            kind,
            detail,
        });
    }

    fn finish(mut self) -> RunResult {
        let end = self.scenario.duration;
        self.collector.account_queue_area(end, &mut self.counters);
        self.counters.gc_cycles += self.collector.heap.gc_cycles;
        let held = self.collector.held();
        RunResult {
            scenario: self.scenario.name.clone(),
            seed: self.scenario.seed,
            duration: end,
            held_end: held,
            queue_capacity_end: self.collector.capacity(),
            memory_limit: self.collector.memory_limit,
            events_processed: self.q.processed(),
            counters: self.counters,
            samples: self.samples,
            events: self.events,
        }
    }
}
