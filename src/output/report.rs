//! `report.html`: one self-contained page (inline CSS and SVG, no script, no network) for a
//! board or a reader of a paper: headline in plain English, the comparison table with
//! intervals, every chart, the calibration table, localities, assumptions with sources and a
//! reproducibility footer. Rendered with a minijinja template (`report.html.j2`) from the run
//! folder's own files, so it says exactly what the tidy outputs say.

use super::compare::{group_thousands, money, pounds_pence};
use super::plot::PlotSet;
use super::read::{ComparisonPoint, RunFolder};
use crate::analysis::compare::period_label;
use crate::analysis::series::service_use;
use crate::error::OutputError;
use minijinja::{context, Environment, Value};
use serde::Serialize;
use std::path::Path;

/// The template, compiled into the binary.
const TEMPLATE: &str = include_str!("report.html.j2");

/// `mean (lo to hi)` with `f` applied to each; `mean` alone when there is no interval.
fn with_interval(mean: f64, lo: f64, hi: f64, f: &dyn Fn(f64) -> String) -> String {
    if !mean.is_finite() {
        "n/a".into()
    } else if lo.is_finite() && hi.is_finite() {
        format!("{} ({} to {})", f(mean), f(lo), f(hi))
    } else {
        f(mean)
    }
}

fn decimals(d: usize) -> impl Fn(f64) -> String {
    move |v: f64| {
        if v.is_finite() {
            let s = format!("{:.*}", d, v + 0.0);
            // A value that rounds to zero has no sign; otherwise a typographic minus.
            if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
                s.trim_start_matches('-').to_string()
            } else {
                s.replacen('-', "−", 1)
            }
        } else {
            "n/a".into()
        }
    }
}

fn count(v: f64) -> String {
    group_thousands(v)
}

/// A plain number for tables of targets: thousands grouped for large values, else up to three
/// significant decimals.
fn plain(v: f64) -> String {
    if !v.is_finite() {
        "n/a".into()
    } else if v.abs() >= 1000.0 {
        group_thousands(v)
    } else {
        super::targets::pretty(v)
    }
}

#[derive(Serialize)]
struct TableRow {
    label: String,
    cells: Vec<String>,
}

#[derive(Serialize)]
struct ComparisonTable {
    options: Vec<String>,
    rows: Vec<TableRow>,
    note: String,
}

#[derive(Serialize)]
struct ChartView {
    name: String,
    title: String,
    svg: Value,
}

#[derive(Serialize)]
struct Skipped {
    name: String,
    reason: String,
}

#[derive(Serialize)]
struct TargetView {
    name: String,
    period: String,
    observed: String,
    band: String,
    simulated: String,
    result: String,
    class: String,
}

#[derive(Serialize)]
struct Targets {
    rows: Vec<TargetView>,
    note: String,
}

#[derive(Serialize)]
struct LocalityRow {
    name: String,
    cells: Vec<String>,
}

#[derive(Serialize)]
struct Localities {
    header: Vec<String>,
    rows: Vec<LocalityRow>,
    note: String,
}

#[derive(Serialize)]
struct Parameter {
    key: Value,
    values: Vec<String>,
}

#[derive(Serialize)]
struct Assumption {
    key: Value,
    value: String,
    unit: String,
    year: String,
    confidence: String,
    source: String,
}

#[derive(Serialize)]
struct FileRow {
    scenario: String,
    path: String,
    sha256: String,
}

/// A dotted key, HTML-escaped, with a line-break opportunity after each dot so long keys wrap
/// in narrow columns without changing what is copied.
fn breakable_key(key: &str) -> Value {
    let escaped = key.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    Value::from_safe_string(escaped.replace('.', ".<wbr>"))
}

/// The comparison's window label and rows, when the folder is a comparison.
fn comparison_parts(folder: &RunFolder) -> Option<(String, &str, &[String], &[ComparisonPoint])> {
    folder.comparison.as_ref().map(|(m, rows)| {
        (
            period_label(m.window.0, m.window.1),
            m.base.as_str(),
            m.options.as_slice(),
            rows.as_slice(),
        )
    })
}

