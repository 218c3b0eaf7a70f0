//! The event-driven engine: a resident's events come from clocks, and a resident is visited
//! only in the weeks when something can happen to them.
//!
//! **Clocks.** Between visits nothing about a resident changes except through their own events,
//! so every weekly process that can touch them (death, out-migration, frailty progression,
//! isolation, entry to long-term care, a crisis, a service's GP-route referral: the [`process`]
//! list) has a weekly probability `p_k` bounded by a fixed `q_k ≥ p_k` computed from their
//! state (`bounds`; it also covers what an earlier process may change in the same week, a
//! frailty step or isolation before the crisis draw).
//!
//! * **Waits and thinning.** From week `s` a clock's next *candidate* week is `s + G`, `G`
//!   geometric with `Q = 1 − Π(1 − q_k)` over its processes (one keyed draw,
//!   [`Purpose::WaitTime`]). In a candidate week, which processes are candidates is drawn given
//!   that at least one is (each `k` in turn with `q_k / (1 − Π_{j ≥ k}(1 − q_j))` until one is
//!   chosen, then `q_k`, [`Purpose::Candidate`]), so each process is a candidate in each week
//!   with probability `q_k`, independently. A candidate process happens with `p_k / q_k`
//!   (thinning), from the same draw of the same purpose the weekly engine uses, so each process
//!   happens in each week with probability exactly `p_k`. A service's effect that lowers a
//!   probability is thinned like any other; one that raises it above the bound (harm) is drawn
//!   that week with the week's own draw ([`Agent::occurs_raised`]).
//! * **Boundaries.** Age changes the bounds, and so do the end of the 30-day readmission risk and
//!   of faster frailty after a discharge, so no wait runs past the resident's next such boundary
//!   week; at a boundary (and in the first week of the run) one gate draw per clock under the
//!   new bounds decides whether that week is a candidate week.
//! * **Two clocks, kept through visits that change nothing.** The engine's own processes and the
//!   services' referrals wait on separate clocks ([`CLOCKS`]); a clock is drawn again when its
//!   candidate week has come, or when a visit changed something its bounds depend on
//!   (`signature`) — never because the resident was visited. So a resident's events depend on
//!   their state, not on how often they are visited, and a service's referral process (which
//!   differs between scenarios) never moves their deaths, crises or care: common random numbers
//!   hold for everyone a service has not touched. Once a service changes a resident's state,
//!   their clocks are drawn afresh, so paired differences are noisier than under the weekly
//!   engine, whose draws re-align the week after (see docs/performance.md).
//!
//! **Visits.** Residents in hospital, waiting for a discharge outcome or held by a service
//! (supported, in reablement: [`crate::services::Service::holds`]) are visited every week, for
//! the services' stocks and expected effects; their events still come from their clocks.
//! Waiting lists are kept by the services between weeks, so waiting residents sleep; one a
//! service takes on is woken (`wake_started`). Everyone else sleeps until their next candidate or boundary week, booked in a
//! **calendar** (one list per week). A week visits the held residents and those booked for it,
//! merged in serial order, so every per-resident phase and every waiting list sees residents in
//! serial order.
//!
//! **Stocks and GP consultations are kept, not recounted.** A sleeper's contribution to the
//! end-of-week stocks (population, life-years, QALYs, age 65+, limiting illness, care status,
//! women 15-44) is added when they fall asleep, updated when a visit changes it, and taken away
//! when they die, leave or are held ([`SleeperStocks`]). GP consultations (about one resident in
//! ten each week, an activity count with no consequence for the resident) are one Poisson count
//! per tally cell and week from the summed probability of everyone at home at the start of the
//! week, less what social prescribing takes off for its clients and those who die or leave in
//! the week's first phase ([`GpMass`]).
//!
//! Draws stay keyed by (seed, replicate, locality, serial, week, purpose): the outcome does not
//! depend on threads or on the order of visits. [`Engine::Weekly`] draws every process of every
//! resident every week (the engine before this one), kept as the reference the tests compare
//! the event-driven engine with (`tests/engines.rs`).

use super::hospital::{weeks_since_discharge, FRAILTY_WINDOW, READMISSION_WINDOW};
use super::locality::{LocalityRun, BOOKED};
use super::stocks::{resident_stocks, RESIDENT_STOCKS as STOCKS};
use crate::model::tables::{prob, utility_index, Tables};
use crate::population::{care, flag, LocalityPop};
use crate::results::{Metric, BREAKDOWN_CELLS, LOCAL_DECILES};
use crate::rng::{Purpose, WeekDraws};
use crate::services::{Agent, Service};

/// Which engine runs the weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// Residents are visited only in weeks when something can happen (the default).
    #[default]
    Events,
    /// Every resident is visited every week (the reference for tests; slower).
    Weekly,
}

