//! Estimators for probabilistic sensitivity analysis (issue 15), as pure functions: a keyed
//! Latin hypercube sample, Jansen's first-order and total Sobol indices from Saltelli's
//! design, the expected value of perfect information (EVPI) and the cost-effectiveness
//! acceptability curve from net benefits by parameter draw and option. The model runs that produce the outputs live
//! elsewhere; these functions only summarise them, so each is checked against a known answer
//! (the Ishigami function's analytic indices, a normal EVPI in closed form, a constructed
//! acceptability curve).

use thiserror::Error;

/// Why an estimate could not be made.
#[derive(Debug, Error, PartialEq)]
pub enum SensitivityError {
    /// No rows (draws) or no options to summarise.
    #[error("no {0} to summarise")]
    Empty(&'static str),
    /// The tables' rows do not line up.
    #[error("{what}: {found} rows where {expected} were expected")]
    Mismatch {
        /// Which table.
        what: &'static str,
        /// Rows expected (those of the first table).
        expected: usize,
        /// Rows found.
        found: usize,
    },
    /// The output does not vary, so its variance cannot be apportioned.
    #[error("the output does not vary across the sample (variance {0})")]
    NoVariance(f64),
}

/// The share of an output's variance due to one input: alone (`first`) and with all its
/// interactions (`total`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    /// First-order index S_i.
    pub first: f64,
    /// Total index S_Ti.
    pub total: f64,
}

/// Sobol indices of each input from Saltelli's design: the output at the `n` rows of two
/// independent sample matrices A and B (`f_a`, `f_b`) and, for each input i, at A with its
/// column i taken from B (`f_ab[i]`). Jansen's estimators (Saltelli et al., Computer Physics
/// Communications 2010, table 2): with V the variance of the pooled f(A) and f(B),
/// S_i = (V − mean[(f(B) − f(A_B^i))²] / 2) / V and S_Ti = mean[(f(A) − f(A_B^i))²] / 2 / V.
pub fn sobol_jansen(f_a: &[f64], f_b: &[f64], f_ab: &[Vec<f64>]) -> Result<Vec<SobolIndex>, SensitivityError> {
    let n = f_a.len();
    if n < 2 {
        return Err(SensitivityError::Empty("sample rows"));
    }
    if f_b.len() != n {
        return Err(SensitivityError::Mismatch {
            what: "f(B)",
            expected: n,
            found: f_b.len(),
        });
    }
    if let Some(bad) = f_ab.iter().find(|v| v.len() != n) {
        return Err(SensitivityError::Mismatch {
            what: "f(A_B)",
            expected: n,
            found: bad.len(),
        });
    }
    let pooled = f_a.iter().chain(f_b);
    let mean = pooled.clone().sum::<f64>() / (2 * n) as f64;
    let var = pooled.map(|y| (y - mean).powi(2)).sum::<f64>() / (2 * n - 1) as f64;
    if !(var > 0.0 && var.is_finite()) {
        return Err(SensitivityError::NoVariance(var));
    }
    let half_mean_square =
        |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / (2 * n) as f64;
    Ok(f_ab
        .iter()
        .map(|ab| SobolIndex {
            first: (var - half_mean_square(f_b, ab)) / var,
            total: half_mean_square(f_a, ab) / var,
        })
        .collect())
}

