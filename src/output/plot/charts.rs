//! The charts of a run folder, described as data from its tidy files.

use super::{BarSeries, Chart, Layer, LegendEntry, LegendMark, Panel, PanelBody, TargetRow, TimeLine, WaterfallRow};
use crate::analysis::compare::period_label;
use crate::analysis::series::service_use;
use crate::calendar::{financial_year_label, Date};
use crate::output::read::{RunFolder, SeriesPoint};
use crate::results::catalog::{CustomMetric, ServiceId};

/// Decimal year of a date (2019-07-02 → 2019.5).
fn decimal_year(d: Date) -> f64 {
    let (y, _, _) = d.ymd();
    let jan1 = Date::from_ymd(y, 1, 1).map_or(d.days(), Date::days);
    f64::from(y) + f64::from(d.days() - jan1) / 365.25
}

/// Label of a local deprivation fifth (`fifth_1` → `1 (most deprived)`).
fn fifth_label(f: usize) -> String {
    match f {
        1 => "1 (most)".into(),
        5 => "5 (least)".into(),
        _ => f.to_string(),
    }
}

/// Shared context: scenario legend, milestones and the subtitle.
struct Ctx<'a> {
    folder: &'a RunFolder,
    names: Vec<&'a str>,
    replicates: u64,
    price_base: String,
    /// (decimal year, tag) of each distinct milestone, and the key lines.
    markers: Vec<(f64, String)>,
    milestone_notes: Vec<String>,
}

impl<'a> Ctx<'a> {
    fn new(folder: &'a RunFolder) -> Ctx<'a> {
        let names = folder.scenario_names();
        let mut distinct: Vec<(Date, String, Vec<&str>)> = Vec::new();
        for s in &folder.scenarios {
            for (label, date) in &s.milestones {
                match distinct.iter_mut().find(|(d, l, _)| d == date && l == label) {
                    Some(entry) => entry.2.push(&s.name),
                    None => distinct.push((*date, label.clone(), vec![&s.name])),
                }
            }
        }
        distinct.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut markers: Vec<(f64, String)> = Vec::new();
        let mut items = Vec::new();
        for (i, (date, label, who)) in distinct.iter().enumerate() {
            let tag = (i + 1).to_string();
            let x = decimal_year(*date);
            // Changes on the same day share one line, tagged `1,2`.
            match markers.last_mut() {
                Some((lx, ltag)) if (*lx - x).abs() < 1e-9 => {
                    ltag.push(',');
                    ltag.push_str(&tag);
                }
                _ => markers.push((x, tag.clone())),
            }
            let only = if who.len() < names.len() {
                format!(" ({} only)", who.join(", "))
            } else {
                String::new()
            };
            items.push(format!("{tag} {label} {date}{only}"));
        }
        let mut milestone_notes = Vec::new();
        let mut line = String::from("Service dates: ");
        for item in items {
            if line.len() + item.len() > 150 {
                milestone_notes.push(line.trim_end_matches(" · ").to_string());
                line = String::from("   ");
            }
            line.push_str(&item);
            line.push_str(" · ");
        }
        if !distinct.is_empty() {
            milestone_notes.push(line.trim_end_matches(" · ").to_string());
        }
        Ctx {
            folder,
            names,
            replicates: folder.manifest["replicates"].as_u64().unwrap_or(0),
            price_base: folder.manifest["price_base"].as_str().unwrap_or("unknown").to_string(),
            markers,
            milestone_notes,
        }
    }

    fn legend(&self, mark: LegendMark) -> Vec<LegendEntry> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| LegendEntry {
                label: (*n).to_string(),
                colour: i,
                mark,
            })
            .collect()
    }

    fn subtitle(&self, what: &str) -> String {
        format!("{what}; mean across {} replicates with 95% interval", self.replicates)
    }

    fn footer(&self) -> String {
        format!(
            "placesim {} · seed {} · run started {}",
            self.folder.manifest["placesim_version"].as_str().unwrap_or("?"),
            self.folder.manifest["seed"],
            self.folder.manifest["started_utc"].as_str().unwrap_or("?")
        )
    }

    /// One bar series per scenario, in the scenario's colour.
    fn bars(&self, values: impl Fn(&str) -> Vec<(f64, f64, f64)>) -> Vec<BarSeries> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| BarSeries {
                colour: i,
                values: values(n),
            })
            .collect()
    }

    /// One line per scenario of a series.
    fn lines(&self, metric: &str, group: &str, resolution: &str) -> Vec<TimeLine> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| TimeLine {
                colour: i,
                points: to_points(&self.folder.series_of(n, metric, group, resolution)),
            })
            .collect()
    }

    /// A panel with one line per scenario of a quarterly series (`group` all or a locality)
    /// or a yearly one (`group` a fifth, or a slope index).
    fn time_panel(&self, title: String, y_label: &str, metric: &str, group: &str, zero: bool) -> Panel {
        let resolution = if group.starts_with("fifth_") || metric.ends_with("_sii") {
            "year"
        } else {
            "quarter"
        };
        Panel {
            title,
            x_label: "Year".into(),
            y_label: y_label.into(),
            body: PanelBody::Time {
                lines: self.lines(metric, group, resolution),
                markers: self.markers.clone(),
                zero_line: zero,
            },
        }
    }

    /// A panel with one line per scenario of a series per financial year (`group` all or a
    /// locality); the y axis starts at zero.
    fn year_panel(&self, title: String, y_label: &str, metric: &str, group: &str) -> Panel {
        Panel {
            title,
            x_label: "Year".into(),
            y_label: y_label.into(),
            body: PanelBody::Time {
                lines: self.lines(metric, group, "year"),
                markers: self.markers.clone(),
                zero_line: true,
            },
        }
    }

    /// Footnotes of a chart over time: `extra`, the key to the milestone lines, the footer.
    fn notes(&self, extra: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = extra.iter().map(|s| (*s).to_string()).collect();
        v.extend(self.milestone_notes.iter().cloned());
        v.push(self.footer());
        v
    }

    /// Footnotes of a chart with no time axis: `extra` and the footer.
    fn plain_notes(&self, extra: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = extra.iter().map(|s| (*s).to_string()).collect();
        v.push(self.footer());
        v
    }

    fn bar_subtitle(&self, what: &str) -> String {
        format!(
            "{what}: mean across {} replicates; whiskers: 95% interval",
            self.replicates
        )
    }
}

