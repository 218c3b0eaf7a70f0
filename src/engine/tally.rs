//! The tallies of one locality over a run, filled by the phases and the services and copied
//! into the replicate's [`Tally`] when the locality is done.

use crate::population::{flag, LocalityPop};
use crate::results::{
    age_band, breakdown_cell, life_age_group, Metric, Tally, CELLS_PER_LOCALITY as CELLS, LIFE_AGE_GROUPS, LIFE_CELLS,
    LOCAL_DECILES, OVERHEAD_CELL,
};

/// Tallies of one locality over the run.
#[derive(Debug, Clone)]
pub struct LocalityTally {
    weekly: Vec<u32>,
    /// `[week][avoiding service][expected A&E attendances avoided, expected admissions avoided]`
    avoided: Vec<f64>,
    annual: Vec<u32>,
    /// `[fy][decile][sex][group][deaths, person-weeks]`
    life: Vec<u32>,
    /// `[fy][decile][metric]`
    equity: Vec<u32>,
    /// `[fy][decile]` QALYs
    qalys: Vec<f64>,
    /// The place's own deprivation decile of each LSOA.
    deciles: Vec<u8>,
    /// Metrics tallied (built-in metrics, then those of scenario-declared services).
    metrics: usize,
    /// Services that lower the crisis hazard (width of a week's avoided row / 2).
    avoiding: usize,
    week_at: usize,
    avoided_at: usize,
    fy_at: usize,
    life_at: usize,
    equity_at: usize,
    qaly_at: usize,
}

/// Where an event is tallied: its breakdown cell (national IMD quintile × age band × sex, or
/// the overhead cell) and the resident's local deprivation decile (`NO_DECILE` for overhead).
#[derive(Debug, Clone, Copy)]
pub struct Cell {
    breakdown: usize,
    /// The resident's local deprivation decile (0 = most deprived tenth of the place).
    pub decile: usize,
}

const NO_DECILE: usize = usize::MAX;

impl Cell {
    /// Breakdown cell `breakdown` (below the overhead cell) and local decile `decile`.
    pub fn new(breakdown: usize, decile: usize) -> Cell {
        Cell { breakdown, decile }
    }

    /// The breakdown cell (national IMD quintile × age band × sex, or the overhead cell).
    pub fn breakdown(&self) -> usize {
        self.breakdown
    }

    /// Activity that belongs to no resident.
    pub const OVERHEAD: Cell = Cell {
        breakdown: OVERHEAD_CELL,
        decile: NO_DECILE,
    };
}

impl LocalityTally {
    /// Empty tallies for `weeks` weeks, `fys` financial years, `metrics` metrics and
    /// `avoiding` crisis-avoiding services; `deciles` is the local decile of each LSOA.
    pub fn new(weeks: usize, fys: usize, deciles: &[u8], metrics: usize, avoiding: usize) -> Self {
        LocalityTally {
            weekly: vec![0; weeks * metrics],
            avoided: vec![0.0; weeks * avoiding * 2],
            annual: vec![0; fys * CELLS * metrics],
            life: vec![0; fys * LIFE_CELLS],
            equity: vec![0; fys * LOCAL_DECILES * metrics],
            qalys: vec![0.0; fys * LOCAL_DECILES],
            deciles: deciles.to_vec(),
            metrics,
            avoiding,
            week_at: 0,
            avoided_at: 0,
            fy_at: 0,
            life_at: 0,
            equity_at: 0,
            qaly_at: 0,
        }
    }

    /// Zeroes every tally (the end of the warm-up).
    pub fn clear(&mut self) {
        self.weekly.fill(0);
        self.avoided.fill(0.0);
        self.annual.fill(0);
        self.life.fill(0);
        self.equity.fill(0);
        self.qalys.fill(0.0);
    }

    /// Points the tallies at week `week` of financial year `fy`.
    pub fn begin(&mut self, week: usize, fy: usize) {
        self.week_at = week * self.metrics;
        self.avoided_at = week * self.avoiding * 2;
        self.fy_at = fy * CELLS * self.metrics;
        self.life_at = fy * LIFE_CELLS;
        self.equity_at = fy * LOCAL_DECILES * self.metrics;
        self.qaly_at = fy * LOCAL_DECILES;
    }

    /// Where agent `i`'s events are tallied.
    #[inline(always)]
    pub fn cell(&self, pop: &LocalityPop, i: usize) -> Cell {
        Cell {
            breakdown: breakdown_cell(
                usize::from((pop.imd_decile[i] - 1) / 2),
                age_band(pop.age[i]),
                usize::from(pop.flags[i] & flag::MALE != 0),
            ),
            decile: usize::from(self.deciles[usize::from(pop.lsoa[i])]),
        }
    }

