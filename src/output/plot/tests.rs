//! Each chart on a tiny constructed run folder: it is drawn, its SVG parses, its PNG decodes
//! and is not blank, and it shows the series it should.

use super::*;
use crate::analysis::series::{quarterly_names, ANNUAL};
use crate::calendar::{financial_year_label, Date};
use crate::output::read::{ComparisonMeta, ComparisonPoint, ScenarioMeta, SeriesPoint, SummaryPoint, TargetPoint};
use crate::results::Catalog;
use serde_json::json;

const SCENARIOS: [&str; 2] = ["base <plan>", "option-a"];

fn point(scenario: &str, metric: &str, group: &str, resolution: &str, start: Date, v: f64) -> SeriesPoint {
    SeriesPoint {
        scenario: scenario.into(),
        metric: metric.into(),
        group: group.into(),
        resolution: resolution.into(),
        period: if resolution == "quarter" {
            format!("{} Q?", financial_year_label(start.financial_year()))
        } else {
            financial_year_label(start.financial_year())
        },
        start,
        unit: "units".into(),
        mean: v,
        lo: v * 0.95,
        hi: v * 1.05,
    }
}

fn cmp_row(option: &str, kind: &str, metric: &str, group: &str, period: &str, v: f64) -> ComparisonPoint {
    ComparisonPoint {
        option: option.into(),
        kind: kind.into(),
        metric: metric.into(),
        group: group.into(),
        period: period.into(),
        unit: "units".into(),
        mean: v,
        lo: v - 1.0,
        hi: v + 1.0,
    }
}

/// Two scenarios, two localities, eight quarters from April 2019, two financial years.
pub(crate) fn folder(comparison: bool, targets: bool) -> RunFolder {
    folder_of(Catalog::builtin(), comparison, targets)
}

