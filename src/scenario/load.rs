//! Loading scenario files: parse with positions, follow `extends`, validate every key against
//! the schema ([`super::schema`]) collecting all problems, then build a [`Scenario`].

use super::keys::{Checked, FromParsed, Keys, Parsed, Values};
use super::schema::{self, Def, KeySpec, Kind, EXTENDS, WILDCARD};
use super::{
    Allocation, Header, ModelParams, PerLocality, PlaceSource, Scenario, ScenarioFile, Services, MODEL_SECTION,
    SCENARIO_SECTION, SERVICES_SECTION,
};
use crate::calendar::Date;
use crate::error::{InputError, ScenarioErrors};
use crate::input::spanned::{self, LineIndex, Node, Pos, Table, Val};
use crate::place::Place;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Locality keys of the embedded Croydon place, in place-file order, for callers that need them
/// without building the place (tests, examples); a test checks that it equals the embedded
/// place's `locality_keys()`. Validation itself checks scenarios against the place they name.
pub const CROYDON_LOCALITY_KEYS: &[&str] = &[
    "east_croydon",
    "purley",
    "new_addington_and_selsdon",
    "mayday",
    "thornton_heath",
    "woodside_and_shirley",
];

/// Longest key of a scenario-declared service (`[services.custom.<key>]`), in characters: it
/// names output metrics and cost columns.
pub const MAX_INSTANCE_KEY_CHARS: usize = 40;

/// Most services one scenario may declare: each has a referral process in the event-driven
/// engine, whose processes are the bits of one `u64` (`engine::events::process::MAX`).
pub const MAX_DECLARED_SERVICES: usize =
    crate::engine::events::process::MAX - crate::engine::events::process::ENGINE - crate::services::BUILT_IN;

/// Longest scenario name, in characters: names become folder and file names (at most 255
/// bytes with placesim's prefixes and suffixes) and chart legends.
pub const MAX_NAME_CHARS: usize = 64;

/// Years any date in a scenario may take (service dates before a run's start are allowed, and
/// mean "from the start"); the run itself is bounded by the place's data
/// ([`YEARS_BEFORE_POPULATION_DATE`], [`LAST_YEAR_AFTER_POPULATION_YEAR`]).
const FIRST_DATE_YEAR: i32 = 1900;
const LAST_DATE_YEAR: i32 = 2200;

/// How far before the place's population date a run may start: the population is back-cast
/// along the growth path, which stops being a description of the place after a decade.
pub const YEARS_BEFORE_POPULATION_DATE: i32 = 10;

/// The last calendar year a run may reach, counted from the place's population year: the
/// mortality, activity and growth figures are held constant, at most four decades on (2060
/// for Croydon's mid-2019 population).
pub const LAST_YEAR_AFTER_POPULATION_YEAR: i32 = 41;

/// Loads and validates a scenario file (following `extends`).
pub fn load_scenario(path: &Path) -> Result<Scenario, ScenarioErrors> {
    let text = crate::input::read_text(path, "scenario file").map_err(|p| {
        ScenarioErrors(vec![InputError {
            line: p.line,
            column: p.column,
            ..InputError::whole_file(path, p.message)
        }])
    })?;
    load_scenario_str(&text, path)
}

/// Validates scenario text as if read from `path` (which anchors relative `extends`/`place`).
pub fn load_scenario_str(text: &str, path: &Path) -> Result<Scenario, ScenarioErrors> {
    let mut loader = Loader::default();
    loader.chain.push((canonical(path), path.to_path_buf()));
    let tree = loader.load_file(text, path);
    let tree = match tree {
        Some(t) if loader.problems.is_empty() => t,
        _ => return Err(into_errors(loader.problems, &loader.files)),
    };
    let mut v = Validator::default();
    v.walk(&tree, "", Pos::file(0));
    let scenario = v.build(&loader.files);
    v.cross_check(&loader.files);
    if v.problems.is_empty() && v.foreign.is_empty() {
        Ok(scenario)
    } else {
        let mut errors = into_errors(v.problems, &loader.files);
        errors.0.append(&mut v.foreign);
        Err(errors)
    }
}

/// One problem, located by file index and position.
#[derive(Debug, Clone)]
struct Problem {
    pos: Pos,
    field: String,
    message: String,
    suggestion: Option<String>,
}

impl Problem {
    fn new(pos: Pos, field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            pos,
            field: field.into(),
            message: message.into(),
            suggestion: None,
        }
    }
}

/// Sorts problems by file (outermost first) and position, and names their files, each with
/// the chain of files that led to it (file `i` is reached from files `0..i` by `extends`).
fn into_errors(mut problems: Vec<Problem>, files: &[ScenarioFile]) -> ScenarioErrors {
    problems.sort_by_key(|p| p.pos);
    ScenarioErrors(
        problems
            .into_iter()
            .map(|p| InputError {
                chain: chain_to(files, p.pos.file),
                file: files.get(p.pos.file).map(|f| f.path.clone()).unwrap_or_default(),
                line: p.pos.line,
                column: p.pos.column,
                field: p.field,
                message: p.message,
                suggestion: p.suggestion,
            })
            .collect(),
    )
}

