//! Writing a run to disk. This is the only library module that writes files (architecture
//! invariant 1); it never prints.
//!
//! A run folder holds these data files ([`output_files`] lists them for each [`Format`]):
//! * `weekly` — one row per (scenario, replicate, week, locality, metric): `weekly.parquet`
//!   by default, `weekly.csv` with [`Format::Csv`], both with [`Format::Both`];
//! * `annual` — one row per (scenario, replicate, financial year, locality, IMD quintile,
//!   age band, sex, metric) at [`Detail::Standard`], per locality at [`Detail::Minimal`]; in
//!   the same format(s) as `weekly`;
//! * `summary.csv` and `summary.json` — borough totals per financial year and for the whole
//!   horizon: mean and 95% interval across replicates;
//! * `series.csv` — quarterly series per locality and yearly series per deprivation fifth
//!   ([`crate::analysis::series`]), summarised across replicates, for charts (which read the
//!   CSV, so it is always written), and `series.parquet` unless [`Format::Csv`];
//! * `manifest.json` — version, command line, seed, format, scenario and place hashes, the
//!   SHA-256 and size of every data file (`outputs`), and the metric and cost catalogues, so
//!   the folder describes itself. It is written last ([`write_manifest`]), after any further
//!   data file (`targets.csv`, `targets.json`, the comparison files), so it lists them all;
//!   `plot` and `report` verify each listed file against it before reading
//!   ([`read::read_run_folder`]).
//!
//! Every CSV has one type per column, so readers need no options: numbers always carry a
//! decimal point ([`csv_number`]), a missing number is an empty field, labels are text. The
//! Parquet files ([`parquet`]) hold exactly the CSV's columns, rows and values, typed: labels
//! as dictionary-encoded text, replicates as `Int32`, dates as `Date32`, numbers as `Float64`
//! (null where the CSV is empty). Both are produced from the same rows ([`rows::RowSink`]).
//!
//! The data files depend only on the scenarios, the seed, the replicate count and the format,
//! so they are byte-identical at any thread count; only `manifest.json` records times and
//! threads.
//!
//! Folder handling ([`prepare_out_dir`], [`OutDir`]) is atomic: files are written into a hidden
//! temporary sibling folder that is renamed into place at the end. `--force` replaces only a
//! folder placesim wrote ([`check_run_folder`]); an interrupt removes every unfinished temporary
//! path ([`remove_unfinished`]); leftovers of killed processes are cleaned up by the next run
//! ([`clean_leftovers`]).

pub mod believe;
pub mod compare;
mod dir;
mod manifest;
pub mod parquet;
pub mod plot;
pub mod psa;
pub mod read;
pub mod report;
pub mod rows;
mod series;
pub mod shard;
pub mod size;
mod summary;
mod tables;
pub mod targets;

pub use dir::{check_run_folder, clean_leftovers, interrupted, prepare_out_dir, remove_unfinished, Cleaned, OutDir};
pub use manifest::GIT_COMMIT;
pub use summary::{summarise, SummaryRow};

use crate::analysis::compare::Comparison;
use crate::analysis::costs::UnitCosts;
use crate::calendar::Date;
use crate::error::OutputError;
use crate::place::SourcedFigure;
use crate::results::{Catalog, Results, RunCalendar, Tally};
use crate::scenario::{Milestone, ScenarioFile};
use std::fmt;
use std::str::FromStr;

/// Names of every file a run folder may hold, in the order they are written ([`write_outputs`],
/// then [`write_manifest`]); [`output_files`] gives those of one [`Format`].
pub const OUTPUT_FILES: [&str; 9] = [
    "weekly.csv",
    "weekly.parquet",
    "annual.csv",
    "annual.parquet",
    "summary.csv",
    "summary.json",
    "series.csv",
    "series.parquet",
    "manifest.json",
];