/// The weekly processes of a resident at home, by index: the engine's own, then one per
/// service in registry order (its GP-route referral).
pub mod process {
    /// Death.
    pub const DEATH: usize = 0;
    /// Out-migration.
    pub const OUT_MIGRATION: usize = 1;
    /// Frailty progression (mild or moderate to the next level).
    pub const FRAILTY: usize = 2;
    /// Isolation starting (or resolving, for the isolated).
    pub const ISOLATION: usize = 3;
    /// Community entry to a care home (65+).
    pub const CARE_HOME: usize = 4;
    /// Community entry to a home-care package (65+, no care), or, for a client with a
    /// package, its ending (the two never apply to the same resident).
    pub const PACKAGE: usize = 5;
    /// A crisis (A&E attendance).
    pub const CRISIS: usize = 6;
    /// Processes of the engine itself; services' follow.
    pub const ENGINE: usize = 7;
    /// The process of the service at `position` in the registry.
    pub const fn service(position: usize) -> usize {
        ENGINE + position
    }
    /// At most this many processes (bits of a `u64`).
    pub const MAX: usize = 64;
}

/// Fixed-point scale of summed probabilities and QALYs (exact integer sums, so the order in
/// which residents fall asleep and wake changes nothing).
const FIXED: f64 = (1u64 << 32) as f64;

/// The two clocks of a sleeping resident: the engine's own processes, and the services'
/// referrals. Each has its own waits, so a service's referral process (which differs between
/// scenarios) never moves the resident's engine events (common random numbers).
pub const CLOCKS: [std::ops::Range<usize>; 2] = [0..process::ENGINE, process::ENGINE..process::MAX];

/// The bounds `q_k` of resident `ag` (after any birthday this week) into `q`, valid from week
/// `w` until the resident's next boundary week ([`Sleep::boundary`]), from the state that is
/// fixed between visits. A bound covers the changes an earlier process may make in the same
/// week.
pub(crate) fn bounds(run: &LocalityRun<'_>, pop: &LocalityPop, ag: &Agent, w: usize, q: &mut [f64]) {
    let t = &run.setup.tables;
    let i = ag.i;
    let a = usize::from(ag.age);
    let fr = ag.frailty;
    let isolated = ag.flags & flag::ISOLATED != 0;
    let at_home = pop.care[i];
    let since = weeks_since_discharge(pop, i, w);
    // The calendar's largest mortality multiplier from this week on, so the bound holds in any
    // later week; a care-home resident's hazard ratio (care status is fixed between visits).
    q[process::DEATH] = super::seasons::scale_probability(
        run.norms.death_probability(ag.male, a, ag.decile, fr, ag.conditions),
        run.setup.seasons.mortality_max_from.get(w).copied().unwrap_or(1.0) * t.death_hr(at_home),
    );
    q[process::OUT_MIGRATION] = if at_home == care::CARE_HOME {
        0.0
    } else {
        t.out_migration[a]
    };
    let hr = if since <= FRAILTY_WINDOW {
        t.frailty_post_admission
    } else {
        1.0
    };
    q[process::FRAILTY] = if fr > 0 && fr < 3 {
        prob(t.frailty_progress[fr - 1] * hr)
    } else {
        0.0
    };
    q[process::ISOLATION] = if isolated {
        prob(t.isolation_resolve)
    } else {
        prob(t.isolation_onset[a])
    };
    let older = ag.age >= 65 && at_home != care::CARE_HOME;
    q[process::CARE_HOME] = if older { prob(t.community_care_home[fr]) } else { 0.0 };
    q[process::PACKAGE] = if older && at_home == care::NONE {
        prob(t.community_package[fr])
    } else if at_home == care::HOME_CARE {
        t.package_end
    } else {
        0.0
    };
    // The crisis comes after this week's frailty step and isolation onset.
    let q5 = usize::from((ag.decile - 1) / 2);
    let mut h = 0.0f64;
    let frailties = if fr > 0 && fr < 3 { [fr, fr + 1] } else { [fr, fr] };
    for f in frailties {
        for iso in [isolated, true] {
            h = h.max(run.norms.crisis_hazard(a, q5, f, ag.conditions, iso));
        }
    }
    if since <= READMISSION_WINDOW {
        h *= t.readmission_hr;
    }
    // The calendar's largest multiplier over the run, so the bound holds in any week.
    h *= run.setup.seasons.crisis_max[usize::from(ag.age >= 65)];
    q[process::CRISIS] = prob(h);
    let mut k = process::ENGINE;
    crate::each_service_ref!(run.svc, s => {
        q[k] = s.referral_bound(pop, ag, t);
        k += 1;
    });
}

/// `1 − Π(1 − q_k)`: the chance that any process is a candidate in a week.
pub(crate) fn any(q: &[f64]) -> f64 {
    1.0 - q.iter().fold(1.0, |acc, &x| acc * (1.0 - x))
}

