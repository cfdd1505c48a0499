//! The Jaeger v1 collector, as its code does it (jaegertracing/jaeger v1.17-v1.22,
//! `cmd/collector/app/span_processor.go`, `pkg/queue/bounded_queue.go`; the Elasticsearch
//! writer `plugin/storage/es/spanstore/writer.go` over olivere/elastic v6 `BulkProcessor`).
//!
//! * The queue is a buffered channel with a shared `size` counter: `Produce` drops the *new*
//!   span when `size >= capacity` (tail drop, since jaeger#126); a consumer decrements `size`
//!   when it takes a span, so spans held by workers do not count against the capacity.
//! * `num_workers` consumers each process one span at a time: `preSave`, `saveSpan`
//!   (`WriteSpan`), then `countSpan` (only with `queue-size-memory`), in that order, so a span
//!   is counted for the average size only once its write returned.
//! * `queue-size-memory`: every minute, once `queue_size` spans were counted, the ideal
//!   capacity is memory / (cumulative average wire size), capped at 1,000,000; the queue is
//!   resized when that differs from the current capacity by more than 1.2x. A resize makes a
//!   new channel with a new set of workers; the old one is closed and drains with its own
//!   workers. Nothing is lost or copied.
//! * Elasticsearch: `WriteSpan` hands the span to the bulk processor with `Add`, a send on an
//!   unbuffered channel, and returns nil. The bulk worker commits when it holds `bulk.actions`
//!   requests or `bulk.size` bytes, or on the flush ticker. While it commits, backs off
//!   (ExponentialBackoff 200 ms..10 s, factor 2, jitter x[1,2), gives up once a wait would
//!   reach 10 s) or waits for a connection (`waitForActiveConnection`: a health check every
//!   5 s), nobody receives on the channel and every collector worker blocks in `Add` holding
//!   its span. Failed requests stay in the bulk service (`Reset` only on success) and are sent
//!   again. So during an outage the workers stall, the queue fills, and the collector keeps
//!   every queued span in memory until it drops new ones at capacity or is OOM-killed.
//! * `direct` storage is a synchronous writer (e.g. Cassandra): the worker waits for the
//!   write; an error loses the span (the processor logs it and moves on).

use super::otelcol::go_alloc;
use super::storage::Outcome;
use super::{Event, Simulation};
use crate::memory::{ChunkCost, GoHeap, SpanBytes};
use crate::metrics::{Counters, DropReason};
use crate::policy::backoff;
use crate::scenario::raw::StorageKind;
use crate::scenario::{Bulk, JaegerCollector, Storage};
use crate::sim::{Nanos, Stream, Streams};
use rand::Rng;
use rand_pcg::Pcg64;
use std::collections::VecDeque;

/// Spans of one request in the collector, moving together: their arrival time, count, total
/// wire size and total memory cost. At span resolution every record is one span.
#[derive(Clone, Copy, Debug)]
pub struct SpanRec {
    pub born: Nanos,
    pub n: u32,
    pub wire: u32,
    pub bytes: SpanBytes,
}

impl SpanRec {
    /// Splits off the first `k` (< n) spans: exact in count, proportional in bytes.
    fn split(&mut self, k: u32) -> SpanRec {
        debug_assert!(k > 0 && k < self.n);
        let share = |x: u32| (x as u64 * k as u64 / self.n as u64) as u32;
        let head = SpanRec {
            born: self.born,
            n: k,
            wire: share(self.wire),
            bytes: SpanBytes {
                domain: share(self.bytes.domain),
                strings: share(self.bytes.strings),
                es_doc: share(self.bytes.es_doc),
                garbage: share(self.bytes.garbage),
            },
        };
        self.n -= k;
        self.wire -= head.wire;
        self.bytes.domain -= head.bytes.domain;
        self.bytes.strings -= head.bytes.strings;
        self.bytes.es_doc -= head.bytes.es_doc;
        self.bytes.garbage -= head.bytes.garbage;
        head
    }
}

