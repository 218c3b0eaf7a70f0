//! The weekly step of one locality: the PHASES of [`super::PHASES`] in order.

use super::schedule::WEEKS_PER_YEAR;
use super::Setup;
use crate::calendar::Date;
use crate::model::tables::{prob, utility_index, Normalisers};
use crate::population::synth::{condition_prevalence, effective_age, MAX_AGE};
use crate::population::{care, flag, need, LocalityPop, NEVER};
use crate::results::{
    age_band, breakdown_cell, life_age_group, Metric, Tally, CELLS_PER_LOCALITY as CELLS, EQUITY_CELLS,
    LIFE_AGE_GROUPS, LIFE_CELLS, LOCAL_DECILES, N_METRICS, OVERHEAD_CELL,
};
use crate::rng::{categorical, Purpose, ReplicateKey, Stream, WeekDraws};
use std::cmp::Reverse;

/// Tallies of one locality over the run.
/// Services whose effects lower the crisis hazard, in the order of `Tally::avoided`.
pub(crate) const SERVICES: usize = crate::results::AVOIDING_SERVICES.len();

pub(crate) struct LocalityTally {
    weekly: Vec<u32>,
    /// `[week][service][expected A&E attendances avoided, expected admissions avoided]`
    avoided: Vec<f64>,
    annual: Vec<u32>,
    /// `[fy][decile][sex][group][deaths, person-weeks]`
    life: Vec<u32>,
    /// `[fy][decile][metric]`
    equity: Vec<u32>,
    /// `[fy][decile]` QALYs
    qalys: Vec<f64>,
    /// The place's own deprivation decile of each LSOA.
    deciles: Vec<u8>,
    week_at: usize,
    avoided_at: usize,
    fy_at: usize,
    life_at: usize,
    equity_at: usize,
    qaly_at: usize,
}

/// Where an event is tallied: its breakdown cell (national IMD quintile × age band × sex, or
/// the overhead cell) and the resident's local deprivation decile (`NO_DECILE` for overhead).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell {
    breakdown: usize,
    decile: usize,
}

const NO_DECILE: usize = usize::MAX;

impl Cell {
    /// Activity that belongs to no resident.
    const OVERHEAD: Cell = Cell {
        breakdown: OVERHEAD_CELL,
        decile: NO_DECILE,
    };
}

impl LocalityTally {
    fn new(weeks: usize, fys: usize, deciles: &[u8]) -> Self {
        LocalityTally {
            weekly: vec![0; weeks * N_METRICS],
            avoided: vec![0.0; weeks * SERVICES * 2],
            annual: vec![0; fys * CELLS * N_METRICS],
            life: vec![0; fys * LIFE_CELLS],
            equity: vec![0; fys * EQUITY_CELLS],
            qalys: vec![0.0; fys * LOCAL_DECILES],
            deciles: deciles.to_vec(),
            week_at: 0,
            avoided_at: 0,
            fy_at: 0,
            life_at: 0,
            equity_at: 0,
            qaly_at: 0,
        }
    }

    fn begin(&mut self, week: usize, fy: usize) {
        self.week_at = week * N_METRICS;
        self.avoided_at = week * SERVICES * 2;
        self.fy_at = fy * CELLS * N_METRICS;
        self.life_at = fy * LIFE_CELLS;
        self.equity_at = fy * EQUITY_CELLS;
        self.qaly_at = fy * LOCAL_DECILES;
    }

    /// Where agent `i`'s events are tallied.
    #[inline]
    fn cell(&self, pop: &LocalityPop, i: usize) -> Cell {
        Cell {
            breakdown: breakdown_cell(
                usize::from((pop.imd_decile[i] - 1) / 2),
                age_band(pop.age[i]),
                usize::from(pop.flags[i] & flag::MALE != 0),
            ),
            decile: usize::from(self.deciles[usize::from(pop.lsoa[i])]),
        }
    }

    /// Adds QALYs lived this week by a resident of local decile `decile`.
    #[inline]
    fn qaly(&mut self, decile: usize, q: f64) {
        self.qalys[self.qaly_at + decile] += q;
    }

    /// Adds expected A&E attendances and admissions avoided by service `k` this week.
    #[inline]
    fn avoid(&mut self, k: usize, ae: f64, admissions: f64) {
        self.avoided[self.avoided_at + 2 * k] += ae;
        self.avoided[self.avoided_at + 2 * k + 1] += admissions;
    }

    /// Counts a death (`slot` 0) or a person-week (`slot` 1) in the life-expectancy tally.
    #[inline]
    fn life(&mut self, pop: &LocalityPop, i: usize, slot: usize) {
        let decile = usize::from(self.deciles[usize::from(pop.lsoa[i])]);
        let sex = usize::from(pop.flags[i] & flag::MALE != 0);
        let at = self.life_at + ((decile * 2 + sex) * LIFE_AGE_GROUPS + life_age_group(pop.age[i])) * 2 + slot;
        self.life[at] += 1;
    }

    #[inline]
    fn add(&mut self, cell: Cell, m: Metric, n: u32) {
        self.weekly[self.week_at + m as usize] += n;
        self.annual[self.fy_at + cell.breakdown * N_METRICS + m as usize] += n;
        if cell.decile != NO_DECILE {
            self.equity[self.equity_at + cell.decile * N_METRICS + m as usize] += n;
        }
    }

