//! Crises: the weekly hazard of a health crisis (an A&E attendance), the services' effects on
//! it, and the attendance's conversion to an admission proposal.
//!
//! Service effects multiply the hazard. The expected attendances they avoid (no draws are
//! involved) are attributed to each service by its share of the log-hazard reduction, and the
//! expected admissions avoided follow from the usual admission probability; a service that
//! changes the admission probability itself has that change, on the attendances that remain,
//! attributed to it too. The parts add up exactly: h·A·(1 − (1 − c)(1 − m)) = h·c·A +
//! h·(1 − c)·A·m for a hazard cut c and an admission cut m. Either may be negative (harm),
//! and then the admissions "avoided" are negative.

use super::events::process;
use super::hospital::{weeks_since_discharge, READMISSION_WINDOW};
use super::locality::LocalityRun;
use super::phases::Next;
use crate::each_service;
use crate::model::tables::prob;
use crate::population::{flag, LocalityPop};
use crate::results::Metric;
use crate::rng::Purpose;
use crate::services::{Agent, Service};

/// Phase 6: the crisis draw (age rate × deprivation gradient × frailty × conditions ×
/// isolation × 30-day readmission risk × service effects); an attendance converts to an
/// admission proposal by age (× service effects on admission).
#[inline(always)]
pub fn crisis(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, ag: &mut Agent) -> Next {
    if !ag.busy(1 << process::CRISIS) {
        return Next::Continue;
    }
    let setup = run.setup;
    let t = &setup.tables;
    let wk = run.wk;
    let i = ag.i;
    let pop = &*pop;
    let a = usize::from(ag.age);
    let q = usize::from((ag.decile - 1) / 2);
    let mut hz = run.norms.crisis_hazard(
        a,
        q,
        usize::from(pop.frailty[i]),
        ag.conditions,
        pop.flags[i] & flag::ISOLATED != 0,
    );
    if weeks_since_discharge(pop, i, wk.w) <= READMISSION_WINDOW {
        hz *= t.readmission_hr;
    }
    let seasons = &setup.seasons;
    hz *= seasons.crisis[wk.w][usize::from(ag.age >= 65)];
    let (cuts, admission_cuts) = (&mut run.cuts[..], &mut run.admission_cuts[..]);
    let (mut k, mut any_cut, mut any_admission_cut, mut raised) = (0, false, false, false);
    each_service!(run.svc, s => if s.avoids_crises() {
        let (c, m) = (s.crisis_cut(&wk, pop, ag), s.admission_cut(&wk, i));
        cuts[k] = c;
        admission_cuts[k] = m;
        any_cut |= c != 0.0;
        raised |= c < 0.0;
        any_admission_cut |= m != 0.0;
        k += 1;
    });
    let admit_a = (t.admit[a] * seasons.admission[wk.w]).min(1.0);
    let mut admit_p = admit_a;
    if any_admission_cut {
        for &c in admission_cuts.iter() {
            admit_p *= 1.0 - c;
        }
        admit_p = admit_p.min(1.0);
    }
    if any_cut {
        let before = prob(hz);
        for (l, &c) in run.logs.iter_mut().zip(cuts.iter()) {
            *l = -(1.0 - c).ln();
        }
        for &c in cuts.iter() {
            if c != 0.0 {
                hz *= 1.0 - c;
            }
        }
        let avoided = before - prob(hz);
        let total: f64 = run.logs.iter().sum();
        if total != 0.0 {
            for (k, l) in run.logs.iter().enumerate() {
                if *l != 0.0 {
                    run.tal.avoid(k, avoided * l / total, avoided * l / total * admit_a);
                }
            }
        }
    }
    let p = prob(hz);
    if any_admission_cut {
        for (k, &c) in admission_cuts.iter().enumerate() {
            if c != 0.0 {
                run.tal.avoid(k, 0.0, p * admit_a * c);
            }
        }
    }
    if ag.occurs_raised(process::CRISIS, p, raised, || ag.d.uniform(Purpose::Crisis)) {
        run.tal.add(ag.cell, Metric::AeAttendances, 1);
        let tal = &mut run.tal;
        each_service!(run.svc, s => s.on_attendance(&wk, pop, ag, tal));
        if ag.d.uniform(Purpose::AeAdmit) < admit_p {
            run.admit.push(i as u32);
        }
    }
    Next::Continue
}
