//! "What you would have to believe": the service effect sizes a model needs to reproduce
//! published claims, shown against the evidence.
//!
//! A claims file (`data/claims.toml` is shipped) lists claims (each a [`Target`]: a metric
//! computed from run results over a window, the claimed value and a tolerance band, and its
//! source) and the effects that may explain them (scenario keys, each with a search range and,
//! where the place file has one, the evidence figure and its range). Holding everything else
//! in the scenario fixed (the calibrated counterfactual: trend, demography, COVID-19, winter,
//! the other services), [`believe`] fits the claims
//!
//! * with each effect **alone** (the others at the scenario's values): what that one service
//!   would have to achieve to explain the claims by itself, and
//! * with every effect **jointly**: the combination closest to the claims,
//!
//! by the calibration's Nelder–Mead on common random numbers ([`super::fit::calibrate`]), and
//! evaluates the claims at the scenario's own values too (`as modelled`). Each required value is
//! then set against its evidence range: a required effect outside it is what a board would have
//! to believe for the claim to be the services' doing.

use super::fit::{self, parameter_value, FreeParameter};
use super::nelder_mead::Evaluation;
use super::targets::{check_targets, Target, TargetResult};
use crate::calendar::Date;
use crate::error::Error;
use crate::place::Place;
use crate::scenario::Scenario;
use serde::Deserialize;

/// The shipped claims file: the two before/after falls in emergency admissions the One
/// Croydon Alliance reported.
pub const CROYDON_CLAIMS: &str = include_str!("../../data/claims.toml");

/// An effect that may explain the claims.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effect {
    /// Calibratable scenario key (see [`fit::PARAMETER_KEYS`]), e.g. `services.huddles.effect`.
    pub key: String,
    /// Name in words.
    pub label: String,
    /// Lowest value searched.
    pub lo: f64,
    /// Highest value searched.
    pub hi: f64,
    /// The place file's evidence figure for this effect (`effects.huddle_crisis_change`), whose
    /// value and `range` are the evidence; none when the place has no evidence range for it.
    #[serde(default)]
    pub evidence: Option<String>,
    /// How the scenario key relates to the figure: +1 when they are the same quantity, −1 when
    /// the key is its negative (a reduction against a change).
    #[serde(default = "plus_one")]
    pub evidence_sign: i8,
}

fn plus_one() -> i8 {
    1
}

/// A claims file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// Population scale of the fits.
    pub scale: f64,
    /// Replicates per evaluation (the same ones at every evaluation: common random numbers).
    pub replicates: u32,
    /// Master seed.
    pub seed: u64,
    /// Last simulated day (the claims' latest window), `YYYY-MM-DD`.
    pub end: String,
    /// Objective evaluations allowed per fit.
    pub max_evals: usize,
    /// The claims.
    pub claim: Vec<Target>,
    /// The effects that may explain them.
    pub effect: Vec<Effect>,
}

/// Parses and checks a claims file against a place (`origin` names it in errors): every
/// claim as a target ([`check_targets`]), every effect a calibratable key with `lo < hi`, an
/// evidence figure that the place has, with a range, and a sign of ±1.
pub fn parse_claims(text: &str, origin: &str, place: &Place) -> Result<Claims, String> {
    let c: Claims = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
    let mut problems = check_targets(&c.claim, origin, "claim");
    if c.claim.is_empty() {
        problems.push(format!("{origin}: no [[claim]]: a claims file needs at least one"));
    }
    if c.effect.is_empty() {
        problems.push(format!("{origin}: no [[effect]]: a claims file needs at least one"));
    }
    if !(c.scale > 0.0 && c.scale <= 1.0) || c.replicates == 0 || c.max_evals == 0 {
        problems.push(format!(
            "{origin}: scale must be in (0, 1], replicates and max_evals at least 1"
        ));
    }
    if Date::parse(&c.end).is_none() {
        problems.push(format!("{origin}: end must be a YYYY-MM-DD date"));
    }
    for e in &c.effect {
        if !fit::PARAMETER_KEYS.contains(&e.key.as_str()) {
            problems.push(format!(
                "{origin}: effect {}: not a calibratable key; calibratable keys: {}",
                e.key,
                fit::PARAMETER_KEYS.join(", ")
            ));
        }
        if !(e.lo.is_finite() && e.hi.is_finite() && e.lo < e.hi) {
            problems.push(format!("{origin}: effect {}: need finite lo < hi", e.key));
        }
        if e.evidence_sign != 1 && e.evidence_sign != -1 {
            problems.push(format!("{origin}: effect {}: evidence_sign must be 1 or -1", e.key));
        }
        if let Some(fig) = &e.evidence {
            if evidence_figure(place, fig).is_none() {
                problems.push(format!(
                    "{origin}: effect {}: evidence `{fig}` is not a figure of the place with a value and a range",
                    e.key
                ));
            }
        }
    }
    let mut keys: Vec<&str> = c.effect.iter().map(|e| e.key.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        problems.push(format!("{origin}: effect keys must be unique"));
    }
    if problems.is_empty() {
        Ok(c)
    } else {
        Err(problems.join("\n"))
    }
}

