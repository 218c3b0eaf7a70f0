//! Services a planner declares in a scenario file (`[services.custom.<key>]`), run by one
//! generic module: no code is needed for a new service.
//!
//! A declared service has a kind ([`CustomKind`]: proactive case management, a time-limited
//! support episode, or a referral-based activity), eligibility (age, frailty, conditions,
//! deprivation decile, locality, recent discharge), a referral route ([`Route`]: GP, huddle,
//! A&E liaison, discharge), capacity and rollout like the built-in services, a duration, and
//! relative effects with a ramp on the crisis hazard, admission conversion, length of stay and
//! entry to home care or a care home (negative effects are harm). Its referrals, starts,
//! caseload and waiting list are tallied as `<key>_referrals`, `<key>_starts`,
//! `<key>_caseload` and `<key>_waiting`; its effect on crises is attributed like a built-in
//! service's (expected A&E attendances and admissions avoided).
//!
//! Draws: one referral draw per opportunity, `Purpose::CustomReferral` indexed by a salt
//! hashed from the key, so a service's numbers depend only on its key (common random numbers
//! across scenarios and whatever other services are declared).

use super::{Agent, Episodes, Service, Shared, Week};
use crate::engine::tally::{Cell, LocalityTally};
use crate::engine::Setup;
use crate::population::{care, LocalityPop, NEVER};
use crate::rng::{Purpose, WeekDraws};
use crate::scenario::{CustomKind, CustomService, Route};
use std::cmp::Reverse;

/// Offsets of a declared service's metrics from its first metric index.
pub mod metric {
    /// Eligible residents referred (whether or not taken on).
    pub const REFERRALS: usize = 0;
    /// People taken on.
    pub const STARTS: usize = 1;
    /// People supported (a stock).
    pub const CASELOAD: usize = 2;
    /// People referred and waiting (a stock).
    pub const WAITING: usize = 3;
    /// Metrics per declared service.
    pub const PER_SERVICE: usize = 4;
}

/// A salt for a key's draws: FNV-1a of the key, so it depends on the key alone.
pub fn salt(key: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A scenario-declared service in one locality during a run.
#[derive(Debug)]
pub struct Custom<'a> {
    setup: &'a Setup,
    c: &'a CustomService,
    /// Index of the service in the scenario's `services.custom`.
    j: usize,
    /// Index of its first metric in the run's catalogue.
    first_metric: usize,
    /// Whether it serves this locality.
    serves_locality: bool,
    /// Week its rollout starts (for the effect ramp).
    start_week: usize,
    salt: u32,
    /// Support episodes and the waiting flag per resident.
    state: Episodes,
    /// Clients supported this week (counted before allocation).
    caseload: u32,
}

impl<'a> Custom<'a> {
    /// Service `j` of the scenario in locality `l`, with room for `capacity` residents.
    pub fn new(setup: &'a Setup, c: &'a CustomService, j: usize, l: usize, capacity: usize) -> Custom<'a> {
        let place = &*setup.place;
        let serves_locality = c.eligibility.localities.is_empty()
            || c.eligibility
                .localities
                .iter()
                .any(|k| place.locality_index(k) == Some(l));
        Custom {
            setup,
            c,
            j,
            first_metric: setup.custom_metric_base(j),
            serves_locality,
            start_week: setup.calendar.week_of(c.rollout.start),
            salt: salt(&c.key),
            state: Episodes::with_capacity(capacity),
            caseload: 0,
        }
    }

    /// Whether the service takes referrals this week.
    fn active(&self, wk: &Week<'_>) -> bool {
        self.serves_locality && self.setup.schedule.custom[self.j].active[wk.w]
    }

    /// Whether resident `i` meets every eligibility condition this week.
    fn eligible(&self, wk: &Week<'_>, pop: &LocalityPop, i: usize) -> bool {
        let e = &self.c.eligibility;
        let recent = e.recent_discharge_weeks == 0
            || (pop.discharged_week[i] != NEVER
                && wk.w16.saturating_sub(pop.discharged_week[i]) <= e.recent_discharge_weeks);
        pop.age[i] >= e.min_age
            && pop.age[i] <= e.max_age
            && pop.frailty[i] >= e.min_frailty
            && pop.conditions[i].count_ones() >= u32::from(e.min_conditions)
            && pop.imd_decile[i] <= e.max_imd_decile
            && pop.care[i] != care::CARE_HOME
            && recent
    }

    /// One referral opportunity of resident `i` by route `route`: referred with the
    /// referral probability when active, eligible, not supported and not already waiting.
    /// Returns whether the resident was referred.
    fn refer(
        &mut self,
        wk: &Week<'_>,
        pop: &LocalityPop,
        i: usize,
        d: &WeekDraws,
        route: Route,
        tal: &mut LocalityTally,
    ) -> bool {
        if self.c.route != route
            || !self.active(wk)
            || !self.state.open(i, wk.w16)
            || !self.eligible(wk, pop, i)
            || d.uniform_at(Purpose::CustomReferral, self.salt) >= self.c.referral_probability
        {
            return false;
        }
        self.state.set_waiting(i, true);
        tal.add_at(tal.cell(pop, i), self.first_metric + metric::REFERRALS, 1);
        true
    }

    /// Share of the full effect reached in week `w` (the ramp from the service's start).
    fn ramp(&self, w: usize) -> f64 {
        let weeks = self.c.effects.ramp_weeks;
        if weeks == 0 {
            1.0
        } else {
            (w.saturating_sub(self.start_week) as f64 / f64::from(weeks)).min(1.0)
        }
    }

    /// The relative reduction `effect × ramp` for a supported resident, else 0.
    #[inline]
    fn effect(&self, wk: &Week<'_>, i: usize, effect: f64) -> f64 {
        if effect != 0.0 && self.state.on(i, wk.w16) {
            effect * self.ramp(wk.w)
        } else {
            0.0
        }
    }

    /// `1 − effect × ramp` for a supported resident, else 1.
    #[inline]
    fn factor(&self, wk: &Week<'_>, i: usize, effect: f64) -> f64 {
        1.0 - self.effect(wk, i, effect)
    }
}

