//! Ensembles: every (scenario, replicate) pair runs as an independent job on a rayon pool;
//! results are collected in (scenario, replicate) order, so they do not depend on the thread
//! count or on scheduling (invariant 3).

use crate::engine;
use crate::error::Error;
use crate::place::Place;
use crate::results::{Results, RunCalendar, ScenarioResult};
use crate::scenario::{PlaceSource, Scenario};
use rayon::prelude::*;
use std::sync::Arc;

/// Callbacks from a run in progress. Implementations must be cheap and thread-safe; the
/// library never prints, so progress display is the caller's business.
pub trait Observer: Sync {
    /// Called once before any work, with the number of (scenario, replicate) jobs.
    fn started(&self, _jobs: usize) {}
    /// Called when one replicate of one scenario has finished (in any order).
    fn replicate_done(&self, _scenario: &str, _replicate: u32) {}
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// What to run.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Scenarios, in output order.
    pub scenarios: Vec<Scenario>,
    /// Replicates per scenario (≥ 1).
    pub replicates: u32,
    /// Master seed.
    pub seed: u64,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
}

/// Loads the place a scenario names.
pub fn load_place(source: &PlaceSource) -> Result<Place, Error> {
    Ok(match source {
        PlaceSource::EmbeddedCroydon => Place::croydon(),
        PlaceSource::File(path) => Place::load(path)?,
    })
}

/// Runs every replicate of every scenario and returns the tallies.
pub fn run(request: &RunRequest, observer: &dyn Observer) -> Result<Results, Error> {
    if request.replicates == 0 {
        return Err(Error::Request("--replicates must be at least 1".into()));
    }
    if request.scenarios.is_empty() {
        return Err(Error::Request("no scenario given".into()));
    }
    // Scenarios naming the same place share one loaded copy.
    let mut places: Vec<(PlaceSource, Arc<Place>)> = Vec::new();
    let mut prepared = Vec::with_capacity(request.scenarios.len());
    for scenario in &request.scenarios {
        let place = match places.iter().find(|(s, _)| *s == scenario.place) {
            Some((_, p)) => Arc::clone(p),
            None => {
                let p = Arc::new(load_place(&scenario.place)?);
                places.push((scenario.place.clone(), Arc::clone(&p)));
                p
            }
        };
        let setup = engine::Setup::new(scenario, &place)?;
        prepared.push((place, setup));
    }
    let threads = if request.threads == 0 {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    } else {
        request.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Request(format!("cannot start {threads} threads: {e}")))?;
    let jobs: Vec<(usize, u32)> = (0..prepared.len())
        .flat_map(|s| (0..request.replicates).map(move |r| (s, r)))
        .collect();
    observer.started(jobs.len());
    let tallies: Vec<_> = pool.install(|| {
        jobs.par_iter()
            .map(|&(s, r)| {
                let (_, setup) = &prepared[s];
                let tally = engine::run_replicate(setup, request.seed, r);
                observer.replicate_done(&request.scenarios[s].name, r);
                tally
            })
            .collect()
    });
    let mut tallies = tallies.into_iter();
    let scenarios = request
        .scenarios
        .iter()
        .zip(prepared)
        .map(|(scenario, (place, setup))| ScenarioResult {
            scenario: scenario.clone(),
            place,
            calendar: setup.calendar().clone(),
            replicates: tallies.by_ref().take(request.replicates as usize).collect(),
        })
        .collect();
    Ok(Results {
        seed: request.seed,
        replicates: request.replicates,
        threads,
        scenarios,
    })
}

/// Convenience: the calendar a scenario will run over.
pub fn calendar_of(scenario: &Scenario) -> RunCalendar {
    RunCalendar::new(scenario.start, scenario.end)
}
