//! Engine benchmarks (criterion).
//!
//! * `replicate/croydon_baseline`: one replicate of the shipped baseline (2016-04 to 2027-03,
//!   387k residents at scale 1) on one thread with the event-driven engine; throughput in
//!   agent-weeks (residents alive × weeks simulated), so criterion reports agent-weeks per
//!   second. `replicate/croydon_baseline_weekly_engine`: the same with the weekly reference
//!   engine, for the ratio.
//! * `synthesis/croydon`: building the synthetic population.
//! * `peer/workload`: the peer benchmark model (`../shared/bench/peer_workload_spec.py`,
//!   390k agents × 520 weeks at scale 1) on placesim's keyed RNG and struct of arrays
//!   ([`placesim::peer`]); throughput in agent-steps, comparable with
//!   `../shared/bench/peer-results.md` (time `numpy_peer.py` in the same session for the ratio).
//!   `workload` is the event-driven version placesim's figure is quoted for; `direct` is the
//!   line-by-line transcription (a draw per hazard per agent-step), to show what the levers buy.
//!
//! * `ensemble/croydon_20x2`: 20 replicates of the baseline and of `life-expansion`, as
//!   `placesim compare` runs them (all cores, replicates in parallel), at scale
//!   `PLACESIM_BENCH_ENSEMBLE_SCALE` (default 0.05: criterion needs ten samples, and one
//!   full-scale sample is 40 replicate-decades); throughput in agent-weeks. The full-scale
//!   ensemble is timed with the CLI (docs/performance.md).
//!
//! * `psa/board_pack_2_draws`: `placesim psa` of the shipped board pack (five scenarios, the
//!   window FY2021/22 to FY2026/27), two draws of two replicates each, all cores, at scale
//!   `PLACESIM_BENCH_PSA_SCALE` (default 0.1, the scale of the 1,000-draw figure in
//!   docs/performance.md); throughput in draws.
//!
//! `PLACESIM_BENCH_SCALE` (default 1.0) shrinks the population for CI's smoke run, e.g.
//! `PLACESIM_BENCH_SCALE=0.02 cargo bench --bench engine -- --quick`.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use placesim::engine::{run_replicate, run_replicate_with, Engine, Setup};
use placesim::place::Place;
use placesim::population::synthesize;
use placesim::results::Metric;
use placesim::rng::ReplicateKey;
use placesim::runner::{run, RunRequest, Silent};
use placesim::scenario::load_scenario;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn scale() -> f64 {
    env_scale("PLACESIM_BENCH_SCALE", 1.0)
}

fn env_scale(name: &str, default: f64) -> f64 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// A shipped scenario without its warm-up year, so that the agent-weeks counted from the
/// reported weeks are the agent-weeks simulated (and figures stay comparable with those measured
/// before the warm-up existed).
fn scenario(name: &str) -> placesim::scenario::Scenario {
    let mut s = load_scenario(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name))
        .unwrap_or_else(|e| panic!("{e}"));
    s.warm_up_weeks = 0;
    s
}

/// Agent-weeks of a replicate: the end-of-week population summed over weeks and localities.
fn agent_weeks(tally: &placesim::results::Tally) -> u64 {
    (0..tally.weeks())
        .flat_map(|w| (0..tally.localities()).map(move |l| (w, l)))
        .map(|(w, l)| u64::from(tally.weekly(w, l, Metric::Population)))
        .sum()
}

fn ensemble(c: &mut Criterion) {
    // The smoke run's scale applies on top, so CI stays quick.
    let s = env_scale("PLACESIM_BENCH_ENSEMBLE_SCALE", 0.05) * scale();
    let mut base = scenario("baseline.toml");
    let mut life = scenario("life-expansion.toml");
    base.scale = s;
    life.scale = s;
    let request = RunRequest {
        scenarios: vec![base, life],
        replicates: 20,
        seed: 1,
        threads: 0,
    };
    let first = run(&request, &Silent).expect("ensemble runs");
    let weeks: u64 = first
        .scenarios
        .iter()
        .flat_map(|s| s.replicates.iter())
        .map(agent_weeks)
        .sum();
    let mut group = c.benchmark_group("ensemble");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60))
        .throughput(Throughput::Elements(weeks));
    group.bench_function("croydon_20x2", |b| {
        b.iter(|| run(&request, &Silent).expect("ensemble runs"))
    });
    group.finish();
}

fn replicate(c: &mut Criterion) {
    let mut scenario = scenario("baseline.toml");
    scenario.scale = scale();
    let place = Arc::new(Place::croydon());
    let setup = Setup::new(&scenario, &place).expect("baseline sets up");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("one thread");
    let agent_weeks = agent_weeks(&pool.install(|| run_replicate(&setup, 1, 0)));
    let mut group = c.benchmark_group("replicate");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60))
        .throughput(Throughput::Elements(agent_weeks));
    group.bench_function("croydon_baseline", |b| {
        b.iter(|| pool.install(|| run_replicate(&setup, 1, 0)))
    });
    // The weekly reference engine (every process of every resident every week), for the ratio.
    group.bench_function("croydon_baseline_weekly_engine", |b| {
        b.iter(|| pool.install(|| run_replicate_with(&setup, 1, 0, Engine::Weekly)))
    });
    group.finish();
}

fn synthesis(c: &mut Criterion) {
    let place = Place::croydon();
    let s = scale();
    let mut group = c.benchmark_group("synthesis");
    group
        .sample_size(10)
        .throughput(Throughput::Elements((386_710.0 * s) as u64));
    group.bench_function("croydon", |b| {
        b.iter(|| synthesize(&place, &ReplicateKey::new(1, 0), s))
    });
    group.finish();
}

fn peer(c: &mut Criterion) {
    let spec = placesim::peer::PeerSpec {
        agents: (390_000.0 * scale()) as u32,
        ..placesim::peer::PeerSpec::default()
    };
    let mut group = c.benchmark_group("peer");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30))
        .throughput(Throughput::Elements(u64::from(spec.agents) * u64::from(spec.steps)));
    group.bench_function("workload", |b| b.iter(|| placesim::peer::run_peer(spec)));
    group.bench_function("direct", |b| b.iter(|| placesim::peer::run_peer_direct(spec)));
    group.finish();
}

fn psa(c: &mut Criterion) {
    let s = env_scale("PLACESIM_BENCH_PSA_SCALE", 0.1) * scale();
    let files = [
        "baseline.toml",
        "icn-plus-rollout.toml",
        "life-expansion.toml",
        "social-prescribing-at-scale.toml",
        "proportionate-universalism.toml",
    ];
    let scenarios: Vec<placesim::scenario::Scenario> = files
        .iter()
        .map(|f| {
            let mut sc = load_scenario(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(f))
                .unwrap_or_else(|e| panic!("{e}"));
            sc.scale = s;
            sc
        })
        .collect();
    let place = Arc::new(Place::croydon());
    let request = placesim::psa::Request {
        scenarios,
        place,
        replicates: 2,
        seed: 1,
        threads: placesim::runner::available_cores(),
        window: placesim::analysis::compare::Window {
            from: Some(2021),
            to: None,
        },
        discount_rate: None,
    };
    let mut group = c.benchmark_group("psa");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(40))
        .throughput(Throughput::Elements(2));
    group.bench_function("board_pack_2_draws", |b| {
        b.iter(|| placesim::psa::run_psa(&request, 2, 0, &|_, _| {}).expect("psa runs"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = replicate, synthesis, peer, ensemble, psa
}
criterion_main!(benches);
