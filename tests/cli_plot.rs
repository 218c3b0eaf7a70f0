//! `placesim plot` and `placesim report` against the built binary, and the charts and report
//! that `compare` and `run` write unless `--no-plots`.

mod common;

use common::{bin, small_file};
use std::path::Path;

fn svg_parses(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

const COMPARE_CHARTS: [&str; 14] = [
    "admissions_per_1000",
    "admissions_per_1000_by_locality",
    "admissions_per_1000_by_deprivation",
    "inequality_by_deprivation",
    "inequality_sii_over_time",
    "costs_by_category",
    "cumulative_net_saving",
    "return_per_pound",
    "claim_to_model_bridge",
    "service_flows",
    "waiting_lists",
    "service_occupancy",
    "waiting_times",
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
    assert!(stdout.contains("14 charts"), "{stdout}");
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

    // A hand-made folder whose manifest matches its files, but whose series.csv holds a value
    // placesim never writes: named with its line.
    std::fs::write(
        dir.path().join("series.csv"),
        "scenario,metric,group,resolution,period,period_start,unit,mean,lo,hi,replicates\nx,a,all,quarter,Q1,2019-04-01,u,lots,1,2,3\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("summary.csv"),
        "scenario,period,metric,unit,mean,lo,hi,replicates\nx,total,deaths,deaths,1.00,1.00,1.00,3\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("manifest.json"),
        r#"{"scenarios": [{"name": "x"}], "outputs": []}"#,
    )
    .unwrap();
    reseal(dir.path(), "series.csv");
    reseal(dir.path(), "summary.csv");
    let o = bin().args(["report", dir.path().to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("series.csv:2: column `mean`: `lots` is not a number"),
        "{err}"
    );
    assert!(!dir.path().join("report.html").exists() && !dir.path().join("plots").exists());
}

/// Records `file`'s current SHA-256 and size in the folder's manifest (adding it to `outputs`
/// when unlisted), as someone editing the manifest to match a changed file would.
fn reseal(dir: &Path, file: &str) {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(dir.join(file)).unwrap();
    let entry =
        serde_json::json!({"file": file, "sha256": format!("{:x}", Sha256::digest(&bytes)), "bytes": bytes.len()});
    let path = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let outputs = m["outputs"].as_array_mut().unwrap();
    match outputs.iter_mut().find(|o| o["file"] == file) {
        Some(o) => *o = entry,
        None => outputs.push(entry),
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn edit(dir: &Path, file: &str, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    std::fs::write(dir.join(file), f(text)).unwrap();
}

#[test]
fn damaged_run_folders_are_refused_naming_the_file_and_nothing_is_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.02);
    let run = dir.path().join("run");
    let o = bin()
        .args([
            "run",
            base.to_str().unwrap(),
            "--replicates",
            "2",
            "--quiet",
            "--no-plots",
        ])
        .args(["--detail", "minimal", "--out", run.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The manifest is written last and lists every data file, the calibration table included.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("manifest.json")).unwrap()).unwrap();
    let listed: Vec<&str> = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [
            "weekly.parquet",
            "annual.parquet",
            "summary.csv",
            "summary.json",
            "series.csv",
            "series.parquet",
            "targets.csv",
            "targets.json"
        ]
    );

    type Damage = fn(&Path);
    let cases: [(&str, Damage, &str); 7] = [
        (
            "series.csv cut at a line boundary",
            |d| {
                edit(d, "series.csv", |t| {
                    t[..t[..t.len() - 1].rfind('\n').unwrap() + 1].to_string()
                })
            },
            "series.csv: cut short: ",
        ),
        (
            "one value of series.csv edited, same length",
            |d| {
                edit(d, "series.csv", |t| {
                    let at = t.rfind(",0.").or_else(|| t.rfind(",1")).unwrap() + 1;
                    let digit = if &t[at..=at] == "9" { "8" } else { "9" };
                    format!("{}{digit}{}", &t[..at], &t[at + 1..])
                })
            },
            "series.csv: changed since placesim wrote it",
        ),
        (
            "series.csv with its header only, manifest edited to match",
            |d| {
                edit(d, "series.csv", |t| format!("{}\n", t.lines().next().unwrap()));
                reseal(d, "series.csv");
            },
            "series.csv: has no data rows",
        ),
        (
            "series.csv without its lo column, manifest edited to match",
            |d| {
                edit(d, "series.csv", |t| {
                    t.lines()
                        .map(|l| {
                            // lo is the third field from the end, and no field after it is quoted.
                            let mut f: Vec<&str> = l.rsplitn(4, ',').collect();
                            f.remove(2);
                            f.reverse();
                            f.join(",") + "\n"
                        })
                        .collect()
                });
                reseal(d, "series.csv");
            },
            "series.csv:1: the header has no `lo` column",
        ),
        (
            "a listed file removed",
            |d| std::fs::remove_file(d.join("weekly.parquet")).unwrap(),
            "weekly.parquet: missing: manifest.json lists it",
        ),
        (
            "targets.csv edited",
            |d| {
                edit(d, "targets.csv", |t| {
                    t.replacen(",TRUE,", ",True,", 1).replacen(",FALSE,", ",False,", 1)
                })
            },
            "targets.csv: changed since placesim wrote it",
        ),
        (
            "a summary.csv added to a folder whose manifest does not list it",
            |d| {
                let path = d.join("manifest.json");
                let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                m["outputs"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|o| o["file"] != "summary.csv");
                std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
            },
            "summary.csv: not listed in manifest.json's `outputs`",
        ),
    ];
    for (i, (what, damage, expected)) in cases.into_iter().enumerate() {
        let case = dir.path().join(format!("case{i}"));
        copy_folder(&run, &case);
        damage(&case);
        for command in ["plot", "report"] {
            let o = bin().args([command, case.to_str().unwrap()]).output().unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{what}: {command}: {err}");
            assert!(err.contains(expected), "{what}: {command}: {err}");
            assert!(!err.contains(":0:") && !err.contains("line 0"), "{what}: {err}");
            assert!(
                !case.join("plots").exists() && !case.join("report.html").exists(),
                "{what}: {command} drew from a damaged folder"
            );
        }
    }
    // The undamaged folder still draws.
    let o = bin().args(["plot", run.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
