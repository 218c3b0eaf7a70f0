//! `placesim compare`: expand the scenario set, run it on shared replicates, compare, write.

use super::run::{load_all, run_info, simulate};
use super::{time, BadInput, CompareArgs};
use anyhow::Context;
use placesim::analysis::compare::{check_scenarios, compare as compare_results, Window};
use placesim::analysis::economics::Conventions;
use placesim::output::{self, compare::write_comparison, Detail};
use placesim::runner::RunRequest;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// Whether a path names a list file (one scenario per line).
fn is_list(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("txt" | "list"))
}

/// Expands folders and list files into scenario paths, keeping the order given.
pub(crate) fn expand(args: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for arg in args {
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
            out.extend(files);
        } else if is_list(arg) {
            let text = std::fs::read_to_string(arg)
                .map_err(|e| BadInput(format!("cannot read scenario list {}: {e}", arg.display())))?;
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
                out.push(path);
            }
            if out.len() == before {
                return Err(BadInput(format!("scenario list {} names no scenarios", arg.display())).into());
            }
        } else {
            out.push(arg.clone());
        }
    }
    // The same file twice (e.g. the base inside the options' folder) is compared once.
    let mut seen: Vec<PathBuf> = Vec::new();
    out.retain(|p| {
        let key = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    if out.len() < 2 {
        return Err(BadInput("compare needs a base scenario and at least one option".into()).into());
    }
    Ok(out)
}

/// `placesim compare`.
pub fn compare(args: CompareArgs, command_line: Vec<String>) -> anyhow::Result<()> {
    let started = SystemTime::now();
    let clock = Instant::now();
    if let Some(r) = args.discount_rate {
        if !(0.0..1.0).contains(&r) {
            return Err(BadInput(format!(
                "--discount-rate {r}: must be at least 0 and below 1 (0.035 = 3.5%)"
            ))
            .into());
        }
    }
    let paths = expand(&args.scenarios)?;
    let scenarios = load_all(&paths)?;
    check_scenarios(&scenarios)?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("compare-{}-{}", scenarios[0].name, time::stamp(started)))
    });
    let dir = output::prepare_out_dir(&out, args.force)?;
    super::signal::report_cleaned(dir.cleaned());
    let request = RunRequest {
        scenarios,
        replicates: args.replicates,
        seed: args.seed,
        threads: args.threads,
    };
    let results = simulate(&request, args.quiet)?;
    let conventions = Conventions::of_place(&results.scenarios[0].place, args.discount_rate);
    let window = Window {
        from: args.from,
        to: args.to,
    };
    let comparison = compare_results(&results.scenarios, window, conventions).context("comparing the options")?;
    let info = run_info(command_line, started, clock, &results, Detail::Minimal);
    let views = output::views(&results);
    write_comparison(&dir, &info, &views, &comparison).context("writing the comparison")?;
    super::figures::write_calibration(&dir, &results)?;
    // A chart that cannot be drawn must not cost the run: the data files are committed first.
    let figures = super::figures::finish(&dir, !args.no_plots);
    let path = dir.commit()?;
    print!("{}", output::compare::board_summary(&comparison));
    println!("\noutputs: {}", path.display());
    figures.with_context(|| {
        format!(
            "the data files are in {}; fix the cause and run `placesim report {}`",
            path.display(),
            path.display()
        )
    })
}
