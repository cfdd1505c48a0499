//! Tracers inside the application process, as their code does it.
//!
//! **Envoy + Datadog** (`envoy-datadog`; reference §3.2 and `docs/research/istio-datadog-tracer.md`):
//! * one tracer per Envoy worker thread; a request is served by one worker;
//! * a span is registered when its request starts and finished when it ends
//!   (`WritingSpanBuffer::registerSpan`/`finishSpan`); a trace is written to the worker's
//!   buffer when all its registered spans have finished. With `trace_ids = "shared"` (every
//!   request carrying `x-datadog-trace-id: 0`) all requests on a worker join one pending
//!   trace that completes only at an instant when no request is in flight on that worker;
//! * every `flush_interval` the worker encodes all finished traces (transient copies of the
//!   payload), POSTs one request to the agent with `request_timeout`, and clears the buffer
//!   whatever the outcome: no retry, no cap, every sampling priority sent (Envoy
//!   `datadog_tracer_impl.cc`, dd-opentracing-cpp `span_buffer.cpp`, dd-trace-cpp
//!   `datadog_agent.cpp`). The request body lives until the answer or the timeout; Envoy's
//!   circuit breaker (`max_requests`) refuses requests beyond its limit.
//! * Opt-in, not in the real tracer: `span_limit` / `span_limit_bytes` refuse new spans once
//!   a worker buffers that many (the fix istio#33073 asked for), and `partial_flush_min_spans`
//!   writes a pending trace's finished spans once there are that many (as dd-trace-java does).
//!
//! **OpenTelemetry SDK BatchSpanProcessor** (`otel-sdk`; reference §4): a bounded queue of
//! `max_queue_size` spans, sampled spans only; when full the new span is dropped (Go, Rust,
//! Java) or the oldest (Python's deque). An export of up to `max_export_batch_size` spans
//! starts when that many are queued or every `scheduled_delay`, at most
//! `max_concurrent_exports` at a time; while exports are in flight the queue keeps filling.
//! The exporter retries as the language's OTLP exporter does (`RetryPolicy`), each attempt
//! bounded by the exporter timeout, the whole export by the processor's or exporter's
//! deadline; a batch that fails for good is dropped.
//!
//! Memory is a native heap (no GC): baseline + slots allocated up front + buffered spans +
//! request bodies, RSS following the allocator's high-water mark.

use super::agent::Reply;
use super::{Event, Simulation};
use crate::memory::NativeHeap;
use crate::metrics::{DropReason, TracerStats};
use crate::policy::{admission, backoff};
use crate::scenario::tracer::{Tracer, TracerModel};
use crate::sim::{Nanos, Slab, Stream, Streams};
use rand::Rng;
use rand_pcg::Pcg64;
use std::collections::VecDeque;

/// An application request in flight: its spans are registered (allocated) but unfinished.
#[derive(Debug)]
pub(crate) struct Req {
    worker: u32,
    wires: Vec<u32>,
    mem: u64,
}

/// An export (a POST to the agent or an OTLP export) in flight, between attempts included.
#[derive(Debug)]
pub(crate) struct Export {
    wires: Vec<u32>,
    wire_bytes: u64,
    /// Heap bytes it holds: the spans (OpenTelemetry) and the encoded body.
    mem: u64,
    started: Nanos,
    retries: u32,
    reply: Reply,
}

/// One Envoy worker's Datadog tracer buffer.
#[derive(Clone, Debug, Default)]
pub struct DdWorker {
    /// Requests in flight on this worker.
    inflight: u64,
    /// Spans of those requests, and their bytes.
    registered: u64,
    registered_mem: u64,
    /// Finished spans of the shared pending trace.
    pending: Vec<u32>,
    pending_mem: u64,
    /// Spans of complete traces waiting for the next flush.
    finished: Vec<u32>,
    finished_mem: u64,
}