/// A queue channel and its consumers.
#[derive(Debug)]
pub(crate) struct Channel {
    items: VecDeque<SpanRec>,
    capacity: u64,
    idle: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BulkState {
    Accepting,
    Committing,
    Backoff,
    WaitConn,
}

#[derive(Debug)]
pub(crate) struct BulkWorker {
    state: BulkState,
    actions: u64,
    bytes: u64,
    /// Live heap bytes the buffered requests hold.
    mem: u64,
    retry: u32,
    flush_pending: bool,
    pending: Outcome,
}

impl BulkWorker {
    fn new() -> Self {
        BulkWorker {
            state: BulkState::Accepting,
            actions: 0,
            bytes: 0,
            mem: 0,
            retry: 0,
            flush_pending: false,
            pending: Outcome::Ok { rejected: 0 },
        }
    }
}

pub struct Collector {
    cfg: JaegerCollector,
    writer: StorageKind,
    bulk_cfg: Bulk,
    pub up: bool,
    pub epoch: u32,
    pub oom_pending: bool,
    pub(crate) channels: Vec<Channel>,
    /// Spans in all channels (Jaeger's shared `size`).
    pub size: u64,
    pub queue_wire_bytes: u64,
    last_area_t: Nanos,
    /// Workers blocked in the bulk processor's `Add`, in arrival order (Go channel senders
    /// are served first-in first-out).
    blocked: VecDeque<(u32, SpanRec)>,
    /// Spans in synchronous writes: a slab of (channel, span, outcome) and its free slots.
    in_write: u64,
    writes: Vec<(u32, SpanRec, Outcome)>,
    free_slots: Vec<u32>,
    pub(crate) bulk: Vec<BulkWorker>,
    processed: u64,
    bytes_processed: u64,
    pub heap: GoHeap,
    pub memory_limit: Option<u64>,
    consecutive_crashes: u32,
    last_start: Nanos,
    rng_backoff: Pcg64,
    /// At request resolution: the cost of a request's spans from their total wire size.
    pub(crate) chunk_cost: Option<ChunkCost>,
}

impl Collector {
    pub fn new(cfg: &JaegerCollector, storage: &Storage, streams: &Streams, now: Nanos) -> Self {
        Collector {
            cfg: cfg.clone(),
            writer: storage.kind,
            bulk_cfg: storage.bulk.clone(),
            up: false,
            epoch: 0,
            oom_pending: false,
            channels: Vec::new(),
            size: 0,
            queue_wire_bytes: 0,
            last_area_t: now,
            blocked: VecDeque::new(),
            in_write: 0,
            writes: Vec::new(),
            free_slots: Vec::new(),
            bulk: Vec::new(),
            processed: 0,
            bytes_processed: 0,
            heap: GoHeap::new(cfg.runtime.clone(), now),
            memory_limit: cfg.memory_limit,
            consecutive_crashes: 0,
            last_start: now,
            rng_backoff: streams.get(Stream::Backoff),
            chunk_cost: None,
        }
    }

    /// Capacity of the current queue (0 while down).
    pub fn capacity(&self) -> u64 {
        self.channels.last().map_or(0, |c| c.capacity)
    }

    /// Spans held by workers (one each: blocked in `Add` or in a write).
    pub fn worker_items(&self) -> u64 {
        self.blocked.len() as u64 + self.in_write
    }

    pub fn bulk_items(&self) -> u64 {
        self.bulk.iter().map(|b| b.actions).sum()
    }

    /// How many of `head`'s spans bulk worker `w` takes before it is full (at least 1).
    fn bulk_room(&self, w: usize, head: &SpanRec) -> u32 {
        if head.n == 1 {
            return 1;
        }
        let bw = &self.bulk[w];
        let by_actions = self.bulk_cfg.actions.saturating_sub(bw.actions).max(1);
        let room = self.bulk_cfg.size.saturating_sub(bw.bytes);
        let by_bytes = if (head.bytes.es_doc as u64) < room {
            u64::MAX // all of them, by size
        } else {
            // The spans it takes to reach `size`: ceil(room / per-span bytes).
            (room * head.n as u64).div_ceil(head.bytes.es_doc.max(1) as u64)
        };
        (head.n as u64).min(by_actions).min(by_bytes.max(1)) as u32
    }

