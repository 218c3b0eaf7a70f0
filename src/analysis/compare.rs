//! Paired comparison of options against a base scenario.
//!
//! Every scenario of a comparison runs on the same replicates, so replicate `r` of an option
//! and replicate `r` of the base share every random draw until the option first changes
//! something (common random numbers). Differences are therefore taken **replicate by
//! replicate** and summarised by their mean and equal-tailed 95% interval across replicates; the
//! unpaired interval (every option replicate against every *other* base replicate) is reported
//! beside it to show how much the pairing removes.
//!
//! Three kinds of row come out ([`RowKind`]): each scenario's own **level** of a metric; the
//! **difference** option − base; and measures defined only **vs base** (admissions avoided, net
//! saving, return per £1, QALYs gained, ICER, net monetary benefit). Groups are the whole place,
//! the place's own deprivation fifths and its localities; periods are each financial year of
//! the appraisal window and the window as a whole.

use super::bridge;
use super::costs::CostCategory;
use super::costs::UnitCosts;
use super::economics::{self, Conventions};
use super::groups::{decile_life_weeks, decile_sum, group_qalys, group_sum, life_expectancy, per_1000, Group};
use super::inequality::{self, Direction};
use crate::calendar::financial_year_label;
use crate::engine::schedule::WEEKS_PER_YEAR;
use crate::engine::Setup;
use crate::error::Error;
use crate::results::catalog::ACTIVITY_COSTS;
use crate::results::summary::quantile_sorted;
use crate::results::{Catalog, Metric, RunCalendar, ScenarioResult, Tally, LOCAL_DECILES};

/// What a row measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowKind {
    /// A scenario's own value.
    Level,
    /// Option minus base, paired by replicate.
    Difference,
    /// A measure of the option relative to the base (not a difference of levels).
    VsBase,
}

impl RowKind {
    /// Name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            RowKind::Level => "level",
            RowKind::Difference => "difference",
            RowKind::VsBase => "vs_base",
        }
    }
}

/// One summarised row of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Scenario the row is about (for [`RowKind::Level`] the base itself has rows).
    pub option: String,
    /// What the row measures.
    pub kind: RowKind,
    /// Metric name.
    pub metric: String,
    /// Group: `all`, `fifth_1` (most deprived) … `fifth_5`, or a locality key.
    pub group: String,
    /// `FY2021/22`, or `FY2021/22-FY2026/27` for the window.
    pub period: String,
    /// Unit of the values.
    pub unit: &'static str,
    /// Mean across replicates (for ratios: ratio of the means).
    pub mean: f64,
    /// 2.5th percentile across replicates.
    pub lo: f64,
    /// 97.5th percentile across replicates.
    pub hi: f64,
    /// The base's mean level (difference rows and the base's level rows).
    pub base_mean: f64,
    /// The option's mean level (difference rows).
    pub option_mean: f64,
    /// Unpaired 95% interval of the difference (difference rows; NaN otherwise).
    pub unpaired_lo: f64,
    /// See `unpaired_lo`.
    pub unpaired_hi: f64,
    /// Replicates with a finite value.
    pub n: usize,
    /// Standard error of `mean` (Monte Carlo error: the replicates' standard deviation ÷ √n;
    /// for a ratio of means, by the delta method); NaN with fewer than two replicates. Not
    /// written to comparison.csv, whose interval is the replicates' spread.
    pub se: f64,
}

/// Which financial years to appraise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    /// First financial year (e.g. 2021 for FY2021/22); `None` = the first year any option
    /// differs from the base.
    pub from: Option<i32>,
    /// Last financial year; `None` = the last full year of the run.
    pub to: Option<i32>,
}

impl Window {
    /// Resolves the window against the financial years of `cal`: the index of `to` (default:
    /// the last full year of the run) and of `from` when given (its default, the first year an
    /// option differs, needs results). Refuses, naming the flag and the years the run covers, a
    /// year outside the run or a window that starts after it ends. Run before simulating (on
    /// the scenarios' calendar) and again by [`compare`], so the two cannot disagree.
    pub fn resolve(&self, cal: &RunCalendar) -> Result<(Option<usize>, usize), Error> {
        let (Some(&first), Some(&last)) = (cal.financial_years.first(), cal.financial_years.last()) else {
            return Err(Error::Request("the run covers no financial year".into()));
        };
        let index_of = |fy: i32, what: &str| -> Result<usize, Error> {
            cal.financial_years.iter().position(|&y| y == fy).ok_or_else(|| {
                Error::Request(format!(
                    "{what} {fy} ({}) is outside the run, which covers {} to {}: give a year from {first} to {last}",
                    financial_year_label(fy),
                    financial_year_label(first),
                    financial_year_label(last)
                ))
            })
        };
        let last_full = cal
            .weeks_in_fy
            .iter()
            .rposition(|&w| w >= 52)
            .unwrap_or(cal.financial_years.len() - 1);
        let to = match self.to {
            Some(y) => index_of(y, "--to")?,
            None => last_full,
        };
        let from = match self.from {
            Some(y) => Some(index_of(y, "--from")?),
            None => None,
        };
        if let Some(from) = from.filter(|&f| f > to) {
            return Err(Error::Request(format!(
                "the appraisal window starts ({}, --from) after it ends ({}{}): --from must not be later than --to",
                financial_year_label(cal.financial_years[from]),
                financial_year_label(cal.financial_years[to]),
                if self.to.is_some() {
                    ", --to"
                } else {
                    ", the last full year of the run"
                }
            )));
        }
        Ok((from, to))
    }
}