/// Which of processes `offset..offset + q.len()` are candidates this week, given that at
/// least one is (bit k = process k).
pub(crate) fn candidates(q: &[f64], offset: usize, d: &WeekDraws) -> u64 {
    // suffix[k] = Π_{j ≥ k}(1 − q_j)
    let mut suffix = [1.0f64; process::MAX + 1];
    for k in (0..q.len()).rev() {
        suffix[k] = suffix[k + 1] * (1.0 - q[k]);
    }
    let mut cand = 0u64;
    let mut last = None;
    for (k, &qk) in q.iter().enumerate() {
        if qk <= 0.0 {
            continue;
        }
        last = Some(k);
        let p = if cand == 0 { qk / (1.0 - suffix[k]) } else { qk };
        if d.uniform_at(Purpose::Candidate, (offset + k) as u32) < p {
            cand |= 1 << (offset + k);
        }
    }
    if cand == 0 {
        // Rounding left the last possible process just short of certainty.
        if let Some(k) = last {
            cand |= 1 << (offset + k);
        }
    }
    cand
}

/// The week of a geometric wait from week `s` with weekly chance `big_q` (`None`: never).
pub(crate) fn wait(s: usize, big_q: f64, u: f64) -> Option<usize> {
    if big_q <= 0.0 {
        return None;
    }
    if big_q >= 1.0 {
        return Some(s);
    }
    let g = ((1.0 - u).ln() / (1.0 - big_q).ln()).floor();
    if g.is_finite() && g < 1e7 {
        Some(s + g as usize)
    } else {
        None
    }
}

/// What identifies a resident's bounds: age, frailty, conditions, flags, care, last discharge.
pub(crate) fn signature(pop: &LocalityPop, i: usize) -> u64 {
    u64::from(pop.age[i])
        | u64::from(pop.frailty[i]) << 8
        | u64::from(pop.conditions[i]) << 16
        | u64::from(pop.flags[i] & !flag::IN_HOSPITAL) << 24
        | u64::from(pop.care[i]) << 32
        | u64::from(pop.discharged_week[i]) << 40
}

/// No week.
const NONE: u16 = crate::population::NEVER;
/// Not in the GP mass.
const NO_GP: u32 = u32::MAX;

/// The sleeping residents of one locality: the calendar, each resident's clocks, and the
/// sleepers' stocks.
#[derive(Debug, Clone)]
pub struct Sleep {
    /// Residents booked for a visit, per week (stale entries are skipped).
    calendar: Vec<Vec<u32>>,
    /// Per resident: the next candidate week of each clock ([`NONE`] = none before the next
    /// boundary).
    next: Vec<[u16; 2]>,
    /// Per resident: the week they are booked for ([`NONE`] = visited every week, or gone).
    booked: Vec<u16>,
    /// Per resident: their cell and age in the GP mass ([`NO_GP`] = not in it).
    gp_key: Vec<u32>,
    /// Signature of each of this week's visits, before it (in visit order).
    signatures: Vec<u64>,
    /// Signature of each of this week's visits after its birthday, and its clocks' chances then
    /// when they were computed (reused at booking when nothing changed since).
    woke: Vec<(u64, Option<[f64; 2]>)>,
    /// The sleepers' stocks.
    pub stocks: SleeperStocks,
    /// Everyone's GP consultations.
    pub gp: GpMass,
}

impl Sleep {
    /// Nobody asleep, for a run of `weeks` weeks with room for `capacity` residents.
    pub fn new(weeks: usize, capacity: usize) -> Sleep {
        Sleep {
            calendar: vec![Vec::new(); weeks],
            next: Vec::with_capacity(capacity),
            booked: Vec::with_capacity(capacity),
            gp_key: Vec::with_capacity(capacity),
            signatures: Vec::new(),
            woke: Vec::new(),
            stocks: SleeperStocks::new(crate::results::LIFE_CELLS / 2),
            gp: GpMass::new(),
        }
    }

    /// The signature before visit `k` of this week.
    #[inline]
    pub fn signature_before(&self, k: usize) -> u64 {
        self.signatures[k]
    }

    /// Resident `i`'s key in the GP count.
    #[inline]
    pub fn gp_key(&self, i: usize) -> u32 {
        self.gp_key[i]
    }

    /// Before the first week of the event-driven engine: everyone alive (at home) in the GP
    /// count. Everyone is visited in the first week (a boundary), which books them.
    pub fn start(&mut self, tal: &super::tally::LocalityTally, t: &Tables, pop: &LocalityPop) {
        for i in 0..pop.len() {
            if pop.flags[i] & flag::ALIVE != 0 && pop.flags[i] & flag::IN_HOSPITAL == 0 {
                let key = self.gp.key(tal, pop, i);
                self.gp.add(key, t);
                self.gp_key[i] = key;
            }
        }
    }

