//! The embedded Croydon place file is complete, consistent and sourced.

use placesim::place::{raw::Confidence, Place};

#[test]
fn embedded_croydon_validates_and_has_the_ons_total() {
    let place = Place::croydon();
    assert_eq!(place.total_population().round() as u64, 386_710);
    assert_eq!(place.n_localities(), 6);
    assert_eq!(place.lsoa_population.len(), 220);
    assert_eq!(
        place.lsoa_population.iter().map(|&p| u64::from(p)).sum::<u64>(),
        386_710
    );
    assert!((45..=57).contains(&place.file.practices.len()));
}

#[test]
fn embedded_croydon_has_the_six_one_croydon_localities_in_order() {
    let place = Place::croydon();
    assert_eq!(
        place.locality_keys(),
        [
            "east_croydon",
            "purley",
            "new_addington_and_selsdon",
            "mayday",
            "thornton_heath",
            "woodside_and_shirley"
        ]
    );
}

#[test]
fn every_practice_serves_some_lsoa_in_its_own_locality() {
    let place = Place::croydon();
    for (p, &loc) in place.practice_locality.iter().enumerate() {
        let served: Vec<usize> = (0..place.lsoa_practice.len())
            .filter(|&i| place.lsoa_practice[i] as usize == p)
            .collect();
        assert!(!served.is_empty(), "practice {p} serves no LSOA");
        assert!(served.iter().all(|&i| place.lsoa_locality[i] == loc));
    }
}

#[test]
fn new_addington_and_selsdon_is_polarised_by_deprivation() {
    let place = Place::croydon();
    let l = place.locality_index("new_addington_and_selsdon").unwrap() as u8;
    let deciles: Vec<u8> = (0..220)
        .filter(|&i| place.lsoa_locality[i] == l)
        .map(|i| place.lsoa_imd_decile[i])
        .collect();
    assert!(deciles.iter().any(|&d| d <= 2), "has very deprived LSOAs");
    assert!(deciles.iter().any(|&d| d >= 9), "has affluent LSOAs");
}

#[test]
fn a_place_file_naming_an_unknown_source_is_rejected() {
    let text = placesim::place::CROYDON_TOML.replacen("source = \"MYE2019\"", "source = \"NOT_A_SOURCE\"", 1);
    let err = Place::from_toml(&text, "test").unwrap_err().to_string();
    assert!(err.contains("NOT_A_SOURCE"), "{err}");
}

#[test]
fn a_place_file_with_a_wrong_length_table_is_rejected() {
    let text = placesim::place::CROYDON_TOML.replacen("value = [1.0, 1.1, 1.25, 1.4]", "value = [1.0, 1.1, 1.25]", 1);
    let err = Place::from_toml(&text, "test").unwrap_err().to_string();
    assert!(err.contains("los_frailty_multiplier"), "{err}");
}

#[test]
fn bad_economic_conventions_are_rejected_by_name() {
    let rate = "[economics.discount_rate_qalys]\nvalue = 0.035";
    assert!(placesim::place::CROYDON_TOML.contains(rate));
    let text = placesim::place::CROYDON_TOML.replacen(rate, "[economics.discount_rate_qalys]\nvalue = 1.3", 1);
    let err = Place::from_toml(&text, "test").unwrap_err().to_string();
    assert!(err.contains("economics.discount_rate_qalys"), "{err}");
    let frailty = "value = [1.0, 0.92, 0.82, 0.7]";
    assert!(placesim::place::CROYDON_TOML.contains(frailty));
    let text = placesim::place::CROYDON_TOML.replacen(frailty, "value = [1.0, 0.92, 0.82]", 1);
    let err = Place::from_toml(&text, "test").unwrap_err().to_string();
    assert!(err.contains("economics.eq5d_frailty_multiplier"), "{err}");
}

#[test]
fn estimates_are_marked_as_estimates() {
    let place = Place::croydon();
    assert_eq!(
        place.file.social_care.community_care_home_rate.confidence,
        Confidence::Estimate
    );
    assert_eq!(
        place.file.population.out_migration_age_multiplier.confidence,
        Confidence::Approximate
    );
    assert_eq!(place.file.mortality.mx_male.confidence, Confidence::Exact);
}

/// A scenario may name another place file with the same schema; the run uses it.
#[test]
fn a_scenario_can_run_on_a_place_file() {
    use placesim::runner::{run, RunRequest, Silent};
    use placesim::scenario::{load_scenario, PlaceSource};
    let dir = tempfile::tempdir().unwrap();
    // Same structure as Croydon under another name: the run must report it as its origin.
    let text = placesim::place::CROYDON_TOML.replacen("name = \"Croydon\"", "name = \"Croydon copy\"", 1);
    std::fs::write(dir.path().join("copy.place.toml"), text).unwrap();
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let scenario = format!(
        "extends = {:?}\n\n[scenario]\nname = \"copy\"\nplace = \"copy.place.toml\"\nscale = 0.01\nend = \"2017-03-31\"\n",
        base.display().to_string()
    );
    let path = dir.path().join("copy.toml");
    std::fs::write(&path, scenario).unwrap();
    let s = load_scenario(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.place, PlaceSource::File(dir.path().join("copy.place.toml")));
    let results = run(
        &RunRequest {
            scenarios: vec![s],
            replicates: 1,
            seed: 1,
            threads: 1,
        },
        &Silent,
    )
    .unwrap();
    assert_eq!(results.scenarios[0].place.file.meta.name, "Croydon copy");
    assert!(results.scenarios[0].replicates[0].annual_total(0, placesim::results::Metric::Population) > 0);
}

#[test]
fn local_deciles_and_fifths_hold_their_share_of_residents_and_follow_deprivation() {
    let place = Place::croydon();
    for (groups, tolerance) in [(10usize, 0.01), (5, 0.01)] {
        let mut pop = vec![0u32; groups];
        let mut mean_decile = vec![0.0f64; groups];
        for i in 0..place.lsoa_population.len() {
            let g = if groups == 10 {
                usize::from(place.lsoa_local_decile[i])
            } else {
                usize::from(place.local_fifth(i))
            };
            pop[g] += place.lsoa_population[i];
            mean_decile[g] += f64::from(place.lsoa_population[i]) * f64::from(place.lsoa_imd_decile[i]);
        }
        for g in 0..groups {
            let share = f64::from(pop[g]) / 386_710.0;
            assert!(
                (share - 1.0 / groups as f64).abs() < tolerance,
                "group {g} of {groups} holds {share}"
            );
            mean_decile[g] /= f64::from(pop[g]);
        }
        assert!(mean_decile.windows(2).all(|w| w[0] < w[1]), "{mean_decile:?}");
    }
}

#[test]
fn sourced_figures_carry_every_cost_effect_and_convention_with_its_full_source() {
    let place = Place::croydon();
    let figures = place.sourced_figures();
    let ae = figures.iter().find(|f| f.key == "costs.ae_attendance").unwrap();
    assert_eq!(ae.value, "152.0");
    assert_eq!(ae.confidence, "approximate");
    assert!(ae.source.contains("HFMA"), "{}", ae.source);
    assert_ne!(ae.source, ae.source_key, "the citation, not just its key");
    for section in ["costs.", "effects.", "economics."] {
        assert!(figures.iter().any(|f| f.key.starts_with(section)), "{section}");
    }
    assert!(figures.iter().all(|f| !f.unit.is_empty() && !f.source.is_empty()));
    let list = figures.iter().find(|f| f.key == "economics.qaly_thresholds").unwrap();
    assert_eq!(list.value, "[20000.0, 30000.0]");
}