/// The expected value of perfect information per person: the mean over draws of the best
/// option's net benefit, less the net benefit of the option that is best on average
/// (`net_benefit[draw][option]`, in money at one willingness to pay). At least 0 up to
/// rounding; 0 when one option is best in every draw.
pub fn evpi(net_benefit: &[Vec<f64>]) -> Result<f64, SensitivityError> {
    let (draws, options) = shape(net_benefit)?;
    let with_information = net_benefit
        .iter()
        .map(|row| row.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .sum::<f64>()
        / draws as f64;
    let best_on_average = (0..options)
        .map(|d| net_benefit.iter().map(|row| row[d]).sum::<f64>() / draws as f64)
        .fold(f64::NEG_INFINITY, f64::max);
    Ok(with_information - best_on_average)
}

/// The cost-effectiveness acceptability curve: for each willingness to pay λ (money per QALY)
/// the share of draws in which each option has the highest net benefit λ × QALYs − cost
/// (`costs[draw][option]`, `qalys[draw][option]`; a tie goes to the earlier option). Returns
/// `[λ][option]` shares, each row summing to 1.
pub fn acceptability(costs: &[Vec<f64>], qalys: &[Vec<f64>], wtp: &[f64]) -> Result<Vec<Vec<f64>>, SensitivityError> {
    let (draws, options) = shape(costs)?;
    let (q_draws, q_options) = shape(qalys)?;
    if q_draws != draws {
        return Err(SensitivityError::Mismatch {
            what: "QALYs (draws)",
            expected: draws,
            found: q_draws,
        });
    }
    if q_options != options {
        return Err(SensitivityError::Mismatch {
            what: "QALYs (options)",
            expected: options,
            found: q_options,
        });
    }
    Ok(wtp
        .iter()
        .map(|&lambda| {
            let mut wins = vec![0usize; options];
            for (c, q) in costs.iter().zip(qalys) {
                let nb = |d: usize| lambda * q[d] - c[d];
                let best = (1..options).fold(0, |b, d| if nb(d) > nb(b) { d } else { b });
                wins[best] += 1;
            }
            wins.iter().map(|&w| w as f64 / draws as f64).collect()
        })
        .collect())
}

/// A Latin hypercube sample of `draws` points in `dims` dimensions on [0, 1)^dims, keyed by
/// `seed` (so a sensitivity analysis reproduces itself): in each dimension every one of the
/// `draws` equal strata holds exactly one point, at a uniform position within it, and the
/// strata are paired across dimensions by independent random permutations. Returns
/// `[draw][dimension]`. Uniforms, to be turned into each parameter's distribution by its
/// quantile function.
pub fn latin_hypercube(seed: u64, draws: usize, dims: usize) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; dims]; draws];
    for d in 0..dims {
        // One keyed sequence per dimension (the agent stream with serial d), so a dimension's
        // column does not depend on how many dimensions there are.
        let mut u = crate::rng::ReplicateKey::new(seed, 0)
            .agent(0, d as u32)
            .sequence(crate::rng::Purpose::SensitivitySample);
        let mut strata: Vec<usize> = (0..draws).collect();
        // Fisher–Yates with the keyed uniforms.
        for i in (1..draws).rev() {
            let j = ((u.uniform() * (i + 1) as f64) as usize).min(i);
            strata.swap(i, j);
        }
        for (row, &k) in out.iter_mut().zip(&strata) {
            row[d] = (k as f64 + u.uniform()) / draws as f64;
        }
    }
    out
}

/// Draws and options of a `[draw][option]` table whose rows all have the same length.
fn shape(table: &[Vec<f64>]) -> Result<(usize, usize), SensitivityError> {
    let options = table.first().map_or(0, Vec::len);
    if table.is_empty() {
        return Err(SensitivityError::Empty("draws"));
    }
    if options == 0 {
        return Err(SensitivityError::Empty("options"));
    }
    if let Some(bad) = table.iter().find(|row| row.len() != options) {
        return Err(SensitivityError::Mismatch {
            what: "options in a draw",
            expected: options,
            found: bad.len(),
        });
    }
    Ok((table.len(), options))
}

/// How the variance of an outcome across draws splits between the parameters and Monte Carlo
/// error, by the analysis of variance for patient-level simulation (O'Hagan, Stevenson & Madan,
/// Health Economics 2007): with R replicates per draw, the variance of the draws' means is the
/// parameters' variance plus the Monte Carlo variance of a mean of R, which the replicates'
/// spread within each draw estimates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VarianceSplit {
    /// Mean over draws.
    pub mean: f64,
    /// Variance of the draws' means.
    pub total: f64,
    /// Monte Carlo part: the mean squared standard error of a draw's mean (NaN with one
    /// replicate per draw).
    pub monte_carlo: f64,
    /// Parameters' part: total − Monte Carlo, at least 0.
    pub parameters: f64,
}

impl VarianceSplit {
    /// The Monte Carlo share of the total (NaN when unknown or the total is 0).
    pub fn monte_carlo_share(&self) -> f64 {
        if self.total > 0.0 {
            self.monte_carlo / self.total
        } else {
            f64::NAN
        }
    }

