//! `placesim run` and `placesim validate`.

use super::progress::Progress;
use super::time;
use super::{BadInput, RunArgs};
use anyhow::Context;
use placesim::error::ScenarioErrors;
use placesim::output::size::Files;
use placesim::output::{self, OutDir, RunInfo, ScenarioView, SummaryRow};
use placesim::results::Results;
use placesim::runner::{self, Prepared, RunRequest};
use placesim::scenario::{load_scenario, Scenario};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// Loads every file; on any failure returns the problems of all files at once.
pub(super) fn load_all(paths: &[PathBuf]) -> anyhow::Result<Vec<Scenario>> {
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match load_scenario(path) {
            Ok(s) => scenarios.push(s),
            Err(e) => problems.extend(e.0),
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioErrors(problems).into());
    }
    let mut names: Vec<(&str, &Path)> = scenarios
        .iter()
        .zip(paths)
        .map(|(s, p)| (s.name.as_str(), p.as_path()))
        .collect();
    names.sort_by_key(|(n, _)| *n);
    let dups: Vec<String> = names
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| format!("'{}' ({} and {})", w[0].0, w[0].1.display(), w[1].1.display()))
        .collect();
    if !dups.is_empty() {
        return Err(BadInput(format!(
            "scenario names must be unique within one run; set `[scenario] name` to tell them apart: {}",
            dups.join(", ")
        ))
        .into());
    }
    Ok(scenarios)
}

/// `placesim validate`: prints `ok <file>` per valid file and every problem of the others.
pub fn validate(paths: &[PathBuf]) -> anyhow::Result<()> {
    let mut invalid = 0;
    for path in paths {
        match load_scenario(path) {
            Ok(_) => println!("ok {}", path.display()),
            Err(e) => {
                invalid += 1;
                eprintln!("{e}");
            }
        }
    }
    if invalid > 0 {
        return Err(BadInput(format!("{invalid} of {} scenario files are invalid", paths.len())).into());
    }
    Ok(())
}

/// Loads the request's places and set-ups, and refuses (exit 2, with the estimate) a request
/// whose memory or `files` at `out` would not fit: all before the output folder is touched.
pub(super) fn prepare<'a>(request: &'a RunRequest, files: Files, out: &Path) -> anyhow::Result<Prepared<'a>> {
    let prepared = runner::prepare(request)?;
    super::limits::check(&prepared, files, out)?;
    Ok(prepared)
}

/// Runs a prepared request with a progress bar (unless `quiet`), hiding the bar before any
/// error.
pub(super) fn simulate(prepared: Prepared<'_>, quiet: bool) -> anyhow::Result<placesim::results::Results> {
    let progress = Progress::new(quiet);
    let results = prepared.run(&progress);
    progress.finish();
    results.context("running the simulation")
}

/// What the manifest records about a finished simulation.
pub(super) fn run_info(
    command_line: Vec<String>,
    started: SystemTime,
    clock: Instant,
    results: &placesim::results::Results,
    detail: output::Detail,
    format: output::Format,
) -> RunInfo {
    RunInfo {
        command_line,
        started_utc: time::iso8601(started),
        wall_seconds: clock.elapsed().as_secs_f64(),
        seed: results.seed,
        replicates: results.replicates,
        threads: results.threads,
        detail,
        format,
    }
}

/// `placesim run`: validate everything, check the estimate fits, prepare the folder, simulate,
/// write, commit, report. With `--shard`, only the shard's jobs, into a shard folder.
pub fn run(args: RunArgs, command_line: Vec<String>) -> anyhow::Result<()> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let shard = super::merge::resolve_shard(args.shard.as_deref())?;
    let scenarios = load_all(&args.scenarios)?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!(
            "{}-{}{}",
            scenarios[0].name,
            time::stamp(started),
            super::merge::shard_suffix(shard)
        ))
    });
    let request = RunRequest {
        scenarios,
        replicates: args.replicates,
        seed: args.seed,
        threads: args.threads,
    };
    let files = Files::Run(args.detail.into(), args.format.into());
    if let Some(shard) = shard {
        let detail: output::Detail = args.detail.into();
        let format: output::Format = args.format.into();
        let job = super::merge::ShardJob {
            command: "run",
            shard,
            settings: [
                ("replicates".to_string(), args.replicates.into()),
                ("detail".to_string(), detail.name().into()),
                ("format".to_string(), format.name().into()),
            ]
            .into_iter()
            .collect(),
            paths: args.scenarios.clone(),
            out,
            force: args.force,
            quiet: args.quiet,
            command_line,
            started,
            clock,
        };
        return super::merge::run_tallies(job, &request, files);
    }
    let prepared = prepare(&request, files, &out)?;
    let dir = output::prepare_out_dir(&out, args.force)?;
    super::signal::report_cleaned(dir.cleaned());
    let results = simulate(prepared, args.quiet)?;
    let info = run_info(
        command_line,
        started,
        clock,
        &results,
        args.detail.into(),
        args.format.into(),
    );
    finish(dir, &info, &results, !args.no_plots)
}

/// Writes a run's files into `dir` (data files, targets, manifest last, then charts and report
/// unless `!plots`), commits it and prints the summary: what `run` and the merge of its shards
/// both do.
pub(super) fn finish(dir: OutDir, info: &RunInfo, results: &Results, plots: bool) -> anyhow::Result<()> {
    let views = output::views(results);
    let mut written = output::write_outputs(&dir, info, &views).context("writing outputs")?;
    written.extend(super::figures::write_calibration(&dir, results)?);
    // Last, so the manifest lists (and hashes) every data file.
    output::write_manifest(&dir, info, &views, &written, None).context("writing the manifest")?;
    // A chart that cannot be drawn must not cost the run: the data files are committed first.
    let figures = super::figures::finish(&dir, plots);
    let path = dir.commit()?;
    print_summary(&views);
    println!("outputs: {}", path.display());
    super::figures::drawn(figures, &path)
}

/// Metrics shown in the terminal summary.
const HEADLINE: [&str; 4] = [
    "population",
    "deaths",
    "emergency_admissions",
    "admissions_avoided_life",
];

/// Periods shown: FY2019/20 and the last full financial year (or the whole run if none).
fn headline_periods(view: &ScenarioView<'_>) -> Vec<String> {
    let cal = view.calendar;
    let mut periods = Vec::new();
    if cal.financial_years.contains(&2019) {
        periods.push(placesim::calendar::financial_year_label(2019));
    }
    let last_full = cal
        .weeks_in_fy
        .iter()
        .rposition(|&w| w >= 52)
        .map(|i| cal.financial_years[i]);
    if let Some(y) = last_full {
        let label = placesim::calendar::financial_year_label(y);
        if !periods.contains(&label) {
            periods.push(label);
        }
    }
    if periods.is_empty() {
        periods.push("total".into());
    }
    periods
}

fn print_summary(views: &[ScenarioView<'_>]) {
    for view in views {
        let rows: Vec<SummaryRow> = output::summarise(view);
        println!(
            "{} ({} replicates; mean and 95% interval)",
            view.name,
            view.replicates.len()
        );
        for period in headline_periods(view) {
            println!("  {period}");
            for metric in HEADLINE {
                if let Some(r) = rows.iter().find(|r| r.period == period && r.metric == metric) {
                    let i = r.interval;
                    println!("    {:<26} {:>12.1}  ({:.1} to {:.1})", metric, i.mean, i.lo, i.hi);
                }
            }
        }
    }
}
