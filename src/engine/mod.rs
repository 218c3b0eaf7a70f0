//! The weekly engine.
//!
//! A replicate is simulated locality by locality: every service capacity in placesim belongs
//! to a locality, so localities are independent simulation units. Within a locality each week
//! runs the [`PHASES`] in order — agent proposals in serial order, then capacity allocation in a
//! fixed priority order (priority, then serial number), then demographic inflows and tallies.
//! Localities of a replicate run in parallel and are merged in place order, so results are
//! bit-identical for any thread count.

pub mod schedule;
mod week;

use crate::error::Error;
use crate::model::tables::Tables;
use crate::place::Place;
use crate::population::synth::{synthesize_with_capacity, AttributeModel};
use crate::results::{Catalog, RunCalendar, Tally};
use crate::rng::ReplicateKey;
use crate::scenario::Scenario;
use rayon::prelude::*;
use schedule::Schedule;
use std::sync::Arc;

/// One step of the weekly loop.
#[derive(Debug, Clone, Copy)]
pub struct Phase {
    /// Short name.
    pub name: &'static str,
    /// What it does.
    pub description: &'static str,
}

/// The weekly step order (invariant 5). Every locality runs these phases in this order each
/// week; `placesim explain phases` prints them.
pub const PHASES: &[Phase] = &[
    Phase { name: "1 demography", description: "Per resident, in serial order: birthday ageing (with condition onset at the new age), death (life table x IMD decile x frailty and condition hazard ratios, normalised by age), out-migration." },
    Phase { name: "2 health dynamics", description: "Frailty onset and progression (faster for 12 weeks after an admission), isolation onset and resolution, community entry to home care or a care home (65+), GP consultations." },
    Phase { name: "3 hospital progress", description: "Inpatients use up their acute stay; those fit for discharge go home, die in hospital, or join the queue for reablement, a home-care package or a care home. LIFE reablement episodes that end this week join the outcome queue." },
    Phase { name: "4 case-finding proposals", description: "Eligible residents at rising risk are flagged for their practice huddle; GPs refer isolated residents and those with mental illness to social prescribing. Waiting lists persist between weeks." },
    Phase { name: "5 crises", description: "Residents at home draw a crisis (age rate x deprivation gradient x frailty x conditions x isolation x 30-day readmission risk x active service effects); a crisis is an A&E attendance, which converts to an admission proposal by age." },
    Phase { name: "6 capacity allocation", description: "Sequential, fixed order, highest priority then lowest serial: reablement completions; hospital discharges to reablement, packages and care homes (unplaced patients accrue delayed bed days); LIFE A&E liaison (diverts some admissions home with LIFE support); admissions (length of stay, discharge need, in-hospital death); community care entries; huddle reviews per practice (with referrals); PIC starts; social-prescribing referrals; pharmacist reviews." },
    Phase { name: "7 inflows", description: "Births (women 15-44 x birth rate) and in-migrants so the locality follows its growth path; newcomers' attributes are drawn as at synthesis." },
    Phase { name: "8 tallies", description: "Stocks (population, caseloads, waiting lists, care status) are counted at the end of the week into the weekly and financial-year tallies; events were counted when they happened." },
];

/// Everything precomputed for one scenario on one place.
#[derive(Debug, Clone)]
pub struct Setup {
    pub(crate) scenario: Scenario,
    pub(crate) place: Arc<Place>,
    /// The run's catalogue of services and metrics (the tally's layout).
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) calendar: RunCalendar,
    pub(crate) schedule: Schedule,
    pub(crate) tables: Tables,
    pub(crate) attributes: AttributeModel,
    /// Scale applied at synthesis: the scenario scale, back- or forward-cast along the growth
    /// path from the place's population date to the start date.
    pub(crate) synth_scale: f64,
    /// Fraction of extra agents to reserve room for.
    pub(crate) extra_capacity: f64,
    /// Condition and frailty onset probabilities at birthdays.
    pub(crate) birthday: week::BirthdayOnset,
}

impl Setup {
    /// Precomputes tables and schedules for a scenario on its place, with the catalogue of
    /// this scenario's own services.
    pub fn new(scenario: &Scenario, place: &Arc<Place>) -> Result<Setup, Error> {
        Setup::with_catalog(scenario, place, Arc::new(Catalog::of_scenarios([scenario])))
    }

