//! Comparisons that fork where options diverge.
//!
//! With common random numbers, a replicate of an option draws exactly what the same replicate
//! of the base draws until the first week in which the option's set-up differs from the
//! base's. So [`run_forked`] simulates that common prefix once and, at each option's first
//! different week ([`fork_week`]), clones the base's locality state, points it at the option's
//! set-up and simulates the option's remaining weeks. Each option's tallies are byte-identical to
//! a run of the option from the start (`tests/fork.rs`), and the prefix is not simulated again.
//!
//! [`fork_week`] is conservative: an option forks late only when it differs from the base in
//! nothing but keys whose whole effect is the capacity schedule ([`SCHEDULE_ONLY_KEYS`]), and
//! then at the first week whose capacities differ; any other difference (an effect size, an
//! eligibility age, a service start date, another place, dates or scale) makes it diverge at
//! week 0, and it runs from the start on its own.

use super::locality::LocalityRun;
use super::tally::LocalityTally;
use super::{phases, Engine, Setup};
use crate::model::tables::Normalisers;
use crate::population::LocalityPop;
use crate::rng::ReplicateKey;
use crate::scenario::{Rollout, Scenario};
use std::sync::Arc;

/// Scenario keys whose only effect is on the capacity schedule (`engine::schedule`): two
/// scenarios that differ only in these are identical until their schedules first differ.
/// Every other key may act from the first week (an effect size, an eligibility rule, a
/// service's start, which also sets its effect ramp).
pub const SCHEDULE_ONLY_KEYS: &[&str] = &[
    "services.<service>.capacity_multiplier",
    "services.<service>.capacity_multiplier_from",
    "services.<service>.allocation",
    "services.<service>.allocation_from",
    "services.icn_plus.start_by_locality",
    "services.life.liaison_multiplier",
    "services.life.reablement_multiplier",
];

/// `option` with every [`SCHEDULE_ONLY_KEYS`] value, and its name, description and files,
/// taken from `base`: equal to `base` exactly when the two differ in nothing else.
fn masked(option: &Scenario, base: &Scenario) -> Scenario {
    fn rollout(to: &mut Rollout, from: &Rollout) {
        to.capacity_multiplier = from.capacity_multiplier;
        to.capacity_multiplier_from = from.capacity_multiplier_from;
    }
    let mut m = option.clone();
    m.name.clone_from(&base.name);
    m.description.clone_from(&base.description);
    m.files.clone_from(&base.files);
    let (s, b) = (&mut m.services, &base.services);
    rollout(&mut s.huddles.rollout, &b.huddles.rollout);
    (s.huddles.allocation, s.huddles.allocation_from) = (b.huddles.allocation, b.huddles.allocation_from);
    rollout(&mut s.pic.rollout, &b.pic.rollout);
    (s.pic.allocation, s.pic.allocation_from) = (b.pic.allocation, b.pic.allocation_from);
    rollout(&mut s.life.rollout, &b.life.rollout);
    (s.life.allocation, s.life.allocation_from) = (b.life.allocation, b.life.allocation_from);
    (s.life.liaison_multiplier, s.life.reablement_multiplier) =
        (b.life.liaison_multiplier, b.life.reablement_multiplier);
    rollout(&mut s.social_prescribing.rollout, &b.social_prescribing.rollout);
    (s.social_prescribing.allocation, s.social_prescribing.allocation_from) =
        (b.social_prescribing.allocation, b.social_prescribing.allocation_from);
    rollout(&mut s.pharmacists.rollout, &b.pharmacists.rollout);
    (s.pharmacists.allocation, s.pharmacists.allocation_from) =
        (b.pharmacists.allocation, b.pharmacists.allocation_from);
    (s.social_care.allocation, s.social_care.allocation_from) =
        (b.social_care.allocation, b.social_care.allocation_from);
    s.icn_plus.start_by_locality.clone_from(&b.icn_plus.start_by_locality);
    if s.custom.len() == b.custom.len() {
        for (c, bc) in s.custom.iter_mut().zip(&b.custom) {
            rollout(&mut c.rollout, &bc.rollout);
            (c.allocation, c.allocation_from) = (bc.allocation, bc.allocation_from);
        }
    }
    m
}

/// The first week in which a replicate of `option` may differ from the same replicate of
/// `base`: the run's length when they never differ, 0 when they differ from the start
/// (see the module's docs).
pub fn fork_week(base: &Setup, option: &Setup) -> usize {
    let weeks = base.sim_calendar.weeks;
    if !Arc::ptr_eq(&base.place, &option.place)
        || base.sim_calendar != option.sim_calendar
        || !Arc::ptr_eq(&base.catalog, &option.catalog)
        || masked(&option.scenario, &base.scenario) != base.scenario
    {
        return 0;
    }
    base.schedule
        .first_difference(&option.schedule)
        .unwrap_or(weeks)
        .min(weeks)
}

/// Runs one replicate of `setups[0]` from the start and each other set-up forked from it at
/// `fork[s]` (its [`fork_week`]; every `fork[s]` must be at least 1, and `fork[0]` is ignored).
/// Returns each set-up's locality tallies, in place order.
pub(crate) fn run_forked(
    setups: &[&Setup],
    fork: &[usize],
    key: &ReplicateKey,
    norms: &Normalisers,
    block: &mut LocalityPop,
    engine: Engine,
) -> Vec<LocalityTally> {
    let base = setups[0];
    let weeks = base.sim_calendar.weeks;
    let mut out: Vec<Option<LocalityTally>> = vec![None; setups.len()];
    let mut run = LocalityRun::new(base, key, norms, block, engine);
    let mut branch = |run: &LocalityRun<'_>, block: &LocalityPop, from: usize| {
        for (s, &setup) in setups.iter().enumerate().skip(1) {
            if fork[s] == from {
                let mut r = run.clone();
                let mut p = block.clone();
                r.rebind(setup);
                for w in from..weeks {
                    phases::run_week(&mut r, &mut p, w);
                }
                out[s] = Some(r.tal);
            }
        }
    };
    for w in 0..weeks {
        branch(&run, block, w);
        phases::run_week(&mut run, block, w);
    }
    branch(&run, block, weeks);
    out[0] = Some(run.tal);
    out.into_iter()
        .map(|t| t.expect("every set-up forks at a week of the run"))
        .collect()
}