    /// Grows the per-resident columns to `agents`.
    pub fn fit(&mut self, agents: usize) {
        self.next.resize(agents, [NONE; 2]);
        self.booked.resize(agents, NONE);
        self.gp_key.resize(agents, NO_GP);
    }

    /// Whether week `w` is a boundary for resident `i`: the first week of the run (no clock
    /// is drawn yet), their birthday week, or the end of the readmission or post-discharge
    /// frailty window (their bounds change).
    pub fn is_boundary(run: &LocalityRun<'_>, pop: &LocalityPop, i: usize, w: usize) -> bool {
        let since = weeks_since_discharge(pop, i, w);
        w == 0
            || pop.birthday_week[i] == run.setup.week_of_year[w]
            || since == READMISSION_WINDOW + 1
            || since == FRAILTY_WINDOW + 1
    }

    /// The first boundary week of resident `i` on or after week `s`.
    fn boundary(run: &LocalityRun<'_>, pop: &LocalityPop, i: usize, s: usize) -> usize {
        let mut b = run.setup.next_birthday_week(s, pop.birthday_week[i]);
        if pop.discharged_week[i] != NONE {
            let d = usize::from(pop.discharged_week[i]);
            for end in [d + READMISSION_WINDOW + 1, d + FRAILTY_WINDOW + 1] {
                if end >= s {
                    b = b.min(end);
                    break;
                }
            }
        }
        b
    }
}

/// Gathers week `w`'s visits into `run.visit`: the residents visited every week and those
/// booked for this week, merged in serial order, with each visit's signature before it; under
/// [`Engine::Weekly`], every resident alive.
pub(crate) fn gather(run: &mut LocalityRun<'_>, pop: &LocalityPop, w: usize) {
    run.visit.clear();
    if run.engine == Engine::Weekly {
        run.visit
            .extend((0..pop.len() as u32).filter(|&i| pop.flags[i as usize] & flag::ALIVE != 0));
        return;
    }
    let mut booked = std::mem::take(&mut run.sleep.calendar[w]);
    booked.sort_unstable();
    booked.dedup();
    booked.retain(|&i| usize::from(run.sleep.booked[i as usize]) == w);
    let hot = std::mem::take(&mut run.hot);
    let (mut a, mut b) = (0, 0);
    while a < hot.len() || b < booked.len() {
        if b == booked.len() || (a < hot.len() && hot[a] < booked[b]) {
            run.visit.push(hot[a]);
            a += 1;
        } else {
            run.visit.push(booked[b] | BOOKED);
            b += 1;
        }
    }
    run.hot = hot;
    run.hot.clear();
    run.sleep.signatures.clear();
    run.sleep.woke.clear();
    for &v in &run.visit {
        run.sleep.signatures.push(signature(pop, (v & !BOOKED) as usize));
    }
}

/// Phase 1 (after any birthday), for every resident visited under the event-driven engine,
/// held or woken: which of their processes are candidates this week. On a boundary week one
/// gate draw per clock under the new bounds decides whether the week is a candidate week for
/// it; otherwise a clock whose candidate week this is has at least one candidate.
pub(crate) fn wake(run: &mut LocalityRun<'_>, pop: &LocalityPop, ag: &mut Agent) {
    let w = run.wk.w;
    let i = ag.i;
    let boundary = Sleep::is_boundary(run, pop, i, w);
    let next = run.sleep.next[i];
    let due = boundary || usize::from(next[0]) == w || usize::from(next[1]) == w;
    let sig = signature(pop, i);
    if !due {
        ag.cand = 0;
        run.sleep.woke.push((sig, None));
        return;
    }
    let mut q = std::mem::take(&mut run.q);
    bounds(run, pop, ag, w, &mut q);
    let mut cand = 0;
    for (c, range) in CLOCKS.iter().enumerate() {
        let qc = &q[range.start..range.end.min(q.len())];
        let fires = if boundary {
            ag.d.uniform_at(Purpose::WaitTime, 2 * c as u32 + 1) < any(qc)
        } else {
            usize::from(next[c]) == w
        };
        if fires {
            cand |= candidates(qc, range.start, &ag.d);
        }
    }
    ag.cand = cand;
    ag.q.copy_from_slice(&q[..process::ENGINE]);
    run.sleep.woke.push((sig, Some(clock_chances(&q))));
    run.q = q;
}

