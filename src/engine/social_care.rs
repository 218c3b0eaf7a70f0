//! Social care: residents 65+ at home entering a long-term home-care package or a care home
//! from the community, and the discharges from hospital and the ends of reablement that wait
//! for those placements. Block contracts give the weekly capacity; beyond it the council
//! spot-purchases a share of the remaining queue.

use super::events::process;
use super::hospital::discharge;
use super::locality::LocalityRun;
use super::phases::Next;
use super::shadow::{round_stochastically, Queue, Vacancies};
use super::tally::Cell;
use crate::model::tables::prob;
use crate::population::{care, flag, need, LocalityPop, NEVER};
use crate::results::Metric;
use crate::rng::{Purpose, WeekDraws};
use crate::services::{Agent, Service};
use std::cmp::Reverse;

/// Phase 4 (residents at home): reablement episodes progress, and residents 65+ not in a
/// care home may need a care home or (without care) a home-care package; the entries are
/// proposed now and placed at allocation.
#[inline(always)]
pub fn community_needs(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, ag: &mut Agent) -> Next {
    if !ag.busy(1 << process::CARE_HOME | 1 << process::PACKAGE) {
        return Next::Continue;
    }
    let i = ag.i;
    let wk = run.wk;
    crate::each_service!(run.svc, s => s.progress_at_home(&wk, i));
    let t = &run.setup.tables;
    let pop = &*pop;
    if ag.age >= 65 && pop.care[i] != care::CARE_HOME {
        let fr = ag.frailty;
        let factor = run.svc.care_home_factor(&wk, i);
        let home = prob(t.community_care_home[fr] * factor);
        if ag.occurs_raised(process::CARE_HOME, home, factor > 1.0, || {
            ag.d.uniform(Purpose::CommunityCareHome)
        }) {
            run.community_care_home.push(i as u32);
            return Next::Continue;
        }
        if pop.care[i] == care::NONE {
            let protect = run.svc.home_care_factor(&wk, i);
            let p = prob(t.community_package[fr] * protect);
            if ag.occurs_raised(process::PACKAGE, p, protect > 1.0, || {
                ag.d.uniform(Purpose::CommunityCarePackage)
            }) {
                run.community_package.push(i as u32);
            }
            return Next::Continue;
        }
    }
    if pop.care[i] == care::HOME_CARE
        && ag.occurs(process::PACKAGE, t.package_end, || {
            ag.d.uniform(Purpose::CommunityCarePackage)
        })
    {
        // A package ends (needs fall, a carer takes over, self-funding): ended at allocation,
        // after which the client is at home without care and may need a package again.
        run.package_ends.push(i as u32);
    }
    Next::Continue
}

/// Resident `i`, who was to join the package or the care-home queue (or had joined it), now
/// will not, having died or been admitted during reablement: taken off the queue's expected
/// arrivals, which counted the chance at admission (`expected_arrivals`) or at the start of
/// reablement (LIFE's `expected_needs`). Without it the shadow's queue behind the discharges
/// was fed about 30% too many arrivals.
pub(crate) fn forgo_arrival(run: &mut LocalityRun<'_>, i: usize, need_code: u8) {
    if !run.shadows[1].active() {
        return;
    }
    let k = match need_code {
        need::CARE_PACKAGE => 1,
        need::CARE_HOME => 2,
        _ => return,
    };
    if run.svc.life.until[i] != NEVER {
        run.svc.life.expected_needs[k] -= 1.0;
    } else {
        run.expected_arrivals[k] -= 1.0;
    }
}

/// Reablement clients in `blocked` whose outcome needs `code` (a package or a care home).
fn blocked_needing(pop: &LocalityPop, blocked: &[u32], code: u8) -> usize {
    blocked.iter().filter(|&&i| pop.need[i as usize] == code).count()
}

/// Phase 7, first: reablement episodes ending with no further need free their places;
/// hospital discharges, longest-waiting first, to reablement, packages and care homes
/// (unplaced patients accrue delayed bed days); then reablement episodes waiting for a
/// package or a care home. Below scale 1 each of the three capacities is shared with the
/// unsampled residents' shadow ([`super::shadow`]).
pub fn discharges(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    reablement_endings(run, pop);
    spot_purchase(run, pop);
    for k in 0..3 {
        discharge_queue(run, pop, k);
    }
    reablement_outcomes(run, pop);
    for k in 1..3 {
        let sh = &mut run.sharing[k];
        sh.used = run.queues[k].used;
        sh.shadow_used = run.shadows[k].take_waiting(run.queues[k].left());
    }
}

/// This week's block-contract places of the package (`k` 1) or care-home (2) queue.
fn block_places(run: &LocalityRun<'_>, k: usize) -> u32 {
    let sch = &run.setup.schedule;
    if k == 1 {
        sch.package_starts[run.wk.at]
    } else {
        sch.care_home_places[run.wk.at]
    }
}

/// The locality's draws this week (the shadows and spot purchases).
fn locality_draws(run: &LocalityRun<'_>) -> WeekDraws {
    run.key.locality(run.wk.l as u8).week(run.wk.w as u32)
}

