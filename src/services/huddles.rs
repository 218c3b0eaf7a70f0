//! GP practice huddles (Integrated Community Networks): weekly multidisciplinary review of
//! patients at rising risk, who then have a care plan that lowers their crisis hazard, and
//! referral on to PICs, social prescribing and pharmacists (their
//! [`Service::on_huddle_review`] hooks).
//!
//! Capacity is reviews per practice per week; practices join in order within their locality
//! across the rollout. ICN+ widens eligibility to all adults and adds to the effect through
//! [`super::HuddleModifier`].

use super::{count_list, tidy, Agent, Episodes, HuddleModifier, Service, Shared, Week};
use crate::calendar::Date;
use crate::engine::schedule::{multiplier, Planner};
use crate::engine::tally::Cell;
use crate::engine::Setup;
use crate::population::{care, flag, LocalityPop};
use crate::results::Metric;
use crate::rng::{Purpose, WeekDraws};
use crate::scenario::keys::scenario_section;
use crate::scenario::schema::{
    closed, Kind, AGE, ALLOC_DEFAULT, CONDITIONS, COUNT, EFFECT_OR_HARM, FROM_START, LAPSE_DEFAULT, LAPSE_UNIT,
    LAPSE_WEEKS, PROB, REQ, WEEKS,
};
use crate::scenario::{Allocation, Rollout};
use std::cmp::Reverse;

// The service's scenario section: its keys, types, ranges, defaults and units, declared
// once (re-exported as `crate::scenario::Huddles`).
scenario_section! {
    /// GP practice huddles (Integrated Community Networks): weekly MDT case review.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Huddles {
        /// Start and ramp: practices join between `start` and `full_by` (in practice order).
        rollout: Rollout = flatten() [summary 0],
        /// Minimum age reviewed before `all_ages_from`.
        min_age: u8 = key(AGE, REQ, "years"),
        /// From this date adults of any age (18+) are eligible.
        all_ages_from: Date = key(Kind::Date, REQ, ""),
        /// Case reviews per practice per week at full operation.
        reviews_per_practice_per_week: f64 = key(COUNT, REQ, "reviews per practice per week") [calibrate 8, summary 0],
        /// Staff hours per practice per week (for the running cost).
        hours_per_practice_per_week: f64 = key(COUNT, REQ, "hours per practice per week"),
        /// Weekly probability that an eligible rising-risk patient is flagged for review.
        flag_probability: f64 = key(PROB, REQ, "probability per week") [calibrate 9, summary 0],
        /// Minimum number of long-term conditions for eligibility (or moderate/severe frailty).
        min_conditions: u8 = key(CONDITIONS, REQ, "conditions"),
        /// Weeks a reviewed patient stays on the care plan.
        care_plan_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Relative reduction of crisis hazard while on a care plan at full effect; negative
        /// raises it (evidence: place file `effects.huddle_crisis_change`, range -0.14 to +0.10
        /// as a change). [-1, 1).
        effect: f64 = key(EFFECT_OR_HARM, REQ, "relative reduction; negative = harm") [calibrate 7, summary 0],
        /// Years from a practice's start until the effect is fully realised.
        effect_ramp_years: f64 = key(closed(0.0, 20.0), REQ, "years") [calibrate 19],
        /// Mean weeks a flagged patient waits for review before it lapses if not taken on (re-triaged off
        /// the list; a constant weekly chance; may be flagged again); 0 = never.
        referral_lapse_weeks: f64 = key(LAPSE_WEEKS, LAPSE_DEFAULT, LAPSE_UNIT),
        /// Probability a reviewed patient is referred to a PIC (if eligible).
        refer_pic_probability: f64 = key(PROB, REQ, "probability"),
        /// Probability a reviewed patient is referred to social prescribing.
        refer_social_prescribing_probability: f64 = key(PROB, REQ, "probability"),
        /// Probability a reviewed patient is referred for a pharmacist medication review.
        refer_pharmacist_probability: f64 = key(PROB, REQ, "probability"),
        /// How reviews are prioritised between practices: `population` = equal reviews per
        /// practice; `need` = reviews shared by practice need.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, "") [summary 1],
        /// Day the allocation takes effect (before it, reviews are shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
    }
}

