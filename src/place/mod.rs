//! A place: its residents' structure, deprivation, practices and the sourced figures the model
//! uses. Croydon is embedded in the binary; any other place is a file with the same schema
//! ([`raw::PlaceFile`]).

pub mod raw;

use crate::error::PlaceError;
use raw::{Figure, PlaceFile};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The embedded Croydon place file (built by `tools/build_place.py` from the shared reference
/// data; every figure keeps its source).
pub const CROYDON_TOML: &str = include_str!("../../data/croydon.place.toml");

/// Number of single-year age groups in population tables (0..=89 and 90+).
pub const POP_AGES: usize = 91;
/// Number of single-year ages in the life table (0..=100, 100 = 100+).
pub const LIFE_TABLE_AGES: usize = 101;
/// Number of IMD deciles.
pub const IMD_DECILES: usize = 10;
/// Number of frailty categories (fit, mild, moderate, severe).
pub const FRAILTY_LEVELS: usize = 4;

/// A validated place.
#[derive(Debug, Clone)]
pub struct Place {
    /// The figures, as read and validated.
    pub file: PlaceFile,
    /// Where it came from (`embedded:croydon` or a path).
    pub origin: String,
    /// SHA-256 of the file text, for the run manifest.
    pub sha256: String,
    /// Locality index of each LSOA.
    pub lsoa_locality: Vec<u8>,
    /// Practice index of each LSOA.
    pub lsoa_practice: Vec<u16>,
    /// IMD decile (1..=10) of each LSOA.
    pub lsoa_imd_decile: Vec<u8>,
    /// Residents of each LSOA (at the population date).
    pub lsoa_population: Vec<u32>,
    /// The place's own deprivation decile of each LSOA (0 = most deprived tenth of residents):
    /// LSOAs ordered by national IMD rank and cut where cumulative population crosses each
    /// tenth (an LSOA belongs to the decile holding its population midpoint). The local fifth
    /// is `decile / 2` ([`Place::local_fifth`]).
    pub lsoa_local_decile: Vec<u8>,
    /// Locality index of each practice.
    pub practice_locality: Vec<u8>,
}

/// A figure of the place file with where it came from, for reports' assumptions tables.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcedFigure {
    /// Section and name, e.g. `costs.ae_attendance`.
    pub key: String,
    /// The value as written (numbers, or a list of numbers).
    pub value: String,
    /// Unit, in words.
    pub unit: String,
    /// Period or reference date.
    pub year: String,
    /// Source key (into the place file's `[sources]`).
    pub source_key: String,
    /// The source's full citation (the key itself when the table has none).
    pub source: String,
    /// `exact`, `approximate` or `estimate`.
    pub confidence: String,
    /// Caveat or derivation, if any.
    pub note: Option<String>,
}

impl Place {
    /// The place's own deprivation fifth (0 = most deprived) of an LSOA.
    #[inline]
    pub fn local_fifth(&self, lsoa: usize) -> u8 {
        self.lsoa_local_decile[lsoa] / 2
    }

    /// The figures behind the economics of a run: unit costs, effect sizes and health-economic
    /// conventions, each with unit, year, source and confidence.
    pub fn sourced_figures(&self) -> Vec<SourcedFigure> {
        let sections = [
            ("costs", serde_json::to_value(&self.file.costs)),
            ("effects", serde_json::to_value(&self.file.effects)),
            ("economics", serde_json::to_value(&self.file.economics)),
        ];
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut out = Vec::new();
        for (section, value) in sections {
            // Serialising plain structs of numbers and strings cannot fail.
            let Ok(serde_json::Value::Object(map)) = value else {
                continue;
            };
            for (name, fig) in map {
                let field = |k: &str| fig.get(k).map(text).unwrap_or_default();
                let source_key = field("source");
                out.push(SourcedFigure {
                    key: format!("{section}.{name}"),
                    value: field("value").replace(',', ", "),
                    unit: field("unit"),
                    year: field("year"),
                    source: self
                        .file
                        .sources
                        .get(&source_key)
                        .cloned()
                        .unwrap_or_else(|| source_key.clone()),
                    source_key,
                    confidence: field("confidence"),
                    note: fig.get("note").and_then(|n| n.as_str()).map(str::to_string),
                });
            }
        }
        out
    }

