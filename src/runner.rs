//! Ensembles: every (scenario, replicate) pair runs as an independent job on a rayon pool;
//! results are collected in (scenario, replicate) order, so they do not depend on the thread
//! count or on scheduling (invariant 3).
//!
//! Before anything is allocated per replicate, [`prepare`] loads the places and builds the
//! set-ups, and [`Prepared::estimate`] sizes the run (memory, files, agent-weeks), so a caller
//! can refuse what cannot fit ([`Estimate::check`]).

use crate::engine;
use crate::error::Error;
use crate::output::size::{estimate_bytes, Files, Shape};
use crate::place::Place;
use crate::population::LocalityPop;
use crate::results::{Catalog, Results, RunCalendar, ScenarioResult, Tally};
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
    /// Worker threads; 0 = one per core; at most [`MAX_THREADS`]. The pool never exceeds the
    /// parallel work ([`Prepared::threads`]).
    pub threads: usize,
}

/// Loads the place a scenario names.
pub fn load_place(source: &PlaceSource) -> Result<Place, Error> {
    Ok(match source {
        PlaceSource::EmbeddedCroydon => Place::croydon(),
        PlaceSource::File(path) => Place::load(path)?,
    })
}

/// Most worker threads a request may ask for. More threads than cores make nothing faster,
/// and the pool is never larger than the parallel work (see [`Prepared::threads`]); this caps
/// what an absurd `--threads` could cost in thread start-up.
pub const MAX_THREADS: usize = 1024;

/// Most replicates per scenario a request may ask for.
pub const MAX_REPLICATES: u32 = 100_000;

/// Agent-weeks simulated per second on one core (docs/performance.md: a full-scale replicate
/// decade under the event-driven engine, 6.3e7; the weekly reference engine runs 1.3e7), used for
/// time estimates.
pub const AGENT_WEEKS_PER_CORE_SECOND: f64 = 6.3e7;

/// Bytes each agent a running replicate has reserved room for takes, besides the services'
/// columns ([`crate::engine::Setup::service_bytes_per_agent`]): its columns
/// ([`LocalityPop::BYTES_PER_AGENT`]), its hashed random stream (8), its share of the scratch
/// lists and synthesis slots (8), and the event-driven engine's clocks, booking and GP key (10).
const BYTES_PER_AGENT_IN_FLIGHT: f64 = LocalityPop::BYTES_PER_AGENT as f64 + 26.0;

/// Memory a run takes whatever its size: the program, the place, tables and schedules, output
/// buffers and chart drawing (measured peaks: 23 MB for a small run, 45 MB for a small
/// comparison with charts).
const FIXED_MEMORY_BYTES: f64 = 48.0 * 1024.0 * 1024.0;

/// Share added to the tallies kept for the outputs for what is derived from them per replicate
/// (summaries, series and comparison levels: about 6% of a tally each).
const DERIVED_SHARE: f64 = 0.10;

/// Cores this machine offers (1 when unknown).
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Checks a requested thread count (0 = one per core) against [`MAX_THREADS`].
pub fn check_threads(threads: usize) -> Result<(), Error> {
    if threads > MAX_THREADS {
        return Err(Error::Request(format!(
            "--threads {threads} is more than the limit of {MAX_THREADS}; this machine has {} cores \
             (0 = one per core), and more threads than cores do not make a run faster",
            available_cores()
        )));
    }
    Ok(())
}

/// A request with its places loaded and each scenario's set-up built: what [`Prepared::run`]
/// simulates and [`Prepared::estimate`] sizes, before anything is allocated per replicate.
pub struct Prepared<'a> {
    request: &'a RunRequest,
    /// The services of every scenario of the request, shared by every set-up.
    catalog: Arc<Catalog>,
    setups: Vec<(Arc<Place>, engine::Setup)>,
    /// The engine that runs the weeks (event-driven unless chosen otherwise).
    engine: engine::Engine,
    /// Each scenario's first week that may differ from the first scenario's
    /// ([`engine::fork::fork_week`]; 0 for the first and for those that differ from the
    /// start): scenarios with a later one are forked from the first at that week.
    fork: Vec<usize>,
    /// The shard the estimate is for ([`Prepared::for_shard`]); `None` for the whole run.
    shard: Option<crate::shard::Shard>,
}

