//! Hazard and probability tables for one scenario on one place, so the weekly loop does only
//! lookups and multiplications. Every number comes from the place file or the scenario.

use crate::engine::schedule::WEEKS_PER_YEAR;
use crate::place::{band_of, Place, FRAILTY_LEVELS, IMD_DECILES, LIFE_TABLE_AGES};
use crate::population::{flag, synth::MAX_AGE, LocalityPop};
use crate::scenario::Scenario;

/// Number of ages held in age-indexed tables (0..=MAX_AGE).
pub const AGES: usize = MAX_AGE as usize + 1;

/// Converts a weekly hazard to a weekly probability, 1 − e^(−h).
///
/// Weekly hazards are nearly always below 0.02, where the series h − h²/2 + h³/6 − h⁴/24 is
/// exact to 1.4e-9 relative error (the next term, h⁴/120) and several times cheaper than `exp_m1` (which took a third
/// of the engine's time); larger hazards use `exp_m1`.
#[inline]
pub fn prob(hazard: f64) -> f64 {
    if hazard < 0.02 {
        let h = hazard;
        h * (1.0 - h * (0.5 - h * (1.0 / 6.0 - h * (1.0 / 24.0))))
    } else {
        -(-hazard).exp_m1()
    }
}

#[cfg(test)]
mod tests {
    use super::prob;

    #[test]
    fn the_hazard_series_matches_exp_m1_on_both_sides_of_the_switch() {
        for i in 0..=4000 {
            let h = f64::from(i) * 1e-5;
            let exact = -(-h).exp_m1();
            assert!((prob(h) - exact).abs() <= 1.4e-9 * exact.max(1e-300), "h = {h}");
        }
        assert_eq!(prob(0.0).to_bits(), 0.0f64.to_bits());
        assert!((prob(5.0) - (1.0 - (-5.0f64).exp())).abs() < 1e-15);
    }
}

/// The weekly background death hazard at an age: the life table's `total` less the expected
/// weekly `crisis` deaths, but never below a tenth of the life table (where crises alone would
/// account for more deaths than the life table has, the excess is left to calibration).
pub fn background_death(total: f64, crisis: f64) -> f64 {
    (total - crisis).max(total * MIN_BACKGROUND_SHARE)
}

/// The smallest share of the life table's death hazard left in the background (a guard for
/// ages where the reference crisis and case-fatality figures exceed the life table).
pub const MIN_BACKGROUND_SHARE: f64 = 0.1;