/// Phase 9, before the week's stocks are counted, for resident `i` woken from the calendar
/// (`before`: their signature before the visit): their stocks stay in the sleepers' count,
/// updated to their end-of-week state, unless a service holds them now, they are in hospital
/// or waiting for a discharge outcome (then they are counted one by one, as everyone visited
/// every week is). Returns whether their stocks are in the sleepers' count.
pub(crate) fn settle(run: &mut LocalityRun<'_>, pop: &LocalityPop, i: usize, before: u64) -> bool {
    let t = &run.setup.tables;
    let was = Contribution::of(&run.tal, t, pop, i, before);
    if pop.flags[i] & flag::ALIVE == 0 {
        run.sleep.stocks.apply(&was, false);
        return true;
    }
    if run.must_visit(pop, i, run.wk.w16) {
        run.sleep.stocks.apply(&was, false);
        return false;
    }
    let now = signature(pop, i);
    if now != before {
        run.sleep.stocks.apply(&was, false);
        let c = Contribution::of(&run.tal, t, pop, i, now);
        run.sleep.stocks.apply(&c, true);
    }
    true
}

/// Phase 9, before the sleepers' stocks are tallied: a resident a service took on this week
/// while asleep in the calendar is now held by it. Their stocks leave the sleepers' count and
/// are counted one by one, as a visit's would be; [`schedule_started`] then keeps their clocks
/// and visits them every week from the next. Leaves in `run.started` those woken, in serial
/// order, each with their signature before the first start.
pub(crate) fn wake_started(run: &mut LocalityRun<'_>, pop: &LocalityPop, visit: &[u32]) {
    let mut started = std::mem::take(&mut run.started);
    started.sort_unstable_by_key(|&(i, order, _)| (i, order));
    started.dedup_by_key(|s| s.0);
    started.retain(|&(i, _, _)| {
        pop.flags[i as usize] & flag::ALIVE != 0
            && visit
                .binary_search_by_key(&i, |&v| v & !super::locality::BOOKED)
                .is_err()
    });
    for &(i, _, before) in &started {
        let kept = settle(run, pop, i as usize, before);
        debug_assert!(!kept, "a service holds a resident it has just taken on");
        super::stocks::count(run, pop, i as usize);
    }
    run.started = started;
}

/// Phase 9, after [`schedule_all`]: those [`wake_started`] woke keep the clocks they slept
/// with (drawn again only if the start changed their signature, as after a visit) and are
/// visited every week from the next.
pub(crate) fn schedule_started(run: &mut LocalityRun<'_>, pop: &LocalityPop) {
    let w = run.wk.w;
    let started = std::mem::take(&mut run.started);
    for &(i, _, before) in &started {
        schedule(run, pop, i as usize, w, Seen::Started(before), false);
    }
    if !started.is_empty() {
        run.hot.sort_unstable();
    }
    run.started = started;
}

/// How a resident came to be scheduled after a week.
#[derive(Debug, Clone, Copy)]
enum Seen {
    /// A newcomer: no clocks yet.
    New,
    /// Visit `k` of the week.
    Visit(usize),
    /// Asleep, and taken on by a service this week; their signature before the start.
    Started(u64),
}

/// Phase 9, after the week's stocks are counted: every resident visited this week (and every
/// newcomer) keeps their clocks up to date and is either visited every week from the next, or
/// sleeps and is booked. `in_sleepers[k]`: whether visit `k`'s stocks are in the sleepers'
/// count.
pub(crate) fn schedule_all(run: &mut LocalityRun<'_>, pop: &LocalityPop, visit: &[u32], in_sleepers: &[bool]) {
    let w = run.wk.w;
    for (k, (&v, &kept)) in visit.iter().zip(in_sleepers).enumerate() {
        schedule(run, pop, (v & !BOOKED) as usize, w, Seen::Visit(k), kept);
    }
    for i in run.first_newcomer..pop.len() {
        schedule(run, pop, i, w, Seen::New, false);
    }
}