impl DdWorker {
    /// A request on this worker ends and its spans finish (`WritingSpanBuffer::finishSpan`).
    /// A per-request trace is complete at once; the shared trace only when no request is in
    /// flight on the worker, or, with the opt-in partial flush, once `partial` spans finished.
    pub fn finish_spans(&mut self, wires: &[u32], mem: u64, shared: bool, partial: Option<u64>) {
        self.inflight -= 1;
        self.registered -= wires.len() as u64;
        self.registered_mem -= mem;
        if shared {
            self.pending.extend_from_slice(wires);
            self.pending_mem += mem;
            let complete = self.inflight == 0;
            if complete || partial.is_some_and(|p| self.pending.len() as u64 >= p) {
                self.finished.append(&mut self.pending);
                self.finished_mem += std::mem::take(&mut self.pending_mem);
            }
        } else {
            self.finished.extend_from_slice(wires);
            self.finished_mem += mem;
        }
    }

    /// A request starts on this worker: its spans are registered.
    pub fn register(&mut self, spans: u64, mem: u64) {
        self.inflight += 1;
        self.registered += spans;
        self.registered_mem += mem;
    }

    /// Spans waiting for the flush (complete traces).
    pub fn finished(&self) -> usize {
        self.finished.len()
    }

    /// Finished spans of the shared trace, waiting for it to complete.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    pub fn buffered(&self) -> u64 {
        self.registered + self.pending.len() as u64 + self.finished.len() as u64
    }
    pub fn buffered_mem(&self) -> u64 {
        self.registered_mem + self.pending_mem + self.finished_mem
    }
}

pub struct TracerProc {
    pub cfg: Tracer,
    pub up: bool,
    pub epoch: u32,
    pub oom_pending: bool,
    pub heap: NativeHeap,
    pub stats: TracerStats,
    consecutive_crashes: u32,
    last_start: Nanos,
    reqs: Slab<Req>,
    /// Spans of in-flight application requests.
    active_spans: u64,
    workers: Vec<DdWorker>,
    /// The BatchSpanProcessor's queue (wire sizes).
    queue: VecDeque<u32>,
    exporting: u32,
    exports: Slab<Export>,
    export_spans: u64,
    /// Wire bytes of spans waiting to be sent (queue, pending and finished buffers).
    waiting_wire: u64,
    /// Largest span generated so far [wire bytes] (for the memory bound).
    pub max_wire: u32,
    spare: Vec<Vec<u32>>,
    rng_worker: Pcg64,
    rng_retry: Pcg64,
    rng_sample: Pcg64,
}

impl TracerProc {
    pub fn new(cfg: &Tracer, streams: &Streams) -> Self {
        TracerProc {
            up: false,
            epoch: 0,
            oom_pending: false,
            heap: NativeHeap::new(cfg.memory.baseline, 0.0, true),
            stats: TracerStats {
                memory_limit: cfg.memory.limit,
                ..TracerStats::default()
            },
            consecutive_crashes: 0,
            last_start: 0,
            reqs: Slab::default(),
            active_spans: 0,
            workers: Vec::new(),
            queue: VecDeque::new(),
            exporting: 0,
            exports: Slab::default(),
            export_spans: 0,
            waiting_wire: 0,
            max_wire: 0,
            spare: Vec::new(),
            rng_worker: streams.get(Stream::TracerWorkers),
            rng_retry: streams.get(Stream::ExportRetry),
            rng_sample: streams.get(Stream::Sampling),
            cfg: cfg.clone(),
        }
    }

    /// Spans held in this process: in-flight requests, buffers, queue, exports.
    pub fn held(&self) -> u64 {
        self.active_spans + self.waiting() + self.export_spans
    }

    /// Spans waiting to be sent.
    pub fn waiting(&self) -> u64 {
        self.queue.len() as u64
            + self
                .workers
                .iter()
                .map(|w| (w.pending.len() + w.finished.len()) as u64)
                .sum::<u64>()
    }

    pub fn waiting_wire(&self) -> u64 {
        self.waiting_wire
    }

