//! Targets are computed as defined, and calibration recovers known parameters.

mod common;

use placesim::calibration::fit::{calibrate, evaluate_at, parse_setup, FreeParameter, Setup};
use placesim::calibration::targets::{compute, croydon_targets, parse_targets, Compute, Target};
use placesim::place::Place;
use placesim::results::{
    breakdown_cell, Catalog, Metric, RunCalendar, ScenarioResult, Tally, LIFE_AGE_GROUPS, N_METRICS,
};
use std::sync::Arc;

/// A hand-made result: two financial years (FY2016/17 and FY2017/18) of weekly tallies.
fn tiny() -> (ScenarioResult, Tally) {
    let scenario = common::small("baseline.toml", 0.5, "2018-03-31");
    let calendar = RunCalendar::new(scenario.start, scenario.end);
    let catalog = Arc::new(Catalog::builtin());
    // Each agent stands for 1 / 0.5 = 2 residents, as in a run at this scale.
    let tally = Tally::new(calendar.weeks, 6, calendar.financial_years.len(), &catalog).in_residents(scenario.scale);
    let result = ScenarioResult {
        scenario,
        place: Arc::new(Place::croydon()),
        catalog,
        calendar,
        replicates: vec![],
    };
    (result, tally)
}

fn target(compute: Compute) -> Target {
    Target {
        id: "t".into(),
        name: "t".into(),
        definition: String::new(),
        unit: String::new(),
        period: String::new(),
        observed: 0.0,
        lo: 0.0,
        hi: 1.0,
        source: String::new(),
        weight: 1.0,
        compute,
    }
}

#[test]
fn annual_sums_and_changes_use_the_right_cells_and_are_per_resident() {
    let (r, mut t) = tiny();
    let cell_old = breakdown_cell(0, 3, 1); // 75-84, male
    let cell_young = breakdown_cell(2, 1, 0); // 18-64, female
    t.annual_block_mut(0, 2)[cell_old * N_METRICS + Metric::EmergencyAdmissions as usize] = 100;
    t.annual_block_mut(1, 2)[cell_old * N_METRICS + Metric::EmergencyAdmissions as usize] = 85;
    t.annual_block_mut(1, 4)[cell_young * N_METRICS + Metric::EmergencyAdmissions as usize] = 40;
    let all = target(Compute::AnnualSum {
        metric: "emergency_admissions".into(),
        fy: 2017,
        min_age: None,
    });
    // 85 + 40 simulated agents at scale 0.5 = 250 residents.
    assert!((compute(&all, &r, &t).unwrap() - 250.0).abs() < 1e-9);
    let old = target(Compute::AnnualSum {
        metric: "emergency_admissions".into(),
        fy: 2017,
        min_age: Some(65),
    });
    assert!((compute(&old, &r, &t).unwrap() - 170.0).abs() < 1e-9);
    let change = target(Compute::RelativeChange {
        metric: "emergency_admissions".into(),
        from_fy: 2016,
        to_fy: 2017,
        min_age: Some(65),
    });
    assert!((compute(&change, &r, &t).unwrap() + 0.15).abs() < 1e-12);
}

#[test]
fn population_rates_are_per_person_time_of_the_same_ages() {
    let (r, mut t) = tiny();
    // FY2017/18: 1,000 agents aged 18-64 and 500 aged 65-74 every week (person-weeks summed),
    // 73 delayed bed days among the 18-64s and 146 among the 65-74s; 4 care-home admissions
    // among the 65-74s and 2 among the 18-64s. Children, not counted, would dilute an
    // all-ages rate.
    let weeks = f64::from(r.calendar.weeks_in_fy[1]);
    let adult = breakdown_cell(1, 1, 0);
    let older = breakdown_cell(1, 2, 1);
    let child = breakdown_cell(1, 0, 1);
    let block = t.annual_block_mut(1, 3);
    let n = N_METRICS;
    block[adult * n + Metric::Population as usize] = (1000.0 * weeks) as u32;
    block[older * n + Metric::Population as usize] = (500.0 * weeks) as u32;
    block[child * n + Metric::Population as usize] = (700.0 * weeks) as u32;
    block[adult * n + Metric::DelayedBedDays as usize] = 73;
    block[older * n + Metric::DelayedBedDays as usize] = 146;
    block[older * n + Metric::CareHomeAdmissions as usize] = 4;
    block[adult * n + Metric::CareHomeAdmissions as usize] = 2;
    let person_weeks = |agents: f64| (agents * weeks).floor();
    // Per 100,000 adults a day: 219 delayed days over 1,500 adults' person-days (the scale
    // cancels: residents over residents).
    let dtoc = target(Compute::PopulationRate {
        metric: "delayed_bed_days".into(),
        fy: 2017,
        min_age: Some(18),
        per: 100_000.0,
        per_day: true,
    });
    let want = 219.0 / ((person_weeks(1000.0) + person_weeks(500.0)) * 7.0) * 100_000.0;
    assert!((compute(&dtoc, &r, &t).unwrap() - want).abs() < 1e-9);
    // Per 100,000 residents 65+ a year: 4 admissions over 500 person-years.
    let homes = target(Compute::PopulationRate {
        metric: "care_home_admissions".into(),
        fy: 2017,
        min_age: Some(65),
        per: 100_000.0,
        per_day: false,
    });
    let want = 4.0 / (person_weeks(500.0) * 7.0 / 365.25) * 100_000.0;
    assert!((compute(&homes, &r, &t).unwrap() - want).abs() < 1e-9);
    assert!((want - 800.0).abs() < 5.0, "about 4 per 500 person-years: {want}");
}

