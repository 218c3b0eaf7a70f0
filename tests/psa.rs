//! Probabilistic sensitivity analysis and the tornado (issue 15), end to end: the draws
//! reproduce themselves from the seed and are identical at one and two threads, options stay
//! paired with their base, declarations reach the model, and the files, charts and report are
//! written. The estimators themselves are tested against known answers in
//! `src/analysis/sensitivity.rs` (Ishigami, a normal EVPI, a constructed acceptability curve,
//! the variance split, the smoother and EVPPI) and the distributions in `src/uncertainty.rs`.

// Values set by a draw and runs on shared replicates are compared to the bit, on purpose.
#![allow(clippy::float_cmp)]

mod common;

use common::{bin, small, small_file};
use placesim::analysis::compare::Window;
use placesim::psa::{run_psa, run_tornado, summarise, Request, ADMISSIONS, COST, QALYS};
use placesim::uncertainty::{ParameterSet, Target};
use std::path::Path;
use std::sync::Arc;

fn request(threads: usize, replicates: u32) -> Request {
    let scenarios = vec![
        small("baseline.toml", 0.02, "2022-03-31"),
        small("life-expansion.toml", 0.02, "2022-03-31"),
    ];
    let place = Arc::new(placesim::runner::load_place(&scenarios[0].place).unwrap());
    Request {
        scenarios,
        place,
        replicates,
        seed: 7,
        threads,
        window: Window { from: None, to: None },
        discount_rate: None,
    }
}

/// Every number of a result, bit for bit (NaN compares equal to NaN).
fn bits(p: &placesim::psa::PointResult) -> Vec<u64> {
    p.u.iter()
        .chain(&p.values)
        .chain(p.options.iter().flat_map(|o| o.mean.iter().chain(&o.se)))
        .chain(std::iter::once(&p.population))
        .map(|x| x.to_bits())
        .collect()
}

#[test]
fn the_psa_reproduces_itself_from_its_seed_and_is_identical_at_one_and_two_threads() {
    let one = run_psa(&request(1, 2), 4, 2, &|_, _| {}).unwrap();
    let two = run_psa(&request(2, 2), 4, 2, &|_, _| {}).unwrap();
    assert_eq!(one.draws.len(), 4);
    let design = one.sobol.as_ref().unwrap();
    assert_eq!(design.ab.len(), one.set.columns.len());
    let all = |p: &placesim::psa::Psa| -> Vec<Vec<u64>> {
        let s = p.sobol.as_ref().unwrap();
        p.draws
            .iter()
            .chain(&s.b)
            .chain(s.ab.iter().flatten())
            .map(bits)
            .collect()
    };
    assert_eq!(all(&one), all(&two));
    // Draws differ from each other: the parameters move the outcomes.
    assert_ne!(bits(&one.draws[0]), bits(&one.draws[1]));
    // The summary is a pure function of the draws (compared as text: NaN marks what is not
    // defined, such as the base's probability of beating itself).
    assert_eq!(
        format!("{:?}", summarise(&one, 7).unwrap()),
        format!("{:?}", summarise(&two, 7).unwrap())
    );
}

