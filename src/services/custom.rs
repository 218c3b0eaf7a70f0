//! Services a planner declares in a scenario file (`[services.custom.<key>]`), run by one
//! generic module: no code is needed for a new service.
//!
//! A declared service has a kind ([`CustomKind`]: proactive case management, a time-limited
//! support episode, or a referral-based activity), eligibility (age, frailty, conditions,
//! deprivation decile, locality, recent discharge), a referral route ([`Route`]: GP, huddle,
//! A&E liaison, discharge), capacity and rollout like the built-in services, a duration, and
//! relative effects with a ramp on the crisis hazard, admission conversion, length of stay and
//! entry to home care or a care home (negative effects are harm). Its referrals, starts,
//! caseload, waiting list, lapses and capacity are tallied as `<key>_referrals`, `<key>_starts`,
//! `<key>_caseload`, `<key>_waiting`, `<key>_lapsed`, `<key>_capacity` and
//! `<key>_capacity_used`; its effect on crises is attributed like a built-in service's (expected
//! A&E attendances and admissions avoided).
//!
//! Draws: one referral draw per opportunity, `Purpose::CustomReferral` indexed by a salt
//! hashed from the key, so a service's numbers depend only on its key (common random numbers
//! across scenarios and whatever other services are declared).

use super::{Agent, Episodes, Service, Shared, Week};
use crate::calendar::Date;
use crate::engine::schedule::{ramp, CustomCapacity, Places, Planner};
use crate::engine::tally::{Cell, LocalityTally};
use crate::engine::Setup;
use crate::population::{care, flag, LocalityPop, NEVER};
use crate::results::catalog::{custom_metric_index, CustomMetric};
use crate::rng::{Purpose, WeekDraws};
use crate::scenario::keys::{scenario_section, Choice, Describe};
use crate::scenario::schema::{
    Def, Kind, Unit, AGE, ALLOC_DEFAULT, CONDITIONS, COUNT, EFFECT_OR_HARM, FROM_START, LAPSE_DEFAULT, LAPSE_UNIT,
    LAPSE_WEEKS, PROB, REQ, WEEKS, WEEKS_OR_NONE, ZERO,
};
use crate::scenario::{Allocation, PerLocality, Rollout};
use std::cmp::Reverse;

// The scenario section of a declared service (`[services.custom.<key>]`): its keys, types,
// ranges, defaults and units, declared once (re-exported from `crate::scenario`).

/// What a scenario-declared service does (`kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomKind {
    /// `"case_management"`: proactive case management — a caseload of places (`capacity` is
    /// concurrent clients), the frailest and those with most conditions taken on first.
    CaseManagement,
    /// `"support_episode"`: a time-limited support episode — a caseload of places (`capacity`
    /// is concurrent clients), taken on in order of referral (serial order within a week).
    SupportEpisode,
    /// `"referral_activity"`: a referral-based activity — `capacity` is referrals taken on per
    /// week; no caseload limit (the effect lasts `duration_weeks`).
    ReferralActivity,
}

impl Choice for CustomKind {
    const NAMES: &'static [&'static str] = &["case_management", "support_episode", "referral_activity"];
    const VALUES: &'static [CustomKind] = &[
        CustomKind::CaseManagement,
        CustomKind::SupportEpisode,
        CustomKind::ReferralActivity,
    ];
}

/// Where referrals to a scenario-declared service come from (`route`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `"gp"`: each week, each eligible resident at home is referred with
    /// `referral_probability`.
    Gp,
    /// `"huddle"`: each eligible resident reviewed at a practice huddle is referred with
    /// `referral_probability`.
    Huddle,
    /// `"ae_liaison"`: each eligible resident attending A&E is referred with
    /// `referral_probability` (whether or not admitted; support starts once home).
    AeLiaison,
    /// `"discharge"`: each eligible resident discharged alive from an emergency admission is
    /// referred with `referral_probability`.
    Discharge,
}