#[test]
fn ratios_stocks_and_windows_follow_their_definitions() {
    let (r, mut t) = tiny();
    let c = breakdown_cell(1, 2, 0);
    let block = t.annual_block_mut(1, 0);
    block[c * N_METRICS + Metric::Readmissions30d as usize] = 138;
    block[c * N_METRICS + Metric::EmergencyAdmissions as usize] = 1000;
    block[c * N_METRICS + Metric::HuddleCaseload as usize] = 52 * 1300; // 1,300 on a plan every week
    let ratio = target(Compute::Ratio {
        numerator: vec!["readmissions_30d".into()],
        denominator: vec!["emergency_admissions".into()],
        fy: 2017,
    });
    assert!((compute(&ratio, &r, &t).unwrap() - 0.138).abs() < 1e-12);
    let weeks = f64::from(r.calendar.weeks_in_fy[1]);
    let stock = target(Compute::AnnualStockMean {
        metric: "huddle_caseload".into(),
        fy: 2017,
        min_age: None,
    });
    assert!((compute(&stock, &r, &t).unwrap() - 52.0 * 1300.0 / weeks / 0.5).abs() < 1e-9);
    // From an age: only the cells of the age bands from it (c is 65-74; none are 85+).
    let from_65 = target(Compute::AnnualStockMean {
        metric: "huddle_caseload".into(),
        fy: 2017,
        min_age: Some(65),
    });
    assert!((compute(&from_65, &r, &t).unwrap() - 52.0 * 1300.0 / weeks / 0.5).abs() < 1e-9);
    let from_85 = target(Compute::AnnualStockMean {
        metric: "huddle_caseload".into(),
        fy: 2017,
        min_age: Some(85),
    });
    assert!(compute(&from_85, &r, &t).unwrap().abs() < 1e-12);
    // Weeks starting in April 2017: 4 of them (3, 10, 17, 24 April); 10 admissions each.
    for w in 0..r.calendar.weeks {
        let d = r.calendar.week_start(w).to_string();
        let v = if d.starts_with("2017-04") {
            10
        } else if d.starts_with("2017-09") {
            8
        } else {
            0
        };
        t.weekly_row_mut(w, 1)[Metric::EmergencyAdmissionsAdults as usize] = v;
    }
    let window = target(Compute::WindowChange {
        metric: "emergency_admissions_18_plus".into(),
        from_start: "2017-04-01".into(),
        from_end: "2017-04-30".into(),
        to_start: "2017-09-01".into(),
        to_end: "2017-09-30".into(),
    });
    assert!((compute(&window, &r, &t).unwrap() + 0.2).abs() < 1e-12);
    let sum = target(Compute::WindowSum {
        metric: "emergency_admissions_18_plus".into(),
        start: "2017-04-01".into(),
        end: "2017-04-30".into(),
    });
    assert!((compute(&sum, &r, &t).unwrap() - 80.0).abs() < 1e-9);
    let outside = target(Compute::WindowSum {
        metric: "deaths".into(),
        start: "2030-01-01".into(),
        end: "2030-02-01".into(),
    });
    assert!(compute(&outside, &r, &t).is_err());
}