/// The files before file `i` in the `extends` chain, outermost first.
fn chain_to(files: &[ScenarioFile], i: usize) -> Vec<PathBuf> {
    files.iter().take(i).map(|f| f.path.clone()).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn dir_of(path: &Path) -> &Path {
    path.parent().unwrap_or_else(|| Path::new(""))
}

/// Reads files and follows `extends`.
#[derive(Default)]
struct Loader {
    /// Every file read, outermost first.
    files: Vec<ScenarioFile>,
    problems: Vec<Problem>,
    /// Files being loaded (canonical path, path as shown), outermost first: for cycles.
    chain: Vec<(PathBuf, PathBuf)>,
}

impl Loader {
    /// Parses one file, loads and merges its parent; `None` when it cannot be used (the
    /// problem is recorded).
    fn load_file(&mut self, text: &str, path: &Path) -> Option<Table> {
        let file = self.files.len();
        self.files.push(ScenarioFile {
            path: path.to_path_buf(),
            sha256: sha256_hex(text.as_bytes()),
        });
        if let Some(message) = crate::input::blank(text) {
            self.problems.push(Problem::new(Pos::file(file), "", message));
            return None;
        }
        let index = LineIndex::new(text);
        let doc = match toml_edit::ImDocument::parse(text) {
            Ok(doc) => doc,
            Err(e) => {
                let detail: Vec<&str> = e.message().lines().map(str::trim).filter(|l| !l.is_empty()).collect();
                let message = format!("invalid TOML: {}", detail.join("; "));
                self.problems.push(Problem::new(index.pos(file, e.span()), "", message));
                return None;
            }
        };
        let tree = spanned::convert_document(doc.as_table(), &index, file);
        let Some(extends) = tree.get(EXTENDS) else {
            return Some(tree);
        };
        let at = extends.node.pos;
        let relative = match &extends.node.val {
            Val::Str(s) => s.clone(),
            other => {
                let message = format!(
                    "expected the path of a scenario file as a string, found {}",
                    describe(other)
                );
                self.problems.push(Problem::new(at, EXTENDS, message));
                return None;
            }
        };
        let parent_path = dir_of(path).join(&relative);
        let what = format!("extended scenario `{}`", parent_path.display());
        let parent_text = match crate::input::read_text(&parent_path, &what) {
            Ok(t) => t,
            Err(p) if p.line > 0 => {
                // Readable but not text: the problem is in the parent, at its first bad byte.
                let parent = self.files.len();
                self.files.push(ScenarioFile {
                    path: parent_path.clone(),
                    sha256: String::new(),
                });
                let pos = Pos {
                    file: parent,
                    line: p.line,
                    column: p.column,
                };
                self.problems.push(Problem::new(pos, "", p.message));
                return None;
            }
            Err(p) => {
                self.problems.push(Problem::new(at, EXTENDS, p.message));
                return None;
            }
        };
        let key = canonical(&parent_path);
        if self.chain.iter().any(|(c, _)| *c == key) {
            let mut names: Vec<String> = self
                .chain
                .iter()
                .map(|(_, shown)| shown.display().to_string())
                .collect();
            names.push(parent_path.display().to_string());
            let message = format!("`extends` cycle: {}", names.join(" → "));
            self.problems.push(Problem::new(at, EXTENDS, message));
            return None;
        }
        self.chain.push((key, parent_path.clone()));
        let parent = self.load_file(&parent_text, &parent_path);
        self.chain.pop();
        let mut parent = parent?;
        // A scenario's name and description describe that file only.
        if let Some(s) = parent.table_mut("scenario") {
            s.remove("name");
            s.remove("description");
        }
        Some(spanned::merge(parent, tree))
    }
}

/// Walks the merged tree against the schema.
#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
    /// Problems in other files the scenario uses (its place file), already located.
    foreign: Vec<InputError>,
    /// Every value that passed its checks, by concrete dotted path.
    values: BTreeMap<String, Checked>,
    /// The concrete dotted path of every section written.
    sections: BTreeSet<String>,
}

/// How a value is described in "found …".
fn describe(v: &Val) -> String {
    match v {
        Val::Str(s) if s.chars().count() > 60 => {
            let head: String = s.chars().take(40).collect();
            format!("a string of {} characters starting {head:?}", s.chars().count())
        }
        Val::Str(s) => format!("a string {s:?}"),
        Val::Int(i) => format!("the integer {i}"),
        Val::Float(f) => format!("the number {f}"),
        Val::Bool(b) => format!("the boolean {b}"),
        Val::Datetime(d) => format!("the TOML date-time {d}"),
        Val::Array(_) => "an array".to_string(),
        Val::Table(t) if t.inline => "an inline table".to_string(),
        Val::Table(_) => "a table".to_string(),
    }
}

/// The allowed range as written in messages: `[0, 1]`, `(0, 10]`, `[0, ∞)`.
fn range_text(kind: Kind) -> String {
    match kind {
        Kind::Num {
            min,
            max,
            open_min,
            open_max,
        } => {
            let lo = if open_min { '(' } else { '[' };
            if min.is_infinite() && max.is_infinite() {
                "any finite number".to_string()
            } else if max.is_infinite() {
                format!("{lo}{min}, ∞)")
            } else {
                let hi = if open_max { ')' } else { ']' };
                format!("{lo}{min}, {max}{hi}")
            }
        }
        Kind::Int { min, max } => format!("[{min}, {max}]"),
        _ => String::new(),
    }
}

fn with_unit(text: String, unit: &str) -> String {
    if unit.is_empty() {
        text
    } else {
        format!("{text} ({unit})")
    }
}

