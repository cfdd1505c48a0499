//! Request arrivals and the spans they produce.
//!
//! Arrivals follow a piecewise-constant rate. The time of the next arrival inverts the
//! integrated rate: an exponential amount of "rate mass" for Poisson arrivals (exact for a
//! non-homogeneous Poisson process with piecewise-constant intensity), exactly one unit for
//! constant arrivals, consumed across rate steps.

use crate::dist::Sampler;
use crate::scenario::Workload as WorkloadCfg;
use crate::scenario::raw::{ArrivalKind, Resolution};
use crate::sim::{NS_PER_SEC, Nanos, Stream, Streams, from_secs};
use rand_distr::{Distribution, Exp1, StandardNormal};
use rand_pcg::Pcg64;

pub struct Workload {
    arrivals: ArrivalKind,
    steps: Vec<(Nanos, f64)>,
    /// 1 / rate of each step (0 where the rate is 0).
    inv_rates: Vec<f64>,
    cur_step: usize,
    spans_per_request: Sampler,
    span_size: Sampler,
    request_duration: Option<Sampler>,
    /// At request resolution: how a request's total wire size is drawn.
    chunk: Option<ChunkSizes>,
    rng_arrivals: Pcg64,
    rng_spans: Pcg64,
    rng_sizes: Pcg64,
    rng_durations: Pcg64,
}

impl Workload {
    pub fn new(cfg: &WorkloadCfg, resolution: Resolution, streams: &Streams) -> Self {
        Workload {
            arrivals: cfg.arrivals,
            steps: cfg.rate_steps.clone(),
            inv_rates: cfg
                .rate_steps
                .iter()
                .map(|&(_, r)| if r > 0.0 { 1.0 / r } else { 0.0 })
                .collect(),
            cur_step: 0,
            spans_per_request: cfg.spans_per_request.clone(),
            span_size: cfg.span_size.clone(),
            request_duration: cfg.request_duration.clone(),
            chunk: (resolution == Resolution::Request)
                .then(|| ChunkSizes::new(&wire_quadrature(&cfg.span_size))),
            rng_arrivals: streams.get(Stream::Arrivals),
            rng_spans: streams.get(Stream::SpansPerRequest),
            rng_sizes: streams.get(Stream::SpanSizes),
            rng_durations: streams.get(Stream::RequestDurations),
        }
    }

