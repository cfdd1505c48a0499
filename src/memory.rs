//! Runtime memory of a process that holds spans.
//!
//! Two pieces, both pure and free of simulation state:
//!
//! * [`GoHeap`]: the Go runtime's heap as the garbage collector paces it. Live bytes are what
//!   the process still references (queued spans, in-flight writes, bulk buffers); allocations
//!   that are dropped at once (decode buffers, rejected spans) are garbage. A collection runs
//!   when the heap reaches its goal, `live + (live + roots) * GOGC/100` (Go >= 1.18 counts
//!   roots; before 1.18 the goal is `live * (1 + GOGC/100)`), never below the minimum heap
//!   (4 MiB x GOGC/100) nor below the live heap plus the 1 MiB sweep distance, and capped by
//!   GOMEMLIMIT when set (go.dev/doc/gc-guide, proposal 48409). `GOGC=off` has no goal: only
//!   GOMEMLIMIT (or a forced `runtime.GC`) collects; `GOGC=0` collects whenever the heap has
//!   grown the sweep distance past what is live (see [`Gogc`]). Pages the
//!   heap grew into stay resident after a collection; the background scavenger hands them
//!   back lazily, down to 10% above the heap goal (Go runtime `mgcscavenge.go`, "retain
//!   heapGoal * 1.1"), at a bounded rate. RSS = baseline (binary, runtime, stacks) + retained
//!   heap pages. Go 1.12 to 1.15 released pages with MADV_FREE, so they stayed in RSS until
//!   the kernel needed them (at the container limit, before any OOM kill); from Go 1.16
//!   released pages leave RSS at once. See `reference/pipeline-mechanics.md` §5.1.
//!
//! * [`JaegerSpanModel`]: the in-memory size of one decoded Jaeger domain span
//!   (`model.Span`, gogo-protobuf Go structs) from its wire size and shape: struct sizes from
//!   the amd64 layout, the `Tags []KeyValue` backing array grown by `append` as Go's
//!   `growslice` does, and every string a separate allocation rounded up to a Go size class.
//!   Reference §1.3 and §5.2. Nothing here is a fitted ratio.

/// Go's small-object size classes (runtime/sizeclasses.go), bytes. The 24-byte class exists
/// from Go 1.18 on (it is filtered out for older versions).
const GO_SIZE_CLASSES: [u32; 68] = [
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352,
    384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048,
    2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
    10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672,
    30720, 32768,
];

/// Go version as (major, minor), e.g. (1, 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoVersion(pub u32, pub u32);

impl GoVersion {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().trim_start_matches("go");
        let mut it = s.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        Some(GoVersion(major, minor))
    }
    fn has_24_byte_class(self) -> bool {
        self >= GoVersion(1, 18)
    }
    /// Go 1.12 to 1.15 released pages on Linux with MADV_FREE: they stay in the process's RSS
    /// until the kernel needs them (Go 1.16 release notes: "the runtime now defaults to
    /// releasing memory to the operating system promptly (using MADV_DONTNEED)").
    fn lazy_release(self) -> bool {
        self >= GoVersion(1, 12) && self < GoVersion(1, 16)
    }
    /// GOMEMLIMIT (and debug.SetMemoryLimit) appeared in Go 1.19 (release notes: "The
    /// runtime now includes support for a soft memory limit"); older runtimes ignore it.
    pub fn has_memory_limit(self) -> bool {
        self >= GoVersion(1, 19)
    }
    fn roots_in_goal(self) -> bool {
        self >= GoVersion(1, 18)
    }
    /// growslice switched from "double below 1024" to "double below 256, then smooth" in 1.18.
    fn growslice_threshold(self) -> u64 {
        if self >= GoVersion(1, 18) { 256 } else { 1024 }
    }
}

/// Bytes the Go allocator hands out for a request of `size` bytes.
pub fn go_alloc_size(size: u64, go: GoVersion) -> u64 {
    if size == 0 {
        return 0;
    }
    if size > 32768 {
        // Large objects take whole 8 KiB pages.
        return size.div_ceil(8192) * 8192;
    }
    let skip24 = !go.has_24_byte_class();
    // A linear scan over 68 entries is fine: results are cached per span shape by callers.
    for &c in GO_SIZE_CLASSES.iter() {
        if skip24 && c == 24 {
            continue;
        }
        if c as u64 >= size {
            return c as u64;
        }
    }
    32768
}

/// `go_alloc_size` as lookup tables, like the runtime's size_to_class8/size_to_class128:
/// the per-span hot path must not scan the class list.
#[derive(Clone, Debug)]
pub struct SizeClassTable {
    go: GoVersion,
    by8: Vec<u16>,
    by128: Vec<u16>,
}

impl SizeClassTable {
    pub fn new(go: GoVersion) -> Self {
        let by8 = (0..=1024 / 8)
            .map(|i| go_alloc_size(i * 8, go) as u16)
            .collect();
        let by128 = (0..=(32768 - 1024) / 128)
            .map(|i| go_alloc_size(1024 + i * 128, go) as u16)
            .collect();
        SizeClassTable { go, by8, by128 }
    }

    #[inline]
    pub fn get(&self, size: u64) -> u64 {
        if size <= 1024 {
            self.by8[size.div_ceil(8) as usize] as u64
        } else if size <= 32768 {
            self.by128[(size - 1024).div_ceil(128) as usize] as u64
        } else {
            go_alloc_size(size, self.go)
        }
    }
}

