//! How many bytes a run or comparison folder will take, estimated before anything runs, so a
//! request whose files cannot fit on the disk is refused instead of failing part-way (or
//! filling the disk). The tidy CSV tables are counted row by row from the writers' own formats
//! (the scenario name, replicate number, date or year and locality are in every row); only the
//! width of a value is assumed ([`VALUE_WIDTH`]). The Parquet tables are counted from their
//! rows at the bytes per row measured on a full-scale run ([`WEEKLY_PARQUET_ROW`],
//! [`ANNUAL_PARQUET_ROW`]). The small files are counted from their row counts at typical widths
//! measured on real folders.

use super::{csv_field, Detail, Format};
use crate::analysis::series::series;
use crate::calendar::financial_year_label;
use crate::results::{Catalog, RunCalendar, Tally, AGE_BANDS, BREAKDOWN_CELLS, IMD_QUINTILES, SEXES};

/// Characters assumed for one value in `weekly.csv` and `annual.csv`: counts end in `.0` (or
/// carry two decimals below a whole number of residents per agent), costs and mean stocks two
/// decimals, and most values are small. Measured on the README's main job (two scenarios, 20
/// replicates, full scale): 4.3 a value in `weekly.csv`, 4.2 in `annual.csv`; rounded up.
pub const VALUE_WIDTH: u64 = 5;

/// Bytes per row of `weekly.parquet`. Measured on the README's main job: 13,330,435 bytes for
/// 12,673,920 rows (1.05; zstd level [`super::parquet::ZSTD_LEVEL`], row groups of
/// [`super::parquet::ROW_GROUP_ROWS`] rows), rounded up. A sample below full scale has more
/// zeros and compresses further, so it is overestimated.
pub const WEEKLY_PARQUET_ROW: f64 = 1.1;

/// Bytes per row of `annual.parquet`. Measured on the README's main job: 10,611,757 bytes for
/// 9,279,532 rows (1.14), rounded up.
pub const ANNUAL_PARQUET_ROW: f64 = 1.2;

/// Bytes per row of `series.parquet` and `comparison.parquet`, generously (`series.parquet`
/// measured 8.5 on the main job; a comparison row has seven numbers), and a Parquet file's
/// fixed part (footer and schema).
const SMALL_PARQUET_ROW: u64 = 40;
const PARQUET_FILE: u64 = 16 << 10;

/// Charts (SVG and PNG) and `report.html`: about 4 MB measured on a comparison; allowed twice.
const FIGURE_BYTES: u64 = 8 << 20;

/// `manifest.json` per scenario (catalogues, parameters, sourced assumptions), generously.
const MANIFEST_BYTES_PER_SCENARIO: u64 = 48 << 10;

/// `targets.csv` and `targets.json` (Croydon runs).
const TARGET_BYTES: u64 = 16 << 10;

/// Bytes of a `series.csv` and a `summary.csv` row besides the scenario name (measured: 100
/// and 60), and of a `summary.json` entry.
const SERIES_ROW: u64 = 100;
const SUMMARY_CSV_ROW: u64 = 60;
const SUMMARY_JSON_ROW: u64 = 120;

/// Comparison rows: about 360 level rows per scenario and 480 difference and vs-base rows per
/// option (measured on the Croydon place), each about 145 bytes in `comparison.csv` and 430 in
/// `comparison.json` besides the option name.
const COMPARISON_LEVEL_ROWS: u64 = 360;
const COMPARISON_OPTION_ROWS: u64 = 480;
const COMPARISON_ROW: u64 = 145 + 430;

/// Which folder a command writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Files {
    /// A run folder (`placesim run`, `validate-targets`): the weekly and annual tables at this
    /// detail in this format, the summaries, the series, the manifest, `targets.*`, charts
    /// and report.
    Run(Detail, Format),
    /// A comparison folder: `comparison.*` (its Parquet file counted whatever the format: it is
    /// small), the board summary, the summaries, the series, the manifest, `targets.*`, charts
    /// and report.
    Comparison,
}

