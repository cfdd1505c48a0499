//! The OpenTelemetry Collector's traces pipeline, as its code does it
//! (open-telemetry/opentelemetry-collector; facts and sources in
//! `../shared/reference/pipeline-mechanics.md` §2):
//!
//! * **Receiver.** An OTLP request is decoded into pdata (`span_bytes` of heap per span; the
//!   proto buffer is garbage at once), then handed synchronously to the first processor.
//!   An error from downstream goes back to the client: a refusal is retryable for an SDK,
//!   a loss for a client that does not retry.
//! * **memory_limiter** (`internal/memorylimiter`): every `check_interval` it reads the Go
//!   heap (`MemStats.Alloc`, not RSS). Below the soft limit (hard - spike) it stops
//!   refusing. Above the hard limit it forces a GC if the last one is older than
//!   `min_gc_interval_when_hard_limited` (0), above the soft limit if older than
//!   `min_gc_interval_when_soft_limited` (10 s); it then refuses while the heap stays above
//!   the soft limit. From v0.156 a forced GC that frees less than 5% doubles the interval up
//!   to `max_gc_interval_when_*_limited` (30 s). A GC shrinks the heap, not the pages the
//!   process holds: RSS stays at its high-water mark until the scavenger returns them.
//! * **batch** (`processor/batchprocessor`): one shard accumulates items; it exports when it
//!   holds `send_batch_size` (all it holds, or chunks of `send_batch_max_size`) and on a
//!   `timeout` timer that is reset after each size-triggered export. An export error is
//!   logged and the batch dropped: the receiver has already answered.
//! * **exporterhelper**: the sending queue (`queue_size` in requests, items or wire bytes)
//!   refuses a request that does not fit (`ErrQueueIsFull`; nothing is ever dropped from
//!   the head) or waits for room with `block_on_overflow`. `num_consumers` goroutines each
//!   take a request and send it with a per-attempt `timeout`; on failure they retry with
//!   exponential back-off (`initial_interval` x `multiplier`^n up to `max_interval`, each
//!   draw uniform in ±`randomization_factor`) and give up when the next wait would pass
//!   `max_elapsed_time` since the first attempt. A retrying request holds its consumer.
//!   Before v0.120 a request left the queue's count when dequeued; from v0.120 it counts
//!   until it is done. With a storage extension the queue is on disk: a request is
//!   marshalled to disk when queued and read back when dequeued, and survives a restart.
//!   With the queue disabled the caller itself sends, waiting for the result.
//! * **The otlp exporter's gRPC channel** (`exporter.protocol = "grpc"`; grpc-go
//!   `clientconn.go` `resetTransportAndUnlock`, `internal/backoff` with `backoff.DefaultConfig`:
//!   1 s x 1.6 up to 120 s, jitter ±0.2). A refused dial puts the channel in
//!   TRANSIENT_FAILURE; it dials again only after its backoff (the k-th wait is
//!   1 s x 1.6^k), and meanwhile every RPC fails at once (the exporter does not wait for
//!   ready). So after a refusing backend is back, exports keep failing until the next dial,
//!   and the consumers' retry waits grow on top. A success resets the backoff. A hung
//!   backend accepts the connection: the channel stays ready.

use super::storage::Outcome;
use super::{Event, Simulation};
use crate::memory::GoHeap;
use crate::metrics::{Counters, DropReason};
use crate::policy::admission::{self, Admit};
use crate::policy::backoff;
use crate::scenario::otelcol::OtelCollector;
use crate::scenario::raw::QueueSizer;
use crate::sim::{Nanos, Stream, Streams};
use rand::Rng;
use rand_pcg::Pcg64;
use std::collections::VecDeque;

macro_rules! oc {
    ($s:ident) => {
        $s.otelcol.as_mut().expect("the scenario has an otelcol")
    };
}

/// An OTLP request or a batch: spans, their wire bytes and their heap bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Req {
    pub spans: u64,
    pub wire: u64,
    pub mem: u64,
}

impl Req {
    fn add(&mut self, o: Req) {
        self.spans += o.spans;
        self.wire += o.wire;
        self.mem += o.mem;
    }