/// Capacity of a slice after appending one element at a time from nil up to `len` elements,
/// as runtime.growslice computes it (doubling, then size-class rounding of the new array).
pub fn go_append_capacity(len: u64, elem: u64, go: GoVersion) -> u64 {
    let mut cap = 0u64;
    let mut n = 0u64;
    while n < len {
        n += 1;
        if n > cap {
            let old = cap;
            let doubled = old * 2;
            let mut newcap = if n > doubled {
                n
            } else if old < go.growslice_threshold() {
                doubled
            } else if go >= GoVersion(1, 18) {
                let mut c = old;
                while c < n {
                    c += (c + 3 * 256) / 4;
                }
                c
            } else {
                let mut c = old;
                while c < n {
                    c += c / 4;
                }
                c
            };
            newcap = go_alloc_size(newcap * elem, go) / elem;
            cap = newcap;
        }
    }
    cap
}

/// GOGC as the Go runtime reads it (`readGOGC` in runtime/mgcpacer.go: `"off"` is -1, an
/// integer is the percentage).
///
/// * `Percent(p)`: the next cycle starts when the heap reaches `live + (live + roots) * p/100`
///   (`gcControllerState.commit`), but never below `heapMinimum = 4 MiB * p/100`
///   (`setGCPercent`; scaled so that GOGC=0 has no minimum, golang/go#10681) and never before
///   the heap has grown `sweepMinHeapDistance` (1 MiB, runtime/mgc.go) past the live heap
///   the last cycle left (`sweepDistMinTrigger = heapLive + sweepMinHeapDistance` at mark
///   termination; `gcSetTriggerRatio`'s `sweepMin` before Go 1.18).
/// * `Percent(0)` therefore collects "continuously" (the runtime docs) yet at most once per
///   MiB allocated: the heap goal is the live heap, the trigger 1 MiB above it. That bound is
///   Go's, and it keeps the model's cost bounded too: a collection here is O(1) and happens
///   inline in the allocation that reaches the goal (no event), so a run does at most one
///   per MiB it allocates, however small GOGC is.
/// * `Off`: `gcPercentHeapGoal` is infinite; the heap grows until GOMEMLIMIT's goal (Go
///   1.19+) calls for a cycle, or a forced `runtime.GC()` (the memory_limiter's) runs one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gogc {
    Off,
    Percent(u32),
}

impl Gogc {
    /// Go reads GOGC as an int32 (`strconv.ParseInt(p, 10, 32)`).
    pub const MAX_PERCENT: i64 = i32::MAX as i64;

    /// A percentage as written; negative values are refused (Go takes any negative value as
    /// off: say "off" instead).
    pub fn from_percent(p: i64) -> Result<Gogc, String> {
        if p < 0 {
            return Err(format!(
                "`{p}`: a negative GOGC turns the collector off in Go; write \"off\""
            ));
        }
        if p > Self::MAX_PERCENT {
            return Err(format!(
                "`{p}` is above {} (Go reads GOGC as an int32); write \"off\" for no GC",
                Self::MAX_PERCENT
            ));
        }
        Ok(Gogc::Percent(p as u32))
    }

    /// `"off"` or a whole percentage (`"100"`), as the GOGC environment variable is written.
    pub fn parse(s: &str) -> Result<Gogc, String> {
        let t = s.trim();
        if t == "off" {
            return Ok(Gogc::Off);
        }
        match t.parse::<i64>() {
            Ok(p) => Gogc::from_percent(p),
            Err(_) => Err(format!(
                "`{s}` is not a GOGC value: a percentage such as 100, 0 (collect continually) or \"off\""
            )),
        }
    }
}

impl std::fmt::Display for Gogc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Gogc::Off => f.write_str("off"),
            Gogc::Percent(p) => write!(f, "{p}"),
        }
    }
}

/// `sweepMinHeapDistance` (runtime/mgc.go): the heap grows at least this much past the live
/// heap between two cycles, whatever GOGC [bytes].
pub const SWEEP_MIN_HEAP_DISTANCE: u64 = 1 << 20;

/// Parameters of the Go runtime of one process.
#[derive(Clone, Debug)]
pub struct GoRuntimeConfig {
    pub version: GoVersion,
    /// RSS that is not Go heap: binary text, runtime structures, goroutine stacks [bytes].
    pub baseline: u64,
    /// GC roots (globals + stacks) counted in the heap goal from Go 1.18 [bytes].
    pub roots: u64,
    /// GOGC: a percentage (100 by default) or off.
    pub gogc: Gogc,
    /// GOMEMLIMIT [bytes], soft limit on all Go-managed memory.
    pub memlimit: Option<u64>,
    /// Minimum heap goal at GOGC=100 [bytes]; the runtime scales it by GOGC/100.
    pub min_heap: u64,
    /// Rate at which the background scavenger returns free pages to the OS [bytes/s].
    pub scavenge_rate: f64,
    /// Heap the program keeps whatever its load (its components, parsed config, telemetry
    /// SDK, compiled regexps): live from the start [bytes].
    pub static_heap: u64,
    /// Runtime metadata per byte of the heap's high-water mark, never returned to the OS:
    /// span structures (`mheap_.spanalloc`, a fixalloc whose memory is reused but never
    /// freed) and the GC's own structures (`persistentalloc`: arena metadata, work buffers).
    pub metadata_ratio: f64,
}

