//! Health dynamics of residents: frailty progression (faster for 12 weeks after an
//! admission) and social isolation starting and resolving.

use super::events::process;
use super::hospital::{weeks_since_discharge, FRAILTY_WINDOW};
use super::locality::LocalityRun;
use super::phases::Next;
use crate::model::tables::prob;
use crate::population::{flag, LocalityPop};
use crate::rng::Purpose;
use crate::services::Agent;

/// Phase 2: frailty progression and isolation; services count their caseloads (clients keep
/// their place while in hospital).
#[inline(always)]
pub fn frailty_and_isolation(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, ag: &mut Agent) -> Next {
    if !ag.busy(1 << process::FRAILTY | 1 << process::ISOLATION) {
        return Next::Continue;
    }
    let t = &run.setup.tables;
    let i = ag.i;
    let fr = ag.frailty;
    let recent = weeks_since_discharge(pop, i, run.wk.w) <= FRAILTY_WINDOW;
    if fr > 0 && fr < 3 {
        let hr = if recent { t.frailty_post_admission } else { 1.0 };
        let p = prob(t.frailty_progress[fr - 1] * hr);
        if ag.occurs(process::FRAILTY, p, || ag.d.uniform(Purpose::FrailtyProgression)) {
            pop.frailty[i] += 1;
        }
    }
    let a = usize::from(ag.age);
    if ag.flags & flag::ISOLATED == 0 {
        if ag.occurs(process::ISOLATION, prob(t.isolation_onset[a]), || {
            ag.d.uniform(Purpose::IsolationOnset)
        }) {
            pop.flags[i] |= flag::ISOLATED;
        }
    } else if ag.occurs(process::ISOLATION, prob(t.isolation_resolve), || {
        ag.d.uniform(Purpose::IsolationResolve)
    }) {
        pop.flags[i] &= !flag::ISOLATED;
    }
    let wk = run.wk;
    crate::each_service!(run.svc, s => crate::services::Service::count_caseload(s, &wk, i));
    Next::Continue
}
