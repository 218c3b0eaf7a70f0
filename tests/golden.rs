//! The golden runs: the data files of small fixed runs must stay byte for byte what they were.
//!
//! Two scenarios (the baseline and the combined option) at scale 0.03 to March 2022, two
//! replicates, seed 7, are run by the built binary with `--format both`, then compared. The
//! SHA-256 of every data file (`weekly`, `annual`, `series` and `comparison` as CSV and Parquet,
//! and `summary.csv`) is checked against `tests/data/golden/SHA256SUMS`, so the Parquet files
//! are pinned byte for byte too (a new version of the parquet crate may change them: bless them
//! on purpose), and `summary.csv` is also kept whole so that a change shows as a readable diff. A second golden run (baseline and the falls-prevention example, a
//! scenario-declared service) is kept in `tests/data/golden/declared/`.
//!
//! A change that must alter the results refreshes the golden files on purpose, in the same
//! commit, saying why: `PLACESIM_BLESS=1 cargo test --release --test golden`.

mod common;

use common::{bin, small_file};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const SEED: &str = "7";
const SCALE: f64 = 0.03;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden")
}

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn run_ok(args: &[&str]) {
    let o = bin().args(args).output().unwrap();
    assert!(
        o.status.success(),
        "placesim {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Runs a golden run of small versions of the shipped `scenarios` (written into `dir`) and
/// returns `(file name, path)` of every data file it checks.
fn golden_run(dir: &Path, scenarios: &[&str]) -> Vec<(String, PathBuf)> {
    let files: Vec<PathBuf> = scenarios.iter().map(|f| small_file(dir, f, SCALE)).collect();
    let run = dir.join("run");
    let cmp = dir.join("cmp");
    for (command, out) in [("run", &run), ("compare", &cmp)] {
        let mut args: Vec<&str> = vec![command];
        args.extend(files.iter().map(|p| p.to_str().unwrap()));
        args.extend([
            "--seed",
            SEED,
            "--replicates",
            "2",
            "--threads",
            "2",
            "--no-plots",
            "--quiet",
            "--format",
            "both",
            "--out",
            out.to_str().unwrap(),
        ]);
        run_ok(&args);
    }
    let mut out: Vec<(String, PathBuf)> = [
        "weekly.csv",
        "weekly.parquet",
        "annual.csv",
        "annual.parquet",
        "summary.csv",
        "series.csv",
        "series.parquet",
    ]
    .iter()
    .map(|f| ((*f).to_string(), run.join(f)))
    .collect();
    for f in ["comparison.csv", "comparison.parquet"] {
        out.push((f.to_string(), cmp.join(f)));
    }
    out
}

#[test]
fn a_small_fixed_run_writes_the_golden_bytes() {
    check(&golden_dir(), &["baseline.toml", "combined.toml"]);
}

/// The same for a run with a scenario-declared service (the falls-prevention example), so its
/// results are guarded too (`tests/data/golden/declared/`).
#[test]
fn a_small_fixed_run_with_a_declared_service_writes_the_golden_bytes() {
    check(
        &golden_dir().join("declared"),
        &["baseline.toml", "falls-prevention.toml"],
    );
}

/// Runs the golden run of `scenarios` and checks (or, with `PLACESIM_BLESS`, writes) the golden
/// files in `golden`.
fn check(golden: &Path, scenarios: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let files = golden_run(dir.path(), scenarios);
    let sums: String = files
        .iter()
        .map(|(name, path)| format!("{}  {name}\n", sha256(path)))
        .collect();
    let summary_path = &files
        .iter()
        .find(|(name, _)| name == "summary.csv")
        .expect("summary.csv")
        .1;
    let summary = std::fs::read_to_string(summary_path).unwrap();
    if std::env::var_os("PLACESIM_BLESS").is_some() {
        std::fs::create_dir_all(golden).unwrap();
        std::fs::write(golden.join("SHA256SUMS"), &sums).unwrap();
        std::fs::write(golden.join("summary.csv"), &summary).unwrap();
        return;
    }
    let want_summary = std::fs::read_to_string(golden.join("summary.csv")).expect("golden summary.csv");
    if summary != want_summary {
        let first = summary
            .lines()
            .zip(want_summary.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(summary.lines().count().min(want_summary.lines().count()));
        panic!(
            "summary.csv differs from the golden one from line {}:\n  now:    {}\n  golden: {}",
            first + 1,
            summary.lines().nth(first).unwrap_or("<end>"),
            want_summary.lines().nth(first).unwrap_or("<end>")
        );
    }
    let want = std::fs::read_to_string(golden.join("SHA256SUMS")).expect("golden SHA256SUMS");
    assert_eq!(
        sums, want,
        "the golden run's data files changed; if that is on purpose, refresh them with \
         PLACESIM_BLESS=1 cargo test --release --test golden and say why in the commit"
    );
}
