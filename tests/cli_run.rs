//! End-to-end runs of the binary. These need the real scenario loader, engine and
//! `scenarios/baseline.toml`; they fail until those are merged (by design: nothing here is
//! ignored).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The data files of a run with `--format both`.
const DATA_FILES: [&str; 8] = [
    "weekly.csv",
    "weekly.parquet",
    "annual.csv",
    "annual.parquet",
    "summary.csv",
    "summary.json",
    "series.csv",
    "series.parquet",
];

fn placesim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_placesim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn ok(o: Output) -> Output {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A small scenario extending the shipped baseline: 2% of residents, two financial years.
fn small_scenario(dir: &Path, name: &str) -> PathBuf {
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let path = dir.join(format!("{name}.toml"));
    let text = format!(
        "extends = {:?}\n\n[scenario]\nname = {name:?}\nscale = 0.02\nend = \"2018-03-31\"\n",
        baseline.to_str().expect("utf-8 repository path")
    );
    fs::write(&path, text).unwrap();
    path
}

fn run_small(dir: &Path, out: &str, extra: &[&str]) -> Output {
    let scenario = small_scenario(dir, "small");
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--replicates",
        "2",
        "--quiet",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    placesim(dir, &args)
}

/// The files of the folder `dir`, sorted.
fn files_of(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The files a manifest lists under `outputs`, in order.
fn listed(dir: &Path) -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["file"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn by_default_weekly_and_annual_are_parquet_only_and_the_series_both() {
    let tmp = tempfile::tempdir().unwrap();
    ok(run_small(tmp.path(), "run", &["--no-plots"]));
    let out = tmp.path().join("run");
    let data = [
        "weekly.parquet",
        "annual.parquet",
        "summary.csv",
        "summary.json",
        "series.csv",
        "series.parquet",
    ];
    let mut expected: Vec<String> = data.iter().map(|f| (*f).to_string()).collect();
    expected.extend(["manifest.json", "targets.csv", "targets.json"].map(String::from));
    // The calibration targets of a Croydon run come last.
    assert_eq!(
        listed(&out)[..data.len()],
        data,
        "the manifest lists every data file, in order"
    );
    expected.sort();
    assert_eq!(files_of(&out), expected);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "parquet");
    for f in ["weekly.parquet", "annual.parquet", "series.parquet"] {
        let bytes = fs::read(out.join(f)).unwrap();
        assert!(
            bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
            "{f} is a Parquet file"
        );
    }
}

#[test]
fn format_csv_writes_no_parquet_file() {
    let tmp = tempfile::tempdir().unwrap();
    ok(run_small(tmp.path(), "run", &["--no-plots", "--format", "csv"]));
    let out = tmp.path().join("run");
    assert_eq!(
        listed(&out),
        [
            "weekly.csv",
            "annual.csv",
            "summary.csv",
            "summary.json",
            "series.csv",
            "targets.csv",
            "targets.json"
        ]
    );
    assert!(
        !files_of(&out).iter().any(|f| f.ends_with(".parquet")),
        "{:?}",
        files_of(&out)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "csv");
}

#[test]
fn a_run_in_both_formats_writes_every_table_twice_in_self_describing_files() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ok(run_small(tmp.path(), "run", &["--threads", "2", "--format", "both"]));
    let out = tmp.path().join("run");
    assert_eq!(listed(&out)[..DATA_FILES.len()], DATA_FILES);
    for f in DATA_FILES.iter().chain(&["manifest.json"]) {
        assert!(fs::metadata(out.join(f)).unwrap().len() > 0, "{f} is empty");
    }
    let first_line = |f: &str| {
        fs::read_to_string(out.join(f))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        first_line("weekly.csv"),
        "scenario,replicate,week_start,locality,imd_quintile,age_band,sex,metric,value"
    );
    assert_eq!(
        first_line("annual.csv"),
        "scenario,replicate,financial_year,locality,imd_quintile,age_band,sex,metric,value"
    );
    assert_eq!(
        first_line("summary.csv"),
        "scenario,period,metric,unit,mean,lo,hi,replicates"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["replicates"], 2);
    assert_eq!(manifest["scenarios"][0]["name"], "small");
    assert!(
        manifest["scenarios"][0]["files"]
            .as_array()
            .is_some_and(|f| f.len() >= 2),
        "scenario and its base are listed"
    );
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.contains("small,FY2017/18,population,persons,"), "{summary}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("population") && stdout.contains("outputs:"), "{stdout}");
    let mut names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["run", "small.toml"], "no temp folders left");
}