fn to_points(points: &[&SeriesPoint]) -> Vec<(f64, f64, f64, f64)> {
    points
        .iter()
        .map(|p| {
            // Quarterly points sit mid-quarter, yearly points mid-year.
            let mid = if p.resolution == "quarter" { 6.5 * 7.0 } else { 182.0 };
            (decimal_year(p.start) + mid / 365.25, p.mean, p.lo, p.hi)
        })
        .collect()
}

/// Every chart the folder supports, and the ones it cannot draw with the reason.
pub fn charts(folder: &RunFolder) -> (Vec<Chart>, Vec<(&'static str, String)>) {
    let ctx = Ctx::new(folder);
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let rate = "per 1,000 person-years";

    out.push(Chart {
        name: "admissions_per_1000",
        title: "Emergency admissions per 1,000 residents".into(),
        subtitle: ctx.subtitle("Whole borough, by financial quarter, annualised"),
        legend: ctx.legend(LegendMark::Line),
        panels: vec![ctx.time_panel("All residents".into(), rate, "admissions_per_1000", "all", false)],
        cols: 1,
        panel_height: 440.0,
        footnotes: ctx.notes(&["Numbered lines mark service changes (key below)."]),
    });

    out.push(Chart {
        name: "admissions_per_1000_by_locality",
        title: "Emergency admissions per 1,000 residents, by locality".into(),
        subtitle: ctx.subtitle("By financial quarter, annualised"),
        legend: ctx.legend(LegendMark::Line),
        panels: folder
            .localities
            .iter()
            .map(|l| ctx.time_panel(folder.locality_name(l), rate, "admissions_per_1000", l, false))
            .collect(),
        cols: 3,
        panel_height: 280.0,
        footnotes: ctx.notes(&[]),
    });

    out.push(Chart {
        name: "admissions_per_1000_by_deprivation",
        title: "Emergency admissions per 1,000 residents, by deprivation fifth".into(),
        subtitle: ctx.subtitle("By financial year; fifths of the borough's residents ranked by IMD 2019"),
        legend: ctx.legend(LegendMark::Line),
        panels: (1..=5)
            .map(|f| {
                ctx.time_panel(
                    match f {
                        1 => "Fifth 1 (most deprived)".to_string(),
                        5 => "Fifth 5 (least deprived)".to_string(),
                        _ => format!("Fifth {f}"),
                    },
                    rate,
                    "admissions_per_1000",
                    &format!("fifth_{f}"),
                    false,
                )
            })
            .collect(),
        cols: 3,
        panel_height: 280.0,
        footnotes: ctx.notes(&[]),
    });

    out.push(inequality_bars(&ctx));

    out.push(Chart {
        name: "inequality_sii_over_time",
        title: "Slope index of inequality over time".into(),
        subtitle: ctx.subtitle(
            "Gap across the borough's deprivation deciles, from most to least deprived (SII; 0 = no gradient)",
        ),
        legend: ctx.legend(LegendMark::Line),
        panels: vec![
            ctx.time_panel(
                "Emergency admissions".into(),
                rate,
                "admissions_per_1000_sii",
                "all",
                true,
            ),
            ctx.time_panel(
                "Life expectancy at birth, men".into(),
                "years",
                "life_expectancy_at_birth_male_sii",
                "all",
                true,
            ),
            ctx.time_panel(
                "Life expectancy at birth, women".into(),
                "years",
                "life_expectancy_at_birth_female_sii",
                "all",
                true,
            ),
        ],
        cols: 3,
        panel_height: 320.0,
        footnotes: ctx.notes(&["Positive = the most deprived fare worse. Single-year life expectancy by decile is noisy; the comparison table pools the appraisal window."]),
    });

    out.push(costs_chart(&ctx));

    match folder.comparison {
        Some(_) => {
            out.push(cumulative_saving(&ctx));
            out.push(return_per_pound(&ctx));
            out.push(bridge_chart(&ctx));
        }
        None => {
            let why = "needs a comparison folder (placesim compare)".to_string();
            skipped.push(("cumulative_net_saving", why.clone()));
            skipped.push(("return_per_pound", why.clone()));
            skipped.push(("claim_to_model_bridge", why));
        }
    }

    let flow = |metric: &str, title: &str, unit: &str| (metric.to_string(), title.to_string(), unit.to_string());
    // Each declared service's series (see `analysis::series`): its caseload, its waiting list.
    let custom = |which: CustomMetric, title: &dyn Fn(&str) -> String| {
        folder
            .catalog
            .custom_services()
            .iter()
            .enumerate()
            .map(|(j, svc)| {
                let m = &folder.catalog.metrics()[folder.catalog.custom_metric(j, which)];
                flow(&m.name, &title(&svc.label), m.unit)
            })
            .collect::<Vec<_>>()
    };
    for (name, title, subtitle, mut items, declared) in [
        (
            "service_flows",
            "Service activity",
            "Whole borough, by financial quarter: counts in the quarter, caseloads as mean weekly level",
            vec![
                flow("life_referrals", "LIFE referrals", "referrals per quarter"),
                flow(
                    "admissions_avoided_life",
                    "Admissions avoided by LIFE liaison",
                    "admissions per quarter",
                ),
                flow(
                    "reablement_no_package",
                    "Reablement ending with no care package",
                    "episodes per quarter",
                ),
                flow("huddle_caseload", "Huddle caseload", "persons"),
                flow("pic_caseload", "PIC caseload", "persons"),
                flow("social_prescribing_active", "Social prescribing, active", "persons"),
            ],
            custom(CustomMetric::Caseload, &|label| format!("{label}, supported")),
        ),
        (
            "waiting_lists",
            "Waiting lists",
            "Whole borough, mean weekly number waiting in each financial quarter",
            vec![
                flow("huddle_waiting", "Flagged for a huddle review", "persons"),
                flow("pic_waiting", "Waiting for a PIC", "persons"),
                flow(
                    "social_prescribing_waiting",
                    "Waiting for social prescribing",
                    "persons",
                ),
                flow(
                    "reablement_waiting",
                    "Inpatients waiting for LIFE reablement",
                    "persons",
                ),
                flow(
                    "care_package_waiting",
                    "Inpatients waiting for a care package",
                    "persons",
                ),
                flow("care_home_waiting", "Inpatients waiting for a care home", "persons"),
            ],
            custom(CustomMetric::Waiting, &|label| format!("Waiting for {label}")),
        ),
    ] {
        items.extend(declared);
        out.push(Chart {
            name,
            title: title.into(),
            subtitle: ctx.subtitle(subtitle),
            legend: ctx.legend(LegendMark::Line),
            panels: items
                .into_iter()
                .map(|(metric, title, unit)| ctx.time_panel(title, &unit, &metric, "all", false))
                .collect(),
            cols: 3,
            panel_height: 280.0,
            footnotes: ctx.notes(&[]),
        });
    }

    out.extend(service_use_charts(&ctx));

    match &folder.targets {
        Some(targets) if !targets.is_empty() => out.push(calibration(&ctx)),
        _ => skipped.push((
            "calibration",
            "no targets.csv in the folder (written for Croydon runs that cover the target years)".to_string(),
        )),
    }
    match &folder.believe {
        Some((rows, _)) => out.push(believe_chart(&ctx, rows)),
        None => skipped.push((
            "what_you_would_have_to_believe",
            "needs a folder written by placesim believe".to_string(),
        )),
    }
    skipped.push((
        "tornado",
        "no sensitivity analysis in the folder (placesim has no sensitivity command yet)".to_string(),
    ));
    (out, skipped)
}

/// Each service's occupancy (share of its capacity used) and each queue's mean wait, per
/// financial year ([`service_use`]).
fn service_use_charts(ctx: &Ctx<'_>) -> [Chart; 2] {
    let uses = service_use(&ctx.folder.catalog);
    let occupancy: Vec<Panel> = uses
        .iter()
        .filter(|u| u.occupancy.is_some())
        .map(|u| {
            ctx.year_panel(
                u.label.clone(),
                "share of capacity used",
                &format!("{}_occupancy", u.name),
                "all",
            )
        })
        .collect();
    let waits: Vec<Panel> = uses
        .iter()
        .filter_map(|u| {
            let (name, unit) = u.series().into_iter().find(|(n, _)| !n.ends_with("_occupancy"))?;
            Some(ctx.year_panel(u.label.clone(), &format!("mean wait, {unit}"), &name, "all"))
        })
        .collect();
    [
        Chart {
            name: "service_occupancy",
            title: "Service occupancy: share of capacity used".into(),
            subtitle: ctx.subtitle("Whole borough, by financial year: caseload ÷ places, or starts ÷ slots"),
            legend: ctx.legend(LegendMark::Line),
            panels: occupancy,
            cols: 3,
            panel_height: 280.0,
            footnotes: ctx.notes(&[
                "1 = every place or slot used. Capacity is what the scenario staffs and pays for, used or not.",
            ]),
        },
        Chart {
            name: "waiting_times",
            title: "Mean wait for each service".into(),
            subtitle: ctx.subtitle("Whole borough, by financial year; lists by Little's law (mean number waiting ÷ leaving a week)"),
            legend: ctx.legend(LegendMark::Line),
            panels: waits,
            cols: 3,
            panel_height: 280.0,
            footnotes: ctx.notes(&[
                "Community lists: leaving = taken on or lapsed, so a wait is an upper bound where people also leave by admission or death.",
                "Supported discharge: bed days spent fit for discharge ÷ discharges to reablement, a package or a care home.",
            ]),
        },
    ]
}

/// The effects each fit of a claims file needs, against their evidence ranges: one row per
/// effect a fit moved (and per effect as modelled), on a scale where the evidence range runs
/// from 0 to 1 and its central estimate is the cross.
fn believe_chart(ctx: &Ctx<'_>, rows: &[crate::output::read::BeliefRow]) -> Chart {
    let fit_label = |fit: &str| match fit {
        "as_modelled" => "as modelled".to_string(),
        "joint" => "all together".to_string(),
        _ => "alone".to_string(),
    };
    let shown: Vec<TargetRow> = rows
        .iter()
        .filter(|r| (r.moved || r.fit == "as_modelled") && r.evidence.0.is_finite() && r.evidence.2.is_finite())
        .map(|r| {
            let (low, central, high) = r.evidence;
            let width = high - low;
            let band = |v: f64| if width > 0.0 { (v - low) / width } else { f64::NAN };
            let inside = r.within.unwrap_or(false);
            TargetRow {
                label: format!(
                    "{}, {}: {} {}",
                    r.label,
                    fit_label(&r.fit),
                    crate::output::targets::pretty(r.value),
                    if inside { "✓" } else { "✗" }
                ),
                observed: band(central),
                sim: (band(r.value), band(r.value), band(r.value)),
                pass: inside,
            }
        })
        .collect();
    let without: Vec<&str> = rows
        .iter()
        .filter(|r| r.fit == "as_modelled" && !r.evidence.0.is_finite())
        .map(|r| r.label.as_str())
        .collect();
    let mut notes = vec![
        "Each effect's evidence range (green) runs from 0 to 1; values beyond the axis are drawn at its edge. Values, claims and sources: believe.csv, believe_claims.csv and the report.".to_string(),
    ];
    if !without.is_empty() {
        notes.push(format!(
            "Not shown (no evidence range in the place file): {}.",
            without.join(", ")
        ));
    }
    notes.push(ctx.footer());
    let n = shown.len();
    Chart {
        name: "what_you_would_have_to_believe",
        title: format!("What you would have to believe: effects needed to reproduce the claims ({})", ctx.names[0]),
        subtitle: format!(
            "Each fit holds the counterfactual fixed and moves one effect alone, or all together; ✓ within the evidence, ✗ outside. Claims reproduced: {}",
            reproduced_by(rows)
        ),
        legend: vec![
            LegendEntry {
                label: "within the evidence".into(),
                colour: 0,
                mark: LegendMark::Line,
            },
            LegendEntry {
                label: "outside the evidence".into(),
                colour: 1,
                mark: LegendMark::Line,
            },
            LegendEntry {
                label: "central estimate (×)".into(),
                colour: 6,
                mark: LegendMark::Box,
            },
        ],
        panels: vec![Panel {
            title: String::new(),
            x_label: "Position in the evidence range (0 = low end, 1 = high end)".into(),
            y_label: String::new(),
            body: PanelBody::Targets { rows: shown },
        }],
        cols: 1,
        panel_height: 90.0 + 30.0 * n as f64,
        footnotes: notes,
    }
}

/// The fits of a claims file that reproduce every claim, in words (`none` when none does).
pub fn reproduced_by(rows: &[crate::output::read::BeliefRow]) -> String {
    let mut fits: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| r.reproduced) {
        let name = match r.fit.as_str() {
            "as_modelled" => "as modelled".to_string(),
            "joint" => "all effects together".to_string(),
            _ if r.moved => format!("{} alone", r.label),
            _ => continue,
        };
        if !fits.contains(&name) {
            fits.push(name);
        }
    }
    if fits.is_empty() {
        "by no fit".into()
    } else {
        format!("by {}", fits.join(", "))
    }
}