impl Choice for Route {
    const NAMES: &'static [&'static str] = &["gp", "huddle", "ae_liaison", "discharge"];
    const VALUES: &'static [Route] = &[Route::Gp, Route::Huddle, Route::AeLiaison, Route::Discharge];
}

scenario_section! {
    /// Who a scenario-declared service may take on. Every condition must hold.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Eligibility {
        /// Minimum age in years.
        min_age: u8 = key(AGE, ZERO, "years"),
        /// Maximum age in years (at least `min_age`).
        max_age: u8 = key(AGE, Def::Num(110.0), "years"),
        /// Minimum frailty: 0 any, 1 mild, 2 moderate, 3 severe.
        min_frailty: u8 = key(Kind::Int { min: 0, max: 3 }, ZERO, "0 any, 1 mild, 2 moderate, 3 severe"),
        /// Minimum number of long-term conditions.
        min_conditions: u8 = key(CONDITIONS, ZERO, "conditions"),
        /// Residents of LSOAs in national IMD deciles up to this one (1 = most deprived tenth;
        /// 10 = everyone).
        max_imd_decile: u8 = key(Kind::Int { min: 1, max: 10 }, Def::Num(10.0), "national IMD decile, 1 = most deprived"),
        /// Locality keys served (empty = every locality).
        localities: Vec<String> = key(Kind::LocalityList, Def::Optional, "locality keys"),
        /// Only residents discharged from hospital within this many weeks (0 = no requirement).
        recent_discharge_weeks: u16 = key(WEEKS_OR_NONE, ZERO, "weeks"),
    }
}

/// The unit of a relative effect that may be a harm.
const EFFECT_UNIT: &str = "relative reduction; negative = harm";

scenario_section! {
    /// Relative effects of a scenario-declared service on the people it supports, each a
    /// relative reduction in [-1, 1): positive lowers the rate, negative raises it (harm). Effects
    /// apply while support lasts, scaled by the effect ramp.
    #[derive(Debug, Clone, PartialEq)]
    pub struct CustomEffects {
        /// On the crisis (A&E attendance) hazard.
        crisis: f64 = named("crisis_effect", EFFECT_OR_HARM, ZERO, EFFECT_UNIT),
        /// On the probability that an A&E attendance becomes an emergency admission.
        admission: f64 = named("admission_effect", EFFECT_OR_HARM, ZERO, EFFECT_UNIT),
        /// On the length of stay of an emergency admission.
        length_of_stay: f64 = named("length_of_stay_effect", EFFECT_OR_HARM, ZERO, EFFECT_UNIT),
        /// On community entry to a long-term home-care package.
        home_care: f64 = named("home_care_effect", EFFECT_OR_HARM, ZERO, EFFECT_UNIT),
        /// On community entry to a care home.
        care_home: f64 = named("care_home_effect", EFFECT_OR_HARM, ZERO, EFFECT_UNIT),
        /// Weeks from the service's start until its effects are fully realised (0 = at once).
        ramp_weeks: u16 = named("effect_ramp_weeks", WEEKS_OR_NONE, ZERO, "weeks"),
    }
}

/// The unit of a custom service's capacity, by its kind.
const CUSTOM_CAPACITY_UNIT: Unit = Unit::BySibling {
    key: "kind",
    units: &[
        ("case_management", "concurrent clients"),
        ("support_episode", "concurrent clients"),
        ("referral_activity", "referrals per week"),
    ],
    otherwise: "concurrent clients, or referrals per week for a referral_activity",
};

