//! The integrated-care services, one module per service, behind one [`Service`] trait.
//!
//! Each service's file holds its scenario section (every key declared once, with type, range,
//! default and unit; re-exported from [`crate::scenario`]), its capacity schedule (`capacity`,
//! assembled by [`crate::engine::schedule::Schedule::new`]) and, for one locality during a
//! run, its per-agent state (its own columns, so a new service adds columns rather than bits to
//! a shared field), its waiting list, how it finds and refers people (eligibility and
//! referrals), its effect on hazards, its allocation step and its tallies. Its outputs, activity
//! cost and running cost are listed by the run's catalogue ([`crate::results::catalog`]) and
//! priced in [`crate::analysis::costs`] and [`crate::analysis::economics`].
//!
//! [`Services`] is the registry: one value per built-in service in a fixed order, then the
//! services a planner declared in the scenario file ([`custom::Custom`]). That order is the
//! allocation order and the order of every per-service list in the outputs. Calls go through
//! [`each_service!`] to concrete types, so there is no dynamic dispatch in the weekly loop.
//!
//! The hooks, in the order the week calls them (see [`crate::engine::phases::PHASES`]):
//! 1. [`Service::fit`] after agents are added; [`Service::begin_week`] (after every service's
//!    [`Service::huddle_modifier`] is given to huddles);
//! 2. per resident, phase 1: [`Service::keeps_resident`] (blocks out-migration); phase 2:
//!    [`Service::count_caseload`] (clients keep their place while in hospital); phase 4:
//!    [`Service::progress_at_home`], [`Service::home_care_factor`] and
//!    [`Service::care_home_factor`] on community entry to care;
//! 3. phase 5: [`Service::propose`] (case finding and GP referrals, waiting lists);
//!    [`Service::gp_factor`];
//! 4. phase 6: [`Service::crisis_cut`] and [`Service::admission_cut`] (services that
//!    [`Service::avoids_crises`]); [`Service::on_attendance`];
//! 5. phase 7, in registry order: [`Service::divert`] before admissions (LIFE's A&E liaison);
//!    at each admission [`Service::on_admission`], [`Service::los_factor`], and
//!    [`Service::supported_discharge`] / [`Service::los_cut`] when the discharge route is
//!    chosen (LIFE's discharge to assess); [`Service::on_discharge`] at every discharge alive;
//!    then [`Service::allocate`], during which huddles call [`Service::on_huddle_review`] of
//!    every other service;
//! 6. phase 9: [`Service::count_stocks`], [`Service::count_waiting`] and
//!    [`Service::count_capacity`] (the week's places or slots, from which outputs derive
//!    occupancy); [`Service::holds`] decides who is visited every week
//!    and [`Service::referral_bound`] bounds a GP-route referral for everyone else (the
//!    event-driven engine, [`crate::engine::events`]).
//!
//! ICN+ modifies huddles and social prescribing through [`Service::huddle_modifier`] (weekly)
//! and its operation factor in the schedule.

pub mod custom;
pub mod huddles;
pub mod icn_plus;
pub mod life;
pub mod pharmacists;
pub mod pic;
pub mod social_prescribing;

use crate::engine::tally::{Cell, LocalityTally};
use crate::engine::Setup;
use crate::population::{flag, LocalityPop, NEVER};
use crate::rng::{Purpose, ReplicateKey, Stream, WeekDraws};

/// Built-in services in the registry; declared service `j` is at position `BUILT_IN + j`.
pub const BUILT_IN: usize = 6;

/// The week being simulated in one locality, as services see it.
#[derive(Debug, Clone, Copy)]
pub struct Week<'a> {
    /// Everything precomputed for the scenario.
    pub setup: &'a Setup,
    /// Week index from the start of the run.
    pub w: usize,
    /// `w` as a week column value (capped below [`NEVER`]).
    pub w16: u16,
    /// Index of this week and locality in the schedule's `[week][locality]` arrays.
    pub at: usize,
    /// Locality index.
    pub l: usize,
}

