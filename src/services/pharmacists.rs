//! ICN pharmacists: domiciliary medication reviews for people with several long-term
//! conditions (a polypharmacy proxy) referred by huddles; a review lowers the crisis hazard
//! for a while.
//!
//! Capacity is reviews per week; those with most conditions are reviewed first.

use super::{Agent, Episodes, Service, Shared, Week};
use crate::calendar::Date;
use crate::engine::schedule::Planner;
use crate::engine::tally::{Cell, LocalityTally};
use crate::engine::Setup;
use crate::population::LocalityPop;
use crate::results::Metric;
use crate::rng::{Purpose, WeekDraws};
use crate::scenario::keys::scenario_section;
use crate::scenario::schema::{
    Kind, ALLOC_DEFAULT, CONDITIONS, EFFECT_OR_HARM, FROM_START, LAPSE_DEFAULT, LAPSE_UNIT, LAPSE_WEEKS, REQ, WEEKS,
};
use crate::scenario::{Allocation, PerLocality, Rollout};
use std::cmp::Reverse;

// The service's scenario section: its keys, types, ranges, defaults and units, declared
// once (re-exported as `crate::scenario::Pharmacists`).
scenario_section! {
    /// ICN pharmacists: domiciliary medication reviews.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Pharmacists {
        /// Start, ramp and capacity multiplier.
        rollout: Rollout = flatten() [summary 0],
        /// Medication reviews per week.
        reviews_per_week: PerLocality = key(Kind::PerLocality, REQ, "reviews per week") [summary 0],
        /// Relative reduction of crisis hazard after a review.
        effect: f64 = key(EFFECT_OR_HARM, REQ, "relative reduction; negative = harm") [calibrate 14, summary 0],
        /// Weeks the effect lasts.
        effect_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Mean weeks a referral waits before it lapses if not taken on (closed and returned
        /// to the referrer, who may refer again; a constant weekly chance); 0 = never.
        referral_lapse_weeks: f64 = key(LAPSE_WEEKS, LAPSE_DEFAULT, LAPSE_UNIT),
        /// Minimum long-term conditions for a huddle to refer someone for a review (polypharmacy
        /// proxy).
        min_conditions: u8 = key(CONDITIONS, REQ, "conditions"),
        /// How capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, "") [summary 1],
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
    }
}

/// Pharmacists in one locality during a run.
#[derive(Debug, Clone)]
pub struct PharmacistsService<'a> {
    setup: &'a Setup,
    p: &'a crate::scenario::Pharmacists,
    /// Effect periods and the waiting flag per resident.
    state: Episodes,
}

impl<'a> PharmacistsService<'a> {
    /// The same state under another scenario's set-up (a fork: see [`crate::engine::fork`]).
    pub(crate) fn rebind(&mut self, setup: &'a Setup) {
        self.setup = setup;
        self.p = &setup.scenario.services.pharmacists;
    }

    /// Pharmacists with room for `capacity` residents.
    pub fn new(setup: &'a Setup, capacity: usize) -> PharmacistsService<'a> {
        PharmacistsService {
            setup,
            p: &setup.scenario.services.pharmacists,
            state: Episodes::with_capacity(capacity),
        }
    }
}

impl Service for PharmacistsService<'_> {
    fn key(&self) -> &str {
        "pharmacists"
    }

    #[inline]
    fn holds(&self, i: usize, w: u16) -> bool {
        self.state.holds(i, w)
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

    #[inline]
    fn crisis_cut(&self, wk: &Week<'_>, _pop: &LocalityPop, ag: &Agent) -> f64 {
        self.state.cut(ag.i, wk.w16, self.p.effect)
    }

    fn on_admission(&mut self, _wk: &Week<'_>, i: usize, _tal: &mut LocalityTally, _cell: Cell) {
        self.state.set_waiting(i, false);
    }

    fn on_huddle_review(&mut self, wk: &Week<'_>, pop: &LocalityPop, i: u32, d: &WeekDraws, _tal: &mut LocalityTally) {
        let iu = i as usize;
        if self.setup.schedule.pharm_active[wk.w]
            && pop.conditions[iu].count_ones() >= u32::from(self.p.min_conditions)
            && self.state.open(iu, wk.w16)
            && d.uniform(Purpose::PharmacistFlag) < self.setup.scenario.services.huddles.refer_pharmacist_probability
        {
            self.state.refer(i);
        }
    }

    /// Reviews up to the week's capacity, most conditions first.
    fn allocate(&mut self, wk: &Week<'_>, run: &mut Shared<'_>) {
        let lapse = super::lapse_probability(self.p.referral_lapse_weeks);
        self.state.lapse(run, wk.w, lapse, 4, Metric::PharmacistLapsed as usize);
        let pop = &*run.pop;
        self.state.tidy(pop);
        self.state
            .list
            .sort_unstable_by_key(|&i| (Reverse(pop.conditions[i as usize].count_ones()), i));
        let w = wk.w;
        let capacity = self.setup.schedule.pharm_reviews[wk.at];
        let metric = Metric::PharmacistReviews as usize;
        self.state.take_on(run, capacity, metric, w, self.p.effect_weeks);
    }

    #[inline]
    fn count_waiting(&mut self, pop: &LocalityPop, tal: &mut LocalityTally) {
        self.state.count_waiting(pop, tal, Metric::PharmacistWaiting as usize);
    }

    fn count_capacity(&self, wk: &Week<'_>, tal: &mut LocalityTally) {
        let slots = self.setup.schedule.pharm_reviews[wk.at];
        tal.add(Cell::OVERHEAD, Metric::PharmacistCapacity, slots);
    }
}

/// Pharmacist capacity by week and locality.
#[derive(Debug, Clone)]
pub struct Capacity {
    /// Medication reviews per `[week][locality]`.
    pub reviews: Vec<u32>,
    /// Whether huddles refer for reviews, per week.
    pub active: Vec<bool>,
}

/// Pharmacists' capacity schedule: reviews per week shared by the allocation × the rollout's
/// ramp and multiplier × scale (a flow).
pub fn capacity(pl: &Planner<'_>, ph: &Pharmacists) -> Capacity {
    Capacity {
        reviews: pl.flow(|d| pl.rolled_out(&ph.reviews_per_week, ph.allocation, ph.allocation_from, &ph.rollout, d)),
        active: pl.active(&ph.rollout),
    }
}
