//! `placesim psa` and `placesim tornado`: parameter uncertainty (issue 15).

use super::compare::expand;
use super::run::load_all;
use super::{limits, time, BadInput};
use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use placesim::analysis::compare::{check_scenarios, Window};
use placesim::output::psa::{
    board_summary, tornado_summary, write_figures, write_manifest, write_psa, write_tornado, Info,
};
use placesim::output::OutDir;
use placesim::psa::{plan_psa, run_psa, run_tornado, summarise, Psa, Request};
use placesim::runner::{available_cores, calendar_of, check_threads, load_place};
use placesim::scenario::Scenario;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// What the two commands share.
#[derive(Debug, Args)]
pub struct Common {
    /// The base scenario, then options (files, folders or list files, as for `compare`).
    #[arg(required = true, value_name = "BASE [OPTION|DIR|LIST]...")]
    scenarios: Vec<PathBuf>,
    /// Master seed (the draws and the replicates are keyed by it).
    #[arg(long, default_value_t = 20_160_404)]
    seed: u64,
    /// Worker threads (0 = all cores; at most 1024; does not change results).
    #[arg(long, default_value_t = 0, value_parser = limits::threads_arg)]
    threads: usize,
    /// First financial year of the appraisal [default: the first year any option differs].
    #[arg(long, value_name = "YEAR")]
    from: Option<i32>,
    /// Last financial year of the appraisal [default: the last full year of the run].
    #[arg(long, value_name = "YEAR")]
    to: Option<i32>,
    /// Annual discount rate for costs and QALYs [default: the place's].
    #[arg(long, value_name = "RATE")]
    discount_rate: Option<f64>,
    /// Run every scenario at this scale instead of its own (agents per resident, in (0, 1];
    /// below 1 the queues keep their full size, see docs/performance.md).
    #[arg(long, value_name = "SCALE")]
    scale: Option<f64>,
    /// Output folder [default: output/<command>-<base>-<YYYYMMDD-HHMMSS> (UTC)].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the output folder if it exists and placesim wrote it.
    #[arg(long)]
    force: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Do not draw charts or write report.html.
    #[arg(long)]
    no_plots: bool,
}

/// Arguments of `placesim psa`.
#[derive(Debug, Args)]
pub struct PsaArgs {
    #[command(flatten)]
    common: Common,
    /// Parameter draws (Latin hypercube).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    draws: u32,
    /// Replicates per draw (at least 2 for the analysis of variance to split parameter from
    /// Monte Carlo variance).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=1000))]
    replicates: u32,
    /// Rows of a Sobol design (Jansen estimators): the first M draws are its matrix A, and it
    /// runs M × (columns + 1) more points; 0 = no Sobol indices.
    #[arg(long, default_value_t = 0, value_name = "M")]
    sobol: u32,
    /// File format of the draws table: `parquet` (or `both`) writes psa_draws.parquet beside
    /// psa_draws.csv (which the charts read); `csv` writes no Parquet file.
    #[arg(long, value_enum, default_value_t = super::FormatArg::Parquet)]
    format: super::FormatArg,
    /// Run only shard K of N of the points (`3/8`) and write a shard folder for `placesim
    /// merge`; `--shard` alone takes K and N from a Slurm array task or a Kubernetes indexed job
    /// (see "Running on a cluster" in README.md).
    #[arg(long, value_name = "K/N", num_args = 0..=1, default_missing_value = "")]
    shard: Option<String>,
}

/// Arguments of `placesim tornado`.
#[derive(Debug, Args)]
pub struct TornadoArgs {
    #[command(flatten)]
    common: Common,
    /// Replicates at each point (the same replicates at every point).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    replicates: u32,
}

/// Loads, checks and scales the scenarios and builds the request.
fn request(c: &Common, replicates: u32) -> anyhow::Result<(Request, Vec<Scenario>, Vec<PathBuf>)> {
    super::compare::check_discount_rate(c.discount_rate)?;
    if let Some(s) = c.scale {
        if !(s > 0.0 && s <= 1.0) {
            return Err(BadInput(format!("--scale {s}: must be above 0 and at most 1")).into());
        }
    }
    check_threads(c.threads)?;
    let paths = expand(&c.scenarios)?;
    let scenarios = load_all(&paths)?;
    let window = Window { from: c.from, to: c.to };
    let (request, scenarios) = build_request(
        scenarios,
        c.scale,
        replicates,
        c.seed,
        c.threads,
        window,
        c.discount_rate,
    )?;
    Ok((request, scenarios, paths))
}

/// The request over `scenarios` (at `scale` when given), after checking they can be compared
/// and the window fits their years.
fn build_request(
    mut scenarios: Vec<Scenario>,
    scale: Option<f64>,
    replicates: u32,
    seed: u64,
    threads: usize,
    window: Window,
    discount_rate: Option<f64>,
) -> anyhow::Result<(Request, Vec<Scenario>)> {
    if let Some(s) = scale {
        for sc in &mut scenarios {
            sc.scale = s;
        }
    }
    check_scenarios(&scenarios)?;
    window.resolve(&calendar_of(&scenarios[0]))?;
    let place = Arc::new(load_place(&scenarios[0].place)?);
    let threads = if threads == 0 { available_cores() } else { threads };
    Ok((
        Request {
            scenarios: scenarios.clone(),
            place,
            replicates,
            seed,
            threads,
            window,
            discount_rate,
        },
        scenarios,
    ))
}