    pub(crate) fn copy_into(&self, tally: &mut Tally, locality: usize) {
        for w in 0..tally.weeks() {
            tally
                .weekly_row_mut(w, locality)
                .copy_from_slice(&self.weekly[w * N_METRICS..(w + 1) * N_METRICS]);
            tally
                .avoided_row_mut(w, locality)
                .copy_from_slice(&self.avoided[w * SERVICES * 2..(w + 1) * SERVICES * 2]);
        }
        for fy in 0..tally.financial_years() {
            let block = tally.annual_block_mut(fy, locality);
            let src = &self.annual[fy * CELLS * N_METRICS..(fy + 1) * CELLS * N_METRICS];
            block.copy_from_slice(src);
            tally
                .life_block_mut(fy, locality)
                .copy_from_slice(&self.life[fy * LIFE_CELLS..(fy + 1) * LIFE_CELLS]);
            tally
                .equity_block_mut(fy, locality)
                .copy_from_slice(&self.equity[fy * EQUITY_CELLS..(fy + 1) * EQUITY_CELLS]);
            tally
                .qaly_row_mut(fy, locality)
                .copy_from_slice(&self.qalys[fy * LOCAL_DECILES..(fy + 1) * LOCAL_DECILES]);
        }
    }
}

#[inline]
fn on(until: u16, w: u16) -> bool {
    until != NEVER && until >= w
}

/// Week of the year (0..=51) of a date: days since 1 January / 7.
fn week_of_year(date: Date) -> u8 {
    let (y, _, _) = date.ymd();
    let jan1 = Date::from_ymd(y, 1, 1).map_or(0, |d| d.days());
    ((date.days() - jan1) / 7).clamp(0, 51) as u8
}

fn until(w: usize, weeks: u16) -> u16 {
    (w + usize::from(weeks.max(1)) - 1).min(usize::from(NEVER) - 1) as u16
}

/// Reablement clients in `blocked` whose outcome needs `code` (a package or a care home).
fn blocked_needing(pop: &LocalityPop, blocked: &[u32], code: u8) -> usize {
    blocked.iter().filter(|&&i| pop.need[i as usize] == code).count()
}

