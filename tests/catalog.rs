//! The run-level catalogue with a scenario-declared service, end to end through the library:
//! run → data files → comparison → the folder read back → charts. Its running costs come from
//! the capacity the scenario staffs; a scenario that does not declare it lists it with zeros.
// Zeros that nothing was added to are exactly zero: exact comparison is the test.
#![allow(clippy::float_cmp)]

mod common;

use placesim::analysis::compare::{compare, period_label, Comparison, RowKind, Window};
use placesim::analysis::economics::Conventions;
use placesim::calendar::Date;
use placesim::engine::schedule::WEEKS_PER_YEAR;
use placesim::engine::Setup;
use placesim::output::compare::write_comparison;
use placesim::output::plot::{charts, Chart, PanelBody};
use placesim::output::read::{read_run_folder, RunFolder};
use placesim::output::{self, Detail, RunInfo};
use placesim::results::{Catalog, Results};
use placesim::runner::{run, RunRequest, Silent};
use placesim::scenario::{
    Allocation, CustomEffects, CustomKind, CustomService, Eligibility, PerLocality, Rollout, Route, Scenario,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const KEY: &str = "home_visits";
const LABEL: &str = "home visits";
/// Running cost per caseload place a year (GBP).
const RUNNING_COST: f64 = 5200.0;

/// A case-management service of 600 places from April 2019, declared by hand as the scenario
/// loader will declare it from `[services.custom.home_visits]`.
fn home_visits() -> CustomService {
    let start = Date::parse("2019-04-01").unwrap();
    CustomService {
        key: KEY.into(),
        label: LABEL.into(),
        evidence: "estimate: a test service".into(),
        kind: CustomKind::CaseManagement,
        rollout: Rollout {
            enabled: true,
            start,
            full_by: Date::parse("2019-09-30").unwrap(),
            capacity_multiplier: 1.0,
            capacity_multiplier_from: start,
        },
        capacity: PerLocality::Total(600.0),
        allocation: Allocation::Population,
        allocation_from: start,
        eligibility: Eligibility {
            min_age: 65,
            max_age: 120,
            min_frailty: 1,
            min_conditions: 0,
            max_imd_decile: 10,
            localities: Vec::new(),
            recent_discharge_weeks: 0,
        },
        route: Route::Gp,
        referral_probability: 0.01,
        duration_weeks: 12,
        referral_lapse_weeks: 26.0,
        effects: CustomEffects {
            crisis: 0.1,
            admission: 0.0,
            length_of_stay: 0.0,
            home_care: 0.0,
            care_home: 0.0,
            ramp_weeks: 0,
        },
        cost_per_start: 250.0,
        running_cost_per_capacity_year: RUNNING_COST,
    }
}

/// The baseline at a small scale to March 2022, and the same with the declared service.
fn scenarios() -> Vec<Scenario> {
    let base = common::small("baseline.toml", 0.02, "2022-03-31");
    let mut option = base.clone();
    option.name = "with_home_visits".into();
    option.services.custom.push(home_visits());
    vec![base, option]
}

fn run_both() -> Results {
    run(
        &RunRequest {
            scenarios: scenarios(),
            replicates: 2,
            seed: 7,
            threads: 2,
        },
        &Silent,
    )
    .unwrap()
}

fn info(results: &Results) -> RunInfo {
    RunInfo {
        command_line: vec!["test".into()],
        started_utc: "2026-01-01T00:00:00Z".into(),
        wall_seconds: 0.0,
        seed: results.seed,
        replicates: results.replicates,
        threads: results.threads,
        detail: Detail::Standard,
        // The tests read weekly.csv and annual.csv.
        format: output::Format::Both,
    }
}

/// Writes the run folder (weekly, annual, summaries, series, manifest) into `dir/run`.
fn write_run(results: &Results, dir: &Path) -> PathBuf {
    let out = dir.join("run");
    let folder = output::prepare_out_dir(&out, false).unwrap();
    let views = output::views(results);
    let run = info(results);
    let mut written = output::write_outputs(&folder, &run, &views).unwrap();
    written.push(output::write_manifest(&folder, &run, &views, &written, None).unwrap());
    folder.commit().unwrap()
}

/// Compares the option with the base and writes the comparison folder into `dir/cmp`.
fn write_cmp(results: &Results, dir: &Path) -> (Comparison, PathBuf) {
    let c = compare(
        &results.scenarios,
        Window::default(),
        Conventions::of_place(&results.scenarios[0].place, None),
    )
    .unwrap();
    let out = dir.join("cmp");
    let folder = output::prepare_out_dir(&out, false).unwrap();
    let views = output::views(results);
    let run = info(results);
    let written = write_comparison(&folder, &run, &views, &c).unwrap();
    output::write_manifest(&folder, &run, &views, &written, Some(&c)).unwrap();
    (c, folder.commit().unwrap())
}

/// The `metric,value` of every data row of a tidy table for `scenario` whose metric mentions
/// the declared service.
fn service_rows(text: &str, scenario: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{scenario},")))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let (metric, value) = (f[f.len() - 2], f[f.len() - 1]);
            metric.contains(KEY).then(|| (metric.to_string(), value.to_string()))
        })
        .collect()
}

