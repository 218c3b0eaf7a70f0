//! Calibration targets: loaded from a data file (`data/targets.toml` is embedded), each with a
//! precise definition that is computed from a scenario's results, per replicate.

use crate::calendar::Date;
use crate::results::summary::{interval, Interval};
use crate::results::{Metric, ScenarioResult, Tally, AGE_BANDS, BREAKDOWN_CELLS, LIFE_AGE_GROUPS};
use serde::Deserialize;

/// The embedded Croydon targets (`data/targets.toml`; docs/validation.md §10).
pub const CROYDON_TARGETS: &str = include_str!("../../data/targets.toml");

/// How a simulated value is computed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Compute {
    /// A metric summed over one financial year (optionally only residents `min_age`+, which
    /// must be an output age-band boundary: 0, 18, 65, 75 or 85).
    AnnualSum {
        /// Metric name.
        metric: String,
        /// Financial year (first year, e.g. 2019 for FY2019/20).
        fy: i32,
        /// Minimum age.
        #[serde(default)]
        min_age: Option<u8>,
    },
    /// The mean weekly level of a stock over one financial year (optionally only residents
    /// `min_age`+, an output age-band boundary).
    AnnualStockMean {
        /// Metric name (a stock).
        metric: String,
        /// Financial year.
        fy: i32,
        /// Minimum age.
        #[serde(default)]
        min_age: Option<u8>,
    },
    /// A stock at the end of the week containing `date`.
    StockAtDate {
        /// Metric name (a stock).
        metric: String,
        /// Date (`YYYY-MM-DD`).
        date: String,
    },
    /// `to / from − 1` of a metric summed over two financial years.
    RelativeChange {
        /// Metric name.
        metric: String,
        /// Earlier financial year.
        from_fy: i32,
        /// Later financial year.
        to_fy: i32,
        /// Minimum age (an age-band boundary).
        #[serde(default)]
        min_age: Option<u8>,
    },
    /// `to / from − 1` of the mean weekly value over weeks starting in two date windows.
    WindowChange {
        /// Metric name.
        metric: String,
        /// First window start.
        from_start: String,
        /// First window end.
        from_end: String,
        /// Second window start.
        to_start: String,
        /// Second window end.
        to_end: String,
    },
    /// A metric summed over the weeks starting between two dates.
    WindowSum {
        /// Metric name.
        metric: String,
        /// Window start.
        start: String,
        /// Window end.
        end: String,
    },
    /// Sum of numerator metrics over sum of denominator metrics in one financial year.
    Ratio {
        /// Numerator metric names.
        numerator: Vec<String>,
        /// Denominator metric names.
        denominator: Vec<String>,
        /// Financial year.
        fy: i32,
    },
    /// A metric summed over one financial year per `per` residents, per day (`per_day`) or per
    /// year of their person-time in that year, numerator and denominator both restricted to
    /// residents `min_age`+ (an output age-band boundary) when given: delayed transfers of care
    /// per 100,000 adults a day, care-home admissions per 100,000 residents 65+ a year.
    PopulationRate {
        /// Metric name (a count).
        metric: String,
        /// Financial year.
        fy: i32,
        /// Minimum age of numerator and denominator.
        #[serde(default)]
        min_age: Option<u8>,
        /// Residents the rate is expressed per (100,000).
        per: f64,
        /// Per day of person-time (true) or per year (false).
        per_day: bool,
    },
    /// Life expectancy at birth of the whole place (abridged life table, Chiang II, from
    /// deaths and person-years pooled over the years).
    LifeExpectancy {
        /// `male` or `female`.
        sex: String,
        /// First financial year pooled.
        from_fy: i32,
        /// Last financial year pooled.
        to_fy: i32,
    },
    /// Life expectancy at birth in the least minus the most deprived fifth of the place.
    LeGap {
        /// `male` or `female`.
        sex: String,
        /// First financial year pooled.
        from_fy: i32,
        /// Last financial year pooled.
        to_fy: i32,
    },
}

