//! Command-line front end (binary only): clap arguments, the `run`, `validate` and `explain`
//! commands, and the progress bar. This is the only code that talks to the terminal
//! (architecture invariant 1); the library reports progress through [`placesim::runner::Observer`].

// The CLI is the one place that prints (invariant 1).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod believe;
mod calib;
mod compare;
mod figures;
mod limits;
mod merge;
pub use calib::{TargetsFailed, TARGETS_FAILED};
mod progress;
mod psa;
mod run;
pub mod signal;
mod time;

use clap::{Args, Parser, Subcommand, ValueEnum};
use placesim::error::{OutputError, PlaceError, ScenarioErrors};
use std::fmt;
use std::path::PathBuf;

/// Population-health simulation of a place (default: the London Borough of Croydon) and its
/// integrated-care services.
#[derive(Debug, Parser)]
#[command(name = "placesim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run scenarios and write a run folder (weekly and annual tables as Parquet, CSV or both
    /// (--format), summary.csv, summary.json, series.csv and series.parquet, manifest.json;
    /// targets.csv for Croydon runs; charts in plots/ and report.html unless --no-plots).
    Run(RunArgs),
    /// Check scenario files without running them.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true, value_name = "SCENARIO")]
        scenarios: Vec<PathBuf>,
    },
    /// Describe the model: weekly phases, metrics, cost categories or scenario keys
    /// (everything when no topic is given).
    Explain {
        /// What to explain.
        #[arg(value_enum)]
        topic: Option<Topic>,
    },
    /// Run a scenario and check it against every calibration target (data/targets.toml; docs/validation.md §10): prints
    /// the table and writes targets.csv and targets.json beside the run's outputs.
    ValidateTargets(ValidateTargetsArgs),
    /// Fit the uncertain parameters named in the calibration set-up to the targets
    /// (Nelder–Mead, common random numbers) and write the fitted scenario fragment.
    Calibrate(CalibrateArgs),
    /// What you would have to believe: fit the service effects needed to reproduce published
    /// claims (data/claims.toml, or --claims FILE), each effect alone and all together, with
    /// the counterfactual held fixed, and show them against the evidence ranges; writes
    /// believe.csv, believe_claims.csv and believe.json beside a run of the scenario, charts
    /// and report.html.
    Believe(BelieveArgs),
    /// Compare options with a base on the same replicates (common random numbers): paired
    /// differences with 95% intervals, costs and savings, return per £1, QALYs, ICER, net
    /// monetary benefit and inequality gaps; prints a board summary and writes
    /// comparison.csv, comparison.json and board-summary.txt, charts and report.html.
    Compare(CompareArgs),
    /// Probabilistic sensitivity analysis: draw the uncertain parameters (place figures with
    /// evidence ranges, scenarios' [uncertainty.<name>] declarations) by Latin hypercube, run
    /// each draw's base and options on shared replicates, and write the draws, the analysis of
    /// variance, acceptability curves and frontier, EVPI, EVPPI, Sobol indices (with --sobol),
    /// charts, report.html and a board summary.
    Psa(psa::PsaArgs),
    /// One-way sensitivity: each uncertain parameter alone at its low and high end, the others
    /// central, on shared replicates; writes tornado.csv, the tornado charts and report.html.
    Tornado(psa::TornadoArgs),
    /// Merge the shard folders of one `run`, `compare` or `psa --shard` into the folder the
    /// command would have written on one machine (byte-identical data files). Refuses (exit 2)
    /// missing, duplicated or mismatched shards, naming them.
    Merge(merge::MergeArgs),
    /// Draw the charts of a run or comparison folder (SVG and PNG) into RUN_DIR/plots/.
    Plot {
        /// A folder written by `placesim run` or `placesim compare`.
        #[arg(value_name = "RUN_DIR")]
        run_dir: PathBuf,
    },
    /// Write RUN_DIR/report.html: one self-contained page with the headline, comparison
    /// table, charts, calibration, localities, assumptions and reproducibility details
    /// (redraws the charts first).
    Report {
        /// A folder written by `placesim run` or `placesim compare`.
        #[arg(value_name = "RUN_DIR")]
        run_dir: PathBuf,
    },
}

