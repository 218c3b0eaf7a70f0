//! Records the git commit placesim is built from (`PLACESIM_GIT_HASH`) for run manifests.
//! Never fails the build: without git, or outside a repository, the variable is left unset.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // In a worktree `.git` is a file; ask git where HEAD and the current branch's ref live.
    if let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]) {
        let head = PathBuf::from(head);
        if head.exists() {
            println!("cargo:rerun-if-changed={}", head.display());
        }
        if let Some(refname) = git(&["symbolic-ref", "-q", "HEAD"]) {
            if let Some(path) = git(&["rev-parse", "--git-path", &refname]) {
                if PathBuf::from(&path).exists() {
                    println!("cargo:rerun-if-changed={path}");
                }
            }
        }
    }
    if let Some(hash) = git(&["rev-parse", "HEAD"]) {
        println!("cargo:rustc-env=PLACESIM_GIT_HASH={hash}");
    }
}