/// True for a [0, 1] (or [0, 1)) field: shares, probabilities, effects.
fn is_fraction_kind(kind: Kind) -> bool {
    matches!(kind, Kind::Num { min, max, .. } if min == 0.0 && (max - 1.0).abs() < f64::EPSILON)
}

/// The hint for a share written as a percentage.
fn fraction_hint(percent: f64) -> String {
    // Rounded so that 1.3 shows as 0.013, not 0.013000000000000001.
    let fraction = (percent / 100.0 * 1e9).round() / 1e9;
    format!("write shares as fractions: 0.35 for 35% (if you meant {percent}%, write {fraction})")
}

/// Splits `"6 weeks"` into `6` and `"weeks"`; `None` when the text does not start with a number.
fn leading_number(s: &str) -> Option<(f64, &str)> {
    let t = s.trim();
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    let number = t[..end].parse::<f64>().ok()?;
    Some((number, t[end..].trim()))
}

impl Validator {
    fn problem(&mut self, pos: Pos, field: &str, message: String) {
        self.problems.push(Problem::new(pos, field, message));
    }

    /// Checks every entry of `table` (section `prefix`) and reports required keys it lacks.
    fn walk(&mut self, table: &Table, prefix: &str, table_pos: Pos) {
        self.sections.insert(prefix.to_string());
        let instances = schema::holds_instances(prefix);
        for (n, entry) in table.entries.iter().enumerate() {
            let path = schema::join(prefix, &entry.key);
            if instances && n == MAX_DECLARED_SERVICES {
                self.problem(
                    entry.key_pos,
                    &path,
                    format!(
                        "at most {MAX_DECLARED_SERVICES} services may be declared in one scenario; this is one more"
                    ),
                );
            }
            if instances && !self.instance_key(prefix, &entry.key, entry.key_pos, &path) {
                continue;
            }
            if let Some(spec) = schema::spec(&path) {
                if let Some(checked) = self.leaf(spec, &path, &entry.node, table) {
                    self.values.insert(path, checked);
                }
            } else if schema::is_section(&path) {
                match &entry.node.val {
                    Val::Table(t) => self.walk(t, &path, entry.node.pos),
                    other => {
                        let message = format!("expected a section of settings `[{path}]`, found {}", describe(other));
                        self.problem(entry.node.pos, &path, message);
                    }
                }
            } else {
                let message = match &entry.node.val {
                    Val::Table(t) if !t.inline => format!("unknown section `[{path}]`"),
                    _ => format!("unknown key `{}`", entry.key),
                };
                let message = match schema::sections_with_key(&entry.key) {
                    homes if homes.is_empty() => message,
                    homes => format!("{message}; it belongs in {}", homes.join(" or ")),
                };
                let mut p = Problem::new(entry.key_pos, path, message);
                p.suggestion = schema::suggest(&entry.key, schema::children(prefix));
                self.problems.push(p);
            }
        }
        let place = if prefix.is_empty() {
            "the file".to_string()
        } else {
            format!("[{prefix}]")
        };
        for name in schema::children(prefix) {
            if name == WILDCARD || table.get(name).is_some() {
                continue;
            }
            let path = schema::join(prefix, name);
            match schema::spec(&path) {
                Some(spec) => {
                    if spec.def == Def::Required {
                        self.problem(table_pos, &path, format!("missing required key `{name}` in {place}"));
                    }
                }
                None => {
                    if schema::section_required(&path) {
                        self.problem(
                            table_pos,
                            &path,
                            format!("missing required section `[{path}]` in {place}"),
                        );
                    }
                }
            }
        }
    }

    /// Checks the key of an instance of a section declared for any number of them (`key` in
    /// `[services.custom.<key>]`): lowercase letters, digits and `_`, starting with a letter, at
    /// most [`MAX_INSTANCE_KEY_CHARS`], and not the name of a section beside `parent` (a built-in
    /// service). False when the instance cannot be checked further (a key with a dot in it).
    fn instance_key(&mut self, parent: &str, key: &str, pos: Pos, path: &str) -> bool {
        let well_formed = key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let (grandparent, own) = parent.rsplit_once('.').unwrap_or(("", parent));
        let taken: Vec<&str> = schema::children(grandparent)
            .into_iter()
            .filter(|name| *name != own)
            .collect();
        // Uncertainty declarations name no outputs and sit beside no built-in sections.
        let declared_only = parent == super::UNCERTAINTY_SECTION;
        let message = if !well_formed {
            Some(format!(
                "`{key}` is not a valid key for `[{parent}.<key>]`: use lowercase letters, digits and `_`, starting with a letter (e.g. `falls_prevention`)"
            ))
        } else if key.chars().count() > MAX_INSTANCE_KEY_CHARS {
            Some(format!(
                "a key of {} characters is too long: at most {MAX_INSTANCE_KEY_CHARS} (it names outputs and columns)",
                key.chars().count()
            ))
        } else if declared_only {
            None
        } else if taken.contains(&key) {
            Some(format!(
                "`{key}` is taken by the built-in `[{}]`; choose another key",
                schema::join(grandparent, key)
            ))
        } else {
            // A key whose outputs (`<key>_starts`, `cost_<key>`, …) a built-in output already
            // names would make the run folder ambiguous.
            crate::results::catalog::Catalog::key_clash(key).map(|clash| format!("{clash}; choose another key"))
        };
        if let Some(message) = message {
            self.problem(pos, path, message);
        }
        !key.contains('.')
    }