/// As [`folder`], for the services of `catalog`.
pub(crate) fn folder_of(catalog: Catalog, comparison: bool, targets: bool) -> RunFolder {
    let start = Date::parse("2019-04-01").unwrap();
    let mut series = Vec::new();
    for (s, name) in SCENARIOS.iter().enumerate() {
        for metric in &quarterly_names(&catalog) {
            for group in ["all", "north", "south"] {
                for q in 0..8 {
                    let v = 100.0 + 3.0 * q as f64 - 5.0 * s as f64;
                    series.push(point(name, metric, group, "quarter", start.add_days(91 * q), v));
                }
            }
        }
        for (metric, _) in ANNUAL {
            let groups: Vec<String> = if metric.ends_with("_sii") {
                vec!["all".into()]
            } else {
                std::iter::once("all".to_string())
                    .chain((1..=5).map(|f| format!("fifth_{f}")))
                    .collect()
            };
            for g in groups {
                for y in 0..2 {
                    series.push(point(
                        name,
                        metric,
                        &g,
                        "year",
                        start.add_days(365 * y),
                        80.0 + y as f64,
                    ));
                }
            }
        }
    }
    let fys = ["FY2019/20", "FY2020/21"];
    let mut summary = Vec::new();
    for name in SCENARIOS {
        for fy in fys {
            for c in catalog.cost_categories() {
                summary.push(SummaryPoint {
                    scenario: name.into(),
                    period: fy.into(),
                    metric: c.name.clone(),
                    unit: "GBP".into(),
                    mean: 1e6,
                    lo: 0.9e6,
                    hi: 1.1e6,
                });
            }
            summary.push(SummaryPoint {
                scenario: name.into(),
                period: fy.into(),
                metric: "emergency_admissions".into(),
                unit: "admissions".into(),
                mean: 38_000.0,
                lo: 37_000.0,
                hi: 39_000.0,
            });
        }
    }
    let window = "FY2019/20-FY2020/21";
    let comparison = comparison.then(|| {
        let mut rows = Vec::new();
        for name in SCENARIOS {
            for f in 1..=5 {
                let g = format!("fifth_{f}");
                rows.push(cmp_row(
                    name,
                    "level",
                    "admissions_per_1000",
                    &g,
                    window,
                    150.0 - 15.0 * f as f64,
                ));
                rows.push(cmp_row(
                    name,
                    "level",
                    "life_expectancy_at_birth_male",
                    &g,
                    window,
                    76.0 + f as f64,
                ));
                rows.push(cmp_row(
                    name,
                    "level",
                    "life_expectancy_at_birth_female",
                    &g,
                    window,
                    80.0 + f as f64,
                ));
            }
            for fy in fys {
                for line in catalog.compare_cost_lines() {
                    rows.push(cmp_row(name, "level", line, "all", fy, 2e6));
                }
            }
            for svc in catalog.running_services() {
                rows.push(cmp_row(
                    name,
                    "level",
                    &format!("return_per_pound_{}", svc.key),
                    "all",
                    window,
                    0.5,
                ));
            }
            for l in ["north", "south"] {
                rows.push(cmp_row(name, "level", "admissions_per_1000", l, window, 95.0));
            }
        }
        rows.push(cmp_row(
            "base <plan>",
            "level",
            "admissions_per_1000",
            "all",
            window,
            98.0,
        ));
        for fy in fys {
            rows.push(cmp_row("option-a", "vs_base", "net_saving_cumulative", "all", fy, 5e5));
        }
        for (m, v) in [
            ("admissions_avoided", 250.0),
            ("net_saving", -2e5),
            ("return_per_pound", 0.8),
            ("investment", 1e6),
            ("qalys_gained_discounted", 12.0),
            ("net_saving_discounted", -1.8e5),
        ] {
            rows.push(cmp_row("option-a", "vs_base", m, "all", window, v));
        }
        // The bridge: claims £3m (counted) and £1m (before/after); steps in £.
        for (step, v) in crate::analysis::bridge::STEPS
            .iter()
            .zip([1e6, 0.5e6, 3e6, -1.5e6, -0.2e6, -1.5e6, 0.0, -0.2e6, -0.3e6, -0.5e6])
        {
            rows.push(cmp_row("option-a", "vs_base", step.metric, "all", window, v));
        }
        rows.push(cmp_row(
            "option-a",
            "difference",
            "admissions_per_1000_gap_abs",
            "all",
            window,
            -0.4,
        ));
        (
            ComparisonMeta {
                base: "base <plan>".into(),
                options: vec!["option-a".into()],
                window: (2019, 2020),
                cash_releasing_share: Some(0.7),
            },
            rows,
        )
    });
    let targets = targets.then(|| {
        vec![
            TargetPoint {
                id: "deaths".into(),
                name: "Deaths a year".into(),
                period: "FY2019/20".into(),
                unit: "deaths".into(),
                observed: 2600.0,
                lo: 2500.0,
                hi: 2700.0,
                sim_mean: 2550.0,
                sim_lo: 2500.0,
                sim_hi: 2610.0,
                pass: true,
                source: "ONS".into(),
            },
            TargetPoint {
                id: "trend".into(),
                name: "Change in admissions".into(),
                period: "FY2016/17-FY2019/20".into(),
                unit: "ratio".into(),
                observed: -0.15,
                lo: -0.18,
                hi: -0.12,
                sim_mean: 0.1,
                sim_lo: 0.07,
                sim_hi: 0.12,
                pass: false,
                source: "SUS".into(),
            },
        ]
    });
    let scenarios = SCENARIOS
        .iter()
        .enumerate()
        .map(|(i, n)| ScenarioMeta {
            name: (*n).into(),
            description: String::new(),
            scale: 1.0,
            milestones: {
                let mut m = vec![("huddles start".to_string(), Date::parse("2019-07-01").unwrap())];
                if i == 1 {
                    m.push(("LIFE capacity ×1.50".to_string(), Date::parse("2020-04-06").unwrap()));
                }
                m
            },
            parameters: vec![("model.crisis_rate_scale".into(), format!("0.{}", 7 + i))],
            files: vec![(format!("scenarios/{n}.toml"), "ab".repeat(32))],
            localities: vec![("north".into(), "North".into()), ("south".into(), "South".into())],
        })
        .collect();
    let manifest = json!({
        "placesim_version": "0.1.0", "seed": 7, "replicates": 3, "price_base": "2018/19",
        "started_utc": "2026-01-01T00:00:00Z", "command_line": ["placesim", "compare"],
        "scenarios": [{"place": {"origin": "embedded:croydon", "sha256": "cd"}}],
        "outputs": [{"file": "series.csv"}],
    });
    RunFolder::from_parts(
        "test-run".into(),
        manifest,
        scenarios,
        catalog,
        series,
        summary,
        comparison,
        targets,
        vec![],
    )
}

fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("SVG does not parse: {e}"));
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect()
}

fn chart<'a>(list: &'a [Chart], name: &str) -> &'a Chart {
    list.iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no chart {name}"))
}

