//! Fuzzing the three readers of user files (issue 11, item 8): the scenario loader, the place
//! loader and the run-folder reader, plus the binary's `validate` and `plot` on the same kind
//! of inputs. Inputs are real files mutated (bytes, lines, spans, and structure-aware edits of
//! numbers, dates, strings, keys, headers, array elements and CSV columns) and scenario files
//! generated from the real schema keys. The properties: never a panic; every error is a
//! bad-input error; a NaN or infinity is never accepted; the binary exits 0 or 2 and writes
//! nothing when it exits 2. See docs/robustness.md for counts, the long mode and results.
//!
//! Case counts: `PLACESIM_FUZZ_CASES` is the total over the three library targets (split
//! evenly; default 18,000); `PLACESIM_FUZZ_CLI_CASES` the binary's cases (default 50). Each
//! defect found is shrunk and its minimal input saved under `target/tmp/fuzz-found/` (or
//! `PLACESIM_FUZZ_FOUND`); saved findings in `tests/data/fuzz-found/` are replayed by
//! `every_saved_fuzz_finding_is_now_handled`.

// The per-target lines (cases, seconds, findings) are the point of `--nocapture` runs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;
#[path = "fuzz/files.rs"]
mod files;
#[path = "fuzz/harness.rs"]
mod harness;
#[path = "fuzz/mutate.rs"]
mod mutate;

use files::{copy_tree, listing, resolve, Edits, Workspace};
use harness::{env_count, fuzz, guarded, Defect};
use mutate::Op;
use placesim::output::plot::charts;
use placesim::output::read::read_run_folder;
use placesim::place::{Place, CROYDON_TOML};
use placesim::scenario::{load_scenario, CROYDON_LOCALITY_KEYS, SCENARIO_KEYS};
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Cases over the three library targets when `PLACESIM_FUZZ_CASES` is not set (CI).
const CI_CASES: u64 = 18_000;
/// Cases of the binary when `PLACESIM_FUZZ_CLI_CASES` is not set.
const CI_CLI_CASES: u64 = 50;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn per_target_cases() -> u64 {
    env_count("PLACESIM_FUZZ_CASES", CI_CASES).div_ceil(3)
}

fn tmp_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir")
}

// ---------------------------------------------------------------------------------------------
// Scenario files

/// The scenario inputs: a pristine copy of `scenarios/`, `tests/data/bad/` and
/// `tests/data/places/` (so relative `extends` and `place` paths resolve as in the repository),
/// each file's `extends` chain, and the schema's keys and example values.
struct ScenarioCtx {
    _tmp: tempfile::TempDir,
    pristine: PathBuf,
    /// Every `.toml` file, relative to `pristine`.
    leaves: Vec<String>,
    /// The file itself, then the files it extends, in order.
    chains: BTreeMap<String, Vec<String>>,
    texts: BTreeMap<String, Vec<u8>>,
    /// Schema keys, their sections and last segments (for near-miss keys and inserted lines).
    words: Vec<String>,
    /// Values each key has in the shipped files, as TOML.
    examples: BTreeMap<String, Vec<String>>,
}

fn scenario_ctx() -> ScenarioCtx {
    let tmp = tmp_dir();
    let pristine = tmp.path().join("repo");
    for dir in ["scenarios", "tests/data/bad", "tests/data/places"] {
        copy_tree(&manifest_dir().join(dir), &pristine.join(dir), u64::MAX).expect("copy inputs");
    }
    let mut leaves = Vec::new();
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.extension().is_some_and(|x| x == "toml") && !p.to_string_lossy().contains("places") {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    walk(&pristine, &pristine, &mut leaves);
    let texts: BTreeMap<String, Vec<u8>> = leaves
        .iter()
        .map(|l| (l.clone(), std::fs::read(pristine.join(l)).unwrap()))
        .collect();
    let mut chains = BTreeMap::new();
    for leaf in &leaves {
        let mut chain = vec![leaf.clone()];
        while let Some(next) = extends_of(&texts[chain.last().unwrap()]).and_then(|rel| {
            let dir = Path::new(chain.last().unwrap())
                .parent()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            resolve(&pristine, &dir, &rel)
        }) {
            if chain.contains(&next) || chain.len() > 8 {
                break;
            }
            chain.push(next);
        }
        chains.insert(leaf.clone(), chain);
    }
    let mut words: Vec<String> = Vec::new();
    for k in SCENARIO_KEYS {
        let mut push = |w: &str| {
            if !w.is_empty() && !words.iter().any(|x| x == w) {
                words.push(w.to_string());
            }
        };
        push(k);
        if let Some((section, last)) = k.rsplit_once('.') {
            push(section);
            push(last);
        }
    }
    let mut examples: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for text in texts.values() {
        let Ok(table) = std::str::from_utf8(text).unwrap_or("").parse::<toml::Table>() else {
            continue;
        };
        fn collect(prefix: &str, t: &toml::Table, out: &mut BTreeMap<String, Vec<String>>) {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                let is_section = SCENARIO_KEYS.iter().any(|s| s.starts_with(&format!("{path}.")));
                match v {
                    toml::Value::Table(inner) if is_section => collect(&path, inner, out),
                    _ if SCENARIO_KEYS.contains(&path.as_str()) => {
                        let e = out.entry(path).or_default();
                        let s = v.to_string();
                        if !e.contains(&s) {
                            e.push(s);
                        }
                    }
                    _ => {}
                }
            }
        }
        collect("", &table, &mut examples);
    }
    ScenarioCtx {
        _tmp: tmp,
        pristine,
        leaves,
        chains,
        texts,
        words,
        examples,
    }
}

