//! Reading input files (scenarios, places, scenario lists) as text, with every problem located:
//! a file that is not UTF-8 names the line, column and byte offset of its first bad byte, and
//! an empty or whitespace-only file says so instead of failing later on missing keys.
//!
//! This is the one place the two loaders ([`crate::scenario::load_scenario`] and
//! [`crate::place::Place::load`]) read bytes from disk; the spanned TOML tree they both build is
//! in [`spanned`].

pub(crate) mod spanned;

use std::path::Path;

/// A problem with a whole input file, or with a position in it (line and column 1-based; 0
/// when the problem is the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextProblem {
    /// 1-based line, 0 for the whole file.
    pub line: usize,
    /// 1-based column (characters), 0 when unknown.
    pub column: usize,
    /// What is wrong, in words.
    pub message: String,
}

impl TextProblem {
    fn whole(message: String) -> TextProblem {
        TextProblem {
            line: 0,
            column: 0,
            message,
        }
    }
}

/// Reads `path` as UTF-8 text; `what` names the file in messages ("scenario file").
pub fn read_text(path: &Path, what: &str) -> Result<String, TextProblem> {
    let bytes = std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::IsADirectory => "it is a folder, not a file".to_string(),
            _ => e.to_string(),
        };
        TextProblem::whole(format!("cannot read {what}: {why}"))
    })?;
    decode(bytes)
}

/// Turns bytes into text, naming the first byte that is not UTF-8.
pub fn decode(bytes: Vec<u8>) -> Result<String, TextProblem> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        // The valid prefix is UTF-8 by definition; lines and columns count its characters.
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let line = prefix.matches('\n').count() + 1;
        let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        TextProblem {
            line,
            column,
            message: format!(
                "the file is not UTF-8 text: byte {valid} (0x{:02x}) is not valid UTF-8; save it as UTF-8",
                bytes[valid]
            ),
        }
    })
}

/// A message when `text` holds nothing to read: empty, only whitespace, or (for TOML) only
/// comments. `None` when it has content.
pub fn blank(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("the file is empty".into());
    }
    if text.trim().is_empty() {
        return Some(format!("the file holds only whitespace ({} bytes)", text.len()));
    }
    let content = text
        .lines()
        .map(str::trim)
        .any(|l| !l.is_empty() && !l.starts_with('#'));
    if !content {
        return Some("the file holds only comments and blank lines".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_byte_is_located_by_line_column_and_offset() {
        let mut bytes = b"a = 1\nbe = \"x".to_vec();
        bytes.push(0xff);
        bytes.extend_from_slice(b"\"\n");
        let p = decode(bytes).unwrap_err();
        assert_eq!((p.line, p.column), (2, 8));
        assert!(p.message.contains("byte 13 (0xff)"), "{}", p.message);
    }

    #[test]
    fn empty_whitespace_and_comment_only_files_say_so() {
        assert_eq!(blank("").as_deref(), Some("the file is empty"));
        assert!(blank(" \n\t\n").unwrap().contains("only whitespace"));
        assert!(blank("# nothing\n\n  # here\n").unwrap().contains("only comments"));
        assert_eq!(blank("a = 1\n"), None);
    }

    #[test]
    fn a_missing_file_and_a_folder_are_named_plainly() {
        let dir = tempfile::tempdir().unwrap();
        let p = read_text(&dir.path().join("nope.toml"), "scenario file").unwrap_err();
        assert_eq!(p.message, "cannot read scenario file: no such file");
        let p = read_text(dir.path(), "scenario file").unwrap_err();
        assert!(p.message.starts_with("cannot read scenario file"), "{}", p.message);
    }
}
