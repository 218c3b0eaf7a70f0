//! Shards and merge (issue 16), end to end through the binary: `run`, `compare` and `psa` split
//! with `--shard K/N` (or from a Slurm array task's environment) and merged with `placesim
//! merge` give the same data files, byte for byte, as the single-machine command; a set with a
//! shard missing, doubled, damaged or from another run is refused with exit code 2, naming
//! the folders, and nothing is written. The real-Slurm run is in `tests/slurm.rs`.

mod common;

use common::{assert_identical, bin, small_file};
use std::path::Path;
use std::process::Output;

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "exit {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn refused(out: Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_run_split_into_three_shards_merges_into_byte_identical_data_files() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.01);
    let single = dir.path().join("single");
    ok(run(&[
        "run",
        s(&base),
        "--replicates",
        "4",
        "-q",
        "--no-plots",
        "--threads",
        "2",
        "--out",
        s(&single),
    ]));
    let mut shards = Vec::new();
    for k in 1..=3 {
        let out = dir.path().join(format!("shard{k}"));
        let shard = format!("{k}/3");
        let printed = ok(run(&[
            "run",
            s(&base),
            "--replicates",
            "4",
            "-q",
            "--threads",
            "1",
            "--shard",
            &shard,
            "--out",
            s(&out),
        ]));
        assert!(String::from_utf8_lossy(&printed.stdout).contains(&format!("shard {k}/3")));
        shards.push(out);
    }
    let merged = dir.path().join("merged");
    // In any order.
    ok(run(&[
        "merge",
        s(&shards[2]),
        s(&shards[0]),
        s(&shards[1]),
        "-q",
        "--no-plots",
        "--out",
        s(&merged),
    ]));
    assert_identical(&single, &merged);
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(merged.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["replicates"], 4);
}

#[test]
fn a_comparison_with_forked_options_merges_byte_identically_with_a_shard_from_a_slurm_array_task() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.01);
    let option = small_file(dir.path(), "life-expansion.toml", 0.01);
    let single = dir.path().join("single");
    let common = ["--replicates", "3", "--from", "2019", "-q"];
    ok(run(&[
        &["compare", s(&base), s(&option)][..],
        &common,
        &["--no-plots", "--out", s(&single)],
    ]
    .concat()));
    let first = dir.path().join("first");
    ok(run(&[
        &["compare", s(&base), s(&option)][..],
        &common,
        &["--shard", "1/2", "--out", s(&first)],
    ]
    .concat()));
    // The second from the environment of task 1 of an array `--array=0-1`.
    let second = dir.path().join("second");
    ok(bin()
        .args(
            [
                &["compare", s(&base), s(&option)][..],
                &common,
                &["--shard", "--out", s(&second)],
            ]
            .concat(),
        )
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_MIN", "0")
        .env("SLURM_ARRAY_TASK_COUNT", "2")
        .output()
        .unwrap());
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(second.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["shard"], serde_json::json!({"index": 2, "count": 2}));
    let merged = dir.path().join("merged");
    ok(run(&[
        "merge",
        s(&first),
        s(&second),
        "-q",
        "--no-plots",
        "--out",
        s(&merged),
    ]));
    assert_identical(&single, &merged);
    assert!(merged.join("comparison.csv").is_file());
}

#[test]
fn a_psa_split_into_shards_merges_byte_identically_with_the_window_each_shard_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.01);
    let option = small_file(dir.path(), "life-expansion.toml", 0.01);
    // No --from: every shard fixes the window from one central replicate, as `psa` does.
    let common = ["--draws", "4", "--replicates", "2", "--sobol", "2", "-q"];
    let single = dir.path().join("single");
    ok(run(&[
        &["psa", s(&base), s(&option)][..],
        &common,
        &["--no-plots", "--out", s(&single)],
    ]
    .concat()));
    let mut shards = Vec::new();
    for k in 1..=4 {
        let out = dir.path().join(format!("shard{k}"));
        let shard = format!("{k}/4");
        ok(run(&[
            &["psa", s(&base), s(&option)][..],
            &common,
            &["--shard", &shard, "--out", s(&out)],
        ]
        .concat()));
        shards.push(out);
    }
    let merged = dir.path().join("merged");
    let mut args = vec!["merge", "-q", "--no-plots", "--out", s(&merged)];
    args.extend(shards.iter().map(|p| s(p)));
    ok(run(&args));
    assert_identical(&single, &merged);
    assert!(merged.join("psa_sobol.csv").is_file());
}

