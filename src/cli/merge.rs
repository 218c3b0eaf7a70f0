//! `--shard K/N` (writing a shard folder) and `placesim merge` (issue 16; the library side is
//! [`placesim::shard`]). A shard runs its share of the jobs of `run`, `compare` or `psa` and
//! stores their results exactly; the merge checks the set, loads the scenarios again (refusing
//! any whose files changed since), puts the results back in job order and writes the folder
//! with the same code as the single-machine command, so its data files are byte-identical.

use super::progress::Progress;
use super::run::run_info;
use super::{time, BadInput};
use anyhow::Context;
use clap::Args;
use placesim::analysis::compare::{check_scenarios, Window};
use placesim::error::OutputError;
use placesim::output::shard::{read_shard, write_shard};
use placesim::output::size::Files;
use placesim::output::{self, Detail};
use placesim::psa::{decode_point, encode_point, PsaPlan};
use placesim::results::Tally;
use placesim::runner::{self, RunRequest};
use placesim::scenario::{load_scenario, Scenario};
use placesim::shard::{build_version, check_set, Decoder, Encoder, Shard, ShardData, ShardManifest, ShardScenario};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// First bytes of a run's or comparison's shard data (`tallies.bin`): the format and its version.
const TALLY_MAGIC: &[u8; 8] = b"PSTALLY1";
/// First bytes of a PSA's shard data (`points.bin`).
const POINT_MAGIC: &[u8; 8] = b"PSPOINT1";

/// Arguments of `placesim merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Every shard folder of one sharded command (in any order).
    #[arg(required = true, value_name = "SHARD_DIR")]
    shards: Vec<PathBuf>,
    /// Output folder [default: the command's own default, e.g. output/<first scenario>-<time>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the output folder if it exists and placesim wrote it.
    #[arg(long)]
    force: bool,
    /// Worker threads for the merge's own work (0 = all cores; does not change results).
    #[arg(long, default_value_t = 0, value_parser = super::limits::threads_arg)]
    threads: usize,
    /// No progress output.
    #[arg(long, short)]
    quiet: bool,
    /// Do not draw charts or write report.html.
    #[arg(long)]
    no_plots: bool,
}

/// The shard `--shard` asks for: `K/N` as given, or (the flag alone) from the scheduler's
/// environment; `None` without the flag. Shards are never taken from the environment without
/// the flag: a Slurm array may just as well run one whole command per task (a sweep).
pub(super) fn resolve_shard(arg: Option<&str>) -> anyhow::Result<Option<Shard>> {
    match arg {
        None => Ok(None),
        Some("") => Shard::from_env(&|name| std::env::var(name).ok())
            .map(Some)
            .map_err(|e| BadInput(e).into()),
        Some(text) => Shard::parse(text).map(Some).map_err(|e| BadInput(e).into()),
    }
}

/// The suffix of a shard's default folder name (`-shard-3-of-8`), empty without a shard.
pub(super) fn shard_suffix(shard: Option<Shard>) -> String {
    shard.map_or_else(String::new, |s| format!("-shard-{}-of-{}", s.index, s.count))
}

/// A shard about to run: what its manifest records besides its results.
pub(super) struct ShardJob {
    /// `run`, `compare` or `psa`.
    pub command: &'static str,
    /// Which share.
    pub shard: Shard,
    /// The settings that shape the results (must agree across shards).
    pub settings: BTreeMap<String, Value>,
    /// The scenario files, one per scenario (folders and lists expanded), for the merge to load.
    pub paths: Vec<PathBuf>,
    /// The shard folder.
    pub out: PathBuf,
    /// Replace it if placesim wrote it.
    pub force: bool,
    /// No progress bar.
    pub quiet: bool,
    /// The command line.
    pub command_line: Vec<String>,
    /// When it started.
    pub started: SystemTime,
    /// Its clock.
    pub clock: Instant,
}