/// Admission rate and life expectancy by deprivation fifth, per scenario: the comparison's
/// appraisal window when there is one, else the last financial year of the series.
fn inequality_bars(ctx: &Ctx<'_>) -> Chart {
    let folder = ctx.folder;
    let window = folder
        .comparison
        .as_ref()
        .map(|(m, _)| period_label(m.window.0, m.window.1));
    let last_fy = folder
        .series
        .iter()
        .filter(|p| p.metric == "admissions_per_1000" && p.group == "fifth_1")
        .max_by_key(|p| p.start)
        .map(|p| p.period.clone())
        .unwrap_or_default();
    let period = window.clone().unwrap_or_else(|| last_fy.clone());
    let value = |scenario: &str, metric: &str, f: usize| -> (f64, f64, f64) {
        let group = format!("fifth_{f}");
        if window.is_some() {
            folder
                .comparison_row(scenario, "level", metric, &group, &period)
                .map_or((f64::NAN, f64::NAN, f64::NAN), |r| (r.mean, r.lo, r.hi))
        } else {
            folder
                .series_of(scenario, metric, &group, "year")
                .into_iter()
                .find(|p| p.period == period)
                .map_or((f64::NAN, f64::NAN, f64::NAN), |p| (p.mean, p.lo, p.hi))
        }
    };
    let panel = |title: &str, metric: &str, unit: &str| Panel {
        title: title.into(),
        x_label: "Deprivation fifth (borough, IMD 2019)".into(),
        y_label: unit.into(),
        body: PanelBody::Bars {
            categories: (1..=5).map(fifth_label).collect(),
            series: ctx.bars(|n| (1..=5).map(|f| value(n, metric, f)).collect()),
        },
    };
    Chart {
        name: "inequality_by_deprivation",
        title: format!("Inequality by deprivation fifth, {period}"),
        subtitle: ctx.bar_subtitle("Bars"),
        legend: ctx.legend(LegendMark::Box),
        panels: vec![
            panel(
                "Emergency admissions per 1,000",
                "admissions_per_1000",
                "per 1,000 person-years",
            ),
            panel(
                "Life expectancy at birth, men",
                "life_expectancy_at_birth_male",
                "years",
            ),
            panel(
                "Life expectancy at birth, women",
                "life_expectancy_at_birth_female",
                "years",
            ),
        ],
        cols: 3,
        panel_height: 360.0,
        footnotes: ctx.plain_notes(&[if window.is_some() {
            "Appraisal window of the comparison; life expectancy pools the window's years (abridged life table)."
        } else {
            "Last financial year of the run; single-year life expectancy is noisy."
        }]),
    }
}