    /// The embedded Croydon place.
    pub fn croydon() -> Place {
        // The embedded file is validated by a test; failing here is a build defect.
        Place::from_toml(CROYDON_TOML, "embedded:croydon").expect("embedded Croydon place file is valid")
    }

    /// Reads and validates a place file.
    pub fn load(path: &Path) -> Result<Place, PlaceError> {
        let text = std::fs::read_to_string(path).map_err(|source| PlaceError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Place::from_toml(&text, &path.display().to_string())
    }

    /// Parses and validates place-file text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Place, PlaceError> {
        let file: PlaceFile = toml::from_str(text).map_err(|e| PlaceError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let mut problems = Vec::new();
        check_sources(text, &file, &mut problems);
        let place = build(file, origin, text, &mut problems);
        if problems.is_empty() {
            Ok(place)
        } else {
            Err(PlaceError::Invalid {
                origin: origin.to_string(),
                problems,
            })
        }
    }

    /// Number of localities.
    pub fn n_localities(&self) -> usize {
        self.file.localities.len()
    }

    /// Locality keys in file order (the order used everywhere: outputs, allocation).
    pub fn locality_keys(&self) -> Vec<&str> {
        self.file.localities.iter().map(|l| l.key.as_str()).collect()
    }

    /// Index of the locality with this key.
    pub fn locality_index(&self, key: &str) -> Option<usize> {
        self.file.localities.iter().position(|l| l.key == key)
    }

    /// Total residents at the population date.
    pub fn total_population(&self) -> f64 {
        sum(&self.file.population.males_single_year.value) + sum(&self.file.population.females_single_year.value)
    }

    /// Residents of each locality at the population date.
    pub fn locality_population(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.n_localities()];
        for (i, &p) in self.lsoa_population.iter().enumerate() {
            out[self.lsoa_locality[i] as usize] += f64::from(p);
        }
        out
    }

    /// A need index per locality: residents weighted by the mortality multiplier of their
    /// LSOA's IMD decile (mean of the male and female multipliers) and by the 65+ share of the
    /// locality. Used to allocate capacity "by need" (proportionate universalism).
    pub fn locality_need(&self) -> Vec<f64> {
        let m = &self.file.mortality;
        let mut out = vec![0.0; self.n_localities()];
        for (i, &p) in self.lsoa_population.iter().enumerate() {
            let d = usize::from(self.lsoa_imd_decile[i] - 1);
            let mult = 0.5 * (m.imd_multiplier_male.value[d] + m.imd_multiplier_female.value[d]);
            out[self.lsoa_locality[i] as usize] += f64::from(p) * mult;
        }
        for (l, loc) in self.file.localities.iter().enumerate() {
            let ages = &loc.persons_single_year.value;
            let total = sum(ages);
            let older: f64 = ages[65..].iter().sum();
            if total > 0.0 {
                // weight 1 + share of 65+ relative to a notional 15%: older localities need more.
                out[l] *= 1.0 + older / total / 0.15;
            }
        }
        out
    }
}

fn sum(v: &[f64]) -> f64 {
    v.iter().sum()
}

