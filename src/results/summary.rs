//! Summaries across replicates: mean and an equal-tailed 95% interval.

/// Mean and 95% interval of a set of replicate values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Mean across replicates.
    pub mean: f64,
    /// 2.5th percentile.
    pub lo: f64,
    /// 97.5th percentile.
    pub hi: f64,
}

/// The `q`-quantile (0..=1) of sorted values, by linear interpolation between order statistics
/// (type 7, the default of R and numpy).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// Mean and 2.5–97.5% quantiles of `values` (NaN for an empty slice).
pub fn interval(values: &[f64]) -> Interval {
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mean = if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    };
    Interval {
        mean,
        lo: quantile_sorted(&sorted, 0.025),
        hi: quantile_sorted(&sorted, 0.975),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear_interpolation() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        // numpy.quantile(range(1, 11), 0.025) == 1.225 ; 0.975 -> 9.775
        let i = interval(&v);
        assert!((i.mean - 5.5).abs() < 1e-12);
        assert!((i.lo - 1.225).abs() < 1e-12);
        assert!((i.hi - 9.775).abs() < 1e-12);
    }

    #[test]
    fn a_single_replicate_has_a_degenerate_interval() {
        let i = interval(&[3.0]);
        assert_eq!((i.mean, i.lo, i.hi), (3.0, 3.0, 3.0));
    }
}
