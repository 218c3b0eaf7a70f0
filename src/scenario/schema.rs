//! The scenario-file schema: every allowed key with its type, allowed range, default and unit.
//! Validation walks this table (rather than deriving a deserializer) so that every problem in a
//! file is collected and reported together.
//!
//! The table is not written here: each section declares its keys once, beside its typed struct
//! ([`super::keys::scenario_section!`]), and [`schema`] collects them in documentation order. A
//! section mounted for any number of instances (`[services.custom.<key>]`) has [`WILDCARD`] for
//! the instance's key in its paths; the lookups here match any single segment there.

use std::sync::OnceLock;

/// The segment that stands for an instance's key in the paths of a section declared for any
/// number of instances (e.g. `services.custom.<key>.min_age`).
pub(crate) const WILDCARD: &str = "<key>";

/// The top-level key naming a parent scenario file (read by the loader, not the validator).
pub(crate) const EXTENDS: &str = "extends";

/// The type and allowed values of a key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// `true` / `false`.
    Bool,
    /// A date, `"YYYY-MM-DD"`.
    Date,
    /// Free text.
    Text,
    /// Free text that must say something (not empty or only whitespace).
    NonEmptyText,
    /// A short name: `[a-z0-9_-]+`.
    Name,
    /// `"croydon"` or a place-file path relative to the scenario file.
    Place,
    /// A path to another scenario file (checked by the loader, not the validator).
    Path,
    /// A finite real number in a range; `open_min`/`open_max` exclude the bound.
    Num {
        min: f64,
        max: f64,
        open_min: bool,
        open_max: bool,
    },
    /// A whole number in `min..=max`.
    Int { min: i64, max: i64 },
    /// A capacity ≥ 0: one borough total, or an inline table of locality → value.
    PerLocality,
    /// `"population"` or `"need"`.
    Allocation,
    /// An inline table of locality → date.
    DateByLocality,
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// An array of locality keys (at least one, each once).
    LocalityList,
}

/// What happens when a key is absent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Def {
    /// Must be given (the baseline gives it).
    Required,
    /// May be absent with no value (`extends`; a list that is then empty).
    Optional,
    /// This number.
    Num(f64),
    /// This truth value.
    Bool(bool),
    /// This text.
    Str(&'static str),
    /// The stem of the outermost scenario file's name.
    FileStem,
    /// The key of the section's instance with `_` written as spaces (for a section declared for
    /// any number of instances).
    KeyLabel,
    /// The value of another key (full dotted path).
    SameAs(&'static str),
    /// The value of another key of the same section (its name).
    Sibling(&'static str),
}

/// The unit of a key, for messages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Unit {
    /// Always this text (empty when dimensionless or obvious).
    Fixed(&'static str),
    /// Depends on the text value of a sibling key: `units` pairs a value of `key` with the unit
    /// it implies; `otherwise` is used when `key` is absent or holds something else.
    BySibling {
        key: &'static str,
        units: &'static [(&'static str, &'static str)],
        otherwise: &'static str,
    },
}

impl From<&'static str> for Unit {
    fn from(text: &'static str) -> Unit {
        Unit::Fixed(text)
    }
}

impl Unit {
    /// The unit text, given the sibling's value where the unit depends on one.
    pub(crate) fn resolve(&self, sibling: impl FnOnce(&str) -> Option<String>) -> &'static str {
        match *self {
            Unit::Fixed(text) => text,
            Unit::BySibling { key, units, otherwise } => sibling(key)
                .and_then(|v| units.iter().find(|(value, _)| *value == v).map(|(_, unit)| *unit))
                .unwrap_or(otherwise),
        }
    }
}

/// One allowed key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeySpec {
    /// Full dotted path, e.g. `services.life.divert_probability` (with [`WILDCARD`] for the
    /// key of a section's instance).
    pub path: String,
    pub kind: Kind,
    pub def: Def,
    /// Unit for messages.
    pub unit: Unit,
}

impl KeySpec {
    /// A key at `path`.
    pub(crate) fn new(path: String, kind: Kind, def: Def, unit: impl Into<Unit>) -> KeySpec {
        KeySpec {
            path,
            kind,
            def,
            unit: unit.into(),
        }
    }
}

/// A number in `[min, max]`.
pub(crate) const fn closed(min: f64, max: f64) -> Kind {
    Kind::Num {
        min,
        max,
        open_min: false,
        open_max: false,
    }
}

/// A number in `(min, max]`.
pub(crate) const fn above_up_to(min: f64, max: f64) -> Kind {
    Kind::Num {
        min,
        max,
        open_min: true,
        open_max: false,
    }
}