    /// Checks one value against its key's type and range.
    /// `field` is the key's concrete path; `table` the section it is written in (for a unit that
    /// depends on a sibling key).
    fn leaf(&mut self, spec: &KeySpec, field: &str, node: &Node, table: &Table) -> Option<Checked> {
        let unit = spec
            .unit
            .resolve(|sibling| match table.get(sibling).map(|e| &e.node.val) {
                Some(Val::Str(s)) => Some(s.clone()),
                _ => None,
            });
        let mut localities = Vec::new();
        let parsed = match spec.kind {
            Kind::Path => Parsed::Str(String::new()), // checked by the loader
            Kind::Bool => match &node.val {
                Val::Bool(b) => Parsed::Bool(*b),
                Val::Str(s) if s == "true" || s == "false" => {
                    self.problem(
                        node.pos,
                        field,
                        format!("expected true or false, found a string {s:?}; write it without quotes"),
                    );
                    return None;
                }
                other => {
                    self.problem(
                        node.pos,
                        field,
                        format!("expected true or false, found {}", describe(other)),
                    );
                    return None;
                }
            },
            Kind::Date => Parsed::Date(self.date(node, field)?),
            Kind::NonEmptyText => match &node.val {
                Val::Str(s) if !s.trim().is_empty() => Parsed::Str(s.clone()),
                Val::Str(_) => {
                    self.problem(node.pos, field, format!("must not be empty: write {unit}"));
                    return None;
                }
                other => {
                    self.problem(node.pos, field, format!("expected a string, found {}", describe(other)));
                    return None;
                }
            },
            Kind::Choice(names) => match &node.val {
                Val::Str(s) if names.contains(&s.as_str()) => {
                    Parsed::Choice(names.iter().position(|n| n == s).unwrap_or(0))
                }
                other => {
                    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
                    let mut p = Problem::new(
                        node.pos,
                        field,
                        format!("expected one of {}, found {}", quoted.join(", "), describe(other)),
                    );
                    if let Val::Str(s) = other {
                        p.suggestion = schema::suggest(s, names.iter().copied());
                    }
                    self.problems.push(p);
                    return None;
                }
            },
            Kind::LocalityList => match &node.val {
                Val::Array(items) if items.is_empty() => {
                    self.problem(
                        node.pos,
                        field,
                        "an empty list serves no locality: name at least one, or leave the key out to serve every locality"
                            .to_string(),
                    );
                    return None;
                }
                Val::Array(items) => {
                    let mut keys: Vec<String> = Vec::new();
                    let mut ok = true;
                    for item in items {
                        match &item.val {
                            Val::Str(k) if keys.contains(k) => {
                                self.problem(item.pos, field, format!("locality `{k}` is listed twice"));
                                ok = false;
                            }
                            Val::Str(k) => {
                                localities.push((k.clone(), item.pos, field.to_string()));
                                keys.push(k.clone());
                            }
                            other => {
                                let message = format!("expected a locality key as a string, found {}", describe(other));
                                self.problem(item.pos, field, message);
                                ok = false;
                            }
                        }
                    }
                    if !ok {
                        return None;
                    }
                    Parsed::List(keys)
                }
                other => {
                    let message = format!(
                        "expected an array of locality keys (e.g. [\"thornton_heath\", \"mayday\"]), found {}",
                        describe(other)
                    );
                    self.problem(node.pos, field, message);
                    return None;
                }
            },
            Kind::Text | Kind::Place => match &node.val {
                Val::Str(s) => Parsed::Str(s.clone()),
                other => {
                    self.problem(node.pos, field, format!("expected a string, found {}", describe(other)));
                    return None;
                }
            },
            Kind::Name => match &node.val {
                Val::Str(s) if s.chars().count() > MAX_NAME_CHARS => {
                    let message = format!(
                        "a name of {} characters is too long: at most {MAX_NAME_CHARS} (it names output folders, files and chart legends)",
                        s.chars().count()
                    );
                    self.problem(node.pos, field, message);
                    return None;
                }
                Val::Str(s)
                    if !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-') =>
                {
                    Parsed::Str(s.clone())
                }
                other => {
                    let message = format!(
                        "expected a short name of lowercase letters, digits, `_` and `-` (e.g. \"life-expansion\"), found {}",
                        describe(other)
                    );
                    self.problem(node.pos, field, message);
                    return None;
                }
            },
            Kind::Num { .. } => Parsed::Num(self.number(node, field, spec.kind, unit)?),
            Kind::Int { .. } => Parsed::Int(self.integer(node, field, spec.kind, unit)?),
            Kind::Allocation => match &node.val {
                Val::Str(s) if s == "population" => Parsed::Allocation(Allocation::Population),
                Val::Str(s) if s == "need" => Parsed::Allocation(Allocation::Need),
                other => {
                    let message = format!("expected \"population\" or \"need\", found {}", describe(other));
                    self.problem(node.pos, field, message);
                    return None;
                }
            },
            Kind::PerLocality => match &node.val {
                Val::Table(t) => {
                    let mut each = BTreeMap::new();
                    let mut ok = true;
                    for e in &t.entries {
                        let f = format!("{field}.{}", e.key);
                        localities.push((e.key.clone(), e.key_pos, f.clone()));
                        match self.number(&e.node, &f, schema::COUNT, unit) {
                            Some(x) => {
                                each.insert(e.key.clone(), x);
                            }
                            None => ok = false,
                        }
                    }
                    if !ok {
                        return None;
                    }
                    Parsed::PerLocality(PerLocality::Each(each))
                }
                Val::Int(_) | Val::Float(_) | Val::Str(_) => {
                    Parsed::PerLocality(PerLocality::Total(self.number(node, field, schema::COUNT, unit)?))
                }
                other => {
                    let message = format!(
                        "expected a number ≥ 0 (borough total, {}) or an inline table by locality \
                         (e.g. {{ thornton_heath = 4, mayday = 3 }}), found {}",
                        unit,
                        describe(other)
                    );
                    self.problem(node.pos, field, message);
                    return None;
                }
            },
            Kind::DateByLocality => match &node.val {
                Val::Table(t) => {
                    let mut dates = BTreeMap::new();
                    let mut ok = true;
                    for e in &t.entries {
                        let f = format!("{field}.{}", e.key);
                        localities.push((e.key.clone(), e.key_pos, f.clone()));
                        match self.date(&e.node, &f) {
                            Some(d) => {
                                dates.insert(e.key.clone(), d);
                            }
                            None => ok = false,
                        }
                    }
                    if !ok {
                        return None;
                    }
                    Parsed::Dates(dates)
                }
                other => {
                    let message = format!(
                        "expected an inline table of locality = \"YYYY-MM-DD\" (e.g. {{ thornton_heath = \"2020-03-02\" }}), found {}",
                        describe(other)
                    );
                    self.problem(node.pos, field, message);
                    return None;
                }
            },
        };
        Some(Checked {
            parsed,
            pos: node.pos,
            localities,
        })
    }