/// What the size of one scenario's files depends on.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    /// Scenario name (the first column of every row).
    pub name: &'a str,
    /// Its weeks and financial years.
    pub calendar: &'a RunCalendar,
    /// Locality keys, in tally order.
    pub localities: &'a [&'a str],
    /// The run's catalogue (the metrics, costs and service values of every block).
    pub catalog: &'a Catalog,
}

/// Sum of the decimal digits of the numbers `0..n` (the replicate column over all replicates).
fn digit_sum(n: u64) -> u64 {
    let mut total = 0u64;
    let mut lo = 0u64;
    let mut hi = 10u64;
    let mut digits = 1u64;
    while lo < n {
        let top = n.min(hi);
        total = total.saturating_add((top - lo).saturating_mul(digits));
        lo = hi;
        hi = hi.saturating_mul(10);
        digits += 1;
    }
    total
}

fn names_len<'a>(names: impl Iterator<Item = &'a str>) -> u64 {
    names.map(|n| n.len() as u64).sum()
}

/// Estimated bytes of every file `files` writes for these scenarios at `replicates` each.
/// Standard-detail `annual` is counted as if no breakdown cell were empty (the writer skips
/// empty ones), so small samples are overestimated a little.
pub fn estimate_bytes(files: Files, shapes: &[Shape<'_>], replicates: u32) -> u64 {
    let reps = u64::from(replicates);
    let rep_digits = digit_sum(reps);
    let format = match files {
        Files::Run(_, format) => format,
        Files::Comparison => Format::Both,
    };

    // Each row: its prefix, the metric name, a comma, the value and a newline.
    let row_tail = 2 + VALUE_WIDTH;
    // A block of rows sharing one prefix whose fixed part is `prefix` bytes long (the replicate
    // number excluded), written once per replicate: its bytes over all replicates.
    let blocks = |rows: u64, names: u64, prefix: u64| -> u64 {
        let per_replicate = rows * (prefix + row_tail) + names;
        per_replicate
            .saturating_mul(reps)
            .saturating_add(rows.saturating_mul(rep_digits))
    };
    // Bytes of a Parquet table of `rows` rows at `per_row` bytes each.
    let parquet = |rows: u64, per_row: f64| -> u64 { ((rows as f64) * per_row) as u64 + PARQUET_FILE };
    let mut total = TARGET_BYTES + FIGURE_BYTES;
    for shape in shapes {
        let catalog = shape.catalog;
        let metric_names = names_len(catalog.metrics().iter().map(|m| m.name.as_str()));
        let cost_names = names_len(catalog.cost_categories().iter().map(|c| c.name.as_str()));
        let value_names = names_len(catalog.value_metrics().iter().map(|v| v.name.as_str()));
        let n_values = catalog.n_values() as u64;
        let per_block = (catalog.n_metrics() + catalog.n_costs()) as u64;
        let all_rows = per_block + n_values;
        let name = csv_field(shape.name).len() as u64;
        let cal = shape.calendar;
        let weeks = cal.weeks as u64;
        let fys = cal.financial_years.len() as u64;
        if let Files::Run(detail, _) = files {
            let (mut weekly_csv, mut annual_csv) = (0u64, 0u64);
            for loc in shape.localities {
                let loc = csv_field(loc).len() as u64;
                // name,r,YYYY-MM-DD,loc,all,all,all,
                let weekly = name + 1 + 1 + 10 + 1 + loc + 1 + 12;
                weekly_csv = weekly_csv.saturating_add(
                    blocks(all_rows, metric_names + cost_names + value_names, weekly).saturating_mul(weeks),
                );
                for &fy in &cal.financial_years {
                    let label = financial_year_label(fy).len() as u64;
                    let annual = name + 1 + 1 + label + 1 + loc + 1;
                    annual_csv = annual_csv.saturating_add(match detail {
                        Detail::Minimal => blocks(all_rows, metric_names + cost_names + value_names, annual + 12),
                        Detail::Standard => {
                            let cells: u64 = IMD_QUINTILES
                                .iter()
                                .flat_map(|q| {
                                    AGE_BANDS.iter().flat_map(move |b| {
                                        SEXES.iter().map(move |s| (q.len() + b.len() + s.len() + 3) as u64)
                                    })
                                })
                                .map(|cell| blocks(per_block, metric_names + cost_names, annual + cell))
                                .fold(0u64, u64::saturating_add);
                            debug_assert_eq!(BREAKDOWN_CELLS, IMD_QUINTILES.len() * AGE_BANDS.len() * SEXES.len());
                            let overhead = blocks(per_block, metric_names + cost_names, annual + 39);
                            let values = blocks(n_values, value_names, annual + 12);
                            cells.saturating_add(overhead).saturating_add(values)
                        }
                    });
                }
            }
            let locs = shape.localities.len() as u64;
            let weekly_rows = reps.saturating_mul(weeks).saturating_mul(locs).saturating_mul(all_rows);
            let annual_block_rows = match detail {
                Detail::Minimal => all_rows,
                Detail::Standard => (BREAKDOWN_CELLS as u64 + 1) * per_block + n_values,
            };
            let annual_rows = reps
                .saturating_mul(fys)
                .saturating_mul(locs)
                .saturating_mul(annual_block_rows);
            if format.large_csv() {
                total = total.saturating_add(weekly_csv).saturating_add(annual_csv);
            }
            if format.parquet() {
                total = total
                    .saturating_add(parquet(weekly_rows, WEEKLY_PARQUET_ROW))
                    .saturating_add(parquet(annual_rows, ANNUAL_PARQUET_ROW));
            }
        }
        // Summaries: a row per period (each financial year and the whole run) and metric or
        // cost; series rows counted by the series code itself on an empty tally.
        let summary_rows = (fys + 1) * per_block;
        let empty = Tally::new(cal.weeks, shape.localities.len(), cal.financial_years.len(), catalog);
        let series_rows = series(cal, catalog, shape.localities, std::slice::from_ref(&empty)).len() as u64;
        total = total
            .saturating_add(summary_rows * (name + SUMMARY_CSV_ROW + SUMMARY_JSON_ROW))
            .saturating_add(series_rows * (name + SERIES_ROW))
            .saturating_add(MANIFEST_BYTES_PER_SCENARIO + 4 * name);
        if format.parquet() {
            total = total.saturating_add(series_rows * SMALL_PARQUET_ROW + PARQUET_FILE);
        }
    }
    if files == Files::Comparison {
        if let Some(base) = shapes.first() {
            let base_name = base.name.len() as u64;
            for (i, shape) in shapes.iter().enumerate() {
                let name = shape.name.len() as u64;
                let mut rows = COMPARISON_LEVEL_ROWS;
                if i > 0 {
                    rows += COMPARISON_OPTION_ROWS;
                }
                total = total.saturating_add(rows * (COMPARISON_ROW + SMALL_PARQUET_ROW + 2 * (name + base_name)));
            }
            total = total.saturating_add(PARQUET_FILE);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digit_sum_counts_every_replicate_number() {
        assert_eq!(digit_sum(0), 0);
        assert_eq!(digit_sum(1), 1);
        assert_eq!(digit_sum(10), 10);
        assert_eq!(digit_sum(11), 12);
        assert_eq!(digit_sum(101), 10 + 180 + 3);
        let brute: u64 = (0..12_345u64).map(|r| r.to_string().len() as u64).sum();
        assert_eq!(digit_sum(12_345), brute);
        assert!(digit_sum(u64::from(u32::MAX)) > 40_000_000_000);
    }
}