/// Simulates one locality over the whole run, mutating its population.
pub(crate) fn simulate_locality(
    setup: &Setup,
    key: &ReplicateKey,
    norms: &Normalisers,
    pop: &mut LocalityPop,
) -> LocalityTally {
    let cal = &setup.calendar;
    let sch = &setup.schedule;
    let t = &setup.tables;
    let s = &setup.scenario.services;
    let place = &*setup.place;
    let l = usize::from(pop.locality);
    let np = place.file.practices.len();
    let mut tal = LocalityTally::new(cal.weeks, cal.financial_years.len(), &place.lsoa_local_decile);

    let practices: Vec<usize> = (0..np).filter(|&p| place.practice_locality[p] as usize == l).collect();
    let mut local_practice = vec![usize::MAX; np];
    for (j, &p) in practices.iter().enumerate() {
        local_practice[p] = j;
    }
    let lsoas: Vec<u16> = (0..place.lsoa_population.len())
        .filter(|&i| place.lsoa_locality[i] as usize == l)
        .map(|i| i as u16)
        .collect();
    let lsoa_w: Vec<f64> = lsoas
        .iter()
        .map(|&i| f64::from(place.lsoa_population[i as usize]))
        .collect();
    let age_w = &place.file.localities[l].persons_single_year.value;
    let pp = &place.file.population;
    let male_share: Vec<f64> = (0..age_w.len())
        .map(|a| {
            let t = pp.males_single_year.value[a] + pp.females_single_year.value[a];
            if t > 0.0 {
                pp.males_single_year.value[a] / t
            } else {
                0.5
            }
        })
        .collect();
    let growth = pp.annual_growth.value;
    let mut alive = pop.alive_count() as i64;
    let n0 = alive as f64;

    // Each resident's random stream, hashed once rather than at every draw.
    let mut streams: Vec<Stream> = Vec::with_capacity(pop.age.capacity());
    streams.extend((0..pop.len()).map(|i| key.agent(pop.locality, i as u32)));
    // Scratch buffers, reused every week.
    let mut huddle_lists: Vec<Vec<u32>> = vec![Vec::new(); practices.len()];
    let mut admit: Vec<u32> = Vec::new();
    let mut diverted: Vec<u32> = Vec::new();
    let mut waiters: [Vec<(u32, u8)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut completions: Vec<u32> = Vec::new();
    let mut comm_pkg: Vec<u32> = Vec::new();
    let mut comm_home: Vec<u32> = Vec::new();
    let mut pic_list: Vec<u32> = Vec::new();
    let mut sp_list: Vec<u32> = Vec::new();
    let mut pharm_list: Vec<u32> = Vec::new();
    let effect_ramp_weeks = s.huddles.effect_ramp_years * WEEKS_PER_YEAR;

    for w in 0..cal.weeks {
        let date = cal.week_start(w);
        tal.begin(w, usize::from(cal.fy_of_week[w]));
        let at = sch.at(w, l);
        let woy = week_of_year(date);
        let w16 = w.min(usize::from(NEVER) - 1) as u16;
        let icn = f64::from(sch.icn[at]);
        let all_ages = (w as u32) >= sch.huddle_all_ages_week || (icn > 0.0 && s.icn_plus.all_ages);
        let huddle_min_age = if all_ages {
            18.min(s.huddles.min_age)
        } else {
            s.huddles.min_age
        };
        let huddle_extra = s.icn_plus.extra_effect * icn;
        for list in huddle_lists.iter_mut() {
            list.clear();
        }
        for b in [
            &mut admit,
            &mut diverted,
            &mut completions,
            &mut comm_pkg,
            &mut comm_home,
            &mut pic_list,
            &mut sp_list,
            &mut pharm_list,
        ] {
            b.clear();
        }
        for b in waiters.iter_mut() {
            b.clear();
        }
        let mut women_15_44 = 0u32;
        let mut pic_caseload = 0u32;
        let mut reab_caseload = 0u32;

        // Phases 1-5: per-agent proposals, in serial order.
        for i in 0..pop.len() {
            let f0 = pop.flags[i];
            if f0 & flag::ALIVE == 0 {
                continue;
            }
            let d = streams[i].week(w as u32);
            let male = f0 & flag::MALE != 0;
            // 1 demography
            if pop.birthday_week[i] == woy && pop.age[i] < MAX_AGE {
                let old = pop.age[i];
                pop.age[i] += 1;
                birthday_onset(setup, &d, pop, i, old, male);
            }
            let age = pop.age[i];
            let a = usize::from(age);
            let decile = pop.imd_decile[i];
            let q = usize::from((decile - 1) / 2);
            let cell = tal.cell(pop, i);
            let nc = pop.conditions[i].count_ones() as usize;
            let fr = usize::from(pop.frailty[i]);
            if d.uniform(Purpose::Death) < norms.death_probability(male, a, decile, fr, nc) {
                die(pop, i, &mut tal, cell);
                alive -= 1;
                continue;
            }
            let in_hosp = f0 & flag::IN_HOSPITAL != 0;
            if !in_hosp
                && pop.care[i] != care::CARE_HOME
                && pop.reablement_until[i] == NEVER
                && d.uniform(Purpose::OutMigration) < t.out_migration
            {
                pop.flags[i] = 0;
                tal.add(cell, Metric::OutMigrants, 1);
                alive -= 1;
                continue;
            }
            if !male && (15..=44).contains(&age) {
                women_15_44 += 1;
            }
            // 2 health dynamics
            let recent = pop.discharged_week[i] != NEVER && w16.saturating_sub(pop.discharged_week[i]) <= 12;
            if fr > 0 && fr < 3 {
                let hr = if recent { t.frailty_post_admission } else { 1.0 };
                if d.uniform(Purpose::FrailtyProgression) < prob(t.frailty_progress[fr - 1] * hr) {
                    pop.frailty[i] += 1;
                }
            }
            if f0 & flag::ISOLATED == 0 {
                if d.uniform(Purpose::IsolationOnset) < prob(t.isolation_onset[a]) {
                    pop.flags[i] |= flag::ISOLATED;
                }
            } else if d.uniform(Purpose::IsolationResolve) < prob(t.isolation_resolve) {
                pop.flags[i] &= !flag::ISOLATED;
            }
            // PIC clients keep their place while in hospital.
            if on(pop.pic_until[i], w16) {
                pic_caseload += 1;
            }
            // 3 hospital progress
            if in_hosp {
                let mut rem = 7u8;
                if pop.hospital_days[i] > 0 {
                    let used = pop.hospital_days[i].min(7);
                    pop.hospital_days[i] -= used;
                    tal.add(cell, Metric::BedDays, u32::from(used));
                    rem = 7 - used as u8;
                }
                if pop.hospital_days[i] == 0 {
                    match pop.need[i] {
                        need::DIES => {
                            die(pop, i, &mut tal, cell);
                            alive -= 1;
                        }
                        need::REABLEMENT => waiters[0].push((i as u32, rem)),
                        need::CARE_PACKAGE => waiters[1].push((i as u32, rem)),
                        need::CARE_HOME => waiters[2].push((i as u32, rem)),
                        _ => discharge(pop, i, w16, &mut tal, cell, Metric::DischargesHome),
                    }
                }
                continue;
            }
            if pop.reablement_until[i] != NEVER {
                if pop.reablement_until[i] <= w16 {
                    completions.push(i as u32);
                } else {
                    reab_caseload += 1;
                }
            }
            if age >= 65 && pop.care[i] != care::CARE_HOME {
                if d.uniform(Purpose::CommunityCareHome) < prob(t.community_care_home[fr]) {
                    comm_home.push(i as u32);
                } else if pop.care[i] == care::NONE {
                    let protect = if on(pop.pic_protect_until[i], w16) {
                        1.0 - s.pic.care_package_effect
                    } else {
                        1.0
                    };
                    if d.uniform(Purpose::CommunityCarePackage) < prob(t.community_package[fr] * protect) {
                        comm_pkg.push(i as u32);
                    }
                }
            }
            // 4 case-finding proposals
            let p = usize::from(pop.practice[i]);
            let practice_on = (sch.practice_start_week[p] as usize) <= w;
            let f1 = pop.flags[i];
            if practice_on
                && f1 & flag::HUDDLE_WAITING == 0
                && !on(pop.huddle_until[i], w16)
                && pop.care[i] != care::CARE_HOME
                && age >= huddle_min_age
                && (nc >= usize::from(s.huddles.min_conditions) || fr >= 2)
                && d.uniform(Purpose::HuddleFlag) < s.huddles.flag_probability
            {
                pop.flags[i] |= flag::HUDDLE_WAITING;
            }
            let sp_on = on(pop.sp_until[i], w16);
            if sch.sp_active[at]
                && f1 & flag::SP_WAITING == 0
                && !sp_on
                && age >= s.social_prescribing.min_age
                && (f1 & flag::ISOLATED != 0 || pop.conditions[i] & t.mental_illness_bit != 0)
                && d.uniform(Purpose::SpReferral) < s.social_prescribing.gp_referral_probability
            {
                pop.flags[i] |= flag::SP_WAITING;
            }
            let f2 = pop.flags[i];
            if f2 & flag::HUDDLE_WAITING != 0 && local_practice[p] != usize::MAX {
                huddle_lists[local_practice[p]].push(i as u32);
            }
            if f2 & flag::SP_WAITING != 0 {
                sp_list.push(i as u32);
            }
            if f2 & flag::PIC_WAITING != 0 {
                pic_list.push(i as u32);
            }
            if f2 & flag::PHARM_WAITING != 0 {
                pharm_list.push(i as u32);
            }
            let gp_factor = if sp_on {
                1.0 - s.social_prescribing.gp_effect
            } else {
                1.0
            };
            if d.uniform(Purpose::GpConsultation) < t.gp[a] * gp_factor {
                tal.add(cell, Metric::GpConsultations, 1);
            }
            // 5 crises
            let mut hz = norms.crisis_hazard(a, q, usize::from(pop.frailty[i]), nc, f2 & flag::ISOLATED != 0);
            if pop.discharged_week[i] != NEVER && w16.saturating_sub(pop.discharged_week[i]) <= 4 {
                hz *= t.readmission_hr;
            }
            // Service effects multiply the hazard; each effect's share of the log-hazard
            // reduction attributes the expected crises it avoided (no draws are involved).
            let mut cut = [0.0f64; SERVICES];
            if on(pop.huddle_until[i], w16) {
                let since = w.saturating_sub(sch.practice_start_week[p] as usize) as f64;
                let ramp = if effect_ramp_weeks > 0.0 {
                    (since / effect_ramp_weeks).min(1.0)
                } else {
                    1.0
                };
                cut[0] = (s.huddles.effect * ramp + huddle_extra).min(0.95);
            }
            if on(pop.pic_until[i], w16) {
                cut[1] = s.pic.crisis_effect;
            }
            if sp_on {
                cut[2] = s.social_prescribing.ae_effect;
            }
            if on(pop.pharm_until[i], w16) {
                cut[3] = s.pharmacists.effect;
            }
            if cut.iter().any(|&c| c > 0.0) {
                let before = prob(hz);
                let logs = cut.map(|c| -(1.0 - c).ln());
                for c in cut {
                    if c > 0.0 {
                        hz *= 1.0 - c;
                    }
                }
                let avoided = before - prob(hz);
                let total: f64 = logs.iter().sum();
                for (k, l) in logs.iter().enumerate() {
                    if *l > 0.0 {
                        tal.avoid(k, avoided * l / total, avoided * l / total * t.admit[a]);
                    }
                }
            }
            if d.uniform(Purpose::Crisis) < prob(hz) {
                tal.add(cell, Metric::AeAttendances, 1);
                if d.uniform(Purpose::AeAdmit) < t.admit[a] {
                    admit.push(i as u32);
                }
            }
        }

        // Phase 6: capacity allocation, sequential in a fixed order.
        let mut pkg_cap = sch.package_starts[at];
        let mut home_cap = sch.care_home_places[at];
        // Reablement episodes ending with no further need free their slots first.
        let mut blocked: Vec<u32> = Vec::new();
        for &i in &completions {
            let i = i as usize;
            if pop.need[i] == need::HOME || pop.need[i] == need::ACUTE {
                end_reablement(pop, i, &mut tal, Metric::ReablementNoPackage);
            } else {
                blocked.push(i as u32);
            }
        }
        let mut reab_free = sch.reablement_slots[at].saturating_sub(reab_caseload + blocked.len() as u32);
        // Hospital discharges, longest-waiting first. Beyond the block capacity, the council
        // spot-purchases a share of the remaining package and care-home queue.
        let spot = setup.scenario.services.social_care.spot_purchase_share;
        let spot_extra = |waiting: usize, cap: u32| ((waiting as f64 - f64::from(cap)).max(0.0) * spot).floor() as u32;
        pkg_cap += spot_extra(
            waiters[1].len() + blocked_needing(pop, &blocked, need::CARE_PACKAGE),
            pkg_cap,
        );
        home_cap += spot_extra(
            waiters[2].len() + blocked_needing(pop, &blocked, need::CARE_HOME),
            home_cap,
        );
        let (pkg_total, home_total) = (pkg_cap, home_cap);
        for (k, queue) in waiters.iter_mut().enumerate() {
            queue.sort_unstable_by_key(|&(i, rem)| (Reverse(rem), i));
            for &(i, rem) in queue.iter() {
                let i = i as usize;
                let cell = tal.cell(pop, i);
                let placed = match k {
                    0 if reab_free > 0 => {
                        reab_free -= 1;
                        discharge(pop, i, w16, &mut tal, cell, Metric::DischargesReablement);
                        start_reablement(setup, streams[i], pop, i, w, &mut tal, cell);
                        true
                    }
                    1 if pkg_cap > 0 => {
                        pkg_cap -= 1;
                        discharge(pop, i, w16, &mut tal, cell, Metric::DischargesCarePackage);
                        pop.care[i] = care::HOME_CARE;
                        tal.add(cell, Metric::NewCarePackages, 1);
                        true
                    }
                    2 if home_cap > 0 => {
                        home_cap -= 1;
                        discharge(pop, i, w16, &mut tal, cell, Metric::DischargesCareHome);
                        pop.care[i] = care::CARE_HOME;
                        tal.add(cell, Metric::CareHomeAdmissions, 1);
                        true
                    }
                    0 => {
                        // LIFE is full: the patient is offered a traditional home-care package
                        // instead and joins that queue next week (discharge to assess does not
                        // hold people in hospital for a reablement place).
                        pop.need[i] = need::CARE_PACKAGE;
                        false
                    }
                    _ => false,
                };
                if !placed {
                    tal.add(cell, Metric::DelayedBedDays, u32::from(rem));
                    tal.add(cell, Metric::BedDays, u32::from(rem));
                }
            }
        }
        // Reablement episodes waiting for a package or a care home.
        for &i in &blocked {
            let i = i as usize;
            let cell = tal.cell(pop, i);
            if pop.need[i] == need::CARE_PACKAGE && pkg_cap > 0 {
                pkg_cap -= 1;
                pop.care[i] = care::HOME_CARE;
                tal.add(cell, Metric::NewCarePackages, 1);
                end_reablement(pop, i, &mut tal, Metric::ReablementToPackage);
            } else if pop.need[i] == need::CARE_HOME && home_cap > 0 {
                home_cap -= 1;
                pop.care[i] = care::CARE_HOME;
                tal.add(cell, Metric::CareHomeAdmissions, 1);
                end_reablement(pop, i, &mut tal, Metric::ReablementToCareHome);
            } else {
                pop.reablement_until[i] = w16 + 1;
            }
        }
        // LIFE A&E liaison: the frailest and oldest of those about to be admitted first.
        let mut liaison_cap = sch.liaison[at];
        if liaison_cap > 0 {
            let life = &s.life;
            let mut eligible: Vec<u32> = admit
                .iter()
                .copied()
                .filter(|&i| pop.age[i as usize] >= life.liaison_min_age || pop.frailty[i as usize] >= 2)
                .collect();
            eligible.sort_unstable_by_key(|&i| (Reverse(pop.frailty[i as usize]), Reverse(pop.age[i as usize]), i));
            for &i in &eligible {
                if liaison_cap == 0 {
                    break;
                }
                liaison_cap -= 1;
                let iu = i as usize;
                let cell = tal.cell(pop, iu);
                tal.add(cell, Metric::LiaisonAssessments, 1);
                let d = streams[i as usize].week(w as u32);
                if d.uniform(Purpose::LiaisonDivert) < life.divert_probability {
                    tal.add(cell, Metric::AdmissionsAvoidedLife, 1);
                    diverted.push(i);
                    if reab_free > 0 {
                        reab_free -= 1;
                        start_reablement(setup, streams[iu], pop, iu, w, &mut tal, cell);
                    } else {
                        tal.add(cell, Metric::LifeReferrals, 1);
                    }
                }
            }
            diverted.sort_unstable();
        }
        // Admissions.
        for &i in &admit {
            if diverted.binary_search(&i).is_ok() {
                continue;
            }
            if admit_agent(setup, streams[i as usize], pop, i as usize, w, &mut tal) {
                alive -= 1;
            }
        }
        // Community entries to care, with what capacity is left.
        for &i in &comm_home {
            let i = i as usize;
            if home_cap == 0 || pop.flags[i] & flag::IN_HOSPITAL != 0 {
                continue;
            }
            home_cap -= 1;
            pop.care[i] = care::CARE_HOME;
            tal.add(tal.cell(pop, i), Metric::CareHomeAdmissions, 1);
        }
        for &i in &comm_pkg {
            let i = i as usize;
            if pkg_cap == 0 || pop.flags[i] & flag::IN_HOSPITAL != 0 || pop.care[i] != care::NONE {
                continue;
            }
            pkg_cap -= 1;
            pop.care[i] = care::HOME_CARE;
            tal.add(tal.cell(pop, i), Metric::NewCarePackages, 1);
        }
        // Placements beyond the block contracts were spot-purchased.
        let spot_used = |block: u32, total: u32, left: u32| (total - left).saturating_sub(block);
        tal.add(
            Cell::OVERHEAD,
            Metric::SpotPackages,
            spot_used(sch.package_starts[at], pkg_total, pkg_cap),
        );
        tal.add(
            Cell::OVERHEAD,
            Metric::SpotCareHomePlaces,
            spot_used(sch.care_home_places[at], home_total, home_cap),
        );
        // Huddle reviews per practice: frailest, then most conditions, then serial.
        for (j, &p) in practices.iter().enumerate() {
            if (sch.practice_start_week[p] as usize) > w {
                continue;
            }
            tal.add(Cell::OVERHEAD, Metric::HuddlePracticeWeeks, 1);
            let mut cap = sch.huddle_reviews[w * np + p];
            let list = &mut huddle_lists[j];
            list.sort_unstable_by_key(|&i| {
                (
                    Reverse(pop.frailty[i as usize]),
                    Reverse(pop.conditions[i as usize].count_ones()),
                    i,
                )
            });
            for &i in list.iter() {
                if cap == 0 {
                    break;
                }
                let iu = i as usize;
                if pop.flags[iu] & flag::IN_HOSPITAL != 0 {
                    continue;
                }
                cap -= 1;
                let cell = tal.cell(pop, iu);
                tal.add(cell, Metric::HuddleReviews, 1);
                pop.flags[iu] &= !flag::HUDDLE_WAITING;
                pop.huddle_until[iu] = until(w, s.huddles.care_plan_weeks);
                let d = streams[i as usize].week(w as u32);
                let f = pop.flags[iu];
                if sch.pic_active[w]
                    && pop.age[iu] >= s.pic.min_age
                    && f & flag::PIC_WAITING == 0
                    && !on(pop.pic_until[iu], w16)
                    && d.uniform(Purpose::PicReferral) < s.huddles.refer_pic_probability
                {
                    pop.flags[iu] |= flag::PIC_WAITING;
                    pic_list.push(i);
                }
                if sch.sp_active[at]
                    && pop.age[iu] >= s.social_prescribing.min_age
                    && f & flag::SP_WAITING == 0
                    && !on(pop.sp_until[iu], w16)
                    && d.uniform_at(Purpose::SpReferral, 1) < s.huddles.refer_social_prescribing_probability
                {
                    pop.flags[iu] |= flag::SP_WAITING;
                    sp_list.push(i);
                }
                if sch.pharm_active[w]
                    && pop.conditions[iu].count_ones() >= u32::from(s.pharmacists.min_conditions)
                    && f & flag::PHARM_WAITING == 0
                    && !on(pop.pharm_until[iu], w16)
                    && d.uniform(Purpose::PharmacistFlag) < s.huddles.refer_pharmacist_probability
                {
                    pop.flags[iu] |= flag::PHARM_WAITING;
                    pharm_list.push(i);
                }
            }
        }
        // PIC starts up to the caseload limit, frailest first.
        pic_list.sort_unstable_by_key(|&i| (Reverse(pop.frailty[i as usize]), i));
        serve(
            pop,
            &pic_list,
            sch.pic_slots[at].saturating_sub(pic_caseload),
            |pop, iu| {
                tal.add(tal.cell(pop, iu), Metric::PicStarts, 1);
                pop.flags[iu] &= !flag::PIC_WAITING;
                pop.pic_until[iu] = until(w, s.pic.max_weeks);
                pop.pic_protect_until[iu] = pop.pic_until[iu].saturating_add(52).min(NEVER - 1);
                let d = streams[iu].week(w as u32);
                if d.uniform(Purpose::PicIsolationResolved) < s.pic.isolation_resolved_probability {
                    pop.flags[iu] &= !flag::ISOLATED;
                }
            },
        );
        // Social prescribing referrals taken on, in serial order.
        sp_list.sort_unstable();
        serve(pop, &sp_list, sch.sp_referrals[at], |pop, iu| {
            tal.add(tal.cell(pop, iu), Metric::SocialPrescribingReferrals, 1);
            pop.flags[iu] &= !flag::SP_WAITING;
            pop.sp_until[iu] = until(w, s.social_prescribing.effect_weeks);
        });
        // Pharmacist medication reviews: most conditions first.
        pharm_list.sort_unstable_by_key(|&i| (Reverse(pop.conditions[i as usize].count_ones()), i));
        serve(pop, &pharm_list, sch.pharm_reviews[at], |pop, iu| {
            tal.add(tal.cell(pop, iu), Metric::PharmacistReviews, 1);
            pop.flags[iu] &= !flag::PHARM_WAITING;
            pop.pharm_until[iu] = until(w, s.pharmacists.effect_weeks);
        });

        // Phase 7: inflows.
        let births = key
            .locality(pop.locality)
            .week(w as u32)
            .poisson(Purpose::Births, f64::from(women_15_44) * t.births_per_woman);
        for _ in 0..births {
            let serial = pop.len() as u32;
            streams.push(key.agent(pop.locality, serial));
            let d = streams[serial as usize].week(w as u32);
            let male = d.uniform(Purpose::NewcomerSex) < pp.male_birth_share.value;
            let lsoa = lsoas[categorical(d.uniform(Purpose::NewcomerLsoa), &lsoa_w)];
            setup.attributes.append(place, pop, &d, 0, male, lsoa, Some(woy));
            tal.add(tal.cell(pop, serial as usize), Metric::Births, 1);
            alive += 1;
        }
        let target = (n0 * (1.0 + growth).powf((w + 1) as f64 * 7.0 / 365.25)).round() as i64;
        for _ in 0..(target - alive).max(0) {
            let serial = pop.len() as u32;
            streams.push(key.agent(pop.locality, serial));
            let d = streams[serial as usize].week(w as u32);
            let ag = categorical(d.uniform(Purpose::NewcomerAge), age_w);
            let age = if ag + 1 >= age_w.len() {
                setup.attributes.age_90_plus(&d)
            } else {
                ag as u8
            };
            let male = d.uniform(Purpose::NewcomerSex) < male_share[ag];
            let lsoa = lsoas[categorical(d.uniform(Purpose::NewcomerLsoa), &lsoa_w)];
            setup.attributes.append(place, pop, &d, age, male, lsoa, None);
            pop.moved_in[serial as usize] = true;
            tal.add(tal.cell(pop, serial as usize), Metric::InMigrants, 1);
            alive += 1;
        }

        // Phase 8: stocks.
        for i in 0..pop.len() {
            let f = pop.flags[i];
            if f & flag::ALIVE == 0 {
                continue;
            }
            let cell = tal.cell(pop, i);
            tal.add(cell, Metric::Population, 1);
            tal.life(pop, i, 1);
            let age = pop.age[i];
            let nc = pop.conditions[i].count_ones();
            let fr = pop.frailty[i];
            if !pop.moved_in[i] {
                tal.qaly(
                    cell.decile,
                    t.qaly_week[utility_index(f & flag::MALE != 0, age, fr, nc)],
                );
            }
            if age >= 65 {
                tal.add(cell, Metric::Aged65Plus, 1);
                if fr >= 2 || (fr == 1 && nc >= 2) {
                    tal.add(cell, Metric::Llti65Plus, 1);
                }
            }
            match pop.care[i] {
                care::HOME_CARE => tal.add(cell, Metric::HomeCareClients, 1),
                care::CARE_HOME => tal.add(cell, Metric::CareHomeResidents, 1),
                _ => {}
            }
            if on(pop.huddle_until[i], w16) {
                tal.add(cell, Metric::HuddleCaseload, 1);
            }
            if on(pop.pic_until[i], w16) {
                tal.add(cell, Metric::PicCaseload, 1);
            }
            if on(pop.sp_until[i], w16) {
                tal.add(cell, Metric::SocialPrescribingActive, 1);
            }
            if pop.reablement_until[i] != NEVER {
                tal.add(cell, Metric::ReablementCaseload, 1);
            }
            for (bit, m) in [
                (flag::HUDDLE_WAITING, Metric::HuddleWaiting),
                (flag::PIC_WAITING, Metric::PicWaiting),
                (flag::SP_WAITING, Metric::SocialPrescribingWaiting),
                (flag::PHARM_WAITING, Metric::PharmacistWaiting),
            ] {
                if f & bit != 0 {
                    tal.add(cell, m, 1);
                }
            }
            if f & flag::IN_HOSPITAL != 0 && pop.hospital_days[i] == 0 {
                match pop.need[i] {
                    need::REABLEMENT => tal.add(cell, Metric::ReablementWaiting, 1),
                    need::CARE_PACKAGE => tal.add(cell, Metric::CarePackageWaiting, 1),
                    need::CARE_HOME => tal.add(cell, Metric::CareHomeWaiting, 1),
                    _ => {}
                }
            }
        }
    }
    tal
}

/// Serves a sorted waiting list up to `capacity`: people now in hospital (or dead) keep
/// their place in the queue for a later week and use no capacity.
fn serve(pop: &mut LocalityPop, list: &[u32], capacity: u32, mut start: impl FnMut(&mut LocalityPop, usize)) {
    let mut left = capacity;
    for &i in list {
        if left == 0 {
            break;
        }
        let iu = i as usize;
        if pop.flags[iu] & (flag::IN_HOSPITAL | flag::ALIVE) != flag::ALIVE {
            continue;
        }
        left -= 1;
        start(pop, iu);
    }
}

/// Condition onset on a birthday: the rise in prevalence from the old to the new (effective)
/// age, as a conditional probability among those without the condition.
fn birthday_onset(setup: &Setup, d: &WeekDraws, pop: &mut LocalityPop, i: usize, old: u8, male: bool) {
    let b = &setup.birthday;
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
pub(crate) struct BirthdayOnset {
    conditions: Vec<f64>,
    frailty: Vec<f64>,
    ethnic_groups: usize,
    n_conditions: usize,
}

impl BirthdayOnset {
    pub(crate) fn new(place: &crate::place::Place) -> BirthdayOnset {
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

fn die(pop: &mut LocalityPop, i: usize, tal: &mut LocalityTally, cell: Cell) {
    if pop.flags[i] & flag::IN_HOSPITAL != 0 {
        tal.add(cell, Metric::DeathsInHospital, 1);
    }
    tal.add(cell, Metric::Deaths, 1);
    tal.life(pop, i, 0);
    pop.flags[i] = 0;
    pop.hospital_days[i] = 0;
}

fn discharge(pop: &mut LocalityPop, i: usize, w: u16, tal: &mut LocalityTally, cell: Cell, route: Metric) {
    pop.flags[i] &= !flag::IN_HOSPITAL;
    pop.hospital_days[i] = 0;
    pop.need[i] = need::ACUTE;
    pop.discharged_week[i] = w;
    tal.add(cell, Metric::Discharges, 1);
    tal.add(cell, route, 1);
}

fn end_reablement(pop: &mut LocalityPop, i: usize, tal: &mut LocalityTally, outcome: Metric) {
    let cell = tal.cell(pop, i);
    tal.add(cell, Metric::ReablementEnds, 1);
    tal.add(cell, outcome, 1);
    pop.reablement_until[i] = NEVER;
    pop.need[i] = need::ACUTE;
}

/// Starts a LIFE reablement episode: the outcome (needing nothing, a package or a care home)
/// and the duration are drawn now and acted on when it ends.
fn start_reablement(
    setup: &Setup,
    stream: Stream,
    pop: &mut LocalityPop,
    i: usize,
    w: usize,
    tal: &mut LocalityTally,
    cell: Cell,
) {
    let life = &setup.scenario.services.life;
    let d = stream.week(w as u32);
    tal.add(cell, Metric::LifeReferrals, 1);
    tal.add(cell, Metric::ReablementStarts, 1);
    if d.uniform(Purpose::VisitWithin2h) < life.visit_within_2h_probability {
        tal.add(cell, Metric::LifeVisitsWithin2h, 1);
    }
    pop.need[i] = if d.uniform(Purpose::ReablementOutcome) < life.no_package_probability {
        need::HOME
    } else if d.uniform(Purpose::ReablementCareHome) < setup.tables.care_home_given_support[usize::from(pop.age[i])] {
        need::CARE_HOME
    } else {
        need::CARE_PACKAGE
    };
    let weeks = 1 + (d.uniform_at(Purpose::ReablementOutcome, 1) * f64::from(life.max_weeks.max(1))) as u16;
    pop.reablement_until[i] = until(w, weeks.min(life.max_weeks.max(1)));
}

/// Admits an agent: stay length, discharge need and in-hospital death are drawn now.
/// Returns true when the agent died (zero-day stay ending in death).
fn admit_agent(
    setup: &Setup,
    stream: Stream,
    pop: &mut LocalityPop,
    i: usize,
    w: usize,
    tal: &mut LocalityTally,
) -> bool {
    let t = &setup.tables;
    let w16 = w as u16;
    let cell = tal.cell(pop, i);
    let d = stream.week(w as u32);
    tal.add(cell, Metric::EmergencyAdmissions, 1);
    if pop.age[i] >= 18 {
        tal.add(cell, Metric::EmergencyAdmissionsAdults, 1);
    }
    if pop.discharged_week[i] != NEVER && w16.saturating_sub(pop.discharged_week[i]) <= 4 {
        tal.add(cell, Metric::Readmissions30d, 1);
    }
    if pop.reablement_until[i] != NEVER {
        tal.add(cell, Metric::ReablementEnds, 1);
        pop.reablement_until[i] = NEVER;
    }
    pop.flags[i] &= !(flag::HUDDLE_WAITING | flag::PIC_WAITING | flag::SP_WAITING | flag::PHARM_WAITING);
    let a = usize::from(pop.age[i]);
    let fr = usize::from(pop.frailty[i]);
    let dies = d.uniform(Purpose::HospitalDeath) < t.hospital_death[a];
    if d.uniform(Purpose::LosZeroDay) < t.zero_day {
        tal.add(cell, Metric::AdmissionsZeroDay, 1);
        if dies {
            pop.flags[i] |= flag::IN_HOSPITAL;
            die(pop, i, tal, cell);
            return true;
        }
        pop.discharged_week[i] = w16;
        tal.add(cell, Metric::Discharges, 1);
        tal.add(cell, Metric::DischargesHome, 1);
        return false;
    }
    let mut los = (-(1.0 - d.uniform(Purpose::LosLength)).ln() * t.los_mean[a][fr])
        .round()
        .clamp(1.0, 365.0) as u16;
    let need_code = if dies {
        need::DIES
    } else if d.uniform(Purpose::DischargeNeed) < t.needs_support[a][fr] {
        if d.uniform(Purpose::DischargeCareHome) < t.care_home_given_support[a] && pop.care[i] != care::CARE_HOME {
            need::CARE_HOME
        } else if pop.care[i] != care::NONE {
            need::HOME
        } else if setup.schedule.life_active[w] {
            need::REABLEMENT
        } else {
            need::CARE_PACKAGE
        }
    } else {
        need::HOME
    };
    if need_code == need::REABLEMENT {
        let cut =
            (setup.scenario.services.life.los_reduction_days + d.uniform_at(Purpose::LosLength, 1)).floor() as u16;
        let shorter = los.saturating_sub(cut).max(1);
        tal.add(cell, Metric::D2aBedDaysSaved, u32::from(los - shorter));
        los = shorter;
    }
    if los > t.trim_point {
        tal.add(cell, Metric::ExcessBedDays, u32::from(los - t.trim_point));
    }
    pop.flags[i] |= flag::IN_HOSPITAL;
    pop.hospital_days[i] = los;
    pop.need[i] = need_code;
    false
}
