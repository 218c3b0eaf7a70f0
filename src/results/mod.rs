//! What a run produces: tallies per replicate, organised by week, locality and (per financial
//! year) by IMD quintile, age band and sex; plus summaries across replicates.

pub mod catalog;
pub mod metrics;
pub mod summary;

pub use metrics::{
    age_band, life_age_group, Metric, MetricKind, AGE_BANDS, IMD_QUINTILES, LIFE_AGE_GROUPS, N_METRICS, SEXES,
};

use crate::calendar::Date;
use crate::place::Place;
use crate::scenario::Scenario;
use std::sync::Arc;

/// The weeks and financial years a scenario covers.
#[derive(Debug, Clone, PartialEq)]
pub struct RunCalendar {
    /// Start date of week 0 (a Monday).
    pub start: Date,
    /// Number of weekly steps.
    pub weeks: usize,
    /// Financial years covered (first year of each, e.g. 2016 for FY2016/17), ascending.
    pub financial_years: Vec<i32>,
    /// Index into `financial_years` of each week (by the week's start date).
    pub fy_of_week: Vec<u16>,
    /// Weeks in each financial year (for turning summed stocks into mean levels).
    pub weeks_in_fy: Vec<u32>,
}

impl RunCalendar {
    /// The calendar from `start` (a Monday) to the week containing `end`.
    pub fn new(start: Date, end: Date) -> RunCalendar {
        let weeks = (((end.days() - start.days()) / 7) + 1).max(1) as usize;
        let mut financial_years = Vec::new();
        let mut fy_of_week = Vec::with_capacity(weeks);
        let mut weeks_in_fy = Vec::new();
        for w in 0..weeks {
            let fy = start.add_days(7 * w as i32).financial_year();
            if financial_years.last() != Some(&fy) {
                financial_years.push(fy);
                weeks_in_fy.push(0);
            }
            fy_of_week.push((financial_years.len() - 1) as u16);
            *weeks_in_fy.last_mut().expect("pushed above") += 1;
        }
        RunCalendar {
            start,
            weeks,
            financial_years,
            fy_of_week,
            weeks_in_fy,
        }
    }

    /// Start date of week `w`.
    pub fn week_start(&self, w: usize) -> Date {
        self.start.add_days(7 * w as i32)
    }

    /// The week containing `date` (clamped to the run).
    pub fn week_of(&self, date: Date) -> usize {
        let d = date.days() - self.start.days();
        if d < 0 {
            0
        } else {
            ((d / 7) as usize).min(self.weeks)
        }
    }
}

/// Number of cells per locality and financial year in the breakdown (quintile × age × sex).
pub const BREAKDOWN_CELLS: usize = 5 * AGE_BANDS.len() * 2;

/// Cell of the financial-year table for activity that belongs to no resident (practice
/// huddles held). Written to `annual.csv` with `unattributed` in place of quintile, age band
/// and sex.
pub const OVERHEAD_CELL: usize = BREAKDOWN_CELLS;

/// Cells per locality and financial year: the breakdown cells plus the overhead cell.
pub const CELLS_PER_LOCALITY: usize = BREAKDOWN_CELLS + 1;

/// Index of a breakdown cell.
#[inline]
pub fn breakdown_cell(imd_quintile0: usize, age_band: usize, sex: usize) -> usize {
    (imd_quintile0 * AGE_BANDS.len() + age_band) * 2 + sex
}

/// Tallies of one replicate of one scenario. Values are counts (`u32`); stocks are summed
/// over weeks in the financial-year table (divide by [`RunCalendar::weeks_in_fy`] for the
/// mean level).
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    weeks: usize,
    localities: usize,
    fys: usize,
    /// `[week][locality][metric]`
    weekly: Vec<u32>,
    /// `[fy][locality][cell][metric]`, cells = breakdown cells then the overhead cell
    annual: Vec<u32>,
    /// `[fy][locality][local decile][sex][life age group][deaths, person-weeks]`
    life: Vec<u32>,
    /// `[fy][locality][local decile][metric]`: the financial-year table by the place's own
    /// deprivation decile (for inequality analysis); the overhead cell is not included.
    equity: Vec<u32>,
    /// `[fy][locality][local decile]`: quality-adjusted life years lived (EQ-5D weighted
    /// person-weeks / 52.18) by the closed cohort: residents at the start and those born during
    /// the run (in-migrants excluded, since they replace averted deaths).
    qalys: Vec<f64>,
    /// `[week][locality][service][expected A&E attendances avoided, expected admissions
    /// avoided]`, services in the order of [`AVOIDING_SERVICES`].
    avoided: Vec<f64>,
}