fn chart<'a>(list: &'a [Chart], name: &str) -> &'a Chart {
    list.iter().find(|c| c.name == name).unwrap()
}

#[test]
fn a_declared_service_is_listed_in_every_output_of_the_run() {
    let results = run_both();
    let catalog = &results.catalog;
    assert_eq!(catalog.custom_services()[0].key, KEY);
    assert!(results.scenarios.iter().all(|s| Arc::ptr_eq(&s.catalog, catalog)));
    let dir = tempfile::tempdir().unwrap();
    let run_dir = write_run(&results, dir.path());

    // Its metrics, activity cost and value lines are in the weekly and annual tables.
    let weekly = std::fs::read_to_string(run_dir.join("weekly.csv")).unwrap();
    let annual = std::fs::read_to_string(run_dir.join("annual.csv")).unwrap();
    let want = [
        "home_visits_referrals",
        "home_visits_starts",
        "home_visits_caseload",
        "home_visits_waiting",
        "home_visits_lapsed",
        "home_visits_capacity",
        "home_visits_capacity_used",
        "cost_home_visits",
        "expected_ae_avoided_home_visits",
        "expected_admissions_avoided_home_visits",
        "cost_avoided_home_visits",
    ];
    for table in [&weekly, &annual] {
        let rows = service_rows(table, "with_home_visits");
        for name in want {
            assert!(rows.iter().any(|(m, _)| m == name), "no {name} rows");
        }
    }
    // In catalogue order: the declared service's metrics after the built-in ones, its cost
    // before the total, its value lines before LIFE's.
    let block: Vec<&str> = weekly
        .lines()
        .skip(1)
        .take(catalog.n_metrics() + catalog.n_costs() + catalog.n_values())
        .map(|l| l.rsplit(',').nth(1).unwrap())
        .collect();
    let n = catalog.n_metrics();
    assert_eq!(block[n - 7..n], want[..7]);
    assert_eq!(
        block[n + catalog.n_costs() - 2..n + catalog.n_costs()],
        ["cost_home_visits", "cost_total"]
    );
    assert_eq!(
        block[block.len() - 2..],
        ["cost_avoided_home_visits", "cost_avoided_life"]
    );
    let summary = std::fs::read_to_string(run_dir.join("summary.csv")).unwrap();
    assert!(summary.contains(",total,home_visits_starts,episodes,"), "{summary}");
    assert!(summary.contains(",total,cost_home_visits,GBP"));
    let series = std::fs::read_to_string(run_dir.join("series.csv")).unwrap();
    assert!(series.contains("with_home_visits,home_visits_caseload,all,quarter,"));
    assert!(series.contains("with_home_visits,home_visits_waiting,all,quarter,"));

    // The manifest records the service, and the folder reads back with the same catalogue.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["custom_services"],
        serde_json::json!([{"key": KEY, "label": LABEL}])
    );
    assert_eq!(manifest["metrics"].as_array().unwrap().len(), catalog.n_metrics());
    let folder = read_run_folder(&run_dir).unwrap();
    assert_eq!(&folder.catalog, &**catalog);
    let (list, _) = charts(&folder);
    let flows = chart(&list, "service_flows");
    assert!(flows.panels.iter().any(|p| p.title == "home visits, supported"));
    let waiting = chart(&list, "waiting_lists");
    assert!(waiting.panels.iter().any(|p| p.title == "Waiting for home visits"));
    let costs = chart(&list, "costs_by_category");
    assert!(costs.legend.iter().any(|e| e.label == LABEL));

    // The comparison: its running cost is the staffed capacity × the cost per place-week, in
    // residents.
    let (c, cmp_dir) = write_cmp(&results, dir.path());
    let option = &results.scenarios[1];
    let setup = Setup::with_catalog(&option.scenario, &option.place, Arc::clone(catalog)).unwrap();
    let capacity = &setup.schedule().custom[0];
    assert_eq!(capacity.key, KEY);
    let cal = &option.calendar;
    let nl = option.place.n_localities();
    let mut positive = 0;
    for (k, &fy) in cal.financial_years.iter().enumerate() {
        let label = period_label(fy, fy);
        let Some(row) = c.rows.iter().find(|r| {
            r.option == "with_home_visits"
                && r.kind == RowKind::Level
                && r.metric == "running_cost_home_visits"
                && r.group == "all"
                && r.period == label
        }) else {
            continue;
        };
        let expected: f64 = (0..cal.weeks)
            .filter(|&w| usize::from(cal.fy_of_week[w]) == k)
            .flat_map(|w| (0..nl).map(move |l| (w, l)))
            // The schedule counts simulated weeks: the warm-up, then the reported ones.
            .map(|(w, l)| {
                capacity.capacity.level(setup.schedule().at(w + setup.warm_up_weeks(), l)) * RUNNING_COST / WEEKS_PER_YEAR
            })
            .sum::<f64>()
            // The schedule holds the sample's capacity (× scale); costs are in residents.
            / option.scenario.scale;
        assert!(
            (row.mean - expected).abs() <= 1e-9 * expected.max(1.0),
            "{label}: {} vs {expected}",
            row.mean
        );
        positive += usize::from(expected > 0.0);
    }
    assert!(positive > 0, "the service is staffed in the window");
    let window = period_label(c.window.0, c.window.1);
    let level = |metric: &str| {
        c.rows
            .iter()
            .find(|r| {
                r.option == "with_home_visits"
                    && r.kind == RowKind::Level
                    && r.metric == metric
                    && r.group == "all"
                    && r.period == window
            })
            .unwrap_or_else(|| panic!("no {metric}"))
    };
    // Its return per £1 is the cost it avoided over its running cost.
    let (avoided, running) = (
        level("cost_avoided_home_visits").mean,
        level("running_cost_home_visits").mean,
    );
    assert!(avoided >= 0.0 && running > 0.0, "{avoided} {running}");
    let ret = level("return_per_pound_home_visits").mean;
    assert!((ret - avoided / running).abs() <= 1e-6 * ret.abs().max(1.0), "{ret}");
    let comparison = std::fs::read_to_string(cmp_dir.join("comparison.csv")).unwrap();
    assert!(comparison.contains(",return_per_pound_home_visits,all,"));
    assert!(comparison.contains(",running_cost_home_visits,all,"));

    // The comparison folder reads back and its charts show the service by its label.
    let folder: RunFolder = read_run_folder(&cmp_dir).unwrap();
    assert_eq!(&folder.catalog, &**catalog);
    let (list, _) = charts(&folder);
    let ret = chart(&list, "return_per_pound");
    let PanelBody::Bars { categories, .. } = &ret.panels[0].body else {
        panic!("bars")
    };
    assert_eq!(categories.last().map(String::as_str), Some(LABEL));
    let costs = chart(&list, "costs_by_category");
    assert!(costs.legend.iter().any(|e| e.label == LABEL));
}

