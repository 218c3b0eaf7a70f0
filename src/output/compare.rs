//! Writing a comparison: `comparison.csv` (tidy; also `comparison.parquet` unless the format is
//! CSV), `comparison.json`, `board-summary.txt`, plus the usual `summary.csv`, `summary.json`
//! and `series.csv` (and `series.parquet`) of the scenarios compared (the manifest is written
//! last by [`super::write_manifest`]).

use super::parquet::ParquetSink;
use super::rows::{CsvSink, Field, Kind, RowSink, Table};
use super::{csv_number, series, summarise, summary, OutDir, RunInfo, ScenarioView, WrittenFile};
use crate::analysis::compare::{Comparison, Row, RowKind};
use crate::error::OutputError;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Columns of `comparison.csv`, in order.
pub const COMPARISON_COLUMNS: [&str; 14] = [
    "option",
    "comparison",
    "metric",
    "group",
    "period",
    "unit",
    "mean",
    "lo",
    "hi",
    "base_mean",
    "option_mean",
    "unpaired_lo",
    "unpaired_hi",
    "replicates",
];

/// A number for CSV: shortest round-trip form with a decimal point; empty when not finite.
fn num(v: f64) -> String {
    csv_number(v)
}

fn json_num(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

/// Columns and types of `comparison` (the CSV header is [`COMPARISON_COLUMNS`]).
pub(crate) fn comparison_table() -> Table {
    Table::of(COMPARISON_COLUMNS.iter().map(|&name| {
        let kind = match name {
            "option" | "comparison" | "metric" | "group" | "period" | "unit" => Kind::Category,
            "replicates" => Kind::Int,
            _ => Kind::Number,
        };
        (name, kind)
    }))
}

/// The rows of the tidy comparison table.
/// Where a row of `kind` goes in the table: differences, then the measures against the base,
/// then the scenarios' levels (each in the comparison's order). Levels have no unpaired
/// interval and the measures against the base no base or option mean, so with levels first a
/// reader that guesses a column's type from its first rows (polars reads 100) would see only
/// empty fields and take the column for text.
fn row_rank(kind: RowKind) -> u8 {
    match kind {
        RowKind::Difference => 0,
        RowKind::VsBase => 1,
        RowKind::Level => 2,
    }
}

fn comparison_rows(sink: &mut dyn RowSink, c: &Comparison) -> io::Result<()> {
    let mut ordered: Vec<&Row> = c.rows.iter().collect();
    ordered.sort_by_key(|r| row_rank(r.kind));
    for r in ordered {
        let numbers = [
            r.mean,
            r.lo,
            r.hi,
            r.base_mean,
            r.option_mean,
            r.unpaired_lo,
            r.unpaired_hi,
        ]
        .map(num);
        let [mean, lo, hi, base_mean, option_mean, unpaired_lo, unpaired_hi] = &numbers;
        sink.row(&[
            Field::Text(&r.option),
            Field::Text(r.kind.name()),
            Field::Text(&r.metric),
            Field::Text(&r.group),
            Field::Text(&r.period),
            Field::Text(r.unit),
            Field::Number(mean),
            Field::Number(lo),
            Field::Number(hi),
            Field::Number(base_mean),
            Field::Number(option_mean),
            Field::Number(unpaired_lo),
            Field::Number(unpaired_hi),
            Field::Int(r.n as i64),
        ])?;
    }
    sink.finish()
}

/// Writes the tidy comparison table (`comparison.csv`).
pub fn write_comparison_csv(w: &mut dyn Write, c: &Comparison) -> io::Result<()> {
    comparison_rows(&mut CsvSink::new(w, &comparison_table())?, c)
}

/// Writes the tidy comparison table as Parquet (`comparison.parquet`): the same columns, rows
/// and values as `comparison.csv`, typed.
pub fn write_comparison_parquet(w: &mut (dyn Write + Send), c: &Comparison) -> io::Result<()> {
    comparison_rows(&mut ParquetSink::new(w, &comparison_table())?, c)
}

/// Writes the comparison as JSON: conventions, window and every row.
pub fn write_comparison_json(w: &mut dyn Write, c: &Comparison, summary: &str) -> io::Result<()> {
    let rows: Vec<Value> = c
        .rows
        .iter()
        .map(|r| {
            json!({
                "option": r.option, "comparison": r.kind.name(), "metric": r.metric, "group": r.group,
                "period": r.period, "unit": r.unit, "mean": json_num(r.mean), "lo": json_num(r.lo),
                "hi": json_num(r.hi), "base_mean": json_num(r.base_mean), "option_mean": json_num(r.option_mean),
                "unpaired_lo": json_num(r.unpaired_lo), "unpaired_hi": json_num(r.unpaired_hi), "replicates": r.n,
            })
        })
        .collect();
    let v = json!({
        "base": c.base,
        "options": c.options,
        "window": {"from_fy": c.window.0, "to_fy": c.window.1},
        "replicates": c.replicates,
        "price_base": c.conventions.price_base,
        "discount_rate_costs": c.conventions.discount_costs,
        "discount_rate_qalys": c.conventions.discount_qalys,
        "qaly_thresholds": c.conventions.thresholds,
        "cash_releasing_share": c.conventions.cash_releasing_share,
        "claim_package_weeks": c.conventions.claim_package_weeks,
        "board_summary": summary,
        "rows": rows,
    });
    serde_json::to_writer_pretty(&mut *w, &v)?;
    writeln!(w)
}

/// Finds a row.
pub fn find<'a>(
    c: &'a Comparison,
    option: &str,
    kind: RowKind,
    metric: &str,
    group: &str,
    period: &str,
) -> Option<&'a Row> {
    c.rows
        .iter()
        .find(|r| r.option == option && r.kind == kind && r.metric == metric && r.group == group && r.period == period)
}

