//! Development aid: re-summarise a PSA folder from its data files (`psa_draws.csv`,
//! `psa_draw_values.csv`) with the current summary code, without re-running the draws, and
//! print the board summary. The scenarios must be the ones the folder was run with.
//!
//! `cargo run --release --example psa_summary -- FOLDER SEED SCALE BASE OPTION...`
#![allow(clippy::print_stdout)]

use placesim::analysis::economics::Conventions;
use placesim::output::psa::{board_summary, Info};
use placesim::psa::{summarise, OptionOutcome, PointResult, Psa, SobolRuns};
use placesim::scenario::load_scenario;
use placesim::uncertainty::ParameterSet;
use std::path::Path;

fn rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    let header = lines.next().unwrap_or_default();
    (header, lines.collect())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert!(args.len() >= 6, "usage: psa_summary FOLDER SEED SCALE BASE OPTION...");
    let folder = Path::new(&args[1]);
    let seed: u64 = args[2].parse().expect("seed");
    let scale: f64 = args[3].parse().expect("scale");
    let scenarios: Vec<_> = args[4..]
        .iter()
        .map(|p| {
            let mut s = load_scenario(Path::new(p)).unwrap_or_else(|e| panic!("{e}"));
            s.scale = scale;
            s
        })
        .collect();
    let place = placesim::runner::load_place(&scenarios[0].place).expect("place");
    let set = ParameterSet::of(&scenarios, &place).expect("parameters");
    let options: Vec<String> = scenarios[1..].iter().map(|s| s.name.clone()).collect();
    let (_, values) = rows(&folder.join("psa_draw_values.csv"));
    let (h, draws) = rows(&folder.join("psa_draws.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).expect("column");
    let mut points: Vec<(String, String, usize, PointResult)> = Vec::new();
    for r in &draws {
        let key = (
            r[col("design")].clone(),
            r[col("column")].clone(),
            r[col("row")].parse::<usize>().expect("row"),
        );
        let o = options.iter().position(|x| *x == r[col("option")]).expect("option");
        let num = |n: &str| r[col(n)].parse::<f64>().unwrap_or(f64::NAN);
        let outcome = OptionOutcome {
            mean: placesim::psa::OUTCOMES.map(num),
            se: placesim::psa::OUTCOMES.map(|n| num(&format!("{n}_se"))),
        };
        match points.iter_mut().find(|p| (&p.0, &p.1, p.2) == (&key.0, &key.1, key.2)) {
            Some(p) => p.3.options[o] = outcome,
            None => {
                let mut p = PointResult {
                    u: Vec::new(),
                    values: Vec::new(),
                    options: vec![outcome; options.len()],
                    population: num("population"),
                };
                p.options[o] = outcome;
                points.push((key.0, key.1, key.2, p));
            }
        }
    }
    // Each draw's coordinates, column by column (a column's first member's row).
    let k = set.columns.len();
    for (d, p) in points.iter_mut().filter(|p| p.0 == "draw").enumerate() {
        p.3.u = (0..k)
            .map(|c| {
                let name = &set.parameters[set.columns[c].members[0]].name;
                values
                    .iter()
                    .find(|v| v[0] == d.to_string() && v[1] == *name)
                    .map_or(f64::NAN, |v| v[2].parse().unwrap_or(f64::NAN))
            })
            .collect();
    }
    let take =
        |design: &str| -> Vec<PointResult> { points.iter().filter(|p| p.0 == design).map(|p| p.3.clone()).collect() };
    let draws = take("draw");
    let b = take("sobol_b");
    let sobol = (!b.is_empty()).then(|| SobolRuns {
        rows: b.len(),
        ab: set
            .columns
            .iter()
            .map(|c| {
                points
                    .iter()
                    .filter(|p| p.0 == "sobol_ab" && p.1 == c.name)
                    .map(|p| p.3.clone())
                    .collect()
            })
            .collect(),
        b,
    });
    let cal = placesim::runner::calendar_of(&scenarios[0]);
    let last = *cal.financial_years.last().expect("years");
    let psa = Psa {
        set,
        draws,
        sobol,
        base: scenarios[0].name.clone(),
        options,
        window: (2021, last.min(2026)),
        conventions: Conventions::of_place(&place, None),
    };
    let summary = summarise(&psa, seed).expect("summary");
    let info = Info {
        kind: "psa",
        command_line: Vec::new(),
        started_utc: String::new(),
        wall_seconds: 0.0,
        seed,
        draws: psa.draws.len(),
        sobol_rows: psa.sobol.as_ref().map_or(0, |s| s.rows),
        replicates: 2,
        threads: 0,
        scenarios: scenarios.iter().map(|s| s.name.clone()).collect(),
        files: Vec::new(),
        place: (String::new(), String::new()),
        scale,
        format: placesim::output::Format::Csv,
    };
    print!("{}", board_summary(&info, &psa, &summary));
}
