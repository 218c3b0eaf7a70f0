//! Services a planner declares in a scenario file, run by the engine: they take people on
//! within capacity and eligibility, their effects move the outcomes they act on (down for a
//! benefit, up for a harm), and declaring one changes nothing else (common random numbers).

mod common;

use common::small;
use placesim::engine::{run_replicate, Setup};
use placesim::place::Place;
use placesim::results::catalog::{Catalog, CustomMetric};
use placesim::results::{Metric, Tally};
use placesim::scenario::{
    load_scenario_str, CustomEffects, CustomKind, CustomService, Eligibility, PerLocality, Route, Scenario,
};
use std::path::Path;
use std::sync::Arc;

const SCALE: f64 = 0.03;
const END: &str = "2022-03-31";

fn place() -> Arc<Place> {
    Arc::new(Place::croydon())
}

/// The baseline with one declared service from April 2019 (a support episode taking A&E
/// attenders 65+ with at least mild frailty), with the given capacity and effects.
fn with_service(capacity: f64, crisis: f64, admission: f64) -> Scenario {
    let mut s = small("baseline.toml", SCALE, END);
    let start = placesim::calendar::Date::parse("2019-04-01").unwrap();
    s.services.custom.push(CustomService {
        key: "test_service".into(),
        label: "test service".into(),
        evidence: "estimate: a test".into(),
        kind: CustomKind::SupportEpisode,
        rollout: placesim::scenario::Rollout {
            enabled: true,
            start,
            full_by: start,
            capacity_multiplier: 1.0,
            capacity_multiplier_from: start,
        },
        capacity: PerLocality::Total(capacity),
        allocation: placesim::scenario::Allocation::Population,
        allocation_from: s.start,
        eligibility: Eligibility {
            min_age: 65,
            max_age: 110,
            min_frailty: 1,
            min_conditions: 0,
            max_imd_decile: 10,
            localities: Vec::new(),
            recent_discharge_weeks: 0,
        },
        route: Route::AeLiaison,
        referral_probability: 0.9,
        duration_weeks: 26,
        referral_lapse_weeks: 26.0,
        effects: CustomEffects {
            crisis,
            admission,
            length_of_stay: 0.0,
            home_care: 0.0,
            care_home: 0.0,
            ramp_weeks: 0,
        },
        cost_per_start: 100.0,
        running_cost_per_capacity_year: 1000.0,
    });
    s
}

fn run(s: &Scenario, catalog: &Arc<Catalog>) -> Tally {
    let setup = Setup::with_catalog(s, &place(), Arc::clone(catalog)).expect("set-up");
    run_replicate(&setup, 11, 0)
}

fn total(t: &Tally, m: Metric) -> u64 {
    (0..t.financial_years()).map(|fy| t.annual_total(fy, m)).sum()
}

fn total_at(t: &Tally, m: usize) -> u64 {
    (0..t.financial_years()).map(|fy| t.annual_total_at(fy, m)).sum()
}

#[test]
fn a_declared_service_with_no_capacity_changes_no_built_in_output() {
    let base = small("baseline.toml", SCALE, END);
    let option = with_service(0.0, 0.5, 0.5);
    let catalog = Arc::new(Catalog::of_scenarios([&base, &option]));
    let (a, b) = (run(&base, &catalog), run(&option, &catalog));
    for &m in Metric::ALL {
        assert_eq!(total(&a, m), total(&b, m), "{}", m.name());
    }
    let referrals = catalog.custom_metric(0, CustomMetric::Referrals);
    let starts = catalog.custom_metric(0, CustomMetric::Starts);
    assert!(total_at(&b, referrals) > 0, "eligible attenders are referred");
    assert_eq!(total_at(&b, starts), 0, "nobody is taken on without capacity");
    assert_eq!(total_at(&a, referrals), 0, "the base does not have the service");
}

#[test]
fn a_beneficial_declared_service_takes_people_on_and_avoids_crises() {
    let base = small("baseline.toml", SCALE, END);
    let option = with_service(400.0, 0.3, 0.0);
    let catalog = Arc::new(Catalog::of_scenarios([&base, &option]));
    let (a, b) = (run(&base, &catalog), run(&option, &catalog));
    let starts = total_at(&b, catalog.custom_metric(0, CustomMetric::Starts));
    assert!(starts > 0, "people are taken on");
    // A few dozen clients at this scale: the fall is summed over eight replicates (paired), as
    // for the harmful service below, so that one replicate's noise cannot hide it.
    let (sa, sb) = (
        Setup::with_catalog(&base, &place(), Arc::clone(&catalog)).unwrap(),
        Setup::with_catalog(&option, &place(), Arc::clone(&catalog)).unwrap(),
    );
    let fall: i64 = (0..8)
        .map(|r| {
            let attendances = |s: &Setup| total(&run_replicate(s, 11, r), Metric::AeAttendances) as i64;
            attendances(&sa) - attendances(&sb)
        })
        .sum();
    assert!(fall > 0, "A&E attendances fall under a beneficial service: {fall}");
    // Its expected attendances avoided are attributed to it (the last avoiding service).
    let k = catalog.n_avoiding() - 1;
    let avoided: f64 = (0..b.weeks())
        .flat_map(|w| (0..b.localities()).map(move |l| (w, l)))
        .map(|(w, l)| b.avoided(w, l)[2 * k])
        .sum();
    assert!(avoided > 0.0, "{avoided}");
    // Before the service starts nothing differs.
    let first = b.weekly(0, 0, Metric::AeAttendances);
    assert_eq!(first, a.weekly(0, 0, Metric::AeAttendances));
}

