//! The run folder: prepared before the simulation (so a bad `--out` fails fast), filled in a
//! hidden temporary sibling, and renamed into place only when every file is written.
//!
//! Three rules keep a user's files safe:
//! * `--force` replaces only a folder placesim wrote itself: one holding a `manifest.json` with
//!   placesim's marker (`placesim_version`). Anything else is refused (checked when the folder is
//!   prepared and again at commit) and left untouched.
//! * Every temporary file and folder is registered while it is unfinished, so an interrupt
//!   ([`remove_unfinished`], called by the CLI's Ctrl-C/SIGTERM handler) removes them all, and
//!   the final renames happen under the same lock, so an interrupt never lands half-way through
//!   a `--force` swap.
//! * Leftovers of a killed process (`.<name>.tmp-<pid>`, `.<name>.old-<pid>` whose process is
//!   gone) are cleaned up by the next run into the same parent folder ([`clean_leftovers`]).

use super::WrittenFile;
use crate::error::OutputError;
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Temporary files and folders of this process that are not finished yet.
#[derive(Debug)]
pub(crate) struct Unfinished {
    /// Set by [`remove_unfinished`]: no new temporary path may be created, nothing committed.
    interrupted: bool,
    /// Registered paths, in creation order.
    paths: Vec<PathBuf>,
}

static UNFINISHED: Mutex<Unfinished> = Mutex::new(Unfinished {
    interrupted: false,
    paths: Vec::new(),
});

/// The registry, locked. A panic elsewhere while holding it leaves it usable.
fn unfinished() -> MutexGuard<'static, Unfinished> {
    UNFINISHED.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Unfinished {
    /// Whether `path` is a temporary path of this process still being written.
    fn holds(&self, path: &Path) -> bool {
        self.paths.iter().any(|p| p == path)
    }

    /// Stops tracking `path` (it was renamed into place or removed).
    pub(crate) fn forget(&mut self, path: &Path) {
        self.paths.retain(|p| p != path);
    }

    /// Refuses anything new from now on and removes every registered path, newest first.
    fn remove_all(&mut self) -> Vec<PathBuf> {
        self.interrupted = true;
        let mut removed = Vec::new();
        while let Some(path) = self.paths.pop() {
            if remove_path(&path) {
                removed.push(path);
            }
        }
        removed
    }
}

/// Removes a file or a folder (not following links); true when something was removed.
fn remove_path(path: &Path) -> bool {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            // Another thread may still be creating a file inside; a second pass catches it,
            // and once the folder is gone nothing can be created in it.
            (0..5).any(|_| fs::remove_dir_all(path).is_ok() || !path.exists())
        }
        Ok(_) => fs::remove_file(path).is_ok(),
        Err(_) => false,
    }
}

/// Removes every temporary file and folder this process has not finished (an interrupted run's
/// `.<name>.tmp-<pid>` folder, the plots' temporary folder, a half-written report) and makes
/// every later attempt to create or commit one fail with [`OutputError::Interrupted`]. Returns
/// what was removed. Earlier runs are never touched: a `--force` swap holds the same lock, so
/// this waits for it to finish or runs before it starts.
///
/// Meant for a Ctrl-C/SIGTERM handler, which then ends the process.
pub fn remove_unfinished() -> Vec<PathBuf> {
    unfinished().remove_all()
}

/// True once [`remove_unfinished`] has run (the process is being interrupted).
pub fn interrupted() -> bool {
    unfinished().interrupted
}

/// Creates the temporary folder `path` and registers it (removed on interrupt).
pub(crate) fn create_temp_dir(path: &Path) -> Result<(), OutputError> {
    let mut reg = unfinished();
    if reg.interrupted {
        return Err(OutputError::Interrupted(path.to_path_buf()));
    }
    fs::create_dir(path).map_err(|source| OutputError::Unwritable {
        path: path.to_path_buf(),
        source,
    })?;
    reg.paths.push(path.to_path_buf());
    Ok(())
}

/// Creates (or truncates) the temporary file `path` and registers it (removed on interrupt).
pub(crate) fn create_temp_file(path: &Path) -> Result<File, OutputError> {
    let mut reg = unfinished();
    if reg.interrupted {
        return Err(OutputError::Interrupted(path.to_path_buf()));
    }
    let file = File::create(path).map_err(|source| OutputError::Unwritable {
        path: path.to_path_buf(),
        source,
    })?;
    reg.paths.push(path.to_path_buf());
    Ok(file)
}