/// The `extends = "..."` path of a scenario file's text, if it has one.
fn extends_of(text: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(text);
    text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("extends")?.trim_start().strip_prefix('=')?.trim();
        let inner = rest.strip_prefix('"')?;
        Some(inner[..inner.find('"')?].to_string())
    })
}

/// A scenario input: a shipped file with one file of its `extends` chain mutated, or a file
/// generated from the schema keys (then possibly mutated too).
#[derive(Debug, Clone)]
enum ScenarioCase {
    Mutated { leaf: Index, which: Index, ops: Vec<Op> },
    Generated { gen: GenScenario, ops: Vec<Op> },
}

/// A scenario file generated from the schema: an optional `extends`, and keys of
/// `SCENARIO_KEYS` with values that are shipped examples (possibly scaled), edge values,
/// per-locality tables or values of the wrong type.
#[derive(Debug, Clone)]
struct GenScenario {
    extends: Index,
    entries: Vec<(Index, GenValue, bool)>,
}

#[derive(Debug, Clone)]
enum GenValue {
    Example(Index, Index),
    Edge(Index),
    PerLocality(Vec<(Index, Index)>),
    Wrong(Index),
}

const GEN_EXTENDS: &[&str] = &[
    "",
    "baseline.toml",
    "baseline.toml",
    "baseline.toml",
    "calibration/fitted.toml",
    "do-nothing.toml",
    "life-expansion.toml",
    "icn-plus-rollout.toml",
    "no-such.toml",
    "generated.toml",
    "../tests/data/bad/malformed.toml",
    "calibration/setup.toml",
    "calibration/log.csv",
    "",
];
const FACTORS: &[f64] = &[1.0, 1.0, 1.0, 0.0, -1.0, 0.5, 2.0, 10.0, 1e6, 1e-9, 1.0001, 1e300];
const EDGE_VALUES: &[&str] = &[
    "true",
    "false",
    "\"2016-04-04\"",
    "\"2019-02-30\"",
    "\"0001-01-01\"",
    "\"1900-01-01\"",
    "\"croydon\"",
    "\"../tests/data/places/tiny.place.toml\"",
    "\"no-such.place.toml\"",
    "\"need\"",
    "\"population\"",
    "\"35%\"",
    "\"12 per week\"",
    "\"\"",
    "[1, 2]",
    "{}",
    "{ thornton_heath = \"2020-03-02\" }",
    "{ nowhere = 1 }",
    "{ thornton_heath = -1 }",
    "{ mayday = nan }",
    "2016-04-04",
];
const WRONG: &[&str] = &[
    "\"1\"",
    "true",
    "[1]",
    "{ a = 1 }",
    "\"true\"",
    "1",
    "0.5",
    "\"2020-01-06\"",
];
const LOCALITY_VALUES: &[&str] = &[
    "1",
    "0",
    "-1",
    "2.5",
    "nan",
    "inf",
    "1e9",
    "\"2020-03-02\"",
    "\"2019-02-30\"",
    "true",
];

fn gen_scenario() -> impl Strategy<Value = GenScenario> {
    let value = prop_oneof![
        6 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| GenValue::Example(a, b)),
        2 => any::<Index>().prop_map(GenValue::Edge),
        1 => prop::collection::vec((any::<Index>(), any::<Index>()), 0..4).prop_map(GenValue::PerLocality),
        1 => any::<Index>().prop_map(GenValue::Wrong),
    ];
    (
        any::<Index>(),
        prop::collection::vec((any::<Index>(), value, prop::bool::weighted(0.15)), 0..14),
    )
        .prop_map(|(extends, entries)| GenScenario { extends, entries })
}

fn render_scenario(g: &GenScenario, ctx: &ScenarioCtx) -> String {
    let mut top = String::new();
    let extends = GEN_EXTENDS[g.extends.index(GEN_EXTENDS.len())];
    if !extends.is_empty() {
        top.push_str(&format!("extends = \"{extends}\"\n"));
    }
    let mut sections: BTreeMap<String, String> = BTreeMap::new();
    for (key, value, dotted) in &g.entries {
        // A declared service's keys (`services.custom.<key>.…`) are written for one instance.
        let key = SCENARIO_KEYS[key.index(SCENARIO_KEYS.len())].replace("<key>", "falls_prevention");
        let key = key.as_str();
        let v = match value {
            GenValue::Example(which, factor) => match ctx.examples.get(key) {
                Some(ex) if !ex.is_empty() => {
                    let s = &ex[which.index(ex.len())];
                    let f = FACTORS[factor.index(FACTORS.len())];
                    match (s.parse::<i64>(), s.parse::<f64>()) {
                        (Ok(i), _) if (i as f64 * f).fract() == 0.0 && (i as f64 * f).abs() < 1e15 => {
                            format!("{}", (i as f64 * f) as i64)
                        }
                        (_, Ok(x)) => {
                            let y = x * f;
                            if y.is_nan() {
                                "nan".into()
                            } else if y.is_infinite() {
                                if y > 0.0 { "inf" } else { "-inf" }.into()
                            } else {
                                format!("{y:?}")
                            }
                        }
                        _ => s.clone(),
                    }
                }
                _ => EDGE_VALUES[which.index(EDGE_VALUES.len())].to_string(),
            },
            GenValue::Edge(i) => EDGE_VALUES[i.index(EDGE_VALUES.len())].to_string(),
            GenValue::Wrong(i) => WRONG[i.index(WRONG.len())].to_string(),
            GenValue::PerLocality(pairs) => {
                let mut keys: Vec<&str> = CROYDON_LOCALITY_KEYS.to_vec();
                keys.extend(["nowhere", "Thornton_Heath", "\"\""]);
                let items: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{} = {}",
                            keys[k.index(keys.len())],
                            LOCALITY_VALUES[v.index(LOCALITY_VALUES.len())]
                        )
                    })
                    .collect();
                format!("{{ {} }}", items.join(", "))
            }
        };
        match key.rsplit_once('.') {
            Some((section, last)) if !*dotted => {
                sections
                    .entry(section.to_string())
                    .or_default()
                    .push_str(&format!("{last} = {v}\n"));
            }
            _ => top.push_str(&format!("{key} = {v}\n")),
        }
    }
    for (section, body) in sections {
        top.push_str(&format!("\n[{section}]\n{body}"));
    }
    top
}

