//! The peer benchmark workload (`../shared/bench/peer_workload_spec.py`) written with
//! placesim's own primitives — its keyed RNG ([`crate::rng`]) and a struct-of-arrays
//! population — so placesim's speed can be set beside the peers' (numpy, LASER, Starsim, Mesa)
//! on the same simple model. It is a benchmark, not part of the Croydon model.
//!
//! Model, per agent, weekly steps (`dt` = 1/52 year), in the peers' order each step:
//! 1. discharge when the step's day reaches the discharge day;
//! 2. chronic incidence `0.002·e^(0.05·age)`/year (alive, not yet chronic);
//! 3. admission `0.04·e^(0.025·age) × 2.5 if chronic × (1 + 0.15·(imd − 1))`/year for the alive
//!    not in hospital; stay `1 + Poisson(5)` days;
//! 4. death `0.0001·e^(0.09·age) × 1.5 if chronic`/year; the dead leave hospital;
//! 5. ageing by `dt` (alive only).
//!
//! Each step's probability is `1 − exp(−rate·dt)`. Ages start Uniform(0, 90); sex and IMD
//! quintile are uniform. Agent `i` draws from its own keyed stream, so the outcome does not
//! depend on how agents are split between threads or the order they are visited in.
//!
//! Two versions: [`run_peer_direct`] transcribes the spec line by line (a draw per hazard per
//! agent-step, like the peers); [`run_peer`] is event-driven (an agent is visited only at steps
//! where something can happen) and is the one placesim's figure is quoted for. Both simulate
//! the same model; their outcomes agree in distribution.

use crate::model::tables::prob;
use crate::rng::{Purpose, ReplicateKey, Stream};

/// Size of a peer run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerSpec {
    /// Agents (390,000 in the peers' runs).
    pub agents: u32,
    /// Weekly steps (520 = 10 years).
    pub steps: u32,
    /// Seed.
    pub seed: u64,
}

impl Default for PeerSpec {
    fn default() -> Self {
        PeerSpec {
            agents: 390_000,
            steps: 520,
            seed: 1,
        }
    }
}

/// The sanity outputs every peer reports, to show the work done is equivalent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeerOutcome {
    /// Agents alive after the last step.
    pub final_alive: u32,
    /// Share of the living with the chronic condition after the last step.
    pub final_chronic_prevalence: f64,
    /// Admissions over the run.
    pub total_admissions: u64,
    /// Deaths over the run.
    pub total_deaths: u64,
    /// Mean number in hospital at the end of a step.
    pub mean_occupied_beds: f64,
}

const ALIVE: u8 = 1;
const CHRONIC: u8 = 2;
const IN_HOSPITAL: u8 = 4;

/// Annual hazard constants of the spec.
const CHRONIC_A: f64 = 0.002;
const CHRONIC_B: f64 = 0.05;
const ADMIT_A: f64 = 0.04;
const ADMIT_B: f64 = 0.025;
const ADMIT_CHRONIC_RR: f64 = 2.5;
const ADMIT_IMD_STEP: f64 = 0.15;
const LOS_POISSON_MEAN: f64 = 5.0;
const DEATH_A: f64 = 0.0001;
const DEATH_B: f64 = 0.09;
const DEATH_CHRONIC_RR: f64 = 1.5;
const DT: f64 = 1.0 / 52.0;

