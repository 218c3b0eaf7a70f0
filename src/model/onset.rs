//! Condition and frailty onset at birthdays: the rise in prevalence from one (effective) age
//! to the next, computed once per scenario.

use crate::population::synth::{condition_prevalence, effective_age, MAX_AGE};
use crate::population::LocalityPop;
use crate::rng::{Purpose, WeekDraws};

/// Condition onset on a birthday: the rise in prevalence from the old to the new (effective)
/// age, as a conditional probability among those without the condition.
pub fn birthday_onset(b: &BirthdayOnset, d: &WeekDraws, pop: &mut LocalityPop, i: usize, old: u8, male: bool) {
    let decile = pop.imd_decile[i];
    let onset = b.conditions(old, decile, male, pop.ethnicity[i]);
    for (k, &q) in onset.iter().enumerate() {
        if pop.conditions[i] & (1 << k) == 0 && q > 0.0 && d.uniform_at(Purpose::ConditionOnset, k as u32) < q {
            pop.conditions[i] |= 1 << k;
        }
    }
    if pop.frailty[i] == 0 {
        let q = b.frailty(old, decile);
        if q > 0.0 && d.uniform(Purpose::FrailtyOnset) < q {
            pop.frailty[i] = 1;
        }
    }
}

/// Birthday onset probabilities, computed once per scenario: for each age (before the
/// birthday), IMD decile, sex and ethnic group, the chance of each condition starting, and for
/// each age and decile the chance of frailty starting — the rise in prevalence from the old to
/// the new effective age among those without it (0 where prevalence does not rise). The same
/// operations as computing them at each birthday, so results are bit-identical.
#[derive(Debug, Clone)]
pub struct BirthdayOnset {
    conditions: Vec<f64>,
    frailty: Vec<f64>,
    ethnic_groups: usize,
    n_conditions: usize,
}

impl BirthdayOnset {
    /// The onset probabilities of a place.
    pub fn new(place: &crate::place::Place) -> BirthdayOnset {
        let ethnic_groups = place.file.ethnicity.shares.value.len();
        let n_conditions = place.file.conditions.names.len();
        let rise = |p0: f64, p1: f64| if p1 > p0 { (p1 - p0) / (1.0 - p0) } else { 0.0 };
        let mut conditions = Vec::with_capacity(usize::from(MAX_AGE) * 10 * 2 * ethnic_groups * n_conditions);
        let mut frailty = Vec::with_capacity(usize::from(MAX_AGE) * 10);
        for old in 0..MAX_AGE {
            for decile in 1..=10u8 {
                let (e0, e1) = (effective_age(place, old, decile), effective_age(place, old + 1, decile));
                frailty.push(rise(frailty_share(place, e0), frailty_share(place, e1)));
                for male in [false, true] {
                    for eth in 0..ethnic_groups as u8 {
                        for k in 0..n_conditions {
                            conditions.push(rise(
                                condition_prevalence(place, k, e0, male, eth),
                                condition_prevalence(place, k, e1, male, eth),
                            ));
                        }
                    }
                }
            }
        }
        BirthdayOnset {
            conditions,
            frailty,
            ethnic_groups,
            n_conditions,
        }
    }

    /// Onset probability of each condition at the birthday that ends age `old`.
    #[inline]
    fn conditions(&self, old: u8, decile: u8, male: bool, ethnicity: u8) -> &[f64] {
        let row = ((usize::from(old) * 10 + usize::from(decile - 1)) * 2 + usize::from(male)) * self.ethnic_groups
            + usize::from(ethnicity);
        &self.conditions[row * self.n_conditions..(row + 1) * self.n_conditions]
    }

    /// Frailty onset probability at the birthday that ends age `old`.
    #[inline]
    fn frailty(&self, old: u8, decile: u8) -> f64 {
        self.frailty[usize::from(old) * 10 + usize::from(decile - 1)]
    }
}

/// Share with any frailty at effective age `eff`: the place's starting shares by age band,
/// interpolated linearly between band midpoints (zero at the first band's lower bound).
fn frailty_share(place: &crate::place::Place, eff: f64) -> f64 {
    let f = &place.file.frailty;
    let lower = &f.age_band_lower;
    let shares = &f.initial_any_share_by_age.value;
    let mut points: Vec<(f64, f64)> = vec![(f64::from(lower[0]), 0.0)];
    for (i, &lo) in lower.iter().enumerate() {
        let hi = lower.get(i + 1).map_or(f64::from(lo) + 10.0, |&h| f64::from(h));
        points.push((0.5 * (f64::from(lo) + hi), shares[i]));
    }
    if eff <= points[0].0 {
        return 0.0;
    }
    for w in points.windows(2) {
        if eff <= w[1].0 {
            return w[0].1 + (eff - w[0].0) / (w[1].0 - w[0].0) * (w[1].1 - w[0].1);
        }
    }
    points[points.len() - 1].1
}