/// Money in words: `£4.1m`, `£950k`, `£12,300`; negative with a minus sign.
pub fn money(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let sign = if v < 0.0 { "−" } else { "" };
    let a = v.abs();
    if a >= 1e6 {
        format!("{sign}£{:.1}m", a / 1e6)
    } else if a >= 1e4 {
        format!("{sign}£{:.0}k", a / 1e3)
    } else {
        format!("{sign}£{}", group_thousands(a.round()))
    }
}

/// A return per £1: `£0.83`, `−£0.12`; a value that rounds to zero has no sign.
pub fn pounds_pence(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let text = format!("{:.2}", v.abs());
    if v < 0.0 && text != "0.00" {
        format!("−£{text}")
    } else {
        format!("£{text}")
    }
}

/// A whole number with thousands separators.
pub fn group_thousands(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0.0 && out != "0" {
        format!("−{out}")
    } else {
        out
    }
}

fn interval_of(r: &Row, f: impl Fn(f64) -> String) -> String {
    signed_interval(r, 1.0, f)
}

/// The row's mean and interval multiplied by `sign` (the interval's ends swap when negated).
fn signed_interval(r: &Row, sign: f64, f: impl Fn(f64) -> String) -> String {
    let (lo, hi) = if sign < 0.0 { (-r.hi, -r.lo) } else { (r.lo, r.hi) };
    if lo.is_finite() && hi.is_finite() {
        format!("{} (95% interval {} to {})", f(sign * r.mean), f(lo), f(hi))
    } else {
        format!("{} (no interval)", f(sign * r.mean))
    }
}

/// The cost-effectiveness verdict from the (discounted) change in cost and QALYs.
pub(crate) fn icer_words(delta_cost: f64, delta_qalys: f64) -> String {
    match (delta_cost <= 0.0, delta_qalys >= 0.0) {
        (true, true) => "dominant: saves money and gains QALYs".into(),
        (false, false) => "dominated: costs more and loses QALYs".into(),
        (false, true) => format!("ICER {} per QALY gained", money(delta_cost / delta_qalys)),
        (true, false) => format!("saves {} per QALY lost", money(delta_cost / delta_qalys)),
    }
}

