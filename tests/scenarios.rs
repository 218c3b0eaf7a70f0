//! Scenario files: the shipped scenarios load, `extends` inherits, and every class of bad input
//! is reported at the right line with a helpful message.
//!
//! Bad inputs live in `tests/data/bad/*.toml` (helper files in `tests/data/bad/helpers/`). Each
//! starts with one or more expectation comments:
//!
//! ```text
//! # expect: LINE :: fragment :: fragment ...
//! ```
//!
//! and the file must produce exactly as many errors, each on its LINE with every fragment in its
//! displayed form (`file:line:column: field: message (did you mean ...?)`). Adding a case is
//! adding a file.

// Values are compared with the exact literals the files were parsed from.
#![allow(clippy::float_cmp)]

use placesim::calendar::Date;
use placesim::scenario::{
    load_scenario, load_scenario_str, Allocation, PerLocality, PlaceSource, Scenario, CROYDON_LOCALITY_KEYS,
    SCENARIO_KEYS,
};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn date(s: &str) -> Date {
    Date::parse(s).expect("test date")
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn load(name: &str) -> Scenario {
    let path = root().join("scenarios").join(name);
    load_scenario(&path).unwrap_or_else(|e| panic!("{name} should load:\n{e}"))
}

#[test]
fn every_shipped_scenario_loads() {
    let files = toml_files(&root().join("scenarios"));
    assert!(
        files.len() >= 7,
        "expected the seven shipped scenarios, found {files:?}"
    );
    for path in files {
        let s = load_scenario(&path).unwrap_or_else(|e| panic!("{} should load:\n{e}", path.display()));
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("utf-8 name");
        assert_eq!(s.name, stem, "scenario name should match the file name");
        assert!(!s.description.is_empty(), "{stem} should describe itself");
        assert_eq!(s.files[0].path, path);
        for f in &s.files {
            assert_eq!(f.sha256.len(), 64);
            assert!(f.sha256.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        }
        assert_eq!(s.start, date("2016-04-04"));
        assert_eq!(s.end, date("2027-03-31"));
        assert_eq!(s.place, PlaceSource::EmbeddedCroydon);
    }
}

#[test]
fn baseline_has_the_delivered_services() {
    let s = load("baseline.toml");
    // The baseline extends the calibrated fragment, which supplies the fitted parameters.
    assert_eq!(s.files.len(), 2);
    assert!(s.files[1].path.ends_with("calibration/fitted.toml"));
    assert_eq!(s.scale, 1.0);
    assert!(
        (3.0..=20.0).contains(&s.model.readmission_hr),
        "fitted within its calibration bounds"
    );
    let h = &s.services.huddles;
    assert!(h.rollout.enabled);
    assert_eq!(h.rollout.start, date("2017-04-03"));
    // Defaults: the capacity multiplier is 1 from the service start; allocation by population
    // from the scenario start.
    assert_eq!(h.rollout.capacity_multiplier, 1.0);
    assert_eq!(h.rollout.capacity_multiplier_from, h.rollout.start);
    assert_eq!(h.allocation, Allocation::Population);
    assert_eq!(h.allocation_from, s.start);
    assert_eq!((h.min_age, h.min_conditions, h.care_plan_weeks), (65, 2, 26));
    assert_eq!(h.effect, 0.03);
    assert_eq!(s.services.pic.workers, PerLocality::Total(18.0));
    assert_eq!(s.services.life.rollout.start, date("2017-09-04"));
    assert_eq!(s.services.life.visit_within_2h_probability, 0.96);
    assert_eq!(s.services.social_prescribing.gp_effect, 0.10);
    assert_eq!(s.services.pharmacists.reviews_per_week, PerLocality::Total(25.0));
    let icn = &s.services.icn_plus;
    assert!(icn.enabled && icn.all_ages);
    assert_eq!(icn.start_by_locality.len(), 1);
    assert_eq!(icn.start_by_locality.get("thornton_heath"), Some(&date("2020-03-02")));
    assert_eq!(
        s.services.social_care.care_home_placements_per_week,
        PerLocality::Total(6.0)
    );
}

#[test]
fn do_nothing_inherits_everything_but_the_services() {
    let s = load("do-nothing.toml");
    let b = load("baseline.toml");
    assert_eq!(s.files.len(), 3);
    assert!(s.files[1].path.ends_with("baseline.toml"));
    assert_eq!(s.files[1].sha256, b.files[0].sha256);
    assert!(s.files[2].path.ends_with("calibration/fitted.toml"));
    let sv = &s.services;
    assert!(!sv.huddles.rollout.enabled);
    assert!(!sv.pic.rollout.enabled);
    assert!(!sv.life.rollout.enabled);
    assert!(!sv.social_prescribing.rollout.enabled);
    assert!(!sv.pharmacists.rollout.enabled);
    assert!(!sv.icn_plus.enabled);
    // Everything it does not name comes from the baseline.
    assert_eq!(sv.huddles.rollout.start, date("2017-04-03"));
    assert_eq!(sv.social_care, b.services.social_care);
    assert_eq!(s.model, b.model);
    assert_ne!(s.description, b.description);
}

#[test]
fn options_change_only_what_they_name() {
    let b = load("baseline.toml");
    let april_2021 = date("2021-04-05");

    let life = load("life-expansion.toml");
    assert_eq!(life.services.life.rollout.capacity_multiplier, 1.5);
    assert_eq!(life.services.life.rollout.capacity_multiplier_from, april_2021);
    assert_eq!(life.services.life.rollout.start, b.services.life.rollout.start);
    assert_eq!(life.services.huddles, b.services.huddles);

    let icn = load("icn-plus-rollout.toml");
    let starts = &icn.services.icn_plus.start_by_locality;
    assert_eq!(starts.len(), CROYDON_LOCALITY_KEYS.len());
    for key in CROYDON_LOCALITY_KEYS {
        let expected = if *key == "thornton_heath" {
            date("2020-03-02")
        } else {
            april_2021
        };
        assert_eq!(starts.get(*key), Some(&expected), "{key}");
    }

    let sp = load("social-prescribing-at-scale.toml");
    assert_eq!(sp.services.social_prescribing.min_age, 0);
    assert_eq!(sp.services.social_prescribing.rollout.capacity_multiplier, 2.5);
    assert_eq!(
        sp.services.social_prescribing.rollout.capacity_multiplier_from,
        april_2021
    );

    let pu = load("proportionate-universalism.toml");
    let s = &pu.services;
    for (allocation, from) in [
        (s.huddles.allocation, s.huddles.allocation_from),
        (s.pic.allocation, s.pic.allocation_from),
        (s.life.allocation, s.life.allocation_from),
        (s.social_prescribing.allocation, s.social_prescribing.allocation_from),
        (s.pharmacists.allocation, s.pharmacists.allocation_from),
    ] {
        assert_eq!((allocation, from), (Allocation::Need, april_2021));
    }
    assert_eq!(s.social_care.allocation, Allocation::Population);
    assert_eq!(s.pic.workers, b.services.pic.workers);

    let c = load("combined.toml");
    assert_eq!(c.services.icn_plus, icn.services.icn_plus);
    assert_eq!(c.services.life, life.services.life);
    assert_eq!(c.services.social_prescribing, sp.services.social_prescribing);
}

#[test]
fn name_and_description_are_not_inherited() {
    let dir = tempfile::tempdir().expect("temp dir");
    let baseline = root().join("scenarios/baseline.toml");
    let text = format!(
        "extends = {:?}\n[services.life]\ncapacity_multiplier = 2\n",
        baseline.display().to_string()
    );
    let path = dir.path().join("my-option.toml");
    let s = load_scenario_str(&text, &path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name, "my-option");
    assert_eq!(s.description, "");
    assert_eq!(s.services.life.rollout.capacity_multiplier, 2.0);
    assert_eq!(s.files.len(), 3);
    assert_eq!(s.files[0].path, path);
}

#[test]
fn a_missing_scenario_file_names_the_path() {
    let path = root().join("scenarios/no-such-scenario.toml");
    let err = load_scenario(&path).expect_err("missing file");
    assert_eq!(err.0.len(), 1);
    assert_eq!(err.0[0].line, 0);
    let shown = err.to_string();
    assert!(
        shown.contains("no-such-scenario.toml: cannot read scenario file: no such file"),
        "{shown}"
    );
}

#[test]
fn every_key_the_baseline_writes_is_a_scenario_key() {
    let text = std::fs::read_to_string(root().join("scenarios/baseline.toml")).expect("baseline");
    let doc: toml::Table = toml::from_str(&text).expect("baseline parses");
    fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in t {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(sub) if !SCENARIO_KEYS.contains(&path.as_str()) => walk(&path, sub, out),
                _ => out.push(path),
            }
        }
    }
    let mut keys = Vec::new();
    walk("", &doc, &mut keys);
    for k in &keys {
        assert!(SCENARIO_KEYS.contains(&k.as_str()), "{k} is not in SCENARIO_KEYS");
    }
    // The baseline writes every key except those with defaults it does not need.
    assert!(keys.len() >= 75, "{}", keys.len());
}

