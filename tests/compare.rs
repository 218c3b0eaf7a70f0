//! Paired comparison of options: common random numbers, paired vs unpaired intervals,
//! accounting identities of the economics, inequality rows and the appraisal window.
// Common random numbers make the compared values bit-identical, so exact comparison is the test.
#![allow(clippy::float_cmp)]

mod common;

use placesim::analysis::compare::{compare, Comparison, RowKind, Window};
use placesim::analysis::economics::Conventions;
use placesim::results::Results;
use placesim::runner::{run, RunRequest, Silent};

fn results(files: &[&str], replicates: u32) -> Results {
    let scenarios = files.iter().map(|f| common::small(f, 0.03, "2022-03-31")).collect();
    run(
        &RunRequest {
            scenarios,
            replicates,
            seed: 7,
            threads: 2,
        },
        &Silent,
    )
    .unwrap()
}

fn row<'a>(
    c: &'a Comparison,
    option: &str,
    kind: RowKind,
    metric: &str,
    group: &str,
    period: &str,
) -> &'a placesim::analysis::compare::Row {
    c.rows
        .iter()
        .find(|r| r.option == option && r.kind == kind && r.metric == metric && r.group == group && r.period == period)
        .unwrap_or_else(|| panic!("no row {option} {kind:?} {metric} {group} {period}"))
}

fn conventions(r: &Results) -> Conventions {
    Conventions::of_place(&r.scenarios[0].place, None)
}

#[test]
fn paired_intervals_are_much_narrower_than_unpaired_ones_for_the_same_runs() {
    let r = results(&["baseline.toml", "life-expansion.toml"], 10);
    let c = compare(&r.scenarios, Window::default(), conventions(&r)).unwrap();
    let window = placesim::analysis::compare::period_label(c.window.0, c.window.1);
    for metric in ["emergency_admissions", "cost_total", "qalys"] {
        let d = row(&c, "life-expansion", RowKind::Difference, metric, "all", &window);
        let paired = d.hi - d.lo;
        let unpaired = d.unpaired_hi - d.unpaired_lo;
        assert!(
            paired * 3.0 < unpaired,
            "{metric}: paired width {paired} vs unpaired {unpaired}"
        );
        // The difference is the option's level minus the base's.
        assert!((d.mean - (d.option_mean - d.base_mean)).abs() <= 1e-6 * d.base_mean.abs().max(1.0));
    }
}

#[test]
fn years_before_an_option_starts_are_identical_and_the_window_starts_when_it_does() {
    // LIFE expansion changes nothing before April 2021, so with common random numbers every
    // replicate is identical to the base until then and the default window opens in FY2021/22.
    let r = results(&["baseline.toml", "life-expansion.toml"], 4);
    let c = compare(&r.scenarios, Window::default(), conventions(&r)).unwrap();
    assert_eq!(c.window, (2021, 2021));
    let forced = compare(
        &r.scenarios,
        Window {
            from: Some(2018),
            to: None,
        },
        conventions(&r),
    )
    .unwrap();
    for metric in ["emergency_admissions", "deaths", "cost_total", "qalys", "bed_days"] {
        let d = row(
            &forced,
            "life-expansion",
            RowKind::Difference,
            metric,
            "all",
            "FY2019/20",
        );
        assert_eq!(
            (d.mean, d.lo, d.hi),
            (0.0, 0.0, 0.0),
            "{metric} before the option starts"
        );
    }
}

#[test]
fn an_option_identical_to_the_base_differs_by_nothing_and_has_no_return() {
    let mut r = results(&["baseline.toml", "baseline.toml"], 3);
    r.scenarios[1].scenario.name = "copy".into();
    let c = compare(&r.scenarios, Window::default(), conventions(&r)).unwrap();
    for d in c.rows.iter().filter(|d| d.kind == RowKind::Difference) {
        assert!(
            d.mean == 0.0 || !d.mean.is_finite(),
            "{} {} {}: {}",
            d.metric,
            d.group,
            d.period,
            d.mean
        );
    }
    let window = placesim::analysis::compare::period_label(c.window.0, c.window.1);
    assert!(row(&c, "copy", RowKind::VsBase, "return_per_pound", "all", &window)
        .mean
        .is_nan());
    assert_eq!(row(&c, "copy", RowKind::VsBase, "net_saving", "all", &window).mean, 0.0);
}

