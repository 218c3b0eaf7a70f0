//! `placesim plot` and `placesim report`, and the charts, calibration table and report written
//! at the end of `run` and `compare`.

use super::BadInput;
use anyhow::Context;
use placesim::calibration::targets::{croydon_targets, evaluate};
use placesim::output::plot::{write_plots, PlotSet};
use placesim::output::read::read_run_folder;
use placesim::output::report::write_report;
use placesim::output::targets::{check_replaceable_file, write_targets_csv, write_targets_json};
use placesim::output::{OutDir, WrittenFile};
use placesim::results::Results;
use placesim::scenario::PlaceSource;
use std::path::Path;

/// Writes `targets.csv` and `targets.json` for the first scenario when it runs on the embedded
/// Croydon place: the targets whose period the run covers (a run that stops before a target's
/// period cannot be checked against it); returns the files written (none when it covers no
/// target), for the manifest, which is written after them.
pub(super) fn write_calibration(dir: &OutDir, results: &Results) -> anyhow::Result<Vec<WrittenFile>> {
    let first = &results.scenarios[0];
    if first.scenario.place != PlaceSource::EmbeddedCroydon {
        return Ok(Vec::new());
    }
    let evaluated: Vec<_> = croydon_targets()
        .into_iter()
        .filter_map(|t| evaluate(std::slice::from_ref(&t), first).ok())
        .flatten()
        .collect();
    if evaluated.is_empty() {
        return Ok(Vec::new());
    }
    let meta = serde_json::json!({
        "scenario": first.scenario.name,
        "scale": first.scenario.scale,
        "replicates": first.replicates.len(),
        "note": "calibration targets (data/targets.toml, docs/validation.md §10) evaluated on the first scenario of this run",
    });
    Ok(vec![
        dir.write_data_file("targets.csv", |w| write_targets_csv(w, &evaluated))?,
        dir.write_data_file("targets.json", |w| write_targets_json(w, &evaluated, meta))?,
    ])
}

/// The outcome of drawing a committed folder's charts: a failure says the data files are safe
/// in `path` and how to draw the charts again.
pub(super) fn drawn(figures: anyhow::Result<()>, path: &Path) -> anyhow::Result<()> {
    figures.with_context(|| {
        format!(
            "the data files are in {}; fix the cause and run `placesim report {}`",
            path.display(),
            path.display()
        )
    })
}

/// Draws the charts of the folder at `path` into `path/plots`.
fn plots_of(path: &Path) -> anyhow::Result<(placesim::output::read::RunFolder, PlotSet)> {
    let folder = read_run_folder(path)?;
    let plots = write_plots(&folder, &path.join("plots")).context("drawing charts")?;
    Ok((folder, plots))
}

/// Charts and report for a folder being written (before it is committed; its manifest must be
/// written already, since the charts are drawn from the verified files).
pub(super) fn finish(dir: &OutDir, plots: bool) -> anyhow::Result<()> {
    if plots {
        let (folder, set) = plots_of(dir.temp_path())?;
        write_report(&folder, &set, dir.temp_path()).context("writing report.html")?;
    }
    Ok(())
}

fn print_set(set: &PlotSet, dir: &Path) {
    super::signal::report_cleaned(&set.cleaned);
    println!(
        "{} charts (SVG and PNG) in {}:",
        set.charts.len(),
        dir.join("plots").display()
    );
    for c in &set.charts {
        println!("  {:<36} {}", c.name, c.title);
    }
    for (name, why) in &set.skipped {
        println!("  not drawn: {name}: {why}");
    }
}

/// `placesim plot RUN_DIR`.
pub fn plot(run_dir: &Path) -> anyhow::Result<()> {
    let (_, set) = plots_of(run_dir)?;
    print_set(&set, run_dir);
    Ok(())
}

/// `placesim report RUN_DIR`: redraws the charts and writes `report.html`.
pub fn report(run_dir: &Path) -> anyhow::Result<()> {
    if !run_dir.is_dir() {
        return Err(BadInput(format!("{}: no such run folder", run_dir.display())).into());
    }
    // A report.html that is not a file is refused before any chart is redrawn.
    check_replaceable_file(&run_dir.join("report.html"))?;
    let (folder, set) = plots_of(run_dir)?;
    let path = write_report(&folder, &set, run_dir).context("writing report.html")?;
    print_set(&set, run_dir);
    println!("report: {}", path.display());
    Ok(())
}
