//! The model's submodels as precomputed tables and pure functions of agent state: no I/O, no
//! randomness (draws are made by the engine from [`crate::rng`] and passed in).

pub mod onset;
pub mod tables;

pub use tables::Tables;