    /// How many of `head`'s spans a worker takes: one, or as many as go straight through to
    /// an accepting bulk worker before its request is full.
    #[inline]
    fn take(&self, head: &SpanRec) -> u32 {
        match (head.n, self.writer) {
            (1, _) => 1,
            (_, StorageKind::Elasticsearch) => match self.accepting() {
                Some(w) => self.bulk_room(w, head),
                None => 1,
            },
            _ => 1,
        }
    }

    /// Spans held in this process.
    pub fn held(&self) -> u64 {
        self.size + self.worker_items() + self.bulk_items()
    }

    pub(crate) fn account_queue_area(&mut self, now: Nanos, c: &mut Counters) {
        c.queue_area += self.size as u128 * (now - self.last_area_t) as u128;
        self.last_area_t = now;
    }

    /// No channel but `except` has both queued spans and an idle worker: `pump` ran after
    /// every change (debug checks of the shortcuts that move only one channel).
    fn at_rest(&self, except: usize) -> bool {
        self.channels
            .iter()
            .enumerate()
            .all(|(i, ch)| i == except || ch.items.is_empty() || ch.idle == 0)
    }

    fn accepting(&self) -> Option<usize> {
        self.bulk
            .iter()
            .position(|b| b.state == BulkState::Accepting)
    }
}

impl Simulation {
    /// Allocates what `n` spans allocate one after another: a GC that the chunk's
    /// allocation triggers happens where it would between its spans ([`GoHeap::alloc_spread`]).
    #[inline(always)]
    fn alloc_spans(&mut self, kept: u64, garbage: u64, n: u32) {
        let c = col!(self);
        if n <= 1 || c.heap.heap + kept + garbage < c.heap.goal {
            // One span, or no collection on the way: as is.
            self.alloc(kept, garbage)
        } else {
            self.alloc_spread(kept, garbage)
        }
    }

    /// [`Self::alloc_spans`] when the chunk reaches the GC goal.
    #[cold]
    #[inline(never)]
    fn alloc_spread(&mut self, kept: u64, garbage: u64) {
        let now = self.q.now();
        let c = col!(self);
        let mut oom = false;
        for (k, g) in c.heap.spread(kept, garbage) {
            if k + g == 0 {
                continue;
            }
            oom |= go_alloc(&mut c.heap, c.memory_limit, &mut self.counters, now, k, g);
        }
        if oom {
            c.oom_pending = true;
        }
    }

    /// Allocates on the collector heap and checks the container limit.
    #[inline]
    fn alloc(&mut self, kept: u64, garbage: u64) {
        let now = self.q.now();
        let c = col!(self);
        if go_alloc(
            &mut c.heap,
            c.memory_limit,
            &mut self.counters,
            now,
            kept,
            garbage,
        ) {
            c.oom_pending = true;
        }
    }

    /// A process starts (at t = 0, or after a crash-loop back-off).
    pub(crate) fn collector_start(&mut self) {
        let now = self.q.now();
        let c = col!(self);
        c.up = true;
        c.channels = vec![Channel {
            items: VecDeque::new(),
            capacity: c.cfg.queue_size,
            idle: c.cfg.num_workers,
        }];
        c.bulk = (0..c.bulk_cfg.workers).map(|_| BulkWorker::new()).collect();
        c.heap = GoHeap::new(c.cfg.runtime.clone(), now);
        c.processed = 0;
        c.bytes_processed = 0;
        c.last_start = now;
        c.last_area_t = now;
        let epoch = c.epoch;
        if c.cfg.queue_size_memory.is_some() {
            self.q
                .schedule_in(c.cfg.resize_interval, Event::ResizeTick { epoch });
        }
        if c.writer == StorageKind::Elasticsearch {
            self.q
                .schedule_in(c.bulk_cfg.flush_interval, Event::FlushTick { epoch });
        }
        // The baseline is resident from the start.
        let rss = col!(self).heap.rss();
        self.counters.peak_rss = self.counters.peak_rss.max(rss);
        if now > 0 {
            self.counters.restarts += 1;
            self.event("restart", String::new());
        }
    }

