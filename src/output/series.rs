//! `series`: the time series of [`crate::analysis::series`] for every scenario, tidy (one row
//! per scenario, series, group and period), produced once ([`series_rows`]) for `series.csv`
//! and `series.parquet`.

use super::parquet::ParquetSink;
use super::rows::{CsvSink, Field, Kind, RowSink, Table};
use super::{csv_fixed, ScenarioView};
use crate::analysis::series::series;
use std::io::{self, Write};

/// Columns and types of `series` (the CSV header is [`super::SERIES_COLUMNS`]).
pub(crate) fn series_table() -> Table {
    Table::of([
        ("scenario", Kind::Category),
        ("metric", Kind::Category),
        ("group", Kind::Category),
        ("resolution", Kind::Category),
        ("period", Kind::Category),
        ("period_start", Kind::Date),
        ("unit", Kind::Category),
        ("mean", Kind::Number),
        ("lo", Kind::Number),
        ("hi", Kind::Number),
        ("replicates", Kind::Int),
    ])
}

/// A value as written: four decimals, empty when missing.
fn num(x: f64) -> String {
    csv_fixed(x, 4)
}

/// The rows of `series`.
pub(crate) fn series_rows(sink: &mut dyn RowSink, views: &[ScenarioView<'_>]) -> io::Result<()> {
    for view in views {
        for r in series(view.calendar, view.catalog, &view.localities, view.replicates) {
            let i = r.interval;
            let (mean, lo, hi) = (num(i.mean), num(i.lo), num(i.hi));
            sink.row(&[
                Field::Text(view.name),
                Field::Text(&r.metric),
                Field::Text(&r.group),
                Field::Text(r.resolution),
                Field::Text(&r.period),
                Field::Date(r.period_start),
                Field::Text(r.unit),
                Field::Number(&mean),
                Field::Number(&lo),
                Field::Number(&hi),
                Field::Int(r.n as i64),
            ])?;
        }
    }
    sink.finish()
}

/// Writes `series.csv`.
pub(crate) fn write_csv(w: &mut dyn Write, views: &[ScenarioView<'_>]) -> io::Result<()> {
    series_rows(&mut CsvSink::new(w, &series_table())?, views)
}

/// Writes `series.parquet`.
pub(crate) fn write_parquet(w: &mut (dyn Write + Send), views: &[ScenarioView<'_>]) -> io::Result<()> {
    series_rows(&mut ParquetSink::new(w, &series_table())?, views)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_header_is_the_tables_columns() {
        assert_eq!(series_table().header(), crate::output::SERIES_COLUMNS);
    }
}