    /// Splits off the first `n` spans (wire and heap bytes pro rata).
    fn take(&mut self, n: u64) -> Req {
        if n >= self.spans {
            return std::mem::take(self);
        }
        let part = |x: u64| (x as u128 * n as u128 / self.spans as u128) as u64;
        let head = Req {
            spans: n,
            wire: part(self.wire),
            mem: part(self.mem),
        };
        self.spans -= head.spans;
        self.wire -= head.wire;
        self.mem -= head.mem;
        head
    }
}

#[derive(Clone, Copy, Debug)]
struct Consumer {
    req: Req,
    /// Units of the queue's sizer this request counts for.
    size: u64,
    started: Nanos,
    /// Current nominal back-off interval [ns].
    interval: f64,
    outcome: Outcome,
}

/// One gRPC client channel to the backend (one address, pick_first).
#[derive(Clone, Copy, Debug)]
pub struct GrpcChannel {
    pub ready: bool,
    /// When the channel dials next (while not ready).
    pub next_dial: Nanos,
    /// Failed dials since the last success (`addrConn.backoffIdx`).
    pub idx: u32,
}

impl Default for GrpcChannel {
    fn default() -> Self {
        GrpcChannel {
            ready: true,
            next_dial: 0,
            idx: 0,
        }
    }
}

impl GrpcChannel {
    /// Is the channel ready for an RPC at `now`? Plays the dials due by `now` against
    /// `refused(t)` (the backend refusing connections at t). An RPC at a refusing backend
    /// while ready loses the connection: the reconnect fails and backs off from `now`.
    pub fn ready_at(
        &mut self,
        now: Nanos,
        refused: impl Fn(Nanos) -> bool,
        mut draw: impl FnMut() -> f64,
    ) -> bool {
        if self.ready {
            if !refused(now) {
                return true;
            }
            self.ready = false;
            self.idx = 0;
            self.next_dial = now + backoff::grpc(0, draw());
            return false;
        }
        while self.next_dial <= now {
            if refused(self.next_dial) {
                // The first wait was drawn at the failure; this dial failed: wait idx+1.
                self.idx += 1;
                self.next_dial += backoff::grpc(self.idx, draw());
            } else {
                self.ready = true;
                self.idx = 0;
                return true;
            }
        }
        false
    }
}

/// The memory_limiter's state.
#[derive(Clone, Debug)]
pub struct Limiter {
    pub refusing: bool,
    last_gc: Option<Nanos>,
    /// Back-off of the GC gates (v0.156+), doubled in lockstep, 0 when reset.
    backoff_soft: Nanos,
    backoff_hard: Nanos,
    /// The previous heap reading (v0.156+: a 5% fall counts as effective).
    last_obs: u64,
    pub forced_gcs: u64,
}

/// What one memory_limiter check decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Below,
    /// Above the soft limit; `gc` says whether a GC was forced.
    Soft {
        gc: bool,
    },
    Hard {
        gc: bool,
    },
}

impl Limiter {
    /// A limiter built at `now`: from v0.121 `lastGCDone` starts at construction, so the
    /// first forced GC waits for its gate; before, it was unset.
    pub fn new(ml: &crate::scenario::otelcol::MemoryLimiter, now: Nanos) -> Self {
        Limiter {
            refusing: false,
            last_gc: (!ml.legacy).then_some(now),
            backoff_soft: 0,
            backoff_hard: 0,
            last_obs: 0,
            forced_gcs: 0,
        }
    }

    fn gc(&mut self, heap: &mut GoHeap, now: Nanos) -> u64 {
        heap.collect();
        self.forced_gcs += 1;
        self.last_gc = Some(now);
        heap.heap
    }

    fn since_gc_over(&self, now: Nanos, gate: Nanos) -> bool {
        self.last_gc.is_none_or(|t| now - t > gate)
    }

    /// v0.156+: an observation below soft, or 5% below the previous one, resets the
    /// back-off; an ineffective forced GC doubles both gates from max(min, 0.95 check).
    fn observe(&mut self, ml: &crate::scenario::otelcol::MemoryLimiter, alloc: u64, forced: bool) {
        let effective = alloc < ml.soft || alloc as u128 * 100 <= self.last_obs as u128 * 95;
        self.last_obs = alloc;
        if effective {
            self.backoff_soft = 0;
            self.backoff_hard = 0;
        } else if forced {
            let next = |cur: Nanos, min: Nanos, max: Nanos| {
                if max == 0 {
                    return min;
                }
                let floor = min.max(ml.check_interval * 95 / 100);
                (cur.max(floor) * 2).min(max.max(min))
            };
            self.backoff_soft = next(self.backoff_soft, ml.min_gc_soft, ml.max_gc_soft);
            self.backoff_hard = next(self.backoff_hard, ml.min_gc_hard, ml.max_gc_hard);
        }
    }

