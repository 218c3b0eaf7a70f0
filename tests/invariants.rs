//! Accounting identities and capacity limits hold in every week of a run.

mod common;

use placesim::engine::{run_replicate_with_population, Setup};
use placesim::place::Place;
use placesim::population::flag;
use placesim::results::{Metric, Tally};
use placesim::rng::ReplicateKey;
use placesim::services::rounding_offset;
use std::sync::Arc;

fn run_small(file: &str) -> (Setup, Tally, placesim::population::Population) {
    run_at(file, 0.05, "2021-03-31")
}

fn run_at(file: &str, scale: f64, end: &str) -> (Setup, Tally, placesim::population::Population) {
    let place = Arc::new(Place::croydon());
    let mut sc = common::small(file, scale, end);
    // The identities count flows from an empty hospital and empty queues, and weeks index the
    // schedule directly: no warm-up (it only moves where the tally starts; `tests/trust.rs`
    // tests it).
    sc.warm_up_weeks = 0;
    let setup = Setup::new(&sc, &place).unwrap();
    let (t, p) = run_replicate_with_population(&setup, 11, 0);
    (setup, t, p)
}

#[test]
fn population_accounts_balance_every_week_in_every_locality() {
    let (setup, t, pop) = run_small("baseline.toml");
    let weeks = setup.calendar().weeks;
    for l in 0..6 {
        for w in 1..weeks {
            let start = i64::from(t.weekly(w - 1, l, Metric::Population));
            let flows = i64::from(t.weekly(w, l, Metric::Births)) + i64::from(t.weekly(w, l, Metric::InMigrants))
                - i64::from(t.weekly(w, l, Metric::Deaths))
                - i64::from(t.weekly(w, l, Metric::OutMigrants));
            assert_eq!(
                start + flows,
                i64::from(t.weekly(w, l, Metric::Population)),
                "locality {l} week {w}"
            );
        }
        assert_eq!(
            t.weekly(weeks - 1, l, Metric::Population) as usize,
            pop.localities[l].alive_count()
        );
    }
}

#[test]
fn every_admission_ends_in_discharge_death_or_is_still_in_hospital() {
    let (setup, t, pop) = run_small("baseline.toml");
    let sum = |m| {
        (0..setup.calendar().financial_years.len())
            .map(|fy| t.annual_total(fy, m))
            .sum::<u64>()
    };
    let in_hospital: usize = pop
        .localities
        .iter()
        .map(|b| {
            b.flags
                .iter()
                .filter(|&&f| f & flag::ALIVE != 0 && f & flag::IN_HOSPITAL != 0)
                .count()
        })
        .sum();
    assert!(sum(Metric::EmergencyAdmissions) > 1000);
    assert_eq!(
        sum(Metric::EmergencyAdmissions),
        sum(Metric::Discharges) + sum(Metric::DeathsInHospital) + in_hospital as u64
    );
    let routes = sum(Metric::DischargesHome)
        + sum(Metric::DischargesReablement)
        + sum(Metric::DischargesCarePackage)
        + sum(Metric::DischargesCareHome);
    assert_eq!(routes, sum(Metric::Discharges));
}

#[test]
fn delayed_days_are_part_of_bed_days_and_avoided_admissions_were_assessed() {
    let (setup, t, _) = run_small("baseline.toml");
    for w in 0..setup.calendar().weeks {
        for l in 0..6 {
            assert!(t.weekly(w, l, Metric::DelayedBedDays) <= t.weekly(w, l, Metric::BedDays));
            assert!(t.weekly(w, l, Metric::AdmissionsAvoidedLife) <= t.weekly(w, l, Metric::LiaisonAssessments));
            assert!(
                t.weekly(w, l, Metric::EmergencyAdmissions) + t.weekly(w, l, Metric::AdmissionsAvoidedLife)
                    <= t.weekly(w, l, Metric::AeAttendances)
            );
        }
    }
}