/// A number ≥ `min`.
pub(crate) const fn at_least(min: f64) -> Kind {
    closed(min, f64::INFINITY)
}

/// Probability or share: [0, 1].
pub(crate) const PROB: Kind = closed(0.0, 1.0);
/// Relative effect that must leave some hazard: [0, 1).
pub(crate) const EFFECT: Kind = Kind::Num {
    min: 0.0,
    max: 1.0,
    open_min: false,
    open_max: true,
};
/// Relative effect that may also be a harm (negative raises the rate) but must leave some
/// hazard: [-1, 1).
pub(crate) const EFFECT_OR_HARM: Kind = Kind::Num {
    min: -1.0,
    max: 1.0,
    open_min: false,
    open_max: true,
};
/// Mean weeks before a referral that is still waiting lapses: [0, 520], 0 = never.
pub(crate) const LAPSE_WEEKS: Kind = closed(0.0, 520.0);
/// The default of [`LAPSE_WEEKS`] (a stated rule, not a measured one: a referral not taken on
/// within about six months is closed and returned to the referrer, who may refer again).
pub(crate) const LAPSE_DEFAULT: Def = Def::Num(26.0);
/// The unit of [`LAPSE_WEEKS`].
pub(crate) const LAPSE_UNIT: &str = "mean weeks waiting before a referral lapses (0 = never)";
/// A count or rate that cannot be negative.
pub(crate) const COUNT: Kind = at_least(0.0);
/// A duration in whole weeks, at least one: [1, 520].
pub(crate) const WEEKS: Kind = Kind::Int { min: 1, max: 520 };
/// A duration in whole weeks that may be none: [0, 520].
pub(crate) const WEEKS_OR_NONE: Kind = Kind::Int { min: 0, max: 520 };
/// An age in years: [0, 110].
pub(crate) const AGE: Kind = Kind::Int { min: 0, max: 110 };
/// A number of long-term conditions: [0, 8].
pub(crate) const CONDITIONS: Kind = Kind::Int { min: 0, max: 8 };
/// Must be given.
pub(crate) const REQ: Def = Def::Required;
/// Capacity shared by population unless the scenario says otherwise.
pub(crate) const ALLOC_DEFAULT: Def = Def::Str("population");
/// From the scenario's start.
pub(crate) const FROM_START: Def = Def::SameAs("scenario.start");
/// Zero.
pub(crate) const ZERO: Def = Def::Num(0.0);

/// Every allowed key, in the order they are documented: `extends`, then each section's keys as
/// declared ([`super::declared_keys`]).
pub(crate) fn schema() -> &'static [KeySpec] {
    static SCHEMA: OnceLock<Vec<KeySpec>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut out = vec![KeySpec::new(EXTENDS.to_string(), Kind::Path, Def::Optional, "")];
        super::declared_keys(&mut out);
        out
    })
}

/// The dotted segments of a path ("" has none).
fn segments(path: &str) -> Vec<&str> {
    if path.is_empty() {
        Vec::new()
    } else {
        path.split('.').collect()
    }
}

/// True when `pattern`'s first segments match all of `path`'s (a [`WILDCARD`] segment matches
/// any one segment).
fn starts_with_segments(pattern: &[&str], path: &[&str]) -> bool {
    pattern.len() >= path.len() && pattern.iter().zip(path).all(|(p, s)| *p == WILDCARD || p == s)
}

/// The schema entry for a full dotted path (a concrete path of a declared-for-any-number
/// section matches its [`WILDCARD`] entry).
pub(crate) fn spec(path: &str) -> Option<&'static KeySpec> {
    let all = schema();
    all.iter().find(|k| k.path == path).or_else(|| {
        let path = segments(path);
        all.iter().find(|k| {
            let pattern = segments(&k.path);
            pattern.len() == path.len() && starts_with_segments(&pattern, &path)
        })
    })
}

/// True when `path` names a section (a table that holds keys), e.g. `services` or
/// `services.life`; the empty path is the file.
pub(crate) fn is_section(path: &str) -> bool {
    let path = segments(path);
    path.is_empty()
        || schema().iter().any(|k| {
            let pattern = segments(&k.path);
            pattern.len() > path.len() && starts_with_segments(&pattern, &path)
        })
}

/// True when section `path` must be written: it holds a required key that is not inside a
/// section declared for any number of instances (there may be none of those).
pub(crate) fn section_required(path: &str) -> bool {
    let path = segments(path);
    schema().iter().any(|k| {
        let pattern = segments(&k.path);
        k.def == Def::Required
            && pattern.len() > path.len()
            && starts_with_segments(&pattern, &path)
            && !pattern[path.len()..].contains(&WILDCARD)
    })
}

