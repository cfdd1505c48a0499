//! Every back-off and retry rule of the pipeline, once, pure: each takes the state it needs
//! and a uniform draw `u` in [0, 1) (or the jitter its source draws), and says when to try
//! again or that the try is given up. The stages keep the state and the random streams.
//!
//! | rule | whose | used by |
//! |---|---|---|
//! | [`exporterhelper`] | OTel Collector exporterhelper (cenkalti/backoff v4/v5) | `pipeline/otelcol.rs` consumers |
//! | [`grpc`] | grpc-go's channel reconnect (`internal/backoff`, `DefaultConfig`) | `pipeline/otelcol.rs` `GrpcChannel` |
//! | [`sdk_retry`], `RetryPolicy::delay` | each OpenTelemetry SDK's exporter retry | `pipeline/tracer.rs` |
//! | [`olivere_bulk`] | olivere/elastic's `RetryNotify` with `ExponentialBackoff` | `pipeline/jaeger.rs` bulk workers |
//! | `Restart::next_start` | Kubernetes' crash-loop back-off | every process's restart |

use crate::scenario::Restart;
use crate::scenario::otelcol::RetryOnFailure;
use crate::scenario::tracer::{Jitter, RetryPolicy};
use crate::sim::Nanos;

/// One exporter back-off step (cenkalti/backoff `ExponentialBackOff.NextBackOff` as
/// exporterhelper's retry sender uses it): the wait before the next attempt, or None when
/// that wait would end past `max_elapsed` after the first attempt (from v0.122; before,
/// when the time since the first attempt is already past it). 0: never give up.
/// `interval` is the current nominal interval; it grows by `multiplier` up to `max`.
/// `u` is a uniform draw in [0, 1).
pub fn exporterhelper(
    interval: &mut f64,
    elapsed: Nanos,
    cfg: &RetryOnFailure,
    u: f64,
) -> Option<Nanos> {
    let r = cfg.randomization_factor;
    let wait = *interval * (1.0 - r + 2.0 * r * u);
    *interval = (*interval * cfg.multiplier).min(cfg.max_interval as f64);
    let wait = wait.round() as Nanos;
    let over = if cfg.give_up_early {
        elapsed.saturating_add(wait) > cfg.max_elapsed_time
    } else {
        elapsed > cfg.max_elapsed_time
    };
    if cfg.max_elapsed_time > 0 && over {
        return None;
    }
    Some(wait)
}

/// grpc-go's `backoff.DefaultConfig`: base delay, multiplier, jitter, max delay [ns].
const GRPC_BASE: f64 = 1e9;
const GRPC_MULT: f64 = 1.6;
const GRPC_JITTER: f64 = 0.2;
const GRPC_MAX: f64 = 120e9;

/// `Exponential.Backoff(retries)` (grpc-go internal/backoff): the wait before the next dial
/// after `retries` failed ones; `u` uniform in [0, 1).
pub fn grpc(retries: u32, u: f64) -> Nanos {
    let mut b = GRPC_BASE;
    if retries == 0 {
        return b as Nanos;
    }
    let mut r = retries;
    while b < GRPC_MAX && r > 0 {
        b *= GRPC_MULT;
        r -= 1;
    }
    b = b.min(GRPC_MAX);
    (b * (1.0 + GRPC_JITTER * (u * 2.0 - 1.0))).max(0.0) as Nanos
}

/// When an SDK export that started at `started` and failed at `now` after `retries` retries
/// is tried again, or None when it is given up: out of retries, past the policy's
/// elapsed-time cap, or past the export's deadline. `u` is a uniform draw for the jitter.
pub fn sdk_retry(
    p: &RetryPolicy,
    deadline: Option<Nanos>,
    started: Nanos,
    now: Nanos,
    retries: u32,
    u: f64,
) -> Option<Nanos> {
    if !p.enabled || retries >= p.max_retries {
        return None;
    }
    let at = now.saturating_add(p.delay(retries + 1, u));
    let in_time = p.max_elapsed.is_none_or(|m| at - started < m)
        && deadline.is_none_or(|d| at < started.saturating_add(d));
    in_time.then_some(at)
}

impl RetryPolicy {
    /// The nominal (jitter-free) delay before retry number `retry` (1-based).
    pub fn nominal(&self, retry: u32) -> f64 {
        let d = self.initial as f64
            * self
                .multiplier
                .powi(retry.saturating_sub(1).min(200) as i32);
        d.min(self.max as f64)
    }