/// Precomputed tables.
#[derive(Debug, Clone)]
pub struct Tables {
    /// Weekly background death hazard by `[sex][age]` (0 = female), before multipliers: the
    /// life table × `mortality_scale` less the expected crisis deaths ([`background_death`]).
    pub death: [Vec<f64>; 2],
    /// Mortality multiplier by `[sex][imd decile - 1]`.
    pub death_imd: [[f64; IMD_DECILES]; 2],
    /// Mortality hazard ratio by frailty level.
    pub death_frailty: [f64; FRAILTY_LEVELS],
    /// Mortality hazard ratio by number of conditions (0..=8).
    pub death_conditions: [f64; 9],
    /// Weekly crisis (A&E attendance) hazard by age, before multipliers.
    pub crisis: Vec<f64>,
    /// Crisis multiplier by `[age][imd quintile - 1]` (deprivation gradient).
    pub crisis_imd: Vec<[f64; 5]>,
    /// Crisis hazard ratio by frailty level.
    pub crisis_frailty: [f64; FRAILTY_LEVELS],
    /// Crisis hazard ratio by number of conditions.
    pub crisis_conditions: [f64; 9],
    /// Crisis hazard ratio when isolated.
    pub crisis_isolated: f64,
    /// Crisis hazard ratio within 30 days of a discharge.
    pub readmission_hr: f64,
    /// Probability an A&E attendance leads to admission, by age.
    pub admit: Vec<f64>,
    /// Share of admissions with a zero-day stay.
    pub zero_day: f64,
    /// Mean overnight stay (days) by `[age][frailty]`.
    pub los_mean: Vec<[f64; FRAILTY_LEVELS]>,
    /// Trim point (days).
    pub trim_point: u16,
    /// Case fatality of a crisis that would lead to an admission, by age: the probability of
    /// dying of it, in hospital if admitted, at home if diverted (× the route's relative risk).
    pub hospital_death: Vec<f64>,
    /// Probability a discharge needs support, by `[age][frailty]`.
    pub needs_support: Vec<[f64; FRAILTY_LEVELS]>,
    /// Probability support means a care home, by age.
    pub care_home_given_support: Vec<f64>,
    /// Mean days from fit for discharge to leaving hospital (arranging the discharge, before
    /// any wait for a place), by route: reablement, a home-care package, a care home.
    pub discharge_process: [f64; 3],
    /// Weekly frailty onset hazard by (effective) age.
    pub frailty_onset: Vec<f64>,
    /// Weekly progression hazard: mild → moderate, moderate → severe.
    pub frailty_progress: [f64; 2],
    /// Hazard ratio on progression after an admission.
    pub frailty_post_admission: f64,
    /// Weekly isolation onset hazard by age.
    pub isolation_onset: Vec<f64>,
    /// Weekly isolation resolution hazard.
    pub isolation_resolve: f64,
    /// Weekly probability of a GP consultation by age.
    pub gp: Vec<f64>,
    /// Weekly out-migration probability by age (the place's rate × its age multiplier, × the
    /// scenario's `older_migration_scale` from the place's `older_migration_from_age`).
    pub out_migration: Vec<f64>,
    /// Births per woman aged 15–44 per week.
    pub births_per_woman: f64,
    /// Weekly probability that a long-term home-care package ends other than by death, a
    /// care-home move or an admission.
    pub package_end: f64,
    /// Weekly community entry hazard to home care by frailty (65+).
    pub community_package: [f64; FRAILTY_LEVELS],
    /// Weekly community entry hazard to a care home by frailty (65+).
    pub community_care_home: [f64; FRAILTY_LEVELS],
    /// Hazard ratio of death in a care home (multiplies the background death hazard and the
    /// case fatality of crises); see [`Tables::death_hr`].
    pub care_home_death_hr: f64,
    /// Bit of the mental-illness condition (social-prescribing eligibility), if the place has one.
    pub mental_illness_bit: u8,
    /// QALYs per person-week by `[sex][age][frailty][conditions 0..=8]` (see [`utility_index`]).
    pub qaly_week: Vec<f64>,
}

/// Index into [`Tables::qaly_week`].
#[inline]
pub fn utility_index(male: bool, age: u8, frailty: u8, conditions: u32) -> usize {
    ((usize::from(male) * AGES + usize::from(age)) * FRAILTY_LEVELS + usize::from(frailty)) * 9
        + (conditions as usize).min(8)
}

/// EQ-5D utility of a person: the Ara & Brazier population norm by sex and age (adults; under-18s
/// take the age-18 value), times a multiplier per long-term condition and by frailty, clamped
/// to [-0.594, 1] (the EQ-5D-3L range).
pub fn utility(e: &crate::place::raw::Economics, male: bool, age: u8, frailty: u8, conditions: u32) -> f64 {
    let c = &e.eq5d_coefficients.value;
    let a = f64::from(age.max(18));
    let norm = c[0] + c[1] * f64::from(u8::from(male)) + c[2] * a + c[3] * a * a;
    let u = norm
        * e.eq5d_condition_multiplier.value.powi(conditions as i32)
        * e.eq5d_frailty_multiplier.value[usize::from(frailty)];
    u.clamp(-0.594, 1.0)
}

fn by_age(lower: &[u8], values: &[f64]) -> Vec<f64> {
    (0..AGES)
        .map(|a| band_of(lower, a as u8).map_or(0.0, |b| values[b]))
        .collect()
}