#[test]
fn the_same_seed_gives_identical_bytes_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    ok(run_small(tmp.path(), "t1", &["--threads", "1", "--format", "both"]));
    ok(run_small(tmp.path(), "t2", &["--threads", "2", "--format", "both"]));
    for f in DATA_FILES {
        let a = fs::read(tmp.path().join("t1").join(f)).unwrap();
        let b = fs::read(tmp.path().join("t2").join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    ok(run_small(
        tmp.path(),
        "other-seed",
        &["--threads", "2", "--seed", "1", "--format", "both"],
    ));
    for f in ["weekly.csv", "weekly.parquet"] {
        let a = fs::read(tmp.path().join("t1").join(f)).unwrap();
        let b = fs::read(tmp.path().join("other-seed").join(f)).unwrap();
        assert!(a != b, "a different seed gives a different {f}");
    }
}

#[test]
fn minimal_detail_writes_a_smaller_annual_table() {
    let tmp = tempfile::tempdir().unwrap();
    ok(run_small(tmp.path(), "std", &["--format", "both"]));
    ok(run_small(
        tmp.path(),
        "min",
        &["--detail", "minimal", "--format", "both"],
    ));
    let size = |d: &str, f: &str| fs::metadata(tmp.path().join(d).join(f)).unwrap().len();
    for f in ["annual.csv", "annual.parquet"] {
        assert!(size("min", f) < size("std", f), "{f}");
    }
    for f in ["weekly.csv", "weekly.parquet"] {
        assert_eq!(
            fs::read(tmp.path().join("min").join(f)).unwrap(),
            fs::read(tmp.path().join("std").join(f)).unwrap(),
            "{f}"
        );
    }
    assert_eq!(
        fs::read(tmp.path().join("min/summary.csv")).unwrap(),
        fs::read(tmp.path().join("std/summary.csv")).unwrap()
    );
}

#[test]
fn an_existing_folder_is_refused_without_force_and_a_run_folder_replaced_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("old.txt"), "old").unwrap();
    // What placesim itself wrote: a manifest with its marker.
    fs::write(out.join("manifest.json"), r#"{"placesim_version": "0.0.1"}"#).unwrap();
    let o = run_small(tmp.path(), "run", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("already exists"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(fs::read_to_string(out.join("old.txt")).unwrap(), "old");
    // A killed run left its unfinished folder beside it (pid above any kernel's pid_max).
    let stale = tmp.path().join(".run.tmp-4294967290");
    fs::create_dir(&stale).unwrap();
    fs::write(stale.join("weekly.csv"), "partial").unwrap();
    let o = ok(run_small(tmp.path(), "run", &["--force"]));
    assert!(!out.join("old.txt").exists());
    assert!(out.join("manifest.json").exists());
    if cfg!(target_os = "linux") {
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("removed unfinished output") && err.contains(".run.tmp-4294967290"),
            "{err}"
        );
        assert!(!stale.exists());
    }
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty() || !cfg!(target_os = "linux"), "{names:?}");
}