    /// `CheckMemLimits` at `now` on `heap` (Go `MemStats.Alloc` = live + unswept garbage):
    /// may force a GC; sets `refusing`.
    pub fn check(
        &mut self,
        ml: &crate::scenario::otelcol::MemoryLimiter,
        heap: &mut GoHeap,
        now: Nanos,
    ) -> Check {
        let mut alloc = heap.heap;
        if ml.legacy {
            // v0.80-v0.120 `checkMemLimits`.
            let hard = alloc >= ml.hard;
            let mut gc = false;
            if hard {
                alloc = self.gc(heap, now);
                gc = true;
            }
            let mut refuse = alloc >= ml.soft;
            if !self.refusing && refuse && self.since_gc_over(now, ml.min_gc_soft) {
                alloc = self.gc(heap, now);
                gc = true;
                refuse = alloc >= ml.soft;
            }
            let was_above = refuse || gc;
            self.refusing = refuse;
            return match (hard, was_above) {
                (true, _) => Check::Hard { gc },
                (false, true) => Check::Soft { gc },
                (false, false) => Check::Below,
            };
        }
        if ml.gc_backoff {
            self.observe(ml, alloc, false);
        }
        if alloc < ml.soft {
            self.refusing = false;
            return Check::Below;
        }
        let hard = alloc >= ml.hard;
        let gate = if hard {
            ml.min_gc_hard.max(self.backoff_hard)
        } else {
            ml.min_gc_soft.max(self.backoff_soft)
        };
        let due = self.since_gc_over(now, gate);
        if due {
            alloc = self.gc(heap, now);
            if ml.gc_backoff {
                self.observe(ml, alloc, true);
            }
        }
        self.refusing = alloc >= ml.soft;
        if hard {
            Check::Hard { gc: due }
        } else {
            Check::Soft { gc: due }
        }
    }
}

/// A buffer in a `sync.Pool`: its capacity, the P whose cache holds it, and the GC cycle at
/// which it was put back ([`GoHeap::pool_put`]).
#[derive(Clone, Copy, Debug)]
pub struct PooledBuf {
    cap: u64,
    p: u32,
    put: u64,
}

pub struct OtelCol {
    pub cfg: OtelCollector,
    pub up: bool,
    pub epoch: u32,
    pub oom_pending: bool,
    pub heap: GoHeap,
    pub limiter: Option<Limiter>,
    last_start: Nanos,
    consecutive_crashes: u32,
    /// The batch processor's pending items and its timer generation (a reset timer
    /// invalidates the events of the old one).
    pub batch: Req,
    batch_gen: u32,
    /// The sending queue: requests with their size in sizer units.
    queue: VecDeque<(Req, u64)>,
    /// Occupancy in sizer units (what `queue_size` bounds).
    pub used: u64,
    pub queue_spans: u64,
    pub queue_wire: u64,
    /// Callers waiting for room (`block_on_overflow`, or a disabled queue).
    blocked: VecDeque<Req>,
    pub blocked_spans: u64,
    consumers: Vec<Option<Consumer>>,
    idle: Vec<u32>,
    pub in_flight_spans: u64,
    /// Wire bytes in the persistent queue's files.
    pub disk_bytes: u64,
    rng_retry: Pcg64,
    /// Buffers in the exporter codec's `sync.Pool`s (when `marshal_pool`).
    pool: Vec<PooledBuf>,
    /// Exports so far: the P each marshals on, round robin.
    pool_turn: u32,
    /// The otlp exporter's gRPC channel (when `grpc_channel`).
    pub channel: GrpcChannel,
}

