//! The storage backend as the collector sees it: latency, an optional throughput cap, item
//! rejections, and outage windows that refuse connections or hang them.
//!
//! A request's fate is decided when it is sent: healthy requests queue behind the
//! throughput cap (a FIFO server: `busy_until`) and then take a latency draw; a request sent
//! into a `refuse` window fails after `refuse_latency`; one sent into a `hang` window fails
//! when the client timeout expires or, without a timeout, when the outage ends and the
//! connection is reset. A healthy request whose flight overlaps the start of an outage still
//! completes (outages begin between requests; the error is at most one latency).

use crate::scenario::raw::OutageMode;
use crate::scenario::{Outage, Storage as StorageCfg};
use crate::sim::{NS_PER_SEC, Nanos, Stream, Streams};
use rand::Rng;
use rand_distr::{Binomial, Distribution};
use rand_pcg::Pcg64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Stored, except `rejected` items refused one by one by a healthy backend.
    Ok { rejected: u64 },
    /// Connection refused, reset or timed out: a net error for the client.
    ConnError,
}

#[derive(Clone, Copy, Debug)]
pub struct Response {
    pub done_at: Nanos,
    pub outcome: Outcome,
}

pub struct StorageSim {
    pub cfg: StorageCfg,
    busy_until: Nanos,
    rng_latency: Pcg64,
    rng_errors: Pcg64,
}

impl StorageSim {
    pub fn new(cfg: StorageCfg, streams: &Streams) -> Self {
        StorageSim {
            cfg,
            busy_until: 0,
            rng_latency: streams.get(Stream::StorageLatency),
            rng_errors: streams.get(Stream::StorageErrors),
        }
    }

    pub fn outage_at(&self, t: Nanos) -> Option<&Outage> {
        self.cfg.outage_at(t)
    }

    /// Would a health check at `t` find the backend up?
    pub fn reachable(&self, t: Nanos) -> bool {
        self.outage_at(t).is_none()
    }

    /// Sends a request carrying `items` spans at `now`.
    pub fn request(&mut self, now: Nanos, items: u64) -> Response {
        self.request_within(now, items, self.cfg.timeout)
    }

    /// A request from a client that gives up after `timeout` (an OpenTelemetry exporter's
    /// per-attempt timeout): an answer later than that is a timeout error.
    pub fn request_timed(&mut self, now: Nanos, items: u64, timeout: Nanos) -> Response {
        let r = self.request_within(now, items, Some(timeout));
        if r.done_at > now + timeout {
            return Response {
                done_at: now + timeout,
                outcome: Outcome::ConnError,
            };
        }
        r
    }

    fn request_within(&mut self, now: Nanos, items: u64, timeout: Option<Nanos>) -> Response {
        if let Some(o) = self.outage_at(now).copied() {
            let done_at = match o.mode {
                OutageMode::Refuse => now + self.cfg.refuse_latency,
                OutageMode::Hang => match timeout {
                    Some(to) => (now + to).min(o.end),
                    None => o.end,
                },
            };
            return Response {
                done_at: done_at.max(now),
                outcome: Outcome::ConnError,
            };
        }
        let start = match self.cfg.throughput {
            Some(cap) => {
                let service = (items as f64 / cap * NS_PER_SEC as f64).round() as Nanos;
                let s = self.busy_until.max(now);
                self.busy_until = s + service;
                self.busy_until
            }
            None => now,
        };
        let latency = self.cfg.latency.sample(&mut self.rng_latency).max(0.0) as Nanos;
        let rejected = if self.cfg.error_rate > 0.0 {
            if items == 1 {
                u64::from(self.rng_errors.r#gen::<f64>() < self.cfg.error_rate)
            } else {
                Binomial::new(items, self.cfg.error_rate)
                    .map(|b| b.sample(&mut self.rng_errors))
                    .unwrap_or(0)
            }
        } else {
            0
        };
        Response {
            done_at: start + latency,
            outcome: Outcome::Ok { rejected },
        }
    }
}
