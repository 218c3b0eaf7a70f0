//! Synthetic population margins and determinism.

use placesim::place::{Place, POP_AGES};
use placesim::population::{flag, synthesize};
use placesim::rng::ReplicateKey;

fn age_group(age: u8) -> usize {
    usize::from(age).min(POP_AGES - 1)
}

#[test]
fn at_scale_one_every_published_margin_is_reproduced_exactly() {
    let place = Place::croydon();
    let pop = synthesize(&place, &ReplicateKey::new(1, 0), 1.0);
    assert_eq!(pop.alive_count(), 386_710);
    let mut males = vec![0.0; POP_AGES];
    let mut females = vec![0.0; POP_AGES];
    let mut lsoa = vec![0u32; place.lsoa_population.len()];
    for (l, block) in pop.localities.iter().enumerate() {
        let mut persons = vec![0.0; POP_AGES];
        for i in 0..block.len() {
            let a = age_group(block.age[i]);
            persons[a] += 1.0;
            if block.flags[i] & flag::MALE != 0 {
                males[a] += 1.0;
            } else {
                females[a] += 1.0;
            }
            lsoa[block.lsoa[i] as usize] += 1;
            assert_eq!(
                place.lsoa_locality[block.lsoa[i] as usize] as usize, l,
                "LSOA in its locality"
            );
            assert_eq!(block.practice[i], place.lsoa_practice[block.lsoa[i] as usize]);
        }
        assert_eq!(
            persons, place.file.localities[l].persons_single_year.value,
            "locality {l} ages"
        );
    }
    assert_eq!(males, place.file.population.males_single_year.value);
    assert_eq!(females, place.file.population.females_single_year.value);
    assert_eq!(lsoa, place.lsoa_population);
}

#[test]
fn at_a_smaller_scale_margins_are_rounded_shares() {
    let place = Place::croydon();
    let pop = synthesize(&place, &ReplicateKey::new(1, 0), 0.1);
    let n = pop.alive_count() as f64;
    assert!((n - 38_671.0).abs() <= 6.0, "{n}");
}

#[test]
fn synthesis_is_deterministic_and_differs_between_replicates() {
    let place = Place::croydon();
    let a = synthesize(&place, &ReplicateKey::new(5, 0), 0.05);
    let b = synthesize(&place, &ReplicateKey::new(5, 0), 0.05);
    let c = synthesize(&place, &ReplicateKey::new(5, 1), 0.05);
    assert_eq!(a.localities[0].conditions, b.localities[0].conditions);
    assert_eq!(a.localities[0].lsoa, b.localities[0].lsoa);
    assert_ne!(a.localities[0].conditions, c.localities[0].conditions);
}

#[test]
fn attributes_follow_the_reference_prevalences() {
    let place = Place::croydon();
    let pop = synthesize(&place, &ReplicateKey::new(2, 0), 1.0);
    let (mut adults, mut diabetic, mut old, mut frail_old, mut white) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut n = 0.0f64;
    for b in &pop.localities {
        for i in 0..b.len() {
            n += 1.0;
            if b.ethnicity[i] == 0 {
                white += 1.0;
            }
            if b.age[i] >= 17 {
                adults += 1.0;
                if b.conditions[i] & 1 != 0 {
                    diabetic += 1.0;
                }
            }
            if b.age[i] >= 65 {
                old += 1.0;
                if b.frailty[i] > 0 {
                    frail_old += 1.0;
                }
            }
        }
    }
    let diabetes = diabetic / adults;
    assert!(
        (0.055..0.09).contains(&diabetes),
        "diabetes 17+ {diabetes} (Croydon estimate 7%)"
    );
    let white_share = white / n;
    assert!(
        (white_share - 0.4837).abs() < 0.02,
        "White share {white_share} vs Census 2021 48.4%"
    );
    let frail = frail_old / old;
    assert!((0.35..0.65).contains(&frail), "any frailty 65+ {frail}");
}

#[test]
fn a_run_starting_before_mid_2019_starts_with_that_years_age_structure() {
    use placesim::calendar::Date;
    use placesim::population::synth::{age_factors, synthesize_with_capacity};
    let place = Place::croydon();
    let p = &place.file.population;
    let now: Vec<f64> = (0..POP_AGES)
        .map(|a| p.males_single_year.value[a] + p.females_single_year.value[a])
        .collect();
    let pop_date = Date::parse("2019-06-30").unwrap();
    let share_65 = |f: &[f64]| -> f64 {
        let all: f64 = (0..POP_AGES).map(|a| now[a] * f[a]).sum();
        (65..POP_AGES).map(|a| now[a] * f[a]).sum::<f64>() / all
    };
    // At a mid-year of the history, the structure is that year's (ONS mid-2016: 50,206 of
    // 382,304 aged 65+), and the total is unchanged (it follows the growth path).
    let f2016 = age_factors(&place, Date::parse("2016-06-30").unwrap(), pop_date);
    assert!(
        (share_65(&f2016) - 50_206.0 / 382_304.0).abs() < 1e-9,
        "{}",
        share_65(&f2016)
    );
    let total: f64 = (0..POP_AGES).map(|a| now[a] * f2016[a]).sum();
    assert!((total - now.iter().sum::<f64>()).abs() < 1e-6);
    // Halfway between mid-2016 and mid-2017 it is about halfway between their shares; before
    // the first mid-year it is held at mid-2015's; from the population date on it is 2019's.
    let mid = age_factors(&place, Date::parse("2016-12-29").unwrap(), pop_date);
    let (s16, s17) = (50_206.0 / 382_304.0, 51_384.0 / 384_837.0);
    assert!((share_65(&mid) - (s16 + s17) / 2.0).abs() < 2e-4, "{}", share_65(&mid));
    let early = age_factors(&place, Date::parse("2014-01-01").unwrap(), pop_date);
    assert!((share_65(&early) - 49_335.0 / 379_031.0).abs() < 1e-9);
    assert!(age_factors(&place, Date::parse("2020-01-01").unwrap(), pop_date)
        .iter()
        .all(|&f| (f - 1.0).abs() < 1e-15));
    // The synthesised population has it: at scale 1 from mid-2016, 65+ within rounding.
    let pop = synthesize_with_capacity(&place, &ReplicateKey::new(1, 0), 1.0, &f2016, 0.0);
    let aged: usize = pop
        .localities
        .iter()
        .map(|b| (0..b.len()).filter(|&i| b.age[i] >= 65).count())
        .sum();
    let want = 50_206.0 / 382_304.0 * 386_710.0;
    assert!((aged as f64 - want).abs() < 10.0, "{aged} aged 65+, want {want:.0}");
}
