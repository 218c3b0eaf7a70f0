//! Abridged life tables (Chiang II), as used for local life expectancy by PHE/ONS: age groups
//! 0, 1–4, 5–9, …, 85–89, 90+; a0 = 0.1, ax = n/2 for the other closed groups; the open group's
//! person-years are lx/Mx. Standard errors by Chiang's method.

use crate::results::LIFE_AGE_GROUPS;

/// Lower ages of the life-table age groups.
pub const AGE_GROUP_LOWER: [u8; LIFE_AGE_GROUPS] = [
    0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90,
];

/// An abridged life table (radix 100,000).
#[derive(Debug, Clone, PartialEq)]
pub struct LifeTable {
    /// Central death rate per group.
    pub mx: Vec<f64>,
    /// Probability of dying in the group.
    pub qx: Vec<f64>,
    /// Survivors to the start of the group.
    pub lx: Vec<f64>,
    /// Life expectancy at the start of the group.
    pub ex: Vec<f64>,
    /// Standard error of `ex`.
    pub se: Vec<f64>,
}

impl LifeTable {
    /// Life expectancy at the start of the group containing `age` (exact at 0 and 65).
    pub fn e(&self, age: u8) -> f64 {
        self.ex[crate::results::life_age_group(age)]
    }

    /// Standard error of [`LifeTable::e`].
    pub fn se(&self, age: u8) -> f64 {
        self.se[crate::results::life_age_group(age)]
    }
}

/// Builds the table from deaths and person-years per age group; `None` when a group has no
/// person-years, the open 90+ group has no deaths, or an input is negative or not finite.
pub fn abridged(deaths: &[f64; LIFE_AGE_GROUPS], person_years: &[f64; LIFE_AGE_GROUPS]) -> Option<LifeTable> {
    // No exposure in a group, or no deaths in the open group (its person-years l/M would be
    // infinite): life expectancy is undefined.
    if person_years.iter().any(|&p| p <= 0.0 || !p.is_finite()) || deaths.iter().any(|&d| d < 0.0 || !d.is_finite()) {
        return None;
    }
    if deaths[LIFE_AGE_GROUPS - 1] <= 0.0 {
        return None;
    }
    let g = LIFE_AGE_GROUPS;
    let n = |i: usize| {
        if i + 1 < g {
            f64::from(AGE_GROUP_LOWER[i + 1] - AGE_GROUP_LOWER[i])
        } else {
            f64::INFINITY
        }
    };
    let a = |i: usize| if i == 0 { 0.1 } else { 0.5 };
    let mx: Vec<f64> = (0..g).map(|i| deaths[i] / person_years[i]).collect();
    let qx: Vec<f64> = (0..g)
        .map(|i| {
            if i + 1 == g {
                1.0
            } else {
                (n(i) * mx[i] / (1.0 + n(i) * (1.0 - a(i)) * mx[i])).min(1.0)
            }
        })
        .collect();
    let mut lx = vec![100_000.0; g];
    for i in 1..g {
        lx[i] = lx[i - 1] * (1.0 - qx[i - 1]);
    }
    let big_l: Vec<f64> = (0..g)
        .map(|i| {
            if i + 1 == g {
                if mx[i] > 0.0 {
                    lx[i] / mx[i]
                } else {
                    0.0
                }
            } else {
                n(i) * (lx[i + 1] + a(i) * (lx[i] - lx[i + 1]))
            }
        })
        .collect();
    let mut tx = vec![0.0; g];
    let mut acc = 0.0;
    for i in (0..g).rev() {
        acc += big_l[i];
        tx[i] = acc;
    }
    let ex: Vec<f64> = (0..g).map(|i| if lx[i] > 0.0 { tx[i] / lx[i] } else { 0.0 }).collect();
    // Chiang variance: var(q) = q²(1−q)/D for closed groups; the open group contributes
    // (l_last/M)² var(M) with var(M) = M/P (Poisson deaths).
    let var_q: Vec<f64> = (0..g)
        .map(|i| {
            if deaths[i] > 0.0 {
                qx[i] * qx[i] * (1.0 - qx[i]) / deaths[i]
            } else {
                0.0
            }
        })
        .collect();
    let last = g - 1;
    let open_term = if mx[last] > 0.0 {
        (lx[last] / mx[last]).powi(2) * (mx[last] / person_years[last]) / mx[last].powi(2)
    } else {
        0.0
    };
    let se: Vec<f64> = (0..g)
        .map(|x| {
            let mut v = 0.0;
            for i in x..last {
                let term = (1.0 - a(i)) * n(i) + ex[i + 1];
                v += lx[i] * lx[i] * term * term * var_q[i];
            }
            v += open_term;
            if lx[x] > 0.0 {
                v.sqrt() / lx[x]
            } else {
                0.0
            }
        })
        .collect();
    Some(LifeTable { mx, qx, lx, ex, se })
}