/// Every `source = "KEY"` in the file must name an entry of `[sources]`.
fn check_sources(text: &str, file: &PlaceFile, problems: &mut Vec<String>) {
    let Ok(value) = text.parse::<toml::Table>() else {
        return;
    };
    fn walk(path: &str, t: &toml::Table, file: &PlaceFile, problems: &mut Vec<String>) {
        if path == "sources" {
            return;
        }
        if let (Some(_), Some(src)) = (t.get("value"), t.get("source")) {
            match src.as_str() {
                Some(key) if file.sources.contains_key(key) => {}
                Some(key) => problems.push(format!("{path}: source '{key}' is not in [sources]")),
                None => problems.push(format!("{path}: source must be a string")),
            }
            return;
        }
        for (k, v) in t {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            match v {
                toml::Value::Table(inner) => walk(&p, inner, file, problems),
                toml::Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let toml::Value::Table(inner) = item {
                            walk(&format!("{p}[{i}]"), inner, file, problems);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    walk("", &value, file, problems);
}

fn expect_len<T>(name: &str, f: &Figure<Vec<T>>, n: usize, problems: &mut Vec<String>) {
    if f.value.len() != n {
        problems.push(format!("{name}: expected {n} values, found {}", f.value.len()));
    }
    if let Some(labels) = &f.labels {
        if labels.len() != f.value.len() {
            problems.push(format!("{name}: {} labels for {} values", labels.len(), f.value.len()));
        }
    }
}

fn expect_probs(name: &str, values: &[f64], problems: &mut Vec<String>) {
    for (i, &v) in values.iter().enumerate() {
        if !(0.0..=1.0).contains(&v) {
            problems.push(format!("{name}[{i}] = {v}: a probability or share must be in [0, 1]"));
        }
    }
}

fn expect_nonneg(name: &str, values: &[f64], problems: &mut Vec<String>) {
    for (i, &v) in values.iter().enumerate() {
        if !(v >= 0.0 && v.is_finite()) {
            problems.push(format!("{name}[{i}] = {v}: must be a finite number >= 0"));
        }
    }
}

/// Checks an age-banded figure. Bands of every table start at age 0 except those of frailty
/// and social care, which apply only from their first band (younger residents are fit and
/// have no care).
fn expect_bands(name: &str, bands: &[u8], f: &Figure<Vec<f64>>, problems: &mut Vec<String>) {
    expect_len(name, f, bands.len(), problems);
    let may_start_later = name.starts_with("frailty.") || name.starts_with("social_care.");
    if bands.is_empty() || (bands[0] != 0 && !may_start_later) {
        problems.push(format!("{name}: the first age band must start at 0"));
    }
    if bands.windows(2).any(|w| w[0] >= w[1]) {
        problems.push(format!("{name}: age band lower bounds must increase"));
    }
}

fn build(file: PlaceFile, origin: &str, text: &str, problems: &mut Vec<String>) -> Place {
    let p = &file.population;
    expect_len("population.males_single_year", &p.males_single_year, POP_AGES, problems);
    expect_len(
        "population.females_single_year",
        &p.females_single_year,
        POP_AGES,
        problems,
    );
    expect_nonneg("population.males_single_year", &p.males_single_year.value, problems);
    expect_nonneg("population.females_single_year", &p.females_single_year.value, problems);
    expect_probs("population.out_migration_rate", &[p.out_migration_rate.value], problems);
    expect_probs("population.male_birth_share", &[p.male_birth_share.value], problems);
    expect_nonneg(
        "population.birth_rate_per_woman_15_44",
        &[p.birth_rate_per_woman_15_44.value],
        problems,
    );
    if !(-0.2..=0.2).contains(&p.annual_growth.value) {
        problems.push(format!(
            "population.annual_growth = {}: expected a yearly rate between -0.2 and 0.2",
            p.annual_growth.value
        ));
    }
    if file.localities.is_empty() || file.localities.len() > 250 {
        problems.push("localities: between 1 and 250 localities are needed".into());
    }
    for (i, l) in file.localities.iter().enumerate() {
        expect_len(
            &format!("localities[{i}].persons_single_year"),
            &l.persons_single_year,
            POP_AGES,
            problems,
        );
    }
    let loc_index = |key: &str| file.localities.iter().position(|l| l.key == key);
    let mut practice_locality = Vec::with_capacity(file.practices.len());
    for pr in &file.practices {
        match loc_index(&pr.locality) {
            Some(l) => practice_locality.push(l as u8),
            None => {
                problems.push(format!("practices '{}': unknown locality '{}'", pr.key, pr.locality));
                practice_locality.push(0);
            }
        }
    }
    let ls = &file.lsoas;
    let n = ls.code.value.len();
    expect_len("lsoas.locality", &ls.locality, n, problems);
    expect_len("lsoas.practice", &ls.practice, n, problems);
    expect_len("lsoas.population", &ls.population, n, problems);
    expect_len("lsoas.imd_decile", &ls.imd_decile, n, problems);
    expect_len("lsoas.imd_rank", &ls.imd_rank, n, problems);
    let mut lsoa_locality = Vec::with_capacity(n);
    let mut lsoa_practice = Vec::with_capacity(n);
    let mut lsoa_imd_decile = Vec::with_capacity(n);
    let mut lsoa_population = Vec::with_capacity(n);
    for i in 0..n
        .min(ls.locality.value.len())
        .min(ls.practice.value.len())
        .min(ls.population.value.len())
        .min(ls.imd_decile.value.len())
    {
        let loc = loc_index(&ls.locality.value[i]);
        if loc.is_none() {
            problems.push(format!(
                "lsoas.locality[{i}]: unknown locality '{}'",
                ls.locality.value[i]
            ));
        }
        let pr = file.practices.iter().position(|p| p.key == ls.practice.value[i]);
        match pr {
            None => problems.push(format!(
                "lsoas.practice[{i}]: unknown practice '{}'",
                ls.practice.value[i]
            )),
            Some(pi) if loc.is_some() && practice_locality[pi] as usize != loc.unwrap_or(0) => problems.push(format!(
                "lsoas.practice[{i}]: practice '{}' is not in locality '{}'",
                ls.practice.value[i], ls.locality.value[i]
            )),
            _ => {}
        }
        let dec = ls.imd_decile.value[i];
        if !(1.0..=10.0).contains(&dec) || dec.fract() != 0.0 {
            problems.push(format!("lsoas.imd_decile[{i}] = {dec}: must be a whole number 1..10"));
        }
        let pop = ls.population.value[i];
        if !(pop >= 0.0 && pop.fract() == 0.0) {
            problems.push(format!("lsoas.population[{i}] = {pop}: must be a whole number >= 0"));
        }
        lsoa_locality.push(loc.unwrap_or(0) as u8);
        lsoa_practice.push(pr.unwrap_or(0) as u16);
        lsoa_imd_decile.push(dec.clamp(1.0, 10.0) as u8);
        lsoa_population.push(pop.max(0.0) as u32);
    }
    // Locality age tables must agree with LSOA totals and the borough age/sex tables.
    for (l, loc) in file.localities.iter().enumerate() {
        let from_lsoas: u64 = lsoa_population
            .iter()
            .zip(&lsoa_locality)
            .filter(|(_, &ll)| ll as usize == l)
            .map(|(&p, _)| u64::from(p))
            .sum();
        let from_ages = sum(&loc.persons_single_year.value);
        if (from_ages - from_lsoas as f64).abs() > 0.5 {
            problems.push(format!(
                "localities '{}': persons_single_year sums to {from_ages} but its LSOAs hold {from_lsoas}",
                loc.key
            ));
        }
    }
    if problems.is_empty() {
        for a in 0..POP_AGES {
            let borough = p.males_single_year.value[a] + p.females_single_year.value[a];
            let locs: f64 = file.localities.iter().map(|l| l.persons_single_year.value[a]).sum();
            if (borough - locs).abs() > 0.5 {
                problems.push(format!(
                    "age {a}: borough males + females = {borough} but localities sum to {locs}"
                ));
            }
        }
    }
    let m = &file.mortality;
    expect_len("mortality.mx_male", &m.mx_male, LIFE_TABLE_AGES, problems);
    expect_len("mortality.mx_female", &m.mx_female, LIFE_TABLE_AGES, problems);
    expect_nonneg("mortality.mx_male", &m.mx_male.value, problems);
    expect_nonneg("mortality.mx_female", &m.mx_female.value, problems);
    expect_len(
        "mortality.imd_multiplier_male",
        &m.imd_multiplier_male,
        IMD_DECILES,
        problems,
    );
    expect_len(
        "mortality.imd_multiplier_female",
        &m.imd_multiplier_female,
        IMD_DECILES,
        problems,
    );
    expect_bands(
        "mortality.in_hospital_death_probability",
        &m.hospital_age_band_lower,
        &m.in_hospital_death_probability,
        problems,
    );
    expect_probs(
        "mortality.in_hospital_death_probability",
        &m.in_hospital_death_probability.value,
        problems,
    );
    let e = &file.ethnicity;
    let ng = e.groups.len();
    expect_len("ethnicity.shares", &e.shares, ng, problems);
    expect_probs("ethnicity.shares", &e.shares.value, problems);
    if e.imd_quintile_weight.value.len() != ng || e.imd_quintile_weight.value.iter().any(|r| r.len() != 5) {
        problems.push(format!("ethnicity.imd_quintile_weight: expected {ng} rows of 5"));
    }
    if e.age_band_weight.value.len() != ng || e.age_band_weight.value.iter().any(|r| r.len() != 3) {
        problems.push(format!("ethnicity.age_band_weight: expected {ng} rows of 3"));
    }
    let c = &file.conditions;
    let nc = c.names.len();
    if nc == 0 || nc > 8 {
        problems.push("conditions.names: between 1 and 8 conditions".into());
    }
    if c.prevalence_by_age.value.len() != nc
        || c.prevalence_by_age
            .value
            .iter()
            .any(|r| r.len() != c.age_band_lower.len())
    {
        problems.push(format!(
            "conditions.prevalence_by_age: expected {nc} rows of {}",
            c.age_band_lower.len()
        ));
    }
    for (i, row) in c.prevalence_by_age.value.iter().enumerate() {
        expect_probs(&format!("conditions.prevalence_by_age[{i}]"), row, problems);
    }
    expect_len("conditions.male_multiplier", &c.male_multiplier, nc, problems);
    if c.ethnicity_multiplier.value.len() != nc || c.ethnicity_multiplier.value.iter().any(|r| r.len() != ng) {
        problems.push(format!("conditions.ethnicity_multiplier: expected {nc} rows of {ng}"));
    }
    let f = &file.frailty;
    expect_bands(
        "frailty.initial_any_share_by_age",
        &f.age_band_lower,
        &f.initial_any_share_by_age,
        problems,
    );
    expect_probs(
        "frailty.initial_any_share_by_age",
        &f.initial_any_share_by_age.value,
        problems,
    );
    expect_bands(
        "frailty.onset_rate_by_age",
        &f.age_band_lower,
        &f.onset_rate_by_age,
        problems,
    );
    expect_len("frailty.severity_shares", &f.severity_shares, 3, problems);
    expect_len("frailty.progression_rate", &f.progression_rate, 2, problems);
    expect_len("frailty.mortality_hr", &f.mortality_hr, 3, problems);
    expect_len("frailty.crisis_hr", &f.crisis_hr, 3, problems);
    let is = &file.isolation;
    expect_bands(
        "isolation.prevalence_by_age",
        &is.age_band_lower,
        &is.prevalence_by_age,
        problems,
    );
    expect_bands(
        "isolation.onset_rate_by_age",
        &is.age_band_lower,
        &is.onset_rate_by_age,
        problems,
    );
    expect_probs("isolation.prevalence_by_age", &is.prevalence_by_age.value, problems);
    let h = &file.hospital;
    expect_bands(
        "hospital.ae_attendance_rate_by_age",
        &h.activity_age_band_lower,
        &h.ae_attendance_rate_by_age,
        problems,
    );
    expect_bands(
        "hospital.emergency_admission_rate_by_age",
        &h.activity_age_band_lower,
        &h.emergency_admission_rate_by_age,
        problems,
    );
    if h.imd_gradient.value.len() != h.gradient_age_band_lower.len()
        || h.imd_gradient.value.iter().any(|r| r.len() != 5)
    {
        problems.push(format!(
            "hospital.imd_gradient: expected {} rows of 5",
            h.gradient_age_band_lower.len()
        ));
    }
    expect_bands(
        "hospital.los_mean_by_age",
        &h.los_age_band_lower,
        &h.los_mean_by_age,
        problems,
    );
    expect_len(
        "hospital.los_frailty_multiplier",
        &h.los_frailty_multiplier,
        FRAILTY_LEVELS,
        problems,
    );
    expect_probs("hospital.zero_day_share", &[h.zero_day_share.value], problems);
    expect_bands(
        "hospital.discharge_support_probability",
        &h.discharge_age_band_lower,
        &h.discharge_support_probability,
        problems,
    );
    expect_bands(
        "hospital.discharge_care_home_probability",
        &h.discharge_age_band_lower,
        &h.discharge_care_home_probability,
        problems,
    );
    expect_probs(
        "hospital.discharge_care_home_probability",
        &h.discharge_care_home_probability.value,
        problems,
    );
    expect_len(
        "hospital.discharge_support_frailty_multiplier",
        &h.discharge_support_frailty_multiplier,
        FRAILTY_LEVELS,
        problems,
    );
    let s = &file.social_care;
    expect_bands(
        "social_care.initial_home_care_share",
        &s.age_band_lower,
        &s.initial_home_care_share,
        problems,
    );
    expect_bands(
        "social_care.initial_care_home_share",
        &s.age_band_lower,
        &s.initial_care_home_share,
        problems,
    );
    expect_len(
        "social_care.community_package_rate",
        &s.community_package_rate,
        FRAILTY_LEVELS,
        problems,
    );
    expect_len(
        "social_care.community_care_home_rate",
        &s.community_care_home_rate,
        FRAILTY_LEVELS,
        problems,
    );
    let pc = &file.primary_care;
    expect_bands(
        "primary_care.consultation_rate_by_age",
        &pc.age_band_lower,
        &pc.consultation_rate_by_age,
        problems,
    );
    let ef = &file.effects;
    for (name, v) in [
        (
            "effects.social_prescribing_gp_reduction",
            ef.social_prescribing_gp_reduction.value,
        ),
        (
            "effects.social_prescribing_ae_reduction",
            ef.social_prescribing_ae_reduction.value,
        ),
        ("effects.reablement_no_package", ef.reablement_no_package.value),
        ("effects.life_visit_within_2h", ef.life_visit_within_2h.value),
        (
            "effects.pharmacist_crisis_reduction",
            ef.pharmacist_crisis_reduction.value,
        ),
        ("effects.pic_isolation_resolved", ef.pic_isolation_resolved.value),
    ] {
        expect_probs(name, &[v], problems);
    }
    let ec = &file.economics;
    expect_probs(
        "economics.discount_rate_costs",
        &[ec.discount_rate_costs.value],
        problems,
    );
    expect_probs(
        "economics.discount_rate_qalys",
        &[ec.discount_rate_qalys.value],
        problems,
    );
    expect_len("economics.qaly_thresholds", &ec.qaly_thresholds, 2, problems);
    expect_nonneg("economics.qaly_thresholds", &ec.qaly_thresholds.value, problems);
    expect_len("economics.eq5d_coefficients", &ec.eq5d_coefficients, 4, problems);
    expect_probs(
        "economics.eq5d_condition_multiplier",
        &[ec.eq5d_condition_multiplier.value],
        problems,
    );
    expect_len(
        "economics.eq5d_frailty_multiplier",
        &ec.eq5d_frailty_multiplier,
        FRAILTY_LEVELS,
        problems,
    );
    expect_probs(
        "economics.eq5d_frailty_multiplier",
        &ec.eq5d_frailty_multiplier.value,
        problems,
    );
    expect_nonneg("costs.pic_worker_year", &[file.costs.pic_worker_year.value], problems);
    expect_nonneg("costs.link_worker_year", &[file.costs.link_worker_year.value], problems);
    let lsoa_local_decile = local_groups(&lsoa_population, &file.lsoas.imd_rank.value, 10);
    let sha256 = format!("{:x}", Sha256::digest(text.as_bytes()));
    Place {
        file,
        origin: origin.to_string(),
        sha256,
        lsoa_locality,
        lsoa_practice,
        lsoa_imd_decile,
        lsoa_population,
        lsoa_local_decile,
        practice_locality,
    }
}

/// Local deprivation groups (`groups` of them): LSOAs ordered by rank (most deprived first, ties
/// by index), each assigned the group containing the midpoint of its population in the
/// cumulative total.
fn local_groups(population: &[u32], rank: &[f64], groups: u8) -> Vec<u8> {
    let n = population.len().min(rank.len());
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| rank[a].total_cmp(&rank[b]).then(a.cmp(&b)));
    let total: f64 = population[..n].iter().map(|&p| f64::from(p)).sum();
    let mut out = vec![0u8; population.len()];
    let mut before = 0.0;
    for i in order {
        let mid = before + f64::from(population[i]) / 2.0;
        out[i] = if total > 0.0 {
            ((f64::from(groups) * mid / total).floor() as u8).min(groups - 1)
        } else {
            0
        };
        before += f64::from(population[i]);
    }
    out
}

/// Index of the band whose lower bound is the largest not above `age`; `None` when `age` is
/// below the first band.
#[inline]
pub fn band_of(lower: &[u8], age: u8) -> Option<usize> {
    lower.iter().rposition(|&b| b <= age)
}