    /// `Produce`: a span decoded from a request tries to enter the queue.
    pub(crate) fn receive_span(&mut self, wire: u32) {
        if !col!(self).up {
            self.counters
                .drop(DropReason::CollectorDown, 1, self.q.now());
            return;
        }
        let bytes = col!(self).cfg.span_model.bytes(wire as u64);
        self.receive_one(wire, bytes);
    }

    /// `Produce` for one span: [`Self::receive_chunk`] for a chunk of one, step for step.
    /// When the newest channel has nothing queued and an idle worker, that worker takes the
    /// span at once (it is counted in the queue first, as in Jaeger), without going through
    /// the queue: `pump` would do exactly that, because everything else is at rest (it ran
    /// after the last change of every other channel and of the blocked `Add`s).
    fn receive_one(&mut self, wire: u32, bytes: SpanBytes) {
        let now = self.q.now();
        self.alloc(bytes.domain as u64, bytes.garbage as u64);
        let c = col!(self);
        let cap = c.capacity();
        if c.size >= cap {
            c.heap.free(bytes.domain as u64);
            self.counters.drop(DropReason::QueueFull, 1, now);
            return;
        }
        c.account_queue_area(now, &mut self.counters);
        c.size += 1;
        let size = c.size;
        let span = SpanRec {
            born: now,
            n: 1,
            wire,
            bytes,
        };
        let last = c.channels.len() - 1;
        let chan = &c.channels[last];
        let at_once =
            chan.items.is_empty() && chan.idle > 0 && c.blocked.is_empty() && !c.oom_pending;
        if at_once {
            // `dispatch` without its zero terms (no wait, no queue area, the wire bytes in
            // and out): calling it here costs 12% on the exact 45k/s hour.
            debug_assert!(
                c.at_rest(last),
                "a channel with queued spans and an idle worker"
            );
            let chan = &mut c.channels[last];
            chan.idle -= 1;
            c.size -= 1;
        } else {
            let chan = &mut c.channels[last];
            c.queue_wire_bytes += wire as u64;
            chan.items.push_back(span);
        }
        self.queue_level(size, cap);
        if at_once {
            self.counters.dequeued += 1;
            self.save_span(last, span);
        } else {
            self.pump_newest();
        }
    }

    /// The queue holds `size` spans of its `cap`: its peak, and when it first filled.
    #[inline]
    fn queue_level(&mut self, size: u64, cap: u64) {
        if size > self.counters.peak_queue {
            self.counters.peak_queue = size;
        }
        if size >= cap && self.counters.first_queue_full.is_none() {
            self.counters.first_queue_full = Some(self.q.now());
            self.event("queue_full", format!("capacity {cap}"));
        }
    }

    /// A request's spans at request resolution: their total wire size drawn at once.
    pub(crate) fn receive_request(&mut self, n: u32) {
        let max = col!(self)
            .chunk_cost
            .as_ref()
            .expect("request resolution")
            .max_spans;
        let mut left = n;
        while left > 0 && !col!(self).oom_pending {
            let k = left.min(max);
            left -= k;
            let wire = self.workload.chunk_wire(k);
            if !col!(self).up {
                self.counters
                    .drop(DropReason::CollectorDown, k as u64, self.q.now());
                continue;
            }
            let c = col!(self);
            let bytes = c.chunk_cost.as_ref().expect("checked").bytes(k, wire);
            self.receive_chunk(k, wire.min(u32::MAX as u64) as u32, bytes);
        }
        if left > 0 {
            // The process died mid-request: the rest of its spans find it down.
            self.counters
                .drop(DropReason::CollectorDown, left as u64, self.q.now());
        }
    }

