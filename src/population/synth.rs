//! Synthesis: the place's residents as agents, deterministically from the replicate key.
//!
//! Margins reproduced exactly at scale 1.0: persons by single year of age in each locality,
//! males and females by single year of age in the borough, and residents per LSOA. At other
//! scales each margin is the scaled margin rounded by largest remainder.
//!
//! Attributes drawn per agent from its own stream (so an agent's attributes do not depend on
//! how many others were drawn before it): age within 90+, ethnicity (raked to borough shares),
//! long-term conditions, frailty, isolation, care status and birthday week.

use super::{care, flag, LocalityPop, Population};
use crate::place::{band_of, Place, POP_AGES};
use crate::rng::{categorical, Purpose, ReplicateKey, WeekDraws};
use rand::seq::SliceRandom;

/// Oldest age an agent can reach.
pub const MAX_AGE: u8 = 110;

/// Builds the population of `place` at `scale` (1.0 = one agent per resident) for one
/// replicate. `extra_capacity` reserves room per locality for agents added during the run
/// (a fraction of the initial size), so the weekly loop never reallocates.
pub fn synthesize(place: &Place, key: &ReplicateKey, scale: f64) -> Population {
    synthesize_with_capacity(place, key, scale, &[], 0.0)
}

/// [`synthesize`] with each single year of age's residents × `age_factors[age]` (see
/// [`age_factors`]; empty = all 1) and room reserved for `extra_capacity` × initial size more
/// agents.
pub fn synthesize_with_capacity(
    place: &Place,
    key: &ReplicateKey,
    scale: f64,
    age_factors: &[f64],
    extra_capacity: f64,
) -> Population {
    let attrs = AttributeModel::new(place);
    let counts = margins(place, scale, age_factors);
    let mut localities = Vec::with_capacity(place.n_localities());
    for (l, by_age_sex) in counts.iter().enumerate() {
        let n: u32 = by_age_sex.iter().map(|&(f, m)| f + m).sum();
        let mut pop = LocalityPop {
            locality: l as u8,
            ..LocalityPop::default()
        };
        pop.reserve(n as usize + (f64::from(n) * extra_capacity).ceil() as usize);
        // LSOA slots: scaled LSOA populations of this locality, shuffled with the locality
        // stream, dealt to agents in construction order.
        let slots = lsoa_slots(place, l, n as usize, key);
        let mut serial = 0u32;
        for (a, &(females, males)) in by_age_sex.iter().enumerate() {
            for (sex_male, count) in [(false, females), (true, males)] {
                for _ in 0..count {
                    let draws = key.agent(l as u8, serial).week(0);
                    let age = if a + 1 == POP_AGES {
                        attrs.age_90_plus(&draws)
                    } else {
                        a as u8
                    };
                    attrs.append(place, &mut pop, &draws, age, sex_male, slots[serial as usize], None);
                    serial += 1;
                }
            }
        }
        localities.push(pop);
    }
    Population { localities }
}

/// Attributes drawn for one new agent.
#[derive(Debug, Clone, Copy)]
pub struct NewAgent {
    /// [`flag`] bits (always includes ALIVE).
    pub flags: u8,
    /// Ethnic group.
    pub ethnicity: u8,
    /// Condition bits.
    pub conditions: u8,
    /// Frailty level.
    pub frailty: u8,
    /// Care status.
    pub care: u8,
    /// Birthday week.
    pub birthday_week: u8,
}

/// Everything needed to draw attributes for a resident of a given age, sex and LSOA: used at
/// synthesis and for people who arrive during the run (births, in-migrants).
#[derive(Debug, Clone)]
pub struct AttributeModel {
    /// Ethnicity probabilities by IMD quintile (0..5) and age band (0-17, 18-64, 65+).
    eth_prob: [[Vec<f64>; 3]; 5],
    /// Ages 90..=MAX_AGE weights for the open 90+ group (stationary life-table population).
    old_age_weights: Vec<f64>,
}