#[test]
fn a_harmful_declared_service_raises_crises_and_says_so() {
    let base = small("baseline.toml", SCALE, END);
    let option = with_service(400.0, -0.5, -0.5);
    let catalog = Arc::new(Catalog::of_scenarios([&base, &option]));
    let b = run(&option, &catalog);
    // A few dozen clients at this scale: the rise is summed over eight replicates (paired), so
    // that one replicate's noise cannot hide it.
    let (sa, sb) = (
        Setup::with_catalog(&base, &place(), Arc::clone(&catalog)).unwrap(),
        Setup::with_catalog(&option, &place(), Arc::clone(&catalog)).unwrap(),
    );
    let rise: i64 = (0..8)
        .map(|r| {
            let admissions = |s: &Setup| total(&run_replicate(s, 11, r), Metric::EmergencyAdmissions) as i64;
            admissions(&sb) - admissions(&sa)
        })
        .sum();
    assert!(rise > 0, "admissions rise under a harmful service: {rise}");
    let k = catalog.n_avoiding() - 1;
    let avoided: f64 = (0..b.weeks())
        .flat_map(|w| (0..b.localities()).map(move |l| (w, l)))
        .map(|(w, l)| b.avoided(w, l)[2 * k + 1])
        .sum();
    assert!(avoided < 0.0, "negative admissions avoided mean harm: {avoided}");
}

#[test]
fn only_eligible_residents_are_taken_on() {
    let option = with_service(400.0, 0.3, 0.0);
    let catalog = Arc::new(Catalog::of_scenarios([&option]));
    let t = run(&option, &catalog);
    let starts = catalog.custom_metric(0, CustomMetric::Starts);
    // Annual breakdown cells: age bands 0-17 and 18-64 (bands 0 and 1) must have no starts.
    for fy in 0..t.financial_years() {
        for l in 0..t.localities() {
            for q in 0..5 {
                for band in 0..2 {
                    for sex in 0..2 {
                        let cell = placesim::results::breakdown_cell(q, band, sex);
                        assert_eq!(t.annual_at(fy, l, cell, starts), 0);
                    }
                }
            }
        }
    }
    assert!(total_at(&t, starts) > 0);
}

#[test]
fn the_falls_prevention_example_loads_and_runs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/falls-prevention.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut s = load_scenario_str(&text, &path).unwrap_or_else(|e| panic!("{e}"));
    s.scale = SCALE;
    s.end = placesim::calendar::Date::parse(END).unwrap();
    assert_eq!(s.services.custom.len(), 1);
    let catalog = Arc::new(Catalog::of_scenarios([&s]));
    let t = run(&s, &catalog);
    assert!(total_at(&t, catalog.custom_metric(0, CustomMetric::Starts)) > 0);
}

#[test]
fn a_declared_service_runs_end_to_end_through_the_binary_with_charts_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let base = common::small_file(dir.path(), "baseline.toml", SCALE);
    let option = common::small_file(dir.path(), "falls-prevention.toml", SCALE);
    let out = dir.path().join("cmp");
    let o = common::bin()
        .args(["compare", base.to_str().unwrap(), option.to_str().unwrap()])
        .args([
            "--replicates",
            "2",
            "--threads",
            "2",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    for metric in [
        "running_cost_falls_prevention",
        "return_per_pound_falls_prevention",
        "cost_avoided_falls_prevention",
    ] {
        assert!(
            csv.lines()
                .any(|l| l.starts_with(&format!("falls-prevention,difference,{metric},all,"))),
            "{metric} missing from comparison.csv"
        );
    }
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains("Community falls prevention"),
        "the report names the service by its label"
    );
    assert!(std::fs::read_dir(out.join("plots")).unwrap().count() > 0);
    // The run folder of the same scenarios lists its metrics in the tidy outputs.
    let run = dir.path().join("run");
    let o = common::bin()
        .args(["run", base.to_str().unwrap(), option.to_str().unwrap()])
        .args([
            "--replicates",
            "1",
            "--quiet",
            "--no-plots",
            "--format",
            "csv",
            "--out",
            run.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let annual = std::fs::read_to_string(run.join("annual.csv")).unwrap();
    for metric in [
        "falls_prevention_starts",
        "falls_prevention_caseload",
        "cost_falls_prevention",
    ] {
        assert!(
            annual.contains(&format!(",{metric},")),
            "{metric} missing from annual.csv"
        );
    }
    // The folder reads back (charts and report can be redrawn from it).
    let o = common::bin().args(["plot", run.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