/// A finished comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Base scenario name.
    pub base: String,
    /// Option names, in the order given.
    pub options: Vec<String>,
    /// First and last financial year of the appraisal window.
    pub window: (i32, i32),
    /// Conventions used (discount rates, thresholds, price base).
    pub conventions: Conventions,
    /// Replicates per scenario.
    pub replicates: usize,
    /// Every row: levels of each scenario, then per option its differences and vs-base rows.
    pub rows: Vec<Row>,
}

/// Key of one per-replicate value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    metric: String,
    group: String,
    period: String,
}

/// Per-replicate values of one scenario: `keys[k]` has `values[k][replicate]`.
struct Table {
    keys: Vec<(Key, &'static str)>,
    values: Vec<Vec<f64>>,
}

impl Table {
    fn get(&self, metric: &str, group: &str, period: &str) -> Option<&[f64]> {
        self.keys
            .iter()
            .position(|(k, _)| k.metric == metric && k.group == group && k.period == period)
            .map(|i| self.values[i].as_slice())
    }
}

/// Collects keyed values for one replicate.
struct Sink {
    items: Vec<(Key, &'static str, f64)>,
}

impl Sink {
    fn put(&mut self, metric: impl Into<String>, group: &str, period: &str, unit: &'static str, v: f64) {
        self.items.push((
            Key {
                metric: metric.into(),
                group: group.to_string(),
                period: period.to_string(),
            },
            unit,
            v,
        ));
    }
}

/// Name of local deprivation fifth `f` (0 = most deprived).
pub fn fifth_name(f: usize) -> String {
    format!("fifth_{}", f + 1)
}

/// Label of a window or single year.
pub fn period_label(from: i32, to: i32) -> String {
    if from == to {
        financial_year_label(from)
    } else {
        format!("{}-{}", financial_year_label(from), financial_year_label(to))
    }
}

/// Precomputed per-scenario inputs.
struct Prepared<'a> {
    sr: &'a ScenarioResult,
    catalog: &'a Catalog,
    costs: UnitCosts,
    /// Running cost `[fy][service]` for the whole place (services as
    /// [`Catalog::running_services`]).
    running: Vec<Vec<f64>>,
    /// Running cost `[fy * localities + locality][service]`.
    running_loc: Vec<Vec<f64>>,
    /// Each running service's capacity parts, for the cost of the capacity used.
    parts: Vec<Vec<economics::CapacityPart>>,
}

impl<'a> Prepared<'a> {
    fn new(sr: &'a ScenarioResult) -> Result<Prepared<'a>, Error> {
        let catalog = &*sr.catalog;
        let setup = Setup::with_catalog(&sr.scenario, &sr.place, std::sync::Arc::clone(&sr.catalog))?;
        let running_loc = economics::running_costs(&sr.scenario, &sr.place, &sr.calendar, setup.schedule(), catalog);
        let nl = sr.place.n_localities();
        let n = catalog.running_services().len();
        let running = running_loc
            .chunks(nl)
            .map(|c| {
                let mut s = vec![0.0; n];
                for row in c {
                    for k in 0..n {
                        s[k] += row[k];
                    }
                }
                s
            })
            .collect();
        Ok(Prepared {
            sr,
            catalog,
            costs: UnitCosts::new(&sr.place, &sr.scenario, catalog),
            running,
            running_loc,
            parts: economics::capacity_parts(&sr.scenario, &sr.place, catalog),
        })
    }

    /// Acute hospital cost of one financial year: A&E, admissions, excess and delayed bed days.
    fn acute_cost(&self, t: &Tally, fy: usize) -> f64 {
        let c = self.costs.costs(|m| t.annual_total_residents(fy, m));
        ACUTE_COSTS.iter().map(|&k| c[k as usize]).sum()
    }

    /// Running cost of the capacity used in one financial year: each service's running cost ×
    /// the share of its capacity in use ([`economics::used_share`]).
    fn used_running_cost(&self, t: &Tally, fy: usize) -> f64 {
        self.running[fy]
            .iter()
            .zip(&self.parts)
            .map(|(run, parts)| run * economics::used_share(parts, |m| t.annual_total_residents(fy, m)))
            .sum()
    }

    /// Place-level cost lines ([`Catalog::compare_cost_lines`]) of one financial year: the
    /// activity lines, each running service's running cost, then the total.
    fn cost_lines(&self, t: &Tally, fy: usize) -> Vec<f64> {
        let activity = self.costs.costs(|m| t.annual_total_residents(fy, m));
        let mut out: Vec<f64> = ACTIVITY_COSTS.iter().map(|&c| activity[c as usize]).collect();
        out.extend_from_slice(&self.running[fy]);
        out.push(out.iter().sum());
        out
    }

    /// Cost of care received by a group in one year, at unit costs (activity-costed, so it can
    /// be attributed to residents).
    fn care_cost(&self, t: &Tally, fy: usize, g: Group) -> f64 {
        total(&self.costs.costs(|m| group_sum(t, fy, g, m)))
    }

    /// Cost avoided by each running service in one year ([`Catalog::running_services`] order).
    fn avoided(&self, t: &Tally, fy: usize) -> Vec<f64> {
        let cal = &self.sr.calendar;
        let mut avoided = vec![0.0; self.catalog.n_avoiding() * 2];
        for w in (0..cal.weeks).filter(|&w| usize::from(cal.fy_of_week[w]) == fy) {
            for l in 0..t.localities() {
                for (a, v) in avoided.iter_mut().zip(t.avoided(w, l)) {
                    *a += v;
                }
            }
        }
        for a in &mut avoided {
            *a *= t.residents_per_agent();
        }
        let values = self.costs.values(|m| t.annual_total_residents(fy, m), &avoided);
        (0..self.catalog.running_services().len())
            .map(|k| values[self.catalog.cost_avoided_value(k)])
            .collect()
    }
}

/// The cost categories of acute hospital care, whose avoidance a claim counts and whose full
/// unit cost a commissioner may not stop paying.
const ACUTE_COSTS: [CostCategory; 4] = [
    CostCategory::Ae,
    CostCategory::Admissions,
    CostCategory::ExcessBedDays,
    CostCategory::DelayedBedDays,
];

/// The total of a list of costs by category (`cost_total`, the last).
fn total(costs: &[f64]) -> f64 {
    costs.last().copied().unwrap_or(0.0)
}

/// Every level value of one replicate of one scenario over the window `fys` (indices into the
/// calendar's financial years), with `labels` their period labels and `window` the window's.
fn levels(p: &Prepared<'_>, t: &Tally, fys: &[usize], conv: &Conventions) -> Vec<(Key, &'static str, f64)> {
    let sr = p.sr;
    let cal = &sr.calendar;
    let nl = sr.place.n_localities();
    let keys = sr.place.locality_keys();
    let mut groups: Vec<(String, Group)> = vec![("all".to_string(), Group::All)];
    groups.extend((0..5).map(|f| (fifth_name(f), Group::Fifth(f))));
    groups.extend((0..nl).map(|l| (keys[l].to_string(), Group::Locality(l))));
    let window = period_label(
        cal.financial_years[fys[0]],
        cal.financial_years[*fys.last().expect("non-empty")],
    );
    let mut sink = Sink { items: Vec::new() };

    // Per financial year and summed over the window.
    let periods: Vec<(String, Vec<usize>)> = fys
        .iter()
        .map(|&k| (financial_year_label(cal.financial_years[k]), vec![k]))
        .chain(std::iter::once((window.clone(), fys.to_vec())))
        .collect();
    for (label, ks) in &periods {
        let sum = |g: Group, m: Metric| ks.iter().map(|&k| group_sum(t, k, g, m)).sum::<f64>();
        let years = |g: Group| sum(g, Metric::Population) / WEEKS_PER_YEAR;
        for (name, g) in &groups {
            let py = years(*g);
            let adm = sum(*g, Metric::EmergencyAdmissions);
            sink.put("person_years", name, label, "person-years", py);
            sink.put("emergency_admissions", name, label, "admissions", adm);
            sink.put(
                "admissions_per_1000",
                name,
                label,
                "per 1,000 person-years",
                per_1000(adm, py),
            );
            sink.put(
                "ae_attendances",
                name,
                label,
                "attendances",
                sum(*g, Metric::AeAttendances),
            );
            sink.put("bed_days", name, label, "days", sum(*g, Metric::BedDays));
            sink.put("delayed_bed_days", name, label, "days", sum(*g, Metric::DelayedBedDays));
            sink.put("deaths", name, label, "deaths", sum(*g, Metric::Deaths));
            let care: f64 = ks.iter().map(|&k| p.care_cost(t, k, *g)).sum();
            sink.put(
                "cost_per_head",
                name,
                label,
                "GBP per person-year",
                if py > 0.0 { care / py } else { f64::NAN },
            );
            let q: f64 = ks.iter().map(|&k| group_qalys(t, k, *g)).sum();
            sink.put("qalys", name, label, "QALYs", q);
        }
        // Place-level costs, undiscounted and discounted to the window's first year.
        let cost_lines = p.catalog.compare_cost_lines();
        let services = p.catalog.running_services();
        let mut lines = vec![0.0; cost_lines.len()];
        let mut discounted_total = 0.0;
        let mut discounted_qalys = 0.0;
        let mut avoided = vec![0.0; services.len()];
        for &k in ks {
            let c = p.cost_lines(t, k);
            let years_in = (k - fys[0]) as f64;
            for (a, b) in lines.iter_mut().zip(&c) {
                *a += b;
            }
            discounted_total += total(&c) * economics::discount_factor(conv.discount_costs, years_in);
            discounted_qalys +=
                group_qalys(t, k, Group::All) * economics::discount_factor(conv.discount_qalys, years_in);
            for (a, b) in avoided.iter_mut().zip(p.avoided(t, k)) {
                *a += b;
            }
        }
        for (name, v) in cost_lines.iter().zip(&lines) {
            sink.put(name.as_str(), "all", label, "GBP", *v);
        }
        sink.put(
            "cost_total_discounted",
            "all",
            label,
            "GBP (present value)",
            discounted_total,
        );
        sink.put(
            "qalys_discounted",
            "all",
            label,
            "QALYs (present value)",
            discounted_qalys,
        );
        // What the claim-to-model bridge needs (analysis::bridge).
        let acute: f64 = ks.iter().map(|&k| p.acute_cost(t, k)).sum();
        sink.put("cost_acute", "all", label, "GBP", acute);
        let used: f64 = ks.iter().map(|&k| p.used_running_cost(t, k)).sum();
        sink.put("running_cost_used", "all", label, "GBP", used);
        let no_package: f64 = ks
            .iter()
            .map(|&k| t.annual_total_residents(k, Metric::ReablementNoPackage as usize))
            .sum();
        sink.put(
            "claimed_package_saving",
            "all",
            label,
            "GBP",
            no_package * conv.claim_package_weeks * p.sr.place.file.costs.home_care_week.value,
        );
        if *label == window {
            // The year before the window, held flat over it: a before/after claim's baseline.
            let before = fys[0]
                .checked_sub(1)
                .filter(|&k| cal.weeks_in_fy[k] >= 52)
                .map_or(f64::NAN, |k| p.acute_cost(t, k) * fys.len() as f64);
            sink.put("cost_acute_year_before", "all", label, "GBP", before);
        }
        for (k, service) in services.iter().enumerate() {
            let running = lines[ACTIVITY_COSTS.len() + k];
            sink.put(format!("cost_avoided_{}", service.key), "all", label, "GBP", avoided[k]);
            sink.put(
                format!("return_per_pound_{}", service.key),
                "all",
                label,
                "GBP per GBP",
                economics::return_per_pound(avoided[k], running).unwrap_or(f64::NAN),
            );
        }
        for (l, key) in keys.iter().enumerate() {
            let run: f64 = ks.iter().map(|&k| p.running_loc[k * nl + l].iter().sum::<f64>()).sum();
            sink.put("running_cost_services", key, label, "GBP", run);
        }
        // Inequality across the place's own deprivation fifths and deciles.
        let fifth = |f: usize, v: &dyn Fn(Group) -> f64| v(Group::Fifth(f));
        let rate = |g: Group| per_1000(sum(g, Metric::EmergencyAdmissions), years(g));
        let cost_head = |g: Group| {
            let py = years(g);
            let c: f64 = ks.iter().map(|&k| p.care_cost(t, k, g)).sum();
            if py > 0.0 {
                c / py
            } else {
                f64::NAN
            }
        };
        let decile_years =
            |d: usize| ks.iter().map(|&k| decile_sum(t, k, d, Metric::Population)).sum::<f64>() / WEEKS_PER_YEAR;
        let rate_dec: Vec<(f64, f64)> = (0..LOCAL_DECILES)
            .map(|d| {
                let py = decile_years(d);
                let adm: f64 = ks
                    .iter()
                    .map(|&k| decile_sum(t, k, d, Metric::EmergencyAdmissions))
                    .sum();
                (py, per_1000(adm, py))
            })
            .collect();
        let cost_dec: Vec<(f64, f64)> = (0..LOCAL_DECILES)
            .map(|d| {
                let py = decile_years(d);
                let c: f64 = ks
                    .iter()
                    .map(|&k| total(&p.costs.costs(|m| decile_sum(t, k, d, m))))
                    .sum();
                (py, if py > 0.0 { c / py } else { f64::NAN })
            })
            .collect();
        put_inequality(
            &mut sink,
            "admissions_per_1000",
            label,
            "per 1,000 person-years",
            fifth(0, &rate),
            fifth(4, &rate),
            &rate_dec,
            Direction::Adverse,
        );
        put_inequality(
            &mut sink,
            "cost_per_head",
            label,
            "GBP per person-year",
            fifth(0, &cost_head),
            fifth(4, &cost_head),
            &cost_dec,
            Direction::Adverse,
        );
    }

    // Life expectancy over the whole window (single years are too noisy for small areas).
    for (sex, sex_name) in [(1usize, "male"), (0, "female")] {
        for (age, age_name) in [(0u8, "at_birth"), (65, "at_65")] {
            let metric = format!("life_expectancy_{age_name}_{sex_name}");
            sink.put(
                &metric,
                "all",
                &window,
                "years",
                life_expectancy(t, fys, sex, age, |_, _| true),
            );
            let by_fifth: Vec<f64> = (0..5)
                .map(|f| life_expectancy(t, fys, sex, age, |_, d| d / 2 == f))
                .collect();
            for (f, v) in by_fifth.iter().enumerate() {
                sink.put(&metric, &fifth_name(f), &window, "years", *v);
            }
            for (l, key) in keys.iter().enumerate() {
                sink.put(
                    &metric,
                    key,
                    &window,
                    "years",
                    life_expectancy(t, fys, sex, age, |ll, _| ll == l),
                );
            }
            let by_decile: Vec<(f64, f64)> = (0..LOCAL_DECILES)
                .map(|d| {
                    (
                        decile_life_weeks(t, fys, sex, d),
                        life_expectancy(t, fys, sex, age, |_, dd| dd == d),
                    )
                })
                .collect();
            put_inequality(
                &mut sink,
                &metric,
                &window,
                "years",
                by_fifth[0],
                by_fifth[4],
                &by_decile,
                Direction::Beneficial,
            );
        }
    }
    sink.items
}

/// Gap (absolute, relative) between the most and least deprived fifth and SII/RII across
/// deciles, as `<measure>_gap_abs`, `_gap_rel`, `_sii`, `_rii` for group `all`.
#[allow(clippy::too_many_arguments)]
fn put_inequality(
    sink: &mut Sink,
    measure: &str,
    period: &str,
    unit: &'static str,
    most: f64,
    least: f64,
    deciles: &[(f64, f64)],
    dir: Direction,
) {
    sink.put(
        format!("{measure}_gap_abs"),
        "all",
        period,
        unit,
        inequality::gap_abs(most, least, dir),
    );
    sink.put(
        format!("{measure}_gap_rel"),
        "all",
        period,
        "ratio",
        inequality::gap_rel(most, least, dir),
    );
    let s = inequality::sii(deciles, dir);
    sink.put(
        format!("{measure}_sii"),
        "all",
        period,
        unit,
        s.map_or(f64::NAN, |s| s.sii),
    );
    sink.put(
        format!("{measure}_rii"),
        "all",
        period,
        "ratio",
        s.map_or(f64::NAN, |s| s.rii),
    );
}

/// Builds the table of one scenario (all replicates).
fn table(p: &Prepared<'_>, fys: &[usize], conv: &Conventions) -> Table {
    let mut keys = Vec::new();
    let mut values: Vec<Vec<f64>> = Vec::new();
    for (r, t) in p.sr.replicates.iter().enumerate() {
        let items = levels(p, t, fys, conv);
        if r == 0 {
            keys = items.iter().map(|(k, u, _)| (k.clone(), *u)).collect();
            values = vec![Vec::with_capacity(p.sr.replicates.len()); keys.len()];
        }
        for (i, (_, _, v)) in items.into_iter().enumerate() {
            values[i].push(v);
        }
    }
    Table { keys, values }
}

/// Mean, 2.5th and 97.5th percentiles, count of finite values and standard error of the mean.
type Summary = (f64, f64, f64, usize, f64);

/// The [`Summary`] of the finite values.
fn summarise(values: &[f64]) -> Summary {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN, 0, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let se = standard_error(v.iter().map(|x| x - mean), v.len());
    (
        mean,
        quantile_sorted(&v, 0.025),
        quantile_sorted(&v, 0.975),
        v.len(),
        se,
    )
}

/// Standard error of a mean from the `n` deviations of its values from it (NaN when n < 2).
fn standard_error(deviations: impl Iterator<Item = f64>, n: usize) -> f64 {
    if n < 2 {
        return f64::NAN;
    }
    let ss: f64 = deviations.map(|d| d * d).sum();
    (ss / (n - 1) as f64 / n as f64).sqrt()
}

/// 95% interval of `a_i − b_j` over every pair of *different* replicates `i ≠ j`: what the
/// difference would look like if the scenarios had independent random numbers.
pub fn unpaired_interval(a: &[f64], b: &[f64]) -> (f64, f64) {
    let mut d = Vec::with_capacity(a.len() * b.len());
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            if i != j && x.is_finite() && y.is_finite() {
                d.push(x - y);
            }
        }
    }
    if d.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    d.sort_by(f64::total_cmp);
    (quantile_sorted(&d, 0.025), quantile_sorted(&d, 0.975))
}

