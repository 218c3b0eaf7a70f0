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
        // A declaration's own name is the instance key of `[uncertainty.<key>]`.
        let generic = match k.split('.').collect::<Vec<_>>().as_slice() {
            ["uncertainty", _, field] => format!("uncertainty.<key>.{field}"),
            _ => k.clone(),
        };
        assert!(SCENARIO_KEYS.contains(&generic.as_str()), "{k} is not in SCENARIO_KEYS");
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

/// A scenario-declared service with every key written (`[services.custom.<key>]`), extending the
/// shipped baseline; `extra` is appended.
fn with_declared_services(extra: &str) -> Result<Scenario, placesim::error::ScenarioErrors> {
    let text = format!(
        r#"extends = "baseline.toml"

[services.custom.falls_prevention]
label = "Community falls prevention"
evidence = "estimate: for the loader's tests"
kind = "support_episode"
enabled = true
start = "2021-04-05"
full_by = "2021-09-27"
capacity_multiplier = 1.5
capacity_multiplier_from = "2023-04-03"
capacity = {{ mayday = 100, purley = 50 }}
allocation = "need"
allocation_from = "2021-04-05"
min_age = 65
max_age = 100
min_frailty = 1
min_conditions = 2
max_imd_decile = 5
localities = ["mayday", "purley"]
recent_discharge_weeks = 8
route = "ae_liaison"
referral_probability = 0.08
duration_weeks = 24
crisis_effect = 0.02
admission_effect = -0.01
length_of_stay_effect = 0.03
home_care_effect = 0.04
care_home_effect = 0.05
effect_ramp_weeks = 26
cost_per_start = 144.0
running_cost_per_capacity_year = 500.0

# Written before `falls_prevention`, listed after it: services are sorted by key.
[services.custom.walking_groups]
evidence = "estimate: the fewest keys a declared service needs"
kind = "referral_activity"
enabled = false
start = "2022-04-04"
full_by = "2022-04-04"
capacity = 12
route = "gp"
referral_probability = 0.001
duration_weeks = 12
cost_per_start = 20
running_cost_per_capacity_year = 1000
{extra}"#
    );
    load_scenario_str(&text, &root().join("scenarios/declared.toml"))
}

#[test]
fn a_declared_service_loads_with_every_field() {
    use placesim::scenario::{CustomKind, Route};
    let s = with_declared_services("").unwrap_or_else(|e| panic!("{e}"));
    let keys: Vec<&str> = s.services.custom.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["falls_prevention", "walking_groups"]);
    let c = &s.services.custom[0];
    assert_eq!(c.label, "Community falls prevention");
    assert_eq!(c.evidence, "estimate: for the loader's tests");
    assert_eq!(c.kind, CustomKind::SupportEpisode);
    assert!(c.rollout.enabled);
    assert_eq!(
        (c.rollout.start, c.rollout.full_by, c.rollout.capacity_multiplier_from),
        (date("2021-04-05"), date("2021-09-27"), date("2023-04-03"))
    );
    assert_eq!(c.rollout.capacity_multiplier, 1.5);
    let PerLocality::Each(capacity) = &c.capacity else {
        panic!("a capacity per locality")
    };
    assert_eq!(
        (capacity.get("mayday"), capacity.get("purley")),
        (Some(&100.0), Some(&50.0))
    );
    assert_eq!(
        (c.allocation, c.allocation_from),
        (Allocation::Need, date("2021-04-05"))
    );
    let e = &c.eligibility;
    assert_eq!(
        (e.min_age, e.max_age, e.min_frailty, e.min_conditions, e.max_imd_decile),
        (65, 100, 1, 2, 5)
    );
    assert_eq!(e.localities, ["mayday", "purley"]);
    assert_eq!(e.recent_discharge_weeks, 8);
    assert_eq!(c.route, Route::AeLiaison);
    assert_eq!((c.referral_probability, c.duration_weeks), (0.08, 24));
    let f = &c.effects;
    assert_eq!(
        (
            f.crisis,
            f.admission,
            f.length_of_stay,
            f.home_care,
            f.care_home,
            f.ramp_weeks
        ),
        (0.02, -0.01, 0.03, 0.04, 0.05, 26)
    );
    assert_eq!((c.cost_per_start, c.running_cost_per_capacity_year), (144.0, 500.0));

    // Defaults: the label from the key, everyone eligible, no effects, the multiplier's date
    // from the service's start, allocation by population from the scenario's start.
    let w = &s.services.custom[1];
    assert_eq!(w.label, "walking groups");
    assert_eq!((w.kind, w.route), (CustomKind::ReferralActivity, Route::Gp));
    assert!(!w.rollout.enabled);
    assert_eq!(w.rollout.capacity_multiplier, 1.0);
    assert_eq!(w.rollout.capacity_multiplier_from, w.rollout.start);
    assert_eq!(w.capacity, PerLocality::Total(12.0));
    assert_eq!((w.allocation, w.allocation_from), (Allocation::Population, s.start));
    let e = &w.eligibility;
    assert_eq!(
        (e.min_age, e.max_age, e.min_frailty, e.min_conditions, e.max_imd_decile),
        (0, 110, 0, 0, 10)
    );
    assert!(e.localities.is_empty() && e.recent_discharge_weeks == 0);
    let f = &w.effects;
    assert_eq!(
        (
            f.crisis,
            f.admission,
            f.length_of_stay,
            f.home_care,
            f.care_home,
            f.ramp_weeks
        ),
        (0.0, 0.0, 0.0, 0.0, 0.0, 0)
    );

    // Everything else is the baseline's.
    let b = load("baseline.toml");
    assert_eq!(s.model, b.model);
    assert_eq!(
        (&s.services.huddles, &s.services.life, &s.services.social_care),
        (&b.services.huddles, &b.services.life, &b.services.social_care)
    );
    assert!(b.services.custom.is_empty());
}