fn scenario_case() -> impl Strategy<Value = ScenarioCase> {
    prop_oneof![
        7 => (any::<Index>(), any::<Index>(), mutate::ops(4))
            .prop_map(|(leaf, which, ops)| ScenarioCase::Mutated { leaf, which, ops }),
        3 => (gen_scenario(), prop::collection::vec(mutate::op(), 0..2))
            .prop_map(|(gen, ops)| ScenarioCase::Generated { gen, ops }),
    ]
}

/// The file to load and the edits that make the case.
fn scenario_edits(case: &ScenarioCase, ctx: &ScenarioCtx) -> (String, Edits) {
    match case {
        ScenarioCase::Mutated { leaf, which, ops } => {
            let leaf = ctx.leaves[leaf.index(ctx.leaves.len())].clone();
            let chain = &ctx.chains[&leaf];
            // The file itself at least half the time, else one it extends.
            let k = which.index(2 * chain.len());
            let target = chain.get(k).unwrap_or(&chain[0]).clone();
            let bytes = mutate::apply(&ctx.texts[&target], ops, &ctx.words);
            let edits = Edits {
                writes: vec![(target, bytes)],
                ..Edits::default()
            };
            (leaf, edits)
        }
        ScenarioCase::Generated { gen, ops } => {
            let text = render_scenario(gen, ctx);
            let bytes = mutate::apply(text.as_bytes(), ops, &ctx.words);
            let path = "scenarios/generated.toml".to_string();
            (
                path.clone(),
                Edits {
                    writes: vec![(path, bytes)],
                    ..Edits::default()
                },
            )
        }
    }
}

/// Where a TOML text holds a NaN or an infinity (dotted paths, array indices as `[i]`), if it
/// parses.
fn non_finite_paths(bytes: &[u8]) -> Vec<String> {
    fn walk(path: &str, v: &toml::Value, out: &mut Vec<String>) {
        match v {
            toml::Value::Float(f) if !f.is_finite() => out.push(path.to_string()),
            toml::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(&format!("{path}[{i}]"), x, out);
                }
            }
            toml::Value::Table(t) => {
                for (k, x) in t {
                    walk(
                        &if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        },
                        x,
                        out,
                    );
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(t) = std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse::<toml::Table>().ok())
    {
        walk("", &toml::Value::Table(t), &mut out);
    }
    out
}

/// The defect of a file accepted with a NaN or infinity: named by the top-level table where
/// the first one is (each table's checks are one rule to fix), listing every place.
fn accepted_non_finite(what: &str, paths: &[String]) -> Option<Defect> {
    let first = paths.first()?;
    let section = first.split(['.', '[']).next().unwrap_or_default();
    Some(Defect::new(
        format!("{what} accepted a NaN or infinite number in [{section}]"),
        format!(
            "{what} accepted a file with a NaN or infinite number at {}",
            paths.join(", ")
        ),
    ))
}

/// The variant name of an error's `Debug` form.
fn variant(debug: &str) -> String {
    debug.split(['(', '{', ' ']).next().unwrap_or_default().to_string()
}

/// The scenario property on a working copy with the case's edits applied: loading never
/// panics, an error lists at least one problem with a message and a file, and a file with a
/// NaN or infinity in it is never accepted.
fn check_scenario(ws: &Workspace, entry: &str, edits: &Edits) -> Result<(), Defect> {
    ws.apply(edits).expect("apply edits");
    let result = guarded("load_scenario", || {
        let r = load_scenario(&ws.path(entry));
        let text = r.as_ref().err().map(|e| e.to_string());
        (r.is_ok(), r.err(), text)
    });
    ws.restore(edits);
    let (ok, err, _) = result?;
    harness::outcome(if ok { "accepted" } else { "refused" });
    let leaf_written = edits.writes.iter().find(|(p, _)| p == entry);
    if let Some(d) = leaf_written
        .filter(|_| ok)
        .and_then(|(_, b)| accepted_non_finite("load_scenario", &non_finite_paths(b)))
    {
        return Err(d);
    }
    if let Some(errs) = err {
        if errs.0.is_empty() {
            return Err(Defect::new(
                "load_scenario returned an empty error list",
                "empty ScenarioErrors",
            ));
        }
        if let Some(e) = errs
            .0
            .iter()
            .find(|e| e.message.trim().is_empty() || e.file.as_os_str().is_empty())
        {
            return Err(Defect::new(
                "load_scenario reported a problem without a message or a file",
                format!("{e:?}"),
            ));
        }
    }
    Ok(())
}

