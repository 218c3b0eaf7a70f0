//! Fitting uncertain parameters to targets: Nelder–Mead on a weighted sum of squared
//! standardised distances, with common random numbers (the same seed and replicates at every
//! evaluation), so the objective is a deterministic function of the parameters and the whole
//! fit is reproducible from the seed.

use super::nelder_mead::{self, Evaluation, Options};
use super::targets::{evaluate, Target, TargetResult};
use crate::calendar::Date;
use crate::engine::Engine;
use crate::error::Error;
use crate::runner::{prepare, RunRequest, Silent};
use crate::scenario::{KeyList, Scenario};
use serde::Deserialize;

/// A parameter the calibration may move, addressed by its scenario key.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreeParameter {
    /// Dotted scenario key, e.g. `model.crisis_rate_scale` (see [`set_parameter`]).
    pub key: String,
    /// Lower bound (the most implausible value accepted).
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
    /// Starting value.
    pub start: f64,
}

/// A calibration set-up (`scenarios/calibration/setup.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// Population scale during the fit.
    pub scale: f64,
    /// Replicates per evaluation (common random numbers across evaluations).
    pub replicates: u32,
    /// Master seed.
    pub seed: u64,
    /// Last simulated day during the fit (the targets' latest period), `YYYY-MM-DD`.
    pub end: String,
    /// Objective evaluations allowed.
    pub max_evals: usize,
    /// Ids of the targets fitted (others are validated, not fitted).
    pub targets: Vec<String>,
    /// The free parameters.
    pub parameter: Vec<FreeParameter>,
}

/// Parses a set-up file.
pub fn parse_setup(text: &str, origin: &str) -> Result<Setup, String> {
    let s: Setup = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
    let mut problems = Vec::new();
    for p in &s.parameter {
        if !(p.lo < p.hi && p.lo <= p.start && p.start <= p.hi) {
            problems.push(format!(
                "{origin}: parameter {}: need lo < hi and start within them",
                p.key
            ));
        }
    }
    if !(s.scale > 0.0 && s.scale <= 1.0) || s.replicates == 0 || s.max_evals == 0 {
        problems.push(format!(
            "{origin}: scale must be in (0, 1], replicates and max_evals at least 1"
        ));
    }
    if Date::parse(&s.end).is_none() {
        problems.push(format!("{origin}: end must be a YYYY-MM-DD date"));
    }
    if problems.is_empty() {
        Ok(s)
    } else {
        Err(problems.join("\n"))
    }
}

/// The keys [`set_parameter`] understands: the scenario keys declared calibratable
/// (`calibrate` in [`crate::scenario`]'s declarations), in their declared order.
pub const PARAMETER_KEYS: KeyList = KeyList::new(crate::scenario::calibration_keys);

/// Sets one parameter of a scenario by key.
pub fn set_parameter(s: &mut Scenario, key: &str, v: f64) -> Result<(), String> {
    match s.calibration_slots().into_iter().find(|(k, _)| k == key) {
        Some((_, slot)) => {
            *slot = v;
            Ok(())
        }
        None => Err(format!(
            "`{key}` cannot be calibrated; calibratable keys: {}",
            PARAMETER_KEYS.join(", ")
        )),
    }
}

/// The value of one calibratable parameter of a scenario, by key.
pub fn parameter_value(s: &Scenario, key: &str) -> Result<f64, String> {
    let mut s = s.clone();
    match s.calibration_slots().into_iter().find(|(k, _)| k == key) {
        Some((_, slot)) => Ok(*slot),
        None => Err(format!(
            "`{key}` is not a calibratable key; calibratable keys: {}",
            PARAMETER_KEYS.join(", ")
        )),
    }
}