/// Draws one chart both ways and checks the files: the SVG parses and names `expected`, the
/// PNG decodes at twice the SVG's size and is not blank.
fn check(chart: &Chart, expected: &[&str]) {
    let svg = render_svg(chart).unwrap();
    let t = texts(&svg);
    for e in expected.iter().chain(std::iter::once(&chart.title.as_str())) {
        assert!(
            t.iter().any(|x| x.contains(e)),
            "{}: no text {e:?} in {t:?}",
            chart.name
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("c.png");
    render_png(chart, &png).unwrap();
    let img = image::open(&png).unwrap().to_rgb8();
    let (w, h) = chart.size();
    assert_eq!((img.width(), img.height()), (2 * w, 2 * h));
    let inked = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    let share = inked as f64 / f64::from(img.width() * img.height());
    assert!(share > 0.02, "{}: only {:.3} of the PNG is drawn", chart.name, share);
}

#[test]
fn admissions_over_time_has_a_line_per_scenario_and_numbered_service_dates() {
    let (list, _) = charts(&folder(true, true));
    let c = chart(&list, "admissions_per_1000");
    let PanelBody::Time { lines, markers, .. } = &c.panels[0].body else {
        panic!("a time chart")
    };
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l.points.len() == 8));
    assert_eq!(markers.len(), 2);
    assert!(
        c.footnotes
            .iter()
            .any(|f| f.contains("LIFE capacity ×1.50 2020-04-06 (option-a only)")),
        "{:?}",
        c.footnotes
    );
    check(
        c,
        &["base <plan>", "option-a", "All residents", "per 1,000 person-years"],
    );
}

#[test]
fn locality_and_deprivation_charts_have_one_panel_per_group() {
    let (list, _) = charts(&folder(true, true));
    let c = chart(&list, "admissions_per_1000_by_locality");
    assert_eq!(c.panels.len(), 2);
    check(c, &["North", "South"]);
    let c = chart(&list, "admissions_per_1000_by_deprivation");
    assert_eq!(c.panels.len(), 5);
    let PanelBody::Time { lines, .. } = &c.panels[0].body else {
        panic!("a time chart")
    };
    assert_eq!(lines[0].points.len(), 2, "yearly points only");
    check(c, &["Fifth 1 (most deprived)", "Fifth 5 (least deprived)"]);
}

#[test]
fn inequality_bars_read_the_comparison_window_and_the_sii_over_time() {
    let (list, _) = charts(&folder(true, true));
    let c = chart(&list, "inequality_by_deprivation");
    let PanelBody::Bars { series, categories } = &c.panels[0].body else {
        panic!("bars")
    };
    assert_eq!(categories.len(), 5);
    assert_eq!(series[0].values[0], (135.0, 134.0, 136.0));
    check(c, &["Life expectancy at birth, men", "1 (most)"]);
    check(chart(&list, "inequality_sii_over_time"), &["Emergency admissions"]);
}

#[test]
fn costs_stack_by_category_and_savings_and_returns_need_a_comparison() {
    let (list, _) = charts(&folder(true, true));
    let c = chart(&list, "costs_by_category");
    let PanelBody::Stacked { layers, categories } = &c.panels[0].body else {
        panic!("stacked")
    };
    assert_eq!(categories, &["19/20", "20/21"]);
    // Five running-cost lines of £2m make the Alliance services layer (£ million).
    assert!((layers[5].values[0] - 10.0).abs() < 1e-9);
    check(c, &["Alliance services", "Care homes"]);
    check(chart(&list, "cumulative_net_saving"), &["option-a"]);
    check(chart(&list, "return_per_pound"), &["LIFE", "all services"]);

    let (list, skipped) = charts(&folder(false, false));
    let names: Vec<&str> = list.iter().map(|c| c.name).collect();
    assert!(!names.contains(&"cumulative_net_saving") && !names.contains(&"return_per_pound"));
    let skipped: Vec<&str> = skipped.iter().map(|(n, _)| *n).collect();
    assert!(skipped.contains(&"return_per_pound") && skipped.contains(&"calibration"));
    assert!(skipped.contains(&"claim_to_model_bridge"));
    // Without a comparison the costs come from the activity-costed summaries.
    let c = chart(&list, "costs_by_category");
    let PanelBody::Stacked { layers, .. } = &c.panels[0].body else {
        panic!("stacked")
    };
    assert!((layers[5].values[0] - 5.0).abs() < 1e-9);
    check(c, &["A&E"]);
}