/// Runs the workload on one thread, event-driven: the levers of `docs/performance.md` applied
/// to the peers' model, with the same distribution of outcomes as [`run_peer_direct`].
///
/// * **Hazards from tables, not exponentials.** Each agent keeps its three weekly hazards
///   (`rate·dt`) at its starting age; every agent ages alike, so the hazard at step `s` is that
///   times a per-step factor `e^(B·dt·s)` computed once for the run.
/// * **Agents are visited only when something can happen.** Between its visits an agent's state
///   is fixed and its hazards only grow with age, so its chance of an event in any step of the
///   next [`WINDOW`] steps is at most `q`, the chance at the window's end. Its next *candidate*
///   step is drawn as a geometric wait with parameter `q` (one keyed draw,
///   [`Purpose::WaitTime`]); at a candidate step the event is accepted with `p_s / q`
///   (thinning), which makes each step an event with probability exactly `p_s`. A discharge
///   day, or a window that ends with no candidate, is a visit with `q = 1`.
/// * **One draw decides that nothing happens.** Independent events all fail with probability
///   `e^(−Σ hazards)`, so a visit's one uniform (the week's [`crate::rng::WeekDraws::gate`])
///   decides whether any happens. Only then is each event drawn *given that at least one
///   happens*: chronic onset with `p_c / p_any`; then, without onset, admission with
///   `p_a / (1 − (1 − p_a)(1 − p_d))` and death certain if admission failed too; after onset,
///   admission and death unconditioned at the chronic rates. That is the direct model's joint
///   distribution.
/// * **A calendar, not a scan.** Visits wait in one vector per step (grown as visits are
///   booked, released once the step is done). Work is proportional to visits, not to
///   agent-steps.
///
/// Every draw is keyed by (agent, step, purpose), so the outcome does not depend on the order
/// of visits; the draws differ from [`run_peer_direct`]'s, so the two agree in distribution,
/// not agent by agent (a test compares them).
pub fn run_peer(spec: PeerSpec) -> PeerOutcome {
    let n = spec.agents as usize;
    let steps = spec.steps as usize;
    let key = ReplicateKey::new(spec.seed, 0);
    let mut agents: Vec<Visited> = Vec::with_capacity(n);
    for i in 0..n {
        let stream = key.agent(0, i as u32);
        let s = stream.week(0);
        // Same synthesis draws as the direct version, so both start from the same population.
        let a = f64::from((s.uniform(Purpose::SynthBirthday) * 90.0) as f32);
        let _female = s.uniform(Purpose::SynthSex) < 0.5;
        let imd = (s.uniform(Purpose::SynthLsoa) * 5.0) as u8;
        agents.push(Visited {
            h0: [
                CHRONIC_A * DT * (CHRONIC_B * a).exp(),
                ADMIT_A * DT * (ADMIT_B * a).exp() * (1.0 + ADMIT_IMD_STEP * f64::from(imd)),
                DEATH_A * DT * (DEATH_B * a).exp(),
            ],
            bound: 1.0,
            stream,
            discharge_step: 0,
            flags: ALIVE,
        });
    }
    // Ageing factors by step (age at step s = starting age + s·dt).
    let growth: Vec<[f64; 3]> = (0..=steps)
        .map(|s| {
            let t = DT * s as f64;
            [(CHRONIC_B * t).exp(), (ADMIT_B * t).exp(), (DEATH_B * t).exp()]
        })
        .collect();
    // An agent's weekly hazards at step `s` in its state (admission only at home).
    let hazards = |a: &Visited, s: usize| -> [f64; 3] {
        let g = &growth[s];
        let chronic = a.flags & CHRONIC != 0;
        [
            if chronic { 0.0 } else { a.h0[0] * g[0] },
            match (a.flags & IN_HOSPITAL != 0, chronic) {
                (true, _) => 0.0,
                (false, true) => a.h0[1] * g[1] * ADMIT_CHRONIC_RR,
                (false, false) => a.h0[1] * g[1],
            },
            a.h0[2] * g[2] * if chronic { DEATH_CHRONIC_RR } else { 1.0 },
        ]
    };
    // The calendar: the agents to visit at each step.
    let mut calendar: Vec<Vec<u32>> = vec![Vec::new(); steps];
    // Chooses agent `a`'s next visit after step `after` (`None`: before the first step) and
    // returns its step (`steps` or more: none within the run).
    let schedule = |a: &mut Visited, after: Option<usize>| -> usize {
        let first = after.map_or(0, |s| s + 1);
        let hard = if a.flags & IN_HOSPITAL != 0 {
            (a.discharge_step as usize).min(steps)
        } else {
            steps
        };
        let last = (first + WINDOW).min(hard);
        // Candidate steps lie in first..last; `last` itself is a full visit (or the end).
        a.bound = 1.0;
        if first < last {
            let q = prob(hazards(a, last - 1).iter().sum());
            let u = a
                .stream
                .week(after.map_or(0, |s| s as u32 + 1))
                .uniform(Purpose::WaitTime);
            // Trials before the first success of a Bernoulli(q) process.
            let wait = ((1.0 - u).ln() / (-q).ln_1p()).floor();
            if wait < (last - first) as f64 {
                a.bound = q;
                return first + wait as usize;
            }
        }
        last
    };
    for (i, a) in agents.iter_mut().enumerate() {
        let at = schedule(a, None);
        if at < steps {
            calendar[at].push(i as u32);
        }
    }
    let (mut admissions, mut deaths, mut occupied_sum, mut occupied) = (0u64, 0u64, 0u64, 0u64);
    for s in 0..steps {
        let today = s as u32 * 7;
        let visits = std::mem::take(&mut calendar[s]);
        for &i in &visits {
            let a = &mut agents[i as usize];
            if a.flags & IN_HOSPITAL != 0 && a.discharge_step as usize <= s {
                a.flags &= !IN_HOSPITAL;
                occupied -= 1;
            }
            let [hc, ha, hd] = hazards(a, s);
            let p_any = prob(hc + ha + hd);
            let draws = a.stream.week(s as u32 + 1);
            if draws.gate() * a.bound < p_any {
                let (admit, die) = if hc > 0.0 && draws.uniform(Purpose::ConditionOnset) * p_any < prob(hc) {
                    a.flags |= CHRONIC;
                    let [_, ha, hd] = hazards(a, s);
                    (
                        draws.uniform(Purpose::Crisis) < prob(ha),
                        draws.uniform(Purpose::Death) < prob(hd),
                    )
                } else {
                    let (pa, pd) = (prob(ha), prob(hd));
                    let p_either = pa + pd - pa * pd;
                    let admit = draws.uniform(Purpose::Crisis) * p_either < pa;
                    (admit, !admit || draws.uniform(Purpose::Death) < pd)
                };
                if admit {
                    a.flags |= IN_HOSPITAL;
                    occupied += 1;
                    let day = today + 1 + draws.poisson(Purpose::LosLength, LOS_POISSON_MEAN);
                    // Discharged at the first step whose day reaches the discharge day.
                    a.discharge_step = day.div_ceil(7);
                    admissions += 1;
                }
                if die {
                    occupied -= u64::from(a.flags & IN_HOSPITAL != 0);
                    a.flags = 0;
                    deaths += 1;
                    continue;
                }
            }
            let at = schedule(a, Some(s));
            if at < steps {
                calendar[at].push(i);
            }
        }
        occupied_sum += occupied;
    }
    let flags: Vec<u8> = agents.iter().map(|a| a.flags).collect();
    outcome(&flags, admissions, deaths, occupied_sum, spec.steps)
}

