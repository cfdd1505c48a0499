//! Replication statistics: means with Student-t confidence intervals, empirical quantiles,
//! Wilson intervals for proportions.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Mean and two-sided confidence bounds of the mean (Student t with n-1 degrees of
/// freedom). With one value the bounds equal the mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanCi {
    pub n: usize,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
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
            low: mean,
            high: mean,
        });
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    let t = StudentsT::new(0.0, 1.0, n as f64 - 1.0)
        .map(|d| d.inverse_cdf(0.5 + level / 2.0))
        .unwrap_or(f64::NAN);
    let h = t * (var / n as f64).sqrt();
    Some(MeanCi {
        n,
        mean,
        low: mean - h,
        high: mean + h,
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
        // n = 4, mean 2.5, s = 1.2910, t(0.975, 3) = 3.1824: half-width 2.0542.
        let c = mean_ci(&[1.0, 2.0, 3.0, 4.0], 0.95).unwrap();
        assert!((c.mean - 2.5).abs() < 1e-12);
        assert!((c.high - c.mean - 2.0542).abs() < 1e-3, "{c:?}");
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