    /// `Produce` for `n` decoded spans, in order: each enters the queue if there is room
    /// (spans that workers take at once make room for the next ones, as at span
    /// resolution), the others are dropped after being decoded.
    fn receive_chunk(&mut self, n: u32, wire: u32, bytes: SpanBytes) {
        let now = self.q.now();
        self.alloc_spans(bytes.domain as u64, bytes.garbage as u64, n);
        let mut rest = SpanRec {
            born: now,
            n,
            wire,
            bytes,
        };
        loop {
            let c = col!(self);
            let cap = c.capacity();
            let room = cap.saturating_sub(c.size);
            if room == 0 {
                c.heap.free(rest.bytes.domain as u64);
                self.counters
                    .drop(DropReason::QueueFull, rest.n as u64, now);
                return;
            }
            let part = if rest.n as u64 > room {
                rest.split(room as u32)
            } else {
                let whole = rest;
                rest.n = 0;
                whole
            };
            c.account_queue_area(now, &mut self.counters);
            c.size += part.n as u64;
            c.queue_wire_bytes += part.wire as u64;
            let single = part.n == 1;
            let last = c.channels.len() - 1;
            // A single span is counted in the queue before a worker takes it, as in Jaeger.
            // Spans of a chunk that idle workers take at once never queue up together: the
            // queue's peak and fullness are read after the workers took what they can.
            if !single && c.channels[last].items.is_empty() && c.blocked.is_empty() {
                // What `pump_newest` does with the chunk at the head of an empty queue,
                // without putting it there first.
                debug_assert!(c.at_rest(last));
                let mut part = part;
                while part.n > 0 && col!(self).channels[last].idle > 0 && !col!(self).oom_pending {
                    let take = col!(self).take(&part);
                    let piece = if take >= part.n {
                        let whole = part;
                        part.n = 0;
                        whole
                    } else {
                        part.split(take)
                    };
                    self.dispatch(last, piece, now);
                }
                if part.n > 0 {
                    col!(self).channels[last].items.push_back(part);
                }
            } else {
                c.channels[last].items.push_back(part);
                if !single {
                    self.pump_newest();
                }
            }
            let size = col!(self).size;
            self.queue_level(size, cap);
            if single {
                self.pump_newest();
            }
            if rest.n == 0 {
                return;
            }
            if col!(self).oom_pending {
                // The process dies here: at span resolution the spans after this one find
                // it down.
                self.counters
                    .drop(DropReason::CollectorDown, rest.n as u64, now);
                return;
            }
        }
    }

    /// Moves spans as far as they go right now: blocked `Add`s first (they wait on the
    /// channel), then idle workers take queued spans. A worker takes one span; spans that
    /// go straight through to an accepting bulk worker move together (the workers hand them
    /// over instantly), as many as the bulk request takes before it is full.
    fn pump(&mut self) {
        while !col!(self).blocked.is_empty() && !col!(self).oom_pending {
            let Some(w) = col!(self).accepting() else {
                break;
            };
            let (ch, span) = col!(self).blocked.pop_front().expect("not empty");
            col!(self).channels[ch as usize].idle += 1;
            self.bulk_add(w, span);
        }
        for ch in 0..col!(self).channels.len() {
            if !self.pump_channel(ch) {
                return;
            }
        }
    }

    /// `pump` after spans entered the newest channel: with no blocked `Add`s, only that
    /// channel can move (the others are at rest).
    #[inline]
    fn pump_newest(&mut self) {
        let c = col!(self);
        if c.blocked.is_empty() {
            let last = c.channels.len() - 1;
            debug_assert!(c.at_rest(last));
            self.pump_channel(last);
        } else {
            self.pump();
        }
    }

