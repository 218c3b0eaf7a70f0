//! Probabilistic sensitivity analysis and one-way (tornado) sensitivity (issue 15): the model
//! run at points of the parameter space ([`crate::uncertainty::ParameterSet`]), each point's
//! options paired with its base on the same replicates (common random numbers), and the
//! results summarised by [`crate::analysis::sensitivity`].
//!
//! * **Draws**: a Latin hypercube keyed by the seed, one coordinate per column (parameter or
//!   correlated group). Draw `d` runs replicates `d·R … d·R + R − 1`, so the Monte Carlo error of
//!   different draws is independent (what the analysis of variance needs), and the options of
//!   a draw share its base's replicates.
//! * **Sobol design** (optional, `sobol_rows` M): matrix A is the first M draws, B another keyed
//!   hypercube, and for each column j the rows of A with column j from B. Row i of B and of every
//!   A_B^j runs A_i's replicates, so the pick-freeze differences are not swamped by Monte Carlo
//!   noise.
//! * **Tornado**: every column at its central value, then each column alone at its low and at
//!   its high end, all on replicates 0 … R − 1.
//!
//! Every point's result is a function of the seed and the point alone, and points are
//! collected in order, so the analysis is bit-identical at any thread count.

use crate::analysis::compare::{compare, Comparison, RowKind, Window};
use crate::analysis::economics::Conventions;
use crate::analysis::sensitivity::latin_hypercube;
use crate::engine::{self, fork::fork_week, Engine, Setup};
use crate::error::Error;
use crate::place::Place;
use crate::results::{Catalog, ScenarioResult};
use crate::scenario::Scenario;
use crate::uncertainty::ParameterSet;
use rayon::prelude::*;
use std::sync::Arc;

/// The outcomes recorded per option at each point, over the appraisal window.
pub const OUTCOMES: [&str; 4] = [
    "admissions_avoided",
    "net_saving",
    "incremental_cost_discounted",
    "qalys_gained_discounted",
];
/// Index of admissions avoided in [`OUTCOMES`].
pub const ADMISSIONS: usize = 0;
/// Index of the (undiscounted) net saving in [`OUTCOMES`].
pub const NET_SAVING: usize = 1;
/// Index of the discounted incremental cost (option − base) in [`OUTCOMES`].
pub const COST: usize = 2;
/// Index of the discounted QALYs gained in [`OUTCOMES`].
pub const QALYS: usize = 3;

/// One option's outcomes at one point: the mean over the point's replicates and its standard
/// error (NaN with one replicate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionOutcome {
    /// Means, in [`OUTCOMES`] order.
    pub mean: [f64; 4],
    /// Standard errors of the means.
    pub se: [f64; 4],
}

/// What one point of the parameter space produced.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// The point's coordinates (NaN = the column at its central values).
    pub u: Vec<f64>,
    /// Each parameter's value in the base scenario at this point (NaN where the base does not
    /// declare it).
    pub values: Vec<f64>,
    /// Per option (the scenarios after the base), its outcomes.
    pub options: Vec<OptionOutcome>,
    /// Mean residents over the window (base), for per-person values.
    pub population: f64,
}

/// What the analysis runs.
#[derive(Debug, Clone)]
pub struct Request {
    /// The base, then the options.
    pub scenarios: Vec<Scenario>,
    /// The place they run on (loaded once).
    pub place: Arc<Place>,
    /// Replicates per point.
    pub replicates: u32,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (≥ 1).
    pub threads: usize,
    /// The appraisal window.
    pub window: Window,
    /// Discount rate for costs and QALYs, if not the place's.
    pub discount_rate: Option<f64>,
}

