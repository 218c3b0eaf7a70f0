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
//! depend on how agents are split between threads.

use crate::rng::{Purpose, ReplicateKey};

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

/// Runs the workload on one thread.
pub fn run_peer(spec: PeerSpec) -> PeerOutcome {
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
        mean_occupied_beds: occupied_sum as f64 / f64::from(spec.steps.max(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peer_workload_reaches_the_peers_outcomes_per_agent() {
        // The peers' outcomes at 390k agents, per agent: 275.7k alive, prevalence 0.173,
        // 0.73 M admissions, 114k deaths (../shared/bench/peer-results.md). 20k agents keep
        // the test quick; the tolerances cover sampling noise at that size.
        let n = 20_000.0;
        let o = run_peer(PeerSpec {
            agents: 20_000,
            ..PeerSpec::default()
        });
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
        assert_eq!(o.final_alive as u64 + o.total_deaths, 20_000);
    }
}
