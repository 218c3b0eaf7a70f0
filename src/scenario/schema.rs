//! The scenario-file schema: every allowed key with its type, allowed range, default and unit.
//! Validation walks this table (rather than deriving a deserializer) so that every problem in a
//! file is collected and reported together.

/// The type and allowed values of a key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// `true` / `false`.
    Bool,
    /// A date, `"YYYY-MM-DD"`.
    Date,
    /// Free text.
    Text,
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
}

/// What happens when a key is absent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Def {
    /// Must be given (the baseline gives it).
    Required,
    /// May be absent with no value (only `extends`).
    Optional,
    /// This number.
    Num(f64),
    /// This text.
    Str(&'static str),
    /// The stem of the outermost scenario file's name.
    FileStem,
    /// The value of another key (full dotted path).
    SameAs(&'static str),
}

/// One allowed key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct KeySpec {
    /// Full dotted path, e.g. `services.life.divert_probability`.
    pub path: &'static str,
    pub kind: Kind,
    pub def: Def,
    /// Unit for messages (empty when dimensionless or obvious).
    pub unit: &'static str,
}

const fn key(path: &'static str, kind: Kind, def: Def, unit: &'static str) -> KeySpec {
    KeySpec { path, kind, def, unit }
}

const fn closed(min: f64, max: f64) -> Kind {
    Kind::Num {
        min,
        max,
        open_min: false,
        open_max: false,
    }
}

const fn at_least(min: f64) -> Kind {
    closed(min, f64::INFINITY)
}

/// Probability or share: [0, 1].
const PROB: Kind = closed(0.0, 1.0);
/// Relative effect that must leave some hazard: [0, 1).
const EFFECT: Kind = Kind::Num {
    min: 0.0,
    max: 1.0,
    open_min: false,
    open_max: true,
};
/// A count or rate that cannot be negative.
pub(super) const COUNT: Kind = at_least(0.0);
const WEEKS: Kind = Kind::Int { min: 1, max: 520 };
const AGE: Kind = Kind::Int { min: 0, max: 110 };
const CONDITIONS: Kind = Kind::Int { min: 0, max: 8 };
const REQ: Def = Def::Required;
const ALLOC_DEFAULT: Def = Def::Str("population");
const FROM_START: Def = Def::SameAs("scenario.start");

