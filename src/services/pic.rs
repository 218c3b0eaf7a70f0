//! Personal Independence Co-ordinators (Age UK Croydon): time-limited support for older
//! people referred by huddles. Support lowers the crisis hazard, may resolve isolation, and
//! lowers community entry to a home-care package during support and for a year after.
//!
//! Capacity is a caseload (workers × clients per worker); clients keep their place while in
//! hospital; the frailest are taken on first.

use super::{serve, Agent, Episodes, Service, Shared, Week};
use crate::calendar::Date;
use crate::engine::schedule::{ramp, Places, Planner};
use crate::engine::tally::{Cell, LocalityTally};
use crate::engine::Setup;
use crate::population::{flag, LocalityPop, NEVER};
use crate::results::Metric;
use crate::rng::{Purpose, WeekDraws};
use crate::scenario::keys::scenario_section;
use crate::scenario::schema::{
    Kind, AGE, ALLOC_DEFAULT, COUNT, EFFECT, EFFECT_OR_HARM, FROM_START, LAPSE_DEFAULT, LAPSE_UNIT, LAPSE_WEEKS, PROB,
    REQ, WEEKS,
};
use crate::scenario::{Allocation, PerLocality, Rollout};
use std::cmp::Reverse;

// The service's scenario section: its keys, types, ranges, defaults and units, declared
// once (re-exported as `crate::scenario::Pic`).
scenario_section! {
    /// Personal Independence Co-ordinators (Age UK Croydon).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Pic {
        /// Start, ramp and capacity multiplier.
        rollout: Rollout = flatten() [summary 0],
        /// Number of PICs (whole-time equivalents).
        workers: PerLocality = key(Kind::PerLocality, REQ, "whole-time equivalents") [summary 0],
        /// Clients per PIC at once.
        caseload_per_worker: f64 = key(COUNT, REQ, "clients per worker"),
        /// Maximum weeks of support.
        max_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Minimum client age.
        min_age: u8 = key(AGE, REQ, "years"),
        /// Probability that an episode resolves isolation.
        isolation_resolved_probability: f64 = key(PROB, REQ, "probability"),
        /// Relative reduction of crisis hazard during support; negative raises it. [-1, 1).
        crisis_effect: f64 = key(EFFECT_OR_HARM, REQ, "relative reduction; negative = harm") [calibrate 12, summary 0],
        /// Relative reduction of community entry to home-care packages during and for a year
        /// after support. [0, 1).
        care_package_effect: f64 = key(EFFECT, REQ, "relative reduction"),
        /// Mean weeks a referral waits before it lapses if not taken on (closed and returned
        /// to the referrer, who may refer again; a constant weekly chance); 0 = never.
        referral_lapse_weeks: f64 = key(LAPSE_WEEKS, LAPSE_DEFAULT, LAPSE_UNIT),
        /// How capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, "") [summary 1],
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
    }
}

/// PICs in one locality during a run.
#[derive(Debug, Clone)]
pub struct PicService<'a> {
    setup: &'a Setup,
    p: &'a crate::scenario::Pic,
    /// This replicate's offset for rounding the caseload places (see [`Places`]).
    rounding: f64,
    /// Support episodes and the waiting flag per resident.
    state: Episodes,
    /// Last week of the post-support protection against entry to a care package.
    protect_until: Vec<u16>,
}

impl<'a> PicService<'a> {
    /// The same state under another scenario's set-up (a fork: see [`crate::engine::fork`]).
    pub(crate) fn rebind(&mut self, setup: &'a Setup) {
        self.setup = setup;
        self.p = &setup.scenario.services.pic;
    }

    /// PICs with room for `capacity` residents, rounding their places with offset `rounding`.
    pub fn new(setup: &'a Setup, rounding: f64, capacity: usize) -> PicService<'a> {
        PicService {
            setup,
            rounding,
            p: &setup.scenario.services.pic,
            state: Episodes::with_capacity(capacity),
            protect_until: Vec::with_capacity(capacity),
        }
    }
}

impl Service for PicService<'_> {
    fn key(&self) -> &str {
        "pic"
    }

    #[inline]
    fn holds(&self, i: usize, w: u16) -> bool {
        self.state.holds(i, w) || super::on(self.protect_until[i], w)
    }

    fn avoids_crises(&self) -> bool {
        true
    }

    fn fit(&mut self, agents: usize) {
        self.state.fit(agents);
        self.protect_until.resize(agents, NEVER);
    }

