//! `weekly.csv` and `annual.csv`: long ("tidy") tables, one value per row. Rows are assembled
//! in a reused byte buffer (numbers formatted without allocation) and written in blocks.

use super::{csv_field, Detail, ScenarioView, ANNUAL_COLUMNS, WEEKLY_COLUMNS};
use crate::calendar::financial_year_label;
use crate::results::{breakdown_cell, MetricKind, Tally, AGE_BANDS, IMD_QUINTILES, OVERHEAD_CELL, SEXES};
use std::io::{self, Write};

/// Appends the decimal digits of `v`.
#[inline]
pub(crate) fn push_uint(line: &mut Vec<u8>, mut v: u64) {
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
    line.extend_from_slice(&buf[i..]);
}

/// Appends `v` with two decimals (`-0.0` as `0.00`); nothing when `v` is not finite (an empty
/// field: missing).
#[inline]
pub(crate) fn push_fixed2(line: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        // Writing into a Vec cannot fail; `+ 0.0` turns -0.0 into 0.0.
        let _ = write!(line, "{:.2}", v + 0.0);
    }
}

/// Appends a count in residents: as a whole number with one decimal (`5.0`) when every agent
/// stands for a whole number of residents (`integral`: scale 1, 0.1, 0.02, ...), else with two
/// decimals. Either way the value has a decimal point, so that readers that guess a column's
/// type from its first rows (polars looks at 100) read the `value` column as one float column,
/// not as integers that later fail on `500.00`.
#[inline]
fn push_count(line: &mut Vec<u8>, v: f64, integral: bool) {
    if integral && v.is_finite() {
        push_uint(line, v.round().max(0.0) as u64);
        line.extend_from_slice(b".0");
    } else {
        push_fixed2(line, v);
    }
}

/// Whether every agent of `s` stands for a whole number of residents (counts are written as
/// whole numbers; see [`push_count`]).
fn integral(s: &ScenarioView<'_>) -> bool {
    let f = 1.0 / s.scale;
    (f - f.round()).abs() < 1e-9
}

/// Appends one row per metric and cost category of the view's catalogue after `prefix`.
/// `raw` holds the period's counts and summed stock levels by metric index, in residents;
/// stocks are written as `raw / weeks` (two decimals) unless `weeks` is `None` (a single
/// week: written as counts).
fn push_rows(line: &mut Vec<u8>, prefix: &[u8], s: &ScenarioView<'_>, raw: &[f64], weeks: Option<f64>) {
    let integral = integral(s);
    for (m, &v) in s.catalog.metrics().iter().zip(raw) {
        line.extend_from_slice(prefix);
        line.extend_from_slice(m.name.as_bytes());
        line.push(b',');
        match (m.kind, weeks) {
            (MetricKind::Stock, Some(weeks)) => push_fixed2(line, v / weeks),
            _ => push_count(line, v, integral),
        }
        line.push(b'\n');
    }
    let costs = s.costs.costs(&|m: usize| raw[m]);
    for (c, &v) in s.catalog.cost_categories().iter().zip(&costs) {
        line.extend_from_slice(prefix);
        line.extend_from_slice(c.name.as_bytes());
        line.push(b',');
        push_fixed2(line, v);
        line.push(b'\n');
    }
}

