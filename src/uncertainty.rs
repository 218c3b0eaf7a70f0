//! Parameter uncertainty (issue 15): the distribution of every uncertain figure, and the
//! parameter set a probabilistic sensitivity analysis draws from.
//!
//! Where uncertainty is declared:
//! * **a place figure with an evidence `range`** is uncertain by default: a triangular
//!   distribution over the range with its mode at the figure's value, unless the figure says
//!   `distribution = "..."` (another family fitted to the value and range) or `"fixed"`. Figures
//!   of the place's `[effects]` section are evidence for scenario keys, not read by the model, so
//!   they are not sampled themselves: a scenario declares the key that carries the effect;
//! * **a scenario's `[uncertainty.<name>]` sections** put a distribution on a calibratable
//!   scenario key (`services.huddles.effect`), on any scalar place figure
//!   (`hospital.days_to_arrange_discharge`), or on a whole section of the place's unit costs
//!   together (`costs.*`: one multiplier, central 1, for every scalar figure of the section, so
//!   the costs of one price year move together), each with its source; `group` makes several
//!   declarations share one draw (perfectly rank-correlated).
//!
//! How `low` and `high` are read: for `uniform` and `triangular` they are the ends of the
//! support; for `normal`, `lognormal`, `beta` and `gamma` they are a 95% interval, and the
//! family is fitted by the method of moments to the central value (the mean; the median for
//! `lognormal`) and a standard deviation of (high − low) / 3.92. Every draw is truncated to the
//! figure's domain (a probability stays in [0, 1], a hazard ratio above 0), so no draw is a value
//! the model would refuse.
//!
//! A draw is a point in the unit hypercube, one coordinate per [`Column`] (a parameter, or a
//! group of them); each scenario turns the coordinate into a value with its own distribution
//! of the parameter, so an option that sets a key to another value keeps its own centre and the
//! draw stays paired with the base's. No I/O: the place and scenarios are passed in.

use crate::calibration::fit::{parameter_value, set_parameter, PARAMETER_KEYS};
use crate::error::Error;
use crate::place::Place;
use crate::scenario::Scenario;

/// Families of distributions a figure may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Over `[low, high]` with its mode at the central value (the default).
    Triangular,
    /// Flat over `[low, high]`.
    Uniform,
    /// Mean the central value, `[low, high]` a 95% interval.
    Normal,
    /// Median the central value, `[low, high]` a 95% interval (ratios, multipliers).
    LogNormal,
    /// Mean the central value, standard deviation from `[low, high]` (probabilities).
    Beta,
    /// Mean the central value, standard deviation from `[low, high]` (costs, durations, rates).
    Gamma,
    /// Not sampled: always the central value.
    Fixed,
}

impl Family {
    /// Names as written in files, in the order of [`Family::VALUES`] (the default first).
    pub const NAMES: &'static [&'static str] =
        &["triangular", "uniform", "normal", "lognormal", "beta", "gamma", "fixed"];
    /// The families named by [`Family::NAMES`].
    pub const VALUES: &'static [Family] = &[
        Family::Triangular,
        Family::Uniform,
        Family::Normal,
        Family::LogNormal,
        Family::Beta,
        Family::Gamma,
        Family::Fixed,
    ];

    /// The family a name stands for.
    pub fn parse(name: &str) -> Option<Family> {
        Family::NAMES.iter().position(|n| *n == name).map(|i| Family::VALUES[i])
    }

    /// The name as written in files.
    pub fn name(self) -> &'static str {
        Family::NAMES[Family::VALUES.iter().position(|f| *f == self).unwrap_or(0)]
    }

    /// Whether `low` and `high` are the ends of the support (else a 95% interval).
    pub fn range_is_support(self) -> bool {
        matches!(self, Family::Triangular | Family::Uniform | Family::Fixed)
    }
}

impl crate::scenario::keys::Choice for Family {
    const NAMES: &'static [&'static str] = Family::NAMES;
    const VALUES: &'static [Family] = Family::VALUES;
}