/// Loads the places (scenarios naming the same place share one copy) and builds every
/// scenario's set-up with the request's catalogue (the union of the scenarios' declared
/// services, so every scenario's outputs list the same services). Refuses zero replicates, no
/// scenarios, too many threads and a declared service whose key would name an output a
/// built-in one already has ([`Catalog::key_clash`]).
pub fn prepare(request: &RunRequest) -> Result<Prepared<'_>, Error> {
    if request.replicates == 0 {
        return Err(Error::Request("--replicates must be at least 1".into()));
    }
    if request.scenarios.is_empty() {
        return Err(Error::Request("no scenario given".into()));
    }
    check_threads(request.threads)?;
    for scenario in &request.scenarios {
        for c in &scenario.services.custom {
            if let Some(why) = Catalog::key_clash(&c.key) {
                return Err(Error::Request(format!(
                    "scenario {}: the declared service [services.custom.{}]: {why}; choose another key",
                    scenario.name, c.key
                )));
            }
        }
    }
    let catalog = Arc::new(Catalog::of_scenarios(&request.scenarios));
    let mut places: Vec<(PlaceSource, Arc<Place>)> = Vec::new();
    let mut setups = Vec::with_capacity(request.scenarios.len());
    for scenario in &request.scenarios {
        let place = match places.iter().find(|(s, _)| *s == scenario.place) {
            Some((_, p)) => Arc::clone(p),
            None => {
                let p = Arc::new(load_place(&scenario.place)?);
                places.push((scenario.place.clone(), Arc::clone(&p)));
                p
            }
        };
        let setup = engine::Setup::with_catalog(scenario, &place, Arc::clone(&catalog))?;
        setups.push((place, setup));
    }
    let fork = setups
        .iter()
        .enumerate()
        .map(|(s, (_, setup))| {
            if s == 0 {
                0
            } else {
                engine::fork::fork_week(&setups[0].1, setup)
            }
        })
        .collect();
    Ok(Prepared {
        request,
        catalog,
        setups,
        engine: engine::Engine::Events,
        fork,
        shard: None,
    })
}

/// What a request will take, estimated before it runs ([`Prepared::estimate`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Scenarios.
    pub scenarios: usize,
    /// Replicates per scenario.
    pub replicates: u32,
    /// Worker threads the run would use.
    pub threads: usize,
    /// Cores of this machine.
    pub cores: usize,
    /// Peak memory: every replicate's tally (kept for the outputs) plus the populations of the
    /// replicates running at once, plus a fixed allowance.
    pub memory_bytes: u64,
    /// Bytes of the files written ([`crate::output::size::estimate_bytes`]).
    pub output_bytes: u64,
    /// Agents × weeks simulated, over every replicate of every scenario.
    pub agent_weeks: f64,
}

impl Estimate {
    /// Estimated simulation time in seconds: agent-weeks ÷ [`AGENT_WEEKS_PER_CORE_SECOND`] ÷ the
    /// cores the run can use.
    pub fn seconds(&self) -> f64 {
        self.agent_weeks / (AGENT_WEEKS_PER_CORE_SECOND * self.threads.min(self.cores).max(1) as f64)
    }

    /// Refuses ([`Error::TooLarge`]) a request beyond [`MAX_REPLICATES`], or whose memory or
    /// output estimate exceeds what `limits` says is available (an unknown limit refuses
    /// nothing). The message gives every reason, the estimate and what to change.
    pub fn check(&self, limits: &Limits) -> Result<(), Error> {
        let mut reasons = Vec::new();
        if self.replicates > MAX_REPLICATES {
            reasons.push(format!(
                "--replicates {} is more than the limit of {MAX_REPLICATES} per scenario",
                self.replicates
            ));
        }
        if let Some(available) = limits.memory_available {
            if self.memory_bytes > available {
                reasons.push(format!(
                    "it needs about {} of memory and {} is available",
                    human_bytes(self.memory_bytes),
                    human_bytes(available)
                ));
            }
        }
        let mut advice = String::from("Ask for fewer replicates (--replicates)");
        if let Some((at, free)) = &limits.disk_available {
            if self.output_bytes > *free {
                advice.push_str(
                    ", a shorter run, the Parquet format (`run --format parquet`, the default: the \
                     weekly and annual tables about 70 times smaller than as CSV), or a shorter \
                     `[scenario] name` (the name, replicate, date and locality are in every row of \
                     weekly.csv and annual.csv; `run --detail minimal` makes the annual table about \
                     50 times smaller)",
                );
                reasons.push(format!(
                    "its files need about {} and {} is free at {}",
                    human_bytes(self.output_bytes),
                    human_bytes(*free),
                    at.display()
                ));
            }
        }
        if reasons.is_empty() {
            return Ok(());
        }
        if self.memory_bytes > limits.memory_available.unwrap_or(u64::MAX) {
            advice.push_str(" or a smaller sample (`[scenario] scale`)");
        }
        Err(Error::TooLarge(format!(
            "refusing to run: {}. Estimate: {self}. {advice}",
            reasons.join("; ")
        )))
    }
}