    /// Idle workers of channel `ch` take its queued spans; false when the process is about
    /// to be OOM-killed (nothing moves any more).
    fn pump_channel(&mut self, ch: usize) -> bool {
        let now = self.q.now();
        loop {
            if col!(self).oom_pending {
                return false;
            }
            let c = col!(self);
            let chan = &c.channels[ch];
            let Some(head) = chan.items.front() else {
                return true;
            };
            if chan.idle == 0 {
                return true;
            }
            let take = c.take(head);
            let chan = &mut c.channels[ch];
            let head = chan.items.front_mut().expect("not empty");
            let span = if take >= head.n {
                chan.items.pop_front().expect("not empty")
            } else {
                head.split(take)
            };
            self.dispatch(ch, span, now);
        }
    }

    /// A worker of channel `ch` takes `span` off the queue and saves it.
    #[inline]
    fn dispatch(&mut self, ch: usize, span: SpanRec, now: Nanos) {
        let c = col!(self);
        c.channels[ch].idle -= 1;
        c.account_queue_area(now, &mut self.counters);
        c.size -= span.n as u64;
        c.queue_wire_bytes -= span.wire as u64;
        self.counters.dequeued += span.n as u64;
        self.counters.wait_sum += span.n as u128 * (now - span.born) as u128;
        self.save_span(ch, span);
    }

    /// `saveSpan` by a worker of channel `ch`.
    fn save_span(&mut self, ch: usize, span: SpanRec) {
        match col!(self).writer {
            // Validation pairs "otlp" only with an OpenTelemetry Collector.
            StorageKind::Direct | StorageKind::Otlp => {
                debug_assert_eq!(span.n, 1, "a synchronous write is one span");
                let r = stor!(self).request(self.q.now(), 1);
                let c = col!(self);
                c.in_write += 1;
                let entry = (ch as u32, span, r.outcome);
                let slot = match c.free_slots.pop() {
                    Some(i) => {
                        c.writes[i as usize] = entry;
                        i
                    }
                    None => {
                        c.writes.push(entry);
                        (c.writes.len() - 1) as u32
                    }
                };
                let epoch = c.epoch;
                self.q
                    .schedule_at(r.done_at, Event::WriteDone { epoch, slot });
            }
            StorageKind::Elasticsearch => match col!(self).accepting() {
                Some(w) => {
                    col!(self).channels[ch].idle += 1;
                    self.bulk_add(w, span);
                }
                None => {
                    debug_assert_eq!(span.n, 1, "a blocked worker holds one span");
                    col!(self).blocked.push_back((ch as u32, span))
                }
            },
        }
    }

    /// `countSpan` for the spans of `span`.
    #[inline]
    fn count_span(&mut self, span: &SpanRec) {
        let c = col!(self);
        if c.cfg.queue_size_memory.is_some() {
            c.processed += span.n as u64;
            c.bytes_processed += span.wire as u64;
        }
    }

    /// `Add` returns: the request is in bulk worker `w`'s buffer. The domain span's structs
    /// become garbage; its tag strings stay referenced by the ES document.
    fn bulk_add(&mut self, w: usize, span: SpanRec) {
        let b = span.bytes;
        self.alloc_spans(b.es_doc as u64, 0, span.n);
        let c = col!(self);
        c.heap.free((b.domain - b.strings) as u64);
        let bw = &mut c.bulk[w];
        bw.actions += span.n as u64;
        bw.bytes += b.es_doc as u64;
        bw.mem += b.es_doc as u64 + b.strings as u64;
        let full = bw.actions >= c.bulk_cfg.actions || bw.bytes >= c.bulk_cfg.size;
        self.count_span(&span);
        if full {
            self.start_commit(w);
        }
    }

    pub(crate) fn start_commit(&mut self, w: usize) {
        let now = self.q.now();
        let actions = col!(self).bulk[w].actions;
        let r = stor!(self).request(now, actions);
        let bw = &mut col!(self).bulk[w];
        bw.state = BulkState::Committing;
        bw.pending = r.outcome;
        let epoch = col!(self).epoch;
        self.q.schedule_at(
            r.done_at,
            Event::CommitDone {
                epoch,
                worker: w as u32,
            },
        );
    }

