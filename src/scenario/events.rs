//! The events a scenario's timers imply, and the budget one run may spend on them.
//!
//! Most events of a run come with spans (arrivals, writes, exports, request ends), and the
//! span budget ([`super::MAX_EXPECTED_SPANS`]) bounds those. The others come from timers whose
//! period is a field of the scenario: the timeseries sample, the Jaeger queue's resize check,
//! the bulk processor's flush ticker and its wait for a connection, the memory_limiter's
//! check, the batch processor's timer, the Datadog tracer's flush, the BatchSpanProcessor's
//! scheduled delay, and the retry loops of exporters while their backend fails. A period
//! written without its unit (`check_interval: 1` is 1 ns in a collector config, which the
//! collector accepts) makes a billion events per simulated second: a run that never ends.
//! [`sources`] lists every such source with the events it can make in a run; a scenario
//! whose sources add up to more than [`MAX_PERIODIC_EVENTS`] is refused, naming the field
//! that contributes most, rather than left to hang.
//!
//! Not listed, because something else bounds them:
//! * garbage collections: not events; a collection happens inline in the allocation that
//!   reaches the heap goal, at most one per MiB allocated (`memory::Gogc`);
//! * the Elasticsearch bulk processor's back-off retries: at most
//!   log2(backoff_max / backoff_initial) + 2 per worker and outage before it waits for a
//!   connection (counted with the reconnect ticks below);
//! * restarts: each needs an OOM kill, which needs allocations, which need spans.

use super::raw::{OutageMode, StorageKind};
use super::tracer::{Jitter, TracerModel};
use super::{Outage, Scenario, VResult};
use crate::sim::Nanos;

/// Timer events one run may schedule, all sources together.
///
/// Why 1e9: a timer event costs ~150 ns in the engine (measured: 10 million memory_limiter
/// checks in 1.5 s, `models/otelcol-testbed-no-backend-limiter.toml` with
/// `check_interval = "1us"` for 10 s), so this is about two and a half minutes of engine time
/// at most. Real configurations need far less: a 100 ms memory_limiter check for a year is
/// 3.2e8, 16 Envoy workers flushing every 900 ms for a year 5.6e8; the bundled models need
/// at most ~1e5. A period typed without its unit (1 ns) implies 1e9 per simulated second, so
/// it is refused at once instead of running for hours.
pub const MAX_PERIODIC_EVENTS: f64 = 1e9;

/// One timer of a scenario and the events it can make in a run.
#[derive(Clone, Debug, PartialEq)]
pub struct EventSource {
    /// The field whose period sets the rate, e.g. `otelcol.memory_limiter.check_interval`.
    pub field: String,
    /// What one event is, plural: `memory_limiter checks`.
    pub what: &'static str,
    /// The period [ns].
    pub every: Nanos,
    /// True for a ticker that fires whatever happens; false for one that runs only while
    /// something fails (retries, reconnects), whose count is an upper bound.
    pub unconditional: bool,
    /// Events it can make in one run.
    pub events: f64,
}

/// The part of each outage that falls inside the run: (length [ns], mode).
fn windows(outages: &[Outage], duration: Nanos) -> Vec<(f64, OutageMode)> {
    outages
        .iter()
        .filter(|o| o.start < duration)
        .map(|o| ((o.end.min(duration) - o.start) as f64, o.mode))
        .collect()
}

/// Attempts of one exporterhelper retry loop (cenkalti/backoff) during `w` ns of failure,
/// each attempt taking `attempt` ns: the ramp from initial_interval to max_interval, again
/// after every give-up at max_elapsed_time, then one attempt per shortest steady wait.
fn otelcol_attempts(w: f64, attempt: f64, r: &super::otelcol::RetryOnFailure) -> f64 {
    let (initial, max) = (r.initial_interval as f64, r.max_interval as f64);
    let low = 1.0 - r.randomization_factor;
    let (ramp, steady) = if r.multiplier > 1.0 && max > initial {
        (((max / initial).ln() / r.multiplier.ln()).ceil(), max * low)
    } else {
        (0.0, initial * low)
    };
    let chains = if r.max_elapsed_time > 0 {
        1.0 + w / r.max_elapsed_time as f64
    } else {
        1.0
    };
    chains * (ramp + 1.0) + w / (steady + attempt)
}