/// One resident in one week, as the per-agent phases see it: values fixed at the start of
/// the week's pass (after the birthday).
#[derive(Debug, Clone, Copy)]
pub struct Agent {
    /// Serial number in the locality.
    pub i: usize,
    /// The resident's random numbers this week.
    pub d: WeekDraws,
    /// Male (else female).
    pub male: bool,
    /// Age in years (after any birthday this week).
    pub age: u8,
    /// National IMD decile (1 = most deprived).
    pub decile: u8,
    /// Number of long-term conditions (after any onset at the birthday).
    pub conditions: usize,
    /// Frailty level before this week's progression.
    pub frailty: usize,
    /// Flags at the start of the week's pass.
    pub flags: u8,
    /// Where the resident's events are tallied.
    pub cell: Cell,
    /// Woken from the calendar (asleep since the last visit) rather than visited every week
    /// (held by a service, in hospital): a sleeper is held by no service, so a phase whose
    /// processes are not candidates has nothing to do for them.
    pub booked: bool,
    /// Candidate processes this week (bit k = process k of
    /// [`crate::engine::events::process`]); all bits for a resident visited every week.
    pub cand: u64,
    /// The bounds of the engine's own processes in a candidate or boundary week (thinning).
    pub q: [f64; crate::engine::events::process::ENGINE],
}

impl Agent {
    /// All processes are candidates (a resident visited every week).
    pub const EVERY_WEEK: u64 = u64::MAX;

    /// Whether a phase with processes `mask` has anything to do: always for a resident
    /// visited every week (services' bookkeeping), and for one woken from the calendar only when
    /// one of the processes is a candidate.
    #[inline(always)]
    pub fn busy(&self, mask: u64) -> bool {
        !self.booked || self.cand & mask != 0
    }

    /// Resident `i` as the week's pass would see them after phase 1, with draws `d`, visited
    /// every week.
    pub fn at(pop: &LocalityPop, i: usize, d: WeekDraws, tal: &LocalityTally) -> Agent {
        let flags = pop.flags[i];
        Agent {
            i,
            d,
            male: flags & flag::MALE != 0,
            age: pop.age[i],
            decile: pop.imd_decile[i],
            conditions: pop.conditions[i].count_ones() as usize,
            frailty: usize::from(pop.frailty[i]),
            flags,
            cell: tal.cell(pop, i),
            booked: false,
            cand: Self::EVERY_WEEK,
            q: [1.0; crate::engine::events::process::ENGINE],
        }
    }

    /// Whether engine process `k` happens this week, with probability `p` (at most its bound):
    /// under the weekly engine `u() < p`; under the event-driven engine only a candidate
    /// process can happen, with `p / q_k` (thinning), from the same draw.
    #[inline(always)]
    pub fn occurs(&self, k: usize, p: f64, u: impl FnOnce() -> f64) -> bool {
        if self.cand == Self::EVERY_WEEK {
            u() < p
        } else {
            self.cand >> k & 1 == 1 && u() * self.q[k] < p
        }
    }

    /// [`Agent::occurs`] for a probability a service may have `raised` above the process's
    /// bound (a harmful effect): then the week's own draw decides, `u() < p`.
    #[inline(always)]
    pub fn occurs_raised(&self, k: usize, p: f64, raised: bool, u: impl FnOnce() -> f64) -> bool {
        if raised {
            u() < p
        } else {
            self.occurs(k, p, u)
        }
    }

    /// Whether a service's GP-route referral (process `k`, probability `p` when eligible) happens
    /// this week for an eligible resident. A service's bound ([`Service::referral_bound`]) is its
    /// referral probability itself, so at a booked visit a candidate eligible resident is referred
    /// (thinning by `p / q = 1`).
    #[inline(always)]
    pub fn referred(&self, k: usize, p: f64, u: impl FnOnce() -> f64) -> bool {
        if self.cand == Self::EVERY_WEEK {
            u() < p
        } else {
            self.cand >> k & 1 == 1
        }
    }
}

/// How ICN+ changes huddles in one week and locality.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HuddleModifier {
    /// Review adults of any age (18+).
    pub all_ages: bool,
    /// Extra relative reduction of the crisis hazard on a care plan.
    pub extra_effect: f64,
}

/// One integrated-care service in one locality during a run. Every hook has a neutral
/// default, so a service implements only what it does.
#[allow(unused_variables)]
pub trait Service {
    /// The service's key (its scenario section and output name).
    fn key(&self) -> &str;

    /// Whether the service lowers the crisis hazard (and so has expected crises avoided
    /// attributed to it).
    fn avoids_crises(&self) -> bool {
        false
    }

    /// Grows per-agent columns to `agents` (new agents have no history with the service).
    fn fit(&mut self, agents: usize) {}

    /// Bytes of per-agent state (for the memory estimate).
    fn bytes_per_agent(&self) -> usize {
        0
    }

