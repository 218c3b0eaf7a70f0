//! What a run produces: tallies per replicate, organised by week, locality and (per financial
//! year) by IMD quintile, age band and sex; plus summaries across replicates.

pub mod catalog;
mod codec;
pub mod metrics;
pub mod summary;

pub use catalog::{Catalog, CustomMetric, AVOIDING_SERVICES};
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

/// Tallies of one replicate of one scenario. Values are counts of agents (`u32`); stocks are
/// summed over weeks in the financial-year table (divide by [`RunCalendar::weeks_in_fy`] for
/// the mean level).
///
/// An agent stands for [`Tally::residents_per_agent`] residents (1 ÷ the scenario's `scale`).
/// The plain accessors (`weekly_at`, `annual_total_at`, ...) return agents, exact integers for
/// accounting checks; the `*_residents` accessors return residents, and every output and
/// analysis reads those ([`Tally::factor`] says which metrics are per agent).
///
/// Metrics are those of a [`Catalog`] (its `n_metrics()`, indexed as in
/// [`Catalog::metrics`]: built-in ones by `Metric::X as usize`), and so are the crisis-avoiding
/// services of the avoided tally (its `n_avoiding()`).
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    weeks: usize,
    localities: usize,
    fys: usize,
    /// Metrics per row.
    n_metrics: usize,
    /// Crisis-avoiding services per avoided row.
    n_avoiding: usize,
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
    /// avoided]`, services in the order of [`Catalog::avoiding_services`].
    avoided: Vec<f64>,
    /// Residents each agent stands for (1 ÷ scale; 1 until [`Tally::in_residents`] sets it).
    residents_per_agent: f64,
}

/// Local deprivation deciles in the inequality tallies (0 = most deprived tenth of the place).
pub const LOCAL_DECILES: usize = 10;

/// Entries of the life-expectancy tally per financial year and locality.
pub const LIFE_CELLS: usize = LOCAL_DECILES * 2 * LIFE_AGE_GROUPS * 2;

/// Entries of the decile table per financial year and locality for the built-in metrics (a
/// tally of a catalogue with declared services has `LOCAL_DECILES * catalog.n_metrics()`).
pub const EQUITY_CELLS: usize = LOCAL_DECILES * N_METRICS;

impl Tally {
    /// An all-zero tally of the metrics and crisis-avoiding services of `catalog`.
    pub fn new(weeks: usize, localities: usize, fys: usize, catalog: &Catalog) -> Tally {
        let (n_metrics, n_avoiding) = (catalog.n_metrics(), catalog.n_avoiding());
        Tally {
            weeks,
            localities,
            fys,
            n_metrics,
            n_avoiding,
            weekly: vec![0; weeks * localities * n_metrics],
            annual: vec![0; fys * localities * CELLS_PER_LOCALITY * n_metrics],
            life: vec![0; fys * localities * LIFE_CELLS],
            equity: vec![0; fys * localities * LOCAL_DECILES * n_metrics],
            qalys: vec![0.0; fys * localities * LOCAL_DECILES],
            avoided: vec![0.0; weeks * localities * n_avoiding * 2],
            residents_per_agent: 1.0,
        }
    }

    /// This tally with each agent standing for `1 / scale` residents (`scale` is the scenario's
    /// agents per resident, in (0, 200]).
    pub fn in_residents(mut self, scale: f64) -> Tally {
        self.residents_per_agent = 1.0 / scale;
        self
    }

    /// Residents each agent stands for (1 ÷ the scenario's scale).
    pub fn residents_per_agent(&self) -> f64 {
        self.residents_per_agent
    }

    /// Residents per unit of the catalogue's metric `m`: [`Tally::residents_per_agent`] for
    /// every metric that counts residents or their activity, 1 for
    /// [`Metric::HuddlePracticeWeeks`] (one per practice whatever the scale: the place's
    /// practices are not sampled) and for [`Metric::ReablementPlaces`] below scale 1 (the
    /// places keep their full size in residents there, shared with the unsampled residents'
    /// shadow, see [`crate::engine::shadow`]; in agents at scale 1 or more).
    #[inline]
    pub fn factor(&self, m: usize) -> f64 {
        if m == Metric::HuddlePracticeWeeks as usize {
            1.0
        } else if m == Metric::ReablementPlaces as usize {
            self.residents_per_agent.min(1.0)
        } else {
            self.residents_per_agent
        }
    }