/// Cost groups of the stacked cost chart that are not services: label and the cost lines in
/// it.
const ACTIVITY_GROUPS: [(&str, &[&str]); 5] = [
    ("A&E", &["cost_ae"]),
    (
        "Admissions and bed days",
        &["cost_admissions", "cost_excess_bed_days", "cost_delayed_bed_days"],
    ),
    ("GP consultations", &["cost_gp"]),
    ("Home care", &["cost_home_care"]),
    ("Care homes", &["cost_care_homes"]),
];

/// The groups of the stacked cost chart, label and cost lines: the activity groups, the
/// built-in services together as "Alliance services", then each declared service on its own
/// (each service by its running cost and its activity cost: a folder has one or the other).
fn cost_groups(folder: &RunFolder) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = ACTIVITY_GROUPS
        .iter()
        .map(|(label, lines)| ((*label).to_string(), lines.iter().map(|l| (*l).to_string()).collect()))
        .collect();
    let lines = |key: &str| [format!("running_cost_{key}"), format!("cost_{key}")];
    let services = folder.catalog.running_services();
    let (builtin, declared): (Vec<_>, Vec<_>) = services.iter().partition(|s| matches!(s.id, ServiceId::Builtin(_)));
    let (running, activity): (Vec<String>, Vec<String>) = builtin
        .iter()
        .map(|s| {
            let [running, activity] = lines(&s.key);
            (running, activity)
        })
        .unzip();
    groups.push((
        "Alliance services".into(),
        running.into_iter().chain(activity).collect(),
    ));
    groups.extend(declared.iter().map(|s| (s.label.clone(), lines(&s.key).to_vec())));
    groups
}