impl OtelCol {
    pub fn new(cfg: &OtelCollector, streams: &Streams, now: Nanos) -> Self {
        OtelCol {
            cfg: cfg.clone(),
            up: false,
            epoch: 0,
            oom_pending: false,
            heap: GoHeap::new(cfg.runtime.clone(), now),
            limiter: None,
            last_start: now,
            consecutive_crashes: 0,
            batch: Req::default(),
            batch_gen: 0,
            queue: VecDeque::new(),
            used: 0,
            queue_spans: 0,
            queue_wire: 0,
            blocked: VecDeque::new(),
            blocked_spans: 0,
            consumers: Vec::new(),
            idle: Vec::new(),
            in_flight_spans: 0,
            disk_bytes: 0,
            pool: Vec::new(),
            pool_turn: 0,
            rng_retry: streams.get(Stream::CollectorRetry),
            channel: GrpcChannel::default(),
        }
    }

    /// Spans held: batch, waiting callers, sending queue (memory or disk), consumers.
    pub fn held(&self) -> u64 {
        self.batch.spans + self.blocked_spans + self.queue_spans + self.in_flight_spans
    }

    /// Queue capacity in spans, when the sizer counts spans.
    pub fn capacity_items(&self) -> Option<u64> {
        (self.cfg.queue.enabled && self.cfg.queue.sizer == QueueSizer::Items)
            .then_some(self.cfg.queue.capacity)
    }

    fn size_of(&self, r: &Req) -> u64 {
        admission::queue_size(self.cfg.queue.sizer, r.spans, r.wire)
    }

    /// The request built from spans of these wire sizes.
    pub fn request(&self, wires: impl Iterator<Item = u64>) -> Req {
        let (mut spans, mut wire) = (0, 0);
        for w in wires {
            spans += 1;
            wire += w;
        }
        self.priced(spans, wire)
    }

    /// A request of `spans` spans and `wire` bytes in total (the pdata cost is linear).
    pub fn priced(&self, spans: u64, wire: u64) -> Req {
        Req {
            spans,
            wire,
            mem: spans * self.cfg.span_fixed + (self.cfg.span_per_wire_byte * wire as f64) as u64,
        }
    }
}

/// Allocates on a Go heap under a container limit; updates the run's peaks. Returns true
/// when the process must be OOM-killed.
#[inline]
pub(crate) fn go_alloc(
    heap: &mut GoHeap,
    limit: Option<u64>,
    counters: &mut Counters,
    now: Nanos,
    kept: u64,
    garbage: u64,
) -> bool {
    heap.maybe_scavenge(now);
    let mut oom = false;
    if heap.alloc(kept, garbage) {
        if let Some(limit) = limit
            && heap.rss() > limit
        {
            heap.reclaim_to(limit);
            oom = heap.unreclaimable() > limit;
        }
        counters.peak_rss = counters.peak_rss.max(heap.rss());
    }
    counters.peak_live = counters.peak_live.max(heap.live);
    oom
}

impl Simulation {
    fn oc_alloc(&mut self, kept: u64, garbage: u64) {
        let now = self.q.now();
        let o = oc!(self);
        if go_alloc(
            &mut o.heap,
            o.cfg.memory_limit,
            &mut self.counters,
            now,
            kept,
            garbage,
        ) {
            o.oom_pending = true;
        }
    }

    pub(crate) fn otelcol_start(&mut self) {
        let now = self.q.now();
        let o = oc!(self);
        o.up = true;
        o.heap = GoHeap::new(o.cfg.runtime.clone(), now);
        o.pool.clear();
        o.last_start = now;
        o.limiter = o
            .cfg
            .memory_limiter
            .as_ref()
            .map(|ml| Limiter::new(ml, now));
        let n = o.cfg.queue.num_consumers;
        o.consumers = vec![None; n as usize];
        o.idle = (0..n).rev().collect();
        let epoch = o.epoch;
        if let Some(ml) = &o.cfg.memory_limiter {
            self.q
                .schedule_in(ml.check_interval, Event::OtelCheck { epoch });
        }
        if let Some(b) = &o.cfg.batch {
            let timer = o.batch_gen;
            self.q
                .schedule_in(b.timeout, Event::BatchTimer { epoch, timer });
        }
        let rss = oc!(self).heap.rss();
        self.counters.peak_rss = self.counters.peak_rss.max(rss);
        if now > 0 {
            self.counters.restarts += 1;
            self.event("restart", String::new());
        }
        // A persistent queue survived the restart: its consumers start on it.
        self.oc_dispatch();
    }