fn hr_levels(hrs: &[f64]) -> [f64; FRAILTY_LEVELS] {
    [1.0, hrs[0], hrs[1], hrs[2]]
}

fn per_condition(hr: f64) -> [f64; 9] {
    std::array::from_fn(|n| hr.powi(n as i32))
}

impl Tables {
    /// The hazard ratio of death of a resident with care status `care`: the place's
    /// care-home ratio in a care home, 1 elsewhere. One rule for the background hazard, the
    /// event engine's bound on it and the case fatality of crises.
    #[inline]
    pub fn death_hr(&self, care: u8) -> f64 {
        if care == crate::population::care::CARE_HOME {
            self.care_home_death_hr
        } else {
            1.0
        }
    }

    /// Builds the tables for a scenario on a place.
    pub fn new(scenario: &Scenario, place: &Place) -> Tables {
        let f = &place.file;
        let m = &scenario.model;
        let wk = |annual: f64| annual / WEEKS_PER_YEAR;
        let h = &f.hospital;
        let ae = by_age(&h.activity_age_band_lower, &h.ae_attendance_rate_by_age.value);
        let adm = by_age(&h.activity_age_band_lower, &h.emergency_admission_rate_by_age.value);
        let crisis: Vec<f64> = ae.iter().map(|r| wk(r / 1000.0) * m.crisis_rate_scale).collect();
        let admit: Vec<f64> = ae
            .iter()
            .zip(&adm)
            .map(|(a, d)| {
                if *a > 0.0 {
                    (d / a * m.admission_scale).min(0.95)
                } else {
                    0.0
                }
            })
            .collect();
        let hospital_death = by_age(
            &f.mortality.hospital_age_band_lower,
            &f.mortality.in_hospital_death_probability.value,
        );
        // Deaths come two ways: from a crisis that would lead to an admission (its case
        // fatality, whatever the route), and in the background. The background is the life
        // table (× mortality_scale) less the crisis deaths expected at each age, so the total
        // keeps the life table's age and sex pattern instead of adding the crisis deaths on top.
        let life = |mx: &[f64]| -> Vec<f64> {
            (0..AGES)
                .map(|a| {
                    background_death(
                        wk(mx[a.min(LIFE_TABLE_AGES - 1)]) * m.mortality_scale,
                        crisis[a] * admit[a] * hospital_death[a],
                    )
                })
                .collect()
        };
        let crisis_imd = (0..AGES)
            .map(|a| {
                let row = &h.imd_gradient.value[band_of(&h.gradient_age_band_lower, a as u8).unwrap_or(0)];
                let mean = row.iter().sum::<f64>() / 5.0;
                std::array::from_fn(|q| (row[q] / mean).powf(m.imd_gradient_scale))
            })
            .collect();
        let los = by_age(&h.los_age_band_lower, &h.los_mean_by_age.value);
        let los_mean = los
            .iter()
            .map(|&l| std::array::from_fn(|fr| l * h.los_frailty_multiplier.value[fr]))
            .collect();
        let support = by_age(&h.discharge_age_band_lower, &h.discharge_support_probability.value);
        let needs_support = support
            .iter()
            .map(|&p| std::array::from_fn(|fr| (p * h.discharge_support_frailty_multiplier.value[fr]).min(1.0)))
            .collect();
        let fr = &f.frailty;
        let onset_per_1000 = by_age(&fr.age_band_lower, &fr.onset_rate_by_age.value);
        let sc = &f.social_care;
        let ccs = m.community_care_scale;
        Tables {
            death: [life(&f.mortality.mx_female.value), life(&f.mortality.mx_male.value)],
            death_imd: [
                std::array::from_fn(|d| f.mortality.imd_multiplier_female.value[d]),
                std::array::from_fn(|d| f.mortality.imd_multiplier_male.value[d]),
            ],
            death_frailty: hr_levels(&fr.mortality_hr.value),
            death_conditions: per_condition(f.conditions.mortality_hr_per_condition.value),
            crisis,
            crisis_imd,
            crisis_frailty: hr_levels(&fr.crisis_hr.value),
            crisis_conditions: per_condition(f.conditions.crisis_hr_per_condition.value),
            crisis_isolated: f.isolation.crisis_hr.value,
            readmission_hr: m.readmission_hr,
            admit,
            zero_day: h.zero_day_share.value,
            los_mean,
            trim_point: h.trim_point_days.value.round().clamp(0.0, 1000.0) as u16,
            hospital_death,
            needs_support,
            care_home_given_support: by_age(&h.discharge_age_band_lower, &h.discharge_care_home_probability.value)
                .into_iter()
                .map(|p| (p * m.care_home_scale).min(1.0))
                .collect(),
            discharge_process: [
                h.discharge_process_days_reablement.value,
                h.discharge_process_days_package.value,
                h.discharge_process_days_care_home.value,
            ],
            frailty_onset: onset_per_1000.iter().map(|r| wk(r / 1000.0)).collect(),
            frailty_progress: [wk(fr.progression_rate.value[0]), wk(fr.progression_rate.value[1])],
            frailty_post_admission: fr.post_admission_progression_hr.value,
            isolation_onset: by_age(&f.isolation.age_band_lower, &f.isolation.onset_rate_by_age.value)
                .into_iter()
                .map(wk)
                .collect(),
            isolation_resolve: wk(f.isolation.resolve_rate.value),
            gp: by_age(
                &f.primary_care.age_band_lower,
                &f.primary_care.consultation_rate_by_age.value,
            )
            .into_iter()
            .map(|r| prob(wk(r)))
            .collect(),
            out_migration: {
                let pp = &f.population;
                let bands = &pp.migration_age_band_lower;
                by_age(bands, &pp.out_migration_age_multiplier.value)
                    .into_iter()
                    .enumerate()
                    .map(|(a, mult)| {
                        let older = if a >= usize::from(pp.older_migration_from_age) {
                            m.older_migration_scale
                        } else {
                            1.0
                        };
                        let annual = (pp.out_migration_rate.value * mult * older).min(1.0);
                        prob(wk(-(1.0 - annual).ln()))
                    })
                    .collect()
            },
            births_per_woman: wk(f.population.birth_rate_per_woman_15_44.value),
            package_end: prob(wk(sc.package_end_rate.value)),
            care_home_death_hr: sc.care_home_mortality_hr.value,
            community_package: std::array::from_fn(|l| wk(sc.community_package_rate.value[l] * ccs)),
            community_care_home: std::array::from_fn(|l| {
                wk(sc.community_care_home_rate.value[l] * ccs * m.care_home_scale)
            }),
            mental_illness_bit: f
                .conditions
                .names
                .iter()
                .position(|n| n == "mental_illness")
                .map_or(0, |i| 1u8 << i),
            qaly_week: {
                let mut v = vec![0.0; 2 * AGES * FRAILTY_LEVELS * 9];
                for male in [false, true] {
                    for age in 0..AGES as u8 {
                        for fr in 0..FRAILTY_LEVELS as u8 {
                            for nc in 0..9u32 {
                                v[utility_index(male, age, fr, nc)] =
                                    utility(&f.economics, male, age, fr, nc) / WEEKS_PER_YEAR;
                            }
                        }
                    }
                }
                v
            },
        }
    }
}