impl std::fmt::Display for Estimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} scenario{} × {} replicate{}: about {} of memory, {} of files and {:.2e} agent-weeks, \
             {} on {} thread{} (at {:.1e} agent-weeks per core-second)",
            self.scenarios,
            if self.scenarios == 1 { "" } else { "s" },
            self.replicates,
            if self.replicates == 1 { "" } else { "s" },
            human_bytes(self.memory_bytes),
            human_bytes(self.output_bytes),
            self.agent_weeks,
            human_duration(self.seconds()),
            self.threads,
            if self.threads == 1 { "" } else { "s" },
            AGENT_WEEKS_PER_CORE_SECOND
        )
    }
}

/// What this machine has room for; `None` where unknown (never refused on).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// Memory available to a new process, in bytes.
    pub memory_available: Option<u64>,
    /// The folder the outputs go to (or its nearest existing ancestor) and the bytes free there.
    pub disk_available: Option<(std::path::PathBuf, u64)>,
}

/// Bytes in decimal units (`68.7 GB`).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// A duration in words at a sensible unit (`about 4.2 h`).
pub fn human_duration(seconds: f64) -> String {
    const UNITS: [(f64, &str); 5] = [
        (365.25 * 86_400.0, "years"),
        (86_400.0, "days"),
        (3_600.0, "h"),
        (60.0, "min"),
        (1.0, "s"),
    ];
    for (size, name) in UNITS {
        if seconds >= size {
            return format!("about {:.1} {name}", seconds / size);
        }
    }
    "under a second".into()
}

