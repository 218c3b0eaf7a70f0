//! Folders the fuzz cases run in: a pristine copy made once, a working copy of hard links to
//! it, and the edits of one case (files written, deleted, replaced by folders) applied and
//! undone in microseconds. Edits are saved and read back for replaying findings.

use std::io;
use std::path::{Component, Path, PathBuf};

/// The edits one case makes to a folder (paths relative to it, `/`-separated).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Edits {
    /// Files written (created or replaced) with these bytes.
    pub writes: Vec<(String, Vec<u8>)>,
    /// Files removed.
    pub deletes: Vec<String>,
    /// Files replaced by an empty folder.
    pub dirs: Vec<String>,
}

impl Edits {
    fn touched(&self) -> impl Iterator<Item = &String> {
        self.writes
            .iter()
            .map(|(p, _)| p)
            .chain(&self.deletes)
            .chain(&self.dirs)
    }

    /// Saves the edits under `dir`: written files in `dir/files/`, and `dir/edits.txt` listing
    /// deletions and folders.
    pub fn save(&self, dir: &Path) -> io::Result<()> {
        let mut list = String::new();
        for (p, bytes) in &self.writes {
            let to = dir.join("files").join(p);
            std::fs::create_dir_all(to.parent().unwrap_or(dir))?;
            std::fs::write(to, bytes)?;
            list.push_str(&format!("write {p}\n"));
        }
        for p in &self.deletes {
            list.push_str(&format!("delete {p}\n"));
        }
        for p in &self.dirs {
            list.push_str(&format!("mkdir {p}\n"));
        }
        std::fs::write(dir.join("edits.txt"), list)
    }

    /// Reads edits saved by [`Edits::save`].
    pub fn load(dir: &Path) -> io::Result<Edits> {
        let mut e = Edits::default();
        for line in std::fs::read_to_string(dir.join("edits.txt"))?.lines() {
            match line.split_once(' ') {
                Some(("write", p)) => e
                    .writes
                    .push((p.to_string(), std::fs::read(dir.join("files").join(p))?)),
                Some(("delete", p)) => e.deletes.push(p.to_string()),
                Some(("mkdir", p)) => e.dirs.push(p.to_string()),
                _ => {}
            }
        }
        Ok(e)
    }
}

/// Removes a file or a folder, whichever is there.
pub fn remove_any(p: &Path) {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(p);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(p);
        }
        Err(_) => {}
    }
}

/// Copies a folder tree; files at least `link_from` bytes long are hard-linked instead.
pub fn copy_tree(from: &Path, to: &Path, link_from: u64) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let meta = entry.metadata()?;
        if meta.is_dir() {
            copy_tree(&src, &dst, link_from)?;
        } else if meta.len() >= link_from {
            std::fs::hard_link(&src, &dst).or_else(|_| std::fs::copy(&src, &dst).map(|_| ()))?;
        } else {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// A working copy of a pristine folder, made of hard links, that cases edit and restore.
pub struct Workspace {
    /// The working copy.
    pub root: PathBuf,
    pristine: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Workspace {
    /// A working copy of `pristine` (which must not change while the workspace lives).
    pub fn new(pristine: &Path) -> Workspace {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("w");
        copy_tree(pristine, &root, 0).expect("hard-link copy");
        Workspace {
            root,
            pristine: pristine.to_path_buf(),
            _tmp: tmp,
        }
    }

    /// Applies a case's edits. Every file touched is unlinked first, so the pristine copy
    /// behind the hard links never changes.
    pub fn apply(&self, e: &Edits) -> io::Result<()> {
        for p in e.touched() {
            remove_any(&self.path(p));
        }
        for (p, bytes) in &e.writes {
            std::fs::write(self.path(p), bytes)?;
        }
        for p in &e.dirs {
            std::fs::create_dir_all(self.path(p))?;
        }
        Ok(())
    }

    /// Undoes [`Workspace::apply`].
    pub fn restore(&self, e: &Edits) {
        for p in e.touched() {
            let (at, orig) = (self.path(p), self.pristine.join(p));
            remove_any(&at);
            if orig.is_file() {
                std::fs::hard_link(&orig, &at)
                    .or_else(|_| std::fs::copy(&orig, &at).map(|_| ()))
                    .expect("restore a file of the workspace");
            }
        }
    }

    /// Path of a relative file in the working copy.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

/// Every file and folder under `root`, with size and modification time: what a command
/// that must not write leaves unchanged.
pub fn listing(root: &Path) -> Vec<(String, bool, u64, Option<std::time::SystemTime>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, bool, u64, Option<std::time::SystemTime>)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
            let Ok(m) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            out.push((rel, m.is_dir(), if m.is_dir() { 0 } else { m.len() }, m.modified().ok()));
            if m.is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

/// `base/rel` with `.` and `..` resolved lexically, as a relative path from `root`, if it
/// stays inside `root`.
pub fn resolve(root: &Path, base_dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in Path::new(base_dir).join(rel).components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    let joined = parts.join("/");
    root.join(&joined).is_file().then_some(joined)
}
