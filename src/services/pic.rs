//! Personal Independence Co-ordinators (Age UK Croydon): time-limited support for older
//! people referred by huddles. Support lowers the crisis hazard, may resolve isolation, and
//! lowers community entry to a home-care package during support and for a year after.
//!
//! Capacity is a caseload (workers × clients per worker); clients keep their place while in
//! hospital; the frailest are taken on first.

use super::{serve, Agent, Episodes, Service, Shared, Week};
use crate::engine::tally::{Cell, LocalityTally};
use crate::engine::Setup;
use crate::population::{flag, LocalityPop, NEVER};
use crate::results::Metric;
use crate::rng::{Purpose, WeekDraws};
use std::cmp::Reverse;

/// PICs in one locality during a run.
#[derive(Debug)]
pub struct Pic<'a> {
    setup: &'a Setup,
    p: &'a crate::scenario::Pic,
    /// Support episodes and the waiting flag per resident.
    state: Episodes,
    /// Last week of the post-support protection against entry to a care package.
    protect_until: Vec<u16>,
    /// Clients supported this week (counted before allocation).
    caseload: u32,
}

impl<'a> Pic<'a> {
    /// PICs with room for `capacity` residents.
    pub fn new(setup: &'a Setup, capacity: usize) -> Pic<'a> {
        Pic {
            setup,
            p: &setup.scenario.services.pic,
            state: Episodes::with_capacity(capacity),
            protect_until: Vec::with_capacity(capacity),
            caseload: 0,
        }
    }
}

impl Service for Pic<'_> {
    fn key(&self) -> &str {
        "pic"
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
        self.caseload = 0;
        self.state.list.clear();
    }

    #[inline]
    fn count_caseload(&mut self, wk: &Week<'_>, i: usize) {
        if self.state.on(i, wk.w16) {
            self.caseload += 1;
        }
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
    fn propose(&mut self, _wk: &Week<'_>, _pop: &LocalityPop, ag: &Agent, _tal: &mut LocalityTally) {
        if self.state.waiting(ag.i) {
            self.state.list.push(ag.i as u32);
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
        let pop = &*run.pop;
        self.state
            .list
            .sort_unstable_by_key(|&i| (Reverse(pop.frailty[i as usize]), i));
        let w = wk.w;
        let capacity = self.setup.schedule.pic_slots[wk.at].saturating_sub(self.caseload);
        let Pic {
            p,
            state,
            protect_until,
            ..
        } = self;
        let (tal, streams) = (&mut *run.tal, run.streams);
        let list = std::mem::take(&mut state.list);
        serve(run.pop, &list, capacity, |pop, iu| {
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
        if self.state.waiting(i) {
            tal.add(cell, Metric::PicWaiting, 1);
        }
    }
}
