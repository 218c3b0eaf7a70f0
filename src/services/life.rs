//! LIFE (Living Independently For Everyone): A&E liaison admission avoidance, discharge to
//! assess, and up to six weeks of reablement at home.
//!
//! Its hooks: [`Service::divert`] (A&E liaison assesses the frailest and oldest of those about
//! to be admitted and sends some home with LIFE support), [`Service::supported_discharge`] and
//! [`Service::los_cut`] (while LIFE operates, patients needing support leave hospital by
//! discharge to assess, with a shorter stay), [`Service::keeps_resident`] (no one moves away
//! mid-episode) and [`Service::on_admission`] (an admission ends an episode). Reablement places
//! are shared by discharge to assess and liaison; episodes ending with a need for long-term
//! care wait for social care ([`crate::engine::social_care`]).

use super::{until, Service, Shared, Week};
use crate::calendar::Date;
use crate::engine::schedule::{multiplier_in_force, Places, Planner};
use crate::engine::tally::{Cell, LocalityTally};
use crate::engine::Setup;
use crate::population::{need, LocalityPop, NEVER};
use crate::results::Metric;
use crate::rng::{Purpose, Stream};
use crate::scenario::keys::scenario_section;
use crate::scenario::schema::{closed, Def, Kind, AGE, ALLOC_DEFAULT, COUNT, FROM_START, PROB, REQ, WEEKS};
use crate::scenario::{Allocation, PerLocality, Rollout};
use std::cmp::Reverse;

// The service's scenario section: its keys, types, ranges, defaults and units, declared
// once (re-exported as `crate::scenario::Life`).
scenario_section! {
    /// LIFE (Living Independently For Everyone): A&E liaison, discharge to assess, reablement.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Life {
        /// Start, ramp and capacity multiplier.
        rollout: Rollout = flatten() [summary 0],
        /// A&E liaison assessments per week.
        liaison_assessments_per_week: PerLocality = key(Kind::PerLocality, REQ, "assessments per week") [summary 0],
        /// Minimum age for liaison (younger patients qualify if moderately or severely frail).
        liaison_min_age: u8 = key(AGE, REQ, "years"),
        /// Probability an assessed patient goes home with LIFE support instead of being admitted.
        divert_probability: f64 = key(PROB, REQ, "probability") [calibrate 10, summary 0],
        /// Concurrent reablement clients (discharge to assess + diverted).
        reablement_caseload: PerLocality = key(Kind::PerLocality, REQ, "concurrent clients") [summary 0],
        /// Maximum weeks of reablement.
        max_weeks: u16 = key(WEEKS, REQ, "weeks"),
        /// Share of reablement clients needing no long-term package afterwards.
        no_package_probability: f64 = key(PROB, REQ, "share") [calibrate 11],
        /// Share of LIFE clients visited within 2 hours of getting home.
        visit_within_2h_probability: f64 = key(PROB, REQ, "share"),
        /// Hospital days saved per discharge-to-assess patient.
        los_reduction_days: f64 = key(COUNT, REQ, "days") [calibrate 20],
        /// How capacity is shared between localities.
        allocation: Allocation = key(Kind::Allocation, ALLOC_DEFAULT, "") [summary 1],
        /// Day the allocation takes effect (before it, capacity is shared by population).
        allocation_from: Date = key(Kind::Date, FROM_START, ""),
        /// × the A&E liaison assessments alone, from `capacity_multiplier_from` on, on top of
        /// `capacity_multiplier` (1.0 = no change): one lever of LIFE without the other.
        liaison_multiplier: f64 = key(COUNT, Def::Num(1.0), "multiplier"),
        /// × the reablement places alone, from `capacity_multiplier_from` on, on top of
        /// `capacity_multiplier` (1.0 = no change).
        reablement_multiplier: f64 = key(COUNT, Def::Num(1.0), "multiplier"),
        /// Relative risk of dying of the crisis when sent home by A&E liaison instead of being
        /// admitted (1.0 = the route changes nothing; evidence: place file
        /// `effects.diversion_death_rr`, range 0.60–1.10).
        diversion_death_rr: f64 = key(closed(0.0, 10.0), Def::Num(1.0), "relative risk") [calibrate 15],
        /// Relative risk of dying of the crisis for an inpatient who leaves by discharge to
        /// assess (evidence: place file `effects.d2a_death_rr`, range 0.76–1.49).
        d2a_death_rr: f64 = key(closed(0.0, 10.0), Def::Num(1.0), "relative risk") [calibrate 16],
    }
}

