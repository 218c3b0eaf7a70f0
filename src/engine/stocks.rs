//! End-of-week stocks: population, life-years and QALYs, care status, service caseloads and
//! waiting lists, inpatients waiting for discharge.

use super::locality::LocalityRun;
use crate::each_service_ref;
use crate::model::tables::utility_index;
use crate::population::{care, flag, need, LocalityPop};
use crate::results::Metric;
use crate::services::Service;

/// Phase 9: counts every resident alive into the week's and the financial year's stocks
/// (events were counted when they happened).
pub fn tallies(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    let t = &run.setup.tables;
    let wk = run.wk;
    let pop = &*pop;
    let tal = &mut run.tal;
    for i in 0..pop.len() {
        let f = pop.flags[i];
        if f & flag::ALIVE == 0 {
            continue;
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
}
