//! Typed errors of the library. The binary adds context and maps them to exit codes
//! ([`Error::is_bad_input`] → exit code 2).

use std::fmt;
use std::path::PathBuf;

/// Any library error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scenario file is missing, malformed or invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioErrors),
    /// A place file is missing, malformed or invalid.
    #[error(transparent)]
    Place(#[from] PlaceError),
    /// Outputs could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The run request itself is invalid (e.g. zero replicates).
    #[error("invalid run request: {0}")]
    Request(String),
    /// The run would not fit: more replicates than the hard cap, or its estimated memory or
    /// output beyond what is available (the message gives the estimate).
    #[error("{0}")]
    TooLarge(String),
}

impl Error {
    /// True when the error is the user's input (exit code 2), not a defect.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::Scenario(_) | Error::Place(_) | Error::Request(_) | Error::TooLarge(_) => true,
            Error::Output(e) => e.is_bad_input(),
        }
    }
}

/// One problem in an input file (a scenario or a place file), located precisely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The files that led to this one, outermost first: the scenario that was run, then each
    /// file it extends, up to the one that extends (or names as its place) [`InputError::file`].
    /// Empty when the problem is in the file that was given.
    pub chain: Vec<PathBuf>,
    /// File the problem is in.
    pub file: PathBuf,
    /// 1-based line (0 when the problem is the whole file, e.g. it cannot be read).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// Dotted field path, e.g. `services.life.divert_probability` (empty for the whole file).
    pub field: String,
    /// What is wrong, including the bad value and the allowed range where relevant.
    pub message: String,
    /// For an unknown key, the nearest valid key.
    pub suggestion: Option<String>,
}

/// A problem in a scenario file: an [`InputError`].
pub type ScenarioError = InputError;

impl InputError {
    /// A problem with the whole of `file` (no line).
    pub fn whole_file(file: &std::path::Path, message: impl Into<String>) -> InputError {
        InputError {
            chain: Vec::new(),
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            field: String::new(),
            message: message.into(),
            suggestion: None,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for outer in &self.chain {
            write!(f, "{} → ", outer.display())?;
        }
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

/// Writes `n problem(s) in {what}:` and one indented line per problem.
fn write_problems(f: &mut fmt::Formatter<'_>, what: &str, problems: &[InputError]) -> fmt::Result {
    let n = problems.len();
    write!(f, "{n} problem{} in {what}:", if n == 1 { "" } else { "s" })?;
    for e in problems {
        write!(f, "\n  {e}")?;
    }
    Ok(())
}

/// Every problem found in a scenario (all are reported, not just the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioErrors(pub Vec<InputError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_problems(f, "scenario", &self.0)
    }
}

impl std::error::Error for ScenarioErrors {}

/// A place file that cannot be used: unreadable, not TOML, not the place schema, a figure
/// outside its domain, or tables that disagree. Every problem is located (file, line, field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceError {
    /// Where the place came from (a path, or `embedded:croydon`).
    pub origin: String,
    /// Every problem found.
    pub problems: Vec<InputError>,
}

impl fmt::Display for PlaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_problems(f, "place file", &self.problems)
    }
}

impl std::error::Error for PlaceError {}

/// Problems writing outputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The output folder exists and `--force` was not given.
    #[error("output folder {0} already exists and is not empty; choose another --out or pass --force to replace it")]
    Exists(PathBuf),
    /// The output folder cannot be created or written.
    #[error("cannot write to output folder {path}: {source}")]
    Unwritable {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Writing a file failed part-way (the partial file was removed).
    #[error("failed writing {path}: {source}")]
    Write {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A folder given to `plot` or `report` is not a placesim run folder.
    #[error("{path} is not a placesim run folder: {reason}")]
    NotARunFolder {
        /// Path.
        path: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// A file of a run folder cannot be read back (edited by hand or damaged). Displayed as
    /// `path:line: message`, or `path: message` when no line applies (line 0).
    #[error("{}{}: {message}", path.display(), line_suffix(*line))]
    BadRunFile {
        /// Path.
        path: PathBuf,
        /// 1-based line (0 when the whole file is at fault, or the line is unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Something at an output path was not written by placesim (or not in the form placesim
    /// writes it), so placesim refuses to replace it, even with `--force`; it is left untouched.
    #[error("refusing to replace {path}: {reason}")]
    NotReplaceable {
        /// The path placesim would have written.
        path: PathBuf,
        /// What is there and what to do about it.
        reason: String,
    },
    /// The process was interrupted (Ctrl-C or SIGTERM) while writing; the unfinished output was
    /// removed and nothing earlier was touched.
    #[error("interrupted while writing {0}; the unfinished output was removed")]
    Interrupted(PathBuf),
    /// A folder given to `merge` is not a usable shard folder (not one, damaged, or its data
    /// file does not match its manifest).
    #[error("{} is not a usable shard folder: {reason}", path.display())]
    BadShard {
        /// The folder.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The shard folders given to `merge` are not every shard of one run, once each (the
    /// message names the folders and what is missing, doubled or different).
    #[error("the shard folders do not make up one run:\n{0}")]
    ShardSet(String),
    /// A chart or the report could not be drawn.
    #[error("drawing {what}: {message}")]
    Draw {
        /// Chart or report name.
        what: String,
        /// Cause.
        message: String,
    },
}

/// `:line` for a known 1-based line, nothing for line 0 (the whole file, or unknown).
fn line_suffix(line: usize) -> String {
    if line > 0 {
        format!(":{line}")
    } else {
        String::new()
    }
}

impl OutputError {
    /// True when the user can fix it (existing, unwritable, foreign or wrong folder, damaged
    /// file).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            OutputError::Exists(_)
                | OutputError::NotReplaceable { .. }
                | OutputError::Unwritable { .. }
                | OutputError::NotARunFolder { .. }
                | OutputError::BadRunFile { .. }
                | OutputError::BadShard { .. }
                | OutputError::ShardSet(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_run_file_without_a_line_prints_no_line_zero() {
        let at = |line| {
            OutputError::BadRunFile {
                path: PathBuf::from("run/manifest.json"),
                line,
                message: "no `scenarios` list".into(),
            }
            .to_string()
        };
        assert_eq!(at(0), "run/manifest.json: no `scenarios` list");
        assert_eq!(at(3), "run/manifest.json:3: no `scenarios` list");
    }
}
