//! Distributions in scenario files and their samplers.
//!
//! A distribution is written either as a bare value (`"845B"`, `9`) meaning "always this",
//! or as a table with a `dist` key:
//!
//! ```toml
//! span_size = { dist = "lognormal", mean = "845B", sigma = 0.3 }
//! spans_per_request = { dist = "empirical", values = [8, 9], weights = [1, 2] }
//! span_size = { dist = "histogram", edges = ["200B", "500B", "2KiB"], weights = [3, 1] }
//! latency = { dist = "exponential", mean = "20ms" }
//! ```

use rand::Rng;
use rand_distr::{Distribution, Exp1, Poisson, StandardNormal};
use serde::Deserialize;
use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// Conversion of a unit value to the f64 the sampler works in (bytes, nanoseconds, counts).
pub trait UnitValue {
    fn to_f64(&self) -> f64;
}
impl UnitValue for crate::units::ByteSize {
    fn to_f64(&self) -> f64 {
        self.0 as f64
    }
}
impl UnitValue for crate::units::Duration {
    fn to_f64(&self) -> f64 {
        self.0 as f64
    }
}
impl UnitValue for f64 {
    fn to_f64(&self) -> f64 {
        *self
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum DistTable<T> {
    Fixed {
        value: T,
    },
    Exponential {
        mean: T,
    },
    /// Lognormal with the given mean and the sigma of the underlying normal.
    Lognormal {
        mean: T,
        sigma: f64,
    },
    Uniform {
        min: T,
        max: T,
    },
    /// Discrete values with relative weights (equal when omitted).
    Empirical {
        values: Vec<T>,
        #[serde(default)]
        weights: Vec<f64>,
    },
    /// Bins between consecutive edges, uniform inside a bin, chosen by weight.
    Histogram {
        edges: Vec<T>,
        weights: Vec<f64>,
    },
    /// Poisson counts (for counts only).
    Poisson {
        mean: f64,
    },
}

/// A distribution as written: a bare value or a table.
#[derive(Clone, Debug)]
pub enum DistSpec<T> {
    Value(T),
    Table(DistTable<T>),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for DistSpec<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = DistSpec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a value, or a table such as { dist = \"lognormal\", mean = ..., sigma = ... }",
                )
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                T::deserialize(s.into_deserializer()).map(DistSpec::Value)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(DistSpec::Value)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(DistSpec::Value)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(DistSpec::Value)
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<Self::Value, M::Error> {
                DistTable::deserialize(de::value::MapAccessDeserializer::new(m))
                    .map(DistSpec::Table)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A validated, ready-to-draw distribution over f64 in the base unit.
#[derive(Clone, Debug)]
pub enum Sampler {
    Fixed(f64),
    Exponential { mean: f64 },
    Lognormal { mu: f64, sigma: f64 },
    Uniform { lo: f64, hi: f64 },
    Empirical { values: Vec<f64>, cdf: Vec<f64> },
    Histogram { edges: Vec<f64>, cdf: Vec<f64> },
    Poisson { dist: Poisson<f64>, mean: f64 },
}

fn cdf_of(weights: &[f64], n: usize) -> Result<Vec<f64>, String> {
    let w: Vec<f64> = if weights.is_empty() {
        vec![1.0; n]
    } else {
        weights.to_vec()
    };
    if w.len() != n {
        return Err(format!("has {} weights for {} entries", w.len(), n));
    }
    if w.iter().any(|x| !x.is_finite() || *x < 0.0) {
        return Err("weights must be non-negative numbers".into());
    }
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return Err("weights sum to zero".into());
    }
    let mut acc = 0.0;
    Ok(w.iter()
        .map(|x| {
            acc += x / total;
            acc
        })
        .collect())
}

impl<T: UnitValue> DistSpec<T> {
    /// Validates the parameters (`what` names the quantity in messages).
    pub fn sampler(&self) -> Result<Sampler, String> {
        let t = match self {
            DistSpec::Value(v) => return Ok(Sampler::Fixed(v.to_f64())),
            DistSpec::Table(t) => t,
        };
        Ok(match t {
            DistTable::Fixed { value } => Sampler::Fixed(value.to_f64()),
            DistTable::Exponential { mean } => Sampler::Exponential {
                mean: mean.to_f64(),
            },
            DistTable::Lognormal { mean, sigma } => {
                let m = mean.to_f64();
                if !(sigma.is_finite() && *sigma >= 0.0 && *sigma <= 5.0) {
                    return Err(format!("sigma {sigma} must be between 0 and 5"));
                }
                if m <= 0.0 {
                    return Err("lognormal mean must be positive".into());
                }
                Sampler::Lognormal {
                    mu: m.ln() - sigma * sigma / 2.0,
                    sigma: *sigma,
                }
            }
            DistTable::Uniform { min, max } => {
                let (lo, hi) = (min.to_f64(), max.to_f64());
                if hi < lo {
                    return Err("uniform max is below min".into());
                }
                Sampler::Uniform { lo, hi }
            }
            DistTable::Empirical { values, weights } => {
                if values.is_empty() {
                    return Err("empirical distribution has no values".into());
                }
                Sampler::Empirical {
                    values: values.iter().map(|v| v.to_f64()).collect(),
                    cdf: cdf_of(weights, values.len())?,
                }
            }
            DistTable::Histogram { edges, weights } => {
                if edges.len() < 2 {
                    return Err("histogram needs at least two edges".into());
                }
                let e: Vec<f64> = edges.iter().map(|v| v.to_f64()).collect();
                if e.windows(2).any(|w| w[1] < w[0]) {
                    return Err("histogram edges must not decrease".into());
                }
                Sampler::Histogram {
                    cdf: cdf_of(weights, e.len() - 1)?,
                    edges: e,
                }
            }
            DistTable::Poisson { mean } => {
                if !(mean.is_finite() && *mean > 0.0) {
                    return Err(format!("poisson mean {mean} must be positive"));
                }
                Sampler::Poisson {
                    dist: Poisson::new(*mean).map_err(|e| e.to_string())?,
                    mean: *mean,
                }
            }
        })
    }
}

/// The probability of each entry of a cumulative distribution.
fn probs(cdf: &[f64]) -> impl Iterator<Item = f64> + '_ {
    cdf.iter().scan(0.0, |prev, &c| {
        let p = c - *prev;
        *prev = c;
        Some(p)
    })
}

fn pick(cdf: &[f64], u: f64) -> usize {
    cdf.partition_point(|&c| c < u).min(cdf.len() - 1)
}

impl Sampler {
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Sampler::Lognormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Sampler::Uniform { lo, hi } => lo + (hi - lo) * rng.r#gen::<f64>(),
            Sampler::Empirical { values, cdf } => values[pick(cdf, rng.r#gen::<f64>())],
            Sampler::Histogram { edges, cdf } => {
                let i = pick(cdf, rng.r#gen::<f64>());
                edges[i] + (edges[i + 1] - edges[i]) * rng.r#gen::<f64>()
            }
            Sampler::Poisson { dist, .. } => dist.sample(rng),
        }
    }

    /// Variance of the distribution.
    pub fn variance(&self) -> f64 {
        let m = self.mean();
        let second = match self {
            Sampler::Fixed(v) => v * v,
            Sampler::Exponential { mean } => 2.0 * mean * mean,
            Sampler::Lognormal { mu, sigma } => (2.0 * mu + 2.0 * sigma * sigma).exp(),
            Sampler::Uniform { lo, hi } => (lo * lo + lo * hi + hi * hi) / 3.0,
            Sampler::Empirical { values, cdf } => {
                values.iter().zip(probs(cdf)).map(|(v, p)| v * v * p).sum()
            }
            Sampler::Histogram { edges, cdf } => edges
                .windows(2)
                .zip(probs(cdf))
                .map(|(e, p)| p * (e[0] * e[0] + e[0] * e[1] + e[1] * e[1]) / 3.0)
                .sum(),
            Sampler::Poisson { mean, .. } => mean + mean * mean,
        };
        (second - m * m).max(0.0)
    }

    /// The value below which a fraction `u` (in (0, 1)) of draws fall.
    pub fn quantile(&self, u: f64) -> f64 {
        use statrs::distribution::{ContinuousCDF, DiscreteCDF, Normal};
        let u = u.clamp(1e-12, 1.0 - 1e-12);
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Exponential { mean } => -mean * (1.0 - u).ln(),
            Sampler::Lognormal { mu, sigma } => {
                let z = Normal::standard().inverse_cdf(u);
                (mu + sigma * z).exp()
            }
            Sampler::Uniform { lo, hi } => lo + (hi - lo) * u,
            Sampler::Empirical { values, cdf } => values[pick(cdf, u)],
            Sampler::Histogram { edges, cdf } => {
                let i = pick(cdf, u);
                let lo = if i == 0 { 0.0 } else { cdf[i - 1] };
                let f = if cdf[i] > lo {
                    (u - lo) / (cdf[i] - lo)
                } else {
                    0.5
                };
                edges[i] + (edges[i + 1] - edges[i]) * f.clamp(0.0, 1.0)
            }
            // statrs bisects, which is slow for a large mean; the normal approximation is
            // within a count there.
            Sampler::Poisson { mean, .. } if *mean > 1000.0 => (mean
                + mean.sqrt() * Normal::standard().inverse_cdf(u))
            .round()
            .max(0.0),
            Sampler::Poisson { mean, .. } => match statrs::distribution::Poisson::new(*mean) {
                Ok(p) => p.inverse_cdf(u) as f64,
                Err(_) => *mean,
            },
        }
    }

    /// Mean of the distribution.
    pub fn mean(&self) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Exponential { mean } => *mean,
            Sampler::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Sampler::Uniform { lo, hi } => (lo + hi) / 2.0,
            Sampler::Empirical { values, cdf } => {
                values.iter().zip(probs(cdf)).map(|(v, p)| v * p).sum()
            }
            Sampler::Histogram { edges, cdf } => edges
                .windows(2)
                .zip(probs(cdf))
                .map(|(e, p)| p * (e[0] + e[1]) / 2.0)
                .sum(),
            Sampler::Poisson { mean, .. } => *mean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::ByteSize;

    #[derive(Deserialize)]
    struct W {
        d: DistSpec<ByteSize>,
    }

    fn parse(s: &str) -> Result<Sampler, String> {
        let w: W = toml::from_str(s).map_err(|e| e.to_string())?;
        w.d.sampler()
    }

    #[test]
    fn forms_parse_and_means_hold() {
        assert_eq!(parse("d = \"845B\"").unwrap().mean(), 845.0);
        let l = parse("d = { dist = \"lognormal\", mean = \"1KiB\", sigma = 0.5 }").unwrap();
        assert!((l.mean() - 1024.0).abs() < 1e-6);
        let e =
            parse("d = { dist = \"empirical\", values = [100, 400], weights = [3, 1] }").unwrap();
        assert!((e.mean() - 175.0).abs() < 1e-9);
        let h =
            parse("d = { dist = \"histogram\", edges = [0, 100, 300], weights = [1, 1] }").unwrap();
        assert!((h.mean() - 125.0).abs() < 1e-9);
        let mut rng = crate::sim::Streams::from_u64(7);
        let n = 200_000;
        let m: f64 = (0..n).map(|_| l.sample(&mut rng)).sum::<f64>() / n as f64;
        assert!((m - 1024.0).abs() < 10.0, "sample mean {m}");
    }

    #[test]
    fn variances_and_quantiles_match_draws() {
        let specs = [
            "d = { dist = \"lognormal\", mean = \"845B\", sigma = 0.3 }",
            "d = { dist = \"exponential\", mean = \"500B\" }",
            "d = { dist = \"uniform\", min = \"100B\", max = \"900B\" }",
            "d = { dist = \"empirical\", values = [100, 400], weights = [3, 1] }",
            "d = { dist = \"histogram\", edges = [0, 100, 300], weights = [1, 3] }",
            "d = { dist = \"poisson\", mean = 40 }",
        ];
        for spec in specs {
            let d = parse(spec).unwrap();
            let mut rng = crate::sim::Streams::from_u64(3);
            let n = 400_000;
            let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
            let m = xs.iter().sum::<f64>() / n as f64;
            let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
            assert!(
                (v / d.variance() - 1.0).abs() < 0.02,
                "{spec}: {v} vs {}",
                d.variance()
            );
            // The quantile function maps uniform midpoints back to the distribution.
            let k = 20_000;
            let qm = (0..k)
                .map(|i| d.quantile((i as f64 + 0.5) / k as f64))
                .sum::<f64>()
                / k as f64;
            assert!(
                (qm / d.mean() - 1.0).abs() < 0.005,
                "{spec}: {qm} vs {}",
                d.mean()
            );
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            let med = sorted[n / 2];
            let q = d.quantile(0.5);
            assert!(
                (q - med).abs() <= 0.02 * d.mean() + 1.0,
                "{spec}: median {med} vs {q}"
            );
        }
    }

    #[test]
    fn bad_tables_are_refused() {
        assert!(parse("d = { dist = \"lognormal\", mean = \"1KiB\" }").is_err());
        assert!(
            parse("d = { dist = \"lognormal\", mean = \"1KiB\", sigma = 1, mode = 2 }").is_err()
        );
        assert!(parse("d = { dist = \"gamma\", mean = \"1KiB\" }").is_err());
        assert!(parse("d = { dist = \"empirical\", values = [1, 2], weights = [1] }").is_err());
        assert!(parse("d = \"12 parsecs\"").is_err());
    }
}
