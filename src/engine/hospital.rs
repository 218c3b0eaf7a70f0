//! The hospital: inpatients using up their acute stay, discharge by need, deaths in hospital,
//! and emergency admissions (length of stay, discharge need and in-hospital death drawn at
//! admission).
//!
//! **A crisis's death risk does not depend on its route.** A crisis that would lead to an
//! admission carries the place's case fatality by age (`Tables::hospital_death`, × the
//! calendar's COVID-19 multiplier in those years and, for a care-home resident, the place's
//! hazard ratio of death in a care home), drawn with the same keyed number
//! ([`Purpose::HospitalDeath`]) whether the patient is admitted or sent home by a service's
//! diversion; the route only multiplies the risk by an explicit, sourced
//! relative risk (LIFE's `diversion_death_rr` and `d2a_death_rr`, 1.0 by default). So with
//! relative risks of 1 the same patients die whichever the route: admitted ones in hospital at
//! the end of their stay, diverted ones at home that week. Survivors of either route enter the
//! same post-crisis windows (the readmission hazard and faster frailty progression); a
//! diverted patient's later admission is not counted as a readmission ([`flag::DIVERTED`]).

use super::locality::LocalityRun;
use super::phases::Next;
use super::tally::{Cell, LocalityTally};
use crate::each_service;
use crate::population::{care, flag, need, LocalityPop, NEVER};
use crate::results::Metric;
use crate::rng::Purpose;
use crate::services::{Agent, Service};

/// The 30-day readmission risk (and the readmission count) covers this many weeks after a
/// discharge.
pub(crate) const READMISSION_WINDOW: usize = 4;
/// Frailty progresses faster for this many weeks after a discharge.
pub(crate) const FRAILTY_WINDOW: usize = 12;

/// Weeks from resident `i`'s last discharge to week `w` (`usize::MAX` when never discharged).
#[inline]
pub(crate) fn weeks_since_discharge(pop: &LocalityPop, i: usize, w: usize) -> usize {
    match pop.discharged_week[i] {
        NEVER => usize::MAX,
        d => w.saturating_sub(usize::from(d)),
    }
}

/// Phase 3 for inpatients: a week of the stay; those whose acute stay ends go home, die, or
/// (on a supported route) have their discharge arranged, then join the queue for reablement, a
/// package or a care home. Stops the week's pass for every inpatient.
///
/// **Arranging a supported discharge takes time.** When the acute stay of a patient who needs
/// reablement, a package or a care home ends, the days to arrange the discharge (assessment,
/// finding and agreeing the care, the patient's and family's choice) are drawn: exponential
/// with the route's mean (`Tables::discharge_process`) × the year's multiplier
/// (`Seasons::discharge_delay`), rounded to whole days. Those are delayed bed days
/// ([`flag::ARRANGING`]); only then does the patient join the queue, where any wait for a place
/// adds more. Without this step a patient placed the week they became fit was never delayed,
/// and delayed days were a thirtieth of Croydon's published figures.
#[inline(always)]
pub fn progress(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, ag: &mut Agent) -> Next {
    if ag.flags & flag::IN_HOSPITAL == 0 {
        return Next::Continue;
    }
    let (i, cell) = (ag.i, ag.cell);
    let mut rem = 7u8;
    if pop.hospital_days[i] > 0 {
        let used = pop.hospital_days[i].min(7);
        pop.hospital_days[i] -= used;
        run.tal.add(cell, Metric::BedDays, u32::from(used));
        if pop.flags[i] & flag::ARRANGING != 0 {
            run.tal.add(cell, Metric::DelayedBedDays, u32::from(used));
        }
        rem = 7 - used as u8;
    }
    if pop.hospital_days[i] > 0 {
        return Next::Done;
    }
    let k = match pop.need[i] {
        need::DIES => {
            die(pop, i, &mut run.tal, cell);
            run.alive -= 1;
            return Next::Done;
        }
        need::REABLEMENT => 0,
        need::CARE_PACKAGE => 1,
        need::CARE_HOME => 2,
        _ => {
            discharge(run, pop, i, cell, Metric::DischargesHome);
            return Next::Done;
        }
    };
    if pop.flags[i] & flag::ARRANGING == 0 {
        pop.flags[i] |= flag::ARRANGING;
        let days = arranging_days(run, i, k);
        let now = days.min(u16::from(rem));
        run.tal.add(cell, Metric::BedDays, u32::from(now));
        run.tal.add(cell, Metric::DelayedBedDays, u32::from(now));
        rem -= now as u8;
        pop.hospital_days[i] = days - now;
        if pop.hospital_days[i] > 0 {
            return Next::Done;
        }
    }
    run.waiters[k].push((i as u32, rem));
    Next::Done
}