    /// An OTLP request arrives at the receiver. Err is the error the client gets back.
    pub(crate) fn otelcol_receive(&mut self, req: Req) -> Result<(), DropReason> {
        if !oc!(self).up {
            return Err(DropReason::CollectorDown);
        }
        // Decoding: the pdata stays, the proto buffer is garbage.
        self.oc_alloc(req.mem, req.wire);
        let o = oc!(self);
        if o.cfg.limiter_at_receive && o.limiter.as_ref().is_some_and(|l| l.refusing) {
            o.heap.free(req.mem);
            return Err(DropReason::Refused);
        }
        if o.cfg.batch.is_some() {
            self.batch_add(req);
            return Ok(());
        }
        // No batch processor: the exporter's answer is the receiver's.
        let r = self.exporter_consume(req);
        if r.is_err() {
            oc!(self).heap.free(req.mem);
        }
        r
    }

    fn batch_add(&mut self, req: Req) {
        let o = oc!(self);
        o.batch.add(req);
        let b = o.cfg.batch.as_ref().expect("batch configured");
        if o.batch.spans >= b.send_batch_size {
            let (size, max, timeout) = (b.send_batch_size, b.send_batch_max_size, b.timeout);
            while oc!(self).batch.spans >= size && !oc!(self).oom_pending {
                let o = oc!(self);
                let chunk = if max == 0 {
                    std::mem::take(&mut o.batch)
                } else {
                    o.batch.take(max)
                };
                self.after_batch(chunk);
            }
            let o = oc!(self);
            o.batch_gen = o.batch_gen.wrapping_add(1);
            let (epoch, timer) = (o.epoch, o.batch_gen);
            self.q
                .schedule_in(timeout, Event::BatchTimer { epoch, timer });
        }
    }

    pub(crate) fn on_batch_timer(&mut self, timer: u32) {
        let o = oc!(self);
        if timer != o.batch_gen {
            return;
        }
        let b = o.cfg.batch.as_ref().expect("batch configured");
        let (max, timeout) = (b.send_batch_max_size, b.timeout);
        let epoch = o.epoch;
        self.q
            .schedule_in(timeout, Event::BatchTimer { epoch, timer });
        if o.batch.spans > 0 {
            let chunk = if max == 0 {
                std::mem::take(&mut o.batch)
            } else {
                o.batch.take(max)
            };
            self.after_batch(chunk);
        }
    }

    /// A batch leaves the batch processor: the processors after it, then the exporter.
    /// Errors are logged and the batch is lost (the receiver answered long ago).
    fn after_batch(&mut self, req: Req) {
        let now = self.q.now();
        let o = oc!(self);
        if o.cfg.limiter_after_batch && o.limiter.as_ref().is_some_and(|l| l.refusing) {
            o.heap.free(req.mem);
            self.counters.drop(DropReason::Refused, req.spans, now);
            return;
        }
        if let Err(reason) = self.exporter_consume(req) {
            oc!(self).heap.free(req.mem);
            self.counters.drop(reason, req.spans, now);
        }
    }

    /// The exporter's `ConsumeTraces`: into the sending queue, or straight to a consumer
    /// when the queue is disabled.
    fn exporter_consume(&mut self, req: Req) -> Result<(), DropReason> {
        let now = self.q.now();
        let o = oc!(self);
        if !o.cfg.queue.enabled {
            o.blocked.push_back(req);
            o.blocked_spans += req.spans;
            self.oc_dispatch();
            return Ok(());
        }
        let size = o.size_of(&req);
        let cap = o.cfg.queue.capacity;
        match admission::sending_queue(size, o.used, cap, o.cfg.queue.block_on_overflow) {
            Admit::Enqueue => {
                self.oc_enqueue(req, size);
                self.oc_dispatch();
                Ok(())
            }
            Admit::Block => {
                o.blocked.push_back(req);
                o.blocked_spans += req.spans;
                Ok(())
            }
            Admit::Refuse(DropReason::QueueFull) => {
                if self.counters.first_queue_full.is_none() {
                    self.counters.first_queue_full = Some(now);
                    self.event("queue_full", format!("sending queue full at {cap}"));
                }
                Err(DropReason::QueueFull)
            }
            Admit::Refuse(reason) => Err(reason),
        }
    }