impl AttributeModel {
    /// Precomputes the tables.
    pub fn new(place: &Place) -> AttributeModel {
        let e = &place.file.ethnicity;
        // Cell sizes (IMD quintile × age band) from the place's LSOA and locality tables:
        // LSOA population × locality age shares.
        let mut cell = [[0.0f64; 3]; 5];
        let loc_age_share: Vec<[f64; 3]> = place
            .file
            .localities
            .iter()
            .map(|l| {
                let v = &l.persons_single_year.value;
                let t: f64 = v.iter().sum::<f64>().max(1.0);
                [
                    v[..18].iter().sum::<f64>() / t,
                    v[18..65].iter().sum::<f64>() / t,
                    v[65..].iter().sum::<f64>() / t,
                ]
            })
            .collect();
        for (i, &p) in place.lsoa_population.iter().enumerate() {
            let q = usize::from((place.lsoa_imd_decile[i] - 1) / 2);
            let shares = loc_age_share[place.lsoa_locality[i] as usize];
            for b in 0..3 {
                cell[q][b] += f64::from(p) * shares[b];
            }
        }
        let ng = e.groups.len();
        let base = |g: usize, q: usize, b: usize| {
            e.shares.value[g] * e.imd_quintile_weight.value[g][q] * e.age_band_weight.value[g][b]
        };
        // Rake group multipliers so expected borough counts match the shares.
        let mut c = vec![1.0; ng];
        for _ in 0..200 {
            let mut expected = vec![0.0; ng];
            for q in 0..5 {
                for b in 0..3 {
                    let norm: f64 = (0..ng).map(|g| c[g] * base(g, q, b)).sum();
                    if norm > 0.0 {
                        for g in 0..ng {
                            expected[g] += cell[q][b] * c[g] * base(g, q, b) / norm;
                        }
                    }
                }
            }
            let total: f64 = expected.iter().sum();
            for g in 0..ng {
                if expected[g] > 0.0 {
                    c[g] *= e.shares.value[g] * total / expected[g];
                }
            }
        }
        let eth_prob = std::array::from_fn(|q| {
            std::array::from_fn(|b| {
                let w: Vec<f64> = (0..ng).map(|g| c[g] * base(g, q, b)).collect();
                let t: f64 = w.iter().sum();
                w.iter().map(|x| x / t).collect()
            })
        });
        // Stationary population above 90 from the average of male and female death rates.
        let m = &place.file.mortality;
        let mut survivors = 1.0;
        let mut old_age_weights = Vec::new();
        for age in 90..=usize::from(MAX_AGE) {
            let i = age.min(100);
            let mx = 0.5 * (m.mx_male.value[i] + m.mx_female.value[i]);
            old_age_weights.push(survivors);
            survivors *= (-mx).exp();
        }
        AttributeModel {
            eth_prob,
            old_age_weights,
        }
    }

    /// Draws the attributes of a new resident and appends them to `pop`, in the LSOA's practice
    /// and with its IMD decile. The birthday week is drawn unless given (births have theirs).
    #[allow(clippy::too_many_arguments)]
    pub fn append(
        &self,
        place: &Place,
        pop: &mut LocalityPop,
        draws: &WeekDraws,
        age: u8,
        male: bool,
        lsoa: u16,
        birthday_week: Option<u8>,
    ) {
        let a = self.draw(place, draws, age, male, lsoa);
        pop.push(
            age,
            birthday_week.unwrap_or(a.birthday_week),
            a.flags,
            lsoa,
            place.lsoa_practice[lsoa as usize],
            place.lsoa_imd_decile[lsoa as usize],
            a.ethnicity,
            a.conditions,
            a.frailty,
            a.care,
        );
    }

    /// An age of 90 or over for a member of the open 90+ group.
    pub fn age_90_plus(&self, draws: &WeekDraws) -> u8 {
        90 + categorical(draws.uniform(Purpose::SynthBirthday), &self.old_age_weights) as u8
    }

    /// Draws the attributes of a resident of `age`, sex and LSOA.
    pub fn draw(&self, place: &Place, draws: &WeekDraws, age: u8, male: bool, lsoa: u16) -> NewAgent {
        let decile = place.lsoa_imd_decile[lsoa as usize];
        let q = usize::from((decile - 1) / 2);
        let b3 = match age {
            0..=17 => 0,
            18..=64 => 1,
            _ => 2,
        };
        let ethnicity = categorical(draws.uniform(Purpose::SynthEthnicity), &self.eth_prob[q][b3]) as u8;
        let eff = effective_age(place, age, decile);
        let mut conditions = 0u8;
        for k in 0..place.file.conditions.names.len() {
            let p = condition_prevalence(place, k, eff, male, ethnicity);
            if draws.uniform_at(Purpose::SynthCondition, k as u32) < p {
                conditions |= 1 << k;
            }
        }
        let f = &place.file.frailty;
        let mut frailty = 0u8;
        if let Some(band) = band_of(&f.age_band_lower, eff.round().clamp(0.0, 110.0) as u8) {
            if draws.uniform(Purpose::SynthFrailty) < f.initial_any_share_by_age.value[band] {
                frailty = 1 + categorical(draws.uniform(Purpose::SynthFrailtySeverity), &f.severity_shares.value) as u8;
            }
        }
        let is = &place.file.isolation;
        let mut flags = flag::ALIVE;
        if male {
            flags |= flag::MALE;
        }
        let iso_band = band_of(&is.age_band_lower, age).unwrap_or(0);
        if draws.uniform(Purpose::SynthIsolation) < is.prevalence_by_age.value[iso_band] {
            flags |= flag::ISOLATED;
        }
        let sc = &place.file.social_care;
        let mut care_status = care::NONE;
        if let Some(band) = band_of(&sc.age_band_lower, age) {
            let u = draws.uniform(Purpose::SynthCare);
            let home = sc.initial_care_home_share.value[band];
            if u < home {
                care_status = care::CARE_HOME;
                frailty = frailty.max(2);
            } else if u < home + sc.initial_home_care_share.value[band] {
                care_status = care::HOME_CARE;
                frailty = frailty.max(1);
            }
        }
        let birthday_week = (draws.bits(Purpose::SynthBirthday) % 52) as u8;
        NewAgent {
            flags,
            ethnicity,
            conditions,
            frailty,
            care: care_status,
            birthday_week,
        }
    }
}