    /// The worker is back in its `select`: a pending flush goes first, then `Add`s.
    fn bulk_resume(&mut self, w: usize) {
        let bw = &mut col!(self).bulk[w];
        bw.state = BulkState::Accepting;
        if bw.flush_pending {
            bw.flush_pending = false;
            if bw.actions > 0 {
                self.start_commit(w);
                return;
            }
        }
        self.pump();
    }

    pub(crate) fn on_commit_done(&mut self, w: usize) {
        let now = self.q.now();
        let pending = col!(self).bulk[w].pending;
        match pending {
            Outcome::Ok { rejected } => {
                let c = col!(self);
                let bw = &mut c.bulk[w];
                let (actions, mem) = (bw.actions, bw.mem);
                *bw = BulkWorker {
                    flush_pending: bw.flush_pending,
                    ..BulkWorker::new()
                };
                c.heap.free(mem);
                self.counters.exported += actions - rejected;
                self.counters
                    .drop(DropReason::StorageRejected, rejected, now);
                self.bulk_resume(w);
            }
            Outcome::ConnError => {
                let cfg = &col!(self).bulk_cfg;
                let (initial, max, reconnect) =
                    (cfg.backoff_initial, cfg.backoff_max, cfg.reconnect_interval);
                let epoch = col!(self).epoch;
                let bw = &mut col!(self).bulk[w];
                bw.retry += 1;
                let jitter: f64 = col!(self).rng_backoff.gen_range(1.0..2.0);
                let bw = &mut col!(self).bulk[w];
                if let Some(wait) = backoff::olivere_bulk(bw.retry, jitter, initial, max) {
                    bw.state = BulkState::Backoff;
                    self.q.schedule_in(
                        wait,
                        Event::BackoffDone {
                            epoch,
                            worker: w as u32,
                        },
                    );
                } else {
                    // RetryNotify gives up: the requests stay buffered; a net error makes the
                    // worker wait for an active connection.
                    bw.state = BulkState::WaitConn;
                    bw.retry = 0;
                    self.q.schedule_in(
                        reconnect,
                        Event::ConnCheck {
                            epoch,
                            worker: w as u32,
                        },
                    );
                }
            }
        }
    }

    pub(crate) fn on_conn_check(&mut self, w: usize) {
        let now = self.q.now();
        if stor!(self).reachable(now) {
            self.bulk_resume(w);
        } else {
            let epoch = col!(self).epoch;
            let every = col!(self).bulk_cfg.reconnect_interval;
            self.q.schedule_in(
                every,
                Event::ConnCheck {
                    epoch,
                    worker: w as u32,
                },
            );
        }
    }

    pub(crate) fn on_flush_tick(&mut self) {
        let c = col!(self);
        let epoch = c.epoch;
        self.q
            .schedule_in(c.bulk_cfg.flush_interval, Event::FlushTick { epoch });
        for w in 0..col!(self).bulk.len() {
            let bw = &mut col!(self).bulk[w];
            match bw.state {
                BulkState::Accepting if bw.actions > 0 => self.start_commit(w),
                BulkState::Accepting => {}
                _ => bw.flush_pending = true,
            }
        }
    }

    pub(crate) fn on_write_done(&mut self, slot: usize) {
        let now = self.q.now();
        let c = col!(self);
        let (ch, span, outcome) = c.writes[slot];
        let ch = ch as usize;
        c.free_slots.push(slot as u32);
        c.in_write -= 1;
        c.heap.free(span.bytes.domain as u64);
        c.channels[ch].idle += 1;
        match outcome {
            Outcome::Ok { rejected: 0 } => {
                self.counters.exported += 1;
                self.counters.written += 1;
                self.counters.sojourn_sum += (now - span.born) as u128;
            }
            Outcome::Ok { .. } => self.counters.drop(DropReason::StorageRejected, 1, now),
            Outcome::ConnError => self.counters.drop(DropReason::StorageError, 1, now),
        }
        self.count_span(&span);
        // Only this channel gained a worker; a synchronous writer has no blocked `Add`s.
        debug_assert!(col!(self).blocked.is_empty() && col!(self).at_rest(ch));
        self.pump_channel(ch);
    }