/// The heap of one Go process, driven by allocations and frees.
#[derive(Clone, Debug)]
pub struct GoHeap {
    cfg: GoRuntimeConfig,
    /// Bytes still referenced.
    pub live: u64,
    /// Bytes allocated since the last collection that are still on the heap (live + garbage).
    pub heap: u64,
    /// Heap size that triggers the next collection.
    pub goal: u64,
    /// Heap pages held from the OS.
    pub retained: u64,
    /// Pages released with MADV_FREE (Go 1.12-1.15): still counted in RSS until reclaimed.
    pub lazy_freed: u64,
    pub gc_cycles: u64,
    last_scavenge_ns: u64,
    /// Bytes in `sync.Pool`s put back since the last collection (the pools' primary caches)
    /// and before it (their victim caches). Both are live: the pool still references them.
    /// At each collection the victims are dropped and the primaries become victims
    /// (`sync/pool.go` `poolCleanup`, run at the start of every cycle since Go 1.13), so a
    /// buffer no one takes again is collected at the second cycle after it was put back.
    pool_primary: u64,
    pool_victim: u64,
    /// Runtime metadata held for the heap's high-water mark (see `metadata_ratio`) [bytes].
    pub metadata: u64,
}

impl GoHeap {
    pub fn new(cfg: GoRuntimeConfig, now_ns: u64) -> Self {
        let mut h = GoHeap {
            cfg,
            live: 0,
            heap: 0,
            goal: 0,
            retained: 0,
            lazy_freed: 0,
            gc_cycles: 0,
            last_scavenge_ns: now_ns,
            pool_primary: 0,
            pool_victim: 0,
            metadata: 0,
        };
        h.alloc_quiet(h.cfg.static_heap);
        h.goal = h.compute_goal();
        h
    }

    /// The heap size at which the next collection starts (see [`Gogc`]).
    fn compute_goal(&self) -> u64 {
        let c = &self.cfg;
        let scaled = |x: u64, p: u32| (x as u128 * p as u128 / 100).min(u64::MAX as u128) as u64;
        let mut goal = match c.gogc {
            Gogc::Off => u64::MAX,
            Gogc::Percent(p) => {
                let base = if c.version.roots_in_goal() {
                    self.live.saturating_add(c.roots)
                } else {
                    self.live
                };
                self.live
                    .saturating_add(scaled(base, p))
                    .max(scaled(c.min_heap, p))
                    .max(self.live.saturating_add(SWEEP_MIN_HEAP_DISTANCE))
            }
        };
        if let Some(limit) = c.memlimit {
            // The limit covers all Go-managed memory; the heap gets what the rest leaves.
            // Live data above the limit cannot be collected: the goal never drops below live
            // plus one page (the runtime then collects continually, which we do not charge).
            // In this memory-limited regime the runtime ignores the sweep distance
            // (heapGoalInternal), so the limit wins over it here too.
            let heap_room = limit.saturating_sub(c.baseline + self.metadata);
            goal = goal.min(heap_room).max(self.live + 8192);
        }
        goal
    }

    /// Allocates `kept` live bytes and `garbage` bytes dropped at once. Returns true when
    /// the retained heap grew (callers check the container limit then).
    #[inline]
    pub fn alloc(&mut self, kept: u64, garbage: u64) -> bool {
        self.live += kept;
        self.heap += kept + garbage;
        let mut grew = false;
        if self.heap > self.retained {
            // Growth reuses lazily freed pages first: they are still resident.
            let grow = self.heap - self.retained;
            self.lazy_freed -= grow.min(self.lazy_freed);
            self.retain_heap();
            grew = true;
        }
        if self.heap >= self.goal {
            self.collect();
        }
        grew
    }

    /// Splits an allocation that many small objects make one after another (a request's
    /// spans) at the points where it reaches the GC goal: allocating the parts in order
    /// collects where the object-by-object allocation would (to within one object), instead
    /// of after the whole. `kept` and `garbage` are spread evenly over the allocation.
    pub fn spread(&self, kept: u64, garbage: u64) -> [(u64, u64); 2] {
        let total = kept + garbage;
        if total == 0 || self.heap + total < self.goal {
            return [(kept, garbage), (0, 0)];
        }
        // Up to the goal, then the rest (a chunk is far below a heap, so at most one more
        // collection could fall in it; the rest is allocated whole after the first).
        let first = self.goal.saturating_sub(self.heap).min(total);
        let k1 = (kept as u128 * first as u128 / total as u128) as u64;
        let g1 = (first - k1).min(garbage);
        [(k1, g1), (kept - k1, garbage - g1)]
    }

    /// The heap goal as Go reports it (`/gc/heap/goal:bytes`), None when there is none
    /// (GOGC=off without GOMEMLIMIT).
    pub fn goal_bytes(&self) -> Option<u64> {
        (self.goal != u64::MAX).then_some(self.goal)
    }

    /// Releases `bytes` of live data: they are garbage until the next collection.
    #[inline]
    pub fn free(&mut self, bytes: u64) {
        debug_assert!(bytes <= self.live, "freeing more than is live");
        self.live -= bytes.min(self.live);
    }

    /// Allocates live bytes without a collection (the program's start).
    fn alloc_quiet(&mut self, kept: u64) {
        self.live += kept;
        self.heap += kept;
        if self.heap > self.retained {
            self.retain_heap();
        }
    }

    /// The heap grew into new pages: they are retained, with their runtime metadata.
    fn retain_heap(&mut self) {
        self.retained = self.heap;
        self.metadata = self
            .metadata
            .max((self.retained as f64 * self.cfg.metadata_ratio) as u64);
    }

    /// Puts a live buffer of `bytes` back into a `sync.Pool` (it stays live, and is
    /// collected at the second cycle from now unless taken again); returns the cycle to give
    /// to [`GoHeap::pool_take`].
    pub fn pool_put(&mut self, bytes: u64) -> u64 {
        self.pool_primary += bytes;
        self.gc_cycles
    }

    /// Takes back a buffer of `bytes` put into a pool at cycle `put`: true if the pool still
    /// holds it (no allocation), false if a collection dropped it (the caller allocates anew).
    pub fn pool_take(&mut self, bytes: u64, put: u64) -> bool {
        if put == self.gc_cycles {
            self.pool_primary -= bytes;
            true
        } else if put + 1 == self.gc_cycles {
            self.pool_victim -= bytes;
            true
        } else {
            false
        }
    }