/// Resident `i`'s draw this week for its turn among the shadow's residents: `index` 0 for
/// LIFE reablement, 1 and 3 for the package and care-home queues, 2 for community entries.
fn share_draw(run: &LocalityRun<'_>, i: usize, index: u32) -> f64 {
    run.streams[i]
        .week(run.wk.w as u32)
        .uniform_at(Purpose::ShadowShare, index)
}

/// Reablement episodes ending with no further need free their places first; the others wait
/// for a package or a care home (`blocked`). Sets the reablement places free this week: what
/// neither the sampled residents nor the shadow hold, shared with the shadow's arrivals.
fn reablement_endings(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    let completions = std::mem::take(&mut run.svc.life.completions);
    for &i in &completions {
        let i = i as usize;
        if pop.need[i] == need::HOME || pop.need[i] == need::ACUTE {
            run.svc
                .life
                .end_episode(pop, i, &mut run.tal, Metric::ReablementNoPackage);
        } else {
            run.blocked.push(i as u32);
        }
    }
    run.svc.life.completions = completions;
    let held = run.svc.life.caseload + run.blocked.len() as u32;
    let places = run.svc.life.places(&run.wk);
    let d = locality_draws(run);
    let shadow = &mut run.shadows[0];
    shadow.arrive(&d, 0, run.alive as f64);
    let sh = &mut run.sharing[0];
    sh.ended = sh.after.saturating_sub(held);
    sh.held = held;
    sh.total = places.saturating_sub(held + shadow.holding);
    sh.tried = run.waiters[0].len() as u32;
    run.reablement_free = Vacancies::new(sh.total, shadow.trying);
}

/// Phase 7, after the services' diversions: the shadow takes the reablement places the
/// sampled residents left, and their week is folded into the shadow's rates.
pub fn reablement_shared(run: &mut LocalityRun<'_>) {
    let sh = &mut run.sharing[0];
    let wanting = run.svc.life.wanting;
    sh.used = run.reablement_free.used;
    sh.shadow_used = run.shadows[0].take(run.reablement_free.left(), true);
    sh.tried += wanting;
    sh.after = sh.held + sh.used;
    // Only weeks in which LIFE operates count towards its rates: a rate smoothed over years
    // would otherwise start near zero and take years to catch up with the service.
    if run.setup.schedule.life_active[run.wk.w] {
        run.shadows[0].observe([0.0; 2], sh.tried, sh.held, sh.ended, run.alive as f64);
    }
}

/// The places this week of the package and care-home queues: the block contract and, beyond
/// it, the council spot-purchases a share of the remaining queue (hospital discharges and
/// ended reablement episodes, sampled and shadow). The spot share of the excess is rounded
/// stochastically (`floor(x + u)`, one keyed draw per locality, week and kind), so that the
/// places bought average exactly `share × excess`: a floor would never buy for a locality
/// fewer than 1 ÷ share people over capacity.
fn spot_purchase(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    let spot = run.setup.scenario.services.social_care.spot_purchase_share;
    let d = locality_draws(run);
    for (k, code) in [(1usize, need::CARE_PACKAGE), (2, need::CARE_HOME)] {
        let block = block_places(run, k);
        let shadow = &mut run.shadows[k];
        shadow.arrive(&d, k as u32, run.alive as f64);
        for &(_, rem) in &run.waiters[k] {
            if rem < 7 && shadow.active() {
                shadow.days_left[usize::from(rem)] += 1.0;
            }
        }
        let waiting = (run.waiters[k].len() + blocked_needing(pop, &run.blocked, code)) as u32;
        let excess =
            (f64::from(waiting + shadow.waiting + shadow.arrived + shadow.last) - f64::from(block)).max(0.0) * spot;
        let sh = &mut run.sharing[k];
        sh.total = block + round_stochastically(excess, d.uniform_at(Purpose::SpotPurchase, k as u32 - 1));
        run.queues[k] = Queue::new(sh.total, shadow);
    }
}

/// Hospital discharges waiting for reablement (`k` 0), a package (1) or a care home (2),
/// longest-waiting first; an unplaced patient accrues the rest of the week as delayed days.
fn discharge_queue(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, k: usize) {
    let mut queue = std::mem::take(&mut run.waiters[k]);
    queue.sort_unstable_by_key(|&(i, rem)| (Reverse(rem), i));
    for &(i, rem) in &queue {
        let i = i as usize;
        let cell = run.tal.cell(pop, i);
        let placed = match k {
            0 if run.reablement_free.take(share_draw(run, i, 0)) => {
                discharge(run, pop, i, cell, Metric::DischargesReablement);
                let wk = run.wk;
                run.svc
                    .life
                    .start_episode(&wk, run.streams[i], pop, i, &mut run.tal, cell);
                true
            }
            1 if run.queues[1].take(rem, share_draw(run, i, 1), share_draw(run, i, 3)) => {
                pop.care[i] = care::HOME_CARE;
                discharge(run, pop, i, cell, Metric::DischargesCarePackage);
                run.tal.add(cell, Metric::NewCarePackages, 1);
                true
            }
            2 if run.queues[2].take(rem, share_draw(run, i, 1), share_draw(run, i, 3)) => {
                pop.care[i] = care::CARE_HOME;
                discharge(run, pop, i, cell, Metric::DischargesCareHome);
                run.tal.add(cell, Metric::CareHomeAdmissions, 1);
                true
            }
            0 => {
                // LIFE is full: the patient is offered a traditional home-care package
                // instead and joins that queue next week (discharge to assess does not
                // hold people in hospital for a reablement place).
                pop.need[i] = need::CARE_PACKAGE;
                run.expected_arrivals[1] += 1.0;
                false
            }
            _ => false,
        };
        if !placed {
            run.tal.add(cell, Metric::DelayedBedDays, u32::from(rem));
            run.tal.add(cell, Metric::BedDays, u32::from(rem));
        }
    }
    run.waiters[k] = queue;
}