    /// The factor that shrinks a draw's mean towards the overall mean so that the draws'
    /// spread is the parameters' alone: √(parameters ÷ total); 1 when the Monte Carlo part is
    /// unknown.
    pub fn shrink_factor(&self) -> f64 {
        if self.monte_carlo.is_nan() || self.total <= 0.0 {
            1.0
        } else {
            (self.parameters / self.total).sqrt()
        }
    }

    /// `values` shrunk by [`VarianceSplit::shrink_factor`] towards their mean.
    pub fn corrected(&self, values: &[f64]) -> Vec<f64> {
        let k = self.shrink_factor();
        values.iter().map(|v| self.mean + k * (v - self.mean)).collect()
    }
}

/// The split of an outcome's variance from each draw's mean and its standard error.
pub fn variance_split(means: &[f64], standard_errors: &[f64]) -> Result<VarianceSplit, SensitivityError> {
    let n = means.len();
    if n < 2 {
        return Err(SensitivityError::Empty("draws"));
    }
    if standard_errors.len() != n {
        return Err(SensitivityError::Mismatch {
            what: "standard errors",
            expected: n,
            found: standard_errors.len(),
        });
    }
    let mean = means.iter().sum::<f64>() / n as f64;
    let total = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let monte_carlo = standard_errors.iter().map(|s| s * s).sum::<f64>() / n as f64;
    Ok(VarianceSplit {
        mean,
        total,
        monte_carlo,
        parameters: if monte_carlo.is_nan() {
            total
        } else {
            (total - monte_carlo).max(0.0)
        },
    })
}

/// Segments of the penalised spline's basis on [0, 1].
const SPLINE_SEGMENTS: usize = 10;

/// The cubic B-spline basis on equally spaced knots over [0, 1] at `x` (clamped into it):
/// `SPLINE_SEGMENTS + 3` values.
fn cubic_basis(x: f64) -> Vec<f64> {
    let k = SPLINE_SEGMENTS;
    let h = 1.0 / k as f64;
    let x = x.clamp(0.0, 1.0 - 1e-12);
    let knots: Vec<f64> = (0..=k + 6).map(|i| (i as f64 - 3.0) * h).collect();
    // Degree 0, then Cox–de Boor up to degree 3.
    let mut b: Vec<f64> = (0..knots.len() - 1)
        .map(|i| f64::from(u8::from(knots[i] <= x && x < knots[i + 1])))
        .collect();
    for d in 1..=3 {
        let next: Vec<f64> = (0..b.len() - 1)
            .map(|i| {
                let left = (x - knots[i]) / (knots[i + d] - knots[i]) * b[i];
                let right = (knots[i + d + 1] - x) / (knots[i + d + 1] - knots[i + 1]) * b[i + 1];
                left + right
            })
            .collect();
        b = next;
    }
    b
}