/// Removes a registered temporary path (after a failure) and stops tracking it.
pub(crate) fn discard(path: &Path) {
    let mut reg = unfinished();
    if reg.holds(path) {
        remove_path(path);
        reg.forget(path);
    }
}

/// Runs `finish` (the renames that put finished output in place) under the registry's lock,
/// so an interrupt cannot fall between them; fails with [`OutputError::Interrupted`] instead
/// when the process is already being interrupted.
pub(crate) fn finishing<T>(
    target: &Path,
    finish: impl FnOnce(&mut Unfinished) -> Result<T, OutputError>,
) -> Result<T, OutputError> {
    let mut reg = unfinished();
    if reg.interrupted {
        return Err(OutputError::Interrupted(target.to_path_buf()));
    }
    finish(&mut reg)
}

/// Largest `manifest.json` read when deciding whether a folder is a placesim run folder.
const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// Why the folder at `path` is not a placesim run folder, or `Ok` when it is one: it holds a
/// regular file `manifest.json` that parses as a JSON object carrying placesim's marker,
/// `placesim_version` (a string).
pub fn check_run_folder(path: &Path) -> Result<(), String> {
    let manifest = path.join("manifest.json");
    match fs::symlink_metadata(&manifest) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Err("its manifest.json is not a regular file".into()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err("it has no manifest.json, so placesim did not write it".into())
        }
        Err(e) => return Err(format!("its manifest.json cannot be read ({e})")),
    }
    let mut bytes = Vec::new();
    File::open(&manifest)
        .and_then(|f| f.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("its manifest.json cannot be read ({e})"))?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err("its manifest.json is far larger than any placesim writes".into());
    }
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("its manifest.json is not valid JSON ({e})"))?;
    match value.get("placesim_version") {
        Some(serde_json::Value::String(_)) => Ok(()),
        _ => Err("its manifest.json was not written by placesim (no `placesim_version`)".into()),
    }
}

/// What is at an output folder's path, when placesim may write there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Nothing.
    Missing,
    /// An empty folder.
    Empty,
    /// A placesim run folder (only with `force`).
    RunFolder,
}

/// Whether the output folder `path` may be written (with or without `force`), and what is there.
fn check_target(path: &Path, force: bool) -> Result<Target, OutputError> {
    let refuse = |reason: String| OutputError::NotReplaceable {
        path: path.to_path_buf(),
        reason: format!("{reason}; choose another --out or move it away"),
    };
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let empty = fs::read_dir(path)
                .map_err(|source| OutputError::Unwritable {
                    path: path.to_path_buf(),
                    source,
                })?
                .next()
                .is_none();
            if empty {
                Ok(Target::Empty)
            } else if !force {
                Err(OutputError::Exists(path.to_path_buf()))
            } else {
                check_run_folder(path).map_err(|why| {
                    OutputError::NotReplaceable {
                        path: path.to_path_buf(),
                        reason: format!(
                            "{why}; --force replaces only a run folder that placesim wrote (one with placesim's manifest.json), so choose another --out or move it away"
                        ),
                    }
                })?;
                Ok(Target::RunFolder)
            }
        }
        Ok(meta) if meta.file_type().is_symlink() => Err(refuse(
            "it is a symbolic link, not a run folder (placesim neither follows nor replaces links)".into(),
        )),
        Ok(_) => Err(refuse("it is a file, not a folder".into())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Target::Missing),
        Err(source) => Err(OutputError::Unwritable {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// A run folder being written. Files go into a hidden temporary sibling
/// (`.<name>.tmp-<pid>`); [`OutDir::commit`] renames it into place. Dropping an uncommitted
/// `OutDir` removes the temporary folder, so a failed run leaves nothing behind and never
/// touches an earlier run.
#[derive(Debug)]
pub struct OutDir {
    target: PathBuf,
    temp: PathBuf,
    force: bool,
    committed: bool,
    cleaned: Vec<Cleaned>,
}

/// Checks that `path` can become a run folder and creates its temporary sibling, after
/// cleaning up what killed processes left in the parent folder ([`clean_leftovers`]; see
/// [`OutDir::cleaned`]).
///
/// Fails with [`OutputError::Exists`] when `path` is a non-empty folder and `force` is false;
/// with [`OutputError::NotReplaceable`] when something is at `path` that placesim may not
/// replace (a file, a link, or, with `force`, a non-empty folder that is not a placesim run
/// folder); and with [`OutputError::Unwritable`] when the parent cannot be created or written.
/// Nothing at `path` is touched in any case.
pub fn prepare_out_dir(path: &Path, force: bool) -> Result<OutDir, OutputError> {
    let unwritable = |source: io::Error| OutputError::Unwritable {
        path: path.to_path_buf(),
        source,
    };
    let name = path.file_name().filter(|n| *n != "." && *n != "..").ok_or_else(|| {
        unwritable(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the output path must end in a folder name",
        ))
    })?;
    // Empty for a bare name: the current folder, and paths stay as the user wrote them.
    let parent = path.parent().unwrap_or(Path::new(""));
    // First put back an earlier run a killed `--force` swap had set aside, so the checks
    // below see what the user last had.
    let cleaned = clean_leftovers(parent);
    check_target(path, force)?;
    if !parent.as_os_str().is_empty() {
        fs::create_dir_all(parent).map_err(unwritable)?;
    }
    let temp = parent.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    if unfinished().holds(&temp) {
        return Err(unwritable(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "this process is already writing a run folder there",
        )));
    }
    create_temp_dir(&temp)?;
    Ok(OutDir {
        target: path.to_path_buf(),
        temp,
        force,
        committed: false,
        cleaned,
    })
}