fn bar(quiet: bool, what: &str) -> Option<ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    let template = format!("{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {what}, eta {{eta}}");
    bar.set_style(ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(bar)
}

/// Moves the bar (if any) to `done` of `total` points.
fn advance(bar: Option<&ProgressBar>, done: usize, total: usize) {
    if let Some(b) = bar {
        b.set_length(total as u64);
        b.set_position(done as u64);
    }
}

fn info(
    kind: &'static str,
    command_line: Vec<String>,
    seed: u64,
    request: &Request,
    scenarios: &[Scenario],
    (started, clock): (SystemTime, Instant),
) -> Info {
    Info {
        kind,
        command_line,
        started_utc: time::iso8601(started),
        wall_seconds: clock.elapsed().as_secs_f64(),
        seed,
        draws: 0,
        sobol_rows: 0,
        replicates: request.replicates,
        threads: request.threads,
        scenarios: scenarios.iter().map(|s| s.name.clone()).collect(),
        files: scenarios
            .iter()
            .flat_map(|s| s.files.iter().map(|f| (f.path.display().to_string(), f.sha256.clone())))
            .collect(),
        place: (request.place.origin.clone(), request.place.sha256.clone()),
        scale: scenarios[0].scale,
        format: placesim::output::Format::Csv,
    }
}

/// `placesim psa`.
pub fn psa(args: PsaArgs, command_line: Vec<String>) -> anyhow::Result<()> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let c = &args.common;
    let (request, scenarios, paths) = request(c, args.replicates)?;
    let shard = super::merge::resolve_shard(args.shard.as_deref())?;
    if args.sobol > args.draws {
        return Err(BadInput(format!(
            "--sobol {} is more than --draws {}: the design's matrix A is the first draws",
            args.sobol, args.draws
        ))
        .into());
    }
    // Declarations are checked (and the parameters listed) before any folder is touched.
    let set = placesim::uncertainty::ParameterSet::of(&scenarios, &request.place)?;
    let out = c.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!(
            "psa-{}-{}{}",
            scenarios[0].name,
            time::stamp(started),
            super::merge::shard_suffix(shard)
        ))
    });
    if !c.quiet {
        eprintln!(
            "psa: {} draws × {} replicate(s) of {} scenarios, {} parameters in {} columns{}{}",
            args.draws,
            args.replicates,
            scenarios.len(),
            set.parameters.len(),
            set.columns.len(),
            if args.sobol > 0 {
                format!(
                    "; Sobol design of {} rows ({} more points)",
                    args.sobol,
                    args.sobol as usize * (set.columns.len() + 1)
                )
            } else {
                String::new()
            },
            shard.map_or_else(String::new, |s| format!("; shard {s}"))
        );
    }
    let progress = bar(c.quiet, "points");
    let advance_bar = |done: usize, total: usize| advance(progress.as_ref(), done, total);
    if let Some(shard) = shard {
        // Every shard fixes the same window (one central replicate) and records it.
        let plan = plan_psa(&request, args.draws as usize, args.sobol as usize, None)?;
        let job = super::merge::ShardJob {
            command: "psa",
            shard,
            settings: [
                ("replicates".to_string(), args.replicates.into()),
                ("draws".to_string(), args.draws.into()),
                ("sobol".to_string(), args.sobol.into()),
                ("from".to_string(), c.from.into()),
                ("to".to_string(), c.to.into()),
                ("discount_rate".to_string(), c.discount_rate.into()),
                ("scale".to_string(), c.scale.into()),
                (
                    "format".to_string(),
                    placesim::output::Format::from(args.format).name().into(),
                ),
            ]
            .into_iter()
            .collect(),
            paths,
            out,
            force: c.force,
            quiet: c.quiet,
            command_line,
            started,
            clock,
        };
        let done = super::merge::run_points(job, &plan, &advance_bar);
        if let Some(b) = &progress {
            b.finish_and_clear();
        }
        return done;
    }
    let dir = placesim::output::prepare_out_dir(&out, c.force)?;
    super::signal::report_cleaned(dir.cleaned());
    let psa = run_psa(&request, args.draws as usize, args.sobol as usize, &advance_bar).context("running the draws")?;
    if let Some(b) = &progress {
        b.finish_and_clear();
    }
    let mut info = info("psa", command_line, c.seed, &request, &scenarios, (started, clock));
    info.draws = args.draws as usize;
    info.sobol_rows = args.sobol as usize;
    info.format = args.format.into();
    finish(dir, &info, &psa, !c.no_plots)
}