#[test]
fn savings_investment_and_return_add_up() {
    let r = results(&["baseline.toml", "life-expansion.toml"], 4);
    let c = compare(&r.scenarios, Window::default(), conventions(&r)).unwrap();
    let w = placesim::analysis::compare::period_label(c.window.0, c.window.1);
    let vs = |m: &str| row(&c, "life-expansion", RowKind::VsBase, m, "all", &w);
    let diff = |m: &str| row(&c, "life-expansion", RowKind::Difference, m, "all", &w);
    // Net saving is minus the change in total cost.
    assert!((vs("net_saving").mean + diff("cost_total").mean).abs() < 1e-6);
    // The extra spend is the change in service running costs, fixed by staffing: no spread.
    let running: f64 = (0..r.catalog.running_services().len())
        .map(|k| diff(r.catalog.running_cost_line(k)).mean)
        .sum();
    let inv = vs("investment");
    assert!((inv.mean - running).abs() < 1e-6 && inv.mean > 0.0, "{inv:?}");
    assert!(
        (inv.hi - inv.lo).abs() < 1e-6,
        "staffing costs do not vary by replicate"
    );
    // Savings elsewhere = net saving + investment; return per £1 = savings / investment.
    let down = vs("downstream_saving").mean;
    assert!((down - (vs("net_saving").mean + inv.mean)).abs() < 1e-6);
    assert!((vs("return_per_pound").mean - down / inv.mean).abs() < 1e-9);
    // Net monetary benefit at £20k is 20,000 × discounted QALYs gained + discounted saving.
    let nmb = vs("nmb_20000").mean;
    let q = vs("qalys_gained_discounted").mean;
    let s = vs("net_saving_discounted").mean;
    assert!(
        (nmb - (20_000.0 * q + s)).abs() < 1e-3 * nmb.abs().max(1.0),
        "{nmb} vs {q} {s}"
    );
}

#[test]
fn inequality_rows_cover_fifths_localities_and_life_expectancy_by_sex() {
    let r = results(&["baseline.toml", "life-expansion.toml"], 2);
    let c = compare(
        &r.scenarios,
        Window {
            from: Some(2016),
            to: Some(2021),
        },
        conventions(&r),
    )
    .unwrap();
    let w = "FY2016/17-FY2021/22";
    let rate = |g: &str| row(&c, "baseline", RowKind::Level, "admissions_per_1000", g, w).mean;
    // The most deprived fifth is admitted more often than the least deprived (the model's
    // deprivation gradient), and the gap row is their difference.
    let gap = row(&c, "baseline", RowKind::Level, "admissions_per_1000_gap_abs", "all", w).mean;
    assert!(rate("fifth_1") > rate("fifth_5"));
    assert!(
        (gap - (rate("fifth_1") - rate("fifth_5"))).abs() < 1e-6 * gap.abs().max(1.0),
        "gap is the mean of per-replicate gaps"
    );
    assert!(row(&c, "baseline", RowKind::Level, "admissions_per_1000_sii", "all", w).mean > 0.0);
    for sex in ["male", "female"] {
        for at in ["at_birth", "at_65"] {
            let m = format!("life_expectancy_{at}_{sex}");
            let all = row(&c, "baseline", RowKind::Level, &m, "all", w).mean;
            assert!(all.is_finite() && all > 10.0, "{m} = {all}");
            row(&c, "baseline", RowKind::Level, &format!("{m}_gap_abs"), "all", w);
            row(&c, "baseline", RowKind::Level, &format!("{m}_sii"), "all", w);
        }
    }
    for locality in r.scenarios[0].place.locality_keys() {
        row(&c, "baseline", RowKind::Level, "cost_per_head", locality, w);
    }
}