    fn oc_enqueue(&mut self, req: Req, size: u64) {
        let o = oc!(self);
        o.used += size;
        o.queue_spans += req.spans;
        o.queue_wire += req.wire;
        o.queue.push_back((req, size));
        if o.queue_spans > self.counters.peak_queue {
            self.counters.peak_queue = o.queue_spans;
        }
        if o.cfg.queue.persistent {
            // Marshalled to the file: the pdata is released, the encoding is garbage.
            o.disk_bytes += req.wire;
            o.heap.free(req.mem);
            self.oc_alloc(0, req.wire);
        }
    }

    /// Idle consumers take work; waiting callers move in as room frees.
    fn oc_dispatch(&mut self) {
        loop {
            let o = oc!(self);
            if o.oom_pending || !o.up {
                return;
            }
            // Waiting callers first, while they fit.
            if let Some(&req) = o.blocked.front() {
                if !o.cfg.queue.enabled {
                    let Some(c) = o.idle.pop() else { return };
                    o.blocked.pop_front();
                    o.blocked_spans -= req.spans;
                    self.start_export(c, req, 0);
                    continue;
                }
                let size = o.size_of(&req);
                if o.used + size <= o.cfg.queue.capacity {
                    o.blocked.pop_front();
                    o.blocked_spans -= req.spans;
                    self.oc_enqueue(req, size);
                    continue;
                }
            }
            let o = oc!(self);
            if o.queue.is_empty() {
                return;
            }
            let Some(c) = o.idle.pop() else { return };
            let (req, size) = o.queue.pop_front().expect("not empty");
            o.queue_spans -= req.spans;
            o.queue_wire -= req.wire;
            if !o.cfg.queue.count_in_flight {
                o.used -= size;
            }
            if o.cfg.queue.persistent {
                // Read back from the file and decoded.
                self.oc_alloc(req.mem, req.wire);
            }
            self.start_export(c, req, size);
        }
    }

    fn start_export(&mut self, c: u32, req: Req, size: u64) {
        let now = self.q.now();
        let o = oc!(self);
        o.in_flight_spans += req.spans;
        o.consumers[c as usize] = Some(Consumer {
            req,
            size,
            started: now,
            interval: o.cfg.retry.initial_interval as f64,
            outcome: Outcome::ConnError,
        });
        self.export_try(c);
    }

    /// The gRPC codec marshals `wire` bytes into a buffer from its pool (see
    /// `scenario::otelcol::marshal_tiers`) and the transport puts it back once written
    /// (loopback writes take microseconds: at once here). A `sync.Pool` caches per P and a
    /// P's private buffer is not stolen by others, so each P keeps its own buffer of a size;
    /// exports go to the Ps in turn (the scheduler's placement of the consumers is not
    /// modelled). A buffer no export takes within two GC cycles is collected.
    fn oc_marshal_pooled(&mut self, wire: u64) {
        let o = oc!(self);
        let tiers = o.cfg.marshal_pool.as_ref().expect("a pooled codec");
        let tier = tiers.iter().copied().find(|&t| t >= wire);
        let p = o.pool_turn % o.cfg.gomaxprocs;
        o.pool_turn = o.pool_turn.wrapping_add(1);
        let gc = o.heap.gc_cycles;
        o.pool.retain(|b| b.put + 2 > gc);
        let fits = |b: &PooledBuf| b.p == p && tier.map_or(b.cap >= wire, |t| b.cap == t);
        let cap = match o.pool.iter().position(fits) {
            Some(i) => {
                let b = o.pool.swap_remove(i);
                let held = o.heap.pool_take(b.cap, b.put);
                debug_assert!(held, "a pruned pool only holds what the heap holds");
                b.cap
            }
            None => {
                let cap = tier.unwrap_or(wire);
                self.oc_alloc(cap, 0);
                cap
            }
        };
        let o = oc!(self);
        let put = o.heap.pool_put(cap);
        o.pool.push(PooledBuf { cap, p, put });
    }