/// True when the entries of section `path` are instances of a section declared for any number
/// of them (its only child is [`WILDCARD`]), e.g. `services.custom`.
pub(crate) fn holds_instances(path: &str) -> bool {
    children(path) == [WILDCARD]
}

/// The distinct names allowed directly inside section `prefix` ("" = top level), in schema order
/// ([`WILDCARD`] where any key names an instance).
pub(crate) fn children(prefix: &str) -> Vec<&'static str> {
    let prefix = segments(prefix);
    let mut out: Vec<&'static str> = Vec::new();
    for k in schema() {
        let pattern: Vec<&'static str> = if k.path.is_empty() {
            Vec::new()
        } else {
            k.path.split('.').collect()
        };
        if pattern.len() > prefix.len() && starts_with_segments(&pattern, &prefix) {
            let name = pattern[prefix.len()];
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// The sections (as `[a.b]`, or "the top level") that allow key `name`, for a key written in
/// the wrong section.
pub(crate) fn sections_with_key(name: &str) -> Vec<String> {
    schema()
        .iter()
        .filter_map(|k| match k.path.rsplit_once('.') {
            Some((section, last)) if last == name => Some(format!("[{section}]")),
            None if k.path == name => Some("the top level".to_string()),
            _ => None,
        })
        .collect()
}

/// Joins a section path and a key.
pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Edit distance (insertions, deletions, substitutions) between two strings, by character.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate nearest to `word` by edit distance, if it is near enough to be a likely typo:
/// distance ≤ max(2, length / 3). Ties go to the earlier candidate.
pub(crate) fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = 2.max(word.chars().count() / 3);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = levenshtein(word, c);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("", "ab"), 2);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("flaw", "lawn"), 2);
        assert_eq!(levenshtein("divert_probabilty", "divert_probability"), 1);
        assert_eq!(levenshtein("é", "e"), 1);
    }

    #[test]
    fn suggestions_are_near_keys_only() {
        let keys = children("services.life");
        assert_eq!(
            suggest("divert_probabilty", keys.iter().copied()).as_deref(),
            Some("divert_probability")
        );
        assert_eq!(suggest("max_week", keys.iter().copied()).as_deref(), Some("max_weeks"));
        assert_eq!(suggest("completely_different", keys.iter().copied()), None);
        // Short words allow distance 2.
        assert_eq!(
            suggest("lif", children("services").iter().copied()).as_deref(),
            Some("life")
        );
        assert_eq!(suggest("xyz", ["abc"]), None);
    }

    #[test]
    fn sections_and_children_come_from_the_schema() {
        assert!(is_section(""));
        assert!(is_section("services"));
        assert!(is_section("services.life"));
        assert!(!is_section("services.life.max_weeks"));
        assert!(!is_section("services.lif"));
        assert_eq!(
            children(""),
            vec!["extends", "scenario", "model", "services", "uncertainty"]
        );
        assert!(children("services").contains(&"icn_plus"));
        assert!(section_required("services") && section_required("services.life"));
    }

    #[test]
    fn instances_of_a_wildcard_section_match_its_keys() {
        assert!(holds_instances("services.custom"));
        assert!(!holds_instances("services"));
        assert!(!section_required("services.custom"));
        assert!(is_section("services.custom"));
        assert!(is_section("services.custom.falls"));
        assert!(!is_section("services.custom.falls.min_age"));
        let s = spec("services.custom.falls.min_age").expect("wildcard key");
        assert_eq!(s.path, "services.custom.<key>.min_age");
        assert!(spec("services.custom.falls.nonsense").is_none());
        assert!(spec("services.custom.min_age").is_none());
        let keys = children("services.custom.falls");
        assert!(
            keys.contains(&"evidence") && keys.contains(&"crisis_effect"),
            "{keys:?}"
        );
        assert_eq!(
            suggest("referal_probability", keys.iter().copied()).as_deref(),
            Some("referral_probability")
        );
    }

    #[test]
    fn every_path_is_unique_and_defaults_refer_to_real_keys() {
        let all = schema();
        for (i, k) in all.iter().enumerate() {
            assert!(all[..i].iter().all(|o| o.path != k.path), "duplicate {}", k.path);
            match k.def {
                Def::SameAs(other) => assert!(spec(other).is_some(), "{} defaults to unknown {other}", k.path),
                Def::Sibling(name) => {
                    let (section, _) = k.path.rsplit_once('.').expect("a sibling default is in a section");
                    let other = join(section, name);
                    assert!(spec(&other).is_some(), "{} defaults to unknown {other}", k.path);
                }
                Def::KeyLabel => assert!(k.path.contains(WILDCARD), "{} has no instance key", k.path),
                _ => {}
            }
        }
    }
}
