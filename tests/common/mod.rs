//! Helpers shared by the integration tests.
#![allow(dead_code)]

use placesim::calendar::Date;
use placesim::scenario::{load_scenario, Scenario};
use std::path::Path;

/// A shipped scenario at a small scale and a short horizon, for fast tests.
pub fn small(file: &str, scale: f64, end: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let mut s = load_scenario(&path).unwrap_or_else(|e| panic!("{e}"));
    s.scale = scale;
    s.end = Date::parse(end).expect("valid date");
    s
}