/// Resident `i` after week `w` (`seen`: how they came to be scheduled; `kept`: their stocks
/// are in the sleepers' count).
///
/// * The GP count holds everyone alive and not in hospital, in their cell and at their age.
/// * The clocks: a clock whose candidate week has come is drawn again from the next week; both
///   are, when the visit changed anything the bounds depend on or was at a boundary. A clock
///   keeps its booking through a visit that changed nothing, so a resident's events do not
///   depend on how often they are visited (whether a service holds them) — only on their
///   state, which is what keeps common random numbers between scenarios.
/// * Inpatients, those waiting for a discharge outcome and those a service holds are visited
///   every week; everyone else sleeps: their stocks join the sleepers', and they are booked for
///   the first of their clocks' candidate weeks and their next boundary week.
fn schedule(run: &mut LocalityRun<'_>, pop: &LocalityPop, i: usize, w: usize, seen: Seen, kept: bool) {
    let next = w + 1;
    let alive = pop.flags[i] & flag::ALIVE != 0;
    let weekly = run.engine == Engine::Weekly;
    if weekly {
        // Everyone alive is visited next week anyway.
        return;
    }
    let at_home = alive && pop.flags[i] & flag::IN_HOSPITAL == 0;
    let key = if at_home {
        run.sleep.gp.key(&run.tal, pop, i)
    } else {
        NO_GP
    };
    if run.sleep.gp_key[i] != key {
        run.sleep.gp.remove(run.sleep.gp_key[i], &run.setup.tables);
        run.sleep.gp.add(key, &run.setup.tables);
        run.sleep.gp_key[i] = key;
    }
    run.sleep.booked[i] = NONE;
    if !alive {
        return;
    }
    let w16 = next.min(usize::from(NONE) - 1) as u16;
    let held = run.must_visit(pop, i, w16);
    let now = signature(pop, i);
    if held {
        if kept {
            let c = Contribution::of(&run.tal, &run.setup.tables, pop, i, now);
            run.sleep.stocks.apply(&c, false);
        }
        run.hot.push(i as u32);
    } else if !kept {
        let c = Contribution::of(&run.tal, &run.setup.tables, pop, i, now);
        run.sleep.stocks.apply(&c, true);
    }
    let weeks = run.setup.sim_calendar.weeks;
    let boundary = Sleep::boundary(run, pop, i, next);
    let mut clocks = run.sleep.next[i];
    if next >= weeks || boundary == next {
        // Nothing to draw: the run ends, or the next week is a boundary (with its own gates).
        clocks = [NONE; 2];
    } else {
        let unchanged = |before: u64| {
            if before != now || Sleep::is_boundary(run, pop, i, w) {
                [true, true]
            } else {
                [usize::from(clocks[0]) <= w, usize::from(clocks[1]) <= w]
            }
        };
        let (redraw, cached) = match seen {
            Seen::New => ([true, true], None),
            Seen::Visit(k) => {
                let (after, big_q) = run.sleep.woke.get(k).copied().unwrap_or((now, None));
                (unchanged(run.sleep.signatures[k]), big_q.filter(|_| after == now))
            }
            Seen::Started(before) => (unchanged(before), None),
        };
        if redraw[0] || redraw[1] {
            let big_q = cached.unwrap_or_else(|| {
                let ag = Agent::at(pop, i, run.streams[i].week(next as u32), &run.tal);
                let mut q = std::mem::take(&mut run.q);
                bounds(run, pop, &ag, next, &mut q);
                let big_q = clock_chances(&q);
                run.q = q;
                big_q
            });
            let d = run.streams[i].week(next as u32);
            for c in 0..2 {
                if redraw[c] {
                    let u = d.uniform_at(Purpose::WaitTime, 2 * c as u32);
                    clocks[c] = match wait(next, big_q[c], u) {
                        Some(at) if at < boundary && at < weeks => at as u16,
                        _ => NONE,
                    };
                }
            }
        }
    }
    run.sleep.next[i] = clocks;
    if !held {
        let at = usize::from(clocks[0]).min(usize::from(clocks[1])).min(boundary);
        book(run, i, at);
    }
}

/// Books resident `i` for week `at` (none when it is past the run).
fn book(run: &mut LocalityRun<'_>, i: usize, at: usize) {
    if at < run.setup.sim_calendar.weeks {
        run.sleep.booked[i] = at as u16;
        run.sleep.calendar[at].push(i as u32);
    } else {
        run.sleep.booked[i] = NONE;
    }
}

/// Each clock's chance of a candidate week (`1 − Π(1 − q_k)` over its processes).
fn clock_chances(q: &[f64]) -> [f64; 2] {
    let e = &q[CLOCKS[0].clone()];
    let s = &q[CLOCKS[1].start..q.len()];
    [any(e), any(s)]
}

/// What a sleeper adds to the stocks: cell, stock counts, life-table cell, QALYs, women 15-44.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Contribution {
    joint: usize,
    decile: usize,
    x: [u32; STOCKS.len()],
    life: usize,
    qaly: u64,
    woman: u32,
}

impl Contribution {
    /// Resident `i` in the state of signature `sig` (their place, deprivation and arrival are
    /// fixed).
    fn of(tal: &super::tally::LocalityTally, t: &Tables, pop: &LocalityPop, i: usize, sig: u64) -> Contribution {
        let age = sig as u8;
        let fr = (sig >> 8) as u8;
        let conditions = (sig >> 16) as u8;
        let flags = (sig >> 24) as u8;
        let care_status = (sig >> 32) as u8;
        let male = flags & flag::MALE != 0;
        let nc = conditions.count_ones();
        let cell = tal.cell_as(pop, i, age, male);
        let x = resident_stocks(age, fr, nc, care_status);
        let qaly = if pop.moved_in[i] {
            0
        } else {
            (t.qaly_week[utility_index(male, age, fr, nc)] * FIXED).round().max(0.0) as u64
        };
        Contribution {
            joint: cell.breakdown() * LOCAL_DECILES + cell.decile,
            decile: cell.decile,
            x,
            life: tal.life_index_as(pop, i, age, male),
            qaly,
            woman: u32::from(!male && (15..=44).contains(&age)),
        }
    }
}

