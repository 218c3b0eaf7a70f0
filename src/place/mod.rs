//! A place: its residents' structure, deprivation, practices and the sourced figures the model
//! uses. Croydon is embedded in the binary; any other place is a file with the same schema
//! ([`raw::PlaceFile`]).

mod check;
pub(crate) mod domain;
pub mod raw;

use crate::error::PlaceError;
use check::Checker;
use raw::PlaceFile;
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
        let origin = path.display().to_string();
        let text = crate::input::read_text(path, "place file").map_err(|p| PlaceError {
            origin: origin.clone(),
            problems: vec![crate::error::InputError {
                line: p.line,
                column: p.column,
                ..crate::error::InputError::whole_file(path, p.message)
            }],
        })?;
        Place::from_toml(&text, &origin)
    }

    /// Parses and validates place-file text; `origin` names it in errors. Every problem is
    /// reported, each with its line, column and field.
    pub fn from_toml(text: &str, origin: &str) -> Result<Place, PlaceError> {
        let (file, mut checker) = check::parse(text, origin);
        let place = file.map(|file| {
            check::tables(&file, &mut checker);
            build(file, origin, text, &mut checker)
        });
        match place {
            Some(place) if checker.problems.is_empty() => Ok(place),
            _ => Err(PlaceError {
                origin: origin.to_string(),
                problems: checker.problems,
            }),
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

/// Checks the localities, practices and LSOAs against each other and builds the indices.
fn build(file: PlaceFile, origin: &str, text: &str, c: &mut Checker) -> Place {
    let p = &file.population;
    if file.localities.is_empty() || file.localities.len() > 250 {
        c.problem(
            "localities",
            format!(
                "between 1 and 250 localities are needed, found {}",
                file.localities.len()
            ),
        );
    }
    let localities_ok = check::unique(
        c,
        "locality key",
        file.localities
            .iter()
            .enumerate()
            .map(|(i, l)| (format!("localities[{i}].key"), l.key.as_str())),
    );
    let mut keys_ok = true;
    for (i, l) in file.localities.iter().enumerate() {
        c.len(
            &format!("localities[{i}].persons_single_year"),
            &l.persons_single_year,
            POP_AGES,
        );
        // Keys name localities in scenario files and in every output row.
        let key_char = |ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_';
        if !l.key.is_empty() && (!l.key.chars().all(key_char) || l.key.len() > 64) {
            keys_ok = false;
            c.problem(
                &format!("localities[{i}].key"),
                format!(
                    "{:?}: a locality key is at most 64 lowercase letters, digits and `_` (e.g. \"thornton_heath\")",
                    l.key
                ),
            );
        }
        if l.name.trim().is_empty() {
            c.problem(
                &format!("localities[{i}].name"),
                "the locality's name must not be empty".into(),
            );
        }
    }
    let localities_ok = localities_ok && keys_ok;
    let practices_ok = check::unique(
        c,
        "practice key",
        file.practices
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("practices[{i}].key"), p.key.as_str())),
    );
    let loc_index = |key: &str| file.localities.iter().position(|l| l.key == key);
    let mut practice_locality = Vec::with_capacity(file.practices.len());
    for (i, pr) in file.practices.iter().enumerate().filter(|_| localities_ok) {
        match loc_index(&pr.locality) {
            Some(l) => practice_locality.push(l as u8),
            None => {
                c.problem(
                    &format!("practices[{i}].locality"),
                    format!("practice {:?}: unknown locality {:?}", pr.key, pr.locality),
                );
                practice_locality.push(0);
            }
        }
    }
    let ls = &file.lsoas;
    let n = ls.code.value.len();
    if n == 0 {
        c.problem("lsoas.code.value", "at least one LSOA is needed".into());
    }
    let _ = check::unique(
        c,
        "LSOA code",
        ls.code
            .value
            .iter()
            .enumerate()
            .map(|(i, code)| (format!("lsoas.code.value[{i}]"), code.as_str())),
    );
    c.len("lsoas.locality", &ls.locality, n);
    c.len("lsoas.practice", &ls.practice, n);
    c.len("lsoas.population", &ls.population, n);
    c.len("lsoas.imd_decile", &ls.imd_decile, n);
    c.len("lsoas.imd_rank", &ls.imd_rank, n);
    let mut lsoa_locality = Vec::with_capacity(n);
    let mut lsoa_practice = Vec::with_capacity(n);
    let mut lsoa_imd_decile = Vec::with_capacity(n);
    let mut lsoa_population = Vec::with_capacity(n);
    // With a repeated locality or practice key, every cross-reference below would be
    // reported again as a consequence: the duplicate is the one problem.
    let cross_ok = localities_ok && practices_ok;
    for i in 0..n
        .min(if cross_ok { n } else { 0 })
        .min(ls.locality.value.len())
        .min(ls.practice.value.len())
        .min(ls.population.value.len())
        .min(ls.imd_decile.value.len())
    {
        let loc = loc_index(&ls.locality.value[i]);
        if loc.is_none() {
            c.problem(
                &format!("lsoas.locality.value[{i}]"),
                format!("unknown locality {:?}", ls.locality.value[i]),
            );
        }
        let pr = file.practices.iter().position(|p| p.key == ls.practice.value[i]);
        match (pr, loc) {
            (None, _) => c.problem(
                &format!("lsoas.practice.value[{i}]"),
                format!("unknown practice {:?}", ls.practice.value[i]),
            ),
            (Some(pi), Some(l)) if practice_locality[pi] as usize != l => c.problem(
                &format!("lsoas.practice.value[{i}]"),
                format!(
                    "practice {:?} is not in locality {:?}",
                    ls.practice.value[i], ls.locality.value[i]
                ),
            ),
            _ => {}
        }
        // Out-of-domain deciles and populations were reported with the figures.
        lsoa_locality.push(loc.unwrap_or(0) as u8);
        lsoa_practice.push(pr.unwrap_or(0) as u16);
        lsoa_imd_decile.push(ls.imd_decile.value[i].clamp(1.0, 10.0) as u8);
        lsoa_population.push(ls.population.value[i].clamp(0.0, f64::from(u32::MAX)) as u32);
    }
    // Locality age tables must agree with LSOA totals and the borough age/sex tables, and
    // every locality must have residents.
    for (l, loc) in file.localities.iter().enumerate().filter(|_| cross_ok) {
        let from_lsoas: u64 = lsoa_population
            .iter()
            .zip(&lsoa_locality)
            .filter(|(_, &ll)| ll as usize == l)
            .map(|(&p, _)| u64::from(p))
            .sum();
        let from_ages = sum(&loc.persons_single_year.value);
        let field = format!("localities[{l}].persons_single_year.value");
        if from_ages < 1.0 {
            c.problem(
                &field,
                format!(
                    "locality {:?} has no residents: every locality needs at least one",
                    loc.key
                ),
            );
        } else if (from_ages - from_lsoas as f64).abs() > 0.5 {
            c.problem(
                &field,
                format!(
                    "locality {:?}: persons_single_year sums to {from_ages} but its LSOAs hold {from_lsoas}",
                    loc.key
                ),
            );
        }
    }
    if c.problems.is_empty() {
        for a in 0..POP_AGES {
            let borough = p.males_single_year.value[a] + p.females_single_year.value[a];
            let locs: f64 = file.localities.iter().map(|l| l.persons_single_year.value[a]).sum();
            if (borough - locs).abs() > 0.5 {
                c.problem(
                    &format!("population.males_single_year.value[{a}]"),
                    format!("age {a}: borough males + females = {borough} but localities sum to {locs}"),
                );
            }
        }
    }
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

fn sum(v: &[f64]) -> f64 {
    v.iter().sum()
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