/// Huddles' case-finding process (`engine::events`).
const PROCESS: usize = crate::engine::events::process::service(0);

/// Huddles in one locality during a run.
#[derive(Debug, Clone)]
pub struct HuddlesService<'a> {
    setup: &'a Setup,
    p: &'a crate::scenario::Huddles,
    /// Care plans and the waiting flag per resident.
    state: Episodes,
    /// The locality's practices (place indices).
    practices: Vec<usize>,
    /// Index into `practices` of each place practice (`usize::MAX` = another locality).
    local_practice: Vec<usize>,
    /// The waiting list of each local practice (kept between weeks), then of those flagged
    /// whose practice is in another locality (never reviewed here, but waiting).
    lists: Vec<Vec<u32>>,
    /// Effect ramp in weeks from a practice's start.
    effect_ramp_weeks: f64,
    /// Minimum age this week (lowered to 18 once all adults are eligible).
    min_age: u8,
    /// This week's modifier (ICN+).
    modifier: HuddleModifier,
}

impl<'a> HuddlesService<'a> {
    /// The same state under another scenario's set-up (a fork: see [`crate::engine::fork`]).
    pub(crate) fn rebind(&mut self, setup: &'a Setup) {
        self.setup = setup;
        self.p = &setup.scenario.services.huddles;
    }

    /// Huddles of locality `l` with room for `capacity` residents.
    pub fn new(setup: &'a Setup, l: usize, capacity: usize) -> HuddlesService<'a> {
        let place = &*setup.place;
        let np = place.file.practices.len();
        let practices: Vec<usize> = (0..np).filter(|&p| place.practice_locality[p] as usize == l).collect();
        let mut local_practice = vec![usize::MAX; np];
        for (j, &p) in practices.iter().enumerate() {
            local_practice[p] = j;
        }
        let p = &setup.scenario.services.huddles;
        HuddlesService {
            setup,
            p,
            state: Episodes::with_capacity(capacity),
            lists: vec![Vec::new(); practices.len() + 1],
            practices,
            local_practice,
            effect_ramp_weeks: p.effect_ramp_years * crate::engine::schedule::WEEKS_PER_YEAR,
            min_age: p.min_age,
            modifier: HuddleModifier::default(),
        }
    }

    /// Sets this week's modifier (from ICN+), before [`Service::begin_week`].
    pub fn set_modifier(&mut self, m: HuddleModifier) {
        self.modifier = m;
    }

    /// Phase 6: reviews per practice, frailest, then most conditions, then serial; each
    /// reviewed patient gets a care plan and `refer` is called so other services may take a
    /// referral.
    pub fn allocate_with(
        &mut self,
        wk: &Week<'_>,
        run: &mut Shared<'_>,
        mut refer: impl FnMut(&LocalityPop, &mut crate::engine::tally::LocalityTally, u32, &WeekDraws),
    ) {
        let sch = &self.setup.schedule;
        let np = self.local_practice.len();
        let w = wk.w;
        let lapse = super::lapse_probability(self.p.referral_lapse_weeks);
        for (j, &p) in self.practices.iter().enumerate() {
            if (sch.practice_start_week[p] as usize) > w {
                continue;
            }
            run.tal.add(Cell::OVERHEAD, Metric::HuddlePracticeWeeks, 1);
            let mut cap = sch.huddle_reviews[w * np + p];
            let list = &mut self.lists[j];
            let state = &mut self.state;
            super::lapse_list(list, run, w, lapse, 0, Metric::HuddleLapsed as usize, |i| {
                state.close_referral(i)
            });
            let pop = &*run.pop;
            let state = &self.state;
            tidy(list, pop, |i| state.waiting(i));
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
                if run.pop.flags[iu] & flag::IN_HOSPITAL != 0 {
                    continue;
                }
                cap -= 1;
                let cell = run.tal.cell(run.pop, iu);
                run.tal.add(cell, Metric::HuddleReviews, 1);
                super::started(run.started, run.pop, iu);
                self.state.start(iu, w, self.p.care_plan_weeks);
                let d = run.streams[iu].week(w as u32);
                refer(run.pop, run.tal, i, &d);
            }
        }
    }
}

