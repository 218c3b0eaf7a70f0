//! The weekly engine.
//!
//! A replicate is simulated locality by locality: every service capacity in placesim belongs
//! to a locality, so localities are independent simulation units. Within a locality each week
//! runs the [`PHASES`] in order — agent proposals in serial order, then capacity allocation in a
//! fixed priority order (priority, then serial number), then demographic inflows and tallies.
//! Localities of a replicate run in parallel and are merged in place order, so results are
//! bit-identical for any thread count.

mod crises;
mod demography;
pub mod events;
pub mod fork;
mod health;
pub(crate) mod hospital;
pub(crate) mod locality;
pub mod phases;
mod primary_care;
pub mod schedule;
pub mod seasons;
pub mod shadow;
pub(crate) mod social_care;
mod stocks;
pub mod tally;

pub use events::Engine;
pub use phases::{Phase, PHASES};

use crate::error::Error;
use crate::model::onset::BirthdayOnset;
use crate::model::tables::Tables;
use crate::place::Place;
use crate::population::synth::{synthesize_with_capacity, AttributeModel};
use crate::results::{Catalog, RunCalendar, Tally};
use crate::rng::ReplicateKey;
use crate::scenario::Scenario;
use rayon::prelude::*;
use schedule::Schedule;
use std::sync::Arc;
use tally::LocalityTally;

/// Everything precomputed for one scenario on one place.
#[derive(Debug, Clone)]
pub struct Setup {
    pub(crate) scenario: Scenario,
    pub(crate) place: Arc<Place>,
    /// The run's catalogue of services and metrics (the tally's layout).
    pub(crate) catalog: Arc<Catalog>,
    /// The reported weeks, from the scenario's start (every output and tally row).
    pub(crate) calendar: RunCalendar,
    /// The simulated weeks: the warm-up, then the reported weeks. Schedules, the calendar's
    /// seasons, the week of the year, random draws and every per-resident week column are
    /// indexed by simulated week; the tally by reported week.
    pub(crate) sim_calendar: RunCalendar,
    pub(crate) schedule: Schedule,
    pub(crate) tables: Tables,
    /// The national calendar week by week (trend, COVID-19, winter).
    pub(crate) seasons: seasons::Seasons,
    pub(crate) attributes: AttributeModel,
    /// Scale applied at synthesis: the scenario scale, back- or forward-cast along the growth
    /// path from the place's population date to the start date.
    pub(crate) synth_scale: f64,
    /// Factors on each single year of age at synthesis: the place's age structure at the
    /// simulated start (see [`crate::population::synth::age_factors`]).
    pub(crate) age_factors: Vec<f64>,
    /// Fraction of extra agents to reserve room for.
    pub(crate) extra_capacity: f64,
    /// Condition and frailty onset probabilities at birthdays.
    pub(crate) birthday: BirthdayOnset,
    /// Week of the year (0..=51) of each week's start: residents whose birthday week it is
    /// have their birthday that week.
    pub(crate) week_of_year: Vec<u8>,
    /// `[week × 52 + week of year]`: the first week on or after `week` with that week of the
    /// year (`usize::MAX` when none before the end).
    next_week_of_year: Vec<usize>,
}

impl Setup {
    /// Precomputes tables and schedules for a scenario on its place, with the catalogue of
    /// this scenario's own services.
    pub fn new(scenario: &Scenario, place: &Arc<Place>) -> Result<Setup, Error> {
        Setup::with_catalog(scenario, place, Arc::new(Catalog::of_scenarios([scenario])))
    }