/// Services whose effects lower the crisis hazard, in the order of the avoided-crisis tally.
pub const AVOIDING_SERVICES: [&str; 4] = ["huddles", "pic", "social_prescribing", "pharmacists"];

/// Local deprivation deciles in the inequality tallies (0 = most deprived tenth of the place).
pub const LOCAL_DECILES: usize = 10;

/// Entries of the life-expectancy tally per financial year and locality.
pub const LIFE_CELLS: usize = LOCAL_DECILES * 2 * LIFE_AGE_GROUPS * 2;

/// Entries of the decile table per financial year and locality.
pub const EQUITY_CELLS: usize = LOCAL_DECILES * N_METRICS;

impl Tally {
    /// An all-zero tally.
    pub fn new(weeks: usize, localities: usize, fys: usize) -> Tally {
        Tally {
            weeks,
            localities,
            fys,
            weekly: vec![0; weeks * localities * N_METRICS],
            annual: vec![0; fys * localities * CELLS_PER_LOCALITY * N_METRICS],
            life: vec![0; fys * localities * LIFE_CELLS],
            equity: vec![0; fys * localities * EQUITY_CELLS],
            qalys: vec![0.0; fys * localities * LOCAL_DECILES],
            avoided: vec![0.0; weeks * localities * AVOIDING_SERVICES.len() * 2],
        }
    }

    /// Bytes of tally storage [`Tally::new`] allocates for these dimensions (for the memory
    /// estimate of a run, which keeps one tally per replicate of every scenario).
    pub fn bytes(weeks: usize, localities: usize, fys: usize) -> u64 {
        let (weeks, localities, fys) = (weeks as u64, localities as u64, fys as u64);
        let u32s = weeks * localities * N_METRICS as u64
            + fys * localities * (CELLS_PER_LOCALITY * N_METRICS + LIFE_CELLS + EQUITY_CELLS) as u64;
        let f64s = fys * localities * LOCAL_DECILES as u64 + weeks * localities * (AVOIDING_SERVICES.len() * 2) as u64;
        u32s * 4 + f64s * 8
    }

    /// Bytes of storage this tally holds.
    pub fn storage_bytes(&self) -> u64 {
        (4 * (self.weekly.len() + self.annual.len() + self.life.len() + self.equity.len())
            + 8 * (self.qalys.len() + self.avoided.len())) as u64
    }

    /// Weeks covered.
    pub fn weeks(&self) -> usize {
        self.weeks
    }

    /// Localities covered.
    pub fn localities(&self) -> usize {
        self.localities
    }

    /// Financial years covered.
    pub fn financial_years(&self) -> usize {
        self.fys
    }

    /// Value of `metric` in `week` for `locality`.
    #[inline]
    pub fn weekly(&self, week: usize, locality: usize, metric: Metric) -> u32 {
        self.weekly[(week * self.localities + locality) * N_METRICS + metric as usize]
    }

    /// Financial-year sum of `metric` in one breakdown cell.
    #[inline]
    pub fn annual(&self, fy: usize, locality: usize, cell: usize, metric: Metric) -> u32 {
        self.annual[((fy * self.localities + locality) * CELLS_PER_LOCALITY + cell) * N_METRICS + metric as usize]
    }

    /// Financial-year sum of `metric` for a whole locality.
    pub fn annual_locality(&self, fy: usize, locality: usize, metric: Metric) -> u64 {
        (0..CELLS_PER_LOCALITY)
            .map(|c| u64::from(self.annual(fy, locality, c, metric)))
            .sum()
    }

    /// Financial-year sum of `metric` for the whole place.
    pub fn annual_total(&self, fy: usize, metric: Metric) -> u64 {
        (0..self.localities).map(|l| self.annual_locality(fy, l, metric)).sum()
    }

    /// Deaths and person-weeks in one financial year, locality, local deprivation decile
    /// (0 = most deprived tenth of the place), sex (0 = female) and life age group.
    #[inline]
    pub fn life(&self, fy: usize, locality: usize, decile: usize, sex: usize, group: usize) -> (u32, u32) {
        let at = (fy * self.localities + locality) * LIFE_CELLS + ((decile * 2 + sex) * LIFE_AGE_GROUPS + group) * 2;
        (self.life[at], self.life[at + 1])
    }