    pub fn in_flight_requests_spans(&self) -> u64 {
        self.active_spans
    }

    pub fn export_spans(&self) -> u64 {
        self.export_spans
    }

    /// Capacity of the span buffer, when bounded.
    pub fn capacity(&self) -> Option<u64> {
        match &self.cfg.model {
            TracerModel::Otel(o) => Some(o.max_queue_size),
            TracerModel::Datadog(d) => d.span_limit.map(|l| l * d.workers as u64),
        }
    }

    fn fixed_bytes(&self) -> u64 {
        let m = &self.cfg.memory;
        match &self.cfg.model {
            TracerModel::Otel(o) => m.baseline + m.queue_slot * o.max_queue_size,
            TracerModel::Datadog(_) => m.baseline,
        }
    }

    fn take_vec(&mut self) -> Vec<u32> {
        self.spare.pop().unwrap_or_default()
    }

    fn recycle(&mut self, mut v: Vec<u32>) {
        if self.spare.len() < 64 && v.capacity() <= 1 << 16 {
            v.clear();
            self.spare.push(v);
        }
    }

    /// The most RSS this tracer can reach under its configured bounds, for spans no larger
    /// than the largest this run generated; None when its buffers are unbounded.
    pub fn memory_bound(&self, has_request_durations: bool) -> Option<u64> {
        let m = &self.cfg.memory;
        let w_max = self.max_wire as f64;
        let s_max = m.span_bytes(self.max_wire) as f64;
        let s_min = m.span_bytes(1).max(1) as f64;
        let held = match &self.cfg.model {
            TracerModel::Datadog(d) => {
                if d.span_limit.is_none() && d.span_limit_bytes.is_none() {
                    return None;
                }
                // Spans per worker buffer, and their bytes.
                let mut n = d.span_limit.map_or(f64::INFINITY, |l| l as f64);
                let mut buf = n * s_max;
                if let Some(b) = d.span_limit_bytes {
                    n = n.min((b as f64 / s_min).floor());
                    buf = buf.min(b as f64);
                }
                // A flush sends at most one buffer; bodies live until the answer or the
                // timeout. Sends are at least a flush interval apart (the timer is re-armed
                // after each flush), so at most timeout / interval + 1 bodies per worker are
                // alive; one encode's transient copies exist at a time.
                let per_worker_inflight =
                    (d.request_timeout / d.flush_interval + 1).min(d.max_requests) as f64;
                let body = n * w_max;
                d.workers as f64 * (buf + per_worker_inflight * body) + d.payload_copies * body
            }
            TracerModel::Otel(o) => {
                if has_request_durations {
                    return None; // spans of requests in flight are not bounded by the SDK
                }
                let batch = o.max_export_batch_size as f64;
                let conc = o.max_concurrent_exports as f64;
                // Python's queue holds one more while it drops the oldest.
                o.max_queue_size as f64 * s_max + conc * batch * (s_max + w_max) + s_max
            }
        };
        Some(self.fixed_bytes() + (held * (1.0 + m.alloc_overhead)).ceil() as u64)
    }
}

/// The opt-in span limit: how many of a new request's spans (in-memory sizes `spans`) a worker
/// buffering `count` spans of `bytes` bytes admits; the rest are refused.
pub fn span_limit_admits(
    limit: Option<u64>,
    limit_bytes: Option<u64>,
    mut count: u64,
    mut bytes: u64,
    spans: impl Iterator<Item = u64>,
) -> usize {
    let mut keep = 0;
    for s in spans {
        if limit.is_some_and(|l| count >= l) || limit_bytes.is_some_and(|b| bytes + s > b) {
            break;
        }
        count += 1;
        bytes += s;
        keep += 1;
    }
    keep
}

macro_rules! tr {
    ($s:ident) => {
        $s.tracer.as_mut().expect("the scenario has a tracer")
    };
}