/// Mean of (scenario, metric, financial-year label).
type Lookup<'a> = dyn Fn(&str, &str, &str) -> f64 + 'a;

/// Stacked cost per financial year, one panel per scenario.
fn costs_chart(ctx: &Ctx<'_>) -> Chart {
    let folder = ctx.folder;
    // (scenario, metric, FY label) → mean, from the comparison (services costed from
    // staffing, the figures the economics use) or else from the summaries (activity-costed).
    let (fys, lookup): (Vec<String>, Box<Lookup<'_>>) = match &folder.comparison {
        Some((meta, _)) => (
            (meta.window.0..=meta.window.1).map(financial_year_label).collect(),
            Box::new(move |s: &str, m: &str, p: &str| {
                if !folder.catalog.compare_cost_lines().iter().any(|l| l == m) {
                    return f64::NAN;
                }
                folder
                    .comparison_row(s, "level", m, "all", p)
                    .map_or(f64::NAN, |r| r.mean)
            }),
        ),
        None => {
            let mut fys: Vec<String> = folder
                .summary
                .iter()
                .filter(|r| r.period.starts_with("FY") && r.metric == "cost_total")
                .map(|r| r.period.clone())
                .collect();
            fys.dedup();
            (
                fys,
                Box::new(move |s: &str, m: &str, p: &str| {
                    folder
                        .summary
                        .iter()
                        .find(|r| r.scenario == s && r.metric == m && r.period == p)
                        .map_or(f64::NAN, |r| r.mean)
                }),
            )
        }
    };
    let groups = cost_groups(folder);
    let short: Vec<String> = fys
        .iter()
        .map(|f| f.trim_start_matches("FY").chars().skip(2).collect())
        .collect();
    let panels = ctx
        .names
        .iter()
        .map(|n| Panel {
            title: (*n).to_string(),
            x_label: "Financial year".into(),
            y_label: format!("£ million ({} prices)", ctx.price_base),
            body: PanelBody::Stacked {
                categories: short.clone(),
                layers: groups
                    .iter()
                    .enumerate()
                    .map(|(i, (_, lines))| Layer {
                        colour: i,
                        values: fys
                            .iter()
                            .map(|p| {
                                lines
                                    .iter()
                                    .map(|m| lookup(n, m, p))
                                    .filter(|v| v.is_finite())
                                    .sum::<f64>()
                                    / 1e6
                            })
                            .collect(),
                    })
                    .collect(),
            },
        })
        .collect();
    Chart {
        name: "costs_by_category",
        title: "Cost of care by category and financial year".into(),
        subtitle: format!(
            "Mean across {} replicates; {} prices, undiscounted",
            ctx.replicates, ctx.price_base
        ),
        legend: groups
            .iter()
            .enumerate()
            .map(|(i, (label, _))| LegendEntry {
                label: label.clone(),
                colour: i,
                mark: LegendMark::Box,
            })
            .collect(),
        panels,
        cols: 3,
        panel_height: 300.0,
        footnotes: ctx.plain_notes(&[if folder.comparison.is_some() {
            "Activity at unit costs; Alliance services at their running cost from staffing (as in the comparison)."
        } else {
            "Activity at unit costs, including Alliance services' activity (episodes, reviews, huddle hours)."
        }]),
    }
}

