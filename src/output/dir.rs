//! The run folder: prepared before the simulation (so a bad `--out` fails fast), filled in a
//! hidden temporary sibling, and renamed into place only when every file is written.

use super::WrittenFile;
use crate::error::OutputError;
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

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
}

/// Checks that `path` can become a run folder and creates its temporary sibling.
///
/// Fails with [`OutputError::Exists`] when `path` is a non-empty folder and `force` is false,
/// and with [`OutputError::Unwritable`] when the parent cannot be created or written (or
/// `path` is not a folder).
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
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let empty = fs::read_dir(path).map_err(unwritable)?.next().is_none();
            if !empty && !force {
                return Err(OutputError::Exists(path.to_path_buf()));
            }
        }
        Ok(_) => {
            return Err(unwritable(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "exists and is not a folder",
            )))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(unwritable(e)),
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(unwritable)?;
    let temp = parent.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    if temp.exists() {
        // Left by an earlier process that had our pid; it cannot be in use now.
        fs::remove_dir_all(&temp).map_err(unwritable)?;
    }
    fs::create_dir(&temp).map_err(unwritable)?;
    Ok(OutDir {
        target: path.to_path_buf(),
        temp,
        force,
        committed: false,
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

    /// Writes the file `name` into the temporary folder through a buffered writer, then
    /// flushes and syncs it. Returns the file's SHA-256 (lowercase hex) and size in bytes.
    pub fn write_file<F>(&self, name: &str, fill: F) -> Result<(String, u64), OutputError>
    where
        F: FnOnce(&mut dyn Write) -> io::Result<()>,
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
        F: FnOnce(&mut dyn Write) -> io::Result<()>,
    {
        let (sha256, bytes) = self.write_file(name, fill)?;
        Ok(WrittenFile {
            name: name.to_string(),
            sha256,
            bytes,
        })
    }

    /// Renames the temporary folder into place and returns the final path. With `force`, an
    /// existing folder is first renamed aside (`.<name>.old-<pid>`), then the new one renamed
    /// in, then the old one removed; if the swap fails the old folder is put back.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let unwritable = |source: io::Error| OutputError::Unwritable {
            path: self.target.clone(),
            source,
        };
        let mut aside = None;
        match fs::symlink_metadata(&self.target) {
            Ok(meta) if meta.is_dir() => {
                let empty = fs::read_dir(&self.target).map_err(unwritable)?.next().is_none();
                if empty {
                    fs::remove_dir(&self.target).map_err(unwritable)?;
                } else if self.force {
                    let name = self
                        .target
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let old = self.temp.with_file_name(format!(".{name}.old-{}", std::process::id()));
                    if old.exists() {
                        fs::remove_dir_all(&old).map_err(unwritable)?;
                    }
                    fs::rename(&self.target, &old).map_err(unwritable)?;
                    aside = Some(old);
                } else {
                    return Err(OutputError::Exists(self.target.clone()));
                }
            }
            Ok(_) => {
                return Err(unwritable(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "exists and is not a folder",
                )))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(unwritable(e)),
        }
        if let Err(e) = fs::rename(&self.temp, &self.target) {
            if let Some(old) = &aside {
                // Best effort: put the earlier run back where it was.
                let _ = fs::rename(old, &self.target);
            }
            return Err(unwritable(e));
        }
        self.committed = true;
        if let Some(old) = aside {
            fs::remove_dir_all(&old).map_err(unwritable)?;
        }
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
            let _ = fs::remove_dir_all(&self.temp);
        }
    }
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

    #[test]
    fn force_replaces_the_old_folder() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("run");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("old.txt"), "old").unwrap();
        let dir = prepare_out_dir(&out, true).unwrap();
        assert_eq!(entries(&out), vec!["old.txt"], "old run intact until commit");
        dir.write_file("new.txt", |w| w.write_all(b"new")).unwrap();
        dir.commit().unwrap();
        assert_eq!(entries(&out), vec!["new.txt"]);
        assert_eq!(entries(root.path()), vec!["run"], "no temp or old folder left");
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
}