impl Simulation {
    #[inline]
    fn tracer_alloc(&mut self, bytes: u64, transient: u64) {
        let t = tr!(self);
        t.heap.alloc(bytes);
        t.heap.transient(transient);
        let rss = t.heap.rss();
        if rss > t.stats.peak_rss {
            t.stats.peak_rss = rss;
        }
        t.stats.peak_live = t.stats.peak_live.max(t.heap.live);
        if t.cfg.memory.limit.is_some_and(|l| rss > l) {
            t.oom_pending = true;
        }
    }

    fn tracer_note_buffered(&mut self) {
        let t = tr!(self);
        let b = t.held();
        if b > t.stats.peak_buffered {
            t.stats.peak_buffered = b;
        }
    }

    /// The tracer's process starts (t = 0, or after a crash-loop back-off).
    pub(crate) fn tracer_start(&mut self) {
        let now = self.q.now();
        let t = tr!(self);
        t.up = true;
        t.last_start = now;
        let m = &t.cfg.memory;
        t.heap = NativeHeap::new(t.fixed_bytes(), m.alloc_overhead, m.retain_freed);
        let epoch = t.epoch;
        match &t.cfg.model {
            TracerModel::Datadog(d) => {
                t.workers = vec![DdWorker::default(); d.workers as usize];
                let every = d.flush_interval;
                for w in 0..d.workers {
                    self.q
                        .schedule_in(every, Event::TracerFlush { epoch, worker: w });
                }
            }
            TracerModel::Otel(o) => {
                let every = o.scheduled_delay;
                self.q.schedule_in(every, Event::BspTick { epoch });
            }
        }
        self.tracer_alloc(0, 0);
        if now > 0 {
            tr!(self).stats.restarts += 1;
            self.event_of("tracer", "restart", String::new());
        }
    }

