//! Social prescribing link workers: residents who are isolated or have a mental-health
//! condition are referred by their GP (and by huddles); while the effect lasts their GP
//! consultations and A&E attendances are lower.
//!
//! Capacity is referrals taken on per week (link workers × referrals per worker, plus ICN+'s
//! extra link workers in live localities); referrals are taken in serial order.

use super::{Agent, Episodes, Service, Shared, Week};
use crate::calendar::Date;
use crate::calendar::WEEKS_PER_YEAR;
use crate::engine::schedule::{self, ramp, Planner};
use crate::engine::tally::{Cell, LocalityTally};
use crate::engine::Setup;
use crate::population::{flag, LocalityPop};
use crate::results::Metric;
use crate::rng::{Purpose, WeekDraws};
use crate::scenario::keys::scenario_section;
use crate::scenario::schema::{
    Def, Kind, AGE, ALLOC_DEFAULT, COUNT, EFFECT_OR_HARM, FROM_START, LAPSE_DEFAULT, LAPSE_UNIT, LAPSE_WEEKS, PROB,
    REQ, WEEKS,
};
use crate::scenario::{Allocation, PerLocality, Rollout};

// The service's scenario section: its keys, types, ranges, defaults and units, declared
// once (re-exported as `crate::scenario::SocialPrescribing`).
scenario_section! {
    /// Social prescribing link workers.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SocialPrescribing {
        /// Start, ramp and capacity multiplier.
        rollout: Rollout = flatten() [summary 0],
        /// Link workers (whole-time equivalents).
        link_workers: PerLocality = key(Kind::PerLocality, REQ, "whole-time equivalents") [summary 0],
        /// New referrals one link worker takes per year.
        referrals_per_worker_per_year: f64 = key(COUNT, REQ, "referrals per worker per year"),
        /// Minimum age referred.
        min_age: u8 = key(AGE, REQ, "years"),
        /// Weekly probability that an isolated resident or one with a mental-health condition is
        /// referred by their GP (huddle referrals come on top).
        gp_referral_probability: f64 = key(PROB, REQ, "probability per week"),
        /// Weeks the effect lasts after referral.
        effect_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Relative reduction of GP consultations while the effect lasts.
        gp_effect: f64 = key(PROB, REQ, "relative reduction") [calibrate 21],
        /// Relative reduction of A&E attendances while the effect lasts.
        ae_effect: f64 = key(EFFECT_OR_HARM, REQ, "relative reduction; negative = harm") [calibrate 13, summary 0],
        /// Relative reduction of emergency admissions while the effect lasts, whatever the
        /// A&E effect (0 = the attendances avoided were not ones that would have been admitted:
        /// the evidence shows A&E and GP effects but none on admissions). Negative = harm.
        admission_effect: f64 = key(EFFECT_OR_HARM, Def::Num(0.0), "relative reduction; negative = harm") [calibrate 22],
        /// Mean weeks a referral waits before it lapses if not taken on (closed and returned
        /// to the referrer, who may refer again; a constant weekly chance); 0 = never.
        referral_lapse_weeks: f64 = key(LAPSE_WEEKS, LAPSE_DEFAULT, LAPSE_UNIT),
        /// How capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, "") [summary 1],
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
    }
}

/// Social prescribing's GP-route referral process (`engine::events`).
const PROCESS: usize = crate::engine::events::process::service(3);

/// Social prescribing in one locality during a run.
#[derive(Debug, Clone)]
pub struct SocialPrescribingService<'a> {
    setup: &'a Setup,
    p: &'a crate::scenario::SocialPrescribing,
    /// Effect periods and the waiting flag per resident.
    state: Episodes,
}

impl<'a> SocialPrescribingService<'a> {
    /// The same state under another scenario's set-up (a fork: see [`crate::engine::fork`]).
    pub(crate) fn rebind(&mut self, setup: &'a Setup) {
        self.setup = setup;
        self.p = &setup.scenario.services.social_prescribing;
    }

    /// Social prescribing with room for `capacity` residents.
    pub fn new(setup: &'a Setup, capacity: usize) -> SocialPrescribingService<'a> {
        SocialPrescribingService {
            setup,
            p: &setup.scenario.services.social_prescribing,
            state: Episodes::with_capacity(capacity),
        }
    }
}

impl Service for SocialPrescribingService<'_> {
    fn key(&self) -> &str {
        "social_prescribing"
    }

    #[inline]
    fn holds(&self, i: usize, w: u16) -> bool {
        self.state.holds(i, w)
    }