impl ShardJob {
    /// The manifest of this shard over `scenarios`, holding `taken` of `jobs` (data not yet
    /// written).
    fn manifest(
        self,
        scenarios: &[Scenario],
        jobs: usize,
        taken: &[usize],
        threads: usize,
    ) -> anyhow::Result<ShardManifest> {
        let mut records = Vec::with_capacity(scenarios.len());
        for (scenario, path) in scenarios.iter().zip(&self.paths) {
            let place = runner::load_place(&scenario.place)?;
            let absolute = std::fs::canonicalize(path)
                .with_context(|| format!("finding the absolute path of {}", path.display()))?;
            records.push(ShardScenario {
                name: scenario.name.clone(),
                path: absolute.display().to_string(),
                files: scenario
                    .files
                    .iter()
                    .map(|f| (f.path.display().to_string(), f.sha256.clone()))
                    .collect(),
                place_sha256: place.sha256.clone(),
            });
        }
        Ok(ShardManifest {
            placesim_version: build_version(),
            kind: placesim::shard::SHARD_KIND.into(),
            command: self.command.into(),
            shard: self.shard,
            seed: 0,
            settings: self.settings,
            scenarios: records,
            jobs: jobs as u64,
            taken: taken.iter().map(|&j| j as u64).collect(),
            data: ShardData {
                name: String::new(),
                sha256: String::new(),
                bytes: 0,
            },
            command_line: self.command_line,
            started_utc: time::iso8601(self.started),
            wall_seconds: self.clock.elapsed().as_secs_f64(),
            threads,
        })
    }
}

/// Writes a shard folder at `out` with `data` as `name`, and prints where.
fn write_folder(
    out: &Path,
    force: bool,
    manifest: ShardManifest,
    name: &str,
    data: &[u8],
    what: &str,
) -> anyhow::Result<()> {
    let shard = manifest.shard;
    let (taken, jobs) = (manifest.taken.len(), manifest.jobs);
    let dir = output::prepare_out_dir(out, force)?;
    super::signal::report_cleaned(dir.cleaned());
    write_shard(&dir, manifest, name, data).context("writing the shard")?;
    let path = dir.commit()?;
    println!("shard {shard}: {taken} of {jobs} {what}; merge every shard with `placesim merge`");
    println!("outputs: {}", path.display());
    Ok(())
}

/// `run --shard` and `compare --shard`: the shard's jobs of `request` ([`runner::Prepared::jobs`]),
/// their tallies stored exactly in `tallies.bin`.
pub(super) fn run_tallies(job: ShardJob, request: &RunRequest, files: Files) -> anyhow::Result<()> {
    let prepared = runner::prepare(request)?.for_shard(job.shard);
    super::limits::check(&prepared, files, &job.out)?;
    let jobs = prepared.jobs().len();
    let taken = job.shard.jobs(jobs);
    let threads = prepared.threads();
    let progress = Progress::new(job.quiet);
    let tallies = prepared.run_jobs(&taken, &progress);
    progress.finish();
    let tallies = tallies.context("running the simulation")?;
    let mut e = Encoder::new(TALLY_MAGIC);
    e.u64(tallies.len() as u64);
    for (s, r, tally) in &tallies {
        e.u32(*s as u32);
        e.u32(*r);
        tally.encode(&mut e);
    }
    let (out, force) = (job.out.clone(), job.force);
    let mut manifest = job.manifest(&request.scenarios, jobs, &taken, threads)?;
    manifest.seed = request.seed;
    write_folder(
        &out,
        force,
        manifest,
        "tallies.bin",
        &e.finish(),
        "jobs (scenario replicates)",
    )
}

/// `psa --shard`: the shard's points of `plan`, their results stored exactly in `points.bin`.
pub(super) fn run_points(
    job: ShardJob,
    plan: &PsaPlan,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> anyhow::Result<()> {
    let taken = job.shard.jobs(plan.points.len());
    let results = plan.run_points(&taken, progress).context("running the draws")?;
    let mut e = Encoder::new(POINT_MAGIC);
    e.u64(results.len() as u64);
    for (i, p) in taken.iter().zip(&results) {
        e.u64(*i as u64);
        encode_point(p, &mut e);
    }
    let (out, force) = (job.out.clone(), job.force);
    let mut manifest = job.manifest(&plan.request.scenarios, plan.points.len(), &taken, plan.request.threads)?;
    manifest.seed = plan.request.seed;
    let (from, to) = plan.window();
    manifest.settings.insert("window".into(), serde_json::json!([from, to]));
    write_folder(&out, force, manifest, "points.bin", &e.finish(), "points")
}

/// A setting every shard recorded, or a bad-input error naming it.
pub(super) fn setting<'a>(m: &'a ShardManifest, key: &str) -> anyhow::Result<&'a Value> {
    m.settings.get(key).ok_or_else(|| {
        BadInput(format!(
            "the shards' manifests have no `{key}` setting (written by another version?)"
        ))
        .into()
    })
}