/// One target.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Machine identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Precise definition in words.
    pub definition: String,
    /// Unit of the value.
    pub unit: String,
    /// Period.
    pub period: String,
    /// Published value (or midpoint of a published range).
    pub observed: f64,
    /// Lowest accepted simulated mean.
    pub lo: f64,
    /// Highest accepted simulated mean.
    pub hi: f64,
    /// Where the figure comes from.
    pub source: String,
    /// Weight in the calibration distance.
    pub weight: f64,
    /// How the simulated value is computed.
    pub compute: Compute,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    target: Vec<Target>,
}

/// Parses and checks a targets file (`origin` names it in errors).
pub fn parse_targets(text: &str, origin: &str) -> Result<Vec<Target>, String> {
    let file: TargetFile = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
    let problems = check_targets(&file.target, origin, "target");
    if problems.is_empty() {
        Ok(file.target)
    } else {
        Err(problems.join("\n"))
    }
}

/// Every problem of a list of targets (`what` names an entry in messages: `target`, `claim`):
/// a band with lo above hi, a negative weight, an unknown metric, a minimum age that is not an
/// age-band boundary, a sex that is not `male` or `female`, repeated ids.
pub fn check_targets(targets: &[Target], origin: &str, what: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for t in targets {
        if t.lo.is_nan() || t.hi.is_nan() || t.lo > t.hi {
            problems.push(format!("{origin}: {what} {}: lo {} is above hi {}", t.id, t.lo, t.hi));
        }
        if t.weight.is_nan() || t.weight < 0.0 {
            problems.push(format!("{origin}: {what} {}: weight must be >= 0", t.id));
        }
        for m in metric_names(&t.compute) {
            if metric(m).is_none() {
                problems.push(format!(
                    "{origin}: {what} {}: unknown metric `{m}` (see `placesim explain metrics`)",
                    t.id
                ));
            }
        }
        if let Compute::PopulationRate { per, .. } = &t.compute {
            if !(per.is_finite() && *per > 0.0) {
                problems.push(format!("{origin}: {what} {}: per must be a positive number", t.id));
            }
        }
        if let Compute::AnnualSum { min_age: Some(a), .. }
        | Compute::AnnualStockMean { min_age: Some(a), .. }
        | Compute::PopulationRate { min_age: Some(a), .. }
        | Compute::RelativeChange { min_age: Some(a), .. } = &t.compute
        {
            if band_from(*a).is_none() {
                problems.push(format!(
                    "{origin}: {what} {}: min_age {a} is not an age-band boundary (0, 18, 65, 75, 85)",
                    t.id
                ));
            }
        }
        if let Compute::LeGap { sex, .. } | Compute::LifeExpectancy { sex, .. } = &t.compute {
            if sex != "male" && sex != "female" {
                problems.push(format!("{origin}: {what} {}: sex must be \"male\" or \"female\"", t.id));
            }
        }
    }
    let mut ids: Vec<&str> = targets.iter().map(|t| t.id.as_str()).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        problems.push(format!("{origin}: {what} ids must be unique"));
    }
    problems
}

/// The embedded Croydon targets.
pub fn croydon_targets() -> Vec<Target> {
    parse_targets(CROYDON_TARGETS, "data/targets.toml").expect("embedded targets are valid (tested)")
}

fn metric_names(c: &Compute) -> Vec<&str> {
    match c {
        Compute::AnnualSum { metric, .. }
        | Compute::AnnualStockMean { metric, .. }
        | Compute::StockAtDate { metric, .. }
        | Compute::RelativeChange { metric, .. }
        | Compute::WindowChange { metric, .. }
        | Compute::WindowSum { metric, .. }
        | Compute::PopulationRate { metric, .. } => vec![metric.as_str()],
        Compute::Ratio {
            numerator, denominator, ..
        } => numerator.iter().chain(denominator).map(String::as_str).collect(),
        Compute::LeGap { .. } | Compute::LifeExpectancy { .. } => vec![],
    }
}

fn metric(name: &str) -> Option<Metric> {
    Metric::ALL.iter().copied().find(|m| m.name() == name)
}