/// Cumulative net saving of each option against the base (comparison folders).
fn cumulative_saving(ctx: &Ctx<'_>) -> Chart {
    let folder = ctx.folder;
    let (meta, rows) = folder.comparison.as_ref().expect("called for comparisons");
    let lines = ctx
        .names
        .iter()
        .enumerate()
        .filter(|(_, n)| meta.options.iter().any(|o| o == *n))
        .map(|(i, n)| TimeLine {
            colour: i,
            points: (meta.window.0..=meta.window.1)
                .filter_map(|fy| {
                    let label = financial_year_label(fy);
                    rows.iter()
                        .find(|r| {
                            r.option == *n
                                && r.kind == "vs_base"
                                && r.metric == "net_saving_cumulative"
                                && r.period == label
                        })
                        // Plotted at the end of the financial year (31 March).
                        .map(|r| (f64::from(fy) + 1.25, r.mean / 1e6, r.lo / 1e6, r.hi / 1e6))
                })
                .collect(),
        })
        .collect();
    Chart {
        name: "cumulative_net_saving",
        title: format!("Cumulative net saving against {}", meta.base),
        subtitle: ctx.subtitle("Running total from the start of the appraisal window, paired by replicate"),
        legend: ctx
            .legend(LegendMark::Line)
            .into_iter()
            .filter(|e| meta.options.contains(&e.label))
            .collect(),
        panels: vec![Panel {
            title: "Above zero: the option costs less than the base so far".into(),
            x_label: "Year (end of financial year)".into(),
            y_label: format!("£ million ({} prices, undiscounted)", ctx.price_base),
            body: PanelBody::Time {
                lines,
                markers: ctx.markers.clone(),
                zero_line: true,
            },
        }],
        cols: 1,
        panel_height: 440.0,
        footnotes: ctx
            .notes(&["Net saving = base total cost − option total cost, including the services' running costs."]),
    }
}