    /// Bytes the pools hold (primary and victim caches).
    pub fn pooled(&self) -> u64 {
        self.pool_primary + self.pool_victim
    }

    /// A garbage collection: the heap shrinks to what is live, pages stay retained.
    pub fn collect(&mut self) {
        // poolCleanup at the start of the cycle: the victims are no longer referenced.
        self.live -= self.pool_victim.min(self.live);
        self.pool_victim = std::mem::take(&mut self.pool_primary);
        self.heap = self.live;
        self.goal = self.compute_goal();
        self.gc_cycles += 1;
    }

    /// Runs the scavenger if a second or more passed since it last ran. Called from the
    /// allocation path so that what it returns never depends on how often output is sampled.
    #[inline]
    pub fn maybe_scavenge(&mut self, now_ns: u64) {
        if now_ns >= self.last_scavenge_ns + 1_000_000_000 {
            self.scavenge(now_ns);
        }
    }

    /// Lets the background scavenger return pages up to `now_ns`.
    pub fn scavenge(&mut self, now_ns: u64) {
        let dt = now_ns.saturating_sub(self.last_scavenge_ns) as f64 / 1e9;
        self.last_scavenge_ns = now_ns;
        let mut target = self.goal.saturating_add(self.goal / 10);
        if let Some(limit) = self.cfg.memlimit {
            target = target.min(limit.saturating_sub(self.cfg.baseline + self.metadata));
        }
        let target = target.max(self.heap);
        if self.retained > target {
            let release = ((self.cfg.scavenge_rate * dt) as u64).min(self.retained - target);
            self.retained -= release;
            if self.cfg.version.lazy_release() {
                self.lazy_freed += release;
            }
        }
    }

    /// Memory pressure at the container limit: the kernel takes lazily freed pages back
    /// before it considers an OOM kill.
    pub fn reclaim_to(&mut self, limit: u64) {
        let hard = self.cfg.baseline + self.metadata + self.retained;
        self.lazy_freed = self.lazy_freed.min(limit.saturating_sub(hard));
    }

    /// RSS the kernel cannot take back without killing the process [bytes].
    #[inline]
    pub fn unreclaimable(&self) -> u64 {
        self.cfg.baseline + self.metadata + self.retained
    }

    /// Resident set size of the process [bytes].
    #[inline]
    pub fn rss(&self) -> u64 {
        self.cfg.baseline + self.metadata + self.retained + self.lazy_freed
    }
}

/// The heap of a process without a garbage collector (C++ with tcmalloc or glibc malloc,
/// Rust): memory is freed when the last owner drops it, but the allocator keeps the pages it
/// grew into (glibc only trims the top of the heap; tcmalloc releases slowly), so RSS
/// follows the high-water mark of live bytes. `../shared/measurements/README.md`: "after
/// recovery the queue drains in under a second but RSS does not come back down".
#[derive(Clone, Debug)]
pub struct NativeHeap {
    /// RSS without spans, plus slots allocated up front [bytes].
    pub fixed: u64,
    pub overhead: f64,
    pub retain: bool,
    pub live: u64,
    pub high: u64,
}

impl NativeHeap {
    pub fn new(fixed: u64, overhead: f64, retain: bool) -> Self {
        NativeHeap {
            fixed,
            overhead,
            retain,
            live: 0,
            high: 0,
        }
    }

    #[inline]
    pub fn alloc(&mut self, bytes: u64) {
        self.live += bytes;
        self.high = self.high.max(self.live);
    }

    /// Memory allocated and freed at once (an encoding buffer): it only raises the high-water
    /// mark.
    #[inline]
    pub fn transient(&mut self, bytes: u64) {
        self.high = self.high.max(self.live + bytes);
    }

    #[inline]
    pub fn free(&mut self, bytes: u64) {
        debug_assert!(bytes <= self.live, "freeing more than is live");
        self.live -= bytes.min(self.live);
    }

    /// Resident set size [bytes].
    #[inline]
    pub fn rss(&self) -> u64 {
        let held = if self.retain { self.high } else { self.live };
        self.fixed + (held as f64 * (1.0 + self.overhead)) as u64
    }

    /// The least RSS the process can hold: every page above the live bytes given back to the
    /// OS. With `retain`, [`Self::rss`] is the other end: glibc trims only the top of its heap,
    /// and only when a free coalesces into a large chunk; chunks parked in the fastbins and
    /// thread caches block that. Where a drained process lands between the two depends on
    /// how its threads' frees and allocations interleave, and differs from one run of the same
    /// program to the next (validation/README.md).
    #[inline]
    pub fn rss_floor(&self) -> u64 {
        self.fixed + (self.live as f64 * (1.0 + self.overhead)) as u64
    }
}

/// Shape of the spans a pipeline carries: what a user can count on one span in a trace UI.
#[derive(Clone, Debug)]
pub struct SpanShape {
    /// Tags on the span as the tracer sends it.
    pub tags: u32,
    /// Mean length of a tag key [bytes].
    pub tag_key_bytes: u32,
    /// Tags on the span's process (resource).
    pub process_tags: u32,
    /// References (parent links).
    pub references: u32,
    /// Operation name length [bytes].
    pub operation_name_bytes: u32,
    /// Service name length [bytes].
    pub service_name_bytes: u32,
}

