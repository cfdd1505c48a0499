//! The hop a tracer exports to: a Datadog trace-agent, an OTLP receiver, or a stand-in.
//!
//! A request's fate is decided when it is sent, as for storage: in a `refuse` window the
//! connection fails after `refuse_latency`; in a `hang` window it is accepted and never
//! answered, so the client's timeout ends it (or the window's end resets it). A healthy agent
//! serves requests FIFO behind its throughput cap, takes a latency draw, answers 413 to a
//! body over `max_payload` (the Datadog agent's `maxRequestBodyLength`), and a 5xx to a
//! fraction `error_rate` of requests. An answer later than the client's timeout is a timeout.

use crate::scenario::raw::OutageMode;
use crate::scenario::tracer::Agent;
use crate::sim::{NS_PER_SEC, Nanos, Stream, Streams};
use rand::Rng;
use rand_pcg::Pcg64;

/// What the client sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    Ok,
    /// 413: over the receiver's payload limit. Not retryable.
    TooLarge,
    /// A retryable error answer (5xx, 429).
    Error,
    /// Refused, reset, or timed out.
    ConnError,
}

pub struct AgentSim {
    pub cfg: Agent,
    busy_until: Nanos,
    rng_latency: Pcg64,
    rng_errors: Pcg64,
}

impl AgentSim {
    pub fn new(cfg: Agent, streams: &Streams) -> Self {
        AgentSim {
            cfg,
            busy_until: 0,
            rng_latency: streams.get(Stream::AgentLatency),
            rng_errors: streams.get(Stream::AgentErrors),
        }
    }

    pub fn reachable(&self, t: Nanos) -> bool {
        !self.cfg.outages.iter().any(|o| o.start <= t && t < o.end)
    }

    /// Sends `spans` spans in a body of `bytes` bytes at `now`; the client gives up after
    /// `timeout`. Returns when the client learns the outcome, and the outcome.
    pub fn request(
        &mut self,
        now: Nanos,
        spans: u64,
        bytes: u64,
        timeout: Nanos,
    ) -> (Nanos, Reply) {
        if let Some(o) = self
            .cfg
            .outages
            .iter()
            .find(|o| o.start <= now && now < o.end)
        {
            let done = match o.mode {
                OutageMode::Refuse => now + self.cfg.refuse_latency,
                OutageMode::Hang => now.saturating_add(timeout).min(o.end),
            };
            return (done.max(now), Reply::ConnError);
        }
        let start = match self.cfg.throughput {
            Some(cap) => {
                let service = (spans as f64 / cap * NS_PER_SEC as f64).round() as Nanos;
                let s = self.busy_until.max(now);
                self.busy_until = s + service;
                self.busy_until
            }
            None => now,
        };
        let latency = self.cfg.latency.sample(&mut self.rng_latency).max(0.0) as Nanos;
        let done = start + latency;
        if done - now > timeout {
            return (now.saturating_add(timeout), Reply::ConnError);
        }
        if self.cfg.max_payload.is_some_and(|m| bytes > m) {
            return (done, Reply::TooLarge);
        }
        if self.cfg.error_rate > 0.0 && self.rng_errors.r#gen::<f64>() < self.cfg.error_rate {
            return (done, Reply::Error);
        }
        (done, Reply::Ok)
    }
}