pub(super) fn setting_u32(m: &ShardManifest, key: &str) -> anyhow::Result<u32> {
    setting(m, key)?
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| BadInput(format!("the shards' `{key}` setting is not a whole number")).into())
}

pub(super) fn setting_i32(m: &ShardManifest, key: &str) -> anyhow::Result<Option<i32>> {
    match setting(m, key)? {
        Value::Null => Ok(None),
        v => v
            .as_i64()
            .and_then(|v| i32::try_from(v).ok())
            .map(Some)
            .ok_or_else(|| BadInput(format!("the shards' `{key}` setting is not a year")).into()),
    }
}

pub(super) fn setting_f64(m: &ShardManifest, key: &str) -> anyhow::Result<Option<f64>> {
    match setting(m, key)? {
        Value::Null => Ok(None),
        v => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| BadInput(format!("the shards' `{key}` setting is not a number")).into()),
    }
}

/// The shards' `--format`.
pub(super) fn setting_format(m: &ShardManifest) -> anyhow::Result<output::Format> {
    let name = setting(m, "format")?.as_str().unwrap_or_default();
    name.parse()
        .map_err(|e: String| BadInput(format!("the shards' `format` setting: {e}")).into())
}

/// The scenarios the shards ran, loaded again from their files, refusing any whose files or
/// place changed since (their SHA-256 differ from what the shards recorded).
fn reload(m: &ShardManifest) -> anyhow::Result<Vec<Scenario>> {
    let mut scenarios = Vec::with_capacity(m.scenarios.len());
    let mut problems = Vec::new();
    for record in &m.scenarios {
        let scenario = load_scenario(Path::new(&record.path))?;
        // The paths may be written differently (relative to where each ran); the bytes may not.
        let hashes: Vec<&str> = scenario.files.iter().map(|f| f.sha256.as_str()).collect();
        let recorded: Vec<&str> = record.files.iter().map(|(_, h)| h.as_str()).collect();
        if scenario.name != record.name || hashes != recorded {
            problems.push(format!(
                "{}: the scenario (or a file it extends) has changed since the shards ran it; run the shards again",
                record.path
            ));
        }
        let place = runner::load_place(&scenario.place)?;
        if place.sha256 != record.place_sha256 {
            problems.push(format!(
                "{}: its place ({}) has changed since the shards ran it; run the shards again",
                record.path, place.origin
            ));
        }
        scenarios.push(scenario);
    }
    if !problems.is_empty() {
        return Err(BadInput(problems.join("\n")).into());
    }
    Ok(scenarios)
}

/// The error for a shard (in folder `dir`) whose data file cannot be read back.
fn bad_data<'a>(dir: &'a str, m: &'a ShardManifest) -> impl Fn(String) -> anyhow::Error + Copy + 'a {
    move |e| {
        OutputError::BadShard {
            path: PathBuf::from(dir),
            reason: format!("its {}: {e}", m.data.name),
        }
        .into()
    }
}

/// Reads every tally of the shards' `tallies.bin`.
fn tallies_of(shards: &[(String, ShardManifest, Vec<u8>)]) -> anyhow::Result<Vec<(usize, u32, Tally)>> {
    let mut all = Vec::new();
    for (dir, m, data) in shards {
        let bad = bad_data(dir, m);
        let mut d = Decoder::new(data, TALLY_MAGIC).map_err(bad)?;
        let n = d.count(8).map_err(bad)?;
        for _ in 0..n {
            let s = d.u32().map_err(bad)? as usize;
            let r = d.u32().map_err(bad)?;
            all.push((s, r, Tally::decode(&mut d).map_err(bad)?));
        }
        d.end().map_err(bad)?;
    }
    Ok(all)
}