/// The plain-text board summary: the base's inequality in life expectancy, then per option the
/// admissions avoided, net saving, return per £1, change in the deprivation gap, QALYs and net
/// monetary benefit, each with its 95% interval, and how much the pairing narrowed the intervals.
pub fn board_summary(c: &Comparison) -> String {
    let window = crate::analysis::compare::period_label(c.window.0, c.window.1);
    let mut s = String::new();
    let conv = &c.conventions;
    let _ = writeln!(
        s,
        "placesim comparison, {window}: {} paired replicates per scenario; means with 95% intervals across replicates; {} prices; costs and QALYs discounted at {:.1}% a year where stated.",
        c.replicates,
        conv.price_base,
        100.0 * conv.discount_costs
    );
    let lvl = |metric: &str, group: &str| find(c, &c.base, RowKind::Level, metric, group, &window);
    let _ = writeln!(s, "\nBase: {}", c.base);
    if let Some(r) = lvl("emergency_admissions", "all") {
        let years = f64::from(c.window.1 - c.window.0 + 1);
        let _ = writeln!(
            s,
            "  emergency admissions: {} a year ({} in the window)",
            group_thousands(r.mean / years),
            group_thousands(r.mean)
        );
    }
    for (sex, word) in [("male", "men"), ("female", "women")] {
        if let Some(r) = lvl(&format!("life_expectancy_at_birth_{sex}_gap_abs"), "all") {
            let at65 = lvl(&format!("life_expectancy_at_65_{sex}_gap_abs"), "all");
            let _ = writeln!(
                s,
                "  life-expectancy gap, least vs most deprived fifth, {word}: {} years at birth{}",
                interval_of(r, |v| format!("{v:.1}")),
                at65.map_or(String::new(), |r| format!(
                    ", {} at 65",
                    interval_of(r, |v| format!("{v:.1}"))
                ))
            );
        }
    }
    if let Some(r) = lvl("admissions_per_1000_gap_abs", "all") {
        let _ = writeln!(
            s,
            "  admission-rate gap, most vs least deprived fifth: {} per 1,000 a year",
            interval_of(r, |v| format!("{v:.1}"))
        );
    }
    for option in &c.options {
        let vs = |metric: &str| find(c, option, RowKind::VsBase, metric, "all", &window);
        let diff = |metric: &str| find(c, option, RowKind::Difference, metric, "all", &window);
        let _ = writeln!(s, "\n{option} vs {}, {window}:", c.base);
        if let Some(r) = vs("admissions_avoided") {
            let (word, sign) = if r.mean >= 0.0 { ("fewer", 1.0) } else { ("more", -1.0) };
            let _ = writeln!(
                s,
                "  emergency admissions: {} {word}",
                signed_interval(r, sign, group_thousands)
            );
        }
        if let Some(r) = vs("net_saving") {
            let (word, sign) = if r.mean >= 0.0 {
                ("net saving", 1.0)
            } else {
                ("net cost", -1.0)
            };
            let _ = write!(s, "  {word}: {}", signed_interval(r, sign, money));
            if let Some(d) = vs("net_saving_discounted") {
                let _ = write!(s, "; discounted {}", money(sign * d.mean));
            }
            let _ = writeln!(s);
        }
        if let (Some(r), Some(i)) = (vs("return_per_pound"), vs("investment")) {
            if r.mean.is_finite() {
                let _ = writeln!(
                    s,
                    "  return per £1 of extra service spend: {} (extra spend {})",
                    interval_of(r, pounds_pence),
                    money(i.mean)
                );
            } else {
                let _ = writeln!(
                    s,
                    "  return per £1: not defined, as service spend changes by {} (no extra investment)",
                    money(i.mean)
                );
            }
        }
        if let (Some(claim), Some(model), Some(cash)) = (
            vs("bridge_claim_counted"),
            vs("bridge_modelled_net_saving"),
            vs("bridge_cash_releasing_net_saving"),
        ) {
            let _ = writeln!(
                s,
                "  from claim to model: the services' own count would claim {} net; modelled {}; cash-releasing {} (rows bridge_*)",
                money(claim.mean),
                money(model.mean),
                interval_of(cash, money)
            );
        }
        if let Some(r) = diff("admissions_per_1000_gap_abs") {
            let (word, sign) = if r.mean <= 0.0 {
                ("narrows", -1.0)
            } else {
                ("widens", 1.0)
            };
            let _ = writeln!(
                s,
                "  most–least deprived admission-rate gap {word} by {} per 1,000",
                signed_interval(r, sign, |v| format!("{v:.2}"))
            );
        }
        for (sex, word) in [("male", "men"), ("female", "women")] {
            if let Some(r) = diff(&format!("life_expectancy_at_birth_{sex}_gap_abs")) {
                let _ = writeln!(
                    s,
                    "  change in life-expectancy gap, {word}: {} years",
                    interval_of(r, |v| format!("{v:+.2}"))
                );
            }
        }
        if let Some(r) = vs("qalys_gained_discounted") {
            let _ = write!(
                s,
                "  QALYs gained (discounted): {}",
                interval_of(r, |v| format!("{v:.1}"))
            );
            if let (Some(q), Some(c)) = (vs("qalys_gained_discounted"), vs("net_saving_discounted")) {
                let _ = write!(s, "; {}", icer_words(-c.mean, q.mean));
            }
            let _ = writeln!(s);
        }
        for &lambda in &conv.thresholds {
            if let Some(r) = vs(&format!("nmb_{}", lambda.round() as i64)) {
                let _ = writeln!(
                    s,
                    "  net monetary benefit at {}/QALY: {}",
                    money(lambda),
                    interval_of(r, money)
                );
            }
        }
        if let Some(r) = diff("emergency_admissions") {
            let paired = r.hi - r.lo;
            let unpaired = r.unpaired_hi - r.unpaired_lo;
            if paired > 0.0 && unpaired.is_finite() {
                let _ = writeln!(
                    s,
                    "  pairing: the 95% interval of the admissions difference is {:.1}× narrower paired ({} to {}) than unpaired ({} to {})",
                    unpaired / paired,
                    group_thousands(r.lo),
                    group_thousands(r.hi),
                    group_thousands(r.unpaired_lo),
                    group_thousands(r.unpaired_hi)
                );
            }
        }
    }
    s
}

