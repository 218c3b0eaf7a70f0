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