/// Reads every point of the shards' `points.bin`, in point order.
fn points_of(
    shards: &[(String, ShardManifest, Vec<u8>)],
    total: usize,
) -> anyhow::Result<Vec<placesim::psa::PointResult>> {
    let mut slots: Vec<Option<placesim::psa::PointResult>> = vec![None; total];
    for (dir, m, data) in shards {
        let bad = bad_data(dir, m);
        let mut d = Decoder::new(data, POINT_MAGIC).map_err(bad)?;
        let n = d.count(8).map_err(bad)?;
        for _ in 0..n {
            let i = usize::try_from(d.u64().map_err(bad)?).unwrap_or(usize::MAX);
            let p = decode_point(&mut d).map_err(bad)?;
            match slots.get_mut(i) {
                Some(slot @ None) if m.shard.takes(i) => *slot = Some(p),
                _ => return Err(bad(format!("it holds point {i}, which is not one of its shard's"))),
            }
        }
        d.end().map_err(bad)?;
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(i, p)| p.ok_or_else(|| BadInput(format!("point {i} is in no shard")).into()))
        .collect()
}

/// `placesim merge`.
pub fn merge(args: MergeArgs, command_line: Vec<String>) -> anyhow::Result<()> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut shards = Vec::with_capacity(args.shards.len());
    let mut problems = Vec::new();
    for path in &args.shards {
        match read_shard(path) {
            Ok((m, data)) => shards.push((path.display().to_string(), m, data)),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(BadInput(problems.join("\n")).into());
    }
    let manifests: Vec<(String, ShardManifest)> = shards.iter().map(|(d, m, _)| (d.clone(), m.clone())).collect();
    check_set(&manifests).map_err(OutputError::ShardSet)?;
    shards.sort_by_key(|(_, m, _)| m.shard.index);
    let first = shards[0].1.clone();
    if first.placesim_version != build_version() {
        return Err(BadInput(format!(
            "the shards were written by placesim {} and this is placesim {}: merge with the same build",
            first.placesim_version,
            build_version()
        ))
        .into());
    }
    let scenarios = reload(&first)?;
    let name = scenarios[0].name.clone();
    let default_out = |prefix: &str| PathBuf::from("output").join(format!("{prefix}{name}-{}", time::stamp(started)));
    match first.command.as_str() {
        "run" => {
            let out = args.out.clone().unwrap_or_else(|| default_out(""));
            let detail: Detail = setting(&first, "detail")?
                .as_str()
                .unwrap_or_default()
                .parse()
                .map_err(BadInput)?;
            let request = RunRequest {
                scenarios,
                replicates: setting_u32(&first, "replicates")?,
                seed: first.seed,
                threads: args.threads,
            };
            let format = setting_format(&first)?;
            let prepared = super::run::prepare(&request, Files::Run(detail, format), &out)?;
            let dir = output::prepare_out_dir(&out, args.force)?;
            super::signal::report_cleaned(dir.cleaned());
            let threads = shards.iter().map(|(_, m, _)| m.threads).max().unwrap_or(1);
            let results = prepared.assemble(tallies_of(&shards)?, threads)?;
            let info = run_info(command_line, started, clock, &results, detail, format);
            super::run::finish(dir, &info, &results, !args.no_plots)
        }
        "compare" => {
            let out = args.out.clone().unwrap_or_else(|| default_out("compare-"));
            check_scenarios(&scenarios)?;
            let window = Window {
                from: setting_i32(&first, "from")?,
                to: setting_i32(&first, "to")?,
            };
            window.resolve(&runner::calendar_of(&scenarios[0]))?;
            let discount_rate = setting_f64(&first, "discount_rate")?;
            let request = RunRequest {
                scenarios,
                replicates: setting_u32(&first, "replicates")?,
                seed: first.seed,
                threads: args.threads,
            };
            let prepared = super::run::prepare(&request, Files::Comparison, &out)?;
            let dir = output::prepare_out_dir(&out, args.force)?;
            super::signal::report_cleaned(dir.cleaned());
            let threads = shards.iter().map(|(_, m, _)| m.threads).max().unwrap_or(1);
            let results = prepared.assemble(tallies_of(&shards)?, threads)?;
            let info = run_info(
                command_line,
                started,
                clock,
                &results,
                Detail::Minimal,
                setting_format(&first)?,
            );
            super::compare::finish(dir, &info, &results, window, discount_rate, !args.no_plots)
        }
        "psa" => {
            let out = args.out.clone().unwrap_or_else(|| default_out("psa-"));
            super::psa::merge(super::psa::Merged {
                scenarios,
                first: &first,
                points: |total| points_of(&shards, total),
                out,
                force: args.force,
                threads: args.threads,
                plots: !args.no_plots,
                command_line,
                started,
                clock,
            })
        }
        other => Err(BadInput(format!("the shards ran `{other}`, which merge does not know")).into()),
    }
}