/// `avoids 105 emergency admissions (95% interval 58 to 178)`, or with the negative verb and
/// the interval turned round when the mean is below zero (`costs £8k after its running costs
/// (95% interval −£163k to £167k)`), so the words and the numbers always agree.
fn signed(r: &ComparisonPoint, positive: &str, negative: &str, what: &str, f: &dyn Fn(f64) -> String) -> String {
    let (verb, mean, lo, hi) = if r.mean >= 0.0 {
        (positive, r.mean, r.lo, r.hi)
    } else {
        (negative, -r.mean, -r.hi, -r.lo)
    };
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" {what}")
    };
    if lo.is_finite() && hi.is_finite() {
        format!("{verb} {}{what} (95% interval {} to {})", f(mean), f(lo), f(hi))
    } else {
        format!("{verb} {}{what}", f(mean))
    }
}

/// Headline sentences: per option against the base for a comparison, per scenario otherwise.
fn headline(folder: &RunFolder) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((window, base, options, _)) = comparison_parts(folder) {
        let get = |o: &str, kind: &str, m: &str| folder.comparison_row(o, kind, m, "all", &window);
        if let Some(r) = get(base, "level", "admissions_per_1000") {
            let gap = get(base, "level", "life_expectancy_at_birth_male_gap_abs");
            let gap_f = get(base, "level", "life_expectancy_at_birth_female_gap_abs");
            out.push(format!(
                "Under {base}, {} emergency admissions per 1,000 residents a year over {window}{}.",
                decimals(1)(r.mean),
                match (gap, gap_f) {
                    (Some(m), Some(f)) => format!(
                        "; life expectancy at birth is {} years lower for men and {} years lower for women in the most deprived fifth of the borough than in the least deprived",
                        decimals(1)(m.mean),
                        decimals(1)(f.mean)
                    ),
                    _ => String::new(),
                }
            ));
        }
        for o in options {
            let mut parts = Vec::new();
            if let Some(a) = get(o, "vs_base", "admissions_avoided") {
                parts.push(signed(a, "avoids", "adds", "emergency admissions", &count));
            }
            if let Some(n) = get(o, "vs_base", "net_saving") {
                parts.push(signed(n, "saves", "costs", "after its running costs", &money));
            }
            // The bridge in one clause: what the services would claim, and what is cash.
            if let (Some(claim), Some(cash)) = (
                get(o, "vs_base", "bridge_claim_counted"),
                get(o, "vs_base", "bridge_cash_releasing_net_saving"),
            ) {
                if claim.mean.is_finite() && cash.mean.is_finite() {
                    parts.push(format!(
                        "a claim from its services' own count would be {} net, while in cash the commissioner {} (see From claim to model)",
                        money(claim.mean),
                        signed(cash, "saves", "loses", "", &money)
                    ));
                }
            }
            if let Some(r) = get(o, "vs_base", "return_per_pound") {
                if r.mean.is_finite() {
                    parts.push(format!(
                        "returns {} in downstream savings per extra £1 spent",
                        pounds_pence(r.mean)
                    ));
                }
            }
            if let Some(g) = folder.comparison_row(o, "difference", "admissions_per_1000_gap_abs", "all", &window) {
                let crosses = g.lo <= 0.0 && g.hi >= 0.0;
                parts.push(format!(
                    "the admission-rate gap between the most and least deprived fifths {}{}",
                    signed(g, "widens by", "narrows by", "per 1,000", &decimals(2)),
                    if crosses {
                        " (an interval that includes no change)"
                    } else {
                        ""
                    }
                ));
            }
            if let Some(q) = get(o, "vs_base", "qalys_gained_discounted") {
                parts.push(signed(q, "gains", "loses", "discounted QALYs", &decimals(1)));
            }
            if let (Some(c), Some(q)) = (
                get(o, "vs_base", "net_saving_discounted"),
                get(o, "vs_base", "qalys_gained_discounted"),
            ) {
                parts.push(super::compare::icer_words(-c.mean, q.mean));
            }
            if !parts.is_empty() {
                out.push(format!(
                    "{o}, compared with {base} over {window}: {}.",
                    parts.join("; ")
                ));
            }
        }
    } else {
        for s in &folder.scenarios {
            let last = folder
                .summary
                .iter()
                .rfind(|r| r.scenario == s.name && r.metric == "emergency_admissions" && r.period.starts_with("FY"));
            if let Some(r) = last {
                out.push(format!(
                    "{}: {} emergency admissions in {} (95% interval {} to {}).",
                    s.name,
                    count(r.mean),
                    r.period,
                    count(r.lo),
                    count(r.hi)
                ));
            }
        }
    }
    out
}

