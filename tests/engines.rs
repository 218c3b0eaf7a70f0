//! The event-driven engine against the weekly engine it replaced (kept as the reference,
//! `Engine::Weekly`): the same model, so the same distribution of outcomes. Over 20
//! replicates at reduced scale, borough admissions, deaths, LIFE referrals, the huddle
//! caseload, total cost, births and the admissions avoided by each shipped option (paired with the
//! baseline, as `compare` does) agree within Monte Carlo error.

mod common;

use placesim::analysis::costs::UnitCosts;
use placesim::engine::{run_replicate_with, Engine, Setup};
use placesim::place::Place;
use placesim::results::{Metric, Tally};
use rayon::prelude::*;
use std::sync::Arc;

const REPLICATES: u32 = 20;
const SCALE: f64 = 0.05;
const END: &str = "2024-03-31";

/// What is compared, per replicate.
fn outcomes(setup: &Setup, t: &Tally) -> [f64; 6] {
    let total = |m: Metric| (0..t.financial_years()).map(|fy| t.annual_total(fy, m)).sum::<u64>() as f64;
    let unit = UnitCosts::new(setup.place(), setup.scenario(), setup.catalog());
    let cost: f64 = unit
        .costs(|m| (0..t.financial_years()).map(|fy| t.annual_total_at(fy, m)).sum::<u64>() as f64)
        .iter()
        .sum();
    [
        total(Metric::EmergencyAdmissions),
        total(Metric::Deaths),
        total(Metric::LifeReferrals),
        total(Metric::HuddleCaseload),
        cost,
        total(Metric::Births),
    ]
}

/// Fails when the two samples' means differ by more than four standard errors (a false alarm
/// about once in 16,000 comparisons; a bias of a fraction of a percent in admissions is caught).
#[allow(clippy::print_stderr)] // the comparison table, for whoever reads the log
fn agree(what: &str, weekly: &[f64], events: &[f64]) {
    let (mw, sw) = common::mean_se(weekly);
    let (me, se) = common::mean_se(events);
    let z = (me - mw) / (sw * sw + se * se).sqrt().max(1e-9);
    eprintln!("{what:<40} weekly {mw:>14.1} ± {sw:>10.1}  events {me:>14.1} ± {se:>10.1}  z {z:>6.2}");
    assert!(
        z.abs() < 4.0,
        "{what}: weekly {mw} ± {sw}, events {me} ± {se} (z = {z:.2})"
    );
}

#[test]
fn the_event_driven_engine_agrees_with_the_weekly_engine_within_monte_carlo_error() {
    let place = Arc::new(Place::croydon());
    let files = [
        "baseline.toml",
        "icn-plus-rollout.toml",
        "life-expansion.toml",
        "social-prescribing-at-scale.toml",
        "proportionate-universalism.toml",
    ];
    let setups: Vec<Setup> = files
        .iter()
        .map(|f| Setup::new(&common::small(f, SCALE, END), &place).unwrap())
        .collect();
    // [engine][scenario][replicate] outcomes
    let runs: Vec<Vec<Vec<[f64; 6]>>> = [Engine::Weekly, Engine::Events]
        .iter()
        .map(|&engine| {
            setups
                .iter()
                .map(|s| {
                    (0..REPLICATES)
                        .into_par_iter()
                        .map(|r| outcomes(s, &run_replicate_with(s, 11, r, engine)))
                        .collect()
                })
                .collect()
        })
        .collect();
    let names = [
        "emergency admissions",
        "deaths",
        "LIFE referrals",
        "huddle caseload (person-weeks)",
        "total cost (GBP)",
        "births",
    ];
    for (k, name) in names.iter().enumerate() {
        let pick = |e: usize| runs[e][0].iter().map(|o| o[k]).collect::<Vec<_>>();
        agree(&format!("baseline {name}"), &pick(0), &pick(1));
    }
    for (j, file) in files.iter().enumerate().skip(1) {
        let avoided = |e: usize| {
            runs[e][0]
                .iter()
                .zip(&runs[e][j])
                .map(|(b, o)| b[0] - o[0])
                .collect::<Vec<_>>()
        };
        agree(&format!("{file} admissions avoided"), &avoided(0), &avoided(1));
    }
}