    /// One attempt: the request is marshalled (garbage, or into a pooled buffer) and sent
    /// with the per-attempt timeout.
    fn export_try(&mut self, c: u32) {
        let now = self.q.now();
        let o = oc!(self);
        let k = o.consumers[c as usize].expect("busy consumer");
        let timeout = o.cfg.timeout;
        let epoch = o.epoch;
        if o.cfg.grpc_channel {
            let st = self.storage.as_ref().expect("an otelcol has a storage");
            let o = self.otelcol.as_mut().expect("the scenario has an otelcol");
            let rng = &mut o.rng_retry;
            let refused = |t| {
                st.outage_at(t)
                    .is_some_and(|x| x.mode == crate::scenario::raw::OutageMode::Refuse)
            };
            if !o.channel.ready_at(now, refused, || rng.r#gen::<f64>()) {
                // TRANSIENT_FAILURE: the RPC fails at once (Unavailable).
                o.consumers[c as usize]
                    .as_mut()
                    .expect("busy consumer")
                    .outcome = Outcome::ConnError;
                self.q
                    .schedule_at(now, Event::OtelExportDone { epoch, consumer: c });
                return;
            }
        }
        // grpc-go marshals in SendMsg, once the stream exists (not when the channel is in
        // TRANSIENT_FAILURE); otlphttp marshals into a buffer of its own, garbage at once;
        // older gRPC codecs encode into fresh slices too (`marshal_copies`).
        if oc!(self).cfg.marshal_pool.is_some() {
            self.oc_marshal_pooled(k.req.wire);
        }
        let copies = oc!(self).cfg.marshal_copies;
        if copies > 0 {
            self.oc_alloc(0, copies * k.req.wire);
        }
        let st = self.storage.as_mut().expect("an otelcol has a storage");
        let r = if timeout > 0 {
            st.request_timed(now, k.req.spans, timeout)
        } else {
            st.request(now, k.req.spans)
        };
        oc!(self).consumers[c as usize]
            .as_mut()
            .expect("busy consumer")
            .outcome = r.outcome;
        self.q
            .schedule_at(r.done_at, Event::OtelExportDone { epoch, consumer: c });
    }

    pub(crate) fn on_otel_export_done(&mut self, c: u32) {
        let now = self.q.now();
        let o = oc!(self);
        let k = o.consumers[c as usize].expect("busy consumer");
        match k.outcome {
            Outcome::Ok { rejected } => {
                self.counters.exported += k.req.spans - rejected;
                self.counters
                    .drop(DropReason::StorageRejected, rejected, now);
                self.export_done(c);
            }
            Outcome::ConnError => {
                let retry = o.cfg.retry.clone();
                if !retry.enabled {
                    self.counters
                        .drop(DropReason::RetriesExhausted, k.req.spans, now);
                    return self.export_done(c);
                }
                let u = o.rng_retry.r#gen::<f64>();
                let k = o.consumers[c as usize].as_mut().expect("busy consumer");
                match backoff::exporterhelper(&mut k.interval, now - k.started, &retry, u) {
                    Some(wait) => {
                        let epoch = o.epoch;
                        self.q
                            .schedule_in(wait, Event::OtelRetry { epoch, consumer: c });
                    }
                    None => {
                        let spans = k.req.spans;
                        self.counters.drop(DropReason::RetriesExhausted, spans, now);
                        if self.counters.first_drop_by[DropReason::RetriesExhausted as usize]
                            == Some(now)
                        {
                            self.event(
                                "retries_exhausted",
                                format!("max elapsed time expired, {spans} spans dropped"),
                            );
                        }
                        self.export_done(c);
                    }
                }
            }
        }
    }

    pub(crate) fn on_otel_retry(&mut self, c: u32) {
        self.export_try(c);
    }

    /// The request is over (delivered or dropped): its memory, disk and queue room free.
    fn export_done(&mut self, c: u32) {
        let o = oc!(self);
        let k = o.consumers[c as usize].take().expect("busy consumer");
        o.heap.free(k.req.mem);
        o.in_flight_spans -= k.req.spans;
        if o.cfg.queue.count_in_flight {
            o.used -= k.size;
        }
        if o.cfg.queue.persistent {
            o.disk_bytes -= k.req.wire;
        }
        o.idle.push(c);
        self.oc_dispatch();
    }

