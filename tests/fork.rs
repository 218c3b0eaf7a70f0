//! Comparisons fork where options diverge: an option that differs from the base only in its
//! capacity schedule is simulated from the base's state at its first different week, and its
//! results are byte-identical to running it from the start.

mod common;

use placesim::runner::{prepare, RunRequest, Silent};

const FILES: [&str; 8] = [
    "baseline.toml",
    "icn-plus-rollout.toml",
    "life-expansion.toml",
    "social-prescribing-at-scale.toml",
    "proportionate-universalism.toml",
    "falls-prevention.toml",
    "life-liaison-expansion.toml",
    "life-reablement-expansion.toml",
];

fn request(threads: usize) -> RunRequest {
    RunRequest {
        scenarios: FILES.iter().map(|f| common::small(f, 0.02, "2022-09-30")).collect(),
        replicates: 3,
        seed: 99,
        threads,
    }
}

#[test]
fn options_fork_at_their_first_different_week_and_only_there() {
    let req = request(2);
    let prepared = prepare(&req).unwrap_or_else(|e| panic!("{e}"));
    let cal = placesim::runner::calendar_of(&req.scenarios[0]);
    // Fork weeks count simulated weeks: the warm-up, then the reported weeks.
    let warm_up = usize::from(req.scenarios[0].warm_up_weeks);
    let april_2021 = warm_up + cal.week_of(placesim::calendar::Date::parse("2021-04-05").unwrap());
    let fork = prepared.fork_weeks().to_vec();
    // The base runs from the start; ICN+ borough-wide, LIFE ×1.5 (both levers or either) and the
    // allocation by need change only capacities, from April 2021.
    assert_eq!(fork[0], 0);
    for s in [1, 2, 4, 7] {
        assert_eq!(fork[s], april_2021, "{}", FILES[s]);
    }
    // Liaison alone is a flow of whole assessments (0.08 a week per locality at this scale, the
    // fraction carried): its schedule first differs when the carried fraction first tips over.
    assert!((april_2021..april_2021 + 13).contains(&fork[6]), "{}", FILES[6]);
    // Social prescribing at scale also lowers the minimum age (from the service's start in
    // 2018), and falls prevention declares a service of its own: both differ from the start.
    assert_eq!(fork[3], 0, "{}", FILES[3]);
    assert_eq!(fork[5], 0, "{}", FILES[5]);
}

#[test]
fn forked_options_are_byte_identical_to_options_run_from_the_start() {
    let req = request(2);
    let forked = prepare(&req).unwrap().run(&Silent).unwrap();
    let alone = prepare(&req).unwrap().without_forks().run(&Silent).unwrap();
    let one_thread = request(1);
    let forked_one = prepare(&one_thread).unwrap().run(&Silent).unwrap();
    for ((f, a), f1) in forked.scenarios.iter().zip(&alone.scenarios).zip(&forked_one.scenarios) {
        assert_eq!(f.replicates.len(), 3);
        assert!(
            f.replicates == a.replicates,
            "{}: forked tallies differ from a run from the start",
            f.scenario.name
        );
        assert!(f.replicates == f1.replicates, "{}: one thread differs", f.scenario.name);
    }
    // The options did change something after their fork (the test would pass trivially if
    // every option equalled the base). Extra reablement places alone change no outcome: at the
    // base's demand its places are never all taken (issue 14's finding; `tests/trust.rs` and
    // the comparison show it at full scale), so that option is expected to equal the base.
    for s in 1..FILES.len() {
        if FILES[s] == "life-reablement-expansion.toml" {
            continue;
        }
        assert!(
            forked.scenarios[s].replicates != forked.scenarios[0].replicates,
            "{} equals the base",
            FILES[s]
        );
    }
}

#[test]
fn an_option_identical_to_the_base_forks_at_the_end_and_equals_it() {
    let mut copy = common::small("baseline.toml", 0.02, "2019-03-31");
    copy.name = "baseline-copy".into();
    let req = RunRequest {
        scenarios: vec![common::small("baseline.toml", 0.02, "2019-03-31"), copy],
        replicates: 2,
        seed: 5,
        threads: 2,
    };
    let prepared = prepare(&req).unwrap();
    // Fork weeks count simulated weeks (the warm-up, then the reported weeks).
    let weeks = placesim::runner::calendar_of(&req.scenarios[0]).weeks + usize::from(req.scenarios[0].warm_up_weeks);
    assert_eq!(prepared.fork_weeks(), &[0, weeks]);
    let r = prepared.run(&Silent).unwrap();
    assert!(r.scenarios[0].replicates == r.scenarios[1].replicates);
}

#[test]
fn each_life_lever_multiplies_its_own_capacity_and_the_bundle_both() {
    use placesim::engine::Setup;
    use std::sync::Arc;
    let place = Arc::new(placesim::place::Place::croydon());
    let setup = |f: &str| Setup::new(&common::small(f, 1.0, "2022-03-31"), &place).unwrap();
    let (base, both, liaison, reablement) = (
        setup("baseline.toml"),
        setup("life-expansion.toml"),
        setup("life-liaison-expansion.toml"),
        setup("life-reablement-expansion.toml"),
    );
    // Schedules are indexed by simulated week: the warm-up, then the reported weeks.
    let cal = base.calendar();
    let april_2021 = base.warm_up_weeks() + cal.week_of(placesim::calendar::Date::parse("2021-04-05").unwrap());
    // Liaison is a flow (whole assessments a week, the fraction carried): compare the year's
    // totals. Reablement places are a level: compare them week by week.
    let liaison_year = |s: &Setup, from: usize| -> f64 {
        (from..from + 52)
            .flat_map(|w| (0..6).map(move |l| (w, l)))
            .map(|(w, l)| f64::from(s.schedule().liaison[s.schedule().at(w, l)]))
            .sum()
    };
    let places = |s: &Setup, w: usize| -> f64 {
        (0..6)
            .map(|l| s.schedule().reablement_slots.level(s.schedule().at(w, l)))
            .sum()
    };
    let after = april_2021 + 1;
    for (s, liaison_x, places_x) in [(&both, 1.5, 1.5), (&liaison, 1.5, 1.0), (&reablement, 1.0, 1.5)] {
        let ratio = liaison_year(s, april_2021) / liaison_year(&base, april_2021);
        assert!(
            (ratio - liaison_x).abs() < 0.01,
            "liaison ×{ratio}, expected ×{liaison_x}"
        );
        let ratio = places(s, after) / places(&base, after);
        assert!(
            (ratio - places_x).abs() < 1e-9,
            "reablement places ×{ratio}, expected ×{places_x}"
        );
        // Before April 2021 every option has the base's LIFE.
        assert!((places(s, april_2021 - 1) - places(&base, april_2021 - 1)).abs() < 1e-9);
        assert!((liaison_year(s, april_2021 - 52) - liaison_year(&base, april_2021 - 52)).abs() < 1e-9);
    }
}
