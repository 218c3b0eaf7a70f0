//! Command-line behaviour that needs no working scenario loader or engine: help, explain,
//! argument errors and output-folder safety, against the built binary in temp dirs.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn placesim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_placesim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn help_works() {
    let tmp = tempfile::tempdir().unwrap();
    let o = placesim(tmp.path(), &["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    for cmd in ["run", "validate", "explain"] {
        assert!(text.contains(cmd), "{text}");
    }
    let o = placesim(tmp.path(), &["run", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("--replicates"));
}

#[test]
fn explain_prints_each_topic() {
    let tmp = tempfile::tempdir().unwrap();
    for topic in ["phases", "metrics", "costs", "keys"] {
        let o = placesim(tmp.path(), &["explain", topic]);
        assert_eq!(o.status.code(), Some(0), "{topic}: {}", stderr(&o));
    }
    let o = placesim(tmp.path(), &["explain", "metrics"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("emergency_admissions"), "{text}");
    let o = placesim(tmp.path(), &["explain", "costs"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("cost_total"));
}

#[test]
fn an_unknown_subcommand_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let o = placesim(tmp.path(), &["simulate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("simulate"));
    assert_eq!(placesim(tmp.path(), &[]).status.code(), Some(2), "no subcommand");
    assert_eq!(
        placesim(tmp.path(), &["run", "x.toml", "--replicates", "0"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        placesim(tmp.path(), &["run", "x.toml", "--detail", "full"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn a_missing_scenario_file_is_bad_input_and_creates_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let o = placesim(tmp.path(), &["run", "no-such-scenario.toml", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-scenario.toml"), "{}", stderr(&o));
    assert!(
        entries(tmp.path()).is_empty(),
        "nothing created: {:?}",
        entries(tmp.path())
    );
    let o = placesim(
        tmp.path(),
        &["run", "no-such-scenario.toml", "--out", "run1", "--quiet"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(entries(tmp.path()).is_empty());
}

#[test]
fn validate_reports_every_bad_file() {
    let tmp = tempfile::tempdir().unwrap();
    let o = placesim(tmp.path(), &["validate", "missing-a.toml", "missing-b.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("missing-a.toml") && err.contains("missing-b.toml"),
        "{err}"
    );
}

#[test]
fn a_bad_declared_service_is_bad_input_located_by_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad/custom_probability_out_of_range.toml");
    let o = placesim(tmp.path(), &["validate", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("custom_probability_out_of_range.toml:5:24: services.custom.falls.referral_probability: 1.3 is outside [0, 1]"),
        "{err}"
    );
}

#[test]
fn explain_keys_lists_the_keys_of_a_declared_service() {
    let tmp = tempfile::tempdir().unwrap();
    let o = placesim(tmp.path(), &["explain", "keys"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    for key in [
        "services.life.divert_probability",
        "services.custom.<key>.min_age",
        "services.custom.<key>.evidence",
    ] {
        assert!(text.lines().any(|l| l.trim() == key), "{key} not in:\n{text}");
    }
}

#[test]
fn an_existing_output_folder_is_left_untouched() {
    // Exits 2 whether the scenario is rejected or the folder is (tests/cli_run.rs checks
    // the folder message once scenarios load); either way the old run must survive.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("old-run");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("weekly.csv"), "precious").unwrap();
    let scenario = tmp.path().join("s.toml");
    fs::write(&scenario, "[scenario]\nscale = 0.02\n").unwrap();
    let o = placesim(
        tmp.path(),
        &[
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(entries(&out), vec!["weekly.csv"]);
    assert_eq!(fs::read_to_string(out.join("weekly.csv")).unwrap(), "precious");
    assert_eq!(entries(tmp.path()), vec!["old-run", "s.toml"], "no temp folder left");
}

#[test]
fn an_output_folder_under_a_regular_file_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    fs::write(&file, "").unwrap();
    let scenario = tmp.path().join("s.toml");
    fs::write(&scenario, "[scenario]\nscale = 0.02\n").unwrap();
    let out = file.join("run");
    let o = placesim(
        tmp.path(),
        &[
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(entries(tmp.path()), vec!["not-a-dir", "s.toml"]);
}
