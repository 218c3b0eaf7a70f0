//! Demography: ageing at birthdays (with condition and frailty onset), death, out-migration,
//! and the week's inflows (births and in-migrants, so each locality follows its growth path).

use super::events::{self, process};
use super::hospital::die;
use super::locality::LocalityRun;
use super::phases::Next;
use super::seasons::scale_probability;
use crate::model::onset::birthday_onset;
use crate::population::synth::MAX_AGE;
use crate::population::{flag, LocalityPop};
use crate::results::Metric;
use crate::rng::{categorical, Purpose};
use crate::services::Agent;

/// Phase 1: birthday (ageing and onset), death, out-migration. Fills the agent's values for
/// the rest of the week's pass.
#[inline(always)]
pub fn ageing_death_migration(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, ag: &mut Agent) -> Next {
    let setup = run.setup;
    let i = ag.i;
    if ag.booked && !ag.male && (15..=44).contains(&pop.age[i]) {
        // Still in the sleepers' count of women this week; counted again below if she stays.
        run.women_booked += 1;
    }
    if pop.birthday_week[i] == run.woy && pop.age[i] < MAX_AGE {
        let old = pop.age[i];
        pop.age[i] += 1;
        birthday_onset(&setup.birthday, &ag.d, pop, i, old, ag.male);
    }
    ag.age = pop.age[i];
    ag.decile = pop.imd_decile[i];
    ag.cell = run.tal.cell(pop, i);
    ag.conditions = pop.conditions[i].count_ones() as usize;
    ag.frailty = usize::from(pop.frailty[i]);
    if run.engine == events::Engine::Events {
        events::wake(run, pop, ag);
    }
    let a = usize::from(ag.age);
    // A care-home resident's hazard × the place's hazard ratio, as the calendar's multiplier
    // (exactly the same draw when neither applies).
    let death = scale_probability(
        run.norms
            .death_probability(ag.male, a, ag.decile, ag.frailty, ag.conditions),
        setup.seasons.mortality[run.wk.w] * setup.tables.death_hr(pop.care[i]),
    );
    if ag.occurs(process::DEATH, death, || ag.d.uniform(Purpose::Death)) {
        // No GP consultation in the week of dying, as under the weekly engine.
        run.sleep.gp.reduce(run.sleep.gp_key(i), &setup.tables, 0.0);
        super::social_care::forgo_arrival(run, i, pop.need[i]);
        // A reablement episode ends with its client, as after a death of the crisis at home.
        run.svc.life.cut_short(i, &mut run.tal, ag.cell);
        die(pop, i, &mut run.tal, ag.cell);
        run.alive -= 1;
        return Next::Done;
    }
    if ag.flags & flag::IN_HOSPITAL == 0
        && pop.care[i] != crate::population::care::CARE_HOME
        && !run.svc.keeps_resident(i)
        && ag.occurs(process::OUT_MIGRATION, setup.tables.out_migration[a], || {
            ag.d.uniform(Purpose::OutMigration)
        })
    {
        run.sleep.gp.reduce(run.sleep.gp_key(i), &setup.tables, 0.0);
        pop.flags[i] = 0;
        run.tal.add(ag.cell, Metric::OutMigrants, 1);
        run.alive -= 1;
        return Next::Done;
    }
    if !ag.male && (15..=44).contains(&ag.age) {
        run.women_15_44 += 1;
    }
    Next::Continue
}

/// Where newcomers are placed: the locality's LSOAs with their populations as weights, the
/// in-migrants' ages (a band by the place's `in_migrant_age_share`, then a single year by the
/// locality's mid-2019 structure within the band), and the place's male share by age.
#[derive(Debug, Clone)]
pub struct Newcomers {
    lsoas: Vec<u16>,
    lsoa_weights: Vec<f64>,
    male_share: Vec<f64>,
    /// Share of in-migrants by migration age band.
    band_share: Vec<f64>,
    /// Per band: the single-year weights (indices into the locality's age table; the last
    /// is 90+), zero outside the band.
    band_ages: Vec<Vec<f64>>,
}

