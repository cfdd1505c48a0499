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
    /// `quadrature` ([`wire_quadrature`]) is given at request resolution only.
    pub fn new(cfg: &WorkloadCfg, quadrature: Option<&[(u32, f64)]>, streams: &Streams) -> Self {
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
            chunk: quadrature.map(ChunkSizes::new),
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

    /// Total wire size of `n` spans (request resolution; see [`ChunkSizes`]).
    #[inline]
    pub fn chunk_wire(&mut self, n: u32) -> u64 {
        let c = self.chunk.as_mut().expect("request resolution");
        if c.var == 0.0 {
            return (c.mean * n as f64 + 0.5) as u64;
        }
        match c.params(n) {
            SumDraw::Normal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(&mut self.rng_sizes);
                // Every span is at least 1 byte, as span_wire_size clamps. Adding 0.5 and
                // truncating rounds (libm's round is a call); the cast takes a negative to 0.
                ((mu + sigma * z + 0.5) as u64).max(n as u64)
            }
            SumDraw::Spans => (0..n).map(|_| self.span_wire_size() as u64).sum(),
        }
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

/// Cells of the quadrature's body.
pub const QUADRATURE: usize = 4096;
/// Halvings of each end cell: the tails are resolved down to a probability of 2^-(12+40).
const TAIL_HALVINGS: i32 = 40;

/// The span-size distribution as a weighted quadrature of wire sizes, made as
/// [`Workload::span_wire_size`] makes them (clamped, rounded): the deterministic stand-in
/// that request resolution takes its moments from, so its means match span resolution's.
/// [`QUADRATURE`] equal cells of probability, the two end cells cut into halving pieces so
/// that a heavy tail (a lognormal of sigma 3, an atom of weight 1e-4) keeps its weight.
/// Returns (wire, probability) pairs; the probabilities sum to 1.
pub fn wire_quadrature(size: &Sampler) -> Vec<(u32, f64)> {
    let h = 1.0 / QUADRATURE as f64;
    let wire = |u: f64| (size.quantile(u).clamp(1.0, 4.0e9) + 0.5) as u32;
    // The end cells [0, h] and [1 - h, 1]: pieces [h 2^-(j+1), h 2^-j], then the rest.
    // Each piece is cut again into 8 equal parts: the quantile function is steep there.
    let pieces: Vec<(f64, f64)> = (0..=TAIL_HALVINGS)
        .flat_map(|j| {
            let hi = h * 0.5f64.powi(j);
            let lo = if j < TAIL_HALVINGS { hi / 2.0 } else { 0.0 };
            let w = (hi - lo) / 8.0;
            (0..8).map(move |k| (lo + (k as f64 + 0.5) * w, w))
        })
        .collect();
    let mut out: Vec<(u32, f64)> = pieces.iter().map(|&(u, p)| (wire(u), p)).collect();
    out.extend((1..QUADRATURE - 1).map(|i| (wire((i as f64 + 0.5) * h), h)));
    out.extend(pieces.iter().rev().map(|&(u, p)| (wire(1.0 - u), p)));
    out
}

/// How a request's total wire size is drawn. When the sum's coefficient of variation is
/// below [`NORMAL_CV`] (narrow span sizes, or many spans), it is one normal draw with the
/// sum's exact mean `n m` and variance `n v`: a value below 0 has odds of 1 in 30,000 and
/// every total over many requests keeps its mean. Otherwise (wide or heavy-tailed sizes, few
/// spans) the spans are drawn one by one and summed, so the sum is exact: a moment-matched
/// lognormal (Fenton-Wilkinson) was tried and rejected, because its tail runs far past what
/// the spans can sum to (800 B spans with one 1 MB span in 10,000 drew a 25 MB request and
/// a 150 MB peak RSS where the exact run peaks at 24 MB).
#[derive(Clone, Debug)]
pub struct ChunkSizes {
    /// Mean and variance of one span's wire size (over the quadrature).
    pub mean: f64,
    pub var: f64,
    /// The draw of the sum of n spans, for small n (computed on first use).
    by_n: Vec<Option<SumDraw>>,
}

impl ChunkSizes {
    /// From a weighted quadrature ([`wire_quadrature`]).
    pub fn new(wires: &[(u32, f64)]) -> Self {
        let mean = wires.iter().map(|&(w, p)| w as f64 * p).sum::<f64>();
        let var = wires
            .iter()
            .map(|&(w, p)| p * (w as f64 - mean).powi(2))
            .sum::<f64>();
        ChunkSizes {
            mean,
            var,
            by_n: vec![None; 256],
        }
    }

    fn compute(&self, n: u32) -> SumDraw {
        let m = self.mean * n as f64;
        let sd = (self.var * n as f64).sqrt();
        if sd < NORMAL_CV * m {
            SumDraw::Normal { mu: m, sigma: sd }
        } else {
            SumDraw::Spans
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
enum SumDraw {
    Normal { mu: f64, sigma: f64 },
    Spans,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request's total size has the mean and variance of the sum of its spans, whether it
    /// is one normal draw (narrow sizes) or the spans summed (wide sizes).
    #[test]
    fn chunk_sums_have_the_sum_moments() {
        for sigma in [0.15, 1.0] {
            let size = Sampler::Lognormal {
                mu: 845f64.ln() - sigma * sigma / 2.0,
                sigma,
            };
            let cfg = WorkloadCfg {
                arrivals: ArrivalKind::Poisson,
                rate_steps: vec![(0, 1.0)],
                spans_per_request: Sampler::Fixed(1.0),
                span_size: size.clone(),
                request_duration: None,
            };
            let q = wire_quadrature(&size);
            let mut w = Workload::new(&cfg, Some(&q), &Streams::new(5));
            let (m, v) = {
                let c = w.chunk.as_ref().unwrap();
                (c.mean, c.var)
            };
            assert!((m / 845.0 - 1.0).abs() < 0.002, "quadrature mean {m}");
            assert!(
                (v / size.variance() - 1.0).abs() < 0.01,
                "quadrature variance {v}"
            );
            for n in [1u32, 9, 100] {
                let cv = (v * n as f64).sqrt() / (m * n as f64);
                let normal = matches!(w.chunk.as_mut().unwrap().params(n), SumDraw::Normal { .. });
                assert_eq!(normal, cv < NORMAL_CV, "n {n} cv {cv}");
                let k = 100_000;
                let xs: Vec<f64> = (0..k).map(|_| w.chunk_wire(n) as f64).collect();
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

    /// The quadrature keeps heavy tails and rare atoms: its moments are the distribution's.
    #[test]
    fn the_quadrature_keeps_the_tails() {
        let cases = [
            Sampler::Lognormal {
                mu: 845f64.ln() - 2.0,
                sigma: 2.0,
            },
            Sampler::Lognormal {
                mu: 845f64.ln() - 4.5,
                sigma: 3.0,
            },
            Sampler::Empirical {
                values: vec![800.0, 1.0e6],
                cdf: vec![0.9999, 1.0],
            },
        ];
        for d in cases {
            let c = ChunkSizes::new(&wire_quadrature(&d));
            let total: f64 = wire_quadrature(&d).iter().map(|x| x.1).sum();
            assert!((total - 1.0).abs() < 1e-12, "weights sum to {total}");
            assert!(
                (c.mean / d.mean() - 1.0).abs() < 0.005,
                "{d:?}: mean {}",
                c.mean
            );
            // Sigma 3 reaches the 4 GB clamp of span sizes within the resolved tail: its
            // variance is the clamped distribution's, below the formula's.
            let clamped = matches!(d, Sampler::Lognormal { sigma, .. } if sigma > 2.5);
            if !clamped {
                assert!(
                    (c.var / d.variance() - 1.0).abs() < 0.05,
                    "{d:?}: var {}",
                    c.var
                );
            }
        }
    }
}