#[test]
fn a_draw_sets_each_parameter_in_the_place_and_in_every_scenario_that_declares_it() {
    let r = request(1, 1);
    let set = ParameterSet::of(&r.scenarios, &r.place).unwrap();
    // The shipped baseline declares the huddles' effect (inherited by the option), the unit
    // costs' price level, and holds the bridge-only figures fixed.
    let names: Vec<&str> = set.parameters.iter().map(|p| p.name.as_str()).collect();
    for expected in [
        "services.huddles.effect",
        "costs.*",
        "social_care.care_home_mortality_hr",
    ] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    assert!(!names.contains(&"economics.claim_package_weeks"), "declared fixed");
    assert!(
        !names.iter().any(|n| n.starts_with("effects.")),
        "evidence figures are not drawn"
    );
    let k = set.columns.len();
    let u = vec![0.999; k];
    let (place, scenarios) = set.apply(&u, &r.scenarios, &r.place).unwrap();
    for (p, v) in set.parameters.iter().zip(set.values(&u, 0)) {
        let v = v.unwrap();
        let d = p.distribution();
        assert!(v > d.central || d.central == d.high, "{}: {v} at u = 0.999", p.name);
        match &p.target {
            Target::Scenario(key) => {
                for s in &scenarios {
                    assert_eq!(placesim::calibration::fit::parameter_value(s, key).unwrap(), v, "{key}");
                }
            }
            Target::Place(path) if path == "social_care.care_home_mortality_hr" => {
                assert_eq!(place.file.social_care.care_home_mortality_hr.value, v);
            }
            _ => {}
        }
    }
    // The price level multiplies every unit cost (after an item's own draw).
    let level = set.values(&u, 0)[set.parameters.iter().position(|p| p.name == "costs.*").unwrap()].unwrap();
    assert!(level > 1.2);
    let ratio = place.file.costs.ae_attendance.value / r.place.file.costs.ae_attendance.value;
    assert!((ratio - level).abs() < 1e-9, "A&E cost × {ratio}, level {level}");
    // At the centre nothing changes.
    let (same, _) = set.apply(&vec![f64::NAN; k], &r.scenarios, &r.place).unwrap();
    assert_eq!(
        same.file.costs.ae_attendance.value,
        r.place.file.costs.ae_attendance.value
    );
}

#[test]
fn the_tornado_moves_one_parameter_at_a_time_on_shared_replicates() {
    let t = run_tornado(&request(2, 1), &|_, _| {}).unwrap();
    assert_eq!(t.ends.len(), t.set.columns.len());
    // The unit costs' level moves costs only: admissions avoided are the central run's, to the
    // bit, at both ends (shared replicates), while the extra cost moves.
    let c = t.set.columns.iter().position(|c| c.name == "costs.*").unwrap();
    let (lo, hi) = &t.ends[c];
    for end in [lo, hi] {
        assert_eq!(end.options[0].mean[ADMISSIONS], t.central.options[0].mean[ADMISSIONS]);
        assert_eq!(end.options[0].mean[QALYS], t.central.options[0].mean[QALYS]);
    }
    assert!(lo.options[0].mean[COST] != hi.options[0].mean[COST]);
}

fn run(args: &[&str], dir: &Path) -> std::process::Output {
    bin().args(args).current_dir(dir).output().unwrap()
}