scenario_section! {
    /// A service a planner declares in a scenario file: `[services.custom.<key>]`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct CustomService summary(3, CustomService::summary_line) {
        /// The key after `services.custom.` (`[a-z][a-z0-9_]*`); names its outputs
        /// (`<key>_starts`, `cost_<key>`, `running_cost_<key>`, …).
        key: String = instance_key(),
        /// A label for charts and the report (default: the key with spaces for underscores).
        label: String = key(Kind::Text, Def::KeyLabel, ""),
        /// The evidence for its effects and costs, in words (a source, or "estimate: …").
        evidence: String = key(Kind::NonEmptyText, REQ, "the source of its effects and costs, or \"estimate: ...\""),
        /// What it does.
        kind: CustomKind = key(Kind::Choice(CustomKind::NAMES), REQ, ""),
        /// Start, ramp and capacity multiplier.
        rollout: Rollout = flatten(),
        /// Concurrent clients (case management, support episodes) or referrals taken on per week
        /// (referral activity), at full operation.
        capacity: PerLocality = key(Kind::PerLocality, REQ, CUSTOM_CAPACITY_UNIT),
        /// How a borough-total capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, ""),
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
        /// Who it may take on.
        eligibility: Eligibility = flatten(),
        /// Where referrals come from.
        route: Route = key(Kind::Choice(Route::NAMES), REQ, ""),
        /// Probability of referral per opportunity (per week for `gp`; per review, attendance or
        /// discharge for the other routes).
        referral_probability: f64 = key(PROB, REQ, "probability per opportunity"),
        /// Weeks support (and its effect) lasts from the start.
        duration_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Mean weeks a referral waits before it lapses if not taken on (closed and returned
        /// to the referrer, who may refer again; a constant weekly chance); 0 = never.
        referral_lapse_weeks: f64 = key(LAPSE_WEEKS, LAPSE_DEFAULT, LAPSE_UNIT),
        /// Its effects.
        effects: CustomEffects = flatten(),
        /// Activity cost per person taken on (GBP, the place's price base).
        cost_per_start: f64 = key(COUNT, REQ, "GBP per person taken on"),
        /// Running cost per unit of capacity per year (GBP): per caseload place or per weekly
        /// referral slot, paid for the capacity staffed whether used or not.
        running_cost_per_capacity_year: f64 = key(COUNT, REQ, "GBP per unit of capacity per year"),
    }
}

impl CustomService {
    /// One line for the key-parameter summary: kind, route, capacity, rollout and effects.
    fn summary_line(&self) -> String {
        let kind = CustomKind::NAMES[CustomKind::VALUES.iter().position(|k| *k == self.kind).unwrap_or(0)];
        let route = Route::NAMES[Route::VALUES.iter().position(|r| *r == self.route).unwrap_or(0)];
        let unit = CUSTOM_CAPACITY_UNIT.resolve(|_| Some(kind.to_string()));
        let e = &self.effects;
        let effects: Vec<String> = [
            ("crisis", e.crisis),
            ("admission", e.admission),
            ("length of stay", e.length_of_stay),
            ("home care", e.home_care),
            ("care home", e.care_home),
        ]
        .iter()
        .filter(|(_, x)| *x != 0.0)
        .map(|(name, x)| format!("{name} {x}"))
        .collect();
        let effects = if effects.is_empty() {
            "no effects".to_string()
        } else {
            format!("effects {}", effects.join(", "))
        };
        format!(
            "{kind} via {route} (referral probability {}); capacity {} {unit}; {}; {effects}",
            self.referral_probability,
            self.capacity.describe(),
            self.rollout.describe(),
        )
    }
}

/// A referral draw with probability `p` from `d` (a declared service's draw, indexed by its
/// salt).
fn draw(d: &WeekDraws, p: f64, salt: u32) -> bool {
    d.uniform_at(Purpose::CustomReferral, salt) < p
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
#[derive(Debug, Clone)]
pub struct Custom<'a> {
    setup: &'a Setup,
    c: &'a CustomService,
    /// Index of the service in the scenario's `services.custom`.
    j: usize,
    /// Catalogue index of each of its metrics (`CustomMetric` order) in the scenario's own
    /// tally.
    metrics: [usize; 7],
    /// Whether it serves this locality.
    serves_locality: bool,
    /// Whether it takes referrals here in any week of the run.
    ever_active: bool,
    /// Week its rollout starts (for the effect ramp).
    start_week: usize,
    salt: u32,
    /// This replicate's offset for rounding the caseload places (see [`Places`]).
    rounding: f64,
    /// Support episodes and the waiting flag per resident.
    state: Episodes,
}