    /// `updateQueueSize`, every `resize_interval` of the process's life.
    pub(crate) fn on_resize_tick(&mut self) {
        let c = col!(self);
        let epoch = c.epoch;
        self.q
            .schedule_in(c.cfg.resize_interval, Event::ResizeTick { epoch });
        let Some(memory) = c.cfg.queue_size_memory else {
            return;
        };
        if c.processed == 0 || c.processed < c.cfg.queue_size {
            return; // warm-up: dynQueueSizeWarmup = queue_size
        }
        let avg = (c.bytes_processed / c.processed).max(1);
        let ideal = (memory / avg).min(c.cfg.max_queue_size).max(1);
        let current = c.capacity();
        let ratio = (ideal as f64 / current as f64).max(current as f64 / ideal as f64);
        if ratio <= c.cfg.resize_min_change {
            return;
        }
        let workers = c.cfg.num_workers;
        c.channels.push(Channel {
            items: VecDeque::new(),
            capacity: ideal,
            idle: workers,
        });
        self.event(
            "queue_resize",
            format!("capacity {current} -> {ideal} (average span {avg} B)"),
        );
        // `size` is shared by the channels: a smaller queue can be full from the start.
        let size = col!(self).size;
        self.queue_level(size, ideal);
        self.pump();
    }

    /// The container exceeded its memory limit: the kernel kills it and everything it held
    /// is lost. Kubernetes restarts it after the crash-loop back-off.
    pub(crate) fn oom_kill(&mut self) {
        let now = self.q.now();
        let rss = col!(self).heap.rss();
        let held = col!(self).held();
        col!(self).account_queue_area(now, &mut self.counters);
        self.counters.drop(DropReason::Oom, held, now);
        self.counters.oom_kills += 1;
        self.counters.first_oom.get_or_insert(now);
        self.counters.gc_cycles += col!(self).heap.gc_cycles;
        let limit = col!(self).memory_limit.unwrap_or(0);
        self.event(
            "oom_kill",
            format!("rss {rss} B > limit {limit} B, {held} spans lost"),
        );
        let c = col!(self);
        c.up = false;
        c.oom_pending = false;
        c.epoch += 1;
        c.channels.clear();
        c.blocked.clear();
        c.bulk.clear();
        c.in_write = 0;
        c.writes.clear();
        c.free_slots.clear();
        c.size = 0;
        c.queue_wire_bytes = 0;
        c.heap = GoHeap::new(c.cfg.runtime.clone(), now);
        let (last, mut crashes) = (c.last_start, c.consecutive_crashes);
        if let Some(up_in) = c.cfg.restart.next_start(&mut crashes, last, now) {
            c.consecutive_crashes = crashes;
            self.q.schedule_in(up_in, Event::CollectorUp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splitting a chunk keeps every span and every byte, and gives each part its share.
    #[test]
    fn a_split_keeps_counts_and_bytes() {
        let mut r = SpanRec {
            born: 7,
            n: 9,
            wire: 7_605,
            bytes: SpanBytes {
                domain: 31_517,
                strings: 4_001,
                es_doc: 27_003,
                garbage: 30_420,
            },
        };
        let before = r;
        let head = r.split(4);
        assert_eq!((head.n, r.n), (4, 5));
        assert_eq!(head.wire + r.wire, before.wire);
        assert_eq!(head.bytes.domain + r.bytes.domain, before.bytes.domain);
        assert_eq!(head.bytes.strings + r.bytes.strings, before.bytes.strings);
        assert_eq!(head.bytes.es_doc + r.bytes.es_doc, before.bytes.es_doc);
        assert_eq!(head.bytes.garbage + r.bytes.garbage, before.bytes.garbage);
        assert_eq!(head.wire, 7_605 * 4 / 9);
        assert!(head.bytes.strings <= head.bytes.domain && r.bytes.strings <= r.bytes.domain);
        assert_eq!((head.born, r.born), (7, 7));
    }
}