/// Every allowed key, in the order they are documented.
pub(super) const SCHEMA: &[KeySpec] = &[
    key("extends", Kind::Path, Def::Optional, ""),
    // [scenario]
    key("scenario.name", Kind::Name, Def::FileStem, ""),
    key("scenario.description", Kind::Text, Def::Str(""), ""),
    key("scenario.start", Kind::Date, REQ, ""),
    key("scenario.end", Kind::Date, REQ, ""),
    key("scenario.place", Kind::Place, Def::Str("croydon"), ""),
    key(
        "scenario.scale",
        Kind::Num {
            min: 0.0,
            max: 200.0,
            open_min: true,
            open_max: false,
        },
        Def::Num(1.0),
        "agents per resident: below 1 a sample, above 1 the place's structure replicated",
    ),
    // [model]
    key(
        "model.crisis_rate_scale",
        Kind::Num {
            min: 0.0,
            max: 10.0,
            open_min: true,
            open_max: false,
        },
        REQ,
        "multiplier",
    ),
    key(
        "model.admission_scale",
        Kind::Num {
            min: 0.0,
            max: 5.0,
            open_min: true,
            open_max: false,
        },
        REQ,
        "multiplier",
    ),
    key(
        "model.mortality_scale",
        Kind::Num {
            min: 0.0,
            max: 5.0,
            open_min: true,
            open_max: false,
        },
        REQ,
        "multiplier",
    ),
    key("model.imd_gradient_scale", closed(0.0, 3.0), REQ, "multiplier"),
    key("model.readmission_hr", closed(1.0, 20.0), REQ, "hazard ratio"),
    key("model.community_care_scale", closed(0.0, 10.0), REQ, "multiplier"),
    // [services.huddles]
    key("services.huddles.enabled", Kind::Bool, REQ, ""),
    key("services.huddles.start", Kind::Date, REQ, ""),
    key("services.huddles.full_by", Kind::Date, REQ, ""),
    key(
        "services.huddles.capacity_multiplier",
        COUNT,
        Def::Num(1.0),
        "multiplier",
    ),
    key(
        "services.huddles.capacity_multiplier_from",
        Kind::Date,
        Def::SameAs("services.huddles.start"),
        "",
    ),
    key("services.huddles.min_age", AGE, REQ, "years"),
    key("services.huddles.all_ages_from", Kind::Date, REQ, ""),
    key(
        "services.huddles.reviews_per_practice_per_week",
        COUNT,
        REQ,
        "reviews per practice per week",
    ),
    key(
        "services.huddles.hours_per_practice_per_week",
        COUNT,
        REQ,
        "hours per practice per week",
    ),
    key("services.huddles.flag_probability", PROB, REQ, "probability per week"),
    key("services.huddles.min_conditions", CONDITIONS, REQ, "conditions"),
    key("services.huddles.care_plan_weeks", WEEKS, REQ, "weeks"),
    key("services.huddles.effect", EFFECT, REQ, "relative reduction"),
    key("services.huddles.effect_ramp_years", closed(0.0, 20.0), REQ, "years"),
    key("services.huddles.refer_pic_probability", PROB, REQ, "probability"),
    key(
        "services.huddles.refer_social_prescribing_probability",
        PROB,
        REQ,
        "probability",
    ),
    key(
        "services.huddles.refer_pharmacist_probability",
        PROB,
        REQ,
        "probability",
    ),
    key("services.huddles.allocation", Kind::Allocation, ALLOC_DEFAULT, ""),
    key("services.huddles.allocation_from", Kind::Date, FROM_START, ""),
    // [services.pic]
    key("services.pic.enabled", Kind::Bool, REQ, ""),
    key("services.pic.start", Kind::Date, REQ, ""),
    key("services.pic.full_by", Kind::Date, REQ, ""),
    key("services.pic.capacity_multiplier", COUNT, Def::Num(1.0), "multiplier"),
    key(
        "services.pic.capacity_multiplier_from",
        Kind::Date,
        Def::SameAs("services.pic.start"),
        "",
    ),
    key("services.pic.workers", Kind::PerLocality, REQ, "whole-time equivalents"),
    key("services.pic.caseload_per_worker", COUNT, REQ, "clients per worker"),
    key("services.pic.max_weeks", WEEKS, REQ, "weeks"),
    key("services.pic.min_age", AGE, REQ, "years"),
    key("services.pic.isolation_resolved_probability", PROB, REQ, "probability"),
    key("services.pic.crisis_effect", EFFECT, REQ, "relative reduction"),
    key("services.pic.care_package_effect", EFFECT, REQ, "relative reduction"),
    key("services.pic.allocation", Kind::Allocation, ALLOC_DEFAULT, ""),
    key("services.pic.allocation_from", Kind::Date, FROM_START, ""),
    // [services.life]
    key("services.life.enabled", Kind::Bool, REQ, ""),
    key("services.life.start", Kind::Date, REQ, ""),
    key("services.life.full_by", Kind::Date, REQ, ""),
    key("services.life.capacity_multiplier", COUNT, Def::Num(1.0), "multiplier"),
    key(
        "services.life.capacity_multiplier_from",
        Kind::Date,
        Def::SameAs("services.life.start"),
        "",
    ),
    key(
        "services.life.liaison_assessments_per_week",
        Kind::PerLocality,
        REQ,
        "assessments per week",
    ),
    key("services.life.liaison_min_age", AGE, REQ, "years"),
    key("services.life.divert_probability", PROB, REQ, "probability"),
    key(
        "services.life.reablement_caseload",
        Kind::PerLocality,
        REQ,
        "concurrent clients",
    ),
    key("services.life.max_weeks", WEEKS, REQ, "weeks"),
    key("services.life.no_package_probability", PROB, REQ, "share"),
    key("services.life.visit_within_2h_probability", PROB, REQ, "share"),
    key("services.life.los_reduction_days", COUNT, REQ, "days"),
    key("services.life.allocation", Kind::Allocation, ALLOC_DEFAULT, ""),
    key("services.life.allocation_from", Kind::Date, FROM_START, ""),
    // [services.social_prescribing]
    key("services.social_prescribing.enabled", Kind::Bool, REQ, ""),
    key("services.social_prescribing.start", Kind::Date, REQ, ""),
    key("services.social_prescribing.full_by", Kind::Date, REQ, ""),
    key(
        "services.social_prescribing.capacity_multiplier",
        COUNT,
        Def::Num(1.0),
        "multiplier",
    ),
    key(
        "services.social_prescribing.capacity_multiplier_from",
        Kind::Date,
        Def::SameAs("services.social_prescribing.start"),
        "",
    ),
    key(
        "services.social_prescribing.link_workers",
        Kind::PerLocality,
        REQ,
        "whole-time equivalents",
    ),
    key(
        "services.social_prescribing.referrals_per_worker_per_year",
        COUNT,
        REQ,
        "referrals per worker per year",
    ),
    key("services.social_prescribing.min_age", AGE, REQ, "years"),
    key(
        "services.social_prescribing.gp_referral_probability",
        PROB,
        REQ,
        "probability per week",
    ),
    key("services.social_prescribing.effect_weeks", WEEKS, REQ, "weeks"),
    key("services.social_prescribing.gp_effect", PROB, REQ, "relative reduction"),
    key("services.social_prescribing.ae_effect", PROB, REQ, "relative reduction"),
    key(
        "services.social_prescribing.allocation",
        Kind::Allocation,
        ALLOC_DEFAULT,
        "",
    ),
    key(
        "services.social_prescribing.allocation_from",
        Kind::Date,
        FROM_START,
        "",
    ),
    // [services.pharmacists]
    key("services.pharmacists.enabled", Kind::Bool, REQ, ""),
    key("services.pharmacists.start", Kind::Date, REQ, ""),
    key("services.pharmacists.full_by", Kind::Date, REQ, ""),
    key(
        "services.pharmacists.capacity_multiplier",
        COUNT,
        Def::Num(1.0),
        "multiplier",
    ),
    key(
        "services.pharmacists.capacity_multiplier_from",
        Kind::Date,
        Def::SameAs("services.pharmacists.start"),
        "",
    ),
    key(
        "services.pharmacists.reviews_per_week",
        Kind::PerLocality,
        REQ,
        "reviews per week",
    ),
    key("services.pharmacists.effect", PROB, REQ, "relative reduction"),
    key("services.pharmacists.effect_weeks", WEEKS, REQ, "weeks"),
    key("services.pharmacists.min_conditions", CONDITIONS, REQ, "conditions"),
    key("services.pharmacists.allocation", Kind::Allocation, ALLOC_DEFAULT, ""),
    key("services.pharmacists.allocation_from", Kind::Date, FROM_START, ""),
    // [services.icn_plus]
    key("services.icn_plus.enabled", Kind::Bool, REQ, ""),
    key("services.icn_plus.start_by_locality", Kind::DateByLocality, REQ, ""),
    key("services.icn_plus.ramp_weeks", WEEKS, REQ, "weeks"),
    key(
        "services.icn_plus.huddle_capacity_multiplier",
        at_least(1.0),
        REQ,
        "multiplier",
    ),
    key("services.icn_plus.extra_effect", PROB, REQ, "relative reduction"),
    key("services.icn_plus.all_ages", Kind::Bool, REQ, ""),
    key(
        "services.icn_plus.extra_link_workers_per_locality",
        COUNT,
        REQ,
        "whole-time equivalents",
    ),
    // [services.social_care]
    key(
        "services.social_care.package_starts_per_week",
        Kind::PerLocality,
        REQ,
        "package starts per week",
    ),
    key(
        "services.social_care.care_home_placements_per_week",
        Kind::PerLocality,
        REQ,
        "placements per week",
    ),
    key(
        "services.social_care.spot_purchase_share",
        PROB,
        Def::Num(0.25),
        "share of the remaining queue per week",
    ),
    key("services.social_care.allocation", Kind::Allocation, ALLOC_DEFAULT, ""),
    key("services.social_care.allocation_from", Kind::Date, FROM_START, ""),
];