    /// Start of a week: clear the week's lists.
    fn begin_week(&mut self, wk: &Week<'_>) {}

    /// ICN+ and the like: how this service changes huddles this week.
    fn huddle_modifier(&self, wk: &Week<'_>) -> HuddleModifier {
        HuddleModifier::default()
    }

    /// Phase 2: count a client against the caseload (every resident alive, in hospital too).
    fn count_caseload(&mut self, wk: &Week<'_>, i: usize) {}

    /// Whether the service holds resident `i` in week `w`, so that they must be visited every
    /// week (supported, or under any effect of the service). Every resident a service counts
    /// in its caseload stocks, changes the hazards of, or keeps from moving away, it holds.
    /// Waiting residents need not be held: a waiting list is kept between weeks and counted
    /// by [`Service::count_waiting`], and a sleeper the service takes on is woken (it is noted
    /// in [`Shared::started`]). The event-driven engine lets everyone else sleep until their
    /// next event ([`crate::engine::events`]).
    fn holds(&self, i: usize, w: u16) -> bool;

    /// Phase 5: an upper bound on the weekly chance that the service's GP-route case finding
    /// refers resident `ag` (at home) in any week until their next boundary (birthday, end of a
    /// post-discharge window), allowing for a frailty step or isolation earlier in the same week:
    /// the referral probability when the resident could be eligible, else 0. [`Service::propose`]
    /// must then refer through [`Agent::referred`] with that same probability.
    fn referral_bound(&self, pop: &LocalityPop, ag: &Agent, t: &crate::model::tables::Tables) -> f64 {
        0.0
    }

    /// Phase 1: whether the service keeps the resident from moving away this week.
    fn keeps_resident(&self, i: usize) -> bool {
        false
    }

    /// Phase 3: multiplier on the resident's community entry to a home-care package.
    fn home_care_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        1.0
    }

    /// Phase 3: multiplier on the resident's community entry to a care home.
    fn care_home_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        1.0
    }