#[test]
fn missing_doubled_damaged_or_mismatched_shards_are_refused_by_name_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.005);
    let shard = |k: u32, n: u32, seed: &str, name: &str| {
        let out = dir.path().join(name);
        let spec = format!("{k}/{n}");
        ok(run(&[
            "run",
            s(&base),
            "--replicates",
            "3",
            "-q",
            "--seed",
            seed,
            "--shard",
            &spec,
            "--out",
            s(&out),
        ]));
        out
    };
    let a = shard(1, 3, "5", "a");
    let b = shard(2, 3, "5", "b");
    let c = shard(3, 3, "5", "c");
    let other_seed = shard(3, 3, "6", "other-seed");
    let out = dir.path().join("merged");
    let merge = |shards: &[&Path]| {
        let mut args = vec!["merge", "-q", "--out", s(&out)];
        args.extend(shards.iter().map(|p| s(p)));
        let err = refused(run(&args));
        assert!(!out.exists(), "nothing is written");
        err
    };
    let err = merge(&[&a, &b]);
    assert!(err.contains("shard 3/3 is missing"), "{err}");
    let err = merge(&[&a, &b, &b, &c]);
    assert!(err.contains("are both shard 2/3"), "{err}");
    let err = merge(&[&a, &b, &other_seed]);
    assert!(
        err.contains("other-seed is from another run") && err.contains("seed is 6"),
        "{err}"
    );
    let damaged = dir.path().join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    for f in ["manifest.json", "tallies.bin"] {
        std::fs::copy(c.join(f), damaged.join(f)).unwrap();
    }
    let mut bytes = std::fs::read(damaged.join("tallies.bin")).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(damaged.join("tallies.bin"), bytes).unwrap();
    let err = merge(&[&a, &b, &damaged]);
    assert!(
        err.contains("damaged is not a usable shard folder") && err.contains("SHA-256"),
        "{err}"
    );
    let err = merge(&[&a, &b, &dir.path().join("nowhere")]);
    assert!(
        err.contains("nowhere is not a usable shard folder: it does not exist"),
        "{err}"
    );
    // A scenario edited after the shards ran: the merge would not reproduce them.
    let text = std::fs::read_to_string(&base).unwrap();
    std::fs::write(&base, format!("{text}\n# edited\n")).unwrap();
    let err = merge(&[&a, &b, &c]);
    assert!(err.contains("has changed since the shards ran"), "{err}");
}

#[test]
fn shard_numbers_outside_the_set_or_missing_from_the_environment_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.005);
    let out = dir.path().join("out");
    for spec in ["0/4", "5/4", "2", "x/y"] {
        let err = refused(run(&["run", s(&base), "-q", "--shard", spec, "--out", s(&out)]));
        assert!(err.contains("--shard"), "{err}");
    }
    let err = refused(
        bin()
            .args(["run", s(&base), "-q", "--shard", "--out", s(&out)])
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX")
            .output()
            .unwrap(),
    );
    assert!(err.contains("SLURM_ARRAY_TASK_ID"), "{err}");
    let err = refused(
        bin()
            .args(["run", s(&base), "-q", "--shard", "--out", s(&out)])
            .env("JOB_COMPLETION_INDEX", "0")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("PLACESIM_SHARD_COUNT")
            .output()
            .unwrap(),
    );
    assert!(err.contains("PLACESIM_SHARD_COUNT"), "{err}");
    assert!(!out.exists());
}