/// Writes a comparison folder's data files (not yet committed) and returns them for the
/// manifest: the comparison table (`comparison.csv`, and `comparison.parquet` unless the format
/// is CSV), the board summary, and the summaries and series of each scenario. The caller
/// writes the manifest last ([`super::write_manifest`] with the comparison), after any other
/// data file.
pub fn write_comparison(
    dir: &OutDir,
    run: &RunInfo,
    views: &[ScenarioView<'_>],
    c: &Comparison,
) -> Result<Vec<WrittenFile>, OutputError> {
    let text = board_summary(c);
    let summaries: Vec<_> = views.iter().map(summarise).collect();
    let mut written = vec![dir.write_data_file("comparison.csv", |w| write_comparison_csv(w, c))?];
    if run.format.parquet() {
        written.push(dir.write_data_file("comparison.parquet", |w| write_comparison_parquet(w, c))?);
    }
    written.push(dir.write_data_file("comparison.json", |w| write_comparison_json(w, c, &text))?);
    written.push(dir.write_data_file("board-summary.txt", |w| w.write_all(text.as_bytes()))?);
    written.push(dir.write_data_file("summary.csv", |w| summary::write_csv(w, views, &summaries))?);
    written.push(dir.write_data_file("summary.json", |w| summary::write_json(w, run, views, &summaries))?);
    written.push(dir.write_data_file("series.csv", |w| series::write_csv(w, views))?);
    if run.format.parquet() {
        written.push(dir.write_data_file("series.parquet", |w| series::write_parquet(w, views))?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_counts_read_like_a_board_paper() {
        assert_eq!(money(4_123_456.0), "£4.1m");
        assert_eq!(money(-950_400.0), "−£950k");
        assert_eq!(money(12_300.4), "£12k");
        assert_eq!(money(9_999.0), "£9,999");
        assert_eq!(group_thousands(2140.0), "2,140");
        assert_eq!(group_thousands(-1_234_567.0), "−1,234,567");
        assert_eq!(group_thousands(0.2), "0");
        assert_eq!(pounds_pence(0.834), "£0.83");
        assert_eq!(pounds_pence(-0.001), "£0.00");
        assert_eq!(pounds_pence(-1.5), "−£1.50");
    }

    #[test]
    fn the_csv_header_is_the_tables_columns() {
        assert_eq!(comparison_table().header(), COMPARISON_COLUMNS.join(","));
    }
}