/// Checks, before anything runs, that scenarios can be paired replicate by replicate: the
/// same place, dates and scale as the first (the base).
pub fn check_scenarios(scenarios: &[crate::scenario::Scenario]) -> Result<(), Error> {
    let Some(base) = scenarios.first() else {
        return Err(Error::Request("compare needs a base and at least one option".into()));
    };
    if scenarios.len() < 2 {
        return Err(Error::Request("compare needs a base and at least one option".into()));
    }
    for o in &scenarios[1..] {
        refuse_unpaired(base, o, pairing_problems(base, o, o.place == base.place))?;
    }
    Ok(())
}

/// Why option `o` cannot be paired with `base`: place (as the caller judged it), dates or scale
/// differ.
fn pairing_problems(
    base: &crate::scenario::Scenario,
    o: &crate::scenario::Scenario,
    same_place: bool,
) -> Vec<&'static str> {
    let mut why = Vec::new();
    if !same_place {
        why.push("a different place");
    }
    if o.start != base.start || o.end != base.end {
        why.push("different start or end dates");
    }
    if o.scale.to_bits() != base.scale.to_bits() {
        why.push("a different scale");
    }
    why
}

fn refuse_unpaired(
    base: &crate::scenario::Scenario,
    o: &crate::scenario::Scenario,
    why: Vec<&'static str>,
) -> Result<(), Error> {
    if why.is_empty() {
        return Ok(());
    }
    Err(Error::Request(format!(
        "option '{}' cannot be paired with base '{}': it has {}",
        o.name,
        base.name,
        why.join(" and ")
    )))
}