/// The sleepers' stocks: what every resident asleep this week adds to the end-of-week tallies,
/// kept as exact integer sums (their GP consultations are in [`GpMass`], with everyone's).
#[derive(Debug, Clone)]
pub struct SleeperStocks {
    /// `[breakdown cell × local decile][STOCKS]` counts.
    counts: Vec<[u32; STOCKS.len()]>,
    /// `[life-table cell]` residents (person-weeks per week).
    life: Vec<u32>,
    /// `[local decile]` summed weekly QALYs of the closed cohort (fixed point).
    qalys: Vec<u64>,
    /// Women aged 15-44 asleep (for births).
    pub women_15_44: u32,
    /// Residents asleep.
    pub residents: u32,
}

impl SleeperStocks {
    /// Empty, for a locality's tallies.
    pub fn new(life_cells: usize) -> SleeperStocks {
        SleeperStocks {
            counts: vec![[0; STOCKS.len()]; BREAKDOWN_CELLS * LOCAL_DECILES],
            life: vec![0; life_cells],
            qalys: vec![0; LOCAL_DECILES],
            women_15_44: 0,
            residents: 0,
        }
    }

    /// Adds (`add`) or takes away a sleeper's contribution.
    pub(crate) fn apply(&mut self, c: &Contribution, add: bool) {
        let counts = &mut self.counts[c.joint];
        if add {
            for (n, x) in counts.iter_mut().zip(c.x) {
                *n += x;
            }
            self.life[c.life] += 1;
            self.qalys[c.decile] += c.qaly;
            self.women_15_44 += c.woman;
            self.residents += 1;
        } else {
            for (n, x) in counts.iter_mut().zip(c.x) {
                *n -= x;
            }
            self.life[c.life] -= 1;
            self.qalys[c.decile] -= c.qaly;
            self.women_15_44 -= c.woman;
            self.residents -= 1;
        }
    }

    /// Adds the sleepers' stocks to this week's tallies.
    pub fn tally(&self, tal: &mut super::tally::LocalityTally) {
        for (joint, c) in self.counts.iter().enumerate() {
            if c[0] > 0 {
                let cell = super::tally::Cell::new(joint / LOCAL_DECILES, joint % LOCAL_DECILES);
                for (m, &n) in STOCKS.iter().zip(c) {
                    if n > 0 {
                        tal.add(cell, *m, n);
                    }
                }
            }
        }
        for (k, &n) in self.life.iter().enumerate() {
            if n > 0 {
                tal.add_life_weeks(k, n);
            }
        }
        for (dec, &q) in self.qalys.iter().enumerate() {
            if q > 0 {
                tal.qaly(dec, q as f64 / FIXED);
            }
        }
    }
}

/// GP consultations under the event-driven engine: one Poisson count per tally cell and week
/// from the summed weekly probability of everyone at home in the cell (at the start of the
/// week), less what the week's services take off for the residents they support.
#[derive(Debug, Clone)]
pub struct GpMass {
    /// `[breakdown cell × local decile]` summed weekly probability (fixed point).
    mass: Vec<u64>,
    /// `[breakdown cell × local decile]` this week's reduction by services (fixed point).
    less: Vec<u64>,
}

impl GpMass {
    fn new() -> GpMass {
        GpMass {
            mass: vec![0; BREAKDOWN_CELLS * LOCAL_DECILES],
            less: vec![0; BREAKDOWN_CELLS * LOCAL_DECILES],
        }
    }

    /// Resident `i`'s key: their cell and age.
    pub fn key(&self, tal: &super::tally::LocalityTally, pop: &LocalityPop, i: usize) -> u32 {
        let cell = tal.cell(pop, i);
        ((cell.breakdown() * LOCAL_DECILES + cell.decile) as u32) << 8 | u32::from(pop.age[i])
    }

    /// Adds a resident with key `key` (`NO_GP`: nobody).
    pub fn add(&mut self, key: u32, t: &Tables) {
        if key != NO_GP {
            self.mass[(key >> 8) as usize] += gp_fixed(t, key);
        }
    }

    /// Takes away a resident with key `key` (`NO_GP`: nobody).
    pub fn remove(&mut self, key: u32, t: &Tables) {
        if key != NO_GP {
            self.mass[(key >> 8) as usize] -= gp_fixed(t, key);
        }
    }

    /// This week, resident with key `key` consults with `factor` × the usual probability.
    pub fn reduce(&mut self, key: u32, t: &Tables, factor: f64) {
        if key != NO_GP && factor < 1.0 {
            let x = (t.gp[(key & 0xFF) as usize] * (1.0 - factor.max(0.0)) * FIXED).round() as u64;
            let j = (key >> 8) as usize;
            self.less[j] = (self.less[j] + x).min(self.mass[j]);
        }
    }

