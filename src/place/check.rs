//! Validation of a place file: every problem located by file, line, column and field.
//!
//! Three passes, each reporting every problem it finds:
//! 1. the text: not empty, TOML, the place schema (serde, unknown keys refused);
//! 2. every figure against its domain ([`super::domain::DOMAINS`]) and its source key;
//! 3. the tables against each other: lengths, age bands, keys that must exist or be unique,
//!    totals that must agree, at least one resident in every locality.

use super::domain::{domain_of, Domain};
use super::raw::{Figure, PlaceFile};
use super::{FRAILTY_LEVELS, IMD_DECILES, LIFE_TABLE_AGES, POP_AGES};
use crate::calendar::Date;
use crate::error::InputError;
use crate::input::spanned::{self, Entry, LineIndex, Node, Pos, Table, Val};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Problems of one place file, with the positions of everything written in it.
pub(super) struct Checker {
    file: PathBuf,
    at: BTreeMap<String, Pos>,
    pub(super) problems: Vec<InputError>,
}

impl Checker {
    fn new(origin: &str) -> Checker {
        Checker {
            file: PathBuf::from(origin),
            at: BTreeMap::new(),
            problems: Vec::new(),
        }
    }

    fn located(&mut self, pos: Pos, field: &str, message: String) {
        self.problems.push(InputError {
            chain: Vec::new(),
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            field: field.to_string(),
            message,
            suggestion: None,
        });
    }

    /// Records a problem at `field`, located where the field (or the nearest enclosing one
    /// that was written) is.
    pub(super) fn problem(&mut self, field: &str, message: String) {
        let mut path = field;
        let pos = loop {
            if let Some(p) = self.at.get(path) {
                break *p;
            }
            match path.rfind(['.', '[']) {
                Some(i) => path = &path[..i],
                None => break Pos::file(0),
            }
        };
        self.located(pos, field, message);
    }

    /// Checks that `f` has `n` values (and as many labels, if it has labels).
    pub(super) fn len<T>(&mut self, name: &str, f: &Figure<Vec<T>>, n: usize) {
        if f.value.len() != n {
            self.problem(
                &format!("{name}.value"),
                format!("expected {n} values, found {}", f.value.len()),
            );
        }
        if let Some(labels) = &f.labels {
            if labels.len() != f.value.len() {
                self.problem(
                    &format!("{name}.labels"),
                    format!("{} labels for {} values", labels.len(), f.value.len()),
                );
            }
        }
    }

    /// Checks a table of `rows` rows of `cols` values each.
    pub(super) fn matrix(&mut self, name: &str, f: &Figure<Vec<Vec<f64>>>, rows: usize, cols: usize) {
        if f.value.len() != rows || f.value.iter().any(|r| r.len() != cols) {
            self.problem(
                &format!("{name}.value"),
                format!("expected {rows} rows of {cols} values"),
            );
        }
    }

    /// Checks an age-banded figure against its band lower bounds (`bands_key` names them).
    /// Bands start at age 0 except where `may_start_later` (frailty and social care apply
    /// from their first band; younger residents are fit and have no care).
    pub(super) fn banded(&mut self, name: &str, bands_key: &str, bands: &[u8], f: &Figure<Vec<f64>>) {
        self.len(name, f, bands.len());
        self.bands(bands_key, bands);
    }

    /// Checks band lower bounds: at least one, increasing, from 0 unless the section applies
    /// from a later age.
    pub(super) fn bands(&mut self, key: &str, bands: &[u8]) {
        let may_start_later = key.starts_with("frailty.") || key.starts_with("social_care.");
        if bands.is_empty() || (bands[0] != 0 && !may_start_later) {
            self.problem(key, "the first age band must start at 0".into());
        }
        if bands.windows(2).any(|w| w[0] >= w[1]) {
            self.problem(key, "age band lower bounds must increase".into());
        }
    }
}