impl Service for HuddlesService<'_> {
    fn key(&self) -> &str {
        "huddles"
    }

    #[inline]
    fn holds(&self, i: usize, w: u16) -> bool {
        self.state.holds(i, w)
    }

    /// Eligible at the lowest minimum age of the run (all adults once all ages are eligible)
    /// in a practice that runs huddles at some point.
    fn referral_bound(&self, pop: &LocalityPop, ag: &Agent, _t: &crate::model::tables::Tables) -> f64 {
        let p = usize::from(pop.practice[ag.i]);
        if self.setup.schedule.practice_start_week[p] != u32::MAX
            && pop.care[ag.i] != care::CARE_HOME
            && ag.age >= 18.min(self.p.min_age)
            && (ag.conditions >= usize::from(self.p.min_conditions) || ag.frailty >= 2)
        {
            self.p.flag_probability
        } else {
            0.0
        }
    }

    fn avoids_crises(&self) -> bool {
        true
    }

    fn fit(&mut self, agents: usize) {
        self.state.fit(agents);
    }

    fn bytes_per_agent(&self) -> usize {
        Episodes::BYTES_PER_AGENT
    }

    fn begin_week(&mut self, wk: &Week<'_>) {
        let all_ages = (wk.w as u32) >= self.setup.schedule.huddle_all_ages_week || self.modifier.all_ages;
        self.min_age = if all_ages {
            18.min(self.p.min_age)
        } else {
            self.p.min_age
        };
    }

    #[inline]
    fn propose(
        &mut self,
        wk: &Week<'_>,
        pop: &LocalityPop,
        ag: &Agent,
        _tal: &mut crate::engine::tally::LocalityTally,
    ) {
        let i = ag.i;
        let p = usize::from(pop.practice[i]);
        let practice_on = (self.setup.schedule.practice_start_week[p] as usize) <= wk.w;
        if practice_on
            && self.state.open(i, wk.w16)
            && pop.care[i] != care::CARE_HOME
            && ag.age >= self.min_age
            && (ag.conditions >= usize::from(self.p.min_conditions) || ag.frailty >= 2)
            && ag.referred(PROCESS, self.p.flag_probability, || ag.d.uniform(Purpose::HuddleFlag))
        {
            self.state.set_waiting(i, true);
            let j = match self.local_practice[p] {
                usize::MAX => self.practices.len(),
                j => j,
            };
            self.lists[j].push(i as u32);
        }
    }

    #[inline]
    fn crisis_cut(&self, wk: &Week<'_>, pop: &LocalityPop, ag: &Agent) -> f64 {
        if !self.state.on(ag.i, wk.w16) {
            return 0.0;
        }
        let p = usize::from(pop.practice[ag.i]);
        let since = wk.w.saturating_sub(self.setup.schedule.practice_start_week[p] as usize) as f64;
        let ramp = if self.effect_ramp_weeks > 0.0 {
            (since / self.effect_ramp_weeks).min(1.0)
        } else {
            1.0
        };
        (self.p.effect * ramp + self.modifier.extra_effect).min(0.95)
    }

    fn on_admission(&mut self, _wk: &Week<'_>, i: usize, _tal: &mut crate::engine::tally::LocalityTally, _cell: Cell) {
        self.state.set_waiting(i, false);
    }

    #[inline]
    fn count_stocks(
        &self,
        wk: &Week<'_>,
        _pop: &LocalityPop,
        i: usize,
        cell: Cell,
        tal: &mut crate::engine::tally::LocalityTally,
    ) {
        if self.state.on(i, wk.w16) {
            tal.add(cell, Metric::HuddleCaseload, 1);
        }
    }

    fn count_waiting(&mut self, pop: &LocalityPop, tal: &mut crate::engine::tally::LocalityTally) {
        let state = &self.state;
        for list in &mut self.lists {
            tidy(list, pop, |i| state.waiting(i));
            count_list(list, pop, tal, Metric::HuddleWaiting as usize);
        }
    }

    /// The review slots of the locality's practices that run huddles this week.
    fn count_capacity(&self, wk: &Week<'_>, tal: &mut crate::engine::tally::LocalityTally) {
        let sch = &self.setup.schedule;
        let np = self.local_practice.len();
        let slots: u32 = self
            .practices
            .iter()
            .filter(|&&p| (sch.practice_start_week[p] as usize) <= wk.w)
            .map(|&p| u32::from(sch.huddle_reviews[wk.w * np + p]))
            .sum();
        tal.add(Cell::OVERHEAD, Metric::HuddleCapacity, slots);
    }
}