    /// Deaths and person-weeks as [`Tally::life`], for a local fifth (deciles `2f` and `2f+1`).
    pub fn life_fifth(&self, fy: usize, locality: usize, fifth: usize, sex: usize, group: usize) -> (u32, u32) {
        let (d0, p0) = self.life(fy, locality, 2 * fifth, sex, group);
        let (d1, p1) = self.life(fy, locality, 2 * fifth + 1, sex, group);
        (d0 + d1, p0 + p1)
    }

    /// Financial-year sum of `metric` among residents of one local deprivation decile in one
    /// locality (activity of the overhead cell excluded).
    #[inline]
    pub fn equity(&self, fy: usize, locality: usize, decile: usize, metric: Metric) -> u32 {
        self.equity[((fy * self.localities + locality) * LOCAL_DECILES + decile) * N_METRICS + metric as usize]
    }

    /// Mutable decile table (`[decile][metric]`) of one locality and financial year.
    pub fn equity_block_mut(&mut self, fy: usize, locality: usize) -> &mut [u32] {
        let at = (fy * self.localities + locality) * EQUITY_CELLS;
        &mut self.equity[at..at + EQUITY_CELLS]
    }

    /// Quality-adjusted life years lived in one financial year by residents of one locality and
    /// local deprivation decile (undiscounted).
    #[inline]
    pub fn qalys(&self, fy: usize, locality: usize, decile: usize) -> f64 {
        self.qalys[(fy * self.localities + locality) * LOCAL_DECILES + decile]
    }

    /// Mutable QALY row (`[decile]`) of one locality and financial year.
    pub fn qaly_row_mut(&mut self, fy: usize, locality: usize) -> &mut [f64] {
        let at = (fy * self.localities + locality) * LOCAL_DECILES;
        &mut self.qalys[at..at + LOCAL_DECILES]
    }

    /// Mutable life-expectancy tally (`[decile][sex][group][deaths, person-weeks]`) of one
    /// locality and financial year.
    pub fn life_block_mut(&mut self, fy: usize, locality: usize) -> &mut [u32] {
        let at = (fy * self.localities + locality) * LIFE_CELLS;
        &mut self.life[at..at + LIFE_CELLS]
    }

    /// Expected A&E attendances and admissions avoided by each service in one week and
    /// locality: `[service][ae, admissions]` flattened, services as [`AVOIDING_SERVICES`].
    pub fn avoided(&self, week: usize, locality: usize) -> &[f64] {
        let n = AVOIDING_SERVICES.len() * 2;
        let at = (week * self.localities + locality) * n;
        &self.avoided[at..at + n]
    }

    /// Mutable avoided-crisis row of one week and locality.
    pub fn avoided_row_mut(&mut self, week: usize, locality: usize) -> &mut [f64] {
        let n = AVOIDING_SERVICES.len() * 2;
        let at = (week * self.localities + locality) * n;
        &mut self.avoided[at..at + n]
    }

    /// Mutable weekly row (`[metric]`) of one locality.
    pub fn weekly_row_mut(&mut self, week: usize, locality: usize) -> &mut [u32] {
        let at = (week * self.localities + locality) * N_METRICS;
        &mut self.weekly[at..at + N_METRICS]
    }

    /// Mutable financial-year table (`[cell][metric]`, overhead cell last) of one locality.
    pub fn annual_block_mut(&mut self, fy: usize, locality: usize) -> &mut [u32] {
        let at = (fy * self.localities + locality) * CELLS_PER_LOCALITY * N_METRICS;
        &mut self.annual[at..at + CELLS_PER_LOCALITY * N_METRICS]
    }
}

/// All replicates of one scenario.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// The scenario as run.
    pub scenario: Scenario,
    /// The place it ran on.
    pub place: Arc<Place>,
    /// Its weeks and financial years.
    pub calendar: RunCalendar,
    /// One tally per replicate, in replicate order.
    pub replicates: Vec<Tally>,
}

/// Everything an ensemble run produced.
#[derive(Debug, Clone)]
pub struct Results {
    /// Master seed.
    pub seed: u64,
    /// Replicates per scenario.
    pub replicates: u32,
    /// Threads used (does not affect results).
    pub threads: usize,
    /// One entry per scenario, in the order given.
    pub scenarios: Vec<ScenarioResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_formula_matches_what_a_new_tally_holds() {
        for (weeks, localities, fys) in [(1, 1, 1), (313, 6, 6), (574, 6, 12), (53, 3, 2)] {
            let t = Tally::new(weeks, localities, fys);
            assert_eq!(Tally::bytes(weeks, localities, fys), t.storage_bytes());
        }
    }
}