    /// A string where a number belongs: explain units and quotes.
    fn string_for_number(&mut self, node: &Node, field: &str, s: &str, kind: Kind, unit: &str) {
        let range = with_unit(range_text(kind), unit);
        let message = match leading_number(s) {
            Some((_, "")) => {
                format!("expected a number in {range}, found a string {s:?}; write it without quotes")
            }
            Some((x, rest)) => {
                let mut m =
                    format!("expected a number without units, found a string {s:?}; write the number only, in {range}");
                if rest == "%" && is_fraction_kind(kind) {
                    m = format!(
                        "expected a number without units, found a string {s:?}; {}",
                        fraction_hint(x)
                    );
                }
                m
            }
            None => format!("expected a number in {range}, found a string {s:?}"),
        };
        self.problem(node.pos, field, message);
    }

    /// A finite number within `kind`'s range (integers are accepted).
    fn number(&mut self, node: &Node, field: &str, kind: Kind, unit: &str) -> Option<f64> {
        let Kind::Num {
            min,
            max,
            open_min,
            open_max,
        } = kind
        else {
            return None;
        };
        let range = with_unit(range_text(kind), unit);
        let v = match &node.val {
            Val::Int(i) => *i as f64,
            Val::Float(f) => *f,
            Val::Str(s) => {
                self.string_for_number(node, field, s, kind, unit);
                return None;
            }
            other => {
                self.problem(
                    node.pos,
                    field,
                    format!("expected a number in {range}, found {}", describe(other)),
                );
                return None;
            }
        };
        if !v.is_finite() {
            self.problem(
                node.pos,
                field,
                format!("expected a finite number in {range}, found {v}"),
            );
            return None;
        }
        let below = if open_min { v <= min } else { v < min };
        let above = if open_max { v >= max } else { v > max };
        if !(below || above) {
            return Some(v);
        }
        let mut message = if v < 0.0 && min >= 0.0 && max.is_infinite() {
            with_unit(format!("{v} is negative: it must be ≥ {min}"), unit)
        } else {
            format!("{v} is outside {range}")
        };
        if is_fraction_kind(kind) && v > 1.0 && v <= 100.0 {
            message.push_str("; ");
            message.push_str(&fraction_hint(v));
        }
        self.problem(node.pos, field, message);
        None
    }

    /// A whole number within `kind`'s range (floats without a fractional part are accepted).
    fn integer(&mut self, node: &Node, field: &str, kind: Kind, unit: &str) -> Option<i64> {
        let Kind::Int { min, max } = kind else {
            return None;
        };
        let range = with_unit(range_text(kind), unit);
        let v = match &node.val {
            Val::Int(i) => *i,
            Val::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => *f as i64,
            Val::Float(f) => {
                self.problem(
                    node.pos,
                    field,
                    format!("expected a whole number in {range}, found {f}"),
                );
                return None;
            }
            Val::Str(s) => {
                self.string_for_number(node, field, s, kind, unit);
                return None;
            }
            other => {
                self.problem(
                    node.pos,
                    field,
                    format!("expected a whole number in {range}, found {}", describe(other)),
                );
                return None;
            }
        };
        if v < min || v > max {
            self.problem(node.pos, field, format!("{v} is outside {range}"));
            return None;
        }
        Some(v)
    }