/// Weighted sum of squared standardised distances of the simulated means from the targets'
/// band centres (each distance in units of the band's half-width).
pub fn distance(results: &[TargetResult]) -> f64 {
    results
        .iter()
        .map(|r| {
            let t = &r.target;
            let centre = 0.5 * (t.lo + t.hi);
            let half = (0.5 * (t.hi - t.lo)).max(1e-9 * centre.abs().max(1.0));
            let z = (r.simulated.mean - centre) / half;
            if z.is_finite() {
                t.weight * z * z
            } else {
                f64::INFINITY
            }
        })
        .sum()
}

/// One evaluation of the fit, for the log.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// The evaluation (number, simplex iteration, parameters, distance).
    pub evaluation: Evaluation,
}

/// The result of a fit.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The set-up used.
    pub setup: Setup,
    /// Fitted value of each free parameter, in set-up order.
    pub values: Vec<f64>,
    /// Distance at the fitted values.
    pub distance: f64,
    /// Every evaluation, in order.
    pub log: Vec<Evaluation>,
    /// Whether a tolerance was met before `max_evals`.
    pub converged: bool,
}

/// Runs the scenario with the given parameter values under the set-up's scale, seed,
/// replicates and end date, and evaluates the fitted targets.
///
/// The runs use the weekly reference engine ([`crate::engine::Engine::Weekly`]), whose
/// outcomes agree in distribution with the event-driven default (`tests/engines.rs`): with
/// common random numbers each resident's draws stay the same as a parameter moves, so the
/// objective moves smoothly with it and the simplex can follow it. Under the event-driven
/// engine a parameter that moves a resident's hazard bound redraws their clocks, which makes
/// the objective jump between nearby values.
pub fn evaluate_at(
    base: &Scenario,
    setup: &Setup,
    targets: &[Target],
    values: &[f64],
    threads: usize,
) -> Result<Vec<TargetResult>, Error> {
    let mut s = base.clone();
    s.scale = setup.scale;
    s.end = Date::parse(&setup.end).ok_or_else(|| Error::Request("calibration end date".into()))?;
    for (p, &v) in setup.parameter.iter().zip(values) {
        set_parameter(&mut s, &p.key, v).map_err(Error::Request)?;
    }
    let request = RunRequest {
        scenarios: vec![s],
        replicates: setup.replicates,
        seed: setup.seed,
        threads,
    };
    let results = prepare(&request)?.with_engine(Engine::Weekly).run(&Silent)?;
    evaluate(targets, &results.scenarios[0]).map_err(Error::Request)
}

/// Fits the set-up's free parameters to its targets, starting from each parameter's `start`.
/// `observe` is called after every evaluation.
pub fn calibrate(
    base: &Scenario,
    setup: &Setup,
    all_targets: &[Target],
    threads: usize,
    mut observe: impl FnMut(&Evaluation),
) -> Result<Fit, Error> {
    let targets: Vec<Target> = setup
        .targets
        .iter()
        .map(|id| {
            all_targets
                .iter()
                .find(|t| &t.id == id)
                .cloned()
                .ok_or_else(|| Error::Request(format!("calibration set-up names unknown target `{id}`")))
        })
        .collect::<Result<_, _>>()?;
    for p in &setup.parameter {
        set_parameter(&mut base.clone(), &p.key, p.start).map_err(Error::Request)?;
    }
    let lo: Vec<f64> = setup.parameter.iter().map(|p| p.lo).collect();
    let hi: Vec<f64> = setup.parameter.iter().map(|p| p.hi).collect();
    let x0: Vec<f64> = setup.parameter.iter().map(|p| p.start).collect();
    let mut failure: Option<Error> = None;
    let mut log = Vec::new();
    let outcome = nelder_mead::minimize(
        |x| match evaluate_at(base, setup, &targets, x, threads) {
            Ok(r) => distance(&r),
            Err(e) => {
                failure.get_or_insert(e);
                f64::INFINITY
            }
        },
        &x0,
        &lo,
        &hi,
        &Options {
            max_evals: setup.max_evals,
            f_tol: 1e-3,
            x_tol: 2e-3,
            initial_step: 0.2,
        },
        |e| {
            log.push(e.clone());
            observe(e);
        },
    );
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(Fit {
        setup: setup.clone(),
        values: outcome.x,
        distance: outcome.f,
        log,
        converged: outcome.converged,
    })
}

