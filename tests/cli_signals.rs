//! Ctrl-C (SIGINT) and SIGTERM while `placesim run` is working: the hidden temporary folder is
//! removed, an earlier run folder is left as it was, and the exit status is 130.
#![cfg(unix)]

mod common;

use common::{bin, small_file};
use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Starts a run long enough to be interrupted, waits until its temporary folder exists, sends
/// `signal` with `kill`, and returns the exit status and stderr.
fn interrupt_run(dir: &Path, out: &str, signal: &str, extra: &[&str]) -> (Option<i32>, String) {
    let scenario = small_file(dir, "baseline.toml", 0.2);
    let mut child = bin()
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--replicates",
            "20",
            "--threads",
            "1",
            "--quiet",
        ])
        .args(["--out", out])
        .args(extra)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // A guard against a hang, not a timing assertion: the folder appears once the scenario is
    // loaded, long before this.
    let deadline = Instant::now() + Duration::from_secs(300);
    while !names(dir).iter().any(|n| n.contains(".tmp-")) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "placesim ended before its temporary folder appeared"
        );
        assert!(Instant::now() < deadline, "no temporary folder appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn sigterm_removes_the_temporary_folder_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = interrupt_run(dir.path(), "run", "-TERM", &[]);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(
        names(dir.path()),
        vec!["baseline.toml"],
        "no .tmp- folder, no run folder"
    );
}

#[test]
fn ctrl_c_during_a_forced_run_removes_the_temporary_folder_and_keeps_the_earlier_run() {
    let dir = tempfile::tempdir().unwrap();
    let earlier = dir.path().join("run");
    fs::create_dir(&earlier).unwrap();
    let manifest = r#"{"placesim_version": "0.1.0", "seed": 1}"#;
    fs::write(earlier.join("manifest.json"), manifest).unwrap();
    fs::write(earlier.join("weekly.csv"), "earlier results").unwrap();
    let (code, stderr) = interrupt_run(dir.path(), "run", "-INT", &["--force"]);
    assert_eq!(code, Some(130), "{stderr}");
    assert_eq!(
        names(dir.path()),
        vec!["baseline.toml", "run"],
        "no .tmp- or .old- folder"
    );
    assert_eq!(names(&earlier), vec!["manifest.json", "weekly.csv"]);
    assert_eq!(fs::read_to_string(earlier.join("manifest.json")).unwrap(), manifest);
    assert_eq!(
        fs::read_to_string(earlier.join("weekly.csv")).unwrap(),
        "earlier results"
    );
}
