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
}
