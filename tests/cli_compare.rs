//! `placesim compare` against the built binary: scenario folders and list files, the files it
//! writes, the board summary, and bad input.

mod common;

use common::{bin, small_file as small};

#[test]
fn a_board_pack_folder_runs_in_one_command_and_writes_the_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let options = dir.path().join("options");
    std::fs::create_dir(&options).unwrap();
    let base = small(dir.path(), "baseline.toml", 0.02);
    small(&options, "life-expansion.toml", 0.02);
    small(&options, "social-prescribing-at-scale.toml", 0.02);
    let out = dir.path().join("cmp");
    let o = bin()
        .args(["compare", base.to_str().unwrap(), options.to_str().unwrap()])
        .args(["--replicates", "3", "--quiet", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
    for needle in [
        "life-expansion vs baseline",
        "social-prescribing-at-scale vs baseline",
        "emergency admissions",
        "return per £1",
        "life-expectancy gap",
        "95% interval",
        "from claim to model: the services' own count would claim",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in\n{stdout}");
    }
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert!(csv.starts_with(
        "option,comparison,metric,group,period,unit,mean,lo,hi,base_mean,option_mean,unpaired_lo,unpaired_hi,replicates\n"
    ));
    assert!(csv
        .lines()
        .any(|l| l.starts_with("life-expansion,vs_base,return_per_pound,all,")));
    assert!(csv
        .lines()
        .any(|l| l.starts_with("baseline,level,life_expectancy_at_birth_female_gap_abs,all,")));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("comparison.json")).unwrap()).unwrap();
    assert_eq!(json["options"].as_array().unwrap().len(), 2);
    assert_eq!(json["price_base"], "2018/19");
    assert_eq!(json["discount_rate_costs"], 0.035);
    let summary = std::fs::read_to_string(out.join("board-summary.txt")).unwrap();
    assert!(stdout.starts_with(&summary), "the printed summary is the file's");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["comparison"]["base"], "baseline");
}

#[test]
fn a_list_file_names_the_scenarios_relative_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    small(dir.path(), "baseline.toml", 0.02);
    small(dir.path(), "life-expansion.toml", 0.02);
    let list = dir.path().join("pack.list");
    std::fs::write(
        &list,
        "# board pack\nbaseline.toml\nlife-expansion.toml   # the option\n",
    )
    .unwrap();
    let out = dir.path().join("cmp");
    let o = bin()
        .args(["compare", list.to_str().unwrap(), "--replicates", "2", "--quiet"])
        .args([
            "--out",
            out.to_str().unwrap(),
            "--from",
            "2021",
            "--discount-rate",
            "0.015",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("comparison.json")).unwrap()).unwrap();
    assert_eq!(json["base"], "baseline");
    assert_eq!(json["window"]["from_fy"], 2021);
    assert_eq!(json["discount_rate_qalys"], 0.015);
}

#[test]
fn bad_comparisons_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let base = small(dir.path(), "baseline.toml", 0.02);
    let other_scale = small(dir.path(), "life-expansion.toml", 0.03);
    let out = dir.path().join("cmp");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![base.display().to_string()], "at least one option"),
        (
            vec![
                base.display().to_string(),
                dir.path().join("missing.toml").display().to_string(),
            ],
            "missing.toml",
        ),
        (
            vec![base.display().to_string(), other_scale.display().to_string()],
            "a different scale",
        ),
        (
            vec![
                base.display().to_string(),
                dir.path().join("nothing.list").display().to_string(),
            ],
            "nothing.list",
        ),
    ];
    for (args, needle) in cases {
        let o = bin()
            .arg("compare")
            .args(&args)
            .args(["--replicates", "2", "--quiet", "--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: expected {needle:?} in {stderr}");
        assert!(!out.exists(), "nothing is written on bad input");
    }
    let o = bin()
        .args([
            "compare",
            base.to_str().unwrap(),
            other_scale.to_str().unwrap(),
            "--discount-rate",
            "1.5",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--discount-rate"));
}

#[test]
fn a_window_outside_the_run_is_refused_before_anything_runs_naming_the_flag_and_the_years() {
    let dir = tempfile::tempdir().unwrap();
    let base = small(dir.path(), "baseline.toml", 0.02);
    let option = small(dir.path(), "life-expansion.toml", 0.02);
    let out = dir.path().join("cmp");
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &["--from", "1990"],
            &["--from 1990", "FY2016/17 to FY2021/22", "from 2016 to 2021"],
        ),
        (&["--to", "2040"], &["--to 2040", "from 2016 to 2021"]),
        (
            &["--from", "2021", "--to", "2019"],
            &["--from", "--to", "FY2021/22", "FY2019/20"],
        ),
        // With the window checked first, a request that could never run still gets the
        // window's message: nothing is sized, let alone simulated, before the window is good.
        (&["--from", "1990", "--replicates", "4294967295"], &["--from 1990"]),
    ];
    for (extra, needles) in cases {
        let replicates: &[&str] = if extra.contains(&"--replicates") {
            &[]
        } else {
            &["--replicates", "2"]
        };
        let o = bin()
            .args(["compare", base.to_str().unwrap(), option.to_str().unwrap()])
            .args(replicates)
            .args(["--out", out.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "{extra:?}: expected {needle:?} in {stderr}");
        }
        assert!(!stderr.contains("refusing to run"), "{extra:?}: {stderr}");
        assert!(o.stdout.is_empty(), "{extra:?}: nothing is reported");
        assert!(!out.exists(), "{extra:?}: nothing is written");
    }
}

#[test]
fn a_scenario_file_given_twice_is_named_when_no_option_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let base = small(dir.path(), "baseline.toml", 0.02);
    let folder = dir.path().join("pack");
    std::fs::create_dir(&folder).unwrap();
    let inside = small(&folder, "baseline.toml", 0.02);
    let list = dir.path().join("pack.list");
    std::fs::write(&list, "baseline.toml\n./baseline.toml\n").unwrap();
    let b = base.to_str().unwrap();
    let same_via_dots = format!("{}/./baseline.toml", dir.path().display());
    let cases: Vec<(Vec<&str>, Vec<String>)> = vec![
        (vec![b, b], vec![format!("{b} is given twice (argument 1, argument 2)")]),
        (vec![b, &same_via_dots], vec![format!("{b} is given twice")]),
        (
            vec![inside.to_str().unwrap(), folder.to_str().unwrap()],
            vec![format!("is given twice (argument 1, folder {})", folder.display())],
        ),
        (
            vec![list.to_str().unwrap()],
            vec![format!("{} line 1, {} line 2", list.display(), list.display())],
        ),
        (vec![b, b, b], vec!["is given 3 times".to_string()]),
    ];
    let out = dir.path().join("cmp");
    for (args, needles) in cases {
        let o = bin()
            .arg("compare")
            .args(&args)
            .args(["--replicates", "2", "--quiet", "--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        for needle in needles
            .iter()
            .map(String::as_str)
            .chain(["at least one option besides the base"])
        {
            assert!(stderr.contains(needle), "{args:?}: expected {needle:?} in {stderr}");
        }
        assert!(!out.exists(), "nothing is written on bad input");
    }
}