impl OutDir {
    /// Where the run folder will be once committed.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// The temporary folder files are written into until [`OutDir::commit`].
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// What [`prepare_out_dir`] cleaned up (or left and reported) in the parent folder:
    /// leftovers of processes that are no longer running.
    pub fn cleaned(&self) -> &[Cleaned] {
        &self.cleaned
    }

    /// Writes the file `name` into the temporary folder through a buffered writer, then
    /// flushes and syncs it. Returns the file's SHA-256 (lowercase hex) and size in bytes. The
    /// writer handed to `fill` is `Send` (the Parquet writer needs one); it coerces to a plain
    /// `&mut dyn Write`.
    pub fn write_file<F>(&self, name: &str, fill: F) -> Result<(String, u64), OutputError>
    where
        F: FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
    {
        let fail = |source: io::Error| OutputError::Write {
            path: self.target.join(name),
            source,
        };
        let file = File::create(self.temp.join(name)).map_err(fail)?;
        let mut w = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
        fill(&mut w).map_err(fail)?;
        w.flush().map_err(fail)?;
        let (buffered, sha256, bytes) = w.finish();
        let file = buffered.into_inner().map_err(|e| fail(e.into_error()))?;
        file.sync_all().map_err(fail)?;
        Ok((sha256, bytes))
    }

    /// Writes the data file `name` as [`OutDir::write_file`] does and returns it as a
    /// [`WrittenFile`], for the manifest's `outputs`.
    pub fn write_data_file<F>(&self, name: &str, fill: F) -> Result<WrittenFile, OutputError>
    where
        F: FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
    {
        let (sha256, bytes) = self.write_file(name, fill)?;
        Ok(WrittenFile {
            name: name.to_string(),
            sha256,
            bytes,
        })
    }

    /// Renames the temporary folder into place and returns the final path. With `force`, an
    /// existing folder is checked again (it must still be a placesim run folder), renamed aside
    /// (`.<name>.old-<pid>`), the new one renamed in, and the old one removed; if the swap fails
    /// the old folder is put back. An interrupt waits for the swap or prevents it.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let target = self.target.clone();
        let temp = self.temp.clone();
        let force = self.force;
        let unwritable = |source: io::Error| OutputError::Unwritable {
            path: target.clone(),
            source,
        };
        finishing(&target, |reg| {
            let mut aside = None;
            match check_target(&target, force)? {
                Target::Missing => {}
                Target::Empty => fs::remove_dir(&target).map_err(unwritable)?,
                Target::RunFolder => {
                    let name = target
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let old = temp.with_file_name(format!(".{name}.old-{}", std::process::id()));
                    fs::rename(&target, &old).map_err(unwritable)?;
                    aside = Some(old);
                }
            }
            if let Err(e) = fs::rename(&temp, &target) {
                if let Some(old) = &aside {
                    // Put the earlier run back where it was.
                    let _ = fs::rename(old, &target);
                }
                return Err(unwritable(e));
            }
            reg.forget(&temp);
            self.committed = true;
            if let Some(old) = aside {
                fs::remove_dir_all(&old).map_err(|source| OutputError::Unwritable { path: old, source })?;
            }
            Ok(())
        })?;
        if let Some(parent) = self.target.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Make the rename durable where the platform allows syncing a folder.
            if let Ok(dir) = File::open(parent) {
                let _ = dir.sync_all();
            }
        }
        Ok(self.target.clone())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if !self.committed {
            discard(&self.temp);
        }
    }
}