#[test]
fn the_bridge_runs_from_each_claim_through_its_steps_to_the_modelled_and_cash_saving() {
    let (list, _) = charts(&folder(true, true));
    let c = chart(&list, "claim_to_model_bridge");
    assert_eq!(c.panels.len(), 2, "two claims for the one option");
    let PanelBody::Waterfall { rows } = &c.panels[0].body else {
        panic!("waterfall")
    };
    let got: Vec<(f64, f64)> = rows.iter().map(|r| (r.from, r.to)).collect();
    // Counted claim £3m, then −1.5, −0.2, −1.5, 0 to the modelled −£0.2m, −0.3 to cash.
    let want = [
        (0.0, 3.0),
        (3.0, 1.5),
        (1.5, 1.3),
        (1.3, -0.2),
        (-0.2, -0.2),
        (0.0, -0.2),
        (-0.2, -0.5),
        (0.0, -0.5),
    ];
    assert_eq!(got.len(), want.len());
    for ((a, b), (x, y)) in got.iter().zip(want) {
        assert!((a - x).abs() < 1e-9 && (b - y).abs() < 1e-9, "{got:?}");
    }
    // Increases and decreases in their own colours; every step connects to the last.
    assert_eq!(rows[1].colour, rows[2].colour);
    assert_ne!(rows[0].colour, rows[1].colour);
    let PanelBody::Waterfall { rows } = &c.panels[1].body else {
        panic!("waterfall")
    };
    assert_eq!((rows[0].to, rows[1].to), (1.0, 1.5), "before/after £1m + £0.5m trend");
    check(
        c,
        &[
            "Counted-activity claim",
            "trend and demography",
            "Cash-releasing net saving",
            "(0.7)",
        ],
    );

    // A window that starts with the run has no year before it: no before/after panel.
    let mut f = folder(true, true);
    for r in &mut f.comparison.as_mut().unwrap().1 {
        if r.metric == "bridge_claim_before_after" || r.metric == "bridge_trend_demography" {
            (r.mean, r.lo, r.hi) = (f64::NAN, f64::NAN, f64::NAN);
        }
    }
    let (list, _) = charts(&f);
    let c = chart(&list, "claim_to_model_bridge");
    assert_eq!(c.panels.len(), 1);
    assert!(c.panels[0].title.ends_with("from a counted-activity claim"));
}

#[test]
fn declared_services_get_their_own_bars_layers_and_panels() {
    let catalog = Catalog::from_labels(&[("home_visits", "home visits")]);
    let (list, _) = charts(&folder_of(catalog, true, false));
    let c = chart(&list, "return_per_pound");
    let PanelBody::Bars { categories, series } = &c.panels[0].body else {
        panic!("bars")
    };
    assert_eq!(
        categories,
        &[
            "huddles",
            "PICs",
            "LIFE",
            "social prescribing",
            "pharmacists",
            "home visits"
        ]
    );
    assert_eq!(series[0].values.len(), 6);
    check(c, &["home visits"]);
    let c = chart(&list, "costs_by_category");
    let labels: Vec<&str> = c.legend.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels[5..], ["Alliance services", "home visits"]);
    let PanelBody::Stacked { layers, .. } = &c.panels[0].body else {
        panic!("stacked")
    };
    // The built-in services' £2m running costs stay together; the declared one is its own layer.
    assert!((layers[5].values[0] - 10.0).abs() < 1e-9 && (layers[6].values[0] - 2.0).abs() < 1e-9);
    check(c, &["home visits"]);
    let c = chart(&list, "service_flows");
    assert_eq!(c.panels.last().unwrap().title, "home visits, supported");
    check(c, &["home visits, supported"]);
    let c = chart(&list, "waiting_lists");
    assert_eq!(c.panels.last().unwrap().title, "Waiting for home visits");
}

#[test]
fn service_flows_waiting_lists_and_calibration_are_drawn() {
    let (list, _) = charts(&folder(true, true));
    check(chart(&list, "service_flows"), &["LIFE referrals", "Huddle caseload"]);
    check(
        chart(&list, "waiting_lists"),
        &["Inpatients waiting for a care package"],
    );
    let c = chart(&list, "calibration");
    let PanelBody::Targets { rows } = &c.panels[0].body else {
        panic!("targets")
    };
    // Deaths: band 2,500–2,700, simulated 2,550 → 0.25 of the way up the band.
    assert!((rows[0].sim.0 - 0.25).abs() < 1e-9);
    assert!(rows[0].pass && !rows[1].pass);
    check(c, &["Deaths a year ✓", "Change in admissions ✗"]);
}