/// The comparison table: one column per option.
fn comparison_table(folder: &RunFolder) -> Option<ComparisonTable> {
    let (window, base, options, _) = comparison_parts(folder)?;
    type Fmt = Box<dyn Fn(f64) -> String>;
    let measures: Vec<(&str, &str, &str, Fmt)> = vec![
        (
            "Emergency admissions avoided",
            "vs_base",
            "admissions_avoided",
            Box::new(count),
        ),
        (
            "Admissions avoided per 1,000 person-years",
            "vs_base",
            "admissions_avoided_per_1000",
            Box::new(decimals(2)),
        ),
        ("Extra spent on services", "vs_base", "investment", Box::new(money)),
        (
            "Downstream saving (acute, primary and social care)",
            "vs_base",
            "downstream_saving",
            Box::new(money),
        ),
        (
            "Net saving (negative = net cost)",
            "vs_base",
            "net_saving",
            Box::new(money),
        ),
        (
            "Return per extra £1 spent",
            "vs_base",
            "return_per_pound",
            Box::new(pounds_pence),
        ),
        (
            "Net saving, discounted",
            "vs_base",
            "net_saving_discounted",
            Box::new(money),
        ),
        (
            "QALYs gained, discounted",
            "vs_base",
            "qalys_gained_discounted",
            Box::new(decimals(1)),
        ),
        (
            "Cost per QALY gained (ICER; see the verdict below)",
            "vs_base",
            "icer",
            Box::new(money),
        ),
        (
            "Net monetary benefit at £20,000 per QALY",
            "vs_base",
            "nmb_20000",
            Box::new(money),
        ),
        (
            "Change in admission-rate gap, most vs least deprived fifth (per 1,000)",
            "difference",
            "admissions_per_1000_gap_abs",
            Box::new(decimals(2)),
        ),
        (
            "Change in slope index of inequality, admissions (per 1,000)",
            "difference",
            "admissions_per_1000_sii",
            Box::new(decimals(2)),
        ),
        (
            "Change in life-expectancy gap, men (years)",
            "difference",
            "life_expectancy_at_birth_male_gap_abs",
            Box::new(decimals(2)),
        ),
        (
            "Change in life-expectancy gap, women (years)",
            "difference",
            "life_expectancy_at_birth_female_gap_abs",
            Box::new(decimals(2)),
        ),
    ];
    let rows = measures
        .into_iter()
        .map(|(label, kind, metric, f)| TableRow {
            label: label.to_string(),
            cells: options
                .iter()
                .map(|o| {
                    folder
                        .comparison_row(o, kind, metric, "all", &window)
                        .map_or_else(|| "n/a".to_string(), |r| with_interval(r.mean, r.lo, r.hi, &*f))
                })
                .collect(),
        })
        .collect();
    let mut rows: Vec<TableRow> = rows;
    rows.push(TableRow {
        label: "Cost-effectiveness verdict (discounted)".into(),
        cells: options
            .iter()
            .map(|o| {
                let c = folder.comparison_row(o, "vs_base", "net_saving_discounted", "all", &window);
                let q = folder.comparison_row(o, "vs_base", "qalys_gained_discounted", "all", &window);
                match (c, q) {
                    (Some(c), Some(q)) => super::compare::icer_words(-c.mean, q.mean),
                    _ => "n/a".into(),
                }
            })
            .collect(),
    });
    Some(ComparisonTable {
        options: options.to_vec(),
        rows,
        note: format!(
            "Each option against {base} over {window}, summed over the window unless stated. Mean and 95% interval of the differences paired by replicate (common random numbers). Money at {} prices; discounted figures at the place's rate. Gap changes: negative = the gap narrows. Ratios (return per £1, ICER) are ratios of means. Full table: comparison.csv.",
            folder.manifest["price_base"].as_str().unwrap_or("the place's")
        ),
    })
}

