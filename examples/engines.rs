//! Development check: the event-driven and the weekly engine side by side on one scenario
//! (borough totals over the run, mean of replicates, and time per replicate).
#![allow(clippy::print_stdout)]
use placesim::engine::{run_replicate_with, Engine, Setup};
use placesim::place::Place;
use placesim::results::Metric;
use placesim::scenario::load_scenario;
use std::path::Path;
use std::sync::Arc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut sc = load_scenario(Path::new(&args[1])).unwrap_or_else(|e| panic!("{e}"));
    sc.scale = args.get(2).map_or(0.1, |s| s.parse().unwrap());
    let reps: u32 = args.get(3).map_or(4, |s| s.parse().unwrap());
    let setup = Setup::new(&sc, &Arc::new(Place::croydon())).unwrap();
    let ms = Metric::ALL;
    let mut per_engine: Vec<Vec<Vec<f64>>> = Vec::new();
    for engine in [Engine::Weekly, Engine::Events] {
        let mut xs = vec![Vec::new(); ms.len()];
        let t0 = std::time::Instant::now();
        let mut sums = vec![0.0f64; ms.len()];
        let mut sq = vec![0.0f64; ms.len()];
        for r in 0..reps {
            let t = run_replicate_with(&setup, 1, r, engine);
            for (k, m) in ms.iter().enumerate() {
                let x = (0..t.financial_years()).map(|fy| t.annual_total(fy, *m)).sum::<u64>() as f64;
                sums[k] += x;
                sq[k] += x * x;
                xs[k].push(x);
            }
        }
        let el = t0.elapsed().as_secs_f64() / f64::from(reps);
        println!("{engine:?}: {el:.3} s per replicate");
        for (k, m) in ms.iter().enumerate() {
            let n = f64::from(reps);
            let mean = sums[k] / n;
            let sd = ((sq[k] / n - mean * mean).max(0.0) * n / (n - 1.0)).sqrt();
            println!("  {:<28} {:>14.1} ± {:>10.1}", format!("{m:?}"), mean, sd / n.sqrt());
        }
        per_engine.push(xs);
    }
    println!("paired difference (events - weekly) / its standard error:");
    for (k, m) in ms.iter().enumerate() {
        let d: Vec<f64> = per_engine[1][k]
            .iter()
            .zip(&per_engine[0][k])
            .map(|(a, b)| a - b)
            .collect();
        let n = d.len() as f64;
        let mean = d.iter().sum::<f64>() / n;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        println!(
            "  {:<28} {:>10.1} z = {:>6.2}",
            format!("{m:?}"),
            mean,
            mean / (sd / n.sqrt())
        );
    }
}
