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