/// Per-age normalisers that keep age-specific death and crisis rates at the reference level
/// on average: the individual hazard ratios (frailty, conditions, isolation) redistribute risk
/// within an age group instead of inflating it. Computed from the population at the start of
/// a replicate (identical across scenarios, so common random numbers hold).
#[derive(Debug, Clone)]
pub struct Normalisers {
    /// Divisor of the death hazard by age.
    pub death: Vec<f64>,
    /// Divisor of the crisis hazard by age.
    pub crisis: Vec<f64>,
    /// Weekly death probability by `[sex][age][imd decile - 1][frailty][conditions]`: the
    /// normalised hazard product, computed once per replicate with the same operations in the
    /// same order as the weekly step would, so a lookup is bit-identical to computing it.
    death_p: Vec<f64>,
    /// Weekly crisis hazard before readmission risk and service effects, by
    /// `[age][imd quintile - 1][frailty][conditions][isolated]`, likewise.
    crisis_h: Vec<f64>,
}

impl Normalisers {
    /// Means of the hazard ratios in 5-year age groups over the starting population.
    pub fn new(tables: &Tables, localities: &[LocalityPop]) -> Normalisers {
        const GROUPS: usize = AGES / 5 + 1;
        let mut n = [0.0f64; GROUPS];
        let mut d = [0.0f64; GROUPS];
        let mut c = [0.0f64; GROUPS];
        for pop in localities {
            for i in 0..pop.len() {
                if pop.flags[i] & flag::ALIVE == 0 {
                    continue;
                }
                let g = usize::from(pop.age[i]) / 5;
                let nc = pop.conditions[i].count_ones() as usize;
                let fr = usize::from(pop.frailty[i]);
                n[g] += 1.0;
                d[g] += tables.death_frailty[fr] * tables.death_conditions[nc];
                let iso = if pop.flags[i] & flag::ISOLATED != 0 {
                    tables.crisis_isolated
                } else {
                    1.0
                };
                c[g] += tables.crisis_frailty[fr] * tables.crisis_conditions[nc] * iso;
            }
        }
        let mean = |sum: &[f64; GROUPS], g: usize| if n[g] > 0.0 { sum[g] / n[g] } else { 1.0 };
        let death: Vec<f64> = (0..AGES).map(|a| mean(&d, a / 5)).collect();
        let crisis: Vec<f64> = (0..AGES).map(|a| mean(&c, a / 5)).collect();
        let t = tables;
        let mut death_p = Vec::with_capacity(2 * AGES * IMD_DECILES * FRAILTY_LEVELS * 9);
        for sx in 0..2 {
            for a in 0..AGES {
                for dec in 0..IMD_DECILES {
                    for fr in 0..FRAILTY_LEVELS {
                        for nc in 0..9 {
                            let h =
                                t.death[sx][a] * t.death_imd[sx][dec] * t.death_frailty[fr] * t.death_conditions[nc]
                                    / death[a];
                            death_p.push(prob(h));
                        }
                    }
                }
            }
        }
        let mut crisis_h = Vec::with_capacity(AGES * 5 * FRAILTY_LEVELS * 9 * 2);
        for a in 0..AGES {
            for q in 0..5 {
                for fr in 0..FRAILTY_LEVELS {
                    for nc in 0..9 {
                        for iso in [1.0, t.crisis_isolated] {
                            crisis_h.push(
                                t.crisis[a] * t.crisis_imd[a][q] * t.crisis_frailty[fr] * t.crisis_conditions[nc] * iso
                                    / crisis[a],
                            );
                        }
                    }
                }
            }
        }
        Normalisers {
            death,
            crisis,
            death_p,
            crisis_h,
        }
    }

    /// Weekly death probability of a resident (`decile` 1..=10, `conditions` 0..=8).
    #[inline]
    pub fn death_probability(&self, male: bool, age: usize, decile: u8, frailty: usize, conditions: usize) -> f64 {
        self.death_p[(((usize::from(male) * AGES + age) * IMD_DECILES + usize::from(decile - 1)) * FRAILTY_LEVELS
            + frailty)
            * 9
            + conditions]
    }

    /// Weekly crisis hazard of a resident before readmission risk and service effects
    /// (`quintile` 0..5, `conditions` 0..=8).
    #[inline]
    pub fn crisis_hazard(&self, age: usize, quintile: usize, frailty: usize, conditions: usize, isolated: bool) -> f64 {
        self.crisis_h[(((age * 5 + quintile) * FRAILTY_LEVELS + frailty) * 9 + conditions) * 2 + usize::from(isolated)]
    }
}