/// Solves the symmetric positive definite system `a x = b` by Cholesky (None if `a` is not
/// positive definite).
fn cholesky_solve(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if s <= 0.0 {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    Some(x)
}

/// The fitted values of a one-dimensional generalised additive model y = g(x) + ε, g a cubic
/// penalised regression spline on [0, 1] (Eilers & Marx's P-spline: 13 B-splines, a
/// second-difference penalty) with its smoothing chosen by generalised cross-validation:
/// the regression step of Strong, Oakley & Brennan's EVPPI (Medical Decision Making 2014).
pub fn smooth(x: &[f64], y: &[f64]) -> Result<Vec<f64>, SensitivityError> {
    let n = x.len();
    if n < 4 {
        return Err(SensitivityError::Empty("draws (at least 4)"));
    }
    if y.len() != n {
        return Err(SensitivityError::Mismatch {
            what: "outcomes",
            expected: n,
            found: y.len(),
        });
    }
    let rows: Vec<Vec<f64>> = x.iter().map(|&v| cubic_basis(v)).collect();
    let m = rows[0].len();
    let mut btb = vec![vec![0.0; m]; m];
    let mut bty = vec![0.0; m];
    for (row, &yi) in rows.iter().zip(y) {
        for i in 0..m {
            bty[i] += row[i] * yi;
            for j in 0..m {
                btb[i][j] += row[i] * row[j];
            }
        }
    }
    // Second differences: D'D.
    let mut pen = vec![vec![0.0; m]; m];
    for r in 0..m - 2 {
        let d = [(r, 1.0), (r + 1, -2.0), (r + 2, 1.0)];
        for &(i, a) in &d {
            for &(j, b) in &d {
                pen[i][j] += a * b;
            }
        }
    }
    let scale = (0..m).map(|i| btb[i][i]).sum::<f64>() / m as f64;
    let mut best: Option<(f64, Vec<f64>)> = None;
    for step in 0..=24 {
        let lambda = scale * 10f64.powf(-4.0 + 0.5 * f64::from(step));
        let a: Vec<Vec<f64>> = (0..m)
            .map(|i| {
                (0..m)
                    .map(|j| btb[i][j] + lambda * pen[i][j] + if i == j { 1e-10 * scale } else { 0.0 })
                    .collect()
            })
            .collect();
        let Some(beta) = cholesky_solve(&a, &bty) else { continue };
        // Trace of the hat matrix: tr(A⁻¹ B'B), one solve per column.
        let mut trace = 0.0;
        for j in 0..m {
            let col: Vec<f64> = (0..m).map(|i| btb[i][j]).collect();
            if let Some(z) = cholesky_solve(&a, &col) {
                trace += z[j];
            }
        }
        let fitted: Vec<f64> = rows
            .iter()
            .map(|r| r.iter().zip(&beta).map(|(b, c)| b * c).sum())
            .collect();
        let rss: f64 = fitted.iter().zip(y).map(|(f, v)| (v - f).powi(2)).sum();
        let dof = n as f64 - trace;
        if dof <= 0.0 {
            continue;
        }
        let gcv = n as f64 * rss / (dof * dof);
        if best.as_ref().is_none_or(|(g, _)| gcv < *g) {
            best = Some((gcv, fitted));
        }
    }
    best.map(|(_, f)| f).ok_or(SensitivityError::NoVariance(f64::NAN))
}

/// The expected value of partial perfect information on one parameter (or group) by
/// regression (Strong, Oakley & Brennan 2014): each option's incremental net benefit over the
/// base (`incremental[draw][option]`, the base's being 0) smoothed on the parameter's draws
/// `x` ([`smooth`]), then E[max over options of the fitted] − max over options of E[net
/// benefit].
pub fn evppi(x: &[f64], incremental: &[Vec<f64>]) -> Result<f64, SensitivityError> {
    let (draws, options) = shape(incremental)?;
    let mut fitted = vec![vec![0.0; options]; draws];
    for o in 0..options {
        let y: Vec<f64> = incremental.iter().map(|row| row[o]).collect();
        for (row, f) in fitted.iter_mut().zip(smooth(x, &y)?) {
            row[o] = f;
        }
    }
    let with = fitted
        .iter()
        .map(|row| row.iter().fold(0.0_f64, |a, &b| a.max(b)))
        .sum::<f64>()
        / draws as f64;
    let without = (0..options)
        .map(|o| incremental.iter().map(|row| row[o]).sum::<f64>() / draws as f64)
        .fold(0.0_f64, f64::max);
    Ok((with - without).max(0.0))
}

/// A Sobol index with its bootstrap 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolEstimate {
    /// The estimate from every row.
    pub index: SobolIndex,
    /// 2.5% and 97.5% quantiles of the first-order index over bootstrap resamples of the rows.
    pub first_interval: (f64, f64),
    /// The same for the total index.
    pub total_interval: (f64, f64),
}