/// Service-value rows of the view's catalogue (expected counts to 3 decimals, costs to 2) for
/// a period's raw tallies and avoided-crisis sums, all in residents.
fn push_values(line: &mut Vec<u8>, prefix: &[u8], s: &ScenarioView<'_>, raw: &[f64], avoided: &[f64]) {
    let values = s.costs.values(&|m: usize| raw[m], avoided);
    for (v, &x) in s.catalog.value_metrics().iter().zip(&values) {
        line.extend_from_slice(prefix);
        line.extend_from_slice(v.name.as_bytes());
        line.push(b',');
        if v.is_cost {
            push_fixed2(line, x);
        } else if x.is_finite() {
            let _ = write!(line, "{:.3}", x + 0.0);
        }
        line.push(b'\n');
    }
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

fn locality_fields(s: &ScenarioView<'_>, tally: &Tally) -> Vec<String> {
    (0..tally.localities())
        .map(|l| s.localities.get(l).map_or_else(|| l.to_string(), |k| csv_field(k)))
        .collect()
}

/// Writes `weekly.csv`: every metric and cost category for every (scenario, replicate, week,
/// locality), zeros included. Stocks are end-of-week levels; costs treat them as one
/// person-week.
pub(crate) fn write_weekly(w: &mut dyn Write, scenarios: &[ScenarioView<'_>]) -> io::Result<()> {
    w.write_all(WEEKLY_COLUMNS.as_bytes())?;
    w.write_all(b"\n")?;
    let mut line = Vec::with_capacity(64 * 1024);
    let mut prefix = Vec::with_capacity(256);
    for s in scenarios {
        let name = csv_field(s.name);
        let mut raw = vec![0.0f64; s.catalog.n_metrics()];
        let mut avoided = Vec::with_capacity(2 * s.catalog.n_avoiding());
        for (r, tally) in s.replicates.iter().enumerate() {
            let locs = locality_fields(s, tally);
            for week in 0..tally.weeks() {
                let date = s.calendar.week_start(week).to_string();
                for (l, loc) in locs.iter().enumerate() {
                    prefix.clear();
                    write!(prefix, "{name},{r},{date},{loc},all,all,all,")?;
                    for (m, v) in raw.iter_mut().enumerate() {
                        *v = tally.weekly_residents(week, l, m);
                    }
                    push_rows(&mut line, &prefix, s, &raw, None);
                    avoided.clear();
                    avoided.extend(tally.avoided(week, l).iter().map(|v| v * tally.residents_per_agent()));
                    push_values(&mut line, &prefix, s, &raw, &avoided);
                    w.write_all(&line)?;
                    line.clear();
                }
            }
        }
    }
    Ok(())
}

/// Writes `annual.csv`: per financial year, counts summed, stocks as mean weekly level, costs
/// from the summed counts and person-weeks. At [`Detail::Standard`] one block per breakdown
/// cell (IMD quintile × age band × sex), skipping cells whose every value is zero; at
/// [`Detail::Minimal`] one block per locality.
pub(crate) fn write_annual(w: &mut dyn Write, scenarios: &[ScenarioView<'_>], detail: Detail) -> io::Result<()> {
    w.write_all(ANNUAL_COLUMNS.as_bytes())?;
    w.write_all(b"\n")?;
    let mut line = Vec::with_capacity(64 * 1024);
    let mut prefix = Vec::with_capacity(256);
    for s in scenarios {
        let name = csv_field(s.name);
        let mut raw = vec![0.0f64; s.catalog.n_metrics()];
        for (r, tally) in s.replicates.iter().enumerate() {
            let locs = locality_fields(s, tally);
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
                            prefix.clear();
                            write!(prefix, "{name},{r},{label},{loc},all,all,all,")?;
                            push_rows(&mut line, &prefix, s, &raw, Some(weeks));
                            push_values(&mut line, &prefix, s, &raw, &avoided_in_fy(s, tally, fy, l));
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
                                        prefix.clear();
                                        write!(prefix, "{name},{r},{label},{loc},{quintile},{band},{sex},")?;
                                        push_rows(&mut line, &prefix, s, &raw, Some(weeks));
                                    }
                                }
                            }
                            for (m, v) in raw.iter_mut().enumerate() {
                                *v = tally.annual_residents(fy, l, OVERHEAD_CELL, m);
                            }
                            if raw.iter().any(|&v| v != 0.0) {
                                prefix.clear();
                                write!(
                                    prefix,
                                    "{name},{r},{label},{loc},unattributed,unattributed,unattributed,"
                                )?;
                                push_rows(&mut line, &prefix, s, &raw, Some(weeks));
                            }
                            // Service values are kept per locality only: one `all` block each.
                            for (m, v) in raw.iter_mut().enumerate() {
                                *v = tally.annual_locality_residents(fy, l, m);
                            }
                            prefix.clear();
                            write!(prefix, "{name},{r},{label},{loc},all,all,all,")?;
                            push_values(&mut line, &prefix, s, &raw, &avoided_in_fy(s, tally, fy, l));
                        }
                    }
                    w.write_all(&line)?;
                    line.clear();
                }
            }
        }
    }
    Ok(())
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
    fn numbers_are_formatted_plainly() {
        let mut v = Vec::new();
        for x in [0, 7, 10, 4_294_967_295, u64::MAX] {
            push_uint(&mut v, x);
            v.push(b' ');
        }
        push_fixed2(&mut v, -0.0);
        v.push(b' ');
        push_fixed2(&mut v, 2.0 / 3.0);
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "0 7 10 4294967295 18446744073709551615 0.00 0.67"
        );
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