/// Go struct sizes of the Jaeger domain model and the collector's wrappers (amd64) [bytes].
#[derive(Clone, Debug)]
pub struct JaegerStructSizes {
    pub queue_item: u64,
    pub span: u64,
    pub key_value: u64,
    pub process: u64,
    pub span_ref: u64,
    /// Tags the collector appends before queueing (e.g. `span.kind` from the Zipkin
    /// converter, `internal.span.format` in `enqueueSpan`).
    pub appended_tags: u32,
    /// Protobuf bytes of a span outside its tags (ids, timestamps, names, process) [bytes].
    pub wire_fixed: u64,
    /// Protobuf framing per tag (field keys, lengths) [bytes].
    pub wire_per_tag: u64,
    /// Garbage allocated per wire byte while receiving and converting a span.
    pub decode_garbage_per_wire_byte: f64,
    /// Elasticsearch writer: fixed bytes per bulk request item (BulkIndexRequest, dbmodel.Span,
    /// action line) [bytes].
    pub es_doc_fixed: u64,
    /// dbmodel.KeyValue size [bytes].
    pub es_key_value: u64,
    /// JSON bytes added per tag by the ES document encoding [bytes].
    pub es_json_per_tag: u64,
}

/// In-memory cost of one span in a Jaeger collector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpanBytes {
    /// Live bytes of the decoded span while queued or held by a worker.
    pub domain: u32,
    /// Part of `domain` that is tag strings (shared with the ES document after the write).
    pub strings: u32,
    /// Live bytes of the span's Elasticsearch bulk item (excluding the shared strings).
    pub es_doc: u32,
    /// Garbage made while receiving the span.
    pub garbage: u32,
}

/// Structural model of a decoded Jaeger span's memory; see the module doc.
#[derive(Clone, Debug)]
pub struct JaegerSpanModel {
    classes: SizeClassTable,
    shape: SpanShape,
    sizes: JaegerStructSizes,
    /// Everything but the tag values: constant for a shape.
    fixed_domain: u64,
    fixed_es: u64,
    total_tags: u64,
    /// `bytes(wire)` for wire sizes below its length, computed once (the per-span hot path;
    /// shared by the clones a sweep makes).
    table: std::sync::Arc<[SpanBytes]>,
}

/// Wire sizes whose cost is tabulated (spans are ~300 B-2 KB on the wire, [5.3]).
const SPAN_TABLE: u64 = 8192;

impl JaegerSpanModel {
    pub fn new(go: GoVersion, shape: SpanShape, sizes: JaegerStructSizes) -> Self {
        let a = |n: u64| go_alloc_size(n, go);
        let total_tags = (shape.tags + sizes.appended_tags) as u64;
        // Zipkin -> domain builds Tags by append from nil (to_domain.go getTags), then the
        // converter and enqueueSpan append more: capacity follows growslice.
        let kv_cap = go_append_capacity(total_tags, sizes.key_value, go);
        let kv_backing = a(kv_cap * sizes.key_value);
        let proc_tags = shape.process_tags as u64;
        let proc_kv = if proc_tags > 0 {
            a(go_append_capacity(proc_tags, sizes.key_value, go) * sizes.key_value)
        } else {
            0
        };
        let refs = if shape.references > 0 {
            a(shape.references as u64 * sizes.span_ref)
        } else {
            0
        };
        let key = a(shape.tag_key_bytes as u64);
        let fixed_domain = a(sizes.queue_item)
            + a(sizes.span)
            + a(sizes.process)
            + kv_backing
            + proc_kv
            + proc_tags * (key + a(16))
            + refs
            + a(shape.operation_name_bytes as u64)
            + a(shape.service_name_bytes as u64)
            + total_tags * key;
        let fixed_es = a(sizes.es_doc_fixed) + a(total_tags * sizes.es_key_value);
        let mut m = JaegerSpanModel {
            classes: SizeClassTable::new(go),
            shape,
            sizes,
            fixed_domain,
            fixed_es,
            total_tags,
            table: std::sync::Arc::new([]),
        };
        m.table = (0..SPAN_TABLE).map(|w| m.compute(w)).collect();
        m
    }

    /// Mean tag value length for a span of `wire` protobuf bytes.
    fn value_bytes(&self, wire: u64) -> u64 {
        let per_tag = wire.saturating_sub(self.sizes.wire_fixed) / self.total_tags.max(1);
        per_tag
            .saturating_sub(self.sizes.wire_per_tag)
            .saturating_sub(self.shape.tag_key_bytes as u64)
            .max(1)
    }

    #[inline]
    pub fn bytes(&self, wire: u64) -> SpanBytes {
        match self.table.get(wire as usize) {
            Some(b) => *b,
            None => self.compute(wire),
        }
    }

    fn compute(&self, wire: u64) -> SpanBytes {
        let v = self.value_bytes(wire);
        let value_alloc = self.classes.get(v);
        let key_alloc = self.classes.get(self.shape.tag_key_bytes as u64);
        let strings = self.total_tags * (value_alloc + key_alloc);
        let domain = self.fixed_domain + self.total_tags * value_alloc;
        let json = wire + self.total_tags * self.sizes.es_json_per_tag;
        let es_doc = self.fixed_es + self.classes.get(json);
        let garbage = (wire as f64 * self.sizes.decode_garbage_per_wire_byte) as u64;
        SpanBytes {
            domain: domain.min(u32::MAX as u64) as u32,
            strings: strings.min(domain).min(u32::MAX as u64) as u32,
            es_doc: es_doc.min(u32::MAX as u64) as u32,
            garbage: garbage.min(u32::MAX as u64) as u32,
        }
    }
}