/// The z-value of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// A fitted distribution of one figure, truncated to the figure's domain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distribution {
    /// The family.
    pub family: Family,
    /// The central value (the figure's value or the scenario key's).
    pub central: f64,
    /// Low end of the declared range.
    pub low: f64,
    /// High end of the declared range.
    pub high: f64,
    /// The family's parameters: (mode, −) triangular; (mean, sd) normal; (μ, σ) lognormal;
    /// (α, β) beta; (shape, scale) gamma.
    a: f64,
    b: f64,
    /// The domain the draws are truncated to, and its cumulative probabilities.
    bounds: (f64, f64),
    cdf_bounds: (f64, f64),
}

impl Distribution {
    /// Fits `family` to a central value and a range, within `bounds` (the figure's domain,
    /// ends included). Says why when it cannot.
    pub fn fit(family: Family, central: f64, low: f64, high: f64, bounds: (f64, f64)) -> Result<Distribution, String> {
        if !central.is_finite() {
            return Err(format!("the central value {central} is not a finite number"));
        }
        let mut d = Distribution {
            family,
            central,
            low,
            high,
            a: central,
            b: 0.0,
            bounds,
            cdf_bounds: (0.0, 1.0),
        };
        if family == Family::Fixed {
            return Ok(d);
        }
        if !(low.is_finite() && high.is_finite()) {
            return Err(format!("low {low} and high {high} must be finite numbers"));
        }
        if low >= high {
            return Err(format!("low {low} must be below high {high}"));
        }
        if low < bounds.0 || high > bounds.1 {
            return Err(format!(
                "the range [{low}, {high}] goes outside the figure's domain [{}, {}]",
                bounds.0, bounds.1
            ));
        }
        if !(low..=high).contains(&central) {
            return Err(format!(
                "the central value {central} is outside the range [{low}, {high}]"
            ));
        }
        let sd = (high - low) / (2.0 * Z95);
        match family {
            Family::Fixed | Family::Uniform => {}
            Family::Triangular => d.a = central,
            Family::Normal => (d.a, d.b) = (central, sd),
            Family::LogNormal => {
                if low <= 0.0 {
                    return Err(format!("a lognormal needs a range above 0; low is {low}"));
                }
                (d.a, d.b) = (central.ln(), (high / low).ln() / (2.0 * Z95));
            }
            Family::Gamma => {
                if central <= 0.0 {
                    return Err(format!("a gamma needs a central value above 0; it is {central}"));
                }
                // shape = mean² / var, scale = var / mean.
                (d.a, d.b) = ((central / sd).powi(2), sd * sd / central);
            }
            Family::Beta => {
                if !(central > 0.0 && central < 1.0) {
                    return Err(format!(
                        "a beta needs a central value strictly between 0 and 1; it is {central}"
                    ));
                }
                let common = central * (1.0 - central) / (sd * sd) - 1.0;
                if common <= 0.0 {
                    return Err(format!(
                        "the range [{low}, {high}] is too wide for a beta with mean {central} \
                         (standard deviation {sd:.4} needs to be below {:.4}); use \"uniform\" or \"triangular\"",
                        (central * (1.0 - central)).sqrt()
                    ));
                }
                (d.a, d.b) = (central * common, (1.0 - central) * common);
            }
        }
        d.cdf_bounds = (d.cdf(bounds.0), d.cdf(bounds.1));
        if d.cdf_bounds.1 - d.cdf_bounds.0 < 1e-9 {
            return Err("the domain holds none of the distribution's probability".into());
        }
        Ok(d)
    }

    /// The untruncated cumulative distribution function.
    pub fn cdf(&self, x: f64) -> f64 {
        let (lo, hi) = (self.low, self.high);
        match self.family {
            Family::Fixed => f64::from(u8::from(x >= self.central)),
            Family::Uniform => ((x - lo) / (hi - lo)).clamp(0.0, 1.0),
            Family::Triangular => {
                let m = self.a;
                if x <= lo {
                    0.0
                } else if x >= hi {
                    1.0
                } else if x <= m {
                    (x - lo).powi(2) / ((hi - lo) * (m - lo))
                } else {
                    1.0 - (hi - x).powi(2) / ((hi - lo) * (hi - m))
                }
            }
            Family::Normal => normal_cdf((x - self.a) / self.b),
            Family::LogNormal if x <= 0.0 => 0.0,
            Family::LogNormal => normal_cdf((x.ln() - self.a) / self.b),
            Family::Gamma if x <= 0.0 => 0.0,
            Family::Gamma => gamma_p(self.a, x / self.b),
            Family::Beta if x <= 0.0 => 0.0,
            Family::Beta if x >= 1.0 => 1.0,
            Family::Beta => beta_i(self.a, self.b, x),
        }
    }