/// Every file under `dir` with its bytes, sorted by path.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn force_refuses_a_folder_placesim_did_not_write_and_leaves_every_file_in_it() {
    // The issue's case: --force at a folder with a source file in a subfolder.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("project");
    fs::create_dir_all(out.join("src")).unwrap();
    fs::write(out.join("src/lib.rs"), "pub fn precious() {}\n").unwrap();
    fs::write(out.join("README.md"), "# mine\n").unwrap();
    let before = tree(&out);
    let o = run_small(tmp.path(), "project", &["--force"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("refusing to replace") && err.contains("project") && err.contains("manifest.json"),
        "{err}"
    );
    assert_eq!(tree(&out), before);
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "small.toml")
        .collect();
    assert_eq!(names, vec!["project"], "nothing else created");
}

#[test]
fn an_unwritable_output_folder_is_reported_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("file"), "").unwrap();
    let o = run_small(tmp.path(), "file/run", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cannot write"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn shipped_scenarios_validate_and_duplicate_names_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let o = ok(placesim(tmp.path(), &["validate", baseline.to_str().unwrap()]));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("ok "));
    let a = small_scenario(tmp.path(), "same");
    let o = placesim(
        tmp.path(),
        &[
            "run",
            a.to_str().unwrap(),
            a.to_str().unwrap(),
            "--quiet",
            "--out",
            "dup",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unique"));
    assert!(!tmp.path().join("dup").exists());
}

/// Names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Bytes of every file under `dir`.
fn folder_bytes(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                folder_bytes(&e.path())
            } else {
                e.metadata().unwrap().len()
            }
        })
        .sum()
}

#[test]
fn absurd_thread_counts_are_refused_by_every_command_with_the_limit_and_the_core_count() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = small_scenario(tmp.path(), "small");
    let s = scenario.to_str().unwrap();
    for args in [
        vec!["run", s, "--threads", "100000", "--out", "o"],
        vec!["compare", s, s, "--threads", "1025", "--out", "o"],
        vec!["validate-targets", s, "--threads", "100000", "--out", "o"],
        vec!["calibrate", s, "--threads", "4000", "--calibration-dir", "c"],
    ] {
        let o = placesim(tmp.path(), &args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("--threads") && stderr.contains("at most 1024") && stderr.contains("cores"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(entries(tmp.path()), ["small.toml"]);
}

#[test]
fn a_replicate_count_that_cannot_fit_is_refused_with_the_estimate_before_anything_is_allocated_or_written() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = small_scenario(tmp.path(), "small");
    // 4294967295 replicates once asked for 68 GB for the job list and aborted.
    let o = placesim(
        tmp.path(),
        &[
            "run",
            scenario.to_str().unwrap(),
            "--replicates",
            "4294967295",
            "--out",
            "big",
        ],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    for needle in [
        "--replicates 4294967295",
        "limit of 100000",
        "of memory",
        "of files",
        "agent-weeks",
        "fewer replicates",
    ] {
        assert!(stderr.contains(needle), "missing {needle:?} in {stderr}");
    }
    assert_eq!(entries(tmp.path()), ["small.toml"], "nothing is written");
}

#[test]
fn the_output_size_estimate_is_within_a_factor_of_two_of_what_a_small_run_writes() {
    let tmp = tempfile::tempdir().unwrap();
    // Both formats, so that the tables rather than the fixed allowance for charts dominate.
    ok(run_small(tmp.path(), "run", &["--format", "both"]));
    let written = folder_bytes(&tmp.path().join("run"));
    let scenario = placesim::scenario::load_scenario(&tmp.path().join("small.toml")).unwrap();
    let request = placesim::runner::RunRequest {
        scenarios: vec![scenario],
        replicates: 2,
        seed: 1,
        threads: 0,
    };
    let estimate = placesim::runner::prepare(&request)
        .unwrap()
        .estimate(placesim::output::size::Files::Run(
            placesim::output::Detail::Standard,
            placesim::output::Format::Both,
        ));
    let ratio = estimate.output_bytes as f64 / written as f64;
    assert!(
        (0.5..=2.0).contains(&ratio),
        "estimated {} bytes, wrote {written}",
        estimate.output_bytes
    );
}