impl Service for Custom<'_> {
    fn key(&self) -> &str {
        &self.c.key
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
        self.factor(wk, i, self.c.effects.home_care)
    }

    #[inline]
    fn care_home_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        self.factor(wk, i, self.c.effects.care_home)
    }

    /// GP referrals of eligible residents at home; the waiting list.
    #[inline]
    fn propose(&mut self, wk: &Week<'_>, pop: &LocalityPop, ag: &Agent, tal: &mut LocalityTally) {
        self.refer(wk, pop, ag.i, &ag.d, Route::Gp, tal);
        if self.state.waiting(ag.i) {
            self.state.list.push(ag.i as u32);
        }
    }

    #[inline]
    fn crisis_cut(&self, wk: &Week<'_>, _pop: &LocalityPop, ag: &Agent) -> f64 {
        self.effect(wk, ag.i, self.c.effects.crisis)
    }

    #[inline]
    fn admission_cut(&self, wk: &Week<'_>, i: usize) -> f64 {
        self.effect(wk, i, self.c.effects.admission)
    }

    #[inline]
    fn on_attendance(&mut self, wk: &Week<'_>, pop: &LocalityPop, ag: &Agent, tal: &mut LocalityTally) {
        if self.refer(wk, pop, ag.i, &ag.d, Route::AeLiaison, tal) {
            self.state.list.push(ag.i as u32);
        }
    }

    #[inline]
    fn los_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        self.factor(wk, i, self.c.effects.length_of_stay)
    }

    fn on_admission(&mut self, _wk: &Week<'_>, i: usize, _tal: &mut LocalityTally, _cell: Cell) {
        self.state.set_waiting(i, false);
    }

    fn on_discharge(&mut self, wk: &Week<'_>, pop: &LocalityPop, i: usize, d: &WeekDraws, tal: &mut LocalityTally) {
        if self.refer(wk, pop, i, d, Route::Discharge, tal) {
            self.state.list.push(i as u32);
        }
    }

    fn on_huddle_review(&mut self, wk: &Week<'_>, pop: &LocalityPop, i: u32, d: &WeekDraws, tal: &mut LocalityTally) {
        if self.refer(wk, pop, i as usize, d, Route::Huddle, tal) {
            self.state.list.push(i);
        }
    }

    /// Takes people on up to the week's capacity: free caseload places for case management
    /// (frailest, then most conditions first) and support episodes (serial order); the week's
    /// referral slots for a referral activity (serial order).
    fn allocate(&mut self, wk: &Week<'_>, run: &mut Shared<'_>) {
        if !self.serves_locality {
            return;
        }
        let pop = &*run.pop;
        let slots = self.setup.schedule.custom[self.j].capacity[wk.at];
        let capacity = match self.c.kind {
            CustomKind::CaseManagement => {
                self.state.list.sort_unstable_by_key(|&i| {
                    (
                        Reverse(pop.frailty[i as usize]),
                        Reverse(pop.conditions[i as usize].count_ones()),
                        i,
                    )
                });
                slots.saturating_sub(self.caseload)
            }
            CustomKind::SupportEpisode => {
                self.state.list.sort_unstable();
                slots.saturating_sub(self.caseload)
            }
            CustomKind::ReferralActivity => {
                self.state.list.sort_unstable();
                slots
            }
        };
        self.state.list.dedup();
        let starts = self.first_metric + metric::STARTS;
        self.state.take_on(run, capacity, starts, wk.w, self.c.duration_weeks);
    }

    #[inline]
    fn count_stocks(&self, wk: &Week<'_>, _pop: &LocalityPop, i: usize, cell: Cell, tal: &mut LocalityTally) {
        if self.state.on(i, wk.w16) {
            tal.add_at(cell, self.first_metric + metric::CASELOAD, 1);
        }
        if self.state.waiting(i) {
            tal.add_at(cell, self.first_metric + metric::WAITING, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::salt;

    #[test]
    fn a_salt_depends_on_the_key_alone() {
        assert_eq!(salt("falls_prevention"), salt("falls_prevention"));
        assert_ne!(salt("falls_prevention"), salt("falls_prevention2"));
        // FNV-1a of the empty string is its offset basis.
        assert_eq!(salt(""), 0x811c_9dc5);
    }
}