/// The files a run folder written in `format` holds, in the order they are written.
pub fn output_files(format: Format) -> Vec<&'static str> {
    OUTPUT_FILES
        .into_iter()
        .filter(|name| match name.rsplit_once('.') {
            Some((table, "csv")) => table != "weekly" && table != "annual" || format.large_csv(),
            Some((_, "parquet")) => format.parquet(),
            _ => true,
        })
        .collect()
}

/// The file formats of the tidy tables (`--format`). Charts and `placesim plot`/`report` read
/// the small tables' CSV files, so `series`, `comparison` and `psa_draws` are always written
/// as CSV; the format decides whether they are also written as Parquet, and in which format(s)
/// the two large tables, `weekly` and `annual`, are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// CSV only: every table as `.csv`, no Parquet file.
    Csv,
    /// The default: `weekly` and `annual` as Parquet only (typed and compressed: about a
    /// fifteenth of the CSV's size); the small tables as CSV and Parquet.
    #[default]
    Parquet,
    /// Every table as both CSV and Parquet.
    Both,
}

impl Format {
    /// The name used on the command line and in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Both => "both",
        }
    }

    /// Whether the large tables (`weekly`, `annual`) are written as CSV.
    pub fn large_csv(self) -> bool {
        self != Format::Parquet
    }

    /// Whether the tables are written as Parquet (the small ones besides their CSV).
    pub fn parquet(self) -> bool {
        self != Format::Csv
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "parquet" => Ok(Format::Parquet),
            "both" => Ok(Format::Both),
            other => Err(format!("unknown format '{other}' (expected csv, parquet or both)")),
        }
    }
}

/// Columns of `weekly.csv`.
pub const WEEKLY_COLUMNS: &str = "scenario,replicate,week_start,locality,imd_quintile,age_band,sex,metric,value";

/// Columns of `annual.csv`.
pub const ANNUAL_COLUMNS: &str = "scenario,replicate,financial_year,locality,imd_quintile,age_band,sex,metric,value";

/// Columns of `series.csv`.
pub const SERIES_COLUMNS: &str = "scenario,metric,group,resolution,period,period_start,unit,mean,lo,hi,replicates";

/// Columns of `summary.csv`.
pub const SUMMARY_COLUMNS: &str = "scenario,period,metric,unit,mean,lo,hi,replicates";

/// How much breakdown the files carry.
///
/// There is no "full" level with weekly rows per breakdown cell: the engine tallies weekly
/// values per locality only, and the IMD quintile × age band × sex breakdown per financial
/// year, so weekly-by-cell figures do not exist to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Weekly rows per locality; annual rows per locality only.
    Minimal,
    /// Weekly rows per locality; annual rows per locality × IMD quintile × age band × sex.
    #[default]
    Standard,
}

impl Detail {
    /// The name used on the command line and in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Detail::Minimal => "minimal",
            Detail::Standard => "standard",
        }
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Detail {
    type Err = String;
    fn from_str(s: &str) -> Result<Detail, String> {
        match s {
            "minimal" => Ok(Detail::Minimal),
            "standard" => Ok(Detail::Standard),
            other => Err(format!("unknown detail level '{other}' (expected minimal or standard)")),
        }
    }
}

/// Prices tallies. [`UnitCosts`] is the real one; tests can supply simpler ones.
pub trait CostModel: Sync {
    /// Cost in each of the catalogue's cost categories ([`Catalog::cost_categories`] order)
    /// from a period's raw tallies by catalogue metric index: counts summed over the period,
    /// stocks summed over its weeks (person-weeks).
    fn costs(&self, raw: &dyn Fn(usize) -> f64) -> Vec<f64>;
    /// The service-value lines ([`Catalog::value_metrics`] order) for a period's raw tallies
    /// and its avoided-crisis sums (`[service][ae, admissions]`).
    fn values(&self, raw: &dyn Fn(usize) -> f64, avoided: &[f64]) -> Vec<f64>;
    /// Price base of the costs, e.g. `2018/19`.
    fn price_base(&self) -> &str;
}

