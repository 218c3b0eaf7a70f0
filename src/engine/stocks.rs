//! End-of-week stocks: population, life-years and QALYs, care status, service caseloads and
//! waiting lists, inpatients waiting for discharge.

use super::locality::{LocalityRun, BOOKED};
use crate::each_service_ref;
use crate::model::tables::utility_index;
use crate::population::{care, flag, need, LocalityPop};
use crate::results::Metric;
use crate::services::Service;

/// Phase 9: the week's and the financial year's stocks (events were counted when they
/// happened): the residents visited this week one by one (those woken from the calendar keep
/// theirs in the sleepers' running sums unless now held), the sleepers from those sums; the
/// week's GP consultations under the event-driven engine; then every visited resident is
/// scheduled ([`super::events::schedule_all`]).
pub fn tallies(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    let pop = &*pop;
    let visit = std::mem::take(&mut run.visit);
    let mut in_sleepers = std::mem::take(&mut run.in_sleepers);
    in_sleepers.clear();
    for (k, &v) in visit.iter().enumerate() {
        let i = (v & !BOOKED) as usize;
        let kept = v & BOOKED != 0 && {
            let before = run.sleep.signature_before(k);
            super::events::settle(run, pop, i, before)
        };
        if !kept {
            count(run, pop, i);
        }
        in_sleepers.push(kept);
    }
    for i in run.first_newcomer..pop.len() {
        count(run, pop, i);
    }
    let d = run.key.locality(pop.locality).week(run.wk.w as u32);
    run.sleep.stocks.tally(&mut run.tal);
    if run.engine == super::events::Engine::Events {
        run.sleep.gp.tally(&mut run.tal, &d);
    }
    super::events::schedule_all(run, pop, &visit, &in_sleepers);
    run.visit = visit;
    run.in_sleepers = in_sleepers;
}

/// Counts resident `i` (if alive) into the week's stocks.
#[inline]
fn count(run: &mut LocalityRun<'_>, pop: &LocalityPop, i: usize) {
    let t = &run.setup.tables;
    let wk = run.wk;
    let tal = &mut run.tal;
    let f = pop.flags[i];
    if f & flag::ALIVE == 0 {
        return;
    }
    let cell = tal.cell(pop, i);
    tal.add(cell, Metric::Population, 1);
    tal.life(pop, i, 1);
    let age = pop.age[i];
    let nc = pop.conditions[i].count_ones();
    let fr = pop.frailty[i];
    if !pop.moved_in[i] {
        tal.qaly(
            cell.decile,
            t.qaly_week[utility_index(f & flag::MALE != 0, age, fr, nc)],
        );
    }
    if age >= 65 {
        tal.add(cell, Metric::Aged65Plus, 1);
        if fr >= 2 || (fr == 1 && nc >= 2) {
            tal.add(cell, Metric::Llti65Plus, 1);
        }
    }
    match pop.care[i] {
        care::HOME_CARE => tal.add(cell, Metric::HomeCareClients, 1),
        care::CARE_HOME => tal.add(cell, Metric::CareHomeResidents, 1),
        _ => {}
    }
    each_service_ref!(run.svc, s => s.count_stocks(&wk, pop, i, cell, tal));
    if f & flag::IN_HOSPITAL != 0 && pop.hospital_days[i] == 0 {
        match pop.need[i] {
            need::REABLEMENT => tal.add(cell, Metric::ReablementWaiting, 1),
            need::CARE_PACKAGE => tal.add(cell, Metric::CarePackageWaiting, 1),
            need::CARE_HOME => tal.add(cell, Metric::CareHomeWaiting, 1),
            _ => {}
        }
    }
}