/// Resident `i`'s days to arrange a discharge on route `k` (0 reablement, 1 a package, 2 a
/// care home), drawn this week: exponential with the route's mean × the year's multiplier,
/// rounded to whole days (at most 365).
fn arranging_days(run: &LocalityRun<'_>, i: usize, k: usize) -> u16 {
    let mean = run.setup.tables.discharge_process[k] * run.setup.seasons.discharge_delay[run.wk.w];
    let u = run.streams[i].week(run.wk.w as u32).uniform(Purpose::DischargeProcess);
    (-(1.0 - u).ln() * mean).round().clamp(0.0, 365.0) as u16
}

/// Phase 7, after diversion: admits everyone proposed for admission who was not diverted.
pub fn admissions(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    let admit = std::mem::take(&mut run.admit);
    for &i in &admit {
        if run.diverted.binary_search(&i).is_ok() {
            if sent_home(run, pop, i as usize) {
                run.alive -= 1;
            }
            continue;
        }
        if admit_agent(run, pop, i as usize) {
            run.alive -= 1;
        }
    }
    run.admit = admit;
}

/// A patient a service sent home from A&E instead of admitting: the crisis's death risk
/// (× the diversion's relative risk) is drawn with the number an admission would have used;
/// survivors enter the post-crisis windows. Returns true when the patient died (at home, this
/// week, ending any reablement episode just started).
fn sent_home(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, i: usize) -> bool {
    let wk = run.wk;
    let d = run.streams[i].week(wk.w as u32);
    if d.uniform(Purpose::HospitalDeath) < case_fatality(run, pop, i) * run.svc.diversion_death_rr() {
        let cell = run.tal.cell(pop, i);
        if run.svc.life.until[i] != NEVER {
            super::social_care::forgo_arrival(run, i, pop.need[i]);
            run.svc.life.cut_short(i, &mut run.tal, cell);
            pop.need[i] = need::ACUTE;
        }
        run.tal.add(cell, Metric::DeathsAfterDiversion, 1);
        die(pop, i, &mut run.tal, cell);
        return true;
    }
    pop.discharged_week[i] = wk.w16;
    pop.flags[i] |= flag::DIVERTED;
    false
}

/// The case fatality this week of a crisis of resident `i` that would lead to an admission:
/// the place's by age, its hazard × the calendar's mortality multiplier (COVID-19's excess
/// deaths, as for deaths at home) and, for a care-home resident, × the place's hazard ratio of
/// death in a care home (as their background hazard).
fn case_fatality(run: &LocalityRun<'_>, pop: &LocalityPop, i: usize) -> f64 {
    let t = &run.setup.tables;
    super::seasons::scale_probability(
        t.hospital_death[usize::from(pop.age[i])],
        run.setup.seasons.mortality[run.wk.w] * t.death_hr(pop.care[i]),
    )
}

/// A death: tallied (in hospital or not) and the resident no longer alive.
pub fn die(pop: &mut LocalityPop, i: usize, tal: &mut LocalityTally, cell: Cell) {
    if pop.flags[i] & flag::IN_HOSPITAL != 0 {
        tal.add(cell, Metric::DeathsInHospital, 1);
    }
    tal.add(cell, Metric::Deaths, 1);
    tal.life(pop, i, 0);
    pop.flags[i] = 0;
    pop.hospital_days[i] = 0;
}

/// A discharge alive by `route`; services hear of it ([`Service::on_discharge`]).
pub fn discharge(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, i: usize, cell: Cell, route: Metric) {
    pop.flags[i] &= !(flag::IN_HOSPITAL | flag::DIVERTED | flag::ARRANGING);
    pop.hospital_days[i] = 0;
    pop.need[i] = need::ACUTE;
    pop.discharged_week[i] = run.wk.w16;
    run.tal.add(cell, Metric::Discharges, 1);
    run.tal.add(cell, route, 1);
    discharged(run, pop, i);
}

/// Tells every service of a discharge alive.
fn discharged(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, i: usize) {
    let wk = run.wk;
    let d = run.streams[i].week(wk.w as u32);
    let (pop, tal) = (&*pop, &mut run.tal);
    each_service!(run.svc, s => s.on_discharge(&wk, pop, i, &d, tal));
}