    fn bytes_per_agent(&self) -> usize {
        Episodes::BYTES_PER_AGENT + 2
    }

    fn begin_week(&mut self, _wk: &Week<'_>) {
        self.state.begin_week();
    }

    #[inline]
    fn count_caseload(&mut self, wk: &Week<'_>, i: usize) {
        self.state.count_caseload(i, wk.w16);
    }

    #[inline]
    fn home_care_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        if super::on(self.protect_until[i], wk.w16) {
            1.0 - self.p.care_package_effect
        } else {
            1.0
        }
    }

    #[inline]
    fn crisis_cut(&self, wk: &Week<'_>, _pop: &LocalityPop, ag: &Agent) -> f64 {
        self.state.cut(ag.i, wk.w16, self.p.crisis_effect)
    }

    fn on_admission(&mut self, _wk: &Week<'_>, i: usize, _tal: &mut LocalityTally, _cell: Cell) {
        self.state.set_waiting(i, false);
    }

    fn on_huddle_review(&mut self, wk: &Week<'_>, pop: &LocalityPop, i: u32, d: &WeekDraws, _tal: &mut LocalityTally) {
        let iu = i as usize;
        if self.setup.schedule.pic_active[wk.w]
            && pop.age[iu] >= self.p.min_age
            && self.state.open(iu, wk.w16)
            && d.uniform(Purpose::PicReferral) < self.setup.scenario.services.huddles.refer_pic_probability
        {
            self.state.refer(i);
        }
    }

    /// Starts up to the free caseload places, frailest first.
    fn allocate(&mut self, wk: &Week<'_>, run: &mut Shared<'_>) {
        let lapse = super::lapse_probability(self.p.referral_lapse_weeks);
        self.state.lapse(run, wk.w, lapse, 1, Metric::PicLapsed as usize);
        let pop = &*run.pop;
        self.state.tidy(pop);
        self.state
            .list
            .sort_unstable_by_key(|&i| (Reverse(pop.frailty[i as usize]), i));
        let w = wk.w;
        let capacity = self
            .setup
            .schedule
            .pic_slots
            .get(wk.at, self.rounding)
            .saturating_sub(self.state.caseload);
        let PicService {
            p,
            state,
            protect_until,
            ..
        } = self;
        let (tal, streams, started) = (&mut *run.tal, run.streams, &mut *run.started);
        let list = std::mem::take(&mut state.list);
        serve(run.pop, &list, capacity, |pop, iu| {
            super::started(started, pop, iu);
            tal.add(tal.cell(pop, iu), Metric::PicStarts, 1);
            state.start(iu, w, p.max_weeks);
            protect_until[iu] = state.last_week(iu).saturating_add(52).min(NEVER - 1);
            let d = streams[iu].week(w as u32);
            if d.uniform(Purpose::PicIsolationResolved) < p.isolation_resolved_probability {
                pop.flags[iu] &= !flag::ISOLATED;
            }
        });
        state.list = list;
    }

    #[inline]
    fn count_stocks(&self, wk: &Week<'_>, _pop: &LocalityPop, i: usize, cell: Cell, tal: &mut LocalityTally) {
        if self.state.on(i, wk.w16) {
            tal.add(cell, Metric::PicCaseload, 1);
        }
    }

    fn count_waiting(&mut self, pop: &LocalityPop, tal: &mut LocalityTally) {
        self.state.count_waiting(pop, tal, Metric::PicWaiting as usize);
    }

    fn count_capacity(&self, wk: &Week<'_>, tal: &mut LocalityTally) {
        let places = self.setup.schedule.pic_slots.get(wk.at, self.rounding);
        tal.add(Cell::OVERHEAD, Metric::PicPlaces, places);
    }
}

/// PIC capacity by week and locality.
#[derive(Debug, Clone)]
pub struct Capacity {
    /// Caseload places per `[week][locality]`.
    pub slots: Places,
    /// Whether PICs take referrals, per week.
    pub active: Vec<bool>,
}

/// PICs' capacity schedule: workers shared by the allocation × clients per worker × the
/// rollout's ramp and multiplier × scale (a caseload; each replicate rounds it, see
/// [`Places`]).
pub fn capacity(pl: &Planner<'_>, pic: &Pic) -> Capacity {
    Capacity {
        slots: pl.stock(|d| {
            pl.scaled(
                pl.split(&pic.workers, pic.allocation, pic.allocation_from, d),
                pic.caseload_per_worker * ramp(&pic.rollout, d) * pl.scale,
            )
        }),
        active: pl.active(&pic.rollout),
    }
}