    /// The value at cumulative probability `u` of the distribution truncated to the domain
    /// (`u` in [0, 1]; 0 and 1 give the ends of a bounded support).
    pub fn quantile(&self, u: f64) -> f64 {
        let (c0, c1) = self.cdf_bounds;
        let p = (c0 + u.clamp(0.0, 1.0) * (c1 - c0)).clamp(0.0, 1.0);
        let (lo, hi) = (self.low, self.high);
        let x = match self.family {
            Family::Fixed => self.central,
            Family::Uniform => lo + p * (hi - lo),
            Family::Triangular => {
                let m = self.a;
                let split = (m - lo) / (hi - lo);
                if p < split {
                    lo + (p * (hi - lo) * (m - lo)).sqrt()
                } else {
                    hi - ((1.0 - p) * (hi - lo) * (hi - m)).sqrt()
                }
            }
            Family::Normal => self.a + self.b * normal_quantile(p),
            Family::LogNormal => (self.a + self.b * normal_quantile(p)).exp(),
            Family::Gamma => invert(p, 0.0, self.a * self.b * 50.0 + 50.0 * self.b, |x| self.cdf(x)),
            Family::Beta => invert(p, 0.0, 1.0, |x| self.cdf(x)),
        };
        x.clamp(self.bounds.0, self.bounds.1)
    }

    /// The cumulative probability of `x` under the truncated distribution: where a value sits
    /// in draw space (the tornado's low and high ends).
    pub fn u_of(&self, x: f64) -> f64 {
        let (c0, c1) = self.cdf_bounds;
        if self.family == Family::Fixed {
            return 0.5;
        }
        ((self.cdf(x) - c0) / (c1 - c0)).clamp(0.0, 1.0)
    }

    /// The distribution in words, e.g. `beta(α 12.3, β 40.1)`.
    pub fn describe(&self) -> String {
        let g = |x: f64| format!("{}", (x * 1e4).round() / 1e4);
        match self.family {
            Family::Fixed => format!("fixed at {}", g(self.central)),
            Family::Uniform => format!("uniform({}, {})", g(self.low), g(self.high)),
            Family::Triangular => format!("triangular({}, {}, {})", g(self.low), g(self.a), g(self.high)),
            Family::Normal => format!("normal(mean {}, sd {})", g(self.a), g(self.b)),
            Family::LogNormal => format!("lognormal(median {}, σ {})", g(self.a.exp()), g(self.b)),
            Family::Beta => format!("beta(α {}, β {})", g(self.a), g(self.b)),
            Family::Gamma => format!("gamma(shape {}, scale {})", g(self.a), g(self.b)),
        }
    }
}

/// The value at which monotone `cdf` reaches `p`, by bisection on `[lo, hi]` (widened until it
/// brackets `p`).
fn invert(p: f64, lo: f64, mut hi: f64, cdf: impl Fn(f64) -> f64) -> f64 {
    let mut lo = lo;
    for _ in 0..60 {
        if cdf(hi) >= p {
            break;
        }
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-13 * hi.abs().max(1e-300) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The standard normal cumulative distribution function (via `erfc`).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' Chebyshev fit, relative error below
/// 1.2e-7, refined where it matters by the quantile's Newton step).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// The standard normal quantile (Acklam's rational approximation, relative error 1.15e-9).
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let p_low = 0.024_25;
    if p < p_low {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - p_low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised lower incomplete gamma function P(a, x) (series below a + 1, Lentz's
/// continued fraction above).
fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let front = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut sum, mut term, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (sum * front).min(1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (1.0 - front * h).clamp(0.0, 1.0)
    }
}

/// The regularised incomplete beta function I_x(a, b) (Lentz's continued fraction, with the
/// symmetry relation where it converges faster).
fn beta_i(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, 1.0 - x) / b
    }
}

fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..1000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// What a parameter changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A calibratable scenario key, set in every scenario that declares it.
    Scenario(String),
    /// A scalar place figure (`section.name`).
    Place(String),
    /// Every scalar figure of a place section, multiplied by the drawn value (central 1).
    PlaceSection(String),
}

