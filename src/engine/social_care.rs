//! Social care: residents 65+ at home entering a long-term home-care package or a care home
//! from the community, and the discharges from hospital and the ends of reablement that wait
//! for those placements. Block contracts give the weekly capacity; beyond it the council
//! spot-purchases a share of the remaining queue.

use super::events::process;
use super::hospital::discharge;
use super::locality::LocalityRun;
use super::phases::Next;
use super::tally::Cell;
use crate::model::tables::prob;
use crate::population::{care, flag, need, LocalityPop};
use crate::results::Metric;
use crate::rng::Purpose;
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
        } else if pop.care[i] == care::NONE {
            let protect = run.svc.home_care_factor(&wk, i);
            let p = prob(t.community_package[fr] * protect);
            if ag.occurs_raised(process::PACKAGE, p, protect > 1.0, || {
                ag.d.uniform(Purpose::CommunityCarePackage)
            }) {
                run.community_package.push(i as u32);
            }
        }
    }
    Next::Continue
}

/// Reablement clients in `blocked` whose outcome needs `code` (a package or a care home).
fn blocked_needing(pop: &LocalityPop, blocked: &[u32], code: u8) -> usize {
    blocked.iter().filter(|&&i| pop.need[i as usize] == code).count()
}

/// Phase 7, first: reablement episodes ending with no further need free their places;
/// hospital discharges, longest-waiting first, to reablement, packages and care homes
/// (unplaced patients accrue delayed bed days); then reablement episodes waiting for a
/// package or a care home.
pub fn discharges(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    let sch = &run.setup.schedule;
    let at = run.wk.at;
    run.package_left = sch.package_starts[at];
    run.care_home_left = sch.care_home_places[at];
    reablement_endings(run, pop);
    spot_purchase(run, pop);
    for k in 0..3 {
        discharge_queue(run, pop, k);
    }
    reablement_outcomes(run, pop);
}

/// Reablement episodes ending with no further need free their places first; the others wait
/// for a package or a care home (`blocked`). Sets the reablement places free this week.
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
    run.reablement_free = run
        .svc
        .life
        .places(&run.wk)
        .saturating_sub(run.svc.life.caseload + run.blocked.len() as u32);
}

/// Beyond the block capacity, the council spot-purchases a share of the remaining queue for
/// packages and care homes (hospital discharges and ended reablement episodes). The share of
/// the excess is rounded stochastically (`floor(x + u)`, one keyed draw per locality, week and
/// kind), so that the places bought average exactly `share × excess` at any scale: a floor
/// would never buy for a locality fewer than 1 ÷ share people over capacity, which at a small
/// scale is most of the queue.
fn spot_purchase(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    let spot = run.setup.scenario.services.social_care.spot_purchase_share;
    let d = run.key.locality(pop.locality).week(run.wk.w as u32);
    let spot_extra = |waiting: usize, cap: u32, k: u32| {
        let x = (waiting as f64 - f64::from(cap)).max(0.0) * spot;
        (x + d.uniform_at(Purpose::SpotPurchase, k)).floor() as u32
    };
    run.package_left += spot_extra(
        run.waiters[1].len() + blocked_needing(pop, &run.blocked, need::CARE_PACKAGE),
        run.package_left,
        0,
    );
    run.care_home_left += spot_extra(
        run.waiters[2].len() + blocked_needing(pop, &run.blocked, need::CARE_HOME),
        run.care_home_left,
        1,
    );
    run.package_total = run.package_left;
    run.care_home_total = run.care_home_left;
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
            0 if run.reablement_free > 0 => {
                run.reablement_free -= 1;
                discharge(run, pop, i, cell, Metric::DischargesReablement);
                let wk = run.wk;
                run.svc
                    .life
                    .start_episode(&wk, run.streams[i], pop, i, &mut run.tal, cell);
                true
            }
            1 if run.package_left > 0 => {
                run.package_left -= 1;
                pop.care[i] = care::HOME_CARE;
                discharge(run, pop, i, cell, Metric::DischargesCarePackage);
                run.tal.add(cell, Metric::NewCarePackages, 1);
                true
            }
            2 if run.care_home_left > 0 => {
                run.care_home_left -= 1;
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
        if pop.need[i] == need::CARE_PACKAGE && run.package_left > 0 {
            run.package_left -= 1;
            pop.care[i] = care::HOME_CARE;
            run.tal.add(cell, Metric::NewCarePackages, 1);
            run.svc
                .life
                .end_episode(pop, i, &mut run.tal, Metric::ReablementToPackage);
        } else if pop.need[i] == need::CARE_HOME && run.care_home_left > 0 {
            run.care_home_left -= 1;
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

/// Phase 7, after admissions: community entries to care with what capacity is left; the
/// placements beyond the block contracts are tallied as spot purchases.
pub fn community_entries(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    for &i in &run.community_care_home {
        let i = i as usize;
        if run.care_home_left == 0 || pop.flags[i] & flag::IN_HOSPITAL != 0 {
            continue;
        }
        run.care_home_left -= 1;
        pop.care[i] = care::CARE_HOME;
        run.tal.add(run.tal.cell(pop, i), Metric::CareHomeAdmissions, 1);
    }
    for &i in &run.community_package {
        let i = i as usize;
        if run.package_left == 0 || pop.flags[i] & flag::IN_HOSPITAL != 0 || pop.care[i] != care::NONE {
            continue;
        }
        run.package_left -= 1;
        pop.care[i] = care::HOME_CARE;
        run.tal.add(run.tal.cell(pop, i), Metric::NewCarePackages, 1);
    }
    let sch = &run.setup.schedule;
    let at = run.wk.at;
    let spot_used = |block: u32, total: u32, left: u32| (total - left).saturating_sub(block);
    run.tal.add(
        Cell::OVERHEAD,
        Metric::SpotPackages,
        spot_used(sch.package_starts[at], run.package_total, run.package_left),
    );
    run.tal.add(
        Cell::OVERHEAD,
        Metric::SpotCareHomePlaces,
        spot_used(sch.care_home_places[at], run.care_home_total, run.care_home_left),
    );
}