/// The claim-to-model bridge as a table: one row per step ([`crate::analysis::bridge::STEPS`]),
/// one column per option.
fn bridge_table(folder: &RunFolder) -> Option<ComparisonTable> {
    use crate::analysis::bridge::{StepKind, STEPS};
    let (window, base, options, _) = comparison_parts(folder)?;
    let (meta, _) = folder.comparison.as_ref()?;
    // Folders written before the bridge have no bridge rows: no section.
    folder.comparison_row(&options[0], "vs_base", STEPS[0].metric, "all", &window)?;
    let rows = STEPS
        .iter()
        .map(|step| TableRow {
            label: match step.kind {
                StepKind::Total => step.label.to_string(),
                StepKind::Delta => format!("→ {}", step.label),
            },
            cells: options
                .iter()
                .map(|o| {
                    folder
                        .comparison_row(o, "vs_base", step.metric, "all", &window)
                        .map_or_else(|| "n/a".to_string(), |r| with_interval(r.mean, r.lo, r.hi, &money))
                })
                .collect(),
        })
        .collect();
    let share = meta
        .cash_releasing_share
        .map_or_else(|| "the place file's share".to_string(), |v| format!("{v}"));
    Some(ComparisonTable {
        options: options.to_vec(),
        rows,
        note: format!(
            "Why a service's own evaluation and the model disagree: each option against {base} over {window}, undiscounted, at {} prices, paired by replicate. A counted-activity claim values what the services count as avoided (LIFE's diversions, the expected crises avoided, discharge-to-assess bed days) at full unit cost; a before/after claim credits the option with the fall in its acute hospital cost from {} (held flat over the window). Both add one package-year of home care per reablement client leaving without a package and subtract what the capacity actually used costs to run. Each claim's own step (attribution; trend and demography) brings it to the paired acute saving; care packages, idle capacity (places paid for and not used) and other care bring it to the modelled net saving; only a share ({share}) of an acute saving at full unit cost stops being paid by the commissioner (the marginal rate rule paid 70% above a baseline in 2018/19; under the blended payment from 2019/20, 20% of the price is paid or refunded for activity above or below plan), which gives the cash-releasing net saving. Rows bridge_* of comparison.csv; chart claim_to_model_bridge.",
            folder.manifest["price_base"].as_str().unwrap_or("the place's"),
            crate::calendar::financial_year_label(meta.window.0 - 1),
        ),
    })
}

fn targets_table(folder: &RunFolder) -> Option<Targets> {
    let targets = folder.targets.as_ref()?;
    let rows = targets
        .iter()
        .map(|t| TargetView {
            name: t.name.clone(),
            period: t.period.clone(),
            observed: plain(t.observed),
            band: format!("{} to {}", plain(t.lo), plain(t.hi)),
            simulated: with_interval(t.sim_mean, t.sim_lo, t.sim_hi, &plain),
            result: if t.pass { "pass".into() } else { "fail".into() },
            class: if t.pass { "pass".into() } else { "fail".into() },
        })
        .collect::<Vec<_>>();
    let passed = targets.iter().filter(|t| t.pass).count();
    Some(Targets {
        note: format!(
            "{passed} of {} targets pass, evaluated on {} in this run (data/targets.toml; definitions and sources in targets.csv and docs/validation.md §10).",
            targets.len(),
            folder.scenarios[0].name
        ),
        rows,
    })
}