/// Effective age for condition and frailty risk: older in more deprived areas (multimorbidity
/// arrives `deprivation_age_shift` years earlier in decile 1 than in decile 10), centred on
/// the national middle (decile 5.5).
pub fn effective_age(place: &Place, age: u8, decile: u8) -> f64 {
    let shift = place.file.conditions.deprivation_age_shift.value;
    f64::from(age) + shift * (5.5 - f64::from(decile)) / 9.0
}

/// Prevalence of condition `k` at effective age `eff` for one sex and ethnic group: the place
/// table interpolated linearly between band midpoints, times sex and ethnicity factors that
/// leave the all-persons, all-groups prevalence unchanged.
pub fn condition_prevalence(place: &Place, k: usize, eff: f64, male: bool, ethnicity: u8) -> f64 {
    let c = &place.file.conditions;
    let row = &c.prevalence_by_age.value[k];
    let bands = &c.age_band_lower;
    let mid = |i: usize| -> f64 {
        let lo = f64::from(bands[i]);
        let hi = bands.get(i + 1).map_or(lo + 10.0, |&b| f64::from(b));
        0.5 * (lo + hi)
    };
    let p = if eff <= mid(0) {
        row[0]
    } else if eff >= mid(bands.len() - 1) {
        row[bands.len() - 1]
    } else {
        let i = (0..bands.len() - 1).rfind(|&i| mid(i) <= eff).unwrap_or(0);
        let t = (eff - mid(i)) / (mid(i + 1) - mid(i));
        row[i] + t * (row[i + 1] - row[i])
    };
    let m = c.male_multiplier.value[k];
    let sex = if male { 2.0 * m / (1.0 + m) } else { 2.0 / (1.0 + m) };
    let e = &c.ethnicity_multiplier.value[k];
    let shares = &place.file.ethnicity.shares.value;
    let mean_e: f64 = e.iter().zip(shares).map(|(x, s)| x * s).sum::<f64>() / shares.iter().sum::<f64>();
    (p * sex * e[usize::from(ethnicity)] / mean_e).clamp(0.0, 0.95)
}

/// Agents per resident at synthesis for a run at `scale` starting on `start`: the place's
/// population (at `population_date`) is back- or forward-cast along its growth path to the
/// start. Locality `l` then gets `round(residents_l × this)` agents.
pub fn synthesis_scale(
    place: &Place,
    scale: f64,
    start: crate::calendar::Date,
    population_date: crate::calendar::Date,
) -> f64 {
    let growth = place.file.population.annual_growth.value;
    scale * (1.0 + growth).powf(start.years_since(population_date))
}