    /// Phase 3 (residents at home, not in hospital): LIFE reablement progress.
    fn progress_at_home(&mut self, wk: &Week<'_>, i: usize) {}

    /// Phase 4: case finding and referrals; join the waiting list.
    fn propose(&mut self, wk: &Week<'_>, pop: &LocalityPop, ag: &Agent, tal: &mut LocalityTally) {}

    /// Phase 4: multiplier on the resident's GP consultation probability.
    fn gp_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        1.0
    }

    /// Phase 5: relative reduction of the resident's crisis hazard (negative = harm); only
    /// called for services that [`Service::avoids_crises`].
    fn crisis_cut(&self, wk: &Week<'_>, pop: &LocalityPop, ag: &Agent) -> f64 {
        0.0
    }

    /// Phase 5: relative reduction of the probability that the resident's attendance
    /// becomes an admission (negative = harm); only called for services that
    /// [`Service::avoids_crises`], whose expected admissions avoided include it.
    fn admission_cut(&self, wk: &Week<'_>, i: usize) -> f64 {
        0.0
    }

    /// Phase 5: the resident attended A&E.
    fn on_attendance(&mut self, wk: &Week<'_>, pop: &LocalityPop, ag: &Agent, tal: &mut LocalityTally) {}

    /// Phase 6, before admissions: divert some of those about to be admitted (`admit`, serial
    /// order) by pushing them onto `diverted`.
    fn divert(&mut self, wk: &Week<'_>, run: &mut Shared<'_>, admit: &[u32], diverted: &mut Vec<u32>) {}

    /// Phase 6: whether this service offers a supported discharge route (discharge to assess)
    /// this week for patients who need support.
    fn supported_discharge(&self, wk: &Week<'_>) -> bool {
        false
    }

    /// Hospital days cut from the stay of a patient discharged by this service's route (`u`
    /// a uniform draw for rounding).
    fn los_cut(&self, u: f64) -> f64 {
        0.0
    }

    /// Relative risk of dying of the crisis for a patient this service diverted home
    /// ([`Service::divert`]) instead of admitting (1.0: the route changes nothing).
    fn diversion_death_rr(&self) -> f64 {
        1.0
    }

    /// Relative risk of dying of the crisis for an inpatient leaving by this service's
    /// supported discharge route (1.0: the route changes nothing).
    fn supported_discharge_death_rr(&self) -> f64 {
        1.0
    }

    /// Multiplier on the length of stay of an admission of this resident.
    fn los_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        1.0
    }

    /// The resident was admitted: leave waiting lists, end episodes that end on admission.
    fn on_admission(&mut self, wk: &Week<'_>, i: usize, tal: &mut LocalityTally, cell: Cell) {}

    /// The resident was discharged alive from an emergency admission.
    fn on_discharge(&mut self, wk: &Week<'_>, pop: &LocalityPop, i: usize, d: &WeekDraws, tal: &mut LocalityTally) {}

    /// The resident was reviewed at a practice huddle (`d` the resident's draws this week).
    fn on_huddle_review(&mut self, wk: &Week<'_>, pop: &LocalityPop, i: u32, d: &WeekDraws, tal: &mut LocalityTally) {}

    /// Phase 6: take people on from the waiting list up to the week's capacity.
    fn allocate(&mut self, wk: &Week<'_>, run: &mut Shared<'_>) {}

    /// Phase 9: count the resident in the service's stocks (caseload).
    fn count_stocks(&self, wk: &Week<'_>, pop: &LocalityPop, i: usize, cell: Cell, tal: &mut LocalityTally) {}

    /// Phase 9: count the service's waiting list (kept between weeks, so waiting residents
    /// are counted whether or not they were visited).
    fn count_waiting(&mut self, pop: &LocalityPop, tal: &mut LocalityTally) {}

    /// Phase 9: count the service's capacity this week (the places or slots its staffing
    /// allows, used or not), from which outputs derive its occupancy.
    fn count_capacity(&self, wk: &Week<'_>, tal: &mut LocalityTally) {}
}

/// The parts of a locality's run a service's allocation step may use.
#[derive(Debug)]
pub struct Shared<'a> {
    /// The residents.
    pub pop: &'a mut LocalityPop,
    /// The tallies.
    pub tal: &'a mut LocalityTally,
    /// Each resident's random stream.
    pub streams: &'a [Stream],
    /// Reablement places free this week (LIFE's, shared by discharge to assess and A&E
    /// liaison).
    pub reablement_free: &'a mut crate::engine::shadow::Vacancies,
    /// Residents taken on this week by any service, each with their signature just before
    /// ([`started`]: a sleeping resident a service now holds must be woken).
    pub started: &'a mut Vec<(u32, u32, u64)>,
}

/// Notes that resident `i` is taken on by a service this week, before the start changes
/// anything about them (see [`Shared::started`]).
#[inline]
pub fn started(list: &mut Vec<(u32, u32, u64)>, pop: &LocalityPop, i: usize) {
    let order = list.len() as u32;
    list.push((i as u32, order, crate::engine::events::signature(pop, i)));
}

/// Episodes of support with a waiting list: the per-agent state most services need, packed in
/// one `u16` per resident (the waiting flag in the top bit, the last week of the episode in the
/// other 15), so a service reads one column.
#[derive(Debug, Clone, Default)]
pub struct Episodes {
    /// Per resident: [`Episodes::WAITING`] | last week of the episode or effect
    /// ([`Episodes::NONE`] = none).
    slot: Vec<u16>,
    /// The waiting list: everyone referred and not yet taken on, kept between weeks (entries
    /// whose referral lapsed, or who died or left, are dropped by [`Episodes::tidy`]), so
    /// waiting residents need no visit of their own.
    pub list: Vec<u32>,
    /// Clients whose episode runs this week (counted in phase 2, in hospital too), for
    /// services whose capacity is a caseload.
    pub caseload: u32,
}

impl Episodes {
    /// The waiting bit.
    const WAITING: u16 = 0x8000;
    /// No episode (the week bits all set).
    const NONE: u16 = 0x7FFF;

    /// Room for `capacity` agents, so the weekly loop never reallocates.
    pub fn with_capacity(capacity: usize) -> Episodes {
        Episodes {
            slot: Vec::with_capacity(capacity),
            list: Vec::new(),
            caseload: 0,
        }
    }

    /// Whether agent `i` is supported in week `w` (see [`Service::holds`]). Waiting does not
    /// hold a resident: the waiting list is kept between weeks, and waiting changes none of
    /// their hazards.
    #[inline]
    pub fn holds(&self, i: usize, w: u16) -> bool {
        self.on(i, w)
    }

    /// Start of a week: an empty caseload count (the waiting list is kept).
    pub fn begin_week(&mut self) {
        self.caseload = 0;
    }

    /// Drops from the waiting list everyone no longer waiting (taken on, or whose referral
    /// lapsed) or no longer a resident, and puts it in serial order without repeats (a
    /// resident referred again after a lapse appears twice until then).
    pub fn tidy(&mut self, pop: &LocalityPop) {
        tidy(&mut self.list, pop, |i| self.slot[i] & Self::WAITING != 0);
    }

    /// Referrals still waiting lapse with weekly probability `p` (drawn with `index` on each
    /// resident's stream, [`Purpose::ReferralLapse`]): the referral is closed and returned to
    /// the referrer, tallied in metric `metric`; the resident may be referred again. People
    /// in hospital keep their place. The list is tidied afterwards.
    pub fn lapse(&mut self, run: &mut Shared<'_>, w: usize, p: f64, index: u32, metric: usize) {
        let list = std::mem::take(&mut self.list);
        lapse_list(&list, run, w, p, index, metric, |i| self.close_referral(i));
        self.list = list;
    }

    /// Ends agent `i`'s referral if it is waiting; says whether it was.
    #[inline]
    pub fn close_referral(&mut self, i: usize) -> bool {
        let waiting = self.waiting(i);
        self.set_waiting(i, false);
        waiting
    }

    /// Counts everyone on the (tidied) waiting list in the catalogue's metric `metric`.
    pub fn count_waiting(&mut self, pop: &LocalityPop, tal: &mut LocalityTally, metric: usize) {
        self.tidy(pop);
        count_list(&self.list, pop, tal, metric);
    }

    /// Counts agent `i` in the caseload if its episode runs in week `w`.
    #[inline]
    pub fn count_caseload(&mut self, i: usize, w: u16) {
        if self.on(i, w) {
            self.caseload += 1;
        }
    }

    /// Grows the column to `agents` (new agents: no episode, not waiting).
    pub fn fit(&mut self, agents: usize) {
        self.slot.resize(agents, Self::NONE);
    }

    /// Whether agent `i`'s episode (or effect) is running in week `w`.
    #[inline]
    pub fn on(&self, i: usize, w: u16) -> bool {
        let until = self.slot[i] & Self::NONE;
        until != Self::NONE && until >= w
    }

    /// Whether agent `i` is referred and waiting.
    #[inline]
    pub fn waiting(&self, i: usize) -> bool {
        self.slot[i] & Self::WAITING != 0
    }

    /// Sets or clears agent `i`'s waiting flag.
    #[inline]
    pub fn set_waiting(&mut self, i: usize, waiting: bool) {
        if waiting {
            self.slot[i] |= Self::WAITING;
        } else {
            self.slot[i] &= !Self::WAITING;
        }
    }

    /// Agent `i` starts an episode of `weeks` weeks in week `w` and leaves the waiting list.
    #[inline]
    pub fn start(&mut self, i: usize, w: usize, weeks: u16) {
        self.slot[i] = until(w, weeks).min(Self::NONE - 1);
    }

    /// The last week of agent `i`'s current or last episode ([`NEVER`] when none).
    #[inline]
    pub fn last_week(&self, i: usize) -> u16 {
        match self.slot[i] & Self::NONE {
            Self::NONE => NEVER,
            w => w,
        }
    }

    /// Whether agent `i` can be referred in week `w`: not waiting and not supported now.
    #[inline]
    pub fn open(&self, i: usize, w: u16) -> bool {
        !self.waiting(i) && !self.on(i, w)
    }

    /// Agent `i` is referred: waiting, and on the waiting list.
    #[inline]
    pub fn refer(&mut self, i: u32) {
        self.set_waiting(i as usize, true);
        self.list.push(i);
    }

    /// `effect` while agent `i`'s episode runs in week `w`, else 0.
    #[inline]
    pub fn cut(&self, i: usize, w: u16, effect: f64) -> f64 {
        if self.on(i, w) {
            effect
        } else {
            0.0
        }
    }

    /// Takes people on from this week's (sorted) list up to `capacity`: each is tallied in
    /// metric `metric` (a catalogue index), leaves the waiting list, and is supported for
    /// `weeks` weeks from week `w`.
    /// Returns how many were taken on.
    pub fn take_on(&mut self, run: &mut Shared<'_>, capacity: u32, metric: usize, w: usize, weeks: u16) -> u32 {
        let (list, slot) = (&self.list, &mut self.slot);
        let (tal, started) = (&mut *run.tal, &mut *run.started);
        serve(run.pop, list, capacity, |pop, iu| {
            self::started(started, pop, iu);
            tal.add_at(tal.cell(pop, iu), metric, 1);
            slot[iu] = until(w, weeks).min(Self::NONE - 1);
        })
    }

    /// Bytes of per-agent state.
    pub const BYTES_PER_AGENT: usize = 2;
}

/// The weekly probability that a referral still waiting lapses, for a mean wait to lapse of
/// `weeks` weeks (0 = referrals never lapse).
pub fn lapse_probability(weeks: f64) -> f64 {
    if weeks > 0.0 {
        -(-1.0 / weeks).exp_m1()
    } else {
        0.0
    }
}

/// Lapses referrals on `list` (see [`Episodes::lapse`]): `close(i)` ends resident `i`'s
/// referral if it is still waiting and says whether it did.
pub fn lapse_list(
    list: &[u32],
    run: &mut Shared<'_>,
    w: usize,
    p: f64,
    index: u32,
    metric: usize,
    mut close: impl FnMut(usize) -> bool,
) {
    if p <= 0.0 {
        return;
    }
    for &i in list {
        let iu = i as usize;
        if run.pop.flags[iu] & (flag::IN_HOSPITAL | flag::ALIVE) != flag::ALIVE {
            continue;
        }
        if run.streams[iu].week(w as u32).uniform_at(Purpose::ReferralLapse, index) < p && close(iu) {
            let cell = run.tal.cell(run.pop, iu);
            run.tal.add_at(cell, metric, 1);
        }
    }
}

/// Drops from `list` everyone `waiting` says no longer waits or who is no longer a resident,
/// and sorts it by serial number without repeats.
pub fn tidy(list: &mut Vec<u32>, pop: &LocalityPop, waiting: impl Fn(usize) -> bool) {
    list.retain(|&i| pop.flags[i as usize] & flag::ALIVE != 0 && waiting(i as usize));
    list.sort_unstable();
    list.dedup();
}

/// Counts every resident of `list` in the catalogue's metric `metric`, in their cell.
pub fn count_list(list: &[u32], pop: &LocalityPop, tal: &mut LocalityTally, metric: usize) {
    for &i in list {
        let cell = tal.cell(pop, i as usize);
        tal.add_at(cell, metric, 1);
    }
}

/// Whether a week column `until` covers week `w`.
#[inline]
pub fn on(until: u16, w: u16) -> bool {
    until != NEVER && until >= w
}

/// The last week of an episode of `weeks` weeks starting in week `w`.
pub fn until(w: usize, weeks: u16) -> u16 {
    (w + usize::from(weeks.max(1)) - 1).min(usize::from(NEVER) - 1) as u16
}

/// Serves a sorted waiting list up to `capacity`: people now in hospital (or dead) keep
/// their place in the queue for a later week and use no capacity. Returns how many started.
pub fn serve(
    pop: &mut LocalityPop,
    list: &[u32],
    capacity: u32,
    mut start: impl FnMut(&mut LocalityPop, usize),
) -> u32 {
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
    capacity - left
}

/// The registry of one locality's services during a run: the built-in services in their
/// fixed order, then the scenario-declared ones (sorted by key). This order is the allocation
/// order.
#[derive(Debug, Clone)]
pub struct Services<'a> {
    /// GP practice huddles.
    pub huddles: huddles::HuddlesService<'a>,
    /// Personal Independence Co-ordinators.
    pub pic: pic::PicService<'a>,
    /// LIFE: A&E liaison, discharge to assess, reablement.
    pub life: life::LifeService<'a>,
    /// Social prescribing.
    pub social_prescribing: social_prescribing::SocialPrescribingService<'a>,
    /// ICN pharmacists.
    pub pharmacists: pharmacists::PharmacistsService<'a>,
    /// ICN+ (modifies huddles and social prescribing).
    pub icn_plus: icn_plus::IcnPlusService<'a>,
    /// Services declared in the scenario file.
    pub custom: Vec<custom::Custom<'a>>,
}

/// Calls `$body` with `$s` bound to each service of a registry in registry order (a
/// concrete type each time: static dispatch).
#[macro_export]
#[doc(hidden)]
macro_rules! each_service {
    ($svc:expr, $s:ident => $body:expr) => {{
        {
            let $s = &mut $svc.huddles;
            $body;
        }
        {
            let $s = &mut $svc.pic;
            $body;
        }
        {
            let $s = &mut $svc.life;
            $body;
        }
        {
            let $s = &mut $svc.social_prescribing;
            $body;
        }
        {
            let $s = &mut $svc.pharmacists;
            $body;
        }
        {
            let $s = &mut $svc.icn_plus;
            $body;
        }
        for $s in $svc.custom.iter_mut() {
            $body;
        }
    }};
}
pub use each_service;

/// The same as [`each_service!`] with shared references.
#[macro_export]
#[doc(hidden)]
macro_rules! each_service_ref {
    ($svc:expr, $s:ident => $body:expr) => {{
        {
            let $s = &$svc.huddles;
            $body;
        }
        {
            let $s = &$svc.pic;
            $body;
        }
        {
            let $s = &$svc.life;
            $body;
        }
        {
            let $s = &$svc.social_prescribing;
            $body;
        }
        {
            let $s = &$svc.pharmacists;
            $body;
        }
        {
            let $s = &$svc.icn_plus;
            $body;
        }
        for $s in $svc.custom.iter() {
            $body;
        }
    }};
}
pub use each_service_ref;

/// The offset in [0, 1) with which replicate `key` rounds the fractional caseload places of
/// service `id` in locality `l` ([`crate::engine::schedule::Places::get`]): one draw per
/// replicate, locality and service, the same in every scenario (common random numbers) and
/// every week (a replicate's places do not flicker).
pub fn rounding_offset(key: &ReplicateKey, l: usize, id: u32) -> f64 {
    key.locality(l as u8).week(0).uniform_at(Purpose::CapacityRounding, id)
}

impl<'a> Services<'a> {
    /// The registry for locality `l` of the replicate `key`, with room for `capacity` agents.
    pub fn new(setup: &'a Setup, key: &ReplicateKey, l: usize, capacity: usize) -> Services<'a> {
        Services {
            huddles: huddles::HuddlesService::new(setup, l, capacity),
            pic: pic::PicService::new(setup, rounding_offset(key, l, 0), capacity),
            life: life::LifeService::new(setup, rounding_offset(key, l, 1), capacity),
            social_prescribing: social_prescribing::SocialPrescribingService::new(setup, capacity),
            pharmacists: pharmacists::PharmacistsService::new(setup, capacity),
            icn_plus: icn_plus::IcnPlusService::new(setup),
            custom: setup
                .scenario
                .services
                .custom
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    let offset = rounding_offset(key, l, custom::salt(&c.key));
                    custom::Custom::new(setup, c, j, l, offset, capacity)
                })
                .collect(),
        }
    }

    /// The same services' state under another scenario's set-up, which declares the same
    /// services (a fork: see [`crate::engine::fork`]).
    pub(crate) fn rebind(&mut self, setup: &'a Setup) {
        self.huddles.rebind(setup);
        self.pic.rebind(setup);
        self.life.rebind(setup);
        self.social_prescribing.rebind(setup);
        self.pharmacists.rebind(setup);
        self.icn_plus.rebind(setup);
        for c in &mut self.custom {
            c.rebind(setup);
        }
    }

    /// Keys of every service, in registry order.
    pub fn keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        each_service_ref!(self, s => out.push(s.key().to_string()));
        out
    }

    /// Number of services (built-in and declared).
    pub fn len(&self) -> usize {
        BUILT_IN + self.custom.len()
    }

    /// Never empty: the built-in services are always there.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Number of services that lower the crisis hazard.
    pub fn avoiding(&self) -> usize {
        let mut n = 0;
        each_service_ref!(self, s => n += usize::from(s.avoids_crises()));
        n
    }

    /// Bytes of per-agent state over every service.
    pub fn bytes_per_agent(&self) -> usize {
        let mut n = 0;
        each_service_ref!(self, s => n += s.bytes_per_agent());
        n
    }

    /// Grows every service's columns to `agents`.
    pub fn fit(&mut self, agents: usize) {
        each_service!(self, s => s.fit(agents));
    }

    /// Start of a week: each service clears its lists; huddles take the week's modifiers
    /// from the services that modify them (ICN+).
    pub fn begin_week(&mut self, wk: &Week<'_>) {
        let mut m = HuddleModifier::default();
        each_service_ref!(self, s => {
            let x = s.huddle_modifier(wk);
            m.all_ages |= x.all_ages;
            m.extra_effect += x.extra_effect;
        });
        self.huddles.set_modifier(m);
        each_service!(self, s => s.begin_week(wk));
    }

    /// Whether any service holds resident `i` in week `w` ([`Service::holds`]).
    #[inline]
    pub fn holds(&self, i: usize, w: u16) -> bool {
        let mut held = false;
        each_service_ref!(self, s => held |= s.holds(i, w));
        held
    }

    /// Whether any service keeps the resident from moving away this week.
    #[inline]
    pub fn keeps_resident(&self, i: usize) -> bool {
        let mut keep = false;
        each_service_ref!(self, s => keep |= s.keeps_resident(i));
        keep
    }

    /// Whether any service offers a supported discharge route this week, and its cut in
    /// hospital days (the first such service in registry order).
    pub fn supported_discharge(&self, wk: &Week<'_>) -> bool {
        let mut any = false;
        each_service_ref!(self, s => any |= s.supported_discharge(wk));
        any
    }

    /// Hospital days cut by the supported discharge route (the first service offering one).
    pub fn los_cut(&self, wk: &Week<'_>, u: f64) -> f64 {
        let mut cut = None;
        each_service_ref!(self, s => {
            if cut.is_none() && s.supported_discharge(wk) {
                cut = Some(s.los_cut(u));
            }
        });
        cut.unwrap_or(0.0)
    }

    /// The death relative risk of the supported discharge route (the first service offering
    /// one; 1.0 when none does).
    pub fn supported_discharge_death_rr(&self, wk: &Week<'_>) -> f64 {
        let mut rr = None;
        each_service_ref!(self, s => {
            if rr.is_none() && s.supported_discharge(wk) {
                rr = Some(s.supported_discharge_death_rr());
            }
        });
        rr.unwrap_or(1.0)
    }

    /// The death relative risk of a diversion (the product over services; only a service
    /// that diverts sets one other than 1.0).
    pub fn diversion_death_rr(&self) -> f64 {
        let mut rr = 1.0;
        each_service_ref!(self, s => rr *= s.diversion_death_rr());
        rr
    }

    /// Products of every service's factors for resident `i`, in registry order (a product
    /// with 1.0 is exact, so services that do not act on the resident change nothing).
    #[inline]
    pub fn gp_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        let mut x = 1.0;
        each_service_ref!(self, s => x *= s.gp_factor(wk, i));
        x
    }

    /// See [`Services::gp_factor`].
    #[inline]
    pub fn home_care_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        let mut x = 1.0;
        each_service_ref!(self, s => x *= s.home_care_factor(wk, i));
        x
    }