    /// A date: a `"YYYY-MM-DD"` string or a TOML local date.
    fn date(&mut self, node: &Node, field: &str) -> Option<Date> {
        let date = match &node.val {
            Val::Str(s) => Date::parse(s),
            Val::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => Date::from_ymd(i32::from(d.year), u32::from(d.month), u32::from(d.day)),
                _ => None,
            },
            _ => None,
        };
        let (first, last) = (FIRST_DATE_YEAR, LAST_DATE_YEAR);
        match date {
            Some(d) if (first..=last).contains(&d.ymd().0) => return Some(d),
            Some(d) => {
                let message = format!("{d} is outside the years {first} to {last} that any date may take");
                self.problem(node.pos, field, message);
            }
            None => self.problem(
                node.pos,
                field,
                format!(
                    "expected a date as \"YYYY-MM-DD\" (a real calendar date), found {}",
                    describe(&node.val)
                ),
            ),
        }
        None
    }

    fn get(&self, path: &str) -> Option<&Parsed> {
        self.values.get(path).map(|c| &c.parsed)
    }

    fn pos(&self, path: &str) -> Option<Pos> {
        self.values.get(path).map(|c| c.pos)
    }

    /// The value at `path` as its field would hold it (the default when absent).
    fn read<T: FromParsed>(&self, path: &str) -> T {
        T::read(&Values::new(&self.values, &self.sections, ""), path)
    }

    /// Where the place comes from; a path is relative to the file that names it.
    fn place_source(&self, place: &str, files: &[ScenarioFile]) -> PlaceSource {
        if place == "croydon" {
            return PlaceSource::EmbeddedCroydon;
        }
        let dir = self
            .pos(&schema::join(SCENARIO_SECTION, "place"))
            .and_then(|pos| files.get(pos.file))
            .map_or_else(PathBuf::new, |f| dir_of(&f.path).to_path_buf());
        PlaceSource::File(dir.join(place))
    }

    /// Builds the scenario from checked values and defaults (placeholders where a value was
    /// bad or missing; such a scenario is never returned because a problem was recorded).
    fn build(&self, files: &[ScenarioFile]) -> Scenario {
        let stem = files
            .first()
            .and_then(|f| f.path.file_stem())
            .map_or_else(|| "scenario".to_string(), |s| s.to_string_lossy().into_owned());
        let v = Values::new(&self.values, &self.sections, &stem);
        let header = Header::build(&v, SCENARIO_SECTION);
        Scenario {
            place: self.place_source(&header.place, files),
            name: header.name,
            description: header.description,
            files: files.to_vec(),
            start: header.start,
            end: header.end,
            scale: header.scale,
            warm_up_weeks: header.warm_up_weeks,
            model: ModelParams::build(&v, MODEL_SECTION),
            services: Services::build(&v, SERVICES_SECTION),
            uncertainty: <Vec<super::Uncertain> as super::keys::Instances>::build(&v, super::UNCERTAINTY_SECTION),
        }
    }

    /// Checks that involve more than one key, or the place.
    fn cross_check(&mut self, files: &[ScenarioFile]) {
        let start = match self.get("scenario.start") {
            Some(Parsed::Date(d)) => Some(*d),
            _ => None,
        };
        let end = match self.get("scenario.end") {
            Some(Parsed::Date(d)) => Some(*d),
            _ => None,
        };
        if let (Some(s), Some(pos)) = (start, self.pos("scenario.start")) {
            if s.weekday() != 0 {
                let monday = s.add_days(-(s.weekday() as i32));
                let message = format!(
                    "{s} is a {}; the first simulated week must start on a Monday (e.g. {monday})",
                    weekday_name(s.weekday())
                );
                self.problem(pos, "scenario.start", message);
            }
        }
        if let (Some(e), Some(pos)) = (end, self.pos("scenario.end")) {
            if let Some(s) = start {
                if e <= s {
                    self.problem(pos, "scenario.end", format!("{e} is not after scenario.start {s}"));
                }
            }
        }
        // Every section with a rollout (built-in and scenario-declared services alike).
        let sections: Vec<String> = self.sections.iter().cloned().collect();
        for section in &sections {
            let start_key = schema::join(section, "start");
            let full_key = schema::join(section, "full_by");
            if let (Some(Parsed::Date(s)), Some(Parsed::Date(f)), Some(pos)) =
                (self.get(&start_key), self.get(&full_key), self.pos(&full_key))
            {
                if f < s {
                    let message = format!("{f} is before {start_key} {s}; full capacity cannot come before the start");
                    self.problem(pos, &full_key, message);
                }
            }
            let min_key = schema::join(section, "min_age");
            let max_key = schema::join(section, "max_age");
            if let (Some(Parsed::Int(max)), Some(pos)) = (self.get(&max_key), self.pos(&max_key)) {
                let max = *max;
                let min = i64::from(self.read::<u8>(&min_key));
                if max < min {
                    let message = format!("{max} is below {min_key} {min}: no one could be taken on");
                    self.problem(pos, &max_key, message);
                }
            }
        }
        self.check_place(files);
    }

    /// Checks against the place: it loads (its own problems are reported in its file, after
    /// the chain of scenario files that named it), per-locality tables name its localities, the
    /// run's dates are within what its data support, and the scale gives every locality at least
    /// one agent.
    fn check_place(&mut self, files: &[ScenarioFile]) {
        let place_key = schema::join(SCENARIO_SECTION, "place");
        let place: String = self.read(&place_key);
        let source = self.place_source(&place, files);
        let at = self.pos(&place_key).unwrap_or(Pos::file(0));
        let loaded;
        let place: &Place = match &source {
            PlaceSource::EmbeddedCroydon => croydon(),
            PlaceSource::File(path) => match Place::load(path) {
                Ok(p) => {
                    loaded = p;
                    &loaded
                }
                Err(e) => {
                    // A problem with the whole file (missing, empty, unreadable) is the
                    // scenario's, at the line naming it; others are located in the place file.
                    let chain = chain_to(files, at.file + 1);
                    for mut p in e.problems {
                        if p.line == 0 {
                            let message = format!("place file `{}`: {}", path.display(), p.message);
                            self.problem(at, "scenario.place", message);
                        } else {
                            p.chain = chain.clone();
                            self.foreign.push(p);
                        }
                    }
                    return;
                }
            },
        };
        self.check_localities(&place.locality_keys());
        self.check_uncertainty(place);
        let Some(pop_date) = Date::parse(&place.file.meta.population_date) else {
            return;
        };
        let (year, _, _) = pop_date.ymd();
        let first = Date::from_ymd(year - YEARS_BEFORE_POPULATION_DATE, 1, 1);
        let last = Date::from_ymd(year + LAST_YEAR_AFTER_POPULATION_YEAR, 12, 31);
        if let (Some(Parsed::Date(start)), Some(pos), Some(first)) =
            (self.get("scenario.start").cloned(), self.pos("scenario.start"), first)
        {
            if start < first {
                let message = format!(
                    "{start} is before {first}, the earliest start the place's data support ({YEARS_BEFORE_POPULATION_DATE} years before its population date {pop_date})"
                );
                self.problem(pos, "scenario.start", message);
            }
        }
        if let (Some(Parsed::Date(end)), Some(pos), Some(last)) =
            (self.get("scenario.end").cloned(), self.pos("scenario.end"), last)
        {
            if end > last {
                let message = format!(
                    "{end} is after {last}, the last day the place's data support (the end of the {LAST_YEAR_AFTER_POPULATION_YEAR}st year after its population date {pop_date})"
                );
                self.problem(pos, "scenario.end", message);
            }
        }
        self.check_scale(place, pop_date);
    }

    /// Every `[uncertainty.<name>]` resolves against the place: it names a calibratable key or a
    /// scalar place figure, and its family fits the central value, the range and the figure's
    /// domain ([`crate::uncertainty::resolve`]).
    fn check_uncertainty(&mut self, place: &Place) {
        let prefix = format!("{}.", super::UNCERTAINTY_SECTION);
        let names: Vec<String> = self
            .sections
            .iter()
            .filter_map(|s| s.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('.'))
            .map(str::to_string)
            .collect();
        if names.is_empty() {
            return;
        }
        let figures = crate::uncertainty::PlaceFigures::of(place);
        for name in names {
            let at = |field: &str| format!("{prefix}{name}.{field}");
            let (Some(Parsed::Str(figure)), Some(Parsed::Str(source))) =
                (self.get(&at("figure")).cloned(), self.get(&at("source")).cloned())
            else {
                continue; // a missing or bad figure or source is already reported
            };
            let family = match self.get(&at("distribution")) {
                Some(Parsed::Choice(i)) => crate::uncertainty::Family::VALUES[*i],
                _ => crate::uncertainty::Family::Triangular,
            };
            let number = |p: Option<&Parsed>| match p {
                Some(Parsed::Num(x)) => Some(*x),
                _ => None,
            };
            let declared = crate::uncertainty::Declared {
                figure: &figure,
                family,
                low: number(self.get(&at("low"))),
                high: number(self.get(&at("high"))),
                source: &source,
            };
            let value = schema::spec(&figure).map(|_| self.read::<f64>(&figure));
            if let Err((field, message)) = crate::uncertainty::resolve(&declared, &figures, value) {
                let pos = self
                    .pos(&at(field))
                    .or_else(|| self.pos(&at("figure")))
                    .unwrap_or(Pos::file(0));
                self.problem(pos, &at(field), message);
            }
        }
    }

    /// The scale must give every locality at least one agent at the start.
    fn check_scale(&mut self, place: &Place, pop_date: Date) {
        let (Some(Parsed::Num(scale)), Some(Parsed::Date(start))) =
            (self.get("scenario.scale").cloned(), self.get("scenario.start").cloned())
        else {
            return;
        };
        let synth = crate::population::synthesis_scale(place, scale, start, pop_date);
        let residents = place.locality_population();
        let empty: Vec<String> = place
            .file
            .localities
            .iter()
            .zip(&residents)
            .filter(|(_, &r)| (r * synth).round() < 1.0)
            .map(|(l, &r)| format!("{} ({r} residents)", l.name))
            .collect();
        if empty.is_empty() {
            return;
        }
        // The smallest scale that rounds every locality to one agent, with a little room.
        let smallest = residents.iter().cloned().fold(f64::INFINITY, f64::min);
        let needed = scale / synth * 0.5 / smallest;
        let suggestion = format!("{:.2e}", needed * 1.01);
        let pos = self.pos("scenario.scale").unwrap_or(Pos::file(0));
        let message = format!(
            "{scale} gives no agents in {}: every locality needs at least one; use a scale of at least {suggestion}",
            empty.join(", ")
        );
        self.problem(pos, "scenario.scale", message);
    }

    /// Locality keys in per-locality tables and locality lists must name localities of the place.
    fn check_localities(&mut self, known: &[&str]) {
        let named: Vec<(String, Pos, String)> = self
            .values
            .values()
            .flat_map(|c| c.localities.iter().cloned())
            .collect();
        for (key, pos, field) in named {
            if known.contains(&key.as_str()) {
                continue;
            }
            let mut p = Problem::new(
                pos,
                field,
                format!(
                    "unknown locality `{key}`; the place's localities are {}",
                    known.join(", ")
                ),
            );
            p.suggestion = schema::suggest(&key, known.iter().copied());
            self.problems.push(p);
        }
    }
}