/// LIFE in one locality during a run.
#[derive(Debug, Clone)]
pub struct LifeService<'a> {
    setup: &'a Setup,
    p: &'a crate::scenario::Life,
    /// This replicate's offset for rounding the reablement places (see [`Places`]).
    rounding: f64,
    /// Last week of each resident's reablement episode ([`NEVER`] = none).
    pub(crate) until: Vec<u16>,
    /// Episodes due to end this week (serial order).
    pub(crate) completions: Vec<u32>,
    /// Residents in reablement at home and not ending this week.
    pub(crate) caseload: u32,
    /// Patients diverted home this week who wanted a reablement place (placed or not).
    pub(crate) wanting: u32,
    /// The expected number of this week's new episodes that will end waiting for a package
    /// (index 1) or a care home (index 2), for the shadows' rates (`engine::shadow`).
    pub(crate) expected_needs: [f64; 3],
    /// Scratch: those about to be admitted who are eligible for liaison.
    eligible: Vec<u32>,
}

impl<'a> LifeService<'a> {
    /// The same state under another scenario's set-up (a fork: see [`crate::engine::fork`]).
    pub(crate) fn rebind(&mut self, setup: &'a Setup) {
        self.setup = setup;
        self.p = &setup.scenario.services.life;
    }

    /// LIFE with room for `capacity` residents, rounding its reablement places with offset
    /// `rounding`.
    pub fn new(setup: &'a Setup, rounding: f64, capacity: usize) -> LifeService<'a> {
        LifeService {
            setup,
            rounding,
            p: &setup.scenario.services.life,
            until: Vec::with_capacity(capacity),
            completions: Vec::new(),
            caseload: 0,
            wanting: 0,
            expected_needs: [0.0; 3],
            eligible: Vec::new(),
        }
    }

    /// Reablement places this week, before those in use are taken off: in residents below
    /// scale 1 (shared with the unsampled residents' shadow, see [`crate::engine::shadow`]),
    /// in agents at scale 1 or more.
    pub fn places(&self, wk: &Week<'_>) -> u32 {
        let scale = self.setup.scenario.scale;
        let unit = if scale < 1.0 { 1.0 / scale } else { 1.0 };
        self.setup.schedule.reablement_slots.get_in(wk.at, self.rounding, unit)
    }

    /// Starts a reablement episode: the outcome (needing nothing, a package or a care home)
    /// and the duration are drawn now and acted on when it ends.
    pub fn start_episode(
        &mut self,
        wk: &Week<'_>,
        stream: Stream,
        pop: &mut LocalityPop,
        i: usize,
        tal: &mut LocalityTally,
        cell: Cell,
    ) {
        let life = self.p;
        let d = stream.week(wk.w as u32);
        tal.add(cell, Metric::LifeReferrals, 1);
        tal.add(cell, Metric::ReablementStarts, 1);
        if d.uniform(Purpose::VisitWithin2h) < life.visit_within_2h_probability {
            tal.add(cell, Metric::LifeVisitsWithin2h, 1);
        }
        let care_home = self.setup.tables.care_home_given_support[usize::from(pop.age[i])];
        let support = 1.0 - life.no_package_probability;
        self.expected_needs[1] += support * (1.0 - care_home);
        self.expected_needs[2] += support * care_home;
        pop.need[i] = if d.uniform(Purpose::ReablementOutcome) < life.no_package_probability {
            need::HOME
        } else if d.uniform(Purpose::ReablementCareHome)
            < self.setup.tables.care_home_given_support[usize::from(pop.age[i])]
        {
            need::CARE_HOME
        } else {
            need::CARE_PACKAGE
        };
        let weeks = 1 + (d.uniform_at(Purpose::ReablementOutcome, 1) * f64::from(life.max_weeks.max(1))) as u16;
        self.until[i] = until(wk.w, weeks.min(life.max_weeks.max(1)));
    }

    /// Ends resident `i`'s reablement episode early, if one is running (an admission, or a
    /// death of the crisis after a diversion home): counted as ended, with no outcome.
    pub(crate) fn cut_short(&mut self, i: usize, tal: &mut LocalityTally, cell: Cell) {
        if self.until[i] != NEVER {
            tal.add(cell, Metric::ReablementEnds, 1);
            self.until[i] = NEVER;
        }
    }

    /// Ends a reablement episode with `outcome`.
    pub fn end_episode(&mut self, pop: &mut LocalityPop, i: usize, tal: &mut LocalityTally, outcome: Metric) {
        let cell = tal.cell(pop, i);
        tal.add(cell, Metric::ReablementEnds, 1);
        tal.add(cell, outcome, 1);
        self.until[i] = NEVER;
        pop.need[i] = need::ACUTE;
    }
}

impl Service for LifeService<'_> {
    fn key(&self) -> &str {
        "life"
    }

    #[inline]
    fn holds(&self, i: usize, _w: u16) -> bool {
        self.until[i] != NEVER
    }

    fn fit(&mut self, agents: usize) {
        self.until.resize(agents, NEVER);
    }

    fn bytes_per_agent(&self) -> usize {
        2
    }

    fn begin_week(&mut self, _wk: &Week<'_>) {
        self.completions.clear();
        self.caseload = 0;
        self.wanting = 0;
        self.expected_needs = [0.0; 3];
    }

    #[inline]
    fn keeps_resident(&self, i: usize) -> bool {
        self.until[i] != NEVER
    }