    /// The week's GP consultations, one Poisson count per cell from `d` (the locality's draws
    /// this week); clears the week's reductions.
    pub fn tally(&mut self, tal: &mut super::tally::LocalityTally, d: &WeekDraws) {
        for (joint, (&m, less)) in self.mass.iter().zip(self.less.iter_mut()).enumerate() {
            let lambda = m.saturating_sub(*less) as f64 / FIXED;
            *less = 0;
            if lambda > 0.0 {
                let n = d.poisson_at(Purpose::GpConsultation, joint as u32, lambda);
                if n > 0 {
                    let cell = super::tally::Cell::new(joint / LOCAL_DECILES, joint % LOCAL_DECILES);
                    tal.add(cell, Metric::GpConsultations, n);
                }
            }
        }
    }
}

/// The weekly GP-consultation probability at the age in GP key `key`, in fixed point.
fn gp_fixed(t: &Tables, key: u32) -> u64 {
    (t.gp[(key & 0xFF) as usize] * FIXED).round() as u64
}

/// Recounts the sleepers' stocks and the GP count from the residents (for tests): an error
/// names the first that differs.
#[cfg(test)]
pub(crate) fn check(run: &LocalityRun<'_>, pop: &LocalityPop) -> Result<(), String> {
    let t = &run.setup.tables;
    let mut stocks = SleeperStocks::new(crate::results::LIFE_CELLS / 2);
    let mut gp = GpMass::new();
    let w16 = (run.wk.w + 1).min(usize::from(NONE) - 1) as u16;
    for i in 0..pop.len() {
        let f = pop.flags[i];
        if f & flag::ALIVE == 0 {
            continue;
        }
        if f & flag::IN_HOSPITAL == 0 {
            gp.add(gp.key(&run.tal, pop, i), t);
        }
        let held = run.must_visit(pop, i, w16);
        if held != run.hot.contains(&(i as u32)) {
            return Err(format!("resident {i}: held {held} but on the weekly list {}", !held));
        }
        if !held {
            stocks.apply(&Contribution::of(&run.tal, t, pop, i, signature(pop, i)), true);
            if usize::from(run.sleep.booked[i]) <= run.wk.w {
                return Err(format!(
                    "sleeper {i} booked for week {} (now {})",
                    run.sleep.booked[i], run.wk.w
                ));
            }
        }
    }
    let s = &run.sleep.stocks;
    if stocks.counts != s.counts || stocks.life != s.life || stocks.qalys != s.qalys {
        return Err("the sleepers' stocks differ from a recount".into());
    }
    if (stocks.women_15_44, stocks.residents) != (s.women_15_44, s.residents) {
        return Err(format!(
            "women 15-44 / residents asleep: kept {} / {}, recounted {} / {}",
            s.women_15_44, s.residents, stocks.women_15_44, stocks.residents
        ));
    }
    if gp.mass != run.sleep.gp.mass {
        return Err("the GP count differs from a recount".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ReplicateKey;

    /// Candidates drawn given that at least one process is a candidate, weighted by the chance
    /// of that (`any`), give each process its own chance `q_k` and independence between them.
    #[test]
    fn candidate_sets_have_the_marginal_and_joint_chances_of_independent_processes() {
        let q = [0.3, 0.0, 0.05, 0.5, 0.2];
        let big_q = any(&q);
        let n = 200_000u32;
        let key = ReplicateKey::new(3, 0);
        let mut hits = [0u32; 5];
        let mut both = 0u32;
        for i in 0..n {
            let d = key.agent(0, i).week(0);
            let c = candidates(&q, 0, &d);
            assert_ne!(c, 0);
            for (k, h) in hits.iter_mut().enumerate() {
                *h += (c >> k & 1) as u32;
            }
            both += u32::from(c & 0b1001 == 0b1001);
        }
        for k in 0..5 {
            let est = f64::from(hits[k]) / f64::from(n) * big_q;
            assert!((est - q[k]).abs() < 0.006, "process {k}: {est} against {}", q[k]);
        }
        assert_eq!(hits[1], 0);
        let joint = f64::from(both) / f64::from(n) * big_q;
        assert!((joint - 0.15).abs() < 0.006, "joint {joint}");
    }

    /// The geometric wait's mean is (1 − Q)/Q weeks, and certainty is a wait of zero.
    #[test]
    fn waits_are_geometric() {
        assert_eq!(wait(5, 1.0, 0.7), Some(5));
        assert_eq!(wait(5, 0.0, 0.7), None);
        let key = ReplicateKey::new(1, 0);
        let n = 100_000u32;
        let total: usize = (0..n)
            .map(|i| wait(0, 0.1, key.agent(0, i).week(0).uniform(Purpose::WaitTime)).unwrap_or(0))
            .sum();
        let mean = total as f64 / f64::from(n);
        assert!((mean - 9.0).abs() < 0.15, "mean wait {mean}");
    }
}