/// The embedded Croydon place, built once per process for validation.
fn croydon() -> &'static Place {
    static CROYDON: std::sync::OnceLock<Place> = std::sync::OnceLock::new();
    CROYDON.get_or_init(Place::croydon)
}

fn weekday_name(w: u32) -> &'static str {
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    .get(w as usize)
    .copied()
    .unwrap_or("day")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::SCENARIO_KEYS;

    #[test]
    fn scenario_keys_list_the_schema() {
        assert_eq!(SCENARIO_KEYS.len(), schema::schema().len());
        assert!(SCENARIO_KEYS.contains(&"services.life.divert_probability"));
        assert!(SCENARIO_KEYS.contains(&"extends"));
        assert!(SCENARIO_KEYS.iter().all(|k| !k.is_empty()));
    }

    #[test]
    fn leading_numbers_split_off_units() {
        assert_eq!(leading_number("6 weeks"), Some((6.0, "weeks")));
        assert_eq!(leading_number("35%"), Some((35.0, "%")));
        assert_eq!(leading_number("0.3"), Some((0.3, "")));
        assert_eq!(leading_number("weeks"), None);
    }

    /// One declared service more than the engine has processes for is bad input, reported at
    /// its section.
    #[test]
    fn too_many_declared_services_are_refused_at_the_first_one_too_many() {
        let mut text = String::from("[scenario]\nstart = \"2016-04-04\"\nend = \"2017-04-04\"\n");
        for k in 0..=MAX_DECLARED_SERVICES {
            text.push_str(&format!("[services.custom.s{k}]\nlabel = \"x\"\n"));
        }
        let err = load_scenario_str(&text, Path::new("x.toml")).expect_err("too many");
        let p = err
            .0
            .iter()
            .find(|p| p.message.contains("services may be declared"))
            .expect("the limit is reported");
        assert_eq!(p.field, format!("services.custom.s{MAX_DECLARED_SERVICES}"));
        assert_eq!(p.line, 4 + 2 * MAX_DECLARED_SERVICES);
    }

    #[test]
    fn syntax_errors_point_at_the_parser_span() {
        let err = load_scenario_str("[scenario]\nstart = \"2016-04-04\"\nend = = 3\n", Path::new("x.toml"))
            .expect_err("malformed");
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].line, 3);
        assert!(err.0[0].column > 1);
        assert!(err.0[0].message.starts_with("invalid TOML"));
    }

    #[test]
    fn missing_sections_are_reported_at_the_file() {
        let err = load_scenario_str(
            "[scenario]\nstart = \"2016-04-04\"\nend = \"2017-04-04\"\n",
            Path::new("x.toml"),
        )
        .expect_err("incomplete");
        assert!(err
            .0
            .iter()
            .any(|e| e.line == 0 && e.field == "model" && e.message.contains("missing required section")));
        assert!(err.0.iter().any(|e| e.field == "services"));
    }
    fn baseline_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml")
    }

    /// Loads `body` as a file extending the shipped baseline.
    fn with_baseline(body: &str) -> Result<Scenario, ScenarioErrors> {
        let text = format!("extends = {:?}\n{body}", baseline_path().display().to_string());
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("option.toml");
        load_scenario_str(&text, &here)
    }

    #[test]
    fn toml_dates_and_per_locality_tables_are_accepted() {
        let s = with_baseline("[services.pic]\nstart = 2017-05-01\nworkers = { mayday = 4, purley = 2.5 }\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.services.pic.rollout.start, Date::parse("2017-05-01").expect("date"));
        let PerLocality::Each(w) = &s.services.pic.workers else {
            panic!("expected per-locality workers")
        };
        assert_eq!(w.len(), 2);
        assert!(w.get("purley").is_some_and(|x| (x - 2.5).abs() < 1e-12));
        // The capacity multiplier's date follows the (changed) start by default.
        assert_eq!(
            s.services.pic.rollout.capacity_multiplier_from,
            s.services.pic.rollout.start
        );
    }

    #[test]
    fn a_percentage_string_gets_the_fraction_hint() {
        let err = with_baseline("[services.life]\ndivert_probability = \"35%\"\n").expect_err("bad");
        assert_eq!(err.0.len(), 1);
        let m = &err.0[0].message;
        assert!(m.contains("without units") && m.contains("0.35 for 35%"), "{m}");
        assert_eq!((err.0[0].line, err.0[0].column), (3, 22));
    }

    #[test]
    fn a_key_in_the_wrong_section_says_where_it_belongs() {
        let err = with_baseline("[services.pic]\ndivert_probability = 0.3\n").expect_err("bad");
        assert_eq!(err.0.len(), 1);
        assert!(
            err.0[0].message.contains("belongs in [services.life]"),
            "{}",
            err.0[0].message
        );
    }

    #[test]
    fn full_by_before_start_and_late_end_are_reported() {
        let err = with_baseline("[scenario]\nend = \"2061-01-01\"\n[services.life]\nfull_by = \"2017-01-01\"\n")
            .expect_err("bad");
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["scenario.end", "services.life.full_by"]);
        assert!(err.0[0].message.contains("2060-12-31"));
        assert!(err.0[1].message.contains("before services.life.start"));
    }
}
