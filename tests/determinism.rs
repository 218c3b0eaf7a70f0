//! Reproducibility: the same seed gives identical results at any thread count; another seed
//! gives different results; scenarios share common random numbers.

mod common;

use placesim::calendar::Date;
use placesim::engine::{run_replicate_with_population, Setup};
use placesim::place::Place;
use placesim::results::{Metric, N_METRICS};
use placesim::runner::{run, RunRequest, Silent};
use std::sync::Arc;

fn request(threads: usize, seed: u64) -> RunRequest {
    RunRequest {
        scenarios: vec![
            common::small("baseline.toml", 0.03, "2018-09-30"),
            common::small("do-nothing.toml", 0.03, "2018-09-30"),
        ],
        replicates: 3,
        seed,
        threads,
    }
}

#[test]
fn the_same_seed_gives_identical_tallies_on_one_and_two_threads() {
    let one = run(&request(1, 42), &Silent).unwrap();
    let two = run(&request(2, 42), &Silent).unwrap();
    for (a, b) in one.scenarios.iter().zip(&two.scenarios) {
        assert_eq!(a.replicates, b.replicates, "scenario {}", a.scenario.name);
    }
}

#[test]
fn a_different_seed_gives_different_tallies() {
    let a = run(&request(2, 42), &Silent).unwrap();
    let b = run(&request(2, 43), &Silent).unwrap();
    assert_ne!(a.scenarios[0].replicates[0], b.scenarios[0].replicates[0]);
}

#[test]
fn replicates_of_one_run_differ_from_each_other() {
    let a = run(&request(2, 42), &Silent).unwrap();
    assert_ne!(a.scenarios[0].replicates[0], a.scenarios[0].replicates[1]);
}

/// Common random numbers: before the first Alliance service starts (huddles, April 2017)
/// baseline and do-nothing are the same world, agent for agent.
#[test]
fn baseline_and_do_nothing_share_every_history_before_the_first_service_starts() {
    let place = Arc::new(Place::croydon());
    let base = common::small("baseline.toml", 0.05, "2017-03-26");
    let none = common::small("do-nothing.toml", 0.05, "2017-03-26");
    let (tb, pb) = run_replicate_with_population(&Setup::new(&base, &place).unwrap(), 7, 0);
    let (tn, pn) = run_replicate_with_population(&Setup::new(&none, &place).unwrap(), 7, 0);
    assert_eq!(tb, tn);
    for (a, b) in pb.localities.iter().zip(&pn.localities) {
        assert_eq!(a.flags, b.flags, "alive/hospital/isolation flags");
        assert_eq!(a.age, b.age);
        assert_eq!(a.conditions, b.conditions);
        assert_eq!(a.frailty, b.frailty);
        assert_eq!(a.care, b.care);
        assert_eq!(a.hospital_days, b.hospital_days);
    }
}

/// Over a longer run the two scenarios share every week up to the first service start, and
/// then diverge (the services do something).
#[test]
fn scenarios_diverge_only_after_services_start() {
    let place = Arc::new(Place::croydon());
    let base = common::small("baseline.toml", 0.05, "2018-03-31");
    let none = common::small("do-nothing.toml", 0.05, "2018-03-31");
    let sb = Setup::new(&base, &place).unwrap();
    let (tb, _) = run_replicate_with_population(&sb, 7, 0);
    let (tn, _) = run_replicate_with_population(&Setup::new(&none, &place).unwrap(), 7, 0);
    let first_service = sb.calendar().week_of(Date::parse("2017-04-03").unwrap());
    for w in 0..first_service {
        for l in 0..6 {
            for &m in Metric::ALL {
                assert_eq!(
                    tb.weekly(w, l, m),
                    tn.weekly(w, l, m),
                    "week {w} locality {l} {}",
                    m.name()
                );
            }
        }
    }
    let differs = (first_service..sb.calendar().weeks).any(|w| {
        (0..6).any(|l| (0..N_METRICS).any(|m| tb.weekly(w, l, Metric::ALL[m]) != tn.weekly(w, l, Metric::ALL[m])))
    });
    assert!(differs, "services changed nothing");
}

#[test]
fn a_thread_count_far_above_the_work_starts_one_thread_per_locality_job_and_changes_nothing() {
    let request = request(placesim::runner::MAX_THREADS, 42);
    let prepared = placesim::runner::prepare(&request).unwrap();
    // 2 scenarios x 3 replicates x 6 localities.
    assert_eq!(prepared.threads(), 36);
    let many = prepared.run(&Silent).unwrap();
    assert_eq!(many.threads, 36);
    let one = run(&self::request(1, 42), &Silent).unwrap();
    for (a, b) in one.scenarios.iter().zip(&many.scenarios) {
        assert_eq!(a.replicates, b.replicates, "scenario {}", a.scenario.name);
    }
}
