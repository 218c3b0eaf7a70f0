//! `weekly` and `annual`: long ("tidy") tables, one value per row. Their rows are produced once
//! ([`weekly_rows`], [`annual_rows`]) into a [`RowSink`]: [`CsvSink`] writes `weekly.csv` and
//! `annual.csv`, [`ParquetSink`] `weekly.parquet` and `annual.parquet`. Each value is formatted
//! as the CSV writes it (into a reused buffer, without allocation) and the Parquet file stores
//! what that text parses to, so the two formats hold the same numbers exactly.

use super::parquet::ParquetSink;
use super::rows::{CsvSink, Field, Kind, RowSink, Table};
use super::{Detail, ScenarioView};
use crate::calendar::financial_year_label;
use crate::results::{breakdown_cell, MetricKind, Tally, AGE_BANDS, IMD_QUINTILES, OVERHEAD_CELL, SEXES};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Columns and types of `weekly` (the CSV header is [`super::WEEKLY_COLUMNS`]).
pub(crate) fn weekly_table() -> Table {
    breakdown_table("week_start", Kind::Date)
}

/// Columns and types of `annual` (the CSV header is [`super::ANNUAL_COLUMNS`]).
pub(crate) fn annual_table() -> Table {
    breakdown_table("financial_year", Kind::Category)
}

fn breakdown_table(period: &str, kind: Kind) -> Table {
    Table::of([
        ("scenario", Kind::Category),
        ("replicate", Kind::Int),
        (period, kind),
        ("locality", Kind::Category),
        ("imd_quintile", Kind::Category),
        ("age_band", Kind::Category),
        ("sex", Kind::Category),
        ("metric", Kind::Category),
        ("value", Kind::Number),
    ])
}

/// Appends the decimal digits of `v`.
#[inline]
fn push_uint(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend(buf[i..].iter().map(|&b| char::from(b)));
}

/// Appends `v` with `decimals` decimals (`-0.0` as `0.00`); nothing when `v` is not finite (an
/// empty field: missing).
#[inline]
fn push_fixed(out: &mut String, v: f64, decimals: usize) {
    if v.is_finite() {
        // Writing into a String cannot fail; `+ 0.0` turns -0.0 into 0.0.
        let _ = write!(out, "{:.*}", decimals, v + 0.0);
    }
}

/// Appends a count in residents: as a whole number with one decimal (`5.0`) when every agent
/// stands for a whole number of residents (`integral`: scale 1, 0.1, 0.02, ...), else with two
/// decimals. Either way the value has a decimal point, so that readers that guess a column's
/// type from its first rows (polars looks at 100) read the `value` column as one float column,
/// not as integers that later fail on `500.00`.
#[inline]
fn push_count(out: &mut String, v: f64, integral: bool) {
    if integral && v.is_finite() {
        push_uint(out, v.round().max(0.0) as u64);
        out.push_str(".0");
    } else {
        push_fixed(out, v, 2);
    }
}

/// Whether every agent of `s` stands for a whole number of residents (counts are written as
/// whole numbers; see [`push_count`]).
fn integral(s: &ScenarioView<'_>) -> bool {
    let f = 1.0 / s.scale;
    (f - f.round()).abs() < 1e-9
}

/// Writes one row of the current key: `metric` and the value formatted by `format` into the
/// reused `value` buffer.
#[inline]
fn put(sink: &mut dyn RowSink, value: &mut String, metric: &str, format: impl FnOnce(&mut String)) -> io::Result<()> {
    value.clear();
    format(value);
    sink.row(&[Field::Text(metric), Field::Number(value)])
}