impl<'a> Custom<'a> {
    /// The same state under another scenario's set-up, which declares the same services (a
    /// fork: see [`crate::engine::fork`]).
    pub(crate) fn rebind(&mut self, setup: &'a Setup) {
        self.setup = setup;
        self.c = &setup.scenario.services.custom[self.j];
    }

    /// Service `j` of the scenario in locality `l`, with room for `capacity` residents.
    pub fn new(
        setup: &'a Setup,
        c: &'a CustomService,
        j: usize,
        l: usize,
        rounding: f64,
        capacity: usize,
    ) -> Custom<'a> {
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
            metrics: CustomMetric::ALL.map(|m| custom_metric_index(j, m)),
            serves_locality,
            ever_active: serves_locality && setup.schedule.custom[j].active.iter().any(|&a| a),
            start_week: setup.sim_calendar.week_of(c.rollout.start),
            salt: salt(&c.key),
            rounding,
            state: Episodes::with_capacity(capacity),
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
                && pop.flags[i] & flag::DIVERTED == 0
                && wk.w16.saturating_sub(pop.discharged_week[i]) <= e.recent_discharge_weeks);
        pop.age[i] >= e.min_age
            && pop.age[i] <= e.max_age
            && pop.frailty[i] >= e.min_frailty
            && pop.conditions[i].count_ones() >= u32::from(e.min_conditions)
            && pop.imd_decile[i] <= e.max_imd_decile
            && pop.care[i] != care::CARE_HOME
            && recent
    }

    /// One referral opportunity of resident `i` by route `route`: referred when active,
    /// eligible, not supported, not already waiting, and `chance` (the referral probability's
    /// draw) says so. Returns whether the resident was referred.
    fn refer(
        &mut self,
        wk: &Week<'_>,
        pop: &LocalityPop,
        i: usize,
        route: Route,
        tal: &mut LocalityTally,
        chance: impl FnOnce(f64, u32) -> bool,
    ) -> bool {
        if self.c.route != route
            || !self.active(wk)
            || !self.state.open(i, wk.w16)
            || !self.eligible(wk, pop, i)
            || !chance(self.c.referral_probability, self.salt)
        {
            return false;
        }
        self.state.set_waiting(i, true);
        tal.add_at(tal.cell(pop, i), self.metrics[CustomMetric::Referrals as usize], 1);
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

    #[inline]
    fn holds(&self, i: usize, w: u16) -> bool {
        self.state.holds(i, w)
    }

    /// Residents who meet the eligibility conditions (with a frailty step this week, and any
    /// discharge ever for a recent-discharge condition) of a GP-route service that runs in
    /// this locality at some point.
    fn referral_bound(&self, pop: &LocalityPop, ag: &Agent, _t: &crate::model::tables::Tables) -> f64 {
        let e = &self.c.eligibility;
        let i = ag.i;
        let frailty = if pop.frailty[i] > 0 && pop.frailty[i] < 3 {
            pop.frailty[i] + 1
        } else {
            pop.frailty[i]
        };
        let recent = e.recent_discharge_weeks == 0 || pop.discharged_week[i] != NEVER;
        if self.c.route == Route::Gp
            && self.ever_active
            && ag.age >= e.min_age
            && ag.age <= e.max_age
            && frailty >= e.min_frailty
            && pop.conditions[i].count_ones() >= u32::from(e.min_conditions)
            && pop.imd_decile[i] <= e.max_imd_decile
            && pop.care[i] != care::CARE_HOME
            && recent
        {
            self.c.referral_probability
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

    #[inline]
    fn count_caseload(&mut self, wk: &Week<'_>, i: usize) {
        self.state.count_caseload(i, wk.w16);
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
        let k = crate::engine::events::process::service(super::BUILT_IN + self.j);
        if self.refer(wk, pop, ag.i, Route::Gp, tal, |p, salt| {
            ag.referred(k, p, || ag.d.uniform_at(Purpose::CustomReferral, salt))
        }) {
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
        if self.refer(wk, pop, ag.i, Route::AeLiaison, tal, |p, salt| draw(&ag.d, p, salt)) {
            self.state.list.push(ag.i as u32);
        }
    }

    #[inline]
    fn los_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        self.factor(wk, i, self.c.effects.length_of_stay)
    }

    /// Referrals found in the community (GP, huddle) lapse on admission, as the built-in
    /// services' do; referrals made at A&E or discharge wait until the person is home.
    fn on_admission(&mut self, _wk: &Week<'_>, i: usize, _tal: &mut LocalityTally, _cell: Cell) {
        if matches!(self.c.route, Route::Gp | Route::Huddle) {
            self.state.set_waiting(i, false);
        }
    }

    fn on_discharge(&mut self, wk: &Week<'_>, pop: &LocalityPop, i: usize, d: &WeekDraws, tal: &mut LocalityTally) {
        if self.refer(wk, pop, i, Route::Discharge, tal, |p, salt| draw(d, p, salt)) {
            self.state.list.push(i as u32);
        }
    }

    fn on_huddle_review(&mut self, wk: &Week<'_>, pop: &LocalityPop, i: u32, d: &WeekDraws, tal: &mut LocalityTally) {
        if self.refer(wk, pop, i as usize, Route::Huddle, tal, |p, salt| draw(d, p, salt)) {
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
        let lapse = super::lapse_probability(self.c.referral_lapse_weeks);
        let lapsed = self.metrics[CustomMetric::Lapsed as usize];
        self.state.lapse(run, wk.w, lapse, self.salt, lapsed);
        let pop = &*run.pop;
        self.state.tidy(pop);
        let slots = self.setup.schedule.custom[self.j].capacity.get(wk.at, self.rounding);
        let capacity = match self.c.kind {
            CustomKind::CaseManagement => {
                self.state.list.sort_unstable_by_key(|&i| {
                    (
                        Reverse(pop.frailty[i as usize]),
                        Reverse(pop.conditions[i as usize].count_ones()),
                        i,
                    )
                });
                slots.saturating_sub(self.state.caseload)
            }
            CustomKind::SupportEpisode => {
                self.state.list.sort_unstable();
                slots.saturating_sub(self.state.caseload)
            }
            CustomKind::ReferralActivity => {
                self.state.list.sort_unstable();
                slots
            }
        };
        self.state.list.dedup();
        let starts = self.metrics[CustomMetric::Starts as usize];
        let taken = self.state.take_on(run, capacity, starts, wk.w, self.c.duration_weeks);
        // Places held after the week's starts (their episodes run in hospital too), or the
        // referral slots filled.
        let used = match self.c.kind {
            CustomKind::ReferralActivity => taken,
            _ => (self.state.caseload + taken).min(slots),
        };
        let at = self.metrics[CustomMetric::CapacityUsed as usize];
        run.tal.add_at(Cell::OVERHEAD, at, used);
    }

    #[inline]
    fn count_stocks(&self, wk: &Week<'_>, _pop: &LocalityPop, i: usize, cell: Cell, tal: &mut LocalityTally) {
        if self.state.on(i, wk.w16) {
            tal.add_at(cell, self.metrics[CustomMetric::Caseload as usize], 1);
        }
    }

    fn count_waiting(&mut self, pop: &LocalityPop, tal: &mut LocalityTally) {
        let metric = self.metrics[CustomMetric::Waiting as usize];
        self.state.count_waiting(pop, tal, metric);
    }

    fn count_capacity(&self, wk: &Week<'_>, tal: &mut LocalityTally) {
        if self.serves_locality {
            let slots = self.setup.schedule.custom[self.j].capacity.get(wk.at, self.rounding);
            tal.add_at(Cell::OVERHEAD, self.metrics[CustomMetric::Capacity as usize], slots);
        }
    }
}

/// A declared service's capacity schedule: its capacity shared by the allocation × the
/// rollout's ramp and multiplier × scale; caseload places (rounded by each replicate, see
/// [`Places`]) for case management and
/// support episodes, referrals per week (cumulative floor) for a referral activity. A service
/// limited to some `localities` has its capacity only there: a borough total is shared among
/// the localities it serves (in the same proportions), and a locality it does not serve gets
/// none, so no capacity is staffed (and costed) where no one can be taken on.
pub fn capacity(pl: &Planner<'_>, c: &CustomService) -> CustomCapacity {
    let served: Vec<bool> = (0..pl.localities)
        .map(|l| {
            c.eligibility.localities.is_empty()
                || c.eligibility
                    .localities
                    .iter()
                    .any(|k| pl.place.locality_index(k) == Some(l))
        })
        .collect();
    let everywhere = served.iter().all(|&s| s);
    let level = |d: Date| {
        let mut v = pl.split(&c.capacity, c.allocation, c.allocation_from, d);
        if !everywhere {
            let before: f64 = v.iter().sum();
            for (x, &s) in v.iter_mut().zip(&served) {
                if !s {
                    *x = 0.0;
                }
            }
            let kept: f64 = v.iter().sum();
            if matches!(c.capacity, PerLocality::Total(_)) && kept > 0.0 {
                for x in &mut v {
                    *x *= before / kept;
                }
            }
        }
        pl.scaled(v, ramp(&c.rollout, d) * pl.scale)
    };
    CustomCapacity {
        key: c.key.clone(),
        capacity: match c.kind {
            CustomKind::ReferralActivity => Places::whole(pl.flow(level)),
            CustomKind::CaseManagement | CustomKind::SupportEpisode => pl.stock(level),
        },
        active: pl.active(&c.rollout),
    }
}

#[cfg(test)]
mod tests {
    use super::salt;
    use crate::engine::schedule::Planner;
    use crate::place::Place;
    use crate::results::RunCalendar;
    use crate::scenario::PerLocality;

    #[test]
    fn a_service_limited_to_some_localities_has_all_its_capacity_there() {
        let place = Place::croydon();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/falls-prevention.toml");
        let mut s = crate::scenario::load_scenario(&path).unwrap_or_else(|e| panic!("{e}"));
        let cal = RunCalendar::new(s.start, s.end);
        let c = &mut s.services.custom[0];
        c.capacity = PerLocality::Total(600.0);
        c.eligibility.localities = vec!["thornton_heath".into(), "mayday".into()];
        let pl = Planner::new(&s, &place, &cal);
        let cap = super::capacity(&pl, &s.services.custom[0]);
        let nl = place.n_localities();
        let last = cal.weeks - 1;
        let row = &cap.capacity.levels()[last * nl..(last + 1) * nl];
        let served: Vec<usize> = ["thornton_heath", "mayday"]
            .iter()
            .map(|k| place.locality_index(k).unwrap())
            .collect();
        for (l, &x) in row.iter().enumerate() {
            if !served.contains(&l) {
                assert!(x == 0.0, "locality {l} is not served");
            }
        }
        // The borough total is kept, all of it where the service runs.
        let total: f64 = row.iter().sum();
        assert!((total - 600.0).abs() < 1e-6, "{total}");
    }

    #[test]
    fn a_salt_depends_on_the_key_alone() {
        assert_eq!(salt("falls_prevention"), salt("falls_prevention"));
        assert_ne!(salt("falls_prevention"), salt("falls_prevention2"));
        // FNV-1a of the empty string is its offset basis.
        assert_eq!(salt(""), 0x811c_9dc5);
    }
}