#[test]
fn scenarios_that_cannot_be_paired_are_refused() {
    let mut r = results(&["baseline.toml", "life-expansion.toml"], 2);
    r.scenarios[1].scenario.scale = 0.5;
    let e = compare(&r.scenarios, Window::default(), conventions(&r)).unwrap_err();
    assert!(e.is_bad_input() && e.to_string().contains("a different scale"), "{e}");
    let r = results(&["baseline.toml", "life-expansion.toml"], 2);
    let e = compare(
        &r.scenarios,
        Window {
            from: Some(2030),
            to: None,
        },
        conventions(&r),
    )
    .unwrap_err();
    assert!(e.to_string().contains("outside the run"), "{e}");
}

#[test]
fn the_cumulative_net_saving_adds_up_the_yearly_savings_to_the_window_total() {
    let r = results(&["baseline.toml", "social-prescribing-at-scale.toml"], 4);
    let c = compare(
        &r.scenarios,
        Window {
            from: Some(2019),
            to: None,
        },
        conventions(&r),
    )
    .unwrap();
    let o = "social-prescribing-at-scale";
    let mut running = 0.0;
    for fy in c.window.0..=c.window.1 {
        let label = placesim::calendar::financial_year_label(fy);
        running += row(&c, o, RowKind::VsBase, "net_saving", "all", &label).mean;
        let cum = row(&c, o, RowKind::VsBase, "net_saving_cumulative", "all", &label);
        assert!((cum.mean - running).abs() <= 1e-6 * running.abs().max(1.0), "{label}");
        assert!(cum.lo <= cum.mean && cum.mean <= cum.hi);
    }
    let window = placesim::analysis::compare::period_label(c.window.0, c.window.1);
    let total = row(&c, o, RowKind::VsBase, "net_saving", "all", &window).mean;
    assert!((running - total).abs() <= 1e-6 * total.abs().max(1.0));
}

#[test]
fn the_claim_to_model_bridge_adds_up_from_either_claim_and_its_trend_step_is_the_base_own_change() {
    use placesim::analysis::bridge::STEPS;
    let r = results(&["baseline.toml", "life-expansion.toml", "icn-plus-rollout.toml"], 4);
    let conv = conventions(&r);
    let share = conv.cash_releasing_share;
    let c = compare(&r.scenarios, Window::default(), conv).unwrap();
    let w = placesim::analysis::compare::period_label(c.window.0, c.window.1);
    let base_level = |m: &str| row(&c, "baseline", RowKind::Level, m, "all", &w).mean;
    // The base's own fall in acute cost from the year before the window (held flat).
    let base_fall = base_level("cost_acute_year_before") - base_level("cost_acute");
    assert!(base_fall.is_finite(), "the run has a full year before the window");
    for option in ["life-expansion", "icn-plus-rollout"] {
        let step = |k: usize| row(&c, option, RowKind::VsBase, STEPS[k].metric, "all", &w).mean;
        let close = |a: f64, b: f64, what: &str| {
            assert!((a - b).abs() < 1e-6 * b.abs().max(1.0), "{option}: {what}: {a} vs {b}");
        };
        let common = step(4) + step(5) + step(6);
        close(step(0) + step(1) + common, step(7), "before/after claim + its steps");
        close(step(2) + step(3) + common, step(7), "counted claim + its steps");
        let net = row(&c, option, RowKind::VsBase, "net_saving", "all", &w).mean;
        close(step(7), net, "the modelled step is the comparison's net saving");
        let acute_saving = -row(&c, option, RowKind::Difference, "cost_acute", "all", &w).mean;
        close(step(8), -(1.0 - share) * acute_saving, "tariff vs marginal");
        close(step(9), step(7) + step(8), "cash-releasing");
        // The option starts in the window, so its year before is the base's: the trend step
        // is the base's own change, whatever the option.
        close(step(1), -base_fall, "trend and demography");
    }
}
