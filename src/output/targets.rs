//! Target tables (`targets.csv`, `targets.json`, a Markdown table for docs) and atomic
//! single-file writes (calibration fragments, regenerated documents).

use super::dir::{create_temp_file, discard, finishing};
use super::{csv_bool, csv_field, csv_fixed, csv_number};
use crate::calibration::targets::TargetResult;
use crate::error::OutputError;
use std::io::{self, Write};
use std::path::Path;

/// Columns of `targets.csv`.
pub const TARGET_COLUMNS: &str =
    "id,name,period,unit,observed,lo,hi,simulated_mean,simulated_lo,simulated_hi,pass,replicates,definition,source";

/// Writes `targets.csv`.
pub fn write_targets_csv(w: &mut dyn Write, results: &[TargetResult]) -> io::Result<()> {
    writeln!(w, "{TARGET_COLUMNS}")?;
    for r in results {
        let t = &r.target;
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&t.id),
            csv_field(&t.name),
            csv_field(&t.period),
            csv_field(&t.unit),
            csv_number(t.observed),
            csv_number(t.lo),
            csv_number(t.hi),
            num(r.simulated.mean),
            num(r.simulated.lo),
            num(r.simulated.hi),
            csv_bool(r.pass),
            r.values.len(),
            csv_field(&t.definition),
            csv_field(&t.source)
        )?;
    }
    Ok(())
}

/// Writes `targets.json`: `{"targets": [{id, name, ..., simulated: {mean, lo, hi}, values}]}`.
pub fn write_targets_json(w: &mut dyn Write, results: &[TargetResult], meta: serde_json::Value) -> io::Result<()> {
    let targets: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let t = &r.target;
            serde_json::json!({
                "id": t.id, "name": t.name, "definition": t.definition, "unit": t.unit, "period": t.period,
                "observed": t.observed, "lo": t.lo, "hi": t.hi, "source": t.source,
                "simulated": { "mean": finite(r.simulated.mean), "lo": finite(r.simulated.lo), "hi": finite(r.simulated.hi) },
                "values": r.values.iter().map(|&v| finite(v)).collect::<Vec<_>>(),
                "pass": r.pass,
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *w, &serde_json::json!({ "meta": meta, "targets": targets }))?;
    writeln!(w)
}

/// The target table in Markdown (for docs/validation.md and the terminal).
pub fn targets_markdown(results: &[TargetResult]) -> String {
    let mut s = String::from(
        "| target | period | observed | accepted band | simulated mean (95% interval) | result |\n|---|---|---|---|---|---|\n",
    );
    for r in results {
        let t = &r.target;
        s.push_str(&format!(
            "| {} | {} | {} | {} to {} | {} ({} to {}) | {} |\n",
            t.name,
            t.period,
            pretty(t.observed),
            pretty(t.lo),
            pretty(t.hi),
            pretty(r.simulated.mean),
            pretty(r.simulated.lo),
            pretty(r.simulated.hi),
            if r.pass { "pass" } else { "**fail**" }
        ));
    }
    s
}

/// A number as a reader wants it: shares and small values to 3 decimals, larger with
/// thousands separators.
pub fn pretty(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    if v.abs() < 20.0 {
        return format!("{v:.3}");
    }
    if v.abs() < 1000.0 {
        // Life expectancies and other tens: a decimal tells 79.7 from 80.4.
        return format!("{v:.1}");
    }
    let rounded = v.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A simulated value: six decimals, empty when undefined (no replicate had a value).
fn num(v: f64) -> String {
    csv_fixed(v, 6)
}

/// A number for JSON: `null` when not finite (JSON has no NaN).
pub(crate) fn finite(v: f64) -> serde_json::Value {
    if v.is_finite() {
        serde_json::json!(v)
    } else {
        serde_json::Value::Null
    }
}

/// Checks that the file at `path` may be replaced by a new one: nothing is there, or a regular
/// file. A folder, a link or anything else is refused with [`OutputError::NotReplaceable`].
pub fn check_replaceable_file(path: &Path) -> Result<(), OutputError> {
    let refuse = |what: &str| OutputError::NotReplaceable {
        path: path.to_path_buf(),
        reason: format!("it is {what}, where placesim writes a file; move it away"),
    };
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(meta) if meta.is_dir() => Err(refuse("a folder")),
        Ok(meta) if meta.file_type().is_symlink() => Err(refuse("a symbolic link")),
        Ok(_) => Err(refuse("not a regular file")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(OutputError::Unwritable {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes `text` to `path` atomically: a temporary sibling file (`.<name>.tmp-<pid>`, removed
/// on failure or interrupt), synced, then renamed over the target, so readers see the old file
/// or the new one, never a partial one. Only a regular file is replaced
/// ([`check_replaceable_file`]); anything else at `path` is left untouched.
pub fn write_text_atomic(path: &Path, text: &str) -> Result<(), OutputError> {
    check_replaceable_file(path)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let unwritable = |source: io::Error| OutputError::Unwritable {
        path: path.to_path_buf(),
        source,
    };
    let mut file = create_temp_file(&temp).map_err(|e| match e {
        OutputError::Unwritable { source, .. } => unwritable(source),
        other => other,
    })?;
    let result = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(unwritable)
        .and_then(|()| {
            drop(file);
            finishing(path, |reg| {
                // Checked again: the path may have changed while the file was written.
                check_replaceable_file(path)?;
                std::fs::rename(&temp, path).map_err(unwritable)?;
                reg.forget(&temp);
                Ok(())
            })
        });
    if result.is_err() {
        discard(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(pretty(386_710.4), "386,710");
        assert_eq!(pretty(-1234.0), "-1,234");
        assert_eq!(pretty(0.1381), "0.138");
        assert_eq!(pretty(79.67), "79.7");
        assert_eq!(pretty(f64::NAN), "n/a");
    }

    #[test]
    fn atomic_writes_replace_the_file_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fitted.toml");
        std::fs::write(&path, "old").unwrap();
        write_text_atomic(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let bad = dir.path().join("missing-dir").join("x.toml");
        assert!(write_text_atomic(&bad, "x").is_err());
    }
}