/// Life expectancy at each single year of age from single-year central death rates `mx`
/// (ages 0..=100, 100 = 100+): the complete life table with a = 0.1 at age 0, 0.5 elsewhere,
/// and the open group's person-years l/m.
pub fn complete(mx: &[f64]) -> Vec<f64> {
    let n = mx.len();
    let mut l = vec![1.0; n];
    let mut big_l = vec![0.0; n];
    for age in 0..n {
        let m = mx[age];
        if age + 1 == n {
            big_l[age] = if m > 0.0 { l[age] / m } else { 0.0 };
            break;
        }
        let a = if age == 0 { 0.1 } else { 0.5 };
        let d = l[age] * (m / (1.0 + (1.0 - a) * m)).min(1.0);
        big_l[age] = l[age] - (1.0 - a) * d;
        l[age + 1] = l[age] - d;
    }
    let mut t = 0.0;
    let mut ex = vec![0.0; n];
    for age in (0..n).rev() {
        t += big_l[age];
        ex[age] = if l[age] > 0.0 { t / l[age] } else { 0.0 };
    }
    ex
}

/// Expected deaths and person-years per age group in the stationary population of single-year
/// central death rates `mx` (ages 0..=100, 100 = 100+): the complete life table with a = 0.1 at
/// age 0 and 0.5 elsewhere, open at 100 with L = l/m. Grouped Mx = deaths / person-years.
pub fn group_rates_from_single_year(mx: &[f64]) -> ([f64; LIFE_AGE_GROUPS], [f64; LIFE_AGE_GROUPS]) {
    let mut deaths = [0.0; LIFE_AGE_GROUPS];
    let mut years = [0.0; LIFE_AGE_GROUPS];
    let mut l = 100_000.0;
    for (age, &m) in mx.iter().enumerate() {
        let grp = crate::results::life_age_group(age.min(110) as u8);
        if age + 1 == mx.len() {
            let big_l = if m > 0.0 { l / m } else { 0.0 };
            deaths[grp] += l;
            years[grp] += big_l;
            break;
        }
        let a = if age == 0 { 0.1 } else { 0.5 };
        let q = (m / (1.0 + (1.0 - a) * m)).min(1.0);
        let d = l * q;
        deaths[grp] += d;
        years[grp] += l - (1.0 - a) * d;
        l -= d;
    }
    (deaths, years)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::Place;

    #[test]
    fn reproduces_ons_england_2017_19_life_expectancy_from_its_own_death_rates() {
        let place = Place::croydon();
        for (mx, e0, e65) in [
            (&place.file.mortality.mx_male.value, 79.67, 18.91),
            (&place.file.mortality.mx_female.value, 83.33, 21.30),
        ] {
            let ex = complete(mx);
            assert!((ex[0] - e0).abs() < 0.05, "complete e0 {} vs ONS {e0}", ex[0]);
            assert!((ex[65] - e65).abs() < 0.05, "complete e65 {} vs ONS {e65}", ex[65]);
        }
    }

    /// Abridging into 5-year groups (what the simulation's tallies allow) costs under 0.1 years.
    #[test]
    fn the_abridged_table_is_within_a_tenth_of_a_year_of_ons() {
        let place = Place::croydon();
        for (mx, e0, e65) in [
            (&place.file.mortality.mx_male.value, 79.67, 18.91),
            (&place.file.mortality.mx_female.value, 83.33, 21.30),
        ] {
            let (d, p) = group_rates_from_single_year(mx);
            let t = abridged(&d, &p).unwrap();
            assert!((t.e(0) - e0).abs() < 0.1, "abridged e0 {} vs ONS {e0}", t.e(0));
            assert!((t.e(65) - e65).abs() < 0.2, "abridged e65 {} vs ONS {e65}", t.e(65));
        }
    }

    #[test]
    fn the_open_group_and_qx_follow_the_chiang_formulas() {
        // One death per 100 person-years in every group.
        let d = [1.0; LIFE_AGE_GROUPS];
        let p = [100.0; LIFE_AGE_GROUPS];
        let t = abridged(&d, &p).unwrap();
        assert!((t.qx[0] - 0.01 / (1.0 + 0.9 * 0.01)).abs() < 1e-12);
        assert!((t.qx[1] - 4.0 * 0.01 / (1.0 + 2.0 * 0.01)).abs() < 1e-12);
        assert!((t.ex[LIFE_AGE_GROUPS - 1] - 100.0).abs() < 1e-9, "open group e = 1/M");
    }

    #[test]
    fn higher_mortality_means_lower_life_expectancy_and_more_data_means_smaller_errors() {
        let place = Place::croydon();
        let (d, p) = group_rates_from_single_year(&place.file.mortality.mx_male.value);
        let base = abridged(&d, &p).unwrap();
        let worse = abridged(&d.map(|x| x * 1.3), &p).unwrap();
        assert!(worse.e(0) < base.e(0));
        let small = abridged(&d.map(|x| x / 1000.0), &p.map(|x| x / 1000.0)).unwrap();
        let large = abridged(&d.map(|x| x / 10.0), &p.map(|x| x / 10.0)).unwrap();
        assert!(large.se(0) < small.se(0) && large.se(0) > 0.0);
    }

    #[test]
    fn no_person_years_means_no_table() {
        let mut p = [100.0; LIFE_AGE_GROUPS];
        p[3] = 0.0;
        assert!(abridged(&[1.0; LIFE_AGE_GROUPS], &p).is_none());
    }
}