impl Newcomers {
    /// For locality `l` of a place.
    pub fn new(place: &crate::place::Place, l: usize) -> Newcomers {
        let lsoas: Vec<u16> = (0..place.lsoa_population.len())
            .filter(|&i| place.lsoa_locality[i] as usize == l)
            .map(|i| i as u16)
            .collect();
        let lsoa_weights = lsoas
            .iter()
            .map(|&i| f64::from(place.lsoa_population[i as usize]))
            .collect();
        let pp = &place.file.population;
        let male_share = (0..place.file.localities[l].persons_single_year.value.len())
            .map(|a| {
                let t = pp.males_single_year.value[a] + pp.females_single_year.value[a];
                if t > 0.0 {
                    pp.males_single_year.value[a] / t
                } else {
                    0.5
                }
            })
            .collect();
        let age_w = &place.file.localities[l].persons_single_year.value;
        let bands = &pp.migration_age_band_lower;
        let band_ages = (0..bands.len())
            .map(|b| {
                let (lo, hi) = (
                    usize::from(bands[b]),
                    bands.get(b + 1).map_or(usize::MAX, |&h| usize::from(h)),
                );
                age_w
                    .iter()
                    .enumerate()
                    .map(|(a, &w)| if a >= lo && a < hi { w } else { 0.0 })
                    .collect()
            })
            .collect();
        Newcomers {
            lsoas,
            lsoa_weights,
            male_share,
            band_share: pp.in_migrant_age_share.value.clone(),
            band_ages,
        }
    }

    /// An in-migrant's index into the locality's age table, from two uniforms: the band, then
    /// the single year within it.
    fn age_index(&self, u_band: f64, u_age: f64) -> usize {
        let b = categorical(u_band, &self.band_share);
        categorical(u_age, &self.band_ages[b])
    }
}

/// Phase 8: births (women 15-44 × birth rate) and in-migrants so the locality follows its
/// growth path; newcomers' attributes are drawn as at synthesis.
pub fn inflows(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    let setup = run.setup;
    let place = &*setup.place;
    let pp = &place.file.population;
    let w = run.wk.w;
    let l = run.wk.l;
    let nc = &run.newcomers;
    let age_w = &place.file.localities[l].persons_single_year.value;
    run.first_newcomer = pop.len();
    // Women visited this week (after their birthday, if still here) and the sleepers, less the
    // sleepers visited this week (their count as they went to sleep).
    let women = f64::from(run.women_15_44 + run.sleep.stocks.women_15_44 - run.women_booked);
    let births = run
        .key
        .locality(pop.locality)
        .week(w as u32)
        .poisson(Purpose::Births, women * setup.tables.births_per_woman);
    for _ in 0..births {
        let serial = pop.len() as u32;
        run.streams.push(run.key.agent(pop.locality, serial));
        let d = run.streams[serial as usize].week(w as u32);
        let male = d.uniform(Purpose::NewcomerSex) < pp.male_birth_share.value;
        let lsoa = nc.lsoas[categorical(d.uniform(Purpose::NewcomerLsoa), &nc.lsoa_weights)];
        setup.attributes.append(place, pop, &d, 0, male, lsoa, Some(run.woy));
        run.tal.add(run.tal.cell(pop, serial as usize), Metric::Births, 1);
        run.alive += 1;
    }
    let growth = pp.annual_growth.value;
    let target = (run.start_population * (1.0 + growth).powf((w + 1) as f64 * 7.0 / 365.25)).round() as i64;
    for _ in 0..(target - run.alive).max(0) {
        let serial = pop.len() as u32;
        run.streams.push(run.key.agent(pop.locality, serial));
        let d = run.streams[serial as usize].week(w as u32);
        let ag = nc.age_index(d.uniform(Purpose::NewcomerAge), d.uniform_at(Purpose::NewcomerAge, 1));
        let age = if ag + 1 >= age_w.len() {
            setup.attributes.age_90_plus(&d)
        } else {
            ag as u8
        };
        let male = d.uniform(Purpose::NewcomerSex) < nc.male_share[ag];
        let lsoa = nc.lsoas[categorical(d.uniform(Purpose::NewcomerLsoa), &nc.lsoa_weights)];
        setup.attributes.append(place, pop, &d, age, male, lsoa, None);
        pop.moved_in[serial as usize] = true;
        run.tal.add(run.tal.cell(pop, serial as usize), Metric::InMigrants, 1);
        run.alive += 1;
    }
    run.svc.fit(pop.len());
    run.sleep.fit(pop.len());
}
