//! `placesim plot` and `placesim report` against the built binary, and the charts and report
//! that `compare` and `run` write unless `--no-plots`.

mod common;

use common::{bin, small_file};
use std::path::Path;

fn svg_parses(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

const COMPARE_CHARTS: [&str; 11] = [
    "admissions_per_1000",
    "admissions_per_1000_by_locality",
    "admissions_per_1000_by_deprivation",
    "inequality_by_deprivation",
    "inequality_sii_over_time",
    "costs_by_category",
    "cumulative_net_saving",
    "return_per_pound",
    "service_flows",
    "waiting_lists",
    "calibration",
];

#[test]
fn compare_draws_every_chart_and_writes_the_report_and_plot_redraws_them() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.02);
    let option = small_file(dir.path(), "life-expansion.toml", 0.02);
    let out = dir.path().join("cmp");
    let o = bin()
        .args(["compare", base.to_str().unwrap(), option.to_str().unwrap()])
        .args(["--replicates", "2", "--quiet", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for name in COMPARE_CHARTS {
        let svg = out.join("plots").join(format!("{name}.svg"));
        svg_parses(&svg);
        let png = std::fs::read(out.join("plots").join(format!("{name}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}");
    }
    assert!(out.join("targets.csv").is_file());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), COMPARE_CHARTS.len());
    assert!(html.contains("life-expansion, compared with baseline"));

    let o = bin().args(["plot", out.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("11 charts"), "{stdout}");
    assert!(stdout.contains("not drawn: tornado"), "{stdout}");
}

#[test]
fn no_plots_leaves_charts_out_and_report_makes_them_later() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.02);
    let out = dir.path().join("run");
    let o = bin()
        .args([
            "run",
            base.to_str().unwrap(),
            "--replicates",
            "2",
            "--quiet",
            "--no-plots",
        ])
        .args(["--detail", "minimal", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!out.join("plots").exists() && !out.join("report.html").exists());

    // Something of the user's where the charts or the report go is refused, untouched, and
    // nothing is moved aside or left behind.
    let listing = || {
        let mut v: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    std::fs::write(out.join("plots"), "my notes").unwrap();
    let before = listing();
    for command in ["plot", "report"] {
        let o = bin().args([command, out.to_str().unwrap()]).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{command}: {err}");
        assert!(
            err.contains("refusing to replace") && err.contains("plots"),
            "{command}: {err}"
        );
        assert_eq!(listing(), before, "{command}");
    }
    assert_eq!(std::fs::read_to_string(out.join("plots")).unwrap(), "my notes");
    std::fs::remove_file(out.join("plots")).unwrap();
    std::fs::create_dir(out.join("report.html")).unwrap();
    let before = listing();
    let o = bin().args(["report", out.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("report.html") && err.contains("a folder"), "{err}");
    assert_eq!(listing(), before, "the charts are not redrawn either");
    std::fs::remove_dir(out.join("report.html")).unwrap();

    let o = bin().args(["report", out.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("not drawn: cumulative_net_saving: needs a comparison folder"),
        "{stdout}"
    );
    assert!(out.join("plots/admissions_per_1000.svg").is_file());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Scenario run: baseline"));
}

#[test]
fn plotting_something_that_is_not_a_run_folder_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["plot", dir.path().join("nope").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a placesim run folder: no such folder"));

    // A run folder whose series.csv was damaged by hand: named with its line.
    std::fs::write(dir.path().join("manifest.json"), r#"{"scenarios": [{"name": "x"}]}"#).unwrap();
    std::fs::write(
        dir.path().join("series.csv"),
        "scenario,metric,group,resolution,period,period_start,unit,mean,lo,hi,replicates\nx,a,all,quarter,Q1,2019-04-01,u,lots,1,2,3\n",
    )
    .unwrap();
    let o = bin().args(["report", dir.path().to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("series.csv:2: column `mean`: `lots` is not a number"),
        "{err}"
    );
    assert!(!dir.path().join("report.html").exists() && !dir.path().join("plots").exists());
}
