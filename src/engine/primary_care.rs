//! Primary care: case finding and referrals by the services (huddle flags, GP referrals,
//! waiting lists), and GP consultations.

use super::events::process;
use super::locality::LocalityRun;
use super::phases::Next;
use crate::each_service;
use crate::population::LocalityPop;
use crate::results::Metric;
use crate::rng::Purpose;
use crate::services::{Agent, Service};

/// Phase 5: every service's case finding and referrals ([`Service::propose`]), then the
/// resident's GP consultation (lower while social prescribing's effect lasts).
#[inline(always)]
pub fn case_finding_and_gp(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, ag: &mut Agent) -> Next {
    let wk = run.wk;
    let (pop, tal) = (&*pop, &mut run.tal);
    if ag.busy(!0 << process::ENGINE) {
        each_service!(run.svc, s => s.propose(&wk, pop, ag, tal));
    }
    let factor = run.svc.gp_factor(&wk, ag.i);
    if run.engine == super::events::Engine::Events {
        // Everyone at home is in the locality's GP count; services take their part off.
        let key = run.sleep.gp_key(ag.i);
        run.sleep.gp.reduce(key, &run.setup.tables, factor);
        return Next::Continue;
    }
    let gp = run.setup.tables.gp[usize::from(ag.age)] * factor;
    if ag.d.uniform(Purpose::GpConsultation) < gp {
        run.tal.add(ag.cell, Metric::GpConsultations, 1);
    }
    Next::Continue
}