    /// A request arrives at the application: its `n` spans start now.
    pub(crate) fn tracer_request(&mut self, n: u32) {
        let now = self.q.now();
        let mut wires = tr!(self).take_vec();
        for _ in 0..n {
            wires.push(self.workload.span_wire_size());
        }
        let duration = self.workload.request_duration();
        self.counters.generated += n as u64;
        let t = tr!(self);
        if let Some(&m) = wires.iter().max() {
            t.max_wire = t.max_wire.max(m);
        }
        if !t.up {
            self.counters.drop(DropReason::TracerDown, n as u64, now);
            tr!(self).recycle(wires);
            return;
        }
        if t.cfg.sampler_ratio < 1.0 && t.rng_sample.r#gen::<f64>() >= t.cfg.sampler_ratio {
            self.counters.drop(DropReason::Unsampled, n as u64, now);
            tr!(self).recycle(wires);
            return;
        }
        let worker = match &t.cfg.model {
            TracerModel::Datadog(d) if d.workers > 1 => t.rng_worker.gen_range(0..d.workers),
            _ => 0,
        };
        // The opt-in span limit refuses spans at creation.
        let mut refused = 0u64;
        if let TracerModel::Datadog(d) = &t.cfg.model {
            let w = &t.workers[worker as usize];
            let m = &t.cfg.memory;
            let keep = span_limit_admits(
                d.span_limit,
                d.span_limit_bytes,
                w.buffered(),
                w.buffered_mem(),
                wires.iter().map(|&x| m.span_bytes(x)),
            );
            refused = (wires.len() - keep) as u64;
            wires.truncate(keep);
        }
        self.counters.drop(DropReason::SpanLimit, refused, now);
        if wires.is_empty() {
            tr!(self).recycle(wires);
            return;
        }
        let t = tr!(self);
        let mem: u64 = wires.iter().map(|&w| t.cfg.memory.span_bytes(w)).sum();
        t.active_spans += wires.len() as u64;
        if let TracerModel::Datadog(_) = t.cfg.model {
            t.workers[worker as usize].register(wires.len() as u64, mem);
        }
        self.tracer_alloc(mem, 0);
        self.tracer_note_buffered();
        if duration == 0 {
            self.tracer_request_end(Req { worker, wires, mem });
        } else {
            let t = tr!(self);
            let epoch = t.epoch;
            let slot = t.reqs.insert(Req { worker, wires, mem });
            self.q
                .schedule_in(duration, Event::RequestEnd { epoch, slot });
        }
    }

    pub(crate) fn on_request_end(&mut self, slot: u32) {
        if let Some(r) = tr!(self).reqs.remove(slot) {
            self.tracer_request_end(r);
        }
    }

    /// The request ends: its spans finish.
    fn tracer_request_end(&mut self, r: Req) {
        let now = self.q.now();
        let t = tr!(self);
        t.active_spans -= r.wires.len() as u64;
        match &t.cfg.model {
            TracerModel::Datadog(d) => {
                let (shared, partial) = (d.shared_trace, d.partial_flush_min_spans);
                t.waiting_wire += r.wires.iter().map(|&w| w as u64).sum::<u64>();
                let w = &mut t.workers[r.worker as usize];
                w.finish_spans(&r.wires, r.mem, shared, partial);
                t.recycle(r.wires);
            }
            TracerModel::Otel(o) => {
                let (cap, drop_oldest) = (o.max_queue_size, o.drop_oldest);
                let mut dropped = 0u64;
                for &wire in r.wires.iter() {
                    t.waiting_wire += wire as u64;
                    if let Some(old) = admission::bsp_enqueue(&mut t.queue, cap, drop_oldest, wire)
                    {
                        dropped += 1;
                        t.heap.free(t.cfg.memory.span_bytes(old));
                        t.waiting_wire -= old as u64;
                    }
                }
                t.recycle(r.wires);
                self.counters
                    .drop(DropReason::TracerQueueFull, dropped, now);
                self.bsp_pump();
            }
        }
    }

    /// A Datadog worker's flush timer.
    pub(crate) fn on_tracer_flush(&mut self, worker: u32) {
        let now = self.q.now();
        let t = tr!(self);
        let TracerModel::Datadog(d) = &t.cfg.model else {
            return;
        };
        let (every, copies, max_requests, timeout) = (
            d.flush_interval,
            d.payload_copies,
            d.max_requests,
            d.request_timeout,
        );
        let epoch = t.epoch;
        let w = &mut t.workers[worker as usize];
        if !w.finished.is_empty() {
            let fresh = t.spare.pop().unwrap_or_default();
            let wires = std::mem::replace(&mut w.finished, fresh);
            let span_mem = std::mem::take(&mut w.finished_mem);
            let wire_bytes: u64 = wires.iter().map(|&x| x as u64).sum();
            t.waiting_wire -= wire_bytes;
            // Encode (transient copies), send the body, clearTraces().
            let transient = (copies * wire_bytes as f64) as u64;
            t.heap.free(span_mem);
            if t.exports.len() as u64 >= max_requests {
                self.counters
                    .drop(DropReason::ExportOverflow, wires.len() as u64, now);
                self.tracer_alloc(0, transient);
                tr!(self).recycle(wires);
            } else {
                self.tracer_alloc(wire_bytes, transient);
                self.send_export(wires, wire_bytes, wire_bytes, timeout);
            }
        }
        // The timer is re-armed after the flush (envoy#5358).
        self.q
            .schedule_in(every, Event::TracerFlush { epoch, worker });
    }

    /// BatchSpanProcessor: start exports while a full batch is queued.
    fn bsp_pump(&mut self) {
        loop {
            let t = tr!(self);
            let TracerModel::Otel(o) = &t.cfg.model else {
                return;
            };
            if t.exporting >= o.max_concurrent_exports
                || (t.queue.len() as u64) < o.max_export_batch_size
            {
                return;
            }
            let batch = o.max_export_batch_size;
            self.bsp_export(batch);
        }
    }

    pub(crate) fn on_bsp_tick(&mut self) {
        let t = tr!(self);
        let TracerModel::Otel(o) = &t.cfg.model else {
            return;
        };
        let epoch = t.epoch;
        self.q
            .schedule_in(o.scheduled_delay, Event::BspTick { epoch });
        if t.exporting < o.max_concurrent_exports && !t.queue.is_empty() {
            let n = (t.queue.len() as u64).min(o.max_export_batch_size);
            self.bsp_export(n);
        }
        self.bsp_pump();
    }

    fn bsp_export(&mut self, n: u64) {
        let t = tr!(self);
        let TracerModel::Otel(o) = &t.cfg.model else {
            return;
        };
        let timeout = o.attempt_timeout;
        let mut wires = t.spare.pop().unwrap_or_default();
        wires.extend(t.queue.drain(..n as usize));
        let wire_bytes: u64 = wires.iter().map(|&x| x as u64).sum();
        let span_mem: u64 = wires.iter().map(|&x| t.cfg.memory.span_bytes(x)).sum();
        t.waiting_wire -= wire_bytes;
        t.exporting += 1;
        // The spans stay in the batch until the export returns; the encoded request joins them.
        self.tracer_alloc(wire_bytes, 0);
        self.send_export(wires, wire_bytes, span_mem + wire_bytes, timeout);
    }

    fn send_export(&mut self, wires: Vec<u32>, wire_bytes: u64, mem: u64, timeout: Nanos) {
        let now = self.q.now();
        let t = tr!(self);
        t.export_spans += wires.len() as u64;
        let slot = t.exports.insert(Export {
            wires,
            wire_bytes,
            mem,
            started: now,
            retries: 0,
            reply: Reply::Ok,
        });
        self.export_attempt(slot, timeout);
    }

    /// One attempt of export `slot`, the client giving up after `timeout`.
    fn export_attempt(&mut self, slot: u32, timeout: Nanos) {
        let now = self.q.now();
        let t = tr!(self);
        let epoch = t.epoch;
        let e = t.exports.get_mut(slot).expect("live export");
        let (spans, bytes) = (e.wires.len() as u64, e.wire_bytes);
        let (done, reply) = match self.agent.as_mut() {
            Some(a) => a.request(now, spans, bytes, timeout),
            // Straight to the collector's receiver: accepted while the process is up (an
            // OpenTelemetry Collector may still refuse it when the request arrives).
            None => match self.collector_up() {
                Some(true) => (now, Reply::Ok),
                _ => (now + 1_000_000, Reply::ConnError),
            },
        };
        tr!(self).exports.get_mut(slot).expect("live export").reply = reply;
        self.q.schedule_at(done, Event::ExportDone { epoch, slot });
    }

    pub(crate) fn on_export_done(&mut self, slot: u32) {
        let now = self.q.now();
        let t = tr!(self);
        let e = t.exports.get_mut(slot).expect("live export");
        let mut reply = e.reply;
        if reply == Reply::Ok && self.agent.is_none() && self.otelcol.is_some() {
            // The OTLP receiver answers: delivered, or refused (retryable for the SDK).
            let req = self
                .otelcol
                .as_ref()
                .expect("checked")
                .request(e.wires.iter().map(|&w| w as u64));
            reply = match self.otelcol_receive(req) {
                Ok(()) => Reply::Ok,
                Err(DropReason::CollectorDown) => Reply::ConnError,
                Err(DropReason::PayloadTooLarge) => Reply::TooLarge,
                Err(_) => Reply::Error,
            };
        }
        let t = tr!(self);
        let e = t.exports.get_mut(slot).expect("live export");
        match reply {
            Reply::Ok => self.export_finished(slot, None),
            Reply::TooLarge => self.export_finished(slot, Some(DropReason::PayloadTooLarge)),
            Reply::Error | Reply::ConnError => {
                let TracerModel::Otel(o) = &t.cfg.model else {
                    // Envoy's Datadog driver: no retry.
                    return self.export_finished(slot, Some(DropReason::ExportFailed));
                };
                let (started, retries) = (e.started, e.retries);
                let u = t.rng_retry.r#gen::<f64>();
                let retry_at =
                    backoff::sdk_retry(&o.retry, o.export_deadline, started, now, retries, u);
                if let Some(at) = retry_at {
                    let epoch = t.epoch;
                    t.exports.get_mut(slot).expect("live export").retries = retries + 1;
                    self.q.schedule_at(at, Event::ExportRetry { epoch, slot });
                } else {
                    self.export_finished(slot, Some(DropReason::ExportFailed));
                }
            }
        }
    }

    pub(crate) fn on_export_retry(&mut self, slot: u32) {
        let now = self.q.now();
        let t = tr!(self);
        let TracerModel::Otel(o) = &t.cfg.model else {
            return;
        };
        let started = t.exports.get_mut(slot).expect("live export").started;
        let mut timeout = o.attempt_timeout;
        if let Some(d) = o.export_deadline {
            timeout = timeout.min(started.saturating_add(d).saturating_sub(now).max(1));
        }
        self.export_attempt(slot, timeout);
    }

    /// An export is over: delivered (`None`) or lost for `reason`.
    fn export_finished(&mut self, slot: u32, reason: Option<DropReason>) {
        let now = self.q.now();
        let t = tr!(self);
        let e = t.exports.remove(slot).expect("live export");
        t.heap.free(e.mem);
        t.export_spans -= e.wires.len() as u64;
        let otel = matches!(t.cfg.model, TracerModel::Otel(_));
        if otel {
            t.exporting -= 1;
        }
        match reason {
            Some(r) => self.counters.drop(r, e.wires.len() as u64, now),
            None if self.collector.is_some() => {
                for &wire in e.wires.iter() {
                    self.receive_span(wire);
                    if col_oom(self) {
                        self.oom_kill();
                    }
                }
            }
            // Straight to an OpenTelemetry Collector: it took the spans when it answered.
            None if self.otelcol.is_some() && self.agent.is_none() => {}
            // Forwarded by the agent, which does not retry a refusal.
            None if self.otelcol.is_some() => {
                let req = self
                    .otelcol
                    .as_ref()
                    .expect("checked")
                    .request(e.wires.iter().map(|&w| w as u64));
                if let Err(reason) = self.otelcol_receive(req) {
                    self.counters.drop(reason, req.spans, now);
                }
            }
            None => self.counters.exported += e.wires.len() as u64,
        }
        tr!(self).recycle(e.wires);
        if otel {
            self.bsp_pump();
        }
    }

    /// The tracer's container went over its limit: everything it held is lost.
    pub(crate) fn tracer_oom_kill(&mut self) {
        let now = self.q.now();
        let t = tr!(self);
        let held = t.held();
        let rss = t.heap.rss();
        let limit = t.cfg.memory.limit.unwrap_or(0);
        t.stats.oom_kills += 1;
        t.stats.first_oom.get_or_insert(now);
        self.counters.drop(DropReason::Oom, held, now);
        self.event_of(
            "tracer",
            "oom_kill",
            format!("rss {rss} B > limit {limit} B, {held} spans lost"),
        );
        let t = tr!(self);
        t.up = false;
        t.oom_pending = false;
        t.epoch += 1;
        t.reqs.clear();
        t.active_spans = 0;
        t.workers.clear();
        t.queue.clear();
        t.exports.clear();
        t.export_spans = 0;
        t.exporting = 0;
        t.waiting_wire = 0;
        t.heap = NativeHeap::new(0, 0.0, false);
        let (last, mut crashes) = (t.last_start, t.consecutive_crashes);
        if let Some(up_in) = t.cfg.restart.next_start(&mut crashes, last, now) {
            t.consecutive_crashes = crashes;
            self.q.schedule_in(up_in, Event::TracerUp);
        }
    }
}

fn col_oom(s: &Simulation) -> bool {
    s.collector.as_ref().is_some_and(|c| c.oom_pending)
}
