//! Borough totals per financial year and for the whole horizon, summarised across replicates
//! (mean and equal-tailed 95% interval): `summary.csv` and `summary.json`.

use super::{csv_field, csv_fixed, RunInfo, ScenarioView, SUMMARY_COLUMNS};
use crate::calendar::financial_year_label;
use crate::results::summary::{interval, Interval};
use crate::results::MetricKind;
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// Label of the whole-horizon period.
pub const TOTAL_PERIOD: &str = "total";

/// One summarised quantity of one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Financial-year label (`FY2019/20`) or `total`.
    pub period: String,
    /// Metric or cost-category name (of the run's catalogue).
    pub metric: String,
    /// Unit (costs: `GBP (<price base>)`).
    pub unit: String,
    /// Mean and 95% interval across replicates.
    pub interval: Interval,
    /// Number of replicates summarised.
    pub replicates: usize,
}

/// Value of every metric of the catalogue (counts summed, stocks as mean weekly level) and
/// every cost category (from counts and person-weeks) given a period's raw borough sums.
fn period_values(view: &ScenarioView<'_>, raw: &[f64], weeks: f64) -> Vec<f64> {
    let mut out: Vec<f64> = view
        .catalog
        .metrics()
        .iter()
        .zip(raw)
        .map(|(m, &v)| match m.kind {
            MetricKind::Count => v,
            MetricKind::Stock => v / weeks.max(1.0),
        })
        .collect();
    out.extend(view.costs.costs(&|m: usize| raw[m]));
    out
}

/// Summarises one scenario: borough totals (all localities and cells) for each financial year
/// and for the whole horizon (`total`: counts summed, stocks averaged over all weeks), each
/// metric then each cost category.
pub fn summarise(view: &ScenarioView<'_>) -> Vec<SummaryRow> {
    let cal = view.calendar;
    let fys = view
        .replicates
        .iter()
        .map(|t| t.financial_years())
        .min()
        .unwrap_or(0)
        .min(cal.financial_years.len());
    let mut periods: Vec<String> = cal.financial_years[..fys]
        .iter()
        .map(|&y| financial_year_label(y))
        .collect();
    periods.push(TOTAL_PERIOD.to_string());
    let catalog = view.catalog;
    let n_metrics = catalog.n_metrics();
    let n_values = n_metrics + catalog.n_costs();
    // values[period][quantity][replicate]
    let mut values = vec![vec![Vec::new(); n_values]; periods.len()];
    for tally in view.replicates {
        let mut total = vec![0.0; n_metrics];
        let mut total_weeks = 0.0;
        let mut raw = vec![0.0; n_metrics];
        for (fy, period) in values.iter_mut().enumerate().take(fys) {
            for (m, v) in raw.iter_mut().enumerate() {
                *v = tally.annual_total_residents(fy, m);
                total[m] += *v;
            }
            let weeks = f64::from(cal.weeks_in_fy[fy]);
            total_weeks += weeks;
            for (q, v) in period_values(view, &raw, weeks).into_iter().enumerate() {
                period[q].push(v);
            }
        }
        for (q, v) in period_values(view, &total, total_weeks).into_iter().enumerate() {
            values[fys][q].push(v);
        }
    }
    let cost_unit = format!("GBP ({})", view.costs.price_base());
    let mut rows = Vec::with_capacity(periods.len() * n_values);
    for (p, period) in periods.iter().enumerate() {
        for (q, reps) in values[p].iter().enumerate() {
            let (metric, unit) = match catalog.metrics().get(q) {
                Some(m) => (m.name.clone(), m.unit.to_string()),
                None => (catalog.cost_categories()[q - n_metrics].name.clone(), cost_unit.clone()),
            };
            rows.push(SummaryRow {
                period: period.clone(),
                metric,
                unit,
                interval: interval(reps),
                replicates: reps.len(),
            });
        }
    }
    rows
}

/// `x` as written in the summaries: two decimals; empty when not finite (missing).
fn fixed2(x: f64) -> String {
    csv_fixed(x, 2)
}

