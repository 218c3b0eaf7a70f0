//! Engine placeholder (replaced by the real weekly engine).
use crate::error::Error;
use crate::place::Place;
use crate::results::{RunCalendar, Tally};
use crate::scenario::Scenario;

/// Everything precomputed for one scenario on one place.
#[derive(Debug, Clone)]
pub struct Setup {
    calendar: RunCalendar,
    localities: usize,
}

impl Setup {
    /// Precomputes tables for a scenario.
    pub fn new(scenario: &Scenario, place: &Place) -> Result<Setup, Error> {
        Ok(Setup { calendar: RunCalendar::new(scenario.start, scenario.end), localities: place.n_localities() })
    }
    /// The calendar.
    pub fn calendar(&self) -> &RunCalendar {
        &self.calendar
    }
}

/// Runs one replicate.
pub fn run_replicate(setup: &Setup, _seed: u64, _replicate: u32) -> Tally {
    Tally::new(setup.calendar.weeks, setup.localities, setup.calendar.financial_years.len())
}

/// One step of the weekly loop.
#[derive(Debug, Clone, Copy)]
pub struct Phase {
    /// Short name.
    pub name: &'static str,
    /// What it does, in a sentence or two.
    pub description: &'static str,
}

/// The weekly step order (invariant 5). Every locality runs these phases in this order each
/// week; `placesim explain` prints them.
pub const PHASES: &[Phase] = &[Phase { name: "placeholder", description: "replaced by the real engine" }];