#[test]
fn a_scenario_without_the_declared_service_reports_zeros_for_it() {
    let results = run_both();
    let dir = tempfile::tempdir().unwrap();
    let run_dir = write_run(&results, dir.path());
    for file in ["weekly.csv", "annual.csv"] {
        let text = std::fs::read_to_string(run_dir.join(file)).unwrap();
        let rows = service_rows(&text, "baseline");
        assert!(!rows.is_empty(), "{file}: the baseline lists the service");
        for (metric, value) in rows {
            assert!(
                value.parse::<f64>().unwrap() == 0.0,
                "{file}: baseline {metric} = {value}"
            );
        }
    }
    let summary = std::fs::read_to_string(run_dir.join("summary.csv")).unwrap();
    let rows: Vec<&str> = summary
        .lines()
        .filter(|l| l.starts_with("baseline,") && l.contains(KEY))
        .collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|l| l.ends_with(",0.00,0.00,0.00,2")),
        "{rows:?}"
    );
    let (c, _) = write_cmp(&results, dir.path());
    let window = period_label(c.window.0, c.window.1);
    let base = c
        .rows
        .iter()
        .find(|r| {
            r.option == "baseline"
                && r.kind == RowKind::Level
                && r.metric == "running_cost_home_visits"
                && r.period == window
        })
        .unwrap();
    assert_eq!(base.mean, 0.0);
    assert!(c
        .rows
        .iter()
        .any(|r| r.option == "baseline" && r.metric == "return_per_pound_home_visits"));
    // The base's own tallies and costs are those of a run without the service.
    let alone = run(
        &RunRequest {
            scenarios: vec![scenarios().remove(0)],
            replicates: 2,
            seed: 7,
            threads: 2,
        },
        &Silent,
    )
    .unwrap();
    assert_eq!(*alone.catalog, Catalog::builtin());
    let (with, without) = (&results.scenarios[0].replicates[1], &alone.scenarios[0].replicates[1]);
    let builtin = Catalog::builtin();
    for fy in 0..with.financial_years() {
        for m in 0..builtin.n_metrics() {
            assert_eq!(with.annual_total_at(fy, m), without.annual_total_at(fy, m));
        }
    }
}

#[test]
fn a_declared_service_whose_outputs_would_clash_with_built_in_ones_is_refused() {
    let mut scenarios = scenarios();
    scenarios[1].services.custom[0].key = "huddle".into();
    let err = run(
        &RunRequest {
            scenarios,
            replicates: 1,
            seed: 7,
            threads: 1,
        },
        &Silent,
    )
    .unwrap_err();
    assert!(err.is_bad_input());
    let msg = err.to_string();
    assert!(
        msg.contains("[services.custom.huddle]") && msg.contains("huddle_caseload"),
        "{msg}"
    );
}