/// Parses and checks the text; returns the schema-typed file and the checker (with the
/// problems of passes 1 and 2), or only the problems when the text cannot be typed.
pub(super) fn parse(text: &str, origin: &str) -> (Option<PlaceFile>, Checker) {
    let mut c = Checker::new(origin);
    if let Some(message) = crate::input::blank(text) {
        c.located(Pos::file(0), "", message);
        return (None, c);
    }
    let index = LineIndex::new(text);
    let doc = match toml_edit::ImDocument::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let detail: Vec<&str> = e.message().lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            c.located(
                index.pos(0, e.span()),
                "",
                format!("invalid TOML: {}", detail.join("; ")),
            );
            return (None, c);
        }
    };
    let tree = spanned::convert_document(doc.as_table(), &index, 0);
    let paths = spanned::paths(&tree);
    for (path, pos) in &paths {
        c.at.entry(path.clone()).or_insert(*pos);
    }
    let file: PlaceFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            let pos = index.pos(0, e.span());
            let field = spanned::field_at(&paths, pos);
            let message = e.message().trim().to_string();
            let message = match message.strip_prefix("missing field ") {
                Some(rest) if !field.is_empty() => format!("missing key {rest} in [{field}]"),
                Some(rest) => format!("missing key {rest}"),
                None => message,
            };
            c.located(pos, &field, message);
            return (None, c);
        }
    };
    figures(&tree, "", &file, &mut c);
    for (field, text) in [
        ("meta.name", &file.meta.name),
        ("meta.price_base", &file.meta.price_base),
    ] {
        if text.trim().is_empty() {
            c.problem(field, "must not be empty".into());
        }
    }
    let date = &file.meta.population_date;
    if !Date::parse(date).is_some_and(|d| (1900..=2200).contains(&d.ymd().0)) {
        c.problem(
            "meta.population_date",
            format!("{date:?} is not a real calendar date as \"YYYY-MM-DD\" between 1900 and 2200"),
        );
    }
    (Some(file), c)
}

