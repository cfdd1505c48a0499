//! Replication statistics: means with confidence intervals that stay inside what was
//! observed, empirical quantiles, Wilson intervals for proportions.
//!
//! The interval of a mean is Student's t interval (n-1 degrees of freedom) intersected with
//! the observed range [min, max]. The t interval is symmetric: when runs pile up against a
//! bound (peak RSS at the container limit, where the OOM kill stops it; a fraction at 0 or
//! 1; a drop count at 0) its upper end lands past every observation and past the bound
//! itself (a mean of peaks "up to 502.1 MB" under a 500 MB limit), a value no run can give.
//! Clipping to what was observed removes that and nothing else: where the data are spread
//! enough for the t interval to be trusted it lies inside the range anyway. The cost is
//! coverage when the true mean lies outside every value seen, which takes a tail the
//! replications never sampled, where the t interval would not hold either. Clipping is
//! deterministic and cheap (a bootstrap percentile interval, also range-respecting, would
//! need seeded resampling per point and metric to stay byte-identical across threads,
//! shards and merges). With one value there is no interval at all: a zero-width interval
//! would claim a certainty that one run cannot give. Proportions (the OOM probability) use
//! the Wilson score interval, which stays within [0, 1].

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Mean of n values and, for n >= 2, two-sided confidence bounds of the mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanCi {
    pub n: usize,
    pub mean: f64,
    /// (low, high), within [min, max] of the values; None with one value.
    pub interval: Option<(f64, f64)>,
}

pub fn mean_ci(xs: &[f64], level: f64) -> Option<MeanCi> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Some(MeanCi {
            n,
            mean,
            interval: None,
        });
    }
    let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    let t = StudentsT::new(0.0, 1.0, n as f64 - 1.0)
        .map(|d| d.inverse_cdf(0.5 + level / 2.0))
        .unwrap_or(f64::NAN);
    let h = t * (var / n as f64).sqrt();
    // The summed mean can differ from min = max in the last bit: keep low <= mean <= high.
    let (min, max) = (min.min(mean), max.max(mean));
    Some(MeanCi {
        n,
        mean,
        interval: Some(((mean - h).clamp(min, max), (mean + h).clamp(min, max))),
    })
}

/// Empirical quantile (type 7, linear interpolation, as R and numpy default).
pub fn quantile(xs: &[f64], q: f64) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

/// Wilson score interval of a proportion k/n.
pub fn wilson(k: usize, n: usize, level: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = Normal::new(0.0, 1.0)
        .map(|d| d.inverse_cdf(0.5 + level / 2.0))
        .unwrap_or(1.96);
    let n = n as f64;
    let p = k as f64 / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    let lo = if k == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if k as f64 == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_interval_by_hand() {
        // n = 8, mean 2.5, s = 1.1952, t(0.975, 7) = 2.3646: half-width 0.9992, inside [1, 4].
        let c = mean_ci(&[1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0], 0.95).unwrap();
        assert!((c.mean - 2.5).abs() < 1e-12);
        let (lo, hi) = c.interval.unwrap();
        assert!((hi - c.mean - 0.9992).abs() < 1e-3, "{c:?}");
        assert!((c.mean - lo - 0.9992).abs() < 1e-3, "{c:?}");
    }

    /// Regression (issue 25): one replication gave a zero-width 95% interval.
    #[test]
    fn one_value_has_no_interval() {
        let c = mean_ci(&[5.0], 0.95).unwrap();
        assert_eq!((c.n, c.mean, c.interval), (1, 5.0, None));
        assert_eq!(mean_ci(&[], 0.95), None);
    }

    /// Regression (issue 25): peaks piled at a 500 MB limit gave a mean interval up to
    /// 502.1 MB, above the limit and above every run.
    #[test]
    fn intervals_stay_inside_the_observed_range() {
        // n = 4, mean 2.5: the t half-width 2.0542 would reach [0.45, 4.55].
        let (lo, hi) = mean_ci(&[1.0, 2.0, 3.0, 4.0], 0.95)
            .unwrap()
            .interval
            .unwrap();
        assert_eq!((lo, hi), (1.0, 4.0));
        let peaks = [500e6, 500e6, 480e6];
        let (lo, hi) = mean_ci(&peaks, 0.95).unwrap().interval.unwrap();
        assert_eq!(hi, 500e6);
        assert_eq!(lo, 480e6);
        let fractions = [0.0, 0.0, 0.0, 0.1];
        let (lo, hi) = mean_ci(&fractions, 0.99).unwrap().interval.unwrap();
        assert!(lo >= 0.0 && hi <= 0.1, "{lo} {hi}");
        // All equal: the interval is the value.
        let c = mean_ci(&[0.1; 3], 0.95).unwrap();
        let (lo, hi) = c.interval.unwrap();
        assert!(lo <= c.mean && c.mean <= hi && hi - lo < 1e-15);
    }

    #[test]
    fn quantiles_and_wilson() {
        assert_eq!(quantile(&[3.0, 1.0, 2.0, 4.0], 0.5), Some(2.5));
        assert_eq!(quantile(&[5.0], 0.9), Some(5.0));
        let (lo, hi) = wilson(0, 20, 0.95);
        assert_eq!(lo, 0.0);
        assert_eq!(wilson(5, 5, 0.95).1, 1.0);
        assert!((hi - 0.1611).abs() < 1e-3, "{hi}");
    }
}