    /// Where agent `i`'s events would be tallied at age `age` and sex `male`.
    #[inline]
    pub fn cell_as(&self, pop: &LocalityPop, i: usize, age: u8, male: bool) -> Cell {
        Cell {
            breakdown: breakdown_cell(
                usize::from((pop.imd_decile[i] - 1) / 2),
                age_band(age),
                usize::from(male),
            ),
            decile: usize::from(self.deciles[usize::from(pop.lsoa[i])]),
        }
    }

    /// [`LocalityTally::life_index`] at age `age` and sex `male`.
    #[inline]
    pub fn life_index_as(&self, pop: &LocalityPop, i: usize, age: u8, male: bool) -> usize {
        let decile = usize::from(self.deciles[usize::from(pop.lsoa[i])]);
        (decile * 2 + usize::from(male)) * LIFE_AGE_GROUPS + life_age_group(age)
    }

    /// Adds QALYs lived this week by a resident of local decile `decile`.
    #[inline]
    pub fn qaly(&mut self, decile: usize, q: f64) {
        self.qalys[self.qaly_at + decile] += q;
    }

    /// Adds expected A&E attendances and admissions avoided by crisis-avoiding service `k`
    /// this week.
    #[inline]
    pub fn avoid(&mut self, k: usize, ae: f64, admissions: f64) {
        self.avoided[self.avoided_at + 2 * k] += ae;
        self.avoided[self.avoided_at + 2 * k + 1] += admissions;
    }

    /// Counts a death (`slot` 0) or a person-week (`slot` 1) in the life-expectancy tally.
    #[inline(always)]
    pub fn life(&mut self, pop: &LocalityPop, i: usize, slot: usize) {
        let at = self.life_at + self.life_index(pop, i) * 2 + slot;
        self.life[at] += 1;
    }

    /// Resident `i`'s cell of the life-expectancy tally (local decile × sex × age group).
    #[inline(always)]
    pub fn life_index(&self, pop: &LocalityPop, i: usize) -> usize {
        let decile = usize::from(self.deciles[usize::from(pop.lsoa[i])]);
        let sex = usize::from(pop.flags[i] & flag::MALE != 0);
        (decile * 2 + sex) * LIFE_AGE_GROUPS + life_age_group(pop.age[i])
    }

    /// Adds `n` person-weeks to life-expectancy cell `index` ([`LocalityTally::life_index`]).
    #[inline]
    pub fn add_life_weeks(&mut self, index: usize, n: u32) {
        self.life[self.life_at + index * 2 + 1] += n;
    }

    /// Adds `n` to metric `m` in cell `cell` this week.
    #[inline(always)]
    pub fn add(&mut self, cell: Cell, m: Metric, n: u32) {
        self.add_at(cell, m as usize, n);
    }

    /// Adds `n` to the metric at index `m` of the run's catalogue (a built-in metric's
    /// discriminant, or a scenario-declared service's metric) in cell `cell` this week.
    #[inline(always)]
    pub fn add_at(&mut self, cell: Cell, m: usize, n: u32) {
        self.weekly[self.week_at + m] += n;
        self.annual[self.fy_at + cell.breakdown * self.metrics + m] += n;
        if cell.decile != NO_DECILE {
            self.equity[self.equity_at + cell.decile * self.metrics + m] += n;
        }
    }

    /// Copies the locality's tallies into column `locality` of a replicate's tally.
    pub fn copy_into(&self, tally: &mut Tally, locality: usize) {
        let av = self.avoiding * 2;
        let nm = self.metrics;
        for w in 0..tally.weeks() {
            tally
                .weekly_row_mut(w, locality)
                .copy_from_slice(&self.weekly[w * nm..(w + 1) * nm]);
            tally
                .avoided_row_mut(w, locality)
                .copy_from_slice(&self.avoided[w * av..(w + 1) * av]);
        }
        for fy in 0..tally.financial_years() {
            let block = tally.annual_block_mut(fy, locality);
            let src = &self.annual[fy * CELLS * nm..(fy + 1) * CELLS * nm];
            block.copy_from_slice(src);
            tally
                .life_block_mut(fy, locality)
                .copy_from_slice(&self.life[fy * LIFE_CELLS..(fy + 1) * LIFE_CELLS]);
            let eq = LOCAL_DECILES * nm;
            tally
                .equity_block_mut(fy, locality)
                .copy_from_slice(&self.equity[fy * eq..(fy + 1) * eq]);
            tally
                .qaly_row_mut(fy, locality)
                .copy_from_slice(&self.qalys[fy * LOCAL_DECILES..(fy + 1) * LOCAL_DECILES]);
        }
    }
}