/// One leftover of a process that is no longer running, and what was done about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cleaned {
    /// An unfinished temporary folder or file (`.<name>.tmp-<pid>`) was removed.
    Removed {
        /// The leftover.
        path: PathBuf,
        /// The process that left it.
        pid: u32,
    },
    /// An earlier run set aside during a `--force` swap (`.<name>.old-<pid>`) whose process died
    /// before the new run was in place was put back.
    Restored {
        /// Where it was set aside.
        from: PathBuf,
        /// Where it is again.
        to: PathBuf,
        /// The process that set it aside.
        pid: u32,
    },
    /// An earlier run set aside during a `--force` swap that did complete was removed (the new
    /// run is in its place).
    RemovedOld {
        /// The leftover.
        path: PathBuf,
        /// The process that set it aside.
        pid: u32,
    },
    /// A leftover that was not touched: whether its process still runs cannot be known here,
    /// or removing it failed.
    Left {
        /// The leftover.
        path: PathBuf,
        /// The process named in it.
        pid: u32,
        /// Why it was left.
        reason: String,
    },
}

impl fmt::Display for Cleaned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cleaned::Removed { path, pid } => {
                write!(f, "removed unfinished output {} left by process {pid}", path.display())
            }
            Cleaned::Restored { from, to, pid } => write!(
                f,
                "restored the earlier run {} from {} (process {pid} stopped during a --force swap)",
                to.display(),
                from.display()
            ),
            Cleaned::RemovedOld { path, pid } => write!(
                f,
                "removed {}, an earlier run process {pid} had already replaced",
                path.display()
            ),
            Cleaned::Left { path, pid, reason } => {
                write!(f, "left {} (process {pid}) in place: {reason}", path.display())
            }
        }
    }
}

/// Which kind of leftover a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leftover {
    /// `.<name>.tmp-<pid>`: unfinished output.
    Temp,
    /// `.<name>.old-<pid>`: an earlier run set aside during a `--force` swap.
    Old,
}

/// Parses `.<stem>.tmp-<pid>` or `.<stem>.old-<pid>` exactly (a non-empty stem, a pid of
/// decimal digits only); anything else is not a leftover.
fn parse_leftover(name: &str) -> Option<(Leftover, &str, u32)> {
    let rest = name.strip_prefix('.')?;
    for (marker, kind) in [(".tmp-", Leftover::Temp), (".old-", Leftover::Old)] {
        if let Some(i) = rest.rfind(marker) {
            let (stem, digits) = (&rest[..i], &rest[i + marker.len()..]);
            if !stem.is_empty() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(pid) = digits.parse::<u32>() {
                    return Some((kind, stem, pid));
                }
            }
        }
    }
    None
}

/// Whether process `pid` is running: `Some` where the system says (Linux's `/proc`), `None`
/// where it cannot be known.
fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    Some(proc.join(pid.to_string()).exists())
}