    /// The delay before retry `retry` with jitter, `u` uniform in [0, 1).
    pub fn delay(&self, retry: u32, u: f64) -> Nanos {
        let d = self.nominal(retry);
        let j = match self.jitter {
            Jitter::Proportional(f) => d * (1.0 - f + 2.0 * f * u),
            Jitter::Additive(a) => d + a as f64 * u,
            Jitter::Full => d * u,
        };
        j.max(0.0) as Nanos
    }
}

/// olivere/elastic's bulk commit retry (`RetryNotify` with `ExponentialBackoff(initial,
/// max)`, backoff.go and retry.go in v6.2.35 and v7.0.32): the wait before attempt
/// `retry` + 1 is `jitter` x `initial` x 2^`retry`, `jitter` uniform in [1, 2) as olivere
/// draws it; once that reaches `max` the chain gives up (None) and the requests stay in the
/// bulk service for the worker's next commit.
pub fn olivere_bulk(retry: u32, jitter: f64, initial: Nanos, max: Nanos) -> Option<Nanos> {
    let wait = jitter * initial as f64 * 2f64.powi(retry.min(60) as i32);
    (wait < max as f64).then_some(wait as Nanos)
}

impl Restart {
    /// Kubernetes crash-loop back-off for a process killed at `now` that started at
    /// `last_start`: the time until it is up again, or None without restarts. `consecutive`
    /// counts crashes in a row (reset after `backoff_reset` of running).
    pub fn next_start(
        &self,
        consecutive: &mut u32,
        last_start: Nanos,
        now: Nanos,
    ) -> Option<Nanos> {
        if !self.enabled {
            return None;
        }
        if now.saturating_sub(last_start) >= self.backoff_reset {
            *consecutive = 0;
        }
        let delay = self
            .backoff_initial
            .saturating_mul(1u64 << (*consecutive).min(40))
            .min(self.backoff_max);
        *consecutive += 1;
        Some(delay.saturating_add(self.startup))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Nanos = 1_000_000;
    const S: Nanos = 1_000_000_000;

    #[test]
    fn grpc_is_grpc_gos_default_config() {
        // u = 0.5: no jitter. 1 s, 1.6 s, 2.56 s ... capped at 120 s.
        assert_eq!(grpc(0, 0.5), S);
        assert_eq!(grpc(1, 0.5), 1_600_000_000);
        assert_eq!(grpc(2, 0.5), 2_560_000_000);
        assert_eq!(grpc(20, 0.5), 120 * S);
        // Jitter ±20%; retries 0 has none (Backoff returns BaseDelay as is).
        assert_eq!(grpc(1, 0.0), 1_280_000_000);
        assert_eq!(grpc(0, 0.0), S);
    }

    #[test]
    fn olivere_bulk_doubles_from_initial_and_gives_up_at_max() {
        // Jaeger's bulk processor: 200 ms, 10 s (olivere's defaults).
        let (initial, max) = (200 * MS, 10 * S);
        let table: [(u32, f64, Option<Nanos>); 7] = [
            (1, 1.0, Some(400 * MS)),
            (1, 1.5, Some(600 * MS)),
            (2, 1.0, Some(800 * MS)),
            (4, 1.0, Some(3_200 * MS)),
            (5, 1.5, Some(9_600 * MS)),
            // r x 6.4 s reaches 10 s at r = 1.5625: the chain stops.
            (5, 1.5625, None),
            (6, 1.0, None),
        ];
        for (retry, jitter, want) in table {
            assert_eq!(
                olivere_bulk(retry, jitter, initial, max),
                want,
                "retry {retry}, jitter {jitter}"
            );
        }
    }

    fn restart() -> Restart {
        Restart {
            enabled: true,
            backoff_initial: 10 * S,
            backoff_max: 300 * S,
            backoff_reset: 600 * S,
            startup: 2 * S,
        }
    }

    #[test]
    fn crash_loop_doubles_to_five_minutes_and_resets_after_ten_of_running() {
        let r = restart();
        let mut n = 0;
        // Killed again right after each start: 10, 20, 40 ... s, capped at 300 s, plus the
        // start-up.
        let waits: Vec<Nanos> = (0..7)
            .map(|_| r.next_start(&mut n, 0, S).unwrap() / S)
            .collect();
        assert_eq!(waits, [12, 22, 42, 82, 162, 302, 302]);
        // Ten minutes of running resets the count.
        assert_eq!(r.next_start(&mut n, 0, 600 * S), Some(12 * S));
        assert_eq!(n, 1);
        let off = Restart {
            enabled: false,
            ..restart()
        };
        assert_eq!(off.next_start(&mut n, 0, S), None);
    }
}