/// Memory cost of a chunk of spans (request resolution) from its span count and total wire
/// size. For each cost field, the least-squares line of one span's cost on its wire size over
/// the span-size distribution (its quadrature), summed over the chunk:
/// `cost = n a + b wire`. The expected cost of a chunk is exactly `n E[cost(span)]`, so
/// totals and memory curves keep their mean; what a chunk averages away is how the Go size
/// classes round each of its spans differently, which only moves its spans' shares.
#[derive(Clone, Debug)]
pub struct ChunkCost {
    /// Intercepts and slopes for domain, strings, es_doc, garbage.
    a: [f64; 4],
    b: [f64; 4],
    /// Largest chunk whose sums still fit the 32-bit fields (with 8x headroom on the mean).
    pub max_spans: u32,
}

impl ChunkCost {
    /// From a weighted quadrature of wire sizes (`workload::wire_quadrature`).
    pub fn fit(model: &JaegerSpanModel, wires: &[(u32, f64)]) -> Self {
        let costs: Vec<([f64; 5], f64)> = wires
            .iter()
            .map(|&(w, p)| {
                let c = model.bytes(w as u64);
                let v = [
                    w as f64,
                    c.domain as f64,
                    c.strings as f64,
                    c.es_doc as f64,
                    c.garbage as f64,
                ];
                (v, p)
            })
            .collect();
        let mut mean = [0.0; 5];
        for (c, p) in &costs {
            for (m, x) in mean.iter_mut().zip(c) {
                *m += x * p;
            }
        }
        let var_w = costs
            .iter()
            .map(|(c, p)| p * (c[0] - mean[0]).powi(2))
            .sum::<f64>();
        let (mut a, mut b) = ([0.0; 4], [0.0; 4]);
        for f in 0..4 {
            let cov = costs
                .iter()
                .map(|(c, p)| p * (c[0] - mean[0]) * (c[f + 1] - mean[f + 1]))
                .sum::<f64>();
            b[f] = if var_w > 0.0 { cov / var_w } else { 0.0 };
            a[f] = mean[f + 1] - b[f] * mean[0];
        }
        let biggest = mean.iter().fold(1.0f64, |m, &x| m.max(x));
        let max_spans = (u32::MAX as f64 / 8.0 / biggest).clamp(1.0, 65_536.0) as u32;
        ChunkCost { a, b, max_spans }
    }