impl Prepared<'_> {
    /// (scenario, replicate) pairs.
    fn pairs(&self) -> u64 {
        self.setups.len() as u64 * u64::from(self.request.replicates)
    }

    /// This run limited to one shard's jobs ([`crate::shard::Shard::jobs`] of
    /// [`Prepared::jobs`]), for [`Prepared::estimate`]: its tallies, time and files are the
    /// shard's share, and its files are the tallies themselves.
    pub fn for_shard(mut self, shard: crate::shard::Shard) -> Self {
        self.shard = Some(shard);
        self
    }

    /// Worker threads the run uses: as requested (0 = one per core), but never more than the
    /// pieces of work that can run at once (every locality of every replicate of every
    /// scenario), so a large thread count cannot make a small run slow.
    pub fn threads(&self) -> usize {
        let requested = if self.request.threads == 0 {
            available_cores()
        } else {
            self.request.threads
        };
        let units: u64 = self
            .setups
            .iter()
            .map(|(place, _)| u64::from(self.request.replicates).saturating_mul(place.n_localities().max(1) as u64))
            .fold(0, u64::saturating_add);
        requested.min(usize::try_from(units).unwrap_or(usize::MAX)).max(1)
    }

    /// Estimates memory, output size and agent-weeks before anything is allocated per
    /// replicate, for the folder `files` describes.
    pub fn estimate(&self, files: Files) -> Estimate {
        let replicates = f64::from(self.request.replicates);
        let threads = self.threads();
        let mut tallies = 0.0;
        let mut in_flight: f64 = 0.0;
        let mut agent_weeks = 0.0;
        for ((place, setup), &fork) in self.setups.iter().zip(&self.fork) {
            let cal = setup.calendar();
            let tally = Tally::bytes(
                cal.weeks,
                place.n_localities(),
                cal.financial_years.len(),
                &self.catalog,
            ) as f64;
            tallies += replicates * tally;
            let per_agent = BYTES_PER_AGENT_IN_FLIGHT + setup.service_bytes_per_agent() as f64;
            in_flight = in_flight.max(setup.agent_capacity() * per_agent + tally);
            // A forked scenario simulates only the weeks from its fork on (fork weeks count in
            // simulated weeks, the warm-up included).
            let sim = setup.simulated_weeks();
            agent_weeks += replicates * setup.agents() * (sim - fork.min(sim)) as f64;
        }
        // Rayon may start another replicate on a thread waiting for its localities: allow two
        // per thread; a forked comparison holds the base's state and one fork's at once.
        let running = (2 * threads as u64).min(self.pairs()) as f64;
        if self.fork.iter().any(|&f| f > 0) {
            in_flight *= 2.0;
        }
        let jobs_list = self.pairs() as f64 * 16.0;
        // A shard keeps, simulates and writes only its jobs' share (its files are the tallies).
        let share = self.shard.map_or(1.0, |shard| {
            let jobs = self.jobs().len();
            shard.jobs(jobs).len() as f64 / jobs.max(1) as f64
        });
        let (tallies, agent_weeks) = (tallies * share, agent_weeks * share);
        let memory = FIXED_MEMORY_BYTES + tallies * (1.0 + DERIVED_SHARE) + running * in_flight + jobs_list;
        let localities: Vec<Vec<&str>> = self.setups.iter().map(|(place, _)| place.locality_keys()).collect();
        let shapes: Vec<Shape<'_>> = self
            .request
            .scenarios
            .iter()
            .zip(&self.setups)
            .zip(&localities)
            .map(|((scenario, (_, setup)), locs)| Shape {
                name: &scenario.name,
                calendar: setup.calendar(),
                localities: locs,
                catalog: &self.catalog,
            })
            .collect();
        Estimate {
            scenarios: self.setups.len(),
            replicates: self.request.replicates,
            threads,
            cores: available_cores(),
            // `as` saturates: an absurd request reads as u64::MAX, still refused.
            memory_bytes: memory as u64,
            output_bytes: match self.shard {
                Some(_) => tallies as u64,
                None => estimate_bytes(files, &shapes, self.request.replicates),
            },
            agent_weeks,
        }
    }

    /// Each scenario's first week that may differ from the first scenario's (0 for the first
    /// and for those that differ from the start; see [`engine::fork::fork_week`]).
    pub fn fork_weeks(&self) -> &[usize] {
        &self.fork
    }

    /// Runs every scenario from its start, forking none from the first (the reference the
    /// fork test compares with; results are the same either way).
    pub fn without_forks(mut self) -> Self {
        self.fork.iter_mut().for_each(|f| *f = 0);
        self
    }

    /// Runs the weeks with `engine` instead of the event-driven default (calibration uses the
    /// weekly reference engine, see `calibration::fit::evaluate_at`).
    pub fn with_engine(mut self, engine: engine::Engine) -> Self {
        self.engine = engine;
        self
    }

    /// The jobs of the run, in the order results are collected: one per replicate of each
    /// scenario, except that the scenarios forked from the first (those with a fork week) run in
    /// the first's jobs, which share the weeks before their forks. A job is `(scenario,
    /// replicate)`; [`crate::shard::Shard`] splits this list.
    pub fn jobs(&self) -> Vec<(usize, u32)> {
        let forked: Vec<usize> = (1..self.setups.len()).filter(|&s| self.fork[s] > 0).collect();
        (0..self.setups.len())
            .filter(|s| !forked.contains(s))
            .flat_map(|s| (0..self.request.replicates).map(move |r| (s, r)))
            .collect()
    }

    /// Runs the jobs numbered `which` (indices into [`Prepared::jobs`]) on the request's pool
    /// and returns every (scenario, replicate, tally) they produce, in job order. Refuses more
    /// than [`MAX_REPLICATES`] (check [`Prepared::estimate`] first for the reason in full).
    pub fn run_jobs(&self, which: &[usize], observer: &dyn Observer) -> Result<Vec<(usize, u32, Tally)>, Error> {
        let request = self.request;
        if request.replicates > MAX_REPLICATES {
            return Err(Error::TooLarge(format!(
                "--replicates {} is more than the limit of {MAX_REPLICATES} per scenario",
                request.replicates
            )));
        }
        let threads = self.threads();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Request(format!("cannot start {threads} threads: {e}")))?;
        let all = self.jobs();
        let jobs: Vec<(usize, u32)> = which
            .iter()
            .map(|&j| {
                all.get(j)
                    .copied()
                    .ok_or_else(|| Error::Request(format!("job {j} is not one of the run's {} jobs", all.len())))
            })
            .collect::<Result<_, _>>()?;
        let prepared = &self.setups;
        let fork = &self.fork;
        let which_engine = self.engine;
        let forked: Vec<usize> = (1..prepared.len()).filter(|&s| fork[s] > 0).collect();
        let per_job = |s: usize| if s == 0 { 1 + forked.len() } else { 1 };
        observer.started(jobs.iter().map(|&(s, _)| per_job(s)).sum());
        let done: Vec<Vec<(usize, u32, Tally)>> = pool.install(|| {
            jobs.par_iter()
                .map(|&(s, r)| {
                    let out: Vec<(usize, u32, Tally)> = if s == 0 && !forked.is_empty() {
                        let group: Vec<usize> = std::iter::once(0).chain(forked.iter().copied()).collect();
                        let setups: Vec<&engine::Setup> = group.iter().map(|&g| &prepared[g].1).collect();
                        let weeks: Vec<usize> = group.iter().map(|&g| fork[g]).collect();
                        group
                            .iter()
                            .copied()
                            .zip(engine::run_replicate_forked(
                                &setups,
                                &weeks,
                                request.seed,
                                r,
                                which_engine,
                            ))
                            .map(|(g, t)| (g, r, t))
                            .collect()
                    } else {
                        vec![(
                            s,
                            r,
                            engine::run_replicate_with(&prepared[s].1, request.seed, r, which_engine),
                        )]
                    };
                    for (g, _, _) in &out {
                        observer.replicate_done(&request.scenarios[*g].name, r);
                    }
                    out
                })
                .collect()
        });
        Ok(done.into_iter().flatten().collect())
    }

    /// The results of the run from the tallies of all its jobs, in any order (from
    /// [`Prepared::run_jobs`] on one machine, or from the shards of a merge): every
    /// (scenario, replicate) exactly once, each tally shaped as this run's are. `threads` is
    /// what the manifest records.
    pub fn assemble(self, tallies: Vec<(usize, u32, Tally)>, threads: usize) -> Result<Results, Error> {
        let request = self.request;
        let n = self.setups.len();
        let reps = request.replicates as usize;
        let mut slots: Vec<Vec<Option<Tally>>> = vec![vec![None; reps]; n];
        for (s, r, tally) in tallies {
            let slot = slots.get_mut(s).and_then(|v| v.get_mut(r as usize)).ok_or_else(|| {
                Error::Request(format!(
                    "a tally of scenario {s}, replicate {r} is not part of this run"
                ))
            })?;
            if slot.is_some() {
                return Err(Error::Request(format!(
                    "replicate {r} of scenario {} is there twice",
                    request.scenarios[s].name
                )));
            }
            let (place, setup) = &self.setups[s];
            let cal = setup.calendar();
            if (
                tally.weeks(),
                tally.localities(),
                tally.financial_years(),
                tally.n_metrics(),
                tally.n_avoiding(),
            ) != (
                cal.weeks,
                place.n_localities(),
                cal.financial_years.len(),
                self.catalog.n_metrics(),
                self.catalog.n_avoiding(),
            ) {
                return Err(Error::Request(format!(
                    "the tally of replicate {r} of scenario {} is not shaped as this run's",
                    request.scenarios[s].name
                )));
            }
            *slot = Some(tally);
        }
        let mut by_scenario = Vec::with_capacity(n);
        for (s, slots) in slots.into_iter().enumerate() {
            let mut replicates = Vec::with_capacity(reps);
            for (r, t) in slots.into_iter().enumerate() {
                replicates.push(t.ok_or_else(|| {
                    Error::Request(format!(
                        "replicate {r} of scenario {} is missing",
                        request.scenarios[s].name
                    ))
                })?);
            }
            by_scenario.push(replicates);
        }
        let scenarios = request
            .scenarios
            .iter()
            .zip(self.setups)
            .zip(by_scenario)
            .map(|((scenario, (place, setup)), replicates)| ScenarioResult {
                scenario: scenario.clone(),
                place,
                catalog: Arc::clone(&self.catalog),
                calendar: setup.calendar().clone(),
                replicates,
            })
            .collect();
        Ok(Results {
            seed: request.seed,
            replicates: request.replicates,
            threads,
            catalog: self.catalog,
            scenarios,
        })
    }

    /// Runs every replicate of every scenario and returns the tallies ([`Prepared::run_jobs`]
    /// on every job, then [`Prepared::assemble`]). Refuses more than [`MAX_REPLICATES`].
    pub fn run(self, observer: &dyn Observer) -> Result<Results, Error> {
        let all: Vec<usize> = (0..self.jobs().len()).collect();
        let tallies = self.run_jobs(&all, observer)?;
        let threads = self.threads();
        self.assemble(tallies, threads)
    }
}

