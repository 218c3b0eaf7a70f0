//! `placesim compare`: expand the scenario set, run it on shared replicates, compare, write.

use super::run::{load_all, prepare, run_info, simulate};
use super::{time, BadInput, CompareArgs};
use anyhow::Context;
use placesim::analysis::compare::{check_scenarios, compare as compare_results, Window};
use placesim::analysis::economics::Conventions;
use placesim::output::size::Files;
use placesim::output::{self, compare::write_comparison, Detail, OutDir, RunInfo};
use placesim::results::Results;
use placesim::runner::{calendar_of, RunRequest};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// Whether a path names a list file (one scenario per line).
fn is_list(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("txt" | "list"))
}

/// Where a scenario path came from, for messages: `argument 2`, `folder opts/`,
/// `pack.list line 3`.
fn origin_of(arg: &Path, position: usize, line: Option<usize>) -> String {
    if arg.is_dir() {
        format!("folder {}", arg.display())
    } else if let Some(n) = line {
        format!("{} line {n}", arg.display())
    } else {
        format!("argument {position}")
    }
}

/// Expands folders and list files into scenario paths, keeping the order given. The same file
/// reached twice (e.g. the base inside the options' folder) is compared once; when that leaves
/// fewer than two scenarios, the message names each file given more than once and where.
pub(crate) fn expand(args: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out: Vec<(PathBuf, String)> = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if arg.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(arg)
                .map_err(|e| BadInput(format!("cannot read scenario folder {}: {e}", arg.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().and_then(|e| e.to_str()) == Some("toml"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(BadInput(format!("scenario folder {} holds no .toml files", arg.display())).into());
            }
            out.extend(files.into_iter().map(|f| (f, origin_of(arg, i + 1, None))));
        } else if is_list(arg) {
            let text = placesim::input::read_text(arg, "scenario list").map_err(|p| {
                let at = if p.line > 0 {
                    format!(":{}:{}", p.line, p.column)
                } else {
                    String::new()
                };
                BadInput(format!("{}{at}: {}", arg.display(), p.message))
            })?;
            let base = arg.parent().unwrap_or(Path::new("."));
            let before = out.len();
            for (n, line) in text.lines().enumerate() {
                let entry = line.split('#').next().unwrap_or("").trim();
                if entry.is_empty() {
                    continue;
                }
                let path = base.join(entry);
                if !path.is_file() {
                    return Err(BadInput(format!(
                        "{}:{}: scenario file {} does not exist",
                        arg.display(),
                        n + 1,
                        path.display()
                    ))
                    .into());
                }
                out.push((path, origin_of(arg, i + 1, Some(n + 1))));
            }
            if out.len() == before {
                return Err(BadInput(format!("scenario list {} names no scenarios", arg.display())).into());
            }
        } else {
            out.push((arg.clone(), origin_of(arg, i + 1, None)));
        }
    }
    // Each distinct file once, in first-seen order, with every place it was given.
    let mut distinct: Vec<(PathBuf, PathBuf, Vec<String>)> = Vec::new();
    for (path, origin) in out {
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        match distinct.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, origins)) => origins.push(origin),
            None => distinct.push((key, path, vec![origin])),
        }
    }
    if distinct.len() < 2 {
        let repeated: Vec<String> = distinct
            .iter()
            .filter(|(_, _, origins)| origins.len() > 1)
            .map(|(_, path, origins)| {
                let times = match origins.len() {
                    2 => "twice".to_string(),
                    n => format!("{n} times"),
                };
                format!("{} is given {times} ({})", path.display(), origins.join(", "))
            })
            .collect();
        let message = if repeated.is_empty() {
            "compare needs a base scenario and at least one option".to_string()
        } else {
            format!(
                "{}: a file is compared once, so compare needs at least one option besides the base",
                repeated.join("; ")
            )
        };
        return Err(BadInput(message).into());
    }
    Ok(distinct.into_iter().map(|(_, path, _)| path).collect())
}

/// Checks `--discount-rate`.
pub(super) fn check_discount_rate(rate: Option<f64>) -> anyhow::Result<()> {
    if let Some(r) = rate {
        if !(0.0..1.0).contains(&r) {
            return Err(BadInput(format!(
                "--discount-rate {r}: must be at least 0 and below 1 (0.035 = 3.5%)"
            ))
            .into());
        }
    }
    Ok(())
}

/// `placesim compare`. With `--shard`, only the shard's jobs, into a shard folder.
pub fn compare(args: CompareArgs, command_line: Vec<String>) -> anyhow::Result<()> {
    let started = SystemTime::now();
    let clock = Instant::now();
    check_discount_rate(args.discount_rate)?;
    let shard = super::merge::resolve_shard(args.shard.as_deref())?;
    let paths = expand(&args.scenarios)?;
    let scenarios = load_all(&paths)?;
    check_scenarios(&scenarios)?;
    // Every argument is checked before anything runs: the window against the years the
    // scenarios cover (they share dates), then the estimate against memory and disk.
    let window = Window {
        from: args.from,
        to: args.to,
    };
    window.resolve(&calendar_of(&scenarios[0]))?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!(
            "compare-{}-{}{}",
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
    if let Some(shard) = shard {
        let job = super::merge::ShardJob {
            command: "compare",
            shard,
            settings: [
                ("replicates".to_string(), args.replicates.into()),
                ("from".to_string(), args.from.into()),
                ("to".to_string(), args.to.into()),
                ("discount_rate".to_string(), args.discount_rate.into()),
                ("format".to_string(), output::Format::from(args.format).name().into()),
            ]
            .into_iter()
            .collect(),
            paths,
            out,
            force: args.force,
            quiet: args.quiet,
            command_line,
            started,
            clock,
        };
        return super::merge::run_tallies(job, &request, Files::Comparison);
    }
    let prepared = prepare(&request, Files::Comparison, &out)?;
    let dir = output::prepare_out_dir(&out, args.force)?;
    super::signal::report_cleaned(dir.cleaned());
    let results = simulate(prepared, args.quiet)?;
    let info = run_info(
        command_line,
        started,
        clock,
        &results,
        Detail::Minimal,
        args.format.into(),
    );
    finish(dir, &info, &results, window, args.discount_rate, !args.no_plots)
}

/// Compares `results` over `window` and writes the comparison folder into `dir` (data files,
/// targets, manifest last, then charts and report unless `!plots`), commits it and prints the
/// board summary: what `compare` and the merge of its shards both do.
pub(super) fn finish(
    dir: OutDir,
    info: &RunInfo,
    results: &Results,
    window: Window,
    discount_rate: Option<f64>,
    plots: bool,
) -> anyhow::Result<()> {
    let conventions = Conventions::of_place(&results.scenarios[0].place, discount_rate);
    let comparison = compare_results(&results.scenarios, window, conventions).context("comparing the options")?;
    let views = output::views(results);
    let mut written = write_comparison(&dir, info, &views, &comparison).context("writing the comparison")?;
    written.extend(super::figures::write_calibration(&dir, results)?);
    // Last, so the manifest lists (and hashes) every data file.
    output::write_manifest(&dir, info, &views, &written, Some(&comparison)).context("writing the manifest")?;
    // A chart that cannot be drawn must not cost the run: the data files are committed first.
    let figures = super::figures::finish(&dir, plots);
    let path = dir.commit()?;
    print!("{}", output::compare::board_summary(&comparison));
    println!("\noutputs: {}", path.display());
    super::figures::drawn(figures, &path)
}