/// Checks every figure (a table with `value` and `source`) under `table`: each element of its
/// value against the figure's domain, and its source key against `[sources]`.
fn figures(table: &Table, prefix: &str, file: &PlaceFile, c: &mut Checker) {
    if prefix == "sources" {
        return;
    }
    if let (Some(value), Some(source)) = (table.get("value"), table.get("source")) {
        match &source.node.val {
            Val::Str(key) if file.sources.contains_key(key) => {}
            Val::Str(key) => c.located(
                source.node.pos,
                &format!("{prefix}.source"),
                format!("source {key:?} is not a key of [sources]"),
            ),
            _ => c.located(source.node.pos, &format!("{prefix}.source"), "must be a string".into()),
        }
        let Some(domain) = domain_of(prefix) else {
            c.located(
                value.node.pos,
                &format!("{prefix}.value"),
                "this figure has no declared domain (a defect: add it to place::domain::DOMAINS)".into(),
            );
            return;
        };
        let unit = match table.get("unit").map(|e| &e.node.val) {
            Some(Val::Str(u)) if !u.is_empty() => format!(" ({u})"),
            _ => String::new(),
        };
        if domain == Domain::Text {
            let mut empty = Vec::new();
            texts(&value.node, &format!("{prefix}.value"), &mut empty);
            for (path, pos) in empty {
                c.located(pos, &path, format!("must be {}", domain.describe()));
            }
            return;
        }
        let mut values = Vec::new();
        elements(&value.node, &format!("{prefix}.value"), &mut values);
        for (path, pos, v) in &values {
            if !domain.contains(*v) {
                c.located(*pos, path, format!("{v} is not {}{unit}", domain.describe()));
            }
        }
        if let Some(range) = table.get("range") {
            evidence_range(range, &values, domain, prefix, &unit, c);
        }
        if let Some(family) = table.get("distribution") {
            distribution(family, table.get("range"), &values, prefix, c);
        }
        if domain == Domain::Distribution && values.iter().all(|(_, _, v)| domain.contains(*v)) {
            let total: f64 = values.iter().map(|(_, _, v)| v).sum();
            if (total - 1.0).abs() > 1e-3 {
                c.located(
                    value.node.pos,
                    &format!("{prefix}.value"),
                    format!("shares sum to {total}, not 1"),
                );
            }
        }
        return;
    }
    for e in &table.entries {
        let path = if prefix.is_empty() {
            e.key.clone()
        } else {
            format!("{prefix}.{}", e.key)
        };
        match &e.node.val {
            Val::Table(t) => figures(t, &path, file, c),
            Val::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Val::Table(t) = &item.val {
                        figures(t, &format!("{path}[{i}]"), file, c);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Checks a figure's evidence `range`: two numbers `[low, high]` in the figure's domain, low ≤
/// high, around a single (scalar) value.
fn evidence_range(
    range: &Entry,
    values: &[(String, Pos, f64)],
    domain: Domain,
    prefix: &str,
    unit: &str,
    c: &mut Checker,
) {
    let path = format!("{prefix}.range");
    let mut ends = Vec::new();
    elements(&range.node, &path, &mut ends);
    let two_numbers = matches!(&range.node.val, Val::Array(items) if items.len() == 2) && ends.len() == 2;
    if !two_numbers {
        c.located(range.node.pos, &path, "must be two numbers, [low, high]".into());
        return;
    }
    let mut ok = true;
    for (p, pos, v) in &ends {
        if !domain.contains(*v) {
            c.located(*pos, p, format!("{v} is not {}{unit}", domain.describe()));
            ok = false;
        }
    }
    let (lo, hi) = (ends[0].2, ends[1].2);
    if ok && lo > hi {
        c.located(range.node.pos, &path, format!("low {lo} is above high {hi}"));
        return;
    }
    match values {
        [(_, pos, v)] if ok && !(lo..=hi).contains(v) => c.located(
            *pos,
            &format!("{prefix}.value"),
            format!("the central value {v} is outside its evidence range [{lo}, {hi}]"),
        ),
        [_] => {}
        _ => c.located(
            range.node.pos,
            &path,
            "an evidence range is for a single number; this figure's value is an array".into(),
        ),
    }
}

/// Checks a figure's `distribution`: a known family that fits the value and range within the
/// figure's domain (the family's own reasons otherwise), and a range to fit it to.
fn distribution(family: &Entry, range: Option<&Entry>, values: &[(String, Pos, f64)], prefix: &str, c: &mut Checker) {
    use crate::uncertainty::{Distribution, Family};
    let path = format!("{prefix}.distribution");
    let Val::Str(name) = &family.node.val else {
        c.located(family.node.pos, &path, "must be a string".into());
        return;
    };
    let Some(f) = Family::parse(name) else {
        let names: Vec<String> = Family::NAMES.iter().map(|n| format!("{n:?}")).collect();
        c.located(
            family.node.pos,
            &path,
            format!("{name:?} is not one of {}", names.join(", ")),
        );
        return;
    };
    if f == Family::Fixed {
        return;
    }
    let mut ends = Vec::new();
    if let Some(r) = range {
        elements(&r.node, "", &mut ends);
    }
    match (values, ends.as_slice()) {
        ([(_, _, v)], [(_, _, lo), (_, _, hi)]) => {
            if let Err(m) = Distribution::fit(f, *v, *lo, *hi, crate::uncertainty::place_bounds(prefix)) {
                c.located(family.node.pos, &path, m);
            }
        }
        _ => c.located(
            family.node.pos,
            &path,
            "a distribution needs a single value and its evidence range = [low, high]".into(),
        ),
    }
}

/// The numbers of a value (nested arrays flattened), each with its path and position.
fn elements(node: &Node, path: &str, out: &mut Vec<(String, Pos, f64)>) {
    match &node.val {
        Val::Float(v) => out.push((path.to_string(), node.pos, *v)),
        Val::Int(v) => out.push((path.to_string(), node.pos, *v as f64)),
        Val::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                elements(item, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The empty (or blank) strings of a value, each with its path and position.
fn texts(node: &Node, path: &str, out: &mut Vec<(String, Pos)>) {
    match &node.val {
        Val::Str(s) if s.trim().is_empty() => out.push((path.to_string(), node.pos)),
        Val::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                texts(item, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Reports keys that appear more than once (once per repeated key, at its second use) or are
/// empty; true when every key is usable.
pub(super) fn unique<'a>(c: &mut Checker, what: &str, keys: impl Iterator<Item = (String, &'a str)>) -> bool {
    let before = c.problems.len();
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    let mut reported: Vec<&str> = Vec::new();
    for (field, key) in keys {
        if key.is_empty() {
            c.problem(&field, format!("the {what} must not be empty"));
            continue;
        }
        match seen.get(key) {
            Some(first) if !reported.contains(&key) => {
                let message = format!("duplicate {what} {key:?} (first used at {first})");
                c.problem(&field, message);
                reported.push(key);
            }
            Some(_) => {}
            None => {
                seen.insert(key, field);
            }
        }
    }
    c.problems.len() == before
}

/// Pass 3 for the tables that are not about LSOAs and localities (those are checked where the
/// indices are built): lengths, bands and the sums that must hold.
pub(super) fn tables(file: &PlaceFile, c: &mut Checker) {
    let p = &file.population;
    c.len("population.males_single_year", &p.males_single_year, POP_AGES);
    c.len("population.females_single_year", &p.females_single_year, POP_AGES);
    match (&p.history_persons_single_year, &p.history_years) {
        (Some(rows), Some(years)) => {
            c.len("population.history_persons_single_year", rows, years.value.len());
            for (i, row) in rows.value.iter().enumerate() {
                if row.len() != POP_AGES {
                    c.problem(
                        &format!("population.history_persons_single_year.value[{i}]"),
                        format!("expected {POP_AGES} values, found {}", row.len()),
                    );
                }
            }
            let pop_year = file.meta.population_date.get(..4).and_then(|y| y.parse::<f64>().ok());
            if years.value.windows(2).any(|w| w[0] >= w[1])
                || pop_year.is_some_and(|y| years.value.iter().any(|&h| h >= y))
            {
                c.problem(
                    "population.history_years.value",
                    "must ascend and come before the year of meta.population_date".into(),
                );
            }
        }
        (None, None) => {}
        (Some(_), None) => c.problem(
            "population.history_years",
            "history_persons_single_year needs history_years".into(),
        ),
        (None, Some(_)) => c.problem(
            "population.history_persons_single_year",
            "history_years needs history_persons_single_year".into(),
        ),
    }
    c.banded(
        "population.out_migration_age_multiplier",
        "population.migration_age_band_lower",
        &p.migration_age_band_lower,
        &p.out_migration_age_multiplier,
    );
    c.banded(
        "population.in_migrant_age_share",
        "population.migration_age_band_lower",
        &p.migration_age_band_lower,
        &p.in_migrant_age_share,
    );
    let cal = &file.calendar;
    let years = cal.crisis_multiplier.value.len();
    if years == 0 {
        c.problem("calendar.crisis_multiplier.value", "at least one year is needed".into());
    }
    c.len("calendar.admission_multiplier", &cal.admission_multiplier, years);
    c.len("calendar.los_multiplier", &cal.los_multiplier, years);
    c.len("calendar.zero_day_multiplier", &cal.zero_day_multiplier, years);
    c.len(
        "calendar.discharge_delay_multiplier",
        &cal.discharge_delay_multiplier,
        years,
    );
    c.len("calendar.mortality_multiplier", &cal.mortality_multiplier, years);
    match (&cal.first_mortality_month, &cal.monthly_mortality_multiplier) {
        (Some(month), Some(f)) => {
            if crate::calendar::Date::parse_month(month).is_none() {
                c.problem(
                    "calendar.first_mortality_month",
                    format!("{month:?} is not a month written YYYY-MM"),
                );
            }
            if f.value.is_empty() {
                c.problem(
                    "calendar.monthly_mortality_multiplier.value",
                    "at least one month is needed".into(),
                );
            }
            let n = f.value.len();
            c.len("calendar.monthly_mortality_multiplier", f, n);
        }
        (None, Some(_)) => c.problem(
            "calendar.first_mortality_month",
            "missing: calendar.monthly_mortality_multiplier needs the month of its first value (YYYY-MM)".into(),
        ),
        (Some(_), None) => c.problem(
            "calendar.monthly_mortality_multiplier",
            "missing: calendar.first_mortality_month is given without the monthly values it dates".into(),
        ),
        (None, None) => {}
    }
    if cal.winter_peak_week > 51 {
        c.problem(
            "calendar.winter_peak_week",
            format!("{} is not a week of the year (0 to 51)", cal.winter_peak_week),
        );
    }
    let m = &file.mortality;
    c.len("mortality.mx_male", &m.mx_male, LIFE_TABLE_AGES);
    c.len("mortality.mx_female", &m.mx_female, LIFE_TABLE_AGES);
    c.len("mortality.imd_multiplier_male", &m.imd_multiplier_male, IMD_DECILES);
    c.len("mortality.imd_multiplier_female", &m.imd_multiplier_female, IMD_DECILES);
    c.banded(
        "mortality.in_hospital_death_probability",
        "mortality.hospital_age_band_lower",
        &m.hospital_age_band_lower,
        &m.in_hospital_death_probability,
    );
    let e = &file.ethnicity;
    let ng = e.groups.len();
    if ng == 0 {
        c.problem("ethnicity.groups", "at least one ethnic group is needed".into());
    }
    let _ = unique(
        c,
        "ethnic group",
        e.groups
            .iter()
            .enumerate()
            .map(|(i, g)| (format!("ethnicity.groups[{i}]"), g.as_str())),
    );
    c.len("ethnicity.shares", &e.shares, ng);
    c.matrix("ethnicity.imd_quintile_weight", &e.imd_quintile_weight, ng, 5);
    c.matrix("ethnicity.age_band_weight", &e.age_band_weight, ng, 3);
    for (name, f, cols) in [
        ("ethnicity.imd_quintile_weight", &e.imd_quintile_weight, 5),
        ("ethnicity.age_band_weight", &e.age_band_weight, 3),
    ] {
        for col in 0..cols {
            let weight: f64 = f.value.iter().filter_map(|r| r.get(col)).sum();
            if f.value.len() == ng && weight <= 0.0 {
                c.problem(
                    &format!("{name}.value"),
                    format!(
                        "column {} gives no group any weight: at least one must be above 0",
                        col + 1
                    ),
                );
            }
        }
    }
    let k = &file.conditions;
    let nc = k.names.len();
    if nc == 0 || nc > 8 {
        c.problem("conditions.names", format!("between 1 and 8 conditions, found {nc}"));
    }
    let _ = unique(
        c,
        "condition",
        k.names
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("conditions.names[{i}]"), n.as_str())),
    );
    c.bands("conditions.age_band_lower", &k.age_band_lower);
    c.matrix(
        "conditions.prevalence_by_age",
        &k.prevalence_by_age,
        nc,
        k.age_band_lower.len(),
    );
    c.len("conditions.male_multiplier", &k.male_multiplier, nc);
    c.matrix("conditions.ethnicity_multiplier", &k.ethnicity_multiplier, nc, ng);
    let f = &file.frailty;
    c.banded(
        "frailty.initial_any_share_by_age",
        "frailty.age_band_lower",
        &f.age_band_lower,
        &f.initial_any_share_by_age,
    );
    c.len(
        "frailty.onset_rate_by_age",
        &f.onset_rate_by_age,
        f.age_band_lower.len(),
    );
    c.len("frailty.severity_shares", &f.severity_shares, 3);
    c.len("frailty.progression_rate", &f.progression_rate, 2);
    c.len("frailty.mortality_hr", &f.mortality_hr, 3);
    c.len("frailty.crisis_hr", &f.crisis_hr, 3);
    let is = &file.isolation;
    c.banded(
        "isolation.prevalence_by_age",
        "isolation.age_band_lower",
        &is.age_band_lower,
        &is.prevalence_by_age,
    );
    c.len(
        "isolation.onset_rate_by_age",
        &is.onset_rate_by_age,
        is.age_band_lower.len(),
    );
    let h = &file.hospital;
    c.banded(
        "hospital.ae_attendance_rate_by_age",
        "hospital.activity_age_band_lower",
        &h.activity_age_band_lower,
        &h.ae_attendance_rate_by_age,
    );
    c.len(
        "hospital.emergency_admission_rate_by_age",
        &h.emergency_admission_rate_by_age,
        h.activity_age_band_lower.len(),
    );
    for (i, (ae, adm)) in h
        .ae_attendance_rate_by_age
        .value
        .iter()
        .zip(&h.emergency_admission_rate_by_age.value)
        .enumerate()
    {
        if *adm > 0.0 && *ae <= 0.0 {
            c.problem(
                &format!("hospital.ae_attendance_rate_by_age.value[{i}]"),
                format!("no A&E attendances where emergency_admission_rate_by_age is {adm}: admissions come from attendances"),
            );
        }
    }
    c.bands("hospital.gradient_age_band_lower", &h.gradient_age_band_lower);
    c.matrix(
        "hospital.imd_gradient",
        &h.imd_gradient,
        h.gradient_age_band_lower.len(),
        5,
    );
    for (i, row) in h.imd_gradient.value.iter().enumerate() {
        if row.iter().sum::<f64>() <= 0.0 {
            c.problem(
                &format!("hospital.imd_gradient.value[{i}]"),
                "a row of the gradient must have some admissions (its mean is the reference)".into(),
            );
        }
    }
    c.banded(
        "hospital.los_mean_by_age",
        "hospital.los_age_band_lower",
        &h.los_age_band_lower,
        &h.los_mean_by_age,
    );
    c.len(
        "hospital.los_frailty_multiplier",
        &h.los_frailty_multiplier,
        FRAILTY_LEVELS,
    );
    c.banded(
        "hospital.discharge_support_probability",
        "hospital.discharge_age_band_lower",
        &h.discharge_age_band_lower,
        &h.discharge_support_probability,
    );
    c.len(
        "hospital.discharge_care_home_probability",
        &h.discharge_care_home_probability,
        h.discharge_age_band_lower.len(),
    );
    c.len(
        "hospital.discharge_support_frailty_multiplier",
        &h.discharge_support_frailty_multiplier,
        FRAILTY_LEVELS,
    );
    let s = &file.social_care;
    c.banded(
        "social_care.initial_home_care_share",
        "social_care.age_band_lower",
        &s.age_band_lower,
        &s.initial_home_care_share,
    );
    c.len(
        "social_care.initial_care_home_share",
        &s.initial_care_home_share,
        s.age_band_lower.len(),
    );
    for (i, (home, care_home)) in s
        .initial_home_care_share
        .value
        .iter()
        .zip(&s.initial_care_home_share.value)
        .enumerate()
    {
        if home + care_home > 1.0 + 1e-9 {
            c.problem(
                &format!("social_care.initial_care_home_share.value[{i}]"),
                format!(
                    "{care_home} in a care home plus {home} with a home-care package is more than everyone in the band"
                ),
            );
        }
    }
    c.len(
        "social_care.community_package_rate",
        &s.community_package_rate,
        FRAILTY_LEVELS,
    );
    c.len(
        "social_care.community_care_home_rate",
        &s.community_care_home_rate,
        FRAILTY_LEVELS,
    );
    let pc = &file.primary_care;
    c.banded(
        "primary_care.consultation_rate_by_age",
        "primary_care.age_band_lower",
        &pc.age_band_lower,
        &pc.consultation_rate_by_age,
    );
    let ec = &file.economics;
    c.len("economics.qaly_thresholds", &ec.qaly_thresholds, 2);
    if let [lower, upper] = ec.qaly_thresholds.value[..] {
        if lower > upper {
            c.problem(
                "economics.qaly_thresholds.value",
                format!("the lower threshold {lower} is above the upper {upper}"),
            );
        }
    }
    c.len("economics.eq5d_coefficients", &ec.eq5d_coefficients, 4);
    c.len(
        "economics.eq5d_frailty_multiplier",
        &ec.eq5d_frailty_multiplier,
        FRAILTY_LEVELS,
    );
}