fn localities_table(folder: &RunFolder) -> Localities {
    let names = folder.scenario_names();
    match comparison_parts(folder) {
        Some((window, base, options, _)) => {
            let mut header = vec![format!("{base} (per 1,000)")];
            header.extend(options.iter().map(|o| format!("{o}: change")));
            let rows = folder
                .localities
                .iter()
                .map(|l| {
                    let mut cells = vec![folder
                        .comparison_row(base, "level", "admissions_per_1000", l, &window)
                        .map_or("n/a".into(), |r| with_interval(r.mean, r.lo, r.hi, &decimals(1)))];
                    cells.extend(options.iter().map(|o| {
                        folder
                            .comparison_row(o, "difference", "admissions_per_1000", l, &window)
                            .map_or("n/a".into(), |r| with_interval(r.mean, r.lo, r.hi, &decimals(2)))
                    }));
                    LocalityRow {
                        name: folder.locality_name(l),
                        cells,
                    }
                })
                .collect();
            Localities {
                header,
                rows,
                note: format!(
                    "Emergency admissions per 1,000 person-years over {window}: the base's level and each option's paired change (negative = fewer admissions)."
                ),
            }
        }
        None => {
            let last = folder
                .series
                .iter()
                .filter(|p| p.metric == "admissions_per_1000" && p.group == "fifth_1")
                .max_by_key(|p| p.start)
                .map(|p| (p.start.financial_year(), p.period.clone()));
            let rows = folder
                .localities
                .iter()
                .map(|l| LocalityRow {
                    name: folder.locality_name(l),
                    cells: names
                        .iter()
                        .map(|n| {
                            // Mean of the quarterly rates within the last financial year.
                            let pts: Vec<f64> = folder
                                .series_of(n, "admissions_per_1000", l, "quarter")
                                .into_iter()
                                .filter(|p| Some(p.start.financial_year()) == last.as_ref().map(|x| x.0))
                                .map(|p| p.mean)
                                .collect();
                            if pts.is_empty() {
                                "n/a".into()
                            } else {
                                decimals(1)(pts.iter().sum::<f64>() / pts.len() as f64)
                            }
                        })
                        .collect(),
                })
                .collect();
            Localities {
                header: names.iter().map(|n| format!("{n} (per 1,000)")).collect(),
                rows,
                note: format!(
                    "Emergency admissions per 1,000 person-years in {} (mean of its quarters; intervals by quarter in series.csv).",
                    last.map(|x| x.1).unwrap_or_default()
                ),
            }
        }
    }
}

