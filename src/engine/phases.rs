//! The weekly phases as code: [`PHASES`] is the list the engine runs, in order, and the list
//! `placesim explain phases` prints (invariant 5).
//!
//! A phase is either a step for one resident ([`Step::PerResident`]) or a step for the whole
//! locality ([`Step::Locality`]). The per-resident phases come first and run fused in one pass
//! over the residents in serial order — resident *i* goes through all of them before resident
//! *i + 1* — and a per-resident phase may end the resident's pass for the week ([`Next::Done`]:
//! died, moved away, in hospital).

use super::locality::{LocalityRun, BOOKED};
use super::{crises, demography, health, hospital, primary_care, social_care, stocks};
use crate::population::{flag, LocalityPop};
use crate::services::Agent;

/// Whether a resident's pass goes on to the next per-resident phase this week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// On to the next phase.
    Continue,
    /// Nothing more for this resident this week.
    Done,
}

/// What a phase runs: a step for each resident alive (in serial order) or one for the whole
/// locality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Once per resident alive, in serial order; every per-resident phase comes before the
    /// locality phases and they run fused in one pass.
    PerResident,
    /// Once per locality.
    Locality,
}

/// One step of the weekly loop.
#[derive(Debug, Clone, Copy)]
pub struct Phase {
    /// Short name.
    pub name: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Per resident or per locality.
    pub step: Step,
    /// The function that runs it, by path (for readers of `placesim explain phases`).
    pub function: &'static str,
}