/// Writes one row per metric and cost category of the view's catalogue under the sink's current
/// key. `raw` holds the period's counts and summed stock levels by metric index, in residents;
/// stocks are written as `raw / weeks` (two decimals) unless `weeks` is `None` (a single week:
/// written as counts).
fn push_rows(
    sink: &mut dyn RowSink,
    value: &mut String,
    s: &ScenarioView<'_>,
    raw: &[f64],
    weeks: Option<f64>,
) -> io::Result<()> {
    let integral = integral(s);
    for (m, &v) in s.catalog.metrics().iter().zip(raw) {
        put(sink, value, &m.name, |out| match (m.kind, weeks) {
            (MetricKind::Stock, Some(weeks)) => push_fixed(out, v / weeks, 2),
            _ => push_count(out, v, integral),
        })?;
    }
    let costs = s.costs.costs(&|m: usize| raw[m]);
    for (c, &v) in s.catalog.cost_categories().iter().zip(&costs) {
        put(sink, value, &c.name, |out| push_fixed(out, v, 2))?;
    }
    Ok(())
}

/// Service-value rows of the view's catalogue (expected counts to 3 decimals, costs to 2) for
/// a period's raw tallies and avoided-crisis sums, all in residents, under the current key.
fn push_values(
    sink: &mut dyn RowSink,
    value: &mut String,
    s: &ScenarioView<'_>,
    raw: &[f64],
    avoided: &[f64],
) -> io::Result<()> {
    let values = s.costs.values(&|m: usize| raw[m], avoided);
    for (v, &x) in s.catalog.value_metrics().iter().zip(&values) {
        put(sink, value, &v.name, |out| {
            push_fixed(out, x, if v.is_cost { 2 } else { 3 })
        })?;
    }
    Ok(())
}

/// Avoided-crisis sums of one locality over the weeks of a financial year, in residents.
pub(crate) fn avoided_in_fy(s: &ScenarioView<'_>, tally: &Tally, fy: usize, l: usize) -> Vec<f64> {
    let mut sum = vec![0.0; 2 * tally.n_avoiding()];
    for w in (0..tally.weeks()).filter(|&w| usize::from(s.calendar.fy_of_week[w]) == fy) {
        for (acc, v) in sum.iter_mut().zip(tally.avoided(w, l)) {
            *acc += v;
        }
    }
    for x in &mut sum {
        *x *= tally.residents_per_agent();
    }
    sum
}

/// Locality keys of the tally's localities (the index where the place names none).
fn locality_keys(s: &ScenarioView<'_>, tally: &Tally) -> Vec<String> {
    (0..tally.localities())
        .map(|l| s.localities.get(l).map_or_else(|| l.to_string(), |k| (*k).to_string()))
        .collect()
}