/// At full scale, where the agents are the residents and hold every place. (Below scale 1 the
/// capacities that decide discharges are shared with the shadow of the unsampled residents;
/// `engine::shadow`'s tests check that the two together never exceed the places.)
#[test]
fn no_service_ever_exceeds_its_capacity() {
    for file in [
        "baseline.toml",
        "life-expansion.toml",
        "proportionate-universalism.toml",
        "combined.toml",
    ] {
        let (setup, t, _) = run_at(file, 1.0, "2021-09-30");
        let s = setup.schedule();
        let np = s.practice_start_week.len();
        let place = Place::croydon();
        for w in 0..setup.calendar().weeks {
            for l in 0..6 {
                let at = s.at(w, l);
                let check = |m: Metric, cap: u32| {
                    assert!(
                        t.weekly(w, l, m) <= cap,
                        "{file}: {} = {} > {cap} in week {w} locality {l}",
                        m.name(),
                        t.weekly(w, l, m)
                    )
                };
                check(Metric::LiaisonAssessments, s.liaison[at]);
                // Caseload places are rounded by each replicate with its own offset (replicate 0
                // of seed 11, as `run_at` runs): PICs are service 0, LIFE service 1.
                let offset = |id: u32| rounding_offset(&ReplicateKey::new(11, 0), l, id);
                // A caseload cut (a new allocation) lets current clients finish: a caseload may
                // stay above its places, but never grows beyond them.
                let before = |m: Metric| if w > 0 { t.weekly(w - 1, l, m) } else { 0 };
                check(
                    Metric::ReablementCaseload,
                    s.reablement_slots
                        .get(at, offset(1))
                        .max(before(Metric::ReablementCaseload)),
                );
                check(
                    Metric::PicCaseload,
                    s.pic_slots.get(at, offset(0)).max(before(Metric::PicCaseload)),
                );
                check(Metric::SocialPrescribingReferrals, s.sp_referrals[at]);
                check(Metric::PharmacistReviews, s.pharm_reviews[at]);
                // Social care beyond the block contracts is spot-purchased and counted as such.
                let block = |all: Metric, spot: Metric, cap: u32| {
                    let used = t.weekly(w, l, all) - t.weekly(w, l, spot);
                    assert!(
                        used <= cap,
                        "{file}: {} from block contracts {used} > {cap}",
                        all.name()
                    );
                };
                block(Metric::NewCarePackages, Metric::SpotPackages, s.package_starts[at]);
                block(
                    Metric::CareHomeAdmissions,
                    Metric::SpotCareHomePlaces,
                    s.care_home_places[at],
                );
                let huddle_cap: u32 = (0..np)
                    .filter(|&p| place.practice_locality[p] as usize == l)
                    .map(|p| u32::from(s.huddle_reviews[w * np + p]))
                    .sum();
                check(Metric::HuddleReviews, huddle_cap);
                // The capacity each service reports (from which occupancy is derived) is the
                // schedule's, to the place: the review slots of practices already huddling,
                // each replicate's rounded caseload places.
                let huddling: u32 = (0..np)
                    .filter(|&p| place.practice_locality[p] as usize == l && s.practice_start_week[p] as usize <= w)
                    .map(|p| u32::from(s.huddle_reviews[w * np + p]))
                    .sum();
                for (m, cap) in [
                    (Metric::HuddleCapacity, huddling),
                    (Metric::PicPlaces, s.pic_slots.get(at, offset(0))),
                    (Metric::LiaisonCapacity, s.liaison[at]),
                    (Metric::ReablementPlaces, s.reablement_slots.get(at, offset(1))),
                    (Metric::SocialPrescribingCapacity, s.sp_referrals[at]),
                    (Metric::PharmacistCapacity, s.pharm_reviews[at]),
                ] {
                    assert_eq!(t.weekly(w, l, m), cap, "{file}: {} in week {w} locality {l}", m.name());
                }
            }
        }
    }
}

#[test]
fn without_spot_purchasing_social_care_never_exceeds_its_block_capacity() {
    // At full scale: below it the block contracts are shared with the unsampled residents'
    // shadow (`engine::shadow`).
    let place = Arc::new(Place::croydon());
    let mut sc = common::small("baseline.toml", 1.0, "2019-03-31");
    sc.services.social_care.spot_purchase_share = 0.0;
    sc.warm_up_weeks = 0;
    let setup = Setup::new(&sc, &place).unwrap();
    let (t, _) = run_replicate_with_population(&setup, 11, 0);
    let s = setup.schedule();
    let mut spot = 0;
    for w in 0..setup.calendar().weeks {
        for l in 0..6 {
            let at = s.at(w, l);
            assert!(t.weekly(w, l, Metric::NewCarePackages) <= s.package_starts[at]);
            assert!(t.weekly(w, l, Metric::CareHomeAdmissions) <= s.care_home_places[at]);
            spot += t.weekly(w, l, Metric::SpotPackages) + t.weekly(w, l, Metric::SpotCareHomePlaces);
        }
    }
    assert_eq!(spot, 0);
    // With it (the baseline), some placements are bought beyond the block contracts.
    let (_, t, _) = run_small("baseline.toml");
    let bought: u64 = (0..t.financial_years())
        .map(|fy| t.annual_total(fy, Metric::SpotPackages) + t.annual_total(fy, Metric::SpotCareHomePlaces))
        .sum();
    assert!(bought > 0);
}

#[test]
fn do_nothing_has_no_alliance_activity() {
    let (setup, t, _) = run_small("do-nothing.toml");
    for fy in 0..setup.calendar().financial_years.len() {
        for m in [
            Metric::HuddleReviews,
            Metric::PicStarts,
            Metric::LifeReferrals,
            Metric::LiaisonAssessments,
            Metric::ReablementStarts,
            Metric::SocialPrescribingReferrals,
            Metric::PharmacistReviews,
            Metric::HuddlePracticeWeeks,
        ] {
            assert_eq!(t.annual_total(fy, m), 0, "{}", m.name());
        }
        assert!(t.annual_total(fy, Metric::EmergencyAdmissions) > 0);
    }
}

#[test]
fn every_reablement_episode_started_has_ended_or_is_still_running() {
    // Episodes end by completion (with an outcome), an admission, a death of the crisis after
    // a diversion or a death at home; whatever is left is the last week's caseload.
    let (setup, t, _) = run_at("baseline.toml", 0.1, "2021-03-31");
    let sum = |m| {
        (0..setup.calendar().financial_years.len())
            .map(|fy| t.annual_total(fy, m))
            .sum::<u64>()
    };
    let last = setup.calendar().weeks - 1;
    let running: u64 = (0..6)
        .map(|l| u64::from(t.weekly(last, l, Metric::ReablementCaseload)))
        .sum();
    assert!(sum(Metric::ReablementStarts) > 200, "{}", sum(Metric::ReablementStarts));
    assert_eq!(
        sum(Metric::ReablementStarts),
        sum(Metric::ReablementEnds) + running,
        "starts = ends + still running"
    );
}