/// Admits a resident: stay length, discharge need and in-hospital death are drawn now.
/// Returns true when the resident died (zero-day stay ending in death).
fn admit_agent(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, i: usize) -> bool {
    let setup = run.setup;
    let t = &setup.tables;
    let wk = run.wk;
    let w16 = wk.w16;
    let cell = run.tal.cell(pop, i);
    let d = run.streams[i].week(wk.w as u32);
    let a = usize::from(pop.age[i]);
    let fr = usize::from(pop.frailty[i]);
    let fatality = case_fatality(run, pop, i);
    // The place's zero-day share × the calendar's year multiplier (same-day emergency care).
    let zero_day = (t.zero_day * setup.seasons.zero_day[wk.w]).min(1.0);
    if run.shadows[1].active() {
        // For the shadows' queue rates (`engine::shadow`): a reablement episode cut short
        // will not end waiting for a package or a care home, and this admission may.
        if run.svc.life.until[i] != NEVER {
            super::social_care::forgo_arrival(run, i, pop.need[i]);
        }
        let support = (1.0 - zero_day) * (1.0 - fatality) * t.needs_support[a][fr];
        let care_home = if pop.care[i] != care::CARE_HOME {
            t.care_home_given_support[a]
        } else {
            0.0
        };
        run.expected_arrivals[2] += support * care_home;
        if pop.care[i] == care::NONE && !run.svc.supported_discharge(&wk) {
            run.expected_arrivals[1] += support * (1.0 - care_home);
        }
    }
    let tal = &mut run.tal;
    tal.add(cell, Metric::EmergencyAdmissions, 1);
    if pop.age[i] >= 18 {
        tal.add(cell, Metric::EmergencyAdmissionsAdults, 1);
    }
    if weeks_since_discharge(pop, i, wk.w) <= READMISSION_WINDOW && pop.flags[i] & flag::DIVERTED == 0 {
        tal.add(cell, Metric::Readmissions30d, 1);
    }
    each_service!(run.svc, s => s.on_admission(&wk, i, tal, cell));
    let u_death = d.uniform(Purpose::HospitalDeath);
    if d.uniform(Purpose::LosZeroDay) < zero_day {
        tal.add(cell, Metric::AdmissionsZeroDay, 1);
        if u_death < fatality {
            pop.flags[i] |= flag::IN_HOSPITAL;
            die(pop, i, tal, cell);
            return true;
        }
        pop.flags[i] &= !flag::DIVERTED;
        pop.discharged_week[i] = w16;
        tal.add(cell, Metric::Discharges, 1);
        tal.add(cell, Metric::DischargesHome, 1);
        discharged(run, pop, i);
        return false;
    }
    let los_factor = run.svc.los_factor(&wk, i) * setup.seasons.los[wk.w];
    let mut los = (-(1.0 - d.uniform(Purpose::LosLength)).ln() * t.los_mean[a][fr] * los_factor)
        .round()
        .clamp(1.0, 365.0) as u16;
    // The route out of hospital if the patient survives, then the crisis's death risk on
    // that route (draws are keyed, so drawing the route first shifts nothing).
    let route = if d.uniform(Purpose::DischargeNeed) < t.needs_support[a][fr] {
        if d.uniform(Purpose::DischargeCareHome) < t.care_home_given_support[a] && pop.care[i] != care::CARE_HOME {
            need::CARE_HOME
        } else if pop.care[i] != care::NONE {
            need::HOME
        } else if run.svc.supported_discharge(&wk) {
            need::REABLEMENT
        } else {
            need::CARE_PACKAGE
        }
    } else {
        need::HOME
    };
    let rr = if route == need::REABLEMENT {
        run.svc.supported_discharge_death_rr(&wk)
    } else {
        1.0
    };
    let need_code = if u_death < fatality * rr { need::DIES } else { route };
    if need_code == need::REABLEMENT {
        let cut = run.svc.los_cut(&wk, d.uniform_at(Purpose::LosLength, 1)) as u16;
        let shorter = los.saturating_sub(cut).max(1);
        tal.add(cell, Metric::D2aBedDaysSaved, u32::from(los - shorter));
        los = shorter;
    }
    if los > t.trim_point {
        tal.add(cell, Metric::ExcessBedDays, u32::from(los - t.trim_point));
    }
    pop.flags[i] |= flag::IN_HOSPITAL;
    pop.hospital_days[i] = los;
    pop.need[i] = need_code;
    false
}