/// One expected error: its line and fragments of its displayed form.
#[derive(Debug)]
struct Expect {
    line: usize,
    fragments: Vec<String>,
}

fn expectations(path: &Path) -> Vec<Expect> {
    // Bad files may hold bytes that are not UTF-8 (after their expectation lines).
    let text = String::from_utf8_lossy(&std::fs::read(path).expect("bad file readable")).into_owned();
    text.lines()
        .take_while(|l| l.starts_with("# expect:"))
        .map(|l| {
            let rest = l.trim_start_matches("# expect:");
            let mut parts = rest.split("::").map(str::trim);
            let line = parts
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{}: `# expect: LINE :: ...` needs a line number", path.display()));
            Expect {
                line,
                fragments: parts.filter(|f| !f.is_empty()).map(str::to_string).collect(),
            }
        })
        .collect()
}

#[test]
fn bad_inputs_are_reported_where_they_are_written() {
    let files = toml_files(&root().join("tests/data/bad"));
    assert!(files.len() >= 15, "{files:?}");
    let mut failures = Vec::new();
    for path in files {
        let expected = expectations(&path);
        assert!(!expected.is_empty(), "{} has no `# expect:` first line", path.display());
        let errors = match load_scenario(&path) {
            Ok(_) => {
                failures.push(format!("{}: loaded without error", path.display()));
                continue;
            }
            Err(e) => e,
        };
        let shown: Vec<(usize, String)> = errors.0.iter().map(|e| (e.line, e.to_string())).collect();
        if shown.len() != expected.len() {
            failures.push(format!(
                "{}: expected {} error(s), got {}:\n  {}",
                path.display(),
                expected.len(),
                shown.len(),
                errors
            ));
            continue;
        }
        for exp in &expected {
            let found = shown
                .iter()
                .any(|(line, text)| *line == exp.line && exp.fragments.iter().all(|f| text.contains(f.as_str())));
            if !found {
                failures.push(format!(
                    "{}: no error matches {exp:?}; got:\n  {}",
                    path.display(),
                    errors
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn all_errors_in_a_file_are_reported_together() {
    let err = load_scenario(&root().join("tests/data/bad/several_errors.toml")).expect_err("bad");
    assert!(err.0.len() >= 5);
    // Sorted by position.
    let lines: Vec<usize> = err.0.iter().map(|e| e.line).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
    // The unknown key carries no suggestion when nothing is near; the Display says how many.
    assert!(err
        .to_string()
        .starts_with(&format!("{} problems in scenario:", err.0.len())));
}

#[test]
fn errors_in_an_extended_file_point_at_that_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let parent = dir.path().join("parent.toml");
    let baseline = root().join("scenarios/baseline.toml");
    std::fs::write(
        &parent,
        format!(
            "extends = {:?}\n\n[services.pic]\nmax_weeks = 0\n",
            baseline.display().to_string()
        ),
    )
    .expect("write parent");
    let child = dir.path().join("child.toml");
    std::fs::write(&child, "extends = \"parent.toml\"\n[services.life]\nmax_weeks = 7\n").expect("write child");
    let err = load_scenario(&child).expect_err("parent is bad");
    assert_eq!(err.0.len(), 1, "{err}");
    let e = &err.0[0];
    assert_eq!((e.file.as_path(), e.line, e.column), (parent.as_path(), 4, 13));
    assert_eq!(e.field, "services.pic.max_weeks");
    assert!(e.message.contains("outside [1, 520]"), "{}", e.message);
}