    /// The rate step in force at `t`. Arrivals are asked in time order, so the search starts
    /// from the last answer.
    #[inline]
    fn step_at(&mut self, t: Nanos) -> usize {
        if self.steps[self.cur_step].0 > t {
            self.cur_step = 0;
        }
        while self.steps.get(self.cur_step + 1).is_some_and(|s| s.0 <= t) {
            self.cur_step += 1;
        }
        self.cur_step
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
            let (rate, inv_rate) = (self.steps[i].1, self.inv_rates[i]);
            let end = self.steps.get(i + 1).map(|s| s.0);
            if rate > 0.0 {
                // A multiplication by the precomputed 1/rate: a division is the slowest step here.
                let dt = mass * inv_rate;
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

    /// Total wire size of `n` spans in one draw (request resolution; see [`ChunkSizes`]).
    #[inline]
    pub fn chunk_wire(&mut self, n: u32) -> u64 {
        let c = self.chunk.as_mut().expect("request resolution");
        if c.var == 0.0 {
            return (c.mean * n as f64 + 0.5) as u64;
        }
        let p = c.params(n);
        let z: f64 = StandardNormal.sample(&mut self.rng_sizes);
        let v = if p.lognormal {
            (p.mu + p.sigma * z).exp()
        } else {
            p.mu + p.sigma * z
        };
        // Every span is at least 1 byte, as span_wire_size clamps. Adding 0.5 and truncating
        // rounds a positive value (libm's round is a call); the cast takes a negative to 0.
        ((v + 0.5) as u64).max(n as u64)
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

/// Points of the quadrature that stands for the span-size distribution.
pub const QUADRATURE: usize = 4096;

/// Wire sizes at [`QUADRATURE`] evenly spaced quantiles of the span-size distribution, as
/// [`Workload::span_wire_size`] makes them (clamped, rounded): a deterministic sample that the
/// request resolution takes its moments from, so its means match the span resolution's.
pub fn wire_quadrature(size: &Sampler) -> Vec<u32> {
    (0..QUADRATURE)
        .map(|i| {
            let v = size.quantile((i as f64 + 0.5) / QUADRATURE as f64);
            (v.clamp(1.0, 4.0e9) + 0.5) as u32
        })
        .collect()
}

/// The sum of `n` independent span sizes drawn at once, with the sum's exact mean `n m` and
/// variance `n v`: a lognormal (Fenton-Wilkinson moment matching) or, when the sum's
/// coefficient of variation is below [`NORMAL_CV`], a normal (the lognormal is then close to
/// it, a value below 0 has odds of 1 in 30,000, and it saves an `exp` per request). The mean
/// and so every total over many requests is exact; the shape of a single request's sum is
/// approximated, which no output resolves (they aggregate thousands of spans).
#[derive(Clone, Debug)]
pub struct ChunkSizes {
    /// Mean and variance of one span's wire size (over the quadrature).
    pub mean: f64,
    pub var: f64,
    /// The draw of the sum of n spans, for small n (computed on first use).
    by_n: Vec<Option<SumDraw>>,
}

impl ChunkSizes {
    pub fn new(wires: &[u32]) -> Self {
        let k = wires.len().max(1) as f64;
        let mean = wires.iter().map(|&w| w as f64).sum::<f64>() / k;
        let var = wires
            .iter()
            .map(|&w| (w as f64 - mean).powi(2))
            .sum::<f64>()
            / k;
        ChunkSizes {
            mean,
            var,
            by_n: vec![None; 256],
        }
    }

    fn compute(&self, n: u32) -> SumDraw {
        let m = self.mean * n as f64;
        let var = self.var * n as f64;
        if var.sqrt() < NORMAL_CV * m {
            return SumDraw {
                lognormal: false,
                mu: m,
                sigma: var.sqrt(),
            };
        }
        let s2 = (1.0 + var / (m * m)).ln();
        SumDraw {
            lognormal: true,
            mu: m.ln() - s2 / 2.0,
            sigma: s2.sqrt(),
        }
    }

    #[inline]
    fn params(&mut self, n: u32) -> SumDraw {
        match self.by_n.get(n as usize) {
            Some(Some(p)) => *p,
            Some(None) => {
                let p = self.compute(n);
                self.by_n[n as usize] = Some(p);
                p
            }
            None => self.compute(n),
        }
    }
}

/// Below this coefficient of variation a request's total size is drawn from a normal.
pub const NORMAL_CV: f64 = 0.25;

#[derive(Clone, Copy, Debug)]
struct SumDraw {
    lognormal: bool,
    mu: f64,
    sigma: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request's total size has the mean and variance of the sum of its spans, whether it
    /// is drawn from the normal (narrow sizes) or the lognormal (wide sizes).
    #[test]
    fn chunk_sums_have_the_sum_moments() {
        for sigma in [0.15, 1.0] {
            let size = Sampler::Lognormal {
                mu: 845f64.ln() - sigma * sigma / 2.0,
                sigma,
            };
            let q = wire_quadrature(&size);
            let mut c = ChunkSizes::new(&q);
            let (m, v) = (c.mean, c.var);
            assert!((m / 845.0 - 1.0).abs() < 0.002, "quadrature mean {m}");
            for n in [1u32, 9, 100] {
                let p = c.params(n);
                let cv = (v * n as f64).sqrt() / (m * n as f64);
                assert_eq!(p.lognormal, cv >= NORMAL_CV, "n {n} cv {cv}");
                let mut rng = crate::sim::Streams::from_u64(5);
                let k = 200_000;
                let xs: Vec<f64> = (0..k)
                    .map(|_| {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        if p.lognormal {
                            (p.mu + p.sigma * z).exp()
                        } else {
                            p.mu + p.sigma * z
                        }
                    })
                    .collect();
                let mean = xs.iter().sum::<f64>() / k as f64;
                let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / k as f64;
                let want = m * n as f64;
                assert!(
                    (mean / want - 1.0).abs() < 0.01,
                    "n {n}: mean {mean} vs {want}"
                );
                let want_v = v * n as f64;
                assert!(
                    (var / want_v - 1.0).abs() < 0.1,
                    "n {n}: var {var} vs {want_v}"
                );
            }
        }
    }
}
