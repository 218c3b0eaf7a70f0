//! The golden run: the data files of a small fixed run must stay byte for byte what they were.
//!
//! Two scenarios (the baseline and the combined option) at scale 0.03 to March 2022, two
//! replicates, seed 7, are run by the built binary, then compared. The SHA-256 of every data
//! file (`weekly.csv`, `annual.csv`, `summary.csv`, `series.csv`, `comparison.csv`) is checked
//! against `tests/data/golden/SHA256SUMS`, and `summary.csv` is also kept whole so that a change
//! shows as a readable diff.
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

/// The scenario files of the golden run: small versions of shipped scenarios written into `dir`.
fn scenario_files(dir: &Path) -> Vec<PathBuf> {
    vec![
        small_file(dir, "baseline.toml", SCALE),
        small_file(dir, "combined.toml", SCALE),
    ]
}

/// Runs the golden run and returns `(file name, path)` of every data file it checks.
fn golden_run(dir: &Path) -> Vec<(String, PathBuf)> {
    let files = scenario_files(dir);
    let run = dir.join("run");
    let cmp = dir.join("cmp");
    let mut args: Vec<&str> = vec!["run"];
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
        "--out",
        run.to_str().unwrap(),
    ]);
    run_ok(&args);
    let mut args: Vec<&str> = vec!["compare"];
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
        "--out",
        cmp.to_str().unwrap(),
    ]);
    run_ok(&args);
    let mut out: Vec<(String, PathBuf)> = ["weekly.csv", "annual.csv", "summary.csv", "series.csv"]
        .iter()
        .map(|f| ((*f).to_string(), run.join(f)))
        .collect();
    out.push(("comparison.csv".to_string(), cmp.join("comparison.csv")));
    out
}

#[test]
fn a_small_fixed_run_writes_the_golden_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let files = golden_run(dir.path());
    let sums: String = files
        .iter()
        .map(|(name, path)| format!("{}  {name}\n", sha256(path)))
        .collect();
    let summary = std::fs::read_to_string(&files[2].1).unwrap();
    let golden = golden_dir();
    if std::env::var_os("PLACESIM_BLESS").is_some() {
        std::fs::create_dir_all(&golden).unwrap();
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