/// One uncertain parameter: what it changes, where its evidence is, and its distribution in
/// each scenario of the analysis (`None` where a scenario does not declare it).
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Its name in outputs: the figure or key (`costs.*` for a section).
    pub name: String,
    /// What a draw changes.
    pub target: Target,
    /// The source of its distribution (a source key, a place figure, or a citation).
    pub source: String,
    /// The correlated group it belongs to (empty: its own column).
    pub group: String,
    /// Its distribution in each scenario, in the analysis's order.
    pub by_scenario: Vec<Option<Distribution>>,
}

impl Parameter {
    /// The distribution shown in outputs: the first scenario's that has one.
    pub fn distribution(&self) -> &Distribution {
        self.by_scenario
            .iter()
            .flatten()
            .next()
            .unwrap_or_else(|| unreachable!("every parameter has a distribution in some scenario"))
    }
}

/// A coordinate of a draw: one parameter, or a correlated group sharing one draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The parameter's name, or the group's.
    pub name: String,
    /// Indices into [`ParameterSet::parameters`].
    pub members: Vec<usize>,
}

/// Every uncertain parameter of an analysis (a base and its options on one place).
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterSet {
    /// The parameters: the place's ranged figures, then the scenarios' declarations by name.
    pub parameters: Vec<Parameter>,
    /// The coordinates of a draw.
    pub columns: Vec<Column>,
}

/// The domain of a place figure as bounds (ends included).
pub(crate) fn place_bounds(path: &str) -> (f64, f64) {
    use crate::place::domain::Domain::*;
    match crate::place::domain::domain_of(path) {
        Some(Probability | Distribution) => (0.0, 1.0),
        Some(RateBelowOne) => (0.0, 1.0 - 1e-9),
        Some(Positive) => (f64::MIN_POSITIVE, f64::INFINITY),
        Some(NonNegative | Count) => (0.0, f64::INFINITY),
        Some(Range(lo, hi) | Whole(lo, hi)) => (lo, hi),
        Some(RelativeChange) => (-1.0, f64::INFINITY),
        Some(Reduction) => (-1.0, 1.0),
        Some(Finite | Text) | None => (f64::NEG_INFINITY, f64::INFINITY),
    }
}

/// The bounds a calibratable scenario key's values must stay within.
fn key_bounds(key: &str) -> (f64, f64) {
    match crate::scenario::schema::spec(key).map(|s| s.kind) {
        Some(crate::scenario::schema::Kind::Num {
            min,
            max,
            open_min,
            open_max,
        }) => {
            // An open end is kept out of by a hair, so a draw at the end is a valid value.
            let lo = if open_min { min + 1e-9 * min.abs().max(1.0) } else { min };
            let hi = if open_max { max - 1e-9 * max.abs().max(1.0) } else { max };
            (lo, hi)
        }
        _ => (f64::NEG_INFINITY, f64::INFINITY),
    }
}

/// A scalar place figure as JSON (`value`, `range`, `source`, `distribution`…), if `path` names
/// one.
fn place_figure<'v>(file: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Map<String, serde_json::Value>> {
    let (section, name) = path.split_once('.')?;
    let fig = file.get(section)?.get(name)?.as_object()?;
    fig.get("value")?.as_f64()?;
    Some(fig)
}

/// The scalar figures of a place section (`costs`), by name.
fn section_figures(file: &serde_json::Value, section: &str) -> Vec<String> {
    file.get(section)
        .and_then(|s| s.as_object())
        .map(|m| {
            m.iter()
                .filter(|(_, f)| f.get("value").and_then(serde_json::Value::as_f64).is_some())
                .map(|(name, _)| format!("{section}.{name}"))
                .collect()
        })
        .unwrap_or_default()
}