/// The schema entry for a full dotted path.
pub(super) fn spec(path: &str) -> Option<&'static KeySpec> {
    SCHEMA.iter().find(|k| k.path == path)
}

/// True when `path` names a section (a table that holds keys), e.g. `services` or
/// `services.life`; the empty path is the file.
pub(super) fn is_section(path: &str) -> bool {
    path.is_empty()
        || SCHEMA
            .iter()
            .any(|k| k.path.len() > path.len() && k.path.starts_with(path) && k.path.as_bytes()[path.len()] == b'.')
}

/// The distinct names allowed directly inside section `prefix` ("" = top level), in schema order.
pub(super) fn children(prefix: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for k in SCHEMA {
        let rest = if prefix.is_empty() {
            Some(k.path)
        } else {
            k.path.strip_prefix(prefix).and_then(|r| r.strip_prefix('.'))
        };
        if let Some(rest) = rest {
            let name = rest.split('.').next().unwrap_or(rest);
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// The sections (as `[a.b]`, or "the top level") that allow key `name`, for a key written in
/// the wrong section.
pub(super) fn sections_with_key(name: &str) -> Vec<String> {
    SCHEMA
        .iter()
        .filter_map(|k| match k.path.rsplit_once('.') {
            Some((section, last)) if last == name => Some(format!("[{section}]")),
            None if k.path == name => Some("the top level".to_string()),
            _ => None,
        })
        .collect()
}

/// Joins a section path and a key.
pub(super) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Edit distance (insertions, deletions, substitutions) between two strings, by character.
pub(super) fn levenshtein(a: &str, b: &str) -> usize {
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
pub(super) fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
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
        assert_eq!(children(""), vec!["extends", "scenario", "model", "services"]);
        assert!(children("services").contains(&"icn_plus"));
    }

    #[test]
    fn every_path_is_unique_and_defaults_refer_to_real_keys() {
        for (i, k) in SCHEMA.iter().enumerate() {
            assert!(SCHEMA[..i].iter().all(|o| o.path != k.path), "duplicate {}", k.path);
            if let Def::SameAs(other) = k.def {
                assert!(spec(other).is_some(), "{} defaults to unknown {other}", k.path);
            }
        }
    }
}