    /// Bytes of tally storage [`Tally::new`] allocates for these dimensions (for the memory
    /// estimate of a run, which keeps one tally per replicate of every scenario).
    pub fn bytes(weeks: usize, localities: usize, fys: usize, catalog: &Catalog) -> u64 {
        let (weeks, localities, fys) = (weeks as u64, localities as u64, fys as u64);
        let (metrics, avoiding) = (catalog.n_metrics() as u64, catalog.n_avoiding() as u64);
        let u32s = weeks * localities * metrics
            + fys * localities * ((CELLS_PER_LOCALITY as u64 + LOCAL_DECILES as u64) * metrics + LIFE_CELLS as u64);
        let f64s = fys * localities * LOCAL_DECILES as u64 + weeks * localities * avoiding * 2;
        u32s * 4 + f64s * 8
    }

    /// This tally, laid out for catalogue `from`, laid out for `to` instead: every metric and
    /// crisis-avoiding service moves to its place in `to` (matched by name and key) and those
    /// of `to` that `from` lacks are zero. The engine tallies a scenario in its own catalogue;
    /// a run's catalogue adds the services other scenarios declare. Panics when `from` does not
    /// describe this tally or has a metric or service `to` lacks.
    pub fn relaid(self, from: &Catalog, to: &Catalog) -> Tally {
        assert_eq!(
            (self.n_metrics, self.n_avoiding),
            (from.n_metrics(), from.n_avoiding()),
            "the tally is laid out for `from`"
        );
        if from == to {
            return self;
        }
        let metric_at: Vec<usize> = from
            .metrics()
            .iter()
            .map(|m| to.metric_index(&m.name).expect("`to` has every metric of `from`"))
            .collect();
        let service_at: Vec<usize> = from
            .avoiding_services()
            .iter()
            .map(|s| {
                to.avoiding_services()
                    .iter()
                    .position(|t| t.key == s.key)
                    .expect("`to` has every service of `from`")
            })
            .collect();
        let (n_metrics, n_avoiding) = (to.n_metrics(), to.n_avoiding());
        let relay = |rows: &[u32]| -> Vec<u32> {
            let mut out = vec![0; rows.len() / self.n_metrics.max(1) * n_metrics];
            for (r, row) in rows.chunks(self.n_metrics).enumerate() {
                for (&v, &m) in row.iter().zip(&metric_at) {
                    out[r * n_metrics + m] = v;
                }
            }
            out
        };
        let mut avoided = vec![0.0; self.weeks * self.localities * n_avoiding * 2];
        for (r, row) in self.avoided.chunks(self.n_avoiding * 2).enumerate() {
            for (pair, &k) in row.chunks(2).zip(&service_at) {
                let at = (r * n_avoiding + k) * 2;
                avoided[at..at + 2].copy_from_slice(pair);
            }
        }
        Tally {
            weekly: relay(&self.weekly),
            annual: relay(&self.annual),
            equity: relay(&self.equity),
            avoided,
            n_metrics,
            n_avoiding,
            ..self
        }
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

    /// Metrics per row (the catalogue's `n_metrics()`).
    pub fn n_metrics(&self) -> usize {
        self.n_metrics
    }

    /// Crisis-avoiding services of the avoided tally (the catalogue's `n_avoiding()`).
    pub fn n_avoiding(&self) -> usize {
        self.n_avoiding
    }

    /// Value of `metric` in `week` for `locality`.
    #[inline]
    pub fn weekly(&self, week: usize, locality: usize, metric: Metric) -> u32 {
        self.weekly_at(week, locality, metric as usize)
    }

    /// Value of the catalogue's metric `m` (an index into [`Catalog::metrics`]) in `week` for
    /// `locality`.
    #[inline]
    pub fn weekly_at(&self, week: usize, locality: usize, m: usize) -> u32 {
        debug_assert!(m < self.n_metrics);
        self.weekly[(week * self.localities + locality) * self.n_metrics + m]
    }

    /// Financial-year sum of `metric` in one breakdown cell.
    #[inline]
    pub fn annual(&self, fy: usize, locality: usize, cell: usize, metric: Metric) -> u32 {
        self.annual_at(fy, locality, cell, metric as usize)
    }

    /// Financial-year sum of the catalogue's metric `m` in one breakdown cell.
    #[inline]
    pub fn annual_at(&self, fy: usize, locality: usize, cell: usize, m: usize) -> u32 {
        debug_assert!(m < self.n_metrics);
        self.annual[((fy * self.localities + locality) * CELLS_PER_LOCALITY + cell) * self.n_metrics + m]
    }

    /// Financial-year sum of `metric` for a whole locality.
    pub fn annual_locality(&self, fy: usize, locality: usize, metric: Metric) -> u64 {
        self.annual_locality_at(fy, locality, metric as usize)
    }

    /// Financial-year sum of the catalogue's metric `m` for a whole locality.
    pub fn annual_locality_at(&self, fy: usize, locality: usize, m: usize) -> u64 {
        (0..CELLS_PER_LOCALITY)
            .map(|c| u64::from(self.annual_at(fy, locality, c, m)))
            .sum()
    }

    /// Financial-year sum of `metric` for the whole place.
    pub fn annual_total(&self, fy: usize, metric: Metric) -> u64 {
        self.annual_total_at(fy, metric as usize)
    }

    /// Financial-year sum of the catalogue's metric `m` for the whole place.
    pub fn annual_total_at(&self, fy: usize, m: usize) -> u64 {
        (0..self.localities).map(|l| self.annual_locality_at(fy, l, m)).sum()
    }

    /// [`Tally::weekly_at`] in residents.
    #[inline]
    pub fn weekly_residents(&self, week: usize, locality: usize, m: usize) -> f64 {
        f64::from(self.weekly_at(week, locality, m)) * self.factor(m)
    }

    /// [`Tally::annual_at`] in residents.
    #[inline]
    pub fn annual_residents(&self, fy: usize, locality: usize, cell: usize, m: usize) -> f64 {
        f64::from(self.annual_at(fy, locality, cell, m)) * self.factor(m)
    }

    /// [`Tally::annual_locality_at`] in residents.
    pub fn annual_locality_residents(&self, fy: usize, locality: usize, m: usize) -> f64 {
        self.annual_locality_at(fy, locality, m) as f64 * self.factor(m)
    }

    /// [`Tally::annual_total_at`] in residents.
    pub fn annual_total_residents(&self, fy: usize, m: usize) -> f64 {
        self.annual_total_at(fy, m) as f64 * self.factor(m)
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
        self.equity_at(fy, locality, decile, metric as usize)
    }

    /// Financial-year sum of the catalogue's metric `m` among residents of one local
    /// deprivation decile in one locality.
    #[inline]
    pub fn equity_at(&self, fy: usize, locality: usize, decile: usize, m: usize) -> u32 {
        debug_assert!(m < self.n_metrics);
        self.equity[((fy * self.localities + locality) * LOCAL_DECILES + decile) * self.n_metrics + m]
    }

    /// [`Tally::equity_at`] in residents.
    #[inline]
    pub fn equity_residents(&self, fy: usize, locality: usize, decile: usize, m: usize) -> f64 {
        f64::from(self.equity_at(fy, locality, decile, m)) * self.factor(m)
    }

    /// Mutable decile table (`[decile][metric]`) of one locality and financial year.
    pub fn equity_block_mut(&mut self, fy: usize, locality: usize) -> &mut [u32] {
        let n = LOCAL_DECILES * self.n_metrics;
        let at = (fy * self.localities + locality) * n;
        &mut self.equity[at..at + n]
    }

    /// Quality-adjusted life years lived in one financial year by the agents of one locality
    /// and local deprivation decile (undiscounted).
    #[inline]
    pub fn qalys(&self, fy: usize, locality: usize, decile: usize) -> f64 {
        self.qalys[(fy * self.localities + locality) * LOCAL_DECILES + decile]
    }

    /// [`Tally::qalys`] in residents' QALYs.
    #[inline]
    pub fn qalys_residents(&self, fy: usize, locality: usize, decile: usize) -> f64 {
        self.qalys(fy, locality, decile) * self.residents_per_agent
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
    /// locality: `[service][ae, admissions]` flattened, services as
    /// [`Catalog::avoiding_services`]; per agent (× [`Tally::residents_per_agent`] for
    /// residents).
    pub fn avoided(&self, week: usize, locality: usize) -> &[f64] {
        let n = self.n_avoiding * 2;
        let at = (week * self.localities + locality) * n;
        &self.avoided[at..at + n]
    }

    /// Mutable avoided-crisis row of one week and locality.
    pub fn avoided_row_mut(&mut self, week: usize, locality: usize) -> &mut [f64] {
        let n = self.n_avoiding * 2;
        let at = (week * self.localities + locality) * n;
        &mut self.avoided[at..at + n]
    }

    /// Mutable weekly row (`[metric]`, [`Tally::n_metrics`] wide) of one locality.
    pub fn weekly_row_mut(&mut self, week: usize, locality: usize) -> &mut [u32] {
        let n = self.n_metrics;
        let at = (week * self.localities + locality) * n;
        &mut self.weekly[at..at + n]
    }

    /// Mutable financial-year table (`[cell][metric]`, overhead cell last, rows
    /// [`Tally::n_metrics`] wide) of one locality.
    pub fn annual_block_mut(&mut self, fy: usize, locality: usize) -> &mut [u32] {
        let n = CELLS_PER_LOCALITY * self.n_metrics;
        let at = (fy * self.localities + locality) * n;
        &mut self.annual[at..at + n]
    }
}

/// All replicates of one scenario.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// The scenario as run.
    pub scenario: Scenario,
    /// The place it ran on.
    pub place: Arc<Place>,
    /// The run's catalogue (the same for every scenario of a run): the tallies' metrics and
    /// services.
    pub catalog: Arc<Catalog>,
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
    /// The catalogue of every scenario's services (each [`ScenarioResult`] shares it).
    pub catalog: Arc<Catalog>,
    /// One entry per scenario, in the order given.
    pub scenarios: Vec<ScenarioResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_formula_matches_what_a_new_tally_holds() {
        let custom = Catalog::from_labels(&[("coach", "coaching"), ("nurse", "nursing")]);
        for catalog in [Catalog::builtin(), custom] {
            for (weeks, localities, fys) in [(1, 1, 1), (313, 6, 6), (574, 6, 12), (53, 3, 2)] {
                let t = Tally::new(weeks, localities, fys, &catalog);
                assert_eq!(Tally::bytes(weeks, localities, fys, &catalog), t.storage_bytes());
            }
        }
    }

    #[test]
    // Values are copied, not computed: exact comparison is the test.
    #[allow(clippy::float_cmp)]
    fn a_relaid_tally_keeps_every_value_at_the_same_metric_and_service() {
        // A scenario that declares `nurse` run in a catalogue that also has `coach`.
        let own = Catalog::from_labels(&[("nurse", "nursing")]);
        let run = Catalog::from_labels(&[("coach", "coaching"), ("nurse", "nursing")]);
        let mut t = Tally::new(3, 2, 2, &own);
        let nm = own.n_metrics();
        let starts = own.custom_metric(0, CustomMetric::Starts);
        t.weekly_row_mut(2, 1)[Metric::Deaths as usize] = 4;
        t.weekly_row_mut(2, 1)[starts] = 3;
        t.annual_block_mut(1, 1)[OVERHEAD_CELL * nm + Metric::GpConsultations as usize] = 9;
        t.annual_block_mut(1, 1)[OVERHEAD_CELL * nm + starts] = 8;
        t.equity_block_mut(0, 1)[3 * nm + Metric::BedDays as usize] = 7;
        t.equity_block_mut(0, 1)[3 * nm + starts] = 6;
        t.avoided_row_mut(1, 0)[7] = 0.5;
        t.avoided_row_mut(1, 0)[9] = 0.25;
        t.qaly_row_mut(1, 1)[2] = 1.5;
        t.life_block_mut(0, 0)[5] = 2;
        let w = t.clone().relaid(&own, &run);
        assert_eq!((w.n_metrics(), w.n_avoiding()), (N_METRICS + 14, 6));
        assert_eq!(w.weekly(2, 1, Metric::Deaths), 4);
        assert_eq!(w.annual(1, 1, OVERHEAD_CELL, Metric::GpConsultations), 9);
        assert_eq!(w.equity(0, 1, 3, Metric::BedDays), 7);
        // `nurse` is the second declared service of the run's catalogue.
        let nurse = run.custom_metric(1, CustomMetric::Starts);
        let coach = run.custom_metric(0, CustomMetric::Starts);
        assert_eq!(w.weekly_at(2, 1, nurse), 3);
        assert_eq!(w.annual_at(1, 1, OVERHEAD_CELL, nurse), 8);
        assert_eq!(w.equity_at(0, 1, 3, nurse), 6);
        assert_eq!(w.weekly_at(2, 1, coach) + w.equity_at(0, 1, 3, coach), 0);
        assert_eq!(w.avoided(1, 0)[7], 0.5);
        assert_eq!(&w.avoided(1, 0)[8..], [0.0, 0.0, 0.0, 0.25]);
        assert_eq!((w.qalys(1, 1, 2), w.life(0, 0, 0, 0, 2)), (1.5, (0, 2)));
        assert_eq!(w.storage_bytes(), Tally::bytes(3, 2, 2, &run));
        // Relaying to the same catalogue changes nothing.
        assert_eq!(t.clone().relaid(&own, &own), t);
    }
}