#[test]
fn scenario_loader_never_panics_on_mutated_or_generated_files() {
    let ctx = scenario_ctx();
    let ws = Workspace::new(&ctx.pristine);
    let report = fuzz(
        "scenario",
        per_target_cases(),
        scenario_case(),
        |case| {
            let (entry, edits) = scenario_edits(case, &ctx);
            check_scenario(&ws, &entry, &edits)
        },
        |case, dir| {
            let (entry, edits) = scenario_edits(case, &ctx);
            std::fs::write(dir.join("case.txt"), format!("target: scenario\nentry: {entry}\n"))?;
            edits.save(dir)
        },
    );
    report.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// Place files

/// Keys and headers of a place file (for near-miss keys and inserted lines).
fn place_words(text: &str) -> Vec<String> {
    let mut w: Vec<String> = Vec::new();
    for kind in [mutate::Tok::Header, mutate::Tok::Key] {
        for r in mutate::scan(text.as_bytes(), kind) {
            let s = text[r].to_string();
            if !w.contains(&s) {
                w.push(s);
            }
        }
    }
    w
}

/// How deep a refused place got: the whole file (unreadable, empty, not UTF-8), its TOML syntax,
/// the schema (unknown or missing keys, wrong types), or the figures' domains and tables.
fn place_refusal(e: &placesim::error::PlaceError) -> &'static str {
    match e.problems.first() {
        None => "refused: no problem listed",
        Some(p) if p.line == 0 => "refused: file",
        Some(p) if p.message.starts_with("invalid TOML") => "refused: syntax",
        Some(p)
            if e.problems.len() == 1
                && (p.message.contains("invalid type")
                    || p.message.contains("unknown field")
                    || p.message.starts_with("missing key")
                    || p.message.contains("invalid value")
                    || p.message.contains("invalid length")) =>
        {
            "refused: schema"
        }
        Some(_) => "refused: domain or tables",
    }
}

fn tiny_place() -> String {
    std::fs::read_to_string(manifest_dir().join("tests/data/places/tiny.place.toml")).expect("tiny place fixture")
}

/// A place input: the tiny fixture (nine cases in ten) or Croydon's text, mutated.
#[derive(Debug, Clone)]
struct PlaceCase {
    croydon: bool,
    ops: Vec<Op>,
}

fn place_case() -> impl Strategy<Value = PlaceCase> {
    (prop::bool::weighted(0.1), mutate::ops(4)).prop_map(|(croydon, ops)| PlaceCase { croydon, ops })
}

/// The place property: no panic; an invalid file lists its problems; a place with a NaN or
/// infinity is refused; an accepted place answers the questions the engine asks of it.
fn check_place(bytes: &[u8], scratch: &Path) -> Result<(), Defect> {
    let result = guarded("Place::from_toml", || {
        let r = match std::str::from_utf8(bytes) {
            Ok(text) => Place::from_toml(text, "fuzz.place.toml"),
            Err(_) => {
                std::fs::write(scratch, bytes).expect("write scratch place file");
                Place::load(scratch)
            }
        };
        let text = r.as_ref().err().map(|e| (e.to_string(), place_refusal(e)));
        (r.ok(), text)
    })?;
    match result {
        (Some(place), _) => {
            harness::outcome("accepted");
            if let Some(d) = accepted_non_finite("Place::from_toml", &non_finite_paths(bytes)) {
                return Err(d);
            }
            guarded("an accepted place", || {
                let _ = place.total_population();
                let _ = place.locality_population();
                let _ = place.locality_need();
                let _ = place.sourced_figures();
                for i in 0..place.lsoa_population.len() {
                    let _ = place.local_fifth(i);
                }
            })?;
        }
        (None, Some((text, kind))) => {
            harness::outcome(kind);
            if kind == "refused: no problem listed" {
                return Err(Defect::new("Place::from_toml refused the place with no problems", text));
            }
        }
        (None, None) => unreachable!(),
    }
    Ok(())
}

#[test]
fn place_loader_never_panics_on_mutated_place_files() {
    let tiny = tiny_place();
    let words_tiny = place_words(&tiny);
    let words_croydon = place_words(CROYDON_TOML);
    let tmp = tmp_dir();
    let scratch = tmp.path().join("place.toml");
    let bytes_of = |case: &PlaceCase| {
        if case.croydon {
            mutate::apply(CROYDON_TOML.as_bytes(), &case.ops, &words_croydon)
        } else {
            mutate::apply(tiny.as_bytes(), &case.ops, &words_tiny)
        }
    };
    let report = fuzz(
        "place",
        per_target_cases(),
        place_case(),
        |case| check_place(&bytes_of(case), &scratch),
        |case, dir| {
            std::fs::write(dir.join("case.txt"), "target: place\n")?;
            Edits {
                writes: vec![("place.toml".into(), bytes_of(case))],
                ..Edits::default()
            }
            .save(dir)
        },
    );
    report.assert_clean();
}