/// The rows of `weekly`: every metric and cost category for every (scenario, replicate, week,
/// locality), zeros included. Stocks are end-of-week levels; costs treat them as one
/// person-week.
pub(crate) fn weekly_rows(sink: &mut dyn RowSink, scenarios: &[ScenarioView<'_>]) -> io::Result<()> {
    let mut value = String::with_capacity(32);
    for s in scenarios {
        let mut raw = vec![0.0f64; s.catalog.n_metrics()];
        let mut avoided = Vec::with_capacity(2 * s.catalog.n_avoiding());
        for (r, tally) in s.replicates.iter().enumerate() {
            let locs = locality_keys(s, tally);
            for week in 0..tally.weeks() {
                let date = s.calendar.week_start(week);
                for (l, loc) in locs.iter().enumerate() {
                    sink.key(&[
                        Field::Text(s.name),
                        Field::Int(r as i64),
                        Field::Date(date),
                        Field::Text(loc),
                        Field::Text("all"),
                        Field::Text("all"),
                        Field::Text("all"),
                    ])?;
                    for (m, v) in raw.iter_mut().enumerate() {
                        *v = tally.weekly_residents(week, l, m);
                    }
                    push_rows(sink, &mut value, s, &raw, None)?;
                    avoided.clear();
                    avoided.extend(tally.avoided(week, l).iter().map(|v| v * tally.residents_per_agent()));
                    push_values(sink, &mut value, s, &raw, &avoided)?;
                }
            }
        }
    }
    sink.finish()
}

/// The key of a block of `annual` rows: scenario, replicate, financial year, locality and the
/// breakdown cell (IMD quintile, age band, sex).
fn annual_key<'a>(scenario: &'a str, r: usize, year: &'a str, loc: &'a str, cell: [&'a str; 3]) -> [Field<'a>; 7] {
    let [quintile, band, sex] = cell;
    [
        Field::Text(scenario),
        Field::Int(r as i64),
        Field::Text(year),
        Field::Text(loc),
        Field::Text(quintile),
        Field::Text(band),
        Field::Text(sex),
    ]
}

/// The rows of `annual`: per financial year, counts summed, stocks as mean weekly level, costs
/// from the summed counts and person-weeks. At [`Detail::Standard`] one block per breakdown
/// cell (IMD quintile × age band × sex), skipping cells whose every value is zero; at
/// [`Detail::Minimal`] one block per locality.
pub(crate) fn annual_rows(sink: &mut dyn RowSink, scenarios: &[ScenarioView<'_>], detail: Detail) -> io::Result<()> {
    let mut value = String::with_capacity(32);
    for s in scenarios {
        let mut raw = vec![0.0f64; s.catalog.n_metrics()];
        for (r, tally) in s.replicates.iter().enumerate() {
            let locs = locality_keys(s, tally);
            for fy in 0..tally.financial_years() {
                let label = s
                    .calendar
                    .financial_years
                    .get(fy)
                    .map_or_else(|| fy.to_string(), |&y| financial_year_label(y));
                let weeks = f64::from(s.calendar.weeks_in_fy.get(fy).copied().unwrap_or(1).max(1));
                for (l, loc) in locs.iter().enumerate() {
                    match detail {
                        Detail::Minimal => {
                            for (m, v) in raw.iter_mut().enumerate() {
                                *v = tally.annual_locality_residents(fy, l, m);
                            }
                            sink.key(&annual_key(s.name, r, &label, loc, ["all"; 3]))?;
                            push_rows(sink, &mut value, s, &raw, Some(weeks))?;
                            push_values(sink, &mut value, s, &raw, &avoided_in_fy(s, tally, fy, l))?;
                        }
                        Detail::Standard => {
                            for (q, quintile) in IMD_QUINTILES.iter().enumerate() {
                                for (a, band) in AGE_BANDS.iter().enumerate() {
                                    for (x, sex) in SEXES.iter().enumerate() {
                                        let cell = breakdown_cell(q, a, x);
                                        for (m, v) in raw.iter_mut().enumerate() {
                                            *v = tally.annual_residents(fy, l, cell, m);
                                        }
                                        if raw.iter().all(|&v| v == 0.0) {
                                            continue;
                                        }
                                        sink.key(&annual_key(s.name, r, &label, loc, [quintile, band, sex]))?;
                                        push_rows(sink, &mut value, s, &raw, Some(weeks))?;
                                    }
                                }
                            }
                            for (m, v) in raw.iter_mut().enumerate() {
                                *v = tally.annual_residents(fy, l, OVERHEAD_CELL, m);
                            }
                            if raw.iter().any(|&v| v != 0.0) {
                                sink.key(&annual_key(s.name, r, &label, loc, ["unattributed"; 3]))?;
                                push_rows(sink, &mut value, s, &raw, Some(weeks))?;
                            }
                            // Service values are kept per locality only: one `all` block each.
                            for (m, v) in raw.iter_mut().enumerate() {
                                *v = tally.annual_locality_residents(fy, l, m);
                            }
                            sink.key(&annual_key(s.name, r, &label, loc, ["all"; 3]))?;
                            push_values(sink, &mut value, s, &raw, &avoided_in_fy(s, tally, fy, l))?;
                        }
                    }
                }
            }
        }
    }
    sink.finish()
}

/// Writes `weekly.csv` ([`weekly_rows`]).
pub(crate) fn write_weekly(w: &mut dyn Write, scenarios: &[ScenarioView<'_>]) -> io::Result<()> {
    weekly_rows(&mut CsvSink::new(w, &weekly_table())?, scenarios)
}

/// Writes `weekly.parquet` ([`weekly_rows`]).
pub(crate) fn write_weekly_parquet(w: &mut (dyn Write + Send), scenarios: &[ScenarioView<'_>]) -> io::Result<()> {
    weekly_rows(&mut ParquetSink::new(w, &weekly_table())?, scenarios)
}

/// Writes `annual.csv` ([`annual_rows`]).
pub(crate) fn write_annual(w: &mut dyn Write, scenarios: &[ScenarioView<'_>], detail: Detail) -> io::Result<()> {
    annual_rows(&mut CsvSink::new(w, &annual_table())?, scenarios, detail)
}

/// Writes `annual.parquet` ([`annual_rows`]).
pub(crate) fn write_annual_parquet(
    w: &mut (dyn Write + Send),
    scenarios: &[ScenarioView<'_>],
    detail: Detail,
) -> io::Result<()> {
    annual_rows(&mut ParquetSink::new(w, &annual_table())?, scenarios, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::testdata::{fixture, Fixture};
    use crate::results::Catalog;

    /// Metrics, cost categories and service-value lines of the built-in catalogue.
    fn widths() -> (usize, usize, usize) {
        let c = Catalog::builtin();
        (c.n_metrics(), c.n_costs(), c.n_values())
    }

    fn text(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> String {
        let mut buf = Vec::new();
        f(&mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn numbers_are_formatted_plainly_with_a_decimal_point_and_missing_empty() {
        let mut v = String::new();
        for x in [0, 7, 10, 4_294_967_295, u64::MAX] {
            push_uint(&mut v, x);
            v.push(' ');
        }
        push_fixed(&mut v, -0.0, 2);
        v.push(' ');
        push_fixed(&mut v, 2.0 / 3.0, 2);
        v.push(' ');
        push_fixed(&mut v, 2.0 / 3.0, 3);
        v.push('|');
        push_fixed(&mut v, f64::NAN, 2);
        v.push('|');
        push_count(&mut v, 5.0, true);
        v.push(' ');
        push_count(&mut v, 5.0, false);
        v.push('|');
        push_count(&mut v, f64::INFINITY, true);
        v.push('|');
        assert_eq!(v, "0 7 10 4294967295 18446744073709551615 0.00 0.67 0.667||5.0 5.00||");
    }

    #[test]
    fn the_csv_headers_are_the_tables_columns() {
        assert_eq!(weekly_table().header(), crate::output::WEEKLY_COLUMNS);
        assert_eq!(annual_table().header(), crate::output::ANNUAL_COLUMNS);
    }

    #[test]
    fn weekly_has_the_exact_header_and_a_complete_grid() {
        let Fixture { tallies, calendar } = fixture();
        let views = [crate::output::testdata::view(&calendar, &tallies)];
        let out = text(|w| write_weekly(w, &views));
        let mut lines = out.lines();
        assert_eq!(
            lines.next(),
            Some("scenario,replicate,week_start,locality,imd_quintile,age_band,sex,metric,value")
        );
        // 2 replicates × 3 weeks × 2 localities × (metrics + costs + service values)
        let (metrics, costs, values) = widths();
        assert_eq!(lines.count(), 2 * 3 * 2 * (metrics + costs + values));
    }

    #[test]
    fn weekly_values_land_in_the_right_rows() {
        let Fixture { tallies, calendar } = fixture();
        let views = [crate::output::testdata::view(&calendar, &tallies)];
        let out = text(|w| write_weekly(w, &views));
        // Replicate 1, week 1 (2019-04-01), locality "north": 5 A&E attendances (see fixture).
        assert!(
            out.contains("\ntest,1,2019-04-01,north,all,all,all,ae_attendances,5.0\n"),
            "{out}"
        );
        assert!(out.contains("\ntest,1,2019-04-01,north,all,all,all,cost_ae,500.00\n"));
        // A stock in a week is a whole number and costs as one person-week.
        assert!(out.contains("\ntest,0,2019-04-08,south,all,all,all,home_care_clients,3.0\n"));
        assert!(out.contains("\ntest,0,2019-04-08,south,all,all,all,cost_home_care,30.00\n"));
        assert!(
            out.contains("\ntest,0,2019-03-25,north,all,all,all,deaths,0.0\n"),
            "zeros are written"
        );
    }

    #[test]
    fn annual_standard_writes_cells_with_residents_and_averages_stocks() {
        let Fixture { tallies, calendar } = fixture();
        let views = [crate::output::testdata::view(&calendar, &tallies)];
        let out = text(|w| write_annual(w, &views, Detail::Standard));
        let mut lines = out.lines();
        assert_eq!(
            lines.next(),
            Some("scenario,replicate,financial_year,locality,imd_quintile,age_band,sex,metric,value")
        );
        // Replicate 0, FY2019/20 (2 weeks), north, quintile 2, 75-84, female: population summed
        // over weeks = 7 → mean level 3.50; 4 deaths.
        assert!(
            out.contains("\ntest,0,FY2019/20,north,q2,75-84,female,population,3.50\n"),
            "{out}"
        );
        assert!(out.contains("\ntest,0,FY2019/20,north,q2,75-84,female,deaths,4.0\n"));
        // Home care: 6 person-weeks → mean 3.00, cost 6 × 10.
        assert!(out.contains("\ntest,0,FY2019/20,north,q2,75-84,female,home_care_clients,3.00\n"));
        assert!(out.contains("\ntest,0,FY2019/20,north,q2,75-84,female,cost_home_care,60.00\n"));
        // Only non-empty cells are written: one cell per (replicate, FY, locality) in the fixture.
        let cells = out.lines().filter(|l| l.contains(",population,")).count();
        assert_eq!(cells, 2);
        // plus one block of service values per (replicate, FY, locality)
        let (metrics, costs, values) = widths();
        assert_eq!(out.lines().count() - 1, cells * (metrics + costs) + 2 * 2 * 2 * values);
    }

    #[test]
    fn annual_minimal_writes_one_block_per_locality() {
        let Fixture { tallies, calendar } = fixture();
        let views = [crate::output::testdata::view(&calendar, &tallies)];
        let out = text(|w| write_annual(w, &views, Detail::Minimal));
        // 2 replicates × 2 FYs × 2 localities.
        let (metrics, costs, values) = widths();
        assert_eq!(out.lines().count() - 1, 2 * 2 * 2 * (metrics + costs + values));
        assert!(out.contains("\ntest,0,FY2019/20,north,all,all,all,population,3.50\n"));
        assert!(out.contains("\ntest,0,FY2018/19,south,all,all,all,population,0.00\n"));
    }

    #[test]
    fn avoided_activity_is_written_weekly_and_summed_by_financial_year() {
        let Fixture { mut tallies, calendar } = fixture();
        // Huddles avoided 0.5 A&E attendances and 0.25 admissions in each of weeks 1 and 2 in
        // the north of replicate 0 (both in FY2019/20).
        for w in [1, 2] {
            tallies[0].avoided_row_mut(w, 0)[..2].copy_from_slice(&[0.5, 0.25]);
        }
        let views = [crate::output::testdata::view(&calendar, &tallies)];
        let weekly = text(|w| write_weekly(w, &views));
        assert!(weekly.contains("\ntest,0,2019-04-01,north,all,all,all,expected_ae_avoided_huddles,0.500\n"));
        assert!(weekly.contains("\ntest,0,2019-04-01,north,all,all,all,expected_admissions_avoided_huddles,0.250\n"));
        let annual = text(|w| write_annual(w, &views, Detail::Standard));
        assert!(
            annual.contains("\ntest,0,FY2019/20,north,all,all,all,expected_ae_avoided_huddles,1.000\n"),
            "{annual}"
        );
        // The test cost model prices an avoided admission at £1.
        assert!(annual.contains("\ntest,0,FY2019/20,north,all,all,all,cost_avoided_huddles,0.50\n"));
        assert!(annual.contains("\ntest,0,FY2018/19,north,all,all,all,cost_avoided_huddles,0.00\n"));
    }
}