/// Arguments of `placesim compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The base scenario, then options: scenario files, folders (every *.toml in them, sorted
    /// by name) or list files (`.txt`/`.list`: one scenario path per line, relative to the list;
    /// `#` starts a comment). With one folder or list alone, its first entry is the base.
    #[arg(required = true, value_name = "BASE [OPTION|DIR|LIST]...")]
    scenarios: Vec<PathBuf>,
    /// Replicates per scenario (the same replicates for every scenario; at most 100000, and
    /// only as many as fit in memory and on disk).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(2..))]
    replicates: u32,
    /// Master seed.
    #[arg(long, default_value_t = 20_160_404)]
    seed: u64,
    /// Worker threads (0 = all cores; at most 1024; does not change results).
    #[arg(long, default_value_t = 0, value_parser = limits::threads_arg)]
    threads: usize,
    /// First financial year of the appraisal (e.g. 2021 for FY2021/22) [default: the first
    /// year any option differs from the base].
    #[arg(long, value_name = "YEAR")]
    from: Option<i32>,
    /// Last financial year of the appraisal [default: the last full year of the run].
    #[arg(long, value_name = "YEAR")]
    to: Option<i32>,
    /// Annual discount rate for costs and QALYs [default: the place's, 3.5% for Croydon].
    #[arg(long, value_name = "RATE")]
    discount_rate: Option<f64>,
    /// Output folder [default: output/compare-<base>-<YYYYMMDD-HHMMSS> (UTC)].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the output folder if it exists and placesim wrote it (it holds placesim's
    /// manifest.json); anything else is refused and left untouched.
    #[arg(long)]
    force: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Do not draw charts or write report.html (they can be made later with `placesim plot`
    /// and `placesim report`).
    #[arg(long)]
    no_plots: bool,
    /// File format of the tables: `parquet` writes comparison.parquet and series.parquet beside
    /// their CSV files (which charts and reports read); `csv` writes no Parquet file; `both`
    /// is the same as `parquet` here (a comparison has no weekly or annual table).
    #[arg(long, value_enum, default_value_t = FormatArg::Parquet)]
    format: FormatArg,
    /// Run only shard K of N of the jobs (`3/8`) and write a shard folder for `placesim merge`;
    /// `--shard` alone takes K and N from a Slurm array task (SLURM_ARRAY_TASK_ID,
    /// SLURM_ARRAY_TASK_COUNT) or a Kubernetes indexed job (JOB_COMPLETION_INDEX,
    /// PLACESIM_SHARD_COUNT). See "Running on a cluster" in README.md.
    #[arg(long, value_name = "K/N", num_args = 0..=1, default_missing_value = "")]
    pub(crate) shard: Option<String>,
}

/// Arguments of `placesim validate-targets`.
#[derive(Debug, Args)]
pub struct ValidateTargetsArgs {
    /// Scenario to check.
    #[arg(value_name = "SCENARIO", default_value = "scenarios/baseline.toml")]
    scenario: PathBuf,
    /// Replicates (at least 20 for the shipped baseline's validation; at most 100000, and only
    /// as many as fit in memory and on disk).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    replicates: u32,
    /// Master seed.
    #[arg(long, default_value_t = 20_160_404)]
    seed: u64,
    /// Worker threads (0 = all cores; at most 1024; does not change results).
    #[arg(long, default_value_t = 0, value_parser = limits::threads_arg)]
    threads: usize,
    /// Targets file (default: the embedded data/targets.toml).
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// Output folder (default output/targets-<scenario>-<time>).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace an existing output folder written by placesim (one with its manifest.json);
    /// anything else is refused and left untouched.
    #[arg(long)]
    force: bool,
    /// Exit with status 3 if any target fails.
    #[arg(long)]
    strict: bool,
    /// Regenerate this document (e.g. docs/validation.md) from the template.
    #[arg(long, value_name = "FILE")]
    doc: Option<PathBuf>,
    /// Template for --doc.
    #[arg(long, value_name = "FILE", default_value = "docs/validation.template.md")]
    doc_template: PathBuf,
    /// Folder with the calibration set-up, fitted fragment and log (for --doc).
    #[arg(long, value_name = "DIR", default_value = "scenarios/calibration")]
    calibration_dir: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Do not draw charts (the calibration chart among them) or write report.html.
    #[arg(long)]
    no_plots: bool,
}