impl CostModel for UnitCosts {
    fn costs(&self, raw: &dyn Fn(usize) -> f64) -> Vec<f64> {
        UnitCosts::costs(self, raw)
    }
    fn values(&self, raw: &dyn Fn(usize) -> f64, avoided: &[f64]) -> Vec<f64> {
        UnitCosts::values(self, raw, avoided)
    }
    fn price_base(&self) -> &str {
        &self.price_base
    }
}

/// Everything the writers need about one scenario's results, borrowed from a
/// [`crate::results::ScenarioResult`] (see [`views`]) or built directly.
pub struct ScenarioView<'a> {
    /// Scenario name (first column of every file).
    pub name: &'a str,
    /// Free-text description.
    pub description: &'a str,
    /// Start of the first week.
    pub start: Date,
    /// Last day simulated.
    pub end: Date,
    /// Fraction of residents simulated.
    pub scale: f64,
    /// The scenario file and the files it extends, with hashes.
    pub files: &'a [ScenarioFile],
    /// Where the place came from.
    pub place_origin: &'a str,
    /// SHA-256 of the place file.
    pub place_sha256: &'a str,
    /// Locality keys, in tally order.
    pub localities: Vec<&'a str>,
    /// Locality names from the place file, in the same order (`East Croydon`).
    pub locality_names: Vec<&'a str>,
    /// Weeks and financial years.
    pub calendar: &'a RunCalendar,
    /// The run's catalogue of services and output lines (the same for every scenario).
    pub catalog: &'a Catalog,
    /// One tally per replicate (laid out for `catalog`).
    pub replicates: &'a [Tally],
    /// Unit costs.
    pub costs: Box<dyn CostModel + 'a>,
    /// Service starts and capacity changes, in date order (marked on charts).
    pub milestones: Vec<Milestone>,
    /// Key parameters, as (key, value in words) ([`crate::scenario::Scenario::key_parameters`]).
    pub parameters: Vec<(String, String)>,
    /// The place's sourced unit costs, effect sizes and conventions.
    pub assumptions: Vec<SourcedFigure>,
}

/// Views of every scenario in `results`, with unit costs resolved from each scenario's place.
pub fn views(results: &Results) -> Vec<ScenarioView<'_>> {
    results
        .scenarios
        .iter()
        .map(|s| ScenarioView {
            name: &s.scenario.name,
            description: &s.scenario.description,
            start: s.scenario.start,
            end: s.scenario.end,
            scale: s.scenario.scale,
            files: &s.scenario.files,
            place_origin: &s.place.origin,
            place_sha256: &s.place.sha256,
            localities: s.place.locality_keys(),
            locality_names: s.place.file.localities.iter().map(|l| l.name.as_str()).collect(),
            calendar: &s.calendar,
            catalog: &results.catalog,
            replicates: &s.replicates,
            costs: Box::new(UnitCosts::new(&s.place, &s.scenario, &results.catalog)),
            milestones: s.scenario.milestones(),
            parameters: s.scenario.key_parameters(),
            assumptions: s.place.sourced_figures(),
        })
        .collect()
}

/// Facts about the run that the manifest records (the CLI supplies them).
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The command line, one entry per argument.
    pub command_line: Vec<String>,
    /// When the run started, UTC ISO 8601 (`2024-05-01T12:00:00Z`).
    pub started_utc: String,
    /// Seconds from start to the end of the simulation.
    pub wall_seconds: f64,
    /// Master seed.
    pub seed: u64,
    /// Replicates per scenario.
    pub replicates: u32,
    /// Worker threads used.
    pub threads: usize,
    /// Detail level of the files.
    pub detail: Detail,
    /// File formats of the tables (recorded in the manifest as `format`).
    pub format: Format,
}

/// One file written to a run folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// File name within the folder.
    pub name: String,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Writes the data files of a run into `dir` (not yet committed) and returns them for the
