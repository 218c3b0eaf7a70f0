//! Synthesis placeholder (replaced by the real synthesis).
use super::Population;
use crate::place::Place;
use crate::rng::ReplicateKey;

/// Builds the population.
pub fn synthesize(_place: &Place, _key: &ReplicateKey, _scale: f64) -> Population {
    Population::default()
}