/// Reablement episodes waiting for a package or a care home are placed with what is left, or
/// wait another week.
fn reablement_outcomes(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    let blocked = std::mem::take(&mut run.blocked);
    for &i in &blocked {
        let i = i as usize;
        let cell = run.tal.cell(pop, i);
        if pop.need[i] == need::CARE_PACKAGE && run.queues[1].take_last(share_draw(run, i, 1)) {
            pop.care[i] = care::HOME_CARE;
            run.tal.add(cell, Metric::NewCarePackages, 1);
            run.svc
                .life
                .end_episode(pop, i, &mut run.tal, Metric::ReablementToPackage);
        } else if pop.need[i] == need::CARE_HOME && run.queues[2].take_last(share_draw(run, i, 1)) {
            pop.care[i] = care::CARE_HOME;
            run.tal.add(cell, Metric::CareHomeAdmissions, 1);
            run.svc
                .life
                .end_episode(pop, i, &mut run.tal, Metric::ReablementToCareHome);
        } else {
            run.svc.life.until[i] = run.wk.w16 + 1;
        }
    }
    run.blocked = blocked;
}

/// Phase 7, after admissions: community entries to care with what capacity is left, each
/// taking its turn among the shadow's community entries, then the shadow's; the sampled
/// placements beyond the block contracts are tallied as spot purchases.
pub fn community_entries(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    let mut vacancies = [Vacancies::default(); 3];
    for k in 1..3 {
        let sh = &run.sharing[k];
        vacancies[k] = Vacancies::new(sh.total - sh.used - sh.shadow_used, run.shadows[k].trying);
    }
    let mut tried = [0u32; 3];
    for &i in &run.package_ends {
        let i = i as usize;
        if pop.flags[i] & flag::IN_HOSPITAL == 0 && pop.care[i] == care::HOME_CARE {
            pop.care[i] = care::NONE;
            run.tal.add(run.tal.cell(pop, i), Metric::PackageEnds, 1);
        }
    }
    for &i in &run.community_care_home {
        let i = i as usize;
        if pop.flags[i] & flag::IN_HOSPITAL != 0 {
            continue;
        }
        tried[2] += 1;
        if vacancies[2].take(share_draw(run, i, 2)) {
            pop.care[i] = care::CARE_HOME;
            run.tal.add(run.tal.cell(pop, i), Metric::CareHomeAdmissions, 1);
        }
    }
    for &i in &run.community_package {
        let i = i as usize;
        if pop.flags[i] & flag::IN_HOSPITAL != 0 || pop.care[i] != care::NONE {
            continue;
        }
        tried[1] += 1;
        if vacancies[1].take(share_draw(run, i, 2)) {
            pop.care[i] = care::HOME_CARE;
            run.tal.add(run.tal.cell(pop, i), Metric::NewCarePackages, 1);
        }
    }
    let d = locality_draws(run);
    for (k, metric) in [(1usize, Metric::SpotPackages), (2, Metric::SpotCareHomePlaces)] {
        let block = block_places(run, k);
        let sh = &mut run.sharing[k];
        sh.used += vacancies[k].used;
        sh.shadow_used += run.shadows[k].take(vacancies[k].left(), false);
        // Arrivals at the queue as their expected number, summed when each need is drawn (at
        // admission and at the start of reablement; much less noisy than the few who arrive),
        // and discharges turned to a package because LIFE was full, as counted.
        let arrivals = [run.expected_arrivals[k], run.svc.life.expected_needs[k]];
        run.shadows[k].observe(arrivals, tried[k], 0, 0, run.alive as f64);
        // Spot placements: the placements beyond the block contract, the sampled residents'
        // share of them (all of them at scale 1).
        let spot = (sh.used + sh.shadow_used).saturating_sub(block);
        let sampled_spot = if sh.shadow_used == 0 {
            spot.min(sh.used)
        } else {
            round_stochastically(
                f64::from(sh.used) * f64::from(spot) / f64::from(sh.used + sh.shadow_used),
                d.uniform_at(Purpose::ShadowShare, 4 * k as u32 + 2),
            )
        };
        run.tal.add(Cell::OVERHEAD, metric, sampled_spot);
    }
}