/// The fitted values as a scenario fragment (TOML) that a scenario `extends`.
pub fn fragment(fit: &Fit, header: &str) -> String {
    let mut sections: Vec<(String, Vec<(String, f64)>)> = Vec::new();
    for (p, &v) in fit.setup.parameter.iter().zip(&fit.values) {
        let (section, key) = p.key.rsplit_once('.').unwrap_or(("model", p.key.as_str()));
        match sections.iter_mut().find(|(s, _)| s == section) {
            Some((_, keys)) => keys.push((key.to_string(), v)),
            None => sections.push((section.to_string(), vec![(key.to_string(), v)])),
        }
    }
    let mut out = String::new();
    for line in header.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    for (section, keys) in sections {
        out.push_str(&format!("\n[{section}]\n"));
        for (k, v) in keys {
            out.push_str(&format!("{k} = {}\n", round_sig(v)));
        }
    }
    out
}

/// Six significant figures: enough to reproduce the fit, short enough to read.
fn round_sig(v: f64) -> String {
    if v == 0.0 {
        return "0.0".into();
    }
    let digits = 6 - (v.abs().log10().floor() as i32 + 1);
    let s = format!("{:.*}", digits.max(1) as usize, v);
    if s.contains('.') {
        let t = s.trim_end_matches('0');
        if t.ends_with('.') {
            format!("{t}0")
        } else {
            t.to_string()
        }
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_the_fragment_keep_six_significant_figures() {
        assert_eq!(round_sig(0.812_345_67), "0.812346");
        assert_eq!(round_sig(9.0), "9.0");
        assert_eq!(round_sig(12.345_678), "12.3457");
        assert_eq!(round_sig(0.000_123_456_7), "0.000123457");
    }

    #[test]
    fn every_calibratable_key_can_be_set() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let mut s = crate::scenario::load_scenario(&path).unwrap();
        for k in PARAMETER_KEYS {
            set_parameter(&mut s, k, 0.123).unwrap();
        }
        assert!(set_parameter(&mut s, "model.nonsense", 1.0).is_err());
        assert!((s.model.crisis_rate_scale - 0.123).abs() < 1e-12);
        assert!((s.services.pharmacists.effect - 0.123).abs() < 1e-12);
    }

    #[test]
    fn calibratable_keys_are_the_declared_ones_in_rank_order() {
        assert_eq!(
            PARAMETER_KEYS.to_vec(),
            [
                "model.crisis_rate_scale",
                "model.admission_scale",
                "model.mortality_scale",
                "model.imd_gradient_scale",
                "model.readmission_hr",
                "model.community_care_scale",
                "services.huddles.effect",
                "services.huddles.reviews_per_practice_per_week",
                "services.huddles.flag_probability",
                "services.life.divert_probability",
                "services.life.no_package_probability",
                "services.pic.crisis_effect",
                "services.social_prescribing.ae_effect",
                "services.pharmacists.effect",
                "services.life.diversion_death_rr",
                "services.life.d2a_death_rr",
                "model.older_migration_scale",
                "model.care_home_scale",
                "services.huddles.effect_ramp_years",
                "services.life.los_reduction_days",
                "services.social_prescribing.gp_effect",
                "services.social_prescribing.admission_effect",
                "services.icn_plus.extra_effect",
            ]
        );
        let err = set_parameter(
            &mut crate::scenario::load_scenario(
                &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
            )
            .unwrap(),
            "services.life.max_weeks",
            3.0,
        )
        .unwrap_err();
        assert!(
            err.contains("cannot be calibrated") && err.contains("services.pharmacists.effect"),
            "{err}"
        );
    }
}
