//! Nelder–Mead simplex minimisation in a box, deterministic (no random restarts).
//!
//! Parameters are optimised in unit coordinates (0 = lower bound, 1 = upper bound) and every
//! trial point is clamped to the box, so the objective is only ever evaluated at admissible
//! parameters. Standard coefficients: reflection 1, expansion 2, contraction ½, shrink ½.

/// Options.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Stop after this many objective evaluations.
    pub max_evals: usize,
    /// Stop when the simplex's spread of objective values falls below this.
    pub f_tol: f64,
    /// Stop when every vertex lies within this distance (unit coordinates) of the best.
    pub x_tol: f64,
    /// Initial simplex step, in unit coordinates.
    pub initial_step: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_evals: 200,
            f_tol: 1e-6,
            x_tol: 1e-4,
            initial_step: 0.15,
        }
    }
}

/// One objective evaluation, reported to the observer.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// 1-based evaluation number.
    pub eval: usize,
    /// Simplex iteration it belongs to (0 = initial simplex).
    pub iteration: usize,
    /// The parameters evaluated (natural units).
    pub x: Vec<f64>,
    /// The objective value.
    pub f: f64,
    /// Best objective so far.
    pub best_f: f64,
}

/// The outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Best parameters found (natural units).
    pub x: Vec<f64>,
    /// Objective at `x`.
    pub f: f64,
    /// Evaluations used.
    pub evals: usize,
    /// Simplex iterations.
    pub iterations: usize,
    /// True when a tolerance was met (false: stopped at `max_evals`).
    pub converged: bool,
}

/// Minimises `f` over the box `[lo, hi]` from `x0`, calling `observe` after every evaluation.
pub fn minimize(
    mut f: impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    opts: &Options,
    mut observe: impl FnMut(&Evaluation),
) -> Outcome {
    let n = x0.len();
    let to_x = |u: &[f64]| -> Vec<f64> { (0..n).map(|i| lo[i] + u[i].clamp(0.0, 1.0) * (hi[i] - lo[i])).collect() };
    let clamp = |u: Vec<f64>| -> Vec<f64> { u.into_iter().map(|v| v.clamp(0.0, 1.0)).collect() };
    let mut evals = 0usize;
    let mut iteration = 0usize;
    let mut best_f = f64::INFINITY;
    let mut eval = |u: &[f64], iteration: usize, evals: &mut usize, best_f: &mut f64| -> f64 {
        let x = to_x(u);
        let v = f(&x);
        let v = if v.is_nan() { f64::INFINITY } else { v };
        *evals += 1;
        *best_f = best_f.min(v);
        observe(&Evaluation {
            eval: *evals,
            iteration,
            x,
            f: v,
            best_f: *best_f,
        });
        v
    };
    let u0: Vec<f64> = (0..n)
        .map(|i| {
            if hi[i] > lo[i] {
                (x0[i] - lo[i]) / (hi[i] - lo[i])
            } else {
                0.0
            }
        })
        .collect();
    let u0 = clamp(u0);
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    let f0 = eval(&u0, 0, &mut evals, &mut best_f);
    simplex.push((u0.clone(), f0));
    for i in 0..n {
        let mut u = u0.clone();
        // Step inwards when the start sits near the upper bound.
        u[i] = if u[i] + opts.initial_step <= 1.0 {
            u[i] + opts.initial_step
        } else {
            u[i] - opts.initial_step
        };
        let u = clamp(u);
        let fu = eval(&u, 0, &mut evals, &mut best_f);
        simplex.push((u, fu));
    }
    let mut converged = false;
    while evals < opts.max_evals {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let spread = simplex[n].1 - simplex[0].1;
        let size = simplex[1..]
            .iter()
            .map(|(u, _)| {
                u.iter()
                    .zip(&simplex[0].0)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max)
            })
            .fold(0.0, f64::max);
        if (spread.is_finite() && spread <= opts.f_tol) || size <= opts.x_tol {
            converged = true;
            break;
        }
        iteration += 1;
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|(u, _)| u[j]).sum::<f64>() / n as f64)
            .collect();
        let worst = simplex[n].clone();
        let along =
            |t: f64| -> Vec<f64> { clamp((0..n).map(|j| centroid[j] + t * (worst.0[j] - centroid[j])).collect()) };
        let ur = along(-1.0);
        let fr = eval(&ur, iteration, &mut evals, &mut best_f);
        if fr < simplex[0].1 {
            let ue = along(-2.0);
            let fe = eval(&ue, iteration, &mut evals, &mut best_f);
            simplex[n] = if fe < fr { (ue, fe) } else { (ur, fr) };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (ur, fr);
        } else {
            let (uc, fc) = if fr < worst.1 {
                let uc = along(-0.5);
                let fc = eval(&uc, iteration, &mut evals, &mut best_f);
                (uc, fc)
            } else {
                let uc = along(0.5);
                let fc = eval(&uc, iteration, &mut evals, &mut best_f);
                (uc, fc)
            };
            if fc < worst.1.min(fr) {
                simplex[n] = (uc, fc);
            } else {
                let best = simplex[0].0.clone();
                for k in 1..=n {
                    if evals >= opts.max_evals {
                        break;
                    }
                    let u: Vec<f64> = (0..n).map(|j| best[j] + 0.5 * (simplex[k].0[j] - best[j])).collect();
                    let fu = eval(&u, iteration, &mut evals, &mut best_f);
                    simplex[k] = (u, fu);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    Outcome {
        x: to_x(&simplex[0].0),
        f: simplex[0].1,
        evals,
        iterations: iteration,
        converged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_valley() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let opts = Options {
            max_evals: 2000,
            f_tol: 1e-14,
            x_tol: 1e-9,
            initial_step: 0.1,
        };
        let out = minimize(rosen, &[-1.2, 1.0], &[-2.0, -2.0], &[2.0, 2.0], &opts, |_| {});
        assert!(
            (out.x[0] - 1.0).abs() < 1e-3 && (out.x[1] - 1.0).abs() < 1e-3,
            "{:?}",
            out.x
        );
        assert!(out.converged);
    }

    #[test]
    fn respects_the_bounds_when_the_free_minimum_lies_outside() {
        let mut seen_outside = false;
        let out = minimize(
            |x: &[f64]| (x[0] - 5.0).powi(2) + (x[1] + 3.0).powi(2),
            &[0.5, 0.5],
            &[0.0, 0.0],
            &[1.0, 1.0],
            &Options::default(),
            |e| seen_outside |= e.x.iter().any(|v| !(0.0..=1.0).contains(v)),
        );
        assert!(!seen_outside);
        assert!((out.x[0] - 1.0).abs() < 1e-3 && out.x[1].abs() < 1e-3, "{:?}", out.x);
    }

    #[test]
    fn is_deterministic_and_reports_every_evaluation() {
        let sphere = |x: &[f64]| x.iter().map(|v| (v - 0.3).powi(2)).sum::<f64>();
        let mut count = 0;
        let a = minimize(sphere, &[0.9; 5], &[0.0; 5], &[1.0; 5], &Options::default(), |_| {
            count += 1
        });
        let b = minimize(sphere, &[0.9; 5], &[0.0; 5], &[1.0; 5], &Options::default(), |_| {});
        assert_eq!(a.x, b.x);
        assert_eq!(count, a.evals);
        assert!(a.x.iter().all(|v| (v - 0.3).abs() < 1e-2), "{:?}", a.x);
    }
}