/// Summarises `psa` and writes its folder into `dir` (data files, manifest, then charts and
/// report unless `!plots`), commits it and prints the board summary: what `psa` and the merge
/// of its shards both do.
fn finish(dir: OutDir, info: &Info, psa: &Psa, plots: bool) -> anyhow::Result<()> {
    let summary = summarise(psa, info.seed)?;
    let mut written = write_psa(&dir, info, psa, &summary).context("writing the analysis")?;
    written.push(write_manifest(&dir, info, &written).context("writing the manifest")?);
    let text = board_summary(info, psa, &summary);
    if plots {
        let title = format!("Probabilistic sensitivity analysis: {}", info.scenarios.join(", "));
        write_figures(dir.temp_path(), "psa", &title, &text).context("drawing the charts")?;
    }
    let path = dir.commit()?;
    print!("{text}");
    println!("\noutputs: {}", path.display());
    Ok(())
}

/// What the merge of a sharded PSA needs ([`merge`]).
pub(super) struct Merged<'a, F> {
    /// The scenarios, loaded again.
    pub scenarios: Vec<Scenario>,
    /// The first shard's manifest (its settings are every shard's).
    pub first: &'a placesim::shard::ShardManifest,
    /// Reads every point's result, in point order, given the number of points.
    pub points: F,
    /// The output folder.
    pub out: PathBuf,
    /// Replace it if placesim wrote it.
    pub force: bool,
    /// Worker threads (0 = every core).
    pub threads: usize,
    /// Draw charts and the report.
    pub plots: bool,
    /// The merge's command line.
    pub command_line: Vec<String>,
    /// When the merge started.
    pub started: SystemTime,
    /// Its clock.
    pub clock: Instant,
}

/// Merges a sharded PSA: the plan again (no model run: the window is the one the shards fixed),
/// every point's result from the shards, then the same summary and files as `psa`.
pub(super) fn merge<F>(m: Merged<'_, F>) -> anyhow::Result<()>
where
    F: FnOnce(usize) -> anyhow::Result<Vec<placesim::psa::PointResult>>,
{
    use super::merge::{setting, setting_f64, setting_i32, setting_u32};
    let first = m.first;
    let window = Window {
        from: setting_i32(first, "from")?,
        to: setting_i32(first, "to")?,
    };
    let fixed: Vec<i32> = serde_json::from_value(setting(first, "window")?.clone())
        .map_err(|_| BadInput("the shards' `window` setting is not two years".into()))?;
    let [from, to] = fixed[..] else {
        return Err(BadInput("the shards' `window` setting is not two years".into()).into());
    };
    let (request, scenarios) = build_request(
        m.scenarios,
        setting_f64(first, "scale")?,
        setting_u32(first, "replicates")?,
        first.seed,
        m.threads,
        window,
        setting_f64(first, "discount_rate")?,
    )?;
    let (draws, sobol) = (
        setting_u32(first, "draws")? as usize,
        setting_u32(first, "sobol")? as usize,
    );
    let plan = plan_psa(&request, draws, sobol, Some((from, to)))?;
    let points = (m.points)(plan.points.len())?;
    let dir = placesim::output::prepare_out_dir(&m.out, m.force)?;
    super::signal::report_cleaned(dir.cleaned());
    let psa = plan.assemble(points)?;
    let mut info = info(
        "psa",
        m.command_line,
        first.seed,
        &request,
        &scenarios,
        (m.started, m.clock),
    );
    info.draws = draws;
    info.sobol_rows = sobol;
    info.format = super::merge::setting_format(first)?;
    finish(dir, &info, &psa, m.plots)
}

/// `placesim tornado`.
pub fn tornado(args: TornadoArgs, command_line: Vec<String>) -> anyhow::Result<()> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let c = &args.common;
    let (request, scenarios, _) = request(c, args.replicates)?;
    let set = placesim::uncertainty::ParameterSet::of(&scenarios, &request.place)?;
    let out = c.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("tornado-{}-{}", scenarios[0].name, time::stamp(started)))
    });
    let dir = placesim::output::prepare_out_dir(&out, c.force)?;
    super::signal::report_cleaned(dir.cleaned());
    if !c.quiet {
        eprintln!(
            "tornado: {} points (central, then {} columns at low and high) × {} replicate(s) of {} scenarios",
            1 + 2 * set.columns.len(),
            set.columns.len(),
            args.replicates,
            scenarios.len()
        );
    }
    let progress = bar(c.quiet, "points");
    let t = run_tornado(&request, &|done, total| advance(progress.as_ref(), done, total))
        .context("running the one-way changes")?;
    if let Some(b) = &progress {
        b.finish_and_clear();
    }
    let info = info("tornado", command_line, c.seed, &request, &scenarios, (started, clock));
    let mut written = write_tornado(&dir, &info, &t).context("writing the tornado")?;
    written.push(write_manifest(&dir, &info, &written).context("writing the manifest")?);
    let text = tornado_summary(&t);
    if !c.no_plots {
        let title = format!("One-way sensitivity: {}", info.scenarios.join(", "));
        write_figures(dir.temp_path(), "tornado", &title, &text).context("drawing the charts")?;
    }
    let path = dir.commit()?;
    print!("{text}");
    println!("\noutputs: {}", path.display());
    Ok(())
}