/// Sets a scalar place figure's value to `f(value)`.
fn set_figure(file: &mut serde_json::Value, path: &str, f: impl Fn(f64) -> f64) {
    if let Some((section, name)) = path.split_once('.') {
        if let Some(slot) = file
            .get_mut(section)
            .and_then(|s| s.get_mut(name))
            .and_then(|g| g.get_mut("value"))
        {
            if let Some(x) = slot.as_f64() {
                *slot = serde_json::Value::from(f(x));
            }
        }
    }
}

/// A declaration as written in a scenario's `[uncertainty.<name>]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared<'a> {
    /// The figure or key it puts a distribution on.
    pub figure: &'a str,
    /// The family.
    pub family: Family,
    /// Low end, if written.
    pub low: Option<f64>,
    /// High end, if written.
    pub high: Option<f64>,
    /// Its source (a `[sources]` key, a place figure, or a citation in words).
    pub source: &'a str,
}

/// A place's figures as one JSON tree, made once and read by every declaration's
/// [`resolve`].
#[derive(Debug, Clone)]
pub struct PlaceFigures(serde_json::Value);

impl PlaceFigures {
    /// The figures of `place`.
    pub fn of(place: &Place) -> PlaceFigures {
        // Serialising plain structs of numbers and strings cannot fail.
        PlaceFigures(serde_json::to_value(&place.file).unwrap_or(serde_json::Value::Null))
    }
}

/// What a declaration resolves to against the place's figures, or the field and reason it
/// cannot.
pub fn resolve(
    d: &Declared<'_>,
    figures: &PlaceFigures,
    scenario_value: Option<f64>,
) -> Result<(Target, Distribution), (&'static str, String)> {
    let file = &figures.0;
    if d.source.trim().is_empty() {
        return Err((
            "source",
            "must name the evidence (a source key, a place figure or a citation)".into(),
        ));
    }
    let fit = |central: f64, range: Option<[f64; 2]>, bounds: (f64, f64)| {
        let (low, high) = match (d.low, d.high, range) {
            (Some(l), Some(h), _) => (l, h),
            (None, None, Some([l, h])) => (l, h),
            (l, h, Some([rl, rh])) => (l.unwrap_or(rl), h.unwrap_or(rh)),
            (_, _, None) if d.family == Family::Fixed => (central, central),
            (_, _, None) => {
                return Err((
                    "figure",
                    "give low and high: this figure has no evidence range to default to".to_string(),
                ))
            }
        };
        // A bad end is reported at the end that is bad (when it was written).
        let written = |f: &'static str, given: Option<f64>| if given.is_some() { f } else { "figure" };
        let field = if low < bounds.0 || low > central {
            written("low", d.low)
        } else if high > bounds.1 || high < central {
            written("high", d.high)
        } else if d.family == Family::Triangular {
            written("low", d.low)
        } else {
            "distribution"
        };
        Distribution::fit(d.family, central, low, high, bounds).map_err(|m| (field, m))
    };
    if let Some(section) = d.figure.strip_suffix(".*") {
        if section_figures(file, section).is_empty() {
            return Err((
                "figure",
                format!("the place has no section `{section}` of scalar figures"),
            ));
        }
        let dist = fit(1.0, None, (f64::MIN_POSITIVE, f64::INFINITY))?;
        return Ok((Target::PlaceSection(section.to_string()), dist));
    }
    if PARAMETER_KEYS.contains(&d.figure) {
        let Some(central) = scenario_value else {
            return Err(("figure", format!("`{}` has no value in this scenario", d.figure)));
        };
        let dist = fit(central, None, key_bounds(d.figure))?;
        return Ok((Target::Scenario(d.figure.to_string()), dist));
    }
    match place_figure(file, d.figure) {
        Some(_) if d.figure.starts_with("effects.") => Err((
            "figure",
            format!(
                "`{}` is evidence, not read by the model: declare the scenario key that carries the effect \
                 (one of {}) with this figure as its source",
                d.figure,
                PARAMETER_KEYS.join(", ")
            ),
        )),
        Some(fig) => {
            let central = fig.get("value").and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN);
            let range = fig
                .get("range")
                .and_then(|r| serde_json::from_value::<[f64; 2]>(r.clone()).ok());
            let dist = fit(central, range, place_bounds(d.figure))?;
            Ok((Target::Place(d.figure.to_string()), dist))
        }
        None => Err((
            "figure",
            format!(
                "`{}` is neither a calibratable scenario key ({}) nor a scalar figure of the place (section.name, \
                 or section.* for all of a section's figures together)",
                d.figure,
                PARAMETER_KEYS.join(", ")
            ),
        )),
    }
}