    /// Cost of `n` spans of `wire` bytes in total.
    #[inline]
    pub fn bytes(&self, n: u32, wire: u64) -> SpanBytes {
        let (n, w) = (n as f64, wire as f64);
        // Rounds (the cast saturates at u32::MAX).
        let f = |i: usize| ((self.a[i] * n + self.b[i] * w).max(0.0) + 0.5) as u32;
        let domain = f(0);
        SpanBytes {
            domain,
            strings: f(1).min(domain),
            es_doc: f(2),
            garbage: f(3),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO115: GoVersion = GoVersion(1, 15);

    #[test]
    fn a_native_heap_keeps_its_high_water_and_can_fall_to_its_floor() {
        let mut h = NativeHeap::new(1000, 0.5, true);
        h.alloc(400);
        assert_eq!((h.rss(), h.rss_floor()), (1600, 1600));
        h.transient(200);
        h.free(300);
        // Retained: the high-water mark (600 with the transient); the floor: what is live.
        assert_eq!((h.rss(), h.rss_floor()), (1900, 1150));
        let mut g = NativeHeap::new(1000, 0.5, false);
        g.alloc(400);
        g.free(300);
        assert_eq!((g.rss(), g.rss_floor()), (1150, 1150));
    }
    const GO121: GoVersion = GoVersion(1, 21);

    #[test]
    fn size_classes() {
        assert_eq!(go_alloc_size(1, GO115), 8);
        assert_eq!(go_alloc_size(20, GO115), 32); // no 24-byte class before 1.18
        assert_eq!(go_alloc_size(20, GO121), 24);
        assert_eq!(go_alloc_size(232, GO115), 240);
        assert_eq!(go_alloc_size(2040, GO115), 2048);
        assert_eq!(go_alloc_size(40000, GO115), 40960);
    }

    #[test]
    fn lookup_table_agrees_with_the_class_list() {
        for go in [GO115, GO121] {
            let t = SizeClassTable::new(go);
            for size in 0..40_000 {
                assert_eq!(t.get(size), go_alloc_size(size, go), "size {size}");
            }
        }
    }

    #[test]
    fn append_capacity_of_key_values() {
        // 120-byte elements: 1, 2, 4, 8, 17, 34 (hand-computed from growslice + size classes).
        let caps: Vec<u64> = [1, 2, 3, 5, 9, 17, 18, 35]
            .iter()
            .map(|&n| go_append_capacity(n, 120, GO115))
            .collect();
        assert_eq!(caps, vec![1, 2, 4, 8, 17, 17, 34, 68]);
    }

    fn cfg() -> GoRuntimeConfig {
        GoRuntimeConfig {
            version: GO115,
            baseline: 10 << 20,
            roots: 0,
            gogc: Gogc::Percent(100),
            memlimit: None,
            min_heap: 4 << 20,
            scavenge_rate: 1e6,
            static_heap: 0,
            metadata_ratio: 0.0,
        }
    }

    #[test]
    fn gc_doubles_live_heap() {
        let mut h = GoHeap::new(cfg(), 0);
        assert_eq!(h.goal, 4 << 20);
        // Grow 100 MB of live data in 1 kB steps: RSS peaks at about twice the live heap.
        for _ in 0..100_000 {
            h.alloc(1000, 0);
        }
        let live = h.live;
        assert_eq!(live, 100_000_000);
        assert!(h.retained <= 2 * live + 1000, "{}", h.retained);
        assert!(h.retained >= live, "{}", h.retained);
        // Garbage churn at constant live data reaches the goal of 2x live.
        for _ in 0..200_000 {
            h.alloc(0, 1000);
        }
        assert!(h.retained >= 2 * live - 1000 && h.retained <= 2 * live + 1000);
    }

    /// Regression (issue 25, item 8): `gogc = 0` meant "GC off". In Go, GOGC=0 collects
    /// continually: the goal is the live heap, with no 4 MiB minimum (it scales with GOGC),
    /// and the next cycle waits only for the 1 MiB sweep distance.
    #[test]
    fn gogc_zero_collects_at_the_live_heap_plus_the_sweep_distance() {
        let mut c = cfg();
        c.gogc = Gogc::Percent(0);
        let mut h = GoHeap::new(c.clone(), 0);
        // No minimum heap at GOGC=0: the first goal is the sweep distance, not 4 MiB.
        assert_eq!(h.goal, SWEEP_MIN_HEAP_DISTANCE);
        for _ in 0..50_000 {
            h.alloc(1000, 1000);
        }
        assert_eq!(h.live, 50_000_000);
        // The heap never holds more than one sweep distance (plus one allocation) of garbage.
        assert!(
            h.retained <= h.live + SWEEP_MIN_HEAP_DISTANCE + 2000,
            "retained {} live {}",
            h.retained,
            h.live
        );
        h.collect();
        assert_eq!(h.goal, h.live + SWEEP_MIN_HEAP_DISTANCE);
        // One collection per MiB allocated at most: 100 MB allocated, about 95 cycles.
        assert!(h.gc_cycles >= 90 && h.gc_cycles <= 101, "{}", h.gc_cycles);
        // Roots do not move a GOGC=0 goal (they are scaled by GOGC too).
        c.version = GO121;
        c.roots = 50 << 20;
        let mut h = GoHeap::new(c, 0);
        h.alloc(10 << 20, 0);
        h.collect();
        assert_eq!(h.goal, (10 << 20) + SWEEP_MIN_HEAP_DISTANCE);
    }

    #[test]
    fn gogc_percent_goals_minimum_and_sweep_distance() {
        let mut c = cfg();
        c.version = GO121;
        c.roots = 1 << 20;
        let goal_at = |c: &GoRuntimeConfig, live: u64| {
            let mut h = GoHeap::new(c.clone(), 0);
            h.alloc(live, 0);
            h.collect();
            h.goal
        };
        // GOGC=100, 100 MiB live, 1 MiB roots (Go 1.18+): 100 + 101 MiB.
        assert_eq!(goal_at(&c, 100 << 20), 201 << 20);
        // GOGC=50: the minimum heap is 2 MiB.
        c.gogc = Gogc::Percent(50);
        assert_eq!(goal_at(&c, 0), 2 << 20);
        // GOGC=1 with 10 MiB live: 10% of a MiB of growth is below the sweep distance.
        c.gogc = Gogc::Percent(1);
        assert_eq!(goal_at(&c, 10 << 20), (11 << 20));
        // The largest GOGC Go reads does not overflow.
        c.gogc = Gogc::Percent(i32::MAX as u32);
        assert_eq!(goal_at(&c, 1 << 40), u64::MAX);
    }

    /// GOGC=off: no collection however much is allocated, unless GOMEMLIMIT calls for one.
    #[test]
    fn gogc_off_collects_only_for_the_memory_limit() {
        let mut c = cfg();
        c.gogc = Gogc::Off;
        let mut h = GoHeap::new(c.clone(), 0);
        assert_eq!(h.goal, u64::MAX);
        for _ in 0..100_000 {
            h.alloc(0, 10_000);
        }
        assert_eq!(h.gc_cycles, 0);
        assert_eq!(h.retained, 1_000_000_000);
        c.version = GO121;
        c.memlimit = Some(110 << 20);
        let mut h = GoHeap::new(c, 0);
        // The goal is the room the limit leaves above the 10 MiB baseline.
        assert_eq!(h.goal, 100 << 20);
        for _ in 0..100_000 {
            h.alloc(0, 10_000);
        }
        assert!(h.gc_cycles >= 9, "{}", h.gc_cycles);
        // At the limit, give or take the allocation that reached it.
        assert!(h.rss() <= (110 << 20) + 10_000, "{}", h.rss());
    }

    #[test]
    fn gogc_is_read_as_go_reads_it() {
        assert_eq!(Gogc::parse("off"), Ok(Gogc::Off));
        assert_eq!(Gogc::parse("0"), Ok(Gogc::Percent(0)));
        assert_eq!(Gogc::parse(" 200 "), Ok(Gogc::Percent(200)));
        for bad in ["OFF", "-1", "1.5", "", "2147483648"] {
            assert!(Gogc::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Gogc::Off.to_string(), "off");
    }

    #[test]
    fn a_pooled_buffer_is_live_until_the_second_collection_after_its_last_use() {
        let mut h = GoHeap::new(cfg(), 0);
        h.alloc(1 << 20, 0);
        let put = h.pool_put(1 << 20);
        h.collect();
        assert_eq!(h.live, 1 << 20, "the victim cache still holds it");
        assert!(
            h.pool_take(1 << 20, put),
            "taken back from the victim cache"
        );
        let put = h.pool_put(1 << 20);
        h.collect();
        h.collect();
        assert_eq!(h.live, 0, "dropped at the second cycle");
        assert_eq!(h.pooled(), 0);
        assert!(
            !h.pool_take(1 << 20, put),
            "gone: the caller allocates anew"
        );
    }

    #[test]
    fn static_heap_is_live_from_the_start_and_metadata_stays_after_the_peak() {
        let c = GoRuntimeConfig {
            version: GoVersion(1, 26),
            static_heap: 3 << 20,
            metadata_ratio: 0.036,
            ..cfg()
        };
        let mut h = GoHeap::new(c, 0);
        assert_eq!(h.live, 3 << 20);
        assert_eq!(h.goal, 6 << 20, "live x 2, above the 4 MiB minimum");
        h.alloc(300 << 20, 0);
        let peak_meta = h.metadata;
        assert_eq!(peak_meta, ((303u64 << 20) as f64 * 0.036) as u64);
        h.free(300 << 20);
        h.collect();
        h.scavenge(3_600_000_000_000);
        assert!(h.retained < 20 << 20, "the heap went back: {}", h.retained);
        assert_eq!(
            h.metadata, peak_meta,
            "span and GC metadata are never returned"
        );
        assert_eq!(h.rss(), (10 << 20) + peak_meta + h.retained);
    }

    #[test]
    fn memlimit_caps_goal_and_scavenger_returns_pages() {
        let mut c = cfg();
        c.memlimit = Some(60 << 20);
        let mut h = GoHeap::new(c, 0);
        for _ in 0..20_000 {
            h.alloc(1000, 1000);
        }
        assert!(h.rss() <= 60 << 20, "rss {}", h.rss());
        // Free everything, collect, and let the scavenger run for 100 s at 1 MB/s.
        h.free(h.live);
        h.collect();
        let before = h.retained;
        h.scavenge(100_000_000_000);
        assert_eq!(
            h.retained,
            before.saturating_sub(100_000_000).max(h.goal + h.goal / 10)
        );
    }

    #[test]
    fn go_115_keeps_released_pages_resident_until_pressure() {
        let mut h = GoHeap::new(cfg(), 0);
        for _ in 0..10_000 {
            h.alloc(10_000, 0);
        }
        let peak = h.rss();
        h.free(h.live);
        h.collect();
        h.scavenge(1_000_000_000_000);
        assert_eq!(h.rss(), peak, "MADV_FREE pages still count in RSS");
        // What stays is the baseline plus 10% over the 4 MiB minimum heap goal.
        assert_eq!(h.unreclaimable(), (10 << 20) + (4 << 20) + (4 << 20) / 10);
        h.reclaim_to(50 << 20);
        assert_eq!(h.rss(), 50 << 20);
        let mut c = cfg();
        c.version = GO121;
        let mut h = GoHeap::new(c, 0);
        for _ in 0..10_000 {
            h.alloc(10_000, 0);
        }
        h.free(h.live);
        h.collect();
        h.scavenge(1_000_000_000_000);
        assert_eq!(h.rss(), h.unreclaimable());
    }

    fn istio_model() -> JaegerSpanModel {
        let shape = SpanShape {
            tags: 15,
            tag_key_bytes: 14,
            process_tags: 1,
            references: 1,
            operation_name_bytes: 40,
            service_name_bytes: 20,
        };
        let sizes = JaegerStructSizes {
            queue_item: 48,
            span: 232,
            key_value: 120,
            process: 72,
            span_ref: 64,
            appended_tags: 2,
            wire_fixed: 170,
            wire_per_tag: 6,
            decode_garbage_per_wire_byte: 4.0,
            es_doc_fixed: 600,
            es_key_value: 48,
            es_json_per_tag: 36,
        };
        JaegerSpanModel::new(GO115, shape, sizes)
    }

    /// A chunk's cost keeps the mean: summed over the size distribution (its quadrature's
    /// body, in chunks of 9), it equals the per-span costs summed, although single spans
    /// straddle Go size classes (a wide distribution makes that non-linearity large).
    #[test]
    fn chunk_cost_keeps_the_mean() {
        let m = istio_model();
        for sigma in [0.15, 0.8] {
            let size = crate::dist::Sampler::Lognormal {
                mu: 845f64.ln() - sigma * sigma / 2.0,
                sigma,
            };
            let wires = crate::workload::wire_quadrature(&size);
            let cost = ChunkCost::fit(&m, &wires);
            let mut chunked = [0u64; 4];
            // The body cells have equal weights: sum them span by span and in chunks of 9.
            let body = &wires[328..wires.len() - 328];
            let exact = body.iter().fold([0u64; 4], |mut a, &(w, _)| {
                let b = m.bytes(w as u64);
                a[0] += b.domain as u64;
                a[1] += b.strings as u64;
                a[2] += b.es_doc as u64;
                a[3] += b.garbage as u64;
                a
            });
            for c in body.chunks(9) {
                let b = cost.bytes(c.len() as u32, c.iter().map(|&(w, _)| w as u64).sum());
                for (t, v) in chunked
                    .iter_mut()
                    .zip([b.domain, b.strings, b.es_doc, b.garbage])
                {
                    *t += v as u64;
                }
            }
            for f in 0..4 {
                let rel = (exact[f] as f64 - chunked[f] as f64).abs() / exact[f] as f64;
                assert!(
                    rel < 1e-3,
                    "sigma {sigma} field {f}: {} vs {}",
                    exact[f],
                    chunked[f]
                );
            }
            assert!(cost.max_spans >= 1000, "{}", cost.max_spans);
        }
    }

    #[test]
    fn istio_span_decodes_to_a_few_kilobytes() {
        let m = istio_model();
        let b = m.bytes(845);
        // 17 tags -> KeyValue backing of capacity 17 = 2048 B; values ~20 B -> 32 B class.
        assert!(b.domain > 3000 && b.domain < 4000, "{b:?}");
        assert!(b.strings < b.domain);
        // The tabulated hot path gives what the model computes, inside and past the table.
        for w in [0, 1, 169, 170, 845, 4000, 8191, 8192, 100_000] {
            assert_eq!(m.bytes(w), m.compute(w), "wire {w}");
        }
    }
}