/// Huddle capacity by week: when each practice starts, its reviews per week, and the week
/// from which all adults are eligible.
#[derive(Debug, Clone)]
pub struct Capacity {
    /// Week each practice starts huddles (`u32::MAX` = never).
    pub practice_start_week: Vec<u32>,
    /// Reviews per `[week][practice]`.
    pub reviews: Vec<u16>,
    /// Week from which adults of any age are eligible.
    pub all_ages_week: u32,
}

/// Huddles' capacity schedule: practices join in order within their locality across the
/// rollout; each practice's reviews per week (× its need weight under `need` allocation, ×
/// the ICN+ capacity multiplier as ICN+ ramps up in its locality, × the capacity multiplier)
/// are integerised by the cumulative floor.
pub fn capacity(pl: &Planner<'_>, s: &crate::scenario::Services, practice_need: &[f64], icn: &[f32]) -> Capacity {
    let place = pl.place;
    let nl = pl.localities;
    let np = place.file.practices.len();
    let h = &s.huddles;
    let mut practice_start_week = vec![u32::MAX; np];
    if h.rollout.enabled {
        let mut seen = vec![0usize; nl];
        let per_loc: Vec<usize> = (0..nl)
            .map(|l| place.practice_locality.iter().filter(|&&x| x as usize == l).count())
            .collect();
        let span = f64::from(h.rollout.full_by.days() - h.rollout.start.days());
        for p in 0..np {
            let l = place.practice_locality[p] as usize;
            let frac = if per_loc[l] > 1 {
                seen[l] as f64 / (per_loc[l] - 1) as f64
            } else {
                0.0
            };
            seen[l] += 1;
            let day = h.rollout.start.add_days((frac * span).round() as i32);
            practice_start_week[p] = pl.first_week_on_or_after(day);
        }
    }
    let mut reviews = vec![0u16; pl.dates.len() * np];
    let mut carry = vec![0.0f64; np];
    let icn_multiplier = super::icn_plus::huddle_capacity_multiplier(s);
    for (w, &d) in pl.dates.iter().enumerate() {
        for p in 0..np {
            if practice_start_week[p] as usize > w {
                continue;
            }
            let l = place.practice_locality[p] as usize;
            let weight = if h.allocation == Allocation::Need && d >= h.allocation_from {
                practice_need[p]
            } else {
                1.0
            };
            let icn_mult = 1.0 + (icn_multiplier - 1.0) * f64::from(icn[w * nl + l]);
            let c = h.reviews_per_practice_per_week * weight * icn_mult * multiplier(&h.rollout, d) * pl.scale;
            let before = carry[p].floor();
            carry[p] += c;
            reviews[w * np + p] = (carry[p].floor() - before).min(f64::from(u16::MAX)) as u16;
        }
    }
    let all_ages_week = if h.rollout.enabled {
        pl.first_week_on_or_after(h.all_ages_from)
    } else {
        u32::MAX
    };
    Capacity {
        practice_start_week,
        reviews,
        all_ages_week,
    }
}