#[test]
fn a_child_file_overrides_one_key_of_a_declared_service() {
    let dir = tempfile::tempdir().expect("temp dir");
    let parent = dir.path().join("parent.toml");
    let parent_text = format!(
        "extends = {:?}\n\n[services.custom.falls_prevention]\nevidence = \"estimate: parent\"\nkind = \"case_management\"\nenabled = true\nstart = \"2021-04-05\"\nfull_by = \"2021-09-27\"\ncapacity = 40\nroute = \"huddle\"\nreferral_probability = 0.3\nduration_weeks = 26\ncrisis_effect = 0.1\ncost_per_start = 100\nrunning_cost_per_capacity_year = 2500\n",
        root().join("scenarios/baseline.toml").display().to_string()
    );
    std::fs::write(&parent, parent_text).expect("write parent");
    let child = dir.path().join("child.toml");
    std::fs::write(
        &child,
        "extends = \"parent.toml\"\n\n[services.custom.falls_prevention]\nreferral_probability = 0.2\n",
    )
    .expect("write child");
    let p = load_scenario(&parent).unwrap_or_else(|e| panic!("{e}"));
    let c = load_scenario(&child).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.services.custom.len(), 1);
    assert_eq!(c.services.custom[0].referral_probability, 0.2);
    let mut expected = p.services.custom[0].clone();
    expected.referral_probability = 0.2;
    assert_eq!(c.services.custom[0], expected);

    // A bad override is reported in the child, at its line; the rest still comes from the parent.
    std::fs::write(
        &child,
        "extends = \"parent.toml\"\n\n[services.custom.falls_prevention]\ncrisis_effect = 1.5\n",
    )
    .expect("write child");
    let err = load_scenario(&child).expect_err("effect out of range");
    assert_eq!(err.0.len(), 1, "{err}");
    let e = &err.0[0];
    assert_eq!((e.file.as_path(), e.line, e.column), (child.as_path(), 4, 17));
    assert_eq!(e.field, "services.custom.falls_prevention.crisis_effect");
}

#[test]
fn declared_services_are_summarised_after_every_built_in_parameter() {
    let s = with_declared_services("").unwrap_or_else(|e| panic!("{e}"));
    let b = load("baseline.toml");
    let params = s.key_parameters();
    let built_in = b.key_parameters();
    assert_eq!(&params[..built_in.len()], &built_in[..]);
    let declared: Vec<&(String, String)> = params[built_in.len()..].iter().collect();
    assert_eq!(declared.len(), 2, "{declared:?}");
    assert_eq!(declared[0].0, "services.custom.falls_prevention");
    let line = &declared[0].1;
    for part in [
        "support_episode",
        "ae_liaison",
        "concurrent clients",
        "mayday 100; purley 50",
        "from 2021-04-05",
        "crisis 0.02",
        "admission -0.01",
    ] {
        assert!(line.contains(part), "{part:?} not in {line:?}");
    }
    assert_eq!(declared[1].0, "services.custom.walking_groups");
    assert!(
        declared[1].1.contains("referrals per week") && declared[1].1.contains("not run"),
        "{}",
        declared[1].1
    );
}

#[test]
fn explained_keys_include_those_of_a_declared_service() {
    for key in [
        "label",
        "evidence",
        "kind",
        "min_age",
        "localities",
        "crisis_effect",
        "running_cost_per_capacity_year",
    ] {
        let path = format!("services.custom.<key>.{key}");
        assert!(SCENARIO_KEYS.contains(&path.as_str()), "{path}");
    }
    // Built-in keys keep their place, before the declared service's.
    let first_custom = SCENARIO_KEYS
        .iter()
        .position(|k| k.starts_with("services.custom."))
        .expect("custom keys");
    let last_built_in = SCENARIO_KEYS
        .iter()
        .rposition(|k| k.starts_with("services.social_care."))
        .expect("social care keys");
    assert!(last_built_in < first_custom);
}