    /// As [`Setup::new`], with the run's catalogue (the services of every scenario of the run),
    /// so that every scenario's tallies list the same services. Refuses a catalogue that lacks
    /// one of the scenario's declared services, or declared services not sorted by key.
    pub fn with_catalog(scenario: &Scenario, place: &Arc<Place>, catalog: Arc<Catalog>) -> Result<Setup, Error> {
        let custom = &scenario.services.custom;
        if custom.windows(2).any(|w| w[0].key >= w[1].key) {
            return Err(Error::Request(format!(
                "scenario {}: its declared services are not sorted by key",
                scenario.name
            )));
        }
        if let Some(c) = custom
            .iter()
            .find(|c| !catalog.custom_services().iter().any(|s| s.key == c.key))
        {
            return Err(Error::Request(format!(
                "scenario {}: the run's catalogue lacks its service {}",
                scenario.name, c.key
            )));
        }
        let calendar = RunCalendar::new(scenario.start, scenario.end);
        let sim_calendar = RunCalendar::new(
            scenario.start.add_days(-7 * i32::from(scenario.warm_up_weeks)),
            scenario.end,
        );
        let practice_need = practice_need(place);
        let schedule = Schedule::new(scenario, place, &sim_calendar, &practice_need);
        let tables = Tables::new(scenario, place);
        let pop_date = crate::calendar::Date::parse(&place.file.meta.population_date).ok_or_else(|| {
            Error::Request(format!(
                "place {}: meta.population_date is not YYYY-MM-DD",
                place.origin
            ))
        })?;
        let growth = place.file.population.annual_growth.value;
        let synth_scale = crate::population::synthesis_scale(place, scenario.scale, sim_calendar.start, pop_date);
        let age_factors = crate::population::synth::age_factors(place, sim_calendar.start, pop_date);
        let years = sim_calendar.weeks as f64 / schedule::WEEKS_PER_YEAR;
        let p = &place.file.population;
        // Newcomers replace those who die or leave: the highest age multiplier of out-migration
        // (× the older people's scale, if larger) bounds the departures.
        let most = p
            .out_migration_age_multiplier
            .value
            .iter()
            .fold(1.0f64, |m, &x| m.max(x * scenario.model.older_migration_scale.max(1.0)));
        let extra_capacity = years * (p.out_migration_rate.value * most + growth.max(0.0) + 0.02) + 0.05;
        let week_of_year: Vec<u8> = (0..sim_calendar.weeks)
            .map(|w| locality::week_of_year(sim_calendar.week_start(w)))
            .collect();
        let mut next_week_of_year = vec![usize::MAX; (sim_calendar.weeks + 1) * 52];
        for w in (0..sim_calendar.weeks).rev() {
            let (now, later) = next_week_of_year.split_at_mut((w + 1) * 52);
            now[w * 52..].copy_from_slice(&later[..52]);
            now[w * 52 + usize::from(week_of_year[w])] = w;
        }
        let seasons = seasons::Seasons::new(scenario, &place.file.calendar, &sim_calendar, &week_of_year);
        Ok(Setup {
            scenario: scenario.clone(),
            place: Arc::clone(place),
            catalog,
            calendar,
            sim_calendar,
            schedule,
            tables,
            seasons,
            attributes: AttributeModel::new(place),
            synth_scale,
            age_factors,
            extra_capacity,
            birthday: BirthdayOnset::new(place),
            week_of_year,
            next_week_of_year,
        })
    }

    /// The first week on or after `week` that is week `woy` of its year.
    pub(crate) fn next_birthday_week(&self, week: usize, woy: u8) -> usize {
        self.next_week_of_year
            .get(week * 52 + usize::from(woy))
            .copied()
            .unwrap_or(usize::MAX)
    }

    /// Metrics tallied: the built-in metrics, then four per scenario-declared service.
    pub fn n_metrics(&self) -> usize {
        crate::results::catalog::custom_metric_index(
            self.scenario.services.custom.len(),
            crate::results::catalog::CustomMetric::Referrals,
        )
    }