fn band_from(min_age: u8) -> Option<usize> {
    AGE_BANDS
        .iter()
        .position(|b| b.split(['-', '+']).next().and_then(|s| s.parse::<u8>().ok()) == Some(min_age))
}

/// The simulated value of a target in one replicate, or why it cannot be computed.
pub fn compute(target: &Target, result: &ScenarioResult, tally: &Tally) -> Result<f64, String> {
    let cal = &result.calendar;
    let fy_index = |fy: i32| -> Result<usize, String> {
        cal.financial_years
            .iter()
            .position(|&y| y == fy)
            .ok_or_else(|| format!("target {}: FY{fy} is not in the run", target.id))
    };
    let date = |s: &str| Date::parse(s).ok_or_else(|| format!("target {}: `{s}` is not a YYYY-MM-DD date", target.id));
    let m = |name: &str| metric(name).ok_or_else(|| format!("target {}: unknown metric `{name}`", target.id));
    let sum_cells = |fy: usize, mt: Metric, min_band: usize| -> f64 {
        (0..tally.localities())
            .flat_map(|l| (0..BREAKDOWN_CELLS).map(move |c| (l, c)))
            .filter(|&(_, c)| (c / 2) % AGE_BANDS.len() >= min_band)
            .map(|(l, c)| tally.annual_residents(fy, l, c, mt as usize))
            .sum()
    };
    let weeks_between = |a: Date, b: Date| -> Result<Vec<usize>, String> {
        let ws: Vec<usize> = (0..cal.weeks)
            .filter(|&w| (a..=b).contains(&cal.week_start(w)))
            .collect();
        if ws.is_empty() {
            Err(format!(
                "target {}: no simulated week starts between {a} and {b}",
                target.id
            ))
        } else {
            Ok(ws)
        }
    };
    let weekly_sum = |mt: Metric, ws: &[usize]| -> f64 {
        ws.iter()
            .map(|&w| {
                (0..tally.localities())
                    .map(|l| tally.weekly_residents(w, l, mt as usize))
                    .sum::<f64>()
            })
            .sum()
    };
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    // Counts and levels are in residents (the tally's `*_residents` accessors: a run at scale s
    // simulates s agents per resident). Life expectancy is a ratio of agent counts.
    Ok(match &target.compute {
        Compute::AnnualSum { metric, fy, min_age } => {
            let band = band_from(min_age.unwrap_or(0)).unwrap_or(0);
            let unattributed = if band == 0 {
                overhead(tally, fy_index(*fy)?, m(metric)?)
            } else {
                0.0
            };
            sum_cells(fy_index(*fy)?, m(metric)?, band) + unattributed
        }
        Compute::AnnualStockMean {
            metric,
            fy,
            min_age: None,
        } => {
            let k = fy_index(*fy)?;
            tally.annual_total_residents(k, m(metric)? as usize) / f64::from(cal.weeks_in_fy[k])
        }
        Compute::AnnualStockMean {
            metric,
            fy,
            min_age: Some(a),
        } => {
            let k = fy_index(*fy)?;
            let band = band_from(*a).unwrap_or(0);
            sum_cells(k, m(metric)?, band) / f64::from(cal.weeks_in_fy[k])
        }
        Compute::StockAtDate { metric, date: d } => {
            let d = date(d)?;
            if d < cal.start || d > cal.week_start(cal.weeks - 1).add_days(6) {
                return Err(format!("target {}: {d} is outside the run", target.id));
            }
            let w = cal.week_of(d);
            weekly_sum(m(metric)?, &[w])
        }
        Compute::RelativeChange {
            metric,
            from_fy,
            to_fy,
            min_age,
        } => {
            let band = band_from(min_age.unwrap_or(0)).unwrap_or(0);
            let mt = m(metric)?;
            ratio(
                sum_cells(fy_index(*to_fy)?, mt, band),
                sum_cells(fy_index(*from_fy)?, mt, band),
            ) - 1.0
        }
        Compute::WindowChange {
            metric,
            from_start,
            from_end,
            to_start,
            to_end,
        } => {
            let mt = m(metric)?;
            let a = weeks_between(date(from_start)?, date(from_end)?)?;
            let b = weeks_between(date(to_start)?, date(to_end)?)?;
            ratio(weekly_sum(mt, &b) / b.len() as f64, weekly_sum(mt, &a) / a.len() as f64) - 1.0
        }
        Compute::WindowSum { metric, start, end } => weekly_sum(m(metric)?, &weeks_between(date(start)?, date(end)?)?),
        Compute::Ratio {
            numerator,
            denominator,
            fy,
        } => {
            let k = fy_index(*fy)?;
            let total = |names: &[String]| -> Result<f64, String> {
                names
                    .iter()
                    .map(|n| Ok(tally.annual_total_residents(k, m(n)? as usize)))
                    .sum()
            };
            ratio(total(numerator)?, total(denominator)?)
        }
        Compute::PopulationRate {
            metric,
            fy,
            min_age,
            per,
            per_day,
        } => {
            let k = fy_index(*fy)?;
            let band = band_from(min_age.unwrap_or(0)).unwrap_or(0);
            let mt = m(metric)?;
            let events = sum_cells(k, mt, band) + if band == 0 { overhead(tally, k, mt) } else { 0.0 };
            // The annual tally of a stock is the sum of its weekly levels: person-weeks.
            let person_weeks = sum_cells(k, Metric::Population, band);
            let time = if *per_day {
                person_weeks * 7.0
            } else {
                person_weeks * 7.0 / 365.25
            };
            ratio(events, time) * per
        }
        Compute::LeGap { sex, from_fy, to_fy } | Compute::LifeExpectancy { sex, from_fy, to_fy } => {
            let s = usize::from(sex == "male");
            let (a, b) = (fy_index(*from_fy)?, fy_index(*to_fy)?);
            let e0 = |fifths: std::ops::Range<usize>| -> Result<f64, String> {
                let mut deaths = [0.0; LIFE_AGE_GROUPS];
                let mut years = [0.0; LIFE_AGE_GROUPS];
                for fy in a..=b {
                    for l in 0..tally.localities() {
                        for fifth in fifths.clone() {
                            for g in 0..LIFE_AGE_GROUPS {
                                let (d, pw) = tally.life_fifth(fy, l, fifth, s, g);
                                deaths[g] += f64::from(d);
                                years[g] += f64::from(pw) * 7.0 / 365.25;
                            }
                        }
                    }
                }
                crate::analysis::life_table::abridged(&deaths, &years)
                    .map(|t| t.e(0))
                    .ok_or_else(|| format!("target {}: a life-table age group has no person-years", target.id))
            };
            if matches!(target.compute, Compute::LeGap { .. }) {
                e0(4..5)? - e0(0..1)?
            } else {
                e0(0..5)?
            }
        }
    })
}

fn overhead(tally: &Tally, fy: usize, m: Metric) -> f64 {
    (0..tally.localities())
        .map(|l| tally.annual_residents(fy, l, crate::results::OVERHEAD_CELL, m as usize))
        .sum()
}

/// A target's simulated distribution across replicates and whether it passes.
#[derive(Debug, Clone)]
pub struct TargetResult {
    /// The target.
    pub target: Target,
    /// Simulated value in each replicate.
    pub values: Vec<f64>,
    /// Mean and 95% interval across replicates.
    pub simulated: Interval,
    /// True when the simulated mean lies within [lo, hi].
    pub pass: bool,
}

/// Evaluates every target on every replicate of a scenario's results.
pub fn evaluate(targets: &[Target], result: &ScenarioResult) -> Result<Vec<TargetResult>, String> {
    targets
        .iter()
        .map(|t| {
            let values = result
                .replicates
                .iter()
                .map(|tally| compute(t, result, tally))
                .collect::<Result<Vec<f64>, String>>()?;
            let simulated = interval(&values);
            let pass = simulated.mean >= t.lo && simulated.mean <= t.hi;
            Ok(TargetResult {
                target: t.clone(),
                values,
                simulated,
                pass,
            })
        })
        .collect()
}