/// Everything a probabilistic sensitivity analysis produced.
#[derive(Debug, Clone)]
pub struct Psa {
    /// The parameters drawn.
    pub set: ParameterSet,
    /// One result per draw.
    pub draws: Vec<PointResult>,
    /// The Sobol design's results, when one was run: B's rows, then A_B^j's rows for each
    /// column j (A's rows are the first rows of `draws`).
    pub sobol: Option<SobolRuns>,
    /// The base's name.
    pub base: String,
    /// The option names.
    pub options: Vec<String>,
    /// First and last financial year of the window.
    pub window: (i32, i32),
    /// Conventions (thresholds, discount rates) at the central values.
    pub conventions: Conventions,
}

/// The extra runs of a Sobol design.
#[derive(Debug, Clone)]
pub struct SobolRuns {
    /// Rows of the design (M).
    pub rows: usize,
    /// f(B), row by row.
    pub b: Vec<PointResult>,
    /// f(A_B^j), column by column, row by row.
    pub ab: Vec<Vec<PointResult>>,
}

/// Runs `request` at each point of `points`, replicates starting at `first_replicate(i)` for
/// point i. `done(k)` is called as points finish (in any order).
pub fn evaluate(
    request: &Request,
    set: &ParameterSet,
    points: &[(Vec<f64>, u32)],
    done: &(dyn Fn(usize) + Sync),
) -> Result<Vec<PointResult>, Error> {
    let catalog = Arc::new(Catalog::of_scenarios(&request.scenarios));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(request.threads.max(1))
        .build()
        .map_err(|e| Error::Request(format!("cannot start {} threads: {e}", request.threads)))?;
    let counter = std::sync::atomic::AtomicUsize::new(0);
    pool.install(|| {
        points
            .par_iter()
            .map(|(u, first)| {
                let r = evaluate_point(request, set, &catalog, u, *first);
                done(counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                r
            })
            .collect()
    })
}

/// One point: its outcomes ([`compare_point`]).
fn evaluate_point(
    request: &Request,
    set: &ParameterSet,
    catalog: &Arc<Catalog>,
    u: &[f64],
    first: u32,
) -> Result<PointResult, Error> {
    Ok(point_result(&compare_point(request, set, catalog, u, first)?, set, u))
}

/// The request with its window fixed: when it has no first year, the first year any option
/// differs from the base at the central values (one replicate), so that every point is compared
/// over the same years.
pub fn fix_window(request: &Request, set: &ParameterSet) -> Result<Request, Error> {
    let mut fixed = request.clone();
    if request.window.from.is_none() {
        let catalog = Arc::new(Catalog::of_scenarios(&request.scenarios));
        let central = vec![f64::NAN; set.columns.len()];
        let once = Request {
            replicates: 1,
            ..request.clone()
        };
        let c = compare_point(&once, set, &catalog, &central, 0)?;
        fixed.window = Window {
            from: Some(c.window.0),
            to: Some(c.window.1),
        };
    }
    Ok(fixed)
}

/// One point: the place and scenarios at `u`, every scenario's replicates `first..first + R`
/// (options forked from the base where they may be), compared over the window.
fn compare_point(
    request: &Request,
    set: &ParameterSet,
    catalog: &Arc<Catalog>,
    u: &[f64],
    first: u32,
) -> Result<Comparison, Error> {
    let (place, scenarios) = set.apply(u, &request.scenarios, &request.place)?;
    let place = Arc::new(place);
    let setups: Vec<Setup> = scenarios
        .iter()
        .map(|s| Setup::with_catalog(s, &place, Arc::clone(catalog)))
        .collect::<Result<_, _>>()?;
    let fork: Vec<usize> = setups
        .iter()
        .enumerate()
        .map(|(s, setup)| if s == 0 { 0 } else { fork_week(&setups[0], setup) })
        .collect();
    let group: Vec<usize> = (0..setups.len()).filter(|&s| s == 0 || fork[s] > 0).collect();
    let mut tallies: Vec<Vec<crate::results::Tally>> = vec![Vec::new(); setups.len()];
    for r in first..first + request.replicates {
        let grouped: Vec<&Setup> = group.iter().map(|&g| &setups[g]).collect();
        let weeks: Vec<usize> = group.iter().map(|&g| fork[g]).collect();
        for (g, t) in group.iter().zip(engine::run_replicate_forked(
            &grouped,
            &weeks,
            request.seed,
            r,
            Engine::Events,
        )) {
            tallies[*g].push(t);
        }
        for s in (1..setups.len()).filter(|s| !group.contains(s)) {
            tallies[s].push(engine::run_replicate_with(&setups[s], request.seed, r, Engine::Events));
        }
    }
    let results: Vec<ScenarioResult> = scenarios
        .into_iter()
        .zip(setups)
        .zip(tallies)
        .map(|((scenario, setup), replicates)| ScenarioResult {
            scenario,
            place: Arc::clone(&place),
            catalog: Arc::clone(catalog),
            calendar: setup.calendar().clone(),
            replicates,
        })
        .collect();
    let conventions = Conventions::of_place(&place, request.discount_rate);
    compare(&results, request.window, conventions)
}

/// The outcomes of a comparison at one point.
fn point_result(c: &Comparison, set: &ParameterSet, u: &[f64]) -> PointResult {
    let window = crate::analysis::compare::period_label(c.window.0, c.window.1);
    let row = |option: &str, kind: RowKind, metric: &str| {
        c.rows
            .iter()
            .find(|r| {
                r.option == option && r.kind == kind && r.metric == metric && r.group == "all" && r.period == window
            })
            .map_or((f64::NAN, f64::NAN), |r| (r.mean, r.se))
    };
    let options = c
        .options
        .iter()
        .map(|o| {
            let (adm, adm_se) = row(o, RowKind::VsBase, "admissions_avoided");
            let (net, net_se) = row(o, RowKind::VsBase, "net_saving");
            let (saving, saving_se) = row(o, RowKind::VsBase, "net_saving_discounted");
            let (q, q_se) = row(o, RowKind::VsBase, "qalys_gained_discounted");
            OptionOutcome {
                mean: [adm, net, -saving, q],
                se: [adm_se, net_se, saving_se, q_se],
            }
        })
        .collect();
    let years = f64::from((c.window.1 - c.window.0 + 1).max(1));
    let population = row(&c.base, RowKind::Level, "person_years").0 / years;
    let values = set.values(u, 0).into_iter().map(|v| v.unwrap_or(f64::NAN)).collect();
    PointResult {
        u: u.to_vec(),
        values,
        options,
        population,
    }
}

/// A second keyed hypercube for the Sobol design's matrix B (the seed's bits turned, so it
/// is independent of the draws').
fn b_matrix(seed: u64, rows: usize, dims: usize) -> Vec<Vec<f64>> {
    latin_hypercube(seed ^ 0x5b0b_0150_b01a_ab1e, rows, dims)
}

/// What a probabilistic sensitivity analysis runs, before it runs: the request with its window
/// fixed ([`fix_window`]), the parameters, and every point with its first replicate, in the
/// order the results are collected (the draws, then the Sobol design's B and A_B^j rows). A
/// sharded PSA splits `points` ([`crate::shard`]).
#[derive(Debug, Clone)]
pub struct PsaPlan {
    /// The request, its window fixed.
    pub request: Request,
    /// The parameters drawn.
    pub set: ParameterSet,
    /// Draws.
    pub draws: usize,
    /// Rows of the Sobol design (0 = none).
    pub sobol_rows: usize,
    /// Every point: its coordinates and its first replicate.
    pub points: Vec<(Vec<f64>, u32)>,
}

/// Plans a probabilistic sensitivity analysis: `draws` keyed draws and, if `sobol_rows` > 0, a
/// Sobol design on the first `sobol_rows` of them. Runs one central replicate to fix the window
/// when the request has no first year ([`fix_window`]); `window` fixes it instead (a merge
/// passes the window its shards recorded).
pub fn plan_psa(
    request: &Request,
    draws: usize,
    sobol_rows: usize,
    window: Option<(i32, i32)>,
) -> Result<PsaPlan, Error> {
    let set = parameters(request)?;
    if draws < 2 {
        return Err(Error::Request("--draws must be at least 2".into()));
    }
    if sobol_rows > draws {
        return Err(Error::Request(format!(
            "--sobol {sobol_rows} is more than --draws {draws}: the design's matrix A is the first draws"
        )));
    }
    let request = match window {
        Some((from, to)) => Request {
            window: Window {
                from: Some(from),
                to: Some(to),
            },
            ..request.clone()
        },
        None => fix_window(request, &set)?,
    };
    let k = set.columns.len();
    let r = request.replicates;
    if u64::from(r) * draws as u64 > u64::from(u32::MAX) {
        return Err(Error::TooLarge(format!(
            "{draws} draws × {r} replicates is more replicates than a seed keys"
        )));
    }
    let u = latin_hypercube(request.seed, draws, k);
    let mut points: Vec<(Vec<f64>, u32)> = u
        .iter()
        .enumerate()
        .map(|(d, row)| (row.clone(), first_replicate(d, r)))
        .collect();
    if sobol_rows > 0 {
        let b = b_matrix(request.seed, sobol_rows, k);
        points.extend(
            b.iter()
                .enumerate()
                .map(|(i, row)| (row.clone(), first_replicate(i, r))),
        );
        for j in 0..k {
            points.extend((0..sobol_rows).map(|i| {
                let mut row = u[i].clone();
                row[j] = b[i][j];
                (row, first_replicate(i, r))
            }));
        }
    }
    Ok(PsaPlan {
        request,
        set,
        draws,
        sobol_rows,
        points,
    })
}

impl PsaPlan {
    /// The window's first and last financial years.
    pub fn window(&self) -> (i32, i32) {
        window_of(&self.request)
    }

    /// Runs the points numbered `which` (indices into `points`), results in that order.
    /// `progress(done, total)` reports points.
    pub fn run_points(
        &self,
        which: &[usize],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<PointResult>, Error> {
        let points: Vec<(Vec<f64>, u32)> = which
            .iter()
            .map(|&i| {
                self.points.get(i).cloned().ok_or_else(|| {
                    Error::Request(format!(
                        "point {i} is not one of the analysis's {} points",
                        self.points.len()
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        let total = points.len();
        evaluate(&self.request, &self.set, &points, &|d| progress(d, total))
    }

    /// The analysis from the results of every point, in point order.
    pub fn assemble(self, mut results: Vec<PointResult>) -> Result<Psa, Error> {
        if results.len() != self.points.len() {
            return Err(Error::Request(format!(
                "{} point results for an analysis of {} points",
                results.len(),
                self.points.len()
            )));
        }
        let sobol = (self.sobol_rows > 0).then(|| {
            let rest = results.split_off(self.draws);
            let mut chunks = rest.chunks(self.sobol_rows).map(<[PointResult]>::to_vec);
            let b = chunks.next().unwrap_or_default();
            SobolRuns {
                rows: self.sobol_rows,
                b,
                ab: chunks.collect(),
            }
        });
        let window = self.window();
        Ok(Psa {
            conventions: Conventions::of_place(&self.request.place, self.request.discount_rate),
            base: self.request.scenarios[0].name.clone(),
            options: self.request.scenarios[1..].iter().map(|s| s.name.clone()).collect(),
            set: self.set,
            draws: results,
            sobol,
            window,
        })
    }
}

/// Runs a probabilistic sensitivity analysis ([`plan_psa`], every point, then
/// [`PsaPlan::assemble`]). `progress(done, total)` reports points.
pub fn run_psa(
    request: &Request,
    draws: usize,
    sobol_rows: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Psa, Error> {
    let plan = plan_psa(request, draws, sobol_rows, None)?;
    let all: Vec<usize> = (0..plan.points.len()).collect();
    let results = plan.run_points(&all, progress)?;
    plan.assemble(results)
}

/// Appends a point's result to a shard's data ([`crate::shard::Encoder`]), every value as its
/// bits.
pub fn encode_point(p: &PointResult, e: &mut crate::shard::Encoder) {
    e.f64_list(&p.u);
    e.f64_list(&p.values);
    e.u64(p.options.len() as u64);
    for o in &p.options {
        e.f64s(&o.mean);
        e.f64s(&o.se);
    }
    e.f64(p.population);
}

/// Reads a point's result [`encode_point`] wrote.
pub fn decode_point(d: &mut crate::shard::Decoder<'_>) -> Result<PointResult, String> {
    let u = d.f64_list()?;
    let values = d.f64_list()?;
    let n = d.count(64)?;
    let mut options = Vec::with_capacity(n);
    for _ in 0..n {
        let mean = d.f64s(4)?;
        let se = d.f64s(4)?;
        options.push(OptionOutcome {
            mean: [mean[0], mean[1], mean[2], mean[3]],
            se: [se[0], se[1], se[2], se[3]],
        });
    }
    Ok(PointResult {
        u,
        values,
        options,
        population: d.f64()?,
    })
}

/// The uncertain parameters of a request; refused when there are none to draw.
fn parameters(request: &Request) -> Result<ParameterSet, Error> {
    let set = ParameterSet::of(&request.scenarios, &request.place)?;
    if set.columns.is_empty() {
        return Err(Error::Request(
            "no uncertain parameters: the place has no figure with an evidence range and no scenario declares \
             [uncertainty.<name>]"
                .into(),
        ));
    }
    Ok(set)
}

/// The first replicate of draw (or design row) `d`.
fn first_replicate(d: usize, replicates: u32) -> u32 {
    (d as u32).saturating_mul(replicates)
}

/// The window's first and last financial years for the request.
fn window_of(request: &Request) -> (i32, i32) {
    let cal = crate::runner::calendar_of(&request.scenarios[0]);
    match request.window.resolve(&cal) {
        // The window is fixed before any point runs ([`fix_window`]).
        Ok((from, to)) => (cal.financial_years[from.unwrap_or(0)], cal.financial_years[to]),
        Err(_) => (0, 0),
    }
}

/// One-way sensitivity: each column alone at its low and high end.
#[derive(Debug, Clone)]
pub struct Tornado {
    /// The parameters.
    pub set: ParameterSet,
    /// Every column at its central values.
    pub central: PointResult,
    /// Per column: (at low, at high).
    pub ends: Vec<(PointResult, PointResult)>,
    /// The option names.
    pub options: Vec<String>,
    /// The window.
    pub window: (i32, i32),
}

/// The coordinate of a column's low and high end: where the declared `low` and `high` of its
/// first parameter sit in its (truncated) distribution: 0 and 1 for a uniform or triangular,
/// about 0.025 and 0.975 for the others.
pub fn column_ends(set: &ParameterSet, column: usize) -> (f64, f64) {
    let p = &set.parameters[set.columns[column].members[0]];
    let d = p.distribution();
    (d.u_of(d.low), d.u_of(d.high))
}

/// Runs the tornado: 1 + 2 × columns points, all on replicates 0 … R − 1.
pub fn run_tornado(request: &Request, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<Tornado, Error> {
    let set = parameters(request)?;
    let request = &fix_window(request, &set)?;
    let k = set.columns.len();
    let mut points = vec![(vec![f64::NAN; k], 0)];
    for c in 0..k {
        let (lo, hi) = column_ends(&set, c);
        for end in [lo, hi] {
            let mut u = vec![f64::NAN; k];
            u[c] = end;
            points.push((u, 0));
        }
    }
    let total = points.len();
    let mut results = evaluate(request, &set, &points, &|d| progress(d, total))?;
    let rest = results.split_off(1);
    let central = results.remove(0);
    let ends = rest.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
    Ok(Tornado {
        set,
        central,
        ends,
        options: request.scenarios[1..].iter().map(|s| s.name.clone()).collect(),
        window: window_of(request),
    })
}

/// Willingness to pay per QALY at which the acceptability curve is drawn: £0 to £50,000 in
/// steps of £1,000.
pub fn wtp_grid() -> Vec<f64> {
    (0..=50).map(|k| f64::from(k) * 1000.0).collect()
}

/// One point of the acceptability curves: for each option, at one willingness to pay.
#[derive(Debug, Clone, PartialEq)]
pub struct CeacRow {
    /// Willingness to pay (GBP per QALY).
    pub wtp: f64,
    /// The scenario (the base too).
    pub option: String,
    /// Probability that it has the highest net benefit of all (the base included), from the
    /// corrected draws.
    pub p_best: f64,
    /// Probability that its net benefit beats the base's (corrected draws; 1 − this for the
    /// base is meaningless, so NaN there).
    pub p_cost_effective: f64,
    /// The same from the draws as run (Monte Carlo error included).
    pub p_cost_effective_raw: f64,
    /// Expected incremental net monetary benefit over the base (GBP).
    pub expected_nmb: f64,
    /// Whether it has the highest expected net benefit at this willingness to pay (the
    /// acceptability frontier).
    pub frontier: bool,
}

/// Value of information at one willingness to pay.
#[derive(Debug, Clone, PartialEq)]
pub struct EvpiRow {
    /// Willingness to pay (GBP per QALY).
    pub wtp: f64,
    /// Expected value of perfect information for the borough's population over the window
    /// (GBP, discounted), from the corrected draws.
    pub population: f64,
    /// The same per resident (÷ mean residents over the window).
    pub per_person: f64,
    /// From the draws as run (inflated by Monte Carlo error).
    pub population_raw: f64,
}

/// Partial value of information of one column at one willingness to pay.
#[derive(Debug, Clone, PartialEq)]
pub struct EvppiRow {
    /// The column (parameter or group).
    pub column: String,
    /// Willingness to pay.
    pub wtp: f64,
    /// EVPPI for the population over the window (GBP).
    pub population: f64,
}

/// Sobol indices of one column for one option's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolRow {
    /// The outcome ([`OUTCOMES`]).
    pub outcome: &'static str,
    /// The option.
    pub option: String,
    /// The column.
    pub column: String,
    /// The estimate and its bootstrap intervals.
    pub estimate: crate::analysis::sensitivity::SobolEstimate,
}

/// The variance split of one option's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct VarianceRow {
    /// The option.
    pub option: String,
    /// The outcome.
    pub outcome: &'static str,
    /// The split.
    pub split: crate::analysis::sensitivity::VarianceSplit,
}

/// Everything summarised from a [`Psa`].
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Per option and outcome.
    pub variance: Vec<VarianceRow>,
    /// The acceptability curves, by willingness to pay then scenario (base first).
    pub ceac: Vec<CeacRow>,
    /// EVPI by willingness to pay.
    pub evpi: Vec<EvpiRow>,
    /// EVPPI per column at the place's thresholds.
    pub evppi: Vec<EvppiRow>,
    /// Sobol indices (empty without a design).
    pub sobol: Vec<SobolRow>,
    /// Mean residents over the window.
    pub population: f64,
}

/// The EVPPI row of a column of random numbers the model never reads (the regression's noise
/// floor).
pub const NOISE_FLOOR: &str = "noise_floor";

/// The seed of the noise floor's column (the seed's bits turned, apart from the draws' and
/// the Sobol design's).
fn request_free_seed(seed: u64) -> u64 {
    seed ^ 0x0f1a_7f10_0d15_ea5e
}

/// Fewest draws for which EVPPI is estimated (the smoother has 13 basis functions).
pub const MIN_EVPPI_DRAWS: usize = 20;

/// Bootstrap resamples of the Sobol design.
const SOBOL_RESAMPLES: usize = 200;

/// Summarises a PSA (pure; the same draws give the same summary to the bit).
pub fn summarise(psa: &Psa, seed: u64) -> Result<Summary, Error> {
    use crate::analysis::sensitivity::{evppi, sobol_bootstrap, variance_split};
    let bad = |e: crate::analysis::sensitivity::SensitivityError| Error::Request(format!("summarising the draws: {e}"));
    let n_opt = psa.options.len();
    let column = |o: usize, k: usize, which: fn(&OptionOutcome) -> [f64; 4]| -> Vec<f64> {
        psa.draws.iter().map(|d| which(&d.options[o])[k]).collect()
    };
    let mut variance = Vec::new();
    // Corrected Δcost and ΔQALY per option, [option][draw].
    let mut cost = Vec::new();
    let mut qaly = Vec::new();
    let (mut cost_raw, mut qaly_raw) = (Vec::new(), Vec::new());
    for o in 0..n_opt {
        for (k, outcome) in OUTCOMES.iter().enumerate() {
            let split = variance_split(&column(o, k, |x| x.mean), &column(o, k, |x| x.se)).map_err(bad)?;
            variance.push(VarianceRow {
                option: psa.options[o].clone(),
                outcome,
                split,
            });
            if k == COST {
                cost_raw.push(column(o, k, |x| x.mean));
                cost.push(split.corrected(&column(o, k, |x| x.mean)));
            }
            if k == QALYS {
                qaly_raw.push(column(o, k, |x| x.mean));
                qaly.push(split.corrected(&column(o, k, |x| x.mean)));
            }
        }
    }
    let draws = psa.draws.len();
    let population = psa.draws.iter().map(|d| d.population).sum::<f64>() / draws as f64;
    let inb = |c: &[Vec<f64>], q: &[Vec<f64>], lambda: f64| -> Vec<Vec<f64>> {
        (0..draws)
            .map(|d| (0..n_opt).map(|o| lambda * q[o][d] - c[o][d]).collect())
            .collect()
    };
    let names: Vec<String> = std::iter::once(psa.base.clone())
        .chain(psa.options.iter().cloned())
        .collect();
    let mut ceac = Vec::new();
    let mut evpi = Vec::new();
    let mut grid = wtp_grid();
    for t in &psa.conventions.thresholds {
        if !grid.iter().any(|g| (g - t).abs() < 1e-9) {
            grid.push(*t);
        }
    }
    grid.sort_by(f64::total_cmp);
    let value_of_information = |table: &[Vec<f64>]| {
        let with = table
            .iter()
            .map(|r| r.iter().fold(0.0_f64, |a, &b| a.max(b)))
            .sum::<f64>()
            / draws as f64;
        let without = (0..n_opt)
            .map(|o| table.iter().map(|r| r[o]).sum::<f64>() / draws as f64)
            .fold(0.0_f64, f64::max);
        (with - without).max(0.0)
    };
    for &lambda in &grid {
        let table = inb(&cost, &qaly, lambda);
        let raw = inb(&cost_raw, &qaly_raw, lambda);
        let expected: Vec<f64> = std::iter::once(0.0)
            .chain((0..n_opt).map(|o| table.iter().map(|r| r[o]).sum::<f64>() / draws as f64))
            .collect();
        let best = (0..=n_opt).fold(0, |b, s| if expected[s] > expected[b] { s } else { b });
        for s in 0..=n_opt {
            let beats_all = table
                .iter()
                .filter(|r| {
                    let nb = |x: usize| if x == 0 { 0.0 } else { r[x - 1] };
                    (0..=n_opt).all(|x| x == s || nb(s) > nb(x))
                })
                .count() as f64
                / draws as f64;
            let vs_base = |t: &[Vec<f64>]| {
                if s == 0 {
                    f64::NAN
                } else {
                    t.iter().filter(|r| r[s - 1] > 0.0).count() as f64 / draws as f64
                }
            };
            ceac.push(CeacRow {
                wtp: lambda,
                option: names[s].clone(),
                p_best: beats_all,
                p_cost_effective: vs_base(&table),
                p_cost_effective_raw: vs_base(&raw),
                expected_nmb: expected[s],
                frontier: s == best,
            });
        }
        let population_evpi = value_of_information(&table);
        evpi.push(EvpiRow {
            wtp: lambda,
            population: population_evpi,
            per_person: population_evpi / population,
            population_raw: value_of_information(&raw),
        });
    }
    let mut evppi_rows = Vec::new();
    // The regression needs draws to spare over its basis (13 splines): below that, no EVPPI.
    let thresholds: &[f64] = if draws >= MIN_EVPPI_DRAWS {
        &psa.conventions.thresholds
    } else {
        &[]
    };
    // The noise floor: the EVPPI of a column of keyed uniforms that the model never reads. The
    // regression on draws with Monte Carlo error finds some value in anything; a parameter's
    // EVPPI means something only above this.
    let null: Vec<f64> = latin_hypercube(request_free_seed(seed), draws, 1)
        .into_iter()
        .map(|r| r[0])
        .collect();
    for &lambda in thresholds {
        let table = inb(&cost_raw, &qaly_raw, lambda);
        for (c, col) in psa.set.columns.iter().enumerate() {
            let x: Vec<f64> = psa.draws.iter().map(|d| d.u[c]).collect();
            evppi_rows.push(EvppiRow {
                column: col.name.clone(),
                wtp: lambda,
                population: evppi(&x, &table).map_err(bad)?,
            });
        }
        evppi_rows.push(EvppiRow {
            column: NOISE_FLOOR.to_string(),
            wtp: lambda,
            population: evppi(&null, &table).map_err(bad)?,
        });
    }
    let mut sobol = Vec::new();
    if let Some(design) = &psa.sobol {
        let m = design.rows;
        for (k, outcome) in [(ADMISSIONS, OUTCOMES[ADMISSIONS]), (NET_SAVING, OUTCOMES[NET_SAVING])] {
            for o in 0..n_opt {
                let pick = |rows: &[PointResult]| rows.iter().map(|d| d.options[o].mean[k]).collect::<Vec<f64>>();
                let fa = pick(&psa.draws[..m]);
                let fb = pick(&design.b);
                let fab: Vec<Vec<f64>> = design.ab.iter().map(|rows| pick(rows)).collect();
                // An outcome that does not vary (an option that changes nothing in the window)
                // has no variance to apportion: its indices are not defined.
                let est = match sobol_bootstrap(&fa, &fb, &fab, seed, SOBOL_RESAMPLES) {
                    Ok(est) => est,
                    Err(crate::analysis::sensitivity::SensitivityError::NoVariance(_)) => {
                        let nan = crate::analysis::sensitivity::SobolIndex {
                            first: f64::NAN,
                            total: f64::NAN,
                        };
                        let none = crate::analysis::sensitivity::SobolEstimate {
                            index: nan,
                            first_interval: (f64::NAN, f64::NAN),
                            total_interval: (f64::NAN, f64::NAN),
                        };
                        vec![none; psa.set.columns.len()]
                    }
                    Err(e) => return Err(bad(e)),
                };
                for (col, e) in psa.set.columns.iter().zip(est) {
                    sobol.push(SobolRow {
                        outcome,
                        option: psa.options[o].clone(),
                        column: col.name.clone(),
                        estimate: e,
                    });
                }
            }
        }
    }
    Ok(Summary {
        variance,
        ceac,
        evpi,
        evppi: evppi_rows,
        sobol,
        population,
    })
}