/// Arguments of `placesim believe`.
#[derive(Debug, Args)]
pub struct BelieveArgs {
    /// Scenario holding the counterfactual (its services' effects are the ones fitted).
    #[arg(value_name = "SCENARIO", default_value = "scenarios/baseline.toml")]
    scenario: PathBuf,
    /// Claims file (default: the embedded data/claims.toml).
    #[arg(long, value_name = "FILE")]
    claims: Option<PathBuf>,
    /// Worker threads (0 = all cores; at most 1024; does not change results).
    #[arg(long, default_value_t = 0, value_parser = limits::threads_arg)]
    threads: usize,
    /// Output folder (default output/believe-<scenario>-<time>).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace an existing output folder written by placesim (one with its manifest.json);
    /// anything else is refused and left untouched.
    #[arg(long)]
    force: bool,
    /// No progress lines or bar.
    #[arg(long, short)]
    quiet: bool,
    /// Do not draw charts or write report.html.
    #[arg(long)]
    no_plots: bool,
}

/// Arguments of `placesim calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Scenario whose parameters are fitted (it should extend the fitted fragment).
    #[arg(value_name = "SCENARIO", default_value = "scenarios/baseline.toml")]
    scenario: PathBuf,
    /// Folder holding setup.toml; fitted.toml and log.csv are written there.
    #[arg(long, value_name = "DIR", default_value = "scenarios/calibration")]
    calibration_dir: PathBuf,
    /// Targets file (default: the embedded data/targets.toml).
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// Worker threads (0 = all cores; at most 1024; does not change results).
    #[arg(long, default_value_t = 0, value_parser = limits::threads_arg)]
    threads: usize,
    /// No per-evaluation progress lines.
    #[arg(long, short)]
    quiet: bool,
}

/// Arguments of `placesim run`.
#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario files (TOML); names must be unique within one run.
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// Replicates per scenario (at most 100000, and only as many as fit in memory and on disk).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    replicates: u32,
    /// Master seed; the same seed gives byte-identical data files at any thread count.
    #[arg(long, default_value_t = 20_160_404)]
    seed: u64,
    /// Worker threads (0 = all cores; at most 1024; does not change results).
    #[arg(long, default_value_t = 0, value_parser = limits::threads_arg)]
    threads: usize,
    /// Output folder [default: output/<first scenario>-<YYYYMMDD-HHMMSS> (UTC)].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the output folder if it exists and placesim wrote it (it holds placesim's
    /// manifest.json; anything else is refused and left untouched). The old one is removed only
    /// after the new one is complete.
    #[arg(long)]
    force: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Breakdown in the annual table: `standard` = per locality × IMD quintile × age band ×
    /// sex; `minimal` = per locality.
    #[arg(long, value_enum, default_value_t = DetailArg::Standard)]
    detail: DetailArg,
    /// File format of the tables: `parquet` writes the large weekly and annual tables as
    /// Parquet only (typed, compressed: a full-scale run's are about a fifteenth of the CSV),
    /// and series.csv (read by charts and reports) with series.parquet; `csv` writes every
    /// table as CSV and no Parquet file; `both` writes every table in both formats.
    #[arg(long, value_enum, default_value_t = FormatArg::Parquet)]
    format: FormatArg,
    /// Do not draw charts or write report.html (they can be made later with `placesim plot`
    /// and `placesim report`).
    #[arg(long)]
    no_plots: bool,
    /// Run only shard K of N of the jobs (`3/8`) and write a shard folder for `placesim merge`;
    /// `--shard` alone takes K and N from a Slurm array task (SLURM_ARRAY_TASK_ID,
    /// SLURM_ARRAY_TASK_COUNT) or a Kubernetes indexed job (JOB_COMPLETION_INDEX,
    /// PLACESIM_SHARD_COUNT). See "Running on a cluster" in README.md.
    #[arg(long, value_name = "K/N", num_args = 0..=1, default_missing_value = "")]
    pub(crate) shard: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DetailArg {
    Minimal,
    Standard,
}

impl From<DetailArg> for placesim::output::Detail {
    fn from(d: DetailArg) -> Self {
        match d {
            DetailArg::Minimal => placesim::output::Detail::Minimal,
            DetailArg::Standard => placesim::output::Detail::Standard,
        }
    }
}

/// `--format` of `run`, `compare` and `psa` (see [`placesim::output::Format`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// Every table as CSV; no Parquet file.
    Csv,
    /// The large tables as Parquet only; the small ones as CSV and Parquet.
    Parquet,
    /// Every table as CSV and Parquet.
    Both,
}