/// What a visit reads and writes, kept together so a visit to a random agent reads one or two
/// cache lines rather than one per column (the direct version's columns suit a scan; a
/// calendar visits agents in no order).
#[derive(Debug, Clone, Copy)]
struct Visited {
    /// Weekly hazards at the starting age: chronic onset, admission (with the IMD factor,
    /// before the chronic rate ratio), death (before the chronic rate ratio).
    h0: [f64; 3],
    /// The bound `q` of the pending visit (1 for a full visit).
    bound: f64,
    stream: Stream,
    discharge_step: u32,
    flags: u8,
}

/// Steps an agent's visit may be put off by (the bound `q` is the hazard at the window's end).
pub const WINDOW: usize = 260;

fn outcome(flags: &[u8], admissions: u64, deaths: u64, occupied_sum: u64, steps: u32) -> PeerOutcome {
    let alive = flags.iter().filter(|&&f| f & ALIVE != 0).count() as u32;
    let chronic = flags
        .iter()
        .filter(|&&f| f & (ALIVE | CHRONIC) == ALIVE | CHRONIC)
        .count();
    PeerOutcome {
        final_alive: alive,
        final_chronic_prevalence: chronic as f64 / f64::from(alive.max(1)),
        total_admissions: admissions,
        total_deaths: deaths,
        mean_occupied_beds: occupied_sum as f64 / f64::from(steps.max(1)),
    }
}

