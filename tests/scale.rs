//! `scale` is a preview knob: every count, stock and cost is reported in residents, caseload
//! places are rounded stochastically per replicate, and the capacities that decide discharges
//! (LIFE reablement places, home-care packages, care-home placements) keep their full size and
//! are shared with a shadow of the unsampled residents (`engine::shadow`). So the board pack at
//! scale 0.1 agrees with the board pack at full scale within Monte Carlo error on the
//! population, the base's admissions, deaths, LIFE referrals, delayed bed days and costs, and
//! each option's admissions avoided and return per £1.
//!
//! Without the shadow, a locality's 2.3 LIFE reablement places at scale 0.1 turned away about a
//! third of arrivals where 23 at full scale turn away about 3% (Erlang B), and a care-home
//! block contract of one placement a week became one every ten weeks: delayed bed days were
//! 64 standard errors off and LIFE referrals 20.

mod common;

use placesim::analysis::compare::{compare, Comparison, RowKind, Window};
use placesim::analysis::economics::Conventions;
use placesim::results::{Metric, Results};
use placesim::runner::{run, RunRequest, Silent};

const END: &str = "2024-03-31";
const FILES: [&str; 5] = [
    "baseline.toml",
    "icn-plus-rollout.toml",
    "life-expansion.toml",
    "social-prescribing-at-scale.toml",
    "proportionate-universalism.toml",
];

/// The board pack at `scale`, `replicates` replicates each, and its comparison.
fn board_pack(scale: f64, replicates: u32) -> (Results, Comparison) {
    let request = RunRequest {
        scenarios: FILES.iter().map(|f| common::small(f, scale, END)).collect(),
        replicates,
        seed: 7,
        threads: 0,
    };
    let results = run(&request, &Silent).unwrap_or_else(|e| panic!("{e}"));
    let conventions = Conventions::of_place(&results.scenarios[0].place, None);
    let c = compare(&results.scenarios, Window::default(), conventions).unwrap_or_else(|e| panic!("{e}"));
    (results, c)
}

/// Mean and standard error of a comparison row over the window, for everyone.
fn row(c: &Comparison, option: &str, kind: RowKind, metric: &str) -> (f64, f64) {
    let window = placesim::analysis::compare::period_label(c.window.0, c.window.1);
    let r = c
        .rows
        .iter()
        .find(|r| r.option == option && r.kind == kind && r.metric == metric && r.group == "all" && r.period == window)
        .unwrap_or_else(|| panic!("no row {option} {metric}"));
    (r.mean, r.se)
}

/// Mean and standard error of the base's LIFE referrals over the comparison window.
fn life_referrals(results: &Results, c: &Comparison) -> (f64, f64) {
    let base = &results.scenarios[0];
    let fys: Vec<usize> = (0..base.calendar.financial_years.len())
        .filter(|&k| (c.window.0..=c.window.1).contains(&base.calendar.financial_years[k]))
        .collect();
    let v: Vec<f64> = base
        .replicates
        .iter()
        .map(|t| {
            fys.iter()
                .map(|&k| t.annual_total_residents(k, Metric::LifeReferrals as usize))
                .sum()
        })
        .collect();
    common::mean_se(&v)
}

/// The two estimates' difference in standard errors, printed.
#[allow(clippy::print_stderr)] // the comparison table, for whoever reads the log
fn z_score(what: &str, (small, se_small): (f64, f64), (full, se_full): (f64, f64)) -> f64 {
    let z = (small - full) / (se_small * se_small + se_full * se_full).sqrt().max(1e-9);
    eprintln!(
        "{what:<55} scale 0.1 {small:>15.2} ± {se_small:>12.2}  scale 1 {full:>15.2} ± {se_full:>12.2}  z {z:>6.2}"
    );
    z
}

/// Fails when the two estimates differ by more than four standard errors (a false alarm about
/// once in 16,000 comparisons).
fn agree(what: &str, small: (f64, f64), full: (f64, f64)) {
    let z = z_score(what, small, full);
    assert!(
        z.abs() < 4.0,
        "{what}: scale 0.1 {} ± {}, scale 1 {} ± {} (z = {z:.2})",
        small.0,
        small.1,
        full.0,
        full.1
    );
}

#[test]
fn at_scale_one_tenth_counts_are_in_residents_and_agree_with_full_scale_within_monte_carlo_error() {
    let (small_results, small) = board_pack(0.1, 48);
    let (full_results, full) = board_pack(1.0, 8);
    assert_eq!(small.window, full.window);
    let base = "baseline";
    // Counts are in residents: about 390,000 person-years a year at either scale. The population
    // follows the place's growth path (in-migration fills the gap), so the two scales differ
    // only by the rounding of one agent in ten: much less than 0.1%.
    let (py_small, _) = row(&small, base, RowKind::Level, "person_years");
    let (py_full, _) = row(&full, base, RowKind::Level, "person_years");
    let years = f64::from(small.window.1 - small.window.0 + 1);
    assert!(
        (py_small / years - 390_000.0).abs() < 25_000.0,
        "person-years a year at scale 0.1: {}",
        py_small / years
    );
    assert!(
        (py_small / py_full - 1.0).abs() < 1e-3,
        "person-years: scale 0.1 {py_small}, scale 1 {py_full}"
    );
    for metric in ["emergency_admissions", "deaths"] {
        agree(
            &format!("baseline {metric}"),
            row(&small, base, RowKind::Level, metric),
            row(&full, base, RowKind::Level, metric),
        );
    }
    for option in &small.options {
        agree(
            &format!("{option} admissions_avoided"),
            row(&small, option, RowKind::VsBase, "admissions_avoided"),
            row(&full, option, RowKind::VsBase, "admissions_avoided"),
        );
    }
    // What the queues decide.
    for metric in ["delayed_bed_days", "cost_total"] {
        agree(
            &format!("baseline {metric}"),
            row(&small, base, RowKind::Level, metric),
            row(&full, base, RowKind::Level, metric),
        );
    }
    agree(
        "baseline LIFE referrals",
        life_referrals(&small_results, &small),
        life_referrals(&full_results, &full),
    );
    for option in &small.options {
        agree(
            &format!("{option} return_per_pound"),
            row(&small, option, RowKind::VsBase, "return_per_pound"),
            row(&full, option, RowKind::VsBase, "return_per_pound"),
        );
    }
}