impl ParameterSet {
    /// The parameters of an analysis of `scenarios` (the base first) on `place`: the place's
    /// ranged figures (outside `[effects]`, not declared `fixed`), then every scenario's
    /// declarations. A place figure's distribution is one for all scenarios, so an option may
    /// not declare it otherwise than the base.
    pub fn of(scenarios: &[Scenario], place: &Place) -> Result<ParameterSet, Error> {
        let n = scenarios.len();
        let figures = PlaceFigures::of(place);
        let file = &figures.0;
        let mut parameters: Vec<Parameter> = Vec::new();
        if let Some(sections) = file.as_object() {
            for (section, in_section) in sections {
                if section == "effects" {
                    continue;
                }
                let Some(in_section) = in_section.as_object() else {
                    continue;
                };
                for (name, fig) in in_section {
                    let path = format!("{section}.{name}");
                    let (Some(central), Some(range)) = (
                        fig.get("value").and_then(serde_json::Value::as_f64),
                        fig.get("range")
                            .and_then(|r| serde_json::from_value::<[f64; 2]>(r.clone()).ok()),
                    ) else {
                        continue;
                    };
                    let family = fig
                        .get("distribution")
                        .and_then(|d| d.as_str())
                        .and_then(Family::parse)
                        .unwrap_or(Family::Triangular);
                    if family == Family::Fixed {
                        continue;
                    }
                    let dist = Distribution::fit(family, central, range[0], range[1], place_bounds(&path))
                        .map_err(|m| Error::Request(format!("place figure {path}: {m}")))?;
                    let source = fig
                        .get("source")
                        .and_then(|s| s.as_str())
                        .unwrap_or_default()
                        .to_string();
                    parameters.push(Parameter {
                        name: path.clone(),
                        target: Target::Place(path),
                        source,
                        group: String::new(),
                        by_scenario: vec![Some(dist); n],
                    });
                }
            }
        }
        let place_defaults = parameters.len();
        for (s, scenario) in scenarios.iter().enumerate() {
            for u in &scenario.uncertainty {
                let declared = Declared {
                    figure: &u.figure,
                    family: u.distribution,
                    low: u.low,
                    high: u.high,
                    source: &u.source,
                };
                let value = parameter_value(scenario, &u.figure).ok();
                let (target, dist) = resolve(&declared, &figures, value).map_err(|(field, m)| {
                    Error::Request(format!(
                        "scenario {}: uncertainty.{}.{field}: {m}",
                        scenario.name, u.name
                    ))
                })?;
                let scenario_level = matches!(target, Target::Scenario(_));
                let at = parameters.iter().position(|p| p.name == u.figure);
                match at {
                    // A place default replaced by the base's declaration.
                    Some(i) if i < place_defaults && s == 0 => {
                        parameters[i] = Parameter {
                            name: u.figure.clone(),
                            target,
                            source: u.source.clone(),
                            group: u.group.clone(),
                            by_scenario: vec![Some(dist); n],
                        };
                    }
                    Some(i) if scenario_level => {
                        if parameters[i].group != u.group {
                            return Err(Error::Request(format!(
                                "scenario {}: uncertainty.{}.group: `{}` is in group {:?} in another scenario of the analysis, here {:?}",
                                scenario.name, u.name, u.figure, parameters[i].group, u.group
                            )));
                        }
                        parameters[i].by_scenario[s] = Some(dist);
                    }
                    Some(i) => {
                        if parameters[i].by_scenario[s].as_ref() != Some(&dist) || parameters[i].group != u.group {
                            return Err(Error::Request(format!(
                                "scenario {}: uncertainty.{}: the place figure `{}` is shared by every scenario of the \
                                 analysis, so its distribution must be the base's ({})",
                                scenario.name,
                                u.name,
                                u.figure,
                                parameters[i].distribution().describe()
                            )));
                        }
                    }
                    None if scenario_level || s == 0 => {
                        let mut by_scenario = vec![None; n];
                        if scenario_level {
                            by_scenario[s] = Some(dist);
                        } else {
                            by_scenario = vec![Some(dist); n];
                        }
                        parameters.push(Parameter {
                            name: u.figure.clone(),
                            target,
                            source: u.source.clone(),
                            group: u.group.clone(),
                            by_scenario,
                        });
                    }
                    None => {
                        return Err(Error::Request(format!(
                            "scenario {}: uncertainty.{}: the place figure `{}` is shared by every scenario of the \
                             analysis; declare its distribution in the base scenario",
                            scenario.name, u.name, u.figure
                        )))
                    }
                }
            }
        }
        // A figure declared `fixed` is not drawn.
        parameters.retain(|p| p.by_scenario.iter().flatten().any(|d| d.family != Family::Fixed));
        // A section multiplier (`costs.*`) applies after the section's own ranged figures are
        // set: an item's own uncertainty times the price level shared by every item.
        parameters.sort_by_key(|p| matches!(p.target, Target::PlaceSection(_)));
        let mut columns: Vec<Column> = Vec::new();
        for (i, p) in parameters.iter().enumerate() {
            match columns.iter_mut().find(|c| !p.group.is_empty() && c.name == p.group) {
                Some(c) => c.members.push(i),
                None => columns.push(Column {
                    name: if p.group.is_empty() {
                        p.name.clone()
                    } else {
                        p.group.clone()
                    },
                    members: vec![i],
                }),
            }
        }
        Ok(ParameterSet { parameters, columns })
    }

