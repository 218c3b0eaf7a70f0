//! `series.csv`: the time series of [`crate::analysis::series`] for every scenario, tidy (one
//! row per scenario, series, group and period).

use super::{csv_field, csv_fixed, ScenarioView, SERIES_COLUMNS};
use crate::analysis::series::series;
use std::io::{self, Write};

/// A value as written: four decimals, empty when missing.
fn num(x: f64) -> String {
    csv_fixed(x, 4)
}

pub(crate) fn write_csv(w: &mut dyn Write, views: &[ScenarioView<'_>]) -> io::Result<()> {
    writeln!(w, "{SERIES_COLUMNS}")?;
    for view in views {
        let name = csv_field(view.name);
        for r in series(view.calendar, view.catalog, &view.localities, view.replicates) {
            let i = r.interval;
            writeln!(
                w,
                "{name},{},{},{},{},{},{},{},{},{},{}",
                r.metric,
                csv_field(&r.group),
                r.resolution,
                r.period,
                r.period_start,
                csv_field(r.unit),
                num(i.mean),
                num(i.lo),
                num(i.hi),
                r.n
            )?;
        }
    }
    Ok(())
}