#[test]
fn psa_writes_tidy_files_charts_and_a_report_the_same_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.02);
    let option = small_file(dir.path(), "life-expansion.toml", 0.02);
    let go = |threads: &str, out: &str, plots: bool| {
        let mut args = vec![
            "psa",
            base.to_str().unwrap(),
            option.to_str().unwrap(),
            "--draws",
            "20",
            "--replicates",
            "2",
            "--sobol",
            "2",
            "--from",
            "2019",
            "--threads",
            threads,
            "--quiet",
            "--out",
            out,
        ];
        if !plots {
            args.push("--no-plots");
        }
        let o = run(&args, dir.path());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o
    };
    let o = go("1", "one", true);
    let stdout = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "life-expansion: at £20,000 per QALY the probability that it is cost-effective against baseline is",
        "at £30,000 per QALY",
        "Value of information at £20,000 per QALY",
        "total Sobol index",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in\n{stdout}");
    }
    go("2", "two", false);
    for f in [
        "psa_parameters.csv",
        "psa_draw_values.csv",
        "psa_draws.csv",
        "psa_draws.parquet",
        "psa_variance.csv",
        "psa_ceac.csv",
        "psa_evpi.csv",
        "psa_evppi.csv",
        "psa_sobol.csv",
        "psa_summary.txt",
    ] {
        let a = std::fs::read(dir.path().join("one").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("two").join(f)).unwrap();
        assert!(a == b, "{f} differs between one and two threads");
    }
    let one = dir.path().join("one");
    let ceac = std::fs::read_to_string(one.join("psa_ceac.csv")).unwrap();
    assert!(ceac.starts_with("wtp,option,p_best,p_cost_effective,p_cost_effective_raw,expected_nmb,frontier\n"));
    // 51 willingness-to-pay points × (base + option).
    assert_eq!(ceac.lines().count(), 1 + 51 * 2);
    // The probabilities of being best sum to 1 at every willingness to pay.
    let rows: Vec<Vec<&str>> = ceac.lines().skip(1).map(|l| l.split(',').collect()).collect();
    for pair in rows.chunks(2) {
        let total: f64 = pair.iter().map(|r| r[2].parse::<f64>().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-9, "{pair:?}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["kind"], "psa");
    // Nine CSV and text files and psa_draws.parquet (the default format).
    assert_eq!(manifest["outputs"].as_array().unwrap().len(), 10);
    for chart in ["ce_plane", "ceac", "evppi", "sobol"] {
        for ext in ["svg", "png"] {
            let p = one.join("plots").join(format!("{chart}.{ext}"));
            assert!(
                std::fs::metadata(&p).map(|m| m.len() > 1000).unwrap_or(false),
                "{}",
                p.display()
            );
        }
    }
    let html = std::fs::read_to_string(one.join("report.html")).unwrap();
    for needle in [
        "Summary for the board",
        "Cost-effectiveness plane",
        "acceptability",
        "EVPPI",
        "Sobol",
        "<svg",
    ] {
        assert!(html.contains(needle), "report lacks {needle}");
    }
    assert!(!html.contains("<script"), "self-contained, no script");
}

#[test]
fn tornado_writes_its_table_chart_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.02);
    let option = small_file(dir.path(), "icn-plus-rollout.toml", 0.02);
    let o = run(
        &[
            "tornado",
            base.to_str().unwrap(),
            option.to_str().unwrap(),
            "--replicates",
            "1",
            "--from",
            "2020",
            "--quiet",
            "--out",
            "t",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("icn-plus-rollout, net saving (central"), "{stdout}");
    let csv = std::fs::read_to_string(dir.path().join("t/tornado.csv")).unwrap();
    assert!(csv.starts_with("option,outcome,column,value_low,value_high,central,at_low,at_high,swing\n"));
    assert!(
        csv.contains("icn-plus-rollout,net_saving,services.huddles.effect,-0.1,0.14,"),
        "{csv}"
    );
    for chart in ["tornado_net_saving", "tornado_admissions"] {
        assert!(dir.path().join(format!("t/plots/{chart}.svg")).is_file());
        assert!(dir.path().join(format!("t/plots/{chart}.png")).is_file());
    }
    assert!(std::fs::read_to_string(dir.path().join("t/report.html"))
        .unwrap()
        .contains("Tornado"));
}

#[test]
fn bad_psa_requests_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.02);
    let option = small_file(dir.path(), "life-expansion.toml", 0.02);
    for (extra, needle) in [
        (vec!["--draws", "1"], "--draws"),
        (vec!["--draws", "4", "--sobol", "5"], "--sobol 5 is more than --draws 4"),
        (vec!["--scale", "1.5"], "--scale 1.5"),
        (vec!["--discount-rate", "1.2"], "--discount-rate 1.2"),
    ] {
        let mut args = vec![
            "psa",
            base.to_str().unwrap(),
            option.to_str().unwrap(),
            "--quiet",
            "--out",
            "x",
        ];
        args.extend(extra);
        let o = run(&args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(needle),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!dir.path().join("x").exists(), "nothing written for {args:?}");
    }
    // A bad declaration in an option names its file, line and field.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!(
            "extends = {:?}\n\n[scenario]\nname = \"bad\"\n\n[uncertainty.huddle_effect]\nlow = 0.2\n",
            option.display().to_string()
        ),
    )
    .unwrap();
    let o = run(
        &[
            "psa",
            base.to_str().unwrap(),
            bad.to_str().unwrap(),
            "--quiet",
            "--out",
            "x",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.toml:7:") && err.contains("uncertainty.huddle_effect.low"),
        "{err}"
    );
    assert!(!dir.path().join("x").exists());
}