/// Runs the workload on one thread as a direct transcription of the spec: three exponentials and
/// up to three keyed draws per agent-step. Kept as the reference the fast path is tested
/// against and benchmarked beside.
pub fn run_peer_direct(spec: PeerSpec) -> PeerOutcome {
    let n = spec.agents as usize;
    let key = ReplicateKey::new(spec.seed, 0);
    let dt = 1.0f32 / 52.0;
    // Struct of arrays: 4 + 1 + 1 + 4 bytes of state per agent.
    let mut age = Vec::with_capacity(n);
    let mut flags = Vec::with_capacity(n);
    let mut imd_factor = Vec::with_capacity(n);
    let mut discharge_day = vec![0.0f32; n];
    for i in 0..n {
        let s = key.agent(0, i as u32).week(0);
        age.push((s.uniform(Purpose::SynthBirthday) * 90.0) as f32);
        // Sex is carried as state by the peers but used by no hazard.
        let _female = s.uniform(Purpose::SynthSex) < 0.5;
        let imd = (s.uniform(Purpose::SynthLsoa) * 5.0) as u8; // 0..4 = quintile − 1
        imd_factor.push(1.0 + 0.15 * f32::from(imd));
        flags.push(ALIVE);
    }
    let (mut admissions, mut deaths, mut occupied_sum) = (0u64, 0u64, 0u64);
    for step in 0..spec.steps {
        let today = step as f32 * 7.0;
        let mut occupied = 0u64;
        for i in 0..n {
            let mut f = flags[i];
            if f & ALIVE == 0 {
                continue;
            }
            if f & IN_HOSPITAL != 0 && discharge_day[i] <= today {
                f &= !IN_HOSPITAL;
            }
            let draws = key.agent(0, i as u32).week(step + 1);
            let a = age[i];
            if f & CHRONIC == 0 {
                let p = -(-(0.002 * dt) * (0.05 * a).exp()).exp_m1();
                if (draws.uniform(Purpose::ConditionOnset) as f32) < p {
                    f |= CHRONIC;
                }
            }
            let chronic = f & CHRONIC != 0;
            if f & IN_HOSPITAL == 0 {
                let rr = if chronic { 2.5 } else { 1.0 };
                let rate = (0.04 * dt) * (0.025 * a).exp() * imd_factor[i] * rr;
                if (draws.uniform(Purpose::Crisis) as f32) < -(-rate).exp_m1() {
                    f |= IN_HOSPITAL;
                    discharge_day[i] = today + 1.0 + draws.poisson(Purpose::LosLength, 5.0) as f32;
                    admissions += 1;
                }
            }
            let rr = if chronic { 1.5 } else { 1.0 };
            let rate = (0.0001 * dt) * (0.09 * a).exp() * rr;
            if (draws.uniform(Purpose::Death) as f32) < -(-rate).exp_m1() {
                f = 0;
                deaths += 1;
            } else {
                age[i] = a + dt;
                occupied += u64::from(f & IN_HOSPITAL != 0);
            }
            flags[i] = f;
        }
        occupied_sum += occupied;
    }
    outcome(&flags, admissions, deaths, occupied_sum, spec.steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The peers' outcomes at 390k agents, per agent: 275.7k alive, prevalence 0.173, 0.73 M
    /// admissions, 114k deaths (../shared/bench/peer-results.md). 20k agents keep the test
    /// quick; the tolerances cover sampling noise at that size.
    fn assert_peer_outcomes(o: PeerOutcome, agents: u32) {
        let n = f64::from(agents);
        let alive = f64::from(o.final_alive) / n;
        assert!((alive - 275_700.0 / 390_000.0).abs() < 0.01, "alive share {alive}");
        assert!(
            (o.final_chronic_prevalence - 0.173).abs() < 0.01,
            "{}",
            o.final_chronic_prevalence
        );
        let adm = o.total_admissions as f64 / n;
        assert!((adm - 730_000.0 / 390_000.0).abs() < 0.05, "admissions per agent {adm}");
        let deaths = o.total_deaths as f64 / n;
        assert!(
            (deaths - 114_000.0 / 390_000.0).abs() < 0.01,
            "deaths per agent {deaths}"
        );
        assert_eq!(u64::from(o.final_alive) + o.total_deaths, u64::from(agents));
    }

    #[test]
    fn the_direct_peer_workload_reaches_the_peers_outcomes_per_agent() {
        let spec = PeerSpec {
            agents: 20_000,
            ..PeerSpec::default()
        };
        assert_peer_outcomes(run_peer_direct(spec), spec.agents);
    }

    #[test]
    fn the_event_driven_peer_workload_reaches_the_peers_outcomes_per_agent() {
        let spec = PeerSpec {
            agents: 20_000,
            ..PeerSpec::default()
        };
        assert_peer_outcomes(run_peer(spec), spec.agents);
    }

    #[test]
    fn visiting_only_when_something_can_happen_leaves_the_distribution_unchanged() {
        // Same population, different draws: at 100k agents the two must agree within sampling
        // noise (binomial sd of deaths ~140, of admissions ~1,100 incl. repeat admissions).
        let spec = PeerSpec {
            agents: 100_000,
            steps: 260,
            seed: 5,
        };
        let (g, d) = (run_peer(spec), run_peer_direct(spec));
        let close = |a: f64, b: f64, tol: f64| (a - b).abs() < tol;
        assert!(
            close(g.total_deaths as f64, d.total_deaths as f64, 600.0),
            "{g:?} vs {d:?}"
        );
        assert!(
            close(g.total_admissions as f64, d.total_admissions as f64, 4_000.0),
            "{g:?} vs {d:?}"
        );
        assert!(
            close(g.final_chronic_prevalence, d.final_chronic_prevalence, 0.005),
            "{g:?} vs {d:?}"
        );
        assert!(
            close(g.mean_occupied_beds, d.mean_occupied_beds, 0.03 * d.mean_occupied_beds),
            "{g:?} vs {d:?}"
        );
    }
}