    /// `CheckMemLimits`, every `check_interval`.
    pub(crate) fn on_otel_check(&mut self) {
        let now = self.q.now();
        let o = oc!(self);
        let ml = o.cfg.memory_limiter.clone().expect("limiter configured");
        let epoch = o.epoch;
        self.q
            .schedule_in(ml.check_interval, Event::OtelCheck { epoch });
        let lim = o.limiter.as_mut().expect("limiter state");
        let was = lim.refusing;
        let heap_before = o.heap.heap;
        lim.check(&ml, &mut o.heap, now);
        let is = lim.refusing;
        let heap_after = o.heap.heap;
        if was != is {
            let detail = format!("heap {heap_after} B (before GC {heap_before} B)");
            self.event(
                if is {
                    "limiter_refusing"
                } else {
                    "limiter_resumed"
                },
                detail,
            );
        }
    }

    /// Over the container limit: the process dies with everything in memory. A persistent
    /// queue keeps its files: requests in flight go back to its head.
    pub(crate) fn otelcol_oom_kill(&mut self) {
        let now = self.q.now();
        let o = oc!(self);
        let rss = o.heap.rss();
        let persistent = o.cfg.queue.persistent;
        let mut lost = o.batch.spans + o.blocked_spans;
        if persistent {
            let mut back: Vec<(Req, u64)> = o
                .consumers
                .iter()
                .flatten()
                .map(|k| (k.req, k.size))
                .collect();
            while let Some(item) = back.pop() {
                o.queue.push_front(item);
            }
        } else {
            lost += o.queue_spans + o.in_flight_spans;
            o.queue.clear();
        }
        self.counters.drop(DropReason::Oom, lost, now);
        self.counters.oom_kills += 1;
        self.counters.first_oom.get_or_insert(now);
        self.counters.gc_cycles += o.heap.gc_cycles;
        let limit = o.cfg.memory_limit.unwrap_or(0);
        self.event(
            "oom_kill",
            format!("rss {rss} B > limit {limit} B, {lost} spans lost"),
        );
        let o = oc!(self);
        o.up = false;
        o.oom_pending = false;
        o.epoch += 1;
        o.batch = Req::default();
        o.blocked.clear();
        o.blocked_spans = 0;
        o.consumers.clear();
        o.idle.clear();
        o.in_flight_spans = 0;
        o.queue_spans = o.queue.iter().map(|(r, _)| r.spans).sum();
        o.queue_wire = o.queue.iter().map(|(r, _)| r.wire).sum();
        o.used = o.queue.iter().map(|(_, s)| *s).sum();
        o.heap = GoHeap::new(o.cfg.runtime.clone(), now);
        o.pool.clear();
        let (last, mut crashes) = (o.last_start, o.consecutive_crashes);
        if let Some(up_in) = o.cfg.restart.next_start(&mut crashes, last, now) {
            o.consecutive_crashes = crashes;
            self.q.schedule_in(up_in, Event::OtelUp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_channel_keeps_failing_after_a_refusing_backend_is_back() {
        const S: Nanos = 1_000_000_000;
        // Refusing from 10 s to 50 s.
        let refused = |t: Nanos| (10 * S..50 * S).contains(&t);
        let mut ch = GrpcChannel::default();
        assert!(ch.ready_at(5 * S, refused, || 0.5));
        // The first RPC in the outage loses the connection: next dial 1 s later.
        assert!(!ch.ready_at(10 * S, refused, || 0.5));
        assert_eq!(ch.next_dial, 11 * S);
        // Dials at 11, 12.6, 15.16, 19.26, 25.81, 36.30 s fail; the next is 53.07 s.
        assert!(!ch.ready_at(40 * S, refused, || 0.5));
        assert!(!ch.ready_at(50 * S, refused, || 0.5));
        assert!(!ch.ready_at(53 * S, refused, || 0.5));
        assert_eq!(ch.idx, 6);
        assert!(ch.ready_at(54 * S, refused, || 0.5));
        assert_eq!(ch.idx, 0);
        // A hung backend accepts: the channel stays ready.
        let mut ch = GrpcChannel::default();
        assert!(ch.ready_at(20 * S, |_| false, || 0.5));
    }

    #[test]
    fn take_splits_pro_rata_and_conserves() {
        let mut r = Req {
            spans: 10,
            wire: 1001,
            mem: 5003,
        };
        let h = r.take(3);
        assert_eq!(h.spans + r.spans, 10);
        assert_eq!(h.wire + r.wire, 1001);
        assert_eq!(h.mem + r.mem, 5003);
        assert_eq!(h.wire, 300);
        let all = r.take(100);
        assert_eq!(all.spans, 7);
        assert_eq!(r, Req::default());
    }
}