    /// As [`Setup::new`], with the run's catalogue (the services of every scenario of the run),
    /// so that every scenario's tallies list the same services.
    pub fn with_catalog(scenario: &Scenario, place: &Arc<Place>, catalog: Arc<Catalog>) -> Result<Setup, Error> {
        let calendar = RunCalendar::new(scenario.start, scenario.end);
        let practice_need = practice_need(place);
        let schedule = Schedule::new(scenario, place, &calendar, &practice_need);
        let tables = Tables::new(scenario, place);
        let pop_date = crate::calendar::Date::parse(&place.file.meta.population_date).ok_or_else(|| {
            Error::Request(format!(
                "place {}: meta.population_date is not YYYY-MM-DD",
                place.origin
            ))
        })?;
        let growth = place.file.population.annual_growth.value;
        let synth_scale = crate::population::synthesis_scale(place, scenario.scale, scenario.start, pop_date);
        let years = calendar.weeks as f64 / schedule::WEEKS_PER_YEAR;
        let p = &place.file.population;
        let extra_capacity = years * (p.out_migration_rate.value + growth.max(0.0) + 0.02) + 0.05;
        Ok(Setup {
            scenario: scenario.clone(),
            place: Arc::clone(place),
            catalog,
            calendar,
            schedule,
            tables,
            attributes: AttributeModel::new(place),
            synth_scale,
            extra_capacity,
            birthday: week::BirthdayOnset::new(place),
        })
    }

    /// The calendar.
    pub fn calendar(&self) -> &RunCalendar {
        &self.calendar
    }

    /// The service capacities by week and locality.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The catalogue of services and metrics the tallies are laid out for.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// Residents synthesised at the start of each replicate (approximately: synthesis rounds
    /// each age and sex cell).
    pub fn agents(&self) -> f64 {
        self.place.total_population() * self.synth_scale
    }

    /// Agents each replicate reserves column room for: the start population plus room for
    /// births and in-migrants over the run.
    pub fn agent_capacity(&self) -> f64 {
        self.agents() * (1.0 + self.extra_capacity)
    }
}

/// Relative need of each practice (mean 1): residents weighted by the mortality multiplier
/// of their LSOA's IMD decile.
fn practice_need(place: &Place) -> Vec<f64> {
    let m = &place.file.mortality;
    let mut need = vec![0.0; place.file.practices.len()];
    for (i, &p) in place.lsoa_population.iter().enumerate() {
        let d = usize::from(place.lsoa_imd_decile[i] - 1);
        need[place.lsoa_practice[i] as usize] +=
            f64::from(p) * 0.5 * (m.imd_multiplier_male.value[d] + m.imd_multiplier_female.value[d]);
    }
    let mean = need.iter().sum::<f64>() / need.len().max(1) as f64;
    need.iter().map(|x| if mean > 0.0 { x / mean } else { 1.0 }).collect()
}

/// Runs one replicate of a scenario and returns its tallies.
pub fn run_replicate(setup: &Setup, seed: u64, replicate: u32) -> Tally {
    let key = ReplicateKey::new(seed, replicate);
    let pop = synthesize_with_capacity(&setup.place, &key, setup.synth_scale, setup.extra_capacity);
    let norms = crate::model::tables::Normalisers::new(&setup.tables, &pop.localities);
    let cal = &setup.calendar;
    let blocks: Vec<week::LocalityTally> = pop
        .localities
        .into_par_iter()
        .map(|mut block| week::simulate_locality(setup, &key, &norms, &mut block))
        .collect();
    // The locality tallies hold the built-in metrics and services; the run's declared ones stay
    // zero until the service modules tally them.
    let mut tally = Tally::new(
        cal.weeks,
        setup.place.n_localities(),
        cal.financial_years.len(),
        &Catalog::builtin(),
    );
    for (l, block) in blocks.iter().enumerate() {
        block.copy_into(&mut tally, l);
    }
    tally.widened(&setup.catalog)
}

/// Runs one replicate and also returns the final population (for tests and diagnostics).
pub fn run_replicate_with_population(
    setup: &Setup,
    seed: u64,
    replicate: u32,
) -> (Tally, crate::population::Population) {
    let key = ReplicateKey::new(seed, replicate);
    let mut pop = synthesize_with_capacity(&setup.place, &key, setup.synth_scale, setup.extra_capacity);
    let norms = crate::model::tables::Normalisers::new(&setup.tables, &pop.localities);
    let cal = &setup.calendar;
    let mut tally = Tally::new(
        cal.weeks,
        setup.place.n_localities(),
        cal.financial_years.len(),
        &Catalog::builtin(),
    );
    for (l, block) in pop.localities.iter_mut().enumerate() {
        week::simulate_locality(setup, &key, &norms, block).copy_into(&mut tally, l);
    }
    (tally.widened(&setup.catalog), pop)
}