/// Runs every replicate of every scenario and returns the tallies ([`prepare`], then
/// [`Prepared::run`]).
pub fn run(request: &RunRequest, observer: &dyn Observer) -> Result<Results, Error> {
    prepare(request)?.run(observer)
}

/// Convenience: the calendar a scenario will run over.
pub fn calendar_of(scenario: &Scenario) -> RunCalendar {
    RunCalendar::new(scenario.start, scenario.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(replicates: u32, memory_bytes: u64, output_bytes: u64) -> Estimate {
        Estimate {
            scenarios: 2,
            replicates,
            threads: 4,
            cores: 4,
            memory_bytes,
            output_bytes,
            agent_weeks: 4.0e10,
        }
    }

    #[test]
    fn a_request_that_fits_or_whose_limits_are_unknown_is_not_refused() {
        let e = estimate(MAX_REPLICATES, 2_000_000_000, 500_000_000);
        assert!(e.check(&Limits::default()).is_ok());
        let roomy = Limits {
            memory_available: Some(2_000_000_000),
            disk_available: Some(("/out".into(), 500_000_000)),
        };
        assert!(e.check(&roomy).is_ok());
    }

    #[test]
    fn each_limit_exceeded_is_named_with_the_estimate_and_the_time() {
        let e = estimate(MAX_REPLICATES + 1, 2_000_000_000, 500_000_000);
        let tight = Limits {
            memory_available: Some(1_000_000_000),
            disk_available: Some(("/out".into(), 400_000_000)),
        };
        let err = e.check(&tight).unwrap_err();
        assert!(err.is_bad_input());
        let msg = err.to_string();
        for needle in [
            "--replicates 100001 is more than the limit of 100000",
            "about 2.0 GB of memory and 1.0 GB is available",
            "about 500.0 MB and 400.0 MB is free at /out",
            "4.00e10 agent-weeks",
            // 4e10 agent-weeks / (6.3e7 per core-second x 4 cores) = 159 s.
            "about 2.6 min on 4 threads",
            "fewer replicates",
        ] {
            assert!(msg.contains(needle), "missing {needle:?} in {msg}");
        }
        let only_disk = estimate(10, 1, 500_000_000).check(&tight).unwrap_err().to_string();
        assert!(
            only_disk.contains("free at /out") && !only_disk.contains("is available"),
            "{only_disk}"
        );
    }

    #[test]
    fn the_time_estimate_uses_no_more_cores_than_the_machine_has() {
        let mut e = estimate(10, 1, 1);
        e.threads = 1024;
        e.cores = 2;
        assert!((e.seconds() - 4.0e10 / (AGENT_WEEKS_PER_CORE_SECOND * 2.0)).abs() < 1e-6);
    }

    #[test]
    fn sizes_and_durations_read_in_sensible_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(68_719_476_736), "68.7 GB");
        assert_eq!(human_bytes(u64::MAX), "18.4 EB");
        assert_eq!(human_duration(0.2), "under a second");
        assert_eq!(human_duration(90.0), "about 1.5 min");
        assert_eq!(human_duration(3.0 * 86_400.0), "about 3.0 days");
    }

    #[test]
    fn thread_counts_above_the_cap_are_refused_and_zero_means_every_core() {
        assert!(check_threads(0).is_ok());
        assert!(check_threads(MAX_THREADS).is_ok());
        let err = check_threads(MAX_THREADS + 1).unwrap_err().to_string();
        assert!(
            err.contains("1025") && err.contains("1024") && err.contains("cores"),
            "{err}"
        );
    }
}