/// The embedded Croydon claims, checked against `place`.
pub fn croydon_claims(place: &Place) -> Result<Claims, String> {
    parse_claims(CROYDON_CLAIMS, "data/claims.toml", place)
}

/// An evidence range in the scenario key's own terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The place figure it comes from.
    pub figure: String,
    /// Central estimate.
    pub central: f64,
    /// Low end.
    pub low: f64,
    /// High end.
    pub high: f64,
    /// The figure's source (citation).
    pub source: String,
}

/// A place figure's value, range and source, if it is a scalar figure with a range
/// (`effects.huddle_crisis_change`).
fn evidence_figure(place: &Place, key: &str) -> Option<(f64, [f64; 2], String)> {
    let (section, name) = key.split_once('.')?;
    let sections = serde_json::json!({
        "costs": &place.file.costs,
        "effects": &place.file.effects,
        "economics": &place.file.economics,
    });
    let fig = sections.get(section)?.get(name)?;
    let value = fig.get("value")?.as_f64()?;
    let range = fig.get("range")?.as_array()?;
    let (low, high) = (range.first()?.as_f64()?, range.get(1)?.as_f64()?);
    let source_key = fig.get("source")?.as_str()?.to_string();
    let source = place.file.sources.get(&source_key).cloned().unwrap_or(source_key);
    Some((value, [low, high], source))
}

impl Evidence {
    /// Whether `v` lies within the range (ends included, to rounding).
    pub fn contains(&self, v: f64) -> bool {
        v >= self.low - 1e-12 && v <= self.high + 1e-12
    }
}

impl Effect {
    /// The evidence for this effect in the scenario key's terms (sign applied, ends ordered).
    pub fn evidence(&self, place: &Place) -> Option<Evidence> {
        let figure = self.evidence.as_ref()?;
        let (value, [a, b], source) = evidence_figure(place, figure)?;
        let s = f64::from(self.evidence_sign);
        let (x, y) = (s * a, s * b);
        Some(Evidence {
            figure: figure.clone(),
            central: s * value,
            low: x.min(y),
            high: x.max(y),
            source,
        })
    }
}

/// Which effects one fit moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FitKind {
    /// None: the scenario's own values.
    AsModelled,
    /// The `i`-th effect alone.
    Alone(usize),
    /// Every effect together.
    Joint,
}

/// One fit: the effects' values and the claims evaluated at them.
#[derive(Debug, Clone)]
pub struct Belief {
    /// Which effects moved.
    pub kind: FitKind,
    /// Value of every effect of the claims file (in file order) in this fit.
    pub values: Vec<f64>,
    /// The claims at those values.
    pub claims: Vec<TargetResult>,
    /// Distance of the claims from their bands (as in calibration; 0 = every claim at its
    /// band's centre).
    pub distance: f64,
    /// Objective evaluations used.
    pub evaluations: usize,
}

impl Belief {
    /// Whether this fit moved effect `i` (as modelled moves none, a fit alone only its own).
    pub fn moved(&self, i: usize) -> bool {
        match self.kind {
            FitKind::AsModelled => false,
            FitKind::Alone(j) => i == j,
            FitKind::Joint => true,
        }
    }

    /// Whether every claim's simulated mean lies within its band.
    pub fn reproduced(&self) -> bool {
        self.claims.iter().all(|c| c.pass)
    }

    /// Name of the fit in outputs: `as_modelled`, `alone:<key>` or `joint`.
    pub fn name(&self, claims: &Claims) -> String {
        match self.kind {
            FitKind::AsModelled => "as_modelled".into(),
            FitKind::Alone(i) => format!("alone:{}", claims.effect[i].key),
            FitKind::Joint => "joint".into(),
        }
    }
}