#[test]
fn the_tiny_place_fixture_is_a_valid_place_with_every_table() {
    let place = Place::from_toml(&tiny_place(), "tiny").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(place.locality_keys(), ["north", "south"]);
    assert_eq!(place.lsoa_population.len(), 4);
    assert!((place.total_population() - 455.0).abs() < 1e-9);
}

// ---------------------------------------------------------------------------------------------
// Run folders

/// One run folder and one comparison folder written by the binary, kept in
/// `target/tmp/fuzz-bases-*` for as long as the binary is the same one.
fn run_bases() -> &'static (PathBuf, PathBuf) {
    static BASES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BASES.get_or_init(|| {
        let bin = env!("CARGO_BIN_EXE_placesim");
        let meta = std::fs::metadata(bin).expect("the built binary");
        let stamp = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        // The version names the recipe below: change it when the recipe changes.
        let key = harness::short_hash(&format!("v2/{bin}/{}/{stamp}", meta.len()));
        let tmp_root = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let dir = tmp_root.join(format!("fuzz-bases-{key}"));
        if !dir.join("compare/manifest.json").is_file() {
            let staging = tmp_root.join(format!("fuzz-bases-{key}.staging-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&staging);
            std::fs::create_dir_all(staging.join("scen")).unwrap();
            let base = common::small_file(&staging.join("scen"), "baseline.toml", 0.02);
            let option = common::small_file(&staging.join("scen"), "life-expansion.toml", 0.02);
            // Two years fewer than the helper's horizon (still past the targets' FY2019/20)
            // halve the files every case reads.
            for f in [&base, &option] {
                let text = std::fs::read_to_string(f).unwrap().replace("2022-03-31", "2020-03-31");
                std::fs::write(f, text).unwrap();
            }
            let run = |args: &[&std::ffi::OsStr]| {
                let out = common::bin().args(args).output().expect("run the binary");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            };
            let flags = ["--replicates", "2", "--quiet", "--no-plots"].map(std::ffi::OsStr::new);
            let run_out = staging.join("run");
            let cmp_out = staging.join("compare");
            let mut a = vec![std::ffi::OsStr::new("run"), base.as_os_str()];
            a.extend(flags);
            a.extend(["--detail", "minimal", "--out"].map(std::ffi::OsStr::new));
            a.push(run_out.as_os_str());
            run(&a);
            let mut a = vec![std::ffi::OsStr::new("compare"), base.as_os_str(), option.as_os_str()];
            a.extend(flags);
            a.push(std::ffi::OsStr::new("--out"));
            a.push(cmp_out.as_os_str());
            run(&a);
            if std::fs::rename(&staging, &dir).is_err() {
                let _ = std::fs::remove_dir_all(&staging);
            }
            // Folders of earlier binaries are stale.
            for e in std::fs::read_dir(tmp_root).unwrap().filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("fuzz-bases-") && !name.contains(&key) && !name.contains(".staging-") {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        (dir.join("run"), dir.join("compare"))
    })
}

/// Files of a run folder that cases edit, weighted by how much of the reader they reach.
const RUN_FILES: &[&str] = &[
    "manifest.json",
    "manifest.json",
    "manifest.json",
    "manifest.json",
    "series.csv",
    "series.csv",
    "series.csv",
    "series.csv",
    "summary.csv",
    "summary.csv",
    "summary.csv",
    "targets.csv",
    "targets.csv",
    "comparison.csv",
    "comparison.csv",
    "comparison.csv",
    "annual.csv",
    "weekly.csv",
    "summary.json",
    "targets.json",
    "comparison.json",
    "board-summary.txt",
    "plots",
    "report.html",
];

/// Files at least this long are edited one byte at a time (reading them whole per case
/// would dominate the run).
const BIG_FILE: u64 = 2 << 20;

#[derive(Debug, Clone)]
enum FileOp {
    Mutate(Vec<Op>),
    Delete,
    Empty,
    MakeDir,
    CopyFrom(Index),
    PatchByte(Index, u8),
}

/// A run-folder input: the run or the comparison folder with one to three file edits; with
/// `rehash`, the manifest's `outputs` then get the SHA-256 and size of the edited files, so
/// that edited content passes a hash check and reaches the parsers behind it.
#[derive(Debug, Clone)]
struct RunCase {
    compare: bool,
    edits: Vec<(Index, FileOp)>,
    rehash: bool,
}

fn run_case() -> impl Strategy<Value = RunCase> {
    let op = prop_oneof![
        12 => mutate::ops(3).prop_map(FileOp::Mutate),
        1 => Just(FileOp::Delete),
        1 => Just(FileOp::Empty),
        1 => Just(FileOp::MakeDir),
        1 => any::<Index>().prop_map(FileOp::CopyFrom),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| FileOp::PatchByte(i, b)),
    ];
    (
        any::<bool>(),
        prop::collection::vec((any::<Index>(), op), 1..=3),
        any::<bool>(),
    )
        .prop_map(|(compare, edits, rehash)| RunCase { compare, edits, rehash })
}

fn run_words() -> Vec<String> {
    let mut w: Vec<String> = placesim::output::SERIES_COLUMNS
        .split(',')
        .chain(placesim::output::SUMMARY_COLUMNS.split(','))
        .map(String::from)
        .collect();
    w.extend(
        [
            "scenarios",
            "comparison",
            "base",
            "options",
            "window",
            "milestones",
            "localities",
        ]
        .map(String::from),
    );
    w
}

/// What a case leaves at a path of the folder.
#[derive(Clone)]
enum State {
    Bytes(Vec<u8>),
    Gone,
    Dir,
}

/// Gives the manifest's `outputs` entries of edited files their new SHA-256 and size (when
/// the manifest is still JSON with an `outputs` list).
fn rehash_manifest(state: &mut BTreeMap<&str, State>, base: &Path) {
    use sha2::{Digest, Sha256};
    let manifest = match state.get("manifest.json") {
        Some(State::Bytes(b)) => b.clone(),
        Some(_) => return,
        None => std::fs::read(base.join("manifest.json")).unwrap_or_default(),
    };
    let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&manifest) else {
        return;
    };
    // `get_mut`, not indexing: the mutated manifest may be any JSON (a number, a list), and
    // indexing such a value to assign into it panics.
    let Some(outputs) = json.get_mut("outputs").and_then(|o| o.as_array_mut()) else {
        return;
    };
    let mut changed = false;
    for o in outputs.iter_mut().filter_map(|o| o.as_object_mut()) {
        if let Some(State::Bytes(b)) = o.get("file").and_then(|f| f.as_str()).and_then(|f| state.get(f)) {
            o.insert(
                "sha256".into(),
                serde_json::Value::from(format!("{:x}", Sha256::digest(b))),
            );
            o.insert("bytes".into(), serde_json::Value::from(b.len()));
            changed = true;
        }
    }
    if changed {
        let text = serde_json::to_vec_pretty(&json).unwrap_or(manifest);
        state.insert("manifest.json", State::Bytes(text));
    }
}

/// The edits a run case makes, computed from the pristine folder.
fn run_edits(case: &RunCase, base: &Path, words: &[String]) -> Edits {
    let mut state: BTreeMap<&str, State> = BTreeMap::new();
    let current = |state: &BTreeMap<&str, State>, f: &str| match state.get(f) {
        Some(State::Bytes(b)) => b.clone(),
        Some(_) => Vec::new(),
        None => std::fs::read(base.join(f)).unwrap_or_default(),
    };
    for (which, op) in &case.edits {
        let file = RUN_FILES[which.index(RUN_FILES.len())];
        let big = std::fs::metadata(base.join(file)).is_ok_and(|m| m.len() >= BIG_FILE);
        let new = match op {
            FileOp::Delete => State::Gone,
            FileOp::Empty => State::Bytes(Vec::new()),
            FileOp::MakeDir => State::Dir,
            FileOp::CopyFrom(other) => State::Bytes(current(&state, RUN_FILES[other.index(RUN_FILES.len())])),
            FileOp::Mutate(ops) if !big => State::Bytes(mutate::apply(&current(&state, file), ops, words)),
            FileOp::Mutate(_) => State::Bytes(current(&state, file).into_iter().take(1000).collect()),
            FileOp::PatchByte(at, v) => {
                let mut b = current(&state, file);
                if !b.is_empty() {
                    let i = at.index(b.len());
                    b[i] = if b[i].is_ascii_digit() {
                        b'0' + (b[i] - b'0' + 1 + v % 9) % 10
                    } else {
                        b[i] ^ 1
                    };
                }
                State::Bytes(b)
            }
        };
        state.insert(file, new);
    }
    if case.rehash {
        rehash_manifest(&mut state, base);
    }
    let mut e = Edits::default();
    for (f, s) in state {
        match s {
            State::Bytes(b) => e.writes.push((f.to_string(), b)),
            State::Gone => e.deletes.push(f.to_string()),
            State::Dir => e.dirs.push(f.to_string()),
        }
    }
    e
}

/// The file of the folder whose bytes an edit changed while the manifest that hashes it
/// stayed as written: such a folder is damaged, and no reader may take it as a run.
fn tampered(base: &Path, edits: &Edits) -> Option<String> {
    let manifest = "manifest.json";
    let touched = edits
        .writes
        .iter()
        .map(|(p, _)| p)
        .chain(&edits.deletes)
        .chain(&edits.dirs);
    if touched.clone().any(|p| p == manifest) {
        return None;
    }
    // The files each pristine manifest hashes, read once per folder.
    static LISTED: std::sync::Mutex<BTreeMap<PathBuf, Vec<String>>> = std::sync::Mutex::new(BTreeMap::new());
    let listed = LISTED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(base.to_path_buf())
        .or_insert_with(|| {
            let text = std::fs::read_to_string(base.join(manifest)).unwrap_or_default();
            let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            json["outputs"]
                .as_array()
                .map(|a| a.iter().filter_map(|o| o["file"].as_str().map(String::from)).collect())
                .unwrap_or_default()
        })
        .clone();
    let changed = |p: &String| match edits.writes.iter().find(|(w, _)| w == p) {
        Some((_, bytes)) => {
            std::fs::metadata(base.join(p)).map_or(true, |m| m.len() != bytes.len() as u64)
                || std::fs::read(base.join(p)).ok().as_ref() != Some(bytes)
        }
        None => true,
    };
    touched.filter(|p| listed.contains(p)).find(|p| changed(p)).cloned()
}

/// The run-folder property: reading never panics, every error is bad input with a message,
/// the charts of a folder that reads back can be built without a panic, and a folder with an
/// output changed behind its manifest's back does not read back.
fn check_run_folder(ws: &Workspace, base: &Path, edits: &Edits) -> Result<(), Defect> {
    ws.apply(edits).expect("apply edits");
    let result = guarded("read_run_folder", || read_run_folder(&ws.root));
    ws.restore(edits);
    match result? {
        Ok(folder) => {
            harness::outcome("read back");
            guarded("charts", || charts(&folder))?;
            if let Some(file) = tampered(base, edits) {
                return Err(Defect::new(
                    "read_run_folder accepted an output that no longer matches the manifest",
                    format!(
                        "read_run_folder read back a folder whose {file} was changed after manifest.json hashed it"
                    ),
                ));
            }
        }
        Err(e) => {
            harness::outcome("refused");
            let text = guarded("OutputError display", || e.to_string())?;
            if !e.is_bad_input() {
                return Err(Defect::new(
                    format!(
                        "read_run_folder returned {} which is not bad input",
                        variant(&format!("{e:?}"))
                    ),
                    text,
                ));
            }
            if text.trim().is_empty() {
                return Err(Defect::new(
                    "read_run_folder returned an empty message",
                    format!("{e:?}"),
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn run_folder_reader_never_panics_and_reports_bad_input() {
    let (run, compare) = run_bases();
    let (ws_run, ws_cmp) = (Workspace::new(run), Workspace::new(compare));
    let words = run_words();
    let report = fuzz(
        "run-folder",
        per_target_cases(),
        run_case(),
        |case| {
            let (ws, base) = if case.compare {
                (&ws_cmp, compare)
            } else {
                (&ws_run, run)
            };
            check_run_folder(ws, base, &run_edits(case, base, &words))
        },
        |case, dir| {
            let base = if case.compare { compare } else { run };
            let name = if case.compare { "compare" } else { "run" };
            std::fs::write(dir.join("case.txt"), format!("target: run-folder\nbase: {name}\n"))?;
            run_edits(case, base, &words).save(dir)
        },
    );
    report.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// The binary

/// Runs the binary with a time limit; `None` as the code when a signal ended it.
fn run_bin(args: &[&std::ffi::OsStr]) -> Result<(Option<i32>, String), Defect> {
    let mut child = common::bin()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let clock = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for the binary") {
            break s;
        }
        if clock.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Defect::new("the binary ran for more than 120 s", format!("{args:?}")));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ok((status.code(), reader.join().unwrap_or_default()))
}

/// Signature of a failed run: the command, the exit, and where it panicked if it did.
fn exit_defect(cmd: &str, code: Option<i32>, stderr: &str) -> Defect {
    let panic_at = stderr
        .split("panicked at ")
        .nth(1)
        .map(|s| s.split([':', '\n']).take(2).collect::<Vec<_>>().join(":"));
    let first_error = stderr.lines().find(|l| l.starts_with("error")).unwrap_or_default();
    // Without a panic, the error's text up to its first detail names the failure.
    let what = panic_at.map(|p| format!("panicked at {p}")).unwrap_or_else(|| {
        first_error
            .split(|c: char| c.is_ascii_digit() || c == '`' || c == '/')
            .next()
            .unwrap_or_default()
            .to_string()
    });
    Defect::new(
        format!("{cmd} exited with {code:?}: {what}"),
        format!(
            "{cmd} exited with {code:?}; stderr:\n{}",
            harness::truncate(stderr, 3000)
        ),
    )
}

/// `placesim validate FILE` on a fresh copy of the scenario inputs with the case's edits:
/// exit 0 or 2, nothing written either way, and a message on exit 2.
fn check_cli_validate(pristine: &Path, entry: &str, edits: &Edits) -> Result<(), Defect> {
    let tmp = tmp_dir();
    let root = tmp.path().join("repo");
    copy_tree(pristine, &root, u64::MAX).expect("copy inputs");
    let ws = WorkingDir(root.clone());
    ws.apply(edits);
    let before = listing(&root);
    let (code, stderr) = run_bin(&["validate".as_ref(), root.join(entry).as_os_str()])?;
    harness::outcome(if code == Some(0) { "validate 0" } else { "validate 2" });
    if !matches!(code, Some(0) | Some(2)) {
        return Err(exit_defect("validate", code, &stderr));
    }
    if code == Some(2) && stderr.trim().is_empty() {
        return Err(Defect::new("validate exited 2 without a message", entry.to_string()));
    }
    if listing(&root) != before {
        return Err(Defect::new(
            "validate changed files",
            format!("validate {entry} changed the folder"),
        ));
    }
    Ok(())
}

/// `placesim plot RUN_DIR` on a fresh copy of a run folder with the case's edits: exit 0 or
/// 2; on exit 2 nothing new or changed; on exit 0 only `plots/` new; exit 2 when an output
/// was changed behind the manifest's back.
fn check_cli_plot(base: &Path, edits: &Edits) -> Result<(), Defect> {
    let tmp = tmp_dir();
    let root = tmp.path().join("run");
    copy_tree(base, &root, 1 << 20).expect("copy the run folder");
    let ws = WorkingDir(root.clone());
    ws.apply(edits);
    let before = listing(&root);
    let (code, stderr) = run_bin(&["plot".as_ref(), root.as_os_str()])?;
    harness::outcome(if code == Some(0) { "plot 0" } else { "plot 2" });
    if !matches!(code, Some(0) | Some(2)) {
        return Err(exit_defect("plot", code, &stderr));
    }
    let after: Vec<_> = listing(&root)
        .into_iter()
        .filter(|(p, ..)| code == Some(2) || !(p == "plots" || p.starts_with("plots/")))
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|(p, ..)| code == Some(2) || !(p == "plots" || p.starts_with("plots/")))
        .collect();
    if code == Some(2) && stderr.trim().is_empty() {
        return Err(Defect::new("plot exited 2 without a message", String::new()));
    }
    if code == Some(0) {
        if let Some(file) = tampered(base, edits) {
            return Err(Defect::new(
                "plot drew a folder whose outputs no longer match the manifest",
                format!("plot exited 0 on a folder whose {file} was changed after manifest.json hashed it"),
            ));
        }
    }
    if after != before {
        return Err(Defect::new(
            format!("plot exited with {code:?} and changed files other than a new plots/"),
            format!("before: {before:?}\nafter: {after:?}\nstderr: {stderr}"),
        ));
    }
    Ok(())
}

/// A folder edited in place (the binary's cases get a fresh copy each).
struct WorkingDir(PathBuf);

impl WorkingDir {
    fn apply(&self, e: &Edits) {
        for p in e.deletes.iter().chain(&e.dirs).chain(e.writes.iter().map(|(p, _)| p)) {
            files::remove_any(&self.0.join(p));
        }
        for (p, b) in &e.writes {
            std::fs::write(self.0.join(p), b).expect("write an edited file");
        }
        for p in &e.dirs {
            std::fs::create_dir_all(self.0.join(p)).expect("make a folder");
        }
    }
}

#[derive(Debug, Clone)]
enum CliCase {
    Validate(ScenarioCase),
    Plot(RunCase),
}

#[test]
fn the_binary_exits_0_or_2_and_writes_nothing_on_bad_input() {
    let ctx = scenario_ctx();
    let (run, compare) = run_bases();
    let words = run_words();
    let strategy = prop_oneof![
        scenario_case().prop_map(CliCase::Validate),
        run_case().prop_map(CliCase::Plot),
    ];
    let report = fuzz(
        "cli",
        env_count("PLACESIM_FUZZ_CLI_CASES", CI_CLI_CASES),
        strategy,
        |case| match case {
            CliCase::Validate(c) => {
                let (entry, edits) = scenario_edits(c, &ctx);
                check_cli_validate(&ctx.pristine, &entry, &edits)
            }
            CliCase::Plot(c) => {
                let base = if c.compare { compare } else { run };
                check_cli_plot(base, &run_edits(c, base, &words))
            }
        },
        |case, dir| match case {
            CliCase::Validate(c) => {
                let (entry, edits) = scenario_edits(c, &ctx);
                std::fs::write(dir.join("case.txt"), format!("target: cli-validate\nentry: {entry}\n"))?;
                edits.save(dir)
            }
            CliCase::Plot(c) => {
                let base = if c.compare { compare } else { run };
                let name = if c.compare { "compare" } else { "run" };
                std::fs::write(dir.join("case.txt"), format!("target: cli-plot\nbase: {name}\n"))?;
                run_edits(c, base, &words).save(dir)
            }
        },
    );
    report.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// Saved findings

/// Every minimal input saved in `tests/data/fuzz-found/` (one folder per defect the fuzz
/// targets found, with `case.txt`, `edits.txt` and the edited files) is checked again with the
/// property of its target. Each stays here as a regression input after its defect is fixed.
#[test]
fn every_saved_fuzz_finding_is_now_handled() {
    let found = manifest_dir().join("tests/data/fuzz-found");
    let Ok(rd) = std::fs::read_dir(&found) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let ctx = scenario_ctx();
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in dirs {
        let case = std::fs::read_to_string(dir.join("case.txt")).unwrap_or_default();
        let field = |k: &str| {
            case.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}: ")))
                .unwrap_or_default()
                .to_string()
        };
        let edits = Edits::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let base = || {
            let (run, compare) = run_bases();
            if field("base") == "compare" {
                compare
            } else {
                run
            }
        };
        let outcome = match field("target").as_str() {
            "scenario" => check_scenario(&Workspace::new(&ctx.pristine), &field("entry"), &edits),
            "cli-validate" => check_cli_validate(&ctx.pristine, &field("entry"), &edits),
            "place" => {
                let tmp = tmp_dir();
                let bytes = &edits.writes.first().expect("place.toml").1;
                check_place(bytes, &tmp.path().join("place.toml"))
            }
            "run-folder" => check_run_folder(&Workspace::new(base()), base(), &edits),
            "cli-plot" => check_cli_plot(base(), &edits),
            other => panic!("{}: unknown target `{other}`", dir.display()),
        };
        checked += 1;
        if let Err(d) = outcome {
            failures.push(format!("{}: {}", dir.display(), harness::truncate(&d.message, 400)));
        }
    }
    println!("replayed {checked} saved finding(s), {} still failing", failures.len());
    assert!(
        failures.is_empty(),
        "saved fuzz findings still fail:\n{}",
        failures.join("\n")
    );
}