/// How the age structure at `start` differs from the place's at `population_date`: a factor
/// per single year of age (0..=89, then 90+) on each locality's residents of that age, scaled so
/// that the total is unchanged (the total follows [`synthesis_scale`]). Before the population
/// date the borough's persons by age are interpolated linearly between the mid-years of the
/// place's history (`population.history_persons_single_year`) and the population date, and
/// held at the earliest mid-year before it; from the population date on, and for a place with
/// no history, every factor is 1.
pub fn age_factors(place: &Place, start: crate::calendar::Date, population_date: crate::calendar::Date) -> Vec<f64> {
    let p = &place.file.population;
    let now: Vec<f64> = (0..POP_AGES)
        .map(|a| p.males_single_year.value[a] + p.females_single_year.value[a])
        .collect();
    let ones = vec![1.0; POP_AGES];
    let (Some(rows), Some(years)) = (&p.history_persons_single_year, &p.history_years) else {
        return ones;
    };
    if start >= population_date || years.value.is_empty() {
        return ones;
    }
    // Years from the population date of the start, of each history row (30 June of its
    // mid-year) and of the population date itself (0).
    let at = start.years_since(population_date);
    let mut points: Vec<(f64, &[f64])> = years
        .value
        .iter()
        .zip(&rows.value)
        .filter_map(|(&y, row)| {
            let mid = crate::calendar::Date::from_ymd(y as i32, 6, 30)?;
            Some((mid.years_since(population_date), row.as_slice()))
        })
        .collect();
    points.push((0.0, now.as_slice()));
    // The two rows the start falls between and its weight on the later one (the same for
    // every age): before the earliest row, that row alone.
    let (r0, r1, t) = match points.iter().rposition(|(y, _)| *y <= at) {
        None => (points[0].1, points[0].1, 0.0),
        Some(k) if k + 1 == points.len() => (points[k].1, points[k].1, 0.0),
        Some(k) => {
            let ((y0, r0), (y1, r1)) = (points[k], points[k + 1]);
            (r0, r1, (at - y0) / (y1 - y0))
        }
    };
    let then: Vec<f64> = (0..POP_AGES).map(|a| r0[a] + t * (r1[a] - r0[a])).collect();
    let raw: Vec<f64> = (0..POP_AGES)
        .map(|a| if now[a] > 0.0 { then[a] / now[a] } else { 1.0 })
        .collect();
    let weighted: f64 = (0..POP_AGES).map(|a| now[a] * raw[a]).sum();
    let total: f64 = now.iter().sum();
    if weighted > 0.0 {
        raw.iter().map(|f| f * total / weighted).collect()
    } else {
        ones
    }
}

/// Largest-remainder rounding of `values` × `scale` to integers summing to the rounded total.
pub fn round_preserving_total(values: &[f64], scale: f64) -> Vec<u32> {
    let scaled: Vec<f64> = values.iter().map(|v| v * scale).collect();
    let total = scaled.iter().sum::<f64>().round() as i64;
    let mut out: Vec<u32> = scaled.iter().map(|v| v.floor() as u32).collect();
    let mut short = total - out.iter().map(|&v| i64::from(v)).sum::<i64>();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        (scaled[b] - scaled[b].floor())
            .total_cmp(&(scaled[a] - scaled[a].floor()))
            .then(a.cmp(&b))
    });
    for &i in order.iter().cycle().take(values.len().max(1) * 2) {
        if short <= 0 {
            break;
        }
        out[i] += 1;
        short -= 1;
    }
    out
}

/// Agents per locality, age (0..=90, 90 = 90+) and sex: `(females, males)`, each age's
/// residents × its age factor (none when `age_factors` is empty).
fn margins(place: &Place, scale: f64, age_factors: &[f64]) -> Vec<Vec<(u32, u32)>> {
    let p = &place.file.population;
    let n_loc = place.n_localities();
    let persons: Vec<Vec<u32>> = place
        .file
        .localities
        .iter()
        .map(|l| {
            let by_age: Vec<f64> = l
                .persons_single_year
                .value
                .iter()
                .enumerate()
                .map(|(a, &v)| v * age_factors.get(a).copied().unwrap_or(1.0))
                .collect();
            round_preserving_total(&by_age, scale)
        })
        .collect();
    let mut out = vec![vec![(0u32, 0u32); POP_AGES]; n_loc];
    for a in 0..POP_AGES {
        let total_persons = p.males_single_year.value[a] + p.females_single_year.value[a];
        let male_share = if total_persons > 0.0 {
            p.males_single_year.value[a] / total_persons
        } else {
            0.5
        };
        let expected: Vec<f64> = (0..n_loc).map(|l| f64::from(persons[l][a]) * male_share).collect();
        let males = round_preserving_total(&expected, 1.0);
        for l in 0..n_loc {
            let m = males[l].min(persons[l][a]);
            out[l][a] = (persons[l][a] - m, m);
        }
    }
    out
}

fn lsoa_slots(place: &Place, locality: usize, n: usize, key: &ReplicateKey) -> Vec<u16> {
    let idx: Vec<usize> = (0..place.lsoa_population.len())
        .filter(|&i| place.lsoa_locality[i] as usize == locality)
        .collect();
    let pops: Vec<f64> = idx.iter().map(|&i| f64::from(place.lsoa_population[i])).collect();
    let total: f64 = pops.iter().sum();
    // Scale so the slots sum exactly to the locality's agent count.
    let counts = round_preserving_total(&pops, if total > 0.0 { n as f64 / total } else { 0.0 });
    let mut slots = Vec::with_capacity(n);
    for (j, &c) in counts.iter().enumerate() {
        slots.extend(std::iter::repeat_n(idx[j] as u16, c as usize));
    }
    slots.resize(n, idx.first().map_or(0, |&i| i as u16));
    let mut rng = key.locality(locality as u8).sequence(Purpose::SynthLsoa);
    slots.shuffle(&mut rng);
    slots
}