/// Each service's occupancy and each queue's mean wait in one financial year (the last of the
/// comparison's window, or of the run), a column per scenario; the years before are in the
/// charts and `series.csv`.
fn service_use_table(folder: &RunFolder) -> Localities {
    let names = folder.scenario_names();
    let year = match &folder.comparison {
        Some((m, _)) => Some(m.window.1),
        None => folder
            .series
            .iter()
            .filter(|p| p.resolution == "year" && p.metric.ends_with("_occupancy"))
            .map(|p| p.start.financial_year())
            .max(),
    };
    let mut rows = Vec::new();
    for u in service_use(&folder.catalog) {
        for (name, unit) in u.series() {
            let occupancy = name.ends_with("_occupancy");
            let cells = names
                .iter()
                .map(|n| {
                    folder
                        .series_of(n, &name, "all", "year")
                        .into_iter()
                        .find(|p| Some(p.start.financial_year()) == year)
                        .filter(|p| p.mean.is_finite())
                        .map_or("n/a".into(), |p| {
                            if occupancy {
                                with_interval(100.0 * p.mean, 100.0 * p.lo, 100.0 * p.hi, &|x| format!("{x:.0}%"))
                            } else {
                                with_interval(p.mean, p.lo, p.hi, &decimals(1))
                            }
                        })
                })
                .collect();
            rows.push(LocalityRow {
                name: if occupancy {
                    format!("{}: occupancy", u.label)
                } else if name.ends_with("_delay_days") {
                    format!("{}: mean delay ({unit})", u.label)
                } else {
                    format!("{}: mean wait ({unit})", u.label)
                },
                cells,
            });
        }
    }
    Localities {
        header: names.iter().map(|n| (*n).to_string()).collect(),
        rows,
        note: format!(
            "Whole borough in {}. Occupancy: capacity used ÷ capacity staffed (caseload ÷ places, or starts ÷ slots); capacity left idle is still paid for. Mean wait by Little's law: mean number waiting ÷ number leaving the list a week (taken on or lapsed; an upper bound where people also leave by admission or death). Discharge delay: bed days spent fit for discharge ÷ discharges to reablement, a package or a care home. Each year is in the charts service_occupancy and waiting_times and in series.csv.",
            year.map_or_else(|| "the last year".to_string(), crate::calendar::financial_year_label)
        ),
    }
}

#[derive(Serialize)]
struct BelieveView {
    lede: Vec<String>,
    effects: Vec<Vec<String>>,
    claims: Vec<Vec<String>>,
}

/// The "what you would have to believe" section of a folder written by `placesim believe`:
/// a sentence per fit, the effects each fit needs against their evidence, and the claims.
fn believe_view(folder: &RunFolder) -> Option<BelieveView> {
    use super::targets::pretty;
    let (rows, claims) = folder.believe.as_ref()?;
    let fit_name = |fit: &str, label: &str| match fit {
        "as_modelled" => "As modelled".to_string(),
        "joint" => "All effects together".to_string(),
        _ => format!("{label} alone"),
    };
    let evidence = |r: &super::read::BeliefRow| {
        if r.evidence.0.is_finite() {
            format!(
                "{} to {}, central {}",
                pretty(r.evidence.0),
                pretty(r.evidence.2),
                pretty(r.evidence.1)
            )
        } else {
            "none in the place file".into()
        }
    };
    let mut lede = Vec::new();
    let mut fits: Vec<&str> = Vec::new();
    for r in rows {
        if !fits.contains(&r.fit.as_str()) {
            fits.push(&r.fit);
        }
    }
    for fit in &fits {
        let these: Vec<&super::read::BeliefRow> = rows
            .iter()
            .filter(|r| r.fit == *fit && (r.moved || *fit == "as_modelled"))
            .collect();
        let label = these.first().map_or("", |r| r.label.as_str());
        let needs: Vec<String> = these
            .iter()
            .map(|r| {
                let verdict = match r.within {
                    Some(true) => format!(" (within its evidence, {})", evidence(r)),
                    Some(false) => format!(" (outside its evidence, {})", evidence(r)),
                    None => " (no evidence range in the place file)".into(),
                };
                format!("{} = {}{verdict}", r.label, pretty(r.value))
            })
            .collect();
        let reproduced = these.first().is_some_and(|r| r.reproduced);
        let verdict = match (reproduced, *fit == "as_modelled") {
            (true, _) => "reproduces the claims with",
            (false, true) => "does not reproduce the claims, with",
            (false, false) => "does not reproduce the claims; the closest fit has",
        };
        lede.push(format!("{}: {verdict} {}.", fit_name(fit, label), needs.join("; ")));
    }
    let effects = rows
        .iter()
        .filter(|r| r.moved || r.fit == "as_modelled")
        .map(|r| {
            vec![
                fit_name(&r.fit, &r.label),
                r.label.clone(),
                pretty(r.value),
                evidence(r),
                match r.within {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => "n/a".into(),
                },
                if r.reproduced { "yes".into() } else { "no".into() },
            ]
        })
        .collect();
    let claim_rows = claims
        .iter()
        .map(|c| {
            let label = rows
                .iter()
                .find(|r| r.fit == c.fit && r.moved)
                .map_or(String::new(), |r| r.label.clone());
            vec![
                fit_name(&c.fit, &label),
                c.name.clone(),
                format!(
                    "{} ({} to {})",
                    pretty(c.claimed.0),
                    pretty(c.claimed.1),
                    pretty(c.claimed.2)
                ),
                with_interval(c.simulated.0, c.simulated.1, c.simulated.2, &|x| pretty(x)),
                if c.reproduced { "yes".into() } else { "no".into() },
            ]
        })
        .collect();
    Some(BelieveView {
        lede,
        effects,
        claims: claim_rows,
    })
}