    /// Isolated residents, those with a mental-health condition, and those who could become
    /// isolated this week, at the minimum age.
    fn referral_bound(&self, pop: &LocalityPop, ag: &Agent, t: &crate::model::tables::Tables) -> f64 {
        let could = ag.flags & flag::ISOLATED != 0
            || pop.conditions[ag.i] & t.mental_illness_bit != 0
            || t.isolation_onset[usize::from(ag.age)] > 0.0;
        if ag.age >= self.p.min_age && could {
            self.p.gp_referral_probability
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

    fn begin_week(&mut self, _wk: &Week<'_>) {
        self.state.begin_week();
    }

    /// GP referral of isolated residents and those with a mental-health condition.
    #[inline]
    fn propose(&mut self, wk: &Week<'_>, pop: &LocalityPop, ag: &Agent, _tal: &mut LocalityTally) {
        let i = ag.i;
        if self.setup.schedule.sp_active[wk.at]
            && self.state.open(i, wk.w16)
            && ag.age >= self.p.min_age
            && (pop.flags[i] & flag::ISOLATED != 0 || pop.conditions[i] & self.setup.tables.mental_illness_bit != 0)
            && ag.referred(PROCESS, self.p.gp_referral_probability, || {
                ag.d.uniform(Purpose::SpReferral)
            })
        {
            self.state.refer(i as u32);
        }
    }

    #[inline]
    fn gp_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        if self.state.on(i, wk.w16) {
            1.0 - self.p.gp_effect
        } else {
            1.0
        }
    }

    #[inline]
    fn crisis_cut(&self, wk: &Week<'_>, _pop: &LocalityPop, ag: &Agent) -> f64 {
        self.state.cut(ag.i, wk.w16, self.p.ae_effect)
    }

    /// The conversion that makes admissions fall by `admission_effect` whatever the A&E
    /// effect: (1 − admission_effect) / (1 − ae_effect) of the usual conversion.
    #[inline]
    fn admission_cut(&self, wk: &Week<'_>, i: usize) -> f64 {
        self.state.cut(
            i,
            wk.w16,
            1.0 - (1.0 - self.p.admission_effect) / (1.0 - self.p.ae_effect),
        )
    }

    fn on_admission(&mut self, _wk: &Week<'_>, i: usize, _tal: &mut LocalityTally, _cell: Cell) {
        self.state.set_waiting(i, false);
    }

    fn on_huddle_review(&mut self, wk: &Week<'_>, pop: &LocalityPop, i: u32, d: &WeekDraws, _tal: &mut LocalityTally) {
        let iu = i as usize;
        if self.setup.schedule.sp_active[wk.at]
            && pop.age[iu] >= self.p.min_age
            && self.state.open(iu, wk.w16)
            && d.uniform_at(Purpose::SpReferral, 1)
                < self
                    .setup
                    .scenario
                    .services
                    .huddles
                    .refer_social_prescribing_probability
        {
            self.state.refer(i);
        }
    }

    /// Referrals taken on in serial order up to the week's capacity.
    fn allocate(&mut self, wk: &Week<'_>, run: &mut Shared<'_>) {
        let lapse = super::lapse_probability(self.p.referral_lapse_weeks);
        self.state
            .lapse(run, wk.w, lapse, 3, Metric::SocialPrescribingLapsed as usize);
        self.state.tidy(run.pop);
        let w = wk.w;
        let capacity = self.setup.schedule.sp_referrals[wk.at];
        let metric = Metric::SocialPrescribingReferrals as usize;
        self.state.take_on(run, capacity, metric, w, self.p.effect_weeks);
    }

    #[inline]
    fn count_stocks(&self, wk: &Week<'_>, _pop: &LocalityPop, i: usize, cell: Cell, tal: &mut LocalityTally) {
        if self.state.on(i, wk.w16) {
            tal.add(cell, Metric::SocialPrescribingActive, 1);
        }
    }

    fn count_waiting(&mut self, pop: &LocalityPop, tal: &mut LocalityTally) {
        self.state
            .count_waiting(pop, tal, Metric::SocialPrescribingWaiting as usize);
    }

    fn count_capacity(&self, wk: &Week<'_>, tal: &mut LocalityTally) {
        let slots = self.setup.schedule.sp_referrals[wk.at];
        tal.add(Cell::OVERHEAD, Metric::SocialPrescribingCapacity, slots);
    }
}

/// Social-prescribing capacity by week and locality.
#[derive(Debug, Clone)]
pub struct Capacity {
    /// Referrals taken on per `[week][locality]`.
    pub referrals: Vec<u32>,
    /// Whether GPs and huddles refer, per `[week][locality]`.
    pub active: Vec<bool>,
}

/// Social prescribing's capacity schedule: link workers shared by the allocation × the
/// rollout's ramp and multiplier, plus ICN+'s extra link workers as ICN+ ramps up in a
/// locality, × referrals per worker a week × scale (a flow). It operates where its rollout
/// has started or ICN+ adds link workers.
pub fn capacity(pl: &Planner<'_>, s: &crate::scenario::Services, icn: &[f32]) -> Capacity {
    let sp = &s.social_prescribing;
    let nl = pl.localities;
    let per_worker_week = sp.referrals_per_worker_per_year / WEEKS_PER_YEAR;
    let extra = s.icn_plus.extra_link_workers_per_locality;
    let referrals = pl.flow(|d| {
        let w = pl.week_index(d);
        let mut v = pl.scaled(
            pl.split(&sp.link_workers, sp.allocation, sp.allocation_from, d),
            ramp(&sp.rollout, d),
        );
        for (l, x) in v.iter_mut().enumerate() {
            *x += extra * f64::from(icn[w * nl + l]);
            *x *= per_worker_week * pl.scale;
        }
        v
    });
    let mut active = vec![false; pl.dates.len() * nl];
    for (w, &d) in pl.dates.iter().enumerate() {
        for l in 0..nl {
            active[w * nl + l] = schedule::active(&sp.rollout, d) || icn[w * nl + l] > 0.0 && extra > 0.0;
        }
    }
    Capacity { referrals, active }
}