/// The claim-to-model bridge of each option ([`crate::analysis::bridge`]): one panel from a
/// counted-activity claim and one from a before/after claim (when the run has a full year
/// before the window), each running through the same reasons to the modelled and the
/// cash-releasing net saving.
fn bridge_chart(ctx: &Ctx<'_>) -> Chart {
    use crate::analysis::bridge::{StepKind, STEPS};
    let folder = ctx.folder;
    let (meta, _) = folder.comparison.as_ref().expect("called for comparisons");
    let window = period_label(meta.window.0, meta.window.1);
    let value = |option: &str, metric: &str| {
        folder
            .comparison_row(option, "vs_base", metric, "all", &window)
            .map_or((f64::NAN, f64::NAN, f64::NAN), |r| {
                (r.mean / 1e6, r.lo / 1e6, r.hi / 1e6)
            })
    };
    // Steps 0-1 are the before/after head, 2-3 the counted head, 4.. are shared.
    let heads: [(&str, [usize; 2]); 2] = [
        ("from a counted-activity claim", [2, 3]),
        ("from a before/after claim", [0, 1]),
    ];
    let mut panels = Vec::new();
    for option in &meta.options {
        for (title, head) in heads {
            // No before/after claim when the run has no full year before the window.
            if !value(option, STEPS[head[0]].metric).0.is_finite() {
                continue;
            }
            let mut rows = Vec::new();
            let mut level = 0.0;
            for k in head.into_iter().chain(4..STEPS.len()) {
                let step = STEPS[k];
                let (mean, lo, hi) = value(option, step.metric);
                let (from, to, interval, colour) = match step.kind {
                    StepKind::Total => (0.0, mean, (lo, hi), BRIDGE_TOTAL),
                    StepKind::Delta => (
                        level,
                        level + mean,
                        (level + lo, level + hi),
                        if mean >= 0.0 { BRIDGE_UP } else { BRIDGE_DOWN },
                    ),
                };
                level = to;
                rows.push(WaterfallRow {
                    label: step.label.to_string(),
                    from,
                    to,
                    interval,
                    colour,
                    connect: step.kind == StepKind::Delta,
                });
            }
            panels.push(Panel {
                title: format!("{option}: {title}"),
                x_label: format!("£ million, {window}, undiscounted"),
                y_label: String::new(),
                body: PanelBody::Waterfall { rows },
            });
        }
    }
    let before = financial_year_label(meta.window.0 - 1);
    let share = meta
        .cash_releasing_share
        .map_or_else(|| "the place's share".to_string(), |v| format!("{v}"));
    let box_entry = |label: &str, colour: usize| LegendEntry {
        label: label.into(),
        colour,
        mark: LegendMark::Box,
    };
    Chart {
        name: "claim_to_model_bridge",
        title: format!("From a claimed saving to the modelled saving, against {}", meta.base),
        subtitle: ctx.bar_subtitle("Each bar a paired difference, option minus base"),
        legend: vec![
            box_entry("claim or result", BRIDGE_TOTAL),
            box_entry("raises the saving", BRIDGE_UP),
            box_entry("lowers the saving", BRIDGE_DOWN),
        ],
        panels,
        cols: 2,
        panel_height: 300.0,
        footnotes: ctx.plain_notes(&[
            "Counted-activity claim: what services count as avoided (diversions, expected crises avoided, discharge-to-assess bed days)",
            "   at full unit cost, plus the packages claimed (one package-year per reablement client leaving without one), minus the cost of capacity used.",
            &format!("Before/after claim: the option's fall in acute cost from {before} (held flat) to the window, plus the same packages, minus the same cost."),
            "Trend and demography, attribution: the paired acute saving minus each claim's. Idle capacity: running cost of places staffed and not used.",
            &format!("Tariff vs marginal cost: a commissioner stops paying only a share ({share}) of an acute saving at full unit cost ({} prices).", ctx.price_base),
            "Values: comparison.csv, metrics bridge_* (rows vs_base); definitions: analysis::bridge and docs/validation.md.",
        ]),
    }
}

