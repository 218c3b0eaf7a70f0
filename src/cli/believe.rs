//! `placesim believe`: what you would have to believe for published claims to be the
//! services' doing.

use super::{time, BadInput, BelieveArgs};
use anyhow::Context;
use placesim::calibration::believe::{believe as fit_claims, croydon_claims, parse_claims, Belief, Claims, FitKind};
use placesim::calibration::targets::evaluate;
use placesim::output;
use placesim::output::believe::{write_believe_claims_csv, write_believe_csv, write_believe_json};
use placesim::output::size::Files;
use placesim::output::targets::{pretty, write_targets_csv, write_targets_json};
use placesim::place::Place;
use placesim::runner::RunRequest;
use placesim::scenario::load_scenario;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

fn load_claims(args: &BelieveArgs, place: &Place) -> anyhow::Result<Claims> {
    match &args.claims {
        None => croydon_claims(place).map_err(|e| BadInput(e).into()),
        Some(p) => {
            let text = super::calib::read_input(p, "claims file")?;
            parse_claims(&text, &p.display().to_string(), place).map_err(|e| BadInput(e).into())
        }
    }
}

/// `placesim believe`.
pub fn believe(args: BelieveArgs, command_line: Vec<String>) -> anyhow::Result<()> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut scenario = load_scenario(&args.scenario)?;
    let place = placesim::runner::load_place(&scenario.place)?;
    let claims = load_claims(&args, &place)?;
    // The fits and the run written beside them use the claims file's scale and end.
    scenario.scale = claims.scale;
    scenario.end = placesim::calendar::Date::parse(&claims.end).expect("checked by parse_claims");
    super::calib::check_targets_answerable(&claims.claim, &scenario)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("believe-{}-{}", scenario.name, time::stamp(started))));
    let request = RunRequest {
        scenarios: vec![scenario.clone()],
        replicates: claims.replicates,
        seed: claims.seed,
        threads: args.threads,
    };
    // Everything that can be refused is refused before the fits run.
    let prepared = super::run::prepare(
        &request,
        Files::Run(output::Detail::Minimal, output::Format::default()),
        &out,
    )?;
    let dir = output::prepare_out_dir(&out, args.force)?;
    super::signal::report_cleaned(dir.cleaned());
    let quiet = args.quiet;
    let beliefs = fit_claims(&scenario, &claims, args.threads, |kind, e| {
        if !quiet {
            let fit = match kind {
                FitKind::AsModelled => "as modelled".to_string(),
                FitKind::Alone(i) => format!("{} alone", claims.effect[*i].key),
                FitKind::Joint => "jointly".to_string(),
            };
            let xs: Vec<String> = e.x.iter().map(|v| format!("{v:.4}")).collect();
            eprintln!(
                "{fit:<44} eval {:>3}  [{}]  distance {:>10.4}  best {:>10.4}",
                e.eval,
                xs.join(", "),
                e.f,
                e.best_f
            );
        }
    })?;
    // The scenario as modelled, at the same scale, seed and replicates: the run folder the
    // charts and report are drawn from.
    let results = super::run::simulate(prepared, args.quiet)?;
    let evaluated = evaluate(&claims.claim, &results.scenarios[0]).map_err(BadInput)?;
    let info = super::run::run_info(
        command_line,
        started,
        clock,
        &results,
        output::Detail::Minimal,
        output::Format::default(),
    );
    let views = output::views(&results);
    let mut written = output::write_outputs(&dir, &info, &views).context("writing outputs")?;
    let meta = serde_json::json!({
        "scenario": results.scenarios[0].scenario.name,
        "claims_file": args.claims.as_ref().map_or("data/claims.toml (embedded)".to_string(), |p| p.display().to_string()),
        "seed": results.seed, "replicates": results.replicates, "placesim_version": env!("CARGO_PKG_VERSION"),
        "note": "targets.csv holds the claims evaluated on this run (the scenario as modelled)",
    });
    written.push(dir.write_data_file("targets.csv", |w| write_targets_csv(w, &evaluated))?);
    written.push(dir.write_data_file("targets.json", |w| write_targets_json(w, &evaluated, meta.clone()))?);
    written.push(dir.write_data_file("believe.csv", |w| write_believe_csv(w, &claims, &beliefs, &place))?);
    written.push(dir.write_data_file("believe_claims.csv", |w| write_believe_claims_csv(w, &claims, &beliefs))?);
    written.push(dir.write_data_file("believe.json", |w| {
        write_believe_json(w, &claims, &beliefs, &place, meta)
    })?);
    output::write_manifest(&dir, &info, &views, &written, None).context("writing the manifest")?;
    let figures = super::figures::finish(&dir, !args.no_plots);
    let path = dir.commit()?;
    print_table(&claims, &beliefs, &place);
    println!("outputs: {}", path.display());
    super::figures::drawn(figures, &path)?;
    Ok(())
}

fn print_table(claims: &Claims, beliefs: &[Belief], place: &Place) {
    for b in beliefs {
        let title = match b.kind {
            FitKind::AsModelled => "As modelled (the scenario's own effects)".to_string(),
            FitKind::Alone(i) => format!("{} alone", claims.effect[i].label),
            FitKind::Joint => "All effects together".to_string(),
        };
        println!(
            "{title}: claims {}reproduced (distance {:.3}, {} evaluations)",
            if b.reproduced() { "" } else { "NOT " },
            b.distance,
            b.evaluations
        );
        for (i, e) in claims.effect.iter().enumerate() {
            if !b.moved(i) && !matches!(b.kind, FitKind::AsModelled) {
                continue;
            }
            let evidence = e
                .evidence(place)
                .map_or("no evidence range in the place file".to_string(), |ev| {
                    let inside = ev.contains(b.values[i]);
                    format!(
                        "evidence {} to {} (central {}): {}",
                        pretty(ev.low),
                        pretty(ev.high),
                        pretty(ev.central),
                        if inside { "within" } else { "OUTSIDE" }
                    )
                });
            println!("    {:<28} {:>10}   {evidence}", e.label, pretty(b.values[i]));
        }
        for r in &b.claims {
            println!(
                "    claim {:<60} claimed {:>8}  simulated {:>8} ({} to {})",
                r.target.name,
                pretty(r.target.observed),
                pretty(r.simulated.mean),
                pretty(r.simulated.lo),
                pretty(r.simulated.hi)
            );
        }
    }
}