/// manifest, in the order of [`output_files`] for `run.format`. The files of `weekly` and
/// `annual` are written concurrently, one thread each. The manifest is not written here: the
/// caller adds any other data files (`targets.csv`) and then calls [`write_manifest`] last, so
/// the manifest lists every data file.
pub fn write_outputs(
    dir: &OutDir,
    run: &RunInfo,
    scenarios: &[ScenarioView<'_>],
) -> Result<Vec<WrittenFile>, OutputError> {
    type Job<'a> = Box<dyn FnOnce() -> Result<WrittenFile, OutputError> + Send + 'a>;
    let format = run.format;
    let mut jobs: Vec<Job<'_>> = Vec::new();
    if format.large_csv() {
        jobs.push(Box::new(|| {
            dir.write_data_file("weekly.csv", |w| tables::write_weekly(w, scenarios))
        }));
    }
    if format.parquet() {
        jobs.push(Box::new(|| {
            dir.write_data_file("weekly.parquet", |w| tables::write_weekly_parquet(w, scenarios))
        }));
    }
    if format.large_csv() {
        jobs.push(Box::new(|| {
            dir.write_data_file("annual.csv", |w| tables::write_annual(w, scenarios, run.detail))
        }));
    }
    if format.parquet() {
        jobs.push(Box::new(|| {
            dir.write_data_file("annual.parquet", |w| {
                tables::write_annual_parquet(w, scenarios, run.detail)
            })
        }));
    }
    let results: Vec<Result<WrittenFile, OutputError>> = std::thread::scope(|s| {
        let handles: Vec<_> = jobs.into_iter().map(|job| s.spawn(job)).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut written = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let summaries: Vec<Vec<SummaryRow>> = scenarios.iter().map(summarise).collect();
    written.push(dir.write_data_file("summary.csv", |w| summary::write_csv(w, scenarios, &summaries))?);
    written.push(dir.write_data_file("summary.json", |w| summary::write_json(w, run, scenarios, &summaries))?);
    written.push(dir.write_data_file("series.csv", |w| series::write_csv(w, scenarios))?);
    if format.parquet() {
        written.push(dir.write_data_file("series.parquet", |w| series::write_parquet(w, scenarios))?);
    }
    Ok(written)
}

/// Writes `manifest.json` into `dir`, listing every file of `written` with its SHA-256 and size
/// under `outputs` (what [`read::read_run_folder`] verifies), plus the comparison's base,
/// options, window and conventions for a comparison folder. Call it after every data file is
/// written; charts and the report are derived outputs and are not listed.
pub fn write_manifest(
    dir: &OutDir,
    run: &RunInfo,
    scenarios: &[ScenarioView<'_>],
    written: &[WrittenFile],
    comparison: Option<&Comparison>,
) -> Result<WrittenFile, OutputError> {
    let manifest = manifest::manifest(run, scenarios, written, comparison);
    dir.write_data_file("manifest.json", |w| manifest::write(w, &manifest))
}

/// A yes/no as a CSV field: `TRUE` or `FALSE`, which pandas, polars and R's `read.csv` all read
/// as booleans with their defaults (R reads `true`/`false` as text).
pub(crate) fn csv_bool(b: bool) -> &'static str {
    if b {
        "TRUE"
    } else {
        "FALSE"
    }
}

/// Writes `text` as one CSV field, quoting it when it holds a comma, quote or line break.
pub(crate) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// `v` as a CSV number that every reader's defaults read as a float: the shortest text that
/// reads back as `v`, always with a decimal point (`5.0`, never `5`, so that a column whose
/// first rows are whole numbers is not taken for integers), and an empty field when `v` is not
/// finite (NaN or infinite: missing, never the words `NaN` or `inf`).
pub(crate) fn csv_number(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    // `+ 0.0` turns -0.0 into 0.0; `Display` never uses an exponent.
    let mut text = format!("{}", v + 0.0);
    if !text.contains('.') {
        text.push_str(".0");
    }
    text
}

/// `v` with `decimals` decimals (at least one; `-0.0` as `0.00`), empty when not finite.
pub(crate) fn csv_fixed(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{:.*}", decimals.max(1), v + 0.0)
    } else {
        String::new()
    }
}

#[cfg(test)]
pub(crate) mod testdata;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_folder_holds_the_data_files_of_its_format_and_a_self_describing_manifest() {
        let testdata::Fixture { tallies, calendar } = testdata::fixture();
        let views = [testdata::view(&calendar, &tallies)];
        let root = tempfile::tempdir().unwrap();
        for format in [Format::Csv, Format::Parquet, Format::Both] {
            let out = root.path().join(format.name());
            let dir = prepare_out_dir(&out, false).unwrap();
            let run = RunInfo {
                command_line: vec!["placesim".into(), "run".into()],
                started_utc: "2024-01-01T00:00:00Z".into(),
                wall_seconds: 1.5,
                seed: 7,
                replicates: 2,
                threads: 1,
                detail: Detail::Standard,
                format,
            };
            let mut written = write_outputs(&dir, &run, &views).unwrap();
            written.push(write_manifest(&dir, &run, &views, &written, None).unwrap());
            dir.commit().unwrap();
            let names: Vec<&str> = written.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(names, output_files(format), "{format}");
            for f in &written {
                assert_eq!(std::fs::metadata(out.join(&f.name)).unwrap().len(), f.bytes);
                assert!(f.bytes > 0);
            }
            let m: serde_json::Value =
                serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
            assert_eq!(m["seed"], 7);
            assert_eq!(m["detail"], "standard");
            assert_eq!(m["format"], format.name());
            assert_eq!(m["scenarios"][0]["name"], "test");
            assert_eq!(m["scenarios"][0]["locality_names"][1], "South");
            assert_eq!(m["metrics"].as_array().unwrap().len(), views[0].catalog.n_metrics());
            assert_eq!(
                m["cost_categories"].as_array().unwrap().len(),
                views[0].catalog.n_costs()
            );
            assert!(m.get("custom_services").is_none(), "recorded only when there are some");
            assert_eq!(m["outputs"][0]["sha256"], written[0].sha256.as_str());
        }
        let csv = output_files(Format::Csv);
        assert!(csv.iter().all(|f| !f.ends_with(".parquet")), "{csv:?}");
        assert_eq!(
            output_files(Format::Parquet),
            [
                "weekly.parquet",
                "annual.parquet",
                "summary.csv",
                "summary.json",
                "series.csv",
                "series.parquet",
                "manifest.json"
            ]
        );
        assert_eq!(output_files(Format::Both), OUTPUT_FILES);
    }

    #[test]
    fn formats_parse_by_name_and_parquet_is_the_default() {
        for f in [Format::Csv, Format::Parquet, Format::Both] {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
        assert!("xlsx".parse::<Format>().is_err());
        assert_eq!(Format::default(), Format::Parquet);
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("east_croydon"), "east_croydon");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn csv_numbers_always_carry_a_decimal_point_and_missing_is_empty() {
        assert_eq!(csv_number(5.0), "5.0");
        assert_eq!(csv_number(-0.0), "0.0");
        assert_eq!(csv_number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(csv_number(1e20), "100000000000000000000.0");
        assert_eq!(csv_number(2.5e-7), "0.00000025");
        for missing in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(csv_number(missing), "");
            assert_eq!(csv_fixed(missing, 2), "");
        }
        assert_eq!(csv_fixed(-0.0, 2), "0.00");
        assert_eq!(csv_fixed(3.0, 0), "3.0");
        for v in [5.0, 0.1 + 0.2, -1234.5678, 1e-300, f64::MAX] {
            assert_eq!(csv_number(v).parse::<f64>(), Ok(v), "round trip of {v}");
        }
    }

    #[test]
    fn detail_levels_parse_by_name() {
        assert_eq!("minimal".parse::<Detail>(), Ok(Detail::Minimal));
        assert_eq!("standard".parse::<Detail>(), Ok(Detail::Standard));
        assert!("full".parse::<Detail>().is_err());
    }
}