#[test]
fn the_life_expectancy_gap_is_the_difference_of_abridged_life_tables() {
    let (r, mut t) = tiny();
    // Same person-years everywhere; the most deprived fifth dies at twice the rate.
    for (fifth, scale) in [(0usize, 2.0f64), (4, 1.0)] {
        let block = t.life_block_mut(0, 0);
        for g in 0..LIFE_AGE_GROUPS {
            let at = ((2 * fifth * 2 + 1) * LIFE_AGE_GROUPS + g) * 2; // decile 2f of fifth f, men
            block[at] = (10.0 * scale * (g as f64 + 1.0)) as u32; // deaths
            block[at + 1] = 52 * 1000; // 1,000 person-years (52 person-weeks each ~ 0.996 years)
        }
    }
    let gap = target(Compute::LeGap {
        sex: "male".into(),
        from_fy: 2016,
        to_fy: 2016,
    });
    let value = compute(&gap, &r, &t).unwrap();
    let py = 52.0 * 7.0 / 365.25 * 1000.0;
    let le = |s: f64| {
        let d: [f64; LIFE_AGE_GROUPS] = std::array::from_fn(|g| (10.0 * s * (g as f64 + 1.0)).floor());
        placesim::analysis::life_table::abridged(&d, &[py; LIFE_AGE_GROUPS])
            .unwrap()
            .e(0)
    };
    assert!((value - (le(1.0) - le(2.0))).abs() < 1e-9);
    assert!(value > 0.0);
}

#[test]
fn the_embedded_targets_cover_model_md_section_8_and_validate() {
    let targets = croydon_targets();
    assert_eq!(targets.len(), 40);
    for t in &targets {
        assert!(
            t.lo <= t.observed + 1e-12 && t.observed <= t.hi + 1e-12 || t.id.starts_with("le_gap"),
            "{}",
            t.id
        );
        assert!(!t.source.is_empty() && !t.definition.is_empty());
    }
    let bad = placesim::calibration::targets::CROYDON_TARGETS.replacen("metric = \"deaths\"", "metric = \"deathz\"", 1);
    assert!(parse_targets(&bad, "x").unwrap_err().contains("deathz"));
}

/// Simulate with known parameters, treat the results as targets, calibrate from elsewhere:
/// the fit finds the parameters again (common random numbers make the objective exactly zero
/// there).
#[test]
fn calibration_recovers_known_parameters_from_a_different_start() {
    let base = common::small("baseline.toml", 0.03, "2018-03-31");
    let mut setup = parse_setup(include_str!("../scenarios/calibration/setup.toml"), "setup.toml").unwrap();
    setup.scale = 0.03;
    setup.replicates = 2;
    setup.end = "2018-03-31".into();
    setup.max_evals = 120;
    let truth = [0.9, 0.55];
    setup.parameter = vec![
        FreeParameter {
            key: "model.crisis_rate_scale".into(),
            lo: 0.5,
            hi: 1.2,
            start: 0.65,
        },
        FreeParameter {
            key: "model.mortality_scale".into(),
            lo: 0.3,
            hi: 0.8,
            start: 0.4,
        },
    ];
    let mut targets = Vec::new();
    for (id, metric) in [
        ("adm", "emergency_admissions"),
        ("deaths", "deaths"),
        ("ae", "ae_attendances"),
    ] {
        let mut t = target(Compute::AnnualSum {
            metric: metric.into(),
            fy: 2017,
            min_age: None,
        });
        t.id = id.into();
        targets.push(t);
    }
    let observed = evaluate_at(&base, &setup, &targets, &truth, 2).unwrap();
    for (t, r) in targets.iter_mut().zip(&observed) {
        t.observed = r.simulated.mean;
        t.lo = 0.98 * t.observed;
        t.hi = 1.02 * t.observed;
    }
    setup.targets = targets.iter().map(|t| t.id.clone()).collect();
    let fit = calibrate(&base, &setup, &targets, 2, |_| {}).unwrap();
    for (got, want) in fit.values.iter().zip(truth) {
        assert!(
            (got - want).abs() / want < 0.05,
            "fitted {:?}, truth {truth:?}",
            fit.values
        );
    }
    assert!(fit.distance < 0.5, "distance {}", fit.distance);
}

#[test]
fn calibration_is_reproducible_from_the_seed() {
    let base = common::small("baseline.toml", 0.02, "2017-09-30");
    let mut setup: Setup = parse_setup(include_str!("../scenarios/calibration/setup.toml"), "setup.toml").unwrap();
    setup.scale = 0.02;
    setup.replicates = 1;
    setup.end = "2017-09-30".into();
    setup.max_evals = 12;
    setup.targets = vec!["emergency_admissions_fy2019".into()];
    let mut targets = croydon_targets();
    // The fitted target must lie inside the short run.
    for t in &mut targets {
        if t.id == "emergency_admissions_fy2019" {
            t.compute = Compute::AnnualSum {
                metric: "emergency_admissions".into(),
                fy: 2016,
                min_age: None,
            };
        }
    }
    let a = calibrate(&base, &setup, &targets, 1, |_| {}).unwrap();
    let b = calibrate(&base, &setup, &targets, 2, |_| {}).unwrap();
    assert_eq!(a.values, b.values);
    assert_eq!(a.log.len(), b.log.len());
}