pub(crate) fn write_csv(
    w: &mut dyn Write,
    views: &[ScenarioView<'_>],
    summaries: &[Vec<SummaryRow>],
) -> io::Result<()> {
    writeln!(w, "{SUMMARY_COLUMNS}")?;
    for (view, rows) in views.iter().zip(summaries) {
        let name = csv_field(view.name);
        for r in rows {
            let i = r.interval;
            writeln!(
                w,
                "{name},{},{},{},{},{},{},{}",
                r.period,
                r.metric,
                csv_field(&r.unit),
                fixed2(i.mean),
                fixed2(i.lo),
                fixed2(i.hi),
                r.replicates
            )?;
        }
    }
    Ok(())
}

/// The number `x` rounded exactly as the CSV writes it.
fn json_number(x: f64) -> Value {
    fixed2(x)
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

pub(crate) fn write_json(
    w: &mut dyn Write,
    run: &RunInfo,
    views: &[ScenarioView<'_>],
    summaries: &[Vec<SummaryRow>],
) -> io::Result<()> {
    let mut scenarios = Map::new();
    let mut units = Map::new();
    for (view, rows) in views.iter().zip(summaries) {
        let mut periods = Map::new();
        for r in rows {
            units
                .entry(r.metric.clone())
                .or_insert_with(|| Value::String(r.unit.clone()));
            let period = periods
                .entry(r.period.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(metrics) = period {
                metrics.insert(
                    r.metric.clone(),
                    json!({"mean": json_number(r.interval.mean), "lo": json_number(r.interval.lo), "hi": json_number(r.interval.hi)}),
                );
            }
        }
        scenarios.insert(view.name.to_string(), Value::Object(periods));
    }
    let doc = json!({
        "meta": {
            "placesim_version": env!("CARGO_PKG_VERSION"),
            "seed": run.seed,
            "replicates": run.replicates,
            "price_base": views.first().map(|v| v.costs.price_base().to_string()),
            "statistics": "mean across replicates and equal-tailed 95% interval (2.5th and 97.5th percentiles, linear interpolation); borough totals; counts summed over the period, stocks as mean weekly level, costs from counts and person-weeks",
            "units": units,
        },
        "scenarios": scenarios,
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::testdata::{fixture, view, Fixture};
    use crate::output::Detail;

    fn run_info() -> RunInfo {
        RunInfo {
            command_line: vec![],
            started_utc: String::new(),
            wall_seconds: 0.0,
            seed: 1,
            replicates: 2,
            threads: 1,
            detail: Detail::Standard,
            format: crate::output::Format::default(),
        }
    }

    fn find<'a>(rows: &'a [SummaryRow], period: &str, metric: &str) -> &'a SummaryRow {
        rows.iter().find(|r| r.period == period && r.metric == metric).unwrap()
    }

    #[test]
    fn summary_interval_is_correct_on_known_values() {
        let Fixture { tallies, calendar } = fixture();
        let rows = summarise(&view(&calendar, &tallies));
        // Deaths in FY2019/20: replicates 4 and 2 → mean 3, interval 2.05..3.95.
        let d = find(&rows, "FY2019/20", "deaths");
        assert_eq!(d.replicates, 2);
        assert!((d.interval.mean - 3.0).abs() < 1e-12);
        assert!((d.interval.lo - 2.05).abs() < 1e-12);
        assert!((d.interval.hi - 3.95).abs() < 1e-12);
        // Population is a stock: 7/2 and 8/2 person-weeks per week → mean 3.75.
        assert!((find(&rows, "FY2019/20", "population").interval.mean - 3.75).abs() < 1e-12);
        // Over the whole horizon (3 weeks): 7/3 and 8/3 → mean 2.5.
        assert!((find(&rows, "total", "population").interval.mean - 2.5).abs() < 1e-12);
        // Counts are summed over the horizon.
        assert!((find(&rows, "total", "deaths").interval.mean - 3.0).abs() < 1e-12);
        // Costs from person-weeks: replicate 0 has 6 home-care weeks × £10, replicate 1 none.
        let c = find(&rows, "FY2019/20", "cost_home_care");
        assert_eq!(c.unit, "GBP (2018/19)");
        assert!((c.interval.mean - 30.0).abs() < 1e-12);
        let c = crate::results::Catalog::builtin();
        assert_eq!(rows.len(), 3 * (c.n_metrics() + c.n_costs()));
    }

    #[test]
    fn summary_csv_has_the_exact_header_and_two_decimals() {
        let Fixture { tallies, calendar } = fixture();
        let views = [view(&calendar, &tallies)];
        let sums: Vec<_> = views.iter().map(summarise).collect();
        let mut buf = Vec::new();
        write_csv(&mut buf, &views, &sums).unwrap();
        let out = String::from_utf8(buf).unwrap();
        assert!(out.starts_with("scenario,period,metric,unit,mean,lo,hi,replicates\n"));
        assert!(
            out.contains("\ntest,FY2019/20,deaths,persons,3.00,2.05,3.95,2\n"),
            "{out}"
        );
        assert!(out.contains("\ntest,total,cost_home_care,GBP (2018/19),30.00,1.50,58.50,2\n"));
    }

    #[test]
    fn summary_json_nests_scenario_period_metric() {
        let Fixture { tallies, calendar } = fixture();
        let views = [view(&calendar, &tallies)];
        let sums: Vec<_> = views.iter().map(summarise).collect();
        let mut buf = Vec::new();
        write_json(&mut buf, &run_info(), &views, &sums).unwrap();
        let v: Value = serde_json::from_slice(&buf).unwrap();
        let d = &v["scenarios"]["test"]["FY2019/20"]["deaths"];
        assert_eq!(d["mean"], 3.0);
        assert_eq!(d["lo"], 2.05);
        assert_eq!(d["hi"], 3.95);
        assert_eq!(v["meta"]["units"]["cost_total"], "GBP (2018/19)");
        assert_eq!(v["meta"]["seed"], 1);
    }
}
