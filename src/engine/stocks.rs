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
    if run.engine == super::events::Engine::Events {
        super::events::wake_started(run, pop, &visit);
    }
    // Waiting lists are kept by the services, whether or not their residents were visited.
    let tal = &mut run.tal;
    crate::each_service!(run.svc, s => s.count_waiting(pop, tal));
    let wk = &run.wk;
    crate::each_service_ref!(run.svc, s => s.count_capacity(wk, tal));
    let d = run.key.locality(pop.locality).week(run.wk.w as u32);
    run.sleep.stocks.tally(&mut run.tal);
    if run.engine == super::events::Engine::Events {
        run.sleep.gp.tally(&mut run.tal, &d);
    }
    super::events::schedule_all(run, pop, &visit, &in_sleepers);
    if run.engine == super::events::Engine::Events {
        super::events::schedule_started(run, pop);
    }
    run.visit = visit;
    run.in_sleepers = in_sleepers;
}

/// The per-resident stock metrics, in [`resident_stocks`] order.
pub(crate) const RESIDENT_STOCKS: [Metric; 5] = [
    Metric::Population,
    Metric::Aged65Plus,
    Metric::Llti65Plus,
    Metric::HomeCareClients,
    Metric::CareHomeResidents,
];

/// What a resident alive with this age, frailty, number of conditions and care status counts
/// in each of [`RESIDENT_STOCKS`] (0 or 1): themselves, aged 65+, limiting long-term illness
/// at 65+ (moderate or severe frailty, or mild with two or more conditions), home care, care
/// home. One definition for residents counted one by one and for the sleepers' running sums.
pub(crate) fn resident_stocks(age: u8, frailty: u8, conditions: u32, care_status: u8) -> [u32; 5] {
    let older = age >= 65;
    [
        1,
        u32::from(older),
        u32::from(older && (frailty >= 2 || (frailty == 1 && conditions >= 2))),
        u32::from(care_status == care::HOME_CARE),
        u32::from(care_status == care::CARE_HOME),
    ]
}

/// Counts resident `i` (if alive) into the week's stocks (also for a sleeper woken by a
/// service's start, `events::wake_started`).
#[inline]
pub(crate) fn count(run: &mut LocalityRun<'_>, pop: &LocalityPop, i: usize) {
    let t = &run.setup.tables;
    let wk = run.wk;
    let tal = &mut run.tal;
    let f = pop.flags[i];
    if f & flag::ALIVE == 0 {
        return;
    }
    let cell = tal.cell(pop, i);
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
    for (&m, n) in RESIDENT_STOCKS.iter().zip(resident_stocks(age, fr, nc, pop.care[i])) {
        if n > 0 {
            tal.add(cell, m, n);
        }
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
