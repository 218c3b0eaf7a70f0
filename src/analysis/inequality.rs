//! Inequality measures across deprivation groups: gaps between the most and least deprived
//! fifth, and the slope and relative indices of inequality (SII, RII) across deciles.
//!
//! Orientation: every measure is oriented so that a **positive** gap or SII means the more
//! deprived are worse off. For an adverse measure (admissions per 1,000, cost per head) that is
//! most deprived minus least deprived; for a beneficial one (life expectancy) least minus most.

/// Whether higher values of a measure are bad (admission rates) or good (life expectancy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Higher is worse.
    Adverse,
    /// Higher is better.
    Beneficial,
}

/// Absolute gap between the most and least deprived group, oriented by `direction`.
pub fn gap_abs(most: f64, least: f64, direction: Direction) -> f64 {
    match direction {
        Direction::Adverse => most - least,
        Direction::Beneficial => least - most,
    }
}

/// Relative gap: the worse-off group's value over the better-off group's (for an adverse
/// measure most/least, for a beneficial one least/most); NaN when the divisor is 0.
pub fn gap_rel(most: f64, least: f64, direction: Direction) -> f64 {
    let (num, den) = match direction {
        Direction::Adverse => (most, least),
        Direction::Beneficial => (least, most),
    };
    if den == 0.0 {
        f64::NAN
    } else {
        num / den
    }
}

/// Slope and relative index of inequality.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sii {
    /// Difference in the fitted value between the most deprived (ridit 0) and least deprived
    /// (ridit 1) ends of the deprivation scale, oriented by the direction.
    pub sii: f64,
    /// SII divided by the population-weighted mean (the PHE definition of the RII).
    pub rii: f64,
}

/// SII and RII from groups ordered from most to least deprived, each `(population, value)`:
/// weighted least squares of value on the ridit (the midpoint of the group's cumulative
/// population share), weighted by population, as in the public-health literature
/// (e.g. PHE's SII of life expectancy across deciles). Groups with no population are skipped;
/// `None` with fewer than two groups left or no spread in ridits.
pub fn sii(groups: &[(f64, f64)], direction: Direction) -> Option<Sii> {
    let total: f64 = groups
        .iter()
        .filter(|(p, v)| *p > 0.0 && v.is_finite())
        .map(|(p, _)| p)
        .sum();
    if total <= 0.0 {
        return None;
    }
    let mut before = 0.0;
    let mut pts = Vec::with_capacity(groups.len());
    for &(p, v) in groups {
        if p <= 0.0 || !v.is_finite() {
            continue;
        }
        pts.push(((before + p / 2.0) / total, v, p));
        before += p;
    }
    if pts.len() < 2 {
        return None;
    }
    let w: f64 = pts.iter().map(|t| t.2).sum();
    let mx = pts.iter().map(|t| t.0 * t.2).sum::<f64>() / w;
    let my = pts.iter().map(|t| t.1 * t.2).sum::<f64>() / w;
    let sxx: f64 = pts.iter().map(|t| t.2 * (t.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|t| t.2 * (t.0 - mx) * (t.1 - my)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let sii = match direction {
        Direction::Adverse => -slope,
        Direction::Beneficial => slope,
    };
    Some(Sii {
        sii,
        rii: if my != 0.0 { sii / my } else { f64::NAN },
    })
}

#[cfg(test)]
// Expected values here are exactly representable results of exact arithmetic.
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_positive_when_the_deprived_are_worse_off() {
        assert_eq!(gap_abs(120.0, 80.0, Direction::Adverse), 40.0);
        assert_eq!(gap_rel(120.0, 80.0, Direction::Adverse), 1.5);
        assert_eq!(gap_abs(76.0, 84.0, Direction::Beneficial), 8.0);
        assert!((gap_rel(76.0, 84.0, Direction::Beneficial) - 84.0 / 76.0).abs() < 1e-15);
        assert!(gap_rel(1.0, 0.0, Direction::Adverse).is_nan());
    }

    #[test]
    fn sii_of_values_on_a_straight_line_is_the_line_s_rise() {
        // Ten equal deciles on y = 100 − 40·ridit: SII (adverse) = 40, mean = 80, RII = 0.5.
        let groups: Vec<(f64, f64)> = (0..10)
            .map(|i| (1000.0, 100.0 - 40.0 * (i as f64 + 0.5) / 10.0))
            .collect();
        let s = sii(&groups, Direction::Adverse).unwrap();
        assert!((s.sii - 40.0).abs() < 1e-9, "{s:?}");
        assert!((s.rii - 0.5).abs() < 1e-12, "{s:?}");
        // Unequal populations do not move points that lie on the line.
        let uneven: Vec<(f64, f64)> = [(500.0, 0.0), (1500.0, 0.0), (2000.0, 0.0)]
            .iter()
            .scan(0.0, |cum, &(p, _)| {
                let ridit = (*cum + p / 2.0) / 4000.0;
                *cum += p;
                Some((p, 10.0 + 6.0 * ridit))
            })
            .collect();
        let s = sii(&uneven, Direction::Beneficial).unwrap();
        assert!((s.sii - 6.0).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn sii_matches_a_worked_weighted_regression() {
        // Worked by hand: quintiles with populations 1,2,3,2,2 (total 10) have ridits
        // 0.05, 0.2, 0.45, 0.7, 0.9 and rates 30, 25, 20, 18, 12.
        //   weighted mean ridit  = (0.05 + 0.4 + 1.35 + 1.4 + 1.8)/10 = 0.5
        //   weighted mean rate   = (30 + 50 + 60 + 36 + 24)/10 = 20
        //   Sxx = 1·0.2025 + 2·0.09 + 3·0.0025 + 2·0.04 + 2·0.16 = 0.79
        //   Sxy = 1·(−0.45)(10) + 2·(−0.3)(5) + 3·(−0.05)(0) + 2·(0.2)(−2) + 2·(0.4)(−8) = −14.7
        //   slope = −14.7/0.79 = −18.6076…, SII (adverse) = 18.6076…, RII = 0.93038…
        let groups = [(1.0, 30.0), (2.0, 25.0), (3.0, 20.0), (2.0, 18.0), (2.0, 12.0)];
        let s = sii(&groups, Direction::Adverse).unwrap();
        assert!((s.sii - 14.7 / 0.79).abs() < 1e-9, "{s:?}");
        assert!((s.rii - 14.7 / 0.79 / 20.0).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn sii_needs_two_populated_groups() {
        assert!(sii(&[(10.0, 5.0)], Direction::Adverse).is_none());
        assert!(sii(&[(10.0, 5.0), (0.0, 9.0)], Direction::Adverse).is_none());
        assert!(sii(&[], Direction::Adverse).is_none());
    }
}
