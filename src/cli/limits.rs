//! What this machine has room for, read before a run: the memory available (Linux:
//! `MemAvailable` in /proc/meminfo) and the free space where the output folder will be. A
//! request whose estimate does not fit is refused (exit 2) before anything is allocated or
//! written; where a limit cannot be read, nothing is refused on it.

use placesim::output::size::Files;
use placesim::runner::{available_cores, Limits, Prepared, MAX_THREADS};
use std::path::{Path, PathBuf};

/// Parses `--threads`: a count from 0 (one per core) to [`MAX_THREADS`].
pub(super) fn threads_arg(text: &str) -> Result<usize, String> {
    let n: usize = text
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of threads (0 = one per core)"))?;
    if n > MAX_THREADS {
        return Err(format!(
            "at most {MAX_THREADS} threads (0 = one per core; this machine has {} cores, and more \
             threads than cores do not make a run faster)",
            available_cores()
        ));
    }
    Ok(n)
}

/// Bytes of memory available to a new process, from /proc/meminfo (`None` elsewhere).
fn memory_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// The nearest existing folder at or above where `out` will be written (its files are written
/// in a sibling of `out` and renamed into place), and the bytes free there.
fn disk_available(out: &Path) -> Option<(PathBuf, u64)> {
    let out = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(out)
    };
    let folder = out.ancestors().skip(1).find(|a| a.is_dir())?.to_path_buf();
    #[cfg(any(unix, windows))]
    {
        let free = fs4::available_space(&folder).ok()?;
        Some((folder, free))
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = folder;
        None
    }
}

/// Refuses (exit 2, with the estimate) a prepared run that cannot fit in memory or whose
/// `files` cannot fit on the disk at `out`, or that asks for more replicates than allowed.
pub(super) fn check(prepared: &Prepared<'_>, files: Files, out: &Path) -> anyhow::Result<()> {
    let limits = Limits {
        memory_available: memory_available(),
        disk_available: disk_available(out),
    };
    prepared.estimate(files).check(&limits)?;
    Ok(())
}