impl From<FormatArg> for placesim::output::Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Csv => placesim::output::Format::Csv,
            FormatArg::Parquet => placesim::output::Format::Parquet,
            FormatArg::Both => placesim::output::Format::Both,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Topic {
    /// The weekly step order.
    Phases,
    /// Tallied metrics.
    Metrics,
    /// Cost categories.
    Costs,
    /// Valid scenario-file keys.
    Keys,
}

/// An error in what the user asked for (exit code 2).
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// True when any cause of `err` is the user's input rather than a defect.
pub fn is_bad_input(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.is::<BadInput>()
            || cause.is::<ScenarioErrors>()
            || cause.is::<PlaceError>()
            || cause.is::<clap::Error>()
            || cause
                .downcast_ref::<placesim::Error>()
                .is_some_and(placesim::Error::is_bad_input)
            || cause
                .downcast_ref::<OutputError>()
                .is_some_and(OutputError::is_bad_input)
    })
}

/// Parses the command line and runs the command.
pub fn main() -> anyhow::Result<()> {
    signal::install();
    let command_line: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let cli = match Cli::try_parse_from(&command_line) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return Ok(());
            }
            return Err(e.into());
        }
    };
    match cli.command {
        Command::Run(args) => run::run(args, command_line),
        Command::Validate { scenarios } => run::validate(&scenarios),
        Command::ValidateTargets(args) => calib::validate_targets(args, command_line),
        Command::Calibrate(args) => calib::calibrate(args),
        Command::Believe(args) => believe::believe(args, command_line),
        Command::Compare(args) => compare::compare(args, command_line),
        Command::Psa(args) => psa::psa(args, command_line),
        Command::Tornado(args) => psa::tornado(args, command_line),
        Command::Merge(args) => merge::merge(args, command_line),
        Command::Plot { run_dir } => figures::plot(&run_dir),
        Command::Report { run_dir } => figures::report(&run_dir),
        Command::Explain { topic } => {
            explain(topic);
            Ok(())
        }
    }
}

fn explain(topic: Option<Topic>) {
    use placesim::analysis::costs::CostCategory;
    use placesim::results::{CustomMetric, Metric, MetricKind};
    let all = topic.is_none();
    if all || topic == Some(Topic::Phases) {
        println!("Weekly phases, in order (every locality, every week):");
        for p in placesim::engine::PHASES {
            let kind = match p.step {
                placesim::engine::phases::Step::PerResident => "per resident",
                placesim::engine::phases::Step::Locality => "per locality",
            };
            println!("  {:<26} [{kind}; engine::{}] {}", p.name, p.function, p.description);
        }
    }
    if all || topic == Some(Topic::Metrics) {
        if all {
            println!();
        }
        println!("Metrics (counts are events in the period; stocks are levels: end of week weekly, mean weekly level per financial year):");
        for m in Metric::ALL {
            let kind = match m.kind() {
                MetricKind::Count => "count",
                MetricKind::Stock => "stock",
            };
            println!("  {:<30} {:<6} {:<15} {}", m.name(), kind, m.unit(), m.description());
        }
        println!("  A service declared in a scenario file ([services.custom.<key>]) adds:");
        for c in CustomMetric::ALL {
            let kind = match c.kind() {
                MetricKind::Count => "count",
                MetricKind::Stock => "stock",
            };
            let name = format!("<key>_{}", c.suffix());
            println!(
                "  {:<30} {:<6} {:<15} {}",
                name,
                kind,
                c.unit(),
                c.description("the service")
            );
        }
    }
    if all || topic == Some(Topic::Costs) {
        if all {
            println!();
        }
        println!("Cost categories (GBP at the place's price base; stocks costed per person-week):");
        for c in CostCategory::ALL {
            println!("  {:<26} {}", c.name(), c.description());
        }
        println!(
            "  A service declared in a scenario file adds cost_<key> (its starts × its cost_per_start, before cost_total) \
             and, in comparisons, running_cost_<key> (its staffed capacity × running_cost_per_capacity_year), \
             cost_avoided_<key> and return_per_pound_<key>."
        );
    }
    if all || topic == Some(Topic::Keys) {
        if all {
            println!();
        }
        println!("Scenario keys (dotted; see scenarios/ for examples):");
        for k in placesim::scenario::SCENARIO_KEYS {
            println!("  {k}");
        }
    }
}
