//! Helpers shared by the integration tests.
#![allow(dead_code)]

use placesim::calendar::Date;
use placesim::scenario::{load_scenario, Scenario};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A shipped scenario at a small scale and a short horizon, for fast tests.
pub fn small(file: &str, scale: f64, end: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let mut s = load_scenario(&path).unwrap_or_else(|e| panic!("{e}"));
    s.scale = scale;
    s.end = Date::parse(end).expect("valid date");
    s
}

/// Mean and standard error of the mean.
pub fn mean_se(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (v / n).sqrt())
}

/// The built `placesim` binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_placesim"))
}

/// `placesim believe scenarios/baseline.toml --claims CLAIMS --quiet --out OUT`, from the
/// repository root.
pub fn believe_cli(claims: &Path, out: &Path) -> std::process::Output {
    bin()
        .args([
            "believe",
            "scenarios/baseline.toml",
            "--claims",
            claims.to_str().unwrap(),
        ])
        .args(["--quiet", "--out", out.to_str().unwrap()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// A scenario file in `dir` that extends the shipped `file` at `scale`, ending March 2022, for
/// fast runs of the binary. It keeps the shipped file's name.
pub fn small_file(dir: &Path, file: &str, scale: f64) -> PathBuf {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let path = dir.join(file);
    let name = file.trim_end_matches(".toml");
    std::fs::write(
        &path,
        format!(
            "extends = {:?}\n\n[scenario]\nname = \"{name}\"\nscale = {scale}\nend = \"2022-03-31\"\n",
            shipped.display().to_string()
        ),
    )
    .unwrap();
    path
}

/// The data files of a folder (everything at its top level but the manifest, which records
/// times and threads, and the report, drawn from the data files).
pub fn data_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| {
            !matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("manifest.json" | "report.html")
            )
        })
        .collect();
    files.sort();
    files
}

/// Every data file of `single` is in `merged` with the same bytes, and no other.
pub fn assert_identical(single: &Path, merged: &Path) {
    let names = |d: &Path| -> Vec<String> {
        data_files(d)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names(single), names(merged));
    assert!(names(single).len() >= 4, "{:?}", names(single));
    for f in data_files(single) {
        let name = f.file_name().unwrap();
        assert!(
            std::fs::read(&f).unwrap() == std::fs::read(merged.join(name)).unwrap(),
            "{} differs",
            name.to_string_lossy()
        );
    }
}