#[test]
fn write_plots_replaces_the_plots_folder_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plots");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("stale.svg"), "old").unwrap();
    std::fs::write(out.join("stale.png"), "old").unwrap();
    // A killed `placesim plot` left its temporary folder (pid above any kernel's pid_max).
    let killed = dir.path().join(".plots.tmp-4294967290");
    std::fs::create_dir(&killed).unwrap();
    std::fs::write(killed.join("half.png"), "x").unwrap();
    let set = write_plots(&folder(false, true), &out).unwrap();
    assert!(!out.join("stale.svg").exists() && !out.join("stale.png").exists());
    if cfg!(target_os = "linux") {
        assert_eq!(
            set.cleaned,
            vec![Cleaned::Removed {
                path: killed,
                pid: 4_294_967_290
            }]
        );
    }
    for c in &set.charts {
        assert!(std::fs::metadata(&c.svg).unwrap().len() > 1000, "{}", c.name);
        assert!(std::fs::metadata(&c.png).unwrap().len() > 1000, "{}", c.name);
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "plots")
        .collect();
    assert!(leftovers.is_empty() || !cfg!(target_os = "linux"), "{leftovers:?}");
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_stray_file_named_plots_is_refused_and_left_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plots");
    std::fs::write(&out, "my notes").unwrap();
    let err = write_plots(&folder(false, false), &out).unwrap_err();
    assert!(matches!(err, OutputError::NotReplaceable { .. }), "{err}");
    assert!(err.is_bad_input());
    assert!(err.to_string().contains(&out.display().to_string()) && err.to_string().contains("is a file"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "my notes");
    assert_eq!(
        names(dir.path()),
        vec!["plots"],
        "nothing moved aside, nothing left behind"
    );
}

#[test]
fn a_plots_folder_holding_anything_but_charts_is_refused_untouched() {
    /// Puts something of the user's into the plots folder.
    type Make = fn(&Path);
    let cases: [(&str, Make); 4] = [
        ("notes.txt", |p| std::fs::write(p.join("notes.txt"), "mine").unwrap()),
        ("src", |p| {
            std::fs::create_dir(p.join("src")).unwrap();
            std::fs::write(p.join("src/lib.rs"), "mine").unwrap();
        }),
        ("fig.svg", |p| std::fs::create_dir(p.join("fig.svg")).unwrap()),
        (".svg", |p| std::fs::write(p.join(".svg"), "mine").unwrap()),
    ];
    for (what, make) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("plots");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("chart.svg"), "old chart").unwrap();
        make(&out);
        let before = names(&out);
        let err = write_plots(&folder(false, false), &out).unwrap_err();
        assert!(matches!(err, OutputError::NotReplaceable { .. }), "{what}: {err}");
        assert!(err.to_string().contains(what), "{what}: {err}");
        assert_eq!(names(&out), before, "{what}");
        assert_eq!(std::fs::read_to_string(out.join("chart.svg")).unwrap(), "old chart");
        assert_eq!(names(dir.path()), vec!["plots"], "{what}: nothing left behind");
    }
}

#[cfg(unix)]
#[test]
fn a_plots_link_is_refused_and_its_target_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("elsewhere");
    std::fs::create_dir(&real).unwrap();
    std::fs::write(real.join("a.svg"), "mine").unwrap();
    let out = dir.path().join("plots");
    std::os::unix::fs::symlink(&real, &out).unwrap();
    let err = write_plots(&folder(false, false), &out).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(std::fs::symlink_metadata(&out).unwrap().file_type().is_symlink());
    assert_eq!(names(&real), vec!["a.svg"]);
    assert_eq!(names(dir.path()), vec!["elsewhere", "plots"]);
}

#[test]
fn a_report_html_that_is_a_folder_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let f = folder(false, false);
    let plots = write_plots(&f, &dir.path().join("plots")).unwrap();
    let report = dir.path().join("report.html");
    std::fs::create_dir(&report).unwrap();
    std::fs::write(report.join("index.html"), "mine").unwrap();
    let err = crate::output::report::write_report(&f, &plots, dir.path()).unwrap_err();
    assert!(matches!(err, OutputError::NotReplaceable { .. }), "{err}");
    assert!(
        err.to_string().contains("report.html") && err.to_string().contains("a folder"),
        "{err}"
    );
    assert_eq!(names(&report), vec!["index.html"]);
    assert_eq!(
        names(dir.path()),
        vec!["plots", "report.html"],
        "no temporary file left"
    );
}

#[test]
fn the_embedded_font_draws_text_without_any_system_font() {
    style::register_font();
    let chart = Chart {
        name: "font",
        title: "Ÿ £ × ✓ — glyphs".into(),
        subtitle: String::new(),
        legend: vec![],
        panels: vec![],
        cols: 1,
        panel_height: 10.0,
        footnotes: vec![],
    };
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("f.png");
    render_png(&chart, &png).unwrap();
    let img = image::open(&png).unwrap().to_rgb8();
    // Only the title is drawn: its glyphs must have ink in the title band.
    let ink = (0..img.width())
        .flat_map(|x| (20..60).map(move |y| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0 != [255, 255, 255])
        .count();
    assert!(ink > 500, "title drew {ink} pixels");
}
