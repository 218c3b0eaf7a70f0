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
}

impl Error {
    /// True when the error is the user's input (exit code 2), not a defect.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::Scenario(_) | Error::Place(_) | Error::Request(_) => true,
            Error::Output(e) => e.is_bad_input(),
        }
    }
}

/// One problem in a scenario file, located precisely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
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

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
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

/// Every problem found in a scenario (all are reported, not just the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(f, "{n} problem{} in scenario:", if n == 1 { "" } else { "s" })?;
        for (i, e) in self.0.iter().enumerate() {
            if i + 1 < n {
                writeln!(f, "  {e}")?;
            } else {
                write!(f, "  {e}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

/// A place file problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlaceError {
    /// The file could not be read.
    #[error("cannot read place file {path}: {source}")]
    Read {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not match the schema.
    #[error("place file {origin} does not match the place schema: {message}")]
    Parse {
        /// Where it came from.
        origin: String,
        /// Parser message (with line and column).
        message: String,
    },
    /// The file parses but its figures are inconsistent.
    #[error("place file {origin} is invalid:\n  {}", problems.join("\n  "))]
    Invalid {
        /// Where it came from.
        origin: String,
        /// Every problem found.
        problems: Vec<String>,
    },
}

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
    /// A file of a run folder cannot be read back (edited by hand or damaged).
    #[error("{path}:{line}: {message}")]
    BadRunFile {
        /// Path.
        path: PathBuf,
        /// 1-based line (0 when the whole file is at fault).
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
    /// A chart or the report could not be drawn.
    #[error("drawing {what}: {message}")]
    Draw {
        /// Chart or report name.
        what: String,
        /// Cause.
        message: String,
    },
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
        )
    }
}