/// Every fit of a claims file on a base scenario: as modelled, each effect alone, then jointly
/// (only when there is more than one effect). `observe(fit, evaluation)` is called after every
/// evaluation.
pub fn believe(
    base: &Scenario,
    claims: &Claims,
    threads: usize,
    mut observe: impl FnMut(&FitKind, &Evaluation),
) -> Result<Vec<Belief>, Error> {
    let ids: Vec<String> = claims.claim.iter().map(|c| c.id.clone()).collect();
    let current: Vec<f64> = claims
        .effect
        .iter()
        .map(|e| parameter_value(base, &e.key).map_err(Error::Request))
        .collect::<Result<_, _>>()?;
    let setup = |params: Vec<FreeParameter>| fit::Setup {
        scale: claims.scale,
        replicates: claims.replicates,
        seed: claims.seed,
        end: claims.end.clone(),
        max_evals: claims.max_evals,
        targets: ids.clone(),
        parameter: params,
    };
    let free = |i: usize| FreeParameter {
        key: claims.effect[i].key.clone(),
        lo: claims.effect[i].lo,
        hi: claims.effect[i].hi,
        start: current[i].clamp(claims.effect[i].lo, claims.effect[i].hi),
    };
    let mut out = Vec::new();
    // As modelled: the scenario's own values, evaluated once.
    let s = setup(Vec::new());
    let claims_now = fit::evaluate_at(base, &s, &claims.claim, &[], threads)?;
    out.push(Belief {
        kind: FitKind::AsModelled,
        values: current.clone(),
        distance: fit::distance(&claims_now),
        claims: claims_now,
        evaluations: 1,
    });
    let mut kinds: Vec<FitKind> = (0..claims.effect.len()).map(FitKind::Alone).collect();
    if claims.effect.len() > 1 {
        kinds.push(FitKind::Joint);
    }
    for kind in kinds {
        let moved: Vec<usize> = match kind {
            FitKind::Alone(i) => vec![i],
            _ => (0..claims.effect.len()).collect(),
        };
        let s = setup(moved.iter().map(|&i| free(i)).collect());
        let result = fit::calibrate(base, &s, &claims.claim, threads, |e| observe(&kind, e))?;
        let mut values = current.clone();
        for (&i, &v) in moved.iter().zip(&result.values) {
            values[i] = v;
        }
        let at = fit::evaluate_at(base, &s, &claims.claim, &result.values, threads)?;
        out.push(Belief {
            kind,
            values,
            distance: fit::distance(&at),
            claims: at,
            evaluations: result.log.len(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place::croydon()
    }

    /// The shipped claims with `edit` applied to their text.
    fn parsed(edit: impl Fn(&str) -> String) -> Result<Claims, String> {
        parse_claims(&edit(CROYDON_CLAIMS), "claims.toml", &place())
    }

    #[test]
    fn the_shipped_claims_are_the_two_before_after_falls_with_evidence_in_the_keys_terms() {
        let c = croydon_claims(&place()).unwrap();
        let ids: Vec<&str> = c.claim.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "admissions_65plus_change_fy2016_fy2019",
                "adult_admissions_change_apr2017_sep2018"
            ]
        );
        // The same claims as the validation targets, so the two cannot drift apart.
        let targets = super::super::targets::croydon_targets();
        for claim in &c.claim {
            let t = targets.iter().find(|t| t.id == claim.id).unwrap();
            assert_eq!(
                (t.observed, t.lo, t.hi, &t.compute),
                (claim.observed, claim.lo, claim.hi, &claim.compute)
            );
        }
        // The huddle key is a reduction and its figure a change (-0.14 to +0.10): the evidence
        // in the key's terms runs from -0.10 (harm) to 0.14, central 0.03.
        let huddles = c.effect.iter().find(|e| e.key == "services.huddles.effect").unwrap();
        let ev = huddles.evidence(&place()).unwrap();
        assert!((ev.low + 0.10).abs() < 1e-12 && (ev.high - 0.14).abs() < 1e-12 && (ev.central - 0.03).abs() < 1e-12);
        assert!(ev.source.len() > 20, "the citation, not the key: {}", ev.source);
        let life = c
            .effect
            .iter()
            .find(|e| e.key == "services.life.divert_probability")
            .unwrap();
        assert!(life.evidence(&place()).is_none());
    }

    #[test]
    fn bad_claims_files_are_refused_with_the_reason() {
        // (text replaced, replacement, what the message must say)
        let cases = [
            (
                "services.pic.crisis_effect",
                "services.pic.colour",
                "not a calibratable key",
            ),
            ("lo = -0.05", "lo = 1.5", "need finite lo < hi"),
            (
                "effects.pic_crisis_reduction",
                "effects.no_such_figure",
                "is not a figure of the place",
            ),
            // A figure with no range cannot be evidence.
            (
                "effects.pic_crisis_reduction",
                "effects.reablement_no_package",
                "with a value and a range",
            ),
            (
                "evidence_sign = -1",
                "evidence_sign = 2",
                "evidence_sign must be 1 or -1",
            ),
            (
                "services.pic.crisis_effect",
                "services.huddles.effect",
                "effect keys must be unique",
            ),
            (
                "metric = \"emergency_admissions\"",
                "metric = \"admissions\"",
                "unknown metric",
            ),
        ];
        for (from, to, why) in cases {
            let err = parsed(|t| t.replace(from, to)).unwrap_err();
            assert!(err.contains("claims.toml") && err.contains(why), "{why}: {err}");
        }
        let unknown = parsed(|t| t.replace("max_evals = 24", "max_evals = 24\nmax_eval = 3")).unwrap_err();
        assert!(unknown.contains("unknown field `max_eval`"), "{unknown}");
        let none = parsed(|t| t.split("\n[[effect]]").next().unwrap().to_string()).unwrap_err();
        assert!(
            none.contains("missing field `effect`") || none.contains("no [[effect]]"),
            "{none}"
        );
    }
}