/// Renders the report of `folder` with the charts of `plots` (their SVG files inlined).
pub fn render_report(folder: &RunFolder, plots: &PlotSet) -> Result<String, OutputError> {
    let draw_err = |message: String| OutputError::Draw {
        what: "report.html".into(),
        message,
    };
    let mut charts = Vec::new();
    for c in &plots.charts {
        let start = c.svg_text.find("<svg").unwrap_or(0);
        charts.push(ChartView {
            name: c.name.to_string(),
            title: c.title.clone(),
            svg: Value::from_safe_string(c.svg_text[start..].to_string()),
        });
    }
    let m = &folder.manifest;
    let names = folder.scenario_names();
    let mut keys: Vec<String> = Vec::new();
    for s in &folder.scenarios {
        for (k, _) in &s.parameters {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let parameters: Vec<Parameter> = keys
        .into_iter()
        .map(|k| Parameter {
            values: folder
                .scenarios
                .iter()
                .map(|s| {
                    s.parameters
                        .iter()
                        .find(|(kk, _)| *kk == k)
                        .map_or("n/a".into(), |(_, v)| v.clone())
                })
                .collect(),
            key: breakable_key(&k),
        })
        .collect();
    let assumptions: Vec<Assumption> = folder
        .assumptions
        .iter()
        .map(|a| Assumption {
            key: breakable_key(&a.key),
            value: a.value.clone(),
            unit: a.unit.clone(),
            year: a.year.clone(),
            confidence: a.confidence.clone(),
            source: a.source.clone(),
        })
        .collect();
    let files: Vec<FileRow> = folder
        .scenarios
        .iter()
        .flat_map(|s| {
            s.files.iter().map(|(p, h)| FileRow {
                scenario: s.name.clone(),
                path: p.clone(),
                sha256: h.clone(),
            })
        })
        .collect();
    let command_line = m["command_line"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let place = m["scenarios"][0]["place"]["origin"].as_str().unwrap_or("?").to_string()
        + " (sha256 "
        + m["scenarios"][0]["place"]["sha256"].as_str().unwrap_or("?")
        + ")";
    let data_files = m["outputs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["file"].as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let (title, lede) = match comparison_parts(folder) {
        Some((window, base, options, _)) => (
            format!("Options appraisal: {} against {base}", options.join(", ")),
            format!(
                "placesim comparison of {} option{} with {base}, appraisal window {window}, {} replicates per scenario on common random numbers.",
                options.len(),
                if options.len() == 1 { "" } else { "s" },
                m["replicates"]
            ),
        ),
        None => (
            format!("Scenario run: {}", names.join(", ")),
            format!("placesim run of {} scenario(s), {} replicates each.", names.len(), m["replicates"]),
        ),
    };
    let declared_services = folder
        .catalog
        .custom_services()
        .iter()
        .map(|s| format!("{} ({})", s.label, s.key))
        .collect::<Vec<_>>()
        .join(", ");
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| draw_err(e.to_string()))?;
    let tmpl = env.get_template("report.html").map_err(|e| draw_err(e.to_string()))?;
    let skipped: Vec<Skipped> = plots
        .skipped
        .iter()
        .map(|(n, r)| Skipped {
            name: (*n).to_string(),
            reason: r.clone(),
        })
        .collect();
    tmpl.render(context! {
        title,
        lede,
        version => m["placesim_version"].as_str().unwrap_or("?"),
        git_commit => m["git_commit"].as_str(),
        seed => m["seed"].to_string(),
        replicates => m["replicates"].to_string(),
        started => m["started_utc"].as_str().unwrap_or("?"),
        command_line,
        place,
        data_files,
        headline => headline(folder),
        statistics_note => "Every figure is the mean across replicates with its equal-tailed 95% interval (2.5th to 97.5th percentile); intervals show the model's stochastic uncertainty at the stated parameters, not uncertainty in the parameters themselves.",
        comparison => comparison_table(folder),
        bridge => bridge_table(folder),
        charts,
        skipped,
        targets => targets_table(folder),
        localities => localities_table(folder),
        service_use => service_use_table(folder),
        believe => believe_view(folder),
        scenario_names => names,
        parameters,
        declared_services,
        assumptions,
        files,
    })
    .map_err(|e| draw_err(e.to_string()))
}

/// Writes `report.html` into `dir` atomically (a temporary file renamed into place).
pub fn write_report(folder: &RunFolder, plots: &PlotSet, dir: &Path) -> Result<std::path::PathBuf, OutputError> {
    let html = render_report(folder, plots)?;
    let path = dir.join("report.html");
    super::targets::write_text_atomic(&path, &html)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::plot::{tests::folder, write_plots};

    fn report(comparison: bool) -> String {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(comparison, true);
        let plots = write_plots(&f, &dir.path().join("plots")).unwrap();
        // minijinja escapes `/` in text as `&#x2f;`; read it back as the browser shows it.
        render_report(&f, &plots).unwrap().replace("&#x2f;", "/")
    }

    #[test]
    fn the_report_is_one_self_contained_page_with_every_section() {
        let html = report(true);
        for heading in [
            "id=\"summary\"",
            "id=\"comparison\"",
            "id=\"bridge\"",
            "id=\"charts\"",
            "id=\"calibration\"",
            "id=\"localities\"",
            "id=\"capacity\"",
            "id=\"assumptions\"",
            "id=\"reproducibility\"",
        ] {
            assert!(html.contains(heading), "missing {heading}");
        }
        // Charts are inline SVG; nothing is fetched and nothing runs.
        assert_eq!(html.matches("<svg").count(), 14);
        assert!(!html.contains("<script"));
        assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
        assert!(!html.contains("<?xml"));
        // Scenario names are escaped where they are text.
        assert!(html.contains("base &lt;plan&gt;"));
        // The headline states the option's result with its interval, in words.
        assert!(
            html.contains("avoids 250 emergency admissions (95% interval 249 to 251)"),
            "{html}"
        );
        assert!(html.contains("costs £200k after its running costs (95% interval £200k to £200k)"));
        assert!(html.contains("narrows by 0.40 per 1,000"));
        // The bridge table: a step per row, money with its interval, the share in the note.
        assert!(html.contains("→ attribution of counted patients"));
        assert!(
            html.contains("own count would be £3.0m net, while in cash the commissioner loses £500k (95% interval £500k to £500k)"),
            "{html}"
        );
        assert!(
            html.contains("Counted-activity claim</td><td class=\"num\">£3.0m"),
            "{html}"
        );
        assert!(html.contains("only a share (0.7)"));
    }

    #[test]
    fn a_run_folder_report_has_no_comparison_section_but_says_why_charts_are_missing() {
        let html = report(false);
        assert!(!html.contains("id=\"comparison\"") && !html.contains("id=\"bridge\""));
        assert!(html.contains("Not drawn:") && html.contains("needs a comparison folder"));
        assert!(html.contains("38,000 emergency admissions in FY2020/21"));
    }
}