/// [`sobol_jansen`] with bootstrap intervals: `resamples` resamples of the design's rows with
/// replacement, drawn from a keyed stream of `seed`.
pub fn sobol_bootstrap(
    f_a: &[f64],
    f_b: &[f64],
    f_ab: &[Vec<f64>],
    seed: u64,
    resamples: usize,
) -> Result<Vec<SobolEstimate>, SensitivityError> {
    let point = sobol_jansen(f_a, f_b, f_ab)?;
    let n = f_a.len();
    let mut u = crate::rng::ReplicateKey::new(seed, 1)
        .agent(0, 0)
        .sequence(crate::rng::Purpose::SensitivitySample);
    let mut firsts = vec![Vec::with_capacity(resamples); f_ab.len()];
    let mut totals = vec![Vec::with_capacity(resamples); f_ab.len()];
    for _ in 0..resamples {
        let rows: Vec<usize> = (0..n).map(|_| ((u.uniform() * n as f64) as usize).min(n - 1)).collect();
        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let ab: Vec<Vec<f64>> = f_ab.iter().map(|v| pick(v)).collect();
        if let Ok(est) = sobol_jansen(&pick(f_a), &pick(f_b), &ab) {
            for (j, e) in est.iter().enumerate() {
                firsts[j].push(e.first);
                totals[j].push(e.total);
            }
        }
    }
    let interval = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            let q = |p: f64| v[((p * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
            (q(0.025), q(0.975))
        }
    };
    Ok(point
        .into_iter()
        .enumerate()
        .map(|(j, index)| SobolEstimate {
            index,
            first_interval: interval(&mut firsts[j]),
            total_interval: interval(&mut totals[j]),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, ReplicateKey};
    use std::f64::consts::PI;

    /// Uniform numbers from the keyed generator (one stream per `salt`).
    fn uniforms(salt: u8) -> crate::rng::SequenceRng {
        ReplicateKey::new(20160404, 0)
            .locality(salt)
            .sequence(Purpose::SensitivitySample)
    }

    fn ishigami(x: [f64; 3]) -> f64 {
        let (a, b) = (7.0, 0.1);
        x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn jansen_indices_reproduce_the_ishigami_functions_analytic_values() {
        // Ishigami & Homma (1990), a = 7, b = 0.1, inputs uniform on [−π, π]:
        // V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2, V1 = (1 + bπ⁴/5)²/2, V2 = a²/8, V3 = 0,
        // V13 = 8b²π⁸/225 (the only interaction).
        let (a, b) = (7.0f64, 0.1f64);
        let v = a * a / 8.0 + b * PI.powi(4) / 5.0 + b * b * PI.powi(8) / 18.0 + 0.5;
        let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = 8.0 * b * b * PI.powi(8) / 225.0;
        let expected = [(v1 / v, (v1 + v13) / v), (v2 / v, v2 / v), (0.0, v13 / v)];
        let n = 50_000;
        let (mut ua, mut ub) = (uniforms(0), uniforms(1));
        let draw =
            |u: &mut crate::rng::SequenceRng| -> [f64; 3] { std::array::from_fn(|_| -PI + 2.0 * PI * u.uniform()) };
        let a_rows: Vec<[f64; 3]> = (0..n).map(|_| draw(&mut ua)).collect();
        let b_rows: Vec<[f64; 3]> = (0..n).map(|_| draw(&mut ub)).collect();
        let f_a: Vec<f64> = a_rows.iter().map(|&x| ishigami(x)).collect();
        let f_b: Vec<f64> = b_rows.iter().map(|&x| ishigami(x)).collect();
        let f_ab: Vec<Vec<f64>> = (0..3)
            .map(|i| {
                a_rows
                    .iter()
                    .zip(&b_rows)
                    .map(|(&x, y)| {
                        let mut z = x;
                        z[i] = y[i];
                        ishigami(z)
                    })
                    .collect()
            })
            .collect();
        let got = sobol_jansen(&f_a, &f_b, &f_ab).unwrap();
        for (i, (s, (first, total))) in got.iter().zip(expected).enumerate() {
            assert!(
                (s.first - first).abs() < 0.03,
                "S{}: {:.4} against {first:.4}",
                i + 1,
                s.first
            );
            assert!(
                (s.total - total).abs() < 0.03,
                "ST{}: {:.4} against {total:.4}",
                i + 1,
                s.total
            );
        }
    }

    /// Φ(x), the standard normal distribution function (Abramowitz & Stegun 7.1.26 for erf,
    /// absolute error under 1.5e-7).
    fn normal_cdf(x: f64) -> f64 {
        let z = x.abs() / std::f64::consts::SQRT_2;
        let t = 1.0 / (1.0 + 0.327_591_1 * z);
        let poly =
            t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
        let erf = 1.0 - poly * (-z * z).exp();
        if x >= 0.0 {
            0.5 * (1.0 + erf)
        } else {
            0.5 * (1.0 - erf)
        }
    }

    #[test]
    fn evpi_of_two_options_with_a_normal_incremental_net_benefit_matches_its_closed_form() {
        // Option 0 has net benefit 0, option 1 X ~ N(μ, σ²): EVPI = E[max(0, X)] − max(0, μ)
        // = μΦ(μ/σ) + σφ(μ/σ) − max(0, μ).
        let (mu, sigma) = (1_000.0f64, 2_000.0f64);
        let mut u = uniforms(2);
        let n = 200_000;
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|_| {
                // Box–Muller from two keyed uniforms (1 − u avoids ln 0).
                let (u1, u2) = (1.0 - u.uniform(), u.uniform());
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos();
                vec![0.0, mu + sigma * z]
            })
            .collect();
        let k = mu / sigma;
        let pdf = (-0.5 * k * k).exp() / (2.0 * PI).sqrt();
        let closed = mu * normal_cdf(k) + sigma * pdf - mu.max(0.0);
        let got = evpi(&rows).unwrap();
        assert!(
            (got - closed).abs() < 0.03 * closed,
            "EVPI {got:.1} against {closed:.1}"
        );
        // One option best in every draw: no value in resolving uncertainty.
        let sure: Vec<Vec<f64>> = (0..10).map(|d| vec![d as f64, d as f64 + 5.0]).collect();
        assert!(evpi(&sure).unwrap().abs() < 1e-12);
    }

    #[test]
    fn the_acceptability_curve_counts_the_draws_where_each_option_is_best() {
        // Option 1 costs c more than option 0 for one more QALY, with c = 5k, 15k, 25k, 35k in
        // four draws: at λ it is best in the draws whose ICER is below λ.
        let costs: Vec<Vec<f64>> = [5e3, 15e3, 25e3, 35e3].iter().map(|&c| vec![0.0, c]).collect();
        let qalys: Vec<Vec<f64>> = (0..4).map(|_| vec![0.0, 1.0]).collect();
        let curve = acceptability(&costs, &qalys, &[0.0, 10e3, 20e3, 30e3, 50e3]).unwrap();
        let option1: Vec<f64> = curve.iter().map(|row| row[1]).collect();
        assert_eq!(option1, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert!(curve.iter().all(|row| (row.iter().sum::<f64>() - 1.0).abs() < 1e-12));
        // At exactly the ICER the options tie and the earlier one is kept.
        assert_eq!(
            acceptability(&costs[..1], &qalys[..1], &[5e3]).unwrap(),
            vec![vec![1.0, 0.0]]
        );
    }

    #[test]
    fn a_latin_hypercube_puts_one_point_in_every_stratum_and_reproduces_itself() {
        let (draws, dims) = (97, 5);
        let x = latin_hypercube(7, draws, dims);
        assert_eq!(x.len(), draws);
        for d in 0..dims {
            let mut strata: Vec<usize> = x.iter().map(|row| (row[d] * draws as f64) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..draws).collect::<Vec<_>>(), "dimension {d}");
        }
        assert_eq!(x, latin_hypercube(7, draws, dims));
        assert_ne!(x, latin_hypercube(8, draws, dims));
        // A dimension's column does not depend on how many dimensions are drawn.
        let fewer = latin_hypercube(7, draws, 2);
        assert!(x.iter().zip(&fewer).all(|(a, b)| a[..2] == b[..]));
        // The dimensions are not paired stratum for stratum.
        assert!(x
            .iter()
            .any(|row| (row[0] * draws as f64) as usize != (row[1] * draws as f64) as usize));
    }

    #[test]
    fn tables_that_do_not_line_up_are_named() {
        assert_eq!(evpi(&[]), Err(SensitivityError::Empty("draws")));
        assert_eq!(
            evpi(&[vec![1.0, 2.0], vec![1.0]]),
            Err(SensitivityError::Mismatch {
                what: "options in a draw",
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            sobol_jansen(&[1.0, 2.0], &[1.0], &[]),
            Err(SensitivityError::Mismatch {
                what: "f(B)",
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            sobol_jansen(&[1.0, 1.0], &[1.0, 1.0], &[]),
            Err(SensitivityError::NoVariance(0.0))
        );
        let c = vec![vec![0.0, 1.0]];
        assert!(matches!(
            acceptability(&c, &[vec![0.0]], &[1.0]),
            Err(SensitivityError::Mismatch {
                what: "QALYs (options)",
                ..
            })
        ));
    }

    #[test]
    fn the_variance_split_recovers_the_parameters_share_of_a_noisy_simulation() {
        // Draw means = θ + noise with θ ~ sd 2 and a Monte Carlo sd of 3 for a mean: the split
        // should give about 4 and 9.
        let lhs = latin_hypercube(11, 4000, 2);
        let z = |u: f64| crate::uncertainty::normal_quantile(u);
        let means: Vec<f64> = lhs.iter().map(|r| 2.0 * z(r[0]) + 3.0 * z(r[1])).collect();
        let ses = vec![3.0; means.len()];
        let split = variance_split(&means, &ses).unwrap();
        assert!((split.parameters - 4.0).abs() < 0.4, "{split:?}");
        assert!((split.monte_carlo_share() - 9.0 / 13.0).abs() < 0.03, "{split:?}");
        let corrected = split.corrected(&means);
        let again = variance_split(&corrected, &vec![f64::NAN; corrected.len()]).unwrap();
        assert!((again.total - split.parameters).abs() < 1e-9);
    }

    #[test]
    fn the_smoother_recovers_a_curve_and_evppi_of_the_only_parameter_equals_evpi() {
        let n = 800;
        let lhs = latin_hypercube(5, n, 2);
        let x: Vec<f64> = lhs.iter().map(|r| r[0]).collect();
        let truth: Vec<f64> = x.iter().map(|v| (6.0 * v).sin()).collect();
        let noisy: Vec<f64> = truth
            .iter()
            .zip(&lhs)
            .map(|(t, r)| t + 0.3 * crate::uncertainty::normal_quantile(r[1]))
            .collect();
        let fit = smooth(&x, &noisy).unwrap();
        let err = fit.iter().zip(&truth).map(|(f, t)| (f - t).powi(2)).sum::<f64>() / n as f64;
        assert!(err < 0.01, "mean squared error {err}");
        // One option, net benefit a function of x alone: EVPPI(x) = EVPI.
        let inc: Vec<Vec<f64>> = x.iter().map(|v| vec![1000.0 * (v - 0.4)]).collect();
        let total = evpi(&inc.iter().map(|r| vec![0.0, r[0]]).collect::<Vec<_>>()).unwrap();
        let partial = evppi(&x, &inc).unwrap();
        assert!(
            (partial - total).abs() / total < 0.02,
            "EVPPI {partial} vs EVPI {total}"
        );
        // A parameter that does not matter has EVPPI near 0.
        let other: Vec<f64> = lhs.iter().map(|r| r[1]).collect();
        let none = evppi(&other, &inc).unwrap();
        assert!(
            none < 0.1 * total,
            "irrelevant parameter's EVPPI {none} vs EVPI {total}"
        );
    }

    #[test]
    fn bootstrap_intervals_cover_the_ishigami_indices() {
        let n = 4000;
        let (a, b) = (latin_hypercube(1, n, 3), latin_hypercube(2, n, 3));
        let pi = std::f64::consts::PI;
        let f = |u: &[f64]| {
            let x: Vec<f64> = u.iter().map(|v| -pi + 2.0 * pi * v).collect();
            x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
        };
        let fa: Vec<f64> = a.iter().map(|r| f(r)).collect();
        let fb: Vec<f64> = b.iter().map(|r| f(r)).collect();
        let fab: Vec<Vec<f64>> = (0..3)
            .map(|j| {
                (0..n)
                    .map(|i| {
                        let mut r = a[i].clone();
                        r[j] = b[i][j];
                        f(&r)
                    })
                    .collect()
            })
            .collect();
        let est = sobol_bootstrap(&fa, &fb, &fab, 9, 200).unwrap();
        let analytic_total = [0.5576, 0.4424, 0.2437];
        for (e, t) in est.iter().zip(analytic_total) {
            assert!(
                e.total_interval.0 - 0.02 <= t && t <= e.total_interval.1 + 0.02,
                "{e:?} vs {t}"
            );
            assert!(e.first_interval.0 <= e.index.first && e.index.first <= e.first_interval.1);
        }
    }
}
