//! # placesim
//!
//! A population-health agent-based simulation of a place — by default the London Borough of
//! Croydon — and of the integrated-care services that serve its residents.
//!
//! ## Data flow (one way)
//! ```text
//! scenarios/x.toml ──load──▶ spanned document ──validate──▶ Scenario   (all errors at once)
//! place (embedded Croydon or file) ──▶ Place
//! Place + seed ──synthesize──▶ Population (struct of arrays, one block per locality)
//! Scenario × Population × replicate ──engine (weekly PHASES)──▶ Tally
//! rayon over (scenario, replicate), collected in order ──▶ Results
//! Results ──▶ analysis (summary, costs, series) ──▶ output (csv, json, manifest; the only writer of files)
//! run folder ──output::read──▶ charts (SVG, PNG) and report.html, drawn from the files alone
//! ```
//!
//! ## Glossary
//! * **Agent**: one resident (at `scale = 1`).
//! * **Locality**: one of six groups of GP practices (East Croydon, Purley, New Addington and
//!   Selsdon, Mayday, Thornton Heath, Woodside and Shirley); the unit of service capacity.
//! * **Huddle / ICN**: weekly multidisciplinary case review at a GP practice.
//! * **PIC**: Personal Independence Co-ordinator (Age UK Croydon).
//! * **LIFE**: A&E liaison admission avoidance, discharge to assess and reablement.
//! * **Crisis**: a health event that leads to an A&E attendance.
//! * **Replicate**: one stochastic realisation; replicate *r* of every scenario uses the same
//!   random numbers for the same agent and purpose (common random numbers).

pub mod analysis;
pub mod calendar;
pub mod calibration;
pub mod engine;
pub mod error;
pub mod input;
pub mod model;
pub mod output;
pub mod peer;
pub mod place;
pub mod population;
pub mod psa;
pub mod results;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod services;
pub mod shard;
pub mod uncertainty;

pub use error::Error;