    #[inline]
    fn progress_at_home(&mut self, wk: &Week<'_>, i: usize) {
        if self.until[i] != NEVER {
            if self.until[i] <= wk.w16 {
                self.completions.push(i as u32);
            } else {
                self.caseload += 1;
            }
        }
    }

    /// A&E liaison: the frailest and oldest of those about to be admitted first; an assessed
    /// patient goes home with LIFE support with the diversion probability (reablement if a
    /// place is free, otherwise a LIFE referral without an episode).
    fn divert(&mut self, wk: &Week<'_>, run: &mut Shared<'_>, admit: &[u32], diverted: &mut Vec<u32>) {
        let mut cap = self.setup.schedule.liaison[wk.at];
        if cap == 0 {
            return;
        }
        let life = self.p;
        let pop = &*run.pop;
        self.eligible.clear();
        self.eligible.extend(
            admit
                .iter()
                .copied()
                .filter(|&i| pop.age[i as usize] >= life.liaison_min_age || pop.frailty[i as usize] >= 2),
        );
        self.eligible
            .sort_unstable_by_key(|&i| (Reverse(pop.frailty[i as usize]), Reverse(pop.age[i as usize]), i));
        let eligible = std::mem::take(&mut self.eligible);
        for &i in &eligible {
            if cap == 0 {
                break;
            }
            cap -= 1;
            let iu = i as usize;
            let cell = run.tal.cell(run.pop, iu);
            run.tal.add(cell, Metric::LiaisonAssessments, 1);
            let d = run.streams[iu].week(wk.w as u32);
            if d.uniform(Purpose::LiaisonDivert) < life.divert_probability {
                run.tal.add(cell, Metric::AdmissionsAvoidedLife, 1);
                diverted.push(i);
                // A client already in reablement goes home to the episode and the place they
                // hold: no new referral, no second place, no second start.
                if self.until[iu] == NEVER {
                    self.wanting += 1;
                    if run.reablement_free.take(d.uniform(Purpose::ShadowShare)) {
                        self.start_episode(wk, run.streams[iu], run.pop, iu, run.tal, cell);
                    } else {
                        run.tal.add(cell, Metric::LifeReferrals, 1);
                    }
                }
            }
        }
        self.eligible = eligible;
        diverted.sort_unstable();
    }

    fn supported_discharge(&self, wk: &Week<'_>) -> bool {
        self.setup.schedule.life_active[wk.w]
    }

    fn los_cut(&self, u: f64) -> f64 {
        (self.p.los_reduction_days + u).floor()
    }

    fn diversion_death_rr(&self) -> f64 {
        self.p.diversion_death_rr
    }

    fn supported_discharge_death_rr(&self) -> f64 {
        self.p.d2a_death_rr
    }

    fn on_admission(&mut self, _wk: &Week<'_>, i: usize, tal: &mut LocalityTally, cell: Cell) {
        self.cut_short(i, tal, cell);
    }

    #[inline]
    fn count_stocks(&self, _wk: &Week<'_>, _pop: &LocalityPop, i: usize, cell: Cell, tal: &mut LocalityTally) {
        if self.until[i] != NEVER {
            tal.add(cell, Metric::ReablementCaseload, 1);
        }
    }

    /// Liaison assessments in agents; reablement places as [`LifeService::places`] counts them
    /// (in residents below scale 1, see [`crate::results::Tally::factor`]).
    fn count_capacity(&self, wk: &Week<'_>, tal: &mut LocalityTally) {
        tal.add(
            Cell::OVERHEAD,
            Metric::LiaisonCapacity,
            self.setup.schedule.liaison[wk.at],
        );
        tal.add(Cell::OVERHEAD, Metric::ReablementPlaces, self.places(wk));
    }
}

/// LIFE capacity by week and locality.
#[derive(Debug, Clone)]
pub struct Capacity {
    /// A&E liaison assessments per `[week][locality]`.
    pub liaison: Vec<u32>,
    /// Reablement places per `[week][locality]`.
    pub reablement_slots: Places,
    /// Whether LIFE operates (the discharge-to-assess route exists), per week.
    pub active: Vec<bool>,
}

/// LIFE's capacity schedule: liaison assessments (a flow) and reablement places (a stock),
/// each shared by the allocation, × the rollout's ramp and multiplier, × its own lever's
/// multiplier (`liaison_multiplier`, `reablement_multiplier`, from the rollout's
/// `capacity_multiplier_from`), × scale.
pub fn capacity(pl: &Planner<'_>, life: &Life) -> Capacity {
    let share = |q: &PerLocality, m: f64, d: Date| {
        pl.scaled(
            pl.rolled_out(q, life.allocation, life.allocation_from, &life.rollout, d),
            multiplier_in_force(&life.rollout, m, d),
        )
    };
    Capacity {
        liaison: pl.flow(|d| share(&life.liaison_assessments_per_week, life.liaison_multiplier, d)),
        reablement_slots: pl.stock(|d| share(&life.reablement_caseload, life.reablement_multiplier, d)),
        active: pl.active(&life.rollout),
    }
}