/// Checks that the results can be compared replicate by replicate: as [`check_scenarios`], with
/// the loaded places compared by hash, plus the same number of replicates and the same
/// catalogue of services (every row lists the same services).
fn check_comparable(results: &[ScenarioResult]) -> Result<(), Error> {
    let base = &results[0];
    for o in &results[1..] {
        let mut why = pairing_problems(&base.scenario, &o.scenario, o.place.sha256 == base.place.sha256);
        if o.replicates.len() != base.replicates.len() {
            why.push("a different number of replicates");
        }
        if o.catalog != base.catalog {
            why.push("a different catalogue of services (results of another run)");
        }
        refuse_unpaired(&base.scenario, &o.scenario, why)?;
    }
    Ok(())
}

/// The first financial year (index) in which any option's tallies or running costs differ from
/// the base's in any replicate; with common random numbers, years before it are identical.
fn first_difference(prepared: &[Prepared<'_>]) -> Option<usize> {
    let base = &prepared[0];
    let fys = base.sr.calendar.financial_years.len();
    (0..fys).find(|&k| {
        prepared[1..].iter().any(|o| {
            o.running[k]
                .iter()
                .map(|x| x.to_bits())
                .ne(base.running[k].iter().map(|x| x.to_bits()))
                || o.sr.replicates.iter().zip(&base.sr.replicates).any(|(a, b)| {
                    (0..base.catalog.n_metrics()).any(|m| a.annual_total_at(k, m) != b.annual_total_at(k, m))
                })
        })
    })
}

/// Compares options (`results[1..]`) with the base (`results[0]`) over `window`.
pub fn compare(results: &[ScenarioResult], window: Window, conventions: Conventions) -> Result<Comparison, Error> {
    if results.len() < 2 {
        return Err(Error::Request("compare needs a base and at least one option".into()));
    }
    check_comparable(results)?;
    let prepared = results.iter().map(Prepared::new).collect::<Result<Vec<_>, _>>()?;
    let cal = &results[0].calendar;
    let (from, to) = window.resolve(cal)?;
    let from = from.unwrap_or_else(|| first_difference(&prepared).unwrap_or(0).min(to));
    let fys: Vec<usize> = (from..=to).collect();
    let window_label = period_label(cal.financial_years[from], cal.financial_years[to]);
    let tables: Vec<Table> = prepared.iter().map(|p| table(p, &fys, &conventions)).collect();
    let names: Vec<String> = results.iter().map(|r| r.scenario.name.clone()).collect();
    let mut rows = Vec::new();

    // Levels of every scenario; each mean is kept for the difference rows.
    let summaries: Vec<Vec<Summary>> = tables
        .iter()
        .map(|t| t.values.iter().map(|v| summarise(v)).collect())
        .collect();
    let mean_of = |s: usize, i: usize| summaries[s][i].0;
    for (s, t) in tables.iter().enumerate() {
        for (i, (key, unit)) in t.keys.iter().enumerate() {
            debug_assert_eq!(&tables[0].keys[i].0, key);
            let (mean, lo, hi, n, se) = summaries[s][i];
            rows.push(Row {
                option: names[s].clone(),
                kind: RowKind::Level,
                metric: key.metric.clone(),
                group: key.group.clone(),
                period: key.period.clone(),
                unit,
                mean,
                lo,
                hi,
                base_mean: mean_of(0, i),
                option_mean: mean,
                unpaired_lo: f64::NAN,
                unpaired_hi: f64::NAN,
                n,
                se,
            });
        }
    }
    let base = &tables[0];
    for (s, t) in tables.iter().enumerate().skip(1) {
        // Paired differences of every level.
        for (i, ((key, unit), values)) in t.keys.iter().zip(&t.values).enumerate() {
            let b = &base.values[i];
            debug_assert_eq!(&base.keys[i].0, key);
            let d: Vec<f64> = values.iter().zip(b).map(|(x, y)| x - y).collect();
            let (mean, lo, hi, n, se) = summarise(&d);
            let (ulo, uhi) = unpaired_interval(values, b);
            rows.push(Row {
                option: names[s].clone(),
                kind: RowKind::Difference,
                metric: key.metric.clone(),
                group: key.group.clone(),
                period: key.period.clone(),
                unit,
                mean,
                lo,
                hi,
                base_mean: mean_of(0, i),
                option_mean: mean_of(s, i),
                unpaired_lo: ulo,
                unpaired_hi: uhi,
                n,
                se,
            });
        }
        rows.extend(vs_base(
            &names[s],
            t,
            base,
            &fys,
            cal,
            &window_label,
            &conventions,
            &results[0].catalog,
        ));
    }
    Ok(Comparison {
        base: names[0].clone(),
        options: names[1..].to_vec(),
        window: (cal.financial_years[from], cal.financial_years[to]),
        conventions,
        replicates: results[0].replicates.len(),
        rows,
    })
}

/// Measures of an option relative to the base, per replicate pair.
#[allow(clippy::too_many_arguments)]
fn vs_base(
    option: &str,
    t: &Table,
    base: &Table,
    fys: &[usize],
    cal: &crate::results::RunCalendar,
    window: &str,
    conv: &Conventions,
    catalog: &Catalog,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let n = t.values.first().map_or(0, Vec::len);
    let get = |tab: &Table, m: &str, g: &str, p: &str| -> Vec<f64> {
        tab.get(m, g, p).map_or_else(|| vec![f64::NAN; n], <[f64]>::to_vec)
    };
    let mut push = |metric: String,
                    group: &str,
                    period: &str,
                    unit: &'static str,
                    values: Vec<f64>,
                    ratio_of_means: Option<(Vec<f64>, Vec<f64>)>| {
        let (mut mean, lo, hi, count, mut se) = summarise(&values);
        if let Some((num, den)) = ratio_of_means {
            let (a, b) = (summarise(&num).0, summarise(&den).0);
            mean = if b != 0.0 && b.is_finite() { a / b } else { f64::NAN };
            // Delta method: the ratio's error is that of the mean of num − ratio × den, ÷ den.
            let pairs: Vec<(f64, f64)> = num
                .iter()
                .zip(&den)
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .map(|(&x, &y)| (x, y))
                .collect();
            se = standard_error(pairs.iter().map(|&(x, y)| (x - a) - mean * (y - b)), pairs.len()) / b.abs();
        }
        rows.push(Row {
            option: option.to_string(),
            kind: RowKind::VsBase,
            metric,
            group: group.to_string(),
            period: period.to_string(),
            unit,
            mean,
            lo,
            hi,
            base_mean: f64::NAN,
            option_mean: f64::NAN,
            unpaired_lo: f64::NAN,
            unpaired_hi: f64::NAN,
            n: count,
            se,
        });
    };
    let sub = |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x - y).collect() };
    let periods: Vec<String> = fys
        .iter()
        .map(|&k| financial_year_label(cal.financial_years[k]))
        .chain(std::iter::once(window.to_string()))
        .collect();
    let groups: Vec<String> = base
        .keys
        .iter()
        .filter(|(k, _)| k.metric == "emergency_admissions" && k.period == window)
        .map(|(k, _)| k.group.clone())
        .collect();
    let mut avoided_per: Vec<(String, Vec<f64>)> = Vec::new();
    let mut cumulative = vec![0.0; n];
    // The window's extra running cost, which the bridge reuses (one sum, so the bridge's
    // investment is the `investment` row's to the last bit).
    let mut window_investment = vec![0.0; n];
    for period in &periods {
        // Admissions avoided, in total and per 1,000 residents of each group.
        for g in &groups {
            let avoided = sub(
                &get(base, "emergency_admissions", g, period),
                &get(t, "emergency_admissions", g, period),
            );
            let py = get(base, "person_years", g, period);
            let per: Vec<f64> = avoided.iter().zip(&py).map(|(a, p)| per_1000(*a, *p)).collect();
            push("admissions_avoided".into(), g, period, "admissions", avoided, None);
            avoided_per.push((g.clone(), per.clone()));
            push(
                "admissions_avoided_per_1000".into(),
                g,
                period,
                "per 1,000 person-years",
                per,
                None,
            );
        }
        // Who gains: admissions avoided per 1,000 in the most minus the least deprived fifth
        // (positive = the most deprived gain more).
        let fifth_values = |f: usize| {
            avoided_per
                .iter()
                .find(|(g, _)| *g == fifth_name(f))
                .map_or_else(|| vec![f64::NAN; n], |(_, v)| v.clone())
        };
        let gap = sub(&fifth_values(0), &fifth_values(4));
        push(
            "admissions_avoided_per_1000_gap_abs".into(),
            "all",
            period,
            "per 1,000 person-years",
            gap,
            None,
        );
        avoided_per.clear();
        // Money: net saving, the extra spent on services, savings elsewhere, return per £1.
        let total_b = get(base, "cost_total", "all", period);
        let total_o = get(t, "cost_total", "all", period);
        let service = |tab: &Table| -> Vec<f64> {
            let mut s = vec![0.0; n];
            for k in 0..catalog.running_services().len() {
                for (a, v) in s.iter_mut().zip(get(tab, catalog.running_cost_line(k), "all", period)) {
                    *a += v;
                }
            }
            s
        };
        let investment = sub(&service(t), &service(base));
        if period == window {
            window_investment.clone_from(&investment);
        }
        let net_saving = sub(&total_b, &total_o);
        let downstream: Vec<f64> = net_saving.iter().zip(&investment).map(|(s, i)| s + i).collect();
        let roi: Vec<f64> = downstream
            .iter()
            .zip(&investment)
            .map(|(s, i)| economics::return_per_pound(*s, *i).unwrap_or(f64::NAN))
            .collect();
        if period != window {
            // Running total from the window's first year: the curve a board watches for the
            // year the option pays back (paired, so its interval is the pairs' interval).
            for (c, x) in cumulative.iter_mut().zip(&net_saving) {
                *c += x;
            }
            push(
                "net_saving_cumulative".into(),
                "all",
                period,
                "GBP",
                cumulative.clone(),
                None,
            );
        }
        push("net_saving".into(), "all", period, "GBP", net_saving, None);
        push("investment".into(), "all", period, "GBP", investment.clone(), None);
        push(
            "downstream_saving".into(),
            "all",
            period,
            "GBP",
            downstream.clone(),
            None,
        );
        let invested = summarise(&investment).0 > 0.0;
        push(
            "return_per_pound".into(),
            "all",
            period,
            "GBP per GBP",
            roi,
            // Less (or no more) spent on services than the base: a return per £1 is not defined.
            invested.then_some((downstream, investment)),
        );
        let dq = sub(&get(t, "qalys", "all", period), &get(base, "qalys", "all", period));
        push("qalys_gained".into(), "all", period, "QALYs", dq, None);
    }
    // The claim-to-model bridge over the window (undiscounted, as claims are made).
    let pair = |m: &str| sub(&get(t, m, "all", window), &get(base, m, "all", window));
    let saving = |m: &str| sub(&get(base, m, "all", window), &get(t, m, "all", window));
    let add = |a: Vec<f64>, b: Vec<f64>| -> Vec<f64> { a.iter().zip(&b).map(|(x, y)| x + y).collect() };
    let mut counted = vec![0.0; n];
    for service in catalog.running_services() {
        counted = add(counted, pair(&format!("cost_avoided_{}", service.key)));
    }
    let before_after = sub(
        &get(t, "cost_acute_year_before", "all", window),
        &get(t, "cost_acute", "all", window),
    );
    let steps = bridge::bridge(&bridge::Inputs {
        acute_saving: &saving("cost_acute"),
        before_after_fall: &before_after,
        counted: &counted,
        claimed_packages: &pair("claimed_package_saving"),
        packages_saving: &add(saving("cost_home_care"), saving("cost_care_homes")),
        other_saving: &saving("cost_gp"),
        investment: &window_investment,
        used_investment: &pair("running_cost_used"),
        net_saving: &saving("cost_total"),
        cash_releasing_share: conv.cash_releasing_share,
    });
    for (step, values) in bridge::STEPS.iter().zip(steps) {
        push(step.metric.into(), "all", window, "GBP", values, None);
    }
    // Discounted economics over the window.
    let dc = sub(
        &get(t, "cost_total_discounted", "all", window),
        &get(base, "cost_total_discounted", "all", window),
    );
    let dq = sub(
        &get(t, "qalys_discounted", "all", window),
        &get(base, "qalys_discounted", "all", window),
    );
    push(
        "net_saving_discounted".into(),
        "all",
        window,
        "GBP (present value)",
        dc.iter().map(|x| -x).collect(),
        None,
    );
    push(
        "qalys_gained_discounted".into(),
        "all",
        window,
        "QALYs (present value)",
        dq.clone(),
        None,
    );
    // ICER: ratio of mean costs to mean QALYs; the interval only when every replicate gains
    // (or every replicate loses) QALYs, since a ratio across zero has no meaningful quantiles.
    let same_sign = dq.iter().all(|&q| q > 0.0) || dq.iter().all(|&q| q < 0.0);
    let icers: Vec<f64> = if same_sign {
        dc.iter()
            .zip(&dq)
            .map(|(c, q)| economics::icer(*c, *q).unwrap_or(f64::NAN))
            .collect()
    } else {
        vec![f64::NAN; n]
    };
    let (mc, mq) = (summarise(&dc).0, summarise(&dq).0);
    // The point estimate is the ratio of the means even when there is no interval.
    push(
        "icer".into(),
        "all",
        window,
        "GBP per QALY",
        icers,
        Some((vec![mc], vec![mq])),
    );
    for &lambda in &conv.thresholds {
        let nmb: Vec<f64> = dc
            .iter()
            .zip(&dq)
            .map(|(c, q)| economics::net_monetary_benefit(*c, *q, lambda))
            .collect();
        push(
            format!("nmb_{}", lambda.round() as i64),
            "all",
            window,
            "GBP (present value)",
            nmb,
            None,
        );
    }
    rows
}
