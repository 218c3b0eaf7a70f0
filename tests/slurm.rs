//! A real Slurm cluster (issue 16): `tools/slurm-submit` sends a small comparison to Slurm as a
//! 4-task job array and a merge job that depends on it (`afterok`), and the merged folder's
//! data files are byte-identical to the same comparison run here. A shard that fails stops the
//! merge, and the script says so with a non-zero exit.
//!
//! Needs `sbatch` and a running cluster: `.ci/run` starts a single-node one from Debian's
//! packages (`.ci/slurm-up`) and sets `PLACESIM_REQUIRE_SLURM=1`, so there a missing cluster is
//! a failure; elsewhere the test says it is skipped and passes.

mod common;

use common::{assert_identical, bin, small_file};
use std::path::Path;
use std::process::Command;

/// Whether a Slurm controller answers with a node that can take jobs (saying so on stderr when
/// the test is skipped).
#[allow(clippy::print_stderr)]
fn cluster() -> bool {
    let up = Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .output()
        .is_ok_and(|o| o.status.success() && !String::from_utf8_lossy(&o.stdout).trim().is_empty());
    if !up && std::env::var("PLACESIM_REQUIRE_SLURM").as_deref() == Ok("1") {
        panic!("PLACESIM_REQUIRE_SLURM=1 but no Slurm cluster answers `sinfo` (start one with `bash .ci/slurm-up`)");
    }
    if !up {
        eprintln!("skipped: no Slurm cluster answers `sinfo` (start one with `bash .ci/slurm-up`)");
    }
    up
}

fn submit(out: &Path, tasks: &str, command: &[&str]) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/slurm-submit");
    Command::new("bash")
        .arg(script)
        .args(["--tasks", tasks, "--wait", "--timeout", "900"])
        .args([
            "--bin",
            env!("CARGO_BIN_EXE_placesim"),
            "--out",
            out.to_str().unwrap(),
            "--",
        ])
        .args(command)
        .output()
        .unwrap()
}

#[test]
fn a_four_task_slurm_array_and_its_merge_job_write_the_local_comparison_byte_for_byte() {
    if !cluster() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let base = small_file(dir.path(), "baseline.toml", 0.01);
    let option = small_file(dir.path(), "life-expansion.toml", 0.01);
    let (base, option) = (base.to_str().unwrap(), option.to_str().unwrap());
    let args = ["--replicates", "4", "--from", "2019"];
    let local = dir.path().join("local");
    let out = bin()
        .args(
            [
                &["compare", base, option][..],
                &args,
                &["-q", "--no-plots", "--out", local.to_str().unwrap()],
            ]
            .concat(),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let merged = dir.path().join("merged");
    let out = submit(
        &merged,
        "4",
        &[&["compare", base, option][..], &args, &["--no-plots"]].concat(),
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(said.contains("4 shards of placesim compare"), "{said}");
    for k in 1..=4 {
        let m: serde_json::Value = serde_json::from_slice(
            &std::fs::read(merged.with_extension("shards").join(format!("shard-{k}/manifest.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            m["shard"],
            serde_json::json!({"index": k, "count": 4}),
            "each task took its shard from Slurm"
        );
    }
    assert_identical(&local, &merged);

    // Every task fails (one replicate is refused by compare): the merge never runs.
    let failed = dir.path().join("failed");
    let out = submit(&failed, "2", &["compare", base, option, "--replicates", "1"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("did not complete"), "{said}");
    assert!(!failed.exists());
}