    /// Bytes of per-agent state the services keep while a locality runs.
    pub fn service_bytes_per_agent(&self) -> usize {
        crate::services::Services::new(self, &ReplicateKey::new(0, 0), 0, 0).bytes_per_agent()
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The place.
    pub fn place(&self) -> &Place {
        &self.place
    }

    /// The calendar of the reported weeks (from the scenario's start).
    pub fn calendar(&self) -> &RunCalendar {
        &self.calendar
    }

    /// Weeks simulated: the warm-up, then the reported weeks. Fork weeks count in these.
    pub fn simulated_weeks(&self) -> usize {
        self.sim_calendar.weeks
    }

    /// Simulated weeks before the first reported week.
    pub fn warm_up_weeks(&self) -> usize {
        usize::from(self.scenario.warm_up_weeks)
    }

    /// The service capacities by week and locality.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The catalogue of services and metrics the tallies are laid out for.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// The starting population of replicate `key`: the place at the set-up's synthesis scale
    /// and start-date age structure, with room for the agents the run will add.
    pub(crate) fn synthesize(&self, key: &ReplicateKey) -> crate::population::Population {
        synthesize_with_capacity(
            &self.place,
            key,
            self.synth_scale,
            &self.age_factors,
            self.extra_capacity,
        )
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
    run_replicate_with(setup, seed, replicate, Engine::Events)
}

/// [`run_replicate`] with the engine chosen ([`Engine::Weekly`] is the reference the tests
/// compare the event-driven engine with).
pub fn run_replicate_with(setup: &Setup, seed: u64, replicate: u32, engine: Engine) -> Tally {
    let key = ReplicateKey::new(seed, replicate);
    let pop = setup.synthesize(&key);
    let norms = crate::model::tables::Normalisers::new(&setup.tables, &pop.localities);
    let blocks: Vec<LocalityTally> = pop
        .localities
        .into_par_iter()
        .map(|mut block| simulate_locality(setup, &key, &norms, &mut block, engine))
        .collect();
    replicate_tally(setup, blocks.iter())
}

/// A replicate's tally from its locality tallies (in place order): laid out for the run's
/// catalogue (the locality tallies are laid out for the scenario's own services, and the run's
/// catalogue may hold other scenarios' too), each agent standing for 1/scale residents.
fn replicate_tally<'t>(setup: &Setup, blocks: impl Iterator<Item = &'t LocalityTally>) -> Tally {
    let cal = &setup.calendar;
    let own = Catalog::of_scenarios([&setup.scenario]);
    let mut tally = Tally::new(cal.weeks, setup.place.n_localities(), cal.financial_years.len(), &own);
    for (l, block) in blocks.enumerate() {
        block.copy_into(&mut tally, l);
    }
    tally.relaid(&own, &setup.catalog).in_residents(setup.scenario.scale)
}

/// Runs one replicate of `setups[0]` and of every other set-up forked from it at `fork[s]`
/// (its [`fork::fork_week`], at least 1): the common prefix is simulated once. Returns one tally
/// per set-up, each byte-identical to [`run_replicate_with`] of that set-up.
pub fn run_replicate_forked(
    setups: &[&Setup],
    fork: &[usize],
    seed: u64,
    replicate: u32,
    engine: Engine,
) -> Vec<Tally> {
    let base = setups[0];
    let key = ReplicateKey::new(seed, replicate);
    let pop = base.synthesize(&key);
    let norms = crate::model::tables::Normalisers::new(&base.tables, &pop.localities);
    let blocks: Vec<Vec<LocalityTally>> = pop
        .localities
        .into_par_iter()
        .map(|mut block| fork::run_forked(setups, fork, &key, &norms, &mut block, engine))
        .collect();
    setups
        .iter()
        .enumerate()
        .map(|(s, setup)| replicate_tally(setup, blocks.iter().map(|b| &b[s])))
        .collect()
}

/// Runs one replicate and also returns the final population (for tests and diagnostics).
pub fn run_replicate_with_population(
    setup: &Setup,
    seed: u64,
    replicate: u32,
) -> (Tally, crate::population::Population) {
    let key = ReplicateKey::new(seed, replicate);
    let mut pop = setup.synthesize(&key);
    let norms = crate::model::tables::Normalisers::new(&setup.tables, &pop.localities);
    let blocks: Vec<LocalityTally> = pop
        .localities
        .iter_mut()
        .map(|block| simulate_locality(setup, &key, &norms, block, Engine::Events))
        .collect();
    (replicate_tally(setup, blocks.iter()), pop)
}

/// Simulates one locality over the whole run, mutating its population.
fn simulate_locality(
    setup: &Setup,
    key: &ReplicateKey,
    norms: &crate::model::tables::Normalisers,
    pop: &mut crate::population::LocalityPop,
    engine: Engine,
) -> LocalityTally {
    let mut run = locality::LocalityRun::new(setup, key, norms, pop, engine);
    for w in 0..setup.sim_calendar.weeks {
        phases::run_week(&mut run, pop, w);
    }
    run.tal
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The event-driven engine keeps the sleepers' stocks and the GP count up to date rather
    /// than recounting them: after every week of a run with every service, they equal a recount,
    /// everyone held is on the weekly list and every sleeper is booked for a later week.
    #[test]
    fn the_sleepers_stocks_and_gp_count_equal_a_recount_every_week() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/combined.toml");
        let mut scenario = crate::scenario::load_scenario(&path).unwrap_or_else(|e| panic!("{e}"));
        scenario.scale = 0.02;
        scenario.end = crate::calendar::Date::parse("2020-03-31").unwrap();
        let setup = Setup::new(&scenario, &Arc::new(Place::croydon())).unwrap();
        let key = ReplicateKey::new(5, 0);
        let mut pop = setup.synthesize(&key);
        let norms = crate::model::tables::Normalisers::new(&setup.tables, &pop.localities);
        let block = &mut pop.localities[3];
        let mut run = locality::LocalityRun::new(&setup, &key, &norms, block, Engine::Events);
        let mut asleep = 0;
        for w in 0..setup.sim_calendar.weeks {
            phases::run_week(&mut run, block, w);
            if let Err(e) = events::check(&run, block) {
                panic!("week {w}: {e}");
            }
            asleep = asleep.max(run.sleep.stocks.residents);
        }
        assert!(asleep > 1000, "most residents sleep: {asleep}");
    }
}
