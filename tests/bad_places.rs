//! Place files: every class of bad figure is reported with the file, line and field, all at
//! once, by the place loader and by `placesim validate` on a scenario that names the file.
//!
//! Each case in `tests/data/bad_place/*.toml` is a recipe applied to the embedded Croydon place
//! file, then written next to the test as `<case>.place.toml`. Its first lines say what to expect
//! (as in `tests/data/bad/`: `# expect: LINE :: fragment :: ...`, LINE in the place file) and how
//! to damage the file:
//!
//! ```text
//! # replace: OLD => NEW        first occurrence of OLD (`\n`, `\t` escapes) becomes NEW
//! # scale: PATH = FACTOR       every number of the array at PATH (`[*]`: every table) × FACTOR
//! # bytes: LINE = HEX          the byte 0xHEX inserted at the start of LINE
//! # whole: TEXT                the whole file is TEXT
//! ```

mod common;

use placesim::place::{Place, CROYDON_TOML};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\t", "\t")
}

/// Multiplies every number of the array at `path` by `factor`.
fn scale(doc: &mut toml_edit::DocumentMut, path: &str, factor: f64) {
    fn apply(item: &mut toml_edit::Item, parts: &[&str], factor: f64) {
        let Some((first, rest)) = parts.split_first() else {
            let arr = item.as_array_mut().expect("scale: PATH names an array");
            for v in arr.iter_mut() {
                let x = v
                    .as_float()
                    .or_else(|| v.as_integer().map(|i| i as f64))
                    .expect("a number");
                *v = toml_edit::Value::from(x * factor);
            }
            return;
        };
        if let Some(key) = first.strip_suffix("[*]") {
            let tables = item[key]
                .as_array_of_tables_mut()
                .expect("[*] names an array of tables");
            for t in tables.iter_mut() {
                let mut inner = toml_edit::Item::Table(t.clone());
                apply(&mut inner, rest, factor);
                *t = inner.into_table().expect("still a table");
            }
        } else {
            apply(&mut item[*first], rest, factor);
        }
    }
    let parts: Vec<&str> = path.split('.').collect();
    apply(doc.as_item_mut(), &parts, factor);
}

/// The damaged place file's bytes, from the recipe's directives.
fn damaged(recipe: &str) -> Vec<u8> {
    let mut text = CROYDON_TOML.to_string();
    let mut bytes = None;
    for line in recipe.lines().take_while(|l| l.starts_with('#')) {
        if let Some(rule) = line.strip_prefix("# replace: ") {
            let (old, new) = rule.split_once(" => ").expect("replace: OLD => NEW");
            let old = unescape(old);
            assert!(text.contains(&old), "replace: {old:?} is not in the Croydon file");
            text = text.replacen(&old, &unescape(new), 1);
        } else if let Some(rule) = line.strip_prefix("# scale: ") {
            let (path, factor) = rule.split_once(" = ").expect("scale: PATH = FACTOR");
            let mut doc: toml_edit::DocumentMut = text.parse().expect("Croydon parses");
            scale(&mut doc, path, factor.trim().parse().expect("a factor"));
            text = doc.to_string();
        } else if let Some(rule) = line.strip_prefix("# whole: ") {
            text = unescape(rule);
        } else if let Some(rule) = line.strip_prefix("# bytes: ") {
            let (n, hex) = rule.split_once(" = ").expect("bytes: LINE = HEX");
            let n: usize = n.trim().parse().expect("a line number");
            let at: usize = text.split_inclusive('\n').take(n - 1).map(str::len).sum();
            let mut b = text.clone().into_bytes();
            b.insert(at, u8::from_str_radix(hex.trim(), 16).expect("hex byte"));
            bytes = Some(b);
        }
    }
    bytes.unwrap_or_else(|| text.into_bytes())
}

/// `(line, fragments)` of each `# expect:` line.
fn expectations(recipe: &str) -> Vec<(usize, Vec<String>)> {
    recipe
        .lines()
        .filter_map(|l| l.strip_prefix("# expect:"))
        .map(|rest| {
            let mut parts = rest.split("::").map(str::trim);
            let line = parts
                .next()
                .and_then(|n| n.parse().ok())
                .expect("# expect: LINE :: ...");
            (line, parts.filter(|f| !f.is_empty()).map(str::to_string).collect())
        })
        .collect()
}

fn cases() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/data/bad_place"))
        .expect("tests/data/bad_place exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn write_case(dir: &Path, case: &Path) -> (PathBuf, String) {
    let recipe = std::fs::read_to_string(case).expect("recipe readable");
    let stem = case.file_stem().and_then(|s| s.to_str()).expect("utf-8 name");
    let path = dir.join(format!("{stem}.place.toml"));
    std::fs::write(&path, damaged(&recipe)).expect("write the damaged place");
    (path, recipe)
}

#[test]
fn every_bad_place_figure_is_reported_with_its_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    assert!(cases.len() >= 14, "{cases:?}");
    let mut failures = Vec::new();
    for case in cases {
        let (path, recipe) = write_case(dir.path(), &case);
        let expected = expectations(&recipe);
        assert!(!expected.is_empty(), "{} expects nothing", case.display());
        let err = match Place::load(&path) {
            Ok(_) => {
                failures.push(format!("{}: loaded without error", case.display()));
                continue;
            }
            Err(e) => e,
        };
        let shown: Vec<(usize, String)> = err.problems.iter().map(|p| (p.line, p.to_string())).collect();
        if shown.len() != expected.len() {
            failures.push(format!(
                "{}: expected {} problem(s), got {}:\n{err}",
                case.display(),
                expected.len(),
                shown.len()
            ));
            continue;
        }
        for (line, fragments) in &expected {
            let found = shown.iter().any(|(l, text)| {
                l == line && text.starts_with(&path.display().to_string()) && fragments.iter().all(|f| text.contains(f))
            });
            if !found {
                failures.push(format!(
                    "{}: nothing at line {line} with {fragments:?}; got:\n{err}",
                    case.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn validate_names_the_scenario_then_the_place_file_line_and_field_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (place, _) = write_case(dir.path(), &root().join("tests/data/bad_place/nan_cost.toml"));
    let scenario = dir.path().join("uses-bad-place.toml");
    std::fs::write(
        &scenario,
        format!(
            "extends = {:?}\n\n[scenario]\nname = \"uses-bad-place\"\nplace = {:?}\n",
            root().join("scenarios/baseline.toml").display().to_string(),
            place.file_name().and_then(|n| n.to_str()).unwrap()
        ),
    )
    .unwrap();
    let before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    let o = common::bin().arg("validate").arg(&scenario).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let expected = format!(
        "{} → {}:951:9: costs.excess_bed_day.value: NaN is not a finite number ≥ 0 (GBP per excess bed day)",
        scenario.display(),
        place.display()
    );
    assert!(err.contains(&expected), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        before.len(),
        "nothing written"
    );
    // `run` refuses it before simulating, with exit 2 and no run folder.
    let out = dir.path().join("run");
    let o = common::bin()
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!out.exists());
}