/// Declares the phases once: [`PHASES`] (what `placesim explain phases` prints) and the
/// functions that run them, [`per_resident_pass`] and [`locality_phases`], from the same list,
/// so the printed order is the order run. Calls are direct (inlinable) rather than through
/// function pointers, which costs nothing in the hot loop.
macro_rules! phases {
    (
        per_resident { $( ($pname:literal, $pdesc:literal, $pf:path) ),+ $(,)? }
        locality { $( ($lname:literal, $ldesc:literal, $lf:path) ),+ $(,)? }
    ) => {
        /// The weekly step order (invariant 5). Every locality runs these phases in this order
        /// each week: the per-resident phases fused in one pass over the residents, then the
        /// locality phases.
        pub const PHASES: &[Phase] = &[
            $( Phase { name: $pname, description: $pdesc, step: Step::PerResident, function: stringify!($pf) }, )+
            $( Phase { name: $lname, description: $ldesc, step: Step::Locality, function: stringify!($lf) }, )+
        ];

        /// One pass over the residents alive through every per-resident phase, in order;
        /// a phase that returns [`Next::Done`] ends the resident's week.
        fn per_resident_pass(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
            let w = run.wk.w as u32;
            let visit = std::mem::take(&mut run.visit);
            for &v in &visit {
                let i = (v & !BOOKED) as usize;
                let flags = pop.flags[i];
                if flags & flag::ALIVE == 0 {
                    continue;
                }
                let mut ag = Agent {
                    i,
                    d: run.streams[i].week(w),
                    male: flags & flag::MALE != 0,
                    age: 0,
                    decile: 0,
                    conditions: 0,
                    frailty: 0,
                    flags,
                    cell: super::tally::Cell::OVERHEAD,
                    booked: v & BOOKED != 0,
                    cand: Agent::EVERY_WEEK,
                    q: [1.0; super::events::process::ENGINE],
                };
                #[allow(clippy::blocks_in_conditions)]
                'phases: {
                    $( if $pf(run, pop, &mut ag) == Next::Done { break 'phases; } )+
                }
            }
            run.visit = visit;
        }

        /// Every locality phase, in order.
        fn locality_phases(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
            $( $lf(run, pop); )+
        }
    };
}

phases! {
    per_resident {
        (
            "1 demography",
            "Per resident, in serial order: birthday ageing (with condition and frailty onset at the new age), death (life table x IMD decile x frailty and condition hazard ratios, normalised by age), out-migration (not from hospital, a care home or a reablement episode).",
            demography::ageing_death_migration
        ),
        (
            "2 health dynamics",
            "Frailty progression (faster for 12 weeks after an admission), isolation onset and resolution; services count their caseloads (clients keep their place while in hospital).",
            health::frailty_and_isolation
        ),
        (
            "3 hospital progress",
            "Inpatients use up their acute stay; those fit for discharge go home, die in hospital, or, on a supported route, spend the days to arrange the discharge (delayed bed days) and then join the queue for reablement, a home-care package or a care home. Their week ends here.",
            hospital::progress
        ),
        (
            "4 community care needs",
            "Reablement episodes at home progress (those ending this week join the outcome queue); residents 65+ at home may need a care home or a home-care package (entries proposed, placed at allocation; lower during and after PIC support and under scenario-declared services' effects).",
            social_care::community_needs
        ),
        (
            "5 case finding and GP",
            "Each service's case finding and referrals, in registry order: eligible residents at rising risk are flagged for their practice huddle; GPs refer isolated residents and those with mental illness to social prescribing; scenario-declared services with a GP route refer. Waiting lists persist between weeks. Then GP consultations: social prescribing's clients consult less (under the event-driven engine the week's consultations are counted per cell in phase 9).",
            primary_care::case_finding_and_gp
        ),
        (
            "6 crises",
            "Residents at home draw a crisis (age rate x deprivation gradient x frailty x conditions x isolation x 30-day readmission risk x active service effects); a crisis is an A&E attendance (services with an A&E route may refer), which converts to an admission proposal by age (x services' effects on admission).",
            crises::crisis
        ),
    }
    locality {
        (
            "7 capacity allocation",
            "Sequential, fixed order, highest priority then lowest serial: reablement completions; hospital discharges to reablement, packages and care homes (unplaced patients accrue delayed bed days; below scale 1 these three capacities keep their full size and are shared with a shadow of the unsampled residents); services' diversion of those about to be admitted (LIFE A&E liaison); admissions (length of stay, discharge need and route, in-hospital death); community care entries; then each service's allocation in registry order: huddle reviews per practice (with referrals to PICs, social prescribing, pharmacists and scenario-declared services with a huddle route), PIC starts, social-prescribing referrals, pharmacist reviews, scenario-declared services.",
            allocation
        ),
        (
            "8 inflows",
            "Births (women 15-44 x birth rate) and in-migrants so the locality follows its growth path; newcomers' attributes are drawn as at synthesis.",
            demography::inflows
        ),
        (
            "9 tallies",
            "Stocks (population, caseloads, waiting lists, care status) are counted at the end of the week into the weekly and financial-year tallies (residents visited this week one by one, sleeping residents from running sums); events were counted when they happened. Under the event-driven engine, the week's GP consultations (one Poisson count per cell), then each visited resident's clocks are updated and those no service holds are booked for their next visit.",
            stocks::tallies
        ),
    }
}

/// Phase 7: capacity allocation in its fixed order.
fn allocation(run: &mut LocalityRun<'_>, pop: &mut LocalityPop) {
    social_care::discharges(run, pop);
    let wk = run.wk;
    let (admit, mut diverted) = (std::mem::take(&mut run.admit), std::mem::take(&mut run.diverted));
    {
        let (svc, mut shared) = run.shared(pop);
        crate::each_service!(svc, s => crate::services::Service::divert(s, &wk, &mut shared, &admit, &mut diverted));
    }
    run.admit = admit;
    run.diverted = diverted;
    social_care::reablement_shared(run);
    hospital::admissions(run, pop);
    social_care::community_entries(run, pop);
    let (svc, mut shared) = run.shared(pop);
    svc.allocate(&wk, &mut shared);
}

/// Runs one week of a locality: the [`PHASES`] in order.
pub fn run_week(run: &mut LocalityRun<'_>, pop: &mut LocalityPop, w: usize) {
    run.begin_week(w);
    super::events::gather(run, pop, w);
    per_resident_pass(run, pop);
    locality_phases(run, pop);
}