    /// Each parameter's value in scenario `s` at draw `u` (one coordinate per column; NaN
    /// leaves a column at its central values). `None` where the scenario does not declare it.
    pub fn values(&self, u: &[f64], s: usize) -> Vec<Option<f64>> {
        let mut out = vec![None; self.parameters.len()];
        for (c, col) in self.columns.iter().enumerate() {
            for &i in &col.members {
                out[i] =
                    self.parameters[i].by_scenario[s].map(|d| if u[c].is_nan() { d.central } else { d.quantile(u[c]) });
            }
        }
        out
    }

    /// The place and scenarios at draw `u`: the place's figures set (or a section multiplied)
    /// from the base's values, and each scenario's keys set from its own.
    pub fn apply(&self, u: &[f64], scenarios: &[Scenario], place: &Place) -> Result<(Place, Vec<Scenario>), Error> {
        let base = self.values(u, 0);
        let bad = |e: serde_json::Error| Error::Request(format!("cannot set the place's figures: {e}"));
        let mut file = serde_json::to_value(&place.file).map_err(bad)?;
        let mut changed = false;
        for (p, v) in self.parameters.iter().zip(&base) {
            let Some(v) = *v else { continue };
            match &p.target {
                Target::Place(path) => {
                    set_figure(&mut file, path, |_| v);
                    changed = true;
                }
                Target::PlaceSection(section) => {
                    for path in section_figures(&file, section) {
                        set_figure(&mut file, &path, |x| x * v);
                    }
                    changed = true;
                }
                Target::Scenario(_) => {}
            }
        }
        let mut drawn_place = place.clone();
        if changed {
            drawn_place.file = serde_json::from_value(file).map_err(bad)?;
        }
        let mut drawn = scenarios.to_vec();
        for (s, scenario) in drawn.iter_mut().enumerate() {
            let values = self.values(u, s);
            for (p, v) in self.parameters.iter().zip(values) {
                if let (Target::Scenario(key), Some(v)) = (&p.target, v) {
                    set_parameter(scenario, key, v).map_err(Error::Request)?;
                }
            }
        }
        Ok((drawn_place, drawn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_and_cdf_are_inverse_and_match_tables() {
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-6);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        for p in [0.001, 0.02, 0.3, 0.7, 0.99] {
            assert!((normal_cdf(normal_quantile(p)) - p).abs() < 2e-7, "p {p}");
        }
    }

    #[test]
    fn gamma_and_beta_cdfs_match_closed_forms() {
        // Shape 1 is the exponential; Beta(1, 1) the uniform; Beta(2, 1) has cdf x².
        for x in [0.1, 0.5, 2.0, 7.0] {
            assert!((gamma_p(1.0, x) - (1.0 - (-x).exp())).abs() < 1e-12);
        }
        for x in [0.1, 0.37, 0.9] {
            assert!((beta_i(1.0, 1.0, x) - x).abs() < 1e-12);
            assert!((beta_i(2.0, 1.0, x) - x * x).abs() < 1e-12);
        }
        // Chi-square with 4 degrees of freedom at 9.4877 is 0.95.
        assert!((gamma_p(2.0, 9.4877 / 2.0) - 0.95).abs() < 1e-5);
    }

    #[test]
    fn fitted_families_have_the_stated_centre_and_spread() {
        let n = 20_000;
        let moments = |d: &Distribution| {
            let xs: Vec<f64> = (0..n).map(|i| d.quantile((i as f64 + 0.5) / n as f64)).collect();
            let m = xs.iter().sum::<f64>() / n as f64;
            let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n as f64).sqrt();
            (m, sd)
        };
        let sd = (0.4 - 0.2) / (2.0 * Z95);
        for family in [Family::Normal, Family::Beta, Family::Gamma] {
            let d = Distribution::fit(family, 0.3, 0.2, 0.4, (0.0, 1.0)).unwrap();
            let (m, s) = moments(&d);
            assert!((m - 0.3).abs() < 1e-3, "{family:?} mean {m}");
            assert!((s - sd).abs() / sd < 0.02, "{family:?} sd {s} vs {sd}");
        }
        let d = Distribution::fit(Family::LogNormal, 1.7, 1.4, 2.2, (1e-300, f64::INFINITY)).unwrap();
        assert!((d.quantile(0.5) - 1.7).abs() < 1e-9);
        let t = Distribution::fit(Family::Triangular, 3.0, 1.0, 6.0, (0.0, f64::INFINITY)).unwrap();
        let (m, _) = moments(&t);
        assert!((m - 10.0 / 3.0).abs() < 1e-3, "triangular mean {m}");
        assert!((t.quantile(0.0) - 1.0).abs() < 1e-12 && (t.quantile(1.0) - 6.0).abs() < 1e-12);
    }

    #[test]
    fn draws_are_truncated_to_the_domain() {
        // A normal effect of 0.02 ± 0.05 on a reduction that cannot go below 0.
        let d = Distribution::fit(Family::Normal, 0.02, -0.03, 0.07, (0.0, 1.0));
        assert!(d.is_err(), "a range outside the domain is refused");
        let d = Distribution::fit(Family::Normal, 0.02, 0.0, 0.07, (0.0, 1.0)).unwrap();
        assert!((0..=100).all(|i| d.quantile(i as f64 / 100.0) >= 0.0));
    }

    #[test]
    fn impossible_fits_say_why() {
        let too_wide = Distribution::fit(Family::Beta, 0.05, 0.0, 0.9, (0.0, 1.0)).unwrap_err();
        assert!(too_wide.contains("too wide"), "{too_wide}");
        let outside = Distribution::fit(Family::Triangular, 0.5, 0.6, 0.9, (0.0, 1.0)).unwrap_err();
        assert!(outside.contains("outside the range"), "{outside}");
        let log = Distribution::fit(Family::LogNormal, 1.0, 0.0, 2.0, (0.0, 9.0)).unwrap_err();
        assert!(log.contains("above 0"), "{log}");
    }
}