/// Spans the workload generates over the run, on average.
fn expected_spans(s: &Scenario) -> f64 {
    let steps = &s.workload.rate_steps;
    let mut requests = 0.0;
    for (i, &(start, rate)) in steps.iter().enumerate() {
        let end = steps.get(i + 1).map_or(s.duration, |n| n.0).min(s.duration);
        requests += rate * end.saturating_sub(start) as f64 / 1e9;
    }
    requests * s.workload.spans_per_request.mean()
}

/// Every timer of the scenario with the events it can make in one run.
pub fn sources(s: &Scenario) -> Vec<EventSource> {
    let d = s.duration as f64;
    let per = |every: Nanos| d / every.max(1) as f64;
    let mut out = vec![];
    let mut add = |field: &str, what, every, unconditional, events: f64| {
        out.push(EventSource {
            field: field.to_string(),
            what,
            every,
            unconditional,
            events,
        })
    };
    let components =
        usize::from(s.tracer.is_some()) + usize::from(s.collector.is_some() || s.otelcol.is_some());
    add(
        "scenario.sample_interval",
        "timeseries samples",
        s.sample_interval,
        true,
        components as f64 * (per(s.sample_interval) + 1.0),
    );
    if let (Some(c), Some(st)) = (&s.collector, &s.storage) {
        if c.queue_size_memory.is_some() {
            add(
                "collector.resize_interval",
                "queue resize checks",
                c.resize_interval,
                true,
                per(c.resize_interval),
            );
        }
        if st.kind == StorageKind::Elasticsearch {
            let b = &st.bulk;
            add(
                "storage.bulk.flush_interval",
                "bulk flush ticks",
                b.flush_interval,
                true,
                per(b.flush_interval),
            );
            let backoffs = (b.backoff_max as f64 / b.backoff_initial.max(1) as f64)
                .log2()
                .max(0.0)
                + 2.0;
            let waits: f64 = windows(&st.outages, s.duration)
                .iter()
                .map(|(w, _)| w / b.reconnect_interval.max(1) as f64 + 2.0 * backoffs)
                .sum();
            add(
                "storage.bulk.reconnect_interval",
                "bulk health checks and retries while storage is down",
                b.reconnect_interval,
                false,
                b.workers as f64 * waits,
            );
        }
    }
    if let (Some(o), Some(st)) = (&s.otelcol, &s.storage) {
        if let Some(ml) = &o.memory_limiter {
            add(
                "otelcol.memory_limiter.check_interval",
                "memory_limiter checks",
                ml.check_interval,
                true,
                per(ml.check_interval),
            );
        }
        if let Some(b) = &o.batch {
            add(
                "otelcol.batch.timeout",
                "batch timer fires",
                b.timeout,
                true,
                per(b.timeout),
            );
        }
        let r = &o.retry;
        if r.enabled {
            // An attempt into a refusing backend takes refuse_latency; into a hung one, the
            // exporter's timeout (0 = none: the outage's end).
            let attempts: f64 = windows(&st.outages, s.duration)
                .iter()
                .map(|&(w, mode)| {
                    let a = match mode {
                        OutageMode::Refuse => st.refuse_latency as f64,
                        OutageMode::Hang if o.timeout > 0 => o.timeout as f64,
                        OutageMode::Hang => w,
                    };
                    otelcol_attempts(w, a, r)
                })
                .sum();
            let field = if r.multiplier > 1.0 && r.max_interval > r.initial_interval {
                "otelcol.exporter.retry_on_failure.max_interval"
            } else {
                "otelcol.exporter.retry_on_failure.initial_interval"
            };
            add(
                field,
                "exporter attempts and retries while storage is down",
                if field.ends_with("max_interval") {
                    r.max_interval
                } else {
                    r.initial_interval
                },
                false,
                2.0 * o.queue.num_consumers as f64 * attempts,
            );
        }
    }
    if let Some(t) = &s.tracer {
        match &t.model {
            TracerModel::Datadog(dd) => add(
                "tracer.flush_interval",
                "tracer flushes (one timer per worker)",
                dd.flush_interval,
                true,
                dd.workers as f64 * per(dd.flush_interval),
            ),
            TracerModel::Otel(sdk) => {
                add(
                    "tracer.scheduled_delay",
                    "BatchSpanProcessor ticks",
                    sdk.scheduled_delay,
                    true,
                    per(sdk.scheduled_delay),
                );
                let p = &sdk.retry;
                if p.enabled && p.max_retries > 0 {
                    // Where the receiver fails is not known before the run (an agent's 5xx, a
                    // refusing memory_limiter, a restart): the worst case is all run. Each slot
                    // waits at least the first retry's delay (its mean, where the jitter can
                    // reach 0) between attempts, and no export retries more than max_retries
                    // times: both bound the attempts.
                    let initial = p.initial as f64;
                    let wait = match p.jitter {
                        Jitter::Proportional(f) if f < 1.0 => initial * (1.0 - f),
                        Jitter::Proportional(_) => initial,
                        Jitter::Additive(_) => initial,
                        Jitter::Full => initial / 2.0,
                    };
                    let slots = sdk.max_concurrent_exports as f64;
                    let by_time = slots * (d / wait.max(1.0) + 1.0);
                    let exports = per(sdk.scheduled_delay)
                        + expected_spans(s) / sdk.max_export_batch_size.max(1) as f64
                        + 1.0;
                    let by_count = exports * (p.max_retries as f64 + 1.0);
                    add(
                        "tracer.retry.initial_interval",
                        "export attempts and retries while the receiver fails",
                        p.initial,
                        false,
                        2.0 * by_time.min(by_count),
                    );
                }
            }
        }
    }
    out
}