/// Cleans up what killed placesim processes left in `parent`: a `.<name>.tmp-<pid>` folder or
/// file whose process is gone is removed; a `.<name>.old-<pid>` folder (an earlier run set
/// aside during a `--force` swap) whose process is gone is put back at `<name>` when nothing is
/// there, and removed otherwise. Entries of a running process (this one included, for paths it
/// is still writing) are never touched, nor is anything whose name does not match exactly;
/// where it cannot be known whether the process runs, the leftover is reported, not removed.
/// Returns one item per leftover acted on or left.
///
/// An empty `parent` means the current folder; the paths reported are `parent` joined with
/// each name, as the temporary paths of [`prepare_out_dir`] are.
pub fn clean_leftovers(parent: &Path) -> Vec<Cleaned> {
    let listing = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let Ok(entries) = fs::read_dir(listing) else {
        return Vec::new();
    };
    let mut found: Vec<(PathBuf, Leftover, String, u32)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name();
            let (kind, stem, pid) = parse_leftover(name.to_str()?)?;
            Some((parent.join(&name), kind, stem.to_string(), pid))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    // Hold the registry so this process's own swaps and temporary paths cannot change meanwhile.
    let reg = unfinished();
    let own = std::process::id();
    let mut cleaned = Vec::new();
    for (path, kind, stem, pid) in found {
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let is_dir = meta.is_dir();
        if meta.file_type().is_symlink() || (kind == Leftover::Old && !is_dir) {
            // placesim never makes these: not its leftover.
            continue;
        }
        let dead = if pid == own {
            // Ours only while registered; otherwise an earlier process with the same pid.
            Some(!reg.holds(&path))
        } else {
            process_alive(pid).map(|alive| !alive)
        };
        match dead {
            Some(false) => continue,
            None => {
                cleaned.push(Cleaned::Left {
                    path,
                    pid,
                    reason: "cannot tell on this system whether that process is still running; remove it by hand if it is not".into(),
                });
                continue;
            }
            Some(true) => {}
        }
        let failed = |path: PathBuf, e: io::Error| Cleaned::Left {
            path,
            pid,
            reason: format!("could not clean it up: {e}"),
        };
        let item = match kind {
            Leftover::Temp => {
                let removed = if is_dir {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
                match removed {
                    Ok(()) => Cleaned::Removed { path, pid },
                    Err(e) => failed(path, e),
                }
            }
            Leftover::Old => {
                let to = parent.join(&stem);
                match fs::symlink_metadata(&to) {
                    Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::rename(&path, &to) {
                        Ok(()) => Cleaned::Restored { from: path, to, pid },
                        Err(e) => failed(path, e),
                    },
                    _ => match fs::remove_dir_all(&path) {
                        Ok(()) => Cleaned::RemovedOld { path, pid },
                        Err(e) => failed(path, e),
                    },
                }
            }
        };
        cleaned.push(item);
    }
    cleaned
}

/// A writer that hashes (SHA-256) and counts everything written through it.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    fn finish(self) -> (W, String, u64) {
        (self.inner, format!("{:x}", self.hasher.finalize()), self.bytes)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_is_atomic_and_leaves_no_temp_folder() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("run");
        let dir = prepare_out_dir(&out, false).unwrap();
        assert!(!out.exists(), "nothing appears before commit");
        let (sha, bytes) = dir.write_file("a.txt", |w| w.write_all(b"hello")).unwrap();
        assert_eq!(bytes, 5);
        assert_eq!(sha, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(dir.commit().unwrap(), out);
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "hello");
        assert_eq!(entries(root.path()), vec!["run"]);
    }

    #[test]
    fn an_existing_non_empty_folder_needs_force_and_is_left_untouched() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("run");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("old.txt"), "old").unwrap();
        let err = prepare_out_dir(&out, false).unwrap_err();
        assert!(matches!(err, OutputError::Exists(_)), "{err}");
        assert!(err.is_bad_input());
        assert_eq!(entries(&out), vec!["old.txt"]);
        assert_eq!(entries(root.path()), vec!["run"]);
    }

    #[test]
    fn an_empty_existing_folder_is_fine_without_force() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("run");
        fs::create_dir(&out).unwrap();
        let dir = prepare_out_dir(&out, false).unwrap();
        dir.write_file("x", |w| w.write_all(b"x")).unwrap();
        dir.commit().unwrap();
        assert_eq!(entries(&out), vec!["x"]);
    }

    /// A folder as placesim writes it: a manifest with placesim's marker, and a data file.
    fn fake_run(out: &Path) {
        fs::create_dir_all(out).unwrap();
        fs::write(
            out.join("manifest.json"),
            r#"{"placesim_version": "0.1.0", "outputs": []}"#,
        )
        .unwrap();
        fs::write(out.join("old.txt"), "old").unwrap();
    }

    /// Every file under `dir` (relative paths) with its contents, sorted.
    fn tree(dir: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                    out.push((rel, fs::read_to_string(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn force_replaces_a_placesim_run_folder() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("run");
        fake_run(&out);
        let dir = prepare_out_dir(&out, true).unwrap();
        assert_eq!(
            entries(&out),
            vec!["manifest.json", "old.txt"],
            "old run intact until commit"
        );
        dir.write_file("new.txt", |w| w.write_all(b"new")).unwrap();
        dir.commit().unwrap();
        assert_eq!(entries(&out), vec!["new.txt"]);
        assert_eq!(entries(root.path()), vec!["run"], "no temp or old folder left");
    }

    #[test]
    fn force_refuses_a_source_tree_and_leaves_every_file_in_it() {
        // The issue's case: --force pointed at a project folder with a source file in a subfolder.
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("project");
        fs::create_dir_all(out.join("src")).unwrap();
        fs::write(out.join("src/lib.rs"), "pub fn keep() {}").unwrap();
        fs::write(out.join("Cargo.toml"), "[package]").unwrap();
        let before = tree(&out);
        let err = prepare_out_dir(&out, true).unwrap_err();
        assert!(matches!(err, OutputError::NotReplaceable { .. }), "{err}");
        assert!(err.is_bad_input());
        let msg = err.to_string();
        assert!(
            msg.contains(&out.display().to_string()) && msg.contains("no manifest.json"),
            "{msg}"
        );
        assert_eq!(tree(&out), before);
        assert_eq!(entries(root.path()), vec!["project"], "no temporary folder made");
    }

    #[test]
    fn force_refuses_a_manifest_that_placesim_did_not_write() {
        for (manifest, why) in [
            (
                r#"{"name": "someone else's", "version": "1"}"#,
                "not written by placesim",
            ),
            (r#"["placesim_version"]"#, "not written by placesim"),
            (r#"{"placesim_version": 1}"#, "not written by placesim"),
            ("placesim_version = \"0.1.0\"", "not valid JSON"),
        ] {
            let root = tempfile::tempdir().unwrap();
            let out = root.path().join("run");
            fs::create_dir(&out).unwrap();
            fs::write(out.join("manifest.json"), manifest).unwrap();
            let err = prepare_out_dir(&out, true).unwrap_err();
            assert!(matches!(err, OutputError::NotReplaceable { .. }), "{err}");
            assert!(err.to_string().contains(why), "{manifest}: {err}");
            assert_eq!(fs::read_to_string(out.join("manifest.json")).unwrap(), manifest);
            assert_eq!(entries(root.path()), vec!["run"]);
        }
        // A manifest.json that is a folder is not placesim's either.
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("run");
        fs::create_dir_all(out.join("manifest.json")).unwrap();
        let err = prepare_out_dir(&out, true).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn a_file_or_a_link_at_the_output_path_is_refused_with_or_without_force() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("notes");
        fs::write(&file, "mine").unwrap();
        for force in [false, true] {
            let err = prepare_out_dir(&file, force).unwrap_err();
            assert!(matches!(err, OutputError::NotReplaceable { .. }), "{err}");
            assert!(err.to_string().contains("is a file"), "{err}");
        }
        assert_eq!(fs::read_to_string(&file).unwrap(), "mine");
        #[cfg(unix)]
        {
            let real = root.path().join("real");
            fake_run(&real);
            let link = root.path().join("link");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            let err = prepare_out_dir(&link, true).unwrap_err();
            assert!(err.to_string().contains("symbolic link"), "{err}");
            assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
            assert_eq!(entries(&real), vec!["manifest.json", "old.txt"]);
        }
        assert_eq!(entries(root.path()).iter().filter(|n| n.contains(".tmp-")).count(), 0);
    }

    #[test]
    fn commit_checks_again_and_leaves_a_folder_that_stopped_being_a_run_folder() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("run");
        fake_run(&out);
        let dir = prepare_out_dir(&out, true).unwrap();
        dir.write_file("new.txt", |w| w.write_all(b"new")).unwrap();
        // Meanwhile someone replaced the run folder with their own work.
        fs::remove_file(out.join("manifest.json")).unwrap();
        fs::write(out.join("thesis.tex"), "mine").unwrap();
        let err = dir.commit().unwrap_err();
        assert!(matches!(err, OutputError::NotReplaceable { .. }), "{err}");
        assert_eq!(entries(&out), vec!["old.txt", "thesis.tex"]);
        assert_eq!(entries(root.path()), vec!["run"], "the temporary folder is removed");
    }

    #[test]
    fn a_parent_that_is_a_file_is_unwritable() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("file");
        fs::write(&file, "").unwrap();
        let err = prepare_out_dir(&file.join("run"), false).unwrap_err();
        assert!(matches!(err, OutputError::Unwritable { .. }), "{err}");
        assert!(err.is_bad_input());
    }

    #[test]
    fn dropping_without_commit_removes_the_temp_folder() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("run");
        let dir = prepare_out_dir(&out, false).unwrap();
        let temp = dir.temp_path().to_path_buf();
        dir.write_file("partial.csv", |w| w.write_all(b"a,b")).unwrap();
        assert!(temp.is_dir());
        drop(dir);
        assert!(!temp.exists());
        assert!(!out.exists());
        assert!(entries(root.path()).is_empty());
    }

    #[test]
    fn a_failed_write_is_reported_with_the_file_name() {
        let root = tempfile::tempdir().unwrap();
        let dir = prepare_out_dir(&root.path().join("run"), false).unwrap();
        let err = dir
            .write_file("bad.csv", |_| Err(io::Error::other("disk full")))
            .unwrap_err();
        assert!(matches!(err, OutputError::Write { .. }));
        assert!(err.to_string().contains("bad.csv"), "{err}");
        assert!(!err.is_bad_input());
    }

    #[test]
    fn leftover_names_are_matched_exactly() {
        assert_eq!(parse_leftover(".run.tmp-123"), Some((Leftover::Temp, "run", 123)));
        assert_eq!(parse_leftover(".a.b.old-9"), Some((Leftover::Old, "a.b", 9)));
        assert_eq!(
            parse_leftover(".report.html.tmp-42"),
            Some((Leftover::Temp, "report.html", 42))
        );
        for name in [
            "run.tmp-123",
            ".tmp-123",
            "..tmp-123",
            ".run.tmp-",
            ".run.tmp-12a",
            ".run.tmp-+12",
            ".run.tmp-123 ",
            ".run.bak-123",
            ".run.tmp-99999999999",
        ] {
            assert_eq!(parse_leftover(name), None, "{name}");
        }
    }

    #[test]
    fn an_interrupt_removes_every_registered_path_and_refuses_new_ones() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join(".run.tmp-1");
        fs::create_dir_all(folder.join(".plots.tmp-1")).unwrap();
        fs::write(folder.join("weekly.csv"), "x").unwrap();
        let file = root.path().join(".fitted.toml.tmp-1");
        fs::write(&file, "x").unwrap();
        let keep = root.path().join("earlier-run");
        fake_run(&keep);
        // A registry of its own, so the process-wide one (shared by parallel tests) stays usable.
        let mut reg = Unfinished {
            interrupted: false,
            paths: vec![folder.clone(), folder.join(".plots.tmp-1"), file.clone()],
        };
        let removed = reg.remove_all();
        assert_eq!(removed, vec![file.clone(), folder.join(".plots.tmp-1"), folder.clone()]);
        assert!(reg.interrupted && reg.paths.is_empty());
        assert_eq!(entries(root.path()), vec!["earlier-run"]);
        assert_eq!(entries(&keep), vec!["manifest.json", "old.txt"]);
    }

    #[test]
    fn temporary_paths_are_registered_until_committed_or_dropped() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("run");
        let dir = prepare_out_dir(&out, false).unwrap();
        let temp = dir.temp_path().to_path_buf();
        assert!(unfinished().holds(&temp));
        dir.commit().unwrap();
        assert!(!unfinished().holds(&temp));
        let dir = prepare_out_dir(&root.path().join("other"), false).unwrap();
        let temp = dir.temp_path().to_path_buf();
        drop(dir);
        assert!(!unfinished().holds(&temp) && !temp.exists());
    }

    /// A pid no process can have (above any kernel's pid_max).
    #[cfg(target_os = "linux")]
    const DEAD: u32 = 4_294_967_290;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_dead_process_temporary_folder_is_removed_and_reported() {
        let root = tempfile::tempdir().unwrap();
        let stale = root.path().join(format!(".run.tmp-{DEAD}"));
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join("weekly.csv"), "partial").unwrap();
        let stale_file = root.path().join(format!(".report.html.tmp-{DEAD}"));
        fs::write(&stale_file, "partial").unwrap();
        let dir = prepare_out_dir(&root.path().join("next"), false).unwrap();
        assert_eq!(
            dir.cleaned(),
            &[
                Cleaned::Removed {
                    path: stale_file.clone(),
                    pid: DEAD
                },
                Cleaned::Removed {
                    path: stale.clone(),
                    pid: DEAD
                },
            ]
        );
        assert!(dir.cleaned()[1]
            .to_string()
            .contains(&format!("left by process {DEAD}")));
        assert!(!stale.exists() && !stale_file.exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_run_set_aside_by_a_dead_swap_is_put_back_when_its_place_is_empty() {
        let root = tempfile::tempdir().unwrap();
        // Killed between moving the old run aside and moving the new one in.
        let old = root.path().join(format!(".run.old-{DEAD}"));
        fake_run(&old);
        fs::create_dir(root.path().join(format!(".run.tmp-{DEAD}"))).unwrap();
        let cleaned = clean_leftovers(root.path());
        let run = root.path().join("run");
        assert!(
            cleaned.contains(&Cleaned::Restored {
                from: old.clone(),
                to: run.clone(),
                pid: DEAD
            }),
            "{cleaned:?}"
        );
        assert_eq!(entries(root.path()), vec!["run"]);
        assert_eq!(entries(&run), vec!["manifest.json", "old.txt"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_run_set_aside_by_a_dead_swap_is_removed_when_the_new_run_is_in_place() {
        let root = tempfile::tempdir().unwrap();
        let old = root.path().join(format!(".run.old-{DEAD}"));
        fake_run(&old);
        let run = root.path().join("run");
        fs::create_dir(&run).unwrap();
        fs::write(run.join("new.txt"), "new").unwrap();
        assert_eq!(
            clean_leftovers(root.path()),
            vec![Cleaned::RemovedOld { path: old, pid: DEAD }]
        );
        assert_eq!(entries(root.path()), vec!["run"]);
        assert_eq!(entries(&run), vec!["new.txt"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn leftovers_of_a_live_process_and_near_miss_names_are_never_touched() {
        let root = tempfile::tempdir().unwrap();
        // pid 1 always runs; this process is writing its own registered temporary folder.
        let live = [".run.tmp-1", ".run.old-1"];
        let near = [
            "run.tmp-77",
            ".run.tmp-77x",
            ".run.temp-77",
            ".tmp-77",
            &format!(".notes.old-{DEAD}.txt"),
        ];
        for name in live.iter().chain(near.iter()) {
            fs::create_dir(root.path().join(name)).unwrap();
        }
        // A file named like a set-aside run is not one (placesim sets aside folders only).
        fs::write(root.path().join(format!(".plots.old-{DEAD}")), "a stray file").unwrap();
        let mine = prepare_out_dir(&root.path().join("mine"), false).unwrap();
        let again = prepare_out_dir(&root.path().join("other"), false).unwrap();
        assert!(again.cleaned().is_empty(), "{:?}", again.cleaned());
        assert!(
            mine.temp_path().is_dir(),
            "a live temporary folder of this process is kept"
        );
        let mut expected: Vec<String> = live.iter().chain(near.iter()).map(|s| s.to_string()).collect();
        expected.push(format!(".plots.old-{DEAD}"));
        expected.push(mine.temp_path().file_name().unwrap().to_string_lossy().into_owned());
        expected.push(again.temp_path().file_name().unwrap().to_string_lossy().into_owned());
        expected.sort();
        assert_eq!(entries(root.path()), expected);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_unregistered_leftover_with_this_process_id_is_an_earlier_process_and_is_removed() {
        let root = tempfile::tempdir().unwrap();
        let stale = root.path().join(format!(".run.tmp-{}", std::process::id()));
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join("x"), "x").unwrap();
        let dir = prepare_out_dir(&root.path().join("run"), false).unwrap();
        assert_eq!(
            dir.cleaned(),
            &[Cleaned::Removed {
                path: stale.clone(),
                pid: std::process::id()
            }]
        );
        // The same name now holds this process's fresh, empty temporary folder.
        assert_eq!(dir.temp_path(), stale);
        assert!(entries(&stale).is_empty());
    }
}