    /// See [`Services::gp_factor`].
    #[inline]
    pub fn care_home_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        let mut x = 1.0;
        each_service_ref!(self, s => x *= s.care_home_factor(wk, i));
        x
    }

    /// See [`Services::gp_factor`].
    #[inline]
    pub fn los_factor(&self, wk: &Week<'_>, i: usize) -> f64 {
        let mut x = 1.0;
        each_service_ref!(self, s => x *= s.los_factor(wk, i));
        x
    }

    /// Phase 6: every service's allocation step in registry order. Huddle reviews refer on to
    /// the other services through their [`Service::on_huddle_review`] hook.
    pub fn allocate(&mut self, wk: &Week<'_>, run: &mut Shared<'_>) {
        let Services {
            huddles,
            pic,
            life,
            social_prescribing,
            pharmacists,
            icn_plus,
            custom,
        } = self;
        huddles.allocate_with(wk, run, |pop, tal, i, d| {
            pic.on_huddle_review(wk, pop, i, d, tal);
            life.on_huddle_review(wk, pop, i, d, tal);
            social_prescribing.on_huddle_review(wk, pop, i, d, tal);
            pharmacists.on_huddle_review(wk, pop, i, d, tal);
            icn_plus.on_huddle_review(wk, pop, i, d, tal);
            for c in custom.iter_mut() {
                c.on_huddle_review(wk, pop, i, d, tal);
            }
        });
        pic.allocate(wk, run);
        life.allocate(wk, run);
        social_prescribing.allocate(wk, run);
        pharmacists.allocate(wk, run);
        icn_plus.allocate(wk, run);
        for c in custom.iter_mut() {
            c.allocate(wk, run);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Service, Services};
    use crate::engine::Setup;
    use crate::place::Place;
    use crate::scenario::load_scenario;
    use std::path::Path;
    use std::sync::Arc;

    /// The engine attributes crises avoided by index into the registry's crisis-avoiding
    /// services, and the outputs read them by the catalogue's order: the two orders must agree,
    /// and so must the services with a running cost.
    #[test]
    fn the_registry_order_is_the_catalogues_order() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/falls-prevention.toml");
        let scenario = load_scenario(&path).unwrap_or_else(|e| panic!("{e}"));
        let setup = Setup::new(&scenario, &Arc::new(Place::croydon())).expect("set-up");
        let services = Services::new(&setup, &crate::rng::ReplicateKey::new(0, 0), 0, 0);
        let mut avoiding = Vec::new();
        crate::each_service_ref!(services, s => {
            if s.avoids_crises() {
                avoiding.push(s.key().to_string());
            }
        });
        let keys = |list: &[crate::results::catalog::Service]| list.iter().map(|s| s.key.clone()).collect::<Vec<_>>();
        assert_eq!(avoiding, keys(setup.catalog.avoiding_services()));
        assert_eq!(avoiding.len(), services.avoiding());
        let registry: Vec<String> = services.keys().into_iter().filter(|k| k != "icn_plus").collect();
        assert_eq!(registry, keys(setup.catalog.running_services()));
        assert!(registry.contains(&"falls_prevention".to_string()));
    }
}