/// A period for messages: `1ns`, `250us`, `100ms`, `1.5s`, `140s`, `30m`, `2h`: from a
/// minute on, hours or minutes only when they write it exactly.
pub fn fmt_period(ns: Nanos) -> String {
    const M: u64 = 60_000_000_000;
    const H: u64 = 60 * M;
    let (v, unit) = match ns {
        0..1_000 => return format!("{ns}ns"),
        1_000..1_000_000 => (ns as f64 / 1e3, "us"),
        1_000_000..1_000_000_000 => (ns as f64 / 1e6, "ms"),
        _ if ns >= H && ns.is_multiple_of(H) => return format!("{}h", ns / H),
        _ if ns >= M && ns.is_multiple_of(M) => return format!("{}m", ns / M),
        _ => (ns as f64 / 1e9, "s"),
    };
    let s = format!("{v:.3}");
    format!("{}{unit}", s.trim_end_matches('0').trim_end_matches('.'))
}

/// Refuses a scenario whose timers add up to more than [`MAX_PERIODIC_EVENTS`], naming the
/// source that contributes most (the field, its period, its count and the total).
pub(crate) fn check(s: &Scenario) -> VResult<()> {
    let all = sources(s);
    let total: f64 = all.iter().map(|x| x.events).sum();
    if total <= MAX_PERIODIC_EVENTS {
        return Ok(());
    }
    let top = all
        .iter()
        .max_by(|a, b| a.events.total_cmp(&b.events))
        .expect("the sample timer is always listed");
    let bound = if top.unconditional { "" } else { "up to " };
    let others = if top.events < total * 0.99 {
        format!(" ({total:.1e} with the other timers)")
    } else {
        String::new()
    };
    Err((
        top.field.clone(),
        format!(
            "{} makes {bound}{:.1e} {} over scenario.duration {}{others}, above the budget of \
             {MAX_PERIODIC_EVENTS:.0e} timer events per run (the run would not end in \
             reasonable time): raise it or shorten scenario.duration",
            fmt_period(top.every),
            top.events,
            top.what,
            fmt_period(s.duration),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_written() {
        assert_eq!(fmt_period(1), "1ns");
        assert_eq!(fmt_period(250_000), "250us");
        assert_eq!(fmt_period(100_000_000), "100ms");
        assert_eq!(fmt_period(1_500_000_000), "1.5s");
        assert_eq!(fmt_period(120_000_000_000), "2m");
        assert_eq!(fmt_period(140_000_000_000), "140s");
        assert_eq!(fmt_period(5_400_000_000_000), "90m");
        assert_eq!(fmt_period(7_200_000_000_000), "2h");
    }
}
