//! Request arrivals and the spans they produce.
//!
//! Arrivals follow a piecewise-constant rate. The time of the next arrival inverts the
//! integrated rate: an exponential amount of "rate mass" for Poisson arrivals (exact for a
//! non-homogeneous Poisson process with piecewise-constant intensity), exactly one unit for
//! constant arrivals, consumed across rate steps.

use crate::dist::Sampler;
use crate::scenario::Workload as WorkloadCfg;
use crate::scenario::raw::ArrivalKind;
use crate::sim::{NS_PER_SEC, Nanos, Stream, Streams, from_secs};
use rand_distr::{Distribution, Exp1};
use rand_pcg::Pcg64;

pub struct Workload {
    arrivals: ArrivalKind,
    steps: Vec<(Nanos, f64)>,
    spans_per_request: Sampler,
    span_size: Sampler,
    request_duration: Option<Sampler>,
    rng_arrivals: Pcg64,
    rng_spans: Pcg64,
    rng_sizes: Pcg64,
    rng_durations: Pcg64,
}

impl Workload {
    pub fn new(cfg: &WorkloadCfg, streams: &Streams) -> Self {
        Workload {
            arrivals: cfg.arrivals,
            steps: cfg.rate_steps.clone(),
            spans_per_request: cfg.spans_per_request.clone(),
            span_size: cfg.span_size.clone(),
            request_duration: cfg.request_duration.clone(),
            rng_arrivals: streams.get(Stream::Arrivals),
            rng_spans: streams.get(Stream::SpansPerRequest),
            rng_sizes: streams.get(Stream::SpanSizes),
            rng_durations: streams.get(Stream::RequestDurations),
        }
    }

    fn step_at(&self, t: Nanos) -> usize {
        self.steps.partition_point(|&(start, _)| start <= t) - 1
    }

    /// Time of the next request after `now`, or None if the rate stays 0 from here on.
    pub fn next_arrival(&mut self, now: Nanos) -> Option<Nanos> {
        let mut mass: f64 = match self.arrivals {
            ArrivalKind::Poisson => Exp1.sample(&mut self.rng_arrivals),
            ArrivalKind::Constant => 1.0,
        };
        let mut t = now;
        let mut i = self.step_at(now);
        loop {
            let rate = self.steps[i].1;
            let end = self.steps.get(i + 1).map(|s| s.0);
            if rate > 0.0 {
                let dt = mass / rate;
                let cand = t.saturating_add(from_secs(dt));
                match end {
                    Some(e) if cand >= e => {
                        mass -= (e - t) as f64 / NS_PER_SEC as f64 * rate;
                        mass = mass.max(0.0);
                        t = e;
                    }
                    _ => return Some(cand.max(now + 1)),
                }
            } else {
                t = end?;
            }
            i += 1;
        }
    }

    /// Spans the next request produces.
    #[inline]
    pub fn spans_in_request(&mut self) -> u32 {
        let v = self.spans_per_request.sample(&mut self.rng_spans);
        // Non-negative: adding 0.5 and truncating rounds (libm's round is slower).
        (v.clamp(0.0, 1.0e6) + 0.5) as u32
    }

    /// Wire size of the next span [bytes].
    #[inline]
    pub fn span_wire_size(&mut self) -> u32 {
        let v = self.span_size.sample(&mut self.rng_sizes);
        (v.clamp(1.0, 4.0e9) + 0.5) as u32
    }

    /// Duration of the next request, 0 when the scenario gives none.
    #[inline]
    pub fn request_duration(&mut self) -> Nanos {
        match &self.request_duration {
            Some(d) => d.sample(&mut self.rng_durations).max(0.0) as Nanos,
            None => 0,
        }
    }
}