/// Palette indices of the bridge's bars: claims and results, and changes up and down.
const BRIDGE_TOTAL: usize = 0;
const BRIDGE_UP: usize = 2;
const BRIDGE_DOWN: usize = 1;

/// Return per £1 of each service and of each option as a whole.
fn return_per_pound(ctx: &Ctx<'_>) -> Chart {
    let folder = ctx.folder;
    let (meta, _) = folder.comparison.as_ref().expect("called for comparisons");
    let window = period_label(meta.window.0, meta.window.1);
    let services = folder.catalog.running_services();
    let row = |s: &str, kind: &str, metric: &str| {
        folder
            .comparison_row(s, kind, metric, "all", &window)
            .map_or((f64::NAN, f64::NAN, f64::NAN), |r| (r.mean, r.lo, r.hi))
    };
    let per_service = Panel {
        title: "Each service: cost it avoids per £1 it costs to run".into(),
        x_label: "Service".into(),
        y_label: "£ avoided per £1".into(),
        body: PanelBody::Bars {
            categories: services.iter().map(|s| s.label.clone()).collect(),
            series: ctx.bars(|n| {
                services
                    .iter()
                    .map(|s| row(n, "level", &format!("return_per_pound_{}", s.key)))
                    .collect()
            }),
        },
    };
    let options = Panel {
        title: format!("Each option vs {}: saving per extra £1 spent", meta.base),
        x_label: "Option".into(),
        y_label: "£ saved downstream per £1".into(),
        body: PanelBody::Bars {
            categories: vec!["all services".into()],
            series: ctx
                .names
                .iter()
                .enumerate()
                .filter(|(_, n)| meta.options.iter().any(|o| o == *n))
                .map(|(i, n)| BarSeries {
                    colour: i,
                    values: vec![row(n, "vs_base", "return_per_pound")],
                })
                .collect(),
        },
    };
    Chart {
        name: "return_per_pound",
        title: format!("Return per £1, {window}"),
        subtitle: ctx.bar_subtitle("Bars (ratio of mean saving to mean cost)"),
        legend: ctx.legend(LegendMark::Box),
        panels: vec![per_service, options],
        cols: 2,
        panel_height: 380.0,
        footnotes: ctx.plain_notes(&["Below £1: the service costs more than the acute and social care it avoids. No bar: the service does not run, or the option spends no more than the base."]),
    }
}

/// Simulated vs observed for every calibration target.
fn calibration(ctx: &Ctx<'_>) -> Chart {
    let targets = ctx.folder.targets.as_deref().unwrap_or_default();
    let rows = targets
        .iter()
        .map(|t| {
            let width = t.hi - t.lo;
            let band = |v: f64| {
                if width > 0.0 {
                    (v - t.lo) / width
                } else {
                    f64::NAN
                }
            };
            let mut name: String = t.name.chars().take(44).collect();
            if t.name.chars().count() > 44 {
                name.push('…');
            }
            TargetRow {
                label: format!("{name} {}", if t.pass { "✓" } else { "✗" }),
                observed: band(t.observed),
                sim: (band(t.sim_mean), band(t.sim_lo), band(t.sim_hi)),
                pass: t.pass,
            }
        })
        .collect::<Vec<_>>();
    let n = rows.len();
    Chart {
        name: "calibration",
        title: format!("Calibration targets: simulated vs observed ({})", ctx.names[0]),
        subtitle: ctx.subtitle("Each target scaled so its accepted band (green) runs from 0 to 1"),
        legend: vec![
            LegendEntry {
                label: "simulated, in band".into(),
                colour: 0,
                mark: LegendMark::Line,
            },
            LegendEntry {
                label: "simulated, outside band".into(),
                colour: 1,
                mark: LegendMark::Line,
            },
            LegendEntry {
                label: "observed (×)".into(),
                colour: 6,
                mark: LegendMark::Box,
            },
        ],
        panels: vec![Panel {
            title: String::new(),
            x_label: "Position in the accepted band (0 = lower end, 1 = upper end)".into(),
            y_label: String::new(),
            body: PanelBody::Targets { rows },
        }],
        cols: 1,
        panel_height: 90.0 + 30.0 * n as f64,
        footnotes: vec![
            "Values beyond the axis are drawn at its edge. Numbers, bands and sources: targets.csv and the report."
                .into(),
            ctx.footer(),
        ],
    }
}
